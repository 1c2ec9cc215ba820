"""Coordinates as case registers write them: parsing numbers and degrees, and the CRS.

Parsing: decimal degrees with a dot or a decimal comma, a degree sign (``22.4856°``),
hemisphere letters (``N22.4856``, ``103.97 E``) and degrees-minutes-seconds
(``22°29'08"N``, ``22 29 08``, ``22°29,13'``, ``22 độ 29 phút 8 giây``). ``S`` and ``W``
make a value negative. Each distinct text is parsed once, so large files are cheap.

CRS: a declared CRS is parsed by :func:`parse_crs`; projected x/y without a declared
CRS are assigned one by :func:`detect_projected_crs`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from hotspots.data.crs import WGS84, utm_crs_for, vn2000_crs
from hotspots.errors import InputError, UnusableInputError

__all__ = [
    "split_pair",
    "parse_number",
    "parse_coordinate",
    "parse_numbers",
    "parse_coordinates",
    "parse_crs",
    "in_area",
    "detect_projected_crs",
    "PROVINCE_TM3",
    "TM3_MERIDIANS",
]

#: Central meridians of the VN-2000 TM-3 zones used by the provinces.
TM3_MERIDIANS = (
    103.0,
    104.0,
    104.5,
    104.75,
    105.0,
    105.5,
    105.75,
    106.0,
    106.25,
    106.5,
    107.0,
    107.25,
    107.5,
    107.75,
    108.0,
    108.25,
    108.5,
)

#: Central meridians of the provincial VN-2000 TM-3 zones (Circular 973/2001/TT-TCĐC)
#: for provinces whose zone is unambiguous; used only to break a tie in detection.
PROVINCE_TM3 = {
    "01": 105.0,
    "79": 105.75,
    "48": 107.75,
    "15": 104.75,
    "22": 107.75,
    "38": 105.0,
    "40": 104.75,
    "11": 103.0,
    "12": 103.0,
    "14": 104.0,
    "04": 105.75,
    "20": 107.25,
    "92": 105.0,
}

_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*(?:(?!\1)[.,]\d+)?$")
_NUM = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)$")
_D = r"\d+(?:[.,]\d+)?"
# degrees [minutes [seconds]]; each part ends with its unit sign or a blank
_DMS = re.compile(
    rf"^(?P<sign>[+-])?\s*(?P<deg>{_D})(?:\s*(?:°|º|˚|độ|do\b|d\b)\s*|\s+|$)"
    rf"(?:(?P<min>{_D})(?:\s*(?:'|′|’|phút|phut\b|m\b)\s*|\s+|$))?"
    rf"(?:(?P<sec>{_D})(?:\s*(?:\"|″|''|”|giây|giay\b|s\b)\s*|$))?$",
    re.IGNORECASE,
)
_HEMI = re.compile(r"^\s*([NSEWnsew])\s*(.*?)\s*$|^\s*(.*?)\s*([NSEWnsew])\s*$")


def parse_number(text: str) -> float:
    """Parse a plain number with a dot or a decimal comma; NaN when it is not one."""
    t = text.strip().replace("\u00a0", "")
    g = _GROUPED.match(t)
    if g and (t.count(g[1]) > 1 or t.count("," if g[1] == "." else ".")):
        # 2.487.639,77 or 2,487,639.77: thousands separators, then the decimal mark
        t = t.replace(g[1], "")
    if not _NUM.match(t):
        return np.nan
    return float(t.replace(",", "."))


def parse_coordinate(text: str) -> float:
    r"""Parse one coordinate: decimal degrees, degree sign, hemisphere letter or DMS.

    Returns NaN when the text is not a coordinate (minutes or seconds >= 60 included).

    Examples
    --------
    >>> parse_coordinate("22°29'08\"N")
    22.485555555555557
    >>> parse_coordinate("103,9707")
    103.9707
    >>> parse_coordinate("S 33.5")
    -33.5
    """
    t = text.strip()
    x = parse_number(t)
    if not np.isnan(x):
        return x
    sign = 1.0
    m = _HEMI.match(t)
    if m and (m[1] or m[4]):
        letter = (m[1] or m[4]).upper()
        t = m[2] if m[1] else m[3]
        sign = -1.0 if letter in "SW" else 1.0
    m = _DMS.match(t.strip())
    if not m or not t.strip():
        return np.nan
    deg = float(m["deg"].replace(",", "."))
    mins = float(m["min"].replace(",", ".")) if m["min"] else 0.0
    secs = float(m["sec"].replace(",", ".")) if m["sec"] else 0.0
    if mins >= 60 or secs >= 60 or (m["sec"] and "." in m["deg"] + (m["min"] or "")):
        return np.nan
    if m["sec"] and not m["min"]:
        return np.nan
    value = deg + mins / 60.0 + secs / 3600.0
    if m["sign"] == "-":
        value = -value
    return sign * value


_HEMI_PAIR = re.compile(r"^(.*?[NSns])\s*[,;]?\s*([EWew]?\s*\d.*|.*[EWew])$")


def split_pair(text: str) -> tuple[str, str] | None:
    """Split "latitude, longitude" written in one cell into its two parts.

    Accepts ``22.4856, 103.9707`` (as map applications copy it), ``22,4856; 103,9707``,
    ``22,4856, 103,9707`` (decimal commas), ``22°29'08"N 103°58'15"E`` and two numbers
    separated by blanks. Returns None when the text is not a pair.

    Examples
    --------
    >>> split_pair("(22.4856, 103.9707)")
    ('22.4856', '103.9707')
    >>> split_pair("22,4856, 103,9707")
    ('22,4856', '103,9707')
    """
    t = text.strip().strip("()[]").strip()
    if not t:
        return None
    for sep in (";", "|", "/"):
        if t.count(sep) == 1:
            a, b = t.split(sep)
            return a.strip(), b.strip()
    if t.count(",") == 1:
        a, b = t.split(",")
        return a.strip(), b.strip()
    if t.count(",") == 3:  # decimal commas on both sides
        i = [k for k, c in enumerate(t) if c == ","][1]
        return t[:i].strip(), t[i + 1 :].strip()
    m = _HEMI_PAIR.match(t)
    if m and m[1].strip() and m[2].strip():
        return m[1].strip(), m[2].strip()
    parts = t.split()
    if len(parts) == 2:
        return parts[0], parts[1]
    return None


def _parse_unique(
    values: pd.Series, parse: Callable[[str], float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Apply ``parse`` to each distinct text; return values, empty mask, bad mask."""
    n = len(values)
    if n == 0:
        empty = np.zeros(0, dtype=bool)
        return np.zeros(0), empty, empty
    ser = pd.Series(values.to_numpy(dtype=object), dtype=object)
    # Fast path: numbers, and texts that are plain numbers, converted in C.
    out = np.array(pd.to_numeric(ser, errors="coerce"), dtype=float)
    out[~np.isfinite(out)] = np.nan
    empty = np.zeros(n, dtype=bool)
    rest = np.flatnonzero(np.isnan(out))
    if len(rest):
        part = ser.iloc[rest]
        # None/NaN (null GeoJSON geometries, empty cells) as "", never a -1 factor code
        part = pd.Series([v if isinstance(v, str) else "" if pd.isna(v) else str(v) for v in part])
        codes, uniq = pd.factorize(part.str.strip())
        blank = np.array([u == "" or u.lower() in {"nan", "none", "nat"} for u in uniq], bool)
        parsed = np.array(
            [np.nan if b else parse(u) for u, b in zip(uniq, blank, strict=True)], dtype=float
        )
        parsed[~np.isfinite(parsed)] = np.nan
        out[rest] = parsed[codes]
        empty[rest] = blank[codes]
    bad = np.isnan(out) & ~empty
    return out, empty, bad


