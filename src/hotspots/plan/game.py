"""Checkpoints traffickers cannot predict: a Stackelberg security game over checkpoint sites.

Traffickers watch where checkpoints stand and take a corridor that is left open. The
defender (the checkpoint teams) commits to a *mixed* strategy, a probability of manning
each set of sites in a shift; the attacker watches it and picks the corridor that is
best for him (Stackelberg). The strong Stackelberg equilibrium (SSE: the attacker breaks
ties in the defender's favour) is solved exactly as a mixed-integer program with HiGHS
(``scipy.optimize.milp``):

* **DOBSS** (Paruchuri et al. 2008) over the defender's pure strategies (every set of
  ``teams`` sites) and a few attacker types, when the sets are few enough
  (``max_pure``); exact, including sites that lie on several corridors.
* **ERASER-C** (Kiekintveld et al. 2009): the compact form over site probabilities
  (``sum = teams``) with sites as schedules covering corridors, for many sites. Sets are
  then drawn by comb (systematic) sampling of the site probabilities; the realised
  coverage of every corridor is computed exactly from the comb and reported.
* Zero-sum games (the checkpoint game is one) are solved as LPs: the SSE is then the
  maximin strategy. With too many sets to list, **column generation** over the sets
  (pricing = weighted maximal covering MILP) stays exact.

Model (:func:`checkpoint_strategy`): the *targets* of the attacker are the corridors
(key lines, or case routes when given); a candidate site covers a corridor when the
corridor passes within ``radius_m`` (as in :mod:`hotspots.plan.checkpoints`). Sites that
cover exactly the same corridors are equivalent and kept once (``alternatives`` counts
them). A corridor with volume ``V`` (cases) gives the defender ``+V`` when it is covered
(the flow intercepted) and ``-V`` when left open (the flow lost); the attacker the
opposite. Attacker types (optional, e.g. by exit gate) may each use only some corridors,
with a prior proportional to their volume.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import lil_matrix

from hotspots.data.crs import metric_crs
from hotspots.errors import InputError

__all__ = [
    "SecurityGame",
    "CheckpointStrategy",
    "checkpoint_strategy",
    "dobss",
    "solve_sse",
    "is_zero_sum",
    "evaluate",
    "comb_distribution",
    "systematic_sample",
]

STRATEGIES = ("stackelberg", "fixed", "uniform")
#: Attacker values within this share of the payoff range count as ties: HiGHS solves to
#: about 1e-6, so an exact tie of the equilibrium comes back as a near tie.
_TOL = 1e-5


# -- the game -------------------------------------------------------------------------
@dataclass
class SecurityGame:
    """A Bayesian security game with schedules.

    Attributes
    ----------
    cover
        ``(sites, targets)`` bool: a team at site ``s`` covers target ``j``.
    teams
        Teams (resources) per shift; each stands at one site.
    def_covered, def_uncovered, att_covered, att_uncovered
        ``(types, targets)`` payoffs when the attacked target is covered / not covered.
    prior
        ``(types,)`` probability of each attacker type.
    allowed
        ``(types, targets)`` bool: the targets each type can attack (default: all).
    """

    cover: np.ndarray
    teams: int
    def_covered: np.ndarray
    def_uncovered: np.ndarray
    att_covered: np.ndarray
    att_uncovered: np.ndarray
    prior: np.ndarray
    allowed: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.cover = np.asarray(self.cover, bool)
        shape = (len(np.atleast_1d(self.prior)), self.cover.shape[1])
        for name in ("def_covered", "def_uncovered", "att_covered", "att_uncovered"):
            value = np.broadcast_to(np.asarray(getattr(self, name), float), shape)
            setattr(self, name, np.array(value))
        self.prior = np.asarray(self.prior, float).reshape(-1)
        if self.allowed is None:
            self.allowed = np.ones(shape, bool)
        self.allowed = np.asarray(self.allowed, bool)
        if self.teams < 1:
            raise InputError(f"the number of checkpoint teams must be >= 1, got {self.teams}")
        if not self.allowed.any(axis=1).all():
            raise InputError("every attacker type needs at least one target it can attack")
        if self.prior.min() < 0 or self.prior.sum() <= 0:
            raise InputError("attacker type probabilities must be >= 0 and not all 0")
        self.prior = self.prior / self.prior.sum()

    @property
    def k(self) -> int:
        """Teams that can be placed: at most one per site."""
        return min(int(self.teams), self.cover.shape[0])

    def utilities(self, coverage: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return defender and attacker utilities ``(types, targets)`` at ``coverage``."""
        c = np.asarray(coverage, float)[None, :]
        ud = c * self.def_covered + (1 - c) * self.def_uncovered
        ua = c * self.att_covered + (1 - c) * self.att_uncovered
        return ud, ua


@dataclass
class Evaluation:
    """A defender strategy evaluated against the attacker's best responses.

    Attributes
    ----------
    marginals
        Probability that each site is manned in a shift.
    coverage
        Probability that each target is covered (some manned site covers it).
    responses
        Target attacked by each attacker type (ties broken in the defender's favour).
    utility
        Defender's expected utility.
    attacker_utility
        Each type's expected utility at its response.
    """

    marginals: np.ndarray
    coverage: np.ndarray
    responses: np.ndarray
    utility: float
    attacker_utility: np.ndarray


def evaluate(game: SecurityGame, coverage: np.ndarray, marginals: np.ndarray) -> Evaluation:
    """Attacker best responses (ties to the defender's favour) and the defender's utility.

    Attacker values within ``1e-5`` of the type's largest payoff (in absolute value) of
    the best count as ties, as HiGHS returns equilibrium ties only to about ``1e-6``.

    Parameters
    ----------
    game
        The game.
    coverage
        Probability that each target is covered.
    marginals
        Probability that each site is manned (recorded, not used for the utilities).
    """
    ud, ua = game.utilities(coverage)
    ua = np.where(game.allowed, ua, -np.inf)
    responses = np.zeros(len(game.prior), int)
    att = np.zeros(len(game.prior))
    for t in range(len(game.prior)):
        best = ua[t].max()
        scale = max(1.0, float(np.abs(ua[t][game.allowed[t]]).max()))
        ties = np.flatnonzero(ua[t] >= best - _TOL * scale)
        responses[t] = int(ties[np.argmax(ud[t, ties])])
        att[t] = best
    utility = float(np.sum(game.prior * ud[np.arange(len(game.prior)), responses]))
    return Evaluation(np.asarray(marginals, float), np.asarray(coverage, float),
                      responses, utility, att)  # fmt: skip


