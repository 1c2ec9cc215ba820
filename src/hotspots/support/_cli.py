"""``hotspots support``: victim support within reach, new sites and awareness communes.

``hotspots support INPUT --facilities FILE [--province P|--area FILE] [--network FILE]
[--add K] [--limit 60] --out DIR`` writes into DIR (shareable: counts below the privacy
threshold suppressed, no case point):

* ``reach_communes.csv``, ``reach_areas.csv`` — minutes to the nearest facility of each
  type from every commune seat and every origin key area;
* ``victims_within.csv`` — share of victims within ``--limit`` of each type, per year;
* ``beyond_reach.csv`` — origin key areas beyond the limit, most victims first;
* ``service_areas.gpkg``/``.geojson`` — 30/60/120-minute service areas per type;
* ``new_sites.gpkg``/``.geojson``/``.csv`` — the ``--add`` new sites (MILP, gap);
* ``awareness.csv`` — communes to aim awareness work at, with reasons;
* ``support_map.html`` (offline), ``support.json`` and ``tom_tat.txt`` (Vietnamese summary);
* ``facilities_quarantine.csv`` — bad facility rows, when there are some.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["register", "run_support"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``support`` subcommand."""
    from hotspots.data._cli import add_area_arguments, add_input_arguments

    p = sub.add_parser(
        "support",
        help="victim support within reach of origin areas; where to add support and "
        "where to aim awareness work",
        description="Travel time from every commune and origin key area to the nearest "
        "shelter, health facility, police post, legal aid and reception point; the share "
        "of victims within --limit minutes; k new sites (exact MILP); communes for "
        "awareness work.",
    )
    p.add_argument("input", help="case file (CSV, XLSX, GeoJSON, GeoPackage, Shapefile)")
    p.add_argument("--facilities", required=True, help="facilities file (CSV, XLSX, GeoPackage)")
    add_area_arguments(p)
    add_input_arguments(p)
    p.add_argument("--network", help="road network file (default: the bundled major roads)")
    p.add_argument("--add", type=int, default=3, help="new support sites to choose (3; 0: none)")
    p.add_argument("--limit", type=float, default=60.0, help="minutes within reach (60)")
    p.add_argument(
        "--site-type",
        default="shelter",
        help="type of the new sites: shelter, health, police, legal_aid, reception (shelter)",
    )
    p.add_argument(
        "--model",
        choices=("cover", "median"),
        default="cover",
        help="cover: most victims within --limit; median: least victim-weighted minutes",
    )
    p.add_argument("--awareness", type=int, default=5, help="communes for awareness work (5)")
    p.add_argument("--lines", help="key lines layer (hotspots key-lines) for recruitment places")
    p.add_argument("--vehicle", default="car", help="car, motorbike or foot (car)")
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(func=run_support)


def _check_args(args: argparse.Namespace) -> None:
    from hotspots.errors import ConfigError
    from hotspots.support.facilities import FACILITY_TYPES

    if args.add < 0:
        raise ConfigError(f"--add must be 0 or more new sites, got {args.add}")
    if not args.limit > 0:
        raise ConfigError(f"--limit must be a positive number of minutes, got {args.limit}")
    if args.awareness < 1:
        raise ConfigError(f"--awareness must be 1 or more communes, got {args.awareness}")
    if args.site_type not in FACILITY_TYPES:
        raise ConfigError(f"--site-type {args.site_type!r}: use one of {', '.join(FACILITY_TYPES)}")


def _province(args: argparse.Namespace, cases) -> str:
    """--province, else the province most cases lie in."""
    from hotspots.errors import ConfigError

    if args.province:
        return args.province
    codes = cases["province_code"].dropna().astype(str) if "province_code" in cases else []
    if len(codes) == 0:
        raise ConfigError("cannot tell the province of the cases; give --province")
    return codes.mode().iloc[0]


def _read_lines(path: str | None):
    if not path:
        return None
    import geopandas as gpd

    from hotspots.errors import UnusableInputError

    try:
        return gpd.read_file(path)
    except Exception as exc:  # noqa: BLE001 - any reader error: the file is named
        raise UnusableInputError(f"cannot read key lines {path}: {exc}") from exc


def _key_lines(path: str | None, routes):
    """Key lines from ``--lines``, else found in the case routes (None without routes)."""
    if path:
        return _read_lines(path)
    if routes is None or len(routes) == 0:
        return None
    from hotspots.errors import InputError
    from hotspots.lines.key_lines import key_lines

    try:
        return key_lines(routes).lines
    except InputError:
        return None


