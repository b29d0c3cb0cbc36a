"""Commands that look things up and print: ``info``, ``od``, ``goals``, ``validate``."""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path

from ..vocab import MODES
from ._common import _phase, _say
from .parser import osm_args, year


def register(add) -> None:
    """Add this module's commands to the parser."""
    s = add("info", "lines and km per network and status in a year",
            "Print, per network and status, the lines in service in YEAR and their km.",
            ("python -m network info --year 2030", "python -m network info --lines"))
    s.add_argument("--year", type=year, help="phase year (default: the scenario's year, else 2025)")
    s.add_argument("--scenario", help="scenario file or name to apply")
    s.add_argument("--lines", action="store_true", help="also list every line in service")
    s.set_defaults(func=cmd_info)

    s = add("od", "travel time between two places",
            "Shortest time FROM → TO as a sum of terms. FROM and TO are node ids or "
            "Chinese/English names; a name resolves to a station for --mode rail, to a "
            "centre or county seat otherwise.",
            ("python -m network od 遂宁 成都", "python -m network od 遂宁 重庆北 --mode rail",
             "python -m network od suining tongnan --year 2035 --json",
             "python -m network od 遂宁 安居机场 --year 2030 --mode transit"))
    s.add_argument("origin", metavar="FROM", help="node id or place name")
    s.add_argument("destination", metavar="TO", help="node id or place name")
    s.add_argument("--year", type=year, help="phase year (default: the scenario's year, else 2025)")
    s.add_argument("--mode", choices=MODES, default="any",
                   help="any (door to door, default), rail (station to station), road, "
                        "transit (walk, bus, rail and metro: no car)")
    s.add_argument("--scenario", help="scenario file or name to apply")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    osm_args(s)
    s.set_defaults(func=cmd_od)

    s = add("goals", "check the plan's travel-time goals by year",
            "Verdicts on the 1-hour and half-hour goals in each year, and the first year "
            "each goal is met.",
            ("python -m network goals", "python -m network goals --years 2025 2035 --csv g.csv"))
    s.add_argument("--years", type=year, nargs="+", metavar="YEAR",
                   help="phase years to check (default: every year in which the plan "
                        "changes, 2020–2035; first year met always counts all of them)")
    s.add_argument("--scenario", help="scenario file or name to apply")
    s.add_argument("--goals", help="goals file (default scenarios/goals.toml)")
    s.add_argument("--csv", metavar="PATH", help="also write the goal table as CSV")
    s.set_defaults(func=cmd_goals)

    s = add("validate", "check a scenario file, a goals file or the data folder",
            "Validate a scenario TOML file, a goals file, or a data folder (default "
            "data/geo) without running anything.",
            ("python -m network validate scenarios/my_idea.toml",
             "python -m network validate data/geo"))
    s.add_argument("path", nargs="?", metavar="PATH",
                   help="scenario .toml, goals .toml, or data folder (default data/geo)")
    s.set_defaults(func=cmd_validate)


def cmd_info(args) -> int:
    phase = _phase(args)
    table = network_summary(phase.plan, phase.year)
    G = phase.graph
    print(f"Suining plan networks: the lines open in {phase.year} (opening year {phase.year} or "
          "earlier)" + (f", scenario {phase.name}" if phase.scenario else "")
          + ", by network and by status as the latest source gives it")
    print(table.to_string())
    lines = phase.lines_gdf()
    odd = lines[lines["status"] != "existing"].sort_values("id")
    for r in odd.itertuples():  # open in the year by its date, not (yet) by its latest source
        print(f"  note: {r.id} opens {r.open_year} (so it counts as open in {phase.year}); its "
              f"latest source still calls it {r.status}")
    print("\nper network:")
    print(table.groupby(level="network").sum().to_string())
    metro = phase.plan.metro
    km = metro.km(phase.year)
    if len(km):
        from ..model.metro import CITIES

        print("\nmetro at the city ends (km: straight lines between consecutive stations, "
              "a lower bound of route km):")
        for city, value in km.items():
            n = sum(metro.lines.at[lid, "city"] == city for lid in metro.lines_in(phase.year))
            zh, en = CITIES.get(city, (city, city))
            print(f"  {zh} {en}: {n} lines, {value:.0f} km")
    print(f"\ngraph: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges")
    if args.lines:  # the same plan: a scenario's added or delayed lines show here too
        cols = ["id", "network", "name_zh", "name_en", "status", "open_year",
                "operating_speed_kph", "confidence"]
        print(f"\nlines open in {phase.year} (status: latest source; open_year: opening year; "
              "lines not open yet: python -m network list lines --all-years):")
        print(lines[cols].sort_values(["network", "open_year", "id"]).to_string(index=False))
    return 0


