"""Roads and place names on the offline base map: by class, named, small, no tiles."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import shapely

from hotspots.maps import base_map, map_html
from hotspots.maps.roads import ROAD_STYLE, main_roads


def _layers(html: str) -> list[tuple[dict, dict]]:
    """Every ``hsLayer(data, spec)`` of a page, in order."""
    dec = json.JSONDecoder()
    out = []
    for match in re.finditer(r"var geo_json_layer_\w+ = hsLayer\(", html):
        data, end = dec.raw_decode(html, match.end())
        spec, _ = dec.raw_decode(html, end + 2)
        out.append((data, spec))
    return out


def _roads_gpkg(path):
    # a trunk road (QL4D, in two pieces), a provincial road with only a name, a
    # residential street (not a main road) and places: a town and a hamlet
    roads = gpd.GeoDataFrame(
        {
            "highway": ["trunk", "trunk", "secondary", "residential"],
            "ref": ["QL4D", "QL4D", None, None],
            "name": [None, None, "Đường Hoàng Liên", "Ngõ 5"],
        },
        geometry=[
            shapely.LineString([(103.90, 22.30), (103.95, 22.32)]),
            shapely.LineString([(103.95, 22.32), (104.00, 22.35)]),
            shapely.LineString([(103.95, 22.32), (103.95, 22.40)]),
            shapely.LineString([(103.96, 22.33), (103.97, 22.33)]),
        ],
        crs="EPSG:4326",
    )
    places = gpd.GeoDataFrame(
        {"name": ["Sa Pa", "Bản Xả"], "place": ["town", "hamlet"]},
        geometry=[shapely.Point(103.94, 22.33), shapely.Point(103.96, 22.36)],
        crs="EPSG:4326",
    )
    roads.to_file(path, layer="roads")
    places.to_file(path, layer="places")
    return path


AREA = shapely.box(103.85, 22.25, 104.05, 22.45)


def test_main_roads_merged_by_road_and_class(tmp_path):
    g = main_roads(_roads_gpkg(tmp_path / "r.gpkg"), AREA)
    assert sorted(g["road"]) == ["QL4D", "Đường Hoàng Liên"]  # the street is left out
    ql = g[g["road"] == "QL4D"].iloc[0]
    assert ql["group"] == "highway" and ql["width"] == ROAD_STYLE["highway"][1]
    assert ql.geometry.geom_type == "LineString"  # the two pieces merged into one line
    assert g.iloc[0]["road"] == "Đường Hoàng Liên"  # minor roads first, drawn underneath
    # coordinates rounded to 4 decimals
    xy = shapely.get_coordinates(g.geometry.values)
    assert (abs(xy * 1e4 - (xy * 1e4).round()) < 1e-6).all()


def test_base_map_with_a_roads_geopackage(tmp_path):
    gpkg = _roads_gpkg(tmp_path / "r.gpkg")
    html = map_html(base_map(AREA, roads=str(gpkg)))
    layers = _layers(html)
    roads = next(d for d, s in layers if s["colorBy"] == "group")
    assert sorted(f["properties"]["Đường"] for f in roads["features"]) == [
        "QL4D",
        "Đường Hoàng Liên",
    ]
    places = next(d for d, s in layers if s["point"])
    assert [f["properties"]["Địa danh"] for f in places["features"]] == ["Sa Pa"]
    assert "© OpenStreetMap" in html
    assert not re.search(r"<(script|link|img)[^>]*(src|href)=\"https?:", html)
    assert "tile.openstreetmap" not in html and "{z}" not in html


def test_province_map_has_bundled_roads_and_seats_within_budget():
    plain = map_html(base_map("Lào Cai", roads=False, places=False))
    full = map_html(base_map("Lào Cai"))
    layers = _layers(full)
    assert len(layers) == len(_layers(plain)) + 2
    roads = next(d for d, s in layers if s["colorBy"] == "group")
    assert len(roads["features"]) >= 1
    seats = next(d for d, s in layers if s["point"])
    assert len(seats["features"]) == 99  # Lào Cai's commune seats
    assert len(full) - len(plain) < 40_000  # roads + names add less than 40 kB


def test_roads_from_osm_xml_and_places_without_names(tmp_path):
    osm = tmp_path / "r.osm"
    osm.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="1" lat="22.30" lon="103.90"/><node id="2" lat="22.35" lon="104.00"/>'
        '<way id="7"><nd ref="1"/><nd ref="2"/><tag k="highway" v="trunk"/>'
        '<tag k="ref" v="QL4D"/></way></osm>',
        encoding="utf-8",
    )
    g = main_roads(str(osm), AREA)
    assert list(g["road"]) == ["QL4D"] and list(g["group"]) == ["highway"]
    nameless = gpd.GeoDataFrame(geometry=[shapely.Point(103.95, 22.33)], crs="EPSG:4326")
    html = map_html(base_map(AREA, roads=str(osm), places=nameless))
    assert not any(s["point"] for _, s in _layers(html))  # nothing to name: no layer
