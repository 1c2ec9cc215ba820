"""Reach: how far support is from where victims come from.

Travel times are those of the patrol plans (:mod:`hotspots.plan.travel`): a road network
when one is given, else the bundled major roads of the province
(:func:`~hotspots.plan.travel.province_roads`), else straight line x circuity; the model
is recorded (:func:`support_travel`). A leg that is mostly access to the road (both ends
near the same road node) takes at most the straight-line time x circuity, so a facility
at a commune seat is 0 minutes from that seat. From every place (commune seat or origin key area)
to the nearest facility of each type:

* :func:`reach_table` — minutes, the facility and the leg model, one row per place and type;
* :func:`service_areas` — the places within 30/60/120 minutes of a type, drawn as the
  union of the commune cells (:func:`hotspots.geodata.commune_areas`) whose seat is
  within the time;
* :func:`victims_within` — the share of victims (by home commune) within the limit of
  each type, per year;
* :func:`beyond_reach` — the origin key areas farther than the limit, ranked by victims.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.data.crs import WGS84
from hotspots.data.schema import ORIGIN_ROLES, TZ
from hotspots.errors import HotspotsWarning, InputError
from hotspots.plan.travel import TravelModel
from hotspots.support.facilities import FACILITY_TYPE_VI, FACILITY_TYPES

__all__ = [
    "THRESHOLDS_MIN",
    "support_travel",
    "travel_minutes",
    "reach_table",
    "reach_wide",
    "commune_places",
    "area_places",
    "service_areas",
    "home_victims",
    "victims_within",
    "beyond_reach",
]

#: Service-area times (minutes).
THRESHOLDS_MIN = (30, 60, 120)


def support_travel(
    province: object | None = None,
    network=None,
    vehicle: str = "car",
    speed_kmh: float = 40.0,
    circuity: float = 1.3,
) -> TravelModel:
    """The travel model of the patrol plans, for reach.

    ``network`` (a road file or lines) wins; else the bundled roads of ``province``;
    else (no province, or no bundled road there) straight line x ``circuity``.
    ``describe()["source"]`` records which.
    """
    from hotspots.plan import travel as T

    if network is not None:
        model = T.from_network(network, speed_kmh=speed_kmh, circuity=circuity, vehicle=vehicle)
        if not isinstance(network, gpd.GeoDataFrame):
            model.source = str(network)
        return model
    if province is not None:
        try:
            return T.province_roads(
                province, vehicle=vehicle, speed_kmh=speed_kmh, circuity=circuity
            )
        except Exception as exc:  # noqa: BLE001 - no bundled roads: straight line, said
            warnings.warn(
                f"no bundled roads for {province!r} ({exc}); reach uses straight line x {circuity}",
                HotspotsWarning,
                stacklevel=2,
            )
    return T.straight_line(speed_kmh, circuity, vehicle)


def travel_minutes(
    travel: TravelModel, places: gpd.GeoDataFrame, to: gpd.GeoDataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Minutes and leg models from every place to every point of ``to``.

    Places and targets may be polygons: their representative points are used.
    """
    from hotspots.plan.travel import LEG_ACCESS

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HotspotsWarning)  # unconnected legs are in the table
        t = travel.table(_points(places), _points(to))
    minutes = t.time_s / 60.0
    if travel.kind == "network":  # an access leg is never longer than going straight there
        straight = travel.for_vehicle(travel.vehicle)._straight(
            travel._metric(_points(places)), travel._metric(_points(to))
        )[1]
        access = t.leg_model == LEG_ACCESS
        minutes = np.where(access, np.minimum(minutes, straight / 60.0), minutes)
    return minutes, t.leg_model


def _points(gdf: gpd.GeoDataFrame) -> gpd.GeoSeries:
    g = gdf.to_crs(WGS84).geometry if gdf.crs is not None else gdf.set_crs(WGS84).geometry
    return g.where(g.geom_type == "Point", g.representative_point())


