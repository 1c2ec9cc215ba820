"""The ``learned`` method: Poisson gradient boosting on per-cell history features.

For a period ``[T, T + horizon)`` every grid cell gets features computed from the events
before ``T`` only (Wheeler & Steenbeek 2021; the NIJ Real-Time Crime Forecasting
Challenge, 2017):

* rates (events per day) in the cell over the last 7, 30, 90, 365 days and the whole
  history (a window longer than the history is the rate over the history);
* the same rates averaged over the block of neighbours 1, 2 and 4 cells around it;
* time-decayed counts at half-lives of 7, 30, 90 and 365 days;
* days since the last event in the cell and in its 1- and 4-cell neighbourhoods;
* the season of the period (day of the year as sine and cosine, share of weekend days)
  and the cell's rate in the same period one year earlier;
* static layers when given (for example distance to a border gate, to a key line or to a
  road, or a commune code), one ``(ny, nx)`` array each.

A ``HistGradientBoostingRegressor(loss="poisson")`` is trained on *rolling origins inside
the training window*: origins ``t_end - k * horizon`` (``k = 1, 2, ...``), features from
the events before each origin, target = the events of the ``horizon`` days after it, all
before ``t_end``. The hyper-parameters are fixed (no tuning), so nothing at or after
``t_end`` touches features, targets or choices. The map is the model's expected count per
cell for ``[t_end, t_end + horizon)``. Permutation importances (per feature group, on the
training rows) say in words what drove the map (:func:`importance_text`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import ndimage
from threadpoolctl import threadpool_limits

from hotspots.areas.predict import Events, RiskMap, _cells, register_method
from hotspots.errors import ConfigError, InputError

if TYPE_CHECKING:
    from hotspots.areas.grid import Grid

__all__ = ["FEATURE_GROUPS", "LearnedFit", "cell_features", "fit_learned", "importance_text"]

WINDOWS = (7.0, 30.0, 90.0, 365.0)
RINGS = (1, 2, 4)
HALF_LIVES = (7.0, 30.0, 90.0, 365.0)
_NEVER = 1000.0  # days since the last event when there was none (a cap)
EPOCH = pd.Timestamp("1970-01-01")

#: Feature groups: name -> (English, Vietnamese) label for the commander.
FEATURE_GROUPS: dict[str, tuple[str, str]] = {
    "cell_recent": (
        "recent cases in the cell (last 7 and 30 days)",
        "số vụ gần đây trong ô (7 và 30 ngày qua)",
    ),
    "cell_long": (
        "cases in the cell over the past months and years",
        "số vụ trong ô những tháng, năm qua",
    ),
    "nearby": ("cases in the surrounding cells", "số vụ ở các ô xung quanh"),
    "decay": ("cases weighted by how recent they are", "số vụ tính theo độ mới"),
    "since_last": (
        "days since the last case (cell and surroundings)",
        "số ngày từ vụ gần nhất (trong ô và xung quanh)",
    ),
    "season": (
        "time of year and the same period last year",
        "thời điểm trong năm và cùng kỳ năm trước",
    ),
}
_STATIC_LABELS = {
    "border_gate": ("distance to a border gate", "khoảng cách đến cửa khẩu"),
    "key_line": ("distance to a key line", "khoảng cách đến tuyến trọng điểm"),
    "road": ("distance to a road", "khoảng cách đến đường giao thông"),
    "commune": ("commune", "xã, phường"),
}


def _group_of(name: str) -> str:
    """Feature group of a feature name."""
    if name.startswith("static:"):
        return name
    if name.startswith("ring"):
        return "nearby"
    if name.startswith("decay"):
        return "decay"
    if name.startswith("since"):
        return "since_last"
    if name in ("doy_sin", "doy_cos", "weekend_share", "last_year"):
        return "season"
    if name in ("rate_7", "rate_30"):
        return "cell_recent"
    return "cell_long"


def _label(group: str) -> tuple[str, str]:
    if group.startswith("static:"):
        key = group.split(":", 1)[1]
        return _STATIC_LABELS.get(key, (f"layer {key}", f"lớp {key}"))
    return FEATURE_GROUPS[group]


def _box_mean(a: np.ndarray, radius: int) -> np.ndarray:
    return ndimage.uniform_filter(a, size=2 * radius + 1, mode="constant", cval=0.0)


def cell_features(
    events: Events,
    grid: Grid,
    origin: float,
    t_start: float,
    horizon: float,
    static: Mapping[str, np.ndarray] | None = None,
) -> tuple[list[str], np.ndarray]:
    """Features of every grid cell for the period ``[origin, origin + horizon)``.

    Parameters
    ----------
    events
        Events (metres, days); only those with ``t_start <= t < origin`` are used.
    grid
        The grid.
    origin, t_start, horizon
        Days.
    static
        ``{name: (ny, nx) array}`` static layers.

    Returns
    -------
    names, X
        Feature names and a ``(grid.size, n_features)`` float array (cells in flat order).
    """
    ev = events.between(t_start, origin)
    idx = _cells(ev, grid)
    ok = idx >= 0
    idx, age = idx[ok], origin - ev.t[ok]
    hist = max(float(origin - t_start), 1.0)
    shape, size = grid.shape, grid.size
    names: list[str] = []
    cols: list[np.ndarray] = []
    rates = {}
    for w in (*WINDOWS, np.inf):
        sel = age < w
        span = min(w, hist)
        r = np.bincount(idx[sel], minlength=size).reshape(shape) / span
        key = "all" if not np.isfinite(w) else f"{int(w)}"
        rates[key] = r
        names.append(f"rate_{key}")
        cols.append(r.ravel())
    for k in RINGS:
        for key, r in rates.items():
            names.append(f"ring{k}_{key}")
            cols.append(_box_mean(r, k).ravel())
    for h in HALF_LIVES:
        names.append(f"decay_{int(h)}")
        cols.append(np.bincount(idx, weights=0.5 ** (age / h), minlength=size))
    last = np.full(size, _NEVER)
    np.minimum.at(last, idx, np.minimum(age, _NEVER))
    last = last.reshape(shape)
    names.append("since_cell")
    cols.append(last.ravel())
    for k in (1, 4):
        names.append(f"since_ring{k}")
        m = ndimage.minimum_filter(last, size=2 * k + 1, mode="constant", cval=_NEVER)
        cols.append(m.ravel())
    cols.extend(_season(origin, horizon, size))
    names += ["doy_sin", "doy_cos", "weekend_share"]
    names.append("last_year")
    if hist >= 365.0:
        sel = (age <= 365.0) & (age > 365.0 - horizon)
        cols.append(np.bincount(idx[sel], minlength=size) / horizon)
    else:
        cols.append(np.full(size, np.nan))
    for key, layer in (static or {}).items():
        a = np.asarray(layer, dtype=float)
        if a.shape != shape:
            raise InputError(
                f"static layer {key!r} has shape {a.shape}; it must match the grid {shape}"
            )
        names.append(f"static:{key}")
        cols.append(a.ravel())
    return names, np.column_stack([np.asarray(c, dtype=float).ravel() for c in cols])


def _season(origin: float, horizon: float, size: int) -> list[np.ndarray]:
    """Day of the year of the period's middle (sine, cosine) and its share of weekend days."""
    mid = EPOCH + pd.Timedelta(days=float(origin + horizon / 2.0))
    doy = 2.0 * np.pi * (mid.day_of_year - 1) / 365.25
    days = pd.date_range(EPOCH + pd.Timedelta(days=float(origin)), periods=max(int(horizon), 1))
    weekend = float((days.day_of_week >= 5).mean())
    return [np.full(size, np.sin(doy)), np.full(size, np.cos(doy)), np.full(size, weekend)]


