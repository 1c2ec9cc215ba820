"""Predictive risk maps: known kernels by hand, near-repeat data, no false gains, SEPP fit."""

from __future__ import annotations

import esda
import libpysal
import numpy as np
import pytest

from hotspots.areas.grid import Grid
from hotspots.areas.predict import (
    METHODS,
    Events,
    auto_candidates,
    fit_sepp,
    predict,
    register_method,
)
from hotspots.errors import ConfigError
from hotspots.evaluate import backtest

CRS = "EPSG:32648"
T0 = 17_000.0  # days since 1970 (2016-07-17)


def hawkes(seed=0, days=600, size=20_000.0, mu=12.0, theta=0.7, delay=5.0, sigma=150.0):
    """Background uniform in a square plus near-repeats: each event triggers Poisson(theta)
    children ``N(0, sigma)`` metres away after ``Exp(delay)`` days (a Hawkes process)."""
    rng = np.random.default_rng(seed)
    n0 = rng.poisson(mu * days)
    gen = (rng.uniform(0, size, n0), rng.uniform(0, size, n0), rng.uniform(0, days, n0))
    xs, ys, ts = [gen[0]], [gen[1]], [gen[2]]
    while gen[0].size:
        k = rng.poisson(theta, gen[0].size)
        px, py, pt = (np.repeat(a, k) for a in gen)
        cx = px + rng.normal(0, sigma, px.size)
        cy = py + rng.normal(0, sigma, px.size)
        ct = pt + rng.exponential(delay, px.size)
        ok = (ct < days) & (cx >= 0) & (cx < size) & (cy >= 0) & (cy < size)
        gen = (cx[ok], cy[ok], ct[ok])
        xs.append(gen[0])
        ys.append(gen[1])
        ts.append(gen[2])
    return Events(np.concatenate(xs), np.concatenate(ys), np.concatenate(ts) + T0)


def stationary(seed=0, days=500, size=20_000.0, rate=25.0):
    """No near-repeats: a fixed inhomogeneous Poisson process (a few steady hot spots on a
    uniform background), independent in time."""
    rng = np.random.default_rng(seed)
    n = rng.poisson(rate * days)
    centres = rng.uniform(2000, size - 2000, (6, 2))
    hot = rng.random(n) < 0.4
    which = rng.integers(0, 6, n)
    x = np.where(hot, centres[which, 0] + rng.normal(0, 600, n), rng.uniform(0, size, n))
    y = np.where(hot, centres[which, 1] + rng.normal(0, 600, n), rng.uniform(0, size, n))
    return Events(x, y, rng.uniform(0, days, n) + T0)


GRID = Grid(0.0, 0.0, 200.0, 100, 100, CRS)


@pytest.fixture(scope="module")
def hawkes_run():
    ev = hawkes()
    return backtest(ev, ["prospective", "sepp"], grid=GRID, train="365D", test="30D", max_windows=4)


def _mean_hit(res, method, cov=5.0):
    t = res.table
    return t[(t.method == method) & (t.coverage_pct == cov)]["hit_rate"].mean()


# ---------------------------------------------------------------------------- kernels
def test_prospective_kernel_by_hand():
    g = Grid(0.0, 0.0, 100.0, 9, 9, CRS)
    ev = Events([450.0], [450.0], [T0])  # centre of cell (4, 4)
    r = predict(
        "prospective",
        ev,
        g,
        t_end=T0 + 7,
        horizon=7,
        params={"space_bandwidth": 200.0, "time_bandwidth": 30.0},
    ).risk
    w = 1 / (1 + 1)  # one week old
    assert r[4, 4] == pytest.approx(w)
    assert r[4, 5] == pytest.approx(w / 2)  # 1 cell away
    assert r[5, 5] == pytest.approx(w / (1 + np.sqrt(2)))
    assert r[4, 6] == pytest.approx(w / 3)  # 2 cells: on the bandwidth
    assert r[5, 6] == 0.0  # sqrt(5) cells > 2
    assert r.sum() == pytest.approx(w * (1 + 4 / 2 + 4 / (1 + np.sqrt(2)) + 4 / 3))
    old = predict(
        "prospective",
        ev,
        g,
        t_end=T0 + 31,
        horizon=7,
        params={"space_bandwidth": 200.0, "time_bandwidth": 30.0},
    ).risk
    assert old.sum() == 0.0  # older than the time bandwidth


