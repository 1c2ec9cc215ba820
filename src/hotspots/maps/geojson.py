"""The building block of every map layer: one compact GeoJSON styled in the browser.

A layer is written into the page once, as GeoJSON with coordinates rounded to 5
decimals (about 1 m), and styled in the browser from one property (``hsLayer`` in the
page helpers), so thousands of cells cost no per-feature style or popup HTML. Popups are
built in the browser from the feature's numbers, HTML-escaped there. The data go through
the map's privacy level first (:func:`hotspots.privacy.apply_privacy`).
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.map import Layer
from folium.template import Template

from hotspots.data.crs import to_metric
from hotspots.errors import InputError
from hotspots.maps.labels import label
from hotspots.privacy import apply_privacy

__all__ = [
    "PALETTE_COUNTS",
    "SUPPRESSED_COLOR",
    "ZERO_COLOR",
    "GeoJsonLayer",
    "features_json",
    "add_geojson_layer",
]

#: Sequential palette for counts (ColorBrewer YlOrRd, 5 classes).
PALETTE_COUNTS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
#: Fill of suppressed (and missing) values.
SUPPRESSED_COLOR = "#bdbdbd"
#: Fill of zero counts.
ZERO_COLOR = "#ffffff"


class GeoJsonLayer(Layer):
    """One GeoJSON overlay styled and explained in the browser (see ``hsLayer``)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = hsLayer({{ this.data }}, {{ this.spec }});
        {% endmacro %}
        """
    )

    def __init__(self, data: str, spec: str, name: str, show: bool = True) -> None:
        super().__init__(name=html.escape(name), overlay=True, control=True, show=show)
        self._name = "GeoJsonLayer"
        self.data = data
        self.spec = spec


def _script_safe(text: str) -> str:
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _jsonable(frame: pd.DataFrame, precision: int) -> list[dict[str, Any]]:
    if frame.shape[1] == 0:
        return [{} for _ in range(len(frame))]
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(s):
            valid = s.dropna()
            with_time = bool(len(valid)) and bool((valid != valid.dt.normalize()).any())
            fmt = "%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d"
            out[col] = s.dt.strftime(fmt).astype(object).where(s.notna(), None)
        elif pd.api.types.is_float_dtype(s):
            out[col] = s.round(precision)
        elif pd.api.types.is_bool_dtype(s) or pd.api.types.is_integer_dtype(s):
            pass
        elif not pd.api.types.is_numeric_dtype(s):
            out[col] = s.map(_text, na_action="ignore")
    return json.loads(out.to_json(orient="records", force_ascii=False, double_precision=10))


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return ", ".join(str(v) for v in value)
    return str(value)


def features_json(
    gdf: gpd.GeoDataFrame,
    properties: Sequence[str] = (),
    decimals: int = 5,
    value_decimals: int = 3,
    simplify_m: float = 0.0,
) -> str:
    """Return ``gdf`` as a compact GeoJSON FeatureCollection string, safe inside ``<script>``.

    Parameters
    ----------
    gdf
        Features to write (any CRS; written in EPSG:4326).
    properties
        Columns to keep as properties (missing ones are skipped).
    decimals
        Decimals of coordinates (5 ≈ 1 m).
    value_decimals
        Decimals of float properties.
    simplify_m
        Simplify geometries with this tolerance in metres first (0: no simplification).
    """
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if gdf.crs is None:
        raise InputError("the layer has no CRS; set it (EPSG:4326 for longitude/latitude)")
    geoms = gdf.geometry
    if simplify_m > 0 and len(gdf):
        metric = to_metric(gpd.GeoDataFrame(geometry=geoms))
        geoms = metric.geometry.simplify(simplify_m, preserve_topology=True).to_crs("EPSG:4326")
    elif gdf.crs.to_epsg() != 4326:
        geoms = geoms.to_crs("EPSG:4326")
    arr = shapely.transform(np.asarray(geoms.values), lambda c: np.round(c, decimals))
    geo = shapely.to_geojson(arr)
    props = _jsonable(
        pd.DataFrame(gdf[[c for c in properties if c in gdf.columns]]).reset_index(drop=True),
        value_decimals,
    )
    sep = (",", ":")
    feats = [
        f'{{"type":"Feature","geometry":{g},"properties":'
        f"{json.dumps(p, ensure_ascii=False, separators=sep)}}}"
        for g, p in zip(geo, props, strict=True)
    ]
    return _script_safe('{"type":"FeatureCollection","features":[' + ",".join(feats) + "]}")


def add_geojson_layer(
    m: Any,
    gdf: gpd.GeoDataFrame,
    name: str,
    fields: Sequence[str] = (),
    style: Mapping[str, Any] | None = None,
    color_by: str | None = None,
    colors: Mapping[str, str] | None = None,
    breaks: Sequence[float] | None = None,
    palette: Sequence[str] | None = None,
    color: str = "#3388ff",
    line: bool = False,
    point: bool = False,
    radius: float = 6.0,
    weight_by: str | None = None,
    weight_range: tuple[float, float] = (2.0, 12.0),
    tooltip: str | None = None,
    show: bool = True,
    simplify_m: float = 0.0,
    check_privacy: bool = True,
    count_columns: Sequence[str] | None = None,
    end_label: str | None = None,
    label_by: str | None = None,
    label_min_zoom: float = 0.0,
    label_class: str = "",
    svg: bool = False,
    dash_offsets: Mapping[str, float] | None = None,
) -> Any:
    """Add ``gdf`` as one GeoJSON overlay (the building block of every other layer).

    ``fields`` are the columns shown in the popup, in order, with their labels in the
    map's language; only these (and the styling columns) are written into the page.
    ``end_label`` names a column written as a permanent label at the last vertex of
    each line (where a key line leaves: its rank and gate or heading), in the layer.
    With ``check_privacy`` the map's privacy level is applied first (PII and case ids
    dropped; in shareable maps counts below the threshold suppressed and case points
    refused).

    Popup values are shown as the reader writes them (:func:`_display_columns`): codes
    as words, dates ``dd/mm/yyyy``, numbers rounded. ``label_by`` names a column
    written as a permanent label at the centre of each feature, shown from zoom
    ``label_min_zoom`` on (commune names, key-area ranks; CSS class ``label_class``).
    ``svg`` draws the layer with Leaflet's SVG renderer (needed for ``dashOffset``);
    ``dash_offsets`` maps values of ``color_by`` to a dash offset in pixels, so that
    dashed lines over the same road show every colour in turn.
    """
    lang = m._hotspots_lang
    if check_privacy:
        gdf = apply_privacy(
            gdf,
            m._hotspots_privacy,
            threshold=m._hotspots_threshold,
            pii=getattr(m, "_hotspots_pii", False),
            count_columns=count_columns,
        )
    styled = {c for c in (color_by, weight_by) if c}
    gdf, shown = _display_columns(
        gdf, [*fields, *(c for c in (tooltip, label_by) if c)], styled, lang
    )
    extra = (color_by, weight_by, shown.get(tooltip), end_label, shown.get(label_by))
    used = list(dict.fromkeys([*(shown.get(c, c) for c in fields), *(c for c in extra if c)]))
    used = [c for c in used if c in gdf.columns]
    data = features_json(gdf, used, simplify_m=simplify_m)
    vmax = None
    if weight_by and weight_by in gdf.columns:
        values = pd.to_numeric(gdf[weight_by], errors="coerce")
        vmax = float(values.max()) if values.notna().any() else None
    spec = {
        "fields": [
            [shown.get(c, c), label(c if c != "communes" else "communes_list", lang)]
            for c in fields
            if shown.get(c, c) in gdf.columns
        ],
        "style": dict(style or {}),
        "colorBy": color_by if color_by in gdf.columns else None,
        "colors": dict(colors) if colors else None,
        "breaks": list(breaks or []),
        "palette": list(palette or PALETTE_COUNTS),
        "nullColor": SUPPRESSED_COLOR,
        "zeroColor": ZERO_COLOR if breaks is not None else None,
        "nullText": label("suppressed", lang, threshold=m._hotspots_threshold)
        if m._hotspots_privacy == "shareable"
        else "—",
        "color": color,
        "line": line,
        "point": point,
        "radius": radius,
        "weightBy": weight_by if vmax else None,
        "wmin": weight_range[0],
        "wmax": weight_range[1],
        "vmax": vmax,
        "tooltip": shown.get(tooltip) if shown.get(tooltip) in gdf.columns else None,
        "endLabel": end_label if end_label in gdf.columns else None,
        "label": shown.get(label_by) if shown.get(label_by) in gdf.columns else None,
        "labelMinZoom": float(label_min_zoom),
        "labelClass": label_class,
        "svg": bool(svg),
        "dashOffsets": (
            {str(k): float(v) for k, v in dash_offsets.items()} if dash_offsets else None
        ),
    }
    spec_js = _script_safe(json.dumps(spec, ensure_ascii=False, separators=(",", ":")))
    GeoJsonLayer(data, spec_js, name=name, show=show).add_to(m)
    keep = [c for c in used if c in gdf.columns]
    m._hotspots_layers.append(
        (name, gpd.GeoDataFrame(gdf[keep], geometry=gdf.geometry, crs=gdf.crs))
    )
    if len(gdf):
        b = gdf.to_crs("EPSG:4326").total_bounds if gdf.crs.to_epsg() != 4326 else gdf.total_bounds
        if np.all(np.isfinite(b)):
            old = m._hotspots_bounds
            m._hotspots_bounds = (
                tuple(b)
                if old is None
                else (min(old[0], b[0]), min(old[1], b[1]), max(old[2], b[2]), max(old[3], b[3]))
            )
    return m


def _display_value_column(col: str, s: pd.Series, lang: str) -> pd.Series:
    """One column as shown to the reader (codes as words, dates, rounded numbers)."""
    from hotspots.maps.labels import display_value, format_date

    if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(s):
        return s.map(lambda t: format_date(t, lang), na_action="ignore").astype(object)
    if pd.api.types.is_bool_dtype(s):
        yes, no = ("có", "không") if lang == "vi" else ("yes", "no")
        return s.map({True: yes, False: no}).astype(object)
    if pd.api.types.is_float_dtype(s):
        if col == "share":
            return s.map(lambda v: f"{v * 100:.0f}%", na_action="ignore").astype(object)
        return s.map(lambda v: round(v, 2) if abs(v) < 10 else round(v, 1), na_action="ignore")
    if pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s):
        return s.map(lambda v: display_value(col, v, lang), na_action="ignore")
    return s


def _display_columns(
    gdf: gpd.GeoDataFrame, columns: Sequence[str], styled: set[str], lang: str
) -> tuple[gpd.GeoDataFrame, dict[str, str]]:
    """Add the display form of ``columns``; return the frame and column -> shown column.

    A column that also drives the style (colour, width) keeps its raw values and gets
    its display form in ``<column>__shown``.
    """
    shown: dict[str, str] = {}
    out = gdf
    for col in dict.fromkeys(c for c in columns if c in gdf.columns):
        s = gdf[col]
        d = _display_value_column(col, s, lang)
        if d is s:
            shown[col] = col
            continue
        if out is gdf:
            out = gdf.copy()
        target = f"{col}__shown" if col in styled else col
        out[target] = d
        shown[col] = target
    return out, shown


# ----------------------------------------------------------------------------- classes
