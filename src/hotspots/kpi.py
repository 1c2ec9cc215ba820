"""Programme KPIs: how far reports and cases got, against the programme's targets.

The national anti-trafficking programme (2021–2025, towards 2030) sets five targets:

==========================  ================================  ======================  ======
KPI                         numerator (status reached)        denominator             target
==========================  ================================  ======================  ======
``received_classified``     received and classified           all reports (cases)     100 %
``resolved``                resolved                          received                > 90 %
``solved``                  investigated and solved           criminal case opened    > 90 %
``prosecuted``              prosecuted (truy tố)              solved                  95 %
``tried``                   brought to trial (xét xử)         prosecuted              90 %
==========================  ================================  ======================  ======

A status is *reached* when its date (``received``, ``classified``, ``resolved``,
``case_opened``, ``solved``, ``prosecuted``, ``tried`` in the CaseTable) is set, and
not later than ``as_of`` when given. Rates are computed per *cohort year*: the year of
the denominator's first date (for ``received_classified`` the year the report was
received, else reported, else occurred). A case with several rows (one per location)
counts once; its unit (commune, district, police unit: any column) is the value on its
first row in source order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from hotspots.data.schema import STATUS_FIELDS
from hotspots.errors import InputError

__all__ = ["Kpi", "KPIS", "KpiResult", "programme_kpis", "case_status"]


@dataclasses.dataclass(frozen=True)
class Kpi:
    """One programme target.

    Attributes
    ----------
    name
        Short identifier.
    numerator
        Status fields a case must have reached to count in the numerator.
    denominator
        Status fields a case must have reached to count at all; empty = every case.
    target
        Target share (0–1).
    strict
        ``True`` when the target reads "more than" (rate > target), else "at least".
    label_vi, label_en
        Labels for tables and charts.
    """

    name: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    target: float
    strict: bool
    label_vi: str
    label_en: str

    def label(self, lang: str = "vi") -> str:
        """Return the label in ``lang`` ("vi" or "en")."""
        return self.label_vi if lang == "vi" else self.label_en

    def meets(self, rate: float) -> bool:
        """Whether ``rate`` meets the target."""
        return bool(rate > self.target) if self.strict else bool(rate >= self.target - 1e-12)


#: The programme's five targets, in the order of a case's life.
KPIS: tuple[Kpi, ...] = (
    Kpi(
        "received_classified",
        ("received", "classified"),
        (),
        1.00,
        False,
        "Tố giác, tin báo được tiếp nhận, phân loại",
        "Reports received and classified",
    ),
    Kpi(
        "resolved",
        ("resolved",),
        ("received",),
        0.90,
        True,
        "Tố giác, tin báo được giải quyết",
        "Reports resolved",
    ),
    Kpi(
        "solved",
        ("solved",),
        ("case_opened",),
        0.90,
        True,
        "Vụ án khởi tố được điều tra, khám phá",
        "Opened cases investigated and solved",
    ),
    Kpi(
        "prosecuted",
        ("prosecuted",),
        ("solved",),
        0.95,
        False,
        "Vụ án được giải quyết, truy tố",
        "Cases prosecuted",
    ),
    Kpi(
        "tried",
        ("tried",),
        ("prosecuted",),
        0.90,
        False,
        "Vụ án được giải quyết, xét xử",
        "Cases brought to trial",
    ),
)

_YEAR_FALLBACK = ("received", "reported_at", "occurred_at")


def case_status(
    cases: pd.DataFrame,
    by: str | None = None,
    as_of: Any = None,
) -> pd.DataFrame:
    """Return one row per case with the date each status was reached.

    Parameters
    ----------
    cases
        A CaseTable (one row per case location).
    by
        Column giving the unit (``"commune_code"``, ``"province_code"``, a police-unit
        column...); ``None`` for the whole table.
    as_of
        Statuses reached after this date are ignored (a snapshot of the past); ``None``
        keeps every date.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``case_id``, with one column per status field (datetime, NaT = not
        reached), ``reported_at``, ``occurred_at`` when present, and ``unit``.
    """
    if "case_id" not in cases.columns:
        raise InputError("programme KPIs need a 'case_id' column in the case table")
    if by is not None and by not in cases.columns:
        raise InputError(
            f"programme KPIs by '{by}': no such column; available: "
            f"{', '.join(map(str, cases.columns))}"
        )
    missing = [f for f in STATUS_FIELDS if f not in cases.columns]
    if len(missing) == len(STATUS_FIELDS):
        raise InputError(
            "programme KPIs need the status date columns "
            f"({', '.join(STATUS_FIELDS)}); none is present"
        )
    df = pd.DataFrame(index=cases.index)
    df["case_id"] = cases["case_id"].astype(str)
    order = cases["source_row"] if "source_row" in cases.columns else np.arange(len(cases))
    df["_order"] = np.asarray(order)
    cutoff = None if as_of is None else _timestamp(as_of)
    date_cols = [f for f in (*STATUS_FIELDS, "reported_at", "occurred_at") if f in cases.columns]
    for col in date_cols:
        values = _to_datetime(cases[col])
        if cutoff is not None and col in STATUS_FIELDS:
            values = values.where(values <= cutoff)
        df[col] = values
    for col in STATUS_FIELDS:
        if col not in df.columns:
            df[col] = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns, Asia/Ho_Chi_Minh]")
    if by is not None:
        df["unit"] = cases[by].astype("string")
    df = df.sort_values(["_order"], kind="stable")
    agg: dict[str, Any] = {c: "min" for c in df.columns if c not in ("case_id", "_order", "unit")}
    if by is not None:
        agg["unit"] = "first"
    out = df.groupby("case_id", sort=True).agg(agg)
    return out


def _timestamp(value: Any) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        ts = ts.tz_localize("Asia/Ho_Chi_Minh")
    return ts


def _to_datetime(col: pd.Series) -> pd.Series:
    values = pd.to_datetime(col, errors="coerce")
    if getattr(values.dt, "tz", None) is None:
        values = values.dt.tz_localize("Asia/Ho_Chi_Minh")
    return values


@dataclasses.dataclass
class KpiResult:
    """Programme KPIs per year (and unit), with targets and flags.

    Attributes
    ----------
    table
        Long table: ``year``, ``unit`` (when computed by unit), ``kpi``, ``numerator``,
        ``denominator``, ``rate`` (NaN when the denominator is 0), ``target``,
        ``meets`` (boolean, NA without cases) and ``under_target`` (True when there are
        cases and the rate misses the target).
    by
        The unit column, or ``None``.
    kpis
        The targets used.
    """

    table: pd.DataFrame
    by: str | None
    kpis: tuple[Kpi, ...]

    def under_target(self) -> pd.DataFrame:
        """Return the rows whose rate misses the target."""
        return self.table[self.table["under_target"].fillna(False).astype(bool)].reset_index(
            drop=True
        )

    def wide(self, lang: str = "vi") -> pd.DataFrame:
        """Return a display table: one row per year (and unit), one column per KPI (%)."""
        index = ["year"] + (["unit"] if self.by else [])
        t = self.table.copy()
        t["label"] = t["kpi"].map({k.name: k.label(lang) for k in self.kpis})
        out = t.pivot_table(index=index, columns="label", values="rate", aggfunc="first")
        out = (out * 100).round(1)
        cols = [k.label(lang) for k in self.kpis if k.label(lang) in out.columns]
        out = out[cols]
        out.columns.name = None
        return out

    def suppress(self, threshold: int = 3) -> KpiResult:
        """Return a copy where counts of fewer than ``threshold`` cases are hidden.

        Numerator, denominator and rate become NaN and ``suppressed`` is True for rows
        whose denominator is between 1 and ``threshold - 1``. ``under_target`` is kept:
        it says which unit needs attention, not where a case happened.
        """
        t = self.table.copy()
        small = (t["denominator"] > 0) & (t["denominator"] < threshold)
        t["suppressed"] = small
        for col in ("numerator", "denominator", "rate"):
            t[col] = t[col].astype(float).where(~small)
        return KpiResult(t, self.by, self.kpis)

    def plot(self, lang: str = "vi", ax: Any = None, synthetic: bool = False) -> Any:
        """Draw the rate of each KPI per year against its target.

        Parameters
        ----------
        lang
            "vi" or "en".
        ax
            A matplotlib Axes; a new figure when ``None``.
        synthetic
            Stamp "SYNTHETIC / DỮ LIỆU GIẢ LẬP" on the chart.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        overall = self.table
        if self.by is not None:
            overall = (
                self.table.groupby(["year", "kpi"], as_index=False)[["numerator", "denominator"]]
                .sum()
                .assign(
                    rate=lambda d: d["numerator"] / d["denominator"].where(d["denominator"] > 0)
                )
            )
        if ax is None:
            fig, ax = plt.subplots(figsize=(9, 4.5))
        else:
            fig = ax.figure
        years = sorted(overall["year"].unique())
        n = len(self.kpis)
        width = 0.8 / max(n, 1)
        colors = plt.get_cmap("tab10").colors
        for i, k in enumerate(self.kpis):
            sub = overall[overall["kpi"] == k.name].set_index("year").reindex(years)
            x = np.arange(len(years)) + (i - (n - 1) / 2) * width
            ax.bar(
                x,
                sub["rate"].to_numpy(dtype=float) * 100,
                width,
                label=k.label(lang),
                color=colors[i % 10],
            )
            ax.hlines(
                k.target * 100,
                x[0] - width / 2,
                x[-1] + width / 2,
                colors=colors[i % 10],
                linestyles="dashed",
                linewidth=1,
            )
        ax.set_xticks(np.arange(len(years)), [str(y) for y in years])
        ax.set_ylim(0, 105)
        ax.set_ylabel("%")
        ax.set_title(
            "Chỉ tiêu chương trình (nét đứt: chỉ tiêu)"
            if lang == "vi"
            else "Programme targets (dashed: target)"
        )
        ax.legend(fontsize=7, loc="lower left")
        if synthetic:
            ax.text(
                0.99,
                0.98,
                "SYNTHETIC / DỮ LIỆU GIẢ LẬP",
                transform=ax.transAxes,
                ha="right",
                va="top",
                color="crimson",
                fontsize=9,
                fontweight="bold",
            )
        return fig


