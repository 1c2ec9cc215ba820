"""Report: papermill runner, manifest, atomic publication, lock and index page.

``hotspots report --config report.yaml`` and ``hotspots demo`` call :func:`run_report`.
Notebooks use :func:`load_inputs` and :class:`NotebookOutputs`. Names are imported on
first use, so a notebook importing :class:`NotebookOutputs` stays quick to start.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "run_report",
    "check_notebooks",
    "RunResult",
    "ReportRunError",
    "ReportLockedError",
    "RunLock",
    "load_inputs",
    "Inputs",
    "NotebookOutputs",
]

_WHERE = {
    "run_report": "runner",
    "check_notebooks": "runner",
    "RunResult": "runner",
    "ReportRunError": "runner",
    "ReportLockedError": "lock",
    "RunLock": "lock",
    "load_inputs": "inputs",
    "Inputs": "inputs",
    "NotebookOutputs": "outputs",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"hotspots.report.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'hotspots.report' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
