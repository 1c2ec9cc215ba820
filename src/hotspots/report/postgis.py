"""Publish a report run's results into PostGIS, one transaction per run.

``publish: {postgis: postgresql://user@host/db, schema: hotspots}`` in report.yaml makes
:func:`hotspots.report.run_report` call :func:`publish_postgis` once the run's files have
passed the privacy check: the very files that are published (``layers/*.gpkg``,
``tables/kpis_by_year.csv``) are loaded, so the shareable rules apply to the tables
exactly as to the files.

Schema (see docs/data-model.md): one table per output, every row keyed by ``run_id`` and
``province``; ``runs`` lists the committed runs; a view ``<table>_current`` shows the
newest committed run of each province. Everything a run writes (rows, the ``runs`` row,
pruning of old runs) is one transaction: readers see the previous run until it commits
and never half of one; a run killed or failing midway leaves nothing behind.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from hotspots.data.database import db_error, mask_url
from hotspots.errors import HotspotsError

__all__ = ["LAYERS", "TABLES", "publish_postgis", "read_outputs"]

#: Map layers published: table name -> file in the run folder.
LAYERS = {
    "key_areas": "layers/key_areas.gpkg",
    "key_lines": "layers/key_lines.gpkg",
    "checkpoints": "layers/checkpoints.gpkg",
    "patrol_routes": "layers/patrol_routes.gpkg",
}
#: Plain tables published: table name -> file in the run folder.
TABLES = {"kpis": "tables/kpis_by_year.csv"}
_KEYS = ("run_id", "province")


def read_outputs(folder: str | Path) -> dict[str, pd.DataFrame]:
    """Read the run's outputs that exist (layers as GeoDataFrames in EPSG:4326)."""
    import geopandas as gpd

    folder = Path(folder)
    out: dict[str, pd.DataFrame] = {}
    for name, rel in LAYERS.items():
        if (folder / rel).exists():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # pyogrio date parsing
                gdf = gpd.read_file(folder / rel)
            out[name] = gdf.to_crs(4326) if gdf.crs is not None else gdf.set_crs(4326)
    for name, rel in TABLES.items():
        if (folder / rel).exists():
            out[name] = pd.read_csv(folder / rel, encoding="utf-8-sig")
    return out


def _sql_type(series: pd.Series) -> str:
    kind = series.dtype.kind
    if kind == "b":
        return "boolean"
    if kind in "iu":
        return "bigint"
    if kind == "f":
        return "double precision"
    if kind == "M":
        return "timestamptz" if getattr(series.dtype, "tz", None) else "timestamp"
    return "text"


def _is_geo(frame: pd.DataFrame) -> bool:
    import geopandas as gpd

    return isinstance(frame, gpd.GeoDataFrame)


