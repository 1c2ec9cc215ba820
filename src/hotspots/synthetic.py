"""Synthetic demo data with a planted truth. SYNTHETIC / DỮ LIỆU GIẢ LẬP.

No real case data exists for this project. :func:`generate` writes clearly labelled
fake cases on real geography (communes, province boundary, border gates) with a known
structure, so that every method can be checked against what was planted:

* **corridors** (planted key lines): victim's home area → recruitment hub → transit
  point → exit at a border gate (inland provinces: the points of the province boundary
  nearest to the closest border gates, in different directions);
* **key areas**: the home areas (``kind="origin"``) and the recruitment, transit and
  exit areas (``kind="operational"``) of the corridors;
* an **emerging hot spot**: a recruitment area that appears only in the last year,
  with rising intensity, and the home area of its victims around it (both planted in
  ``truth["key_areas"]`` with ``emerging=True``: one operational, one origin);
* background cases spread over the province, seasonality (more cases after Tết), and
  programme statuses (received … tried) with realistic delays and rates;
* fake PII columns (``victim_name``, ``phone``) to test that PII never leaks.

Same province, years and seed → the same data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from shapely.geometry import LineString, Point

from hotspots.data.crs import WGS84, metric_crs
from hotspots.data.schema import STATUS_FIELDS, TZ
from hotspots.errors import InputError

__all__ = [
    "SyntheticData", "generate", "SYNTHETIC_LABEL", "demo_units", "demo_area_rules",
    "demo_facilities",
]  # fmt: skip

#: The label every output made from synthetic data carries.
SYNTHETIC_LABEL = "SYNTHETIC / DỮ LIỆU GIẢ LẬP"

_FAMILY = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vàng",
    "Lò",
    "Giàng",
    "Sùng",
    "Thào",
    "Lý",
    "Ma",
    "Hà",
    "Đặng",
    "Triệu",
)
_MIDDLE = ("Thị", "Văn", "Seo", "A", "Thị Thu", "Thị Hồng", "Văn Minh")
_GIVEN = (
    "Mai",
    "Lan",
    "Dính",
    "Súa",
    "Chứ",
    "Pàng",
    "Hoa",
    "Xuân",
    "Dợ",
    "Mỷ",
    "Sính",
    "Tâm",
    "Phương",
    "Thảo",
    "Chi",
    "Páo",
    "Chư",
    "Vân",
)


@dataclass
class SyntheticData:
    """Synthetic cases, their routes and the planted truth.

    Attributes
    ----------
    cases
        CaseTable (one row per case location) with fake PII columns ``victim_name``
        and ``phone``.
    routes
        RouteTable (ordered stops per case).
    truth
        ``key_areas`` (GeoDataFrame of planted polygons, ``kind`` origin/operational,
        ``emerging`` flag), ``key_lines`` (planted corridor lines with their ``gate``),
        ``emerging`` (GeoDataFrame: the area that appears only in the last year) and
        ``meta`` (dict: province, seed, period, counts).
    files
        Paths written by :meth:`write` (empty until then).
    """

    cases: gpd.GeoDataFrame
    routes: gpd.GeoDataFrame
    truth: dict
    files: dict[str, Path] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The cases as a flat table, as a case register would export them."""
        df = pd.DataFrame(self.cases.drop(columns="geometry"))
        df.insert(5, "lon", self.cases.geometry.x.round(6))
        df.insert(6, "lat", self.cases.geometry.y.round(6))
        commune_only = self.cases["precision"].eq("commune").to_numpy()
        df.loc[commune_only, ["lon", "lat"]] = np.nan
        for c in ("occurred_at", "reported_at", *STATUS_FIELDS):
            df[c] = df[c].dt.strftime("%Y-%m-%d %H:%M").fillna("")
        df = df.drop(columns=["flags", "source_row", "precision"])
        df["synthetic"] = "yes"
        df["data_label"] = SYNTHETIC_LABEL
        return df

    def write(self, out: str | Path) -> dict[str, Path]:
        """Write ``cases.csv`` and the truth files into ``out``; returns their paths.

        Every file carries :data:`SYNTHETIC_LABEL`: a ``data_label`` column (and
        ``synthetic = yes``) in the CSV, a ``label`` property on every truth feature,
        ``label`` in ``truth.json`` and the first line of ``README.txt``.
        """
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        files = {
            "cases": out / "cases.csv",
            "truth_key_areas": out / "truth_key_areas.geojson",
            "truth_key_lines": out / "truth_key_lines.geojson",
            "truth_emerging": out / "truth_emerging.geojson",
            "truth": out / "truth.json",
            "readme": out / "README.txt",
        }
        self.to_frame().to_csv(files["cases"], index=False, encoding="utf-8")
        for key in ("key_areas", "key_lines", "emerging"):
            layer = self.truth[key].copy()
            layer.insert(0, "label", SYNTHETIC_LABEL)
            layer.to_file(files[f"truth_{key}"], driver="GeoJSON")
        files["truth"].write_text(
            json.dumps(self.truth["meta"], ensure_ascii=False, indent=2), encoding="utf-8"
        )
        files["readme"].write_text(
            f"{SYNTHETIC_LABEL}\n\nThese cases are invented by hotspots.synthetic.generate "
            f"({json.dumps(self.truth['meta']['parameters'], ensure_ascii=False)}).\n"
            "Dữ liệu này là giả lập, không phải vụ việc thật. Names and phone numbers are "
            "fake and exist only to test that personal data never leaks.\n",
            encoding="utf-8",
        )
        self.files = files
        return files


