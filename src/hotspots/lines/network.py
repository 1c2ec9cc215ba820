"""Road network: legs routed over shortest paths, traversals counted per road segment.

A network is read from a local file only (never downloaded):

* GeoPackage / GeoJSON / Shapefile lines (:func:`read_network`): every LineString is
  one road segment between its end points; end points closer than ``precision`` metres
  are the same node (the file should be noded at junctions, as OSM-derived layers are);
* GraphML (networkx, including osmnx files: node ``x``/``y``, edge ``length`` and
  optional WKT ``geometry``);
* OSM XML (``.osm``): ways with a ``highway`` tag, one segment per pair of consecutive
  nodes.

Leg end points are snapped to the nearest node (k-d tree); shortest paths come from
``scipy.sparse.csgraph.dijkstra`` batched by source node. A leg whose ends are not
connected stays a straight line.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from scipy import sparse
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from hotspots.data.crs import WGS84, metric_crs
from hotspots.errors import InputError, UnusableInputError

__all__ = ["RoadNetwork", "read_network"]


@dataclass
class RoadNetwork:
    """An undirected road graph.

    Attributes
    ----------
    nodes
        (n, 2) node coordinates in ``crs``.
    u, v
        (m,) end node of each segment.
    geometry
        (m,) LineString of each segment, from node ``u`` to node ``v``.
    crs
        CRS of coordinates.
    """

    nodes: np.ndarray
    u: np.ndarray
    v: np.ndarray
    geometry: np.ndarray
    crs: CRS

    # ------------------------------------------------------------------ builders
    @classmethod
    def from_lines(cls, lines: gpd.GeoDataFrame | gpd.GeoSeries, precision: float = 1.0):
        """Build from line geometries; end points within ``precision`` m are one node."""
        geoms = lines.geometry if isinstance(lines, gpd.GeoDataFrame) else lines
        if geoms.crs is None:
            geoms = geoms.set_crs(WGS84)
        if len(geoms) == 0:
            raise UnusableInputError("the road network has no lines")
        crs = metric_crs(geoms)
        g = geoms.to_crs(crs).explode(index_parts=False)
        g = g[g.geom_type == "LineString"]
        g = g[~g.is_empty & (g.length > 0)]
        if len(g) == 0:
            raise UnusableInputError("the road network has no LineString with a length")
        arr = g.values
        ends = np.vstack(
            [
                shapely.get_coordinates(shapely.get_point(arr, 0)),
                shapely.get_coordinates(shapely.get_point(arr, -1)),
            ]
        )
        key = np.round(ends / precision).astype(np.int64)
        uniq, inv = np.unique(key, axis=0, return_inverse=True)
        inv = inv.ravel()
        nodes = np.zeros((len(uniq), 2))
        np.add.at(nodes, inv, ends)
        nodes /= np.bincount(inv, minlength=len(uniq))[:, None]
        m = len(arr)
        return cls(nodes, inv[:m], inv[m:], np.asarray(arr, dtype=object), CRS.from_user_input(crs))

    @classmethod
    def from_graphml(cls, path: str | Path):
        """Read a GraphML file (networkx / osmnx style: node x, y; edge length, geometry)."""
        import networkx as nx

        graph = nx.read_graphml(path)
        crs = CRS.from_user_input(graph.graph.get("crs", WGS84))
        names = list(graph.nodes)
        index = {n: k for k, n in enumerate(names)}
        try:
            xy = np.array([[float(graph.nodes[n]["x"]), float(graph.nodes[n]["y"])] for n in names])
        except KeyError as exc:
            raise UnusableInputError(
                f"GraphML {path}: every node needs x and y attributes (osmnx style)"
            ) from exc
        u, v, geoms = [], [], []
        for a, b, data in graph.edges(data=True):
            ia, ib = index[a], index[b]
            if "geometry" in data:
                line = shapely.from_wkt(data["geometry"])
                if shapely.Point(line.coords[0]).distance(shapely.Point(xy[ia])) > shapely.Point(
                    line.coords[-1]
                ).distance(shapely.Point(xy[ia])):
                    line = shapely.reverse(line)
            else:
                line = shapely.LineString([xy[ia], xy[ib]])
            u.append(ia)
            v.append(ib)
            geoms.append(line)
        if not geoms:
            raise UnusableInputError(f"GraphML {path}: no edges")
        net = cls(xy, np.array(u), np.array(v), np.array(geoms, dtype=object), crs)
        return net if crs.is_projected else net.to_crs(net._metric())

    @classmethod
    def from_osm(cls, path: str | Path):
        """Read an OSM XML file: ways tagged ``highway``, in WGS84."""
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as exc:
            raise UnusableInputError(f"OSM file {path} is not valid XML: {exc}") from exc
        coords = {
            n.get("id"): (float(n.get("lon")), float(n.get("lat"))) for n in root.iter("node")
        }
        ids: dict[str, int] = {}
        u, v = [], []
        for way in root.iter("way"):
            if not any(t.get("k") == "highway" for t in way.iter("tag")):
                continue
            refs = [nd.get("ref") for nd in way.iter("nd") if nd.get("ref") in coords]
            for a, b in zip(refs[:-1], refs[1:], strict=True):
                u.append(ids.setdefault(a, len(ids)))
                v.append(ids.setdefault(b, len(ids)))
        if not u:
            raise UnusableInputError(f"OSM file {path} has no way tagged highway")
        xy = np.array([coords[k] for k in ids])
        u, v = np.array(u), np.array(v)
        geoms = shapely.linestrings(np.stack([xy[u], xy[v]], axis=1))
        net = cls(xy, u, v, np.asarray(geoms, dtype=object), CRS.from_user_input(WGS84))
        return net.to_crs(net._metric())

    # ------------------------------------------------------------------ helpers
    def _metric(self) -> CRS:
        return metric_crs(gpd.GeoSeries(shapely.points(self.nodes), crs=self.crs))

    def to_crs(self, crs) -> RoadNetwork:
        """The same network in another CRS."""
        crs = CRS.from_user_input(crs)
        if crs == self.crs:
            return self
        nodes = shapely.get_coordinates(
            gpd.GeoSeries(shapely.points(self.nodes), crs=self.crs).to_crs(crs).values
        )
        geoms = gpd.GeoSeries(self.geometry, crs=self.crs).to_crs(crs).values
        return RoadNetwork(nodes, self.u, self.v, np.asarray(geoms, dtype=object), crs)

    @property
    def length(self) -> np.ndarray:
        """Length of each segment (units of ``crs``; metres when projected)."""
        return shapely.length(self.geometry.astype(object))

    def _graph(self) -> tuple[sparse.csr_matrix, dict[tuple[int, int], int]]:
        n = len(self.nodes)
        length = np.maximum(self.length, 1e-6)
        best: dict[tuple[int, int], int] = {}
        for k, (a, b) in enumerate(zip(self.u.tolist(), self.v.tolist(), strict=True)):
            if a == b:
                continue
            key = (min(a, b), max(a, b))
            if key not in best or length[k] < length[best[key]]:
                best[key] = k
        ks = np.fromiter(best.values(), dtype=np.intp, count=len(best))
        a, b = self.u[ks], self.v[ks]
        g = sparse.coo_matrix(
            (np.r_[length[ks], length[ks]], (np.r_[a, b], np.r_[b, a])), shape=(n, n)
        ).tocsr()
        return g, best

    # ------------------------------------------------------------------ routing
    def route_legs(
        self, start: np.ndarray, end: np.ndarray, batch: int = 256
    ) -> list[list[int] | None]:
        """Segment indices of the shortest path of every leg (``None``: not connected).

        ``start`` and ``end`` are (k, 2) coordinates in this network's CRS.
        """
        g, best = self._graph()
        tree = cKDTree(self.nodes)
        _, s = tree.query(np.asarray(start, float).reshape(-1, 2))
        _, e = tree.query(np.asarray(end, float).reshape(-1, 2))
        out: list[list[int] | None] = [None] * len(s)
        sources = np.unique(s)
        for a in range(0, len(sources), batch):
            src = sources[a : a + batch]
            _, pred = dijkstra(g, indices=src, return_predecessors=True)
            row = {int(x): k for k, x in enumerate(src)}
            for leg in np.flatnonzero(np.isin(s, src)):
                p = pred[row[int(s[leg])]]
                node, path = int(e[leg]), []
                if node == s[leg]:
                    out[leg] = []
                    continue
                while node != s[leg] and p[node] >= 0:
                    prev = int(p[node])
                    path.append(best[(min(prev, node), max(prev, node))])
                    node = prev
                out[leg] = path[::-1] if node == s[leg] else None
        return out

    def route_stops(
        self, xy: np.ndarray, route: np.ndarray, weight: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Replace every leg of every route by its road path.

        Parameters
        ----------
        xy
            (k, 2) stop coordinates (this network's CRS), routes contiguous.
        route
            (k,) route index of each stop.
        weight
            (k,) weight per stop (traversals are counted with the leg's start weight).

        Returns
        -------
        xy, route, stop_rows, traversals
            The densified stops, their route index, the input stop each comes from,
            and the (weighted) number of legs over each road segment.
        """
        xy = np.asarray(xy, float)
        route = np.asarray(route)
        w = np.ones(len(xy)) if weight is None else np.asarray(weight, float)
        same = np.flatnonzero(route[1:] == route[:-1])
        paths = self.route_legs(xy[same], xy[same + 1])
        counts = np.zeros(len(self.u))
        leg_of = dict(zip(same.tolist(), range(len(same)), strict=True))
        out_xy, out_r, out_rows = [], [], []
        for k in range(len(xy)):
            out_xy.append(xy[k : k + 1])
            out_r.append(route[k : k + 1])
            out_rows.append([k])
            if k not in leg_of:
                continue
            path = paths[leg_of[k]]
            if not path:
                continue
            np.add.at(counts, path, w[k])
            node = None
            pts = []
            for edge in path:
                c = shapely.get_coordinates(self.geometry[edge])
                a, b = self.u[edge], self.v[edge]
                if node is None:
                    d_a = np.hypot(*(self.nodes[a] - xy[k]))
                    d_b = np.hypot(*(self.nodes[b] - xy[k]))
                    node = a if d_a <= d_b else b
                if node == b:
                    c = c[::-1]
                    node = a
                else:
                    node = b
                pts.append(c if not pts else c[1:])  # shared node once
            pts = np.vstack(pts)
            out_xy.append(pts)
            out_r.append(np.full(len(pts), route[k]))
            out_rows.append([k] * len(pts))
        return (
            np.vstack(out_xy),
            np.concatenate(out_r),
            np.concatenate([np.asarray(x, dtype=np.intp) for x in out_rows]),
            counts,
        )

    def segments_gdf(self, traversals: np.ndarray, top: int | None = None) -> gpd.GeoDataFrame:
        """Road segments with at least one traversal, ranked by traversals."""
        used = np.flatnonzero(traversals > 0)
        gdf = gpd.GeoDataFrame(
            {
                "traversals": traversals[used],
                "length_m": self.length[used],
            },
            geometry=list(self.geometry[used]),
            crs=self.crs,
        )
        gdf = gdf.sort_values(["traversals", "length_m"], ascending=False, kind="stable")
        gdf = gdf.reset_index(drop=True)
        gdf.insert(0, "rank", np.arange(1, len(gdf) + 1))
        return gdf if top is None else gdf.head(top)


def read_network(path: str | Path, precision: float = 1.0, layer: str | None = None) -> RoadNetwork:
    """Read a road network from a local file.

    Parameters
    ----------
    path
        ``.gpkg``, ``.geojson``, ``.json`` or ``.shp`` lines; ``.graphml``; ``.osm`` /
        ``.xml`` (OSM XML).
    precision
        Line end points closer than this (metres) are one node (line files only).
    layer
        Layer of a GeoPackage (default: the first).

    Returns
    -------
    RoadNetwork
        In a metric CRS.
    """
    path = Path(path)
    if not path.exists():
        raise UnusableInputError(f"road network file {path} does not exist")
    ext = path.suffix.lower()
    if ext == ".graphml":
        return RoadNetwork.from_graphml(path)
    if ext in (".osm", ".xml"):
        return RoadNetwork.from_osm(path)
    if ext in (".gpkg", ".geojson", ".json", ".shp"):
        lines = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
        return RoadNetwork.from_lines(lines, precision=precision)
    raise InputError(
        f"road network {path}: use a GeoPackage/GeoJSON/Shapefile of lines, GraphML or OSM XML"
    )
