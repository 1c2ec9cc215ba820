"""Rolling-origin backtests: windows, hand-computed scores, JSON contract, no leakage, CLI."""

from __future__ import annotations

import json

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import pytest

from hotspots.areas.grid import Grid
from hotspots.areas.predict import Events
from hotspots.errors import ConfigError, InputError
from hotspots.evaluate import backtest, parse_period
from hotspots.evaluate.backtest import ROW_FIELDS

matplotlib.use("Agg")

CRS = "EPSG:32648"
TZ = "Asia/Ho_Chi_Minh"


def _frame(xy, dates, crs=CRS):
    x, y = zip(*xy, strict=True)
    return gpd.GeoDataFrame(
        {"occurred_at": pd.to_datetime(list(dates)).tz_localize(TZ)},
        geometry=gpd.points_from_xy(x, y),
        crs=crs,
    )


GRID = Grid(0.0, 0.0, 100.0, 2, 2, CRS)  # cells: 0=(0,0) 1=(0,1) 2=(1,0) 3=(1,1)

TINY = _frame(
    [(50, 50)] * 3 + [(150, 50)] + [(50, 50)] * 2 + [(50, 150)],
    ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]  # training
    + ["2024-01-12", "2024-01-13", "2024-01-14"],  # test
)


def test_one_window_scored_by_hand():
    res = backtest(
        TINY,
        [],
        grid=GRID,
        train="10D",
        test="5D",
        coverage=[25],
        start="2024-01-01",
        end="2024-01-16",
    )
    assert len(res.windows) == 1
    w = res.windows.iloc[0]
    assert w.test_start == pd.Timestamp("2024-01-11", tz=TZ)
    assert w.test_end == pd.Timestamp("2024-01-16", tz=TZ)
    assert (w.train_events, w.test_events) == (4, 3)
    t = res.table.set_index("method")
    # naive covers cell 0 (3 training events): 2 of 3 test events
    assert t.loc["naive", "hits"] == 2 and t.loc["naive", "events"] == 3
    assert t.loc["naive", "hit_rate"] == pytest.approx(2 / 3)
    assert t.loc["naive", "pai"] == pytest.approx((2 / 3) / 0.25)
    assert t.loc["naive", "pei"] == pytest.approx(1.0)
    assert t.loc["naive", "rri"] == pytest.approx((2 / 3) / (3 / 4))
    # naive_last: nothing in the last 5 training days, four tied cells share 3 events
    assert t.loc["naive_last", "hits"] == pytest.approx(0.75)
    assert t.loc["naive_last", "pai"] == pytest.approx(1.0)


def test_windows_roll_by_step_inside_the_span():
    days = pd.date_range("2024-01-01", periods=100, freq="D")
    ev = _frame([(50, 50)] * 100, days)
    res = backtest(ev, [], grid=GRID, train="30D", test="10D", coverage=[50])
    # span 2024-01-01 .. 2024-04-10 (midnight after the last event): origins day 30..90
    assert len(res.windows) == 7
    assert list(res.windows.train_events) == [30] * 7
    assert list(res.windows.test_events) == [10] * 7
    assert res.windows.test_start.iloc[-1] == pd.Timestamp("2024-03-31", tz=TZ)
    res2 = backtest(ev, [], grid=GRID, train="30D", test="10D", step="20D", coverage=[50])
    assert len(res2.windows) == 4
    res3 = backtest(ev, [], grid=GRID, train="30D", test="10D", max_windows=2, coverage=[50])
    assert list(res3.windows.test_start) == list(res.windows.test_start.iloc[-2:])


def test_calendar_month_periods():
    assert parse_period("6M") == pd.DateOffset(months=6)
    assert parse_period("365D") == pd.Timedelta(days=365)
    assert parse_period("2W") == pd.Timedelta(days=14)
    with pytest.raises(ConfigError, match="365 days"):
        parse_period("365 days!")
    months = pd.date_range("2017-01-01", periods=12, freq="MS")
    ev = _frame([(50, 50)] * 12, months)
    res = backtest(ev, [], grid=GRID, train="6M", test="1M", end="2018-01-01", coverage=[50])
    assert list(res.windows.test_start.dt.month) == [7, 8, 9, 10, 11, 12]
    assert list(res.windows.train_events) == [6] * 6