# -- solvers -------------------------------------------------------------------------
def dobss(
    leader: np.ndarray,
    follower: np.ndarray,
    prior: Sequence[float],
    allowed: np.ndarray | None = None,
    time_limit: float = 60.0,
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Solve a Bayesian Stackelberg game exactly (DOBSS, Paruchuri et al. 2008).

    Mixed-integer program over the leader's mixed strategy ``x`` and each follower
    type's pure response ``q``: maximise ``sum_l p_l d_l`` such that ``a_l`` is the
    type's best-response value (``0 <= a_l - C_l^T x <= M (1 - q_l)``) and ``d_l`` is at
    most the leader's payoff at the chosen response. (The same optimum as the
    ``z = x q`` form of the paper, with the leader's value bounded by big-M.)

    Parameters
    ----------
    leader, follower
        Payoffs ``(types, leader strategies, follower actions)``.
    prior
        Probability of each follower type.
    allowed
        ``(types, actions)`` bool: actions each type may take (default: all).
    time_limit
        Seconds for HiGHS.

    Returns
    -------
    x, responses, value, gap
        Leader mixed strategy, each type's response, the leader's expected utility and
        the relative gap HiGHS proved (0 = optimal).
    """
    r = np.asarray(leader, float)
    c = np.asarray(follower, float)
    n_t, n_x, n_q = r.shape
    p = np.asarray(prior, float) / np.sum(prior)
    ok = np.ones((n_t, n_q), bool) if allowed is None else np.asarray(allowed, bool)
    m_a = float(c.max() - c.min()) + 1.0
    m_d = float(r.max() - r.min()) + 1.0
    # variables: x (n_x) | q (n_t * n_q) | a (n_t) | d (n_t)
    nq0, na0 = n_x, n_x + n_t * n_q
    nd0 = na0 + n_t
    nv = nd0 + n_t
    lo, hi = [], []
    a = lil_matrix((1 + n_t + 3 * n_t * n_q, nv))
    a[0, :n_x] = 1.0
    lo.append(1.0), hi.append(1.0)
    i = 1
    for t in range(n_t):
        a[i, nq0 + t * n_q : nq0 + (t + 1) * n_q] = 1.0
        lo.append(1.0), hi.append(1.0)
        i += 1
        for j in np.flatnonzero(ok[t]):
            qj = nq0 + t * n_q + j
            # a_t - C x >= 0 ; a_t - C x + M q <= M ; d_t - R x + M q <= M
            a[i, :n_x], a[i, na0 + t] = -c[t, :, j], 1.0
            lo.append(0.0), hi.append(np.inf)
            a[i + 1, :n_x], a[i + 1, na0 + t], a[i + 1, qj] = -c[t, :, j], 1.0, m_a
            lo.append(-np.inf), hi.append(m_a)
            a[i + 2, :n_x], a[i + 2, nd0 + t], a[i + 2, qj] = -r[t, :, j], 1.0, m_d
            lo.append(-np.inf), hi.append(m_d)
            i += 3
    a = a[:i].tocsr()
    lb = np.concatenate([np.zeros(n_x), np.zeros(n_t * n_q), np.full(2 * n_t, -np.inf)])
    ub = np.concatenate([np.ones(n_x), ok.reshape(-1).astype(float), np.full(2 * n_t, np.inf)])
    integ = np.concatenate([np.zeros(n_x), np.ones(n_t * n_q), np.zeros(2 * n_t)])
    cost = np.concatenate([np.zeros(na0 + n_t), -p])
    res = milp(cost, constraints=LinearConstraint(a, lo, hi), integrality=integ,
               bounds=Bounds(lb, ub),
               options={"time_limit": float(time_limit), "mip_rel_gap": 0.0})  # fmt: skip
    if res.x is None:
        raise InputError(f"the Stackelberg game found no solution: {res.message}")
    x = np.clip(res.x[:n_x], 0, None)
    x /= x.sum()
    q = res.x[nq0:na0].reshape(n_t, n_q)
    gap = float(res.mip_gap) if getattr(res, "mip_gap", None) is not None else float("nan")
    return x, q.argmax(axis=1), float(-res.fun), gap


def _pure_coverage(game: SecurityGame, subsets: list[tuple[int, ...]]) -> np.ndarray:
    """``(subsets, targets)`` bool: targets covered by each set of manned sites."""
    cov = np.zeros((len(subsets), game.cover.shape[1]), bool)
    for i, s in enumerate(subsets):
        cov[i] = game.cover[list(s)].any(axis=0)
    return cov


def _solve_dobss(game: SecurityGame, time_limit: float) -> tuple[list, np.ndarray, float]:
    """DOBSS over every set of ``k`` sites; returns (subsets, probabilities, gap)."""
    subsets = list(itertools.combinations(range(game.cover.shape[0]), game.k))
    cov = _pure_coverage(game, subsets).astype(float)[None, :, :]
    leader = cov * game.def_covered[:, None, :] + (1 - cov) * game.def_uncovered[:, None, :]
    follower = cov * game.att_covered[:, None, :] + (1 - cov) * game.att_uncovered[:, None, :]
    x, _, _, gap = dobss(leader, follower, game.prior, game.allowed, time_limit)
    keep = x > 1e-9
    probs = x[keep] / x[keep].sum()
    return [s for s, k in zip(subsets, keep, strict=True) if k], probs, gap


def _solve_eraser(game: SecurityGame, time_limit: float) -> tuple[np.ndarray, float]:
    """ERASER-C: site probabilities ``x`` (sum ``k``), coverage ``c_j <= min(1, S^T x)``.

    Returns the site probabilities and the gap HiGHS proved.
    """
    n_s, n_j = game.cover.shape
    n_t = len(game.prior)
    dd = game.def_covered - game.def_uncovered
    da = game.att_covered - game.att_uncovered
    ua_all = np.concatenate([game.att_covered.ravel(), game.att_uncovered.ravel()])
    ud_all = np.concatenate([game.def_covered.ravel(), game.def_uncovered.ravel()])
    m_a = float(ua_all.max() - ua_all.min()) + 1.0
    m_d = float(ud_all.max() - ud_all.min()) + 1.0
    # variables: x (n_s) | c (n_j) | q (n_t * n_j) | a (n_t) | d (n_t)
    nc0 = n_s
    nq0 = nc0 + n_j
    na0 = nq0 + n_t * n_j
    nd0, nv = na0 + n_t, na0 + 2 * n_t
    a = lil_matrix((1 + n_j + n_t + 3 * n_t * n_j, nv))
    lo, hi = [float(game.k)], [float(game.k)]
    a[0, :n_s] = 1.0
    for j in range(n_j):
        a[1 + j, :n_s] = -game.cover[:, j].astype(float)
        a[1 + j, nc0 + j] = 1.0
        lo.append(-np.inf), hi.append(0.0)
    i = 1 + n_j
    for t in range(n_t):
        a[i, nq0 + t * n_j : nq0 + (t + 1) * n_j] = 1.0
        lo.append(1.0), hi.append(1.0)
        i += 1
        for j in np.flatnonzero(game.allowed[t]):
            qj, ra, rd = nq0 + t * n_j + j, game.att_uncovered[t, j], game.def_uncovered[t, j]
            a[i, nc0 + j], a[i, na0 + t] = -da[t, j], 1.0
            lo.append(ra), hi.append(np.inf)
            a[i + 1, nc0 + j], a[i + 1, na0 + t], a[i + 1, qj] = -da[t, j], 1.0, m_a
            lo.append(-np.inf), hi.append(m_a + ra)
            a[i + 2, nc0 + j], a[i + 2, nd0 + t], a[i + 2, qj] = -dd[t, j], 1.0, m_d
            lo.append(-np.inf), hi.append(m_d + rd)
            i += 3
    lb = np.concatenate([np.zeros(na0), np.full(2 * n_t, -np.inf)])
    ub = np.concatenate([np.ones(nq0), game.allowed.ravel().astype(float),
                         np.full(2 * n_t, np.inf)])  # fmt: skip
    integ = np.concatenate([np.zeros(nq0), np.ones(n_t * n_j), np.zeros(2 * n_t)])
    cost = np.concatenate([np.zeros(nd0), -game.prior])
    res = milp(cost, constraints=LinearConstraint(a[:i].tocsr(), lo, hi), integrality=integ,
               bounds=Bounds(lb, ub),
               options={"time_limit": float(time_limit), "mip_rel_gap": 0.0})  # fmt: skip
    if res.x is None:
        raise InputError(f"the Stackelberg game found no solution: {res.message}")
    x = np.clip(res.x[:n_s], 0.0, 1.0)
    gap = float(res.mip_gap) if getattr(res, "mip_gap", None) is not None else float("nan")
    return x, gap


def comb_distribution(marginals: np.ndarray, k: int) -> tuple[list[tuple[int, ...]], np.ndarray]:
    """Exact distribution of comb (systematic) sampling of ``k`` sites.

    Sites are laid end to end on ``[0, k)`` with lengths ``marginals`` (sum ``k``, each
    at most 1); a random ``u`` in ``[0, 1)`` picks the sites under ``u, u+1, ...,
    u+k-1``. Every draw has exactly ``k`` distinct sites and site ``s`` is drawn with
    probability ``marginals[s]``.

    Returns
    -------
    subsets, probabilities
        The distinct draws and their probabilities (at most ``sites + 1``).
    """
    x = np.clip(np.asarray(marginals, float), 0.0, 1.0)
    if abs(x.sum() - k) > 1e-6:
        x = x * (k / x.sum())  # HiGHS round-off only
    ends = np.cumsum(x)
    cuts = np.unique(np.concatenate([[0.0, 1.0], np.mod(ends, 1.0)]))
    cuts = cuts[(cuts >= 0) & (cuts <= 1)]
    out: dict[tuple[int, ...], float] = {}
    for lo, hi in itertools.pairwise(cuts):
        if hi - lo < 1e-12:
            continue
        u = 0.5 * (lo + hi)
        pts = u + np.arange(k)
        idx = np.searchsorted(ends, pts, side="right")
        key = tuple(sorted(int(i) for i in np.minimum(idx, len(x) - 1)))
        out[key] = out.get(key, 0.0) + (hi - lo)
    subsets = list(out)
    probs = np.array([out[s] for s in subsets])
    return subsets, probs / probs.sum()


def systematic_sample(probs: np.ndarray, shifts: int, rng: np.random.Generator) -> np.ndarray:
    """Draw one outcome per shift so each shift's draw has distribution ``probs``.

    Systematic sampling over the shifts (points ``(u + i) / shifts``), then shuffled:
    each outcome ``i`` appears ``floor`` or ``ceil`` of ``shifts * probs[i]`` times, and
    every single shift is distributed exactly as ``probs``.
    """
    u = rng.random()
    pts = (u + np.arange(shifts)) / shifts
    idx = np.searchsorted(np.cumsum(probs), pts, side="right")
    idx = np.minimum(idx, len(probs) - 1)
    return rng.permutation(idx)


@dataclass
class Mixed:
    """A defender mixed strategy as a sampler and its exact evaluation."""

    name: str
    evaluation: Evaluation
    draw: Callable[[int, np.random.Generator], list[tuple[int, ...]]]


def _from_subsets(game, name, subsets, probs) -> Mixed:
    cov = _pure_coverage(game, subsets)
    coverage = probs @ cov
    marg = np.zeros(game.cover.shape[0])
    for s, p in zip(subsets, probs, strict=True):
        marg[list(s)] += p
    ev = evaluate(game, coverage, marg)

    def draw(n: int, rng: np.random.Generator) -> list[tuple[int, ...]]:
        return [subsets[i] for i in systematic_sample(probs, n, rng)]

    return Mixed(name, ev, draw)


def uniform_strategy(game: SecurityGame) -> Mixed:
    """Uniform random rotation: every set of ``k`` sites equally likely."""
    n, k = game.cover.shape[0], game.k
    m = game.cover.sum(axis=0)
    miss = np.array([math.comb(n - int(mj), k) for mj in m], float) / math.comb(n, k)
    ev = evaluate(game, 1.0 - miss, np.full(n, k / n))

    def draw(shifts: int, rng: np.random.Generator) -> list[tuple[int, ...]]:
        return [tuple(sorted(rng.choice(n, k, replace=False).tolist())) for _ in range(shifts)]

    return Mixed("uniform", ev, draw)


def is_zero_sum(game: SecurityGame) -> bool:
    """Whether the attacker gains exactly what the defender loses, target by target."""
    return bool(
        np.allclose(game.def_covered, -game.att_covered)
        and np.allclose(game.def_uncovered, -game.att_uncovered)
    )


def _maximin_lp(
    game: SecurityGame, rows: np.ndarray, total: float, cap: bool, time_limit: float
) -> np.ndarray:
    """Zero-sum SSE as one LP: minimise ``sum_t p_t a_t``, ``a_t >= U^a_tj(c_j)``.

    Pure form (``cap=False``): ``y`` are subset probabilities (sum ``total`` = 1) and
    ``c = rows^T y`` with ``rows`` the sets' coverage. Compact ERASER-C form
    (``cap=True``): ``y`` are site probabilities (sum ``total`` = teams) and
    ``c_j <= min(1, (rows^T y)_j)`` with ``rows`` the site cover. In a zero-sum game the
    attacker's best response gives the defender ``-a_t`` however ties are broken, so
    this maximin strategy is the SSE.
    """
    n, n_j = rows.shape
    n_t = len(game.prior)
    da = game.att_covered - game.att_uncovered
    r = rows.T.astype(float)  # (targets, n)
    # variables: y (n) | c (n_j) | a (n_t)
    blocks = [np.concatenate([np.ones(n), np.zeros(n_j + n_t)])[None],
              np.hstack([-r, np.eye(n_j), np.zeros((n_j, n_t))])]  # fmt: skip
    lo = [total] + [-np.inf if cap else 0.0] * n_j
    hi = [total] + [0.0] * n_j
    for t in range(n_t):
        js = np.flatnonzero(game.allowed[t])
        row = np.zeros((len(js), n + n_j + n_t))
        row[np.arange(len(js)), n + js] = -da[t, js]
        row[:, n + n_j + t] = 1.0
        blocks.append(row)
        lo += list(game.att_uncovered[t, js])
        hi += [np.inf] * len(js)
    cost = np.concatenate([np.zeros(n + n_j), game.prior])
    res = milp(cost, constraints=LinearConstraint(np.vstack(blocks), lo, hi),
               bounds=Bounds(np.r_[np.zeros(n + n_j), np.full(n_t, -np.inf)],
                             np.r_[np.ones(n + n_j), np.full(n_t, np.inf)]),
               options={"time_limit": float(time_limit)})  # fmt: skip
    if res.x is None:
        raise InputError(f"the checkpoint game found no solution: {res.message}")
    return np.clip(res.x[:n], 0.0, 1.0)


def _master_lp(game: SecurityGame, cov: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, float]:
    """Zero-sum maximin over the given sets (rows of ``cov``) and its duals.

    Returns the objective ``min sum_t p_t a_t``, the sets' probabilities, ``mu``
    ``(types, targets)`` (>= 0, duals of ``a_t >= U^a_tj``) and ``lam`` (dual of
    ``sum y = 1``).
    """
    n, (n_t, n_j) = cov.shape[0], game.att_covered.shape
    pairs = [(t, j) for t in range(n_t) for j in np.flatnonzero(game.allowed[t])]
    a_ub = np.zeros((len(pairs), n + n_t))
    for r, (t, j) in enumerate(pairs):
        a_ub[r, :n] = np.where(cov[:, j], game.att_covered[t, j], game.att_uncovered[t, j])
        a_ub[r, n + t] = -1.0
    res = linprog(np.r_[np.zeros(n), game.prior], A_ub=a_ub, b_ub=np.zeros(len(pairs)),
                  A_eq=np.r_[np.ones(n), np.zeros(n_t)][None], b_eq=[1.0],
                  bounds=[(0, None)] * n + [(None, None)] * n_t, method="highs")  # fmt: skip
    if res.status != 0:
        raise InputError(f"the checkpoint game found no solution: {res.message}")
    mu = np.zeros((n_t, n_j))
    for r, (t, j) in enumerate(pairs):
        mu[t, j] = -res.ineqlin.marginals[r]
    return float(res.fun), res.x[:n], mu, float(res.eqlin.marginals[0])


def _column_generation(
    game: SecurityGame, time_limit: float, max_iter: int = 500
) -> tuple[list[tuple[int, ...]], np.ndarray, float, int]:
    """Exact zero-sum SSE over every set of ``k`` sites without listing them.

    The master LP keeps a few sets (started from the comb draws of the compact LP); the
    pricing problem, the set of ``k`` sites that most lowers the attacker's value at the
    master's duals, is a weighted maximal covering MILP
    (:func:`hotspots.plan.checkpoints._max_cover`). Stops when no set improves (then
    optimal) or at ``time_limit``; the gap to the Lagrangian bound
    ``z + min reduced cost``, relative to ``max(|z|, 1)``, is returned.

    Returns
    -------
    subsets, probabilities, gap, iterations
    """
    from hotspots.plan.checkpoints import _max_cover

    t0 = time.monotonic()
    da = game.att_covered - game.att_uncovered
    x0 = _maximin_lp(game, game.cover, float(game.k), True, time_limit)
    columns = list(dict.fromkeys(comb_distribution(x0, game.k)[0]))
    scale = max(1.0, float(np.abs(game.att_uncovered).max()))
    gap, iterations = float("nan"), 0
    for _ in range(max_iter):
        iterations += 1
        z, y, mu, lam = _master_lp(game, _pure_coverage(game, columns))
        left = time_limit - (time.monotonic() - t0)
        w = -(mu * da).sum(axis=0)  # weight of covering each target at these duals
        pick, pgap, status = _max_cover(w, game.cover.T, game.k, max(left, 1.0))
        proven = pgap == 0.0 or (np.isnan(pgap) and "optimal" in status.lower())
        s = tuple(int(i) for i in np.flatnonzero(pick))
        cov_s = game.cover[list(s)].any(axis=0)
        d = float((mu * np.where(cov_s, game.att_covered, game.att_uncovered)).sum() - lam)
        if proven:
            gap = max(0.0, -d) / max(abs(z), 1.0)
        if d >= -1e-9 * scale or s in columns or left <= 0:
            break
        columns.append(s)
    keep = y > 1e-12
    subsets = [c for c, k in zip(columns, keep, strict=True) if k]
    return subsets, y[keep] / y[keep].sum(), gap, iterations


def solve_sse(
    game: SecurityGame,
    method: str = "auto",
    max_pure: int = 3000,
    time_limit: float = 60.0,
    lp: bool | None = None,
) -> tuple[Mixed, dict]:
    """Solve the strong Stackelberg equilibrium of ``game``.

    Parameters
    ----------
    game
        The game.
    method
        ``"dobss"`` (exact over every set of ``k`` sites), ``"eraser"`` (compact, site
        probabilities then comb sampling; exact only when no two sites share a target),
        ``"colgen"`` (zero-sum only: exact over every set by column generation) or
        ``"auto"``: DOBSS when there are at most ``max_pure`` sets, else column
        generation for zero-sum games and ERASER-C for the others.
    max_pure
        Largest number of sets for ``"auto"`` to use DOBSS.
    time_limit
        Seconds for HiGHS.
    lp
        Solve the same model as one linear program (no integer variables), valid only
        for zero-sum games, where the SSE is the maximin strategy. Default: when
        :func:`is_zero_sum`.

    Returns
    -------
    strategy, info
        The defender's strategy (sampler and exact evaluation) and solver facts
        (``method``, ``lp``, ``gap``, ``pure_strategies``, for ERASER the
        ``planned_utility`` of the compact model before comb sampling).
    """
    n_pure = math.comb(game.cover.shape[0], game.k)
    lp = is_zero_sum(game) if lp is None else lp
    if lp and not is_zero_sum(game):
        raise InputError("lp=True needs a zero-sum game; use the MILP (lp=False)")
    if method == "auto":
        method = "dobss" if n_pure <= max_pure else "colgen" if lp else "eraser"
    if method == "colgen":
        if not lp:
            raise InputError("method 'colgen' needs a zero-sum game (lp=True)")
        subsets, probs, gap, iterations = _column_generation(game, time_limit)
        return _from_subsets(game, "stackelberg", subsets, probs), {
            "method": "colgen", "lp": True, "gap": gap, "pure_strategies": n_pure,
            "iterations": iterations, "sets_used": len(subsets)}  # fmt: skip
    if method == "dobss":
        subsets = list(itertools.combinations(range(game.cover.shape[0]), game.k))
        if lp:
            rows = _pure_coverage(game, subsets)
            y, gap = _maximin_lp(game, rows, 1.0, False, time_limit), 0.0
            keep = y > 1e-9
            subsets, probs = [s for s, k in zip(subsets, keep, strict=True) if k], y[keep]
            probs = probs / probs.sum()
        else:
            subsets, probs, gap = _solve_dobss(game, time_limit)
        return _from_subsets(game, "stackelberg", subsets, probs), {
            "method": "dobss", "lp": lp, "gap": gap, "pure_strategies": n_pure}  # fmt: skip
    if method != "eraser":
        raise InputError(f"method must be 'auto', 'dobss', 'eraser' or 'colgen', got {method!r}")
    if lp:
        x, gap = _maximin_lp(game, game.cover, float(game.k), True, time_limit), 0.0
    else:
        x, gap = _solve_eraser(game, time_limit)
    planned = evaluate(game, np.minimum(game.cover.T.astype(float) @ x, 1.0), x)
    subsets, probs = comb_distribution(x, game.k)
    mixed = _from_subsets(game, "stackelberg", subsets, probs)
    return mixed, {"method": "eraser", "lp": lp, "gap": gap, "pure_strategies": n_pure,
                   "planned_utility": planned.utility}  # fmt: skip


# -- checkpoints on corridors ---------------------------------------------------------
@dataclass
class CheckpointStrategy:
    """Where the checkpoint teams stand, shift by shift: the game's answer and its rivals.

    Attributes
    ----------
    strategy
        The strategy used for the schedule: ``"stackelberg"``, ``"fixed"`` or ``"uniform"``.
    teams
        Checkpoint teams per shift.
    sites
        GeoDataFrame (EPSG:4326) of the sites in the game, one per set of corridors
        covered: ``site``, ``name``, ``label`` (``Chốt 3 (name)``), ``kind``,
        ``covers`` (corridor labels), ``volume`` (cases on the corridors it covers),
        ``victims``, ``alternatives`` (equivalent candidate sites), geometry.
    corridors
        DataFrame of the corridors: ``corridor``, ``label``, ``volume``, ``victims``.
    types
        DataFrame of attacker types: ``type``, ``label``, ``prior``.
    evaluations
        :class:`Evaluation` of each strategy (``stackelberg``, ``fixed``, ``uniform``).
    info
        Solver facts: ``method``, ``gap``, ``pure_strategies``...
    """

    strategy: str
    teams: int
    sites: gpd.GeoDataFrame
    corridors: pd.DataFrame
    types: pd.DataFrame
    evaluations: dict[str, Evaluation]
    info: dict = field(default_factory=dict)
    _mixed: dict[str, Mixed] = field(default_factory=dict, repr=False)
    _demand: gpd.GeoDataFrame | None = field(default=None, repr=False)
    _cover: np.ndarray | None = field(default=None, repr=False)

    @property
    def probability(self) -> np.ndarray:
        """Probability that each site is manned in a shift (the chosen strategy)."""
        return self.evaluations[self.strategy].marginals

    @property
    def defender_utility(self) -> dict[str, float]:
        """Defender's expected utility (cases) of each strategy."""
        return {k: v.utility for k, v in self.evaluations.items()}

    def attacker_response(self, strategy: str | None = None) -> pd.DataFrame:
        """Corridor each attacker type takes against ``strategy`` (default: the chosen)."""
        ev = self.evaluations[strategy or self.strategy]
        return pd.DataFrame(
            {
                "type": self.types["label"].to_numpy(),
                "prior": self.types["prior"].to_numpy(),
                "corridor": self.corridors["label"].to_numpy()[ev.responses],
                "coverage": ev.coverage[ev.responses],
                "attacker_utility": ev.attacker_utility,
            }
        )

    def probability_at(self, points: gpd.GeoDataFrame) -> np.ndarray:
        """Probability of the game's site equivalent to each point (same corridors covered).

        A point covering no corridor, or a set of corridors no site of the game covers,
        gets 0.
        """
        rows, _, _ = _cover_rows(self._demand, points, self.info["radius_m"])
        key = {c.tobytes(): p for c, p in zip(self._cover, self.probability, strict=True)}
        return np.array([float(key.get(r.tobytes(), 0.0)) for r in rows])

    def to_gdf(self) -> gpd.GeoDataFrame:
        """Sites with ``probability`` (chosen strategy) and a Vietnamese ``reason``."""
        out = self.sites.copy()
        out["probability"] = np.round(self.probability, 4)
        out["reason"] = site_reasons(self)
        return out

    def sample(self, shifts: int | Sequence[str], seed: int = 0) -> pd.DataFrame:
        """Draw the sites manned in each shift: exactly ``teams`` sites per shift.

        Parameters
        ----------
        shifts
            Number of shifts, or their labels.
        seed
            Random seed (e.g. the week number).

        Returns
        -------
        pandas.DataFrame
            ``shift`` (label or number), ``sites`` (list of ``site`` ids), ``names``
            (``"; "``-joined). Each shift's draw follows the strategy exactly; over the
            shifts, each set appears ``floor``/``ceil`` of its expected count.
        """
        labels = list(range(shifts)) if isinstance(shifts, int) else list(shifts)
        draws = self._mixed[self.strategy].draw(len(labels), np.random.default_rng(seed))
        names = self.sites["label"].to_numpy()
        ids = self.sites["site"].to_numpy()
        return pd.DataFrame(
            {
                "shift": labels,
                "sites": [[int(ids[i]) for i in d] for d in draws],
                "names": ["; ".join(str(names[i]) for i in d) for d in draws],
            }
        )

    def schedule(
        self,
        start_date: str | pd.Timestamp,
        days: int = 7,
        shift_starts: Sequence[str] = ("06:00", "14:00", "22:00"),
        seed: int = 0,
    ) -> pd.DataFrame:
        """Draw the period's checkpoints: one row per (day, shift).

        Parameters
        ----------
        start_date
            First day.
        days
            Days in the period.
        shift_starts
            Shift start times (``HH:MM``).
        seed
            Random seed (e.g. the week number).

        Returns
        -------
        pandas.DataFrame
            ``day`` (1-based), ``date``, ``shift``, ``sites`` (site ids), ``names``; the
            table :func:`~hotspots.plan.export.write_html` prints (``rotation_schedule``).
        """
        day0 = pd.Timestamp(start_date).normalize()
        slots = pd.DataFrame(
            [
                {"day": d + 1, "date": (day0 + pd.Timedelta(days=d)).date(), "shift": s}
                for d in range(days)
                for s in shift_starts
            ]
        )
        drawn = self.sample(len(slots), seed=seed)
        return slots.assign(sites=drawn["sites"].to_numpy(), names=drawn["names"].to_numpy())

    def summary(self) -> dict:
        """JSON-ready facts for ``plan.json``."""
        probs = self.probability
        return {
            "strategy": self.strategy,
            "teams": self.teams,
            "method": self.info.get("method"),
            "lp": self.info.get("lp"),
            "gap": self.info.get("gap"),
            "fallback": self.info.get("fallback"),
            "unreached_volume": self.info.get("unreached_volume"),
            "pure_strategies": self.info.get("pure_strategies"),
            "sites": len(self.sites),
            "corridors": len(self.corridors),
            "defender_utility": self.defender_utility,
            "coverage": [
                {"site": int(s), "name": str(n), "probability": round(float(p), 4)}
                for s, n, p in zip(self.sites["site"], self.sites["label"], probs, strict=True)
            ],
            "corridor_coverage": {
                str(lab): round(float(c), 4)
                for lab, c in zip(
                    self.corridors["label"], self.evaluations[self.strategy].coverage, strict=True
                )
            },  # fmt: skip
            "attacker_response": {
                k: self.attacker_response(k).to_dict("records") for k in self.evaluations
            },
        }


def _cover_rows(demand, points, radius_m: float) -> tuple[np.ndarray, gpd.GeoSeries, str]:
    """``(points, corridors)`` bool: corridor passes within ``radius_m`` of the point."""
    crs = metric_crs(demand)
    dm = demand.to_crs(crs).geometry
    cm = points.to_crs(crs).geometry
    cover = np.zeros((len(cm), len(dm)), bool)
    for q, g in enumerate(dm):
        cover[:, q] = cm.distance(g).to_numpy() <= radius_m
    return cover, cm, crs


def _signatures(
    demand: gpd.GeoDataFrame, candidates: gpd.GeoDataFrame, radius_m: float
) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray]:
    """Group candidates by the corridors they cover; keep one representative per group.

    Returns the representatives (with ``alternatives``), their cover matrix
    ``(sites, corridors)`` and the group of every candidate (-1: covers nothing).
    """
    cover, cm, _ = _cover_rows(demand, candidates, radius_m)
    order = {"border_gate": 0, "commune_seat": 1, "line_vertex": 2, "line_point": 3}
    rank = candidates["kind"].map(order).fillna(4).to_numpy() if "kind" in candidates else None
    groups: dict[bytes, list[int]] = {}
    for i in range(len(cm)):
        if cover[i].any():
            groups.setdefault(cover[i].tobytes(), []).append(i)
    if not groups:
        raise InputError(
            f"no candidate site lies within {radius_m:g} m of a corridor; raise radius_m"
        )
    reps, group_of = [], np.full(len(cm), -1)
    for g, members in enumerate(groups.values()):
        best = min(members, key=lambda i: (rank[i] if rank is not None else 0, i))
        reps.append((best, len(members)))
        group_of[members] = g
    sites = candidates.iloc[[r for r, _ in reps]].copy().reset_index(drop=True)
    sites["alternatives"] = [n for _, n in reps]
    return sites, cover[[r for r, _ in reps]], group_of


