"""Build step: the Vietnam subset of scgraph-data's OpenStreetMap world highway graph.

Reads ``scgraph_data/world_highways.py`` of PyPI ``scgraph-data`` 2.0.0 as text (the module
itself imports ``scgraph.core``, which newer ``scgraph`` releases no longer have, so it is
not imported) and writes:

- ``roads.geojson``: every edge with both ends in Vietnam, plus the edges that leave
  Vietnam for China, Laos or Cambodia (``crosses_to``), as straight LineStrings;
- ``road_crossings.geojson``: where each leaving edge crosses Vietnam's land border.

Used by ``geodata/build.py``; see geodata/README.md for provenance and licence (ODbL).
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

SCGRAPH_DATA = "scgraph-data 2.0.0"
SOURCE = "scgraph-data 2.0.0 world_highways (© OpenStreetMap contributors, ODbL)"
#: Road class written for every edge: the graph carries no class of its own (see README).
HIGHWAY_CLASS = "major"
NEIGHBOURS = {"CHN": "China", "LAO": "Laos", "KHM": "Cambodia"}
BBOX = (100.0, 7.0, 112.0, 24.5)  # lon/lat box around mainland Vietnam and its neighbours
METRIC = "EPSG:32648"
NEAREST_MAX_DEG = 0.1  # about 11 km


def scgraph_highways_path(path: Path | None = None) -> Path:
    """Path of ``world_highways.py`` (given, or found in the installed ``scgraph_data``)."""
    if path is not None:
        return Path(path)
    spec = importlib.util.find_spec("scgraph_data")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"install {SCGRAPH_DATA}: pip install scgraph-data==2.0.0")
    return Path(next(iter(spec.submodule_search_locations))) / "world_highways.py"


def read_graph(path: Path) -> tuple[list[dict], np.ndarray]:
    """Adjacency list (``{neighbour: km}`` per node) and node ``[lat, lon]`` array."""
    graph = nodes = None
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("graph="):
                graph = ast.literal_eval(line[len("graph=") :])
            elif line.startswith("nodes="):
                nodes = np.asarray(ast.literal_eval(line[len("nodes=") :]), dtype=float)
    if graph is None or nodes is None or len(graph) != len(nodes):
        raise SystemExit(f"{path}: no 'graph=' / 'nodes=' lines of equal length")
    return graph, nodes


def classify_nodes(nodes: np.ndarray, ne: gpd.GeoDataFrame) -> dict[int, str]:
    """ISO3 country (VNM, CHN, LAO, KHM) of every node in :data:`BBOX`.

    Nodes in none of the four Natural Earth polygons (coastal roads, bridges, ferries just
    off the generalised coastline) take the nearest of the four countries if it is within
    :data:`NEAREST_MAX_DEG`; other nodes (Thailand, the sea) are left out.
    """
    lat, lon = nodes[:, 0], nodes[:, 1]
    box = (lon > BBOX[0]) & (lon < BBOX[2]) & (lat > BBOX[1]) & (lat < BBOX[3])
    idx = np.nonzero(box)[0]
    where: dict[int, str] = {}
    for a3 in ["VNM", *NEIGHBOURS]:
        geom = ne.geometry[a3]
        shapely.prepare(geom)
        for i in idx[shapely.contains_xy(geom, lon[idx], lat[idx])]:
            where.setdefault(int(i), a3)
    for i in idx:
        if int(i) not in where:
            p = shapely.Point(lon[i], lat[i])
            d = {a3: ne.geometry[a3].distance(p) for a3 in ["VNM", *NEIGHBOURS]}
            best = min(d, key=d.get)
            if d[best] < NEAREST_MAX_DEG:
                where[int(i)] = best
    return where


def vietnam_edges(graph: list[dict], nodes: np.ndarray, where: dict[int, str]) -> list[tuple]:
    """``(i, j, km, crosses_to)`` for edges inside Vietnam (``""``) or leaving it (ISO3)."""
    out = []
    for i, c in sorted(where.items()):
        if c != "VNM":
            continue
        for j, km in sorted(graph[i].items()):
            cj = where.get(j)
            if cj == "VNM" and i < j:
                out.append((i, j, float(km), ""))
            elif cj in NEIGHBOURS:
                out.append((i, j, float(km), cj))
    return out


def roads_frame(edges: list[tuple], nodes: np.ndarray) -> gpd.GeoDataFrame:
    """The edges as straight LineStrings with the bundled columns."""
    geoms = [
        shapely.LineString([(nodes[i, 1], nodes[i, 0]), (nodes[j, 1], nodes[j, 0])])
        for i, j, _, _ in edges
    ]
    g = gpd.GeoDataFrame(
        {
            "highway": HIGHWAY_CLASS,
            "name": "",
            "ref": "",
            # scgraph's edge length: the OSM polyline length summed before degree-2 chains
            # were merged into one straight edge (>= the straight length)
            "length_m": [round(km * 1000.0) for _, _, km, _ in edges],
            "crosses_to": [NEIGHBOURS.get(c, "") for *_, c in edges],
            "source": SOURCE,
        },
        geometry=geoms,
        crs="EPSG:4326",
    )
    straight = g.to_crs(METRIC).length.to_numpy()
    g["length_m"] = np.maximum(g["length_m"].to_numpy(), np.round(straight)).astype(int)
    return g


def crossings_frame(roads: gpd.GeoDataFrame, ne: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Where each leaving edge leaves Vietnam's Natural Earth polygon (first exit point)."""
    vnm = ne.geometry["VNM"]
    rows = []
    for r in roads[roads["crosses_to"] != ""].itertuples():
        start = shapely.Point(r.geometry.coords[0])
        hit = r.geometry.intersection(vnm.boundary)
        pts = shapely.get_parts(hit) if not hit.is_empty else [shapely.Point(r.geometry.coords[1])]
        p = min(pts, key=start.distance)
        rows.append(
            {
                "country": r.crosses_to,
                "edge_km": round(r.length_m / 1000.0, 1),
                "geometry": shapely.Point(round(p.x, 5), round(p.y, 5)),
            }
        )
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


