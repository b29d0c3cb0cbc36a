"""Benchmark: start-up cost of ``import network`` and ``python -m network --help``.

Each command runs in a fresh interpreter, interleaved with the reference ``python -c
pass`` (the interpreter's own start-up, site-packages included) in the same run; the
cost of the package is the median difference. Targets: < 0.3 s each. Before the phase
redesign they were about 1.9 s and 3 s.

Run on demand:  .venv/bin/python benchmarks/bench_import.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "python -c 'import network'": [sys.executable, "-c", "import network"],
    "python -m network --help": [sys.executable, "-m", "network", "--help"],
    "python -c 'import geopandas' (for scale)": [sys.executable, "-c", "import geopandas"],
}
TARGET_S = 0.3


def run_once(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    for cmd in COMMANDS.values():  # warm the file-system cache and .pyc files
        run_once(cmd)
    times: dict[str, list[float]] = {k: [] for k in COMMANDS}
    for _ in range(args.repeat):
        for name, cmd in COMMANDS.items():
            times[name].append(run_once(cmd))
    med = {k: statistics.median(v) for k, v in times.items()}
    base = med["python -c pass"]
    print(f"medians of {args.repeat} interleaved runs, fresh interpreter each ({sys.executable})")
    print(f"{'command':44} {'wall s':>8} {'minus pass s':>13} {'target':>8}")
    for name, t in med.items():
        extra = t - base
        target = "" if name == "python -c pass" or "scale" in name else (
            "ok" if extra < TARGET_S else "MISSED")
        print(f"{name:44} {t:>8.3f} {extra:>13.3f} {target:>8}")


if __name__ == "__main__":
    main()
