"""Routes: legs, whole routes, origin/destination/exit, OD tables, gate snapping."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.errors import InputError, UnusableInputError
from hotspots.lines import legs, origin_destination, route_lines, routes_from_od, snap_to_gates

UTM48 = "EPSG:32648"


@pytest.fixture
def routes() -> gpd.GeoDataFrame:
    # case b listed out of order on purpose; case c has a single stop
    rows = [
        ("a", 0, "victim_home", 2, 500_000, 2_400_000),
        ("a", 1, "recruitment", 2, 503_000, 2_404_000),
        ("a", 2, "exit", 2, 503_000, 2_410_000),
        ("b", 1, "exit", 1, 510_000, 2_400_000),
        ("b", 0, "victim_home", 1, 500_000, 2_400_000),
        ("b", 2, "destination", 1, 520_000, 2_400_000),
        ("c", 0, "victim_home", 3, 500_000, 2_400_000),
    ]
    df = pd.DataFrame(rows, columns=["case_id", "seq", "role", "victims", "x", "y"])
    return gpd.GeoDataFrame(
        df.drop(columns=["x", "y"]), geometry=shapely.points(df[["x", "y"]].to_numpy()), crs=UTM48
    ).to_crs("EPSG:4326")


def test_legs(routes):
    lg = legs(routes)
    assert list(lg["case_id"]) == ["a", "a", "b", "b"]
    assert list(lg["leg"]) == [0, 1, 0, 1]
    assert list(lg["from_role"]) == ["victim_home", "recruitment", "victim_home", "exit"]
    np.testing.assert_allclose(lg["length_m"], [5_000, 6_000, 10_000, 10_000], rtol=2e-3)
    assert lg.crs.to_epsg() == 4326


def test_route_lines(routes):
    rl = route_lines(routes).to_crs(UTM48)
    assert list(rl["case_id"]) == ["a", "b"]  # c has one stop only
    assert list(rl["n_stops"]) == [3, 3]
    np.testing.assert_allclose(rl.length, [11_000, 20_000], rtol=2e-3)
    xy = shapely.get_coordinates(rl.geometry.iloc[1])
    np.testing.assert_allclose(xy[:, 0], [500_000, 510_000, 520_000], atol=0.01)


def test_origin_destination_and_exit(routes):
    od = origin_destination(routes).set_index("case_id")
    o = od.geometry.to_crs(UTM48)
    e = gpd.GeoSeries(od["exit"].values, crs=od.crs, index=od.index).to_crs(UTM48)
    d = gpd.GeoSeries(od["destination"].values, crs=od.crs, index=od.index).to_crs(UTM48)
    assert o["b"].x == pytest.approx(500_000, abs=0.01)
    assert e["a"].y == pytest.approx(2_410_000, abs=0.01)  # the exit stop
    assert e["b"].x == pytest.approx(510_000, abs=0.01)  # exit role, not the last stop
    assert d["b"].x == pytest.approx(520_000, abs=0.01)
    assert od.loc["c", "victims"] == 3


def test_routes_from_od():
    od = pd.DataFrame(
        {
            "origin_lon": [104.0, 104.5],
            "origin_lat": [21.5, 21.6],
            "dest_lon": [103.9, 104.1],
            "dest_lat": [22.5, 22.7],
            "count": [3, 1],
        }
    )
    r = routes_from_od(od)
    assert len(r) == 4
    assert list(r["seq"]) == [0, 1, 0, 1]
    assert list(r["weight"]) == [3, 3, 1, 1]
    assert r.geometry.iloc[1].x == pytest.approx(103.9)
    with pytest.raises(UnusableInputError, match="dest_lat"):
        routes_from_od(od.drop(columns="dest_lat"))
    bad = od.copy()
    bad.loc[1, "origin_lat"] = None
    with pytest.raises(InputError, match="row 1"):
        routes_from_od(bad)
    with pytest.raises(InputError, match="degrees"):
        routes_from_od(od.assign(origin_lat=2_400_000.0))


def test_snap_to_gates():
    gates = gpd.GeoDataFrame(
        {"name": ["G1", "G2"], "country": ["China", "Laos"]},
        geometry=[shapely.Point(500_000, 2_400_000), shapely.Point(600_000, 2_400_000)],
        crs=UTM48,
    ).to_crs("EPSG:4326")
    pts = gpd.GeoSeries(
        [shapely.Point(503_000, 2_404_000), shapely.Point(560_000, 2_400_000)], crs=UTM48
    ).to_crs("EPSG:4326")
    out = snap_to_gates(pts, gates, max_distance=10_000)
    assert list(out["gate"]) == ["G1", "unknown"]
    assert out["gate_distance_m"].iloc[0] == pytest.approx(5_000, rel=2e-3)
    assert np.isnan(out["gate_distance_m"].iloc[1])
    out = snap_to_gates(pts, gates, max_distance=60_000)
    assert list(out["gate"]) == ["G1", "G2"]
    assert out["gate_country"].iloc[0] == "China"


def test_bad_route_table():
    with pytest.raises(UnusableInputError, match="seq"):
        legs(gpd.GeoDataFrame({"case_id": ["a"]}, geometry=[shapely.Point(0, 0)], crs=4326))
    with pytest.raises(UnusableInputError):
        legs(pd.DataFrame({"case_id": ["a"], "seq": [0]}))


def test_origin_destination_snaps_exits_to_gates(routes):
    gates = gpd.GeoDataFrame(
        {"name": ["North"], "country": ["China"]},
        geometry=[shapely.Point(503_000, 2_412_000)],
        crs=UTM48,
    ).to_crs("EPSG:4326")
    od = origin_destination(routes, gate_distance=5_000, gates=gates).set_index("case_id")
    assert od.loc["a", "gate"] == "North"
    assert od.loc["a", "gate_distance_m"] == pytest.approx(2_000, rel=2e-3)
    assert od.loc["b", "gate"] == "unknown"  # exit 13 km away
