"""Bundled geography of Vietnam (2025 structure): provinces, communes, borders, border gates.

Everything is read from the small derived files in the repository's ``geodata/``
directory (source, licence and changes in ``geodata/README.md``); nothing is downloaded.
Loaded tables are cached; every function returns a fresh copy you may modify.

Names are looked up diacritic-, case- and prefix-insensitively: ``"lao cai"``,
``"Lào Cai"``, ``"Tỉnh Lào Cai"``, ``"15"`` and ``15`` all give the same province.

Examples
--------
>>> from hotspots import geodata
>>> geodata.province("tinh lao cai")["code"]
'15'
>>> len(geodata.communes("Lào Cai"))
99

Rebuild the files (needs the ``geodata`` extra and ``npm``): ``python -m hotspots.geodata
build`` (``--amcharts`` takes a local copy of the amcharts geodata npm package).
"""

from __future__ import annotations

import difflib
import functools
import os
import re
import unicodedata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.errors import InputError, LookupNameError

__all__ = [
    "DATA_DIR",
    "normalize_name",
    "provinces",
    "province",
    "province_code",
    "communes",
    "commune",
    "commune_areas",
    "borders",
    "border_gates",
    "province_merge_2025",
    "roads",
    "road_crossings",
    "ROAD_CIRCUITY",
]

#: Directory of the derived geography files (override with ``HOTSPOTS_GEODATA_DIR``).
#: ``hotspots/_geodata`` holds links to the files of the repository's ``geodata/``; a
#: built wheel carries the files themselves there.
DATA_DIR = Path(os.environ.get("HOTSPOTS_GEODATA_DIR", Path(__file__).parent / "_geodata"))

_WGS84 = "EPSG:4326"
_METRIC = "EPSG:32648"  # metric CRS for Voronoi cells and areas; all of Vietnam fits well

# Administrative prefixes dropped by normalize_name. With diacritics they are unambiguous
# ("Tỉnh" is a prefix, "Tịnh Biên" and "Tĩnh Túc" are names; "Xã" vs "Xa Dung", "Phường" vs
# "Phương Liệt", "Quận" vs "Quan Sơn"), so accented input is matched on its accented form.
_PREFIXES_VI = (
    "thành phố trực thuộc trung ương",
    "thành phố",
    "thị trấn",
    "đặc khu",
    "thị xã",
    "phường",
    "huyện",
    "tỉnh",
    "quận",
    "tp",
    "xã",
)
_PREFIX_VI_RE = re.compile(r"^(?:" + "|".join(_PREFIXES_VI) + r")(?:\s*\.\s*|\s+)(?=\S)")
# ASCII input ("xa tinh bien") is ambiguous: multi-word prefixes are always dropped, one-word
# prefixes only when at least two words remain ("tinh bien" stays, "tinh lao cai" -> "lao cai").
_PREFIX_ASCII_LONG_RE = re.compile(
    r"^(?:thanh pho truc thuoc trung uong|thanh pho|thi tran|dac khu|thi xa|tp)\s+(?=\S)"
)
_PREFIX_ASCII_SHORT_RE = re.compile(r"^(?:phuong|huyen|tinh|quan|xa)\s+(?=\S+\s+\S)")


# A few common short forms for provinces (normalised form -> province code).
_PROVINCE_ALIASES = {
    "hcm": "79",
    "tphcm": "79",
    "hcmc": "79",
    "saigon": "79",
    "hochiminhcity": "79",
    "hn": "01",
    "hanoi": "01",
}


