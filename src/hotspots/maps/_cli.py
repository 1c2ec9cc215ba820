"""Subcommand ``map``: one offline HTML map of cases per commune for commanders."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``map`` subcommand."""
    from hotspots.data._cli import add_area_arguments, add_input_arguments

    p = subparsers.add_parser(
        "map",
        help="offline HTML map of cases per commune (bản đồ số vụ theo xã)",
        description=(
            "Read a case file and write one self-contained HTML map of the number of cases "
            "per commune: Leaflet inline, no CDN, no tiles unless --tiles is given. The "
            "default privacy level 'shareable' suppresses counts below --threshold and "
            "shows no case point, case id or personal data."
        ),
    )
    p.add_argument("input", help="case file (CSV, XLSX, GeoJSON, GeoPackage, Shapefile)")
    add_area_arguments(p)
    add_input_arguments(p)
    p.add_argument("-o", "--out", required=True, help="output HTML file")
    p.add_argument("--lang", choices=["vi", "en"], default="vi", help="labels (default vi)")
    p.add_argument(
        "--privacy",
        choices=["shareable", "restricted"],
        default="shareable",
        help="shareable (default: aggregates only) or restricted (analysts: case points)",
    )
    p.add_argument(
        "--threshold", type=int, default=3, help="suppress counts below this (default 3)"
    )
    p.add_argument(
        "--by", choices=["cases", "victims"], default="cases", help="what colours the communes"
    )
    p.add_argument("--synthetic", action="store_true", help="mark the map as synthetic data")
    p.add_argument("--tiles", help="URL template of an intranet tile server ({z}/{x}/{y})")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:

    from hotspots.data._cli import load_input
    from hotspots.errors import InputError
    from hotspots.maps import cases_per_commune_map, save_map
    from hotspots.maps.labels import looks_synthetic

    if args.threshold < 1:
        raise InputError(f"--threshold {args.threshold}: must be at least 1 (default 3)")
    res = load_input(args)
    if len(res.cases) == 0:
        raise InputError(f"{args.input}: no usable case row; run `hotspots validate` to see why")
    province = args.province
    if args.area:
        from hotspots.data.ingest import resolve_area

        province = resolve_area(args.area)
    synthetic = args.synthetic or looks_synthetic(res.cases)
    m = cases_per_commune_map(
        res.cases,
        province=province,
        lang=args.lang,
        privacy=args.privacy,
        synthetic=synthetic,
        threshold=args.threshold,
        column=args.by,
        tiles=args.tiles,
    )
    path = save_map(m, Path(args.out))
    print(f"{path} ({path.stat().st_size / 1e6:.2f} MB, {len(res.cases)} case rows)")
    return 0
