"""Maps rendered to strings: self-contained page, layers, numbers, escaping, privacy, size."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.errors import InputError
from hotspots.maps import (
    add_case_points,
    add_checkpoints,
    add_density,
    add_geojson_layer,
    add_key_areas,
    add_key_lines,
    add_patrol_routes,
    add_trends,
    base_map,
    cases_per_commune_map,
    map_html,
    overview_map,
    save_map,
    square_grid,
)
from hotspots.maps.layers import count_breaks, features_json
from hotspots.privacy import PrivacyError

XSS = "<img src=x onerror=alert(1)>"


def layers_in(html: str) -> dict[str, tuple[dict, dict]]:
    """Decode every ``hsLayer(data, spec)`` call of a page: {layer variable: (data, spec)}."""
    dec = json.JSONDecoder()
    out = {}
    for match in re.finditer(r"var (geo_json_layer_\w+) = hsLayer\(", html):
        data, end = dec.raw_decode(html, match.end())
        assert html[end : end + 2] == ", "
        spec, _ = dec.raw_decode(html, end + 2)
        out[match.group(1)] = (data, spec)
    return out


def layer_obj(m, name: str):
    """The layer called ``name`` in the layer control."""
    return next(v for v in m._children.values() if getattr(v, "layer_name", None) == name)


def layer_named(html: str, m, name: str) -> tuple[dict, dict]:
    """The (data, spec) of the layer called ``name`` in the layer control."""
    return layers_in(html)[layer_obj(m, name).get_name()]


def shown(html: str, m, name: str) -> bool:
    """Whether the layer is added to the map when the page opens."""
    return f"{layer_obj(m, name).get_name()}.addTo" in html


def control_names(html: str) -> list[str]:
    """Names in the layer control, decoded (the page writes them as JSON strings)."""
    block = html.split("overlays :  {", 1)[1].split("},", 1)[0]
    return [json.loads(k) for k in re.findall(r'^\s*("(?:[^"\\]|\\.)*") : \w+,$', block, re.M)]


def communes() -> gpd.GeoDataFrame:
    # five 0.1° squares in a row: codes A..E; E's name tries to inject HTML
    return gpd.GeoDataFrame(
        {"code": list("ABCDE"), "name": ["An", "Bình", "Cát", "Đông", XSS]},
        geometry=[shapely.box(104 + i * 0.1, 22, 104.1 + i * 0.1, 22.1) for i in range(5)],
        crs="EPSG:4326",
    )


def cases() -> gpd.GeoDataFrame:
    # planted: A has 4 cases (c1 twice), B 2 cases, C 0, D 3 cases, E 5 cases
    rows = []
    plan = {
        "A": ["c1", "c1", "c2", "c3", "c4"],
        "B": ["c5", "c6"],
        "D": ["c7", "c8", "c9"],
        "E": ["c10", "c11", "c12", "c13", "c14"],
    }
    for code, ids in plan.items():
        x0 = 104 + "ABCDE".index(code) * 0.1
        for j, cid in enumerate(ids):
            rows.append(
                {
                    "case_id": cid,
                    "commune_code": code,
                    "victims": 1,
                    "role": "transit",
                    "victim_name": "Canary Tên",
                    "phone": "0911222333",
                    "geometry": shapely.Point(x0 + 0.01 + j * 0.01, 22.05),
                }
            )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def props_by_code(data: dict) -> dict[str, dict]:
    return {f["properties"]["code"]: f["properties"] for f in data["features"]}


def test_page_is_self_contained():
    m = cases_per_commune_map(cases(), communes=communes())
    html = map_html(m)
    assert "Leaflet 1.9.3" in html  # inline, from the installed package
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=", html)
    for host in (
        "cdn.jsdelivr",
        "cdnjs",
        "unpkg",
        "googleapis",
        "bootstrap",
        "jquery",
        "font-awesome",
        "openstreetmap",
    ):
        assert host not in html.lower()
    assert "L.tileLayer" not in html
    assert "@import" not in html and "@font-face" not in html


def test_tile_url_is_used_only_when_configured():
    url = "http://tiles.intranet.local/{z}/{x}/{y}.png"
    html = map_html(base_map(communes().dissolve(), tiles=url))
    assert "L.tileLayer" in html and url in html


def test_counts_per_commune_shareable_known_answer():
    m = cases_per_commune_map(cases(), communes=communes())
    html = map_html(m)
    data, spec = layer_named(html, m, "Số vụ theo xã, phường")
    p = props_by_code(data)
    assert p["A"]["cases"] == 4  # c1 counted once
    assert p["B"]["cases"] is None  # 2 cases: suppressed
    assert p["C"]["cases"] == 0
    assert p["D"]["cases"] == 3 and p["E"]["cases"] == 5
    assert spec["colorBy"] == "cases" and spec["breaks"] == count_breaks([4, 3, 5])
    assert "case_id" not in html and "Canary" not in html and "0911222333" not in html
    assert "Dưới 3 vụ (ẩn số liệu)" in html  # legend and popup text for suppressed
    assert len(layers_in(html)) == 1  # no case points in a shareable map


def test_counts_restricted_exact_and_case_points_hidden():
    m = cases_per_commune_map(cases(), communes=communes(), privacy="restricted")
    html = map_html(m)
    data, _ = layer_named(html, m, "Số vụ theo xã, phường")
    assert props_by_code(data)["B"]["cases"] == 2
    pts, spec = layer_named(html, m, "Vị trí vụ việc (hạn chế)")
    assert len(pts["features"]) == 15 and spec["point"] is True  # one per row
    assert "Canary" not in html and "0911222333" not in html  # PII only with pii=True
    assert not shown(html, m, "Vị trí vụ việc (hạn chế)")
    assert shown(html, m, "Số vụ theo xã, phường")


def test_english_labels():
    m = cases_per_commune_map(cases(), communes=communes(), lang="en")
    html = map_html(m)
    assert control_names(html) == ["Cases per commune"]
    decoded = re.sub(r"\\u([0-9a-fA-F]{4})", lambda g: chr(int(g.group(1), 16)), html)
    assert "Số vụ" not in decoded and "Chú giải" not in decoded and "Legend" in decoded
    vi = map_html(cases_per_commune_map(cases(), communes=communes()))
    assert control_names(vi) == ["Số vụ theo xã, phường"]
    assert "Fewer than 3 cases (suppressed)" in html
    with pytest.raises(InputError, match="lang"):
        base_map(lang="fr")


def test_popup_values_are_escaped():
    m = cases_per_commune_map(cases(), communes=communes())
    html = map_html(m)
    assert XSS not in html  # only as \\u003c...\\u003e inside the JSON
    data, spec = layer_named(html, m, "Số vụ theo xã, phường")
    assert props_by_code(data)["E"]["name"] == XSS  # the value is kept, escaped in the page
    assert ["name", "Tên"] in spec["fields"]
    assert "function hsEsc" in html and "hsEsc(v)" in html


def test_synthetic_banner():
    on = map_html(cases_per_commune_map(cases(), communes=communes(), synthetic=True))
    off = map_html(cases_per_commune_map(cases(), communes=communes()))
    assert 'class="hs-banner">DỮ LIỆU GIẢ LẬP / SYNTHETIC' in on
    assert "<title>" in on and "SYNTHETIC" in on.split("<title>")[1].split("</title>")[0]
    assert 'hs-banner">' not in off and "GIẢ LẬP" not in off


def test_save_map_is_atomic_and_checks_privacy(tmp_path):
    path = tmp_path / "maps" / "cases.html"
    m = cases_per_commune_map(cases(), communes=communes())
    save_map(m, path)
    first = path.read_bytes()
    assert first.startswith(b"<!DOCTYPE html>") and list(path.parent.iterdir()) == [path]
    bad = base_map()
    leaky = communes().assign(victim_name="Canary Tên")
    add_geojson_layer(bad, leaky, "leak", fields=["victim_name"], check_privacy=False)
    with pytest.raises(PrivacyError):
        save_map(bad, path)
    assert path.read_bytes() == first and list(path.parent.iterdir()) == [path]


def test_case_points_refused_in_shareable_map():
    with pytest.raises(PrivacyError):
        add_case_points(base_map(), cases())


def key_lines() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "rank": [1, 2, 3],
            "cases": [40, 10, 2],
            "victims": [55, 12, 2],
            "share": [0.7, 0.2, 0.03],
            "gate": ["Lào Cai", "Mường Khương", "Bát Xát"],
        },
        geometry=[shapely.LineString([(104, 22), (104.1 * (1 + i / 100), 22.5)]) for i in range(3)],
        crs="EPSG:4326",
    )


def test_key_lines_width_by_volume_and_small_lines_dropped():
    m = base_map()
    add_key_lines(m, key_lines())
    html = map_html(m)
    data, spec = layer_named(html, m, "Tuyến trọng điểm")
    assert [f["properties"]["cases"] for f in data["features"]] == [40, 10]
    assert spec["weightBy"] == "cases" and spec["vmax"] == 40.0 and spec["line"] is True
    m2 = base_map(privacy="restricted")
    add_key_lines(m2, key_lines(), name="lines")
    data2, _ = layer_named(map_html(m2), m2, "lines")
    assert len(data2["features"]) == 3


def test_key_areas_classes():
    ka = gpd.GeoDataFrame(
        {
            "rank": [1, 2, 5],
            "score": [0.9, 0.8, 0.3],
            "cases": [30, 12, 4],
            "trend": ["intensifying hot spot", "no pattern", "not computed"],
            "communes": [["An", "Bình"], ["Cát"], ["Đông"]],
        },
        geometry=[shapely.box(104 + i / 10, 22, 104.05 + i / 10, 22.05) for i in range(3)],
        crs="EPSG:4326",
    )
    m = base_map()
    add_key_areas(m, ka)
    data, spec = layer_named(map_html(m), m, "Địa bàn trọng điểm")
    classes = [f["properties"]["class"] for f in data["features"]]
    assert classes == ["Hạng 1–3", "Hạng 1–3", "Hạng 4–10"]
    assert set(spec["colors"]) == {"Hạng 1–3", "Hạng 4–10"}
    assert [f["properties"]["trend"] for f in data["features"]] == [
        "Điểm nóng gia tăng",
        "Không có xu hướng",
        "Chưa tính (thiếu số liệu theo thời gian)",
    ]
    assert data["features"][0]["properties"]["communes"] == "An, Bình"
    m2 = base_map()
    add_key_areas(m2, ka.assign(kind=["origin", "operational", "operational"]))
    _, spec2 = layer_named(map_html(m2), m2, "Địa bàn trọng điểm")
    assert spec2["colorBy"] == "kind" and set(spec2["colors"]) == {"origin", "operational"}


def test_trends_and_density():
    cells = square_grid(communes(), cell_m=5000)
    n = len(cells)
    cats = np.array(["no pattern", "new hot spot", "persistent hot spot", "sporadic cold spot"])
    cells["category"] = cats[np.arange(n) % 4]
    cells["cases"] = np.arange(n) % 7 + 3
    cells["density"] = np.where(np.arange(n) % 5 == 0, 0.0, np.arange(n) / n)
    m = base_map()
    add_trends(m, cells)
    add_density(m, cells)
    html = map_html(m)
    tdata, tspec = layer_named(html, m, "Xu hướng điểm nóng")
    assert len(tdata["features"]) == n - (n + 3) // 4  # "no pattern" left out
    assert set(tspec["colors"]) == {"new_hot_spot", "persistent_hot_spot", "sporadic_cold_spot"}
    assert {f["properties"]["trend_label"] for f in tdata["features"]} == {
        "Điểm nóng mới",
        "Điểm nóng kéo dài",
        "Điểm lạnh rải rác",
    }
    ddata, dspec = layer_named(html, m, "Mật độ vụ việc")
    assert len(ddata["features"]) == n - (n + 4) // 5  # zero density left out
    assert dspec["breaks"][-1] == pytest.approx((n - 1) / n, abs=1e-9)
    assert len(dspec["breaks"]) == 7
    # the density layer and the trend layer start hidden in the overview map
    m2 = overview_map(communes().dissolve(), density=cells, trends=cells)
    html2 = map_html(m2)
    assert not shown(html2, m2, "Mật độ vụ việc")
    assert not shown(html2, m2, "Xu hướng điểm nóng")


def test_checkpoints_and_patrols_tolerate_missing_columns():
    m = base_map()
    pts = gpd.GeoDataFrame(geometry=[shapely.Point(104, 22)], crs="EPSG:4326")
    add_checkpoints(m, pts)
    routes = gpd.GeoDataFrame(
        {"unit": ["T1", "T2"], "distance_km": [12.345678, 8.0]},
        geometry=[shapely.LineString([(104, 22), (104.1, 22.1)])] * 2,
        crs="EPSG:4326",
    )
    add_patrol_routes(m, routes)
    html = map_html(m)
    cdata, cspec = layer_named(html, m, "Chốt kiểm soát")
    assert cdata["features"][0]["properties"] == {} and cspec["point"] is True
    pdata, pspec = layer_named(html, m, "Tuyến tuần tra")
    assert pdata["features"][0]["properties"]["distance_km"] == 12.3  # rounded for reading
    assert set(pspec["colors"]) == {"T1", "T2"}
    # legend: names as they are, bare numbers with the word for unit (not "Tổ tuần tra Tổ 1")
    m2 = base_map()
    add_patrol_routes(m2, routes.assign(unit=["Tổ 1", "2"]))
    html2 = map_html(m2)
    assert "Tổ tuần tra 2" in html2 and "Tổ tuần tra Tổ 1" not in html2 and "Tổ 1" in html2


def test_features_json_rounds_and_reprojects():
    gdf = gpd.GeoDataFrame(
        {"v": [1.23456789], "when": [pd.Timestamp("2025-03-01", tz="Asia/Ho_Chi_Minh")]},
        geometry=[shapely.Point(104.123456789, 22.987654321)],
        crs="EPSG:4326",
    )
    data = json.loads(features_json(gdf, ["v", "when"]))
    assert data["features"][0]["geometry"]["coordinates"] == [104.12346, 22.98765]
    assert data["features"][0]["properties"] == {"v": 1.235, "when": "2025-03-01"}
    timed = gdf.assign(when=pd.Timestamp("2025-03-01 10:30", tz="Asia/Ho_Chi_Minh"))
    assert json.loads(features_json(timed, ["when"]))["features"][0]["properties"] == {
        "when": "2025-03-01 10:30"
    }
    utm = json.loads(features_json(gdf.to_crs(32648), []))
    assert utm["features"][0]["geometry"]["coordinates"] == [104.12346, 22.98765]


def test_count_breaks():
    assert count_breaks([]) == [] and count_breaks([0, 0]) == []
    assert count_breaks([4]) == [4.0]
    assert count_breaks(range(1, 11)) == [3.0, 5.0, 7.0, 9.0, 10.0]
    # wide range: 1-2-5 classes up to the maximum
    assert count_breaks([3, 3, 4, 5, 6, 98, 150, 204]) == [10.0, 20.0, 50.0, 100.0, 204.0]


def test_province_from_bundled_geography():
    geodata = pytest.importorskip("hotspots.geodata")
    m = base_map("Lào Cai")
    html = map_html(m)
    assert control_names(html) == [
        "Ranh giới xã, phường (xấp xỉ)", "Ranh giới tỉnh", "Đường chính", "Địa danh",
    ]  # fmt: skip
    assert "Ranh giới xã là xấp xỉ" in html  # the approximate boundaries are said to be so
    data, _ = layer_named(html, m, "Ranh giới xã, phường (xấp xỉ)")
    assert len(data["features"]) == len(geodata.commune_areas("Lào Cai"))


def test_layers_added_after_the_map_was_shown():
    m = base_map(communes().dissolve())
    m._repr_html_()  # a notebook shows the map, then the analyst adds a layer
    add_checkpoints(m, gpd.GeoDataFrame(geometry=[shapely.Point(105, 23)], crs="EPSG:4326"))
    html = map_html(m)
    assert control_names(html) == ["Ranh giới tỉnh", "Chốt kiểm soát"]
    assert len(re.findall(r"var layer_control_\w+_layers =", html)) == 1
    assert html.rindex("layer_control_") > html.rindex("hsLayer(")  # control renders last
    fits = re.findall(r"fitBounds\(\s*(\[\[[^\]]*\],\s*\[[^\]]*\]\])", html)
    assert [json.loads(f) for f in fits if "-90" not in f] == [[[22.0, 104.0], [23.0, 105.0]]]


def test_same_inputs_same_page():
    def build():
        return map_html(cases_per_commune_map(cases(), communes=communes(), synthetic=True))

    assert build() == build()


def test_restricted_banner():
    html = map_html(cases_per_commune_map(cases(), communes=communes(), privacy="restricted"))
    assert "HẠN CHẾ — chỉ dành cho cán bộ phân tích" in html
    assert "HẠN CHẾ" not in map_html(cases_per_commune_map(cases(), communes=communes()))


def test_map_subcommand(tmp_path):
    import argparse

    from hotspots.maps import _cli

    src = tmp_path / "cases.csv"
    rows = cases()
    frame = pd.DataFrame(rows.drop(columns="geometry"))
    frame["lon"], frame["lat"] = rows.geometry.x, rows.geometry.y
    frame["occurred_at"] = "01/03/2025"
    frame["synthetic"] = "yes"
    frame.to_csv(src, index=False)
    parser = argparse.ArgumentParser(prog="hotspots")
    _cli.register(parser.add_subparsers())
    out = tmp_path / "map.html"
    args = parser.parse_args(["map", str(src), "-o", str(out), "--lang", "en"])
    assert args.func(args) == 0
    html = out.read_text(encoding="utf-8")
    assert 'class="hs-banner">SYNTHETIC / DỮ LIỆU GIẢ LẬP' in html  # from the synthetic column
    assert "Canary" not in html and "0911222333" not in html and '"c1"' not in html
    bad = parser.parse_args(["map", str(src), "-o", str(out), "--threshold", "0"])
    with pytest.raises(InputError, match="threshold"):
        bad.func(bad)


def test_pii_only_when_asked_for_in_a_restricted_map():
    fields = ["case_id", "victim_name"]
    m = base_map(privacy="restricted")
    add_case_points(m, cases(), fields=fields, name="pts")
    data, _ = layer_named(map_html(m), m, "pts")
    assert "victim_name" not in data["features"][0]["properties"]
    m2 = base_map(privacy="restricted", pii=True)
    add_case_points(m2, cases(), fields=fields, name="pts")
    data2, _ = layer_named(map_html(m2), m2, "pts")
    assert data2["features"][0]["properties"]["victim_name"] == "Canary Tên"
    with pytest.raises(InputError, match="pii=True"):
        base_map(pii=True)


def test_save_map_makes_a_plain_folium_map_offline(tmp_path):
    import folium

    from hotspots.maps import OfflineError

    plain = folium.Map(location=[22, 104], zoom_start=8, tiles=None)
    folium.Marker([22.1, 104.1], popup="Chốt").add_to(plain)  # awesome-markers, bootstrap
    path = save_map(plain, tmp_path / "plain.html")
    html = path.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", html) and not re.search(r"<link[^>]+href=", html)
    assert "@font-face" not in html and "jQuery" in html  # written inline
    with_tiles = folium.Map(location=[22, 104])  # OpenStreetMap tiles by default
    with pytest.raises(OfflineError, match="tile.openstreetmap.org"):
        save_map(with_tiles, tmp_path / "tiles.html")
    assert not (tmp_path / "tiles.html").exists()
    unknown = folium.Map(tiles=None)
    unknown.get_root().header.add_child(folium.JavascriptLink("https://example.org/x.js"))
    with pytest.raises(OfflineError, match="example.org/x.js"):
        save_map(unknown, tmp_path / "unknown.html")
    restricted = cases_per_commune_map(cases(), communes=communes(), privacy="restricted")
    with pytest.raises(PrivacyError, match="restricted"):
        save_map(restricted, tmp_path / "r.html", privacy="shareable")
    save_map(restricted, tmp_path / "r.html")  # its own level: restricted


def _credits(html: str) -> list[str]:
    """The texts the page adds to Leaflet's attribution control."""
    found = re.search(r"addAttribution\(c\); \}\);\s*\}\)\(map_\w+, (\[.*?\])\);", html)
    assert found, "the page has no credits script"
    return json.loads(found.group(1))


