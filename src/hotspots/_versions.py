"""``hotspots.show_versions()``: what a bug report or a manifest needs to know."""

from __future__ import annotations

__all__ = ["show_versions"]


def show_versions() -> dict[str, str]:
    """Print the versions of Python, hotspots and its dependencies, and return them.

    The same dictionary is written into every report's ``manifest.json``.
    """
    from hotspots.report.manifest import package_versions

    versions = package_versions()
    width = max(len(k) for k in versions)
    for k, v in versions.items():
        print(f"{k:<{width}} : {v}")
    return versions
