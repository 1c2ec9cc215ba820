"""Offline maps for commanders: folium/Leaflet pages that open without any network.

Leaflet is written into each page (read from the installed ``folium-offline`` package);
no CDN, no web font, no tiles unless a tile URL is given. Boundaries come from bundled
geography. Labels are Vietnamese by default (``lang="en"`` for English). Every layer
applies the map's privacy level (:mod:`hotspots.privacy`) to what it draws.

Examples
--------
>>> from hotspots.maps import base_map, add_counts, save_map  # doctest: +SKIP
>>> m = base_map("Lào Cai", synthetic=True)                   # doctest: +SKIP
>>> add_counts(m, communes_with_counts, "cases")               # doctest: +SKIP
>>> save_map(m, "cases.html")                                  # doctest: +SKIP
"""

from hotspots.maps.base import OfflineMap, add_boundaries, add_legend, base_map, map_html, save_map
from hotspots.maps.geojson import add_geojson_layer
from hotspots.maps.labels import LABELS, label
from hotspots.maps.layers import (
    add_case_points,
    add_checkpoints,
    add_counts,
    add_density,
    add_exit_points,
    add_key_areas,
    add_key_lines,
    add_patrol_routes,
    add_trends,
)
from hotspots.maps.offline import OfflineError, make_offline
from hotspots.maps.views import cases_per_commune_map, overview_map, square_grid

__all__ = [
    "OfflineMap",
    "base_map",
    "add_boundaries",
    "add_counts",
    "add_key_areas",
    "add_density",
    "add_trends",
    "add_key_lines",
    "add_exit_points",
    "add_checkpoints",
    "add_patrol_routes",
    "add_case_points",
    "add_geojson_layer",
    "add_legend",
    "save_map",
    "map_html",
    "make_offline",
    "OfflineError",
    "cases_per_commune_map",
    "overview_map",
    "square_grid",
    "label",
    "LABELS",
]