def normalize_name(s: object) -> str:
    """Normalise a Vietnamese place name for matching.

    Lowercases, drops one leading administrative prefix (``tỉnh``, ``thành phố``, ``tp.``,
    ``xã``, ``phường``, ``thị trấn``, ``đặc khu``, ``huyện``, ``quận``, ``thị xã``), folds
    diacritics (``đ`` → ``d``), turns punctuation into spaces and collapses whitespace.

    Prefixes are recognised with their diacritics, so names that merely look like a
    prefix keep their first word (``"Tịnh Biên"`` → ``"tinh bien"``, not ``"bien"``). For
    input without any diacritics, a one-word prefix (``xa``, ``phuong``, ``tinh``, ``quan``,
    ``huyen``) is dropped only when at least two words remain, so ``"xa tinh bien"`` →
    ``"tinh bien"`` but ``"xa dung"`` (the commune Xa Dung) stays.

    Parameters
    ----------
    s
        Any value; ``None``/NaN give ``""``.

    Returns
    -------
    str
        The normalised name, for example ``"lao cai"`` for ``"Tỉnh Lào Cai"``.

    Examples
    --------
    >>> normalize_name("Tỉnh  Lào Cai")
    'lao cai'
    >>> normalize_name("TP. Hồ Chí Minh")
    'ho chi minh'
    >>> normalize_name("Phường Tịnh Biên")
    'tinh bien'
    >>> normalize_name("tinh lao cai")
    'lao cai'
    """
    if s is None or (isinstance(s, float) and np.isnan(s)):
        return ""
    t = unicodedata.normalize("NFC", str(s)).lower()
    t = re.sub(r"\s+", " ", t).strip()
    ascii_only = t.isascii()
    if not ascii_only:
        t = _PREFIX_VI_RE.sub("", t, count=1)
    t = unicodedata.normalize("NFD", t.replace("đ", "d"))
    t = "".join(c for c in t if unicodedata.category(c) != "Mn")
    t = re.sub(r"[^a-z0-9]+", " ", t).strip()
    if ascii_only:
        t = _PREFIX_ASCII_LONG_RE.sub("", t, count=1)
        t = _PREFIX_ASCII_SHORT_RE.sub("", t, count=1)
    return t


def _compact(s: object) -> str:
    return normalize_name(s).replace(" ", "")


def _name_keys(s: object) -> list[str]:
    """Compact keys to try for a query.

    The normalised name, and for ASCII input made of a one-word prefix and a one-word
    name ("xa lang"), that name too.
    """
    k = normalize_name(s)
    keys = [k.replace(" ", "")]
    if str(s).isascii():
        m = re.fullmatch(r"(?:phuong|huyen|tinh|quan|xa) (\S+)", k)
        if m:
            keys.append(m.group(1))
    return keys


def _exact(s: object) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(s)).lower()).strip()


def _path(name: str) -> Path:
    p = DATA_DIR / name
    if not p.exists():
        raise FileNotFoundError(
            f"bundled geography file {p} is missing; run `python -m hotspots.geodata build` "
            "or set HOTSPOTS_GEODATA_DIR to the directory holding the geodata files"
        )
    return p


# --- cached loaders (never hand these out; callers get copies) -------------------------


@functools.lru_cache(maxsize=1)
def _provinces() -> gpd.GeoDataFrame:
    g = gpd.read_file(_path("provinces.geojson"))
    g = g[["code", "name", "full_name", "name_ascii", "geometry"]]
    g["code"] = g["code"].astype(str).str.zfill(2)
    return g.set_crs(_WGS84, allow_override=True).sort_values("code").reset_index(drop=True)


@functools.lru_cache(maxsize=1)
def _communes() -> gpd.GeoDataFrame:
    df = pd.read_csv(
        _path("communes.csv"),
        dtype={"code": str, "province_code": str, "area_approx": bool},
        keep_default_na=False,
        na_values={"area_km2": [""]},
    )
    g = gpd.GeoDataFrame(
        df.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(df["lon"], df["lat"]),
        crs=_WGS84,
    )
    # communes without a published area get the area of their approximate (Voronoi) cell
    missing = g["area_km2"].isna()
    if missing.any():
        cells = _commune_areas().set_index("code")["area_km2"]
        g.loc[missing, "area_km2"] = g.loc[missing, "code"].map(cells).to_numpy()
        g.loc[missing, "area_approx"] = True
    return g


