"""Key areas: planted truth recovered, statistics equal esda's, score as documented, writers."""

from __future__ import annotations

import re
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from hotspots.areas.key_areas import (
    KEY_AREA_COLUMNS,
    NOT_COMPUTED,
    SCORE_WEIGHTS,
    TREND_WEIGHTS,
    KeyAreas,
    key_areas,
)
from hotspots.errors import ConfigError, InputError
from hotspots.synthetic import generate

UTM48 = "EPSG:32648"
X0, Y0, SIDE = 500_000.0, 2_450_000.0, 30_000.0
BLOBS = {  # centre (metres from the corner), sd, number of cases, role
    "a": ((8_000, 8_000), 600, 60, "recruitment"),
    "b": ((22_000, 20_000), 600, 40, "transit"),
    "home": ((15_000, 25_000), 700, 50, "victim_home"),
}


def _planted(seed: int = 0, n_background: int = 300) -> tuple[gpd.GeoDataFrame, dict]:
    """Uniform background over 30×30 km plus dense blobs; returns cases and truth discs."""
    rng = np.random.default_rng(seed)
    xs = [rng.uniform(X0, X0 + SIDE, n_background)]
    ys = [rng.uniform(Y0, Y0 + SIDE, n_background)]
    roles = [rng.choice(["recruitment", "transit", "exit", "victim_home"], n_background)]
    truth = {}
    for name, ((cx, cy), sd, n, role) in BLOBS.items():
        xs.append(rng.normal(X0 + cx, sd, n))
        ys.append(rng.normal(Y0 + cy, sd, n))
        roles.append(np.full(n, role))
        truth[name] = shapely.Point(X0 + cx, Y0 + cy).buffer(2.5 * sd)
    x, y, role = np.concatenate(xs), np.concatenate(ys), np.concatenate(roles)
    n = x.size
    dates = pd.Timestamp("2023-01-01", tz="Asia/Ho_Chi_Minh") + pd.to_timedelta(
        rng.integers(0, 3 * 365, n), unit="D"
    )
    cases = gpd.GeoDataFrame(
        {
            "case_id": [f"C{i:04d}" for i in range(n)],
            "occurred_at": dates,
            "role": role,
            "victims": rng.integers(1, 4, n),
        },
        geometry=gpd.points_from_xy(x, y),
        crs=UTM48,
    ).to_crs("EPSG:4326")
    return cases, truth


def _precision_recall(found: gpd.GeoDataFrame, truth: list, crs=UTM48) -> tuple[float, float]:
    """By area overlap: a found area is right when at least half of it lies in planted areas;
    a planted area is recovered when a found area overlaps it."""
    f = list(found.to_crs(crs).geometry)
    tu = shapely.union_all(truth)
    fu = shapely.union_all(f) if f else shapely.Polygon()
    precision = np.mean([g.intersection(tu).area >= 0.5 * g.area for g in f]) if f else 0.0
    recall = np.mean([t.intersection(fu).area > 0 for t in truth])
    return float(precision), float(recall)


def _area_box():
    return gpd.GeoSeries([box(X0, Y0, X0 + SIDE, Y0 + SIDE)], crs=UTM48)


# ----------------------------------------------------------------------------- recovery
@pytest.mark.parametrize("method", ["gistar", "lisa"])
def test_planted_operational_areas_recovered(method):
    cases, truth = _planted()
    ka = key_areas(cases, method=method, cell=1000, area=_area_box(), view="operational")
    assert isinstance(ka, KeyAreas)
    p, r = _precision_recall(ka, [truth["a"], truth["b"]])
    assert p >= 0.9 and r >= 0.9, (p, r, ka.drop(columns="geometry"))
    # the bigger blob ranks first
    top = ka.to_crs(UTM48).geometry.iloc[0]
    assert top.intersects(truth["a"])


