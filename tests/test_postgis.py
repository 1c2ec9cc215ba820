"""PostgreSQL/PostGIS source and publish against a real throw-away server (tests/pgserver.py).

Without the server binaries the tests skip (saying how to install them); with ``CI=true``
they fail.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import hotspots
import pgserver
from hotspots.cli import main
from hotspots.errors import InputError, UnusableInputError

DATA = Path(__file__).parent / "data" / "ingest"
TODAY = "2026-11-27"


@pytest.fixture(scope="module")
def pg():
    server = pgserver.start()
    mp = pytest.MonkeyPatch()
    mp.setenv("PGPASSWORD", pgserver.PASSWORD)
    yield server
    mp.undo()
    server.stop()


def _load_text_table(pg, name: str, frame: pd.DataFrame, key: str, keys: list[int]) -> None:
    """Create ``name`` with every column TEXT (as a CSV holds them) and a primary key."""
    import psycopg
    from psycopg import sql

    cols = [sql.SQL("{} text").format(sql.Identifier(c)) for c in frame.columns]
    with psycopg.connect(pg.url, password=pgserver.PASSWORD) as conn:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("CREATE TABLE {} ({} integer PRIMARY KEY, {})").format(
                sql.Identifier(name), sql.Identifier(key), sql.SQL(", ").join(cols)
            )
        )
        # rows stored in reverse: the reader orders them by the key
        with conn.cursor() as cur:
            cur.executemany(
                sql.SQL("INSERT INTO {} VALUES ({})").format(
                    sql.Identifier(name),
                    sql.SQL(", ").join([sql.Placeholder()] * (1 + frame.shape[1])),
                ),
                [
                    [k, *row]
                    for k, row in reversed(list(zip(keys, frame.to_numpy().tolist(), strict=True)))
                ],
            )


@pytest.fixture(scope="module")
def cases_table(pg):
    frame = pd.read_csv(DATA / "cases_vi.csv", dtype=str, keep_default_na=False)
    # the CSV's source rows are its line numbers (header = row 1): the key is the same
    _load_text_table(pg, "cases", frame, "row_id", list(range(2, 2 + len(frame))))
    return frame


def test_table_equals_csv_row_for_row_with_quarantine(pg, cases_table):
    csv = hotspots.read_cases(DATA / "cases_vi.csv", province="Lào Cai", today=TODAY)
    db = hotspots.read_cases(pg.url, province="Lào Cai", today=TODAY, table="cases")
    assert db.rows_read == csv.rows_read == 20
    pd.testing.assert_frame_equal(db.quarantine, csv.quarantine)
    pd.testing.assert_frame_equal(
        pd.DataFrame(db.cases.drop(columns="geometry")),
        pd.DataFrame(csv.cases.drop(columns="geometry")),
    )
    assert db.cases.geometry.geom_equals_exact(csv.cases.geometry, 1e-12).all()
    pd.testing.assert_frame_equal(db.pii, csv.pii)
    # the same through a query (schema-qualified) and through ?table= in the URL
    q = hotspots.read_cases(
        pg.url,
        province="Lào Cai",
        today=TODAY,
        query="SELECT * FROM public.cases WHERE row_id < 10 ORDER BY row_id",
    )
    assert q.rows_read == 8
    assert sorted(q.cases["case_id"]) == sorted(csv.cases.loc[csv.cases.source_row < 10, "case_id"])
    u = hotspots.read_cases(pg.url + "?table=public.cases", province="Lào Cai", today=TODAY)
    assert u.accepted == csv.accepted


def test_postgis_geometry_table_keyed_by_primary_key(pg):
    import psycopg

    with psycopg.connect(pg.url, password=pgserver.PASSWORD) as conn:
        conn.execute("DROP TABLE IF EXISTS vu_an")
        conn.execute(
            "CREATE TABLE vu_an (gid integer PRIMARY KEY, ma_vu text, ngay date, "
            "geom geometry(Point, 4326))"
        )
        conn.execute(
            "INSERT INTO vu_an VALUES "
            "(101, 'A1', '2024-03-05', ST_SetSRID(ST_MakePoint(103.9707, 22.4856), 4326)),"
            "(205, 'A2', '2024-03-06', ST_SetSRID(ST_MakePoint(103.95, 22.40), 4326)),"
            "(307, 'A3', '2024-03-07', NULL)"
        )
    res = hotspots.read_cases(
        pg.url,
        table="vu_an",
        province="Lào Cai",
        today=TODAY,
        mapping={"ma_vu": "case_id", "ngay": "occurred_at"},
    )
    assert res.rows_read == 3
    assert list(res.cases["source_row"]) == [101, 205]
    assert list(res.cases["case_id"]) == ["A1", "A2"]
    assert res.cases.geometry.x.round(4).tolist() == [103.9707, 103.95]
    assert res.cases["occurred_at"].dt.day.tolist() == [5, 6]
    assert res.quarantine[["source_row", "reason"]].values.tolist() == [
        [307, "missing_coordinates"]
    ]


def test_errors_are_named_and_mask_the_password(pg, cases_table, monkeypatch):
    with pytest.raises(UnusableInputError, match="table 'nope' not found; tables there: .*cases"):
        hotspots.read_cases(pg.url, table="nope")
    with pytest.raises(UnusableInputError, match="khong_co"):
        hotspots.read_cases(pg.url, query="SELECT khong_co FROM cases")
    with pytest.raises(InputError, match="exactly one of a table"):
        hotspots.read_cases(pg.url)
    with pytest.raises(InputError, match="go with a database URL"):
        hotspots.read_cases(DATA / "cases_vi.csv", table="cases")
    monkeypatch.setenv("PGPASSWORD", "wrong")
    with pytest.raises(UnusableInputError, match="password authentication failed.*PGPASSWORD"):
        hotspots.read_cases(pg.url, table="cases")
    monkeypatch.delenv("PGPASSWORD")
    secret_url = pg.url.replace("hotspots@", "hotspots:topsecret@")
    with pytest.raises(UnusableInputError) as err:
        hotspots.read_cases(secret_url, table="cases")
    assert "topsecret" not in str(err.value) and "hotspots:***@" in str(err.value)
    closed = pgserver._free_port()
    down = f"postgresql://hotspots:topsecret@127.0.0.1:{closed}/cases"
    with pytest.raises(UnusableInputError, match="server running") as err:
        hotspots.read_cases(down, table="cases")
    assert "topsecret" not in str(err.value)


def test_cli_validate_reads_a_table_and_exits_2_without_traceback(pg, cases_table, capsys):
    rc = main(["validate", pg.url, "--table", "cases", "--province", "Lào Cai"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "20 rows read, 5 accepted, 15 quarantined" in out
    assert "row 17" in out  # the key, as a CSV's row number
    # a password in the URL works but is never printed
    secret = pg.url.replace("hotspots@", f"hotspots:{pgserver.PASSWORD}@")
    rc = main(["validate", secret, "--table", "missing_table"])
    err = capsys.readouterr().err
    assert rc == 2
    assert "Traceback" not in err and pgserver.PASSWORD not in err
    assert "table 'missing_table' not found" in err


# --- publish -------------------------------------------------------------------------


def _outputs(rank_values, n_areas: int = 2) -> dict[str, pd.DataFrame]:
    """Small hand-made outputs: key areas (polygons) and a KPI table."""
    areas = gpd.GeoDataFrame(
        {"rank": rank_values[:n_areas], "cases": [7, 5][:n_areas], "province": "x"},
        geometry=[shapely.box(103.9, 22.4, 104.0, 22.5), shapely.box(104.0, 22.4, 104.1, 22.5)][
            :n_areas
        ],
        crs=4326,
    )
    kpis = pd.DataFrame({"year": [2024, 2025], "rate": [91.5, np.nan]})
    return {"key_areas": areas, "kpis": kpis}


def _current(pg, schema: str) -> str:
    return pg.psql(
        "SET lock_timeout = '5s'; "  # a reader blocked by the publisher fails, not hangs
        f"SELECT string_agg(run_id || ':' || rank, ',' ORDER BY rank) "
        f"FROM {schema}.key_areas_current",
        db="cases",
    ).strip()


def test_publish_writes_keyed_tables_and_current_views(pg):
    from hotspots.report.postgis import publish_postgis

    rows = publish_postgis(pg.url, ".", "run1", "Lào Cai", schema="pub", outputs=_outputs([1, 2]))
    assert rows == {"key_areas": 2, "kpis": 2}
    publish_postgis(pg.url, ".", "run1", "Hà Giang", schema="pub", outputs=_outputs([1, 2], 1))
    publish_postgis(
        pg.url, ".", "run2", "Lào Cai", schema="pub", outputs=_outputs([3, 4]), keep_runs=1
    )
    # newest run per province; the old Lào Cai run pruned (keep_runs=1), Hà Giang untouched
    got = pg.psql(
        "SELECT string_agg(province || '/' || run_id || '/' || rank, ';' ORDER BY province, rank) "
        "FROM pub.key_areas_current",
        db="cases",
    ).strip()
    assert got == "Hà Giang/run1/1;Lào Cai/run2/3;Lào Cai/run2/4"
    assert pg.psql("SELECT count(*) FROM pub.key_areas", db="cases").strip() == "3"
    runs = pg.psql(
        "SELECT string_agg(run_id || '/' || province, ';' ORDER BY 1) FROM pub.runs", db="cases"
    )
    assert runs.strip() == "run1/Hà Giang;run2/Lào Cai"
    assert (
        pg.psql(
            "SELECT rank, province_data, ST_AsText(geom) FROM pub.key_areas_current "
            "WHERE province = 'Lào Cai' ORDER BY rank LIMIT 1",
            db="cases",
        ).strip()
        == "3|x|POLYGON((104 22.4,104 22.5,103.9 22.5,103.9 22.4,104 22.4))"
    )
    assert pg.psql(
        "SELECT year, coalesce(rate::text, 'NULL') FROM pub.kpis_current "
        "WHERE province = 'Lào Cai' ORDER BY year",
        db="cases",
    ).split() == ["2024|91.5", "2025|NULL"]


def test_publish_failure_inside_the_transaction_keeps_the_previous_run(pg):
    from hotspots.errors import HotspotsError
    from hotspots.report.postgis import publish_postgis

    publish_postgis(pg.url, ".", "good", "Lào Cai", schema="fail", outputs=_outputs([1, 2]))
    bad = _outputs([1, 2])
    bad["kpis"] = pd.DataFrame({"year": ["not a year"]})  # year is bigint since the first run
    with pytest.raises(HotspotsError, match="nothing written"):
        publish_postgis(pg.url, ".", "bad", "Lào Cai", schema="fail", outputs=bad)
    assert _current(pg, "fail") == "good:1,good:2"
    for t in ("key_areas", "kpis", "runs"):
        n = pg.psql(f"SELECT count(*) FROM fail.{t} WHERE run_id = 'bad'", db="cases")
        assert n.strip() == "0"


KILLED = """
import sys, time
import hotspots.report.postgis as p
sys.path.insert(0, {tests!r})
from test_postgis import _outputs
real = p._write_table
def slow(*args):
    n = real(*args)
    print("inside", flush=True)
    time.sleep(60)
    return n
