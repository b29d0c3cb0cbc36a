"""Command-line interface: ``python -m network COMMAND ...``.

Exit codes: 0 success, 2 bad input (a one-line message naming the file, the record or
key and the problem), 1 internal error.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tomllib
from collections.abc import Sequence

import pandas as pd

from .errors import DataError, NetworkError, UnknownPlaceError

EPILOG = "Exit codes: 0 success, 2 bad input, 1 internal error."


def _parser() -> argparse.ArgumentParser:
    from . import commands

    p = argparse.ArgumentParser(
        prog="python -m network",
        description="Suining plan networks: phase graphs, door-to-door travel times, "
                    "isochrones, goal verdicts and offline maps.",
        epilog=EPILOG)
    p.add_argument("--quiet", "-q", action="store_true", help="print only results and errors")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    quiet = argparse.ArgumentParser(add_help=False)
    quiet.add_argument("--quiet", "-q", action="store_true", default=argparse.SUPPRESS,
                       help="print only results and errors (no progress bars)")
    sub = _WithParents(sub, [quiet])

    s = sub.add_parser("info", help="lines and km per network and status in a year",
                       description="Print, per network and status, the number of lines in "
                                   "service in YEAR and their length in km.", epilog=EPILOG)
    s.add_argument("--year", type=int, default=2025, help="phase year (default 2025)")
    s.add_argument("--scenario", help="scenario file or name to apply")
    s.add_argument("--lines", action="store_true", help="also list every line")

    s = sub.add_parser("od", help="travel time between two places",
                       description="Shortest time FROM → TO. FROM and TO are node ids or "
                                   "Chinese/English names; a name resolves to a station for "
                                   "--mode rail, to a centre or county seat otherwise.",
                       epilog=EPILOG)
    s.add_argument("origin", metavar="FROM")
    s.add_argument("destination", metavar="TO")
    s.add_argument("--year", type=int, default=2025, help="phase year (default 2025)")
    s.add_argument("--mode", choices=("any", "rail", "road"), default="any",
                   help="any (door to door, default), rail (station to station), road")
    s.add_argument("--scenario", help="scenario file or name to apply")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    commands.add_osm_args(s)

    s = sub.add_parser("goals", help="check the plan's travel-time goals by year",
                       description="Verdicts on the 1-hour and half-hour goals in each year, "
                                   "and the first year each goal is met.", epilog=EPILOG)
    s.add_argument("--years", type=int, nargs="+", default=[2020, 2025, 2030, 2035])
    s.add_argument("--scenario", help="scenario file or name to apply")
    s.add_argument("--goals", help="goals file (default scenarios/goals.toml)")
    s.add_argument("--csv", metavar="PATH", help="also write the goal table as CSV")

    s = sub.add_parser("validate", help="check a scenario file or the data folder",
                       description="Validate a scenario TOML file, a goals file, or a data "
                                   "folder (default data/geo) without running anything.",
                       epilog=EPILOG)
    s.add_argument("path", nargs="?", help="scenario .toml, goals .toml, or data folder")

    commands.add_parsers(sub, EPILOG)
    return p


class _WithParents:
    """Subparsers that all share the given parent parsers (e.g. ``--quiet``)."""

    def __init__(self, sub, parents):
        self._sub, self._parents = sub, parents

    def add_parser(self, *args, **kwargs):
        kwargs.setdefault("parents", self._parents)
        return self._sub.add_parser(*args, **kwargs)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    args = _parser().parse_args(argv)
    try:
        return int(_dispatch(args) or 0)
    except (DataError, UnknownPlaceError) as exc:
        msg = str(exc).replace("\n", " ")
        print(f"error: {msg}", file=sys.stderr)
        return 2
    except NetworkError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `python -m network info | head`
        sys.stderr.close()
        return 0
    except Exception as exc:  # an internal error: one line, a traceback only on request
        if os.environ.get("SUINING_DEBUG"):
            raise
        print(f"internal error: {type(exc).__name__}: {exc} (set SUINING_DEBUG=1 for the "
              "traceback)", file=sys.stderr)
        return 1


def _dispatch(args) -> int:
    from . import commands

    handler = {"info": cmd_info, "od": cmd_od, "goals": cmd_goals,
               "validate": cmd_validate}.get(args.command) or getattr(commands, f"cmd_{args.command}")
    return handler(args)


def network_summary(plan, year: int) -> pd.DataFrame:
    """Lines of ``plan`` in service in ``year``: count and km per network and status.

    km is the official length where a source gives one, else the geometry's length.
    """
    gdf = plan.lines_gdf(year).to_crs("EPSG:32648")
    gdf["km"] = gdf["length_km_official"].fillna(gdf.length / 1000.0)
    table = gdf.groupby(["network", "status"]).agg(lines=("id", "count"), km=("km", "sum"))
    return table.round(1)


def cmd_info(args) -> int:
    from .graph import default_plan, phase_graph, settings_for
    from .scenario import read_scenario

    scn = read_scenario(args.scenario) if args.scenario else None
    plan = default_plan().with_scenario(scn)
    table = network_summary(plan, args.year)
    G = phase_graph(plan, args.year, settings_for(scn))
    print(f"Suining plan networks as of {args.year}"
          + (f" (scenario {scn.name})" if scn else ""))
    print(table.to_string())
    print("\nper network:")
    print(table.groupby(level="network").sum().to_string())
    print(f"\ngraph: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges")
    if args.lines:  # the same plan: a scenario's added or delayed lines show here too
        cols = ["network", "name_zh", "name_en", "status", "open_year", "operating_speed_kph",
                "confidence"]
        print()
        print(plan.lines_gdf(args.year)[cols].sort_values(["network", "open_year"]).to_string())
    return 0


def _fmt_min(m: float) -> str:
    return "not reachable" if not math.isfinite(m) else f"{m:.1f} min"


def cmd_od(args) -> int:
    from .commands import with_osm
    from .graph import graph_as_of
    from .routing import od_times
    from .scenario import read_scenario
    from .settings import TERMS

    scn = read_scenario(args.scenario) if args.scenario else None
    G = graph_as_of(args.year, with_osm(scn, args), online=args.online)
    try:
        row = od_times(G, [(args.origin, args.destination)], mode=args.mode).iloc[0]
    except UnknownPlaceError as exc:
        raise _not_in_service(exc, args.year) from None
    reach = math.isfinite(row["minutes"])
    if args.json:
        out = {"from": row["from"], "to": row["to"], "year": args.year, "mode": args.mode,
               "minutes": round(row["minutes"], 2) if reach else None,
               "km": round(row["km"], 2) if reach else None, "lines": list(row["lines"]),
               "timetable_min": round(row["timetable_min"], 2) if reach else None,
               "terms_min": {t: round(row[f"{t}_min"], 2) for t in TERMS} if reach else None}
        print(json.dumps(out, ensure_ascii=False))
        return 0
    n = G.nodes
    print(f"{n[row['from']]['name_zh']} ({row['from']}) → {n[row['to']]['name_zh']} "
          f"({row['to']}), {args.year}, mode {args.mode}: {_fmt_min(row['minutes'])}")
    if reach:
        print(f"  distance {row['km']:.1f} km; lines: {', '.join(row['lines']) or '-'}")
        terms = ", ".join(f"{t} {row[f'{t}_min']:.1f}" for t in TERMS if row[f"{t}_min"] > 0)
        print(f"  terms (min): {terms}")
        if args.mode == "rail":
            print(f"  station to station (timetable): {row['timetable_min']:.1f} min")
    return 0


def _not_in_service(exc: UnknownPlaceError, year: int) -> UnknownPlaceError:
    """Say so when the unknown name is a plan node that no line serves yet in ``year``."""
    from .graph import default_plan
    from .routing import _loose_match

    nodes = default_plan().nodes
    hits = [nid for nid, r in nodes.iterrows() if exc.query == nid or any(
        _loose_match(r[k], exc.query) for k in ("name_zh", "name_en"))]
    if not hits:
        return exc
    nid = hits[0]
    msg = (f"{exc.query!r} is {nodes.at[nid, 'name_zh']} ({nid}), which no line in service in "
           f"{year} serves; try a later --year or a scenario that opens it")
    return _with_message(exc, msg)


def _with_message(exc: UnknownPlaceError, msg: str) -> UnknownPlaceError:
    out = UnknownPlaceError(exc.query, exc.suggestions)
    out.args = (msg,)
    return out


def cmd_goals(args) -> int:
    from .goals import check_goals, first_year_met
    from .io import write_csv

    table = check_goals(years=args.years, scenario=args.scenario, goals=args.goals)
    show = table[["year", "goal_id", "destination", "measure", "limit_min", "minutes",
                  "margin_min", "value", "passed"]].copy()
    print(show.round(2).to_string(index=False))
    print("\nfirst year met:")
    print(first_year_met(table).to_string(index=False))
    if args.csv:
        write_csv(table, args.csv)
        if not args.quiet:
            print(f"\nwrote {args.csv}")
    return 0


def cmd_validate(args) -> int:
    from pathlib import Path

    from .data import load_plan
    from .scenario import read_scenario

    path = Path(args.path) if args.path else None
    if path is None or path.is_dir():
        plan = load_plan(path)
        print(f"ok: {plan.data_dir}: {len(plan.nodes)} nodes, {len(plan.lines)} lines")
        return 0
    if path.suffix == ".toml" and path.is_file() and path.stat().st_size < 1_000_000:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            raw = {}
        if "goal" in raw:
            from .goals import read_goals

            print(f"ok: {path}: {len(read_goals(path))} goals")
            return 0
    scn = read_scenario(path)
    from .graph import default_plan

    default_plan().with_scenario(scn)
    print(f"ok: {path}: scenario {scn.name!r} ({scn.year})")
    return 0
