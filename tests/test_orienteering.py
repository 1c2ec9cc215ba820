"""Team orienteering: optimum against brute force, feasibility under float times."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from hotspots.errors import InputError
from hotspots.plan.orienteering import route_time, solve_team_orienteering, solve_top_matrix


def _euclid(pts: np.ndarray) -> np.ndarray:
    d = pts[:, None, :] - pts[None, :, :]
    return np.hypot(d[..., 0], d[..., 1])


def _best_tour(times: np.ndarray, subset: tuple[int, ...], start: int, end: int) -> float:
    """Shortest start -> all of subset -> end, by enumerating orders."""
    if not subset:
        return times[start, end]
    best = np.inf
    for perm in itertools.permutations(subset):
        best = min(best, route_time(times, list(perm), start, end))
    return best


def _brute_force(times, scores, starts, ends, budget) -> float:
    """Optimal TOP score by enumerating stop -> vehicle assignments."""
    n, m = len(scores), len(starts)
    cache: dict[tuple, float] = {}

    def tour(v, subset):
        key = (v, subset)
        if key not in cache:
            cache[key] = _best_tour(times, subset, starts[v], ends[v])
        return cache[key]

    best = 0.0
    for assign in itertools.product(range(m + 1), repeat=n):
        total = sum(scores[i] for i in range(n) if assign[i] < m)
        if total <= best:
            continue
        ok = all(tour(v, tuple(i for i in range(n) if assign[i] == v)) <= budget for v in range(m))
        if ok:
            best = total
    return best


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_small_instances_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    n, m = 7, 2
    xy = rng.uniform(0, 10, (n, 2))
    scores = rng.integers(1, 10, n).astype(float)
    depot_start, depot_end = np.array([0.0, 0.0]), np.array([10.0, 10.0])
    budget = 17.0 + seed
    pts = np.vstack([xy, depot_start, depot_end])
    times = _euclid(pts)
    opt = _brute_force(times, scores, [n, n], [n + 1, n + 1], budget)
    sol = solve_team_orienteering(
        xy, scores, depot_start, depot_end, budget, n_vehicles=m, time_limit=2, seed=0
    )
    assert sol.feasible
    assert sol.score == pytest.approx(opt)
    # independent feasibility check with the float matrix
    for r in sol.routes:
        assert route_time(times, r, n, n + 1) <= budget + 1e-9
    assert len(sol.visited) == len(set(sol.visited))


def test_per_vehicle_depots_and_service_time_match_brute_force():
    rng = np.random.default_rng(7)
    n = 6
    xy = rng.uniform(0, 10, (n, 2))
    scores = np.array([5.0, 3, 8, 2, 6, 4])
    starts = np.array([[0.0, 0.0], [10.0, 0.0]])
    ends = np.array([[0.0, 10.0], [10.0, 10.0]])
    service = 1.5
    budget = 18.0
    pts = np.vstack([xy, starts, ends])
    times = _euclid(pts)
    svc = np.zeros(len(pts))
    svc[:n] = service
    times_svc = times + svc[None, :]  # service charged on arrival at a stop
    opt = _brute_force(times_svc, scores, [n, n + 1], [n + 2, n + 3], budget)
    sol = solve_team_orienteering(
        xy, scores, starts, ends, budget, n_vehicles=2, service_time=service, time_limit=2
    )
    assert sol.score == pytest.approx(opt)
    for v, r in enumerate(sol.routes):
        assert route_time(times, r, n + v, n + 2 + v, svc) <= budget + 1e-9
        assert sol.times[v] == pytest.approx(route_time(times, r, n + v, n + 2 + v, svc))


def test_rounding_never_admits_a_route_over_budget():
    # out-and-back of 2 * d where 2d exceeds the budget by a hair: must not be visited
    budget = 10.0
    d_over = budget / 2 * (1 + 1e-9)
    d_under = budget / 2 * (1 - 1e-4)
    for d, expect in ((d_over, [[]]), (d_under, [[0]])):
        sol = solve_team_orienteering(
            np.array([[d, 0.0]]), np.array([1.0]), np.zeros(2), np.zeros(2), budget, 1,
            time_limit=1,
        )  # fmt: skip
        assert sol.routes == expect
        assert sol.feasible


def test_matrix_with_awkward_floats_is_feasible_and_repair_counts_zero():
    rng = np.random.default_rng(3)
    n = 40
    pts = rng.uniform(0, 1, (n + 1, 2)) * np.pi  # irrational-looking distances
    times = _euclid(pts)
    sol = solve_top_matrix(times, rng.uniform(0, 1, n), [n, n, n], [n, n, n], 1.7, time_limit=1)
    assert sol.feasible and sol.repaired == 0
    assert np.all(sol.times <= 1.7 + 1e-12)
    assert sol.score > 0


def test_required_stops_are_taken_over_higher_scores():
    # one vehicle can visit only one of two stops; the required low-score one wins
    xy = np.array([[4.0, 0.0], [-4.0, 0.0]])
    sol = solve_team_orienteering(xy, np.array([100.0, 1.0]), np.zeros(2), np.zeros(2), 9.0, 1)
    assert sol.routes == [[0]]
    pts = np.vstack([xy, [0.0, 0.0]])
    req = solve_top_matrix(
        _euclid(pts), np.array([100.0, 1.0]), [2], [2], 9.0, required=np.array([False, True]),
        time_limit=1,
    )  # fmt: skip
    assert req.routes == [[1]]


def test_unreachable_stop_is_skipped_and_empty_instance():
    times = np.array([[0.0, np.inf], [np.inf, 0.0]])
    sol = solve_top_matrix(times, np.array([5.0]), [1], [1], 100.0, time_limit=1)
    assert sol.routes == [[]] and sol.score == 0
    empty = solve_top_matrix(np.zeros((1, 1)), np.array([]), [0], [0], 1.0)
    assert empty.routes == [[]] and empty.feasible


def test_same_seed_same_routes():
    # small enough for every run (PyVRP, float restarts) to stop on its own criterion
    # well before the limit: then the result does not depend on the machine's speed
    rng = np.random.default_rng(11)
    xy = rng.uniform(0, 100, (25, 2))
    sc = rng.integers(1, 10, 25).astype(float)
    a = solve_team_orienteering(xy, sc, [50, 50], [50, 50], 120.0, 2, time_limit=20, seed=4)
    b = solve_team_orienteering(xy, sc, [50, 50], [50, 50], 120.0, 2, time_limit=20, seed=4)
    assert a.solver["stopped_by"] == b.solver["stopped_by"] == "no_improvement"
    assert a.routes == b.routes

    def runs(sol):
        return [{k: v for k, v in r.items() if k != "runtime"} for r in sol.solver["runs"]]

    assert runs(a) == runs(b) and len(runs(a)) > 2  # PyVRP, then float restarts


def test_bad_inputs_raise_input_error():
    with pytest.raises(InputError):
        solve_team_orienteering(np.zeros((1, 2)), [1.0], [0, 0], [0, 0], 5.0, 0)
    with pytest.raises(InputError):
        solve_team_orienteering(np.zeros((1, 2)), [-1.0], [0, 0], [0, 0], 5.0, 1)
    with pytest.raises(InputError):
        solve_team_orienteering(np.zeros((1, 2)), [1.0], [0, 0], [0, 0], [5.0, 4.0], 1)


def test_route_of_exactly_the_budget_is_kept():
    # 6 stops along a U whose only full route is 7 edges of 10 = the budget (70): with
    # times rounded up and the budget down (the old model) it was lost for 5 stops
    stops = np.array([[10, 0], [20, 0], [30, 0], [30, 10], [20, 10], [10, 10]], float)
    sol = solve_team_orienteering(
        stops, np.ones(6), np.array([0.0, 0.0]), np.array([0.0, 10.0]), 70.0, 1, time_limit=2
    )
    assert sol.score == 6 and sol.routes == [[0, 1, 2, 3, 4, 5]]
    assert sol.times[0] == pytest.approx(70.0) and sol.feasible and sol.repaired == 0


def _benchmark_module():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "plan.py"
    spec = importlib.util.spec_from_file_location("bench_plan", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_milp_oracle_of_the_benchmark_matches_brute_force_and_the_solver_reaches_it():
    bench = _benchmark_module()
    rng = np.random.default_rng(5)
    for m, n in ((1, 6), (2, 6), (2, 7)):
        pts = rng.uniform(0, 10, (n + 2, 2))
        times = _euclid(pts)
        scores = rng.integers(1, 10, n).astype(float)
        opt = _brute_force(times, scores, [n] * m, [n + 1] * m, 14.0)
        best, bound, proven, _ = bench.exact_top_milp(times, scores, n, n + 1, 14.0, m, 30)
        assert proven and best == pytest.approx(opt) and bound == pytest.approx(opt)
    # a 20-stop lattice instance shaped like Chao's set 5, with routes of exactly the budget
    inst = bench.chao_like("grid", 20, 3, np.random.default_rng(11))
    pts = np.vstack([inst["xy"], inst["start"], inst["end"]])
    best, _, proven, _ = bench.exact_top_milp(
        _euclid(pts), inst["scores"], 20, 21, inst["budget"], 3, 60
    )
    assert proven
    sol = solve_team_orienteering(
        inst["xy"], inst["scores"], inst["start"], inst["end"], inst["budget"], 3, time_limit=10
    )
    assert sol.score == pytest.approx(best)


# -- balancing the work between vehicles (issue 5 review) ------------------------------
_CHORD = 2 * 10 * np.sin(np.pi / 8)  # side of a regular octagon of radius 10


def _octagon() -> np.ndarray:
    a = np.arange(8) * np.pi / 4
    return 10 * np.c_[np.cos(a), np.sin(a)]


def test_balance_splits_an_octagon_in_two_halves():
    # Shared depot at the centre, 8 stops on a circle, budget far beyond need. The least
    # total travel is one vehicle touring all 8 (10 + 7 chords + 10 = 73.58) and the
    # other idle; the min-max optimum gives each vehicle 4 neighbouring stops
    # (10 + 3 chords + 10 = 42.96 each; a 5/3 split needs 50.6).
    xy = _octagon()
    off = solve_team_orienteering(xy, np.ones(8), np.zeros(2), np.zeros(2), 200.0, 2,
                                  time_limit=2, balance=False)  # fmt: skip
    assert sorted(len(r) for r in off.routes) == [0, 8]
    assert off.times.max() == pytest.approx(20 + 7 * _CHORD, abs=1e-9)
    assert off.solver["balance"]["applied"] is False
    on = solve_team_orienteering(xy, np.ones(8), np.zeros(2), np.zeros(2), 200.0, 2,
                                 time_limit=2)  # fmt: skip
    assert on.score == off.score == 8.0
    assert [len(r) for r in on.routes] == [4, 4]
    for r in on.routes:  # neighbours on the circle: 4 consecutive positions mod 8
        assert any({(k + j) % 8 for j in range(4)} == set(r) for k in range(8))
    np.testing.assert_allclose(on.times, 20 + 3 * _CHORD, atol=1e-9)
    b = on.solver["balance"]
    assert b["applied"] is True
    assert b["longest_before"] == pytest.approx(20 + 7 * _CHORD, abs=1e-9)
    assert b["longest_after"] == pytest.approx(20 + 3 * _CHORD, abs=1e-9)
    assert b["lower_bound"] == pytest.approx(20.0, abs=1e-9)
    assert on.feasible


def test_balance_two_bases_each_serves_its_own_stops():
    near = np.array([[1, 0], [0, 1], [-1, 0], [0, -1]], float)
    xy = np.vstack([near, near + [30, 0]])
    st = np.array([[0.0, 0.0], [30.0, 0.0]])
    sol = solve_team_orienteering(xy, np.ones(8), st, st, 500.0, 2, time_limit=2)
    assert sorted(sol.routes[0]) == [0, 1, 2, 3]
    assert sorted(sol.routes[1]) == [4, 5, 6, 7]
    np.testing.assert_allclose(sol.times, 2 + 3 * np.sqrt(2), atol=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_balance_never_loses_score_nor_lengthens_the_longest_route(seed):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, (25, 2))
    sc = rng.integers(1, 10, 25).astype(float)
    st = rng.uniform(0, 100, (3, 2))
    for budget in (120.0, 400.0):  # tight (some stops left) and loose (all visited)
        off = solve_team_orienteering(xy, sc, st, st, budget, 3, time_limit=2, seed=seed,
                                      balance=False)  # fmt: skip
        on = solve_team_orienteering(xy, sc, st, st, budget, 3, time_limit=2, seed=seed)
        assert on.score >= off.score - 1e-9
        assert on.times.max() <= off.times.max() + 1e-9
        assert on.feasible and np.all(on.times <= budget + 1e-9)
        if budget == 400.0:
            assert len(on.visited) == 25


def test_balance_same_seed_same_routes():
    a = solve_team_orienteering(_octagon(), np.ones(8), np.zeros(2), np.zeros(2), 200.0, 2,
                                time_limit=2, seed=3)  # fmt: skip
    b = solve_team_orienteering(_octagon(), np.ones(8), np.zeros(2), np.zeros(2), 200.0, 2,
                                time_limit=2, seed=3)  # fmt: skip
    assert a.routes == b.routes and a.solver["balance"] == b.solver["balance"]


# -- constraints: time windows, shift starts, vehicle profiles, allowed stops (issue 11) -
def _line_matrix(xs: list[float]) -> np.ndarray:
    """Travel times between points on a line (|x_a - x_b|)."""
    x = np.asarray(xs, float)
    return np.abs(x[:, None] - x[None, :])


def test_time_window_forces_the_order_and_arrivals_include_the_wait():
    # depot at 0, stop 0 at +1 open [0, 1.5], stop 1 at -1 open from 5: only 0 then 1
    # works (1 first arrives at 1, waits to 5, reaches stop 0 at 7 > 1.5)
    times = _line_matrix([1.0, -1.0, 0.0])
    tw = np.array([[0.0, 1.5], [5.0, np.inf]])
    sol = solve_top_matrix(times, [1.0, 1.0], [2], [2], 100.0, time_limit=1, time_windows=tw)
    assert sol.routes == [[0, 1]] and sol.feasible
    assert sol.arrivals == [[1.0, 5.0]]
    assert sol.times[0] == pytest.approx(6.0)  # 1 + 2 + wait 2 + 1
    # the wait counts in the budget: stop 1 alone takes 1 + wait 4 + 1 = 6 > 5.9, so
    # only the lower-score stop 0 fits (without the wait stop 1 would take 2)
    short = solve_top_matrix(times, [1.0, 2.0], [2], [2], 5.9, time_limit=1, time_windows=tw)
    assert short.routes == [[0]] and short.arrivals == [[1.0]]


def test_time_window_and_shift_start_exclude_a_stop():
    times = _line_matrix([1.0, 3.0, 0.0])
    tw = np.array([[0.0, 12.0], [0.0, 12.5]])
    # leaving at 10: stop 0 at 11 (ok), stop 1 at 13 (> 12.5, closed)
    sol = solve_top_matrix(
        times, [1.0, 5.0], [2], [2], 100.0, time_limit=1, time_windows=tw, shift_start=10.0
    )
    assert sol.routes == [[0]] and sol.arrivals == [[11.0]]
    # leaving at 9.5: stop 1 directly at 12.5 is just in time and worth more than stop 0
    # (0 then 1 reaches 1 at 12.5 too: both fit)
    early = solve_top_matrix(
        times, [1.0, 5.0], [2], [2], 100.0, time_limit=1, time_windows=tw, shift_start=9.5
    )
    assert early.routes == [[0, 1]] and early.arrivals == [[10.5, 12.5]]
    # leaving at 12: nothing is reachable in time
    late = solve_top_matrix(
        times, [1.0, 5.0], [2], [2], 100.0, time_limit=1, time_windows=tw, shift_start=12.0
    )
    assert late.routes == [[]] and late.score == 0


def test_forbidden_stops_go_to_the_vehicle_allowed_there():
    # bases at 0 and 10, stop 0 next to base 0, stop 1 next to base 1; each vehicle
    # may only visit the stop next to the *other* base; stop 2 nobody may visit
    times = _line_matrix([1.0, 9.0, 5.0, 0.0, 10.0])
    allowed = np.array([[False, True, False], [True, False, False]])
    sol = solve_top_matrix(
        times, [1.0, 1.0, 9.0], [3, 4], [3, 4], 100.0, time_limit=1, allowed=allowed
    )
    assert sol.routes == [[1], [0]] and sol.feasible and sol.score == 2.0
    np.testing.assert_allclose(sol.times, [18.0, 18.0])


def test_slow_profile_cannot_reach_the_far_stop_the_fast_one_can():
    # stop 0 at 1, stop 1 at 4 from the depot; the foot matrix is 3x slower; budget 10
    fast = _line_matrix([1.0, -4.0, 0.0])
    slow = 3 * fast
    scores = [1.0, 5.0]
    foot = solve_top_matrix(fast, scores, [2], [2], 10.0, time_limit=1,
                            vehicle_times=[fast, slow], vehicle_profile=[1])  # fmt: skip
    assert foot.routes == [[0]] and foot.times[0] == pytest.approx(6.0)
    car = solve_top_matrix(fast, scores, [2], [2], 10.0, time_limit=1,
                           vehicle_times=[fast, slow], vehicle_profile=[0])  # fmt: skip
    assert sorted(car.routes[0]) == [0, 1] and car.times[0] == pytest.approx(10.0)
    # one of each, and the car may not visit stop 0: the car takes the far stop
    both = solve_top_matrix(
        fast, scores, [2, 2], [2, 2], 10.0, time_limit=1, vehicle_times=[fast, slow],
        vehicle_profile=[1, 0], allowed=np.array([[True, True], [False, True]]),
    )  # fmt: skip
    assert both.routes == [[0], [1]] and both.score == 6.0
    np.testing.assert_allclose(both.times, [6.0, 8.0])
    assert both.arrivals == [[3.0], [4.0]]


def test_float_repair_honours_windows_and_allowed_stops():
    from hotspots.plan._top_model import build_instance, repair

    times = _line_matrix([1.0, 2.0, 3.0, 0.0])
    inst = build_instance(
        times, [1.0, 2.0, 3.0], [3], [3], 100.0, 0.0, None,
        np.array([[0, np.inf], [0, np.inf], [0, 2.5]]), None, None, None,
        np.array([[True, False, True]]),
    )  # fmt: skip
    # stop 1 is forbidden (dropped first); then stop 2 arrives at 3 > 2.5 after stop 0:
    # dropping stop 0 lets it arrive at 3 (still late), so the late stop 2 itself goes
    route, dropped = repair(inst, 0, [0, 1, 2], 100.0)
    assert route == [0] and dropped == 2


def test_constraint_inputs_are_checked():
    times = _line_matrix([1.0, 0.0])
    with pytest.raises(InputError, match="time_windows"):
        solve_top_matrix(times, [1.0], [1], [1], 5.0, time_windows=np.array([[3.0, 2.0]]))
    with pytest.raises(InputError, match="allowed"):
        solve_top_matrix(times, [1.0], [1], [1], 5.0, allowed=np.ones((2, 1), bool))
    with pytest.raises(InputError, match="vehicle_profile"):
        solve_top_matrix(times, [1.0], [1], [1], 5.0, vehicle_times=[times], vehicle_profile=[1])
    with pytest.raises(InputError, match="vehicle_times"):
        solve_top_matrix(times, [1.0], [1], [1], 5.0, vehicle_times=[np.zeros((3, 3))])


# -- published instances (Chao, Golden & Wasil 1996), shared with the project ------------
_TOP_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "top"


@pytest.mark.parametrize(("name", "tolerance"), [("p4.2.b", 0.02), ("p4.3.c", 0.02)])
def test_published_instance_reaches_best_known(name, tolerance):
    if not (_TOP_DIR / f"{name}.txt").exists():
        pytest.skip(f"../shared/benchmarks/top/{name}.txt not found (shared data absent)")
    bench = _benchmark_module()
    xy, score, m, tmax = bench.read_chao(_TOP_DIR / f"{name}.txt")
    best = {r[0]: float(r[2]) for r in (ln.split(",") for ln in
            (_TOP_DIR / "best_known.csv").read_text().splitlines()[1:])}[name]  # fmt: skip
    sol = solve_team_orienteering(xy[1:-1], score[1:-1], xy[0], xy[-1], tmax, m, time_limit=3)
    n = len(xy) - 2
    dist = _euclid(np.vstack([xy[1:-1], xy[0], xy[-1]]))
    assert all(route_time(dist, r, n, n + 1) <= tmax + 1e-9 for r in sol.routes)
    assert len(sol.visited) == len(set(sol.visited)) and sol.feasible
    assert sol.score == pytest.approx(sum(score[1:-1][i] for i in sol.visited))
    assert sol.score >= best * (1 - tolerance) - 1e-9


def test_asymmetric_matrices_unreachable_pairs_profiles_and_allowed_stay_feasible():
    rng = np.random.default_rng(2)
    n, m = 30, 3
    times = _euclid(rng.uniform(0, 10, (n + 2, 2))) * rng.uniform(1, 1.5, (n + 2, n + 2))
    times[0, :] = times[:, 0] = np.inf  # stop 0 unreachable
    np.fill_diagonal(times, 0.0)
    allowed = np.ones((m, n), bool)
    allowed[0, :10] = False
    starts, ends, profile = [n, n, n + 1], [n, n + 1, n + 1], [0, 1, 0]
    sol = solve_top_matrix(
        times, rng.integers(1, 9, n).astype(float), starts, ends, 20.0, service_time=0.5,
        time_limit=1, allowed=allowed, vehicle_times=[times, 2 * times], vehicle_profile=profile,
    )  # fmt: skip
    assert sol.feasible and sol.score > 0 and 0 not in sol.visited
    assert not set(sol.routes[0]) & set(range(10))
    for v, r in enumerate(sol.routes):
        mat = (times, 2 * times)[profile[v]]
        assert route_time(mat, r, starts[v], ends[v], 0.5) <= 20.0 + 1e-9
    # start -> end unreachable directly: routes go through stops or stay empty, never NaN
    cut = times.copy()
    cut[n, n + 1] = cut[n + 1, n] = np.inf
    sol = solve_top_matrix(cut, np.ones(n), [n, n], [n + 1, n + 1], 20.0, time_limit=1)
    assert all(np.isfinite(sol.times) | (np.array([len(r) for r in sol.routes]) == 0))
