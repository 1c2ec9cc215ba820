"""Ingest: every reason code on a hand-made corpus, encodings, formats, CLI exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hotspots
from hotspots.cli import main
from hotspots.data.schema import REASONS
from hotspots.errors import UnusableInputError

DATA = Path(__file__).parent / "data" / "ingest"
TODAY = "2026-11-27"

# source row -> expected reason of the corpus file cases_vi.csv (header = row 1)
EXPECTED_QUARANTINE = {
    5: "unknown_commune",
    6: "missing_coordinates",
    7: "bad_coordinates",
    8: "coordinates_out_of_range",
    9: "outside_area",
    10: "bad_date",
    11: "impossible_date",
    12: "future_date",
    13: "impossible_date",
    14: "bad_date",
    15: "bad_value",
    16: "duplicate_merged",
    17: "conflicting_duplicate",
    18: "conflicting_duplicate",
    21: "missing_coordinates",
}


@pytest.fixture(scope="module")
def vi():
    return hotspots.read_cases(DATA / "cases_vi.csv", province="Lào Cai", today=TODAY)


def test_every_row_accounted_and_reason_per_row(vi):
    assert vi.rows_read == 20
    assert vi.accepted + vi.quarantined == vi.rows_read
    got = dict(zip(vi.quarantine["source_row"], vi.quarantine["reason"], strict=True))
    assert got == EXPECTED_QUARANTINE
    assert sorted(vi.cases["source_row"]) == [2, 3, 4, 19, 20]
    assert set(vi.quarantine["reason"]) <= set(REASONS)


def test_messages_name_the_column_and_what_to_change(vi):
    q = vi.quarantine.set_index("source_row")
    assert q.loc[7, "column"] == "Vĩ độ" and "not a coordinate" in q.loc[7, "message"]
    assert "31/02/2023" in q.loc[10, "message"]
    assert "Mường Khương" not in q.loc[5, "message"] and "closest" in q.loc[5, "message"]
    assert "17, 18" in q.loc[17, "message"]
    assert "row 2" in q.loc[16, "message"]
    # the quarantine keeps the original values of the row, without PII
    assert q.loc[7, "raw:Vĩ độ"] == "abc"
    assert not any("Họ tên" in c or "điện thoại" in c for c in q.columns)


def test_repairs_are_flagged(vi):
    c = vi.cases.set_index("source_row")
    assert "swapped_coordinates" in c.loc[3, "flags"]
    assert c.loc[3].geometry.x == pytest.approx(103.9707)
    assert c.loc[4, "precision"] == "commune" and "geocoded_commune" in c.loc[4, "flags"]
    seat = hotspots.geodata.commune("Mường Khương", province="15")
    assert c.loc[4].geometry.distance(seat.geometry) < 1e-9
    assert c.loc[19, "case_id"] == "row19" and "missing_case_id" in c.loc[19, "flags"]
    assert c.loc[19, "occurred_at"] == pd.Timestamp("2023-03-15", tz="Asia/Ho_Chi_Minh")
    assert c.loc[20, "reported_at"] == pd.Timestamp("2023-04-06 08:30", tz="Asia/Ho_Chi_Minh")
    assert c.loc[2, "role"] == "recruitment" and c.loc[3, "role"] == "transit"
    assert c.loc[4, "role"] == "victim_home" and c.loc[2, "victims"] == 2
    assert (c["province_code"] == "15").all()
    assert c["commune_code"].notna().all()


def test_pii_kept_apart(vi):
    assert "Giàng Thị Canary" in set(vi.pii.iloc[:, 2])
    text = vi.cases.drop(columns="geometry").astype(str).to_csv()
    assert "Canary" not in text and "0987654321" not in text


@pytest.mark.parametrize("name", ["small_bom.csv", "small_cp1258.csv", "small_semicolon.csv"])
def test_encodings_and_delimiters(name):
    res = hotspots.read_cases(DATA / name, province="15")
    assert res.accepted == 3
    assert res.cases.loc[1, "precision"] == "commune"  # "Mường Khương" decoded and matched
    assert res.cases.loc[0, "role"] == "recruitment"


def test_declared_encoding_wrong_is_a_clear_error():
    with pytest.raises(UnusableInputError, match="cannot be decoded as utf-8"):
        hotspots.read_cases(DATA / "small_cp1258.csv", encoding="utf-8")


def test_vn2000_tm3_detected_and_declared():
    truth = np.array([(103.9707, 22.4856), (104.05, 22.30), (104.5, 21.9)])
    det = hotspots.read_cases(DATA / "vn2000_tm3.csv", province="15")
    dec = hotspots.read_cases(DATA / "vn2000_tm3.csv", crs="VN-2000/TM3:104.75")
    for res in (det, dec):
        xy = np.column_stack([res.cases.geometry.x, res.cases.geometry.y])
        assert np.abs(xy - truth).max() < 1e-6
        assert all("converted_crs" in f for f in res.cases["flags"])


@pytest.mark.parametrize(
    "name, match",
    [
        ("empty.csv", "empty"),
        ("no_location.csv", "no location column"),
        ("not_excel.xlsx", "not an .xlsx"),
        ("not_json.geojson", "not JSON"),
        ("zip_named.csv", "not a text CSV"),
    ],
)
def test_unusable_files(name, match):
    with pytest.raises(UnusableInputError, match=match):
        hotspots.read_cases(DATA / name)


def test_header_only_reads_zero_rows():
    res = hotspots.read_cases(DATA / "header_only.csv")
    assert res.rows_read == 0 and res.accepted == 0


def test_malformed_rows_quarantined_not_dropped():
    res = hotspots.read_cases(DATA / "malformed_rows.csv")
    assert res.rows_read == 3 and res.accepted == 2
    assert list(res.quarantine["source_row"]) == [3]
    assert res.quarantine["reason"].iloc[0] == "malformed_row"


def test_declared_mapping(tmp_path):
    res = hotspots.read_cases(DATA / "custom_headers.csv", mapping=DATA / "custom_mapping.yaml")
    assert res.accepted == 2 and list(res.cases["case_id"]) == ["A", "B"]
    with pytest.raises(UnusableInputError, match="unknown column"):
        hotspots.read_cases(DATA / "custom_headers.csv", mapping=DATA / "bad_mapping.yaml")


def test_xlsx_with_serial_and_datetime_cells(tmp_path):
    df = pd.DataFrame(
        {
            "Mã vụ": ["A", "B", "C"],
            "Ngày xảy ra": [45000, pd.Timestamp("2023-04-05 10:00"), "05/04/2023"],
            "Vĩ độ": [22.4856, 22.30, None],
            "Kinh độ": [103.9707, 104.05, None],
            "Xã/Phường": [None, None, "Phường Cam Đường"],
        }
    )
    p = tmp_path / "cases.xlsx"
    df.to_excel(p, index=False)
    res = hotspots.read_cases(p, province="Lào Cai")
    assert res.accepted == 3
    assert res.cases["occurred_at"].dt.strftime("%Y-%m-%d").tolist() == [
        "2023-03-15",
        "2023-04-05",
        "2023-04-05",
    ]
    assert res.cases.loc[2, "precision"] == "commune"


def test_geojson_and_dataframe_sources(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"case_id": ["A", "B"], "date": ["2023-04-05", "2023-04-06"]},
        geometry=gpd.points_from_xy([103.97, 104.05], [22.48, 22.30]),
        crs="EPSG:4326",
    )
    p = tmp_path / "c.geojson"
    gdf.to_file(p, driver="GeoJSON")
    utm = gdf.to_crs(32648)
    utm.to_file(tmp_path / "c.gpkg", driver="GPKG")
    for src in (p, tmp_path / "c.gpkg", gdf, utm):
        res = hotspots.read_cases(src, province="15")
        assert res.accepted == 2
        assert res.cases.geometry.x.tolist() == pytest.approx([103.97, 104.05], abs=1e-7)


def test_ambiguous_commune_lists_candidates():
    df = pd.DataFrame({"case_id": ["A"], "xa": ["Tân Lập"]})
    res = hotspots.read_cases(df)
    assert res.quarantine["reason"].tolist() == ["ambiguous_commune"]
    assert "Quảng Trị" in res.quarantine["message"].iloc[0]


def test_outside_flag_policy_keeps_point():
    df = pd.DataFrame({"case_id": ["A"], "lat": [10.78], "lon": [106.70]})
    res = hotspots.read_cases(df, province="15", outside="flag")
    assert res.accepted == 1 and "outside_area" in res.cases["flags"].iloc[0]


def test_routes_built_from_roles_when_no_seq():
    df = pd.DataFrame(
        {
            "case_id": ["A", "A", "A", "B"],
            "role": ["xuất cảnh", "nơi ở nạn nhân", "tuyển mộ", "tuyển mộ"],
            "lat": [22.51, 22.0, 22.3, 22.3],
            "lon": [103.96, 104.5, 104.2, 104.2],
        }
    )
    res = hotspots.read_cases(df, province="15")
    r = res.routes
    assert list(r["role"]) == ["victim_home", "recruitment", "exit"]
    assert list(r["seq"]) == [0, 1, 2]


def test_foreign_city_without_province(tmp_path):
    # police.uk layout: Month yyyy-mm, empty Crime IDs, no province
    csv = (
        "Crime ID,Month,Longitude,Latitude,Crime type\n"
        ",2019-01,-1.55,53.80,Burglary\nabc,2019-02,-1.54,53.79,Robbery\n"
        "def,2019-02,,,Robbery\n"
    )
    p = tmp_path / "wy.csv"
    p.write_text(csv)
    res = hotspots.read_cases(p)
    assert res.accepted == 2 and res.quarantine["reason"].tolist() == ["missing_coordinates"]
    assert res.cases["commune_code"].isna().all()
    assert res.cases["occurred_at"].dt.month.tolist() == [1, 2]


# --- properties -------------------------------------------------------------------

cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(cell, min_size=1, max_size=6), min_size=0, max_size=8),
    st.sampled_from([",", ";", "\t"]),
)
def test_ingest_never_crashes_on_arbitrary_csv(tmp_path_factory, rows, sep):
    header = ["case_id", "lat", "lon", "date", "xa", "role"]
    text = sep.join(header) + "\n" + "\n".join(sep.join(r) for r in rows)
    p = tmp_path_factory.mktemp("h") / "x.csv"
    p.write_text(text, encoding="utf-8")
    try:
        res = hotspots.read_cases(p, today=TODAY)
    except UnusableInputError:
        return
    assert res.accepted + res.quarantined == res.rows_read


@settings(max_examples=25, deadline=None)
@given(st.binary(max_size=300))
def test_ingest_never_crashes_on_arbitrary_bytes(tmp_path_factory, data):
    p = tmp_path_factory.mktemp("b") / "x.csv"
    p.write_bytes(data)
    try:
        res = hotspots.read_cases(p)
    except UnusableInputError:
        return
    assert res.accepted + res.quarantined == res.rows_read


# --- CLI ----------------------------------------------------------------------------


def test_cli_validate_json_and_exit_codes(tmp_path, capsys):
    out = tmp_path / "v.json"
    q = tmp_path / "q.csv"
    rc = main(
        [
            "validate",
            str(DATA / "cases_vi.csv"),
            "--province",
            "lao cai",
            "--json",
            str(out),
            "--quarantine",
            str(q),
        ]
    )
    assert rc == 0
    d = json.loads(out.read_text())
    assert d["rows_read"] == 20 and d["accepted"] + d["quarantined"] == 20
    assert d["by_reason"]["conflicting_duplicate"] == 2
    text = capsys.readouterr().out
    assert "row 7 [Vĩ độ]" in text
    assert pd.read_csv(q)["source_row"].tolist() == sorted(EXPECTED_QUARANTINE)
    assert main(["validate", str(DATA / "cases_vi.csv"), "--province", "15", "--strict"]) == 1
    assert main(["validate", str(DATA / "small_bom.csv"), "--province", "15", "--strict"]) == 0


def test_cli_unusable_file_exit_2_without_traceback(capsys):
    assert main(["validate", str(DATA / "empty.csv")]) == 2
    err = capsys.readouterr().err
    assert "empty" in err and "Traceback" not in err
    assert main(["validate", str(DATA / "cases_vi.csv"), "--province", "Lao Caii"]) == 2
    assert "Lào Cai" in capsys.readouterr().err  # closest match suggested
