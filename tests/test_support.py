"""Victim support: facilities file, reach, siting MILPs (vs brute force), awareness."""

from __future__ import annotations

from itertools import combinations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog
from shapely.geometry import LineString, Point, box

from hotspots import geodata
from hotspots.data.crs import metric_crs
from hotspots.errors import InputError, UnusableInputError
from hotspots.plan.travel import from_network, straight_line
from hotspots.support.awareness import commune_risk, risk_reason, select_awareness
from hotspots.support.facilities import parse_type, read_facilities_file
from hotspots.support.reach import (
    beyond_reach,
    home_victims,
    reach_table,
    service_areas,
    victims_within,
)
from hotspots.support.siting import brute_force, evaluate_sites, solve_siting

# ---------------------------------------------------------------- facilities file
VI_FILE = (
    "Loại cơ sở,Tên cơ sở,Xã,Kinh độ,Vĩ độ,Sức chứa,Giờ mở cửa\n"
    "Cơ sở bảo trợ xã hội,Trung tâm A,,104.0,22.45,30,24/7\n"  # 2 coordinates
    "Trạm y tế,TYT Cam Đường,Cam Đường,,,,07:30-17:00\n"  # 3 commune seat
    "Nhà hàng,Quán B,Cam Đường,,,,\n"  # 4 bad type
    "Công an xã,CA không rõ,,,,,\n"  # 5 no location
    "Trợ giúp pháp lý,TGPL X,Xã Không Có,,,,\n"  # 6 unknown commune
    "Điểm tiếp nhận,Đường dây nóng,Cam Đường,,,ba mươi,\n"  # 7 bad capacity
    "Công an xã,CA Y,,10.0,50.0,,\n"  # 8 far outside the province
)


