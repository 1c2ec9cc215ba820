"""Ingest: messy case files in, a clean CaseTable, a RouteTable and a Quarantine out.

Every input row ends either in the CaseTable (possibly with flags) or in the
Quarantine with a reason code, the column, the value and a plain message saying what
to change. ``accepted + quarantined == rows_read`` always holds. PII columns (names,
phone numbers, ID numbers, addresses, notes) are split off into ``IngestResult.pii``
and never reach the analysis tables.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from hotspots.data import columns as cols
from hotspots.data.coords import (
    detect_projected_crs,
    in_area,
    parse_coordinates,
    parse_crs,
    parse_numbers,
    split_pair,
)
from hotspots.data.crs import WGS84, metric_crs
from hotspots.data.database import is_database_url, read_database
from hotspots.data.dates import EARLIEST, ORDER_NAMES, detect_date_order, parse_dates, parse_times
from hotspots.data.duplicates import mark_duplicates
from hotspots.data.geocode import (
    fill_commune_codes,
    province_label,
    row_provinces,
    seat_coordinates,
)
from hotspots.data.pii import split_pii_columns
from hotspots.data.readers import RawTable, read_raw
from hotspots.data.routes import ROLE_LOOKUP, build_routes
from hotspots.data.schema import (
    PII_COLUMNS,
    QUARANTINE_COLUMNS,
    REASONS,
    STATUS_FIELDS,
    TZ,
)
from hotspots.errors import InputError, UnusableInputError

__all__ = ["IngestResult", "read_cases", "resolve_area"]

AreaLike = str | Path | gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry | None

_TRUE = {"x", "1", "yes", "y", "true", "co", "da", "dat", "roi", "ok"}
_FALSE = {"0", "no", "n", "false", "khong", "chua", "-"}


#: Largest number of victims or stop order taken as real (larger is a typing error).
_MAX_COUNT = 10_000


@dataclass
class IngestResult:
    """What :func:`read_cases` returns.

    Attributes
    ----------
    cases
        The accepted CaseTable (EPSG:4326 points), see ``docs/data-model.md``.
    routes
        The RouteTable (ordered stops per case) when the input has route stops, else None.
    quarantine
        Every rejected row: ``source_row, reason, column, value, message`` and the row's
        original non-PII values.
    pii
        PII columns by ``source_row`` and ``case_id``. Never written by default.
    rows_read
        Number of records read (malformed rows included).
    info
        What was detected: encoding, column mapping, CRS, date order.
    """

    cases: gpd.GeoDataFrame
    routes: gpd.GeoDataFrame | None
    quarantine: pd.DataFrame
    pii: pd.DataFrame
    rows_read: int
    info: dict = field(default_factory=dict)

    @property
    def accepted(self) -> int:
        """Number of accepted rows."""
        return len(self.cases)

    @property
    def quarantined(self) -> int:
        """Number of quarantined rows."""
        return len(self.quarantine)

    def by_reason(self) -> dict[str, int]:
        """Quarantined rows per reason code."""
        return dict(Counter(self.quarantine["reason"]).most_common())

    def flagged(self) -> dict[str, int]:
        """Accepted rows per flag (repairs and notes such as ``swapped_coordinates``)."""
        c: Counter[str] = Counter()
        for f in self.cases["flags"]:
            if f:
                c.update(f.split(";"))
        return dict(c.most_common())

    def to_dict(self) -> dict:
        """The summary written by ``hotspots validate --json``."""
        return {
            "rows_read": int(self.rows_read),
            "accepted": int(self.accepted),
            "quarantined": int(self.quarantined),
            "by_reason": self.by_reason(),
            "flagged": self.flagged(),
        }

    def summary(self) -> pd.DataFrame:
        """A table of reasons with counts and meanings (quarantined and flagged)."""
        rows = [("quarantined", r, n, REASONS.get(r, "")) for r, n in self.by_reason().items()]
        rows += [("flagged", r, n, REASONS.get(r, "")) for r, n in self.flagged().items()]
        return pd.DataFrame(rows, columns=["outcome", "reason", "rows", "meaning"])


class _Flags(dict):
    """Row position -> list of flags, created on first use (most rows have none)."""

    def __missing__(self, i: int) -> list[str]:
        self[i] = lst = []
        return lst


class _Problems:
    """Collects every problem of each row: the first decides the reason, all are told."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.reason = np.full(n, None, dtype=object)
        self.column = np.full(n, None, dtype=object)
        self.value = np.full(n, None, dtype=object)
        self.message: dict[int, list[str]] = {}
        self.flags: _Flags = _Flags()

    def add(self, i: int, reason: str, column: str, value: object, message: str) -> None:
        """Record a problem of row position ``i``."""
        if self.reason[i] is None:
            self.reason[i], self.column[i], self.value[i] = reason, column, value
        self.message.setdefault(int(i), []).append(message)

    @property
    def bad(self) -> np.ndarray:
        """Rows with at least one problem."""
        return np.array([r is not None for r in self.reason], dtype=bool)

    def flag_strings(self) -> np.ndarray:
        """The ``;``-joined flags of every row."""
        out = np.full(self.n, "", dtype=object)
        for i, f in self.flags.items():
            out[i] = ";".join(dict.fromkeys(f))
        return out


