"""Ready-made maps for commanders (one call, one topic)."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.data.crs import metric_crs
from hotspots.errors import InputError
from hotspots.maps import base as _base
from hotspots.maps.labels import Lang, label
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
from hotspots.privacy import DEFAULT_THRESHOLD, PrivacyLevel, aggregate_for_sharing, check_level

__all__ = ["cases_per_commune_map", "overview_map", "square_grid"]


def square_grid(gdf: gpd.GeoDataFrame, cell_m: float = 5000.0) -> gpd.GeoDataFrame:
    """Square cells of ``cell_m`` metres covering ``gdf`` (in its metric CRS), in EPSG:4326.

    Used when no commune polygons are available; cells get a ``code`` like ``r3c7``.
    """
    crs = metric_crs(gdf)
    x0, y0, x1, y1 = gdf.to_crs(crs).total_bounds
    x0, y0 = np.floor(x0 / cell_m) * cell_m, np.floor(y0 / cell_m) * cell_m
    nx = max(1, int(np.ceil((x1 - x0) / cell_m)) + (1 if x1 == x0 else 0))
    ny = max(1, int(np.ceil((y1 - y0) / cell_m)) + (1 if y1 == y0 else 0))
    ix, iy = np.meshgrid(np.arange(nx), np.arange(ny))
    ix, iy = ix.ravel(), iy.ravel()
    boxes = shapely.box(
        x0 + ix * cell_m, y0 + iy * cell_m, x0 + (ix + 1) * cell_m, y0 + (iy + 1) * cell_m
    )
    codes = [f"r{r}c{c}" for r, c in zip(iy, ix, strict=True)]
    return gpd.GeoDataFrame({"code": codes}, geometry=boxes, crs=crs).to_crs("EPSG:4326")


def cases_per_commune_map(
    cases: gpd.GeoDataFrame,
    province: Any = None,
    lang: Lang = "vi",
    privacy: PrivacyLevel = "shareable",
    synthetic: bool = False,
    communes: gpd.GeoDataFrame | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    column: str = "cases",
    tiles: str | None = None,
    cell_m: float = 5000.0,
) -> _base.OfflineMap:
    """Map the number of cases per commune: the commanders' first map.

    Parameters
    ----------
    cases
        A CaseTable (points in EPSG:4326; ``commune_code`` and ``victims`` used when present).
    province
        Province code or name (boundary and communes from :mod:`hotspots.geodata`), or a
        boundary GeoDataFrame; ``None``: no province outline.
    lang
        ``"vi"`` (default) or ``"en"``.
    privacy
        ``"shareable"`` (default: counts 1–2 suppressed, no case points) or
        ``"restricted"`` (exact counts, plus a hidden layer of case points).
    synthetic
        Put the SYNTHETIC / DỮ LIỆU GIẢ LẬP banner on the map.
    communes
        Commune polygons (``code``, ``name``); default the approximate commune areas of
        ``province`` from :mod:`hotspots.geodata`. Without any, cases are counted in
        square cells of ``cell_m`` metres instead (the layer is named accordingly).
    threshold
        Suppression threshold (default 3).
    column
        ``"cases"`` or ``"victims"``: what colours the communes.
    """
    check_level(privacy)
    if not isinstance(cases, gpd.GeoDataFrame):
        raise InputError("cases must be a GeoDataFrame (a CaseTable from hotspots.read_cases)")
    if column not in ("cases", "victims"):
        raise InputError(f"column={column!r}: use 'cases' or 'victims'")
    from_geodata = False
    if communes is None and province is not None and isinstance(province, str):
        geodata = _base._geodata()
        if geodata is not None and hasattr(geodata, "commune_areas"):
            communes = geodata.commune_areas(province)
            from_geodata = True
    per_cell = communes is None
    if per_cell:
        extent = cases if province is None or isinstance(province, str) else province
        polygons = square_grid(extent if len(extent) else cases, cell_m=cell_m)
    else:
        polygons = _base._as_gdf(communes)
    counted = _count(cases, polygons, threshold if privacy == "shareable" else 1)
    if per_cell:
        counted = counted[pd.to_numeric(counted["cases"], errors="coerce").fillna(1) > 0]
    m = _base.base_map(
        area=province,
        lang=lang,
        tiles=tiles,
        synthetic=synthetic,
        privacy=privacy,
        communes=False,
        threshold=threshold,
    )
    if from_geodata:
        _base.add_credit(m, "communes", "provinces")
    name = label("cases_per_cell" if per_cell else "cases_per_commune", lang)
    if column == "victims":
        name = f"{label('victims', lang)} — {name}"
    add_counts(m, counted, column=column, name=name)
    if privacy == "restricted":
        add_case_points(m, cases, show=False)
    return m


def _count(cases: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame, threshold: int) -> gpd.GeoDataFrame:
    """Cases per polygon: by commune code where both sides have one, else by location."""
    if "commune_code" in cases.columns and "code" in polygons.columns:
        codes = set(polygons["code"].astype(str))
        has = cases["commune_code"].astype(str).isin(codes) & cases["commune_code"].notna()
        if has.all():
            return aggregate_for_sharing(
                cases, polygons, on=("commune_code", "code"), threshold=threshold
            )
        if has.any():
            # place the rest by location, then count everything by code
            rest = cases[~has]
            joined = gpd.sjoin(
                rest[["geometry"]], polygons[["code", "geometry"]], how="left", predicate="within"
            )
            joined = joined[~joined.index.duplicated()]
            filled = cases.copy()
            filled["commune_code"] = filled["commune_code"].astype(object)
            filled.loc[~has, "commune_code"] = joined["code"].reindex(rest.index).to_numpy()
            return aggregate_for_sharing(
                filled, polygons, on=("commune_code", "code"), threshold=threshold
            )
    return aggregate_for_sharing(cases, polygons, threshold=threshold)


def _frame(obj: Any) -> gpd.GeoDataFrame | None:
    """Accept a GeoDataFrame or a result object with ``.to_gdf()`` (KeyAreas, KeyLines…)."""
    if obj is None:
        return None
    if isinstance(obj, gpd.GeoDataFrame):
        return obj
    if hasattr(obj, "to_gdf"):
        return obj.to_gdf()
    raise InputError(
        f"expected a GeoDataFrame or a result with .to_gdf(), not {type(obj).__name__}"
    )


def overview_map(
    province: Any = None,
    *,
    cases: gpd.GeoDataFrame | None = None,
    communes: gpd.GeoDataFrame | None = None,
    key_areas: Any = None,
    density: gpd.GeoDataFrame | None = None,
    trends: gpd.GeoDataFrame | None = None,
    key_lines: Any = None,
    exit_points: gpd.GeoDataFrame | bool | None = None,
    checkpoints: gpd.GeoDataFrame | None = None,
    patrol_routes: Any = None,
    lang: Lang = "vi",
    privacy: PrivacyLevel = "shareable",
    synthetic: bool = False,
    threshold: int = DEFAULT_THRESHOLD,
    tiles: str | None = None,
    title: str | None = None,
) -> _base.OfflineMap:
    """One commander map with every layer that is given, in a fixed, readable order.

    Layers from bottom to top: cases per commune (when ``cases`` is given), density
    surface, trend classes, key areas, key lines, patrol routes, exit points (border
    gates; default those of ``province`` from :mod:`hotspots.geodata`; ``False`` for
    none), checkpoints. Density and trends start hidden; the rest are shown. Arguments
    are GeoDataFrames or results with ``.to_gdf()``; other parameters are those of
    :func:`hotspots.maps.base_map`.
    """
    check_level(privacy)
    m = _base.base_map(
        area=province,
        lang=lang,
        tiles=tiles,
        synthetic=synthetic,
        privacy=privacy,
        communes=False if communes is None and cases is not None else communes,
        threshold=threshold,
        title=title,
    )
    if cases is not None:
        polygons = communes
        if polygons is None and isinstance(province, str):
            geodata = _base._geodata()
            if geodata is not None and hasattr(geodata, "commune_areas"):
                polygons = geodata.commune_areas(province)
                _base.add_credit(m, "communes", "provinces")
        if polygons is None:
            polygons = square_grid(cases)
        counted = _count(cases, _base._as_gdf(polygons), threshold if privacy == "shareable" else 1)
        add_counts(m, counted, "cases", name=label("cases_per_commune", lang))
    if (d := _frame(density)) is not None:
        add_density(m, d, show=False)
    if (t := _frame(trends)) is not None:
        add_trends(m, t, show=False)
    if (k := _frame(key_areas)) is not None:
        add_key_areas(m, k)
    if (kl := _frame(key_lines)) is not None:
        add_key_lines(m, kl)
    if (pr := _frame(patrol_routes)) is not None:
        add_patrol_routes(m, pr)
    if exit_points is None and isinstance(province, str):
        geodata = _base._geodata()
        if geodata is not None and hasattr(geodata, "border_gates"):
            gates = geodata.border_gates(province)
            exit_points = gates if len(gates) else None
            if exit_points is not None:
                _base.add_credit(m, "borders")  # gates are snapped onto Natural Earth
    if isinstance(exit_points, gpd.GeoDataFrame):
        add_exit_points(m, exit_points)
    if (c := _frame(checkpoints)) is not None:
        add_checkpoints(m, c)
    return m
