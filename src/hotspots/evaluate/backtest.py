"""Rolling-origin backtests of predictive maps against naive baselines.

The data's time span is cut into windows: each *origin* ``o`` gives a training window
``[o - train, o)`` and a test window ``[o, o + test)``; the first origin is
``start + train`` and origins move by ``step`` (default ``test``) while the test window
ends no later than ``end``. For every method and window the map is fitted on the
training events only and scored against the test events along the coverage curve
(:mod:`hotspots.evaluate.metrics`). The baselines ``naive`` (events per cell over the
whole training window) and ``naive_last`` (events per cell over the last ``test``-long
part of it) are always included.

Events of a CaseTable are counted per case and view (:mod:`hotspots.areas.views`): the
``operational`` view by default (every role except ``victim_home``; tables without
``role``: every row), one event per case — its first stop in the view — and rows placed
at a province's centre (``precision == "province"``) left out. A case with a recruitment
place, two transit stops and an exit is one event, not four near-repeats.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.areas.grid import Grid
from hotspots.areas.predict import DAY_NS, METHODS, Events, predict
from hotspots.areas.views import VIEWS, default_view, first_per_case, select_view
from hotspots.data.crs import WGS84, metric_crs
from hotspots.errors import ConfigError, InputError
from hotspots.evaluate.metrics import CoverageScores, coverage_scores

if TYPE_CHECKING:
    import matplotlib.figure

__all__ = ["BacktestResult", "backtest", "parse_period", "BASELINES", "ROW_FIELDS"]

#: Methods always run.
BASELINES = ("naive", "naive_last")
#: Fields of one row of the JSON output (the CLI contract).
ROW_FIELDS = (
    "method",
    "test_start",
    "test_end",
    "coverage_pct",
    "hits",
    "events",
    "hit_rate",
    "pai",
    "pei",
)

_PERIOD = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$")


def parse_period(text: str | pd.Timedelta | pd.DateOffset) -> pd.Timedelta | pd.DateOffset:
    """Parse a period such as ``"365D"``, ``"4W"``, ``"12h"``, ``"6M"`` or ``"1Y"``.

    Days, weeks and hours are exact durations; ``M`` (months) and ``Y`` (years) are
    calendar offsets, so monthly data get calendar-month windows.
    """
    if isinstance(text, (pd.Timedelta, pd.DateOffset)):
        return text
    m = _PERIOD.match(str(text))
    if not m:
        raise ConfigError(
            f"period {text!r} not understood; write a number and a unit, e.g. 365D, 4W, 6M, 1Y"
        )
    value, unit = float(m.group(1)), m.group(2)
    if unit in ("M", "MS", "mo", "month", "months"):
        if value != int(value):
            raise ConfigError(f"period {text!r}: months must be a whole number")
        return pd.DateOffset(months=int(value))
    if unit in ("Y", "YS", "y", "year", "years"):
        if value != int(value):
            raise ConfigError(f"period {text!r}: years must be a whole number")
        return pd.DateOffset(years=int(value))
    try:
        td = pd.Timedelta(value, unit=unit)
    except ValueError as exc:
        raise ConfigError(f"period {text!r}: unknown unit {unit!r}; use D, W, h, M or Y") from exc
    if td <= pd.Timedelta(0):
        raise ConfigError(f"period {text!r} must be positive")
    return td


def _timestamp(value: Any, name: str) -> pd.Timestamp:
    """``value`` as a timestamp, or a ConfigError naming the parameter ``name``."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        ts = pd.NaT
    if ts is pd.NaT:
        raise ConfigError(f"{name} (--{name}) {value!r} is not a date; write it as 2024-01-31")
    return ts


def _days(ts: pd.Timestamp) -> float:
    ts = pd.Timestamp(ts)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts.as_unit("ns").value / DAY_NS


