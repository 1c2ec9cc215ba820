"""The ``hotspots`` command.

Each domain package contributes its subcommands through a private ``_cli`` module with
a ``register(subparsers)`` function; this module only assembles them and turns named
errors into clear messages and exit codes (tracebacks are for bugs):

* 0: done (an input file may still have had rows quarantined);
* 1: done, but a ``--strict`` check failed; for ``report``/``demo``: a notebook failed
  and the previous report was kept;
* 2: the input as a whole is unusable, a parameter is wrong, or a file named on the
  command line cannot be read or written (``OSError``);
* 3: ``report``/``demo``: another run holds the lock.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from hotspots import __version__
from hotspots.errors import HotspotsError

__all__ = ["main", "build_parser"]

#: Modules that contribute subcommands, in the order they appear in ``--help``.
_COMMAND_MODULES = (
    "hotspots.data._cli",
    "hotspots.roads._cli",
    "hotspots.areas._cli",
    "hotspots.areas._scan_cli",
    "hotspots.lines._cli",
    "hotspots.evaluate._cli",
    "hotspots.plan._cli",
    "hotspots.support._cli",
    "hotspots.maps._cli",
    "hotspots.report._cli",
)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="hotspots",
        description=(
            "Key areas (địa bàn trọng điểm), key lines (tuyến trọng điểm) and patrol "
            "plans from anti-trafficking case records."
        ),
    )
    parser.add_argument("--version", action="version", version=f"hotspots {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # that part of the package is not there (yet)
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except HotspotsError as exc:
        print(f"hotspots {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file or folder named on the command line cannot be written
        where = f": {exc.filename}" if exc.filename else ""
        print(
            f"hotspots {args.command}: error: {exc.strerror or exc}{where}; "
            "check the path and its permissions",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
