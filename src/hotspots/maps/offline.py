"""Make any folium page self-contained: CDN links replaced by the registry copies.

Maps drawn with :mod:`hotspots.maps` need nothing of this (they are made offline). It
is for folium maps made elsewhere (``GeoDataFrame.explore()``, folium plugins) that a
report still wants to publish: every ``<script src>`` and stylesheet ``<link>`` whose
address the installed ``folium-offline`` package carries is written inline; web fonts
are dropped (icons then show as plain squares but nothing is fetched). A page that still
needs the network afterwards (an unknown script, a tile layer) is refused with the
addresses, so nothing half-offline is ever published.
"""

from __future__ import annotations

import re

from hotspots.errors import HotspotsError
from hotspots.maps import _assets

__all__ = ["OfflineError", "make_offline", "network_references"]

_SCRIPT = re.compile(r"""<script\b[^>]*\bsrc=["']([^"']+)["'][^>]*>\s*</script>""", re.I)
_LINK = re.compile(r"""<link\b[^>]*\bhref=["']([^"']+)["'][^>]*/?>""", re.I)
_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}", re.I)
_CSS_URL = re.compile(r"""url\(\s*(?!["']?(?:data:|#))[^)]*\)""", re.I)
_TILES = re.compile(r"""L\.tileLayer(?:\.wms)?\(\s*["']([^"']+)["']""")


class OfflineError(HotspotsError):
    """A page would need the network to open (a script, a stylesheet or tiles)."""


def _inline_css(css: str) -> str:
    css = _FONT_FACE.sub("", css)
    return _CSS_URL.sub("url(data:,)", css)


def make_offline(html: str, allow_tiles: bool = False) -> str:
    """Return ``html`` with every CDN script and stylesheet written inline.

    Parameters
    ----------
    html
        A page rendered by folium.
    allow_tiles
        Keep tile layers (an intranet tile server was configured on purpose).

    Raises
    ------
    OfflineError
        An address is not carried by the installed package, or the page loads tiles and
        ``allow_tiles`` is false. The message lists the addresses.
    """
    res = _assets._resources()
    missing: list[str] = []

    def script(match: re.Match[str]) -> str:
        url = match.group(1)
        if url in res:
            code = res[url].replace("</script", "<\\/script")
            return f"<script>{code}</script>"
        missing.append(url)
        return match.group(0)

    def link(match: re.Match[str]) -> str:
        tag, url = match.group(0), match.group(1)
        if "stylesheet" not in tag.lower():
            return tag
        if url in res:
            return f"<style>{_inline_css(res[url])}</style>"
        missing.append(url)
        return tag

    out = _LINK.sub(link, _SCRIPT.sub(script, html))
    if not allow_tiles:
        missing += [f"tiles {u}" for u in _TILES.findall(out)]
    if missing:
        raise OfflineError(
            "the map needs the network for: "
            + ", ".join(sorted(set(missing)))
            + "; draw it with hotspots.maps (base_map and its add_* layers) or with "
            "tiles=None"
        )
    return out


def network_references(html: str) -> list[str]:
    """Addresses a page would fetch: external scripts, stylesheets and tile layers."""
    refs = [u for u in _SCRIPT.findall(html) if not u.startswith("data:")]
    refs += [
        m.group(1)
        for m in _LINK.finditer(html)
        if "stylesheet" in m.group(0).lower() and not m.group(1).startswith("data:")
    ]
    refs += _TILES.findall(html)
    return refs
