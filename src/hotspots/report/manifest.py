"""``manifest.json``: what a report run was made from and what it produced."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["sha256_file", "fingerprint", "package_versions", "list_outputs", "write_manifest"]

#: Packages whose versions every manifest records.
_PACKAGES = (
    "hotspots",
    "numpy",
    "scipy",
    "pandas",
    "geopandas",
    "shapely",
    "pyproj",
    "pyogrio",
    "scikit-learn",
    "networkx",
    "pyvrp",
    "folium",
    "folium-offline",
    "matplotlib",
    "papermill",
    "nbconvert",
    "nbformat",
    "ipykernel",
    "pyyaml",
)


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Return the hex sha256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def fingerprint(paths: Iterable[str | Path]) -> dict[str, Any]:
    """Fingerprint the input files (a folder counts as all the files inside it).

    Returns
    -------
    dict
        ``{"sha256": combined digest, "files": [{"name", "bytes", "sha256"}]}``; file
        names only (no folders), so the fingerprint does not depend on where data live.
    """
    files = []
    for p in paths:
        p = Path(p)
        members = sorted(x for x in p.rglob("*") if x.is_file()) if p.is_dir() else [p]
        for f in members:
            name = str(f.relative_to(p.parent))
            files.append({"name": name, "bytes": f.stat().st_size, "sha256": sha256_file(f)})
    combined = hashlib.sha256()
    for f in files:
        combined.update(f"{f['name']}\0{f['sha256']}\n".encode())
    return {"sha256": combined.hexdigest(), "files": files}


def package_versions() -> dict[str, str]:
    """Return the versions of Python and of the packages a report depends on."""
    out = {"python": platform.python_version(), "platform": sys.platform}
    for name in _PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def list_outputs(root: str | Path, exclude: Iterable[str] = ("manifest.json",)) -> list[dict]:
    """List every file under ``root`` with its relative path, size and sha256."""
    root = Path(root)
    skip = set(exclude)
    rows = []
    for f in sorted(root.rglob("*")):
        if f.is_file():
            rel = f.relative_to(root).as_posix()
            if rel in skip:
                continue
            rows.append({"path": rel, "bytes": f.stat().st_size, "sha256": sha256_file(f)})
    return rows


def write_manifest(path: str | Path, manifest: dict[str, Any]) -> None:
    """Write ``manifest`` as indented UTF-8 JSON."""
    Path(path).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