def reach_table(
    places: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    travel: TravelModel,
    key: str = "place",
) -> pd.DataFrame:
    """Travel time from every place to the nearest facility of each type.

    Parameters
    ----------
    places
        Places with an id column ``key`` (and ``name``); points or polygons.
    facilities
        Facilities (:func:`~hotspots.support.facilities.read_facilities_file`).
    travel
        Travel model (:func:`support_travel`).

    Returns
    -------
    pandas.DataFrame
        One row per place and type of :data:`FACILITY_TYPES` present: ``key``, ``type``,
        ``minutes`` (inf when no facility of the type), ``facility`` (its name),
        ``leg_model``.
    """
    if len(places) == 0:
        raise InputError("no places to measure reach from")
    minutes, legs = travel_minutes(travel, places, facilities)
    rows = []
    types = [t for t in FACILITY_TYPES if (facilities["type"] == t).any()]
    for kind in types:
        cols = np.flatnonzero(facilities["type"].to_numpy() == kind)
        sub = minutes[:, cols]
        j = np.argmin(sub, axis=1)
        best = cols[j]
        for i in range(len(places)):
            rows.append(
                (
                    places[key].iloc[i],
                    kind,
                    float(sub[i, j[i]]),
                    str(facilities["name"].iloc[best[i]]),
                    str(legs[i, best[i]]),
                )
            )
    return pd.DataFrame(rows, columns=[key, "type", "minutes", "facility", "leg_model"])


def reach_wide(reach: pd.DataFrame, key: str = "place") -> pd.DataFrame:
    """One row per place, one ``min_<type>`` column per type, and ``min_any``."""
    wide = reach.pivot(index=key, columns="type", values="minutes")
    wide = wide[[t for t in FACILITY_TYPES if t in wide.columns]]
    wide.columns = [f"min_{c}" for c in wide.columns]
    wide["min_any"] = wide.min(axis=1)
    return wide.reset_index()


def commune_places(province: object) -> gpd.GeoDataFrame:
    """The communes of a province as places: ``place`` (code), ``name``, seat point."""
    from hotspots import geodata

    c = geodata.communes(province=province)
    return gpd.GeoDataFrame(
        {"place": c["code"].astype(str).to_numpy(), "name": c["name"].to_numpy()},
        geometry=c.geometry.to_numpy(),
        crs=WGS84,
    )


