"""Subcommand ``plan``: checkpoints on key lines and a week of patrols over key areas."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from hotspots.errors import InputError, UnusableInputError

if TYPE_CHECKING:  # heavy imports stay out of ``hotspots --help``
    import geopandas as gpd
    import pandas as pd

__all__ = ["register", "run_plan"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``hotspots plan`` to the CLI."""
    p = subparsers.add_parser(
        "plan",
        help="checkpoints and a weekly patrol plan (GPX, GeoJSON, printable HTML)",
        description=(
            "Site checkpoints on the key lines and schedule patrols over the key areas; "
            "writes GPX for GPS devices, GeoPackage/GeoJSON and a printable table in "
            "Vietnamese."
        ),
    )
    p.add_argument("--areas", required=True, help="key areas (GeoPackage/GeoJSON polygons)")
    p.add_argument("--lines", required=True, help="key lines (GeoPackage/GeoJSON lines)")
    p.add_argument(
        "--units",
        help="units file, CSV or GeoPackage (unit, base or lon/lat, count, vehicle, speed_kmh, "
        "shift_start, shift_hours, days_off, areas; Vietnamese headers too, see "
        "docs/planning.md); default: one unit at the commune police post or border gate "
        "nearest each key area",
    )
    p.add_argument("--network", help="road network file (GeoPackage lines, .osm, .graphml)")
    p.add_argument("--days", type=int, default=7, help="days to plan (default 7)")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--province", help="province (name or code); default: from the areas")
    p.add_argument("--start", help="first day YYYY-MM-DD (default: next Monday)")
    p.add_argument("--checkpoints", type=int, default=5, help="number of checkpoints (5)")
    p.add_argument(
        "--radius-m", type=float, default=500.0, help="checkpoint interception radius (500 m)"
    )
    from hotspots.plan._game_cli import add_game_arguments

    add_game_arguments(p)  # --strategy, --teams, --attacker-types
    p.add_argument(
        "--area-checkpoints",
        type=int,
        default=0,
        help="also site this many checkpoints covering the key areas (maximal covering; 0)",
    )
    p.add_argument(
        "--area-radius-m", type=float, default=1000.0, help="area coverage radius (1000 m)"
    )
    p.add_argument("--shift-hours", type=float, default=8.0, help="shift length (8 h)")
    p.add_argument(
        "--shifts", default="06:00,14:00,22:00", help="possible shift starts (06:00,14:00,22:00)"
    )
    p.add_argument("--dwell", type=float, default=12.0, help="minutes at each stop (12)")
    p.add_argument("--speed", type=float, default=40.0, help="travel speed km/h (40)")
    p.add_argument("--circuity", type=float, default=1.3, help="road/straight ratio (1.3)")
    p.add_argument("--min-visits", type=int, default=1, help="minimum visits per area (1)")
    p.add_argument(
        "--max-visits",
        type=int,
        help="maximum visits per area in the period (default: one a day); an area's own "
        "max_visits column wins",
    )
    p.add_argument("--max-bases", type=int, default=10, help="default bases: at most this many")
    p.add_argument("--time-limit", type=float, default=40.0, help="routing seconds in total")
    p.add_argument("--seed", type=int, default=0, help="random seed (e.g. the week number)")
    p.add_argument(
        "--no-balance",
        action="store_true",
        help="do not spread a shift's stops over its units (default: when every stop fits, "
        "the longest route is shortened without dropping a stop; plan.json 'balance')",
    )
    p.add_argument(
        "--routes",
        metavar="CASES_FILE",
        help="case file with route stops (case_id, seq; read like `hotspots validate`): "
        "checkpoints are sited to intercept these case routes (one unit of volume per "
        "case) instead of the key lines",
    )
    p.add_argument(
        "--synthetic",
        action="store_true",
        help="mark outputs as synthetic data (detected by itself from a `synthetic` "
        "column, SYN- case ids or a synthetic label in the layers)",
    )
    p.set_defaults(func=run_plan)


