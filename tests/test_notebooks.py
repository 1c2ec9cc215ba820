"""The report notebooks: structure (fast) and a full papermill run on small data (marked)."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import nbformat
import papermill
import pytest

from hotspots.config import NOTEBOOKS, validate_config
from hotspots.report.html import remote_references

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
STANDARD = set(validate_config({}).notebook_parameters("x", "out"))


def _load(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NB_DIR / f"{name}.ipynb", as_version=4)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_structure(name):
    nb = _load(name)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    declared = papermill.inspect_notebook(str(NB_DIR / f"{name}.ipynb"))
    # every parameter the runner passes is declared (else papermill would drop it silently)
    assert STANDARD <= set(declared)
    for pname, info in declared.items():
        assert info["inferred_type_name"] != "None", f"{pname} has no type annotation"
        assert info["help"], f"{pname} has no comment"
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "Tiếng Việt" in text and "English" in text
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "strip outputs"
    body = [c for c in code if "parameters" not in c.metadata.get("tags", [])]
    lines = [ln for c in body for ln in c.source.splitlines() if ln.strip()]
    assert len(lines) < 120  # thin: library calls only


def test_committed_notebooks_match_the_build_script(tmp_path):
    spec = importlib.util.spec_from_file_location("_nb_build", NB_DIR / "_build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for path in mod.build(tmp_path):
        assert path.read_text() == (NB_DIR / path.name).read_text(), (
            f"{path.name} differs from notebooks/_build.py: run python notebooks/_build.py"
        )


@pytest.fixture(scope="module")
def report(report_run):
    """The whole report on two years of synthetic data (run once per session, conftest)."""
    return report_run


@pytest.mark.notebooks
@pytest.mark.slow
def test_every_notebook_runs_and_exports(report):
    cur = report.current
    index = (cur / "index.html").read_text(encoding="utf-8")
    assert "DỮ LIỆU GIẢ LẬP" in index and remote_references(index) == []
    for name in NOTEBOOKS:
        page = (cur / "notebooks" / f"{name}.html").read_text(encoding="utf-8")
        assert remote_references(page) == [], name
        assert "SYNTHETIC / DỮ LIỆU GIẢ LẬP" in page, name
        assert "from hotspots" not in page, f"{name}: code is not excluded"
        assert "Traceback" not in page, name
        assert 'data-mime-type="application/vnd.jupyter.stderr"' not in page, f"{name}: warnings"
        assert f'href="notebooks/{name}.html"' in index
        executed = nbformat.read(cur / "notebooks" / f"{name}.ipynb", as_version=4)
        tags = [c.metadata.get("tags", []) for c in executed.cells]
        injected = [
            c for c, t in zip(executed.cells, tags, strict=True) if "injected-parameters" in t
        ]
        assert len(injected) == 1 and "synthetic = True" in injected[0].source
        if name in ("01_data_quality", "05_backtest", "06_program_kpis"):
            assert 'src="data:image/png;base64' in page, f"{name}: chart not shown"
        summary = json.loads((cur / "summaries" / f"{name}.json").read_text(encoding="utf-8"))
        assert summary["headlines"] or name == "05_backtest"
        for item in summary["outputs"]:
            assert (cur / item["path"]).exists(), item
            assert f'href="{item["path"]}"' in index
            if item["kind"] in ("map", "plan"):  # every page leads to its maps
                assert f'href="../{item["path"]}"' in page, (name, item["path"])
        assert 'href="../index.html"' in page, f"{name}: no way back to the index"
        assert "English." not in page, f"{name}: the English text is on a Vietnamese page"


@pytest.mark.notebooks
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Non-conformant content:RuntimeWarning")
def test_report_layers_maps_and_manifest(report):
    import geopandas as gpd

    cur = report.current
    for layer in (
        "cases_per_commune",
        "key_areas",
        "key_areas_origin",
        "key_lines",
        "checkpoints",
        "patrol_routes",
    ):
        gdf = gpd.read_file(cur / "layers" / f"{layer}.gpkg")
        assert len(gdf) > 0, layer
        assert "case_id" not in gdf.columns
        assert set(gdf["data"]) == {"SYNTHETIC / DỮ LIỆU GIẢ LẬP"}
    for m in ("cases_per_commune", "key_areas", "key_lines", "overview"):
        html = (cur / "maps" / f"{m}.html").read_text(encoding="utf-8")
        assert "DỮ LIỆU GIẢ LẬP" in html and remote_references(html) == []
    man = report.manifest
    assert man["synthetic"] is True and man["privacy"] == "shareable"
    assert man["privacy_check"].startswith("passed")
    assert set(NOTEBOOKS) <= set(man["timings_s"])
    paths = {o["path"] for o in man["outputs"]}
    assert "maps/overview.html" in paths and "index.html" in paths
    # the KPI table is there and aggregated (no case ids)
    kpis = (cur / "tables" / "kpis_by_unit.csv").read_text(encoding="utf-8-sig")
    assert kpis.splitlines()[0].startswith("year,unit,kpi,numerator,denominator")


@pytest.mark.notebooks
@pytest.mark.slow
@pytest.mark.browser
def test_report_pages_open_offline_without_errors(report):
    from browser import check_html

    pages = [report.current / "index.html"]
    pages += sorted((report.current / "notebooks").glob("*.html"))
    pages.append(report.current / "maps" / "overview.html")
    for page in pages:
        r = check_html(page, name=f"report_{page.stem}")
        assert r.console_errors == [], (page.name, r.console_errors)
        assert r.requests == [], (page.name, r.requests)


@pytest.mark.notebooks
@pytest.mark.slow
def test_notebook_runs_alone_with_its_defaults(tmp_path):
    """As in JupyterLab: default parameters (synthetic data), only the output folder set."""
    out = tmp_path / "nb"
    papermill.execute_notebook(
        str(NB_DIR / "06_program_kpis.ipynb"),
        str(tmp_path / "06.ipynb"),
        parameters={"output_dir": str(out)},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(tmp_path),
    )
    assert (out / "tables" / "kpis_under_target.csv").exists()
    assert (out / "figures" / "kpis.png").exists()


@pytest.mark.notebooks
@pytest.mark.slow
def test_the_week_plan_is_in_the_report(report):
    """Notebook 04 plans the whole week from plan_start; the index shows it first."""
    from conftest import PLAN_START

    cur = report.current
    index = (cur / "index.html").read_text(encoding="utf-8")
    week = index[index.index('id="week"') : index.index("</section>", index.index('id="week"'))]
    # 2031-03-03 is a Monday: the plan runs to Sunday 09/03/2031
    assert "Kế hoạch từ thứ Hai 03/03/2031 đến Chủ nhật 09/03/2031" in week
    assert 'href="plan/ke_hoach_tuan_tra.html"' in week
    for caption in (
        "Việc của từng tổ trong tuần",
        "Lịch tuần tra từng ngày",
        "Chốt luân phiên: nơi đặt chốt thay đổi theo ca",
        "Địa bàn trọng điểm hoạt động: 5 địa bàn đầu",
        "Địa bàn trọng điểm nguồn: 5 địa bàn đầu",
    ):
        assert caption in week, caption
    assert "Tổ 1" in week and "Tổ 2" in week  # units=2: one row per unit
    for day in ("Thứ Hai 03/03", "Chủ Nhật 09/03"):
        assert day in week
    assert "2026" not in week  # nothing from a fixed calendar date
    printable = (cur / "plan" / "ke_hoach_tuan_tra.html").read_text(encoding="utf-8")
    assert "Từ ngày 03/03/2031 đến ngày 09/03/2031" in printable
    assert printable.count("<h2>Ngày ") == 7
    gpx = (cur / "layers" / "patrol_plan.gpx").read_text(encoding="utf-8")
    names = re.findall(r"<trk>\s*<name>([^<]*)</name>\s*<desc>([^<]*)</desc>", gpx)
    assert names and all("GIẢ LẬP" in n and "SYNTHETIC" in d for n, d in names)
    page = (cur / "notebooks" / "04_patrol_plan.html").read_text(encoding="utf-8")
    # the layers of 02 and 03 were written by this run: reused, and the page says so
    assert "Địa bàn trọng điểm: dùng lại kết quả của trang" in page
    assert report.manifest["plan_start"] == PLAN_START
    assert report.manifest["data_period"]["first"] < report.manifest["data_period"]["last"]
    header = index[: index.index("</header>")]
    first, last = report.manifest["data_period"]["first"], report.manifest["data_period"]["last"]
    dmy = "/".join(reversed(first.split("-"))), "/".join(reversed(last.split("-")))
    assert f"Dữ liệu: từ ngày {dmy[0]} đến ngày {dmy[1]}" in header
