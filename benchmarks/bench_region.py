"""Benchmark: the all-to-all county-seat matrix, against networkx on the same graph.

Measured in one run, on one machine:

1. **One phase.** ``od_matrix`` from a fresh phase (graph build, join to the backbone,
   routing from all 221 seats): best of ``repeat``; the target is ≤ 10 s on 2 cores.
2. **The same routing in networkx.** The joined graph is handed to networkx as a
   ``DiGraph`` and routed from every seat with ``single_source_dijkstra_path_length`` — what
   ``all_pairs_dijkstra_path_length`` does, from the seats only (all pairs of all ~10,700
   nodes would be 50× more work for columns nobody reads). Times must agree to 1e-6 s;
   the ratio is printed for the same work (times only) and for the package's full routing
   (times plus km and rail km along every path).
3. **Memory.** Peak traced allocation (``tracemalloc``) of the routing with the default
   budget and with a tiny one (chunks of one origin); the matrices must be identical.
4. **Dask.** Several scenarios × years, serially and on a ``LocalCluster`` of 2 workers;
   the matrices must be identical; both times and their ratio are printed.

Run on demand:  .venv/bin/python benchmarks/bench_region.py [REPEAT]
"""

from __future__ import annotations

import sys
import time
import tracemalloc

import networkx as nx
import numpy as np
from scipy.sparse.csgraph import dijkstra

import network as sn
from network.analysis.region import od_matrix, route_seats
from network.analysis.region_graph import build_region_graph, to_networkx
from network.model.region import load_region
from network.model.scenario import parse_scenario
from network.scale.dask import client_for
from network.scale.region import batch_region

NO_CHENGDAWAN = parse_scenario("""name = "no_chengdawan"
year = 2035
description = "2035 without 成达万 (both halves removed)"
[[lines.modify]]
id = "r_chengdawan_w"
remove = true
[[lines.modify]]
id = "r_chengdawan_ne"
remove = true
""")


def one_phase(repeat: int) -> float:
    load_region()  # the tables once per process, as in any session
    best = np.inf
    for _ in range(repeat):
        phase = sn.Phase.of(2035)  # fresh: the graph is built and joined every time
        t0 = time.perf_counter()
        od_matrix(phase)
        best = min(best, time.perf_counter() - t0)
    return best


def against_networkx() -> tuple[float, float, float, float]:
    rg = build_region_graph(sn.Phase.of(2035))
    t0 = time.perf_counter()  # the same work as networkx below: times from every seat
    sec = dijkstra(rg.csr, directed=True, indices=rg.seats)[:, rg.seats]
    t_scipy = time.perf_counter() - t0
    t0 = time.perf_counter()  # what od_matrix does: times, and km and rail km per path
    full, _, _ = route_seats(rg)
    t_full = time.perf_counter() - t0
    assert np.array_equal(full, sec)
    G = to_networkx(rg)
    seats = [int(s) for s in rg.seats]
    t0 = time.perf_counter()
    ref = np.full((len(seats), len(seats)), np.inf)
    for i, s in enumerate(seats):
        d = nx.single_source_dijkstra_path_length(G, s, weight="weight")
        ref[i] = [d.get(t, np.inf) for t in seats]
    t_nx = time.perf_counter() - t0
    diff = float(np.nanmax(np.abs(np.where(np.isfinite(ref), ref - sec, 0.0))))
    assert np.array_equal(np.isfinite(ref), np.isfinite(sec)), "reachability differs"
    return t_scipy, t_full, t_nx, diff


def memory() -> tuple[float, float, bool, int]:
    rg = build_region_graph(sn.Phase.of(2035))
    peaks, out = [], []
    for budget in (256.0, 0.5):
        tracemalloc.start()
        out.append(route_seats(rg, chunk_mb=budget))
        peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()
    same = all(np.array_equal(a, b) for a, b in zip(out[0], out[1], strict=True))
    return peaks[0], peaks[1], same, rg.n


def dask_vs_serial() -> tuple[float, float, bool, int]:
    phases = [sn.Phase.of(y) for y in (2020, 2025, 2030, 2035)]
    phases += [sn.Phase.of(NO_CHENGDAWAN), sn.Phase.of("chengdawan_delayed"),
               sn.Phase.of("lanyu_hsr")]
    t0 = time.perf_counter()
    serial = batch_region(phases)  # fresh phases: each graph is built here
    t_serial = time.perf_counter() - t0
    with client_for(workers=2) as client:
        client.run(lambda: None)  # the cluster is up before the clock starts
        t0 = time.perf_counter()
        parallel = batch_region(phases, client)  # workers rebuild each phase from its recipe
        t_dask = time.perf_counter() - t0
    same = all(np.array_equal(a.minutes, b.minutes) and np.array_equal(a.km, b.km)
               and np.array_equal(a.rail_km, b.rail_km) and a.adcodes == b.adcodes
               for a, b in zip(serial, parallel, strict=True))
    return t_serial, t_dask, same, len(phases)


def main(repeat: int = 3) -> None:
    import os

    print(f"load average before the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    t_one = one_phase(repeat)
    print(f"one phase (2035), fresh graph + join + 221 seats routed: {t_one:5.2f} s "
          f"(best of {repeat}; target ≤ 10 s on 2 cores: {'met' if t_one <= 10 else 'NOT met'})")
    t_scipy, t_full, t_nx, diff = against_networkx()
    print(f"times from 221 seats on the joined graph: scipy {t_scipy:6.3f} s, networkx "
          f"{t_nx:6.3f} s → {t_nx / t_scipy:5.1f}× faster; largest difference {diff:.2e} s")
    print(f"  with km and rail km per path (what od_matrix returns): {t_full:6.3f} s, still "
          f"{t_nx / t_full:4.1f}× faster than networkx's times alone")
    p_big, p_small, same, n = memory()
    print(f"routing memory ({n} nodes): peak {p_big:6.1f} MB with a 256 MB budget, "
          f"{p_small:6.1f} MB with 0.5 MB (one origin per chunk); identical: {same}")
    t_serial, t_dask, same, k = dask_vs_serial()
    print(f"{k} phases (4 years + 3 scenarios): serial {t_serial:5.2f} s, Dask 2 workers "
          f"{t_dask:5.2f} s → ratio {t_serial / t_dask:4.2f}; identical to serial: {same}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
