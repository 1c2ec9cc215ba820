"""Key areas (địa bàn trọng điểm): significant grid cells merged into ranked polygons.

:func:`key_areas` counts cases on a grid over the province, the given area or the data's
extent, finds the cells that stand out (by Gi* with FDR, local Moran's I, kernel
density or HDBSCAN clusters), merges neighbouring cells into polygons and ranks them by
an explainable score. Two views: where victims come from (``view="origin"``: the
``victim_home`` locations, for awareness work) and where trafficking happens or passes
(``view="operational"``: every other role).

The score of an area (0–100) is a weighted mean of parts that each lie in 0–1::

    score = 100 · Σ_k w_k · part_k / Σ_k w_k
    part_cases   = cases / (largest cases among the areas)
    part_victims = victims / (largest victims among the areas)   [only if victims > 0 somewhere]
    part_z       = min(max(z_max, 0), 5) / 5                      [Gi* z of the hottest cell]
    part_trend   = TREND_WEIGHTS[trend]                           [only if trends were computed]

with default weights ``w = {cases: 0.4, victims: 0.3, z: 0.2, trend: 0.1}``
(:data:`SCORE_WEIGHTS`). Ranks follow the score (ties: more cases first, then the
area's position). The same formula is written in ``docs/methods.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from hotspots.areas.describe import NOT_COMPUTED, SCORE_WEIGHTS, TREND_WEIGHTS
from hotspots.areas.describe import area_trend as _area_trend
from hotspots.areas.describe import communes_touched as _communes_touched
from hotspots.areas.describe import roles_text as _roles_text
from hotspots.areas.describe import score as _score
from hotspots.areas.emerging import classify_cube, time_bins
from hotspots.areas.grid import Grid, auto_cell_size, spacing_cell_size
from hotspots.areas.hot_cells import METHODS
from hotspots.areas.hot_cells import gi_star_zp as _gi_star
from hotspots.areas.hot_cells import hot_cells as _hot_cells
from hotspots.areas.views import VIEWS, select_view
from hotspots.areas.weights import grid_weights
from hotspots.data.crs import WGS84, metric_crs
from hotspots.errors import ConfigError, InputError

__all__ = [
    "KeyAreas",
    "key_areas",
    "default_cell",
    "write_layer",
    "METHODS",
    "VIEWS",
    "SCORE_WEIGHTS",
    "TREND_WEIGHTS",
    "NOT_COMPUTED",
    "KEY_AREA_COLUMNS",
]

#: Columns of a KeyAreas table, in order (``geometry`` last).
KEY_AREA_COLUMNS = (
    "rank",
    "score",
    "cases",
    "victims",
    "z_max",
    "p_min",
    "cells",
    "area_km2",
    "trend",
    "communes",
    "roles",
    "method",
    "view",
    "geometry",
)


class KeyAreas(gpd.GeoDataFrame):
    """Ranked key areas: a GeoDataFrame (EPSG:4326) with the columns of :data:`KEY_AREA_COLUMNS`.

    ``attrs["hotspots"]`` keeps the run parameters (method, view, cell size, CRS, time
    steps, counts of cases used and outside the area). Operations that return a new frame
    return plain GeoDataFrames.
    """

    def to_gdf(self) -> gpd.GeoDataFrame:
        """The table as a plain GeoDataFrame."""
        out = gpd.GeoDataFrame(pd.DataFrame(self).copy(), geometry="geometry", crs=self.crs)
        out.attrs = dict(self.attrs)
        return out

    def to_file(self, filename: str | Path, **kwargs: Any) -> None:  # type: ignore[override]
        """Write a GeoPackage (layer ``key_areas``) or GeoJSON, chosen by extension."""
        write_layer(self.to_gdf(), filename, **kwargs)

    def explore(  # type: ignore[override]
        self,
        lang: str = "vi",
        area: Any = None,
        synthetic: bool = False,
        **kwargs: Any,
    ) -> Any:
        """An offline folium map of the key areas (no tiles, no CDN).

        Parameters
        ----------
        lang
            ``"vi"`` or ``"en"``.
        area
            Province (name/code) or polygon to draw as the base layer.
        synthetic
            Put the SYNTHETIC / DỮ LIỆU GIẢ LẬP banner on the map.
        **kwargs
            Passed to :func:`hotspots.maps.base.base_map`.
        """
        from hotspots.maps.base import base_map
        from hotspots.maps.layers import add_key_areas

        m = base_map(area=area, lang=lang, synthetic=synthetic, **kwargs)
        add_key_areas(m, self.to_gdf())
        return m


# --------------------------------------------------------------------------- writers
def write_layer(gdf: gpd.GeoDataFrame, path: str | Path, layer: str = "key_areas") -> Path:
    """Write ``gdf`` to a GeoPackage (``.gpkg``, layer ``layer``) or a GeoJSON file.

    The file is written next to its final name and renamed over it, so a reader never
    sees half a file.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in (".gpkg", ".geojson", ".json"):
        raise InputError(f"output {path.name}: use a .gpkg or .geojson file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp{ext}")
    if tmp.exists():
        tmp.unlink()
    plain = gpd.GeoDataFrame(pd.DataFrame(gdf), geometry="geometry", crs=gdf.crs)
    plain.attrs = {}
    if ext == ".gpkg":
        plain.to_file(tmp, driver="GPKG", layer=layer)
    else:
        plain.to_file(tmp, driver="GeoJSON")
    tmp.replace(path)
    return path


