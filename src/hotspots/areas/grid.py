"""Analysis grids: square and hexagonal cells in metres over a province, an area or points.

A :class:`Grid` is a small immutable description (corner, cell size, shape, CRS, mask);
cell geometry is computed on demand. Flat cell indices everywhere are
``row * nx + col`` with row 0 at the bottom (``y0``).

Square cells
    Cell ``(row, col)`` is the half-open box ``[x0 + col*cell, x0 + (col+1)*cell) x
    [y0 + row*cell, y0 + (row+1)*cell)``. Cell area ``cell**2``.
Hexagonal cells
    Pointy-top hexagons; ``cell`` is the distance between neighbouring centres (the
    hexagon's width across flats). Rows are ``dy = cell * sqrt(3) / 2`` apart; odd rows are
    shifted right by ``cell / 2``. The centre of ``(row, col)`` is ``(x0 + (col + 0.5 +
    0.5 * (row % 2)) * cell, y0 + (row + 0.5) * dy)``. A point belongs to the nearest centre.
    Cell area ``sqrt(3) / 2 * cell**2``.

Automatic cell size (``cell=None``)
    About 2,500 cells over the area (for :meth:`Grid.for_area`: the area of the polygons;
    for :meth:`Grid.for_points`: the area of the points' bounding box after padding):
    ``sqrt(area / 2500)`` rounded *down* to 1, 2 or 5 x 10^k metres, and at least 100 m.
    For a province of 6,000-14,000 km² this gives 1-2 km cells.

Cell size from the case locations (:func:`spacing_cell_size`, the default of
:func:`hotspots.areas.key_areas.key_areas`)
    The expected distance from a location to its nearest neighbour if the ``n`` distinct
    case locations were spread at random over the study area of ``A`` m² (Clark and Evans,
    1954): ``0.5 * sqrt(A / n)``, kept between ``sqrt(A / MAX_CELLS)`` and
    ``sqrt(A / MIN_CELLS)`` and rounded to the nearest of 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6
    or 8 x 10^k metres inside those bounds (at least ``MIN_CELL``). A cell then holds
    about one location at the data's average spacing, so cells are fine where cases are
    many and coarse where they are few, like ArcGIS's Optimized Hot Spot Analysis, which
    derives its fishnet cell from the spacing of the incidents (see ``docs/methods.md``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from hotspots.data.crs import WGS84, metric_crs
from hotspots.errors import InputError

__all__ = [
    "Grid",
    "auto_cell_size",
    "spacing_cell_size",
    "counts_by_polygon",
    "TARGET_CELLS",
    "MIN_CELL",
    "MIN_CELLS",
    "MAX_CELLS",
    "MAX_GRID_CELLS",
]

#: Number of cells the automatic rule aims for over the area.
TARGET_CELLS = 2500
#: Smallest cell the automatic rule returns (metres).
MIN_CELL = 100.0
#: Fewest cells the spacing rule gives over the area (few cases: coarse, not one big cell).
MIN_CELLS = 400
#: Most cells the spacing rule gives over the area (dense city data: no flood of tiny cells).
MAX_CELLS = 50_000
#: Most cells any grid may have (10^7: a float array of it is 80 MB; a given cell size
#: that is far too small for the area is an error, not an out-of-memory crash).
MAX_GRID_CELLS = 10_000_000
_NICE = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)

_SQRT3 = math.sqrt(3.0)


def auto_cell_size(area_m2: float, target_cells: int = TARGET_CELLS) -> float:
    """Cell size (metres) for about ``target_cells`` cells over ``area_m2`` square metres.

    ``sqrt(area_m2 / target_cells)`` rounded down to 1, 2 or 5 x 10^k, at least
    :data:`MIN_CELL`.

    Examples
    --------
    >>> auto_cell_size(13_000e6)  # 13,000 km²: sqrt = 2280 m
    2000.0
    >>> auto_cell_size(1e6)  # 1 km² → the 100 m floor
    100.0
    """
    if not np.isfinite(area_m2) or area_m2 <= 0:
        return MIN_CELL
    raw = math.sqrt(area_m2 / target_cells)
    k = math.floor(math.log10(raw))
    best = MIN_CELL
    for step in (1.0, 2.0, 5.0, 10.0):
        size = step * 10.0**k
        if size <= raw * (1 + 1e-12):
            best = max(best, size)
    return float(best)


def _nice_nearest(raw: float, lo: float, hi: float) -> float:
    """The round number (:data:`_NICE` x 10^k) nearest to ``raw`` within ``[lo, hi]``."""
    k = math.floor(math.log10(raw))
    cands = [step * 10.0**j for j in range(k - 2, k + 3) for step in _NICE]
    ok = [c for c in cands if lo * (1 - 1e-12) <= c <= hi * (1 + 1e-12)]
    if not ok:  # no round number between the bounds: the bound nearest to raw
        return lo if abs(raw - lo) <= abs(raw - hi) else hi
    return float(min(ok, key=lambda c: (abs(c - raw), c)))


def spacing_cell_size(x: np.ndarray, y: np.ndarray, area_m2: float) -> float:
    """Cell size (metres) from the spacing of the distinct case locations.

    ``0.5 * sqrt(area_m2 / n)`` with ``n`` the number of distinct locations (to the metre),
    the mean nearest-neighbour distance of ``n`` random points on the area (Clark and
    Evans); kept between ``sqrt(area_m2 / MAX_CELLS)`` and ``sqrt(area_m2 / MIN_CELLS)``,
    rounded to the nearest of 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 x 10^k inside those
    bounds, and at least :data:`MIN_CELL`. Without locations: :func:`auto_cell_size`.

    Parameters
    ----------
    x, y
        Coordinates in metres (a metric CRS).
    area_m2
        The study area in square metres.

    Examples
    --------
    >>> xs = np.arange(2000.0) * 10.0  # 2,000 distinct locations
    >>> spacing_cell_size(xs, np.zeros(2000), 12_500e6)  # 0.5 * sqrt(6.25e6) = 1250 m
    1250.0
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    y = np.asarray(y, dtype=float).reshape(-1)
    ok = np.isfinite(x) & np.isfinite(y)
    if not np.isfinite(area_m2) or area_m2 <= 0:
        return MIN_CELL
    key = np.round(x[ok]) + 1j * np.round(y[ok])
    n = int(np.unique(key).size)
    if n == 0:
        return auto_cell_size(area_m2)
    lo, hi = math.sqrt(area_m2 / MAX_CELLS), math.sqrt(area_m2 / MIN_CELLS)
    raw = min(max(0.5 * math.sqrt(area_m2 / n), lo), hi)
    return float(max(_nice_nearest(raw, lo, hi), MIN_CELL))


