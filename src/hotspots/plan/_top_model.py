"""Team orienteering: the checked instance, float route evaluation and the PyVRP model.

Private helpers of :mod:`hotspots.plan.orienteering`. A :class:`TopInstance` holds the
validated float data (one travel-time matrix per routing profile, the stops each
vehicle may visit, time windows, shift starts); :func:`evaluate` schedules one route in
float arithmetic (waiting allowed before a window opens); :func:`repair` drops stops
until a route passes that check; :func:`solve_pyvrp` builds the integer PyVRP model and
runs it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyvrp
from pyvrp.stop import MaxRuntime, MultipleCriteria, NoImprovement

from hotspots.errors import InputError

#: Integer resolution of the scaled budget: the largest budget becomes this many ticks.
_TICKS = 1_000_000
#: Integer resolution of non-integer scores: the largest score becomes this many units.
_SCORE_UNITS = 100_000
#: PyVRP's default (1e5) is too low once prizes dominate travel.
_MAX_PENALTY = 1e9
#: Relative and absolute tolerance of every float comparison against a bound.
_RTOL, _ATOL = 1e-12, 1e-9


@dataclass
class TopInstance:
    """A validated team orienteering instance in float arithmetic.

    ``mats[profile[k]]`` is vehicle ``k``'s travel-time matrix; ``allowed[k, j]`` says
    whether it may visit stop ``j``; ``tw[j]`` is stop ``j``'s (earliest, latest)
    visit start on the common clock; ``shift[k]`` is the clock time vehicle ``k``
    leaves its start; ``budgets[k]`` its longest route (end - shift start, waiting
    included).
    """

    mats: list[np.ndarray]
    profile: np.ndarray
    allowed: np.ndarray
    scores: np.ndarray
    service: np.ndarray  # per location (0 at depots)
    starts: np.ndarray
    ends: np.ndarray
    budgets: np.ndarray
    shift: np.ndarray
    tw: np.ndarray
    required: np.ndarray

    @property
    def n(self) -> int:
        """Number of stops."""
        return len(self.scores)

    @property
    def m(self) -> int:
        """Number of vehicles."""
        return len(self.starts)


def as_vehicle_array(value, n_vehicles: int, name: str) -> np.ndarray:
    """Broadcast a number or a per-vehicle sequence to a float array of ``n_vehicles``."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        arr = np.full(n_vehicles, float(arr))
    if arr.shape != (n_vehicles,):
        raise InputError(f"{name} must be a number or one value per vehicle ({n_vehicles})")
    return arr


def build_instance(
    times,
    scores,
    starts,
    ends,
    budget,
    service_time,
    required,
    time_windows,
    shift_start,
    vehicle_times: Sequence[np.ndarray] | None,
    vehicle_profile,
    allowed,
) -> TopInstance:
    """Check the inputs of :func:`~hotspots.plan.orienteering.solve_top_matrix`.

    Raises
    ------
    InputError
        Naming the argument that is wrong and what it must be.
    """
    times = np.asarray(times, dtype=float)
    scores = np.asarray(scores, dtype=float).reshape(-1)
    n = len(scores)
    starts = np.asarray(starts, dtype=int).reshape(-1)
    ends = np.asarray(ends, dtype=int).reshape(-1)
    m = len(starts)
    if times.ndim != 2 or times.shape[0] != times.shape[1] or times.shape[0] < n:
        raise InputError("times must be a square matrix covering every stop and depot")
    n_loc = len(times)
    if len(ends) != m or m == 0:
        raise InputError("starts and ends must give one location per vehicle (at least one)")
    if np.any(scores < 0) or not np.all(np.isfinite(scores)):
        raise InputError("scores must be finite and >= 0")
    if np.any(starts < n) or np.any(ends < n) or np.any(starts >= n_loc) or np.any(ends >= n_loc):
        raise InputError("starts/ends must index depot locations after the stops")
    budgets = as_vehicle_array(budget, m, "budget")
    if np.any(budgets < 0) or not np.all(np.isfinite(budgets)):
        raise InputError("budget must be finite and >= 0")
    service = np.zeros(n_loc)
    service[:n] = np.zeros(n) + np.asarray(service_time, dtype=float)
    if np.any(service < 0) or not np.all(np.isfinite(service)):
        raise InputError("service_time must be finite and >= 0")
    req = np.zeros(n, bool) if required is None else np.asarray(required, bool).reshape(-1)
    if req.shape != (n,):
        raise InputError(f"required must give one true/false per stop ({n})")
    mats, profile = _profiles(times, vehicle_times, vehicle_profile, m)
    shift = np.zeros(m) if shift_start is None else as_vehicle_array(shift_start, m, "shift_start")
    if not np.all(np.isfinite(shift)):
        raise InputError("shift_start must be finite")
    tw = _windows(time_windows, n)
    if allowed is None:
        ok = np.ones((m, n), bool)
    else:
        ok = np.asarray(allowed, dtype=bool)
        if ok.shape != (m, n):
            raise InputError(f"allowed must be a (n_vehicles, n_stops) = ({m}, {n}) bool array")
    return TopInstance(mats, profile, ok, scores, service, starts, ends, budgets, shift, tw, req)


