"""Victim support services as input: shelters, health, police posts, legal aid, reception.

A facilities file (CSV, XLSX, GeoPackage/GeoJSON point layer) has one row per service
point. Headers are recognised in English or Vietnamese, without case or diacritics, as
for case files:

==============  ===============================================================
column          Vietnamese headers; meaning
==============  ===============================================================
``type``        Loại, Loại cơ sở, Loại hình: one of :data:`FACILITY_TYPES` in
                English or Vietnamese (``cơ sở bảo trợ xã hội``, ``cơ sở y tế``,
                ``công an xã``, ``trợ giúp pháp lý``, ``điểm tiếp nhận``...)
``name``        Tên, Tên cơ sở
``commune``     Xã, Xã/phường, Địa bàn: a commune of the province (name or 5-digit
                code); its seat is the point when there are no coordinates
``lon``/``lat`` Kinh độ/Vĩ độ (WGS84), or the points of a GIS layer
``capacity``    Sức chứa, Số chỗ: places (a whole number >= 0; empty = not given)
``hours``       Giờ mở cửa, Thời gian làm việc: ``24/7``, ``07:30-17:00`` (kept as text)
==============  ===============================================================

Bad rows are quarantined as bad case rows are: row number, reason, column, value and
what to change; accepted + quarantined = rows read. A file with no usable row is an
:class:`~hotspots.errors.UnusableInputError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from hotspots.data.columns import cell_text as _text
from hotspots.data.columns import normalize_header
from hotspots.data.crs import WGS84
from hotspots.data.schema import QUARANTINE_COLUMNS
from hotspots.errors import UnusableInputError

__all__ = [
    "FACILITY_TYPES",
    "FACILITY_TYPE_VI",
    "FACILITY_COLUMNS",
    "FACILITY_REASONS",
    "FacilitiesResult",
    "parse_type",
    "read_facilities_file",
]

#: Facility types, in the order of tables and maps.
FACILITY_TYPES = ("shelter", "health", "police", "legal_aid", "reception")

#: Vietnamese names of the types (tables, maps, summaries).
FACILITY_TYPE_VI = {
    "shelter": "Cơ sở bảo trợ xã hội / nhà tạm lánh",
    "health": "Cơ sở y tế",
    "police": "Công an xã",
    "legal_aid": "Trợ giúp pháp lý",
    "reception": "Điểm tiếp nhận / đường dây nóng",
}

#: Columns of an accepted facilities table (``geometry`` last).
FACILITY_COLUMNS = (
    "facility",
    "type",
    "name",
    "commune",
    "commune_code",
    "capacity",
    "hours",
    "source_row",
    "geometry",
)

#: Normalised words (substrings of the normalised type text) -> type; first match wins.
_TYPE_WORDS = (
    ("legal_aid", ("legal", "tro_giup_phap_ly", "phap_ly", "luat")),
    ("reception", ("reception", "hotline", "tiep_nhan", "duong_day_nong", "tong_dai")),
    (
        "shelter",
        (
            "shelter",
            "social",
            "bao_tro",
            "tam_lanh",
            "nha_an_toan",
            "ctxh",
            "cong_tac_xa_hoi",
            "safe_house",
        ),
    ),
    ("health", ("health", "hospital", "clinic", "y_te", "benh_vien", "phong_kham", "tyt")),
    ("police", ("police", "cong_an", "ca_xa", "don_bien_phong", "bien_phong")),
)

_HEADERS = {
    "type": ("type", "kind", "category", "loai", "loai_co_so", "loai_hinh", "loai_dich_vu"),
    "name": ("name", "facility", "ten", "ten_co_so", "ten_don_vi", "co_so"),
    "commune": (
        "commune",
        "xa",
        "xa_phuong",
        "phuong_xa",
        "dia_ban",
        "ma_xa",
        "commune_code",
    ),
    "lon": ("lon", "lng", "longitude", "x", "kinh_do", "__lon"),
    "lat": ("lat", "latitude", "y", "vi_do", "__lat"),
    "capacity": ("capacity", "places", "beds", "suc_chua", "so_cho", "so_giuong"),
    "hours": (
        "hours",
        "opening_hours",
        "open",
        "gio_mo_cua",
        "thoi_gian_lam_viec",
        "gio_lam_viec",
    ),
}
_HEADER_LOOKUP = {a: canon for canon, aliases in _HEADERS.items() for a in aliases}

#: Reason code -> meaning of a quarantined facility row.
FACILITY_REASONS = {
    "bad_type": "the type is empty or not a known type of support",
    "missing_location": "no commune and no lon/lat",
    "unknown_commune": "the commune is not a commune of the province",
    "bad_coordinates": "lon/lat are not numbers, out of range or far outside the province",
    "bad_capacity": "the capacity is not a whole number >= 0",
}


@dataclass
class FacilitiesResult:
    """What :func:`read_facilities_file` returns.

    Attributes
    ----------
    facilities
        One row per accepted facility, columns :data:`FACILITY_COLUMNS` (EPSG:4326).
    quarantine
        One row per bad row: ``source_row``, ``reason``, ``column``, ``value``,
        ``message`` (every problem of the row and what to change), ``name``.
    rows_read
        Data rows in the file (``accepted + quarantined``).
    """

    facilities: gpd.GeoDataFrame
    quarantine: pd.DataFrame
    rows_read: int

    def messages(self) -> list[str]:
        """One line per bad row: ``row N (name): what is wrong; what to change``."""
        return [f"row {r.source_row} ({r.name}): {r.message}" for r in self.quarantine.itertuples()]


def parse_type(text: object) -> str | None:
    """The facility type of an English or Vietnamese word, or None.

    >>> parse_type("Cơ sở bảo trợ xã hội"), parse_type("Công an xã"), parse_type("x")
    ('shelter', 'police', None)
    """
    key = normalize_header(_text(text))
    if not key:
        return None
    if key in FACILITY_TYPES:
        return key
    for kind, words in _TYPE_WORDS:
        if any(w in key for w in words):
            return kind
    return None


def _canonical(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rename recognised headers; the first of a kind wins. Returns the file's headers."""
    rename: dict[str, str] = {}
    for c in frame.columns:
        canon = _HEADER_LOOKUP.get(normalize_header(c))
        if canon is not None and canon not in rename.values():
            rename[c] = canon
    return frame.rename(columns=rename), {v: str(k) for k, v in rename.items()}


