"""Key lines (tuyến trọng điểm): the corridors that many case journeys share.

:func:`key_lines` partitions every route (TRACLUS-style, :mod:`hotspots.lines.segments`),
clusters the pieces, and turns each cluster into a ranked corridor: a smoothed,
simplified representative polyline (the longest path of a spanning tree over the
cluster's pieces, averaged locally), a corridor polygon whose width follows the spread of
the member pieces, the number of cases and victims, the direction of travel, the share
of all routes, the exit point snapped to a border gate, and the communes traversed.

Analysis runs in a metric CRS (:func:`hotspots.data.crs.metric_crs`); results are
returned in EPSG:4326. Results carry no case identifiers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from hotspots.data.crs import WGS84, metric_crs
from hotspots.errors import InputError
from hotspots.lines.representative import representative_line
from hotspots.lines.routes import check_routes, snap_to_gates
from hotspots.lines.segments import (
    Segments,
    cluster_segments,
    merge_consecutive,
    partition_routes,
)

__all__ = ["KeyLines", "key_lines"]

_COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


@dataclass
class KeyLines:
    """Ranked key lines with their corridors.

    Attributes
    ----------
    lines
        GeoDataFrame (EPSG:4326), one row per key line, best first: ``rank``,
        ``cases``, ``victims``, ``share``, ``length_km``, ``direction``
        (``one-way``/``two-way``), ``forward_share``, ``bearing_deg``, ``heading``,
        ``gate``, ``gate_country``, ``gate_distance_m``, ``gate_also`` (gates less than
        1 km from ``gate``), ``exit_lon``, ``exit_lat``, ``communes``, ``n_communes``,
        ``width_m``, ``n_segments``, ``roads`` (with a network: the roads the line
        follows, in order, "QL4D → ĐT155"), ``itinerary`` (the roads then the gate,
        "QL4D → cửa khẩu Lào Cai"), ``line_model`` (``network``: drawn along the roads;
        ``straight-line``: no network given; ``straight-line (not connected)``: the
        network does not join the line's stops; ``straight-line (far from roads)``: the
        whole line is nearest to one road node), LineString geometry.
    corridors
        Same rows with the corridor polygon as geometry (buffered around the roads
        when the line follows them).
    road_segments
        With a network: road segments used by the case routes, ranked by ``volume``
        (cases using the segment, each counted once), with ``road``, ``highway``,
        ``traversals``, ``key_lines`` (ranks of the key lines along it); else ``None``.
    params
        The parameters of the run.
    """

    lines: gpd.GeoDataFrame
    corridors: gpd.GeoDataFrame
    road_segments: gpd.GeoDataFrame | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.lines)

    def __repr__(self) -> str:
        return f"KeyLines({len(self)} lines, params={self.params})"

    def to_gdf(self) -> gpd.GeoDataFrame:
        """The key lines as a GeoDataFrame (a copy)."""
        return self.lines.copy()

    def to_file(self, path: str | Path) -> Path:
        """Write the result.

        ``.gpkg``: layers ``key_lines``, ``corridors`` and (with a network)
        ``road_segments``. ``.geojson``/``.json``: the key lines only, with sibling
        files ``<stem>_corridors.geojson`` (and ``<stem>_road_segments.geojson``).
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        ext = path.suffix.lower()
        layers = {"key_lines": self.lines, "corridors": self.corridors}
        if self.road_segments is not None:
            layers["road_segments"] = self.road_segments
        if ext == ".gpkg":
            if path.exists():
                path.unlink()
            for name, gdf in layers.items():
                gdf.to_file(path, layer=name, driver="GPKG")
        elif ext in (".geojson", ".json"):
            for name, gdf in layers.items():
                target = (
                    path if name == "key_lines" else path.with_name(f"{path.stem}_{name}.geojson")
                )
                if target.exists():
                    target.unlink()
                gdf.to_file(target, driver="GeoJSON")
        else:
            raise InputError(f"output {path}: use a .gpkg or .geojson file name")
        return path

    def explore(
        self,
        top: int | None = None,
        lang: str = "vi",
        synthetic: bool = False,
        area: Any = None,
        **kwargs: Any,
    ):
        """Offline map: corridors, ranked lines and exit points (no tiles, no CDN).

        Drawn with :mod:`hotspots.maps` (Leaflet inline, shareable privacy level: lines
        behind fewer cases than the suppression threshold are left out).

        Parameters
        ----------
        top
            Show only the ``top`` ranked lines.
        lang
            ``"vi"`` or ``"en"``.
        synthetic
            Mark the map as made from synthetic data.
        area
            Province code/name or boundary drawn underneath (optional).
        **kwargs
            Passed to :func:`hotspots.maps.base_map`.
        """
        from hotspots.maps import add_geojson_layer, add_key_lines, base_map

        lines = self.lines if top is None else self.lines[self.lines["rank"] <= top]
        corr = self.corridors.loc[lines.index]
        m = base_map(area, lang=lang, synthetic=synthetic, **kwargs)
        en = lang == "en"
        add_geojson_layer(
            m,
            corr,
            "Corridors" if en else "Hành lang tuyến",
            fields=["rank", "cases", "victims", "width_m", "communes"],
            style={"color": "#e6550d", "weight": 1, "fillOpacity": 0.15},
            color="#e6550d",
        )
        add_key_lines(m, lines, weight_by="cases")
        if self.road_segments is not None and len(self.road_segments):
            seg = self.road_segments
            by = "volume" if "volume" in seg else "traversals"
            if m._hotspots_privacy == "shareable":  # no road stretch behind a few cases
                seg = seg[seg[by] >= m._hotspots_threshold]
            cols = ("rank", "road", "volume", "traversals", "key_lines")
            add_geojson_layer(
                m,
                seg,
                "Cases per road segment" if en else "Số vụ theo đoạn đường",
                fields=[c for c in cols if c in seg],
                color="#3182bd",
                line=True,
                weight_by=by,
                show=False,
                count_columns=[c for c in ("volume", "traversals") if c in seg],
            )
        return m


