"""Benchmark: OSM street layer at city scale (~100,000 road nodes).

Writes a synthetic OSM XML extract (a jittered street grid round Suining's centre, with
residential streets, secondary and primary roads, some with ``maxspeed``, and 10 % of the
blocks missing), then times:

* ``load_roads`` cold (OSMnx ``graph_from_xml`` + filter + speeds + simplify + schema
  conversion + binary cache write) and warm (from the ``.npz`` cache; target ~1 s at
  100k nodes), against, in the same run, two references on the same street graph:
  the previous ``.npz`` reader (one ``add_edge`` call per edge, written plainly here)
  and a GraphML cache (OSMnx ``save_graphml`` once, then ``load_graphml``: how the cache
  worked before, 20+ s);
* ``attach_roads`` onto the 2025 plan graph (one KD-tree snap);
* ``network.engine.routing.compile_graph`` of the attached graph;
* the engine's isochrones from ``suining`` (``network.isochrones(..., population=False)``)
  against the OSMnx/networkx recipe (``nx.single_source_dijkstra_path_length`` with a
  cutoff, reached edges buffered and unioned per band: ``bench_isochrones.networkx_recipe``).

Run on demand (not in CI):  .venv/bin/python benchmarks/bench_osm.py [--nodes 100000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import networkx as nx
import numpy as np
from pyproj import Transformer

import network as sn
from network.engine.routing import compile_graph
from network.model.osm import NODE_PREFIX, load_roads
from network.model.streets import OSMSnapWarning, attach_roads

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_isochrones import BANDS, networkx_recipe


def write_grid_osm(path: Path, centre_lonlat: tuple[float, float], n_nodes: int,
                   spacing_m: float = 150.0, seed: int = 1) -> tuple[int, int]:
    """Write a jittered street grid of ~``n_nodes`` nodes as OSM XML.

    Rows and columns are ways; every 10th is a primary road (``maxspeed=60`` on half of
    them), every 5th a secondary road, the rest residential streets; 10 % of the blocks
    are missing (each gap splits the way).

    Returns
    -------
    (int, int)
        Nodes and ways written.
    """
    rng = np.random.default_rng(seed)
    side = int(np.sqrt(n_nodes))
    to_m = Transformer.from_crs("EPSG:4326", "EPSG:32648", always_xy=True)
    to_ll = Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True)
    cx, cy = to_m.transform(*centre_lonlat)
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    x = cx + (jj - side / 2) * spacing_m + rng.normal(0, spacing_m / 8, (side, side))
    y = cy + (ii - side / 2) * spacing_m + rng.normal(0, spacing_m / 8, (side, side))
    lon, lat = to_ll.transform(x, y)
    ids = np.arange(1, side * side + 1).reshape(side, side)
    keep = rng.random((2, side, side)) > 0.1
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="bench_osm">']
    out += [f'<node id="{ids[i, j]}" lat="{lat[i, j]:.7f}" lon="{lon[i, j]:.7f}"/>'
            for i in range(side) for j in range(side)]
    way_id, n_ways = 1, 0

    def tags(k: int) -> str:
        if k % 10 == 0:
            extra = '<tag k="maxspeed" v="60"/>' if k % 20 == 0 else ""
            return f'<tag k="highway" v="primary"/>{extra}'
        return '<tag k="highway" v="secondary"/>' if k % 5 == 0 else '<tag k="highway" v="residential"/>'

    for axis in (0, 1):
        for k in range(side):
            line = ids[k, :] if axis == 0 else ids[:, k]
            ok = keep[axis, k, : side - 1]
            start = 0
            for s in range(side - 1):
                if not ok[s] or s == side - 2:
                    stop = s + 1 if ok[s] else s
                    if stop > start:
                        refs = "".join(f'<nd ref="{r}"/>' for r in line[start:stop + 1])
                        out.append(f'<way id="{way_id}">{refs}{tags(k)}</way>')
                        way_id += 1
                        n_ways += 1
                    start = s + 1
    out.append("</osm>")
    path.write_text("\n".join(out), encoding="utf-8")
    return side * side, n_ways


def load_npz_edge_by_edge(path: Path) -> nx.MultiDiGraph:
    """Reference: the previous ``_load_npz``, which built the graph through networkx's API."""
    from shapely import linestrings

    with np.load(path, allow_pickle=False) as z:
        a = {k: z[k] for k in z.files}
    G = nx.MultiDiGraph(**json.loads(str(a["graph"])))
    ids = a["node_ids"].tolist()
    layers = np.where(a["street"], "street", "expressway").tolist()
    G.add_nodes_from(
        (n, {"x": x, "y": y, "kind": "street", "layer": lay, "name_zh": "", "name_en": "",
             "osmid": o})
        for n, x, y, lay, o in zip(ids, a["x"].tolist(), a["y"].tolist(), layers,
                                   a["osmid"].tolist(), strict=True))
    off, coords = a["geom_offsets"], a["geom_coords"]
    counts = np.diff(off)
    has = np.flatnonzero(counts > 0)
    geoms = {}
    if len(has):
        parts = linestrings(coords, indices=np.repeat(np.arange(len(has)), counts[has]))
        geoms = dict(zip(has.tolist(), parts.tolist(), strict=True))
    rows = zip(a["u"].tolist(), a["v"].tolist(), a["length_m"].tolist(), a["speed_kph"].tolist(),
               a["travel_time_s"].tolist(), a["highway"].tolist(), a["name"].tolist(), strict=True)
    for i, (u, v, length, speed, t, hw, name) in enumerate(rows):
        d = {"mode": "street", "term": "access", "line_id": "", "length_m": length,
             "speed_kph": speed, "travel_time_s": t, "highway": hw, "name": name}
        if i in geoms:
            d["geometry"] = geoms[i]
        G.add_edge(ids[u], ids[v], **d)
    return G


