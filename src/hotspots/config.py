"""Run parameters of a report, validated once and shared by the CLI, runner and notebooks.

A report is described by a small YAML file (see ``examples/report.yaml``)::

    data: synthetic            # or a path to the case records
    province: Lào Cai
    date_from: 2021-01-01
    lang: vi
    privacy: shareable
    out: /srv/hotspots/report

:func:`load_config` reads it, :func:`validate_config` checks a mapping. An unknown key
raises :class:`~hotspots.errors.ConfigError` listing the valid keys and the closest
match; a value of the wrong type or outside its allowed values raises a ConfigError
naming the key, the expected type and the value given. Nothing is executed before the
whole configuration has passed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from hotspots.errors import ConfigError

__all__ = [
    "NOTEBOOKS",
    "METHODS",
    "ReportConfig",
    "validate_config",
    "load_config",
    "closest",
    "next_monday",
    "plan_start_date",
]

#: The report's notebooks, in the order they run.
NOTEBOOKS = (
    "01_data_quality",
    "02_key_areas",
    "03_key_lines",
    "04_patrol_plan",
    "05_backtest",
    "06_program_kpis",
    "07_victim_support",
)

_LANGS = ("vi", "en")
#: Key-area methods (``hotspots.areas.key_areas.METHODS``).
METHODS = ("gistar", "kde", "hdbscan", "lisa")
_PRIVACY = ("shareable", "restricted")


@dataclasses.dataclass(frozen=True)
class ReportConfig:
    """Validated parameters of one report run.

    Attributes
    ----------
    data
        Path to the case records (CSV, XLSX, GeoJSON, GeoPackage, Shapefile) or
        ``"synthetic"`` for the bundled synthetic province.
    routes
        Optional path to a separate route table (one row per stop); ``None`` uses the
        routes read with the cases.
    province
        Province name or 2-digit code (2025 structure).
    area
        Optional smaller area inside the province (commune name or code).
    date_from, date_to
        Inclusive date window as ISO strings (``"2021-01-01"``); ``None`` = open.
    plan_start
        First day of the week's patrol plan (``"2026-12-07"``); ``None`` = the next
        Monday in Asia/Ho_Chi_Minh when the report runs (:func:`plan_start_date`).
    methods
        Key-area methods to run and compare: ``gistar``, ``lisa``, ``kde``, ``hdbscan``
        (see :func:`hotspots.areas.key_areas.key_areas`); the first is the main one.
    cell_m
        Grid cell size in metres.
    lang
        Language of maps and report pages: ``"vi"`` or ``"en"``.
    privacy
        ``"shareable"`` (aggregates only, counts below ``suppress_below`` hidden) or
        ``"restricted"`` (analysts: case points allowed, no PII).
    suppress_below
        Counts below this value are suppressed in shareable outputs.
    out
        Folder of the published report; runs live in ``out/runs/<timestamp>`` and
        ``out/current`` points at the newest good one.
    keep_runs
        Number of published runs to keep.
    notebooks
        Notebook names to run, in order.
    notebooks_dir
        Folder holding the notebooks; ``None`` = the ``notebooks/`` folder of the project.
    notebook_params
        Extra parameters per notebook, ``{notebook: {parameter: value}}``; each is
        checked against the notebook's ``parameters`` cell before anything runs.
    seed
        Random seed (synthetic data, permutation tests, schedules).
    synthetic
        Whether the data are synthetic; forced to ``True`` when ``data`` is
        ``"synthetic"``. Every output then says so on its face.
    years
        Number of years of synthetic data to generate (only with ``data: synthetic``).
    cell_timeout
        Seconds a single notebook cell may run before the run fails.
    provinces
        National run: ``("all",)`` (the 34 provinces) or a list of provinces; each runs
        as one task on Dask (:func:`hotspots.report.national.run_national`) into
        ``out/<province>/``. Empty (default): the one ``province``.
    scheduler
        Dask scheduler address (``tcp://HOST:8786``) of an existing cluster for a
        national run; ``None`` = a ``LocalCluster`` sized to the machine.
    publish
        Also publish the results into PostGIS: ``{"postgis": URL, "schema": "hotspots"}``
        (see :mod:`hotspots.report.postgis`); empty = files only. In YAML ``data`` may be
        ``{url: postgresql://user@host/db, table: cases}`` (or ``query:``); passwords
        come from ``PGPASSWORD`` or ``~/.pgpass``, never from the YAML.
    """

    data: str = "synthetic"
    routes: str | None = None
    province: str = "Lào Cai"
    area: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    plan_start: str | None = None
    methods: tuple[str, ...] = ("gistar", "kde")
    cell_m: float = 1000.0
    lang: str = "vi"
    privacy: str = "shareable"
    suppress_below: int = 3
    out: str = "report"
    keep_runs: int = 5
    notebooks: tuple[str, ...] = NOTEBOOKS
    notebooks_dir: str | None = None
    notebook_params: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)
    seed: int = 0
    synthetic: bool = False
    years: int = 5
    cell_timeout: int = 600
    publish: Mapping[str, str] = dataclasses.field(default_factory=dict)
    provinces: tuple[str, ...] = ()
    scheduler: str | None = None

    def replace(self, **changes: Any) -> ReportConfig:
        """Return a validated copy with ``changes`` applied."""
        merged = self.to_dict()
        merged.update(changes)
        return validate_config(merged)

    def to_dict(self) -> dict[str, Any]:
        """Return the parameters as plain JSON-able values."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Mapping):
                value = {k: dict(v) if isinstance(v, Mapping) else v for k, v in value.items()}
            out[f.name] = value
        return out

    def notebook_parameters(self, name: str, output_dir: str | Path) -> dict[str, Any]:
        """Return the parameters the runner passes to notebook ``name``."""
        params: dict[str, Any] = {
            "data_path": self.data,
            "routes_path": self.routes,
            "province": self.province,
            "area": self.area,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "plan_start": self.plan_start,
            "methods": list(self.methods),
            "cell_m": float(self.cell_m),
            "lang": self.lang,
            "privacy": self.privacy,
            "suppress_below": int(self.suppress_below),
            "output_dir": str(output_dir),
            "seed": int(self.seed),
            "synthetic": bool(self.synthetic),
        }
        params.update(self.notebook_params.get(name, {}))
        return params


# key -> (expected type description, checker/normaliser)
def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _str(key: str, v: Any, optional: bool = False) -> str | None:
    if v is None and optional:
        return None
    if not isinstance(v, str) or not v.strip():
        _type_error(key, "a non-empty string" + (" or null" if optional else ""), v)
    return v.strip()


def _date(key: str, v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, str):
        text = v.strip()
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError as exc:
            if len(text) == 10 and text[4] == "-" and text[7] == "-":
                raise ConfigError(
                    f"parameter '{key}': {text!r} is not a date of the calendar ({exc}); "
                    "write it YYYY-MM-DD, e.g. 2024-12-01"
                ) from None
    _type_error(key, "a date written YYYY-MM-DD or null", v)
    return None  # unreachable


def next_monday(today: dt.date | None = None) -> dt.date:
    """Return the Monday after ``today`` (default: today in Asia/Ho_Chi_Minh).

    On a Monday this is the Monday of the next week: a plan is made for the week ahead.
    """
    if today is None:
        from zoneinfo import ZoneInfo

        today = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    return today + dt.timedelta(days=7 - today.weekday())


def plan_start_date(plan_start: str | dt.date | None = None) -> dt.date:
    """First day of the weekly plan: ``plan_start`` if given, else :func:`next_monday`.

    Raises
    ------
    ConfigError
        When ``plan_start`` is not a date of the calendar.
    """
    if plan_start is None:
        return next_monday()
    return dt.date.fromisoformat(_date("plan_start", plan_start) or "")


def _int(key: str, v: Any, minimum: int) -> int:
    if not _is_int(v):
        _type_error(key, f"an integer >= {minimum}", v)
    if v < minimum:
        raise ConfigError(f"parameter '{key}': expected an integer >= {minimum}, got {v!r}")
    return int(v)


def _float(key: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        _type_error(key, "a number of metres > 0", v)
    if not v > 0:
        raise ConfigError(f"parameter '{key}': expected a number of metres > 0, got {v!r}")
    return float(v)


def _choice(key: str, v: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(v, str) or v not in choices:
        allowed = " or ".join(repr(c) for c in choices)
        raise ConfigError(f"parameter '{key}': expected {allowed}, got {v!r}")
    return v


def _str_list(key: str, v: Any) -> tuple[str, ...]:
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list | tuple) or not v or not all(isinstance(x, str) for x in v):
        _type_error(key, "a non-empty list of strings", v)
    return tuple(x.strip() for x in v)


def _methods(key: str, v: tuple[str, ...]) -> tuple[str, ...]:
    for m in v:
        if m not in METHODS:
            hint = closest(m, METHODS)
            did = f" Did you mean '{hint}'?" if hint else ""
            raise ConfigError(
                f"parameter '{key}': unknown method '{m}'.{did} Methods: {', '.join(METHODS)}"
            )
    return v


def _bool(key: str, v: Any) -> bool:
    if not isinstance(v, bool):
        _type_error(key, "true or false", v)
    return v


def _nb_params(key: str, v: Any) -> dict[str, dict[str, Any]]:
    if v is None:
        return {}
    if not isinstance(v, Mapping) or not all(
        isinstance(k, str) and isinstance(p, Mapping) and all(isinstance(n, str) for n in p)
        for k, p in v.items()
    ):
        _type_error(key, "a mapping {notebook: {parameter: value}}", v)
    return {k: dict(p) for k, p in v.items()}


def _no_password(key: str, url: str) -> str:
    from urllib.parse import urlsplit

    from hotspots.data.database import is_database_url, mask_url

    if not is_database_url(url):
        raise ConfigError(f"parameter '{key}': expected a postgresql://user@host:5432/db URL")
    if urlsplit(url).password is not None:
        raise ConfigError(
            f"parameter '{key}': {mask_url(url)} has a password; remove it and set PGPASSWORD "
            "or ~/.pgpass instead (passwords never go in the YAML)"
        )
    return url


def _data(key: str, v: Any) -> str:
    """``data``: a path, ``synthetic``, or ``{url: postgresql://..., table|query: ...}``."""
    if not isinstance(v, Mapping):
        s = _str(key, v)
        from hotspots.data.database import is_database_url

        return _no_password(key, s) if is_database_url(s) else s
    unknown = set(v) - {"url", "table", "query"}
    if unknown or "url" not in v or ("table" in v) == ("query" in v):
        raise ConfigError(
            f"parameter '{key}': expected {{url: postgresql://user@host:5432/db, table: NAME}} "
            f"or {{url: ..., query: SELECT ...}}, got keys {', '.join(map(str, v))}"
        )
    from hotspots.data.database import database_url

    url = _no_password(f"{key}.url", _str(f"{key}.url", v["url"]))
    return database_url(url, table=v.get("table"), query=v.get("query"))


def _provinces(key: str, v: Any) -> tuple[str, ...]:
    """``provinces``: ``all`` or a list of province names/codes (checked)."""
    if v in (None, "", [], ()):
        return ()
    if v == "all":
        return ("all",)
    from hotspots.geodata import province_code

    names = _str_list(key, [str(x) if _is_int(x) else x for x in v] if isinstance(v, list) else v)
    for name in names:
        try:
            province_code(name)
        except Exception as exc:  # noqa: BLE001 - any lookup failure is a wrong parameter
            raise ConfigError(f"parameter '{key}': {exc}") from None
    return names


def _publish(key: str, v: Any) -> dict[str, str]:
    """``publish``: ``{postgis: postgresql://..., schema: hotspots}`` or nothing."""
    if v is None or v == {}:
        return {}
    if not isinstance(v, Mapping) or "postgis" not in v or set(v) - {"postgis", "schema"}:
        raise ConfigError(
            f"parameter '{key}': expected {{postgis: postgresql://user@host:5432/db, "
            f"schema: hotspots}}, got {v!r}"
        )
    schema = _str(f"{key}.schema", v.get("schema", "hotspots"))
    if not schema.replace("_", "").isalnum() or not schema.isascii():
        raise ConfigError(f"parameter '{key}.schema': {schema!r} must be letters, digits, _")
    return {"postgis": _no_password(f"{key}.postgis", str(v["postgis"])), "schema": schema}


def _type_error(key: str, expected: str, value: Any) -> None:
    raise ConfigError(
        f"parameter '{key}': expected {expected}, got {value!r} ({type(value).__name__})"
    )


_CHECKS: dict[str, Any] = {
    "data": lambda k, v: _data(k, v),
    "routes": lambda k, v: _str(k, v, optional=True),
    "province": lambda k, v: _str(k, str(v) if _is_int(v) else v),
    "area": lambda k, v: _str(k, str(v) if _is_int(v) else v, optional=True),
    "date_from": _date,
    "date_to": _date,
    "plan_start": _date,
    "methods": lambda k, v: _methods(k, _str_list(k, v)),
    "cell_m": _float,
    "lang": lambda k, v: _choice(k, v, _LANGS),
    "privacy": lambda k, v: _choice(k, v, _PRIVACY),
    "suppress_below": lambda k, v: _int(k, v, 1),
    "out": lambda k, v: _str(k, v),
    "keep_runs": lambda k, v: _int(k, v, 1),
    "notebooks": _str_list,
    "notebooks_dir": lambda k, v: _str(k, v, optional=True),
    "notebook_params": _nb_params,
    "seed": lambda k, v: _int(k, v, 0),
    "synthetic": _bool,
    "years": lambda k, v: _int(k, v, 1),
    "cell_timeout": lambda k, v: _int(k, v, 1),
    "publish": lambda k, v: _publish(k, v),
    "provinces": lambda k, v: _provinces(k, v),
    "scheduler": lambda k, v: _str(k, v, optional=True),
}

assert set(_CHECKS) == {f.name for f in dataclasses.fields(ReportConfig)}


def closest(name: str, valid: list[str] | tuple[str, ...]) -> str | None:
    """Return the valid name closest to ``name``, or ``None`` when nothing is close."""
    found = difflib.get_close_matches(name, list(valid), n=1, cutoff=0.5)
    return found[0] if found else None


def validate_config(values: Mapping[str, Any] | None) -> ReportConfig:
    """Check a mapping of run parameters and return a :class:`ReportConfig`.

    Parameters
    ----------
    values
        Parameters as read from YAML or given on the command line; missing keys take
        their defaults.

    Returns
    -------
    ReportConfig

    Raises
    ------
    ConfigError
        For an unknown key (the message lists the valid keys and the closest match),
        a value of the wrong type (naming key, expected type and given value), or a
        date window that ends before it starts.
    """
    if values is None:
        values = {}
    if not isinstance(values, Mapping):
        raise ConfigError(
            f"the configuration must be a mapping of parameter: value, got {type(values).__name__}"
        )
    valid = sorted(_CHECKS)
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if not isinstance(key, str) or key not in _CHECKS:
            hint = closest(str(key), valid)
            did = f" Did you mean '{hint}'?" if hint else ""
            raise ConfigError(
                f"unknown parameter '{key}'.{did} Valid parameters: {', '.join(valid)}"
            )
        clean[key] = _CHECKS[key](key, value)
    if clean.get("data", ReportConfig.data) == "synthetic":
        clean["synthetic"] = True
    cfg = ReportConfig(**clean)
    if cfg.date_from and cfg.date_to and cfg.date_from > cfg.date_to:
        raise ConfigError(
            f"parameters 'date_from' ({cfg.date_from}) and 'date_to' ({cfg.date_to}): "
            "the window ends before it starts; swap them"
        )
    dupes = sorted({n for n in cfg.notebooks if cfg.notebooks.count(n) > 1})
    if dupes:
        raise ConfigError(f"parameter 'notebooks': listed twice: {', '.join(dupes)}")
    unknown_nb = [k for k in cfg.notebook_params if k not in cfg.notebooks]
    if unknown_nb:
        hint = closest(unknown_nb[0], cfg.notebooks)
        did = f" Did you mean '{hint}'?" if hint else ""
        raise ConfigError(
            f"parameter 'notebook_params': '{unknown_nb[0]}' is not a notebook of this run.{did} "
            f"Notebooks: {', '.join(cfg.notebooks)}"
        )
    return cfg


class _Loader(yaml.SafeLoader):
    """YAML's safe loader, but dates stay text.

    :func:`_date` checks them and names the key of an impossible one (``2024-13-01``)
    instead of PyYAML raising a ValueError.
    """


_Loader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)


def load_config(path: str | Path, **overrides: Any) -> ReportConfig:
    """Read a YAML configuration file and validate it.

    Parameters
    ----------
    path
        The YAML file.
    **overrides
        Values that replace those of the file (for example ``out`` from the command
        line); ``None`` values are ignored.

    Returns
    -------
    ReportConfig

    Raises
    ------
    ConfigError
        When the file cannot be read, is not YAML, or fails :func:`validate_config`.
        Relative paths in the file (``data``, ``routes``, ``out``, ``notebooks_dir``)
        are resolved against the file's folder.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the configuration file {path}: {exc.strerror}") from exc
    try:
        values = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from exc
    if values is None:
        values = {}
    if not isinstance(values, Mapping):
        raise ConfigError(f"{path}: expected a mapping of parameter: value at the top level")
    values = dict(values)
    values.update({k: v for k, v in overrides.items() if v is not None})
    base = path.resolve().parent
    for key in ("data", "routes", "out", "notebooks_dir"):
        v = values.get(key)
        if isinstance(v, str) and v != "synthetic" and "://" not in v and not Path(v).is_absolute():
            if key in overrides and overrides[key] is not None:
                continue  # command-line paths are relative to the working directory
            values[key] = str(base / v)
    return validate_config(values)