@functools.lru_cache(maxsize=1)
def _province_merge() -> pd.DataFrame:
    return pd.read_csv(_path("province_merge_2025.csv"), dtype=str)


@functools.lru_cache(maxsize=1)
def _province_keys() -> dict[str, str]:
    """Every accepted spelling (compact normalised) → province code."""
    keys: dict[str, str] = dict(_PROVINCE_ALIASES)
    for r in _provinces().itertuples():
        for v in (r.name, r.full_name, r.name_ascii):
            keys[_compact(v)] = r.code
    return keys


# --- provinces ----------------------------------------------------------------------------


def provinces() -> gpd.GeoDataFrame:
    """The 34 provinces and centrally-run cities of the 2025 structure.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``code`` (2-digit official code), ``name`` (``"Lào Cai"``), ``full_name``
        (``"Tỉnh Lào Cai"``), ``name_ascii`` (``"Lao Cai"``), ``geometry`` (MultiPolygon,
        EPSG:4326). Polygons are dissolved from the pre-2025 provinces of amCharts 5
        Geodata (detailed to tens of metres; small islands missing; see
        ``geodata/README.md``, which also says how to credit them on a map).
    """
    return _provinces().copy()


def province_code(code_or_name: object) -> str:
    """Resolve a province code or name to its 2-digit 2025 code.

    Parameters
    ----------
    code_or_name
        ``"15"``, ``"015"``, ``15``, ``"Lào Cai"``, ``"lao cai"``, ``"Tỉnh Lào Cai"``...

    Returns
    -------
    str
        The 2-digit code.

    Raises
    ------
    LookupNameError
        If nothing matches; the message lists up to 5 closest names, and says into which
        2025 province a pre-2025 province (for example Yên Bái) was merged.
    """
    codes = set(_provinces()["code"])
    if isinstance(code_or_name, (int, np.integer)) and not isinstance(code_or_name, bool):
        text = str(int(code_or_name))
    else:
        text = "" if code_or_name is None else str(code_or_name).strip()
    if text.isdigit():
        c = f"{int(text):02d}"
        if c in codes:
            return c
        old = _province_merge()
        hit = old[old["old_code"].astype(int) == int(text)]
        hint = ""
        if len(hit):
            h = hit.iloc[0]
            hint = (
                f" (pre-2025 code {h['old_code']} was {h['old_name_short']}, "
                f"now part of {h['new_name']}, code {h['new_code']})"
            )
        raise LookupNameError(
            f"unknown province code {text!r}{hint}; 2025 codes are {', '.join(sorted(codes))}"
        )
    keys = _province_keys()
    for k in _name_keys(text):
        if k in keys:
            return keys[k]
    k = _compact(text)
    old = _province_merge()
    old_hit = old[old["old_name_short"].map(_compact) == k]
    if len(old_hit):
        h = old_hit.iloc[0]
        raise LookupNameError(
            f"province {text!r} no longer exists in the 2025 structure: it was merged into "
            f"{h['new_name']} (code {h['new_code']}); use {h['new_name']!r} or "
            f"{h['new_code']!r}"
        )
    raise LookupNameError(_suggest("province", text, _provinces()["name"].tolist()))


def province(code_or_name: object) -> pd.Series:
    """One province (a row of :func:`provinces`) by code or name.

    Examples
    --------
    >>> province("Lào Cai")["name_ascii"]
    'Lao Cai'
    """
    code = province_code(code_or_name)
    p = _provinces()
    return p[p["code"] == code].iloc[0].copy()


def province_merge_2025() -> pd.DataFrame:
    """The official old-to-new province mapping (63 → 34) used to build the polygons.

    Returns
    -------
    pandas.DataFrame
        Columns ``old_code``, ``old_name``, ``old_name_short``, ``new_code``, ``new_name``.
    """
    return _province_merge().copy()


