"""Programme KPIs against hand-counted cases."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from hotspots.data.schema import STATUS_FIELDS
from hotspots.errors import InputError
from hotspots.kpi import KPIS, programme_kpis

TZ = "Asia/Ho_Chi_Minh"


def _cases(commune: str, year: int, n: int, reached: dict[str, int], start: int) -> list[dict]:
    """``n`` cases of ``commune``; the first ``reached[f]`` cases reached status ``f``."""
    rows = []
    for i in range(n):
        row = {"case_id": f"{commune}{year}-{i}", "commune_code": commune, "source_row": start + i}
        for f in STATUS_FIELDS:
            k = reached.get(f, 0)
            row[f] = pd.Timestamp(f"{year}-06-01", tz=TZ) if i < k else pd.NaT
        rows.append(row)
    return rows


@pytest.fixture()
def cases() -> pd.DataFrame:
    a = _cases(
        "A",
        2023,
        20,
        {
            "received": 20,
            "classified": 20,
            "resolved": 18,
            "case_opened": 20,
            "solved": 19,
            "prosecuted": 18,
            "tried": 17,
        },
        0,
    )
    b = _cases("B", 2024, 4, {"received": 4, "classified": 3, "resolved": 4}, 100)
    rows = a + b
    # a second location of case A2023-0, in commune B, listed later: counted once, in A
    extra = dict(rows[0], commune_code="B", source_row=500)
    return pd.DataFrame(rows + [extra])


def _rate(result, kpi, **keys):
    t = result.table
    sel = t["kpi"] == kpi
    for k, v in keys.items():
        sel &= t[k] == v
    assert sel.sum() == 1
    return t[sel].iloc[0]


def test_rates_and_flags_by_commune(cases):
    r = programme_kpis(cases, by="commune_code")
    assert set(r.table["unit"]) == {"A", "B"}
    row = _rate(r, "received_classified", unit="A", year=2023)
    assert (row.numerator, row.denominator, row.rate, bool(row.meets)) == (20, 20, 1.0, True)
    row = _rate(r, "resolved", unit="A", year=2023)  # exactly 90 %: target is "more than 90 %"
    assert (row.numerator, row.denominator) == (18, 20) and row.rate == 0.9
    assert bool(row.under_target)
    row = _rate(r, "solved", unit="A", year=2023)
    assert (row.numerator, row.denominator, bool(row.meets)) == (19, 20, True)
    row = _rate(r, "prosecuted", unit="A", year=2023)  # 18/19 = 94.7 % < 95 %
    assert (row.numerator, row.denominator, bool(row.under_target)) == (18, 19, True)
    row = _rate(r, "tried", unit="A", year=2023)  # 17/18 = 94.4 % >= 90 %
    assert (row.numerator, row.denominator, bool(row.meets)) == (17, 18, True)
    assert row.rate == pytest.approx(17 / 18, abs=1e-12)
    row = _rate(r, "received_classified", unit="B", year=2024)
    assert (row.numerator, row.denominator, bool(row.under_target)) == (3, 4, True)
    row = _rate(r, "solved", unit="B", year=2024)  # no opened case: no rate, no flag
    assert row.denominator == 0 and np.isnan(row.rate) and pd.isna(row.meets)
    under = r.under_target()
    assert sorted(zip(under["unit"], under["kpi"], strict=True)) == [
        ("A", "prosecuted"),
        ("A", "resolved"),
        ("B", "received_classified"),
    ]


def test_exact_target_of_at_least_kpi_is_met():
    rows = _cases(
        "C",
        2022,
        20,
        {"received": 20, "classified": 20, "case_opened": 20, "solved": 20, "prosecuted": 19},
        0,
    )
    r = programme_kpis(pd.DataFrame(rows))
    row = _rate(r, "prosecuted", year=2022)  # 19/20 = 95 %: target "95 %" is met
    assert row.rate == 0.95 and bool(row.meets)


def test_whole_table_and_years(cases):
    r = programme_kpis(cases)
    assert "unit" not in r.table.columns
    assert sorted(r.table["year"].unique()) == [2023, 2024]
    assert list(r.table[r.table.year == 2023]["kpi"]) == [k.name for k in KPIS]
    r24 = programme_kpis(cases, years=[2024])
    assert set(r24.table["year"]) == {2024}


def test_as_of_ignores_later_statuses(cases):
    late = cases.copy()
    late.loc[late["case_id"] == "A2023-0", "tried"] = pd.Timestamp("2026-01-01", tz=TZ)
    r_all = programme_kpis(late)
    r_cut = programme_kpis(late, as_of="2025-01-01")
    assert _rate(r_all, "tried", year=2023).numerator == 17
    assert _rate(r_cut, "tried", year=2023).numerator == 16  # the 2026 trial is not counted yet


def test_cohort_year_is_year_of_denominator():
    rows = _cases("D", 2023, 3, {"received": 3, "classified": 3, "case_opened": 3}, 0)
    df = pd.DataFrame(rows)
    df["case_opened"] = pd.Timestamp("2024-02-01", tz=TZ)  # opened the next year
    r = programme_kpis(df)
    assert _rate(r, "solved", year=2024).denominator == 3
    assert _rate(r, "received_classified", year=2023).denominator == 3


def test_year_falls_back_to_reported_at_when_not_received():
    df = pd.DataFrame(
        {
            "case_id": ["x", "y"],
            "reported_at": pd.to_datetime(["2021-05-01", "2021-07-01"]).tz_localize(TZ),
            "received": [pd.Timestamp("2021-05-02", tz=TZ), pd.NaT],
            "classified": [pd.Timestamp("2021-05-03", tz=TZ), pd.NaT],
        }
    )
    row = _rate(programme_kpis(df), "received_classified", year=2021)
    assert (row.numerator, row.denominator) == (1, 2)


def test_suppress_hides_small_counts(cases):
    r = programme_kpis(cases, by="commune_code").suppress(5)
    row = _rate(r, "received_classified", unit="B", year=2024)  # 4 cases < 5
    assert bool(row.suppressed) and np.isnan(row.rate) and np.isnan(row.denominator)
    assert bool(row.under_target)  # the flag stays: it names a unit, not a case
    row = _rate(r, "resolved", unit="A", year=2023)
    assert not row.suppressed and row.denominator == 20


def test_wide_table_and_plot(cases):
    r = programme_kpis(cases, by="commune_code")
    w = r.wide("en")
    assert w.loc[(2023, "A"), "Reports resolved"] == 90.0
    assert list(w.columns)[0] == "Reports received and classified"
    fig = programme_kpis(cases).plot(lang="vi", synthetic=True)
    ax = fig.axes[0]
    assert len(ax.patches) == 2 * len(KPIS)  # one bar per year and KPI
    assert any("DỮ LIỆU GIẢ LẬP" in t.get_text() for t in ax.texts)
    heights = sorted(round(p.get_height(), 6) for p in ax.patches if not np.isnan(p.get_height()))
    assert 90.0 in heights and 75.0 in heights


def test_bad_inputs():
    with pytest.raises(InputError, match="case_id"):
        programme_kpis(pd.DataFrame({"received": []}))
    with pytest.raises(InputError, match="status date columns"):
        programme_kpis(pd.DataFrame({"case_id": ["a"]}))
    with pytest.raises(InputError, match="no such column"):
        programme_kpis(pd.DataFrame({"case_id": ["a"], "received": [pd.NaT]}), by="unit")