def _corridor_label(lines: pd.DataFrame, i: int) -> str:
    """``tuyến 2 → Kim Thành``: rank (or name, or row number) and exit gate."""
    row = lines.iloc[i]
    name = row.get("name") if "name" in lines else None
    head = str(name) if isinstance(name, str) and name else None
    if head is None:
        head = (
            f"tuyến {row['rank']}"
            if "rank" in lines and pd.notna(row["rank"])
            else f"tuyến {i + 1}"
        )
    gate = row.get("gate") if "gate" in lines else None
    return f"{head} → {gate}" if isinstance(gate, str) and gate and gate != "unknown" else head


def _group_flows(
    flows: gpd.GeoDataFrame, candidates: gpd.GeoDataFrame, radius_m: float
) -> tuple[gpd.GeoDataFrame, float]:
    """Merge flows (e.g. case routes) that pass the same candidate sites into one corridor.

    Flows passing no candidate cannot be intercepted by any rotation; they are left out
    of the game and their volume is returned.

    Returns
    -------
    corridors, unreached
        One row per group: ``cases`` (summed weight), ``victims`` (when present),
        ``flows`` (count), geometry (the flows' union); and the volume left out.
    """
    from hotspots.plan.checkpoints import flow_weights

    cover, _, _ = _cover_rows(flows, candidates, radius_m)  # (candidates, flows)
    w = flow_weights(flows)
    vic = (
        pd.to_numeric(flows["victims"], errors="coerce").fillna(0).to_numpy(float)
        if "victims" in flows
        else None
    )
    groups: dict[bytes, list[int]] = {}
    for q in range(len(flows)):
        if cover[:, q].any():
            groups.setdefault(cover[:, q].tobytes(), []).append(q)
    reached = [q for m in groups.values() for q in m]
    unreached = float(w.sum() - w[reached].sum())
    members = sorted(groups.values(), key=lambda m: -w[m].sum())
    out = gpd.GeoDataFrame(
        {"cases": [float(w[m].sum()) for m in members], "flows": [len(m) for m in members]},
        geometry=[flows.geometry.iloc[m].union_all() for m in members],
        crs=flows.crs,
    )
    if vic is not None:
        out["victims"] = [float(vic[m].sum()) for m in members]
    return out, unreached