def _suggest(what: str, text: str, names: list[str]) -> str:
    by_norm: dict[str, str] = {}
    for n in names:
        by_norm.setdefault(normalize_name(n), n)
    close = difflib.get_close_matches(normalize_name(text), list(by_norm), n=5, cutoff=0.5)
    if close:
        return f"unknown {what} {text!r}; closest matches: " + ", ".join(by_norm[c] for c in close)
    return f"unknown {what} {text!r}; no similar name found"


# --- communes -----------------------------------------------------------------------------


def communes(province: object | None = None) -> gpd.GeoDataFrame:
    """The 3,321 communes, wards and special zones of the 2025 structure, as seat points.

    Parameters
    ----------
    province
        Optional province code or name (see :func:`province_code`) to filter on.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``code`` (5-digit official code), ``name`` (``"Cam Đường"``),
        ``full_name`` (``"Phường Cam Đường"``), ``name_ascii``, ``kind`` (``"xã"``,
        ``"phường"``, ``"đặc khu"``), ``province_code``, ``province_name``, ``area_km2``,
        ``area_approx`` (True where the area is the approximate Voronoi cell's because no
        official area is known), ``geometry`` (Point: the commune seat, EPSG:4326).
    """
    c = _communes()
    if province is not None:
        c = c[c["province_code"] == province_code(province)]
    return c.reset_index(drop=True).copy()


def commune(code_or_name: object, province: object | None = None) -> pd.Series:
    """One commune (a row of :func:`communes`) by 5-digit code or by name.

    Parameters
    ----------
    code_or_name
        ``"02674"``, ``2674``, ``"Cam Đường"``, ``"phuong cam duong"``...
    province
        Province code or name; needed when the name exists in several provinces.

    Raises
    ------
    LookupNameError
        Unknown code or name (the message lists the closest names), or a name that is
        ambiguous without ``province`` (the message lists the provinces).
    """
    full = _communes()
    if province is None:
        mask = np.ones(len(full), dtype=bool)
    else:
        mask = (full["province_code"] == province_code(province)).to_numpy()
    where = f" in province {province!r}" if province is not None else ""
    text = "" if code_or_name is None else str(code_or_name).strip()
    if text.isdigit():
        hit = mask & (full["code"] == f"{int(text):05d}").to_numpy()
        if hit.any():
            return full[hit].iloc[0].copy()
        raise LookupNameError(f"unknown commune code {text!r}{where}")
    ix = _commune_index()
    hit = mask & ix["key"].isin(_name_keys(text)).to_numpy()
    if hit.sum() > 1:  # names that differ only by diacritics (Sơn Hà / Sơn Hạ): exact wins
        ex = _exact(text)
        exact = hit & ((ix["exact_name"] == ex) | (ix["exact_full"] == ex)).to_numpy()
        if exact.sum() == 1:
            hit = exact
    if hit.sum() == 1:
        return full[hit].iloc[0].copy()
    if hit.sum() > 1:
        opts = ", ".join(
            f"{r.full_name} ({r.province_name}, {r.code})" for r in full[hit].itertuples()
        )
        raise LookupNameError(
            f"commune name {text!r} is ambiguous: {opts}; pass province= or the 5-digit code"
        )
    raise LookupNameError(_suggest(f"commune{where}", text, full.loc[mask, "full_name"].tolist()))


@functools.lru_cache(maxsize=1)
def _commune_index() -> pd.DataFrame:
    c = _communes()
    return pd.DataFrame(
        {
            "key": c["name"].map(_compact).to_numpy(),
            "exact_name": c["name"].map(_exact).to_numpy(),
            "exact_full": c["full_name"].map(_exact).to_numpy(),
        }
    )