def test_bundled_geography_is_credited_in_the_attribution_control():
    vi = _credits(map_html(base_map("Lào Cai")))
    assert vi == [
        "Ranh giới tỉnh: amCharts (amcharts5-geodata)",
        "Trụ sở, diện tích xã: vietnamadminunits (MIT)",
    ]
    # border gates are snapped onto the Natural Earth border: credited when drawn
    en = _credits(map_html(overview_map("Lào Cai", lang="en")))
    assert en == [
        "Province boundaries: amCharts (amcharts5-geodata)",
        "Commune seats and areas: vietnamadminunits (MIT)",
        "Borders: Made with Natural Earth",
    ]
    # a boundary of the user's own: nothing of ours drawn, nothing credited
    own = base_map(shapely.box(104.0, 22.0, 104.1, 22.1), communes=False)
    assert _credits(map_html(own)) == []


def test_looks_synthetic_reads_flag_label_and_ids():
    from hotspots.maps.labels import looks_synthetic

    assert looks_synthetic(pd.DataFrame({"synthetic": ["no", "yes"]}))
    assert looks_synthetic(pd.DataFrame({"label": ["SYNTHETIC / DỮ LIỆU GIẢ LẬP"]}))
    assert looks_synthetic(pd.DataFrame({"case_id": ["SYN-15-00001", "SYN-15-00002"]}))
    assert not looks_synthetic(pd.DataFrame({"case_id": ["SYN-15-00001", "LC-2025-7"]}))
    assert not looks_synthetic(pd.DataFrame({"synthetic": ["no", ""], "label": ["Tuyến 1", ""]}))
    assert not looks_synthetic(pd.DataFrame({"case_id": []}))


