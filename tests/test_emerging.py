"""Emerging hot spots: Mann-Kendall, space-time Gi*, the 17 categories, planted truth."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy import sparse, stats

from hotspots.areas.emerging import (
    CATEGORIES,
    classify_cube,
    classify_location,
    emerging_hot_spots,
    space_time_gi_star,
    time_bins,
)
from hotspots.areas.trend import mann_kendall
from hotspots.errors import InputError

N = 10  # time steps of the hand-built series


def _series(idx, n=N):
    s = np.zeros(n, dtype=bool)
    s[list(idx)] = True
    return s


NONE = _series([])
ALL = np.ones(N, dtype=bool)
UP = (3.0, 0.001)  # a significant increasing trend of the z series
DOWN = (-3.0, 0.001)
FLAT = (0.2, 0.84)


# ----------------------------------------------------------------------------- Mann-Kendall
def test_mann_kendall_hand_computed():
    # 1 2 3 4 5: all 10 pairs increase; Var = 5*4*15/18
    r = mann_kendall([1, 2, 3, 4, 5])
    assert r.s == 10
    assert r.var_s == pytest.approx(5 * 4 * 15 / 18)
    assert r.z == pytest.approx(9 / np.sqrt(5 * 4 * 15 / 18))
    assert r.tau == pytest.approx(1.0)
    # ties: 1 1 2 → pairs (1,1)=0, (1,2)=+1, (1,2)=+1 → S=2; Var=(3*2*11 - 2*1*9)/18
    r = mann_kendall([1, 1, 2])
    assert r.s == 2
    assert r.var_s == pytest.approx((66 - 18) / 18)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mann_kendall_matches_scipy_kendalltau(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 5, size=24).astype(float) + np.arange(24) * 0.1 * seed  # with ties
    r = mann_kendall(x)
    t = stats.kendalltau(np.arange(x.size), x, method="asymptotic")
    n0 = x.size * (x.size - 1) / 2
    _, c = np.unique(x, return_counts=True)
    n2 = (c * (c - 1) / 2).sum()
    s_scipy = t.statistic * np.sqrt(n0 * (n0 - n2))
    assert r.s == pytest.approx(s_scipy, abs=1e-9)
    # scipy has no continuity correction: z = S / sqrt(Var S) gives its p-value
    p_nocc = 2 * stats.norm.sf(abs(r.s) / np.sqrt(r.var_s))
    assert p_nocc == pytest.approx(t.pvalue, abs=1e-9)


def test_mann_kendall_rows_equal_single_series_and_constant_series():
    rng = np.random.default_rng(3)
    x = rng.poisson(3, size=(5, 12)).astype(float)
    x[4] = 2.0  # constant: no trend, p = 1
    r = mann_kendall(x)
    for i in range(4):
        one = mann_kendall(x[i])
        assert r.s[i] == one.s and r.z[i] == pytest.approx(float(one.z), abs=1e-12)
    assert r.s[4] == 0 and r.p[4] == 1.0 and r.z[4] == 0.0
    assert list(r.trend()) == [
        int(np.sign(s)) if p <= 0.05 else 0 for s, p in zip(r.s, r.p, strict=True)
    ]


# ----------------------------------------------------------------------------- Gi*
def _lattice(nx, ny):
    """Queen contiguity on an nx × ny lattice (flat index row*nx + col)."""
    idx = np.arange(nx * ny).reshape(ny, nx)
    i, j = [], []
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr == 0 and dc == 0:
                continue
            a = idx[max(0, -dr) : ny - max(0, dr), max(0, -dc) : nx - max(0, dc)]
            b = idx[max(0, dr) : ny + min(0, dr), max(0, dc) : nx + min(0, dc)]
            i.append(a.ravel())
            j.append(b.ravel())
    i, j = np.concatenate(i), np.concatenate(j)
    return sparse.csr_array((np.ones(i.size), (i, j)), shape=(nx * ny, nx * ny))


@pytest.mark.parametrize("window", [0, 1, 2])
def test_space_time_gi_star_matches_esda(window):
    import esda
    from libpysal.weights import WSP

    rng = np.random.default_rng(window)
    t_steps, nx, ny = 6, 5, 4
    w = _lattice(nx, ny)
    cube = rng.poisson(1.5, size=(t_steps, nx * ny)).astype(float)
    z, p = space_time_gi_star(cube, w, time_window=window)
    # the same neighbourhood as one big (T·N) weights matrix for esda
    n = nx * ny
    s = (w + sparse.identity(n)).tocsr()
    big = sparse.lil_matrix((t_steps * n, t_steps * n))
    for t in range(t_steps):
        for tp in range(max(0, t - window), t + 1):
            big[t * n : (t + 1) * n, tp * n : (tp + 1) * n] = s
    big = big.tocsr()
    big.setdiag(0)
    big.eliminate_zeros()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = esda.G_Local(
            cube.ravel(),
            WSP(big).to_W(silence_warnings=True),
            transform="B",
            star=True,
            permutations=0,
        )
    np.testing.assert_allclose(z.ravel(), g.Zs, atol=1e-9)
    np.testing.assert_allclose(p.ravel(), 2 * stats.norm.sf(np.abs(g.Zs)), atol=1e-9)


def test_space_time_gi_star_rejects_bad_shapes():
    with pytest.raises(InputError, match="locations"):
        space_time_gi_star(np.zeros((3, 4)), sparse.csr_array((5, 5)))
    with pytest.raises(InputError, match="time_window"):
        space_time_gi_star(np.zeros((3, 4)), sparse.csr_array((4, 4)), time_window=-1)


# ----------------------------------------------------------------------------- categories
# One test per category, each with a hand-built series of 10 time steps.
def test_new_hot_spot():
    assert classify_location(_series([9]), NONE, *UP) == "new hot spot"


def test_consecutive_hot_spot():
    assert classify_location(_series([7, 8, 9]), NONE, *UP) == "consecutive hot spot"


def test_intensifying_hot_spot():
    assert classify_location(ALL, NONE, *UP) == "intensifying hot spot"
    # 9 of 10 (90 %) is enough, but the final step must be hot
    assert classify_location(_series(range(1, 10)), NONE, *UP) == "intensifying hot spot"


def test_persistent_hot_spot():
    assert classify_location(ALL, NONE, *FLAT) == "persistent hot spot"


def test_diminishing_hot_spot():
    assert classify_location(ALL, NONE, *DOWN) == "diminishing hot spot"


def test_sporadic_hot_spot():
    assert classify_location(_series([0, 2, 5, 9]), NONE, *FLAT) == "sporadic hot spot"


def test_oscillating_hot_spot():
    assert classify_location(_series([0, 9]), _series([3]), *FLAT) == "oscillating hot spot"


def test_historical_hot_spot():
    # 90 % hot, final step not hot, with a significant trend (so not persistent)
    assert classify_location(_series(range(9)), NONE, *DOWN) == "historical hot spot"


def test_new_cold_spot():
    assert classify_location(NONE, _series([9]), *DOWN) == "new cold spot"


def test_consecutive_cold_spot():
    assert classify_location(NONE, _series([8, 9]), *DOWN) == "consecutive cold spot"


def test_intensifying_cold_spot():
    # colder and colder: the z series goes down
    assert classify_location(NONE, ALL, *DOWN) == "intensifying cold spot"


def test_persistent_cold_spot():
    assert classify_location(NONE, ALL, *FLAT) == "persistent cold spot"


def test_diminishing_cold_spot():
    assert classify_location(NONE, ALL, *UP) == "diminishing cold spot"


def test_sporadic_cold_spot():
    assert classify_location(NONE, _series([1, 4, 9]), *FLAT) == "sporadic cold spot"


def test_oscillating_cold_spot():
    assert classify_location(_series([2]), _series([5, 9]), *FLAT) == "oscillating cold spot"


def test_historical_cold_spot():
    assert classify_location(NONE, _series(range(9)), *UP) == "historical cold spot"


def test_no_pattern():
    assert classify_location(NONE, NONE, *FLAT) == "no pattern"
    # hot in the past (less than 90 %), not now: no ArcGIS pattern
    assert classify_location(_series([2, 3, 4]), NONE, *FLAT) == "no pattern"


def test_category_boundaries_and_precedence():
    # consecutive needs a run of >= 2 and no hot spot before the run
    assert classify_location(_series([2, 8, 9]), NONE, *FLAT) == "sporadic hot spot"
    # a final run that covers 90 % is not "consecutive": persistent/intensifying instead
    assert classify_location(_series(range(1, 10)), NONE, *FLAT) == "persistent hot spot"
    # 8 of 10 hot with a final run: consecutive? no (hot before the run) → sporadic
    assert classify_location(_series([0, 1, 2, 3, 5, 6, 7, 9]), NONE, *UP) == "sporadic hot spot"
    # persistent is listed before historical: 90 % hot, final not hot, no trend
    assert classify_location(_series(range(9)), NONE, *FLAT) == "persistent hot spot"
    # new beats oscillating when the only hot bin is the last one
    assert classify_location(_series([9]), _series([2]), *FLAT) == "new hot spot"
    with pytest.raises(InputError):
        classify_location(_series([1]), _series([1]), *FLAT)
    assert len(set(CATEGORIES)) == 17


# ----------------------------------------------------------------------------- cube
def test_classify_cube_planted_new_and_persistent():
    nx, ny, t_steps = 9, 9, 12
    w = _lattice(nx, ny)
    rng = np.random.default_rng(5)
    cube = rng.poisson(0.3, size=(t_steps, nx * ny)).astype(float)
    block_a = [r * nx + c for r in (1, 2, 3) for c in (1, 2, 3)]  # always hot
    block_b = [r * nx + c for r in (5, 6, 7) for c in (5, 6, 7)]  # hot in the last step only
    cube[:, block_a] += 6
    cube[-1, block_b] += 12
    res = classify_cube(cube, w, time_window=0, alpha=0.05, fdr=True)
    centre_a, centre_b = 2 * nx + 2, 6 * nx + 6
    assert res.loc[centre_a, "category"] in ("persistent hot spot", "intensifying hot spot")
    assert res.loc[centre_a, "hot_steps"] == t_steps
    assert res.loc[centre_b, "category"] == "new hot spot"
    assert res.loc[centre_b, "hot_steps"] == 1
    assert res["cases"].sum() == cube.sum()


# ----------------------------------------------------------------------------- time bins
def test_time_bins_local_time_and_empty_periods():
    t = pd.Series(
        pd.to_datetime(["2024-03-31T17:30:00Z", "2024-01-05T00:00:00Z", "2024-10-01T00:00:00Z"])
    )
    codes, periods = time_bins(t, "quarter", align="calendar")
    # 17:30 UTC on 31 March is 00:30 on 1 April in Hanoi → second quarter
    assert [str(p) for p in periods] == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]
    assert list(codes) == [1, 0, 3]
    codes, periods = time_bins(t, "month", start="2024-02-01", end="2024-04-30", align="calendar")
    assert list(codes) == [2, -1, -1]  # Feb, Mar, Apr → April is step 2
    assert len(periods) == 3
    with pytest.raises(InputError, match="time_bin"):
        time_bins(t, "fortnight")


def test_time_bins_end_aligned_steps_end_with_the_newest_case():
    t = pd.Series(pd.to_datetime(["2024-01-10", "2024-04-10", "2024-04-11", "2024-10-10"]))
    codes, steps = time_bins(t, "quarter")  # align="end" by default, as ArcGIS
    # steps (2023-10-10, 2024-01-10], (…, 2024-04-10], (…, 2024-07-10], (…, 2024-10-10]
    assert len(steps) == 4
    assert steps[-1].right == pd.Timestamp("2024-10-10")
    assert steps[0].left == pd.Timestamp("2023-10-10")
    assert list(codes) == [0, 1, 2, 3]
    # a missing date gets -1; a date before start too
    codes, steps = time_bins(
        pd.Series([pd.NaT, pd.Timestamp("2024-01-01"), pd.Timestamp("2024-06-30")]),
        "month",
        start="2024-03-01",
    )
    assert list(codes) == [-1, -1, len(steps) - 1]
    assert steps[-1].right == pd.Timestamp("2024-06-30")


# ----------------------------------------------------------------------------- on points
def _planted_points(seed=0):
    """Background over 20×20 km for 12 quarters, a persistent blob, and a blob new in 2026Q4."""
    rng = np.random.default_rng(seed)
    quarters = pd.period_range("2024Q1", "2026Q4", freq="Q")
    rows = []
    x0, y0 = 500_000.0, 2_450_000.0  # UTM 48N, northern Vietnam
    for qi, q in enumerate(quarters):
        start = q.start_time
        n_bg = 30
        xs = rng.uniform(x0, x0 + 20_000, n_bg)
        ys = rng.uniform(y0, y0 + 20_000, n_bg)
        rows += [
            (x, y, start + pd.Timedelta(days=int(rng.integers(0, 80))))
            for x, y in zip(xs, ys, strict=True)
        ]
        # persistent blob around (5 km, 5 km)
        xs = rng.normal(x0 + 5_000, 400, 12)
        ys = rng.normal(y0 + 5_000, 400, 12)
        rows += [
            (x, y, start + pd.Timedelta(days=int(rng.integers(0, 80))))
            for x, y in zip(xs, ys, strict=True)
        ]
        if qi == len(quarters) - 1:  # emerging blob around (15 km, 15 km)
            xs = rng.normal(x0 + 15_000, 400, 25)
            ys = rng.normal(y0 + 15_000, 400, 25)
            rows += [
                (x, y, start + pd.Timedelta(days=int(rng.integers(0, 80))))
                for x, y in zip(xs, ys, strict=True)
            ]
    x, y, t = zip(*rows, strict=True)
    gdf = gpd.GeoDataFrame(
        {"occurred_at": pd.to_datetime(list(t)).tz_localize("Asia/Ho_Chi_Minh")},
        geometry=gpd.points_from_xy(x, y),
        crs="EPSG:32648",
    ).to_crs("EPSG:4326")
    return gdf, (x0 + 5_000, y0 + 5_000), (x0 + 15_000, y0 + 15_000)


def test_emerging_hot_spots_on_planted_points():
    from hotspots.areas.grid import Grid

    cases, persistent, emerging = _planted_points()
    grid = Grid.from_bounds((500_000, 2_450_000, 520_000, 2_470_000), 1000, "EPSG:32648")
    res = emerging_hot_spots(cases, grid=grid, time_bin="quarter", time_window=1)
    assert res.crs.to_epsg() == 4326
    assert len(res.attrs["periods"]) == 12
    cells = res.set_index("cell")
    c_new = int(grid.cell_of(np.array([emerging[0]]), np.array([emerging[1]]))[0])
    c_old = int(grid.cell_of(np.array([persistent[0]]), np.array([persistent[1]]))[0])
    assert cells.loc[c_new, "category"] in ("new hot spot", "intensifying hot spot")
    assert cells.loc[c_old, "category"] in ("persistent hot spot", "intensifying hot spot")
    # the background hardly ever forms hot spots
    far = res[~res["cell"].isin([c_new, c_old])]
    assert (far["category"] == "no pattern").mean() > 0.8
    # same input → same output
    again = emerging_hot_spots(cases, grid=grid, time_bin="quarter", time_window=1)
    pd.testing.assert_frame_equal(
        pd.DataFrame(res.drop(columns="geometry")), pd.DataFrame(again.drop(columns="geometry"))
    )


def test_emerging_hot_spots_needs_dates():
    cases, _, _ = _planted_points()
    with pytest.raises(InputError, match="occurred_at"):
        emerging_hot_spots(cases.drop(columns="occurred_at"), cell=1000)