def parse_numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse a column of numbers (decimal comma accepted).

    Returns
    -------
    values, empty, bad
        Float values (NaN where empty or bad), the mask of empty cells and the mask of
        cells that are not numbers.
    """
    return _parse_unique(values, parse_number)


def parse_coordinates(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse a column of coordinates (see :func:`parse_coordinate`).

    Returns
    -------
    values, empty, bad
        As for :func:`parse_numbers`.
    """
    return _parse_unique(values, parse_coordinate)


def parse_crs(crs: str | CRS | None) -> CRS | None:
    """Parse a declared CRS: an EPSG code, ``VN-2000`` or ``VN-2000/TM3:104.75``.

    Raises
    ------
    InputError
        When the text names no CRS; the message lists the accepted forms.
    """
    if crs is None:
        return None
    if isinstance(crs, CRS):
        return crs
    text = str(crs).strip()
    key = text.lower().replace(" ", "").replace("_", "-")
    if key in {"vn-2000", "vn2000"}:
        return vn2000_crs()
    m = re.match(r"^vn-?2000/(tm3|utm|tm-3)[:/]?(\d+(?:\.\d+)?)$", key)
    if m:
        return vn2000_crs(float(m[2]), 3 if m[1].startswith("tm") else 6)
    try:
        return CRS.from_user_input(text)
    except Exception:  # noqa: BLE001
        raise InputError(
            f"unknown CRS '{crs}'; use an EPSG code (EPSG:4326, EPSG:32648), 'VN-2000', "
            "'VN-2000/TM3:104.75' (provincial zone) or 'VN-2000/UTM:105'"
        ) from None


def in_area(lon: np.ndarray, lat: np.ndarray, area_m: shapely.Geometry, crs_m: CRS) -> np.ndarray:
    """True where ``(lon, lat)`` (WGS84) lies in ``area_m`` (a polygon in ``crs_m``)."""
    ok = np.isfinite(lon) & np.isfinite(lat)
    out = np.zeros(len(lon), dtype=bool)
    if ok.any():
        tr = Transformer.from_crs(WGS84, crs_m, always_xy=True)
        x, y = tr.transform(lon[ok], lat[ok])
        out[ok] = shapely.contains_xy(area_m, x, y)
    return out