def _corridor_table(demand: gpd.GeoDataFrame, flows_given: bool) -> pd.DataFrame:
    """Corridor id, label, volume (cases) and victims."""
    from hotspots.plan.checkpoints import flow_weights

    n = len(demand)
    labels = [
        f"nhóm hành trình {i + 1} ({demand['cases'].iloc[i]:.0f} vụ)"
        if flows_given
        else _corridor_label(demand, i)
        for i in range(n)
    ]
    victims = (
        pd.to_numeric(demand["victims"], errors="coerce").fillna(0).to_numpy(float)
        if "victims" in demand
        else np.full(n, np.nan)
    )
    return pd.DataFrame(
        {
            "corridor": np.arange(1, n + 1),
            "label": labels,
            "volume": flow_weights(demand),
            "victims": victims,
        }  # fmt: skip
    )


def _attacker_types(demand, corridors, types) -> tuple[pd.DataFrame, np.ndarray]:
    """Attacker types and the corridors each may take (by a column, else one type)."""
    n = len(corridors)
    if types is None:
        return pd.DataFrame({"type": [1], "label": ["mọi tuyến"], "prior": [1.0]}), np.ones(
            (1, n), bool
        )
    if types not in demand:
        cols = ", ".join(str(c) for c in demand.columns if c != "geometry")
        raise InputError(
            f"attacker types: the key lines have no column {types!r}; give one of: {cols}"
        )
    key = demand[types].astype(str).fillna("").to_numpy()
    values = list(dict.fromkeys(key))
    allowed = np.array([key == v for v in values])
    vol = corridors["volume"].to_numpy(float)
    prior = np.array([vol[a].sum() for a in allowed])
    if prior.sum() <= 0:
        prior = np.ones(len(values))
    frame = pd.DataFrame(
        {"type": np.arange(1, len(values) + 1), "label": values, "prior": prior / prior.sum()}
    )
    return frame, allowed


