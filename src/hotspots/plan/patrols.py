"""Patrol routes over key areas, one shift at a time, and the PatrolPlan result.

Each unit leaves its base at the start of its shift, visits key-area stops with a
dwell of 10-15 minutes at each (Koper 1995: the residual deterrence of a stop peaks
around that length), and is back within its shift. Units together cover the most risk:
a team orienteering problem (:mod:`hotspots.plan.orienteering`).

A :class:`PatrolPlan` carries no case ids and no PII: only areas, stops and routes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point

from hotspots.data.crs import WGS84
from hotspots.errors import InputError
from hotspots.plan.checkpoints import CheckpointPlan, flow_weights
from hotspots.plan.orienteering import solve_top_matrix
from hotspots.plan.travel import Leg, TravelModel, TravelTable, distinct_roads, straight_line

__all__ = ["PatrolPlan", "plan_patrols", "area_stops", "next_monday", "vehicle_matrices", "TZ"]

TZ = "Asia/Ho_Chi_Minh"

STOP_COLUMNS = [
    "unit", "base", "vehicle", "day", "date", "shift", "order", "area", "area_name", "score",
    "time_window", "arrival", "dwell_min", "departure", "leg_model", "geometry",
]  # fmt: skip
ROUTE_COLUMNS = [
    "unit", "base", "vehicle", "day", "date", "shift", "start", "end", "n_stops", "score",
    "distance_km", "duration_min", "shift_min", "roads", "leg_model", "geometry",
]  # fmt: skip


@dataclass
class PatrolPlan:
    """Patrol routes per unit and shift, with their stops.

    Attributes
    ----------
    routes
        One row per unit-shift: ``unit``, ``base``, ``day`` (1-based), ``date``,
        ``shift`` (start ``HH:MM``), ``start``/``end`` (timestamps), ``n_stops``,
        ``score`` (risk covered), ``distance_km``, ``duration_min``, ``shift_min``,
        geometry (LineString, EPSG:4326).
    stops
        One row per visit: ``unit``, ``base``, ``day``, ``date``, ``shift``, ``order``
        (1-based), ``area`` (key-area id), ``area_name``, ``score``, ``arrival``,
        ``dwell_min``, ``departure``, geometry (Point).
    checkpoints
        Checkpoint sites, if planned together.
    meta
        Travel model, solver, parameters, minimum-frequency check.
    """

    routes: gpd.GeoDataFrame
    stops: gpd.GeoDataFrame
    checkpoints: CheckpointPlan | None = None
    meta: dict = field(default_factory=dict)

    def to_gdf(self) -> gpd.GeoDataFrame:
        """Return the routes table."""
        return self.routes.copy()

    def visits(self) -> pd.Series:
        """Number of visits per key area (``area`` id)."""
        return self.stops.groupby("area").size()

    def to_file(self, path: str | Path) -> Path:
        """Write routes, stops (and checkpoints) to a GeoPackage or GeoJSON.

        ``.gpkg``: layers ``routes``, ``stops``, ``checkpoints``. Other extensions:
        a GeoJSON of routes, and ``<stem>_stops``/``<stem>_checkpoints`` beside it.
        """
        from hotspots.plan.export import write_geo

        return write_geo(self, path)

    def explore(
        self, area=None, synthetic: bool = False, lang: str = "vi", roads=None, places=None
    ):
        """Return an offline map (no CDN, no tiles) of the routes and checkpoints.

        Parameters
        ----------
        area
            Province name/code or boundary for the base map (default: fit to routes).
        synthetic
            Mark the map as made from synthetic data.
        lang
            ``"vi"`` or ``"en"`` labels.
        roads, places
            Main roads and place names of the base map (:func:`hotspots.maps.base_map`;
            default: the bundled ones of the province ``area``).
        """
        from hotspots.maps import add_checkpoints, add_patrol_routes, base_map

        m = base_map(area, lang=lang, synthetic=synthetic, roads=roads, places=places)
        add_patrol_routes(m, _plain(self.routes))
        if self.checkpoints is not None and len(self.checkpoints.sites):
            add_checkpoints(m, self.checkpoints.sites)
        return m


def _plain(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    for c in out.columns:
        if c != "geometry" and pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].astype(str)
    return out


def area_stops(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return one stop per key area: ``area`` id, ``area_name``, ``score``, Point.

    The stop is the area's representative point (inside the polygon). The id is the
    ``rank`` column when present, else the 1-based row number; the name is ``name``,
    else "Địa bàn <id> (<communes>)"; the score is ``score``, else ``cases``, else 1.
    """
    if len(areas) == 0:
        raise InputError("no key areas to patrol")
    a = areas if areas.crs is not None else areas.set_crs(WGS84)
    a = a.to_crs(WGS84)
    ids = (
        a["rank"].astype(str).to_numpy()
        if "rank" in a
        else np.array([str(i + 1) for i in range(len(a))])
    )
    if len(set(ids)) != len(ids):
        ids = np.array([str(i + 1) for i in range(len(a))])
    if "name" in a:
        names = a["name"].astype(str).to_numpy()
    elif "communes" in a:  # key areas name the communes they touch
        names = np.array(
            [
                f"Địa bàn {i} ({c})" if isinstance(c, str) and c else f"Địa bàn {i}"
                for i, c in zip(ids, a["communes"], strict=True)
            ]
        )
    else:
        names = np.array([f"Địa bàn {i}" for i in ids])
    pts = a.geometry.representative_point()
    return gpd.GeoDataFrame(
        {"area": ids, "area_name": names, "score": flow_weights(a)},
        geometry=pts.to_numpy(),
        crs=WGS84,
    )