def resolve_area(area: AreaLike = None, province: str | None = None) -> gpd.GeoDataFrame | None:
    """Turn a province name/code, polygon file, GeoDataFrame or geometry into one polygon.

    Parameters
    ----------
    area
        A polygon file (GeoJSON, GeoPackage, Shapefile), GeoDataFrame, GeoSeries or
        shapely geometry; its polygons are united.
    province
        Instead of ``area``: a Vietnamese province name or code (2025 structure).

    Returns
    -------
    geopandas.GeoDataFrame or None
        One row in EPSG:4326 (``name``, and ``code`` for a province), or None when
        neither is given.

    Raises
    ------
    InputError
        When both are given.
    UnusableInputError
        When the area file is missing, unreadable or holds no polygon.
    """
    if province is not None and area is not None:
        raise InputError("give either a province or an area, not both")
    if province is not None:
        from hotspots import geodata

        row = geodata.province(str(province))
        return gpd.GeoDataFrame(
            {"name": [row["name"]], "code": [row["code"]]}, geometry=[row.geometry], crs=WGS84
        )
    if area is None:
        return None
    if isinstance(area, str | Path):
        p = Path(area)
        if not p.exists():
            raise UnusableInputError(f"area file {p} does not exist")
        try:
            area = gpd.read_file(p)
        except Exception as exc:  # noqa: BLE001
            raise UnusableInputError(f"area file {p} cannot be read: {exc}") from None
        if not isinstance(area, gpd.GeoDataFrame):  # e.g. a CSV: a table without geometry
            raise UnusableInputError(
                f"area file {p} holds no geometry; give the area's polygon as GeoJSON, "
                "GeoPackage or Shapefile"
            )
    if isinstance(area, shapely.Geometry):
        area = gpd.GeoSeries([area], crs=WGS84)
    if isinstance(area, gpd.GeoDataFrame):
        area = area.geometry
    if not isinstance(area, gpd.GeoSeries):
        raise InputError(
            f"area must be a polygon file, GeoDataFrame, GeoSeries or shapely polygon, "
            f"got {type(area).__name__}"
        )
    if area.crs is None:
        area = area.set_crs(WGS84)
    geom = shapely.union_all(area.to_crs(WGS84).geometry.values)
    if geom.is_empty or geom.geom_type not in {"Polygon", "MultiPolygon"}:
        found = "nothing" if geom.is_empty else geom.geom_type
        raise UnusableInputError(
            f"the area must contain at least one polygon (found {found}); give the outline "
            "of the study area, or --province"
        )
    return gpd.GeoDataFrame({"name": ["area"]}, geometry=[geom], crs=WGS84)


