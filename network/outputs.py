"""The jobs that write files: a run, a comparison, the shipped maps.

A *run* is the main job: one scenario, as a phase, to a folder of outputs (map.html,
map.png, goals.csv, isochrones.gpkg, report.md). Functions here write into a folder they
are given; the CLI hands them a staging folder (``network.io.output_dir``) and swaps it
in only when everything succeeded.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from .progress import progress

MAP_INDEX_TITLE = "Suining plan networks — maps / 遂宁规划路网地图"


def origin_bands(phase, origins, bands_min, cell_m, client=None) -> dict:
    """Isochrone bands of each origin in ``phase``, in order (on Dask workers with a client)."""
    from .engine.isochrones import isochrones

    if client is None:
        return {o: isochrones(phase, o, bands_min=tuple(bands_min), cell_m=cell_m)
                for o in origins}
    from .scale.tasks import batch_isochrones

    allb = batch_isochrones([phase], origins, client, bands_min=tuple(bands_min), cell_m=cell_m)
    allb = allb.drop(columns=["scenario", "year"])
    return {o: allb[allb["origin"] == o].reset_index(drop=True) for o in origins}


def base_year(phase) -> int:
    """The year a run compares against: the scenario's ``compare_year``, else 2020."""
    scn = phase.scenario
    if scn is not None and scn.run.compare_year is not None:
        return scn.run.compare_year
    return min(2020, phase.year)


def write_run(phase, out: Path, tiles: str | None = None, quiet: bool = False,
              client=None) -> list[str]:
    """Run a phase's scenario and write its outputs into ``out``; return the file names.

    With a Dask ``client`` the isochrones of the origins are computed on the workers
    (each rebuilds the phase from its recipe); the files are identical.
    """
    from .analysis.goals import goal_table
    from .engine.isochrones import isochrones
    from .io import write_csv, write_layers
    from .model.scenario import RunOptions

    opts = phase.scenario.run if phase.scenario is not None else RunOptions()
    written: list[str] = []
    steps = 3 + len(opts.outputs)
    with progress(steps, f"running {phase.name} ({phase.year})", quiet) as tick:
        goals = goal_table(phase) if opts.goals else None
        tick()
        bands = origin_bands(phase, opts.origins, opts.bands_min, opts.cell_m, client)
        tick()
        base = phase.at(base_year(phase))
        base_goals = goal_table(base) if opts.goals else None
        base_bands = isochrones(base, opts.origins[0], bands_min=tuple(opts.bands_min),
                                cell_m=opts.cell_m)
        tick()
        first = bands[opts.origins[0]]
        if "goals" in opts.outputs and goals is not None:
            write_csv(goals, out / "goals.csv")
            written.append("goals.csv")
        tick()
        if "isochrones" in opts.outputs:
            allb = gpd.GeoDataFrame(pd.concat(bands.values(), ignore_index=True),
                                    geometry="geometry", crs=first.crs)
            from .render.layers import run_layers, style_table

            layers = run_layers(phase, allb, goals)  # bands first, then lines, stations, …
            write_layers({**layers, "layer_styles": style_table(layers)}, out / "isochrones.gpkg")
            written.append("isochrones.gpkg")
        tick()
        scene = None
        if {"map", "png", "report"} & set(opts.outputs):
            from .render.scene import prepare_scene

            # one scene for the map, the figure and the report: the views of the map (each
            # year, each origin), the goals in each year and their timeline
            scene = prepare_scene(phase, bands=bands, goals=None if opts.goals else False,
                                  origin=opts.origins[0], bands_min=tuple(opts.bands_min),
                                  cell_m=opts.cell_m, views="map" in opts.outputs)
        if "map" in opts.outputs:
            from .render.maps import map_scene, save_map

            save_map(map_scene(scene, tiles=tiles or opts.tiles), out / "map.html")
            written.append("map.html")
        tick()
        if "png" in opts.outputs:
            from .render.figures import plot_scene, save_figure

            fig, _ = plot_scene(scene)
            save_figure(fig, out / "map.png")
            written.append("map.png")
        tick()
        if "report" in opts.outputs:
            extra = (transit_sections(phase),) if opts.report_transit else ()
            written += _write_report(phase, out, goals, bands, base, base_goals, base_bands,
                                     scene, sections=extra)
        tick()
    return written


