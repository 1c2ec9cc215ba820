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
connected stays a straight line (and is counted, never hidden). Road names (``ref``,
else ``name``), ``highway`` class and a per-road ``circuity`` (roads drawn straight
between junctions) are kept per segment; :meth:`RoadNetwork.road_path` draws a line
along the roads through given points and names the roads it uses, in order.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from scipy import sparse
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from hotspots.data.crs import WGS84, metric_crs
from hotspots.errors import InputError, UnusableInputError

__all__ = ["RoadNetwork", "read_network", "road_names"]


def _label(ref, name) -> str:
    """A road's ``ref`` (QL4D), else its name, else ''."""
    for v in (ref, name):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            continue
        t = str(v).strip()
        if t and t.lower() not in ("nan", "none"):
            return t.split(";")[0].strip()
    return ""


def road_names(labels) -> list[str]:
    """Road labels in the order they are first used, blanks left out."""
    return [x for x in dict.fromkeys(str(s) for s in labels) if x and x != "nan"]


def _attrs(frame: pd.DataFrame | None, n: int) -> pd.DataFrame:
    """Per-segment ``label``, ``highway`` and ``circuity`` (>= 1) from road attributes."""
    frame = pd.DataFrame(index=range(n)) if frame is None else frame.reset_index(drop=True)
    refs = frame["ref"].to_numpy() if "ref" in frame else [None] * n
    names = frame["name"].to_numpy() if "name" in frame else [None] * n
    circ = (
        pd.to_numeric(frame["circuity"], errors="coerce").to_numpy(dtype=float)
        if "circuity" in frame
        else np.ones(n)
    )
    return pd.DataFrame(
        {
            "label": [_label(r, m) for r, m in zip(refs, names, strict=True)],
            "highway": frame["highway"].astype(object).to_numpy() if "highway" in frame else None,
            "circuity": np.where(np.isfinite(circ) & (circ >= 1.0), circ, 1.0),
        }
    )


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
    attrs
        (m,) rows: ``label`` (ref, else name, else ''), ``highway``, ``circuity``.
    """

    nodes: np.ndarray
    u: np.ndarray
    v: np.ndarray
    geometry: np.ndarray
    crs: CRS
    attrs: pd.DataFrame = field(default=None, repr=False)
    legs_routed: int = field(default=0, repr=False)
    legs_not_connected: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        if self.attrs is None or len(self.attrs) != len(self.u):
            self.attrs = _attrs(None, len(self.u))

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
        g = geoms.reset_index(drop=True).to_crs(crs).explode(index_parts=False)
        g = g[g.geom_type == "LineString"]
        g = g[~g.is_empty & (g.length > 0)]
        if len(g) == 0:
            raise UnusableInputError("the road network has no LineString with a length")
        table = lines.reset_index(drop=True) if isinstance(lines, gpd.GeoDataFrame) else None
        attrs = _attrs(None if table is None else table.iloc[g.index.to_numpy()], len(g))
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
        geom = np.asarray(arr, dtype=object)
        return cls(nodes, inv[:m], inv[m:], geom, CRS.from_user_input(crs), attrs)

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
        u, v, geoms, tags = [], [], [], []
        for a, b, data in graph.edges(data=True):
            tags.append({k: data.get(k) for k in ("highway", "name", "ref", "circuity")})
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
        attrs = _attrs(pd.DataFrame(tags), len(u))
        net = cls(xy, np.array(u), np.array(v), np.array(geoms, dtype=object), crs, attrs)
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
        u, v, tags = [], [], []
        for way in root.iter("way"):
            t = {x.get("k"): x.get("v") for x in way.iter("tag")}
            if "highway" not in t:
                continue
            refs = [nd.get("ref") for nd in way.iter("nd") if nd.get("ref") in coords]
            for a, b in zip(refs[:-1], refs[1:], strict=True):
                u.append(ids.setdefault(a, len(ids)))
                v.append(ids.setdefault(b, len(ids)))
                tags.append({k: t.get(k) for k in ("highway", "name", "ref")})
        if not u:
            raise UnusableInputError(f"OSM file {path} has no way tagged highway")
        xy = np.array([coords[k] for k in ids])
        u, v = np.array(u), np.array(v)
        geoms = shapely.linestrings(np.stack([xy[u], xy[v]], axis=1))
        attrs = _attrs(pd.DataFrame(tags), len(u))
        net = cls(xy, u, v, np.asarray(geoms, dtype=object), CRS.from_user_input(WGS84), attrs)
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
        return RoadNetwork(nodes, self.u, self.v, np.asarray(geoms, dtype=object), crs, self.attrs)

    @property
    def length(self) -> np.ndarray:
        """Length of each segment (units of ``crs``; metres when projected)."""
        return shapely.length(self.geometry.astype(object))

    @property
    def cost(self) -> np.ndarray:
        """Routing length of each segment: its length times its ``circuity``."""
        return self.length * self.attrs["circuity"].to_numpy(dtype=float)

    def _graph(self) -> tuple[sparse.csr_matrix, dict[tuple[int, int], int]]:
        n = len(self.nodes)
        length = np.maximum(self.cost, 1e-6)
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

    def _chain(self, path: list[int], start: np.ndarray) -> np.ndarray:
        """Coordinates along the segments ``path``, from the end nearest ``start``."""
        node = None
        pts = []
        for edge in path:
            c = shapely.get_coordinates(self.geometry[edge])
            a, b = self.u[edge], self.v[edge]
            if node is None:
                d_a = np.hypot(*(self.nodes[a] - start))
                d_b = np.hypot(*(self.nodes[b] - start))
                node = a if d_a <= d_b else b
            if node == b:
                c = c[::-1]
                node = a
            else:
                node = b
            pts.append(c if not pts else c[1:])  # shared node once
        return np.vstack(pts)

    def road_path(self, xy: np.ndarray) -> tuple[shapely.LineString | None, list[int] | None]:
        """The road path through points ``xy`` (this CRS): shortest path between each pair.

        Back-and-forth steps (a segment driven and at once driven back, when a point
        snaps just past a junction) are dropped.

        Returns
        -------
        line, segments
            The path and its segment indices in order; ``(None, None)`` when two
            successive points are not connected, ``(None, [])`` when all snap to one node
            (the roads are far from the points).
        """
        xy = np.asarray(xy, float).reshape(-1, 2)
        legs = self.route_legs(xy[:-1], xy[1:])
        if any(leg is None for leg in legs):
            return None, None
        path: list[int] = []
        for leg in legs:
            for e in leg:
                if path and path[-1] == e:
                    path.pop()
                else:
                    path.append(e)
        if not path:
            return None, []
        first = self.nodes[self.u[path[0]]], self.nodes[self.v[path[0]]]
        if len(path) > 1:  # start from the end of the first segment not shared with the second
            shared = {self.u[path[1]], self.v[path[1]]}
            start = first[1] if self.u[path[0]] in shared else first[0]
        else:
            start = xy[0]
        return shapely.LineString(self._chain(path, start)), path

    def names(self, segments) -> list[str]:
        """Labels of the roads along ``segments`` (in order, each once)."""
        return road_names(self.attrs["label"].to_numpy()[np.asarray(segments, dtype=np.intp)])

    def route_stops(
        self,
        xy: np.ndarray,
        route: np.ndarray,
        weight: np.ndarray | None = None,
        volume: bool = False,
    ) -> tuple[np.ndarray, ...]:
        """Replace every leg of every route by its road path.

        Parameters
        ----------
        xy
            (k, 2) stop coordinates (this network's CRS), routes contiguous.
        route
            (k,) route index of each stop.
        weight
            (k,) weight per stop (traversals are counted with the leg's start weight).

        volume
            Also return the volume of each segment: the weight of the routes that use
            it, each route counted once however many of its legs pass.

        Legs whose ends the network does not join stay straight; their number is left
        in ``self.legs_not_connected`` (of ``self.legs_routed``).

        Returns
        -------
        xy, route, stop_rows, traversals[, volume]
            The densified stops, their route index, the input stop each comes from,
            the (weighted) number of legs over each road segment (and its volume).
        """
        xy = np.asarray(xy, float)
        route = np.asarray(route)
        w = np.ones(len(xy)) if weight is None else np.asarray(weight, float)
        same = np.flatnonzero(route[1:] == route[:-1])
        paths = self.route_legs(xy[same], xy[same + 1])
        self.legs_not_connected = sum(p is None for p in paths)
        self.legs_routed = len(paths)
        counts = np.zeros(len(self.u))
        used: dict[int, set[int]] = {}
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
            used.setdefault(int(route[k]), set()).update(path)
            pts = self._chain(path, xy[k])
            out_xy.append(pts)
            out_r.append(np.full(len(pts), route[k]))
            out_rows.append([k] * len(pts))
        out = (
            np.vstack(out_xy),
            np.concatenate(out_r),
            np.concatenate([np.asarray(x, dtype=np.intp) for x in out_rows]),
            counts,
        )
        if not volume:
            return out
        vol = np.zeros(len(self.u))
        first = pd.Series(w).groupby(route).first()  # a route's weight: its first stop's
        for r, edges in used.items():
            vol[list(edges)] += float(first.loc[r])
        return (*out, vol)

    def segments_gdf(
        self, traversals: np.ndarray, top: int | None = None, volume: np.ndarray | None = None
    ) -> gpd.GeoDataFrame:
        """Road segments with at least one traversal, ranked by volume then traversals.

        Columns ``rank``, ``segment`` (index in this network), ``road`` (ref, else
        name), ``highway``, ``volume`` (cases using the segment, each once; when given),
        ``traversals``, ``length_m``, geometry.
        """
        used = np.flatnonzero(traversals > 0)
        cols = {
            "segment": used,
            "road": self.attrs["label"].to_numpy()[used],
            "highway": self.attrs["highway"].to_numpy()[used],
        }
        if volume is not None:
            cols["volume"] = volume[used]
        cols |= {"traversals": traversals[used], "length_m": self.length[used]}
        gdf = gpd.GeoDataFrame(cols, geometry=list(self.geometry[used]), crs=self.crs)
        keys = ["volume"] if volume is not None else []
        keys += ["traversals", "length_m"]
        gdf = gdf.sort_values(keys, ascending=False, kind="stable")
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
        if layer is None and ext == ".gpkg":  # `hotspots roads` writes layer roads + others
            import pyogrio

            names = [str(x) for x in pyogrio.list_layers(path)[:, 0]]
            layer = "roads" if "roads" in names else None
        try:
            lines = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
        except Exception as exc:
            raise UnusableInputError(f"cannot read road network {path}: {exc}") from exc
        return RoadNetwork.from_lines(lines, precision=precision)
    raise InputError(
        f"road network {path}: use a GeoPackage/GeoJSON/Shapefile of lines, GraphML or OSM XML"
    )
