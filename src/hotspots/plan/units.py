"""Patrol units as they are: base, vehicle, shift, days off and the areas each may patrol.

A units file (CSV, or a point layer GeoPackage/GeoJSON) has one row per unit (or per
group of ``count`` identical units). Headers are recognised in English or Vietnamese,
without case or diacritics (``"Đơn vị"``, ``"Phương tiện"``...), as for case files:

========================  ==========================================================
column                    Vietnamese headers; meaning
========================  ==========================================================
``unit``                  Đơn vị, Tổ, Tên tổ: the team's name
``base``                  Trụ sở, Căn cứ: a commune or border-gate name of the province
``lon``/``lat``           Kinh độ/Vĩ độ: the base in WGS84 (instead of ``base``)
``count``                 Số tổ: that many identical units (default 1)
``vehicle``               Phương tiện: ``car``/``ô tô``, ``motorbike``/``xe máy``,
                          ``foot``/``đi bộ`` (default car)
``speed_kmh``             Tốc độ: the unit's own speed, km/h (default: by vehicle)
``shift_start``           Giờ bắt đầu ca: ``HH:MM`` (default: drawn every day)
``shift_hours``           Số giờ ca: shift length in hours (default: the plan's)
``days_off``              Ngày nghỉ: weekdays (``CN``, ``T7``, ``Thứ 2``, ``Sun``) or
                          dates (``dd/mm/yyyy``, ``YYYY-MM-DD``), ``;``-separated
``areas``                 Địa bàn được giao: key-area ids or names, commune names or
                          codes, ``;``-separated; empty = all
========================  ==========================================================

Bad rows are treated as bad case rows are at ingest: each is quarantined with its row
number, the reason, the column, the value and what to change; the others are used and a
:class:`~hotspots.errors.HotspotsWarning` lists every bad row. A file with no usable row
is an :class:`~hotspots.errors.UnusableInputError` that lists them all.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from hotspots.data.columns import cell_text, normalize_header
from hotspots.data.crs import WGS84
from hotspots.data.schema import QUARANTINE_COLUMNS
from hotspots.errors import HotspotsWarning, InputError, UnusableInputError

__all__ = [
    "UNIT_COLUMNS",
    "VEHICLE_VI",
    "UnitsResult",
    "read_units",
    "read_units_file",
    "parse_vehicle",
    "parse_days",
    "parse_window",
    "on_duty",
    "allowed_areas",
]

#: Columns of a units table, in order (``geometry`` last).
UNIT_COLUMNS = (
    "unit", "base", "vehicle", "speed_kmh", "shift_start", "shift_hours", "days_off",
    "areas", "geometry",
)  # fmt: skip

#: Vehicle names in Vietnamese (plan tables, GPX).
VEHICLE_VI = {"car": "ô tô", "motorbike": "xe máy", "foot": "đi bộ"}

_VEHICLE_WORDS = {
    "car": ("car", "auto", "truck", "o_to", "oto", "xe_o_to", "xe_oto", "xe_hoi", "o_to_con"),
    "motorbike": (
        "motorbike", "motorcycle", "moto", "scooter", "xe_may", "may", "xe_mo_to", "mo_to",
    ),
    "foot": ("foot", "walk", "walking", "on_foot", "di_bo", "bo", "di_chan"),
}  # fmt: skip
_VEHICLE_LOOKUP = {w: v for v, words in _VEHICLE_WORDS.items() for w in words}

#: Normalised header -> column of the units table.
_HEADERS = {
    "unit": ("unit", "name", "team", "don_vi", "to", "to_tuan_tra", "ten_to", "ten_don_vi"),
    "base": ("base", "tru_so", "can_cu", "co_so", "dia_diem_xuat_phat", "base_name"),
    "lon": ("lon", "lng", "longitude", "x", "kinh_do"),
    "lat": ("lat", "latitude", "y", "vi_do"),
    "count": ("count", "n", "so_to", "so_luong", "so_luong_to"),
    "vehicle": ("vehicle", "phuong_tien", "xe", "loai_xe"),
    "speed_kmh": ("speed_kmh", "speed", "toc_do", "toc_do_km_h", "toc_do_kmh"),
    "shift_start": ("shift_start", "start", "gio_bat_dau_ca", "bat_dau_ca", "gio_bat_dau"),
    "shift_hours": ("shift_hours", "shift_length", "so_gio_ca", "do_dai_ca", "gio_ca"),
    "days_off": ("days_off", "day_off", "ngay_nghi"),
    "areas": (
        "areas", "allowed", "allowed_areas", "communes", "dia_ban_duoc_giao", "dia_ban",
        "khu_vuc", "xa_duoc_giao",
    ),
}  # fmt: skip
_HEADER_LOOKUP = {alias: canon for canon, aliases in _HEADERS.items() for alias in aliases}

_WEEKDAYS = {
    0: ("mon", "monday", "t2", "thu_2", "thu_hai"),
    1: ("tue", "tuesday", "t3", "thu_3", "thu_ba"),
    2: ("wed", "wednesday", "t4", "thu_4", "thu_tu"),
    3: ("thu", "thursday", "t5", "thu_5", "thu_nam"),
    4: ("fri", "friday", "t6", "thu_6", "thu_sau"),
    5: ("sat", "saturday", "t7", "thu_7", "thu_bay"),
    6: ("sun", "sunday", "cn", "chu_nhat"),
}
_WEEKDAY_LOOKUP = {w: d for d, words in _WEEKDAYS.items() for w in words}
#: Canonical weekday names written into the units table.
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: Reason code -> meaning of a quarantined unit row.
UNIT_REASONS = {
    "missing_base": "no base name and no lon/lat",
    "unknown_base": "the base name is not a commune or border gate of the province",
    "bad_coordinates": "lon/lat are not numbers or outside the valid range",
    "bad_count": "count is not a whole number >= 1",
    "bad_vehicle": "the vehicle is not car, motorbike or foot",
    "bad_speed": "the speed is not a number in (0, 150] km/h",
    "bad_shift_start": "the shift start is not a time HH:MM",
    "bad_shift_hours": "the shift length is not a number of hours in (0, 24]",
    "bad_days_off": "a day off is neither a weekday nor a date",
    "unknown_area": "an area or commune the unit may patrol is not known",
}


@dataclass
class UnitsResult:
    """What :func:`read_units_file` returns.

    Attributes
    ----------
    units
        One row per unit, columns :data:`UNIT_COLUMNS` (EPSG:4326 base points).
    quarantine
        One row per bad input row: ``source_row``, ``reason``, ``column``, ``value``,
        ``message`` (every problem of the row, with what to change) and ``unit``.
    rows_read
        Number of data rows in the file.
    """

    units: gpd.GeoDataFrame
    quarantine: pd.DataFrame
    rows_read: int

    def messages(self) -> list[str]:
        """One line per bad row: ``row N (unit): what is wrong; what to change``."""
        return [f"row {r.source_row} ({r.unit}): {r.message}" for r in self.quarantine.itertuples()]


# -- value parsers ------------------------------------------------------------------
def parse_vehicle(text: object) -> str:
    """Return ``car``, ``motorbike`` or ``foot`` for an English or Vietnamese word.

    Empty gives ``car``. Raises :class:`InputError` for anything else.
    """
    key = normalize_header(cell_text(text))
    if not key:
        return "car"
    if key in _VEHICLE_LOOKUP:
        return _VEHICLE_LOOKUP[key]
    raise InputError(
        f"vehicle {text!r} is not known; write car/ô tô, motorbike/xe máy or foot/đi bộ"
    )


def parse_hhmm(text: object) -> int:
    """Seconds after midnight of ``HH:MM`` (``24:00`` allowed as the end of a day)."""
    m = re.fullmatch(r"\s*(\d{1,2})\s*[:hH.]\s*(\d{2})\s*", str(text))
    if not m or int(m[2]) > 59 or int(m[1]) * 60 + int(m[2]) > 24 * 60:
        raise InputError(f"time {text!r} is not a time of day; write it as 05:30")
    return int(m[1]) * 3600 + int(m[2]) * 60


def parse_window(text: object) -> tuple[float, float]:
    """Return ``(open, close)`` in seconds after midnight of ``"05:00-08:00"``.

    Empty gives ``(nan, nan)`` (no window). A window past midnight (``"22:00-02:00"``)
    closes on the next day (``close`` > 86400).
    """
    s = cell_text(text)
    if not s:
        return float("nan"), float("nan")
    parts = re.split(r"\s*(?:-|–|—|đến|to)\s*", s.strip())
    if len(parts) != 2:
        raise InputError(f"time window {text!r} must look like 05:00-08:00")
    a, b = parse_hhmm(parts[0]), parse_hhmm(parts[1])
    if b <= a:
        b += 24 * 3600
    if b == a:
        raise InputError(f"time window {text!r} is empty")
    return float(a), float(b)


def _split(text: object, commas: bool = True) -> list[str]:
    """Tokens of a ``;``-separated cell (also ``,`` when ``commas``), stripped."""
    s = cell_text(text)
    return [t.strip() for t in re.split(r"[;,\n]" if commas else r"[;\n]", s) if t.strip()]


def parse_days(text: object, dates: bool = True) -> tuple[set[int], set[dt.date]]:
    """Parse ``;``-separated weekdays and dates.

    Weekdays in English (``Sun``, ``saturday``) or Vietnamese (``CN``, ``T7``,
    ``Thứ 2``, ``thứ hai``, ``Chủ nhật``); dates as ``dd/mm/yyyy`` or ``YYYY-MM-DD``.

    Returns
    -------
    (set of int, set of datetime.date)
        Weekdays (Monday = 0) and dates.
    """
    weekdays: set[int] = set()
    days: set[dt.date] = set()
    for tok in _split(text):
        key = normalize_header(tok)
        if key in _WEEKDAY_LOOKUP:
            weekdays.add(_WEEKDAY_LOOKUP[key])
            continue
        day = _parse_date(tok) if dates else None
        if day is None:
            what = "a weekday (CN, T7, Thứ 2, Sun)" + (
                " or a date (dd/mm/yyyy, YYYY-MM-DD)" if dates else ""
            )
            raise InputError(f"{tok!r} is not {what}")
        days.add(day)
    return weekdays, days


def _parse_date(tok: str) -> dt.date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(tok.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _days_text(weekdays: set[int], days: set[dt.date]) -> str:
    return ";".join([WEEKDAY_NAMES[d] for d in sorted(weekdays)] + [str(d) for d in sorted(days)])


def on_duty(units: pd.DataFrame, day: dt.date | pd.Timestamp) -> np.ndarray:
    """Boolean per unit: working on ``day`` (not one of its ``days_off``)."""
    day = pd.Timestamp(day).date()
    if "days_off" not in units:
        return np.ones(len(units), bool)
    out = []
    for text in units["days_off"]:
        weekdays, dates = parse_days(text)
        out.append(day.weekday() not in weekdays and day not in dates)
    return np.array(out, bool)


# -- reading a file -----------------------------------------------------------------
def _read_frame(path: Path) -> tuple[pd.DataFrame, list | None]:
    """The file as text columns (and base geometries for a GIS layer)."""
    if not path.exists():
        raise UnusableInputError(f"units file {path} does not exist")
    try:
        if path.suffix.lower() in (".csv", ".txt"):
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            return df, None
        gdf = gpd.read_file(path)
    except Exception as exc:
        raise UnusableInputError(f"cannot read units file {path}: {exc}") from exc
    gdf = gdf.set_crs(WGS84) if gdf.crs is None else gdf.to_crs(WGS84)
    geoms = [g if g is not None and g.geom_type == "Point" else None for g in gdf.geometry]
    df = pd.DataFrame(gdf.drop(columns="geometry")).fillna("").astype(str)
    return df, geoms


def _canonical_columns(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rename recognised headers to the units-table names; the first of a kind wins.

    Also returns ``{canonical name: header in the file}`` for the messages.
    """
    rename: dict[str, str] = {}
    for c in df.columns:
        canon = _HEADER_LOOKUP.get(normalize_header(c))
        if canon is not None and canon not in rename.values():
            rename[c] = canon
    return df.rename(columns=rename), {v: str(k) for k, v in rename.items()}