def test_decay_half_life_and_naive_last_by_hand():
    g = Grid(0.0, 0.0, 100.0, 3, 1, CRS)
    ev = Events([50.0, 150.0, 250.0], [50.0] * 3, [T0, T0 + 40, T0 + 55])
    r = predict("decay", ev, g, t_end=T0 + 60, horizon=10, params={"half_life": 20.0}).risk
    np.testing.assert_allclose(r[0], [0.5**3, 0.5**1, 0.5**0.25])
    last = predict("naive_last", ev, g, t_end=T0 + 60, horizon=10).risk
    np.testing.assert_allclose(last[0], [0, 0, 1])
    allc = predict("naive", ev, g, t_end=T0 + 60, horizon=10).risk
    np.testing.assert_allclose(allc[0], [1, 1, 1])


def test_predict_ignores_events_at_or_after_t_end():
    g = Grid(0.0, 0.0, 100.0, 2, 1, CRS)
    ev = Events([50.0, 150.0], [50.0, 50.0], [T0, T0 + 10])
    r = predict("naive", ev, g, t_end=T0 + 10, horizon=5).risk
    np.testing.assert_allclose(r[0], [1, 0])


def test_gistar_matches_esda():
    rng = np.random.default_rng(1)
    g = Grid(0.0, 0.0, 100.0, 7, 5, CRS)
    n = 300
    ev = Events(rng.gamma(2, 150, n) % 700, rng.uniform(0, 500, n), np.full(n, T0))
    r = predict("gistar", ev, g, t_end=T0 + 1, horizon=1).risk
    y = g.counts(ev.x, ev.y).reshape(-1)
    w = libpysal.weights.lat2W(g.ny, g.nx, rook=False)
    ref = esda.G_Local(y, w, transform="B", star=True, permutations=0).Zs
    np.testing.assert_allclose(r.reshape(-1), ref, atol=1e-9)


def test_unknown_method_or_parameter_is_a_config_error():
    ev = Events([1.0], [1.0], [T0])
    with pytest.raises(ConfigError, match="unknown method"):
        predict("nope", ev, GRID, t_end=T0 + 1, horizon=1)
    with pytest.raises(ConfigError, match="half_lif"):
        predict("decay", ev, GRID, t_end=T0 + 1, horizon=1, params={"half_lif": 3})


def test_registry_accepts_new_methods():
    @register_method("_everywhere")
    def _everywhere(events, grid, *, t_start, t_end, horizon):
        return np.ones(grid.shape)

    try:
        r = predict("_everywhere", Events([], [], []), GRID, t_end=T0, horizon=1)
        assert r.risk.sum() == GRID.size
    finally:
        METHODS.pop("_everywhere")


# ---------------------------------------------------------------------------- SEPP
def test_sepp_recovers_planted_near_repeat_parameters():
    ev = hawkes(seed=2, days=400)
    fit = fit_sepp(ev, GRID, T0, T0 + 400)
    # planted: theta 0.7 (fewer children seen at the edges), delay 5 days, sigma 150 m
    assert 0.55 < fit.theta < 0.8
    assert 3.5 < 1 / fit.omega < 6.5
    assert 120 < fit.sigma < 180
    assert fit.background_fraction == pytest.approx(1 - fit.theta, abs=1e-9)


def test_sepp_finds_no_triggering_without_near_repeats():
    ev = stationary(seed=4, days=300)
    fit = fit_sepp(ev, GRID, T0, T0 + 300)
    assert fit.background_fraction > 0.9
    assert fit.summary()["triggered_fraction"] < 0.1


# ---------------------------------------------------------------------------- backtests
def test_prospective_and_sepp_beat_naive_on_near_repeat_data(hawkes_run):
    naive = _mean_hit(hawkes_run, "naive")
    for m in ("prospective", "sepp"):
        assert _mean_hit(hawkes_run, m) > 1.5 * naive, m
        c = hawkes_run.compare(5.0).set_index("method")
        assert c.loc[m, "wins"] == 4


def test_sepp_reports_its_background_trigger_split(hawkes_run):
    infos = [v for (m, _), v in hawkes_run.info.items() if m == "sepp"]
    assert len(infos) == 4
    for inf in infos:
        assert inf["background_fraction"] + inf["triggered_fraction"] == pytest.approx(1.0)
        assert 0.2 < inf["background_fraction"] < 0.6  # planted: 0.3


