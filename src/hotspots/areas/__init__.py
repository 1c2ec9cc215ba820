"""Key areas (địa bàn trọng điểm): grids, density, local statistics, clusters, trends.

The names below are the package's public API; most are imported from their module on
first use, so ``import hotspots.areas`` stays light (no folium, no scikit-learn until
needed). ``key_areas`` and ``predict`` are the exceptions: each function shares its name
with its module (:mod:`hotspots.areas.key_areas`, :mod:`hotspots.areas.predict`), so both
are imported at once and ``hotspots.areas.key_areas`` / ``hotspots.areas.predict`` are
always the functions (``from hotspots.areas.key_areas import KeyAreas`` and
``from hotspots.areas.predict import Events`` still work).

>>> from hotspots.areas import Grid, gi_star, key_areas  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

from hotspots.areas.key_areas import key_areas
from hotspots.areas.predict import predict

__all__ = [
    "Grid",
    "counts_by_polygon",
    "auto_cell_size",
    "spacing_cell_size",
    "kde",
    "default_bandwidth",
    "grid_contiguity",
    "grid_weights",
    "polygon_contiguity",
    "distance_band",
    "knn",
    "gi_star",
    "local_moran",
    "fdr",
    "confidence_class",
    "GiStar",
    "LocalMoran",
    "density_clusters",
    "label_points",
    "mann_kendall",
    "emerging_hot_spots",
    "key_areas",
    "KeyAreas",
    "VIEWS",
    "select_view",
    "first_per_case",
    "predict",
]

_LAZY = {
    "Grid": "hotspots.areas.grid",
    "counts_by_polygon": "hotspots.areas.grid",
    "auto_cell_size": "hotspots.areas.grid",
    "spacing_cell_size": "hotspots.areas.grid",
    "kde": "hotspots.areas.density",
    "default_bandwidth": "hotspots.areas.density",
    "grid_contiguity": "hotspots.areas.weights",
    "grid_weights": "hotspots.areas.weights",
    "polygon_contiguity": "hotspots.areas.weights",
    "distance_band": "hotspots.areas.weights",
    "knn": "hotspots.areas.weights",
    "gi_star": "hotspots.areas.stats",
    "local_moran": "hotspots.areas.stats",
    "fdr": "hotspots.areas.stats",
    "confidence_class": "hotspots.areas.stats",
    "GiStar": "hotspots.areas.stats",
    "LocalMoran": "hotspots.areas.stats",
    "density_clusters": "hotspots.areas.cluster",
    "label_points": "hotspots.areas.cluster",
    "mann_kendall": "hotspots.areas.trend",
    "emerging_hot_spots": "hotspots.areas.emerging",
    "KeyAreas": "hotspots.areas.key_areas",
    "VIEWS": "hotspots.areas.views",
    "select_view": "hotspots.areas.views",
    "first_per_case": "hotspots.areas.views",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hotspots.areas' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
