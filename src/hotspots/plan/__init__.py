"""Patrol and checkpoint planning: travel costs, checkpoints, routes, weekly schedule.

From key areas and key lines to operations: where to set checkpoints on the corridors
(:func:`site_checkpoints`), which unit visits which key area in which shift and by
which route (:func:`plan_patrols`, :func:`weekly_schedule`, built on
:func:`solve_team_orienteering`), and exports a commander can read and a patrol can
load into a GPS device (:mod:`hotspots.plan.export`).
"""

from hotspots.plan.bases import default_bases, nearest_bases, read_units, units_at
from hotspots.plan.checkpoints import (
    CheckpointPlan,
    candidate_sites,
    cover_key_areas,
    site_checkpoints,
)
from hotspots.plan.export import write_geo, write_gpx, write_gpx_per_route, write_html
from hotspots.plan.orienteering import TOPSolution, solve_team_orienteering, solve_top_matrix
from hotspots.plan.patrols import PatrolPlan, plan_patrols
from hotspots.plan.schedule import weekly_schedule
from hotspots.plan.travel import TravelModel, from_network, straight_line, travel_model

__all__ = [
    "TravelModel",
    "travel_model",
    "straight_line",
    "from_network",
    "default_bases",
    "nearest_bases",
    "read_units",
    "units_at",
    "CheckpointPlan",
    "candidate_sites",
    "site_checkpoints",
    "cover_key_areas",
    "TOPSolution",
    "solve_team_orienteering",
    "solve_top_matrix",
    "PatrolPlan",
    "plan_patrols",
    "weekly_schedule",
    "write_gpx",
    "write_gpx_per_route",
    "write_geo",
    "write_html",
]
