"""Sub-trajectory clustering of multi-stop routes, in the spirit of TRACLUS.

Lee, Han & Whang (2007), *Trajectory clustering: a partition-and-group framework*:

1. **partition** each route at its characteristic points (approximate minimum
   description length), then cut partitions longer than ``max_length`` into equal
   pieces, so that shared stretches are found even when routes start and end in
   different places;
2. **group** the pieces by the TRACLUS segment distance (perpendicular + parallel +
   angle distance) with DBSCAN semantics. Candidate neighbours come from a k-d tree on
   piece midpoints (radius ``2 * eps + max_length`` contains every piece within
   ``eps``), processed in chunks so no n × n matrix is formed;
3. keep clusters that hold pieces of at least ``min_routes`` distinct routes.

Representative lines are built in :mod:`hotspots.lines.key_lines`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from hotspots.errors import InputError
from hotspots.lines.flows import _renumber, dbscan_from_pairs

__all__ = [
    "Segments",
    "partition_route",
    "partition_routes",
    "segment_distance",
    "cluster_segments",
]


@dataclass
class Segments:
    """Route pieces in metric coordinates.

    Attributes
    ----------
    start, end
        (m, 2) arrays of piece end points (metres).
    route
        (m,) index of the route each piece belongs to.
    weight
        (m,) number of flows the piece's route stands for.
    """

    start: np.ndarray
    end: np.ndarray
    route: np.ndarray
    weight: np.ndarray

    def __len__(self) -> int:
        return len(self.route)

    @property
    def length(self) -> np.ndarray:
        """Length of each piece in metres."""
        return np.hypot(*(self.end - self.start).T)

    @property
    def mid(self) -> np.ndarray:
        """Midpoint of each piece."""
        return (self.start + self.end) / 2.0


def _log2(x: float) -> float:
    return math.log2(x) if x > 1.0 else 0.0


def _perp_angle(sx, sy, ex, ey, px, py, qx, qy) -> tuple[float, float]:
    """TRACLUS perpendicular and angle distance of segment p-q to hypothesis s-e."""
    dx, dy = ex - sx, ey - sy
    l2 = dx * dx + dy * dy
    if l2 == 0.0:
        return math.hypot(px - sx, py - sy), 0.0
    ll = math.sqrt(l2)
    l1 = abs((px - sx) * dy - (py - sy) * dx) / ll
    l2p = abs((qx - sx) * dy - (qy - sy) * dx) / ll
    perp = (l1 * l1 + l2p * l2p) / (l1 + l2p) if l1 + l2p > 0 else 0.0
    ux, uy = qx - px, qy - py
    lj = math.hypot(ux, uy)
    if lj == 0.0:
        return perp, 0.0
    cos = (ux * dx + uy * dy) / (lj * ll)
    sin = math.sqrt(max(0.0, 1.0 - cos * cos))
    ang = lj * sin if cos >= 0 else lj
    return perp, ang


def partition_route(xy: np.ndarray, tolerance: float | None = None) -> np.ndarray:
    """Indices of the characteristic points of one route (approximate MDL).

    Parameters
    ----------
    xy
        (k, 2) stop coordinates in metres, in order.
    tolerance
        Also cut where a stop lies farther than ``tolerance`` metres from the
        hypothesis segment. TRACLUS's MDL costs are logarithms of lengths in the
        coordinate unit, so with few, long legs it straightens real corners; the
        tolerance keeps every corner that matters at the analysis scale.

    Returns
    -------
    numpy.ndarray
        Increasing indices into ``xy``, always including the first and the last stop.
    """
    n = len(xy)
    if n <= 2:
        return np.arange(n)
    pts = [(float(x), float(y)) for x, y in xy]
    cps = [0]
    start, length = 0, 1
    while start + length < n:
        curr = start + length
        sx, sy = pts[start]
        ex, ey = pts[curr]
        # MDL with partitioning: L(H) + L(D|H)
        lh = _log2(math.hypot(ex - sx, ey - sy))
        perp_sum = ang_sum = 0.0
        nopar = 0.0
        off = 0.0
        hl = math.hypot(ex - sx, ey - sy)
        for k in range(start, curr):
            px, py = pts[k]
            qx, qy = pts[k + 1]
            p, a = _perp_angle(sx, sy, ex, ey, px, py, qx, qy)
            perp_sum += p
            ang_sum += a
            nopar += _log2(math.hypot(qx - px, qy - py))
            if tolerance is not None and k > start and hl > 0:
                off = max(off, abs((px - sx) * (ey - sy) - (py - sy) * (ex - sx)) / hl)
        par = lh + _log2(perp_sum) + _log2(ang_sum)
        too_far = tolerance is not None and off > tolerance
        if (par > nopar or too_far) and curr - 1 > start:
            cps.append(curr - 1)
            start, length = curr - 1, 1
        else:
            length += 1
    if cps[-1] != n - 1:
        cps.append(n - 1)
    return np.asarray(cps, dtype=np.intp)


def partition_routes(
    xy: np.ndarray,
    route: np.ndarray,
    max_length: float,
    weight: np.ndarray | None = None,
    mdl: bool = True,
    tolerance: float | None = None,
) -> Segments:
    """Partition routes at characteristic points and cut long partitions into pieces.

    Parameters
    ----------
    xy
        (k, 2) stop coordinates in metres of all routes, grouped by route, in order.
    route
        (k,) route index of each stop (stops of a route contiguous).
    max_length
        Longest piece in metres; longer partitions are cut into equal pieces.
    weight
        Optional (k,) weight per stop (the route's weight; first stop used).
    mdl
        Partition at MDL characteristic points (``True``) or at every stop.
    tolerance
        Corner tolerance in metres for the MDL partition (see :func:`partition_route`).

    Returns
    -------
    Segments
    """
    xy = np.asarray(xy, dtype=float)
    route = np.asarray(route)
    if not max_length > 0:
        raise InputError(f"max_length must be positive metres; got {max_length!r}")
    w = np.ones(len(xy)) if weight is None else np.asarray(weight, dtype=float)
    bounds = np.flatnonzero(np.r_[True, route[1:] != route[:-1], True])
    keep_idx = []
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        if b - a < 2:
            continue
        cp = partition_route(xy[a:b], tolerance) if mdl else np.arange(b - a)
        keep_idx.append(a + cp)
    if not keep_idx:
        empty = np.empty((0, 2))
        return Segments(empty, empty, np.empty(0, np.intp), np.empty(0))
    idx = np.concatenate(keep_idx)
    r = route[idx]
    same = r[1:] == r[:-1]
    s_i, e_i = idx[:-1][same], idx[1:][same]
    s, e = xy[s_i], xy[e_i]
    seg_len = np.hypot(*(e - s).T)
    ok = seg_len > 0
    s, e, s_i, seg_len = s[ok], e[ok], s_i[ok], seg_len[ok]
    n_pieces = np.maximum(1, np.ceil(seg_len / max_length).astype(np.intp))
    rep = np.repeat(np.arange(len(s)), n_pieces)
    k = np.arange(len(rep)) - np.repeat(np.cumsum(n_pieces) - n_pieces, n_pieces)
    t0 = (k / n_pieces[rep])[:, None]
    t1 = ((k + 1) / n_pieces[rep])[:, None]
    d = (e - s)[rep]
    return Segments(
        start=s[rep] + t0 * d,
        end=s[rep] + t1 * d,
        route=route[s_i][rep],
        weight=w[s_i][rep],
    )


def segment_distance(
    a_start: np.ndarray,
    a_end: np.ndarray,
    b_start: np.ndarray,
    b_end: np.ndarray,
    directed: bool = True,
    weights: tuple[float, float, float] = (1.0, 1.0, 1.0),
    angle_scale: float = 0.0,
) -> np.ndarray:
    """TRACLUS distance between matching rows of two sets of segments.

    The longer segment of each pair is the reference ``L_i``; the shorter ``L_j`` is
    projected on its line. ``d_perp = (l1² + l2²) / (l1 + l2)``,
    ``d_par = min(l∥1, l∥2)`` (distance of each projected end point to the nearer end
    of ``L_i``), ``d_angle = |L_j| sin θ`` (``|L_j|`` when θ ≥ 90° and ``directed``;
    undirected uses ``|sin θ|``). Returns ``w_perp d_perp + w_par d_par + w_angle
    d_angle``.

    ``angle_scale > 0`` replaces ``|L_j|`` in the angle distance by
    ``max(|L_j|, angle_scale)``: short pieces then no longer look alike whatever their
    direction (plain TRACLUS lets two short crossing pieces be neighbours).
    """
    a_start, a_end, b_start, b_end = (
        np.asarray(v, dtype=float).reshape(-1, 2) for v in (a_start, a_end, b_start, b_end)
    )
    return _distance(
        a_start[:, 0], a_start[:, 1], a_end[:, 0], a_end[:, 1],
        b_start[:, 0], b_start[:, 1], b_end[:, 0], b_end[:, 1],
        directed, weights, angle_scale,
    )  # fmt: skip


def _distance(ax, ay, bx, by, cx, cy, dx, dy, directed, weights, angle_scale) -> np.ndarray:
    """Vectorised TRACLUS distance of segments a→b and c→d (1-D coordinate arrays)."""
    la = np.hypot(bx - ax, by - ay)
    lc = np.hypot(dx - cx, dy - cy)
    swap = lc > la
    # reference i (longer) and j (shorter)
    six, siy = np.where(swap, cx, ax), np.where(swap, cy, ay)
    eix, eiy = np.where(swap, dx, bx), np.where(swap, dy, by)
    sjx, sjy = np.where(swap, ax, cx), np.where(swap, ay, cy)
    ejx, ejy = np.where(swap, bx, dx), np.where(swap, by, dy)
    li = np.maximum(la, lc)
    lj = np.minimum(la, lc)
    pointlike = li == 0
    inv = 1.0 / np.where(pointlike, 1.0, li)
    ux, uy = (eix - six) * inv, (eiy - siy) * inv
    vsx, vsy = sjx - six, sjy - siy
    vex, vey = ejx - six, ejy - siy
    ts = vsx * ux + vsy * uy
    te = vex * ux + vey * uy
    l1 = np.abs(vsx * uy - vsy * ux)
    l2 = np.abs(vex * uy - vey * ux)
    den = l1 + l2
    perp = np.where(den > 0, (l1 * l1 + l2 * l2) / np.where(den > 0, den, 1.0), 0.0)
    par = np.minimum(
        np.minimum(np.abs(ts), np.abs(ts - li)), np.minimum(np.abs(te), np.abs(te - li))
    )
    wjx, wjy = ejx - sjx, ejy - sjy
    invj = 1.0 / np.where(lj > 0, lj, 1.0)
    sin = np.abs(ux * wjy - uy * wjx) * invj
    lang = np.maximum(lj, angle_scale)
    ang = lang * sin
    if directed:
        ang = np.where(ux * wjx + uy * wjy < 0, lang, ang)
    if pointlike.any():
        perp = np.where(pointlike, np.hypot(vsx, vsy), perp)
        par = np.where(pointlike, 0.0, par)
    wp, wl, wa = weights
    return wp * perp + wl * par + wa * ang


def _neighbour_pairs(
    seg: Segments,
    eps: float,
    directed: bool,
    weights: tuple[float, float, float],
    chunk: int,
    angle_scale: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mid = seg.mid
    radius = _candidate_radius(seg, eps, weights)
    cand = cKDTree(mid).query_pairs(radius, output_type="ndarray")
    sx, sy = seg.start[:, 0], seg.start[:, 1]
    ex, ey = seg.end[:, 0], seg.end[:, 1]
    out_i, out_j, out_d = [], [], []
    for a in range(0, len(cand), chunk):
        ii = cand[a : a + chunk, 0]
        jj = cand[a : a + chunk, 1]
        d = _distance(
            sx[ii], sy[ii], ex[ii], ey[ii], sx[jj], sy[jj], ex[jj], ey[jj],
            directed, weights, angle_scale,
        )  # fmt: skip
        ok = d <= eps
        out_i.append(ii[ok])
        out_j.append(jj[ok])
        out_d.append(d[ok])
    if not out_i:
        return np.empty(0, np.intp), np.empty(0, np.intp), np.empty(0)
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_d)


def _candidate_radius(seg: Segments, eps: float, weights: tuple[float, float, float]) -> float:
    """Midpoint distance within which every piece at TRACLUS distance ``eps`` lies."""
    lmax = float(seg.length.max(initial=0.0))
    wp, wl, _ = weights
    # a piece within eps has its midpoint within eps/wp across and eps/wl + lmax along
    return float(np.hypot(eps / wp, eps / wl + lmax)) if wp > 0 and wl > 0 else np.inf


def _pair_labels(
    seg: Segments,
    eps: float,
    min_lines: float,
    directed: bool,
    weights: tuple[float, float, float],
    angle_scale: float,
    link_eps: float | None,
    chunk: int,
) -> np.ndarray:
    """DBSCAN labels from the list of all neighbour pairs (memory grows with the pairs).

    The reference for the compiled scan of :mod:`hotspots.lines._scan` (same labels),
    used when no finite candidate radius exists (a zero distance weight).
    """
    n = len(seg)
    i, j, d = _neighbour_pairs(seg, eps, directed, weights, chunk, angle_scale)
    # pieces of the same route neither count towards density nor link clusters
    other = seg.route[i] != seg.route[j]
    i, j, d = i[other], j[other], d[other]
    # density = total weight of the distinct routes in the neighbourhood (own included)
    n_routes = int(seg.route.max()) + 1
    key = np.sort(
        np.r_[i, j, np.arange(n)].astype(np.int64) * n_routes
        + np.r_[seg.route[j], seg.route[i], seg.route]
    )
    key = key[np.r_[True, key[1:] != key[:-1]]]  # sort-based unique: fast on large arrays
    route_w = np.zeros(n_routes)
    route_w[seg.route] = seg.weight
    density = np.bincount(key // n_routes, weights=route_w[key % n_routes], minlength=n)
    link = None if link_eps is None or link_eps >= eps else d <= link_eps
    return dbscan_from_pairs(n, i, j, min_lines, dist=d, core=density >= min_lines, link=link)


def cluster_segments(
    seg: Segments,
    eps: float,
    min_lines: float,
    min_routes: int = 1,
    *,
    directed: bool = True,
    weights: tuple[float, float, float] = (1.0, 1.0, 1.0),
    angle_scale: float = 0.0,
    link_eps: float | None = None,
    chunk: int = 262_144,
) -> np.ndarray:
    """Group route pieces by TRACLUS distance with DBSCAN semantics.

    Parameters
    ----------
    seg
        Route pieces from :func:`partition_routes`.
    eps
        Neighbourhood radius (TRACLUS distance, metres).
    min_lines
        Total weight of the distinct routes with a piece in a piece's neighbourhood
        (its own route included) for the piece to be core. Pieces of the same route
        are never neighbours of each other, so one long route cannot make a cluster.
    min_routes
        Clusters with pieces of fewer distinct routes become noise.
    directed
        Whether opposite directions count as different (see :func:`segment_distance`).
    weights
        Weights of the perpendicular, parallel and angle distances.
    angle_scale
        Least length used in the angle distance (see :func:`segment_distance`).
    link_eps
        Core pieces join one cluster only through pairs at most ``link_eps`` apart
        (default ``eps``: plain DBSCAN). Inside a corridor core pieces have many close
        neighbours, so a smaller radius keeps corridors whole while cutting the few
        long single links that chain two corridors together.
    chunk
        Candidate pairs per batch of distance computations (memory bound).

    Returns
    -------
    numpy.ndarray
        Cluster label per piece, ``-1`` for noise, numbered by first member.
    """
    n = len(seg)
    if n == 0:
        return np.empty(0, dtype=np.intp)
    if not eps > 0:
        raise InputError(f"eps must be positive metres; got {eps!r}")
    n_routes = int(seg.route.max()) + 1
    route_w = np.zeros(n_routes)
    route_w[seg.route] = seg.weight
    radius = _candidate_radius(seg, eps, weights)
    if np.isfinite(radius) and radius > 0:
        from hotspots.lines._scan import scan_labels

        thr = eps if link_eps is None else min(link_eps, eps)
        labels = _renumber(
            scan_labels(
                seg.start, seg.end, seg.route, route_w, eps=eps, min_lines=min_lines,
                link_eps=thr, radius=radius, directed=directed, weights=weights,
                angle_scale=angle_scale,
            )
        )  # fmt: skip
    else:
        labels = _pair_labels(seg, eps, min_lines, directed, weights, angle_scale, link_eps, chunk)
    if min_routes > 1 and (labels >= 0).any():
        lab = labels[labels >= 0]
        pairs = np.unique(np.column_stack([lab, seg.route[labels >= 0]]), axis=0)
        n_routes = np.bincount(pairs[:, 0], minlength=labels.max() + 1)
        small = n_routes[np.maximum(labels, 0)] < min_routes
        labels = np.where((labels >= 0) & ~small, labels, -1)
        labels = _renumber(labels)
    return labels


def merge_consecutive(
    seg: Segments, labels: np.ndarray, min_routes: float, share: float = 0.5
) -> np.ndarray:
    """Join clusters that follow each other along the same routes.

    A sharp bend splits a corridor into clusters (pieces at a large angle are not
    neighbours). Cluster ``X`` is joined to cluster ``Y`` when routes go from ``X``
    straight on to ``Y`` (noise pieces in between allowed) with a total weight of at
    least ``min_routes`` and at least ``share`` of the route weight of *each* of the two
    clusters, so a real fork or a crossing corridor stays apart.

    Parameters
    ----------
    seg
        The pieces, in route order (as :func:`partition_routes` returns them).
    labels
        Cluster labels of the pieces (``-1`` noise).
    min_routes, share
        See above.

    Returns
    -------
    numpy.ndarray
        New labels, renumbered by first member.
    """
    keep = labels >= 0
    if keep.sum() < 2:
        return labels
    lab, rt, w = labels[keep], seg.route[keep], seg.weight[keep]
    n_lab = int(lab.max()) + 1
    # route weight per cluster
    key = np.unique(lab.astype(np.int64) * (int(rt.max()) + 1) + rt)
    r_of = key % (int(rt.max()) + 1)
    route_w = np.zeros(int(rt.max()) + 1)
    route_w[rt] = w
    cluster_w = np.bincount(key // (int(rt.max()) + 1), weights=route_w[r_of], minlength=n_lab)
    # transitions X -> Y between consecutive labelled pieces of a route
    step = (rt[1:] == rt[:-1]) & (lab[1:] != lab[:-1])
    x, y, r = lab[:-1][step], lab[1:][step], rt[1:][step]
    if len(x) == 0:
        return labels
    trip = np.unique(np.column_stack([x, y, r]), axis=0)  # each route once per pair
    pair, inv = np.unique(trip[:, :2], axis=0, return_inverse=True)
    tw = np.bincount(inv.ravel(), weights=route_w[trip[:, 2]])
    ok = (tw >= min_routes) & (tw >= share * cluster_w[pair[:, 0]])
    ok &= tw >= share * cluster_w[pair[:, 1]]
    if not ok.any():
        return labels
    g = sparse.coo_matrix((np.ones(ok.sum()), (pair[ok, 0], pair[ok, 1])), shape=(n_lab, n_lab))
    _, comp = connected_components(g, directed=False)
    out = labels.copy()
    out[keep] = comp[lab]
    return _renumber(out)
