"""Flow clustering: flow distance, DBSCAN against scikit-learn, HDBSCAN, direction."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.cluster import DBSCAN
from sklearn.metrics import adjusted_rand_score

from hotspots.errors import InputError
from hotspots.lines import cluster_flows
from hotspots.lines.flows import flow_distance, flow_neighbour_pairs


def _labelled_flows(seed: int = 0, k: int = 6, per: int = 60, noise: int = 40, spread=800.0):
    rng = np.random.default_rng(seed)
    # well separated: centres on a 4-D lattice 30 km apart
    centres = rng.permutation(np.array(np.meshgrid(*[[0, 30_000, 60_000]] * 4)).reshape(4, -1).T)
    centres = centres[:k] + 100_000
    od = np.vstack([c + rng.normal(0, spread, (per, 4)) for c in centres])
    truth = np.repeat(np.arange(k), per)
    if noise:
        od = np.vstack([od, rng.uniform(0, 300_000, (noise, 4))])
        truth = np.r_[truth, -np.ones(noise, int)]
    return od, truth


def _dense(od, directed=True):
    return flow_distance(od[:, None, :], od[None, :, :], directed=directed)


def test_flow_distance_hand_values():
    a = np.array([0.0, 0.0, 10.0, 0.0])
    b = np.array([3.0, 4.0, 10.0, 1.0])  # origins 5 apart, destinations 1 apart
    assert flow_distance(a, b) == pytest.approx(5.0)
    rev = np.array([10.0, 0.0, 0.0, 2.0])  # reverse of a, destination moved by 2
    assert flow_distance(a, rev) == pytest.approx(np.hypot(10, 2))
    assert flow_distance(a, rev, directed=False) == pytest.approx(2.0)


def test_neighbour_pairs_equal_brute_force():
    od, _ = _labelled_flows(seed=3, noise=100)
    for directed in (True, False):
        i, j, d = flow_neighbour_pairs(od, 2_500.0, directed=directed)
        dense = _dense(od, directed)
        bi, bj = np.nonzero(np.triu(dense <= 2_500.0, k=1))
        assert set(zip(i.tolist(), j.tolist(), strict=True)) == set(
            zip(bi.tolist(), bj.tolist(), strict=True)
        )
        np.testing.assert_allclose(d, dense[i, j], rtol=0, atol=1e-9)


@pytest.mark.parametrize("directed", [True, False])
def test_dbscan_matches_sklearn(directed):
    od, _ = _labelled_flows(seed=1)
    ours = cluster_flows(od, 2_500.0, 5, directed=directed)
    ref = DBSCAN(eps=2_500.0, min_samples=5, metric="precomputed").fit_predict(_dense(od, directed))
    np.testing.assert_array_equal(ours == -1, ref == -1)
    assert adjusted_rand_score(ours, ref) == 1.0


def test_dbscan_weights_match_sklearn_sample_weight():
    od, _ = _labelled_flows(seed=2, per=20)
    w = np.random.default_rng(0).integers(1, 4, len(od)).astype(float)
    ours = cluster_flows(od, 2_000.0, 8, weights=w)
    ref = DBSCAN(eps=2_000.0, min_samples=8, metric="precomputed").fit_predict(
        _dense(od), sample_weight=w
    )
    np.testing.assert_array_equal(ours == -1, ref == -1)
    assert adjusted_rand_score(ours, ref) == 1.0


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    eps=st.floats(500, 8_000),
    min_flows=st.integers(1, 6),
    directed=st.booleans(),
)
def test_core_flows_and_noise_match_sklearn(seed, eps, min_flows, directed):
    rng = np.random.default_rng(seed)
    od = rng.uniform(0, 30_000, (60, 4))
    ours = cluster_flows(od, eps, min_flows, directed=directed)
    model = DBSCAN(eps=eps, min_samples=min_flows, metric="precomputed")
    ref = model.fit_predict(_dense(od, directed))
    np.testing.assert_array_equal(ours == -1, ref == -1)
    core = model.core_sample_indices_
    # core flows are partitioned identically (border flows may go to either cluster)
    if len(core):
        assert adjusted_rand_score(ours[core], ref[core]) == 1.0


def test_known_clusters_recovered():
    od, truth = _labelled_flows(seed=4)
    labels = cluster_flows(od, 3_000.0, 5)
    inside = truth >= 0
    assert adjusted_rand_score(truth[inside], labels[inside]) >= 0.95
    assert (labels[~inside] == -1).mean() >= 0.95


def test_hdbscan_without_eps_recovers_clusters():
    od, truth = _labelled_flows(seed=5)
    labels = cluster_flows(od, min_flows=10, method="hdbscan")
    inside = truth >= 0
    assert labels.max() + 1 == 6
    assert adjusted_rand_score(truth[inside], labels[inside]) >= 0.95


def test_direction_parameter():
    rng = np.random.default_rng(7)
    a = np.array([0.0, 0.0, 50_000.0, 0.0])
    there = a + rng.normal(0, 500, (30, 4))
    back = a[[2, 3, 0, 1]] + rng.normal(0, 500, (30, 4))
    od = np.vstack([there, back])
    directed = cluster_flows(od, 2_000.0, 5, directed=True)
    assert len(set(directed[:30])) == 1 and len(set(directed[30:])) == 1
    assert directed[0] != directed[30]
    undirected = cluster_flows(od, 2_000.0, 5, directed=False)
    assert (undirected == undirected[0]).all() and undirected[0] >= 0
    hd = cluster_flows(od, min_flows=10, method="hdbscan", directed=False)
    assert adjusted_rand_score(np.zeros(60), hd) == 1.0


def test_same_input_same_labels_and_first_member_numbering():
    od, _ = _labelled_flows(seed=6)
    a = cluster_flows(od, 2_500.0, 5)
    b = cluster_flows(od.copy(), 2_500.0, 5)
    np.testing.assert_array_equal(a, b)
    firsts = [np.flatnonzero(a == c)[0] for c in range(a.max() + 1)]
    assert firsts == sorted(firsts)


def test_bad_input():
    with pytest.raises(InputError, match="shape"):
        cluster_flows(np.zeros((3, 3)), 1.0, 2)
    with pytest.raises(InputError, match="eps"):
        cluster_flows(np.zeros((3, 4)), None, 2)
    with pytest.raises(InputError, match="row 1"):
        cluster_flows(np.array([[0, 0, 1, 1], [np.nan, 0, 1, 1]]), 1.0, 2)
    with pytest.raises(InputError, match="method"):
        cluster_flows(np.zeros((3, 4)), 1.0, 2, method="optics")
    assert cluster_flows(np.empty((0, 4)), 1.0, 2).shape == (0,)


@pytest.mark.parametrize("directed", [True, False])
def test_knn_graph_is_exact(directed):
    from hotspots.lines.flows import _knn_graph

    od, _ = _labelled_flows(seed=8, noise=200)
    od = np.vstack([od, od[:50, [2, 3, 0, 1]], od[:20]])  # reversed and identical flows
    k = 8
    g = _knn_graph(od, k, directed)
    dense = _dense(od, directed)
    np.fill_diagonal(dense, np.inf)
    kth = np.maximum(np.sort(dense, axis=1)[:, k - 1], 1e-9)
    for a in range(len(od)):
        stored = np.sort(g.getrow(a).data)
        assert len(stored) >= k
        assert stored[k - 1] == pytest.approx(kth[a], abs=1e-6)


def test_directed_scan_equals_pair_list_dbscan():
    """The compiled O(n)-memory scan gives exactly the labels of the pair-list DBSCAN."""
    from hotspots.lines.flows import dbscan_from_pairs, flow_neighbour_pairs

    rng = np.random.default_rng(3)
    centres = rng.uniform(0, 20_000, (6, 4))
    od = np.vstack(
        [centres[rng.integers(0, 6, 600)] + rng.normal(0, 700, (600, 4)),
         rng.uniform(0, 20_000, (150, 4))]
    )  # fmt: skip
    od = np.vstack([od, od[:40]])  # exact repeats
    w = rng.integers(1, 3, len(od)).astype(float)
    for weights in (None, w):
        got = cluster_flows(od, 1_000.0, 8, weights=weights)
        i, j, d = flow_neighbour_pairs(od, 1_000.0)
        ref = dbscan_from_pairs(len(od), i, j, 8, weights=weights, dist=d)
        assert got.max() >= 2 and (got == -1).any()
        np.testing.assert_array_equal(got, ref)
