"""The week's plan in the report: what each unit does, day by day, and the checkpoints.

Notebook 04 plans a week of patrols (:func:`hotspots.plan.weekly_schedule`) and hands it
to :func:`write_week`, which writes the layer, the GPX file (marked when the data are
synthetic), the printable plan (:func:`hotspots.plan.export.write_html`) and the three
tables the index shows first: per unit, per day, and the checkpoints.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from hotspots.maps.labels import label

__all__ = [
    "WEEKDAYS_VI",
    "day_name",
    "unit_tasks",
    "day_schedule",
    "checkpoint_table",
    "write_week",
]

#: Days of the week in Vietnamese, Monday first.
WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def day_name(date: Any, lang: str = "vi") -> str:
    """``Thứ Hai 07/12`` (``Mon 07/12`` in English) for a date or timestamp."""
    t = pd.Timestamp(date)
    names = WEEKDAYS_VI if lang == "vi" else _WEEKDAYS_EN
    return f"{names[t.weekday()]} {t:%d/%m}"


def _L(lang: str, vi: str, en: str) -> str:
    return vi if lang == "vi" else en


def _stops_of(plan: Any) -> pd.DataFrame:
    """Stops with the area id as text, ordered by day, shift, unit and order."""
    stops = pd.DataFrame(plan.stops.drop(columns="geometry", errors="ignore"))
    if len(stops):
        stops = stops.assign(area=stops["area"].astype(str))
        stops = stops.sort_values(["day", "shift", "unit", "order"], kind="stable")
    return stops


def _area_list(ids: pd.Series) -> str:
    """``"1 (3 lượt), 4 (2), 7"``-like text: area ids, most visited first."""
    counts = ids.value_counts(sort=False)
    order = sorted(counts.index, key=lambda a: (-counts[a], int(a) if a.isdigit() else 10**9, a))
    return ", ".join(f"{a} ({counts[a]})" if counts[a] > 1 else a for a in order)


def unit_tasks(plan: Any, lang: str = "vi") -> pd.DataFrame:
    """One row per unit: where it starts, its shifts, visits, areas and kilometres.

    Parameters
    ----------
    plan
        A :class:`~hotspots.plan.patrols.PatrolPlan` (several days).
    lang
        ``"vi"`` or ``"en"`` headers.

    Returns
    -------
    pandas.DataFrame
        Columns: unit, base, shifts (with at least one stop), visits, areas (key-area
        ranks, most visited first, ``"1 (3)"`` = three visits), kilometres.
    """
    routes = pd.DataFrame(plan.routes.drop(columns="geometry", errors="ignore"))
    stops = _stops_of(plan)
    rows = []
    for unit, r in routes.groupby("unit", sort=False):
        s = stops[stops["unit"] == unit] if len(stops) else stops
        worked = r[r["n_stops"] > 0]
        rows.append(
            {
                label("unit", lang): unit,
                label("base", lang): r["base"].iloc[0],
                _L(lang, "Số ca", "Shifts"): len(worked),
                _L(lang, "Lượt kiểm tra", "Visits"): len(s),
                _L(lang, "Địa bàn cần đến (số lượt)", "Areas (visits)"): _area_list(s["area"])
                if len(s)
                else "–",
                _L(lang, "Tổng quãng đường (km)", "Distance (km)"): round(
                    float(worked["distance_km"].sum()), 1
                ),
            }
        )
    return pd.DataFrame(rows)


def day_schedule(plan: Any, lang: str = "vi") -> pd.DataFrame:
    """One row per unit-shift with stops: day, unit, shift hours and the route.

    The route lists the key areas in the order of the visits: ``"8 → 9 → 1"``.
    """
    routes = pd.DataFrame(plan.routes.drop(columns="geometry", errors="ignore"))
    routes = routes[routes["n_stops"] > 0].sort_values(["day", "start", "unit"], kind="stable")
    stops = _stops_of(plan)
    rows = []
    for _, r in routes.iterrows():
        s = stops[
            (stops["unit"] == r["unit"])
            & (stops["day"] == r["day"])
            & (stops["shift"] == r["shift"])
        ]
        rows.append(
            {
                _L(lang, "Ngày", "Day"): day_name(r["date"], lang),
                label("unit", lang): r["unit"],
                _L(lang, "Ca", "Shift"): f"{pd.Timestamp(r['start']):%H:%M}–"
                f"{pd.Timestamp(r['end']):%H:%M}",
                _L(lang, "Lộ trình (thứ hạng địa bàn)", "Route (area ranks)"): " → ".join(
                    s["area"]
                ),
                _L(lang, "Quãng đường (km)", "Distance (km)"): round(float(r["distance_km"]), 1),
            }
        )
    return pd.DataFrame(rows)


def checkpoint_table(sites: Any, lang: str = "vi") -> pd.DataFrame:
    """Checkpoints for the index: rank, place, kind in words, cases intercepted."""
    frame = pd.DataFrame(sites.drop(columns="geometry", errors="ignore"))
    out = pd.DataFrame(
        {
            _L(lang, "Số", "No."): frame["rank"],
            _L(lang, "Vị trí", "Place"): frame["name"].fillna("").astype(str)
            if "name" in frame
            else "",
            label("kind", lang): frame["kind"].map(lambda k: label(str(k), lang))
            if "kind" in frame
            else "",
        }
    )
    if "marginal" in frame:
        out[_L(lang, "Chặn thêm (vụ)", "Added (cases)")] = frame["marginal"].round(0).astype(int)
    return out


def write_week(out: Any, plan: Any, synthetic: bool = False) -> dict[str, Any]:
    """Write the week's plan through a :class:`~hotspots.report.NotebookOutputs`.

    Writes ``layers/patrol_routes.gpkg``, ``layers/patrol_plan.gpx`` (DỮ LIỆU GIẢ LẬP /
    SYNTHETIC in every track's name and description when ``synthetic``),
    ``plan/ke_hoach_tuan_tra.html`` (printable, registered with kind ``plan``) and the
    index's "this week" tables (per unit, per day, checkpoints) and a headline.

    Returns
    -------
    dict
        ``first`` and ``last`` day (Timestamps), ``shifts``, ``visits``, ``areas``
        (areas visited at least once), ``units``.
    """
    from hotspots.plan.export import write_gpx, write_html

    lang = out.lang
    routes = plan.to_gdf()
    out.layer(routes, "patrol_routes", "Lộ trình tuần tra", "Patrol routes")
    gpx = write_gpx(plan, out.root / "layers" / "patrol_plan.gpx", synthetic=synthetic)
    out.file(gpx, "Lộ trình tuần tra (GPX, máy định vị)", "Patrol routes (GPX)", kind="layer")
    (out.root / "plan").mkdir(parents=True, exist_ok=True)
    page = write_html(plan, out.root / "plan" / "ke_hoach_tuan_tra.html", synthetic=synthetic)
    out.file(page, "Kế hoạch tuần tra, kiểm soát (bản in)", "Printable patrol plan", kind="plan")
    tasks = unit_tasks(plan, lang)
    out.index_table(tasks, "Việc của từng tổ trong tuần", "What each unit does this week",
                    max_rows=50, top=1)  # fmt: skip
    out.index_table(day_schedule(plan, lang), "Lịch tuần tra từng ngày", "Patrols day by day",
                    max_rows=200, top=2)  # fmt: skip
    if plan.checkpoints is not None and len(plan.checkpoints.sites):
        out.index_table(checkpoint_table(plan.checkpoints.sites, lang),
                        "Chốt kiểm soát trên các tuyến trọng điểm",
                        "Checkpoints on the key lines", max_rows=20, top=3)  # fmt: skip
    dates = pd.to_datetime(routes["date"]) if len(routes) else pd.Series(dtype="datetime64[ns]")
    week = {
        "first": dates.min() if len(dates) else None,
        "last": dates.max() if len(dates) else None,
        "shifts": int((routes["n_stops"] > 0).sum()) if len(routes) else 0,
        "visits": len(plan.stops),
        "areas": int(plan.stops["area"].nunique()) if len(plan.stops) else 0,
        "units": int(routes["unit"].nunique()) if len(routes) else 0,
    }
    if week["first"] is not None:
        span = f"{week['first']:%d/%m/%Y}–{week['last']:%d/%m/%Y}"
        n_areas = plan.meta.get("areas", "?")
        out.headline(
            f"Tuần {span}: {week['units']} tổ, {week['shifts']} ca tuần tra, "
            f"{week['visits']} lượt kiểm tra {week['areas']}/{n_areas} địa bàn",
            f"Week {span}: {week['units']} units, {week['shifts']} patrol shifts, "
            f"{week['visits']} visits to {week['areas']}/{n_areas} key areas",
        )
    return week
