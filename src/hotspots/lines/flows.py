"""Flow clustering: origin-destination flows grouped by the Tao & Thill flow distance.

The distance between flows ``f = (o, d)`` and ``g = (o', d')`` is
``max(|o - o'|, |d - d'|)`` (both Euclidean, in metres). Two flows are neighbours when
both their origins and their destinations lie within ``eps`` of each other. Neighbours
are found with a k-d tree on the 4-D coordinates under the Chebyshev norm (a superset:
Chebyshev ≤ flow distance) followed by an exact check, so no n × n matrix is formed.

Clustering follows DBSCAN semantics (core flows, border flows, noise ``-1``). Directed
DBSCAN runs as a compiled scan with O(n) memory (:mod:`hotspots.lines._scan`: origins on
a grid, early-stopping core test, union-find links), with exactly the labels of
:func:`dbscan_from_pairs` on :func:`flow_neighbour_pairs`; undirected uses the pair list.
:func:`cluster_flows` with ``method="hdbscan"`` needs no ``eps`` and runs scikit-learn's
HDBSCAN on a sparse k-nearest-neighbour graph of flow distances.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from scipy.spatial import cKDTree

from hotspots.errors import InputError

__all__ = ["cluster_flows", "flow_distance", "flow_neighbour_pairs", "dbscan_from_pairs"]


def _check_od(od: np.ndarray) -> np.ndarray:
    od = np.asarray(od, dtype=float)
    if od.ndim != 2 or od.shape[1] != 4:
        raise InputError(
            f"od must be an (n, 4) array of origin x, y and destination x, y in metres; "
            f"got shape {od.shape}"
        )
    if not np.all(np.isfinite(od)):
        bad = int(np.flatnonzero(~np.isfinite(od).all(axis=1))[0])
        raise InputError(f"od row {bad} has a missing or infinite coordinate; drop or fix it")
    return od


def _reverse(od: np.ndarray) -> np.ndarray:
    return od[:, [2, 3, 0, 1]]


def flow_distance(a: np.ndarray, b: np.ndarray, directed: bool = True) -> np.ndarray:
    """Flow distance between matching rows of two (n, 4) arrays.

    Parameters
    ----------
    a, b
        Arrays of origin x, y and destination x, y (metres), broadcastable.
    directed
        If ``False`` the distance is the smaller of the distances to ``b`` and to ``b``
        reversed (a flow and its reverse are the same).

    Returns
    -------
    numpy.ndarray
        ``max(|o_a - o_b|, |d_a - d_b|)`` per row.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    do = np.hypot(a[..., 0] - b[..., 0], a[..., 1] - b[..., 1])
    dd = np.hypot(a[..., 2] - b[..., 2], a[..., 3] - b[..., 3])
    dist = np.maximum(do, dd)
    if not directed:
        do = np.hypot(a[..., 0] - b[..., 2], a[..., 1] - b[..., 3])
        dd = np.hypot(a[..., 2] - b[..., 0], a[..., 3] - b[..., 1])
        dist = np.minimum(dist, np.maximum(do, dd))
    return dist


