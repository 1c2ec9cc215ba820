"""Open generated maps in headless Chromium: no console error, no request, layers present.

Skipped with an install hint when Chromium is missing, unless CI=true (then they fail).
Screenshots are kept in ``tests/artifacts/``.
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest
import shapely

from browser import check_html, require_browser
from hotspots.maps import (
    add_checkpoints,
    add_counts,
    add_key_areas,
    add_key_lines,
    add_patrol_routes,
    base_map,
    cases_per_commune_map,
    overview_map,
    save_map,
    square_grid,
)
from hotspots.privacy import aggregate_for_sharing

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def chromium():
    return require_browser()


@pytest.fixture(scope="module")
def synthetic_data():
    synthetic = pytest.importorskip("hotspots.synthetic")
    return synthetic.generate(province="Lào Cai", seed=0)


@pytest.mark.browser
@pytest.mark.slow
def test_cases_per_commune_map_opens_offline(chromium, synthetic_data, tmp_path):
    path = save_map(
        cases_per_commune_map(synthetic_data.cases, province="Lào Cai", synthetic=True),
        tmp_path / "cases_per_commune.html",
    )
    report = check_html(path, name="cases_per_commune")
    assert report.console_errors == []
    assert report.requests == []
    assert report.leaflet == "1.9.3"
    # the base map's main roads and place names (maps.roads) lie under the data layers
    assert report.layers == ["Ranh giới tỉnh", "Đường chính", "Địa danh", "Số vụ theo xã, phường"]
    assert report.legend == ["Đường chính", "Số vụ theo xã, phường"]
    assert report.banner is not None and report.banner.startswith("DỮ LIỆU GIẢ LẬP / SYNTHETIC")
    assert report.screenshot.exists() and report.screenshot.stat().st_size > 10_000
    # the bundled geography is credited in Leaflet's attribution control (geodata/README.md)
    assert "Ranh giới tỉnh: amCharts (amcharts5-geodata)" in report.attribution
    assert "vietnamadminunits" in report.attribution


@pytest.mark.browser
@pytest.mark.slow
def test_overview_map_every_layer(chromium, synthetic_data, tmp_path):
    cases = synthetic_data.cases
    truth = synthetic_data.truth
    cells = aggregate_for_sharing(cases, square_grid(cases, cell_m=4000))
    cells["density"] = cells["cases"].astype("float64").fillna(0.0)
    cells["trend"] = ["new hot spot" if i % 4 == 0 else "persistent hot spot" for i in cells.index]
    checkpoints = gpd.GeoDataFrame(
        {"name": ["Chốt A", "Chốt B"], "volume": [40, 12]},
        geometry=cases.geometry.iloc[:2].tolist(),
        crs=cases.crs,
    )
    patrols = gpd.GeoDataFrame(
        {"unit": ["T1"], "shift": ["đêm"], "distance_km": [14.2], "duration_min": [95]},
        geometry=[shapely.LineString(cases.geometry.iloc[:4].tolist())],
        crs=cases.crs,
    )
    m = overview_map(
        "Lào Cai",
        cases=cases,
        key_areas=truth["key_areas"],
        key_lines=truth["key_lines"],
        density=cells,
        trends=cells,
        checkpoints=checkpoints,
        patrol_routes=patrols,
        synthetic=True,
        lang="en",
    )
    # switch the density layer on (it starts hidden): its legend section appears
    js = """
    (function(){
      var labels = document.querySelectorAll('.leaflet-control-layers label');
      for (var i = 0; i < labels.length; i++) {
        if (labels[i].textContent.trim() === 'Case density') {
          labels[i].querySelector('input').click();
        }
      }
      return Array.prototype.filter.call(document.querySelectorAll('.hs-legend h5'),
        function(e){ return e.offsetParent !== null; }).map(function(e){
          return e.textContent.trim(); });
    })()
    """
    report = check_html(save_map(m, tmp_path / "overview.html"), name="overview_en", evaluate=js)
    assert report.console_errors == [] and report.requests == []
    legend = [
        "Cases per commune",
        "Key areas",
        "Key lines",
        "Patrol routes",
        "Border gates and exit points",
        "Checkpoints",
    ]
    assert report.legend == ["Main roads", *legend]  # hidden layers have no legend section
    assert report.value == ["Main roads", "Cases per commune", "Case density", *legend[1:]]
    expected = [
        "Province boundary",
        "Main roads",
        "Places",
        "Cases per commune",
        "Case density",
        "Hot spot trends",
        "Key areas",
        "Key lines",
        "Patrol routes",
        "Border gates and exit points",
        "Checkpoints",
    ]
    assert report.layers == expected
    assert report.banner.startswith("SYNTHETIC / DỮ LIỆU GIẢ LẬP")
    for credit in ("Province boundaries: amCharts (amcharts5-geodata)", "Made with Natural Earth"):
        assert credit in report.attribution


@pytest.mark.browser
@pytest.mark.slow
def test_popup_shows_escaped_text(chromium, tmp_path):
    communes = gpd.GeoDataFrame(
        {"code": ["A"], "name": [XSS], "cases": [7]},
        geometry=[shapely.box(104, 22, 104.1, 22.1)],
        crs="EPSG:4326",
    )
    lines = gpd.GeoDataFrame(
        {"cases": [9], "gate": ['"><script>alert(2)</script>']},
        geometry=[shapely.LineString([(104, 22), (104.1, 22.1)])],
        crs="EPSG:4326",
    )
    m = base_map(communes, communes=communes)
    add_key_lines(m, lines)
    add_checkpoints(m, gpd.GeoDataFrame(geometry=[shapely.Point(104.05, 22.05)], crs=4326))
    add_patrol_routes(m, lines.assign(unit="T<b>1</b>"))
    path = save_map(m, tmp_path / "escape.html")
    # open the commune's popup in the page and read it back
    js = """
    (function(){
      var key = Object.keys(window).filter(
        function(k){return k.indexOf('geo_json_layer_')===0;})[0];
      var layer = window[key].getLayers()[0]; layer.openPopup();
      var c = document.querySelector('.leaflet-popup-content');
      return JSON.stringify({html: c.innerHTML, text: c.textContent,
                             imgs: c.querySelectorAll('img').length});
    })()
    """
    report = check_html(path, name="escape", evaluate=js)
    assert report.console_errors == [] and report.requests == []
    info = json.loads(report.value)
    assert XSS in info["text"] and info["imgs"] == 0
    assert "&lt;img" in info["html"]


@pytest.mark.browser
@pytest.mark.slow
def test_check_html_sees_errors_and_requests(chromium, tmp_path):
    """The browser check can fail: a CDN script and a script error are both caught."""
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><head>"
        '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"></script>'
        "</head><body><script>undefinedFunction();</script></body></html>",
        encoding="utf-8",
    )
    report = check_html(page, name="bad")
    assert any("cdn.jsdelivr.net" in url for url in report.requests)
    assert any("undefinedFunction" in e for e in report.console_errors)


def test_missing_browser_skips_with_hint_or_fails_on_ci(monkeypatch, tmp_path):
    monkeypatch.setenv("HOTSPOTS_CHROMIUM", str(tmp_path / "no-such-chromium"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        require_browser()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        require_browser()


@pytest.mark.browser
@pytest.mark.slow
def test_plain_folium_map_saved_offline_opens_without_network(chromium, tmp_path):
    import folium

    plain = folium.Map(location=[22, 104], zoom_start=8, tiles=None)
    folium.Marker([22.1, 104.1], popup="Chốt", icon=folium.Icon(icon="info-sign")).add_to(plain)
    folium.GeoJson(
        {
            "type": "Feature",
            "properties": {},
            "geometry": {"type": "Point", "coordinates": [104.2, 22.2]},
        }
    ).add_to(plain)
    report = check_html(save_map(plain, tmp_path / "plain.html"), name="plain_folium")
    assert report.console_errors == [] and report.requests == []
    assert report.leaflet == "1.9.3"


def _week_map(path):
    """Two units over two days, both on the same road, with a legend and gates."""
    line = shapely.LineString([(104.0, 22.3), (104.1, 22.4)])
    routes = gpd.GeoDataFrame(
        {"unit": ["Tổ 1", "Tổ 2", "Tổ 1", "Tổ 2"], "day": [1, 1, 2, 2],
         "date": ["2031-03-03", "2031-03-03", "2031-03-04", "2031-03-04"],
         "distance_km": [10.0, 12.0, 9.0, 11.0]},
        geometry=[line] * 4, crs="EPSG:4326",
    )  # fmt: skip
    m = base_map(None, synthetic=True)
    add_patrol_routes(m, routes)
    add_checkpoints(m, gpd.GeoDataFrame({"name": ["Chốt 1"]}, geometry=[line.centroid],
                                        crs="EPSG:4326"))  # fmt: skip
    return save_map(m, path)


_PHONE_JS = """
(function(){
  var legend = document.querySelector('details.hs-legend');
  var layers = document.querySelector('.leaflet-control-layers');
  var scale = Array.prototype.map.call(document.querySelectorAll('.leaflet-control-scale-line'),
    function(e){ return e.textContent.trim(); });
  function visible(){ return document.querySelectorAll('.leaflet-overlay-pane svg path').length; }
  var all = visible();
  var selects = document.querySelectorAll('.hs-filter select');
  var days = Array.prototype.map.call(selects[0].options, function(o){ return o.textContent; });
  selects[0].value = '1'; selects[0].onchange();
  var day1 = visible();
  selects[1].value = 'Tổ 1'; selects[1].onchange();
  var day1unit1 = visible();
  return JSON.stringify({legendOpen: legend.open, legendHeight: legend.offsetHeight,
    layersExpanded: layers.className.indexOf('expanded') >= 0, scale: scale,
    all: all, day1: day1, day1unit1: day1unit1, days: days,
    width: document.documentElement.scrollWidth});
})()
"""


@pytest.mark.browser
@pytest.mark.slow
def test_plan_map_on_a_phone_and_on_a_desk(chromium, tmp_path):
    path = _week_map(tmp_path / "week.html")
    phone = check_html(path, name="week_phone", width=390, height=844, mobile=True,
                       evaluate=_PHONE_JS)  # fmt: skip
    assert phone.console_errors == [] and phone.requests == []
    v = json.loads(phone.value)
    # on a phone the legend and the layer list fold away and leave the map free
    assert v["legendOpen"] is False and v["legendHeight"] < 60
    assert v["layersExpanded"] is False
    assert len(v["scale"]) == 1 and re.fullmatch(r"\d+ k?m", v["scale"][0])  # metric only
    # one route per unit and day; the selectors keep only the chosen ones
    assert (v["all"], v["day1"], v["day1unit1"]) == (4, 2, 1)
    assert v["days"] == ["Cả tuần", "Thứ Hai 03/03", "Thứ Ba 04/03"]
    assert v["width"] <= 390
    desk = check_html(path, name="week_desk", width=1200, height=800, evaluate=_PHONE_JS)
    d = json.loads(desk.value)
    assert d["legendOpen"] is True and d["layersExpanded"] is True


@pytest.mark.browser
@pytest.mark.notebooks
@pytest.mark.slow
def test_report_index_fits_a_phone(chromium, report_run):
    js = "document.documentElement.scrollWidth"
    r = check_html(report_run.current / "index.html", name="index_phone", width=390,
                   height=844, mobile=True, evaluate=js)  # fmt: skip
    assert r.console_errors == [] and r.requests == []
    assert r.value <= 390  # no sideways scrolling: tables scroll inside their box


@pytest.mark.browser
@pytest.mark.slow
def test_commune_names_show_from_zoom_10_and_ranks_always(chromium, tmp_path):
    communes = gpd.GeoDataFrame(
        {"code": ["A", "B"], "name": ["Cốc San", "Bát Xát"], "cases": [7, 9]},
        geometry=[shapely.box(104, 22, 104.1, 22.1), shapely.box(104.1, 22, 104.2, 22.1)],
        crs="EPSG:4326",
    )
    areas = gpd.GeoDataFrame(
        {"rank": [1], "cases": [9]}, geometry=[shapely.box(104.02, 22.02, 104.05, 22.05)],
        crs="EPSG:4326",
    )  # fmt: skip
    m = base_map(None)
    add_counts(m, communes)
    add_key_areas(m, areas)
    js = """
    (function(){
      var map = window[Object.keys(window).filter(function(k){
        return k.indexOf('map_') === 0; })[0]];
      function shown(){ return Array.prototype.filter.call(
        document.querySelectorAll('[data-hs-mz]'), function(e){
          return e.style.display !== 'none'; }).map(function(e){
          return e.textContent; }).sort(); }
      map.setView([22.05, 104.1], 11, {animate: false}); hsZoomLabels(map);
      var near = shown();
      map.setView([22.05, 104.1], 8, {animate: false}); hsZoomLabels(map);
      return JSON.stringify({near: near, far: shown()});
    })()
    """
    r = check_html(save_map(m, tmp_path / "labels.html"), name="labels", evaluate=js)
    assert r.console_errors == []
    v = json.loads(r.value)
    assert v["near"] == ["1", "Bát Xát", "Cốc San"]
    assert v["far"] == ["1"]  # the rank of a key area stays; commune names wait for zoom 10