def _name_columns(msg: str, headers: dict[str, str]) -> str:
    """Add the file's own header to each ``column 'x'`` of a message."""
    for canon, head in headers.items():
        if head != canon:
            msg = msg.replace(f"column '{canon}'", f"column '{canon}' ({head})")
            msg = msg.replace(f"columns {canon}/", f"columns ({head}) {canon}/")
    return msg


class _RowProblems:
    """The problems of one row: the first decides the reason, every one is told."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, str, str]] = []

    def add(self, reason: str, column: str, value: object, message: str) -> None:
        self.items.append((reason, column, str(value), message))


def _base_point(r, geom, bases, probs: _RowProblems):
    """The base of a row: its point geometry, its lon/lat, or its name looked up."""
    if geom is not None:
        return geom
    lon_s, lat_s = str(r.get("lon", "")).strip(), str(r.get("lat", "")).strip()
    if lon_s or lat_s:
        try:
            lon, lat = float(lon_s.replace(",", ".")), float(lat_s.replace(",", "."))
        except ValueError:
            probs.add(
                "bad_coordinates", "lon/lat", f"{lon_s}/{lat_s}",
                f"columns lon/lat must be numbers (decimal degrees), got {lon_s!r}/{lat_s!r}",
            )  # fmt: skip
            return None
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            probs.add(
                "bad_coordinates", "lon/lat", f"{lon_s}/{lat_s}",
                f"lon/lat {lon}, {lat} out of range; give WGS84 decimal degrees",
            )  # fmt: skip
            return None
        return Point(lon, lat)
    base = str(r.get("base", "")).strip()
    if not base:
        probs.add(
            "missing_base", "base", "",
            "give column 'base' (Trụ sở: a commune or border gate name) or 'lon'/'lat'",
        )  # fmt: skip
        return None
    try:
        return lookup_base(base, bases)
    except InputError as exc:
        probs.add("unknown_base", "base", base, str(exc))
        return None


def lookup_base(name: str, bases: gpd.GeoDataFrame | None) -> Point:
    """The point of base ``name`` among ``bases`` (``"Cam Đường"`` finds "Công an Cam Đường")."""
    if bases is None or len(bases) == 0:
        raise InputError(f"base {name!r} has no lon/lat and there are no bases to look it up")
    from hotspots.geodata import normalize_name

    key = normalize_name(name)
    names = bases["base"].astype(str)
    norm = names.map(normalize_name)
    for prefix in ("", "Công an ", "Cửa khẩu "):
        hit = norm == normalize_name(prefix + name)
        if hit.any():
            return bases.geometry[hit.to_numpy()].iloc[0]
    hit = norm.str.endswith(key)
    if hit.sum() == 1:
        return bases.geometry[hit.to_numpy()].iloc[0]
    close = ", ".join(names.head(5))
    raise InputError(
        f"base {name!r} is not a commune or border gate of the province (e.g. {close}); "
        "fix the name or give lon/lat"
    )


def _number(r, col: str, probs: _RowProblems, reason: str, lo: float, hi: float, what: str):
    s = str(r.get(col, "")).strip().replace(",", ".")
    if not s:
        return float("nan")
    try:
        v = float(s)
    except ValueError:
        v = float("nan")
    if not (lo < v <= hi):
        probs.add(reason, col, s, f"column '{col}' must be {what}, got {s!r}")
        return float("nan")
    return v


def _row_fields(r, probs: _RowProblems) -> dict:
    """Vehicle, speed, shift, days off and count of one row (problems recorded)."""
    out: dict = {}
    try:
        out["vehicle"] = parse_vehicle(r.get("vehicle", ""))
    except InputError as exc:
        probs.add("bad_vehicle", "vehicle", r.get("vehicle", ""), f"column 'vehicle': {exc}")
    out["speed_kmh"] = _number(
        r, "speed_kmh", probs, "bad_speed", 0, 150, "a speed in (0, 150] km/h"
    )
    out["shift_hours"] = _number(
        r, "shift_hours", probs, "bad_shift_hours", 0, 24, "hours in (0, 24] (e.g. 8)"
    )
    start = str(r.get("shift_start", "")).strip()
    out["shift_start"] = ""
    if start:
        try:
            sec = parse_hhmm(start)
            if sec >= 24 * 3600:
                raise InputError("24:00 is the end of a day")
            out["shift_start"] = f"{sec // 3600:02d}:{sec % 3600 // 60:02d}"
        except InputError:
            msg = f"column 'shift_start' must be a time HH:MM such as 06:00, got {start!r}"
            probs.add("bad_shift_start", "shift_start", start, msg)
    try:
        out["days_off"] = _days_text(*parse_days(r.get("days_off", "")))
    except InputError as exc:
        probs.add("bad_days_off", "days_off", r.get("days_off", ""),
                  f"column 'days_off': {exc}; separate several with ';'")  # fmt: skip
    c = str(r.get("count", "")).strip() or "1"
    try:
        count = float(c)
    except ValueError:
        count = float("nan")
    if not (count >= 1 and count == int(count)):
        probs.add("bad_count", "count", c, f"column 'count' must be a whole number >= 1, got {c!r}")
        count = 1
    out["count"] = int(count)
    out["areas"] = ";".join(_split(r.get("areas", ""), commas=False))
    return out


def read_units_file(
    path: str | Path,
    bases: gpd.GeoDataFrame | None = None,
    areas: gpd.GeoDataFrame | None = None,
) -> UnitsResult:
    """Read a units file; bad rows are quarantined, not dropped silently.

    Parameters
    ----------
    path
        CSV (UTF-8), or a point layer (GeoPackage/GeoJSON) whose points are the bases.
        Columns and Vietnamese headers: see the module docstring and docs/planning.md.
    bases
        Bases to look ``base`` names up in (commune posts and border gates,
        :func:`~hotspots.plan.bases.default_bases`).
    areas
        Key areas; when given, the ``areas`` of each unit are checked against them and
        a row naming an unknown area or commune is quarantined.

    Returns
    -------
    UnitsResult
        Raises :class:`UnusableInputError` when the file has no usable row.
    """
    path = Path(path)
    df, geoms = _read_frame(path)
    if len(df) == 0:
        raise UnusableInputError(f"units file {path} has no rows")
    df, headers = _canonical_columns(df)
    rows, bad = [], []
    for i, r in enumerate(df.to_dict("records")):
        line = i + 2  # the header is line 1
        probs = _RowProblems()
        name = str(r.get("unit", "")).strip() or f"Tổ {i + 1}"
        geom = _base_point(r, geoms[i] if geoms is not None else None, bases, probs)
        f = _row_fields(r, probs)
        if areas is not None and f["areas"]:
            try:
                allowed_areas(f["areas"], areas)
            except InputError as exc:
                probs.add("unknown_area", "areas", f["areas"], str(exc))
        if probs.items:
            reason, column, value, _ = probs.items[0]
            msg = _name_columns("; ".join(m for *_, m in probs.items), headers)
            bad.append((line, reason, column, value, msg, name))
            continue
        base = str(r.get("base", "")).strip() or name
        for k in range(f["count"]):
            rows.append(
                {
                    "unit": name if f["count"] == 1 else f"{name} ({k + 1})",
                    "base": base,
                    **{c: f[c] for c in UNIT_COLUMNS[2:-1]},
                    "geometry": geom,
                }
            )
    quarantine = pd.DataFrame(bad, columns=[*QUARANTINE_COLUMNS, "unit"])
    if not rows:
        lines = "; ".join(f"row {b[0]}: {b[4]}" for b in bad)
        raise UnusableInputError(f"units file {path.name}: no usable unit ({lines})")
    units = gpd.GeoDataFrame(rows, columns=list(UNIT_COLUMNS), geometry="geometry", crs=WGS84)
    return UnitsResult(units, quarantine, len(df))


def read_units(
    path: str | Path,
    bases: gpd.GeoDataFrame | None = None,
    areas: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Read a units file; return the units table and warn about every bad row.

    Like :func:`read_units_file` (same parameters) but returns only the units; the
    quarantined rows are listed in a :class:`HotspotsWarning` and kept in
    ``units.attrs["quarantine"]``.
    """
    res = read_units_file(path, bases, areas)
    if len(res.quarantine):
        warnings.warn(
            f"units file {Path(path).name}: {len(res.quarantine)} bad row(s) left out: "
            + " | ".join(res.messages()),
            HotspotsWarning,
            stacklevel=2,
        )
    res.units.attrs["quarantine"] = res.quarantine
    return res.units


