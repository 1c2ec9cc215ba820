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
    routes = gpd.read_file(out / "plan.gpkg", layer="routes")
    assert set(routes["unit"]) == {"Tổ Cốc Lếu (1)", "Tổ Cốc Lếu (2)", "Tổ Bảo Thắng"}
    assert (routes.loc[routes["unit"] != "Tổ Bảo Thắng", "shift_min"] == 360).all()
    root = ET.parse(out / "patrols.gpx").getroot()
    assert len(root.findall(f"{{{GPX_NS}}}trk")) == len(routes) == 6
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
        geometry=[LineString([(103.95, 22.52), (104.0, 22.43), (104.12, 22.34)])], crs=4326
    )
    net = tmp / "roads.gpkg"
    roads.to_file(net)
    code, out = _run(tmp, a, ln, "--network", str(net), "--max-bases", "2")
    assert code == 0
    meta = json.loads((out / "plan.json").read_text(encoding="utf-8"))
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