@pytest.mark.slow
def test_auto_claims_no_gain_that_is_not_there():
    ev = stationary(seed=5)
    res = backtest(ev, ["auto"], grid=GRID, train="365D", test="30D", max_windows=4)
    t = res.table[res.table.coverage_pct == 5.0]
    piv = t.pivot_table(index="window", columns="method", values="hit_rate")
    diff = piv["auto"] - piv["naive"]
    se = diff.std(ddof=1) / np.sqrt(len(diff))
    # its chosen map is no worse than naive beyond noise
    assert diff.mean() > -2 * se - 0.01
    ch = res.choices()
    assert len(ch) == 4
    # no near-repeats: it never picks a map built on the last weeks only
    assert not set(ch["chosen_method"]) & {"prospective", "naive_last"}
    # the gain it claims in-sample is the gain it delivers out of sample, within noise
    claimed = (ch["inner_score"] - ch["inner_naive_score"]).mean()
    assert claimed < diff.mean() + 2 * se + 0.02
    # and it chose from a table of every candidate, the chosen one being the table's best
    inf = res.info[("auto", 0)]
    assert len(inf["table"]) == len(auto_candidates(GRID.cell))
    assert inf["inner_score"] == inf["table"]["score"].max()


@pytest.mark.slow
def test_auto_beats_naive_on_near_repeat_data_and_is_deterministic():
    ev = hawkes(seed=1, days=500)
    kw = dict(grid=GRID, train="365D", test="30D", max_windows=2, keep_maps=True)
    a = backtest(ev, ["auto"], **kw)
    b = backtest(ev, ["auto"], **kw)
    assert _mean_hit(a, "auto") > 1.3 * _mean_hit(a, "naive")
    for k in a.maps:
        np.testing.assert_array_equal(a.maps[k], b.maps[k])
    assert a.choices().equals(b.choices())
    short_term = {"prospective", "sepp", "decay", "naive_last", "blend", "learned"}
    assert set(a.choices()["chosen_method"]) <= short_term


@pytest.mark.parametrize("dated", [False, True])
def test_trigger_pairs_match_brute_force(dated):
    from hotspots.areas.predict import _trigger_pairs

    rng = np.random.default_rng(7)
    n = 400
    t = rng.uniform(0, 100, n)
    if dated:  # dates only: many tied times
        t = np.floor(t / 7) * 7
    ev = Events(rng.uniform(0, 1000, n), rng.uniform(0, 1000, n), t)
    p, c = _trigger_pairs(ev, 150.0, 20.0)
    dt = t[None, :] - t[:, None]
    d2 = (ev.x[None, :] - ev.x[:, None]) ** 2 + (ev.y[None, :] - ev.y[:, None]) ** 2
    want = set(zip(*np.nonzero((dt > 0) & (dt <= 20.0) & (d2 <= 150.0**2)), strict=True))
    got = set(zip(p.tolist(), c.tolist(), strict=True))
    assert got == want and len(p) == len(want) > 50


def test_risk_map_to_gdf_ranks_cells(tmp_path):
    g = Grid(0.0, 0.0, 100.0, 3, 1, CRS)
    ev = Events([50.0, 250.0, 250.0], [50.0] * 3, [T0] * 3)
    rm = predict("naive", ev, g, t_end=T0 + 1, horizon=1)
    gdf = rm.to_gdf()
    assert gdf.crs.to_epsg() == 4326
    assert list(gdf["cell"]) == [2, 0, 1] and list(gdf["rank"]) == [1, 2, 3]
    assert list(rm.to_gdf(top_pct=34)["cell"]) == [2, 0]
    out = rm.to_file(tmp_path / "risk.gpkg", top_pct=50)
    assert out.exists()


def test_sepp_probabilities_sum_to_one_on_case_data():
    """Every event is background or triggered: the two shares add up to one."""
    from hotspots.synthetic import generate

    cases = generate(seed=0).cases
    g = Grid.for_points(cases, cell=2000)
    m = cases.to_crs(g.crs)
    ev = Events(m.geometry.x, m.geometry.y, Events.to_days(cases["occurred_at"]))
    fit = fit_sepp(ev, g, float(ev.t.min()), float(ev.t.max()) + 1)
    assert fit.theta + fit.background_fraction == pytest.approx(1.0, abs=1e-9)
    assert 0 < fit.background_fraction < 1


