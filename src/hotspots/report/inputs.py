"""Inputs of the report notebooks: case records (or the synthetic province) and routes.

Notebooks call :func:`load_inputs` with their parameters; the runner calls
:func:`synthetic_files` once per run so every notebook reads the same generated files.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from hotspots.data.schema import PII_COLUMNS, TZ

__all__ = [
    "Inputs",
    "load_inputs",
    "synthetic_files",
    "pii_values",
    "filter_window",
    "looks_synthetic",
]


@dataclasses.dataclass
class Inputs:
    """Cases and routes ready for analysis.

    Attributes
    ----------
    cases
        The accepted CaseTable, filtered to the date window (PII removed).
    routes
        The RouteTable of the kept cases, or ``None`` when the data have no journeys.
    ingest
        The full :class:`~hotspots.data.ingest.IngestResult` (quarantine, counts).
    synthetic
        Whether the data are synthetic.
    truth
        Planted truth of synthetic data (``key_areas``, ``key_lines``...), else ``None``.
    key
        What the inputs were made from (file, size and modification time, province,
        area, window, seed): a notebook reuses another notebook's layers only when
        their keys are equal (:meth:`NotebookOutputs.reuse_layer`).
    """

    cases: gpd.GeoDataFrame
    routes: gpd.GeoDataFrame | None
    ingest: Any
    synthetic: bool
    truth: dict | None = None
    key: dict = dataclasses.field(default_factory=dict)


def _generator_key(province: str, years: int, seed: int) -> str:
    """Hash of what the synthetic files depend on: generator source, geography, version.

    The source of :mod:`hotspots.synthetic` and :mod:`hotspots.geodata`, the packaged
    geography files, the hotspots version and the parameters. Any change gives another key,
    so files made by an older generator are never reused.
    """
    import hashlib

    import hotspots
    import hotspots.geodata
    import hotspots.synthetic

    h = hashlib.sha256()
    h.update(json.dumps([hotspots.__version__, province, int(years), int(seed)]).encode())
    sources = [Path(hotspots.synthetic.__file__), Path(hotspots.geodata.__file__)]
    sources += sorted(p for p in Path(hotspots.geodata.DATA_DIR).glob("*") if p.is_file())
    for path in sources:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def synthetic_files(
    folder: str | Path, province: str = "Lào Cai", years: int = 5, seed: int = 0
) -> tuple[Path, Path | None]:
    """Generate the synthetic province into ``folder/synthetic-<province>-<years>y-seed<seed>``.

    The files are reused only while the ``.complete`` marker in that folder holds the key
    of the current generator (a hash of the generator and geography sources, the hotspots
    version and the parameters); otherwise the folder is emptied and generated again.
    Returns the paths of ``cases.csv`` and ``routes.csv`` (``None`` if absent).
    """
    import shutil

    from hotspots.synthetic import generate

    slug = "".join(ch for ch in province if ch.isalnum()) or "province"
    target = Path(folder) / f"synthetic-{slug}-{years}y-seed{seed}"
    cases = target / "cases.csv"
    done = target / ".complete"
    key = _generator_key(province, years, seed)
    stored = done.read_text(encoding="utf-8").strip() if done.exists() else None
    if stored != key:
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        generate(province=province, years=years, seed=seed, out=target)
        done.write_text(key + "\n", encoding="utf-8")
    routes = target / "routes.csv"
    return cases, routes if routes.exists() else None


def filter_window(
    frame: pd.DataFrame, date_from: str | None, date_to: str | None, column: str = "occurred_at"
) -> pd.DataFrame:
    """Keep the rows whose ``column`` lies in ``[date_from, date_to]`` (whole days).

    Rows without a date are kept only when the window is open on both sides.
    """
    if frame is None or (date_from is None and date_to is None) or column not in frame:
        return frame
    t = pd.to_datetime(frame[column], errors="coerce")
    if getattr(t.dt, "tz", None) is None:
        t = t.dt.tz_localize(TZ)
    keep = t.notna()
    if date_from is not None:
        keep &= t >= pd.Timestamp(date_from, tz=TZ)
    if date_to is not None:
        keep &= t < pd.Timestamp(date_to, tz=TZ) + pd.Timedelta(days=1)
    return frame[keep.to_numpy()]


def load_inputs(
    data_path: str = "synthetic",
    routes_path: str | None = None,
    province: str | None = "Lào Cai",
    area: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    seed: int = 0,
    years: int = 5,
    synthetic: bool = False,
) -> Inputs:
    """Read the case records (or generate the synthetic province) for a notebook.

    Parameters
    ----------
    data_path
        Case records, or ``"synthetic"`` to generate the demo province in a temporary
        folder.
    routes_path
        Optional separate route table (one row per stop with ``seq``).
    province, area
        Where the cases must lie (see :func:`hotspots.data.ingest.read_cases`).
    date_from, date_to
        Inclusive window on ``occurred_at``.
    seed, years
        For synthetic data.
    synthetic
        Mark the data as synthetic (forced for ``"synthetic"``; also set when the input
        folder holds a ``truth`` file written by the generator).

    Returns
    -------
    Inputs
    """
    key = _input_key(data_path, routes_path, province, area, date_from, date_to, seed, years)
    inputs = _load_inputs(
        data_path, routes_path, province, area, date_from, date_to, seed, years, synthetic
    )
    inputs.key = key
    return inputs


def _input_key(data_path: str, routes_path: str | None, *params: Any) -> dict:
    """What the inputs depend on: the parameters and each file's size and mtime."""
    files = []
    for f in (data_path, routes_path):
        if f and f != "synthetic" and Path(f).exists():
            st = Path(f).stat()
            files.append([Path(f).resolve().as_posix(), st.st_size, st.st_mtime_ns])
    return {"data": data_path, "routes": routes_path, "params": list(params), "files": files}


