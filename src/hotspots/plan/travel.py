"""Travel costs between places: along a road network by vehicle, or straight line.

A :class:`TravelModel` turns points (EPSG:4326) into distance (metres) and time
(seconds) matrices and draws the path between two points. Two models:

* ``network``: a road network read from a local file (GeoPackage/GeoJSON/Shapefile
  lines, OSM XML, or GraphML as written by osmnx). Points are snapped to the nearest
  network node the vehicle can use; the short access leg to the node is straight line
  times circuity. Times are those of the fastest path and distances the length of that
  same path. Speeds depend on the vehicle (``car``, ``motorbike``, ``foot``) and the
  road class (:data:`VEHICLE_SPEEDS_KMH`), one-way roads are driven one way, and a
  per-road ``circuity`` column stretches roads drawn straight between junctions.
* ``straight-line``: Euclidean distance in a metric CRS times a circuity factor
  (1.3 by default; mountain roads in northern Vietnam are often 1.4-1.6) at a given
  speed.

Pairs the network does not connect are never silently drawn straight: each leg carries
its model (:data:`LEG_NETWORK`, :data:`LEG_NOT_CONNECTED`, :data:`LEG_ACCESS`,
:data:`LEG_STRAIGHT`) and :meth:`TravelModel.table` warns (``HotspotsWarning``) naming
the places the network does not reach. Every plan records ``TravelModel.describe()``.
"""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree
from shapely import wkt
from shapely.geometry import LineString, Point

from hotspots.data.crs import WGS84, metric_crs
from hotspots.errors import HotspotsWarning, InputError, UnusableInputError
from hotspots.roads.speeds import DEFAULT_SPEEDS, VEHICLES

__all__ = [
    "TravelModel",
    "TravelTable",
    "Leg",
    "straight_line",
    "from_network",
    "read_network",
    "travel_model",
    "province_roads",
    "BUNDLED_ROADS",
    "road_label",
    "distinct_roads",
    "HIGHWAY_SPEEDS_KMH",
    "VEHICLES",
    "VEHICLE_SPEEDS_KMH",
    "VEHICLE_MAX_KMH",
    "LEG_NETWORK",
    "LEG_NOT_CONNECTED",
    "LEG_ACCESS",
    "LEG_STRAIGHT",
]

#: Sources per Dijkstra batch, and shortest-path trees kept for drawing paths.
_CHUNK = 32
_PRED_CACHE = 512

#: Default car speeds (km/h) by OSM ``highway`` class when a line has no speed of its own.
HIGHWAY_SPEEDS_KMH = {
    "motorway": 80.0,
    "trunk": 60.0,
    "primary": 50.0,
    "secondary": 40.0,
    "tertiary": 35.0,
    "unclassified": 25.0,
    "residential": 20.0,
    "living_street": 15.0,
    "road": 25.0,
    "service": 15.0,
    "track": 15.0,
    "path": 5.0,
    "footway": 5.0,
}

#: Default speeds (km/h) per vehicle and ``highway`` class: the table of ``hotspots
#: roads`` (:data:`hotspots.roads.speeds.DEFAULT_SPEEDS`, typical speeds in Vietnam; see
#: docs/roads.md), plus footways for walkers. 0 means closed to that vehicle:
#: motorbikes and walkers may not use expressways (cao tốc), cars not tracks and paths.
#: A ``*_link`` class missing here takes the speed of its road class.
VEHICLE_SPEEDS_KMH: dict[str, dict[str, float]] = {
    v: {cls: float(sp[i]) for cls, sp in DEFAULT_SPEEDS.items()} | {"footway": (0.0, 0.0, 5.0)[i]}
    for i, v in enumerate(VEHICLES)
}

#: Highest speed of a vehicle on roads of unknown class and in the straight-line model.
VEHICLE_MAX_KMH = {"car": float("inf"), "motorbike": 60.0, "foot": 5.0}

LEG_NETWORK = "network"
LEG_NOT_CONNECTED = "straight-line (not connected)"
LEG_ACCESS = "access leg"
LEG_STRAIGHT = "straight-line"


