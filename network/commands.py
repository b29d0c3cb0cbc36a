"""Scenario commands of the CLI: run, compare, rank, maps, isochrones.

Every command writes into a temporary folder beside its output folder and moves the
files into place only when the whole run has succeeded.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd


def add_parsers(sub, epilog: str) -> None:
    """Register the scenario commands on the CLI's subparsers."""
    s = sub.add_parser("run", help="run a scenario: map, figure, goals, isochrones, report",
                       description="Run SCENARIO (a .toml file or a name in scenarios/) and "
                                   "write map.html, map.png, goals.csv, isochrones.gpkg and "
                                   "report.md into --out.", epilog=epilog)
    s.add_argument("scenario", metavar="SCENARIO")
    s.add_argument("--out", help="output folder (default out/<scenario name>)")
    s.add_argument("--tiles", help="add web tiles (e.g. OpenStreetMap); needs internet to view")
    add_osm_args(s)
    _scale_args(s)

    s = sub.add_parser("compare", help="compare two scenarios on one map and table",
                       description="Compare scenarios A and B (each in its own year): the area "
                                   "newly inside 30 and 60 min, the lines that differ and the "
                                   "goals that flip. Writes compare.html and compare.md.",
                       epilog=epilog)
    s.add_argument("a", metavar="A")
    s.add_argument("b", metavar="B")
    s.add_argument("--out", help="output folder (default out/<A>_vs_<B>)")

    s = sub.add_parser("rank", help="rank lines by marginal benefit (leave one out)",
                       description="For each line in service in the scenario's year, remove "
                                   "it and measure the population-weighted door-to-door "
                                   "minutes lost and the goals that flip. Writes ranking.csv.",
                       epilog=epilog)
    s.add_argument("scenario", metavar="SCENARIO")
    s.add_argument("--out", help="output folder (default out/<scenario name>)")
    _scale_args(s)

    s = sub.add_parser("batch", help="isochrones (and goals) of several scenarios × origins",
                       description="Compute isochrone bands for every SCENARIO × year × ORIGIN "
                                   "in one batch, serially or on Dask workers, into one "
                                   "GeoPackage (and goals.csv beside it with --goals).",
                       epilog=epilog)
    s.add_argument("scenarios", metavar="SCENARIO", nargs="+")
    s.add_argument("--origins", nargs="+", required=True, help="node ids or place names")
    s.add_argument("--years", type=int, nargs="+", help="default: each scenario's own year")
    s.add_argument("--minutes", type=float, nargs="+", default=[15, 30, 45, 60, 90])
    s.add_argument("--cell-m", type=float, default=500, help="grid cell, m (default 500)")
    s.add_argument("--goals", action="store_true", help="also write goals.csv")
    s.add_argument("--out", required=True, help="output .gpkg or .geojson")
    _scale_args(s)

    s = sub.add_parser("maps", help="regenerate the maps of every shipped scenario",
                       description="Render every scenario in scenarios/ to DIR/<name>.html and "
                                   "write DIR/index.html linking them.", epilog=epilog)
    s.add_argument("--out", default="maps", help="output folder (default maps/)")

    s = sub.add_parser("isochrones", help="isochrone bands from a place as GeoPackage/GeoJSON",
                       description="Compute isochrone bands from ORIGIN and write them to a "
                                   "GeoPackage (.gpkg) or GeoJSON (.geojson) file.",
                       epilog=epilog)
    s.add_argument("origin", metavar="ORIGIN")
    s.add_argument("--year", type=int, default=2025)
    s.add_argument("--scenario")
    s.add_argument("--minutes", type=float, nargs="+", default=[15, 30, 45, 60, 90])
    s.add_argument("--cell-m", type=float, default=500, help="grid cell, m (default 500)")
    s.add_argument("--out", required=True, help="output .gpkg or .geojson")
    add_osm_args(s)


def add_osm_args(s) -> None:
    """``--osm PATH`` and ``--online``: local streets from an OpenStreetMap extract."""
    s.add_argument("--osm", metavar="PATH",
                   help="attach local streets from an OSM extract (.osm/.osm.xml/.graphml)")
    s.add_argument("--online", action="store_true",
                   help="allow --osm to be a place name downloaded with OSMnx (needs internet)")


def with_osm(scn, args):
    """The scenario with ``--osm`` (if given) as its ``osm`` key, or a bare one for it."""
    if not getattr(args, "osm", None):
        return scn
    from .scenario import Scenario

    p = Path(args.osm)
    osm = str(p.resolve()) if p.exists() else args.osm
    if scn is None:
        scn = Scenario(name="osm", year=getattr(args, "year", 2025))
    return scn.model_copy(update={"osm": osm})