p._write_table = slow
p.publish_postgis({url!r}, ".", "second", "Lào Cai", schema="kill", outputs=_outputs([8, 9]))
"""


def test_run_killed_during_publish_leaves_previous_run(pg):
    import os
    import signal
    import subprocess
    import sys

    from hotspots.report.postgis import publish_postgis

    publish_postgis(pg.url, ".", "first", "Lào Cai", schema="kill", outputs=_outputs([1, 2]))
    code = KILLED.format(tests=str(Path(__file__).parent), url=pg.url)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "inside"  # key_areas written, not committed
        assert _current(pg, "kill") == "first:1,first:2"  # readers still see the previous run
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert _current(pg, "kill") == "first:1,first:2"
    assert pg.psql("SELECT count(*) FROM kill.key_areas", db="cases").strip() == "2"
    assert pg.psql("SELECT string_agg(run_id, ',') FROM kill.runs", db="cases").strip() == "first"


# --- the report runner: cases from a table, results into PostGIS -----------------------

NB_PARAMS = """
data_path: str = "synthetic"  # case records
output_dir: str = "."  # where outputs go
lang: str = "vi"  # language
privacy: str = "shareable"  # privacy level
synthetic: bool = False  # synthetic data?
"""

NB_CODE = """
import geopandas as gpd, pandas as pd, shapely
import hotspots
from hotspots.report import NotebookOutputs
res = hotspots.read_cases(data_path, province="Lào Cai")
out = NotebookOutputs(output_dir, "k", lang=lang, privacy=privacy, synthetic=synthetic)
areas = gpd.GeoDataFrame(
    {"rank": [1], "cases": [res.accepted]}, geometry=[shapely.box(103.9, 22.4, 104, 22.5)], crs=4326
)
out.layer(areas, "key_areas", "Địa bàn trọng điểm", "Key areas")
out.table(pd.DataFrame({"year": [2024], "cases": [res.accepted]}), "kpis_by_year", "KPI", "KPI")
if LEAK:
    import pathlib
    pathlib.Path(output_dir, "tables").mkdir(exist_ok=True)
    pd.DataFrame({"who": res.pii["victim_name"]}).to_csv(f"{output_dir}/tables/leak.csv")
