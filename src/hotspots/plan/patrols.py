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
from hotspots.plan.travel import TravelModel, straight_line

__all__ = ["PatrolPlan", "plan_patrols", "area_stops", "TZ"]

TZ = "Asia/Ho_Chi_Minh"

STOP_COLUMNS = [
    "unit", "base", "day", "date", "shift", "order", "area", "area_name", "score",
    "arrival", "dwell_min", "departure", "geometry",
]  # fmt: skip
ROUTE_COLUMNS = [
    "unit", "base", "day", "date", "shift", "start", "end", "n_stops", "score",
    "distance_km", "duration_min", "shift_min", "geometry",
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

    def explore(self, area=None, synthetic: bool = False, lang: str = "vi"):
        """Return an offline map (no CDN, no tiles) of the routes and checkpoints.

        Parameters
        ----------
        area
            Province name/code or boundary for the base map (default: fit to routes).
        synthetic
            Mark the map as made from synthetic data.
        lang
            ``"vi"`` or ``"en"`` labels.
        """
        from hotspots.maps import add_checkpoints, add_patrol_routes, base_map

        m = base_map(area, lang=lang, synthetic=synthetic)
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


class _Network:
    """Travel matrices over stops + bases, computed once."""

    def __init__(self, stops: gpd.GeoDataFrame, units: gpd.GeoDataFrame, travel: TravelModel):
        self.stops = stops
        self.travel = travel
        base_pts = units.geometry.to_crs(WGS84)
        keys = [(round(p.x, 7), round(p.y, 7)) for p in base_pts]
        uniq = list(dict.fromkeys(keys))
        self.base_index = np.array([len(stops) + uniq.index(k) for k in keys])
        pts = list(stops.geometry) + [Point(k) for k in uniq]
        self.points = pts
        self.dist, self.time = travel.matrix(gpd.GeoSeries(pts, crs=WGS84))
        self._paths: dict[tuple[int, int], LineString] = {}

    def path(self, a: int, b: int) -> LineString:
        if (a, b) not in self._paths:
            self._paths[(a, b)] = self.travel.path(self.points[a], self.points[b])
        return self._paths[(a, b)]


def _route_rows(
    net: _Network,
    units: gpd.GeoDataFrame,
    unit_idx: list[int],
    stop_idx: np.ndarray,
    scores: np.ndarray,
    required: np.ndarray | None,
    start: pd.Timestamp,
    shift_s: np.ndarray,
    dwell_s: float,
    time_limit: float,
    seed: int,
    day: int,
    shift_label: str,
    balance: bool = True,
) -> tuple[list[dict], list[dict], dict]:
    """Solve one shift for the given units over the given stops; return table rows."""
    bases = net.base_index[unit_idx]
    loc = np.concatenate([stop_idx, np.unique(bases)]).astype(int)
    pos = {int(v): i for i, v in enumerate(loc)}
    times = net.time[np.ix_(loc, loc)]
    starts = np.array([pos[int(b)] for b in bases])
    sol = solve_top_matrix(
        times,
        scores,
        starts,
        starts,
        shift_s,
        service_time=dwell_s,
        time_limit=time_limit,
        seed=seed,
        required=required,
        balance=balance,
    )
    route_rows, stop_rows = [], []
    date = start.normalize()
    for v, u in enumerate(unit_idx):
        unit = units.iloc[u]
        seq = [int(loc[k]) for k in sol.routes[v]]
        home = int(bases[v])
        path_nodes = [home, *seq, home]
        t = start
        dist = 0.0
        geoms = []
        for k, (a, b) in enumerate(zip(path_nodes[:-1], path_nodes[1:], strict=True)):
            t = t + pd.Timedelta(seconds=float(net.time[a, b]))
            dist += float(net.dist[a, b])
            if a != b:
                geoms.append(net.path(a, b))
            if k < len(seq):
                s_local = sol.routes[v][k]
                stop = net.stops.iloc[b]
                stop_rows.append(
                    {
                        "unit": unit["unit"],
                        "base": unit["base"],
                        "day": day,
                        "date": date,
                        "shift": shift_label,
                        "order": k + 1,
                        "area": stop["area"],
                        "area_name": stop["area_name"],
                        "score": float(scores[s_local]),
                        "arrival": t.round("s"),
                        "dwell_min": dwell_s / 60.0,
                        "departure": (t + pd.Timedelta(seconds=dwell_s)).round("s"),
                        "geometry": stop.geometry,
                    }
                )
                t = t + pd.Timedelta(seconds=dwell_s)
        coords = []
        for g in geoms:
            c = list(g.coords)
            coords.extend(c if not coords else c[1:])
        if len(coords) < 2:
            p = net.points[home]
            coords = [(p.x, p.y), (p.x, p.y)]
        route_rows.append(
            {
                "unit": unit["unit"],
                "base": unit["base"],
                "day": day,
                "date": date,
                "shift": shift_label,
                "start": start,
                "end": t.round("s"),
                "n_stops": len(seq),
                "score": float(sum(scores[k] for k in sol.routes[v])),
                "distance_km": dist / 1000.0,
                "duration_min": (t - start).total_seconds() / 60.0,
                "shift_min": float(shift_s[v]) / 60.0,
                "geometry": LineString(coords),
            }
        )
    info = {
        "score": sol.score,
        "feasible": sol.feasible,
        "repaired": sol.repaired,
        "visited": [int(stop_idx[k]) for k in sol.visited],
        "solver": sol.solver,
    }
    return route_rows, stop_rows, info


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


def plan_patrols(
    areas: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    travel: TravelModel | None = None,
    shift_hours: float = 8.0,
    shift_start: str = "07:00",
    dwell_min: float = 12.0,
    date: str | pd.Timestamp = "2026-11-30",
    time_limit: float = 10.0,
    seed: int = 0,
    balance: bool = True,
) -> PatrolPlan:
    """Plan one shift of patrols: each unit's route over the key areas.

    Parameters
    ----------
    areas
        Key areas (polygons or points, EPSG:4326); weight ``score``, else ``cases``,
        else 1. Each area is one stop, at its representative point.
    units
        Units table (:mod:`hotspots.plan.bases`): ``unit``, ``base``, optional
        ``shift_hours``, geometry of the base.
    travel
        Travel model (default: straight line, circuity 1.3, 40 km/h).
    shift_hours
        Shift length of units without their own ``shift_hours``.
    shift_start
        Start of the shift, ``HH:MM`` local time (Asia/Ho_Chi_Minh).
    dwell_min
        Minutes spent at each stop (10-15 recommended).
    date
        Day of the shift.
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
    if len(units) == 0:
        raise InputError("no patrol units: give a units file or bases")
    travel = travel or straight_line()
    stops = area_stops(areas)
    net = _Network(stops, units, travel)
    dwell_s = _check_dwell(dwell_min)
    start = (
        pd.Timestamp(date).tz_localize(TZ)
        if pd.Timestamp(date).tzinfo is None
        else (pd.Timestamp(date).tz_convert(TZ))
    )
    start = start.normalize() + _hhmm(shift_start)
    shift_s = _unit_shift_seconds(units, shift_hours)
    route_rows, stop_rows, info = _route_rows(
        net,
        units,
        list(range(len(units))),
        np.arange(len(stops)),
        stops["score"].to_numpy(float),
        None,
        start,
        shift_s,
        dwell_s,
        time_limit,
        seed,
        1,
        shift_start,
        balance,
    )
    routes, stop_df = _frames(route_rows, stop_rows)
    meta = {
        "travel": travel.describe(),
        "solver": info["solver"],
        "feasible": info["feasible"],
        "units": len(units),
        "areas": len(stops),
        "dwell_min": dwell_min,
        "shift_hours": shift_hours,
        "seed": seed,
        "risk_covered": info["score"],
        "risk_total": float(stops["score"].sum()),
        "balance": _balance_minutes(info["solver"].get("balance"), balance),
    }
    return PatrolPlan(routes, stop_df, None, meta)


def _balance_minutes(bal: dict | None, enabled: bool) -> dict:
    """The solver's balance record with route lengths in minutes (times are seconds)."""
    bal = bal or {}
    out = {"enabled": bool(enabled), "applied": bool(bal.get("applied", False))}
    for k in ("longest_before", "longest_after"):
        if k in bal:
            out[f"{k}_min"] = float(bal[k]) / 60.0
    return out