def _profiles(times, vehicle_times, vehicle_profile, m) -> tuple[list[np.ndarray], np.ndarray]:
    """The travel-time matrix of each routing profile and each vehicle's profile index."""
    if vehicle_times is None:
        mats = [times]
    else:
        mats = [np.asarray(t, dtype=float) for t in vehicle_times]
        if not mats or any(t.shape != times.shape for t in mats):
            raise InputError(f"vehicle_times must be matrices of the shape of times {times.shape}")
    if vehicle_profile is None:
        profile = np.zeros(m, int)
    else:
        profile = np.asarray(vehicle_profile).reshape(-1)
        if profile.shape != (m,) or not np.all(np.isin(profile, np.arange(len(mats)))):
            raise InputError(
                f"vehicle_profile must give, per vehicle ({m}), an index into vehicle_times "
                f"(0..{len(mats) - 1})"
            )
        profile = profile.astype(int)
    for t in mats:
        if np.any(np.isnan(t)) or np.any(t < 0):
            raise InputError("travel times must be >= 0 (inf for an unreachable pair), not NaN")
    return mats, profile


def _windows(time_windows, n: int) -> np.ndarray:
    """``(n, 2)`` earliest/latest visit start; ``[-inf, inf]`` when not given."""
    if time_windows is None:
        tw = np.empty((n, 2))
        tw[:, 0], tw[:, 1] = -np.inf, np.inf
        return tw
    tw = np.asarray(time_windows, dtype=float)
    if tw.shape != (n, 2) or np.any(np.isnan(tw)):
        raise InputError(f"time_windows must be an (n_stops, 2) = ({n}, 2) array of numbers")
    bad = np.flatnonzero(tw[:, 0] > tw[:, 1])
    if bad.size:
        raise InputError(f"time_windows: stop {int(bad[0])} opens after it closes")
    return tw


# -- float evaluation -------------------------------------------------------------------


def evaluate(inst: TopInstance, v: int, route: Sequence[int], cap: float | None = None):
    """Schedule vehicle ``v`` along ``route`` in floats.

    Returns
    -------
    (feasible, arrivals, duration)
        Whether every stop is allowed, reached within its window and the route ends
        within ``cap`` (default: the vehicle's budget); the clock time each visit starts
        (after any wait for the window to open); end time minus shift start.
    """
    t_mat = inst.mats[inst.profile[v]]
    cap = inst.budgets[v] if cap is None else cap
    clock = inst.shift[v]
    prev = int(inst.starts[v])
    ok = True
    arrivals: list[float] = []
    for j in route:
        clock = max(clock + t_mat[prev, j], inst.tw[j, 0])
        late = inst.tw[j, 1]
        if not inst.allowed[v, j] or clock > late + _RTOL * abs(late) + _ATOL:
            ok = False
        arrivals.append(float(clock))
        clock += inst.service[j]
        prev = j
    duration = float(clock + t_mat[prev, inst.ends[v]] - inst.shift[v])
    ok = ok and duration <= cap * (1 + _RTOL) + _ATOL
    return ok, arrivals, duration