def test_planted_areas_found_by_kde():
    # kernel smoothing spreads each blob over more land than its planted disc, so here a
    # found area is right when it overlaps a planted area (not when half of it lies inside)
    cases, truth = _planted()
    ka = key_areas(cases, method="kde", cell=1000, area=_area_box(), view="operational")
    tu = shapely.union_all([truth["a"], truth["b"]])
    found = list(ka.to_crs(UTM48).geometry)
    assert len(found) == 2 and all(g.intersects(tu) for g in found)
    assert all(any(g.intersects(t) for g in found) for t in (truth["a"], truth["b"]))
    assert ka["cases"].iloc[0] >= 55  # the 60-case blob, nearly whole


def test_planted_areas_lead_the_hdbscan_ranking():
    # HDBSCAN areas are coarse (hulls of clusters that take in background points) and a
    # few small background clusters remain; the two planted blobs must still rank first
    cases, truth = _planted()
    ka = key_areas(cases, method="hdbscan", cell=1000, area=_area_box(), view="operational")
    top2 = list(ka.to_crs(UTM48).geometry[:2])
    assert top2[0].intersects(truth["a"]) and top2[1].intersects(truth["b"])
    assert not top2[0].intersects(truth["b"])


def test_origin_view_uses_only_victim_homes():
    cases, truth = _planted()
    ka = key_areas(cases, cell=1000, area=_area_box(), view="origin")
    p, r = _precision_recall(ka, [truth["home"]])
    assert p >= 0.9 and r >= 0.9
    assert set(ka["view"]) == {"origin"}
    for text in ka["roles"]:
        assert [kv.split(":")[0] for kv in text.split(";")] == ["victim_home"]
    # operational view never shows the home blob
    op = key_areas(cases, cell=1000, area=_area_box(), view="operational")
    assert not any(g.intersects(truth["home"]) for g in op.to_crs(UTM48).geometry)


def test_hex_cells_and_no_area_work():
    cases, truth = _planted(seed=3)
    ka = key_areas(cases, cell=1000, kind="hex")
    p, r = _precision_recall(ka, [truth["a"], truth["b"]])
    assert p >= 0.9 and r >= 0.9
    assert ka.attrs["hotspots"]["kind"] == "hex"
    assert ka.attrs["hotspots"]["cases_outside"] == 0  # hull + one cell holds every case