def _as_geoseries(obj, name: str) -> gpd.GeoSeries:
    if isinstance(obj, gpd.GeoDataFrame):
        return obj.geometry
    if isinstance(obj, gpd.GeoSeries):
        return obj
    if isinstance(obj, BaseGeometry):
        return gpd.GeoSeries([obj], crs=WGS84)
    raise InputError(
        f"{name} must be a GeoDataFrame, GeoSeries or shapely geometry, got {type(obj).__name__}"
    )


def _with_crs(gs: gpd.GeoSeries) -> gpd.GeoSeries:
    return gs if gs.crs is not None else gs.set_crs(WGS84)


@dataclass(frozen=True, eq=False)
class Grid:
    """A square or hexagonal grid in a metric CRS.

    Parameters
    ----------
    x0, y0
        Lower-left corner in metres (in ``crs``).
    cell
        Cell size in metres (square: side; hex: distance between centres).
    nx, ny
        Number of columns and rows.
    crs
        Metric CRS of the grid.
    kind
        ``"square"`` or ``"hex"``.
    mask
        ``(ny, nx)`` boolean array, True = cell inside the area; ``None`` = all cells.
    """

    x0: float
    y0: float
    cell: float
    nx: int
    ny: int
    crs: CRS
    kind: str = "square"
    mask: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("square", "hex"):
            raise InputError(f"grid kind must be 'square' or 'hex', got {self.kind!r}")
        if not (np.isfinite(self.cell) and self.cell > 0):
            raise InputError(f"grid cell size must be a positive number of metres, got {self.cell}")
        if int(self.nx) < 1 or int(self.ny) < 1:
            raise InputError(
                f"grid needs at least one row and column, got ny={self.ny} nx={self.nx}"
            )
        if int(self.nx) * int(self.ny) > MAX_GRID_CELLS:
            larger = self.cell * math.sqrt(int(self.nx) * int(self.ny) / MAX_GRID_CELLS)
            raise InputError(
                f"a grid of {int(self.nx):,} x {int(self.ny):,} cells of {self.cell:g} m "
                f"is more than {MAX_GRID_CELLS:,} cells; use a cell size (--cell) of at "
                f"least {math.ceil(larger):g} m, or a smaller area"
            )
        object.__setattr__(self, "nx", int(self.nx))
        object.__setattr__(self, "ny", int(self.ny))
        object.__setattr__(self, "x0", float(self.x0))
        object.__setattr__(self, "y0", float(self.y0))
        object.__setattr__(self, "cell", float(self.cell))
        crs = CRS.from_user_input(self.crs)
        if not crs.is_projected:
            raise InputError(
                f"grid CRS must be metric (projected), got {crs.name}; "
                "use hotspots.data.crs.metric_crs to choose one"
            )
        object.__setattr__(self, "crs", crs)
        if self.mask is not None:
            m = np.asarray(self.mask, dtype=bool)
            if m.shape != (self.ny, self.nx):
                raise InputError(
                    f"grid mask has shape {m.shape}, expected (ny, nx) = {(self.ny, self.nx)}"
                )
            m = m.copy()
            m.setflags(write=False)
            object.__setattr__(self, "mask", m)

    # ------------------------------------------------------------------ basic properties
    @property
    def shape(self) -> tuple[int, int]:
        """``(ny, nx)``."""
        return (self.ny, self.nx)

    @property
    def size(self) -> int:
        """Number of cells ``ny * nx``."""
        return self.ny * self.nx

    @property
    def dy(self) -> float:
        """Distance between row centres in metres (``cell`` for square, ``cell*sqrt(3)/2`` hex)."""
        return self.cell if self.kind == "square" else self.cell * _SQRT3 / 2.0

    @property
    def area_km2(self) -> float:
        """Area of one cell in km²."""
        return self.cell * self.dy / 1e6

    @property
    def flat_mask(self) -> np.ndarray:
        """Mask as a flat ``(size,)`` bool array (all True without a mask)."""
        if self.mask is None:
            return np.ones(self.size, dtype=bool)
        return self.mask.reshape(-1)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(minx, miny, maxx, maxy)`` of all cells (hex: of the hexagons)."""
        if self.kind == "square":
            return (self.x0, self.y0, self.x0 + self.nx * self.cell, self.y0 + self.ny * self.cell)
        r = self.cell / _SQRT3
        extra = 0.5 if self.ny > 1 else 0.0
        return (
            self.x0,
            self.y0 + 0.5 * self.dy - r,
            self.x0 + (self.nx + extra) * self.cell,
            self.y0 + (self.ny - 0.5) * self.dy + r,
        )

    def with_mask(self, mask: np.ndarray | None) -> Grid:
        """Return the same grid with another mask."""
        return Grid(self.x0, self.y0, self.cell, self.nx, self.ny, self.crs, self.kind, mask)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_bounds(
        cls,
        bounds: tuple[float, float, float, float],
        cell: float,
        crs: CRS | str,
        kind: str = "square",
        snap: bool = True,
    ) -> Grid:
        """Smallest grid whose cells cover ``bounds`` (metres, in ``crs``).

        With ``snap`` the corner is a multiple of the cell size (square) or of the
        cell size and row spacing (hex), so grids of the same cell size line up.
        """
        minx, miny, maxx, maxy = (float(v) for v in bounds)
        if not np.all(np.isfinite([minx, miny, maxx, maxy])):
            raise InputError("cannot build a grid over empty or non-finite bounds")
        cell = float(cell)
        if not (np.isfinite(cell) and cell > 0):
            raise InputError(f"cell size must be a positive number of metres, got {cell}")
        if kind == "square":
            x0 = math.floor(minx / cell) * cell if snap else minx
            y0 = math.floor(miny / cell) * cell if snap else miny
            nx = max(1, math.floor((maxx - x0) / cell) + 1)
            ny = max(1, math.floor((maxy - y0) / cell) + 1)
            # the half-open rule: a point exactly at x0 + nx*cell would fall outside
            return cls(x0, y0, cell, nx, ny, crs, "square")
        if kind != "hex":
            raise InputError(f"grid kind must be 'square' or 'hex', got {kind!r}")
        dy = cell * _SQRT3 / 2.0
        # every point within the rectangle [x0 + cell, x0 + nx*cell] x [y0 + dy, ...] is
        # nearer a centre of the grid than any centre outside it; leave one step of margin.
        x0 = (math.floor(minx / cell) - 1) * cell if snap else minx - cell
        y0 = (math.floor(miny / (2 * dy)) * 2 - 2) * dy if snap else miny - 2 * dy
        nx = max(1, math.ceil((maxx - x0) / cell) + 1)
        ny = max(2, math.ceil((maxy - y0) / dy) + 1)
        return cls(x0, y0, cell, nx, ny, crs, "hex")

    @classmethod
    def for_area(
        cls,
        area: gpd.GeoDataFrame | gpd.GeoSeries | BaseGeometry,
        cell: float | None = None,
        kind: str = "square",
        crs: CRS | str | None = None,
    ) -> Grid:
        """Grid over a province or area, cells outside the area masked.

        Parameters
        ----------
        area
            Polygon(s) in any CRS (a bare shapely geometry is taken as EPSG:4326).
        cell
            Cell size in metres; ``None`` → :func:`auto_cell_size` of the area.
        kind
            ``"square"`` or ``"hex"``.
        crs
            Metric CRS; default :func:`hotspots.data.crs.metric_crs` of the area.

        Notes
        -----
        A cell is inside (``mask`` True) when it overlaps the area with positive area, so
        cases next to a border are never dropped.
        """
        gs = _with_crs(_as_geoseries(area, "area"))
        gs = gs[~(gs.is_empty | gs.isna())]
        if len(gs) == 0:
            raise InputError("the area is empty: give at least one polygon")
        target = CRS.from_user_input(crs) if crs is not None else metric_crs(gs)
        gm = gs.to_crs(target)
        geom = shapely.union_all(shapely.make_valid(np.asarray(gm.values)))
        if geom.area <= 0:
            raise InputError("the area has no surface (points or lines?): give polygons")
        if cell is None:
            cell = auto_cell_size(geom.area)
        grid = cls.from_bounds(geom.bounds, cell, target, kind)
        return grid.with_mask(grid._mask_for(geom))

    @classmethod
    def for_points(
        cls,
        points: gpd.GeoDataFrame | gpd.GeoSeries,
        cell: float | None = None,
        kind: str = "square",
        pad: float = 0.0,
        crs: CRS | str | None = None,
    ) -> Grid:
        """Grid over the bounding box of points (no mask).

        Parameters
        ----------
        points
            Points in any CRS (missing CRS taken as EPSG:4326).
        cell
            Cell size in metres; ``None`` → :func:`auto_cell_size` of the padded box.
        kind
            ``"square"`` or ``"hex"``.
        pad
            Margin in metres added on each side of the box (for kernel density use about
            three bandwidths so that the density integrates to the number of points).
        crs
            Metric CRS; default :func:`hotspots.data.crs.metric_crs` of the points.
        """
        gs = _with_crs(_as_geoseries(points, "points"))
        gs = gs[~(gs.is_empty | gs.isna())]
        if len(gs) == 0:
            raise InputError("no points to build a grid over")
        target = CRS.from_user_input(crs) if crs is not None else metric_crs(gs)
        minx, miny, maxx, maxy = gs.to_crs(target).total_bounds
        pad = float(pad)
        if pad < 0 or not np.isfinite(pad):
            raise InputError(f"pad must be a non-negative number of metres, got {pad}")
        b = (minx - pad, miny - pad, maxx + pad, maxy + pad)
        if cell is None:
            cell = auto_cell_size(max((b[2] - b[0]) * (b[3] - b[1]), 0.0))
        return cls.from_bounds(b, cell, target, kind)

    # ------------------------------------------------------------------ geometry
    def _rowcol_centres(self) -> tuple[np.ndarray, np.ndarray]:
        col = np.arange(self.nx, dtype=float)
        row = np.arange(self.ny, dtype=float)
        cc, rr = np.meshgrid(col, row)
        if self.kind == "square":
            return self.x0 + (cc + 0.5) * self.cell, self.y0 + (rr + 0.5) * self.cell
        shift = 0.5 * (rr.astype(int) % 2)
        return self.x0 + (cc + 0.5 + shift) * self.cell, self.y0 + (rr + 0.5) * self.dy

    def centroids(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell centres as flat ``(size,)`` arrays ``x, y`` in metres."""
        cx, cy = self._rowcol_centres()
        return cx.reshape(-1), cy.reshape(-1)

    def polygons(self) -> gpd.GeoSeries:
        """All ``ny * nx`` cell polygons in :attr:`crs` (flat order)."""
        cx, cy = self.centroids()
        if self.kind == "square":
            h = self.cell / 2.0
            geoms = shapely.box(cx - h, cy - h, cx + h, cy + h)
        else:
            r = self.cell / _SQRT3
            ang = np.deg2rad(30.0 + 60.0 * np.arange(6))
            vx = cx[:, None] + r * np.cos(ang)[None, :]
            vy = cy[:, None] + r * np.sin(ang)[None, :]
            coords = np.stack([vx, vy], axis=-1)
            coords = np.concatenate([coords, coords[:, :1]], axis=1)
            geoms = shapely.polygons(coords)
        return gpd.GeoSeries(geoms, crs=self.crs)

    def _mask_for(self, geom: BaseGeometry) -> np.ndarray:
        """Cells overlapping ``geom`` with positive area, as an ``(ny, nx)`` array."""
        cx, cy = self.centroids()
        shapely.prepare(geom)
        inside = shapely.contains_xy(geom, cx, cy)
        # cells near the boundary: test the polygon itself
        half_diag = self.cell / math.sqrt(2.0) if self.kind == "square" else self.cell / _SQRT3
        boundary = geom.boundary
        shapely.prepare(boundary)
        near = shapely.dwithin(boundary, shapely.points(cx, cy), half_diag * (1 + 1e-9))
        cand = np.flatnonzero(near & ~inside)
        if cand.size:
            polys = np.asarray(self.polygons().values)[cand]
            inter = shapely.area(shapely.intersection(polys, geom))
            inside[cand] = inter > 1e-9 * self.cell * self.dy
        return inside.reshape(self.ny, self.nx)

    # ------------------------------------------------------------------ lookup
    def cell_of(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Flat cell index of each point (metres in :attr:`crs`); -1 outside the grid or mask.

        Square cells are half-open (left and bottom edges belong to the cell); a hex cell
        takes the points nearest its centre.
        """
        x = np.asarray(x, dtype=float).reshape(-1)
        y = np.asarray(y, dtype=float).reshape(-1)
        if x.shape != y.shape:
            raise InputError(f"x and y have different lengths ({x.size} and {y.size})")
        if self.kind == "square":
            col = np.floor((x - self.x0) / self.cell)
            row = np.floor((y - self.y0) / self.cell)
        else:
            dy = self.dy
            r0 = np.floor((y - self.y0) / dy - 0.5)
            best_d = np.full(x.shape, np.inf)
            row = np.full(x.shape, np.nan)
            col = np.full(x.shape, np.nan)
            for r in (r0, r0 + 1.0):
                shift = 0.5 * np.mod(r, 2.0)
                c = np.floor((x - self.x0) / self.cell - shift)
                cxr = self.x0 + (c + 0.5 + shift) * self.cell
                cyr = self.y0 + (r + 0.5) * dy
                d = (x - cxr) ** 2 + (y - cyr) ** 2
                better = d < best_d
                best_d = np.where(better, d, best_d)
                row = np.where(better, r, row)
                col = np.where(better, c, col)
        ok = (col >= 0) & (col < self.nx) & (row >= 0) & (row < self.ny)  # NaN → False
        out = np.full(x.shape, -1, dtype=np.int64)
        out[ok] = row[ok].astype(np.int64) * self.nx + col[ok].astype(np.int64)
        if self.mask is not None:
            inside = np.zeros(x.shape, dtype=bool)
            inside[ok] = self.mask.reshape(-1)[out[ok]]
            out[~inside] = -1
        return out

    def counts(self, x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Number (or sum of ``weights``) of points per cell, ``(ny, nx)`` float.

        Points outside the grid or in masked cells are not counted.
        """
        idx = self.cell_of(x, y)
        keep = idx >= 0
        w = None
        if weights is not None:
            w = np.asarray(weights, dtype=float).reshape(-1)
            if w.shape != idx.shape:
                raise InputError(f"weights has {w.size} values for {idx.size} points")
            w = w[keep]
        c = np.bincount(idx[keep], weights=w, minlength=self.size).astype(float)
        return c.reshape(self.ny, self.nx)

    def to_gdf(
        self, values: dict[str, np.ndarray] | None = None, only_mask: bool = True
    ) -> gpd.GeoDataFrame:
        """Cells as a GeoDataFrame in :attr:`crs` with ``cell``, ``row``, ``col`` and values.

        Parameters
        ----------
        values
            Column name → array of ``size`` values (flat or ``(ny, nx)``).
        only_mask
            Keep only cells inside the mask.
        """
        cols: dict[str, np.ndarray] = {}
        idx = np.arange(self.size)
        cols["cell"] = idx
        cols["row"] = idx // self.nx
        cols["col"] = idx % self.nx
        for name, arr in (values or {}).items():
            a = np.asarray(arr)
            if a.size != self.size:
                raise InputError(
                    f"values[{name!r}] has {a.size} values, the grid has {self.size} cells "
                    f"(ny={self.ny}, nx={self.nx})"
                )
            cols[name] = a.reshape(-1)
        gdf = gpd.GeoDataFrame(pd.DataFrame(cols), geometry=self.polygons().values, crs=self.crs)
        if only_mask and self.mask is not None:
            gdf = gdf[self.flat_mask].reset_index(drop=True)
        return gdf

    def __repr__(self) -> str:
        inside = self.size if self.mask is None else int(self.mask.sum())
        return (
            f"Grid(kind={self.kind!r}, cell={self.cell:g} m, ny={self.ny}, nx={self.nx}, "
            f"inside={inside}, crs={self.crs.to_string()})"
        )


def counts_by_polygon(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    polygons: gpd.GeoDataFrame | gpd.GeoSeries,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Number (or sum of ``weights``) of points inside each polygon (e.g. commune areas).

    Points are projected to the polygons' CRS. A point on a shared edge, or in overlapping
    polygons, counts once, for the first polygon in order; points outside every polygon are
    not counted.

    Returns
    -------
    numpy.ndarray
        Float array of ``len(polygons)``.
    """
    pg = _with_crs(_as_geoseries(polygons, "polygons"))
    pt = _with_crs(_as_geoseries(points, "points")).to_crs(pg.crs)
    n = len(pg)
    if weights is None:
        w = np.ones(len(pt))
    else:
        w = np.asarray(weights, dtype=float).reshape(-1)
        if w.size != len(pt):
            raise InputError(f"weights has {w.size} values for {len(pt)} points")
    if n == 0 or len(pt) == 0:
        return np.zeros(n)
    geoms = np.asarray(pt.values)
    valid = ~(shapely.is_empty(geoms) | shapely.is_missing(geoms))
    tree = shapely.STRtree(np.asarray(pg.values))
    ip, ig = tree.query(geoms[valid], predicate="intersects")
    pts_idx = np.flatnonzero(valid)[ip]
    if pts_idx.size == 0:
        return np.zeros(n)
    order = np.lexsort((ig, pts_idx))
    pts_idx, ig = pts_idx[order], ig[order]
    first = np.r_[True, pts_idx[1:] != pts_idx[:-1]]
    return np.bincount(ig[first], weights=w[pts_idx[first]], minlength=n).astype(float)