#: Pieces of the source graph closer than this to the main network are joined to it by
#: one ``connector`` edge (the source graph was simplified and snapped at ~100 m, which
#: cut a few city networks off, e.g. central Lào Cai city, 0.74 km from the rest).
MAX_GAP_M = 1000.0


def bridge_gaps(roads: gpd.GeoDataFrame, max_gap_m: float = MAX_GAP_M) -> gpd.GeoDataFrame:
    """Join pieces of the network lying within ``max_gap_m`` of the main piece.

    Adds one straight edge per joined piece, between its node and the main piece's node
    that are closest, with ``link = "gap"`` (the OSM edges have ``link = "osm"``).
    Repeats until no piece is within reach.
    """
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    roads = roads.assign(link="osm")
    while True:
        inner = roads[roads["crosses_to"] == ""]
        m = inner.to_crs(METRIC)
        ends = np.array([g.coords[:] for g in inner.geometry]).round(5).reshape(-1, 2)
        keys, inv = np.unique(ends, axis=0, return_inverse=True)
        mxy = np.array([g.coords[:] for g in m.geometry]).reshape(-1, 2)
        kxy = np.zeros((len(keys), 2))
        kxy[inv.ravel()] = mxy
        import scipy.sparse as sp

        u, v = inv.reshape(-1, 2).T
        n = len(keys)
        g = sp.coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
        _, lab = connected_components(g, directed=False)
        main = np.bincount(lab).argmax()
        tree = cKDTree(kxy[lab == main])
        main_ids = np.nonzero(lab == main)[0]
        best = None
        for piece in set(lab) - {main}:
            ids = np.nonzero(lab == piece)[0]
            d, j = tree.query(kxy[ids])
            k = int(np.argmin(d))
            if d[k] <= max_gap_m and (best is None or d[k] < best[0]):
                best = (d[k], ids[k], main_ids[j[k]])
        if best is None:
            return roads
        gap, a, b = best
        line = shapely.LineString([tuple(keys[a]), tuple(keys[b])])
        row = gpd.GeoDataFrame(
            {
                "highway": HIGHWAY_CLASS,
                "name": "",
                "ref": "",
                "length_m": [int(round(gap))],
                "crosses_to": "",
                "source": SOURCE,
                "link": "gap",
            },
            geometry=[line],
            crs=roads.crs,
        )
        roads = pd.concat([roads, row], ignore_index=True)


def build_roads(ne: gpd.GeoDataFrame, path: Path | None = None):
    """Roads and crossings frames from the scgraph-data graph (``path``: world_highways.py)."""
    graph, nodes = read_graph(scgraph_highways_path(path))
    where = classify_nodes(nodes, ne)
    edges = vietnam_edges(graph, nodes, where)
    roads = bridge_gaps(roads_frame(edges, nodes))
    return roads, crossings_frame(roads, ne)


# --- circuity -------------------------------------------------------------------------

#: Provinces of the official Northern Midlands and Mountains region (Trung du và miền núi
#: phía Bắc) in the 2025 structure; their edges get the factor measured on mountain roads.
MOUNTAIN_PROVINCES = ("04", "08", "11", "12", "14", "15", "19", "20", "25")


def graph_distance_km(roads: gpd.GeoDataFrame, a: tuple, b: tuple) -> float:
    """Shortest path (sum of ``length_m``) between the nodes nearest to lon/lat ``a``, ``b``.

    The ``gap`` connectors are left out: the factor is measured on source edges only.

    Only the largest connected piece of the graph is used, so a point snaps to a road
    that actually connects.
    """
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components, dijkstra

    inner = roads[(roads["crosses_to"] == "") & (roads.get("link", "osm") == "osm")]
    ends = np.array([g.coords[:] for g in inner.geometry]).round(5)
    keys, inv = np.unique(ends.reshape(-1, 2), axis=0, return_inverse=True)
    u, v = inv.reshape(-1, 2).T
    w = inner["length_m"].to_numpy(dtype=float) / 1000.0
    n = len(keys)
    g = sp.coo_matrix((np.r_[w, w], (np.r_[u, v], np.r_[v, u])), shape=(n, n)).tocsr()
    _, lab = connected_components(g, directed=False)
    main = np.nonzero(lab == np.bincount(lab).argmax())[0]
    scale = np.array([np.cos(np.radians(16.0)), 1.0])

    def snap(p):
        return main[np.argmin((((keys[main] - p) * scale) ** 2).sum(axis=1))]

    return float(dijkstra(g, indices=snap(np.asarray(a)))[snap(np.asarray(b))])


