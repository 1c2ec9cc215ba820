"""Weekly patrol schedule: risk-proportional, randomised, meeting minimum frequencies.

1. Each unit works one shift a day; which of ``shift_starts`` it is drawn at random
   every day, so nobody can tell from one week when the next patrol comes.
2. The number of visits of each key area in the week is its minimum frequency plus a
   multinomial draw, over the remaining capacity, with probabilities proportional to
   risk (a coverage distribution, as in randomised patrolling games), at most one visit
   per day.
3. The visits of an area are spread over randomly drawn days (and shifts).
4. Each (day, shift) is routed as a team orienteering problem over the units working
   it; minimum-frequency visits carry so much score that the solver takes them
   whenever they fit. A minimum visit that does not fit moves to the next day.

Seeded: same inputs and seed → same schedule (exactly so when every routing solve
stops on its no-improvement criterion; ``meta["solves_stopped_by_time"]`` counts those
that hit the clock instead); another seed (e.g. the week number) gives another pattern.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.errors import HotspotsWarning, InputError
from hotspots.plan.patrols import (
    TZ,
    PatrolPlan,
    _check_dwell,
    _frames,
    _hhmm,
    _Network,
    _route_rows,
    _unit_shift_seconds,
    area_stops,
)
from hotspots.plan.travel import TravelModel, straight_line

__all__ = ["weekly_schedule", "visit_counts"]


def visit_counts(
    risk: np.ndarray,
    min_visits: np.ndarray,
    capacity: int,
    days: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draw visits per area: minimum plus a risk-proportional multinomial, <= ``days``.

    Parameters
    ----------
    risk
        Risk weight per area (>= 0).
    min_visits
        Minimum visits per area in the period.
    capacity
        Total visits the units can make in the period (estimated).
    days
        Days in the period (at most one visit per area per day).
    rng
        Random generator.
    """
    counts = np.minimum(np.asarray(min_visits, int), days).astype(int)
    extra = int(capacity) - int(counts.sum())
    p = np.asarray(risk, float).clip(0)
    while extra > 0:
        room = counts < days
        w = np.where(room, p, 0.0)
        if w.sum() <= 0:
            w = room.astype(float)
            if w.sum() == 0:
                break
        draw = rng.multinomial(extra, w / w.sum())
        new = np.minimum(counts + draw, days)
        extra -= int((new - counts).sum())
        counts = new
        if not (counts < days).any() or draw.sum() == 0:
            break
    return counts


