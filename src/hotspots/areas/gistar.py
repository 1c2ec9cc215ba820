"""Getis-Ord Gi* of areal counts: analytic z-scores and conditional permutations.

Equal to esda's ``G_Local(star=True, transform="B")``; see :mod:`hotspots.areas.stats`
for the permutation scheme.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import ndtr

from hotspots.areas._permutation import _check, _check_permutations, _crand, _pick_p
from hotspots.areas.significance import confidence_class, fdr

__all__ = ["GiStar", "gi_star"]


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
        return _pick_p(self.p, self.p_sim, use, "gi_star")


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
