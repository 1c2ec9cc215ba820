"""``index.html``: the page a commander opens first.

One self-contained page (inline CSS, no script, no network) in the report's language,
with a SYNTHETIC / DỮ LIỆU GIẢ LẬP banner when the data are synthetic, the headline of
each notebook, and links to every map, notebook page, layer, table and figure.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from hotspots.report.outputs import read_summaries

__all__ = ["NOTEBOOK_TITLES", "write_index", "render_index"]

#: Titles and one-line descriptions of the standard notebooks (vi, en).
NOTEBOOK_TITLES: dict[str, dict[str, str]] = {
    "01_data_quality": {
        "vi": "Chất lượng dữ liệu",
        "en": "Data quality",
        "about_vi": "Số bản ghi đọc được, được nhận, bị loại và lý do; số vụ theo xã.",
        "about_en": "Records read, accepted and rejected with reasons; cases per commune.",
    },
    "02_key_areas": {
        "vi": "Địa bàn trọng điểm",
        "en": "Key areas",
        "about_vi": "Các địa bàn tập trung vụ việc, xếp hạng, có số liệu giải thích.",
        "about_en": "Areas where cases concentrate, ranked, with the numbers behind them.",
    },
    "03_key_lines": {
        "vi": "Tuyến trọng điểm",
        "en": "Key lines",
        "about_vi": "Các tuyến đưa nạn nhân ra biên giới, theo số vụ, và cửa khẩu/lối mở.",
        "about_en": "Corridors towards the border by number of cases, and their exit points.",
    },
    "04_patrol_plan": {
        "vi": "Kế hoạch tuần tra, chốt kiểm soát",
        "en": "Patrol and checkpoint plan",
        "about_vi": "Vị trí chốt kiểm soát trên tuyến trọng điểm và lộ trình tuần tra.",
        "about_en": "Checkpoint sites on key lines and patrol routes over key areas.",
    },
    "05_backtest": {
        "vi": "Kiểm định dự báo",
        "en": "Backtest",
        "about_vi": "Phương pháp nào dự báo đúng nhất các vụ việc của giai đoạn sau.",
        "about_en": "Which method best predicted the cases of the following period.",
    },
    "06_program_kpis": {
        "vi": "Chỉ tiêu chương trình",
        "en": "Programme KPIs",
        "about_vi": "Tỷ lệ tiếp nhận, giải quyết, khám phá, truy tố, xét xử so với chỉ tiêu.",
        "about_en": "Reports received, resolved; cases solved, prosecuted, tried vs targets.",
    },
    "07_victim_support": {
        "vi": "Hỗ trợ nạn nhân trong tầm với",
        "en": "Victim support within reach",
        "about_vi": "Nạn nhân gần cơ sở hỗ trợ, nơi nên đặt thêm, xã cần ưu tiên tuyên truyền.",
        "about_en": "Victims within reach of support, where to add it, where to aim awareness.",
    },
}

_T = {
    "title": {"vi": "Báo cáo phòng, chống mua bán người", "en": "Anti-trafficking report"},
    "synthetic": {
        "vi": "DỮ LIỆU GIẢ LẬP — không phải số liệu thật (SYNTHETIC)",
        "en": "SYNTHETIC DATA — not real cases (DỮ LIỆU GIẢ LẬP)",
    },
    "province": {"vi": "Tỉnh", "en": "Province"},
    "window": {"vi": "Thời gian", "en": "Period"},
    "made": {"vi": "Lập lúc", "en": "Made at"},
    "privacy": {"vi": "Mức bảo mật", "en": "Privacy level"},
    "shareable": {
        "vi": "được chia sẻ (chỉ số liệu tổng hợp, ẩn số < {n})",
        "en": "shareable (aggregates only, counts < {n} hidden)",
    },
    "restricted": {
        "vi": "HẠN CHẾ — chỉ dành cho cán bộ phân tích",
        "en": "RESTRICTED — analysts only",
    },
    "page": {"vi": "Trang phân tích", "en": "Analysis page"},
    "maps": {"vi": "Bản đồ", "en": "Maps"},
    "maps_about": {
        "vi": "Mở bằng trình duyệt, không cần mạng. Bật/tắt lớp ở góc phải bản đồ.",
        "en": "Open in a browser, no network needed. Switch layers in the map's corner.",
    },
    "map": {"vi": "Bản đồ", "en": "Map"},
    "layer": {"vi": "Lớp GIS (GeoPackage)", "en": "GIS layer (GeoPackage)"},
    "table": {"vi": "Bảng (CSV)", "en": "Table (CSV)"},
    "figure": {"vi": "Biểu đồ", "en": "Chart"},
    "file": {"vi": "Tệp", "en": "File"},
    "missing": {"vi": "Không chạy trong lần này", "en": "Not run this time"},
    "manifest": {
        "vi": "Nhật ký lần chạy (manifest.json): tham số, dấu vân tay dữ liệu, phiên bản",
        "en": "Run record (manifest.json): parameters, input fingerprint, versions",
    },
    "offline": {
        "vi": "Mọi trang mở được khi không có mạng.",
        "en": "Every page opens without a network connection.",
    },
    "all": {"vi": "từ đầu", "en": "all"},
    "now": {"vi": "nay", "en": "now"},
    "data": {"vi": "Dữ liệu", "en": "Data"},
    "from_to": {"vi": "từ ngày {a} đến ngày {b}", "en": "from {a} to {b}"},
    "cases_in": {"vi": "{n} vụ trong kỳ báo cáo", "en": "{n} cases in the period"},
    "week": {"vi": "Tuần này", "en": "This week"},
    "week_span": {
        "vi": "Kế hoạch từ thứ Hai {a} đến Chủ nhật {b}",
        "en": "Plan from Monday {a} to Sunday {b}",
    },
    "week_span_any": {"vi": "Kế hoạch từ ngày {a} đến ngày {b}", "en": "Plan from {a} to {b}"},
    "plan_print": {"vi": "Kế hoạch tuần tra in được", "en": "Printable patrol plan"},
    "plan": {"vi": "Kế hoạch", "en": "Plan"},
}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;
color:#1b1b1b;background:#f6f6f4}
header{background:#7a1f1f;color:#fff;padding:18px 28px}
header h1{margin:0 0 6px 0;font-size:24px}
header p{margin:2px 0;font-size:14px}
.banner{background:#ffd400;color:#000;font-weight:700;text-align:center;padding:10px;
font-size:18px;letter-spacing:.5px}
.restricted{background:#b00020;color:#fff}
main{max-width:1100px;margin:0 auto;padding:16px 24px}
section{background:#fff;border:1px solid #ddd;border-radius:6px;margin:14px 0;padding:14px 18px}
section h2{margin:0 0 4px 0;font-size:19px}
.about{color:#555;margin:0 0 8px 0;font-size:14px}
ul{margin:6px 0 6px 18px;padding:0}
li{margin:3px 0}
.headline{font-size:15px;font-weight:600}
.kind{display:inline-block;min-width:150px;color:#666;font-size:13px}
img.thumb{max-width:320px;border:1px solid #ccc;margin:6px 8px 0 0}
footer{color:#666;font-size:12px;padding:10px 28px 24px}
a{color:#0b4f9c}
.maps{border:2px solid #7a1f1f}
table.summary{border-collapse:collapse;margin:8px 0 10px 0;font-size:13px}
table.summary caption{text-align:left;font-weight:600;padding:4px 0}
table.summary th,table.summary td{border:1px solid #ddd;padding:3px 8px;text-align:left}
table.summary th{background:#f0eeea}
.mainmap{font-size:17px;margin:6px 0}
.week{border:2px solid #0b4f9c}
.scroll{overflow-x:auto;max-width:100%}
.note{color:#444;font-size:13px;margin:0 0 10px 0}
@media (max-width:600px){main{padding:8px}section{padding:10px}header{padding:12px}
.kind{display:block;min-width:0}header h1{font-size:20px}}
"""


