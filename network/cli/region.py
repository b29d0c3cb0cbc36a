"""The ``region`` command: all county seats of Sichuan and Chongqing to all, and who is central.

``python -m network region --year 2035 --out DIR`` writes into DIR (replaced as a whole):

* ``od_matrix.csv`` — door-to-door minutes, km and rail km between every ordered pair of the
  221 county seats (one row per pair);
* ``indices.gpkg`` — layers ``counties`` (polygons) and ``seats`` (points) with the
  accessibility indices per unit;
* ``region_map.html`` — a choropleth of the ranking index, offline;
* ``ranking.csv`` — the 22 prefecture seats ranked;
* ``region.md`` — what was computed, the assumptions, Suining's rank and its rivals.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from ._common import _phase, _say
from .parser import osm_args, year

MODE_NOTES = {
    "any": "",
    "road": "本图仅计道路 Roads only: no rail in these times.",
    "backbone": "本图仅用区域骨干网 Backbone alone: no rail and no part of the Suining model; "
                "the same for every year.",
}
INDEX_CHOICES = ("gravity_others", "gravity", "reach_pop_60", "reach_pop_120", "reach_pop_180")


def _bounded(lo: float, hi: float, what: str):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value) or not lo < value <= hi:
            raise argparse.ArgumentTypeError(f"{text} is not {what} in ({lo:g}, {hi:g}]")
        return value

    return parse


def register(add) -> None:
    """Add this module's commands to the parser."""
    s = add("region", "all county seats of Sichuan + Chongqing to all: matrix, indices, rank",
            "Door-to-door times between all 221 county seats of Sichuan and Chongqing in a "
            "phase (the Suining model joined to a coarser OSM-derived backbone), "
            "accessibility indices per seat (population within 60/120/180 min, gravity) and "
            "the rank of the 22 prefecture seats. Writes od_matrix.csv, indices.gpkg, "
            "region_map.html, ranking.csv and region.md into --out (replaced as a whole).",
            ("python -m network region --year 2035 --out out/region_2035",
             "python -m network region --scenario chengdawan_delayed --out out/r_delayed",
             "python -m network region --year 2020 --mode road --by reach_pop_120 --out out/r"))
    s.add_argument("--year", type=year, help="phase year (default: the scenario's, else 2035)")
    s.add_argument("--scenario", help="scenario file or name to apply")
    s.add_argument("--mode", choices=("any", "road", "backbone"), default="any",
                   help="any: rail and roads (default); road: no rail; backbone: the coarse "
                        "backbone alone, the same for every seat and year")
    s.add_argument("--by", choices=INDEX_CHOICES, default="gravity_others",
                   help="index the prefecture seats are ranked and the map coloured by "
                        "(default gravity_others)")
    s.add_argument("--half-life-min", type=_bounded(0, 600, "a half-life in minutes"),
                   default=None, metavar="MIN",
                   help="half-life of the gravity measure, min (default 60)")
    s.add_argument("--backbone-kph", type=_bounded(20, 130, "a speed in km/h"), default=None,
                   metavar="KPH", help="average speed on the regional road backbone "
                                       "(default 80 km/h, an assumption)")
    s.add_argument("--out", help="output folder (default out/region_<scenario>_<year>)")
    osm_args(s)
    s.set_defaults(func=cmd_region)


def cmd_region(args) -> int:
    from ..analysis.region import (
        RIVALS,
        SUINING,
        accessibility,
        county_layers,
        od_matrix,
        population_coverage,
        prefecture_ranking,
        rank_of,
    )
    from ..io import check_output_dir, output_dir, write_csv, write_layers, write_text
    from ..model.region import RegionSettings, load_region
    from ..progress import progress
    from ..render.maps import save_map
    from ..render.region_map import map_region, region_report

    options = {k: v for k, v in (("gravity_half_life_min", args.half_life_min),
                                 ("backbone_road_kph", args.backbone_kph)) if v is not None}
    settings = RegionSettings(**options)
    phase = _phase(args, year=args.year if args.year or args.scenario else 2035)
    phase.plan  # noqa: B018 - bad scenario ids fail here, before any work
    region = load_region(phase.recipe.data_dir)
    out = check_output_dir(Path(args.out or Path("out") / f"region_{phase.name}_{phase.year}"))
    with progress(4, f"region {phase.label}", args.quiet) as tick:
        mode = "road" if args.mode == "backbone" else args.mode
        matrix = od_matrix(phase, region=region, settings=settings, mode=mode,
                           detailed=args.mode != "backbone")
        tick()
        indices = accessibility(matrix, region)
        ranking = prefecture_ranking(indices, by=args.by)
        coverage = population_coverage(region)
        tick()
        counties, seats = county_layers(indices)
        tick()
        core = matrix.graph.core if matrix.graph is not None else ()
        m = map_region(indices, counties.set_index("adcode"), column=args.by, ranking=ranking,
                       core=core, label=f"{phase.label} · {matrix.mode}",
                       highlight=(SUINING, *RIVALS, "510105", "500103"),
                       note=MODE_NOTES[args.mode])
        text = region_report(matrix, indices, ranking, coverage)
        with output_dir(out) as tmp:
            write_csv(matrix.long(), tmp / "od_matrix.csv")
            write_layers({"counties": counties, "seats": seats}, tmp / "indices.gpkg")
            save_map(m, tmp / "region_map.html")
            write_csv(ranking.reset_index(), tmp / "ranking.csv")
            write_text(text, tmp / "region.md")
        tick()
    show = ranking[["rank", "label", "to_chengdu_min", "to_chongqing_min", args.by]].copy()
    print(f"prefecture seats of Sichuan + Chongqing by {args.by}, {phase.label} "
          f"({matrix.mode}):")
    print(show.round(1).to_string())
    print(f"Suining (遂宁·船山区) ranks {rank_of(ranking)} of {len(ranking)} by {args.by} in "
          f"{phase.label}")
    for name in ("od_matrix.csv", "indices.gpkg", "region_map.html", "ranking.csv", "region.md"):
        _say(args, f"wrote {out / name}")
    return 0
