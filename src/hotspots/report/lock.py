"""One report run at a time: an advisory lock on ``<out>/.lock``.

The lock is an ``fcntl.flock`` held for the life of the run. The kernel releases it
when the process ends, however it ends, so a killed run never leaves a stale lock.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from hotspots.errors import HotspotsError

__all__ = ["RunLock", "ReportLockedError"]


class ReportLockedError(HotspotsError):
    """Another report run holds the lock of the same output folder."""


class RunLock:
    """Non-blocking exclusive lock on ``folder/.lock``.

    Parameters
    ----------
    folder
        The report's output folder (created if needed).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d, RunLock(d):
    ...     pass
    """

    def __init__(self, folder: str | Path) -> None:
        self.path = Path(folder) / ".lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`ReportLockedError` at once."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                holder = os.read(fd, 64).decode("ascii", "replace").strip() or "unknown"
            finally:
                os.close(fd)
            raise ReportLockedError(
                f"another report run (pid {holder}) is writing to {self.path.parent}; "
                "wait for it to finish (the lock is released when that process ends)"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode("ascii"))
        self._fd = fd

    def release(self) -> None:
        """Release the lock (idempotent)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
