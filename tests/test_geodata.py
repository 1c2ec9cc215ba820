"""Golden tests of the bundled geography (hotspots.geodata + geodata/ files)."""

from __future__ import annotations

import re

import numpy as np
import pytest
import shapely

from hotspots import geodata
from hotspots.errors import InputError, LookupNameError

REPO_GEODATA = __import__("pathlib").Path(__file__).resolve().parents[1] / "geodata"

UTM48 = "EPSG:32648"

# The 34 provinces of the 2025 structure (Resolution 202/2025/QH15), official codes.
PROVINCES_2025 = {
    "01": "Hà Nội", "04": "Cao Bằng", "08": "Tuyên Quang", "11": "Điện Biên", "12": "Lai Châu",
    "14": "Sơn La", "15": "Lào Cai", "19": "Thái Nguyên", "20": "Lạng Sơn", "22": "Quảng Ninh",
    "24": "Bắc Ninh", "25": "Phú Thọ", "31": "Hải Phòng", "33": "Hưng Yên", "37": "Ninh Bình",
    "38": "Thanh Hóa", "40": "Nghệ An", "42": "Hà Tĩnh", "44": "Quảng Trị", "46": "Huế",
    "48": "Đà Nẵng", "51": "Quảng Ngãi", "52": "Gia Lai", "56": "Khánh Hòa", "66": "Đắk Lắk",
    "68": "Lâm Đồng", "75": "Đồng Nai", "79": "Hồ Chí Minh", "80": "Tây Ninh",
    "82": "Đồng Tháp", "86": "Vĩnh Long", "91": "An Giang", "92": "Cần Thơ", "96": "Cà Mau",
}  # fmt: skip


# --- provinces --------------------------------------------------------------------------


def test_34_provinces_with_official_codes_and_names():
    p = geodata.provinces()
    assert len(p) == 34
    assert dict(zip(p["code"], p["name"], strict=True)) == PROVINCES_2025
    assert list(p.columns[:4]) == ["code", "name", "full_name", "name_ascii"]
    assert p.crs.to_epsg() == 4326
    assert set(p.geom_type) == {"MultiPolygon"}
    assert p.is_valid.all()
    assert p.loc[p["code"] == "15", "full_name"].item() == "Tỉnh Lào Cai"
    assert p.loc[p["code"] == "79", "name_ascii"].item() == "Ho Chi Minh"


def test_provinces_tile_the_country_without_overlap():
    m = geodata.provinces().to_crs(UTM48)
    total = m.area.sum()
    union = shapely.union_all(m.geometry.values).area
    assert abs(total - union) / total < 1e-6  # no overlaps
    # official land area of Vietnam ~331,000 km2; the coarse polygons must be close
    assert 320_000e6 < total < 340_000e6


def test_merged_province_is_union_of_its_old_provinces():
    merge = geodata.province_merge_2025()
    assert len(merge) == 63 and merge["old_code"].is_unique
    assert merge["new_code"].nunique() == 34
    lao_cai = set(merge.loc[merge["new_code"] == "15", "old_name_short"])
    assert lao_cai == {"Lào Cai", "Yên Bái"}
    hcm = set(merge.loc[merge["new_code"] == "79", "old_name_short"])
    assert hcm == {"Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu"}
    # Lào Cai (new) holds both old capitals: Lào Cai city and Yên Bái city
    poly = geodata.province("15").geometry
    assert poly.contains(shapely.Point(103.97, 22.45))  # Lào Cai city
    assert poly.contains(shapely.Point(104.87, 21.72))  # Yên Bái city
    assert not poly.contains(shapely.Point(105.85, 21.03))  # Hà Nội


@pytest.mark.parametrize(
    "query", ["lao cai", "Lào Cai", "Tỉnh Lào Cai", "tinh lao cai", "LÀO CAI", " 15 ", "015", 15]
)
def test_province_lookup_is_diacritic_case_prefix_insensitive(query):
    row = geodata.province(query)
    assert row["code"] == "15"
    assert row["name"] == "Lào Cai"
    assert row.geometry.geom_type == "MultiPolygon"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("TP. Hồ Chí Minh", "79"),
        ("Thành phố Hồ Chí Minh", "79"),
        ("hcm", "79"),
        ("Hanoi", "01"),
        ("Ha Noi", "01"),
        ("thanh pho ha noi", "01"),
        ("Đắk Lắk", "66"),
        ("dak lak", "66"),
        ("thanh pho hue", "46"),
        (1, "01"),
    ],
)
def test_province_lookup_other_spellings(query, code):
    assert geodata.province_code(query) == code


