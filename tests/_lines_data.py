"""Planted corridors for the key-lines tests (metric frame near Lào Cai, UTM 48N)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

UTM48 = "EPSG:32648"
X0, Y0 = 400_000.0, 2_450_000.0

#: Three planted corridors (metres, UTM 48N); A and B cross at about (X0+50k, Y0+50k).
PLANTED = {
    "A": np.array([[0, 0], [30_000, 25_000], [60_000, 60_000], [100_000, 90_000]]) + [X0, Y0],
    "B": np.array([[0, 100_000], [40_000, 65_000], [60_000, 40_000], [95_000, 5_000]]) + [X0, Y0],
    "C": np.array([[120_000, 0], [125_000, 40_000], [140_000, 80_000]]) + [X0, Y0],
}


def _along(line: shapely.LineString, t: np.ndarray) -> np.ndarray:
    return shapely.get_coordinates(shapely.line_interpolate_point(line, t, normalized=True))


def planted_routes(
    n_per_line: int = 30, n_noise: int = 40, seed: int = 0, jitter: float = 600.0, reverse=()
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """RouteTable (EPSG:4326) with noisy routes along the planted lines + noise routes.

    Each corridor route starts at a random home commune off the line's start, joins the
    line, follows it with 3-6 intermediate stops and exits at its end. Lines named in
    ``reverse`` carry their routes in the opposite direction.
    """
    rng = np.random.default_rng(seed)
    rows = []
    cid = 0
    truth = []
    for name, coords in PLANTED.items():
        line = shapely.LineString(coords)
        if name in reverse:
            line = shapely.reverse(line)
        truth.append({"name": name, "gate": f"gate-{name}", "geometry": line})
        for _ in range(n_per_line):
            k = rng.integers(3, 7)
            t = np.sort(np.r_[0.0, rng.uniform(0.05, 0.95, k), 1.0])
            pts = _along(line, t) + rng.normal(0, jitter, (len(t), 2))
            home = pts[0] + rng.normal(0, 5_000, 2)
            pts = np.vstack([home, pts])
            for s, (x, y) in enumerate(pts):
                role = "victim_home" if s == 0 else ("exit" if s == len(pts) - 1 else "transit")
                rows.append((f"c{cid}", s, role, int(rng.integers(1, 4)), x, y))
            cid += 1
    for _ in range(n_noise):
        k = rng.integers(2, 6)
        pts = rng.uniform([X0 - 20_000, Y0 - 20_000], [X0 + 160_000, Y0 + 120_000], (k, 2))
        for s, (x, y) in enumerate(pts):
            rows.append((f"n{cid}", s, "transit", 1, x, y))
        cid += 1
    df = pd.DataFrame(rows, columns=["case_id", "seq", "role", "victims", "x", "y"])
    gdf = gpd.GeoDataFrame(
        df.drop(columns=["x", "y"]), geometry=shapely.points(df[["x", "y"]].to_numpy()), crs=UTM48
    ).to_crs("EPSG:4326")
    truth_gdf = gpd.GeoDataFrame(truth, crs=UTM48).to_crs("EPSG:4326")
    return gdf, truth_gdf


def planted_gates() -> gpd.GeoDataFrame:
    """One gate at the end of each planted line (EPSG:4326)."""
    rows = [
        {"name": f"gate-{n}", "country": "CN", "geometry": shapely.Point(c[-1])}
        for n, c in PLANTED.items()
    ]
    return gpd.GeoDataFrame(rows, crs=UTM48).to_crs("EPSG:4326")
