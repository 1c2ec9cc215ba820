import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS

from hotspots.areas.grid import (
    MAX_CELLS,
    MIN_CELLS,
    Grid,
    auto_cell_size,
    counts_by_polygon,
    spacing_cell_size,
)
from hotspots.errors import InputError

UTM48 = "EPSG:32648"


def test_square_cell_of_hand_values():
    g = Grid(1000.0, 2000.0, 100.0, 4, 3, UTM48)
    x = np.array([1000.0, 1099.9, 1100.0, 1399.0, 1400.0, 999.0, 1250.0, np.nan])
    y = np.array([2000.0, 2000.0, 2150.0, 2299.0, 2000.0, 2000.0, 2300.0, 2000.0])
    # row*nx+col: (0,0)=0, (0,0)=0, (1,1)=5, (2,3)=11, outside right, outside left,
    # outside top, NaN
    assert g.cell_of(x, y).tolist() == [0, 0, 5, 11, -1, -1, -1, -1]
    assert g.shape == (3, 4) and g.size == 12
    assert g.area_km2 == pytest.approx(0.01)


def test_square_counts_and_weights():
    g = Grid(0.0, 0.0, 10.0, 3, 2, UTM48)
    x = np.array([5, 5, 15, 25, 25, 100])
    y = np.array([5, 5, 15, 5, 15, 5])
    c = g.counts(x, y)
    assert c.tolist() == [[2, 0, 1], [0, 1, 1]]
    cw = g.counts(x, y, weights=[1, 2, 3, 4, 5, 6])
    assert cw.tolist() == [[3, 0, 4], [0, 3, 5]]


def test_mask_drops_points_and_zeros_counts():
    mask = np.array([[True, False, True], [True, True, True]])
    g = Grid(0.0, 0.0, 10.0, 3, 2, UTM48, mask=mask)
    assert g.cell_of(np.array([15.0]), np.array([5.0])).tolist() == [-1]
    c = g.counts(np.array([15.0, 5.0]), np.array([5.0, 5.0]))
    assert c.tolist() == [[1, 0, 0], [0, 0, 0]]
    gdf = g.to_gdf({"n": c})
    assert len(gdf) == 5 and 1 not in gdf["cell"].tolist()
    assert len(g.to_gdf(only_mask=False)) == 6


def test_centroids_and_polygons_agree():
    for kind in ("square", "hex"):
        g = Grid(500.0, 800.0, 250.0, 5, 4, UTM48, kind=kind)
        cx, cy = g.centroids()
        polys = g.polygons()
        assert len(polys) == g.size
        cent = shapely.centroid(np.asarray(polys.values))
        np.testing.assert_allclose(shapely.get_x(cent), cx, atol=1e-6)
        np.testing.assert_allclose(shapely.get_y(cent), cy, atol=1e-6)
        np.testing.assert_allclose(polys.area, g.area_km2 * 1e6, rtol=1e-12)
        # every centre maps to its own cell
        assert g.cell_of(cx, cy).tolist() == list(range(g.size))


def test_hex_geometry_hand_values():
    g = Grid(0.0, 0.0, 100.0, 3, 3, UTM48, kind="hex")
    cx, cy = g.centroids()
    dy = 100 * np.sqrt(3) / 2
    # row 0 centres at x 50, 150, 250; row 1 shifted by half a cell
    assert cx[:3].tolist() == [50, 150, 250]
    assert cx[3:6].tolist() == [100, 200, 300]
    np.testing.assert_allclose(cy[[0, 3, 6]], [0.5 * dy, 1.5 * dy, 2.5 * dy])
    assert g.area_km2 == pytest.approx(np.sqrt(3) / 2 * 1e4 / 1e6)


@pytest.mark.parametrize("kind", ["square", "hex"])
def test_cell_of_is_the_containing_polygon(kind):
    rng = np.random.default_rng(1)
    b = (123.4, -55.0, 7777.0, 3333.0)
    g = Grid.from_bounds(b, 333.3, UTM48, kind)
    x = rng.uniform(b[0], b[2], 20000)
    y = rng.uniform(b[1], b[3], 20000)
    idx = g.cell_of(x, y)
    assert (idx >= 0).all(), "from_bounds must cover its bounds"
    polys = np.asarray(g.polygons().values)
    assert shapely.intersects(polys[idx], shapely.points(x, y)).all()
    if kind == "hex":
        # nearest centre (brute force) is the oracle
        cx, cy = g.centroids()
        d = (x[:500, None] - cx[None, :]) ** 2 + (y[:500, None] - cy[None, :]) ** 2
        assert (np.argmin(d, axis=1) == idx[:500]).all()


@pytest.mark.parametrize("kind", ["square", "hex"])
def test_for_area_mask_is_exact_overlap(kind):
    # a circle ~10 km across in northern Vietnam, given in WGS84
    area = gpd.GeoSeries([shapely.Point(104.0, 22.4).buffer(0.05)], crs="EPSG:4326")
    g = Grid.for_area(area, cell=1000, kind=kind)
    assert g.crs == CRS.from_epsg(32648)
    geom = area.to_crs(g.crs).iloc[0]
    polys = np.asarray(g.polygons().values)
    overlap = shapely.area(shapely.intersection(polys, geom)) > 1e-3
    assert (g.flat_mask == overlap).all()
    # every point inside the area falls into an unmasked cell
    rng = np.random.default_rng(2)
    minx, miny, maxx, maxy = geom.bounds
    x = rng.uniform(minx, maxx, 5000)
    y = rng.uniform(miny, maxy, 5000)
    inside = shapely.contains_xy(geom, x, y)
    assert (g.cell_of(x[inside], y[inside]) >= 0).all()
    assert g.counts(x, y).sum() >= inside.sum()


