"""Recognising column headers: English and Vietnamese names, or a declared mapping.

A header is normalised (diacritics removed, ``đ`` → ``d``, lower case, runs of other
characters → ``_``) and looked up in :data:`SYNONYMS`. Anything not recognised is kept
as an extra column under its original name. A mapping file (YAML, JSON or a two-column
CSV ``source,target``) overrides the automatic recognition.
"""

from __future__ import annotations

import csv
import difflib
import json
import re
import unicodedata
from pathlib import Path

import yaml

from hotspots.data.schema import PII_COLUMNS, STATUS_FIELDS
from hotspots.errors import UnusableInputError

__all__ = [
    "od_columns",
    "SYNONYMS",
    "CANONICAL",
    "SYNONYM_LOOKUP",
    "normalize_header",
    "is_known_header",
    "map_columns",
    "read_mapping",
]

#: Canonical column → recognised normalised headers.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "case_id": (
        "case_id",
        "caseid",
        "id",
        "ma_vu",
        "ma_vu_viec",
        "ma_ho_so",
        "so_vu",
        "crime_id",
        "case_number",
        "case_no",
        "incident_id",
        "cmplnt_num",
        "dr_no",
        "complaint_number",
        "report_number",
        "aktenzeichen",
        "incidntnum",
        "incident_number",
        "arrest_key",
    ),
    "seq": ("seq", "stop", "stop_seq", "thu_tu", "thu_tu_diem", "diem_thu", "sequence", "leg"),
    "occurred_at": (
        "occurred_at",
        "date",
        "occurred",
        "ngay_xay_ra",
        "thoi_gian_xay_ra",
        "ngay_xr",
        "ngay_vu_viec",
        "month",
        "datetime",
        "incident_date",
        "date_occurred",
        "occurrence_date",
        "incident_datetime",
        "date_occ",
        "cmplnt_fr_dt",
        "occurred_on",
        "occurred_date",
        "offense_start_datetime",
        "first_occurrence_date",
        "occurred_on_date",
        "dispatch_date_time",
        "arrest_date",
        "offense_date",
        "offence_date",
        "crime_date",
        "date_time",
        "datum",
        "tatzeit",
        "fecha",
        "fecha_hecho",
    ),
    "occurred_time": (
        "occurred_time",
        "time",
        "time_occ",
        "cmplnt_fr_tm",
        "incident_time",
        "occurrence_time",
        "time_occurred",
        "gio_xay_ra",
        "gio",
        "uhrzeit",
        "hora",
    ),
    "reported_at": (
        "reported_at",
        "reported",
        "date_reported",
        "ngay_to_giac",
        "ngay_trinh_bao",
        "ngay_bao_cao",
        "ngay_phat_hien",
        "date_rptd",
        "rpt_dt",
        "report_datetime",
        "report_date",
        "reported_date",
        "date_of_report",
    ),
    "offence": (
        "offence",
        "offense",
        "crime_type",
        "category",
        "toi_danh",
        "loai_toi_pham",
        "hanh_vi",
        "loai_vu_viec",
        "primary_type",
        "incident_category",
        "ofns_desc",
        "crm_cd_desc",
        "offense_description",
        "offence_description",
        "offense_type",
        "offence_type",
        "crime",
        "delikt",
        "text_general_code",
        "offense_type_id",
        "straftat",
        "delito",
    ),
    "role": ("role", "vai_tro", "loai_dia_diem", "location_role", "vai_tro_dia_diem", "loai_diem"),
    "victims": (
        "victims",
        "n_victims",
        "victim_count",
        "so_nan_nhan",
        "sl_nan_nhan",
        "so_luong_nan_nhan",
    ),
    "lat": (
        "lat",
        "latitude",
        "vi_do",
        "y_wgs84",
        "lat_wgs84",
        "breitengrad",
        "latitud",
        "geo_lat",
    ),
    "lon": (
        "lon",
        "lng",
        "long",
        "longitude",
        "kinh_do",
        "x_wgs84",
        "lon_wgs84",
        "laengengrad",
        "langengrad",
        "longitud",
        "geo_lon",
    ),
    "coordinates": (
        "coordinates",
        "coords",
        "latlon",
        "lat_lon",
        "latlng",
        "lat_lng",
        "gps",
        "toa_do",
        "toa_do_gps",
        "vi_tri_gps",
        "toa_do_vi_tri",
    ),
    "x": ("x", "toa_do_x", "easting", "x_vn2000", "x_coordinate", "x_coord_cd", "point_x"),
    "y": ("y", "toa_do_y", "northing", "y_vn2000", "y_coordinate", "y_coord_cd", "point_y"),
    "commune": (
        "commune",
        "ward",
        "xa_phuong",
        "xa",
        "phuong",
        "xa_phuong_thi_tran",
        "ten_xa",
        "dia_ban_xa",
        "commune_name",
    ),
    "commune_code": ("commune_code", "ma_xa", "ma_xa_phuong", "ward_code"),
    "province": ("province", "tinh", "tinh_thanh", "tinh_thanh_pho", "ten_tinh"),
    "province_code": ("province_code", "ma_tinh"),
    "precision": ("precision", "do_chinh_xac"),
    "received": ("received", "ngay_tiep_nhan", "tiep_nhan"),
    "classified": ("classified", "ngay_phan_loai", "phan_loai"),
    "resolved": ("resolved", "ngay_giai_quyet", "giai_quyet"),
    "case_opened": ("case_opened", "ngay_khoi_to", "khoi_to", "khoi_to_vu_an"),
    "solved": ("solved", "ngay_pha_an", "ngay_kham_pha", "kham_pha", "pha_an"),
    "prosecuted": ("prosecuted", "ngay_truy_to", "truy_to"),
    "tried": ("tried", "ngay_xet_xu", "xet_xu"),
    "victim_name": (
        "victim_name",
        "ho_ten_nan_nhan",
        "ten_nan_nhan",
        "ho_ten",
        "ho_va_ten",
        "full_name",
        "name",
    ),
    "suspect_name": ("suspect_name", "doi_tuong", "ten_doi_tuong", "ho_ten_doi_tuong"),
    "phone": ("phone", "phone_number", "so_dien_thoai", "sdt", "dien_thoai", "so_dt"),
    "id_number": (
        "id_number",
        "cccd",
        "cmnd",
        "so_cccd",
        "so_cmnd",
        "can_cuoc",
        "so_dinh_danh",
        "national_id",
    ),
    "address": ("address", "dia_chi", "noi_o", "dia_chi_thuong_tru"),
    "notes": (
        "notes",
        "note",
        "ghi_chu",
        "noi_dung",
        "tom_tat",
        "description",
        "mo_ta",
        "tom_tat_vu_viec",
    ),
}