def test_json_rows_are_the_contract(tmp_path):
    res = backtest(
        TINY, ["kde"], grid=GRID, train="10D", test="5D", start="2024-01-01", end="2024-01-16"
    )
    out = res.to_json(tmp_path / "bt.json")
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert len(rows) == 3 * 5  # naive, naive_last, kde x 5 coverage levels
    assert all(list(r)[: len(ROW_FIELDS)] == list(ROW_FIELDS) for r in rows)
    assert {r["method"] for r in rows} == {"naive", "naive_last", "kde"}
    assert sorted({r["coverage_pct"] for r in rows}) == [1, 2, 5, 10, 20]
    r0 = rows[0]
    assert r0["test_start"] == "2024-01-11T00:00:00+07:00"
    assert isinstance(r0["events"], int) and r0["events"] == 3
    assert set(res.table.columns) == {*ROW_FIELDS, "rri", "window"}


def test_no_leakage_from_test_windows():
    """Changing every event at or after a window's origin must not change its maps."""
    rng = np.random.default_rng(0)
    n = 3000
    g = Grid(0.0, 0.0, 100.0, 20, 20, CRS)
    x, y = rng.uniform(0, 2000, n), rng.uniform(0, 2000, n)
    t = 19_000 + np.sort(rng.uniform(0, 200, n))
    base = Events(x, y, t)
    methods = ["kde", "decay", "gistar", "lisa", "hdbscan", "blend", "prospective", "sepp"]
    methods += ["learned", "auto"]
    kw = dict(grid=g, train="90D", test="30D", keep_maps=True)
    a = backtest(base, methods, **kw)
    origin = a.windows.test_start.iloc[1]
    cut = (origin - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
    later = t >= cut
    assert later.sum() > 100
    # move every later event into one corner and add a burst there
    x2, y2 = x.copy(), y.copy()
    x2[later], y2[later] = 50.0, 50.0
    t2 = np.concatenate([t, np.full(200, cut + 1.0)])
    changed = Events(np.r_[x2, np.full(200, 50.0)], np.r_[y2, np.full(200, 50.0)], t2)
    b = backtest(changed, methods, **kw)
    for m in ["naive", "naive_last", *methods]:
        for w in (0, 1):
            np.testing.assert_array_equal(a.maps[(m, w)], b.maps[(m, w)], err_msg=f"{m} {w}")
    for w in (0, 1):  # auto's map per coverage level too
        for c, risk in a.info[("auto", w)]["risk_by_coverage"].items():
            np.testing.assert_array_equal(risk, b.info[("auto", w)]["risk_by_coverage"][c])
    # ...while the test scores of window 1 and the maps of window 2 do change
    assert not a.table[a.table.window == 1].hits.equals(b.table[b.table.window == 1].hits)
    assert not np.array_equal(a.maps[("naive", 2)], b.maps[("naive", 2)])


def test_any_city_in_lon_lat_without_a_province():
    rng = np.random.default_rng(2)
    n = 400
    lon = -0.12 + rng.normal(0, 0.02, n)  # London
    lat = 51.5 + rng.normal(0, 0.015, n)
    dates = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.uniform(0, 200, n), unit="D")
    gdf = gpd.GeoDataFrame({"when": dates}, geometry=gpd.points_from_xy(lon, lat), crs=4326)
    res = backtest(gdf, ["prospective"], cell=500, train="90D", test="30D", time_column="when")
    assert res.grid.crs.to_epsg() == 32630  # UTM zone 30N, chosen from the data
    assert set(res.table.method) == {"naive", "naive_last", "prospective"}
    assert res.table.events.sum() > 0
    with pytest.raises(InputError, match="occurred_at"):
        backtest(gdf, [], cell=500)


def test_study_area_masks_cells_and_drops_outside_events():
    rng = np.random.default_rng(3)
    n = 300
    x = rng.uniform(0, 400, n)
    ev = _frame(
        list(zip(x, rng.uniform(0, 100, n), strict=True)),
        pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.uniform(0, 60, n), unit="D"),
    )
    from shapely.geometry import box

    area = gpd.GeoSeries([box(0, 0, 200, 100)], crs=CRS)
    res = backtest(ev, [], area=area, cell=100, train="30D", test="10D", coverage=[50])
    assert int(res.grid.mask.sum()) == 2
    inside = (x < 200) & (ev.occurred_at >= res.windows.test_start[0]).to_numpy()
    inside &= (ev.occurred_at < res.windows.test_end[0]).to_numpy()
    assert res.windows.test_events[0] == inside.sum()


