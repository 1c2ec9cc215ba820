"""Privacy levels: suppression, PII and id removal, case points, checks, and the PII canary."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.errors import InputError
from hotspots.privacy import (
    PrivacyError,
    aggregate_for_sharing,
    apply_privacy,
    assert_shareable,
    suppress_counts,
)


def _areas() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code": ["A", "B", "C", "D", "E"],
            "name": ["An", "Bình", "Cát", "Đông", "Én"],
            "cases": [0, 1, 2, 3, 5],
            "victims": [0, 4, 9, 1, 7],
        },
        geometry=[shapely.box(104 + i * 0.1, 22, 104.1 + i * 0.1, 22.1) for i in range(5)],
        crs="EPSG:4326",
    )


def _case_points() -> gpd.GeoDataFrame:
    # Square A = (104, 22)-(104.1, 22.1); square B = (104.1, 22)-(104.2, 22.1).
    # In A: cases c1 (two rows: counted once, victims max 2), c2, c3, c4 -> 4 cases.
    # In B: c5, c6 -> 2 cases (suppressed). Outside both: c7.
    xy = [
        (104.01, 22.01),
        (104.02, 22.02),
        (104.03, 22.03),
        (104.04, 22.04),
        (104.05, 22.05),
        (104.11, 22.01),
        (104.12, 22.02),
        (105.0, 23.0),
    ]
    return gpd.GeoDataFrame(
        {
            "case_id": ["c1", "c1", "c2", "c3", "c4", "c5", "c6", "c7"],
            "victims": [2, 2, 1, 0, 3, 1, 1, 9],
            "commune_code": ["A", "A", "A", "A", "A", "B", "B", None],
            "source_row": range(2, 10),
            "precision": "exact",
            "victim_name": ["Canary Một"] * 8,
            "phone": ["0900000001"] * 8,
        },
        geometry=gpd.points_from_xy(*zip(*xy, strict=True)),
        crs="EPSG:4326",
    )


def _two_squares() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": ["A", "B"], "name": ["An", "Bình"]},
        geometry=[shapely.box(104, 22, 104.1, 22.1), shapely.box(104.1, 22, 104.2, 22.1)],
        crs="EPSG:4326",
    )


def test_suppress_counts_known_answer():
    out = suppress_counts(_areas())
    assert out["cases"].tolist()[0] == 0
    assert out["cases"].isna().tolist() == [False, True, True, False, False]
    # victims 1 in D is suppressed too; the row flag is the OR of both columns
    assert out["victims"].isna().tolist() == [False, False, False, True, False]
    assert out["suppressed"].tolist() == [False, True, True, True, False]
    assert out.loc[4, "cases"] == 5 and out.loc[2, "victims"] == 9


def test_threshold_parameter():
    out = suppress_counts(_areas(), threshold=5)
    assert out["cases"].isna().tolist() == [False, True, True, True, False]
    assert out["suppressed"].tolist() == [False, True, True, True, False]


def test_shareable_drops_pii_and_ids():
    frame = _areas().assign(case_id="x", source_row=1, victim_name="Canary", phone="0900")
    out = apply_privacy(frame, "shareable")
    assert not {"case_id", "source_row", "victim_name", "phone"} & set(out.columns)
    assert {"code", "name", "cases", "victims", "suppressed"} <= set(out.columns)


def test_shareable_refuses_case_points():
    with pytest.raises(PrivacyError, match="aggregate"):
        apply_privacy(_case_points(), "shareable")


def test_restricted_keeps_points_and_ids_but_not_pii():
    out = apply_privacy(_case_points(), "restricted")
    assert "case_id" in out.columns and (out.geom_type == "Point").all()
    assert "victim_name" not in out.columns and "phone" not in out.columns
    assert "suppressed" not in out.columns  # no suppression for analysts
    kept = apply_privacy(_case_points(), "restricted", pii=True)
    assert kept["victim_name"].iloc[0] == "Canary Một"


def test_bad_parameters():
    with pytest.raises(InputError, match="pii=True"):
        apply_privacy(_areas(), "shareable", pii=True)
    with pytest.raises(InputError, match="privacy level"):
        apply_privacy(_areas(), "public")
    with pytest.raises(InputError, match="threshold"):
        apply_privacy(_areas(), "shareable", threshold=0)


@pytest.mark.parametrize("on", [None, ("commune_code", "code")])
def test_aggregate_for_sharing_planted_counts(on):
    out = aggregate_for_sharing(_case_points(), _two_squares(), on=on)
    assert out["code"].tolist() == ["A", "B"]
    assert out.loc[0, "cases"] == 4  # c1 counted once
    assert out.loc[0, "victims"] == 2 + 1 + 0 + 3  # c1's victims once
    assert pd.isna(out.loc[1, "cases"]) and pd.isna(out.loc[1, "victims"])
    assert out["suppressed"].tolist() == [False, True]
    assert_shareable(out)


def test_aggregate_threshold_one_keeps_everything():
    out = aggregate_for_sharing(_case_points(), _two_squares(), threshold=1)
    assert out["cases"].tolist() == [4, 2]
    assert out["victims"].tolist() == [6, 2]


def test_assert_shareable_catches_each_problem():
    good = suppress_counts(_areas())
    assert_shareable(good)
    with pytest.raises(PrivacyError, match="PII"):
        assert_shareable(good.assign(phone="0900"))
    with pytest.raises(PrivacyError, match="identifiers"):
        assert_shareable(good.assign(case_id="x"))
    with pytest.raises(PrivacyError, match="below the suppression threshold"):
        assert_shareable(_areas())
    with pytest.raises(PrivacyError, match="case points"):
        assert_shareable(
            _case_points()
            .drop(columns=["victim_name", "phone", "case_id", "source_row"])
            .assign(occurred_at=pd.Timestamp("2025-01-01"))
        )
    with pytest.raises(PrivacyError, match="PII value"):
        assert_shareable(good.assign(name="Canary Một"), pii_values=["canary một"])


def test_assert_shareable_on_files(tmp_path):
    good = suppress_counts(_areas())
    gpkg = tmp_path / "areas.gpkg"
    good.to_file(gpkg, layer="areas")
    assert_shareable(gpkg)
    bad = tmp_path / "bad.geojson"
    good.assign(victim_name="Canary").to_file(bad)
    with pytest.raises(PrivacyError):
        assert_shareable(bad)
    text = tmp_path / "page.html"
    text.write_text('<script>var d={"case_id":"c1"};</script>', encoding="utf-8")
    with pytest.raises(PrivacyError, match="case_id"):
        assert_shareable(text)


# ------------------------------------------------------------------------- the canary
@pytest.fixture(scope="module")
def synthetic_data():
    synthetic = pytest.importorskip("hotspots.synthetic")
    return synthetic.generate(province="Lào Cai", seed=0)


def _shareable_outputs(data, folder):
    """Write every shareable map and layer this package makes from ``data``; return paths."""
    from hotspots import maps

    cases = data.cases
    truth = data.truth
    grid = maps.square_grid(cases, cell_m=3000)
    cells = aggregate_for_sharing(cases, grid)
    cells["density"] = pd.to_numeric(cells["cases"], errors="coerce").fillna(0) / 9.0
    cells["trend"] = np.where(cells.index % 3 == 0, "new hot spot", "no pattern")
    checkpoints = gpd.GeoDataFrame(
        {"name": ["Chốt 1"], "volume": [12]}, geometry=[cases.geometry.iloc[0]], crs=cases.crs
    )
    patrols = gpd.GeoDataFrame(
        {"unit": ["T1"], "shift": ["đêm"], "distance_km": [14.2], "duration_min": [95]},
        geometry=[shapely.LineString(cases.geometry.iloc[:3].tolist())],
        crs=cases.crs,
    )
    out = []
    for lang in ("vi", "en"):
        m = maps.cases_per_commune_map(cases, province="Lào Cai", lang=lang, synthetic=True)
        out.append(maps.save_map(m, folder / f"cases_{lang}.html"))
    m = maps.overview_map(
        "Lào Cai",
        cases=cases,
        key_areas=truth["key_areas"],
        key_lines=truth["key_lines"],
        density=cells,
        trends=cells,
        checkpoints=checkpoints,
        patrol_routes=patrols,
        synthetic=True,
    )
    out.append(maps.save_map(m, folder / "overview.html"))
    layer = folder / "cells.gpkg"
    cells.to_file(layer, layer="cells")
    out.append(layer)
    table = folder / "cells.csv"
    cells.drop(columns="geometry").to_csv(table, index=False)
    out.append(table)
    return out


def test_canary_pii_never_in_shareable_outputs(synthetic_data, tmp_path):
    cases = synthetic_data.cases
    canaries = sorted(
        {str(v) for col in ("victim_name", "phone") for v in cases[col].dropna()}
        | {str(v) for v in cases["case_id"]}
    )
    assert len(canaries) > 100  # fake names, phones and case ids are really there
    # the grep is able to see them: a raw dump of the input contains them
    raw = tmp_path / "raw.csv"
    cases.drop(columns="geometry").to_csv(raw, index=False)
    raw_text = raw.read_text(encoding="utf-8")
    assert all(c in raw_text for c in canaries)

    files = _shareable_outputs(synthetic_data, tmp_path / "out")
    assert len(files) == 5
    for path in files:
        data = path.read_bytes()
        text = data.decode("utf-8", errors="replace")
        leaks = [c for c in canaries if c in text or c.encode("utf-8") in data]
        assert not leaks, f"{path.name} leaks {len(leaks)} PII/id strings"
        assert_shareable(path)