def _load_inputs(
    data_path: str,
    routes_path: str | None,
    province: str | None,
    area: str | None,
    date_from: str | None,
    date_to: str | None,
    seed: int,
    years: int,
    synthetic: bool,
) -> Inputs:
    from hotspots.data.ingest import read_cases

    if data_path == "synthetic":
        with tempfile.TemporaryDirectory(prefix="hotspots-synthetic-") as tmp:
            cases_file, routes_file = synthetic_files(tmp, province or "Lào Cai", years, seed)
            return _load_inputs(
                str(cases_file),
                routes_path or (str(routes_file) if routes_file else None),
                province,
                area,
                date_from,
                date_to,
                seed,
                years,
                True,
            )
    truth_dir = Path(data_path).parent if _has_truth(Path(data_path).parent) else None
    ingest = read_cases(data_path, province=province, area=area)
    cases = filter_window(ingest.cases, date_from, date_to)
    routes = ingest.routes
    if routes_path:
        routes = read_cases(routes_path, province=province, area=area).routes
    if routes is not None:
        routes = routes[routes["case_id"].isin(set(cases["case_id"]))].reset_index(drop=True)
    truth = _read_truth(truth_dir) if truth_dir is not None else None
    from hotspots.maps.labels import looks_synthetic as labelled

    marked = "synthetic" in cases.columns and _truthy(cases["synthetic"]).any()
    synthetic = synthetic or truth is not None or bool(marked) or labelled(ingest.cases)
    return Inputs(
        cases=cases.reset_index(drop=True),
        routes=routes,
        ingest=ingest,
        synthetic=synthetic,
        truth=truth,
    )


def _truthy(values: pd.Series) -> pd.Series:
    return values.astype(str).str.strip().str.lower().isin(["true", "1", "yes"])


def _has_truth(folder: Path) -> bool:
    return any(folder.glob("truth*.geojson")) or any(folder.glob("truth*.json"))


def looks_synthetic(path: str | Path) -> bool:
    """Whether a case file comes from the synthetic generator.

    True when the generator's truth files lie beside it, or when it has a ``synthetic``
    column with a true value.
    """
    path = Path(path)
    if path.is_file() and _has_truth(path.parent):
        return True
    if path.suffix.lower() == ".csv":
        try:
            head = pd.read_csv(path, dtype=str, nrows=50, encoding_errors="replace")
        except (OSError, ValueError):
            return False
        cols = {str(c).strip().lower(): c for c in head.columns}
        if "synthetic" in cols:
            return bool(_truthy(head[cols["synthetic"]]).any())
    return False


def _read_truth(folder: Path) -> dict | None:
    files = sorted(folder.glob("truth*")) + sorted((folder / "truth").glob("*"))
    if not files:
        return None
    truth: dict[str, Any] = {}
    for f in files:
        if f.suffix in (".gpkg", ".geojson"):
            truth[f.stem.removeprefix("truth_")] = gpd.read_file(f)
        elif f.suffix == ".json":
            truth[f.stem.removeprefix("truth_")] = json.loads(f.read_text(encoding="utf-8"))
    return truth


def pii_values(files: Iterable[str | Path], min_length: int = 4) -> list[str]:
    """Return the PII strings (names, phones...) found in the input files.

    Used as a canary: none of them may appear in a shareable output.
    """
    from hotspots.data.database import is_database_url

    values: set[str] = set()
    for f in files:
        try:
            if is_database_url(f):
                from hotspots.data.ingest import read_cases

                frame = read_cases(str(f)).pii
            elif (f := Path(f)).suffix.lower() in (".csv", ".txt"):
                frame = pd.read_csv(f, dtype=str, encoding_errors="replace")
            elif f.suffix.lower() in (".xlsx", ".xls"):
                frame = pd.read_excel(f, dtype=str)
            else:
                from hotspots.data.ingest import read_cases

                frame = read_cases(f).pii
        except Exception:  # noqa: BLE001 - a canary must never stop the run
            continue
        for col in frame.columns:
            if str(col).strip().lower() in PII_COLUMNS:
                values.update(
                    v.strip()
                    for v in frame[col].dropna().astype(str)
                    if len(v.strip()) >= min_length
                )
    return sorted(values)
