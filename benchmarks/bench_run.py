"""Benchmark: the planner's two heavy commands, against their targets and a reference.

* ``python -m network run plan_2025`` (whole job: graph, isochrones, goals, map, PNG,
  GeoPackage, report) — target ≤ 10 s on this 2-core machine;
* ``python -m network rank plan_2025`` (leave-one-out over every line) — target ≤ 60 s;
  reported together with the same ranking computed with networkx's Dijkstra instead of
  the compiled scipy engine (the reference), in the same run.

Run on demand:  .venv/bin/python benchmarks/bench_run.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time

import networkx as nx
import numpy as np

import network as sn
from network.graph import build_graph, settings_for
from network.rank import default_trips, rank_lines, without_line


def wall(cmd: list[str], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "network", "-q", *cmd, "--out", out],
                           check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def networkx_rank(plan, year: int) -> list[float]:
    """The reference: the same leave-one-out, routed with networkx's Dijkstra."""
    cfg = settings_for(plan.scenario)
    trips = default_trips(plan)
    w = trips["weight"].to_numpy()

    def minutes(G):
        out = []
        for o, d in zip(trips["origin"], trips["destination"], strict=True):
            try:
                out.append(nx.dijkstra_path_length(G, o, d, weight="travel_time_s") / 60)
            except nx.NetworkXNoPath:
                out.append(240.0)
        return np.minimum(out, 240.0)

    base = minutes(build_graph(plan, year, cfg))
    return [float(w @ (minutes(build_graph(without_line(plan, lid), year, cfg)) - base))
            for lid in sorted(ln["id"] for ln in plan.lines_as_of(year))]


def main() -> None:
    t_run = wall(["run", "plan_2025"])
    t_rank_cli = wall(["rank", "plan_2025"], repeat=1)
    scn = sn.read_scenario("plan_2025")
    plan = sn.default_plan().with_scenario(scn)
    t0 = time.perf_counter()
    ours = rank_lines(plan, scn.year)
    t_rank = time.perf_counter() - t0
    t0 = time.perf_counter()
    ref = networkx_rank(plan, scn.year)
    t_ref = time.perf_counter() - t0
    same = np.allclose(sorted(ours["person_minutes_saved"]), sorted(ref), rtol=1e-6)
    print(f"run plan_2025 (CLI, median of 3):      {t_run:6.2f} s   target 10 s  "
          f"({t_run / 10:.2f}× of target)")
    print(f"rank plan_2025 (CLI, goals re-checked): {t_rank_cli:6.2f} s   target 60 s  "
          f"({t_rank_cli / 60:.2f}× of target)")
    print(f"rank trips only, scipy engine:          {t_rank:6.2f} s")
    print(f"rank trips only, networkx reference:    {t_ref:6.2f} s   ratio {t_ref / t_rank:.1f}×, "
          f"same ranking values: {same}")


if __name__ == "__main__":
    main()
