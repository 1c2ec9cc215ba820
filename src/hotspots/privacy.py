"""Privacy levels of outputs: ``shareable`` (commanders) and ``restricted`` (analysts).

``shareable``
    Aggregates only. No PII columns, no case identifiers, no case points, and every
    count between 1 and ``threshold - 1`` is suppressed (set to missing, with a
    ``suppressed`` flag on the row). The default for everything a commander sees.
``restricted``
    For analysts: case points and case ids allowed, PII still removed unless asked for
    explicitly with ``pii=True``.

A shareable output also carries no exact case location behind a count below the
threshold: case-level point tables are refused (aggregate them first with
:func:`aggregate_for_sharing`), and :func:`assert_shareable` checks frames, maps and
written files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.data.schema import PII_COLUMNS
from hotspots.errors import HotspotsError, InputError

__all__ = [
    "PrivacyLevel",
    "PRIVACY_LEVELS",
    "DEFAULT_THRESHOLD",
    "ID_COLUMNS",
    "COUNT_COLUMNS",
    "PrivacyError",
    "suppress_counts",
    "check_level",
    "apply_privacy",
    "aggregate_for_sharing",
    "assert_shareable",
]

PrivacyLevel = Literal["shareable", "restricted"]
PRIVACY_LEVELS: tuple[str, ...] = ("shareable", "restricted")

#: Counts from 1 to ``DEFAULT_THRESHOLD - 1`` are suppressed in shareable outputs.
DEFAULT_THRESHOLD = 3

#: Columns that identify a case or an input row; never in a shareable output.
ID_COLUMNS: tuple[str, ...] = ("case_id", "case_ids", "source_row")

#: Columns that count cases or victims and are suppressed below the threshold.
COUNT_COLUMNS: tuple[str, ...] = ("cases", "victims", "count", "n_cases", "n_victims")

# Columns whose presence says "one row per case" (a CaseTable or RouteTable).
_CASE_LEVEL_MARKERS = ("case_id", "case_ids", "source_row", "seq", "occurred_at")


class PrivacyError(HotspotsError):
    """An output would break its privacy level (PII, case ids, case points, small counts)."""


def check_level(level: str) -> PrivacyLevel:
    """Return ``level`` if it is a privacy level, else raise :class:`InputError`."""
    if level not in PRIVACY_LEVELS:
        raise InputError(
            f"privacy={level!r} is not a privacy level; use 'shareable' (aggregates only, "
            "the default for commanders) or 'restricted' (analysts)"
        )
    return level  # type: ignore[return-value]


def _pii_columns(columns: Iterable[str]) -> list[str]:
    pii = {c.lower() for c in PII_COLUMNS}
    return [c for c in columns if str(c).lower() in pii]


def _count_columns(frame: pd.DataFrame, count_columns: Sequence[str] | None) -> list[str]:
    names = COUNT_COLUMNS if count_columns is None else tuple(count_columns)
    return [c for c in names if c in frame.columns]


def _is_case_level(frame: pd.DataFrame) -> bool:
    return any(c in frame.columns for c in _CASE_LEVEL_MARKERS)


def _has_points(frame: pd.DataFrame) -> bool:
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame.columns:
        return False
    types = frame.geometry.geom_type.dropna()
    return bool(types.isin(["Point", "MultiPoint"]).any())


def suppress_counts(
    frame: pd.DataFrame,
    threshold: int = DEFAULT_THRESHOLD,
    count_columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return a copy with counts from 1 to ``threshold - 1`` set to missing.

    The count columns become nullable integers (``Int64``) or floats; a boolean column
    ``suppressed`` says which rows lost at least one count. Zero is not suppressed: an
    empty area discloses nobody.
    """
    out = frame.copy()
    cols = _count_columns(out, count_columns)
    flag = np.zeros(len(out), dtype=bool)
    for col in cols:
        values = pd.to_numeric(out[col], errors="coerce")
        small = ((values > 0) & (values < threshold)).fillna(False).to_numpy(dtype=bool)
        flag |= small
        if pd.api.types.is_integer_dtype(values) or (
            values.dropna().eq(values.dropna().round()).all()
        ):
            values = values.astype("Int64")
        values = values.mask(small)
        out[col] = values
    prev = out["suppressed"].fillna(False).astype(bool).to_numpy() if "suppressed" in out else 0
    out["suppressed"] = flag | prev
    return out


