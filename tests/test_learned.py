"""The learned method: features by hand, no leakage, a gain on near-repeat data, readable
importances."""

from __future__ import annotations

import numpy as np
import pytest

from hotspots.areas.grid import Grid
from hotspots.areas.learned import FEATURE_GROUPS, cell_features, fit_learned, importance_text
from hotspots.areas.predict import Events, predict
from hotspots.errors import InputError
from hotspots.evaluate import backtest

CRS = "EPSG:32648"
T0 = 17_000.0


def test_features_by_hand():
    g = Grid(0.0, 0.0, 100.0, 5, 5, CRS)  # cell (row, col) = (y // 100, x // 100)
    # cell (2, 2): events 1, 10 and 100 days before the origin; cell (0, 0): 400 days before
    ev = Events([250, 250, 250, 50], [250, 250, 250, 50], T0 + np.array([499, 490, 400, 100]))
    names, X = cell_features(ev, g, origin=T0 + 500, t_start=T0, horizon=10)
    f = dict(zip(names, X.T, strict=True))
    c, corner = 2 * 5 + 2, 0
    assert f["rate_7"][c] == pytest.approx(1 / 7)
    assert f["rate_30"][c] == pytest.approx(2 / 30)
    assert f["rate_365"][c] == pytest.approx(3 / 365)
    assert f["rate_all"][c] == pytest.approx(3 / 500)
    assert f["rate_all"][corner] == pytest.approx(1 / 500) and f["rate_365"][corner] == 0
    # ring 1: the 3 x 3 block's mean, so a neighbour of (2, 2) sees a ninth of its rate
    assert f["ring1_all"][2 * 5 + 3] == pytest.approx(3 / 500 / 9)
    assert f["ring1_all"][4 * 5 + 4] == 0.0
    assert f["decay_30"][c] == pytest.approx(0.5 ** (1 / 30) + 0.5 ** (10 / 30) + 0.5 ** (100 / 30))
    assert f["since_cell"][c] == pytest.approx(1.0)
    assert f["since_cell"][corner] == pytest.approx(400.0)
    assert f["since_ring1"][2 * 5 + 3] == pytest.approx(1.0)
    assert f["since_ring1"][4 * 5 + 4] == f["since_cell"][4 * 5 + 4] == 1000.0  # none: the cap
    # same 10 days one year earlier (365 .. 355 days before): the corner's event is not in it
    assert f["last_year"][corner] == 0.0
    # a short history has no "last year": missing, not zero
    _, X2 = cell_features(ev, g, origin=T0 + 500, t_start=T0 + 300, horizon=10)
    assert np.isnan(X2[:, names.index("last_year")]).all()
    # events at or after the origin change nothing
    later = Events([50, 450], [50, 450], [T0 + 500, T0 + 600])
    both = Events(np.r_[ev.x, later.x], np.r_[ev.y, later.y], np.r_[ev.t, later.t])
    np.testing.assert_array_equal(cell_features(both, g, T0 + 500, T0, 10)[1], X)


def hot_then_moving(seed=0, days=540, n_cells=40, cell=200.0):
    """Near-repeat data: short-lived flare-ups (30 events over 20 days) at random places
    on a light uniform background, so last month's flare-ups, not last year's count, say
    where the next events are."""
    rng = np.random.default_rng(seed)
    size = n_cells * cell
    n_bg = 4 * days
    xs, ys, ts = (
        [rng.uniform(0, size, n_bg)],
        [rng.uniform(0, size, n_bg)],
        [rng.uniform(0, days, n_bg)],
    )
    for start in rng.uniform(0, days, days // 6):
        cx, cy = rng.uniform(0, size, 2)
        xs.append(cx + rng.normal(0, 150, 30))
        ys.append(cy + rng.normal(0, 150, 30))
        ts.append(start + rng.uniform(0, 20, 30))
    x, y, t = (np.concatenate(a) for a in (xs, ys, ts))
    ok = (x >= 0) & (x < size) & (y >= 0) & (y < size) & (t < days)
    return Events(x[ok], y[ok], T0 + t[ok]), Grid(0.0, 0.0, cell, n_cells, n_cells, CRS)


@pytest.mark.slow
def test_learned_beats_naive_on_near_repeat_data():
    ev, g = hot_then_moving()
    res = backtest(ev, ["learned"], grid=g, train="365D", test="30D", max_windows=3)
    t = res.table[res.table.coverage_pct == 5.0]
    mean = t.groupby("method")["hit_rate"].mean()
    assert mean["learned"] > 1.3 * mean["naive"]
    assert mean["learned"] > mean["naive_last"]
    inf = res.info[("learned", 0)]
    assert inf["origins"] == 11  # 365-day window, 30-day steps, at least 30 days of history
    imp = inf["importance"]
    assert set(imp["group"]) == set(FEATURE_GROUPS)
    assert imp["share"].sum() == pytest.approx(100.0)
    # the flare-ups are what matters: recent or nearby counts lead, not the season
    assert imp["group"].iloc[0] in {"nearby", "since_last", "decay", "cell_recent"}
    text = inf["importance_text"]
    assert text["en"].startswith("What the map relies on most: ")
    assert text["vi"].startswith("Bản đồ dựa nhiều nhất vào: ")


def test_static_layer_drives_a_map_where_it_matters():
    """Events fall only near a 'road' (column 0..3 of the grid), anywhere along it: the road
    distance layer explains them, and the model reports it with its readable label."""
    rng = np.random.default_rng(1)
    g = Grid(0.0, 0.0, 200.0, 30, 30, CRS)
    n = 2500
    x = rng.uniform(0, 800, n)
    y = rng.uniform(0, 6000, n)
    ev = Events(x, y, T0 + rng.uniform(0, 400, n))
    road = np.broadcast_to(np.abs(np.arange(30) * 200.0 + 100.0 - 400.0), (30, 30)).copy()
    rm = predict(
        "learned", ev, g, t_end=T0 + 400, horizon=30, t_start=T0, params={"static": {"road": road}}
    )
    near = rm.risk[:, :4].mean()
    far = rm.risk[:, 10:].mean()
    assert near > 10 * far
    assert "road" in " ".join(rm.info["importance"]["group"])
    assert "khoảng cách đến đường giao thông" in set(rm.info["importance"]["label_vi"])


def test_too_short_a_window_and_no_events():
    g = Grid(0.0, 0.0, 100.0, 3, 3, CRS)
    ev = Events([50.0], [50.0], [T0 + 5])
    with pytest.raises(InputError, match="too short"):
        fit_learned(ev, g, T0, T0 + 20, 30.0)
    empty = Events([], [], [])
    rm = predict("learned", empty, g, t_end=T0 + 400, horizon=30, t_start=T0)
    assert (rm.risk == 0).all()
    assert importance_text(None)["vi"].startswith("Chưa học được")


def test_origins_step_back_by_the_stride_and_end_at_the_cut_off():
    rng = np.random.default_rng(3)
    g = Grid(0.0, 0.0, 100.0, 10, 10, CRS)
    ev = Events(rng.uniform(0, 1000, 500), rng.uniform(0, 1000, 500), T0 + rng.uniform(0, 200, 500))
    fit = fit_learned(ev, g, T0, T0 + 200, 30.0, importance=False)
    assert fit.origins == [T0 + 170, T0 + 140, T0 + 110, T0 + 80, T0 + 50]
    fit = fit_learned(ev, g, T0, T0 + 200, 30.0, importance=False, stride=10.0, max_origins=4)
    assert fit.origins == [T0 + 170, T0 + 160, T0 + 150, T0 + 140]
