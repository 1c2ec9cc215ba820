"""Checkpoint game: DOBSS/ERASER against textbook answers and a brute-force oracle."""

from __future__ import annotations

import itertools
import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog
from shapely.geometry import LineString, Point

from hotspots.errors import InputError
from hotspots.plan.game import (
    SecurityGame,
    checkpoint_strategy,
    comb_distribution,
    dobss,
    evaluate,
    solve_sse,
    systematic_sample,
    uniform_strategy,
)

UTM48 = "EPSG:32648"
X0, Y0 = 400_000.0, 2_450_000.0


# -- oracle: one LP per attacker response profile (Conitzer & Sandholm 2006) ----------
def brute_force(game: SecurityGame) -> float:
    """Best defender utility over every set of responses, one LP over pure strategies each."""
    subsets = list(itertools.combinations(range(game.cover.shape[0]), game.k))
    cov = np.array([game.cover[list(s)].any(axis=0) for s in subsets], float)
    n_t, n_j = game.def_covered.shape
    ud = cov[None] * game.def_covered[:, None] + (1 - cov[None]) * game.def_uncovered[:, None]
    ua = cov[None] * game.att_covered[:, None] + (1 - cov[None]) * game.att_uncovered[:, None]
    choices = [np.flatnonzero(game.allowed[t]) for t in range(n_t)]
    best = -np.inf
    for prof in itertools.product(*choices):
        obj = -sum(game.prior[t] * ud[t][:, j] for t, j in enumerate(prof))
        rows = [ua[t][:, jj] - ua[t][:, j] for t, j in enumerate(prof) for jj in choices[t]]
        res = linprog(obj, A_ub=np.array(rows), b_ub=np.zeros(len(rows)),
                      A_eq=np.ones((1, len(subsets))), b_eq=[1.0], bounds=(0, 1))  # fmt: skip
        if res.status == 0:
            best = max(best, -res.fun)
    return best


def random_game(seed: int, n_sites=4, n_targets=4, types=1, teams=2, schedules=False):
    rng = np.random.default_rng(seed)
    cover = np.eye(n_sites, n_targets, dtype=bool)
    if schedules:
        cover = rng.random((n_sites, n_targets)) < 0.45
        cover[np.arange(n_sites), rng.integers(0, n_targets, n_sites)] = True
    rd = rng.uniform(0, 10, (types, n_targets))
    pd_ = -rng.uniform(0, 10, (types, n_targets))
    ra = rng.uniform(0, 10, (types, n_targets))
    pa = -rng.uniform(0, 10, (types, n_targets))
    allowed = rng.random((types, n_targets)) < 0.8
    allowed[np.arange(types), rng.integers(0, n_targets, types)] = True
    prior = rng.uniform(0.2, 1, types)
    return SecurityGame(cover, teams, rd, pd_, pa, ra, prior, allowed)


# -- textbook answers ------------------------------------------------------------------
def test_paruchuri_2008_example():
    # The example game of Paruchuri et al. (2008, sec. 2): leader rows a, b; follower c, d.
    #        c      d
    #   a  2, 1   4, 0
    #   b  1, 0   3, 2
    # The follower plays d while x_a <= 2/3 (2(1 - x_a) >= x_a); the leader then gets
    # 4 x_a + 3 (1 - x_a), largest at x_a = 2/3: 11/3 (ties broken for the leader).
    leader = np.array([[[2.0, 4.0], [1.0, 3.0]]])
    follower = np.array([[[1.0, 0.0], [0.0, 2.0]]])
    x, resp, value, gap = dobss(leader, follower, [1.0])
    assert x == pytest.approx([2 / 3, 1 / 3], abs=1e-7)
    assert list(resp) == [1] and value == pytest.approx(11 / 3, abs=1e-7)
    assert gap == pytest.approx(0.0, abs=1e-9)


def test_two_targets_one_team_hand_computed():
    # target 1: defender +1/-1, attacker -1/+1; target 2: defender +2/-2, attacker -1/+2.
    # Attacker values 1 - 2 c1 and 2 - 3 c2 with c1 + c2 = 1 are equal at c = (0.4, 0.6)
    # (both 0.2); ties go to the defender: target 2 gives her 2*0.6 - 2*0.4 = 0.4.
    game = SecurityGame(np.eye(2, dtype=bool), 1, [[1, 2]], [[-1, -2]], [[-1, -1]],
                        [[1, 2]], [1.0])  # fmt: skip
    for method in ("dobss", "eraser"):
        sse, info = solve_sse(game, method)
        ev = sse.evaluation
        assert info["method"] == method
        assert ev.coverage == pytest.approx([0.4, 0.6], abs=1e-7)
        assert list(ev.responses) == [1] and ev.utility == pytest.approx(0.4, abs=1e-7)
        assert ev.attacker_utility == pytest.approx([0.2], abs=1e-7)