def _hhmm(s: str) -> pd.Timedelta:
    try:
        h, m = str(s).split(":")
        td = pd.Timedelta(hours=int(h), minutes=int(m))
    except ValueError as exc:
        raise InputError(f"shift start must look like 07:00, got {s!r}") from exc
    if not pd.Timedelta(0) <= td < pd.Timedelta(days=1):
        raise InputError(f"shift start must be within the day, got {s!r}")
    return td


def _profiles(units: gpd.GeoDataFrame) -> tuple[list[tuple[str, float]], np.ndarray]:
    """Distinct ``(vehicle, own speed)`` of the units and each unit's index among them.

    Vehicles may be written as in a units file (``xe máy``); empty means ``car``.
    """
    from hotspots.plan.units import parse_vehicle

    veh = units["vehicle"].map(parse_vehicle) if "vehicle" in units else ["car"] * len(units)
    spd = (
        pd.to_numeric(units["speed_kmh"], errors="coerce")
        if "speed_kmh" in units
        else pd.Series(np.nan, units.index)
    )
    keys = [(v, x if np.isfinite(x) else -1.0) for v, x in zip(veh, spd, strict=True)]
    uniq = list(dict.fromkeys(keys))
    index = np.array([uniq.index(k) for k in keys], int)
    return [(v, s if s > 0 else np.nan) for v, s in uniq], index


def vehicle_matrices(
    travel: TravelModel, points: gpd.GeoSeries, vehicle: str, speed_kmh: float = np.nan
) -> tuple[np.ndarray, np.ndarray]:
    """Distance (m) and time (s) matrices of ``points`` for one vehicle.

    The travel model's own roads and speeds for ``vehicle`` (:meth:`TravelModel.for_vehicle`);
    a unit's own ``speed_kmh`` replaces the speeds: time = distance / speed.
    """
    t = _vehicle_table(travel, points, vehicle, speed_kmh)
    return t.distance_m, t.time_s


def _vehicle_table(travel, points, vehicle, speed_kmh=np.nan, names=None) -> TravelTable:
    """:func:`vehicle_matrices` with the model of every leg.

    The travel model warns, naming the places the road network does not connect.
    """
    t = travel.table(points, vehicle=vehicle, names=names)
    if np.isfinite(speed_kmh) and speed_kmh > 0:
        t.time_s = t.distance_m / (float(speed_kmh) / 3.6)
    return t


