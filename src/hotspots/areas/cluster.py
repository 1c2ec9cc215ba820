"""Density clusters of case points (DBSCAN, HDBSCAN) in metres, with repeated locations.

Real case data repeat coordinates heavily (commune seats, snapped street points). DBSCAN
here runs on the *distinct* locations with ``sample_weight`` = number of cases there (times
the optional weights): a location is a core point when the cases within ``eps`` add up to
``min_samples``. This is the same clustering as scikit-learn's DBSCAN on the repeated
points (same core points and same clusters; a border location reachable from two clusters
may be claimed by the other one, as the order of visits differs), at the cost of the
distinct locations only.

HDBSCAN counts cases, so integer weights only (each case counted ``weight`` times). Its
hierarchy is the minimum spanning tree under mutual reachability distance: the cases at
one location are chained at the location's core distance (exact: their distance to any
other case is at least that), and the distinct locations are joined by the spanning tree
of all their pairs up to ``EXACT_LOCATIONS`` (3,000) locations (exact, same clusters as
scikit-learn's HDBSCAN on the repeated points up to ties), above that by the tree of each
location's ``max(2 min_samples, 16)`` nearest locations (approximate: an edge of the
exact tree between locations that are not near neighbours is replaced by a longer one;
core distances stay exact). scikit-learn's single linkage and ``eom`` selection then run
on the n - 1 edges, so memory is O(n k) instead of the quadratic search.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree
from sklearn.cluster import DBSCAN

from hotspots.areas.density import _xyw
from hotspots.data.crs import WGS84, metric_crs
from hotspots.errors import InputError

__all__ = ["density_clusters", "label_points", "core_distances", "default_eps", "METHODS"]

#: Clustering methods of :func:`density_clusters`.
METHODS = ("dbscan", "hdbscan")


def _unique(x: np.ndarray, y: np.ndarray, w: np.ndarray):
    """Distinct locations, the index of each point's location, and summed weights."""
    # as complex numbers: sorted by x then y like np.unique(axis=0), ~7x faster
    uc, inverse = np.unique(x + 1j * y, return_inverse=True)
    uniq = np.column_stack([uc.real, uc.imag])
    inverse = inverse.reshape(-1)
    sw = np.bincount(inverse, weights=w, minlength=len(uniq))
    return uniq, inverse, sw


def _relabel(labels: np.ndarray, size_weight: np.ndarray) -> np.ndarray:
    """Renumber clusters 0, 1, ... by total weight (descending), ties by first point; -1 kept."""
    out = np.full(labels.shape, -1, dtype=np.int64)
    ok = labels >= 0
    if not ok.any():
        return out
    ids, first, inv = np.unique(labels[ok], return_index=True, return_inverse=True)
    tot = np.bincount(inv, weights=size_weight[ok])
    order = np.lexsort((first, -tot))
    rank = np.empty(ids.size, dtype=np.int64)
    rank[order] = np.arange(ids.size)
    out[ok] = rank[inv]
    return out


def core_distances(
    x: np.ndarray, y: np.ndarray, min_samples: int, weights: np.ndarray | None = None
) -> np.ndarray:
    """Distance from each point to where ``min_samples`` cases (itself included) are reached.

    Repeated locations count with their multiplicity (and weights), so a location holding
    ``min_samples`` cases has core distance 0. Computed on the distinct locations.
    """
    x, y, w = _xyw(x, y, weights, drop_missing=False)
    if x.size == 0:
        return np.zeros(0)
    uniq, inverse, sw = _unique(x, y, w)
    core = _core_from_counts(uniq, sw, min_samples)
    return core[inverse]


def default_eps(
    x: np.ndarray, y: np.ndarray, min_samples: int, weights: np.ndarray | None = None
) -> float:
    """ArcGIS's default DBSCAN search distance: the 99th percentile of the core distances.

    "The highest core distance found in the data, excluding the top 1 percent"
    (ArcGIS Pro, Density-based Clustering). Core distances as :func:`core_distances`;
    at least 1 metre.
    """
    cd = core_distances(x, y, min_samples, weights)
    cd = cd[np.isfinite(cd)]
    if cd.size == 0:
        raise InputError(f"too few cases ({x.size}) for min_samples={min_samples}: lower min_cases")
    return float(max(np.percentile(cd, 99), 1.0))


