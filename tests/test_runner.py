"""The report runner: publication, manifest, failures, parameter rejection, lock, kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

from hotspots.cli import main
from hotspots.config import validate_config
from hotspots.errors import ConfigError
from hotspots.report import ReportLockedError, ReportRunError, RunLock, run_report
from hotspots.report.html import remote_references
from hotspots.report.manifest import sha256_file
from hotspots.report.publish import publish, staging_dir

PARAMS = textwrap.dedent(
    """
    data_path: str = "synthetic"  # case records
    output_dir: str = "."  # where outputs go
    lang: str = "vi"  # language
    privacy: str = "shareable"  # privacy level
    synthetic: bool = False  # synthetic data?
    threshold: int = 5  # a notebook-specific parameter
    """
)


def _notebook(path: Path, *code: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    p = nbformat.v4.new_code_cell(PARAMS)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# Trang {path.stem}"), p]
    nb.cells += [nbformat.v4.new_code_cell(textwrap.dedent(c)) for c in code]
    nbformat.write(nb, path)


WRITE_TABLE = """
import pathlib
from hotspots.report import NotebookOutputs
out = NotebookOutputs(output_dir, "{name}", lang=lang, privacy=privacy, synthetic=synthetic)
table = pathlib.Path(output_dir, "tables", "{name}_counts.csv")
table.parent.mkdir(exist_ok=True)
table.write_text("commune,cases\\nA,7\\nB,9\\n")
out.file(table, "Số vụ theo xã", "Cases per commune", kind="table")
out.headline("Tổng {name}: 16 vụ", "Total {name}: 16 cases")
out.save("Tiêu đề {name}", "Title {name}")
print("SECRET_CODE_MARKER" + "_IS_NOT_OUTPUT", threshold * 2)
"""


@pytest.fixture()
def setup(tmp_path: Path):
    nbdir = tmp_path / "nbs"
    nbdir.mkdir()
    _notebook(nbdir / "a_first.ipynb", WRITE_TABLE.format(name="a_first"))
    _notebook(nbdir / "b_second.ipynb", WRITE_TABLE.format(name="b_second"))
    _notebook(nbdir / "c_fails.ipynb", "x = 1", "raise ValueError('planted failure')")
    _notebook(
        nbdir / "d_sleeps.ipynb",
        "import pathlib, time\npathlib.Path(output_dir, 'started').write_text('1')\n"
        "time.sleep(120)",
    )
    data = tmp_path / "cases.csv"
    data.write_text("case_id,victim_name,lat,lon\nc1,Nguyễn Thị Canary,22.3,104.0\n")
    base = {
        "data": str(data),
        "province": "Lào Cai",
        "out": str(tmp_path / "out"),
        "notebooks_dir": str(nbdir),
        "notebooks": ["a_first", "b_second"],
    }
    return tmp_path, base


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): sha256_file(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_run_publishes_report_with_manifest_and_codefree_html(setup):
    tmp, base = setup
    cfg = validate_config(base | {"notebook_params": {"b_second": {"threshold": 21}}})
    res = run_report(cfg, progress=False)
    out = tmp / "out"
    assert (out / "current").is_symlink()
    assert res.folder == (out / "current").resolve()
    assert res.folder.parent == out / "runs"
    assert not list(out.glob(".staging-*"))
    index = (out / "current" / "index.html").read_text(encoding="utf-8")
    assert "Tiêu đề a_first" in index and "Tổng b_second: 16 vụ" in index
    assert 'href="notebooks/a_first.html"' in index and 'href="tables/b_second_counts.csv"' in index
    assert remote_references(index) == []
    assert (out / "index.html").read_text().count("current/index.html") >= 1

    m = json.loads((out / "current" / "manifest.json").read_text(encoding="utf-8"))
    assert m == res.manifest
    assert m["privacy"] == "shareable" and m["synthetic"] is False
    assert m["parameters"]["notebook_params"] == {"b_second": {"threshold": 21}}
    assert m["parameters"]["data"] == "cases.csv"  # no absolute paths in a shared manifest
    assert m["input"]["files"][0]["sha256"] == sha256_file(tmp / "cases.csv")
    assert set(m["timings_s"]) >= {"a_first", "b_second", "total"}
    assert m["versions"]["papermill"] and m["versions"]["python"]
    assert m["privacy_check"].startswith("passed")
    listed = {o["path"]: o for o in m["outputs"]}
    on_disk = _snapshot(out / "current")
    del on_disk["manifest.json"]
    assert {k: v["sha256"] for k, v in listed.items()} == on_disk
    for path, o in listed.items():
        assert o["bytes"] == (out / "current" / path).stat().st_size

    page = (out / "current" / "notebooks" / "b_second.html").read_text(encoding="utf-8")
    assert "SECRET_CODE_MARKER_IS_NOT_OUTPUT 42" in page  # output kept, parameter injected
    assert 'SECRET_CODE_MARKER" + ' not in page  # input code excluded
    assert remote_references(page) == []
    assert "cdnjs" not in page and "<script src=" not in page


@pytest.mark.slow
def test_failed_notebook_names_cell_and_keeps_previous_report(setup, capsys):
    tmp, base = setup
    run_report(validate_config(base | {"notebooks": ["a_first"]}), progress=False)
    out = tmp / "out"
    before = _snapshot(out / "current")
    target = (out / "current").resolve()
    with pytest.raises(ReportRunError) as info:
        run_report(validate_config(base | {"notebooks": ["a_first", "c_fails"]}), progress=False)
    msg = str(info.value)
    assert "c_fails" in msg and "ValueError" in msg and "planted failure" in msg
    assert info.value.notebook == "c_fails"
    # cells: markdown 0, parameters 1, injected-parameters 2, "x = 1" 3, raise 4
    assert info.value.cell == 4 and "cell 4" in msg
    assert (out / "current").resolve() == target
    assert _snapshot(out / "current") == before
    assert info.value.failed_dir.exists() and not list(out.glob(".staging-*"))
    # the CLI says the same and exits 1
    cfg = tmp / "r.yaml"
    cfg.write_text(json.dumps(base | {"notebooks": ["c_fails"]}))
    assert main(["report", "--config", str(cfg), "--quiet"]) == 1
    assert "c_fails" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"notebook_params": {"a_first": {"treshold": 3}}}, "Did you mean 'threshold'"),
        ({"notebook_params": {"a_first": {"threshold": "many"}}}, "expected int"),
        ({"notebook_params": {"a_first": {"threshold": True}}}, "expected int"),
        ({"notebooks": ["a_frist"]}, "Did you mean 'a_first'"),
    ],
)
def test_bad_parameters_rejected_before_anything_runs(setup, extra, needle):
    tmp, base = setup
    with pytest.raises(ConfigError, match=needle):
        run_report(validate_config(base | extra), progress=False)
    assert not (tmp / "out").exists()  # no lock, no staging, nothing executed


def test_missing_data_file_rejected(setup):
    tmp, base = setup
    with pytest.raises(ConfigError, match="'data'.*does not exist"):
        run_report(validate_config(base | {"data": str(tmp / "nope.csv")}), progress=False)


def test_second_concurrent_run_is_refused(setup, capsys):
    tmp, base = setup
    with RunLock(tmp / "out"):
        with pytest.raises(ReportLockedError, match="another report run"):
            run_report(validate_config(base), progress=False)
        cfg = tmp / "r.yaml"
        cfg.write_text(json.dumps(base))
        assert main(["report", "--config", str(cfg), "--quiet"]) == 3
    assert not (tmp / "out" / "current").exists()


@pytest.mark.slow
def test_killed_run_leaves_old_report_and_next_run_works(setup):
    tmp, base = setup
    run_report(validate_config(base | {"notebooks": ["a_first"]}), progress=False)
    out = tmp / "out"
    before = _snapshot(out / "current")
    target = (out / "current").resolve()
    script = (
        "from hotspots.config import validate_config\n"
        "from hotspots.report import run_report\n"
        f"run_report(validate_config({base | {'notebooks': ['a_first', 'd_sleeps']}!r}))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], start_new_session=True, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 90
        while not list(out.glob(".staging-*/started")):
            assert proc.poll() is None, "the run ended before the sleeping notebook"
            assert time.monotonic() < deadline, "the sleeping notebook never started"
            time.sleep(0.2)
        # while it runs, a second run is refused
        with pytest.raises(ReportLockedError):
            run_report(validate_config(base), progress=False)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert (out / "current").resolve() == target
    assert _snapshot(out / "current") == before
    assert list(out.glob(".staging-*"))  # the killed run's leftovers
    res = run_report(validate_config(base | {"notebooks": ["b_second"]}), progress=False)
    assert not list(out.glob(".staging-*"))  # cleaned by the next run
    assert (out / "current").resolve() == res.folder != target
    assert (res.current / "tables" / "b_second_counts.csv").exists()


def test_publish_switches_current_and_keeps_last_runs(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    stamps = ["20261127-010000", "20261127-020000", "20261127-030000"]
    for stamp in stamps:
        staging = staging_dir(out, stamp)
        (staging / "index.html").write_text(stamp)
        final = publish(out, staging, stamp, keep_runs=2)
        assert final == out / "runs" / stamp
        assert (out / "current" / "index.html").read_text() == stamp
        assert os.readlink(out / "current") == f"runs/{stamp}"  # relative: the folder can move
    assert sorted(p.name for p in (out / "runs").iterdir()) == stamps[1:]
    assert not list(out.glob(".current-*")) and not list(out.glob(".staging-*"))


@pytest.mark.slow
def test_shareable_run_refuses_pii_in_outputs(setup):
    tmp, base = setup
    nb = tmp / "nbs" / "e_leaks.ipynb"
    _notebook(nb, "print('Nguyễn Thị Canary')")
    with pytest.raises(Exception, match="PII"):
        run_report(validate_config(base | {"notebooks": ["e_leaks"]}), progress=False)
    assert not (tmp / "out" / "current").exists()
    res = run_report(
        validate_config(base | {"notebooks": ["e_leaks"], "privacy": "restricted"}),
        progress=False,
    )
    assert res.manifest["privacy_check"].startswith("restricted")


def test_notebook_outputs_write_summary_and_guard_shareable(tmp_path):
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point, box

    from hotspots.errors import HotspotsError
    from hotspots.report import NotebookOutputs
    from hotspots.report.index import render_index

    out = NotebookOutputs(tmp_path, "02_key_areas", lang="en", synthetic=True)
    areas = gpd.GeoDataFrame({"rank": [1], "cases": [12]}, geometry=[box(0, 0, 1, 1)], crs=4326)
    out.layer(areas, "key_areas", "Địa bàn trọng điểm", "Key areas")
    out.table(pd.DataFrame({"x": [1]}), "t", "Bảng", "Table")
    assert out.paths == ["layers/key_areas.gpkg", "tables/t.csv"]
    assert set(gpd.read_file(tmp_path / "layers" / "key_areas.gpkg")["data"]) == {
        "SYNTHETIC / DỮ LIỆU GIẢ LẬP"
    }
    cases = gpd.GeoDataFrame({"case_id": ["a"]}, geometry=[Point(0, 0)], crs=4326)
    with pytest.raises(HotspotsError, match="case_id"):
        out.layer(cases, "points", "Điểm", "Points")
    small = areas.assign(cases=[2])
    with pytest.raises(HotspotsError, match="below the suppression threshold"):
        out.layer(small, "small", "Nhỏ", "Small")
    out.headline("5 địa bàn", "5 key areas")
    ranked = areas.assign(trend=["persistent hot spot"], share=[0.25])
    out.index_table(ranked, "Địa bàn", "Key areas table")
    with pytest.raises(HotspotsError, match="below the suppression threshold"):
        out.index_table(small, "Nhỏ", "Small")
    out.save("Địa bàn trọng điểm", "Key areas")
    html = render_index(
        tmp_path,
        params={"lang": "en", "province": "Lào Cai", "synthetic": True},
        notebooks=["02_key_areas", "03_key_lines"],
        pages={"02_key_areas": "notebooks/02_key_areas.html"},
        stamp="20261127-230500",
    )
    assert "SYNTHETIC DATA" in html and "27/11/2026 23:05" in html
    assert "5 key areas" in html and 'href="layers/key_areas.gpkg"' in html
    assert "<caption>Key areas table</caption>" in html
    assert "<td>Persistent hot spot</td>" in html and "<td>0.25</td>" in html
    assert "Not run this time" in html  # 03 has no summary and no page
    assert "<script" not in html and remote_references(html) == []


def test_remote_references_found_and_stripped():
    from hotspots.report.html import strip_remote

    page = (
        '<script src="https://cdn.x/require.js"></script><script>var a=1;</script>'
        '<link rel="stylesheet" href="//fonts.example/css">'
        '<iframe srcdoc="&lt;script src=&quot;https://cdn.y/leaflet.js&quot;&gt;"></iframe>'
    )
    found = remote_references(page)
    assert len(found) == 3
    stripped = strip_remote(page)
    assert "require.js" not in stripped and "var a=1;" in stripped


def test_synthetic_files_are_recognised(tmp_path):
    from hotspots.report.inputs import looks_synthetic

    real = tmp_path / "real.csv"
    real.write_text("case_id,lat,lon\nc1,22.3,104.0\n")
    marked = tmp_path / "marked.csv"
    marked.write_text("case_id,lat,lon,synthetic\nc1,22.3,104.0,True\n")
    assert not looks_synthetic(real) and looks_synthetic(marked)
    gen = tmp_path / "gen"
    gen.mkdir()
    (gen / "cases.csv").write_text("case_id\nc1\n")
    (gen / "truth_key_areas.geojson").write_text("{}")
    assert looks_synthetic(gen / "cases.csv")


def test_kernel_start_failure_is_retried_once_but_cell_errors_are_not(monkeypatch, tmp_path):
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from hotspots.report.runner import _execute

    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(papermill, "execute_notebook", flaky)
    said = []
    _execute(tmp_path / "a.ipynb", tmp_path / "b.ipynb", {}, tmp_path, False, 10, said.append)
    assert len(calls) == 2 and "trying again" in said[0]

    def cell_error(*args, **kwargs):
        calls.append(1)
        raise PapermillExecutionError(3, 2, "boom", "ValueError", "boom", [])

    calls.clear()
    monkeypatch.setattr(papermill, "execute_notebook", cell_error)
    with pytest.raises(PapermillExecutionError):
        _execute(tmp_path / "a.ipynb", tmp_path / "b.ipynb", {}, tmp_path, False, 10, said.append)
    assert len(calls) == 1

    def always(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("no kernel")

    calls.clear()
    monkeypatch.setattr(papermill, "execute_notebook", always)
    with pytest.raises(RuntimeError, match="no kernel"):
        _execute(tmp_path / "a.ipynb", tmp_path / "b.ipynb", {}, tmp_path, False, 10, said.append)
    assert len(calls) == 2


def test_synthetic_cache_is_reused_only_for_the_same_generator(monkeypatch, tmp_path):
    import hotspots
    import hotspots.synthetic
    from hotspots.report import inputs

    calls = []

    def fake_generate(province, years, seed, out):
        calls.append((province, years, seed))
        Path(out, "cases.csv").write_text(f"case_id\nrun{len(calls)}\n")
        if len(calls) == 1:
            Path(out, "routes.csv").write_text("case_id,seq\n")

    monkeypatch.setattr(hotspots.synthetic, "generate", fake_generate)
    cases, routes = inputs.synthetic_files(tmp_path, "Lào Cai", 2, 7)
    assert calls == [("Lào Cai", 2, 7)] and routes is not None
    again, _ = inputs.synthetic_files(tmp_path, "Lào Cai", 2, 7)
    assert again == cases and len(calls) == 1  # same generator and parameters: reused
    # a new hotspots version (or changed generator source) regenerates into a clean folder
    monkeypatch.setattr(hotspots, "__version__", "999.0")
    cases, routes = inputs.synthetic_files(tmp_path, "Lào Cai", 2, 7)
    assert len(calls) == 2 and "run2" in cases.read_text() and routes is None
    # a marker from before the key existed ("ok") is stale too
    (cases.parent / ".complete").write_text("ok\n")
    inputs.synthetic_files(tmp_path, "Lào Cai", 2, 7)
    assert len(calls) == 3
    # the key follows the generator's source text
    real_read = Path.read_bytes
    src = Path(hotspots.synthetic.__file__)
    before = inputs._generator_key("Lào Cai", 2, 7)
    monkeypatch.setattr(Path, "read_bytes", lambda p: real_read(p) + (b"#x" if p == src else b""))
    assert inputs._generator_key("Lào Cai", 2, 7) != before
    assert inputs._generator_key("Lào Cai", 2, 8) != inputs._generator_key("Lào Cai", 2, 7)


@pytest.mark.slow
def test_a_file_with_the_synthetic_label_marks_index_and_manifest(setup):
    """Not only the built-in demo: case ids SYN-… in the user's own file mark the report."""
    tmp, base = setup
    data = tmp / "exported.csv"
    data.write_text("case_id,lat,lon\nSYN-15-00001,22.3,104.0\nSYN-15-00002,22.31,104.01\n")
    res = run_report(validate_config(base | {"data": str(data)}), progress=False)
    assert res.manifest["synthetic"] is True
    index = res.index.read_text(encoding="utf-8")
    assert 'id="synthetic-banner"' in index and "DỮ LIỆU GIẢ LẬP" in index
    page = (res.current / "notebooks" / "a_first.html").read_text(encoding="utf-8")
    assert 'href="../index.html"' in page  # every page leads back to the index
