import math

import numpy as np
import pytest

from hotspots.areas.density import default_bandwidth, kde
from hotspots.areas.grid import Grid
from hotspots.errors import InputError

UTM = "EPSG:32648"


def _naive(x, y, gx, gy, h, kernel):
    """Exact kernel sum at the grid centres (per km²)."""
    r2 = (gx[:, None] - x[None, :]) ** 2 + (gy[:, None] - y[None, :]) ** 2
    if kernel == "gaussian":
        k = np.exp(-r2 / (2 * h * h)) / (2 * math.pi * h * h)
    else:
        k = 3 / (math.pi * h * h) * np.clip(1 - r2 / (h * h), 0, None) ** 2
    return k.sum(axis=1) * 1e6


@pytest.mark.parametrize("kind", ["square", "hex"])
@pytest.mark.parametrize("kernel", ["gaussian", "quartic"])
@pytest.mark.parametrize("h", [80.0, 250.0, 1200.0])
def test_integral_is_number_of_points(kind, kernel, h):
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(50_000, 2_000, 3000), rng.uniform(45_000, 55_000, 1000)]
    y = np.r_[rng.normal(50_000, 1_000, 3000), rng.uniform(45_000, 55_000, 1000)]
    pad = 4 * h + 500
    g = Grid.from_bounds(
        (x.min() - pad, y.min() - pad, x.max() + pad, y.max() + pad), 100, UTM, kind
    )
    d = kde(x, y, g, bandwidth=h, kernel=kernel)
    assert d.shape == g.shape
    assert d.sum() * g.area_km2 == pytest.approx(x.size, rel=0.01)
    if kind == "square":  # mass-preserving kernel: exact up to round-off
        assert d.sum() * g.area_km2 == pytest.approx(x.size, rel=1e-9)


@pytest.mark.parametrize("kernel", ["gaussian", "quartic"])
def test_single_point_peak_hand_value(kernel):
    g = Grid(0.0, 0.0, 50.0, 101, 101, UTM)
    h = 1000.0
    d = kde(np.array([2525.0]), np.array([2525.0]), g, bandwidth=h, kernel=kernel)
    peak = 1 / (2 * math.pi * h * h) if kernel == "gaussian" else 3 / (math.pi * h * h)
    assert d.max() == d[50, 50]
    assert d[50, 50] == pytest.approx(peak * 1e6, rel=2e-3)
    # radially symmetric
    np.testing.assert_allclose(d, d.T, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(d, d[::-1, ::-1], rtol=1e-9, atol=1e-12)
    if kernel == "quartic":  # zero beyond the radius
        assert d[50, 50 + 21] == 0 and d[50, 50 + 19] > 0


@pytest.mark.parametrize("kernel", ["gaussian", "quartic"])
@pytest.mark.parametrize("kind", ["square", "hex"])
def test_equals_exact_kernel_sum(kernel, kind):
    rng = np.random.default_rng(1)
    x = rng.uniform(2_000, 8_000, 300)
    y = rng.uniform(2_000, 8_000, 300)
    g = Grid(0.0, 0.0, 100.0, 100, 100, UTM, kind=kind)
    h = 600.0
    d = kde(x, y, g, bandwidth=h, kernel=kernel).reshape(-1)
    gx, gy = g.centroids()
    ref = _naive(x, y, gx, gy, h, kernel)
    # linear binning: error O((cell/h)^2) of the peak
    assert np.abs(d - ref).max() < 0.02 * ref.max()
    assert np.corrcoef(d, ref)[0, 1] > 0.9999


def test_points_outside_grid_contribute():
    g = Grid(0.0, 0.0, 100.0, 20, 20, UTM)
    d = kde(np.array([-300.0]), np.array([1000.0]), g, bandwidth=500.0)
    assert d[10, 0] > 0
    ref = _naive(np.array([-300.0]), np.array([1000.0]), *g.centroids(), 500.0, "gaussian")
    np.testing.assert_allclose(d.reshape(-1), ref, rtol=0.02, atol=1e-3 * ref.max())


def test_weights_equal_repeated_points():
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 5000, 200)
    y = rng.uniform(0, 5000, 200)
    w = rng.integers(1, 4, 200)
    g = Grid(-2000.0, -2000.0, 100.0, 90, 90, UTM)
    a = kde(x, y, g, bandwidth=400.0, weights=w)
    b = kde(np.repeat(x, w), np.repeat(y, w), g, bandwidth=400.0)
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert default_bandwidth(x, y, w) == pytest.approx(
        default_bandwidth(np.repeat(x, w), np.repeat(y, w)), rel=1e-12
    )


