"""Speed and solution quality of hotspots.plan, measured in the same run.

Usage::

    .venv/bin/python benchmarks/plan.py          # full (about 15 minutes)
    .venv/bin/python benchmarks/plan.py --quick  # small (about 3 minutes)
    .venv/bin/python benchmarks/plan.py --top [DIR] [--only p4.2.i,p4.3.g] [--time-limit 10]

What is measured (issues 5 and 11):

1. **Speed**: a week (7 days) of patrols over 300 key-area stops with 20 units, target
   <= 60 s wall clock (travel matrix, routing of every shift, tables, geometry).
2. **Quality against exact optima**: team orienteering instances small enough for an
   exact dynamic programme (Held-Karp tours per subset, then a max-plus subset
   convolution over the vehicles): ``solve_team_orienteering`` must reach the optimum.
3. **Quality against proven MILP optima** (``bench_milp``): 20-32-stop instances shaped
   like Chao, Golden & Wasil's sets 4-7 (uniform, square lattice, diamond), solved
   exactly by a MILP with scipy's HiGHS (independent of PyVRP); the default 10 s solve
   must come within 2 %.
4. **Quality on benchmark-sized instances**: 100-stop Euclidean instances shaped like
   Chao, Golden & Wasil's (1996) sets 4-7, solved with the default 10 s limit, against
   the best of longer runs with other seeds (a reference, not a proven optimum).
5. **Published instances** (``bench_top``, ``--top``): Chao, Golden & Wasil's instances
   in ``../shared/benchmarks/top`` (or DIR) against their ``best_known.csv``: gap per
   instance, mean and worst gap (targets 0.5 % and 2 %), time (target 10 s) and
   feasibility under the true float distances.
"""

from __future__ import annotations

import argparse
import csv
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
from shapely.geometry import Point

from hotspots.plan.bases import units_at
from hotspots.plan.orienteering import route_time, solve_team_orienteering, solve_top_matrix
from hotspots.plan.schedule import weekly_schedule
from hotspots.plan.travel import straight_line

UTM48 = "EPSG:32648"
X0, Y0 = 360_000.0, 2_370_000.0  # south-west corner of a Lào Cai-sized box


def bench_week(n_stops: int, n_units: int, days: int, time_limit: float) -> None:
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, [90_000, 140_000], (n_stops, 2))
    areas = gpd.GeoDataFrame(
        {"rank": np.arange(1, n_stops + 1), "score": rng.lognormal(0, 1, n_stops)},
        geometry=[Point(X0 + x, Y0 + y) for x, y in xy],
        crs=UTM48,
    ).to_crs(4326)
    bxy = rng.uniform(0, [90_000, 140_000], (n_units, 2))
    bases = gpd.GeoDataFrame(
        {"base": [f"Đồn {i + 1}" for i in range(n_units)]},
        geometry=[Point(X0 + x, Y0 + y) for x, y in bxy],
        crs=UTM48,
    ).to_crs(4326)
    units = units_at(bases, 1)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan = weekly_schedule(
            areas, units, straight_line(), days=days, time_limit=time_limit, seed=0
        )
    dt = time.perf_counter() - t
    over = (plan.routes["duration_min"] > plan.routes["shift_min"] + 1e-9).sum()
    print(
        f"week: {n_stops} stops, {n_units} units, {days} days: {dt:.1f} s "
        f"(target 60 s, ratio {dt / 60:.2f}); {len(plan.stops)} visits, "
        f"{plan.visits().size}/{n_stops} areas visited, min visits met: "
        f"{plan.meta['min_visits_met']}, routes over shift: {over}"
    )


def _held_karp(times: np.ndarray, n: int, start: int, end: int) -> np.ndarray:
    """Shortest start -> subset -> end time for every subset of the n stops."""
    full = 1 << n
    dp = np.full((full, n), np.inf)
    for j in range(n):
        dp[1 << j, j] = times[start, j]
    for mask in range(1, full):
        row = dp[mask]
        if not np.isfinite(row).any():
            continue
        for j in range(n):
            if not (mask >> j) & 1 or not np.isfinite(row[j]):
                continue
            for k in range(n):
                if (mask >> k) & 1:
                    continue
                nm = mask | (1 << k)
                v = row[j] + times[j, k]
                if v < dp[nm, k]:
                    dp[nm, k] = v
    best = np.full(full, np.inf)
    best[0] = times[start, end]
    for mask in range(1, full):
        best[mask] = np.min(dp[mask] + times[:n, end])
    return best