def _columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Rename data columns that collide with the key or geometry columns."""
    geom = frame.geometry.name if _is_geo(frame) else None
    ren = {c: f"{c}_data" for c in frame.columns if c in (*_KEYS, "geom") and c != geom}
    return frame.rename(columns=ren)


def _rows(frame: pd.DataFrame, run_id: str, province: str) -> tuple[list[str], list[tuple]]:
    """Column names and row tuples (geometry as WKB) to insert."""
    import shapely

    has_geom = _is_geo(frame)
    data = pd.DataFrame(frame.drop(columns=frame.geometry.name)) if has_geom else frame
    values = data.astype(object).where(data.notna(), None)
    names = [str(c) for c in data.columns]
    cols = list(values.to_numpy().tolist()) if len(values) else []
    geoms = []
    if has_geom:
        arr = frame.geometry.to_numpy()
        geoms = [None if g is None else shapely.to_wkb(g) for g in arr]
        names.append("geom")
    rows = []
    for i, r in enumerate(cols):
        r = [v.item() if isinstance(v, np.generic) else v for v in r]
        rows.append((run_id, province, *r, *([geoms[i]] if has_geom else [])))
    return names, rows


def _existing_columns(cur, schema: str, name: str) -> list[str]:  # noqa: ANN001
    cur.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
        "AND table_name = %s ORDER BY ordinal_position",
        (schema, name),
    )
    return [r[0] for r in cur.fetchall()]


def _ensure_table(cur, schema: str, name: str, frame: pd.DataFrame) -> bool:  # noqa: ANN001
    """Create ``schema.name`` or add the frame's new columns; return whether it changed.

    DDL locks the table against readers until the run commits, so it runs only when
    something is missing: a run with the same columns as the last one takes no lock
    that a reader waits for.
    """
    from psycopg import sql

    tbl = sql.Identifier(schema, name)
    have = _existing_columns(cur, schema, name)
    changed = False
    if not have:
        geom = sql.SQL(", geom geometry(Geometry, 4326)") if _is_geo(frame) else sql.SQL("")
        cur.execute(
            sql.SQL("CREATE TABLE {} (run_id text NOT NULL, province text NOT NULL{})").format(
                tbl, geom
            )
        )
        cur.execute(
            sql.SQL("CREATE INDEX ON {} (run_id, province)").format(tbl),
        )
        have, changed = _existing_columns(cur, schema, name), True
    for c in frame.columns:
        if (_is_geo(frame) and c == frame.geometry.name) or str(c) in have:
            continue
        cur.execute(
            sql.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(
                tbl, sql.Identifier(str(c)), sql.SQL(_sql_type(frame[c]))
            )
        )
        changed = True
    return changed


def _write_table(
    cur, schema: str, name: str, frame: pd.DataFrame, run_id: str, province: str
) -> int:  # noqa: ANN001
    """Create/extend ``schema.name`` and insert ``frame``'s rows for this run."""
    from psycopg import sql

    frame = _columns(frame)
    tbl = sql.Identifier(schema, name)
    if _ensure_table(cur, schema, name, frame) or not _exists(cur, schema, f"{name}_current"):
        _current_view(cur, schema, name)
    cur.execute(
        sql.SQL("DELETE FROM {} WHERE run_id = %s AND province = %s").format(tbl),
        (run_id, province),
    )
    names, rows = _rows(frame, run_id, province)
    if not rows:
        return 0
    holders = [sql.Placeholder()] * (len(names) + 2)
    if _is_geo(frame):
        holders[-1] = sql.SQL("ST_GeomFromWKB({}, 4326)").format(sql.Placeholder())
    cur.executemany(
        sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
            tbl,
            sql.SQL(", ").join(sql.Identifier(c) for c in (*_KEYS, *names)),
            sql.SQL(", ").join(holders),
        ),
        rows,
    )
    return len(rows)


def _exists(cur, schema: str, name: str) -> bool:  # noqa: ANN001
    cur.execute("SELECT to_regclass(%s) IS NOT NULL", (f'"{schema}"."{name}"',))
    return bool(cur.fetchone()[0])


def _current_view(cur, schema: str, name: str) -> None:  # noqa: ANN001
    """(Re)create ``<name>_current``: the rows of each province's newest committed run."""
    from psycopg import sql

    cur.execute(sql.SQL("DROP VIEW IF EXISTS {}").format(sql.Identifier(schema, f"{name}_current")))
    cur.execute(
        sql.SQL(
            "CREATE VIEW {} AS SELECT t.* FROM {} t JOIN {} c "
            "ON t.run_id = c.run_id AND t.province = c.province"
        ).format(
            sql.Identifier(schema, f"{name}_current"),
            sql.Identifier(schema, name),
            sql.Identifier(schema, "runs_current"),
        )
    )


