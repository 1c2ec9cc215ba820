"""Hit rate, PAI, PEI and RRI of a risk map along the coverage curve.

A *risk map* is one non-negative number per grid cell; the higher, the sooner the cell
is covered. *Coverage* c % is the set of the riskiest cells whose total area is c % of
the study area (the cells of the grid's mask). Definitions, exactly as implemented
(see ``docs/evaluation.md``):

* cells are taken in decreasing risk; a group of cells with *equal* risk that straddles
  the coverage boundary is taken *fractionally*: each of its cells counts with the same
  share ``f = (area still to cover) / (area of the group)``, so its events count as
  ``f × events``. This is the expected value under a random order of the tied cells, is
  deterministic, and makes the covered area exactly c % (a single boundary cell is the
  special case of a group of one);
* hit rate ``= n / N``: test events in the covered area over all test events;
* PAI ``= (n / N) / (a / A)`` (Chainey, Tompson & Uhlig 2008);
* PEI ``= n / n*`` where ``n*`` is the largest number of test events any map could
  capture with the same area: test counts sorted in decreasing order, same fractional
  rule (Hunt 2016; White, Hunt & Green 2023);
* RRI ``= (n_test / n_train) / (N_test / N_train)`` (Levine 2008, recapture rate index):
  the ratio of the covered area's share in the test period to its share in the training
  period; ``nan`` when the covered area had no training events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["CoverageScores", "coverage_scores", "captured", "best_captured"]


@dataclass(frozen=True)
class CoverageScores:
    """Scores of one risk map against one test period, one entry per coverage level.

    Attributes
    ----------
    coverage_pct
        The coverage levels, in percent of the study area.
    hits
        Test events in the covered area (fractional at a tied boundary group).
    events
        All test events in the study area.
    hit_rate, pai, pei, rri
        See the module docstring; ``nan`` where undefined (no test events).
    """

    coverage_pct: np.ndarray
    hits: np.ndarray
    events: int
    hit_rate: np.ndarray
    pai: np.ndarray
    pei: np.ndarray
    rri: np.ndarray


def _flat(a: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    a = np.asarray(a, dtype=float).ravel()
    if mask is None:
        return a
    return a[np.asarray(mask, dtype=bool).ravel()]


def captured(risk: np.ndarray, counts: np.ndarray, fractions: Sequence[float]) -> np.ndarray:
    """Return the counts captured by covering the riskiest ``fractions`` of the cells.

    Parameters
    ----------
    risk
        Risk per cell (1-D, only study-area cells, all of equal area).
    counts
        Events per cell, same shape as ``risk``.
    fractions
        Covered share of the area, each in ``[0, 1]``.

    Returns
    -------
    numpy.ndarray
        Captured counts, one per fraction; a tied group at the boundary is taken
        fractionally (see the module docstring).
    """
    risk = np.asarray(risk, dtype=float).ravel()
    counts = np.asarray(counts, dtype=float).ravel()
    n = risk.size
    out = np.zeros(len(fractions))
    if n == 0:
        return out
    risk = np.where(np.isfinite(risk), risk, -np.inf)
    # group cells by risk level, riskiest first
    levels, inverse = np.unique(-risk, return_inverse=True)
    group_cells = np.bincount(inverse, minlength=levels.size).astype(float)
    group_counts = np.bincount(inverse, weights=counts, minlength=levels.size)
    cum_cells = np.concatenate([[0.0], np.cumsum(group_cells)])
    cum_counts = np.concatenate([[0.0], np.cumsum(group_counts)])
    for i, frac in enumerate(fractions):
        k = float(np.clip(frac, 0.0, 1.0)) * n  # cells to cover (may be fractional)
        g = int(np.searchsorted(cum_cells, k, side="right")) - 1  # full groups taken
        g = min(g, levels.size)
        full = cum_counts[g]
        if g < levels.size:
            rest = k - cum_cells[g]
            full += group_counts[g] * rest / group_cells[g]
        out[i] = full
    return out


def best_captured(counts: np.ndarray, fractions: Sequence[float]) -> np.ndarray:
    """Return ``n*``: the most events any map could capture with each covered share."""
    counts = np.asarray(counts, dtype=float).ravel()
    order = np.sort(counts)[::-1]
    n = order.size
    cum = np.concatenate([[0.0], np.cumsum(order)])
    out = np.zeros(len(fractions))
    for i, frac in enumerate(fractions):
        k = float(np.clip(frac, 0.0, 1.0)) * n
        j = int(np.floor(k))
        out[i] = cum[min(j, n)] + (order[j] * (k - j) if j < n else 0.0)
    return out


def coverage_scores(
    risk: np.ndarray,
    test_counts: np.ndarray,
    coverage: Sequence[float] = (1, 2, 5, 10, 20),
    train_counts: np.ndarray | None = None,
    mask: np.ndarray | None = None,
) -> CoverageScores:
    """Score a risk map against the events of a test period.

    Parameters
    ----------
    risk
        Risk per cell, any shape (for example ``(ny, nx)``).
    test_counts
        Test-period events per cell, same shape.
    coverage
        Coverage levels in percent of the study area.
    train_counts
        Training-period events per cell (for RRI); ``None`` gives ``nan`` RRI.
    mask
        Boolean array of the study-area cells (same shape); ``None`` = every cell.
        Cells outside the mask are neither covered nor counted.

    Returns
    -------
    CoverageScores

    Examples
    --------
    >>> s = coverage_scores([3, 2, 1, 0], [1, 0, 2, 1], coverage=[25, 50])
    >>> s.hits.tolist(), s.pai.tolist()
    ([1.0, 1.0], [1.0, 0.5])
    """
    cov = np.asarray(coverage, dtype=float)
    fr = cov / 100.0
    r = _flat(risk, mask)
    c = _flat(test_counts, mask)
    total = float(c.sum())
    hits = captured(r, c, fr)
    best = best_captured(c, fr)
    with np.errstate(divide="ignore", invalid="ignore"):
        hit_rate = hits / total if total > 0 else np.full(cov.shape, np.nan)
        pai = np.where(fr > 0, hit_rate / fr, np.nan)
        pei = np.where(best > 0, hits / best, np.nan)
        if train_counts is not None:
            tr = _flat(train_counts, mask)
            n_train = captured(r, tr, fr)
            total_train = float(tr.sum())
            rri = np.where(
                (n_train > 0) & (total > 0),
                (hits / n_train) / (total / total_train) if total_train > 0 else np.nan,
                np.nan,
            )
        else:
            rri = np.full(cov.shape, np.nan)
    return CoverageScores(
        coverage_pct=cov,
        hits=hits,
        events=int(round(total)),
        hit_rate=np.asarray(hit_rate, dtype=float),
        pai=np.asarray(pai, dtype=float),
        pei=np.asarray(pei, dtype=float),
        rri=np.asarray(rri, dtype=float),
    )
