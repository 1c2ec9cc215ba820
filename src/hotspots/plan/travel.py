"""Travel costs between places: along a road network, or straight line times circuity.

A :class:`TravelModel` turns points (EPSG:4326) into distance (metres) and time
(seconds) matrices and draws the path between two points. Two models:

* ``network``: a road network read from a local file (GeoPackage/GeoJSON/Shapefile
  lines, OSM XML, or GraphML as written by osmnx). Points are snapped to the nearest
  network node; the short access leg to the node is straight line times circuity.
  Times are those of the fastest path and distances the length of that same path.
  Pairs the network does not connect fall back to the straight-line model and are
  counted in ``describe()["fallback_pairs"]``.
* ``straight-line``: Euclidean distance in a metric CRS times a circuity factor
  (1.3 by default; mountain roads in northern Vietnam are often 1.4-1.6) at a given
  speed.

Every plan records ``TravelModel.describe()`` so that a reader knows which was used.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from pyproj import CRS, Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree
from shapely import wkt
from shapely.geometry import LineString, Point

from hotspots.data.crs import WGS84, metric_crs
from hotspots.errors import InputError, UnusableInputError

__all__ = [
    "TravelModel",
    "straight_line",
    "from_network",
    "read_network",
    "travel_model",
    "HIGHWAY_SPEEDS_KMH",
]

#: Default speeds (km/h) by OSM ``highway`` class when a line has no speed of its own.
#: Sources per Dijkstra batch, and shortest-path trees kept for drawing paths.
_CHUNK = 32
_PRED_CACHE = 512

HIGHWAY_SPEEDS_KMH = {
    "motorway": 80.0,
    "trunk": 60.0,
    "primary": 50.0,
    "secondary": 40.0,
    "tertiary": 35.0,
    "unclassified": 25.0,
    "residential": 20.0,
    "service": 15.0,
    "track": 15.0,
    "path": 5.0,
    "footway": 5.0,
}


@dataclass
class TravelModel:
    """Distances and times between points.

    Use :func:`straight_line`, :func:`from_network` or :func:`travel_model` to make one.

    Attributes
    ----------
    kind
        ``"straight-line"`` or ``"network"``.
    speed_kmh
        Speed of the straight-line model and of network lines without a speed.
    circuity
        Factor applied to straight-line distances (and network access legs).
    source
        File the network came from, if any.
    """

    kind: str
    speed_kmh: float = 40.0
    circuity: float = 1.3
    source: str | None = None
    crs: CRS | None = None
    _nodes: np.ndarray | None = field(default=None, repr=False)
    _graph: object | None = field(default=None, repr=False)
    _n_edges: int = 0
    _tree: cKDTree | None = field(default=None, repr=False)
    fallback_pairs: int = 0
    _pred_cache: dict = field(default_factory=dict, repr=False)

    def describe(self) -> dict:
        """Return a JSON-ready description of the model (recorded in every plan)."""
        d = {
            "model": self.kind,
            "speed_kmh": self.speed_kmh,
            "circuity": self.circuity,
            "source": self.source,
        }
        if self.kind == "network":
            d["nodes"] = 0 if self._nodes is None else len(self._nodes)
            d["edges"] = self._n_edges
            d["fallback_pairs"] = self.fallback_pairs
        return d

    # -- projection helpers -------------------------------------------------------
    def _metric(self, points: gpd.GeoSeries) -> np.ndarray:
        if self.crs is None:
            self.crs = metric_crs(points)
        p = points.to_crs(self.crs)
        return np.column_stack([p.x.to_numpy(), p.y.to_numpy()])

    def _straight(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        d = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])
        dist = d * self.circuity
        return dist, dist / (self.speed_kmh / 3.6)

    def matrix(
        self, points: gpd.GeoSeries | gpd.GeoDataFrame, to: gpd.GeoSeries | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(distance_m, time_s)`` matrices from ``points`` to ``to``.

        Parameters
        ----------
        points
            Points (any CRS; EPSG:4326 normally).
        to
            Destination points (default: ``points``).

        Returns
        -------
        tuple of numpy.ndarray
            Distances in metres and times in seconds, shape ``(len(points), len(to))``.
        """
        src = _points(points)
        dst = src if to is None else _points(to)
        a = self._metric(src)
        b = a if to is None else self._metric(dst)
        sd, st = self._straight(a, b)
        if self.kind != "network":
            return sd, st
        na, da = self._snap(a)
        nb, db = self._snap(b)
        speed = self.speed_kmh / 3.6
        uniq, inv = np.unique(na, return_inverse=True)
        # fastest paths; their lengths are traced back through the predecessors
        t_nodes = np.empty((len(uniq), len(nb)))
        d_nodes = np.empty((len(uniq), len(nb)))
        for lo in range(0, len(uniq), _CHUNK):  # bounded memory on large networks
            src = uniq[lo : lo + _CHUNK]
            t_full, pred = dijkstra(self._graph[0], indices=src, return_predecessors=True)
            t_nodes[lo : lo + _CHUNK] = t_full[:, nb]
            for r, s_node in enumerate(src):
                self._remember(int(s_node), pred[r])
                d_nodes[lo + r] = self._tree_lengths(int(s_node), pred[r])[nb]
        tt = t_nodes[inv] + (da[:, None] + db[None, :]) * self.circuity / speed
        dd = d_nodes[inv] + (da[:, None] + db[None, :]) * self.circuity
        bad = ~np.isfinite(tt)
        self.fallback_pairs = int(bad.sum())
        tt = np.where(bad, st, tt)
        dd = np.where(bad, sd, dd)
        if to is None:
            np.fill_diagonal(tt, 0.0)
            np.fill_diagonal(dd, 0.0)
        return dd, tt

    def _snap(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        d, i = self._tree.query(xy)
        return np.asarray(i, dtype=int), np.asarray(d, dtype=float)

    def _remember(self, source: int, pred: np.ndarray) -> None:
        cache = self._pred_cache
        cache[source] = pred.astype(np.int32)
        while len(cache) > _PRED_CACHE:
            cache.pop(next(iter(cache)))

    def _node_path(self, source: int, target: int) -> list[int] | None:
        if source not in self._pred_cache:
            _, pred = dijkstra(self._graph[0], indices=[source], return_predecessors=True)
            self._remember(source, pred[0])
        pred = self._pred_cache[source]
        if source != target and pred[target] < 0:
            return None
        out = [target]
        while out[-1] != source:
            out.append(int(pred[out[-1]]))
        return out[::-1]

    def _tree_lengths(self, source: int, pred: np.ndarray) -> np.ndarray:
        """Length (metres) of the fastest path from ``source`` to every node."""
        n = len(self._nodes)
        child = np.flatnonzero(pred >= 0)
        parent = pred[child]
        w = np.asarray(self._graph[1][parent, child]).ravel()
        tree = coo_matrix((w, (parent, child)), shape=(n, n)).tocsr()
        return dijkstra(tree, directed=True, indices=source)

    def path(self, a: Point, b: Point) -> LineString:
        """Return the travelled path from ``a`` to ``b`` (EPSG:4326).

        Straight segment for the straight-line model; the fastest network path (with
        the access legs) otherwise.
        """
        if self.kind != "network":
            return LineString([a, b])
        pts = gpd.GeoSeries([a, b], crs=WGS84)
        xy = self._metric(pts)
        (na, nb), _ = self._snap(xy)
        nodes = self._node_path(int(na), int(nb))
        if nodes is None:
            return LineString([a, b])
        coords = np.vstack([xy[:1], self._nodes[nodes], xy[1:]])
        to_wgs = Transformer.from_crs(self.crs, WGS84, always_xy=True)
        lon, lat = to_wgs.transform(coords[:, 0], coords[:, 1])
        return LineString(np.column_stack([lon, lat]))


def _points(points) -> gpd.GeoSeries:
    s = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
    if not isinstance(s, gpd.GeoSeries):
        s = gpd.GeoSeries(list(s), crs=WGS84)
    if s.crs is None:
        s = s.set_crs(WGS84)
    return s


def straight_line(speed_kmh: float = 40.0, circuity: float = 1.3) -> TravelModel:
    """Return the straight-line model: Euclidean metres times ``circuity`` at ``speed_kmh``."""
    if not speed_kmh > 0:
        raise InputError(f"speed must be > 0 km/h, got {speed_kmh}")
    if not circuity >= 1:
        raise InputError(f"circuity must be >= 1, got {circuity}")
    return TravelModel("straight-line", float(speed_kmh), float(circuity))


def read_network(path: str | Path) -> gpd.GeoDataFrame:
    """Read a road network file into road lines (EPSG:4326).

    Parameters
    ----------
    path
        GeoPackage, GeoJSON or Shapefile with LineStrings; OSM XML (``.osm``); or
        GraphML (``.graphml``, nodes with ``x``/``y`` in degrees as osmnx writes them).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``highway`` (may be missing), ``speed_kmh`` (may be NaN), geometry.
    """
    path = Path(path)
    if not path.exists():
        raise UnusableInputError(f"network file {path} does not exist")
    suffix = path.suffix.lower()
    if suffix == ".osm" or suffix == ".xml":
        lines = _read_osm_xml(path)
    elif suffix == ".graphml":
        lines = _read_graphml(path)
    else:
        try:
            lines = gpd.read_file(path)
        except Exception as exc:
            raise UnusableInputError(f"cannot read network file {path}: {exc}") from exc
        if not isinstance(lines, gpd.GeoDataFrame) or "geometry" not in lines:
            raise UnusableInputError(
                f"network file {path} has no geometry; give road lines as a GeoPackage, "
                "GeoJSON or Shapefile, an OSM XML (.osm) or a GraphML (.graphml) file"
            )
        if lines.crs is None:
            lines = lines.set_crs(WGS84)
        lines = lines.to_crs(WGS84)
        lines = lines.explode(index_parts=False)
        lines = lines[lines.geom_type == "LineString"]
    if len(lines) == 0:
        raise UnusableInputError(f"network file {path} has no road lines")
    if "speed_kmh" not in lines:
        lines["speed_kmh"] = np.nan
        if "maxspeed" in lines:
            lines["speed_kmh"] = pd.to_numeric(lines["maxspeed"], errors="coerce")
    return lines.reset_index(drop=True)


def _read_osm_xml(path: Path) -> gpd.GeoDataFrame:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise UnusableInputError(f"{path} is not valid OSM XML: {exc}") from exc
    nodes = {n.get("id"): (float(n.get("lon")), float(n.get("lat"))) for n in root.iter("node")}
    rows = []
    for way in root.iter("way"):
        tags = {t.get("k"): t.get("v") for t in way.iter("tag")}
        if "highway" not in tags:
            continue
        coords = [nodes[nd.get("ref")] for nd in way.iter("nd") if nd.get("ref") in nodes]
        if len(coords) < 2:
            continue
        speed = pd.to_numeric(pd.Series([tags.get("maxspeed")]), errors="coerce").iloc[0]
        rows.append(
            {"highway": tags["highway"], "speed_kmh": speed, "geometry": LineString(coords)}
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)


def _read_graphml(path: Path) -> gpd.GeoDataFrame:
    try:
        g = nx.read_graphml(path)
    except Exception as exc:
        raise UnusableInputError(f"cannot read GraphML {path}: {exc}") from exc
    rows = []
    for u, v, data in g.edges(data=True):
        try:
            pu = (float(g.nodes[u]["x"]), float(g.nodes[u]["y"]))
            pv = (float(g.nodes[v]["x"]), float(g.nodes[v]["y"]))
        except KeyError as exc:
            raise UnusableInputError(
                f"GraphML {path}: node without 'x'/'y' coordinates (degrees expected)"
            ) from exc
        geom = wkt.loads(data["geometry"]) if "geometry" in data else LineString([pu, pv])
        speed = pd.to_numeric(
            pd.Series([data.get("speed_kph", data.get("maxspeed"))]), errors="coerce"
        ).iloc[0]
        rows.append({"highway": data.get("highway"), "speed_kmh": speed, "geometry": geom})
    # osmnx writes the graph's CRS (a projected graph has x/y in metres), as
    # hotspots.lines.network.RoadNetwork.from_graphml reads it
    crs = g.graph.get("crs", WGS84)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs).to_crs(WGS84)


