import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.spatial import cKDTree
from sklearn.cluster import DBSCAN, HDBSCAN

from hotspots.areas.cluster import core_distances, default_eps, density_clusters, label_points
from hotspots.errors import InputError
from realdata import west_yorkshire_points


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal up to renaming of the clusters (noise -1 must match exactly)."""
    if not np.array_equal(a < 0, b < 0):
        return False
    pairs = np.unique(np.column_stack([a, b]), axis=0)
    return len(np.unique(pairs[:, 0])) == len(pairs) == len(np.unique(pairs[:, 1]))


def _planted(seed=0, repeats=True):
    """Three separated clusters of repeated locations plus scattered noise (metres)."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [5000.0, 0.0], [0.0, 6000.0]])
    xs, ys = [], []
    for (cx, cy), n_loc in zip(centres, (30, 15, 8), strict=True):
        loc = rng.normal([cx, cy], 150.0, size=(n_loc, 2))
        reps = rng.integers(1, 25, n_loc) if repeats else np.ones(n_loc, int)
        pts = np.repeat(loc, reps, axis=0)
        xs.append(pts[:, 0])
        ys.append(pts[:, 1])
    noise = rng.uniform(-3000, 9000, size=(40, 2))
    xs.append(noise[:, 0])
    ys.append(noise[:, 1])
    x, y = np.concatenate(xs), np.concatenate(ys)
    perm = rng.permutation(x.size)
    return x[perm], y[perm], centres


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("min_samples", [5, 20])
def test_dbscan_equals_sklearn_on_repeated_points(seed, min_samples):
    x, y, _ = _planted(seed)
    ours = label_points(x, y, eps=400.0, min_samples=min_samples)
    ref = DBSCAN(eps=400.0, min_samples=min_samples).fit(np.column_stack([x, y])).labels_
    assert _same_partition(ours, ref)
    assert ours.max() >= 1


def test_dbscan_labels_ordered_by_size_and_shared_by_repeats():
    x, y, centres = _planted(3)
    lab = label_points(x, y, eps=400.0, min_samples=5)
    sizes = np.bincount(lab[lab >= 0])
    assert (np.diff(sizes) <= 0).all()
    # repeats of a location share a label
    df = pd.DataFrame({"x": x, "y": y, "lab": lab})
    assert (df.groupby(["x", "y"])["lab"].nunique() == 1).all()


def test_weights_equal_repeating_points():
    x, y, _ = _planted(4, repeats=False)
    w = np.random.default_rng(4).integers(1, 6, x.size)
    a = label_points(x, y, 400.0, 10, weights=w)
    b = label_points(np.repeat(x, w), np.repeat(y, w), 400.0, 10)
    assert _same_partition(a, b[np.r_[0, np.cumsum(w)[:-1]]])
    ref = DBSCAN(eps=400.0, min_samples=10).fit(np.column_stack([x, y]), sample_weight=w)
    assert _same_partition(a, ref.labels_)


def test_hdbscan_equals_sklearn_on_repeated_points():
    x, y, _ = _planted(5)
    ours = label_points(x, y, None, 10, method="hdbscan")
    xy = np.column_stack([x, y])
    order = np.lexsort((y, x))  # our input order to HDBSCAN: sorted distinct locations
    ref_sorted = HDBSCAN(min_cluster_size=10, min_samples=10, copy=True).fit(xy[order]).labels_
    ref = np.empty_like(ref_sorted)
    ref[order] = ref_sorted
    assert _same_partition(ours, ref)
    assert ours.max() >= 2
    with pytest.raises(InputError, match="integer"):
        label_points(x, y, None, 10, weights=np.full(x.size, 0.5), method="hdbscan")


def test_core_distances_and_default_eps_hand_values():
    # 3 cases at the origin, 1 at 10 m, 1 at 30 m
    x = np.array([0.0, 0.0, 0.0, 10.0, 30.0])
    y = np.zeros(5)
    np.testing.assert_allclose(core_distances(x, y, 3), [0, 0, 0, 10, 30])
    np.testing.assert_allclose(core_distances(x, y, 4), [10, 10, 10, 10, 30])
    # fractional weights: 0.5 per case at the origin → need to reach 10 m for 2
    np.testing.assert_allclose(
        core_distances(x, y, 2, weights=[0.5, 0.5, 0.5, 1, 1]), [10] * 4 + [20]
    )
    assert np.isinf(core_distances(x, y, 6)).all()
    assert default_eps(x, y, 4) == pytest.approx(np.percentile([10, 10, 10, 10, 30], 99))
    with pytest.raises(InputError, match="too few"):
        default_eps(x, y, 6)


