"""The national run: three provinces as Dask tasks on a LocalCluster, one planted failure."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import nbformat
import pytest

from hotspots.cli import main

NB = """
import pathlib
from hotspots.report import NotebookOutputs
if province == "Cà Mau":
    raise ValueError("planted failure in Cà Mau")
out = NotebookOutputs(output_dir, "k", lang=lang, privacy=privacy, synthetic=synthetic)
out.headline("Tỉnh " + province, "Province " + province)
out.save("K", "K")
"""

PARAMS = """
data_path: str = "synthetic"  # case records
province: str = "Lào Cai"  # province
output_dir: str = "."  # where outputs go
lang: str = "vi"  # language
privacy: str = "shareable"  # privacy level
synthetic: bool = False  # synthetic data?
"""


@pytest.mark.slow
def test_three_province_national_run_on_a_local_cluster(tmp_path, capsys):
    from hotspots.geodata import provinces

    nbdir = tmp_path / "nbs"
    nbdir.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    p = nbformat.v4.new_code_cell(PARAMS)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbformat.v4.new_code_cell(NB)]
    nbformat.write(nb, nbdir / "k.ipynb")
    # 5 cases in Lào Cai, 4 in Hà Nội, 2 in Cà Mau (inside each province)
    gdf = provinces().set_index("name")
    lines = ["case_id,occurred_at,lat,lon"]
    for name, n in (("Lào Cai", 5), ("Hà Nội", 4), ("Cà Mau", 2)):
        pt = gdf.loc[name, "geometry"].representative_point()
        lines += [f"{name[:2]}{i},2024-03-0{i + 1},{pt.y:.5f},{pt.x:.5f}" for i in range(n)]
    (tmp_path / "cases.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cfg = tmp_path / "national.yaml"
    cfg.write_text(
        textwrap.dedent(
            f"""
            data: cases.csv
            provinces: [Lào Cai, Hà Nội, Cà Mau]
            out: national
            notebooks_dir: {nbdir}
            notebooks: [k]
            """
        ),
        encoding="utf-8",
    )
    rc = main(["report", "--config", str(cfg)])
    captured = capsys.readouterr()
    assert rc == 1  # one province failed
    assert "2 of 3 provinces published, 1 failed" in captured.out
    assert "province Cà Mau failed" in captured.err and "planted failure" in captured.err
    for name in ("Lào Cai", "Hà Nội", "Cà Mau"):
        assert f"{name}: " in captured.err  # progress per province
    out = tmp_path / "national"
    summary = {r["province"]: r for r in json.loads((out / "national.json").read_text("utf-8"))}
    assert summary["Lào Cai"]["ok"] and summary["Lào Cai"]["cases"] == "5"
    assert summary["Hà Nội"]["ok"] and summary["Hà Nội"]["cases"] == "4"
    assert not summary["Cà Mau"]["ok"] and "planted failure" in summary["Cà Mau"]["error"]
    assert (out / "lao-cai" / "current" / "index.html").exists()
    assert (out / "ha-noi" / "current" / "index.html").exists()
    assert not (out / "ca-mau" / "current").exists()
    page = (out / "index.html").read_text(encoding="utf-8")
    assert (
        'href="lao-cai/current/index.html"' in page and 'href="ha-noi/current/index.html"' in page
    )
    assert page.count("<path ") == 34  # the whole country, the three shaded
    assert "Cà Mau: lỗi / failed" in page and "Lào Cai: 5 vụ" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    # a province list that does not exist is a parameter error before anything runs
    cfg.write_text("provinces: [Atlantis]\n", encoding="utf-8")
    assert main(["report", "--config", str(cfg)]) == 2
    assert Path(out / "index.html").exists()
