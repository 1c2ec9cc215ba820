"""Team orienteering: routes that collect the most score within a time budget.

The team orienteering problem (TOP; Chao, Golden & Wasil 1996) asks for ``m`` routes,
each from its start to its end within a budget, visiting each stop at most once, so
that the total score of the visited stops is largest. Here it is solved first as a
prize-collecting vehicle routing problem with PyVRP (Wouda, Lan & Kool 2024), then
improved by an iterated local search of our own in float arithmetic, restarted until
the time limit (:mod:`hotspots.plan._top_search`). Stops may have time windows,
vehicles their own travel-time matrix (routing profile), shift start and allowed
stops (:mod:`hotspots.plan._top_model`); with binding time windows the float search is
skipped and PyVRP is restarted with new seeds instead.

PyVRP works on integers, so travel times are scaled (the largest budget becomes 10^6
ticks) and rounded to the nearest tick, and every upper bound gets half a tick of slack
per edge and service a route can have: no route within the budget under the true float
times is ever rejected (a route of exactly the budget, common on lattice instances like
Chao's sets 5-6, stays feasible). A route the rounding lets over the budget by those
few ticks is caught by the float check that follows and repaired.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from hotspots.errors import InputError
from hotspots.plan._top_model import TopInstance, build_instance, evaluate
from hotspots.plan._top_search import search

__all__ = ["TOPSolution", "solve_team_orienteering", "solve_top_matrix", "route_time"]

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
        True (float) duration of each route: end time minus shift start (travel,
        service at the stops and any wait for a time window to open).
    budgets
        The budget of each vehicle.
    feasible
        Whether every route meets its budget, its time windows and its allowed stops
        under the float times (always true for a returned solution; kept so that
        callers can assert it).
    repaired
        Number of stops dropped by the float check (0 unless rounding misled the
        solver).
    solver
        Name and settings of the solver used; ``solver["balance"]`` says whether the
        routes were rebalanced (``applied``) and the longest route before and after.
    arrivals
        Per route, the clock time (unit of the travel times, same clock as
        ``shift_start`` and ``time_windows``) at which each visit starts, after any
        wait for the stop's window to open.
    """

    routes: list[list[int]]
    score: float
    times: np.ndarray
    budgets: np.ndarray
    feasible: bool
    repaired: int = 0
    solver: dict = field(default_factory=dict)
    arrivals: list[list[float]] = field(default_factory=list)

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
    """Return the float duration of ``start -> route... -> end`` (no time windows).

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
    *,
    time_windows: np.ndarray | None = None,
    shift_start: float | np.ndarray | None = None,
    vehicle_times: Sequence[np.ndarray] | None = None,
    vehicle_profile: np.ndarray | None = None,
    allowed: np.ndarray | None = None,
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
        Longest route of each vehicle (a number or one per vehicle), in the unit of
        ``times``: the route must end by ``shift_start + budget``.
    service_time
        Time spent at each stop: a number, or one value per stop.
    time_limit
        Wall-clock seconds for the whole solve (balancing included). The search uses
        all of it unless every stop is visited or twelve restarts in a row bring nothing.
    seed
        Random seed. Same inputs and seed give the same routes when the solver stops
        before the limit (``solver["stopped_by"] == "no_improvement"``); a stop on
        ``time_limit`` depends on the machine's speed. ``solver["runs"]`` lists each
        run (PyVRP, float search restarts) with its value and why it stopped.
    required
        Optional boolean per stop: these stops get a score so large that the solver
        visits them whenever it can (minimum-frequency visits of a schedule).
    no_improvement
        PyVRP stops after this many iterations without improvement (default: scaled
        with the instance size); a float-search run after ``max(200, 3 n)``.
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
        Most re-solves for the balancing (each gets an equal share of the time left).
    time_windows
        ``(n_stops, 2)`` earliest and latest start of the visit of each stop, on the
        clock of ``shift_start`` in the unit of ``times`` (``0`` / ``np.inf`` for no
        bound). A vehicle arriving early waits; the wait counts in its route duration.
    shift_start
        Clock time at which each vehicle leaves its start (a number or one per
        vehicle; default 0).
    vehicle_times
        Several travel-time matrices of the shape of ``times`` (routing profiles,
        e.g. car, motorbike, foot); ``vehicle_profile[k]`` is the index in this list
        of the matrix vehicle ``k`` uses. ``times`` should be ``vehicle_times[0]``
        (it is the default profile when ``vehicle_times`` is not given).
    vehicle_profile
        Per vehicle, an index into ``vehicle_times`` (default: all 0).
    allowed
        Boolean ``(n_vehicles, n_stops)``: vehicle ``k`` may visit stop ``j`` only
        where ``allowed[k, j]`` (default: everywhere).

    Returns
    -------
    TOPSolution
    """
    inst = build_instance(
        times, scores, starts, ends, budget, service_time, required, time_windows,
        shift_start, vehicle_times, vehicle_profile, allowed,
    )  # fmt: skip
    deadline = time.perf_counter() + time_limit
    solver_info = {
        "name": "pyvrp + float ILS",
        "version": _pyvrp_version(),
        "time_limit": time_limit,
    }
    if inst.n == 0:
        return _solution(inst, [[] for _ in range(inst.m)], 0, solver_info)
    if no_improvement is None:
        no_improvement = max(2_000, 40 * inst.n)
    routes, repaired, info = search(inst, inst.budgets, deadline, no_improvement, seed)
    solver_info.update(info)
    routes, repaired, bal = _balance(
        inst, routes, repaired, solver_info, balance, balance_steps, deadline,
        no_improvement, seed,
    )  # fmt: skip
    solver_info["balance"] = bal
    return _solution(inst, routes, repaired, solver_info)


