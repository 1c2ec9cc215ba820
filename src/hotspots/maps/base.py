"""The offline base map: Leaflet inline, bundled boundaries, legend, banner, atomic save.

A map made here opens from a file on a closed network: Leaflet's script and stylesheet
are written into the page, no web font, no CDN, and no tile layer unless a tile URL is
given (an intranet tile server). The background is drawn from bundled geography.
"""

from __future__ import annotations

import html
import os
import tempfile
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Element, MacroElement
from folium.template import Template
from shapely.geometry.base import BaseGeometry

from hotspots.errors import InputError
from hotspots.maps import _assets
from hotspots.maps.labels import Lang, label
from hotspots.privacy import DEFAULT_THRESHOLD, PrivacyLevel, check_level

__all__ = [
    "OfflineMap",
    "base_map",
    "add_boundaries",
    "add_credit",
    "add_legend",
    "add_link",
    "save_map",
    "map_html",
]


class _Raw(Element):
    """An element that renders a fixed string (no template processing)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class _Legend(MacroElement):
    """A legend control filled at render time from the map's registered sections."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: 'bottomleft'});
        {{ this.get_name() }}.onAdd = function () {
            // a <details> box: open on a desk, folded on a phone (tap the title to open)
            var div = L.DomUtil.create('details', 'hs-legend');
            div.innerHTML = {{ this.html_json }};
            div.open = window.innerWidth > 600;
            L.DomEvent.disableScrollPropagation(div);
            L.DomEvent.disableClickPropagation(div);
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        (function (map, names) {
            // a layer's legend section shows only while the layer is on the map
            function toggle(e, on) {
                var i = names.indexOf(e.name);
                if (i < 0) { return; }
                var sec = document.querySelector('.hs-legend [data-hs-sec="' + i + '"]');
                if (sec) { sec.style.display = on ? '' : 'none'; }
            }
            map.on('overlayadd', function (e) { toggle(e, true); });
            map.on('overlayremove', function (e) { toggle(e, false); });
        })({{ this._parent.get_name() }}, {{ this.names_json }});
        {% endmacro %}
        """
    )

    def __init__(self, title: str | None = None) -> None:
        super().__init__()
        self._name = "Legend"
        self.title = title
        self.html_json = '""'
        self.names_json = "[]"

    def render(self, **kwargs: Any) -> None:
        m = self._parent
        title = html.escape(self.title or label("legend", m._hotspots_lang))
        parts = [f"<summary>{title}</summary>"]
        # layer name in the control (escaped, as the control shows it) -> shown at start?
        layers = {v.layer_name: v.show for v in m._children.values() if hasattr(v, "layer_name")}
        names: list[str] = []
        for section in m._hotspots_legend:
            key = html.escape(section.get("layer") or section["title"])
            attrs = ""
            if key in layers:
                attrs = f' data-hs-sec="{len(names)}"'
                attrs += "" if layers[key] else ' style="display:none"'
                names.append(key)
            parts.append(f"<div{attrs}><h5>{html.escape(section['title'])}</h5>")
            for item in section["items"]:
                parts.append(_legend_item(item))
            parts.append("</div>")
        for note in m._hotspots_notes:
            parts.append(f'<div class="hs-note">{html.escape(note)}</div>')
        self.html_json = _js_string("".join(parts))
        self.names_json = _js_string_list(names)
        super().render(**kwargs)


class _Credits(MacroElement):
    """The sources of the bundled geography, written into Leaflet's attribution control.

    geodata/README.md asks every map that shows the bundled province polygons to credit
    amCharts (amcharts5-geodata, linkware) and the borders Natural Earth; the commune seats come
    from vietnamadminunits (MIT).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, credits) {
            if (!map.attributionControl) {
                map.attributionControl = L.control.attribution().addTo(map);
            }
            credits.forEach(function (c) { map.attributionControl.addAttribution(c); });
        })({{ this._parent.get_name() }}, {{ this.credits_json }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "Credits"
        self.credits_json = "[]"

    def render(self, **kwargs: Any) -> None:
        m = self._parent
        texts = [label(key, m._hotspots_lang) for key in m._hotspots_credits]
        self.credits_json = _js_string_list([html.escape(t) for t in texts])
        super().render(**kwargs)


class _ScaleAndPhone(MacroElement):
    """A metric-only scale bar, and a folded layer control on a phone-sized screen."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false}).addTo({{ this._parent.get_name() }});
        (function (map, ctrl) {
            if (window.innerWidth > 600) { return; }
            // the layer list folds into its button; tap it to open, tap the map to close
            ctrl.options.collapsed = true;
            ctrl.collapse();
            map.on('click', ctrl.collapse, ctrl);
        })({{ this._parent.get_name() }}, {{ this.control.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, control: Any) -> None:
        super().__init__()
        self._name = "ScaleAndPhone"
        self.control = control


class _Link(MacroElement):
    """A link drawn as a map control (back to the report's index)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            var c = L.control({position: 'bottomright'});
            c.onAdd = function () {
                var a = L.DomUtil.create('a', 'hs-home');
                a.href = {{ this.href_json }}; a.textContent = {{ this.text_json }};
                return a;
            };
            c.addTo(map);
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, href: str, text: str) -> None:
        super().__init__()
        self._name = "Link"
        self.href_json = _js_string(href)
        self.text_json = _js_string(text)


def add_link(m: OfflineMap, href: str, text: str) -> OfflineMap:
    """Put a link on the map (bottom right), e.g. back to the report's index page."""
    m.add_child(_Link(href, text), name="hs_link")
    return m


#: Credit keys (labels) in the order they are shown.
_CREDIT_ORDER = ("credit_provinces", "credit_communes", "credit_borders")


def add_credit(m: OfflineMap, *sources: str) -> OfflineMap:
    """Credit bundled geography drawn on ``m`` in its attribution control.

    Parameters
    ----------
    m
        A map from :func:`base_map`.
    *sources
        ``"provinces"`` (amCharts amcharts5-geodata), ``"communes"`` (vietnamadminunits)
        or ``"borders"`` (Natural Earth; also for border gates, snapped onto its line).
    """
    keys = set(getattr(m, "_hotspots_credits", ()))
    for source in sources:
        key = f"credit_{source}"
        if key not in _CREDIT_ORDER:
            raise InputError(f"unknown credit {source!r}; use provinces, communes or borders")
        keys.add(key)
    m._hotspots_credits = [k for k in _CREDIT_ORDER if k in keys]
    return m


def _legend_item(item: dict[str, Any]) -> str:
    color = html.escape(str(item.get("color", "#999")), quote=True)
    text = html.escape(str(item["label"]))
    kind = item.get("kind", "box")
    if kind == "line":
        width = float(item.get("weight", 3))
        swatch = (
            f'<i class="hs-line" style="border-top-width:{width:.0f}px;border-color:{color}"></i>'
        )
    elif kind == "dot":
        swatch = f'<i class="hs-dot" style="background:{color}"></i>'
    else:
        swatch = f'<i style="background:{color}"></i>'
    return f"<div>{swatch}{text}</div>"


def _js_string_list(items: list[str]) -> str:
    return "[" + ",".join(_js_string(t) for t in items) + "]"


def _js_string(text: str) -> str:
    """Return ``text`` as a JavaScript string literal safe inside ``<script>``."""
    import json

    return (
        json.dumps(text, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


class OfflineMap(folium.Map):
    """A :class:`folium.Map` that needs no network: Leaflet inline, no CDN links.

    folium's default page loads Leaflet, jQuery, Bootstrap and fonts from CDNs; this map
    loads nothing. Its layers are plain Leaflet (GeoJSON, circle markers), so only
    Leaflet's own script and stylesheet are written into the page.
    """

    default_js: list[tuple[str, str]] = []
    default_css: list[tuple[str, str]] = []

    def render(self, **kwargs: Any) -> None:
        """Write Leaflet and the page helpers inline into the page header, then render."""
        figure = self.get_root()
        figure.header.add_child(_Raw(f"<style>{_assets.leaflet_css()}</style>"), name="hs_lcss")
        figure.header.add_child(_Raw(f"<style>{_assets.PAGE_CSS}</style>"), name="hs_css")
        figure.header.add_child(_Raw(f"<script>{_assets.leaflet_js()}</script>"), name="hs_ljs")
        figure.header.add_child(_Raw(f"<script>{_assets.HELPERS_JS}</script>"), name="hs_helpers")
        _finish(self)
        # Same inputs -> same page: number the elements in tree order instead of folium's
        # random ids, and drop the scripts of the previous render (their keys were the
        # old names) so nothing is written twice.
        for key in getattr(self, "_hotspots_script_keys", ()):
            figure.script._children.pop(key, None)
        _renumber(self)
        before = set(figure.script._children)
        super().render(**kwargs)
        self._hotspots_script_keys = set(figure.script._children) - before


def _renumber(root: Element) -> None:
    """Give ``root`` and every element below it a deterministic id (tree order)."""
    stack, n = [root], 0
    while stack:
        el = stack.pop(0)
        el._id = f"{n:08x}"
        n += 1
        stack.extend(el._children.values())


def _geodata():
    try:
        from hotspots import geodata
    except ImportError:  # pragma: no cover - until hotspots.geodata lands
        return None
    return geodata


def _as_gdf(obj: Any) -> gpd.GeoDataFrame:
    if isinstance(obj, gpd.GeoDataFrame):
        gdf = obj
    elif isinstance(obj, gpd.GeoSeries):
        gdf = gpd.GeoDataFrame(geometry=obj)
    elif isinstance(obj, BaseGeometry):
        gdf = gpd.GeoDataFrame(geometry=[obj], crs="EPSG:4326")
    elif isinstance(obj, pd.Series) and isinstance(obj.get("geometry"), BaseGeometry):
        gdf = gpd.GeoDataFrame([obj.drop("geometry")], geometry=[obj["geometry"]], crs="EPSG:4326")
    else:
        raise InputError(
            f"area must be a province code or name, a GeoDataFrame, a GeoSeries or a shapely "
            f"geometry, not {type(obj).__name__}"
        )
    if gdf.crs is None:
        gdf = gdf.set_crs("EPSG:4326")
    return gdf.to_crs("EPSG:4326")


def _resolve_area(area: Any) -> gpd.GeoDataFrame | None:
    if area is None:
        return None
    if isinstance(area, str):
        geodata = _geodata()
        if geodata is None or not hasattr(geodata, "province"):
            raise InputError(
                f"area={area!r}: the bundled geography (hotspots.geodata) is not available; "
                "pass the province boundary as a GeoDataFrame instead"
            )
        return _as_gdf(geodata.province(area))
    return _as_gdf(area)


def base_map(
    area: Any = None,
    lang: Lang = "vi",
    tiles: str | None = None,
    synthetic: bool = False,
    privacy: PrivacyLevel = "shareable",
    communes: Any = None,
    threshold: int = DEFAULT_THRESHOLD,
    title: str | None = None,
    tiles_attribution: str | None = None,
    pii: bool = False,
    roads: Any = None,
    places: Any = None,
) -> OfflineMap:
    """Make an empty offline map of ``area`` with its boundaries drawn from bundled geography.

    Parameters
    ----------
    area
        A province code or name (looked up in :mod:`hotspots.geodata`), or the boundary
        itself (GeoDataFrame, GeoSeries, shapely geometry). ``None``: no boundary, the
        view is fitted to the layers added later.
    lang
        ``"vi"`` (default) or ``"en"`` for every label, legend and popup header.
    tiles
        URL template of a tile server (``https://intranet/tiles/{z}/{x}/{y}.png``).
        Default ``None``: no tiles at all, the map works offline.
    synthetic
        Put a ``DỮ LIỆU GIẢ LẬP / SYNTHETIC`` banner on the map.
    privacy
        ``"shareable"`` (default: aggregates only) or ``"restricted"``; every ``add_*``
        layer applies it to the data it draws.
    communes
        Commune polygons to draw as a boundary layer; ``None``: the approximate commune
        areas of the province from :mod:`hotspots.geodata` when ``area`` is a province
        name or code and the geography is available; ``False``: none.
    threshold
        Suppression threshold for counts in shareable layers (default 3).
    title
        Page title; default the first layer's name.
    tiles_attribution
        Attribution shown for ``tiles``.
    pii
        Let layers keep PII columns they are asked to show (``privacy="restricted"``
        only; an explicit analyst's choice).
    roads
        Main roads drawn by class with their ref/name (:func:`hotspots.maps.roads.add_roads`):
        a roads GeoPackage from ``hotspots roads`` or road lines; ``None``: the bundled
        major roads of the province when ``area`` is a province name or code; ``False``:
        none.
    places
        Place names: a GeoDataFrame or file with a ``places`` layer; ``None``: the
        ``places`` layer of a ``roads`` GeoPackage, else the bundled commune seats of the
        province; ``False``: none.
    """
    label("legend", lang)  # validates lang
    check_level(privacy)
    if pii and privacy != "restricted":
        raise InputError("pii=True needs privacy='restricted' (a shareable map never shows PII)")
    m = OfflineMap(
        location=[16.0, 106.0],
        zoom_start=6,
        tiles=None,
        prefer_canvas=True,
        control_scale=False,  # a metric-only scale is added by _finish
        zoom_snap=0.25,  # the province fills the page (whole zoom levels leave it small)
    )
    m._hotspots_lang = lang
    m._hotspots_privacy = privacy
    m._hotspots_pii = pii
    m._hotspots_threshold = threshold
    m._hotspots_synthetic = synthetic
    m._hotspots_layers = []
    m._hotspots_legend = []
    m._hotspots_notes = [label(privacy, lang)]
    m._hotspots_bounds = None
    m._hotspots_title = title
    m._hotspots_credits = []
    if tiles is not None:
        folium.TileLayer(
            tiles=tiles,
            attr=tiles_attribution or "tiles",
            name="tiles",
            control=False,
        ).add_to(m)
    boundary = _resolve_area(area)
    if communes is None and isinstance(area, str):
        geodata = _geodata()
        if geodata is not None and hasattr(geodata, "commune_areas"):
            communes = geodata.commune_areas(area)
            add_credit(m, "communes", "provinces")  # seats' cells clipped to the province
    if isinstance(area, str):
        add_credit(m, "provinces")
    if communes is not None and communes is not False:
        add_boundaries(
            m,
            _as_gdf(communes),
            name=label("communes", lang),
            weight=0.7,
            color="#7a7a7a",
            approximate=True,
        )
    if boundary is not None:
        add_boundaries(m, boundary, name=label("province", lang), weight=2.2, color="#333333")
    _add_roads_and_places(m, area, roads, places)
    _add_banners(m, synthetic, privacy, lang)
    m.add_child(_Legend(), name="hs_legend")
    m.add_child(_Credits(), name="hs_credits")
    return m


def _add_banners(m: OfflineMap, synthetic: bool, privacy: str, lang: str) -> None:
    """The banners on the map's face: synthetic data, restricted (analysts only)."""
    banners = []
    if synthetic:
        banners.append(
            f'<div class="hs-banner">{html.escape(label("synthetic", lang))}'
            f"<small>{html.escape(label('synthetic_note', lang))}</small></div>"
        )
    if privacy == "restricted":
        banners.append(
            '<div class="hs-banner hs-restricted">'
            f"{html.escape(label('restricted_banner', lang))}</div>"
        )
    if banners:
        box = f'<div class="hs-banners">{"".join(banners)}</div>'
        m.get_root().html.add_child(_Raw(box), name="hs_banner")


def _add_roads_and_places(m: OfflineMap, area: Any, roads: Any, places: Any) -> None:
    """The base layer's main roads and place names (bundled unless given; False: none)."""
    from hotspots.maps.roads import add_places, add_roads

    if roads is not False and (roads is not None or isinstance(area, str)):
        add_roads(m, roads, area if area is not None else None)
    if places is None and isinstance(roads, str | Path) and str(roads).endswith(".gpkg"):
        places = roads
    if places is not False and (places is not None or isinstance(area, str)):
        add_places(m, places, area)


def add_boundaries(
    m: OfflineMap,
    gdf: gpd.GeoDataFrame,
    name: str,
    weight: float = 1.0,
    color: str = "#555555",
    approximate: bool = False,
    simplify_m: float = 30.0,
) -> OfflineMap:
    """Draw boundary outlines (province, communes) as an unfilled overlay with name popups."""
    from hotspots.maps.geojson import add_geojson_layer

    fields = [c for c in ("name", "code", "area_km2") if c in gdf.columns]
    add_geojson_layer(
        m,
        gdf,
        name=name,
        fields=fields,
        style={"color": color, "weight": weight, "fill": True, "fillOpacity": 0.0, "opacity": 0.9},
        tooltip="name" if "name" in gdf.columns else None,
        simplify_m=simplify_m,
        check_privacy=False,
    )
    if approximate:
        note = label("approximate", m._hotspots_lang)
        if note not in m._hotspots_notes:
            m._hotspots_notes.append(note)
    return m


def add_legend(
    m: OfflineMap,
    title: str,
    items: list[dict[str, Any]],
    note: str | None = None,
    layer: str | None = None,
) -> OfflineMap:
    """Add a section to the map's legend.

    Parameters
    ----------
    title
        Section heading.
    items
        ``{"color": "#hex", "label": "text", "kind": "box" | "line" | "dot"}`` entries
        (``"weight"`` for lines).
    note
        A line of text under the legend.
    layer
        Name of the layer the section explains (default ``title``); the section is
        shown only while that layer is on the map.
    """
    m._hotspots_legend.append({"title": title, "items": list(items), "layer": layer})
    if note:
        m._hotspots_notes.append(note)
    return m


def _finish(m: OfflineMap) -> None:
    """Put the view fit, the layer control and the title last (again at every render).

    Layers may be added after a map was shown (in a notebook), so the control (which
    names every layer) and the bounds are rebuilt each time and always render last.
    """
    if not hasattr(m, "_hotspots_layers"):  # an OfflineMap not made by base_map
        return
    if not hasattr(m, "_hotspots_control"):
        m._hotspots_control = folium.LayerControl(collapsed=False)
        # room at the top for the banner(s), so that they never hide a line's end
        top = 70 if m._hotspots_synthetic or m._hotspots_privacy == "restricted" else 10
        m._hotspots_fit = folium.FitBounds(
            [[-1.0, -1.0], [1.0, 1.0]], padding_top_left=(10, top), padding_bottom_right=(10, 10)
        )
    for name in ("hs_fit", "hs_control", "hs_scale"):
        m._children.pop(name, None)  # re-added below: they render last
    if m._hotspots_bounds is not None:
        w, s, e, n = m._hotspots_bounds
        m._hotspots_fit.bounds = [[s, w], [n, e]]
        m.add_child(m._hotspots_fit, name="hs_fit")
    m.add_child(m._hotspots_control, name="hs_control")
    m.add_child(_ScaleAndPhone(m._hotspots_control), name="hs_scale")
    title = m._hotspots_title
    if title is None:
        names = [n for n, _ in m._hotspots_layers]
        title = names[-1] if names else label("legend", m._hotspots_lang)
    if m._hotspots_synthetic:
        title = f"{title} — {label('synthetic', m._hotspots_lang)}"
    m.get_root().title = html.escape(title)


def map_html(m: OfflineMap) -> str:
    """Return the complete, self-contained HTML page of ``m``."""
    return m.get_root().render()


def save_map(
    m: Any,
    path: str | os.PathLike[str],
    privacy: PrivacyLevel | None = None,
    allow_tiles: bool = False,
) -> Path:
    """Write ``m`` as one self-contained HTML file, atomically.

    The page is written to a temporary file in the same folder and renamed over
    ``path``, so a reader never sees a half-written map. Shareable maps are checked
    with :func:`hotspots.privacy.assert_shareable` before anything is written.

    Parameters
    ----------
    m
        A map from :func:`base_map` (or the views). Any other folium map is accepted
        too: its CDN scripts and stylesheets are written inline from the installed
        registry package (:func:`hotspots.maps.offline.make_offline`); a map that would
        still need the network is refused with :class:`~hotspots.maps.offline.OfflineError`.
    path
        Output ``.html`` file; its folder is created.
    privacy
        Level to check; default the map's own (``"shareable"`` for maps made elsewhere,
        which are then checked for PII and case-id fields in the page).
    allow_tiles
        For maps made elsewhere: keep their tile layer (an intranet tile server).
    """
    from hotspots.privacy import assert_shareable

    path = Path(path)
    ours = hasattr(m, "_hotspots_layers")
    level = privacy or getattr(m, "_hotspots_privacy", "shareable")
    check_level(level)
    text = map_html(m)
    if not ours:
        from hotspots.maps.offline import make_offline

        text = make_offline(text, allow_tiles=allow_tiles)
    if level == "shareable":
        threshold = getattr(m, "_hotspots_threshold", DEFAULT_THRESHOLD)
        if ours:
            if m._hotspots_privacy != "shareable":
                from hotspots.privacy import PrivacyError

                raise PrivacyError(
                    f"the map was made with privacy={m._hotspots_privacy!r}; "
                    "it cannot be saved as shareable"
                )
            for _name, frame in m._hotspots_layers:
                assert_shareable(frame, threshold=threshold)
        assert_shareable(text, threshold=threshold)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