def measure_circuity(roads: gpd.GeoDataFrame, table: pd.DataFrame) -> tuple[dict, pd.DataFrame]:
    """Factor road km / graph km per terrain, pooled over the pairs of ``table``.

    ``table`` has the columns of ``geodata/road_distances.csv``; returns the factors and the
    table with ``graph_km`` and ``ratio`` added.
    """
    t = table.copy()
    t["graph_km"] = [
        round(graph_distance_km(roads, (r.lon_a, r.lat_a), (r.lon_b, r.lat_b)), 1)
        for r in t.itertuples()
    ]
    t["ratio"] = (t["road_km"] / t["graph_km"]).round(2)
    sums = t.groupby("terrain")[["road_km", "graph_km"]].sum()
    factors = (sums["road_km"] / sums["graph_km"]).round(2).to_dict()
    return factors, t


def apply_circuity(
    roads: gpd.GeoDataFrame, provinces: gpd.GeoDataFrame, factors: dict
) -> gpd.GeoDataFrame:
    """``terrain`` and ``circuity`` per edge, by the province of its Vietnamese end."""
    start = gpd.GeoDataFrame(
        geometry=[shapely.Point(g.coords[0]) for g in roads.geometry], crs=roads.crs
    )
    hit = gpd.sjoin_nearest(
        start.to_crs(METRIC), provinces[["code", "geometry"]].to_crs(METRIC), how="left"
    )
    hit = hit[~hit.index.duplicated()]
    mountain = hit["code"].isin(MOUNTAIN_PROVINCES).to_numpy()
    out = roads.copy()
    out["terrain"] = np.where(mountain, "mountain", "lowland")
    out["circuity"] = out["terrain"].map(factors).astype(float)
    return out


# --- files ----------------------------------------------------------------------------


def _line_table(roads: gpd.GeoDataFrame) -> pd.DataFrame:
    xy = np.array([g.coords[:] for g in roads.geometry]).round(5)
    return pd.DataFrame(
        {
            "lon1": xy[:, 0, 0],
            "lat1": xy[:, 0, 1],
            "lon2": xy[:, 1, 0],
            "lat2": xy[:, 1, 1],
            "length_m": roads["length_m"].to_numpy(),
            "terrain": roads["terrain"].to_numpy(),
            "circuity": roads["circuity"].to_numpy(),
            "crosses_to": roads["crosses_to"].to_numpy(),
            "link": roads["link"].to_numpy(),
        }
    )


def _crossing_table(cross: gpd.GeoDataFrame, provinces: gpd.GeoDataFrame) -> pd.DataFrame:
    near = gpd.sjoin_nearest(
        cross.to_crs(METRIC), provinces[["code", "geometry"]].to_crs(METRIC), how="left"
    )
    near = near[~near.index.duplicated()]
    return pd.DataFrame(
        {
            "lon": cross.geometry.x.round(5).to_numpy(),
            "lat": cross.geometry.y.round(5).to_numpy(),
            "country": cross["country"].to_numpy(),
            "province_code": near["code"].to_numpy(),
            "edge_km": cross["edge_km"].to_numpy(),
        }
    ).sort_values(["country", "lon", "lat"])


def write_roads(
    out: Path, ne: gpd.GeoDataFrame, provinces: gpd.GeoDataFrame, path: Path | None = None
) -> tuple[dict, pd.DataFrame, gpd.GeoDataFrame]:
    """Write ``roads.csv``, ``road_crossings.csv`` and ``road_circuity.csv`` into ``out``.

    Returns the circuity factors, the measured table and the crossings (for the gates).
    """
    roads, cross = build_roads(ne, path)
    table = pd.read_csv(Path(__file__).resolve().parent / "road_distances.csv")
    factors, measured = measure_circuity(roads, table)
    roads = apply_circuity(roads, provinces, factors)
    _line_table(roads).to_csv(out / "roads.csv", index=False, lineterminator="\n")
    ct = _crossing_table(cross, provinces)
    ct.to_csv(out / "road_crossings.csv", index=False, lineterminator="\n")
    measured.to_csv(out / "road_circuity.csv", index=False, lineterminator="\n")
    print(
        f"wrote {len(roads)} road edges ({(roads['crosses_to'] != '').sum()} leaving Vietnam), "
        f"{len(ct)} crossings; circuity {factors}"
    )
    return (
        factors,
        measured,
        gpd.GeoDataFrame(ct, geometry=gpd.points_from_xy(ct["lon"], ct["lat"]), crs="EPSG:4326"),
    )