class _Network:
    """Travel matrices over stops + bases, one pair per vehicle profile, computed once."""

    def __init__(self, stops: gpd.GeoDataFrame, units: gpd.GeoDataFrame, travel: TravelModel):
        self.stops = stops
        self.travel = travel
        base_pts = units.geometry.to_crs(WGS84)
        keys = [(round(p.x, 7), round(p.y, 7)) for p in base_pts]
        uniq = list(dict.fromkeys(keys))
        self.base_index = np.array([len(stops) + uniq.index(k) for k in keys])
        pts = list(stops.geometry) + [Point(k) for k in uniq]
        self.points = pts
        self.profiles, self.unit_profile = _profiles(units)
        series = gpd.GeoSeries(pts, crs=WGS84)
        bases = dict(zip(keys, units["base"].astype(str), strict=True))
        names = [f"địa bàn {n}" for n in stops["area_name"].astype(str)]
        names += [f"căn cứ {bases[k]}" for k in uniq]
        tabs = [_vehicle_table(travel, series, v, s, names) for v, s in self.profiles]
        self.dists = [t.distance_m for t in tabs]
        self.times = [t.time_s for t in tabs]
        self.leg_models = [t.leg_model for t in tabs]
        self.unconnected = list(dict.fromkeys(names[i] for t in tabs for i in t.unconnected))
        self._legs: dict[tuple[int, int, str], Leg] = {}

    def vehicle(self, unit: int) -> str:
        """Vehicle of unit ``unit`` (row of the units table)."""
        return self.profiles[int(self.unit_profile[unit])][0]

    def leg(self, a: int, b: int, vehicle: str = "car") -> Leg:
        """The leg from location ``a`` to ``b`` for ``vehicle``: path, roads, model."""
        if (a, b, vehicle) not in self._legs:
            self._legs[(a, b, vehicle)] = self.travel.leg(self.points[a], self.points[b], vehicle)
        return self._legs[(a, b, vehicle)]

    def path(self, a: int, b: int, vehicle: str = "car") -> LineString:
        """Drawn path from location ``a`` to ``b`` for ``vehicle``."""
        return self.leg(a, b, vehicle).geometry

    def travel_meta(self, routes: pd.DataFrame) -> dict:
        """The travel model's description with the legs per model and unconnected places."""
        legs = [m for text in routes["leg_model"] for m in str(text).split("; ") if m]
        return self.travel.describe() | {
            "legs": {str(k): int(v) for k, v in pd.Series(legs).value_counts().items()},
            "unconnected": self.unconnected,
        }


def _clock(seconds: float) -> str:
    """``HH:MM`` of seconds after midnight (wrapping past midnight)."""
    m = int(round(float(seconds) / 60.0)) % (24 * 60)
    return f"{m // 60:02d}:{m % 60:02d}"


def _solve_shift(
    net: _Network,
    unit_idx: list[int],
    stop_idx: np.ndarray,
    scores: np.ndarray,
    required: np.ndarray | None,
    starts_s: np.ndarray,
    shift_s: np.ndarray,
    dwell_s: float,
    time_limit: float,
    seed: int,
    balance: bool,
    rules=None,
    allowed: np.ndarray | None = None,
):
    """Route ``unit_idx`` over ``stop_idx`` on the day's clock; return (solution, locations).

    Each unit uses its vehicle's travel matrix, leaves at ``starts_s`` (seconds after
    midnight), is back within its ``shift_s``, visits only its ``allowed`` stops and
    starts each visit within the stop's window (``rules``).
    """
    bases = net.base_index[unit_idx]
    loc = np.concatenate([stop_idx, np.unique(bases)]).astype(int)
    pos = {int(v): i for i, v in enumerate(loc)}
    prof = net.unit_profile[unit_idx]
    used = list(dict.fromkeys(prof.tolist()))
    mats = [net.times[p][np.ix_(loc, loc)] for p in used]
    starts = np.array([pos[int(b)] for b in bases])
    extra = {}
    if len(used) > 1:
        extra["vehicle_times"] = mats
        extra["vehicle_profile"] = np.array([used.index(p) for p in prof.tolist()], int)
    if rules is not None and len(stop_idx):
        extra["time_windows"] = rules.windows_on_clock(stop_idx)
    if allowed is not None and len(stop_idx):
        extra["allowed"] = allowed[np.ix_(unit_idx, stop_idx)]
    sol = solve_top_matrix(
        mats[0], scores, starts, starts, shift_s, service_time=dwell_s,
        time_limit=time_limit, seed=seed, required=required, balance=balance,
        shift_start=np.asarray(starts_s, float), **extra,
    )  # fmt: skip
    return sol, loc


