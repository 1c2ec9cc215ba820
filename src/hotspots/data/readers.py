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
import datetime as dt
import io
import itertools
import re
import unicodedata
import warnings
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
    title_rows: list[int] = field(default_factory=list)  # non-blank rows above the header


def _title_rows(grid: list[list[object]], start: int, header: list[str]) -> list[int]:
    """Row numbers (1-based) of the non-blank rows above the header row(s)."""
    out = []
    for i, r in enumerate(grid[:start]):
        cells = ["" if _is_blank(c) else str(c).strip() for c in r]
        if any(cells) and not set(cells) & set(h for h in header if h):
            out.append(i + 1)
    return out


_UTF8_MULTI = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}")


#: A vowel followed by a combining tone mark: how Windows-1258 writes Vietnamese tones
#: (Western text decoded as Windows-1258 gets such marks after consonants, if at all).
_VI_TONED = re.compile("[aeiouyăâêôơưAEIOUYĂÂÊÔƠƯ][\u0300\u0301\u0303\u0309\u0323]")


def decode_bytes(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode file bytes: declared encoding, else UTF-8 (BOM stripped), else Windows-1258.

    A file that is UTF-8 but for a few stray bytes stays UTF-8 (those bytes replaced). A
    legacy file is Windows-1258 when the text shows Vietnamese letters or tone marks,
    else what ``charset_normalizer`` guesses (Windows-1252 for a Western city's data).

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
    # Mostly UTF-8 with a few stray bytes (a pasted value): keep UTF-8, replace those.
    multibyte = len(_UTF8_MULTI.findall(data))
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if multibyte >= 10 * max(bad, 1):
        return text, f"utf-8 ({bad} undecodable bytes replaced by \ufffd)"
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
        guess = best.encoding if best is not None else None
    except Exception:  # noqa: BLE001 - detection is a hint only
        guess = None
    # Vietnamese legacy files are Windows-1258; prefer it over near-equivalent guesses
    # unless the text shows nothing Vietnamese (a Western file: São Paulo, not Săo).
    try:
        text = data.decode("cp1258")
    except UnicodeDecodeError:
        text = None
    if text is not None and (len(_VI_TONED.findall(text)) >= 3 or not guess):
        return text, "cp1258"
    for enc in ("cp1252", guess or "cp1252", "latin-1"):
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1"), "latin-1"  # pragma: no cover - latin-1 always decodes


def _looks_binary(data: bytes) -> bool:
    head = data[:4096]
    return b"\x00" in head or head.startswith((b"PK\x03\x04", b"SQLite format", b"%PDF"))


#: How many leading rows may hold a title, notes or a two-level header.
_HEADER_SCAN = 12


def _header_score(cells: list[object], known: frozenset[str] = frozenset()) -> int:
    """Number of cells that are recognised column names (or declared in a mapping)."""
    from hotspots.data.columns import is_known_header, normalize_header

    return sum(
        1
        for c in cells
        if is_known_header(c) or (known and not _is_blank(c) and normalize_header(c) in known)
    )


def _is_blank(v: object) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or not str(v).strip()


def locate_header(
    grid: list[list[object]], known: frozenset[str] = frozenset()
) -> tuple[list[str], int]:
    """Find the header among the first rows of a sheet.

    Registers often start with a title ("DANH SÁCH VỤ VIỆC …") and group columns under
    a merged parent cell ("Tọa độ" over "Vĩ độ", "Kinh độ"). The header is the row with
    the most recognised column names (the first non-blank row when none is recognised);
    when the row below it names the columns a merged parent leaves empty, the two rows
    are one header: each column takes the lower name, or the upper one where the lower
    cell is empty.

    Parameters
    ----------
    grid
        The first rows of the sheet, as lists of cell values.
    known
        Normalised headers of a declared mapping, recognised as well.

    Returns
    -------
    header, n_header_rows
        The column names and the 0-based index of the first data row.
    """
    scan = grid[:_HEADER_SCAN]
    scores = [_header_score(r, known) for r in scan]
    nonblank = [i for i, r in enumerate(scan) if any(not _is_blank(c) for c in r)]
    if not nonblank:
        return [], len(grid)
    best = max(range(len(scan)), key=lambda i: (scores[i], -i))
    # a row below the first non-blank one is the header only when it is clearly one
    first = nonblank[0]
    h = best if scores[best] >= 2 and scores[best] > scores[first] else first
    top = ["" if _is_blank(c) else str(c).strip() for c in grid[h]]
    start = h + 1
    if h + 1 < len(grid):
        below = ["" if _is_blank(c) else str(c).strip() for c in grid[h + 1]]
        width = max(len(top), len(below))
        top += [""] * (width - len(top))
        below += [""] * (width - len(below))
        fills_gaps = any(b and not t for t, b in zip(top, below, strict=True))
        n_known = _header_score(below, known)
        named = n_known > 0 and n_known >= sum(1 for b in below if b) / 2
        if fills_gaps and named:
            top = [b or t for t, b in zip(top, below, strict=True)]
            start = h + 2
    while top and not top[-1]:
        top.pop()
    return top, start


def _guess_delimiter(text: str, known: frozenset[str] = frozenset()) -> str:
    """The delimiter that splits the header into the most recognised names.

    Falls back to :class:`csv.Sniffer` (``, ; TAB |``) when no header is recognised:
    decimal commas make ``,`` look regular in ``;`` files, names do not.
    """
    lines = text[:65536].splitlines()[:_HEADER_SCAN]
    best, best_score = None, 0
    for d in (",", ";", "\t", "|"):
        score = max(
            (_header_score(next(csv.reader([ln], delimiter=d)), known) for ln in lines if ln),
            default=0,
        )
        if score > best_score:
            best, best_score = d, score
    if best is not None and best_score >= 2:
        return best
    try:
        return csv.Sniffer().sniff(text[:65536], delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _read_text(
    data: bytes,
    name: str,
    encoding: str | None,
    delimiter: str | None,
    known: frozenset[str] = frozenset(),
) -> RawTable:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and encoding is None:
        encoding = "utf-16"  # Excel "Unicode Text" export
    elif _looks_binary(data):
        kind = "an Excel/ZIP file" if data.startswith(b"PK") else "a binary file"
        raise UnusableInputError(
            f"{name} is {kind}, not a text CSV; give it its proper extension (.xlsx, .gpkg) "
            "or export it as CSV"
        )
    text, enc = decode_bytes(data, encoding)
    text = unicodedata.normalize("NFC", text)  # Windows-1258 text arrives decomposed
    text = text.replace("\x00", "")
    if not text.strip():
        raise UnusableInputError(f"{name} is empty: there is no header and no row")
    if delimiter is None:
        delimiter = _guess_delimiter(text, known)
    if len(text) >= _FAST_MIN_CHARS:
        raw = _read_text_fast(text, name, enc, delimiter, known)
        if raw is not None:
            return raw
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise UnusableInputError(f"{name} is not a readable CSV file: {exc}") from None
    header, start = locate_header(records[:_HEADER_SCAN], known)
    if not header:
        raise UnusableInputError(f"{name} is empty: there is no header and no row")
    width = len(header)
    body = records[start:]
    lengths = np.fromiter((len(r) for r in body), dtype=np.int64, count=len(body))
    blank = np.fromiter((not any(f.strip() for f in r) for r in body), dtype=bool, count=len(body))
    # Spreadsheet row numbers: each CSV record is one row (header block = first rows).
    row_no = np.arange(len(body), dtype=np.int64) + start + 1
    malformed: list[tuple[int, str]] = []
    odd = np.flatnonzero((lengths != width) & ~blank)
    keep = ~blank
    for k in odd:
        fields = body[k]
        if len(fields) < width:
            body[k] = fields + [""] * (width - len(fields))  # trailing empty cells left out
        elif not any(f.strip() for f in fields[width:]):
            body[k] = fields[:width]
        else:
            keep[k] = False
            malformed.append(
                (
                    int(row_no[k]),
                    f"row has {len(fields)} fields but the header has {width}; check for an "
                    f"unquoted '{delimiter}' in a value",
                )
            )
    kept = [body[k] for k in np.flatnonzero(keep)]
    header = _dedupe_headers(header)
    frame = (
        pd.DataFrame(kept, columns=header, dtype=object)
        if kept
        else pd.DataFrame(columns=header, dtype=object)
    )
    raw = RawTable(frame, row_no[keep], malformed, None, enc, name)
    raw.title_rows = _title_rows(records, start, header)
    return raw


#: Texts at least this long are parsed by pandas' C reader when they are regular.
_FAST_MIN_CHARS = 1_000_000


def _read_text_fast(
    text: str, name: str, enc: str, delimiter: str, known: frozenset[str]
) -> RawTable | None:
    """Parse the body of a large regular CSV with pandas' C reader.

    About 5x faster than lists of fields, with a fraction of the memory. Returns None when
    the slow path must decide (a row with more fields than the header, or a header block
    with line breaks in cells).

    The result is the one of the slow path: every record is one spreadsheet row, blank
    records are left out, short records are padded with empty cells.
    """
    head = list(
        itertools.islice(
            csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), _HEADER_SCAN
        )
    )
    header, start = locate_header(head, known)
    if not header or any("\n" in f or "\r" in f for r in head[:start] for f in r):
        return None
    width = len(header)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            body = pd.read_csv(
                io.StringIO(text),
                sep=delimiter,
                header=None,
                skiprows=start,
                names=list(range(width + 1)),  # one more: rows with too many fields show
                dtype=object,
                na_filter=False,
                keep_default_na=False,
                skip_blank_lines=False,
                quoting=csv.QUOTE_MINIMAL,
                engine="c",
                on_bad_lines="error",
            )
    except (pd.errors.ParserError, ValueError, Warning, csv.Error):
        return None
    if not isinstance(body.index, pd.RangeIndex):
        return None  # a first row with extra fields became an index: slow path
    extra = body.pop(width).to_numpy(dtype=object)
    extra = extra[extra != ""]
    if len(extra) and any(str(v).strip() for v in extra):
        return None  # values beyond the header: malformed rows, told by the slow path
    # blank records: every cell empty or spaces. Column by column, only the records not yet
    # known to hold something, each distinct value stripped once.
    undecided = np.arange(len(body))
    for c in body.columns:
        if not len(undecided):
            break
        vals = body[c].to_numpy(dtype=object)[undecided]
        codes, uniq = pd.factorize(vals)
        empty = np.fromiter((not u.strip() for u in uniq), dtype=bool, count=len(uniq))
        undecided = undecided[empty[codes]]
    blank = np.zeros(len(body), dtype=bool)
    blank[undecided] = True
    row_no = np.arange(len(body), dtype=np.int64) + start + 1
    frame = body.loc[~blank].reset_index(drop=True)
    frame.columns = header = _dedupe_headers(header)
    raw = RawTable(frame, row_no[~blank], [], None, enc, name)
    raw.title_rows = _title_rows(head, start, header)
    return raw


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


_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')


def _merged_ranges(path: Path, sheet_xml: str | None) -> list[tuple[int, int, int, int]]:
    """Merged cell ranges ``(min_col, min_row, max_col, max_row)`` of one sheet.

    Read from the sheet's XML (calamine does not report them); openpyxl is used only to
    parse the range references.
    """
    import zipfile

    from openpyxl.utils.cell import range_boundaries

    if not sheet_xml:
        return []
    try:
        with zipfile.ZipFile(path) as z, z.open(sheet_xml.lstrip("/")) as fh:
            data = fh.read()
    except (KeyError, OSError, zipfile.BadZipFile):
        return []
    return [range_boundaries(m.decode()) for m in _MERGE_REF.findall(data)]


def _sheet_paths(path: Path) -> dict[str, str]:
    """Sheet name -> path of its XML inside the workbook (for the merged cells)."""
    import posixpath
    import xml.etree.ElementTree as ET
    import zipfile

    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    try:
        with zipfile.ZipFile(path) as z:
            book = ET.fromstring(z.read("xl/workbook.xml"))
            rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, OSError, zipfile.BadZipFile, ET.ParseError):
        return {}
    target = {r.get("Id"): r.get("Target", "") for r in rels}
    out = {}
    for sh in book.iter():
        if sh.tag.endswith("}sheet") and sh.get(ns_rel) in target:
            t = target[sh.get(ns_rel)]
            out[sh.get("name")] = t.lstrip("/") if t.startswith("/") else posixpath.join("xl", t)
    return out


def _cell(v: object) -> object:
    """A calamine cell as openpyxl gives it: None when empty, int when integral, datetime."""
    if v == "":
        return None
    if type(v) is float and v.is_integer() and abs(v) < 2**53:
        return int(v)
    if type(v) is dt.date:
        return dt.datetime(v.year, v.month, v.day)
    return v


def _sheet_rows(wb, name: str, nrows: int | None = None) -> list[list[object]]:
    """Rows of one sheet from A1 (positions are the spreadsheet's row numbers)."""
    rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=nrows)
    return [[_cell(v) for v in r] for r in rows]