@dataclass
class LearnedFit:
    """A fitted ``learned`` model and what it learned from.

    Attributes
    ----------
    model
        The fitted ``HistGradientBoostingRegressor``.
    names
        Names of the features used.
    used
        Their columns in :func:`cell_features`'s output.
    origins
        The training origins (days).
    rows
        Training rows used.
    importance
        One row per feature group: ``group``, ``label_en``, ``label_vi``, ``increase``
        (mean Poisson deviance increase when the group is permuted), ``share`` (percent of
        the total increase).
    """

    model: Any
    names: list[str]
    used: np.ndarray
    origins: list[float]
    rows: int
    importance: pd.DataFrame


def _training_rows(
    events: Events,
    grid: Grid,
    t_start: float,
    t_end: float,
    horizon: float,
    static: Mapping[str, np.ndarray] | None,
    max_origins: int,
    max_rows: int,
    rng: np.random.Generator,
    stride: float | None = None,
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, list[float]]:
    """Features, targets and weights of the rolling origins inside ``[t_start, t_end)``.

    Rows are study-area cells; cells with no event in their 4-cell neighbourhood before
    the origin ("inactive") are sampled down to as many as the active ones (at least
    1,000), weighted up to stand for all of them; the whole set is capped at
    ``max_rows`` the same way.
    """
    flat = grid.flat_mask
    step = float(horizon if stride is None else stride)
    if step <= 0:
        raise ConfigError(f"learned: stride must be > 0 days, got {stride}")
    origins = []
    k = 1
    while len(origins) < max_origins:
        o = t_end - horizon - (k - 1) * step  # the first target ends at t_end
        if o - t_start < min(horizon, 30.0):
            break
        origins.append(o)
        k += 1
    if not origins:
        raise InputError(
            "learned: the training window is too short for one earlier sub-window; "
            "use a longer --train or a shorter --test"
        )
    xs, ys, ws = [], [], []
    names: list[str] = []
    for o in origins:
        names, X = cell_features(events, grid, o, t_start, horizon, static)
        c = _cells(events.between(o, o + horizon), grid)
        target = np.bincount(c[c >= 0], minlength=grid.size).astype(float)
        X, y = X[flat], target[flat]
        active = X[:, names.index("ring4_all")] > 0
        keep_w = np.ones(len(y))
        inactive = np.flatnonzero(~active)
        n_keep = min(inactive.size, max(1000, int(active.sum())))
        chosen = rng.choice(inactive, n_keep, replace=False) if n_keep else inactive[:0]
        if n_keep:
            keep_w[chosen] = inactive.size / n_keep
        sel = np.sort(np.r_[np.flatnonzero(active), chosen])
        xs.append(X[sel])
        ys.append(y[sel])
        ws.append(keep_w[sel])
    X, y, w = np.vstack(xs), np.concatenate(ys), np.concatenate(ws)
    if len(y) > max_rows:
        sel = np.sort(rng.choice(len(y), max_rows, replace=False))
        X, y, w = X[sel], y[sel], w[sel] * (len(y) / max_rows)
    return names, X, y, w, origins