def test_key_line_ends_are_labelled_with_rank_and_gate_or_heading():
    from hotspots.maps.layers import _end_labels

    lines = gpd.GeoDataFrame(
        {
            "rank": [1, 2, 3],
            "cases": [40, 12, 9],
            "gate": ["Lào Cai", "unknown", "unknown"],
            "heading": ["N", "W", "SW"],
        },
        geometry=[
            shapely.LineString([(104.2, 22.3), (103.97, 22.50)]),
            shapely.LineString([(105.9, 21.0), (105.5, 21.05)]),
            # leaves by the same place as line 2 (about 1 km away): one label for both
            shapely.LineString([(105.8, 21.2), (105.5, 21.06)]),
        ],
        crs=4326,
    )
    assert _end_labels(lines, "vi") == ["1 → Lào Cai", "2, 3 → hướng Tây", None]
    assert _end_labels(lines, "en") == ["1 → Lào Cai", "2, 3 → W", None]
    m = base_map(communes=False)
    add_key_lines(m, lines)
    (data, spec), = layers_in(map_html(m)).values()  # fmt: skip
    assert spec["endLabel"] == "end"
    assert [f["properties"]["end"] for f in data["features"]] == _end_labels(lines, "vi")


def test_every_role_and_backtest_method_has_a_vietnamese_and_english_label():
    from hotspots.areas.predict import method_names
    from hotspots.data.schema import ROLES
    from hotspots.maps.labels import label

    for key in (*ROLES, *method_names(), "year", "hit_rate", "coverage_pct"):
        vi, en = label(key, "vi"), label(key, "en")
        assert vi != key and en != key and vi != en, key
    assert label("victim_home", "vi") == "Nơi cư trú của nạn nhân"


