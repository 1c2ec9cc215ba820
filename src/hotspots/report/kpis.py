"""Programme KPIs for the report: targets as the plan writes them, units to act on.

The programme writes its targets as "100%", "trên 90%" (more than), "95%", "90%" (at
least); :func:`target_text` shows them that way and :meth:`hotspots.kpi.Kpi.meets`
compares exactly so (strictly greater for "> 90%"). A unit whose numbers are hidden in
a shareable report (fewer cases than the threshold) is not listed under target: it is
counted apart (:func:`not_judged`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["target_text", "with_targets", "under_target_table", "not_judged"]


def target_text(kpi: Any) -> str:
    """``"> 90%"`` for a "more than" target, ``"95%"`` for an "at least" one."""
    return ("> " if kpi.strict else "") + f"{kpi.target:.0%}"


def with_targets(result: Any, lang: str = "vi") -> pd.DataFrame:
    """The per-year table (``KpiResult.wide``) with a last row of targets as written.

    Rates are rounded down to one decimal (89.96% reads 89.9, not 90.0), so a rate under
    its target never reads as the target.
    """
    wide = result.wide(lang)
    if not result.by:
        t = result.table.assign(
            label=result.table["kpi"].map({k.name: k.label(lang) for k in result.kpis})
        )
        rates = t.pivot_table(index="year", columns="label", values="rate", aggfunc="first")
        wide = (np.floor(rates * 1000) / 10).reindex(index=wide.index, columns=wide.columns)
    wide = wide.astype(object)
    row = "Yêu cầu" if lang == "vi" else "Target"
    wide.loc[row] = [target_text(k) for k in result.kpis if k.label(lang) in wide.columns]
    return wide.rename_axis("Năm" if lang == "vi" else "Year")


def _rate_text(rate: float) -> str:
    """A rate in percent with one decimal, rounded down: under target never reads as it."""
    return "–" if pd.isna(rate) else f"{np.floor(rate * 1000) / 10:.1f}%"


def under_target_table(
    result: Any, names: pd.Series | None = None, lang: str = "vi", year: int | None = None
) -> pd.DataFrame:
    """Units under a target whose numbers can be shown, as a display table.

    Parameters
    ----------
    result
        A per-unit :class:`~hotspots.kpi.KpiResult` (suppressed or not).
    names
        Unit code -> display name (e.g. commune names); codes without a name stay.
    lang
        ``"vi"`` or ``"en"`` headers and KPI names.
    year
        Keep only this year.

    Returns
    -------
    pandas.DataFrame
        Year, unit, KPI, rate (``"87.5%"``), target (``"> 90%"``); suppressed rows left
        out.
    """
    under = result.under_target()
    if "suppressed" in under:
        under = under[~under["suppressed"].fillna(False).astype(bool)]
    if year is not None:
        under = under[under["year"] == year]
    by_name = {k.name: k for k in result.kpis}
    unit = under["unit"]
    if names is not None:
        unit = unit.map(names).fillna(unit)
    vi = lang == "vi"
    return pd.DataFrame(
        {
            "Năm" if vi else "Year": under["year"].to_numpy(),
            "Đơn vị" if vi else "Unit": unit.to_numpy(),
            "Chỉ tiêu" if vi else "KPI": [by_name[k].label(lang) for k in under["kpi"]],
            "Đạt" if vi else "Rate": [_rate_text(r) for r in under["rate"]],
            "Yêu cầu" if vi else "Target": [target_text(by_name[k]) for k in under["kpi"]],
        }
    )


def not_judged(result: Any, year: int) -> int:
    """Number of units of ``year`` with a KPI hidden for having too few cases."""
    t = result.table
    if "suppressed" not in t:
        return 0
    small = (t["year"] == year) & t["suppressed"].fillna(False).astype(bool)
    return int(t.loc[small, "unit"].nunique())
