"""Build the report notebooks from this script: ``python notebooks/_build.py``.

Each notebook has one cell tagged ``parameters`` (typed, commented defaults), explains
in Vietnamese and English what it shows and how to read it, and keeps its code thin:
library calls only. Edit the cells here, run the script, commit the ``.ipynb`` files
(written without outputs).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent

COMMON_PARAMS = """\
# Tham số / Parameters — papermill and `hotspots report` replace these values.
# ruff: noqa: UP045 - papermill reads Optional[str] but not str | None
from typing import Optional

data_path: str = "synthetic"  # case records (CSV, XLSX, GeoJSON, GPKG) or "synthetic" (demo data)
routes_path: Optional[str] = None  # optional route table (one row per stop); None: from the cases
province: str = "Lào Cai"  # province name or 2-digit code (2025 structure)
area: Optional[str] = None  # optional smaller area (polygon file) inside the province
date_from: Optional[str] = None  # first day of the window, "YYYY-MM-DD"; None: from the start
date_to: Optional[str] = None  # last day of the window, "YYYY-MM-DD"; None: up to the newest case
plan_start: Optional[str] = None  # first day of the week's plan, "YYYY-MM-DD"; None: next Monday
methods: list = ["gistar", "kde"]  # key-area methods: gistar, lisa, kde, hdbscan
cell_m: float = 1000.0  # grid cell size in metres
lang: str = "vi"  # language of maps and tables: "vi" or "en"
privacy: str = "shareable"  # "shareable" (aggregates only) or "restricted" (analysts)
suppress_below: int = 3  # counts below this are hidden in shareable outputs
output_dir: str = "output"  # folder for maps/, layers/, tables/, figures/
seed: int = 0  # random seed (synthetic data, tests, schedules)
synthetic: bool = False  # mark outputs SYNTHETIC / DỮ LIỆU GIẢ LẬP (forced for "synthetic")
"""

SETUP = """\
{imports}from IPython.display import display

from hotspots.report import NotebookOutputs, load_inputs

inputs = load_inputs(data_path, routes_path, province, area, date_from, date_to,
                     seed=seed, synthetic=synthetic)
cases, routes, synthetic = inputs.cases, inputs.routes, inputs.synthetic
out = NotebookOutputs(output_dir, "{name}", lang=lang, privacy=privacy,
                      synthetic=synthetic, suppress_below=suppress_below,
                      run=[inputs.key, methods, cell_m, privacy, suppress_below, seed])
L = out.label  # L("tiếng Việt", "English")
display(out.banner())
print(L(f"{{len(cases)}} dòng vụ việc, {{cases['case_id'].nunique()}} vụ",
        f"{{len(cases)}} case rows, {{cases['case_id'].nunique()}} cases"))
