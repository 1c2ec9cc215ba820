"""``hotspots plan``: the CLI contract, outputs and clear errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import geopandas as gpd
import pytest
from shapely.geometry import LineString, box

from hotspots.cli import main
from hotspots.plan.export import GPX_NS

# Small key areas and lines in Lào Cai (around the city and Bảo Thắng).
AREAS = [(103.97, 22.48), (104.00, 22.43), (104.05, 22.40), (104.10, 22.35)]


@pytest.fixture()
def inputs(tmp_path):
    areas = gpd.GeoDataFrame(
        {"rank": [1, 2, 3, 4], "score": [9.0, 5.0, 3.0, 1.0]},
        geometry=[box(x, y, x + 0.01, y + 0.01) for x, y in AREAS],
        crs=4326,
    )
    lines = gpd.GeoDataFrame(
        {"rank": [1, 2], "cases": [20, 8], "gate": ["Lào Cai", "Kim Thành"]},
        geometry=[
            LineString([(104.10, 22.35), (104.0, 22.43), (103.965, 22.51)]),
            LineString([(104.05, 22.40), (103.952, 22.515)]),
        ],
        crs=4326,
    )
    a, ln = tmp_path / "areas.gpkg", tmp_path / "lines.geojson"
    areas.to_file(a)
    lines.to_file(ln)
    return tmp_path, a, ln


def _run(tmp, a, ln, *extra):
    out = tmp / "out"
    args = ["plan", "--areas", str(a), "--lines", str(ln), "--days", "2", "--out", str(out)]
    args += ["--time-limit", "2", "--start", "2026-11-30", "--checkpoints", "2", *extra]
    return main(args), out


def test_plan_writes_all_outputs_with_units_file(inputs):
    tmp, a, ln = inputs
    units = tmp / "units.csv"
    units.write_text(
        "unit,lon,lat,count,shift_hours\n"
        "Tổ Cốc Lếu,103.97,22.49,2,6\n"
        "Tổ Bảo Thắng,104.08,22.37,,\n",
        encoding="utf-8",
    )
    code, out = _run(tmp, a, ln, "--units", str(units), "--synthetic", "--area-checkpoints", "2")
    assert code == 0
    for name in ("plan.gpkg", "patrols.gpx", "ke_hoach_tuan_tra.html", "plan.json",
                 "checkpoints.geojson", "patrols.geojson", "ban_do_tuan_tra.html"):  # fmt: skip
        assert (out / name).exists(), name
    meta = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert meta["travel"]["model"] == "straight-line"
    assert meta["units"] == 3 and meta["days"] == 2 and meta["province"] == "15"
    assert meta["checkpoints"]["gap"] == 0.0 and meta["feasible"]
    assert meta["balance"]["enabled"] is True
    routes = gpd.read_file(out / "plan.gpkg", layer="routes")
    assert set(routes["unit"]) == {"Tổ Cốc Lếu (1)", "Tổ Cốc Lếu (2)", "Tổ Bảo Thắng"}
    assert (routes.loc[routes["unit"] != "Tổ Bảo Thắng", "shift_min"] == 360).all()
    root = ET.parse(out / "patrols.gpx").getroot()
    assert len(root.findall(f"{{{GPX_NS}}}trk")) == len(routes) == 6
    # --synthetic: every track says so in its name and description (GPS devices show them)
    for trk in root.findall(f"{{{GPX_NS}}}trk"):
        for tag in ("name", "desc"):
            assert "DỮ LIỆU GIẢ LẬP / SYNTHETIC" in trk.find(f"{{{GPX_NS}}}{tag}").text
    assert "DỮ LIỆU GIẢ LẬP" in (out / "ke_hoach_tuan_tra.html").read_text(encoding="utf-8")
    assert len(list((out / "gpx").glob("*.gpx"))) == 6
    # maximal covering of the areas: 2 sites cover the two best (scores 9 and 5) at least
    acp = gpd.read_file(out / "area_checkpoints.geojson")
    assert 1 <= len(acp) <= 2 and meta["area_checkpoints"]["covered"] >= 14
    html = (out / "ke_hoach_tuan_tra.html").read_text(encoding="utf-8")
    assert "Điểm chốt tại các địa bàn trọng điểm" in html


def test_plan_default_bases_and_network(inputs):
    tmp, a, ln = inputs
    roads = gpd.GeoDataFrame(
        {"highway": ["trunk"], "ref": ["QL70"]},
        geometry=[LineString([(103.95, 22.52), (104.0, 22.43), (104.12, 22.34)])],
        crs=4326,
    )
    net = tmp / "roads.gpkg"
    roads.to_file(net, layer="roads")
    code, out = _run(tmp, a, ln, "--network", str(net), "--max-bases", "2", "--no-balance")
    assert code == 0
    # the plan's map draws the given roads (named), not the bundled ones
    assert '"Đường":"QL70"' in (out / "ban_do_tuan_tra.html").read_text(encoding="utf-8")
    meta = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert set(meta["travel"]["legs"]) <= {"network", "access leg"}
    assert meta["balance"]["enabled"] is False and meta["balance"]["shifts_rebalanced"] == 0
    assert meta["travel"]["model"] == "network" and meta["travel"]["source"] == str(net)
    assert meta["units"] == 2
    stops = gpd.read_file(out / "plan.gpkg", layer="stops")
    assert stops["base"].str.startswith(("Công an ", "Cửa khẩu ")).all()


def test_missing_file_and_bad_units_exit_2(inputs, capsys):
    tmp, a, ln = inputs
    code, _ = _run(tmp, tmp / "nope.gpkg", ln)
    assert code == 2
    assert "--areas" in capsys.readouterr().err
    units = tmp / "units.csv"
    units.write_text("unit,lon,lat\nTổ 1,abc,22.4\n", encoding="utf-8")
    code, _ = _run(tmp, a, ln, "--units", str(units))
    err = capsys.readouterr().err
    assert code == 2 and "row 2" in err and "lon/lat" in err
    units.write_text("unit,base\nTổ 1,Không Có Xã\n", encoding="utf-8")
    code, _ = _run(tmp, a, ln, "--units", str(units))
    assert code == 2 and "Không Có Xã" in capsys.readouterr().err


def test_lines_file_with_polygons_is_rejected(inputs, capsys):
    tmp, a, ln = inputs
    code, _ = _run(tmp, a, a)
    assert code == 2 and "expected LineString" in capsys.readouterr().err


def _case_routes(path, prefix="SYN-15-"):
    """Six cases along the north part of key line 2 (the weaker line), 4 stops each."""
    rows = ["case_id,seq,occurred_at,role,lon,lat,victims"]
    for c in range(6):
        for k, t in enumerate((0.3, 0.55, 0.8, 1.0)):
            x, y = 104.05 - 0.098 * t, 22.40 + 0.115 * t
            role = "recruitment" if k == 0 else "exit" if k == 3 else "transit"
            rows.append(f"{prefix}{c + 1:05d},{k},2025-0{c + 1}-10 08:00,{role},{x:.5f},{y:.5f},1")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _metres_to_lines(out, ln):
    sites = gpd.read_file(out / "checkpoints.geojson").to_crs(32648)
    lines = gpd.read_file(ln).to_crs(32648)
    return [[round(s.distance(g)) for g in lines.geometry] for s in sites.geometry]


def test_routes_make_checkpoints_intercept_case_flows_and_mark_synthetic(inputs, capsys):
    tmp, a, ln = inputs
    # key lines only: the one checkpoint stands where it catches both lines (near line 1)
    code, out = _run(tmp, a, ln, "--checkpoints", "1")
    assert code == 0
    (d1, d2), = _metres_to_lines(out, ln)  # fmt: skip
    assert d1 <= 500 and d2 <= 500
    meta = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert meta["checkpoints"]["demand"] == "key lines" and meta["synthetic"] is False
    assert "GIẢ LẬP" not in (out / "ke_hoach_tuan_tra.html").read_text(encoding="utf-8")
    # the real case routes all run along line 2: the checkpoint follows them
    cases = _case_routes(tmp / "cases.csv")
    code, out = _run(tmp, a, ln, "--checkpoints", "1", "--routes", str(cases))
    assert code == 0
    (d1, d2), = _metres_to_lines(out, ln)  # fmt: skip
    assert d2 <= 500 < d1
    meta = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert meta["checkpoints"]["demand"] == "case routes" and meta["checkpoints"]["routes"] == 6
    assert meta["checkpoints"]["intercepted"] == meta["checkpoints"]["total"] == 6
    # SYN- case ids: synthetic without --synthetic, banner on the table and the map
    assert meta["synthetic"] is True
    assert "DỮ LIỆU GIẢ LẬP" in (out / "ke_hoach_tuan_tra.html").read_text(encoding="utf-8")
    assert "DỮ LIỆU GIẢ LẬP" in (out / "ban_do_tuan_tra.html").read_text(encoding="utf-8")
    assert "SYNTHETIC" in capsys.readouterr().out


def test_synthetic_layer_marks_the_plan_and_routes_errors(inputs, capsys):
    tmp, a, ln = inputs
    lines = gpd.read_file(ln)
    lines["synthetic"] = "yes"  # as `hotspots key-lines` writes for synthetic input
    marked = tmp / "lines_syn.geojson"
    lines.to_file(marked)
    code, out = _run(tmp, a, marked)
    assert code == 0
    assert json.loads((out / "plan.json").read_text(encoding="utf-8"))["synthetic"] is True
    code, _ = _run(tmp, a, ln, "--routes", str(tmp / "missing.csv"))
    assert code == 2 and "--routes" in capsys.readouterr().err
    one_stop = tmp / "one_stop.csv"
    one_stop.write_text(
        "case_id,seq,occurred_at,role,lon,lat\n"
        "A1,0,2025-01-01,transit,104.0,22.43\nA1,1,2025-01-01,exit,104.0,22.43\n",
        encoding="utf-8",
    )
    code, _ = _run(tmp, a, ln, "--routes", str(one_stop))
    assert code == 2 and "no case has two stops" in capsys.readouterr().err


def test_province_that_holds_no_key_area_is_an_error(inputs, capsys):
    # areas in Lào Cai planned with --province Hà Nội used Hà Nội's bases and gates and
    # published a plan with 1 visit in 7 patrols; now it names the province the areas are in
    tmp, a, ln = inputs
    code, out = _run(tmp, a, ln, "--province", "Hà Nội")
    err = capsys.readouterr().err
    assert code == 2 and "--province Hà Nội" in err and "Lào Cai" in err
    assert not (out / "plan.json").exists()


def test_plan_stackelberg_strategy_records_game_and_prints_probabilities(inputs):
    tmp, a, ln = inputs
    code, out = _run(tmp, a, ln, "--strategy", "stackelberg", "--teams", "1", "--seed", "3")
    assert code == 0
    game = json.loads((out / "plan.json").read_text(encoding="utf-8"))["checkpoint_game"]
    assert game["strategy"] == "stackelberg" and game["teams"] == 1
    assert game["method"] == "dobss" and game["gap"] == pytest.approx(0.0, abs=1e-9)
    u = game["defender_utility"]
    assert set(u) == {"stackelberg", "fixed", "uniform"}
    assert u["stackelberg"] >= max(u["fixed"], u["uniform"]) - 1e-6
    probs = [c["probability"] for c in game["coverage"]]
    assert sum(probs) == pytest.approx(1.0, abs=1e-3)  # one team per shift
    assert set(game["attacker_response"]) == {"stackelberg", "fixed", "uniform"}
    # 2 days x 3 shifts, one site each, all drawn among the sites with probability > 0
    assert len(game["schedule"]) == 6 and all(len(s["sites"]) == 1 for s in game["schedule"])
    manned = {c["site"] for c in game["coverage"] if c["probability"] > 0}
    assert {s["sites"][0] for s in game["schedule"]} <= manned
    rot = gpd.read_file(out / "checkpoint_rotation.geojson")
    assert rot["probability"].tolist() == pytest.approx(probs, abs=1e-4)
    assert rot["reason"].str.startswith("Chốt trên").all()
    html = (out / "ke_hoach_tuan_tra.html").read_text(encoding="utf-8")
    assert "Luân phiên chốt kiểm soát" in html and "Xác suất có chốt mỗi ca" in html
    best = max(probs)
    assert f"{best:.2f}".replace(".", ",") in html
    # the fixed plan's sites carry the probability too; the map shades by probability
    assert "probability" in gpd.read_file(out / "checkpoints.geojson").columns
    assert "Chốt luân phiên" in (out / "ban_do_tuan_tra.html").read_text(encoding="utf-8")


def test_plan_fixed_and_uniform_strategies(inputs):
    tmp, a, ln = inputs
    code, out = _run(tmp, a, ln, "--strategy", "fixed")
    assert code == 0
    game = json.loads((out / "plan.json").read_text(encoding="utf-8"))["checkpoint_game"]
    assert game["strategy"] == "fixed" and game["teams"] == 2  # --teams defaults to --checkpoints
    first = game["schedule"][0]["sites"]
    assert all(s["sites"] == first for s in game["schedule"])  # the same sites every shift
    code, out = _run(tmp, a, ln, "--strategy", "uniform", "--teams", "1")
    game = json.loads((out / "plan.json").read_text(encoding="utf-8"))["checkpoint_game"]
    assert code == 0 and game["strategy"] == "uniform"
    assert len({c["probability"] for c in game["coverage"]}) == 1
