"""Local statistics of areal counts: Getis-Ord Gi*, local Moran's I, FDR and classes.

Pure numpy/scipy, vectorised; no numba, so a fresh process pays no compile time.
Weights are binary ``scipy.sparse`` adjacency matrices without self loops (see
:mod:`hotspots.areas.weights`).

Permutation inference (both statistics) is *conditional randomisation* as in esda and
GeoDa: for observation ``i`` its own value stays, and the values of its ``k_i`` neighbours
are drawn without replacement from the other ``n - 1`` observations. Observations are
processed in chunks; the draws of a chunk are shared by its observations (each one
skipping itself), as esda shares one set of draws for all observations. The pseudo
p-value is folded: ``(min(larger, smaller) + 1) / (permutations + 1)`` where ``larger``
counts simulated statistics ``>=`` the observed one and ``smaller`` those ``<=``. Without
ties this is esda's ``min(larger, permutations - larger)``; with ties (count data with
many zeros, cells without neighbours) esda calls a cell whose every simulation equals
the observed value significant (p = 1 / (permutations + 1)), here it gets p = 1.
Same ``seed`` → same p-values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import ndtr

from hotspots.errors import InputError

__all__ = [
    "GiStar",
    "LocalMoran",
    "gi_star",
    "local_moran",
    "fdr",
    "confidence_class",
    "CONFIDENCE_LEVELS",
    "QUADRANTS",
]

#: ArcGIS confidence bins: class magnitude → two-sided p threshold.
CONFIDENCE_LEVELS = {3: 0.01, 2: 0.05, 1: 0.10}
#: Local Moran quadrant codes as in esda (``geoda_quads=False``).
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}

_CHUNK_ELEMS = 4_000_000  # values gathered per chunk of the permutation loop


# ---------------------------------------------------------------------------- helpers
def _check(y: np.ndarray, weights) -> tuple[np.ndarray, sparse.csr_array]:
    y = np.asarray(y, dtype=float).reshape(-1)
    if not np.isfinite(y).all():
        raise InputError("values must be finite numbers (no NaN): fill or drop empty cells first")
    if not sparse.issparse(weights):
        raise InputError(
            "weights must be a scipy.sparse adjacency matrix "
            "(build one with hotspots.areas.weights)"
        )
    w = sparse.csr_array(weights, dtype=float)
    if w.shape != (y.size, y.size):
        raise InputError(
            f"weights is {w.shape[0]}x{w.shape[1]} but there are {y.size} values; "
            "with a grid mask use y[mask] and grid_contiguity(..., mask=mask)"
        )
    if y.size < 3:
        raise InputError(f"need at least 3 observations, got {y.size}")
    if w.diagonal().any():
        w = w.copy()
        w.setdiag(0.0)
        w.eliminate_zeros()
    w.sort_indices()
    return y, w


def fdr(p: np.ndarray, alpha: float = 0.05) -> np.ndarray:
    """Benjamini-Hochberg false discovery rate: which p-values are significant.

    Parameters
    ----------
    p
        p-values; NaN is never significant and does not count as a test.
    alpha
        False discovery rate.

    Returns
    -------
    numpy.ndarray
        Bool mask, True where the hypothesis is rejected: ``p <= p_(k)`` with ``k`` the
        largest rank such that ``p_(k) <= k / m * alpha``.

    Examples
    --------
    >>> fdr(np.array([0.01, 0.035, 0.03, 0.2]), alpha=0.05).tolist()  # 0.03 > 2/4*0.05, kept
    [True, True, True, False]
    """
    if not 0 < alpha < 1:
        raise InputError(f"alpha must be between 0 and 1, got {alpha}")
    p = np.asarray(p, dtype=float)
    out = np.zeros(p.shape, dtype=bool)
    ok = np.isfinite(p)
    pv = np.sort(p[ok])
    m = pv.size
    if m == 0:
        return out
    below = pv <= alpha * np.arange(1, m + 1) / m
    if not below.any():
        return out
    threshold = pv[np.flatnonzero(below)[-1]]
    out[ok] = p[ok] <= threshold
    return out


def confidence_class(z: np.ndarray, p: np.ndarray, fdr: bool = False) -> np.ndarray:
    """Hot/cold spot classes as ArcGIS's ``Gi_Bin``: ±3, ±2, ±1 or 0.

    ±3: significant at 99 % confidence (p < 0.01), ±2: 95 % (p < 0.05), ±1: 90 %
    (p < 0.10); the sign is the sign of ``z`` (+ hot, - cold), 0 not significant.
    With ``fdr=True`` each level is instead decided by Benjamini-Hochberg at that level
    (alpha 0.01, 0.05, 0.10), as ArcGIS's "Apply False Discovery Rate Correction".

    Returns
    -------
    numpy.ndarray
        int8 array of the classes.
    """
    z = np.asarray(z, dtype=float)
    p = np.asarray(p, dtype=float)
    if z.shape != p.shape:
        raise InputError(f"z and p have different shapes {z.shape} and {p.shape}")
    mag = np.zeros(z.shape, dtype=np.int8)
    for level in (1, 2, 3):
        alpha = CONFIDENCE_LEVELS[level]
        sig = _fdr(p, alpha) if fdr else (np.nan_to_num(p, nan=1.0) < alpha)
        mag[sig] = level
    return (np.sign(np.nan_to_num(z)).astype(np.int8) * mag).astype(np.int8)


_fdr = fdr


def _fold(larger: np.ndarray, smaller: np.ndarray, permutations: int) -> np.ndarray:
    return (np.minimum(larger, smaller) + 1.0) / (permutations + 1.0)


def _draw_distinct(rng: np.random.Generator, pop: int, rows: int, k: int) -> np.ndarray:
    """``rows x k`` ints in ``[0, pop)``, distinct within each row."""
    if k == 0:
        return np.zeros((rows, 0), dtype=np.int64)
    if pop <= 4 * k or pop <= 256:
        return np.argsort(rng.random((rows, pop)), axis=1)[:, :k]
    out = rng.integers(0, pop, size=(rows, k))
    while True:
        s = np.sort(out, axis=1)
        bad = (s[:, 1:] == s[:, :-1]).any(axis=1)
        if not bad.any():
            return out
        out[bad] = rng.integers(0, pop, size=(int(bad.sum()), k))


def _tally(sim, obs, ii, larger, smaller, s1, s2) -> None:
    # ties up to round-off (the simulated lag is summed in another order than the
    # observed one) count on both sides
    tol = 1e-9 * np.maximum(np.abs(obs), np.abs(sim).max(axis=1, keepdims=True))
    larger[ii] = (sim >= obs - tol).sum(axis=1)
    smaller[ii] = (sim <= obs + tol).sum(axis=1)
    s1[ii] = sim.mean(axis=1)
    s2[ii] = sim.std(axis=1)


def _crand(
    values: np.ndarray,
    w: sparse.csr_array,
    permutations: int,
    seed,
    stat,
    observed: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Conditional randomisation of ``stat(i, lag_sim)``; return p_sim, mean, std.

    Rows whose weights are all equal (binary weights, or binary weights row-standardised)
    take the fast path: one ordered draw of ``k_max + 1`` distinct observations per
    permutation and chunk, its prefix sums shared by the chunk, and observation ``i``
    using the first ``k_i`` draws other than itself. Other weights gather each
    observation's draws (``k_max`` times more work).
    """
    n = values.size
    rng = np.random.default_rng(seed)
    deg = np.diff(w.indptr)
    kmax = int(deg.max()) if n else 0
    larger = np.zeros(n)
    smaller = np.zeros(n)
    s1 = np.zeros(n)
    s2 = np.zeros(n)
    rowc = np.zeros(n)
    has = deg > 0
    rowc[has] = w.data[w.indptr[:-1][has]]
    if np.array_equal(w.data, np.repeat(rowc, deg)):
        chunk = max(1, _CHUNK_ELEMS // permutations)
        for start in range(0, n, chunk):
            stop = min(n, start + chunk)
            ii = np.arange(start, stop)
            k = deg[ii]
            draws = _draw_distinct(rng, n, permutations, kmax + 1)  # P x (K+1) in [0, n)
            csum = np.cumsum(values[draws], axis=1)
            lag = csum[:, np.maximum(k - 1, 0)].T  # C x P: the first k_i draws
            lag[k == 0] = 0.0
            # where i itself is among its first k_i draws, skip it and take draw k_i
            p_hit, pos = np.nonzero((draws >= start) & (draws < stop))
            loc = draws[p_hit, pos] - start
            inside = pos < k[loc]
            p_hit, loc = p_hit[inside], loc[inside]
            lag[loc, p_hit] = csum[p_hit, k[loc]] - values[start + loc]
            lag *= rowc[ii, None]
            _tally(stat(ii, lag), observed[ii, None], ii, larger, smaller, s1, s2)
        return _fold(larger, smaller, permutations), s1, s2
    # general weights: neighbour weights padded to kmax (zeros beyond the degree)
    wmat = np.zeros((n, max(kmax, 1)))
    pos = np.arange(w.nnz) - np.repeat(w.indptr[:-1], deg)
    wmat[np.repeat(np.arange(n), deg), pos] = w.data
    chunk = max(1, _CHUNK_ELEMS // max(1, permutations * max(kmax, 1)))
    for start in range(0, n, chunk):
        ii = np.arange(start, min(n, start + chunk))
        draws = _draw_distinct(rng, n - 1, permutations, kmax)  # P x K in [0, n-1)
        ids = draws[None, :, :] + (draws[None, :, :] >= ii[:, None, None])  # skip self
        lag = np.einsum("cpk,ck->cp", values[ids], wmat[ii])
        _tally(stat(ii, lag), observed[ii, None], ii, larger, smaller, s1, s2)
    return _fold(larger, smaller, permutations), s1, s2


# ---------------------------------------------------------------------------- Gi*
@dataclass
class GiStar:
    """Result of :func:`gi_star`; arrays in the order of the input values.

    Attributes
    ----------
    z
        Analytic z-score (equal to esda ``G_Local(star=True, transform='B').Zs``).
    p
        Two-sided normal p-value ``2 * (1 - Phi(|z|))`` (esda's ``p_norm`` is one-sided).
    G, EG, VG
        Statistic ``sum_j w*_ij y_j / sum_j y_j`` with ``w*_ii = 1``, its expectation and
        variance under the null (esda's ``Gs``, ``EGs``, ``VGs``).
    p_sim, z_sim
        Permutation pseudo p-value and z-score (``None`` without permutations).
    """

    z: np.ndarray
    p: np.ndarray
    G: np.ndarray
    EG: np.ndarray
    VG: np.ndarray
    p_sim: np.ndarray | None = None
    z_sim: np.ndarray | None = None
    permutations: int = 0

    @property
    def classes(self) -> np.ndarray:
        """ArcGIS-style confidence classes from ``z`` and ``p`` (no FDR)."""
        return confidence_class(self.z, self.p)

    def fdr(self, alpha: float = 0.05, use: str = "p") -> np.ndarray:
        """Benjamini-Hochberg significance mask of ``p`` (or ``p_sim`` with ``use="p_sim"``)."""
        return fdr(self._pick(use), alpha)

    def fdr_classes(self) -> np.ndarray:
        """Confidence classes with the FDR correction (as ArcGIS)."""
        return confidence_class(self.z, self.p, fdr=True)

    def to_frame(self) -> pd.DataFrame:
        """Observations as rows.

        Columns ``z``, ``p``, ``gi_bin`` (classes), ``gi_bin_fdr``, and ``p_sim``,
        ``z_sim`` with permutations.
        """
        cols = {"z": self.z, "p": self.p, "gi_bin": self.classes, "gi_bin_fdr": self.fdr_classes()}
        if self.p_sim is not None:
            cols["p_sim"] = self.p_sim
            cols["z_sim"] = self.z_sim
        return pd.DataFrame(cols)

    def _pick(self, use: str) -> np.ndarray:
        if use == "p":
            return self.p
        if use == "p_sim":
            if self.p_sim is None:
                raise InputError("no permutation p-values: call gi_star with permutations > 0")
            return self.p_sim
        raise InputError(f"use must be 'p' or 'p_sim', got {use!r}")


def gi_star(
    y: np.ndarray,
    weights: sparse.sparray | sparse.spmatrix,
    permutations: int = 0,
    seed: int | None = None,
) -> GiStar:
    """Getis-Ord Gi* with binary weights and the self included.

    Parameters
    ----------
    y
        Values (for example case counts per grid cell inside the mask), length ``n``.
    weights
        ``n x n`` sparse adjacency without self loops (a diagonal is ignored); the self
        weight 1 is added here. Non-binary weights use the general formula.
    permutations
        Number of conditional permutations for ``p_sim`` (0: analytic only).
    seed
        Seed of the permutations.

    Returns
    -------
    GiStar

    Notes
    -----
    Getis & Ord (1995), as ArcGIS's Hot Spot Analysis::

        z_i = (sum_j w_ij y_j - ybar sum_j w_ij)
              / (S sqrt((n sum_j w_ij^2 - (sum_j w_ij)^2) / (n - 1)))

    with ``S^2 = sum y^2 / n - ybar^2`` and ``w_ii = 1``. With binary weights this equals
    esda's ``G_Local(star=True, transform='B')``. If all values are equal (or a cell
    neighbours every other cell) z is undefined; it is reported as 0 with p = 1.
    """
    y, w = _check(y, weights)
    n = y.size
    binary = bool(np.all(w.data == 1.0))
    card = np.diff(w.indptr).astype(float) if binary else np.asarray(w.sum(axis=1)).ravel()
    sw = card + 1.0
    sw2 = sw if binary else np.asarray(w.multiply(w).sum(axis=1)).ravel() + 1.0
    lag = w @ y + y
    ysum = y.sum()
    ybar = ysum / n
    s2 = max((y @ y) / n - ybar**2, 0.0)
    s = np.sqrt(s2)
    den = s * np.sqrt(np.maximum(n * sw2 - sw**2, 0.0) / (n - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(den > 0, (lag - ybar * sw) / den, 0.0)
        G = lag / ysum if ysum != 0 else np.full(n, np.nan)
        EG = sw / n
        VG = (sw * (n - sw) / (n - 1) / n**2) * (s2 / ybar**2) if ybar != 0 else np.full(n, np.nan)
    p = 2.0 * ndtr(-np.abs(z))
    res = GiStar(z=z, p=p, G=G, EG=EG, VG=VG, permutations=int(permutations))
    if permutations:
        permutations = _check_permutations(permutations)
        p_sim, mean, sd = _crand(y, w, permutations, seed, lambda ii, lag_: lag_, w @ y)
        res.p_sim = p_sim
        with np.errstate(divide="ignore", invalid="ignore"):
            res.z_sim = np.where(sd > 0, ((w @ y) - mean) / sd, 0.0)
    return res


def _check_permutations(permutations: int) -> int:
    permutations = int(permutations)
    if permutations < 1:
        raise InputError(f"permutations must be a positive integer, got {permutations}")
    return permutations


# ---------------------------------------------------------------------------- local Moran
@dataclass
class LocalMoran:
    """Result of :func:`local_moran`; arrays in the order of the input values.

    Attributes match esda's ``Moran_Local`` (row-standardised weights) where the names
    agree: ``Is``, ``q`` (1 HH, 2 LH, 3 LL, 4 HL), ``EI`` and ``VI`` (moments under total
    randomisation, Anselin 1995), ``EIc`` and ``VIc`` (under conditional
    randomisation), ``p_sim``, ``z_sim``, ``EI_sim``, ``seI_sim``.

    ``z`` and ``p`` are the analytic z-score ``(Is - EIc) / sqrt(VIc)`` (conditional
    randomisation, the null of the permutation test; on esda's columbus example it is
    within about 0.05 of the permutation ``z_sim``, while the total-randomisation moments
    are off by up to 2) and its two-sided normal p-value. Note: esda's attribute ``z`` is
    the standardised variable, which here is ``y_std``.
    """

    Is: np.ndarray
    q: np.ndarray
    y_std: np.ndarray
    lag: np.ndarray
    EI: np.ndarray
    VI: np.ndarray
    EIc: np.ndarray
    VIc: np.ndarray
    z: np.ndarray
    p: np.ndarray
    permutations: int = 0
    p_sim: np.ndarray | None = None
    z_sim: np.ndarray | None = None
    EI_sim: np.ndarray | None = None
    seI_sim: np.ndarray | None = None
    _labels: dict = field(default_factory=lambda: dict(QUADRANTS), repr=False)

    def significant(self, alpha: float = 0.05, use: str = "p_sim", fdr: bool = False):
        """Bool mask of significant observations by ``p_sim`` (default) or ``p``."""
        p = self._pick(use)
        if fdr:
            return _fdr(p, alpha)
        return p < alpha

    def labels(self, alpha: float = 0.05, use: str = "p_sim", fdr: bool = False) -> np.ndarray:
        """``"HH"``, ``"LH"``, ``"LL"``, ``"HL"`` where significant, else ``"ns"``."""
        sig = self.significant(alpha, use, fdr)
        lab = np.array([self._labels[int(v)] for v in self.q], dtype=object)
        lab[~sig] = "ns"
        return lab

    def to_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """Observations as rows.

        Columns ``Is``, ``q``, ``z``, ``p``, and with permutations ``p_sim``, ``z_sim`` and
        ``label`` (quadrant where ``p_sim < alpha``, else ``"ns"``).
        """
        cols = {"Is": self.Is, "q": self.q, "z": self.z, "p": self.p}
        if self.p_sim is not None:
            cols["p_sim"] = self.p_sim
            cols["z_sim"] = self.z_sim
            cols["label"] = self.labels(alpha)
        return pd.DataFrame(cols)

    def _pick(self, use: str) -> np.ndarray:
        if use == "p":
            return self.p
        if use == "p_sim":
            if self.p_sim is None:
                raise InputError("no permutation p-values: call local_moran with permutations > 0")
            return self.p_sim
        raise InputError(f"use must be 'p' or 'p_sim', got {use!r}")


def local_moran(
    y: np.ndarray,
    weights: sparse.sparray | sparse.spmatrix,
    permutations: int = 999,
    seed: int | None = 0,
) -> LocalMoran:
    """Local Moran's I (LISA) with row-standardised weights.

    Parameters
    ----------
    y
        Values, length ``n``.
    weights
        ``n x n`` sparse adjacency (binary or not); rows are standardised to sum to 1.
        Observations without neighbours get ``Is = 0``.
    permutations
        Conditional permutations for ``p_sim`` (0: analytic only).
    seed
        Seed of the permutations.

    Returns
    -------
    LocalMoran

    Notes
    -----
    ``Is_i = (n - 1) z_i sum_j w_ij z_j / sum_j z_j^2`` with ``z`` the values standardised
    by their population standard deviation, exactly as esda's ``Moran_Local``. If all
    values are equal, ``Is`` is 0, ``z`` 0 and ``p`` 1.
    """
    y, w = _check(y, weights)
    n = y.size
    rs = np.asarray(w.sum(axis=1)).ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(rs > 0, 1.0 / rs, 0.0)
    wr = sparse.csr_array(sparse.diags_array(inv) @ w)
    wr.sort_indices()
    sd = y.std()
    zv = (y - y.mean()) / sd if sd > 0 else np.zeros(n)
    den = zv @ zv
    lag = wr @ zv
    Is = (n - 1) * zv * lag / den if den > 0 else np.zeros(n)
    zp = zv > 0
    lp = lag > 0
    q = np.where(zp & lp, 1, np.where(~zp & lp, 2, np.where(~zp & ~lp, 3, 4))).astype(np.int64)

    # moments, as esda.Moran_Local.__moments
    m2 = den / n
    wi = np.asarray(wr.sum(axis=1)).ravel()
    wi2 = np.asarray(wr.multiply(wr).sum(axis=1)).ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        EIc = -(zv**2 * wi) / ((n - 1) * m2)
        VIc = (zv / m2) ** 2 * (n / (n - 2)) * (wi2 - wi**2 / (n - 1)) * (m2 - zv**2 / (n - 1))
        m4 = (zv**4).sum() / n
        b2 = m4 / m2**2
    EI = -wi / (n - 1)
    n1 = n - 1
    VI = wi2 * (n - b2) / n1 + (wi**2 - wi2) * (2 * b2 - n) / (n1 * (n - 2)) - (-wi / n1) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(VIc > 0, (Is - EIc) / np.sqrt(VIc), 0.0)
    if den == 0:
        z = np.zeros(n)
    z = np.nan_to_num(z)
    p = 2.0 * ndtr(-np.abs(z))
    res = LocalMoran(
        Is=Is,
        q=q,
        y_std=zv,
        lag=lag,
        EI=EI,
        VI=VI,
        EIc=EIc,
        VIc=VIc,
        z=z,
        p=p,
    )
    if permutations:
        permutations = _check_permutations(permutations)
        scale = (n - 1) * zv / den if den > 0 else np.zeros(n)
        p_sim, mean, sdv = _crand(
            zv, wr, permutations, seed, lambda ii, lag_: scale[ii, None] * lag_, Is
        )
        res.permutations = permutations
        res.p_sim = p_sim
        res.EI_sim = mean
        res.seI_sim = sdv
        with np.errstate(divide="ignore", invalid="ignore"):
            res.z_sim = np.where(sdv > 0, (Is - mean) / sdv, 0.0)
    return res
