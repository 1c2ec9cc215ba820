"""Placing cases at commune seats from a commune name or code (2025 structure).

Matching ignores case, diacritics and the prefixes "Xã", "Phường", "Thị trấn",
"Đặc khu". A name that fits several communes is ambiguous: the caller quarantines the
row and lists the candidates; a name that fits none gets the closest names as hints.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from hotspots.data.crs import WGS84, utm_crs_for

__all__ = [
    "CommuneMatch",
    "match_commune",
    "commune_table",
    "province_label",
    "row_provinces",
    "seat_coordinates",
    "fill_commune_codes",
]


@dataclass(frozen=True)
class CommuneMatch:
    """Result of matching one commune name or code."""

    codes: tuple[str, ...]  # every candidate code (one when resolved)
    hints: tuple[str, ...] = ()  # closest names when nothing matched

    @property
    def resolved(self) -> bool:
        """True when exactly one commune matched."""
        return len(self.codes) == 1


@lru_cache(maxsize=1)
def commune_table() -> gpd.GeoDataFrame:
    """All communes of the 2025 structure (seat points), indexed by code."""
    from hotspots import geodata

    return geodata.communes().set_index("code", drop=False)


@lru_cache(maxsize=64)
def _name_index(province_code: str | None) -> dict[str, tuple[str, ...]]:
    from hotspots.geodata import normalize_name

    table = commune_table()
    if province_code is not None:
        table = table[table["province_code"] == province_code]
    index: dict[str, list[str]] = {}
    for code, name in zip(table["code"], table["name"], strict=True):
        index.setdefault(normalize_name(name), []).append(code)
    return {k: tuple(v) for k, v in index.items()}


def match_commune(
    name: str | None = None, code: str | None = None, province_code: str | None = None
) -> CommuneMatch:
    """Match a commune by official code or by name, optionally within one province."""
    from hotspots.geodata import normalize_name

    table = commune_table()
    if code:
        c = str(code).strip()
        if c.endswith(".0"):
            c = c[:-2]
        c = c.zfill(5)
        if c in table.index and (
            province_code is None or table.at[c, "province_code"] == province_code
        ):
            return CommuneMatch((c,))
        if not name:
            return CommuneMatch((), ())
    if not name:
        return CommuneMatch((), ())
    index = _name_index(province_code)
    key = normalize_name(name)
    if key in index:
        return CommuneMatch(index[key])
    hints = difflib.get_close_matches(key, list(index), n=5, cutoff=0.6)
    names = []
    for h in hints:
        for c in index[h]:
            names.append(f"{table.at[c, 'name']} ({c})")
    return CommuneMatch((), tuple(names[:5]))


@lru_cache(maxsize=64)
def province_label(code: str) -> str:
    """``"Lào Cai (15)"`` for a province code."""
    from hotspots import geodata

    try:
        return f"{geodata.province(code)['name']} ({code})"
    except Exception:  # noqa: BLE001 - a label only
        return f"province {code}"


def row_provinces(
    names: pd.Series,
    codes: pd.Series,
    report: Callable[..., None],
    canon: dict[str, str],
    flag: Callable[[int, str], None] | None = None,
) -> np.ndarray:
    """Province code of each row from its province name or code column.

    A pre-2025 province name (registers of 2021–2025 use them) resolves to the province
    it was merged into, and the row is flagged ``old_province`` through ``flag(i,
    code)``. Unknown provinces are reported as ``report(i, "unknown_province", column,
    value, message)`` (the message lists the closest names); their rows get None.
    """
    from hotspots import geodata
    from hotspots.errors import LookupNameError

    old = geodata.province_merge_2025()
    old_names = {
        geodata.normalize_name(n): str(c)
        for n, c in zip(old["old_name_short"], old["new_code"], strict=True)
    }
    out = np.full(len(names), None, dtype=object)
    cache: dict[str, tuple[str, bool] | LookupNameError] = {}
    for i, (nm, cd) in enumerate(zip(names, codes, strict=True)):
        key = str(cd).strip() or str(nm).strip()
        if not key:
            continue
        if key not in cache:
            try:
                cache[key] = (str(geodata.province(key)["code"]), False)
            except LookupNameError as exc:
                # names only: old and new codes overlap ("08" is both)
                new = None if str(cd).strip() else old_names.get(geodata.normalize_name(key))
                cache[key] = (new, True) if new is not None else exc
        r = cache[key]
        if isinstance(r, LookupNameError):
            c = canon.get("province_code") if str(cd).strip() else canon.get("province")
            report(i, "unknown_province", c, key, str(r))
        else:
            out[i] = r[0]
            if r[1] and flag is not None:
                flag(i, "old_province")
    return out


def seat_coordinates(
    names: pd.Series, codes: pd.Series, province_code: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """Commune-seat lon/lat of each row (NaN where the commune does not resolve)."""
    table = commune_table()
    sx = np.full(len(names), np.nan)
    sy = np.full(len(names), np.nan)
    for i, (nm, cd) in enumerate(zip(names, codes, strict=True)):
        m = match_commune(str(nm).strip() or None, str(cd).strip() or None, province_code)
        if m.resolved:
            g = table.at[m.codes[0], "geometry"]
            sx[i], sy[i] = g.x, g.y
    return sx, sy


def fill_commune_codes(cases: gpd.GeoDataFrame, vietnam: bool) -> None:
    """Give exact points without a commune code the code of the nearest commune seat.

    The nearest seat is the approximate (Voronoi) commune; only for points in Vietnam.
    """
    if cases.empty:
        return
    miss = cases["commune_code"].isna().to_numpy()
    if not miss.any():
        return
    b = cases.geometry[miss]
    inside_vn = ((b.x > 102.0) & (b.x < 110.0) & (b.y > 8.0) & (b.y < 23.5)).to_numpy()
    if not (vietnam or inside_vn.all()) or not inside_vn.any():
        return
    table = commune_table()
    crs = utm_crs_for(105.5, 16.0)
    tr = Transformer.from_crs(WGS84, crs, always_xy=True)
    sx, sy = tr.transform(table.geometry.x.to_numpy(), table.geometry.y.to_numpy())
    tree = shapely.STRtree(shapely.points(sx, sy))
    px, py = tr.transform(b.x.to_numpy()[inside_vn], b.y.to_numpy()[inside_vn])
    idx = tree.query_nearest(shapely.points(px, py), all_matches=False)[1]
    pos = np.flatnonzero(miss)[inside_vn]
    cases.loc[pos, "commune_code"] = table["code"].to_numpy()[idx]
    empty_prov = cases.loc[pos, "province_code"].isin(["", None]).to_numpy()
    cases.loc[pos[empty_prov], "province_code"] = table["province_code"].to_numpy()[idx][empty_prov]
