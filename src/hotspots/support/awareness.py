"""Where to aim awareness work: communes ranked by origin risk, places only.

The origin risk of a commune (:func:`commune_risk`) adds up what the case table says
about where victims come from:

* ``victims`` — victims whose home (role ``victim_home``) is in the commune;
* ``rising`` — their yearly series rises (Mann-Kendall, :mod:`hotspots.areas.trend`,
  ``p <= alpha``) or the commune touches an emerging origin hot spot (new, consecutive
  or intensifying, :func:`hotspots.areas.emerging.emerging_hot_spots`);
* ``recruited`` — victims recruited in the commune (role ``recruitment``), and whether
  the commune lies on a key line (its name in the line's ``communes``);

``risk = victims x (1.5 if rising else 1) + 0.5 x recruited x (1.5 if on a key line else 1)``.

:func:`select_awareness` then picks ``k`` communes for campaigns by maximal covering
(a campaign held in a commune reaches the communes within ``reach_min`` minutes of it)
with an exact MILP, and writes for each a reason a commander can read (Vietnamese).
No table names or scores a person: only communes.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.data.schema import ORIGIN_ROLES, TZ
from hotspots.errors import InputError
from hotspots.privacy import DEFAULT_THRESHOLD

__all__ = ["EMERGING_ORIGIN", "commune_risk", "select_awareness", "risk_reason"]

#: Emerging categories that make an origin commune "rising".
EMERGING_ORIGIN = ("new hot spot", "consecutive hot spot", "intensifying hot spot")


def _victims(frame: pd.DataFrame) -> pd.Series:
    v = pd.to_numeric(frame["victims"], errors="coerce") if "victims" in frame else None
    if v is None:
        return pd.Series(1.0, frame.index)
    v = v.fillna(1.0)
    return v.where(v > 0, 1.0)


def _years(frame: pd.DataFrame) -> pd.Series:
    when = pd.to_datetime(frame["occurred_at"], errors="coerce")
    if when.dt.tz is not None:
        when = when.dt.tz_convert(TZ)
    return when.dt.year


def _trend(home: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Mann-Kendall on each commune's yearly victims (years of the whole table)."""
    from hotspots.areas.trend import mann_kendall

    years = home["year"].dropna()
    if years.empty:
        return pd.DataFrame(columns=["commune_code", "trend_z", "trend_p"])
    span = range(int(years.min()), int(years.max()) + 1)
    cube = home.pivot_table(index="commune_code", columns="year", values="v", aggfunc="sum")
    cube = cube.reindex(columns=list(span), fill_value=0).fillna(0)
    if len(span) < 3:
        return pd.DataFrame({"commune_code": cube.index, "trend_z": 0.0, "trend_p": 1.0})
    mk = mann_kendall(cube.to_numpy())
    return pd.DataFrame({"commune_code": cube.index, "trend_z": mk.z, "trend_p": mk.p})


def _links(cases: pd.DataFrame) -> pd.DataFrame:
    """Home commune -> recruitment commune of the same case, with victims."""
    if "case_id" not in cases:
        return pd.DataFrame(columns=["commune_code", "recruit_code", "v"])
    h = cases[cases["role"].isin(ORIGIN_ROLES)][["case_id", "commune_code"]]
    r = cases[cases["role"] == "recruitment"][["case_id", "commune_code"]]
    r = r.rename(columns={"commune_code": "recruit_code"})
    link = h.drop_duplicates().merge(r.drop_duplicates(), on="case_id")
    v = cases[cases["role"].isin(ORIGIN_ROLES)].groupby("case_id")["v"].max()
    link["v"] = link["case_id"].map(v).fillna(1.0)
    return link.groupby(["commune_code", "recruit_code"], as_index=False)["v"].sum()


def _on_lines(codes: pd.Series, names: pd.Series, key_lines) -> pd.Series:
    """Rank of the first key line whose ``communes`` name each commune (else NA)."""
    from hotspots.geodata import normalize_name

    out = pd.Series(pd.NA, index=codes.index, dtype="Int64")
    if key_lines is None or len(key_lines) == 0 or "communes" not in key_lines:
        return out
    lines = key_lines.sort_values("rank") if "rank" in key_lines else key_lines
    for _, ln in lines.iloc[::-1].iterrows():
        on = {normalize_name(c) for c in re.split(r"[;,]", str(ln["communes"])) if c.strip()}
        hit = names.map(normalize_name).isin(on)
        out[hit] = int(ln["rank"]) if "rank" in ln else 1
    return out


