"""Reading dates the way Vietnamese case registers write them.

``dd/mm/yyyy`` is the default reading (also with ``-`` or ``.`` and an optional time,
``10:30``, ``10h30``, ``10:30:00 SA``/``CH``/``AM``/``PM``; "ngày 5 tháng 4 năm 2023");
ISO dates (``yyyy-mm-dd``, ``yyyy-mm-ddTHH:MM[:SS][±hh:mm]``), months (``yyyy-mm``, as
police.uk writes them) and Excel serial dates (``45123`` or ``45123.5``) are accepted.
Values are parsed once per distinct text, so large files with repeated dates are cheap.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from hotspots.data.schema import TZ

__all__ = [
    "DateProblem",
    "parse_date",
    "parse_dates",
    "parse_times",
    "detect_date_order",
    "EARLIEST",
    "ORDER_NAMES",
]

#: Plain names of the reading orders.
ORDER_NAMES = {"dmy": "day/month/year", "mdy": "month/day/year", "ymd": "year-month-day"}

#: Dates before this are taken as typing errors ("impossible").
EARLIEST = pd.Timestamp("1990-01-01", tz=TZ)

_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_DMY = re.compile(
    r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})"
    r"(?:[ T,]+(\d{1,2})[:hH](\d{2})?(?::(\d{2}))?(?:\s*(AM|PM|SA|CH))?)?$",
    re.IGNORECASE,
)
# "ngày 05 tháng 4 năm 2023" (diacritics optional), as written in reports
_VI_LONG = re.compile(
    r"^(?:ngay|ngày)?\s*(\d{1,2})\s*(?:thang|tháng)\s*(\d{1,2})\s*(?:nam|năm)\s*(\d{4})$",
    re.IGNORECASE,
)
_YMD = re.compile(
    r"^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+\-]\d{2}:?\d{2})?$"
)
# "2019/01/01 12:00:00 AM" (San Francisco open data): year first, 12-hour clock
_YMD_HALF = re.compile(
    r"^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?"
    r"(?:\.\d+)?\s*(AM|PM|SA|CH)$",
    re.IGNORECASE,
)
# leading "a/b/yyyy" of a slash date, to decide its reading order
_AB = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](?:\d{4}|\d{2})(?:\D|$)")
# times of day: "2230" / "930" / "5" (HHMM, as Los Angeles writes TIME OCC), "23:45[:00]",
# "10h30", "11:55 PM"
_TIME = re.compile(
    r"^(?:(\d{1,2})[:hH](\d{2})?(?::(\d{2}))?(?:\.\d+)?\s*(AM|PM|SA|CH)?|(\d{1,4}))$",
    re.IGNORECASE,
)
_YM = re.compile(r"^(\d{4})[/.\-](\d{1,2})$")
_SERIAL = re.compile(r"^\d{4,5}(?:\.\d+)?$")


class DateProblem(str):
    """A reason code (``bad_date``) with a plain message, returned instead of a date."""

    message: str

    def __new__(cls, code: str, message: str) -> DateProblem:  # noqa: D102
        obj = super().__new__(cls, code)
        obj.message = message
        return obj


def _mk(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> pd.Timestamp | None:
    try:
        return pd.Timestamp(dt.datetime(y, mo, d, h, mi, s)).tz_localize(TZ)
    except ValueError:
        return None


def parse_date(value: object, order: str = "dmy") -> pd.Timestamp | DateProblem | None:
    """Parse one date value.

    Parameters
    ----------
    value
        Text, number (Excel serial), ``datetime``/``Timestamp`` or empty.
    order
        ``"dmy"`` (default: 05/04/2023 is 5 April), ``"mdy"`` or ``"ymd"`` for ambiguous
        slash dates.

    Returns
    -------
    pandas.Timestamp or DateProblem or None
        A timezone-aware timestamp (Asia/Ho_Chi_Minh), ``None`` for an empty value, or a
        :class:`DateProblem` saying why the value cannot be read.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        ts = pd.Timestamp(value)
        return ts.tz_localize(TZ) if ts.tzinfo is None else ts.tz_convert(TZ)
    if isinstance(value, dt.date):
        return pd.Timestamp(value).tz_localize(TZ)
    if isinstance(value, int | float | np.integer | np.floating):
        return _from_serial(float(value), str(value))
    text = str(value).strip()
    if not text:
        return None
    m = _DMY.match(text)
    if m:
        a, b, y = int(m[1]), int(m[2]), int(m[3])
        if y < 100:
            y += 2000 if y < 70 else 1900
        d, mo = (a, b) if order != "mdy" else (b, a)
        h, mi, s = (int(m[4] or 0), int(m[5] or 0), int(m[6] or 0))
        half = (m[7] or "").upper()  # SA (sáng) = AM, CH (chiều) = PM
        if half and 1 <= h <= 12:
            h = h % 12 + (12 if half in {"PM", "CH"} else 0)
        ts = _mk(y, mo, d, h, mi, s)
        if ts is None:
            hint = " (read as day/month/year)" if order != "mdy" else " (read as month/day/year)"
            return DateProblem(
                "bad_date",
                f"'{text}' is not a real date{hint}; check the day and the month, or the "
                "reading order (--date-order)",
            )
        return ts
    m = _VI_LONG.match(text)
    if m:
        ts = _mk(int(m[3]), int(m[2]), int(m[1]))
        if ts is None:
            return DateProblem("bad_date", f"'{text}' is not a real date")
        return ts
    m = _YMD_HALF.match(text)
    if m:
        h = int(m[4])
        if 1 <= h <= 12:
            h = h % 12 + (12 if m[7].upper() in {"PM", "CH"} else 0)
        ts = _mk(int(m[1]), int(m[2]), int(m[3]), h, int(m[5]), int(m[6] or 0))
        if ts is None:
            return DateProblem("bad_date", f"'{text}' is not a real date (read as year/month/day)")
        return ts
    m = _YMD.match(text)
    if m:
        try:
            ts = pd.Timestamp(text.replace(" ", "T", 1) if "T" not in text else text)
        except (ValueError, OverflowError):
            return DateProblem("bad_date", f"'{text}' is not a real date (read as year-month-day)")
        return ts.tz_localize(TZ) if ts.tzinfo is None else ts.tz_convert(TZ)
    m = _YM.match(text)
    if m:
        ts = _mk(int(m[1]), int(m[2]), 1)
        if ts is None:
            return DateProblem("bad_date", f"'{text}' is not a real month (expected yyyy-mm)")
        return ts
    if _SERIAL.match(text):
        return _from_serial(float(text), text)
    return DateProblem(
        "bad_date",
        f"'{text}' cannot be read as a date; write dd/mm/yyyy (for example 05/04/2023) "
        "or yyyy-mm-dd",
    )


