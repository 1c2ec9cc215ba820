"""``hotspots demo``: the whole report on the synthetic province, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.notebooks
@pytest.mark.slow
def test_demo_end_to_end(tmp_path):
    out = tmp_path / "demo"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "hotspots.cli",
            "demo",
            "--out",
            str(out),
            "--years",
            "2",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    index = Path(lines[0].removeprefix("report: "))
    assert index == out / "current" / "index.html" and index.exists()
    commune_map = Path(lines[1].removeprefix("cases per commune map: "))
    assert commune_map.exists() and "DỮ LIỆU GIẢ LẬP" in commune_map.read_text(encoding="utf-8")
    assert "SYNTHETIC" in proc.stdout
    man = json.loads((out / "current" / "manifest.json").read_text(encoding="utf-8"))
    assert man["synthetic"] is True and man["parameters"]["data"] == "synthetic"
    assert man["privacy"] == "shareable" and man["privacy_check"].startswith("passed")
    assert (out / "current" / "layers" / "cases_per_commune.gpkg").exists()
    # the PII canary: names and phones of the generated data appear in no output
    from hotspots.report.inputs import pii_values

    work = next((out / ".work").glob("synthetic-*"))
    canary = pii_values([work / "cases.csv"])
    assert len(canary) > 100
    for f in (out / "current").rglob("*"):
        if f.is_file():
            text = f.read_bytes().decode("utf-8", errors="replace").lower()
            leaked = [v for v in canary if v.lower() in text]
            assert not leaked, (f.name, leaked[:3])