@functools.lru_cache(maxsize=1)
def _commune_areas() -> gpd.GeoDataFrame:
    pts = pd.read_csv(_path("communes.csv"), dtype={"code": str, "province_code": str})
    seats = gpd.GeoDataFrame(
        pts[["code", "province_code", "area_km2"]],
        geometry=gpd.points_from_xy(pts["lon"], pts["lat"]),
        crs=_WGS84,
    ).to_crs(_METRIC)
    prov = _provinces().to_crs(_METRIC).set_index("code").geometry
    cells: list[shapely.Geometry] = []
    codes: list[str] = []
    for pcode, grp in seats.groupby("province_code", sort=True):
        poly = prov[pcode]
        gens = np.asarray(grp.geometry.values)
        vor = shapely.voronoi_polygons(
            shapely.multipoints(gens), extend_to=poly.envelope.buffer(50_000)
        )
        parts = shapely.get_parts(vor)
        tree = shapely.STRtree(parts)
        for code, seat, known in zip(grp["code"], gens, grp["area_km2"], strict=True):
            hits = tree.query(seat, predicate="intersects")
            cell = parts[hits[0]] if len(hits) else seat.buffer(1000.0)
            clipped = cell.intersection(poly) if seat.within(poly) else shapely.Polygon()
            if clipped.is_empty:
                # seat outside the coarse province polygon (islands, coast): a disc of the
                # commune's published area (or 1 km radius) around the seat, cut to its cell
                r = np.sqrt(known * 1e6 / np.pi) if np.isfinite(known) else 1000.0
                clipped = cell.intersection(seat.buffer(r))
            cells.append(clipped)
            codes.append(code)
    out = gpd.GeoDataFrame({"code": codes}, geometry=cells, crs=_METRIC)
    out["area_km2"] = out.geometry.area / 1e6
    return out.to_crs(_WGS84)


def commune_areas(province: object | None = None) -> gpd.GeoDataFrame:
    """Approximate commune polygons: Voronoi cells of the seats, clipped to the province.

    No official commune boundaries are bundled. These cells are for drawing and for
    counting by nearest seat only; they are marked ``area_approx=True``.

    Parameters
    ----------
    province
        Optional province code or name to filter on.

    Returns
    -------
    geopandas.GeoDataFrame
        The columns of :func:`communes` with ``area_km2`` the cell's area, ``area_approx``
        always True and ``geometry`` the cell (Polygon/MultiPolygon, EPSG:4326).
    """
    c = communes(province)
    cells = _commune_areas().set_index("code")
    out = c.drop(columns="geometry")
    out["area_km2"] = out["code"].map(cells["area_km2"]).to_numpy()
    out["area_approx"] = True
    return gpd.GeoDataFrame(out, geometry=cells.geometry.loc[c["code"]].to_numpy(), crs=_WGS84)


# --- borders and gates --------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _borders() -> gpd.GeoDataFrame:
    return gpd.read_file(_path("borders.geojson"))[["country", "country_vi", "geometry"]]


@functools.lru_cache(maxsize=1)
def _border_gates() -> gpd.GeoDataFrame:
    g = gpd.read_file(_path("border_gates.geojson"))
    g["province_code"] = g["province_code"].astype(str).str.zfill(2)
    cols = [
        "name",
        "name_ascii",
        "country",
        "province_code",
        "province_name",
        "kind",
        "precision",
        "precision_km",
        "counterpart",
        "geometry",
    ]
    return g[cols]


def borders() -> gpd.GeoDataFrame:
    """Vietnam's land borders with China, Laos and Cambodia (Natural Earth 1:10m).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``country`` (``"China"``, ``"Laos"``, ``"Cambodia"``), ``country_vi``
        (``"Trung Quốc"``, ``"Lào"``, ``"Campuchia"``), ``geometry`` (LineString or
        MultiLineString, EPSG:4326).
    """
    return _borders().copy()


