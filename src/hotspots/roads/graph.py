"""The routable graph of a roads GeoPackage, cached beside it.

``load_graph("roads.gpkg")`` reads the ``roads`` layer once, builds a :class:`RoadGraph`
(junction nodes, one edge per road segment, length and travel time per vehicle) and
saves it as ``roads.graph.npz`` next to the GeoPackage; later calls load the ``.npz``
(a fraction of a second even for a large province) as long as the GeoPackage is the
same file: the cache is keyed by its size, modification time and a SHA-256 of its
first 64 KiB, and is rebuilt when any of them changes.

API for other modules (e.g. :func:`hotspots.plan.travel.from_network`)::

    g = load_graph(path)              # RoadGraph
    g.nodes                           # (n, 2) lon, lat of the junctions (EPSG:4326)
    g.csr("motorbike")                # (n, n) scipy CSR of travel seconds, directed
    g.csr("car", weight="length")     # the same arcs weighted by metres
    tail, head, edge = g.arcs("car")  # the arcs; ``edge`` = row of the roads layer

Row ``k`` of the ``roads`` layer is edge ``k`` (``u[k] -> v[k]``, its geometry runs
from ``u`` to ``v``). One-way roads have one arc for car and motorbike, two on foot; a
vehicle with speed 0 on a road has no arc there.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from hotspots.errors import UnusableInputError
from hotspots.roads.speeds import DEFAULT_SPEEDS, VEHICLES

__all__ = ["RoadGraph", "load_graph", "cache_path", "CACHE_VERSION"]

CACHE_VERSION = 1
_HEAD_BYTES = 65536
_EARTH_R = 6_371_008.8


@dataclass
class RoadGraph:
    """Junction nodes and road segments with lengths and times per vehicle.

    Attributes
    ----------
    nodes
        (n, 2) longitude, latitude of each node.
    u, v
        (m,) node index at the start and end of each segment (row of the roads layer).
    length_m
        (m,) length in metres.
    time_s
        ``{vehicle: (m,) seconds}`` for car, motorbike and foot; ``inf`` where the
        vehicle may not go.
    oneway
        (m,) True where cars and motorbikes may only go from ``u`` to ``v``.
    source
        The GeoPackage it was read from.
    """

    nodes: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length_m: np.ndarray
    time_s: dict[str, np.ndarray]
    oneway: np.ndarray
    source: str = ""

    def arcs(self, vehicle: str = "car") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Directed arcs ``(tail, head, edge)`` that ``vehicle`` may drive."""
        if vehicle not in self.time_s:
            raise UnusableInputError(f"unknown vehicle {vehicle!r}; use one of {VEHICLES}")
        ok = np.isfinite(self.time_s[vehicle]) & (self.u != self.v)
        fwd = np.flatnonzero(ok)
        back = np.flatnonzero(ok & ((vehicle == "foot") | ~self.oneway))
        tail = np.r_[self.u[fwd], self.v[back]]
        head = np.r_[self.v[fwd], self.u[back]]
        return tail, head, np.r_[fwd, back]

    def csr(self, vehicle: str = "car", weight: str = "time") -> sparse.csr_matrix:
        """(n, n) directed adjacency weighted by ``time`` (s) or ``length`` (m).

        Parallel segments keep the smallest weight.
        """
        tail, head, edge = self.arcs(vehicle)
        w = self.time_s[vehicle][edge] if weight == "time" else self.length_m[edge]
        df = pd.DataFrame({"a": tail, "b": head, "w": np.maximum(w, 1e-6)})
        df = df.groupby(["a", "b"], as_index=False)["w"].min()
        n = len(self.nodes)
        return sparse.coo_matrix((df["w"], (df["a"], df["b"])), shape=(n, n)).tocsr()


def cache_path(gpkg: str | Path) -> Path:
    """Where the graph of ``gpkg`` is cached: ``NAME.graph.npz`` beside it."""
    gpkg = Path(gpkg)
    return gpkg.with_name(gpkg.stem + ".graph.npz")


def _cache_key(gpkg: Path) -> str:
    st = gpkg.stat()
    with gpkg.open("rb") as fh:
        head = hashlib.sha256(fh.read(_HEAD_BYTES)).hexdigest()
    return f"v{CACHE_VERSION}:{st.st_size}:{st.st_mtime_ns}:{head}"


def load_graph(path: str | Path) -> RoadGraph:
    """The :class:`RoadGraph` of a roads GeoPackage, from its cache when up to date.

    Parameters
    ----------
    path
        GeoPackage written by ``hotspots roads`` (or any line file with a ``roads``
        layer or a first layer of LineStrings; speeds per vehicle are then taken from
        the ``speed_<vehicle>`` columns, else ``speed_kmh`` for car and motorbike, else
        the defaults of the ``highway`` class).

    Raises
    ------
    UnusableInputError
        When the file is missing or holds no road line.
    """
    path = Path(path)
    if not path.is_file():
        raise UnusableInputError(f"road network file {path} does not exist")
    key = _cache_key(path)
    cached = _read_cache(cache_path(path), key)
    if cached is not None:
        cached.source = str(path)
        return cached
    graph = build_graph(path)
    _write_cache(cache_path(path), key, graph)
    return graph