# -- which areas a unit may patrol --------------------------------------------------
def _area_keys(areas: gpd.GeoDataFrame) -> tuple[list[str], list[str], list[set[str]]]:
    """Per area: its id, its normalised name, and the normalised communes it touches."""
    from hotspots.geodata import normalize_name
    from hotspots.plan.patrols import area_stops

    stops = area_stops(areas)
    communes = (
        [{normalize_name(c) for c in str(v).split(",") if c.strip()} for v in areas["communes"]]
        if "communes" in areas
        else [set() for _ in range(len(areas))]
    )
    return (
        stops["area"].astype(str).tolist(),
        [normalize_name(n) for n in stops["area_name"]],
        communes,
    )


def _commune_hits(token: str, areas: gpd.GeoDataFrame) -> np.ndarray | None:
    """Areas touching the commune named or coded ``token`` (bundled geography), or None."""
    from hotspots import geodata

    try:
        ca = geodata.commune_areas()
    except Exception:  # noqa: BLE001 - no bundled geography: no commune lookup
        return None
    key = geodata.normalize_name(token)
    code = token.strip().zfill(5) if token.strip().isdigit() else None
    sel = ca["code"].astype(str) == code if code else ca["name"].map(geodata.normalize_name) == key
    if not sel.any():
        return None
    a = areas.to_crs(WGS84) if areas.crs is not None else areas.set_crs(WGS84)
    shape = ca.geometry[sel.to_numpy()].union_all()
    return a.geometry.intersects(shape).to_numpy()