def border_gates(province: object | None = None, country: str | None = None) -> gpd.GeoDataFrame:
    """International and main land border gates (cửa khẩu quốc tế / chính).

    Parameters
    ----------
    province
        Optional province code or name to filter on.
    country
        Optional neighbouring country (``"China"``, ``"Laos"``, ``"Cambodia"``).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``name``, ``name_ascii``, ``country``, ``province_code`` (2025),
        ``province_name``, ``kind`` (``"international"`` or ``"main"``), ``precision``
        (text: how the coordinate was obtained and its error bound), ``precision_km``,
        ``counterpart`` (gate on the other side), ``geometry`` (Point on the border line,
        EPSG:4326). Coordinates are approximate; see ``geodata/README.md``.
    """
    g = _border_gates()
    if province is not None:
        g = g[g["province_code"] == province_code(province)]
    if country is not None:
        known = sorted(set(_border_gates()["country"]))
        match = [c for c in known if c.lower() == str(country).strip().lower()]
        if not match:
            raise LookupNameError(f"unknown country {country!r}; use one of {', '.join(known)}")
        g = g[g["country"] == match[0]]
    return g.reset_index(drop=True).copy()


# --- roads (scgraph-data / OpenStreetMap) ----------------------------------------------

#: Road km per km of the bundled graph, measured on known national-highway distances
#: (``geodata/road_circuity.csv``, method in ``geodata/README.md``): ``mountain`` for the
#: provinces of the Northern Midlands and Mountains region, ``lowland`` elsewhere. The same
#: factors are stored per edge in the ``circuity`` column of :func:`roads`.
ROAD_CIRCUITY = {"mountain": 1.34, "lowland": 1.07}

_ROAD_SOURCE = "scgraph-data 2.0.0 world_highways (© OpenStreetMap contributors, ODbL)"
_GAP_SOURCE = "hotspots build: joins a piece of the source graph cut off by < 1 km"
_COUNTRY_VI = {"China": "Trung Quốc", "Laos": "Lào", "Cambodia": "Campuchia"}


@functools.lru_cache(maxsize=1)
def _roads() -> gpd.GeoDataFrame:
    df = pd.read_csv(_path("roads.csv"), keep_default_na=False, na_values={"circuity": [""]})
    lines = shapely.linestrings(
        np.stack(
            [df[["lon1", "lat1"]].to_numpy(float), df[["lon2", "lat2"]].to_numpy(float)], axis=1
        )
    )
    gap = (df["link"] == "gap").to_numpy()
    out = pd.DataFrame(
        {
            "highway": np.where(gap, "connector", "major"),
            "name": "",
            "ref": "",
            "length_m": df["length_m"].astype(float).to_numpy(),
            "circuity": df["circuity"].astype(float).to_numpy(),
            "terrain": df["terrain"].astype(str).to_numpy(),
            "crosses_to": df["crosses_to"].astype(str).to_numpy(),
            "speed_kmh": np.nan,
            "source": np.where(gap, _GAP_SOURCE, _ROAD_SOURCE),
        }
    )
    return gpd.GeoDataFrame(out, geometry=lines, crs=_WGS84)