def test_lisa_puts_high_high_cells_first():
    g = Grid(0.0, 0.0, 100.0, 6, 6, CRS)
    # a 2x2 block of high counts (rows 1-2, cols 1-2) and one isolated high cell (5, 5)
    xs, ys = [], []
    for r, c, k in [(1, 1, 9), (1, 2, 9), (2, 1, 9), (2, 2, 9), (5, 5, 12), (4, 0, 1)]:
        xs += [c * 100 + 50.0] * k
        ys += [r * 100 + 50.0] * k
    ev = Events(xs, ys, [T0] * len(xs))
    r = predict("lisa", ev, g, t_end=T0 + 1, horizon=1).risk
    top4 = set(np.argsort(-r.reshape(-1), kind="stable")[:4].tolist())
    assert top4 == {1 * 6 + 1, 1 * 6 + 2, 2 * 6 + 1, 2 * 6 + 2}
    assert r[5, 5] == 12  # high-low: after the high-high block, by its count


def test_kde_defaults_hold_up_against_naive_on_the_demo_data():
    """The default bandwidth (Silverman capped at one cell) on clustered case data: no worse
    than 0.8 x naive at 5 % coverage, and clearly better than Silverman's value alone."""
    from hotspots import synthetic
    from hotspots.areas.density import default_bandwidth
    from hotspots.data.ingest import resolve_area

    demo = synthetic.generate(province="Lào Cai", years=5, seed=0)
    area = resolve_area(province="Lào Cai")
    kw = dict(area=area, train="365D", test="90D", max_windows=4)
    res = backtest(demo.cases, ["kde"], **kw)
    ratio = res.compare(5.0).set_index("method").loc["kde", "ratio_to_baseline"]
    assert ratio >= 0.8, ratio
    # the uncapped rule, for contrast
    pts = demo.cases.to_crs(res.grid.crs)
    h = default_bandwidth(pts.geometry.x, pts.geometry.y)
    assert h > 5 * res.grid.cell
    wide = backtest(demo.cases, ["kde"], params={"kde": {"bandwidth": h}}, **kw)
    wide_ratio = wide.compare(5.0).set_index("method").loc["kde", "ratio_to_baseline"]
    assert ratio > 1.2 * wide_ratio, (ratio, wide_ratio)


# ---------------------------------------------------------------------------- hdbscan, blend
def _two_clusters(seed=0):
    """A uniform background and two planted clusters: a tight one (80 events, sd 30 m) and
    a loose one (60 events, sd 60 m)."""
    rng = np.random.default_rng(seed)
    n = 300
    x = np.r_[rng.uniform(0, 2000, n), rng.normal(1550, 30, 80), rng.normal(450, 60, 60)]
    y = np.r_[rng.uniform(0, 2000, n), rng.normal(1550, 30, 80), rng.normal(450, 60, 60)]
    return Events(x, y, rng.uniform(0, 100, x.size) + T0)


def test_hdbscan_puts_the_densest_cluster_first():
    g = Grid(0.0, 0.0, 100.0, 20, 20, CRS)
    ev = _two_clusters()
    r = predict("hdbscan", ev, g, t_end=T0 + 100, horizon=30).risk
    order = np.argsort(-r.ravel(), kind="stable")
    rows, cols = np.unravel_index(order[:4], r.shape)
    # the four riskiest cells are those around the tight cluster at (1550, 1550)
    assert set(rows) <= {14, 15, 16} and set(cols) <= {14, 15, 16}
    # the loose cluster's cells come before every background cell
    loose = r[3:6, 3:6].max()
    background = np.ones_like(r, dtype=bool)
    background[2:7, 2:7] = False
    background[13:18, 13:18] = False
    assert loose > r[background].max()
    # too few events for a cluster: the plain counts
    few = ev.take(np.arange(3))
    np.testing.assert_array_equal(
        predict("hdbscan", few, g, t_end=T0 + 100, horizon=30).risk,
        predict("naive", few, g, t_end=T0 + 100, horizon=30).risk,
    )


def test_hdbscan_runs_in_the_backtest():
    res = backtest(
        _two_clusters(), ["hdbscan", "lisa", "gistar"], grid=GRID, train="60D", test="20D"
    )
    assert {"hdbscan", "lisa", "gistar"} <= set(res.table.method)


