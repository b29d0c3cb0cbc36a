"""Commands that say what there is: ``list``, ``schema`` and ``completion``.

``list nodes|lines|services|goals`` prints the ids a scenario file or a goals file may
name, with both names, the status and the opening year, so that nobody has to grep
``data/geo/``. By default it lists what exists in one year (``--year``, default 2025, or
the scenario's year); ``--all-years`` lists every record, undated proposals included.
``schema`` prints the JSON Schema of scenario files; ``completion`` prints a shell
completion script (generated with shtab from the parser itself, so it cannot drift).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..vocab import LINE_CLASSES, NETWORKS, NODE_KINDS, STATUSES
from .parser import year

if TYPE_CHECKING:  # building the parser imports nothing heavy; pandas comes with a command
    import pandas as pd

#: Default year of ``list`` without ``--scenario`` (as for ``info`` and ``od``).
DEFAULT_LIST_YEAR = 2025
#: Order in which a node's status is reported: the most advanced status of its lines.
_STATUS_ORDER = {s: i for i, s in enumerate(STATUSES)}
#: Shells ``completion`` can write for.
SHELLS = ("bash", "zsh", "tcsh")


def register(add) -> None:
    """Add this module's commands to the parser."""
    from .parser import Parser

    s = add("list", "list node, line, service or goal ids (both names, status, opening year)",
            "List the ids that scenario and goals files name: nodes (stations, "
            "interchanges, places), lines, rail services and goals. By default only what "
            f"exists in --year (default {DEFAULT_LIST_YEAR}, or the scenario's year); "
            "--all-years lists every record, undated proposals included.",
            ("python -m network list lines --all-years",
             "python -m network list nodes --kind interchange --json",
             "python -m network list lines --kind rail --year 2030",
             "python -m network list goals"))
    what = s.add_subparsers(dest="what", required=True, metavar="WHAT", parser_class=Parser)

    def noun(name: str, help: str, kinds, kind_help: str, years: bool = True):
        p = what.add_parser(name, help=help, description=help)
        p.add_argument("--kind", choices=kinds, metavar="KIND",
                       help=f"{kind_help}: {', '.join(kinds)}")
        if years:
            p.add_argument("--year", type=year, metavar="YEAR",
                           help=f"what exists in this year (default {DEFAULT_LIST_YEAR}, or "
                                "the scenario's year)")
            p.add_argument("--all-years", action="store_true",
                           help="every record, whatever its year (undated proposals too)")
            p.add_argument("--scenario", help="scenario file or name to apply (its added and "
                                              "changed lines show)")
        p.add_argument("--json", action="store_true", help="print one JSON array")
        return p

    noun("nodes", "stations, interchanges and places, with the lines that call there",
         NODE_KINDS, "node kind").set_defaults(func=cmd_list_nodes)
    noun("lines", "railway, expressway and trunk-road lines", (*NETWORKS, *_line_classes()),
         "network or line class").set_defaults(func=cmd_list_lines)
    noun("services", "rail service patterns of data/geo/services.csv (as recorded)",
         ("observed", "target", "assumption"), "service kind").set_defaults(
        func=cmd_list_services)
    p = noun("goals", "the plan's travel-time goals", ("rail_station", "door_to_door", "road",
                                                        "population_share"),
             "goal measure", years=False)
    p.add_argument("--goals", metavar="PATH", help="goals file (default scenarios/goals.toml)")
    p.set_defaults(func=cmd_list_goals)

    s = add("schema", "print the JSON Schema of scenario files (for editors)",
            "Print the JSON Schema of scenario files, generated from the validating models. "
            "Editors that read JSON Schema for TOML (VS Code with Even Better TOML, taplo) "
            "complete and check scenario keys with it. The same file ships with the "
            "package: network/scenario.schema.json.",
            ("python -m network schema > scenario.schema.json",))
    s.set_defaults(func=cmd_schema)

    s = add("completion", "print a shell completion script",
            "Print a completion script for bash, zsh or tcsh. It completes the commands, "
            "options and choices of the console script (suining-network, in .venv/bin).",
            ("python -m network completion bash > ~/.local/share/bash-completion/completions/"
             "suining-network",
             "python -m network completion zsh > ~/.zfunc/_suining-network"))
    s.add_argument("shell", choices=SHELLS, metavar="SHELL", help=f"one of {', '.join(SHELLS)}")
    s.add_argument("--prog", default="suining-network",
                   help="command name to complete (default suining-network)")
    s.set_defaults(func=cmd_completion)