#: Candidates that give positions this close to each other are the same for analysis.
_SAME_M = 100.0


def detect_projected_crs(
    x: np.ndarray,
    y: np.ndarray,
    area_m: shapely.Geometry | None,
    crs_m: CRS | None,
    province_code: str | None = None,
    seats: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[CRS, str, bool]:
    """Pick the projected CRS of ``x, y`` (eastings, northings in metres).

    Candidates: the VN-2000 TM-3 zones, VN-2000 UTM 48/49 and WGS84 UTM 48/49. The one
    that puts most points inside the area (or Vietnam) wins. Often several fit: zones
    0.25° apart all put a handful of points inside a province, and WGS84 UTM and the
    VN-2000 zone on the same meridian differ by a few hundred metres only. Candidates
    whose positions differ by less than 100 m are treated as the same. A remaining tie
    is broken by the rows' commune seats (the candidate whose points lie nearest to
    them), else by the province's official TM-3 zone, else the first candidate (WGS84
    UTM first) is taken; the last two are assumptions the caller flags.

    Returns
    -------
    crs, how, assumed
        The chosen CRS, how it was chosen (for the ingest report) and whether it is an
        assumption (several candidates more than 100 m apart fit equally well).

    Raises
    ------
    UnusableInputError
        When no candidate puts at least half of the points in the area.
    """
    cands = [CRS.from_epsg(32648), CRS.from_epsg(32649)]
    meridians: list[float | None] = [None, None]
    cands += [vn2000_crs(105.0, 6), vn2000_crs(111.0, 6)]
    meridians += [None, None]
    cands += [vn2000_crs(cm, 3) for cm in TM3_MERIDIANS]
    meridians += list(TM3_MERIDIANS)
    if len(x) == 0:
        return cands[0], "no coordinates", False
    take = np.linspace(0, len(x) - 1, min(len(x), 500)).astype(int)
    if area_m is not None and crs_m is not None:
        target, tcrs = area_m, crs_m
    else:
        from hotspots import geodata

        vn = gpd.GeoSeries([shapely.union_all(geodata.provinces().geometry.values)], crs=WGS84)
        tcrs = utm_crs_for(105.5, 16.0)
        target = vn.to_crs(tcrs).iloc[0]
        shapely.prepare(target)
    positions = []
    scores = []
    for c in cands:
        tr = Transformer.from_crs(c, tcrs, always_xy=True)
        xx, yy = tr.transform(x[take], y[take])
        positions.append((np.asarray(xx), np.asarray(yy)))
        scores.append(float(np.mean(shapely.contains_xy(target, xx, yy))))
    sc = np.array(scores)
    best = float(sc.max())
    if best < 0.5:
        raise UnusableInputError(
            "the x/y coordinates fit no VN-2000 or UTM zone of the area; declare their CRS "
            "(for example --crs 'VN-2000/TM3:104.75' or --crs EPSG:32648)"
        )
    ties = [int(i) for i in np.flatnonzero(sc >= best - 0.02)]

    def spread(idx: list[int]) -> float:
        """Largest median distance between the positions given by the candidates."""
        ref = positions[idx[0]]
        return max(
            float(np.median(np.hypot(positions[i][0] - ref[0], positions[i][1] - ref[1])))
            for i in idx
        )

    if len(ties) == 1 or spread(ties) < _SAME_M:
        how = "the only zone that puts the points in the area"
        if len(ties) > 1:
            how = "the zones that put the points in the area agree within 100 m"
        return cands[ties[0]], how, False
    if seats is not None:
        sx, sy = seats
        ok = np.isfinite(sx)
        if ok.sum() >= 3:
            tr_s = Transformer.from_crs(WGS84, tcrs, always_xy=True)
            tx, ty = tr_s.transform(sx[ok], sy[ok])
            dist = []
            for i in ties:
                tr = Transformer.from_crs(cands[i], tcrs, always_xy=True)
                xx, yy = tr.transform(x[ok], y[ok])
                dist.append(float(np.median(np.hypot(xx - tx, yy - ty))))
            order = np.argsort(dist)
            # decisive only when the runner-up is clearly farther from the seats
            if len(order) == 1 or dist[order[1]] - dist[order[0]] > 1000.0:
                return cands[ties[int(order[0])]], "nearest to the rows' commune seats", False
    km = spread(ties) / 1000.0
    cm = PROVINCE_TM3.get(province_code or "")
    if cm is not None:
        for i in ties:
            if meridians[i] == cm:
                return (
                    cands[i],
                    f"ASSUMED the province's official VN-2000 TM-3 zone ({cm}°); other zones "
                    f"fit too and put the points up to {km:.1f} km elsewhere: declare --crs",
                    True,
                )
    return (
        cands[ties[0]],
        f"ASSUMED {cands[ties[0]].name}; several zones fit and put the points up to "
        f"{km:.1f} km apart: declare --crs to be sure",
        True,
    )
