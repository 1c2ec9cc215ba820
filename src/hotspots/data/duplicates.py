"""Duplicate case rows: exact copies are merged, conflicting copies are quarantined.

Rows are the same stop when they share the case id, the role and the stop order. When
all their (non-PII) values are equal, the first is kept and every later copy is
quarantined as ``duplicate_merged`` (so that it is counted: accepted + quarantined =
rows read). When the values differ, every copy is quarantined as
``conflicting_duplicate`` with the rows that disagree, since there is no telling which
one is right. Rows whose case id was missing (``row<N>``) are never duplicates.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

__all__ = ["mark_duplicates"]


def mark_duplicates(
    values: pd.DataFrame,
    ids: np.ndarray,
    role: np.ndarray | None,
    seq: np.ndarray | None,
    rows: np.ndarray,
    candidates: np.ndarray,
    report: Callable[[int, str, str, object, str], None],
    id_column: str,
) -> None:
    """Report duplicate stops among the ``candidates`` rows.

    Parameters
    ----------
    values
        The row values that must agree for an exact duplicate (no PII), one row per
        input row.
    ids, role, seq
        Case id, role (None without a role column) and stop order (None without one).
    rows
        Source row numbers (for the messages).
    candidates
        Rows that may be duplicates (accepted so far, with a real case id).
    report
        Called as ``report(position, reason, column, value, message)``.
    id_column
        Source header of the case id (named in the report).
    """
    n = len(ids)
    keys = pd.DataFrame(
        {
            "id": ids,
            "role": role if role is not None else np.full(n, ""),
            "seq": seq if seq is not None else np.zeros(n, dtype=np.int64),
        }
    )
    cand = np.flatnonzero(candidates)
    dup = keys.iloc[cand].duplicated(keep=False).to_numpy()
    if not dup.any():
        return
    pos_all = cand[dup]
    sub = values.iloc[pos_all]
    fp = (
        sub.astype(str).agg("\x1f".join, axis=1).to_numpy()
        if sub.shape[1]
        else np.full(len(pos_all), "")
    )
    groups = keys.iloc[pos_all].assign(fp=fp, pos=pos_all)
    for _, grp in groups.groupby(["id", "role", "seq"], sort=False):
        if grp["fp"].nunique() == 1:
            first = grp["pos"].iloc[0]
            for p in grp["pos"].iloc[1:]:
                report(
                    p,
                    "duplicate_merged",
                    id_column,
                    ids[p],
                    f"exact duplicate of row {rows[first]}: merged (nothing to do)",
                )
        else:
            others = ", ".join(str(rows[p]) for p in grp["pos"])
            for p in grp["pos"]:
                report(
                    p,
                    "conflicting_duplicate",
                    id_column,
                    ids[p],
                    f"case '{ids[p]}' appears in rows {others} with different values; "
                    "keep one row per case and stop, or number the stops (seq)",
                )
