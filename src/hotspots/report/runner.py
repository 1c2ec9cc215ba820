"""Run the report: notebooks under papermill, HTML pages, manifest, index, publication.

:func:`run_report` checks every parameter before anything executes (papermill by itself
only warns about unknown parameters), takes the output folder's lock, builds the run in
a staging folder and publishes it atomically (see :mod:`hotspots.report.publish`). A
failed or killed run leaves the previous report where it stood.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hotspots.config import ReportConfig, closest, plan_start_date
from hotspots.errors import ConfigError, HotspotsError

from . import manifest as mf
from .html import add_navigation, notebook_to_html
from .index import write_index
from .lock import RunLock
from .publish import clean_stale, keep_failed, new_stamp, publish, staging_dir

__all__ = [
    "KERNEL_NAME",
    "ReportRunError",
    "RunResult",
    "notebooks_dir",
    "check_notebooks",
    "data_period",
    "run_report",
]

#: Jupyter kernel the notebooks run in. jupyter_client runs the ``python3`` kernel with
#: the interpreter of the running process, so the venv's python is used without any
#: ``ipykernel install``.
KERNEL_NAME = "python3"


class ReportRunError(HotspotsError):
    """A notebook failed; the message names the notebook and the cell."""

    def __init__(self, message: str, notebook: str, cell: int | None, failed_dir: Path) -> None:
        super().__init__(message)
        self.notebook = notebook
        self.cell = cell
        self.failed_dir = failed_dir


@dataclasses.dataclass
class RunResult:
    """A published report run.

    Attributes
    ----------
    folder
        The run folder (``out/runs/<stamp>``).
    current
        ``out/current`` (symlink to ``folder``).
    index
        ``out/current/index.html``.
    manifest
        The manifest written with the run.
    """

    folder: Path
    current: Path
    index: Path
    manifest: dict[str, Any]

    def outputs(self, kind: str | None = None) -> list[Path]:
        """Return the files of the run (``kind``: a sub-folder such as ``"maps"``)."""
        return [
            self.current / o["path"]
            for o in self.manifest["outputs"]
            if kind is None or o["path"].startswith(f"{kind}/")
        ]


def notebooks_dir(config: ReportConfig) -> Path:
    """Return the folder holding the notebooks.

    ``config.notebooks_dir`` when set, else ``$HOTSPOTS_NOTEBOOKS``, else the
    ``notebooks/`` folder of the source checkout.
    """
    if config.notebooks_dir:
        return Path(config.notebooks_dir)
    env = os.environ.get("HOTSPOTS_NOTEBOOKS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "notebooks"


_PY_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (float, int),
    "str": (str,),
    "bool": (bool,),
    "list": (list, tuple),
    "dict": (dict,),
    "None": (type(None),),
}


def _type_ok(value: Any, type_name: str) -> bool | None:
    """Whether ``value`` fits a papermill-inferred type name; ``None`` = cannot tell."""
    names = [t.strip() for t in type_name.replace("Optional[", "None|").strip("]").split("|")]
    allowed: list[type] = []
    for n in names:
        base = n.split("[", 1)[0].strip().lower()
        base = {"list": "list", "dict": "dict", "none": "None", "nonetype": "None"}.get(base, base)
        if base not in _PY_TYPES:
            return None
        allowed.extend(_PY_TYPES[base])
    if isinstance(value, bool) and bool not in allowed:
        return False
    return isinstance(value, tuple(allowed))


def check_notebooks(config: ReportConfig, folder: Path | None = None) -> dict[str, dict]:
    """Check the notebooks exist and accept the parameters the run will give them.

    Parameters
    ----------
    config
        The validated configuration.
    folder
        Notebook folder; default :func:`notebooks_dir`.

    Returns
    -------
    dict
        Notebook name → parameters it will receive (only those its ``parameters`` cell
        declares, plus every ``notebook_params`` entry).

    Raises
    ------
    ConfigError
        A notebook is missing or has no ``parameters`` cell, or a ``notebook_params``
        entry is unknown to the notebook or of the wrong type.
    """
    import papermill

    folder = folder or notebooks_dir(config)
    available = sorted(p.stem for p in folder.glob("*.ipynb"))
    plan = {}
    for name in config.notebooks:
        path = folder / f"{name}.ipynb"
        if not path.exists():
            hint = closest(name, available)
            did = f" Did you mean '{hint}'?" if hint else ""
            raise ConfigError(
                f"parameter 'notebooks': no notebook '{name}' in {folder}.{did} "
                f"Available: {', '.join(available) or 'none'}"
            )
        declared = papermill.inspect_notebook(str(path))
        if not declared:
            raise ConfigError(
                f"notebook {name}: no cell tagged 'parameters'; tag the first code cell"
            )
        given = config.notebook_parameters(name, "<output_dir>")
        extra = config.notebook_params.get(name, {})
        for key, value in extra.items():
            if key not in declared:
                hint = closest(key, list(declared))
                did = f" Did you mean '{hint}'?" if hint else ""
                raise ConfigError(
                    f"parameter 'notebook_params.{name}.{key}': the notebook has no parameter "
                    f"'{key}'.{did} Its parameters: {', '.join(declared)}"
                )
            type_name = declared[key].get("inferred_type_name") or "None"
            if _type_ok(value, type_name) is False:
                raise ConfigError(
                    f"parameter 'notebook_params.{name}.{key}': expected {type_name} "
                    f"(default {declared[key].get('default')}), got {value!r} "
                    f"({type(value).__name__})"
                )
        plan[name] = {k: v for k, v in given.items() if k in declared or k in extra}
    return plan


def _check_data(config: ReportConfig) -> None:
    from hotspots.data.database import is_database_url

    if (
        config.data != "synthetic"
        and not is_database_url(config.data)
        and not Path(config.data).exists()
    ):
        raise ConfigError(
            f"parameter 'data': {config.data} does not exist; give the path of the case "
            "records or 'synthetic'"
        )
    if config.routes and not Path(config.routes).exists():
        raise ConfigError(f"parameter 'routes': {config.routes} does not exist")


def _say(progress: bool) -> Callable[[str], None]:
    def say(msg: str) -> None:
        if progress:
            print(msg, file=sys.stderr, flush=True)

    return say


def run_report(
    config: ReportConfig,
    progress: bool = True,
    folder: Path | None = None,
) -> RunResult:
    """Run every notebook of ``config`` and publish the report atomically.

    Parameters
    ----------
    config
        Validated parameters (:func:`hotspots.config.load_config`).
    progress
        Print one line per step (and papermill's cell progress bar on a terminal).
    folder
        Notebook folder; default :func:`notebooks_dir`.

    Returns
    -------
    RunResult

    Raises
    ------
    ConfigError
        Before anything runs: a notebook, parameter or input is wrong.
    ReportLockedError
        Another run is writing to the same ``out`` folder.
    ReportRunError
        A notebook failed; the message names the notebook and the cell. The previous
        report is untouched; the failed run is kept in ``out/.failed-<stamp>``.
    """
    say = _say(progress)
    folder = folder or notebooks_dir(config)
    plan = check_notebooks(config, folder)
    _check_data(config)
    out = Path(config.out).resolve()
    with RunLock(out):
        for stale in clean_stale(out):
            say(f"removed the unfinished run {stale.name} left by a killed process")
        timings: dict[str, float] = {}
        t_start = time.perf_counter()
        started = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).isoformat(timespec="seconds")
        # the data and the window are checked before a run folder exists: a window
        # without cases is a wrong parameter (exit 2), not a failed run
        cfg, inputs = _prepare_data(config, out, say, timings)
        period, marked = data_period(cfg)
        if marked and not cfg.synthetic:
            say("the case file carries the synthetic label: outputs are marked SYNTHETIC")
        cfg = dataclasses.replace(
            cfg,
            synthetic=cfg.synthetic or marked,
            plan_start=plan_start_date(cfg.plan_start).isoformat(),
        )
        stamp = new_stamp(out)
        staging = staging_dir(out, stamp)
        try:
            pages = _run_notebooks(cfg, plan, folder, staging, say, timings, progress)
            t0 = time.perf_counter()
            params = cfg.to_dict()
            write_index(
                staging,
                params=params,
                notebooks=list(cfg.notebooks),
                pages=pages,
                stamp=stamp,
                period=period,
            )
            add_navigation(staging, pages, params.get("lang", "vi"))
            privacy_check = _privacy_check(cfg, staging, inputs)
            timings["index_and_checks"] = round(time.perf_counter() - t0, 3)
            timings["total"] = round(time.perf_counter() - t_start, 3)
            manifest = {
                "hotspots_report": 1,
                "run": stamp,
                "started": started,
                "parameters": _public_params(
                    config.to_dict() | {"synthetic": cfg.synthetic, "plan_start": cfg.plan_start}
                ),
                "synthetic": bool(cfg.synthetic),
                "data_period": period,
                "plan_start": cfg.plan_start,
                "privacy": cfg.privacy,
                "suppress_below": cfg.suppress_below,
                "privacy_check": privacy_check,
                "input": mf.fingerprint(inputs),
                "versions": mf.package_versions(),
                "timings_s": timings,
                "outputs": mf.list_outputs(staging),
            }
            if cfg.publish:
                manifest["postgis"] = _postgis_target(cfg)
            mf.write_manifest(staging / "manifest.json", manifest)
            if cfg.publish:
                _publish_postgis(cfg, staging, stamp, say, timings)
        except ReportRunError:
            raise
        except BaseException as exc:
            failed = keep_failed(out, staging, stamp)
            if isinstance(exc, HotspotsError | KeyboardInterrupt | SystemExit):
                raise
            raise ReportRunError(
                f"the report run failed ({type(exc).__name__}: {exc}); the previous report "
                f"is unchanged; the unfinished run is in {failed}",
                notebook="",
                cell=None,
                failed_dir=failed,
            ) from exc
        final = publish(out, staging, stamp, config.keep_runs)
        say(f"published {final} ({timings['total']:.1f} s)")
    current = out / "current"
    return RunResult(folder=final, current=current, index=current / "index.html", manifest=manifest)


def data_period(cfg: ReportConfig) -> tuple[dict[str, Any], bool]:
    """Read the case records once: their dates, the window's cases, the synthetic label.

    Returns
    -------
    (dict, bool)
        ``{"first", "last"}`` (ISO dates of the oldest and newest case),
        ``{"window_first", "window_last", "cases"}`` for the cases in the
        ``date_from``/``date_to`` window; and whether the file says it is synthetic
        (a ``synthetic`` column, a SYNTHETIC label or ``SYN-`` case ids, see
        :func:`hotspots.maps.labels.looks_synthetic`).

    Raises
    ------
    ConfigError
        When no case falls in the window (the message gives the dates of the data).
    """
    import warnings

    from hotspots.data.ingest import read_cases
    from hotspots.maps.labels import looks_synthetic
    from hotspots.report.inputs import filter_window

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the notebooks report the rows read and repaired
        cases = read_cases(cfg.data, province=cfg.province, area=cfg.area).cases
    when = cases["occurred_at"].dropna() if "occurred_at" in cases else cases.iloc[:0]
    period: dict[str, Any] = {"first": None, "last": None}
    if len(when):
        period = {"first": when.min().date().isoformat(), "last": when.max().date().isoformat()}
    kept = filter_window(cases, cfg.date_from, cfg.date_to)
    if len(kept) == 0:
        span = (
            f"the data run from {period['first']} to {period['last']}"
            if period["first"]
            else "the data have no dates"
        )
        raise ConfigError(
            f"parameters 'date_from' ({cfg.date_from or 'open'}) and 'date_to' "
            f"({cfg.date_to or 'open'}): no case in this window; {span}"
        )
    kept_when = kept["occurred_at"].dropna() if "occurred_at" in kept else kept.iloc[:0]
    period["window_first"] = kept_when.min().date().isoformat() if len(kept_when) else None
    period["window_last"] = kept_when.max().date().isoformat() if len(kept_when) else None
    period["cases"] = int(kept["case_id"].nunique()) if "case_id" in kept else len(kept)
    return period, bool(looks_synthetic(cases))


def _public_params(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters as recorded in the manifest: paths reduced to file names, URLs masked."""
    from hotspots.data.database import is_database_url, mask_url

    out = dict(params)
    for key in ("data", "routes", "out", "notebooks_dir"):
        if out.get(key) and is_database_url(out[key]):
            out[key] = mask_url(out[key])
        elif out.get(key) and out[key] != "synthetic":
            out[key] = Path(out[key]).name
    if out.get("publish"):
        out["publish"] = {k: mask_url(v) for k, v in out["publish"].items()}
    return out


def _postgis_target(cfg: ReportConfig) -> dict[str, str]:
    """Where the run is published in PostGIS (password masked), for the manifest."""
    from hotspots.data.database import mask_url

    return {"url": mask_url(cfg.publish["postgis"]), "schema": cfg.publish["schema"]}


def _publish_postgis(
    cfg: ReportConfig,
    staging: Path,
    stamp: str,
    say: Callable[[str], None],
    timings: dict[str, float],
) -> None:
    """Write the checked outputs into PostGIS, one transaction (see report/postgis.py)."""
    from hotspots.report.postgis import describe, publish_postgis

    t0 = time.perf_counter()
    rows = publish_postgis(
        cfg.publish["postgis"],
        staging,
        stamp,
        cfg.province,
        schema=cfg.publish["schema"],
        synthetic=cfg.synthetic,
        privacy=cfg.privacy,
        keep_runs=cfg.keep_runs,
    )
    timings["postgis"] = round(time.perf_counter() - t0, 3)
    say(f"published into PostGIS {describe(cfg.publish['postgis'], cfg.publish['schema'])}: {rows}")


def _prepare_data(
    config: ReportConfig, out: Path, say: Callable[[str], None], timings: dict[str, float]
) -> tuple[ReportConfig, list[Path]]:
    """Generate the synthetic data when asked; return the config to run and input files."""
    if config.data != "synthetic":
        from hotspots.data.database import is_database_url
        from hotspots.report.inputs import looks_synthetic

        routes = [Path(config.routes)] if config.routes else []
        if is_database_url(config.data):
            return config, routes
        files = [Path(config.data)] + routes
        if not config.synthetic and looks_synthetic(config.data):
            say("the data come from the synthetic generator: outputs are marked SYNTHETIC")
            config = dataclasses.replace(config, synthetic=True)
        return config, files
    t0 = time.perf_counter()
    from hotspots.report.inputs import synthetic_files

    work = out / ".work"
    cases, routes = synthetic_files(work, config.province, config.years, config.seed)
    timings["synthetic_data"] = round(time.perf_counter() - t0, 3)
    say(f"synthetic data: {cases.parent} ({timings['synthetic_data']:.1f} s)")
    cfg = dataclasses.replace(
        config, data=str(cases), routes=str(routes) if routes else None, synthetic=True
    )
    return cfg, [cases] + ([routes] if routes else [])


def _run_notebooks(
    cfg: ReportConfig,
    plan: dict[str, dict],
    folder: Path,
    staging: Path,
    say: Callable[[str], None],
    timings: dict[str, float],
    progress: bool,
) -> dict[str, str]:
    from papermill.exceptions import PapermillExecutionError

    nb_out = staging / "notebooks"
    nb_out.mkdir()
    pages = {}
    total = len(cfg.notebooks)
    for i, name in enumerate(cfg.notebooks, 1):
        # the kernel runs in the staging folder: a relative output_dir stays valid after publishing
        params = cfg.notebook_parameters(name, ".")
        params = {k: v for k, v in params.items() if k in plan[name]}
        say(f"[{i}/{total}] {name} …")
        t0 = time.perf_counter()
        executed = nb_out / f"{name}.ipynb"
        try:
            _execute(
                folder / f"{name}.ipynb",
                executed,
                params,
                staging,
                progress,
                cfg.cell_timeout,
                say,
            )
        except PapermillExecutionError as exc:
            out = staging.parent
            failed = keep_failed(out, staging, staging.name.removeprefix(".staging-"))
            # papermill inserts one cell (injected parameters) after the parameters cell
            raise ReportRunError(
                f"notebook {name} failed at cell {exc.cell_index} (execution count "
                f"{exc.exec_count}): {exc.ename}: {exc.evalue}. The previous report is "
                f"unchanged; the executed notebook is {failed / 'notebooks' / executed.name}",
                notebook=name,
                cell=exc.cell_index,
                failed_dir=failed,
            ) from None
        except Exception as exc:
            out = staging.parent
            failed = keep_failed(out, staging, staging.name.removeprefix(".staging-"))
            raise ReportRunError(
                f"notebook {name} could not run ({type(exc).__name__}: {exc}). The previous "
                f"report is unchanged; the unfinished run is in {failed}",
                notebook=name,
                cell=None,
                failed_dir=failed,
            ) from exc
        html = notebook_to_html(executed, nb_out / f"{name}.html", lang=cfg.lang)
        pages[name] = html.relative_to(staging).as_posix()
        timings[name] = round(time.perf_counter() - t0, 3)
        say(f"[{i}/{total}] {name} done ({timings[name]:.1f} s)")
    return pages


def _execute(
    source: Path,
    executed: Path,
    params: dict[str, Any],
    cwd: Path,
    progress: bool,
    timeout: int,
    say: Callable[[str], None],
) -> None:
    """Run one notebook; retry once when the kernel itself failed (not a cell, not a timeout).

    A kernel can fail to start on a busy machine (ports, slow start); a second try is
    cheap. Errors raised by a cell and cell timeouts are never retried.
    """
    import papermill
    from nbclient.exceptions import CellTimeoutError
    from papermill.exceptions import PapermillExecutionError

    for attempt in (1, 2):
        try:
            papermill.execute_notebook(
                str(source),
                str(executed),
                parameters=params,
                kernel_name=KERNEL_NAME,
                cwd=str(cwd),
                progress_bar=progress and sys.stderr.isatty(),
                log_output=False,
                execution_timeout=timeout,
                report_mode=False,
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],  # no TCP warning
            )
            return
        except (PapermillExecutionError, CellTimeoutError):
            raise
        except Exception as exc:
            if attempt == 2:
                raise
            say(f"{source.stem}: the kernel failed ({type(exc).__name__}: {exc}); trying again")


def _privacy_check(cfg: ReportConfig, staging: Path, inputs: list[Path]) -> str:
    """Check every output of a shareable run; return what was checked."""
    if cfg.privacy != "shareable":
        return "restricted: not checked"
    import warnings

    from hotspots.data.database import is_database_url
    from hotspots.privacy import assert_shareable
    from hotspots.report.inputs import pii_values

    values = pii_values([*inputs, *([cfg.data] if is_database_url(cfg.data) else [])])
    checked = 0
    for f in sorted(staging.rglob("*")):
        if f.is_file() and f.suffix.lower() in (
            ".html",
            ".json",
            ".csv",
            ".gpkg",
            ".geojson",
            ".ipynb",
        ):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # pyogrio date parsing
                    assert_shareable(f, threshold=cfg.suppress_below, pii_values=values)
            except HotspotsError as exc:
                raise HotspotsError(
                    f"privacy check failed for {f.relative_to(staging)}: {exc}; nothing was "
                    "published"
                ) from None
            checked += 1
    return f"passed: {checked} files, {len(values)} PII strings searched"