def area_places(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Key areas as places: ``place`` (``KV<rank>``), ``name``, ``victims``, polygon."""
    a = areas.to_crs(WGS84).reset_index(drop=True)
    rank = a["rank"] if "rank" in a else pd.Series(np.arange(1, len(a) + 1))
    names = a["communes"].astype(str) if "communes" in a else rank.astype(str)
    out = gpd.GeoDataFrame(
        {
            "place": [f"KV{r}" for r in rank],
            "name": [f"Địa bàn {r} ({n})" for r, n in zip(rank, names, strict=True)],
            "victims": a["victims"].to_numpy() if "victims" in a else np.nan,
            "cases": a["cases"].to_numpy() if "cases" in a else np.nan,
        },
        geometry=a.geometry.to_numpy(),
        crs=WGS84,
    )
    return out


def service_areas(
    reach: pd.DataFrame,
    cells: gpd.GeoDataFrame,
    thresholds: tuple[int, ...] = THRESHOLDS_MIN,
) -> gpd.GeoDataFrame:
    """Service areas: the union of the commune cells whose seat is within each time.

    Parameters
    ----------
    reach
        :func:`reach_table` of commune places (``place`` = commune code).
    cells
        Commune polygons with ``code`` (:func:`hotspots.geodata.commune_areas`).
    thresholds
        Minutes.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per type and threshold: ``type``, ``type_vi``, ``minutes``,
        ``communes`` (how many), ``area_km2``, ``method``, polygon (may be empty).
    """
    cells = cells.to_crs(WGS84)
    code = cells["code"].astype(str)
    rows = []
    for kind in [t for t in FACILITY_TYPES if t in set(reach["type"])]:
        r = reach[reach["type"] == kind]
        for limit in thresholds:
            inside = set(r.loc[r["minutes"] <= limit, "place"].astype(str))
            sel = cells[code.isin(inside).to_numpy()]
            geom = sel.geometry.union_all() if len(sel) else None
            km2 = float(sel["area_km2"].sum()) if "area_km2" in sel else np.nan
            rows.append(
                (
                    kind,
                    FACILITY_TYPE_VI[kind],
                    int(limit),
                    len(sel),
                    km2,
                    "commune cells whose seat is within the time",
                    geom,
                )
            )
    cols = ["type", "type_vi", "minutes", "communes", "area_km2", "method", "geometry"]
    return gpd.GeoDataFrame(rows, columns=cols, geometry="geometry", crs=WGS84)


def home_victims(cases: pd.DataFrame) -> pd.DataFrame:
    """Victims by home commune and year: ``commune_code``, ``year``, ``victims``.

    Rows of role ``victim_home``; ``victims`` missing or 0 counts one victim; the year
    of ``occurred_at`` in Asia/Ho_Chi_Minh.
    """
    if "role" not in cases or "commune_code" not in cases:
        raise InputError("the case table needs columns role and commune_code (read_cases)")
    h = cases[cases["role"].isin(ORIGIN_ROLES)]
    v = pd.to_numeric(h["victims"], errors="coerce") if "victims" in h else pd.Series(1, h.index)
    v = v.fillna(1).where(v.fillna(1) > 0, 1)
    when = pd.to_datetime(h["occurred_at"], errors="coerce")
    if when.dt.tz is not None:
        when = when.dt.tz_convert(TZ)
    df = pd.DataFrame(
        {"commune_code": h["commune_code"].astype(str), "year": when.dt.year, "victims": v}
    )
    df = df[df["commune_code"].ne("") & df["commune_code"].ne("nan")]
    out = df.groupby(["commune_code", "year"], as_index=False)["victims"].sum()
    out["year"] = out["year"].astype("Int64")
    return out


def victims_within(reach: pd.DataFrame, victims: pd.DataFrame, limit: float = 60.0) -> pd.DataFrame:
    """Share of victims whose home commune is within ``limit`` minutes of each type.

    Parameters
    ----------
    reach
        :func:`reach_table` of commune places (``place`` = commune code).
    victims
        :func:`home_victims`.
    limit
        Minutes.

    Returns
    -------
    pandas.DataFrame
        One row per year (and ``"all"``) and type: ``year``, ``type``, ``victims``,
        ``within``, ``share`` (0-1), ``limit_min``. Victims of a commune without a
        seat in ``reach`` count as beyond reach.
    """
    rows = []
    years = [*sorted(victims["year"].dropna().unique()), "all"]
    for kind in [t for t in FACILITY_TYPES if t in set(reach["type"])]:
        r = reach[reach["type"] == kind].set_index("place")["minutes"]
        for y in years:
            v = victims if y == "all" else victims[victims["year"] == y]
            near = v["commune_code"].map(r).fillna(np.inf) <= limit
            total, inside = float(v["victims"].sum()), float(v.loc[near, "victims"].sum())
            share = inside / total if total else np.nan
            rows.append((str(y), kind, total, inside, share, float(limit)))
    return pd.DataFrame(rows, columns=["year", "type", "victims", "within", "share", "limit_min"])


def beyond_reach(
    area_reach: pd.DataFrame,
    areas: pd.DataFrame,
    limit: float = 60.0,
    types: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Origin key areas farther than ``limit`` minutes from some type, ranked by victims.

    Parameters
    ----------
    area_reach
        :func:`reach_table` of :func:`area_places`.
    areas
        :func:`area_places` (``place``, ``name``, ``victims``).
    limit
        Minutes.
    types
        Types considered (default: every type in ``area_reach``).

    Returns
    -------
    pandas.DataFrame
        ``place``, ``name``, ``victims``, ``beyond`` (types out of reach, Vietnamese,
        ``; ``-joined), ``n_beyond``, ``worst_min`` (the longest of those times),
        ``min_<type>`` columns; most victims first.
    """
    types = types or tuple(t for t in FACILITY_TYPES if t in set(area_reach["type"]))
    wide = reach_wide(area_reach[area_reach["type"].isin(types)])
    out = areas[["place", "name", "victims"]].merge(wide, on="place")
    mins = out[[f"min_{t}" for t in types]].to_numpy()
    far = mins > limit
    out["beyond"] = [
        "; ".join(FACILITY_TYPE_VI[t] for t, f in zip(types, row, strict=True) if f) for row in far
    ]
    out["n_beyond"] = far.sum(axis=1)
    out["worst_min"] = np.where(far, mins, -np.inf).max(axis=1)
    out = out[out["n_beyond"] > 0].drop(columns="min_any")
    return out.sort_values(["victims", "worst_min"], ascending=False, kind="stable").reset_index(
        drop=True
    )
