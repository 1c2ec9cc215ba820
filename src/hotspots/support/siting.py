"""Where to add support: k new sites among candidate communes, exact MILP (HiGHS).

Demand ``i`` (a commune, weight ``w_i`` = its victims) is assigned to an open site ``j``
(existing facilities are open; ``x_j`` says whether candidate ``j`` is opened) with the
travel times ``t_ij`` of :mod:`hotspots.support.reach`:

* **maximal covering** (``model="cover"``, Church & ReVelle 1974): maximise
  ``sum w_i z_ij`` over pairs with ``t_ij <= limit``, ``sum_j z_ij <= 1``;
* **p-median** (``model="median"``, Hakimi 1964; ReVelle & Swain 1970): minimise
  ``sum w_i t_ij z_ij`` with ``sum_j z_ij = 1``;

with ``z_ij <= x_j`` for candidates, ``sum x_j = k``, and when capacities are given
``sum_i w_i z_ij <= cap_j x_j`` (existing: ``<= cap_j``; the median then has an
"unserved" column at a penalty time so that it stays feasible). ``x`` is binary, ``z``
continuous in [0, 1] (a commune's victims may be split between sites when capacities
bind). Solved with ``scipy.optimize.milp`` (HiGHS); the relative MIP gap HiGHS proves is
reported (0 = proven optimal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import geopandas as gpd
import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from hotspots.errors import InputError

__all__ = [
    "MODELS",
    "SitingResult",
    "solve_siting",
    "evaluate_sites",
    "brute_force",
    "sites_table",
]

#: Siting models.
MODELS = ("cover", "median")


@dataclass
class SitingResult:
    """The chosen new sites and what they change.

    Attributes
    ----------
    chosen
        Indices of the chosen candidates, most useful first.
    objective
        Victims covered within the limit (cover) or victim-weighted minutes (median),
        with the chosen sites.
    before
        The same with the existing facilities only (``nan`` for the median when some
        victims have no facility at all).
    assigned
        Victims assigned to each chosen site (same order as ``chosen``).
    gap
        Relative MIP gap proven by HiGHS.
    status
        HiGHS message.
    unserved
        Victims left unassigned (cover: beyond the limit; median: beyond capacity).
    """

    chosen: list[int]
    objective: float
    before: float
    assigned: list[float]
    gap: float
    status: str
    model: str
    unserved: float = 0.0
    served: float = 0.0
    before_served: float = float("nan")
    params: dict = field(default_factory=dict)

    def mean_minutes(self) -> tuple[float, float]:
        """Median model: mean minutes per victim served, before and after."""
        if self.model != "median":
            return float("nan"), float("nan")
        after = self.objective / self.served if self.served else float("nan")
        before = self.before / self.before_served if self.before_served else float("nan")
        return before, after


def _check(w, t_new, t_now, k, model, limit):
    if model not in MODELS:
        raise InputError(f"siting model {model!r}: use one of {', '.join(MODELS)}")
    w, t_new = np.asarray(w, float), np.asarray(t_new, float)
    t_now = np.zeros((len(w), 0)) if t_now is None else np.asarray(t_now, float).reshape(len(w), -1)
    if t_new.shape[0] != len(w):
        raise InputError("times to candidates need one row per demand place")
    if k < 0 or int(k) != k:
        raise InputError(f"the number of new sites must be a whole number >= 0, got {k}")
    if model == "cover" and not limit > 0:
        raise InputError(f"the time limit must be > 0 minutes, got {limit}")
    return w, t_new, t_now, min(int(k), t_new.shape[1])


def _pairs(t: np.ndarray, model: str, limit: float) -> tuple[np.ndarray, np.ndarray]:
    """The (demand, column) pairs that may be assigned."""
    ok = np.isfinite(t) & (t <= limit) if model == "cover" else np.isfinite(t)
    return np.nonzero(ok)


def solve_siting(
    w: np.ndarray,
    t_new: np.ndarray,
    k: int,
    t_now: np.ndarray | None = None,
    model: str = "cover",
    limit: float = 60.0,
    cap_new: np.ndarray | float | None = None,
    cap_now: np.ndarray | None = None,
    time_limit: float = 60.0,
) -> SitingResult:
    """Choose ``k`` candidates by maximal covering or p-median (exact MILP).

    Parameters
    ----------
    w
        Demand weights (victims), shape ``(n,)``.
    t_new
        Minutes from every demand to every candidate, ``(n, m)``.
    k
        New sites to open.
    t_now
        Minutes from every demand to every existing facility, ``(n, e)`` (optional).
    model
        ``"cover"`` or ``"median"``.
    limit
        Minutes within which a victim is covered (cover model).
    cap_new, cap_now
        Capacities of the candidates (one number or one per candidate) and of the
        existing facilities (NaN: unlimited); both None: uncapacitated.
    time_limit
        Seconds for HiGHS.
    """
    w, t_new, t_now, k = _check(w, t_new, t_now, k, model, limit)
    n, m, e = len(w), t_new.shape[1], t_now.shape[1]
    capacitated = cap_new is not None or cap_now is not None
    if not capacitated and e > 1:  # the nearest existing facility is all that matters
        t_now = t_now.min(axis=1, keepdims=True)
        e = 1
    t = np.hstack([t_now, t_new])
    if model == "median":
        finite = t[np.isfinite(t)]
        penalty = 10.0 * (float(finite.max()) if finite.size else 1.0) + 1.0
        t = np.hstack([t, np.full((n, 1), penalty)])  # "unserved" column
    caps = _capacities(cap_new, cap_now, m, e, capacitated)
    res = _solve(w, t, k, m, e, model, limit, caps, time_limit)
    x, z, gap, status = res
    chosen = list(np.flatnonzero(x > 0.5))
    assigned_all = (z * w[:, None]).sum(axis=0)
    served = z[:, : e + m].sum(axis=1)
    if model == "cover":
        objective = float((z * w[:, None]).sum())
        unserved = float(w.sum() - objective)
    else:
        objective = float((z[:, : e + m] * w[:, None] * t[:, : e + m]).sum())
        unserved = float((w * (1 - served)).sum())
    before = evaluate_sites(w, t_new, [], t_now, model, limit) if not capacitated else np.nan
    reach_now = t_now.min(axis=1) if t_now.shape[1] else np.full(n, np.inf)
    before_served = float(w[np.isfinite(reach_now)].sum()) if not capacitated else np.nan
    order = _rank(w, t_new, t_now, chosen, model, limit)
    return SitingResult(
        chosen=order,
        objective=objective,
        before=float(before),
        assigned=[float(assigned_all[e + j]) for j in order],
        gap=gap,
        status=status,
        model=model,
        unserved=max(unserved, 0.0),
        served=float((w * served).sum()),
        before_served=before_served,
        params={
            "k": k,
            "limit_min": limit,
            "capacitated": capacitated,
            "candidates": m,
            "existing": e,
        },
    )


def _capacities(cap_new, cap_now, m: int, e: int, capacitated: bool) -> np.ndarray | None:
    """Capacity per column (existing, candidates); inf where unlimited."""
    if not capacitated:
        return None
    new = np.broadcast_to(np.inf if cap_new is None else np.asarray(cap_new, float), (m,))
    now = np.full(e, np.inf) if cap_now is None else np.asarray(cap_now, float).reshape(e)
    out = np.concatenate([now, new]).astype(float)
    return np.where(np.isnan(out), np.inf, out)


def _solve(w, t, k, m, e, model, limit, caps, time_limit):
    """Build and solve the assignment MILP; returns (x, z dense, gap, status)."""
    n, cols = t.shape
    pi, pj = _pairs(t, model, limit)
    npairs = len(pi)
    nv = m + npairs
    cost = w[pi] * (t[pi, pj] if model == "median" else -1.0)
    c = np.concatenate([np.zeros(m), cost])
    rows, cc, vals, lb, ub = [], [], [], [], []
    # each demand: sum_j z_ij (= 1 median, <= 1 cover)
    rows += list(pi)
    cc += list(m + np.arange(npairs))
    vals += [1.0] * npairs
    lb += [1.0 if model == "median" else 0.0] * n
    ub += [1.0] * n
    r = n
    # z_ij <= x_j for candidates
    cand = (pj >= e) & (pj < e + m)
    idx = np.flatnonzero(cand)
    rows += list(r + np.arange(len(idx))) * 2
    cc += list(m + idx) + list(pj[idx] - e)
    vals += [1.0] * len(idx) + [-1.0] * len(idx)
    lb += [-np.inf] * len(idx)
    ub += [0.0] * len(idx)
    r += len(idx)
    # sum x = k
    rows += [r] * m
    cc += list(range(m))
    vals += [1.0] * m
    lb.append(k)
    ub.append(k)
    r += 1
    if caps is not None:
        for col in range(e + m):
            if not np.isfinite(caps[col]):
                continue
            sel = np.flatnonzero(pj == col)
            rows += [r] * len(sel)
            cc += list(m + sel)
            vals += list(w[pi[sel]])
            if col >= e:
                rows.append(r)
                cc.append(col - e)
                vals.append(-caps[col])
                ub.append(0.0)
            else:
                ub.append(caps[col])
            lb.append(-np.inf)
            r += 1
    a = coo_matrix((vals, (rows, cc)), shape=(r, nv)).tocsr()
    res = milp(
        c,
        constraints=LinearConstraint(a, lb, ub),
        integrality=np.concatenate([np.ones(m), np.zeros(npairs)]),
        bounds=Bounds(0, 1),
        options={"time_limit": float(time_limit), "mip_rel_gap": 0.0},
    )
    if res.x is None:
        raise InputError(f"support siting found no solution: {res.message}")
    z = np.zeros((n, cols))
    z[pi, pj] = res.x[m:]
    gap = float(res.mip_gap) if getattr(res, "mip_gap", None) is not None else float("nan")
    return res.x[:m], z, gap, str(res.message)


def evaluate_sites(
    w: np.ndarray,
    t_new: np.ndarray,
    chosen,
    t_now: np.ndarray | None = None,
    model: str = "cover",
    limit: float = 60.0,
) -> float:
    """Objective of opening ``chosen`` candidates, uncapacitated.

    Cover: victims within ``limit`` of an open site. Median: victim-weighted minutes to
    the nearest open site (``nan`` when some victim has none).

    >>> evaluate_sites([2, 1], [[10, 70], [50, 20]], [0], model="cover", limit=60)
    3.0
    >>> evaluate_sites([2, 1], [[10, 70], [50, 20]], [1], model="median")
    160.0
    """
    w, t_new = np.asarray(w, float), np.asarray(t_new, float)
    parts = [t_new[:, list(chosen)]]
    if t_now is not None and np.size(t_now):
        parts.append(np.asarray(t_now, float).reshape(len(w), -1))
    t = np.hstack(parts) if parts else np.zeros((len(w), 0))
    best = t.min(axis=1) if t.shape[1] else np.full(len(w), np.inf)
    if model == "cover":
        return float(w[best <= limit].sum())
    if not np.isfinite(best[w > 0]).all():
        return float("nan")
    return float((w * np.where(w > 0, best, 0.0)).sum())


def _rank(w, t_new, t_now, chosen, model, limit) -> list[int]:
    """Chosen sites ordered greedily by what each adds (uncapacitated)."""
    left, order = list(chosen), []
    while left:
        vals = [evaluate_sites(w, t_new, [*order, j], t_now, model, limit) for j in left]
        vals = [(-v if model == "cover" else (v if np.isfinite(v) else np.inf)) for v in vals]
        order.append(left.pop(int(np.argmin(vals))))
    return order


def brute_force(
    w: np.ndarray,
    t_new: np.ndarray,
    k: int,
    t_now: np.ndarray | None = None,
    model: str = "cover",
    limit: float = 60.0,
) -> tuple[float, tuple[int, ...]]:
    """Best objective over all k-subsets (uncapacitated; for tests on small instances)."""
    best, arg = None, ()
    for s in combinations(range(np.asarray(t_new).shape[1]), k):
        v = evaluate_sites(w, t_new, s, t_now, model, limit)
        if model == "median" and np.isnan(v):
            continue
        if best is None or (v > best if model == "cover" else v < best):
            best, arg = v, s
    return float(best), arg


def sites_table(result: SitingResult, candidates: gpd.GeoDataFrame, kind: str) -> gpd.GeoDataFrame:
    """The chosen sites as a layer: ``rank``, ``place``, ``name``, ``type``, ``victims``."""
    from hotspots.support.facilities import FACILITY_TYPE_VI

    sel = candidates.iloc[result.chosen].reset_index(drop=True)
    out = gpd.GeoDataFrame(
        {
            "rank": np.arange(1, len(sel) + 1),
            "place": sel["place"].to_numpy(),
            "name": sel["name"].to_numpy(),
            "type": kind,
            "type_vi": FACILITY_TYPE_VI.get(kind, kind),
            "victims": np.round(result.assigned, 1),
            "model": result.model,
            "gap": result.gap,
        },
        geometry=sel.geometry.to_numpy(),
        crs=candidates.crs,
    )
    return out