def _from_serial(x: float, text: str) -> pd.Timestamp | DateProblem:
    # Excel serial days since 1899-12-30; 32874 = 1990-01-01, 73051 = 2100-01-01.
    if not 20000 <= x <= 73051:
        return DateProblem("bad_date", f"'{text}' is a number, not a date (Excel serial?)")
    return pd.Timestamp(_EXCEL_EPOCH + dt.timedelta(days=x)).tz_localize(TZ)


def parse_dates(
    values: Iterable[object], order: str = "dmy"
) -> tuple[pd.Series, dict[int, DateProblem]]:
    """Parse a column of dates (each distinct value once).

    Returns
    -------
    dates : pandas.Series
        ``datetime64[ns, Asia/Ho_Chi_Minh]``; NaT for empty or unreadable values.
    problems : dict
        Position → :class:`DateProblem` for every unreadable value.
    """
    arr = np.asarray(list(values), dtype=object)
    keys = pd.Series([v if isinstance(v, str) else str(v) for v in arr], dtype=object)
    codes, uniq = pd.factorize(keys)
    first = np.full(len(uniq), -1, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    ns = np.full(len(uniq), np.iinfo(np.int64).min, dtype=np.int64)  # NaT
    bad: dict[int, DateProblem] = {}
    for j, pos in enumerate(first):
        v = arr[pos]
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
            continue
        r = parse_date(v, order=order)
        if isinstance(r, DateProblem):
            bad[j] = r
        elif r is not None:
            ns[j] = r.tz_convert("UTC").as_unit("ns").value
    values_ns = ns[codes]
    ser = pd.Series(pd.to_datetime(values_ns, utc=True)).dt.tz_convert(TZ)
    problems: dict[int, DateProblem] = {}
    if bad:
        bad_codes = np.fromiter(bad, dtype=np.int64)
        for i in np.flatnonzero(np.isin(codes, bad_codes)):
            problems[int(i)] = bad[int(codes[i])]
    return ser, problems


def detect_date_order(values: Iterable[object]) -> tuple[str, str]:
    """Decide how to read the slash dates of one column: day first or month first.

    If some date has a first field above 12 and none a second field above 12, the
    column is day-first; if some has a second field above 12 and none a first field
    above 12, it is month-first (US exports such as ``03/18/2015 11:55:00 PM``);
    otherwise day-first, the Vietnamese default.

    Parameters
    ----------
    values
        The column's values (only texts of the form ``a/b/yyyy`` count; ``-`` and ``.``
        separators too; ISO and year-first dates are not ambiguous and are ignored).

    Returns
    -------
    order : str
        ``"dmy"`` or ``"mdy"``.
    why : str
        A plain sentence with the evidence (an example value), for ``validate``.
    """
    texts = pd.unique(pd.Series([v for v in values if isinstance(v, str)], dtype=object))
    first_big = second_big = None
    n = 0
    for t in texts:
        m = _AB.match(t)
        if m is None:
            continue
        n += 1
        a, b = int(m[1]), int(m[2])
        if a > 12 and first_big is None:
            first_big = t.strip()
        if b > 12 and second_big is None:
            second_big = t.strip()
        if first_big is not None and second_big is not None:
            break
    if first_big is not None and second_big is None:
        return "dmy", f"day first: '{first_big}' has a first field above 12"
    if second_big is not None and first_big is None:
        return "mdy", f"month first: '{second_big}' has a second field above 12"
    if first_big is not None:
        return "dmy", (
            f"day first (default): mixed, '{first_big}' reads only day first and "
            f"'{second_big}' only month first; pass --date-order to choose"
        )
    if n:
        return "dmy", "day first (default): no slash date has a field above 12"
    return "dmy", "no slash dates"


def parse_times(values: Iterable[object]) -> tuple[np.ndarray, np.ndarray]:
    """Parse a time-of-day column (``2230``, ``930``, ``23:45:00``, ``10h30``, ``11:55 PM``).

    Returns
    -------
    seconds : numpy.ndarray
        Seconds after midnight (float), NaN for empty or unreadable values.
    bad : numpy.ndarray
        True where a non-empty value cannot be read as a time of day.
    """
    arr = pd.Series(list(values), dtype=object).astype(str).str.strip()
    codes, uniq = pd.factorize(arr)
    sec = np.full(len(uniq), np.nan)
    bad = np.zeros(len(uniq), dtype=bool)
    for j, t in enumerate(uniq):
        if t in {"", "nan", "None", "NaT", "<NA>"}:
            continue
        t = t.removesuffix(".0")
        m = _TIME.match(t)
        h = mi = s = -1
        if m and m[5] is not None:  # HHMM as one number
            h, mi, s = int(m[5]) // 100, int(m[5]) % 100, 0
        elif m:
            h, mi, s = int(m[1]), int(m[2] or 0), int(m[3] or 0)
            if m[4]:
                if not 1 <= h <= 12:
                    h = -1
                else:
                    h = h % 12 + (12 if m[4].upper() in {"PM", "CH"} else 0)
        if 0 <= h <= 23 and 0 <= mi <= 59 and 0 <= s <= 59:
            sec[j] = h * 3600 + mi * 60 + s
        else:
            bad[j] = True
    if len(codes) == 0:
        return np.zeros(0), np.zeros(0, dtype=bool)
    return sec[codes], bad[codes]