def test_bad_parameters_are_named():
    with pytest.raises(ConfigError, match="unknown method 'kdee'"):
        backtest(TINY, ["kdee"], grid=GRID)
    with pytest.raises(ConfigError, match="coverage"):
        backtest(TINY, [], grid=GRID, coverage=[0])
    with pytest.raises(InputError, match="too short"):
        backtest(TINY, [], grid=GRID, train="365D", test="30D")
    with pytest.raises(ConfigError, match=r"start \(--start\) 'xyz' is not a date"):
        backtest(TINY, [], grid=GRID, start="xyz")
    with pytest.raises(ConfigError, match=r"end \(--end\) '' is not a date"):
        backtest(TINY, [], grid=GRID, end="")
    # 0 used to slice origins[-0:], i.e. keep every window
    with pytest.raises(ConfigError, match="max_windows"):
        backtest(TINY, [], grid=GRID, train="2D", test="2D", max_windows=0)
    one = backtest(TINY, [], grid=GRID, train="2D", test="2D", max_windows=1)
    assert len(one.windows) == 1


def test_plot_has_a_line_per_method():
    res = backtest(
        TINY, ["kde"], grid=GRID, train="10D", test="5D", start="2024-01-01", end="2024-01-16"
    )
    fig = res.plot()
    assert len(fig.axes) == 2
    assert [ln.get_label() for ln in fig.axes[0].lines] == ["naive", "naive_last", "kde"]
    assert fig.axes[1].get_ylabel() == "PAI"


def test_summary_and_compare():
    days = pd.date_range("2024-01-01", periods=100, freq="D")
    ev = _frame([(50, 50)] * 100, days)
    res = backtest(ev, ["kde"], grid=GRID, train="30D", test="10D", coverage=[25])
    s = res.summary().set_index("method")
    assert s.loc["naive", "hit_rate"] == 1.0 and s.loc["naive", "windows"] == 7
    c = res.compare(25).set_index("method")
    assert c.loc["naive", "ratio_to_baseline"] == 1.0


def test_cli_writes_the_json_rows(tmp_path, capsys):
    from hotspots.cli import main

    rng = np.random.default_rng(4)
    n = 300
    df = pd.DataFrame(
        {
            "longitude": 106.0 + rng.normal(0, 0.02, n),
            "latitude": 21.0 + rng.normal(0, 0.02, n),
            "date": (
                pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 150, n), unit="D")
            ).strftime("%Y-%m-%d"),
        }
    )
    src = tmp_path / "cases.csv"
    df.to_csv(src, index=False)
    out = tmp_path / "bt.json"
    code = main(
        [
            "backtest",
            str(src),
            "--method",
            "kde,prospective,learned",
            "--cell",
            "1000",
            "--train",
            "90D",
            "--test",
            "30D",
            "--coverage",
            "5,10",
            "--json",
            str(out),
            "--plot",
            str(tmp_path / "bt.png"),
        ]
    )
    assert code == 0
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert {r["method"] for r in rows} == {"naive", "naive_last", "kde", "prospective", "learned"}
    assert {r["coverage_pct"] for r in rows} == {5.0, 10.0}
    printed = capsys.readouterr().out
    assert "mean PAI" in printed
    assert "learned, last window: Bản đồ dựa nhiều nhất vào: " in printed
    assert (tmp_path / "bt.png").read_bytes()[:4] == b"\x89PNG"
    code = main(["backtest", str(src), "--coverage", "5,x"])
    assert code == 2
    assert "--coverage" in capsys.readouterr().err
    # --params: inline JSON or a JSON file, the same rows either way
    pfile = tmp_path / "params.json"
    pfile.write_text('{"kde": {"bandwidth": 500}}', encoding="utf-8")
    tables = []
    for given in (str(pfile), '{"kde": {"bandwidth": 500}}', None):
        argv = ["backtest", str(src), "--method", "kde", "--cell", "1000", "--train", "90D"]
        argv += ["--coverage", "5", "--json", str(out)]
        assert main(argv + (["--params", given] if given else [])) == 0
        tables.append(out.read_text(encoding="utf-8"))
    # the same rows from the file and the inline JSON; the default bandwidth (one cell,
    # 1000 m) scores otherwise, so the parameter was used
    assert tables[0] == tables[1] != tables[2]
    capsys.readouterr()
    # a long inline JSON was taken for a file name (OSError: file name too long)
    long = '{"kde": {"bandwidth": 500}, "' + "x" * 300 + '": {}}'
    assert main(["backtest", str(src), "--params", long]) == 2
    assert "unknown method 'xxx" in capsys.readouterr().err
    assert main(["backtest", str(src), "--params", "nofile.json"]) == 2
    assert "neither JSON (starting with '{') nor a file" in capsys.readouterr().err


