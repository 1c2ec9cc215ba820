"""Cut a province's roads, places, police posts and border crossings from an OSM extract.

:func:`cut_roads` is an orchestration of named steps: resolve the area and its margin,
check that the extract covers it (file header), stream the extract once
(:mod:`hotspots.roads.osm`), split the ways into segments between junctions (so that
every line file reader, which joins lines at their end points, sees a routable
network), derive one-way, speed limits and speeds per vehicle, and write the layers.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots.data.crs import WGS84, metric_crs
from hotspots.errors import UnusableInputError
from hotspots.roads.osm import PLACE_CLASSES, OsmCut, header_box, read_extract
from hotspots.roads.speeds import VEHICLES, read_speeds, road_speeds

__all__ = ["cut_roads", "write_roads", "LAYERS", "ATTRIBUTION"]

#: Layers of the GeoPackage, in writing order (``roads`` first: the default layer).
LAYERS = ("roads", "places", "border_crossings", "police")
ATTRIBUTION = "© OpenStreetMap contributors (ODbL 1.0)"
#: Share of the area's bounding box the extract header must cover.
MIN_COVER = 0.95
_EARTH_R = 6_371_008.8


def cut_roads(
    extract: str | Path,
    province: str | None = None,
    area=None,
    margin_km: float = 10.0,
    speeds: str | Path | dict | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """Roads, places, border crossings and police posts of a province from an OSM extract.

    Parameters
    ----------
    extract
        National (or regional) ``.osm.pbf`` extract.
    province
        Vietnamese province (name or code, 2025 structure); or give ``area``.
    area
        Polygon file, GeoDataFrame or shapely polygon instead of a province.
    margin_km
        Also keep what lies within this distance beyond the border (roads that leave
        and re-enter, the approaches to border gates).
    speeds
        Speed table (from :func:`hotspots.roads.read_speeds`) or a CSV/YAML file
        overriding :data:`hotspots.roads.DEFAULT_SPEEDS`.

    Returns
    -------
    dict
        ``{layer: GeoDataFrame}`` for each of :data:`LAYERS` (EPSG:4326).

    Raises
    ------
    UnusableInputError
        When the extract is missing, not an OSM file, does not cover the area, or
        holds no road inside it.
    """
    extract = Path(extract)
    table = speeds if isinstance(speeds, dict) else read_speeds(speeds)
    label, zone = _study_zone(province, area, margin_km)
    _check_cover(extract, zone, label)
    cut = read_extract(extract, tuple(zone.bounds))
    roads = _roads(cut, table, zone)
    if len(roads) == 0:
        raise UnusableInputError(
            f"OSM extract {extract} has no road inside {label} (with a {margin_km:g} km "
            f"margin; {cut.n_ways_read} roads read in the whole file): give the extract "
            "of the country that contains it"
        )
    layers = {"roads": roads}
    layers.update(_point_layers(cut, zone))
    crossings = _road_border_crossings(roads, cut.borders, zone)
    if len(crossings):
        tagged = layers["border_crossings"]
        layers["border_crossings"] = gpd.GeoDataFrame(
            pd.concat([tagged, crossings], ignore_index=True), geometry="geometry", crs=WGS84
        )
    return layers


def _study_zone(province, area, margin_km: float) -> tuple[str, shapely.Geometry]:
    """A label for messages and the area polygon grown by ``margin_km`` (EPSG:4326)."""
    from hotspots.data.ingest import resolve_area

    if province is None and area is None:
        raise UnusableInputError("give --province P or --area FILE: the area to cut")
    if not margin_km >= 0:
        raise UnusableInputError(f"the margin must be >= 0 km, got {margin_km}")
    gdf = resolve_area(area, province)
    if province is not None:
        label = f"province {gdf['name'].iloc[0]}"
    else:
        label = f"area {Path(area).name}" if isinstance(area, str | Path) else "the given area"
    crs = metric_crs(gdf)
    zone = gdf.to_crs(crs).buffer(margin_km * 1000.0).to_crs(WGS84).iloc[0]
    return label, zone


def _check_cover(extract: Path, zone: shapely.Geometry, label: str) -> None:
    """Raise when the extract's header box misses most of the area (or the file is bad)."""
    box = header_box(extract)
    if box is None:  # no box in the header: judged by the roads found
        return
    w, s, e, n = zone.bounds
    inter = shapely.box(*box).intersection(shapely.box(w, s, e, n))
    share = inter.area / max(shapely.box(w, s, e, n).area, 1e-12)
    if share < MIN_COVER:
        raise UnusableInputError(
            f"OSM extract {extract} covers {share:.0%} of {label} (its header box is "
            f"{box[0]:.2f},{box[1]:.2f} to {box[2]:.2f},{box[3]:.2f}; the area needs "
            f"{w:.2f},{s:.2f} to {e:.2f},{n:.2f}): give the extract of the whole country "
            "(e.g. vietnam-latest.osm.pbf) or a smaller --margin-km"
        )


