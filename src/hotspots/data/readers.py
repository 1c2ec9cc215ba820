"""Reading case files into raw tables of text values, with source row numbers.

Supported: CSV/TXT (UTF-8, UTF-8 with BOM, Windows-1258; delimiter sniffed), XLSX,
GeoJSON, GeoPackage, Shapefile, and pandas/geopandas DataFrames. A file that is empty,
unreadable or not what its extension says raises :class:`UnusableInputError`; rows with
the wrong number of fields are returned separately so that they can be quarantined.

Row numbers are those a person sees in a spreadsheet: the header is row 1, the first
record row 2.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from hotspots.errors import UnusableInputError

__all__ = ["RawTable", "read_raw", "decode_bytes"]

_TEXT_EXT = {".csv", ".txt", ".tsv"}
_GEO_EXT = {".geojson", ".json", ".gpkg", ".shp", ".zip"}
_EXCEL_EXT = {".xlsx", ".xlsm"}


@dataclass
class RawTable:
    """A table as read: every value as in the source, plus where each row came from."""

    frame: pd.DataFrame  # object columns, original headers
    rows: np.ndarray  # source row number of each record
    malformed: list[tuple[int, str]] = field(default_factory=list)  # (row, message)
    crs: CRS | None = None  # CRS of a geometry column that was turned into lon/lat or x/y
    encoding: str | None = None
    source: str = ""


def decode_bytes(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode file bytes: declared encoding, else UTF-8 (BOM stripped), else Windows-1258.

    Returns
    -------
    text, encoding
    """
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise UnusableInputError(
                f"the file cannot be decoded as {encoding}: {exc}. Declare the right "
                "encoding (utf-8, cp1258) or save the file as UTF-8"
            ) from None
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
        guess = best.encoding if best is not None else None
    except Exception:  # noqa: BLE001 - detection is a hint only
        guess = None
    # Vietnamese legacy files are Windows-1258; prefer it over near-equivalent guesses.
    for enc in ("cp1258", guess or "cp1258", "latin-1"):
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1"), "latin-1"  # pragma: no cover - latin-1 always decodes


def _looks_binary(data: bytes) -> bool:
    head = data[:4096]
    return b"\x00" in head or head.startswith((b"PK\x03\x04", b"SQLite format", b"%PDF"))


def _read_text(data: bytes, name: str, encoding: str | None, delimiter: str | None) -> RawTable:
    if _looks_binary(data):
        kind = "an Excel/ZIP file" if data.startswith(b"PK") else "a binary file"
        raise UnusableInputError(
            f"{name} is {kind}, not a text CSV; give it its proper extension (.xlsx, .gpkg) "
            "or export it as CSV"
        )
    text, enc = decode_bytes(data, encoding)
    text = unicodedata.normalize("NFC", text)  # Windows-1258 text arrives decomposed
    if not text.strip():
        raise UnusableInputError(f"{name} is empty: there is no header and no row")
    if delimiter is None:
        sample = text[:65536]
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    records: list[list[str]] = []
    rows: list[int] = []
    malformed: list[tuple[int, str]] = []
    try:
        for fields in reader:
            line = reader.line_num
            if header is None:
                if not any(f.strip() for f in fields):
                    continue
                header = [f.strip() for f in fields]
                header_line = line
                continue
            if not any(f.strip() for f in fields):
                continue  # blank line: not a record
            row_no = line - header_line + 1
            if len(fields) != len(header):
                if len(fields) < len(header) and all(not f.strip() for f in fields[len(header) :]):
                    fields = fields + [""] * (len(header) - len(fields))
                elif len(fields) > len(header) and not any(
                    f.strip() for f in fields[len(header) :]
                ):
                    fields = fields[: len(header)]
                else:
                    malformed.append(
                        (
                            row_no,
                            f"row has {len(fields)} fields but the header has "
                            f"{len(header)}; check for an unquoted '{delimiter}' in a value",
                        )
                    )
                    continue
            records.append(fields)
            rows.append(row_no)
    except csv.Error as exc:
        raise UnusableInputError(f"{name} is not a readable CSV file: {exc}") from None
    if header is None:
        raise UnusableInputError(f"{name} is empty: there is no header and no row")
    header = _dedupe_headers(header)
    frame = pd.DataFrame(records, columns=header, dtype=object)
    return RawTable(frame, np.asarray(rows, dtype=np.int64), malformed, None, enc, name)


