"""Checkpoint siting: MILP optimum equals brute force; candidates; coverage."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

from hotspots.errors import InputError
from hotspots.plan.checkpoints import (
    candidate_sites,
    cover_key_areas,
    flow_weights,
    site_checkpoints,
)

UTM48 = "EPSG:32648"
X0, Y0 = 400_000.0, 2_450_000.0  # near Lào Cai, metres in UTM 48N


def _metric_lines(coords_list, **cols):
    geoms = [LineString([(X0 + x, Y0 + y) for x, y in c]) for c in coords_list]
    return gpd.GeoDataFrame(cols, geometry=geoms, crs=UTM48).to_crs(4326)


def _metric_points(xy, **cols):
    return gpd.GeoDataFrame(
        cols, geometry=[Point(X0 + x, Y0 + y) for x, y in xy], crs=UTM48
    ).to_crs(4326)


def test_flow_weights_prefers_score_then_cases_then_one():
    assert list(flow_weights(gpd.GeoDataFrame({"score": [2.0, 1], "cases": [9, 9]}))) == [2, 1]
    assert list(flow_weights(gpd.GeoDataFrame({"cases": [3, 4]}))) == [3, 4]
    assert list(flow_weights(gpd.GeoDataFrame({"x": [3, 4]}))) == [1, 1]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_flow_interception_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    # 8 random straight flows across a 20 km square, 10 candidate sites
    flows = []
    for _ in range(8):
        a, b = rng.uniform(0, 20_000, 2), rng.uniform(0, 20_000, 2)
        flows.append([tuple(a), tuple(b)])
    w = rng.integers(1, 20, 8).astype(float)
    lines = _metric_lines(flows, score=w)
    cand_xy = rng.uniform(0, 20_000, (10, 2))
    cands = _metric_points(cand_xy, kind=["line_point"] * 10, name=[f"c{i}" for i in range(10)])
    radius = 2_000.0
    # independent coverage in the metric CRS
    lm = [LineString([(X0 + x, Y0 + y) for x, y in f]) for f in flows]
    cover = np.array(
        [[Point(X0 + x, Y0 + y).distance(g) <= radius for x, y in cand_xy] for g in lm]
    )
    for p in (1, 2, 3):
        best = max(
            w[cover[:, list(c)].any(axis=1)].sum() for c in itertools.combinations(range(10), p)
        )
        plan = site_checkpoints(lines, p, candidates=cands, radius_m=radius)
        assert plan.intercepted == pytest.approx(best)
        assert plan.gap == pytest.approx(0.0, abs=1e-9)
        assert len(plan.sites) + plan.params["unused"] == p
        # reported marginals add up to the intercepted volume
        assert plan.sites["marginal"].sum() == pytest.approx(best)
        assert plan.total == pytest.approx(w.sum())


def test_one_site_on_shared_corridor_beats_two_branches():
    # two flows share a trunk (x in 0..10 km) then split; one site on the trunk
    # intercepts both (Hodgson: count a flow once)
    flows = [[(0, 0), (10_000, 0), (20_000, 5_000)], [(0, 0), (10_000, 0), (20_000, -5_000)]]
    lines = _metric_lines(flows, cases=[5, 7])
    cands = _metric_points(
        [(5_000, 0), (19_000, 4_500), (19_000, -4_500)], kind=["a", "b", "c"], name=["t", "n", "s"]
    )
    plan = site_checkpoints(lines, 1, candidates=cands, radius_m=100)
    assert list(plan.sites["name"]) == ["t"]
    assert plan.intercepted == 12
    assert plan.share == 1.0
    # asking for more sites than useful: the extra ones are left out and counted
    more = site_checkpoints(lines, 3, candidates=cands, radius_m=100)
    assert more.intercepted == 12 and len(more.sites) == 1 and more.params["unused"] == 2


def test_maximal_covering_of_areas_hand_example():
    areas = gpd.GeoDataFrame(
        {"rank": [1, 2, 3], "score": [10.0, 6.0, 5.0]},
        geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000), box(X0 + 5000, Y0, X0 + 6000, Y0 + 1000),
                  box(X0 + 7000, Y0, X0 + 8000, Y0 + 1000)],
        crs=UTM48,
    ).to_crs(4326)  # fmt: skip
    # site A covers area 1 only; site B (between 2 and 3) covers both 2 and 3
    cands = _metric_points([(500, 500), (6500, 500)], kind=["x", "x"], name=["A", "B"])
    one = cover_key_areas(areas, 1, cands, radius_m=600)
    assert list(one.sites["name"]) == ["B"] and one.intercepted == 11
    assert one.sites["covers"].iloc[0] == "2;3"
    two = cover_key_areas(areas, 2, cands, radius_m=600)
    assert two.intercepted == 21 and two.model == "maximal-covering"


def test_candidate_sites_kinds_and_distance_filter():
    lines = _metric_lines([[(0, 0), (10_000, 0)]], gate=["Lào Cai"])
    gates = _metric_points([(10_000, 100), (50_000, 0)], name=["near gate", "far gate"])
    seats = _metric_points([(3_000, 500)], name=["xã A"])
    c = candidate_sites(lines, gates=gates, seats=seats, spacing_m=2_500, near_m=1_000)
    kinds = c["kind"].value_counts().to_dict()
    assert kinds["line_vertex"] == 2
    assert kinds["line_point"] == 3  # 2.5, 5, 7.5 km (10 km coincides with a vertex)
    assert set(c.loc[c["kind"] == "border_gate", "name"]) == {"near gate"}
    assert set(c.loc[c["kind"] == "commune_seat", "name"]) == {"xã A"}
    assert c.crs.to_epsg() == 4326


def test_bad_p_and_empty_inputs():
    lines = _metric_lines([[(0, 0), (1000, 0)]])
    with pytest.raises(InputError):
        site_checkpoints(lines, 0)
    with pytest.raises(InputError):
        candidate_sites(lines.iloc[:0])


def test_to_file_round_trip(tmp_path):
    lines = _metric_lines([[(0, 0), (10_000, 0)]], score=[3.0])
    plan = site_checkpoints(lines, 1)
    back = gpd.read_file(plan.to_file(tmp_path / "cp.gpkg"))
    assert len(back) == 1 and back["volume"].iloc[0] == 3.0
