"""Weekly patrol schedule: risk-proportional, randomised, within each unit's and area's rules.

1. Every day, the units on duty (not on a day off) each work one shift: their own
   ``shift_start``, or one of ``shift_starts`` drawn at random every day, so nobody can
   tell from one week when the next patrol comes.
2. The number of visits of each key area in the week is its minimum plus a multinomial
   draw, over the remaining capacity, with probabilities proportional to risk (a
   coverage distribution, as in randomised patrolling games), at most one visit per
   day and at most the area's ``max_visits``.
3. The visits of an area are spread over randomly drawn days among those it may be
   visited on (its ``days``, e.g. market days, and a unit allowed there on duty).
4. Each day is routed as one team orienteering problem over the units on duty: each
   unit with its own vehicle's travel times, shift start and length and allowed areas,
   each visit starting within its area's time window. Minimum-frequency visits carry
   so much score that the solver takes them whenever they fit; one that does not fit
   moves to the next day the area may be visited.

Seeded: same inputs and seed → same schedule (exactly so when every routing solve
stops on its no-improvement criterion; ``meta["solves_stopped_by_time"]`` counts those
that hit the clock instead); another seed (e.g. the week number) gives another pattern.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.errors import HotspotsWarning, InputError
from hotspots.plan.constraints import AreaRules, area_rules, unit_allowed, unit_shift_starts
from hotspots.plan.patrols import (
    PatrolPlan,
    _check_dwell,
    _frames,
    _hhmm,
    _Network,
    _route_rows,
    _unit_shift_seconds,
    _vehicle_counts,
    _windows_meta,
    area_stops,
    local_day,
)
from hotspots.plan.travel import TravelModel, straight_line
from hotspots.plan.units import on_duty

__all__ = ["weekly_schedule", "visit_counts"]


def visit_counts(
    risk: np.ndarray,
    min_visits: np.ndarray,
    capacity: int,
    days: int | np.ndarray,
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
        Most visits of each area (a number for all, or one per area): the days it may
        be visited on (at most one visit a day), capped by its maximum visits.
    rng
        Random generator.
    """
    cap = np.broadcast_to(np.asarray(days, int), np.shape(risk))
    counts = np.minimum(np.asarray(min_visits, int), cap).astype(int)
    extra = int(capacity) - int(counts.sum())
    p = np.asarray(risk, float).clip(0)
    while extra > 0:
        room = counts < cap
        w = np.where(room, p, 0.0)
        if w.sum() <= 0:
            w = room.astype(float)
            if w.sum() == 0:
                break
        draw = rng.multinomial(extra, w / w.sum())
        new = np.minimum(counts + draw, cap)
        extra -= int((new - counts).sum())
        counts = new
        if not (counts < cap).any() or draw.sum() == 0:
            break
    return counts


@dataclass
class _Week:
    """Everything fixed for the period: stops, rules, units and the clock."""

    stops: gpd.GeoDataFrame
    risk: np.ndarray
    rules: AreaRules
    allowed: np.ndarray  # (n_units, n_areas)
    duty: np.ndarray  # (days, n_units)
    ok: np.ndarray  # (days, n_areas): the area may be visited that day
    own_start: np.ndarray  # seconds after midnight, nan = drawn
    offsets: list[float]
    shift_s: np.ndarray
    dwell_s: float
    day0: pd.Timestamp
    net: _Network
    per_solve: float

    def date(self, d: int) -> pd.Timestamp:
        """Local midnight of day ``d`` (0-based)."""
        return self.day0 + pd.Timedelta(days=d)

    def solve_limit(self, balance: bool) -> float:
        """Time limit to give one solve so that, balancing included, it keeps its share.

        Balancing re-solves up to 3 times with a quarter of the limit each
        (:func:`~hotspots.plan.orienteering.solve_top_matrix`): 1.75 limits in all.
        """
        return max(0.25, self.per_solve / (1.75 if balance else 1.0))