def test_localize_table_translates_headers_coded_values_and_index():
    from hotspots.maps.labels import localize_table

    frame = gpd.GeoDataFrame(
        {"rank": [1, 2], "kind": ["line_point", "mystery"], "cases": [5, 3], "share": [0.5, 0.2]},
        geometry=[shapely.Point(104, 22)] * 2,
        crs="EPSG:4326",
    )
    vi = localize_table(frame, "vi", {"share": "Tỷ lệ (%)"}, words=["kind"], index="rank")
    assert list(vi.columns) == ["Loại", "Số vụ", "Tỷ lệ (%)"] and vi.index.name == "Thứ hạng"
    assert vi["Loại"].tolist() == ["Điểm trên tuyến", "mystery"]  # unknown code kept
    en = localize_table(frame, "en")
    assert list(en.columns) == ["Rank", "Kind", "Cases", "Share"]
    assert "geometry" in frame.columns and frame["kind"].iloc[0] == "line_point"  # a copy


def test_planning_labels_key_area_outline_and_line_order():
    from hotspots.maps import add_counts, add_key_areas, add_key_lines, base_map, map_html
    from hotspots.maps.layers import KEY_AREA_STROKE, NAME_LABEL_ZOOM

    m = base_map(None)
    communes = gpd.GeoDataFrame(
        {"code": ["A", "B"], "name": ["Cốc San", "Bát Xát"], "cases": [7, 9]},
        geometry=[shapely.box(104, 22, 104.1, 22.1), shapely.box(104.1, 22, 104.2, 22.1)],
        crs="EPSG:4326",
    )
    add_counts(m, communes)
    areas = gpd.GeoDataFrame(
        {"rank": [1], "cases": [9], "communes": ["Cốc San"]},
        geometry=[shapely.box(104.02, 22.02, 104.05, 22.05)],
        crs="EPSG:4326",
    )
    add_key_areas(m, areas)
    lines = gpd.GeoDataFrame(
        {"rank": [1, 2], "cases": [5, 40]},
        geometry=[shapely.LineString([(104, 22), (104.2, 22.1)])] * 2,
        crs="EPSG:4326",
    )
    add_key_lines(m, lines)
    html = map_html(m)
    _, counts = layer_named(html, m, "Số vụ theo xã, phường")
    assert counts["label"] == "name" and counts["labelMinZoom"] == NAME_LABEL_ZOOM == 10
    data, spec = layer_named(html, m, "Địa bàn trọng điểm")
    assert spec["label"] == "rank" and spec["labelClass"] == "hs-rank" and spec["labelMinZoom"] == 0
    assert spec["style"]["weight"] == KEY_AREA_STROKE["weight"] == 3  # outlined over the shading
    assert data["features"][0]["properties"]["title"] == "Địa bàn 1: Cốc San"
    # the key areas are drawn after (over) the commune shading
    names = [n for n, _ in m._hotspots_layers]
    assert names.index("Địa bàn trọng điểm") > names.index("Số vụ theo xã, phường")
    # the widest line first, so the thin one stays visible on top of it
    data, _ = layer_named(html, m, "Tuyến trọng điểm")
    assert [f["properties"]["cases"] for f in data["features"]] == [40, 5]