# -- brute force (HiGHS and the LPs both solve to about 1e-6) -----------------------
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("types", [1, 2])
def test_sse_matches_brute_force_without_schedules(seed, types):
    game = random_game(seed, types=types)
    want = brute_force(game)
    for method in ("dobss", "eraser"):
        sse, _ = solve_sse(game, method)
        assert sse.evaluation.utility == pytest.approx(want, abs=1e-5), method


@pytest.mark.parametrize("seed", range(6))
def test_dobss_matches_brute_force_with_overlapping_sites(seed):
    game = random_game(seed, n_sites=5, n_targets=3, types=2, schedules=True)
    sse, info = solve_sse(game, "dobss")
    assert info["method"] == "dobss"
    assert sse.evaluation.utility == pytest.approx(brute_force(game), abs=1e-5)


# -- properties -----------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(12))
def test_properties_on_random_games(seed):
    game = random_game(seed + 100, n_sites=6, n_targets=6, types=1 + seed % 3, teams=2)
    uniform = uniform_strategy(game).evaluation
    for method in ("dobss", "eraser"):
        ev = solve_sse(game, method)[0].evaluation
        # every team is used: site probabilities sum to the teams
        assert ev.marginals.sum() == pytest.approx(game.k, abs=1e-6)
        assert ((ev.marginals > -1e-9) & (ev.marginals < 1 + 1e-9)).all()
        # each type's response is a best response, and the best for the defender among ties
        ud, ua = game.utilities(ev.coverage)
        for t, j in enumerate(ev.responses):
            ok = game.allowed[t]
            assert game.allowed[t, j] and ua[t, j] >= ua[t][ok].max() - 1e-6
            ties = ok & (ua[t] >= ua[t, j] - 1e-6)
            assert ud[t, j] >= ud[t][ties].max() - 1e-6
        # never worse than uniform rotation nor than any fixed set of sites
        assert ev.utility >= uniform.utility - 1e-6
        for s in itertools.combinations(range(6), game.k):
            fixed = evaluate(game, game.cover[list(s)].any(axis=0).astype(float), np.zeros(6))
            assert ev.utility >= fixed.utility - 1e-6


# -- sampling -------------------------------------------------------------------------
def test_comb_distribution_reproduces_marginals_exactly():
    x = np.array([0.9, 0.15, 0.55, 0.4, 0.0, 1.0])  # sums to 3
    subsets, probs = comb_distribution(x, 3)
    assert probs.sum() == pytest.approx(1.0)
    assert all(len(set(s)) == 3 and 4 not in s for s in subsets)
    marg = np.zeros(6)
    for s, p in zip(subsets, probs, strict=True):
        marg[list(s)] += p
    assert marg == pytest.approx(x, abs=1e-12)


def test_systematic_sample_counts_and_per_shift_distribution():
    probs = np.array([0.5, 0.3, 0.2])
    rng = np.random.default_rng(3)
    draws = systematic_sample(probs, 21, rng)
    counts = np.bincount(draws, minlength=3)
    assert all(np.floor(21 * p) <= c <= np.ceil(21 * p) for c, p in zip(counts, probs, strict=True))
    # the first shift of many weeks follows probs
    first = np.array([systematic_sample(probs, 21, rng)[0] for _ in range(4000)])
    assert np.bincount(first, minlength=3) / 4000 == pytest.approx(probs, abs=0.03)