def _when(stamp: str) -> str:
    """``20261128-024432`` → ``28/11/2026 02:44`` (stamps are local time)."""
    try:
        d, t = stamp.split("-")[:2]
        return f"{d[6:8]}/{d[4:6]}/{d[:4]} {t[:2]}:{t[2:4]}"
    except (ValueError, IndexError):
        return stamp


def _t(key: str, lang: str, **kw: Any) -> str:
    return _T[key][lang].format(**kw)


def _day(iso: str | None, lang: str) -> str:
    """``2026-12-07`` -> ``07/12/2026`` (Vietnamese); English keeps ISO."""
    if not iso:
        return "?"
    y, m, d = str(iso)[:10].split("-")
    return f"{d}/{m}/{y}" if lang == "vi" else f"{y}-{m}-{d}"


def _table_html(tab: dict[str, Any], lang: str) -> list[str]:
    """One summary table (caption, header, rows, note) as HTML lines."""
    e = html.escape
    label = tab.get(f"label_{lang}") or tab.get("label_vi", "")
    parts = [f'<div class="scroll"><table class="summary"><caption>{e(label)}</caption><tr>']
    parts.extend(f"<th>{e(str(c))}</th>" for c in tab.get("columns", []))
    parts.append("</tr>")
    for row in tab.get("rows", []):
        parts.append("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in row) + "</tr>")
    parts.append("</table></div>")
    note = tab.get(f"note_{lang}") or tab.get("note_vi")
    if note:
        parts.append(f'<p class="note">{e(note)}</p>')
    return parts


def _header_lines(params: dict[str, Any], period: dict[str, Any] | None, lang: str) -> list[str]:
    """Data period, report window and the week of the plan, for the page header."""
    e = html.escape
    lines = []
    if period and period.get("first"):
        span = _t("from_to", lang, a=_day(period["first"], lang), b=_day(period["last"], lang))
        lines.append(f"{_t('data', lang)}: {span}")
    if params.get("date_from") or params.get("date_to") or not period:
        a = _day(params["date_from"], lang) if params.get("date_from") else _t("all", lang)
        b = _day(params["date_to"], lang) if params.get("date_to") else _t("now", lang)
        lines.append(f"{_t('window', lang)}: {a} → {b}")
    if period and period.get("cases") is not None:
        lines.append(_t("cases_in", lang, n=period["cases"]))
    return [f"<p>{e(x)}</p>" for x in lines]


def _week_section(
    params: dict[str, Any], summaries: dict[str, dict], notebooks: list[str], lang: str
) -> list[str]:
    """The first section: the week's plan, what each unit does, the named areas."""
    import datetime as dt

    e = html.escape
    tables = [
        t
        for name in notebooks
        for t in summaries.get(name, {}).get("tables", [])
        if t.get("top") is not None
    ]
    plans = [
        i
        for name in notebooks
        for i in summaries.get(name, {}).get("outputs", [])
        if i.get("kind") == "plan"
    ]
    if not tables and not plans:
        return []
    parts = [f'<section id="week" class="week"><h2>{e(_t("week", lang))}</h2>']
    start = params.get("plan_start")
    if start:
        d0 = dt.date.fromisoformat(str(start)[:10])
        d1 = d0 + dt.timedelta(days=6)
        key = "week_span" if d0.weekday() == 0 else "week_span_any"
        span = _t(key, lang, a=_day(d0.isoformat(), lang), b=_day(d1.isoformat(), lang))
        parts.append(f'<p class="headline">{e(span)}</p>')
    for item in plans:
        label = item.get(f"label_{lang}") or item.get("label_vi") or item["path"]
        parts.append(f'<p class="mainmap"><a href="{e(item["path"])}">{e(label)}</a></p>')
    for tab in sorted(tables, key=lambda t: t["top"]):
        parts += _table_html(tab, lang)
    parts.append("</section>")
    return parts


def render_index(
    root: str | Path,
    params: dict[str, Any],
    notebooks: list[str],
    pages: dict[str, str],
    stamp: str,
    failed: dict[str, str] | None = None,
    period: dict[str, Any] | None = None,
) -> str:
    """Return the HTML of the index page for the run folder ``root``.

    Parameters
    ----------
    root
        The run folder (the notebooks' outputs are under it).
    params
        The run's parameters (``ReportConfig.to_dict()``).
    notebooks
        Notebook names in report order.
    pages
        Notebook name → relative path of its HTML page.
    stamp
        The run's stamp (shown as "made at").
    failed
        Unused for published runs (a failed run is never published); kept for
        inspection pages.
    period
        Dates of the data (:func:`hotspots.report.runner.data_period`): first and last
        case, cases in the window.
    """
    lang = params.get("lang", "vi")
    e = html.escape
    summaries = read_summaries(root)
    synthetic = bool(params.get("synthetic"))
    privacy = params.get("privacy", "shareable")
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(_t('title', lang))} — {e(str(params.get('province', '')))}</title>",
        f"<style>{_CSS}</style></head><body>",
    ]
    if synthetic:
        parts.append(f'<div class="banner" id="synthetic-banner">{e(_t("synthetic", lang))}</div>')
    if privacy == "restricted":
        parts.append(f'<div class="banner restricted">{e(_t("restricted", lang))}</div>')
    parts += [
        "<header>",
        f"<h1>{e(_t('title', lang))} — {e(str(params.get('province', '')))}</h1>",
        *_header_lines(params, period, lang),
        f"<p>{e(_t('made', lang))}: {e(_when(stamp))}</p>",
        f"<p>{e(_t('privacy', lang))}: "
        f"{e(_t(privacy, lang, n=params.get('suppress_below', 3)))}</p>",
        "</header><main>",
    ]
    parts += _week_section(params, summaries, notebooks, lang)
    maps = [
        item
        for name in notebooks
        for item in summaries.get(name, {}).get("outputs", [])
        if item.get("kind") == "map"
    ]
    maps.sort(key=lambda item: not item["path"].endswith("overview.html"))  # overview first
    if maps:
        parts.append(f'<section id="maps" class="maps"><h2>{e(_t("maps", lang))}</h2>')
        parts.append(f'<p class="about">{e(_t("maps_about", lang))}</p><ul>')
        for item in maps:
            label = item.get(f"label_{lang}") or item.get("label_vi") or item["path"]
            parts.append(f'<li class="mainmap"><a href="{e(item["path"])}">{e(label)}</a></li>')
        parts.append("</ul></section>")
    for name in notebooks:
        info = NOTEBOOK_TITLES.get(name, {})
        summary = summaries.get(name, {})
        title = summary.get(f"title_{lang}") or info.get(lang) or name
        parts.append(f'<section id="{e(name)}"><h2>{e(title)}</h2>')
        about = info.get(f"about_{lang}")
        if about:
            parts.append(f'<p class="about">{e(about)}</p>')
        for h in summary.get("headlines", []):
            parts.append(f'<p class="headline">{e(h.get(lang) or h.get("vi", ""))}</p>')
        for tab in summary.get("tables", []):
            if tab.get("top") is None:  # "this week" tables are shown at the top
                parts += _table_html(tab, lang)
        parts.append("<ul>")
        if name in pages:
            parts.append(
                f'<li><span class="kind">{e(_t("page", lang))}</span>'
                f'<a href="{e(pages[name])}">{e(title)}</a></li>'
            )
        elif not summary:
            parts.append(f"<li>{e(_t('missing', lang))}</li>")
        thumbs = []
        for item in summary.get("outputs", []):
            label = item.get(f"label_{lang}") or item.get("label_vi") or item["path"]
            kind = item.get("kind", "file")
            kind_label = _T.get(kind, _T["file"])[lang]
            parts.append(
                f'<li><span class="kind">{e(kind_label)}</span>'
                f'<a href="{e(item["path"])}">{e(label)}</a></li>'
            )
            if kind == "figure":
                thumbs.append(f'<img class="thumb" src="{e(item["path"])}" alt="{e(label)}">')
        parts.append("</ul>")
        parts.extend(thumbs)
        parts.append("</section>")
    parts += [
        "</main><footer>",
        f'<p><a href="manifest.json">{e(_t("manifest", lang))}</a></p>',
        f"<p>{e(_t('offline', lang))}</p>",
        "</footer></body></html>",
    ]
    return "\n".join(parts) + "\n"


def write_index(root: str | Path, **kwargs: Any) -> Path:
    """Render :func:`render_index` into ``root/index.html`` and return its path."""
    path = Path(root) / "index.html"
    path.write_text(render_index(root, **kwargs), encoding="utf-8")
    return path
