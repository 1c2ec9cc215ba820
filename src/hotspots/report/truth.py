"""Synthetic data only: the planted key areas that the report found."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from hotspots.maps.labels import localize_table

__all__ = ["planted_areas_found"]


def planted_areas_found(
    truth: gpd.GeoDataFrame,
    operational: gpd.GeoDataFrame,
    origin: gpd.GeoDataFrame,
    lang: str = "vi",
) -> tuple[pd.DataFrame, int]:
    """Check planted key areas against the areas found; return a display table and hits.

    An origin area (``kind == "origin"``) is found when it touches an origin key area,
    any other when it touches an operational one (each view is computed from its own
    roles).

    Returns
    -------
    (pandas.DataFrame, int)
        Kind, role, cases and found (yes/no in ``lang``) per planted area, and the number
        found.
    """
    is_origin = (truth["kind"] == "origin").to_numpy() if "kind" in truth else False
    found_ops = truth.geometry.intersects(operational.to_crs(truth.crs).union_all())
    if len(origin):
        found_origin = truth.geometry.intersects(origin.to_crs(truth.crs).union_all())
    else:
        found_origin = found_ops & False
    found = found_origin.where(is_origin, found_ops)
    yes, no = ("có", "không") if lang == "vi" else ("yes", "no")
    check = truth.drop(columns="geometry").assign(found=found.map({True: yes, False: no}))
    check = check[[c for c in ("kind", "role", "cases", "found") if c in check]]
    header = {"found": "Tìm thấy" if lang == "vi" else "Found"}
    return localize_table(check, lang, header, words=["kind", "role"]), int(found.sum())
