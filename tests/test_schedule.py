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


# -- units as they are and key-area rules (known answers) ------------------------------
def _unit_table(xy, **cols):
    u = _units(xy)
    for c, v in cols.items():
        u[c] = v
    return u


def test_unit_off_on_sunday_has_no_route_on_sunday():
    areas = _areas([(2000, 0), (0, 2000)], score=[1.0, 1.0])
    units = _unit_table([(0, 0), (500, 0)], days_off=["CN", ""])
    plan = weekly_schedule(areas, units, days=7, start_date="2026-11-30", time_limit=3)
    r = plan.routes
    off = r[r["unit"] == "Tổ 1"]
    assert len(off) == 6 and not (off["date"].dt.day_of_week == 6).any()
    assert (r.loc[r["unit"] == "Tổ 2", "date"].dt.day_of_week == 6).sum() == 1
    assert plan.meta["units_off"] == [{"unit": "Tổ 1", "date": "2026-12-06"}]
    _check_feasible(plan)


def test_foot_unit_does_not_reach_a_far_area_a_car_reaches():
    # far area 15 km away: x 1.3 = 19.5 km each way; on foot (5 km/h) 7.8 h > 4 h shift,
    # by car (40 km/h) 58.5 min; the near area (600 m) is within reach of both.
    areas = _areas([(15_000, 0), (600, 0)], score=[5.0, 1.0], size=10)
    kw = dict(travel=straight_line(40.0, 1.3), shift_hours=4, date="2026-11-30", time_limit=2)
    foot = plan_patrols(areas, _unit_table([(0, 0)], vehicle="foot"), **kw)
    assert list(foot.stops["area"]) == ["2"] and list(foot.stops["vehicle"]) == ["foot"]
    car = plan_patrols(areas, _unit_table([(0, 0)], vehicle="car"), **kw)
    assert sorted(car.stops["area"]) == ["1", "2"]
    both = plan_patrols(areas, _unit_table([(0, 0), (0, 0)], vehicle=["foot", "car"]), **kw)
    far = both.stops[both.stops["area"] == "1"]
    assert list(far["vehicle"]) == ["car"] and list(far["unit"]) == ["Tổ 2"]
    assert set(both.routes["vehicle"]) == {"foot", "car"}
    # walking (600 m + 5 m to the centre of the 10 m square) x 1.3 at 5 km/h
    s = foot.stops.iloc[0]
    assert (s["arrival"] - foot.routes["start"].iloc[0]).total_seconds() == pytest.approx(
        780 / (5 / 3.6) + 5 * 1.3 / (5 / 3.6), abs=1.0
    )
    # a unit's own speed replaces its vehicle's: a car at its own 20 km/h (not 40)
    own = _unit_table([(0, 0)], vehicle="car", speed_kmh=20.0)
    slow = plan_patrols(areas.iloc[[1]], own, **kw)
    t = (slow.stops["arrival"].iloc[0] - slow.routes["start"].iloc[0]).total_seconds()
    assert t == pytest.approx(605 * 1.3 / (20 / 3.6), abs=1.0)


def test_unit_restricted_to_a_commune_visits_only_its_areas():
    # Tổ 1 sits beside the areas of Xã B but may patrol only Xã A; Tổ 2 may go anywhere.
    xy = [(0, 0), (500, 0), (20_000, 0), (20_500, 0)]
    areas = _areas(xy, score=[1.0] * 4)
    areas["communes"] = ["Xã A", "Xã A", "Xã B", "Xã B"]
    units = _unit_table([(20_000, 300), (0, 300)], areas=["Xã A", ""])
    plan = weekly_schedule(areas, units, days=3, start_date="2026-11-30", time_limit=3)
    s = plan.stops
    assert len(s[s["unit"] == "Tổ 1"]) > 0
    assert set(s.loc[s["unit"] == "Tổ 1", "area"]) <= {"1", "2"}
    assert plan.meta["min_visits_met"]


def test_window_0500_0800_is_visited_within_it():
    # the unit starts at 04:00, 1 km away: without the window it would be there at 04:02;
    # with 05:00-08:00 it waits and starts the visit at 05:00 sharp.
    areas = _areas([(1000, 0), (0, 1000)], score=[1.0, 1.0], size=10)
    areas["time_window"] = ["05:00-08:00", ""]
    units = _units([(0, 0)])
    plan = weekly_schedule(
        areas, units, days=2, start_date="2026-11-30", shift_starts=("04:00",),
        shift_hours=8, min_visits=2, time_limit=2,
    )  # fmt: skip
    s = plan.stops[plan.stops["area"] == "1"]
    assert len(s) == 2 and list(s["time_window"]) == ["05:00-08:00"] * 2
    for _, v in s.iterrows():
        assert v["arrival"] == v["date"] + pd.Timedelta(hours=5)
    assert plan.meta["time_windows"] == {"visits_with_window": 2, "visits_within_window": 2}
    _check_feasible(plan)
    # a window the shift cannot reach: never visited, reported as a shortfall
    areas["time_window"] = ["20:00-21:00", ""]
    with pytest.warns(HotspotsWarning, match="fewer visits"):
        late = weekly_schedule(
            areas, units, days=1, start_date="2026-11-30", shift_starts=("04:00",),
            time_limit=1,
        )  # fmt: skip
    assert "1" not in set(late.stops["area"])
    assert [s["area"] for s in late.meta["shortfall"]] == ["1"]


def test_max_visits_caps_and_market_days():
    areas = _areas([(1000, 0), (0, 1000), (1000, 1000)], score=[10.0, 10.0, 10.0])
    areas["max_visits"] = [2, None, None]
    areas["days"] = ["", "T7;CN", ""]
    units = _units([(0, 0), (0, 0)])
    plan = weekly_schedule(areas, units, days=7, start_date="2026-11-30", time_limit=4)
    v = plan.visits()
    assert v["1"] == 2  # capacity is plenty: without the cap it would be 7
    assert v["3"] == 7
    market = plan.stops[plan.stops["area"] == "2"]
    assert sorted(market["date"].dt.day_of_week) == [5, 6]
    assert plan.meta["max_visits"] == {"areas_with_max": 1, "all_within_max": True}
    with pytest.raises(InputError, match="key area 1: minimum visits 3 above the maximum 2"):
        weekly_schedule(areas, units, days=7, start_date="2026-11-30", min_visits=3)
    areas["max_visits"] = None
    with pytest.raises(InputError, match="key area 2: minimum 3 visits but it may be visited"):
        weekly_schedule(areas, units, days=7, start_date="2026-11-30", min_visits=3)


def test_default_start_is_next_monday():
    from hotspots.plan.patrols import next_monday

    plan = weekly_schedule(_areas([(500, 0)]), _units([(0, 0)]), days=1, time_limit=1)
    assert plan.meta["start_date"] == str(next_monday().date())
    assert pd.Timestamp(plan.meta["start_date"]).weekday() == 0