def allowed_areas(text: object, areas: gpd.GeoDataFrame) -> np.ndarray:
    """Boolean per key area: True where a unit with ``areas`` = ``text`` may patrol.

    Each ``;``-separated token is a key-area id (``rank``), a key-area name, or a
    commune (name or 5-digit code) that the area touches (its ``communes`` column, else
    the bundled commune cells). Empty text allows every area.

    Raises
    ------
    InputError
        When a token matches no area and no commune, naming the token and examples.
    """
    tokens = _split(text, commas=False)  # names of key areas may hold commas
    if not tokens:
        return np.ones(len(areas), bool)
    from hotspots.geodata import normalize_name

    ids, names, communes = _area_keys(areas)
    out = np.zeros(len(areas), bool)
    for tok in tokens:
        key = normalize_name(tok)
        hit = np.array(
            [tok == i or key == n or key in c for i, n, c in zip(ids, names, communes, strict=True)]
        )
        if not hit.any():
            geo = _commune_hits(tok, areas)
            if geo is None:
                raw = areas["communes"].astype(str) if "communes" in areas else pd.Series([])
                names_ = sorted({c.strip() for v in raw for c in v.split(",") if c.strip()})
                ex = ", ".join(ids[:3] + names_[:3])
                raise InputError(
                    f"area or commune {tok!r} is not a key-area id, key-area name or commune "
                    f"of the province (e.g. {ex}); fix it or leave the column empty for all"
                )
            hit = geo
        out |= hit
    return out