def _write(tmp_path, text, name="fac.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_parse_type_english_and_vietnamese():
    assert parse_type("Cơ sở bảo trợ xã hội") == "shelter"
    assert parse_type("NHÀ TẠM LÁNH") == "shelter"
    assert parse_type("Bệnh viện đa khoa") == "health"
    assert parse_type("Công an xã") == "police"
    assert parse_type("legal aid") == "legal_aid"
    assert parse_type("Đường dây nóng 111") == "reception"
    assert parse_type("") is None and parse_type("chợ") is None


def test_facilities_vietnamese_headers_and_quarantine(tmp_path):
    res = read_facilities_file(_write(tmp_path, VI_FILE), province="Lào Cai")
    fac, q = res.facilities, res.quarantine
    assert res.rows_read == 7 and len(fac) + len(q) == res.rows_read
    assert fac["type"].tolist() == ["shelter", "health"]
    seat = geodata.commune("Cam Đường", province="Lào Cai").geometry
    assert fac.geometry.iloc[1].equals(seat)  # commune only: its seat
    assert fac["commune_code"].iloc[1] == "02671"
    assert fac["commune_code"].iloc[0] != ""  # coordinates: commune from the cell
    assert fac["capacity"].iloc[0] == 30 and np.isnan(fac["capacity"].iloc[1])
    assert fac["hours"].iloc[0] == "24/7"
    by_row = dict(zip(q["source_row"], q["reason"], strict=True))
    assert by_row == {
        4: "bad_type",
        5: "missing_location",
        6: "unknown_commune",
        7: "bad_capacity",
        8: "bad_coordinates",
    }
    msg = q.set_index("source_row")["message"]
    assert "Loại cơ sở" in msg[4] and "công an xã" in msg[4]  # the file's header, the fix
    assert "Xã" in msg[5] and "lon" in msg[5]
    assert "ba mươi" in msg[7]
    assert any("row 6 (TGPL X)" in m for m in res.messages())


def test_facilities_xlsx_and_geopackage(tmp_path):
    df = pd.read_csv(_write(tmp_path, VI_FILE), dtype=str, keep_default_na=False)
    df.to_excel(tmp_path / "fac.xlsx", index=False)
    res = read_facilities_file(tmp_path / "fac.xlsx", province="Lào Cai")
    assert len(res.facilities) == 2 and res.rows_read == 7
    g = gpd.GeoDataFrame(
        {"loai": ["Cơ sở y tế", "x"], "ten": ["A", "B"]},
        geometry=[Point(104.0, 22.4), Point(104.1, 22.4)],
        crs=4326,
    )
    g.to_file(tmp_path / "fac.gpkg", driver="GPKG")
    res = read_facilities_file(tmp_path / "fac.gpkg", province="Lào Cai")
    assert res.facilities["type"].tolist() == ["health"]
    assert res.facilities.geometry.iloc[0].equals(Point(104.0, 22.4))
    assert res.quarantine["reason"].tolist() == ["bad_type"]


def test_facilities_unusable(tmp_path):
    with pytest.raises(UnusableInputError, match="no usable facility"):
        read_facilities_file(_write(tmp_path, "Loại,Tên\nchợ,A\n"))
    with pytest.raises(UnusableInputError, match="type column"):
        read_facilities_file(_write(tmp_path, "Tên,Xã\nA,Cam Đường\n"))
    with pytest.raises(UnusableInputError, match="does not exist"):
        read_facilities_file(tmp_path / "missing.csv")


# --------------------------------------------------------------------------- reach
def _facilities(points, types, names=None):
    return gpd.GeoDataFrame(
        {
            "type": types,
            "name": names or [f"f{i}" for i in range(len(types))],
            "commune_code": [""] * len(types),
            "capacity": np.nan,
        },
        geometry=points,
        crs=4326,
    )


def test_reach_follows_the_road_not_the_crow():
    """A river between A and D: the nearest shelter by road is C, by air D."""
    a, b, c = Point(104.0, 22.0), Point(104.0, 22.1), Point(104.1, 22.1)
    d = Point(104.02, 22.0)  # 2 km from A, but its road joins only at C
    roads = gpd.GeoDataFrame(
        {"speed_kmh": [36.0, 36.0, 36.0]},
        geometry=[LineString([a, b]), LineString([b, c]), LineString([c, d])],
        crs=4326,
    )
    net = from_network(roads)
    fac = _facilities([c, d], ["shelter", "shelter"], ["C", "D"])
    places = gpd.GeoDataFrame({"place": ["A"]}, geometry=[a], crs=4326)
    r = reach_table(places, fac, net)
    m = roads.to_crs(metric_crs(roads)).length.to_numpy()
    assert r["facility"].iloc[0] == "C"
    assert r["minutes"].iloc[0] == pytest.approx((m[0] + m[1]) / 10.0 / 60.0, rel=1e-4)
    crow = reach_table(places, fac, straight_line(36.0, 1.0))
    assert crow["facility"].iloc[0] == "D"
    assert crow["minutes"].iloc[0] == pytest.approx(
        gpd.GeoSeries([a, d], crs=4326)
        .to_crs(metric_crs(roads))
        .iloc[0]
        .distance(gpd.GeoSeries([d], crs=4326).to_crs(metric_crs(roads)).iloc[0])
        / 10.0
        / 60.0,
        rel=1e-6,
    )


def test_reach_each_type_and_a_facility_at_the_seat_is_zero():
    a, b = Point(104.0, 22.0), Point(104.0, 22.1)
    roads = gpd.GeoDataFrame({"speed_kmh": [36.0]}, geometry=[LineString([a, b])], crs=4326)
    net = from_network(roads)
    fac = _facilities([a, b], ["health", "police"])
    places = gpd.GeoDataFrame({"place": ["A", "B"]}, geometry=[a, b], crs=4326)
    r = reach_table(places, fac, net).set_index(["place", "type"])["minutes"]
    leg = roads.to_crs(metric_crs(roads)).length.iloc[0] / 10.0 / 60.0
    assert r[("A", "health")] == 0 and r[("B", "police")] == 0
    assert r[("A", "police")] == pytest.approx(leg, rel=1e-4)
    assert r[("B", "health")] == pytest.approx(leg, rel=1e-4)


def test_service_areas_union_of_cells_within_time():
    cells = gpd.GeoDataFrame(
        {"code": ["a", "b", "c"], "area_km2": [1.0, 2.0, 3.0]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)],
        crs=4326,
    )
    reach = pd.DataFrame(
        {"place": ["a", "b", "c"], "type": "shelter", "minutes": [10.0, 45.0, 100.0]}
    )
    sa = service_areas(reach, cells).set_index("minutes")
    assert sa.loc[30, "communes"] == 1 and sa.loc[60, "communes"] == 2
    assert sa.loc[120, "communes"] == 3 and sa.loc[60, "area_km2"] == 3.0
    assert sa.loc[60].geometry.equals(box(0, 0, 2, 1))


def _cases(rows):
    """rows: (case_id, role, victims, commune_code, year)."""
    df = pd.DataFrame(rows, columns=["case_id", "role", "victims", "commune_code", "year"])
    df["occurred_at"] = pd.to_datetime(df["year"].astype(str) + "-06-01").dt.tz_localize(
        "Asia/Ho_Chi_Minh"
    )
    return df.drop(columns="year")