def _read(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """The file's rows as text (original headers) and their source row numbers."""
    from hotspots.data.readers import read_raw
    from hotspots.errors import InputError

    if not path.exists():
        raise UnusableInputError(f"facilities file {path} does not exist")
    try:
        raw = read_raw(path, headers=list(_HEADER_LOOKUP))
    except InputError as exc:
        raise UnusableInputError(f"cannot read facilities file {path}: {exc}") from exc
    frame = raw.frame.copy()
    if "__x" in frame and raw.crs is not None:  # a projected GIS layer: to lon/lat
        pts = gpd.GeoSeries(gpd.points_from_xy(frame["__x"], frame["__y"]), crs=raw.crs)
        pts = pts.to_crs(WGS84)
        frame["__lon"], frame["__lat"] = pts.x.to_numpy(), pts.y.to_numpy()
    return frame, np.asarray(raw.rows)


class _Row:
    """Problems of one row: the first gives the reason, every one is told."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, str, str]] = []

    def add(self, reason: str, column: str, value: object, message: str) -> None:
        self.items.append((reason, column, str(value), message))


def _coords(r: dict, prob: _Row, bounds) -> Point | None:
    lon_s, lat_s = _text(r.get("lon")), _text(r.get("lat"))
    if not lon_s and not lat_s or lon_s.lower() == "nan":
        return None
    try:
        lon, lat = float(lon_s.replace(",", ".")), float(lat_s.replace(",", "."))
    except ValueError:
        lon = lat = float("nan")
    ok = -180 <= lon <= 180 and -90 <= lat <= 90
    if ok and bounds is not None:
        x0, y0, x1, y1 = bounds
        ok = x0 - 0.2 <= lon <= x1 + 0.2 and y0 - 0.2 <= lat <= y1 + 0.2
    if not ok:
        where = " inside the province" if bounds is not None else ""
        prob.add(
            "bad_coordinates",
            "lon/lat",
            f"{lon_s}/{lat_s}",
            f"columns lon/lat must be WGS84 decimal degrees{where}, got {lon_s!r}/{lat_s!r}; "
            "fix them or leave them empty and give the commune",
        )
        return None
    return Point(lon, lat)


def _commune(r: dict, province, prob: _Row, need: bool) -> pd.Series | None:
    from hotspots import geodata
    from hotspots.errors import LookupNameError

    text = _text(r.get("commune"))
    if not text:
        if need:
            prob.add(
                "missing_location",
                "commune",
                "",
                "give column 'commune' (Xã: a commune of the province) or 'lon'/'lat'",
            )
        return None
    try:
        return geodata.commune(text, province=province)
    except LookupNameError as exc:
        if need:
            prob.add("unknown_commune", "commune", text, f"column 'commune': {exc}")
        return None


def _capacity(r: dict, prob: _Row) -> float:
    s = _text(r.get("capacity")).replace(",", ".")
    if not s:
        return float("nan")
    try:
        v = float(s)
    except ValueError:
        v = float("nan")
    if not (v >= 0 and v == int(v)):
        prob.add(
            "bad_capacity",
            "capacity",
            s,
            f"column 'capacity' must be a whole number of places >= 0, got {s!r}",
        )
        return float("nan")
    return v


def _name_columns(msg: str, headers: dict[str, str]) -> str:
    for canon, head in headers.items():
        if head != canon and not head.startswith("__"):
            msg = msg.replace(f"column '{canon}'", f"column '{canon}' ({head})")
    return msg


def read_facilities_file(path: str | Path, province: object | None = None) -> FacilitiesResult:
    """Read a facilities file; bad rows are quarantined, never dropped silently.

    Parameters
    ----------
    path
        CSV (UTF-8 or Windows-1258), XLSX, or a point layer (GeoPackage/GeoJSON).
        Columns and Vietnamese headers: see the module docstring and docs/support.md.
    province
        Province (name or code) whose communes the ``commune`` names are looked up in
        and whose box (plus ~20 km) coordinates must lie in.

    Returns
    -------
    FacilitiesResult
        Raises :class:`UnusableInputError` when no row is usable or the file lacks a
        ``type`` column.
    """
    from hotspots import geodata

    path = Path(path)
    frame, rows = _read(path)
    if len(frame) == 0:
        raise UnusableInputError(f"facilities file {path.name} has no rows")
    frame, headers = _canonical(frame)
    if "type" not in frame:
        raise UnusableInputError(
            f"facilities file {path.name} has no type column (Loại cơ sở); columns are "
            f"{', '.join(map(str, frame.columns))}"
        )
    bounds = geodata.province(province).geometry.bounds if province is not None else None
    good, bad = [], []
    for i, r in enumerate(frame.to_dict("records")):
        prob = _Row()
        name = _text(r.get("name")) or f"Cơ sở {i + 1}"
        kind = parse_type(r.get("type"))
        if kind is None:
            prob.add(
                "bad_type",
                "type",
                _text(r.get("type")),
                "column 'type' must be one of: cơ sở bảo trợ xã hội (shelter), cơ sở y tế "
                "(health), công an xã (police), trợ giúp pháp lý (legal_aid), điểm tiếp "
                f"nhận (reception); got {_text(r.get('type'))!r}",
            )
        point = _coords(r, prob, bounds)
        bad_xy = any(p[0] == "bad_coordinates" for p in prob.items)
        com = _commune(r, province, prob, need=point is None and not bad_xy)
        if point is None and com is not None:
            point = com.geometry
        cap = _capacity(r, prob)
        if prob.items:
            reason, column, value, _ = prob.items[0]
            msg = _name_columns("; ".join(m for *_, m in prob.items), headers)
            bad.append((int(rows[i]), reason, column, value, msg, name))
            continue
        good.append(
            {
                "facility": f"F{len(good) + 1:03d}",
                "type": kind,
                "name": name,
                "commune": str(com["name"]) if com is not None else _text(r.get("commune")),
                "commune_code": str(com["code"]) if com is not None else "",
                "capacity": cap,
                "hours": _text(r.get("hours")),
                "source_row": int(rows[i]),
                "geometry": point,
            }
        )
    quarantine = pd.DataFrame(bad, columns=[*QUARANTINE_COLUMNS, "name"])
    if not good:
        lines = "; ".join(f"row {b[0]}: {b[4]}" for b in bad[:10])
        raise UnusableInputError(f"facilities file {path.name}: no usable facility ({lines})")
    fac = gpd.GeoDataFrame(good, columns=list(FACILITY_COLUMNS), geometry="geometry", crs=WGS84)
    _fill_commune(fac, province)
    return FacilitiesResult(fac, quarantine, len(frame))


def _fill_commune(fac: gpd.GeoDataFrame, province: object | None) -> None:
    """Give facilities located by coordinates only the commune whose cell holds them."""
    from hotspots import geodata

    empty = fac["commune_code"].eq("").to_numpy()
    if not empty.any():
        return
    try:
        cells = geodata.commune_areas(province=province)
    except Exception:  # noqa: BLE001 - no bundled cells: leave the commune as given
        return
    hit = gpd.sjoin(fac[empty][["geometry"]], cells[["code", "name", "geometry"]], how="left")
    hit = hit[~hit.index.duplicated()]
    idx = np.flatnonzero(empty)
    codes = hit["code"].fillna("").astype(str).to_numpy()
    names = hit["name"].fillna("").astype(str).to_numpy()
    fac.loc[fac.index[idx], "commune_code"] = codes
    given = fac["commune"].iloc[idx].astype(str).to_numpy()
    fac.loc[fac.index[idx], "commune"] = np.where(given == "", names, given)
