"""Recognising personal data (PII) columns so that they are kept apart.

Recognised PII headers (:data:`hotspots.data.schema.PII_COLUMNS` and their synonyms),
a second copy of such a column, headers that begin like one ("Ghi chú thêm", "Họ tên
người báo tin") and unknown columns whose values look like Vietnamese phone or ID-card
numbers are PII. They go to ``IngestResult.pii`` and never to the analysis tables.
"""

from __future__ import annotations

import re

import pandas as pd

from hotspots.data import columns as cols
from hotspots.data.schema import PII_COLUMNS

__all__ = ["split_pii_columns", "looks_pii_header"]

_PHONE = re.compile(r"^(?:\+?84|0)[35789]\d{8}$")
_IDNUM = re.compile(r"^\d{9}$|^\d{12}$")

#: Header beginnings that mark personal data even with more words after them
#: ("Ghi chú thêm", "Họ tên người báo tin", "Số điện thoại liên hệ").
_PII_PREFIXES = (
    "ghi_chu",
    "ho_ten",
    "ho_va_ten",
    "dia_chi",
    "so_dien_thoai",
    "dien_thoai",
    "sdt",
    "cccd",
    "cmnd",
    "can_cuoc",
    "so_dinh_danh",
    "tom_tat",
    "noi_dung",
    "mo_ta",
    "note",
    "notes",
    "phone",
    "description",
    "full_name",
    "victim_name",
    "suspect_name",
    "doi_tuong",
)


def looks_pii_header(header: str) -> bool:
    """True when a header that is not recognised as such still names personal data."""
    key = cols.normalize_header(re.sub(r"\.\d+$", "", header))
    return any(key == p or key.startswith(p + "_") for p in _PII_PREFIXES)


def split_pii_columns(
    frame: pd.DataFrame, headers: list[str], canon: dict[str, str]
) -> tuple[list[str], list[str], dict[str, str]]:
    """Split the columns of ``frame`` into PII and extra (kept) columns.

    Parameters
    ----------
    frame
        The raw table.
    headers
        Its column headers (generated ``__`` columns excluded).
    canon
        Canonical name → source header of the recognised columns.

    Returns
    -------
    pii_cols, extras, duplicated
        PII columns (canonical names for recognised ones, source headers for the
        others), the unrecognised non-PII headers kept as extra columns, and the second
        copies of recognised columns (source header → canonical name).
    """
    pii_cols = [c for c in PII_COLUMNS if c in canon]
    known_src = set(canon.values())
    extras = [h for h in headers if h not in known_src]
    duplicated: dict[str, str] = {}
    for h in list(extras):
        # a second column with a recognised name ("Ghi chú" twice is read as "Ghi chú.1")
        base = cols.SYNONYM_LOOKUP.get(cols.normalize_header(re.sub(r"\.\d+$", "", h)))
        if base is not None:
            duplicated[h] = base
            if base in PII_COLUMNS:
                pii_cols.append(h)
                extras.remove(h)
                continue
        if looks_pii_header(h):
            pii_cols.append(h)
            extras.remove(h)
            continue
        head = frame[h].head(2000)
        sample = head.map(lambda v: str(v).strip().replace(" ", "").replace(".", ""))
        sample = sample[sample != ""].head(200)
        if len(sample) and (
            sample.str.match(_PHONE.pattern).mean() > 0.5
            or sample.str.match(_IDNUM.pattern).mean() > 0.8
        ):
            pii_cols.append(h)  # looks like phone or ID numbers: treat as PII
            extras.remove(h)
    return pii_cols, extras, duplicated
