"""Subcommand ``key-areas``: ranked key areas (địa bàn trọng điểm) from a case file.

``hotspots key-areas INPUT [--province P | --area FILE] --method M --cell METRES --out FILE``
reads INPUT with :func:`hotspots.read_cases`, runs :func:`hotspots.areas.key_areas.key_areas`
and writes a GeoPackage (layer ``key_areas``) or GeoJSON chosen by the extension of
``--out``; a short ranked table goes to stdout. Without ``--province``/``--area`` the
data's own extent is analysed in its UTM zone, so any city's points work.
"""

from __future__ import annotations

import argparse

from hotspots.errors import ConfigError
from hotspots.privacy import DEFAULT_THRESHOLD

__all__ = ["register"]

#: Counts below this are never published (the suppression threshold of shareable outputs).
MIN_PUBLISHED_CASES = DEFAULT_THRESHOLD


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``key-areas`` subcommand."""
    from hotspots.areas.emerging import TIME_BINS
    from hotspots.areas.key_areas import METHODS, VIEWS
    from hotspots.data._cli import add_area_arguments, add_input_arguments

    p = subparsers.add_parser(
        "key-areas",
        help="find and rank key areas (địa bàn trọng điểm)",
        description=(
            "Count cases on a grid, keep the cells that stand out (Gi* with FDR, local "
            "Moran, kernel density or HDBSCAN), merge neighbouring cells into areas and "
            "rank them by an explainable score (see docs/methods.md)."
        ),
    )
    p.add_argument("input", help="case file (CSV, XLSX, GeoJSON, GeoPackage, Shapefile)")
    add_area_arguments(p)
    add_input_arguments(p)
    p.add_argument("--method", choices=METHODS, default="gistar", help="default: gistar")
    p.add_argument(
        "--cell",
        type=float,
        default=None,
        help="cell size in metres (default: from the spacing of the case locations)",
    )
    p.add_argument("--out", help="output file: .gpkg (layer key_areas) or .geojson")
    p.add_argument(
        "--view",
        choices=VIEWS,
        default="operational",
        help="operational (where trafficking happens or passes; default), "
        "origin (where victims come from) or all",
    )
    p.add_argument("--kind", choices=["square", "hex"], default="square", help="cell shape")
    p.add_argument("--alpha", type=float, default=0.05, help="significance level (0.05)")
    p.add_argument(
        "--no-fdr", action="store_true", help="no false-discovery-rate correction (not advised)"
    )
    p.add_argument(
        "--min-cases",
        type=int,
        default=MIN_PUBLISHED_CASES,
        help=f"drop areas with fewer cases (at least {MIN_PUBLISHED_CASES})",
    )
    p.add_argument(
        "--time-bin", choices=list(TIME_BINS), default="quarter", help="time step of the trend"
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (lisa permutations)")
    p.add_argument("--top", type=int, default=10, help="rows of the table printed (10)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from hotspots.areas.key_areas import key_areas, write_layer
    from hotspots.data._cli import load_input

    if args.min_cases < MIN_PUBLISHED_CASES:
        raise ConfigError(
            f"--min-cases {args.min_cases} would publish areas with fewer than "
            f"{MIN_PUBLISHED_CASES} cases; use {MIN_PUBLISHED_CASES} or more"
        )
    if args.top < 0:
        raise ConfigError(f"--top {args.top}: give the number of rows to print, 0 or more")
    if args.cell is not None and not args.cell > 0:
        raise ConfigError(f"--cell must be a positive number of metres, got {args.cell}")
    if args.out is not None and not str(args.out).lower().endswith((".gpkg", ".geojson", ".json")):
        raise ConfigError(f"--out {args.out}: use a .gpkg or .geojson file name")
    res = load_input(args, need_cases=True)
    area = args.province if args.province is not None else args.area
    ka = key_areas(
        res.cases,
        method=args.method,
        cell=args.cell,
        area=area,
        view=args.view,
        alpha=args.alpha,
        fdr=not args.no_fdr,
        min_cases=args.min_cases,
        time_bin=args.time_bin,
        kind=args.kind,
        seed=args.seed,
    )
    meta = ka.attrs.get("hotspots", {})
    print(
        f"{len(ka)} key areas; method {args.method}, view {meta.get('view')}, "
        f"cells {meta.get('cell_m'):g} m ({meta.get('kind')}, {meta.get('crs')}), "
        f"{meta.get('cases_used')} case locations used, {meta.get('cases_outside')} outside"
    )
    if len(ka):
        cols = ["rank", "score", "cases", "victims", "z_max", "cells", "area_km2", "trend"]
        cols += ["communes"] if ka["communes"].str.len().gt(0).any() else []
        table = ka[cols].head(args.top).copy()
        table["z_max"] = table["z_max"].round(2)
        table["area_km2"] = table["area_km2"].round(2)
        if "communes" in table.columns:
            table["communes"] = table["communes"].astype(str).str.slice(0, 40)
        print(table.to_string(index=False))
    elif args.method == "lisa" and not args.no_fdr:
        print(
            "no area passed the FDR correction; with many cells the smallest permutation "
            "p-value (1/1000) may be too large: try a larger --cell or --no-fdr"
        )
    if args.out:
        path = write_layer(ka.to_gdf(), args.out)
        print(f"wrote {path}")
    return 0
