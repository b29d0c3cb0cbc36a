"""Benchmark: the engine's isochrone pipeline against two references, in the same run.

(a) the OSMnx/networkx recipe: ``nx.single_source_dijkstra_path_length`` with a cutoff,
    then the reached edges buffered and unioned per band (shapely);
(b) a bare ``scipy.sparse.csgraph.dijkstra`` call on the compiled CSR (the floor).

Inputs: the 2025 plan graph, and the same graph with a synthetic road-like grid of
~100,000 nodes attached round the main urban area. Reports medians and ratios; targets:
engine ≥ 30× faster than (a), and within 1.5× of (b) at 100k nodes.

Run on demand:  .venv/bin/python benchmarks/bench_isochrones.py [--nodes 100000]
"""

from __future__ import annotations

import argparse
import statistics
import time

import networkx as nx
import numpy as np
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree

import network as sn
from network.engine.isochrones import node_surface, surface_bands
from network.engine.routing import compile_graph, times_from

BANDS = (15, 30, 45, 60)


def synthetic_roads(G: nx.MultiDiGraph, n_nodes: int, spacing_m: float = 250.0,
                    seed: int = 1) -> nx.MultiDiGraph:
    """Attach a jittered road grid of ~n_nodes (30 km/h local roads) round the city."""
    rng = np.random.default_rng(seed)
    side = int(np.sqrt(n_nodes))
    to_m = Transformer.from_crs("EPSG:4326", "EPSG:32648", always_xy=True)
    to_ll = Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True)
    cx, cy = to_m.transform(G.nodes["suining"]["x"], G.nodes["suining"]["y"])
    ii, jj = np.meshgrid(np.arange(side), np.arange(side))
    x = cx + (ii.ravel() - side / 2) * spacing_m + rng.normal(0, spacing_m / 8, side * side)
    y = cy + (jj.ravel() - side / 2) * spacing_m + rng.normal(0, spacing_m / 8, side * side)
    lon, lat = to_ll.transform(x, y)
    H = G.copy()
    ids = [f"g{k}" for k in range(side * side)]
    H.add_nodes_from((ids[k], {"x": lon[k], "y": lat[k], "kind": "junction", "layer": "street",
                               "name_zh": "", "name_en": ""}) for k in range(side * side))
    speed = 30.0

    def link(a, b, d):
        t = d / 1000 / speed * 3600
        for u, v in ((a, b), (b, a)):
            H.add_edge(u, v, mode="access", term="access", line_id="", length_m=d,
                       speed_kph=speed, travel_time_s=t)

    idx = np.arange(side * side).reshape(side, side)
    keep = rng.random((side, side, 2)) > 0.1  # drop 10% of links: not a perfect lattice
    for di, dj, k in ((0, 1, 0), (1, 0, 1)):
        a = idx[: side - di, : side - dj].ravel()
        b = idx[di:, dj:].ravel()
        mask = keep[: side - di, : side - dj, k].ravel()
        for p, q in zip(a[mask], b[mask], strict=True):
            link(ids[p], ids[q], float(np.hypot(x[p] - x[q], y[p] - y[q])))
    # attach: each plan street node inside the grid to its nearest grid node
    street = [n for n, d in G.nodes(data=True) if d.get("layer") == "street"]
    sx, sy = to_m.transform([G.nodes[n]["x"] for n in street], [G.nodes[n]["y"] for n in street])
    dist, nn = cKDTree(np.column_stack([x, y])).query(np.column_stack([sx, sy]))
    for n, d, k in zip(street, dist, nn, strict=True):
        if d < 1000:
            link(n, ids[k], float(d))
    return H


def engine(G, origin, cell_m):
    cg = compile_graph(G)
    o = cg.index[origin]
    t = times_from(cg, [o], max(BANDS) * 60.0)[0] / 60.0
    s = node_surface(cg, t, max(BANDS), cell_m, sn.Settings())
    return surface_bands(s, BANDS)


def routing_step(G, origin, _cell_m):
    """The engine's routing step alone: the public travel_times() call."""
    return sn.travel_times(G, origin, max_minutes=max(BANDS))


def bare_scipy(G, origin, _cell_m):
    cg = compile_graph(G)
    return times_from(cg, [cg.index[origin]], max(BANDS) * 60.0)


def networkx_recipe(G, origin, _cell_m, buffer_m=250.0):
    t = nx.single_source_dijkstra_path_length(G, origin, cutoff=max(BANDS) * 60.0,
                                              weight="travel_time_s")
    to_m = Transformer.from_crs("EPSG:4326", "EPSG:32648", always_xy=True)
    out = []
    for band in BANDS:
        lim = band * 60.0
        segs = []
        for u, v in G.edges():
            if t.get(u, np.inf) <= lim and t.get(v, np.inf) <= lim:
                x, y = to_m.transform([G.nodes[u]["x"], G.nodes[v]["x"]],
                                      [G.nodes[u]["y"], G.nodes[v]["y"]])
                segs.append(shapely.LineString(list(zip(x, y, strict=True))))
        out.append(shapely.union_all(shapely.buffer(np.array(segs), buffer_m)))
    return out


def timeit(func, *args, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func(*args)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--cell-m", type=float, default=500)
    ap.add_argument("--nx-repeat", type=int, default=1, help="repeats of the slow recipe")
    args = ap.parse_args()
    plan_G = sn.graph_as_of(2025)
    cases = {"plan 2025": plan_G}
    t0 = time.perf_counter()
    cases[f"plan + {args.nodes:,} road nodes"] = synthetic_roads(plan_G, args.nodes)
    print(f"built synthetic graph in {time.perf_counter() - t0:.1f} s")
    print(f"{'input':32} {'nodes':>8} {'compile s':>9} {'engine s':>9} {'scipy s':>9} "
          f"{'networkx s':>10} {'nx/engine':>9} {'engine/scipy':>12} {'routing/scipy':>13} "
          f"{'engine@1km/scipy':>16}")
    for name, G in cases.items():
        t0 = time.perf_counter()
        compile_graph(G)
        t_compile = time.perf_counter() - t0
        t_eng = timeit(engine, G, "suining", args.cell_m)
        t_sci = timeit(bare_scipy, G, "suining", args.cell_m)
        t_route = timeit(routing_step, G, "suining", args.cell_m)
        t_coarse = timeit(engine, G, "suining", 1000.0)
        t_nx = timeit(networkx_recipe, G, "suining", args.cell_m, repeat=args.nx_repeat)
        print(f"{name:32} {G.number_of_nodes():>8,} {t_compile:>9.3f} {t_eng:>9.3f} "
              f"{t_sci:>9.3f} {t_nx:>10.2f} {t_nx / t_eng:>8.0f}× {t_eng / t_sci:>11.2f}× "
              f"{t_route / t_sci:>12.2f}× {t_coarse / t_sci:>15.2f}×")
    print("targets at 100k nodes: networkx/engine ≥ 30×, engine/scipy ≤ 1.5×")
    print("engine = routing + cost-distance surface over the whole reached region + contours;"
          " routing = the travel_times() call alone")


if __name__ == "__main__":
    main()