@dataclass
class BacktestResult:
    """Scores of every method in every window.

    Attributes
    ----------
    table
        One row per method × window × coverage level with the JSON fields plus
        ``window`` and ``rri``.
    windows
        One row per window: ``window``, ``train_start``, ``test_start``, ``test_end``,
        ``train_events``, ``test_events``.
    info
        ``{(method, window): dict}`` diagnostics (SEPP split, what ``auto`` chose and the
        table it chose from).
    grid
        The grid used.
    maps
        ``{(method, window): (ny, nx) risk}`` when run with ``keep_maps=True``.
    timings
        Seconds spent per method.
    view
        The view of the events that was scored (``"operational"``, ``"origin"``,
        ``"all"``; ``"all"`` for :class:`~hotspots.areas.predict.Events`).
    """

    table: pd.DataFrame
    windows: pd.DataFrame
    info: dict[tuple[str, int], dict[str, Any]]
    grid: Grid
    maps: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    view: str = "all"

    def summary(self) -> pd.DataFrame:
        """Mean hit rate, PAI, PEI and RRI per method × coverage over the windows."""
        cols = ["hit_rate", "pai", "pei", "rri"]
        s = self.table.groupby(["method", "coverage_pct"], sort=False)[cols].mean()
        s["windows"] = self.table.groupby(["method", "coverage_pct"], sort=False).size()
        return s.reset_index()

    def compare(self, coverage_pct: float = 5.0, baseline: str = "naive") -> pd.DataFrame:
        """Per method at one coverage: mean PAI, the baseline's, their ratio and wins.

        ``wins`` counts the windows where the method's hit rate beats the baseline's.
        """
        t = self.table[np.isclose(self.table["coverage_pct"], coverage_pct)]
        piv = t.pivot_table(index="window", columns="method", values="hit_rate")
        pai = t.groupby("method")["pai"].mean()
        rows = []
        for m in piv.columns:
            rows.append(
                {
                    "method": m,
                    "coverage_pct": coverage_pct,
                    "mean_hit_rate": float(piv[m].mean()),
                    "mean_pai": float(pai[m]),
                    f"{baseline}_mean_hit_rate": float(piv[baseline].mean()),
                    "ratio_to_baseline": float(piv[m].mean() / piv[baseline].mean())
                    if piv[baseline].mean() > 0
                    else float("nan"),
                    "wins": int((piv[m] > piv[baseline]).sum()),
                    "ties": int(np.isclose(piv[m], piv[baseline]).sum()),
                    "windows": int(piv[m].notna().sum()),
                }
            )
        return pd.DataFrame(rows)

    def choices_by_coverage(self) -> pd.DataFrame:
        """What ``auto`` chose in each window for each coverage level (empty without it).

        Columns ``window``, ``coverage_pct``, ``chosen_method``, ``chosen_params``,
        ``inner_score`` (its mean inner hit rate there) and ``inner_naive_score``.
        """
        frames = []
        for (m, w), inf in sorted(self.info.items(), key=lambda kv: kv[0][1]):
            if m == "auto" and "by_coverage" in inf:
                f = inf["by_coverage"].copy()
                f.insert(0, "window", w)
                frames.append(f)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def choices(self) -> pd.DataFrame:
        """What ``auto`` chose in each window for its map over the whole curve.

        The criterion is the area under the hit-rate curve up to 20 % (or the hit rate
        at ``coverage`` when given to ``auto``); empty when ``auto`` was not run.
        """
        rows = []
        for (m, w), inf in sorted(self.info.items(), key=lambda kv: kv[0][1]):
            if m == "auto":
                rows.append(
                    {
                        "window": w,
                        "chosen_method": inf["chosen_method"],
                        "chosen_params": inf["chosen_params"],
                        "inner_score": inf["inner_score"],
                        "inner_naive_score": inf["inner_naive_score"],
                        "criterion": inf.get("criterion", "hit_rate_5"),
                    }
                )
        return pd.DataFrame(rows)

    def rows(self) -> list[dict[str, Any]]:
        """The table as JSON-ready rows (the CLI contract fields, then ``rri``, ``window``)."""
        out = []
        for r in self.table.itertuples(index=False):
            d = {k: getattr(r, k) for k in (*ROW_FIELDS, "rri", "window")}
            d["test_start"] = pd.Timestamp(d["test_start"]).isoformat()
            d["test_end"] = pd.Timestamp(d["test_end"]).isoformat()
            for k in ("coverage_pct", "hits", "hit_rate", "pai", "pei", "rri"):
                v = float(d[k])
                d[k] = v if np.isfinite(v) else None
            d["events"] = int(d["events"])
            d["window"] = int(d["window"])
            d["method"] = str(d["method"])
            out.append(d)
        return out

    def to_json(self, path: str | Path) -> Path:
        """Write :meth:`rows` as a JSON list to ``path``."""
        path = Path(path)
        path.write_text(json.dumps(self.rows(), ensure_ascii=False, indent=1), encoding="utf-8")
        return path

    def plot(self, metrics: Sequence[str] = ("hit_rate", "pai")) -> matplotlib.figure.Figure:
        """Matplotlib figure: mean ``metrics`` against coverage, one line per method."""
        import matplotlib.pyplot as plt

        s = self.summary()
        fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 4), squeeze=False)
        labels = {
            "hit_rate": "hit rate",
            "pai": "PAI",
            "pei": "PEI (vs best possible map)",
            "rri": "RRI",
        }
        for ax, metric in zip(axes[0], metrics, strict=True):
            for m, g in s.groupby("method", sort=False):
                style = "--" if m in BASELINES else "-"
                ax.plot(g["coverage_pct"], g[metric], style, marker="o", label=m)
            ax.set_xlabel("coverage (% of area)")
            ax.set_ylabel(labels.get(metric, metric))
            ax.grid(alpha=0.3)
        axes[0][0].legend(fontsize="small")
        n = self.windows.shape[0]
        fig.suptitle(f"Rolling-origin backtest, {n} window{'s' if n != 1 else ''}")
        fig.tight_layout()
        return fig


