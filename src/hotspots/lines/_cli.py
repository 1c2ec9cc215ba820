"""Subcommand ``key-lines``: ranked key lines (tuyến trọng điểm) from case routes.

``hotspots key-lines INPUT [--province P | --area FILE] [--network FILE] --out FILE``

INPUT is a case file read with :func:`hotspots.read_cases` (its route stops: ``case_id``
+ ``seq``), or a plain origin-destination table with columns ``origin_lon``,
``origin_lat``, ``dest_lon``, ``dest_lat`` (WGS84) and optionally ``count``. The output
is a GeoPackage with layers ``key_lines``, ``corridors`` (and ``road_segments`` with a
network) or a GeoJSON of the lines with sibling files; a ranked table goes to stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from hotspots.errors import ConfigError, HotspotsError, UnusableInputError
from hotspots.privacy import DEFAULT_THRESHOLD

__all__ = ["register"]

#: Key lines behind fewer cases are never published (suppression threshold).
MIN_PUBLISHED_CASES = DEFAULT_THRESHOLD  # no line behind fewer cases than shareable counts


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``key-lines`` subcommand."""
    from hotspots.data._cli import add_area_arguments, add_input_arguments

    p = subparsers.add_parser(
        "key-lines",
        help="find and rank key lines (tuyến trọng điểm)",
        description=(
            "Cut case routes into pieces, group the pieces that many routes share "
            "(TRACLUS-style sub-trajectory clustering) and rank the corridors with their "
            "cases, victims, direction and exit gate (see docs/lines.md)."
        ),
    )
    p.add_argument(
        "input",
        help="case file with route stops (case_id, seq, ...) or an origin-destination "
        "table (origin_lon, origin_lat, dest_lon, dest_lat[, count])",
    )
    add_area_arguments(p)
    add_input_arguments(p)
    p.add_argument(
        "--network",
        help="road network: GeoPackage (layer roads, as `hotspots roads` writes) or GeoJSON "
        "lines, GraphML or .osm; key lines then follow the roads and name them",
    )
    p.add_argument("--out", help="output file: .gpkg (layers key_lines, corridors) or .geojson")
    p.add_argument(
        "--eps", type=float, default=2000.0, help="neighbourhood radius in metres (2000)"
    )
    p.add_argument(
        "--min-routes",
        type=int,
        default=5,
        help=f"fewest cases on a key line (5; at least {MIN_PUBLISHED_CASES})",
    )
    p.add_argument(
        "--undirected",
        action="store_true",
        help="journeys both ways along a corridor make one line",
    )
    p.add_argument(
        "--gate-distance",
        type=float,
        default=10_000.0,
        help="largest distance (m) from a line's end to a border gate (10000)",
    )
    p.add_argument("--top", type=int, default=10, help="rows of the table printed (10)")
    p.set_defaults(func=_run)


def _od_table(path: str, encoding: str | None):
    """The raw table and its OD column names when INPUT is an origin-destination table."""
    from hotspots.data.columns import od_columns
    from hotspots.data.readers import read_raw

    try:
        raw = read_raw(path, encoding=encoding)
    except Exception:  # noqa: BLE001 - let read_cases report an unreadable file
        return None, None
    return raw, od_columns([str(c) for c in raw.frame.columns])


def _read_od(raw, names: dict[str, str]):
    import pandas as pd

    from hotspots.lines.routes import routes_from_od

    frame = raw.frame.rename(columns={v: k for k, v in names.items()})
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    frame = frame.replace("", pd.NA)
    return routes_from_od(frame)


