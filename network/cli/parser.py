"""The command line's options: every command, its arguments, their bounds and help.

Argument types check their value where it is parsed (a year in range, positive distinct
band limits, a grid cell in range), so a bad value is a one-line error with exit code 2
before anything is computed. Building the parser imports nothing heavy.
"""

from __future__ import annotations

import argparse
import importlib
import math
import sys

from ..vocab import BAND_MAX_MIN, CELL_M_RANGE, YEAR_RANGE

#: Modules of ``network.cli`` that define commands: each has ``register(add)``, which adds its
#: subcommands with ``add(name, help, description, examples)`` and sets ``func`` on each.
COMMAND_MODULES = ("query", "jobs", "layers", "catalog", "calibrate", "region", "transit")

EPILOG = "Exit codes: 0 success, 2 bad input (one line per problem), 1 internal error."


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (then exit 2), not usage + error."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def year(text: str) -> int:
    """A phase year within ``network.vocab.YEAR_RANGE``."""
    lo, hi = YEAR_RANGE
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a year") from None
    if not lo <= value <= hi:
        raise argparse.ArgumentTypeError(f"{value} is not a year between {lo} and {hi}")
    return value


def band_limit(text: str) -> float:
    """A band limit in minutes: finite, in (0, 600]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes") from None
    if not math.isfinite(value) or not 0 < value <= BAND_MAX_MIN:
        raise argparse.ArgumentTypeError(f"{text} is not a band limit in (0, {BAND_MAX_MIN:g}] "
                                         "minutes")
    return value


def cell_m(text: str) -> float:
    """A grid cell size in metres, within ``CELL_M_RANGE``."""
    lo, hi = CELL_M_RANGE
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of metres") from None
    if not math.isfinite(value) or not lo <= value <= hi:
        raise argparse.ArgumentTypeError(f"{text} m is outside the supported range "
                                         f"{lo:g}–{hi:g} m")
    return value


def workers(text: str) -> int:
    """A number of local Dask workers, 1–256."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 256:
        raise argparse.ArgumentTypeError(f"{value} is not a worker count between 1 and 256")
    return value


def examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {ln}" for ln in lines) + "\n\n" + EPILOG


def osm_args(s) -> None:
    s.add_argument("--osm", metavar="PATH",
                   help="attach local streets from an OSM extract (.osm/.osm.xml/.graphml)")
    s.add_argument("--online", action="store_true",
                   help="allow --osm to be a place name downloaded with OSMnx (needs internet)")


def scale_args(s) -> None:
    s.add_argument("--workers", type=workers, metavar="N",
                   help="run on a local Dask cluster of N worker processes (needs .[scale])")
    s.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on an existing Dask cluster, e.g. tcp://host:8786")


def bands_args(s, default=(15, 30, 45, 60, 90)) -> None:
    s.add_argument("--bands-min", type=band_limit, nargs="+", default=list(default),
                   metavar="MIN", help="band limits: the upper bound of each isochrone band, "
                                       f"minutes (default {' '.join(map(str, default))})")
    s.add_argument("--cell-m", type=cell_m, default=500.0, metavar="M",
                   help=f"travel-time grid cell, m ({CELL_M_RANGE[0]:g}–{CELL_M_RANGE[1]:g}; "
                        "default 500)")


def build() -> argparse.ArgumentParser:
    """The parser of ``python -m network``."""
    fmt = argparse.RawDescriptionHelpFormatter
    p = Parser(prog="python -m network",
               description="Suining plan networks: phases of the plan, door-to-door travel "
                           "times, isochrones, goal verdicts and offline maps.",
               epilog=examples("python -m network run plan_2025",
                                "python -m network od 遂宁 成都 --year 2030",
                                "python -m network goals --years 2020 2025 2035"),
               formatter_class=fmt)
    p.add_argument("--quiet", "-q", action="store_true", help="print only results and errors")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND",
                           parser_class=Parser)
    quiet = argparse.ArgumentParser(add_help=False)
    quiet.add_argument("--quiet", "-q", action="store_true", default=argparse.SUPPRESS,
                       help="print only results and errors (no progress bars)")

    def add(name: str, help: str, description: str, lines: tuple[str, ...]):
        return sub.add_parser(name, help=help, description=description, parents=[quiet],
                              epilog=examples(*lines), formatter_class=fmt)

    for name in COMMAND_MODULES:
        importlib.import_module(f"{__package__}.{name}").register(add)
    return p


def parse(argv=None) -> argparse.Namespace:
    """Parse ``argv`` (default ``sys.argv[1:]``); exits 2 with one line on bad input."""
    args = build().parse_args(sys.argv[1:] if argv is None else argv)
    bands = getattr(args, "bands_min", None)
    if bands is not None and len(set(bands)) != len(bands):
        Parser(prog=f"python -m network {args.command}").error(
            "argument --bands-min: band limits must be distinct")
    return args


__all__ = ["COMMAND_MODULES", "EPILOG", "Parser", "band_limit", "bands_args", "build", "cell_m",
           "examples", "osm_args", "parse", "scale_args", "workers", "year"]