def exact_top(times, scores, start, end, budget, m) -> float:
    """Exact TOP optimum (identical vehicles) by dynamic programming."""
    n = len(scores)
    full = 1 << n
    tour = _held_karp(times, n, start, end)
    score_of = np.array([sum(scores[i] for i in range(n) if (s >> i) & 1) for s in range(full)])
    one = np.where(tour <= budget + 1e-9, score_of, -np.inf)
    best = one.copy()
    for _ in range(m - 1):
        nxt = best.copy()
        for mask in range(full):
            sub = mask
            while sub:
                v = one[sub] + best[mask ^ sub]
                if v > nxt[mask]:
                    nxt[mask] = v
                sub = (sub - 1) & mask
        best = nxt
    return float(best.max())


def bench_exact(n_instances: int, n: int) -> None:
    rng = np.random.default_rng(1)
    gaps = []
    t_solver = t_exact = 0.0
    for k in range(n_instances):
        m = 2 + k % 2
        xy = rng.uniform(0, 20, (n, 2))
        scores = rng.integers(1, 20, n).astype(float)
        pts = np.vstack([xy, [[0.0, 0.0], [20.0, 20.0]]])
        d = pts[:, None, :] - pts[None, :, :]
        times = np.hypot(d[..., 0], d[..., 1])
        budget = float(rng.uniform(30, 40))
        t = time.perf_counter()
        opt = exact_top(times, scores, n, n + 1, budget, m)
        t_exact += time.perf_counter() - t
        t = time.perf_counter()
        sol = solve_team_orienteering(xy, scores, pts[n], pts[n + 1], budget, m, time_limit=10)
        t_solver += time.perf_counter() - t
        assert all(route_time(times, r, n, n + 1) <= budget + 1e-9 for r in sol.routes)
        gaps.append((opt - sol.score) / opt)
    print(
        f"exact ({n_instances} instances, {n} stops, 2-3 vehicles): max gap "
        f"{max(gaps):.2%}, optimum reached on {sum(g <= 1e-12 for g in gaps)}/{len(gaps)}; "
        f"time solver {t_solver:.1f} s vs exact DP {t_exact:.1f} s "
        f"(ratio {t_solver / t_exact:.2f})"
    )


