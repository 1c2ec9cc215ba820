"""Travel speeds per OSM road class and vehicle (car, motorbike, foot).

The defaults are typical travel speeds in Vietnam, not legal limits: the limits of
Circular 38/2024/TT-BGTVT (outside built-up areas at most 90 km/h for cars and 70 km/h
for motorbikes on divided roads, 80 and 60 on undivided ones; 60 and 50 inside
built-up areas; expressways closed to motorbikes and pedestrians) are upper bounds that
mixed traffic on two-lane national roads seldom reaches. See docs/roads.md for the
reasoning per class. A speed of 0 means the vehicle may not use that class.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hotspots.errors import UnusableInputError

__all__ = ["VEHICLES", "DEFAULT_SPEEDS", "read_speeds", "road_speeds"]

#: Vehicles with a speed column (``speed_<vehicle>``) and a graph of their own.
VEHICLES = ("car", "motorbike", "foot")

#: km/h per ``highway`` class: (car, motorbike, foot); 0 = not allowed.
DEFAULT_SPEEDS: dict[str, tuple[float, float, float]] = {
    "motorway": (80.0, 0.0, 0.0),
    "motorway_link": (50.0, 0.0, 0.0),
    "trunk": (60.0, 50.0, 5.0),
    "trunk_link": (40.0, 35.0, 5.0),
    "primary": (50.0, 45.0, 5.0),
    "primary_link": (35.0, 30.0, 5.0),
    "secondary": (40.0, 40.0, 5.0),
    "secondary_link": (30.0, 30.0, 5.0),
    "tertiary": (35.0, 35.0, 5.0),
    "tertiary_link": (25.0, 25.0, 5.0),
    "unclassified": (25.0, 25.0, 5.0),
    "road": (25.0, 25.0, 5.0),
    "residential": (20.0, 20.0, 5.0),
    "living_street": (10.0, 10.0, 5.0),
    "service": (15.0, 15.0, 5.0),
    "track": (0.0, 15.0, 4.0),
    "path": (0.0, 10.0, 4.0),
}

_NO = {"no", "private", "agricultural", "forestry", "delivery"}


def read_speeds(path: str | Path | None = None) -> dict[str, tuple[float, float, float]]:
    """Return the speed table: the defaults, overridden by a CSV or YAML file.

    Parameters
    ----------
    path
        CSV with columns ``class,car,motorbike,foot`` (km/h), or YAML mapping a class
        to ``{car: .., motorbike: .., foot: ..}``. Classes not in the file keep their
        default; a vehicle left out of a row keeps its default; new classes are added.

    Raises
    ------
    UnusableInputError
        When the file cannot be read, lacks the ``class`` column, or a speed is not a
        number >= 0.
    """
    table = dict(DEFAULT_SPEEDS)
    if path is None:
        return table
    path = Path(path)
    rows = _speed_rows(path)
    for i, row in enumerate(rows, start=2):
        cls = str(row.get("class", "")).strip()
        if not cls:
            raise UnusableInputError(f"speeds file {path}, row {i}: the class is empty")
        base = list(table.get(cls, (0.0, 0.0, 0.0)))
        for k, veh in enumerate(VEHICLES):
            val = row.get(veh)
            if val is None or (isinstance(val, float) and np.isnan(val)) or val == "":
                continue
            num = pd.to_numeric(pd.Series([val]), errors="coerce").iloc[0]
            if not (np.isfinite(num) and num >= 0):
                raise UnusableInputError(
                    f"speeds file {path}, row {i} ({cls}): {veh} speed {val!r} is not a "
                    "number >= 0 (km/h; 0 = not allowed)"
                )
            base[k] = float(num)
        table[cls] = (base[0], base[1], base[2])
    return table


def _speed_rows(path: Path) -> list[dict]:
    """Rows ``{class, car, motorbike, foot}`` of a CSV or YAML speeds file."""
    if not path.exists():
        raise UnusableInputError(f"speeds file {path} does not exist")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise UnusableInputError(f"speeds file {path} is not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise UnusableInputError(
                f"speeds file {path}: expected a mapping class -> {{car, motorbike, foot}}"
            )
        return [{"class": k, **(v if isinstance(v, dict) else {})} for k, v in data.items()]
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:  # noqa: BLE001
        raise UnusableInputError(f"speeds file {path} cannot be read as CSV: {exc}") from None
    df.columns = [c.strip().lower() for c in df.columns]
    if "class" not in df.columns:
        raise UnusableInputError(
            f"speeds file {path} has no 'class' column; expected columns class,car,motorbike,foot"
        )
    return df.to_dict("records")


def road_speeds(
    highway: np.ndarray,
    maxspeed: np.ndarray,
    access: dict[str, np.ndarray],
    table: dict[str, tuple[float, float, float]],
) -> dict[str, np.ndarray]:
    """Speed (km/h) of every road for every vehicle.

    Parameters
    ----------
    highway
        OSM ``highway`` class of each road.
    maxspeed
        Posted limit (km/h, NaN if untagged); car and motorbike speeds are capped by it.
    access
        OSM access tags ``access``, ``motor_vehicle``, ``motorcar``, ``motorcycle``,
        ``foot`` per road (empty string if untagged); ``no``/``private``/... set the
        vehicle's speed to 0, a specific ``yes`` overrides a general ``no``.
    table
        Speed table from :func:`read_speeds`.

    Returns
    -------
    dict
        ``{vehicle: speeds}`` for each of :data:`VEHICLES`.
    """
    base = np.array([table.get(str(h), (0.0, 0.0, 0.0)) for h in highway], dtype=float)
    base = base.reshape(len(highway), 3)
    cap = np.where(np.isfinite(maxspeed) & (maxspeed > 0), maxspeed, np.inf)
    out = {}
    chains = {
        "car": ("access", "motor_vehicle", "motorcar"),
        "motorbike": ("access", "motor_vehicle", "motorcycle"),
        "foot": ("access", "foot"),
    }
    for k, veh in enumerate(VEHICLES):
        sp = base[:, k].copy()
        if veh != "foot":
            sp = np.minimum(sp, cap)
        allowed = np.ones(len(sp), dtype=bool)
        for tag in chains[veh]:  # the most specific tag decides
            val = access.get(tag)
            if val is None:
                continue
            allowed = np.where(np.isin(val, list(_NO)), False, allowed)
            allowed = np.where(np.isin(val, ["yes", "designated", "permissive"]), True, allowed)
        out[veh] = np.where(allowed, sp, 0.0)
    return out