#: Up to this many distinct locations the HDBSCAN spanning tree is exact (all pairs).
EXACT_LOCATIONS = 3_000


def _location_mst(uniq: np.ndarray, core: np.ndarray, k: int):
    """Minimum spanning tree of distinct locations under mutual reachability distance.

    Exact (all pairs) up to :data:`EXACT_LOCATIONS` locations; above, the tree of the
    graph of each location's ``k`` nearest locations, its components joined by a
    spanning tree of their first locations (so O(n k) memory, approximate).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

    nu = len(uniq)
    if nu <= EXACT_LOCATIONS:
        d = np.hypot(*(uniq[:, None, :] - uniq[None, :, :]).transpose(2, 0, 1))
        mrd = np.maximum(np.maximum(core[:, None], core[None, :]), d)
        np.fill_diagonal(mrd, 0.0)
        t = minimum_spanning_tree(mrd).tocoo()
        return t.row, t.col, t.data
    kk = min(k + 1, nu)
    d, idx = cKDTree(uniq).query(uniq, k=kk)
    rows = np.repeat(np.arange(nu), kk - 1)
    cols, d = idx[:, 1:].ravel(), d[:, 1:].ravel()
    mrd = np.maximum(np.maximum(core[rows], core[cols]), d)
    g = coo_matrix((mrd, (rows, cols)), shape=(nu, nu)).tocsr()
    t = minimum_spanning_tree(g.maximum(g.T)).tocoo()
    r, c, w = t.row, t.col, t.data
    ncomp, comp = connected_components(t, directed=False)
    if ncomp > 1:  # join components through their first locations
        _, rep = np.unique(comp, return_index=True)
        a, b = _location_mst(uniq[rep], core[rep], k)[:2] if ncomp <= EXACT_LOCATIONS else (
            np.arange(ncomp - 1), np.arange(1, ncomp))  # fmt: skip
        ra, rb = rep[a], rep[b]
        dj = np.hypot(*(uniq[ra] - uniq[rb]).T)
        r = np.r_[r, ra]
        c = np.r_[c, rb]
        w = np.r_[w, np.maximum(np.maximum(core[ra], core[rb]), dj)]
    return r, c, w


def _hdbscan_locations(uniq: np.ndarray, count: np.ndarray, min_samples: int) -> np.ndarray:
    """HDBSCAN label of each distinct location holding ``count`` cases (-1 noise).

    The cases at one location are joined among themselves at the location's core
    distance (its mutual reachability to any other case is at least that), and the
    locations by the spanning tree of :func:`_location_mst`; scikit-learn's single
    linkage and cluster selection (``eom``) then run on the n - 1 edges: O(n) memory.
    """
    from sklearn.cluster._hdbscan._linkage import MST_edge_dtype, make_single_linkage
    from sklearn.cluster._hdbscan._tree import tree_to_labels

    keep = count > 0
    lab_u = np.full(len(uniq), -1)
    pts, cnt = uniq[keep], count[keep]
    n = int(cnt.sum())
    if n < max(min_samples, 2):
        return lab_u
    core = _core_from_counts(pts, cnt.astype(float), min_samples)
    first = np.r_[0, np.cumsum(cnt)[:-1]]
    a, b, w = _location_mst(pts, core, max(2 * min_samples, 16))
    own = np.repeat(np.arange(len(cnt)), cnt)  # location of each case
    ia = np.flatnonzero(own[1:] == own[:-1]) + 1  # cases chained to the previous one
    mst = np.empty(len(ia) + len(a), dtype=MST_edge_dtype)
    mst["current_node"] = np.r_[ia - 1, first[a]]
    mst["next_node"] = np.r_[ia, first[b]]
    mst["distance"] = np.r_[core[own[ia]], w]
    mst = mst[np.argsort(mst["distance"], kind="stable")]
    tree = make_single_linkage(mst)
    lab, _ = tree_to_labels(tree, max(min_samples, 2), "eom", False, 0.0, None)
    lab_u[keep] = lab[first]
    return lab_u


def _core_from_counts(pts: np.ndarray, cnt: np.ndarray, min_samples: int) -> np.ndarray:
    """Core distance of each distinct location with ``cnt`` cases (see core_distances)."""
    tree = cKDTree(pts)
    nu = len(pts)
    core = np.full(nu, np.inf)
    todo = np.arange(nu)
    k = int(min(max(int(min_samples), 1), nu))
    while todo.size:
        d, idx = tree.query(pts[todo], k=k)
        d = d.reshape(todo.size, k)
        cum = np.cumsum(cnt[idx.reshape(todo.size, k)], axis=1)
        reach = cum >= min_samples * (1 - 1e-12)
        hit = reach.any(axis=1)
        j = np.argmax(reach, axis=1)
        core[todo[hit]] = d[hit, j[hit]]
        if k == nu:
            break
        todo = todo[~hit]
        k = min(2 * k, nu)
    return core


def label_points(
    x: np.ndarray,
    y: np.ndarray,
    eps: float | None,
    min_samples: int,
    weights: np.ndarray | None = None,
    method: str = "dbscan",
) -> np.ndarray:
    """Cluster label of each point (metres), -1 = noise.

    Parameters
    ----------
    x, y
        Coordinates in metres.
    eps
        DBSCAN neighbourhood radius in metres (``None``: :func:`default_eps`). Not used by
        HDBSCAN.
    min_samples
        Cases needed within ``eps`` (DBSCAN) or the minimum cluster size and core sample
        count (HDBSCAN).
    weights
        Optional weight per point; DBSCAN adds them up as ``sample_weight``; HDBSCAN
        repeats each point ``weight`` times (integers only).
    method
        ``"dbscan"`` or ``"hdbscan"``.

    Returns
    -------
    numpy.ndarray
        int64 labels ``0, 1, ...`` ordered by cluster weight (largest first), ``-1`` noise.
        Points at the same location always share a label.
    """
    if method not in METHODS:
        raise InputError(f"method must be one of {METHODS}, got {method!r}")
    min_samples = int(min_samples)
    if min_samples < 1:
        raise InputError(f"min_samples must be at least 1, got {min_samples}")
    x, y, w = _xyw(x, y, weights, drop_missing=False)
    if x.size == 0:
        return np.zeros(0, dtype=np.int64)
    uniq, inverse, sw = _unique(x, y, w)
    if w.sum() < min_samples:  # not even one core point is possible
        return np.full(x.size, -1, dtype=np.int64)
    if method == "dbscan":
        if eps is None:
            eps = default_eps(x, y, min_samples, w)
        eps = float(eps)
        if not (np.isfinite(eps) and eps > 0):
            raise InputError(f"eps must be a positive distance in metres, got {eps}")
        lab_u = DBSCAN(eps=eps, min_samples=min_samples).fit(uniq, sample_weight=sw).labels_
    else:
        if not np.allclose(w, np.round(w)):
            raise InputError("HDBSCAN takes integer weights only (each case counted w times)")
        lab_u = _hdbscan_locations(uniq, np.round(sw).astype(np.int64), min_samples)
    labels = lab_u[inverse]
    return _relabel(labels, w)


def density_clusters(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    method: str = "dbscan",
    eps: float | None = None,
    min_cases: int = 5,
    weights: np.ndarray | str | None = None,
    hull: str = "convex",
    buffer: float | None = None,
) -> gpd.GeoDataFrame:
    """Density clusters of case points as buffered hull polygons with counts.

    Parameters
    ----------
    points
        Case points (a CaseTable or any point GeoDataFrame/GeoSeries, any CRS); analysed
        in the metric CRS of :func:`hotspots.data.crs.metric_crs`.
    method
        ``"dbscan"`` (repeats as sample weights) or ``"hdbscan"``.
    eps
        DBSCAN radius in metres; ``None``: :func:`default_eps` (ArcGIS's rule).
    min_cases
        Cases needed for a core point (DBSCAN) / smallest cluster (HDBSCAN).
    weights
        Victims per case (array, or a column name of ``points``): reported as ``victims``;
        clustering counts cases.
    hull
        ``"convex"`` or ``"concave"`` (shapely ``concave_hull``, ratio 0.3) around the
        distinct locations of each cluster.
    buffer
        Metres added around the hull; ``None``: half of ``eps`` (or of the default eps
        for HDBSCAN), so single-location clusters still get an area.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per cluster in EPSG:4326: ``cluster`` (1 = most cases), ``cases``,
        ``locations`` (distinct locations), ``victims`` (when weights are given),
        ``area_km2`` (of the outline, in metres), ``geometry``. Empty when no cluster.
    """
    if hull not in ("convex", "concave"):
        raise InputError(f"hull must be 'convex' or 'concave', got {hull!r}")
    gs = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
    if not isinstance(gs, gpd.GeoSeries):
        raise InputError("points must be a GeoDataFrame or GeoSeries of points")
    if gs.crs is None:
        gs = gs.set_crs(WGS84)
    victims = None
    if isinstance(weights, str):
        if not isinstance(points, gpd.GeoDataFrame) or weights not in points.columns:
            raise InputError(f"weights column {weights!r} not found in points")
        victims = pd.to_numeric(points[weights], errors="coerce").fillna(0).to_numpy(float)
    elif weights is not None:
        victims = np.asarray(weights, dtype=float).reshape(-1)
        if victims.size != len(gs):
            raise InputError(f"weights has {victims.size} values for {len(gs)} points")
    valid = ~(gs.is_empty | gs.isna()).to_numpy()
    if not (gs[valid].geom_type == "Point").all():
        raise InputError("density clusters need point geometries (one row per case location)")
    crs = metric_crs(gs[valid]) if valid.any() else None
    columns = ["cluster", "cases", "locations", "area_km2"]
    if victims is not None:
        columns.insert(3, "victims")
    if not valid.any():
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=WGS84)
    gm = gs[valid].to_crs(crs)
    x, y = gm.x.to_numpy(), gm.y.to_numpy()
    if x.size < min_cases:  # too few cases for any cluster
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=WGS84)
    need_eps = eps is None and (method == "dbscan" or buffer is None)
    eps_used = default_eps(x, y, min_cases) if need_eps else eps
    labels = label_points(x, y, eps_used, min_cases, method=method)
    if buffer is None:
        buf = float(eps_used) / 2.0
    else:
        buf = float(buffer)
        if not (np.isfinite(buf) and buf >= 0):
            raise InputError(f"buffer must be a non-negative distance in metres, got {buffer}")
    rows = []
    vic = victims[valid] if victims is not None else None
    for lab in range(labels.max() + 1 if labels.size else 0):
        sel = labels == lab
        pts = np.unique(np.column_stack([x[sel], y[sel]]), axis=0)
        mp = shapely.multipoints(pts)
        shape = shapely.convex_hull(mp) if hull == "convex" else shapely.concave_hull(mp, 0.3)
        outline = shapely.buffer(shape, buf) if buf > 0 else shape
        row = {
            "cluster": lab + 1,
            "cases": int(sel.sum()),
            "locations": len(pts),
            "area_km2": float(outline.area / 1e6),
            "geometry": outline,
        }
        if vic is not None:
            row["victims"] = float(vic[sel].sum())
        rows.append(row)
    if not rows:
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=WGS84)
    out = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=crs).to_crs(WGS84)
    out = out.sort_values(["cases", "cluster"], ascending=[False, True], kind="stable")
    out["cluster"] = np.arange(1, len(out) + 1)
    out.attrs["eps_m"] = eps_used
    out.attrs["method"] = method
    return out[columns + ["geometry"]].reset_index(drop=True)
