"""Stream an OpenStreetMap extract (``.osm.pbf``) and keep what touches a bounding box.

One pass with pyosmium (libosmium): node locations go to a compact C++ index
(``sparse_mem_array``, 16 bytes per node in a vector that doubles as it grows: about
1.2 GB at peak for a 35-million-node extract, see docs/roads.md); tag filters run in
C++ so that Python only sees ways tagged ``highway``/``amenity``/``barrier``/
``boundary`` and the few tagged nodes wanted (places, police, border control). Each
way's geometry is built in C++ and ways outside the bounding box are dropped at once,
so what Python keeps grows with the province, not with the country.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hotspots.errors import UnusableInputError

__all__ = ["OsmCut", "header_box", "read_extract", "ROAD_CLASSES", "PLACE_CLASSES", "WAY_TAGS"]

#: ``highway`` classes kept: the network a car or a motorbike can drive (and walk).
ROAD_CLASSES = frozenset(
    {
        "motorway",
        "motorway_link",
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "road",
        "residential",
        "living_street",
        "service",
        "track",
        "path",
    }
)
#: ``place`` values kept in the ``places`` layer.
PLACE_CLASSES = ("city", "town", "village", "hamlet")
#: Way tags carried to the ``roads`` layer (raw strings, "" when untagged).
WAY_TAGS = (
    "highway",
    "name",
    "ref",
    "oneway",
    "junction",
    "maxspeed",
    "access",
    "motor_vehicle",
    "motorcar",
    "motorcycle",
    "foot",
)
_POINT_TAGS = ("name", "place", "population", "amenity", "barrier")


@dataclass
class OsmCut:
    """What :func:`read_extract` kept.

    Attributes
    ----------
    ways
        One dict per road way: ``osm_id``, ``refs`` (node ids), ``lon``, ``lat``
        (arrays; only nodes with a location) and the :data:`WAY_TAGS`.
    points
        One dict per place / police / border-control object: ``osm_id``,
        ``osm_type`` (``node`` or ``way``; a way is reduced to the mean of its
        nodes), ``lon``, ``lat`` and the point tags.
    borders
        (k, 2) lon/lat arrays of the ways tagged ``boundary=administrative`` +
        ``admin_level=2`` (national borders) in the box.
    n_ways_read
        Road ways seen in the whole file (inside the box or not).
    """

    ways: list[dict] = field(default_factory=list)
    points: list[dict] = field(default_factory=list)
    borders: list[np.ndarray] = field(default_factory=list)
    n_ways_read: int = 0


def _open_error(path: Path, exc: Exception) -> UnusableInputError:
    return UnusableInputError(
        f"{path} is not a readable OpenStreetMap extract ({exc}); give the .osm.pbf file "
        "of the country as downloaded (not renamed, not truncated)"
    )


def header_box(path: str | Path) -> tuple[float, float, float, float] | None:
    """Bounding box ``(west, south, east, north)`` in the file header, None if absent.

    Raises
    ------
    UnusableInputError
        When the file is missing or is not an OSM file (PBF or XML).
    """
    import osmium

    path = Path(path)
    if not path.is_file():
        raise UnusableInputError(f"OSM extract {path} does not exist")
    try:
        reader = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING)
        try:
            box = reader.header().box()
        finally:
            reader.close()
    except Exception as exc:  # noqa: BLE001 - libosmium raises RuntimeError subclasses
        raise _open_error(path, exc) from None
    if not box.valid():
        return None
    return (box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat)


def read_extract(path: str | Path, bbox: tuple[float, float, float, float]) -> OsmCut:
    """Stream ``path`` once; keep roads whose extent overlaps ``bbox``, and points in it.

    Parameters
    ----------
    path
        ``.osm.pbf`` (or ``.osm``) file.
    bbox
        ``(west, south, east, north)`` in degrees.

    Returns
    -------
    OsmCut
    """
    import osmium

    path = Path(path)
    cut = OsmCut()
    try:
        for obj in _processor(path):
            if obj.is_way():
                _take_way(obj, bbox, cut)
            else:
                _take_node(obj, bbox, cut)
    except UnusableInputError:
        raise
    except (RuntimeError, osmium.InvalidLocationError, ValueError) as exc:
        raise _open_error(path, exc) from None
    return cut


def _processor(path: Path):
    """The pyosmium file processor with the C++ tag filters."""
    import osmium
    from osmium.filter import EntityFilter, KeyFilter, TagFilter

    node_tags = [("place", p) for p in PLACE_CLASSES]
    node_tags += [("amenity", "police"), ("barrier", "border_control")]
    bits = osmium.osm.NODE | osmium.osm.WAY
    return (
        osmium.FileProcessor(str(path), bits)
        .with_locations("sparse_mem_array")
        .with_filter(EntityFilter(bits))
        .with_filter(
            KeyFilter("highway", "amenity", "barrier", "boundary").enable_for(osmium.osm.WAY)
        )
        .with_filter(TagFilter(*node_tags).enable_for(osmium.osm.NODE))
    )


def _in_box(lon, lat, bbox) -> bool:
    """True when the bounding box of the points overlaps ``bbox`` (plain floats: fast)."""
    w, s, e, n = bbox
    return not (max(lon) < w or min(lon) > e or max(lat) < s or min(lat) > n)


_WKB = None


def _may_touch(way, bbox) -> bool:
    """Fast test (geometry built in C++): False only if ``way`` lies outside ``bbox``."""
    global _WKB
    import osmium

    if _WKB is None:
        _WKB = osmium.geom.WKBFactory()
    try:
        hexwkb = _WKB.create_linestring(way)
    except (osmium.InvalidLocationError, RuntimeError):  # missing nodes: test them one by one
        return True
    raw = bytes.fromhex(hexwkb)  # WKB: byte order, type, count, then lon/lat doubles
    xy = struct.unpack_from(f"<{(len(raw) - 9) // 8}d", raw, 9)
    return _in_box(xy[0::2], xy[1::2], bbox)


def _take_way(way, bbox, cut: OsmCut) -> None:
    """Keep a road, a national boundary line, or a police / border-control way as a point."""
    tags = way.tags
    hw = tags.get("highway")
    is_road = hw in ROAD_CLASSES and tags.get("area") != "yes"
    is_point = tags.get("amenity") == "police" or tags.get("barrier") == "border_control"
    is_border = tags.get("boundary") == "administrative" and tags.get("admin_level") == "2"
    if not (is_road or is_point or is_border):
        return
    cut.n_ways_read += is_road
    if not _may_touch(way, bbox):
        return
    refs, lon, lat = [], [], []
    for nd in way.nodes:
        loc = nd.location
        if loc.valid():
            refs.append(nd.ref)
            lon.append(loc.lon)
            lat.append(loc.lat)
    if not lon or not _in_box(lon, lat, bbox):
        return
    lon_a, lat_a = np.asarray(lon), np.asarray(lat)
    if is_road and len(refs) >= 2:
        rec = {k: tags.get(k, "") for k in WAY_TAGS}
        rec.update(osm_id=way.id, refs=np.asarray(refs, dtype=np.int64), lon=lon_a, lat=lat_a)
        cut.ways.append(rec)
    if is_border and len(lon) >= 2:
        cut.borders.append(np.column_stack([lon_a, lat_a]))
    if is_point:
        rec = {k: tags.get(k, "") for k in _POINT_TAGS}
        rec.update(osm_id=way.id, osm_type="way", lon=float(lon_a.mean()), lat=float(lat_a.mean()))
        cut.points.append(rec)


def _take_node(node, bbox, cut: OsmCut) -> None:
    """Keep a place / police / border-control node inside ``bbox``."""
    loc = node.location
    if not loc.valid() or not _in_box([loc.lon], [loc.lat], bbox):
        return
    rec = {k: node.tags.get(k, "") for k in _POINT_TAGS}
    rec.update(osm_id=node.id, osm_type="node", lon=loc.lon, lat=loc.lat)
    cut.points.append(rec)
