"""Benchmarks of key lines, run on demand (not part of the test suite).

    .venv/bin/python benchmarks/lines.py            # full: 1e5 flows, 1e4 routes
    .venv/bin/python benchmarks/lines.py --small    # quick check

Prints wall times, peak memory, and ratios against the peers measured in the same run on
the same small data:

* flow clustering vs scikit-learn DBSCAN on a dense precomputed flow-distance matrix;
* sub-trajectory clustering vs the ``traclus-python`` package (PyPI ``traclus-python``,
  pure-Python TRACLUS with a full distance matrix) and vs movingpandas'
  ``TrajectoryCollectionAggregator`` (significant points + flows between clusters).

Targets (issue 4): 1e5 OD flows <= 30 s; 1e4 multi-stop routes (about 1e5 segments)
<= 60 s and < 4 GB. Issue 17 (``--province``): key_lines on the synthetic province with
1e4 cases <= 60 s and <= 2 GB, printed beside the figures before the compiled scan, with
the log-log slope of time over three sizes.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import resource
import sys
import time
import warnings

import numpy as np

from hotspots.lines.flows import cluster_flows, flow_distance
from hotspots.lines.segments import cluster_segments, partition_routes


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def timed(fn, *a, **k):
    t = time.perf_counter()
    out = fn(*a, **k)
    return out, time.perf_counter() - t


def flows(n: int, k: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 300_000, (k, 4))
    return centres[rng.integers(0, k, n)] + rng.normal(0, 1_000, (n, 4))


def routes(n_routes: int, n_corridors: int, stops: int = 11, seed: int = 0):
    """Multi-stop routes along random 30 km corridors; stops about 2 km apart."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(0, 300_000, (n_corridors, 2))
    ang = rng.uniform(0, 2 * np.pi, n_corridors)
    b = a + 30_000 * np.column_stack([np.cos(ang), np.sin(ang)])
    which = rng.integers(0, n_corridors, n_routes)
    t0 = rng.uniform(0, 0.3, n_routes)
    t = t0[:, None] + np.linspace(0, 0.7, stops)[None, :]
    xy = a[which][:, None, :] + t[..., None] * (b - a)[which][:, None, :]
    xy += rng.normal(0, 300, xy.shape)
    return xy.reshape(-1, 2), np.repeat(np.arange(n_routes), stops), xy


