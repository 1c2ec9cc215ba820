"""``hotspots plan``: the checkpoint rotation (Stackelberg game) options and outputs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # heavy imports stay out of ``hotspots --help``
    import geopandas as gpd
    import pandas as pd

    from hotspots.plan.game import CheckpointStrategy

__all__ = ["add_game_arguments", "solve_checkpoint_game", "record_rotation", "add_rotation_layer"]


def add_game_arguments(p: argparse.ArgumentParser) -> None:
    """Add ``--strategy``, ``--teams`` and ``--attacker-types`` to ``hotspots plan``."""
    p.add_argument(
        "--strategy",
        choices=("stackelberg", "fixed", "uniform"),
        default="stackelberg",
        help="how checkpoint teams rotate over the sites shift by shift: stackelberg (the "
        "optimal mixed strategy against traffickers who watch the checkpoints; default), "
        "fixed (the best-flow sites every shift) or uniform (random sites)",
    )
    p.add_argument(
        "--teams",
        type=int,
        default=None,
        help="checkpoint teams per shift (default: --checkpoints, so that the fixed plan "
        "and the rotation use the same number of teams)",
    )
    p.add_argument(
        "--attacker-types",
        metavar="COLUMN",
        default=None,
        help="column of the key lines grouping traffickers into types (e.g. gate: each "
        "type chooses among the lines to its gate); default: one type choosing any line",
    )


def solve_checkpoint_game(
    args: argparse.Namespace,
    lines: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    flows: gpd.GeoDataFrame | None,
) -> CheckpointStrategy:
    """Solve the checkpoint game of ``--strategy`` and ``--teams``.

    Called before routing, so that bad options stop the run at once.
    """
    from hotspots.errors import InputError
    from hotspots.plan.game import checkpoint_strategy

    teams = args.checkpoints if args.teams is None else args.teams
    if teams < 1:
        raise InputError(f"--teams must be >= 1, got {teams}")
    game = checkpoint_strategy(
        lines,
        teams,
        candidates=candidates,
        flows=flows,
        radius_m=args.radius_m,
        strategy=args.strategy,
        types=args.attacker_types,
    )
    u = game.defender_utility
    print(
        f"checkpoint rotation ({game.strategy}, {teams} team(s) per shift, "
        f"{len(game.sites)} sites): expected value {u[game.strategy]:.1f}; "
        f"stackelberg {u['stackelberg']:.1f}, fixed {u['fixed']:.1f}, "
        f"uniform {u['uniform']:.1f}"
    )
    return game


def record_rotation(
    args: argparse.Namespace,
    game: CheckpointStrategy,
    plan: Any,
    shift_starts: tuple[str, ...],
    out: Path,
) -> pd.DataFrame:
    """Draw the period's checkpoint schedule with ``--seed`` and record it.

    Writes ``checkpoint_rotation.geojson`` (sites with ``probability``, ``reason`` and
    ``shifts`` manned), adds ``probability`` to the fixed plan's sites and
    ``plan.meta["checkpoint_game"]``.

    Returns
    -------
    pandas.DataFrame
        One row per shift: ``day``, ``date``, ``shift``, ``sites``, ``names``.
    """
    start = plan.meta["start_date"]
    schedule = game.schedule(start, args.days, shift_starts, seed=args.seed)
    sites = game.to_gdf()
    sites["shifts"] = [sum(s in row for row in schedule["sites"]) for s in sites["site"]]
    sites.to_file(out / "checkpoint_rotation.geojson", driver="GeoJSON")
    if plan.checkpoints is not None:
        plan.checkpoints.sites["probability"] = game.probability_at(plan.checkpoints.sites)
    meta = game.summary()
    meta["shifts"] = len(schedule)
    meta["schedule"] = [
        {"day": int(r.day), "date": str(r.date), "shift": r.shift, "sites": list(r.sites)}
        for r in schedule.itertuples()
    ]
    plan.meta["checkpoint_game"] = meta
    return schedule


def add_rotation_layer(m: Any, game: CheckpointStrategy, schedule: pd.DataFrame) -> Any:
    """Draw the rotating checkpoint sites shaded by their probability."""
    from hotspots.maps import add_checkpoints
    from hotspots.maps.labels import label

    sites = game.to_gdf()
    sites["shifts"] = [sum(s in row for row in schedule["sites"]) for s in sites["site"]]
    sites["name"] = sites["label"]
    name = label("checkpoint_rotation", m._hotspots_lang)
    return add_checkpoints(m, sites.drop(columns=["reason"]), name=name)