def repair(inst: TopInstance, v: int, route: list[int], cap: float) -> tuple[list[int], int]:
    """Drop stops from ``route`` until it passes :func:`evaluate`; return it and the drops.

    Each step removes the stop whose removal restores feasibility with the least score
    lost, else the lowest-score stop (forbidden stops first).
    """
    route = list(route)
    dropped = 0
    while route and not evaluate(inst, v, route, cap)[0]:
        forbidden = [k for k, j in enumerate(route) if not inst.allowed[v, j]]
        if forbidden:
            route.pop(forbidden[0])
        else:
            fixes = [
                k
                for k in range(len(route))
                if evaluate(inst, v, route[:k] + route[k + 1 :], cap)[0]
            ]
            pool = fixes or range(len(route))
            route.pop(min(pool, key=lambda k: inst.scores[route[k]]))
        dropped += 1
    return route, dropped


# -- the integer PyVRP model ------------------------------------------------------------


@dataclass
class IntModel:
    """Scaling of the float instance into PyVRP's integers."""

    scale: float  # ticks per time unit
    origin: float  # clock time of tick 0
    slack: int  # ticks added to every upper bound (half a tick per rounded term)
    prize: np.ndarray
    big: int  # travel into a forbidden stop or over an unreachable pair


def int_model(inst: TopInstance) -> IntModel:
    """Choose the integer scaling of times and scores.

    Times: the largest budget (or finite travel time) becomes ``_TICKS`` ticks, each
    time rounded to the nearest tick; every upper bound gets ``n + 1`` ticks of slack
    (half a tick per edge and per service a route can have) so that no route feasible
    in floats is rejected. Scores: integer scores up to ``_SCORE_UNITS`` are kept
    exactly, others scaled so that the largest is ``_SCORE_UNITS``. One score unit is
    worth more than the travel of all routes together, so travel only breaks ties.
    """
    finite = np.concatenate([t[np.isfinite(t)] for t in inst.mats])
    scale_ref = max(float(inst.budgets.max()), float(finite.max()) if finite.size else 1.0, 1e-9)
    scale = _TICKS / scale_ref
    slack = inst.n + 1
    scores = inst.scores
    smax = float(scores.max()) if inst.n else 0.0
    if np.all(scores == np.round(scores)) and smax <= _SCORE_UNITS:
        q = 1.0
    else:
        q = _SCORE_UNITS / smax if smax > 0 else 1.0
    score_int = np.round(scores * q).astype(np.int64)
    cap_ticks = np.floor(inst.budgets * scale + 1e-9).astype(np.int64) + slack
    unit = int(cap_ticks.sum()) + 1  # > the travel of all routes together
    prize = score_int * unit
    if inst.required.any():
        extra = int(prize.sum()) + unit
        prize = np.where(inst.required, prize + extra, prize)
    if prize.size and int(prize.max()) > 2**62 // max(inst.n, 1):
        raise InputError("scores span too wide a range for the integer solver")
    big = 4 * _TICKS * inst.m + 4 * slack
    return IntModel(scale, float(inst.shift.min()), slack, prize, big)


def _clock_ticks(im: IntModel, clock: np.ndarray, up: bool) -> np.ndarray:
    """Clock times as ticks from the origin: lower bounds floored, upper bounds + slack."""
    rel = (np.asarray(clock, float) - im.origin) * im.scale
    finite = np.isfinite(rel)
    out = np.zeros(rel.shape, np.int64)
    if up:
        out[:] = np.iinfo(np.int64).max
        out[finite] = np.clip(np.floor(rel[finite] + 1e-9) + im.slack, 0, 2**61)
    else:
        out[finite] = np.clip(np.floor(rel[finite] + 1e-9), 0, 2**61)
    return out


def _profile_matrices(inst: TopInstance, im: IntModel) -> tuple[list[np.ndarray], np.ndarray]:
    """One integer matrix per distinct (travel matrix, allowed stops) pair of the fleet.

    Travel into or out of a stop the vehicle may not visit costs ``big`` ticks, more
    than any budget, so no feasible route uses it. Returns the matrices and each
    vehicle's index into them.
    """
    keys: dict[tuple[int, bytes], int] = {}
    vehicle_prof = np.zeros(inst.m, int)
    mats: list[np.ndarray] = []
    base = [
        np.where(np.isfinite(t), np.rint(t * im.scale), im.big).astype(np.int64) for t in inst.mats
    ]
    for v in range(inst.m):
        key = (int(inst.profile[v]), inst.allowed[v].tobytes())
        if key not in keys:
            mat = base[key[0]].copy()
            banned = np.flatnonzero(~inst.allowed[v])
            mat[banned, :] = im.big
            mat[:, banned] = im.big
            np.fill_diagonal(mat, 0)
            keys[key] = len(mats)
            mats.append(mat)
        vehicle_prof[v] = keys[key]
    return mats, vehicle_prof