def _read_layer(path: str, what: str, kinds: tuple[str, ...]) -> gpd.GeoDataFrame:
    import geopandas as gpd

    p = Path(path)
    if not p.exists():
        raise UnusableInputError(f"--{what}: file {p} does not exist")
    try:
        gdf = gpd.read_file(p)
    except Exception as exc:
        raise UnusableInputError(f"--{what}: cannot read {p}: {exc}") from exc
    if len(gdf) == 0:
        raise UnusableInputError(f"--{what}: {p} has no features")
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    bad = ~gdf.geom_type.isin(kinds)
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise UnusableInputError(
            f"--{what}: feature {i + 1} of {p.name} is a {gdf.geom_type.iloc[i]}; "
            f"expected {' or '.join(kinds)}"
        )
    if gdf.crs is None:
        gdf = gdf.set_crs("EPSG:4326")
    return gdf.to_crs("EPSG:4326").reset_index(drop=True)


def _read_flows(path: str, province: str) -> tuple[gpd.GeoDataFrame, bool]:
    """Case routes of ``path`` as flow lines (``cases`` = 1 each) and whether synthetic."""
    from hotspots.data.ingest import read_cases
    from hotspots.lines.routes import route_lines
    from hotspots.maps.labels import looks_synthetic

    if not Path(path).exists():
        raise UnusableInputError(f"--routes: file {path} does not exist")
    res = read_cases(path, province=province)
    routes = res.routes
    if routes is None or len(routes) == 0:
        raise UnusableInputError(
            f"--routes {path}: no route stops found; the file needs case_id and seq (the "
            "order of the stops of each case); run `hotspots validate` to see the rows"
        )
    flows = route_lines(routes)
    if len(flows) == 0:
        raise UnusableInputError(
            f"--routes {path}: no case has two stops at different places, so there is no "
            "route to intercept"
        )
    flows = flows[["geometry"]].assign(cases=1)
    synthetic = looks_synthetic(res.cases) or looks_synthetic(routes)
    return flows, synthetic


def _province_of(areas: gpd.GeoDataFrame) -> str:
    import geopandas as gpd

    from hotspots import geodata

    provs = geodata.provinces()
    c = areas.to_crs(3857).geometry.union_all().centroid
    pt = gpd.GeoSeries([c], crs=3857).to_crs(provs.crs).iloc[0]
    hit = provs[provs.contains(pt)]
    if len(hit) == 0:
        raise InputError("the key areas are not inside a Vietnamese province; give --province")
    return str(hit["code"].iloc[0])


def _check_areas_in(areas: gpd.GeoDataFrame, province: str) -> None:
    """Raise when no key area touches ``--province`` (bases and gates would be elsewhere)."""
    import geopandas as gpd

    from hotspots import geodata

    row = geodata.province(province)  # an unknown name is a LookupNameError with matches
    shape = gpd.GeoSeries([row.geometry], crs="EPSG:4326").to_crs(areas.crs).iloc[0]
    if not areas.geometry.intersects(shape).any():
        found = _province_of(areas)
        name = geodata.province(found)["name"]
        raise InputError(
            f"--province {province}: none of the key areas lies in it (they are in {name}); "
            f"give --province {name} or leave --province out"
        )


def _area_candidates(areas, gates, seats):
    """Candidate sites for area coverage: gates, commune seats, a point in each area."""
    import geopandas as gpd
    import pandas as pd

    pts = areas.geometry.representative_point()
    inside = gpd.GeoDataFrame(
        {"kind": "key_area", "name": [f"Địa bàn {i + 1}" for i in range(len(areas))]},
        geometry=pts.to_numpy(),
        crs=areas.crs,
    )
    if "rank" in areas:
        inside["name"] = [f"Địa bàn {r}" for r in areas["rank"]]
    frames = [inside]
    for kind, f in (("border_gate", gates), ("commune_seat", seats)):
        if f is not None and len(f):
            frames.append(
                gpd.GeoDataFrame(
                    {"kind": kind, "name": f["name"].astype(str).to_numpy()},
                    geometry=f.geometry.to_numpy(),
                    crs=f.crs,
                ).to_crs(areas.crs)
            )
    return gpd.GeoDataFrame(
        pd.concat(frames, ignore_index=True), geometry="geometry", crs=areas.crs
    )


