"""The small public API: every advertised name resolves, import stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

import hotspots


def test_every_public_name_resolves():
    import importlib

    assert len(set(hotspots.__all__)) == len(hotspots.__all__) <= 20
    for name in hotspots.__all__:
        assert getattr(hotspots, name) is not None, name
        assert name in dir(hotspots), name
    # each lazily imported name is the object its module exports by that name
    for name, module in hotspots._LAZY.items():
        mod = importlib.import_module(module)
        assert name in hotspots.__all__ and name in mod.__all__, (name, module)
        assert getattr(hotspots, name) is getattr(mod, name), name
    assert hotspots.read_cases is importlib.import_module("hotspots.data.ingest").read_cases
    for sub in hotspots._MODULES:
        assert getattr(hotspots, sub) is importlib.import_module(f"hotspots.{sub}"), sub
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        hotspots.nope  # noqa: B018


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
