"""Placing cases at commune seats from a commune name or code (2025 structure).

Matching ignores case, diacritics and the prefixes "Xã", "Phường", "Thị trấn",
"Đặc khu". A name that fits several communes is ambiguous: the caller quarantines the
row and lists the candidates; a name that fits none gets the closest names as hints.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd

__all__ = ["CommuneMatch", "match_commune", "commune_table"]


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
