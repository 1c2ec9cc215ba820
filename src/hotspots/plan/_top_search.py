"""Team orienteering: PyVRP, then an iterated local search in float arithmetic.

Private helper of :mod:`hotspots.plan.orienteering`. :func:`search` runs PyVRP for a
share of the time, then (when no time window can bind) :class:`FloatSearch`, restarted
with new random streams until the deadline. Every move of the float search is computed
on the true float travel times and keeps every route within its cap, so its routes are
feasible by construction (no rounding). Moves, all scored with numpy at once:

* shorten a route: 2-opt (symmetric matrices), or-opt of runs of 1-3 stops (also
  reversed);
* between routes: relocate a stop, swap two stops, exchange tails (2-opt*), when the
  total length drops;
* insert unvisited stops while any fits, best ``value^a / added time^b`` first, and
  *squeeze* one that overflows a route by under 5 % (insert, shorten, keep if it fits);
* replace a visited stop by an unvisited one of higher value;
* destroy and repair: remove a run of stops, random stops, a cluster of nearby stops or
  a whole route, sometimes *force* an unvisited stop (drawn by value) into a route and
  drop the stops of least value per time saved until it fits, then repair with the
  moves above; the result is accepted by a simulated-annealing rule.

In the spirit of the iterated local searches and variable neighbourhoods of
Vansteenwegen et al. (2009) and the destroy/repair of Kim, Li & Lim (2013) for the team
orienteering problem; not a reimplementation of either.
"""

from __future__ import annotations

import time

import numpy as np

from hotspots.plan._top_model import TopInstance, evaluate, int_model, repair, solve_pyvrp

_EPS = 1e-9
#: Share of the destroy moves followed by a forced insertion of an unvisited stop.
_FORCE = 0.3
#: Most stops a destroy move removes, as a share of the visited stops.
_DESTROY_SHARE = 1 / 3
#: Start temperature of the acceptance, as a share of the best value.
_TEMPERATURE = 0.005
#: Share of the time limit given to PyVRP before the float search takes over.
_PYVRP_SHARE = 0.15
#: Whether the float search is used (else PyVRP restarts only; for measurements).
_FLOAT_SEARCH = True
#: Restarts alternate between the best solution and empty routes (diversification).
_FRESH_RESTARTS = True
#: Restarts from empty routes build them with a randomised insertion.
_RANDOM_START = True
#: The search ends after this many restarts in a row without a better solution.
_MAX_NO_GAIN = 12


