"""Units files (English and Vietnamese headers, bad rows) and the rules of key areas."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from hotspots.errors import HotspotsWarning, InputError, UnusableInputError
from hotspots.plan.constraints import area_rules, unit_allowed, unit_shift_starts
from hotspots.plan.patrols import area_stops, local_day, next_monday
from hotspots.plan.units import (
    UNIT_COLUMNS,
    allowed_areas,
    on_duty,
    parse_days,
    parse_vehicle,
    parse_window,
    read_units,
    read_units_file,
)

BASES = gpd.GeoDataFrame(
    {"base": ["Công an Cam Đường", "Cửa khẩu Lào Cai"], "kind": ["commune_post", "border_gate"]},
    geometry=[Point(103.97, 22.42), Point(103.96, 22.51)],
    crs=4326,
)

ENGLISH = (
    "unit,base,lon,lat,count,vehicle,speed_kmh,shift_start,shift_hours,days_off,areas\n"
    "Tổ A,Cam Đường,,,2,car,,06:00,8,Sun,\n"
    "Tổ B,,104.0,22.4,,motorbike,35,,6,sat;Mon;2026-12-05,1;2\n"
    "Tổ C,Lào Cai,,,,foot,,07:30,4,,Bản A\n"
)
VIETNAMESE = (
    "Đơn vị,Trụ sở,Kinh độ,Vĩ độ,Số tổ,Phương tiện,Tốc độ,Giờ bắt đầu ca,Số giờ ca,"
    "Ngày nghỉ,Địa bàn được giao\n"
    "Tổ A,Cam Đường,,,2,ô tô,,06:00,8,CN,\n"
    "Tổ B,,104.0,22.4,,xe máy,35,,6,T7;Thứ 2;05/12/2026,1;2\n"
    "Tổ C,Lào Cai,,,,đi bộ,,07:30,4,,Bản A\n"
)


def _write(tmp_path, text, name="units.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_vietnamese_headers_read_identically_to_english(tmp_path):
    en = read_units(_write(tmp_path, ENGLISH, "en.csv"), BASES)
    vi = read_units(_write(tmp_path, VIETNAMESE, "vi.csv"), BASES)
    assert list(en.columns) == list(UNIT_COLUMNS)
    pd.testing.assert_frame_equal(pd.DataFrame(en), pd.DataFrame(vi))
    assert list(en["unit"]) == ["Tổ A (1)", "Tổ A (2)", "Tổ B", "Tổ C"]
    assert list(en["vehicle"]) == ["car", "car", "motorbike", "foot"]
    assert list(en["days_off"]) == ["sun", "sun", "mon;sat;2026-12-05", ""]
    assert list(en["shift_start"]) == ["06:00", "06:00", "", "07:30"]
    assert en["speed_kmh"].iloc[2] == 35.0 and np.isnan(en["speed_kmh"].iloc[0])
    assert en.geometry.iloc[0].equals(BASES.geometry.iloc[0])  # Cam Đường looked up
    assert en.geometry.iloc[3].equals(BASES.geometry.iloc[1])  # "Lào Cai" -> Cửa khẩu
    assert (en.geometry.iloc[2].x, en.geometry.iloc[2].y) == (104.0, 22.4)


def test_old_columns_still_work(tmp_path):
    u = read_units(_write(tmp_path, "unit,lon,lat,count,shift_hours\nT,104,22.4,2,6\n"))
    assert list(u["unit"]) == ["T (1)", "T (2)"] and list(u["shift_hours"]) == [6.0, 6.0]
    assert list(u["vehicle"]) == ["car", "car"] and list(u["areas"]) == ["", ""]


def test_geopackage_points_are_the_bases(tmp_path):
    g = gpd.GeoDataFrame(
        {"Đơn vị": ["Tổ X"], "Phương tiện": ["xe máy"]}, geometry=[Point(104.1, 22.3)], crs=4326
    )
    g.to_file(tmp_path / "units.gpkg")
    u = read_units(tmp_path / "units.gpkg")
    assert u["vehicle"].iloc[0] == "motorbike" and u.geometry.iloc[0].equals(Point(104.1, 22.3))


BAD_ROWS = [
    ("Tổ 1,,abc,22.4,,,,,,", "bad_coordinates", "must be numbers"),
    ("Tổ 2,,200,22.4,,,,,,", "bad_coordinates", "out of range"),
    ("Tổ 3,,,,,,,,,", "missing_base", "give column 'base'"),
    ("Tổ 4,Không Có Xã,,,,,,,,", "unknown_base", "'Không Có Xã' is not a commune"),
    ("Tổ 5,Cam Đường,,,0,,,,,", "bad_count", "'count' must be a whole number >= 1"),
    ("Tổ 6,Cam Đường,,,,xe đạp,,,,", "bad_vehicle", "'xe đạp' is not known"),
    ("Tổ 7,Cam Đường,,,,,-5,,,", "bad_speed", "'speed_kmh' must be a speed in (0, 150]"),
    ("Tổ 8,Cam Đường,,,,,,25:00,,", "bad_shift_start", "'shift_start' must be a time HH:MM"),
    ("Tổ 9,Cam Đường,,,,,,,30,", "bad_shift_hours", "'shift_hours' must be hours in (0, 24]"),
    ("Tổ 10,Cam Đường,,,,,,,,Thứ 9", "bad_days_off", "'Thứ 9' is not a weekday"),
]
HEADER = "unit,base,lon,lat,count,vehicle,speed_kmh,shift_start,shift_hours,days_off\n"


@pytest.mark.parametrize(("row", "reason", "text"), BAD_ROWS)
def test_each_bad_row_is_quarantined_with_its_reason(tmp_path, row, reason, text):
    good = "Tổ tốt,Cam Đường,,,,,,,,\n"
    res = read_units_file(_write(tmp_path, HEADER + good + row + "\n"), BASES)
    assert list(res.units["unit"]) == ["Tổ tốt"] and res.rows_read == 2
    q = res.quarantine.iloc[0]
    assert (q["source_row"], q["reason"], q["unit"]) == (3, reason, row.split(",")[0])
    assert text in q["message"]
    assert res.messages()[0].startswith(f"row 3 ({row.split(',')[0]}): ")


def test_unknown_area_is_quarantined_when_areas_are_given(tmp_path):
    areas = _areas_with_communes()
    text = "unit,base,areas\nT1,Cam Đường,Xã A\nT2,Cam Đường,Xã Không Có\n"
    res = read_units_file(_write(tmp_path, text), BASES, areas)
    assert list(res.units["unit"]) == ["T1"]
    q = res.quarantine.iloc[0]
    assert q["reason"] == "unknown_area" and "'Xã Không Có'" in q["message"]


def test_read_units_warns_and_all_bad_is_unusable(tmp_path):
    text = HEADER + "Tổ tốt,Cam Đường,,,,,,,,\nTổ xấu,,,,,ngựa,,,,\n"
    msg = r"1 bad row\(s\) left out: row 3 \(Tổ xấu\): give column 'base'"
    with pytest.warns(HotspotsWarning, match=msg):
        u = read_units(_write(tmp_path, text), BASES)
    assert list(u["unit"]) == ["Tổ tốt"]
    assert u.attrs["quarantine"]["reason"].tolist() == ["missing_base"]
    bad = "Đơn vị,Phương tiện,Tốc độ\nTổ 1,ngựa,nhanh\n"
    with pytest.raises(UnusableInputError, match=r"row 2: .*'vehicle' \(Phương tiện\)"):
        read_units_file(_write(tmp_path, bad), BASES)
    with pytest.raises(UnusableInputError, match="does not exist"):
        read_units_file(tmp_path / "none.csv")


def test_value_parsers():
    assert parse_days("CN; T7, Thứ 2;thứ hai;Sunday") == ({6, 5, 0}, set())
    assert parse_days("05/12/2026;2026-12-24") == (
        set(),
        {dt.date(2026, 12, 5), dt.date(2026, 12, 24)},
    )
    with pytest.raises(InputError, match="'31/02/2026' is not a weekday"):
        parse_days("31/02/2026")
    assert [parse_vehicle(v) for v in ("Ô tô", "XE MÁY", "đi bộ", "", "motorbike")] == [
        "car",
        "motorbike",
        "foot",
        "car",
        "motorbike",
    ]
    assert parse_window("05:00-08:00") == (18000.0, 28800.0)
    assert parse_window("22:00 - 02:00") == (79200.0, 93600.0)  # closes next day
    assert np.isnan(parse_window("")[0])
    for bad in ("5-8", "05:00", "05:00-08:70"):
        with pytest.raises(InputError):
            parse_window(bad)


def test_on_duty_weekdays_and_dates():
    units = pd.DataFrame({"unit": ["a", "b", "c"], "days_off": ["sun", "2026-12-05", ""]})
    assert list(on_duty(units, "2026-12-06")) == [False, True, True]  # a Sunday
    assert list(on_duty(units, "2026-12-05")) == [True, False, True]
    starts = unit_shift_starts(pd.DataFrame({"unit": ["a", "b"], "shift_start": ["06:30", ""]}))
    assert starts[0] == 6.5 * 3600 and np.isnan(starts[1])


def test_next_monday_and_impossible_dates():
    assert next_monday(pd.Timestamp("2026-12-04 10:00", tz="Asia/Ho_Chi_Minh")) == pd.Timestamp(
        "2026-12-07"
    )
    assert next_monday(pd.Timestamp("2026-12-07 00:30", tz="Asia/Ho_Chi_Minh")) == pd.Timestamp(
        "2026-12-14"
    )
    # Sunday 20:00 UTC is already Monday 03:00 in Vietnam
    assert next_monday(pd.Timestamp("2026-12-06 20:00", tz="UTC")) == pd.Timestamp("2026-12-14")
    assert next_monday().weekday() == 0 and next_monday() > pd.Timestamp.now()
    with pytest.raises(InputError, match="not a date"):
        local_day("2024-13-01")


def _areas_with_communes():
    return gpd.GeoDataFrame(
        {"rank": [1, 2, 3], "communes": ["Xã A", "Xã B, Xã A", "Xã B"], "name": ["P", "Q", "R"]},
        geometry=[box(104.0, 22.4, 104.01, 22.41), box(104.1, 22.4, 104.11, 22.41),
                  box(104.2, 22.4, 104.21, 22.41)],
        crs=4326,
    )  # fmt: skip


def _hanoi_code() -> str:
    from hotspots import geodata

    return str(geodata.communes(province="Hà Nội")["code"].iloc[0])


def test_allowed_areas_by_id_name_and_commune():
    a = _areas_with_communes()
    assert list(allowed_areas("", a)) == [True, True, True]
    assert list(allowed_areas("Xã A", a)) == [True, True, False]  # touches A
    assert list(allowed_areas("xã b", a)) == [False, True, True]
    assert list(allowed_areas("3; P", a)) == [True, False, True]  # id 3 and name P
    a2 = a.assign(name=["Địa bàn 1 (Xã A, Xã C)", "Q", "R"])
    assert list(allowed_areas("Địa bàn 1 (Xã A, Xã C)", a2)) == [True, False, False]
    units = pd.DataFrame({"unit": ["u1", "u2"], "areas": ["Xã B", ""]})
    assert unit_allowed(units, a).tolist() == [[False, True, True], [True, True, True]]
    # a real commune (by code) that holds none of these areas: the unit is idle, said so
    with pytest.warns(HotspotsWarning, match="unit\\(s\\) u1: the areas they may patrol"):
        idle = unit_allowed(pd.DataFrame({"unit": ["u1"], "areas": [_hanoi_code()]}), a)
    assert idle.tolist() == [[False, False, False]]
    with pytest.raises(InputError, match="unit u1: column 'areas': area or commune 'Xã Z'"):
        unit_allowed(pd.DataFrame({"unit": ["u1"], "areas": ["Xã Z"]}), a)


def test_allowed_areas_by_real_commune_name_and_code():
    from hotspots import geodata

    c = geodata.communes(province="Lào Cai").iloc[0]
    seat = c.geometry
    areas = gpd.GeoDataFrame(
        {"rank": [1, 2]}, geometry=[seat.buffer(0.001), Point(seat.x + 3, seat.y)], crs=4326
    )
    assert list(allowed_areas(str(c["name"]), areas)) == [True, False]
    assert list(allowed_areas(str(c["code"]), areas)) == [True, False]


def test_area_rules_columns_and_errors():
    a = _areas_with_communes()
    a["Khung giờ"] = ["05:00-08:00", "", None]
    a["Ngày phiên"] = ["", "T7;CN", ""]
    a["max_visits"] = [None, 2, None]
    ids = area_stops(a)["area"].tolist()
    r = area_rules(a, ids, 1)
    assert r.window_text == ["05:00-08:00", "", ""] and r.window[0].tolist() == [18000, 28800]
    assert r.min_visits.tolist() == [1, 1, 1] and r.max_visits[1] == 2
    assert r.day_ok("2026-12-05").tolist() == [True, True, True]  # Saturday
    assert r.day_ok("2026-12-07").tolist() == [True, False, True]  # Monday
    assert r.windows_on_clock(np.array([1]))[0].tolist() == [0.0, np.inf]
    assert area_rules(a, ids, 0, max_visits=1).max_visits.tolist() == [1, 2, 1]
    with pytest.raises(InputError, match="maximum visits"):
        area_rules(a, ids, 0, max_visits=-1)
    a["Khung giờ"] = ["5h-8", "", ""]
    with pytest.raises(InputError, match="key area 1: column 'Khung giờ'"):
        area_rules(a, ids, 1)
    a["Khung giờ"] = ""
    a["max_visits"] = [0, None, None]
    with pytest.raises(InputError, match="key area 1: minimum visits 1 above the maximum 0"):
        area_rules(a, ids, 1)


# -- CLI: hotspots plan --units with two vehicle types ---------------------------------
def _plan_inputs(tmp_path):
    from shapely.geometry import LineString

    xy = [(103.97, 22.48), (104.00, 22.43), (104.05, 22.40), (104.10, 22.35)]
    areas = gpd.GeoDataFrame(
        {"rank": [1, 2, 3, 4], "score": [9.0, 5.0, 3.0, 1.0],
         "time_window": ["05:00-08:00", "", "", ""], "days": ["", "", "T7;CN", ""]},
        geometry=[box(x, y, x + 0.01, y + 0.01) for x, y in xy],
        crs=4326,
    )  # fmt: skip
    lines = gpd.GeoDataFrame(
        {"rank": [1], "cases": [20]},
        geometry=[LineString([(104.10, 22.35), (104.0, 22.43), (103.965, 22.51)])],
        crs=4326,
    )
    a, ln = tmp_path / "areas.gpkg", tmp_path / "lines.geojson"
    areas.to_file(a)
    lines.to_file(ln)
    return a, ln


def test_cli_plan_with_units_of_two_vehicle_types(tmp_path, capsys):
    import json

    from hotspots.cli import main

    a, ln = _plan_inputs(tmp_path)
    units = _write(
        tmp_path,
        "Đơn vị,Kinh độ,Vĩ độ,Phương tiện,Giờ bắt đầu ca,Số giờ ca,Ngày nghỉ\n"
        "Tổ xe,103.975,22.485,ô tô,05:30,8,CN\n"
        "Tổ bộ,104.055,22.405,đi bộ,,4,\n"
        "Tổ hỏng,104.0,22.4,xe đạp,,,\n",
    )
    out = tmp_path / "out"
    args = ["plan", "--areas", str(a), "--lines", str(ln), "--units", str(units), "--days",
            "7", "--start", "2026-11-30", "--out", str(out), "--time-limit", "7",
            "--checkpoints", "1"]  # fmt: skip
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "1 row(s) of units.csv left out" in printed and "row 4 (Tổ hỏng)" in printed
    assert (out / "units_quarantine.csv").exists()
    meta = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert meta["vehicles"] == {"car": 1, "foot": 1}
    assert meta["units_file"] == {"file": str(units), "rows_read": 3, "units": 2, "quarantined": 1}
    assert meta["units_off"] == [{"unit": "Tổ xe", "date": "2026-12-06"}]
    routes = gpd.read_file(out / "plan.gpkg", layer="routes")
    stops = gpd.read_file(out / "plan.gpkg", layer="stops")
    assert set(routes["vehicle"]) == {"car", "foot"}
    car_days = routes.loc[routes["unit"] == "Tổ xe", "date"].str[:10]
    assert "2026-12-06" not in set(car_days) and len(car_days) == 6
    assert (routes.loc[routes["unit"] == "Tổ xe", "shift"] == "05:30").all()
    w = stops[stops["area"] == "1"]
    assert len(w) and (w["time_window"] == "05:00-08:00").all()
    hhmm = w["arrival"].str[11:16]
    assert ((hhmm >= "05:00") & (hhmm <= "08:00")).all()
    market = stops[stops["area"] == "3"]
    assert set(pd.to_datetime(market["date"].str[:10]).dt.day_of_week) <= {5, 6}
    html = (out / "ke_hoach_tuan_tra.html").read_text(encoding="utf-8")
    assert "Phương tiện" in html and "đi bộ" in html and "05:00-08:00" in html
    gpx = (out / "patrols.gpx").read_text(encoding="utf-8")
    assert "khung giờ 05:00-08:00" in gpx and "(ô tô)" in gpx


def test_cli_impossible_start_date_is_one_line_exit_2(tmp_path, capsys):
    from hotspots.cli import main

    a, ln = _plan_inputs(tmp_path)
    args = ["plan", "--areas", str(a), "--lines", str(ln), "--out", str(tmp_path / "o"),
            "--start", "2024-13-01"]  # fmt: skip
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert "--start '2024-13-01' is not a date" in err and "YYYY-MM-DD" in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_demo_units_file_reads_cleanly_and_is_marked_synthetic(tmp_path):
    from hotspots import geodata
    from hotspots.plan.bases import default_bases
    from hotspots.synthetic import SYNTHETIC_LABEL, demo_area_rules, demo_units

    seats = geodata.communes(province="Lào Cai").iloc[:3]
    areas = gpd.GeoDataFrame(
        {"rank": [1, 2, 3], "communes": seats["name"].tolist()},
        geometry=[p.buffer(0.005) for p in seats.geometry],
        crs=4326,
    )
    df = demo_units("Lào Cai", areas, tmp_path / "units.csv")
    assert (df["Ghi chú"] == SYNTHETIC_LABEL).all()
    res = read_units_file(tmp_path / "units.csv", default_bases("Lào Cai"), areas)
    assert len(res.quarantine) == 0 and len(res.units) == 4
    assert set(res.units["vehicle"]) == {"car", "motorbike", "foot"}
    assert res.units["days_off"].tolist() == ["sun", "sat", "wed", "sat;sun"]
    assert areas.geometry.iloc[0].distance(res.units.geometry.iloc[3]) < 1e-4  # foot post
    restricted = res.units["areas"].iloc[2]
    assert restricted in set(seats["name"])
    assert 1 <= allowed_areas(restricted, areas).sum() < 3
    ruled = demo_area_rules(areas)
    assert ruled["time_window"].tolist() == ["05:00-08:00", "", ""]
    assert ruled["days"].tolist() == ["", "T7;CN", ""] and ruled["max_visits"].iloc[1] == 2
    r = area_rules(ruled, ["1", "2", "3"], 1)
    assert r.max_visits[1] == 2 and r.window[0].tolist() == [18000, 28800]