def build_data(
    inst: TopInstance, im: IntModel, caps: np.ndarray
) -> tuple[pyvrp.ProblemData, list[list[int]], list[int]]:
    """The PyVRP problem for per-vehicle route caps ``caps`` (float, <= budgets).

    Returns the data, the vehicles of each vehicle type, and the model location of
    each original location used (stops first, then the depots used).
    """
    n = inst.n
    used_depots = sorted(set(inst.starts.tolist()) | set(inst.ends.tolist()))
    loc_ids = list(range(n)) + used_depots
    depot_pos = {orig: i for i, orig in enumerate(used_depots)}
    mats, vprof = _profile_matrices(inst, im)
    subs = [mat[np.ix_(loc_ids, loc_ids)] for mat in mats]
    svc = np.rint(inst.service[:n] * im.scale).astype(np.int64)
    early = _clock_ticks(im, inst.tw[:, 0], up=False)
    late = _clock_ticks(im, inst.tw[:, 1], up=True)
    clients = [
        pyvrp.Client(
            i,
            service_duration=int(svc[i]),
            tw_early=int(early[i]),
            tw_late=int(late[i]),
            prize=int(im.prize[i]),
            required=False,
        )
        for i in range(n)
    ]
    depots = [pyvrp.Depot(n + k) for k in range(len(used_depots))]
    cap_int = np.floor(caps * im.scale + 1e-9).astype(np.int64) + im.slack
    v_early = _clock_ticks(im, inst.shift, up=False)
    v_late = _clock_ticks(im, inst.shift + caps, up=True)
    groups: dict[tuple[int, ...], list[int]] = {}
    for v in range(inst.m):
        key = (
            depot_pos[int(inst.starts[v])],
            depot_pos[int(inst.ends[v])],
            int(cap_int[v]),
            int(vprof[v]),
            int(v_early[v]),
            int(v_late[v]),
        )
        groups.setdefault(key, []).append(v)
    vtypes = [
        pyvrp.VehicleType(
            len(vs),
            start_depot=s,
            end_depot=e,
            shift_duration=b,
            max_distance=b,
            profile=p,
            tw_early=te,
            tw_late=tl,
            start_late=te,  # the route starts at the shift start; waiting counts
        )
        for (s, e, b, p, te, tl), vs in groups.items()
    ]
    locations = [pyvrp.Location(0, 0) for _ in loc_ids]
    data = pyvrp.ProblemData(locations, clients, depots, vtypes, subs, subs)
    return data, list(groups.values()), loc_ids


def solve_pyvrp(
    inst: TopInstance,
    im: IntModel,
    caps: np.ndarray,
    limit: float,
    patience: int,
    seed: int,
    params: pyvrp.SolveParams | None = None,
) -> tuple[list[list[int]], dict]:
    """Run PyVRP once; return the (unrepaired) routes per vehicle and run statistics."""
    data, type_vehicles, _ = build_data(inst, im, caps)
    stop = MultipleCriteria([MaxRuntime(max(limit, 0.01)), NoImprovement(patience)])
    if params is None:
        params = pyvrp.SolveParams(penalty=pyvrp.PenaltyParams(max_penalty=_MAX_PENALTY))
    result = pyvrp.solve(data, stop, seed=seed, display=False, collect_stats=False, params=params)
    info = {
        "iterations": int(result.num_iterations),
        "runtime": float(result.runtime),
        # Stopping on the iteration criterion is reproducible; on the clock it is not.
        "stopped_by": "time" if result.runtime >= limit else "no_improvement",
        "feasible": bool(result.best.is_feasible()),
    }
    routes: list[list[int]] = [[] for _ in range(inst.m)]
    next_slot = [0] * len(type_vehicles)
    for r in result.best.routes():
        t = r.vehicle_type()
        v = type_vehicles[t][next_slot[t]]
        next_slot[t] += 1
        routes[v] = [int(a.idx) for a in r.schedule() if not a.is_depot()]
    return routes, info