def _fixed_strategy(game, lines, teams, candidates, flows, radius_m, group_of) -> Mixed:
    """Today's plan: the best-flow sites of :func:`site_checkpoints`, every shift."""
    from hotspots.plan.checkpoints import site_checkpoints

    plan = site_checkpoints(lines, teams, candidates=candidates, flows=flows, radius_m=radius_m)
    chosen = set()
    for g in plan.sites.geometry:  # the chosen sites are candidates: distance 0
        i = int(np.argmin(shapely.distance(candidates.geometry.to_numpy(), g)))
        if group_of[i] >= 0:
            chosen.add(int(group_of[i]))
    subset = tuple(sorted(chosen))
    mixed = _from_subsets(game, "fixed", [subset], np.array([1.0]))
    return mixed


def checkpoint_strategy(
    lines: gpd.GeoDataFrame,
    teams: int,
    candidates: gpd.GeoDataFrame | None = None,
    flows: gpd.GeoDataFrame | None = None,
    radius_m: float = 500.0,
    strategy: str = "stackelberg",
    types: str | None = None,
    method: str = "auto",
    max_pure: int = 3000,
    time_limit: float = 60.0,
    **candidate_kwargs,
) -> CheckpointStrategy:
    """Rotate ``teams`` checkpoint teams over the sites so traffickers cannot predict them.

    Parameters
    ----------
    lines
        Key lines (corridors; volume from ``score``, else ``cases``, else 1).
    teams
        Checkpoint teams per shift (each mans one site).
    candidates
        Candidate sites (default: :func:`~hotspots.plan.checkpoints.candidate_sites`
        of ``lines`` with ``candidate_kwargs``).
    flows
        Individual flows (e.g. case routes) to use as the corridors instead of the lines.
    radius_m
        A site covers a corridor passing within this distance.
    strategy
        Strategy used by :meth:`CheckpointStrategy.sample`: ``"stackelberg"`` (the
        game), ``"fixed"`` (the best-flow sites every shift) or ``"uniform"``. All three
        are evaluated whichever is chosen.
    types
        Column of the corridors defining attacker types (e.g. ``"gate"``: traffickers
        bound for one exit gate choose among its corridors); default one type.
    method, max_pure, time_limit
        Solver choice (:func:`solve_sse`).

    Returns
    -------
    CheckpointStrategy
    """
    from hotspots.plan.checkpoints import candidate_sites

    if strategy not in STRATEGIES:
        raise InputError(f"strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}")
    if candidates is None:
        candidates = candidate_sites(lines, **candidate_kwargs)
    candidates = candidates.to_crs("EPSG:4326").reset_index(drop=True)
    demand, unreached = lines.reset_index(drop=True), 0.0
    if flows is not None:
        demand, unreached = _group_flows(flows.reset_index(drop=True), candidates, radius_m)
    sites, cover, group_of = _signatures(demand, candidates, radius_m)
    corridors = _corridor_table(demand, flows is not None)
    type_frame, allowed = _attacker_types(demand, corridors, types)
    v = corridors["volume"].to_numpy(float)
    game = SecurityGame(cover, teams, v, -v, -v, v, type_frame["prior"].to_numpy(), allowed)
    sse, info = solve_sse(game, method=method, max_pure=max_pure, time_limit=time_limit)
    mixed = {
        "stackelberg": sse,
        "fixed": _fixed_strategy(game, lines, teams, candidates, flows, radius_m, group_of),
        "uniform": uniform_strategy(game),
    }
    info["fallback"] = None
    if info["method"] == "eraser":  # comb sampling may realise less than planned
        best = max(("fixed", "uniform"), key=lambda k: mixed[k].evaluation.utility)
        if mixed[best].evaluation.utility > sse.evaluation.utility + 1e-9:
            mixed["stackelberg"] = Mixed("stackelberg", mixed[best].evaluation, mixed[best].draw)
            info["fallback"] = best
    sites.insert(0, "site", np.arange(1, len(sites) + 1))
    sites["label"] = [
        f"Chốt {i}" + (f" ({n})" if isinstance(n, str) and n else "")
        for i, n in zip(sites["site"], sites.get("name", [""] * len(sites)), strict=True)
    ]
    sites["covers"] = ["; ".join(corridors["label"][cover[i]]) for i in range(len(sites))]
    sites["volume"] = cover.astype(float) @ v
    sites["victims"] = cover.astype(float) @ np.nan_to_num(corridors["victims"].to_numpy())
    info |= {"radius_m": radius_m, "candidates": len(candidates), "types": types,
             "unreached_volume": unreached}  # fmt: skip
    return CheckpointStrategy(
        strategy=strategy,
        teams=int(teams),
        sites=sites,
        corridors=corridors,
        types=type_frame,
        evaluations={k: m.evaluation for k, m in mixed.items()},
        info=info,
        _mixed=mixed,
        _demand=demand,
        _cover=cover,
    )


