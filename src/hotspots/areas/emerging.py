r"""Emerging hot spots: space-time Gi*, Mann-Kendall trends and ArcGIS Pro's pattern categories.

The method follows ArcGIS Pro's *Emerging Hot Spot Analysis* (see ``docs/methods.md``
for the exact definitions and the order in which overlapping definitions are tried):

1. cases are counted in a **space-time cube**: grid cells × time steps (week, month,
   quarter or year, in Asia/Ho_Chi_Minh local time);
2. every bin gets a **space-time Getis-Ord Gi\*** z-score. Its neighbourhood is the
   cell itself and its spatial neighbours (cells whose centres lie within
   ``distance``), in the same time step and the ``time_window`` previous steps; the
   mean and standard deviation are those of the whole cube. Bins are significant at
   ``alpha``, after a Benjamini-Hochberg false-discovery-rate correction over all bins
   (``fdr=True``, as ArcGIS does);
3. the **Mann-Kendall** test (:mod:`hotspots.areas.trend`) is run on each location's
   series of Gi\* z-scores (used by the categories) and on its series of counts
   (reported, as the space-time cube does);
4. each location gets one of 17 **categories** (new, consecutive, intensifying,
   persistent, diminishing, sporadic, oscillating, historical hot spot, the same
   eight cold spots, or no pattern) from its final time step, the share of its time
   steps that were significant hot (cold) spots (threshold 90 %), and the trend.

Only locations (cells) with at least one case in some time step take part, as in
ArcGIS's space-time cubes built by aggregating points.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import sparse, stats

from hotspots.areas.stats import fdr as bh_fdr
from hotspots.areas.trend import mann_kendall
from hotspots.areas.weights import distance_band
from hotspots.data.crs import WGS84, metric_crs
from hotspots.data.schema import TZ
from hotspots.errors import InputError

__all__ = [
    "HOT_CATEGORIES",
    "COLD_CATEGORIES",
    "CATEGORIES",
    "NO_PATTERN",
    "TIME_BINS",
    "time_bins",
    "space_time_gi_star",
    "classify_location",
    "classify_cube",
    "emerging_hot_spots",
    "categories_summary",
]

#: Hot-spot pattern names, in ArcGIS Pro's order (also the order of precedence).
HOT_CATEGORIES = (
    "new hot spot",
    "consecutive hot spot",
    "intensifying hot spot",
    "persistent hot spot",
    "diminishing hot spot",
    "sporadic hot spot",
    "oscillating hot spot",
    "historical hot spot",
)
#: Cold-spot mirrors of :data:`HOT_CATEGORIES`, in the same order.
COLD_CATEGORIES = tuple(c.replace("hot spot", "cold spot") for c in HOT_CATEGORIES)
#: Location with none of the patterns.
NO_PATTERN = "no pattern"
#: Every category, hot ones first.
CATEGORIES = (*HOT_CATEGORIES, *COLD_CATEGORIES, NO_PATTERN)

#: Time-bin names and their pandas period frequency (weeks run Monday to Sunday).
TIME_BINS = {"week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}


# --------------------------------------------------------------------------- time bins
def time_bins(
    times: ArrayLike | pd.Series,
    freq: str = "quarter",
    start: Any = None,
    end: Any = None,
    align: str = "end",
) -> tuple[np.ndarray, pd.Index]:
    """Put timestamps into consecutive time steps.

    Parameters
    ----------
    times
        Timestamps. Time-zone aware ones are first converted to Asia/Ho_Chi_Minh, so a
        case at 23:30 local time on 31 March belongs to the first quarter.
    freq
        ``"week"``, ``"month"``, ``"quarter"`` or ``"year"``.
    start, end
        Range of the steps (timestamps; for ``align="calendar"`` anything
        ``pandas.Period`` accepts). Default: the earliest and latest timestamp.
    align
        ``"end"`` (ArcGIS's default time-step alignment): steps of one ``freq`` ending
        at ``end``, so the final step is complete and ends with the newest data:
        ``(end − k·freq, end − (k−1)·freq]``. ``"calendar"``: calendar periods (weeks
        Monday–Sunday, months, quarters, years); the final one may be partial.

    Returns
    -------
    codes
        Time-step index of each timestamp (0 = first step); -1 for a missing timestamp
        or one outside ``start``–``end``.
    steps
        One label per time step, oldest first: a ``pandas.PeriodIndex`` (calendar) or a
        right-closed ``pandas.IntervalIndex`` of local timestamps (end).
    """
    if freq not in TIME_BINS:
        raise InputError(f"time_bin {freq!r} is not known; use one of {', '.join(TIME_BINS)}")
    if align not in ("end", "calendar"):
        raise InputError(f"align must be 'end' or 'calendar', got {align!r}")
    t = pd.to_datetime(pd.Series(times), errors="coerce")
    if isinstance(t.dtype, pd.DatetimeTZDtype):
        t = t.dt.tz_convert(TZ).dt.tz_localize(None)
    valid = t.notna().to_numpy()
    if not valid.any() and (start is None or end is None):
        raise InputError("no usable timestamps: every case lacks a date (column occurred_at)")
    if align == "end":
        return _end_aligned(t, valid, freq, start, end)
    pfreq = TIME_BINS[freq]
    per = t.dt.to_period(pfreq)
    first = _as_period(start, pfreq) if start is not None else per[valid].min()
    last = _as_period(end, pfreq) if end is not None else per[valid].max()
    if last < first:
        raise InputError(f"time range is empty: end {last} is before start {first}")
    periods = pd.period_range(first, last, freq=pfreq)
    codes = np.full(len(t), -1, dtype=np.int64)
    ordinals = np.array([p.ordinal for p in per[valid]], dtype=np.int64)
    off = ordinals - first.ordinal
    off[(off < 0) | (off >= len(periods))] = -1
    codes[valid] = off
    return codes, periods


_STEP = {
    "week": pd.DateOffset(weeks=1),
    "month": pd.DateOffset(months=1),
    "quarter": pd.DateOffset(months=3),
    "year": pd.DateOffset(years=1),
}


def _local(value: Any) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_convert(TZ).tz_localize(None) if ts.tzinfo is not None else ts


def _end_aligned(
    t: pd.Series, valid: np.ndarray, freq: str, start: Any, end: Any
) -> tuple[np.ndarray, pd.IntervalIndex]:
    last = _local(end) if end is not None else t[valid].max()
    first = _local(start) if start is not None else t[valid].min()
    if last < first:
        raise InputError(f"time range is empty: end {last} is before start {first}")
    step = _STEP[freq]
    edges = [last]
    k = 1
    while edges[-1] >= first:  # the oldest edge lies strictly before the first timestamp
        edges.append(last - step * k)
        k += 1
    edges_asc = pd.DatetimeIndex(edges[::-1])
    steps = pd.IntervalIndex.from_breaks(edges_asc, closed="right")
    codes = np.full(len(t), -1, dtype=np.int64)
    tv = pd.DatetimeIndex(t[valid])
    idx = np.searchsorted(edges_asc.asi8, tv.as_unit(edges_asc.unit).asi8, side="left") - 1
    inside = (idx >= 0) & (idx < len(steps)) & np.asarray(tv >= first)
    codes[np.flatnonzero(valid)[inside]] = idx[inside]
    return codes, steps


def _as_period(value: Any, pfreq: str) -> pd.Period:
    if isinstance(value, pd.Period):
        return value.asfreq(pfreq)
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_convert(TZ).tz_localize(None)
    return ts.to_period(pfreq)


# --------------------------------------------------------------------------- Gi*
def _significant(p: np.ndarray, alpha: float, fdr: bool) -> np.ndarray:
    """Significant at ``alpha``, after Benjamini-Hochberg over all values when ``fdr``."""
    p = np.asarray(p, dtype=float)
    return bh_fdr(p.ravel(), alpha).reshape(p.shape) if fdr else p <= alpha


def space_time_gi_star(
    cube: ArrayLike, w: sparse.spmatrix | sparse.sparray, time_window: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    r"""Getis-Ord Gi* of every bin of a space-time cube.

    Parameters
    ----------
    cube
        Counts (or any values), shape ``(time steps, locations)``.
    w
        Binary spatial weights between the locations, ``(locations, locations)``,
        without self-loops (the location itself is always added: Gi\*).
    time_window
        Number of previous time steps in the neighbourhood (ArcGIS "neighborhood time
        step"); 0 makes every time step a separate neighbourhood (but the mean and
        variance stay those of the whole cube).

    Returns
    -------
    z, p
        Gi\* z-scores and two-sided normal p-values, each of shape ``(T, N)``.

    Notes
    -----
    With ``x`` the ``n = T·N`` bin values, ``x̄`` their mean and
    ``s = √(Σx²/n − x̄²)``, and for bin ``i`` the binary neighbourhood of size ``wᵢ``
    (itself, its spatial neighbours, in this and the ``time_window`` earlier steps):
    ``zᵢ = (Σⱼ xⱼ − x̄ wᵢ) / (s √((n wᵢ − wᵢ²)/(n − 1)))``, the Gi\* of Getis and
    Ord (1995) on the space-time weights; equal to ``esda.G_Local(star=True)`` with
    binary weights (tested).
    """
    x = np.asarray(cube, dtype=float)
    if x.ndim != 2:
        raise InputError("space_time_gi_star expects a 2-D cube (time steps × locations)")
    t_steps, n_loc = x.shape
    if time_window < 0:
        raise InputError(f"time_window must be >= 0, got {time_window}")
    ws = sparse.csr_array(w, dtype=float)
    if ws.shape != (n_loc, n_loc):
        raise InputError(f"weights are {ws.shape}, the cube has {n_loc} locations")
    ws = (ws != 0).astype(float)
    ws.setdiag(0.0)
    ws.eliminate_zeros()
    deg = np.asarray(ws.sum(axis=1)).ravel() + 1.0  # + itself
    spatial = (ws @ x.T).T + x  # (T, N)
    csum = np.cumsum(np.vstack([np.zeros((1, n_loc)), spatial]), axis=0)
    tt = np.arange(t_steps)
    lo = np.maximum(tt - time_window, 0)
    lag = csum[tt + 1] - csum[lo]
    steps_in = (tt - lo + 1).astype(float)
    wi = steps_in[:, None] * deg[None, :]
    n = float(x.size)
    mean = x.mean()
    s = np.sqrt(max((x**2).mean() - mean**2, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        den = s * np.sqrt((n * wi - wi**2) / (n - 1.0))
        z = (lag - mean * wi) / den
    z = np.where(np.isfinite(z), z, 0.0)
    p = 2.0 * stats.norm.sf(np.abs(z))
    return z, p


# --------------------------------------------------------------------------- categories
def _pattern(
    hot: np.ndarray, cold: np.ndarray, trend_z: float, trend_p: float, alpha: float, share: float
) -> int | None:
    """Index into the eight patterns for ``hot`` (cold given as the opposite), or None."""
    n = hot.size
    n_hot = int(hot.sum())
    last = bool(hot[-1])
    frac = n_hot / n
    rising = trend_p <= alpha and trend_z > 0
    falling = trend_p <= alpha and trend_z < 0
    if last and n_hot == 1:
        return 0  # new
    if last:
        run = n - (np.nonzero(~hot)[0].max() + 1) if (~hot).any() else n
        if run >= 2 and run == n_hot and frac < share:
            return 1  # consecutive
    if frac >= share and last and rising:
        return 2  # intensifying
    if frac >= share and trend_p > alpha:
        return 3  # persistent
    if frac >= share and last and falling:
        return 4  # diminishing
    if last and frac < share and not cold.any():
        return 5  # sporadic
    if last and frac < share and cold.any():
        return 6  # oscillating
    if not last and frac >= share:
        return 7  # historical
    return None


def classify_location(
    hot: ArrayLike,
    cold: ArrayLike,
    trend_z: float,
    trend_p: float,
    alpha: float = 0.05,
    share: float = 0.9,
) -> str:
    """Emerging-hot-spot category of one location.

    Parameters
    ----------
    hot, cold
        Boolean series in time order: was the bin a significant hot (cold) spot?
    trend_z, trend_p
        Mann-Kendall z and p of the location's series of Gi* z-scores.
    alpha
        Significance level of the trend.
    share
        Share of time steps that makes a location persistent, intensifying,
        diminishing or historical (ArcGIS: 90 %).

    Returns
    -------
    str
        One of :data:`CATEGORIES`. Hot-spot patterns are tried first, each list in
        ArcGIS Pro's order; the first definition that holds wins (the definitions and
        the precedence are written out in ``docs/methods.md``).
    """
    h = np.asarray(hot, dtype=bool)
    c = np.asarray(cold, dtype=bool)
    if h.shape != c.shape or h.ndim != 1 or h.size == 0:
        raise InputError("hot and cold must be 1-D boolean series of the same, non-zero length")
    if (h & c).any():
        raise InputError("a bin cannot be both a hot and a cold spot")
    k = _pattern(h, c, trend_z, trend_p, alpha, share)
    if k is not None:
        return HOT_CATEGORIES[k]
    k = _pattern(c, h, -trend_z, trend_p, alpha, share)
    if k is not None:
        return COLD_CATEGORIES[k]
    return NO_PATTERN


def classify_cube(
    cube: ArrayLike,
    w: sparse.spmatrix | sparse.sparray,
    time_window: int = 1,
    alpha: float = 0.05,
    fdr: bool = True,
    share: float = 0.9,
) -> pd.DataFrame:
    """Space-time Gi*, trends and category of every location of a cube.

    Parameters
    ----------
    cube
        Counts, shape ``(time steps, locations)``.
    w
        Binary spatial weights between locations (no self-loops).
    time_window, alpha, fdr, share
        See :func:`space_time_gi_star` and :func:`classify_location`.

    Returns
    -------
    pandas.DataFrame
        One row per location: ``category``, ``hot_steps``, ``cold_steps``, ``steps``,
        ``final_z``, ``final_p``, ``trend_z``, ``trend_p``, ``trend_tau`` (Mann-Kendall
        on the Gi* z series), ``count_trend_z``, ``count_trend_p`` (on the counts),
        ``cases`` (sum of the cube).
    """
    x = np.asarray(cube, dtype=float)
    z, p = space_time_gi_star(x, w, time_window)
    sig = _significant(p, alpha, fdr)
    hot = sig & (z > 0)
    cold = sig & (z < 0)
    mk = mann_kendall(z.T)
    mkc = mann_kendall(x.T)
    cats = [
        classify_location(hot[:, i], cold[:, i], float(mk.z[i]), float(mk.p[i]), alpha, share)
        for i in range(x.shape[1])
    ]
    return pd.DataFrame(
        {
            "category": cats,
            "hot_steps": hot.sum(axis=0),
            "cold_steps": cold.sum(axis=0),
            "steps": x.shape[0],
            "final_z": z[-1],
            "final_p": p[-1],
            "trend_z": mk.z,
            "trend_p": mk.p,
            "trend_tau": mk.tau,
            "count_trend_z": mkc.z,
            "count_trend_p": mkc.p,
            "cases": x.sum(axis=0),
        }
    )


# --------------------------------------------------------------------------- on cases
def emerging_hot_spots(
    cases: gpd.GeoDataFrame,
    *,
    grid: Any = None,
    cell: float | None = None,
    area: Any = None,
    time_bin: str = "quarter",
    time_window: int = 1,
    distance: float | None = None,
    alpha: float = 0.05,
    fdr: bool = True,
    share: float = 0.9,
    time_column: str = "occurred_at",
    start: Any = None,
    end: Any = None,
    align: str = "end",
) -> gpd.GeoDataFrame:
    """Emerging hot spot analysis of case points on a grid.

    Parameters
    ----------
    cases
        Points (a CaseTable or any point GeoDataFrame) with a timestamp column.
    grid
        A :class:`hotspots.areas.grid.Grid`; default: ``Grid.for_area(area, cell)`` when
        ``area`` is given, else ``Grid.for_points(cases, cell)``.
    cell
        Cell size in metres when the grid is built here.
    area
        Study-area polygon (GeoDataFrame/GeoSeries/shapely geometry) for the grid.
    time_bin
        ``"week"``, ``"month"``, ``"quarter"`` or ``"year"``.
    time_window
        Previous time steps in each bin's neighbourhood (ArcGIS default: 1).
    distance
        Neighbourhood distance in metres between cell centres; default 1.5 cells
        (the 8 surrounding square cells, the 6 surrounding hexagons).
    alpha, fdr, share
        Significance level, FDR correction over all bins, 90 % rule.
    time_column
        Column with the timestamps.
    start, end, align
        Time range and alignment of the steps, see :func:`time_bins` (default: steps
        ending at the newest case, as ArcGIS does).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per grid cell with at least one case (EPSG:4326 cell polygons), the
        columns of :func:`classify_cube` and ``cell`` (flat grid index); ``attrs``
        holds ``periods`` (labels), ``time_bin``, ``time_window``, ``distance``.
    """
    if time_column not in cases.columns:
        raise InputError(
            f"column {time_column!r} is missing: emerging hot spots need a date per case"
        )
    if cases.empty:
        raise InputError("no cases to analyse")
    grid = _grid_for(cases, grid, cell, area)
    mc = grid.crs
    pts = cases.to_crs(mc)
    codes, periods = time_bins(pts[time_column], time_bin, start, end, align)
    flat = np.asarray(grid.cell_of(pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()))
    ok = (codes >= 0) & (flat >= 0)
    t_steps = len(periods)
    full = np.zeros((t_steps, grid.size))
    np.add.at(full, (codes[ok], flat[ok]), 1.0)
    locs = np.nonzero(full.sum(axis=0) > 0)[0]
    if locs.size == 0:
        raise InputError("no dated case falls inside the study area")
    xs, ys = (np.asarray(a)[locs] for a in grid.centroids())
    dist = float(distance) if distance is not None else 1.5 * float(grid.cell)
    w = distance_band(xs, ys, dist)
    table = classify_cube(full[:, locs], w, time_window, alpha, fdr, share)
    table.insert(0, "cell", locs)
    polys = grid.polygons()
    geom = gpd.GeoSeries(np.asarray(polys)[locs], crs=mc).to_crs(WGS84)
    out = gpd.GeoDataFrame(table, geometry=geom.values, crs=WGS84)
    out.attrs.update(
        {
            "periods": [_label(p) for p in periods],
            "time_bin": time_bin,
            "time_window": time_window,
            "distance": dist,
        }
    )
    return out


def _label(step: Any) -> str:
    if isinstance(step, pd.Interval):
        return f"{step.left:%Y-%m-%d %H:%M} – {step.right:%Y-%m-%d %H:%M}"
    return str(step)


def _grid_for(cases: gpd.GeoDataFrame, grid: Any, cell: float | None, area: Any) -> Any:
    if grid is not None:
        return grid
    from hotspots.areas.grid import Grid

    if area is not None:
        return Grid.for_area(area, cell=cell, crs=metric_crs(cases))
    return Grid.for_points(cases, cell=cell)


def categories_summary(result: gpd.GeoDataFrame, order: Sequence[str] = CATEGORIES) -> pd.Series:
    """Number of locations per category, in ``order`` (zeros kept)."""
    return result["category"].value_counts().reindex(list(order), fill_value=0)