def _runs_table(cur, schema: str) -> None:  # noqa: ANN001
    """Create the schema, ``runs`` and ``runs_current`` when missing (no lock otherwise)."""
    from psycopg import sql

    if _exists(cur, schema, "runs_current"):
        return
    cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    cur.execute(
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} (run_id text NOT NULL, province text NOT NULL, "
            "published_at timestamptz NOT NULL DEFAULT clock_timestamp(), synthetic boolean, "
            "privacy text, tables text, PRIMARY KEY (run_id, province))"
        ).format(sql.Identifier(schema, "runs"))
    )
    cur.execute(
        sql.SQL(
            "CREATE OR REPLACE VIEW {} AS SELECT DISTINCT ON (province) * FROM {} "
            "ORDER BY province, published_at DESC, run_id DESC"
        ).format(sql.Identifier(schema, "runs_current"), sql.Identifier(schema, "runs"))
    )


def _prune(cur, schema: str, province: str, keep_runs: int, tables: list[str]) -> None:  # noqa: ANN001
    """Delete this province's runs older than the newest ``keep_runs``."""
    from psycopg import sql

    cur.execute(
        sql.SQL(
            "SELECT run_id FROM {} WHERE province = %s ORDER BY published_at DESC, run_id DESC "
            "OFFSET %s"
        ).format(sql.Identifier(schema, "runs")),
        (province, keep_runs),
    )
    old = [r[0] for r in cur.fetchall()]
    if not old:
        return
    for name in [*tables, "runs"]:
        cur.execute(
            sql.SQL("DELETE FROM {} WHERE province = %s AND run_id = ANY(%s)").format(
                sql.Identifier(schema, name)
            ),
            (province, old),
        )


def publish_postgis(
    url: str,
    folder: str | Path,
    run_id: str,
    province: str,
    *,
    schema: str = "hotspots",
    synthetic: bool = False,
    privacy: str = "shareable",
    keep_runs: int = 5,
    outputs: dict[str, pd.DataFrame] | None = None,
) -> dict[str, int]:
    """Write a run's outputs into PostGIS in one transaction.

    Parameters
    ----------
    url
        ``postgresql://user@host:5432/db`` (password from ``PGPASSWORD``/``~/.pgpass``).
    folder
        The run folder whose files passed the privacy check.
    run_id, province
        Key of every row written.
    schema
        Database schema of the tables (created when missing).
    synthetic, privacy
        Recorded in ``runs`` (the synthetic mark is also a ``data`` column of each row).
    keep_runs
        Runs of this province kept; older ones are deleted in the same transaction.
    outputs
        Frames to write instead of reading ``folder`` (:func:`read_outputs`).

    Returns
    -------
    dict
        Rows written per table.

    Raises
    ------
    HotspotsError
        The server is down, the password wrong, or a write failed; nothing of this run
        is then visible and the previous run is intact.
    """
    import psycopg
    from psycopg import sql

    outputs = read_outputs(folder) if outputs is None else outputs
    written: dict[str, int] = {}
    try:
        with psycopg.connect(url, connect_timeout=10) as conn, conn.cursor() as cur:
            # one publisher at a time per schema (DDL of concurrent first runs)
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"hotspots:{schema}",))
            _runs_table(cur, schema)
            cur.execute(
                sql.SQL("DELETE FROM {} WHERE run_id = %s AND province = %s").format(
                    sql.Identifier(schema, "runs")
                ),
                (run_id, province),
            )
            for name, frame in outputs.items():
                written[name] = _write_table(cur, schema, name, frame, run_id, province)
            cur.execute(
                sql.SQL(
                    "INSERT INTO {} (run_id, province, synthetic, privacy, tables) "
                    "VALUES (%s, %s, %s, %s, %s)"
                ).format(sql.Identifier(schema, "runs")),
                (run_id, province, bool(synthetic), privacy, ",".join(outputs)),
            )
            _prune(cur, schema, province, keep_runs, list(outputs))
    except psycopg.Error as exc:
        err = db_error(exc, url, "publishing the run into PostGIS failed, nothing written: ")
        raise HotspotsError(str(err)) from None
    return written


def describe(url: str, schema: str) -> str:
    """Where the run was published, password masked (for progress lines)."""
    return f"{mask_url(url)} schema {schema}"
