"""Benchmark: OSM street layer at city scale (~100,000 road nodes).

Writes a synthetic OSM XML extract (a jittered street grid round Suining's centre, with
residential streets, secondary and primary roads, some with ``maxspeed``, and 10 % of the
blocks missing), then times:

* ``load_roads`` cold (OSMnx ``graph_from_xml`` + filter + speeds + simplify + GraphML
  cache write + schema conversion) and warm (from the GraphML cache);
* ``attach_roads`` onto the 2025 plan graph (one KD-tree snap);
* ``network.engine.routing.compile_graph`` of the attached graph;
* the engine's isochrones from ``suining`` (``network.isochrones(..., population=False)``)
  against the OSMnx/networkx recipe (``nx.single_source_dijkstra_path_length`` with a
  cutoff, reached edges buffered and unioned per band: ``bench_isochrones.networkx_recipe``).

Run on demand (not in CI):  .venv/bin/python benchmarks/bench_osm.py [--nodes 100000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from pyproj import Transformer

import network as sn
from network.engine.routing import compile_graph
from network.model.osm import load_roads
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


def timed(func, *args, **kwargs):
    t0 = time.perf_counter()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--cell-m", type=float, default=250.0)
    args = ap.parse_args()
    G, t_plan = timed(sn.graph_as_of, 2025)
    centre = (G.nodes["suining"]["x"], G.nodes["suining"]["y"])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "grid.osm"
        (n, w), t_write = timed(write_grid_osm, path, centre, args.nodes)
        print(f"wrote {path.name}: {n:,} nodes, {w:,} ways, {path.stat().st_size / 1e6:.1f} MB "
              f"in {t_write:.1f} s")
        roads, t_cold = timed(load_roads, path, cache_dir=Path(tmp) / "cache")
        _, t_warm = timed(load_roads, path, cache_dir=Path(tmp) / "cache")
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
    rows = [("load_roads cold (XML → graph + cache)", t_cold), ("load_roads warm (GraphML cache)", t_warm),
            ("attach_roads", t_attach), ("compile_graph", t_compile),
            (f"engine isochrones {BANDS} min, cell {args.cell_m:g} m", t_engine),
            ("networkx recipe (dijkstra + buffer + union)", t_nx)]
    for name, t in rows:
        print(f"  {name:48} {t:8.2f} s")
    print(f"  networkx recipe / engine: {t_nx / t_engine:.0f}×   "
          f"(reach {bands['reach_area_km2'].iloc[-1]:.0f} km² within {max(BANDS)} min)")


if __name__ == "__main__":
    main()