def test_auto_cell_rule():
    assert auto_cell_size(13_000e6) == 2000.0
    assert auto_cell_size(2500 * 499.0**2) == 200.0
    assert auto_cell_size(2500 * 500.0**2) == 500.0
    assert auto_cell_size(10.0) == 100.0
    area = gpd.GeoSeries([shapely.box(500_000, 2_400_000, 600_000, 2_500_000)], crs=UTM48)
    g = Grid.for_area(area)
    assert g.cell == 2000.0 and g.shape == (51, 51)
    assert g.mask.sum() == 50 * 50


def test_for_points_pad_and_crs():
    pts = gpd.GeoSeries(shapely.points([104.0, 104.1], [22.0, 22.1]), crs="EPSG:4326")
    g = Grid.for_points(pts, cell=500, pad=2000)
    xm = pts.to_crs(g.crs)
    x, y = xm.x.to_numpy(), xm.y.to_numpy()
    assert (g.cell_of(x, y) >= 0).all()
    assert (g.cell_of(x - 1900, y - 1900) >= 0).all()
    minx, miny, maxx, maxy = g.bounds
    assert minx <= x.min() - 2000 and maxx >= x.max() + 2000
    assert g.mask is None


def test_invalid_inputs():
    with pytest.raises(InputError, match="metric"):
        Grid(0, 0, 10, 2, 2, "EPSG:4326")
    with pytest.raises(InputError, match="kind"):
        Grid(0, 0, 10, 2, 2, UTM48, kind="tri")
    with pytest.raises(InputError, match="mask"):
        Grid(0, 0, 10, 2, 2, UTM48, mask=np.ones((3, 2), bool))
    # a cell far too small for the area: an error naming the cell size that fits
    # (4000 x 4000 cells of 1 m = 1.6e7 > 1e7: at least sqrt(1.6) = 1.26 m, so 2 m)
    with pytest.raises(InputError, match=r"4,000 x 4,000 cells of 1 m .* at least 2 m"):
        Grid.from_bounds((0, 0, 3999.5, 3999.5), 1.0, UTM48)
    assert Grid.from_bounds((0, 0, 2999.5, 2999.5), 1.0, UTM48).size == 9_000_000
    g = Grid(0, 0, 10, 2, 2, UTM48)
    with pytest.raises(InputError, match="values"):
        g.to_gdf({"z": np.zeros(5)})


def test_counts_by_polygon():
    polys = gpd.GeoSeries(
        [shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10), shapely.box(100, 100, 110, 110)],
        crs=UTM48,
    )
    pts = gpd.GeoSeries(shapely.points([1, 2, 10, 15, 50], [1, 2, 5, 5, 50]), crs=UTM48)
    # the point on the shared edge (10, 5) counts once, for the first polygon
    assert counts_by_polygon(pts, polys).tolist() == [3, 1, 0]
    assert counts_by_polygon(pts, polys, weights=[1, 1, 2, 4, 8]).tolist() == [4, 4, 0]
    # points in another CRS are projected (no point on an edge: the round trip is inexact)
    pts_ll = pts.iloc[[0, 1, 3, 4]].to_crs("EPSG:4326")
    assert counts_by_polygon(pts_ll, polys).tolist() == [2, 1, 0]


def test_spacing_cell_rule_known_values():
    # 0.5 * sqrt(A / n): 2,000 distinct locations on 12,500 km² → 1250 m exactly
    xs = np.arange(2000.0) * 10.0
    assert spacing_cell_size(xs, np.zeros(2000), 12_500e6) == 1250.0
    # repeated locations count once: the same 2,000 places, each three times
    assert spacing_cell_size(np.repeat(xs, 3), np.zeros(6000), 12_500e6) == 1250.0
    # 2,122 locations: 1213.6 m → the nearest round number, 1250 (not 1000)
    assert spacing_cell_size(np.arange(2122.0), np.zeros(2122), 12_500e6) == 1250.0
    # 1,000 locations: 0.5 * sqrt(12.5e6) = 1767.8 → nearest of 1500 / 2000 is 2000
    assert spacing_cell_size(xs[:1000], np.zeros(1000), 12_500e6) == 2000.0
    # 1,300 locations: 1550.5 → 1500
    assert spacing_cell_size(np.arange(1300.0), np.zeros(1300), 12_500e6) == 1500.0
    # few locations: at most MIN_CELLS-sized cells: sqrt(12,500e6 / 400) = 5590 → 5000
    # (6000 would be nearer but gives fewer than MIN_CELLS cells)
    assert spacing_cell_size(xs[:5], np.zeros(5), 12_500e6) == 5000.0
    # very many locations: no more than MAX_CELLS cells (sqrt(1e9/50000) = 141 → 150)
    many = np.arange(400_000.0)
    c = spacing_cell_size(many, many, 1e9)
    assert c == 150.0 and 1e9 / c**2 <= MAX_CELLS
    assert MIN_CELLS < MAX_CELLS
    # the 100 m floor and a degenerate area
    assert spacing_cell_size(many, many, 1e7) == 100.0
    assert spacing_cell_size(xs, xs, 0.0) == 100.0
