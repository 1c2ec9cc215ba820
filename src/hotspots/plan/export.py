"""Plan outputs: GPX for GPS devices, GeoPackage/GeoJSON, a printable HTML table.

* GPX 1.1 (``http://www.topografix.com/GPX/1/1``): one ``<trk>`` per unit-shift and a
  ``<wpt>`` for every stop (and checkpoint), names in Vietnamese, UTF-8. Loads in
  handheld GPS devices (Garmin), OsmAnd and QGIS.
* GeoPackage layers ``routes``, ``stops``, ``checkpoints``; or GeoJSON files.
* HTML: a self-contained printable table in Vietnamese (no scripts, no network).

Nothing here writes case ids or PII: a plan only holds areas, stops and routes.
"""

from __future__ import annotations

import html
import re
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pandas as pd

from hotspots.maps.labels import LABELS
from hotspots.plan.checkpoints import CheckpointPlan

__all__ = ["write_gpx", "write_gpx_per_route", "write_geo", "write_html", "GPX_NS"]

GPX_NS = "http://www.topografix.com/GPX/1/1"

_KIND_VI = {
    k: LABELS["vi"][k]
    for k in ("line_vertex", "line_point", "border_gate", "commune_seat", "road_vertex", "key_area")
    + ("road_junction", "road_segment")
}  # one list of words with the maps and notebooks (hotspots.maps.labels)


def _fmt_time(t) -> str:
    return "" if pd.isna(t) else pd.Timestamp(t).round("min").strftime("%H:%M")


def _fmt_date(t) -> str:
    return "" if pd.isna(t) else pd.Timestamp(t).strftime("%d/%m/%Y")


def _utc_iso(t) -> str | None:
    if pd.isna(t):
        return None
    return pd.Timestamp(t).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def _vehicle_vi(r) -> str:
    """The route's vehicle in Vietnamese (``""`` when the plan has none)."""
    from hotspots.plan.units import VEHICLE_VI

    v = r.get("vehicle", "")
    return "" if v is None or pd.isna(v) else VEHICLE_VI.get(str(v), str(v))


def _vehicle_note(r) -> str:
    v = _vehicle_vi(r)
    return f" ({v})" if v else ""


def _window_note(s) -> str:
    """``", khung giờ 05:00-08:00"`` for a stop with a time window, else ``""``."""
    tw = s.get("time_window", "")
    return f", khung giờ {tw}" if isinstance(tw, str) and tw else ""


def _roads_note(r, prefix: str = ", theo ") -> str:
    """``", theo QL4D → ĐT155"``: the roads the route drives (``""`` when unknown)."""
    roads = r.get("roads", "")
    return f"{prefix}{roads}" if isinstance(roads, str) and roads else ""


def _unconnected_note(travel: dict) -> str:
    """The legs the road network did not connect, said in the plan (never silent)."""
    n = int(travel.get("legs", {}).get("straight-line (not connected)", 0))
    if not n:
        return ""
    names = ", ".join(travel.get("unconnected", []))
    return f"; {n} chặng không có đường nối trong mạng lưới đường, tính theo đường chim bay" + (
        f" ({names})" if names else ""
    )


def _track_name(r) -> str:
    return f"{r['unit']} - Ngày {r['day']} ({_fmt_date(r['date'])}) ca {r['shift']}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs) -> ET.Element:
    el = ET.SubElement(parent, f"{{{GPX_NS}}}{tag}", {k: str(v) for k, v in attrs.items()})
    if text is not None:
        el.text = text
    return el


#: Mark of plans made from synthetic data, in GPX names and descriptions.
SYNTHETIC_GPX = "DỮ LIỆU GIẢ LẬP / SYNTHETIC"