def from_network(
    lines: gpd.GeoDataFrame | str | Path,
    speed_kmh: float = 40.0,
    circuity: float = 1.3,
    crs: CRS | str | None = None,
) -> TravelModel:
    """Build the network model from road lines or a network file.

    Parameters
    ----------
    lines
        Road lines (GeoDataFrame) or a path for :func:`read_network`.
    speed_kmh
        Speed of lines that have neither ``speed_kmh`` nor a known ``highway`` class.
    circuity
        Factor for the access legs and for pairs the network does not connect.
    crs
        Metric CRS (default: chosen from the network's extent).
    """
    model = straight_line(speed_kmh, circuity)
    source = None
    if not isinstance(lines, gpd.GeoDataFrame):
        source = str(lines)
        lines = read_network(lines)
    lines = lines if lines.crs is not None else lines.set_crs(WGS84)
    crs = CRS.from_user_input(crs) if crs is not None else metric_crs(lines)
    m = lines.to_crs(crs)
    speeds = np.full(len(m), float(speed_kmh))
    if "speed_kmh" in m:
        s = pd.to_numeric(m["speed_kmh"], errors="coerce").to_numpy(dtype=float)
        speeds = np.where(np.isfinite(s) & (s > 0), s, speeds)
    if "highway" in m:
        hw = m["highway"].astype(str).map(HIGHWAY_SPEEDS_KMH).to_numpy(dtype=float)
        has_own = "speed_kmh" in m and np.isfinite(
            pd.to_numeric(m["speed_kmh"], errors="coerce").to_numpy(dtype=float)
        )
        speeds = np.where(~np.asarray(has_own) & np.isfinite(hw), hw, speeds)
    key_to_id: dict[tuple[float, float], int] = {}
    coords_list: list[tuple[float, float]] = []
    us, vs, lens, times = [], [], [], []
    for geom, sp in zip(m.geometry, speeds, strict=True):
        if geom is None or geom.is_empty:
            continue
        parts = getattr(geom, "geoms", [geom])
        for part in parts:
            c = np.asarray(part.coords)[:, :2]
            ids = []
            for x, y in c:
                k = (round(x, 1), round(y, 1))  # 10 cm snapping joins shared vertices
                if k not in key_to_id:
                    key_to_id[k] = len(coords_list)
                    coords_list.append(k)
                ids.append(key_to_id[k])
            seg = np.hypot(np.diff(c[:, 0]), np.diff(c[:, 1]))
            for a, b, s in zip(ids[:-1], ids[1:], seg, strict=True):
                if a != b:
                    us.append(a)
                    vs.append(b)
                    lens.append(s)
                    times.append(s / (sp / 3.6))
    if not us:
        raise UnusableInputError("the road network has no usable line segments")
    nodes = np.asarray(coords_list, dtype=float)
    n = len(nodes)
    u = np.asarray(us + vs)
    v = np.asarray(vs + us)
    tw = np.asarray(times + times)
    lw = np.asarray(lens + lens)
    # parallel segments: keep the shortest (coo -> csr would sum them)
    g_time = _min_csr(u, v, tw, n)
    g_len = _min_csr(u, v, lw, n)
    model.kind = "network"
    model.source = source
    model.crs = crs
    model._nodes = nodes
    model._graph = (g_time, g_len)
    model._n_edges = len(us)
    model._tree = cKDTree(nodes)
    return model


def _min_csr(u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int):
    df = pd.DataFrame({"u": u, "v": v, "w": w}).groupby(["u", "v"], as_index=False)["w"].min()
    return coo_matrix((df["w"].to_numpy(), (df["u"], df["v"])), shape=(n, n)).tocsr()


def travel_model(
    network: str | Path | gpd.GeoDataFrame | None = None,
    speed_kmh: float = 40.0,
    circuity: float = 1.3,
) -> TravelModel:
    """Return the network model when ``network`` is given, else the straight-line one."""
    if network is None:
        return straight_line(speed_kmh, circuity)
    return from_network(network, speed_kmh=speed_kmh, circuity=circuity)