def programme_kpis(
    cases: pd.DataFrame,
    by: str | None = None,
    years: Sequence[int] | None = None,
    as_of: Any = None,
    kpis: Sequence[Kpi] = KPIS,
) -> KpiResult:
    """Compute the programme KPIs per cohort year (and per unit).

    Parameters
    ----------
    cases
        A CaseTable with the status date columns (see :mod:`hotspots.data.schema`).
    by
        Unit column (``"commune_code"``, ``"province_code"``, ...); ``None`` = one unit.
    years
        Keep only these cohort years; ``None`` = every year present.
    as_of
        Ignore statuses reached after this date.
    kpis
        The targets; default :data:`KPIS`.

    Returns
    -------
    KpiResult

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.Timestamp("2024-03-01", tz="Asia/Ho_Chi_Minh")
    >>> cases = pd.DataFrame({"case_id": ["a", "b"], "received": [t, t],
    ...                       "classified": [t, pd.NaT]})
    >>> r = programme_kpis(cases)
    >>> r.table.loc[r.table.kpi == "received_classified", "rate"].item()
    0.5
    """
    status = case_status(cases, by=by, as_of=as_of)
    rows = []
    for k in kpis:
        if k.denominator:
            in_den = status[list(k.denominator)].notna().all(axis=1)
            year_date = status[k.denominator[0]]
        else:
            in_den = pd.Series(True, index=status.index)
            year_date = pd.Series(pd.NaT, index=status.index, dtype=status["received"].dtype)
            for col in _YEAR_FALLBACK:
                if col in status.columns:
                    year_date = year_date.fillna(status[col])
        in_num = in_den & status[list(k.numerator)].notna().all(axis=1)
        frame = pd.DataFrame(
            {
                "year": year_date.dt.year,
                "den": in_den.astype(int),
                "num": in_num.astype(int),
            }
        )
        if by is not None:
            frame["unit"] = status["unit"]
        frame = frame[frame["year"].notna() & (frame["den"] > 0)]
        keys = ["year"] + (["unit"] if by is not None else [])
        g = frame.groupby(keys, dropna=False)[["num", "den"]].sum().reset_index()
        g["kpi"] = k.name
        rows.append(g)
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    keys = ["year"] + (["unit"] if by is not None else [])
    # every (year, unit) x kpi combination, zero when no case reached the denominator
    all_keys = table[keys].drop_duplicates()
    grid = all_keys.merge(pd.DataFrame({"kpi": [k.name for k in kpis]}), how="cross")
    table = grid.merge(table, on=[*keys, "kpi"], how="left").fillna({"num": 0, "den": 0})
    table = table.rename(columns={"num": "numerator", "den": "denominator"})
    table["year"] = table["year"].astype(int)
    table["numerator"] = table["numerator"].astype(int)
    table["denominator"] = table["denominator"].astype(int)
    if years is not None:
        table = table[table["year"].isin(list(years))]
    by_name = {k.name: k for k in kpis}
    table["rate"] = table["numerator"] / table["denominator"].where(table["denominator"] > 0)
    table["target"] = table["kpi"].map(lambda n: by_name[n].target)
    meets = [
        pd.NA if d == 0 else by_name[n].meets(r)
        for n, r, d in zip(table["kpi"], table["rate"], table["denominator"], strict=True)
    ]
    table["meets"] = pd.array(meets, dtype="boolean")
    table["under_target"] = ~table["meets"]
    order = {k.name: i for i, k in enumerate(kpis)}
    table = table.sort_values([*keys, "kpi"], key=lambda s: s.map(order) if s.name == "kpi" else s)
    table = table[
        [*keys, "kpi", "numerator", "denominator", "rate", "target", "meets", "under_target"]
    ].reset_index(drop=True)
    return KpiResult(table, by, tuple(kpis))