#: Every canonical column name.
CANONICAL: tuple[str, ...] = tuple(SYNONYMS)

_LOOKUP = {alias: canon for canon, aliases in SYNONYMS.items() for alias in aliases}
#: Normalised header → canonical column (the inverse of :data:`SYNONYMS`).
SYNONYM_LOOKUP = _LOOKUP
assert set(STATUS_FIELDS) <= set(SYNONYMS) and set(PII_COLUMNS) <= set(SYNONYMS)


def cell_text(v: object) -> str:
    """A cell as stripped text; missing values (None, NaN, NA) are ``""``.

    Used by the readers of side files (units, facilities) that take text cells.
    """
    import numpy as np
    import pandas as pd

    if v is None or (np.ndim(v) == 0 and pd.isna(v)):
        return ""
    return str(v).strip()


def normalize_header(name: object) -> str:
    """Normalise a header: no diacritics, lower case, ``_`` between words."""
    text = str(name).replace("Đ", "D").replace("đ", "d")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")


def is_known_header(name: object) -> bool:
    """True when ``name`` is a recognised column header (English or Vietnamese)."""
    if name is None or isinstance(name, float | int):
        return False
    return normalize_header(name) in _LOOKUP


def read_mapping(path: str | Path) -> dict[str, str]:
    """Read a declared column mapping ``{source header: canonical name}``.

    YAML/JSON: a mapping. CSV: two columns ``source,target`` (header optional).
    Targets are checked against :data:`CANONICAL`.
    """
    p = Path(path)
    if not p.exists():
        raise UnusableInputError(f"mapping file {p} does not exist")
    text = p.read_text(encoding="utf-8-sig")
    if p.suffix.lower() in {".yaml", ".yml", ".json"}:
        try:  # JSON is YAML, but json gives the clearer message for a .json file
            data = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
        except (ValueError, yaml.YAMLError) as exc:
            raise UnusableInputError(
                f"mapping file {p} cannot be read as {p.suffix.lower()[1:].upper()}: "
                + " ".join(str(exc).split())
            ) from None
        data = {} if data is None else data
    else:
        rows = [r for r in csv.reader(text.splitlines()) if r and len(r) >= 2]
        if rows and normalize_header(rows[0][0]) == "source":
            rows = rows[1:]
        data = {r[0].strip(): r[1].strip() for r in rows}
    if not isinstance(data, dict) or not data:
        raise UnusableInputError(
            f"mapping file {p}: expected 'source header: target' pairs (YAML/JSON mapping, "
            "or CSV rows 'source,target'), found none"
        )
    out: dict[str, str] = {}
    for src, dst in data.items():
        canon = _LOOKUP.get(normalize_header(dst), str(dst))
        if canon not in CANONICAL:
            close = difflib.get_close_matches(str(dst), CANONICAL, n=3)
            raise UnusableInputError(
                f"mapping file {p}: '{src}' maps to unknown column '{dst}'"
                + (f"; did you mean {', '.join(close)}?" if close else "")
                + f" Valid targets: {', '.join(CANONICAL)}"
            )
        out[str(src)] = canon
    return out