def _dedupe_headers(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(header):
        h = h or f"column_{i + 1}"
        if h in seen:
            seen[h] += 1
            h = f"{h}.{seen[h]}"
        else:
            seen[h] = 0
        out.append(h)
    return out


def _read_excel(path: Path, sheet: str | int | None) -> RawTable:
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic != b"PK\x03\x04":
        raise UnusableInputError(
            f"{path.name} has an Excel extension but is not an .xlsx workbook; "
            "if it is a CSV, rename it to .csv"
        )
    try:
        frame = pd.read_excel(path, sheet_name=sheet or 0, dtype=object, engine="openpyxl")
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds
        raise UnusableInputError(
            f"{path.name} cannot be read as an .xlsx workbook: {exc}"
        ) from None
    frame.columns = _dedupe_headers(
        [str(c).strip() if not str(c).startswith("Unnamed") else "" for c in frame.columns]
    )
    if frame.empty and len(frame.columns) == 0:
        raise UnusableInputError(f"{path.name} is empty: there is no header and no row")
    keep = ~frame.isna().all(axis=1)
    rows = np.arange(len(frame), dtype=np.int64) + 2
    frame = frame.loc[keep].reset_index(drop=True)
    frame = frame.astype(object).where(frame.notna(), "")
    return RawTable(frame, rows[keep.to_numpy()], [], None, None, path.name)


def _from_geodataframe(gdf: gpd.GeoDataFrame, name: str) -> RawTable:
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(object)
    frame = frame.where(frame.notna(), "")
    geom = gdf.geometry
    crs = CRS.from_user_input(gdf.crs) if gdf.crs is not None else None
    pts = geom.copy()
    nonpoint = ~geom.is_empty & geom.notna() & (geom.geom_type != "Point")
    if nonpoint.any():
        pts[nonpoint] = geom[nonpoint].representative_point()
    valid = pts.notna() & ~pts.is_empty
    xs = np.full(len(gdf), np.nan)
    ys = np.full(len(gdf), np.nan)
    xs[valid.to_numpy()] = pts[valid].x.to_numpy()
    ys[valid.to_numpy()] = pts[valid].y.to_numpy()
    if crs is None or crs.is_geographic:
        frame["__lon"], frame["__lat"] = xs, ys
    else:
        frame["__x"], frame["__y"] = xs, ys
    frame["__nonpoint"] = nonpoint.to_numpy()
    rows = np.arange(len(frame), dtype=np.int64) + 2
    return RawTable(frame.reset_index(drop=True), rows, [], crs, None, name)


def _read_geo(path: Path) -> RawTable:
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # noqa: BLE001 - GDAL errors are many
        raise UnusableInputError(
            f"{path.name} cannot be read as a {path.suffix} geodata file: {exc}"
        ) from None
    if len(gdf.columns) == 0:
        raise UnusableInputError(f"{path.name} is empty: there is no layer and no row")
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry is None:
        frame = pd.DataFrame(gdf).astype(object)
        frame = frame.where(frame.notna(), "")
        return RawTable(frame, np.arange(len(frame)) + 2, [], None, None, path.name)
    return _from_geodataframe(gdf, path.name)


def read_raw(
    source: str | Path | pd.DataFrame,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
) -> RawTable:
    """Read ``source`` into a :class:`RawTable`.

    Parameters
    ----------
    source
        Path to CSV/TXT/TSV, XLSX, GeoJSON, GeoPackage or Shapefile, or a (Geo)DataFrame.
    encoding
        Declared text encoding (for example ``"cp1258"``); detected when ``None``.
    delimiter
        CSV delimiter; sniffed among ``, ; TAB |`` when ``None``.
    sheet
        XLSX sheet name or index (default: the first).
    """
    if isinstance(source, gpd.GeoDataFrame):
        return _from_geodataframe(source, "GeoDataFrame")
    if isinstance(source, pd.DataFrame):
        frame = source.reset_index(drop=True).astype(object)
        frame = frame.where(frame.notna(), "")
        frame.columns = _dedupe_headers([str(c) for c in frame.columns])
        return RawTable(
            frame, np.arange(len(frame), dtype=np.int64) + 2, [], None, None, "DataFrame"
        )
    path = Path(source)
    if not path.exists():
        raise UnusableInputError(f"{path} does not exist")
    if path.is_dir():
        raise UnusableInputError(f"{path} is a folder; give a file")
    ext = path.suffix.lower()
    if path.stat().st_size == 0:
        raise UnusableInputError(f"{path.name} is empty (0 bytes)")
    if ext in _EXCEL_EXT:
        return _read_excel(path, sheet)
    if ext == ".xls":
        raise UnusableInputError(
            f"{path.name} is an old Excel 97-2003 workbook; save it as .xlsx or .csv"
        )
    if ext in _GEO_EXT:
        if ext in {".json", ".geojson"}:
            head = path.read_bytes()[:2048].lstrip()
            if not head.startswith((b"{", b"\xef\xbb\xbf{")):
                raise UnusableInputError(
                    f"{path.name} has a {ext} extension but is not JSON; rename it to its real type"
                )
        if ext == ".gpkg":
            with open(path, "rb") as fh:
                if not fh.read(16).startswith(b"SQLite format 3"):
                    raise UnusableInputError(
                        f"{path.name} has a .gpkg extension but is not a GeoPackage"
                    )
        return _read_geo(path)
    if ext in _TEXT_EXT or ext == "":
        return _read_text(
            path.read_bytes(),
            path.name,
            encoding,
            "\t" if ext == ".tsv" and delimiter is None else delimiter,
        )
    raise UnusableInputError(
        f"{path.name}: unknown file type '{ext}'. Use CSV, XLSX, GeoJSON, GeoPackage or Shapefile"
    )