def _events_from_frame(events: gpd.GeoDataFrame, time_column: str, crs) -> tuple[Events, pd.Series]:
    if time_column not in events.columns:
        raise InputError(
            f"events have no time column {time_column!r}; columns are "
            f"{', '.join(map(str, events.columns))}; name the date column (--time-column)"
        )
    times = pd.to_datetime(events[time_column], errors="coerce")
    gs = events.geometry
    if gs.crs is None:
        gs = gs.set_crs(WGS84)
    gm = gs.to_crs(crs)
    ok = times.notna().to_numpy() & ~(gm.is_empty | gm.isna()).to_numpy()
    pts = gm[ok]
    ev = Events(pts.x.to_numpy(), pts.y.to_numpy(), Events.to_days(times[ok]))
    return ev, times[ok]


def backtest(
    events: gpd.GeoDataFrame | Events,
    methods: Sequence[str] | str = ("kde", "prospective", "sepp", "auto"),
    grid: Grid | None = None,
    cell: float | None = None,
    train: str | pd.Timedelta | pd.DateOffset = "365D",
    test: str | pd.Timedelta | pd.DateOffset = "30D",
    step: str | pd.Timedelta | pd.DateOffset | None = None,
    coverage: Sequence[float] = (1, 2, 5, 10, 20),
    area: gpd.GeoDataFrame | gpd.GeoSeries | Any | None = None,
    seed: int = 0,
    *,
    time_column: str = "occurred_at",
    params: Mapping[str, Mapping[str, Any]] | None = None,
    start: Any = None,
    end: Any = None,
    max_windows: int | None = None,
    keep_maps: bool = False,
    view: str | None = None,
) -> BacktestResult:
    """Rolling-origin backtest of ``methods`` plus the ``naive`` and ``naive_last`` baselines.

    Parameters
    ----------
    events
        Points with a datetime column (a CaseTable or any GeoDataFrame; no CRS = EPSG:4326),
        or :class:`~hotspots.areas.predict.Events` in the grid's CRS (then ``grid`` is
        required).
    methods
        Names in :data:`hotspots.areas.predict.METHODS` (a comma-separated string works).
    grid
        The analysis grid; default: over ``area`` if given, else over the events' extent,
        in the events' metric CRS.
    cell
        Cell size in metres when the grid is built here (``None`` = automatic).
    train, test, step
        Periods (see :func:`parse_period`); ``step`` defaults to ``test``.
    coverage
        Coverage levels, percent of the study area.
    area
        The study area (polygons) when ``grid`` is not given.
    seed
        Passed on for reproducibility (the current methods are deterministic).
    time_column
        The datetime column of ``events``.
    params
        ``{method: {parameter: value}}``.
    start, end
        The observed time span (default: midnight before the first event, and midnight
        after the last event). Windows lie inside it.
    max_windows
        Keep only the last ``max_windows`` windows.
    keep_maps
        Keep every risk map in :attr:`BacktestResult.maps`.
    view
        Which case locations are events: ``"operational"`` (every role except
        ``victim_home``), ``"origin"`` (``victim_home``) or ``"all"``; default
        ``"operational"`` when ``events`` has a ``role`` column, else ``"all"``. Either way
        one event per ``case_id`` (its first stop in the view, by ``seq``, then
        ``time_column``, then row order) and rows with ``precision == "province"`` are
        left out. Not allowed with :class:`~hotspots.areas.predict.Events` (already
        events).

    Returns
    -------
    BacktestResult
    """
    del seed  # every method is deterministic; kept for a stable signature
    if isinstance(methods, str):
        methods = [m.strip() for m in methods.split(",") if m.strip()]
    names = list(BASELINES) + [m for m in methods if m not in BASELINES]
    for m in names:
        if m not in METHODS:
            raise ConfigError(f"unknown method {m!r}; choose from {', '.join(sorted(METHODS))}")
    params = {k: dict(v) for k, v in (params or {}).items()}
    for k in params:
        if k not in METHODS:
            raise ConfigError(f"parameters given for unknown method {k!r}")
    cov = [float(c) for c in coverage]
    if not cov or any(not (0 < c <= 100) for c in cov):
        raise ConfigError(f"coverage levels must be in (0, 100] percent, got {list(coverage)}")
    train_p, test_p = parse_period(train), parse_period(test)
    step_p = parse_period(step) if step is not None else test_p

    if view is not None and view not in VIEWS:
        raise ConfigError(f"view {view!r} is not known; use one of {', '.join(VIEWS)}")
    if max_windows is not None and int(max_windows) < 1:
        raise ConfigError(f"max_windows (--max-windows) must be 1 or more, got {max_windows}")
    if isinstance(events, Events):
        if grid is None:
            raise InputError("backtest: give a grid together with Events")
        if view not in (None, "all"):
            raise ConfigError(
                f"view {view!r} needs a table with a role column; Events are used as they are"
            )
        ev = events
        tz = None
        view_used = "all"
    else:
        if not isinstance(events, gpd.GeoDataFrame):
            raise InputError(
                f"events must be a GeoDataFrame of points, got {type(events).__name__}"
            )
        if len(events) == 0:
            raise InputError("no events to backtest")
        view_used = view if view is not None else default_view(events)
        events = _events_of_view(events, view_used, time_column)
        if len(events) == 0:
            raise InputError(
                f"no events in the {view_used!r} view (column role); choose another --view"
            )
        if grid is None:
            if area is not None:
                grid = Grid.for_area(area, cell=cell)
            else:
                pts = events.geometry if events.crs is not None else events.geometry.set_crs(WGS84)
                grid = Grid.for_points(pts, cell=cell, crs=metric_crs(pts))
        ev, times = _events_from_frame(events, time_column, grid.crs)
        tz = getattr(times.dt, "tz", None)
    inside = grid.cell_of(ev.x, ev.y) >= 0
    ev = ev.take(inside)
    if len(ev) == 0:
        raise InputError("no dated events inside the study area")

    def to_ts(days: float) -> pd.Timestamp:
        ts = pd.Timestamp(int(round(days * DAY_NS)), unit="ns")
        return ts.tz_localize("UTC").tz_convert(tz) if tz is not None else ts

    t_first = to_ts(float(ev.t.min()))
    t_last = to_ts(float(ev.t.max()))
    start_ts = _timestamp(start, "start") if start is not None else t_first.normalize()
    end_ts = (
        _timestamp(end, "end") if end is not None else t_last.normalize() + pd.Timedelta(days=1)
    )
    if tz is not None:
        start_ts = start_ts.tz_localize(tz) if start_ts.tzinfo is None else start_ts
        end_ts = end_ts.tz_localize(tz) if end_ts.tzinfo is None else end_ts
    origins = []
    o = start_ts + train_p
    while o + test_p <= end_ts:
        origins.append(o)
        o = o + step_p
        if len(origins) > 10_000:
            raise ConfigError("more than 10,000 windows: use a longer step")
    if max_windows is not None:
        origins = origins[-int(max_windows) :]
    if not origins:
        raise InputError(
            f"the data span {start_ts.date()} to {end_ts.date()} is too short for a "
            f"{train} training window plus a {test} test window; shorten --train or --test"
        )

    rows: list[dict[str, Any]] = []
    wrows: list[dict[str, Any]] = []
    info: dict[tuple[str, int], dict[str, Any]] = {}
    maps: dict[tuple[str, int], np.ndarray] = {}
    timings = dict.fromkeys(names, 0.0)
    mask = grid.mask
    for w, o in enumerate(origins):
        tr0, te0, te1 = _days(o - train_p), _days(o), _days(o + test_p)
        horizon = te1 - te0
        train_ev = ev.between(tr0, te0)
        test_ev = ev.between(te0, te1)
        train_counts = grid_counts(train_ev, grid)
        test_counts = grid_counts(test_ev, grid)
        wrows.append(
            {
                "window": w,
                "train_start": o - train_p,
                "test_start": o,
                "test_end": o + test_p,
                "train_events": len(train_ev),
                "test_events": len(test_ev),
            }
        )
        for m in names:
            t0 = time.perf_counter()
            mp = dict(params.get(m) or {})
            if m == "auto":
                mp.setdefault("levels", cov)  # auto chooses for the levels scored here
            rm = predict(m, train_ev, grid, t_end=te0, horizon=horizon, t_start=tr0, params=mp)
            timings[m] += time.perf_counter() - t0
            if rm.info:
                info[(m, w)] = rm.info
            if keep_maps:
                maps[(m, w)] = rm.risk
            s = _scores(rm, test_counts, cov, train_counts, mask)
            for i, c in enumerate(cov):
                rows.append(
                    {
                        "method": m,
                        "window": w,
                        "test_start": o,
                        "test_end": o + test_p,
                        "coverage_pct": c,
                        "hits": float(s.hits[i]),
                        "events": s.events,
                        "hit_rate": float(s.hit_rate[i]),
                        "pai": float(s.pai[i]),
                        "pei": float(s.pei[i]),
                        "rri": float(s.rri[i]),
                    }
                )
    table = pd.DataFrame(rows, columns=[*ROW_FIELDS, "rri", "window"])
    return BacktestResult(table, pd.DataFrame(wrows), info, grid, maps, timings, view_used)