def _poisson_deviance(y: np.ndarray, mu: np.ndarray, w: np.ndarray) -> float:
    mu = np.maximum(mu, 1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    return float(np.average(2.0 * (term - (y - mu)), weights=w))


def _group_importance(
    model: Any,
    names: list[str],
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    rng: np.random.Generator,
    repeats: int = 2,
    max_rows: int = 5_000,
) -> pd.DataFrame:
    """Permutation importance per feature group: deviance increase when it is shuffled."""
    if len(y) > max_rows:
        sel = rng.choice(len(y), max_rows, replace=False)
        X, y, w = X[sel], y[sel], w[sel]
    base = _poisson_deviance(y, model.predict(X), w)
    groups: dict[str, list[int]] = {}
    for j, n in enumerate(names):
        groups.setdefault(_group_of(n), []).append(j)
    rows = []
    for g, cols in groups.items():
        inc = []
        for _ in range(repeats):
            Xp = X.copy()
            perm = rng.permutation(len(y))
            Xp[:, cols] = X[perm][:, cols]
            inc.append(_poisson_deviance(y, model.predict(Xp), w) - base)
        en, vi = _label(g)
        rows.append({"group": g, "label_en": en, "label_vi": vi, "increase": float(np.mean(inc))})
    imp = pd.DataFrame(rows).sort_values("increase", ascending=False, kind="stable")
    pos = imp["increase"].clip(lower=0.0)
    imp["share"] = 100.0 * pos / pos.sum() if pos.sum() > 0 else 0.0
    return imp.reset_index(drop=True)


def fit_learned(
    events: Events,
    grid: Grid,
    t_start: float,
    t_end: float,
    horizon: float,
    *,
    static: Mapping[str, np.ndarray] | None = None,
    max_origins: int = 12,
    max_rows: int = 30_000,
    max_iter: int = 100,
    importance: bool = True,
    seed: int = 0,
    stride: float | None = None,
) -> LearnedFit:
    """Fit the Poisson gradient-boosting model on rolling origins inside the window.

    Parameters
    ----------
    events
        Training events (only ``t_start <= t < t_end`` are used).
    grid
        The grid.
    t_start, t_end, horizon
        Days: the training window and the length of the period to predict.
    static
        ``{name: (ny, nx) array}`` static layers (``border_gate``, ``key_line``, ``road``
        and ``commune`` get readable labels).
    max_origins
        Earlier sub-windows to learn from (the most recent ones).
    max_rows
        Cap on training rows (cells × origins), sampled with weights beyond it.
    max_iter
        Boosting iterations.
    importance
        Compute the permutation importances per feature group.
    seed
        Seed of the row sampling and the permutations (the fit is deterministic).
    stride
        Days between training origins (default ``horizon``: targets do not overlap).
    """
    from sklearn.ensemble import HistGradientBoostingRegressor

    if horizon <= 0:
        raise ConfigError(f"learned: horizon must be > 0 days, got {horizon}")
    rng = np.random.default_rng(seed)
    ev = events.between(t_start, t_end)
    names, X, y, w, origins = _training_rows(
        ev, grid, t_start, t_end, horizon, static, max_origins, max_rows, rng, stride
    )
    # a feature never observed in training (same period last year on a short window)
    # is left out
    used = np.flatnonzero(np.isfinite(X).any(axis=0))
    X = X[:, used]
    names = [names[j] for j in used]
    model = HistGradientBoostingRegressor(
        loss="poisson",
        max_iter=int(max_iter),
        learning_rate=0.03,
        max_leaf_nodes=15,
        max_bins=63,
        # strong smoothing: the targets are sparse counts (see docs/evaluation.md)
        min_samples_leaf=min(300, max(20, len(y) // 50)),
        l2_regularization=1.0,
        early_stopping=False,
        random_state=seed,
    )
    if y.sum() > 0:
        # one thread: on a shared 2-core machine OpenMP threads slow the fit down 4-fold
        with threadpool_limits(1):
            model.fit(X, y, sample_weight=w)
            imp = _group_importance(model, names, X, y, w, rng) if importance else pd.DataFrame()
    else:
        model = None
        imp = pd.DataFrame()
    return LearnedFit(model, names, used, origins, int(len(y)), imp)


def importance_text(importance: pd.DataFrame, top: int = 3) -> dict[str, str]:
    """What drove the map, in English and Vietnamese (the ``top`` feature groups)."""
    if importance is None or len(importance) == 0:
        return {
            "en": "No pattern learned: too few earlier cases.",
            "vi": "Chưa học được quy luật: quá ít vụ trước đó.",
        }
    t = importance[importance["share"] > 0].head(top)
    en = "; ".join(f"{r.label_en} ({r.share:.0f}%)" for r in t.itertuples())
    vi = "; ".join(f"{r.label_vi} ({r.share:.0f}%)" for r in t.itertuples())
    return {
        "en": f"What the map relies on most: {en}.",
        "vi": f"Bản đồ dựa nhiều nhất vào: {vi}.",
    }


@register_method("learned")
def learned(
    events: Events,
    grid: Grid,
    *,
    t_start: float,
    t_end: float,
    horizon: float,
    static: Mapping[str, np.ndarray] | None = None,
    max_origins: int = 12,
    max_rows: int = 30_000,
    max_iter: int = 100,
    importance: bool = True,
    stride: float | None = None,
) -> RiskMap:
    """Poisson gradient boosting on per-cell history features; see the module docstring."""
    fit = fit_learned(
        events,
        grid,
        t_start,
        t_end,
        horizon,
        static=static,
        max_origins=max_origins,
        max_rows=max_rows,
        max_iter=max_iter,
        importance=importance,
        stride=stride,
    )
    if fit.model is None:
        return RiskMap(np.zeros(grid.shape), "learned", {"importance_text": importance_text(None)})
    _, X = cell_features(events, grid, t_end, t_start, horizon, static)
    flat = grid.flat_mask
    risk = np.zeros(grid.size)
    with threadpool_limits(1):
        risk[flat] = fit.model.predict(X[flat][:, fit.used])
    info = {
        "origins": len(fit.origins),
        "rows": fit.rows,
        "importance": fit.importance,
        "importance_text": importance_text(fit.importance),
    }
    return RiskMap(risk.reshape(grid.shape), "learned", info)
