"""Tables of victim support for the report (notebook 07 and the index), in vi or en.

Every table here is shareable: places only, counts below the privacy threshold hidden.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hotspots.privacy import DEFAULT_THRESHOLD, suppress_counts
from hotspots.support.facilities import FACILITY_TYPE_VI, FACILITY_TYPES

__all__ = [
    "TYPE_EN",
    "report_facilities",
    "reach_kpi_table",
    "beyond_table",
    "new_sites_table",
    "awareness_table",
    "facilities_layer",
    "sites_layer",
    "siting_text",
    "travel_text",
    "reach_headline",
    "awareness_headline",
]

#: English names of the facility types.
TYPE_EN = {
    "shelter": "Shelter / social protection",
    "health": "Health facility",
    "police": "Commune police",
    "legal_aid": "Legal aid",
    "reception": "Reception point / hotline",
}


def _type_name(kind: str, lang: str) -> str:
    return FACILITY_TYPE_VI[kind] if lang == "vi" else TYPE_EN[kind]


def report_facilities(path: str | None, province, synthetic: bool, folder: str | Path, lang="vi"):
    """The facilities of a report run, and a sentence saying where they come from.

    ``path`` given: that file (:func:`~hotspots.support.facilities.read_facilities_file`).
    None with synthetic data: the synthetic demo set
    (:func:`hotspots.synthetic.demo_facilities`) written to ``folder``. None with real
    data: ``(None, sentence)`` — the report then shows only the awareness communes.
    """
    from hotspots.support.facilities import read_facilities_file
    from hotspots.synthetic import demo_facilities

    if path is None and not synthetic:
        return None, (
            "Chưa có tệp cơ sở hỗ trợ (facilities_path): chỉ tính xã cần tuyên truyền."
            if lang == "vi"
            else "No facilities file (facilities_path): only the awareness communes."
        )
    if path is None:
        path = Path(folder) / "facilities_synthetic.csv"
        demo_facilities(province, path=path)
    res = read_facilities_file(path, province=province)
    said = (
        f"{Path(path).name}: {res.rows_read} dòng, {len(res.facilities)} cơ sở được nhận, "
        f"{len(res.quarantine)} dòng bị loại"
        if lang == "vi"
        else f"{Path(path).name}: {res.rows_read} rows, {len(res.facilities)} facilities "
        f"accepted, {len(res.quarantine)} rows quarantined"
    )
    return res, said


def reach_kpi_table(
    victims_within: pd.DataFrame, lang: str = "vi", threshold: int = DEFAULT_THRESHOLD
) -> pd.DataFrame:
    """Share of victims (%) within the limit, one row per year, one column per type.

    A year with fewer than ``threshold`` victims shows no share (privacy).
    """
    v = victims_within.copy()
    v["pct"] = (100 * v["share"]).round(0).astype("Int64")
    v.loc[v["victims"] < threshold, "pct"] = pd.NA
    wide = v.pivot(index="year", columns="type", values="pct")
    wide = wide[[t for t in FACILITY_TYPES if t in wide.columns]]
    wide.columns = [_type_name(t, lang) for t in wide.columns]
    wide.index.name = "Năm" if lang == "vi" else "Year"
    order = sorted(i for i in wide.index if i != "all") + (["all"] if "all" in wide.index else [])
    wide = wide.loc[order]
    return wide.rename(index={"all": "Cả giai đoạn" if lang == "vi" else "Whole period"})


def beyond_table(
    beyond: pd.DataFrame, lang: str = "vi", threshold: int = DEFAULT_THRESHOLD
) -> pd.DataFrame:
    """Origin key areas beyond reach: area, victims (suppressed), types out of reach."""
    b = suppress_counts(beyond[["name", "victims", "beyond", "worst_min"]], threshold)
    b = b.drop(columns="suppressed").assign(worst_min=b["worst_min"].round(0))
    if lang != "vi":
        vi_en = {FACILITY_TYPE_VI[t]: TYPE_EN[t] for t in FACILITY_TYPES}
        b["beyond"] = ["; ".join(vi_en.get(x, x) for x in str(s).split("; ")) for s in b["beyond"]]
    cols = (
        ["Địa bàn nguồn", "Nạn nhân", "Xa loại hỗ trợ", "Xa nhất (phút)"]
        if lang == "vi"
        else ["Origin area", "Victims", "Out of reach", "Farthest (min)"]
    )
    b.columns = cols
    return b


def sites_layer(sites, threshold: int = DEFAULT_THRESHOLD):
    """The new sites as a shareable layer: assigned victims below ``threshold`` hidden."""
    return suppress_counts(sites, threshold, count_columns=["victims"])


def new_sites_table(sites, siting, lang: str = "vi", threshold: int = DEFAULT_THRESHOLD):
    """The proposed sites: rank, commune, type, victims assigned (small counts hidden)."""
    sites = sites_layer(sites, threshold)
    unit = siting.params.get("demand", "victims")
    per_year = unit == "victims per year"
    t = pd.DataFrame(
        {
            "rank": sites["rank"],
            "name": sites["name"],
            "type": [_type_name(k, lang) for k in sites["type"]],
            "victims": pd.to_numeric(sites["victims"]).round(0).astype("Int64"),
        }
    )
    if lang == "vi":
        t.columns = ["Số", "Xã", "Loại", "Nạn nhân/năm" if per_year else "Nạn nhân"]
    else:
        t.columns = ["No.", "Commune", "Type", "Victims/year" if per_year else "Victims"]
    return t


def awareness_table(awareness: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Communes for awareness work: rank, commune, reason (Vietnamese reasons kept)."""
    t = awareness[["rank", "name", "reason"]].copy()
    t.columns = ["Số", "Xã", "Lý do"] if lang == "vi" else ["No.", "Commune", "Reason (vi)"]
    return t