@pytest.mark.realdata
def test_auto_beats_naive_on_west_yorkshire_police_uk_data():
    """police.uk crime shipped in crime-sim-toolkit (OGL v3): 2,450 crimes of 2017, monthly."""
    from pathlib import Path

    import crime_sim_toolkit as cst

    path = Path(cst.__file__).parent / "tests/testing_data/test_microsim/sample_vic_data_WY2017.csv"
    assert path.exists(), f"crime-sim-toolkit no longer ships {path.name}"
    df = pd.read_csv(path).dropna(subset=["Longitude", "Latitude", "Month"])
    gdf = gpd.GeoDataFrame(
        {"occurred_at": pd.to_datetime(df["Month"], format="%Y-%m")},
        geometry=gpd.points_from_xy(df["Longitude"], df["Latitude"]),
        crs=4326,
    )
    res = backtest(gdf, ["auto", "prospective"], train="6M", test="1M", end="2018-01-01")
    assert len(res.windows) == 6
    c = res.compare(5.0).set_index("method")
    assert {"naive", "naive_last"} <= set(c.index)
    assert c.loc["auto", "mean_hit_rate"] > c.loc["naive", "mean_hit_rate"]
    assert c.loc["auto", "wins"] >= 4


# ------------------------------------------------------------------ views, one per case
def _stops():
    """Three cases, several stops each; the training span has 3 cases, the test span 2.

    case a (training): victim_home in cell 3, recruitment in cell 0, transit in cell 0 twice
    case b (training): victim_home in cell 2, exit in cell 1
    case c (training): recruitment in cell 0 (no case_id: its own case)
    case d (test): victim_home in cell 3, transit in cell 1 then exit in cell 0
    case e (test): transit in cell 0
    """
    rows = [
        ("a", "victim_home", (150, 150), "2024-01-02"),
        ("a", "recruitment", (50, 50), "2024-01-02"),
        ("a", "transit", (60, 60), "2024-01-03"),
        ("a", "transit", (70, 70), "2024-01-03"),
        ("b", "victim_home", (50, 150), "2024-01-04"),
        ("b", "exit", (150, 50), "2024-01-04"),
        (None, "recruitment", (40, 40), "2024-01-05"),
        ("d", "victim_home", (150, 150), "2024-01-12"),
        ("d", "transit", (150, 60), "2024-01-12"),
        ("d", "exit", (50, 60), "2024-01-13"),
        ("e", "transit", (30, 30), "2024-01-14"),
    ]
    f = _frame([r[2] for r in rows], [r[3] for r in rows])
    f.insert(0, "case_id", [r[0] for r in rows])
    f.insert(1, "role", [r[1] for r in rows])
    return f


def _one_window(events, **kw):
    return backtest(
        events,
        [],
        grid=GRID,
        train="10D",
        test="5D",
        coverage=[25],
        start="2024-01-01",
        end="2024-01-16",
        **kw,
    )


def test_case_tables_count_one_event_per_case_and_view():
    stops = _stops()
    res = _one_window(stops)  # default for tables with roles: operational
    assert res.view == "operational"
    w = res.windows.iloc[0]
    # training: a (first operational stop: recruitment, cell 0), b (exit, cell 1), the
    # case without id (cell 0) → 3; test: d (first: transit in cell 1), e (cell 0) → 2
    assert (w.train_events, w.test_events) == (3, 2)
    t = res.table.set_index("method")
    # naive covers cell 0 (2 training cases): it holds 1 of the 2 test cases
    assert t.loc["naive", "hits"] == 1 and t.loc["naive", "events"] == 2
    assert t.loc["naive", "hit_rate"] == 0.5 and t.loc["naive", "pai"] == 2.0

    origin = _one_window(stops, view="origin")
    w = origin.windows.iloc[0]
    assert origin.view == "origin" and (w.train_events, w.test_events) == (2, 1)

    every = _one_window(stops, view="all")
    w = every.windows.iloc[0]
    # one event per case whatever its role: first stop by row order (same dates)
    assert (w.train_events, w.test_events) == (3, 2)
    # a table without roles: every row is used and the view says so
    plain = _one_window(stops.drop(columns=["role", "case_id"]))
    w = plain.windows.iloc[0]
    assert plain.view == "all" and (w.train_events, w.test_events) == (7, 4)