def _vi(x: float, digits: int = 2) -> str:
    """Number with a decimal comma (Vietnamese)."""
    return f"{x:.{digits}f}".replace(".", ",")


def _game_why(result: CheckpointStrategy, i: int, rows: np.ndarray) -> str:
    """Why site ``i`` has its probability in the Stackelberg strategy (Vietnamese)."""
    ev = result.evaluations["stackelberg"]
    p, labels = float(ev.marginals[i]), result.corridors["label"].to_numpy()
    mine = np.flatnonzero(rows[i])
    covs = ", ".join(f"{labels[j]} {ev.coverage[j]:.0%}" for j in mine)
    if p >= 0.995:
        if len(mine) > 1:
            return f"luôn có tổ chốt ở mọi ca: một tổ ở đây chặn cả {len(mine)} tuyến"
        return ("luôn có tổ chốt ở mọi ca: bỏ trống thì đối tượng chuyển ngay sang tuyến "
                "này (nhiều vụ nhất)")  # fmt: skip
    if p <= 0.005:
        over = [k for k in range(len(rows)) if k != i and ev.marginals[k] > 0.005
                and (rows[k] >= rows[i]).all()]  # fmt: skip
        if over:
            return (f"không bố trí: chốt {result.sites['site'].iloc[over[0]]} chặn được cùng "
                    "tuyến (và thêm tuyến khác), nên tổ đứng ở đó")  # fmt: skip
        if ev.coverage[mine].min() >= 0.995:
            return "không bố trí: các tuyến qua điểm này đã có chốt khác canh giữ mọi ca"
        if ev.coverage[mine].max() <= 0.005:
            return ("không bố trí: tuyến qua điểm này ít vụ hơn mức lợi đối tượng đã có ở "
                    "các tuyến chính, nên tổ được dùng ở các tuyến nhiều vụ hơn")  # fmt: skip
        return f"không bố trí: các tuyến qua điểm này đã được canh qua chốt khác ({covs})"
    why = (
        f"xác suất {_vi(p)}: với {result.teams} tổ mỗi ca, mức canh của tuyến (tính cả các "
        f"chốt khác trên tuyến): {covs}; ở mức đó đối tượng không còn lợi hơn khi dồn sang "
        "tuyến này thay vì tuyến khác; chốt cố định thì đối tượng biết trước và đi vòng"
    )
    if set(mine) & set(ev.responses.tolist()):
        why += "; đây là tuyến đối tượng vẫn có lợi nhất khi quan sát lịch chốt"
    return why


