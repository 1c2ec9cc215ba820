"""Prospective space-time permutation scan statistic (Kulldorff et al. 2005, as in SaTScan).

Cases are counted per *zone* (a grid cell holding at least one case) and *time unit*
(days, or weeks ending at the study end when the longest interval is over 60 days). A
*cylinder* is a circle around a zone's centre, holding the ``k`` nearest zones within
``max_radius`` metres (and at most half of all cases), times a recent interval
``[s, end]`` that ends at the study end and is at most ``max_days`` long (prospective:
only clusters still going on). Under the space-time permutation model the expected count
of a cylinder is ``mu = C(zones) * C(interval) / C`` (the cases of its zones over the
whole period, times the cases of the whole area in its interval, over all cases), and its
log-likelihood ratio is ``c ln(c/mu) + (C-c) ln((C-c)/(C-mu))`` when ``c > mu``, else 0.

Significance: the days are shuffled among the cases (locations fixed) ``replicas`` times
and the largest ratio of each replica is kept; a cluster's p-value is
``(1 + replicas with a maximum >= its ratio) / (replicas + 1)``. Secondary clusters are
the best cylinders sharing no zone with a better one. For a daily run the *recurrence
interval* is ``1 / p`` days: how often a cluster this strong would appear by chance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from hotspots.areas.predict import DAY_NS, Events
from hotspots.errors import ConfigError, InputError

if TYPE_CHECKING:
    from hotspots.areas.grid import Grid

__all__ = ["ScanResult", "KnoxResult", "space_time_scan", "cylinder_llr", "knox"]

_MAX_NEIGHBOURS = 60


@dataclass
class ScanResult:
    """Space-time clusters found by :func:`space_time_scan`.

    Attributes
    ----------
    clusters
        One row per cluster, most likely first: ``rank``, ``p_value``, ``start``,
        ``end`` (timestamps, end exclusive), ``cases``, ``expected``, ``llr``,
        ``recurrence_days``, ``x``, ``y`` (centre, metres), ``radius`` (metres),
        ``cells`` (flat grid cell indices).
    null_max
        The largest ratio of each replica.
    grid
        The grid of the zones.
    params
        ``max_radius``, ``max_days``, ``unit_days``, ``replicas`` as used.
    """

    clusters: pd.DataFrame
    null_max: np.ndarray
    grid: Any
    params: dict[str, Any] = field(default_factory=dict)


def cylinder_llr(
    recent: np.ndarray,
    zone_total: np.ndarray,
    time_total: np.ndarray,
    total: float,
    neighbours: np.ndarray,
    ends: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Log-likelihood ratios of every cylinder.

    Parameters
    ----------
    recent
        ``(Z, S)``: cases of zone ``z`` in the last ``j + 1`` time units.
    zone_total
        ``(Z,)`` cases of each zone over the whole period.
    time_total
        ``(S,)`` cases of the whole area in the last ``j + 1`` time units.
    total
        All cases.
    neighbours
        ``(Z, K)`` zones of each circle, nearest first, padded with ``Z`` (no zone).
    ends
        ``(Z, K)`` True where a circle may end (the next zone is strictly farther, so
        zones at equal distance are taken together); default everywhere.

    Returns
    -------
    llr, cases
        ``(Z, K, S)`` ratios (0 where ``c <= mu`` or the circle holds more than half of
        the cases) and observed counts.
    """
    rpad = np.vstack([recent, np.zeros((1, recent.shape[1]))])
    tpad = np.r_[zone_total, 0.0]
    c = np.cumsum(rpad[neighbours], axis=1)
    nz = np.cumsum(tpad[neighbours], axis=1)
    mu = nz[:, :, None] * time_total[None, None, :] / total
    with np.errstate(divide="ignore", invalid="ignore"):
        rest = total - c
        llr = c * np.log(c / mu) + np.where(rest > 0, rest * np.log(rest / (total - mu)), 0.0)
    ok = (c > mu) & (nz[:, :, None] <= 0.5 * total)
    if ends is not None:
        ok &= ends[:, :, None]
    return np.where(ok, llr, 0.0), c