def _durations(inst: TopInstance, routes: list[list[int]]) -> np.ndarray:
    """Float duration of each route (end minus shift start)."""
    return np.array([evaluate(inst, v, r)[2] for v, r in enumerate(routes)])


def _total(inst: TopInstance, routes: list[list[int]]) -> float:
    """Total score of the visited stops."""
    return float(sum(inst.scores[i] for r in routes for i in r))


def _balance(
    inst: TopInstance,
    routes: list[list[int]],
    repaired: int,
    solver_info: dict,
    balance: bool,
    steps: int,
    deadline: float,
    patience: int,
    seed: int,
) -> tuple[list[list[int]], int, dict]:
    """Min-max the longest route without losing score (see ``balance`` of the solver).

    Bisects a common cap on the route length between a lower bound and the current
    longest route; a re-solve is kept only if it visits every stop with the same
    total score. Each step gets an equal share of the time left before ``deadline``.
    Returns the routes, the repaired count and the balance record.
    """
    route_times = _durations(inst, routes)
    n, m = inst.n, inst.m
    total = _total(inst, routes)
    longest, mean = float(route_times.max()), float(route_times.mean())
    bal = {"applied": False, "longest_before": longest, "longest_after": longest, "steps": 0}
    n_visited = sum(len(r) for r in routes)
    if not (balance and m > 1 and n_visited == n and longest > (1 + _BALANCE_MIN_GAIN) * mean):
        return routes, repaired, bal
    bal["lower_bound"] = lower = _longest_direct_trip(inst)
    # Nor, in practice, than the mean route: the solver already minimised the total
    # travel, so the bisection starts there rather than at the (weak) lower bound.
    lo, hi = max(lower, mean), longest
    tol = 1e-9 * max(1.0, abs(total))
    for step in range(steps):
        left = deadline - time.perf_counter()
        if hi - lo <= 0.01 * hi or left <= 0.01:
            break
        cap = (lo + hi) / 2
        bal["steps"] += 1
        cand, rep, cinfo = search(
            inst,
            np.minimum(inst.budgets, cap),
            time.perf_counter() + left / (steps - step),
            max(500, patience // 2),
            seed,
        )
        if sum(len(r) for r in cand) == n and _total(inst, cand) >= total - tol:
            routes, repaired = cand, rep
            hi = float(_durations(inst, cand).max())
            bal["applied"] = True
            if cinfo["stopped_by"] == "time":
                solver_info["stopped_by"] = "time"
        else:
            lo = cap
    bal["longest_after"] = float(_durations(inst, routes).max())
    return routes, repaired, bal


def _longest_direct_trip(inst: TopInstance) -> float:
    """Lower bound on the longest route when every stop is visited.

    Some vehicle must visit each stop, so the longest route is at least, over the stops,
    the quickest start -> stop -> end trip of any vehicle allowed there.
    """
    n = inst.n
    direct = np.full((inst.m, n), np.inf)
    for v in range(inst.m):
        t = inst.mats[inst.profile[v]]
        trip = t[inst.starts[v], :n] + inst.service[:n] + t[:n, inst.ends[v]]
        direct[v] = np.where(inst.allowed[v], trip, np.inf)
    return float(np.max(np.min(direct, axis=0)))


def _solution(
    inst: TopInstance, routes: list[list[int]], repaired: int, solver_info: dict
) -> TOPSolution:
    """Assemble the :class:`TOPSolution` with float durations and arrival times."""
    evals = [evaluate(inst, v, r) for v, r in enumerate(routes)]
    return TOPSolution(
        routes,
        _total(inst, routes),
        np.array([e[2] for e in evals]),
        inst.budgets,
        all(e[0] for e in evals),
        repaired,
        solver_info,
        [e[1] for e in evals],
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
