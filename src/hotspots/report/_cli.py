"""``hotspots report`` and ``hotspots demo``.

Exit codes: 0 published; 1 a notebook failed (the previous report is unchanged);
2 a parameter or input is wrong (nothing ran); 3 another run holds the lock.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hotspots.config import ReportConfig, load_config, validate_config

__all__ = ["register", "EXIT_FAILED", "EXIT_LOCKED"]

#: A notebook failed; the previous report is unchanged.
EXIT_FAILED = 1
#: Another run is writing to the same output folder.
EXIT_LOCKED = 3


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` and ``demo`` subcommands."""
    p = subparsers.add_parser(
        "report",
        help="run the notebooks and publish the report (maps, layers, index.html)",
        description=(
            "Run every report notebook with the parameters of a YAML file, export them as "
            "code-free HTML, write maps, layers, manifest.json and index.html, and publish "
            "the report atomically in OUT/current. Exit codes: 0 published, 1 a notebook "
            "failed (previous report unchanged), 2 wrong parameter or input, 3 another run "
            "is in progress."
        ),
    )
    p.add_argument("--config", required=True, type=Path, help="YAML file (examples/report.yaml)")
    p.add_argument("--out", help="output folder (overrides 'out' of the file)")
    p.add_argument("--data", help="case records (overrides 'data' of the file)")
    p.add_argument(
        "--plan-start",
        help="first day of the week's patrol plan, YYYY-MM-DD (overrides 'plan_start'; "
        "default: next Monday in Asia/Ho_Chi_Minh)",
    )
    p.add_argument(
        "--check", action="store_true", help="only validate the configuration; run nothing"
    )
    p.add_argument("--quiet", action="store_true", help="print only the result")
    p.set_defaults(func=_report)

    d = subparsers.add_parser(
        "demo",
        help="the full report on the bundled synthetic province (Lào Cai)",
        description=(
            "Generate the synthetic province, validate it, run the whole report with "
            "privacy 'shareable' and print where index.html and the cases-per-commune map are."
        ),
    )
    d.add_argument("--out", default="demo-report", help="output folder (default: demo-report)")
    d.add_argument("--province", default="Lào Cai", help="province to simulate (default Lào Cai)")
    d.add_argument("--years", type=int, default=5, help="years of synthetic data (default 5)")
    d.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    d.add_argument("--lang", choices=("vi", "en"), default="vi", help="language (default vi)")
    d.add_argument(
        "--plan-start",
        help="first day of the week's patrol plan, YYYY-MM-DD (default: next Monday)",
    )
    d.add_argument("--date-from", help="first day of the cases analysed, YYYY-MM-DD")
    d.add_argument("--date-to", help="last day of the cases analysed, YYYY-MM-DD")
    d.add_argument("--quiet", action="store_true", help="print only the result")
    d.set_defaults(func=_demo)


def _report(args: argparse.Namespace) -> int:
    config = load_config(args.config, out=args.out, data=args.data, plan_start=args.plan_start)
    if args.check:
        from hotspots.report.runner import _check_data, check_notebooks

        check_notebooks(config)
        _check_data(config)
        if config.data != "synthetic":  # the window must hold cases (named error otherwise)
            from hotspots.report.runner import data_period

            data_period(config)
        print(f"{args.config}: configuration valid ({len(config.notebooks)} notebooks)")
        return 0
    if config.provinces:
        return _run_national(config, quiet=args.quiet)
    return _run(config, quiet=args.quiet)


def _run_national(config: ReportConfig, quiet: bool) -> int:
    """``provinces:`` set: one Dask task per province; exit 1 when any province failed."""
    from hotspots.report.national import run_national

    result = run_national(config, progress=not quiet)
    print(f"national report: {result.index}")
    for r in result.failed:
        print(f"hotspots: province {r['province']} failed: {r['error']}", file=sys.stderr)
    ok = len(result.provinces) - len(result.failed)
    print(f"{ok} of {len(result.provinces)} provinces published, {len(result.failed)} failed")
    return EXIT_FAILED if result.failed else 0


def _demo(args: argparse.Namespace) -> int:
    config = validate_config(
        {
            "data": "synthetic",
            "province": args.province,
            "years": args.years,
            "seed": args.seed,
            "lang": args.lang,
            "privacy": "shareable",
            "out": args.out,
            "plan_start": args.plan_start,
            "date_from": args.date_from,
            "date_to": args.date_to,
            # the demo shows a units file: vehicles, shifts, days off, assigned areas
            "notebook_params": {"04_patrol_plan": {"units_path": "synthetic"}},
        }
    )
    return _run(config, quiet=args.quiet)


def _run(config: ReportConfig, quiet: bool) -> int:
    from hotspots.report.lock import ReportLockedError
    from hotspots.report.runner import ReportRunError, run_report

    try:
        result = run_report(config, progress=not quiet)
    except ReportLockedError as exc:
        print(f"hotspots: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except ReportRunError as exc:
        print(f"hotspots: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"report: {result.index}")
    commune_map = result.current / "maps" / "cases_per_commune.html"
    if commune_map.exists():
        print(f"cases per commune map: {commune_map}")
    if config.synthetic:
        print("SYNTHETIC / DỮ LIỆU GIẢ LẬP: the data are synthetic, not real cases")
    return 0