def run_support(args: argparse.Namespace) -> int:
    """Run ``hotspots support``."""
    from hotspots.data._cli import load_input
    from hotspots.maps.labels import looks_synthetic
    from hotspots.support.analysis import support_analysis
    from hotspots.support.facilities import read_facilities_file
    from hotspots.support.reach import support_travel

    _check_args(args)
    res = load_input(args, need_cases=True)
    province = _province(args, res.cases)
    fac = read_facilities_file(args.facilities, province=province)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if len(fac.quarantine):
        fac.quarantine.to_csv(out / "facilities_quarantine.csv", index=False, encoding="utf-8")
        print(
            f"warning: {len(fac.quarantine)} row(s) of {Path(args.facilities).name} left out "
            f"(written to {out / 'facilities_quarantine.csv'}):"
        )
        for line in fac.messages():
            print(f"  {line}")
    travel = support_travel(province, args.network, vehicle=args.vehicle)
    an = support_analysis(
        res.cases,
        fac.facilities,
        province,
        travel=travel,
        add=args.add,
        limit=args.limit,
        site_type=args.site_type,
        model=args.model,
        awareness=args.awareness,
        key_lines=_key_lines(args.lines, res.routes),
    )
    synthetic = looks_synthetic(res.cases) or _synthetic_facilities(args.facilities)
    files = write_outputs(an, out, province, synthetic, fac)
    print(summary_text(an, synthetic))
    print(f"written: {', '.join(sorted(p.name for p in files))}", file=sys.stderr)
    return 0


def _synthetic_facilities(path: str) -> bool:
    try:
        return "SYNTHETIC" in Path(path).read_text(encoding="utf-8", errors="ignore")[:100_000]
    except OSError:
        return False


def write_outputs(an, out: Path, province, synthetic: bool, fac) -> list[Path]:
    """Write every output of ``hotspots support`` into ``out`` (shareable)."""
    from hotspots.areas.key_areas import write_layer
    from hotspots.support.maps import support_map
    from hotspots.support.tables import sites_layer

    label = _label(synthetic)
    files = []

    def csv(frame, name):
        f = frame.copy()
        if label:
            f["data_label"] = label
        f.to_csv(out / name, index=False, encoding="utf-8")
        files.append(out / name)

    tables = shareable_tables(an)
    for name, frame in tables.items():
        csv(frame, f"{name}.csv")
    for ext in (".gpkg", ".geojson"):
        sa = an.service_areas.assign(data_label=label) if label else an.service_areas
        files.append(write_layer(sa, out / f"service_areas{ext}", layer="service_areas"))
        if an.sites is not None:
            s = sites_layer(an.sites)
            s = s.assign(data_label=label) if label else s
            files.append(write_layer(s, out / f"new_sites{ext}", layer="new_sites"))
    if an.sites is not None:
        csv(
            sites_layer(an.sites)
            .drop(columns="geometry")
            .assign(lon=an.sites.geometry.x.round(5), lat=an.sites.geometry.y.round(5)),
            "new_sites.csv",
        )
    support_map(an, province, out / "support_map.html", synthetic=synthetic)
    files.append(out / "support_map.html")
    info = _no_nan(summary_json(an, synthetic, fac))
    (out / "support.json").write_text(
        json.dumps(info, ensure_ascii=False, indent=2, default=str, allow_nan=False),
        encoding="utf-8",
    )
    (out / "tom_tat.txt").write_text(summary_text(an, synthetic) + "\n", encoding="utf-8")
    return [*files, out / "support.json", out / "tom_tat.txt"]


