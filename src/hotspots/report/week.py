"""The week's plan in the report: what each unit does, day by day, and the checkpoints.

Notebook 04 plans a week of patrols (:func:`hotspots.plan.weekly_schedule`) and hands it
to :func:`write_week`, which writes the layer, the GPX file (marked when the data are
synthetic), the printable plan (:func:`hotspots.plan.export.write_html`) and the three
tables the index shows first: per unit, per day, and the checkpoints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
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


def week_units(
    province: str,
    areas: Any,
    units_path: str | None = None,
    units: int = 4,
    shift_hours: float = 8.0,
    lang: str = "vi",
) -> tuple[Any, str]:
    """The patrol units of the week and a sentence saying where they come from.

    Parameters
    ----------
    province
        Province name or code (its commune posts and border gates are the bases).
    areas
        Key areas (the default bases are the ones nearest them).
    units_path
        A units file (:func:`hotspots.plan.units.read_units_file`: unit, base, vehicle,
        shift, days off, assigned areas); ``"synthetic"``: the clearly synthetic demo
        units of :func:`hotspots.synthetic.demo_units`; ``None``: one unit at each of
        the ``units`` bases nearest the key areas.
    units, shift_hours
        For the default units.
    lang
        Language of the sentence.
    """
    import tempfile

    from hotspots.plan import default_bases, nearest_bases, units_at
    from hotspots.plan.units import read_units_file

    bases = default_bases(province)
    if units_path is None:
        teams = units_at(nearest_bases(bases, areas, max_bases=units), shift_hours=shift_hours)
        return teams, _L(
            lang,
            f"{len(teams)} tổ, mỗi tổ ở đồn, trạm gần một địa bàn trọng điểm nhất.",
            f"{len(teams)} units, each at the post nearest a key area.",
        )
    with tempfile.TemporaryDirectory(prefix="hotspots-units-") as tmp:
        path = units_path
        if units_path == "synthetic":
            from hotspots.synthetic import demo_units

            path = str(Path(tmp) / "units.csv")
            demo_units(province, areas, path=path)
        res = read_units_file(path, bases, areas)
    said = _L(
        lang,
        f"{len(res.units)} tổ theo danh sách đơn vị"
        + (" (giả lập)" if units_path == "synthetic" else "")
        + ": phương tiện, ca trực, ngày nghỉ, địa bàn được giao.",
        f"{len(res.units)} units from the units file"
        + (" (synthetic)" if units_path == "synthetic" else "")
        + ": vehicles, shifts, days off, assigned areas.",
    )
    if len(res.quarantine):
        said += _L(
            lang,
            f" {len(res.quarantine)} dòng bị loại: " + "; ".join(res.messages()),
            f" {len(res.quarantine)} rows left out: " + "; ".join(res.messages()),
        )
    return res.units, said


def rotate_checkpoints(
    lines: Any, plan: Any, teams: int, strategy: str = "stackelberg", seed: int = 0,
    folder: str | Path | None = None, time_limit: float = 20.0,
) -> tuple[Any, pd.DataFrame]:  # fmt: skip
    """Rotate ``teams`` checkpoint teams over the sites for every shift of the plan.

    Solves the checkpoint game (:func:`hotspots.plan.checkpoint_strategy`: Stackelberg,
    fixed or uniform) on the key lines, draws the sites manned in each shift of the
    plan's period with ``seed``, adds each site's ``probability`` to the plan's fixed
    checkpoints and records the game in ``plan.meta["checkpoint_game"]``; writes
    ``checkpoint_rotation.geojson`` into ``folder``.

    Returns
    -------
    (CheckpointStrategy, pandas.DataFrame)
        The game and one row per shift: ``day``, ``date``, ``shift``, ``sites``, ``names``.
    """
    import tempfile
    from types import SimpleNamespace

    from hotspots.plan._game_cli import record_rotation
    from hotspots.plan.game import checkpoint_strategy

    game = checkpoint_strategy(lines, teams, strategy=strategy, time_limit=time_limit)
    shifts = tuple(plan.meta.get("shift_starts") or ("06:00", "14:00", "22:00"))
    args = SimpleNamespace(days=int(plan.meta.get("days", 7)), seed=seed)
    with tempfile.TemporaryDirectory(prefix="hotspots-rotation-") as tmp:
        schedule = record_rotation(args, game, plan, shifts, Path(folder or tmp))
    return game, schedule


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


def rotation_table(
    game: Any, schedule: pd.DataFrame, lang: str = "vi", manned_only: bool = False
) -> pd.DataFrame:
    """Rotating checkpoints for the index: site, chance of a team per shift, shifts, why.

    ``manned_only`` keeps the sites with a chance above 0 (rounded to whole percent),
    so that a commander is not shown the many candidate sites the game never mans;
    :func:`unmanned_sites` counts them.
    """
    sites = game.to_gdf()
    if manned_only:
        sites = sites[sites["probability"].to_numpy(float) >= 0.005]
    manned = [sum(s in row for row in schedule["sites"]) for s in sites["site"]]
    out = pd.DataFrame(
        {
            _L(lang, "Chốt", "Site"): sites["label"].astype(str),
            _L(lang, "Khả năng có tổ trực mỗi ca", "Chance of a team per shift"): [
                f"{p:.0%}" for p in sites["probability"]
            ],
            _L(lang, "Số ca có tổ trực trong tuần", "Shifts manned this week"): manned,
        }
    )
    if lang == "vi" and "reason" in sites:
        out["Vì sao"] = sites["reason"].astype(str)
    order = np.argsort(-sites["probability"].to_numpy(float), kind="stable")
    return out.iloc[order].reset_index(drop=True)


def unmanned_sites(game: Any) -> int:
    """Number of candidate sites the game mans in less than 0.5 % of shifts."""
    return int((game.to_gdf()["probability"].to_numpy(float) < 0.005).sum())


def write_week(
    out: Any, plan: Any, synthetic: bool = False, rotation: Any = None,
    rotation_schedule: pd.DataFrame | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Write the week's plan through a :class:`~hotspots.report.NotebookOutputs`.

    Writes ``layers/patrol_routes.gpkg``, ``layers/patrol_plan.gpx`` (DỮ LIỆU GIẢ LẬP /
    SYNTHETIC in every track's name and description when ``synthetic``),
    ``plan/ke_hoach_tuan_tra.html`` (printable, registered with kind ``plan``) and the
    index's "this week" tables (per unit, per day, and the checkpoints: the rotation when
    given, else the fixed sites) and a headline.

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
    page = write_html(
        plan, out.root / "plan" / "ke_hoach_tuan_tra.html", synthetic=synthetic,
        rotation=rotation, rotation_schedule=rotation_schedule,
    )  # fmt: skip
    out.file(page, "Kế hoạch tuần tra, kiểm soát (bản in)", "Printable patrol plan", kind="plan")
    tasks = unit_tasks(plan, lang)
    out.index_table(tasks, "Việc của từng tổ trong tuần", "What each unit does this week",
                    max_rows=50, top=1)  # fmt: skip
    out.index_table(day_schedule(plan, lang), "Lịch tuần tra từng ngày", "Patrols day by day",
                    max_rows=200, top=2)  # fmt: skip
    if rotation is None and plan.checkpoints is not None and len(plan.checkpoints.sites):
        out.index_table(checkpoint_table(plan.checkpoints.sites, lang),
                        "Chốt kiểm soát trên các tuyến trọng điểm",
                        "Checkpoints on the key lines", max_rows=20, top=3)  # fmt: skip
    if rotation is not None and rotation_schedule is not None:
        idle = unmanned_sites(rotation)
        out.index_table(rotation_table(rotation, rotation_schedule, lang, manned_only=True),
                        "Chốt luân phiên: nơi đặt chốt thay đổi theo ca"
                        + (f" ({idle} vị trí khác không bố trí chốt)" if idle else ""),
                        "Rotating checkpoints: the sites change shift by shift"
                        + (f" ({idle} other sites not manned)" if idle else ""),
                        max_rows=20, top=3)  # fmt: skip
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
