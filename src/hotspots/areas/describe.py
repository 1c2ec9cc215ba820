"""What a key area is made of: its score, its trend, the communes and roles it holds.

The score of an area (0–100) is a weighted mean of parts that each lie in 0–1::

    score = 100 · Σ_k w_k · part_k / Σ_k w_k
    part_cases   = cases / (largest cases among the areas)
    part_victims = victims / (largest victims among the areas)   [only if victims > 0 somewhere]
    part_z       = min(max(z_max, 0), 5) / 5                      [Gi* z of the hottest cell]
    part_trend   = TREND_WEIGHTS[trend]                           [only if trends were computed]

with default weights :data:`SCORE_WEIGHTS`; see ``docs/methods.md``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.areas.emerging import HOT_CATEGORIES
from hotspots.data.crs import WGS84, metric_crs
from hotspots.data.schema import ROLES

__all__ = [
    "SCORE_WEIGHTS",
    "TREND_WEIGHTS",
    "NOT_COMPUTED",
    "area_trend",
    "communes_touched",
    "roles_text",
    "score",
]

#: Default weights of the score's parts.
SCORE_WEIGHTS: dict[str, float] = {"cases": 0.4, "victims": 0.3, "z": 0.2, "trend": 0.1}
#: Weight of an area's emerging-hot-spot category in the score (growing spots count most).
TREND_WEIGHTS: dict[str, float] = {
    "new hot spot": 1.0,
    "consecutive hot spot": 1.0,
    "intensifying hot spot": 1.0,
    "persistent hot spot": 0.75,
    "sporadic hot spot": 0.5,
    "oscillating hot spot": 0.5,
    "diminishing hot spot": 0.25,
    "historical hot spot": 0.25,
}
#: ``trend`` value when the data have too few dated time steps for a trend.
NOT_COMPUTED = "not computed"
_Z_CAP = 5.0


def area_trend(cats: np.ndarray, counts: np.ndarray) -> str:
    """Hot-spot category of an area: the category holding most of its cases among its cells.

    Only hot-spot categories count; ties go to the category listed first in
    :data:`~hotspots.areas.emerging.HOT_CATEGORIES`; no hot-spot cell → ``"no pattern"``.
    """
    best, best_n = "no pattern", 0.0
    for cat in HOT_CATEGORIES:
        n = float(counts[cats == cat].sum()) + 1e-9 * float((cats == cat).sum())
        if n > best_n:
            best, best_n = cat, n
    return best


def communes_touched(polys_wgs: list[shapely.Geometry]) -> list[str]:
    """Names of the communes (approximate areas) each polygon overlaps, largest overlap first."""
    if not polys_wgs:
        return []
    try:
        from hotspots import geodata

        vietnam = shapely.box(*geodata.provinces().total_bounds)
        if not shapely.intersects(vietnam, shapely.box(*shapely.total_bounds(polys_wgs))):
            return [""] * len(polys_wgs)  # a city elsewhere: no commune names
        ca = geodata.commune_areas()
    except Exception:  # noqa: BLE001 - no bundled geography: no names
        return [""] * len(polys_wgs)
    crs_m = metric_crs(gpd.GeoSeries(polys_wgs, crs=WGS84))
    geoms = np.asarray(ca.geometry.values)
    tree = shapely.STRtree(geoms)
    out = []
    for poly in polys_wgs:
        hits = tree.query(poly, predicate="intersects")
        if hits.size == 0:
            out.append("")
            continue
        sub = gpd.GeoSeries(geoms[hits], crs=WGS84).to_crs(crs_m)
        pm = gpd.GeoSeries([poly], crs=WGS84).to_crs(crs_m).iloc[0]
        overlap = shapely.area(shapely.intersection(np.asarray(sub.values), pm))
        keep = overlap > 0
        names = ca["name"].to_numpy()[hits][keep]
        order = np.lexsort((names, -overlap[keep]))
        out.append(", ".join(dict.fromkeys(names[order].tolist())))
    return out


def roles_text(roles: pd.Series) -> str:
    """Cases per role, most first (ties in :data:`ROLES` order): ``"transit:12;exit:3"``."""
    counts = roles.astype(str).value_counts()
    order = {r: i for i, r in enumerate(ROLES)}
    items = sorted(counts.items(), key=lambda kv: (-kv[1], order.get(kv[0], 99), kv[0]))
    return ";".join(f"{r}:{n}" for r, n in items)


def score(table: pd.DataFrame, weights: dict[str, float], trends: bool) -> np.ndarray:
    """Score 0–100 of each area (module docstring); parts without data leave the mean."""
    parts: dict[str, np.ndarray] = {}
    mc = table["cases"].max()
    parts["cases"] = table["cases"].to_numpy(float) / mc if mc > 0 else np.zeros(len(table))
    mv = table["victims"].max()
    if mv > 0:
        parts["victims"] = table["victims"].to_numpy(float) / mv
    z = np.nan_to_num(table["z_max"].to_numpy(float), nan=0.0)
    parts["z"] = np.clip(z, 0.0, _Z_CAP) / _Z_CAP
    if trends:
        parts["trend"] = table["trend"].map(TREND_WEIGHTS).fillna(0.0).to_numpy(float)
    used = {k: float(weights.get(k, 0.0)) for k in parts}
    total = sum(used.values())
    if total <= 0:
        return np.zeros(len(table))
    return 100.0 * sum(used[k] * parts[k] for k in parts) / total