def _no_nan(obj):
    """``obj`` with every NaN float as None (strict JSON)."""
    if isinstance(obj, dict):
        return {k: _no_nan(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_no_nan(v) for v in obj]
    if isinstance(obj, float) and obj != obj:
        return None
    if hasattr(obj, "item") and not isinstance(obj, str):  # numpy scalars
        return _no_nan(obj.item())
    return obj


def _label(synthetic: bool) -> str:
    from hotspots.synthetic import SYNTHETIC_LABEL

    return SYNTHETIC_LABEL if synthetic else ""


def shareable_tables(an) -> dict:
    """The CSV tables of a run with counts below the privacy threshold suppressed."""
    from hotspots.privacy import suppress_counts
    from hotspots.support.reach import reach_wide

    rc = reach_wide(an.reach_communes).merge(an.communes[["place", "name"]], on="place", how="left")
    rc = rc.rename(columns={"place": "commune_code"})
    tables = {"reach_communes": rc.round(1)}
    if len(an.reach_areas):
        ra = reach_wide(an.reach_areas).merge(
            an.areas[["place", "name", "victims"]], on="place", how="left"
        )
        tables["reach_areas"] = suppress_counts(ra.round(1))
    w = suppress_counts(an.victims_within, count_columns=["victims", "within"])
    tables["victims_within"] = w.round(3)
    tables["beyond_reach"] = suppress_counts(an.beyond.round(1)) if len(an.beyond) else an.beyond
    tables["awareness"] = suppress_counts(
        an.awareness.round(1), count_columns=["risk", "covered_risk"]
    )
    return tables


def summary_json(an, synthetic: bool, fac) -> dict:
    """``support.json``: model, shares, siting result with its gap, counts of rows."""
    s = an.siting
    return {
        "label": _label(synthetic) or None,
        "travel": an.travel,
        "limit_min": an.limit,
        "facilities": {
            "rows_read": fac.rows_read,
            "accepted": len(fac.facilities),
            "quarantined": len(fac.quarantine),
            "by_type": an.facilities["type"].value_counts().to_dict(),
        },
        "share_within": {t: an.share(t) for t in an.victims_within["type"].unique()},
        "beyond_reach_areas": int(len(an.beyond)),
        "service_areas": "union of the commune cells whose seat is within the time",
        "new_sites": None
        if s is None
        else {
            "type": an.site_type,
            "model": s.model,
            "k": s.params["k"],
            "gap": s.gap,
            "status": s.status,
            "before": s.before,
            "after": s.objective,
            "total": s.params.get("total"),
            "demand": s.params.get("demand"),
            "capacitated": s.params["capacitated"],
            "unserved": s.unserved,
            "served": s.served,
            "before_served": s.before_served,
            "mean_minutes": list(s.mean_minutes()),
            "sites": an.sites["name"].tolist(),
        },
        "awareness": {
            "communes": an.awareness["name"].tolist(),
            "gap": an.awareness.attrs.get("gap"),
            "covered_risk": an.awareness.attrs.get("covered"),
            "total_risk": an.awareness.attrs.get("total"),
        },
        "notes": an.notes,
    }


def _pct(x: float) -> str:
    return "—" if x != x else f"{100 * x:.0f}%"


def summary_text(an, synthetic: bool) -> str:
    """The Vietnamese summary (``tom_tat.txt``) of a run."""
    from hotspots.support.facilities import FACILITY_TYPE_VI

    lines = [_label(synthetic)] if synthetic else []
    src = an.travel.get("source") or "đường thẳng × hệ số quanh co"
    lines.append(
        f"HỖ TRỢ NẠN NHÂN TRONG TẦM VỚI ({an.limit:.0f} phút, {an.travel['model']}: {src})"
    )
    for t in an.victims_within["type"].unique():
        lines.append(
            f"- {FACILITY_TYPE_VI[t]}: {_pct(an.share(t))} nạn nhân (theo nơi cư trú) "
            f"trong {an.limit:.0f} phút"
        )
    if len(an.beyond):
        lines.append(f"Địa bàn nguồn nạn nhân ngoài {an.limit:.0f} phút ({len(an.beyond)}):")
        for r in an.beyond.head(5).itertuples():
            lines.append(f"  {r.name}: xa {r.beyond}")
    else:
        lines.append(
            f"Mọi địa bàn nguồn nạn nhân đều trong {an.limit:.0f} phút của mọi loại hỗ trợ."
        )
    s = an.siting
    if s is not None:
        unit = "nạn nhân/năm" if s.params.get("demand") == "victims per year" else "nạn nhân"
        b, a = s.mean_minutes()
        what = (
            f"số {unit} trong {an.limit:.0f} phút: {s.before:.0f} → {s.objective:.0f} / "
            f"{s.params.get('total', 0):.0f}"
            if s.model == "cover"
            else f"thời gian trung bình tới cơ sở: {b:.0f} → {a:.0f} phút cho {s.before_served:.0f}"
            f" → {s.served:.0f} {unit} được phục vụ"
        )
        lines.append(
            f"Đề xuất {len(an.sites)} điểm {FACILITY_TYPE_VI[an.site_type].lower()} mới "
            f"({what}; khoảng cách tối ưu MIP {s.gap:.1%}):"
        )
        for r in an.sites.itertuples():
            lines.append(f"  {r.rank}. {r.name}")
    if len(an.awareness):
        lines.append("Xã nên ưu tiên tuyên truyền, nâng cao nhận thức:")
        for r in an.awareness.itertuples():
            lines.append(f"  {r.rank}. {r.name}: {r.reason}")
    lines += [f"Ghi chú: {n}" for n in an.notes]
    return "\n".join(lines)