class FloatSearch:
    """Iterated local search over routes of a :class:`TopInstance` without windows.

    Parameters
    ----------
    inst
        The instance (its time windows are ignored: check before using this class).
    caps
        Per-vehicle longest route (float).
    seed
        Random seed of the perturbations.
    """

    def __init__(self, inst: TopInstance, caps: np.ndarray, seed: int = 0) -> None:
        self.inst = inst
        self.n, self.m = inst.n, inst.m
        self.caps = np.asarray(caps, float) * (1 + 1e-12) + _EPS
        self.rng = np.random.default_rng(seed)
        # value: scores, required stops above all others together (as in the PyVRP model)
        value = inst.scores.astype(float).copy()
        if inst.required.any():
            value[inst.required] += value.sum() + 1.0
        self.value = value
        self._weights: dict[tuple[int, bytes], np.ndarray] = {}
        self.W = [self._weight_matrix(v) for v in range(self.m)]
        self.sym = [bool(np.allclose(w[: self.n, : self.n], w[: self.n, : self.n].T)) for w in
                    (inst.mats[p] for p in inst.profile)]  # fmt: skip
        self.s = inst.starts.astype(int)
        self.e = inst.ends.astype(int)
        self._memo: dict[tuple, list[int]] = {}
        self.deadline = np.inf

    def _weight_matrix(self, v: int) -> np.ndarray:
        """Edge weights of vehicle ``v``: travel plus service at the head; inf if banned."""
        inst = self.inst
        key = (int(inst.profile[v]), inst.allowed[v].tobytes())
        if key not in self._weights:
            w = inst.mats[key[0]] + inst.service[None, :]
            w = np.where(np.isfinite(w), w, np.inf)
            banned = np.flatnonzero(~inst.allowed[v])
            w[banned, :] = np.inf
            w[:, banned] = np.inf
            self._weights[key] = w
        return self._weights[key]

    # -- evaluation -------------------------------------------------------------------
    def length(self, v: int, route: list[int]) -> float:
        """Float length of vehicle ``v``'s route (travel + service)."""
        p = np.array([self.s[v], *route, self.e[v]])
        return float(self.W[v][p[:-1], p[1:]].sum())

    @staticmethod
    def total_value(inst: TopInstance, routes: list[list[int]]) -> float:
        """Total score of the visited stops, required stops above all others together."""
        value = float(sum(inst.scores[j] for r in routes for j in r))
        if inst.required.any():
            n_req = sum(1 for r in routes for j in r if inst.required[j])
            value += n_req * (float(inst.scores.sum()) + 1.0)
        return value

    def total(self, routes: list[list[int]]) -> float:
        """Total value of the visited stops."""
        return float(sum(self.value[j] for r in routes for j in r))

    # -- route shortening -------------------------------------------------------------
    def two_opt(self, v: int, route: list[int]) -> list[int]:
        """Best-improvement 2-opt until no reversal shortens the route (symmetric only)."""
        if len(route) < 3 or not self.sym[v]:
            return route
        w = self.W[v]
        svc = self.inst.service
        for _ in range(200):
            p = np.array([self.s[v], *route, self.e[v]])
            a, b = p[:-1], p[1:]
            # reversing p[i+1..j]: edges (p_i, p_i+1), (p_j, p_j+1) -> (p_i, p_j), (p_i+1, p_j+1)
            # w includes the service of the head: symmetric travel, same set of heads
            t = w - svc[None, :]
            d = (t[a[:, None], a[None, :]] + t[b[:, None], b[None, :]]) - (
                t[a, b][:, None] + t[a, b][None, :]
            )
            d = np.triu(d, 1)
            k = int(np.argmin(d))
            if d.flat[k] >= -_EPS:
                break
            i, j = divmod(k, d.shape[1])
            route = route[:i] + route[i:j][::-1] + route[j:]
        return route

    def or_opt(self, v: int, route: list[int]) -> list[int]:
        """Move runs of 1-3 consecutive stops to their best place while the route shortens.

        Each pass scores every (run, insertion edge) pair at once and applies the best.
        """
        w = self.W[v]
        for _ in range(10 * len(route) + 10):
            L = len(route)
            if L < 2:
                break
            p = np.array([self.s[v], *route, self.e[v]])
            edge = w[p[:-1], p[1:]]  # edge e joins p[e] and p[e + 1]
            best = (-_EPS, None)
            for k in (1, 2, 3):
                if k > L - 1 and k > 1:
                    break
                i = np.arange(L - k + 1)  # run route[i : i + k] = p[i + 1 : i + k + 1]
                first, last = p[i + 1], p[i + k]
                before, after = p[i], p[i + k + 1]
                gain = w[before, first] + w[last, after] - w[before, after]
                e = np.arange(L + 1)[None, :]
                inside = (e >= i[:, None]) & (e <= i[:, None] + k)
                for rev in (False, True) if self.sym[v] and k > 1 else (False,):
                    a, b = (last, first) if rev else (first, last)
                    add = w[p[:-1][None, :], a[:, None]] + w[b[:, None], p[1:][None, :]]
                    delta = np.where(inside, np.inf, add - edge[None, :]) - gain[:, None]
                    flat = int(np.argmin(delta))
                    if delta.flat[flat] < best[0]:
                        best = (delta.flat[flat], (k, *divmod(flat, L + 1), rev))
            if best[1] is None:
                break
            k, i, e, rev = best[1]
            seg = route[i : i + k][::-1] if rev else route[i : i + k]
            # edge e joins p[e], p[e + 1] = route[e - 1], route[e]
            if e < i:
                route = route[:e] + seg + route[e:i] + route[i + k :]
            else:
                route = route[:i] + route[i + k : e] + seg + route[e:]
        return route

    def shorten(self, v: int, route: list[int]) -> list[int]:
        """2-opt then or-opt (memoised: the search meets the same routes again and again)."""
        key = (id(self.W[v]), self.s[v], self.e[v], tuple(route))
        done = self._memo.get(key)
        if done is None:
            if len(self._memo) > 200_000:
                self._memo.clear()
            done = self.or_opt(v, self.two_opt(v, route))
            self._memo[key] = done
            self._memo[(key[0], key[1], key[2], tuple(done))] = done
        return list(done)

    # -- adding score -----------------------------------------------------------------
    def _insertion(self, v: int, route: list[int], cand: np.ndarray) -> tuple[np.ndarray, ...]:
        """Cheapest feasible insertion of each candidate into ``route``: (added, position)."""
        w = self.W[v]
        p = np.array([self.s[v], *route, self.e[v]])
        add = w[p[:-1][None, :], cand[:, None]] + w[cand[:, None], p[1:][None, :]]
        add = add - w[p[:-1], p[1:]][None, :]
        pos = np.argmin(add, axis=1)
        return add[np.arange(len(cand)), pos], pos

    def insert(self, routes, lengths, randomise: bool = False) -> None:
        """Insert unvisited stops while any fits, best ``value^a / added^b`` first.

        ``(a, b) = (2, 1)`` normally; a randomised repair draws the exponents (from
        pure value to value per time) and adds noise to the keys.
        """
        a, b = 2.0, 1.0
        if randomise:
            a, b = ((1.0, 1.0), (2.0, 1.0), (1.0, 0.5), (1.0, 0.0))[int(self.rng.integers(4))]
        open_ = self.value > 0
        for r in routes:
            open_[r] = False
        stops = np.arange(self.n)
        gain = self.value**a
        cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # per route, over all stops
        while open_.any() and not self._late():
            best = None
            for v in range(self.m):
                if v not in cache:
                    cache[v] = self._insertion(v, routes[v], stops)
                add, pos = cache[v]
                fits = open_ & (lengths[v] + add <= self.caps[v])
                if not fits.any():
                    continue
                # highest value per added time; squared value favours high scores
                key = np.where(fits, gain / np.maximum(add, 1e-9) ** b, -np.inf)
                if randomise:
                    key = key * self.rng.uniform(0.7, 1.0, len(key))
                j = int(np.argmax(key))
                if best is None or key[j] > best[0]:
                    best = (key[j], v, j, int(pos[j]))
            if best is None:
                if not self.squeeze(routes, lengths, np.flatnonzero(open_)):
                    return
                cache.clear()
            else:
                _, v, j, p = best
                routes[v].insert(p, j)
                lengths[v] = self.length(v, routes[v])
                cache.pop(v)
            open_[[j for r in routes for j in r]] = False

    def squeeze(self, routes, lengths, cand: np.ndarray, tries: int = 3) -> bool:
        """Insert a stop that overflows a route slightly, then re-optimise the route.

        The few (vehicle, stop) pairs of least overflow (under 5 % of the cap) are
        tried in order of value: insert, shorten (2-opt, or-opt); kept if it now fits.
        """
        pairs = []
        for v in range(self.m):
            add, pos = self._insertion(v, routes[v], cand)
            over = lengths[v] + add - self.caps[v]
            ok = (over > 0) & (over <= 0.05 * self.caps[v])
            for k in np.flatnonzero(ok):
                pairs.append((-self.value[cand[k]], over[k], v, int(cand[k]), int(pos[k])))
        for _, _, v, j, pos in sorted(pairs)[:tries]:
            trial = self.shorten(v, routes[v][:pos] + [j] + routes[v][pos:])
            length = self.length(v, trial)
            if length <= self.caps[v]:
                routes[v], lengths[v] = trial, length
                return True
        return False

    def replace(self, routes, lengths) -> bool:
        """Swap one visited stop for one unvisited stop of higher value; True if done.

        For every (visited i, unvisited j) pair at once: the route without ``i`` keeps
        all edges but the two at ``i`` and gains the bridge over ``i``; ``j`` goes to
        the cheapest of those edges.
        """
        visited = np.zeros(self.n, bool)
        for r in routes:
            visited[r] = True
        cand = np.flatnonzero(~visited & (self.value > 0))
        if cand.size == 0:
            return False
        best = (_EPS, None)
        for v in range(self.m):
            r = routes[v]
            L = len(r)
            if L == 0:
                continue
            w = self.W[v]
            p = np.array([self.s[v], *r, self.e[v]])
            edge = w[p[:-1], p[1:]]
            ins = w[p[:-1][None, :], cand[:, None]] + w[cand[:, None], p[1:][None, :]] - edge
            order = np.argsort(ins, axis=1)[:, :3]  # three cheapest edges per candidate
            i = np.arange(L)  # removing r[i] = p[i + 1] drops edges i and i + 1
            bridge_cost = w[p[i], p[i + 2]]
            removed = edge[i] + edge[i + 1] - bridge_cost
            bridge = w[p[i][None, :], cand[:, None]] + w[cand[:, None], p[i + 2][None, :]]
            bridge = bridge - bridge_cost[None, :]
            cheapest = np.full((len(cand), L), np.inf)
            where = np.zeros((len(cand), L), int)
            for c in range(order.shape[1] - 1, -1, -1):
                e = order[:, c][:, None]
                ok = (e != i[None, :]) & (e != i[None, :] + 1)
                cost = np.take_along_axis(ins, order[:, c : c + 1], axis=1)
                take = ok & (cost <= cheapest)
                cheapest = np.where(take, cost, cheapest)
                where = np.where(take, e, where)
            use_bridge = bridge < cheapest
            new_len = lengths[v] - removed[None, :] + np.minimum(cheapest, bridge)
            gain = self.value[cand][:, None] - self.value[np.array(r)][None, :]
            score = np.where((new_len <= self.caps[v]) & (gain > _EPS), gain - 1e-9 * new_len, -1)
            k = int(np.argmax(score))
            if score.flat[k] > best[0]:
                jj, ii = divmod(k, L)
                best = (score.flat[k], (v, ii, int(cand[jj]), bool(use_bridge[jj, ii]),
                                        int(where[jj, ii])))  # fmt: skip
        if best[1] is None:
            return False
        v, i, j, at_bridge, e = best[1]
        r = routes[v]
        if at_bridge:
            new = r[:i] + [j] + r[i + 1 :]
        else:
            new = r[:e] + [j] + r[e:]  # edge e joins p[e], p[e + 1] = r[e - 1], r[e]
            new.remove(r[i])
        routes[v] = new
        lengths[v] = self.length(v, new)
        return True

    def _prefix(self, v: int, route: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Path of vehicle ``v`` and cumulative length up to each position."""
        p = np.array([self.s[v], *route, self.e[v]])
        return p, np.concatenate([[0.0], np.cumsum(self.W[v][p[:-1], p[1:]])])

    def swap_tails(self, routes, lengths) -> bool:
        """2-opt* between two routes of alike vehicles: exchange their tails if shorter.

        Cutting route ``a`` after path position ``i`` and ``b`` after ``j`` gives
        ``a[: i + 1] + b[j + 1 :]`` and ``b[: j + 1] + a[i + 1 :]``; the best exchange
        that keeps both within their caps and shortens the total is applied.
        """
        best = (_EPS, None)
        for a in range(self.m):
            for b in range(a + 1, self.m):
                if (self.e[a] != self.e[b] or self.W[a] is not self.W[b]
                        or not (routes[a] or routes[b])):  # fmt: skip
                    continue
                w = self.W[a]
                pa, ca = self._prefix(a, routes[a])
                pb, cb = self._prefix(b, routes[b])
                ta, tb = ca[-1] - ca, cb[-1] - cb  # length from position k to the end
                i = np.arange(len(pa) - 1)[:, None]
                j = np.arange(len(pb) - 1)[None, :]
                new_a = ca[i] + w[pa[i], pb[j + 1]] + tb[j + 1]
                new_b = cb[j] + w[pb[j], pa[i + 1]] + ta[i + 1]
                ok = (new_a <= self.caps[a]) & (new_b <= self.caps[b])
                gain = np.where(ok, lengths[a] + lengths[b] - new_a - new_b, -np.inf)
                k = int(np.argmax(gain))
                if gain.flat[k] > best[0]:
                    best = (gain.flat[k], (a, b, *divmod(k, gain.shape[1])))
        if best[1] is None:
            return False
        a, b, i, j = best[1]
        ra, rb = routes[a], routes[b]  # path position i = route index i - 1
        routes[a], routes[b] = ra[:i] + rb[j:], rb[:j] + ra[i:]
        lengths[a], lengths[b] = self.length(a, routes[a]), self.length(b, routes[b])
        return True

    def swap_between(self, routes, lengths) -> bool:
        """Exchange one stop of a route with one of another if both fit and it shortens."""
        best = (_EPS, None)
        for a in range(self.m):
            for b in range(a + 1, self.m):
                if not routes[a] or not routes[b]:
                    continue
                pa, pb = np.array([self.s[a], *routes[a], self.e[a]]), np.array(
                    [self.s[b], *routes[b], self.e[b]])  # fmt: skip
                wa, wb = self.W[a], self.W[b]
                i = np.arange(1, len(pa) - 1)[:, None]  # stop pa[i] goes to b
                j = np.arange(1, len(pb) - 1)[None, :]  # stop pb[j] goes to a
                da = (wa[pa[i - 1], pb[j]] + wa[pb[j], pa[i + 1]]
                      - wa[pa[i - 1], pa[i]] - wa[pa[i], pa[i + 1]])  # fmt: skip
                db = (wb[pb[j - 1], pa[i]] + wb[pa[i], pb[j + 1]]
                      - wb[pb[j - 1], pb[j]] - wb[pb[j], pb[j + 1]])  # fmt: skip
                ok = (lengths[a] + da <= self.caps[a]) & (lengths[b] + db <= self.caps[b])
                gain = np.where(ok, -(da + db), -np.inf)
                k = int(np.argmax(gain))
                if gain.flat[k] > best[0]:
                    best = (gain.flat[k], (a, b, *divmod(k, gain.shape[1])))
        if best[1] is None:
            return False
        a, b, i, j = best[1]
        routes[a][i], routes[b][j] = routes[b][j], routes[a][i]
        lengths[a], lengths[b] = self.length(a, routes[a]), self.length(b, routes[b])
        return True

    def relocate_between(self, routes, lengths) -> bool:
        """Move one stop to another route where it fits if the total length drops."""
        best = (_EPS, None)
        for a in range(self.m):
            ra = routes[a]
            if not ra:
                continue
            pa = np.array([self.s[a], *ra, self.e[a]])
            wa = self.W[a]
            i = np.arange(len(ra))
            removed = wa[pa[i], pa[i + 1]] + wa[pa[i + 1], pa[i + 2]] - wa[pa[i], pa[i + 2]]
            stops = np.array(ra)
            for b in range(self.m):
                if b == a:
                    continue
                add, pos = self._insertion(b, routes[b], stops)
                gain = np.where(lengths[b] + add <= self.caps[b], removed - add, -np.inf)
                k = int(np.argmax(gain))
                if gain[k] > best[0]:
                    best = (gain[k], (a, k, b, int(pos[k])))
        if best[1] is None:
            return False
        a, k, b, pos = best[1]
        j = routes[a].pop(k)
        routes[b].insert(pos, j)
        lengths[a], lengths[b] = self.length(a, routes[a]), self.length(b, routes[b])
        return True

    def local_search(self, routes, lengths, randomise: bool = False) -> None:
        """Shorten, exchange between routes, insert, replace until nothing improves.

        Works in place; every move keeps every route within its cap, so the search may
        stop at any point (it does once ``self.deadline`` is passed).
        """
        for v in range(self.m):
            routes[v] = self.shorten(v, routes[v])
            lengths[v] = self.length(v, routes[v])
        for _ in range(50):
            if self._late() or not (
                self.relocate_between(routes, lengths)
                or self.swap_tails(routes, lengths)
                or self.swap_between(routes, lengths)
            ):
                break
        self.insert(routes, lengths, randomise)
        for _ in range(50):
            if self._late() or not self.replace(routes, lengths):
                break
            for v in range(self.m):
                routes[v] = self.shorten(v, routes[v])
                lengths[v] = self.length(v, routes[v])
            self.insert(routes, lengths)

    def _late(self) -> bool:
        """Whether the wall-clock deadline of the current run has passed."""
        return time.perf_counter() >= self.deadline

    # -- the iterated local search ----------------------------------------------------
    def destroy(self, routes, lengths, strength: float) -> None:
        """Remove some visited stops: a run in a route, random ones or a related cluster.

        ``strength`` in (0, 1] scales how many (up to a third of the visited stops).
        """
        visited = [j for r in routes for j in r]
        if not visited:
            return
        q = max(1, int(round(strength * len(visited) * _DESTROY_SHARE)))
        q = int(self.rng.integers(1, q + 1))
        kind = self.rng.random()
        if kind < 0.1:  # a whole route, rebuilt by the repair
            drop = set(routes[int(self.rng.integers(self.m))])
        elif kind < 0.4:  # a run of consecutive stops in each of some routes
            drop = set()
            for r in routes:
                if r and self.rng.random() < 0.7:
                    k = min(len(r), q)
                    i = int(self.rng.integers(0, len(r) - k + 1))
                    drop.update(r[i : i + k])
        elif kind < 0.7:  # random stops
            drop = set(self.rng.choice(visited, size=min(q, len(visited)), replace=False).tolist())
        else:  # a stop and the visited stops nearest to it
            seed = int(self.rng.choice(visited))
            v_arr = np.array(visited)
            near = v_arr[np.argsort(self.W[0][seed, v_arr] + self.W[0][v_arr, seed])]
            drop = set(near[:q].tolist())
        for v in range(self.m):
            routes[v] = [j for j in routes[v] if j not in drop]
            lengths[v] = self.length(v, routes[v])
        if self.rng.random() < _FORCE:
            self.force(routes, lengths)

    def force(self, routes, lengths) -> None:
        """Force an unvisited stop (drawn by value) into a random route, then fit it.

        The route is shortened, then loses the stops of least value per time saved
        until it is within its cap again (the forced stop stays).
        """
        visited = np.zeros(self.n, bool)
        for r in routes:
            visited[r] = True
        cand = np.flatnonzero(~visited & (self.value > 0))
        if cand.size == 0:
            return
        j = int(self.rng.choice(cand, p=self.value[cand] / self.value[cand].sum()))
        ins = [self._insertion(v, routes[v], np.array([j])) for v in range(self.m)]
        adds = np.array([a[0] for a, _ in ins])
        if not np.isfinite(adds).any():
            return
        v = int(self.rng.choice(np.flatnonzero(np.isfinite(adds))))
        add, pos = ins[v]
        r = routes[v][: pos[0]] + [j] + routes[v][pos[0] :]
        r = self.shorten(v, r)
        while r and self.length(v, r) > self.caps[v]:
            p = np.array([self.s[v], *r, self.e[v]])
            w = self.W[v]
            i = np.arange(len(r))
            saved = w[p[i], p[i + 1]] + w[p[i + 1], p[i + 2]] - w[p[i], p[i + 2]]
            ratio = self.value[np.array(r)] / np.maximum(saved, 1e-9)
            ratio[np.array(r) == j] = np.inf
            if not np.isfinite(ratio.min()):
                r = []
                break
            r.pop(int(np.argmin(ratio)))
        routes[v] = r
        lengths[v] = self.length(v, r)

    def run(self, routes: list[list[int]], deadline: float, patience: int):
        """See :meth:`_run`; unreachable pairs (inf - inf) give NaN, never a move."""
        with np.errstate(invalid="ignore"):
            return self._run(routes, deadline, patience)

    def _run(self, routes: list[list[int]], deadline: float, patience: int):
        """Improve ``routes`` until ``patience`` iterations bring nothing or the deadline.

        Each iteration destroys part of the current solution and repairs it with the
        local search; the result is accepted if its value is not lower, or with the
        simulated-annealing probability ``exp(-loss / T)`` where ``T`` (0.5 % of the
        best value) falls to 0 as the iterations without improvement approach
        ``patience``. Every 200 such iterations the search goes back to the best
        solution. Ties in value are broken by the shorter total length. The search also
        stops once every stop with a value is visited (nothing more to gain).

        Returns
        -------
        (routes, iterations, stopped_by)
            The best routes, the number of iterations, ``"no_improvement"``,
            ``"all_visited"`` or ``"time"``.
        """
        self.deadline = deadline
        routes = [list(r) for r in routes]
        lengths = [self.length(v, r) for v, r in enumerate(routes)]
        # from empty routes, a randomised construction: each restart starts elsewhere
        self.local_search(routes, lengths, randomise=_RANDOM_START and not any(routes))
        cur = best = ([list(r) for r in routes], self.total(routes), sum(lengths))
        reachable = self.value[self._reachable()].sum()
        temp0 = _TEMPERATURE * max(best[1], 1.0)
        it = stall = 0
        while True:
            if best[1] >= reachable - _EPS:
                return [list(r) for r in best[0]], it, "all_visited"
            if stall >= patience:
                return [list(r) for r in best[0]], it, "no_improvement"
            if time.perf_counter() >= deadline:
                return [list(r) for r in best[0]], it, "time"
            it += 1
            routes = [list(r) for r in cur[0]]
            lengths = [self.length(v, r) for v, r in enumerate(routes)]
            self.destroy(routes, lengths, 0.2 + 0.8 * self.rng.random())
            self.local_search(routes, lengths, randomise=True)
            cand = (routes, self.total(routes), sum(lengths))
            if cand[1] > best[1] + _EPS:
                best, stall = cand, 0
            else:
                stall += 1
                if cand[1] >= best[1] - _EPS and cand[2] < best[2] - 1e-7:
                    best = cand
            temp = temp0 * max(0.0, 1 - stall / patience)
            diff = cand[1] - cur[1]
            if diff >= -_EPS or (temp > 0 and self.rng.random() < np.exp(diff / temp)):
                cur = cand
            if stall and stall % 200 == 0:
                cur = best

    def _reachable(self) -> np.ndarray:
        """Stops some vehicle can visit alone (start -> stop -> end within its cap)."""
        ok = np.zeros(self.n, bool)
        for v in range(self.m):
            trip = self.W[v][self.s[v], : self.n] + self.W[v][: self.n, self.e[v]]
            ok |= trip <= self.caps[v]
        return ok & (self.value > 0)


def windows_bind(inst: TopInstance) -> bool:
    """Whether some stop's time window can bind (opens after a shift starts, or closes)."""
    return bool(np.any(inst.tw[:, 0] > inst.shift.min()) or np.any(np.isfinite(inst.tw[:, 1])))


def _key(inst: TopInstance, routes: list[list[int]]) -> tuple[float, float]:
    """Sort key of a solution: higher value first, then shorter total duration."""
    value = FloatSearch.total_value(inst, routes)
    length = sum(evaluate(inst, v, r)[2] for v, r in enumerate(routes))
    return value, -length


def search(
    inst: TopInstance,
    caps: np.ndarray,
    deadline: float,
    patience: int,
    seed: int,
    pyvrp_share: float = _PYVRP_SHARE,
) -> tuple[list[list[int]], int, dict]:
    """Best routes within per-vehicle caps by the wall-clock ``deadline``.

    1. PyVRP (integer model, then float check and repair) for ``pyvrp_share`` of the
       time, stopping early after ``patience`` iterations without improvement.
    2. Without binding time windows: the float iterated local search, restarted from
       the best solution and from a randomised construction in turn, each with a new
       random stream, until ``_MAX_NO_GAIN`` restarts in a row bring nothing, every
       stop is visited, or the deadline. With time windows:
       PyVRP restarts with other seeds instead.

    The best solution by (value, shorter total duration) is kept. Returns the routes,
    the stops dropped by repairs and run statistics.
    """
    t0 = time.perf_counter()
    im = int_model(inst)
    floats = _FLOAT_SEARCH and not windows_bind(inst)
    limit = (deadline - t0) * (pyvrp_share if floats else 1.0)
    routes, info = solve_pyvrp(inst, im, caps, limit, patience, seed)
    repaired = 0
    for v in range(inst.m):
        routes[v], dropped = repair(inst, v, routes[v], float(caps[v]))
        repaired += dropped
    best, best_key = routes, _key(inst, routes)
    runs = [{"method": "pyvrp", "seed": seed, "value": best_key[0], **info}]
    stopped = info["stopped_by"]
    no_gain, k = 0, 0
    while no_gain < _MAX_NO_GAIN and time.perf_counter() < deadline and stopped != "all_visited":
        k += 1
        run_seed = int(np.random.SeedSequence([seed, k]).generate_state(1)[0])
        if floats:
            fs = FloatSearch(inst, caps, run_seed)
            fresh = _FRESH_RESTARTS and k % 2 == 0  # every other run from empty routes
            start = [[] for _ in range(inst.m)] if fresh else best
            cand, its, stopped = fs.run(start, deadline, max(200, 3 * inst.n))
            rep = 0
            run = {"method": "float ILS", "iterations": its, "stopped_by": stopped}
        else:
            cand, cinfo = solve_pyvrp(
                inst, im, caps, deadline - time.perf_counter(), patience, run_seed
            )
            rep = 0
            for v in range(inst.m):
                cand[v], dropped = repair(inst, v, cand[v], float(caps[v]))
                rep += dropped
            stopped = cinfo["stopped_by"]
            run = {"method": "pyvrp", **cinfo}
        cand_key = _key(inst, cand)
        run.update(seed=run_seed, value=cand_key[0])
        runs.append(run)
        if cand_key > best_key:
            no_gain = 0 if cand_key[0] > best_key[0] else no_gain + 1
            best, best_key, repaired = cand, cand_key, repaired + rep
        else:
            no_gain += 1
    stopped = "time" if any(r["stopped_by"] == "time" for r in runs) else "no_improvement"
    return best, repaired, {"stopped_by": stopped, "runs": runs,
                            "runtime": time.perf_counter() - t0}  # fmt: skip