# -- checkpoints on corridors ----------------------------------------------------------
def _corridors(volumes, gate=None):
    """Parallel east-west corridors 10 km apart, one candidate site on each."""
    geoms = [LineString([(X0, Y0 + 10_000 * i), (X0 + 20_000, Y0 + 10_000 * i)])
             for i in range(len(volumes))]  # fmt: skip
    cols = {"rank": list(range(1, len(volumes) + 1)), "cases": volumes}
    if gate is not None:
        cols["gate"] = gate
    lines = gpd.GeoDataFrame(cols, geometry=geoms, crs=UTM48).to_crs(4326)
    cands = gpd.GeoDataFrame(
        {"kind": "line_point", "name": [f"c{i + 1}" for i in range(len(volumes))]},
        geometry=[Point(X0 + 10_000, Y0 + 10_000 * i) for i in range(len(volumes))],
        crs=UTM48,
    ).to_crs(4326)
    return lines, cands


def test_three_corridors_one_team_known_answer():
    # V = 30, 20, 10, zero-sum per corridor: attacker value V (1 - 2c). Equal at a with
    # sum c = 1: a = 60/11, c = (1 - a/V)/2; the defender gets -60/11.
    # Fixed best-flow plan: corridor 1 always -> attacker takes corridor 2: -20.
    # Uniform: c = 1/3 -> attacker takes corridor 1 (value 10): defender -10.
    lines, cands = _corridors([30, 20, 10])
    res = checkpoint_strategy(lines, 1, candidates=cands)
    a = 60 / 11
    want = [(1 - a / v) / 2 for v in (30, 20, 10)]
    assert res.probability == pytest.approx(want, abs=1e-6)
    u = res.defender_utility
    assert u["stackelberg"] == pytest.approx(-a, abs=1e-6)
    assert u["fixed"] == pytest.approx(-20) and u["uniform"] == pytest.approx(-10)
    assert res.attacker_response("fixed")["corridor"].tolist() == ["tuyến 2"]
    gdf = res.to_gdf()
    assert list(gdf["probability"]) == pytest.approx(want, abs=1e-4)
    assert gdf["reason"].str.contains("Chốt trên tuyến 1, chặn 30 vụ").iloc[0]
    assert gdf["reason"].str.contains(f"xác suất {want[0]:.2f}".replace(".", ",")).iloc[0]
    # ERASER gives the same game value here (no site covers two corridors)
    er = checkpoint_strategy(lines, 1, candidates=cands, method="eraser")
    assert er.defender_utility["stackelberg"] == pytest.approx(-a, abs=1e-6)


def test_sample_has_exactly_k_sites_and_matches_marginals():
    lines, cands = _corridors([30, 20, 10, 5])
    res = checkpoint_strategy(lines, 2, candidates=cands)
    week = res.sample(21, seed=7)
    assert len(week) == 21 and all(len(set(s)) == 2 for s in week["sites"])
    many = res.sample(20_000, seed=1)
    freq = np.zeros(len(res.sites))
    for s in many["sites"]:
        freq[np.array(s) - 1] += 1
    n_sets = len({tuple(s) for s in many["sites"]})
    # systematic sampling: each set within one of its expected count, so each site
    # within n_sets / 20000 of its probability
    assert freq / 20_000 == pytest.approx(res.probability, abs=n_sets / 20_000 + 1e-9)
    assert res.sample(21, seed=7)["sites"].tolist() == week["sites"].tolist()


def test_fixed_and_uniform_strategies_sample_as_they_say():
    lines, cands = _corridors([30, 20, 10])
    fixed = checkpoint_strategy(lines, 1, candidates=cands, strategy="fixed")
    assert fixed.probability == pytest.approx([1, 0, 0])
    assert set(map(tuple, fixed.sample(7)["sites"])) == {(1,)}
    assert "chốt cố định" in fixed.to_gdf()["reason"].iloc[0]
    uni = checkpoint_strategy(lines, 1, candidates=cands, strategy="uniform")
    assert uni.probability == pytest.approx([1 / 3] * 3)


def test_attacker_types_by_gate():
    # gate A has corridors 1 (30) and 2 (20), gate B corridor 3 (10): priors 50/60, 10/60
    lines, cands = _corridors([30, 20, 10], gate=["A", "A", "B"])
    res = checkpoint_strategy(lines, 1, candidates=cands, types="gate")
    assert res.types["prior"].tolist() == pytest.approx([5 / 6, 1 / 6])
    resp = res.attacker_response()
    assert resp["corridor"].iloc[0] in {"tuyến 1 → A", "tuyến 2 → A"}
    assert resp["corridor"].iloc[1] == "tuyến 3 → B"
    summary = res.summary()
    assert summary["defender_utility"]["stackelberg"] >= summary["defender_utility"]["fixed"]


