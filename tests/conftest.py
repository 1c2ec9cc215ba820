"""Shared fixtures: one report run of the whole notebook set per test session."""

from __future__ import annotations

import pytest

#: First day of the week's plan in the session report (a Monday, given as a parameter so
#: the tests know the dates; the default, next Monday, is tested in test_vietnamese.py).
PLAN_START = "2031-03-03"


@pytest.fixture(scope="session")
def report_run(tmp_path_factory):
    """The whole report on two years of synthetic data, run once for the session."""
    from hotspots.config import validate_config
    from hotspots.report import run_report

    out = tmp_path_factory.mktemp("report")
    cfg = validate_config(
        {
            "data": "synthetic",
            "years": 2,
            "out": str(out),
            "cell_m": 2000,
            "plan_start": PLAN_START,
            "notebook_params": {
                "03_key_lines": {"top": 5},
                "04_patrol_plan": {
                    "checkpoints": 3,
                    "units": 2,
                    "solver_seconds": 2.0,
                    "week_seconds": 4.0,
                },
                "05_backtest": {"windows": 2, "backtest_methods": ["kde"]},
            },
        }
    )
    return run_report(cfg, progress=False)