def cmd_od(args) -> int:
    from ..engine.routing import od_times
    from ..errors import UnknownPlaceError
    from ..vocab import TERMS

    phase = _phase(args)
    try:
        row = od_times(phase, [(args.origin, args.destination)], mode=args.mode).iloc[0]
    except UnknownPlaceError as exc:
        raise _not_in_service(exc, phase) from None
    reach = math.isfinite(row["minutes"])
    lines = [x for x in row["lines"].split(";") if x]
    services = [x for x in row["services"].split(";") if x]

    def r2(v):  # JSON has no NaN or inf: an absent value is null
        return round(float(v), 2) if math.isfinite(v) else None

    if args.json:
        out = {"from": row["from"], "to": row["to"], "year": phase.year, "mode": args.mode,
               "minutes": r2(row["minutes"]), "total_min": r2(row["total_min"]),
               "timetable_min": r2(row["timetable_min"]), "km": r2(row["km"]),
               "lines": lines, "services": services,
               "terms_min": {t: round(row[f"{t}_min"], 2) for t in TERMS} if reach else None}
        print(json.dumps(out, ensure_ascii=False))
        return 0
    n = phase.graph.nodes
    what = {"rail": "station to station (in the train)", "any": "door to door",
            "road": "by road", "transit": "door to door by public transport (no car)"}[args.mode]
    print(f"{n[row['from']]['name_zh']} ({row['from']}) → {n[row['to']]['name_zh']} "
          f"({row['to']}), {phase.year}, {what}: {_fmt_min(row['minutes'])}")
    if reach:
        if args.mode == "rail":
            print(f"  station door to door (with station entry, the first wait and exit): "
                  f"{row['total_min']:.1f} min")
        print(f"  distance {row['km']:.1f} km; lines: {', '.join(lines) or '-'}"
              + (f"; services: {', '.join(services)}" if services else ""))
        terms = " + ".join(f"{t} {row[f'{t}_min']:.1f}" for t in TERMS if row[f"{t}_min"] > 0)
        print(f"  terms (min): {terms} = {row['total_min']:.1f}")
    return 0


def cmd_goals(args) -> int:
    from ..analysis.goals import check_goals, first_year_met, first_year_text
    from ..io import write_csv

    if args.csv:
        from ..io import check_output_file

        check_output_file(args.csv, (".csv",), "--csv")
    table = check_goals(years=args.years, scenario=args.scenario, goals=args.goals,
                        streets=None)
    show = table[["year", "goal_id", "destination", "measure", "limit_min", "minutes",
                  "margin_min", "value", "passed"]].copy()
    print(show.round(2).to_string(index=False))
    print("\nfirst year met (and stays met; every year in which the plan changes counts):")
    first = first_year_met(table)
    first["first_year_met"] = [first_year_text(v, max(table["year"])) for v in first["first_year_met"]]
    print(first.to_string(index=False))
    if args.csv:
        write_csv(table, args.csv)
        _say(args, f"\nwrote {args.csv}")
    return 0


def cmd_validate(args) -> int:
    from ..model.data import load_plan
    from ..model.scenario import read_scenario

    path = Path(args.path) if args.path else None
    if path is None or (path.is_dir() and path.suffix != ".toml"):
        plan = load_plan(path)
        print(f"ok: {plan.data_dir}: {len(plan.nodes)} nodes, {len(plan.lines)} lines, "
              f"{len(plan.hubs)} hubs, {len(plan.bus_routes)} bus routes, "
              f"{len(plan.freight)} freight links")
        return 0
    if path.suffix == ".toml" and path.is_file() and path.stat().st_size < 1_000_000:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError, OSError):
            raw = {}
        if isinstance(raw, dict) and "goal" in raw:
            from ..analysis.goals import read_goals

            print(f"ok: {path}: {len(read_goals(path))} goals")
            return 0
    from ..analysis.goals import check_goal_ids, read_goals
    from ..model.phase import Phase

    scn = read_scenario(path)
    phase = Phase.of(scn)
    phase.plan  # noqa: B018 - unknown ids and implausible values fail here
    if scn.run.goals:
        check_goal_ids(read_goals(_goals_path(scn)), phase.plan, scn.run.goals)
    print(f"ok: {path}: scenario {scn.name!r} ({scn.year})")
    return 0


def network_summary(plan, year: int):
    """Lines of ``plan`` in service in ``year``: count and km per network and status.

    km is the official length where a source gives one, else the geometry's length.
    """
    gdf = plan.lines_gdf(year).to_crs("EPSG:32648")
    gdf["km"] = gdf["length_km_official"].fillna(gdf.length / 1000.0)
    table = gdf.groupby(["network", "status"]).agg(lines=("id", "count"), km=("km", "sum"))
    return table.round(1)


def _fmt_min(m: float) -> str:
    return "not reachable" if not math.isfinite(m) else f"{m:.1f} min"


def _not_in_service(exc, phase):
    """Say so when the unknown name is a plan node that no line serves in the phase's year."""
    from ..engine.names import loose_match
    from ..errors import UnknownPlaceError

    if not str(exc).startswith("unknown place"):  # the resolver already said what is wrong
        return exc
    nodes = phase.plan.nodes
    hits = [nid for nid, r in nodes.iterrows() if exc.query == nid or any(
        loose_match(r[k], exc.query) for k in ("name_zh", "name_en"))]
    if not hits:
        return exc
    nid = hits[0]
    msg = (f"{exc.query!r} is {nodes.at[nid, 'name_zh']} ({nid}), which no line in service in "
           f"{phase.year} serves; try a later --year or a scenario that opens it")
    return UnknownPlaceError(exc.query, exc.suggestions, msg)


def _goals_path(scn) -> str:
    """The goals file of a scenario: relative to the scenario file, else in scenarios/."""
    p = Path(scn.run.goals)
    if not p.is_absolute() and scn.path:
        here = Path(scn.path).parent / p
        if here.exists():
            return str(here)
    return str(p)
