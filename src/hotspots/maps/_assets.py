"""Leaflet's JavaScript and CSS, read from an installed registry package at run time.

The maps carry Leaflet inline so that they open without any network. The files are not
copied into this repository: they come from the ``folium-offline`` distribution (import
name ``offlinefolium``), which embeds the upstream Leaflet 1.9 release files keyed by their
CDN address. The CSS already carries its images as ``data:`` URIs.
"""

from __future__ import annotations

import functools

from hotspots.errors import HotspotsError

__all__ = ["LEAFLET_VERSION", "leaflet_css", "leaflet_js"]

LEAFLET_VERSION = "1.9.3"
_BASE = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/"


@functools.cache
def _resources() -> dict[str, str]:
    try:
        from offlinefolium import elements
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise HotspotsError(
            "offline maps need the package 'folium-offline' (it carries Leaflet inline); "
            "install it with: pip install folium-offline"
        ) from exc
    res = getattr(elements, "_res", None)
    if not isinstance(res, dict):  # pragma: no cover - guards against a package change
        raise HotspotsError(
            "the installed folium-offline no longer carries Leaflet where hotspots expects it "
            "(offlinefolium.elements._res); pin folium-offline==0.20.0.2"
        )
    return res


def _get(name: str) -> str:
    res = _resources()
    key = _BASE + name
    if key not in res:  # pragma: no cover - guards against a package change
        raise HotspotsError(
            f"Leaflet {LEAFLET_VERSION} ({name}) not found in folium-offline; "
            "pin folium-offline==0.20.0.2"
        )
    return res[key]


def leaflet_js() -> str:
    """Return the source of Leaflet's JavaScript (``leaflet.js``)."""
    return _get("leaflet.js")


def leaflet_css() -> str:
    """Return Leaflet's stylesheet (``leaflet.css``) with its images as ``data:`` URIs."""
    return _get("leaflet.css")
