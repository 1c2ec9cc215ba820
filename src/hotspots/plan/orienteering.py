"""Team orienteering: routes that collect the most score within a time budget.

The team orienteering problem (TOP; Chao, Golden & Wasil 1996) asks for ``m`` routes,
each from its start to its end within a budget, visiting each stop at most once, so
that the total score of the visited stops is largest. Here it is solved as a
prize-collecting vehicle routing problem with PyVRP (Wouda, Lan & Kool 2024), a
state-of-the-art hybrid genetic search.

PyVRP works on integers, so travel times are scaled (the largest budget becomes 10^6
ticks) and rounded to the nearest tick, and the budget gets half a tick of slack per
edge a route can have: no route within the budget under the true float times is ever
rejected (a route of exactly the budget, common on lattice instances like Chao's sets
5-6, stays feasible). A route the rounding lets over the budget by those few ticks is
caught by the float check that follows and repaired (its lowest-score stop dropped).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyvrp
from pyvrp.stop import MaxRuntime, MultipleCriteria, NoImprovement

from hotspots.errors import InputError

__all__ = ["TOPSolution", "solve_team_orienteering", "solve_top_matrix", "route_time"]

#: Integer resolution of the scaled budget: the largest budget becomes this many ticks.
_TICKS = 1_000_000
#: Integer resolution of scores: the largest score becomes this many prize units.
_SCORE_UNITS = 10_000


#: PyVRP's default (1e5) is too low once prizes dominate travel (a prize unit is a route's budget).
_MAX_PENALTY = 1e9
#: Balancing is tried only when the longest route exceeds the mean route by this share
#: (little is to be gained otherwise, and each try is another solve).
_BALANCE_MIN_GAIN = 0.15


@dataclass
class TOPSolution:
    """Routes found for a team orienteering problem.

    Attributes
    ----------
    routes
        One list per vehicle of stop indices (0-based into ``scores``), in visiting
        order; an unused vehicle has an empty list.
    score
        Total score of the visited stops (each counted once).
    times
        True (float) duration of each route: travel plus service at the stops.
    budgets
        The budget of each vehicle.
    feasible
        Whether every route meets its budget under the float times (always true for a
        returned solution; kept so that callers can assert it).
    repaired
        Number of stops dropped by the float-time check (0 unless rounding misled the
        solver).
    solver
        Name and settings of the solver used; ``solver["balance"]`` says whether the
        routes were rebalanced (``applied``) and the longest route before and after.
    """

    routes: list[list[int]]
    score: float
    times: np.ndarray
    budgets: np.ndarray
    feasible: bool
    repaired: int = 0
    solver: dict = field(default_factory=dict)

    @property
    def visited(self) -> list[int]:
        """All visited stops, sorted."""
        return sorted(i for r in self.routes for i in r)


def route_time(
    times: np.ndarray,
    route: list[int],
    start: int,
    end: int,
    service_time: float | np.ndarray = 0.0,
) -> float:
    """Return the float duration of ``start -> route... -> end``.

    Parameters
    ----------
    times
        Square matrix of travel times between locations.
    route
        Location indices of the stops, in order.
    start, end
        Location indices of the start and end of the route.
    service_time
        Time spent at each stop (a scalar, or an array indexed by location).
    """
    path = [start, *route, end]
    travel = float(sum(times[a, b] for a, b in zip(path[:-1], path[1:], strict=True)))
    if np.ndim(service_time) == 0:
        service = float(service_time) * len(route)
    else:
        service = float(sum(np.asarray(service_time)[i] for i in route))
    return travel + service


def _as_vehicle_array(value, n_vehicles: int, name: str) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        arr = np.full(n_vehicles, float(arr))
    if arr.shape != (n_vehicles,):
        raise InputError(f"{name} must be a number or one value per vehicle ({n_vehicles})")
    return arr


def solve_top_matrix(
    times: np.ndarray,
    scores: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    budget: float | np.ndarray,
    service_time: float | np.ndarray = 0.0,
    time_limit: float = 10.0,
    seed: int = 0,
    required: np.ndarray | None = None,
    no_improvement: int | None = None,
    balance: bool = True,
    balance_steps: int = 3,
) -> TOPSolution:
    """Solve a team orienteering problem given a travel-time matrix.

    Parameters
    ----------
    times
        ``(L, L)`` float matrix of travel times between locations; the first
        ``len(scores)`` locations are the stops, the others are starts/ends. ``inf``
        marks an unreachable pair.
    scores
        Score of each stop (>= 0).
    starts, ends
        Location index of each vehicle's start and end (one per vehicle).
    budget
        Time budget of each vehicle (a number or one per vehicle), in the unit of
        ``times``.
    service_time
        Time spent at each stop: a number, or one value per stop.
    time_limit
        Wall-clock seconds the solver may use.
    seed
        Random seed. Same inputs and seed give the same routes when the solver stops
        on ``no_improvement`` (``solver["stopped_by"]``); a stop on ``time_limit``
        depends on the machine's speed.
    required
        Optional boolean per stop: these stops get a score so large that the solver
        visits them whenever it can (minimum-frequency visits of a schedule).
    no_improvement
        Stop after this many iterations without improvement (default: scaled with
        the instance size).
    balance
        When every stop is visited and the longest route is more than 15 % above the
        mean route, re-solve with a common cap on the route length (bisection between
        the mean route, or the longest quickest out-and-back to one stop if larger, and
        the current longest route) and keep a re-solve only if it still visits every
        stop with the same total score: the work is spread over the vehicles instead of
        one vehicle doing everything. A heuristic min-max, not a proven optimum.
        ``solver["balance"]`` records whether it was applied and the longest route
        before and after.
    balance_steps
        Most re-solves for the balancing (each gets ``time_limit / (steps + 1)``).

    Returns
    -------
    TOPSolution
    """
    times = np.asarray(times, dtype=float)
    scores = np.asarray(scores, dtype=float)
    n = len(scores)
    starts = np.asarray(starts, dtype=int)
    ends = np.asarray(ends, dtype=int)
    m = len(starts)
    if times.ndim != 2 or times.shape[0] != times.shape[1] or times.shape[0] < n:
        raise InputError("times must be a square matrix covering every stop and depot")
    if len(ends) != m or m == 0:
        raise InputError("starts and ends must give one location per vehicle (at least one)")
    if np.any(scores < 0) or not np.all(np.isfinite(scores)):
        raise InputError("scores must be finite and >= 0")
    if np.any(starts < n) or np.any(ends < n) or np.any(starts >= len(times)):
        raise InputError("starts/ends must index depot locations after the stops")
    budgets = _as_vehicle_array(budget, m, "budget")
    if np.any(budgets < 0):
        raise InputError("budget must be >= 0")
    service = np.zeros(n) + np.asarray(service_time, dtype=float)
    service_full = np.zeros(len(times))
    service_full[:n] = service
    req = np.zeros(n, bool) if required is None else np.asarray(required, bool)

    solver_info = {"name": "pyvrp", "version": _pyvrp_version(), "time_limit": time_limit}
    if n == 0:
        return TOPSolution(
            [[] for _ in range(m)],
            0.0,
            _times_of(times, [[]] * m, starts, ends, service_full),
            budgets,
            True,
            0,
            solver_info,
        )

    # -- integer model: times to the nearest tick, budget + half a tick per edge -------
    finite = times[np.isfinite(times)]
    scale_ref = max(float(budgets.max()), float(finite.max()) if finite.size else 1.0, 1e-9)
    scale = _TICKS / scale_ref
    big = 4 * _TICKS * max(m, 1)  # larger than any feasible sum of route lengths
    t_int = np.where(np.isfinite(times), np.rint(times * scale), big).astype(np.int64)
    np.fill_diagonal(t_int, 0)
    svc_int = np.rint(service * scale).astype(np.int64)
    # A route has at most n + 1 edges and n services, each off by half a tick at most:
    # this slack keeps every truly feasible route feasible in integers.
    bud_int = np.floor(budgets * scale + 1e-9).astype(np.int64) + (2 * n + 2) // 2

    smax = float(scores.max()) if n else 0.0
    if np.all(scores == np.round(scores)) and smax <= _SCORE_UNITS:
        q = 1.0  # integer scores are kept exactly
    else:
        q = _SCORE_UNITS / smax if smax > 0 else 1.0
    score_int = np.round(scores * q).astype(np.int64)
    # Prize per score unit: one unit of score outweighs the travel of a whole route,
    # so travel is only a tie-breaker among (near-)equal scores.
    unit = int(bud_int.max()) + 1
    prize = score_int * unit
    if req.any():
        prize = np.where(req, prize + int(prize.sum()) + _SCORE_UNITS * unit, prize)

    # locations: only those used
    used_depots = sorted(set(starts.tolist()) | set(ends.tolist()))
    loc_ids = list(range(n)) + used_depots  # model location -> original location
    depot_pos = {orig: i for i, orig in enumerate(used_depots)}
    sub = t_int[np.ix_(loc_ids, loc_ids)]
    # Coordinates are for display only; PyVRP's neighbourhoods use the matrices.
    locations = [pyvrp.Location(0, 0) for _ in loc_ids]
    clients = [
        pyvrp.Client(
            i,
            service_duration=int(svc_int[i]),
            prize=int(prize[i]),
            required=False,
        )
        for i in range(n)
    ]
    depots = [pyvrp.Depot(n + k) for k in range(len(used_depots))]
    if no_improvement is None:
        no_improvement = max(2_000, 40 * n)

    def run(caps: np.ndarray, limit: float, patience: int) -> tuple[list[list[int]], int, dict]:
        """Solve with per-vehicle budgets ``caps`` (float); check and repair in floats."""
        cap_int = np.floor(caps * scale + 1e-9).astype(np.int64) + (2 * n + 2) // 2
        groups: dict[tuple[int, int, int], list[int]] = {}
        for v in range(m):
            key = (depot_pos[int(starts[v])], depot_pos[int(ends[v])], int(cap_int[v]))
            groups.setdefault(key, []).append(v)
        vtypes = []
        type_vehicles = []
        for (s, e, b), vs in groups.items():
            vtypes.append(
                pyvrp.VehicleType(
                    len(vs), start_depot=s, end_depot=e, shift_duration=b, max_distance=b
                )
            )
            type_vehicles.append(vs)
        data = pyvrp.ProblemData(locations, clients, depots, vtypes, [sub], [sub])
        stop = MultipleCriteria([MaxRuntime(limit), NoImprovement(patience)])
        params = pyvrp.SolveParams(penalty=pyvrp.PenaltyParams(max_penalty=_MAX_PENALTY))
        result = pyvrp.solve(
            data, stop, seed=seed, display=False, collect_stats=False, params=params
        )
        info = {
            "iterations": int(result.num_iterations),
            "runtime": float(result.runtime),
            # Stopping on the iteration criterion is reproducible; on the clock it is not.
            "stopped_by": "time" if result.runtime >= limit else "no_improvement",
        }
        routes: list[list[int]] = [[] for _ in range(m)]
        next_slot = [0] * len(vtypes)
        for r in result.best.routes():
            t = r.vehicle_type()
            v = type_vehicles[t][next_slot[t]]
            next_slot[t] += 1
            routes[v] = [int(a.idx) for a in r.schedule() if not a.is_depot()]
        # -- check with float times (against the true budgets and the cap), repair -----
        repaired = 0
        for v in range(m):
            while routes[v] and (
                route_time(times, routes[v], int(starts[v]), int(ends[v]), service_full)
                > caps[v] * (1 + 1e-12) + 1e-9
            ):
                drop = min(range(len(routes[v])), key=lambda k: scores[routes[v][k]])
                routes[v].pop(drop)
                repaired += 1
        return routes, repaired, info

    routes, repaired, info = run(budgets, time_limit, no_improvement)
    solver_info.update(info)
    route_times = _times_of(times, routes, starts, ends, service_full)
    total = float(sum(scores[i] for r in routes for i in r))

    # -- balance: min-max the longest route without losing score ----------------------
    n_visited = sum(len(r) for r in routes)
    longest = float(route_times.max())
    bal = {"applied": False, "longest_before": longest, "longest_after": longest, "steps": 0}
    mean = float(route_times.mean())
    if balance and m > 1 and n_visited == n and longest > (1 + _BALANCE_MIN_GAIN) * mean:
        # No route can be shorter than the quickest out-and-back to its hardest stop.
        direct = times[starts][:, :n] + service[None, :] + times[:n, ends].T  # start->i->end
        lower = float(np.max(np.min(direct, axis=0)))
        bal["lower_bound"] = lower
        # Nor, in practice, than the mean route: the solver already minimised the total
        # travel, so the bisection starts there rather than at the (weak) lower bound.
        lo, hi = max(lower, mean), longest
        tol = 1e-9 * max(1.0, abs(total))
        for _ in range(balance_steps):
            if hi - lo <= 0.01 * hi:
                break
            cap = (lo + hi) / 2
            bal["steps"] += 1
            cand, rep, cinfo = run(
                np.minimum(budgets, cap),
                max(0.1, time_limit / (balance_steps + 1)),
                max(500, no_improvement // 2),
            )
            c_total = float(sum(scores[i] for r in cand for i in r))
            if sum(len(r) for r in cand) == n and c_total >= total - tol:
                c_times = _times_of(times, cand, starts, ends, service_full)
                routes, repaired, route_times = cand, rep, c_times
                hi = float(c_times.max())
                bal["applied"] = True
                if cinfo["stopped_by"] == "time":
                    solver_info["stopped_by"] = "time"
            else:
                lo = cap
        bal["longest_after"] = float(route_times.max())
    solver_info["balance"] = bal

    feasible = bool(np.all(route_times <= budgets * (1 + 1e-12) + 1e-9))
    total = float(sum(scores[i] for r in routes for i in r))
    return TOPSolution(routes, total, route_times, budgets, feasible, repaired, solver_info)


def _times_of(times, routes, starts, ends, service_full) -> np.ndarray:
    return np.array(
        [
            route_time(times, r, int(s), int(e), service_full)
            for r, s, e in zip(routes, starts, ends, strict=True)
        ]
    )


def _pyvrp_version() -> str:
    from importlib.metadata import version

    try:
        return version("pyvrp")
    except Exception:  # pragma: no cover - metadata missing
        return "unknown"


def solve_team_orienteering(
    xy: np.ndarray,
    scores: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    budget: float | np.ndarray,
    n_vehicles: int,
    service_time: float = 0,
    time_limit: float = 10,
    seed: int = 0,
    balance: bool = True,
) -> TOPSolution:
    """Solve a Euclidean team orienteering problem.

    Travel time between two points is their Euclidean distance (in the unit of
    ``xy``), as in the benchmark instances of Chao, Golden & Wasil (1996).

    Parameters
    ----------
    xy
        ``(n, 2)`` coordinates of the stops.
    scores
        ``(n,)`` score of each stop.
    starts, ends
        Start and end coordinates: one point ``(2,)`` shared by every vehicle, or
        ``(n_vehicles, 2)``.
    budget
        Longest route (travel plus service), a number or one per vehicle.
    n_vehicles
        Number of routes.
    service_time
        Time spent at each visited stop.
    time_limit
        Wall-clock seconds for the solver.
    seed
        Random seed.
    balance
        Spread the work over the vehicles when every stop is visited (see
        :func:`solve_top_matrix`).

    Returns
    -------
    TOPSolution
        ``routes`` index into ``xy``.

    Examples
    --------
    >>> import numpy as np
    >>> sol = solve_team_orienteering(
    ...     np.array([[1.0, 0.0], [5.0, 0.0]]), np.array([3.0, 10.0]),
    ...     starts=np.array([0.0, 0.0]), ends=np.array([0.0, 0.0]), budget=10.0,
    ...     n_vehicles=1, time_limit=1)
    >>> sorted(sol.routes[0]), sol.score  # out and back: either direction is optimal
    ([0, 1], 13.0)
    """
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    n = len(xy)
    if n_vehicles < 1:
        raise InputError("n_vehicles must be >= 1")
    st = np.broadcast_to(np.asarray(starts, dtype=float).reshape(-1, 2), (n_vehicles, 2))
    en = np.broadcast_to(np.asarray(ends, dtype=float).reshape(-1, 2), (n_vehicles, 2))
    depots = np.unique(np.vstack([st, en]), axis=0)
    pts = np.vstack([xy, depots])
    diff = pts[:, None, :] - pts[None, :, :]
    times = np.hypot(diff[..., 0], diff[..., 1])

    def idx(p: np.ndarray) -> int:
        return n + int(np.flatnonzero(np.all(depots == p, axis=1))[0])

    s_idx = np.array([idx(p) for p in st])
    e_idx = np.array([idx(p) for p in en])
    return solve_top_matrix(
        times,
        scores,
        s_idx,
        e_idx,
        budget,
        service_time,
        time_limit=time_limit,
        seed=seed,
        balance=balance,
    )