def bench_flows(n: int) -> None:
    print(f"== flow clustering: {n} flows")
    od = flows(n, k=max(10, n // 500))
    labels, t = timed(cluster_flows, od, 2_000.0, 10)
    print(f"dbscan   {t:7.2f} s  clusters {labels.max() + 1}  peak RSS {peak_rss_gb():.2f} GB")
    labels, t = timed(cluster_flows, od, None, 10, method="hdbscan")
    print(f"hdbscan  {t:7.2f} s  clusters {labels.max() + 1}  peak RSS {peak_rss_gb():.2f} GB")
    # peer on the same small data: sklearn DBSCAN with a dense flow-distance matrix
    from sklearn.cluster import DBSCAN

    small = od[:3_000]
    ours, t_ours = timed(cluster_flows, small, 2_000.0, 10)

    def peer():
        d = flow_distance(small[:, None, :], small[None, :, :])
        return DBSCAN(eps=2_000.0, min_samples=10, metric="precomputed").fit_predict(d)

    ref, t_peer = timed(peer)
    same = bool(np.array_equal(ours == -1, ref == -1))
    print(
        f"3000 flows: ours {t_ours:.3f} s, sklearn dense {t_peer:.3f} s, "
        f"ratio peer/ours {t_peer / t_ours:.1f}x, same noise {same}"
    )


def bench_routes(n_routes: int, n_corridors: int) -> None:
    xy, route, _ = routes(n_routes, n_corridors)
    seg, t_part = timed(partition_routes, xy, route, 2_500.0, mdl=True, tolerance=1_000.0)
    print(f"== sub-trajectory clustering: {n_routes} routes, {len(seg)} segments")
    labels, t_clu = timed(cluster_segments, seg, 2_000.0, 5, 5, angle_scale=8_000.0)
    print(
        f"partition {t_part:6.2f} s, cluster {t_clu:6.2f} s, total {t_part + t_clu:6.2f} s; "
        f"clusters {labels.max() + 1}; peak RSS {peak_rss_gb():.2f} GB"
    )
    # end to end: RouteTable (EPSG:4326) -> ranked KeyLines
    import geopandas as gpd
    import pandas as pd
    import shapely

    from hotspots.lines import key_lines

    stops = len(xy) // n_routes
    table = gpd.GeoDataFrame(
        pd.DataFrame({"case_id": route.astype(str), "seq": np.tile(np.arange(stops), n_routes)}),
        geometry=shapely.points(xy + [200_000, 2_300_000]),
        crs="EPSG:32648",
    ).to_crs("EPSG:4326")
    none = gpd.GeoDataFrame({"name": []}, geometry=[], crs="EPSG:4326")
    kl, t = timed(key_lines, table, max_length=2_500.0, gates=none, communes=none)
    print(f"key_lines end to end {t:6.2f} s; {len(kl)} lines; peak RSS {peak_rss_gb():.2f} GB")


#: Issue 17, before the compiled scan (same machine, same synthetic province).
BEFORE_PROVINCE = {1_000: (15.0, 1.5), 3_000: (151.0, 11.6), 10_000: (None, None)}

_ONE_PROVINCE = """
import resource, sys, time
from hotspots.synthetic import generate
from hotspots.lines import key_lines
routes = generate(province="Lào Cai", years=5, seed=0, n_cases=int(sys.argv[1])).routes
t = time.perf_counter()
kl = key_lines(routes)
t = time.perf_counter() - t
print(t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2, len(kl))
"""


def bench_province(sizes: tuple[int, ...]) -> None:
    """key_lines on the synthetic Lào Cai province, one child process per size."""
    import subprocess

    print("== key_lines on the synthetic province (Lào Cai), one process per size")
    times = []
    for n in sizes:
        out = subprocess.run(
            [sys.executable, "-c", _ONE_PROVINCE, str(n)], capture_output=True, text=True
        )
        if out.returncode:
            print(f"{n:>7} cases: failed ({out.stderr.strip().splitlines()[-1]})")
            continue
        t, gb, k = (float(v) for v in out.stdout.split())
        times.append((n, t))
        bt, bgb = BEFORE_PROVINCE.get(n, (None, None))
        before = "MemoryError" if n in BEFORE_PROVINCE and bt is None else "not measured"
        if bt is not None:
            before = f"{bt:.0f} s, {bgb:.1f} GB"
        ok = " (target <= 60 s, <= 2 GB met)" if n == 10_000 and t <= 60 and gb <= 2 else ""
        print(f"{n:>7} cases: {t:7.1f} s, peak RSS {gb:.2f} GB, {int(k)} lines;", end=" ")
        print(f"before {before}{ok}")
    if len(times) >= 2:
        x, y = np.log([n for n, _ in times]), np.log([t for _, t in times])
        print(f"log-log slope of time over {len(times)} sizes: {np.polyfit(x, y, 1)[0]:.2f}")


#: Issue 17, flows on 200 fixed corridors before the compiled scan.
BEFORE_CORRIDORS = {300_000: (45.0, 7.9), 1_000_000: (None, None)}

_ONE_FLOWS = """
import resource, sys, time
sys.path.insert(0, sys.argv[2])
from lines import flows
from hotspots.lines import cluster_flows
od = flows(int(sys.argv[1]), 200)
t = time.perf_counter()
labels = cluster_flows(od, 2_000.0, 10)
t = time.perf_counter() - t
print(t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2, labels.max() + 1)
"""


def bench_corridor_flows(sizes: tuple[int, ...]) -> None:
    """cluster_flows (DBSCAN, eps 2 km, 10 flows) on 200 fixed corridors, one process each."""
    import pathlib
    import subprocess

    print("== cluster_flows on 200 fixed corridors, one process per size")
    here = str(pathlib.Path(__file__).parent)
    times = []
    for n in sizes:
        cmd = [sys.executable, "-c", _ONE_FLOWS, str(n), here]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode:
            print(f"{n:>8} flows: failed ({out.stderr.strip().splitlines()[-1]})")
            continue
        t, gb, k = (float(v) for v in out.stdout.split())
        times.append((n, t))
        bt, bgb = BEFORE_CORRIDORS.get(n, (None, None))
        before = "MemoryError" if n in BEFORE_CORRIDORS and bt is None else "not measured"
        if bt is not None:
            before = f"{bt:.0f} s, {bgb:.1f} GB"
        ok = " (target <= 60 s, <= 4 GB met)" if n == 10**6 and t <= 60 and gb <= 4 else ""
        print(f"{n:>8} flows: {t:7.1f} s, peak RSS {gb:.2f} GB, {int(k)} clusters;", end=" ")
        print(f"before {before}{ok}")
    if len(times) >= 2:
        x, y = np.log([n for n, _ in times]), np.log([t for _, t in times])
        print(f"log-log slope of time over {len(times)} sizes: {np.polyfit(x, y, 1)[0]:.2f}")


def bench_peers(n_routes: int = 40) -> None:
    print(f"== same small data ({n_routes} routes): ours vs traclus-python vs movingpandas")
    xy, route, stacked = routes(n_routes, 3, stops=6, seed=1)

    def ours():
        seg = partition_routes(xy, route, 2_000.0, tolerance=1_000.0)
        return cluster_segments(seg, 2_000.0, 5, 5, angle_scale=8_000.0)

    labels, t_ours = timed(ours)
    print(f"ours            {t_ours:8.3f} s  clusters {labels.max() + 1}")

    from traclus import traclus as tr

    trajs = [stacked[k] for k in range(n_routes)]
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")  # the package prints progress: silenced
        res, t_tr = timed(tr.traclus, trajs, max_eps=2_000.0, min_samples=5)
    print(f"traclus-python  {t_tr:8.3f} s  clusters {len(res[3])}  ratio {t_tr / t_ours:.1f}x")

    import geopandas as gpd
    import pandas as pd
    import shapely

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import movingpandas as mpd

    t0 = pd.Timestamp("2025-01-01")
    df = pd.DataFrame(
        {
            "tid": route,
            "t": [t0 + pd.Timedelta(hours=int(k)) for k in np.tile(np.arange(6), n_routes)],
        }
    )
    gdf = gpd.GeoDataFrame(df, geometry=shapely.points(xy), crs="EPSG:32648")

    def mp():
        tc = mpd.TrajectoryCollection(gdf, "tid", t="t")
        agg = mpd.TrajectoryCollectionAggregator(
            tc, max_distance=4_000, min_distance=2_000, min_stop_duration=pd.Timedelta(days=1)
        )
        return agg.get_flows_gdf()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fl, t_mp = timed(mp)
    print(f"movingpandas    {t_mp:8.3f} s  flows {len(fl)}  ratio {t_mp / t_ours:.1f}x")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", action="store_true", help="1e4 flows, 1e3 routes")
    ap.add_argument(
        "--province", action="store_true", help="only key_lines on 1e3, 3e3, 1e4 synthetic cases"
    )
    ap.add_argument(
        "--corridors", action="store_true", help="only cluster_flows, 1e5-1e6 on 200 corridors"
    )
    args = ap.parse_args(argv)
    if args.province or args.corridors:
        if args.province:
            bench_province((1_000, 3_000, 10_000))
        if args.corridors:
            bench_corridor_flows((100_000, 300_000, 1_000_000))
        return 0
    n_flows, n_routes = (10_000, 1_000) if args.small else (100_000, 10_000)
    bench_peers()
    bench_flows(n_flows)
    bench_routes(n_routes, max(5, n_routes // 200))
    return 0


if __name__ == "__main__":
    sys.exit(main())
