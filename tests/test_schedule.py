"""Patrol routes for one shift and the weekly schedule."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from hotspots.errors import HotspotsWarning, InputError
from hotspots.plan.bases import units_at
from hotspots.plan.patrols import plan_patrols
from hotspots.plan.schedule import visit_counts, weekly_schedule
from hotspots.plan.travel import straight_line

UTM48 = "EPSG:32648"
X0, Y0 = 400_000.0, 2_450_000.0


def _areas(xy, score=None, size=400.0):
    geoms = [box(X0 + x, Y0 + y, X0 + x + size, Y0 + y + size) for x, y in xy]
    cols = {"rank": range(1, len(xy) + 1)}
    if score is not None:
        cols["score"] = score
    return gpd.GeoDataFrame(cols, geometry=geoms, crs=UTM48).to_crs(4326)


def _units(xy, shift_hours=None):
    bases = gpd.GeoDataFrame(
        {"base": [f"Đồn {i}" for i in range(len(xy))]},
        geometry=[Point(X0 + x, Y0 + y) for x, y in xy],
        crs=UTM48,
    ).to_crs(4326)
    return units_at(bases, 1, shift_hours=shift_hours)


def test_one_shift_hand_computed_times():
    areas = gpd.GeoDataFrame(
        {"rank": [1], "name": ["Bản A"]}, geometry=[Point(X0 + 4000, Y0)], crs=UTM48
    ).to_crs(4326)
    plan = plan_patrols(
        areas, _units([(0, 0)]), straight_line(40.0, 1.3), shift_start="07:00",
        dwell_min=12, date="2026-11-30", time_limit=1,
    )  # fmt: skip
    s = plan.stops.iloc[0]
    travel_s = 4000 * 1.3 / (40 / 3.6)  # 468 s
    assert s["area_name"] == "Bản A" and s["order"] == 1
    assert s["arrival"] == pd.Timestamp("2026-11-30 07:07:48", tz="Asia/Ho_Chi_Minh")
    assert s["departure"] == pd.Timestamp("2026-11-30 07:19:48", tz="Asia/Ho_Chi_Minh")
    r = plan.routes.iloc[0]
    assert r["distance_km"] == pytest.approx(2 * 5.2, abs=1e-4)  # base kept to 1e-7 deg
    assert r["duration_min"] == pytest.approx((2 * travel_s + 720) / 60, abs=1e-3)
    assert plan.meta["travel"]["model"] == "straight-line"
    assert "case_id" not in plan.stops and "case_id" not in plan.routes


def _check_feasible(plan):
    for _, r in plan.routes.iterrows():
        assert r["duration_min"] <= r["shift_min"] + 1e-9
        assert r["end"] <= r["start"] + pd.Timedelta(minutes=r["shift_min"]) + pd.Timedelta(
            seconds=1
        )
        s = plan.stops[
            (plan.stops["unit"] == r["unit"])
            & (plan.stops["day"] == r["day"])
            & (plan.stops["shift"] == r["shift"])
        ].sort_values("order")
        assert len(s) == r["n_stops"]
        if len(s):
            assert s["arrival"].iloc[0] >= r["start"]
            assert (s["arrival"].diff().dropna() > pd.Timedelta(0)).all()
            assert (s["departure"] <= r["end"]).all()


def test_week_meets_minimum_frequencies_and_routes_are_feasible():
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 30_000, (12, 2))
    areas = _areas(xy, score=rng.uniform(1, 10, 12))
    units = _units([(0, 0), (30_000, 30_000)])
    plan = weekly_schedule(
        areas, units, straight_line(), days=5, min_visits=3, seed=1, time_limit=4,
        start_date="2026-11-30",
    )  # fmt: skip
    v = plan.visits()
    assert len(v) == 12 and (v >= 3).all()
    assert plan.meta["min_visits_met"] and plan.meta["shortfall"] == []
    assert plan.meta["feasible"]
    _check_feasible(plan)
    # at most one visit of an area per day; each unit one shift per day
    assert not plan.stops.duplicated(["area", "day"]).any()
    assert not plan.routes.duplicated(["unit", "day"]).any()
    assert set(plan.routes["shift"]) <= {"06:00", "14:00", "22:00"}
    assert plan.routes["date"].nunique() == 5


def test_same_seed_same_week_other_seed_other_pattern():
    rng = np.random.default_rng(2)
    areas = _areas(rng.uniform(0, 20_000, (8, 2)), score=rng.uniform(1, 5, 8))
    units = _units([(0, 0), (20_000, 0)])
    kw = dict(days=4, time_limit=2, start_date="2026-11-30")

    def key(p):
        s = p.stops
        return sorted(zip(s["day"], s["shift"], s["unit"], s["area"], strict=True))

    a = weekly_schedule(areas, units, seed=5, **kw)
    b = weekly_schedule(areas, units, seed=5, **kw)
    c = weekly_schedule(areas, units, seed=6, **kw)
    assert key(a) == key(b)
    assert key(a) != key(c)


def test_visit_counts_minimum_cap_and_proportional():
    rng = np.random.default_rng(0)
    c = visit_counts(np.array([0.0, 1.0, 3.0]), np.array([1, 0, 0]), 5, 7, rng)
    assert c[0] == 1 and c.sum() == 5
    # capacity below the minimums: minimums only
    c = visit_counts(np.ones(3), np.array([2, 2, 2]), 1, 7, rng)
    assert list(c) == [2, 2, 2]
    # at most one visit a day, surplus goes to the others
    c = visit_counts(np.array([100.0, 1.0]), np.array([0, 0]), 9, 7, rng)
    assert list(c) == [7, 2]
    # proportional on average
    tot = sum(visit_counts(np.array([1.0, 3.0]), np.zeros(2, int), 4, 30, rng) for _ in range(5000))
    assert tot[1] / tot.sum() == pytest.approx(0.75, abs=0.013)  # 4 sigma


def test_shortfall_is_reported_and_warned():
    areas = _areas([(0, 0), (300_000, 0)], score=[1.0, 1.0])
    units = _units([(0, 0)], shift_hours=1.0)
    with pytest.warns(HotspotsWarning, match="fewer visits"):
        plan = weekly_schedule(areas, units, days=2, min_visits=1, time_limit=1)
    assert not plan.meta["min_visits_met"]
    assert [s["area"] for s in plan.meta["shortfall"]] == ["2"]


def test_bad_parameters():
    areas = _areas([(0, 0)])
    units = _units([(0, 0)])
    with pytest.raises(InputError):
        weekly_schedule(areas, units, days=0)
    with pytest.raises(InputError):
        weekly_schedule(areas, units, days=2, min_visits=3)
    with pytest.raises(InputError):
        weekly_schedule(areas, units, shift_starts=("25:00",))
    with pytest.raises(InputError):
        plan_patrols(areas, units, dwell_min=-1)


def _octagon_areas(radius_m=10_000.0):
    a = np.arange(8) * np.pi / 4
    return gpd.GeoDataFrame(
        {"rank": range(1, 9)},
        geometry=[Point(X0 + radius_m * np.cos(t), Y0 + radius_m * np.sin(t)) for t in a],
        crs=UTM48,
    ).to_crs(4326)


def _octagon_minutes(n_chords: int, n_stops: int, dwell=12.0) -> float:
    chord = 2 * 10_000 * np.sin(np.pi / 8)
    return (20_000 + n_chords * chord) * 1.3 / (40 / 3.6) / 60 + n_stops * dwell


def test_one_shift_balanced_between_two_units_at_one_base():
    # Both units at the centre of 8 areas on a 10 km circle: without balance one unit
    # tours all 8 (least total travel), with balance each takes 4 neighbouring areas.
    areas, units = _octagon_areas(), _units([(0, 0), (0, 0)])
    kw = dict(travel=straight_line(40.0, 1.3), dwell_min=12, time_limit=2)
    off = plan_patrols(areas, units, balance=False, **kw)
    assert sorted(off.routes["n_stops"]) == [0, 8]
    assert off.meta["balance"]["applied"] is False
    on = plan_patrols(areas, units, **kw)
    assert list(on.routes["n_stops"]) == [4, 4]
    np.testing.assert_allclose(on.routes["duration_min"], _octagon_minutes(3, 4), rtol=1e-6)
    b = on.meta["balance"]
    assert b["applied"] is True and b["enabled"] is True
    assert b["longest_before_min"] == pytest.approx(_octagon_minutes(7, 8), rel=1e-6)
    assert b["longest_after_min"] == pytest.approx(_octagon_minutes(3, 4), rel=1e-6)
    assert on.meta["risk_covered"] == pytest.approx(off.meta["risk_covered"], abs=1e-9)
    _check_feasible(on)


def test_week_shift_balanced_and_recorded_in_meta():
    areas, units = _octagon_areas(), _units([(0, 0), (0, 0)])
    kw = dict(travel=straight_line(40.0, 1.3), days=1, shift_starts=("07:00",), time_limit=4)
    on = weekly_schedule(areas, units, **kw)
    assert list(on.routes["n_stops"]) == [4, 4]
    b = on.meta["balance"]
    assert b["shifts_rebalanced"] == 1 and b["applied"] is True
    assert b["longest_after_min"] == pytest.approx(_octagon_minutes(3, 4), rel=1e-6)
    off = weekly_schedule(areas, units, balance=False, **kw)
    assert sorted(off.routes["n_stops"]) == [0, 8]
    assert off.meta["balance"]["shifts_rebalanced"] == 0
    assert off.meta["balance"]["longest_before_min"] == pytest.approx(
        _octagon_minutes(7, 8), rel=1e-6
    )
    _check_feasible(on)