def exact_top_milp(
    times: np.ndarray,
    scores: np.ndarray,
    start: int,
    end: int,
    budget: float,
    m: int,
    time_limit: float = 300.0,
) -> tuple[float, float, bool, float]:
    """Team orienteering optimum (identical vehicles) by a MILP solved with HiGHS.

    Two-index arc formulation: ``x_ij = 1`` when a route goes ``i -> j``, ``y_i = 1``
    when stop ``i`` is visited, ``t_i`` its arrival time; ``m`` routes leave ``start``
    (a route ``start -> end`` is an unused vehicle), flow in = flow out = ``y_i``, and
    lifted arrival-time constraints (Desrochers & Laporte 1991) both cut subtours and
    keep every route within ``budget`` (``t_i + d_i,end <= budget``); the total travel
    is at most ``m * budget`` (a valid cut). Independent of
    PyVRP, so it is an oracle for :func:`solve_team_orienteering`.

    Returns
    -------
    (best, bound, proven, seconds)
        Best score found, HiGHS's upper bound, whether optimality is proven, time.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    n = len(scores)
    lo = times[start, :n]
    hi = budget - times[:n, end]
    reach = lo <= hi + 1e-9
    arcs = [(start, j) for j in range(n) if reach[j]] + [(j, end) for j in range(n) if reach[j]]
    arcs += [
        (i, j)
        for i in range(n)
        for j in range(n)
        if i != j and reach[i] and reach[j] and lo[i] + times[i, j] <= hi[j] + 1e-9
    ]
    arcs.append((start, end))
    index = {arc: k for k, arc in enumerate(arcs)}
    na = len(arcs)
    nv = na + 2 * n  # x (arcs), y (stops), t (stops)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    low: list[float] = []
    high: list[float] = []

    def row(entries: list[tuple[int, float]], a: float, b: float) -> None:
        r = len(low)
        for c, v in entries:
            rows.append(r)
            cols.append(c)
            vals.append(v)
        low.append(a)
        high.append(b)

    row([(k, 1.0) for k, (a, _) in enumerate(arcs) if a == start], m, m)
    # the routes together travel at most m budgets (valid, and tightens the relaxation)
    row([(k, float(times[a, b])) for k, (a, b) in enumerate(arcs)], -np.inf, m * budget)
    for i in range(n):
        row([(k, 1.0) for k, (_, b) in enumerate(arcs) if b == i] + [(na + i, -1.0)], 0, 0)
        row([(k, 1.0) for k, (a, _) in enumerate(arcs) if a == i] + [(na + i, -1.0)], 0, 0)
    for k, (a, b) in enumerate(arcs):
        if a == start or b == end:
            continue
        big = max(hi[a] + times[a, b] - lo[b], times[a, b])
        entries = [(na + n + a, 1.0), (na + n + b, -1.0), (k, big)]
        back = index.get((b, a))
        if back is not None and big - times[a, b] - times[b, a] > 0:
            entries.append((back, big - times[a, b] - times[b, a]))
        row(entries, -np.inf, big - times[a, b])  # t_b >= t_a + d_ab when x_ab = 1
        if back is not None and a < b:
            row([(k, 1.0), (back, 1.0), (na + a, -1.0)], -np.inf, 0.0)  # no 2-cycle
    matrix = coo_matrix((vals, (rows, cols)), shape=(len(low), nv)).tocsr()
    lb, ub = np.zeros(nv), np.ones(nv)
    ub[index[(start, end)]] = m
    ub[na : na + n] = reach
    lb[na + n :] = np.where(reach, lo, 0.0)
    ub[na + n :] = np.where(reach, hi, 0.0)
    cost = np.zeros(nv)
    cost[na : na + n] = -np.asarray(scores, float)
    t = time.perf_counter()
    res = milp(
        cost,
        constraints=LinearConstraint(matrix, low, high),
        integrality=np.r_[np.ones(na + n), np.zeros(n)],
        bounds=Bounds(lb, ub),
        options={"time_limit": time_limit, "mip_rel_gap": 1e-9},
    )
    dt = time.perf_counter() - t
    best = -float(res.fun) if res.x is not None else 0.0
    bound = -float(getattr(res, "mip_dual_bound", np.nan))
    if res.status == 0:
        bound = best
    return best, bound, res.status == 0, dt


def chao_like(shape: str, n: int, m: int, rng: np.random.Generator) -> dict:
    """A TOP instance shaped like one of Chao, Golden & Wasil's (1996) sets, ``n`` stops.

    ``uniform`` (sets 4/7: random stops, scores 1-9, start and end at opposite corners),
    ``grid`` (set 5: a square lattice, scores 5/10/15, start and end at opposite sides),
    ``diamond`` (set 6: a diamond lattice, score growing with the distance from the
    shared start/end at the centre). Budgets let a route reach about half the stops.
    These reproduce the sets' layout, not their published instances.
    """
    if shape == "uniform":
        xy = rng.uniform(0, 100, (n, 2))
        scores = rng.integers(1, 10, n).astype(float)
        start, end, budget = [0.0, 0.0], [100.0, 100.0], 150.0 + 15.0 * (4 - m)
    elif shape == "grid":
        side = int(np.ceil(np.sqrt(n)))
        g = np.array([(i, j) for i in range(side) for j in range(side)], float) * 10.0
        xy = g[rng.choice(len(g), n, replace=False)] + 5.0
        scores = rng.choice([5.0, 10.0, 15.0], n)
        start, end = [0.0, side * 5.0], [side * 10.0, side * 5.0]
        budget = side * 10.0 * (1.25 + 0.15 * (4 - m))
    elif shape == "diamond":
        side = int(np.ceil(np.sqrt(n)))
        g = np.array([(i, j) for i in range(side) for j in range(side)], float)
        g = (g - (side - 1) / 2) * 10.0
        g = g @ np.array([[1, 1], [-1, 1]]) / np.sqrt(2)  # rotate 45 degrees
        g = g[np.hypot(g[:, 0], g[:, 1]) > 1e-9]
        xy = g[rng.choice(len(g), n, replace=False)]
        scores = np.ceil(np.hypot(xy[:, 0], xy[:, 1]) / 10.0) * 6.0
        start = end = [0.0, 0.0]
        budget = side * 10.0 * (1.1 + 0.15 * (4 - m))
    else:
        raise ValueError(shape)
    return {"xy": xy, "scores": scores, "start": np.array(start), "end": np.array(end),
            "budget": float(budget), "m": m}  # fmt: skip


def bench_milp(cases: tuple[tuple[str, tuple[int, ...]], ...], milp_seconds: float) -> None:
    """``solve_team_orienteering`` (10 s limit) against MILP optima on Chao-shaped instances.

    ``cases``: ``(shape, sizes)`` pairs. The diamond (shared start and end) is kept at 20
    stops: beyond that HiGHS proves no optimum in minutes and its bound is far too weak
    to say anything (26 stops: bound 240 against 198 found, 318 against 222).
    """
    rng = np.random.default_rng(7)
    gaps: dict[bool, list[float]] = {True: [], False: []}
    slowest = 0.0
    sizes = [n for _, ns in cases for n in ns]
    for shape, ns in cases:
        for n in ns:
            for m in (2, 3, 4):
                inst = chao_like(shape, n, m, rng)
                pts = np.vstack([inst["xy"], inst["start"], inst["end"]])
                d = pts[:, None, :] - pts[None, :, :]
                times = np.hypot(d[..., 0], d[..., 1])
                best, bound, ok, t_milp = exact_top_milp(
                    times, inst["scores"], n, n + 1, inst["budget"], m, milp_seconds
                )
                t = time.perf_counter()
                sol = solve_team_orienteering(
                    inst["xy"], inst["scores"], inst["start"], inst["end"], inst["budget"], m,
                    time_limit=10,
                )  # fmt: skip
                dt = time.perf_counter() - t
                assert sol.feasible and sol.score <= bound + 1e-6
                gap = max(0.0, (bound - sol.score) / bound) if bound > 0 else 0.0
                gaps[ok].append(gap)
                slowest = max(slowest, dt)
                what = "optimum" if ok else f"best {best:.0f}, bound"
                print(
                    f"  {shape:7s} n={n} m={m} budget={inst['budget']:.0f}: ours "
                    f"{sol.score:.0f} in {dt:.1f} s; MILP {what} {bound:.0f} in "
                    f"{t_milp:.1f} s; gap {gap:.2%} (ratio ours/MILP time {dt / t_milp:.2f})"
                )
    proven, open_ = gaps[True], gaps[False]
    print(
        f"MILP ({len(proven) + len(open_)} Chao-shaped instances, {min(sizes)}-{max(sizes)} "
        f"stops, 2-4 vehicles): {len(proven)} proven optima, max gap "
        f"{max(proven, default=0.0):.2%}, optimum reached on "
        f"{sum(g <= 1e-9 for g in proven)} (target 2%); slowest {slowest:.1f} s (target 10 s)"
    )
    if open_:
        print(
            f"  {len(open_)} not proven within {milp_seconds:.0f} s: largest distance to "
            f"HiGHS's upper bound {max(open_):.2%} (the true gap is at most this)"
        )


def bench_reference(n_instances: int, ref_seconds: float, ref_seeds: int) -> None:
    """Chao-sized instances (100 stops): 10 s default vs longer multi-seed runs."""
    rng = np.random.default_rng(4)
    rows = []
    for k in range(n_instances):
        m = 2 + k % 3
        n = 100
        xy = rng.uniform(0, 100, (n, 2))
        # Chao set 4-like scores (1..9 x 10-ish) and start/end at opposite corners
        scores = rng.integers(1, 10, n).astype(float)
        start, end = np.array([0.0, 0.0]), np.array([100.0, 100.0])
        budget = float([180, 160, 150][k % 3])  # the corners are 141.4 apart
        t = time.perf_counter()
        sol = solve_team_orienteering(xy, scores, start, end, budget, m, time_limit=10)
        dt = time.perf_counter() - t
        ref = sol.score
        t = time.perf_counter()
        pts = np.vstack([xy, start, end])
        d = pts[:, None, :] - pts[None, :, :]
        times = np.hypot(d[..., 0], d[..., 1])
        for seed in range(1, ref_seeds + 1):
            # the reference runs the whole time (no early stop on no-improvement)
            r = solve_top_matrix(
                times, scores, [n] * m, [n + 1] * m, budget, time_limit=ref_seconds,
                seed=seed, no_improvement=10**9,
            )  # fmt: skip
            ref = max(ref, r.score)
        dt_ref = time.perf_counter() - t
        gap = (ref - sol.score) / ref
        rows.append(gap)
        print(
            f"  instance {k + 1}: m={m} budget={budget:.0f}: default {sol.score:.0f} in "
            f"{dt:.1f} s; reference {ref:.0f} in {dt_ref:.0f} s ({ref_seeds} x "
            f"{ref_seconds:.0f} s); gap {gap:.2%}"
        )
    print(f"reference ({n_instances} Chao-sized instances): max gap {max(rows):.2%} (target 2%)")


def read_chao(path: Path) -> tuple[np.ndarray, np.ndarray, int, float]:
    """Read a Chao et al. TOP instance: ``n``, ``m``, ``tmax`` lines then ``x y score``."""
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    head = {ln[0].lower(): float(ln[1]) for ln in lines[:3]}
    pts = np.array([[float(v) for v in ln[:3]] for ln in lines[3:]])
    return pts[:, :2], pts[:, 2], int(head["m"]), float(head["tmax"])


TOP_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "top"


def bench_top(folder: Path, time_limit: float = 10.0, only: list[str] | None = None) -> dict:
    """Chao, Golden & Wasil (1996) instances against their best-known scores.

    ``folder`` holds the instances (``NAME.txt``: ``n``, ``m``, ``tmax`` lines, then
    ``x y score``; the first point is the start, the last the end) and
    ``best_known.csv`` (``instance``, ``best_known``). Each instance is solved by
    :func:`solve_team_orienteering` with ``time_limit``; every route is re-checked
    against ``tmax`` with the true (float) Euclidean distances and every stop may be
    visited once. Prints one line per instance, then the mean and worst gap, the
    number of best-known scores reached and the longest wall-clock time.
    """
    table = folder / "best_known.csv"
    if not table.exists():
        print(f"TOP instances: {table} not found (pass --top DIR)")
        return {}
    rows = list(csv.DictReader(table.open(encoding="utf-8")))
    if only:
        rows = [r for r in rows if r["instance"] in only]
    gaps, times, all_ok = [], [], True
    for row in rows:
        xy, score, m, tmax = read_chao(folder / f"{row['instance']}.txt")
        t = time.perf_counter()
        sol = solve_team_orienteering(
            xy[1:-1], score[1:-1], xy[0], xy[-1], tmax, m, time_limit=time_limit
        )
        dt = time.perf_counter() - t
        n = len(xy) - 2
        pts = np.vstack([xy[1:-1], xy[0], xy[-1]])
        d = pts[:, None, :] - pts[None, :, :]
        dist = np.hypot(d[..., 0], d[..., 1])
        longest = max(route_time(dist, r, n, n + 1) for r in sol.routes)
        once = len(sol.visited) == len(set(sol.visited))
        ok = longest <= tmax + 1e-9 and once
        total = float(sum(score[1:-1][i] for i in sol.visited))
        best = float(row["best_known"])
        gap = (best - total) / best if best > 0 else 0.0
        gaps.append(gap)
        times.append(dt)
        all_ok &= ok
        print(
            f"  {row['instance']:8s} m={m} tmax={tmax:5.1f}: score {total:5.0f}, best known "
            f"{best:5.0f}, gap {gap:6.2%}, {dt:5.1f} s, longest route {longest:6.2f}, "
            f"feasible {ok}"
        )
    hit = sum(g <= 1e-12 for g in gaps)
    print(
        f"TOP ({len(gaps)} instances, time limit {time_limit:g} s): mean gap "
        f"{np.mean(gaps):.2%}, worst {max(gaps):.2%} (targets 0.5 % / 2 %), best known "
        f"reached on {hit}/{len(gaps)}, max time {max(times):.1f} s (target 10 s), all "
        f"feasible: {all_ok}"
    )
    return {"mean": float(np.mean(gaps)), "worst": max(gaps), "max_time": max(times)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes")
    ap.add_argument(
        "--top",
        nargs="?",
        const=TOP_DIR,
        type=Path,
        metavar="DIR",
        help="only the Chao et al. instances of DIR against best_known.csv "
        f"(default DIR: {TOP_DIR})",
    )
    ap.add_argument("--time-limit", type=float, default=10.0, help="seconds per TOP instance")
    ap.add_argument("--only", help="comma-separated TOP instance names (with --top)")
    args = ap.parse_args()
    if args.top is not None:
        only = args.only.split(",") if args.only else None
        bench_top(args.top, args.time_limit, only)
        return
    if args.quick:
        bench_week(60, 5, 3, 10.0)
        bench_exact(3, 9)
        bench_milp((("uniform", (20,)), ("diamond", (20,))), 60.0)
        bench_reference(1, 10.0, 1)
        bench_top(TOP_DIR, 10.0, ["p4.2.b", "p4.3.c"])
    else:
        bench_week(300, 20, 7, 40.0)
        bench_exact(6, 12)
        bench_milp((("uniform", (20, 26, 32)), ("grid", (20, 26, 32)), ("diamond", (20,))), 120.0)
        bench_reference(6, 30.0, 2)
        bench_top(TOP_DIR, 10.0)


if __name__ == "__main__":
    main()
