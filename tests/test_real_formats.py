"""hotspots on real public crime exports: police.uk, Chicago, San Francisco, NYC, LA, a
GeoJSON export, a European semicolon CSV, origin-destination tables, and the real West
Yorkshire police.uk files inside the installed ``crime_sim_toolkit`` package.

The samples in ``tests/data/real_formats`` copy each export's column names and value
formats (``make_samples.py`` writes them); the expected values below are read off the
sample rows by hand.
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import hotspots
from hotspots.cli import main
from hotspots.data.crs import metric_crs
from hotspots.data.dates import detect_date_order, parse_date, parse_times
from hotspots.data.schema import TZ
from realdata import west_yorkshire_files

DATA = Path(__file__).parent / "data" / "real_formats"
TODAY = "2026-11-27"


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=TZ)


def raw_rows(name: str, delimiter: str = ",") -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=delimiter))


def by_row(res, source_row: int) -> pd.Series:
    hit = res.cases[res.cases["source_row"] == source_row]
    assert len(hit) == 1, source_row
    return hit.iloc[0]


# --- date order -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "order", "why"),
    [
        (["03/18/2015 11:55:00 PM", "01/02/2015"], "mdy", "month first:"),
        (["18/03/2015", "01/02/2015"], "dmy", "day first:"),
        (["13.05.2021", "04.02.2021"], "dmy", "day first:"),
        (["01/02/2015", "12/11/2019"], "dmy", "day first (default): no slash"),
        (["13/02/2015", "02/13/2015"], "dmy", "day first (default): mixed"),
        (["2015-03-18", "2019/01/01 12:00:00 AM", "45123", ""], "dmy", "no slash dates"),
    ],
)
def test_detect_date_order(values, order, why):
    got, reason = detect_date_order(values)
    assert got == order and reason.startswith(why)


def test_auto_reads_us_dates_month_first_and_vietnamese_day_first():
    us = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "date": ["03/18/2015 11:55:00 PM", "04/05/2015", "12/31/2015"],
            "lat": [41.8, 41.81, 41.82],
            "lon": [-87.6, -87.61, -87.62],
        }
    )
    res = hotspots.read_cases(us, today=TODAY)
    assert list(res.cases["occurred_at"]) == [
        ts("2015-03-18 23:55"),
        ts("2015-04-05"),  # ambiguous on its own: the column is month first
        ts("2015-12-31"),
    ]
    assert res.info["date_orders"]["occurred_at"]["order"] == "mdy"
    vn = us.assign(date=["18/03/2015", "04/05/2015", "31/12/2015"], lat=22.4, lon=103.9)
    res = hotspots.read_cases(vn, today=TODAY)
    assert list(res.cases["occurred_at"]) == [ts("2015-03-18"), ts("2015-05-04"), ts("2015-12-31")]
    assert res.info["date_orders"]["occurred_at"]["order"] == "dmy"
    # nothing above 12 anywhere: the Vietnamese default
    amb = vn.assign(date=["04/05/2015"] * 3)
    res = hotspots.read_cases(amb, today=TODAY)
    assert (res.cases["occurred_at"] == ts("2015-05-04")).all()


def test_explicit_orders_still_force_one_reading():
    us = pd.DataFrame({"date": ["03/18/2015", "04/05/2015"], "lat": [41.8] * 2, "lon": [-87.6] * 2})
    forced = hotspots.read_cases(us, date_order="dmy", today=TODAY)
    assert forced.quarantine["reason"].tolist() == ["bad_date"]
    assert "03/18/2015" in forced.quarantine["message"].iloc[0]
    assert forced.cases["occurred_at"].tolist() == [ts("2015-05-04")]
    assert forced.info["date_orders"]["occurred_at"] == {
        "column": "date",
        "order": "dmy",
        "why": "given",
    }
    mdy = hotspots.read_cases(us, date_order="mdy", today=TODAY)
    assert mdy.cases["occurred_at"].tolist() == [ts("2015-03-18"), ts("2015-04-05")]


def test_mixed_column_falls_back_to_day_first_and_quarantines_the_other():
    df = pd.DataFrame({"date": ["13/02/2015", "02/13/2015"], "lat": [22.4] * 2, "lon": [103.9] * 2})
    res = hotspots.read_cases(df, today=TODAY)
    assert res.cases["occurred_at"].tolist() == [ts("2015-02-13")]
    assert res.quarantine["source_row"].tolist() == [3]
    assert "mixed" in res.info["date_orders"]["occurred_at"]["why"]


def test_year_first_twelve_hour_and_time_column_parsers():
    assert parse_date("2019/01/01 12:00:00 AM") == ts("2019-01-01 00:00")
    assert parse_date("2019/01/01 12:30:00 PM") == ts("2019-01-01 12:30")
    assert parse_date("2019/07/04 01:05:09 PM") == ts("2019-07-04 13:05:09")
    assert parse_date("03/18/2015 11:55:00 PM", order="mdy") == ts("2015-03-18 23:55")
    secs, bad = parse_times(["2230", "930", "5", "23:45:00", "11:55 PM", "2460", "x", ""])
    np.testing.assert_array_equal(
        secs[:5], [22.5 * 3600, 9.5 * 3600, 300, 23 * 3600 + 45 * 60, 23 * 3600 + 55 * 60]
    )
    assert np.isnan(secs[5:]).all()
    assert bad.tolist() == [False] * 5 + [True, True, False]


def test_cli_validate_prints_the_date_decision(capsys):
    assert main(["validate", str(DATA / "chicago_crimes.csv")]) == 0
    out = capsys.readouterr().out
    assert "dates in 'Date' read as month/day/year" in out
    assert "'03/18/2015 01:00:00 PM' has a second field above 12" in out
    assert main(["validate", str(DATA / "chicago_crimes.csv"), "--date-order", "dmy"]) == 0
    out = capsys.readouterr().out
    assert "read as day/month/year (given)" in out and "bad_date" in out


# --- each export ---------------------------------------------------------------------------


def test_policeuk_street_csv():
    res = hotspots.read_cases(DATA / "policeuk_street.csv", today=TODAY)
    assert (res.rows_read, res.accepted) == (40, 38)
    q = dict(zip(res.quarantine["source_row"], res.quarantine["reason"], strict=True))
    assert q == {9: "missing_coordinates", 25: "missing_coordinates"}  # "No Location" rows
    raw = raw_rows("policeuk_street.csv")
    for i in (0, 1, 6, 39):
        row = by_row(res, i + 2)
        assert row["occurred_at"] == ts(raw[i]["Month"] + "-01")
        assert row["offence"] == raw[i]["Crime type"]
        assert row.geometry.x == pytest.approx(float(raw[i]["Longitude"]), abs=1e-9)
        assert row.geometry.y == pytest.approx(float(raw[i]["Latitude"]), abs=1e-9)
    # empty Crime IDs (anti-social behaviour) get the row number and a flag
    assert by_row(res, 2)["case_id"] == "row2" and "missing_case_id" in by_row(res, 2)["flags"]
    assert by_row(res, 3)["case_id"] == raw[1]["Crime ID"]
    assert res.flagged() == {"missing_case_id": 8}
    assert res.cases["commune_code"].isna().all()  # no Vietnamese commune for Leeds


def test_chicago_crimes_prefers_lat_lon_over_state_plane():
    res = hotspots.read_cases(DATA / "chicago_crimes.csv", today=TODAY)
    assert (res.rows_read, res.accepted) == (36, 33)
    assert res.quarantine["source_row"].tolist() == [6, 19, 32]
    assert set(res.quarantine["reason"]) == {"missing_coordinates"}
    raw = raw_rows("chicago_crimes.csv")
    first = by_row(res, 2)
    assert first["case_id"] == "10000000"  # ID, not Case Number
    assert first["occurred_at"] == ts("2015-03-18 13:00")  # 03/18/2015 01:00:00 PM
    assert by_row(res, 3)["occurred_at"] == ts("2015-03-05 08:13")  # 03/05/2015 08:13:00 AM
    assert first["offence"] == "THEFT"
    assert first.geometry.x == pytest.approx(float(raw[0]["Longitude"]), abs=1e-9)
    assert first.geometry.y == pytest.approx(float(raw[0]["Latitude"]), abs=1e-9)
    assert res.info["columns"]["Latitude"] == "lat" and "crs_detected" not in res.info
    # 'Ward' (1-50) is not a Vietnamese commune: kept as a column, no geocoding
    assert "commune_column_ignored" in res.info
    assert res.cases["commune_code"].isna().all()
    assert "Ward" in res.cases.columns
    assert res.info["date_orders"]["occurred_at"]["order"] == "mdy"


def test_sf_incidents_year_first_twelve_hour_datetimes():
    res = hotspots.read_cases(DATA / "sf_incidents.csv", today=TODAY)
    assert (res.rows_read, res.accepted) == (30, 28)
    assert res.quarantine["source_row"].tolist() == [11, 23]
    first, second, late = by_row(res, 2), by_row(res, 3), by_row(res, 5)
    assert first["occurred_at"] == ts("2019-01-01 00:15")  # 2019/01/01 12:15:00 AM
    assert first["reported_at"] == ts("2019-01-01 00:45")
    assert second["occurred_at"] == ts("2019-01-02 05:15")  # 05:15:00 AM
    assert late["occurred_at"] == ts("2019-01-04 15:15")  # 03:15:00 PM
    assert first["case_id"] == "700000" and first["offence"] == "Larceny Theft"


def test_nyc_complaints_date_plus_time_and_month_first_report_date():
    res = hotspots.read_cases(DATA / "nyc_complaints.csv", today=TODAY)
    assert (res.rows_read, res.accepted) == (30, 29)
    assert res.quarantine["source_row"].tolist() == [14]
    row = by_row(res, 3)  # 12/15/2019, 03:11:00, reported 01/02/2020
    assert row["occurred_at"] == ts("2019-12-15 03:11")
    assert row["reported_at"] == ts("2020-01-02")  # month first, like CMPLNT_FR_DT
    assert row["offence"] == "HARASSMENT 2" and row["case_id"] == "300000001"
    raw = raw_rows("nyc_complaints.csv")
    assert row.geometry.x == pytest.approx(float(raw[1]["Longitude"]), abs=1e-9)
    assert res.info["date_orders"]["reported_at"]["why"].startswith("month first, like")


def test_la_crime_date_occ_time_occ_and_zero_coordinates():
    res = hotspots.read_cases(DATA / "la_crime.csv", today=TODAY)
    assert (res.rows_read, res.accepted) == (30, 28)
    q = dict(zip(res.quarantine["source_row"], res.quarantine["reason"], strict=True))
    assert q == {8: "missing_coordinates", 21: "missing_coordinates"}  # LAT/LON 0,0
    assert res.info["columns"]["DATE OCC"] == "occurred_at"
    assert res.info["columns"]["Date Rptd"] == "reported_at"
    a, b, c = by_row(res, 2), by_row(res, 3), by_row(res, 4)
    assert a["occurred_at"] == ts("2020-01-08 22:30")  # 01/08/2020 + TIME OCC 2230
    assert a["reported_at"] == ts("2020-01-09")
    assert b["occurred_at"] == ts("2020-01-19 09:30")  # 930
    assert c["occurred_at"] == ts("2020-02-14 00:05")  # 5
    assert a["case_id"] == "200100000" and a["offence"] == "BATTERY - SIMPLE ASSAULT"


def test_geojson_export_with_a_null_geometry():
    res = hotspots.read_cases(DATA / "export.geojson", today=TODAY)
    assert (res.rows_read, res.accepted) == (30, 29)
    assert res.quarantine["reason"].tolist() == ["missing_coordinates"]
    row = by_row(res, 3)  # feature 1
    assert row["case_id"] == "2020-900001" and row["offence"] == "Burglary"
    assert row["occurred_at"] == ts("2020-02-02 01:00")
    assert row["reported_at"] == ts("2020-02-02 01:30")
    assert pd.isna(by_row(res, 7)["occurred_at"])  # offense_start_datetime null


def test_european_semicolon_decimal_comma_csv():
    res = hotspots.read_cases(DATA / "berlin_semicolon.csv", today=TODAY)
    assert (res.rows_read, res.accepted, res.quarantined) == (30, 30, 0)
    raw = raw_rows("berlin_semicolon.csv", delimiter=";")
    row = by_row(res, 3)
    assert row["case_id"] == "B-0001" and row["offence"] == "Körperverletzung"
    assert row["occurred_at"] == ts("2021-02-04 02:00")  # 04.02.2021, Uhrzeit 02:00
    assert row.geometry.y == pytest.approx(float(raw[1]["Breitengrad"].replace(",", ".")))
    assert row.geometry.x == pytest.approx(float(raw[1]["Längengrad"].replace(",", ".")))
    assert res.info["date_orders"]["occurred_at"]["order"] == "dmy"


# --- every analysis command, without a province -------------------------------------------

# sample -> centre of its planted hot spot (two thirds of the rows lie within ~400 m)
SAMPLES = {
    "policeuk_street.csv": (-1.5491, 53.8008),
    "chicago_crimes.csv": (-87.6298, 41.8781),
    "sf_incidents.csv": (-122.4194, 37.7749),
    "nyc_complaints.csv": (-73.9855, 40.7580),
    "la_crime.csv": (-118.2437, 34.0522),
    "export.geojson": (-122.3321, 47.6062),
    "berlin_semicolon.csv": (13.4050, 52.5200),
}


@pytest.mark.parametrize("name", SAMPLES)
def test_cli_commands_run_without_province(name, tmp_path, capsys):
    src = str(DATA / name)
    assert main(["validate", src]) == 0
    gpkg = tmp_path / "areas.gpkg"
    assert main(["key-areas", src, "--out", str(gpkg)]) == 0
    areas = gpd.read_file(gpkg)
    assert len(areas) >= 1 and areas.crs.to_epsg() == 4326
    # the first key area is the planted hot spot, measured in metres in the local UTM zone
    centre = gpd.GeoSeries(gpd.points_from_xy(*zip(SAMPLES[name], strict=True)), crs=4326)
    metric = metric_crs(centre.to_frame("geometry"))
    top = areas.sort_values("rank").geometry.iloc[:1].to_crs(metric)
    assert top.distance(centre.to_crs(metric).iloc[0]).iloc[0] < 1000
    assert main(["backtest", src, "--train", "14D", "--test", "7D", "--cell", "1000"]) == 0
    out = capsys.readouterr().out
    assert "windows" in out and "naive" in out
    html = tmp_path / "map.html"
    assert main(["map", src, "-o", str(html)]) == 0
    text = html.read_text(encoding="utf-8")
    assert "leaflet" in text.lower() and "cdn." not in text.lower()


def test_cli_key_lines_on_an_od_table(capsys):
    assert main(["key-lines", str(DATA / "od_flows.csv")]) == 0
    cap = capsys.readouterr()
    assert "origin-destination table, 30 flows" in cap.err
    assert "2 key lines from 30 routes" in cap.out


def test_cli_key_lines_on_a_trip_export_with_start_end_columns(tmp_path, capsys):
    assert main(["key-lines", str(DATA / "divvy_trips.csv")]) == 0
    direct = capsys.readouterr()
    assert "origin-destination table, 30 flows" in direct.err
    # the same flows under the canonical names give the same key lines
    trips = pd.read_csv(DATA / "divvy_trips.csv", dtype=str)
    renamed = tmp_path / "trips.csv"
    trips.rename(
        columns={
            "start_lat": "origin_lat",
            "start_lng": "origin_lon",
            "end_lat": "dest_lat",
            "end_lng": "dest_lon",
        }
    ).to_csv(renamed, index=False)
    assert main(["key-lines", str(renamed)]) == 0
    assert "2 key lines from 30 routes" in capsys.readouterr().out
    assert "2 key lines from 30 routes" in direct.out


def test_validate_on_a_trip_export_points_to_key_lines(capsys):
    assert main(["validate", str(DATA / "divvy_trips.csv")]) == 2
    err = capsys.readouterr().err
    assert "look like an origin-destination table" in err and "key-lines" in err
    assert "'start_lng' -> origin_lon" in err and "'end_lat' -> dest_lat" in err


@pytest.mark.realdata
@pytest.mark.slow
def test_west_yorkshire_real_files(tmp_path, capsys):
    wy = west_yorkshire_files()
    res = hotspots.read_cases(wy[-1], today=TODAY)
    with open(wy[-1], encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    no_loc = sum(1 for r in rows if not r["Longitude"].strip())
    assert res.rows_read == len(rows)
    assert res.by_reason() == {"missing_coordinates": no_loc}
    no_id = sum(1 for r in rows if not r["Crime ID"] and r["Longitude"].strip())
    assert res.flagged() == {"missing_case_id": no_id}
    month = pd.Timestamp(rows[0]["Month"] + "-01", tz=TZ)
    assert (res.cases["occurred_at"] == month).all()
    # one file per July: put together they span two years, enough for the default backtest
    both = tmp_path / "wy.csv"
    lines = [wy[0].read_text(encoding="utf-8").splitlines()[0]]
    for p in wy:
        lines += p.read_text(encoding="utf-8").splitlines()[1:]
    both.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["validate", str(wy[-1])]) == 0
    assert main(["key-areas", str(wy[-1]), "--out", str(tmp_path / "a.gpkg")]) == 0
    assert len(gpd.read_file(tmp_path / "a.gpkg")) >= 3
    assert main(["map", str(wy[-1]), "-o", str(tmp_path / "m.html")]) == 0
    assert main(["backtest", str(both), "--cell", "1000"]) == 0
    assert "windows" in capsys.readouterr().out


# --- other exports: x/y in degrees, placeholders far away ----------------------------------


def test_sf_historical_x_y_in_degrees_with_date_and_time_columns():
    # "Police Department Incident Reports: Historical 2003 to May 2018": X = longitude
    df = pd.DataFrame(
        {
            "IncidntNum": ["150060275", "150098210", "150098226"],
            "Category": ["NON-CRIMINAL", "ROBBERY", "VANDALISM"],
            "Date": ["01/19/2015", "02/01/2015", "02/13/2015"],
            "Time": ["14:00", "15:45", "16:20"],
            "X": ["-122.421375", "-122.414406", "-122.396702"],
            "Y": ["37.761701", "37.784191", "37.799999"],
        }
    )
    res = hotspots.read_cases(df, today=TODAY)
    assert res.accepted == 3 and "xy_in_degrees" in res.info
    assert res.cases["occurred_at"].tolist() == [
        ts("2015-01-19 14:00"),
        ts("2015-02-01 15:45"),
        ts("2015-02-13 16:20"),
    ]
    assert res.cases.geometry.x.tolist() == [-122.421375, -122.414406, -122.396702]
    assert res.cases.geometry.y.tolist() == [37.761701, 37.784191, 37.799999]
    assert res.cases["case_id"].tolist() == ["150060275", "150098210", "150098226"]


def _boston(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    lat = (42.36 + rng.normal(0, 0.02, n)).round(6)
    lon = (-71.06 + rng.normal(0, 0.02, n)).round(6)
    lat[3], lon[3] = -1.0, -1.0  # Boston's placeholder for "no location"
    lat[7], lon[7] = 36.619446, -91.686566  # a geocode in Missouri, as Chicago has some
    return pd.DataFrame(
        {
            "INCIDENT_NUMBER": [f"I19207{i:04d}" for i in range(n)],
            "OFFENSE_DESCRIPTION": "LARCENY THEFT FROM BUILDING",
            "OCCURRED_ON_DATE": "2019-12-31 23:00:00",
            "Lat": lat,
            "Long": lon,
        }
    )


def test_points_far_from_all_others_are_quarantined_without_an_area():
    res = hotspots.read_cases(_boston(), today=TODAY)
    q = res.quarantine.set_index("source_row")
    assert q["reason"].to_dict() == {5: "far_from_others", 9: "far_from_others"}
    # the distance told is the one from the median point; pyproj's geodesic as the oracle
    # (the rule uses a sphere: within 0.5 %)
    from pyproj import Geod

    b = _boston()
    for row, i in ((5, 3), (9, 7)):
        _, _, m = Geod(ellps="WGS84").inv(
            b["Long"].median(), b["Lat"].median(), b["Long"][i], b["Lat"][i]
        )
        km = int(q.loc[row, "message"].split(" is ")[1].split(" km")[0])
        assert abs(km - m / 1000) < 0.005 * m / 1000 + 1, (row, km, m)
    assert res.accepted == 38 and res.cases["case_id"].iloc[0] == "I192070000"
    assert res.cases["offence"].iloc[0] == "LARCENY THEFT FROM BUILDING"
    kept = hotspots.read_cases(_boston(), outside="flag", today=TODAY)
    assert kept.accepted == 40 and kept.flagged() == {"far_from_others": 2}
    # with the study area given, the area decides instead
    box = __import__("shapely").box(-71.3, 42.2, -70.8, 42.5)
    res_area = hotspots.read_cases(_boston(), area=box, today=TODAY)
    assert set(res_area.quarantine["reason"]) == {"outside_area"}


def test_compact_data_lose_nothing_to_the_far_rule():
    # a whole country's cases (Vietnam, ~1,600 km north to south): nothing is "far"
    rng = np.random.default_rng(1)
    lat = rng.uniform(8.6, 23.3, 200)
    lon = rng.uniform(102.2, 109.4, 200)
    res = hotspots.read_cases(pd.DataFrame({"lat": lat, "lon": lon}), today=TODAY)
    assert res.accepted == 200