def _start_date(text: str | None) -> pd.Timestamp:
    """``--start`` as a date (strictly ``YYYY-MM-DD``); default: the next Monday."""
    import datetime as dt

    import pandas as pd

    from hotspots.plan.patrols import next_monday

    if not text:
        return next_monday()
    try:
        return pd.Timestamp(dt.date.fromisoformat(text.strip()))
    except ValueError as exc:
        raise InputError(
            f"--start {text!r} is not a date: {exc}; write it as YYYY-MM-DD, e.g. 2026-12-07"
        ) from None


def _read_unit_rows(path: str, bases, areas, out: Path) -> tuple[gpd.GeoDataFrame, dict]:
    """Read ``--units``; bad rows go to ``units_quarantine.csv`` and are printed."""
    from hotspots.plan.units import read_units_file

    res = read_units_file(path, bases, areas)
    info = {
        "file": str(path),
        "rows_read": res.rows_read,
        "units": len(res.units),
        "quarantined": len(res.quarantine),
    }
    if len(res.quarantine):
        res.quarantine.to_csv(out / "units_quarantine.csv", index=False, encoding="utf-8")
        print(
            f"warning: {len(res.quarantine)} row(s) of {Path(path).name} left out "
            f"(written to {out / 'units_quarantine.csv'}):"
        )
        for line in res.messages():
            print(f"  {line}")
    return res.units, info


def run_plan(args: argparse.Namespace) -> int:
    """Run ``hotspots plan``: read, site checkpoints, solve the game, route, write, report."""
    from hotspots.plan import bases as B
    from hotspots.plan._game_cli import record_rotation, solve_checkpoint_game
    from hotspots.plan.checkpoints import candidate_sites, site_checkpoints
    from hotspots.plan.schedule import weekly_schedule
    from hotspots.plan.travel import read_network, travel_model

    if args.days < 1 or args.days > 62:
        raise InputError(f"--days must be between 1 and 62, got {args.days}")
    from hotspots.maps.labels import looks_synthetic

    areas = _read_layer(args.areas, "areas", ("Polygon", "MultiPolygon", "Point"))
    lines = _read_layer(args.lines, "lines", ("LineString", "MultiLineString"))
    synthetic = bool(args.synthetic) or looks_synthetic(areas) or looks_synthetic(lines)
    province = args.province or _province_of(areas)
    if args.province:
        _check_areas_in(areas, province)
    start = _start_date(args.start)
    shifts = tuple(s.strip() for s in args.shifts.split(",") if s.strip())

    all_bases = B.default_bases(province)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    units_info = None
    if args.units:
        units, units_info = _read_unit_rows(args.units, all_bases, areas, out)
    else:
        units = B.units_at(B.nearest_bases(all_bases, areas, args.max_bases))
    roads = read_network(args.network) if args.network else None
    travel = travel_model(roads, speed_kmh=args.speed, circuity=args.circuity)
    if args.network:
        travel.source = str(args.network)

    from hotspots import geodata

    gates = geodata.border_gates()
    gates = gates[gates["province_code"].astype(str) == geodata.province_code(province)]
    cands = candidate_sites(
        lines, gates=gates, seats=geodata.communes(province=province), roads=roads
    )
    flows = None
    if args.routes:
        flows, routes_synthetic = _read_flows(args.routes, province)
        synthetic = synthetic or routes_synthetic
    checkpoints = site_checkpoints(
        lines, args.checkpoints, candidates=cands, flows=flows, radius_m=args.radius_m
    )
    game = solve_checkpoint_game(args, lines, cands, flows)  # before routing: fails fast

    plan = weekly_schedule(
        areas,
        units,
        travel,
        days=args.days,
        start_date=start,
        shift_starts=shifts,
        shift_hours=args.shift_hours,
        dwell_min=args.dwell,
        min_visits=args.min_visits,
        max_visits=args.max_visits,
        seed=args.seed,
        time_limit=args.time_limit,
        balance=not args.no_balance,
    )
    plan.checkpoints = checkpoints
    plan.meta["checkpoints"] = _checkpoints_meta(args, checkpoints, flows)
    rotation = record_rotation(args, game, plan, shifts, out)
    area_cp = _area_checkpoints(args, areas, gates, province, plan, out)
    plan.meta["province"] = province
    plan.meta["units_file"] = units_info
    plan.meta["synthetic"] = synthetic
    _write_plan(args, plan, out, synthetic, area_cp, game, rotation, roads, province)
    _print_summary(args, plan, checkpoints, flows, out, synthetic)
    return 0


