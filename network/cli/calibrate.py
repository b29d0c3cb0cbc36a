"""``calibrate``: the model against the published observations, row by row."""

from __future__ import annotations

from pathlib import Path

from ._common import _say


def register(add) -> None:
    """Add the ``calibrate`` command to the parser."""
    s = add("calibrate", "compare the model with published observations",
            "For every row of data/geo/observations.csv (12306 distances, published train "
            "times, road distances and driving times, each sourced and dated), compute the "
            "same quantity in the phase of its year and print the error and the terms the "
            "model's time is made of, then the median absolute error. A second table checks "
            "the model's road km from 遂宁 against an OSM-derived graph. The parameters are "
            "never fitted to these rows.",
            ("python -m network calibrate", "python -m network calibrate --out out/calibration"))
    s.add_argument("--out", help="also write calibration.csv, road_check.csv and calibration.md")
    s.set_defaults(func=cmd_calibrate)


def cmd_calibrate(args) -> int:
    from ..analysis.calibrate import calibrate, road_check, summary
    from ..io import check_output_dir, output_dir, write_csv, write_text
    from ..render.report import calibration_report

    out = check_output_dir(Path(args.out)) if args.out else None
    table = calibrate()
    roads = road_check()
    stats = summary(table)
    show = table[["id", "kind", "from", "to", "year", "observed", "bound", "model",
                  "error_pct", "terms"]].copy()
    print(show.round(1).to_string(index=False))
    skipped = table[~table["scored"]]
    if len(skipped):
        print("\nnot scored (the reason is in the table's explanation column):")
        for r in skipped.itertuples():
            print(f"  {r.id}: {r.explanation}")
    print(f"\nmedian absolute error: {stats['median_abs_error_pct']:.1f} % over "
          f"{stats['scored']} observations ({stats['times']} times, {stats['distances']} "
          f"distances); times {stats['median_abs_error_pct_times']:.1f} %, distances "
          f"{stats['median_abs_error_pct_distances']:.1f} %; {stats['within_10_pct']} within "
          "±10 %")
    within = int(roads["within_10_pct"].sum())
    print(f"\nroad km from 遂宁, shortest path in the model vs on the OSM-derived graph: "
          f"{within} of {len(roads)} within ±10 % (fastest_route_km: the route the model "
          "drives, what od reports)")
    print(roads[["to", "reference_km", "model_km", "error_pct", "fastest_route_km"]]
          .round(1).to_string(index=False))
    for r in roads[~roads["within_10_pct"]].itertuples():
        print(f"  {r.to}: {r.note or 'no cause recorded'}")
    if out is not None:
        with output_dir(out) as tmp:
            write_csv(table, tmp / "calibration.csv")
            write_csv(roads, tmp / "road_check.csv")
            write_text(calibration_report(table, stats, roads), tmp / "calibration.md")
        _say(args, f"\nwrote {out}")
    return 0