def _read_excel(
    path: Path, sheet: str | int | None, known: frozenset[str] = frozenset()
) -> RawTable:
    """Read one sheet of an .xlsx workbook with python-calamine (Rust, ~10x openpyxl)."""
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic != b"PK\x03\x04":
        raise UnusableInputError(
            f"{path.name} has an Excel extension but is not an .xlsx workbook; "
            "if it is a CSV, rename it to .csv"
        )
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        names = list(wb.sheet_names)
    except Exception as exc:  # noqa: BLE001 - calamine raises several kinds
        raise UnusableInputError(
            f"{path.name} cannot be read as an .xlsx workbook: {exc}"
        ) from None
    try:
        if sheet is None:
            # the sheet whose header has the most recognised names (a summary sheet
            # often comes first); the first one on a tie
            title = names[0]
            if len(names) > 1:
                scores = [
                    max(
                        (_header_score(r, known) for r in _sheet_rows(wb, nm, _HEADER_SCAN)),
                        default=0,
                    )
                    for nm in names
                ]
                title = names[int(np.argmax(scores))]
        elif isinstance(sheet, int) or str(sheet).isdigit():
            k = int(sheet)
            if not 0 <= k < len(names):
                raise UnusableInputError(
                    f"{path.name} has no sheet {k}; sheets (from 0): {', '.join(names)}"
                )
            title = names[k]
        elif sheet in names:
            title = sheet
        else:
            raise UnusableInputError(
                f"{path.name} has no sheet '{sheet}'; its sheets are: {', '.join(names)}"
            )
        grid = _sheet_rows(wb, title)
    except UnusableInputError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged sheet
        raise UnusableInputError(
            f"{path.name} cannot be read as an .xlsx workbook: {exc}"
        ) from None
    finally:
        wb.close()
    merged = _merged_ranges(path, _sheet_paths(path).get(title))
    # a merge below the last row calamine returns still gives its rows
    last = max((m[3] for m in merged), default=0)
    grid.extend([] for _ in range(last - len(grid)))
    header, start = locate_header(grid, known)
    if not header:
        raise UnusableInputError(f"{path.name} is empty: there is no header and no row")
    # A value merged over several data rows (one case id over the rows of its stops)
    # belongs to each of them. Merged header cells are handled by locate_header.
    for min_col, min_row, max_col, max_row in merged:
        if min_row <= start:
            continue
        value = grid[min_row - 1][min_col - 1]
        for r in range(min_row - 1, min(max_row, len(grid))):
            row = grid[r]
            if len(row) < max_col:
                row.extend([None] * (max_col - len(row)))
            for c in range(min_col - 1, max_col):
                row[c] = value
    width = len(header)
    body = [(r + [None] * width)[:width] for r in grid[start:]]
    lost = [
        (start + k + 1, r[width:])
        for k, r in enumerate(grid[start:])
        if any(not _is_blank(c) for c in r[width:])
    ]
    frame = pd.DataFrame(body, columns=_dedupe_headers(header), dtype=object)
    keep = ~frame.map(_is_blank).all(axis=1).to_numpy() if len(frame) else np.zeros(0, bool)
    rows = np.arange(len(frame), dtype=np.int64) + start + 1
    malformed = []
    for r, extra in lost:
        malformed.append(
            (
                r,
                f"row has values beyond the last named column ({len(extra)} more cells); "
                "give those columns a header or delete the values",
            )
        )
        keep[r - start - 1] = False
    frame = frame.loc[keep].reset_index(drop=True)
    frame = frame.astype(object).where(frame.notna(), "")
    name = path.name if title == names[0] else f"{path.name} (sheet {title})"
    raw = RawTable(frame, rows[keep], malformed, None, None, name)
    raw.title_rows = _title_rows(grid, start, header)
    return raw


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


