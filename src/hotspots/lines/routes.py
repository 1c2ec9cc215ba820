"""Routes: legs, whole routes, origins, destinations and exit gates of case journeys.

Input is a RouteTable (one row per stop: ``case_id``, ``seq``, ``role``, ``victims``,
``geometry`` Point, EPSG:4326) or a plain origin-destination table, turned into a
RouteTable of two stops per flow by :func:`routes_from_od`.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from hotspots.data.crs import WGS84, metric_crs
from hotspots.errors import InputError, UnusableInputError

__all__ = [
    "check_routes",
    "routes_from_od",
    "legs",
    "route_lines",
    "origin_destination",
    "snap_to_gates",
    "UNKNOWN_GATE",
]

#: Gate name given to an exit point with no border gate within the snapping distance.
UNKNOWN_GATE = "unknown"

_OD_COLUMNS = ("origin_lon", "origin_lat", "dest_lon", "dest_lat")


def check_routes(routes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Validate a RouteTable and return it sorted by ``case_id``, ``seq``.

    Stops with an empty geometry are dropped; ``victims`` defaults to 1 and ``weight``
    (how many flows a route stands for) to 1 when absent.
    """
    if not isinstance(routes, gpd.GeoDataFrame):
        raise UnusableInputError("routes must be a GeoDataFrame (a RouteTable)")
    missing = [c for c in ("case_id", "seq") if c not in routes.columns]
    if missing:
        raise UnusableInputError(
            f"the route table has no column {', '.join(missing)}; a RouteTable needs "
            "case_id, seq and a Point geometry per stop"
        )
    r = routes.copy()
    if r.crs is None:
        r = r.set_crs(WGS84)
    r = r[~(r.geometry.isna() | r.geometry.is_empty)]
    if len(r) and not (r.geometry.geom_type == "Point").all():
        bad = r.index[r.geometry.geom_type != "Point"][0]
        raise InputError(f"route row {bad}: every stop must be a Point geometry")
    if "victims" not in r.columns:
        r["victims"] = 1
    if "weight" not in r.columns:
        r["weight"] = 1.0
    if "role" not in r.columns:
        r["role"] = "other"
    r["case_id"] = r["case_id"].astype(str)
    return r.sort_values(["case_id", "seq"], kind="stable").reset_index(drop=True)


def routes_from_od(
    od: pd.DataFrame,
    *,
    columns: tuple[str, str, str, str] = _OD_COLUMNS,
    count: str | None = "count",
) -> gpd.GeoDataFrame:
    """Turn an origin-destination table into a RouteTable of two stops per flow.

    Parameters
    ----------
    od
        Table with origin longitude, latitude and destination longitude, latitude
        (WGS84 degrees), and optionally a count of flows per row.
    columns
        Names of the four coordinate columns.
    count
        Name of the count column (used as route weight); ignored when absent.

    Returns
    -------
    geopandas.GeoDataFrame
        RouteTable with ``case_id`` (``"flow-<row>"``), ``seq``, ``role``
        (``recruitment`` then ``destination``), ``victims`` (the ``victims`` column
        when present, else the count), ``weight`` (the count).
    """
    missing = [c for c in columns if c not in od.columns]
    if missing:
        raise UnusableInputError(
            f"the origin-destination table has no column {', '.join(missing)}; "
            f"expected {', '.join(columns)} (WGS84 degrees)"
        )
    xy = od[list(columns)].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"origin-destination row {row}: a coordinate in {', '.join(columns)} is missing "
            "or not a number; fix or remove the row"
        )
    if (np.abs(xy[:, [1, 3]]) > 90).any() or (np.abs(xy[:, [0, 2]]) > 180).any():
        raise InputError("origin-destination coordinates must be WGS84 degrees (lon, lat)")
    n = len(od)
    w = np.ones(n)
    if count is not None and count in od.columns:
        w = pd.to_numeric(od[count], errors="coerce").to_numpy(float)
        if not (np.isfinite(w) & (w >= 0)).all():
            row = int(np.flatnonzero(~(np.isfinite(w) & (w >= 0)))[0])
            raise InputError(f"origin-destination row {row}: column {count} must be >= 0")
    victims = w
    if "victims" in od.columns:
        victims = pd.to_numeric(od["victims"], errors="coerce").fillna(0).to_numpy(float)
    ids = np.array([f"flow-{k}" for k in range(n)])
    frame = pd.DataFrame(
        {
            "case_id": np.repeat(ids, 2),
            "seq": np.tile([0, 1], n),
            "role": np.tile(["recruitment", "destination"], n),
            "victims": np.repeat(victims, 2),
            "weight": np.repeat(w, 2),
        }
    )
    pts = shapely.points(xy[:, [0, 1, 2, 3]].reshape(-1, 2))
    return gpd.GeoDataFrame(frame, geometry=pts, crs=WGS84)


