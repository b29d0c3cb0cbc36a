"""Benchmark: leave-one-out ranking of ``plan_2035``, serial against Dask workers.

Runs, on the same inputs (the scenario's goals re-checked, as ``suining-network rank``
does):

* ``rank_lines`` serially (the reference);
* :func:`network.scale.tasks.batch_rank` serially (the batch layer's own overhead);
* :func:`network.scale.tasks.batch_rank` on a ``LocalCluster`` of N worker processes (each
  task carries the phase's recipe; every worker rebuilds the phase once);
* ``rank_lines`` with a plain Dask map on the same cluster.

Reports the median wall time of each, the ratios to the serial reference and the
cluster start-up time, and checks that every table equals the reference. On a 2-core
machine no speed-up is expected: the ratio shows the overhead.

Run on demand:  .venv/bin/python benchmarks/bench_batch.py [--workers 2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import pandas as pd

import network as sn
from network.analysis.goals import read_goals
from network.analysis.rank import rank_lines
from network.scale.dask import client_for
from network.scale.tasks import batch_rank


def timed(func: Callable, repeat: int) -> tuple[float, object]:
    """Median wall time of ``func()`` over ``repeat`` runs, and its last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="plan_2035")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    phase = sn.Phase.of(args.scenario)
    scn = phase.scenario
    goals = read_goals(scn.run.goals) if scn.run.goals else None
    n_lines = len(phase.plan.lines_as_of(scn.year))
    print(f"rank {scn.name} ({scn.year}): {n_lines} lines, {len(goals or [])} goals; "
          f"{os.cpu_count()} CPUs, {args.workers} workers, median of {args.repeat}")

    kw = dict(goals=goals)
    rank_lines(phase, **kw)  # warm caches (trips, imports) outside the timings
    rows = []
    t_ref, ref = timed(lambda: rank_lines(phase, **kw), args.repeat)
    rows.append(("rank_lines, serial", t_ref, ref))
    t, out = timed(lambda: batch_rank(phase, **kw), args.repeat)
    rows.append(("batch_rank, serial", t, out))

    t0 = time.perf_counter()
    with client_for(workers=args.workers) as client:
        t_start = time.perf_counter() - t0
        client.run(lambda: __import__("network.scale.tasks"))  # workers import it once
        t, out = timed(lambda: batch_rank(phase, client, **kw), args.repeat)
        rows.append((f"batch_rank, {args.workers} workers", t, out))

        def plain_map(func, items):
            futures = client.map(func, list(items), pure=False)
            return [f.result() for f in futures]

        t, out = timed(lambda: rank_lines(phase, mapper=plain_map, **kw), args.repeat)
        rows.append((f"rank_lines + plain map, {args.workers} workers", t, out))

    print(f"\nLocalCluster start-up ({args.workers} processes): {t_start:.2f} s (not in the times)")
    print(f"{'run':<40} {'median s':>9} {'× serial':>9}  same table")
    for name, t, out in rows:
        try:
            pd.testing.assert_frame_equal(out, ref, check_exact=True)
            same = "yes"
        except AssertionError:
            same = "NO"
        print(f"{name:<40} {t:9.2f} {t / t_ref:9.2f}  {same}")


if __name__ == "__main__":  # required: worker processes are spawned and re-import this file
    main()