def _line_classes() -> list[str]:
    return [c for n in NETWORKS for c in LINE_CLASSES[n] if c not in NETWORKS]


# --------------------------------------------------------------------------- tables


def line_table(plan, year: int | None = None) -> pd.DataFrame:
    """Line records of ``plan``: those in service in ``year``, or all of them (``None``).

    Returns
    -------
    pandas.DataFrame
        ``id, network, line_class, status, open_year, name_zh, name_en,
        operating_speed_kph, plan_group, confidence, stops`` (``open_year`` is ``<NA>``
        for undated proposals; ``stops`` a list of node ids), sorted by network,
        opening year and id.
    """
    import pandas as pd

    recs = plan.lines_as_of(year) if year is not None else list(plan.lines.values())
    rows = [{"id": r["id"], "network": r["network"], "line_class": r["line_class"],
             "status": r["status"], "open_year": r.get("open_year"), "name_zh": r["name_zh"],
             "name_en": r["name_en"], "operating_speed_kph": r.get("operating_speed_kph"),
             "plan_group": r.get("plan_group", ""), "confidence": r.get("confidence", ""),
             "stops": list(r.get("stops") or [])} for r in recs]
    df = pd.DataFrame(rows, columns=["id", "network", "line_class", "status", "open_year",
                                     "name_zh", "name_en", "operating_speed_kph", "plan_group",
                                     "confidence", "stops"])
    df["open_year"] = df["open_year"].astype("Int64")
    order = {n: i for i, n in enumerate(NETWORKS)}
    df = df.assign(_n=df["network"].map(order), _y=df["open_year"].fillna(9999))
    return df.sort_values(["_n", "_y", "id"]).drop(columns=["_n", "_y"]).reset_index(drop=True)


def node_table(plan, year: int | None = None) -> pd.DataFrame:
    """Nodes of ``plan`` with the lines that call at each, all years or in ``year``.

    A node's ``open_year`` is the first year a line calls there and its ``status`` the
    most advanced status of those lines (``existing`` before ``under_construction``,
    ``planned``, ``proposed``); both are empty for a node no line calls at (a place
    reached only by local roads). With ``year``, only the places and the nodes that a
    line in service in that year calls at are listed.

    Returns
    -------
    pandas.DataFrame
        ``id, kind, name_zh, name_en, serves, status, open_year, lines`` (``lines``: the
        ids of every line calling there, any year).
    """
    import pandas as pd

    calls: dict[str, list[dict]] = {}
    for rec in plan.lines.values():
        for stop in rec.get("stops") or []:
            calls.setdefault(stop, []).append(rec)
    open_now = ({r["id"] for r in plan.lines_as_of(year)} if year is not None else None)
    rows = []
    for nid, n in plan.nodes.iterrows():
        lines = sorted(calls.get(nid, []), key=lambda r: r["id"])
        if open_now is not None and n["kind"] not in ("centre", "county_seat", "town") \
                and not any(r["id"] in open_now for r in lines):
            continue
        dated = [r["open_year"] for r in lines if r.get("open_year") is not None]
        status = min((r["status"] for r in lines), key=lambda s: _STATUS_ORDER.get(s, 99),
                     default=None)
        rows.append({"id": nid, "kind": n["kind"], "name_zh": n["name_zh"],
                     "name_en": n["name_en"], "serves": n.get("serves", "") or "",
                     "status": status, "open_year": min(dated) if dated else None,
                     "lines": [r["id"] for r in lines]})
    df = pd.DataFrame(rows, columns=["id", "kind", "name_zh", "name_en", "serves", "status",
                                     "open_year", "lines"])
    df["open_year"] = df["open_year"].astype("Int64")
    order = {k: i for i, k in enumerate(NODE_KINDS)}
    df = df.assign(_k=df["kind"].map(order))
    return df.sort_values(["_k", "id"]).drop(columns="_k").reset_index(drop=True)


def service_table(data_dir: Path, year: int | None = None) -> pd.DataFrame | None:
    """``services.csv`` as recorded (text columns), or ``None`` if the data has none.

    With ``year``, only the patterns running that year (``first_year <= year`` and
    ``last_year`` empty or later); patterns without a ``first_year`` wait for a scenario
    to date their line and are listed with ``--all-years`` only.
    """
    import pandas as pd

    path = Path(data_dir) / "services.csv"
    if not path.is_file():
        return None
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    if year is not None and {"first_year", "last_year"} <= set(df.columns):
        first = pd.to_numeric(df["first_year"], errors="coerce")
        last = pd.to_numeric(df["last_year"], errors="coerce")
        df = df[(first <= year) & (last.isna() | (last >= year))]
    return df.reset_index(drop=True)