def _write_report(phase, out: Path, goals, bands, base, base_goals, base_bands, scene,
                  ranking: pd.DataFrame | None = None, sections: tuple[str, ...] = ()
                  ) -> list[str]:
    """report.md (and goals_timeline.png, the figure it shows) of a run."""
    from .analysis.compare import goal_flips, line_differences, scenario_changes
    from .analysis.explain import deciding_lines, goal_terms
    from .io import write_text
    from .render.report import run_report

    written = []
    image = None
    if scene is not None and scene.timeline is not None and len(scene.timeline):
        from .render.timeline import save_timeline

        save_timeline(scene.timeline, phase.plan, out / "goals_timeline.png")
        image = "goals_timeline.png"
        written.append(image)
    lines = line_differences(base, phase)
    flips = goal_flips(base_goals, goals) if goals is not None else pd.DataFrame()
    terms = deciding = None
    if goals is not None:
        terms, deciding = goal_terms(phase, goals), deciding_lines(phase, goals)
    text = run_report(phase, goals, bands, base, base_bands, lines, flips,
                      changes=scenario_changes(phase),
                      timeline=scene.timeline if scene is not None else None,
                      met=scene.met if scene is not None else None, terms=terms,
                      deciding=deciding, ranking=ranking, timeline_image=image,
                      sections=sections)
    write_text(text, out / "report.md")
    return [*written, "report.md"]


def transit_sections(phase) -> str:
    """The report sections on hubs, car versus transit by county, buses and freight."""
    from .analysis.equity import bus_routes_in, equity_table, transit_equity
    from .analysis.hubs import catchment_table, freight_links, hub_catchments, waterway_status
    from .render.report_transit import transit_run_sections

    return transit_run_sections(phase.label, catchment_table(hub_catchments(phase)),
                                equity_table(transit_equity(phase)), bus_routes_in(phase),
                                freight_links(phase), waterway_status(phase))


def write_comparison(a, b, out: Path, *, year: int | None = None, own_years: bool = False,
                     streets=None, quiet: bool = False) -> tuple[list[str], str]:
    """Write ``compare.html`` and ``compare.md`` for phases (or scenarios) ``a`` and ``b``."""
    from .analysis.compare import compare, line_differences
    from .io import write_text
    from .render.compare_map import map_comparison
    from .render.maps import save_map
    from .render.report import comparison_report

    with progress(2, "comparing", quiet) as tick:
        origin = "suining"
        for p in (b, a):
            scn = getattr(p, "scenario", None)
            if scn is not None:
                origin = scn.run.origins[0]
                break
        cmp = compare(a, b, year=year, own_years=own_years, origin=origin, streets=streets)
        tick()
        save_map(map_comparison(cmp), out / "compare.html")
        tick()
    from .render.report_transit import transit_compare_section

    extra = (transit_compare_section(cmp.transit),) if cmp.transit is not None else ()
    text = comparison_report(cmp, line_differences(cmp.a, cmp.b), extra)
    write_text(text, out / "compare.md")
    return ["compare.html", "compare.md"], text


def write_maps(out: Path, quiet: bool = False) -> list[str]:
    """Render every shipped scenario to ``out/<name>.html`` and write ``out/index.html``."""
    import html

    from .io import write_text
    from .model.phase import Phase
    from .model.scenario import SCENARIO_DIR, read_scenario
    from .render.maps import map_phase, save_map

    scenarios = [read_scenario(p) for p in sorted(SCENARIO_DIR.glob("*.toml"))
                 if p.name != "goals.toml"]
    written = []
    with progress(len(scenarios), "rendering maps", quiet) as tick:
        for scn in scenarios:
            save_map(map_phase(Phase.of(scn), origin=scn.run.origins[0],
                               bands_min=tuple(scn.run.bands_min), cell_m=scn.run.cell_m),
                     out / f"{scn.name}.html")
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


__all__ = ["base_year", "origin_bands", "transit_sections", "write_comparison", "write_maps",
           "write_run"]
