"""Roads from an OpenStreetMap extract: a routable GeoPackage and its cached graph.

* :func:`cut_roads` / :func:`write_roads`: a province (with a margin) cut from a
  national ``.osm.pbf`` extract, streamed with pyosmium; layers ``roads`` (segments
  between junctions with class, name, ``ref``, one-way, limit and speeds per
  vehicle), ``places``, ``border_crossings`` and ``police``.
* :func:`load_graph`: the :class:`RoadGraph` of such a file, cached beside it as
  ``NAME.graph.npz`` so that the second load does not parse the GeoPackage again.
* :data:`DEFAULT_SPEEDS` and :func:`read_speeds`: km/h per road class for car,
  motorbike and foot, overridable by a CSV or YAML file.

The command is ``hotspots roads`` (see docs/roads.md).
"""

from hotspots.roads.extract import ATTRIBUTION, LAYERS, cut_roads, write_roads
from hotspots.roads.graph import RoadGraph, cache_path, load_graph
from hotspots.roads.speeds import DEFAULT_SPEEDS, VEHICLES, read_speeds

__all__ = [
    "cut_roads",
    "write_roads",
    "load_graph",
    "RoadGraph",
    "cache_path",
    "read_speeds",
    "DEFAULT_SPEEDS",
    "VEHICLES",
    "LAYERS",
    "ATTRIBUTION",
]