out.save("K", "K")
"""


def _report_setup(tmp_path: Path, pg, leak: bool) -> dict:
    import nbformat
    import psycopg

    nbdir = tmp_path / "nbs"
    nbdir.mkdir(exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    p = nbformat.v4.new_code_cell(NB_PARAMS)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbformat.v4.new_code_cell(f"LEAK = {leak}\n" + NB_CODE)]
    nbformat.write(nb, nbdir / "k.ipynb")
    with psycopg.connect(pg.url, password=pgserver.PASSWORD) as conn:
        conn.execute("DROP TABLE IF EXISTS small")
        conn.execute(
            "CREATE TABLE small (gid serial PRIMARY KEY, case_id text, victim_name text, "
            "occurred_at date, lat double precision, lon double precision)"
        )
        for i in range(5):
            conn.execute(
                "INSERT INTO small (case_id, victim_name, occurred_at, lat, lon) "
                "VALUES (%s, %s, '2024-03-01', %s, 103.97)",
                (f"c{i}", f"Nguyễn Thị Canary{i}", 22.48 + i / 1000),
            )
    return {
        "data": {"url": pg.url, "table": "small"},
        "province": "Lào Cai",
        "out": str(tmp_path / "out"),
        "notebooks_dir": str(nbdir),
        "notebooks": ["k"],
        "publish": {"postgis": pg.url, "schema": "report"},
    }


@pytest.mark.slow
def test_report_reads_a_table_and_publishes_into_postgis(pg, tmp_path):
    import json

    from hotspots.config import validate_config
    from hotspots.errors import HotspotsError
    from hotspots.report import run_report

    base = _report_setup(tmp_path, pg, leak=False)
    res = run_report(validate_config(base), progress=False)
    manifest = json.loads((res.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["postgis"] == {"url": pg.url, "schema": "report"}
    assert manifest["parameters"]["data"] == pg.url + "?table=small"
    got = pg.psql(
        "SELECT run_id, province, rank, cases FROM report.key_areas_current; "
        "SELECT cases FROM report.kpis_current",
        db="cases",
    ).splitlines()
    assert got == [f"{res.folder.name}|Lào Cai|1|5", "5"]
    # a run whose files fail the shareable check (PII read from the table) publishes nothing
    leak = _report_setup(tmp_path, pg, leak=True)
    with pytest.raises(HotspotsError, match="privacy check failed for tables.leak.csv.*PII"):
        run_report(validate_config(leak), progress=False)
    runs = pg.psql("SELECT string_agg(run_id, ',') FROM report.runs", db="cases").strip()
    assert runs == res.folder.name


@pytest.mark.slow
def test_report_whose_database_publish_fails_publishes_no_files(pg, tmp_path, capsys):
    import yaml

    base = _report_setup(tmp_path, pg, leak=False)
    base["publish"] = {"postgis": f"postgresql://hotspots@127.0.0.1:{pgserver._free_port()}/x"}
    cfg = tmp_path / "report.yaml"
    cfg.write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
    assert main(["report", "--config", str(cfg), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "publishing the run into PostGIS failed, nothing written" in err
    assert "Traceback" not in err
    out = tmp_path / "out"
    assert not (out / "current").exists()
    assert len(list(out.glob(".failed-*"))) == 1