def _to_float(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse numbers (comma decimals accepted). Returns values, empty mask, bad mask."""
    return parse_numbers(values)


def _in_vietnam(lon: np.ndarray, lat: np.ndarray) -> bool:
    """True unless most finite points lie outside Vietnam's bounding box."""
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return True
    inside = (lon[ok] > 102.0) & (lon[ok] < 110.0) & (lat[ok] > 8.0) & (lat[ok] < 23.5)
    return bool(inside.mean() >= 0.5)


def _od_hint(headers: list[str]) -> str:
    """A hint when the headers look like a trip (origin-destination) export."""
    found = cols.od_columns(headers)
    if found is None:
        return ""
    pairs = ", ".join(f"'{v}' -> {k}" for k, v in found.items() if v != k)
    return (
        ". These columns look like an origin-destination table: `hotspots key-lines` reads "
        f"it as one ({pairs or 'names as they are'})"
    )


#: Fewest located points for telling points far from all the others.
_FAR_MIN_POINTS = 20


def _far_points(lon: np.ndarray, lat: np.ndarray, located: np.ndarray) -> np.ndarray:
    """Distance (m) from the median point for points far from all others, else 0."""
    lon0 = float(np.median(lon[located]))
    lat0 = float(np.median(lat[located]))
    la1, la2 = np.radians(lat0), np.radians(np.where(located, lat, lat0))
    dlon = np.radians(np.where(located, lon, lon0) - lon0)
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin(dlon / 2) ** 2
    d = 2 * 6_371_000.0 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
    limit = max(10 * float(np.quantile(d[located], 0.9)), 50_000.0)
    return np.where(located & (d > limit), d, 0.0)


def _outlier(
    pr: _Problems,
    i: int,
    policy: str,
    reason: str,
    column: str,
    lon: float,
    lat: float,
    message: str,
) -> None:
    """Flag (``outside='flag'``) or quarantine a point that lies where cases should not."""
    if policy == "flag":
        pr.flags[i].append(reason)
    else:
        pr.add(i, reason, column, f"{lon:.6f}, {lat:.6f}", message)


def _norm(v: object) -> str:
    return cols.normalize_header(v) if v is not None else ""


def _read_source(
    source: str | Path | pd.DataFrame,
    encoding: str | None,
    delimiter: str | None,
    sheet: str | int | None,
    headers: list[str],
    table: str | None,
    query: str | None,
) -> RawTable:
    """Read a file, a DataFrame or a database table/query into a RawTable."""
    if is_database_url(source):
        return read_database(str(source), table=table, query=query)
    if table is not None or query is not None:
        raise InputError(
            f"{source}: --table/--query go with a database URL (postgresql://...), not a file"
        )
    return read_raw(source, encoding=encoding, delimiter=delimiter, sheet=sheet, headers=headers)


def read_cases(
    source: str | Path | pd.DataFrame,
    province: str | None = None,
    area: AreaLike = None,
    *,
    mapping: str | Path | dict[str, str] | None = None,
    crs: str | CRS | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
    date_order: Literal["auto", "dmy", "mdy", "ymd"] = "auto",
    outside: Literal["quarantine", "flag"] = "quarantine",
    area_tolerance_m: float = 1000.0,
    today: pd.Timestamp | str | None = None,
    table: str | None = None,
    query: str | None = None,
) -> IngestResult:
    """Read, check and clean case records.

    Parameters
    ----------
    source
        CSV (UTF-8, UTF-8 with BOM or Windows-1258), XLSX, GeoJSON, GeoPackage, Shapefile,
        a (Geo)DataFrame, or a PostgreSQL/PostGIS URL ``postgresql://user@host:5432/db``
        with ``table`` or ``query`` (password from ``PGPASSWORD`` or ``~/.pgpass``; see
        :mod:`hotspots.data.database`). Database rows pass the same checks; their
        ``source_row`` is the table's primary key.
    province
        Vietnamese province (name or code, 2025 structure) the cases must lie in.
    area
        Instead of a province: a polygon file, GeoDataFrame or shapely polygon. With
        neither, the data's own extent is used and no point is outside.
    mapping
        Column mapping ``{source header: canonical name}`` or a YAML/JSON/CSV file with
        it, for headers that are not recognised automatically.
    crs
        CRS of the coordinates when they are not WGS84 longitude/latitude: an EPSG code,
        ``"VN-2000"`` (geographic), ``"VN-2000/TM3:104.75"`` (provincial TM-3 zone) or
        ``"VN-2000/UTM:105"``. Detected from the values when not given (projected
        coordinates: the VN-2000/WGS84 zone that puts most points inside the area).
    encoding, delimiter
        Text encoding and delimiter of a CSV (detected when not given).
    sheet
        XLSX sheet or GeoPackage layer, by name or 0-based number (default: the sheet
        whose header has the most recognised names; the only layer with features).
    date_order
        How to read ambiguous slash dates. ``"auto"`` (default) decides per date column:
        day first when some date has a first field above 12 and none a second field
        above 12, month first (US exports, ``03/18/2015``) in the opposite case, else day
        first (Vietnamese usage). The decision is in ``info["date_orders"]``. ``"dmy"``,
        ``"mdy"`` or ``"ymd"`` force one reading for every column.
    outside
        ``"quarantine"`` (default) or ``"flag"`` points outside the province or area.
    area_tolerance_m
        Points this close outside the area boundary count as inside (the bundled
        province polygons are simplified).
    today
        Dates after this are "in the future" (default: now).
    table, query
        With a database URL: the table (``schema.name``) or ``SELECT`` to read.

    Returns
    -------
    IngestResult
    """
    if isinstance(mapping, str | Path):
        mapping = cols.read_mapping(mapping)
    raw = _read_source(source, encoding, delimiter, sheet, list(mapping or {}), table, query)
    frame = raw.frame
    headers = [h for h in frame.columns if not h.startswith("__")]
    colmap = cols.map_columns(headers, mapping)
    canon = {v: k for k, v in colmap.items()}  # canonical -> source header
    for gen, target in (("__lon", "lon"), ("__lat", "lat"), ("__x", "x"), ("__y", "y")):
        if gen in frame.columns and target not in canon:
            canon[target] = gen
    has_xy = "x" in canon and "y" in canon
    has_ll = "lon" in canon and "lat" in canon
    pair_col, pair_bad = None, np.zeros(len(frame), dtype=bool)
    if "coordinates" in canon and not (has_ll or has_xy):
        # one column "latitude, longitude" (as map applications copy it): split it
        pair_col = canon["coordinates"]
        pairs = [split_pair(str(v)) if str(v).strip() else ("", "") for v in frame[pair_col]]
        pair_bad = np.array([p is None for p in pairs], dtype=bool)
        canon["lat"], canon["lon"] = f"{pair_col} (vĩ độ)", f"{pair_col} (kinh độ)"
        frame = frame.assign(
            **{
                canon["lat"]: [p[0] if p else "" for p in pairs],
                canon["lon"]: [p[1] if p else "" for p in pairs],
            }
        )
        has_ll = True
    if not (has_ll or has_xy or "commune" in canon or "commune_code" in canon):
        raise UnusableInputError(
            f"{raw.source}: no location column. Found columns: {', '.join(headers) or '(none)'}."
            " Expected longitude/latitude ('Kinh độ'/'Vĩ độ', 'lon'/'lat'), one "
            "'latitude, longitude' column ('Tọa độ'), projected 'x'/'y', or a commune name "
            "or code ('Xã/Phường', 'Mã xã'). Rename a column or pass a mapping file "
            "(--mapping)" + _od_hint(headers)
        )
    n_ok = len(frame)
    n = n_ok
    area_gdf = resolve_area(area, province)
    province_code = None
    if province is not None:
        province_code = str(area_gdf["code"].iloc[0])
    pr = _Problems(n)
    for i in np.flatnonzero(pair_bad):
        v = frame[pair_col].iloc[i]
        pr.add(
            i,
            "bad_coordinates",
            pair_col,
            v,
            f"'{v}' in column '{pair_col}' is not a 'latitude, longitude' pair; write it "
            "as 22.4856, 103.9707",
        )

    def col(name: str) -> pd.Series:
        if name in canon:
            return frame[canon[name]].reset_index(drop=True)
        return pd.Series([""] * n, dtype=object)

    rows = raw.rows
    # --- area in metres --------------------------------------------------------------
    crs_m = None
    area_m = None
    if area_gdf is not None:
        crs_m = metric_crs(area_gdf)
        area_m = shapely.buffer(area_gdf.to_crs(crs_m).geometry.iloc[0], area_tolerance_m)
        shapely.prepare(area_m)

    # --- coordinates ---------------------------------------------------------------
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    precision = np.full(n, "exact", dtype=object)
    declared = parse_crs(crs)
    info: dict = {
        "source": raw.source,
        "encoding": raw.encoding,
        "columns": {k: v for k, v in colmap.items()},
        "date_order": date_order,
    }
    if raw.title_rows:
        info["title_rows"] = list(raw.title_rows)
    if has_xy and not has_ll and declared is None and raw.crs is None:
        # x/y columns that hold degrees (San Francisco's historical X/Y, Philadelphia's
        # point_x/point_y): read them as longitude/latitude
        x_v, x_e, x_b = parse_numbers(col("x"))
        y_v, y_e, y_b = parse_numbers(col("y"))
        ok_xy = ~(x_e | y_e | x_b | y_b) & ~((x_v == 0) & (y_v == 0))
        deg = ok_xy & (np.abs(x_v) <= 180) & (np.abs(y_v) <= 180)
        if ok_xy.any() and deg.sum() >= 0.9 * ok_xy.sum():
            canon["lon"], canon["lat"] = canon.pop("x"), canon.pop("y")
            has_ll, has_xy = True, False
            info["xy_in_degrees"] = (
                f"columns '{canon['lon']}'/'{canon['lat']}' hold degrees, not metres: read "
                "as longitude/latitude"
            )
    if "__nonpoint" in frame.columns:
        np_mask = frame["__nonpoint"].astype(bool).to_numpy()
        for i in np.flatnonzero(np_mask):
            pr.flags[i].append("non_point_geometry")
    ll_metres = False
    if has_ll:
        a_name, b_name = canon["lon"], canon["lat"]
        lon_v, lon_e, lon_b = parse_coordinates(col("lon"))
        lat_v, lat_e, lat_b = parse_coordinates(col("lat"))
        ok_ll = ~(lon_b | lat_b | lon_e | lat_e)
        big = ok_ll & (np.abs(lon_v) > 1000) & (np.abs(lat_v) > 1000)
        big &= (np.abs(lon_v) < 1e7) & (np.abs(lat_v) < 1e7)
        # longitude/latitude columns that hold metres (VN-2000 or UTM x/y)
        ll_metres = (declared is not None and declared.is_projected) or (
            declared is None and raw.crs is None and big.sum() > 0.5 * max(ok_ll.sum(), 1)
        )
        if ll_metres and declared is None:
            # only when some VN-2000/UTM zone fits them; else they are bad degrees
            e, nn = lon_v[big], lat_v[big]
            if np.median(e) > 1_000_000 > np.median(nn):
                e, nn = nn, e
            try:
                detect_projected_crs(e, nn, area_m, crs_m, province_code)
            except UnusableInputError:
                ll_metres = False
        if ll_metres and not (declared is not None and declared.is_projected):
            info["lonlat_in_metres"] = (
                f"columns '{a_name}'/'{b_name}' hold metres, not degrees: read as x/y"
            )
    if has_ll and not ll_metres:
        src_crs = declared or raw.crs
        for i in np.flatnonzero(lon_b | lat_b):
            bad_cols = [(a_name, col("lon")[i])] if lon_b[i] else []
            bad_cols += [(b_name, col("lat")[i])] if lat_b[i] else []
            for c, v in bad_cols:
                pr.add(
                    i,
                    "bad_coordinates",
                    c,
                    v,
                    f"'{v}' in column '{c}' is not a coordinate; write decimal degrees such "
                    "as 22.4856 (a comma or a dot as decimal mark) or degrees-minutes-seconds "
                    "such as 22°29'08\"N",
                )
        badnum = lon_b | lat_b
        empty = (lon_e | lat_e) & ~badnum
        zero = (lon_v == 0) & (lat_v == 0)
        given = ~badnum & ~empty & ~zero
        lon[given], lat[given] = lon_v[given], lat_v[given]
        if src_crs is not None and not CRS.from_user_input(src_crs).equals(CRS(WGS84)):
            ok = given & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
            tr = Transformer.from_crs(src_crs, WGS84, always_xy=True)
            lon[ok], lat[ok] = tr.transform(lon[ok], lat[ok])
            for i in np.flatnonzero(ok):
                pr.flags[i].append("converted_crs")
            info["crs"] = CRS.from_user_input(src_crs).to_string()
        # swapped latitude/longitude
        swap = np.zeros(n, dtype=bool)
        if area_m is not None:
            inside = in_area(lon, lat, area_m, crs_m)
            inside_sw = in_area(lat, lon, area_m, crs_m)
            swap = given & ~inside & inside_sw
        swap |= given & (np.abs(lat) > 90) & (np.abs(lat) <= 180) & (np.abs(lon) <= 90)
        lon[swap], lat[swap] = lat[swap], lon[swap]
        for i in np.flatnonzero(swap):
            pr.flags[i].append("swapped_coordinates")
        oor = given & ((np.abs(lon) > 180) | (np.abs(lat) > 90))
        for i in np.flatnonzero(oor):
            pr.add(
                i,
                "coordinates_out_of_range",
                f"{a_name}/{b_name}",
                f"{col('lon')[i]}, {col('lat')[i]}",
                f"longitude {lon[i]} / latitude {lat[i]} are outside -180..180 / -90..90; "
                "if these are projected metres (VN-2000, UTM), name the columns x/y and "
                "declare the CRS (--crs)",
            )
        lon[oor], lat[oor] = np.nan, np.nan
    elif has_xy or ll_metres:
        xn, yn = ("x", "y") if has_xy and not has_ll else ("lon", "lat")
        if has_xy and not has_ll:
            x_v, x_e, x_b = parse_numbers(col(xn))
            y_v, y_e, y_b = parse_numbers(col(yn))
        else:
            x_v, x_e, x_b, y_v, y_e, y_b = lon_v, lon_e, lon_b, lat_v, lat_e, lat_b
        for i in np.flatnonzero(x_b | y_b):
            bad_cols = [(canon[xn], col(xn)[i])] if x_b[i] else []
            bad_cols += [(canon[yn], col(yn)[i])] if y_b[i] else []
            for c, v in bad_cols:
                pr.add(
                    i,
                    "bad_coordinates",
                    c,
                    v,
                    f"'{v}' in column '{c}' is not a number; write metres such as 2487639.77",
                )
        given = ~(x_b | y_b | x_e | y_e) & ~((x_v == 0) & (y_v == 0))
        x, y = x_v.copy(), y_v.copy()
        # Vietnamese surveying writes X = northing, Y = easting: detect by magnitude.
        if given.any() and np.nanmedian(x[given]) > 1_000_000 > np.nanmedian(y[given]):
            x, y = y, x
            info["xy_order"] = "X=northing, Y=easting (Vietnamese convention, detected)"
        src = declared or raw.crs
        if src is None:
            seats_xy = None
            if "commune" in canon or "commune_code" in canon:
                seats_xy = seat_coordinates(col("commune"), col("commune_code"), province_code)
                seats_xy = (seats_xy[0][given], seats_xy[1][given])
            src, how, assumed = detect_projected_crs(
                x[given], y[given], area_m, crs_m, province_code, seats_xy
            )
            info["crs_detected"] = how
            if assumed:
                for i in np.flatnonzero(given):
                    pr.flags[i].append("crs_assumed")
        tr = Transformer.from_crs(src, WGS84, always_xy=True)
        lon[given], lat[given] = tr.transform(x[given], y[given])
        bad = given & ~(np.isfinite(lon) & np.isfinite(lat))
        for i in np.flatnonzero(given & ~bad):
            pr.flags[i].append("converted_crs")
        for i in np.flatnonzero(bad):
            pr.add(
                i,
                "coordinates_out_of_range",
                f"{canon[xn]}/{canon[yn]}",
                f"{col(xn)[i]}, {col(yn)[i]}",
                "coordinates cannot be converted to WGS84; check the values and --crs",
            )
        lon[bad], lat[bad] = np.nan, np.nan
        info["crs"] = CRS.from_user_input(src).to_string()

    # --- commune geocoding -----------------------------------------------------------
    commune_code = np.full(n, None, dtype=object)
    row_prov = np.full(n, province_code, dtype=object)
    if province_code is None and ("province" in canon or "province_code" in canon):
        row_prov = row_provinces(
            col("province"),
            col("province_code"),
            pr.add,
            canon,
            lambda i, code: pr.flags[i].append(code),
        )
    has_commune = "commune" in canon or "commune_code" in canon
    if has_commune and province_code is None and area_gdf is None and not _in_vietnam(lon, lat):
        # located points elsewhere in the world (e.g. Chicago's 'Ward' numbers): the
        # commune column is not a Vietnamese commune; keep it as an extra column
        info["commune_column_ignored"] = (
            f"column '{canon.get('commune', canon.get('commune_code'))}' not read as a "
            "Vietnamese commune: the located points lie outside Vietnam"
        )
        has_commune = False
        for key in ("commune", "commune_code"):
            if key in canon:
                info["columns"].pop(canon.pop(key), None)
    need = ~np.isfinite(lon) & ~pr.bad
    if has_commune and need.any():
        from hotspots.data.geocode import commune_table, match_commune

        table = commune_table()
        names, codes = col("commune"), col("commune_code")
        matches: dict[tuple, object] = {}
        seat_x = dict(zip(table["code"], table.geometry.x, strict=True))
        seat_y = dict(zip(table["code"], table.geometry.y, strict=True))
        seat_prov = dict(zip(table["code"], table["province_code"], strict=True))
        for i in np.flatnonzero(need):
            nm, cd = str(names[i]).strip(), str(codes[i]).strip()
            if not nm and not cd:
                continue
            mkey = (nm, cd, row_prov[i])
            if mkey not in matches:
                matches[mkey] = match_commune(nm or None, cd or None, row_prov[i])
            m = matches[mkey]
            label = nm or cd
            cname = canon.get("commune", canon.get("commune_code"))
            if m.resolved:
                c = m.codes[0]
                lon[i], lat[i] = seat_x[c], seat_y[c]
                commune_code[i] = c
                row_prov[i] = row_prov[i] or seat_prov[c]
                precision[i] = "commune"
                pr.flags[i].append("geocoded_commune")
            elif m.codes:
                cands = "; ".join(
                    f"{table.at[c, 'name']} ({c}, {table.at[c, 'province_name']})"
                    for c in m.codes[:8]
                )
                pr.add(
                    i,
                    "ambiguous_commune",
                    cname,
                    label,
                    f"commune '{label}' matches {len(m.codes)} communes: {cands}. Write the "
                    "commune code (Mã xã) or give the province",
                )
            else:
                hint = f"; closest: {', '.join(m.hints)}" if m.hints else ""
                where = f" in {province_label(row_prov[i])}" if row_prov[i] else ""
                hint += ". Fix the name or write the commune code (Mã xã)"
                pr.add(
                    i,
                    "unknown_commune",
                    cname,
                    label,
                    f"commune '{label}' is not a commune of the 2025 structure{where}{hint}",
                )
    missing = ~np.isfinite(lon) & ~pr.bad
    if "__lon" in frame.columns or "__x" in frame.columns:
        loc_col = "geometry"
    elif pair_col is not None:
        loc_col = pair_col
    elif has_ll:
        loc_col = f"{canon['lon']}/{canon['lat']}"
    elif has_xy:
        loc_col = f"{canon['x']}/{canon['y']}"
    else:
        loc_col = canon.get("commune", canon.get("commune_code", "lon/lat"))
    for i in np.flatnonzero(missing):
        pr.add(
            i,
            "missing_coordinates",
            loc_col,
            "",
            "no coordinates and no commune: add longitude/latitude (Kinh độ/Vĩ độ) or the "
            "commune name (Xã/Phường)",
        )

    # --- outside the area ----------------------------------------------------------
    located = np.isfinite(lon) & ~pr.bad
    if area_m is not None and located.any():
        inside = in_area(lon, lat, area_m, crs_m)
        out_mask = located & ~inside
        where = area_gdf["name"].iloc[0]
        for i in np.flatnonzero(out_mask):
            _outlier(
                pr,
                i,
                outside,
                "outside_area",
                loc_col,
                lon[i],
                lat[i],
                f"point ({lat[i]:.5f} N, {lon[i]:.5f} E) lies outside {where}; check the "
                "coordinates, or keep such points with --outside flag (outside='flag')",
            )

    elif area_m is None and located.sum() >= _FAR_MIN_POINTS:
        # No area given: a point far from all the others is a placeholder or a bad geocode
        # (Boston's -1/-1, Chicago's rows in Missouri); kept, it would stretch every grid
        # over a continent. Far = beyond 10x the distance within which 90% of the points
        # lie from their median, and at least 50 km.
        far = _far_points(lon, lat, located)
        if far.any():
            info["far_points"] = int(far.sum())
        for i in np.flatnonzero(far):
            _outlier(
                pr,
                i,
                outside,
                "far_from_others",
                loc_col,
                lon[i],
                lat[i],
                f"point ({lat[i]:.5f}, {lon[i]:.5f}) is {far[i] / 1000:.0f} km from the "
                "middle of the other cases, far beyond where they lie: a placeholder or a "
                "wrong location? Fix it, give the study area (--area), or keep such "
                "points with --outside flag",
            )

    # --- dates -----------------------------------------------------------------------
    now = pd.Timestamp.now(tz=TZ) if today is None else pd.Timestamp(today)
    if now.tzinfo is None:
        now = now.tz_localize(TZ)
    dates: dict[str, pd.Series] = {}
    orders: dict[str, dict[str, str]] = {}

    if date_order == "auto":
        # per column; a column without evidence (every field <= 12) follows the other
        # date columns of the same file when they all agree on month first
        found = {
            name: detect_date_order(col(name))
            for name in ("occurred_at", "reported_at", *STATUS_FIELDS)
            if name in canon
        }
        evidenced = {o for o, why in found.values() if why.startswith(("day first:", "month f"))}
        for name, (o, why) in found.items():
            if evidenced == {"mdy"} and "no slash date has a field above 12" in why:
                src = next(canon[k] for k, (_, w) in found.items() if w.startswith("month f"))
                o, why = "mdy", f"month first, like column '{src}' of the same file"
            orders[name] = {"column": canon[name], "order": o, "why": why}
    else:
        for name in ("occurred_at", "reported_at", *STATUS_FIELDS):
            if name in canon:
                orders[name] = {"column": canon[name], "order": date_order, "why": "given"}

    def order_of(name: str, values: pd.Series) -> str:
        return orders[name]["order"]

    for name in ("occurred_at", "reported_at"):
        if name not in canon:
            dates[name] = pd.Series(pd.NaT, index=range(n), dtype=f"datetime64[ns, {TZ}]")
            continue
        ser, problems = parse_dates(col(name), order=order_of(name, col(name)))
        for i, p in problems.items():
            pr.add(i, "bad_date", canon[name], col(name)[i], f"column '{canon[name]}': {p.message}")
        dates[name] = ser
    if "occurred_time" in canon and "occurred_at" in canon:
        # a separate time-of-day column (NYC CMPLNT_FR_TM, LA TIME OCC "2230"): added to
        # dates that carry no time of their own
        secs, tbad = parse_times(col("occurred_time"))
        occ = dates["occurred_at"]
        midnight = (occ.notna() & (occ == occ.dt.normalize())).to_numpy()
        add = midnight & np.isfinite(secs)
        if add.any():
            delta = pd.to_timedelta(np.where(add, secs, 0.0), unit="s")
            dates["occurred_at"] = (occ.dt.tz_localize(None) + delta).dt.tz_localize(TZ)
        for i in np.flatnonzero(tbad & occ.notna().to_numpy()):
            pr.flags[i].append("bad_time")
    for name in STATUS_FIELDS:
        if name not in canon:
            dates[name] = pd.Series(pd.NaT, index=range(n), dtype=f"datetime64[ns, {TZ}]")
            continue
        raw_vals = col(name)
        codes, uniq = pd.factorize(raw_vals.astype(str))
        normed = np.array([_norm(u) for u in uniq], dtype=object)
        is_true = np.isin(normed, list(_TRUE))[codes]
        is_false = np.isin(normed, list(_FALSE))[codes]
        vals = raw_vals.where(~(is_true | is_false), "")
        ser, problems = parse_dates(vals, order=order_of(name, vals))
        for i, p in problems.items():
            pr.add(
                i,
                "bad_date",
                canon[name],
                raw_vals[i],
                f"column '{canon[name]}': {p.message} (or write x / có for 'done, date unknown')",
            )
        if is_true.any():
            stand_in = dates["reported_at"].fillna(dates["occurred_at"])
            ser = ser.where(~is_true, stand_in)
            for i in np.flatnonzero(is_true):
                pr.flags[i].append("status_flag_as_date")
        dates[name] = ser
    for name, ser in dates.items():
        c = canon.get(name, name)
        early = (ser < EARLIEST).to_numpy()
        late = (ser > now + pd.Timedelta(days=1)).to_numpy()
        how = ORDER_NAMES[orders.get(name, {}).get("order", "dmy")]
        for i in np.flatnonzero(early):
            pr.add(
                i,
                "impossible_date",
                c,
                col(name)[i],
                f"column '{c}': {ser[i]:%d/%m/%Y} is before 1990; check the year",
            )
        for i in np.flatnonzero(late):
            pr.add(
                i,
                "future_date",
                c,
                col(name)[i],
                f"column '{c}': {ser[i]:%d/%m/%Y} is in the future; check the year and the "
                f"day/month order (read as {how}; choose with --date-order)",
            )
    if "reported_at" in canon and "occurred_at" in canon:
        before = (dates["reported_at"] < dates["occurred_at"] - pd.Timedelta(days=1)).to_numpy()
        for i in np.flatnonzero(before):
            pr.add(
                i,
                "impossible_date",
                canon["reported_at"],
                col("reported_at")[i],
                f"reported {dates['reported_at'][i]:%d/%m/%Y} before it occurred "
                f"{dates['occurred_at'][i]:%d/%m/%Y}; check both dates",
            )

    info["date_orders"] = orders

    # --- role, victims, seq, precision, case id ------------------------------------------
    role = np.full(n, "other", dtype=object)
    if "role" in canon:
        codes, uniq = pd.factorize(col("role").astype(str))
        keys = [_norm(u) for u in uniq]
        mapped = np.array([ROLE_LOOKUP.get(k, "other") for k in keys], dtype=object)
        unknown = np.array([bool(k) and k not in ROLE_LOOKUP for k in keys], dtype=bool)
        role = mapped[codes] if len(codes) else role
        for i in np.flatnonzero(unknown[codes] if len(codes) else []):
            pr.flags[i].append("unknown_role")
    victims = np.zeros(n, dtype=np.int64)
    if "victims" in canon:
        v_num, v_empty, v_bad = _to_float(col("victims"))
        v_bad |= (
            ~v_empty & ~v_bad & ((v_num < 0) | (v_num != np.round(v_num)) | (v_num > _MAX_COUNT))
        )
        for i in np.flatnonzero(v_bad):
            pr.add(
                i,
                "bad_value",
                canon["victims"],
                col("victims")[i],
                f"column '{canon['victims']}': victims '{col('victims')[i]}' must be a whole "
                f"number from 0 to {_MAX_COUNT}",
            )
        victims = np.where(v_empty | v_bad, 0, v_num)
        victims = np.nan_to_num(victims).astype(np.int64)
    seq = None
    if "seq" in canon:
        s_num, s_empty, s_bad = _to_float(col("seq"))
        s_bad |= (
            ~s_empty & ~s_bad & ((s_num != np.round(s_num)) | (s_num < 0) | (s_num > _MAX_COUNT))
        )
        for i in np.flatnonzero(s_bad):
            pr.add(
                i,
                "bad_value",
                canon["seq"],
                col("seq")[i],
                f"column '{canon['seq']}': stop order '{col('seq')[i]}' must be a whole "
                f"number from 0 to {_MAX_COUNT}",
            )
        seq = np.nan_to_num(np.where(s_empty | s_bad, -1, s_num)).astype(np.int64)
    if "precision" in canon:
        codes, uniq = pd.factorize(col("precision").astype(str))
        given_p = np.array([_norm(u) for u in uniq], dtype=object)[codes]
        take = np.isin(given_p, ["commune", "province"]) & (precision == "exact")
        precision[take] = given_p[take]
    generated_id = np.zeros(n, dtype=bool)
    if "case_id" in canon:
        ids = col("case_id").map(lambda v: str(v).strip()).to_numpy(dtype=object)
        empty_id = ids == ""
        for i in np.flatnonzero(empty_id):
            ids[i] = f"row{rows[i]}"
            pr.flags[i].append("missing_case_id")
        generated_id = empty_id
    else:
        ids = np.array([f"row{r}" for r in rows], dtype=object)
        generated_id[:] = True
    if "commune_code" in canon:
        for i, v in enumerate(col("commune_code")):
            if commune_code[i] is None and str(v).strip():
                commune_code[i] = str(v).strip().removesuffix(".0").zfill(5)

    # --- extra columns, PII ---------------------------------------------------------
    pii_cols, extras, duplicated = split_pii_columns(frame, headers, canon)
    info["pii_columns"] = [canon.get(c, c) for c in pii_cols]
    if duplicated:
        info["duplicate_columns"] = {
            h: f"a second '{b}' column: "
            + ("kept apart as PII" if b in PII_COLUMNS else "kept as an extra column, not read")
            for h, b in duplicated.items()
        }

    # --- duplicates ----------------------------------------------------------------
    value_cols = [canon[c] for c in canon if c not in PII_COLUMNS and not canon[c].startswith("__")]
    mark_duplicates(
        frame[value_cols + extras],
        ids,
        role if "role" in canon else None,
        seq,
        rows,
        ~pr.bad & ~generated_id,
        pr.add,
        canon.get("case_id", "case_id"),
    )

    # --- assemble -------------------------------------------------------------------
    bad = pr.bad
    good = ~bad
    flags = pr.flag_strings()
    province_col = np.array([p if p is not None else "" for p in row_prov], dtype=object)
    if province_code is None and area_gdf is None and has_commune:
        pass
    data = {
        "case_id": ids,
        "occurred_at": dates["occurred_at"].array,
        "reported_at": dates["reported_at"].array,
        "offence": col("offence").map(lambda v: str(v).strip()).to_numpy(dtype=object),
        "role": role,
        "victims": victims,
        "province_code": province_col,
        "commune_code": commune_code,
        "precision": precision,
        "flags": flags,
        "source_row": rows,
    }
    cases = pd.DataFrame(data)
    for name in STATUS_FIELDS:
        cases[name] = dates[name].array
    if seq is not None:
        cases.insert(1, "seq", seq)
    for h in extras:
        if h not in cases.columns:
            cases[h] = frame[h].to_numpy()
    geometry = gpd.points_from_xy(lon, lat, crs=WGS84)
    cases = gpd.GeoDataFrame(cases, geometry=geometry, crs=WGS84)
    for c in ("occurred_at", "reported_at", *STATUS_FIELDS):
        if not isinstance(cases[c].dtype, pd.DatetimeTZDtype):
            cases[c] = pd.to_datetime(cases[c], utc=True).dt.tz_convert(TZ)
    accepted = cases.loc[good].reset_index(drop=True)
    fill_commune_codes(accepted, province_code is not None or has_commune)

    qcols = {
        "source_row": rows[bad],
        "reason": pr.reason[bad],
        "column": pr.column[bad],
        "value": [str(v) if v is not None else "" for v in pr.value[bad]],
        "message": [" | ".join(pr.message[i]) for i in np.flatnonzero(bad)],
    }
    quarantine = pd.DataFrame(qcols, columns=list(QUARANTINE_COLUMNS))
    keep_raw = [
        h for h in headers if h not in {canon.get(c) for c in pii_cols} and h not in pii_cols
    ]
    raw_bad = frame.loc[bad, keep_raw].reset_index(drop=True)
    raw_bad.columns = [f"raw:{h}" for h in keep_raw]
    quarantine = pd.concat([quarantine.reset_index(drop=True), raw_bad], axis=1)
    if raw.malformed:
        mal = pd.DataFrame(
            {
                "source_row": [r for r, _ in raw.malformed],
                "reason": "malformed_row",
                "column": "",
                "value": "",
                "message": [m for _, m in raw.malformed],
            }
        )
        quarantine = pd.concat([quarantine, mal], ignore_index=True)
    quarantine = quarantine.sort_values("source_row", kind="stable").reset_index(drop=True)

    pii = pd.DataFrame({"source_row": rows, "case_id": ids})
    for c in pii_cols:
        pii[c] = frame[canon.get(c, c)].to_numpy()
    routes = build_routes(accepted, seq is not None, "role" in canon)
    info["crs_used"] = info.get("crs", "EPSG:4326")
    if area_gdf is not None:
        info["area"] = str(area_gdf["name"].iloc[0])
    result = IngestResult(accepted, routes, quarantine, pii, n + len(raw.malformed), info)
    assert result.accepted + result.quarantined == result.rows_read
    return result