def site_reasons(result: CheckpointStrategy) -> list[str]:
    """Say in Vietnamese why each site has its probability under the chosen strategy."""
    ev = result.evaluations[result.strategy]
    rows = result._cover
    if rows is None:  # built by hand: read the corridors from the labels
        labels = list(result.corridors["label"])
        rows = np.array([[lab in c.split("; ") for lab in labels] for c in result.sites["covers"]])
    out = []
    for i, row in result.sites.reset_index(drop=True).iterrows():
        p = float(ev.marginals[i])
        what = f"Chốt trên {row['covers']}, chặn {row['volume']:.0f} vụ"
        if row.get("victims", 0) and row["victims"] > 0:
            what += f" ({row['victims']:.0f} nạn nhân)"
        if int(row.get("alternatives", 1)) > 1:
            what += f"; có {int(row['alternatives'])} điểm tương đương trên đoạn này"
        if result.strategy == "fixed":
            why = ("chốt cố định của kế hoạch chặn nhiều lưu lượng nhất, mọi ca"
                   if p > 0.5 else "không nằm trong kế hoạch cố định")  # fmt: skip
        elif result.strategy == "uniform":
            why = f"luân phiên đều: {result.teams} tổ chia đều cho {len(result.sites)} điểm"
        else:
            why = _game_why(result, i, rows)
        out.append(f"{what}; {why}.")
    return out
