"""Hit rate, PAI, PEI and RRI on hand-computed examples."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hotspots.evaluate.metrics import best_captured, captured, coverage_scores

RISK = np.array([9, 8, 7, 6, 5, 4, 3, 2, 1, 0], dtype=float)
TEST = np.array([3, 0, 2, 1, 0, 0, 0, 0, 4, 0], dtype=float)  # N = 10
TRAIN = np.array([5, 5, 0, 0, 0, 0, 0, 0, 0, 10], dtype=float)  # 20


def test_hit_rate_pai_pei_by_hand():
    s = coverage_scores(RISK, TEST, coverage=[10, 20, 30])
    assert s.events == 10
    np.testing.assert_allclose(s.hits, [3, 3, 5])
    np.testing.assert_allclose(s.hit_rate, [0.3, 0.3, 0.5])
    # PAI = hit rate / area share
    np.testing.assert_allclose(s.pai, [3.0, 1.5, 0.5 / 0.3])
    # best map takes the cells with 4, 3, 2 events
    np.testing.assert_allclose(s.pei, [3 / 4, 3 / 7, 5 / 9])


def test_rri_levine_by_hand():
    s = coverage_scores(RISK, TEST, coverage=[10, 20, 30], train_counts=TRAIN)
    # (n_test / n_train) / (N_test / N_train)
    np.testing.assert_allclose(s.rri, [(3 / 5) / (10 / 20), (3 / 10) / (10 / 20), (5 / 10) / 0.5])


def test_rri_nan_when_covered_area_had_no_training_events():
    s = coverage_scores(RISK, TEST, coverage=[10], train_counts=np.zeros(10) + np.r_[0, np.ones(9)])
    assert np.isnan(s.rri[0])


def test_partial_boundary_cell_is_taken_fractionally():
    s = coverage_scores(RISK, TEST, coverage=[15, 25])
    # 1.5 cells: all of cell 0 (3) + half of cell 1 (0); 2.5 cells: 3 + 0 + 0.5 * 2
    np.testing.assert_allclose(s.hits, [3.0, 4.0])
    # n*: 4 + 0.5 * 3 and 4 + 3 + 0.5 * 2
    np.testing.assert_allclose(best_captured(TEST, [0.15, 0.25]), [5.5, 8.0])
    np.testing.assert_allclose(s.pei, [3 / 5.5, 4 / 8.0])
    np.testing.assert_allclose(s.pai, [0.3 / 0.15, 0.4 / 0.25])


def test_tied_group_at_boundary_shares_its_events():
    # risk ties: cells 1 and 2 form a group; covering 2 of 4 cells takes cell 0 and half
    # of the group's events
    s = coverage_scores([2, 1, 1, 0], [1, 2, 0, 5], coverage=[50])
    np.testing.assert_allclose(s.hits, [1 + 0.5 * (2 + 0)])
    flat = coverage_scores([1, 1, 1, 1], [4, 0, 0, 0], coverage=[25, 50, 100])
    np.testing.assert_allclose(flat.hits, [1, 2, 4])


def test_tie_rule_equals_mean_over_every_order_of_tied_cells():
    rng = np.random.default_rng(3)
    for _ in range(20):
        risk = rng.integers(0, 3, 6).astype(float)
        counts = rng.integers(0, 5, 6).astype(float)
        for k in range(1, 6):
            totals = []
            for perm in itertools.permutations(range(6)):
                # sort by risk descending, ties in the order of this permutation
                order = sorted(range(6), key=lambda i, p=perm: (-risk[i], p.index(i)))
                totals.append(counts[order[:k]].sum())
            got = captured(risk, counts, [k / 6])[0]
            assert got == pytest.approx(np.mean(totals), abs=1e-9)


def test_mask_excludes_cells_and_their_events():
    risk = np.array([[100.0, 1.0], [2.0, 0.0]])
    test = np.array([[50.0, 1.0], [2.0, 1.0]])
    mask = np.array([[False, True], [True, True]])
    s = coverage_scores(risk, test, coverage=[100 / 3], mask=mask)
    assert s.events == 4  # the masked cell's 50 events are not in the study area
    np.testing.assert_allclose(s.hits, [2.0])  # the risk-2 cell
    np.testing.assert_allclose(s.pai, [(2 / 4) / (1 / 3)])


def test_no_test_events_gives_nan_not_an_error():
    s = coverage_scores(RISK, np.zeros(10), coverage=[10])
    assert s.events == 0 and np.isnan(s.hit_rate[0]) and np.isnan(s.pei[0])


def test_full_coverage_captures_everything():
    s = coverage_scores(RISK, TEST, coverage=[100])
    assert s.hits[0] == 10 and s.pai[0] == 1.0 and s.pei[0] == 1.0