def test_home_victims_and_share_within_per_year():
    cases = _cases(
        [
            ("1", "victim_home", 3, "a", 2023),
            ("1", "recruitment", 3, "b", 2023),
            ("2", "victim_home", 1, "c", 2023),
            ("3", "victim_home", np.nan, "a", 2024),
            ("4", "victim_home", 0, "c", 2024),
            ("5", "victim_home", 4, "b", 2024),
        ]
    )
    hv = home_victims(cases)
    assert hv.set_index(["commune_code", "year"])["victims"].to_dict() == {
        ("a", 2023): 3,
        ("a", 2024): 1,
        ("b", 2024): 4,
        ("c", 2023): 1,
        ("c", 2024): 1,
    }
    reach = pd.DataFrame(
        {"place": ["a", "b", "c"], "type": "health", "minutes": [20.0, 60.0, 61.0]}
    )
    w = victims_within(reach, hv, 60).set_index("year")
    assert w.loc["2023", "victims"] == 4 and w.loc["2023", "share"] == pytest.approx(3 / 4)
    assert w.loc["2024", "share"] == pytest.approx(5 / 6)
    assert w.loc["all", "share"] == pytest.approx(8 / 10)


def test_beyond_reach_ranked_by_victims():
    areas = pd.DataFrame(
        {"place": ["KV1", "KV2", "KV3"], "name": ["x", "y", "z"], "victims": [5, 40, 12]}
    )
    ar = pd.DataFrame(
        {
            "place": ["KV1", "KV2", "KV3"] * 2,
            "type": ["shelter"] * 3 + ["health"] * 3,
            "minutes": [90, 70, 30, 20, 130, 40],
        }
    )
    b = beyond_reach(ar, areas, 60)
    assert b["place"].tolist() == ["KV2", "KV1"]  # KV3 is within reach of both
    assert b["n_beyond"].tolist() == [2, 1] and b["worst_min"].tolist() == [130, 90]
    assert b["beyond"].iloc[1] == "Cơ sở bảo trợ xã hội / nhà tạm lánh"


# --------------------------------------------------------------------------- siting
def test_siting_hand_computed():
    w = np.array([2.0, 1.0, 4.0])
    t = np.array([[10.0, 70.0], [50.0, 20.0], [90.0, 55.0]])
    r = solve_siting(w, t, 1, model="cover", limit=60)
    assert r.chosen == [1] and r.objective == 5.0 and r.gap == 0.0  # covers demands 1 and 2
    assert evaluate_sites(w, t, [0], model="cover", limit=60) == 3.0
    r = solve_siting(w, t, 1, model="median")
    assert r.chosen == [1] and r.objective == pytest.approx(2 * 70 + 20 + 4 * 55)
    now = np.array([[5.0], [200.0], [200.0]])  # an existing site already serves demand 0
    r = solve_siting(w, t, 1, now, model="cover", limit=60)
    assert r.before == 2.0 and r.objective == 7.0


@pytest.mark.parametrize("model", ["cover", "median"])
def test_siting_equals_brute_force(model):
    rng = np.random.default_rng(7)
    for _ in range(25):
        n, m, e = rng.integers(3, 9), rng.integers(2, 7), rng.integers(0, 3)
        w = rng.integers(0, 12, n).astype(float)
        t_new = rng.uniform(5, 120, (n, m))
        t_now = rng.uniform(5, 150, (n, e)) if e else None
        for k in range(1, m + 1):
            r = solve_siting(w, t_new, k, t_now, model=model, limit=45)
            best, _ = brute_force(w, t_new, k, t_now, model=model, limit=45)
            assert r.objective == pytest.approx(best, abs=1e-6)
            assert evaluate_sites(w, t_new, r.chosen, t_now, model, 45) == pytest.approx(best)
            assert len(r.chosen) == k and r.gap <= 1e-9


def _capacitated_cover_lp(w, t, caps, limit):
    """Oracle: with the sites fixed, the capacitated cover is an LP (linprog)."""
    pi, pj = np.nonzero(t <= limit)
    if len(pi) == 0:
        return 0.0
    a_ub, b_ub = [], []
    for i in range(len(w)):
        a_ub.append((pi == i).astype(float))
        b_ub.append(1.0)
    for j in range(t.shape[1]):
        a_ub.append(np.where(pj == j, w[pi], 0.0))
        b_ub.append(caps[j])
    res = linprog(-w[pi], A_ub=np.array(a_ub), b_ub=b_ub, bounds=(0, 1), method="highs")
    return -res.fun