def weekly_schedule(
    areas: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    travel: TravelModel | None = None,
    days: int = 7,
    start_date: str | pd.Timestamp = "2026-11-30",
    shift_starts: tuple[str, ...] = ("06:00", "14:00", "22:00"),
    shift_hours: float = 8.0,
    dwell_min: float = 12.0,
    min_visits: int | str = 1,
    seed: int = 0,
    time_limit: float = 40.0,
    balance: bool = True,
) -> PatrolPlan:
    """Plan ``days`` days of patrols over the key areas.

    Parameters
    ----------
    areas
        Key areas (EPSG:4326); risk from ``score``, else ``cases``, else 1.
    units
        Units table (``unit``, ``base``, optional ``shift_hours``, base geometry).
    travel
        Travel model (default: straight line).
    days
        Number of days.
    start_date
        First day (local date).
    shift_starts
        Possible shift starts (``HH:MM``); each unit works one shift per day, drawn at
        random among these.
    shift_hours
        Shift length of units without their own ``shift_hours``.
    dwell_min
        Minutes at each stop.
    min_visits
        Minimum visits per area in the period: a number for all, or the name of a
        column of ``areas``.
    seed
        Random seed (use e.g. the ISO week number to vary weeks reproducibly).
    time_limit
        Total seconds for the routing solver, shared over all shifts.
    balance
        In each shift whose visits all fit, spread them over the shift's units (shorten
        the longest route) without dropping a visit. ``meta["balance"]`` counts the
        shifts rebalanced and gives the longest route of the week before and after, in
        minutes.

    Returns
    -------
    PatrolPlan
        ``meta["min_visits_met"]`` says whether every area got its minimum, and
        ``meta["shortfall"]`` lists the areas that did not (a warning is issued too).
    """
    if days < 1:
        raise InputError(f"days must be >= 1, got {days}")
    if len(units) == 0:
        raise InputError("no patrol units: give a units file or bases")
    if not shift_starts:
        raise InputError("give at least one shift start time")
    offsets = [_hhmm(s) for s in shift_starts]
    travel = travel or straight_line()
    stops = area_stops(areas)
    n = len(stops)
    risk = stops["score"].to_numpy(float)
    if isinstance(min_visits, str):
        if min_visits not in areas:
            raise InputError(f"areas have no column {min_visits!r} for minimum visits")
        mins = pd.to_numeric(areas[min_visits], errors="coerce").fillna(0).to_numpy(int)
    else:
        mins = np.full(n, int(min_visits))
    if np.any(mins < 0):
        raise InputError("minimum visits must be >= 0")
    if np.any(mins > days):
        raise InputError(
            f"a minimum of {mins.max()} visits cannot fit in {days} days (one visit a day)"
        )
    dwell_s = _check_dwell(dwell_min)
    shift_s = _unit_shift_seconds(units, shift_hours)
    rng = np.random.default_rng(seed)
    net = _Network(stops, units, travel)
    day0 = pd.Timestamp(start_date)
    day0 = (day0.tz_localize(TZ) if day0.tzinfo is None else day0.tz_convert(TZ)).normalize()

    n_solves = days * len(shift_starts) + 1
    per_solve = max(0.5, time_limit / n_solves)

    # capacity: how many stops all units reach in one shift, times the days
    _, _, probe = _route_rows(
        net, units, list(range(len(units))), np.arange(n), risk, None, day0, shift_s,
        dwell_s, per_solve, seed, 0, "", balance=False,
    )  # fmt: skip
    capacity = len(probe["visited"]) * days
    counts = visit_counts(risk, mins, capacity, days, rng)

    # which days, and which of those visits are the required (minimum) ones
    visit_days: list[list[tuple[int, bool]]] = [[] for _ in range(days)]
    for i in range(n):
        chosen = np.sort(rng.choice(days, size=int(counts[i]), replace=False))
        req = set(rng.choice(chosen, size=min(int(mins[i]), len(chosen)), replace=False).tolist())
        for d in chosen:
            visit_days[int(d)].append((i, int(d) in req))

    route_rows: list[dict] = []
    stop_rows: list[dict] = []
    feasible = True
    timed_out = 0  # solves stopped by the clock (not reproducible across machines)
    carry: list[int] = []  # required visits that did not fit, moved on
    done = np.zeros(n, int)
    bal_applied, bal_before, bal_after = 0, 0.0, 0.0  # shifts rebalanced, longest route (s)
    for d in range(days):
        todo = {i: r for i, r in visit_days[d]}
        for i in carry:
            todo[i] = True
        carry = []
        shift_of_unit = rng.integers(0, len(shift_starts), size=len(units))
        active = sorted(set(shift_of_unit.tolist()))
        # spread the day's visits over the shifts being worked, by number of units
        w = np.array([np.sum(shift_of_unit == s) for s in active], float)
        items = sorted(todo)
        slot = {i: active[int(rng.choice(len(active), p=w / w.sum()))] for i in items}
        for s in active:
            s_items = [i for i in items if slot[i] == s]
            u_idx = [int(u) for u in np.flatnonzero(shift_of_unit == s)]
            start = day0 + pd.Timedelta(days=d) + offsets[s]
            if not s_items:
                r_rows, _, _ = _route_rows(
                    net, units, u_idx, np.array([], int), np.array([]), None, start,
                    shift_s[u_idx], dwell_s, per_solve, seed, d + 1, shift_starts[s],
                )  # fmt: skip
                route_rows += r_rows
                continue
            idx = np.array(s_items, int)
            required = np.array([todo[i] for i in s_items], bool)
            r_rows, s_rows, info = _route_rows(
                net, units, u_idx, idx, risk[idx], required, start, shift_s[u_idx],
                dwell_s, per_solve, seed + 1000 * d + s, d + 1, shift_starts[s], balance,
            )  # fmt: skip
            b = info["solver"].get("balance", {})
            bal_applied += bool(b.get("applied"))
            if "longest_before" in b:
                bal_before = max(bal_before, float(b["longest_before"]))
                bal_after = max(bal_after, float(b["longest_after"]))
            feasible &= info["feasible"]
            timed_out += info["solver"].get("stopped_by") == "time"
            route_rows += r_rows
            stop_rows += s_rows
            visited = set(info["visited"])
            for i in visited:
                done[i] += 1
            carry += [i for i, r in zip(s_items, required, strict=True) if r and i not in visited]

    routes, stop_df = _frames(route_rows, stop_rows)
    short = [
        {"area": stops["area"].iloc[i], "min": int(mins[i]), "visits": int(done[i])}
        for i in range(n)
        if done[i] < mins[i]
    ]
    if short:
        warnings.warn(
            f"{len(short)} key area(s) got fewer visits than their minimum; add units, "
            "lengthen shifts or lower the minimum (see meta['shortfall'])",
            HotspotsWarning,
            stacklevel=2,
        )
    meta = {
        "travel": travel.describe(),
        "solver": probe["solver"] | {"time_limit_per_shift": per_solve},
        "feasible": bool(feasible),
        "solves_stopped_by_time": int(timed_out),
        "units": len(units),
        "areas": n,
        "days": days,
        "start_date": str(day0.date()),
        "shift_starts": list(shift_starts),
        "shift_hours": shift_hours,
        "dwell_min": dwell_min,
        "seed": seed,
        "capacity_estimate": int(capacity),
        "planned_visits": int(counts.sum()),
        "made_visits": int(done.sum()),
        "min_visits_met": not short,
        "shortfall": short,
        "risk_total": float(risk.sum()),
        "balance": {
            "enabled": bool(balance),
            "applied": bal_applied > 0,
            "shifts_rebalanced": int(bal_applied),
            "longest_before_min": bal_before / 60.0,
            "longest_after_min": bal_after / 60.0,
        },
    }
    return PatrolPlan(routes, stop_df, None, meta)
