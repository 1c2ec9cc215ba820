"""Named errors and warnings of hotspots.

Validation happens once, at the edge (ingest, CLI, config); code inside trusts its
inputs. Every error message says what was wrong and what to change.
"""

from __future__ import annotations

__all__ = [
    "HotspotsError",
    "InputError",
    "UnusableInputError",
    "ConfigError",
    "LookupNameError",
    "HotspotsWarning",
]


class HotspotsError(Exception):
    """Base class of every error raised on purpose by hotspots."""


class InputError(HotspotsError, ValueError):
    """The input (data, parameters) is not what hotspots can use."""


class UnusableInputError(InputError):
    """A whole input file cannot be used (empty, wrong format, missing column).

    The CLI maps it to exit code 2.
    """


class ConfigError(InputError):
    """A run parameter is unknown or has the wrong type or value."""


class LookupNameError(InputError, KeyError):
    """A place name or code did not resolve; the message lists the closest matches."""

    def __str__(self) -> str:  # KeyError quotes its message; we do not want that
        return str(self.args[0]) if self.args else ""


class HotspotsWarning(UserWarning):
    """Warnings issued by hotspots (turned into errors in the test suite)."""