def _choose_layer(path: Path, layer: str | int | None) -> str | None:
    """The layer to read: the one asked for, else the only layer with features.

    Raises
    ------
    UnusableInputError
        When the layer asked for does not exist, or several layers hold features and
        none was named (the message lists them with their sizes).
    """
    import pyogrio

    try:
        info = pyogrio.list_layers(path)
    except Exception:  # noqa: BLE001 - not a multi-layer source; let read_file report
        return None if layer is None else str(layer)
    names = [str(r[0]) for r in info]
    if layer is not None:
        if isinstance(layer, int) or str(layer).isdigit():
            k = int(layer)
            if 0 <= k < len(names):
                return names[k]
        elif str(layer) in names:
            return str(layer)
        raise UnusableInputError(
            f"{path.name} has no layer '{layer}'; its layers are: {', '.join(names)}"
        )
    if len(names) <= 1:
        return names[0] if names else None
    sizes = {}
    for nm in names:
        try:
            sizes[nm] = int(pyogrio.read_info(path, layer=nm).get("features", 0) or 0)
        except Exception:  # noqa: BLE001
            sizes[nm] = 0
    full = [nm for nm in names if sizes[nm] > 0]
    if len(full) == 1:
        return full[0]
    listing = ", ".join(f"'{nm}' ({sizes[nm]} features)" for nm in names)
    raise UnusableInputError(
        f"{path.name} has several layers: {listing}. Name the one with the cases "
        "(--sheet LAYER, or sheet=LAYER in read_cases)"
    )