def weekly_schedule(
    areas: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    travel: TravelModel | None = None,
    days: int = 7,
    start_date: str | pd.Timestamp | None = None,
    shift_starts: tuple[str, ...] = ("06:00", "14:00", "22:00"),
    shift_hours: float = 8.0,
    dwell_min: float = 12.0,
    min_visits: int | str = 1,
    seed: int = 0,
    time_limit: float = 40.0,
    balance: bool = True,
    max_visits: int | None = None,
) -> PatrolPlan:
    """Plan ``days`` days of patrols over the key areas.

    Parameters
    ----------
    areas
        Key areas (EPSG:4326); risk from ``score``, else ``cases``, else 1. Optional
        ``time_window``, ``days``, ``min_visits`` and ``max_visits`` per area
        (:mod:`hotspots.plan.constraints`).
    units
        Units table (:mod:`hotspots.plan.units`): ``unit``, ``base``, base geometry and
        optional ``vehicle``, ``speed_kmh``, ``shift_start``, ``shift_hours``,
        ``days_off``, ``areas``.
    travel
        Travel model (default: straight line); each vehicle travels it at its speeds.
    days
        Number of days.
    start_date
        First day (local date); default: the next Monday in Asia/Ho_Chi_Minh.
    shift_starts
        Possible shift starts (``HH:MM``) of units without their own; each such unit
        works one shift per day, drawn at random among these.
    shift_hours
        Shift length of units without their own ``shift_hours``.
    dwell_min
        Minutes at each stop.
    min_visits
        Minimum visits per area in the period for areas without their own
        ``min_visits``: a number, or the name of a column of ``areas``.
    seed
        Random seed (use e.g. the ISO week number to vary weeks reproducibly).
    time_limit
        Total seconds for the routing solver, shared over all days.
    balance
        Each day whose visits all fit, spread them over the day's units (shorten the
        longest route) without dropping a visit. ``meta["balance"]`` counts the days
        rebalanced and gives the longest route of the week before and after, in minutes.
    max_visits
        Maximum visits per area in the period for areas without their own
        ``max_visits`` (default: no bound but one a day).

    Returns
    -------
    PatrolPlan
        ``meta["min_visits_met"]`` says whether every area got its minimum, and
        ``meta["shortfall"]`` lists the areas that did not (a warning is issued too).
    """
    w = _setup_week(
        areas, units, travel or straight_line(), days, start_date, shift_starts,
        shift_hours, dwell_min, min_visits, max_visits, time_limit,
    )  # fmt: skip
    rng = np.random.default_rng(seed)
    capacity, probe = _capacity(w, units, seed)
    counts, visit_days = _draw_visits(w, capacity, rng)
    done, route_rows, stop_rows, stats = _route_week(w, units, visit_days, rng, seed, balance)
    routes, stop_df = _frames(route_rows, stop_rows)
    short = _shortfall(w, done)
    meta = {
        "travel": w.net.travel_meta(routes),
        "solver": probe["solver"] | {"time_limit_per_day": w.per_solve},
        "units": len(units),
        "vehicles": _vehicle_counts(units),
        "units_off": _units_off(w, units),
        "areas": len(w.stops),
        "days": days,
        "start_date": str(w.day0.date()),
        "shift_starts": list(shift_starts),
        "shift_hours": shift_hours,
        "dwell_min": dwell_min,
        "seed": seed,
        "capacity_estimate": int(capacity),
        "planned_visits": int(counts.sum()),
        "made_visits": int(done.sum()),
        "min_visits_met": not short,
        "shortfall": short,
        "max_visits": _max_visits_meta(w, done),
        "time_windows": _windows_meta(stop_df),
        "risk_total": float(w.risk.sum()),
    } | stats
    return PatrolPlan(routes, stop_df, None, meta)