def apply_privacy(
    gdf: pd.DataFrame,
    level: PrivacyLevel = "shareable",
    threshold: int = DEFAULT_THRESHOLD,
    pii: bool = False,
    count_columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return a copy of ``gdf`` fit for privacy ``level``.

    Parameters
    ----------
    gdf
        A (Geo)DataFrame about to be written or drawn.
    level
        ``"shareable"``: drop PII columns and case/row identifiers, refuse case-level
        point tables, suppress counts from 1 to ``threshold - 1`` (value set to missing,
        ``suppressed`` column set). ``"restricted"``: drop PII columns unless ``pii``.
    threshold
        Smallest count that may be shown in a shareable output (default 3).
    pii
        Keep PII columns. Only allowed with ``level="restricted"``.
    count_columns
        Columns holding counts to suppress; default :data:`COUNT_COLUMNS` present in
        ``gdf``.

    Raises
    ------
    InputError
        Unknown level, ``pii=True`` with ``"shareable"``, a threshold below 1.
    PrivacyError
        ``"shareable"`` asked for a table of case points (aggregate it first with
        :func:`aggregate_for_sharing`, or use ``"restricted"``).
    """
    check_level(level)
    if threshold < 1:
        raise InputError(f"threshold={threshold} must be at least 1 (the default is 3)")
    if pii and level == "shareable":
        raise InputError(
            "pii=True cannot be combined with privacy='shareable'; "
            "use privacy='restricted' for an analyst output that must keep personal data"
        )
    out = gdf.copy()
    if not pii:
        out = out.drop(columns=_pii_columns(out.columns))
    if level == "restricted":
        return out
    if _has_points(out) and _is_case_level(out):
        raise PrivacyError(
            "a table of case points cannot be shareable; aggregate it to areas first "
            "(hotspots.privacy.aggregate_for_sharing) or use privacy='restricted'"
        )
    out = out.drop(columns=[c for c in ID_COLUMNS if c in out.columns])
    return suppress_counts(out, threshold=threshold, count_columns=count_columns)


def aggregate_for_sharing(
    cases: gpd.GeoDataFrame,
    polygons: gpd.GeoDataFrame,
    on: tuple[str, str] | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    keep: Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """Count cases and victims per polygon and suppress small counts.

    Parameters
    ----------
    cases
        A CaseTable (points; ``victims`` column optional).
    polygons
        Areas to count in (communes, grid cells, key areas).
    on
        ``(case_column, polygon_column)`` to join by a code (for example
        ``("commune_code", "code")``); default: by location (point within polygon).
    threshold
        Counts from 1 to ``threshold - 1`` are suppressed.
    keep
        Columns of ``polygons`` to keep (default: all but PII and ids).

    Returns
    -------
    GeoDataFrame
        ``polygons`` (same order and CRS) with ``cases``, ``victims`` (``Int64``, missing
        where suppressed) and ``suppressed``. A case is counted once per polygon even if
        it has several rows there.
    """
    if polygons.crs is not None and cases.crs is not None and polygons.crs != cases.crs:
        cases = cases.to_crs(polygons.crs)
    poly = polygons.reset_index(drop=True)
    idx = pd.RangeIndex(len(poly))
    pts = cases[[c for c in ("case_id", "victims") if c in cases.columns]].copy()
    if on is not None:
        left, right = on
        for frame, col, what in ((cases, left, "cases"), (poly, right, "polygons")):
            if col not in frame.columns:
                raise InputError(f"aggregate_for_sharing: {what} have no column {col!r}")
        lookup = pd.Series(idx, index=poly[right].astype(str))
        lookup = lookup[~lookup.index.duplicated()]
        pts["_poly"] = cases[left].astype(str).map(lookup)
    else:
        joined = gpd.sjoin(cases[["geometry"]], poly[["geometry"]], how="left", predicate="within")
        joined = joined[~joined.index.duplicated(keep="first")]
        pts["_poly"] = joined["index_right"].reindex(cases.index)
    pts = pts.dropna(subset=["_poly"])
    pts["_poly"] = pts["_poly"].astype(int)
    if "case_id" in pts.columns:
        per_case = pts.groupby(["_poly", "case_id"], sort=False)
        victims = per_case["victims"].max() if "victims" in pts else None
        n_cases = per_case.size().groupby(level=0).size()
        n_victims = victims.groupby(level=0).sum() if victims is not None else None
    else:
        n_cases = pts.groupby("_poly").size()
        n_victims = pts.groupby("_poly")["victims"].sum() if "victims" in pts else None
    if keep is None:
        keep = [c for c in poly.columns if c != poly.geometry.name]
    out = gpd.GeoDataFrame(poly[list(keep)].copy(), geometry=poly.geometry, crs=poly.crs)
    out = out.drop(columns=_pii_columns(out.columns) + [c for c in ID_COLUMNS if c in out])
    out["cases"] = n_cases.reindex(idx, fill_value=0).astype("int64").to_numpy()
    if n_victims is not None:
        out["victims"] = n_victims.reindex(idx, fill_value=0).astype("int64").to_numpy()
    return suppress_counts(out, threshold=threshold, count_columns=("cases", "victims"))


# --------------------------------------------------------------------------- checks
_JSON_KEY = r'"{}"\s*:'


def _check_frame(
    frame: pd.DataFrame, threshold: int, count_columns: Sequence[str] | None, what: str
) -> None:
    pii = _pii_columns(frame.columns)
    if pii:
        raise PrivacyError(f"{what}: PII columns present: {', '.join(map(str, pii))}")
    ids = [c for c in ID_COLUMNS if c in frame.columns]
    if ids:
        raise PrivacyError(f"{what}: case identifiers present: {', '.join(ids)}")
    if _has_points(frame) and _is_case_level(frame):
        raise PrivacyError(f"{what}: case points present")
    for col in _count_columns(frame, count_columns):
        values = pd.to_numeric(frame[col], errors="coerce")
        small = (values > 0) & (values < threshold)
        if small.any():
            raise PrivacyError(
                f"{what}: column {col!r} shows {int(small.sum())} count(s) below the "
                f"suppression threshold {threshold}"
            )


def _check_text(text: str, what: str, pii_values: Sequence[str]) -> None:
    for col in (*PII_COLUMNS, *ID_COLUMNS):
        if re.search(_JSON_KEY.format(re.escape(col)), text):
            raise PrivacyError(f"{what}: field {col!r} present")
    low = text.lower()
    for value in pii_values:
        if value and str(value).lower() in low:
            raise PrivacyError(f"{what}: contains a PII value ({len(str(value))} characters)")


def assert_shareable(
    obj: Any,
    threshold: int = DEFAULT_THRESHOLD,
    pii_values: Sequence[str] = (),
    count_columns: Sequence[str] | None = None,
) -> None:
    """Raise :class:`PrivacyError` unless ``obj`` is fit to share.

    Parameters
    ----------
    obj
        A (Geo)DataFrame, a map made by :mod:`hotspots.maps` (its embedded layers are
        checked), a path to a written file (``.html``, ``.geojson``/``.json``,
        ``.gpkg``, ``.csv`` or any text file), or a string of HTML/JSON.
    threshold
        Suppression threshold the counts must respect.
    pii_values
        Known PII strings (a canary) that must not appear anywhere in the output.
    count_columns
        Count columns to check (default :data:`COUNT_COLUMNS`).
    """
    if isinstance(obj, pd.DataFrame):
        _check_frame(obj, threshold, count_columns, "table")
        text = obj.drop(columns=[obj.geometry.name]) if isinstance(obj, gpd.GeoDataFrame) else obj
        _check_text(text.to_csv(index=False), "table", pii_values)
        return
    layers = getattr(obj, "_hotspots_layers", None)
    if layers is not None:  # a map from hotspots.maps
        level = getattr(obj, "_hotspots_privacy", "shareable")
        if level != "shareable":
            raise PrivacyError(f"map: made with privacy={level!r}")
        for name, frame in layers:
            _check_frame(frame, threshold, count_columns, f"map layer {name!r}")
        _check_text(obj.get_root().render(), "map", pii_values)
        return
    if isinstance(obj, Path) or (
        isinstance(obj, str) and "\n" not in obj and len(obj) < 4096 and Path(obj).exists()
    ):
        path = Path(obj)
        suffix = path.suffix.lower()
        if suffix in (".gpkg", ".geojson", ".shp", ".fgb"):
            import pyogrio

            layer_names = (
                [row[0] for row in pyogrio.list_layers(path)] if suffix == ".gpkg" else [None]
            )
            for layer in layer_names:
                frame = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
                _check_frame(frame, threshold, count_columns, f"{path.name}:{layer or ''}")
        elif suffix == ".csv":
            _check_frame(pd.read_csv(path), threshold, count_columns, path.name)
        data = path.read_bytes()
        _check_text(data.decode("utf-8", errors="replace"), path.name, pii_values)
        return
    if isinstance(obj, str):
        _check_text(obj, "text", pii_values)
        try:
            parsed = json.loads(obj)
        except ValueError:
            return
        if isinstance(parsed, dict) and parsed.get("type") == "FeatureCollection":
            _check_frame(gpd.GeoDataFrame.from_features(parsed), threshold, count_columns, "json")
        return
    raise InputError(f"assert_shareable cannot check an object of type {type(obj).__name__}")