def _metric(routes: gpd.GeoDataFrame, crs=None) -> tuple[gpd.GeoDataFrame, object]:
    crs = crs if crs is not None else metric_crs(routes)
    return routes.to_crs(crs), crs


def legs(routes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One straight leg per pair of consecutive stops of a case.

    Returns
    -------
    geopandas.GeoDataFrame
        ``case_id``, ``leg`` (0-based), ``from_role``, ``to_role``, ``victims``,
        ``weight``, ``length_m``, LineString geometry (same CRS as ``routes``).
    """
    r = check_routes(routes)
    same = r["case_id"].to_numpy()[1:] == r["case_id"].to_numpy()[:-1]
    a = np.flatnonzero(same)
    b = a + 1
    xy = shapely.get_coordinates(r.geometry.values)
    lines = shapely.linestrings(np.stack([xy[a], xy[b]], axis=1))
    out = gpd.GeoDataFrame(
        {
            "case_id": r["case_id"].to_numpy()[a],
            "leg": r.groupby("case_id").cumcount().to_numpy()[a],
            "from_role": r["role"].to_numpy()[a],
            "to_role": r["role"].to_numpy()[b],
            "victims": r["victims"].to_numpy()[a],
            "weight": r["weight"].to_numpy()[a],
        },
        geometry=lines,
        crs=r.crs,
    )
    m, _ = _metric(out) if len(out) else (out, None)
    out["length_m"] = m.geometry.length.to_numpy() if len(out) else np.empty(0)
    return out


def route_lines(routes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One LineString per case through its stops in order.

    Cases with fewer than two stops (or all stops at one place) are left out.

    Returns
    -------
    geopandas.GeoDataFrame
        ``case_id``, ``n_stops``, ``victims`` (largest per-stop count), ``weight``,
        ``origin_role``, ``last_role``, geometry, in the CRS of ``routes``.
    """
    r = check_routes(routes)
    xy = shapely.get_coordinates(r.geometry.values)
    codes, starts = np.unique(r["case_id"].to_numpy(), return_index=True)
    order = np.argsort(starts)
    codes, starts = codes[order], starts[order]
    counts = np.diff(np.r_[starts, len(r)])
    keep = counts >= 2
    idx = np.repeat(np.arange(len(starts)), counts)
    multi = keep[idx]
    lines = np.full(len(starts), None, dtype=object)
    if multi.any():
        _, dense = np.unique(idx[multi], return_inverse=True)
        lines[keep] = shapely.linestrings(xy[multi], indices=dense)
    g = r.groupby("case_id", sort=False)
    out = gpd.GeoDataFrame(
        {
            "case_id": codes,
            "n_stops": counts,
            "victims": g["victims"].max().reindex(codes).to_numpy(),
            "weight": g["weight"].first().reindex(codes).to_numpy(),
            "origin_role": r["role"].to_numpy()[starts],
            "last_role": r["role"].to_numpy()[starts + counts - 1],
        },
        geometry=gpd.GeoSeries(list(lines), crs=r.crs).values,
        crs=r.crs,
    )
    length = np.zeros(len(lines))
    length[keep] = shapely.length(lines[keep].astype(object))
    out = out[keep & (length > 0)]
    return out.reset_index(drop=True)


def origin_destination(
    routes: gpd.GeoDataFrame,
    gate_distance: float | None = None,
    gates: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Origin, destination and exit point of each case.

    The origin is the first stop; the destination the last; the exit is the last stop
    with role ``exit`` (or the last stop when there is none).

    Parameters
    ----------
    routes
        RouteTable.
    gate_distance
        When given, the exit is also snapped to the nearest border gate within this
        many metres (:func:`snap_to_gates`): columns ``gate``, ``gate_country``,
        ``gate_distance_m``.
    gates
        Border gates (default :func:`hotspots.geodata.border_gates`).

    Returns
    -------
    geopandas.GeoDataFrame
        ``case_id``, ``victims``, ``weight``, ``origin`` (geometry, active),
        ``destination``, ``exit`` (GeoSeries columns), CRS of ``routes``.
    """
    r = check_routes(routes)
    g = r.groupby("case_id", sort=False)
    first = g.head(1).set_index("case_id")
    last = g.tail(1).set_index("case_id")
    ex = r[r["role"] == "exit"].groupby("case_id", sort=False).tail(1).set_index("case_id")
    ids = first.index
    exit_geom = last.geometry.copy()
    exit_geom.loc[ex.index] = ex.geometry
    out = gpd.GeoDataFrame(
        {
            "case_id": ids.to_numpy(),
            "victims": g["victims"].max().reindex(ids).to_numpy(),
            "weight": g["weight"].first().reindex(ids).to_numpy(),
            "destination": gpd.GeoSeries(last.geometry.reindex(ids).values, crs=r.crs),
            "exit": gpd.GeoSeries(exit_geom.reindex(ids).values, crs=r.crs),
        },
        geometry=gpd.GeoSeries(first.geometry.values, crs=r.crs),
    )
    out = out.rename_geometry("origin")
    if gate_distance is not None:
        snapped = snap_to_gates(gpd.GeoSeries(out["exit"].values, crs=r.crs), gates, gate_distance)
        for col in snapped.columns:
            out[col] = snapped[col].to_numpy()
    return out


def snap_to_gates(
    points: gpd.GeoSeries | gpd.GeoDataFrame,
    gates: gpd.GeoDataFrame | None = None,
    max_distance: float = 10_000.0,
) -> pd.DataFrame:
    """Snap points (exit points) to the nearest border gate within ``max_distance`` m.

    Parameters
    ----------
    points
        Points in any CRS (EPSG:4326 assumed when unset).
    gates
        Border gates with a ``name`` column (and optionally ``country``); default
        :func:`hotspots.geodata.border_gates`.
    max_distance
        Largest distance in metres at which a point is attributed to a gate.

    Returns
    -------
    pandas.DataFrame
        ``gate`` (name, or ``"unknown"``), ``gate_country`` and ``gate_distance_m``
        (NaN when unknown), indexed like ``points``.
    """
    geoms = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
    if geoms.crs is None:
        geoms = geoms.set_crs(WGS84)
    out = pd.DataFrame(
        {"gate": UNKNOWN_GATE, "gate_country": None, "gate_distance_m": np.nan},
        index=geoms.index,
    )
    if gates is None:
        gates = _default_gates()
    if gates is None or len(gates) == 0 or len(geoms) == 0:
        return out
    crs = metric_crs(geoms)
    pm = shapely.get_coordinates(geoms.to_crs(crs).values)
    gm = shapely.get_coordinates(gates.geometry.to_crs(crs).centroid.values)
    d, k = cKDTree(gm).query(pm)
    ok = d <= max_distance
    names = gates["name"].astype(str).to_numpy() if "name" in gates else np.arange(len(gates))
    country = gates["country"].to_numpy() if "country" in gates else np.full(len(gates), None)
    out.loc[ok, "gate"] = names[k[ok]]
    out.loc[ok, "gate_country"] = country[k[ok]]
    out.loc[ok, "gate_distance_m"] = d[ok]
    return out


def _default_gates() -> gpd.GeoDataFrame | None:
    try:
        from hotspots.geodata import border_gates
    except ImportError:
        return None
    try:
        return border_gates()
    except Exception:  # noqa: BLE001 - bundled geography missing: gates unknown
        return None