def same_graph(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> bool:
    """Same nodes and edges (with keys), in the same order, with the same attributes."""
    if list(a.nodes(data=True)) != list(b.nodes(data=True)) or a.graph != b.graph:
        return False
    ea, eb = list(a.edges(keys=True, data=True)), list(b.edges(keys=True, data=True))
    if len(ea) != len(eb):
        return False
    for (u, v, k, d), (u2, v2, k2, d2) in zip(ea, eb, strict=True):
        if (u, v, k) != (u2, v2, k2) or d.keys() != d2.keys():
            return False
        if any(d[x] != d2[x] for x in d if x != "geometry"):
            return False
        if "geometry" in d and not d["geometry"].equals_exact(d2["geometry"], 0):
            return False
    return sorted(a.in_edges(keys=True)) == sorted(b.in_edges(keys=True))


def timed(func, *args, **kwargs):
    t0 = time.perf_counter()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--cell-m", type=float, default=250.0)
    ap.add_argument("--repeat", type=int, default=3, help="repeats of the cache loads")
    args = ap.parse_args()
    import osmnx as ox

    G, t_plan = timed(sn.graph_as_of, 2025)
    centre = (G.nodes["suining"]["x"], G.nodes["suining"]["y"])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "grid.osm"
        (n, w), t_write = timed(write_grid_osm, path, centre, args.nodes)
        print(f"wrote {path.name}: {n:,} nodes, {w:,} ways, {path.stat().st_size / 1e6:.1f} MB "
              f"in {t_write:.1f} s")
        cache = Path(tmp) / "cache"
        roads, t_cold = timed(load_roads, path, cache_dir=cache)
        npz = next(cache.glob("*.npz"))
        # the same street graph as OSMnx GraphML (integer OSM ids, as OSMnx writes them)
        graphml = Path(tmp) / "roads.graphml"
        as_osmnx = nx.relabel_nodes(roads, {v: int(v.removeprefix(NODE_PREFIX)) for v in roads})
        _, t_save_graphml = timed(ox.save_graphml, as_osmnx, graphml)
        loads = {"npz": [], "npz edge by edge": [], "graphml": []}
        for i in range(args.repeat):
            warm, t = timed(load_roads, path, cache_dir=cache)
            loads["npz"].append(t)
            old, t = timed(load_npz_edge_by_edge, npz)
            loads["npz edge by edge"].append(t)
            if i == 0:  # once: it is slow
                _, t = timed(ox.load_graphml, graphml,
                             edge_dtypes={"length_m": float, "speed_kph": float,
                                          "travel_time_s": float})
                loads["graphml"].append(t)
        same = same_graph(warm, roads) and same_graph(old, roads)
    t_npz, t_old, t_graphml = (statistics.median(loads[k]) for k in loads)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", OSMSnapWarning)
        H, t_attach = timed(attach_roads, G, roads)
    _, t_compile = timed(compile_graph, H)
    bands, t_engine = timed(sn.isochrones, H, "suining", bands_min=BANDS, population=False,
                            cell_m=args.cell_m)
    _, t_nx = timed(networkx_recipe, H, "suining", args.cell_m)
    info = H.graph["osm"]
    print(f"plan graph 2025: {G.number_of_nodes():,} nodes ({t_plan:.2f} s)")
    print(f"roads: {roads.number_of_nodes():,} nodes, {roads.number_of_edges():,} edges; "
          f"snapped {info['snapped']}, unsnapped {len(info['unsnapped'])} "
          f"({len(caught)} warning)")
    print(f"attached graph: {H.number_of_nodes():,} nodes, {H.number_of_edges():,} edges")
    rows = [("load_roads cold (XML → graph + npz cache)", t_cold),
            (f"load_roads warm (npz cache), median of {args.repeat}", t_npz),
            (f"  ref.: npz edge by edge (add_edge), median of {args.repeat}", t_old),
            ("  ref.: OSMnx load_graphml of the same graph", t_graphml),
            ("  (OSMnx save_graphml, once)", t_save_graphml),
            ("attach_roads", t_attach), ("compile_graph", t_compile),
            (f"engine isochrones {BANDS} min, cell {args.cell_m:g} m", t_engine),
            ("networkx recipe (dijkstra + buffer + union)", t_nx)]
    for name, t in rows:
        print(f"  {name:56} {t:8.2f} s")
    print(f"  cache load: GraphML / npz {t_graphml / t_npz:.0f}×, edge by edge / npz "
          f"{t_old / t_npz:.1f}×; target ~1 s; identical graphs: {same}")
    print(f"  networkx recipe / engine: {t_nx / t_engine:.0f}×   "
          f"(reach {bands['reach_area_km2'].iloc[-1]:.0f} km² within {max(BANDS)} min)")


if __name__ == "__main__":
    main()