def test_first_stop_follows_seq_then_time():
    from hotspots.areas.views import first_per_case

    f = _stops().iloc[[7, 8, 9]].copy()  # case d
    f["seq"] = [2, 1, 0]  # the exit is the first stop by seq
    assert first_per_case(f)["role"].tolist() == ["exit"]
    g = f.drop(columns="seq").copy()
    g["occurred_at"] = pd.to_datetime(["2024-01-13", "2024-01-14", "2024-01-12"]).tz_localize(TZ)
    assert first_per_case(g, "occurred_at")["role"].tolist() == ["exit"]
    assert first_per_case(g)["role"].tolist() == ["victim_home"]  # row order
    assert g["case_id"].tolist() == ["d", "d", "d"]  # the input is not changed


def test_province_centre_points_and_bad_views():
    stops = _stops()
    stops["precision"] = "exact"
    stops.loc[9, "precision"] = "province"  # d's exit placed at a province centre
    res = _one_window(stops, view="all")
    # d still counts (its victim_home is the first stop)
    assert res.windows.iloc[0].test_events == 2
    stops.loc[[7, 8], "precision"] = "province"
    res = _one_window(stops, view="origin")
    assert res.windows.iloc[0].test_events == 0
    with pytest.raises(ConfigError, match="view"):
        _one_window(stops, view="routes")
    ev = Events(np.array([50.0]), np.array([50.0]), np.array([19_800.0]))
    with pytest.raises(ConfigError, match="role"):
        backtest(ev, [], grid=GRID, view="origin")


def test_json_contract_unchanged_with_views(tmp_path):
    res = _one_window(_stops(), view="origin")
    rows = json.loads(res.to_json(tmp_path / "r.json").read_text(encoding="utf-8"))
    assert {r["method"] for r in rows} == {"naive", "naive_last"}
    for r in rows:
        assert list(r)[: len(ROW_FIELDS)] == list(ROW_FIELDS)
        assert r["events"] == 1


def test_cli_view_option(tmp_path, capsys):
    from hotspots.cli import main

    rng = np.random.default_rng(5)
    n = 120
    lon = 106.0 + rng.normal(0, 0.02, n)
    lat = 21.0 + rng.normal(0, 0.02, n)
    day = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 150, n), unit="D")
    # every case: a victim home and two transit stops 1 km apart
    df = pd.DataFrame(
        {
            "case_id": np.repeat([f"C{i:03d}" for i in range(n)], 3),
            "seq": [0, 1, 2] * n,
            "role": ["victim_home", "transit", "transit"] * n,
            "longitude": np.repeat(lon, 3) + np.tile([0.05, 0.0, 0.01], n),
            "latitude": np.repeat(lat, 3),
            "occurred_at": np.repeat(day.strftime("%Y-%m-%d"), 3),
            "victims": 1,
        }
    )
    src = tmp_path / "cases.csv"
    df.to_csv(src, index=False)
    base = ["backtest", str(src), "--method", "kde", "--cell", "1000"]
    base += ["--train", "90D", "--test", "30D", "--coverage", "5"]
    counts = {}
    for view in (None, "origin", "all"):
        out = tmp_path / f"bt_{view}.json"
        argv = base + ["--json", str(out)] + (["--view", view] if view else [])
        assert main(argv) == 0
        text = capsys.readouterr().out
        assert f"({view or 'operational'} view, one per case)" in text
        rows = json.loads(out.read_text(encoding="utf-8"))
        counts[view] = sum(r["events"] for r in rows if r["method"] == "naive")
    # one event per case in every view: the same cases, so the same counts
    assert counts[None] == counts["origin"] == counts["all"] > 0
    with pytest.raises(SystemExit) as exc:  # argparse: not one of the choices
        main(base + ["--view", "routes"])
    assert exc.value.code == 2
    assert "--view" in capsys.readouterr().err


def test_cli_no_accepted_row_names_the_reason(tmp_path, capsys):
    from hotspots.cli import main

    csv = tmp_path / "leeds.csv"
    csv.write_text("lon,lat,date\n-1.5,53.8,2024-01-01\n", encoding="utf-8")
    assert main(["backtest", str(csv), "--province", "Lào Cai"]) == 2
    err = capsys.readouterr().err
    assert "1 rows read, 0 accepted, 1 quarantined" in err
    assert "error: " in err and "no row was accepted" in err and "'outside_area'" in err