def _read_geo(path: Path, layer: str | int | None = None) -> RawTable:
    chosen = _choose_layer(path, layer)
    try:
        gdf = gpd.read_file(path, layer=chosen) if chosen is not None else gpd.read_file(path)
    except Exception as exc:  # noqa: BLE001 - GDAL errors are many
        raise UnusableInputError(
            f"{path.name} cannot be read as a {path.suffix} geodata file: {exc}"
        ) from None
    if len(gdf.columns) == 0:
        raise UnusableInputError(f"{path.name} is empty: there is no layer and no row")
    name = path.name if chosen is None else f"{path.name} (layer {chosen})"
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry is None:
        frame = pd.DataFrame(gdf).astype(object)
        frame = frame.where(frame.notna(), "")
        return RawTable(frame, np.arange(len(frame)) + 2, [], None, None, name)
    return _from_geodataframe(gdf, name)


def read_raw(
    source: str | Path | pd.DataFrame,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
    headers: list[str] | None = None,
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
        XLSX sheet, or GeoPackage layer, by name or 0-based index (default: the first
        sheet; the only layer with features).
    headers
        Source headers of a declared column mapping: they help find the header row of
        a sheet that starts with a title.
    """
    from hotspots.data.columns import normalize_header

    known = frozenset(normalize_header(h) for h in headers or ())
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
        return _read_excel(path, sheet, known)
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
        return _read_geo(path, sheet)
    if ext in _TEXT_EXT or ext == "":
        return _read_text(
            path.read_bytes(),
            path.name,
            encoding,
            "\t" if ext == ".tsv" and delimiter is None else delimiter,
            known,
        )
    raise UnusableInputError(
        f"{path.name}: unknown file type '{ext}'. Use CSV, XLSX, GeoJSON, GeoPackage or Shapefile"
    )
