"""Views of a CaseTable: which case locations an analysis counts, and once per case.

A CaseTable has one row per case *location* (victim's home, recruitment, transit, exit,
rescue, ...), so one case usually has several rows. Analyses count cases per **view**:

``"operational"``
    every role except ``victim_home`` (where trafficking happens or passes);
``"origin"``
    ``victim_home`` (where victims come from);
``"all"``
    every row.

Tables without a ``role`` column (foreign data, plain incident points) use every row
whatever the view. :func:`first_per_case` keeps one row per case and view, the case's
first stop of that view (by ``seq`` when there is one, else by time, else by row order),
so a case with three transit stops is one event, not three near-repeats.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.data.schema import ORIGIN_ROLES
from hotspots.errors import ConfigError

__all__ = ["VIEWS", "default_view", "select_view", "first_per_case"]

#: Views: which case locations are analysed.
VIEWS = ("operational", "origin", "all")


def default_view(cases: pd.DataFrame) -> str:
    """``"operational"`` for tables with a ``role`` column, else ``"all"``."""
    return "operational" if "role" in cases.columns else "all"


def select_view(cases: gpd.GeoDataFrame, view: str) -> gpd.GeoDataFrame:
    """The rows of ``cases`` in ``view`` (every row when there is no ``role`` column).

    Raises
    ------
    ConfigError
        ``view`` is not one of :data:`VIEWS`.
    """
    if view not in VIEWS:
        raise ConfigError(f"view {view!r} is not known; use one of {', '.join(VIEWS)}")
    if view == "all" or "role" not in cases.columns:
        return cases
    origin = cases["role"].astype(str).isin(ORIGIN_ROLES).to_numpy()
    return cases[origin] if view == "origin" else cases[~origin]


def first_per_case(cases: gpd.GeoDataFrame, time_column: str | None = None) -> gpd.GeoDataFrame:
    """One row per ``case_id``: the case's first stop (tables without ``case_id``: as is).

    Order: ``seq`` when the table has it, else ``time_column`` (missing times last), else
    the row order; ties keep the row order. Rows without a ``case_id`` are each their own
    case. The original row order of the kept rows is preserved.
    """
    if "case_id" not in cases.columns or len(cases) == 0:
        return cases
    keys: list[np.ndarray] = []
    if "seq" in cases.columns:
        keys.append(pd.to_numeric(cases["seq"], errors="coerce").fillna(np.inf).to_numpy(float))
    elif time_column is not None and time_column in cases.columns:
        t = pd.to_datetime(cases[time_column], errors="coerce", utc=True)
        keys.append(np.where(t.isna(), np.inf, t.astype("int64").astype(float)))
    pos = np.arange(len(cases))
    order = np.lexsort((pos, *reversed(keys))) if keys else pos
    ids = cases["case_id"]
    missing = ids.isna().to_numpy()
    key = np.array([str(v) for v in ids.to_numpy(dtype=object)], dtype=object)
    key[missing] = [f"\x00row{i}" for i in np.nonzero(missing)[0]]
    _, first = np.unique(key[order], return_index=True)
    keep = np.sort(order[first])
    return cases.iloc[keep]
