"""Compiled neighbour scans of route pieces: DBSCAN without a list of pairs.

:func:`scan_labels` gives exactly the labels of the pair-list DBSCAN of
:func:`hotspots.lines.segments.cluster_segments` (same core pieces, same clusters, same
border assignment, ties to the lowest index) while holding only O(n) memory:

1. **core**: for each piece, the candidates in the grid cells around its midpoint
   (cell side = a quarter of the candidate radius) are visited nearest cell first; the
   TRACLUS distance is computed only for a route not yet counted, and the scan stops as
   soon as the weight of the distinct routes reaches ``min_lines``;
2. **links**: core pieces are joined with a union-find, cell pair by cell pair; a cell
   pair whose core pieces are already in one cluster is skipped, and the distance of a
   candidate pair is computed only when the two pieces are not yet in one cluster;
3. **border**: a non-core piece joins the cluster of its nearest core neighbour.

Memory is a few arrays of length n; time is linear in the number of candidates visited.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def _dist(ax, ay, bx, by, cx, cy, dx, dy, directed, wp, wl, wa, angle_scale):  # pragma: no cover
    """Scalar TRACLUS distance, the same operations as ``segments._distance``."""
    la = math.hypot(bx - ax, by - ay)
    lc = math.hypot(dx - cx, dy - cy)
    if lc > la:
        six, siy, eix, eiy, sjx, sjy, ejx, ejy = cx, cy, dx, dy, ax, ay, bx, by
        li, lj = lc, la
    else:
        six, siy, eix, eiy, sjx, sjy, ejx, ejy = ax, ay, bx, by, cx, cy, dx, dy
        li, lj = la, lc
    pointlike = li == 0.0
    inv = 1.0 / (1.0 if pointlike else li)
    ux, uy = (eix - six) * inv, (eiy - siy) * inv
    vsx, vsy = sjx - six, sjy - siy
    vex, vey = ejx - six, ejy - siy
    ts = vsx * ux + vsy * uy
    te = vex * ux + vey * uy
    l1 = abs(vsx * uy - vsy * ux)
    l2 = abs(vex * uy - vey * ux)
    den = l1 + l2
    perp = (l1 * l1 + l2 * l2) / den if den > 0 else 0.0
    par = min(min(abs(ts), abs(ts - li)), min(abs(te), abs(te - li)))
    wjx, wjy = ejx - sjx, ejy - sjy
    invj = 1.0 / (lj if lj > 0 else 1.0)
    sin = abs(ux * wjy - uy * wjx) * invj
    lang = max(lj, angle_scale)
    ang = lang * sin
    if directed and ux * wjx + uy * wjy < 0:
        ang = lang
    if pointlike:
        perp = math.hypot(vsx, vsy)
        par = 0.0
    return wp * perp + wl * par + wa * ang


@njit(cache=True, inline="always")
def _pair(i, j, s, e, directed, w, angle_scale):  # pragma: no cover
    """Distance of pieces i and j, the lower index as the first segment."""
    a, b = (i, j) if i < j else (j, i)
    return _dist(
        s[a, 0], s[a, 1], e[a, 0], e[a, 1], s[b, 0], s[b, 1], e[b, 0], e[b, 1],
        directed, w[0], w[1], w[2], angle_scale,
    )  # fmt: skip


@njit(cache=True)
def _find(parent, a):  # pragma: no cover
    root = a
    while parent[root] != root:
        root = parent[root]
    while parent[a] != root:
        nxt = parent[a]
        parent[a] = root
        a = nxt
    return root


@njit(cache=True, inline="always")
def _key(x, y, a, off, stride, nb):  # pragma: no cover
    """Key of the cell at offset ``off`` (x, y, direction bin; bins wrap around)."""
    return ((x + off[0]) * stride + y + off[1]) * nb + (a + off[2]) % nb


@njit(cache=True)
def _cell(k, ukeys):  # pragma: no cover
    """Position of cell key ``k`` among the occupied cells, or -1."""
    p = np.searchsorted(ukeys, k)
    return p if p < len(ukeys) and ukeys[p] == k else -1


@njit(cache=True)
def _core(s, e, mid, route, route_w, min_lines, eps, r2, directed, w, ang, grid):  # noqa: E501  # pragma: no cover
    """Core flag per piece (distinct-route weight within eps reaches ``min_lines``).

    Cells are visited nearest first, so a piece in a corridor is found core after a
    few distance computations.
    """
    cx, cy, ab, nb, ukeys, starts, order, stride, offs = grid
    n = len(route)
    core = np.zeros(n, dtype=np.bool_)
    mark = np.full(len(route_w), -1, dtype=np.int64)
    for i in range(n):
        dens = route_w[route[i]]
        if dens >= min_lines:
            core[i] = True
            continue
        mark[route[i]] = i
        for o in range(len(offs)):
            c = _cell(_key(cx[i], cy[i], ab[i], offs[o], stride, nb), ukeys)
            if c < 0:
                continue
            for p in range(starts[c], starts[c + 1]):
                j = order[p]
                rj = route[j]
                if mark[rj] == i:  # own route, or a route already counted
                    continue
                ddx, ddy = mid[i, 0] - mid[j, 0], mid[i, 1] - mid[j, 1]
                if ddx * ddx + ddy * ddy > r2:
                    continue
                if _pair(i, j, s, e, directed, w, ang) <= eps:
                    mark[rj] = i
                    dens += route_w[rj]
                    if dens >= min_lines:
                        core[i] = True
                        break
            if core[i]:
                break
    return core


@njit(cache=True)
def _link(s, e, mid, route, core, link_eps, r2, directed, w, ang, grid):  # pragma: no cover
    """Union-find root of each core piece over core pairs at most ``link_eps`` apart.

    Cell pairs are visited once; a pair of cells whose core pieces already share one
    root is skipped, and the scan of a cell pair stops as soon as they do.
    """
    cx, cy, ab, nb, ukeys, starts, order, stride, offs = grid
    n = len(route)
    parent = np.arange(n)
    stamp = np.full(n, -1, dtype=np.int64)
    visit = 0
    for o in range(len(offs)):  # nearest offsets first: most cells are joined early
        for a in range(len(ukeys)):
            i0 = order[starts[a]]
            kb = _key(cx[i0], cy[i0], ab[i0], offs[o], stride, nb)
            if kb < ukeys[a]:
                continue
            b = _cell(kb, ukeys)
            if b < 0:
                continue
            visit += 1
            roots = 0  # distinct roots of the core pieces of both cells
            for c in (a, b):
                for p in range(starts[c], starts[c + 1]):
                    j = order[p]
                    if core[j]:
                        r = _find(parent, j)
                        if stamp[r] != visit:
                            stamp[r] = visit
                            roots += 1
            if roots <= 1:
                continue
            for p in range(starts[a], starts[a + 1]):
                i = order[p]
                if not core[i]:
                    continue
                q0 = p + 1 if a == b else starts[b]
                for q in range(q0, starts[b + 1]):
                    j = order[q]
                    if not core[j] or route[j] == route[i]:
                        continue
                    ddx, ddy = mid[i, 0] - mid[j, 0], mid[i, 1] - mid[j, 1]
                    if ddx * ddx + ddy * ddy > r2:
                        continue
                    ri, rj = _find(parent, i), _find(parent, j)
                    if ri == rj:
                        continue
                    if _pair(i, j, s, e, directed, w, ang) <= link_eps:
                        parent[max(ri, rj)] = min(ri, rj)
                        roots -= 1
                        if roots == 1:
                            break
                if roots == 1:
                    break
    for i in range(n):
        parent[i] = _find(parent, i)
    return parent


@njit(cache=True)
def _border(s, e, mid, route, core, root, eps, r2, directed, w, ang, grid):  # pragma: no cover
    """Label (a core root) of each piece: its own root, its nearest core's, or -1."""
    cx, cy, ab, nb, ukeys, starts, order, stride, offs = grid
    n = len(route)
    lab = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        if core[i]:
            lab[i] = root[i]
            continue
        best_d, best_j = np.inf, -1
        for o in range(len(offs)):
            c = _cell(_key(cx[i], cy[i], ab[i], offs[o], stride, nb), ukeys)
            if c < 0:
                continue
            for p in range(starts[c], starts[c + 1]):
                j = order[p]
                if not core[j] or route[j] == route[i]:
                    continue
                ddx, ddy = mid[i, 0] - mid[j, 0], mid[i, 1] - mid[j, 1]
                if ddx * ddx + ddy * ddy > r2:
                    continue
                d = _pair(i, j, s, e, directed, w, ang)
                if d <= eps and (d < best_d or (d == best_d and j < best_j)):
                    best_d, best_j = d, j
        if best_j >= 0:
            lab[i] = root[best_j]
    return lab


