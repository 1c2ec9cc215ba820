"""Subcommand ``scan``: space-time clusters (emerging key areas) with Monte Carlo p-values."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hotspots.errors import ConfigError

__all__ = ["register", "cluster_communes", "clusters_json"]


def cluster_communes(
    cases: pd.DataFrame, cells_of_cases: np.ndarray, t_days: np.ndarray, row: pd.Series
) -> list[str]:
    """Names of the communes of the cases inside one cluster (cells and interval)."""
    from hotspots.areas.predict import DAY_NS

    if "commune_code" not in cases.columns:
        return []
    t0 = row["start"].value / DAY_NS
    t1 = row["end"].value / DAY_NS
    inside = np.isin(cells_of_cases, row["cells"]) & (t_days >= t0) & (t_days < t1)
    codes = pd.Series(cases["commune_code"].to_numpy()[inside]).dropna().astype(str)
    codes = sorted(set(codes) - {"", "nan", "None"})
    try:
        from hotspots.data.geocode import commune_table

        table = commune_table()
        return [str(table.loc[c, "name"]) if c in table.index else c for c in codes]
    except Exception:  # noqa: BLE001 - bundled geography missing: the codes
        return codes


def clusters_json(clusters: pd.DataFrame, communes: list[list[str]]) -> dict[str, Any]:
    """The ``--json`` contract, plus ``recurrence_days``.

    ``{"clusters": [{rank, p_value, start, end, cases, expected, llr, communes}]}``.
    """
    out = []
    for r, names in zip(clusters.itertuples(index=False), communes, strict=True):
        out.append(
            {
                "rank": int(r.rank),
                "p_value": float(r.p_value),
                "start": pd.Timestamp(r.start).isoformat(),
                "end": pd.Timestamp(r.end).isoformat(),
                "cases": int(r.cases),
                "expected": float(r.expected),
                "llr": float(r.llr),
                "communes": list(names),
                "recurrence_days": float(r.recurrence_days),
            }
        )
    return {"clusters": out}


def _run(args: argparse.Namespace) -> int:
    from hotspots.areas.grid import Grid
    from hotspots.areas.scan import space_time_scan
    from hotspots.areas.views import default_view
    from hotspots.data._cli import load_input
    from hotspots.data.crs import WGS84, metric_crs
    from hotspots.data.ingest import resolve_area
    from hotspots.evaluate.backtest import _events_from_frame, _events_of_view

    for name in ("cell", "max_radius", "max_days"):
        v = getattr(args, name)
        if v is not None and v <= 0:
            raise ConfigError(f"--{name.replace('_', '-')} must be a positive number, got {v}")
    cases = load_input(args, need_cases=True).cases
    view = args.view or default_view(cases)
    ev_frame = _events_of_view(cases, view, args.time_column)
    area = resolve_area(args.area, args.province)
    if area is not None:
        grid = Grid.for_area(area, cell=args.cell)
    else:
        pts = ev_frame.geometry if ev_frame.crs is not None else ev_frame.geometry.set_crs(WGS84)
        grid = Grid.for_points(pts, cell=args.cell, crs=metric_crs(pts))
    ev, _ = _events_from_frame(ev_frame, args.time_column, grid.crs)
    res = space_time_scan(
        ev,
        grid,
        max_radius=args.max_radius,
        max_days=args.max_days,
        replicas=args.replicas,
        seed=args.seed,
    )
    cl = res.clusters
    cells = grid.cell_of(ev.x, ev.y)
    times = pd.to_datetime(ev_frame[args.time_column], errors="coerce")
    frame = ev_frame[times.notna().to_numpy()]
    names = [cluster_communes(frame, cells, ev.t, r) for _, r in cl.iterrows()]
    if args.json:
        Path(args.json).write_text(
            json.dumps(clusters_json(cl, names), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        print(f"wrote {args.json}", file=sys.stderr)
    if args.out:
        _write_areas(cl, names, grid, args.out)
        print(f"wrote {args.out}", file=sys.stderr)
    p = res.params
    print(
        f"{len(ev)} cases ({view} view), grid {grid.nx}x{grid.ny} cells of {grid.cell:g} m, "
        f"circles up to {p['max_radius']:g} m, intervals up to {p['max_days']:g} days, "
        f"{p['replicas']} replicas"
    )
    sig = cl[cl["p_value"] < 0.05]
    print(f"cụm không-thời gian có ý nghĩa (p < 0.05) / significant clusters: {len(sig)}")
    for (_, r), nm in zip(cl.head(5).iterrows(), names, strict=False):
        print(
            f"  #{r['rank']}: p={r['p_value']:.3f}, {r['cases']} vụ/cases "
            f"(expected {r['expected']:.1f}), {r['start'].date()} - {r['end'].date()}, "
            f"{', '.join(nm) or '-'}"
        )
    return 0


def _write_areas(cl: pd.DataFrame, names: list[list[str]], grid: Any, out: str) -> None:
    """Clusters as key areas: the union of their cells, EPSG:4326, GeoPackage/GeoJSON."""
    import geopandas as gpd
    import shapely

    polys = np.asarray(grid.polygons().values)
    geoms = [shapely.union_all(polys[np.asarray(c, dtype=int)]) for c in cl["cells"]]
    gdf = gpd.GeoDataFrame(
        {
            "rank": cl["rank"].to_numpy(),
            "p_value": cl["p_value"].to_numpy(),
            "start": cl["start"].astype(str).to_numpy(),
            "end": cl["end"].astype(str).to_numpy(),
            "cases": cl["cases"].to_numpy(),
            "expected": cl["expected"].to_numpy(),
            "llr": cl["llr"].to_numpy(),
            "communes": ["; ".join(n) for n in names],
        },
        geometry=geoms,
        crs=grid.crs,
    ).to_crs("EPSG:4326")
    driver = "GeoJSON" if Path(out).suffix.lower() in (".geojson", ".json") else "GPKG"
    gdf.to_file(out, driver=driver)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``scan`` subcommand."""
    from hotspots.data._cli import add_area_arguments, add_input_arguments

    p = subparsers.add_parser(
        "scan",
        help="space-time clusters (emerging key areas) with Monte Carlo p-values",
        description=(
            "Prospective space-time permutation scan (Kulldorff 2005, as in SaTScan): "
            "circles over grid cells times recent intervals ending at the last day; "
            "p-values from shuffling the dates among the cases."
        ),
    )
    p.add_argument("input", help="case file (CSV, XLSX, GeoJSON, GeoPackage, Shapefile)")
    add_area_arguments(p)
    add_input_arguments(p)
    p.add_argument("--cell", type=float, default=None, help="cell size in metres (default auto)")
    p.add_argument(
        "--max-radius", type=float, default=None, help="largest circle, metres (default 3 cells)"
    )
    p.add_argument(
        "--max-days",
        type=float,
        default=None,
        help="longest recent interval, days (default 30, or half the period if shorter)",
    )
    p.add_argument("--replicas", type=int, default=999, help="Monte Carlo replicas (999)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--time-column", default="occurred_at", help="date column (occurred_at)")
    p.add_argument(
        "--view",
        choices=["operational", "origin", "all"],
        default=None,
        help="case locations to count, one per case (as in backtest)",
    )
    p.add_argument("--json", default=None, help="write the clusters to this JSON file")
    p.add_argument("--out", default=None, help="write the clusters as areas (GeoPackage)")
    p.set_defaults(func=_run)