def _emerging_codes(emerging, cells: gpd.GeoDataFrame | None) -> set[str]:
    if emerging is None or cells is None or len(emerging) == 0:
        return set()
    hot = emerging[emerging["category"].isin(EMERGING_ORIGIN)]
    if hot.empty:
        return set()
    hit = gpd.sjoin(cells[["code", "geometry"]], hot[["geometry"]].to_crs(cells.crs))
    return set(hit["code"].astype(str))


def commune_risk(
    cases: pd.DataFrame,
    communes: gpd.GeoDataFrame,
    key_lines: gpd.GeoDataFrame | None = None,
    emerging: gpd.GeoDataFrame | None = None,
    cells: gpd.GeoDataFrame | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Origin risk of every commune of the case table (see the module docstring).

    Parameters
    ----------
    cases
        CaseTable (``case_id``, ``role``, ``victims``, ``commune_code``, ``occurred_at``).
    communes
        Communes with ``code`` and ``name`` (:func:`hotspots.geodata.communes`).
    key_lines
        Key lines (``rank``, ``communes``), optional.
    emerging, cells
        Emerging hot spots of the origin points and the commune cells (``code``,
        polygon) to find the communes they touch; optional.
    alpha
        Significance level of the Mann-Kendall trend.

    Returns
    -------
    pandas.DataFrame
        One row per commune with victims or recruitment: ``commune_code``, ``name``,
        ``victims``, ``trend_z``, ``trend_p``, ``emerging``, ``rising``, ``recruited``,
        ``key_line``, ``recruited_in`` (where its victims were recruited), ``risk``;
        highest risk first.
    """
    if "role" not in cases or "commune_code" not in cases:
        raise InputError("the case table needs columns role and commune_code (read_cases)")
    c = pd.DataFrame(cases.drop(columns="geometry", errors="ignore")).copy()
    c["commune_code"] = c["commune_code"].astype(str)
    c["v"] = _victims(c)
    home = c[c["role"].isin(ORIGIN_ROLES)].assign(year=lambda d: _years(d))
    rec = c[c["role"] == "recruitment"]
    out = pd.DataFrame(
        {
            "victims": home.groupby("commune_code")["v"].sum(),
            "recruited": rec.groupby("commune_code")["v"].sum(),
        }
    ).fillna(0.0)
    out = out[out.index.isin(communes["code"].astype(str))]
    out.index.name = "commune_code"
    out = out.reset_index()
    names = communes.set_index(communes["code"].astype(str))["name"]
    out.insert(1, "name", out["commune_code"].map(names))
    out = out.merge(_trend(home, alpha), on="commune_code", how="left")
    out[["trend_z", "trend_p"]] = out[["trend_z", "trend_p"]].fillna({"trend_z": 0, "trend_p": 1})
    out["emerging"] = out["commune_code"].isin(_emerging_codes(emerging, cells))
    out["rising"] = ((out["trend_p"] <= alpha) & (out["trend_z"] > 0)) | out["emerging"]
    out["key_line"] = _on_lines(out["commune_code"], out["name"], key_lines)
    links = _links(c)
    out["recruited_in"] = out["commune_code"].map(_recruited_in(links, names))
    out["risk"] = out["victims"] * np.where(out["rising"], 1.5, 1.0) + 0.5 * out[
        "recruited"
    ] * np.where(out["key_line"].notna(), 1.5, 1.0)
    return out.sort_values(["risk", "victims"], ascending=False, kind="stable").reset_index(
        drop=True
    )


def _recruited_in(links: pd.DataFrame, names: pd.Series) -> dict[str, str]:
    """``{home commune code: 'A, B'}``: the (up to 3) commonest recruitment communes."""
    out = {}
    other = links[links["commune_code"] != links["recruit_code"]]
    for code, g in other.groupby("commune_code"):
        top = g.sort_values("v", ascending=False).head(3)["recruit_code"]
        out[code] = ", ".join(str(names.get(x, x)) for x in top)
    return out


def _count_text(v: float, threshold: int) -> str:
    return f"dưới {threshold}" if 0 < v < threshold else f"{v:.0f}"


def risk_reason(row: pd.Series, threshold: int = DEFAULT_THRESHOLD) -> str:
    """A commander's reason for one commune of :func:`commune_risk` (Vietnamese).

    Counts below ``threshold`` are written as ``dưới <threshold>`` (privacy).
    """
    parts = []
    if row["victims"] > 0:
        parts.append(f"{_count_text(row['victims'], threshold)} nạn nhân cư trú tại xã")
    if row.get("emerging", False):
        parts.append("điểm nóng nguồn nạn nhân mới nổi")
    elif row.get("rising", False):
        p = f"{row['trend_p']:.2f}".replace(".", ",")
        parts.append(f"số nạn nhân tăng qua các năm (Mann-Kendall, p = {p})")
    if row["recruited"] > 0:
        line = row.get("key_line")
        on = f", trên tuyến trọng điểm {line}" if line is not None and not pd.isna(line) else ""
        parts.append(f"nơi tuyển mộ {_count_text(row['recruited'], threshold)} nạn nhân{on}")
    if isinstance(row.get("recruited_in"), str) and row["recruited_in"]:
        parts.append(f"nạn nhân ở đây bị tuyển mộ tại {row['recruited_in']}")
    return "; ".join(parts)


def select_awareness(
    risk: pd.DataFrame,
    k: int,
    minutes: np.ndarray | None = None,
    reach_min: float = 15.0,
    threshold: int = DEFAULT_THRESHOLD,
    time_limit: float = 30.0,
) -> pd.DataFrame:
    """Choose ``k`` communes for awareness campaigns covering the most origin risk.

    Parameters
    ----------
    risk
        :func:`commune_risk`.
    k
        Campaigns.
    minutes
        Travel minutes between the communes of ``risk`` (square, same order); a
        campaign in ``j`` reaches ``i`` when ``minutes[i, j] <= reach_min``. None: a
        campaign reaches its own commune only (then the top ``k`` by risk).
    reach_min
        Minutes a campaign reaches.
    threshold
        Privacy threshold of the counts in the reasons.

    Returns
    -------
    pandas.DataFrame
        ``rank``, ``commune_code``, ``name``, ``risk`` (of the commune), ``covered_risk``
        (what the campaign adds, in rank order), ``reaches`` (other communes reached),
        ``reason`` (Vietnamese); the MILP ``gap`` in ``attrs``.
    """
    from hotspots.plan.checkpoints import _max_cover

    if k < 1:
        raise InputError(f"the number of awareness communes must be >= 1, got {k}")
    w = risk["risk"].to_numpy(float)
    n = len(w)
    if n == 0:
        raise InputError("no commune with victims or recruitment to aim awareness work at")
    cover = np.eye(n, dtype=bool) if minutes is None else np.asarray(minutes) <= reach_min
    np.fill_diagonal(cover, True)
    x, gap, _ = _max_cover(w, cover, min(k, n), time_limit)
    chosen, covered, rows = list(np.flatnonzero(x)), np.zeros(n, bool), []
    while chosen:
        gains = [float(w[cover[:, j] & ~covered].sum()) for j in chosen]
        j = chosen.pop(int(np.argmax(gains)))
        new = cover[:, j] & ~covered
        covered |= cover[:, j]
        r = risk.iloc[j]
        others = [str(risk["name"].iloc[i]) for i in np.flatnonzero(new) if i != j]
        reason = risk_reason(r, threshold)
        if others:
            reason += f"; chiến dịch tại đây tới được cả {', '.join(others[:4])}"
        rows.append(
            (
                r["commune_code"],
                r["name"],
                float(r["risk"]),
                float(w[new].sum()),
                ", ".join(others),
                reason,
            )
        )
    cols = ["commune_code", "name", "risk", "covered_risk", "reaches", "reason"]
    out = pd.DataFrame(rows, columns=cols)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out.attrs.update({"gap": gap, "covered": float(w[covered].sum()), "total": float(w.sum())})
    return out
