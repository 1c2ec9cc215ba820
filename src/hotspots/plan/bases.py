"""Patrol bases and units.

Patrol bases default to the commune police posts (commune seats) and the border gates
of the province. A units file overrides them. A *unit* is one patrol team working from
a base; its table (:func:`read_units`, :func:`units_at`) has one row per unit with the
columns of :data:`hotspots.plan.units.UNIT_COLUMNS` (``unit``, ``base``, ``vehicle``,
``speed_kmh``, ``shift_start``, ``shift_hours``, ``days_off``, ``areas``, geometry).
The units file and its columns are described in :mod:`hotspots.plan.units`.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspots.data.crs import WGS84, metric_crs
from hotspots.errors import InputError
from hotspots.plan.units import read_units, read_units_file

__all__ = ["default_bases", "read_units", "read_units_file", "units_at", "nearest_bases"]


def default_bases(province: str) -> gpd.GeoDataFrame:
    """Return the commune police posts and border gates of ``province``.

    Parameters
    ----------
    province
        Province code or name (2025 structure), e.g. ``"Lào Cai"`` or ``"15"``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``base`` (display name), ``kind`` (``commune_post`` or ``border_gate``), geometry.
    """
    from hotspots import geodata

    code = geodata.province_code(province)
    seats = geodata.communes(province=code)
    gates = geodata.border_gates()
    gates = gates[gates["province_code"].astype(str) == str(code)]
    frames = [
        gpd.GeoDataFrame(
            {"base": "Công an " + seats["name"].astype(str), "kind": "commune_post"},
            geometry=seats.geometry.to_numpy(),
            crs=seats.crs,
        ),
        gpd.GeoDataFrame(
            {"base": "Cửa khẩu " + gates["name"].astype(str), "kind": "border_gate"},
            geometry=gates.geometry.to_numpy(),
            crs=gates.crs,
        ),
    ]
    out = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=seats.crs).to_crs(WGS84)


def units_at(
    bases: gpd.GeoDataFrame,
    per_base: int = 1,
    shift_hours: float | None = None,
    vehicle: str = "car",
) -> gpd.GeoDataFrame:
    """Return ``per_base`` units at each base, named ``"Tổ <k>"``.

    Every unit gets ``vehicle``, no days off, no own shift start and all areas; the
    columns are those of :data:`hotspots.plan.units.UNIT_COLUMNS`.
    """
    from hotspots.plan.units import UNIT_COLUMNS, parse_vehicle

    if per_base < 1:
        raise InputError(f"units per base must be >= 1, got {per_base}")
    veh = parse_vehicle(vehicle)
    rows = []
    for _, b in bases.iterrows():
        for _k in range(per_base):
            rows.append(
                {
                    "unit": f"Tổ {len(rows) + 1}",
                    "base": b["base"],
                    "vehicle": veh,
                    "speed_kmh": np.nan,
                    "shift_start": "",
                    "shift_hours": shift_hours if shift_hours is not None else np.nan,
                    "days_off": "",
                    "areas": "",
                    "geometry": b.geometry,
                }
            )
    return gpd.GeoDataFrame(
        rows, columns=list(UNIT_COLUMNS), geometry="geometry", crs=bases.crs or WGS84
    )


def nearest_bases(
    bases: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, max_bases: int = 10
) -> gpd.GeoDataFrame:
    """Return the bases nearest to the key areas, one per area, best areas first.

    The default set of bases for a plan: the base closest to each key area (in weight
    order, ``score`` else ``cases``), without repeats, at most ``max_bases``.
    """
    from hotspots.plan.checkpoints import flow_weights

    crs = metric_crs(areas)
    bm = bases.to_crs(crs).geometry
    am = areas.to_crs(crs).geometry.representative_point()
    order = np.argsort(-flow_weights(areas), kind="stable")
    chosen: list[int] = []
    for i in order:
        j = int(np.argmin(bm.distance(am.iloc[i]).to_numpy()))
        if j not in chosen:
            chosen.append(j)
        if len(chosen) >= max_bases:
            break
    return bases.iloc[chosen].reset_index(drop=True)
