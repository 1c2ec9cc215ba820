"""Kernel density of case points onto a grid, in cases per km².

Linear binning onto a lattice, then one FFT convolution (``scipy.signal.fftconvolve``)
with the discretised kernel: 10^6 points onto a 1000 x 1000 grid take a fraction of a
second.

Method
    1. The lattice is the grid's cell centres (square grids) or, for hexagonal grids, the
       rectangular lattice of spacing ``(cell / 2, cell * sqrt(3) / 2)`` on which every
       other point is a hexagon centre. It is extended on every side by the kernel's
       support so that points outside the grid still contribute to cells inside it.
    2. Each point's weight is split over the four surrounding lattice points (linear
       binning; exact for the mean, error O(spacing²) elsewhere).
    3. The kernel is evaluated at the lattice offsets and scaled so that its discrete sum
       times the lattice cell area is exactly 1: the density of a point far enough from
       the edges integrates to exactly its weight, whatever the ratio of bandwidth to cell.
    4. Masked cells are set to 0.

Kernels
    ``"gaussian"``: ``exp(-r² / 2h²) / (2 pi h²)``, ``h`` = standard deviation, truncated
    at ``4 h``. ``"quartic"`` (biweight, as ArcGIS's Kernel Density):
    ``3 / (pi h²) (1 - r²/h²)²`` for ``r < h``, ``h`` = search radius.

Bandwidth rule (``bandwidth=None``), see :func:`default_bandwidth`
    ArcGIS's spatial variant of Silverman's rule of thumb:
    ``h = 0.9 * min(SD, sqrt(1 / ln 2) * Dm) * n^(-1/5)``, with ``SD`` the standard distance
    and ``Dm`` the median distance of the points from their mean centre (weighted, and
    ``n`` = sum of weights, when weights are given), **capped at one grid cell**:
    ``h = min(h_silverman, cell)``. Used as the Gaussian's standard deviation (Silverman's
    original use) and as the quartic's search radius (ArcGIS's).

    Why the cap: Silverman's rule is derived for one Gaussian bump. Case data are a few
    tight clusters on an almost empty background, so ``SD`` and ``Dm`` measure the spread
    of the whole province and the rule smooths the clusters away (10.8 km on the Lào Cai
    demo data, whose planted hot spots have 2-3.5 km radii; in backtests such a KDE
    reached a 5 % PAI of 3.9 against 15.3 for plain counts). One cell is the scale the
    analyst chose for the map (see :func:`hotspots.areas.grid.spacing_cell_size`) and the
    reach of the Gi* neighbourhood; on spread-out data whose Silverman width is smaller
    than a cell the rule is unchanged.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import fftconvolve

from hotspots.areas.grid import Grid
from hotspots.errors import InputError

__all__ = ["kde", "default_bandwidth", "KERNELS", "GAUSSIAN_TRUNCATE"]

#: Kernels understood by :func:`kde`.
KERNELS = ("gaussian", "quartic")
#: The Gaussian kernel is cut at this many bandwidths.
GAUSSIAN_TRUNCATE = 4.0


def _weighted_median(v: np.ndarray, w: np.ndarray) -> float:
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    cw = np.cumsum(w)
    half = cw[-1] / 2.0
    i = int(np.searchsorted(cw, half))
    if np.isclose(cw[i], half) and i + 1 < v.size:
        return float((v[i] + v[i + 1]) / 2.0)
    return float(v[i])


def default_bandwidth(
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray | None = None,
    cell: float | None = None,
) -> float:
    """Bandwidth (metres) by ArcGIS's spatial variant of Silverman's rule, capped at ``cell``.

    ``h = 0.9 * min(SD, sqrt(1 / ln 2) * Dm) * n^(-1/5)``; ``SD`` is the standard distance
    ``sqrt(var(x) + var(y))`` (population variances), ``Dm`` the median distance from the
    mean centre, ``n`` the number of points (sum of weights when weighted). Returns 0 when
    all points coincide. With ``cell`` (what :func:`kde` passes: the grid's cell size) the
    result is ``min(h, cell)``, because the rule oversmooths clustered case data (module
    docstring).

    Examples
    --------
    >>> x = np.array([0.0, 1000.0, 0.0, 1000.0])
    >>> y = np.array([0.0, 0.0, 1000.0, 1000.0])
    >>> round(default_bandwidth(x, y), 3)  # SD = Dm = 707.107; 0.9 * 707.107 * 4**-0.2
    482.298
    """
    x, y, w = _xyw(x, y, weights)
    if x.size == 0 or w.sum() <= 0:
        raise InputError("no points (or zero total weight) to choose a bandwidth from")
    n = w.sum()
    mx = np.average(x, weights=w)
    my = np.average(y, weights=w)
    sd = math.sqrt(np.average((x - mx) ** 2, weights=w) + np.average((y - my) ** 2, weights=w))
    dist = np.hypot(x - mx, y - my)
    dm = float(np.median(dist)) if np.all(w == w[0]) else _weighted_median(dist, w)
    h = float(0.9 * min(sd, math.sqrt(1.0 / math.log(2.0)) * dm) * n ** (-0.2))
    if cell is not None:
        if not (np.isfinite(cell) and cell > 0):
            raise InputError(f"cell must be a positive number of metres, got {cell}")
        h = min(h, float(cell))
    return h


def _xyw(x, y, weights, drop_missing: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points and weights as flat float arrays, checked (shared with ``cluster``).

    With ``drop_missing`` points without finite coordinates and points of weight 0 are
    dropped; otherwise non-finite coordinates are an InputError and every point is kept.
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    y = np.asarray(y, dtype=float).reshape(-1)
    if x.shape != y.shape:
        raise InputError(f"x and y have different lengths ({x.size} and {y.size})")
    if not drop_missing and not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise InputError("x and y must be finite: drop cases without coordinates first")
    if weights is None:
        w = np.ones(x.size)
    else:
        w = np.asarray(weights, dtype=float).reshape(-1)
        if w.shape != x.shape:
            raise InputError(f"weights has {w.size} values for {x.size} points")
        if (w < 0).any() or not np.isfinite(w).all():
            raise InputError("weights must be finite and non-negative")
    if not drop_missing:
        return x, y, w
    ok = np.isfinite(x) & np.isfinite(y) & (w > 0)
    if ok.all():
        return x, y, w
    return x[ok], y[ok], w[ok]


def _kernel(kernel: str, h: float, sx: float, sy: float) -> np.ndarray:
    support = GAUSSIAN_TRUNCATE * h if kernel == "gaussian" else h
    kx = int(math.ceil(support / sx))
    ky = int(math.ceil(support / sy))
    dx = np.arange(-kx, kx + 1) * sx
    dy = np.arange(-ky, ky + 1) * sy
    r2 = dy[:, None] ** 2 + dx[None, :] ** 2
    if kernel == "gaussian":
        k = np.exp(-r2 / (2.0 * h * h))
        k[r2 > support * support] = 0.0
    else:
        k = np.clip(1.0 - r2 / (h * h), 0.0, None) ** 2
    total = k.sum()
    if total <= 0:  # bandwidth far below the spacing: all mass on the point's lattice node
        k = np.zeros_like(k)
        k[ky, kx] = 1.0
        total = 1.0
    return k / (total * sx * sy)  # discrete sum * cell area == 1


def _lattice_density(x, y, w, ox, oy, sx, sy, mx, my, kern) -> np.ndarray:
    """Density (per m²) at lattice points ``(ox + i sx, oy + j sy)``, ``(my, mx)``."""
    ky = (kern.shape[0] - 1) // 2
    kx = (kern.shape[1] - 1) // 2
    ex, ey = mx + 2 * kx, my + 2 * ky  # extended lattice
    # fractional lattice coordinates, computed in place (this loop over 10^6 points is
    # memory-bound: few passes matter more than clever arithmetic)
    fx = x - ox
    fx *= 1.0 / sx
    fx += kx
    fy = y - oy
    fy *= 1.0 / sy
    fy += ky
    ix = np.floor(fx)
    iy = np.floor(fy)
    if not (ix.min() >= 0 and ix.max() < ex - 1 and iy.min() >= 0 and iy.max() < ey - 1):
        keep = (ix >= 0) & (ix < ex - 1) & (iy >= 0) & (iy < ey - 1)
        fx, fy, ix, iy = fx[keep], fy[keep], ix[keep], iy[keep]
        w = None if w is None else w[keep]
    fx -= ix  # now the fraction tx in [0, 1)
    fy -= iy  # ty
    base = iy.astype(np.intp)
    base *= ex
    base += ix.astype(np.intp)
    size = ex * ey
    w1 = fy if w is None else w * fy  # weight going to the upper row
    w0 = (1.0 - fy) if w is None else w - w1
    right = w0 * fx
    w0 -= right
    binned = np.bincount(base, weights=w0, minlength=size)
    binned += np.bincount(base + 1, weights=right, minlength=size)
    right = w1 * fx
    w1 = w1 - right
    base += ex
    binned += np.bincount(base, weights=w1, minlength=size)
    base += 1
    binned += np.bincount(base, weights=right, minlength=size)
    binned = binned.reshape(ey, ex)
    dens = fftconvolve(binned, kern, mode="valid")
    # FFT round-off is about eps * total mass * kernel peak: zero it, so that a quartic
    # kernel is exactly 0 beyond its radius and no density is negative
    dens[dens < 1e-12 * binned.sum() * kern.max()] = 0.0
    return dens


def kde(
    x: np.ndarray,
    y: np.ndarray,
    grid: Grid,
    bandwidth: float | None = None,
    kernel: str = "gaussian",
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Kernel density of points at the grid's cell centres, in cases per km².

    Parameters
    ----------
    x, y
        Point coordinates in metres, in ``grid.crs``.
    grid
        Square or hexagonal :class:`~hotspots.areas.grid.Grid`; masked cells get 0.
    bandwidth
        Metres: the Gaussian's standard deviation or the quartic's radius. ``None``:
        :func:`default_bandwidth` of the points capped at one cell (``grid.cell``).
    kernel
        ``"gaussian"`` or ``"quartic"``.
    weights
        Optional weight per point (for example victims); the density is then weight
        per km².

    Returns
    -------
    numpy.ndarray
        ``(ny, nx)`` density. ``density.sum() * grid.area_km2`` equals the total weight of
        the points whose kernel lies inside the grid (pad the grid by the kernel's support,
        e.g. ``Grid.for_points(pts, pad=4 * h)``). Square grids: exactly (round-off).
        Hexagonal grids sample the lattice density at the hexagon centres, which is
        within about 0.1 % for many points and bandwidths of a third of a cell or more; a lone
        point with a much smaller bandwidth can be missed (use counts instead).

    Examples
    --------
    >>> g = Grid(0.0, 0.0, 100.0, 50, 50, "EPSG:32648")
    >>> d = kde(np.array([2500.0]), np.array([2500.0]), g, bandwidth=300.0)
    >>> round(float(d.sum() * g.area_km2), 6)
    1.0
    """
    if kernel not in KERNELS:
        raise InputError(f"kernel must be one of {KERNELS}, got {kernel!r}")
    x, y, w = _xyw(x, y, weights)
    if x.size == 0:
        return np.zeros(grid.shape)
    unit = weights is None
    if bandwidth is None:
        bandwidth = default_bandwidth(x, y, w, cell=grid.cell)
        if bandwidth <= 0:
            bandwidth = grid.cell
    bandwidth = float(bandwidth)
    if not (np.isfinite(bandwidth) and bandwidth > 0):
        raise InputError(f"bandwidth must be a positive number of metres, got {bandwidth}")
    if grid.kind == "square":
        sx = sy = grid.cell
        kern = _kernel(kernel, bandwidth, sx, sy)
        dens = _lattice_density(
            x,
            y,
            None if unit else w,
            grid.x0 + sx / 2,
            grid.y0 + sy / 2,
            sx,
            sy,
            grid.nx,
            grid.ny,
            kern,
        )
    else:
        sx, sy = grid.cell / 2.0, grid.dy
        kern = _kernel(kernel, bandwidth, sx, sy)
        # lattice column i is at x0 + (i + 1) * cell / 2: even rows use odd i, odd rows even i
        lat = _lattice_density(
            x,
            y,
            None if unit else w,
            grid.x0 + sx,
            grid.y0 + sy / 2,
            sx,
            sy,
            2 * grid.nx + 1,
            grid.ny,
            kern,
        )
        cols = 2 * np.arange(grid.nx)[None, :] + (np.arange(grid.ny) % 2)[:, None]
        dens = np.take_along_axis(lat, cols, axis=1)
    dens = dens * 1e6
    if grid.mask is not None:
        dens = np.where(grid.mask, dens, 0.0)
    return dens
