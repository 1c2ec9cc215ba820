"""Vietnamese all the way: every page and popup of a `vi` report, dates, codes, settings.

The slow tests read the session's report (conftest ``report_run``: the whole notebook set
on synthetic data, run once); the others have known answers and run in milliseconds.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from hotspots.config import load_config, next_monday, plan_start_date
from hotspots.errors import ConfigError
from hotspots.maps.labels import display_value, format_date

#: English words that must not appear on a Vietnamese page or popup (whole words).
ENGLISH = (
    "the", "and", "of", "with", "from", "case", "cases", "area", "areas", "line", "lines",
    "unit", "units", "rank", "score", "date", "method", "methods", "hit", "rate", "naive",
    "prospective", "found", "true", "false", "none", "nan", "unknown", "china", "laos",
    "cambodia", "one-way", "two-way", "victims", "transit", "exit", "recruitment", "rescue",
    "origin", "operational", "main", "international", "checkpoint", "patrol", "route",
    "routes", "shift", "start", "end", "base", "year", "share", "direction", "heading",
    "kind", "gate", "trend", "total", "mean", "windows", "baseline", "parameters", "real",
    "only", "week", "day", "days", "map", "maps", "table", "layer", "name", "code",
)  # fmt: skip
#: Raw codes: ISO dates, long floats, snake_case names, Python booleans, compass codes.
CODES = {
    "ISO date": r"\b\d{4}-\d{2}-\d{2}\b",
    "float with more than 3 decimals": r"\b\d+\.\d{4,}\b",
    "snake_case code": r"\b[a-z]+_[a-z0-9_]+\b(?!\.[A-Za-z0-9]{2,5}\b)",  # file names are names
    "Python boolean": r"\b(?:True|False)\b",
    "compass code": r"\b(?:NW|NE|SW|SE|N|S|E|W)\b",
}


def leaks(text: str) -> list[str]:
    """English words and raw codes in ``text``, each with some context."""
    found = []
    for word in ENGLISH:
        for m in re.finditer(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text, flags=re.I):
            found.append(f"{word!r}: …{text[max(0, m.start() - 30) : m.end() + 30]}…")
    for what, pattern in CODES.items():
        for m in re.finditer(pattern, text):
            found.append(f"{what}: …{text[max(0, m.start() - 30) : m.end() + 30]}…")
    return found


def visible_text(page: str) -> str:
    """The text a reader sees: no scripts, styles or tags."""
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    return html.unescape(re.sub(r"(?s)<[^>]+>", " ", page))


def map_texts(page: str) -> list[str]:
    """Everything a map shows: popup headers and values, tooltips, labels, legend, title."""
    decoder = json.JSONDecoder()
    texts = []
    for m in re.finditer(r"= hsLayer\(", page):
        data, end = decoder.raw_decode(page, m.end())
        spec, _ = decoder.raw_decode(page[end:].lstrip(", \n"))
        shown = [f[0] for f in spec["fields"]]
        shown += [spec[k] for k in ("tooltip", "label", "endLabel") if spec.get(k)]
        texts += [f[1] for f in spec["fields"]]
        for feature in data["features"]:
            p = feature["properties"]
            texts += [str(p[k]) for k in shown if p.get(k) is not None]
    for m in re.finditer(r'innerHTML = ("(?:[^"\\]|\\.)*")', page):  # the legend
        texts.append(visible_text(json.loads(m.group(1))))
    texts += re.findall(r"<title>(.*?)</title>", page)
    return texts


def test_leaks_finds_english_and_codes():
    """The checker itself: it must see each kind of leak, and pass clean Vietnamese."""
    assert leaks("Tuyến 1 hướng Tây Bắc, 30/11/2026, 12.3 km") == []
    for bad in ("one-way", "China", "NW", "True", "line_vertex", "2026-11-30", "22.49348"):
        assert leaks(f"Tuyến 1: {bad}"), bad
    assert leaks("Tệp cases_lao_cai.csv: 44 dòng") == []  # a file's name is not a code


def test_codes_are_shown_as_words_dates_as_dd_mm_yyyy():
    assert display_value("roles", "transit:12;exit:3") == "Nơi trung chuyển: 12; Nơi xuất cảnh: 3"
    assert display_value("heading", "NW") == "Tây Bắc"
    assert display_value("direction", "one-way") == "Một chiều"
    assert display_value("country", "China") == "Trung Quốc"
    assert display_value("kind", "line_vertex") == "Đỉnh tuyến"
    assert display_value("kind", "international") == "Cửa khẩu quốc tế"
    assert display_value("start", "2026-11-30 07:00:00+07:00") == "30/11/2026 07:00"
    assert display_value("date", "2026-11-30") == "30/11/2026"
    assert display_value("name", "Lào Cai") == "Lào Cai"  # names are left alone
    assert display_value("heading", "NW", "en") == "NW"
    assert (
        format_date(pd.Timestamp("2026-12-07 22:00", tz="Asia/Ho_Chi_Minh")) == "07/12/2026 22:00"
    )
    assert format_date(pd.Timestamp("2026-12-07")) == "07/12/2026"


def test_popups_show_words_and_rounded_numbers_but_style_keeps_codes():
    from hotspots.maps import add_exit_points, add_key_lines, base_map, map_html

    m = base_map(None)
    gates = gpd.GeoDataFrame(
        {"name": ["Lào Cai"], "country": ["China"], "kind": ["international"]},
        geometry=[shapely.Point(103.96, 22.51)],
        crs="EPSG:4326",
    )
    add_exit_points(m, gates)
    lines = gpd.GeoDataFrame(
        {"rank": [1], "cases": [12], "share": [0.4567], "direction": ["one-way"],
         "heading": ["NW"], "gate": ["unknown"], "length_km": [12.34567]},
        geometry=[shapely.LineString([(104.0, 22.3), (103.9, 22.5)])],
        crs="EPSG:4326",
    )  # fmt: skip
    add_key_lines(m, lines, weight_by="cases")
    texts = map_texts(map_html(m))
    for word in ("Trung Quốc", "Cửa khẩu quốc tế", "Một chiều", "Tây Bắc", "Không rõ", "46%",
                 "12.3"):  # fmt: skip
        assert word in texts, word
    assert [t for t in texts if leaks(t)] == []


def test_next_monday_known_answers():
    assert next_monday(dt.date(2026, 12, 4)) == dt.date(2026, 12, 7)  # Friday
    assert next_monday(dt.date(2026, 12, 6)) == dt.date(2026, 12, 7)  # Sunday
    assert next_monday(dt.date(2026, 12, 7)) == dt.date(2026, 12, 14)  # Monday: next week
    assert plan_start_date().weekday() == 0
    assert plan_start_date("2031-03-05") == dt.date(2031, 3, 5)


def test_impossible_dates_are_named_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="'plan_start': '2024-13-01' is not a date"):
        plan_start_date("2024-13-01")
    f = tmp_path / "report.yaml"
    f.write_text("data: synthetic\ndate_from: 2024-13-01\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="'date_from': '2024-13-01' is not a date"):
        load_config(f)  # YAML itself would raise a ValueError on month 13


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["demo", "--date-from", "2024-13-01"], "'date_from': '2024-13-01' is not a date"),
        (["demo", "--plan-start", "2024-02-30"], "'plan_start': '2024-02-30' is not a date"),
    ],
)
def test_cli_bad_dates_exit_2_with_one_line(argv, needle, tmp_path, capsys):
    from hotspots.cli import main

    assert main([*argv, "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1 and "Traceback" not in err


def _cases_csv(path, prefix="C-"):
    rows = ["case_id,role,occurred_at,lat,lon,victims"]
    for i in range(6):
        rows.append(f"{prefix}{i:03d},transit,2024-0{i + 1}-10 08:00,22.3{i},104.0{i},1")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_report_window_without_cases_exits_2(tmp_path, capsys):
    from hotspots.cli import main

    data = _cases_csv(tmp_path / "cases.csv")
    cfg = tmp_path / "report.yaml"
    cfg.write_text(f"data: {data}\nprovince: Lào Cai\ndate_from: 2030-01-01\n", encoding="utf-8")
    assert main(["report", "--config", str(cfg), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "no case in this window; the data run from 2024-01-10 to 2024-06-10" in err
    assert not (tmp_path / "out" / "current").exists()
    assert main(["report", "--config", str(cfg), "--check"]) == 2  # --check says so too
    assert "no case in this window" in capsys.readouterr().err


def test_synthetic_ids_mark_the_data_period_and_the_inputs(tmp_path):
    """A file carrying the synthetic label (SYN- ids), not the built-in demo, is marked."""
    from hotspots.config import validate_config
    from hotspots.report.inputs import load_inputs
    from hotspots.report.runner import data_period

    real = _cases_csv(tmp_path / "real.csv")
    syn = _cases_csv(tmp_path / "syn.csv", prefix="SYN-15-")
    period, marked = data_period(validate_config({"data": str(syn), "province": "Lào Cai"}))
    assert marked and period == {"first": "2024-01-10", "last": "2024-06-10",
                                 "window_first": "2024-01-10", "window_last": "2024-06-10",
                                 "cases": 6}  # fmt: skip
    assert not data_period(validate_config({"data": str(real), "province": "Lào Cai"}))[1]
    assert load_inputs(str(syn), province="Lào Cai").synthetic
    assert not load_inputs(str(real), province="Lào Cai").synthetic


def test_a_layer_of_another_run_is_never_reused(tmp_path):
    from hotspots.report import NotebookOutputs

    layer = gpd.GeoDataFrame({"rank": [1]}, geometry=[shapely.box(104, 22, 104.1, 22.1)],
                             crs="EPSG:4326")  # fmt: skip
    lao_cai = ["cases.csv", "Lào Cai", 1000.0]
    writer = NotebookOutputs(tmp_path, "02_key_areas", run=lao_cai)
    writer.layer(layer, "key_areas", "Địa bàn trọng điểm")
    writer.save()
    same = NotebookOutputs(tmp_path, "04_patrol_plan", run=lao_cai)
    got, said = same.reuse_layer("key_areas", "02_key_areas")
    assert got is not None and list(got["rank"]) == [1] and said.startswith("Địa bàn trọng điểm")
    assert "dùng lại" in said
    other = NotebookOutputs(tmp_path, "04_patrol_plan", run=["cases.csv", "Hà Giang", 1000.0])
    got, said = other.reuse_layer("key_areas", "02_key_areas")
    assert got is None and "tính lại" in said and "lần chạy khác" in said
    got, said = same.reuse_layer("key_lines", "03_key_lines")
    assert got is None and "chưa chạy" in said


def _plan():
    from hotspots.plan.patrols import PatrolPlan

    tz = "Asia/Ho_Chi_Minh"
    day = [pd.Timestamp("2031-03-03", tz=tz), pd.Timestamp("2031-03-04", tz=tz)]
    line = shapely.LineString([(104.0, 22.3), (104.1, 22.4), (104.0, 22.3)])
    routes = gpd.GeoDataFrame(
        {"unit": ["Tổ 1", "Tổ 2", "Tổ 1", "Tổ 2"], "base": ["Đồn A", "Đồn B"] * 2,
         "day": [1, 1, 2, 2], "date": [day[0], day[0], day[1], day[1]],
         "shift": ["06:00", "14:00", "22:00", "06:00"],
         "start": [day[0] + pd.Timedelta(hours=h) for h in (6, 14)]
         + [day[1] + pd.Timedelta(hours=h) for h in (22, 6)],
         "n_stops": [2, 1, 1, 0], "distance_km": [10.04, 5.0, 7.5, 0.0],
         "duration_min": [60.0, 30.0, 40.0, 0.0]},
        geometry=[line] * 4, crs="EPSG:4326",
    )  # fmt: skip
    routes["end"] = routes["start"] + pd.to_timedelta(routes["duration_min"], unit="min")
    stops = gpd.GeoDataFrame(
        {"unit": ["Tổ 1", "Tổ 1", "Tổ 2", "Tổ 1"], "day": [1, 1, 1, 2],
         "shift": ["06:00", "06:00", "14:00", "22:00"], "order": [1, 2, 1, 1],
         "area": ["3", "1", "2", "3"], "area_name": ["Địa bàn 3", "Địa bàn 1", "Địa bàn 2",
                                                     "Địa bàn 3"],
         "arrival": [day[0] + pd.Timedelta(hours=7)] * 4, "dwell_min": [12.0] * 4,
         "departure": [day[0] + pd.Timedelta(hours=7, minutes=12)] * 4},
        geometry=[shapely.Point(104.1, 22.4)] * 4, crs="EPSG:4326",
    )  # fmt: skip
    return PatrolPlan(routes, stops, None, {"areas": 3})


def test_unit_tasks_and_day_schedule_known_answer():
    from hotspots.report.week import day_schedule, unit_tasks

    tasks = unit_tasks(_plan())
    assert tasks.to_dict("records") == [
        {"Tổ tuần tra": "Tổ 1", "Nơi xuất phát": "Đồn A", "Số ca": 2, "Lượt kiểm tra": 3,
         "Địa bàn cần đến (số lượt)": "3 (2), 1", "Tổng quãng đường (km)": 17.5},
        {"Tổ tuần tra": "Tổ 2", "Nơi xuất phát": "Đồn B", "Số ca": 1, "Lượt kiểm tra": 1,
         "Địa bàn cần đến (số lượt)": "2", "Tổng quãng đường (km)": 5.0},
    ]  # fmt: skip
    days = day_schedule(_plan())
    assert days.to_dict("records") == [
        {"Ngày": "Thứ Hai 03/03", "Tổ tuần tra": "Tổ 1", "Ca": "06:00–07:00",
         "Lộ trình (thứ hạng địa bàn)": "3 → 1", "Quãng đường (km)": 10.0},
        {"Ngày": "Thứ Hai 03/03", "Tổ tuần tra": "Tổ 2", "Ca": "14:00–14:30",
         "Lộ trình (thứ hạng địa bàn)": "2", "Quãng đường (km)": 5.0},
        {"Ngày": "Thứ Ba 04/03", "Tổ tuần tra": "Tổ 1", "Ca": "22:00–22:40",
         "Lộ trình (thứ hạng địa bàn)": "3", "Quãng đường (km)": 7.5},
    ]  # fmt: skip


def test_gpx_tracks_carry_the_synthetic_mark(tmp_path):
    from hotspots.plan import write_gpx

    plan = _plan()
    plan.stops["score"] = 1.0
    text = write_gpx(plan, tmp_path / "p.gpx", synthetic=True).read_text(encoding="utf-8")
    tracks = re.findall(r"<trk>\s*<name>([^<]*)</name>\s*<desc>([^<]*)</desc>", text)
    assert len(tracks) == 4
    assert all("DỮ LIỆU GIẢ LẬP / SYNTHETIC" in n and "SYNTHETIC" in d for n, d in tracks)
    plain = write_gpx(plan, tmp_path / "q.gpx").read_text(encoding="utf-8")
    assert "SYNTHETIC" not in plain


def test_kpi_targets_as_written_and_compared_exactly():
    from hotspots.kpi import KPIS, KpiResult
    from hotspots.report.kpis import not_judged, target_text, under_target_table

    by = {k.name: k for k in KPIS}
    assert [target_text(k) for k in KPIS] == ["100%", "> 90%", "> 90%", "95%", "90%"]
    assert not by["resolved"].meets(0.90) and by["resolved"].meets(0.9001)  # "trên 90%"
    assert by["prosecuted"].meets(0.95) and not by["prosecuted"].meets(0.9499)
    table = pd.DataFrame(
        {"year": [2025] * 4, "unit": ["A", "B", "C", "D"],
         "kpi": ["resolved", "prosecuted", "resolved", "tried"],
         "numerator": [9, 18.99, None, 10], "denominator": [10, 20, None, 10],
         "rate": [0.90, 0.9499, None, 1.0], "target": [0.9, 0.95, 0.9, 0.9],
         "meets": [False, False, False, True], "under_target": [True, True, True, False],
         "suppressed": [False, False, True, False]},
    )  # fmt: skip
    result = KpiResult(table, "unit", KPIS)
    shown = under_target_table(result, pd.Series({"A": "Xã A"}))
    assert shown.to_dict("records") == [
        {
            "Năm": 2025,
            "Đơn vị": "Xã A",
            "Chỉ tiêu": by["resolved"].label("vi"),
            "Đạt": "90.0%",
            "Yêu cầu": "> 90%",
        },
        {
            "Năm": 2025,
            "Đơn vị": "B",
            "Chỉ tiêu": by["prosecuted"].label("vi"),
            "Đạt": "94.9%",
            "Yêu cầu": "95%",
        },
    ]  # fmt: skip  (C is hidden: counted apart, not listed)
    assert not_judged(result, 2025) == 1


@pytest.mark.notebooks
@pytest.mark.slow
def test_every_page_and_popup_of_the_report_is_vietnamese(report_run):
    cur = report_run.current
    pages = [cur / "index.html", *sorted((cur / "notebooks").glob("*.html"))]
    pages += sorted((cur / "plan").glob("*.html"))
    found = {}
    for page in pages:
        bad = leaks(visible_text(page.read_text(encoding="utf-8")))
        if bad:
            found[page.name] = bad[:5]
    maps = sorted((cur / "maps").glob("*.html"))
    assert len(maps) >= 4
    for page in maps:
        texts = map_texts(page.read_text(encoding="utf-8"))
        assert len(texts) > 100, page.name  # the checker did read the popups
        bad = [x for t in texts for x in leaks(t)]
        if bad:
            found[page.name] = bad[:5]
    assert found == {}


def test_index_names_the_period_and_puts_the_week_first(tmp_path):
    from hotspots.report import NotebookOutputs
    from hotspots.report.index import render_index

    plan = NotebookOutputs(tmp_path, "04_patrol_plan")
    plan.index_table(pd.DataFrame({"Tổ": ["Tổ 1"], "Lượt": [3]}), "Lịch từng ngày", top=2)
    plan.index_table(pd.DataFrame({"Tổ": ["Tổ 1"], "Ca": [2]}), "Việc của từng tổ", top=1)
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "p.html").write_text("<html></html>")
    plan.file(tmp_path / "plan" / "p.html", "Bản in", kind="plan")
    plan.save("Kế hoạch")
    kpi = NotebookOutputs(tmp_path, "06_program_kpis")
    kpi.index_table(pd.DataFrame({"Đơn vị": ["Xã A"]}), "Dưới chỉ tiêu", top=6,
                    note_vi="10 đơn vị ít hơn 3 vụ, không đánh giá")  # fmt: skip
    kpi.save("Chỉ tiêu")
    page = render_index(
        tmp_path,
        params={"lang": "vi", "province": "Lào Cai", "plan_start": "2031-03-03"},
        notebooks=["04_patrol_plan", "06_program_kpis"],
        pages={},
        stamp="20310301-080000",
        period={"first": "2021-01-01", "last": "2025-12-31", "cases": 642},
    )
    text = visible_text(page)
    assert "Dữ liệu: từ ngày 01/01/2021 đến ngày 31/12/2025" in text
    assert "642 vụ trong kỳ báo cáo" in text and "Lập lúc: 01/03/2031 08:00" in text
    week = text[text.index("Tuần này") :]
    order = [week.index(s) for s in ("Kế hoạch từ thứ Hai 03/03/2031 đến Chủ nhật 09/03/2031",
             "Bản in", "Việc của từng tổ", "Lịch từng ngày", "Dưới chỉ tiêu",
             "10 đơn vị ít hơn 3 vụ, không đánh giá")]  # fmt: skip
    assert order == sorted(order)
    assert leaks(text) == []


def test_rotation_table_known_answer():
    """Three corridors of 30, 20 and 10 cases, one team: the Stackelberg chances (tested
    in test_game: c = (1 - a/V)/2 with a = 60/11) shown as percentages, most likely first."""
    from shapely.geometry import LineString, Point

    from hotspots.plan.game import checkpoint_strategy
    from hotspots.report.week import rotation_table

    x0, y0, utm = 400_000, 2_450_000, "EPSG:32648"
    lines = gpd.GeoDataFrame(
        {"rank": [1, 2, 3], "cases": [30, 20, 10]},
        geometry=[LineString([(x0, y0 + 1e4 * i), (x0 + 2e4, y0 + 1e4 * i)]) for i in range(3)],
        crs=utm,
    ).to_crs(4326)
    cands = gpd.GeoDataFrame(
        {"kind": "line_point", "name": ["c1", "c2", "c3"]},
        geometry=[Point(x0 + 1e4, y0 + 1e4 * i) for i in range(3)],
        crs=utm,
    ).to_crs(4326)
    game = checkpoint_strategy(lines, 1, candidates=cands)
    schedule = game.sample(21, seed=0)
    table = rotation_table(game, schedule)
    assert list(table["Khả năng có tổ trực mỗi ca"]) == ["41%", "36%", "23%"]
    assert table["Số ca có tổ trực trong tuần"].sum() == 21  # one team in each shift
    assert table["Vì sao"].str.contains("Chốt trên tuyến").all()
    assert [t for t in table.astype(str).to_numpy().ravel() if leaks(t)] == []


def test_rotation_table_for_the_index_hides_sites_never_manned():
    """Two corridors that meet before the border: one site where they meet covers both,
    two others one corridor each. The site on corridor 1 alone is dominated and never
    manned: the index table leaves it out and counts it apart."""
    from shapely.geometry import LineString, Point

    from hotspots.plan.game import checkpoint_strategy
    from hotspots.report.week import rotation_table, unmanned_sites

    x0, y0, utm = 400_000, 2_450_000, "EPSG:32648"
    end = (x0 + 2e4, y0)
    lines = gpd.GeoDataFrame(
        {"rank": [1, 2], "cases": [30, 10]},
        geometry=[LineString([(x0, y0), end]), LineString([(x0, y0 + 1e4), end])],
        crs=utm,
    ).to_crs(4326)
    cands = gpd.GeoDataFrame(
        {"kind": "line_point", "name": ["both", "only_a", "only_b"]},
        geometry=[Point(end[0] - 100, y0), Point(x0, y0), Point(x0, y0 + 1e4)],
        crs=utm,
    ).to_crs(4326)
    game = checkpoint_strategy(lines, 1, candidates=cands)
    schedule = game.sample(21, seed=0)
    full = rotation_table(game, schedule)
    shown = rotation_table(game, schedule, manned_only=True)
    # every optimum (value 10: corridor 2 always covered, corridor 1 at least 2/3) has
    # both + only_b = 1, so only_a is never manned; the LP may split both/only_b
    assert len(full) == 3
    assert not shown["Chốt"].str.contains("only_a").any()
    assert shown["Chốt"].str.contains("both").any()
    assert unmanned_sites(game) == len(full) - len(shown) >= 1
    assert shown["Số ca có tổ trực trong tuần"].sum() == 21


def test_week_units_default_and_synthetic_file():
    from hotspots.report.week import week_units

    areas = gpd.GeoDataFrame(
        {"rank": [1, 2], "score": [90.0, 50.0], "communes": ["Cốc San", "Bát Xát"]},
        geometry=[shapely.box(103.93, 22.45, 103.99, 22.50), shapely.box(103.87, 22.52,
                                                                        103.92, 22.57)],
        crs="EPSG:4326",
    )  # fmt: skip
    teams, said = week_units("Lào Cai", areas, None, units=2)
    assert len(teams) == 2 and said.startswith("2 tổ")
    teams, said = week_units("Lào Cai", areas, "synthetic")
    assert len(teams) == 4 and all("(giả lập)" in u for u in teams["unit"])
    assert "danh sách đơn vị (giả lập)" in said and leaks(said) == []


def test_yearly_kpis_are_rounded_down_with_targets_as_written():
    from hotspots.kpi import KPIS, KpiResult
    from hotspots.report.kpis import with_targets

    resolved = next(k for k in KPIS if k.name == "resolved")
    table = pd.DataFrame(
        {"year": [2024, 2025], "kpi": ["resolved"] * 2, "numerator": [8996, 9],
         "denominator": [10000, 10], "rate": [0.8996, 0.9], "target": [0.9] * 2,
         "meets": [False, False], "under_target": [True, True]},
    )  # fmt: skip
    wide = with_targets(KpiResult(table, None, KPIS))
    col = resolved.label("vi")
    assert list(wide[col]) == [89.9, 90.0, "> 90%"]  # 89.96% is not shown as 90.0
    assert list(wide.index) == [2024, 2025, "Yêu cầu"]