def test_capacitated_cover_equals_brute_force_lp():
    rng = np.random.default_rng(3)
    for _ in range(12):
        n, m = rng.integers(3, 7), rng.integers(2, 5)
        w = rng.integers(1, 10, n).astype(float)
        t_new = rng.uniform(5, 90, (n, m))
        t_now = rng.uniform(5, 90, (n, 1))
        cap_new, cap_now = 8.0, np.array([5.0])
        for k in range(1, m + 1):
            r = solve_siting(w, t_new, k, t_now, "cover", 50, cap_new=cap_new, cap_now=cap_now)
            best = max(
                _capacitated_cover_lp(
                    w, np.hstack([t_now, t_new[:, list(s)]]), [5.0] + [cap_new] * k, 50
                )
                for s in combinations(range(m), k)
            )
            assert r.objective == pytest.approx(best, abs=1e-6)


def test_capacity_limits_what_a_site_serves():
    w = np.array([10.0, 10.0])
    t = np.array([[10.0], [10.0]])
    assert solve_siting(w, t, 1, limit=60).objective == 20.0
    r = solve_siting(w, t, 1, limit=60, cap_new=10.0)
    assert r.objective == pytest.approx(10.0) and r.unserved == pytest.approx(10.0)
    r = solve_siting(w, t, 1, model="median", cap_new=15.0)
    assert r.served == pytest.approx(15.0) and r.objective == pytest.approx(150.0)


def test_siting_bad_parameters():
    with pytest.raises(InputError, match="model"):
        solve_siting([1.0], [[1.0]], 1, model="centre")
    with pytest.raises(InputError, match="whole number"):
        solve_siting([1.0], [[1.0]], -1)


# ------------------------------------------------------------------------ awareness
COMMUNES = pd.DataFrame({"code": ["x", "y", "z", "q"], "name": ["Xã X", "Xã Y", "Xã Z", "Xã Q"]})


def _planted():
    rows, cid = [], 0
    for year in range(2021, 2026):  # X: 2 victims a year, flat; Y: 1, 2, 3, 4, 5 rising
        cid += 1
        rows.append((str(cid), "victim_home", 2, "x", year))
        rows.append((str(cid), "recruitment", 2, "z", year))  # recruited in Z
        for _ in range(year - 2020):
            cid += 1
            rows.append((str(cid), "victim_home", 1, "y", year))
    rows.append(("99", "victim_home", 1, "q", 2023))
    return _cases(rows)


def test_commune_risk_planted():
    lines = pd.DataFrame({"rank": [1], "communes": ["Xã A; Xã Z"]})
    risk = commune_risk(_planted(), COMMUNES, key_lines=lines).set_index("commune_code")
    assert risk.loc["x", "victims"] == 10 and not risk.loc["x", "rising"]
    assert risk.loc["y", "victims"] == 15 and risk.loc["y", "rising"]
    assert risk.loc["y", "trend_p"] < 0.05
    assert risk.loc["y", "risk"] == pytest.approx(22.5)  # 15 x 1.5
    assert risk.loc["z", "recruited"] == 10 and risk.loc["z", "key_line"] == 1
    assert risk.loc["z", "risk"] == pytest.approx(7.5)  # 0.5 x 10 x 1.5
    assert risk.loc["x", "recruited_in"] == "Xã Z"
    assert list(risk.index[:3]) == ["y", "x", "z"]


def test_select_awareness_top_and_covering():
    risk = commune_risk(_planted(), COMMUNES)
    top = select_awareness(risk, 2)
    assert top["name"].tolist() == ["Xã Y", "Xã X"] and top.attrs["gap"] == 0.0
    assert "tăng" in top["reason"].iloc[0] and "15 nạn nhân" in top["reason"].iloc[0]
    assert "tuyển mộ tại Xã Z" in top["reason"].iloc[1]
    order = risk["commune_code"].tolist()
    minutes = np.full((len(risk), len(risk)), 99.0)
    minutes[order.index("y"), order.index("x")] = 5.0  # a campaign in X reaches Y
    one = select_awareness(risk, 1, minutes, reach_min=15)
    assert one["name"].tolist() == ["Xã X"] and one["reaches"].iloc[0] == "Xã Y"
    assert one["covered_risk"].iloc[0] == pytest.approx(10 + 22.5)


def test_awareness_reason_suppresses_small_counts():
    row = pd.Series(
        {
            "victims": 1.0,
            "recruited": 2.0,
            "rising": False,
            "emerging": False,
            "key_line": pd.NA,
            "recruited_in": "",
        }
    )
    text = risk_reason(row)
    assert "dưới 3 nạn nhân cư trú" in text and "tuyển mộ dưới 3" in text
    assert "1" not in text and "2" not in text


