"""Why each goal stands where it does: its time term by term, the line it hinges on, its timeline.

A goal verdict is one number against a limit. A stakeholder asks three more things, and
this module answers each from the phase itself:

* **when** — ``goal_timeline`` evaluates the goals in every year in which the network
  changes (a line opens or is upgraded), so the minutes between two such years are exactly
  those of the earlier one, and ``met_from`` gives the first year each goal is met and
  stays met (through ``first_year_met`` of ``network.analysis.goals``);
* **how** — ``goal_terms`` splits each goal's time into the terms of
  ``network.vocab.TERMS`` (what the sum is made of);
* **thanks to what** — ``deciding_lines`` takes each line of the goal's fastest route
  away in turn (as the leave-one-out ranking does: a road masked, a rail line rebuilt
  without it, since its trains set other trains' waits) and names the line whose loss
  costs the most minutes, and whether the verdict then flips.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..vocab import TERMS, YEAR_RANGE

#: The plan's milestone years: adopted in 2020, horizons 2025 and 2035 (2030 midway).
#: Source: 中共遂宁市委关于全面融入成渝地区双城经济圈建设的决定 (2020), see scenarios/goals.toml.
PLAN_YEARS = (2020, 2025, 2030, 2035)

#: Measure → routing mode of ``network.engine.routing.od_times``.
MEASURE_MODE = {"rail_station": "rail", "door_to_door": "any", "road": "road"}

#: Terms that make up a station-to-station (timetable) time: a ``rail_station`` goal counts
#: these, and the waits for connections after the first boarding (``connection_wait``).
TIMETABLE_TERMS = ("in_vehicle", "dwell", "transfer")


def view_years(phase) -> list[int]:
    """The years a map of ``phase`` lets the viewer switch between.

    The plan's milestones (``PLAN_YEARS``), the phase's own year, the scenario's
    ``compare_year`` and the years in which the scenario's own changes take effect.
    """
    years = set(PLAN_YEARS) | {phase.year}
    scn = phase.scenario
    if scn is not None:
        if scn.run.compare_year is not None:
            years.add(scn.run.compare_year)
        for rec in (*scn.lines.modify, *scn.lines.add):
            if getattr(rec, "open_year", None) is not None:
                years.add(int(rec.open_year))
    lo, hi = YEAR_RANGE
    return sorted(y for y in years if lo <= y <= hi)


def change_years(phase, years: Iterable[int] | None = None) -> list[int]:
    """``years`` (default ``view_years``) plus every year between their first and last in
    which a line of the phase's plan opens or is upgraded: the network only changes then."""
    base = sorted(set(years if years is not None else view_years(phase)))
    lo, hi = base[0], base[-1]
    plan = phase.plan
    more = {int(r["open_year"]) for r in plan.lines.values() if r.get("open_year") is not None}
    if len(plan.upgrades):
        more |= {int(y) for y in plan.upgrades["year"].dropna()}
    return sorted(set(base) | {y for y in more if lo <= y <= hi})


def year_phases(phase, years: Iterable[int]) -> dict[int, Any]:
    """``{year: phase in that year}`` (``phase`` itself for its own year), each made once."""
    return {int(y): phase if int(y) == phase.year else phase.at(int(y)) for y in sorted(set(years))}


def goal_timeline(phases: dict[int, Any], goals=None) -> pd.DataFrame:
    """The goal tables of several phases, one after the other (long format).

    Parameters
    ----------
    phases : dict
        ``{year: Phase}`` (``year_phases``).
    goals : list of Goal or path, optional
        As for ``network.analysis.goals.goal_table``.

    Returns
    -------
    pandas.DataFrame
        ``network.analysis.goals.GOAL_COLUMNS``, one row per goal and year.
    """
    from .goals import goal_table

    frames = [goal_table(phases[y], goals) for y in sorted(phases)]
    return pd.concat(frames, ignore_index=True)


def met_from(timeline: pd.DataFrame) -> pd.DataFrame:
    """First year each goal is met and stays met, over the years of ``timeline``.

    Returns
    -------
    pandas.DataFrame
        ``goal_id``, ``first_year_met`` (Int64, ``<NA>`` if not met by the last year),
        ``last_year`` (the last year checked) and ``met_from_text``: the year, or
        ``"not by <last year>"``.
    """
    from .goals import first_year_met

    first = first_year_met(timeline)[["goal_id", "first_year_met"]].copy()
    last = int(timeline["year"].max())
    first["last_year"] = last
    first["met_from_text"] = [f"{int(y)}" if pd.notna(y) else f"not by {last}"
                              for y in first["first_year_met"]]
    order = {g: i for i, g in enumerate(dict.fromkeys(timeline["goal_id"]))}
    return first.sort_values("goal_id", key=lambda s: s.map(order)).reset_index(drop=True)