def _route_rows(
    net: _Network,
    units: gpd.GeoDataFrame,
    unit_idx: list[int],
    stop_idx: np.ndarray,
    scores: np.ndarray,
    required: np.ndarray | None,
    day0: pd.Timestamp,
    starts_s: np.ndarray,
    shift_s: np.ndarray,
    dwell_s: float,
    time_limit: float,
    seed: int,
    day: int,
    balance: bool = True,
    rules=None,
    allowed: np.ndarray | None = None,
) -> tuple[list[dict], list[dict], dict]:
    """Solve one day (or shift) for the given units over the given stops; return rows.

    ``day0`` is the day's local midnight; ``starts_s`` each unit's shift start in
    seconds after it. ``rules`` (:class:`~hotspots.plan.constraints.AreaRules`, indexed
    like ``net.stops``) gives time windows; ``allowed`` (units x all stops) the areas
    each unit may patrol.
    """
    sol, loc = _solve_shift(
        net, unit_idx, stop_idx, scores, required, starts_s, shift_s, dwell_s,
        time_limit, seed, balance, rules, allowed,
    )  # fmt: skip
    route_rows, stop_rows = [], []
    for v, u in enumerate(unit_idx):
        r_row, s_rows = _unit_rows(
            net, units, u, sol, v, loc, scores, day0, starts_s[v], day, dwell_s
        )
        r_row["shift_min"] = float(shift_s[v]) / 60.0
        for s_row in s_rows:
            k = s_row.pop("_stop")
            s_row["time_window"] = rules.window_text[k] if rules is not None else ""
        route_rows.append(r_row)
        stop_rows += s_rows
    info = {
        "score": sol.score,
        "feasible": sol.feasible,
        "repaired": sol.repaired,
        "visited": [int(stop_idx[k]) for k in sol.visited],
        "solver": sol.solver,
    }
    return route_rows, stop_rows, info


def _unit_rows(net, units, u, sol, v, loc, scores, day0, start_s, day, dwell_s):
    """The route row and stop rows of vehicle ``v`` (unit ``u``) of a solution.

    Arrivals are the solver's (after any wait for a window to open); without them
    (an older solver), travel and dwell are added up from the shift start.
    """
    unit = units.iloc[u]
    vehicle = net.vehicle(u)
    prof = int(net.unit_profile[u])
    seq = [int(loc[k]) for k in sol.routes[v]]
    home = int(net.base_index[u])
    nodes = [home, *seq, home]
    start = day0 + pd.Timedelta(seconds=float(start_s))
    arrivals = sol.arrivals[v] if getattr(sol, "arrivals", None) else None
    common = {"unit": unit["unit"], "base": unit["base"], "vehicle": vehicle, "day": day,
              "date": day0, "shift": _clock(start_s)}  # fmt: skip
    stop_rows, geoms, dist, t = [], [], 0.0, start
    roads, models = [], []
    dwell = pd.Timedelta(seconds=dwell_s)
    for k, (a, b) in enumerate(zip(nodes[:-1], nodes[1:], strict=True)):
        dist += float(net.dists[prof][a, b])
        if a != b:
            leg = net.leg(a, b, vehicle)
            geoms.append(leg.geometry)
            roads += leg.roads
            models.append(str(net.leg_models[prof][a, b]))
        if k == len(seq):
            break
        t = t + pd.Timedelta(seconds=float(net.times[prof][a, b]))
        if arrivals:
            t = day0 + pd.Timedelta(seconds=float(arrivals[k]))
        stop = net.stops.iloc[b]
        stop_rows.append(
            common
            | {
                "order": k + 1,
                "area": stop["area"],
                "area_name": stop["area_name"],
                "score": float(scores[sol.routes[v][k]]),
                "arrival": t.round("s"),
                "dwell_min": dwell_s / 60.0,
                "departure": (t + dwell).round("s"),
                "leg_model": str(net.leg_models[prof][a, b]),
                "geometry": stop.geometry,
                "_stop": b,
            }
        )
        t = t + dwell
    end = start + pd.Timedelta(seconds=float(sol.times[v]))
    route = common | {
        "start": start, "end": end.round("s"), "n_stops": len(seq),
        "score": float(sum(scores[k] for k in sol.routes[v])), "distance_km": dist / 1000.0,
        "duration_min": float(sol.times[v]) / 60.0, "geometry": _route_line(net, geoms, home),
        "roads": " → ".join(distinct_roads(roads)), "leg_model": "; ".join(models),
    }  # fmt: skip
    return route, stop_rows


