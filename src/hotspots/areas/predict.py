"""Predictive key areas: risk maps for the next period from the events of the past.

Every method is a function ``fn(events, grid, *, t_start, t_end, horizon, **params)``
returning a ``(ny, nx)`` risk array (or a :class:`RiskMap` carrying diagnostics). It may
only use ``events`` (already restricted to ``t_start <= t < t_end`` by :func:`predict`);
``horizon`` is the length of the period to predict, in days. Times are float days
(see :class:`Events`). Methods are kept in the :data:`METHODS` registry so other modules
can add their own with :func:`register_method`.

Methods
-------
``naive``
    Events per cell over the whole training window.
``naive_last``
    Events per cell over the last ``horizon`` days of the training window.
``kde``
    Kernel density of the training events (:func:`hotspots.areas.density.kde`).
``decay``
    Time-decayed counts / KDE: each event weighs ``0.5 ** (age / half_life)``;
    ``bandwidth=0`` gives time-decayed counts.
``prospective``
    Prospective hot spots (Bowers, Johnson & Pease 2004; Johnson et al. 2007): every
    event younger than ``time_bandwidth`` days adds ``1 / (1 + d) * 1 / (1 + w)`` to
    every cell within ``space_bandwidth`` metres, ``d`` the distance in cells and ``w``
    the age in weeks.
``gistar``
    Getis-Ord Gi* z-score of the training counts (queen contiguity, self included).
``lisa``
    Local Moran's I of the training counts: high-high cells first (by z), then the rest
    by count.
``hdbscan``
    HDBSCAN density clusters of the training events: cells of the densest clusters
    first, then the rest by count.
``blend``
    Convex blend of the long-term count with a short-term map (``naive_last``,
    ``decay`` or ``prospective``).
``learned``
    Poisson gradient boosting on per-cell history features, trained by rolling origin
    inside the training window (:mod:`hotspots.areas.learned`).
``sepp``
    Self-exciting point process on the grid (Mohler et al. 2011): background rate per
    cell plus triggered near-repeats, Gaussian in space and exponential in time, fitted
    by EM (:func:`fit_sepp`); the map is the expected number of events in the next
    ``horizon`` days.
``auto``
    Chooses a method and its parameters by a rolling-origin backtest inside the training
    window only (:func:`auto`), over the whole hit-rate curve up to 20 % and per coverage
    level, then fits the choices on the whole training window.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import ndimage
from scipy.spatial import cKDTree

from hotspots.errors import ConfigError, InputError

if TYPE_CHECKING:
    import geopandas as gpd

    from hotspots.areas.grid import Grid

__all__ = [
    "Events",
    "RiskMap",
    "SEPPFit",
    "METHODS",
    "register_method",
    "method_names",
    "predict",
    "naive",
    "naive_last",
    "kde",
    "decay",
    "prospective",
    "gistar",
    "lisa",
    "sepp",
    "fit_sepp",
    "hdbscan",
    "blend",
    "auto",
    "auto_candidates",
    "AUTO_LEVELS",
    "DAY_NS",
]

#: Nanoseconds per day (times are float days since 1970-01-01 UTC).
DAY_NS = 86_400_000_000_000


@dataclass(frozen=True)
class Events:
    """Dated event points in a metric CRS.

    Attributes
    ----------
    x, y
        Coordinates in metres.
    t
        Time in float days since 1970-01-01 UTC.
    """

    x: np.ndarray
    y: np.ndarray
    t: np.ndarray

    def __post_init__(self) -> None:
        for name in ("x", "y", "t"):
            object.__setattr__(self, name, np.asarray(getattr(self, name), dtype=float))
        if not (self.x.shape == self.y.shape == self.t.shape):
            raise InputError("events x, y and t must have the same length")

    def __len__(self) -> int:
        return int(self.x.size)

    def take(self, keep: np.ndarray) -> Events:
        """Return the events selected by a boolean or index array."""
        return Events(self.x[keep], self.y[keep], self.t[keep])

    def between(self, t_start: float, t_end: float) -> Events:
        """Return the events with ``t_start <= t < t_end``."""
        return self.take((self.t >= t_start) & (self.t < t_end))

    @staticmethod
    def to_days(times: pd.Series | pd.DatetimeIndex | np.ndarray) -> np.ndarray:
        """Convert datetimes (naive = UTC, or tz-aware) to float days since 1970-01-01 UTC."""
        idx = pd.DatetimeIndex(pd.to_datetime(times))
        if idx.tz is not None:
            idx = idx.tz_convert("UTC").tz_localize(None)
        ns = idx.as_unit("ns").asi8.astype(float)
        out = ns / DAY_NS
        out[idx.isna()] = np.nan
        return out


@dataclass
class RiskMap:
    """A predicted risk surface with what the method wants to report.

    Attributes
    ----------
    risk
        ``(ny, nx)`` risk per cell (higher = covered first).
    method
        Name of the method that made it.
    info
        Diagnostics (chosen parameters, fitted values, tables).
    grid
        The grid of ``risk`` (set by :func:`predict`).
    """

    risk: np.ndarray
    method: str = ""
    info: dict[str, Any] = field(default_factory=dict)
    grid: Any = None

    def to_gdf(self, top_pct: float | None = None) -> gpd.GeoDataFrame:
        """Cells (inside the mask) with ``risk`` and ``rank`` (1 = riskiest), in EPSG:4326.

        With ``top_pct`` only the riskiest cells covering that share of the area (whole
        cells, ties broken by cell index).
        """
        if self.grid is None:
            raise InputError(
                "this RiskMap has no grid; make it with hotspots.areas.predict.predict"
            )
        gdf = self.grid.to_gdf({"risk": self.risk})
        order = np.lexsort((gdf["cell"].to_numpy(), -gdf["risk"].to_numpy()))
        rank = np.empty(len(gdf), dtype=np.int64)
        rank[order] = np.arange(1, len(gdf) + 1)
        gdf["rank"] = rank
        gdf = gdf.sort_values("rank")
        if top_pct is not None:
            gdf = gdf.head(int(np.ceil(len(gdf) * float(top_pct) / 100.0)))
        return gdf.to_crs("EPSG:4326").reset_index(drop=True)

    def to_file(self, path: str | Path, top_pct: float | None = None) -> Path:
        """Write :meth:`to_gdf` to a GeoPackage or GeoJSON (by extension)."""
        path = Path(path)
        driver = "GeoJSON" if path.suffix.lower() in (".geojson", ".json") else "GPKG"
        self.to_gdf(top_pct).to_file(path, driver=driver)
        return path


MethodFn = Callable[..., "np.ndarray | RiskMap"]

#: Registry of prediction methods by name.
METHODS: dict[str, MethodFn] = {}


def register_method(name: str, fn: MethodFn | None = None) -> Any:
    """Register a prediction method under ``name`` (usable as a decorator)."""

    def deco(f: MethodFn) -> MethodFn:
        METHODS[name] = f
        return f

    return deco(fn) if fn is not None else deco


def method_names() -> list[str]:
    """Names of the registered methods."""
    return list(METHODS)


# ---------------------------------------------------------------------------- helpers
def _cells(events: Events, grid: Grid) -> np.ndarray:
    return grid.cell_of(events.x, events.y)


def _counts(events: Events, grid: Grid, weights: np.ndarray | None = None) -> np.ndarray:
    idx = _cells(events, grid)
    ok = idx >= 0
    w = None if weights is None else np.asarray(weights, dtype=float)[ok]
    flat = np.bincount(idx[ok], weights=w, minlength=grid.size).astype(float)
    return flat.reshape(grid.shape)


def _gaussian(a: np.ndarray, grid: Grid, sigma_m: float) -> np.ndarray:
    """Gaussian smoothing of a cell array with ``sigma_m`` metres (0 = none)."""
    if sigma_m <= 0:
        return a
    dy = getattr(grid, "dy", grid.cell)
    return ndimage.gaussian_filter(a, sigma=(sigma_m / dy, sigma_m / grid.cell), mode="constant")


def _masked(risk: np.ndarray, grid: Grid) -> np.ndarray:
    risk = np.asarray(risk, dtype=float).reshape(grid.shape)
    if grid.mask is not None:
        risk = np.where(grid.mask, risk, 0.0)
    return risk


# ---------------------------------------------------------------------------- methods
@register_method("naive")
def naive(
    events: Events, grid: Grid, *, t_start: float, t_end: float, horizon: float
) -> np.ndarray:
    """Events per cell over the whole training window."""
    return _counts(events, grid)


@register_method("naive_last")
def naive_last(
    events: Events, grid: Grid, *, t_start: float, t_end: float, horizon: float
) -> np.ndarray:
    """Events per cell over the last ``horizon`` days before ``t_end``."""
    return _counts(events.between(t_end - horizon, t_end), grid)


def _kde(events: Events, grid: Grid, bandwidth: float | None, weights=None, kernel="gaussian"):
    if len(events) == 0:
        return np.zeros(grid.shape)
    from hotspots.areas.density import kde as density_kde

    return np.asarray(
        density_kde(events.x, events.y, grid, bandwidth=bandwidth, kernel=kernel, weights=weights),
        dtype=float,
    )


@register_method("kde")
def kde(
    events: Events,
    grid: Grid,
    *,
    t_start: float,
    t_end: float,
    horizon: float,
    bandwidth: float | None = None,
    kernel: str = "gaussian",
) -> np.ndarray:
    """Kernel density of all training events (``bandwidth`` metres, None = default rule)."""
    return _kde(events, grid, bandwidth, kernel=kernel)


@register_method("decay")
def decay(
    events: Events,
    grid: Grid,
    *,
    t_start: float,
    t_end: float,
    horizon: float,
    half_life: float = 60.0,
    bandwidth: float = 0.0,
) -> np.ndarray:
    """Time-decayed counts (``bandwidth=0``) or KDE: weights ``0.5 ** (age / half_life)``."""
    if half_life <= 0:
        raise ConfigError(f"decay: half_life must be > 0 days, got {half_life}")
    w = 0.5 ** ((t_end - events.t) / float(half_life))
    if bandwidth and bandwidth > 0:
        return _kde(events, grid, float(bandwidth), weights=w)
    return _counts(events, grid, w)


def _bowers_kernel(radius_cells: float) -> np.ndarray:
    r = int(math.floor(radius_cells))
    dr, dc = np.mgrid[-r : r + 1, -r : r + 1]
    d = np.hypot(dr, dc)
    k = np.where(d <= radius_cells + 1e-9, 1.0 / (1.0 + d), 0.0)
    return k


@register_method("prospective")
def prospective(
    events: Events,
    grid: Grid,
    *,
    t_start: float,
    t_end: float,
    horizon: float,
    space_bandwidth: float | None = None,
    time_bandwidth: float = 60.0,
) -> np.ndarray:
    """Prospective hot spots (Bowers, Johnson & Pease 2004).

    Parameters
    ----------
    space_bandwidth
        Metres; an event adds risk to cells whose centres are within this distance of
        its cell's centre (default: 3 cells).
    time_bandwidth
        Days; only events younger than this count.
    """
    sb = 3.0 * grid.cell if space_bandwidth is None else float(space_bandwidth)
    if sb < 0 or time_bandwidth <= 0:
        raise ConfigError(
            "prospective: space_bandwidth must be >= 0 metres and time_bandwidth > 0 days, "
            f"got {space_bandwidth} and {time_bandwidth}"
        )
    age = t_end - events.t
    keep = age <= float(time_bandwidth)
    recent = events.take(keep)
    w = 1.0 / (1.0 + age[keep] / 7.0)
    c = _counts(recent, grid, w)
    k = _bowers_kernel(sb / grid.cell)
    return ndimage.convolve(c, k, mode="constant", cval=0.0)


@register_method("gistar")
def gistar(
    events: Events, grid: Grid, *, t_start: float, t_end: float, horizon: float
) -> np.ndarray:
    """Getis-Ord Gi* z-score of the training counts per cell (queen or hex contiguity)."""
    y = _counts(events, grid)
    mask = grid.mask if grid.mask is not None else np.ones(grid.shape, dtype=bool)
    if y.sum() == 0:
        return np.zeros(grid.shape)
    from hotspots.areas.stats import gi_star
    from hotspots.areas.weights import grid_weights

    flat = mask.reshape(-1)
    w = grid_weights(grid)  # queen (square) or hex contiguity inside the mask
    z = np.asarray(gi_star(y.reshape(-1)[flat], w).z, dtype=float)
    out = np.zeros(grid.size)
    out[flat] = np.nan_to_num(z, nan=0.0)
    return out.reshape(grid.shape)


@register_method("lisa")
def lisa(events: Events, grid: Grid, *, t_start: float, t_end: float, horizon: float) -> np.ndarray:
    """Local Moran's I of the training counts: high-high cells first, by analytic z.

    Cells in the high-high quadrant come first, ordered by their local Moran z-score
    (:func:`hotspots.areas.stats.local_moran`, no permutations); every other cell follows,
    ordered by its training count.
    """
    from hotspots.areas.stats import local_moran
    from hotspots.areas.weights import grid_weights

    y = _counts(events, grid)
    if y.sum() == 0:
        return np.zeros(grid.shape)
    flat = grid.flat_mask
    lm = local_moran(y.reshape(-1)[flat], grid_weights(grid), permutations=0)
    z = np.nan_to_num(np.asarray(lm.z, dtype=float), nan=0.0)
    hh = np.asarray(lm.q) == 1
    counts = y.reshape(-1)[flat]
    offset = counts.max() + 1.0 + max(0.0, -float(z.min()))
    risk = np.zeros(grid.size)
    risk[flat] = np.where(hh, offset + z, counts)
    return risk.reshape(grid.shape)


@register_method("hdbscan")
def hdbscan(
    events: Events,
    grid: Grid,
    *,
    t_start: float,
    t_end: float,
    horizon: float,
    min_cases: int | None = None,
) -> np.ndarray:
    """HDBSCAN density clusters of the training events: clustered cells first.

    The training events are clustered with scikit-learn's HDBSCAN
    (:func:`hotspots.areas.cluster.label_points`, ``min_cases`` = smallest cluster,
    default ``max(5, round(sqrt(n) / 4))``). Each cluster's density is its events per cell
    it occupies. Cells holding clustered events come first, by the density of their
    densest cluster, then by their count; every other cell follows by its count.
    """
    from hotspots.areas.cluster import label_points

    counts = _counts(events, grid)
    n = len(events)
    m = int(min_cases) if min_cases is not None else max(5, int(round(math.sqrt(n) / 4)))
    if m < 2:
        raise ConfigError(f"hdbscan: min_cases must be 2 or more, got {min_cases}")
    if n < m:
        return counts
    labels = label_points(events.x, events.y, None, m, method="hdbscan")
    idx = _cells(events, grid)
    ok = (labels >= 0) & (idx >= 0)
    if not ok.any():
        return counts
    lab, cell = labels[ok], idx[ok]
    n_lab = int(lab.max()) + 1
    members = np.bincount(lab, minlength=n_lab).astype(float)
    pairs = np.unique(lab * grid.size + cell)
    occupied = np.bincount(pairs // grid.size, minlength=n_lab).astype(float)
    density = members / np.maximum(occupied, 1.0)
    best = np.zeros(grid.size)
    np.maximum.at(best, cell, density[lab])
    flat = counts.reshape(-1)
    offset = flat.max() + 1.0
    # density first (by its rank, one step = more than any count), the count breaks ties
    level = np.searchsorted(np.unique(best), best).astype(float)  # 0 = no cluster
    risk = np.where(best > 0, offset * level + flat, flat)
    return risk.reshape(grid.shape)


_SHORT = ("naive_last", "decay", "prospective")


@register_method("blend")
def blend(
    events: Events,
    grid: Grid,
    *,
    t_start: float,
    t_end: float,
    horizon: float,
    weight: float = 0.5,
    short: str = "decay",
    short_params: Mapping[str, Any] | None = None,
) -> np.ndarray:
    """Convex blend of the long-term count and a short-term map.

    ``risk = (1 - weight) * naive / sum(naive) + weight * short / sum(short)``: both maps
    are scaled to shares of their total, so ``weight`` is the share of the short-term
    component (``naive_last``, ``decay`` or ``prospective`` with ``short_params``;
    ``decay`` defaults to a 30-day half-life). ``weight=0`` is ``naive``.
    """
    if not (0.0 <= float(weight) <= 1.0):
        raise ConfigError(f"blend: weight must be in [0, 1], got {weight}")
    if short not in _SHORT:
        raise ConfigError(f"blend: short must be one of {', '.join(_SHORT)}, got {short!r}")
    sp = dict(short_params or {})
    if short == "decay":
        sp.setdefault("half_life", 30.0)
    kw = dict(t_start=t_start, t_end=t_end, horizon=horizon)
    long_map = _counts(events, grid)
    short_map = np.asarray(METHODS[short](events, grid, **kw, **sp), dtype=float)

    def share(a: np.ndarray) -> np.ndarray:
        tot = float(a.sum())
        return a / tot if tot > 0 else a

    return (1.0 - float(weight)) * share(long_map) + float(weight) * share(short_map)


# ---------------------------------------------------------------------------- SEPP
@dataclass
class SEPPFit:
    """A self-exciting point process fitted on a grid by EM (Mohler et al. 2011).

    Intensity ``λ(x, t) = μ(cell(x)) + Σ_{t_j < t} θ ω e^{-ω (t - t_j)} g_σ(x - x_j)``,
    with ``μ`` the smoothed background rate per cell and day and ``g_σ`` an isotropic
    Gaussian (σ metres), truncated at ``max_distance`` metres and ``max_days`` days.

    Attributes
    ----------
    background
        ``(ny, nx)`` background events per day per cell.
    theta
        Mean number of events triggered by one event.
    omega
        Decay rate per day (mean delay ``1 / omega`` days).
    sigma
        Spatial spread of triggered events, metres.
    background_fraction
        Share of training events attributed to the background (the rest: triggered).
    iterations
        EM iterations run.
    """

    background: np.ndarray
    theta: float
    omega: float
    sigma: float
    background_fraction: float
    iterations: int
    events: Events
    max_days: float
    t_end: float

    def predict(self, grid: Grid, horizon: float) -> np.ndarray:
        """Expected events per cell in ``[t_end, t_end + horizon)`` (first generation)."""
        age = self.t_end - self.events.t
        ok = (age >= 0) & (age <= self.max_days)
        w = self.theta * (np.exp(-self.omega * age[ok]) - np.exp(-self.omega * (age[ok] + horizon)))
        trig = _gaussian(_counts(self.events.take(ok), grid, w), grid, self.sigma)
        return self.background * horizon + trig

    def summary(self) -> dict[str, float]:
        """The fitted numbers, for reports."""
        return {
            "background_fraction": self.background_fraction,
            "triggered_fraction": 1.0 - self.background_fraction,
            "theta": self.theta,
            "mean_delay_days": 1.0 / self.omega,
            "sigma_m": self.sigma,
            "iterations": self.iterations,
        }


def _trigger_pairs(ev: Events, rmax: float, max_days: float) -> tuple[np.ndarray, np.ndarray]:
    """Candidate (parent, child) pairs of events that may trigger one another.

    A pair qualifies when the events are at most ``rmax`` metres apart and the parent is
    strictly earlier, by at most ``max_days``.

    Continuous times: one k-d tree over ``(x, y, t * rmax / max_days)`` with the maximum
    norm, so pairs far apart in time are never generated. Heavily tied times (dates or
    months only): compare each time group with the later groups within ``max_days``, so
    the many same-time pairs, which cannot trigger, are never generated either.
    """
    n = len(ev)
    empty = np.zeros(0, dtype=np.int64)
    if n < 2:
        return empty, empty
    uniq, inv = np.unique(ev.t, return_inverse=True)
    xy = np.column_stack([ev.x, ev.y])
    parents, children = [], []
    if uniq.size < 0.5 * n:
        order = np.argsort(inv, kind="stable")
        bounds = np.searchsorted(inv[order], np.arange(uniq.size + 1))
        for g in range(uniq.size):
            hi = int(np.searchsorted(uniq, uniq[g] + max_days, side="right"))
            if hi <= g + 1:
                continue
            mine = order[bounds[g] : bounds[g + 1]]
            later = order[bounds[g + 1] : bounds[hi]]
            m = cKDTree(xy[mine]).sparse_distance_matrix(
                cKDTree(xy[later]), rmax, output_type="ndarray"
            )
            parents.append(mine[m["i"]])
            children.append(later[m["j"]])
        if not parents:
            return empty, empty
        return np.concatenate(parents), np.concatenate(children)
    scale = rmax / max_days
    tree = cKDTree(np.column_stack([ev.x, ev.y, ev.t * scale]))
    pairs = tree.query_pairs(r=rmax, p=np.inf, output_type="ndarray")
    if pairs.size == 0:
        return empty, empty
    a, b = pairs[:, 0], pairs[:, 1]
    swap = ev.t[a] > ev.t[b]
    parent = np.where(swap, b, a)
    child = np.where(swap, a, b)
    dt = ev.t[child] - ev.t[parent]
    d2 = (ev.x[child] - ev.x[parent]) ** 2 + (ev.y[child] - ev.y[parent]) ** 2
    ok = (dt > 0) & (dt <= max_days) & (d2 <= rmax * rmax)
    return parent[ok], child[ok]


def fit_sepp(
    events: Events,
    grid: Grid,
    t_start: float,
    t_end: float,
    *,
    max_distance: float | None = None,
    max_days: float = 60.0,
    background_bandwidth: float | None = None,
    iterations: int = 40,
    tol: float = 1e-5,
) -> SEPPFit:
    """Fit a grid SEPP by EM on the events of ``[t_start, t_end)``.

    Parameters
    ----------
    events
        Training events (metres, days).
    grid
        The grid of the background rate.
    t_start, t_end
        The training window, days.
    max_distance
        Pairs farther apart than this (metres) cannot trigger (default 3 cells).
    max_days
        Pairs further apart in time cannot trigger.
    background_bandwidth
        Gaussian smoothing of the background per cell, metres (default 1 cell).
    iterations, tol
        EM stops after ``iterations`` or when θ, ω and σ change by less than ``tol``
        (relative).
    """
    cell = float(grid.cell)
    rmax = 3.0 * cell if max_distance is None else float(max_distance)
    bb = cell if background_bandwidth is None else float(background_bandwidth)
    span = max(float(t_end - t_start), 1e-9)
    cell_area = cell * float(getattr(grid, "dy", cell))
    idx = _cells(events, grid)
    keep = idx >= 0
    ev = events.take(keep)
    idx = idx[keep]
    n = len(ev)
    if n == 0:
        return SEPPFit(np.zeros(grid.shape), 0.0, 1.0, cell, 1.0, 0, ev, max_days, t_end)
    parent, child = _trigger_pairs(ev, rmax, float(max_days))
    dt = ev.t[child] - ev.t[parent]
    d2 = (ev.x[child] - ev.x[parent]) ** 2 + (ev.y[child] - ev.y[parent]) ** 2
    theta, omega, sigma = 0.5, 1.0 / 7.0, cell
    bg_cells = _gaussian(np.bincount(idx, minlength=grid.size).reshape(grid.shape), grid, bb)
    # a tiny floor keeps every event's background probability positive, so each event's
    # probabilities (background + every possible parent) always sum to one
    floor = 1e-9 * n / span / grid.size
    mu = 0.5 * bg_cells.reshape(-1) / span + floor  # events / day / cell
    n_iter = 0
    p_bg = np.ones(n)
    for _ in range(iterations):
        n_iter += 1
        s2 = sigma * sigma
        gnorm = 1.0 / (2 * math.pi * s2 * (1 - math.exp(-(rmax**2) / (2 * s2))))
        tnorm = omega / (1 - math.exp(-omega * max_days))
        trig = theta * tnorm * np.exp(-omega * dt) * gnorm * np.exp(-d2 / (2 * s2))
        bg = mu[idx] / cell_area
        lam = bg + np.bincount(child, weights=trig, minlength=n)
        lam = np.maximum(lam, 1e-300)
        p_bg = bg / lam
        p_pair = trig / lam[child]
        total_trig = p_pair.sum()
        new_theta = total_trig / n
        if total_trig > 1e-12:
            mean_dt = float((p_pair * dt).sum() / total_trig)
            new_omega = 1.0 / max(mean_dt, 1e-3)
            new_sigma = math.sqrt(
                max(float((p_pair * d2).sum() / (2 * total_trig)), (0.05 * cell) ** 2)
            )
        else:
            new_omega, new_sigma = omega, sigma
        b = np.bincount(idx, weights=p_bg, minlength=grid.size).reshape(grid.shape)
        mu = _gaussian(b, grid, bb).reshape(-1) / span + floor
        change = max(
            abs(new_theta - theta) / max(theta, 1e-9),
            abs(new_omega - omega) / omega,
            abs(new_sigma - sigma) / sigma,
        )
        theta, omega, sigma = new_theta, new_omega, new_sigma
        if change < tol:
            break
    return SEPPFit(
        background=mu.reshape(grid.shape),
        theta=float(theta),
        omega=float(omega),
        sigma=float(sigma),
        background_fraction=float(p_bg.sum() / n),
        iterations=n_iter,
        events=ev,
        max_days=float(max_days),
        t_end=float(t_end),
    )


@register_method("sepp")
def sepp(
    events: Events,
    grid: Grid,
    *,
    t_start: float,
    t_end: float,
    horizon: float,
    max_distance: float | None = None,
    max_days: float = 60.0,
    background_bandwidth: float | None = None,
    iterations: int = 40,
) -> RiskMap:
    """Grid SEPP (background + triggered near-repeats) fitted by EM; see :func:`fit_sepp`."""
    fit = fit_sepp(
        events,
        grid,
        t_start,
        t_end,
        max_distance=max_distance,
        max_days=max_days,
        background_bandwidth=background_bandwidth,
        iterations=iterations,
    )
    return RiskMap(fit.predict(grid, horizon), "sepp", fit.summary())


# ---------------------------------------------------------------------------- auto
#: Coverage levels (percent of the area) ``auto`` chooses for by default.
AUTO_LEVELS = (1.0, 2.0, 5.0, 10.0, 20.0)
#: Coverage grid (percent) of the area under the hit-rate curve up to 20 %.
_AUC_GRID = np.arange(0.5, 20.0 + 1e-9, 0.5)


def auto_candidates(cell: float) -> list[tuple[str, dict[str, Any]]]:
    """The default (method, parameters) candidates of ``auto``, simplest first.

    Counts, KDE, decayed counts and KDE, prospective maps, Gi* and local Moran ranks,
    convex blends of the long-term count with a short-term map (``blend``), SEPP and a
    lighter ``learned`` model (50 boosting iterations, four sub-windows, 12,000 rows, no
    importances).
    ``hdbscan`` is left out for speed (a few seconds per fit on 20,000 events).
    """
    c: list[tuple[str, dict[str, Any]]] = [("naive", {}), ("naive_last", {})]
    c += [("kde", {"bandwidth": b * cell}) for b in (1.0, 2.0, 4.0)]
    c += [
        ("decay", {"half_life": h, "bandwidth": b * cell})
        for h in (30.0, 90.0, 180.0)
        for b in (0.0, 1.0)
    ]
    c += [
        ("prospective", {"space_bandwidth": s * cell, "time_bandwidth": d})
        for s in (1.0, 3.0)
        for d in (30.0, 90.0)
    ]
    c += [("gistar", {}), ("lisa", {})]
    c += [
        ("blend", {"weight": w, "short": short})
        for short in ("naive_last", "decay")
        for w in (0.25, 0.5, 0.75)
    ]
    c += [("sepp", {})]
    light = {"max_iter": 50, "max_origins": 4, "max_rows": 12_000, "importance": False}
    c += [("learned", light)]
    return c


def _curve_scores(
    risk: np.ndarray, test_counts: np.ndarray, levels: Sequence[float], mask: np.ndarray | None
) -> tuple[np.ndarray, float]:
    """Hit rates at ``levels`` and the mean hit rate over coverage 0-20 % (the AUC)."""
    from hotspots.evaluate.metrics import coverage_scores

    s = coverage_scores(risk, test_counts, [*levels, *_AUC_GRID], mask=mask)
    hr = np.asarray(s.hit_rate, dtype=float)
    k = len(levels)
    curve = np.r_[0.0, hr[k:]]
    x = np.r_[0.0, _AUC_GRID]
    auc = float(np.sum((curve[1:] + curve[:-1]) * np.diff(x)) / 2.0 / x[-1])
    return hr[:k], auc


def _inner_table(
    events: Events,
    grid: Grid,
    cands: Sequence[tuple[str, Mapping[str, Any]]],
    t_start: float,
    t_end: float,
    horizon: float,
    folds: int,
    levels: Sequence[float],
) -> pd.DataFrame:
    """Mean inner-backtest scores of every candidate: ``score_auc`` and ``score_<level>``."""
    origins = [t_end - k * horizon for k in range(folds, 0, -1)]
    origins = [o for o in origins if o - t_start >= horizon]  # at least one period to learn
    tests = [(o, _counts(events.between(o, o + horizon), grid)) for o in origins]
    tests = [(o, c) for o, c in tests if c.sum() > 0]
    rows = []
    for ci, (name, params) in enumerate(cands):
        if name == "auto":
            raise ConfigError("auto: 'auto' cannot be its own candidate")
        hits, aucs = [], []
        for o, counts in tests:
            try:
                rm = predict(
                    name, events, grid, t_end=o, horizon=horizon, t_start=t_start, params=params
                )
            except InputError:  # too little history before this fold for this method
                continue
            hr, auc = _curve_scores(rm.risk, counts, levels, grid.mask)
            hits.append(hr)
            aucs.append(auc)
        row = {"candidate": ci, "method": name, "params": dict(params), "folds": len(aucs)}
        row["score_auc"] = float(np.mean(aucs)) if aucs else float("nan")
        mean_hits = np.mean(hits, axis=0) if hits else np.full(len(levels), np.nan)
        for lv, h in zip(levels, mean_hits, strict=True):
            row[f"score_{lv:g}"] = float(h)
        rows.append(row)
    return pd.DataFrame(rows)


def _best(table: pd.DataFrame, column: str) -> int:
    """Row of the best score in ``column``; ties and no score go to the first (simplest)."""
    valid = table[column].notna()
    return int(table.loc[valid, column].idxmax()) if valid.any() else 0


@register_method("auto")
def auto(
    events: Events,
    grid: Grid,
    *,
    t_start: float,
    t_end: float,
    horizon: float,
    candidates: Sequence[tuple[str, Mapping[str, Any]]] | None = None,
    folds: int = 3,
    coverage: float | None = None,
    levels: Sequence[float] = AUTO_LEVELS,
) -> RiskMap:
    """Choose method and parameters by an inner rolling-origin backtest, then fit.

    The inner backtest uses only ``events`` (the training window): ``folds`` test periods
    of ``horizon`` days ending at ``t_end``, ``t_end - horizon``, ...; each candidate is
    fitted on the training events before the fold and scored along the coverage curve.

    The returned map is the candidate with the best mean area under the hit-rate curve
    up to 20 % coverage (``score_auc``), or, with ``coverage`` given, the best hit rate at
    that coverage. Besides, for each of ``levels`` the candidate with the best hit rate
    there is chosen and fitted: ``info["risk_by_coverage"]`` holds its map (the backtest
    scores each coverage level with its own choice) and ``info["by_coverage"]`` what was
    chosen. Ties go to the earlier (simpler) candidate, so ``naive`` is kept unless
    something does strictly better.
    """
    cands = list(candidates) if candidates is not None else auto_candidates(grid.cell)
    if not cands:
        raise ConfigError("auto: give at least one candidate method")
    levels = [float(v) for v in levels]
    if coverage is not None and float(coverage) not in levels:
        levels.append(float(coverage))
    table = _inner_table(events, grid, cands, t_start, t_end, horizon, folds, levels)
    criterion = "score_auc" if coverage is None else f"score_{float(coverage):g}"
    table["score"] = table[criterion]
    fitted: dict[int, RiskMap] = {}

    def fit(i: int) -> RiskMap:
        if i not in fitted:
            name, params = cands[i]
            fitted[i] = predict(
                name, events, grid, t_end=t_end, horizon=horizon, t_start=t_start, params=params
            )
        return fitted[i]

    is_naive = (table["method"] == "naive").to_numpy()
    best = _best(table, "score")
    by_cov, risk_by_cov = [], {}
    for lv in levels:
        col = f"score_{lv:g}"
        i = _best(table, col)
        risk_by_cov[lv] = fit(i).risk
        by_cov.append(
            {
                "coverage_pct": lv,
                "chosen_method": cands[i][0],
                "chosen_params": dict(cands[i][1]),
                "inner_score": float(table.loc[i, col]),
                "inner_naive_score": float(table.loc[is_naive, col].iloc[0])
                if is_naive.any()
                else float("nan"),
            }
        )
    name, params = cands[best]
    chosen = fit(best)
    naive_score = table.loc[is_naive, "score"]
    info = {
        "chosen_method": name,
        "chosen_params": dict(params),
        "criterion": "auc_20" if coverage is None else f"hit_rate_{float(coverage):g}",
        "inner_score": float(table.loc[best, "score"]),
        "inner_naive_score": float(naive_score.iloc[0]) if len(naive_score) else float("nan"),
        "coverage_pct": float("nan") if coverage is None else float(coverage),
        "table": table,
        "by_coverage": pd.DataFrame(by_cov),
        "risk_by_coverage": risk_by_cov,
        "chosen_info": chosen.info,
    }
    return RiskMap(chosen.risk, "auto", info)


# ---------------------------------------------------------------------------- entry point
def predict(
    method: str,
    events: Events,
    grid: Grid,
    *,
    t_end: float,
    horizon: float,
    t_start: float = -np.inf,
    params: Mapping[str, Any] | None = None,
) -> RiskMap:
    """Risk map of ``method`` for ``[t_end, t_end + horizon)`` from events before ``t_end``.

    Only events with ``t_start <= t < t_end`` inside the grid (and its mask) reach the
    method, so later events can never leak into the map.

    Parameters
    ----------
    method
        A name in :data:`METHODS`.
    events
        All events (metres, days); filtered here.
    grid
        A :class:`hotspots.areas.grid.Grid`.
    t_end, horizon, t_start
        Days; see the module docstring.
    params
        Keyword parameters of the method.

    Returns
    -------
    RiskMap
    """
    if method not in METHODS:
        raise ConfigError(f"unknown method {method!r}; choose from {', '.join(sorted(METHODS))}")
    fn = METHODS[method]
    params = dict(params or {})
    sig = inspect.signature(fn)
    accepts_any = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
    unknown = [k for k in params if k not in sig.parameters or k in ("t_start", "t_end", "horizon")]
    if unknown and not accepts_any:
        allowed = [
            k for k in sig.parameters if k not in ("events", "grid", "t_start", "t_end", "horizon")
        ]
        raise ConfigError(
            f"method {method!r} has no parameter {', '.join(unknown)}; "
            f"its parameters are: {', '.join(allowed) or '(none)'}"
        )
    ev = events.between(t_start, t_end)
    inside = grid.cell_of(ev.x, ev.y) >= 0
    ev = ev.take(inside)
    t0 = float(t_start) if np.isfinite(t_start) else (float(ev.t.min()) if len(ev) else t_end)
    out = fn(ev, grid, t_start=t0, t_end=float(t_end), horizon=float(horizon), **params)
    rm = out if isinstance(out, RiskMap) else RiskMap(np.asarray(out, dtype=float), method)
    rm.method = method
    rm.risk = _masked(rm.risk, grid)
    rm.grid = grid
    return rm


# the learned method registers itself (it needs the helpers above)
from hotspots.areas import learned as _learned  # noqa: E402,F401