def _run(args: argparse.Namespace) -> int:
    from hotspots.lines.key_lines import key_lines
    from hotspots.maps.labels import looks_synthetic

    if args.min_routes < MIN_PUBLISHED_CASES:
        raise ConfigError(
            f"--min-routes {args.min_routes} would publish lines behind fewer than "
            f"{MIN_PUBLISHED_CASES} cases; use {MIN_PUBLISHED_CASES} or more"
        )
    if not args.eps > 0:
        raise ConfigError(f"--eps must be a positive number of metres, got {args.eps}")
    if args.out is not None and not str(args.out).lower().endswith((".gpkg", ".geojson", ".json")):
        raise ConfigError(f"--out {args.out}: use a .gpkg or .geojson file name")
    if args.top < 0:
        raise ConfigError(f"--top {args.top}: give 0 or more rows to print")
    if args.gate_distance is not None and not args.gate_distance >= 0:
        raise ConfigError(
            f"--gate-distance {args.gate_distance}: give a distance in metres, 0 or more"
        )
    if args.out is not None:
        folder = Path(args.out).resolve().parent
        if not folder.is_dir() or not os.access(folder, os.W_OK):
            raise ConfigError(
                f"--out {args.out}: folder {folder} does not exist or is not writable"
            )
    if args.network is not None and not Path(args.network).exists():
        raise ConfigError(f"--network {args.network}: no such file")
    if not Path(args.input).exists():
        raise UnusableInputError(f"{args.input}: no such file")

    raw, od_names = _od_table(args.input, args.encoding)
    if od_names is not None:
        routes = _read_od(raw, od_names)
        synthetic = False
        if args.province or args.area:
            routes = _clip_od(routes, args)
        print(f"{args.input}: origin-destination table, {len(routes) // 2} flows", file=sys.stderr)
    else:
        from hotspots.data._cli import load_input

        res = load_input(args)
        print(
            f"{args.input}: {res.rows_read} rows read, {res.accepted} accepted, "
            f"{res.quarantined} quarantined (run `hotspots validate` for the reasons)",
            file=sys.stderr,
        )
        routes = res.routes
        synthetic = looks_synthetic(res.cases)
        if routes is None or len(routes) == 0:
            raise UnusableInputError(
                f"{args.input}: no route stops found; key lines need rows with case_id and "
                "seq (the order of the stops of each case), or an origin-destination table "
                "with origin_lon, origin_lat, dest_lon, dest_lat"
            )
    kl = key_lines(
        routes,
        eps=args.eps,
        min_routes=args.min_routes,
        directed=not args.undirected,
        gate_distance=args.gate_distance,
        network=args.network,
    )
    n_routes = routes["case_id"].nunique()
    print(f"{len(kl)} key lines from {n_routes} routes (eps {args.eps:g} m)")
    if len(kl):
        cols = ["rank", "cases", "victims", "share", "length_km", "direction", "heading", "gate"]
        if args.network is not None:  # the roads each line follows, then its gate
            cols += ["itinerary", "line_model"]
        table = kl.lines[cols].head(args.top).copy()
        table["share"] = (100 * table["share"]).round(1).astype(str) + "%"
        table["length_km"] = table["length_km"].round(1)
        print(table.to_string(index=False))
    if synthetic:
        # carried into the layers so that `hotspots plan` puts the banner on its outputs
        kl.lines["synthetic"] = "yes"
        kl.corridors["synthetic"] = "yes"
        print("SYNTHETIC / DỮ LIỆU GIẢ LẬP: the input is synthetic data")
    if args.out:
        try:
            path = kl.to_file(args.out)
        except Exception as exc:  # pyogrio's DataSourceError is not an OSError
            if isinstance(exc, HotspotsError):
                raise
            raise UnusableInputError(f"--out {args.out}: cannot write the file ({exc})") from exc
        print(f"wrote {path}")
    return 0


def _clip_od(routes, args):
    """Keep the flows with an origin or a destination inside the province / area."""
    from hotspots.data.ingest import resolve_area

    shape = resolve_area(args.area, args.province).geometry.iloc[0]
    inside = routes.geometry.within(shape)
    keep = inside.groupby(routes["case_id"]).transform("any")
    return routes[keep].reset_index(drop=True)
