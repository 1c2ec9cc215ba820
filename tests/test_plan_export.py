"""Plan exports: GPX parsed back, GeoPackage layers, printable Vietnamese HTML."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from hotspots.plan.bases import units_at
from hotspots.plan.checkpoints import site_checkpoints
from hotspots.plan.export import GPX_NS, write_geo, write_gpx, write_gpx_per_route, write_html
from hotspots.plan.schedule import weekly_schedule

UTM48 = "EPSG:32648"
X0, Y0 = 400_000.0, 2_450_000.0
NS = {"g": GPX_NS}


@pytest.fixture(scope="module")
def plan():
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 20_000, (6, 2))
    names = ["Bản Phố", "Xã Cốc Lếu", "<script>alert(1)</script>", "Thôn Đồi", "Bản Mường", "Na"]
    areas = gpd.GeoDataFrame(
        {"rank": range(1, 7), "name": names, "score": rng.uniform(1, 9, 6)},
        geometry=[box(X0 + x, Y0 + y, X0 + x + 300, Y0 + y + 300) for x, y in xy],
        crs=UTM48,
    ).to_crs(4326)
    bases = gpd.GeoDataFrame(
        {"base": ["Công an xã Đồng Tuyển"]}, geometry=[Point(X0, Y0)], crs=UTM48
    ).to_crs(4326)
    lines = gpd.GeoDataFrame(
        {"rank": [1], "cases": [12]},
        geometry=[LineString([(X0, Y0), (X0 + 20_000, Y0 + 20_000)])],
        crs=UTM48,
    ).to_crs(4326)
    p = weekly_schedule(
        areas, units_at(bases, 2), days=2, seed=0, time_limit=2, start_date="2026-11-30"
    )
    p.checkpoints = site_checkpoints(lines, 2)
    return p


def test_gpx_parses_back_with_one_track_per_unit_shift(plan, tmp_path):
    path = write_gpx(plan, tmp_path / "plan.gpx")
    root = ET.parse(path).getroot()
    assert root.tag == f"{{{GPX_NS}}}gpx" and root.get("version") == "1.1"
    trks = root.findall("g:trk", NS)
    wpts = root.findall("g:wpt", NS)
    assert len(trks) == len(plan.routes)
    assert len(wpts) == len(plan.stops) + len(plan.checkpoints.sites)
    # GPX 1.1 schema order: metadata, wpt..., trk...
    tags = [c.tag.split("}")[1] for c in root]
    assert tags == ["metadata"] + ["wpt"] * len(wpts) + ["trk"] * len(trks)
    # coordinates of the stop waypoints match the stops, in order
    lat = np.array([float(w.get("lat")) for w in wpts[: len(plan.stops)]])
    lon = np.array([float(w.get("lon")) for w in wpts[: len(plan.stops)]])
    assert np.allclose(lat, plan.stops.geometry.y, atol=1e-7)
    assert np.allclose(lon, plan.stops.geometry.x, atol=1e-7)
    # tracks follow the route geometry, start and end at the base
    for trk, (_, r) in zip(trks, plan.routes.iterrows(), strict=True):
        pts = trk.findall("g:trkseg/g:trkpt", NS)
        coords = [(float(p.get("lon")), float(p.get("lat"))) for p in pts]
        assert len(coords) == len(r.geometry.coords)
        assert np.allclose(coords, np.asarray(r.geometry.coords), atol=1e-7)
        assert trk.find("g:name", NS).text.startswith(r["unit"])
    # Vietnamese text survives UTF-8
    text = path.read_text(encoding="utf-8")
    assert "Kế hoạch tuần tra" in text and "Giờ đến" in text
    # waypoint times are UTC and equal the local arrival
    t0 = wpts[0].find("g:time", NS).text
    assert pd.Timestamp(t0) == plan.stops["arrival"].iloc[0]


def test_gpx_per_route_files(plan, tmp_path):
    files = write_gpx_per_route(plan, tmp_path / "gpx")
    assert len(files) == len(plan.routes)
    assert all(f.name.isascii() for f in files)
    n_wpt = sum(len(ET.parse(f).getroot().findall("g:wpt", NS)) for f in files)
    assert n_wpt == len(plan.stops)


def test_geopackage_and_geojson_round_trip(plan, tmp_path):
    gpkg = write_geo(plan, tmp_path / "plan.gpkg")
    routes = gpd.read_file(gpkg, layer="routes")
    stops = gpd.read_file(gpkg, layer="stops")
    cps = gpd.read_file(gpkg, layer="checkpoints")
    assert len(routes) == len(plan.routes) and len(stops) == len(plan.stops)
    assert len(cps) == len(plan.checkpoints.sites)
    assert pd.Timestamp(stops["arrival"].iloc[0]) == plan.stops["arrival"].iloc[0]
    plan.to_file(tmp_path / "p.geojson")
    assert len(gpd.read_file(tmp_path / "p_stops.geojson")) == len(plan.stops)
    assert "case_id" not in routes and "case_id" not in stops


def test_html_is_vietnamese_escaped_and_offline(plan, tmp_path):
    path = write_html(plan, tmp_path / "plan.html", synthetic=True)
    html = path.read_text(encoding="utf-8")
    for h in ("Tổ tuần tra", "Ca", "Điểm dừng", "Giờ đến", "Thời gian dừng", "Quãng đường"):
        assert h in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "http://" not in html and "https://" not in html and "src=" not in html
    assert "DỮ LIỆU GIẢ LẬP" in html and "SYNTHETIC" in html
    assert "Điểm chốt kiểm soát" in html
    # every visit appears: one row per stop with its arrival time
    for t in plan.stops["arrival"]:
        assert t.round("min").strftime("%H:%M") in html
    assert html.count('class="n">') >= len(plan.stops)


def test_explore_is_an_offline_map(plan):
    from hotspots.maps import map_html

    html = map_html(plan.explore())
    # nothing is fetched: no script, stylesheet, image or tile from the network
    assert not re.search(r"<(script|link|img)[^>]*(src|href)=\"https?:", html)
    assert "tile.openstreetmap" not in html
    assert plan.routes["unit"].iloc[0] in html
    # the site kind is shown in words (line_point -> "Điểm trên tuyến"), never as a code
    from hotspots.maps.labels import label

    kind = plan.checkpoints.sites["kind"].iloc[0]
    assert label(kind, "vi") in html and f'"{kind}"' not in html
