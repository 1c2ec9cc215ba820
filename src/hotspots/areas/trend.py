"""Mann-Kendall trend test: does a series go up or down over time.

The test is rank based, so it needs no assumption about the distribution of the
values. For a series ``x_1 … x_n`` in time order:

* ``S = Σ_{i<j} sign(x_j − x_i)``;
* ``Var(S) = [n(n−1)(2n+5) − Σ_g t_g(t_g−1)(2t_g+5)] / 18`` where ``t_g`` is the size of
  the ``g``-th group of tied values (tie correction);
* ``z = (S − 1)/√Var(S)`` if ``S > 0``, ``(S + 1)/√Var(S)`` if ``S < 0``, else 0
  (continuity correction);
* ``p = 2 (1 − Φ(|z|))`` (two-sided); ``tau = S / (n(n−1)/2)`` (Kendall's tau-a).

With no continuity correction, ``S/√Var(S)`` equals the z of
``scipy.stats.kendalltau(range(n), x, method="asymptotic")``, which the tests use as
an oracle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

__all__ = ["MannKendall", "mann_kendall"]


@dataclass(frozen=True)
class MannKendall:
    """Result of :func:`mann_kendall`; every field has the shape of the input minus its last axis.

    Attributes
    ----------
    s
        Mann-Kendall S (number of increasing minus decreasing pairs).
    var_s
        Variance of S under no trend, with the tie correction.
    z
        Standardised S with continuity correction (0 where ``var_s`` is 0).
    p
        Two-sided p-value of ``z`` (1 where ``var_s`` is 0).
    tau
        Kendall's tau-a: ``S / (n(n-1)/2)``.
    n
        Length of the series.
    """

    s: np.ndarray
    var_s: np.ndarray
    z: np.ndarray
    p: np.ndarray
    tau: np.ndarray
    n: int

    def trend(self, alpha: float = 0.05) -> np.ndarray:
        """Return +1 (significant increase), -1 (significant decrease) or 0 per series."""
        sig = self.p <= alpha
        return np.where(sig & (self.s > 0), 1, np.where(sig & (self.s < 0), -1, 0))


def _tie_term(row: np.ndarray) -> float:
    _, counts = np.unique(row, return_counts=True)
    t = counts[counts > 1].astype(float)
    return float(np.sum(t * (t - 1.0) * (2.0 * t + 5.0)))


def mann_kendall(x: ArrayLike) -> MannKendall:
    """Mann-Kendall trend test along the last axis of ``x`` (time order).

    Parameters
    ----------
    x
        A series (1-D) or many series, one per row (2-D: locations × time steps).
        Values must be finite.

    Returns
    -------
    MannKendall
        S, Var(S) (tie corrected), z, two-sided p and tau for each series. Scalars
        (0-d arrays) for a 1-D input.

    Examples
    --------
    >>> r = mann_kendall([1, 2, 3, 4, 5])
    >>> int(r.s), float(r.var_s)
    (10, 16.666666666666668)
    """
    arr = np.asarray(x, dtype=float)
    one = arr.ndim == 1
    a = np.atleast_2d(arr)
    if a.ndim != 2:
        raise ValueError("mann_kendall expects a 1-D series or a 2-D array (series × time)")
    if not np.all(np.isfinite(a)):
        raise ValueError("mann_kendall: the series contain NaN or infinite values")
    m, n = a.shape
    s = np.zeros(m)
    for i in range(n - 1):
        s += np.sign(a[:, i + 1 :] - a[:, i : i + 1]).sum(axis=1)
    ties = np.array([_tie_term(row) for row in a]) if m else np.zeros(0)
    var_s = (n * (n - 1.0) * (2.0 * n + 5.0) - ties) / 18.0
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(var_s)
        z = np.where(s > 0, (s - 1.0) / sd, np.where(s < 0, (s + 1.0) / sd, 0.0))
    z = np.where(var_s > 0, z, 0.0)
    p = np.where(var_s > 0, 2.0 * stats.norm.sf(np.abs(z)), 1.0)
    pairs = n * (n - 1) / 2.0
    tau = s / pairs if pairs > 0 else np.zeros_like(s)
    if one:
        s, var_s, z, p, tau = (np.asarray(v[0]) for v in (s, var_s, z, p, tau))
    return MannKendall(s=s, var_s=var_s, z=z, p=p, tau=tau, n=n)
