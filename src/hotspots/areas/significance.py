"""Multiple testing and confidence classes: Benjamini-Hochberg FDR, ArcGIS ``Gi_Bin``."""

from __future__ import annotations

import numpy as np

from hotspots.errors import InputError

__all__ = ["fdr", "confidence_class", "CONFIDENCE_LEVELS"]

#: ArcGIS confidence bins: class magnitude → two-sided p threshold.
CONFIDENCE_LEVELS = {3: 0.01, 2: 0.05, 1: 0.10}


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