def _route_line(net: _Network, geoms: list[LineString], home: int) -> LineString:
    """The legs of a route joined into one line (a point's line if it stays home)."""
    coords: list = []
    for g in geoms:
        c = list(g.coords)
        coords.extend(c if not coords else c[1:])
    if len(coords) < 2:
        p = net.points[home]
        coords = [(p.x, p.y), (p.x, p.y)]
    return LineString(coords)


def _unit_shift_seconds(units: gpd.GeoDataFrame, shift_hours: float) -> np.ndarray:
    if not 0 < shift_hours <= 24:
        raise InputError(f"shift length must be in (0, 24] hours, got {shift_hours}")
    if "shift_hours" in units:
        sh = pd.to_numeric(units["shift_hours"], errors="coerce").to_numpy(dtype=float)
        return np.where(np.isfinite(sh), sh, shift_hours) * 3600.0
    return np.full(len(units), shift_hours * 3600.0)


def _check_dwell(dwell_min: float) -> float:
    if not 0 <= dwell_min <= 120:
        raise InputError(f"dwell must be between 0 and 120 minutes, got {dwell_min}")
    return float(dwell_min) * 60.0


def _frames(route_rows: list[dict], stop_rows: list[dict]):
    routes = gpd.GeoDataFrame(
        pd.DataFrame(route_rows, columns=ROUTE_COLUMNS), geometry="geometry", crs=WGS84
    )
    stops = gpd.GeoDataFrame(
        pd.DataFrame(stop_rows, columns=STOP_COLUMNS), geometry="geometry", crs=WGS84
    )
    return routes, stops


def next_monday(today: pd.Timestamp | None = None) -> pd.Timestamp:
    """The Monday after ``today`` (default: now in Asia/Ho_Chi_Minh), a naive date.

    A Monday gives the Monday a week later: a plan is made ahead of its week.
    """
    from hotspots.config import next_monday as monday_after

    now = pd.Timestamp.now(tz=TZ) if today is None else pd.Timestamp(today)
    day = (now.tz_convert(TZ) if now.tzinfo else now).date()
    return pd.Timestamp(monday_after(day))  # one rule with the report (hotspots.config)


def local_day(date: str | pd.Timestamp | None) -> pd.Timestamp:
    """Local midnight (Asia/Ho_Chi_Minh) of ``date``; ``None`` = :func:`next_monday`.

    Raises
    ------
    InputError
        When ``date`` is not a date (``2024-13-01``).
    """
    if date is None:
        date = next_monday()
    try:
        day = pd.Timestamp(date)
    except (ValueError, TypeError) as exc:
        raise InputError(f"{date!r} is not a date; write it as YYYY-MM-DD") from exc
    if day is pd.NaT:
        raise InputError(f"{date!r} is not a date; write it as YYYY-MM-DD")
    return (day.tz_localize(TZ) if day.tzinfo is None else day.tz_convert(TZ)).normalize()