def _checkpoints_meta(args: argparse.Namespace, checkpoints, flows) -> dict:
    """``plan.json``'s ``checkpoints`` block: the fixed best-flow sites and their model."""
    return {
        "model": checkpoints.model,
        "p": args.checkpoints,
        "radius_m": args.radius_m,
        "intercepted": checkpoints.intercepted,
        "total": checkpoints.total,
        "gap": checkpoints.gap,
        "unused": checkpoints.params["unused"],
        "status": checkpoints.status,
        "demand": "case routes" if flows is not None else "key lines",
        "routes": len(flows) if flows is not None else None,
    }


def _area_checkpoints(args: argparse.Namespace, areas, gates, province: str, plan, out: Path):
    """Checkpoints covering the key areas (``--area-checkpoints``), written and recorded."""
    if args.area_checkpoints <= 0:
        return None
    from hotspots import geodata
    from hotspots.plan.checkpoints import cover_key_areas

    area_cp = cover_key_areas(
        areas,
        args.area_checkpoints,
        _area_candidates(areas, gates, geodata.communes(province=province)),
        radius_m=args.area_radius_m,
    )
    area_cp.to_file(out / "area_checkpoints.geojson")
    plan.meta["area_checkpoints"] = {
        "model": area_cp.model,
        "p": args.area_checkpoints,
        "radius_m": args.area_radius_m,
        "covered": area_cp.intercepted,
        "total": area_cp.total,
        "gap": area_cp.gap,
        "unused": area_cp.params["unused"],
    }
    return area_cp


def _write_plan(
    args: argparse.Namespace, plan, out: Path, synthetic: bool, area_cp, game, rotation,
    roads, province: str,
) -> None:  # fmt: skip
    """Write the layers, GPX, printable plan, overview map and ``plan.json``."""
    from hotspots.maps import save_map
    from hotspots.plan._game_cli import add_rotation_layer
    from hotspots.plan.export import write_geo, write_gpx, write_gpx_per_route, write_html

    write_geo(plan, out / "plan.gpkg")
    write_geo(plan, out / "patrols.geojson")
    plan.checkpoints.to_file(out / "checkpoints.geojson")
    write_gpx(plan, out / "patrols.gpx", synthetic=synthetic)
    write_gpx_per_route(plan, out / "gpx", synthetic=synthetic)
    write_html(
        plan, out / "ke_hoach_tuan_tra.html", synthetic=synthetic, area_checkpoints=area_cp,
        rotation=game, rotation_schedule=rotation,
    )  # fmt: skip
    fixed_sites, plan.checkpoints = plan.checkpoints, None  # the map shows the rotation
    gpkg = args.network if args.network and str(args.network).endswith(".gpkg") else None
    overview = plan.explore(area=province, synthetic=synthetic, roads=roads, places=gpkg)
    plan.checkpoints = fixed_sites
    add_rotation_layer(overview, game, rotation)
    save_map(overview, out / "ban_do_tuan_tra.html")
    (out / "plan.json").write_text(
        json.dumps(plan.meta, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )


def _print_summary(args: argparse.Namespace, plan, checkpoints, flows, out: Path, synthetic):
    """The lines ``hotspots plan`` prints when done (counts, notes, warnings)."""
    print(
        f"{len(plan.routes)} patrols, {len(plan.stops)} visits, "
        f"{len(checkpoints.sites)} checkpoints ({checkpoints.share:.0%} of "
        f"{'case-route' if flows is not None else 'line'} volume) "
        f"-> {out}"
    )
    if checkpoints.params["unused"]:
        print(
            f"note: {checkpoints.params['unused']} of the {args.checkpoints} checkpoints would "
            "intercept nothing more (the key lines are already covered); left out"
        )
    if synthetic:
        print("SYNTHETIC / DỮ LIỆU GIẢ LẬP: the outputs are marked as made from synthetic data")
    if not plan.meta["min_visits_met"]:
        print(f"warning: minimum visits not met for {len(plan.meta['shortfall'])} area(s)")