def _gpx_tree(
    routes: gpd.GeoDataFrame, stops: gpd.GeoDataFrame, checkpoints=None, synthetic: bool = False
):
    ET.register_namespace("", GPX_NS)
    root = ET.Element(
        f"{{{GPX_NS}}}gpx", {"version": "1.1", "creator": "hotspots (kế hoạch tuần tra)"}
    )
    meta = _sub(root, "metadata")
    _sub(meta, "name", f"Kế hoạch tuần tra - {SYNTHETIC_GPX}" if synthetic else "Kế hoạch tuần tra")
    if synthetic:
        _sub(meta, "desc", f"{SYNTHETIC_GPX}: không phải vụ việc thật / not real cases")
    # waypoints first (GPX 1.1 order: metadata, wpt*, rte*, trk*)
    for _, s in stops.iterrows():
        w = _sub(root, "wpt", lat=f"{s.geometry.y:.7f}", lon=f"{s.geometry.x:.7f}")
        t = _utc_iso(s["arrival"])
        if t:
            _sub(w, "time", t)
        _sub(w, "name", f"{s['unit']} N{s['day']} {s['shift']} #{s['order']} {s['area_name']}")
        _sub(
            w,
            "desc",
            f"Giờ đến {_fmt_time(s['arrival'])}, dừng {s['dwell_min']:.0f} phút, "
            f"rời {_fmt_time(s['departure'])}" + _window_note(s),
        )
        _sub(w, "sym", "Flag, Blue")
    if checkpoints is not None:
        for _, c in checkpoints.sites.iterrows():
            w = _sub(root, "wpt", lat=f"{c.geometry.y:.7f}", lon=f"{c.geometry.x:.7f}")
            label = c["name"] or _KIND_VI.get(c["kind"], c["kind"])
            _sub(w, "name", f"Chốt {c['rank']}: {label}")
            desc = f"Điểm chốt kiểm soát số {c['rank']} ({_KIND_VI.get(c['kind'], '')})"
            if pd.notna(c.get("probability")):  # rotation: chance of a team each shift
                desc += f", xác suất có chốt mỗi ca {c['probability']:.0%}"
            _sub(w, "desc", desc)
            _sub(w, "sym", "Flag, Red")
    for _, r in routes.iterrows():
        trk = _sub(root, "trk")
        mark = f" [{SYNTHETIC_GPX}]" if synthetic else ""
        _sub(trk, "name", _track_name(r) + mark)
        _sub(
            trk,
            "desc",
            f"{r['base']}{_vehicle_note(r)}: {r['n_stops']} điểm dừng, "
            f"{r['distance_km']:.1f} km, {r['duration_min']:.0f} phút{_roads_note(r)}"
            + (f" - {SYNTHETIC_GPX}" if synthetic else ""),
        )
        seg = _sub(trk, "trkseg")
        for x, y in r.geometry.coords:
            _sub(seg, "trkpt", lat=f"{y:.7f}", lon=f"{x:.7f}")
    ET.indent(root)
    return ET.ElementTree(root)


def write_gpx(
    plan, path: str | Path, checkpoints: CheckpointPlan | None = None, synthetic: bool = False
) -> Path:
    """Write every unit-shift of ``plan`` to one GPX 1.1 file.

    One track per unit-shift, one waypoint per stop (name: unit, day, shift, order,
    area) and per checkpoint. ``synthetic`` writes DỮ LIỆU GIẢ LẬP / SYNTHETIC into the
    file's metadata and into every track's name and description.
    """
    path = Path(path)
    cp = checkpoints if checkpoints is not None else plan.checkpoints
    tree = _gpx_tree(plan.routes, plan.stops, cp, synthetic=synthetic)
    tree.write(path, encoding="UTF-8", xml_declaration=True)
    return path


def _slug(text: str) -> str:
    s = unicodedata.normalize("NFKD", str(text).replace("đ", "d").replace("Đ", "D"))
    s = s.encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-").lower() or "x"