def _reverse_backward(ways: list[dict]) -> None:
    """Turn ``oneway=-1`` ways around, so that every one-way road runs u -> v."""
    for w in ways:
        if w["oneway"] in ("-1", "reverse"):
            for k in ("refs", "lon", "lat"):
                w[k] = w[k][::-1]


def _split_at_junctions(ways: list[dict]) -> pd.DataFrame:
    """Segments between junctions: one row per piece with the way index and positions.

    A node shared by two ways (or twice by one) ends a segment; so do way ends.
    """
    sizes = np.array([len(w["refs"]) for w in ways])
    offsets = np.r_[0, np.cumsum(sizes)[:-1]]
    refs = np.concatenate([w["refs"] for w in ways])
    _, inv, counts = np.unique(refs, return_inverse=True, return_counts=True)
    shared = counts[inv.ravel()] > 1
    rows = []
    for i, (off, n) in enumerate(zip(offsets, sizes, strict=True)):
        cuts = np.r_[0, np.flatnonzero(shared[off + 1 : off + n - 1]) + 1, n - 1]
        rows.extend((i, int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:], strict=True))
    return pd.DataFrame(rows, columns=["way", "start", "end"])


def _segment_lines(ways: list[dict], seg: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """LineStrings and geodesic lengths (metres, haversine) of the segments."""
    lon = np.concatenate([w["lon"] for w in ways])
    lat = np.concatenate([w["lat"] for w in ways])
    offsets = np.r_[0, np.cumsum([len(w["refs"]) for w in ways])[:-1]]
    first = offsets[seg["way"].to_numpy()] + seg["start"].to_numpy()
    npts = (seg["end"] - seg["start"]).to_numpy() + 1
    part = np.repeat(np.arange(len(seg)), npts)
    pos = np.repeat(first, npts) + (np.arange(npts.sum()) - np.repeat(np.cumsum(npts) - npts, npts))
    x, y = lon[pos], lat[pos]
    lines = shapely.linestrings(np.column_stack([x, y]), indices=part)
    p1, p2 = np.radians(y[:-1]), np.radians(y[1:])
    dl = np.radians(x[1:] - x[:-1])
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    d = 2 * _EARTH_R * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
    same = part[1:] == part[:-1]
    length = np.bincount(part[1:][same], weights=d[same], minlength=len(seg))
    return lines, length


def _maxspeed_kmh(values: pd.Series) -> np.ndarray:
    """Posted limit in km/h from OSM ``maxspeed`` ("50", "60 mph"); NaN otherwise."""
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values.astype(str)):
        m = re.match(r"\s*(\d+(?:\.\d+)?)\s*(mph)?", v)
        if m:
            out[i] = float(m.group(1)) * (1.609344 if m.group(2) else 1.0)
    return out


def _oneway(tags: pd.DataFrame) -> np.ndarray:
    """True where the road is one-way for vehicles (tagged, roundabouts, motorways)."""
    ow = tags["oneway"].astype(str).str.lower()
    implied = (tags["junction"] == "roundabout") | tags["highway"].isin(
        ["motorway", "motorway_link"]
    )
    return (ow.isin(["yes", "true", "1", "-1", "reverse"]) | (implied & (ow == ""))).to_numpy()


def _roads(cut: OsmCut, table: dict, zone: shapely.Geometry) -> gpd.GeoDataFrame:
    """The ``roads`` layer: segments touching ``zone`` with tags and speeds."""
    cols = ["osm_id", "highway", "name", "ref", "oneway", "maxspeed", "length_m", "u", "v"]
    cols += [f"speed_{v}" for v in VEHICLES] + ["speed_kmh"]
    if not cut.ways:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=WGS84)
    _reverse_backward(cut.ways)
    seg = _split_at_junctions(cut.ways)
    lines, length = _segment_lines(cut.ways, seg)
    keep = shapely.intersects(lines, zone)
    seg, lines, length = seg[keep], lines[keep], length[keep]
    tags = pd.DataFrame([{k: v for k, v in w.items() if isinstance(v, str)} for w in cut.ways])
    tags = tags.iloc[seg["way"].to_numpy()].reset_index(drop=True)
    way_ids = np.array([w["osm_id"] for w in cut.ways], dtype=np.int64)[seg["way"].to_numpy()]
    u = np.array([cut.ways[w]["refs"][a] for w, a in zip(seg["way"], seg["start"], strict=True)])
    v = np.array([cut.ways[w]["refs"][b] for w, b in zip(seg["way"], seg["end"], strict=True)])
    maxspeed = _maxspeed_kmh(tags["maxspeed"])
    access = {k: tags[k].to_numpy() for k in ("access", "motor_vehicle", "motorcar", "motorcycle")}
    access["foot"] = tags["foot"].to_numpy()
    sp = road_speeds(tags["highway"].to_numpy(), maxspeed, access, table)
    out = pd.DataFrame(
        {
            "osm_id": way_ids,
            "highway": tags["highway"],
            "name": tags["name"],
            "ref": tags["ref"],
            "oneway": _oneway(tags),
            "maxspeed": maxspeed,
            "length_m": np.round(length, 2),
            "u": u.astype(np.int64),
            "v": v.astype(np.int64),
            **{f"speed_{k}": sp[k] for k in VEHICLES},
        }
    )
    # the one speed that models reading only speed_kmh use: the car's; on roads closed
    # to cars (tracks, paths) the motorbike's, else walking pace, never a default speed
    out["speed_kmh"] = np.where(
        out["speed_car"] > 0,
        out["speed_car"],
        np.where(out["speed_motorbike"] > 0, out["speed_motorbike"], out["speed_foot"]),
    )
    usable = (out[[f"speed_{k}" for k in VEHICLES]] > 0).any(axis=1).to_numpy()
    gdf = gpd.GeoDataFrame(out, geometry=lines, crs=WGS84)
    return gdf[usable].reset_index(drop=True)