def roads(
    province: object | None = None, margin_km: float = 10.0, speed_kmh: float | None = None
) -> gpd.GeoDataFrame:
    """Major roads of Vietnam from OpenStreetMap, as a routable line network.

    The Vietnam subset of the world highway graph of PyPI ``scgraph-data`` 2.0.0 (© OpenStreetMap
    contributors, ODbL; see ``geodata/README.md``): about 5,300 edges, each a *straight*
    line between two junctions, plus the edges that leave Vietnam (``crosses_to``). The
    source has no road class, name or ``ref``: those columns are ``"major"``, ``""`` and
    ``""`` (nothing is invented). Six ``highway="connector"`` edges (< 1 km each) join
    pieces the source graph cut off from the rest (central Lào Cai city among them).

    Parameters
    ----------
    province
        Optional province code or name: keep the edges that touch the province polygon
        grown by ``margin_km`` (edges crossing the border are kept whole).
    margin_km
        Margin around the province, km (>= 0).
    speed_kmh
        Optional road speed. If given, ``speed_kmh`` of each line is set so that driving the
        drawn straight line takes as long as driving the estimated real road
        (``length_m * circuity``) at this speed; otherwise ``speed_kmh`` is NaN and a
        network model uses its own default speed on the straight lines.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``highway``, ``name``, ``ref``, ``length_m`` (length of the OSM polyline the
        edge stands for, as simplified by scgraph; >= the straight length), ``circuity``
        (estimated real road length / ``length_m``, see :data:`ROAD_CIRCUITY`), ``terrain``
        (``"mountain"``/``"lowland"``), ``crosses_to`` (``""`` or the neighbouring country
        the edge leads into), ``speed_kmh``, ``source``, ``geometry`` (LineString,
        EPSG:4326). Works as the ``lines`` of :func:`hotspots.plan.travel.from_network`.

    Examples
    --------
    >>> r = roads("Lào Cai")  # within 10 km of the province
    >>> len(r), sorted(set(r["highway"]))
    (134, ['connector', 'major'])
    """
    if not (np.isfinite(margin_km) and margin_km >= 0):
        raise InputError(f"margin_km must be a number >= 0, got {margin_km!r}")
    r = _roads()
    if province is not None:
        poly = province_code(province)
        area = gpd.GeoSeries([_provinces().set_index("code").geometry[poly]], crs=_WGS84)
        area = area.to_crs(_METRIC).buffer(margin_km * 1000.0).to_crs(_WGS84).iloc[0]
        r = r[r.intersects(area)]
    r = r.reset_index(drop=True).copy()
    if speed_kmh is not None:
        if not (np.isfinite(speed_kmh) and speed_kmh > 0):
            raise InputError(f"speed_kmh must be > 0, got {speed_kmh!r}")
        straight = r.to_crs(_METRIC).length.to_numpy()
        real = r["length_m"].to_numpy() * r["circuity"].to_numpy()
        r["speed_kmh"] = speed_kmh * straight / np.maximum(real, 1.0)
    return r


@functools.lru_cache(maxsize=1)
def _road_crossings() -> gpd.GeoDataFrame:
    df = pd.read_csv(_path("road_crossings.csv"), dtype={"province_code": str})
    df["province_code"] = df["province_code"].str.zfill(2)
    df["country_vi"] = df["country"].map(_COUNTRY_VI)
    df["province_name"] = df["province_code"].map(_provinces().set_index("code")["name"])
    cols = ["country", "country_vi", "province_code", "province_name", "edge_km"]
    return gpd.GeoDataFrame(df[cols], geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=_WGS84)


def road_crossings(province: object | None = None, country: str | None = None) -> gpd.GeoDataFrame:
    """Points where a road of :func:`roads` leaves Vietnam (real crossings in OpenStreetMap).

    Each point is where the straight edge crosses Vietnam's Natural Earth outline, so it is
    as precise as the edge is short: ``edge_km`` is that edge's length (under ~5 km: the
    crossing is within a few km; long edges only say "a road crosses somewhere here").

    Parameters
    ----------
    province
        Optional province code or name (the province nearest to the point).
    country
        Optional neighbouring country (``"China"``, ``"Laos"``, ``"Cambodia"``).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``country``, ``country_vi``, ``province_code``, ``province_name``,
        ``edge_km``, ``geometry`` (Point, EPSG:4326).
    """
    g = _road_crossings()
    if province is not None:
        g = g[g["province_code"] == province_code(province)]
    if country is not None:
        known = sorted(_COUNTRY_VI)
        match = [c for c in known if c.lower() == str(country).strip().lower()]
        if not match:
            raise LookupNameError(f"unknown country {country!r}; use one of {', '.join(known)}")
        g = g[g["country"] == match[0]]
    return g.reset_index(drop=True).copy()


def _main(argv: list[str] | None = None) -> int:
    import runpy
    import sys

    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] != "build":
        print(
            "usage: python -m hotspots.geodata build [--amcharts PACKAGE] [--official WHL] "
            "[--scgraph FILE] [--out DIR]"
        )
        return 2
    script = Path(__file__).resolve().parents[2] / "geodata" / "build.py"
    sys.argv = [str(script), *args[1:]]
    runpy.run_path(str(script), run_name="__main__")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