@dataclass
class TravelTable:
    """Travel matrices between points, with the model used for every leg.

    Attributes
    ----------
    distance_m, time_s
        ``(n, m)`` metres and seconds.
    leg_model
        ``(n, m)`` strings: :data:`LEG_NETWORK` (along roads), :data:`LEG_ACCESS`
        (the straight access to the road is longer than the road part, or both ends
        snap to the same node), :data:`LEG_NOT_CONNECTED` (the network does not join
        the two ends: straight line times circuity) or :data:`LEG_STRAIGHT`.
    unconnected
        Indices of the points (rows) the network does not join to the others.
    access_m
        Straight distance of every row point to its network node (0 without network).
    """

    distance_m: np.ndarray
    time_s: np.ndarray
    leg_model: np.ndarray
    unconnected: list[int] = field(default_factory=list)
    access_m: np.ndarray | None = None


@dataclass
class Leg:
    """One travelled leg: its path (EPSG:4326), the roads it uses and its model."""

    geometry: LineString
    roads: list[str]
    model: str


@dataclass
class _RoadData:
    """Road segments of a network model, shared by the models of every vehicle."""

    nodes: np.ndarray  # (n, 2) metric coordinates
    u: np.ndarray
    v: np.ndarray
    length: np.ndarray  # metres, times the segment's circuity
    row: np.ndarray  # source line of every segment
    lines: pd.DataFrame  # per source line: highway, speed columns, oneway, label


@dataclass
class _Graph:
    """One vehicle's routable graph."""

    time: object
    length: object
    row: object  # csr: source line + 1 of the (u, v) segment used
    active: np.ndarray  # nodes the vehicle can use
    tree: cKDTree
    component: np.ndarray  # weak component of every node


