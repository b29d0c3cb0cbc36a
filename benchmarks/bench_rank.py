"""Benchmark: the leave-one-out ranking (masking roads), against rebuilding the graph per line.

The reference is the method the package used before the phase redesign, written plainly
here: for every line in service, rebuild the phase graph without it (``build_graph``),
compile it and route the same trips. The package builds and compiles the graph once and
masks the edges of each line no train runs over (:meth:`CompiledGraph.without_lines`);
rail lines, whose trains set other trains' waits, it rebuilds too. Both run in this
process, on the same phase, and must give the same person-minutes; the ratio is printed.

Run on demand:  .venv/bin/python benchmarks/bench_rank.py [SCENARIO]
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace

import numpy as np

import network as sn
from network.analysis.rank import default_trips, rank_lines, trip_minutes
from network.model.graph import build_graph


def rebuild_per_line(phase, trips, cap_min: float = 240.0) -> dict[str, float]:
    """Reference: rebuild and recompile the whole graph once per line left out."""
    plan, year, cfg = phase.plan, phase.year, phase.settings
    w = trips["weight"].to_numpy(float)
    base, _ = trip_minutes(build_graph(plan, year, cfg), trips, cap_min)
    out = {}
    for lid in sorted(ln["id"] for ln in plan.lines_as_of(year)):
        without = replace(plan, lines={k: v for k, v in plan.lines.items() if k != lid})
        minutes, _ = trip_minutes(build_graph(without, year, cfg), trips, cap_min)
        out[lid] = float(w @ (minutes - base))
    return out


def main(name: str = "plan_2035", repeat: int = 3) -> None:
    phase = sn.Phase.of(name)
    trips = default_trips(phase)
    phase.compiled  # noqa: B018 - both methods start from loaded data and units
    t_mask, t_ref = [], []
    for _ in range(repeat):
        fresh = sn.Phase.of(name)  # a new phase: the masked method pays its one build too
        t0 = time.perf_counter()
        ours = rank_lines(fresh, trips=trips)
        t_mask.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        ref = rebuild_per_line(fresh, trips)
        t_ref.append(time.perf_counter() - t0)
    got = ours.set_index("line_id")["person_minutes_saved"]
    same = np.allclose([got[k] for k in ref], list(ref.values()), rtol=1e-9, atol=1e-6)
    mask, rebuild = min(t_mask), min(t_ref)
    print(f"rank {name}: {len(ref)} lines, {len(trips)} trips (best of {repeat})")
    print(f"  masking roads (package):   {mask:6.2f} s")
    print(f"  rebuild per line (ref.):   {rebuild:6.2f} s")
    print(f"  speed-up: {rebuild / mask:.1f}×   target ≥ 2×   same person-minutes: {same}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