#: The emerging area's victims live around it: the spread (m) of their homes (as around a
#: corridor's home area) and the radius of the planted emerging origin area. Before, half
#: of them lived within ~2.5 km, a cluster that Gi* found on some seeds only and that no
#: planted area covered; all within ~1.5 km is found by Gi* on every seed 0-7.
_EM_HOME_SIGMA = 1500.0
_EM_HOME_RADIUS = 3500.0


def _pick_far(cands: np.ndarray, taken: list[np.ndarray], min_d: float) -> np.ndarray:
    ok = np.ones(len(cands), dtype=bool)
    for t in taken:
        ok &= np.hypot(cands[:, 0] - t[0], cands[:, 1] - t[1]) >= min_d
    return ok


def _off_lines(cands: np.ndarray, lines: list[np.ndarray], min_d: float) -> np.ndarray:
    """Candidates at least ``min_d`` from every polyline of ``lines`` (earlier corridors)."""
    if not lines:
        return np.ones(len(cands), dtype=bool)
    pts = shapely.points(cands[:, 0], cands[:, 1])
    geom = shapely.union_all([LineString(s) for s in lines])
    return shapely.distance(pts, geom) >= min_d


def generate(
    province: str = "Lào Cai",
    years: int = 5,
    seed: int = 0,
    out: str | Path | None = None,
    n_cases: int | None = None,
    end: str = "2025-12-31",
) -> SyntheticData:
    """Generate synthetic cases with a planted truth for one of the 34 provinces.

    Parameters
    ----------
    province
        Province name or code (2025 structure). Default: Lào Cai.
    years
        Length of the period, ending at ``end``.
    seed
        Random seed; the same inputs give the same data.
    out
        Folder to write ``cases.csv`` and the truth files to (optional).
    n_cases
        Number of cases (default 120 a year); each case has 2–4 located stops.
    end
        Last day of the period (default: the programme's end, 31/12/2025).

    Returns
    -------
    SyntheticData
    """
    from hotspots import geodata

    if int(years) != years or years < 1:
        raise InputError(f"years (--years) must be a whole number of 1 or more, got {years}")
    if n_cases is not None and (int(n_cases) != n_cases or n_cases < 0):
        raise InputError(f"n_cases (--cases) must be a whole number of 0 or more, got {n_cases}")
    try:
        end_day = pd.Timestamp(end, tz=TZ)
    except (ValueError, TypeError):
        end_day = pd.NaT
    if end_day is pd.NaT:
        raise InputError(f"end {end!r} is not a date; write it as 2025-12-31")
    rng = np.random.default_rng(seed)
    prov = geodata.province(province)
    code = str(prov["code"])
    poly = gpd.GeoSeries([prov.geometry], crs=WGS84)
    crs_m = metric_crs(poly)
    poly_m = poly.to_crs(crs_m).iloc[0]
    inner = poly_m.buffer(-1500) if not poly_m.buffer(-1500).is_empty else poly_m
    inner300 = poly_m.buffer(-300)
    shapely.prepare(inner)
    seats = geodata.communes(province=code)
    seats_m = seats.to_crs(crs_m)
    sxy = np.column_stack([seats_m.geometry.x, seats_m.geometry.y])
    in_inner = shapely.contains_xy(inner, sxy[:, 0], sxy[:, 1])

    gates = geodata.border_gates(province=code)
    inland = gates.empty
    span = max(poly_m.bounds[2] - poly_m.bounds[0], poly_m.bounds[3] - poly_m.bounds[1])
    if inland:
        # No gate in the province: journeys leave it towards the nearest border gates, at
        # the point of the province boundary nearest to each. Gates whose exit points
        # would nearly coincide are skipped, so that the corridors leave in different
        # directions (gates up to twice as far as the nearest one are considered).
        allg = geodata.border_gates().to_crs(crs_m)
        c = poly_m.centroid
        d = allg.geometry.distance(c).sort_values(kind="stable")
        exits, gate_names = [], []
        sep = max(8000.0, span / 5)
        for idx in d.index[d <= 2 * d.iloc[0]]:
            g = allg.geometry.loc[idx]
            e = shapely.ops.nearest_points(inner300, g)[0]
            if all(e.distance(x) >= sep for x in exits):
                exits.append(e)
                gate_names.append(str(allg.at[idx, "name"]))
            if len(exits) == 3:
                break
    else:
        gm = gates.to_crs(crs_m)
        order = np.argsort(gm["kind"].ne("international").to_numpy(), kind="stable")
        gm = gm.iloc[order]
        exits, gate_names, taken = [], [], []
        for name, g in zip(gm["name"], gm.geometry, strict=True):
            p = np.array([g.x, g.y])
            if all(np.hypot(*(p - t)) > 8000 for t in taken):
                # the exit point: the gate, or the nearest point 300 m inside the province
                # when the gate's (approximate) coordinates fall outside the polygon
                e = g if inner300.contains(g) else shapely.ops.nearest_points(inner300, g)[0]
                exits.append(e)
                gate_names.append(name)
                taken.append(p)
    k = min(3, len(exits))
    exits, gate_names = exits[:k], gate_names[:k]
    if k == 1:  # one gate: two corridors from different origins to the same exit
        exits, gate_names, k = exits * 2, gate_names * 2, 2

    # --- plant corridors ------------------------------------------------------------
    taken: list[np.ndarray] = [np.array([e.x, e.y]) for e in exits]
    min_sep = max(6000.0, span / 12)
    corridors = []
    for j, e in enumerate(exits):
        ex = np.array([e.x, e.y])
        d = np.hypot(sxy[:, 0] - ex[0], sxy[:, 1] - ex[1])
        ok = in_inner & _pick_far(sxy, taken, min_sep) & (d > 0.45 * d[in_inner].max())
        if not ok.any():
            ok = in_inner & _pick_far(sxy, taken, min_sep / 2)
        cand = np.flatnonzero(ok)
        o = sxy[cand[rng.integers(len(cand))]]
        taken.append(o)
        stops = [o]
        for frac in (0.4, 0.75):
            target = o + frac * (ex - o)
            # away from the earlier corridors' stops and lines: a stop on another
            # corridor's leg makes two planted corridors one line on the map
            ok2 = in_inner & _pick_far(sxy, taken, min_sep / 2)
            ok2 &= _off_lines(sxy, [c["stops"] for c in corridors], min_sep / 2)
            cand2 = np.flatnonzero(ok2) if ok2.any() else np.flatnonzero(in_inner)
            best = cand2[np.argmin(np.hypot(sxy[cand2, 0] - target[0], sxy[cand2, 1] - target[1]))]
            stops.append(sxy[best])
            taken.append(sxy[best])
        stops.append(ex)
        corridors.append({"stops": np.array(stops), "gate": gate_names[j]})
    ok = in_inner & _pick_far(sxy, taken, min_sep)
    cand = np.flatnonzero(ok) if ok.any() else np.flatnonzero(in_inner)
    emerging_c = sxy[cand[rng.integers(len(cand))]]

    # --- cases --------------------------------------------------------------------------
    end_ts = end_day + pd.Timedelta(hours=23, minutes=59)
    start_ts = (end_ts - pd.DateOffset(years=years)).normalize() + pd.Timedelta(days=1)
    total_days = (end_ts - start_ts).days
    n = n_cases if n_cases is not None else 120 * years
    n_em = max(12, int(round(0.35 * n / years)))
    n_bg = int(round(0.2 * n))
    n_cor = n - n_bg
    weights = np.array([0.45, 0.35, 0.2][:k])
    weights /= weights.sum()
    kinds = np.concatenate(
        [
            rng.choice(k, size=n_cor, p=weights),
            np.full(n_bg, -1),
            np.full(n_em, -2),
        ]
    )

    def when(size: int, last_year: bool = False) -> np.ndarray:
        if last_year:  # rising intensity over the last 365 days
            u = np.sqrt(rng.random(size))
            days = total_days - 365 + u * 365
        else:  # seasonality: more cases after Tết (February), fewer in autumn
            days = []
            while len(days) < size:
                d = rng.random(size) * total_days
                month = (start_ts + pd.to_timedelta(d, unit="D")).month.to_numpy()
                keep = rng.random(size) < (1 + 0.5 * np.cos(2 * np.pi * (month - 2) / 12)) / 1.5
                days.extend(d[keep].tolist())
            days = np.array(days[:size])
        return days

    t0 = np.empty(len(kinds))
    t0[kinds != -2] = when(int((kinds != -2).sum()))
    t0[kinds == -2] = when(int((kinds == -2).sum()), last_year=True)

    def sample(center: np.ndarray, sigma: float, region=inner, gen=None) -> np.ndarray:
        gen = rng if gen is None else gen
        for _ in range(200):
            p = center + gen.normal(0, sigma, 2)
            if region.contains(Point(p)):
                return p
        return center

    rows = []
    for i, kind in enumerate(kinds):
        cid = f"SYN-{code}-{i + 1:05d}"
        victims = int(1 + rng.poisson(0.4))
        t = t0[i]
        if kind >= 0:
            s = corridors[kind]["stops"]
            pts = [("victim_home", sample(s[0], 1500)), ("recruitment", sample(s[1], 1200))]
            if rng.random() < 0.85:
                pts.append(("transit", sample(s[2], 1200)))
            if rng.random() < 0.9:
                pts.append(("exit", sample(s[3], 400, poly_m)))
        elif kind == -2:
            s = corridors[0]["stops"]
            # the victims' homes drawn here are replaced below (the emerging origin area);
            # the draws stay so that every other point keeps its random stream
            home = sxy[rng.integers(len(sxy))] if rng.random() < 0.5 else emerging_c
            pts = [("victim_home", sample(home, 2500)), ("recruitment", sample(emerging_c, 1200))]
            if rng.random() < 0.7:
                pts.append(("exit", sample(s[3], 400, poly_m)))
        else:
            m = int(rng.integers(1, 4))
            idx = rng.choice(np.flatnonzero(in_inner), size=m, replace=False)
            roles = ["victim_home", "recruitment", "transit"][:m]
            pts = [(r, sample(sxy[j], 2500)) for r, j in zip(roles, idx, strict=True)]
        day = t
        for seq, (role, p) in enumerate(pts):
            rows.append((cid, seq, role, day, victims, p[0], p[1], kind))
            day += float(rng.uniform(0.5, 6.0))
    df = pd.DataFrame(rows, columns=["case_id", "seq", "role", "day", "victims", "x", "y", "kind"])
    # The emerging area's victims live around it (the planted emerging origin area), drawn
    # from a stream of their own so that the rest of the data are as before this change.
    em_home = np.flatnonzero(
        (df["kind"] == -2).to_numpy() & (df["role"] == "victim_home").to_numpy()
    )
    rng_em = np.random.default_rng([seed, 0xE4])
    for i in em_home:
        df.loc[i, ["x", "y"]] = sample(emerging_c, _EM_HOME_SIGMA, gen=rng_em)
    df["day"] = df["day"].clip(upper=total_days + 0.99)  # journeys end within the period
    occurred = start_ts + pd.to_timedelta(df["day"], unit="D")
    df["occurred_at"] = occurred.dt.floor("min")
    pts_m = gpd.GeoSeries(gpd.points_from_xy(df["x"], df["y"]), crs=crs_m)
    pts = pts_m.to_crs(WGS84)
    tree_idx = np.argmin(
        (sxy[None, :, 0] - df["x"].to_numpy()[:, None]) ** 2
        + (sxy[None, :, 1] - df["y"].to_numpy()[:, None]) ** 2,
        axis=1,
    )
    df["commune_code"] = seats["code"].to_numpy()[tree_idx]
    df["commune"] = seats["name"].to_numpy()[tree_idx]
    df["province_code"] = code
    seat_inside = shapely.contains_xy(poly_m.buffer(-200), sxy[tree_idx, 0], sxy[tree_idx, 1])
    commune_only = (df["role"] == "victim_home") & (rng.random(len(df)) < 0.1) & seat_inside
    df["precision"] = np.where(commune_only, "commune", "exact")
    geom = np.where(commune_only, seats.geometry.to_numpy()[tree_idx], pts.to_numpy())

    # --- programme statuses per case ------------------------------------------------------
    cases_first = df.groupby("case_id", sort=False).agg(
        last=("occurred_at", "max"), commune=("commune_code", "first")
    )
    nc = len(cases_first)
    weak_unit = seats["code"].to_numpy()[int(rng.integers(len(seats)))]
    weak = (cases_first["commune"] == weak_unit).to_numpy()

    def after(base: pd.Series, lo: float, hi: float, p: float | np.ndarray) -> pd.Series:
        ok = rng.random(nc) < p
        dt = pd.to_timedelta(rng.uniform(lo, hi, nc), unit="D")
        out = (base + dt).where(ok & base.notna())
        return out.where(out <= end_ts)

    last = cases_first["last"].reset_index(drop=True)
    status = {}
    status["reported_at"] = (last + pd.to_timedelta(rng.exponential(20, nc), unit="D")).dt.floor(
        "min"
    )
    status["received"] = status["reported_at"].where(status["reported_at"] <= end_ts)
    status["classified"] = after(status["received"], 0, 3, 1.0)
    status["resolved"] = after(status["classified"], 5, 60, np.where(weak, 0.7, 0.94))
    status["case_opened"] = after(status["resolved"], 0, 10, 0.65)
    status["solved"] = after(status["case_opened"], 10, 120, np.where(weak, 0.75, 0.93))
    status["prosecuted"] = after(status["solved"], 10, 90, 0.96)
    status["tried"] = after(status["prosecuted"], 20, 120, 0.91)
    st = pd.DataFrame(status)
    st["case_id"] = cases_first.index.to_numpy()
    st["offence"] = np.where(
        rng.random(nc) < 0.85,
        "Mua bán người (Điều 150 BLHS)",
        "Mua bán người dưới 16 tuổi (Điều 151 BLHS)",
    )
    st["victim_name"] = [
        f"{_FAMILY[rng.integers(len(_FAMILY))]} {_MIDDLE[rng.integers(len(_MIDDLE))]} "
        f"{_GIVEN[rng.integers(len(_GIVEN))]}"
        for _ in range(nc)
    ]
    st["phone"] = [f"09{rng.integers(10**7, 10**8)}" for _ in range(nc)]
    df = df.merge(st, on="case_id", how="left")
    df["reported_at"] = df["reported_at"].where(
        df["reported_at"] >= df["occurred_at"], df["occurred_at"]
    )
    cases = gpd.GeoDataFrame(
        {
            "case_id": df["case_id"],
            "seq": df["seq"].astype(np.int64),
            "occurred_at": df["occurred_at"],
            "reported_at": df["reported_at"],
            "offence": df["offence"],
            "role": df["role"],
            "victims": df["victims"].astype(np.int64),
            "province_code": df["province_code"],
            "commune_code": df["commune_code"],
            "commune": df["commune"],
            "precision": df["precision"],
            "flags": "",
            "source_row": np.arange(len(df)) + 2,
            **{f: df[f] for f in STATUS_FIELDS},
            "victim_name": df["victim_name"],
            "phone": df["phone"],
        },
        geometry=gpd.GeoSeries(geom, crs=WGS84),
        crs=WGS84,
    )
    routes = gpd.GeoDataFrame(
        cases[["case_id", "seq", "role", "victims", "occurred_at"]].copy(),
        geometry=cases.geometry.copy(),
        crs=WGS84,
    )

    # --- truth --------------------------------------------------------------------------
    areas = []
    role_names = ("victim_home", "recruitment", "transit", "exit")
    radius = {"victim_home": 3500, "recruitment": 3000, "transit": 3000, "exit": 2000}
    for j, c in enumerate(corridors):
        for r, p in zip(role_names, c["stops"], strict=True):
            areas.append(
                {
                    "name": f"corridor {j + 1} {r}",
                    "kind": "origin" if r == "victim_home" else "operational",
                    "role": r,
                    "corridor": j + 1,
                    "emerging": False,
                    "cases": int(((df["kind"] == j) & (df["role"] == r)).sum()),
                    "geometry": Point(p).buffer(radius[r]),
                }
            )
    em_poly = Point(emerging_c).buffer(3000)
    areas.append(
        {
            "name": "emerging origin area",
            "kind": "origin",
            "role": "victim_home",
            "corridor": 0,
            "emerging": True,
            "cases": int(((df["kind"] == -2) & (df["role"] == "victim_home")).sum()),
            "geometry": Point(emerging_c).buffer(_EM_HOME_RADIUS),
        }
    )
    areas.append(
        {
            "name": "emerging recruitment area",
            "kind": "operational",
            "role": "recruitment",
            "corridor": 0,
            "emerging": True,
            "cases": int(((df["kind"] == -2) & (df["role"] == "recruitment")).sum()),
            "geometry": em_poly,
        }
    )
    key_areas = gpd.GeoDataFrame(areas, crs=crs_m).to_crs(WGS84)
    key_lines = gpd.GeoDataFrame(
        [
            {
                "corridor": j + 1,
                "gate": c["gate"],
                "cases": int((df.loc[df["seq"] == 0, "kind"] == j).sum()),
                "share": float(weights[j]),
                "geometry": LineString(c["stops"]),
            }
            for j, c in enumerate(corridors)
        ],
        crs=crs_m,
    ).to_crs(WGS84)
    emerging = gpd.GeoDataFrame(
        [
            {
                "name": "emerging recruitment area",
                "since": str((end_ts - pd.Timedelta(days=365)).date()),
                "cases": int((df.loc[df["seq"] == 0, "kind"] == -2).sum()),
                "geometry": em_poly,
            }
        ],
        crs=crs_m,
    ).to_crs(WGS84)
    meta = {
        "label": SYNTHETIC_LABEL,
        "synthetic": True,
        "parameters": {
            "province": str(prov["name"]),
            "province_code": code,
            "years": years,
            "seed": seed,
            "n_cases": int(len(kinds)),
            "end": end,
        },
        "period": [str(start_ts.date()), str(end_ts.date())],
        "inland": bool(inland),
        "gates": gate_names,
        "cases": int(len(kinds)),
        "rows": int(len(df)),
        "corridor_cases": [int((kinds == j).sum()) for j in range(k)],
        "background_cases": int(n_bg),
        "emerging_cases": int(n_em),
        "weak_unit_commune": str(weak_unit),
    }
    data = SyntheticData(
        cases,
        routes,
        {"key_areas": key_areas, "key_lines": key_lines, "emerging": emerging, "meta": meta},
    )
    if out is not None:
        data.write(out)
    return data


