"""Map layers: counts, key areas, density, trends, key lines, gates, checkpoints, patrols.

Each ``add_*`` draws one layer with :func:`hotspots.maps.geojson.add_geojson_layer`
(compact GeoJSON styled in the browser, privacy level applied first) and adds its
section to the legend. Layers are tolerant of missing columns: what is not there is not
shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.template import Template

from hotspots.data.crs import metric_crs
from hotspots.errors import InputError
from hotspots.maps.geojson import (
    PALETTE_COUNTS,
    SUPPRESSED_COLOR,
    ZERO_COLOR,
    add_geojson_layer,
    features_json,
)
from hotspots.maps.labels import HEADINGS_VI, label, trend_key
from hotspots.privacy import apply_privacy

__all__ = [
    "PALETTE_COUNTS",
    "PALETTE_DENSITY",
    "TREND_COLORS",
    "add_geojson_layer",
    "add_counts",
    "add_key_areas",
    "add_density",
    "add_trends",
    "add_key_lines",
    "add_exit_points",
    "add_checkpoints",
    "add_patrol_routes",
    "add_case_points",
    "count_breaks",
    "features_json",
]

#: Sequential palette for densities (ColorBrewer YlOrBr-like, 7 classes).
PALETTE_DENSITY = ("#fff7bc", "#fee391", "#fec44f", "#fe9929", "#ec7014", "#cc4c02", "#8c2d04")
#: Categorical palette (ColorBrewer Dark2).
PALETTE_CATEGORIES = (
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#666666",
)

#: Colours of emerging-hot-spot categories (hot: reds, cold: blues), by normalised name.
TREND_COLORS: dict[str, str] = {
    "new_hot_spot": "#67000d",
    "consecutive_hot_spot": "#a50f15",
    "intensifying_hot_spot": "#cb181d",
    "persistent_hot_spot": "#ef3b2c",
    "diminishing_hot_spot": "#fb6a4a",
    "sporadic_hot_spot": "#fc9272",
    "oscillating_hot_spot": "#fcbba1",
    "historical_hot_spot": "#fee0d2",
    "new_cold_spot": "#08306b",
    "consecutive_cold_spot": "#08519c",
    "intensifying_cold_spot": "#2171b5",
    "persistent_cold_spot": "#4292c6",
    "diminishing_cold_spot": "#6baed6",
    "sporadic_cold_spot": "#9ecae1",
    "oscillating_cold_spot": "#c6dbef",
    "historical_cold_spot": "#deebf7",
}

#: Colours of key-area classes: purples/blues, apart from the red-yellow of counts.
KEY_AREA_COLORS = {"origin": "#1f78b4", "operational": "#54278f"}
KEY_AREA_TIERS = ("#54278f", "#807dba", "#bcbddc")
#: Zoom from which commune names are written on the map (a commune is ~80 px wide there).
NAME_LABEL_ZOOM = 10.0
#: Outline of key areas: dark and thick, so they stand out over the commune shading.
KEY_AREA_STROKE = {"color": "#3f007d", "weight": 3, "opacity": 1.0, "fillOpacity": 0.3}


def _nice(x: float) -> float:
    """Smallest number of the 1-2-5 series that is >= ``x``."""
    e = 10.0 ** np.floor(np.log10(x))
    return next(m * e for m in (1, 2, 5, 10) if m * e >= x)


def count_breaks(values: Sequence[float] | pd.Series, k: int = 5) -> list[float]:
    """Upper bounds of up to ``k`` classes of positive counts.

    Quantile classes (integers, unique) when the counts span less than a factor 20;
    otherwise geometric classes rounded to 1-2-5 numbers (3–5, 6–10, 11–20, …), so a few
    very large counts do not squeeze everything else into one class. A value ``v`` falls
    in the first class whose bound is ``>= v``; the last bound is the maximum. Zero and
    missing values are classed apart (white, grey).
    """
    v = pd.to_numeric(pd.Series(values), errors="coerce").dropna()
    v = v[v > 0].to_numpy(dtype=float)
    if v.size == 0:
        return []
    lo, hi = float(v.min()), float(np.ceil(v.max()))
    if hi / lo > 20:
        inner = {float(_nice(lo * (hi / lo) ** (i / k))) for i in range(1, k)}
    else:
        inner = {float(np.ceil(q)) for q in np.quantile(v, np.linspace(0, 1, k + 1)[1:-1])}
    return sorted(b for b in inner if b < hi) + [hi]


def _range_labels(breaks: Sequence[float], integer: bool, lower: float) -> list[str]:
    out = []
    lo = lower
    for b in breaks:
        if integer:
            out.append(f"{int(lo)}" if lo == b else f"{int(lo)}–{int(b)}")
            lo = b + 1
        else:
            out.append(f"{lo:.3g}–{b:.3g}")
            lo = b
    return out


def _count_legend(m: Any, breaks: list[float], title: str, palette: Sequence[str]) -> None:
    from hotspots.maps.base import add_legend

    lang = m._hotspots_lang
    lower = m._hotspots_threshold if m._hotspots_privacy == "shareable" else 1
    items = [{"color": ZERO_COLOR, "label": "0 — " + label("no_cases", lang)}]
    if m._hotspots_privacy == "shareable" and m._hotspots_threshold > 1:
        items.append(
            {
                "color": SUPPRESSED_COLOR,
                "label": label("suppressed", lang, threshold=m._hotspots_threshold),
            }
        )
    for col, text in zip(palette, _range_labels(breaks, True, lower), strict=False):
        items.append({"color": col, "label": text})
    add_legend(m, title, items)


def _has_place_names(m: Any) -> bool:
    """Whether the base map already writes place names (commune seats) from zoom 10."""
    return any(
        type(c).__name__ == "GeoJsonLayer" and '"labelClass":"hs-place"' in getattr(c, "spec", "")
        for c in m._children.values()
    )


# ----------------------------------------------------------------------------- layers
def add_counts(
    m: Any,
    gdf: gpd.GeoDataFrame,
    column: str = "cases",
    name: str | None = None,
    fields: Sequence[str] | None = None,
    show: bool = True,
    simplify_m: float = 30.0,
) -> Any:
    """Colour polygons (communes, cells) by a count, with suppressed counts in grey.

    Parameters
    ----------
    gdf
        Polygons with ``column`` (e.g. from :func:`hotspots.privacy.aggregate_for_sharing`).
    column
        The count to colour by (``cases`` or ``victims``).
    name
        Layer name; default "Số vụ theo xã, phường" / "Cases per commune".
    fields
        Popup fields; default name, code, cases, victims (those present).
    """
    if column not in gdf.columns:
        raise InputError(f"add_counts: the layer has no column {column!r}")
    lang = m._hotspots_lang
    name = name or label("cases_per_commune", lang)
    fields = list(fields) if fields is not None else ["name", "code", "cases", "victims"]
    if column not in fields:
        fields.append(column)
    shown = apply_privacy(gdf, m._hotspots_privacy, threshold=m._hotspots_threshold)
    breaks = count_breaks(shown[column])
    palette = PALETTE_COUNTS[-len(breaks) :] if breaks else PALETTE_COUNTS
    add_geojson_layer(
        m,
        shown,
        name,
        fields=fields,
        color_by=column,
        breaks=breaks,
        palette=palette,
        style={"color": "#666", "weight": 0.6, "fillOpacity": 0.7},
        tooltip="name" if "name" in shown.columns else None,
        show=show,
        simplify_m=simplify_m,
        check_privacy=False,
        label_by="name" if "name" in shown.columns and not _has_place_names(m) else None,
        label_min_zoom=NAME_LABEL_ZOOM,
    )
    _count_legend(m, breaks, name, palette)
    return m


def add_key_areas(
    m: Any,
    key_areas: gpd.GeoDataFrame,
    by: str | None = None,
    name: str | None = None,
    show: bool = True,
) -> Any:
    """Draw key areas (địa bàn trọng điểm) coloured by class.

    ``by`` is the class column: default ``class`` if present, else ``kind``
    (origin/operational), else rank tiers (1–3, 4–10, 11+). Popups show rank, score,
    cases, victims, z_max, trend, communes and roles where present.
    """
    from hotspots.maps.base import add_legend

    lang = m._hotspots_lang
    name = name or label("key_areas", lang)
    gdf = key_areas.copy()
    if "trend" in gdf.columns:
        gdf["trend"] = gdf["trend"].map(lambda v: label(trend_key(v), lang), na_action="ignore")
    if by is None:
        by = next((c for c in ("class", "kind") if c in gdf.columns), None)
    if by is None and "rank" in gdf.columns:
        rank = pd.to_numeric(gdf["rank"], errors="coerce")
        gdf["class"] = np.select(
            [rank <= 3, rank <= 10],
            [label("top", lang, a=1, b=3), label("top", lang, a=4, b=10)],
            default=label("top", lang, a=11, b="…"),
        )
        by = "class"
    colors: dict[str, str] = {}
    if by is not None:
        gdf[by] = gdf[by].astype(str)
        values = list(dict.fromkeys(gdf[by].tolist()))
        if by == "class" and "rank" in gdf.columns:
            values = list(dict.fromkeys(gdf.sort_values("rank")[by].tolist()))
        for i, v in enumerate(values):
            colors[v] = KEY_AREA_COLORS.get(v, (*KEY_AREA_TIERS, *PALETTE_CATEGORIES)[i % 11])
    fields = [
        "rank",
        "score",
        "cases",
        "victims",
        "z_max",
        "trend",
        "area_km2",
        "communes",
        "roles",
    ]
    if by and by not in fields:
        fields.insert(1, by)
    tooltip = None
    if "rank" in gdf.columns:
        # "Địa bàn 1: Lào Cai, Cốc San" on hover; the rank itself is written on the map
        word = "Địa bàn" if lang == "vi" else "Area"
        where = gdf["communes"].fillna("").astype(str) if "communes" in gdf.columns else ""
        gdf["title"] = [
            f"{word} {r}: {c}" if c else f"{word} {r}"
            for r, c in zip(gdf["rank"], where if len(where) else [""] * len(gdf), strict=True)
        ]
        tooltip = "title"
    add_geojson_layer(
        m,
        gdf,
        name,
        fields=fields,
        color_by=by,
        colors=colors or None,
        color="#54278f",
        style=dict(KEY_AREA_STROKE),
        show=show,
        tooltip=tooltip,
        label_by="rank" if "rank" in gdf.columns else None,
        label_class="hs-rank",
    )
    add_legend(
        m,
        name,
        [{"color": c, "label": label(v, lang)} for v, c in colors.items()]
        or [{"color": "#54278f", "label": name}],
    )
    return m


def add_density(
    m: Any,
    grid_gdf: gpd.GeoDataFrame,
    column: str | None = None,
    name: str | None = None,
    k: int = 7,
    show: bool = True,
) -> Any:
    """Draw a density surface from grid cells (e.g. KDE on a grid), in ``k`` quantile classes.

    Cells with zero or missing density are left out. ``column`` default: ``density``,
    else the first float column.
    """
    from hotspots.maps.base import add_legend

    lang = m._hotspots_lang
    name = name or label("density", lang)
    if column is None:
        column = (
            "density"
            if "density" in grid_gdf.columns
            else next(
                (
                    c
                    for c in grid_gdf.columns
                    if c != grid_gdf.geometry.name and pd.api.types.is_float_dtype(grid_gdf[c])
                ),
                None,
            )
        )
    if column is None or column not in grid_gdf.columns:
        raise InputError("add_density: the grid has no 'density' column (pass column=...)")
    vals = pd.to_numeric(grid_gdf[column], errors="coerce")
    gdf = grid_gdf[vals > 0].copy()
    v = pd.to_numeric(gdf[column], errors="coerce").to_numpy(dtype=float)
    if v.size:
        qs = np.quantile(v, np.linspace(0, 1, k + 1)[1:])
        breaks = sorted({float(q) for q in qs})
    else:
        breaks = []
    palette = PALETTE_DENSITY[-len(breaks) :] if breaks else PALETTE_DENSITY
    gdf = gdf.rename(columns={column: "density_value"})
    add_geojson_layer(
        m,
        gdf,
        name,
        fields=["density_value", "cases"],
        color_by="density_value",
        breaks=breaks,
        palette=palette,
        style={"stroke": False, "fillOpacity": 0.6},
        show=show,
    )
    m._hotspots_layers[-1][1].attrs["breaks"] = breaks
    if breaks:
        items = [
            {"color": palette[0], "label": label("low", lang)},
            {"color": palette[-1], "label": label("high", lang)},
        ]
        add_legend(m, name, items)
    return m


def add_trends(
    m: Any,
    cells: gpd.GeoDataFrame,
    column: str = "trend",
    name: str | None = None,
    show: bool = True,
) -> Any:
    """Draw emerging-hot-spot trend classes (new, intensifying, persistent, …, cold spots).

    ``column`` holds the categories of :mod:`hotspots.areas.emerging` (``"new hot spot"``
    …, ``"no pattern"``; ``category`` or ``pattern`` are tried when ``trend`` is
    missing). Cells with no pattern are left out; unknown categories get extra colours.
    """
    from hotspots.maps.base import add_legend

    lang = m._hotspots_lang
    name = name or label("trends", lang)
    if column not in cells.columns:
        column = next((c for c in ("category", "pattern", "class") if c in cells.columns), column)
    if column not in cells.columns:
        raise InputError("add_trends: the cells have no 'trend' column (pass column=...)")
    gdf = cells.copy()
    gdf["trend_key"] = gdf[column].map(trend_key)
    gdf = gdf[~gdf["trend_key"].isin(["no_pattern", "not_computed", "nan", "none"])]
    present = set(gdf["trend_key"])
    colors = {c: col for c, col in TREND_COLORS.items() if c in present}
    for i, c in enumerate(sorted(present - set(colors))):
        colors[c] = PALETTE_CATEGORIES[i % len(PALETTE_CATEGORIES)]
    gdf["trend_label"] = gdf["trend_key"].map(lambda c: label(c, lang))
    add_geojson_layer(
        m,
        gdf,
        name,
        fields=["trend_label", "cases", "z_max"],
        color_by="trend_key",
        colors=colors,
        style={"color": "#555", "weight": 0.4, "fillOpacity": 0.65},
        show=show,
        tooltip="trend_label",
    )
    add_legend(m, name, [{"color": col, "label": label(c, lang)} for c, col in colors.items()])
    return m


def add_key_lines(
    m: Any,
    key_lines: gpd.GeoDataFrame,
    weight_by: str = "cases",
    name: str | None = None,
    color: str = "#08519c",
    show: bool = True,
) -> Any:
    """Draw key lines (tuyến trọng điểm) with width proportional to ``weight_by``.

    Width runs linearly from 2 px (zero) to 12 px (the largest volume). In a shareable
    map, lines behind fewer cases than the threshold are left out entirely: their
    geometry would trace individual cases.
    """
    from hotspots.maps.base import add_legend

    lang = m._hotspots_lang
    name = name or label("key_lines", lang)
    gdf = key_lines
    if m._hotspots_privacy == "shareable" and "cases" in gdf.columns:
        cases = pd.to_numeric(gdf["cases"], errors="coerce")
        gdf = gdf[cases >= m._hotspots_threshold]
    if weight_by in gdf.columns:  # widest first: a thin line is never hidden under a wide one
        order = pd.to_numeric(gdf[weight_by], errors="coerce").fillna(0)
        gdf = gdf.iloc[np.argsort(-order.to_numpy(), kind="stable")]
    if "rank" in gdf.columns:
        gdf = gdf.assign(end=_end_labels(gdf, lang))
    add_geojson_layer(
        m,
        gdf,
        name,
        fields=["rank", "cases", "victims", "share", "gate", "direction", "heading", "length_km"],
        color=color,
        line=True,
        weight_by=weight_by if weight_by in gdf.columns else None,
        style={"color": color, "opacity": 0.8, "lineCap": "round"},
        show=show,
        tooltip="gate" if "gate" in gdf.columns else None,
        end_label="end" if "rank" in gdf.columns else None,
    )
    items = [{"color": color, "label": name, "kind": "line", "weight": 6}]
    if weight_by in gdf.columns and len(gdf):
        vmax = pd.to_numeric(gdf[weight_by], errors="coerce").max()
        items = [
            {
                "color": color,
                "kind": "line",
                "weight": 2 + 10 * f,
                "label": f"{label(weight_by, lang)}: {vmax * f:.0f}",
            }
            for f in (0.25, 0.5, 1.0)
        ]
    add_legend(m, name, items)
    return m


def _end_labels(gdf: gpd.GeoDataFrame, lang: str) -> list[str | None]:
    """``"1 → Lào Cai"`` at the end of each key line: its rank and gate, else its heading.

    A line of an inland province ends at the province boundary with no gate near; the
    label then says which way the cases go (``"2 → hướng Tây"``), never a guessed gate.
    """
    if len(gdf) == 0:
        return []
    # lines that leave by the same place (ends < 2 km apart) share one label
    ends = shapely.get_point(gdf.geometry.values, -1)
    ends_m = gpd.GeoSeries(ends, crs=gdf.crs).to_crs(metric_crs(gdf))
    same: list[int] = []
    for i in range(len(gdf)):
        first = next((j for j in range(i) if ends_m.iloc[i].distance(ends_m.iloc[j]) < 2000), i)
        same.append(same[first] if first != i else i)
    out = []
    for i, (_, row) in enumerate(gdf.iterrows()):
        if same[i] != i:
            out.append(None)
            continue
        ranks = ", ".join(str(r) for r, k in zip(gdf["rank"], same, strict=True) if k == i)
        gate = row.get("gate")
        heading = row.get("heading")
        if isinstance(gate, str) and gate and gate != "unknown":
            where = gate
        elif isinstance(heading, str) and heading:
            where = f"hướng {HEADINGS_VI.get(heading, heading)}" if lang == "vi" else heading
        else:
            where = ""
        out.append(f"{ranks} → {where}" if where else ranks)
    return out


def _points(
    m: Any,
    gdf: gpd.GeoDataFrame,
    name: str,
    fields: list[str],
    color: str,
    radius: float,
    show: bool,
    kind: str,
) -> Any:
    from hotspots.maps.base import add_legend

    if len(gdf) and not gdf.geometry.geom_type.isin(["Point"]).all():
        gdf = gdf.copy()
        gdf.geometry = gdf.geometry.representative_point()
    add_geojson_layer(
        m,
        gdf,
        name,
        fields=fields,
        color=color,
        point=True,
        radius=radius,
        style={"color": "#222", "weight": 1.2, "fillOpacity": 0.9},
        show=show,
        tooltip="name" if "name" in gdf.columns else None,
    )
    add_legend(m, name, [{"color": color, "label": name, "kind": kind}])
    return m


def add_exit_points(
    m: Any, gates: gpd.GeoDataFrame, name: str | None = None, show: bool = True
) -> Any:
    """Draw border gates / exit points (name, country, kind, cases where present)."""
    name = name or label("exit_points", m._hotspots_lang)
    return _points(
        m, gates, name, ["name", "country", "kind", "cases", "victims"], "#111111", 6.0, show, "dot"
    )


#: Classes of the probability a checkpoint site is manned in a shift, and their shades.
CHECKPOINT_BREAKS = (0.0, 0.25, 0.5, 0.75, 1.0)
CHECKPOINT_PALETTE = ("#ffffff", "#fcbba1", "#fb6a4a", "#de2d26", "#99000d")


def _checkpoint_probabilities(m: Any, gdf: gpd.GeoDataFrame, name: str, show: bool) -> Any:
    """Checkpoint sites shaded by ``probability`` (rotation), with a legend of classes."""
    from hotspots.maps.base import add_legend

    lang = m._hotspots_lang
    add_geojson_layer(
        m,
        gdf,
        name,
        fields=["name", "kind", "covers", "probability", "shifts", "volume", "victims"],
        color_by="probability",
        breaks=list(CHECKPOINT_BREAKS),
        palette=list(CHECKPOINT_PALETTE),
        point=True,
        radius=7.0,
        style={"color": "#222", "weight": 1.2, "fillOpacity": 0.95},
        show=show,
        tooltip="name" if "name" in gdf.columns else None,
    )
    pct = [f"{100 * b:.0f}" for b in CHECKPOINT_BREAKS]
    pct[0] = ">0"
    items = [{"color": CHECKPOINT_PALETTE[0], "label": label("never_manned", lang), "kind": "dot"}]
    items += [
        {"color": c, "label": f"{lo}–{hi}%", "kind": "dot"}
        for c, lo, hi in zip(CHECKPOINT_PALETTE[1:], pct[:-1], pct[1:], strict=True)
    ]
    add_legend(m, name, items, layer=name)
    return m


def add_checkpoints(
    m: Any, checkpoints: gpd.GeoDataFrame, name: str | None = None, show: bool = True
) -> Any:
    """Draw proposed checkpoints (chốt kiểm soát) with their intercepted volume.

    With a ``probability`` column (a rotation, :func:`hotspots.plan.checkpoint_strategy`)
    the sites are shaded by the probability that a team stands there in a shift.
    """
    name = name or label("checkpoints", m._hotspots_lang)
    if "probability" in checkpoints.columns:
        return _checkpoint_probabilities(m, checkpoints, name, show)
    return _points(
        m,
        checkpoints,
        name,
        ["name", "kind", "rank", "volume", "marginal", "cases", "victims"],
        "#e31a1c",
        7.0,
        show,
        "dot",
    )


#: Dash length (px) of patrol routes when several units share the map.
ROUTE_DASH = 10
#: Vietnamese names of the days of the week (Monday first).
WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


def _day_options(gdf: gpd.GeoDataFrame, lang: str) -> list[list[str]]:
    """``[["1", "Thứ Hai 07/12"], ...]``: one choice per day of the plan."""
    days = gdf[["day", "date"]] if "date" in gdf.columns else gdf[["day"]].assign(date=None)
    out = []
    for day, date in days.drop_duplicates("day").sort_values("day").itertuples(index=False):
        t = pd.to_datetime(str(date)[:10], errors="coerce") if date is not None else pd.NaT
        if pd.isna(t):
            text = f"{label('day', lang)} {day}"
        elif lang == "vi":
            text = f"{WEEKDAYS_VI[t.weekday()]} {t:%d/%m}"
        else:
            text = f"{t:%a %d %b}"
        out.append([str(day), text])
    return out


class _RouteFilter(MacroElement):
    """A box with a day and a unit selector that shows only the chosen routes."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, layer, fields) {
            var all = []; layer.eachLayer(function (l) { if (l.feature) { all.push(l); } });
            var ctl = L.control({position: 'topleft'}), box = null;
            function apply() {
                var want = {};
                box.querySelectorAll('select').forEach(function (s) {
                    want[s.getAttribute('data-hs-field')] = s.value; });
                all.forEach(function (l) {
                    var p = l.feature.properties || {}, ok = true;
                    Object.keys(want).forEach(function (f) {
                        if (want[f] !== '' && String(p[f]) !== want[f]) { ok = false; } });
                    if (ok && !layer.hasLayer(l)) { layer.addLayer(l); }
                    if (!ok && layer.hasLayer(l)) { layer.removeLayer(l); }
                });
            }
            ctl.onAdd = function () {
                box = L.DomUtil.create('div', 'hs-filter');
                fields.forEach(function (f) {
                    var s = L.DomUtil.create('select', '', box);
                    s.setAttribute('data-hs-field', f.field);
                    s.setAttribute('aria-label', f.label);
                    [['', f.all]].concat(f.options).forEach(function (o) {
                        var e = document.createElement('option');
                        e.value = o[0]; e.textContent = o[1]; s.appendChild(e); });
                    s.onchange = apply;
                });
                L.DomEvent.disableClickPropagation(box);
                return box;
            };
            ctl.addTo(map);
        })({{ this._parent.get_name() }}, {{ this.layer.get_name() }}, {{ this.fields_json }});
        {% endmacro %}
        """
    )

    def __init__(self, layer: Any, fields: list[dict[str, Any]]) -> None:
        import json

        super().__init__()
        self._name = "RouteFilter"
        self.layer = layer
        self.fields_json = (
            json.dumps(fields, ensure_ascii=False)
            .replace("<", "\\u003c")
            .replace(">", "\\u003e")
            .replace("&", "\\u0026")
        )


def add_route_filter(m: Any, gdf: gpd.GeoDataFrame, layer: Any, lang: str) -> Any:
    """Add day and unit selectors for the routes drawn as ``layer`` (from ``gdf``)."""
    fields = []
    if "day" in gdf.columns and gdf["day"].nunique() > 1:
        every = "Cả tuần" if lang == "vi" else "Whole week"
        fields.append(
            {"field": "day", "label": label("day", lang), "all": every,
             "options": _day_options(gdf, lang)}
        )  # fmt: skip
    if "unit" in gdf.columns and gdf["unit"].nunique() > 1:
        units = [[u, u] for u in dict.fromkeys(gdf["unit"].astype(str))]
        every = "Mọi tổ" if lang == "vi" else "Every unit"
        fields.append({"field": "unit", "label": label("unit", lang), "all": every,
                       "options": units})  # fmt: skip
    if fields:
        m.add_child(_RouteFilter(layer, fields))
    return m


def add_patrol_routes(
    m: Any,
    routes: gpd.GeoDataFrame,
    name: str | None = None,
    show: bool = True,
    filters: bool = True,
) -> Any:
    """Draw patrol routes (tuyến tuần tra), one colour per unit.

    With ``filters``, a plan of several days or units gets a day and a unit selector
    (top left) that shows only the chosen routes.
    """
    from hotspots.maps.base import add_legend

    lang = m._hotspots_lang
    name = name or label("patrol_routes", lang)
    gdf = routes.copy()
    colors: dict[str, str] = {}
    if "unit" in gdf.columns:
        gdf["unit"] = gdf["unit"].astype(str)
        for i, u in enumerate(dict.fromkeys(gdf["unit"])):
            colors[u] = PALETTE_CATEGORIES[i % len(PALETTE_CATEGORIES)]
    # routes of several units on one road: dashes of each colour in turn, none hidden
    n = len(colors)
    dash = {"dashArray": f"{ROUTE_DASH} {ROUTE_DASH * (n - 1)}"} if n > 1 else {}
    offsets = {u: -ROUTE_DASH * i for i, u in enumerate(colors)} if n > 1 else None
    add_geojson_layer(
        m,
        gdf,
        name,
        fields=[
            "unit",
            "base",
            "day",
            "date",
            "shift",
            "start",
            "end",
            "n_stops",
            "distance_km",
            "duration_min",
        ],
        color_by="unit" if colors else None,
        colors=colors or None,
        color="#1b9e77",
        line=True,
        style={"weight": 4, "opacity": 0.9, "lineCap": "butt", **dash},
        show=show,
        tooltip="unit" if colors else None,
        svg=n > 1,
        dash_offsets=offsets,
    )
    if filters and len(gdf):
        layer = [c for c in m._children.values() if type(c).__name__ == "GeoJsonLayer"][-1]
        add_route_filter(m, gdf, layer, lang)
    # a bare number gets the word for unit ("Tổ tuần tra 3"); a name ("Tổ 1", "Đồn Biên
    # phòng Bát Xát") is shown as it is, not as "Tổ tuần tra Tổ 1"
    items = [
        {
            "color": c,
            "label": f"{label('unit', lang)} {u}" if u.strip().isdigit() else u,
            "kind": "line",
            "weight": 4,
        }
        for u, c in colors.items()
    ] or [{"color": "#1b9e77", "label": name, "kind": "line"}]
    add_legend(m, name, items)
    return m


def add_case_points(
    m: Any,
    cases: gpd.GeoDataFrame,
    name: str | None = None,
    show: bool = False,
    fields: Sequence[str] | None = None,
) -> Any:
    """Draw case locations (restricted maps only; refused in shareable maps).

    ``fields`` default: case id, role, victims, precision, date. PII columns listed in
    ``fields`` are shown only in a map made with ``base_map(privacy="restricted",
    pii=True)``.
    """
    name = name or label("case_points", m._hotspots_lang)
    fields = (
        list(fields)
        if fields is not None
        else ["case_id", "role", "victims", "precision", "occurred_at"]
    )
    return _points(m, cases, name, fields, "#000000", 3.0, show, "dot")
