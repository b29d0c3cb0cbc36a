"""Commands that write a folder: ``run``, ``compare``, ``rank``, ``maps``.

Each checks ``--out`` before any work, stages everything in a hidden folder beside it and
swaps it in only when the whole job succeeded (``network.io.output_dir``).
"""

from __future__ import annotations

from pathlib import Path

from ._common import _say, _streets
from .parser import osm_args, scale_args, year


def register(add) -> None:
    """Add this module's commands to the parser."""
    s = add("run", "run a scenario: map, figure, goals, isochrones, report",
            "Run SCENARIO (a .toml file or a name in scenarios/) and write map.html, map.png, "
            "goals.csv, isochrones.gpkg and report.md into --out (replaced as a whole).",
            ("python -m network run plan_2025", "python -m network run my.toml --out out/my"))
    s.add_argument("scenario", metavar="SCENARIO", help="scenario file or name")
    s.add_argument("--out", help="output folder (default out/<scenario name>)")
    s.add_argument("--tiles", help="add web tiles (e.g. OpenStreetMap); needs internet to view")
    osm_args(s)
    scale_args(s)
    s.set_defaults(func=cmd_run)

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
    osm_args(s)
    s.set_defaults(func=cmd_compare)

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
    osm_args(s)
    scale_args(s)
    s.set_defaults(func=cmd_rank)

    s = add("maps", "regenerate the maps of every shipped scenario",
            "Render every scenario in scenarios/ to DIR/<name>.html and write DIR/index.html.",
            ("python -m network maps --out maps",))
    s.add_argument("--out", default="maps", help="output folder (default maps/)")
    s.set_defaults(func=cmd_maps)


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


def cmd_maps(args) -> int:
    from ..io import check_output_dir, output_dir
    from ..outputs import write_maps

    out = check_output_dir(Path(args.out))
    with output_dir(out) as tmp:
        written = write_maps(tmp, quiet=args.quiet)
    for name in written:
        _say(args, f"wrote {out / name}")
    return 0


def _scenario_phase(args):
    from ..model.phase import Phase
    from ..model.scenario import read_scenario

    scn = read_scenario(args.scenario)
    phase = Phase.of(scn, streets=_streets(args), online=getattr(args, "online", False))
    phase.plan  # noqa: B018 - bad ids fail here, before anything is computed
    return phase


def _compare_side(spec: str):
    from ..model.phase import Phase

    if spec.isdigit():
        return Phase.of(int(spec))
    return spec
