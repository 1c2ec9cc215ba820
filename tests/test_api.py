"""The small public API: every advertised name resolves, import stays light."""

from __future__ import annotations

import subprocess
import sys

import hotspots


def test_every_public_name_resolves():
    for name in hotspots.__all__:
        assert getattr(hotspots, name) is not None, name


def test_import_is_light():
    code = (
        "import sys, hotspots; heavy = [m for m in ('folium', 'pyvrp', 'papermill', "
        "'sklearn', 'matplotlib') if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_show_versions(capsys):
    v = hotspots.show_versions()
    assert v["hotspots"] == hotspots.__version__
    assert "geopandas" in capsys.readouterr().out
