"""Local Moran's I (LISA) of areal counts with conditional permutation inference.

Equal to esda's ``Moran_Local`` (row-standardised weights); see
:mod:`hotspots.areas.stats` for the permutation scheme and its handling of ties.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import ndtr

from hotspots.areas._permutation import _check, _check_permutations, _crand, _pick_p
from hotspots.areas.significance import fdr as _fdr

__all__ = ["LocalMoran", "local_moran", "QUADRANTS"]

#: Local Moran quadrant codes as in esda (``geoda_quads=False``).
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}


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

    def significant(self, alpha: float = 0.05, use: str = "p_sim", fdr: bool = False) -> np.ndarray:
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
        return _pick_p(self.p, self.p_sim, use, "local_moran")


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
