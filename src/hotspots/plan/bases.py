"""Patrol bases and units.

Patrol bases default to the commune police posts (commune seats) and the border gates
of the province. A units file overrides them. A *unit* is one patrol team working from
a base; its table (:func:`read_units`, :func:`units_at`) has one row per unit:

``unit`` (str, the team's name), ``base`` (str), ``shift_hours`` (float, optional),
``geometry`` (Point of the base, EPSG:4326).

Units CSV: columns ``unit``, and either ``base`` (a name among the bases: commune
name or border gate) or ``lon``/``lat`` (or ``x``/``y``); optional ``count`` (that many
units at the base) and ``shift_hours``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from hotspots.data.crs import WGS84, metric_crs
from hotspots.errors import InputError, UnusableInputError

__all__ = ["default_bases", "read_units", "units_at", "nearest_bases"]


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
    bases: gpd.GeoDataFrame, per_base: int = 1, shift_hours: float | None = None
) -> gpd.GeoDataFrame:
    """Return ``per_base`` units at each base, named ``"Tổ <k> - <base>"``."""
    if per_base < 1:
        raise InputError(f"units per base must be >= 1, got {per_base}")
    rows = []
    for _, b in bases.iterrows():
        for _k in range(per_base):
            rows.append(
                {
                    "unit": f"Tổ {len(rows) + 1}",
                    "base": b["base"],
                    "shift_hours": shift_hours if shift_hours is not None else np.nan,
                    "geometry": b.geometry,
                }
            )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=bases.crs or WGS84)


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


def read_units(path: str | Path, bases: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Read a units file (CSV, or a point layer GeoPackage/GeoJSON).

    Parameters
    ----------
    path
        The file. CSV columns: ``unit``; ``base`` or ``lon``/``lat``; optional
        ``count`` and ``shift_hours``.
    bases
        Bases to look ``base`` names up in (required when rows give no coordinates).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per unit: ``unit``, ``base``, ``shift_hours``, geometry (EPSG:4326).
    """
    path = Path(path)
    if not path.exists():
        raise UnusableInputError(f"units file {path} does not exist")
    if path.suffix.lower() == ".csv":
        try:
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except Exception as exc:
            raise UnusableInputError(f"cannot read units file {path}: {exc}") from exc
        geoms = None
    else:
        try:
            gdf = gpd.read_file(path)
        except Exception as exc:
            raise UnusableInputError(f"cannot read units file {path}: {exc}") from exc
        gdf = gdf.set_crs(WGS84) if gdf.crs is None else gdf.to_crs(WGS84)
        geoms = list(gdf.geometry)
        df = pd.DataFrame(gdf.drop(columns="geometry")).astype(str)
    df.columns = [str(c).strip().lower() for c in df.columns]
    if len(df) == 0:
        raise UnusableInputError(f"units file {path} has no rows")
    lon_col = "lon" if "lon" in df else ("x" if "x" in df else None)
    lat_col = "lat" if "lat" in df else ("y" if "y" in df else None)
    rows = []
    for i, r in df.iterrows():
        line = i + 2  # header is line 1
        name = str(r.get("unit", "")).strip() or f"Tổ {i + 1}"
        base = str(r.get("base", "")).strip()
        geom = geoms[i] if geoms is not None else None
        if geom is None and lon_col and lat_col and str(r[lon_col]).strip():
            try:
                lon, lat = float(r[lon_col]), float(r[lat_col])
            except ValueError as exc:
                raise InputError(
                    f"{path.name} row {line}: columns {lon_col}/{lat_col} must be numbers "
                    f"(decimal degrees), got {r[lon_col]!r}/{r[lat_col]!r}"
                ) from exc
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise InputError(
                    f"{path.name} row {line}: lon/lat {lon}, {lat} out of range; give WGS84 "
                    "decimal degrees"
                )
            geom = Point(lon, lat)
        if geom is None:
            if not base:
                raise InputError(
                    f"{path.name} row {line}: give column 'base' (a commune or border gate "
                    "name) or 'lon'/'lat'"
                )
            geom = _lookup_base(base, bases, path.name, line)
        try:
            count = int(float(r.get("count", "") or 1))
        except ValueError as exc:
            raise InputError(
                f"{path.name} row {line}: column 'count' must be a whole number, "
                f"got {r.get('count')!r}"
            ) from exc
        sh = str(r.get("shift_hours", "")).strip()
        try:
            shift = float(sh) if sh else np.nan
        except ValueError as exc:
            raise InputError(
                f"{path.name} row {line}: column 'shift_hours' must be a number, got {sh!r}"
            ) from exc
        if count < 1 or (np.isfinite(shift) and not 0 < shift <= 24):
            raise InputError(
                f"{path.name} row {line}: 'count' must be >= 1 and 'shift_hours' in (0, 24]"
            )
        for k in range(count):
            rows.append(
                {
                    "unit": name if count == 1 else f"{name} ({k + 1})",
                    "base": base or name,
                    "shift_hours": shift,
                    "geometry": geom,
                }
            )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)


def _lookup_base(name: str, bases: gpd.GeoDataFrame | None, fname: str, line: int) -> Point:
    if bases is None or len(bases) == 0:
        raise InputError(
            f"{fname} row {line}: base {name!r} has no lon/lat and no bases to look up"
        )
    from hotspots.geodata import normalize_name

    key = normalize_name(name)
    names = bases["base"].astype(str)
    for prefix in ("", "Công an ", "Cửa khẩu "):
        hit = names.map(normalize_name) == normalize_name(prefix + name)
        if hit.any():
            return bases.geometry[hit.to_numpy()].iloc[0]
    hit = names.map(normalize_name).str.endswith(key)
    if hit.sum() == 1:
        return bases.geometry[hit.to_numpy()].iloc[0]
    close = ", ".join(names.head(5))
    raise InputError(
        f"{fname} row {line}: base {name!r} is not a commune or border gate of the province "
        f"(e.g. {close}); fix the name or give lon/lat"
    )
