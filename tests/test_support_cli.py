"""``hotspots support`` on the synthetic demo data, and its bad inputs (exit 2, one line)."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest

from hotspots.cli import main
from hotspots.synthetic import SYNTHETIC_LABEL, demo_facilities, generate


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("support_demo")
    generate("Lào Cai", years=3, seed=1, n_cases=240, out=out)
    demo_facilities("Lào Cai", path=out / "facilities.csv")
    return out


def test_demo_facilities_are_labelled_and_read_without_bad_rows(demo):
    from hotspots.support.facilities import read_facilities_file

    df = pd.read_csv(demo / "facilities.csv", dtype=str, keep_default_na=False)
    assert (df["Ghi chú"] == SYNTHETIC_LABEL).all()
    assert (df["Kinh độ"] == "").any() and (df["Kinh độ"] != "").any()  # both ways
    res = read_facilities_file(demo / "facilities.csv", province="Lào Cai")
    assert len(res.quarantine) == 0 and len(res.facilities) == len(df)
    assert set(res.facilities["type"]) == {"shelter", "health", "police", "legal_aid", "reception"}


@pytest.mark.slow
def test_support_cli_on_the_demo(demo, tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["support", str(demo / "cases.csv"), "--facilities", str(demo / "facilities.csv")]
    code = main([*argv, "--province", "Lào Cai", "--add", "2", "--limit", "60", "--out", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert text.startswith(SYNTHETIC_LABEL) and "Đề xuất 2 điểm" in text
    for name in ("reach_communes.csv", "reach_areas.csv", "victims_within.csv",
                 "beyond_reach.csv", "service_areas.gpkg", "service_areas.geojson",
                 "new_sites.gpkg", "new_sites.geojson", "new_sites.csv", "awareness.csv",
                 "support_map.html", "support.json", "tom_tat.txt"):  # fmt: skip
        assert (out / name).exists(), name
    info = json.loads((out / "support.json").read_text(encoding="utf-8"))
    assert info["label"] == SYNTHETIC_LABEL and info["travel"]["model"] == "network"
    assert info["new_sites"]["gap"] == pytest.approx(0.0, abs=1e-6)
    assert info["new_sites"]["after"] >= info["new_sites"]["before"]
    assert len(info["new_sites"]["sites"]) == 2 and len(info["awareness"]["communes"]) == 5
    within = pd.read_csv(out / "victims_within.csv", dtype={"year": str})
    assert set(within["type"]) == {"shelter", "health", "police", "legal_aid", "reception"}
    assert within["share"].between(0, 1).all() and "all" in set(within["year"])
    small = within["victims"].isna()  # suppressed counts are missing, never 1 or 2
    assert not within.loc[~small, "victims"].between(1, 2).any()
    sa = gpd.read_file(out / "service_areas.gpkg")
    assert set(sa["minutes"]) == {30, 60, 120}
    assert (sa.groupby("type")["communes"].apply(lambda s: s.is_monotonic_increasing)).all()
    sites = gpd.read_file(out / "new_sites.geojson")
    assert (sites.geom_type == "Point").all() and (sites["data_label"] == SYNTHETIC_LABEL).all()
    aware = pd.read_csv(out / "awareness.csv")
    assert aware["reason"].str.contains("nạn nhân").all()
    assert not {"case_id", "victim_name", "phone"} & set(aware.columns)
    html = (out / "support_map.html").read_text(encoding="utf-8")
    assert "Cơ sở hỗ trợ nạn nhân" in html and "DỮ LIỆU GIẢ LẬP" in html
    assert "SYN-" not in html  # no case id, no case point


def test_support_cli_bad_facility_rows_are_quarantined(demo, tmp_path, capsys):
    fac = pd.read_csv(demo / "facilities.csv", dtype=str, keep_default_na=False)
    fac.loc[0, "Loại cơ sở"] = "Nhà hàng"
    fac.loc[1, "Xã"], fac.loc[1, "Kinh độ"], fac.loc[1, "Vĩ độ"] = "Không Có", "", ""
    fac.to_csv(tmp_path / "fac.csv", index=False)
    out = tmp_path / "out"
    argv = ["support", str(demo / "cases.csv"), "--facilities", str(tmp_path / "fac.csv")]
    code = main([*argv, "--province", "Lào Cai", "--add", "0", "--out", str(out)])
    assert code == 0
    q = pd.read_csv(out / "facilities_quarantine.csv")
    assert q["source_row"].tolist() == [2, 3]
    assert q["reason"].tolist() == ["bad_type", "unknown_commune"]
    assert "2 row(s)" in capsys.readouterr().out
    info = json.loads((out / "support.json").read_text(encoding="utf-8"))
    assert info["facilities"]["accepted"] + 2 == info["facilities"]["rows_read"]
    assert info["new_sites"] is None


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--add", "-1"], "--add"),
        (["--limit", "0"], "--limit"),
        (["--site-type", "hotel"], "--site-type"),
    ],
)
def test_support_cli_bad_parameters_exit_2(demo, tmp_path, capsys, extra, needle):
    argv = ["support", str(demo / "cases.csv"), "--facilities", str(demo / "facilities.csv")]
    assert main([*argv, *extra, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0] and "Traceback" not in err[0]


def test_support_cli_missing_facilities_file_exit_2(demo, tmp_path, capsys):
    argv = ["support", str(demo / "cases.csv"), "--facilities", str(tmp_path / "none.csv")]
    assert main([*argv, "--province", "Lào Cai", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "none.csv" in err[-1] and "does not exist" in err[-1]


def test_support_cli_network_lines_and_median(demo, tmp_path, capsys):
    from shapely.geometry import LineString

    roads = gpd.GeoDataFrame(
        {"highway": ["primary", "secondary"]},
        geometry=[
            LineString([(103.9, 22.5), (104.0, 22.4), (104.2, 22.2)]),
            LineString([(104.2, 22.2), (104.5, 21.9), (104.8, 21.6)]),
        ],
        crs=4326,
    )
    roads.to_file(tmp_path / "roads.gpkg", driver="GPKG")
    lines = gpd.GeoDataFrame(
        {"rank": [1], "communes": ["Cam Đường; Bảo Hà"]},
        geometry=[LineString([(104.0, 22.4), (104.3, 22.1)])],
        crs=4326,
    )
    lines.to_file(tmp_path / "lines.geojson", driver="GeoJSON")
    out = tmp_path / "out"
    argv = ["support", str(demo / "cases.csv"), "--facilities", str(demo / "facilities.csv")]
    argv += ["--province", "Lào Cai", "--network", str(tmp_path / "roads.gpkg"), "--model"]
    argv += ["median", "--add", "1", "--lines", str(tmp_path / "lines.geojson")]
    assert main([*argv, "--out", str(out)]) == 0
    info = json.loads((out / "support.json").read_text(encoding="utf-8"))
    assert info["travel"]["source"] == str(tmp_path / "roads.gpkg")
    assert info["travel"]["edges"] > 0 and info["new_sites"]["model"] == "median"
    assert info["new_sites"]["capacitated"]  # the demo facilities have capacities
    assert info["new_sites"]["served"] >= info["new_sites"]["before_served"]
    assert "thời gian trung bình" in capsys.readouterr().out