def test_unknown_province_lists_closest_matches():
    with pytest.raises(LookupNameError) as e:
        geodata.province("Lao Kai")
    msg = str(e.value)
    assert "Lao Kai" in msg and "Lào Cai" in msg
    assert len(msg.split("closest matches: ")[1].split(", ")) <= 5
    # the error is both a KeyError (lookup) and an InputError/ValueError (bad input)
    assert isinstance(e.value, KeyError) and isinstance(e.value, InputError)


def test_old_province_name_says_where_it_went():
    with pytest.raises(LookupNameError, match=r"merged into Lào Cai \(code 15\)"):
        geodata.province("Yên Bái")
    with pytest.raises(LookupNameError, match=r"pre-2025 code 10 was Lào Cai"):
        geodata.province("10")  # old Lào Cai code is 10, new is 15
    with pytest.raises(LookupNameError, match="unknown province code '13'"):
        geodata.province("13")


def test_returned_frames_are_copies():
    p = geodata.provinces()
    p.loc[0, "name"] = "changed"
    c = geodata.communes()
    c.loc[:, "code"] = "x"
    assert geodata.provinces().loc[0, "name"] == "Hà Nội"
    assert geodata.communes()["code"].is_unique


# --- normalisation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        ("Tỉnh Lào Cai", "lao cai"),
        ("  LÀO   CAI ", "lao cai"),
        ("Thành phố Hồ Chí Minh", "ho chi minh"),
        ("TP.Hồ Chí Minh", "ho chi minh"),
        ("tp. hcm", "hcm"),
        ("Xã Đông Thái Ninh", "dong thai ninh"),
        ("Phường Cam Đường", "cam duong"),
        ("Thị trấn Sa Pa", "sa pa"),
        ("Đặc khu Phú Quốc", "phu quoc"),
        ("Xã Ea H’Leo", "ea h leo"),
        ("Xã Ea H'Leo", "ea h leo"),
        ("Xã Thuận Hoà", "thuan hoa"),  # old- and new-style tone placement agree
        ("Xã Thuận Hòa", "thuan hoa"),
        ("Xã", "xa"),  # a bare prefix is a name, not a prefix
        (None, ""),
        (float("nan"), ""),
    ],
)
def test_normalize_name(raw, norm):
    assert geodata.normalize_name(raw) == norm


def test_full_and_short_names_normalise_alike():
    # the ingest geocoder indexes short names and receives full ones: they must agree for
    # every commune and province, including names that look like prefixes (Tịnh Biên,
    # Phương Liệt, Quan Sơn, Xa Dung, Tĩnh Túc)
    c = geodata.communes()
    assert (
        c["full_name"].map(geodata.normalize_name) == c["name"].map(geodata.normalize_name)
    ).all()
    p = geodata.provinces()
    assert (
        p["full_name"].map(geodata.normalize_name) == p["name"].map(geodata.normalize_name)
    ).all()
    assert geodata.normalize_name("Phường Tịnh Biên") == "tinh bien"
    assert geodata.normalize_name("xa tinh bien") == "tinh bien"
    assert geodata.normalize_name("Xa Dung") == geodata.normalize_name("Xã Xa Dung") == "xa dung"


def test_normalize_name_decomposed_input():
    # NFD input (as typed on some keyboards / exported by some tools) gives the same key
    import unicodedata

    assert geodata.normalize_name(unicodedata.normalize("NFD", "Tỉnh Lào Cai")) == "lao cai"


# --- communes ---------------------------------------------------------------------------


