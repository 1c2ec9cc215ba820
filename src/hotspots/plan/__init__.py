"""Patrol and checkpoint planning: travel costs, checkpoints, routes, weekly schedule.

From key areas and key lines to operations: where to set checkpoints on the corridors
(:func:`site_checkpoints`), which unit visits which key area in which shift and by
which route (:func:`plan_patrols`, :func:`weekly_schedule`, built on
:func:`solve_team_orienteering`), and exports a commander can read and a patrol can
load into a GPS device (:mod:`hotspots.plan.export`).
"""

from __future__ import annotations

import importlib

#: Public name -> module that defines it. Loaded on first use, so that importing the
#: CLI (``hotspots --help``) does not pay for PyVRP, SciPy and GeoPandas.
_NAMES = {
    "TravelModel": "travel",
    "travel_model": "travel",
    "straight_line": "travel",
    "from_network": "travel",
    "province_roads": "travel",
    "default_bases": "bases",
    "nearest_bases": "bases",
    "read_units": "bases",
    "read_units_file": "units",
    "units_at": "bases",
    "CheckpointPlan": "checkpoints",
    "candidate_sites": "checkpoints",
    "site_checkpoints": "checkpoints",
    "cover_key_areas": "checkpoints",
    "CheckpointStrategy": "game",
    "checkpoint_strategy": "game",
    "TOPSolution": "orienteering",
    "solve_team_orienteering": "orienteering",
    "solve_top_matrix": "orienteering",
    "PatrolPlan": "patrols",
    "plan_patrols": "patrols",
    "next_monday": "patrols",
    "weekly_schedule": "schedule",
    "write_gpx": "export",
    "write_gpx_per_route": "export",
    "write_geo": "export",
    "write_html": "export",
}

__all__ = list(_NAMES)


def __getattr__(name: str):
    if name in _NAMES:
        module = importlib.import_module(f"hotspots.plan.{_NAMES[name]}")
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hotspots.plan' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_NAMES))
