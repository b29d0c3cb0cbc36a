"""The command handlers: each takes the parsed arguments, calls the API and prints.

Commands that write a folder (``run``, ``compare``, ``rank``, ``maps``) check ``--out``
before any work, stage everything in a hidden folder beside it and swap it in only when
the whole job succeeded (:func:`network.io.output_dir`).
"""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path


def _say(args, msg: str) -> None:
    if not getattr(args, "quiet", False):
        print(msg)


def _phase(args, year: int | None = None):
    """The phase the arguments name: ``--scenario``, ``--year``, ``--osm``."""
    from ..model.phase import Phase

    streets = getattr(args, "osm", None)
    return Phase.of(getattr(args, "scenario", None), year=year or getattr(args, "year", None),
                    streets=streets, online=getattr(args, "online", False))


def _streets(args):
    return getattr(args, "osm", None) or None


def _check_out_file(path: str) -> Path:
    from ..io import check_output_file

    return check_output_file(path)


# --------------------------------------------------------------------------- info, od


def network_summary(plan, year: int):
    """Lines of ``plan`` in service in ``year``: count and km per network and status.

    km is the official length where a source gives one, else the geometry's length.
    """
    gdf = plan.lines_gdf(year).to_crs("EPSG:32648")
    gdf["km"] = gdf["length_km_official"].fillna(gdf.length / 1000.0)
    table = gdf.groupby(["network", "status"]).agg(lines=("id", "count"), km=("km", "sum"))
    return table.round(1)


def cmd_info(args) -> int:
    phase = _phase(args)
    table = network_summary(phase.plan, phase.year)
    G = phase.graph
    print(f"Suining plan networks in service in {phase.year}"
          + (f" (scenario {phase.name})" if phase.scenario else ""))
    print(table.to_string())
    print("\nper network:")
    print(table.groupby(level="network").sum().to_string())
    print(f"\ngraph: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges")
    if args.lines:  # the same plan: a scenario's added or delayed lines show here too
        cols = ["id", "network", "name_zh", "name_en", "status", "open_year",
                "operating_speed_kph", "confidence"]
        print()
        lines = phase.lines_gdf()[cols].sort_values(["network", "open_year", "id"])
        print(lines.to_string(index=False))
    return 0


def _fmt_min(m: float) -> str:
    return "not reachable" if not math.isfinite(m) else f"{m:.1f} min"


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
    if args.json:
        out = {"from": row["from"], "to": row["to"], "year": phase.year, "mode": args.mode,
               "minutes": round(row["minutes"], 2) if reach else None,
               "km": round(row["km"], 2) if reach else None, "lines": list(row["lines"]),
               "timetable_min": round(row["timetable_min"], 2) if reach else None,
               "terms_min": {t: round(row[f"{t}_min"], 2) for t in TERMS} if reach else None}
        print(json.dumps(out, ensure_ascii=False))
        return 0
    n = phase.graph.nodes
    print(f"{n[row['from']]['name_zh']} ({row['from']}) → {n[row['to']]['name_zh']} "
          f"({row['to']}), {phase.year}, mode {args.mode}: {_fmt_min(row['minutes'])}")
    if reach:
        print(f"  distance {row['km']:.1f} km; lines: {', '.join(row['lines']) or '-'}")
        terms = ", ".join(f"{t} {row[f'{t}_min']:.1f}" for t in TERMS if row[f"{t}_min"] > 0)
        print(f"  terms (min): {terms}")
        if args.mode == "rail":
            print(f"  station to station (timetable): {row['timetable_min']:.1f} min")
    return 0


def _not_in_service(exc, phase):
    """Say so when the unknown name is a plan node that no line serves in the phase's year."""
    from ..engine.names import loose_match
    from ..errors import UnknownPlaceError

    nodes = phase.plan.nodes
    hits = [nid for nid, r in nodes.iterrows() if exc.query == nid or any(
        loose_match(r[k], exc.query) for k in ("name_zh", "name_en"))]
    if not hits:
        return exc
    nid = hits[0]
    msg = (f"{exc.query!r} is {nodes.at[nid, 'name_zh']} ({nid}), which no line in service in "
           f"{phase.year} serves; try a later --year or a scenario that opens it")
    return UnknownPlaceError(exc.query, exc.suggestions, msg)


# --------------------------------------------------------------------------- goals, validate


def cmd_goals(args) -> int:
    from ..analysis.goals import check_goals, first_year_met
    from ..io import write_csv

    if args.csv:
        from ..io import check_output_file

        check_output_file(args.csv, (".csv",), "--csv")
    table = check_goals(years=args.years, scenario=args.scenario, goals=args.goals,
                        streets=None)
    show = table[["year", "goal_id", "destination", "measure", "limit_min", "minutes",
                  "margin_min", "value", "passed"]].copy()
    print(show.round(2).to_string(index=False))
    print("\nfirst year met:")
    print(first_year_met(table).to_string(index=False))
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
        print(f"ok: {plan.data_dir}: {len(plan.nodes)} nodes, {len(plan.lines)} lines")
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