def test_3321_communes_with_unique_official_codes():
    c = geodata.communes()
    assert len(c) == 3321
    assert c["code"].is_unique
    assert c["code"].str.fullmatch(r"\d{5}").all()
    assert set(c["province_code"]) == set(PROVINCES_2025)
    assert list(c.columns) == [
        "code", "name", "full_name", "name_ascii", "kind", "province_code", "province_name",
        "area_km2", "area_approx", "geometry",
    ]  # fmt: skip
    # counts per type of the 2025 structure
    assert c["kind"].value_counts().to_dict() == {"xã": 2621, "phường": 687, "đặc khu": 13}
    assert c.crs.to_epsg() == 4326 and set(c.geom_type) == {"Point"}
    assert not c["name_ascii"].str.contains(r"[^\x00-\x7f]").any()
    assert (c["full_name"].str.len() > c["name"].str.len()).all()
    assert (c["province_name"] == c["province_code"].map(PROVINCES_2025)).all()


def test_communes_per_province_and_areas():
    assert len(geodata.communes("Lào Cai")) == 99
    assert len(geodata.communes("01")) == 126  # Hà Nội
    assert len(geodata.communes("hcm")) == 168
    c = geodata.communes()
    assert (c["area_km2"] > 0).all()
    # published area is known for all but two communes (marked approximate)
    # (0.0 in the source counts as unknown)
    assert sorted(c.loc[c["area_approx"], "code"]) == ["06187", "19147", "19159", "28435"]
    # sum of commune areas of Lào Cai vs its official area (13,256.9 km2) within 2 %
    lc = geodata.communes("15")
    assert abs(lc["area_km2"].sum() - 13_257) / 13_257 < 0.02


def test_commune_lookup():
    row = geodata.commune("Phường Cam Đường")
    assert (row["code"], row["province_code"], row["kind"]) == ("02671", "15", "phường")
    assert geodata.commune("cam duong", province="lao cai")["code"] == "02671"
    assert geodata.commune("02671")["name"] == "Cam Đường"
    assert geodata.commune(2671)["name"] == "Cam Đường"
    with pytest.raises(LookupNameError, match="ambiguous"):
        geodata.commune("An Bình")  # exists in several provinces
    with pytest.raises(LookupNameError, match="closest matches: .*Cam Đường"):
        geodata.commune("Cam Duongg", province="15")


def test_commune_lookup_resolves_full_names_and_diacritic_twins():
    c = geodata.communes()
    sample = c.iloc[::17]  # a deterministic 196-commune sample across all provinces
    rows = zip(sample["code"], sample["full_name"], sample["province_code"], strict=True)
    for code, full, pcode in rows:
        assert geodata.commune(full, province=pcode)["code"] == code
    # pairs that differ only by diacritics in one province: exact spelling wins,
    # folded spelling is reported as ambiguous
    assert geodata.commune("Xã Sơn Hà", province="51")["code"] == "21289"
    assert geodata.commune("Sơn Hạ", province="51")["code"] == "21292"
    with pytest.raises(LookupNameError, match="ambiguous: Xã Sơn Hà .*Xã Sơn Hạ"):
        geodata.commune("son ha", province="51")
    # ASCII prefix + one-word name
    assert geodata.commune("phuong lang", province="01")["full_name"] == "Phường Láng"


def _seats_outside_own_province():
    c = geodata.communes()
    p = geodata.provinces().set_index("code").geometry
    inside = np.array(
        [pt.within(p[pc]) for pt, pc in zip(c.geometry, c["province_code"], strict=True)]
    )
    return c, inside


def test_at_least_99_3_percent_of_seats_inside_own_province():
    # measured with the amcharts polygons: 3,301 of 3,321 (99.40 %); echarts gave 99.49 %
    # (17 outside) but with boundaries up to km off; see geodata/README.md
    c, inside = _seats_outside_own_province()
    assert inside.sum() == 3301
    assert inside.mean() >= 0.993
    # no seat lies inside a *neighbouring* province: the exceptions are all in the sea
    p = geodata.provinces()
    outside = c[~inside]
    assert not outside.geometry.apply(lambda pt: p.contains(pt).any()).any()