# --------------------------------------------------------------------- report tables
def test_report_tables_language_and_privacy(tmp_path):
    from hotspots.support.siting import SitingResult
    from hotspots.support.tables import (
        beyond_table,
        new_sites_table,
        reach_kpi_table,
        report_facilities,
        sites_layer,
    )

    w = pd.DataFrame({"year": ["2024", "all", "2023", "2022"], "type": "health",
                      "share": [0.5, 0.25, 0.0, 1.0], "victims": [4, 10, 6, 2]})  # fmt: skip
    kpi = reach_kpi_table(w, "vi")
    assert kpi.index.tolist() == ["2022", "2023", "2024", "Cả giai đoạn"]
    assert kpi["Cơ sở y tế"].tolist()[1:] == [0, 50, 25]
    assert pd.isna(kpi["Cơ sở y tế"].iloc[0])  # 2 victims in 2022: no share shown
    assert reach_kpi_table(w, "en").columns.tolist() == ["Health facility"]
    b = pd.DataFrame({"name": ["KV"], "victims": [2], "beyond": ["Cơ sở y tế"],
                      "worst_min": [80.4]})  # fmt: skip
    t = beyond_table(b, "en")
    assert pd.isna(t["Victims"].iloc[0]) and t["Out of reach"].iloc[0] == "Health facility"
    sites = gpd.GeoDataFrame(
        {"rank": [1, 2], "name": ["A", "B"], "type": "shelter", "victims": [1.4, 20.0]},
        geometry=[Point(0, 0)] * 2,
        crs=4326,
    )
    assert pd.isna(sites_layer(sites)["victims"].iloc[0])
    shown = new_sites_table(sites, SitingResult([], 0, 0, [], 0, "", "cover"))
    assert pd.isna(shown["Nạn nhân"].iloc[0]) and shown["Nạn nhân"].iloc[1] == 20
    fac, said = report_facilities(None, "Lào Cai", False, tmp_path, "vi")
    assert fac is None and "facilities_path" in said
    fac, said = report_facilities(None, "Lào Cai", True, tmp_path, "vi")
    assert len(fac.facilities) == 44 and (tmp_path / "facilities_synthetic.csv").exists()


def test_support_travel_records_the_model():
    from hotspots.plan.travel import BUNDLED_ROADS
    from hotspots.support.reach import support_travel

    assert support_travel().describe()["model"] == "straight-line"
    bundled = support_travel("Lào Cai").describe()
    assert bundled["model"] == "network" and bundled["source"] == BUNDLED_ROADS
    a, b = Point(104.0, 22.0), Point(104.0, 22.1)
    roads = gpd.GeoDataFrame({"speed_kmh": [36.0]}, geometry=[LineString([a, b])], crs=4326)
    assert support_travel("Lào Cai", roads).describe()["edges"] == 1  # the file wins


def test_emerging_origin_cells_make_a_commune_rising():
    cells = gpd.GeoDataFrame(
        {"code": ["x", "y", "z", "q"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1), box(3, 0, 4, 1)],
        crs=4326,
    )
    emerging = gpd.GeoDataFrame(
        {"category": ["new hot spot", "persistent cold spot"]},
        geometry=[box(0.2, 0.2, 0.4, 0.4), box(3.2, 0.2, 3.4, 0.4)],
        crs=4326,
    )
    risk = commune_risk(_planted(), COMMUNES, emerging=emerging, cells=cells)
    risk = risk.set_index("commune_code")
    assert risk.loc["x", "emerging"] and risk.loc["x", "rising"]
    assert risk.loc["x", "risk"] == pytest.approx(15.0)  # 10 victims x 1.5
    assert not risk.loc["q", "emerging"]  # a cold spot is not emerging
    assert "mới nổi" in risk_reason(risk.loc["x"])


def test_key_lines_from_without_routes_is_none():
    from hotspots.support.analysis import key_lines_from

    assert key_lines_from(None, "Lào Cai") is None


def test_facilities_sheet_with_a_title_row(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH CƠ SỞ HỖ TRỢ NẠN NHÂN"])
    ws.append([])
    ws.append(["STT", "Loại cơ sở", "Tên cơ sở", "Xã", "Sức chứa"])
    ws.append([1, "Trạm y tế", "TYT A", "Cam Đường", ""])
    ws.append([2, "Quán", "B", "Cam Đường", ""])
    wb.save(tmp_path / "title.xlsx")
    res = read_facilities_file(tmp_path / "title.xlsx", province="Lào Cai")
    assert res.facilities["source_row"].tolist() == [4]  # the sheet's own row numbers
    assert res.quarantine["source_row"].tolist() == [5] and res.rows_read == 2