def flow_neighbour_pairs(
    od: np.ndarray, eps: float, directed: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All pairs ``i < j`` of flows within flow distance ``eps``.

    Returns
    -------
    i, j, dist
        Index arrays and the flow distance of each pair.
    """
    od = _check_od(od)
    tree = cKDTree(od)
    pairs = tree.query_pairs(r=eps, p=np.inf, output_type="ndarray")
    if not directed:
        rtree = cKDTree(_reverse(od))
        extra = tree.sparse_distance_matrix(rtree, eps, p=np.inf, output_type="ndarray")
        ij = np.column_stack([extra["i"], extra["j"]]).astype(np.intp)
        ij = ij[ij[:, 0] != ij[:, 1]]
        ij.sort(axis=1)
        pairs = np.unique(np.vstack([pairs.reshape(-1, 2), ij]), axis=0)
    pairs = pairs.reshape(-1, 2)
    i, j = pairs[:, 0], pairs[:, 1]
    d = flow_distance(od[i], od[j], directed=directed)
    keep = d <= eps
    return i[keep], j[keep], d[keep]


def dbscan_from_pairs(
    n: int,
    i: np.ndarray,
    j: np.ndarray,
    min_samples: float,
    weights: np.ndarray | None = None,
    dist: np.ndarray | None = None,
    core: np.ndarray | None = None,
    link: np.ndarray | None = None,
) -> np.ndarray:
    """DBSCAN labels from the list of neighbour pairs (``i < j``, each pair once).

    A point is core when the total weight of its neighbourhood (itself included) is at
    least ``min_samples``. Core points linked by a neighbour pair form one cluster;
    a border point joins the cluster of its nearest core neighbour (ties: lowest index).
    Clusters are numbered in order of their lowest member index, noise is ``-1``.
    ``core`` (boolean mask) overrides the core test; ``link`` (boolean per pair)
    restricts which core-core pairs join clusters (default: all).
    """
    if core is None:
        w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
        deg = w.copy()
        np.add.at(deg, i, w[j])
        np.add.at(deg, j, w[i])
        core = deg >= min_samples
    labels = np.full(n, -1, dtype=np.intp)
    if not core.any():
        return labels
    cc = core[i] & core[j]
    if link is not None:
        cc &= link
    graph = sparse.coo_matrix((np.ones(int(cc.sum())), (i[cc], j[cc])), shape=(n, n)).tocsr()
    _, comp = connected_components(graph, directed=False)
    labels[core] = comp[core]
    # border points: nearest core neighbour
    if dist is None:
        dist = np.zeros(len(i))
    bi = np.concatenate([i[core[j] & ~core[i]], j[core[i] & ~core[j]]])
    bj = np.concatenate([j[core[j] & ~core[i]], i[core[i] & ~core[j]]])
    bd = np.concatenate([dist[core[j] & ~core[i]], dist[core[i] & ~core[j]]])
    if len(bi):
        order = np.lexsort((bj, bd, bi))
        bi, bj = bi[order], bj[order]
        first = np.r_[True, bi[1:] != bi[:-1]]
        labels[bi[first]] = comp[bj[first]]
    return _renumber(labels)


def _renumber(labels: np.ndarray) -> np.ndarray:
    """Renumber labels ``>= 0`` as 0, 1, ... in order of first appearance."""
    out = np.full(len(labels), -1, dtype=np.intp)
    seen = labels >= 0
    if seen.any():
        vals = labels[seen]
        _, first = np.unique(vals, return_index=True)
        order = vals[np.sort(first)]
        remap = np.full(int(vals.max()) + 1, -1, dtype=np.intp)
        remap[order] = np.arange(len(order))
        out[seen] = remap[vals]
    return out


def _knn_graph(od: np.ndarray, k: int, directed: bool) -> sparse.csr_matrix:
    """Sparse symmetric graph of each flow's ``k`` nearest flows (exact flow distance).

    Candidates are the ``3k`` nearest flows under the 4-D Chebyshev norm (and, when
    undirected, the ``3k`` nearest reversed flows). Flow distance is at least the
    Chebyshev distance, so a row whose k-th candidate distance is within the largest
    Chebyshev distance queried is exact; the few other rows are redone with a ball
    query of that radius.
    """
    n = len(od)
    k = min(k, n - 1)
    kk = min(3 * k + 1, n)
    trees = [cKDTree(od)] + ([] if directed else [cKDTree(_reverse(od))])
    cand, bound = [], np.full(n, np.inf)
    for tree in trees:
        cd, ci = tree.query(od, k=kk, p=np.inf)
        cand.append(np.asarray(ci).reshape(n, -1))
        bound = np.minimum(bound, np.asarray(cd).reshape(n, -1)[:, -1])
    ci = np.hstack(cand) if len(cand) > 1 else cand[0]
    d = flow_distance(od[:, None, :], od[ci], directed=directed)
    d[ci == np.arange(n)[:, None]] = np.inf
    if len(cand) > 1:  # the same flow may come from both trees
        order = np.argsort(ci, axis=1, kind="stable")
        cs = np.take_along_axis(ci, order, axis=1)
        dup = np.zeros_like(cs, dtype=bool)
        dup[:, 1:] = cs[:, 1:] == cs[:, :-1]
        d_sorted = np.take_along_axis(d, order, axis=1)
        d_sorted[dup] = np.inf
        ci, d = cs, d_sorted
    order = np.argsort(d, axis=1, kind="stable")[:, :k]
    cols = np.take_along_axis(ci, order, axis=1)
    vals = np.take_along_axis(d, order, axis=1)
    rows = np.repeat(np.arange(n), k)
    cols, vals = cols.ravel(), vals.ravel()
    kth = vals.reshape(n, k)[:, -1]
    redo = np.flatnonzero(kth > bound)
    if len(redo):
        keep = ~np.isin(rows, redo)
        rows, cols, vals = rows[keep], cols[keep], vals[keep]
        extra_r, extra_c, extra_v = [], [], []
        for a in redo:
            r = float(kth[a]) if np.isfinite(kth[a]) else np.inf
            idx = trees[0].query_ball_point(od[a], r=r, p=np.inf)
            if not directed:
                idx = np.union1d(idx, trees[1].query_ball_point(od[a], r=r, p=np.inf))
            idx = np.asarray(idx, dtype=np.intp)
            idx = idx[idx != a]
            dd = flow_distance(od[a], od[idx], directed=directed)
            sel = np.lexsort((idx, dd))[:k]
            extra_r.append(np.full(len(sel), a))
            extra_c.append(idx[sel])
            extra_v.append(dd[sel])
        rows = np.concatenate([rows, *extra_r])
        cols = np.concatenate([cols, *extra_c])
        vals = np.concatenate([vals, *extra_v])
    # zero distances (identical flows) must stay stored entries: a tiny positive value
    vals = np.maximum(vals, 1e-9)
    g = sparse.coo_matrix((vals, (rows, cols)), shape=(n, n)).tocsr()
    g = g.maximum(g.T).tocsr()
    return _connect_components(g, od, directed)


def _connect_components(g: sparse.csr_matrix, od: np.ndarray, directed: bool) -> sparse.csr_matrix:
    """Join the components of a k-NN graph by a spanning tree over one flow per component.

    HDBSCAN needs a connected graph; the added edges carry true flow distances, which
    are longer than any within-component edge, so they only matter above the cluster
    levels that HDBSCAN selects.
    """
    ncomp, comp = connected_components(g, directed=False)
    if ncomp <= 1:
        return g
    _, rep = np.unique(comp, return_index=True)
    if ncomp > 5000:  # keep the representative matrix small: chain components instead
        a, b = rep[:-1], rep[1:]
        d = flow_distance(od[a], od[b], directed=directed)
    else:
        full = flow_distance(od[rep][:, None, :], od[rep][None, :, :], directed=directed)
        mst = minimum_spanning_tree(np.maximum(full, 1e-9)).tocoo()
        a, b, d = rep[mst.row], rep[mst.col], mst.data
    extra = sparse.coo_matrix((np.maximum(d, 1e-9), (a, b)), shape=g.shape).tocsr()
    return g.maximum(extra).maximum(extra.T).tocsr()


def cluster_flows(
    od: np.ndarray,
    eps: float | None = None,
    min_flows: int = 5,
    *,
    directed: bool = True,
    method: Literal["dbscan", "hdbscan"] = "dbscan",
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Cluster origin-destination flows.

    Parameters
    ----------
    od
        (n, 4) array: origin x, y and destination x, y, in metres.
    eps
        Neighbourhood radius in metres (flow distance), required for ``"dbscan"``.
    min_flows
        ``"dbscan"``: total weight a neighbourhood (the flow itself included) needs for
        the flow to be core. ``"hdbscan"``: the smallest cluster size.
    directed
        ``True``: a flow A→B differs from B→A. ``False``: they are the same flow.
    method
        ``"dbscan"`` (default) or ``"hdbscan"`` (no ``eps``; scikit-learn HDBSCAN on
        a sparse k-nearest-neighbour graph of flow distances, ``k = 2 * min_flows``).
    weights
        Optional number of flows each row stands for (DBSCAN only).

    Returns
    -------
    numpy.ndarray
        Integer labels, ``-1`` for noise; clusters numbered by their first member.
    """
    od = _check_od(od)
    n = len(od)
    if min_flows < 1:
        raise InputError(f"min_flows must be at least 1; got {min_flows}")
    if n == 0:
        return np.empty(0, dtype=np.intp)
    if method == "dbscan":
        if eps is None or not eps > 0:
            raise InputError(f"eps must be a positive distance in metres; got {eps!r}")
        if directed:  # compiled O(n)-memory scan, same labels as the pair list
            from hotspots.lines._scan import scan_flow_labels

            w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
            return _renumber(scan_flow_labels(od, w, eps, min_flows))
        i, j, d = flow_neighbour_pairs(od, eps, directed=directed)
        return dbscan_from_pairs(n, i, j, min_flows, weights=weights, dist=d)
    if method == "hdbscan":
        from sklearn.cluster import HDBSCAN

        if weights is not None:
            raise InputError("weights are not supported with method='hdbscan'; expand the rows")
        if n <= min_flows:
            return np.full(n, -1, dtype=np.intp)
        k = max(2 * min_flows, 5)
        graph = _knn_graph(od, k, directed)
        model = HDBSCAN(min_cluster_size=max(min_flows, 2), metric="precomputed", copy=True)
        raw = model.fit_predict(graph)
        return _renumber(raw)
    raise InputError(f"method must be 'dbscan' or 'hdbscan'; got {method!r}")
