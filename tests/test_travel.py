"""Travel models: straight line times circuity, road networks from three file formats."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import LineString, Point

from hotspots.errors import HotspotsWarning, InputError, UnusableInputError
from hotspots.plan.travel import (
    LEG_ACCESS,
    LEG_NETWORK,
    LEG_NOT_CONNECTED,
    LEG_STRAIGHT,
    from_network,
    read_network,
    straight_line,
    travel_model,
)

UTM48 = "EPSG:32648"
X0, Y0 = 400_000.0, 2_450_000.0
_to_wgs = Transformer.from_crs(UTM48, 4326, always_xy=True)


def _pts(xy):
    return gpd.GeoSeries([Point(X0 + x, Y0 + y) for x, y in xy], crs=UTM48).to_crs(4326)


def _ll(x, y):
    return _to_wgs.transform(X0 + x, Y0 + y)


# An L-shaped road A(0,0) - B(3000,0) - C(3000,4000) plus a detached road D-E far away.
ROADS = [
    [(0, 0), (3000, 0)],
    [(3000, 0), (3000, 4000)],
    [(20_000, 0), (21_000, 0)],
]


def _roads_gdf(speed=None):
    g = gpd.GeoDataFrame(geometry=[LineString([_ll(x, y) for x, y in r]) for r in ROADS], crs=4326)
    if speed is not None:
        g["speed_kmh"] = speed
    return g


def test_straight_line_hand_values():
    m = straight_line(speed_kmh=36.0, circuity=1.5)
    d, t = m.matrix(_pts([(0, 0), (3000, 4000)]))
    assert m.crs.to_epsg() == 32648
    assert d[0, 1] == pytest.approx(5000 * 1.5, rel=1e-9)
    assert t[0, 1] == pytest.approx(7500 / 10.0, rel=1e-9)  # 36 km/h = 10 m/s
    assert d[0, 0] == 0 and np.allclose(d, d.T)
    assert m.describe()["model"] == "straight-line"
    assert m.path(Point(0, 0), Point(1, 1)).coords[:] == [(0, 0), (1, 1)]


def test_straight_line_rejects_bad_parameters():
    with pytest.raises(InputError):
        straight_line(speed_kmh=0)
    with pytest.raises(InputError):
        straight_line(circuity=0.9)


def _check_network_model(m):
    pts = _pts([(0, 0), (3000, 4000), (3000, 0)])
    d, t = m.matrix(pts)
    # along the L: 3 km + 4 km (not the 5 km straight line)
    assert d[0, 1] == pytest.approx(7000, abs=0.5)
    assert t[0, 1] == pytest.approx(7000 / 10.0, abs=0.05)
    assert d[0, 2] == pytest.approx(3000, abs=0.5)
    assert m.describe()["model"] == "network"
    path = m.path(pts.iloc[0], pts.iloc[1])
    corner = Point(_ll(3000, 0))
    assert path.distance(corner) < 1e-6  # the path turns at the corner
    assert Point(path.coords[0]).distance(pts.iloc[0]) < 1e-6


def test_network_from_lines_follows_roads():
    _check_network_model(from_network(_roads_gdf(), speed_kmh=36.0))


def test_network_speed_column_and_access_leg():
    m = from_network(_roads_gdf(speed=[72.0, 72.0, 72.0]), speed_kmh=36.0, circuity=1.2)
    # a point 100 m off the road start: access leg 100 m * 1.2 at the default speed
    d, t = m.matrix(_pts([(0, 100), (3000, 0)]))
    assert d[0, 1] == pytest.approx(3000 + 120, abs=0.5)
    assert t[0, 1] == pytest.approx(3000 / 20.0 + 120 / 10.0, abs=0.05)


def test_disconnected_pairs_are_named_and_marked_never_silent():
    m = from_network(_roads_gdf(), speed_kmh=36.0, circuity=1.3)
    pts = _pts([(0, 0), (3000, 4000), (20_000, 0)])
    with pytest.warns(HotspotsWarning, match=r"1 of 3 places.*Đồn Y Tý"):
        tab = m.table(pts, names=["Tổ 1 base", "Địa bàn 1", "Đồn Y Tý"])
    assert tab.unconnected == [2]
    assert tab.distance_m[0, 2] == pytest.approx(20_000 * 1.3, rel=1e-9)
    assert tab.leg_model[0, 2] == LEG_NOT_CONNECTED == tab.leg_model[2, 1]
    assert tab.leg_model[0, 1] == LEG_NETWORK
    assert m.describe()["fallback_pairs"] == 4
    with pytest.warns(HotspotsWarning, match="#2"):  # without names: the point's number
        m.matrix(_pts([(0, 0), (20_000, 0)]))
    leg = m.leg(pts.iloc[0], pts.iloc[2])
    assert leg.model == LEG_NOT_CONNECTED and len(leg.geometry.coords) == 2


def test_geopackage_graphml_and_osm_xml_give_the_same_times(tmp_path):
    gpkg = tmp_path / "roads.gpkg"
    _roads_gdf().to_file(gpkg)
    g = nx.Graph()
    osm = ['<?xml version="1.0"?>', '<osm version="0.6">']
    nid = 0
    for k, r in enumerate(ROADS):
        ids = []
        for x, y in r:
            lon, lat = _ll(x, y)
            key = f"{x}_{y}"
            g.add_node(key, x=lon, y=lat)
            nid += 1
            osm.append(f'<node id="{nid}" lat="{lat!r}" lon="{lon!r}"/>')
            ids.append(nid)
        g.add_edge(f"{r[0][0]}_{r[0][1]}", f"{r[1][0]}_{r[1][1]}")
        osm.append(f'<way id="{k + 1}">')
        osm += [f'<nd ref="{i}"/>' for i in ids]
        osm.append('<tag k="highway" v="unclassified"/><tag k="maxspeed" v="36"/></way>')
    osm.append('<way id="99"><nd ref="1"/><nd ref="2"/><tag k="waterway" v="river"/></way>')
    osm.append("</osm>")
    graphml = tmp_path / "roads.graphml"
    nx.write_graphml(g, graphml)
    osm_path = tmp_path / "roads.osm"
    osm_path.write_text("\n".join(osm), encoding="utf-8")
    assert len(read_network(osm_path)) == 3  # the river is not a road
    # a projected graph (osmnx project_graph): x/y in metres and the CRS in the graph
    projected = nx.Graph(crs="EPSG:32648")
    for r in ROADS:
        a, b = (f"{x}_{y}" for x, y in r)
        projected.add_node(a, x=X0 + r[0][0], y=Y0 + r[0][1])
        projected.add_node(b, x=X0 + r[1][0], y=Y0 + r[1][1])
        projected.add_edge(a, b)
    graphml_utm = tmp_path / "roads_utm.graphml"
    nx.write_graphml(projected, graphml_utm)
    for path in (gpkg, graphml, graphml_utm, osm_path):
        m = travel_model(path, speed_kmh=36.0)
        assert m.source == str(path)
        _check_network_model(m)


def test_unreadable_network_file_is_unusable_input(tmp_path):
    with pytest.raises(UnusableInputError):
        read_network(tmp_path / "missing.gpkg")
    bad = tmp_path / "bad.osm"
    bad.write_text("<osm><node", encoding="utf-8")
    with pytest.raises(UnusableInputError):
        read_network(bad)
    table = tmp_path / "roads.csv"  # a table without geometry was an AttributeError traceback
    table.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(UnusableInputError, match="no geometry"):
        read_network(table)


def test_travel_model_without_network_is_straight_line():
    assert travel_model(None).kind == "straight-line"


def test_distance_is_the_length_of_the_fastest_path():
    # A -> B directly: 3 km of track at 6 km/h; or 5 km round by a 100 km/h road
    roads = gpd.GeoDataFrame(
        {"speed_kmh": [6.0, 100.0, 100.0]},
        geometry=[
            LineString([_ll(0, 0), _ll(3000, 0)]),
            LineString([_ll(0, 0), _ll(1500, 2000)]),
            LineString([_ll(1500, 2000), _ll(3000, 0)]),
        ],
        crs=4326,
    )
    m = from_network(roads)
    d, t = m.matrix(_pts([(0, 0), (3000, 0)]))
    assert t[0, 1] == pytest.approx(5000 / (100 / 3.6), abs=0.01)
    assert d[0, 1] == pytest.approx(5000, abs=0.5)
    assert m.describe()["edges"] == 3
    assert len(m.path(_pts([(0, 0)]).iloc[0], _pts([(3000, 0)]).iloc[0]).coords) == 5


# A 2 x 2 km square of roads: A(0,0) -B(2000,0)- C(2000,2000), and A -D(0,2000)- C.
# The south-east way is a trunk road (QL4D), the north-west way a tertiary (ĐT155).
def _square(**cols):
    geoms = [
        LineString([_ll(0, 0), _ll(2000, 0)]),
        LineString([_ll(2000, 0), _ll(2000, 2000)]),
        LineString([_ll(0, 0), _ll(0, 2000)]),
        LineString([_ll(0, 2000), _ll(2000, 2000)]),
    ]
    base = {
        "highway": ["trunk", "trunk", "tertiary", "tertiary"],
        "ref": ["QL4D", "QL4D", None, "ĐT155"],
        "name": [None, None, "Đường Hoàng Liên", None],
    }
    return gpd.GeoDataFrame({**base, **cols}, geometry=geoms, crs=4326)


def test_vehicle_speeds_per_road_class():
    car = from_network(_square())
    pts = _pts([(0, 0), (2000, 2000)])
    d, t = car.matrix(pts)
    assert d[0, 1] == pytest.approx(4000, abs=0.5)
    assert t[0, 1] == pytest.approx(4000 / (60 / 3.6), rel=1e-6)  # trunk at 60 km/h
    moto = car.for_vehicle("motorbike")
    assert moto is car.for_vehicle("motorbike")  # built once
    assert moto.matrix(pts)[1][0, 1] == pytest.approx(4000 / (50 / 3.6), rel=1e-6)
    # matrix(vehicle=...) is the same as for_vehicle(...).matrix
    assert car.matrix(pts, vehicle="foot")[1][0, 1] == pytest.approx(4000 / (5 / 3.6), rel=1e-6)
    # overrides: a slow trunk for motorbikes sends them round by the tertiary road
    slow = car.for_vehicle("motorbike", speeds={"trunk": 20.0})
    assert slow.matrix(pts)[1][0, 1] == pytest.approx(4000 / (35 / 3.6), rel=1e-6)
    assert slow.leg(pts.iloc[0], pts.iloc[1]).roads == ["Đường Hoàng Liên", "ĐT155"]
    assert slow.describe()["speeds_kmh"]["trunk"] == 20.0
    assert car.describe()["vehicle"] == "car" and slow.describe()["vehicle"] == "motorbike"


def test_speed_columns_per_vehicle_and_closed_roads():
    roads = _square(speed_motorbike=[30.0, 30.0, 0.0, 0.0], speed_car=[90.0] * 4)
    m = from_network(roads, vehicle="motorbike")
    pts = _pts([(0, 0), (2000, 2000), (0, 2000)])
    _, t = m.matrix(pts[:2])
    assert t[0, 1] == pytest.approx(4000 / (30 / 3.6), rel=1e-6)
    assert m.for_vehicle("car").matrix(pts[:2])[1][0, 1] == pytest.approx(4000 / 25, rel=1e-6)
    # D sits on closed roads only: the motorbike is snapped to the nearest open node
    tab = m.table(pts)
    assert tab.access_m[2] == pytest.approx(2000, abs=0.5)


def test_oneway_is_respected_except_on_foot():
    # the trunk way is one-way from A towards C: going back takes the tertiary road
    m = from_network(_square(oneway=["yes", "yes", "no", None]))
    pts = _pts([(0, 0), (2000, 2000)])
    _, t = m.matrix(pts)
    assert t[0, 1] == pytest.approx(4000 / (60 / 3.6), rel=1e-6)
    assert t[1, 0] == pytest.approx(4000 / (35 / 3.6), rel=1e-6)
    assert m.leg(pts.iloc[1], pts.iloc[0]).roads == ["ĐT155", "Đường Hoàng Liên"]
    foot = m.for_vehicle("foot").matrix(pts)[1]
    assert foot[1, 0] == pytest.approx(foot[0, 1])
    # "-1": one-way against the drawing direction
    rev = from_network(_square(oneway=["-1", "-1", None, None]))
    _, t = rev.matrix(pts)
    assert t[1, 0] == pytest.approx(4000 / (60 / 3.6), rel=1e-6)


def test_edge_circuity_stretches_straight_roads():
    # roads drawn straight between junctions: the trunk is really 1.5 x longer
    m = from_network(_square(circuity=[1.5, 1.5, 1.0, 1.0]))
    pts = _pts([(0, 0), (2000, 2000)])
    d, t = m.matrix(pts)
    assert t[0, 1] == pytest.approx(min(6000 / (60 / 3.6), 4000 / (35 / 3.6)), rel=1e-6)
    assert d[0, 1] == pytest.approx(6000, abs=0.5)  # the trunk is still faster
    assert m.describe()["edge_circuity"] is True


def test_leg_names_roads_in_order_and_models():
    m = from_network(_square())
    pts = _pts([(0, 0), (2000, 2000), (2000, 10), (0, 300)])
    leg = m.leg(pts.iloc[0], pts.iloc[1])
    assert leg.roads == ["QL4D"] and leg.model == LEG_NETWORK
    assert leg.geometry.distance(Point(_ll(2000, 0))) < 1e-6  # turns at B
    tab = m.table(pts)
    # (0,300) snaps to A: 300 m straight access against 0 m of road
    assert tab.leg_model[0, 3] == LEG_ACCESS
    assert tab.leg_model[0, 2] == LEG_NETWORK
    assert m.leg(pts.iloc[3], pts.iloc[0]).model == LEG_ACCESS  # one node: no road at all
    assert straight_line().table(pts).leg_model[0, 1] == LEG_STRAIGHT


def test_straight_line_vehicle_speed_is_capped():
    pts = _pts([(0, 0), (3000, 4000)])
    walk = straight_line(speed_kmh=40.0, circuity=1.0, vehicle="foot")
    assert walk.matrix(pts)[1][0, 1] == pytest.approx(5000 / (5 / 3.6), rel=1e-9)
    car = straight_line(speed_kmh=40.0, circuity=1.0)
    assert car.matrix(pts, vehicle="motorbike")[1][0, 1] == pytest.approx(5000 / (40 / 3.6))
    with pytest.raises(InputError, match="vehicle"):
        car.for_vehicle("tank")


def test_geopackage_roads_layer_keeps_names(tmp_path):
    gpkg = tmp_path / "roads.gpkg"
    _square().to_file(gpkg, layer="places")  # another layer first, as hotspots roads writes
    _square(oneway=["yes"] * 4).to_file(gpkg, layer="roads")
    lines = read_network(gpkg)
    assert list(lines["ref"].fillna("")) == ["QL4D", "QL4D", "", "ĐT155"]
    assert lines["oneway"].tolist() == ["yes"] * 4


def test_patrols_drive_named_roads_and_record_every_leg(tmp_path):
    import json
    import xml.etree.ElementTree as ET

    from hotspots.plan.bases import units_at
    from hotspots.plan.export import write_gpx
    from hotspots.plan.patrols import plan_patrols

    # base at A (0, 0); key area "Bản C" at C (2 km, 2 km): the fastest way is the QL4D
    # through B (2 km, 0); "Bản Xa" 20 km away is on no road of the network
    bases = gpd.GeoDataFrame({"base": ["Đồn A"]}, geometry=_pts([(0, 0)]).values, crs=4326)
    areas = gpd.GeoDataFrame(
        {"rank": [1, 2], "name": ["Bản C", "Bản Xa"]},
        geometry=_pts([(2000, 2000), (20_000, 0)]).values,
        crs=4326,
    )
    roads = pd.concat(
        [_square(), gpd.GeoDataFrame(
            {"ref": ["ĐT999"]}, geometry=[LineString([_ll(20_000, 0), _ll(21_000, 0)])], crs=4326
        )],
        ignore_index=True,
    )  # fmt: skip
    travel = from_network(roads)
    with pytest.warns(HotspotsWarning, match="Bản Xa"):
        plan = plan_patrols(
            areas,
            units_at(bases, 1),
            travel,
            shift_hours=12,
            date="2026-12-07",
        )
    route = plan.routes.iloc[0]
    stops = plan.stops.set_index("area_name")
    assert stops.loc["Bản C", "leg_model"] == LEG_NETWORK
    assert stops.loc["Bản Xa", "leg_model"] == LEG_NOT_CONNECTED
    assert route["leg_model"].split("; ").count(LEG_NOT_CONNECTED) == 2  # there and back
    assert route["roads"].split(" → ")[0] == "QL4D"
    assert plan.meta["travel"]["unconnected"] == ["địa bàn Bản Xa"]
    assert plan.meta["travel"]["legs"][LEG_NOT_CONNECTED] == 2
    json.dumps(plan.meta, default=str)
    # the GPX track runs along the road: it passes through the corner B
    gpx = write_gpx(plan, tmp_path / "p.gpx")
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    pts = [
        Point(float(p.get("lon")), float(p.get("lat")))
        for p in ET.parse(gpx).getroot().iterfind(".//g:trkpt", ns)
    ]
    corner = Point(_ll(2000, 0))
    assert min(p.distance(corner) for p in pts) < 1e-6
    assert ", theo QL4D" in gpx.read_text(encoding="utf-8")
    # the printed plan says which roads, and which legs the network did not connect
    from hotspots.plan.export import write_html

    page = write_html(plan, tmp_path / "p.html").read_text(encoding="utf-8")
    assert "theo QL4D" in page
    assert "2 chặng không có đường nối" in page and "địa bàn Bản Xa" in page


def test_province_roads_model_on_bundled_roads():
    from hotspots.plan.travel import BUNDLED_ROADS, province_roads

    m = province_roads("Lào Cai")
    d = m.describe()
    assert d["model"] == "network" and d["source"] == BUNDLED_ROADS and d["edge_circuity"]
    # Lào Cai -> Sa Pa: 34 km by the QL4D (geodata/road_distances.csv), 20 km straight
    pts = gpd.GeoSeries([Point(103.973, 22.475), Point(103.844, 22.336)], crs=4326)
    tab = m.table(pts)
    assert tab.leg_model[0, 1] == LEG_NETWORK
    assert 25_000 < tab.distance_m[0, 1] < 45_000
    # a roads file or lines given instead of the bundled roads
    assert province_roads("Lào Cai", roads=_square()).describe()["edges"] == 4