def _goals_path(scn) -> str:
    """The goals file of a scenario: relative to the scenario file, else in scenarios/."""
    p = Path(scn.run.goals)
    if not p.is_absolute() and scn.path:
        here = Path(scn.path).parent / p
        if here.exists():
            return str(here)
    return str(p)


# --------------------------------------------------------------------------- jobs


def _scenario_phase(args):
    from ..model.phase import Phase
    from ..model.scenario import read_scenario

    scn = read_scenario(args.scenario)
    phase = Phase.of(scn, streets=_streets(args), online=getattr(args, "online", False))
    phase.plan  # noqa: B018 - bad ids fail here, before anything is computed
    return phase


def cmd_run(args) -> int:
    from ..io import check_output_dir, output_dir
    from ..outputs import write_run
    from ..scale.dask import client_for

    phase = _scenario_phase(args)
    out = check_output_dir(Path(args.out or Path("out") / phase.name))
    with client_for(args.workers, args.scheduler) as client, output_dir(out) as tmp:
        written = write_run(phase, tmp, tiles=args.tiles, quiet=args.quiet, client=client)
    for name in written:
        _say(args, f"wrote {out / name}")
    return 0


def _compare_side(spec: str):
    from ..model.phase import Phase

    if spec.isdigit():
        return Phase.of(int(spec))
    return spec


def cmd_compare(args) -> int:
    from ..io import check_output_dir, output_dir
    from ..model.phase import Phase
    from ..outputs import write_comparison

    a, b = _compare_side(args.a), _compare_side(args.b)
    pa, pb = Phase.of(a), Phase.of(b)  # bad names fail here, before any work
    name = f"{pa.name if not args.a.isdigit() else args.a}_vs_" \
           f"{pb.name if not args.b.isdigit() else args.b}"
    out = check_output_dir(Path(args.out or Path("out") / name))
    with output_dir(out) as tmp:
        written, text = write_comparison(pa, pb, tmp, year=args.year, own_years=args.own_years,
                                         streets=_streets(args), quiet=args.quiet)
    print(text)
    for f in written:
        _say(args, f"wrote {out / f}")
    return 0


def cmd_rank(args) -> int:
    from ..analysis.goals import read_goals
    from ..io import check_output_dir, output_dir, write_csv
    from ..scale.dask import client_for
    from ..scale.tasks import batch_rank

    phase = _scenario_phase(args)
    out = check_output_dir(Path(args.out or Path("out") / f"{phase.name}_rank"))
    scn = phase.scenario
    goals = read_goals(scn.run.goals) if scn.run.goals else None
    with client_for(args.workers, args.scheduler) as client:
        table = batch_rank(phase, client, by=args.by, goals=goals, progress=not args.quiet)
    with output_dir(out) as tmp:
        write_csv(table, tmp / "ranking.csv")
    show = table[["rank", "line_id", "name_zh", "network", "benefit", "goals_flipped",
                  "why_zero"]].copy()
    unit = {"person-minutes": "person-minutes saved",
            "reach-population": "residents (2020 census) within 30 min",
            "goal-margin": "minutes of goal margin"}[args.by]
    print(f"rank of the lines in service in {phase.label} by {args.by} ({unit}):")
    print(show.round(1).to_string(index=False))
    _say(args, f"wrote {out / 'ranking.csv'}")
    return 0


def cmd_batch(args) -> int:
    from ..io import write_csv, write_layers
    from ..model.phase import Phase
    from ..scale.dask import client_for
    from ..scale.tasks import batch_goals, batch_isochrones

    out = _check_out_file(args.out)
    phases = []
    for name in args.scenarios:
        base = Phase.of(name, streets=_streets(args))
        phases += [base.at(y) for y in args.years] if args.years else [base]
    with client_for(args.workers, args.scheduler) as client:
        bands = batch_isochrones(phases, args.origins, client, bands_min=tuple(args.bands_min),
                                 cell_m=args.cell_m, progress=not args.quiet)
        goals = batch_goals(phases, client) if args.goals else None
    write_layers({"isochrones": bands}, out)
    if goals is not None:
        write_csv(goals, out.with_name("goals.csv"))
    cols = ["scenario", "year", "origin", "band_min", "reach_area_km2", "reach_population"]
    print(bands[cols].round(1).to_string(index=False))
    _say(args, f"wrote {out}")
    return 0


def cmd_maps(args) -> int:
    from ..io import check_output_dir, output_dir
    from ..outputs import write_maps

    out = check_output_dir(Path(args.out))
    with output_dir(out) as tmp:
        written = write_maps(tmp, quiet=args.quiet)
    for name in written:
        _say(args, f"wrote {out / name}")
    return 0


def cmd_isochrones(args) -> int:
    from ..engine.isochrones import isochrones
    from ..io import write_layers

    out = _check_out_file(args.out)
    phase = _phase(args)
    bands = isochrones(phase, args.origin, bands_min=tuple(args.bands_min),
                       cell_m=args.cell_m, mode=args.mode)
    write_layers({"isochrones": bands}, out)
    print(bands.drop(columns="geometry").round(2).to_string(index=False))
    _say(args, f"wrote {out}")
    return 0