def test_seat_exceptions_are_the_listed_ones():
    from pathlib import Path

    readme = (REPO_GEODATA / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Commune seats outside their own province polygon")[1]
    section = section.split("\n## ")[0]
    listed = set(re.findall(r"^\| (\d{5}) \|", section, flags=re.M))
    c, inside = _seats_outside_own_province()
    assert set(c.loc[~inside, "code"]) == listed
    assert Path(geodata.DATA_DIR).is_dir()


def test_commune_areas_partition_each_province():
    a = geodata.commune_areas("Lào Cai")
    assert len(a) == 99 and a["area_approx"].all()
    assert a.is_valid.all() and not a.is_empty.any()
    m = a.to_crs(UTM48)
    prov = geodata.provinces().to_crs(UTM48).set_index("code").geometry["15"]
    # all Lào Cai seats are inside the polygon, so the cells tile it exactly
    assert abs(m.area.sum() - prov.area) / prov.area < 1e-6
    assert abs(shapely.union_all(m.geometry.values).area - prov.area) / prov.area < 1e-6
    # every seat lies in its own cell and in no other cell
    seats = geodata.communes("Lào Cai").to_crs(UTM48)
    assert (a["code"].to_numpy() == seats["code"].to_numpy()).all()
    assert all(cell.covers(s) for cell, s in zip(m.geometry, seats.geometry, strict=True))
    hits = shapely.STRtree(m.geometry.values).query(seats.geometry.values, predicate="within")
    assert len(hits[0]) == len(seats)
    # each cell's area is the nearest-seat region: a point of a cell is nearer to its seat
    rng = np.random.default_rng(0)
    for i in rng.choice(len(m), 10, replace=False):
        q = m.geometry.iloc[i].representative_point()
        d = seats.distance(q)
        assert d.idxmin() == i or np.isclose(d.min(), d.iloc[i])


def test_commune_areas_nationwide_no_overlap():
    a = geodata.commune_areas().to_crs(UTM48)
    assert len(a) == 3321 and a["code"].is_unique
    total = a.area.sum()
    assert abs(shapely.union_all(a.geometry.values).area - total) / total < 1e-6
    # island/coastal seats outside the coarse polygon still get a small cell of their own
    ts = a[a["code"] == "22736"]  # Đặc khu Trường Sa
    assert 0 < ts.area.item() / 1e6 < 1000


# --- borders and gates ------------------------------------------------------------------


def _near(geom, lon, lat, km):
    import geopandas as gpd

    g = gpd.GeoSeries([geom, shapely.Point(lon, lat)], crs=4326).to_crs(UTM48)
    return g.iloc[0].distance(g.iloc[1]) < km * 1000


def test_borders_three_countries_with_known_ends():
    b = geodata.borders()
    assert list(b.columns) == ["country", "country_vi", "geometry"]
    assert set(b["country"]) == {"China", "Laos", "Cambodia"}
    assert set(b["country_vi"]) == {"Trung Quốc", "Lào", "Campuchia"}
    m = b.to_crs(UTM48).set_index("country")
    # official lengths 1,450 / 2,337 / 1,137 km; Natural Earth 1:10m is generalised (70-95 %)
    for country, official in [("China", 1450), ("Laos", 2337), ("Cambodia", 1137)]:
        assert 0.7 < m.length[country] / 1000 / official < 0.95
    g = b.set_index("country").geometry
    tri_cn_la = (102.14, 22.40)  # China-Laos-Vietnam tripoint (Điện Biên)
    tri_la_kh = (107.56, 14.69)  # Laos-Cambodia-Vietnam tripoint (Kon Tum)
    for line, a, z in [
        (g["China"], tri_cn_la, (107.99, 21.53)),  # ... to the Gulf of Tonkin at Móng Cái
        (g["Laos"], tri_cn_la, tri_la_kh),
        (g["Cambodia"], tri_la_kh, (104.45, 10.42)),  # ... to the sea at Hà Tiên
    ]:
        ends = shapely.get_parts(shapely.boundary(line))
        assert any(_near(e, *a, 10) for e in ends) and any(_near(e, *z, 10) for e in ends)


INTERNATIONAL = [
    "Móng Cái", "Hữu Nghị", "Lào Cai", "Tà Lùng", "Thanh Thủy", "Na Mèo", "Nậm Cắn", "Cầu Treo",
    "Cha Lo", "Lao Bảo", "La Lay", "Bờ Y", "Lệ Thanh", "Mộc Bài", "Xa Mát", "Hoa Lư",
    "Tịnh Biên", "Vĩnh Xương", "Hà Tiên (Xà Xía)", "Tây Trang", "Bu Prăng", "Nam Giang",
    "Trà Lĩnh",
]  # fmt: skip


def test_border_gates_contract_and_required_gates():
    g = geodata.border_gates()
    for col in [
        "name", "name_ascii", "country", "province_code", "province_name", "kind", "precision",
    ]:  # fmt: skip
        assert col in g.columns
    assert g.crs.to_epsg() == 4326 and set(g.geom_type) == {"Point"}
    assert set(g["kind"]) == {"international", "main"}
    assert set(g["country"]) == {"China", "Laos", "Cambodia"}
    intl = set(g.loc[g["kind"] == "international", "name"])
    assert set(INTERNATIONAL) <= intl
    assert g["precision"].str.startswith("approximate (±").all()
    assert set(g["province_code"]) <= set(PROVINCES_2025)
    assert (g["province_name"] == g["province_code"].map(PROVINCES_2025)).all()
    lc = geodata.border_gates("Lào Cai")
    assert {"Lào Cai", "Mường Khương", "Bản Vược"} <= set(lc["name"])
    assert set(lc["country"]) == {"China"}
    assert set(geodata.border_gates(country="laos")["country"]) == {"Laos"}
    with pytest.raises(LookupNameError, match="Cambodia, China, Laos"):
        geodata.border_gates(country="Thailand")


def test_border_gates_lie_on_their_border_and_near_their_province():
    g = geodata.border_gates().to_crs(UTM48)
    lines = geodata.borders().to_crs(UTM48).set_index("country").geometry
    prov = geodata.provinces().to_crs(UTM48).set_index("code").geometry
    for r in g.itertuples():
        assert r.geometry.distance(lines[r.country]) < 1.0  # snapped onto the line
        # coarse province polygons: within the stated precision of the province
        assert r.geometry.distance(prov[r.province_code]) <= r.precision_km * 1000


def test_committed_files_are_small():
    total = sum(p.stat().st_size for p in REPO_GEODATA.iterdir() if p.is_file())
    assert total < 3_000_000


# --- build helpers (no network, no build packages needed) -------------------------------


def _build_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("geodata_build", REPO_GEODATA / "build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_amcharts_features_map_to_63_old_provinces_with_ha_tay_in_ha_noi():
    import pandas as pd

    b = _build_module()
    legacy = pd.DataFrame(
        {
            "provinceShortKey": ["hanoi", "hue"],
            "provinceCode": ["01", "46"],
            "provinceKey": ["thanhphohanoi", "thanhphohue"],
            "province": ["Thành phố Hà Nội", "Thành phố Huế"],
        }
    )

    def sq(x0):
        ring = [[x0, 0], [x0 + 1, 0], [x0 + 1, 1], [x0, 1], [x0, 0]]
        return {"type": "Polygon", "coordinates": [ring]}

    aj = {
        "features": [
            {"properties": {"name": "Hà Nội"}, "geometry": sq(0)},
            {"properties": {"name": "Hà Tây"}, "geometry": sq(1)},
            {"properties": {"name": "Thừa Thiên–Huế"}, "geometry": sq(5)},
        ]
    }
    g = b.match_amcharts(aj, legacy).set_index("old_code")
    assert list(g.index) == ["01", "46"]
    # Hà Tây dissolved into Hà Nội
    assert g.geometry["01"].symmetric_difference(shapely.box(0, 0, 2, 1)).area < 1e-12
    assert g.loc["46", "old_name"] == "Thành phố Huế"  # "Thừa Thiên–Huế" → Huế
    with pytest.raises(SystemExit, match="expected 63"):
        b.old_provinces(aj, legacy)  # two provinces only: the count check fires
    aj["features"].append({"properties": {"name": "Atlantis"}, "geometry": sq(9)})
    with pytest.raises(SystemExit, match="'Atlantis' has no legacy match"):
        b.old_provinces(aj, legacy)


def test_transfer_misplaced_seats_gives_the_cell_back():
    import geopandas as gpd
    import pandas as pd

    b = _build_module()
    # two 10 km squares side by side; province A's seat "a2" is drawn 2 km inside B
    west = shapely.box(500_000, 2_400_000, 510_000, 2_410_000)
    east = shapely.box(510_000, 2_400_000, 520_000, 2_410_000)
    diss = gpd.GeoDataFrame({"new_code": ["A", "B"]}, geometry=[west, east], crs=b.METRIC)
    pts = gpd.GeoSeries(
        [shapely.Point(505_000, 2_405_000), shapely.Point(512_000, 2_405_000),
         shapely.Point(518_000, 2_405_000)], crs=b.METRIC,
    ).to_crs(4326)  # fmt: skip
    communes = pd.DataFrame(
        {"code": ["a1", "a2", "b1"], "province_code": ["A", "A", "B"],
         "lon": pts.x, "lat": pts.y}
    )  # fmt: skip
    out, moved = b.transfer_misplaced_seats(diss, communes)
    geo = out.set_index("new_code").geometry
    seat = shapely.Point(512_000, 2_405_000)
    assert geo["A"].contains(seat) and not geo["B"].contains(seat)
    # the Voronoi edge between a2 (x=12 km) and b1 (x=18 km) is at x=15 km: 5 x 10 km move
    assert list(moved["code"]) == ["a2"]
    assert moved["km2"].item() == pytest.approx(50.0, rel=1e-3)
    assert geo["A"].area + geo["B"].area == pytest.approx(west.area + east.area)
    assert geo["A"].intersection(geo["B"]).area == pytest.approx(0.0, abs=1.0)


def test_amcharts_licence_is_kept_beside_the_polygons():
    text = (REPO_GEODATA / "LICENSE-amcharts").read_text(encoding="utf-8")
    assert "linkware" in text and "amCharts" in text
    assert (geodata.DATA_DIR / "LICENSE-amcharts").exists()


def test_ascii_fold_matches_normalize_name():
    b = _build_module()
    assert b.ascii_fold("Đắk Lắk") == "Dak Lak"
    c = geodata.communes()
    # the stored ASCII names fold exactly like the lookup does
    assert (
        c["name"].map(geodata.normalize_name) == c["name_ascii"].map(geodata.normalize_name)
    ).all()


def test_module_main_usage():
    assert geodata._main([]) == 2


# --- roads (scgraph-data, OpenStreetMap) ------------------------------------------------


def test_roads_of_lao_cai_are_lines_in_or_near_the_province():
    r = geodata.roads("Lào Cai", margin_km=10)
    assert list(r.columns) == [
        "highway", "name", "ref", "length_m", "circuity", "terrain", "crosses_to",
        "speed_kmh", "source", "geometry",
    ]  # fmt: skip
    assert r.crs.to_epsg() == 4326 and set(r.geom_type) == {"LineString"}
    assert len(r) > 73  # ~73 edges inside the province, more with the margin
    m = r.to_crs(UTM48)
    prov = geodata.provinces().to_crs(UTM48).set_index("code").geometry["15"]
    assert (m.distance(prov) <= 10_000 + 1).all()
    # the source has no names or refs: nothing is invented
    assert (r["name"] == "").all() and (r["ref"] == "").all()
    assert set(r["highway"]) <= {"major", "connector"}
    assert r["speed_kmh"].isna().all()
    # length_m is the source polyline length: never shorter than the straight edge
    assert (r["length_m"] >= m.length.round() - 1).all()
    # Lào Cai and all its neighbours are in the Northern Midlands and Mountains region
    assert set(r["terrain"]) == {"mountain"}
    assert (r["circuity"] == geodata.ROAD_CIRCUITY["mountain"]).all()
    # a bigger margin keeps more roads, no margin fewer
    assert len(geodata.roads("15", margin_km=0)) < len(r) < len(geodata.roads("15", margin_km=50))
    with pytest.raises(InputError, match="margin_km"):
        geodata.roads("15", margin_km=-1)


def test_roads_route_lao_cai_city_to_sa_pa_on_the_network():
    from hotspots.plan import travel

    lc = geodata.commune("Cam Đường", province="15").geometry  # Lào Cai city
    sp = geodata.commune("Sa Pa", province="15").geometry
    model = travel.from_network(geodata.roads("Lào Cai", speed_kmh=40.0))
    leg = model.leg(lc, sp)
    assert leg.model == travel.LEG_NETWORK
    import geopandas as gpd

    d, t = model.matrix(gpd.GeoSeries([lc], crs=4326), gpd.GeoSeries([sp], crs=4326))
    straight = gpd.GeoSeries([lc, sp], crs=4326).to_crs(UTM48)
    gc = straight.iloc[0].distance(straight.iloc[1])
    assert np.isfinite(t[0, 0])
    # the road is longer than the straight line, and the time at 40 km/h is the estimated
    # real road length (drawn length x circuity) at 40 km/h: 30-70 km for this trip
    assert d[0, 0] > gc
    assert 30_000 < t[0, 0] * 40 / 3.6 < 70_000


def test_speed_kmh_turns_straight_lines_into_real_road_times():
    r = geodata.roads("Lào Cai", speed_kmh=50.0)
    straight = r.to_crs(UTM48).length.to_numpy()
    real = r["length_m"].to_numpy() * r["circuity"].to_numpy()
    # time on the drawn line at speed_kmh == time on the real road at 50 km/h
    assert np.allclose(straight / r["speed_kmh"].to_numpy(), real / 50.0, rtol=1e-9)
    with pytest.raises(InputError, match="speed_kmh"):
        geodata.roads("15", speed_kmh=0)


def test_road_crossings_include_lao_cai_city_on_the_china_border():
    c = geodata.road_crossings()
    assert {"country", "country_vi", "province_code", "province_name", "edge_km"} <= set(c)
    assert set(c["country"]) == {"China", "Laos", "Cambodia"}
    lines = geodata.borders().to_crs(UTM48).set_index("country").geometry
    m = c.to_crs(UTM48)
    # on (or within 4 km of) the generalised border line of their country
    assert all(p.distance(lines[k]) < 4_000 for p, k in zip(m.geometry, c["country"], strict=True))
    lc = geodata.road_crossings("Lào Cai", country="China")
    # the Lào Cai – Hekou crossings, within 5 km of Lào Cai city (103.97, 22.50)
    assert any(_near(p, 103.96, 22.505, 5) for p in lc.geometry)
    assert (lc["edge_km"] > 0).all()


def test_road_circuity_is_what_the_bundled_graph_measures():
    # recompute the factors from the bundled roads and the distance table (no build deps)
    import pandas as pd

    b = _build_module_roads()
    roads = geodata.roads()
    roads = roads.assign(link=np.where(roads["highway"] == "connector", "gap", "osm"))
    table = pd.read_csv(REPO_GEODATA / "road_distances.csv")
    factors, measured = b.measure_circuity(roads, table)
    assert factors == geodata.ROAD_CIRCUITY
    assert (measured["ratio"] > 0.95).all()  # a road is never much shorter than the graph


def _build_module_roads():
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_roads", REPO_GEODATA / "build_roads.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_gates_moved_by_the_listed_amounts():
    import pandas as pd

    readme = (REPO_GEODATA / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Border gates checked against the road crossings")[1]
    section = section.split("Not moved:")[0]
    listed = {
        m[0].strip(): (float(m[1]), int(m[2]), int(m[3]))
        for m in re.findall(
            r"^\| ([^|]+) \| \w+ \| ([\d.]+) \| [\d.]+ \| (\d+) → (\d+) \|$", section, flags=re.M
        )
    }
    assert len(listed) == 5 and "Hữu Nghị" in listed
    src = pd.read_csv(REPO_GEODATA / "border_gates_source.csv")
    g = geodata.border_gates()
    assert list(g["name"]) == list(src["name"])
    import geopandas as gpd

    hand = gpd.GeoSeries(gpd.points_from_xy(src["lon"], src["lat"]), crs=4326).to_crs(UTM48)
    now = g.to_crs(UTM48).geometry
    check = pd.read_csv(REPO_GEODATA / "border_gates_check.csv")
    for i, name in enumerate(src["name"]):
        km = hand.iloc[i].distance(now.iloc[i]) / 1000
        if name in listed:
            moved, before, after = listed[name]
            assert km == pytest.approx(moved, abs=0.051), name
            assert src["radius_km"].iloc[i] == before and g["precision_km"].iloc[i] == after
            assert g["precision"].iloc[i].startswith(f"approximate (±{after} km): moved")
            assert check["moved"].iloc[i]
        else:
            assert not check["moved"].iloc[i], name
            assert "moved" not in g["precision"].iloc[i]
    # moved gates sit on a road crossing of their own border
    cross = geodata.road_crossings().to_crs(UTM48)
    for name in listed:
        i = list(src["name"]).index(name)
        same = cross[cross["country"] == g["country"].iloc[i]]
        assert same.distance(now.iloc[i]).min() < 100, name
