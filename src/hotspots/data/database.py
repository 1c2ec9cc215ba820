"""PostgreSQL/PostGIS as a source of case records (SQLAlchemy + psycopg 3).

A database source is a URL ``postgresql://user@host:5432/db`` with a ``table`` (optionally
``schema.table``) or a ``query``. Both may also ride in the URL as hotspots parameters,
``postgresql://user@host/db?table=cases``, which is how report.yaml's
``data: {url: ..., table: ...}`` reaches the notebooks as one string. The password comes
from libpq's usual places (``PGPASSWORD``, ``~/.pgpass``); a URL is only ever shown with
its password masked (:func:`mask_url`).

The rows become a :class:`~hotspots.data.readers.RawTable` exactly as a file's rows do,
so they pass through the same checks and quarantine; ``source_row`` is the table's
primary key (the 1-based row number of the result for a query or a table without one).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
import pandas as pd

from hotspots.errors import InputError, UnusableInputError

__all__ = [
    "database_url",
    "is_database_url",
    "mask_text",
    "mask_url",
    "read_database",
    "split_source",
]

_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
_OURS = ("table", "query")


def is_database_url(source: object) -> bool:
    """Whether ``source`` is a PostgreSQL URL (``postgresql://...``)."""
    if not isinstance(source, str):
        return False
    return source.split("://", 1)[0].lower() in _SCHEMES and "://" in source


def mask_url(url: str) -> str:
    """Return ``url`` with the password replaced by ``***`` (safe to print or record)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def split_source(
    url: str, table: str | None = None, query: str | None = None
) -> tuple[str, str | None, str | None]:
    """Split hotspots' ``table``/``query`` parameters off a database URL.

    Returns
    -------
    tuple
        ``(url for the driver, table, query)``; arguments win over URL parameters.

    Raises
    ------
    InputError
        When neither or both of ``table`` and ``query`` are given.
    """
    parts = urlsplit(url)
    params = parse_qsl(parts.query, keep_blank_values=True)
    ours = {k: v for k, v in params if k in _OURS}
    rest = [(k, v) for k, v in params if k not in _OURS]
    table = table or ours.get("table") or None
    query = query or ours.get("query") or None
    if (table is None) == (query is None):
        raise InputError(
            f"{mask_url(url)}: give exactly one of a table (--table cases) or a query "
            "(--query 'SELECT ...') to read the cases from"
        )
    return urlunsplit(parts._replace(query=urlencode(rest))), table, query


def database_url(url: str, table: str | None = None, query: str | None = None) -> str:
    """Return ``url`` with ``table`` or ``query`` as URL parameters (one string source)."""
    parts = urlsplit(url)
    params = parse_qsl(parts.query, keep_blank_values=True)
    params += [(k, v) for k, v in (("table", table), ("query", query)) if v]
    return urlunsplit(parts._replace(query=urlencode(params)))


def engine(url: str):  # noqa: ANN201 - sqlalchemy.Engine, imported lazily
    """SQLAlchemy engine on psycopg 3 for ``url`` (credentials from libpq's environment)."""
    import sqlalchemy as sa

    scheme, rest = url.split("://", 1)
    return sa.create_engine(f"postgresql+psycopg://{rest}", poolclass=sa.pool.NullPool)


def db_error(exc: BaseException, url: str, what: str = "") -> UnusableInputError:
    """A named error for a database failure, with the password masked and no traceback."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    pw = urlsplit(url).password
    if pw:
        text = text.replace(pw, "***")
    low = text.lower()
    if "connection refused" in low or "could not connect" in low or "timeout" in low:
        hint = "; is the server running and the host/port right?"
    elif "password" in low or "authentication" in low:
        hint = "; set the password in PGPASSWORD or ~/.pgpass (never in the YAML)"
    else:
        hint = ""
    return UnusableInputError(f"{mask_url(url)}: {what}{text}{hint}")


def _quote(name: str) -> str:
    return ".".join('"' + p.replace('"', '""') + '"' for p in name.split("."))


def _table_info(conn, table: str) -> list[str]:  # noqa: ANN001
    """Check ``table`` exists; return its primary-key columns."""
    import sqlalchemy as sa

    schema, _, name = table.rpartition(".")
    insp = sa.inspect(conn)
    if not insp.has_table(name, schema=schema or None):
        have = insp.get_table_names(schema=schema or None)
        raise UnusableInputError(
            f"table '{table}' not found; tables there: {', '.join(sorted(have)) or '(none)'}"
        )
    return list(insp.get_pk_constraint(name, schema=schema or None)["constrained_columns"])


def _geometry_column(conn, sql: str) -> str | None:  # noqa: ANN001
    """Name of the first PostGIS geometry column of ``sql``'s result, if any."""
    import sqlalchemy as sa

    oids = {
        r[0] for r in conn.execute(sa.text("SELECT oid FROM pg_type WHERE typname = 'geometry'"))
    }
    res = conn.execute(sa.text(f"SELECT * FROM ({sql}) AS hotspots_q LIMIT 0"))
    desc = res.cursor.description
    res.close()
    for col in desc:
        if col.type_code in oids:
            return col.name
    return None


def _fetch(url: str, table: str | None, query: str | None) -> tuple[pd.DataFrame, list[str]]:
    """Read the rows; return them and the primary-key columns (``[]`` for none)."""
    import geopandas as gpd
    import sqlalchemy as sa

    eng = engine(url)
    try:
        with eng.connect() as conn:
            pk: list[str] = []
            if table is not None:
                pk = _table_info(conn, table)
                order = f" ORDER BY {', '.join(_quote(c) for c in pk)}" if pk else ""
                sql = f"SELECT * FROM {_quote(table)}{order}"
            else:
                sql = query.strip().rstrip(";")
            geom = _geometry_column(conn, sql)
            if geom is not None:
                frame = gpd.read_postgis(sa.text(sql), conn, geom_col=geom)
            else:
                frame = pd.read_sql(sa.text(sql), conn)
    except UnusableInputError as exc:
        raise UnusableInputError(f"{mask_url(url)}: {exc}") from None
    except sa.exc.SQLAlchemyError as exc:
        raise db_error(exc, url) from None
    finally:
        eng.dispose()
    return frame, pk


def read_database(url: str, table: str | None = None, query: str | None = None):  # noqa: ANN201
    """Read case rows from PostgreSQL/PostGIS into a :class:`RawTable`.

    Parameters
    ----------
    url
        ``postgresql://user@host:5432/db``; may carry ``?table=`` or ``?query=``.
    table
        Table to read, ``name`` or ``schema.name``; rows in primary-key order.
    query
        Instead of a table: a ``SELECT`` whose rows are the cases.

    Returns
    -------
    RawTable
        Values as stored, with ``rows`` = the primary key (1-based result row numbers
        when there is no single-column key). A geometry column becomes lon/lat (or
        projected x/y) as for a GeoPackage; the key column is dropped unless its header
        is one ingest recognises (a case number).

    Raises
    ------
    UnusableInputError
        Server down, wrong password, missing table or column; the message masks the
        password.
    """
    import geopandas as gpd

    from hotspots.data.columns import map_columns
    from hotspots.data.readers import RawTable, _dedupe_headers, _from_geodataframe

    url, table, query = split_source(url, table, query)
    frame, pk = _fetch(url, table, query)
    name = f"{mask_url(url)} ({'table ' + table if table else 'query'})"
    rows = np.arange(len(frame), dtype=np.int64) + 1
    if len(pk) == 1 and pk[0] in frame.columns:
        keys = frame[pk[0]]
        rows = keys.to_numpy(dtype=np.int64) if keys.dtype.kind in "iu" else keys.to_numpy(object)
        if not map_columns([pk[0]]):
            frame = frame.drop(columns=pk[0])
    if isinstance(frame, gpd.GeoDataFrame):
        raw = _from_geodataframe(frame, name)
    else:
        frame = frame.reset_index(drop=True).astype(object)
        frame = frame.where(frame.notna(), "")
        frame.columns = _dedupe_headers([str(c) for c in frame.columns])
        raw = RawTable(frame, rows, [], None, None, name)
    raw.rows = rows
    return raw


_PW_IN_TEXT = re.compile(r"(postgres(?:ql)?(?:\+psycopg)?://[^:/@\s]*:)[^@\s]*@")


def mask_text(text: str) -> str:
    """Mask every password of a PostgreSQL URL inside ``text``."""
    return _PW_IN_TEXT.sub(r"\1***@", text)
