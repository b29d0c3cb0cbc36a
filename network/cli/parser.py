"""The command line's options: every command, its arguments, their bounds and help.

Argument types check their value where it is parsed (a year in range, positive distinct
band limits, a grid cell in range), so a bad value is a one-line error with exit code 2
before anything is computed. Building the parser imports nothing heavy.
"""

from __future__ import annotations

import argparse
import math
import sys

from ..vocab import BAND_MAX_MIN, CELL_M_RANGE, MODES, YEAR_RANGE

EPILOG = "Exit codes: 0 success, 2 bad input (one line per problem), 1 internal error."


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (then exit 2), not usage + error."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def year(text: str) -> int:
    """A phase year within :data:`network.vocab.YEAR_RANGE`."""
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
    """A grid cell size in metres, within :data:`CELL_M_RANGE`."""
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


def _examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {ln}" for ln in lines) + "\n\n" + EPILOG


def _osm(s) -> None:
    s.add_argument("--osm", metavar="PATH",
                   help="attach local streets from an OSM extract (.osm/.osm.xml/.graphml)")
    s.add_argument("--online", action="store_true",
                   help="allow --osm to be a place name downloaded with OSMnx (needs internet)")


def _scale(s) -> None:
    s.add_argument("--workers", type=workers, metavar="N",
                   help="run on a local Dask cluster of N worker processes (needs .[scale])")
    s.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on an existing Dask cluster, e.g. tcp://host:8786")


