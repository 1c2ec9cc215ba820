"""Map layers of victim support: facilities, service areas, beyond-reach areas, new sites.

Offline, through :mod:`hotspots.maps` (the map's privacy level applies: facility points
are places, not cases; victim counts below the threshold are suppressed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd

from hotspots.support.facilities import FACILITY_TYPE_VI, FACILITY_TYPES

__all__ = ["TYPE_COLORS", "SERVICE_COLORS", "add_support_layers", "support_map"]

#: Colour of each facility type.
TYPE_COLORS = {
    "shelter": "#6a3d9a",
    "health": "#e31a1c",
    "police": "#1f78b4",
    "legal_aid": "#33a02c",
    "reception": "#ff7f00",
}
#: Shade of each service-area time (minutes).
SERVICE_COLORS = {"30": "#238b45", "60": "#74c476", "120": "#c7e9c0"}


def _vi(lang: str, vi: str, en: str) -> str:
    return vi if lang == "vi" else en


def add_support_layers(m: Any, analysis, service_type: str | None = None) -> Any:
    """Add the support layers of a :class:`~hotspots.support.analysis.SupportAnalysis`.

    Service areas of ``service_type`` (default: the analysis' site type) at 120, 60 and
    30 minutes, origin key areas beyond reach, facilities by type, and the new sites.
    """
    from hotspots.maps.base import add_legend
    from hotspots.maps.geojson import add_geojson_layer

    lang = m._hotspots_lang
    kind = service_type or analysis.site_type
    sa = analysis.service_areas
    sa = sa[(sa["type"] == kind) & ~sa.geometry.is_empty & sa.geometry.notna()]
    sa = sa.sort_values("minutes", ascending=False).assign(band=lambda d: d["minutes"].astype(str))
    name = _vi(
        lang,
        f"Vùng tiếp cận {FACILITY_TYPE_VI[kind].lower()}",
        f"Reach of {kind.replace('_', ' ')}",
    )
    if len(sa):
        add_geojson_layer(
            m,
            sa[["type_vi", "minutes", "communes", "band", "geometry"]],
            name,
            fields=["type_vi", "minutes", "communes"],
            color_by="band",
            colors=SERVICE_COLORS,
            style={"weight": 0.5, "fillOpacity": 0.35},
            simplify_m=50.0,
        )
        add_legend(
            m,
            name,
            [
                {"color": SERVICE_COLORS[str(b)], "label": f"≤ {b} phút", "kind": "box"}
                for b in sorted(sa["minutes"].unique())
            ],
        )
    _beyond(m, analysis, lang)
    fac = analysis.facilities.drop(columns=["source_row"], errors="ignore")
    fac = fac.assign(type_vi=fac["type"].map(FACILITY_TYPE_VI))
    fname = _vi(lang, "Cơ sở hỗ trợ nạn nhân", "Victim support facilities")
    add_geojson_layer(
        m,
        fac[["name", "type_vi", "commune", "capacity", "hours", "type", "geometry"]],
        fname,
        fields=["name", "type_vi", "commune", "capacity", "hours"],
        color_by="type",
        colors=TYPE_COLORS,
        point=True,
        radius=6.0,
        style={"color": "#222", "weight": 1.0, "fillOpacity": 0.9},
        tooltip="name",
    )
    add_legend(
        m,
        fname,
        [
            {"color": TYPE_COLORS[t], "label": FACILITY_TYPE_VI[t], "kind": "dot"}
            for t in FACILITY_TYPES
            if (fac["type"] == t).any()
        ],
    )
    if analysis.sites is not None and len(analysis.sites):
        sname = _vi(lang, "Điểm hỗ trợ đề xuất thêm", "Proposed new support sites")
        add_geojson_layer(
            m,
            analysis.sites[["rank", "name", "type_vi", "geometry"]],
            sname,
            fields=["rank", "name", "type_vi"],
            point=True,
            radius=9.0,
            color="#ffff33",
            style={"color": "#000", "weight": 2.5, "fillOpacity": 1.0},
            tooltip="name",
            label_by="rank",
        )
        add_legend(m, sname, [{"color": "#ffff33", "label": sname, "kind": "dot"}])
    return m


def _beyond(m: Any, analysis, lang: str) -> None:
    """Origin key areas farther than the limit from some type (red outline)."""
    from hotspots.maps.base import add_legend
    from hotspots.maps.geojson import add_geojson_layer

    if analysis.beyond is None or not len(analysis.beyond) or "place" not in analysis.areas:
        return
    far = analysis.areas.merge(analysis.beyond[["place", "beyond"]], on="place")
    far = gpd.GeoDataFrame(far, geometry="geometry", crs=analysis.areas.crs)
    name = _vi(
        lang,
        f"Địa bàn nguồn ngoài {analysis.limit:.0f} phút",
        f"Origin areas beyond {analysis.limit:.0f} min",
    )
    add_geojson_layer(
        m,
        far[["name", "victims", "beyond", "geometry"]],
        name,
        fields=["name", "victims", "beyond"],
        color="#b30000",
        style={"color": "#b30000", "weight": 3, "fillOpacity": 0.1},
        tooltip="name",
    )
    add_legend(m, name, [{"color": "#b30000", "label": name, "kind": "line", "weight": 3}])


def support_map(
    analysis,
    province: object,
    path: str | Path | None = None,
    synthetic: bool = False,
    lang: str = "vi",
) -> Any:
    """An offline map of the province with :func:`add_support_layers`; saved to ``path``."""
    from hotspots.maps.base import base_map, save_map

    title = _vi(lang, "Hỗ trợ nạn nhân trong tầm với", "Victim support within reach")
    m = base_map(province, lang=lang, synthetic=synthetic, title=title)
    add_support_layers(m, analysis)
    if path is not None:
        save_map(m, path)
    return m
