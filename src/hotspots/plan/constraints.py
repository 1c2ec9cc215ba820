"""What limits a patrol plan: the rules of the key areas and of the units.

Key areas may carry (headers in English or Vietnamese, without case or diacritics):

==================  ===========================================  =======================
column              Vietnamese headers                           meaning
==================  ===========================================  =======================
``time_window``     Khung giờ, Giờ kiểm tra                      visits start within
                                                                 ``HH:MM-HH:MM`` (e.g. a
                                                                 bus station 05:00-08:00)
``days``            Ngày, Ngày phiên, Phiên chợ                  visits only on these
                                                                 weekdays or dates (market
                                                                 days ``T7;CN``)
``min_visits``      Số lượt tối thiểu                            visits per period, at least
``max_visits``      Số lượt tối đa                               visits per period, at most
==================  ===========================================  =======================

Units (:mod:`hotspots.plan.units`) carry their days off, shift start and the areas
they may patrol. Every function here validates once and raises
:class:`~hotspots.errors.InputError` naming the area or unit, the column and the fix.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.data.columns import cell_text as _text
from hotspots.data.columns import normalize_header
from hotspots.errors import HotspotsWarning, InputError
from hotspots.plan.units import allowed_areas, parse_days, parse_hhmm, parse_window

__all__ = ["AreaRules", "area_rules", "unit_allowed", "unit_shift_starts", "AREA_COLUMNS"]

#: Rule columns of key areas and their recognised (normalised) headers.
AREA_COLUMNS: dict[str, tuple[str, ...]] = {
    "time_window": ("time_window", "window", "khung_gio", "gio_kiem_tra", "khung_thoi_gian"),
    "days": ("days", "market_days", "ngay", "ngay_phien", "phien_cho", "ngay_cho"),
    "min_visits": ("min_visits", "so_luot_toi_thieu", "luot_toi_thieu"),
    "max_visits": ("max_visits", "so_luot_toi_da", "luot_toi_da"),
}
_AREA_LOOKUP = {a: c for c, aliases in AREA_COLUMNS.items() for a in aliases}


@dataclass
class AreaRules:
    """Per key area (in the order of :func:`~hotspots.plan.patrols.area_stops`).

    Attributes
    ----------
    window
        ``(n, 2)`` seconds after midnight within which a visit starts; ``nan`` = any time.
    window_text
        The window as written (``"05:00-08:00"``), ``""`` for none.
    days_text
        The allowed days as written, ``""`` for every day.
    min_visits, max_visits
        Visits per period, at least and at most.
    """

    window: np.ndarray
    window_text: list[str]
    days_text: list[str]
    min_visits: np.ndarray
    max_visits: np.ndarray
    _days: list[tuple[set[int], set[dt.date]]]

    def day_ok(self, day) -> np.ndarray:
        """Boolean per area: True where it may be visited on ``day`` (its ``days``)."""
        d = pd.Timestamp(day).date()
        return np.array(
            [not (w or s) or d.weekday() in w or d in s for w, s in self._days], dtype=bool
        )

    def windows_on_clock(self, idx: np.ndarray) -> np.ndarray:
        """``(len(idx), 2)`` windows of areas ``idx`` for the solver (0/inf = open)."""
        w = self.window[np.asarray(idx, int)].copy()
        w[np.isnan(w[:, 0]), 0] = 0.0
        w[np.isnan(w[:, 1]), 1] = np.inf
        return w


def _rule_columns(areas: pd.DataFrame) -> dict[str, str]:
    """``{rule column: header in areas}`` for the rule columns present."""
    out: dict[str, str] = {}
    for c in areas.columns:
        canon = _AREA_LOOKUP.get(normalize_header(c))
        if canon and canon not in out:
            out[canon] = c
    return out


def _visits_column(areas, col, ids, default: int, days: int) -> np.ndarray:
    """Whole numbers of a visits column (empty cells take ``default``)."""
    out = np.full(len(areas), default, dtype=int)
    if col is None:
        return out
    for i, v in enumerate(areas[col].tolist()):
        if _text(v) == "":
            continue
        try:
            x = float(_text(v))
        except ValueError:
            x = -1.0
        if x < 0 or x != int(x):
            raise InputError(
                f"key area {ids[i]}: column '{col}' must be a whole number >= 0, got {v!r}"
            )
        out[i] = int(x)
    return out


def area_rules(
    areas: gpd.GeoDataFrame,
    ids: list[str],
    min_visits: int | str = 1,
    max_visits: int | None = None,
) -> AreaRules:
    """Read the time windows, days and visit bounds of the key areas.

    Parameters
    ----------
    areas
        Key areas; optional columns :data:`AREA_COLUMNS` (Vietnamese headers too).
    ids
        Area ids, for messages (``area_stops(areas)["area"]``).
    min_visits
        Minimum visits of areas without their own ``min_visits`` (a number, or the name
        of a column of ``areas``).
    max_visits
        Maximum visits of areas without their own ``max_visits`` (None: no bound).

    Raises
    ------
    InputError
        A window, day or bound that cannot be read, or a minimum above the maximum,
        naming the area and column.
    """
    cols = _rule_columns(areas)
    if isinstance(min_visits, str):
        if min_visits not in areas:
            raise InputError(f"areas have no column {min_visits!r} for minimum visits")
        cols["min_visits"], min_visits = min_visits, 0
    if int(min_visits) < 0:
        raise InputError(f"minimum visits must be >= 0, got {min_visits}")
    if max_visits is not None and int(max_visits) < 0:
        raise InputError(f"maximum visits (--max-visits) must be >= 0, got {max_visits}")
    big = np.iinfo(np.int32).max if max_visits is None else int(max_visits)
    mins = _visits_column(areas, cols.get("min_visits"), ids, int(min_visits), 0)
    maxs = _visits_column(areas, cols.get("max_visits"), ids, big, 0)
    bad = np.flatnonzero(mins > maxs)
    if bad.size:
        i = int(bad[0])
        raise InputError(
            f"key area {ids[i]}: minimum visits {mins[i]} above the maximum {maxs[i]}; "
            "lower min_visits or raise max_visits"
        )
    win, wtext, dtext, days = [], [], [], []
    for i in range(len(areas)):
        w = areas[cols["time_window"]].iloc[i] if "time_window" in cols else ""
        d = areas[cols["days"]].iloc[i] if "days" in cols else ""
        w, d = _text(w), _text(d)
        try:
            win.append(parse_window(w))
        except InputError as exc:
            raise InputError(f"key area {ids[i]}: column '{cols['time_window']}': {exc}") from None
        try:
            days.append(parse_days(d))
        except InputError as exc:
            raise InputError(
                f"key area {ids[i]}: column '{cols['days']}': {exc}; separate days with ';'"
            ) from None
        wtext.append(w)
        dtext.append(d)
    return AreaRules(np.array(win, float).reshape(-1, 2), wtext, dtext, mins, maxs, days)


def unit_allowed(units: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> np.ndarray:
    """Boolean ``(n_units, n_areas)``: which areas each unit may patrol (``areas`` column).

    Raises
    ------
    InputError
        Naming the unit and the area or commune that matches nothing.

    Warns
    -----
    HotspotsWarning
        Naming the units whose allowed areas hold no key area (they get no stops).
    """
    out = np.ones((len(units), len(areas)), dtype=bool)
    if "areas" not in units:
        return out
    cache: dict[str, np.ndarray] = {}
    for k, text in enumerate(units["areas"].tolist()):
        key = _text(text)
        if key not in cache:
            try:
                cache[key] = allowed_areas(key, areas)
            except InputError as exc:
                raise InputError(f"unit {units['unit'].iloc[k]}: column 'areas': {exc}") from None
        out[k] = cache[key]
    idle = [str(units["unit"].iloc[k]) for k in np.flatnonzero(~out.any(axis=1))]
    if idle and len(areas):
        warnings.warn(
            f"unit(s) {', '.join(idle)}: the areas they may patrol (column 'areas') hold no "
            "key area, so they get no stops; widen their areas or leave the column empty",
            HotspotsWarning,
            stacklevel=3,
        )
    return out


def unit_shift_starts(units: gpd.GeoDataFrame) -> np.ndarray:
    """Seconds after midnight of each unit's own ``shift_start``; ``nan`` = not fixed."""
    if "shift_start" not in units:
        return np.full(len(units), np.nan)
    out = []
    for k, s in enumerate(units["shift_start"].tolist()):
        s = _text(s)
        if not s:
            out.append(np.nan)
            continue
        try:
            out.append(float(parse_hhmm(s)) % 86400.0)
        except InputError as exc:
            raise InputError(f"unit {units['unit'].iloc[k]}: column 'shift_start': {exc}") from None
    return np.array(out, float)