def _bands(s, default=(15, 30, 45, 60, 90)) -> None:
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
               epilog=_examples("python -m network run plan_2025",
                                "python -m network od 遂宁 成都 --year 2030",
                                "python -m network goals --years 2020 2025 2035"),
               formatter_class=fmt)
    p.add_argument("--quiet", "-q", action="store_true", help="print only results and errors")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND",
                           parser_class=Parser)
    quiet = argparse.ArgumentParser(add_help=False)
    quiet.add_argument("--quiet", "-q", action="store_true", default=argparse.SUPPRESS,
                       help="print only results and errors (no progress bars)")

    def add(name: str, help: str, description: str, examples: tuple[str, ...]):
        return sub.add_parser(name, help=help, description=description, parents=[quiet],
                              epilog=_examples(*examples), formatter_class=fmt)

    s = add("info", "lines and km per network and status in a year",
            "Print, per network and status, the lines in service in YEAR and their km.",
            ("python -m network info --year 2030", "python -m network info --lines"))
    s.add_argument("--year", type=year, default=2025, help="phase year (default 2025)")
    s.add_argument("--scenario", help="scenario file or name to apply")
    s.add_argument("--lines", action="store_true", help="also list every line in service")

    s = add("od", "travel time between two places",
            "Shortest time FROM → TO as a sum of terms. FROM and TO are node ids or "
            "Chinese/English names; a name resolves to a station for --mode rail, to a "
            "centre or county seat otherwise.",
            ("python -m network od 遂宁 成都", "python -m network od 遂宁 重庆北 --mode rail",
             "python -m network od suining tongnan --year 2035 --json"))
    s.add_argument("origin", metavar="FROM", help="node id or place name")
    s.add_argument("destination", metavar="TO", help="node id or place name")
    s.add_argument("--year", type=year, default=2025, help="phase year (default 2025)")
    s.add_argument("--mode", choices=MODES, default="any",
                   help="any (door to door, default), rail (station to station), road")
    s.add_argument("--scenario", help="scenario file or name to apply")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    _osm(s)

    s = add("goals", "check the plan's travel-time goals by year",
            "Verdicts on the 1-hour and half-hour goals in each year, and the first year "
            "each goal is met.",
            ("python -m network goals", "python -m network goals --years 2025 2035 --csv g.csv"))
    s.add_argument("--years", type=year, nargs="+", default=[2020, 2025, 2030, 2035],
                   metavar="YEAR", help="phase years to check (default 2020 2025 2030 2035)")
    s.add_argument("--scenario", help="scenario file or name to apply")
    s.add_argument("--goals", help="goals file (default scenarios/goals.toml)")
    s.add_argument("--csv", metavar="PATH", help="also write the goal table as CSV")

    s = add("validate", "check a scenario file, a goals file or the data folder",
            "Validate a scenario TOML file, a goals file, or a data folder (default "
            "data/geo) without running anything.",
            ("python -m network validate scenarios/my_idea.toml",
             "python -m network validate data/geo"))
    s.add_argument("path", nargs="?", metavar="PATH",
                   help="scenario .toml, goals .toml, or data folder (default data/geo)")

    s = add("run", "run a scenario: map, figure, goals, isochrones, report",
            "Run SCENARIO (a .toml file or a name in scenarios/) and write map.html, map.png, "
            "goals.csv, isochrones.gpkg and report.md into --out (replaced as a whole).",
            ("python -m network run plan_2025", "python -m network run my.toml --out out/my"))
    s.add_argument("scenario", metavar="SCENARIO", help="scenario file or name")
    s.add_argument("--out", help="output folder (default out/<scenario name>)")
    s.add_argument("--tiles", help="add web tiles (e.g. OpenStreetMap); needs internet to view")
    _osm(s)
    _scale(s)

    s = add("compare", "compare two scenarios on one map and table",
            "Compare A and B (scenario names or files, or years for the plan itself): the "
            "lines that differ, the area and residents newly within 30 and 60 min, minutes "
            "saved per place, and the goals that flip. Both are compared in B's year unless "
            "--year or --own-years says otherwise. Writes compare.html and compare.md.",
            ("python -m network compare plan_2035 lanyu_hsr",
             "python -m network compare 2020 plan_2035 --own-years"))
    s.add_argument("a", metavar="A", help="scenario name/file, or a year (the plan itself)")
    s.add_argument("b", metavar="B", help="scenario name/file, or a year (the plan itself)")
    s.add_argument("--year", type=year, help="compare both in this year (default: B's year)")
    s.add_argument("--own-years", action="store_true", help="compare each in its own year")
    s.add_argument("--out", help="output folder (default out/<A>_vs_<B>)")
    _osm(s)

    s = add("rank", "rank lines by marginal benefit (leave one out)",
            "For each line in service in the scenario's year, mask it out of the network and "
            "measure what is lost. --by person-minutes (default): population-weighted "
            "door-to-door minutes of trips from each county seat to 遂宁, 成都 and 重庆; "
            "reach-population: residents within 30 min of 遂宁; goal-margin: minutes of goal "
            "margin lost. A line scores zero when no measured trip uses it (the table says "
            "why). Writes ranking.csv.",
            ("python -m network rank plan_2035", "python -m network rank plan_2035 --by "
             "reach-population --workers 2"))
    s.add_argument("scenario", metavar="SCENARIO", help="scenario file or name")
    s.add_argument("--by", choices=("person-minutes", "reach-population", "goal-margin"),
                   default="person-minutes", help="the measure to rank by")
    s.add_argument("--out", help="output folder (default out/<scenario name>_rank)")
    _osm(s)
    _scale(s)

    s = add("batch", "isochrones (and goals) of several scenarios × origins",
            "Compute isochrone bands for every SCENARIO × year × ORIGIN in one batch, "
            "serially or on Dask workers, into one GeoPackage (and goals.csv beside it with "
            "--goals).",
            ("python -m network batch plan_2025 plan_2035 --origins suining tongnan "
             "--out out/batch.gpkg",))
    s.add_argument("scenarios", metavar="SCENARIO", nargs="+", help="scenario names or files")
    s.add_argument("--origins", nargs="+", required=True, metavar="ORIGIN",
                   help="node ids or place names")
    s.add_argument("--years", type=year, nargs="+", metavar="YEAR",
                   help="phase years (default: each scenario's own year)")
    _bands(s)
    s.add_argument("--goals", action="store_true", help="also write goals.csv")
    s.add_argument("--out", required=True, help="output .gpkg or .geojson")
    _osm(s)
    _scale(s)

    s = add("maps", "regenerate the maps of every shipped scenario",
            "Render every scenario in scenarios/ to DIR/<name>.html and write DIR/index.html.",
            ("python -m network maps --out maps",))
    s.add_argument("--out", default="maps", help="output folder (default maps/)")

    s = add("isochrones", "isochrone bands from a place as GeoPackage/GeoJSON",
            "Compute isochrone bands from ORIGIN and write them to a GeoPackage (.gpkg) or "
            "GeoJSON (.geojson) file.",
            ("python -m network isochrones 遂宁 --year 2030 --out bands.gpkg",))
    s.add_argument("origin", metavar="ORIGIN", help="node id or place name")
    s.add_argument("--year", type=year, default=2025, help="phase year (default 2025)")
    s.add_argument("--scenario", help="scenario file or name to apply")
    s.add_argument("--mode", choices=MODES, default="any", help="routing mode (default any)")
    _bands(s)
    s.add_argument("--out", required=True, help="output .gpkg or .geojson")
    _osm(s)
    return p


def parse(argv=None) -> argparse.Namespace:
    """Parse ``argv`` (default ``sys.argv[1:]``); exits 2 with one line on bad input."""
    args = build().parse_args(sys.argv[1:] if argv is None else argv)
    bands = getattr(args, "bands_min", None)
    if bands is not None and len(set(bands)) != len(bands):
        Parser(prog=f"python -m network {args.command}").error(
            "argument --bands-min: band limits must be distinct")
    return args


__all__ = ["EPILOG", "Parser", "band_limit", "build", "cell_m", "parse", "workers", "year"]
