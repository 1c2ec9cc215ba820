"""Subcommands ``validate`` and ``synth``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hotspots.errors import ConfigError, UnusableInputError

if TYPE_CHECKING:
    from hotspots.data.ingest import IngestResult

__all__ = ["register", "add_area_arguments", "add_input_arguments", "load_input"]


def add_area_arguments(p: argparse.ArgumentParser) -> None:
    """Add the ``--province P | --area FILE`` pair shared by the analysis commands."""
    g = p.add_mutually_exclusive_group()
    g.add_argument("--province", help="Vietnamese province (name or code, 2025 structure)")
    g.add_argument("--area", help="polygon file (GeoJSON, GeoPackage, Shapefile) of the area")


def add_input_arguments(p: argparse.ArgumentParser) -> None:
    """Add the reading options shared by every command that reads a case file."""
    p.add_argument("--mapping", help="column mapping file (YAML/JSON/CSV: source,target)")
    p.add_argument(
        "--table",
        help="with a postgresql://user@host:5432/db input: the table (schema.name) of cases; "
        "the password comes from PGPASSWORD or ~/.pgpass",
    )
    p.add_argument("--query", help="with a postgresql:// input: a SELECT whose rows are the cases")
    p.add_argument(
        "--crs",
        help="CRS of the coordinates if not WGS84 lon/lat "
        "(EPSG:32648, VN-2000, VN-2000/TM3:104.75)",
    )
    p.add_argument("--encoding", help="text encoding of a CSV (utf-8, cp1258); detected if absent")
    p.add_argument(
        "--sheet",
        help="XLSX sheet or GeoPackage layer, by name or 0-based number (default: the first "
        "sheet; the only layer with features)",
    )
    p.add_argument(
        "--date-order",
        choices=["auto", "dmy", "mdy", "ymd"],
        default="auto",
        help="how to read slash dates (default auto: per column, month first when a second "
        "field is above 12 and no first field is, as in US exports; else dd/mm/yyyy)",
    )
    p.add_argument(
        "--outside",
        choices=["quarantine", "flag"],
        default="quarantine",
        help="what to do with points outside the province/area",
    )


def _shown(source: str) -> str:
    """The input as printed: a database URL with its password masked."""
    from hotspots.data.database import mask_text

    return mask_text(str(source))


def load_input(args: argparse.Namespace, *, need_cases: bool = False) -> IngestResult:
    """Read INPUT with the shared options; returns an :class:`IngestResult`.

    With ``need_cases`` (the analysis commands) the row counts go to stderr and a file
    with no accepted row is an :class:`~hotspots.errors.UnusableInputError` that names
    the commonest reason.
    """
    from hotspots.data.ingest import read_cases

    res = read_cases(
        args.input,
        province=getattr(args, "province", None),
        area=getattr(args, "area", None),
        mapping=getattr(args, "mapping", None),
        crs=getattr(args, "crs", None),
        encoding=getattr(args, "encoding", None),
        sheet=getattr(args, "sheet", None),
        date_order=getattr(args, "date_order", "auto"),
        outside=getattr(args, "outside", "quarantine"),
        table=getattr(args, "table", None),
        query=getattr(args, "query", None),
    )
    if need_cases:
        print(
            f"{_shown(args.input)}: {res.rows_read} rows read, {res.accepted} accepted, "
            f"{res.quarantined} quarantined (run `hotspots validate` for the reasons)",
            file=sys.stderr,
        )
        if res.accepted == 0:
            reasons = res.by_reason()
            top = max(reasons, key=reasons.get) if reasons else "unknown"
            raise UnusableInputError(
                f"{_shown(args.input)}: no row was accepted ({res.quarantined} quarantined, mostly "
                f"{top!r}); run `hotspots validate {_shown(args.input)}` to see why"
            )
    return res


def _validate(args: argparse.Namespace) -> int:
    if args.show is not None and args.show < 0:
        raise ConfigError(f"--show {args.show}: give the number of rows to list, 0 or more")
    res = load_input(args)
    d = res.to_dict()
    print(
        f"{_shown(args.input)}: {d['rows_read']} rows read, {d['accepted']} accepted, "
        f"{d['quarantined']} quarantined"
    )
    summary = res.summary()
    if len(summary):
        width = max(len(r) for r in summary["reason"])
        print(f"\n  {'outcome':<11} {'reason':<{width}} {'rows':>6}  meaning")
        for row in summary.itertuples():
            print(f"  {row.outcome:<11} {row.reason:<{width}} {row.rows:>6}  {row.meaning}")
    notes = []
    if res.info.get("crs_detected"):
        notes.append(f"CRS of x/y: {res.info['crs']} ({res.info['crs_detected']})")
    if res.info.get("title_rows"):
        rows = ", ".join(str(r) for r in res.info["title_rows"])
        notes.append(f"rows {rows} above the header were read as a title, not as cases")
    from hotspots.data.dates import ORDER_NAMES

    for dd in res.info.get("date_orders", {}).values():
        if dd["why"] != "no slash dates":
            how = ORDER_NAMES[dd["order"]]
            notes.append(f"dates in '{dd['column']}' read as {how} ({dd['why']})")
    for key in ("lonlat_in_metres", "xy_order", "xy_in_degrees", "commune_column_ignored"):
        if res.info.get(key):
            notes.append(res.info[key])
    for h, what in res.info.get("duplicate_columns", {}).items():
        notes.append(f"column '{h}': {what}")
    if notes:
        print("\nNotes:")
        for note in notes:
            print(f"  {note}")
    if res.quarantined:
        show = res.quarantine if args.show is None else res.quarantine.head(args.show)
        which = "all" if len(show) == res.quarantined else f"first {len(show)} of"
        print(f"\nQuarantined rows ({which} {res.quarantined}):")
        for row in show.itertuples():
            col = f" [{row.column}]" if row.column else ""
            print(f"  row {row.source_row}{col}: {row.reason}: {row.message}")
    if res.info.get("pii_columns"):
        print(f"\nPII columns kept apart (never written): {', '.join(res.info['pii_columns'])}")
    if args.quarantine:
        out = Path(args.quarantine)
        out.parent.mkdir(parents=True, exist_ok=True)
        res.quarantine.to_csv(out, index=False, encoding="utf-8-sig")
        print(f"\nquarantine written to {out}")
    if args.json:
        out = Path(args.json)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(d, ensure_ascii=False, indent=2), encoding="utf-8")
    if args.strict and res.quarantined:
        return 1
    return 0


def _synth(args: argparse.Namespace) -> int:
    from hotspots.synthetic import SYNTHETIC_LABEL, generate

    data = generate(
        province=args.province, years=args.years, seed=args.seed, out=args.out, n_cases=args.cases
    )
    meta = data.truth["meta"]
    print(
        f"{SYNTHETIC_LABEL}: {meta['cases']} cases ({meta['rows']} located stops) in "
        f"{meta['parameters']['province']}, {meta['period'][0]} – {meta['period'][1]}"
    )
    for name, path in data.files.items():
        print(f"  {name}: {path}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Register ``validate`` and ``synth``."""
    p = sub.add_parser(
        "validate",
        help="check a case file and list every rejected row with its reason",
        description="Read a case file, check every row and print a summary by reason. "
        "Exit 0 when the file was read (even with quarantined rows), 1 with --strict when "
        "any row was quarantined, 2 when the file as a whole is unusable.",
    )
    p.add_argument(
        "input",
        help="case file: CSV, XLSX, GeoJSON, GeoPackage or Shapefile, or a database URL "
        "postgresql://user@host:5432/db with --table or --query",
    )
    add_area_arguments(p)
    add_input_arguments(p)
    p.add_argument("--quarantine", metavar="OUT.csv", help="write the quarantined rows here")
    p.add_argument("--json", metavar="OUT.json", help="write the summary as JSON here")
    p.add_argument("--strict", action="store_true", help="exit 1 if any row was quarantined")
    p.add_argument(
        "--show",
        type=int,
        default=None,
        metavar="N",
        help="print only the first N quarantined rows (default: every one)",
    )
    p.set_defaults(func=_validate)

    p = sub.add_parser(
        "synth",
        help="write synthetic demo cases with a planted truth (DỮ LIỆU GIẢ LẬP)",
        description="Generate clearly labelled synthetic cases on real geography, with the "
        "planted key areas, key lines and emerging hot spot saved beside them.",
    )
    p.add_argument("--province", default="Lào Cai", help="province (default Lào Cai)")
    p.add_argument("--years", type=int, default=5, help="years of data (default 5)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--cases", type=int, default=None, help="number of cases (default 120/year)")
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(func=_synth)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(0)
