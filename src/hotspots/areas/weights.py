"""Spatial weights as binary ``scipy.sparse.csr_array`` adjacency matrices.

Every builder returns a square matrix of 0/1 (``float64``) with an empty diagonal: the
self weight of Gi* is added by :func:`hotspots.areas.stats.gi_star` itself. Row ``i``
lists the neighbours of observation ``i``. Contiguity and distance-band matrices are
symmetric; k-nearest-neighbour matrices usually are not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely
from scipy import sparse
from scipy.spatial import cKDTree

from hotspots.errors import InputError

if TYPE_CHECKING:
    from hotspots.areas.grid import Grid

__all__ = [
    "grid_contiguity",
    "grid_weights",
    "polygon_contiguity",
    "distance_band",
    "knn",
]

# (row, col) offsets of the neighbours, in increasing flat-index order so that CSR rows
# come out sorted. Hexagons are pointy-top with odd rows shifted right by half a cell
# (see hotspots.areas.grid).
_ROOK_SORTED = ((-1, 0), (0, -1), (0, 1), (1, 0))
_QUEEN_SORTED = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))
_HEX_EVEN_SORTED = ((-1, -1), (-1, 0), (0, -1), (0, 1), (1, -1), (1, 0))
_HEX_ODD_SORTED = ((-1, 0), (-1, 1), (0, -1), (0, 1), (1, 0), (1, 1))


def _binary(rows: np.ndarray, cols: np.ndarray, n: int) -> sparse.csr_array:
    data = np.ones(rows.size, dtype=float)
    m = sparse.csr_array((data, (rows, cols)), shape=(n, n))
    m.sum_duplicates()
    m.data[:] = 1.0
    m.sort_indices()
    return m


def grid_contiguity(
    ny: int, nx: int, kind: str = "queen", mask: np.ndarray | None = None
) -> sparse.csr_array:
    """Contiguity of the cells of an ``ny x nx`` grid (flat order ``row * nx + col``).

    Parameters
    ----------
    ny, nx
        Grid shape.
    kind
        ``"queen"`` (8 neighbours: shared edge or corner), ``"rook"`` (4: shared edge) or
        ``"hex"`` (6: the hexagonal grid of :class:`hotspots.areas.grid.Grid`).
    mask
        Optional ``(ny, nx)`` bool array. With a mask the matrix covers only the cells
        inside it, in flat order (``np.flatnonzero(mask)``), matching
        ``values.reshape(-1)[mask.reshape(-1)]``.

    Returns
    -------
    scipy.sparse.csr_array
        Binary, symmetric, zero diagonal.
    """
    ny, nx = int(ny), int(nx)
    if ny < 1 or nx < 1:
        raise InputError(f"grid shape must be positive, got ny={ny}, nx={nx}")
    if kind not in ("queen", "rook", "hex"):
        raise InputError(f"contiguity kind must be 'queen', 'rook' or 'hex', got {kind!r}")
    n = ny * nx
    idx_dtype = np.int32 if n < 2**31 - 1 else np.int64
    # neighbour table (ny, nx, k), offsets in increasing flat-index order; validity is
    # the product of a row condition and a column condition (both depend on row parity
    # for hexagons), so it is built by broadcasting.
    if kind == "hex":
        par = np.arange(ny) % 2
        dr = np.array([o[0] for o in _HEX_EVEN_SORTED])
        dcs = np.array([[o[1] for o in _HEX_EVEN_SORTED], [o[1] for o in _HEX_ODD_SORTED]])
        dc = dcs[par]  # (ny, k)
    else:
        offsets = _QUEEN_SORTED if kind == "queen" else _ROOK_SORTED
        dr = np.array([o[0] for o in offsets])
        dc = np.broadcast_to(np.array([o[1] for o in offsets]), (ny, len(offsets)))
    rows = np.arange(ny)[:, None] + dr[None, :]  # (ny, k)
    row_ok = (rows >= 0) & (rows < ny)
    cols = np.arange(nx)[None, :, None] + dc[:, None, :]  # (ny, nx, k)
    ok = row_ok[:, None, :] & (cols >= 0) & (cols < nx)
    delta = (dr[None, :] * nx + dc).astype(idx_dtype)  # (ny, k)
    base = np.arange(n, dtype=idx_dtype).reshape(ny, nx)
    nb = base[:, :, None] + delta[:, None, :]
    k = dr.size
    ok = ok.reshape(n, k)
    nb = nb.reshape(n, k)
    if mask is not None:
        m = np.asarray(mask, dtype=bool)
        if m.shape != (ny, nx):
            raise InputError(f"mask has shape {m.shape}, expected {(ny, nx)}")
        flat = m.reshape(-1)
        new = np.full(n, -1, dtype=idx_dtype)
        new[flat] = np.arange(int(flat.sum()), dtype=idx_dtype)
        ok = ok[flat]
        nb = nb[flat]
        ok[ok] = flat[nb[ok]]  # neighbour inside the mask too
        nb = new[np.where(ok, nb, 0)]  # renumbering keeps the order: rows stay sorted
        n = int(flat.sum())
    counts = ok.sum(axis=1)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    indices = nb[ok].astype(idx_dtype, copy=False)
    indptr = indptr.astype(idx_dtype, copy=False)
    w = sparse.csr_array((np.ones(indices.size), indices, indptr), shape=(n, n))
    w.has_sorted_indices = True
    return w


def grid_weights(grid: Grid, kind: str | None = None) -> sparse.csr_array:
    """Contiguity of a :class:`~hotspots.areas.grid.Grid`, restricted to its mask.

    ``kind`` defaults to ``"queen"`` for square grids and ``"hex"`` for hexagonal ones.
    """
    if kind is None:
        kind = "hex" if grid.kind == "hex" else "queen"
    if (kind == "hex") != (grid.kind == "hex"):
        raise InputError(f"contiguity {kind!r} does not fit a {grid.kind} grid")
    return grid_contiguity(grid.ny, grid.nx, kind, grid.mask)


def polygon_contiguity(
    gdf: gpd.GeoDataFrame | gpd.GeoSeries, kind: str = "queen"
) -> sparse.csr_array:
    """Contiguity of polygons (for example commune areas), in row order.

    Parameters
    ----------
    gdf
        Polygons.
    kind
        ``"queen"``: neighbours share at least one boundary point (or overlap);
        ``"rook"``: they share a boundary segment of positive length (or overlap).

    Notes
    -----
    Geometric, not vertex-based: two polygons touching at a point that is a vertex of only
    one of them are still queen neighbours. On clean topology (shared vertices) this is the
    same as libpysal's ``Queen``/``Rook``.
    """
    if kind not in ("queen", "rook"):
        raise InputError(f"polygon contiguity kind must be 'queen' or 'rook', got {kind!r}")
    geoms = np.asarray(gdf.geometry.values if isinstance(gdf, gpd.GeoDataFrame) else gdf.values)
    n = geoms.size
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    keep = a != b
    a, b = a[keep], b[keep]
    if kind == "rook" and a.size:
        upper = a < b
        a, b = a[upper], b[upper]
        inter = shapely.intersection(shapely.boundary(geoms[a]), shapely.boundary(geoms[b]))
        overlap = shapely.area(shapely.intersection(geoms[a], geoms[b])) > 0
        ok = (shapely.length(inter) > 0) | overlap
        a, b = a[ok], b[ok]
        a, b = np.concatenate([a, b]), np.concatenate([b, a])
    return _binary(a, b, n)


def _xy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float).reshape(-1)
    y = np.asarray(y, dtype=float).reshape(-1)
    if x.shape != y.shape:
        raise InputError(f"x and y have different lengths ({x.size} and {y.size})")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise InputError("x and y must be finite (drop points without coordinates first)")
    return np.column_stack([x, y])


def distance_band(x: np.ndarray, y: np.ndarray, threshold: float) -> sparse.csr_array:
    """Neighbours within ``threshold`` metres (distance ``<= threshold``), binary, symmetric."""
    if not (np.isfinite(threshold) and threshold >= 0):
        raise InputError(f"threshold must be a non-negative distance in metres, got {threshold}")
    pts = _xy(x, y)
    pairs = cKDTree(pts).query_pairs(float(threshold), output_type="ndarray")
    a, b = pairs[:, 0], pairs[:, 1]
    return _binary(np.concatenate([a, b]), np.concatenate([b, a]), len(pts))


def knn(x: np.ndarray, y: np.ndarray, k: int) -> sparse.csr_array:
    """The ``k`` nearest other points of each point, binary (row ``i`` has ``k`` ones).

    Ties at the k-th distance are broken by the KD-tree's order. Coincident points count
    as neighbours at distance 0; a point is never its own neighbour.
    """
    pts = _xy(x, y)
    n = len(pts)
    k = int(k)
    if not 1 <= k < n:
        raise InputError(f"k must be between 1 and n-1 = {n - 1}, got {k}")
    _, idx = cKDTree(pts).query(pts, k=k + 1)
    me = np.arange(n)[:, None]
    is_self = idx == me
    # drop self where it appears; otherwise (> k+1 coincident points) drop the last one
    has_self = is_self.any(axis=1)
    drop = np.where(has_self, np.argmax(is_self, axis=1), k)
    keep = np.ones_like(idx, dtype=bool)
    keep[np.arange(n), drop] = False
    nbrs = idx[keep].reshape(n, k)
    return _binary(np.repeat(np.arange(n), k), nbrs.reshape(-1), n)