def _setup_week(
    areas, units, travel, days, start_date, shift_starts, shift_hours, dwell_min,
    min_visits, max_visits, time_limit,
) -> _Week:  # fmt: skip
    """Validate the inputs and fix what holds for the whole period.

    Raises
    ------
    InputError
        Bad days, no units, no shift starts, a minimum that cannot fit in the period or
        on the area's own days, or a bad area/unit rule.
    """
    if days < 1:
        raise InputError(f"days must be >= 1, got {days}")
    if len(units) == 0:
        raise InputError("no patrol units: give a units file or bases")
    if not shift_starts:
        raise InputError("give at least one shift start time")
    offsets = [_hhmm(s).total_seconds() for s in shift_starts]
    stops = area_stops(areas)
    ids = stops["area"].tolist()
    rules = area_rules(areas, ids, min_visits, max_visits)
    if np.any(rules.min_visits > days):
        raise InputError(
            f"a minimum of {rules.min_visits.max()} visits cannot fit in {days} days "
            "(one visit a day)"
        )
    day0 = local_day(start_date)
    dates = [day0 + pd.Timedelta(days=d) for d in range(days)]
    area_days = np.array([rules.day_ok(t) for t in dates])  # (days, n)
    _check_area_days(rules, area_days, ids)
    allowed = unit_allowed(units, areas)
    duty = np.array([on_duty(units, t) for t in dates])  # (days, n_units)
    ok = area_days & ((duty.astype(int) @ allowed.astype(int)) > 0)
    return _Week(
        stops, stops["score"].to_numpy(float), rules, allowed, duty, ok,
        unit_shift_starts(units), offsets, _unit_shift_seconds(units, shift_hours),
        _check_dwell(dwell_min), day0, _Network(stops, units, travel),
        max(0.5, time_limit / (days + 1)),
    )  # fmt: skip


def _check_area_days(rules: AreaRules, area_days: np.ndarray, ids: list[str]) -> None:
    """Raise when an area's minimum exceeds the days it may be visited on (``days``)."""
    n_ok = area_days.sum(axis=0)
    bad = np.flatnonzero(rules.min_visits > n_ok)
    if bad.size:
        i = int(bad[0])
        raise InputError(
            f"key area {ids[i]}: minimum {rules.min_visits[i]} visits but it may be visited "
            f"on only {n_ok[i]} day(s) of the period (days {rules.days_text[i]!r}); lower "
            "min_visits or add days"
        )


def _starts_of_day(w: _Week, u_idx: list[int], rng: np.random.Generator) -> np.ndarray:
    """Shift start (seconds after midnight) of each unit: its own, else drawn."""
    drawn = np.array(w.offsets)[rng.integers(0, len(w.offsets), size=len(u_idx))]
    own = w.own_start[u_idx]
    return np.where(np.isfinite(own), own, drawn)


def _capacity(w: _Week, units, seed: int) -> tuple[int, dict]:
    """Visits the units can make in the period: one day of every unit over every area.

    The stops reached in that probe, times the unit-days on duty over the units.
    """
    u_idx = list(range(len(units)))
    starts = np.where(np.isfinite(w.own_start), w.own_start, w.offsets[0])
    _, _, probe = _route_rows(
        w.net, units, u_idx, np.arange(len(w.stops)), w.risk, None, w.day0, starts,
        w.shift_s, w.dwell_s, w.solve_limit(False), seed, 0, False, w.rules, w.allowed,
    )  # fmt: skip
    share = w.duty.sum() / max(len(units), 1)
    return int(round(len(probe["visited"]) * share)), probe


def _draw_visits(
    w: _Week, capacity: int, rng: np.random.Generator
) -> tuple[np.ndarray, list[list[tuple[int, bool]]]]:
    """Visits per area and, per day, the ``(area, required)`` visits planned."""
    n_days, n = w.ok.shape
    cap = np.minimum(w.ok.sum(axis=0), w.rules.max_visits)
    mins = np.minimum(w.rules.min_visits, cap)
    counts = visit_counts(w.risk, mins, capacity, cap, rng)
    visit_days: list[list[tuple[int, bool]]] = [[] for _ in range(n_days)]
    for i in range(n):
        chosen = np.sort(rng.choice(np.flatnonzero(w.ok[:, i]), size=int(counts[i]), replace=False))
        req = set(rng.choice(chosen, size=min(int(mins[i]), len(chosen)), replace=False).tolist())
        for d in chosen:
            visit_days[int(d)].append((i, int(d) in req))
    return counts, visit_days


