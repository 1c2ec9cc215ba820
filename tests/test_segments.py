"""TRACLUS-style sub-trajectory clustering: distances, partitioning, grouping."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score
from traclus import traclus as tr

from hotspots.errors import InputError
from hotspots.lines.segments import (
    Segments,
    cluster_segments,
    partition_route,
    partition_routes,
    segment_distance,
)


def _d(a, b, c, d, **kw):
    return float(
        segment_distance(np.array([a]), np.array([b]), np.array([c]), np.array([d]), **kw)[0]
    )


def test_segment_distance_hand_values():
    # parallel, same extent, 3 m apart: perpendicular 3, parallel 0, angle 0
    assert _d((0, 0), (10, 0), (0, 3), (10, 3)) == pytest.approx(3.0)
    # collinear, the shorter one 2 m beyond the longer's end: parallel distance 2
    assert _d((0, 0), (10, 0), (12, 0), (15, 0)) == pytest.approx(2.0)
    # perpendicular cross at the middle: l1 = l2 = 2 -> perp 2; angle |Lj| sin 90 = 4;
    # projections both at 5 -> parallel 5
    assert _d((0, 0), (10, 0), (5, -2), (5, 2)) == pytest.approx(2 + 5 + 4)
    # opposite direction: directed angle distance = |Lj|; undirected = 0
    assert _d((0, 0), (10, 0), (10, 0), (0, 0)) == pytest.approx(10.0)
    assert _d((0, 0), (10, 0), (10, 0), (0, 0), directed=False) == pytest.approx(0.0)
    # angle_scale: short crossing pieces are far apart
    assert _d((0, 0), (2, 0), (1, -1), (1, 1), angle_scale=100.0) >= 100.0
    # symmetric
    assert _d((0, 0), (10, 0), (3, 1), (8, 4)) == pytest.approx(_d((3, 1), (8, 4), (0, 0), (10, 0)))


def test_perpendicular_and_parallel_match_traclus_package():
    rng = np.random.default_rng(0)
    a = rng.uniform(0, 100, (200, 2))
    b = a + rng.uniform(5, 40, (200, 2)) * rng.choice([-1, 1], (200, 2))
    c = rng.uniform(0, 100, (200, 2))
    d = c + rng.uniform(5, 40, (200, 2)) * rng.choice([-1, 1], (200, 2))
    perp = segment_distance(a, b, c, d, weights=(1, 0, 0))
    par = segment_distance(a, b, c, d, weights=(0, 1, 0))
    ref_perp = [
        tr.d_perpendicular(np.array([p, q]), np.array([r, s]))
        for p, q, r, s in zip(a, b, c, d, strict=True)
    ]
    ref_par = [
        tr.d_parallel(np.array([p, q]), np.array([r, s]))
        for p, q, r, s in zip(a, b, c, d, strict=True)
    ]
    np.testing.assert_allclose(perp, ref_perp, rtol=0, atol=1e-9)
    np.testing.assert_allclose(par, ref_par, rtol=0, atol=1e-9)


def test_partition_straight_route_keeps_only_ends():
    xy = np.column_stack([np.linspace(0, 10_000, 11), np.zeros(11)])
    np.testing.assert_array_equal(partition_route(xy), [0, 10])


def test_partition_keeps_sharp_corner():
    xy = np.array(
        [
            [0, 0],
            [2_000, 0],
            [4_000, 0],
            [6_000, 0],
            [6_000, 2_000],
            [6_000, 4_000],
            [6_000, 6_000],
        ],
        float,
    )
    # plain MDL (log2 of metres) straightens the corner of so few, long legs ...
    np.testing.assert_array_equal(partition_route(xy), [0, 6])
    # ... the tolerance keeps it
    np.testing.assert_array_equal(partition_route(xy, tolerance=500.0), [0, 3, 6])


def test_partition_routes_cuts_pieces_no_longer_than_max_length():
    xy = np.array([[0, 0], [10_000, 0], [10_000, 7_000], [0, 0], [0, 2_500]], float)
    route = np.array([0, 0, 0, 1, 1])
    seg = partition_routes(xy, route, 3_000.0, mdl=False)
    assert (seg.length <= 3_000.0 + 1e-9).all()
    assert seg.length[seg.route == 0].sum() == pytest.approx(17_000.0)
    assert seg.length[seg.route == 1].sum() == pytest.approx(2_500.0)
    # pieces of a route are contiguous: each piece starts where the previous ended
    r0 = seg.route == 0
    np.testing.assert_allclose(seg.start[r0][1:], seg.end[r0][:-1])
    with pytest.raises(InputError):
        partition_routes(xy, route, 0.0)


def _bundle(rng, start, end, n, offset0=0, jitter=150.0):
    xy, route = [], []
    for k in range(n):
        t = np.sort(np.r_[0, rng.uniform(0.1, 0.9, 3), 1])
        pts = np.asarray(start) + t[:, None] * (np.asarray(end) - np.asarray(start))
        xy.append(pts + rng.normal(0, jitter, pts.shape))
        route.append(np.full(len(t), offset0 + k))
    return np.vstack(xy), np.concatenate(route)


def test_two_bundles_two_clusters_and_a_lone_route_is_noise():
    rng = np.random.default_rng(1)
    xy1, r1 = _bundle(rng, (0, 0), (30_000, 0), 10)
    xy2, r2 = _bundle(rng, (0, 20_000), (30_000, 20_000), 10, offset0=10)
    lone = np.column_stack([np.linspace(0, 30_000, 30), np.full(30, 40_000.0)])
    xy = np.vstack([xy1, xy2, lone])
    route = np.r_[r1, r2, np.full(30, 20)]
    seg = partition_routes(xy, route, 1_000.0)
    labels = cluster_segments(seg, 1_000.0, 5, min_routes=5)
    truth = np.where(seg.route < 10, 0, np.where(seg.route < 20, 1, -1))
    assert set(labels[truth == -1]) == {-1}  # one long route alone never makes a cluster
    inside = labels >= 0
    assert inside[truth >= 0].mean() > 0.9
    assert adjusted_rand_score(truth[inside], labels[inside]) == 1.0


def test_crossing_bundles_not_merged():
    rng = np.random.default_rng(2)
    xy1, r1 = _bundle(rng, (0, 0), (40_000, 40_000), 12)
    xy2, r2 = _bundle(rng, (0, 40_000), (40_000, 0), 12, offset0=12)
    seg = partition_routes(np.vstack([xy1, xy2]), np.r_[r1, r2], 1_000.0)
    labels = cluster_segments(seg, 1_000.0, 5, min_routes=5, angle_scale=4_000.0)
    a = set(labels[(seg.route < 12) & (labels >= 0)])
    b = set(labels[(seg.route >= 12) & (labels >= 0)])
    assert a and b and not (a & b)


def test_direction_splits_opposite_bundles_only_when_directed():
    rng = np.random.default_rng(3)
    xy1, r1 = _bundle(rng, (0, 0), (30_000, 0), 10)
    xy2, r2 = _bundle(rng, (30_000, 0), (0, 0), 10, offset0=10)
    seg = partition_routes(np.vstack([xy1, xy2]), np.r_[r1, r2], 1_000.0)
    # with plain TRACLUS (angle_scale=0) pieces shorter than eps are neighbours whatever
    # their direction; key_lines uses angle_scale = 4 * eps
    directed = cluster_segments(seg, 1_000.0, 5, min_routes=5, directed=True, angle_scale=4_000.0)
    a = set(directed[(seg.route < 10) & (directed >= 0)])
    b = set(directed[(seg.route >= 10) & (directed >= 0)])
    assert a and b and not (a & b)
    undirected = cluster_segments(
        seg, 1_000.0, 5, min_routes=5, directed=False, angle_scale=4_000.0
    )
    assert set(undirected[undirected >= 0]) == {0}


def test_empty_segments():
    empty = Segments(np.empty((0, 2)), np.empty((0, 2)), np.empty(0, int), np.empty(0))
    assert cluster_segments(empty, 1.0, 2).shape == (0,)


@pytest.mark.parametrize(
    ("directed", "link_eps", "weighted"), [(True, None, False), (False, 150.0, True)]
)
def test_compiled_scan_equals_all_pairs_dbscan(directed, link_eps, weighted):
    """The O(n)-memory scan gives exactly the labels of the all-pairs DBSCAN."""
    from hotspots.lines.segments import _pair_labels, _renumber

    rng = np.random.default_rng(7)
    n_routes = 120
    a = rng.uniform(0, 3_000, (4, 2))  # 4 corridors, routes along them with noise
    b = a + rng.uniform(-2_000, 2_000, (4, 2))
    which = rng.integers(0, 4, n_routes)
    t = np.sort(rng.uniform(0, 1, (n_routes, 5)), axis=1)
    xy = a[which][:, None] + t[..., None] * (b - a)[which][:, None]
    xy = (xy + rng.normal(0, 60, xy.shape)).reshape(-1, 2)
    xy = np.vstack([xy, rng.uniform(0, 5_000, (40, 2))])  # scattered noise routes
    route = np.r_[np.repeat(np.arange(n_routes), 5), n_routes + np.arange(40) // 2]
    w = rng.integers(1, 4, len(route)).astype(float) if weighted else None
    if w is not None:
        w = w[np.searchsorted(route, route, side="left")]  # one weight per route
    seg = partition_routes(xy, route, 400.0, weight=w, mdl=False)
    kw = dict(directed=directed, weights=(1.0, 1.0, 1.0), angle_scale=300.0)
    got = cluster_segments(seg, 200.0, 6, 1, link_eps=link_eps, **kw)
    ref = _renumber(
        _pair_labels(seg, 200.0, 6, kw["directed"], kw["weights"], 300.0, link_eps, 10_000)
    )
    assert got.max() >= 1 and (got == -1).any()  # several clusters and some noise
    np.testing.assert_array_equal(got, ref)