def test_shared_site_is_one_target_and_bad_input_is_named():
    lines, cands = _corridors([30, 20])
    # one site within reach of both corridors (radius 6 km): one target covering both
    mid = [Point(X0 + 5_000, Y0 + 5_000)]
    both = gpd.GeoDataFrame({"kind": ["line_point"], "name": ["mid"]}, geometry=mid, crs=UTM48)
    both = both.to_crs(4326)
    res = checkpoint_strategy(lines, 1, candidates=both, radius_m=6_000)
    assert len(res.sites) == 1 and res.sites["covers"].iloc[0] == "tuyến 1; tuyến 2"
    assert res.probability == pytest.approx([1.0]) and res.defender_utility["stackelberg"] == 20
    with pytest.raises(InputError, match="strategy"):
        checkpoint_strategy(lines, 1, candidates=cands, strategy="random")
    with pytest.raises(InputError, match="teams"):
        checkpoint_strategy(lines, 0, candidates=cands)
    with pytest.raises(InputError, match="no column 'gate'; give one of: rank, cases"):
        checkpoint_strategy(lines, 1, candidates=cands, types="gate")
    with pytest.raises(InputError, match="radius_m"):
        checkpoint_strategy(lines, 1, candidates=both, radius_m=1)


def _zero_sum(seed: int, types: int, schedules: bool) -> SecurityGame:
    g = random_game(seed, n_sites=5, n_targets=4, types=types, schedules=schedules)
    return SecurityGame(g.cover, g.teams, -g.att_covered, -g.att_uncovered, g.att_covered,
                        g.att_uncovered, g.prior, g.allowed)  # fmt: skip


@pytest.mark.parametrize("seed", range(5))
def test_zero_sum_lp_equals_the_milps_and_brute_force(seed):
    game = _zero_sum(seed, types=1 + seed % 2, schedules=seed % 2 == 1)
    want = brute_force(game)
    lp, info = solve_sse(game, "dobss")  # zero-sum: the LP by default
    assert info["lp"] is True and lp.evaluation.utility == pytest.approx(want, abs=1e-5)
    milp_ = solve_sse(game, "dobss", lp=False)[0]
    assert milp_.evaluation.utility == pytest.approx(want, abs=1e-5)
    if seed % 2 == 0:  # no overlapping sites: the compact forms are exact too
        for lp_flag in (True, False):
            ev = solve_sse(game, "eraser", lp=lp_flag)[0].evaluation
            assert ev.utility == pytest.approx(want, abs=1e-5)
    with pytest.raises(InputError, match="zero-sum"):
        solve_sse(random_game(seed), lp=True)


def test_case_routes_are_grouped_by_the_sites_they_pass():
    lines, cands = _corridors([30, 20, 10])
    # 3 routes along corridor 1, 2 along corridor 2, 1 along corridor 3, 1 far from all
    ys = [0, 100, -100, 10_000, 10_100, 20_000, 90_000]
    flows = gpd.GeoDataFrame(
        {"cases": [1] * len(ys)},
        geometry=[LineString([(X0, Y0 + y), (X0 + 20_000, Y0 + y)]) for y in ys],
        crs=UTM48,
    ).to_crs(4326)
    res = checkpoint_strategy(lines, 1, candidates=cands, flows=flows)
    assert res.corridors["volume"].tolist() == [3.0, 2.0, 1.0]
    assert res.corridors["label"].iloc[0] == "nhóm hành trình 1 (3 vụ)"
    assert res.info["unreached_volume"] == 1.0
    # V = 3, 2, 1, one team: V (1 - 2c) = a on all, sum c = 1 -> a = 6/11,
    # c = (9, 8, 5) / 22, and the defender gets -6/11
    assert res.probability == pytest.approx([9 / 22, 8 / 22, 5 / 22], abs=1e-6)
    assert res.defender_utility["stackelberg"] == pytest.approx(-6 / 11, abs=1e-6)


