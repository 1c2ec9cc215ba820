"""Space-time permutation scan: brute force on tiny data, a planted emerging cluster, no
false alarms on shuffled data, CLI contract."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from hotspots.areas.grid import Grid
from hotspots.areas.predict import Events
from hotspots.areas.scan import space_time_scan

CRS = "EPSG:32648"
T0 = 19_000.0


def _brute(zone_xy, zone, day, end, max_radius, max_days):
    """Every circle (centre, radius = distance to some zone) x every interval ending at
    ``end``: the best log-likelihood ratio and its zones and start, by plain loops."""
    total = len(zone)
    best = (0.0, None, None)
    for ci in zone_xy:
        d = np.hypot(*(zone_xy - ci).T)
        for r in sorted(set(d[d <= max_radius + 1e-6])):
            zs = set(np.flatnonzero(d <= r + 1e-6))
            in_z = np.array([z in zs for z in zone])
            if in_z.sum() > 0.5 * total:
                continue
            for length in range(1, max_days + 1):
                in_t = day >= end - length
                c = float((in_z & in_t).sum())
                mu = in_z.sum() * in_t.sum() / total
                if c <= mu:
                    continue
                llr = c * np.log(c / mu)
                if total - c > 0:
                    llr += (total - c) * np.log((total - c) / (total - mu))
                if llr > best[0] + 1e-12:
                    best = (llr, zs, end - length)
    return best


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_most_likely_cluster_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    g = Grid(0.0, 0.0, 100.0, 4, 3, CRS)
    n = 60
    x, y = rng.uniform(0, 400, n), rng.uniform(0, 300, n)
    day = rng.integers(0, 12, n).astype(float)
    x[:8], y[:8], day[:8] = 350.0, 250.0, 11.0  # a burst in the corner cell on the last day
    res = space_time_scan(Events(x, y, T0 + day + 0.5), g, max_radius=150, max_days=5, replicas=9)
    cells = g.cell_of(x, y)
    uniq, zone = np.unique(cells, return_inverse=True)
    cx, cy = g.centroids()
    zxy = np.column_stack([cx[uniq], cy[uniq]])
    llr, zs, start = _brute(zxy, zone, day, 12.0, 150.0, 5)
    top = res.clusters.iloc[0]
    assert top["llr"] == pytest.approx(llr)
    assert set(top["cells"]) == {int(uniq[z]) for z in zs}
    assert top["start"] == pd.Timestamp((T0 + start) * 86_400, unit="s")
    assert top["end"] == pd.Timestamp((T0 + 12) * 86_400, unit="s")


def _uniform(rng, n=1500, days=120, size=3000.0):
    return rng.uniform(0, size, n), rng.uniform(0, size, n), T0 + rng.uniform(0, days, n)


GRID = Grid(0.0, 0.0, 200.0, 15, 15, CRS)


def test_planted_emerging_cluster_is_found_first():
    rng = np.random.default_rng(5)
    x, y, t = _uniform(rng)
    # 25 extra cases in the last 7 days around (2100, 900)
    x = np.r_[x, rng.normal(2100, 120, 25)]
    y = np.r_[y, rng.normal(900, 120, 25)]
    t = np.r_[t, T0 + 120 - rng.uniform(0, 7, 25)]
    res = space_time_scan(Events(x, y, t), GRID, replicas=199, max_days=30)
    top = res.clusters.iloc[0]
    assert top["p_value"] < 0.05
    assert np.hypot(top["x"] - 2100, top["y"] - 900) <= 400
    assert top["cases"] > 2 * top["expected"]
    assert (res.clusters["p_value"].iloc[1:] > 0.05).all()
    assert top["recurrence_days"] == pytest.approx(1 / top["p_value"])


def test_no_false_alarms_without_space_time_interaction():
    found = 0
    seeds = range(10)
    for seed in seeds:
        rng = np.random.default_rng(100 + seed)
        x, y, t = _uniform(rng, n=600, days=60)
        res = space_time_scan(Events(x, y, t), GRID, replicas=99, max_days=14, seed=seed)
        found += bool((res.clusters["p_value"] < 0.05).any())
    # at most 5 % expected; allow noise over 10 seeds: 2 or fewer
    assert found <= 2


def test_replica_shortcut_equals_scoring_every_cylinder():
    from hotspots.areas.scan import _circle_ends, _recent, _replica_max, cylinder_llr

    rng = np.random.default_rng(7)
    n_zones, s, n = 40, 6, 400
    xy = rng.uniform(0, 1000, (n_zones, 2)).round(-2)  # rounded: many equal distances
    zone = rng.integers(0, n_zones, n)
    from scipy.spatial import cKDTree

    dist, nb = cKDTree(xy).query(xy, k=12, distance_upper_bound=400)
    nb = np.where(np.isfinite(dist), nb, n_zones)
    ends, gend = _circle_ends(dist)
    total = float(n)
    zt = np.bincount(zone, minlength=n_zones).astype(float)
    nz_end = np.take_along_axis(np.cumsum(np.r_[zt, 0.0][nb], axis=1), gend, axis=1)
    for _ in range(5):
        age = rng.integers(0, 20, n)
        tt = np.cumsum(np.bincount(np.minimum(age, s), minlength=s + 1)[:s]).astype(float)
        rec = _recent(zone, age, n_zones, s)
        full = cylinder_llr(rec, zt, tt, total, nb, ends)[0].max()
        assert _replica_max(rec, nz_end, gend, tt, total, nb) == pytest.approx(full)
        assert full > 0


def test_cli_finds_the_demo_emerging_area_and_writes_the_contract(tmp_path, capsys):
    import geopandas as gpd

    from hotspots.cli import main
    from hotspots.synthetic import generate

    data = generate(out=tmp_path / "demo")
    out = tmp_path / "scan.json"
    gpkg = tmp_path / "scan.gpkg"
    argv = ["scan", str(tmp_path / "demo" / "cases.csv"), "--province", "Lào Cai"]
    argv += ["--max-days", "365", "--replicas", "99", "--json", str(out), "--out", str(gpkg)]
    assert main(argv) == 0
    clusters = json.loads(out.read_text(encoding="utf-8"))["clusters"]
    keys = ["rank", "p_value", "start", "end", "cases", "expected", "llr", "communes"]
    assert all(list(c)[: len(keys)] == keys for c in clusters)
    first = clusters[0]
    assert first["rank"] == 1 and first["p_value"] < 0.05
    assert all(c["p_value"] >= 0.05 for c in clusters[1:])
    areas = gpd.read_file(gpkg)
    emerging = data.truth["emerging"].to_crs(4326).geometry.union_all()
    assert areas.geometry.iloc[0].intersects(emerging)
    assert "significant clusters: 1" in capsys.readouterr().out
    assert main(["scan", str(tmp_path / "demo" / "cases.csv"), "--max-days", "-3"]) == 2
    assert "--max-days" in capsys.readouterr().err


def test_knox_matches_pointpats_on_burkitt():
    """libpysal's Burkitt lymphoma cases (West Nile, Uganda), pointpats as the oracle."""
    import geopandas as gpd
    import libpysal
    from pointpats.spacetime import Knox
    from scipy.stats import poisson

    from hotspots.areas.scan import knox

    g = gpd.read_file(libpysal.examples.get_path("burkitt.shp"))
    xy = g[["X", "Y"]].to_numpy(float)
    t = g["T"].to_numpy(float)
    for delta, tau in ((20, 5), (20, 30), (10, 60)):
        ours = knox(Events(xy[:, 0], xy[:, 1], t), delta, tau, permutations=0)
        ref = Knox(xy, t[:, None], delta, tau, permutations=0)
        assert ours.nst == ref.statistic_
        assert ours.expected == pytest.approx(ref.expected[0, 0])
        # pointpats reports P(X > nst); ours is the one-sided P(X >= nst)
        assert ref.p_poisson == pytest.approx(poisson.sf(ours.nst, ours.expected))
        assert ours.p_poisson == pytest.approx(poisson.sf(ours.nst - 1, ours.expected))
    # and its permutation p-value is in line: no interaction planted in uniform data
    rng = np.random.default_rng(0)
    x, y, tt = _uniform(rng, n=300)
    res = knox(Events(x, y, tt), 200, 7, permutations=199)
    assert res.p_sim > 0.05
