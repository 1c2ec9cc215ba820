"""Representative line of a cluster of route pieces (the key line's polyline).

TRACLUS sweeps a line along the cluster's mean direction, which fails on curved
corridors. Here the pieces are binned on a grid, the skeleton is a path in the minimum
spanning tree of the bins (from where routes enter the cluster to where they leave it),
and the skeleton is resampled, smoothed and simplified.
"""

from __future__ import annotations

import numpy as np
import shapely
from scipy import sparse
from scipy.sparse.csgraph import dijkstra, minimum_spanning_tree
from scipy.spatial import cKDTree

__all__ = ["representative_line"]


def representative_line(
    start: np.ndarray,
    end: np.ndarray,
    weight: np.ndarray,
    cell: float,
    smooth: float,
    simplify: float,
    progress: np.ndarray | None = None,
) -> shapely.LineString | None:
    """Representative polyline of a cluster of segments (metric coordinates).

    The pieces' end points and midpoints are binned on a ``cell`` grid; the longest
    path of the Euclidean minimum spanning tree over the bin centres is the line's
    skeleton, each of its vertices is replaced by the weighted mean of the bin centres
    within ``smooth`` metres, and the result is simplified with tolerance ``simplify``.
    The skeleton runs from the bin where routes enter the cluster to the bin where
    they leave it (``progress``: 0 for a route's first piece in the cluster, 1 for its
    last); without a clear order (journeys both ways) from one extreme to the other
    along the main direction. The line is oriented along the direction of travel.
    """
    pts = np.vstack([start, end, (start + end) / 2])
    w = np.tile(weight, 3)
    prog = np.tile(np.full(len(start), 0.5) if progress is None else progress, 3)
    key = np.floor(pts / cell).astype(np.int64)
    _, inv = np.unique(key, axis=0, return_inverse=True)
    inv = inv.ravel()
    wsum = np.bincount(inv, weights=w)
    cx = np.bincount(inv, weights=w * pts[:, 0]) / wsum
    cy = np.bincount(inv, weights=w * pts[:, 1]) / wsum
    c = np.column_stack([cx, cy])
    cprog = np.bincount(inv, weights=w * prog) / wsum
    if len(c) < 2:
        return None
    tree = cKDTree(c)
    k = min(len(c), 16)
    dd, ii = tree.query(c, k=k)
    rows = np.repeat(np.arange(len(c)), k)
    g = sparse.coo_matrix(
        (np.maximum(dd.ravel(), 1e-6), (rows, ii.ravel())), shape=(len(c), len(c))
    ).tocsr()
    g = g.maximum(g.T)
    mst = minimum_spanning_tree(g)
    mst = mst + mst.T
    # skeleton: the tree path between the most upstream and the most downstream bins
    # along the pieces' mean direction of travel
    vec = end - start
    norm = np.hypot(*vec.T)
    u = np.sum(vec / np.where(norm > 0, norm, 1.0)[:, None] * weight[:, None], axis=0)
    if np.hypot(*u) < 1e-9:  # no dominant direction: the principal axis
        cov = np.cov(c.T, aweights=wsum)
        u = np.linalg.eigh(cov)[1][:, -1]
    reach = dijkstra(mst, indices=int(np.argmax(wsum)))
    main = np.isfinite(reach)  # the tree of the heaviest bin
    idx = np.flatnonzero(main)
    proj = c[idx] @ u
    order_by = cprog[idx] if np.ptp(cprog[idx]) >= 0.5 else proj
    # ties (many bins with progress 0) go to the extreme along the main direction
    a = int(idx[np.lexsort((proj, order_by))[0]])
    b = int(idx[np.lexsort((-proj, -order_by))[0]])
    _, pred = dijkstra(mst, indices=a, return_predecessors=True)
    path = [b]
    while path[-1] != a and pred[path[-1]] >= 0:
        path.append(int(pred[path[-1]]))
    skel = c[path[::-1]]
    if len(skel) < 2:
        return None
    # resample every cell metres, then alternate local means and moving averages
    sk = shapely.LineString(skel)
    n_pts = max(2, int(np.ceil(sk.length / cell)) + 1)
    pts_line = shapely.get_coordinates(
        shapely.line_interpolate_point(sk, np.linspace(0, sk.length, n_pts))
    )
    half = max(1, int(round(smooth / cell)))
    for _ in range(2):
        near = tree.query_ball_point(pts_line, r=smooth)
        pts_line = np.array(
            [np.average(c[nb], axis=0, weights=wsum[nb]) if nb else p
             for nb, p in zip(near, pts_line, strict=True)]
        )  # fmt: skip
        pts_line = _moving_average(pts_line, half)
    line = shapely.LineString(pts_line)
    line = shapely.simplify(line, simplify, preserve_topology=False)
    if line.length == 0:
        return None
    # orient along travel: projected position of piece ends
    ps = shapely.line_locate_point(line, shapely.points(start))
    pe = shapely.line_locate_point(line, shapely.points(end))
    forward = np.sum(weight * (pe > ps))
    backward = np.sum(weight * (pe < ps))
    if backward > forward:
        line = shapely.reverse(line)
    return line


def _moving_average(xy: np.ndarray, half: int) -> np.ndarray:
    """Centred moving average of a polyline's vertices; the end points stay."""
    if len(xy) <= 2 or half < 1:
        return xy
    pad = np.vstack([np.repeat(xy[:1], half, axis=0), xy, np.repeat(xy[-1:], half, axis=0)])
    k = np.ones(2 * half + 1) / (2 * half + 1)
    out = np.column_stack([np.convolve(pad[:, 0], k, "valid"), np.convolve(pad[:, 1], k, "valid")])
    out[0], out[-1] = xy[0], xy[-1]
    return out
