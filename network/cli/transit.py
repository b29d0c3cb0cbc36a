"""Commands on hubs and public transport: ``hubs`` (catchments, freight), ``equity`` (car
versus transit by county), ``buses`` (the routes of a year), ``gtfs`` (the rail services
as a GTFS feed)."""

from __future__ import annotations

from ._common import _phase, _say
from .parser import year


def register(add) -> None:
    """Add this module's commands to the parser."""
    s = add("hubs", "hub catchments (car and transit) and what the freight links connect",
            "Residents within 30, 60 and 90 min of each hub open in YEAR, with a car and "
            "without one, then the freight links: open or not, length, and the ends by road; "
            "and whether the 涪江 is navigable from 遂宁 to 重庆.",
            ("python -m network hubs --year 2035", "python -m network hubs --csv hubs.csv"))
    s.add_argument("--year", type=year, help="phase year (default: the scenario's year, else 2035)")
    s.add_argument("--scenario", help="scenario file or name to apply")
    s.add_argument("--csv", metavar="PATH", help="also write the catchments as CSV")
    s.set_defaults(func=cmd_hubs)

    s = add("equity", "share of residents within reach, car versus transit, by county",
            "Share of each county's residents within 30 and 60 min of the main urban area and "
            "of an HSR station, with a car and without one (walk, bus, rail, metro). Transit "
            "figures are a lower bound: only the bus routes of bus_routes.csv run.",
            ("python -m network equity --year 2035",))
    s.add_argument("--year", type=year, help="phase year (default: the scenario's year, else 2035)")
    s.add_argument("--scenario", help="scenario file or name to apply")
    s.add_argument("--csv", metavar="PATH", help="also write the long table as CSV")
    s.set_defaults(func=cmd_equity)

    s = add("buses", "the bus routes of a year: headway, wait, ride, or why a route does not run",
            "List every route of bus_routes.csv (with a scenario's changes) in YEAR.",
            ("python -m network buses --year 2030",))
    s.add_argument("--year", type=year, help="phase year (default: the scenario's year, else 2025)")
    s.add_argument("--scenario", help="scenario file or name to apply")
    s.set_defaults(func=cmd_buses)

    s = add("gtfs", "the rail services of a year as a GTFS feed (zip), for other tools",
            "Write the rail services running in YEAR as a frequency-based GTFS feed: stops, "
            "one route per service pattern, a template trip per direction with the model's "
            "running and dwell times, the headway over the service day, and shapes along "
            "the lines. A model output, not a timetable: services with fewer than four "
            "trains a day are listed trip by trip at evenly spread (assumed) times.",
            ("python -m network gtfs --year 2030 --out rail_2030.zip",
             "python -m network gtfs --scenario lanyu_hsr --out lanyu.zip"))
    s.add_argument("--year", type=year, help="phase year (default: the scenario's year, else 2025)")
    s.add_argument("--scenario", help="scenario file or name to apply")
    s.add_argument("--out", required=True, metavar="FILE.zip", help="the feed to write")
    s.set_defaults(func=cmd_gtfs)


def _csv(args):
    if args.csv:
        from ..io import check_output_file

        check_output_file(args.csv, (".csv",), "--csv")


def cmd_hubs(args) -> int:
    from ..analysis.hubs import catchment_table, freight_links, hub_catchments, waterway_status
    from ..io import write_csv

    _csv(args)
    phase = _phase(args, default_year=2035)
    table = hub_catchments(phase)
    print(f"residents (2020 census) within reach of each hub, {phase.label}:")
    print(catchment_table(table).to_string(index=False))
    links = freight_links(phase)
    if len(links):
        print("\nfreight links (channels and sidings, not services):")
        cols = ["id", "kind", "from", "to", "state", "length_km", "length_basis", "road_km",
                "road_min"]
        print(links[cols].round(1).to_string(index=False))
        ww = waterway_status(phase)
        verdict = "navigable end to end" if ww["navigable"] else (
            "not navigable end to end: " + ", ".join(ww["blocking"]) if ww["chain"] else
            "no waterway chain joins them")
        print(f"\n涪江 遂宁 (老池港) – 重庆 in {phase.year}: {verdict}")
    if args.csv:
        write_csv(table, args.csv)
        _say(args, f"\nwrote {args.csv}")
    return 0


def cmd_equity(args) -> int:
    from ..analysis.equity import equity_table, transit_equity
    from ..io import write_csv

    _csv(args)
    phase = _phase(args, default_year=2035)
    eq = transit_equity(phase)
    wide = equity_table(eq)
    for col in wide.columns[3:]:
        wide[col] = [f"{v:.0%}" for v in wide[col]]
    print(f"share of residents within reach, car versus transit, {phase.label}:")
    print(wide.to_string(index=False))
    print("\ntransit: walk, the buses of bus_routes.csv, rail and metro (a lower bound: the "
          "city bus network is not in the data)")
    if args.csv:
        write_csv(eq, args.csv)
        _say(args, f"\nwrote {args.csv}")
    return 0


def cmd_buses(args) -> int:
    from ..analysis.equity import bus_routes_in

    phase = _phase(args)
    table = bus_routes_in(phase)
    print(f"bus routes in {phase.label} ({phase.settings.bus_period} headways):")
    print(table.drop(columns=["name_zh"]).round(1).to_string(index=False))
    return 0


def cmd_gtfs(args) -> int:
    from ..io import check_output_file
    from ..render.gtfs import rail_feed, write_gtfs

    check_output_file(args.out, (".zip",), "--out")
    phase = _phase(args)
    feed = rail_feed(phase)
    write_gtfs(phase, args.out, feed)
    _say(args, f"wrote {args.out}: the rail services of {phase.label}: "
               f"{len(feed['routes'])} routes, {len(feed['trips'])} trips, "
               f"{len(feed['stops'])} stops ({len(feed['frequencies'])} trips by frequency)")
    return 0
