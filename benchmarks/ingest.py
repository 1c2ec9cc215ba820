"""Speed of ``hotspots.read_cases`` on a large register, against a bare pandas read.

Usage::

    .venv/bin/python benchmarks/ingest.py           # 200,000 rows
    .venv/bin/python benchmarks/ingest.py --quick   # 20,000 rows

The file is a Vietnamese-header CSV of Lào Cai cases (dd/mm/yyyy dates, 2.5% rows with
a commune name instead of coordinates, a PII column). The peer is what an analyst would
write by hand without any checks: ``pandas.read_csv`` + ``pandas.to_datetime(dayfirst)``
+ ``geopandas.points_from_xy`` + a point-in-province test. hotspots does every check of
the issue on top (encoding, headers, coordinates in several notations, dates, geocoding,
duplicates, PII, outside the province), so a ratio of a few times the peer is expected;
the issue's bar is that 200k rows "stay fast" (a few seconds).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def make_file(path: Path, n: int) -> None:
    """Write the benchmark CSV with ``n`` rows."""
    from hotspots import geodata

    rng = np.random.default_rng(0)
    names = geodata.communes(province="15")["name"].to_numpy()
    df = pd.DataFrame(
        {
            "Mã vụ": [f"LC-{i}" for i in range(n)],
            "Ngày xảy ra": [
                f"{d:02d}/{m:02d}/{y}"
                for d, m, y in zip(
                    rng.integers(1, 29, n),
                    rng.integers(1, 13, n),
                    rng.integers(2020, 2026, n),
                    strict=True,
                )
            ],
            "Vĩ độ": np.round(rng.uniform(21.9, 22.7, n), 5).astype(str),
            "Kinh độ": np.round(rng.uniform(103.6, 104.6, n), 5).astype(str),
            "Xã/Phường": rng.choice(names, n),
            "Vai trò": rng.choice(["tuyển mộ", "trung chuyển", "xuất cảnh"], n),
            "Số nạn nhân": rng.integers(1, 4, n).astype(str),
            "Họ tên": "Nguyễn Văn A",
        }
    )
    df.loc[rng.choice(n, n // 40, replace=False), ["Vĩ độ", "Kinh độ"]] = ""
    df.to_csv(path, index=False)


def peer(path: Path) -> int:
    """Bare read: pandas + geopandas, no checks."""
    import geopandas as gpd
    import shapely

    from hotspots import geodata

    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    pd.to_datetime(df["Ngày xảy ra"], dayfirst=True, errors="coerce")
    lon = pd.to_numeric(df["Kinh độ"], errors="coerce")
    lat = pd.to_numeric(df["Vĩ độ"], errors="coerce")
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326).to_crs(32648)
    prov = gpd.GeoSeries([geodata.province("15").geometry], crs=4326).to_crs(32648).iloc[0]
    return int(shapely.contains_xy(prov, pts.x, pts.y).sum())


def best(fn, repeat: int = 2) -> float:
    """Best wall time of ``repeat`` runs."""
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return min(out)


def main() -> None:
    """Run the benchmark and print both timings and their ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20,000 rows instead of 200,000")
    args = ap.parse_args()
    n = 20_000 if args.quick else 200_000

    import hotspots

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.csv"
        make_file(path, n)
        hotspots.read_cases(path, province="15")  # warm caches (geodata, imports)
        peer(path)
        t_ours = best(lambda: hotspots.read_cases(path, province="15"))
        t_peer = best(lambda: peer(path))
    print(
        f"read_cases, {n:,} rows: {t_ours:.2f} s; pandas+geopandas without checks: "
        f"{t_peer:.2f} s; ratio {t_ours / t_peer:.1f}x"
    )


if __name__ == "__main__":
    main()