def goal_terms(phase, table: pd.DataFrame) -> pd.DataFrame:
    """Each time goal's minutes split into terms (one row per goal of ``table``).

    Returns
    -------
    pandas.DataFrame
        ``goal_id``, ``measure``, ``minutes`` (as in ``table``), one ``<term>_min`` column
        per term of ``TERMS`` that counts for the measure (the others
        are NaN), ``connection_wait_min`` (``rail_station`` only: waits after the first
        boarding), and ``lines``: the line ids of the fastest route in travel order. The
        counted terms add up to ``minutes``. Population-share goals and unreachable
        destinations have NaN terms.
    """
    from ..engine.routing import od_times

    cols = [f"{t}_min" for t in TERMS]
    rows = []
    for r in table.itertuples():
        row: dict[str, Any] = {"goal_id": r.goal_id, "measure": r.measure,
                               "minutes": float(r.minutes), **dict.fromkeys(cols, np.nan),
                               "connection_wait_min": np.nan, "lines": []}
        mode = MEASURE_MODE.get(r.measure)
        if mode is not None and np.isfinite(float(r.minutes)):
            od = od_times(phase, [(r.origin, r.destination)], mode=mode).iloc[0]
            row["lines"] = [x for x in od["lines"].split(";") if x]
            if r.measure == "rail_station":
                for t in TIMETABLE_TERMS:
                    row[f"{t}_min"] = float(od[f"{t}_min"])
                counted = sum(row[f"{t}_min"] for t in TIMETABLE_TERMS)
                row["connection_wait_min"] = max(float(od["timetable_min"]) - counted, 0.0)
            else:
                for t in TERMS:
                    row[f"{t}_min"] = float(od[f"{t}_min"])
        rows.append(row)
    return pd.DataFrame(rows, columns=["goal_id", "measure", "minutes", *cols,
                                       "connection_wait_min", "lines"])


def deciding_lines(phase, table: pd.DataFrame, goals: Sequence | None = None) -> pd.DataFrame:
    """For each time goal, the line of its fastest route whose loss costs the most minutes.

    Each line on the route is taken away in turn (``network.analysis.rank.leave_one_out``'s
    rule) and the goal is evaluated again.

    Parameters
    ----------
    phase : Phase
    table : DataFrame
        The phase's goal table.
    goals : list of Goal, optional
        The goals of ``table`` (default: the phase's goals file).

    Returns
    -------
    pandas.DataFrame
        ``goal_id``, ``line_id`` (``None`` when no line is on the route, e.g. a
        population share or an unreachable goal), ``minutes``, ``minutes_without`` (``inf``
        when the destination is then unreachable), ``passed``, ``passed_without``.
    """
    from .goals import evaluate_goals, read_goals
    from .rank import without_line

    if goals is None:
        scn = phase.scenario
        goals = read_goals(scn.run.goals if scn else None)
    by_id = {g.id: g for g in goals}
    terms = goal_terms(phase, table)
    rows = []
    for r, lines in zip(table.itertuples(), terms["lines"], strict=True):
        best: dict[str, Any] = {"goal_id": r.goal_id, "line_id": None,
                                "minutes": float(r.minutes), "minutes_without": np.nan,
                                "passed": bool(r.passed), "passed_without": bool(r.passed)}
        goal = by_id.get(r.goal_id)
        for lid in dict.fromkeys(lines):
            if goal is None:
                break
            without = evaluate_goals(without_line(phase, lid), [goal]).iloc[0]
            m = float(without["minutes"])
            if best["line_id"] is None or m > best["minutes_without"]:
                best.update(line_id=lid, minutes_without=m, passed_without=bool(without["passed"]))
        rows.append(best)
    return pd.DataFrame(rows, columns=["goal_id", "line_id", "minutes", "minutes_without",
                                       "passed", "passed_without"])


__all__ = ["MEASURE_MODE", "PLAN_YEARS", "TIMETABLE_TERMS", "change_years", "deciding_lines",
           "goal_terms", "goal_timeline", "met_from", "view_years", "year_phases"]