def _direction_bins(s: np.ndarray, e: np.ndarray, max_angle: float, directed: bool):
    """Direction bin of each piece; pieces more than ``max_angle`` apart are 2+ bins apart."""
    span = 2 * np.pi if directed else np.pi
    nb = int(span // (max_angle * (1 + 1e-6))) if max_angle > 0 else 1
    d = e - s
    if nb < 3 or not np.all(np.hypot(d[:, 0], d[:, 1]) > 0):
        return np.zeros(len(s), dtype=np.int64), 1
    ang = np.mod(np.arctan2(d[:, 1], d[:, 0]), span)
    return np.minimum((ang / (span / nb)).astype(np.int64), nb - 1), nb


def _grid(
    mid: np.ndarray,
    radius: float,
    bins: tuple[np.ndarray, int],
    fine: int = 4,
):
    """Pieces sorted by cell (side ``radius / fine``, direction bin), the offsets to visit.

    Offsets are those whose cells can hold a midpoint within ``radius`` in a neighbouring
    direction bin, nearest first.
    """
    ab, nb = bins
    h = radius / fine
    lo = mid.min(axis=0)
    cell = np.floor((mid - lo) / h).astype(np.int64) + fine + 1
    stride = int(cell[:, 1].max()) + fine + 2
    key = (cell[:, 0] * stride + cell[:, 1]) * nb + ab
    order = np.argsort(key, kind="stable")
    skey = key[order]
    first = np.r_[True, skey[1:] != skey[:-1]]
    ukeys = skey[first]
    starts = np.r_[np.flatnonzero(first), len(skey)].astype(np.int64)
    g = np.arange(-fine, fine + 1)
    da = np.arange(-1, 2) if nb > 1 else np.zeros(1, np.int64)
    offs = np.array(np.meshgrid(g, g, da, indexing="ij")).reshape(3, -1).T
    gap = h * np.maximum(np.abs(offs[:, :2]) - 1, 0)
    offs = offs[(gap**2).sum(axis=1) <= radius**2 * (1 + 1e-9)]
    near = (offs[:, :2] ** 2).sum(axis=1) * 4 + np.abs(offs[:, 2])
    offs = offs[np.argsort(near, kind="stable")].astype(np.int64)
    cx, cy = cell[:, 0].copy(), cell[:, 1].copy()
    return cx, cy, ab, nb, ukeys, starts, order.astype(np.int64), stride, offs


def scan_labels(
    start: np.ndarray,
    end: np.ndarray,
    route: np.ndarray,
    route_w: np.ndarray,
    *,
    eps: float,
    min_lines: float,
    link_eps: float,
    radius: float,
    directed: bool,
    weights: tuple[float, float, float],
    angle_scale: float,
) -> np.ndarray:
    """DBSCAN cluster of each piece (a representative piece index, ``-1`` noise).

    Parameters
    ----------
    start, end
        (n, 2) piece end points (metres).
    route
        (n,) route index of each piece; pieces of one route are never neighbours.
    route_w
        Weight of each route.
    eps, min_lines, link_eps
        As in :func:`hotspots.lines.segments.cluster_segments` (``link_eps <= eps``).
    radius
        Midpoint distance that contains every pair within ``eps`` (finite).
    directed, weights, angle_scale
        Of the TRACLUS distance.

    Returns
    -------
    numpy.ndarray
        int64 label per piece: the lowest index of its cluster's core pieces, or -1.
    """
    s = np.ascontiguousarray(start, dtype=float)
    e = np.ascontiguousarray(end, dtype=float)
    mid = (s + e) / 2.0
    route = np.ascontiguousarray(route, dtype=np.int64)
    rw = np.ascontiguousarray(route_w, dtype=float)
    w = np.asarray(weights, dtype=float)
    wa = float(weights[2])
    # pieces at an angle θ are at least wa * angle_scale * sin θ apart (directed: θ < 90°)
    lim = eps / (wa * angle_scale) if wa > 0 and angle_scale > 0 else np.inf
    max_angle = float(np.arcsin(lim)) if lim < 1 else 0.0
    grid = _grid(mid, radius, _direction_bins(s, e, max_angle, directed))
    r2 = (radius * (1 + 1e-9)) ** 2
    args = (bool(directed), w, float(angle_scale), grid)
    core = _core(s, e, mid, route, rw, float(min_lines), float(eps), r2, *args)
    # link pairs lie within the smaller radius of link_eps (see segments._candidate_radius)
    lmax = float(np.hypot(*(e - s).T).max(initial=0.0))
    wp, wl = float(weights[0]), float(weights[1])
    r_link = float(np.hypot(link_eps / wp, link_eps / wl + lmax)) if wp > 0 and wl > 0 else radius
    r2l = (min(r_link, radius) * (1 + 1e-9)) ** 2
    root = _link(s, e, mid, route, core, float(link_eps), r2l, *args)
    return _border(s, e, mid, route, core, root, float(eps), r2, *args)


@njit(cache=True, inline="always")
def _fdist(od, i, j):  # pragma: no cover
    """Directed flow distance ``max(|o_i - o_j|, |d_i - d_j|)`` (as ``flows.flow_distance``)."""
    do = math.hypot(od[i, 0] - od[j, 0], od[i, 1] - od[j, 1])
    dd = math.hypot(od[i, 2] - od[j, 2], od[i, 3] - od[j, 3])
    return max(do, dd)


@njit(cache=True)
def _flow_core(od, w, min_flows, eps, grid):  # pragma: no cover
    """Core flag per flow: the weight of the flows within ``eps`` reaches ``min_flows``."""
    cx, cy, ab, nb, ukeys, starts, order, stride, offs = grid
    n = len(od)
    core = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        dens = w[i]
        if dens >= min_flows:
            core[i] = True
            continue
        for o in range(len(offs)):
            c = _cell(_key(cx[i], cy[i], ab[i], offs[o], stride, nb), ukeys)
            if c < 0:
                continue
            for p in range(starts[c], starts[c + 1]):
                j = order[p]
                if j != i and _fdist(od, i, j) <= eps:
                    dens += w[j]
                    if dens >= min_flows:
                        core[i] = True
                        break
            if core[i]:
                break
    return core


@njit(cache=True)
def _flow_link(od, core, eps, grid):  # pragma: no cover
    """Union-find root of each core flow over core pairs within ``eps`` (see ``_link``)."""
    cx, cy, ab, nb, ukeys, starts, order, stride, offs = grid
    n = len(od)
    parent = np.arange(n)
    stamp = np.full(n, -1, dtype=np.int64)
    visit = 0
    for o in range(len(offs)):
        for a in range(len(ukeys)):
            i0 = order[starts[a]]
            kb = _key(cx[i0], cy[i0], ab[i0], offs[o], stride, nb)
            if kb < ukeys[a]:
                continue
            b = _cell(kb, ukeys)
            if b < 0:
                continue
            visit += 1
            roots = 0
            for c in (a, b):
                for p in range(starts[c], starts[c + 1]):
                    j = order[p]
                    if core[j]:
                        r = _find(parent, j)
                        if stamp[r] != visit:
                            stamp[r] = visit
                            roots += 1
            if roots <= 1:
                continue
            for p in range(starts[a], starts[a + 1]):
                i = order[p]
                if not core[i]:
                    continue
                q0 = p + 1 if a == b else starts[b]
                for q in range(q0, starts[b + 1]):
                    j = order[q]
                    if not core[j]:
                        continue
                    ri, rj = _find(parent, i), _find(parent, j)
                    if ri != rj and _fdist(od, i, j) <= eps:
                        parent[max(ri, rj)] = min(ri, rj)
                        roots -= 1
                        if roots == 1:
                            break
                if roots == 1:
                    break
    for i in range(n):
        parent[i] = _find(parent, i)
    return parent


@njit(cache=True)
def _flow_border(od, core, root, eps, grid):  # pragma: no cover
    """Label (a core root) of each flow: its own root, its nearest core's, or -1."""
    cx, cy, ab, nb, ukeys, starts, order, stride, offs = grid
    n = len(od)
    lab = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        if core[i]:
            lab[i] = root[i]
            continue
        best_d, best_j = np.inf, -1
        for o in range(len(offs)):
            c = _cell(_key(cx[i], cy[i], ab[i], offs[o], stride, nb), ukeys)
            if c < 0:
                continue
            for p in range(starts[c], starts[c + 1]):
                j = order[p]
                if j == i or not core[j]:
                    continue
                d = _fdist(od, i, j)
                if d <= eps and (d < best_d or (d == best_d and j < best_j)):
                    best_d, best_j = d, j
        if best_j >= 0:
            lab[i] = root[best_j]
    return lab


def scan_flow_labels(od: np.ndarray, weights: np.ndarray, eps: float, min_flows: float):
    """Directed flow DBSCAN with O(n) memory (labels: a core root per flow, -1 noise).

    Flows are kept on a grid of their origins (cell side ``eps / 4``); the labels are
    those of :func:`hotspots.lines.flows.dbscan_from_pairs` on all pairs within ``eps``.
    """
    od = np.ascontiguousarray(od, dtype=float)
    w = np.ascontiguousarray(weights, dtype=float)
    grid = _grid(od[:, :2], float(eps), (np.zeros(len(od), dtype=np.int64), 1))
    core = _flow_core(od, w, float(min_flows), float(eps), grid)
    root = _flow_link(od, core, float(eps), grid)
    return _flow_border(od, core, root, float(eps), grid)