def test_map_shades_sites_by_probability_with_a_vietnamese_legend():
    from hotspots.maps import add_checkpoints, base_map, map_html
    from hotspots.maps.layers import CHECKPOINT_BREAKS, CHECKPOINT_PALETTE

    lines, cands = _corridors([30, 20, 10])
    res = checkpoint_strategy(lines, 1, candidates=cands)
    m = add_checkpoints(base_map(None), res.to_gdf().drop(columns=["reason"]), name="Chốt")
    page = map_html(m)
    dec = json.JSONDecoder()
    start = re.search(r"= hsLayer\(", page).end()
    data, end = dec.raw_decode(page, start)
    spec, _ = dec.raw_decode(page, end + 2)
    assert spec["colorBy"] == "probability"
    assert spec["breaks"] == list(CHECKPOINT_BREAKS)
    assert spec["palette"] == list(CHECKPOINT_PALETTE)
    labels = {key.split("__")[0]: text for key, text in spec["fields"]}
    assert labels["probability"] == "Xác suất có chốt mỗi ca"
    probs = sorted(f["properties"]["probability"] for f in data["features"])
    assert probs == pytest.approx(sorted(res.probability), abs=1e-3)  # map rounds
    assert "0 (không bố trí)" in page and "0–25%" in page and "25–50%" in page


def test_schedule_labels_days_and_shifts():
    lines, cands = _corridors([30, 20, 10])
    res = checkpoint_strategy(lines, 2, candidates=cands)
    week = res.schedule("2026-12-07", days=7, shift_starts=("06:00", "18:00"), seed=4)
    assert len(week) == 14 and week["day"].tolist() == [d for d in range(1, 8) for _ in (0, 1)]
    assert str(week["date"].iloc[-1]) == "2026-12-13" and week["shift"].iloc[1] == "18:00"
    assert all(len(s) == 2 for s in week["sites"])
    assert week["sites"].tolist() == res.sample(14, seed=4)["sites"].tolist()


def _sparse_zero_sum(seed: int) -> SecurityGame:
    """8 sites covering 1-2 of 6 targets each (overlaps), 2 teams, 1-2 types, zero-sum."""
    rng = np.random.default_rng(seed)
    n_s, n_j, n_t = 8, 6, 1 + seed % 2
    cover = rng.random((n_s, n_j)) < 0.2
    cover[np.arange(n_s), rng.integers(0, n_j, n_s)] = True
    ra, pa = rng.uniform(1, 10, (n_t, n_j)), -rng.uniform(1, 10, (n_t, n_j))
    allowed = rng.random((n_t, n_j)) < 0.8
    allowed[:, 0] = True
    return SecurityGame(cover, 2, -pa, -ra, pa, ra, rng.uniform(0.2, 1, n_t), allowed)


@pytest.mark.parametrize("seed", [3, 5, 8, 9, 15, 16])
def test_column_generation_is_exact_where_the_compact_form_is_not(seed):
    # these seeds have sites sharing targets, where comb sampling of the compact
    # ERASER-C solution realises less than it planned
    game = _sparse_zero_sum(seed)
    exact = solve_sse(game, "dobss")[0].evaluation.utility
    assert exact == pytest.approx(brute_force(game), abs=1e-5)
    cg, info = solve_sse(game, max_pure=1)  # too many sets to list: column generation
    assert info["method"] == "colgen" and info["gap"] == pytest.approx(0.0, abs=1e-9)
    assert cg.evaluation.utility == pytest.approx(exact, abs=1e-6)
    assert all(len(s) == 2 for s in cg.draw(50, np.random.default_rng(0)))
    compact = solve_sse(game, "eraser")[0].evaluation.utility
    assert compact < exact - 0.1  # the relaxation, realised, loses here
    with pytest.raises(InputError, match="zero-sum"):
        solve_sse(random_game(seed), "colgen")


def test_reasons_name_the_site_that_makes_another_useless():
    lines, cands = _corridors([30, 20])
    at = [Point(X0 + 5_000, Y0 + 5_000)]
    mid = gpd.GeoDataFrame({"kind": ["line_point"], "name": ["mid"]}, geometry=at, crs=UTM48)
    both = pd.concat([mid.to_crs(4326), cands.iloc[[0]]], ignore_index=True)
    res = checkpoint_strategy(lines, 1, candidates=both, radius_m=6_000)
    gdf = res.to_gdf()
    assert gdf["covers"].tolist() == ["tuyến 1; tuyến 2", "tuyến 1"]
    assert gdf["probability"].tolist() == pytest.approx([1.0, 0.0])
    assert "một tổ ở đây chặn cả 2 tuyến" in gdf["reason"].iloc[0]
    assert "không bố trí: chốt 1 chặn được cùng tuyến" in gdf["reason"].iloc[1]