def goal_list(path: str | None = None) -> pd.DataFrame:
    """The goals of a goals file (default ``scenarios/goals.toml``), one row each."""
    import pandas as pd

    from ..analysis.goals import read_goals

    rows = [{"id": g.id, "measure": g.measure, "origin": g.origin,
             "destination": list(g.destination) or list(g.area), "limit_min": g.limit_min,
             "target_share": g.target_share, "label": g.label} for g in read_goals(path)]
    return pd.DataFrame(rows, columns=["id", "measure", "origin", "destination", "limit_min",
                                       "target_share", "label"])


# --------------------------------------------------------------------------- commands


def _plan_and_year(args):
    from ..model.phase import Phase

    if args.scenario:
        phase = Phase.of(args.scenario, year=args.year)
    else:
        phase = Phase.of(args.year or DEFAULT_LIST_YEAR)
    return phase.plan, (None if args.all_years else phase.year), phase


def _print(df: pd.DataFrame, args, heading: str, list_cols=()) -> int:
    import pandas as pd

    if args.json:
        records = json.loads(df.to_json(orient="records", force_ascii=False))
        print(json.dumps(records, ensure_ascii=False, indent=1))
        return 0
    if not len(df):
        print(f"{heading}: none")
        return 0
    show = df.copy()
    for col in list_cols:
        show[col] = show[col].map(lambda v: ", ".join(v) if isinstance(v, list) else v)
    if "open_year" in show:  # undated: a line without a date; "-": no line calls there
        none = show["status"].isna() if "status" in show else False
        show["open_year"] = show["open_year"].astype(object).map(
            lambda v: "undated" if pd.isna(v) else int(v)).astype(object)
        show.loc[none, "open_year"] = "-"
    print(f"{heading} ({len(df)}):")
    print(show.astype(object).fillna("-").to_string(index=False))
    return 0


def _when(args, year: int | None, phase) -> str:
    scn = f", scenario {phase.name}" if phase.scenario is not None else ""
    return (f"every year{scn}" if year is None else f"in {year}{scn}")


def cmd_list_nodes(args) -> int:
    plan, yr, phase = _plan_and_year(args)
    df = node_table(plan, yr)
    if args.kind:
        df = df[df["kind"] == args.kind].reset_index(drop=True)
    what = f"{args.kind} nodes" if args.kind else "nodes"
    return _print(df, args, f"{what}, {_when(args, yr, phase)}", list_cols=("lines",))


def cmd_list_lines(args) -> int:
    plan, yr, phase = _plan_and_year(args)
    df = line_table(plan, yr)
    if args.kind:
        df = df[(df["network"] == args.kind) | (df["line_class"] == args.kind)]
        df = df.reset_index(drop=True)
    if not args.json:
        df = df.drop(columns=["stops", "plan_group"])
    what = f"{args.kind} lines" if args.kind else "lines"
    heading = f"{what} in service {_when(args, yr, phase)}" if yr is not None else \
        f"{what} of the plan, {_when(args, yr, phase)} (status as of the latest source)"
    return _print(df, args, heading)


def cmd_list_services(args) -> int:
    import pandas as pd

    plan, yr, phase = _plan_and_year(args)
    df = service_table(plan.data_dir, yr)
    if df is None:
        print(f"no services.csv in {plan.data_dir}", file=sys.stderr)
        return _print(pd.DataFrame(), args, "services")
    if args.kind and "kind" in df:
        df = df[df["kind"] == args.kind].reset_index(drop=True)
    if not args.json:
        keep = [c for c in ("id", "kind", "first_year", "last_year", "trains_per_day", "calls",
                            "name_en") if c in df.columns]
        df = df[keep]
    return _print(df, args, f"rail service patterns running {_when(args, yr, phase)} "
                            "(as recorded in services.csv)")


def cmd_list_goals(args) -> int:
    df = goal_list(args.goals)
    if args.kind:
        df = df[df["measure"] == args.kind].reset_index(drop=True)
    return _print(df, args, "goals", list_cols=("destination",))


def cmd_schema(args) -> int:
    from ..model.schema import scenario_schema_text

    sys.stdout.write(scenario_schema_text())
    return 0


def cmd_completion(args) -> int:
    import shtab

    from .parser import build

    parser = build()
    parser.prog = args.prog
    sys.stdout.write(shtab.complete(parser, shell=args.shell))
    return 0


__all__ = ["DEFAULT_LIST_YEAR", "SHELLS", "goal_list", "line_table", "node_table",
           "register", "service_table"]