def test_density_clusters_finds_planted_clusters():
    x, y, centres = _planted(6)
    crs = "EPSG:32648"
    off = np.array([500_000.0, 2_400_000.0])
    pts = gpd.GeoDataFrame(
        {"victims": np.ones(x.size, int) * 2},
        geometry=gpd.points_from_xy(x + off[0], y + off[1]),
        crs=crs,
    ).to_crs("EPSG:4326")
    out = density_clusters(pts, eps=400.0, min_cases=5, weights="victims")
    assert out.crs == "EPSG:4326"
    assert list(out.columns) == ["cluster", "cases", "locations", "victims", "area_km2", "geometry"]
    assert len(out) == 3
    assert out["cluster"].tolist() == [1, 2, 3]
    assert (np.diff(out["cases"]) <= 0).all()
    np.testing.assert_allclose(out["victims"], 2 * out["cases"])
    # every planted centre inside exactly one outline; outlines hold their cases
    om = out.to_crs(crs)
    for cx, cy in centres + off:
        assert shapely.contains_xy(np.asarray(om.geometry.values), cx, cy).sum() == 1
    np.testing.assert_allclose(out["area_km2"], om.area / 1e6, rtol=1e-9)
    lab = label_points(x, y, 400.0, 5)
    assert sorted(out["cases"]) == sorted(np.bincount(lab[lab >= 0]))
    # concave hulls are never larger
    conc = density_clusters(pts, eps=400.0, min_cases=5, hull="concave")
    assert (conc["area_km2"].to_numpy() <= out["area_km2"].to_numpy() + 1e-9).all()
    hd = density_clusters(pts, method="hdbscan", min_cases=10)
    assert len(hd) >= 2


def test_density_clusters_empty_and_errors():
    pts = gpd.GeoSeries(shapely.points([104.0, 104.5], [22.0, 22.5]), crs="EPSG:4326")
    out = density_clusters(pts, eps=100.0, min_cases=5)
    assert len(out) == 0 and "cases" in out.columns
    # fewer cases than min_cases: empty, for every method and without eps
    for method in ("dbscan", "hdbscan"):
        assert len(density_clusters(pts, method=method, min_cases=5)) == 0
        assert len(density_clusters(pts, method=method, min_cases=5, buffer=0.0)) == 0
    assert (label_points(np.zeros(3), np.zeros(3), None, 5) == -1).all()
    with pytest.raises(InputError, match="buffer"):
        density_clusters(pts, eps=100.0, min_cases=1, buffer=-5.0)
    with pytest.raises(InputError, match="method"):
        label_points(np.zeros(3), np.zeros(3), 1.0, 2, method="optics")
    with pytest.raises(InputError, match="eps"):
        label_points(np.zeros(3), np.zeros(3), -1.0, 2)
    lines = gpd.GeoSeries([shapely.LineString([(0, 0), (1, 1)])], crs="EPSG:4326")
    with pytest.raises(InputError, match="point"):
        density_clusters(lines, eps=10.0)


@pytest.mark.realdata
def test_dbscan_west_yorkshire_equals_sklearn_except_contested_border_points():
    df = west_yorkshire_points()
    pts = gpd.GeoSeries(gpd.points_from_xy(df.Longitude, df.Latitude), crs="EPSG:4326")
    pm = pts.to_crs("EPSG:32630")
    x, y = pm.x.to_numpy(), pm.y.to_numpy()
    assert len(np.unique(np.column_stack([x, y]), axis=0)) < 0.3 * x.size  # heavy repeats
    eps, ms = 200.0, 20
    ours = label_points(x, y, eps, ms)
    sk = DBSCAN(eps=eps, min_samples=ms).fit(np.column_stack([x, y]))
    ref = sk.labels_
    assert np.array_equal(ours < 0, ref < 0)
    core = np.zeros(x.size, bool)
    core[sk.core_sample_indices_] = True
    # core points: the same partition exactly
    assert _same_partition(ours[core], ref[core])
    # map our cluster ids to sklearn's through the core points
    pairs = np.unique(np.column_stack([ours[core], ref[core]]), axis=0)
    to_ref = dict(zip(pairs[:, 0], pairs[:, 1], strict=True))
    mapped = np.array([to_ref.get(v, -1) for v in ours])
    diff = np.flatnonzero(mapped != ref)
    assert diff.size < 0.01 * x.size
    # every difference is a border point within eps of core points of both clusters
    tree = cKDTree(np.column_stack([x, y]))
    for i in diff[:200]:
        assert not core[i]
        nb = np.asarray(tree.query_ball_point([x[i], y[i]], eps))
        nb_core_labels = set(ref[nb[core[nb]]])
        assert {mapped[i], ref[i]} <= nb_core_labels


def test_hdbscan_knn_tree_close_to_sklearn(monkeypatch):
    """Above EXACT_LOCATIONS the spanning tree uses a k-NN graph: documented approximation.

    Forced here on 2,000 scattered and clustered cases: same clusters up to a few
    border cases (adjusted Rand index >= 0.95, noise agreement >= 97 %).
    """
    from sklearn.metrics import adjusted_rand_score

    import hotspots.areas.cluster as cl

    rng = np.random.default_rng(11)
    centres = rng.uniform(0, 20_000, (6, 2))
    xy = np.vstack(
        [centres[rng.integers(0, 6, 1_700)] + rng.normal(0, 400, (1_700, 2)),
         rng.uniform(0, 20_000, (300, 2))]
    )  # fmt: skip
    xy = np.round(xy, -1)  # some repeated locations
    exact = label_points(xy[:, 0], xy[:, 1], None, 15, method="hdbscan")
    monkeypatch.setattr(cl, "EXACT_LOCATIONS", 50)
    approx = label_points(xy[:, 0], xy[:, 1], None, 15, method="hdbscan")
    ref = HDBSCAN(min_cluster_size=15, min_samples=15, copy=True).fit(xy).labels_
    assert exact.max() >= 4
    assert adjusted_rand_score(exact, ref) >= 0.99
    assert adjusted_rand_score(approx, ref) >= 0.95
    assert np.mean((approx < 0) == (ref < 0)) >= 0.97