def demo_units(
    province: str = "Lào Cai",
    areas: gpd.GeoDataFrame | None = None,
    path: str | Path | None = None,
) -> pd.DataFrame:
    """A clearly synthetic units file for ``province`` (Vietnamese headers).

    Four units at the commune police posts nearest the key areas (or the first posts of
    the province): an ô tô unit on 06:00 shifts off on Sundays, a xe máy unit off on
    Saturdays, a xe máy unit that may patrol only one commune (the commune of the key
    area nearest its base) off on Wednesdays, and a unit on foot with a 4-hour 07:00
    shift off at weekends, at a post in the best key area (given by ``Kinh độ``/``Vĩ độ``
    when ``areas`` are given). Every row says ``SYNTHETIC / DỮ LIỆU GIẢ LẬP``.

    Parameters
    ----------
    province
        Province name or code.
    areas
        Key areas (optional): the bases are the posts nearest them and the restricted
        unit's commune is one the nearest area touches (``communes`` column).
    path
        Write the table there as UTF-8 CSV (optional).

    Returns
    -------
    pandas.DataFrame
        Columns ``Đơn vị``, ``Trụ sở``, ``Kinh độ``, ``Vĩ độ``, ``Phương tiện``,
        ``Giờ bắt đầu ca``, ``Số giờ ca``, ``Ngày nghỉ``, ``Địa bàn được giao``,
        ``Ghi chú``.
    """
    from hotspots.plan.bases import default_bases, nearest_bases

    bases = default_bases(province)
    bases = bases[bases["kind"] == "commune_post"].reset_index(drop=True)
    if areas is not None and len(areas):
        bases = nearest_bases(bases, areas, 3)
    b = [bases["base"].iloc[min(k, len(bases) - 1)] for k in range(3)]
    commune = _restricted_commune(bases.iloc[[min(2, len(bases) - 1)]], areas)
    foot_base, lon, lat = b[0], "", ""
    if areas is not None and len(areas):  # walkers work from a post at the best area
        best = areas.iloc[[0]] if "rank" not in areas else areas.sort_values("rank").iloc[[0]]
        p = best.to_crs(WGS84).geometry.representative_point().iloc[0]
        foot_base, lon, lat = "Chốt địa bàn 1 (giả lập)", round(p.x, 4), round(p.y, 4)
    rows = [
        ("Tổ 1 (giả lập)", b[0], "", "", "ô tô", "06:00", 8, "CN", ""),
        ("Tổ 2 (giả lập)", b[1], "", "", "xe máy", "", 8, "T7", ""),
        ("Tổ 3 (giả lập)", b[2], "", "", "xe máy", "", 6, "Thứ 4", commune),
        ("Tổ 4 (giả lập)", foot_base, lon, lat, "đi bộ", "07:00", 4, "T7;CN", ""),
    ]
    cols = ["Đơn vị", "Trụ sở", "Kinh độ", "Vĩ độ", "Phương tiện", "Giờ bắt đầu ca"]
    df = pd.DataFrame(rows, columns=[*cols, "Số giờ ca", "Ngày nghỉ", "Địa bàn được giao"])
    df["Ghi chú"] = SYNTHETIC_LABEL
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(path, index=False, encoding="utf-8")
    return df