def _read_cache(cp: Path, key: str) -> RoadGraph | None:
    """The cached graph if ``cp`` exists and was made for ``key``; None otherwise."""
    if not cp.is_file():
        return None
    try:
        with np.load(cp, allow_pickle=False) as z:
            if str(z["key"]) != key:
                return None
            times = {veh: z[f"time_{veh}"] for veh in VEHICLES}
            return RoadGraph(z["nodes"], z["u"], z["v"], z["length_m"], times, z["oneway"])
    except (OSError, ValueError, KeyError):  # unreadable or older cache: rebuild
        return None


def _write_cache(cp: Path, key: str, g: RoadGraph) -> None:
    """Save ``g`` atomically; a folder that cannot be written just means no cache."""
    tmp = cp.with_name(f"{cp.name}.{os.getpid()}.tmp.npz")
    try:
        np.savez(
            tmp,
            key=np.array(key),
            nodes=g.nodes,
            u=g.u,
            v=g.v,
            length_m=g.length_m,
            oneway=g.oneway,
            **{f"time_{veh}": g.time_s[veh] for veh in VEHICLES},
        )
        tmp.replace(cp)
    except OSError:
        tmp.unlink(missing_ok=True)


def _roads_layer(path: Path) -> gpd.GeoDataFrame:
    import pyogrio

    try:
        names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
        layer = "roads" if "roads" in names else None
        gdf = gpd.read_file(path, layer=layer)
    except Exception as exc:  # noqa: BLE001
        raise UnusableInputError(f"cannot read road network {path}: {exc}") from None
    gdf = gdf[gdf.geom_type == "LineString"] if "geometry" in gdf else gdf.iloc[:0]
    if len(gdf) == 0:
        raise UnusableInputError(f"road network {path} has no road line (LineString)")
    return gdf.to_crs("EPSG:4326") if gdf.crs is not None else gdf


def build_graph(path: str | Path) -> RoadGraph:
    """Build the graph from the roads layer (no cache): see :func:`load_graph`."""
    path = Path(path)
    gdf = _roads_layer(path).reset_index(drop=True)
    geoms = gdf.geometry.values
    start = shapely.get_coordinates(shapely.get_point(geoms, 0))
    end = shapely.get_coordinates(shapely.get_point(geoms, -1))
    if {"u", "v"} <= set(gdf.columns):
        keys = np.r_[gdf["u"].to_numpy(np.int64), gdf["v"].to_numpy(np.int64)]
    else:  # join lines whose ends agree to 1e-7 degree (about 1 cm)
        rounded = np.round(np.vstack([start, end]) * 1e7).astype(np.int64)
        _, keys = np.unique(rounded, axis=0, return_inverse=True)
    uniq, idx = np.unique(keys, return_index=True)
    nodes = np.vstack([start, end])[idx]
    inv = np.searchsorted(uniq, keys)
    m = len(gdf)
    if "length_m" in gdf:
        length = gdf["length_m"].to_numpy(float)
    else:
        length = _haversine_lengths(geoms)
    oneway = gdf["oneway"].astype(bool).to_numpy() if "oneway" in gdf else np.zeros(m, bool)
    times = {
        veh: np.where(s > 0, length / np.maximum(s, 1e-9) * 3.6, np.inf)
        for veh, s in _vehicle_speeds(gdf).items()
    }
    return RoadGraph(nodes, inv[:m], inv[m:], length, times, oneway, str(path))


def _vehicle_speeds(gdf: gpd.GeoDataFrame) -> dict[str, np.ndarray]:
    """km/h per vehicle from the speed columns, else from ``speed_kmh``/class defaults."""
    m = len(gdf)
    hw = gdf["highway"].astype(str) if "highway" in gdf else pd.Series([""] * m)
    out = {}
    for k, veh in enumerate(VEHICLES):
        col = f"speed_{veh}"
        if col in gdf:
            out[veh] = pd.to_numeric(gdf[col], errors="coerce").fillna(0).to_numpy(float)
            continue
        default = hw.map(lambda h, k=k: DEFAULT_SPEEDS.get(h, (40.0, 40.0, 5.0))[k])
        sp = default.to_numpy(float)
        if veh != "foot" and "speed_kmh" in gdf:
            own = pd.to_numeric(gdf["speed_kmh"], errors="coerce").to_numpy(float)
            sp = np.where(np.isfinite(own) & (own > 0), own, sp)
        out[veh] = sp
    return out


def _haversine_lengths(geoms: np.ndarray) -> np.ndarray:
    """Length in metres of each EPSG:4326 LineString (great circle between vertices)."""
    xy, part = shapely.get_coordinates(geoms, return_index=True)
    lon, lat = np.radians(xy[:, 0]), np.radians(xy[:, 1])
    h = (
        np.sin(np.diff(lat) / 2) ** 2
        + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(np.diff(lon) / 2) ** 2
    )
    d = 2 * _EARTH_R * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
    same = part[1:] == part[:-1]
    return np.bincount(part[1:][same], weights=d[same], minlength=len(geoms))
