"""Which grid cells stand out, by Gi*, local Moran, kernel density or HDBSCAN clusters.

Used by :func:`hotspots.areas.key_areas.key_areas`; the rules are in its docstring and in
``docs/methods.md``.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from scipy import sparse

from hotspots.areas.grid import Grid
from hotspots.areas.stats import fdr as bh_fdr
from hotspots.areas.stats import gi_star
from hotspots.errors import ConfigError

__all__ = ["METHODS", "hot_cells", "lisa_permutations", "gi_star_zp", "significant"]

#: Methods that decide which cells stand out.
METHODS = ("gistar", "kde", "hdbscan", "lisa")
_LISA_M_CAP = 500


def gi_star_zp(y: np.ndarray, w: sparse.csr_array) -> tuple[np.ndarray, np.ndarray]:
    """Analytic Gi* z-scores and p-values of counts ``y`` on binary weights ``w``."""
    g = gi_star(y, w)
    return np.asarray(g.z, dtype=float), np.asarray(g.p, dtype=float)


def significant(p: np.ndarray, alpha: float, fdr: bool) -> np.ndarray:
    """``p <= alpha``, or Benjamini-Hochberg at ``alpha`` with ``fdr``."""
    p = np.asarray(p, dtype=float)
    return bh_fdr(p, alpha) if fdr else p <= alpha


def hot_cells(
    method: str,
    y: np.ndarray,
    w: sparse.csr_array,
    z: np.ndarray,
    p: np.ndarray,
    *,
    grid: Grid,
    inside: np.ndarray,
    pts_xy: tuple[np.ndarray, np.ndarray],
    alpha: float,
    fdr: bool,
    min_cases: int,
    seed: int,
    permutations: int,
    bandwidth: float | None,
    kde_factor: float,
    cluster_factor: float,
    eps: float | None,
    info: dict[str, Any] | None = None,
) -> np.ndarray:
    """Boolean mask over the inside cells: which cells stand out (``info``: what was used)."""
    info = {} if info is None else info
    if method == "gistar":
        return significant(p, alpha, fdr) & (z > 0)
    if method == "lisa":
        from hotspots.areas.stats import local_moran

        # only cells with a case in their neighbourhood (cell or neighbours) are tested:
        # an empty neighbourhood cannot be high-high, and thousands of empty cells would
        # only weaken the FDR correction
        tested = (y + w @ y) > 0
        perms = lisa_permutations(int(tested.sum()), alpha, fdr, permutations)
        info["permutations"] = perms
        info["tested_cells"] = int(tested.sum())
        # on the square root of the counts (variance-stabilising for Poisson counts): on raw
        # counts the few largest cells (a border exit with 100+ cases) dominate the
        # conditional permutation (any neighbour set that draws one reaches a moderate
        # lag), which floors every other cell's p near k * outliers / n and FDR then
        # drops whole corridors depending on how the big clusters fall on the grid
        lm = local_moran(np.sqrt(np.asarray(y, dtype=float)), w, permutations=perms, seed=seed)
        sig = np.zeros(y.size, dtype=bool)
        sig[tested] = significant(np.asarray(lm.p_sim)[tested], alpha, fdr)
        return sig & (np.asarray(lm.q) == 1)
    if method == "kde":
        from hotspots.areas.density import kde

        h = float(bandwidth) if bandwidth is not None else float(grid.cell)
        dens = np.asarray(kde(pts_xy[0], pts_xy[1], grid, bandwidth=h), dtype=float)
        dens = dens.reshape(-1)[inside]
        n_area_km2 = inside.sum() * grid.area_km2
        mean = pts_xy[0].size / n_area_km2 if n_area_km2 > 0 else 0.0
        return (dens >= kde_factor * mean) & (dens > 0)
    if method == "hdbscan":
        from hotspots.areas.cluster import density_clusters

        pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(*pts_xy), crs=grid.crs)
        outlines = density_clusters(
            pts, method="hdbscan", eps=eps, min_cases=max(min_cases, 5), buffer=0.0
        )
        if outlines is None or len(outlines) == 0:
            return np.zeros(inside.sum(), dtype=bool)
        # HDBSCAN also splits the background into clusters: keep those whose convex hull
        # is at least cluster_factor times as dense as the study area on average
        n_area_km2 = inside.sum() * grid.area_km2
        mean = pts_xy[0].size / n_area_km2 if n_area_km2 > 0 else 0.0
        area = outlines["area_km2"].to_numpy(float)
        dens = np.divide(
            outlines["cases"].to_numpy(float), area, out=np.full(area.size, np.inf), where=area > 0
        )
        dense = outlines[dens >= cluster_factor * mean]
        if len(dense) == 0:
            return np.zeros(inside.sum(), dtype=bool)
        shape = shapely.union_all(np.asarray(dense.to_crs(grid.crs).geometry.values))
        polys = np.asarray(grid.polygons().values)[inside]
        return shapely.intersects(polys, shape)
    raise ConfigError(f"method {method!r} is not known; use one of {', '.join(METHODS)}")


def lisa_permutations(m: int, alpha: float, fdr: bool, permutations: int) -> int:
    """Permutations for local Moran's test over ``m`` tested cells.

    Without FDR: ``permutations``. With FDR the smallest pseudo p-value, ``1 / (P + 1)``,
    must be able to pass the Benjamini-Hochberg threshold ``alpha * k / m`` once ``k`` =
    0.2 % of the tested cells (at least one) are hot: ``P + 1 >= min(m, 500) / alpha``
    (9,999 at ``alpha = 0.05`` from 500 tested cells on); never fewer than asked.
    """
    if not fdr or m <= 0:
        return int(permutations)
    need = int(np.ceil(min(m, _LISA_M_CAP) / alpha)) - 1
    return int(max(permutations, need))