def _heading(bearing: float) -> str:
    return _COMPASS[int(((bearing % 360) + 22.5) // 45) % 8]


def _gates_for(
    lines: gpd.GeoDataFrame,
    ends: gpd.GeoSeries,
    rm: gpd.GeoDataFrame,
    route_idx: np.ndarray,
    route_w: np.ndarray,
    gates: gpd.GeoDataFrame | None,
    gate_distance: float,
) -> dict[str, list]:
    """Border gate of each line: the gate at least half its routes exit by, else the line's end.

    A route's exit is its last stop with role ``exit`` (else its last stop), snapped to
    the nearest gate within ``gate_distance``. Two gates a kilometre apart (a road and a
    railway gate) are then told apart by where the cases actually left, not by where
    the smoothed line happens to end. Gates less than 1 km apart count as one exit,
    named after the first of them in the gate table; ``gate_also`` lists the others.
    """
    from hotspots.lines.routes import UNKNOWN_GATE, _default_gates

    gates = _default_gates() if gates is None else gates
    n = len(lines)
    out: dict[str, list] = {
        "gate": [UNKNOWN_GATE] * n,
        "gate_country": [None] * n,
        "gate_distance_m": [np.nan] * n,
        "gate_also": [""] * n,
    }
    if gates is None or len(gates) == 0 or n == 0:
        return out
    order = np.arange(len(rm))
    is_exit = (rm["role"] == "exit").to_numpy()
    last_any = pd.Series(order).groupby(route_idx).max()
    last_exit = pd.Series(order[is_exit]).groupby(route_idx[is_exit]).max()
    pick = last_any.copy()
    pick.loc[last_exit.index] = last_exit
    exit_pts = gpd.GeoSeries(rm.geometry.values[pick.to_numpy()], crs=rm.crs)
    route_gate = np.full(int(route_idx.max()) + 1, UNKNOWN_GATE, dtype=object)
    route_gate[pick.index.to_numpy()] = snap_to_gates(exit_pts, gates, gate_distance)["gate"]
    by_end = snap_to_gates(ends, gates, gate_distance)
    gm = gates.to_crs(rm.crs)
    names = gm["name"].astype(str).to_numpy()
    # gates less than 1 km apart (a road and a railway gate) are one exit: "A / B"
    gxy = shapely.get_coordinates(gm.geometry.centroid.values)
    pairs = cKDTree(gxy).query_pairs(1_000.0, output_type="ndarray")
    adj = sparse.coo_matrix(
        (np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(gm), len(gm))
    )
    _, group = connected_components(adj, directed=False)
    label = {names[i]: str(names[group == group[i]][0]) for i in range(len(gm))}
    also = {
        n: "; ".join(x for x in dict.fromkeys(names[group == group[i]]) if x != label[n])
        for i, n in enumerate(names)
    }
    route_gate = np.array([label.get(x, x) for x in route_gate], dtype=object)
    for k, members in enumerate(lines["_members"]):
        g = route_gate[members]
        known = g != UNKNOWN_GATE
        votes = pd.Series(route_w[members][known]).groupby(g[known]).sum()
        votes = votes.sort_values(ascending=False, kind="stable")
        if len(votes) and votes.iloc[0] >= 0.5 * route_w[members].sum():
            name = str(votes.index[0])
        else:
            name = str(by_end["gate"].iloc[k])
            name = label.get(name, name)
        if name == UNKNOWN_GATE:
            continue
        row = int(np.flatnonzero(names == name)[0])
        out["gate"][k] = name
        out["gate_also"][k] = also.get(name, "")
        out["gate_country"][k] = gm["country"].iloc[row] if "country" in gm else None
        out["gate_distance_m"][k] = float(ends.iloc[k].distance(gm.geometry.iloc[row]))
    return out


def _road_network(network: Any, crs):
    """A :class:`RoadNetwork` in ``crs`` from a network, road lines or a file path."""
    from hotspots.lines.network import RoadNetwork, read_network

    if isinstance(network, gpd.GeoDataFrame | gpd.GeoSeries):
        net = RoadNetwork.from_lines(network)
    elif isinstance(network, RoadNetwork):
        net = network
    else:
        net = read_network(network)
    return net.to_crs(crs)


def _network_name(network: Any) -> str | bool:
    """What the key lines were routed on, for the record: a file, the lines' source, or False."""
    if network is None:
        return False
    if isinstance(network, str | Path):
        return str(network)
    if isinstance(network, gpd.GeoDataFrame) and "source" in network and len(network):
        return str(network["source"].astype(str).value_counts().index[0])
    return "road lines given"


def _along_roads(line: shapely.LineString, net) -> tuple[shapely.LineString, dict]:
    """The key line drawn along the roads, with the roads it uses and the model used.

    The road path is the shortest path through the successive vertices of the
    representative line. Without a network, or when the network does not join the
    vertices, the representative line is kept and the model says so.
    """
    if net is None:
        return line, {"roads": [], "model": "straight-line", "segments": []}
    road, segments = net.road_path(shapely.get_coordinates(line))
    if segments is None:
        return line, {"roads": [], "model": "straight-line (not connected)", "segments": []}
    if road is None or road.length == 0:  # every vertex snaps to one node
        return line, {"roads": [], "model": "straight-line (far from roads)", "segments": []}
    return road, {"roads": net.names(segments), "model": "network", "segments": segments}


def _itinerary(lines: pd.DataFrame) -> list[str]:
    """'QL4D → ĐT155 → cửa khẩu Lào Cai': the roads, then the gate when known."""
    from hotspots.lines.routes import UNKNOWN_GATE

    out = []
    for roads, gate in zip(lines["roads"], lines["gate"], strict=True):
        parts = [roads] if roads else []
        if isinstance(gate, str) and gate and gate != UNKNOWN_GATE:
            parts.append(f"cửa khẩu {gate}")
        out.append(" → ".join(parts))
    return out


def _warn_legs_not_connected(bad: int, total: int) -> None:
    """Say how many route legs the network could not join (they stay straight)."""
    if not bad:
        return
    import warnings

    from hotspots.errors import HotspotsWarning

    warnings.warn(
        f"the road network does not join the two stops of {bad} of {total} route legs; "
        "those legs stay straight lines (KeyLines.params['legs_not_connected']); add the "
        "missing roads or check that the network covers every stop",
        HotspotsWarning,
        stacklevel=3,
    )


def _warn_not_connected(lines: pd.DataFrame) -> None:
    """Name the key lines the road network does not join (never a silent fallback)."""
    bad = lines[lines["line_model"].str.startswith("straight-line (")]
    if len(bad) == 0:
        return
    import warnings

    from hotspots.errors import HotspotsWarning

    names = ", ".join(f"{r} (→ {g})" for r, g in zip(bad["rank"], bad["gate"], strict=True))
    warnings.warn(
        f"the road network does not join the stops of key line(s) {names}, or lies far "
        "from them: they are drawn from the case routes as given (line_model "
        f"{sorted(set(bad['line_model']))}); add the missing roads or check that the "
        "network covers the province",
        HotspotsWarning,
        stacklevel=3,
    )


def _segments_on_lines(segments: gpd.GeoDataFrame, lines: pd.DataFrame) -> gpd.GeoDataFrame:
    """Add ``key_lines``: the ranks of the key lines whose road path uses each segment."""
    on: dict[int, list[str]] = {}
    for rank, segs in zip(lines["rank"], lines["_segments"], strict=True):
        for s in dict.fromkeys(segs):
            on.setdefault(int(s), []).append(str(rank))
    out = segments.copy()
    out["key_lines"] = ["; ".join(on.get(int(s), [])) for s in out["segment"]]
    return out


def _communes_default() -> gpd.GeoDataFrame | None:
    try:
        from hotspots.geodata import communes
    except ImportError:
        return None
    try:
        return communes()
    except Exception:  # noqa: BLE001 - bundled geography missing: no commune names
        return None


def key_lines(
    routes: gpd.GeoDataFrame,
    *,
    eps: float = 2_000.0,
    min_routes: int = 5,
    min_lines: float | None = None,
    max_length: float | None = None,
    directed: bool = True,
    mdl: bool = True,
    gates: gpd.GeoDataFrame | None = None,
    gate_distance: float = 10_000.0,
    communes: gpd.GeoDataFrame | None = None,
    network: Any = None,
    top: int | None = None,
    smooth: float | None = None,
    simplify: float | None = None,
    min_length: float | None = None,
    angle_scale: float | None = None,
    top_segments: int | None = 100,
    merge_share: float | None = 0.5,
    link_eps: float | None = None,
) -> KeyLines:
    """Find the corridors that many case routes share.

    Parameters
    ----------
    routes
        RouteTable (``case_id``, ``seq``, ``role``, ``victims``, Point per stop); an
        origin-destination table can be converted with
        :func:`hotspots.lines.routes.routes_from_od`.
    eps
        Neighbourhood radius of the segment clustering (TRACLUS distance, metres).
    min_routes
        Fewest distinct cases a key line must carry.
    min_lines
        Weight of a piece's neighbourhood for it to be core (default ``min_routes``).
    max_length
        Longest route piece in metres (default ``eps``; ``2 * eps`` with a network:
        routes on the same road give overlapping pieces, and half as many pieces make
        the clustering 2.4 times faster with the same main lines).
    directed
        ``True``: journeys in opposite directions are different lines. ``False``: a
        line carries traffic both ways (``direction`` then tells which dominates).
    mdl
        Partition routes at MDL characteristic points (TRACLUS, keeping every corner
        farther than ``eps / 2`` from the straightened line) instead of every stop.
    gates
        Border gates (``name``, ``country``, Point); default
        :func:`hotspots.geodata.border_gates`.
    gate_distance
        Largest distance (m) from a line's end to a gate for the gate to be named.
    communes
        Commune seats or polygons with a ``name`` column; default
        :func:`hotspots.geodata.communes` when available.
    network
        A :class:`hotspots.lines.network.RoadNetwork`, road lines (GeoDataFrame) or a
        path to a road file; legs then follow shortest paths, each key line is drawn
        along the roads (shortest path through the successive vertices of its
        representative line) with its corridor around those roads, and the volume of
        cases is summed per road segment.
    top
        Keep only the ``top`` ranked lines.
    smooth, simplify
        Smoothing radius and simplification tolerance of the representative line
        (default ``eps`` and ``eps / 2``).
    min_length
        Shortest key line kept, metres (default ``2 * eps``).
    top_segments
        With a network: report only the road segments with the most traversals
        (``None``: every used segment).
    merge_share
        Join clusters that routes follow one after the other (a corridor split at a
        sharp bend) when the routes going on from one to the other carry at least
        this share of each (see :func:`hotspots.lines.segments.merge_consecutive`);
        ``None`` keeps them apart.
    link_eps
        Core pieces join one cluster only through pairs at most this far apart
        (default ``eps / 2``; see :func:`hotspots.lines.segments.cluster_segments`).
    angle_scale
        Least length in the TRACLUS angle distance (default ``4 * eps``): two pieces
        at an angle θ are at least ``angle_scale * sin θ`` apart, so crossing
        corridors stay apart whatever the piece lengths. ``0`` is plain TRACLUS.

    Returns
    -------
    KeyLines
    """
    r = check_routes(routes)
    if min_routes < 1:
        raise InputError(f"min_routes must be at least 1; got {min_routes}")
    if not eps > 0:
        raise InputError(f"eps must be positive metres; got {eps!r}")
    if max_length is None:
        max_length = eps if network is None else 2 * eps
    smooth = eps if smooth is None else smooth
    simplify = eps / 2 if simplify is None else simplify
    min_length = 2 * eps if min_length is None else min_length
    min_lines = min_routes if min_lines is None else min_lines
    angle_scale = 4 * eps if angle_scale is None else angle_scale
    link_eps = eps / 2 if link_eps is None else link_eps
    params = {
        "eps": eps,
        "min_routes": min_routes,
        "min_lines": min_lines,
        "max_length": max_length,
        "directed": directed,
        "mdl": mdl,
        "angle_scale": angle_scale,
        "merge_share": merge_share,
        "link_eps": link_eps,
        "gate_distance": gate_distance,
        "network": _network_name(network),
    }
    crs = metric_crs(r) if len(r) else "EPSG:32648"
    rm = r.to_crs(crs)
    ids = rm["case_id"].to_numpy()
    _, route_idx = np.unique(ids, return_inverse=True)
    xy = shapely.get_coordinates(rm.geometry.values)
    road_segments = None
    net = None
    if network is not None:
        net = _road_network(network, crs)
        w0 = rm["weight"].to_numpy(float)
        xy, path_idx, stop_rows, counts, volume = net.route_stops(xy, route_idx, w0, volume=True)
        road_segments = net.segments_gdf(counts, top=top_segments, volume=volume)
        params["legs_routed"] = net.legs_routed
        params["legs_not_connected"] = net.legs_not_connected
        _warn_legs_not_connected(net.legs_not_connected, net.legs_routed)
        wstop = w0[stop_rows]
    else:
        path_idx = route_idx
        wstop = rm["weight"].to_numpy(float)
    seg = partition_routes(xy, path_idx, max_length, weight=wstop, mdl=mdl, tolerance=eps / 2)
    labels = cluster_segments(
        seg,
        eps,
        min_lines,
        min_routes,
        directed=directed,
        angle_scale=angle_scale,
        link_eps=link_eps,
    )
    if merge_share is not None:
        labels = merge_consecutive(seg, labels, min_routes, merge_share)

    # per-route facts
    n_routes_all = int(route_idx.max()) + 1 if len(route_idx) else 0
    g = rm.groupby(route_idx)
    route_w = g["weight"].first().reindex(range(n_routes_all)).to_numpy(float)
    route_v = pd.to_numeric(g["victims"].max(), errors="coerce").reindex(range(n_routes_all))
    route_v = route_v.fillna(0).to_numpy(float)
    total = float(route_w[np.unique(route_idx)].sum()) if n_routes_all else 0.0

    rows, corridors = [], []
    for c in range(int(labels.max()) + 1 if len(labels) else 0):
        m = labels == c
        sub = Segments(seg.start[m], seg.end[m], seg.route[m], seg.weight[m])
        rank_in_route = pd.Series(sub.route).groupby(sub.route).cumcount().to_numpy()
        per_route = np.bincount(sub.route)[sub.route]
        progress = rank_in_route / np.maximum(per_route - 1, 1)
        line = representative_line(
            sub.start,
            sub.end,
            sub.weight,
            eps / 2,
            smooth,
            simplify,
            progress if directed else None,
        )
        if line is None or line.length < min_length:
            continue
        line, on_roads = _along_roads(line, net)
        members = np.unique(sub.route)
        cases = float(route_w[members].sum())
        victims = float(route_v[members].sum())
        ps = shapely.line_locate_point(line, shapely.points(sub.start))
        pe = shapely.line_locate_point(line, shapely.points(sub.end))
        fwd = float(np.sum(sub.weight * (pe >= ps)) / np.sum(sub.weight))
        dist = shapely.distance(line, shapely.points(sub.mid))
        half = max(float(np.quantile(dist, 0.9)), eps / 2)
        corridor = shapely.buffer(line, half)
        (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
        bearing = float(np.degrees(np.arctan2(x1 - x0, y1 - y0)) % 360)
        rows.append(
            {
                "cases": cases,
                "victims": victims,
                "share": cases / total if total else np.nan,
                "length_km": line.length / 1000.0,
                "direction": "one-way" if fwd >= 0.8 else "two-way",
                "forward_share": fwd,
                "bearing_deg": bearing,
                "heading": _heading(bearing),
                "width_m": 2 * half,
                "n_segments": int(m.sum()),
                "roads": " → ".join(on_roads["roads"]),
                "line_model": on_roads["model"],
                "_segments": on_roads["segments"],
                "_members": members,
                "geometry": line,
            }
        )
        corridors.append(corridor)

    cols = [
        "rank", "cases", "victims", "share", "length_km", "direction", "forward_share",
        "bearing_deg", "heading", "gate", "gate_country", "gate_distance_m", "gate_also",
        "exit_lon",
        "exit_lat", "communes", "n_communes", "width_m", "n_segments", "roads", "itinerary",
        "line_model",
    ]  # fmt: skip
    lines = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs) if rows else None
    if lines is None:
        empty = gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=WGS84)
        if road_segments is not None:
            road_segments = road_segments.assign(key_lines="").to_crs(WGS84)
        return KeyLines(empty, empty.copy(), road_segments, params)
    for col in ("cases", "victims"):
        if np.allclose(lines[col], np.round(lines[col])):
            lines[col] = np.round(lines[col]).astype(np.int64)
    lines["corridor"] = gpd.GeoSeries(corridors, crs=crs, index=lines.index)
    lines = lines.sort_values(
        ["cases", "victims", "length_km"], ascending=False, kind="stable"
    ).reset_index(drop=True)
    lines["rank"] = np.arange(1, len(lines) + 1)
    if top is not None:
        lines = lines[lines["rank"] <= top]

    ends = gpd.GeoSeries(shapely.get_point(lines.geometry.values, -1), crs=crs)
    gate_cols = _gates_for(lines, ends, rm, route_idx, route_w, gates, gate_distance)
    for col, values in gate_cols.items():
        lines[col] = values
    ends_ll = shapely.get_coordinates(ends.to_crs(WGS84).values)
    lines["exit_lon"], lines["exit_lat"] = ends_ll[:, 0], ends_ll[:, 1]
    lines["itinerary"] = _itinerary(lines)
    _warn_not_connected(lines)
    if road_segments is not None:
        road_segments = _segments_on_lines(road_segments, lines).to_crs(WGS84)

    comm = _communes_default() if communes is None else communes
    names, counts_c = [], []
    corr_series = lines["corridor"]
    if comm is not None and len(comm):
        cm = comm.to_crs(crs)
        name_col = "name" if "name" in cm.columns else cm.columns[0]
        for poly in corr_series.values:
            hit = cm[cm.geometry.intersects(poly)]
            nm = sorted(hit[name_col].astype(str).unique())
            names.append("; ".join(nm))
            counts_c.append(len(nm))
    else:
        names = [""] * len(lines)
        counts_c = [0] * len(lines)
    lines["communes"] = names
    lines["n_communes"] = counts_c

    out_lines = gpd.GeoDataFrame(lines[cols], geometry=lines.geometry.values, crs=crs).to_crs(WGS84)
    out_corr = gpd.GeoDataFrame(lines[cols], geometry=corr_series.values, crs=crs).to_crs(WGS84)
    return KeyLines(out_lines, out_corr, road_segments, params)
