"""Subcommand ``roads``: a province's road network from an OpenStreetMap extract.

``hotspots roads EXTRACT.osm.pbf --province P [--area FILE] [--margin-km 10]
[--speeds FILE] --out roads.gpkg``
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``roads`` subcommand."""
    from hotspots.data._cli import add_area_arguments

    p = subparsers.add_parser(
        "roads",
        help="cut a province's roads, places and border crossings from an OSM extract",
        description=(
            "Stream a national OpenStreetMap extract (.osm.pbf) and write the roads of a "
            "province (with a margin beyond its border) as a routable GeoPackage that "
            "every --network option takes: layers roads, places, border_crossings, "
            "police; its graph is cached beside it (see docs/roads.md)."
        ),
    )
    p.add_argument("extract", help="OpenStreetMap extract of the country (.osm.pbf)")
    add_area_arguments(p)
    p.add_argument(
        "--margin-km",
        type=float,
        default=10.0,
        help="also keep roads within this distance beyond the border (10)",
    )
    p.add_argument(
        "--speeds",
        help="CSV (class,car,motorbike,foot) or YAML of km/h per road class, "
        "overriding the defaults",
    )
    p.add_argument("--out", required=True, help="output GeoPackage (.gpkg)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from hotspots.roads import ATTRIBUTION, cut_roads, load_graph, write_roads

    layers = cut_roads(
        args.extract,
        province=args.province,
        area=args.area,
        margin_km=args.margin_km,
        speeds=args.speeds,
    )
    out = write_roads(layers, args.out)
    graph = load_graph(out)  # builds the cache now, so the first --network use is fast
    roads = layers["roads"]
    km = roads["length_m"].sum() / 1000.0
    counts = ", ".join(f"{k} {len(v)}" for k, v in layers.items() if k != "roads")
    print(
        f"{out}: {len(roads)} road segments ({km:,.0f} km), {len(graph.nodes)} junctions; "
        f"{counts}. Data {ATTRIBUTION}.",
        file=sys.stdout,
    )
    return 0
