"""Checkpoint siting: where to stand so that the most trafficking flow passes by.

Two exact models, solved as mixed-integer programs with ``scipy.optimize.milp``
(HiGHS); the optimality gap HiGHS proves is reported with every answer.

* **Flow interception** (Hodgson 1990, FIFLP): flows ``q`` with volume ``f_q`` travel
  along paths (the key lines, or case routes); a site ``k`` intercepts ``q`` when it is
  within ``radius_m`` of the path. Choose ``p`` sites to maximise the intercepted
  volume ``sum f_q y_q`` with ``y_q <= sum_{k near q} x_k``, ``sum x_k = p``. A flow
  counts once however many sites it passes.
* **Maximal covering** (Church & ReVelle 1974) for key areas: an area is covered when
  a site lies within ``radius_m`` of it; maximise the covered area weight.

Candidate sites (:func:`candidate_sites`) are the vertices of the key lines (and
points spaced along them), border gates, commune seats and, with road lines, the road
junctions and road segments the key lines follow (named after their roads).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix, hstack, identity, vstack
from shapely.geometry import Point

from hotspots.data.crs import WGS84, metric_crs
from hotspots.errors import InputError

__all__ = [
    "CheckpointPlan",
    "candidate_sites",
    "site_checkpoints",
    "cover_key_areas",
    "flow_weights",
]


@dataclass
class CheckpointPlan:
    """Chosen checkpoint sites and how much they intercept.

    Attributes
    ----------
    sites
        GeoDataFrame (EPSG:4326): ``rank``, ``kind``, ``name``, ``volume`` (volume of
        the flows/areas this site covers), ``marginal`` (what it adds, in rank order),
        ``covers`` (ids of lines/areas, ";"-joined), geometry. Sites that would add
        nothing (``p`` larger than needed to intercept everything) are left out;
        ``params["unused"]`` counts them.
    intercepted
        Total volume intercepted (counted once per flow/area).
    total
        Total volume of all flows/areas.
    gap
        Relative optimality gap proven by HiGHS (0 = proven optimal).
    status
        Solver message.
    model
        ``"flow-interception"`` or ``"maximal-covering"``.
    """

    sites: gpd.GeoDataFrame
    intercepted: float
    total: float
    gap: float
    status: str
    model: str
    params: dict = field(default_factory=dict)

    @property
    def share(self) -> float:
        """Share of the total volume intercepted."""
        return self.intercepted / self.total if self.total > 0 else 0.0

    def to_gdf(self) -> gpd.GeoDataFrame:
        """Return the sites table."""
        return self.sites.copy()

    def to_file(self, path: str | Path) -> Path:
        """Write the sites to GeoPackage (``.gpkg``) or GeoJSON (other extensions)."""
        path = Path(path)
        driver = "GPKG" if path.suffix.lower() == ".gpkg" else "GeoJSON"
        self.sites.to_file(path, driver=driver)
        return path

    def explore(self, area=None, synthetic: bool = False, lang: str = "vi"):
        """Return an offline map (no CDN, no tiles) of the sites."""
        from hotspots.maps import add_checkpoints, base_map

        m = base_map(area, lang=lang, synthetic=synthetic)
        return add_checkpoints(m, self.sites)


def flow_weights(frame: pd.DataFrame) -> np.ndarray:
    """Return the weight of each key line/area: ``score``, else ``cases``, else 1."""
    for col in ("score", "volume", "cases", "victims"):
        if col in frame:
            w = pd.to_numeric(frame[col], errors="coerce").fillna(0.0).to_numpy(float)
            return np.clip(w, 0.0, None)
    return np.ones(len(frame))


def candidate_sites(
    lines: gpd.GeoDataFrame,
    gates: gpd.GeoDataFrame | None = None,
    seats: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    spacing_m: float | None = 2000.0,
    near_m: float = 2000.0,
) -> gpd.GeoDataFrame:
    """Return candidate checkpoint sites.

    Parameters
    ----------
    lines
        Key lines (LineStrings).
    gates
        Border gates (points with ``name``).
    seats
        Commune seats (points with ``name``): commune police posts.
    roads
        Road lines (``ref``/``name`` optional, noded at junctions as ``hotspots roads``
        writes them): the segments a key line runs along (within 25 m; else, for lines
        not drawn on these roads, within ``near_m``) give a candidate at their middle
        (``road_segment``, named after the road) and at their ends where three or more
        segments meet (``road_junction``, named after the roads that meet there).
    spacing_m
        Also place candidates every ``spacing_m`` metres along each key line (``None``:
        vertices only).
    near_m
        Gates, seats and road vertices farther than this from every key line are left
        out (they could intercept nothing).

    Returns
    -------
    geopandas.GeoDataFrame
        ``kind`` (``line_vertex``, ``line_point``, ``border_gate``, ``commune_seat``,
        ``road_junction``, ``road_segment``), ``name``, geometry (EPSG:4326);
        duplicates within 1 m removed (the named kind kept).
    """
    if len(lines) == 0:
        raise InputError("no key lines to place checkpoints on")
    crs = metric_crs(lines)
    lm = lines.to_crs(crs)
    rows: list[tuple[str, str, Point]] = []
    for i, geom in enumerate(lm.geometry):
        label = _label(lines, i)
        for part in getattr(geom, "geoms", [geom]):
            for x, y in list(part.coords):
                rows.append(("line_vertex", f"{label}", Point(x, y)))
            if spacing_m:
                n = int(part.length // spacing_m)
                for k in range(1, n + 1):
                    rows.append(("line_point", label, part.interpolate(k * spacing_m)))
    union = lm.geometry.union_all()
    for kind, frame in (("border_gate", gates), ("commune_seat", seats)):
        if frame is None or len(frame) == 0:
            continue
        fm = frame.to_crs(crs)
        names = frame["name"].astype(str) if "name" in frame else pd.Series([""] * len(frame))
        for name, g in zip(names, fm.geometry, strict=True):
            if g is not None and g.distance(union) <= near_m:
                rows.append((kind, name, g))
    if roads is not None and len(roads):
        rows += _road_candidates(roads.to_crs(crs), union, near_m)
    out = gpd.GeoDataFrame(
        {"kind": [r[0] for r in rows], "name": [r[1] for r in rows]},
        geometry=[r[2] for r in rows],
        crs=crs,
    )
    key = out.geometry.x.round(0).astype(str) + "," + out.geometry.y.round(0).astype(str)
    # keep the most meaningful kind first when two candidates coincide
    order = {
        "border_gate": 0, "commune_seat": 1, "road_junction": 2, "line_vertex": 3,
        "road_segment": 4, "line_point": 5,
    }  # fmt: skip
    out = out.assign(_o=out["kind"].map(order).fillna(4), _k=key).sort_values(["_o"], kind="stable")
    out = out.drop_duplicates("_k").drop(columns=["_o", "_k"]).sort_index()
    return out.to_crs(WGS84).reset_index(drop=True)


def _road_candidates(roads: gpd.GeoDataFrame, union, near_m: float, on_m: float = 25.0) -> list:
    """Road segments along the key lines (their middles) and junctions at their ends."""
    from hotspots.lines.network import RoadNetwork

    net = RoadNetwork.from_lines(roads)
    net = net.to_crs(roads.crs)
    mids = shapely.line_interpolate_point(net.geometry.astype(object), 0.5, normalized=True)
    dist = shapely.distance(mids, union)
    on = np.flatnonzero(dist <= on_m)
    if len(on) == 0:  # key lines not drawn on these roads: the segments near them
        on = np.flatnonzero(dist <= near_m)
    labels = net.attrs["label"].to_numpy()
    rows: list[tuple[str, str, Point]] = []
    for k in on:
        rows.append(("road_segment", str(labels[k]), Point(shapely.get_coordinates(mids[k])[0])))
    degree = np.bincount(np.r_[net.u, net.v], minlength=len(net.nodes))
    ends = np.unique(np.r_[net.u[on], net.v[on]])
    for node in ends[degree[ends] >= 3]:
        at = (net.u == node) | (net.v == node)
        names = [x for x in dict.fromkeys(labels[at].tolist()) if x]
        rows.append(("road_junction", " × ".join(names), Point(net.nodes[node])))
    return rows


def _label(frame: pd.DataFrame, i: int) -> str:
    for col in ("name", "gate", "rank"):
        if col in frame and pd.notna(frame[col].iloc[i]):
            prefix = "" if col == "name" else ("tuyến " if col == "rank" else "→ ")
            return f"{prefix}{frame[col].iloc[i]}"
    return f"#{i + 1}"


def _max_cover(
    weights: np.ndarray, cover: np.ndarray, p: int, time_limit: float
) -> tuple[np.ndarray, float, str]:
    """Solve max sum w_q y_q, y_q <= sum_k cover[q,k] x_k, sum x = p, x binary."""
    nq, nk = cover.shape
    # variables: x (nk, binary) then y (nq, continuous in [0, 1])
    c = np.concatenate([np.zeros(nk), -weights])
    a_link = hstack([-csr_matrix(cover.astype(float)), identity(nq, format="csr")])
    a_card = hstack([csr_matrix(np.ones((1, nk))), csr_matrix((1, nq))])
    a = vstack([a_link, a_card]).tocsr()
    lb = np.concatenate([np.full(nq, -np.inf), [p]])
    ub = np.concatenate([np.zeros(nq), [p]])
    integrality = np.concatenate([np.ones(nk), np.zeros(nq)])
    res = milp(
        c,
        constraints=LinearConstraint(a, lb, ub),
        integrality=integrality,
        bounds=Bounds(0, 1),
        options={"time_limit": float(time_limit), "mip_rel_gap": 0.0},
    )
    if res.x is None:
        raise InputError(f"checkpoint siting found no solution: {res.message}")
    x = res.x[:nk] > 0.5
    gap = float(res.mip_gap) if getattr(res, "mip_gap", None) is not None else float("nan")
    return x, gap, str(res.message)


def _solve_plan(
    demand: gpd.GeoDataFrame,
    weights: np.ndarray,
    candidates: gpd.GeoDataFrame,
    p: int,
    radius_m: float,
    time_limit: float,
    model: str,
) -> CheckpointPlan:
    if p < 1:
        raise InputError(f"the number of checkpoints p must be >= 1, got {p}")
    if len(candidates) == 0:
        raise InputError("no candidate checkpoint sites")
    crs = metric_crs(demand)
    dm = demand.to_crs(crs).geometry
    cm = candidates.to_crs(crs).geometry
    cover = np.zeros((len(dm), len(cm)), dtype=bool)
    for q, g in enumerate(dm):
        cover[q] = cm.distance(g).to_numpy() <= radius_m
    p_eff = min(p, len(cm))
    x, gap, status = _max_cover(weights, cover, p_eff, time_limit)
    chosen = np.flatnonzero(x)
    # rank chosen sites greedily by marginal volume (most useful first)
    covered = np.zeros(len(dm), dtype=bool)
    order, marginal = [], []
    remaining = list(chosen)
    while remaining:
        gains = [float(weights[cover[:, k] & ~covered].sum()) for k in remaining]
        j = int(np.argmax(gains))
        k = remaining.pop(j)
        order.append(k)
        marginal.append(gains[j])
        covered |= cover[:, k]
    # sites that add nothing (p larger than needed) are left out and counted
    useful = [j for j, g in enumerate(marginal) if g > 0] or list(range(len(order)))
    unused = len(order) - len(useful)
    order = [order[j] for j in useful]
    marginal = [marginal[j] for j in useful]
    ids = _ids(demand)
    sites = candidates.iloc[order].copy().reset_index(drop=True)
    sites.insert(0, "rank", np.arange(1, len(order) + 1))
    sites["volume"] = [float(weights[cover[:, k]].sum()) for k in order]
    sites["marginal"] = marginal
    sites["covers"] = [";".join(ids[cover[:, k]]) for k in order]
    return CheckpointPlan(
        sites=sites,
        intercepted=float(weights[covered].sum()),
        total=float(weights.sum()),
        gap=gap,
        status=status,
        model=model,
        params={
            "p": p,
            "radius_m": radius_m,
            "candidates": len(candidates),
            "unused": unused,
        },
    )


def _ids(frame: pd.DataFrame) -> np.ndarray:
    if "rank" in frame:
        return frame["rank"].astype(str).to_numpy()
    return np.array([str(i + 1) for i in range(len(frame))])


def site_checkpoints(
    lines: gpd.GeoDataFrame,
    p: int,
    candidates: gpd.GeoDataFrame | None = None,
    flows: gpd.GeoDataFrame | None = None,
    radius_m: float = 500.0,
    time_limit: float = 30.0,
    **candidate_kwargs,
) -> CheckpointPlan:
    """Choose ``p`` checkpoint sites that intercept the most flow (Hodgson 1990).

    Parameters
    ----------
    lines
        Key lines (LineStrings, EPSG:4326); weight from ``score``, else ``cases``, else 1.
    p
        Number of checkpoints.
    candidates
        Candidate sites (default: :func:`candidate_sites` of ``lines`` with
        ``candidate_kwargs``, e.g. ``gates=``, ``seats=``, ``roads=``).
    flows
        Optional individual flow paths (e.g. case routes as LineStrings with a
        ``victims``/``cases``/``score`` column) to intercept instead of the key lines
        themselves. With key lines only, each line is one flow, so ``p`` >= number of
        lines intercepts everything.
    radius_m
        A site intercepts a flow whose path passes within this distance.
    time_limit
        Seconds for HiGHS; the gap proven by then is reported.

    Returns
    -------
    CheckpointPlan
    """
    if candidates is None:
        candidates = candidate_sites(lines, **candidate_kwargs)
    demand = lines if flows is None else flows
    return _solve_plan(
        demand, flow_weights(demand), candidates, p, radius_m, time_limit, "flow-interception"
    )


def cover_key_areas(
    areas: gpd.GeoDataFrame,
    p: int,
    candidates: gpd.GeoDataFrame,
    radius_m: float = 1000.0,
    time_limit: float = 30.0,
) -> CheckpointPlan:
    """Choose ``p`` sites covering the most key-area weight (maximal covering).

    An area is covered when a site lies within ``radius_m`` of its polygon.
    """
    return _solve_plan(
        areas, flow_weights(areas), candidates, p, radius_m, time_limit, "maximal-covering"
    )
