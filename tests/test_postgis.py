"""PostgreSQL/PostGIS source and publish against a real throw-away server (tests/pgserver.py).

Without the server binaries the tests skip (saying how to install them); with ``CI=true``
they fail.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

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