def _scores(rm, test_counts, cov, train_counts, mask):
    """Scores of a map along ``cov``.

    A map with ``info["risk_by_coverage"]`` (``auto``) is scored at each level with the
    map chosen for that level.
    """
    s = coverage_scores(rm.risk, test_counts, cov, train_counts=train_counts, mask=mask)
    per = rm.info.get("risk_by_coverage") if isinstance(rm.info, dict) else None
    if not per:
        return s
    fields = {k: np.array(getattr(s, k), dtype=float) for k in ("hits", "hit_rate", "pai")}
    fields.update(pei=np.array(s.pei, dtype=float), rri=np.array(s.rri, dtype=float))
    for i, c in enumerate(cov):
        if c in per:
            one = coverage_scores(per[c], test_counts, [c], train_counts=train_counts, mask=mask)
            for k in fields:
                fields[k][i] = float(getattr(one, k)[0])
    return CoverageScores(
        s.coverage_pct,
        fields["hits"],
        s.events,
        fields["hit_rate"],
        fields["pai"],
        fields["pei"],
        fields["rri"],
    )


def _events_of_view(events: gpd.GeoDataFrame, view: str, time_column: str) -> gpd.GeoDataFrame:
    """Rows of ``view``, without province-centre points, one per case (first stop)."""
    sel = select_view(events, view)
    if "precision" in sel.columns:
        sel = sel[(sel["precision"].astype(str) != "province").to_numpy()]
    sel = sel[~(sel.geometry.isna() | sel.geometry.is_empty).to_numpy()]
    return first_per_case(sel, time_column)


def grid_counts(events: Events, grid: Grid) -> np.ndarray:
    """Events per cell, ``(ny, nx)``; events outside the grid or mask are dropped."""
    idx = grid.cell_of(events.x, events.y)
    ok = idx >= 0
    return np.bincount(idx[ok], minlength=grid.size).astype(float).reshape(grid.shape)