def test_mask_and_nan_points():
    mask = np.zeros((30, 30), bool)
    mask[5:25, 5:25] = True
    g = Grid(0.0, 0.0, 100.0, 30, 30, UTM, mask=mask)
    full = Grid(0.0, 0.0, 100.0, 30, 30, UTM)
    x, y = np.array([1500.0, 1300.0, np.nan]), np.array([1500.0, 1300.0, 1.0])
    d = kde(x, y, g, bandwidth=300.0)
    ref = kde(x[:2], y[:2], full, bandwidth=300.0)
    assert (d[~mask] == 0).all() and (ref[~mask] > 0).any()
    np.testing.assert_array_equal(d[mask], ref[mask])
    assert ref.sum() * g.area_km2 == pytest.approx(2.0, rel=1e-6)


def test_default_bandwidth_rule():
    # square of side 1000: SD = Dm = 707.107, n = 4
    x = np.array([0.0, 1000.0, 0.0, 1000.0])
    y = np.array([0.0, 0.0, 1000.0, 1000.0])
    assert default_bandwidth(x, y) == pytest.approx(0.9 * math.sqrt(5e5) * 4**-0.2, rel=1e-12)
    # heavy-tailed points: the median term wins
    x2 = np.r_[np.zeros(9), 1e6]
    y2 = np.zeros(10)
    dm = 1e5  # median distance from the mean centre (1e5, 0)
    assert default_bandwidth(x2, y2) == pytest.approx(
        0.9 * math.sqrt(1 / math.log(2)) * dm * 10**-0.2, rel=1e-12
    )
    # kde uses it, capped at one cell, when bandwidth is None
    g = Grid(-1000.0, -1000.0, 50.0, 60, 60, UTM)
    np.testing.assert_array_equal(kde(x, y, g), kde(x, y, g, bandwidth=50.0))
    g2 = Grid(-2000.0, -2000.0, 1000.0, 5, 5, UTM)
    np.testing.assert_array_equal(
        kde(x, y, g2), kde(x, y, g2, bandwidth=default_bandwidth(x, y))
    )  # 482 m < one 1000 m cell: Silverman's value itself
    assert default_bandwidth(x, y, cell=50.0) == 50.0
    assert default_bandwidth(x, y, cell=1e4) == default_bandwidth(x, y)
    with pytest.raises(InputError):
        default_bandwidth(x, y, cell=0.0)


def test_invalid_inputs():
    g = Grid(0.0, 0.0, 10.0, 5, 5, UTM)
    with pytest.raises(InputError, match="kernel"):
        kde(np.zeros(1), np.zeros(1), g, bandwidth=10, kernel="epanechnikov")
    with pytest.raises(InputError, match="bandwidth"):
        kde(np.zeros(1), np.zeros(1), g, bandwidth=-1)
    with pytest.raises(InputError, match="weights"):
        kde(np.zeros(2), np.zeros(2), g, bandwidth=10, weights=[1.0])
    assert (kde(np.array([]), np.array([]), g, bandwidth=10) == 0).all()


def test_million_points_shape_and_mass():
    rng = np.random.default_rng(3)
    x = rng.normal(50_000, 8_000, 1_000_000)
    y = rng.normal(50_000, 5_000, 1_000_000)
    g = Grid(0.0, 0.0, 100.0, 1000, 1000, UTM)
    d = kde(x, y, g, bandwidth=500.0)
    assert d.sum() * g.area_km2 == pytest.approx(1_000_000, rel=1e-3)
