"""Shared machinery of the local statistics: input checks and conditional permutations.

Permutation inference is *conditional randomisation* as in esda and GeoDa: for
observation ``i`` its own value stays, and the values of its ``k_i`` neighbours are drawn
without replacement from the other ``n - 1`` observations. Observations are processed in
chunks; the draws of a chunk are shared by its observations (each one skipping itself).
The pseudo p-value is folded: ``(min(larger, smaller) + 1) / (permutations + 1)``. See
:mod:`hotspots.areas.stats` for the full description.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from hotspots.errors import InputError

__all__: list[str] = []

_CHUNK_ELEMS = 4_000_000  # values gathered per chunk of the permutation loop


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


def _check_permutations(permutations: int) -> int:
    permutations = int(permutations)
    if permutations < 1:
        raise InputError(f"permutations must be a positive integer, got {permutations}")
    return permutations


def _pick_p(p: np.ndarray, p_sim: np.ndarray | None, use: str, function: str) -> np.ndarray:
    """The analytic (``use="p"``) or permutation (``"p_sim"``) p-values of a local statistic."""
    if use == "p":
        return p
    if use == "p_sim":
        if p_sim is None:
            raise InputError(f"no permutation p-values: call {function} with permutations > 0")
        return p_sim
    raise InputError(f"use must be 'p' or 'p_sim', got {use!r}")
