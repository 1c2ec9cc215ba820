"""Atomic publication of a report folder.

Layout of an output folder ``out``::

    out/.lock                 held during a run (see :mod:`hotspots.report.lock`)
    out/.staging-<stamp>/     the run being built (removed by the next run if killed)
    out/.failed-<stamp>/      the last failed runs, for inspection
    out/runs/<stamp>/         published runs, newest ``keep_runs`` kept
    out/current -> runs/<stamp>   symlink switched with one atomic rename
    out/index.html            a fixed page that forwards to current/index.html

A run is built entirely in its staging folder. Only when every step succeeded is it
renamed into ``runs/`` and ``current`` switched to it with :func:`os.replace`, so a
reader (or a commander's browser) always sees either the previous report or the new
one, never half of each.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

__all__ = [
    "new_stamp",
    "staging_dir",
    "clean_stale",
    "publish",
    "keep_failed",
    "current_run",
    "atomic_write_text",
]

_TZ = dt.timezone(dt.timedelta(hours=7))  # Asia/Ho_Chi_Minh, no DST


def new_stamp(out: Path) -> str:
    """Return a run stamp (local time, ``YYYYmmdd-HHMMSS``) not yet used in ``out``."""
    base = dt.datetime.now(_TZ).strftime("%Y%m%d-%H%M%S")
    stamp, i = base, 1
    while (out / "runs" / stamp).exists() or (out / f".staging-{stamp}").exists():
        stamp = f"{base}-{i}"
        i += 1
    return stamp


def staging_dir(out: Path, stamp: str) -> Path:
    """Create and return the staging folder of run ``stamp``."""
    path = out / f".staging-{stamp}"
    path.mkdir(parents=True)
    return path


def clean_stale(out: Path) -> list[Path]:
    """Remove staging folders left by killed runs; call only while holding the lock."""
    removed = []
    for p in sorted(out.glob(".staging-*")):
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p)
    return removed


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and :func:`os.replace`."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def current_run(out: Path) -> Path | None:
    """Return the folder ``out/current`` points at, or ``None``."""
    link = out / "current"
    if not link.is_symlink() and not link.exists():
        return None
    return link.resolve()


_FORWARD = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="0; url=current/index.html">
<title>Báo cáo / Report</title></head>
<body><p><a href="current/index.html">Mở báo cáo mới nhất / Open the latest report</a></p>
</body></html>
"""


def publish(out: Path, staging: Path, stamp: str, keep_runs: int) -> Path:
    """Move ``staging`` into ``out/runs/<stamp>`` and point ``out/current`` at it.

    Parameters
    ----------
    out
        The output folder.
    staging
        The finished run.
    stamp
        Its stamp.
    keep_runs
        Published runs to keep (the current one is never removed).

    Returns
    -------
    pathlib.Path
        The published run folder.
    """
    runs = out / "runs"
    runs.mkdir(exist_ok=True)
    final = runs / stamp
    os.replace(staging, final)
    tmp_link = out / f".current-{stamp}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(Path("runs") / stamp, tmp_link, target_is_directory=True)
    os.replace(tmp_link, out / "current")
    forward = out / "index.html"
    if not forward.exists() or forward.read_text(encoding="utf-8") != _FORWARD:
        atomic_write_text(forward, _FORWARD)
    _prune(runs, keep_runs, keep=final)
    return final


def keep_failed(out: Path, staging: Path, stamp: str, keep: int = 3) -> Path:
    """Rename a failed run's staging folder to ``out/.failed-<stamp>`` (last ``keep`` kept)."""
    failed = out / f".failed-{stamp}"
    os.replace(staging, failed)
    old = sorted(out.glob(".failed-*"))
    for p in old[: max(0, len(old) - keep)]:
        shutil.rmtree(p, ignore_errors=True)
    return failed


def _prune(runs: Path, keep_runs: int, keep: Path) -> None:
    done = sorted(p for p in runs.iterdir() if p.is_dir() and not p.is_symlink())
    for p in done[: max(0, len(done) - keep_runs)]:
        if p != keep:
            shutil.rmtree(p, ignore_errors=True)
