"""Compiled neighbour scans of route pieces: DBSCAN without a list of pairs.

:func:`scan_labels` gives exactly the labels of the pair-list DBSCAN of
:func:`hotspots.lines.segments.cluster_segments` (same core pieces, same clusters, same
border assignment, ties to the lowest index) while holding only O(n) memory:

1. **core**: for each piece, the candidates in the 3 × 3 grid cells around its midpoint
   (cell side = the candidate radius) are visited; the TRACLUS distance is computed only
   for a route not yet counted, and the scan stops as soon as the weight of the distinct
   routes reaches ``min_lines``;
2. **links**: core pieces are joined with a union-find; the distance of a candidate pair
   is computed only when the two pieces are not yet in one cluster;
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


@njit(cache=True)
def _cells(i, cx, cy, ukeys, starts, stride):  # pragma: no cover
    """Start and end positions (in the sorted order) of the 9 cells around piece i."""
    out = np.full((9, 2), 0, dtype=np.int64)
    m = 0
    for ddx in range(-1, 2):
        for ddy in range(-1, 2):
            k = (cx[i] + ddx) * stride + (cy[i] + ddy)
            p = np.searchsorted(ukeys, k)
            if p < len(ukeys) and ukeys[p] == k:
                out[m, 0] = starts[p]
                out[m, 1] = starts[p + 1]
                m += 1
    return out[:m]


@njit(cache=True)
def _core(s, e, mid, route, route_w, min_lines, eps, r2, directed, w, ang, grid):  # noqa: E501
    """Core flag per piece (distinct-route weight within eps reaches ``min_lines``)."""
    cx, cy, ukeys, starts, order, stride = grid
    n = len(route)
    core = np.zeros(n, dtype=np.bool_)
    mark = np.full(len(route_w), -1, dtype=np.int64)
    for i in range(n):
        dens = route_w[route[i]]
        if dens >= min_lines:
            core[i] = True
            continue
        mark[route[i]] = i
        for c in _cells(i, cx, cy, ukeys, starts, stride):
            for p in range(c[0], c[1]):
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
    """Union-find root of each core piece over core pairs at most ``link_eps`` apart."""
    cx, cy, ukeys, starts, order, stride = grid
    n = len(route)
    parent = np.arange(n)
    for i in range(n):
        if not core[i]:
            continue
        for c in _cells(i, cx, cy, ukeys, starts, stride):
            for p in range(c[0], c[1]):
                j = order[p]
                if j <= i or not core[j] or route[j] == route[i]:
                    continue
                ddx, ddy = mid[i, 0] - mid[j, 0], mid[i, 1] - mid[j, 1]
                if ddx * ddx + ddy * ddy > r2:
                    continue
                ri, rj = _find(parent, i), _find(parent, j)
                if ri == rj:
                    continue
                if _pair(i, j, s, e, directed, w, ang) <= link_eps:
                    parent[max(ri, rj)] = min(ri, rj)
    for i in range(n):
        parent[i] = _find(parent, i)
    return parent


@njit(cache=True)
def _border(s, e, mid, route, core, root, eps, r2, directed, w, ang, grid):  # pragma: no cover
    """Label (a core root) of each piece: its own root, its nearest core's, or -1."""
    cx, cy, ukeys, starts, order, stride = grid
    n = len(route)
    lab = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        if core[i]:
            lab[i] = root[i]
            continue
        best_d, best_j = np.inf, -1
        for c in _cells(i, cx, cy, ukeys, starts, stride):
            for p in range(c[0], c[1]):
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


def _grid(mid: np.ndarray, radius: float):
    """Pieces sorted by grid cell of side ``radius`` (keys, cell starts, order)."""
    lo = mid.min(axis=0)
    cell = np.floor((mid - lo) / radius).astype(np.int64) + 1
    stride = int(cell[:, 1].max()) + 3
    key = cell[:, 0] * stride + cell[:, 1]
    order = np.argsort(key, kind="stable")
    skey = key[order]
    first = np.r_[True, skey[1:] != skey[:-1]]
    ukeys = skey[first]
    starts = np.r_[np.flatnonzero(first), len(skey)].astype(np.int64)
    return cell[:, 0].copy(), cell[:, 1].copy(), ukeys, starts, order.astype(np.int64), stride


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
    grid = _grid(mid, radius)
    r2 = (radius * (1 + 1e-9)) ** 2
    args = (bool(directed), w, float(angle_scale), grid)
    core = _core(s, e, mid, route, rw, float(min_lines), float(eps), r2, *args)
    root = _link(s, e, mid, route, core, float(link_eps), r2, *args)
    return _border(s, e, mid, route, core, root, float(eps), r2, *args)
