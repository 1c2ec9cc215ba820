"""Roads and place names on the offline base map (no tiles, no network request).

The main roads of the province are drawn by class (width and colour), with their
``ref``/name in a tooltip, from vector data: a roads GeoPackage written by ``hotspots
roads`` (layers ``roads`` and ``places``), any road lines given, or the bundled major
roads of :func:`hotspots.geodata.roads` (OpenStreetMap, no class or name in that
source). Place names come from the GeoPackage's ``places`` layer, else the bundled
commune seats. Lines are merged per road and class, simplified (``simplify_m``) and
their coordinates rounded (4 decimals, about 10 m) to keep the page small.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.data.crs import WGS84, metric_crs

__all__ = ["add_roads", "add_places", "main_roads", "ROAD_STYLE"]

#: Drawing of each road group: (colour, line width in pixels, classes in the group).
ROAD_STYLE: dict[str, tuple[str, float, tuple[str, ...]]] = {
    "highway": ("#c0392b", 3.5, ("motorway", "trunk")),
    "major": ("#e67e22", 2.6, ("primary", "major", "connector")),
    "secondary": ("#d4ac0d", 2.0, ("secondary",)),
    "minor": ("#8d8d8d", 1.3, ("tertiary",)),
}

_GROUP = {cls: g for g, (_, _, classes) in ROAD_STYLE.items() for cls in classes}

_WORDS = {
    "vi": {
        "layer": "Đường chính",
        "places": "Địa danh",
        "road": "Đường",
        "class": "Cấp đường",
        "place": "Loại",
        "highway": "Quốc lộ, cao tốc",
        "major": "Đường chính",
        "secondary": "Đường tỉnh",
        "minor": "Đường huyện, liên xã",
        "unnamed": "(không tên)",
        "source_osm": "Đường: © OpenStreetMap (ODbL)",
    },
    "en": {
        "layer": "Main roads",
        "places": "Places",
        "road": "Road",
        "class": "Class",
        "place": "Kind",
        "highway": "Expressway, national road",
        "major": "Main road",
        "secondary": "Provincial road",
        "minor": "District road",
        "unnamed": "(no name)",
        "source_osm": "Roads: © OpenStreetMap (ODbL)",
    },
}

#: Kinds of place kept from a ``places`` layer (hamlets and suburbs left out: too many).
_PLACE_KINDS = ("city", "town", "village")


def _read_layer(path: Path, layer: str) -> gpd.GeoDataFrame | None:
    import pyogrio

    names = [str(x) for x in pyogrio.list_layers(path)[:, 0]] if path.suffix == ".gpkg" else []
    if names and layer not in names:
        return None
    return gpd.read_file(path, layer=layer) if names else gpd.read_file(path)


def main_roads(
    roads: Any = None, area: Any = None, simplify_m: float = 50.0, margin_m: float = 2_000.0
) -> gpd.GeoDataFrame:
    """The main roads to draw: merged per road and class, clipped, simplified, rounded.

    Parameters
    ----------
    roads
        Road lines (GeoDataFrame with ``highway`` and optional ``ref``/``name``), a
        roads file (GeoPackage layer ``roads``), or ``None``: the bundled major roads of
        the province ``area``.
    area
        Province name/code or boundary (GeoDataFrame/geometry) to clip to (plus
        ``margin_m``); ``None``: no clipping.
    simplify_m
        Simplification tolerance, metres.

    Returns
    -------
    geopandas.GeoDataFrame
        ``road`` (ref, else name, else ''), ``group`` (a key of :data:`ROAD_STYLE`),
        ``width``, LineString/MultiLineString geometry (EPSG:4326); empty when nothing
        is known.
    """
    lines = _road_lines(roads, area)
    empty = gpd.GeoDataFrame({"road": [], "group": [], "width": []}, geometry=[], crs=WGS84)
    if lines is None or len(lines) == 0:
        return empty
    hw = lines["highway"].astype(str) if "highway" in lines else pd.Series("major", lines.index)
    group = hw.str.replace("_link", "", regex=False).map(_GROUP)
    lines = lines.assign(group=group)[group.notna()]
    if len(lines) == 0:
        return empty
    from hotspots.plan.travel import road_label

    refs = lines["ref"] if "ref" in lines else pd.Series(None, lines.index)
    names = lines["name"] if "name" in lines else pd.Series(None, lines.index)
    lines = lines.assign(road=[road_label(r, n) for r, n in zip(refs, names, strict=True)])
    boundary = _boundary(area)
    crs = metric_crs(lines)
    m = lines.to_crs(crs)
    if boundary is not None:
        zone = boundary.to_crs(crs).union_all().buffer(margin_m)
        m = m[m.intersects(zone)]
        m = m.set_geometry(m.intersection(zone))
    merged = m.dissolve(by=["road", "group"], as_index=False)[["road", "group", "geometry"]]
    merged["geometry"] = shapely.line_merge(merged.geometry.values)
    merged["geometry"] = merged.geometry.simplify(simplify_m, preserve_topology=False)
    out = merged.to_crs(WGS84)
    out["geometry"] = shapely.transform(out.geometry.values, lambda c: np.round(c, 4))
    out["width"] = out["group"].map({g: w for g, (_, w, _) in ROAD_STYLE.items()})
    order = {g: i for i, g in enumerate(ROAD_STYLE)}
    out = out[~out.geometry.is_empty].sort_values("group", key=lambda s: -s.map(order))
    return out.reset_index(drop=True)


def _road_lines(roads: Any, area: Any) -> gpd.GeoDataFrame | None:
    if isinstance(roads, gpd.GeoDataFrame):
        return roads if roads.crs is not None else roads.set_crs(WGS84)
    if roads is not None:
        if Path(roads).suffix.lower() != ".gpkg":  # GeoJSON, Shapefile, GraphML, OSM XML
            from hotspots.plan.travel import read_network

            return read_network(roads)
        return _read_layer(Path(roads), "roads")
    if not isinstance(area, str):
        return None
    try:
        from hotspots import geodata

        return geodata.roads(province=area, margin_km=0.0)
    except (ImportError, AttributeError):  # bundled roads not available
        return None


def _boundary(area: Any) -> gpd.GeoDataFrame | None:
    from hotspots.maps.base import _resolve_area

    return _resolve_area(area)


def add_roads(
    m: Any,
    roads: Any = None,
    area: Any = None,
    simplify_m: float = 50.0,
    show: bool = True,
) -> Any:
    """Draw the main roads (width and colour by class, ref/name in a tooltip).

    Parameters
    ----------
    m
        A map from :func:`hotspots.maps.base_map`.
    roads, area, simplify_m
        As :func:`main_roads`.
    show
        Whether the layer is on when the map opens.
    """
    from hotspots.maps.base import add_legend
    from hotspots.maps.geojson import add_geojson_layer

    lang = m._hotspots_lang
    w = _WORDS[lang]
    gdf = main_roads(roads, area, simplify_m)
    if len(gdf) == 0:
        return m
    gdf = gdf.assign(
        **{w["road"]: gdf["road"].where(gdf["road"] != "", w["unnamed"])},
        **{w["class"]: gdf["group"].map(w)},
    )
    widths = gdf["width"].to_numpy(float)
    add_geojson_layer(
        m,
        gdf,
        name=w["layer"],
        fields=[w["road"], w["class"]],
        color_by="group",
        colors={g: c for g, (c, _, _) in ROAD_STYLE.items()},
        line=True,
        weight_by="width",
        weight_range=(0.0, float(widths.max())),
        style={"opacity": 0.85},
        tooltip=w["road"],
        show=show,
        check_privacy=False,
    )
    used = [g for g in ROAD_STYLE if g in set(gdf["group"])]
    add_legend(
        m,
        w["layer"],
        [
            {"color": ROAD_STYLE[g][0], "label": w[g], "kind": "line", "weight": ROAD_STYLE[g][1]}
            for g in used
        ],
        layer=w["layer"],
    )
    if w["source_osm"] not in m._hotspots_notes:
        m._hotspots_notes.append(w["source_osm"])
    return m


def add_places(m: Any, places: Any = None, area: Any = None, show: bool = True) -> Any:
    """Write place names: a roads GeoPackage's ``places`` layer, else commune seats.

    Without ``places``, the bundled commune seats of the province ``area`` are used.
    Names are written from zoom 10 on (a dot below that); hamlets are left out.
    """
    from hotspots.maps.geojson import add_geojson_layer

    w = _WORDS[m._hotspots_lang]
    gdf = _places(places, area)
    if gdf is None or len(gdf) == 0:
        return m
    gdf = gdf.assign(**{w["places"]: gdf["name"]})
    add_geojson_layer(
        m,
        gdf,
        name=w["places"],
        fields=[w["places"]],
        point=True,
        radius=2.5,
        color="#222222",
        label_by=w["places"],
        label_min_zoom=10.0,
        label_class="hs-place",
        show=show,
        check_privacy=False,
    )
    return m


def _places(places: Any, area: Any) -> gpd.GeoDataFrame | None:
    if isinstance(places, str | Path):
        places = _read_layer(Path(places), "places")
    if isinstance(places, gpd.GeoDataFrame) and len(places) and "name" in places:
        p = places[places["name"].notna() & (places["name"].astype(str) != "")]
        if "place" in p:
            p = p[p["place"].astype(str).isin(_PLACE_KINDS)]
        boundary = _boundary(area)
        if boundary is not None:
            p = p[p.within(boundary.to_crs(p.crs).union_all())]
        return p[["name", "geometry"]].to_crs(WGS84)
    if not isinstance(area, str):
        return None
    from hotspots import geodata

    return geodata.communes(province=area)[["name", "geometry"]]