def facilities_layer(facilities):
    """The facilities as a shareable layer (no input row numbers)."""
    fac = facilities.drop(columns=["source_row"], errors="ignore")
    return fac.assign(type_vi=fac["type"].map(FACILITY_TYPE_VI))


def siting_text(an, lang: str = "vi") -> str:
    """One sentence: what the new sites change (before → after) and the MIP gap."""
    s = an.siting
    per_year = s.params.get("demand") == "victims per year"
    if s.model == "cover":
        unit = (
            ("nạn nhân/năm" if per_year else "nạn nhân")
            if lang == "vi"
            else ("victims/year" if per_year else "victims")
        )
        total = s.params.get("total", 0.0)
        if lang == "vi":
            return (
                f"{unit.capitalize()} được phục vụ trong {an.limit:.0f} phút: "
                f"{s.before:.0f} → {s.objective:.0f} / {total:.0f} "
                f"(khoảng cách tối ưu {s.gap:.0%})"
            )
        return (
            f"{unit.capitalize()} served within {an.limit:.0f} min: {s.before:.0f} → "
            f"{s.objective:.0f} of {total:.0f} (MIP gap {s.gap:.0%})"
        )
    b, a = s.mean_minutes()
    if lang == "vi":
        return (
            f"Thời gian trung bình tới cơ sở: {b:.0f} → {a:.0f} phút "
            f"(khoảng cách tối ưu {s.gap:.0%})"
        )
    return f"Mean minutes to support: {b:.0f} → {a:.0f} (MIP gap {s.gap:.0%})"


def travel_text(an, lang: str = "vi") -> str:
    """Which travel model the reach used (recorded, never silent)."""
    t = an.travel
    src = t.get("source") or ("đường thẳng × hệ số quanh co" if lang == "vi" else "straight line")
    if lang == "vi":
        return f"Mô hình di chuyển: {t['model']} ({t['vehicle']}), {src}"
    return f"Travel model: {t['model']} ({t['vehicle']}), {src}"


def reach_headline(an) -> tuple[str, str]:
    """The index headline of reach: share within the limit of the site type (vi, en)."""
    share, n = an.share(an.site_type), len(an.beyond)
    return (
        f"{share:.0%} nạn nhân trong {an.limit:.0f} phút của {an.site_type_vi.lower()}; "
        f"{n} địa bàn nguồn ngoài tầm với",
        f"{share:.0%} of victims within {an.limit:.0f} min of a "
        f"{TYPE_EN[an.site_type].lower()}; {n} origin areas beyond reach",
    )


def awareness_headline(chosen: pd.DataFrame, n: int = 3) -> tuple[str, str]:
    """The index headline of awareness work: the first ``n`` communes (vi, en)."""
    names = ", ".join(chosen["name"].head(n).astype(str))
    return f"Ưu tiên tuyên truyền: {names}", f"Awareness work first in: {names}"
