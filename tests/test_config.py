"""Run parameters: YAML loading, unknown keys, wrong types, defaults."""

from __future__ import annotations

import datetime as dt

import pytest

from hotspots.config import NOTEBOOKS, ReportConfig, load_config, validate_config
from hotspots.errors import ConfigError


def test_defaults():
    cfg = validate_config({})
    assert cfg == ReportConfig(synthetic=True)  # data defaults to "synthetic"
    assert cfg.notebooks == NOTEBOOKS and cfg.privacy == "shareable" and cfg.suppress_below == 3
    assert cfg.lang == "vi"


def test_unknown_key_lists_valid_keys_and_closest():
    with pytest.raises(ConfigError) as info:
        validate_config({"provnce": "Lào Cai"})
    msg = str(info.value)
    assert "unknown parameter 'provnce'" in msg and "Did you mean 'province'?" in msg
    assert "suppress_below" in msg and "keep_runs" in msg  # the valid keys are listed


def test_unknown_key_without_close_match():
    with pytest.raises(ConfigError) as info:
        validate_config({"zzzz": 1})
    assert "Did you mean" not in str(info.value) and "Valid parameters" in str(info.value)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("cell_m", "1km", "expected a number of metres > 0, got '1km' (str)"),
        ("cell_m", -5, "expected a number of metres > 0, got -5"),
        ("cell_m", True, "expected a number of metres > 0, got True (bool)"),
        ("suppress_below", 2.5, "expected an integer >= 1, got 2.5 (float)"),
        ("suppress_below", 0, "expected an integer >= 1, got 0"),
        ("keep_runs", "3", "expected an integer >= 1, got '3' (str)"),
        ("lang", "fr", "expected 'vi' or 'en', got 'fr'"),
        ("privacy", "public", "expected 'shareable' or 'restricted', got 'public'"),
        ("date_from", "31/12/2024", "expected a date written YYYY-MM-DD or null"),
        ("methods", [1, 2], "expected a non-empty list of strings"),
        ("methods", ["gi_star"], "unknown method 'gi_star'. Did you mean 'gistar'?"),
        ("synthetic", "yes", "expected true or false, got 'yes' (str)"),
        ("seed", None, "expected an integer >= 0, got None"),
        ("notebook_params", ["x"], "expected a mapping {notebook: {parameter: value}}"),
    ],
)
def test_wrong_type_names_key_type_and_value(key, value, expected):
    with pytest.raises(ConfigError) as info:
        validate_config({key: value})
    assert f"parameter '{key}'" in str(info.value)
    assert expected in str(info.value)


def test_values_are_normalised():
    cfg = validate_config(
        {
            "data": "cases.csv",
            "province": 11,
            "date_from": dt.date(2021, 1, 1),
            "date_to": "2024-12-31",
            "methods": "kde",
            "cell_m": 500,
        }
    )
    assert cfg.province == "11" and cfg.date_from == "2021-01-01" and cfg.date_to == "2024-12-31"
    assert cfg.methods == ("kde",) and cfg.cell_m == 500.0 and isinstance(cfg.cell_m, float)
    assert cfg.synthetic is False


def test_window_order_and_duplicates_checked():
    with pytest.raises(ConfigError, match="ends before it starts"):
        validate_config({"date_from": "2024-01-02", "date_to": "2024-01-01"})
    with pytest.raises(ConfigError, match="listed twice: 02_key_areas"):
        validate_config({"notebooks": ["02_key_areas", "02_key_areas"]})
    with pytest.raises(ConfigError, match="Did you mean '02_key_areas'"):
        validate_config({"notebook_params": {"02_key_area": {"x": 1}}})


def test_load_yaml_resolves_paths_against_the_file(tmp_path):
    f = tmp_path / "conf" / "report.yaml"
    f.parent.mkdir()
    f.write_text(
        "data: data/cases.csv\nprovince: Lào Cai\ndate_from: 2022-01-01\nout: build/report\n"
        "notebook_params:\n  02_key_areas:\n    top: 5\n",
        encoding="utf-8",
    )
    cfg = load_config(f)
    assert cfg.data == str(tmp_path / "conf" / "data" / "cases.csv")
    assert cfg.out == str(tmp_path / "conf" / "build" / "report")
    assert cfg.date_from == "2022-01-01"  # YAML reads it as a date; kept as ISO text
    assert cfg.notebook_params == {"02_key_areas": {"top": 5}}
    cfg2 = load_config(f, out="elsewhere", lang=None)
    assert cfg2.out == "elsewhere" and cfg2.lang == "vi"


def test_load_yaml_errors(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("data: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    bad.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(bad)


def test_notebook_parameters_and_round_trip():
    cfg = validate_config({"notebook_params": {"02_key_areas": {"top": 5}}, "lang": "en"})
    p = cfg.notebook_parameters("02_key_areas", "some/output_dir")
    assert p["top"] == 5 and p["lang"] == "en" and p["output_dir"] == "some/output_dir"
    assert p["methods"] == ["gistar", "kde"] and p["synthetic"] is True
    assert "top" not in cfg.notebook_parameters("01_data_quality", "some/output_dir")
    assert validate_config(cfg.to_dict()) == cfg
    assert cfg.replace(lang="vi").lang == "vi"
    with pytest.raises(ConfigError):
        cfg.replace(lang="xx")


def test_methods_match_key_areas():
    from hotspots.areas.key_areas import METHODS as KEY_AREA_METHODS
    from hotspots.config import METHODS

    assert set(METHODS) == set(KEY_AREA_METHODS)


def test_example_config_is_valid():
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "examples" / "report.yaml"
    cfg = load_config(example)
    assert cfg.notebooks == NOTEBOOKS
