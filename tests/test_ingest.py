"""Ingest: every reason code on a hand-made corpus, encodings, formats, CLI exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hotspots
from hotspots.cli import main
from hotspots.data.schema import REASONS
from hotspots.errors import InputError, UnusableInputError

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
    # unreadable or empty mapping files are named errors, not parser tracebacks or a
    # mapping silently ignored
    for name, text, message in [
        ("m.json", "{bad", "m.json cannot be read as JSON: Expecting property name"),
        ("m.yaml", "a: [\n", "m.yaml cannot be read as YAML: while parsing"),
        ("m.csv", "a;b\n", "m.csv: expected 'source header: target' pairs"),
        ("e.yaml", "", "e.yaml: expected 'source header: target' pairs"),
    ]:
        (tmp_path / name).write_text(text, encoding="utf-8")
        with pytest.raises(UnusableInputError, match=message):
            hotspots.read_cases(DATA / "custom_headers.csv", mapping=tmp_path / name)


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
    assert main(["validate", str(DATA / "cases_vi.csv"), "--show", "-1"]) == 2
    assert "--show -1: give the number of rows to list" in capsys.readouterr().err


# --- hard inputs (review of issue 2) -------------------------------------------------

from hotspots.data.coords import parse_coordinate  # noqa: E402


@pytest.mark.parametrize(
    "text, expected",
    [
        ("22.4856", 22.4856),
        ("22,4856", 22.4856),
        ("22.4856°", 22.4856),
        ("22°29'08\"N", 22 + 29 / 60 + 8 / 3600),
        ("22° 29' 08\" N", 22 + 29 / 60 + 8 / 3600),
        ("22°29′08″", 22 + 29 / 60 + 8 / 3600),
        ("22°29,5'", 22 + 29.5 / 60),
        ("22 29 08", 22 + 29 / 60 + 8 / 3600),
        ("22 độ 29 phút 8 giây", 22 + 29 / 60 + 8 / 3600),
        ("N22.4856", 22.4856),
        ("103.9707 E", 103.9707),
        ("S 33.5", -33.5),
        ("-1.55", -1.55),
        ("2.487.639,77", 2487639.77),
        ("2,487,639.77", 2487639.77),
    ],
)
def test_parse_coordinate_known_answers(text, expected):
    assert parse_coordinate(text) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("text", ["abc", "22°61'", "22°29'61\"", "1.234.5", "1 2 3 4", "", "N"])
def test_parse_coordinate_rejects(text):
    assert np.isnan(parse_coordinate(text))


def test_dms_and_degree_signs_in_a_csv(tmp_path):
    p = tmp_path / "dms.csv"
    p.write_text(
        'Mã vụ,Vĩ độ,Kinh độ\nA,"22°29\'08""N","103°58\'15""E"\nB,22.4856°,103.9707°\n'
        "C,N22.4856,E103.9707\nD,22°29'08\"Z,103.97\n",
        encoding="utf-8",
    )
    res = hotspots.read_cases(p, province="15")
    assert res.accepted == 3
    assert res.cases.geometry.y.tolist() == pytest.approx(
        [22 + 29 / 60 + 8 / 3600, 22.4856, 22.4856], abs=1e-12
    )
    assert res.cases.geometry.x.iloc[0] == pytest.approx(103 + 58 / 60 + 15 / 3600, abs=1e-12)
    q = res.quarantine.iloc[0]
    assert q["source_row"] == 5 and q["reason"] == "bad_coordinates" and q["column"] == "Vĩ độ"
    assert "22°29'08\"N" in q["message"]  # the message shows a form that is accepted


def _merged_header_workbook(path):
    import datetime as dt

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH VỤ VIỆC MUA BÁN NGƯỜI NĂM 2023"])
    ws.merge_cells("A1:G1")
    ws.append([])
    ws.append(["Mã vụ", "Ngày xảy ra", "Tọa độ", None, "Xã/Phường", "Số nạn nhân", "Ghi chú"])
    ws.merge_cells("C3:D3")
    ws.append([None, None, "Vĩ độ", "Kinh độ", None, None, None])
    ws.append(["A1", dt.datetime(2023, 4, 5, 10, 0), "22.4856", "103.9707", None, "2", "x"])
    ws.append(["A2", "06/04/2023", "22,30", "104,05", None, 1, None])
    ws.append(["A3", 45000, None, None, "Xã Mường Khương", "3", None])
    ws.append(["A4", "31/02/2023", "22.3", "104.05", None, "1", None])
    ws.append([None] * 7)
    ws.append(["A5", dt.date(2023, 4, 7), 22.3, 104.05, None, "hai", None])
    wb.save(path)


def test_xlsx_title_rows_and_merged_two_level_header(tmp_path):
    p = tmp_path / "so_lieu.xlsx"
    _merged_header_workbook(p)
    res = hotspots.read_cases(p, province="Lào Cai", today=TODAY)
    # rows as Excel shows them: title row 1, blank row 2, header rows 3-4, data from row 5
    assert res.rows_read == 5
    assert res.cases["source_row"].tolist() == [5, 6, 7]
    assert dict(zip(res.quarantine["source_row"], res.quarantine["reason"], strict=True)) == {
        8: "bad_date",
        10: "bad_value",
    }
    c = res.cases.set_index("source_row")
    assert c.loc[5].geometry.coords[0] == pytest.approx((103.9707, 22.4856))  # text numbers
    assert c.loc[6].geometry.coords[0] == pytest.approx((104.05, 22.30))  # decimal commas
    assert c.loc[5, "occurred_at"] == pd.Timestamp("2023-04-05 10:00", tz="Asia/Ho_Chi_Minh")
    assert c.loc[6, "occurred_at"] == pd.Timestamp("2023-04-06", tz="Asia/Ho_Chi_Minh")
    assert c.loc[7, "occurred_at"] == pd.Timestamp("2023-03-15", tz="Asia/Ho_Chi_Minh")
    assert c.loc[7, "precision"] == "commune" and c["victims"].tolist() == [2, 1, 3]
    assert "Ghi chú" not in res.cases.columns and res.pii["notes"].tolist()[0] == "x"


def test_xlsx_case_id_merged_over_its_stops(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Mã vụ", "Thứ tự", "Vai trò", "Vĩ độ", "Kinh độ"])
    ws.append(["LC-1", 0, "nơi ở nạn nhân", 22.0, 104.5])
    ws.append([None, 1, "tuyển mộ", 22.3, 104.2])
    ws.append([None, 2, "xuất cảnh", 22.51, 103.96])
    ws.append(["LC-2", 0, "tuyển mộ", 22.3, 104.2])
    ws.merge_cells("A2:A4")
    p = tmp_path / "merged_ids.xlsx"
    wb.save(p)
    res = hotspots.read_cases(p, province="15")
    assert res.cases["case_id"].tolist() == ["LC-1", "LC-1", "LC-1", "LC-2"]
    assert res.flagged() == {}
    assert res.routes["case_id"].tolist() == ["LC-1"] * 3
    assert res.routes["role"].tolist() == ["victim_home", "recruitment", "exit"]


def test_cli_validate_names_the_bad_rows_of_a_spreadsheet(tmp_path, capsys):
    p = tmp_path / "so_lieu.xlsx"
    _merged_header_workbook(p)
    assert main(["validate", str(p), "--province", "Lào Cai"]) == 0
    out = capsys.readouterr().out
    assert "5 rows read, 3 accepted, 2 quarantined" in out
    assert "row 8 [Ngày xảy ra]: bad_date: column 'Ngày xảy ra': '31/02/2023'" in out
    assert "row 10 [Số nạn nhân]: bad_value: column 'Số nạn nhân': victims 'hai'" in out
    assert "rows 1 above the header were read as a title" in out  # row 3 is header


def test_csv_title_row_blank_lines_and_short_rows_keep_row_numbers(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text(
        "Báo cáo tháng 4\n\nMã vụ,Ngày xảy ra,Vĩ độ,Kinh độ,Vai trò\n"
        "A,05/04/2023,22.4856,103.9707\n\nB,05/04/2023,abc,103.97,\n"
        'C,05/04/2023,22.4856,103.9707,"tuyển mộ",x,y\n',
        encoding="utf-8",
    )
    res = hotspots.read_cases(p, province="15")
    assert res.rows_read == 3 and res.accepted + res.quarantined == 3
    assert res.cases["source_row"].tolist() == [4]  # a short row is padded, not dropped
    assert res.info["title_rows"] == [1]  # said, not silently dropped
    got = dict(zip(res.quarantine["source_row"], res.quarantine["reason"], strict=True))
    assert got == {6: "bad_coordinates", 7: "malformed_row"}


def _cp1258_text(n: int = 400) -> str:
    rng = np.random.default_rng(3)
    words = (
        "Nạn nhân bị đối tượng dụ dỗ đi làm thuê lương cao rồi đưa sang Trung Quốc bán "
        "làm vợ Công an xã phối hợp Bộ đội Biên phòng giải cứu thành công tại khu vực "
        "cửa khẩu Lào Cai ngày hôm sau đưa về địa phương"
    ).split()
    lines = ["Mã vụ;Ngày xảy ra;Vĩ độ;Kinh độ;Xã/Phường;Tội danh;Tóm tắt vụ việc;Nơi ở"]
    for i in range(n):
        summary = " ".join(rng.choice(words, 14))
        lines.append(
            f"LC-{i};{i % 28 + 1:02d}/04/2023;22,{4000 + i};103,{9000 + i};Phong Hải;"
            f"Mua bán người;{summary};Thôn Nậm Chảy"
        )
    return "\n".join(lines) + "\n"


def test_large_windows_1258_csv_with_semicolons_and_decimal_commas(tmp_path):
    import sys

    sys.path.insert(0, str(DATA))
    from make_corpus import cp1258

    text = _cp1258_text()
    p = tmp_path / "cp.csv"
    p.write_bytes(cp1258(text))
    res = hotspots.read_cases(p, province="Lào Cai")
    assert res.info["encoding"] == "cp1258"
    assert res.accepted == 400
    assert (res.cases["offence"] == "Mua bán người").all()
    assert res.cases.geometry.y.iloc[5] == pytest.approx(22.4005)
    assert res.cases.geometry.x.iloc[5] == pytest.approx(103.9005)
    # free text and addresses are PII: kept apart, never in the cases
    assert {"Tóm tắt vụ việc", "Nơi ở"} <= set(res.info["pii_columns"])
    assert "Tóm tắt vụ việc" not in res.cases.columns and "Nơi ở" not in res.cases.columns


def test_utf16_text_export(tmp_path):
    p = tmp_path / "unicode.txt"
    p.write_bytes(
        "Mã vụ\tVĩ độ\tKinh độ\tXã/Phường\nA\t22.4856\t103.9707\t\nB\t\t\tMường Khương\n".encode(
            "utf-16"
        )
    )
    res = hotspots.read_cases(p, province="15")
    assert res.accepted == 2 and res.cases["precision"].tolist() == ["exact", "commune"]


def _projected(crs, pts, names=("x", "y"), northing_first=False):
    from pyproj import Transformer

    e, nn = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(pts[:, 0], pts[:, 1])
    a, b = (nn, e) if northing_first else (e, nn)
    return pd.DataFrame({"case_id": [f"c{i}" for i in range(len(pts))], names[0]: a, names[1]: b})


def _lao_cai_points(n=200):
    prov = hotspots.geodata.province("15")
    pts = gpd.GeoSeries([prov.geometry], crs=4326).sample_points(n, rng=1).explode()
    return np.column_stack([pts.x, pts.y])


def _xy(res):
    return np.column_stack([res.cases.geometry.x, res.cases.geometry.y])


def test_vn2000_geographic_declared():
    from hotspots.data.crs import vn2000_crs

    pts = _lao_cai_points(20)
    df = _projected(vn2000_crs(), pts, names=("Kinh độ", "Vĩ độ"))
    res = hotspots.read_cases(df, province="15", crs="VN-2000")
    assert np.abs(_xy(res) - pts).max() < 1e-7
    assert res.flagged() == {"converted_crs": 20}
    # VN-2000 and WGS84 differ by the datum shift: about 100-300 m in Lào Cai, not 0
    raw = np.column_stack([df["Kinh độ"], df["Vĩ độ"]])
    assert 0.0005 < np.abs(raw - pts).max() < 0.005


def test_wgs84_utm_detected_within_a_kilometre_and_flagged():
    pts = _lao_cai_points(200)
    for names in (("x", "y"), ("Easting", "Northing"), ("Kinh độ", "Vĩ độ")):
        res = hotspots.read_cases(_projected("EPSG:32648", pts, names), province="15")
        assert res.accepted == 200
        # several zones fit equally well (WGS84/VN-2000 UTM 48 differ by the datum and
        # the scale): an honest pick within 1 km, flagged as an assumption
        err_m = np.abs(_xy(res) - pts).max() * 111_000
        assert err_m < 1000
        assert res.flagged()["crs_assumed"] == 200
        assert "ASSUMED" in res.info["crs_detected"]


def test_vn2000_utm_declared_and_vietnamese_xy_order():
    from hotspots.data.crs import vn2000_crs

    pts = _lao_cai_points(30)
    df = _projected(vn2000_crs(105, 6), pts, names=("X", "Y"), northing_first=True)
    res = hotspots.read_cases(df, province="15", crs="VN-2000/UTM:105")
    assert np.abs(_xy(res) - pts).max() < 1e-7
    assert "northing" in res.info["xy_order"]


def test_few_projected_points_without_area_are_an_assumption_not_a_guess():
    pts = np.array([(103.9707, 22.4856), (104.05, 22.30), (104.5, 21.9)])
    res = hotspots.read_cases(_projected("EPSG:32648", pts))
    assert res.flagged()["crs_assumed"] == 3
    assert "None" not in res.info["crs_detected"] and "declare --crs" in res.info["crs_detected"]
    # the tie goes to WGS84 UTM first: here exactly right
    assert np.abs(_xy(res) - pts).max() < 1e-9


def test_duplicate_headers_keep_pii_apart(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text(
        "Mã vụ,Vĩ độ,Kinh độ,Ghi chú,Ghi chú,Vĩ độ,Số điện thoại liên hệ\n"
        "A,22.4856,103.9707,Nguyễn Văn Bí,nói thêm,1,0912345678\n",
        encoding="utf-8",
    )
    res = hotspots.read_cases(p, province="15")
    assert res.cases.geometry.y.iloc[0] == pytest.approx(22.4856)  # the first Vĩ độ counts
    assert "Vĩ độ.1" in res.cases.columns and "Vĩ độ.1" in res.info["duplicate_columns"]
    text = res.cases.drop(columns="geometry").astype(str).to_csv()
    assert "Bí" not in text and "nói thêm" not in text and "0912345678" not in text
    assert {"Ghi chú.1", "Số điện thoại liên hệ"} <= set(res.pii.columns)


def test_geopackage_layers(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"case_id": ["A", "B"], "date": ["05/04/2023", "06/04/2023"]},
        geometry=gpd.points_from_xy([103.97, 104.05], [22.48, 22.30]),
        crs="EPSG:4326",
    )
    one = tmp_path / "one.gpkg"
    gdf.iloc[:0].to_file(one, layer="empty")
    gdf.to_file(one, layer="cases")
    assert hotspots.read_cases(one, province="15").accepted == 2  # the only filled layer
    two = tmp_path / "two.gpkg"
    gdf.to_file(two, layer="cases")
    gdf.to_crs(32648).to_file(two, layer="copy")
    with pytest.raises(UnusableInputError, match=r"'cases' \(2 features\), 'copy'"):
        hotspots.read_cases(two)
    res = hotspots.read_cases(two, province="15", sheet="copy")
    assert res.cases.geometry.x.tolist() == pytest.approx([103.97, 104.05], abs=1e-7)
    with pytest.raises(UnusableInputError, match="no layer 'nope'"):
        hotspots.read_cases(two, sheet="nope")


def test_shapefile_and_zipped_shapefile(tmp_path):
    import shutil

    gdf = gpd.GeoDataFrame(
        {"case_id": ["A", "B"], "role": ["exit", "transit"]},
        geometry=gpd.points_from_xy([103.97, 104.05], [22.48, 22.30]),
        crs="EPSG:4326",
    ).to_crs(32648)
    d = tmp_path / "shp"
    d.mkdir()
    gdf.to_file(d / "cases.shp")
    shutil.make_archive(str(tmp_path / "cases"), "zip", d)
    for src in (d / "cases.shp", tmp_path / "cases.zip"):
        res = hotspots.read_cases(src, province="15")
        assert res.accepted == 2 and res.cases["role"].tolist() == ["exit", "transit"]
        assert res.cases.geometry.y.tolist() == pytest.approx([22.48, 22.30], abs=1e-7)


def test_a_row_with_many_problems_lists_them_all(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text(
        "Mã vụ,Ngày xảy ra,Ngày tố giác,Vĩ độ,Kinh độ,Số nạn nhân,Ngày khởi tố\n"
        "A,31/02/2023,99/99/2023,abc,xyz,-1,hôm nay\n",
        encoding="utf-8",
    )
    res = hotspots.read_cases(p, province="15", today=TODAY)
    q = res.quarantine.iloc[0]
    msg = q["message"]
    for part in ("'abc'", "Vĩ độ", "'xyz'", "Kinh độ", "31/02/2023", "99/99/2023", "hôm nay"):
        assert part in msg
    assert "column 'Số nạn nhân'" in msg and q["reason"] == "bad_coordinates"


def test_remaining_reason_codes_with_known_answers(tmp_path):
    # unknown_province, unknown_role, status_flag_as_date, bad_value (seq), bad status date
    df = pd.DataFrame(
        {
            "case_id": ["A", "B", "C", "D", "E"],
            "tinh": ["Lào Cai", "Tỉnh Không Có", "Lào Cai", "Lào Cai", "Lào Cai"],
            "xa": ["Mường Khương"] * 5,
            "role": ["tuyển mộ", "tuyển mộ", "ngoài hành tinh", "tuyển mộ", "tuyển mộ"],
            "seq": ["0", "0", "0", "1.5", "0"],
            "reported_at": ["10/04/2023"] * 5,
            "khoi_to": ["x", "", "", "", "hôm nay"],
        }
    )
    res = hotspots.read_cases(df, today=TODAY)
    got = dict(zip(res.quarantine["source_row"], res.quarantine["reason"], strict=True))
    assert got == {3: "unknown_province", 5: "bad_value", 6: "bad_date"}
    q = res.quarantine.set_index("source_row")
    assert q.loc[3, "column"] == "tinh" and "Tỉnh Không Có" in q.loc[3, "message"]
    c = res.cases.set_index("source_row")
    assert c.loc[2, "case_opened"] == pd.Timestamp("2023-04-10", tz="Asia/Ho_Chi_Minh")
    assert "status_flag_as_date" in c.loc[2, "flags"]
    assert c.loc[4, "role"] == "other" and "unknown_role" in c.loc[4, "flags"]
    assert pd.isna(c.loc[4, "case_opened"])


def test_non_point_geometry_uses_a_representative_point():
    import shapely

    poly = shapely.box(103.9, 22.4, 104.0, 22.5)
    gdf = gpd.GeoDataFrame({"case_id": ["A"]}, geometry=[poly], crs="EPSG:4326")
    res = hotspots.read_cases(gdf, province="15")
    assert res.cases["flags"].iloc[0] == "non_point_geometry"
    assert poly.contains(res.cases.geometry.iloc[0])


def _codes(res) -> set[str]:
    return set(res.quarantine["reason"]) | set(res.flagged())


def test_every_reason_code_is_produced_by_some_test_input(vi):
    import shapely

    seen = _codes(vi)
    seen |= _codes(hotspots.read_cases(DATA / "malformed_rows.csv"))
    seen |= _codes(hotspots.read_cases(DATA / "vn2000_tm3.csv", province="15"))
    seen |= _codes(hotspots.read_cases(pd.DataFrame({"case_id": ["A"], "xa": ["Tân Lập"]})))
    seen |= _codes(
        hotspots.read_cases(
            pd.DataFrame(
                {
                    "tinh": ["Tỉnh Không Có", "15", "Tỉnh Yên Bái"],
                    "xa": ["Mường Khương"] * 3,
                    "role": ["", "ngoài hành tinh", ""],
                    "reported_at": ["10/04/2023"] * 3,
                    "khoi_to": ["", "x", ""],
                }
            )
        )
    )
    gdf = gpd.GeoDataFrame(
        {"case_id": ["A"]}, geometry=[shapely.box(103.9, 22.4, 104.0, 22.5)], crs=4326
    )
    seen |= _codes(hotspots.read_cases(gdf))
    seen |= _codes(
        hotspots.read_cases(
            pd.DataFrame({"date": ["01/02/2020"], "time": ["25:99"], "lat": [22.4], "lon": [104.0]})
        )
    )
    far = pd.DataFrame({"lat": [22.4 + 0.001 * i for i in range(25)] + [-1.0], "lon": 104.0})
    seen |= _codes(hotspots.read_cases(far))
    assert seen == set(REASONS)


def test_cli_validate_names_every_bad_row(tmp_path, capsys):
    p = tmp_path / "many.csv"
    rows = "\n".join(f"C{i},05/04/2023,abc,103.97" for i in range(80))
    p.write_text("Mã vụ,Ngày xảy ra,Vĩ độ,Kinh độ\n" + rows + "\n", encoding="utf-8")
    assert main(["validate", str(p), "--province", "15"]) == 0
    out = capsys.readouterr().out
    assert "Quarantined rows (all 80)" in out
    for r in range(2, 82):
        assert f"row {r} [Vĩ độ]" in out
    assert main(["validate", str(p), "--show", "5"]) == 0
    assert "first 5 of 80" in capsys.readouterr().out


_ids = st.sampled_from(["A", "B", "C", "", " "])
_coord = st.one_of(
    st.sampled_from(["22.4856", "103.9707", "22,30", "104,05", "", "abc", "0", "95.5", "1e9"]),
    st.sampled_from(["22°29'08\"N", "103°58'15\"E", "N22.3", "-22.3", "2.487.639,77"]),
    st.floats(allow_nan=True, allow_infinity=True),
)
_cell = st.one_of(st.text(max_size=6), st.integers(-5, 50000), st.none())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(_ids, _coord, _coord, _cell, st.sampled_from(["Mường Khương", "Tân Lập", ""])),
        max_size=12,
    )
)
def test_accounting_holds_with_duplicates_pii_and_mixed_values(rows):
    df = pd.DataFrame(rows, columns=["Mã vụ", "Vĩ độ", "Kinh độ", "Ngày xảy ra", "Xã/Phường"])
    df["Họ tên"] = "Nguyễn Văn A"
    res = hotspots.read_cases(df, province="15", today=TODAY)
    assert res.accepted + res.quarantined == res.rows_read == len(df)
    # each input row is in exactly one of the two tables, and in the PII table
    both = sorted(res.cases["source_row"].tolist() + res.quarantine["source_row"].tolist())
    assert both == list(range(2, len(df) + 2))
    assert res.pii["source_row"].tolist() == list(range(2, len(df) + 2))
    assert "Họ tên" not in res.cases.columns
    assert not any("Họ tên" in c for c in res.quarantine.columns)


def test_location_problems_name_the_real_columns(vi):
    q = vi.quarantine.set_index("source_row")
    assert q.loc[6, "column"] == "Kinh độ/Vĩ độ"  # missing: the file's own headers
    assert q.loc[9, "column"] == "Kinh độ/Vĩ độ" and "Lào Cai" in q.loc[9, "message"]
    assert q.loc[5, "column"] == "Xã/Phường"


def test_garbage_in_lonlat_columns_is_not_taken_for_metres():
    df = pd.DataFrame({"case_id": ["A", "B"], "lat": ["1e9", "22.48"], "lon": ["1e9", "103.97"]})
    res = hotspots.read_cases(df, province="15")
    assert res.accepted == 1
    assert res.quarantine["reason"].tolist() == ["coordinates_out_of_range"]


def test_duplicates_by_case_role_and_stop():
    df = pd.DataFrame(
        {
            "case_id": ["A", "A", "A", "B", "B", "", ""],
            "seq": ["0", "0", "1", "0", "0", "0", "0"],
            "lat": ["22.48", "22.48", "22.30", "22.48", "22.49", "22.48", "22.48"],
            "lon": ["103.97"] * 7,
            "Họ tên": ["X", "Y", "X", "Z", "Z", "W", "W"],
        }
    )
    res = hotspots.read_cases(df, province="15")
    got = dict(zip(res.quarantine["source_row"], res.quarantine["reason"], strict=True))
    # A/0 twice with the same values (names differ: PII is not compared) -> later copy
    # merged; A/1 is another stop; B/0 twice with different values -> both out; rows
    # without a case id are never duplicates
    assert got == {3: "duplicate_merged", 5: "conflicting_duplicate", 6: "conflicting_duplicate"}
    assert res.cases["source_row"].tolist() == [2, 4, 7, 8]
    assert res.pii["victim_name"].tolist() == ["X", "Y", "X", "Z", "Z", "W", "W"]


def test_title_row_above_mapped_headers_and_flag_values_not_taken_for_a_header(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text(
        "Sổ theo dõi 2023\nVu,Khi,Bac,Dong,Ghi\nA,05/04/2023,22.48,103.97,x\n"
        "B,06/04/2023,22.49,103.98,x\n",
        encoding="utf-8",
    )
    res = hotspots.read_cases(p, mapping=DATA / "custom_mapping.yaml")
    assert res.cases["case_id"].tolist() == ["A", "B"]
    assert res.cases["source_row"].tolist() == [3, 4]
    # without the title, a data cell "x" (also the name of an x column) does not move
    # the header down
    q = tmp_path / "u.csv"
    q.write_text("Vu,Khi,Bac,Dong,Ghi\nA,05/04/2023,22.48,103.97,x\n", encoding="utf-8")
    assert hotspots.read_cases(q, mapping=DATA / "custom_mapping.yaml").accepted == 1


def test_semicolon_file_with_decimal_commas_in_every_column(tmp_path):
    # the delimiter is the one that splits the header into known names
    p = tmp_path / "s.csv"
    p.write_text("Vĩ độ;Kinh độ\n22,4856;103,9707\n22,30;104,05\n", encoding="utf-8")
    res = hotspots.read_cases(p, province="15")
    assert res.accepted == 2 and res.cases.geometry.x.tolist() == pytest.approx([103.9707, 104.05])
    from hotspots.data.readers import _guess_delimiter

    # a title line full of commas does not outvote the header
    title = "Báo cáo, tháng 4, năm 2023, tỉnh Lào Cai\nMã vụ;Vĩ độ;Kinh độ\n"
    assert _guess_delimiter(title) == ";"  # csv.Sniffer gives up on this one


def test_mostly_utf8_file_with_a_stray_byte_stays_utf8(tmp_path):
    text = "Mã vụ,Vĩ độ,Kinh độ,Xã/Phường\n" + "".join(
        f"LC-{i},,,Mường Khương\n" for i in range(20)
    )
    data = text.encode("utf-8").replace(b"LC-3,", b"LC-3\xa0,")  # one Latin-1 byte
    p = tmp_path / "mixed.csv"
    p.write_bytes(data)
    res = hotspots.read_cases(p, province="15")
    assert res.info["encoding"].startswith("utf-8 (1 undecodable")
    assert res.accepted == 20 and (res.cases["precision"] == "commune").all()
    assert res.cases["case_id"].iloc[3] == "LC-3\ufffd"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("05/04/2023 10:30:00 SA", "2023-04-05 10:30"),
        ("05/04/2023 02:30:00 CH", "2023-04-05 14:30"),
        ("05/04/2023 12:05 AM", "2023-04-05 00:05"),
        ("5/4/2023 10h", "2023-04-05 10:00"),
        ("05/04/2023, 08:15", "2023-04-05 08:15"),
        ("ngày 05 tháng 4 năm 2023", "2023-04-05 00:00"),
        ("ngay 5 thang 4 nam 2023", "2023-04-05 00:00"),
    ],
)
def test_vietnamese_date_forms(text, expected):
    from hotspots.data.dates import parse_date

    assert parse_date(text) == pd.Timestamp(expected, tz="Asia/Ho_Chi_Minh")


def test_one_latitude_longitude_column():
    df = pd.DataFrame(
        {
            "Mã vụ": list("ABCDEF"),
            "Tọa độ": [
                "22.4856, 103.9707",
                "(22.30,104.05)",
                "22,4856, 103,9707",
                "22°29'08\"N 103°58'15\"E",
                "abc",
                "",
            ],
        }
    )
    res = hotspots.read_cases(df, province="15")
    assert res.cases["case_id"].tolist() == list("ABCD")
    assert res.cases.geometry.y.tolist() == pytest.approx(
        [22.4856, 22.30, 22.4856, 22 + 29 / 60 + 8 / 3600], abs=1e-12
    )
    q = res.quarantine.set_index("source_row")
    assert q.loc[6, "reason"] == "bad_coordinates" and q.loc[6, "column"] == "Tọa độ"
    assert "'latitude, longitude'" in q.loc[6, "message"]
    assert q.loc[7, "reason"] == "missing_coordinates" and q.loc[7, "column"] == "Tọa độ"


def test_xlsx_data_sheet_found_behind_a_summary_sheet(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp"
    ws.append(["Năm", "Số vụ"])
    ws.append([2023, 2])
    data = wb.create_sheet("Chi tiết")
    data.append(["Mã vụ", "Vĩ độ", "Kinh độ"])
    data.append(["A", 22.4856, 103.9707])
    data.append(["B", 22.30, 104.05])
    p = tmp_path / "wb.xlsx"
    wb.save(p)
    res = hotspots.read_cases(p, province="15")
    assert res.accepted == 2 and "Chi tiết" in res.info["source"]
    with pytest.raises(UnusableInputError, match="no location column"):
        hotspots.read_cases(p, sheet="Tổng hợp")
    with pytest.raises(UnusableInputError, match="no sheet 'X'; its sheets are: Tổng hợp, Chi"):
        hotspots.read_cases(p, sheet="X")


def test_western_legacy_encoding_is_not_taken_for_vietnamese(tmp_path):
    text = "id,bairro,lat,lon\n" + "".join(
        f"{i},{b},-23.55,-46.63\n"
        for i, b in enumerate(["São João", "Consolação", "Sé", "Pinheiros", "Liberdade"] * 8)
    )
    p = tmp_path / "sp.csv"
    p.write_bytes(text.encode("cp1252"))
    res = hotspots.read_cases(p)
    assert res.info["encoding"] != "cp1258"
    assert res.cases["bairro"].iloc[0] == "São João"
    assert res.cases["bairro"].iloc[1] == "Consolação"


def test_xlsx_values_beyond_the_last_named_column_are_a_malformed_row(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Mã vụ", "Vĩ độ", "Kinh độ"])
    ws.append(["A", 22.4856, 103.9707])
    ws.append(["B", 22.30, 104.05, "lạc cột"])
    ws.append([])
    ws.append(["C", 22.30, 104.05])
    p = tmp_path / "extra.xlsx"
    wb.save(p)
    res = hotspots.read_cases(p, province="15")
    assert res.rows_read == 3 and res.cases["source_row"].tolist() == [2, 5]
    q = res.quarantine.iloc[0]
    assert q["source_row"] == 3 and q["reason"] == "malformed_row"
    assert "beyond the last named column" in q["message"]


def test_implausible_counts_are_bad_values():
    df = pd.DataFrame(
        {
            "case_id": ["A", "B", "C", "D"],
            "lat": [22.48] * 4,
            "lon": [103.97] * 4,
            "victims": ["3", "1e12", "2", "1"],
            "seq": ["0", "0", "-1", "10001"],
        }
    )
    res = hotspots.read_cases(df, province="15")
    got = dict(zip(res.quarantine["source_row"], res.quarantine["reason"], strict=True))
    assert got == {3: "bad_value", 4: "bad_value", 5: "bad_value"}
    assert res.cases["victims"].tolist() == [3]
    assert "from 0 to 10000" in res.quarantine["message"].iloc[0]


def test_pre_2025_province_names_resolve_to_the_merged_province():
    df = pd.DataFrame(
        {
            "case_id": ["A", "B", "C"],
            "tinh": ["Yên Bái", "Tỉnh Hà Giang", "Atlantis"],
            "xa": ["Mường Khương", "", "Mường Khương"],
        }
    )
    res = hotspots.read_cases(df)
    c = res.cases.set_index("case_id")
    assert c.loc["A", "province_code"] == "15" and "old_province" in c.loc["A", "flags"]
    # B has no location: its province is known (Tuyên Quang, 08) but it is still missing
    q = res.quarantine.set_index("source_row")
    assert q.loc[3, "reason"] == "missing_coordinates"
    assert q.loc[4, "reason"] == "unknown_province" and "Atlantis" in q.loc[4, "message"]


_TRICKY_CSV = [
    # blank line, short row, all-empty row, a quoted cell with a line break and a comma,
    # a trailing delimiter
    "Mã vụ,Ngày xảy ra,Vĩ độ,Kinh độ\nA,05/04/2023,22.4,103.9\n\nB,06/04/2023,22.5\n,,,\n"
    '"C\nD",07/04/2023,"22,5",103.9\nE,08/04/2023,22.6,103.8,\n',
    # title rows above the header
    "DANH SÁCH VỤ VIỆC\n\nMã vụ,Ngày xảy ra,Vĩ độ,Kinh độ\nA,05/04/2023,22.4,103.9\nB,x,1,2\n",
    # too many fields: in the first row, in a later row
    "Mã vụ,Ngày xảy ra,Vĩ độ,Kinh độ\nA,05/04/2023,22.4,103.9,extra\nB,x,1,2\n",
    "Mã vụ,Ngày xảy ra,Vĩ độ,Kinh độ\nB,x,1,2\nA,05/04/2023,22.4,103.9,extra,more\n",
    "Mã vụ;Ngày xảy ra;Vĩ độ;Kinh độ\nA;05/04/2023;22,4;103,9\n  ;  ; ;\nB; x ;1;2\n",
    "id,date,lat,lon,id\n1,2,3,4,5\n",
    "id,date,lat,lon\r\n1,2,3,4\r\n\r\n5,6,7,8",
    'id,date,lat,lon\n1,"a ""q"" b",3,4\n2,x"y,3,4\n',
    # records of spaces only (blank), also quoted, with Windows line ends
    "id,date,lat,lon\r\n1,2,3,4\r\n , , , \r\n5,6,7,8\r\n",
    'id,date,lat,lon\n1,2,3,4\n" ","",,\n5,6,7,\u00a0\n',
]


@pytest.mark.parametrize("text", _TRICKY_CSV)
def test_fast_csv_path_reads_exactly_as_the_csv_module(text, monkeypatch):
    """Large texts go through pandas' C reader; rows, row numbers, malformed rows and
    title rows are the same as with the csv module."""
    from hotspots.data import readers

    monkeypatch.setattr(readers, "_FAST_MIN_CHARS", 10**12)
    slow = readers._read_text(text.encode(), "x.csv", None, None)
    monkeypatch.setattr(readers, "_FAST_MIN_CHARS", 0)
    fast = readers._read_text(text.encode(), "x.csv", None, None)
    pd.testing.assert_frame_equal(fast.frame, slow.frame)
    assert list(fast.rows) == list(slow.rows)
    assert fast.malformed == slow.malformed and fast.title_rows == slow.title_rows


def test_fast_csv_path_is_taken_for_a_large_regular_file(monkeypatch, tmp_path):
    from hotspots.data import readers

    calls = []
    real = readers._read_text_fast

    def spy(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(readers, "_read_text_fast", spy)
    rows = "".join(f"C{i},05/04/2023,22.{i % 90:02d},103.9\n" for i in range(40_000))
    text = "Mã vụ,Ngày xảy ra,Vĩ độ,Kinh độ\n" + rows
    assert len(text) >= readers._FAST_MIN_CHARS
    path = tmp_path / "big.csv"
    path.write_text(text, encoding="utf-8")
    res = hotspots.read_cases(path)
    assert calls and res.accepted == 40_000 and res.cases["source_row"].iloc[-1] == 40_001


def test_study_area_errors_are_named(tmp_path):
    from hotspots.data.ingest import resolve_area

    table = tmp_path / "area.csv"
    table.write_text("lon,lat\n104,22\n", encoding="utf-8")  # a table, not a polygon
    with pytest.raises(UnusableInputError, match="area file .*area.csv holds no geometry"):
        resolve_area(table)
    with pytest.raises(UnusableInputError, match=r"at least one polygon \(found Point\)"):
        resolve_area(shapely.Point(104, 22))
    with pytest.raises(InputError, match="got int"):
        resolve_area(5)
    with pytest.raises(InputError, match="either a province or an area"):
        resolve_area(shapely.box(0, 0, 1, 1), province="Lào Cai")
    box = resolve_area(shapely.box(104, 22, 104.1, 22.1))
    assert box.crs.to_epsg() == 4326 and box.geometry.iloc[0].area == pytest.approx(0.01)