def _point_layers(cut: OsmCut, zone: shapely.Geometry) -> dict[str, gpd.GeoDataFrame]:
    """The ``places``, ``border_crossings`` and ``police`` layers (points in ``zone``)."""
    pts = pd.DataFrame(
        cut.points,
        columns=["osm_id", "osm_type", "name", "place", "population", "amenity", "barrier"]
        + ["lon", "lat"],
    )
    geom = shapely.points(pts["lon"].to_numpy(float), pts["lat"].to_numpy(float))
    inside = shapely.intersects(geom, zone) if len(pts) else np.zeros(0, bool)
    pts, geom = pts[inside].reset_index(drop=True), geom[inside]
    pts["population"] = pd.to_numeric(pts["population"], errors="coerce")
    selections = {
        "places": (pts["place"].isin(PLACE_CLASSES), ["name", "place", "population", "osm_id"]),
        "border_crossings": (pts["barrier"] == "border_control", ["name", "osm_id", "osm_type"]),
        "police": (pts["amenity"] == "police", ["name", "osm_id", "osm_type"]),
    }
    layers = {}
    for name, (mask, cols) in selections.items():
        m = mask.to_numpy(dtype=bool)
        layers[name] = gpd.GeoDataFrame(
            pts.loc[m, cols].reset_index(drop=True), geometry=list(geom[m]), crs=WGS84
        )
    bc = layers["border_crossings"]
    bc["source"] = "barrier=border_control"
    bc["highway"] = ""
    bc["ref"] = ""
    return layers


def _road_border_crossings(
    roads: gpd.GeoDataFrame, borders: list[np.ndarray], zone: shapely.Geometry
) -> gpd.GeoDataFrame:
    """Points where a kept road crosses a national boundary line of the extract.

    Only boundaries the extract tags (``boundary=administrative``, ``admin_level=2`` on
    the way); nothing is guessed from a coarser border line. One point per road way and
    place (the two segments meeting at a border node give one point).
    """
    cols = ["name", "osm_id", "osm_type", "source", "highway", "ref"]
    if not borders or len(roads) == 0:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=WGS84)
    border = shapely.union_all(shapely.linestrings(borders))
    hit = np.flatnonzero(shapely.intersects(roads.geometry.values, border))
    rows, pts = [], []
    for k in hit:
        road = roads.iloc[k]
        for part in shapely.get_parts(shapely.intersection(road.geometry, border)):
            pt = part if part.geom_type == "Point" else shapely.get_point(part, 0)
            label = road["ref"] or road["name"] or road["highway"]
            src = "road crosses the national boundary (admin_level=2)"
            rows.append([label, int(road["osm_id"]), "way", src, road["highway"], road["ref"]])
            pts.append(pt)
    out = gpd.GeoDataFrame(pd.DataFrame(rows, columns=cols), geometry=pts, crs=WGS84)
    key = np.round(shapely.get_coordinates(out.geometry.values), 6)
    out = out.assign(_x=key[:, 0], _y=key[:, 1]).drop_duplicates(["osm_id", "_x", "_y"])
    out = out[shapely.intersects(out.geometry.values, zone)]
    return out.drop(columns=["_x", "_y"]).reset_index(drop=True)


def write_roads(layers: dict[str, gpd.GeoDataFrame], out: str | Path) -> Path:
    """Write the layers to a GeoPackage, ``roads`` first, every layer even if empty.

    An existing file is replaced (its graph cache, now stale, is removed).
    """
    out = Path(out)
    if out.suffix.lower() != ".gpkg":
        raise UnusableInputError(f"--out {out}: the roads are written as a GeoPackage (.gpkg)")
    from hotspots.roads.graph import cache_path

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".part.gpkg")  # GDAL wants the .gpkg extension
    tmp.unlink(missing_ok=True)
    for name in LAYERS:
        gdf = layers[name]
        gtype = "LineString" if name == "roads" else "Point"
        gdf.to_file(
            tmp,
            layer=name,
            driver="GPKG",
            engine="pyogrio",
            geometry_type=gtype,
            layer_metadata={"DESCRIPTION": f"{name} from OpenStreetMap, {ATTRIBUTION}"},
        )
    cache_path(out).unlink(missing_ok=True)
    tmp.replace(out)
    return out