def plan_patrols(
    areas: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    travel: TravelModel | None = None,
    shift_hours: float = 8.0,
    shift_start: str = "07:00",
    dwell_min: float = 12.0,
    date: str | pd.Timestamp | None = None,
    time_limit: float = 10.0,
    seed: int = 0,
    balance: bool = True,
) -> PatrolPlan:
    """Plan one shift of patrols: each unit's route over the key areas.

    Parameters
    ----------
    areas
        Key areas (polygons or points, EPSG:4326); weight ``score``, else ``cases``,
        else 1. Each area is one stop, at its representative point. Optional
        ``time_window`` and ``days`` (:mod:`hotspots.plan.constraints`): a visit starts
        within the window; an area whose ``days`` exclude ``date`` is not visited.
    units
        Units table (:mod:`hotspots.plan.units`): ``unit``, ``base``, geometry of the
        base, optional ``vehicle``, ``speed_kmh``, ``shift_start``, ``shift_hours``,
        ``days_off`` and ``areas``. Units off on ``date`` get no route.
    travel
        Travel model (default: straight line, circuity 1.3, 40 km/h).
    shift_hours
        Shift length of units without their own ``shift_hours``.
    shift_start
        Start of the shift of units without their own, ``HH:MM`` local time
        (Asia/Ho_Chi_Minh).
    dwell_min
        Minutes spent at each stop (10-15 recommended).
    date
        Day of the shift (default: the next Monday in Asia/Ho_Chi_Minh).
    time_limit
        Seconds for the routing solver.
    seed
        Random seed.
    balance
        When every area fits in the shift, spread the areas over the units (shorten
        the longest route) without losing any covered risk; ``meta["balance"]`` says
        whether it was applied and gives the longest route before and after, in minutes.

    Returns
    -------
    PatrolPlan
        Every route is feasible under the float travel times (checked).
    """
    from hotspots.plan.constraints import area_rules, unit_allowed, unit_shift_starts
    from hotspots.plan.units import on_duty

    if len(units) == 0:
        raise InputError("no patrol units: give a units file or bases")
    travel = travel or straight_line()
    stops = area_stops(areas)
    rules = area_rules(areas, stops["area"].tolist(), 0)
    allowed = unit_allowed(units, areas)
    dwell_s = _check_dwell(dwell_min)
    day0 = local_day(date)
    shift_s = _unit_shift_seconds(units, shift_hours)
    own = unit_shift_starts(units)
    starts_s = np.where(np.isfinite(own), own, _hhmm(shift_start).total_seconds())
    duty = [int(u) for u in np.flatnonzero(on_duty(units, day0))]
    if not duty:
        raise InputError(f"every unit is off on {day0.date()}; pick another date")
    stop_idx = np.flatnonzero(rules.day_ok(day0) & (rules.max_visits > 0))
    net = _Network(stops, units, travel)
    route_rows, stop_rows, info = _route_rows(
        net, units, duty, stop_idx, stops["score"].to_numpy(float)[stop_idx], None, day0,
        starts_s[duty], shift_s[duty], dwell_s, time_limit, seed, 1, balance, rules, allowed,
    )  # fmt: skip
    routes, stop_df = _frames(route_rows, stop_rows)
    meta = {
        "travel": net.travel_meta(routes),
        "solver": info["solver"],
        "feasible": info["feasible"],
        "units": len(units),
        "units_on_duty": len(duty),
        "vehicles": _vehicle_counts(units),
        "areas": len(stops),
        "date": str(day0.date()),
        "dwell_min": dwell_min,
        "shift_hours": shift_hours,
        "seed": seed,
        "risk_covered": info["score"],
        "risk_total": float(stops["score"].sum()),
        "time_windows": _windows_meta(stop_df),
        "balance": _balance_minutes(info["solver"].get("balance"), balance),
    }
    return PatrolPlan(routes, stop_df, None, meta)


def _vehicle_counts(units: gpd.GeoDataFrame) -> dict[str, int]:
    """Units per vehicle."""
    veh = units["vehicle"] if "vehicle" in units else pd.Series("car", index=units.index)
    return {str(k): int(v) for k, v in veh.fillna("car").value_counts().sort_index().items()}


def _windows_meta(stops: pd.DataFrame) -> dict:
    """How many visits had a time window, and whether each started within it."""
    from hotspots.plan.units import parse_window

    with_w = stops[stops["time_window"].astype(str).str.len() > 0]
    inside = 0
    for _, s in with_w.iterrows():
        lo, hi = parse_window(s["time_window"])
        sec = (s["arrival"] - s["date"]).total_seconds()
        inside += lo - 1 <= sec <= hi + 1
    return {"visits_with_window": int(len(with_w)), "visits_within_window": int(inside)}


def _balance_minutes(bal: dict | None, enabled: bool) -> dict:
    """The solver's balance record with route lengths in minutes (times are seconds)."""
    bal = bal or {}
    out = {"enabled": bool(enabled), "applied": bool(bal.get("applied", False))}
    for k in ("longest_before", "longest_after"):
        if k in bal:
            out[f"{k}_min"] = float(bal[k]) / 60.0
    return out