def test_blend_is_a_convex_mix_of_shares():
    g = Grid(0.0, 0.0, 100.0, 2, 1, CRS)  # two cells
    # cell 0: 3 old events; cell 1: 1 event in the last 10 days
    ev = Events([50, 50, 50, 150], [50, 50, 50, 50], T0 + np.array([0.0, 1.0, 2.0, 95.0]))
    kw = dict(t_end=T0 + 100, horizon=10)
    for w in (0.0, 0.3, 1.0):
        r = predict("blend", ev, g, params={"weight": w, "short": "naive_last"}, **kw).risk
        np.testing.assert_allclose(r.ravel(), [(1 - w) * 0.75, (1 - w) * 0.25 + w * 1.0])
    with pytest.raises(ConfigError, match="weight"):
        predict("blend", ev, g, params={"weight": 1.5}, **kw)
    with pytest.raises(ConfigError, match="short"):
        predict("blend", ev, g, params={"short": "kde"}, **kw)


# ---------------------------------------------------------------------------- auto, per level
def test_curve_score_by_hand():
    from hotspots.areas.predict import _curve_scores

    risk = np.zeros(100)
    risk[7] = 1.0
    counts = np.zeros(100)
    counts[7] = 4.0
    hr, auc = _curve_scores(risk, counts, [0.5, 1.0, 20.0], None)
    np.testing.assert_allclose(hr, [0.5, 1.0, 1.0])
    # hit rate 0 -> 0.5 over 0-0.5 %, 0.5 -> 1 over 0.5-1 %, then 1: (0.125 + 0.375 + 19) / 20
    assert auc == pytest.approx(19.5 / 20)


def test_auto_scores_each_coverage_with_its_own_choice():
    """Stable hot cells plus flare-ups: whatever auto chose for a level, its score there is
    that candidate's score, and it says what it chose per window and level."""
    ev = stationary(seed=2, days=460)
    rng = np.random.default_rng(3)
    xs, ys, ts = [ev.x], [ev.y], [ev.t]
    for start in range(280, 460, 30):  # a new flare-up every 30 days, each lasting 60
        cx, cy = rng.uniform(2000, 18_000, 2)
        xs.append(rng.normal(cx, 200, 300))
        ys.append(rng.normal(cy, 200, 300))
        ts.append(T0 + start + rng.uniform(0, 60, 300))
    ev = Events(np.concatenate(xs), np.concatenate(ys), np.concatenate(ts))
    ev = ev.take(ev.t < T0 + 460)
    cands = [("naive", {}), ("naive_last", {}), ("decay", {"half_life": 30.0})]
    res = backtest(
        ev,
        ["auto", "decay"],
        grid=GRID,
        train="365D",
        test="30D",
        max_windows=2,
        params={"auto": {"candidates": cands}, "decay": {"half_life": 30.0}},
    )
    per = res.choices_by_coverage()
    assert len(per) == 2 * 5 and set(per["coverage_pct"]) == {1, 2, 5, 10, 20}
    t = res.table.set_index(["method", "window", "coverage_pct"])
    for r in per.itertuples():
        own = t.loc[("auto", r.window, r.coverage_pct), "hit_rate"]
        assert own == pytest.approx(t.loc[(r.chosen_method, r.window, r.coverage_pct), "hit_rate"])
    inf = res.info[("auto", 1)]
    assert {"score_auc", "score_1", "score_20"} <= set(inf["table"].columns)
    assert inf["criterion"] == "auc_20"
    assert inf["inner_score"] == inf["table"]["score_auc"].max()
    # the flare-ups fill the top 1 %: short-term maps win there; over 20 % the stable hot
    # spots matter more and the long-term count wins; auto gets the best of both
    at = per.set_index("coverage_pct")
    assert set(at.loc[1.0, "chosen_method"]) <= {"naive_last", "decay"}
    assert set(at.loc[20.0, "chosen_method"]) == {"naive"}
    mean = res.summary().set_index(["method", "coverage_pct"])["hit_rate"]
    assert mean[("auto", 1.0)] > 1.2 * mean[("naive", 1.0)]
    assert mean[("auto", 20.0)] > 1.2 * mean[("naive_last", 20.0)]