def _route_week(w: _Week, units, visit_days, rng, seed: int, balance: bool):
    """Route every day; a required visit that does not fit moves to the next day it may.

    Returns visits made per area, route rows, stop rows and solver statistics.
    """
    n_days, n = w.ok.shape
    done = np.zeros(n, int)
    route_rows: list[dict] = []
    stop_rows: list[dict] = []
    carry: set[int] = set()
    feasible, timed_out, bal_applied, bal_before, bal_after = True, 0, 0, 0.0, 0.0
    for d in range(n_days):
        todo = {i: r for i, r in visit_days[d]}
        for i in [i for i in carry if w.ok[d, i]]:
            todo[i] = True
            carry.discard(i)
        u_idx = [int(u) for u in np.flatnonzero(w.duty[d])]
        if not u_idx:
            carry |= {i for i, r in todo.items() if r}
            continue
        idx = np.array(sorted(todo), int)
        required = np.array([todo[i] for i in idx], bool) if len(idx) else None
        r_rows, s_rows, info = _route_rows(
            w.net, units, u_idx, idx, w.risk[idx], required, w.date(d),
            _starts_of_day(w, u_idx, rng), w.shift_s[u_idx], w.dwell_s, w.solve_limit(balance),
            seed + 1000 * d, d + 1, balance and len(idx) > 0, w.rules, w.allowed,
        )  # fmt: skip
        route_rows += r_rows
        stop_rows += s_rows
        feasible &= info["feasible"]
        timed_out += info["solver"].get("stopped_by") == "time"
        b = info["solver"].get("balance", {})
        bal_applied += bool(b.get("applied"))
        if "longest_before" in b:
            bal_before = max(bal_before, float(b["longest_before"]))
            bal_after = max(bal_after, float(b["longest_after"]))
        visited = set(info["visited"])
        for i in visited:
            done[i] += 1
        carry |= {int(i) for i in idx if todo[int(i)] and int(i) not in visited}
    stats = {
        "feasible": bool(feasible),
        "solves_stopped_by_time": int(timed_out),
        "balance": {
            "enabled": bool(balance),
            "applied": bal_applied > 0,
            "shifts_rebalanced": int(bal_applied),
            "longest_before_min": bal_before / 60.0,
            "longest_after_min": bal_after / 60.0,
        },
    }
    return done, route_rows, stop_rows, stats


def _shortfall(w: _Week, done: np.ndarray) -> list[dict]:
    """Areas below their minimum (warned), with the reason when no unit could go."""
    short = []
    for i in np.flatnonzero(done < w.rules.min_visits):
        row = {
            "area": w.stops["area"].iloc[i],
            "min": int(w.rules.min_visits[i]),
            "visits": int(done[i]),
        }
        if not w.ok[:, i].any():
            row["reason"] = "no unit allowed there is on duty on a day the area may be visited"
        short.append(row)
    if short:
        warnings.warn(
            f"{len(short)} key area(s) got fewer visits than their minimum; add units, "
            "lengthen shifts, widen their areas or lower the minimum (see meta['shortfall'])",
            HotspotsWarning,
            stacklevel=3,
        )
    return short


def _units_off(w: _Week, units) -> list[dict]:
    """Unit and date of every day off in the period."""
    return [
        {"unit": str(units["unit"].iloc[u]), "date": str(w.date(d).date())}
        for d, u in zip(*np.nonzero(~w.duty), strict=True)
    ]


def _max_visits_meta(w: _Week, done: np.ndarray) -> dict:
    """Areas with a maximum, and whether every one was kept."""
    bounded = np.flatnonzero(w.rules.max_visits < np.iinfo(np.int32).max)
    return {
        "areas_with_max": int(bounded.size),
        "all_within_max": bool((done <= w.rules.max_visits).all()),
    }