"""


def md(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip())


def bi(vi: str, en: str) -> list[nbformat.NotebookNode]:
    """A Vietnamese and an English markdown cell, tagged ``lang-vi`` and ``lang-en``.

    The report's HTML pages keep only the cells of the report's language
    (:func:`hotspots.report.html.notebook_to_html`); JupyterLab shows both.
    """
    cells = [md(vi), md(en)]
    for cell, lang in zip(cells, ("vi", "en"), strict=True):
        cell.metadata["tags"] = [f"lang-{lang}"]
    return cells


def code(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(textwrap.dedent(text).strip())


def notebook(
    name: str, intro: str, extra_params: str, cells: list, imports: str = ""
) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    params = code(COMMON_PARAMS + textwrap.dedent(extra_params))
    params.metadata["tags"] = ["parameters"]
    heading, _, about = textwrap.dedent(intro).strip().partition("\n")
    title_vi, _, title_en = heading.removeprefix("# ").partition(" / ")
    about_vi, _, about_en = about.partition("**English.**")
    # heading, parameters (no output), banner (SYNTHETIC on the page's face), explanation
    nb.cells = [
        *bi(f"# {title_vi}", f"# {title_en}"),
        params,
        code(SETUP.format(name=name, imports=imports)),
        *bi(about_vi, "**English.**" + about_en),
        *cells,
    ]
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{name}-{i:02d}"
    return nb


NOTEBOOKS: dict[str, nbformat.NotebookNode] = {}

NOTEBOOKS["01_data_quality"] = notebook(
    "01_data_quality",
    """
    # Chất lượng dữ liệu / Data quality

    **Tiếng Việt.** Trang này cho biết dữ liệu vụ việc đã được đọc thế nào: bao nhiêu bản
    ghi đọc được, bao nhiêu được nhận, bao nhiêu bị loại (và vì sao), bao nhiêu được sửa
    (ví dụ: đổi chỗ kinh độ/vĩ độ, định vị theo trụ sở xã). Đọc từ trên xuống: nếu tỷ lệ bị
    loại cao, hãy sửa dữ liệu gốc trước khi tin các bản đồ phía sau. Bản đồ "Số vụ theo xã"
    chỉ hiển thị số liệu tổng hợp; xã có dưới 3 vụ được ẩn số.

    **English.** How the case records were read: records read, accepted, rejected (with
    the reason) and repaired (swapped coordinates, placed at the commune seat). Read top
    to bottom: if many rows were rejected, fix the source before trusting the maps that
    follow. The "cases per commune" map shows aggregates only; communes with fewer than
    3 cases show no number.
    """,
    "",
    [
        *bi(
            """
            ## Đọc và kiểm tra
            Bản ghi đọc được = được nhận + bị loại, luôn luôn.
            """,
            """
            ## Reading and checks
            Records read = accepted + rejected, always.
            """,
        ),
        code("""
        from hotspots.maps.labels import REASONS_VI

        ing = inputs.ingest
        counts = pd.Series(ing.to_dict()).drop(["by_reason", "flagged"])
        counts = counts.rename({"rows_read": L("Bản ghi đọc được", "Records read"),
                                "accepted": L("Được nhận", "Accepted"),
                                "quarantined": L("Bị loại", "Rejected")})
        display(counts.to_frame(L("số bản ghi", "records")))
        reasons = ing.summary()
        if lang == "vi":  # words, not codes: "định vị tại trụ sở xã", not geocoded_commune
            reasons = pd.DataFrame({
                "Kết quả": reasons["outcome"].map({"flagged": "nhận, có sửa",
                                                   "quarantined": "bị loại"}),
                "Lý do": reasons["reason"].map(REASONS_VI).fillna("khác"),
                "Số bản ghi": reasons["rows"]})
        display(reasons.set_index(reasons.columns[0]))
        out.headline(
            f"{ing.rows_read} bản ghi đọc được, {ing.accepted} được nhận, "
            f"{ing.quarantined} bị loại",
            f"{ing.rows_read} records read, {ing.accepted} accepted, "
            f"{ing.quarantined} rejected",
        )
        out.table(ing.summary(), "data_quality_reasons", "Lý do loại/sửa bản ghi",
                  "Reasons for rejected or repaired records")
        """),
        *bi(
            """
            ## Vụ việc theo năm và vai trò địa điểm
            Vai trò: nơi nạn nhân cư trú, nơi lôi kéo, tuyển mộ, trung chuyển, xuất cảnh,
            giải cứu...
            """,
            """
            ## Cases by year and role of the place
            Role: victim's home, recruitment, transit, exit, rescue...
            """,
        ),
        code("""
        from hotspots.maps.labels import label

        by_year = (cases.assign(year=cases["occurred_at"].dt.year)
                   .pivot_table(index="year", columns="role", values="case_id",
                                aggfunc="nunique", fill_value=0))
        by_year = by_year.rename(columns=lambda r: label(r, lang))
        by_year.index.name = label("year", lang)
        by_year.columns.name = label("role", lang)
        display(by_year)
        fig, ax = plt.subplots(figsize=(8, 3.5))
        by_year.plot.bar(stacked=True, ax=ax)
        ax.set_ylabel(L("số vụ", "cases"))
        ax.tick_params(axis="x", labelrotation=0)
        ax.legend(title=label("role", lang), loc="upper left", bbox_to_anchor=(1.01, 1))
        fig.tight_layout()
        ax.set_title(L("Vụ việc theo năm", "Cases per year")
                     + (" — SYNTHETIC / DỮ LIỆU GIẢ LẬP" if synthetic else ""))
        out.figure(fig, "cases_per_year", "Vụ việc theo năm", "Cases per year")
        display(fig)
        plt.close(fig)
        """),
        *bi(
            """
            ## Số vụ theo xã
            Bản đồ ngoại tuyến (mở được khi không có mạng; đường dẫn ở đầu trang) và lớp
            GeoPackage cho QGIS.
            """,
            """
            ## Cases per commune
            Offline map (opens without a network; linked at the top of the page) and a
            GeoPackage layer for QGIS.
            """,
        ),
        code("""
        from hotspots import geodata
        from hotspots.maps import cases_per_commune_map
        from hotspots.maps.labels import label
        from hotspots.privacy import aggregate_for_sharing

        m = cases_per_commune_map(cases, province, lang=lang, privacy=privacy,
                                  synthetic=synthetic, threshold=suppress_below)
        out.map(m, "cases_per_commune", "Số vụ theo xã", "Cases per commune")
        communes = geodata.commune_areas(province)
        per_commune = aggregate_for_sharing(cases, communes, on=("commune_code", "code"),
                                            threshold=suppress_below)
        out.layer(per_commune, "cases_per_commune", "Số vụ theo xã", "Cases per commune")
        top = per_commune.sort_values("cases", ascending=False).head(10)
        display(top[["name", "cases", "victims"]].rename(columns=lambda c: label(c, lang))
                .set_index(label("name", lang)))
        """),
        code("""
        out.save("Chất lượng dữ liệu", "Data quality")
        """),
    ],
    imports="import matplotlib.pyplot as plt\nimport pandas as pd\n",
)

NOTEBOOKS["02_key_areas"] = notebook(
    "02_key_areas",
    """
    # Địa bàn trọng điểm / Key areas

    **Tiếng Việt.** Địa bàn trọng điểm là những vùng mà số vụ việc cao hơn hẳn xung quanh,
    một cách có ý nghĩa thống kê (không phải do ngẫu nhiên). Có hai loại: **địa bàn hoạt
    động** (nơi tuyển mộ, trung chuyển, xuất cảnh, giải cứu) để bố trí lực lượng, và
    **địa bàn nguồn** (nơi nạn nhân cư trú) để tuyên truyền, phòng ngừa. Mỗi địa bàn có
    thứ hạng, điểm số và các con số giải thích: số vụ, số nạn nhân, mức ý nghĩa (z), xu
    hướng (mới nổi, tăng, ổn định...). Bảng so sánh các phương pháp cho thấy kết quả có
    vững hay không.

    **English.** Key areas are where cases are markedly more frequent than around them,
    beyond chance. Two kinds: **operational** (recruitment, transit, exit, rescue) to
    deploy forces, and **origin** (victims' homes) for awareness work. Each area has a
    rank, a score and the numbers behind it: cases, victims, significance (z), trend
    (new, intensifying, persistent...). The comparison of methods shows whether the
    result is robust.
    """,
    """\
    top: int = 10  # key areas listed in the table
    """,
    [
        *bi(
            """
            ## So sánh phương pháp
            Cùng dữ liệu, cùng lưới ô.
            """,
            """
            ## Methods compared
            Same data, same grid.
            """,
        ),
        code("""
        from hotspots.areas.key_areas import key_areas
        from hotspots.maps.labels import label, localize_table, trend_key

        results = {m: key_areas(cases, method=m, cell=cell_m, area=province, seed=seed)
                   for m in methods}
        compare = pd.DataFrame([
            {"method": m, L("số địa bàn", "areas"): len(r.to_gdf()),
             L("số vụ trong địa bàn", "cases inside"): int(r.to_gdf()["cases"].sum()),
             "km²": float(r.to_gdf()["area_km2"].sum())}
            for m, r in results.items()])
        display(localize_table(compare, lang, {"method": L("Phương pháp", "Method")},
                               words=["method"], index="method"))
        out.table(compare, "key_areas_methods", "So sánh phương pháp", "Methods compared")
        """),
        *bi(
            """
            ## Địa bàn trọng điểm hoạt động và nguồn
            Phương pháp chính là phương pháp đứng đầu trong danh sách phương pháp của báo cáo.
            """,
            """
            ## Operational and origin key areas
            The main method is the first of `methods`.
            """,
        ),
        code("""
        from hotspots.privacy import apply_privacy

        operational = results[methods[0]]
        origin = key_areas(cases, method=methods[0], cell=cell_m, area=province,
                           view="origin", seed=seed)
        shown = ["rank", "score", "cases", "victims", "z_max", "trend", "communes"]
        ops = operational.to_gdf()
        table = ops[[c for c in shown if c in ops]].head(top).copy()
        if "trend" in table:
            table["trend"] = table["trend"].map(lambda t: label(trend_key(t), lang))
        display(localize_table(table.round({"z_max": 1}), lang,
                               {"communes": label("communes_list", lang)}, index="rank"))
        for name, res, vi, en in [
            ("key_areas", operational, "Địa bàn trọng điểm hoạt động", "Operational key areas"),
            ("key_areas_origin", origin, "Địa bàn trọng điểm nguồn", "Origin key areas"),
        ]:
            layer = apply_privacy(res.to_gdf(), privacy, threshold=suppress_below)
            out.layer(layer, name, vi, en)
            cols = ["rank", "communes", "cases", "victims", "trend"]
            out.index_table(layer[[c for c in cols if c in layer]],  # named by commune
                            f"{vi}: 5 địa bàn đầu", f"{en}: the first 5", max_rows=5,
                            top=4 if name == "key_areas" else 5)
        out.headline(
            f"{len(ops)} địa bàn trọng điểm hoạt động, {len(origin.to_gdf())} địa bàn nguồn",
            f"{len(ops)} operational key areas, {len(origin.to_gdf())} origin key areas",
        )
        """),
        code("""
        from hotspots.maps import overview_map

        m = overview_map(province, cases=cases, key_areas=operational, lang=lang,
                         privacy=privacy, synthetic=synthetic, threshold=suppress_below,
                         title=L("Địa bàn trọng điểm", "Key areas"))
        out.map(m, "key_areas", "Bản đồ địa bàn trọng điểm", "Key areas map")
        m = overview_map(province, key_areas=origin, lang=lang, privacy=privacy,
                         synthetic=synthetic, threshold=suppress_below, exit_points=False,
                         title=L("Địa bàn trọng điểm nguồn", "Origin key areas"))
        out.map(m, "key_areas_origin", "Bản đồ địa bàn nguồn", "Origin key areas map")
        """),
        *bi(
            """
            ## Kiểm tra với dữ liệu giả lập
            Chỉ khi dữ liệu là giả lập: các địa bàn đã "cài" vào dữ liệu có được tìm thấy không.
            """,
            """
            ## Check against the synthetic truth
            Only for synthetic data: are the planted hot spots found?
            """,
        ),
        code("""
        from hotspots.report.truth import planted_areas_found

        truth = (inputs.truth or {}).get("key_areas")
        if truth is not None:
            check, hits = planted_areas_found(truth, ops, origin.to_gdf(), lang)
            display(check)
            print(L(f"Tìm thấy {hits}/{len(check)} địa bàn cài sẵn",
                    f"Found {hits}/{len(check)} planted areas"))
        else:
            print(L("Dữ liệu thật: không có đáp án để so.", "Real data: no planted truth."))
        """),
        code("""
        out.save("Địa bàn trọng điểm", "Key areas")
        """),
    ],
    imports="import pandas as pd\n",
)

NOTEBOOKS["03_key_lines"] = notebook(
    "03_key_lines",
    """
    # Tuyến trọng điểm / Key lines

    **Tiếng Việt.** Tuyến trọng điểm là những hành lang mà nhiều vụ việc cùng đi qua: từ
    nơi nạn nhân cư trú, qua các điểm trung chuyển, tới cửa khẩu hoặc lối mở biên giới.
    Mỗi tuyến có thứ hạng, số vụ, số nạn nhân, tỷ lệ trên tổng số hành trình, hướng đi,
    các xã đi qua và cửa khẩu gần điểm cuối. Tuyến càng đậm trên bản đồ, càng nhiều vụ.

    **English.** Key lines are corridors that many case journeys share: from the victims'
    homes, through transit points, to a border gate or crossing. Each line has a rank,
    cases, victims, its share of all journeys, direction, the communes it crosses and the
    gate near its end. The thicker the line on the map, the more cases.
    """,
    """\
    eps: float = 2000.0  # neighbourhood radius of the route clustering, metres
    min_routes: int = 5  # fewest cases a key line must carry
    top: int = 10  # key lines kept
    roads_path: Optional[str] = None  # roads GeoPackage (hotspots roads); None: bundled roads
    """,
    [
        code("""
        from hotspots.maps.labels import HEADINGS_VI, localize_table
        from hotspots.privacy import apply_privacy
        from hotspots.report.lines import key_lines_on_roads

        if routes is None or routes.empty:
            lines = None
            print(L("Dữ liệu không có hành trình (nhiều điểm mỗi vụ): không có tuyến.",
                    "The data have no journeys (several stops per case): no key lines."))
        else:  # along the roads (bundled major roads unless roads_path)
            lines, notes = key_lines_on_roads(routes, province, roads_path, lang, eps=eps,
                                              min_routes=min_routes, top=top)
            print(*notes, sep="; ")
            kl = lines.to_gdf()
            shown = ["rank", "cases", "victims", "share", "length_km", "heading", "gate",
                     "itinerary", "n_communes"]
            table = kl[[c for c in shown if c in kl]].round({"length_km": 1})
            if "share" in table:
                table["share"] = (table["share"] * 100).round(1)
            if "heading" in table and lang == "vi":
                table["heading"] = table["heading"].map(HEADINGS_VI).fillna(table["heading"])
            names = {"share": L("Tỷ lệ (%)", "Share (%)"),
                     "n_communes": L("Số xã, phường", "Communes")}
            display(localize_table(table, lang, names, index="rank"))
            out.layer(apply_privacy(kl, privacy, threshold=suppress_below), "key_lines",
                      "Tuyến trọng điểm", "Key lines")
            out.table(apply_privacy(kl, privacy, threshold=suppress_below)
                      .drop(columns="geometry"), "key_lines", "Tuyến trọng điểm",
                      "Key lines")
            gate = kl["gate"].iloc[0] if len(kl) else None
            known = isinstance(gate, str) and gate and gate != "unknown"
            shared = apply_privacy(kl, privacy, threshold=suppress_below)
            cols = ["rank", "gate", "cases", "victims", "length_km", "communes"]
            out.index_table(shared[[c for c in cols if c in shared]], "Tuyến trọng điểm",
                            "Key lines")
            top_gate = gate if known else L("biên giới (không rõ cửa khẩu)", "the border (no known gate)")
            out.headline(f"{len(kl)} tuyến trọng điểm; tuyến 1 hướng về {top_gate}",
                         f"{len(kl)} key lines; line 1 leads to {top_gate}")
        """),
        code("""
        from hotspots.maps import overview_map

        if lines is not None:
            m = overview_map(province, key_lines=lines, lang=lang, privacy=privacy,
                             synthetic=synthetic, threshold=suppress_below,
                             title=L("Tuyến trọng điểm", "Key lines"))
            out.map(m, "key_lines", "Bản đồ tuyến trọng điểm", "Key lines map")
        """),
        *bi("## Kiểm tra với dữ liệu giả lập", "## Check against the synthetic truth"),
        code("""
        import pandas as pd

        from hotspots.maps.labels import label

        truth = (inputs.truth or {}).get("key_lines")
        if truth is not None and lines is not None:
            gates = set(kl["gate"])
            check = pd.DataFrame({
                L("Hành lang cài sẵn", "Planted corridor"): truth["corridor"],
                label("gate", lang): truth["gate"], label("cases", lang): truth["cases"],
                L("Tìm thấy", "Found"): truth["gate"].isin(gates).map(
                    {True: L("có", "yes"), False: L("không", "no")})})
            display(check.set_index(check.columns[0]))
        else:
            print(L("Không có đáp án để so.", "No planted truth to compare with."))
        """),
        code("""
        out.save("Tuyến trọng điểm", "Key lines")
        """),
    ],
)

NOTEBOOKS["04_patrol_plan"] = notebook(
    "04_patrol_plan",
    """
    # Kế hoạch tuần tra, chốt kiểm soát / Patrol and checkpoint plan

    **Tiếng Việt.** Từ địa bàn và tuyến trọng điểm tới kế hoạch của cả tuần: vị trí đặt
    **chốt kiểm soát** trên các tuyến để chặn được nhiều hành trình nhất, và **lịch tuần
    tra** bảy ngày của từng tổ công tác qua các địa bàn trọng điểm (mỗi ngày một ca, dừng
    10–15 phút mỗi điểm; ca và ngày được bốc ngẫu nhiên để không ai đoán trước được). Kế
    hoạch bắt đầu từ thứ Hai tới (hoặc ngày đã chọn). Bản đồ tổng hợp ghép tất cả và lọc
    được theo ngày, theo tổ; bản in và tệp GPX (nạp vào máy định vị) đi kèm.

    **English.** From key areas and key lines to a week's plan: **checkpoint** sites on
    the corridors that intercept the most journeys, and seven days of **patrols** of each
    unit over the key areas (one shift a day, 10–15 minutes at each stop; days and shifts
    are drawn at random so nobody can tell them in advance). The plan starts next Monday
    (or on `plan_start`). The overview map shows everything and filters by day and unit;
    a printable plan and a GPX file (for GPS devices) come with it.
    """,
    """\
    checkpoints: int = 2  # checkpoint teams per shift (rotating over the sites of the key lines)
    units: int = 4  # patrol units (one at each base nearest to the key areas)
    days: int = 7  # days in the plan, from plan_start
    shift_hours: float = 8.0  # length of a shift, hours
    dwell_min: float = 12.0  # minutes at each stop (10–15)
    solver_seconds: float = 5.0  # time limit of the checkpoint solver, seconds
    week_seconds: float = 20.0  # routing time for the whole week, seconds
    units_path: Optional[str] = None  # units file; "synthetic": demo units; None: nearest bases
    strategy: str = "stackelberg"  # checkpoint rotation: "stackelberg", "fixed" or "uniform"
    roads_path: Optional[str] = None  # roads GeoPackage (hotspots roads); None: bundled roads
    """,
    [
        *bi(
            """
            Địa bàn và tuyến được đọc từ trang 02 và 03 của chính lần chạy này, nếu có;
            nếu không (hoặc lớp trong thư mục là của lần chạy khác) thì được tính lại.
            Dòng dưới đây cho biết đã làm cách nào.
            """,
            """
            Key areas and lines come from notebooks 02 and 03 of this same run when they
            wrote them; otherwise (or when the layers in the folder are from another run)
            they are recomputed. The lines below say which.
            """,
        ),
        code("""
        from hotspots.areas.key_areas import key_areas
        from hotspots.geodata import roads
        from hotspots.lines.key_lines import key_lines

        areas, said = out.reuse_layer("key_areas", "02_key_areas")
        print(said)
        if areas is None:
            areas = key_areas(cases, method=methods[0], cell=cell_m, area=province,
                              seed=seed).to_gdf()
        lines, said = out.reuse_layer("key_lines", "03_key_lines")
        if lines is None and routes is not None and not routes.empty:
            print(said)
            lines = key_lines(routes, top=10, network=roads_path or roads(province)).to_gdf()
        elif lines is None:
            print(L("Dữ liệu không có hành trình: không có tuyến trọng điểm.",
                    "The data have no journeys: no key lines."))
        else:
            print(said)
        """),
        *bi("## Chốt kiểm soát", "## Checkpoints"),
        code("""
        from hotspots.plan import site_checkpoints
        from hotspots.report.week import checkpoint_table

        cp = None
        if lines is not None and len(lines):
            cp = site_checkpoints(lines, p=checkpoints, time_limit=solver_seconds)
            sites = cp.to_gdf()
            display(checkpoint_table(sites, lang).set_index(L("Số", "No.")))
            print(L(f"Chặn được {cp.share:.0%} lưu lượng trên các tuyến",
                    f"Intercepts {cp.share:.0%} of the flow on the key lines"))
            out.layer(sites, "checkpoints", "Chốt kiểm soát", "Checkpoints")
            out.headline(f"{len(sites)} chốt kiểm soát chặn {cp.share:.0%} lưu lượng",
                         f"{len(sites)} checkpoints intercept {cp.share:.0%} of the flow")
        """),
        *bi(
            """
            ## Lịch tuần tra cả tuần
            Mỗi tổ xuất phát từ đồn, trạm gần địa bàn trọng điểm nhất. Bảng thứ nhất: việc
            của từng tổ trong tuần; bảng thứ hai: lộ trình từng ngày (số là thứ hạng địa
            bàn). Bản in đầy đủ (giờ đến, giờ rời từng điểm) có đường dẫn ở đầu trang.
            """,
            """
            ## The week's patrols
            Each unit starts from the post or gate nearest to the key areas. First table:
            what each unit does in the week; second: the route of every day (numbers are
            key-area ranks). The printable plan (arrival and departure at every stop) is
            linked at the top of the page.
            """,
        ),
        code("""
        from hotspots.config import plan_start_date
        from hotspots.maps.labels import label
        from hotspots.plan import province_roads, weekly_schedule
        from hotspots.report.week import (day_schedule, rotate_checkpoints, unit_tasks,
                                          week_units, write_week)

        start = plan_start_date(plan_start)  # next Monday in Asia/Ho_Chi_Minh unless given
        teams, said = week_units(province, areas, units_path, units, shift_hours, lang)
        print(said)
        travel = province_roads(province, roads=roads_path)  # bundled roads unless given
        plan = weekly_schedule(areas, teams, travel, days=days, start_date=start.isoformat(),
                               shift_hours=shift_hours, dwell_min=dwell_min,
                               time_limit=week_seconds, seed=seed)
        plan.checkpoints = cp
        game = schedule = None
        if cp is not None:  # checkpoint teams rotate so that traffickers cannot predict them
            game, schedule = rotate_checkpoints(lines, plan, checkpoints, strategy, seed,
                                                time_limit=solver_seconds * 4)
        display(unit_tasks(plan, lang).set_index(label("unit", lang)))
        display(day_schedule(plan, lang).set_index(L("Ngày", "Day")))
        week = write_week(out, plan, synthetic, game, schedule)  # layer, GPX, print, index
        """),
        *bi("## Bản đồ tổng hợp", "## Overview map"),
        code("""
        from hotspots.maps import overview_map

        m = overview_map(province, cases=cases, key_areas=areas, key_lines=lines,
                         checkpoints=None if cp is None else cp.to_gdf(), patrol_routes=plan,
                         lang=lang, privacy=privacy, synthetic=synthetic,
                         threshold=suppress_below,
                         title=L("Kế hoạch tuần: địa bàn, tuyến, chốt, tuần tra",
                                 "The week's plan: areas, lines, checkpoints, patrols"))
        out.map(m, "overview", "Bản đồ kế hoạch tuần: địa bàn, tuyến, chốt, tuần tra",
                "The week's plan map: key areas, key lines, checkpoints, patrols")
        out.save("Kế hoạch tuần tra, chốt kiểm soát", "Patrol and checkpoint plan")
        """),
    ],
)

NOTEBOOKS["05_backtest"] = notebook(
    "05_backtest",
    """
    # Kiểm định dự báo / Backtest

    **Tiếng Việt.** Phương pháp nào chỉ ra đúng nơi sẽ xảy ra vụ việc? Ta "quay ngược thời
    gian": chỉ dùng dữ liệu trước một ngày, vẽ bản đồ rủi ro, rồi đếm xem các vụ của giai
    đoạn sau rơi vào bao nhiêu phần trăm diện tích được chỉ ra. **Tỷ lệ trúng**: phần vụ
    việc nằm trong vùng được chọn; **PAI**: tỷ lệ trúng chia cho phần diện tích (PAI = 5
    nghĩa là vùng được chọn "đậm đặc" gấp 5 lần trung bình). Phương pháp chỉ đáng dùng
    khi hơn hẳn cách đơn giản (nơi nhiều vụ nhất trước đây).

    **English.** Which method points at where the next cases happen? We go back in time:
    use only the data before a date, draw the risk map, and count how many of the next
    period's cases fall in the top few percent of the area. **Hit rate**: the share of
    cases inside the selected area; **PAI**: hit rate divided by area share (PAI = 5:
    five times denser than average). A method is worth using only if it beats the simple
    baseline (`naive`: where most cases were before).
    """,
    """\
    backtest_methods: list = ["kde", "prospective"]  # methods to test (plus naive baselines)
    train: str = "365D"  # training period before each test window
    test: str = "90D"  # length of each test window
    windows: int = 4  # number of most recent test windows
    backtest_cell_m: float = 2000.0  # grid cell of the backtest, metres
    """,
    [
        code("""
        from hotspots.data.ingest import resolve_area
        from hotspots.evaluate import backtest
        from hotspots.maps.labels import localize_table

        study_area = resolve_area(area, province)
        bt = backtest(cases, methods=backtest_methods, cell=backtest_cell_m, area=study_area,
                      train=train, test=test, max_windows=windows, seed=seed)
        summary = bt.summary()
        view = summary[[c for c in ("method", "coverage_pct", "hit_rate", "pai") if c in summary]]
        view = view.assign(hit_rate=(view["hit_rate"] * 100).round(1), pai=view["pai"].round(1))
        display(localize_table(view, lang, {"hit_rate": L("Tỷ lệ trúng (%)", "Hit rate (%)"),
                                            "pai": "PAI"}, words=["method"], index="method"))
        out.table(summary, "backtest_summary", "Kết quả kiểm định", "Backtest summary")
        """),
        *bi(
            "## So với cách đơn giản, ở 5% diện tích",
            "## Against the naive baseline at 5% of the area",
        ),
        code("""
        from hotspots.maps.labels import label, localize_table

        cmp5 = bt.compare(5.0)
        names = {"method": L("Phương pháp", "Method"),
                 "mean_hit_rate": L("Tỷ lệ trúng (%)", "Hit rate (%)"),
                 "mean_pai": "PAI",
                 "naive_mean_hit_rate": L("Cách đơn giản (%)", "Naive (%)"),
                 "ratio_to_baseline": L("Gấp cách đơn giản (lần)", "Times the naive rate"),
                 "wins": L("Số kỳ tốt hơn", "Windows better"),
                 "windows": L("Số kỳ kiểm tra", "Windows")}
        view = cmp5[[c for c in names if c in cmp5]].copy()
        for c in ("mean_hit_rate", "naive_mean_hit_rate"):
            view[c] = (view[c] * 100).round(1)
        view = view.round({"mean_pai": 1, "ratio_to_baseline": 2})
        display(localize_table(view, lang, names, words=["method"], index="method"))
        out.table(cmp5, "backtest_vs_naive", "So với cách đơn giản (5%)",
                  "Against the naive baseline (5%)")
        fig = bt.plot()
        fig = getattr(fig, "figure", fig)
        for ax in fig.axes:  # the library draws English axes and method names
            ax.set_xlabel(label("coverage_pct", lang))
            if ax.get_ylabel() == "hit rate":
                ax.set_ylabel(label("hit_rate", lang))
            if ax.get_legend() is not None:
                for text in ax.get_legend().get_texts():
                    text.set_text(label(text.get_text(), lang))
        fig.suptitle("")
        if synthetic:
            fig.suptitle("SYNTHETIC / DỮ LIỆU GIẢ LẬP", color="crimson")
        out.figure(fig, "backtest", "Tỷ lệ trúng và PAI", "Hit rate and PAI")
        best = cmp5[~cmp5["method"].str.startswith("naive")].sort_values("mean_hit_rate").iloc[-1]
        out.headline(
            f"Ở 5% diện tích, {label(best['method'], 'vi')} chỉ đúng {best['mean_hit_rate']:.0%} vụ của giai "
            f"đoạn sau (cách đơn giản: {best['naive_mean_hit_rate']:.0%})",
            f"On 5% of the area, {label(best['method'], 'en')} caught {best['mean_hit_rate']:.0%} of the next "
            f"period's cases (naive: {best['naive_mean_hit_rate']:.0%})",
        )
        display(fig)
        plt.close(fig)
        """),
        code("""
        out.save("Kiểm định dự báo", "Backtest")
        """),
    ],
    imports="import matplotlib.pyplot as plt\n",
)

NOTEBOOKS["06_program_kpis"] = notebook(
    "06_program_kpis",
    """
    # Chỉ tiêu chương trình / Programme KPIs

    **Tiếng Việt.** So sánh kết quả từng năm với chỉ tiêu của Chương trình phòng, chống
    mua bán người: 100% tố giác, tin báo được tiếp nhận, phân loại; giải quyết trên 90%;
    điều tra, khám phá trên 90% số án khởi tố; 95% số vụ án được giải quyết, truy tố; 90%
    được giải quyết, xét xử. Mỗi tỷ lệ tính theo năm của bước trước (ví dụ: án khởi tố năm
    2024 đã được khám phá chưa). Đơn vị (xã) dưới chỉ tiêu được đánh dấu. Số liệu của năm
    gần nhất có thể chưa đầy đủ vì vụ việc còn đang xử lý.

    **English.** Each year's results against the programme's targets: 100% of reports
    received and classified; more than 90% resolved; more than 90% of opened cases
    investigated and solved; 95% prosecuted; 90% brought to trial. Each rate counts the
    cases of the year they reached the previous step (for example: of the cases opened in
    2024, how many are solved). Units (communes) under target are flagged. The latest
    year may look low because cases are still in progress.
    """,
    """\
    unit_column: str = "commune_code"  # column of the responsible unit (commune, police unit)
    """,
    [
        code("""
        from hotspots.data.schema import STATUS_FIELDS
        from hotspots.kpi import programme_kpis
        from hotspots.report.kpis import with_targets

        # years after the newest status date: the statuses were extracted before those
        # reports came in, so every one would count as "not received"; leave them out
        status_dates = [cases[c] for c in STATUS_FIELDS if c in cases]
        newest = max((d.max() for d in status_dates if d.notna().any()), default=None)
        kpi_years = None
        if newest is not None:
            kpi_years = range(1900, newest.year + 1)  # every year up to the newest status
            later = cases["reported_at"].dt.year > newest.year if "reported_at" in cases else []
            if len(later) and later.any():
                n_later = cases.loc[later, "case_id"].nunique()
                print(L(f"Bỏ {n_later} vụ báo sau năm {newest.year} (ngày cập nhật "
                        "trạng thái mới nhất).",
                        f"Left out {n_later} cases reported after {newest.year} "
                        "(the newest status date)."))
        overall = programme_kpis(cases, years=kpi_years)
        wide = with_targets(overall, lang)  # last row: targets as written ("> 90%", "95%")
        display(wide)
        out.table(overall.wide(lang), "kpis_by_year", "Chỉ tiêu theo năm (%)",
                  "KPIs per year (%)")
        out.index_table(wide, "Chỉ tiêu theo năm (%)", "KPIs per year (%)")
        fig = overall.plot(lang=lang, synthetic=synthetic)
        out.figure(fig, "kpis", "Chỉ tiêu chương trình", "Programme KPIs")
        display(fig)
        plt.close(fig)
        """),
        *bi(
            """
            ## Đơn vị dưới chỉ tiêu
            Ở mức chia sẻ, số liệu của đơn vị có ít vụ (dưới ngưỡng ẩn số) không được hiện:
            các đơn vị này được đếm riêng, không đánh giá.
            """,
            """
            ## Units under target
            At the shareable level, numbers of units with fewer than `suppress_below` cases
            are hidden: those units are counted apart, not judged.
            """,
        ),
        code("""
        from hotspots import geodata
        from hotspots.report.kpis import not_judged, under_target_table

        by_unit = programme_kpis(cases, by=unit_column, years=kpi_years)
        if privacy == "shareable":
            by_unit = by_unit.suppress(suppress_below)
        under = by_unit.under_target()
        names = (geodata.communes(province).set_index("code")["name"]
                 if unit_column == "commune_code" else None)
        if names is not None:
            under.insert(2, "commune", under["unit"].map(names))
        shown = under_target_table(by_unit, names, lang)  # only units whose numbers show
        display(shown.set_index([L("Năm", "Year"), L("Đơn vị", "Unit")]))
        out.table(under, "kpis_under_target", "Đơn vị dưới chỉ tiêu", "Units under target")
        out.table(by_unit.table, "kpis_by_unit", "Chỉ tiêu theo đơn vị và năm",
                  "KPIs per unit and year")
        # latest year where most targets can be judged (a year that has only begun is not)
        judged = overall.table[overall.table["denominator"] > 0].groupby("year").size()
        last = int(judged[judged >= 3].index.max() if (judged >= 3).any() else judged.index.max())
        missed = overall.table[(overall.table["year"] == last)
                               & overall.table["under_target"].fillna(False).astype(bool)]
        small = not_judged(by_unit, last)
        listed = shown[shown[L("Năm", "Year")] == last].drop(columns=L("Năm", "Year"))
        note = (L(f"{small} đơn vị ít hơn {suppress_below} vụ, không đánh giá",
                  f"{small} units with fewer than {suppress_below} cases, not judged")
                if small else None)
        out.index_table(listed, f"Đơn vị dưới chỉ tiêu năm {last}",
                        f"Units under target in {last}", max_rows=30, top=6, note_vi=note)
        if note:
            print(note)
        n_units = listed[L("Đơn vị", "Unit")].nunique()
        out.headline(
            f"Năm {last}: {len(missed)}/{overall.table.query('year == @last').shape[0]} "
            f"chỉ tiêu chưa đạt; {n_units} đơn vị dưới chỉ tiêu"
            + (f", {small} đơn vị ít vụ không đánh giá" if small else ""),
            f"{last}: {len(missed)} of {overall.table.query('year == @last').shape[0]} "
            f"targets missed; {n_units} units under a target"
            + (f", {small} units with few cases not judged" if small else ""),
        )
        out.save("Chỉ tiêu chương trình", "Programme KPIs")
        """),
    ],
    imports="import matplotlib.pyplot as plt\n",
)


NOTEBOOKS["07_victim_support"] = notebook(
    "07_victim_support",
    """
    # Hỗ trợ nạn nhân trong tầm với / Victim support within reach

    **Tiếng Việt.** Nạn nhân đến từ đâu, và sự hỗ trợ có ở gần họ không: thời gian đi từ
    mỗi xã và mỗi địa bàn trọng điểm nguồn tới cơ sở gần nhất của từng loại (cơ sở bảo
    trợ xã hội, cơ sở y tế, công an xã, trợ giúp pháp lý, điểm tiếp nhận), theo cùng mô
    hình di chuyển của kế hoạch tuần tra; tỷ lệ nạn nhân (theo nơi cư trú) ở trong tầm
    thời gian đã chọn (mặc định 60 phút), từng năm; các địa bàn nguồn ở ngoài tầm với.
    Sau đó: nên đặt thêm
    điểm tiếp nhận, hỗ trợ ở xã nào để phục vụ nhiều nạn nhân nhất (bài toán tối ưu giải
    chính xác, có ghi khoảng cách tối ưu), và nên ưu tiên tuyên truyền, nâng cao nhận
    thức ở xã nào. Chỉ có địa danh, không có thông tin cá nhân.

    **English.** Where victims come from, and whether help is near them: travel time from
    every commune and every origin key area to the nearest facility of each type
    (shelter, health, commune police, legal aid, reception point), by the travel model of
    the patrol plans; the share of victims (by home commune) within `limit_min` minutes,
    per year; the origin areas beyond reach. Then: in which communes new support points
    would serve the most victims (an exact optimisation, with its gap), and where to aim
    awareness work. Places only, never persons.
    """,
    """\
    facilities_path: Optional[str] = None  # facilities file; None: the demo set for synthetic data
    limit_min: float = 60.0  # minutes within which support counts as within reach
    new_sites: int = 3  # new support sites to propose (0: none)
    site_type: str = "shelter"  # type of the new sites: shelter, health, police, legal_aid, reception
    site_model: str = "cover"  # "cover" (most victims within limit_min) or "median" (least travel)
    awareness_communes: int = 5  # communes to aim awareness work at
    roads_path: Optional[str] = None  # roads GeoPackage (hotspots roads); None: bundled roads
    """,
    [
        *bi(
            """
            ## Cơ sở hỗ trợ
            Tệp cơ sở (CSV, XLSX, GeoPackage; tiêu đề tiếng Việt được): loại, tên, xã hoặc
            tọa độ, sức chứa, giờ mở cửa. Dòng sai được tách riêng kèm lý do. Với dữ liệu
            giả lập, dùng bộ cơ sở giả lập đặt tại trụ sở xã thật.
            """,
            """
            ## Support facilities
            The facilities file (CSV, XLSX, GeoPackage; Vietnamese headers accepted): type,
            name, commune or coordinates, capacity, opening hours. Bad rows are set apart
            with their reason. With synthetic data, the synthetic demo set at real commune
            seats is used.
            """,
        ),
        code("""
        from hotspots.support import analysis as sa
        from hotspots.support import tables as st
        from hotspots.support.maps import support_map

        fac, said = st.report_facilities(facilities_path, province, synthetic,
                                         out.root / "tables", lang)
        print(said)
        if fac is not None and len(fac.quarantine):
            display(fac.quarantine)
        areas, said = out.reuse_layer("key_areas_origin", "02_key_areas")
        print(said)
        areas = sa.origin_areas(cases, province) if areas is None else areas
        lines, said = out.reuse_layer("key_lines", "03_key_lines")
        print(said)  # recomputed on the roads from the case routes (None without routes)
        lines = sa.key_lines_from(routes, province, roads_path) if lines is None else lines
        """),
        *bi(
            """
            ## Nạn nhân trong tầm với
            Bảng: tỷ lệ nạn nhân (%) có nơi cư trú trong tầm thời gian đã chọn (mặc định 60
            phút) tới từng loại hỗ trợ, theo năm. Tiếp theo: các địa bàn trọng điểm nguồn
            còn ở ngoài tầm với,
            nhiều nạn nhân nhất trước (số dưới ngưỡng được ẩn).
            """,
            """
            ## Victims within reach
            Table: share of victims (%) whose home is within `limit_min` minutes of each
            type of support, per year. Then: the origin key areas still beyond reach, most
            victims first (counts below the threshold hidden).
            """,
        ),
        code("""
        an = None
        if fac is not None:
            an = sa.support_analysis(cases, fac.facilities, province,
                                     travel=sa.support_travel(province, roads_path),
                                     add=new_sites, limit=limit_min, site_type=site_type,
                                     model=site_model, awareness=awareness_communes,
                                     key_lines=lines, areas=areas)
            print(st.travel_text(an, lang))
            kpi = st.reach_kpi_table(an.victims_within, lang, suppress_below)
            display(kpi)
            out.table(kpi, "support_reach_kpis", f"Nạn nhân trong {limit_min:.0f} phút (%)",
                      f"Victims within {limit_min:.0f} min (%)")
            out.index_table(kpi, f"Nạn nhân trong {limit_min:.0f} phút của hỗ trợ (%)",
                            f"Victims within {limit_min:.0f} min of support (%)")
            far = st.beyond_table(an.beyond, lang, suppress_below)
            display(far)
            out.table(far, "support_beyond_reach", "Địa bàn nguồn ngoài tầm với",
                      "Origin areas beyond reach")
            out.index_table(far, f"Địa bàn nguồn ngoài {limit_min:.0f} phút của hỗ trợ",
                            f"Origin areas beyond {limit_min:.0f} min of support")
        """),
        *bi(
            """
            ## Nên đặt thêm điểm hỗ trợ ở đâu
            Chọn một số xã (mặc định 3, chưa có cơ sở của loại hỗ trợ đã chọn) để phục vụ
            nhiều nạn nhân nhất trong tầm thời gian đã chọn (hoặc ít thời gian đi nhất), có
            tính sức chứa nếu tệp có. Khoảng cách tối ưu 0% nghĩa là đã chứng minh là tốt
            nhất.
            """,
            """
            ## Where to add support
            `new_sites` communes (without a `site_type` facility) chosen to serve the most
            victims within `limit_min` minutes (or the least travel), with capacities when
            the file has them. A gap of 0% means proven optimal.
            """,
        ),
        code("""
        if an is not None and an.sites is not None:
            sites = st.new_sites_table(an.sites, an.siting, lang, suppress_below)
            display(sites)
            print(st.siting_text(an, lang))
            out.layer(st.sites_layer(an.sites, suppress_below), "support_new_sites",
                      "Điểm hỗ trợ đề xuất", "Proposed support sites")
            out.index_table(sites, "Điểm hỗ trợ đề xuất thêm", "Proposed new support sites",
                            note_vi=st.siting_text(an, "vi"), note_en=st.siting_text(an, "en"))
        """),
        *bi("## Xã cần ưu tiên tuyên truyền", "## Communes for awareness work"),
        code("""
        chosen = (an.awareness if an is not None else
                  sa.aim_awareness(cases, province, awareness_communes, key_lines=lines)[1])
        aware = st.awareness_table(chosen, lang)
        display(aware)
        out.table(aware, "support_awareness", "Xã cần ưu tiên tuyên truyền",
                  "Communes for awareness work")
        out.index_table(aware, "Xã cần ưu tiên tuyên truyền", "Communes for awareness work")
        out.headline(*st.awareness_headline(chosen))
        """),
        *bi("## Bản đồ", "## Map"),
        code("""
        if an is not None:
            m = support_map(an, province, synthetic=synthetic, lang=lang)
            out.map(m, "victim_support", "Bản đồ hỗ trợ nạn nhân", "Victim support map")
            out.layer(st.facilities_layer(an.facilities), "support_facilities",
                      "Cơ sở hỗ trợ nạn nhân", "Victim support facilities")
            out.layer(an.service_areas, "support_service_areas", "Vùng tiếp cận 30/60/120 phút",
                      "Service areas 30/60/120 min")
            out.headline(*st.reach_headline(an))
        out.save("Hỗ trợ nạn nhân trong tầm với", "Victim support within reach")
        """),
    ],
)


def build(folder: Path = HERE) -> list[Path]:
    """Write every notebook (without outputs) into ``folder``, formatted by ruff."""
    written = []
    for name, nb in NOTEBOOKS.items():
        path = folder / f"{name}.ipynb"
        nbformat.validate(nb)
        nbformat.write(nb, path)
        written.append(path)
    ruff = Path(sys.executable).with_name("ruff")
    if ruff.exists():  # same style as the rest of the code (``make lint`` checks it)
        config = ["--config", str(HERE.parent / "pyproject.toml")]
        subprocess.run([str(ruff), "format", "-q", *config, *map(str, written)], check=True)
    return written


if __name__ == "__main__":
    for p in build():
        print(p)