def map_columns(headers: list[str], mapping: dict[str, str] | None = None) -> dict[str, str]:
    """Map source headers to canonical names.

    Returns
    -------
    dict
        ``{source header: canonical name}`` for recognised headers; unrecognised headers
        are absent (kept as extra columns). When two headers map to the same canonical
        name the first wins and the other is kept as an extra column.
    """
    mapping = mapping or {}
    out: dict[str, str] = {}
    used: set[str] = set()
    norm_map = {normalize_header(k): v for k, v in mapping.items()}
    for h in headers:
        canon = mapping.get(h) or norm_map.get(normalize_header(h))
        if canon is None:
            canon = _LOOKUP.get(normalize_header(h))
        if canon is not None and canon not in used:
            out[h] = canon
            used.add(canon)
    return out


#: Column names of an origin-destination table (one row per flow).
OD_COLUMNS = ("origin_lon", "origin_lat", "dest_lon", "dest_lat")

_OD_ENDS = (
    ("origin", "dest"),
    ("origin", "destination"),
    ("start", "end"),
    ("pickup", "dropoff"),
    ("from", "to"),
    ("o", "d"),
)
_OD_COORDS = (
    ("lat", "lon"),
    ("lat", "lng"),
    ("lat", "long"),
    ("latitude", "longitude"),
    ("y", "x"),
)


def od_columns(headers: list[str]) -> dict[str, str] | None:
    """Recognise an origin-destination (trip) table from its headers.

    ``origin_lon/origin_lat/dest_lon/dest_lat`` and the usual trip-export names
    (``start_lat``/``start_lng``/``end_lat``/``end_lng``, ``pickup_…``/``dropoff_…``,
    ``from_…``/``to_…``) are recognised, without case or diacritics.

    Returns
    -------
    dict or None
        ``{canonical OD column: source header}`` for the four coordinates, or None.
    """
    norm = {normalize_header(h): h for h in headers}
    for a, b in _OD_ENDS:
        found: dict[str, str] = {}
        for end, key in ((a, "origin"), (b, "dest")):
            for lat_n, lon_n in _OD_COORDS:
                if f"{end}_{lat_n}" in norm and f"{end}_{lon_n}" in norm:
                    found[f"{key}_lat"] = norm[f"{end}_{lat_n}"]
                    found[f"{key}_lon"] = norm[f"{end}_{lon_n}"]
                    break
        if len(found) == 4:
            return {k: found[k] for k in OD_COLUMNS}
    return None
