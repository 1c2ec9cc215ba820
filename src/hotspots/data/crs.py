"""Coordinate reference systems: WGS84 storage, metric analysis.

Coordinates are stored in EPSG:4326 and analysed in metres. For Vietnam the metric CRS
is WGS84 / UTM zone 48N (west of 108°E) or 49N; elsewhere the UTM zone of the data's
centre. Never measure distance in degrees.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from pyproj import CRS

__all__ = ["WGS84", "metric_crs", "to_metric", "utm_crs_for", "vn2000_crs"]

WGS84 = "EPSG:4326"

# VN-2000 Helmert parameters (towgs84) used by the Vietnamese national standard.
_VN2000_TOWGS84 = (
    "-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,0.252906278"
)


def utm_crs_for(lon: float, lat: float) -> CRS:
    """Return the WGS84 UTM CRS whose zone contains ``(lon, lat)``."""
    zone = int(np.floor((lon + 180.0) / 6.0)) % 60 + 1
    epsg = (32600 if lat >= 0 else 32700) + zone
    return CRS.from_epsg(epsg)


def vn2000_crs(central_meridian: float | None = None, zone_width: int = 3) -> CRS:
    """Return a VN-2000 CRS.

    Parameters
    ----------
    central_meridian
        ``None`` for geographic VN-2000 (degrees); otherwise the central meridian of a
        transverse Mercator zone (for example 104.5 for Lào Cai's TM-3 zone, 105 for
        UTM 48, 111 for UTM 49).
    zone_width
        3 for the provincial TM-3 zones (scale factor 0.9999), 6 for UTM zones (0.9996).
    """
    if central_meridian is None:
        return CRS.from_proj4(f"+proj=longlat +ellps=WGS84 +towgs84={_VN2000_TOWGS84} +no_defs")
    k = 0.9999 if zone_width == 3 else 0.9996
    return CRS.from_proj4(
        f"+proj=tmerc +lat_0=0 +lon_0={central_meridian} +k={k} +x_0=500000 +y_0=0 "
        f"+ellps=WGS84 +towgs84={_VN2000_TOWGS84} +units=m +no_defs"
    )


def metric_crs(data: gpd.GeoDataFrame | gpd.GeoSeries) -> CRS:
    """Choose the metric CRS to analyse ``data`` in.

    A projected input CRS is kept as it is. A geographic one gets the WGS84 UTM zone of
    the data's centre (Vietnam: zone 48N or 49N).
    """
    crs = data.crs
    if crs is not None and CRS.from_user_input(crs).is_projected:
        return CRS.from_user_input(crs)
    d = data if crs is not None else data.set_crs(WGS84)
    minx, miny, maxx, maxy = d.to_crs(WGS84).total_bounds
    if not np.all(np.isfinite([minx, miny, maxx, maxy])):
        return CRS.from_epsg(32648)
    return utm_crs_for((minx + maxx) / 2.0, (miny + maxy) / 2.0)


def to_metric(
    data: gpd.GeoDataFrame | gpd.GeoSeries, crs: CRS | str | None = None
) -> gpd.GeoDataFrame | gpd.GeoSeries:
    """Return ``data`` projected to ``crs`` (default: :func:`metric_crs`)."""
    return data.to_crs(crs if crs is not None else metric_crs(data))