def write_gpx_per_route(plan, directory: str | Path, synthetic: bool = False) -> list[Path]:
    """Write one GPX file per unit-shift (track + its stops) into ``directory``.

    Files are named ``<unit>_ngay-<day>_<shift>.gpx`` (ASCII) for easy loading onto
    a device. ``synthetic``: marked as in :func:`write_gpx`.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for _, r in plan.routes.iterrows():
        sel = (
            (plan.stops["unit"] == r["unit"])
            & (plan.stops["day"] == r["day"])
            & (plan.stops["shift"] == r["shift"])
        )
        name = f"{_slug(r['unit'])}_ngay-{r['day']}_{r['shift'].replace(':', '')}.gpx"
        p = directory / name
        tree = _gpx_tree(plan.routes.loc[[r.name]], plan.stops[sel], synthetic=synthetic)
        tree.write(p, encoding="UTF-8", xml_declaration=True)
        out.append(p)
    return out


def _plain(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    for c in out.columns:
        if c != "geometry" and pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].map(lambda t: None if pd.isna(t) else pd.Timestamp(t).isoformat())
    return out


def write_geo(plan, path: str | Path) -> Path:
    """Write routes, stops and checkpoints to GeoPackage layers or GeoJSON files.

    ``.gpkg``: layers ``routes``, ``stops`` and (when present) ``checkpoints``.
    Otherwise ``path`` gets the routes as GeoJSON and ``<stem>_stops.geojson`` /
    ``<stem>_checkpoints.geojson`` are written beside it. Times are ISO 8601 text.
    """
    path = Path(path)
    layers = {"routes": plan.routes, "stops": plan.stops}
    if plan.checkpoints is not None:
        layers["checkpoints"] = plan.checkpoints.sites
    if path.suffix.lower() == ".gpkg":
        if path.exists():
            path.unlink()
        for name, gdf in layers.items():
            _plain(gdf).to_file(path, layer=name, driver="GPKG")
        return path
    for name, gdf in layers.items():
        p = path if name == "routes" else path.with_name(f"{path.stem}_{name}{path.suffix}")
        _plain(gdf).to_file(p, driver="GeoJSON")
    return path


_CSS = """
body{font-family:"Times New Roman",serif;margin:1.5cm;color:#000}
h1{font-size:18pt;text-align:center;margin:0 0 .3em}
h2{font-size:14pt;margin:1.2em 0 .4em;page-break-after:avoid}
p.sub{text-align:center;margin:0 0 1em}
table{border-collapse:collapse;width:100%;margin-bottom:1em;page-break-inside:auto}
th,td{border:1px solid #000;padding:3px 5px;font-size:11pt;vertical-align:top}
th{background:#eee}
td.n{text-align:right}
tr{page-break-inside:avoid}
.banner{border:3px solid #b00;color:#b00;font-weight:bold;text-align:center;padding:6px;
margin-bottom:1em}
.sign{margin-top:2em;display:flex;justify-content:space-between}
@media print{.banner{-webkit-print-color-adjust:exact}}
"""


def write_html(
    plan,
    path: str | Path,
    checkpoints: CheckpointPlan | None = None,
    title: str = "KẾ HOẠCH TUẦN TRA, KIỂM SOÁT",
    synthetic: bool = False,
    area_checkpoints: CheckpointPlan | None = None,
    rotation=None,
    rotation_schedule: pd.DataFrame | None = None,
) -> Path:
    """Write a printable, self-contained HTML table of the plan in Vietnamese.

    Parameters
    ----------
    plan
        A :class:`~hotspots.plan.patrols.PatrolPlan`.
    path
        Output file.
    checkpoints
        Checkpoint sites to list (default: ``plan.checkpoints``).
    title
        Heading.
    synthetic
        Mark the page as made from synthetic data (Vietnamese and English).
    area_checkpoints
        Sites covering key areas (maximal covering), listed in a second table.
    rotation, rotation_schedule
        A :class:`~hotspots.plan.game.CheckpointStrategy` and its drawn shifts
        (``day``, ``date``, ``shift``, ``sites``, ``names``): which checkpoints rotate,
        with what probability, on which shifts and why.
    """
    cp = checkpoints if checkpoints is not None else plan.checkpoints
    parts = _html_head(plan, title, synthetic)
    parts += _patrol_tables(plan.routes, plan.stops)
    parts += _checkpoint_tables(cp, area_checkpoints)
    if rotation is not None and rotation_schedule is not None:
        from hotspots.plan._rotation_html import rotation_html

        parts += rotation_html(rotation, rotation_schedule)
    parts.append(
        '<div class="sign"><div>NGƯỜI LẬP</div><div>CHỈ HUY ĐƠN VỊ<br>(ký, ghi rõ họ tên)</div>'
        "</div></body></html>"
    )
    path = Path(path)
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _html_head(plan, title: str, synthetic: bool) -> list[str]:
    """Document head, synthetic banner, title, period and the travel model used."""
    e = html.escape
    routes, stops = plan.routes, plan.stops
    parts = [
        "<!DOCTYPE html>",
        '<html lang="vi"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title><style>{_CSS}</style></head><body>",
    ]
    if synthetic:
        parts.append(
            '<div class="banner">DỮ LIỆU GIẢ LẬP / SYNTHETIC - KHÔNG PHẢI VỤ VIỆC THẬT</div>'
        )
    parts.append(f"<h1>{e(title)}</h1>")
    if len(routes):
        d0, d1 = routes["date"].min(), routes["date"].max()
        parts.append(
            f'<p class="sub">Từ ngày {e(_fmt_date(d0))} đến ngày {e(_fmt_date(d1))} - '
            f"{routes['unit'].nunique()} tổ tuần tra, {len(stops)} lượt kiểm tra địa bàn</p>"
        )
    travel = plan.meta.get("travel", {})
    model = "mạng lưới đường" if travel.get("model") == "network" else "đường chim bay x hệ số"
    parts.append(
        f'<p class="sub">Thời gian di chuyển tính theo: {e(model)} '
        f"(tốc độ {travel.get('speed_kmh', '')} km/h){e(_unconnected_note(travel))}</p>"
    )
    return parts


_PATROL_HEADERS = [
    "Tổ tuần tra", "Căn cứ", "Phương tiện", "Ca", "TT", "Điểm dừng (địa bàn)",
    "Khung giờ", "Giờ đến", "Thời gian dừng", "Giờ rời",
]  # fmt: skip


def _patrol_tables(routes: pd.DataFrame, stops: pd.DataFrame) -> list[str]:
    """One table per day: each unit's shift, its stops in order, distance and roads."""
    e = html.escape
    parts: list[str] = []
    for (day, date), day_routes in routes.groupby(["day", "date"], sort=True):
        parts.append(f"<h2>Ngày {e(str(day))} ({e(_fmt_date(date))})</h2>")
        parts.append("<table><thead><tr>")
        parts.extend(f"<th>{e(h)}</th>" for h in _PATROL_HEADERS)
        parts.append("</tr></thead><tbody>")
        for _, r in day_routes.sort_values(["shift", "unit"]).iterrows():
            sel = stops[
                (stops["unit"] == r["unit"])
                & (stops["day"] == r["day"])
                & (stops["shift"] == r["shift"])
            ].sort_values("order")
            if len(sel):
                parts += _route_rows(r, sel)
        parts.append("</tbody></table>")
    return parts


def _route_rows(r: pd.Series, sel: pd.DataFrame) -> list[str]:
    """Rows of one route: the unit's cells span its stops, then a summary row."""
    e = html.escape
    span = len(sel) + 1
    parts: list[str] = []
    first = True
    for _, s in sel.iterrows():
        parts.append("<tr>")
        if first:
            parts.append(
                f'<td rowspan="{span}">{e(str(r["unit"]))}</td>'
                f'<td rowspan="{span}">{e(str(r["base"]))}</td>'
                f'<td rowspan="{span}">{e(_vehicle_vi(r))}</td>'
                f'<td rowspan="{span}">{e(_fmt_time(r["start"]))}-'
                f"{e(_fmt_time(r['end']))}</td>"
            )
            first = False
        parts.append(
            f'<td class="n">{int(s["order"])}</td><td>{e(str(s["area_name"]))}</td>'
            f"<td>{e(str(s.get('time_window', '') or ''))}</td>"
            f"<td>{e(_fmt_time(s['arrival']))}</td>"
            f'<td class="n">{s["dwell_min"]:.0f} phút</td>'
            f"<td>{e(_fmt_time(s['departure']))}</td></tr>"
        )
    parts.append(
        f'<tr><td colspan="6"><i>Quãng đường: {r["distance_km"]:.1f} km'
        f"{e(_roads_note(r, ' theo '))}; "
        f"tổng thời gian: {r['duration_min']:.0f} phút; về căn cứ lúc "
        f"{e(_fmt_time(r['end']))}</i></td></tr>"
    )
    return parts


def _checkpoint_tables(cp, area_checkpoints) -> list[str]:
    """Tables of the fixed checkpoints on the key lines and of those covering key areas."""
    e = html.escape
    parts: list[str] = []
    for sites, heading, what in (
        (cp, "Điểm chốt kiểm soát trên các tuyến trọng điểm", "lưu lượng trên các tuyến"),
        (area_checkpoints, "Điểm chốt tại các địa bàn trọng điểm", "mức rủi ro các địa bàn"),
    ):
        if sites is None or not len(sites.sites):
            continue
        parts.append(f"<h2>{e(heading)}</h2>")
        parts.append(
            "<table><thead><tr><th>Số</th><th>Vị trí</th><th>Loại</th>"
            "<th>Mức chặn/bao phủ</th><th>Tọa độ (vĩ độ, kinh độ)</th></tr></thead><tbody>"
        )
        for _, c in sites.sites.iterrows():
            parts.append(
                f'<tr><td class="n">{int(c["rank"])}</td><td>{e(str(c["name"]))}</td>'
                f"<td>{e(_KIND_VI.get(c['kind'], str(c['kind'])))}</td>"
                f'<td class="n">{c["marginal"]:.0f}</td>'
                f"<td>{c.geometry.y:.3f}, {c.geometry.x:.3f}</td></tr>"  # ~100 m; GPX: exact
            )
        parts.append("</tbody></table>")
        parts.append(
            f"<p>Các điểm chốt bao phủ {sites.share:.0%} {e(what)} "
            f"(sai khác tối đa so với tối ưu: {sites.gap:.1%}).</p>"
        )
    return parts
