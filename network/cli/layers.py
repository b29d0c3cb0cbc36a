"""Commands that write GeoPackage layers: ``batch`` and ``isochrones``."""

from __future__ import annotations

from pathlib import Path

from ..vocab import MODES
from ._common import _phase, _say, _streets
from .parser import bands_args, osm_args, scale_args, year


def register(add) -> None:
    """Add this module's commands to the parser."""
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
    bands_args(s)
    s.add_argument("--goals", action="store_true", help="also write goals.csv")
    s.add_argument("--out", required=True, help="output .gpkg or .geojson")
    osm_args(s)
    scale_args(s)
    s.set_defaults(func=cmd_batch)

    s = add("isochrones", "isochrone bands from a place as GeoPackage/GeoJSON",
            "Compute isochrone bands from ORIGIN and write them to a GeoPackage (.gpkg) or "
            "GeoJSON (.geojson) file.",
            ("python -m network isochrones 遂宁 --year 2030 --out bands.gpkg",))
    s.add_argument("origin", metavar="ORIGIN", help="node id or place name")
    s.add_argument("--year", type=year, help="phase year (default: the scenario's year, else 2025)")
    s.add_argument("--scenario", help="scenario file or name to apply")
    s.add_argument("--mode", choices=MODES, default="any", help="routing mode (default any)")
    bands_args(s)
    s.add_argument("--out", required=True, help="output .gpkg or .geojson")
    osm_args(s)
    s.set_defaults(func=cmd_isochrones)


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
    cols = ["scenario", "year", "origin", "band_min", "reach_area_km2", "reach_residents_2020census"]
    print(bands[cols].round(1).to_string(index=False))
    _say(args, f"wrote {out}")
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


def _check_out_file(path: str) -> Path:
    from ..io import check_output_file

    return check_output_file(path)