@dataclass
class TravelModel:
    """Distances and times between points, for one vehicle.

    Use :func:`straight_line`, :func:`from_network` or :func:`travel_model` to make one,
    and :meth:`for_vehicle` for the same roads driven by another vehicle.

    Attributes
    ----------
    kind
        ``"straight-line"`` or ``"network"``.
    speed_kmh
        Speed of the straight-line model and of network lines without a speed or class.
    circuity
        Factor applied to straight-line distances (and network access legs).
    source
        File the network came from, if any.
    vehicle
        ``"car"``, ``"motorbike"`` or ``"foot"``.
    speeds
        Overrides of :data:`VEHICLE_SPEEDS_KMH`: ``{vehicle: {highway class: km/h}}``.
    """

    kind: str
    speed_kmh: float = 40.0
    circuity: float = 1.3
    source: str | None = None
    crs: CRS | None = None
    vehicle: str = "car"
    speeds: dict = field(default_factory=dict)
    fallback_pairs: int = 0
    _roads: _RoadData | None = field(default=None, repr=False)
    _g: _Graph | None = field(default=None, repr=False)
    _pred_cache: dict = field(default_factory=dict, repr=False)
    _siblings: dict = field(default_factory=dict, repr=False)

    def describe(self) -> dict:
        """Return a JSON-ready description of the model (recorded in every plan)."""
        d = {
            "model": self.kind,
            "vehicle": self.vehicle,
            "speed_kmh": self.vehicle_speed_kmh,
            "circuity": self.circuity,
            "source": self.source,
        }
        if self.kind == "network":
            r = self._roads
            d["nodes"] = len(r.nodes)
            d["edges"] = int(len(r.u))
            d["speeds_kmh"] = self.class_speeds()
            d["oneway"] = bool((r.lines["oneway"] != 0).any()) and self.vehicle != "foot"
            d["edge_circuity"] = bool((r.lines["circuity"] != 1.0).any())
            d["fallback_pairs"] = self.fallback_pairs
        return d

    # -- vehicles --------------------------------------------------------------------
    @property
    def vehicle_speed_kmh(self) -> float:
        """Straight-line speed of this vehicle: ``speed_kmh`` capped by its maximum."""
        return float(min(self.speed_kmh, VEHICLE_MAX_KMH[self.vehicle]))

    def class_speeds(self) -> dict[str, float]:
        """Speed (km/h) per ``highway`` class for this vehicle, overrides applied."""
        out = dict(VEHICLE_SPEEDS_KMH[self.vehicle])
        out.update({k: float(v) for k, v in self.speeds.get(self.vehicle, {}).items()})
        return out

    def for_vehicle(self, vehicle: str, speeds: dict[str, float] | None = None) -> TravelModel:
        """The same roads (or straight line) travelled by ``vehicle``.

        Parameters
        ----------
        vehicle
            ``"car"``, ``"motorbike"`` or ``"foot"``.
        speeds
            Speed overrides for this vehicle, ``{highway class: km/h}`` (0 closes a
            class to the vehicle).

        Returns
        -------
        TravelModel
            Shares the road data with this model; built once per vehicle and speeds.
        """
        vehicle = _check_vehicle(vehicle)
        over = {k: dict(v) for k, v in self.speeds.items()}
        if speeds:
            over[vehicle] = {**over.get(vehicle, {}), **{k: float(x) for k, x in speeds.items()}}
        key = (vehicle, repr(sorted((k, sorted(v.items())) for k, v in over.items())))
        if vehicle == self.vehicle and over == self.speeds:
            return self
        if key not in self._siblings:
            self._siblings[key] = replace(
                self, vehicle=vehicle, speeds=over, fallback_pairs=0, _g=None,
                _pred_cache={}, _siblings=self._siblings,
            )  # fmt: skip
        return self._siblings[key]

    # -- projection helpers -------------------------------------------------------
    def _metric(self, points: gpd.GeoSeries) -> np.ndarray:
        if self.crs is None:
            self.crs = metric_crs(points)
        p = points.to_crs(self.crs)
        return np.column_stack([p.x.to_numpy(), p.y.to_numpy()])

    def _straight(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        d = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])
        dist = d * self.circuity
        return dist, dist / (self.vehicle_speed_kmh / 3.6)

    def matrix(
        self,
        points: gpd.GeoSeries | gpd.GeoDataFrame,
        to: gpd.GeoSeries | None = None,
        vehicle: str | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(distance_m, time_s)`` matrices from ``points`` to ``to``.

        Parameters
        ----------
        points
            Points (any CRS; EPSG:4326 normally).
        to
            Destination points (default: ``points``).
        vehicle
            Travel by this vehicle (default: the model's own, see :meth:`for_vehicle`).

        Returns
        -------
        tuple of numpy.ndarray
            Distances in metres and times in seconds, shape ``(len(points), len(to))``.
            See :meth:`table` for the model of every leg.
        """
        t = self.table(points, to, vehicle=vehicle)
        return t.distance_m, t.time_s

    def table(
        self,
        points: gpd.GeoSeries | gpd.GeoDataFrame,
        to: gpd.GeoSeries | None = None,
        vehicle: str | None = None,
        names: list[str] | None = None,
    ) -> TravelTable:
        """Distances, times and the model of every leg from ``points`` to ``to``.

        Parameters
        ----------
        points, to, vehicle
            As :meth:`matrix`.
        names
            A name per point of ``points`` (then ``to``), used in the warning.

        Warns
        -----
        HotspotsWarning
            When the network does not join some points to the others: names them
            (else gives their numbers); their legs are straight line times circuity
            and marked :data:`LEG_NOT_CONNECTED`.
        """
        if vehicle is not None and vehicle != self.vehicle:
            return self.for_vehicle(vehicle).table(points, to, names=names)
        src = _points(points)
        a = self._metric(src)
        b = a if to is None else self._metric(_points(to))
        sd, st = self._straight(a, b)
        if self.kind != "network":
            legs = np.full(sd.shape, LEG_STRAIGHT, dtype=object)
            return TravelTable(sd, st, legs, [], np.zeros(len(a)))
        g = self._graph()
        na, da = self._snap(a)
        nb, db = (na, da) if to is None else self._snap(b)
        t_nodes, d_nodes = self._node_matrices(na, nb)
        access = da[:, None] + db[None, :]
        speed = self.vehicle_speed_kmh / 3.6
        tt = t_nodes + access * self.circuity / speed
        dd = d_nodes + access * self.circuity
        bad = ~np.isfinite(tt)
        self.fallback_pairs = int(bad.sum())
        legs = np.where(access > d_nodes, LEG_ACCESS, LEG_NETWORK).astype(object)
        legs[bad] = LEG_NOT_CONNECTED
        tt = np.where(bad, st, tt)
        dd = np.where(bad, sd, dd)
        if to is None:
            np.fill_diagonal(tt, 0.0)
            np.fill_diagonal(dd, 0.0)
            np.fill_diagonal(legs, LEG_ACCESS)
        comp_a = g.component[na]
        comp_b = comp_a if to is None else g.component[nb]
        lost = _unconnected(comp_a, comp_b, bad)
        if bad.any():
            _warn_unconnected(lost, names, len(a), int(bad.sum()), self)
        return TravelTable(dd, tt, legs, lost, da)

    def _node_matrices(self, na: np.ndarray, nb: np.ndarray):
        """Fastest times between nodes and the lengths of those paths."""
        g = self._g
        uniq, inv = np.unique(na, return_inverse=True)
        t_nodes = np.empty((len(uniq), len(nb)))
        d_nodes = np.empty((len(uniq), len(nb)))
        for lo in range(0, len(uniq), _CHUNK):  # bounded memory on large networks
            src = uniq[lo : lo + _CHUNK]
            t_full, pred = dijkstra(g.time, indices=src, return_predecessors=True)
            t_nodes[lo : lo + _CHUNK] = t_full[:, nb]
            for r, s_node in enumerate(src):
                self._remember(int(s_node), pred[r])
                d_nodes[lo + r] = self._tree_lengths(int(s_node), pred[r])[nb]
        return t_nodes[inv], d_nodes[inv]

    def _graph(self) -> _Graph:
        if self._g is None:
            self._g = _vehicle_graph(self._roads, self._edge_speeds(), self.vehicle)
        return self._g

    def _edge_speeds(self) -> np.ndarray:
        """Speed (km/h) of every source line for this vehicle; 0 closes the line."""
        lines = self._roads.lines
        v = self.vehicle
        table = self.class_speeds()
        over = self.speeds.get(v, {})
        exact = lines["highway"].astype(str)
        hw = exact.map(table)
        hw = hw.where(hw.notna(), exact.str.replace("_link", "", regex=False).map(table))
        cls = hw.to_numpy(dtype=float)
        fallback = self.vehicle_speed_kmh
        own = lines["speed_kmh"].to_numpy(dtype=float)
        has_own = np.isfinite(own) & (own > 0)
        if v == "car":
            base = np.where(has_own, own, np.where(np.isfinite(cls), cls, fallback))
        else:
            base = np.where(np.isfinite(cls), cls, fallback)
            base = np.where(has_own, np.minimum(own, base), base)
        col = f"speed_{v}"
        own_v = lines[col].to_numpy(dtype=float) if col in lines else np.full(len(lines), np.nan)
        speed = np.where(np.isfinite(own_v), own_v, base)
        forced = exact.isin(list(over)).to_numpy()
        return np.where(forced, cls, speed)

    def _snap(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        g = self._graph()
        d, i = g.tree.query(xy)
        return g.active[np.asarray(i, dtype=int)], np.asarray(d, dtype=float)

    def _remember(self, source: int, pred: np.ndarray) -> None:
        cache = self._pred_cache
        cache[source] = pred.astype(np.int32)
        while len(cache) > _PRED_CACHE:
            cache.pop(next(iter(cache)))

    def _node_path(self, source: int, target: int) -> list[int] | None:
        if source not in self._pred_cache:
            _, pred = dijkstra(self._graph().time, indices=[source], return_predecessors=True)
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
        n = len(self._roads.nodes)
        child = np.flatnonzero(pred >= 0)
        parent = pred[child]
        w = np.asarray(self._g.length[parent, child]).ravel()
        tree = coo_matrix((w, (parent, child)), shape=(n, n)).tocsr()
        return dijkstra(tree, directed=True, indices=source)

    def path(self, a: Point, b: Point, vehicle: str | None = None) -> LineString:
        """Return the travelled path from ``a`` to ``b`` (EPSG:4326).

        Straight segment for the straight-line model and for ends the network does not
        connect (see :meth:`leg` for which); the fastest road path with the access legs
        otherwise.
        """
        return self.leg(a, b, vehicle).geometry

    def leg(self, a: Point, b: Point, vehicle: str | None = None) -> Leg:
        """The leg from ``a`` to ``b``: path (EPSG:4326), roads used in order, model."""
        if vehicle is not None and vehicle != self.vehicle:
            return self.for_vehicle(vehicle).leg(a, b)
        if self.kind != "network":
            return Leg(LineString([a, b]), [], LEG_STRAIGHT)
        pts = gpd.GeoSeries([a, b], crs=WGS84)
        xy = self._metric(pts)
        (na, nb), (da, db) = self._snap(xy)
        nodes = self._node_path(int(na), int(nb))
        if nodes is None:
            return Leg(LineString([a, b]), [], LEG_NOT_CONNECTED)
        r = self._roads
        coords = np.vstack([xy[:1], r.nodes[nodes], xy[1:]])
        to_wgs = Transformer.from_crs(self.crs, WGS84, always_xy=True)
        lon, lat = to_wgs.transform(coords[:, 0], coords[:, 1])
        if len(nodes) < 2:
            return Leg(LineString(np.column_stack([lon, lat])), [], LEG_ACCESS)
        ij = (np.asarray(nodes[:-1]), np.asarray(nodes[1:]))
        rows = np.asarray(self._g.row[ij]).ravel().astype(int) - 1
        on_road = float(np.asarray(self._g.length[ij]).sum())
        model = LEG_NETWORK if on_road >= da + db else LEG_ACCESS
        labels = r.lines["label"].to_numpy()[rows[rows >= 0]]
        return Leg(LineString(np.column_stack([lon, lat])), distinct_roads(labels), model)


def distinct_roads(labels) -> list[str]:
    """Road labels in order of first use, blanks left out."""
    return [x for x in dict.fromkeys(str(s) for s in labels) if x and x != "nan"]


def _unconnected(comp_a: np.ndarray, comp_b: np.ndarray, bad: np.ndarray) -> list[int]:
    """Rows outside the network component that holds most of the points.

    When every point is in one component (a one-way trap), the rows with most
    unreachable pairs.
    """
    if not bad.any():
        return []
    values, counts = np.unique(np.concatenate([comp_a, comp_b]), return_counts=True)
    main = values[np.argmax(counts)]
    lost = np.flatnonzero(comp_a != main)
    if len(lost):
        return [int(i) for i in lost]
    per_row = bad.sum(axis=1) + (bad.sum(axis=0) if bad.shape[0] == bad.shape[1] else 0)
    return [int(i) for i in np.flatnonzero(per_row == per_row.max())]


def _warn_unconnected(lost, names, n, pairs, model: TravelModel) -> None:
    label = [names[i] if names is not None and i < len(names) else f"#{i + 1}" for i in lost]
    shown = ", ".join(label[:12]) + (f" and {len(label) - 12} more" if len(label) > 12 else "")
    warnings.warn(
        f"the road network ({model.source or 'given lines'}, {model.vehicle}) does not "
        f"connect {len(lost)} of {n} places to the others: {shown}; {pairs} legs use the "
        f"straight line x {model.circuity:g} instead (leg_model '{LEG_NOT_CONNECTED}'). "
        "Add the missing roads to the network or check that it covers these places.",
        HotspotsWarning,
        stacklevel=3,
    )


def _check_vehicle(vehicle: str) -> str:
    v = str(vehicle).strip().lower()
    aliases = {"xe máy": "motorbike", "ô tô": "car", "đi bộ": "foot", "motorcycle": "motorbike"}
    v = aliases.get(v, v)
    if v not in VEHICLES:
        raise InputError(f"vehicle {vehicle!r}: use one of {', '.join(VEHICLES)}")
    return v


def _points(points) -> gpd.GeoSeries:
    s = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
    if not isinstance(s, gpd.GeoSeries):
        s = gpd.GeoSeries(list(s), crs=WGS84)
    if s.crs is None:
        s = s.set_crs(WGS84)
    return s


def straight_line(
    speed_kmh: float = 40.0, circuity: float = 1.3, vehicle: str = "car"
) -> TravelModel:
    """Return the straight-line model: Euclidean metres times ``circuity`` at ``speed_kmh``.

    The speed is capped by the vehicle's :data:`VEHICLE_MAX_KMH` (walkers go 5 km/h).
    """
    if not speed_kmh > 0:
        raise InputError(f"speed must be > 0 km/h, got {speed_kmh}")
    if not circuity >= 1:
        raise InputError(f"circuity must be >= 1, got {circuity}")
    return TravelModel(
        "straight-line", float(speed_kmh), float(circuity), vehicle=_check_vehicle(vehicle)
    )


#: Attribute columns kept from a road file (others are dropped).
ROAD_COLUMNS = (
    "highway", "name", "ref", "oneway", "speed_kmh", "speed_car", "speed_motorbike",
    "speed_foot", "circuity",
)  # fmt: skip


def road_label(ref, name) -> str:
    """How a road is named in tables: its ``ref`` (QL4D, ĐT155), else its name, else ''."""
    for v in (ref, name):
        if v is not None and not (isinstance(v, float) and np.isnan(v)):
            s = str(v).strip()
            if s and s.lower() not in ("nan", "none"):
                return s.split(";")[0].strip()
    return ""


def read_network(path: str | Path) -> gpd.GeoDataFrame:
    """Read a road network file into road lines (EPSG:4326).

    Parameters
    ----------
    path
        GeoPackage (layer ``roads`` when there is one, as ``hotspots roads`` writes),
        GeoJSON or Shapefile with LineStrings; OSM XML (``.osm``); or GraphML
        (``.graphml``, nodes with ``x``/``y`` as osmnx writes them).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns of :data:`ROAD_COLUMNS` found in the file (``highway``, ``name``,
        ``ref``, ``oneway``, ``speed_kmh`` (NaN when unknown), ``speed_car`` ...,
        ``circuity``), geometry.
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
        lines = _read_lines_file(path)
    if len(lines) == 0:
        raise UnusableInputError(f"network file {path} has no road lines")
    if "speed_kmh" not in lines:
        lines["speed_kmh"] = np.nan
        if "maxspeed" in lines:
            lines["speed_kmh"] = pd.to_numeric(lines["maxspeed"], errors="coerce")
    keep = [c for c in ROAD_COLUMNS if c in lines]
    return gpd.GeoDataFrame(lines[keep], geometry=lines.geometry.values, crs=WGS84).reset_index(
        drop=True
    )


def _read_lines_file(path: Path) -> gpd.GeoDataFrame:
    layer = None
    if path.suffix.lower() == ".gpkg":
        try:
            import pyogrio

            names = [str(x) for x in pyogrio.list_layers(path)[:, 0]]
        except Exception as exc:
            raise UnusableInputError(f"cannot read network file {path}: {exc}") from exc
        layer = "roads" if "roads" in names else None
    try:
        lines = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
    except Exception as exc:
        raise UnusableInputError(f"cannot read network file {path}: {exc}") from exc
    if not isinstance(lines, gpd.GeoDataFrame) or "geometry" not in lines:
        raise UnusableInputError(
            f"network file {path} has no geometry; give road lines as a GeoPackage, "
            "GeoJSON or Shapefile, an OSM XML (.osm) or a GraphML (.graphml) file"
        )
    if lines.crs is None:
        lines = lines.set_crs(WGS84)
    lines = lines.to_crs(WGS84).explode(index_parts=False)
    return lines[lines.geom_type == "LineString"]


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
            {
                "highway": tags["highway"],
                "name": tags.get("name"),
                "ref": tags.get("ref"),
                "oneway": tags.get("oneway"),
                "speed_kmh": speed,
                "geometry": LineString(coords),
            }
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
        row = {k: data.get(k) for k in ("highway", "name", "ref", "oneway")}
        rows.append({**row, "speed_kmh": speed, "geometry": geom})
    # osmnx writes the graph's CRS (a projected graph has x/y in metres), as
    # hotspots.lines.network.RoadNetwork.from_graphml reads it
    crs = g.graph.get("crs", WGS84)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs).to_crs(WGS84)


def _oneway(values: pd.Series) -> np.ndarray:
    """OSM ``oneway`` as +1 (along the line), -1 (against it) or 0 (both ways)."""
    s = values.astype(str).str.strip().str.lower()
    out = np.zeros(len(s), dtype=np.int8)
    out[s.isin(["yes", "true", "1", "1.0", "t"]).to_numpy()] = 1
    out[s.isin(["-1", "-1.0", "reverse"]).to_numpy()] = -1
    return out


def _line_table(m: gpd.GeoDataFrame) -> pd.DataFrame:
    """Per road line: highway, speeds, oneway, circuity and the label used in tables."""
    n = len(m)
    out = pd.DataFrame(index=range(n))
    out["highway"] = m["highway"].to_numpy() if "highway" in m else None
    for c in ("speed_kmh", "speed_car", "speed_motorbike", "speed_foot"):
        if c in m:
            out[c] = pd.to_numeric(m[c], errors="coerce").to_numpy(dtype=float)
    if "speed_kmh" not in out:
        out["speed_kmh"] = np.nan
    out["oneway"] = _oneway(m["oneway"]) if "oneway" in m else np.zeros(n, dtype=np.int8)
    circ = (
        pd.to_numeric(m["circuity"], errors="coerce").to_numpy(dtype=float)
        if "circuity" in m
        else np.ones(n)
    )
    out["circuity"] = np.where(np.isfinite(circ) & (circ >= 1.0), circ, 1.0)
    refs = m["ref"].to_numpy() if "ref" in m else [None] * n
    names = m["name"].to_numpy() if "name" in m else [None] * n
    out["label"] = [road_label(r, nm) for r, nm in zip(refs, names, strict=True)]
    return out


def from_network(
    lines: gpd.GeoDataFrame | str | Path,
    speed_kmh: float = 40.0,
    circuity: float = 1.3,
    crs: CRS | str | None = None,
    vehicle: str = "car",
    speeds: dict[str, dict[str, float]] | None = None,
) -> TravelModel:
    """Build the network model from road lines or a network file.

    Parameters
    ----------
    lines
        Road lines (GeoDataFrame) or a path for :func:`read_network`. Columns used when
        present: ``highway``, ``speed_car``/``speed_motorbike``/``speed_foot`` (km/h;
        0 closes the road to that vehicle), ``speed_kmh`` (the car speed, a limit for
        the others), ``oneway`` (``yes``/``-1``; walkers ignore it), ``circuity`` (>= 1,
        stretches roads drawn straight between junctions), ``ref`` and ``name``.
    speed_kmh
        Speed of lines that have neither a speed nor a known ``highway`` class.
    circuity
        Factor for the access legs and for pairs the network does not connect.
    crs
        Metric CRS (default: chosen from the network's extent).
    vehicle
        Vehicle of this model (:meth:`TravelModel.for_vehicle` gives the others).
    speeds
        Overrides of :data:`VEHICLE_SPEEDS_KMH`, ``{vehicle: {highway class: km/h}}``;
        they win over the speed columns for roads of those classes.
    """
    model = straight_line(speed_kmh, circuity, vehicle)
    for v in speeds or {}:
        _check_vehicle(v)
    model.speeds = {k: dict(v) for k, v in (speeds or {}).items()}
    source = None
    if not isinstance(lines, gpd.GeoDataFrame):
        source = str(lines)
        lines = read_network(lines)
    lines = lines if lines.crs is not None else lines.set_crs(WGS84)
    crs = CRS.from_user_input(crs) if crs is not None else metric_crs(lines)
    m = lines.to_crs(crs).reset_index(drop=True)
    m = m[m.geometry.notna() & ~m.geometry.is_empty]
    parts = m.geometry.explode(index_parts=False)
    parts = parts[parts.geom_type == "LineString"]
    xy, idx = shapely.get_coordinates(parts.values, return_index=True)
    line_of = parts.index.to_numpy()[idx]
    key = np.round(xy, 1)  # 10 cm snapping joins shared vertices
    nodes, inv = np.unique(key, axis=0, return_inverse=True)
    inv = inv.ravel()
    same = (idx[1:] == idx[:-1]) & (inv[1:] != inv[:-1])
    if not same.any():
        raise UnusableInputError("the road network has no usable line segments")
    table = _line_table(m.reindex(range(len(lines))) if len(m) < len(lines) else m)
    row = line_of[:-1][same]
    seg = np.hypot(*(xy[1:] - xy[:-1])[same].T) * table["circuity"].to_numpy()[row]
    model.kind = "network"
    model.source = source
    model.crs = crs
    model._roads = _RoadData(nodes, inv[:-1][same], inv[1:][same], seg, row, table)
    model._graph()
    return model


def _vehicle_graph(r: _RoadData, line_speed: np.ndarray, vehicle: str) -> _Graph:
    """Directed time/length graph of the segments open to the vehicle."""
    n = len(r.nodes)
    speed = line_speed[r.row]
    ok = np.isfinite(speed) & (speed > 0)
    oneway = r.lines["oneway"].to_numpy()[r.row] if vehicle != "foot" else np.zeros(len(r.row))
    fwd = ok & (oneway >= 0)
    back = ok & (oneway <= 0)
    u = np.r_[r.u[fwd], r.v[back]]
    v = np.r_[r.v[fwd], r.u[back]]
    length = np.r_[r.length[fwd], r.length[back]]
    time = length / (np.r_[speed[fwd], speed[back]] / 3.6)
    rows = np.r_[r.row[fwd], r.row[back]]
    if len(u) == 0:
        raise UnusableInputError(f"no road of the network is open to {vehicle}")
    # parallel segments: keep the fastest (coo -> csr would sum them)
    df = pd.DataFrame({"u": u, "v": v, "t": time, "l": length, "r": rows + 1})
    df = df.sort_values("t", kind="stable").drop_duplicates(["u", "v"])
    shape = (n, n)
    ij = (df["u"].to_numpy(), df["v"].to_numpy())
    g_time = coo_matrix((df["t"].to_numpy(), ij), shape=shape).tocsr()
    g_len = coo_matrix((df["l"].to_numpy(), ij), shape=shape).tocsr()
    g_row = coo_matrix((df["r"].to_numpy(), ij), shape=shape).tocsr()
    active = np.unique(np.r_[u, v])
    _, comp = connected_components(g_time, directed=True, connection="weak")
    return _Graph(g_time, g_len, g_row, active, cKDTree(r.nodes[active]), comp)


#: How a plan names the bundled roads in ``describe()["source"]``.
BUNDLED_ROADS = "hotspots.geodata.roads (OpenStreetMap via scgraph-data 2.0.0, ODbL)"


def province_roads(
    province: object,
    vehicle: str = "car",
    margin_km: float = 10.0,
    speed_kmh: float = 40.0,
    circuity: float = 1.3,
    roads: str | Path | gpd.GeoDataFrame | None = None,
) -> TravelModel:
    """The network model on the bundled major roads of a province (no file needed).

    :func:`hotspots.geodata.roads` (OpenStreetMap, straight between junctions, with a
    measured ``circuity`` per road); places farther from these roads reach them by an
    access leg (straight line x ``circuity``, recorded as :data:`LEG_ACCESS`).

    Parameters
    ----------
    province
        Province name or code.
    vehicle, speed_kmh, circuity
        As :func:`from_network` (the bundled roads have no class: ``speed_kmh`` is
        their speed, capped per vehicle).
    margin_km
        Roads this far beyond the province border are kept (routes may leave it).
    roads
        A roads file or lines to use instead of the bundled roads (:func:`from_network`).
    """
    from hotspots import geodata

    if roads is not None:
        return from_network(roads, speed_kmh=speed_kmh, circuity=circuity, vehicle=vehicle)
    model = from_network(
        geodata.roads(province=province, margin_km=margin_km),
        speed_kmh=speed_kmh,
        circuity=circuity,
        vehicle=vehicle,
    )
    model.source = BUNDLED_ROADS
    return model


def travel_model(
    network: str | Path | gpd.GeoDataFrame | None = None,
    speed_kmh: float = 40.0,
    circuity: float = 1.3,
    vehicle: str = "car",
    speeds: dict[str, dict[str, float]] | None = None,
) -> TravelModel:
    """Return the network model when ``network`` is given, else the straight-line one."""
    if network is None:
        model = straight_line(speed_kmh, circuity, vehicle)
        model.speeds = {k: dict(v) for k, v in (speeds or {}).items()}
        return model
    return from_network(
        network, speed_kmh=speed_kmh, circuity=circuity, vehicle=vehicle, speeds=speeds
    )