# --------------------------------------------------------------------------- inputs
def _study_area(area: Any) -> gpd.GeoDataFrame | None:
    """Province name/code, polygon file, (Geo)DataFrame or geometry → one-row GeoDataFrame."""
    from hotspots.data.ingest import resolve_area

    if area is None:
        return None
    if isinstance(area, str) and not Path(area).exists():
        return resolve_area(province=area)
    if isinstance(area, pd.Series) and "geometry" in area.index:  # a geodata.province() row
        return gpd.GeoDataFrame({"name": ["area"]}, geometry=[area["geometry"]], crs=WGS84)
    return resolve_area(area)


def _case_keys(pts: pd.DataFrame) -> np.ndarray:
    """``case_id`` as text; rows without one (or tables without the column) are each a case."""
    if "case_id" not in pts.columns:
        return np.array([f"\x00row{i}" for i in range(len(pts))], dtype=object)
    ids = pts["case_id"].to_numpy(dtype=object)
    missing = pd.isna(ids)
    return np.array(
        [f"\x00row{i}" if m else str(v) for i, (v, m) in enumerate(zip(ids, missing, strict=True))],
        dtype=object,
    )


def default_cell(
    cases: gpd.GeoDataFrame, area: gpd.GeoDataFrame | None = None, crs: Any = None
) -> float:
    """Default cell size (metres) of :func:`key_areas`: the spacing of the case locations.

    :func:`hotspots.areas.grid.spacing_cell_size` of the distinct locations of *all* rows
    (every view, so the origin and operational maps share one grid) over the study area:
    the area's polygons, or without an area the convex hull of the locations.

    Parameters
    ----------
    cases
        Case locations (any CRS; none = EPSG:4326). Rows placed at a province's centre
        (``precision == "province"``) should be left out by the caller.
    area
        Study area polygons, or ``None``.
    crs
        The metric CRS (default: :func:`hotspots.data.crs.metric_crs` of the area or cases).
    """
    pts = cases.geometry if cases.crs is not None else cases.geometry.set_crs(WGS84)
    pts = pts[~(pts.isna() | pts.is_empty)]
    if crs is None:
        crs = metric_crs(area if area is not None else pts)
    pm = pts.to_crs(crs)
    x, y = pm.x.to_numpy(), pm.y.to_numpy()
    if area is not None:
        geoms = np.asarray(area.to_crs(crs).geometry.values)
        a = float(shapely.union_all(shapely.make_valid(geoms)).area)
    elif len(pm):
        a = float(shapely.convex_hull(shapely.union_all(np.asarray(pm.values))).area)
    else:
        a = 0.0
    return spacing_cell_size(x, y, a)


def _grid(
    pts_m: gpd.GeoSeries,
    area_gdf: gpd.GeoDataFrame | None,
    cell: float | None,
    kind: str,
    crs: Any,
) -> Grid:
    if area_gdf is not None:
        return Grid.for_area(area_gdf, cell=cell, kind=kind, crs=crs)
    # no area: the convex hull of the cases, buffered by one cell
    hull = shapely.convex_hull(shapely.union_all(np.asarray(pts_m.values)))
    size = float(cell) if cell is not None else auto_cell_size(max(hull.area, 0.0))
    poly = hull.buffer(size)
    return Grid.for_area(gpd.GeoSeries([poly], crs=crs), cell=size, kind=kind, crs=crs)


