"""Victims first: support within reach of where victims come from, and awareness work.

* :mod:`~hotspots.support.facilities` — the facilities file (shelters, health, police
  posts, legal aid, reception points), bad rows quarantined;
* :mod:`~hotspots.support.reach` — travel time from communes and origin key areas to the
  nearest facility of each type, service areas, share of victims within reach;
* :mod:`~hotspots.support.siting` — k new sites by maximal covering or p-median (MILP);
* :mod:`~hotspots.support.awareness` — communes to aim awareness work at.

``hotspots support`` (:mod:`hotspots.support._cli`) runs them all.
"""

from hotspots.support.awareness import commune_risk, select_awareness
from hotspots.support.facilities import (
    FACILITY_TYPE_VI,
    FACILITY_TYPES,
    FacilitiesResult,
    read_facilities_file,
)
from hotspots.support.reach import (
    beyond_reach,
    reach_table,
    service_areas,
    support_travel,
    victims_within,
)
from hotspots.support.siting import SitingResult, solve_siting

__all__ = [
    "FACILITY_TYPES",
    "FACILITY_TYPE_VI",
    "FacilitiesResult",
    "read_facilities_file",
    "support_travel",
    "reach_table",
    "service_areas",
    "victims_within",
    "beyond_reach",
    "solve_siting",
    "SitingResult",
    "commune_risk",
    "select_awareness",
]
