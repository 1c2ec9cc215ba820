"""A throw-away PostgreSQL + PostGIS cluster for the tests (initdb in a temporary folder).

The server binaries come from Debian's packages (``postgresql``,
``postgresql-15-postgis-3``; ``.ci/run`` installs them). Without them the tests skip with
a message saying so; with ``CI=true`` they fail. PostgreSQL refuses to run as root, so as
root the cluster is started as the ``postgres`` system user (created by the packages).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

INSTALL = (
    "PostgreSQL/PostGIS server binaries not found; install them with "
    "`apt-get install postgresql postgresql-15-postgis-3` (Debian 12)"
)
PASSWORD = "s3cret-test-pw"
USER = "hotspots"


@dataclass
class PgServer:
    """A running cluster: ``url`` has no password (it is in ``PGPASSWORD``)."""

    url: str
    port: int
    data: Path
    bindir: Path
    runas: list[str]

    def psql(self, sql: str, db: str = "postgres") -> str:
        """Run ``sql`` with psql; return its output."""
        env = os.environ | {"PGPASSWORD": PASSWORD}
        out = subprocess.run(
            [str(self.bindir / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", USER]
            + ["-d", db, "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout

    def stop(self) -> None:
        """Stop the server (fast shutdown)."""
        subprocess.run(
            self.runas + [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.data.parent, ignore_errors=True)


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    have_postgis = glob.glob("/usr/share/postgresql/*/extension/postgis.control")
    if not found or not have_postgis:
        return None
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unavailable(reason: str) -> None:
    """Skip (locally) or fail (``CI=true``) with ``reason``."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def start() -> PgServer:
    """Create a cluster in a temporary folder, start it on a free port, enable PostGIS."""
    bindir = _bindir()
    if bindir is None:
        unavailable(INSTALL)
    root = Path(tempfile.mkdtemp(prefix="hotspots-pg-"))
    runas: list[str] = []
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            unavailable("running as root and there is no 'postgres' user to run the server")
        os.chown(root, pw.pw_uid, pw.pw_gid)
        runas = ["runuser", "-u", "postgres", "--"]
    data = root / "data"
    pwfile = root / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if runas:
        shutil.chown(pwfile, "postgres")
    subprocess.run(
        runas
        + [str(bindir / "initdb"), "-D", str(data), "-U", USER, "-A", "scram-sha-256"]
        + ["--pwfile", str(pwfile), "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
        capture_output=True,
        check=True,
    )
    port = _free_port()
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        runas
        + [str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(root / "log"), "-o", opts]
        + ["start"],
        capture_output=True,
        check=True,
    )
    server = PgServer(f"postgresql://{USER}@127.0.0.1:{port}/cases", port, data, bindir, runas)
    server.psql("CREATE DATABASE cases")
    server.psql("CREATE EXTENSION postgis", db="cases")
    return server