def _trend_per_cell(
    pts: gpd.GeoDataFrame,
    cell_idx: np.ndarray,
    n_inside: int,
    w: sparse.csr_array,
    time_bin: str,
    time_window: int,
    alpha: float,
    fdr: bool,
    min_steps: int,
    time_column: str,
    align: str,
) -> tuple[np.ndarray | None, int]:
    """Emerging-hot-spot category per inside cell (None if there are too few time steps)."""
    if time_column not in pts.columns:
        return None, 0
    times = pts[time_column]
    if times.isna().all():
        return None, 0
    codes, periods = time_bins(times, time_bin, align=align)
    if len(periods) < min_steps:
        return None, len(periods)
    ok = (codes >= 0) & (cell_idx >= 0)
    cube = np.zeros((len(periods), n_inside))
    np.add.at(cube, (codes[ok], cell_idx[ok]), 1.0)
    locs = np.nonzero(cube.sum(axis=0) > 0)[0]
    cats = np.full(n_inside, "no pattern", dtype=object)
    if locs.size:
        sub = w[locs][:, locs]
        table = classify_cube(cube[:, locs], sub, time_window, alpha, fdr)
        cats[locs] = table["category"].to_numpy()
    return cats, len(periods)


# --------------------------------------------------------------------------- main
def key_areas(
    cases: gpd.GeoDataFrame,
    method: str = "gistar",
    cell: float | None = None,
    area: Any = None,
    view: str = "operational",
    alpha: float = 0.05,
    fdr: bool = True,
    min_cases: int = 3,
    time_bin: str = "quarter",
    *,
    kind: str = "square",
    time_window: int = 1,
    min_steps: int = 10,
    time_column: str = "occurred_at",
    align: str = "end",
    weights: dict[str, float] | None = None,
    seed: int = 0,
    permutations: int = 999,
    bandwidth: float | None = None,
    kde_factor: float = 5.0,
    cluster_factor: float = 3.0,
    eps: float | None = None,
) -> KeyAreas:
    """Find, merge and rank key areas.

    Parameters
    ----------
    cases
        A CaseTable or any GeoDataFrame of points. Without ``role`` every row is used;
        without ``victims`` the victims are 0 and leave the score; without
        ``case_id`` every row is one case. Rows with ``precision == "province"`` (placed
        at the province's centre) are left out; ``attrs`` counts them.
    method
        Which cells stand out: ``"gistar"`` (Getis-Ord Gi* z > 0, significant at
        ``alpha`` after FDR), ``"lisa"`` (local Moran high-high, permutation p at
        ``alpha`` after FDR), ``"kde"`` (cells whose Gaussian kernel density is at least
        ``kde_factor`` times the study area's mean density), ``"hdbscan"`` (cells
        touching the convex hull of an HDBSCAN cluster at least ``cluster_factor`` times
        as dense as the study area's mean).
    cell
        Cell size in metres. Default (:func:`default_cell`): the mean nearest-neighbour
        distance that the distinct case locations (all views) would have if spread at
        random over the area, ``0.5 * sqrt(area / locations)``, rounded down to a round
        number (1.25 km on the Lào Cai demo data); see ``docs/methods.md``.
    area
        Province name or code, polygon file, GeoDataFrame or shapely polygon; ``None``:
        the convex hull of the cases buffered by one cell (any city, any country).
    view
        ``"operational"`` (every role except ``victim_home``), ``"origin"``
        (``victim_home``) or ``"all"``.
    alpha, fdr
        Significance level; Benjamini-Hochberg correction over the cells.
    min_cases
        Areas with fewer cases are dropped (also the default suppression threshold).
    time_bin
        Time step of the emerging-hot-spot trend (``week``, ``month``, ``quarter``,
        ``year``).
    kind
        ``"square"`` or ``"hex"`` cells.
    time_window
        Previous time steps in the space-time neighbourhood of the trend.
    min_steps
        Fewest time steps for a trend (ArcGIS needs 10); fewer → ``trend`` is
        ``"not computed"`` and the trend leaves the score.
    time_column
        Column with case dates.
    align
        ``"end"``: time steps end at the newest case (ArcGIS); ``"calendar"``:
        calendar periods (see :func:`hotspots.areas.emerging.time_bins`).
    weights
        Weights of the score's parts (default :data:`SCORE_WEIGHTS`).
    seed, permutations
        For ``"lisa"``'s permutation test. Only cells with at least one case in their
        neighbourhood (the cell or a neighbour) are tested and corrected for; with
        ``fdr=True`` the permutations are raised to at least ``min(m, 500) / alpha - 1``
        for ``m`` tested cells (9,999 at ``alpha=0.05``), so that the smallest possible
        p-value ``1/(permutations+1)`` can pass the FDR threshold. ``attrs`` record the
        permutations used and the tested cells.
    bandwidth
        KDE bandwidth in metres (Gaussian standard deviation); default one cell, so the
        smoothing reaches about as far as the Gi* neighbourhood.
    kde_factor
        ``"kde"`` keeps cells with density >= ``kde_factor`` × (cases / study area).
    cluster_factor
        ``"hdbscan"`` keeps clusters with cases / hull area >= ``cluster_factor`` ×
        (cases / study area); smallest cluster ``max(min_cases, 5)`` cases.
    eps
        Neighbourhood radius in metres for the density clustering (default: its rule).

    Returns
    -------
    KeyAreas
        One row per area, best first: ``rank``, ``score`` (0–100, formula in the module
        docstring), ``cases``, ``victims``, ``z_max`` (highest Gi* z of its cells),
        ``p_min``, ``cells``, ``area_km2``, ``trend`` (emerging-hot-spot category),
        ``communes`` (names, largest overlap first; empty outside Vietnam), ``roles``
        (``"recruitment:12;transit:5"``), ``method``, ``view``, ``geometry``
        (EPSG:4326).
    """
    if method not in METHODS:
        raise ConfigError(f"method {method!r} is not known; use one of {', '.join(METHODS)}")
    if not (0 < alpha < 1):
        raise ConfigError(f"alpha must be between 0 and 1, got {alpha}")
    if cell is not None and not (np.isfinite(cell) and cell > 0):
        raise ConfigError(f"cell must be a positive number of metres, got {cell}")
    if not isinstance(cases, gpd.GeoDataFrame):
        raise InputError("cases must be a GeoDataFrame of points (use hotspots.read_cases)")
    weights = dict(SCORE_WEIGHTS if weights is None else weights)
    unknown = set(weights) - set(SCORE_WEIGHTS)
    if unknown:
        raise ConfigError(f"unknown score weights {sorted(unknown)}; use {sorted(SCORE_WEIGHTS)}")

    located = cases[~(cases.geometry.isna() | cases.geometry.is_empty)]
    # a point placed at the province's centre says nothing about where in the province
    if "precision" in located.columns:
        located = located[(located["precision"].astype(str) != "province").to_numpy()]
    if located.crs is None:
        located = located.set_crs(WGS84)
    sel = select_view(cases, view)
    sel = sel[~(sel.geometry.isna() | sel.geometry.is_empty)]
    n_vague = 0
    if "precision" in sel.columns:
        vague = (sel["precision"].astype(str) == "province").to_numpy()
        n_vague = int(vague.sum())
        sel = sel[~vague]
    if sel.crs is None:
        sel = sel.set_crs(WGS84)
    if len(sel) == 0:
        raise InputError(f"no case locations in the {view!r} view (column role)")
    area_gdf = _study_area(area)
    crs = metric_crs(area_gdf if area_gdf is not None else sel)
    pts = sel.to_crs(crs)
    cell_rule = "given"
    if cell is None:
        cell = default_cell(located, area_gdf, crs)
        cell_rule = "spacing"
    grid = _grid(pts.geometry, area_gdf, cell, kind, crs)
    x = pts.geometry.x.to_numpy()
    y_ = pts.geometry.y.to_numpy()
    flat = grid.cell_of(x, y_)
    inside = grid.flat_mask
    pos = np.full(grid.size, -1, dtype=np.int64)
    pos[inside] = np.arange(int(inside.sum()))
    cell_idx = np.where(flat >= 0, pos[np.maximum(flat, 0)], -1)
    used = cell_idx >= 0
    n_in = int(inside.sum())
    case_ids = _case_keys(pts)
    # a case counts once per cell (two stops of one case in a cell are one case there)
    counted = used & ~pd.DataFrame({"c": case_ids, "k": cell_idx}).duplicated().to_numpy()
    counts = np.bincount(cell_idx[counted], minlength=n_in).astype(float)

    w = grid_weights(grid)
    z, p = _gi_star(counts, w)
    method_info: dict[str, Any] = {}
    hot = _hot_cells(
        method,
        counts,
        w,
        z,
        p,
        grid=grid,
        inside=inside,
        pts_xy=(x[counted], y_[counted]),
        alpha=alpha,
        fdr=fdr,
        min_cases=min_cases,
        seed=seed,
        permutations=permutations,
        bandwidth=bandwidth,
        kde_factor=kde_factor,
        cluster_factor=cluster_factor,
        eps=eps,
        info=method_info,
    )
    cats, n_steps = _trend_per_cell(
        pts[counted],
        cell_idx[counted],
        n_in,
        w,
        time_bin,
        time_window,
        alpha,
        fdr,
        min_steps,
        time_column,
        align,
    )

    # contiguous hot cells → areas
    hot_idx = np.nonzero(hot)[0]
    sub = w[hot_idx][:, hot_idx]
    n_comp, labels = connected_components(sub, directed=False) if hot_idx.size else (0, [])
    polys_all = np.asarray(grid.polygons().values)[inside]
    victims = (
        pd.to_numeric(pts["victims"], errors="coerce").fillna(0).to_numpy(float)
        if "victims" in pts.columns
        else np.zeros(len(pts))
    )
    roles = pts["role"] if "role" in pts.columns else None
    rows = []
    geoms = []
    for k in range(n_comp):
        members = hot_idx[np.asarray(labels) == k]
        in_area = used & np.isin(cell_idx, members)
        ids = case_ids[in_area]
        n_cases = len(pd.unique(ids))
        if n_cases < min_cases:
            continue
        vict = pd.Series(victims[in_area]).groupby(ids).max().sum()
        geoms.append(shapely.union_all(polys_all[members]))
        rows.append(
            {
                "cases": int(n_cases),
                "victims": int(vict),
                "z_max": float(np.max(z[members])),
                "p_min": float(np.min(p[members])),
                "cells": int(members.size),
                "area_km2": float(members.size * grid.area_km2),
                "trend": _area_trend(cats[members], counts[members])
                if cats is not None
                else NOT_COMPUTED,
                "roles": _roles_text(roles[in_area]) if roles is not None else "",
                "_first": int(members.min()),
            }
        )
    table = pd.DataFrame(
        rows,
        columns=[
            "cases",
            "victims",
            "z_max",
            "p_min",
            "cells",
            "area_km2",
            "trend",
            "roles",
            "_first",
        ],
    )
    geo = gpd.GeoSeries(geoms, crs=crs).to_crs(WGS84)
    table["communes"] = _communes_touched(list(geo.values)) if len(geo) else []
    table["score"] = _score(table, weights, cats is not None) if len(table) else []
    table["method"] = method
    table["view"] = view if "role" in cases.columns else "all"
    table = table.assign(geometry=geo.values)
    table = table.sort_values(["score", "cases", "_first"], ascending=[False, False, True])
    table["rank"] = np.arange(1, len(table) + 1)
    table = table.reset_index(drop=True)
    out = KeyAreas(table[list(KEY_AREA_COLUMNS)], geometry="geometry", crs=WGS84)
    out["score"] = out["score"].astype(float).round(2)
    out.attrs["hotspots"] = {
        "method": method,
        "view": view,
        "cell_m": grid.cell,
        "cell_rule": cell_rule,
        "kind": grid.kind,
        "crs": grid.crs.to_string(),
        "alpha": alpha,
        "fdr": fdr,
        "min_cases": min_cases,
        "time_bin": time_bin,
        "time_steps": n_steps,
        "cases_used": int(used.sum()),
        "case_cells_counted": int(counted.sum()),
        "cases_outside": int((~used).sum()),
        "cases_province_precision": n_vague,
        "weights": weights,
        **method_info,
    }
    return out