def _recent(zone: np.ndarray, age: np.ndarray, n_zones: int, s: int) -> np.ndarray:
    """``(Z, S)`` cumulative cases per zone by age in time units (age 0 = last unit)."""
    keep = age < s
    a = np.bincount(zone[keep] * s + age[keep], minlength=n_zones * s).reshape(n_zones, s)
    return np.cumsum(a, axis=1).astype(float)


def _circle_ends(dist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where circles may end, and for each position the end of its group of ties."""
    k = dist.shape[1]
    nxt = np.c_[dist[:, 1:], np.full(dist.shape[0], np.inf)]
    ends = np.isfinite(dist) & ((nxt > dist + 1e-6) | (np.arange(k) == k - 1))
    pos = np.where(ends, np.arange(k), k - 1)
    gend = np.minimum.accumulate(pos[:, ::-1], axis=1)[:, ::-1]
    return ends, gend


def _replica_max(
    recent: np.ndarray,
    nz_end: np.ndarray,
    gend: np.ndarray,
    time_total: np.ndarray,
    total: float,
    neighbours: np.ndarray,
) -> float:
    """The largest ratio over all cylinders, computed on the circles that matter only.

    Adding a zone without recent cases to a circle raises its expected count and leaves
    its observed count alone, so it can only lower the ratio: per centre only the circles
    ending with the group of equidistant zones (``gend``) of a zone with recent cases
    are scored; ``nz_end`` are their zones' totals over the whole period.
    """
    has = np.r_[recent[:, -1] > 0, False][neighbours]
    count = has.sum(axis=1)
    rpad = np.vstack([recent, np.zeros((1, recent.shape[1]))]).astype(np.float32)
    tt = (time_total / total).astype(np.float32)
    best = 0.0
    lo = 0
    # centres in groups of similar numbers of zones with recent cases: less padding
    for hi in (2, 4, 8, 16, int(count.max(initial=0))):
        rows = np.flatnonzero((count > lo) & (count <= hi))
        lo = max(lo, hi)
        if rows.size:
            best = max(best, _rows_max(rows, has, rpad, nz_end, gend, tt, total, neighbours))
    return best


def _rows_max(
    rows: np.ndarray,
    has: np.ndarray,
    rpad: np.ndarray,
    nz_end: np.ndarray,
    gend: np.ndarray,
    tt: np.ndarray,
    total: float,
    neighbours: np.ndarray,
) -> float:
    """The largest ratio of the circles around the centres ``rows`` (see _replica_max)."""
    n_zones = rpad.shape[0] - 1
    h = has[rows]
    order = np.argsort(~h, axis=1, kind="stable")
    width = int(h.sum(axis=1).max())
    order = order[:, :width]
    valid = np.take_along_axis(h, order, axis=1)
    zs = np.where(valid, np.take_along_axis(neighbours[rows], order, axis=1), n_zones)
    nz = np.take_along_axis(nz_end[rows], order, axis=1)
    g = np.where(valid, np.take_along_axis(gend[rows], order, axis=1), -1)
    # the circle of a group is scored once, at the group's last zone with recent cases
    valid &= g != np.c_[g[:, 1:], np.full(len(rows), -1)]
    valid &= nz <= 0.5 * total
    # float32 halves the memory traffic; counts stay exact below 2**24
    c = np.cumsum(rpad[zs], axis=1)
    mu = nz.astype(np.float32)[:, :, None] * tt[None, None, :]
    ok = (c > mu) & valid[:, :, None]
    # the logarithms (in float64) only where the ratio is positive
    cv, mv = c[ok].astype(float), mu[ok].astype(float)
    if cv.size == 0:
        return 0.0
    rest = total - cv
    with np.errstate(divide="ignore", invalid="ignore"):
        llr = cv * np.log(cv / mv) + np.where(rest > 0, rest * np.log(rest / (total - mv)), 0.0)
    return float(llr.max())


def _secondary(llr: np.ndarray, neighbours: np.ndarray, n_zones: int, most: int) -> list:
    """Best cylinders sharing no zone with a better one: ``(centre, k, j, llr)``."""
    flat = llr.ravel()
    cand = np.flatnonzero(flat > 0)
    cand = cand[np.argsort(-flat[cand], kind="stable")][:20_000]
    used = np.zeros(n_zones + 1, dtype=bool)
    out = []
    k_dim, s_dim = llr.shape[1], llr.shape[2]
    for f in cand:
        i, rem = divmod(int(f), k_dim * s_dim)
        k, j = divmod(rem, s_dim)
        zs = neighbours[i, : k + 1]
        zs = zs[zs < n_zones]
        if used[zs].any():
            continue
        used[zs] = True
        out.append((i, k, j, float(flat[f])))
        if len(out) >= most:
            break
    return out


def space_time_scan(
    events: Events,
    grid: Grid,
    *,
    max_radius: float | None = None,
    max_days: float | None = None,
    replicas: int = 999,
    seed: int = 0,
    max_clusters: int = 10,
    end: float | None = None,
) -> ScanResult:
    """Prospective space-time permutation scan of ``events`` on ``grid``'s cells.

    Parameters
    ----------
    events
        Cases (metres, float days); those outside the grid or its mask are left out.
    grid
        The cells are the zones.
    max_radius
        Largest circle radius, metres (default: 3 cells).
    max_days
        Longest recent interval, days (default: 30, or half the period if shorter).
        Over 60 days the time unit is the week.
    replicas
        Monte Carlo replicas (999 gives p-values down to 0.001).
    seed
        Seed of the shuffles.
    max_clusters
        Most clusters reported (the most likely and non-overlapping secondary ones).
    end
        End of the study period, days (default: midnight after the last case).

    Returns
    -------
    ScanResult
    """
    idx = grid.cell_of(events.x, events.y)
    ok = (idx >= 0) & np.isfinite(events.t)
    idx, t = idx[ok], events.t[ok]
    if idx.size < 2:
        raise InputError("the scan needs at least 2 dated cases inside the area")
    if int(replicas) < 1:
        raise ConfigError(f"replicas (--replicas) must be 1 or more, got {replicas}")
    t_end = float(np.floor(t.max()) + 1.0) if end is None else float(end)
    span = t_end - float(np.floor(t.min()))
    md = min(30.0, max(span / 2.0, 1.0)) if max_days is None else float(max_days)
    mr = 3.0 * grid.cell if max_radius is None else float(max_radius)
    if md <= 0 or mr < 0:
        raise ConfigError(
            f"max_days (--max-days) must be > 0 and max_radius (--max-radius) >= 0, "
            f"got {max_days} and {max_radius}"
        )
    unit = 1.0 if md <= 60 else 7.0
    s = max(int(np.ceil(md / unit)), 1)
    keep = t < t_end
    idx, t = idx[keep], t[keep]
    cells, zone = np.unique(idx, return_inverse=True)
    nzones = cells.size
    age = np.floor((t_end - t) / unit).astype(np.int64)
    cx, cy = grid.centroids()
    xy = np.column_stack([cx[cells], cy[cells]])
    kk = min(_MAX_NEIGHBOURS, nzones)
    dist, nb = cKDTree(xy).query(xy, k=kk, distance_upper_bound=mr + 1e-6)
    nb = np.where(np.isfinite(dist), nb, nzones).reshape(nzones, kk)
    dist = np.asarray(dist).reshape(nzones, kk)
    total = float(idx.size)
    zone_total = np.bincount(zone, minlength=nzones).astype(float)
    time_total = np.cumsum(np.bincount(np.minimum(age, s), minlength=s + 1)[:s]).astype(float)
    ends, gend = _circle_ends(dist)
    obs = _recent(zone, age, nzones, s)
    llr, counts = cylinder_llr(obs, zone_total, time_total, total, nb, ends)
    rng = np.random.default_rng(seed)
    null = np.empty(int(replicas))
    nz_end = np.take_along_axis(np.cumsum(np.r_[zone_total, 0.0][nb], axis=1), gend, axis=1)
    for r in range(int(replicas)):
        perm = age[rng.permutation(age.size)]
        rec = _recent(zone, perm, nzones, s)
        null[r] = _replica_max(rec, nz_end, gend, time_total, total, nb)
    rows = []
    for rank, (i, k, j, val) in enumerate(_secondary(llr, nb, nzones, max_clusters), start=1):
        zs = nb[i, : k + 1]
        zs = zs[zs < nzones]
        c = float(counts[i, k, j])
        mu = float(zone_total[zs].sum() * time_total[j] / total)
        p = (1.0 + float((null >= val - 1e-9).sum())) / (len(null) + 1.0)
        start = t_end - (j + 1) * unit
        rows.append(
            {
                "rank": rank,
                "p_value": p,
                "start": pd.Timestamp(int(round(start * DAY_NS)), unit="ns"),
                "end": pd.Timestamp(int(round(t_end * DAY_NS)), unit="ns"),
                "cases": int(round(c)),
                "expected": mu,
                "llr": val,
                "recurrence_days": 1.0 / p,
                "x": float(xy[i, 0]),
                "y": float(xy[i, 1]),
                "radius": float(dist[i, k]),
                "cells": [int(v) for v in cells[zs]],
            }
        )
    cols = ["rank", "p_value", "start", "end", "cases", "expected", "llr", "recurrence_days"]
    table = pd.DataFrame(rows, columns=[*cols, "x", "y", "radius", "cells"])
    params = {"max_radius": mr, "max_days": md, "unit_days": unit, "replicas": int(replicas)}
    return ScanResult(table, null, grid, params)


@dataclass(frozen=True)
class KnoxResult:
    """The global Knox test for space-time interaction.

    Attributes
    ----------
    nst, ns, nt
        Pairs close in space and time, in space, in time.
    pairs
        All pairs, ``n (n - 1) / 2``.
    expected
        ``ns * nt / pairs``: the close pairs expected without interaction.
    p_poisson
        ``P(X >= nst)`` for ``X ~ Poisson(expected)``.
    p_sim
        ``(1 + permutations with a count >= nst) / (permutations + 1)``, the times
        shuffled among the events (``nan`` without permutations).
    """

    nst: int
    ns: int
    nt: int
    pairs: float
    expected: float
    p_poisson: float
    p_sim: float


def knox(
    events: Events, delta: float, tau: float, permutations: int = 999, seed: int = 0
) -> KnoxResult:
    """Knox test: pairs close in space (``<= delta`` m) that are also close in time.

    Knox (1964); the counts and expectation are those of ``pointpats.spacetime.Knox``
    (pairs within ``delta`` metres and ``tau`` days, ends included). The Poisson p-value
    here is ``P(X >= nst)``; pointpats 2.5 reports ``P(X > nst)``.
    """
    from scipy.stats import poisson

    n = len(events)
    if n < 2:
        raise InputError("the Knox test needs at least 2 events")
    sp = cKDTree(np.column_stack([events.x, events.y])).query_pairs(
        float(delta), output_type="ndarray"
    )
    a, b = sp[:, 0], sp[:, 1]
    t = events.t
    nst = int((np.abs(t[a] - t[b]) <= tau).sum())
    ts = np.sort(t)
    nt = int((np.searchsorted(ts, ts + tau, side="right") - np.arange(n) - 1).sum())
    pairs = n * (n - 1) / 2.0
    expected = len(sp) * nt / pairs
    p_pois = float(poisson.sf(nst - 1, expected)) if expected > 0 else float(nst == 0)
    p_sim = float("nan")
    if permutations > 0:
        rng = np.random.default_rng(seed)
        hits = 0
        for _ in range(int(permutations)):
            tp = t[rng.permutation(n)]
            hits += int((np.abs(tp[a] - tp[b]) <= tau).sum() >= nst)
        p_sim = (1.0 + hits) / (permutations + 1.0)
    return KnoxResult(nst, len(sp), nt, pairs, float(expected), p_pois, p_sim)
