"""Road network: readers (GeoPackage, GraphML, OSM XML), shortest paths, traversals."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.errors import HotspotsWarning, InputError, UnusableInputError
from hotspots.lines import key_lines
from hotspots.lines.network import RoadNetwork, read_network

UTM48 = "EPSG:32648"
X0, Y0 = 500_000.0, 2_400_000.0
N = 11  # 11 x 11 nodes, 1 km apart: 220 segments


def _grid_lines() -> gpd.GeoDataFrame:
    lines = []
    for i in range(N):
        for j in range(N):
            p = (X0 + i * 1000, Y0 + j * 1000)
            if i + 1 < N:
                lines.append(shapely.LineString([p, (p[0] + 1000, p[1])]))
            if j + 1 < N:
                lines.append(shapely.LineString([p, (p[0], p[1] + 1000)]))
    return gpd.GeoDataFrame({"highway": ["primary"] * len(lines)}, geometry=lines, crs=UTM48)


@pytest.fixture(scope="module")
def grid_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("roads")
    gdf = _grid_lines()
    gdf.to_crs("EPSG:4326").to_file(d / "roads.gpkg", driver="GPKG")
    # GraphML, osmnx style: lon/lat node x, y; edge length in metres
    ll = gdf.to_crs("EPSG:4326")
    g = nx.MultiGraph(crs="epsg:4326")
    key = {}
    for line, line_m in zip(ll.geometry, gdf.geometry, strict=True):
        ends = []
        for pt, ptm in zip(line.coords, line_m.coords, strict=True):
            k = key.setdefault((round(ptm[0]), round(ptm[1])), str(len(key)))
            g.add_node(k, x=pt[0], y=pt[1])
            ends.append(k)
        g.add_edge(*ends, length=line_m.length)
    nx.write_graphml(g, d / "roads.graphml")
    # OSM XML
    nodes = {k: g.nodes[k] for k in g.nodes}
    parts = ['<?xml version="1.0"?>', '<osm version="0.6">']
    parts += [f'<node id="{k}" lon="{v["x"]:.9f}" lat="{v["y"]:.9f}"/>' for k, v in nodes.items()]
    for w, (a, b) in enumerate(g.edges()):
        parts.append(f'<way id="{w}"><nd ref="{a}"/><nd ref="{b}"/>')
        parts.append('<tag k="highway" v="primary"/></way>')
    parts.append('<way id="9999"><nd ref="0"/><nd ref="1"/><tag k="waterway" v="river"/></way>')
    parts.append("</osm>")
    (d / "roads.osm").write_text("\n".join(parts))
    return d


@pytest.mark.parametrize("name", ["roads.gpkg", "roads.graphml", "roads.osm"])
def test_readers_build_the_same_grid(grid_files, name):
    net = read_network(grid_files / name)
    assert net.crs.is_projected
    assert len(net.nodes) == N * N
    assert len(net.u) == 2 * N * (N - 1)
    np.testing.assert_allclose(net.length, 1000.0, rtol=2e-3)
    # shortest path (0,0) -> (3,2) km is 5 segments long
    net_m = net.to_crs(UTM48)
    paths = net_m.route_legs(np.array([[X0, Y0]]), np.array([[X0 + 3000, Y0 + 2000]]))
    assert len(paths[0]) == 5
    assert net_m.length[paths[0]].sum() == pytest.approx(5000, rel=2e-3)


def test_traversals_counted_per_segment():
    net = RoadNetwork.from_lines(_grid_lines())
    # three routes along the bottom row from x=0 to x=4 km (stops snapped to nodes)
    xy = np.array([[X0 + 10, Y0 - 20], [X0 + 4000, Y0 + 30]] * 3)
    route = np.repeat([0, 1, 2], 2)
    new_xy, new_route, rows, counts = net.route_stops(xy, route)
    assert counts.sum() == 12 and set(counts[counts > 0]) == {3}
    seg = net.segments_gdf(counts)
    assert list(seg["rank"]) == [1, 2, 3, 4] and (seg["traversals"] == 3).all()
    # the densified route passes every node of the row, in order
    r0 = new_xy[new_route == 0]
    np.testing.assert_allclose(r0[1:-1, 0], X0 + 1000 * np.arange(5))
    np.testing.assert_allclose(r0[1:-1, 1], Y0)
    assert rows.max() == 5 and rows.min() == 0


def test_disconnected_leg_stays_straight():
    lines = _grid_lines()
    far = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(X0 + 50_000, Y0), (X0 + 51_000, Y0)])], crs=UTM48
    )
    net = RoadNetwork.from_lines(pd.concat([lines, far], ignore_index=True))
    paths = net.route_legs(np.array([[X0, Y0]]), np.array([[X0 + 51_000, Y0]]))
    assert paths == [None]
    xy, route, rows, counts = net.route_stops(np.array([[X0, Y0], [X0 + 51_000, Y0]]), np.r_[0, 0])
    assert len(xy) == 2 and counts.sum() == 0


def test_key_lines_over_network_follow_the_roads(tmp_path):
    # a U-shaped road from A (0, 0) up to y = 5 km, across and down to B (10 km, 0);
    # 8 cases travel A -> B: straight legs cut across, over the network they follow the U
    u_pts = [(0, k * 1000) for k in range(6)] + [(k * 1000, 5000) for k in range(1, 11)]
    u_pts += [(10_000, 5000 - k * 1000) for k in range(1, 6)]
    u_pts = [(X0 + x, Y0 + y) for x, y in u_pts]
    roads = gpd.GeoDataFrame(
        geometry=[shapely.LineString([p, q]) for p, q in zip(u_pts[:-1], u_pts[1:], strict=True)],
        crs=UTM48,
    )
    roads.to_crs("EPSG:4326").to_file(tmp_path / "u.gpkg", driver="GPKG")
    rng = np.random.default_rng(0)
    rows = []
    for c in range(8):
        for s, (x, y) in enumerate([(X0, Y0), (X0 + 10_000, Y0)]):
            rows.append((f"k{c}", s, "transit", 1, x + rng.normal(0, 50), y + rng.normal(0, 50)))
    df = pd.DataFrame(rows, columns=["case_id", "seq", "role", "victims", "x", "y"])
    routes = gpd.GeoDataFrame(
        df.drop(columns=["x", "y"]), geometry=shapely.points(df[["x", "y"]].to_numpy()), crs=UTM48
    ).to_crs("EPSG:4326")
    none = gpd.GeoDataFrame({"name": []}, geometry=[], crs="EPSG:4326")
    u_line = shapely.LineString(u_pts)
    plain = key_lines(routes, eps=1_000, min_routes=5, gates=none, communes=none)
    assert plain.road_segments is None
    straight = plain.lines.to_crs(UTM48).geometry.iloc[0]
    assert u_line.hausdorff_distance(straight) > 4_000
    for network in (tmp_path / "u.gpkg", RoadNetwork.from_lines(roads)):
        kl = key_lines(routes, eps=1_000, min_routes=5, gates=none, communes=none, network=network)
        seg = kl.road_segments
        assert seg is not None and seg.crs.to_epsg() == 4326
        assert (seg["traversals"] == 8).all() and len(seg) == 20
        assert list(seg["rank"]) == list(range(1, 21))
        assert len(kl) == 1 and kl.lines["cases"].iloc[0] == 8
        drawn = kl.lines.to_crs(UTM48).geometry.iloc[0]
        assert u_line.hausdorff_distance(drawn) <= 1_000 + 1
        # drawn along the road itself: every vertex lies on the U
        assert max(u_line.distance(shapely.Point(c)) for c in drawn.coords) < 1e-3
        assert kl.lines["line_model"].iloc[0] == "network"


def test_bad_network_files(tmp_path):
    with pytest.raises(UnusableInputError, match="does not exist"):
        read_network(tmp_path / "none.gpkg")
    (tmp_path / "roads.txt").write_text("x")
    with pytest.raises(InputError, match="GraphML"):
        read_network(tmp_path / "roads.txt")
    (tmp_path / "bad.osm").write_text("<osm><node")
    with pytest.raises(UnusableInputError, match="XML"):
        read_network(tmp_path / "bad.osm")
    (tmp_path / "empty.osm").write_text("<osm></osm>")
    with pytest.raises(UnusableInputError, match="highway"):
        read_network(tmp_path / "empty.osm")


# A "mountain" between A (0, 0) and B (10 km, 0): the only road climbs round it, up the
# ĐT152 (x = 0), along the QL4D (y = 5 km) and down the QL279 (x = 10 km).
def _mountain_roads(gap: bool = False) -> gpd.GeoDataFrame:
    legs = [((0, k), (0, k + 1), "ĐT152") for k in range(5)]
    legs += [((k, 5), (k + 1, 5), "QL4D") for k in range(10) if not (gap and k == 5)]
    legs += [((10, 5 - k), (10, 4 - k), "QL279") for k in range(5)]
    return gpd.GeoDataFrame(
        {"ref": [r for *_, r in legs], "highway": "primary"},
        geometry=[
            shapely.LineString(
                [(X0 + a[0] * 1000, Y0 + a[1] * 1000), (X0 + b[0] * 1000, Y0 + b[1] * 1000)]
            )
            for a, b, _ in legs
        ],
        crs=UTM48,
    )


def _cases(stops_km: list[list[tuple[float, float]]], seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for c, stops in enumerate(stops_km):
        for s, (x, y) in enumerate(stops):
            role = "exit" if s == len(stops) - 1 else "transit"
            xy = (X0 + x * 1000 + rng.normal(0, 30), Y0 + y * 1000 + rng.normal(0, 30))
            rows.append((f"c{c}", s, role, 1, *xy))
    df = pd.DataFrame(rows, columns=["case_id", "seq", "role", "victims", "x", "y"])
    return gpd.GeoDataFrame(
        df.drop(columns=["x", "y"]), geometry=shapely.points(df[["x", "y"]].to_numpy()), crs=UTM48
    ).to_crs("EPSG:4326")


def _gate_at_b() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["Lào Cai"], "country": ["China"]},
        geometry=[shapely.Point(X0 + 10_000, Y0)],
        crs=UTM48,
    ).to_crs("EPSG:4326")


NONE = gpd.GeoDataFrame({"name": []}, geometry=[], crs="EPSG:4326")


def test_key_line_follows_named_roads_round_the_mountain():
    routes = _cases([[(0, 0), (10, 0)]] * 8)
    kl = key_lines(
        routes, eps=1_000, min_routes=5, gates=_gate_at_b(), communes=NONE,
        network=_mountain_roads(),
    )  # fmt: skip
    row = kl.lines.iloc[0]
    assert kl.params["network"] == "road lines given"
    assert row["roads"] == "ĐT152 → QL4D → QL279"
    assert row["itinerary"] == "ĐT152 → QL4D → QL279 → cửa khẩu Lào Cai"
    assert row["line_model"] == "network"
    corridor = kl.corridors.to_crs(UTM48).geometry.iloc[0]
    top_road = shapely.LineString([(X0 + 1000, Y0 + 5000), (X0 + 9000, Y0 + 5000)])
    assert corridor.contains(top_road)  # the corridor is round the roads...
    across = shapely.LineString([(X0 + 2000, Y0), (X0 + 8000, Y0)])
    assert not corridor.intersects(across)  # ... not across the mountain


def test_volume_per_road_segment_is_the_sum_over_cases():
    # 8 cases round the mountain; 3 go 3 km up the ĐT152 and back down (two traversals
    # each, but one case each in the volume)
    routes = _cases([[(0, 0), (10, 0)]] * 8 + [[(0, 0), (0, 3), (0, 0)]] * 3)
    kl = key_lines(routes, eps=1_000, min_routes=5, gates=NONE, communes=NONE,
                   network=_mountain_roads(), top_segments=None)  # fmt: skip
    seg = kl.road_segments.to_crs(UTM48)
    mid_y = seg.geometry.centroid.y - Y0
    low = (seg["road"] == "ĐT152") & (mid_y < 3000)
    assert low.sum() == 3
    assert (seg.loc[low, "volume"] == 8 + 3).all()
    assert (seg.loc[low, "traversals"] == 8 + 2 * 3).all()
    assert (seg.loc[seg["road"] == "QL4D", "volume"] == 8).all()
    assert list(seg["rank"][:3]) == [1, 2, 3] and low.iloc[:3].all()  # ranked by volume
    # every segment of the key line's road path names the line
    assert (seg.loc[seg["road"] == "QL4D", "key_lines"] == "1").all()


def test_key_line_the_network_does_not_join_is_named():
    routes = _cases([[(0, 0), (10, 0)]] * 8)
    with pytest.warns(HotspotsWarning) as rec:
        kl = key_lines(
            routes, eps=1_000, min_routes=5, gates=_gate_at_b(), communes=NONE,
            network=_mountain_roads(gap=True),
        )  # fmt: skip
    said = [str(w.message) for w in rec]
    assert any("8 of 8 route legs" in m for m in said)
    assert any("key line(s) 1 (→ Lào Cai)" in m for m in said)
    assert kl.params["legs_not_connected"] == 8
    assert kl.lines["line_model"].iloc[0] == "straight-line (not connected)"
    assert kl.lines["roads"].iloc[0] == ""
    assert kl.lines["itinerary"].iloc[0] == "cửa khẩu Lào Cai"


def test_road_path_drops_back_and_forth_steps():
    net = RoadNetwork.from_lines(_mountain_roads())
    # the middle point snaps to (0, 5 km), past the corner the path turns at
    pts = np.array([[X0, Y0], [X0 + 20, Y0 + 5200], [X0 + 3000, Y0 + 5000]])
    line, segs = net.road_path(pts)
    assert len(segs) == 5 + 3
    assert net.names(segs) == ["ĐT152", "QL4D"]
    assert line.length == pytest.approx(8000)
    assert shapely.Point(line.coords[0]).distance(shapely.Point(X0, Y0)) < 1e-6
    # far from the roads: every point snaps to A
    assert net.road_path(np.array([[X0 - 9000, Y0], [X0 - 8000, Y0 - 900]])) == (None, [])
    gap = RoadNetwork.from_lines(_mountain_roads(gap=True))
    assert gap.road_path(np.array([[X0, Y0], [X0 + 10_000, Y0]])) == (None, None)
    # back and forth: up 3 km, then back down 1 km
    line, segs = net.road_path(np.array([[X0, Y0], [X0, Y0 + 3000], [X0, Y0 + 2000]]))
    assert len(segs) == 2 and line.length == pytest.approx(2000)


def test_cli_key_lines_on_a_roads_geopackage(tmp_path, capsys):
    from hotspots.cli import main

    roads = tmp_path / "roads.gpkg"
    _mountain_roads().iloc[:3].to_crs("EPSG:4326").to_file(roads, layer="places")
    _mountain_roads().to_crs("EPSG:4326").to_file(roads, layer="roads")
    ll = gpd.GeoSeries([shapely.Point(X0, Y0), shapely.Point(X0 + 10_000, Y0)], crs=UTM48).to_crs(
        "EPSG:4326"
    )
    od = {"origin_lon": ll.x[0], "origin_lat": ll.y[0], "dest_lon": ll.x[1], "dest_lat": ll.y[1]}
    pd.DataFrame([od] * 6).to_csv(tmp_path / "od.csv", index=False)
    out = tmp_path / "kl.gpkg"
    rc = main(["key-lines", str(tmp_path / "od.csv"), "--network", str(roads), "--out", str(out)])
    assert rc == 0
    assert "ĐT152 → QL4D → QL279" in capsys.readouterr().out
    seg = gpd.read_file(out, layer="road_segments")
    assert set(seg["road"]) == {"ĐT152", "QL4D", "QL279"} and (seg["volume"] == 6).all()


def test_checkpoint_candidates_are_road_segments_and_junctions_on_the_key_line():
    from hotspots.plan.checkpoints import candidate_sites

    roads = _mountain_roads()
    side = gpd.GeoDataFrame(
        {"ref": ["ĐT160"], "highway": "secondary"},
        geometry=[shapely.LineString([(X0 + 5000, Y0 + 5000), (X0 + 5000, Y0 + 9000)])],
        crs=UTM48,
    )
    roads = pd.concat([roads, side], ignore_index=True)
    routes = _cases([[(0, 0), (10, 0)]] * 8)
    kl = key_lines(routes, eps=1_000, min_routes=5, gates=NONE, communes=NONE, network=roads)
    cands = candidate_sites(kl.lines, roads=roads.to_crs("EPSG:4326"), spacing_m=None)
    cm = cands.to_crs(UTM48)
    junctions = cm[cm["kind"] == "road_junction"]
    # one junction on the line: where the ĐT160 leaves the QL4D (corners are not junctions)
    assert list(junctions["name"]) == ["QL4D × ĐT160"]
    assert junctions.geometry.iloc[0].distance(shapely.Point(X0 + 5000, Y0 + 5000)) < 1
    segs = cm[cm["kind"] == "road_segment"]
    assert len(segs) == (kl.road_segments["key_lines"] == "1").sum()  # each one it follows
    assert set(segs["name"]) == {"ĐT152", "QL4D", "QL279"}  # the side road is not on it
    assert "road_vertex" not in set(cands["kind"])


def _layer_features(html: str) -> list[dict]:
    """Features of every ``hsLayer(data, spec)`` of a page."""
    import json
    import re

    dec = json.JSONDecoder()
    out = []
    for match in re.finditer(r"= hsLayer\(", html):
        data, _ = dec.raw_decode(html, match.end())
        out += data["features"]
    return out


def test_key_lines_map_shows_case_volume_per_road_segment():
    from hotspots.maps import map_html

    # 8 cases round the mountain; 2 up a side road (ĐT160): below the threshold of 3
    side = gpd.GeoDataFrame(
        {"ref": ["ĐT160"], "highway": "secondary"},
        geometry=[shapely.LineString([(X0 + 5000, Y0 + 5000), (X0 + 5000, Y0 + 8000)])],
        crs=UTM48,
    )
    roads = pd.concat([_mountain_roads(), side], ignore_index=True)
    routes = _cases([[(0, 0), (10, 0)]] * 8 + [[(5, 5), (5, 8)]] * 2)
    kl = key_lines(routes, eps=1_000, min_routes=5, gates=NONE, communes=NONE,
                   network=roads, top_segments=None)  # fmt: skip
    assert set(kl.road_segments["volume"]) == {8, 2}
    html = map_html(kl.explore(roads=False, places=False))
    assert "Số vụ theo đoạn đường" in html
    segs = [f["properties"] for f in _layer_features(html) if "traversals" in f["properties"]]
    assert len(segs) == 20 and {p["volume"] for p in segs} == {8}  # the side road left out
