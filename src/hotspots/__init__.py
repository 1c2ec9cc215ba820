"""hotspots: key areas, key lines and patrol plans from anti-trafficking case records.

The public API is small on purpose; the domain packages (``hotspots.areas``,
``hotspots.lines``, ``hotspots.plan``, ``hotspots.maps``, ``hotspots.report``,
``hotspots.evaluate``) hold the rest. Names are imported on first use, so that
``import hotspots`` stays quick in a fresh kernel.

>>> import hotspots
>>> res = hotspots.read_cases("cases.xlsx", province="Lào Cai")  # doctest: +SKIP
>>> areas = hotspots.key_areas(res.cases, method="gistar")        # doctest: +SKIP
>>> lines = hotspots.key_lines(res.routes)                        # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

from hotspots.data.ingest import IngestResult, read_cases
from hotspots.errors import HotspotsError, InputError, UnusableInputError

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "read_cases",
    "IngestResult",
    "key_areas",
    "KeyAreas",
    "emerging_hot_spots",
    "key_lines",
    "KeyLines",
    "backtest",
    "site_checkpoints",
    "plan_patrols",
    "apply_privacy",
    "overview_map",
    "run_report",
    "show_versions",
    "HotspotsError",
    "InputError",
    "UnusableInputError",
]

_LAZY = {
    "key_areas": "hotspots.areas.key_areas",
    "KeyAreas": "hotspots.areas.key_areas",
    "emerging_hot_spots": "hotspots.areas.emerging",
    "key_lines": "hotspots.lines.key_lines",
    "KeyLines": "hotspots.lines.key_lines",
    "backtest": "hotspots.evaluate.backtest",
    "site_checkpoints": "hotspots.plan.checkpoints",
    "plan_patrols": "hotspots.plan.patrols",
    "apply_privacy": "hotspots.privacy",
    "overview_map": "hotspots.maps.views",
    "run_report": "hotspots.report.runner",
    "show_versions": "hotspots._versions",
}
_MODULES = {
    "geodata",
    "synthetic",
    "areas",
    "lines",
    "plan",
    "maps",
    "report",
    "evaluate",
    "privacy",
    "kpi",
    "config",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _MODULES:
        return importlib.import_module(f"hotspots.{name}")
    raise AttributeError(f"module 'hotspots' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | _MODULES)