def _scale_args(s) -> None:
    s.add_argument("--workers", type=int, metavar="N",
                   help="run on a local Dask cluster of N worker processes (needs .[scale])")
    s.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on an existing Dask cluster, e.g. tcp://host:8786")


@contextmanager
def staged_dir(out: Path):
    """Yield a temporary folder; on success move its files into ``out``."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield tmp
        out.mkdir(parents=True, exist_ok=True)
        for f in sorted(tmp.iterdir()):
            os.replace(f, out / f.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _say(args, msg: str) -> None:
    if not getattr(args, "quiet", False):
        print(msg)


def cmd_run(args) -> int:
    from .batch import client_for
    from .graph import default_plan
    from .run import run_scenario
    from .scenario import read_scenario

    scn = with_osm(read_scenario(args.scenario), args)
    default_plan().with_scenario(scn)  # bad ids fail here, before anything is computed
    out = Path(args.out or Path("out") / scn.name)
    with client_for(args.workers, args.scheduler) as client, staged_dir(out) as tmp:
        written = run_scenario(scn, tmp, tiles=args.tiles, quiet=args.quiet, client=client)
    for name in written:
        _say(args, f"wrote {out / name}")
    return 0


def cmd_compare(args) -> int:
    from .run import compare_scenarios
    from .scenario import read_scenario

    a, b = read_scenario(args.a), read_scenario(args.b)
    out = Path(args.out or Path("out") / f"{a.name}_vs_{b.name}")
    with staged_dir(out) as tmp:
        written, table = compare_scenarios(a, b, tmp, quiet=args.quiet)
    print(table)
    for name in written:
        _say(args, f"wrote {out / name}")
    return 0


def cmd_rank(args) -> int:
    from .batch import batch_rank, client_for
    from .goals import read_goals
    from .graph import default_plan, settings_for
    from .io import write_csv
    from .scenario import read_scenario

    scn = read_scenario(args.scenario)
    plan = default_plan().with_scenario(scn)
    goals = read_goals(scn.run.goals) if scn.run.goals else None
    out = Path(args.out or Path("out") / scn.name)
    with client_for(args.workers, args.scheduler) as client:
        table = batch_rank(plan, scn.year, client, goals=goals, settings=settings_for(scn),
                           progress=not args.quiet)
    with staged_dir(out) as tmp:
        write_csv(table, tmp / "ranking.csv")
    show = table.copy()
    show["person_minutes_saved"] = (show["person_minutes_saved"] / 1e6).round(3)
    show = show.rename(columns={"person_minutes_saved": "M_person_min_saved"})
    print(show.drop(columns=["name_en"]).round(2).to_string(index=False))
    _say(args, f"wrote {out / 'ranking.csv'}")
    return 0


def cmd_batch(args) -> int:
    from .batch import batch_goals, batch_isochrones, client_for
    from .io import write_csv, write_with

    out = Path(args.out)
    with client_for(args.workers, args.scheduler) as client:
        bands = batch_isochrones(args.scenarios, args.origins, args.years, client,
                                 minutes=tuple(args.minutes), cell_m=args.cell_m,
                                 progress=not args.quiet)
        goals = batch_goals(args.scenarios, args.years, client) if args.goals else None
    driver = "GPKG" if out.suffix == ".gpkg" else "GeoJSON"
    write_with(lambda p: bands.to_file(p, driver=driver, layer="isochrones"), out)
    if goals is not None:
        write_csv(goals, out.with_name("goals.csv"))
    cols = ["scenario", "year", "origin", "band_min", "reach_area_km2", "reach_population"]
    print(pd.DataFrame(bands[cols]).round(1).to_string(index=False))
    _say(args, f"wrote {out}")
    return 0


def cmd_maps(args) -> int:
    from .run import render_maps

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = render_maps(out, quiet=args.quiet)
    for name in written:
        _say(args, f"wrote {out / name}")
    return 0


def cmd_isochrones(args) -> int:
    from .graph import graph_as_of
    from .io import write_with
    from .isochrones import isochrones
    from .scenario import read_scenario

    scn = read_scenario(args.scenario) if args.scenario else None
    G = graph_as_of(args.year, with_osm(scn, args), online=args.online)
    bands = isochrones(G, args.origin, minutes=tuple(args.minutes), cell_m=args.cell_m)
    out = Path(args.out)
    driver = "GPKG" if out.suffix == ".gpkg" else "GeoJSON"
    write_with(lambda p: bands.to_file(p, driver=driver, layer="isochrones"), out)
    print(pd.DataFrame(bands.drop(columns="geometry")).round(2).to_string(index=False))
    _say(args, f"wrote {out}")
    return 0
