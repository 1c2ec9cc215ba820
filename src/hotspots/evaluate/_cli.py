"""Subcommand ``backtest``: rolling-origin backtest of predictive maps against naive baselines."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hotspots.errors import ConfigError

__all__ = ["register"]

_DEFAULT_METHODS = "kde,gistar,prospective,sepp,auto"


def _floats(text: str, what: str) -> list[float]:
    try:
        vals = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ConfigError(
            f"--{what} must be comma-separated numbers such as 1,2,5,10,20, got {text!r}"
        ) from None
    if not vals:
        raise ConfigError(f"--{what} is empty")
    return vals


def _params(text: str | None) -> dict[str, dict]:
    if not text:
        return {}
    if text.lstrip().startswith("{"):
        raw = text
    else:
        p = Path(text)
        if not p.is_file():
            raise ConfigError(f"--params {text!r} is neither JSON (starting with '{{') nor a file")
        raw = p.read_text(encoding="utf-8")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f'--params must be JSON like \'{{"decay": {{"half_life": 30}}}}\' or a JSON file: {exc}'
        ) from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ConfigError("--params must map method names to objects of parameters")
    return data


def _run(args: argparse.Namespace) -> int:
    from hotspots.data._cli import load_input
    from hotspots.data.ingest import resolve_area
    from hotspots.evaluate.backtest import backtest

    methods = [m.strip() for m in args.method.split(",") if m.strip()]
    coverage = _floats(args.coverage, "coverage")
    params = _params(args.params)
    if args.cell is not None and args.cell <= 0:
        raise ConfigError(f"--cell must be a positive number of metres, got {args.cell}")
    cases = load_input(args, need_cases=True).cases
    area = resolve_area(args.area, args.province)
    result = backtest(
        cases,
        methods,
        cell=args.cell,
        train=args.train,
        test=args.test,
        step=args.step,
        coverage=coverage,
        area=area,
        seed=args.seed,
        time_column=args.time_column,
        params=params,
        start=args.start,
        end=args.end,
        max_windows=args.max_windows,
        view=args.view,
    )
    if args.json:
        result.to_json(args.json)
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        fig = result.plot(("hit_rate", "pai", "pei"))
        fig.savefig(args.plot, dpi=120)
    s = result.summary()
    g = result.grid
    print(
        f"{len(result.windows)} windows, grid {g.nx}x{g.ny} cells of {g.cell:g} m, "
        f"{int(result.windows['test_events'].sum())} test events "
        f"({result.view} view, one per case)"
    )
    wide = s.pivot_table(index="method", columns="coverage_pct", values="pai", sort=False)
    print("mean PAI by coverage (% of area):")
    print(wide.round(2).to_string())
    ch = result.choices()
    if len(ch):
        print("auto chose (over the curve up to 20 %; then per coverage level):")
        per = result.choices_by_coverage()
        for r in ch.itertuples():
            line = f"  window {r.window}: {r.chosen_method} {r.chosen_params}"
            if len(per):
                mine = per[per["window"] == r.window]
                line += "; " + ", ".join(
                    f"{c.coverage_pct:g}%: {c.chosen_method}" for c in mine.itertuples()
                )
            print(line)
    learned = [inf for (m, _), inf in sorted(result.info.items()) if m == "learned"]
    if learned and "importance_text" in learned[-1]:
        text = learned[-1]["importance_text"]
        print(f"learned, last window: {text['vi']} / {text['en']}")
    if args.json:
        print(f"wrote {args.json}", file=sys.stderr)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``backtest`` subcommand."""
    from hotspots.data._cli import add_area_arguments, add_input_arguments

    p = subparsers.add_parser(
        "backtest",
        help="rolling-origin backtest of risk maps (hit rate, PAI, PEI) against naive baselines",
        description=(
            "Cut the data's time span into training and test windows, fit every method on "
            "each training window and score it on the next test window. The baselines "
            "naive (events per cell over the training window) and naive_last (over its last "
            "test-length part) are always included."
        ),
    )
    p.add_argument("input", help="case file (CSV, XLSX, GeoJSON, GeoPackage, Shapefile)")
    add_area_arguments(p)
    add_input_arguments(p)
    p.add_argument(
        "--method",
        default=_DEFAULT_METHODS,
        help=f"comma-separated methods (default {_DEFAULT_METHODS}); also naive, naive_last, "
        "decay, lisa, hdbscan, blend, learned",
    )
    p.add_argument("--cell", type=float, default=None, help="cell size in metres (default: auto)")
    p.add_argument("--train", default="365D", help="training window (365D, 52W, 12M, 1Y)")
    p.add_argument("--test", default="30D", help="test window (30D, 4W, 1M)")
    p.add_argument("--step", default=None, help="move between windows (default: --test)")
    p.add_argument("--coverage", default="1,2,5,10,20", help="coverage levels, percent of the area")
    p.add_argument(
        "--time-column", default="occurred_at", help="date column to use (default occurred_at)"
    )
    p.add_argument("--start", default=None, help="start of the observed span (default: data)")
    p.add_argument("--end", default=None, help="end of the observed span (default: data)")
    p.add_argument("--max-windows", type=int, default=None, help="keep only the last N windows")
    p.add_argument("--params", default=None, help="JSON (or JSON file) {method: {param: value}}")
    p.add_argument(
        "--view",
        choices=["operational", "origin", "all"],
        default=None,
        help="case locations to count, one event per case: operational (every role but "
        "victim_home; the default for case tables with roles), origin (victim_home) or all",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--json", default=None, help="write the rows to this JSON file")
    p.add_argument("--plot", default=None, help="write a PNG of hit rate, PAI, PEI vs coverage")
    p.set_defaults(func=_run)
