"""Benchmark of ``hotspots roads``: cutting a province from a country-sized OSM extract.

    .venv/bin/python benchmarks/roads.py                 # 35 M nodes, about Vietnam
    .venv/bin/python benchmarks/roads.py --nodes 2e6     # quick check
    .venv/bin/python benchmarks/roads.py --lattice lat.osm.pbf  # connected roads, Lào Cai

No country extract can be downloaded here, so the script writes a synthetic one with
pyosmium (OPL text converted to PBF in C++): a rectangle over Vietnam's extent
(102.1-109.5 E, 8.5-23.4 N) holding road ways (random walks of 12 nodes, 60 % of them
starting at a node of an earlier road, so that roads meet at junctions; classes,
``ref``, ``oneway`` and ``maxspeed`` mixed as in Vietnamese data) and building
outlines (55 % of the nodes, as in real extracts where buildings outnumber roads), plus
village and police nodes. The real Vietnam extract has roughly twice the nodes of the
default size; memory of the streaming cut grows with the node count (16 bytes a node for
the location index) and with the province, time with the file size.

Each reader runs in its own subprocess (peak RSS: ``VmHWM``; CPU: ``getrusage``), cutting
Lào Cai (real 2025 polygon, 10 km margin):

* ``hotspots.roads.cut_roads``: one streaming pass, C++ tag filters, bounding box;
* naive osmium: the same library reading every road of the country into geometries,
  clipping afterwards (default ``flex_mem`` location index);
* pyrosm (``OSM(path, bounding_box=...).get_network("driving")``), only up to
  ``--pyrosm-max`` nodes because it holds the whole file in memory.

Then the graph load of the written GeoPackage: first (parse + cache) vs second (cache).
Target (issue 10): a national extract within about 4 GB of memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

VN_BOX = (102.1, 8.5, 109.5, 23.4)
PROVINCE = "Lào Cai"
CLASSES = [
    ("residential", 0.42),
    ("unclassified", 0.15),
    ("service", 0.12),
    ("track", 0.10),
    ("tertiary", 0.07),
    ("secondary", 0.04),
    ("primary", 0.03),
    ("path", 0.03),
    ("footway", 0.025),
    ("trunk", 0.015),
]


def peak_rss_gb() -> float:
    """Peak RSS of this process: VmHWM (ru_maxrss survives exec, so a child started by a
    large parent would report the parent's peak)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


# ------------------------------------------------------------------ synthetic extract
def _road_tags(rng: np.random.Generator, n: int) -> list[str]:
    names, p = zip(*CLASSES, strict=True)
    cls = rng.choice(names, size=n, p=np.asarray(p) / sum(p))
    num = rng.integers(1, 300, n)
    oneway = rng.random(n) < 0.05
    speed = rng.random(n) < 0.1
    out = []
    for c, k, ow, sp in zip(cls.tolist(), num.tolist(), oneway, speed, strict=True):
        t = f"highway={c}"
        if c in ("trunk", "primary"):
            t += f",ref=QL{k},name=Quốc%20%lộ%20%{k}"
        elif c == "secondary":
            t += f",ref=ĐT{k}"
        if ow:
            t += ",oneway=yes"
        if sp:
            t += ",maxspeed=50"
        out.append(t)
    return out


def make_country(path: Path, n_nodes: int, seed: int = 0) -> dict:
    """Write a synthetic country extract of about ``n_nodes`` nodes; return its sizes."""
    import osmium

    rng = np.random.default_rng(seed)
    w, s, e, n = VN_BOX
    per_way = 12
    n_road_ways = int(0.45 * n_nodes / (per_way - 0.6))
    n_build = int(0.55 * n_nodes / 4)
    opl = path.with_suffix(".opl")
    lon, lat = np.empty(0), np.empty(0)
    refs_out, tags_out = [], []
    next_id = 1
    with opl.open("w", encoding="utf-8") as fh:
        for batch in np.array_split(np.arange(n_road_ways), 20):
            k = len(batch)
            share = (rng.random(k) < 0.6) & (len(lon) > 0)
            start_id = np.where(share, rng.integers(1, max(len(lon), 1) + 1, k), 0)
            sx = np.where(share, lon[np.maximum(start_id - 1, 0)] if len(lon) else 0, 0.0)
            sy = np.where(share, lat[np.maximum(start_id - 1, 0)] if len(lat) else 0, 0.0)
            sx = np.where(share, sx, rng.uniform(w, e, k))
            sy = np.where(share, sy, rng.uniform(s, n, k))
            ang = rng.uniform(0, 2 * np.pi, (k, 1)) + rng.normal(0, 0.3, (k, per_way - 1))
            step = rng.uniform(0.0006, 0.0015, (k, per_way - 1))
            x = np.clip(sx[:, None] + np.cumsum(step * np.cos(ang), axis=1), w, e)
            y = np.clip(sy[:, None] + np.cumsum(step * np.sin(ang), axis=1), s, n)
            new_start = ~share
            ids = np.empty((k, per_way), dtype=np.int64)
            n_new = int(new_start.sum()) + k * (per_way - 1)
            fresh = np.arange(next_id, next_id + n_new)
            ids[new_start, 0] = fresh[: new_start.sum()]
            ids[share, 0] = start_id[share]
            ids[:, 1:] = fresh[new_start.sum() :].reshape(k, per_way - 1)
            nx = np.r_[sx[new_start], x.ravel()]
            ny = np.r_[sy[new_start], y.ravel()]
            fh.writelines(
                f"n{i} x{a:.7f} y{b:.7f}\n"
                for i, a, b in zip(fresh.tolist(), nx.tolist(), ny.tolist(), strict=True)
            )
            lon, lat = np.r_[lon, nx], np.r_[lat, ny]
            next_id += n_new
            refs_out.append(ids)
            tags_out.extend(_road_tags(rng, k))
        road_nodes = next_id - 1
        # buildings: 4-node squares of about 10 m
        bx, by = rng.uniform(w, e, n_build), rng.uniform(s, n, n_build)
        d = 0.0001
        corners = [(0, 0), (d, 0), (d, d), (0, d)]
        b_ids = np.arange(next_id, next_id + 4 * n_build).reshape(n_build, 4)
        for c, (dx, dy) in enumerate(corners):
            cx, cy = (bx + dx).tolist(), (by + dy).tolist()
            fh.writelines(
                f"n{i} x{a:.7f} y{b:.7f}\n"
                for i, a, b in zip(b_ids[:, c].tolist(), cx, cy, strict=True)
            )
        next_id += 4 * n_build
        n_tagged = max(n_nodes // 20000, 10)
        tx, ty = rng.uniform(w, e, n_tagged), rng.uniform(s, n, n_tagged)
        for j in range(n_tagged):
            tag = f"place=village,name=Xã%20%{j}" if j % 4 else f"amenity=police,name=CA%20%{j}"
            fh.write(f"n{next_id + j} T{tag} x{tx[j]:.7f} y{ty[j]:.7f}\n")
        next_id += n_tagged
        wid = 1
        for ids in refs_out:
            for row in ids.tolist():
                fh.write(f"w{wid} T{tags_out[wid - 1]} N" + ",".join(f"n{r}" for r in row) + "\n")
                wid += 1
        for row in b_ids.tolist():
            fh.write(f"w{wid} Tbuilding=yes N" + ",".join(f"n{r}" for r in row + row[:1]) + "\n")
            wid += 1
    header = osmium.io.Header()
    header.add_box(osmium.osm.Box(osmium.osm.Location(w, s), osmium.osm.Location(e, n)))
    writer = osmium.SimpleWriter(str(path), header=header, overwrite=True)
    osmium.apply(str(opl), writer)
    writer.close()
    opl.unlink()
    return {
        "nodes": next_id - 1,
        "road_nodes": road_nodes,
        "road_ways": n_road_ways,
        "building_ways": n_build,
        "mb": path.stat().st_size / 1e6,
    }


def make_lattice(path: Path, box: tuple[float, float, float, float], step: float = 0.02) -> dict:
    """A connected road lattice over ``box`` (for end-to-end runs, not for timing).

    Every 8th row is a national road (``ref`` QL<row>), every 8th column a provincial
    road (ĐT<col>), the rest tertiary and unclassified; a town every 10 x 10 cells.
    SYNTHETIC / DỮ LIỆU GIẢ LẬP.
    """
    import osmium

    rng = np.random.default_rng(1)
    w, s, e, n = box
    xs, ys = np.arange(w, e, step), np.arange(s, n, step)
    nid = np.arange(1, xs.size * ys.size + 1).reshape(ys.size, xs.size)
    opl = path.with_suffix(".opl")
    with opl.open("w", encoding="utf-8") as fh:
        for i, y in enumerate(ys):
            for j, x in enumerate(xs):
                jx, jy = rng.normal(0, step / 10, 2)
                tag = f" Tplace=town,name=Thị%20%trấn%20%{i}_{j}" if i % 10 == j % 10 == 5 else ""
                fh.write(f"n{nid[i, j]}{tag} x{x + jx:.7f} y{y + jy:.7f}\n")
        wid = 1
        for lines, kind in ((nid, "row"), (nid.T, "col")):
            for k, line in enumerate(lines):
                if k % 8 == 0:
                    tags = (
                        f"highway=primary,ref=QL{k}"
                        if kind == "row"
                        else f"highway=secondary,ref=ĐT{k}"
                    )
                else:
                    tags = "highway=tertiary" if k % 2 else "highway=unclassified"
                for a in range(0, len(line) - 1, 5):
                    refs = ",".join(f"n{r}" for r in line[a : a + 6])
                    fh.write(f"w{wid} T{tags} N{refs}\n")
                    wid += 1
    header = osmium.io.Header()
    header.add_box(osmium.osm.Box(osmium.osm.Location(w, s), osmium.osm.Location(e, n)))
    writer = osmium.SimpleWriter(str(path), header=header, overwrite=True)
    osmium.apply(str(opl), writer)
    writer.close()
    opl.unlink()
    return {"nodes": int(nid.size), "ways": wid - 1}


# ------------------------------------------------------------------ readers (subprocess)
def _zone():
    from hotspots.roads.extract import _study_zone

    return _study_zone(PROVINCE, None, 10.0)[1]


def run_ours(path: str, out: str) -> dict:
    from hotspots.roads import cut_roads, write_roads

    t = time.perf_counter()
    layers = cut_roads(path, province=PROVINCE, margin_km=10.0)
    write_roads(layers, out)
    roads = layers["roads"]
    return {
        "seconds": time.perf_counter() - t,
        "roads": int(roads["osm_id"].nunique()),
        "segments": len(roads),
    }


def run_naive(path: str) -> dict:
    import osmium
    import shapely

    t = time.perf_counter()
    zone = _zone()
    geoms = []
    fp = osmium.FileProcessor(path).with_locations().with_filter(osmium.filter.KeyFilter("highway"))
    for obj in fp:
        if obj.is_way():
            coords = [(nd.lon, nd.lat) for nd in obj.nodes if nd.location.valid()]
            if len(coords) >= 2:
                geoms.append((obj.id, dict(obj.tags), shapely.LineString(coords)))
    lines = np.array([g[2] for g in geoms], dtype=object)
    keep = shapely.intersects(lines, zone)
    return {"seconds": time.perf_counter() - t, "roads": int(keep.sum())}


def run_pyrosm(path: str) -> dict:
    import pyrosm

    t = time.perf_counter()
    zone = _zone()
    net = pyrosm.OSM(path, bounding_box=zone).get_network("driving")
    return {"seconds": time.perf_counter() - t, "roads": 0 if net is None else len(net)}


def run_graph(out: str) -> dict:
    from hotspots.roads import cache_path, load_graph

    cache_path(out).unlink(missing_ok=True)
    t = time.perf_counter()
    load_graph(out)
    first = time.perf_counter() - t
    t = time.perf_counter()
    g = load_graph(out)
    return {"seconds": first, "second": time.perf_counter() - t, "roads": len(g.u)}


def _child(kind: str, path: str, out: str) -> None:
    res = {"ours": lambda: run_ours(path, out), "naive": lambda: run_naive(path)}
    res |= {"pyrosm": lambda: run_pyrosm(path), "graph": lambda: run_graph(out)}
    r = res[kind]()
    r["peak_gb"] = peak_rss_gb()
    use = resource.getrusage(resource.RUSAGE_SELF)
    r["cpu_s"] = use.ru_utime + use.ru_stime  # includes imports; robust on a busy machine
    print(json.dumps(r))


def measure(kind: str, path: Path, out: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, str(path), str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=float, default=35e6)
    ap.add_argument("--pyrosm-max", type=float, default=40e6)
    ap.add_argument(
        "--workdir",
        default=str(Path(tempfile.gettempdir()) / "hotspots-bench-roads"),
        help="where the synthetic extract is written and reused (default: the system's "
        "temporary folder)",
    )
    ap.add_argument("--rebuild", action="store_true", help="write the extract even if there")
    ap.add_argument("--child", nargs=3, metavar=("KIND", "PBF", "OUT"))
    ap.add_argument("--lattice", help="only write a connected synthetic lattice over Lào Cai")
    a = ap.parse_args()
    if a.lattice:
        w, s, e, n = _zone().bounds
        print(make_lattice(Path(a.lattice), (w - 0.05, s - 0.05, e + 0.05, n + 0.05)))
        return
    if a.child:
        _child(*a.child)
        return
    work = Path(a.workdir)
    work.mkdir(parents=True, exist_ok=True)
    pbf = work / f"country-{int(a.nodes)}.osm.pbf"
    out = work / "laocai.gpkg"
    t = time.perf_counter()
    meta = pbf.with_suffix(".json")
    reused = pbf.exists() and meta.exists() and not a.rebuild  # same seed, same file
    if reused:
        sizes = json.loads(meta.read_text())
    else:
        sizes = make_country(pbf, int(a.nodes))
        meta.write_text(json.dumps(sizes))
    how = "reused" if reused else f"built in {time.perf_counter() - t:.0f} s"
    print(
        f"synthetic country extract: {sizes['nodes']:,} nodes ({sizes['road_nodes']:,} on "
        f"{sizes['road_ways']:,} road ways, the rest on {sizes['building_ways']:,} "
        f"buildings), {sizes['mb']:.0f} MB PBF, {how}"
    )
    rows = {"hotspots.roads (stream + bbox)": measure("ours", pbf, out)}
    rows["naive osmium (all roads, clip after)"] = measure("naive", pbf, out)
    if a.nodes <= a.pyrosm_max:
        rows["pyrosm get_network(bounding_box)"] = measure("pyrosm", pbf, out)
    else:
        print(f"pyrosm skipped above {a.pyrosm_max:,.0f} nodes (--pyrosm-max)")
    ours = rows["hotspots.roads (stream + bbox)"]
    print(
        f"\ncut {PROVINCE} + 10 km | wall s | CPU s | peak RSS GB | ways kept | "
        "CPU / ours | mem / ours"
    )
    for name, r in rows.items():
        if "error" in r:
            print(f"{name:38s} failed: {r['error']}")
            continue
        print(
            f"{name:38s} {r['seconds']:8.1f} {r['cpu_s']:8.1f} {r['peak_gb']:8.2f} "
            f"{r['roads']:10,d} {r['cpu_s'] / ours['cpu_s']:8.2f} "
            f"{r['peak_gb'] / ours['peak_gb']:8.2f}"
        )
    g = measure("graph", pbf, out)
    if "error" not in g:
        print(
            f"\nload_graph of {out.name} ({g['roads']:,} segments): first {g['seconds']:.2f} s "
            f"(parse + cache), second {g['second']:.3f} s (cache): "
            f"{g['seconds'] / max(g['second'], 1e-9):.0f}x faster"
        )


if __name__ == "__main__":
    main()