# ----------------------------------------------------------------------------- oracle
def test_z_max_equals_esda_gi_star_on_the_same_cells():
    import esda
    from libpysal.weights import lat2W

    cases, _ = _planted(seed=1)
    cell = 1250.0  # 24 × 24 cells; the corner is a multiple of the cell size, so the grid
    # of key_areas (snapped to multiples of the cell) is exactly this lattice
    ka = key_areas(cases, cell=cell, area=_area_box(), view="all", fdr=False)
    assert len(ka) >= 2
    n = int(SIDE / cell)
    pts = cases.to_crs(UTM48)
    col = np.floor((pts.geometry.x.to_numpy() - X0) / cell).astype(int)
    row = np.floor((pts.geometry.y.to_numpy() - Y0) / cell).astype(int)
    counts = np.bincount(row * n + col, minlength=n * n).astype(float)
    w = lat2W(n, n, rook=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = esda.G_Local(counts, w, transform="B", star=True, permutations=0)
    cx = X0 + (np.arange(n * n) % n + 0.5) * cell
    cy = Y0 + (np.arange(n * n) // n + 0.5) * cell
    for area_geom, z_max, n_cells, n_cases in zip(
        ka.to_crs(UTM48).geometry, ka["z_max"], ka["cells"], ka["cases"], strict=True
    ):
        inside = shapely.contains_xy(area_geom, cx, cy)
        assert inside.sum() == n_cells
        assert z_max == pytest.approx(g.Zs[inside].max(), abs=1e-9)
        assert n_cases == counts[inside].sum()  # one row per case here
        # every member cell is a significant hot spot at 0.05 (no FDR)
        assert np.all(g.Zs[inside] > 1.959963984540054)


# ----------------------------------------------------------------------------- table
def test_columns_score_formula_and_ranks():
    cases, _ = _planted()
    ka = key_areas(cases, cell=1000, area=_area_box(), view="all")
    assert list(ka.columns) == list(KEY_AREA_COLUMNS)
    assert ka.crs.to_epsg() == 4326
    assert list(ka["rank"]) == list(range(1, len(ka) + 1))
    assert ka["score"].is_monotonic_decreasing
    # the documented formula, recomputed from the columns
    parts = (
        SCORE_WEIGHTS["cases"] * ka["cases"] / ka["cases"].max()
        + SCORE_WEIGHTS["victims"] * ka["victims"] / ka["victims"].max()
        + SCORE_WEIGHTS["z"] * np.clip(ka["z_max"], 0, 5) / 5
        + SCORE_WEIGHTS["trend"] * ka["trend"].map(TREND_WEIGHTS).fillna(0)
    )
    np.testing.assert_allclose(ka["score"], (100 * parts / sum(SCORE_WEIGHTS.values())).round(2))
    assert ka.attrs["hotspots"]["time_steps"] == 12  # 3 years of quarters
    assert (ka["area_km2"] == ka["cells"] * 1.0).all()
    # the planted square lies in northern Vietnam (105°E, 22°N): commune names appear
    assert ka["communes"].str.len().gt(0).all()


def test_victims_counted_once_per_case_and_roles_text():
    pt = shapely.Point(X0 + 5_000, Y0 + 5_000)
    rows = []
    for i in range(6):  # 6 cases, each with two located roles at the same spot
        for role in ("recruitment", "transit"):
            rows.append({"case_id": f"K{i}", "role": role, "victims": 2, "geometry": pt})
    rng = np.random.default_rng(0)
    for j in range(40):  # sparse background
        rows.append(
            {
                "case_id": f"B{j}",
                "role": "exit",
                "victims": 1,
                "geometry": shapely.Point(X0 + rng.uniform(0, SIDE), Y0 + rng.uniform(0, SIDE)),
            }
        )
    cases = gpd.GeoDataFrame(rows, crs=UTM48)
    ka = key_areas(cases, cell=1000, area=_area_box(), fdr=False)
    top = ka.iloc[0]
    assert top["cases"] == 6  # distinct case ids, not rows
    assert top["victims"] == 12  # 2 victims per case, not per row
    assert top["roles"].startswith("recruitment:6;transit:6")
    assert top["trend"] == NOT_COMPUTED  # no dates at all


def test_province_precision_points_are_left_out():
    cases, truth = _planted()
    cases["precision"] = "exact"
    # 30 cases known only to the province, all placed at one "centre" point
    centre = gpd.GeoSeries([shapely.Point(X0 + 15_000, Y0 + 10_000)], crs=UTM48).to_crs(4326)
    vague = cases.head(30).copy()
    vague["case_id"] = [f"V{i}" for i in range(30)]
    vague["precision"] = "province"
    vague = vague.set_geometry([centre.iloc[0]] * 30, crs=4326)
    both = pd.concat([cases, vague], ignore_index=True)
    ka = key_areas(both, cell=1000, area=_area_box(), view="all")
    assert ka.attrs["hotspots"]["cases_province_precision"] == 30
    assert not ka.contains(centre.iloc[0]).any()


def test_foreign_points_without_roles_or_victims():
    rng = np.random.default_rng(2)
    # Leeds-like coordinates (UTM 30N): background + one cluster
    lon = np.r_[rng.uniform(-1.65, -1.45, 300), rng.normal(-1.55, 0.003, 60)]
    lat = np.r_[rng.uniform(53.75, 53.85, 300), rng.normal(53.80, 0.002, 60)]
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    ka = key_areas(pts, cell=500)
    assert len(ka) >= 1
    assert ka.attrs["hotspots"]["crs"] == "EPSG:32630"
    assert (ka["communes"] == "").all() and (ka["roles"] == "").all()
    assert (ka["victims"] == 0).all() and (ka["view"] == "all").all()
    assert (ka["trend"] == NOT_COMPUTED).all()
    centre = gpd.GeoSeries([shapely.Point(-1.55, 53.80)], crs="EPSG:4326")
    assert ka.geometry.iloc[0].contains(centre.iloc[0])


def test_same_input_same_output():
    cases, _ = _planted()
    a = key_areas(cases, method="lisa", cell=1000, area=_area_box(), seed=7)
    b = key_areas(cases, method="lisa", cell=1000, area=_area_box(), seed=7)
    pd.testing.assert_frame_equal(
        pd.DataFrame(a.drop(columns="geometry")), pd.DataFrame(b.drop(columns="geometry"))
    )
    assert all(x.equals(y) for x, y in zip(a.geometry, b.geometry, strict=True))


def test_bad_parameters_raise_named_errors():
    cases, _ = _planted()
    with pytest.raises(ConfigError, match="method"):
        key_areas(cases, method="magic")
    with pytest.raises(ConfigError, match="view"):
        key_areas(cases, view="victims")
    with pytest.raises(ConfigError, match="cell"):
        key_areas(cases, cell=-5)
    with pytest.raises(InputError, match="origin"):
        key_areas(cases[cases["role"] != "victim_home"], view="origin")


# ----------------------------------------------------------------------------- writers
def test_writers_gpkg_and_geojson(tmp_path):
    import pyogrio

    cases, _ = _planted()
    ka = key_areas(cases, cell=1000, area=_area_box())
    ka.to_file(tmp_path / "ka.gpkg")
    assert pyogrio.list_layers(tmp_path / "ka.gpkg")[:, 0].tolist() == ["key_areas"]
    back = gpd.read_file(tmp_path / "ka.gpkg", layer="key_areas")
    assert list(back.columns) == list(KEY_AREA_COLUMNS)
    assert back["rank"].tolist() == ka["rank"].tolist()
    ka.to_file(tmp_path / "ka.geojson")
    back = gpd.read_file(tmp_path / "ka.geojson")
    assert back["cases"].tolist() == ka["cases"].tolist()
    assert "case_id" not in back.columns
    with pytest.raises(InputError, match="gpkg"):
        ka.to_file(tmp_path / "ka.shp")
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary file left behind
    plain = ka.to_gdf()
    assert type(plain) is gpd.GeoDataFrame and plain.attrs["hotspots"]["method"] == "gistar"


def test_explore_makes_an_offline_map():
    cases, _ = _planted()
    ka = key_areas(cases, cell=1000, area=_area_box())
    m = ka.explore(lang="en")
    from hotspots.maps.base import map_html

    html = map_html(m)
    # no script, stylesheet or image loaded from the network (links in inlined text are fine)
    assert not re.search(r"<script[^>]*\ssrc=", html)
    assert not re.search(r"""<link[^>]*href=["']?(https?:)?//""", html)
    assert not re.search(r"""<img[^>]*src=["']?(https?:)?//""", html)
    assert "tile.openstreetmap" not in html


# ----------------------------------------------------------------------------- demo data
@pytest.fixture(scope="module")
def demo():
    return _demo(1)


@pytest.mark.parametrize("view", ["operational", "origin"])
def test_synthetic_planted_key_areas_recovered(demo, view):
    truth = demo.truth["key_areas"]
    truth = truth[truth["kind"] == view]
    # a hand-picked 1.5 km cell (2 km cells, the old area rule, merge too much land around
    # the 2–3.5 km planted discs to pass the "half inside" rule); defaults: further down
    ka = key_areas(demo.cases, area="Lào Cai", cell=1500, view=view)
    crs = ka.attrs["hotspots"]["crs"]
    p, r = _precision_recall(ka, list(truth.to_crs(crs).geometry), crs=crs)
    assert p >= 0.9 and r >= 0.9, (p, r)
    # Vietnamese commune names, and the PII of the demo data never reaches the table
    assert ka["communes"].str.len().gt(0).all()
    text = ka.drop(columns="geometry").to_csv()
    for pii in demo.cases["victim_name"].head(50):
        assert pii not in text


def test_synthetic_emerging_hot_spot_is_new_or_growing(demo):
    em = demo.truth["emerging"].geometry.iloc[0]
    ka = key_areas(demo.cases, area="Lào Cai", cell=1500, view="operational")
    hit = ka[ka.intersects(em)]
    assert len(hit) == 1
    # The planted cases fall in the last four quarterly bins only, rising: by ArcGIS's
    # definitions (docs/methods.md) that is a "new" hot spot when only the final quarter is
    # hot and a "consecutive" one when the last 2-4 quarters are (never hot before the
    # run); the rule names new or intensifying. Which of new/consecutive comes out
    # is the luck of the draw: over seeds 0-17 (cell 1500) new 5 / consecutive 10 / not
    # found 3 with the echarts provinces, new 4 / consecutive 14 with the amcharts ones.
    assert hit["trend"].iloc[0] in ("new hot spot", "consecutive hot spot", "intensifying hot spot")
    others = ka[~ka.intersects(em)]
    assert not others["trend"].isin(["new hot spot", "consecutive hot spot"]).any()


# ------------------------------------------------------------------ defaults on demo data
_DEMOS: dict[int, object] = {}


def _demo(seed: int):
    if seed not in _DEMOS:
        _DEMOS[seed] = generate(province="Lào Cai", years=5, seed=seed)
    return _DEMOS[seed]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_defaults_recover_the_planted_truth(seed):
    """No cell size given: the spacing rule; both views, precision and recall >= 0.9 by
    area overlap, the emerging area a new, consecutive or intensifying hot spot."""
    demo = _demo(seed)
    truth = demo.truth["key_areas"]
    cells = set()
    for view in ("operational", "origin"):
        ka = key_areas(demo.cases, area="Lào Cai", view=view)
        meta = ka.attrs["hotspots"]
        assert meta["cell_rule"] == "spacing"
        cells.add(meta["cell_m"])
        crs = meta["crs"]
        planted = truth[truth["kind"] == view]
        p, r = _precision_recall(ka, list(planted.to_crs(crs).geometry), crs=crs)
        assert p >= 0.9 and r >= 0.9, (seed, view, meta["cell_m"], p, r)
        if view == "operational":
            em = demo.truth["emerging"].geometry.iloc[0]
            hit = ka[ka.intersects(em)]
            assert len(hit) == 1
            assert hit["trend"].iloc[0] in (
                "new hot spot",
                "consecutive hot spot",
                "intensifying hot spot",
            )
    # one grid for both views, between 1 and 1.5 km on this province
    assert len(cells) == 1 and 1000 <= cells.pop() <= 1500


def test_default_cell_is_the_spacing_of_all_locations():
    from hotspots.areas.grid import spacing_cell_size
    from hotspots.areas.key_areas import default_cell
    from hotspots.data.ingest import resolve_area

    demo = _demo(1)
    area = resolve_area(province="Lào Cai")
    crs = key_areas(demo.cases, area="Lào Cai").attrs["hotspots"]["crs"]
    cases = demo.cases[demo.cases["precision"] != "province"].to_crs(crs)
    a = float(area.to_crs(crs).union_all().area)
    expected = spacing_cell_size(cases.geometry.x, cases.geometry.y, a)
    assert default_cell(demo.cases[demo.cases["precision"] != "province"], area) == expected
    # by hand: 0.5 * sqrt(area / distinct locations), rounded down on the 1-1.25-1.5-2 ladder
    n = len(np.unique(np.round(cases.geometry.x) + 1j * np.round(cases.geometry.y)))
    raw = 0.5 * np.sqrt(a / n)
    assert expected <= raw < expected * 1.25 + 1e-9


def test_a_case_counts_once_per_cell():
    """Extra stops of a case in a cell it already has (repeated transit rows) change
    nothing; the same rows as new cases do change the counts."""
    cases, _ = _planted(seed=3)
    op = cases[cases["role"] != "victim_home"]
    extra = op.iloc[::4].copy()  # every 4th operational case gets two more stops there
    extra["role"] = "transit"
    more = pd.concat([cases, extra, extra], ignore_index=True)
    kw = dict(cell=1000, area=_area_box(), view="operational")
    a, b = key_areas(cases, **kw), key_areas(more, **kw)
    assert b.attrs["hotspots"]["case_cells_counted"] == a.attrs["hotspots"]["case_cells_counted"]
    assert b.attrs["hotspots"]["cases_used"] == a.attrs["hotspots"]["cases_used"] + 2 * len(extra)
    pd.testing.assert_frame_equal(
        a.drop(columns=["geometry", "roles"]), b.drop(columns=["geometry", "roles"])
    )
    # as new cases (fresh ids) the same rows do count
    fresh = pd.concat([extra, extra], ignore_index=True)
    fresh["case_id"] = [f"X{i}" for i in range(len(fresh))]
    c = key_areas(pd.concat([cases, fresh], ignore_index=True), **kw)
    n_a = a.attrs["hotspots"]["case_cells_counted"]
    assert c.attrs["hotspots"]["case_cells_counted"] == n_a + len(fresh)
    assert c["cases"].sum() > a["cases"].sum()


def test_lisa_permutation_rule():
    from hotspots.areas.hot_cells import lisa_permutations as _lisa_permutations

    assert _lisa_permutations(1483, 0.05, True, 999) == 9999  # min(1483, 500) / 0.05 - 1
    assert _lisa_permutations(40, 0.05, True, 99) == 799  # 40 / 0.05 - 1
    assert _lisa_permutations(40, 0.05, True, 5000) == 5000  # never fewer than asked
    assert _lisa_permutations(1483, 0.01, True, 999) == 49_999
    assert _lisa_permutations(1483, 0.05, False, 999) == 999  # no FDR: as asked
    assert _lisa_permutations(0, 0.05, True, 999) == 999


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lisa_with_defaults_on_the_demo_province(seed):
    """Local Moran with FDR and default cells finds the planted areas (before: nothing,
    p floor 1/1000 against thousands of cells)."""
    demo = _demo(seed)
    truth = demo.truth["key_areas"]
    for view in ("operational", "origin"):
        ka = key_areas(demo.cases, area="Lào Cai", method="lisa", view=view)
        meta = ka.attrs["hotspots"]
        assert 0 < meta["tested_cells"] and meta["permutations"] == 9999, meta
        crs = meta["crs"]
        planted = truth[truth["kind"] == view]
        p, r = _precision_recall(ka, list(planted.to_crs(crs).geometry), crs=crs)
        assert p >= 0.9 and r >= 0.9, (seed, view, p, r)


def test_package_exports_are_light_and_complete():
    import subprocess
    import sys

    code = (
        "import sys, hotspots.areas as A\n"
        "assert 'folium' not in sys.modules and 'sklearn' not in sys.modules\n"
        "import hotspots.areas.key_areas, hotspots.areas.predict\n"
        "for n in A.__all__: getattr(A, n)\n"
        "assert callable(A.key_areas) and A.key_areas.__name__ == 'key_areas'\n"
        "assert A.predict.__name__ == 'predict' and A.gi_star.__module__.endswith('gistar')\n"
        "assert 'folium' not in sys.modules\n"
        "from hotspots.areas.key_areas import KeyAreas\n"
        "from hotspots.areas.predict import Events\n"
        "print(len(A.__all__))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    import hotspots.areas as areas

    assert out.stdout.split() == [str(len(areas.__all__))]

    for name in (
        "Grid counts_by_polygon auto_cell_size kde default_bandwidth grid_contiguity "
        "grid_weights polygon_contiguity distance_band knn gi_star local_moran fdr "
        "confidence_class GiStar LocalMoran density_clusters label_points mann_kendall "
        "emerging_hot_spots key_areas KeyAreas predict"
    ).split():
        assert name in areas.__all__