def _restricted_commune(base: gpd.GeoDataFrame, areas: gpd.GeoDataFrame | None) -> str:
    """A commune of the key area nearest ``base`` (else the base's own commune)."""
    own = str(base["base"].iloc[0]).removeprefix("Công an ")
    if areas is None or not len(areas) or "communes" not in areas:
        return own
    crs = metric_crs(areas)
    d = areas.to_crs(crs).distance(base.to_crs(crs).geometry.iloc[0]).to_numpy()
    for i in np.argsort(d, kind="stable"):
        names = [c.strip() for c in str(areas["communes"].iloc[i]).split(",") if c.strip()]
        if names:
            return names[0]
    return own


def demo_area_rules(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Synthetic rules on the key areas, to show them in the demo plan.

    The best key area (first by ``rank``, else the first row) is treated as a bus
    station: visits start within ``05:00-08:00``; the second is a market visited only
    on market days ``T7;CN``, at most twice a week. SYNTHETIC / DỮ LIỆU GIẢ LẬP.
    """
    out = areas.copy()
    order = np.arange(len(out))
    if "rank" in out:
        order = np.argsort(out["rank"].to_numpy(), kind="stable")
    out["time_window"] = ""
    out["days"] = ""
    out["max_visits"] = pd.array([pd.NA] * len(out), dtype="Int64")
    if len(out):
        out.iloc[order[0], out.columns.get_loc("time_window")] = "05:00-08:00"
    if len(out) > 1:
        out.iloc[order[1], out.columns.get_loc("days")] = "T7;CN"
        out.iloc[order[1], out.columns.get_loc("max_visits")] = 2
    return out


def _spread(xy: np.ndarray, n: int, first: int = 0) -> list[int]:
    """``n`` indices of ``xy`` far apart (farthest-point order from ``first``)."""
    chosen = [first]
    d = np.hypot(*(xy - xy[first]).T)
    while len(chosen) < min(n, len(xy)):
        j = int(np.argmax(d))
        chosen.append(j)
        d = np.minimum(d, np.hypot(*(xy - xy[j]).T))
    return chosen


def demo_facilities(province: str = "Lào Cai", path: str | Path | None = None) -> pd.DataFrame:
    """A clearly synthetic facilities file at real commune seats (Vietnamese headers).

    Shelters (cơ sở bảo trợ xã hội) at the first commune of the province (its capital
    in the bundled list) and the seat farthest from it; a legal-aid office at the
    capital; two reception points; six health facilities and police posts at a third
    of the communes, spread over the province (farthest-point order). Some rows give
    only the commune (the seat is looked up), the others ``Kinh độ``/``Vĩ độ``. Every
    row says ``SYNTHETIC / DỮ LIỆU GIẢ LẬP``; deterministic.

    Returns
    -------
    pandas.DataFrame
        Columns ``Loại cơ sở``, ``Tên cơ sở``, ``Xã``, ``Kinh độ``, ``Vĩ độ``,
        ``Sức chứa``, ``Giờ mở cửa``, ``Ghi chú``.
    """
    from hotspots import geodata

    seats = geodata.communes(province=province).reset_index(drop=True)
    xy = np.column_stack([seats.geometry.x, seats.geometry.y])
    far = _spread(xy, max(len(seats) // 3, 6))
    plan = [
        ("Cơ sở bảo trợ xã hội", "Trung tâm bảo trợ xã hội", far[0], 30, "24/7"),
        ("Cơ sở bảo trợ xã hội", "Nhà tạm lánh", far[1], 10, "24/7"),
        ("Trợ giúp pháp lý", "Trung tâm trợ giúp pháp lý", far[0], "", "07:30-17:00"),
        ("Điểm tiếp nhận", "Điểm tiếp nhận nạn nhân", far[0], "", "24/7"),
        ("Điểm tiếp nhận", "Điểm tiếp nhận nạn nhân", far[2], "", "07:30-17:00"),
    ]
    plan += [("Cơ sở y tế", "Trung tâm y tế", j, 50, "24/7") for j in far[:6]]
    plan += [("Công an xã", "Công an xã", j, "", "24/7") for j in far]
    rows = []
    for n, (kind, label, j, cap, hours) in enumerate(plan):
        name = str(seats["name"].iloc[j])
        by_name = n % 3 == 2  # every third row: the commune only
        lon = "" if by_name else round(float(xy[j, 0]), 5)
        lat = "" if by_name else round(float(xy[j, 1]), 5)
        rows.append((kind, f"{label} {name} (giả lập)", name, lon, lat, cap, hours))
    cols = ["Loại cơ sở", "Tên cơ sở", "Xã", "Kinh độ", "Vĩ độ", "Sức chứa", "Giờ mở cửa"]
    df = pd.DataFrame(rows, columns=cols)
    df["Ghi chú"] = SYNTHETIC_LABEL
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(path, index=False, encoding="utf-8")
    return df
