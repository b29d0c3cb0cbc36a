"""The plan's promises as checkable goals, and their verdicts year by year.

A goals file (``scenarios/goals.toml``) states each promise::

    [[goal]]
    id = "chengdu_rail"
    label = "遂宁—成都 铁路1小时 / Suining–Chengdu by rail within 1 h"
    origin = "stn_suining"
    destination = ["stn_chengdu_east", "stn_tianfu"]   # the fastest of these counts
    measure = "rail_station"     # rail_station | door_to_door | road | population_share
    limit_min = 60
    source = "..."

Measures:

* ``rail_station`` — station to station by rail: in-vehicle + dwell + transfers (what a
  timetable shows), without the entry, first wait and exit terms;
* ``door_to_door`` — centre to centre by any mode, every term counted;
* ``road`` — centre to centre by road only;
* ``population_share`` — the share of the population of the ``area`` units within
  ``limit_min`` of ``origin`` (door to door); passes when it reaches ``target_share``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, ValidationError

from ..errors import DataError, Problem

GOAL_COLUMNS = ["goal_id", "origin", "destination", "measure", "limit_min", "minutes",
                "margin_min", "passed", "year", "value", "target", "label"]
DEFAULT_YEARS = (2020, 2025, 2030, 2035)
#: The years the plan names (2020 plan, 2025 and 2035 targets) and the span it covers.
PLAN_MILESTONES = DEFAULT_YEARS
PLAN_SPAN = (2020, 2035)
DEFAULT_GOALS = Path(__file__).resolve().parents[2] / "scenarios" / "goals.toml"


class Goal(BaseModel):
    """One promise of the plan."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    label: str = ""
    origin: str
    destination: list[str] = []
    measure: Literal["rail_station", "door_to_door", "road", "population_share"]
    limit_min: PositiveFloat
    area: list[str] = []
    target_share: float | None = Field(None, gt=0, le=1)
    source: str = ""
    note: str = ""


class GoalSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    goal: list[Goal] = Field(min_length=1)


def read_goals(path: str | os.PathLike | None = None) -> list[Goal]:
    """Read and validate a goals file (default ``scenarios/goals.toml``).

    A relative path that does not exist as given is looked up in ``scenarios/``.
    """
    p = Path(path) if path else DEFAULT_GOALS
    if not p.is_absolute() and not p.exists():
        p = DEFAULT_GOALS.parent / p
    try:
        if p.stat().st_size > 1_000_000:
            raise DataError([Problem(str(p), "-", "-", "file is larger than 1 MB")])
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError([Problem(str(p), "-", "-", "file not found")]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataError([Problem(str(p), "-", "-", f"not a valid TOML file: {exc}")]) from None
    except RecursionError:
        raise DataError([Problem(str(p), "-", "-", "TOML nested too deeply")]) from None
    except OSError as exc:
        raise DataError([Problem(str(p), "-", "-", f"cannot be read: {exc.strerror}")]) from None
    try:
        goals = GoalSet.model_validate(raw).goal
    except ValidationError as exc:
        from ..model.scenario import _problems

        raise DataError(_problems(str(p), exc, "-", GoalSet)) from None
    probs = []
    for g in goals:
        if g.measure == "population_share" and (not g.area or not g.target_share):
            probs.append(Problem(str(p), g.id, "area/target_share",
                                 "a population_share goal needs area and target_share"))
        if g.measure != "population_share" and not g.destination:
            probs.append(Problem(str(p), g.id, "destination", "this goal needs a destination"))
    ids = [g.id for g in goals]
    probs += [Problem(str(p), i, "id", "duplicate goal id") for i in sorted(set(ids))
              if ids.count(i) > 1]
    if probs:
        raise DataError(probs)
    return goals


def check_goal_ids(goals: Sequence[Goal], plan, file: str = "goals") -> None:
    """Raise ``DataError`` if a goal names a node or unit the plan doesn't have."""
    from ..model.plan import close_matches

    probs = []
    places = plan.nodes.index.union(getattr(plan, "hubs", pd.DataFrame()).index)
    for g in goals:
        for field, ids, known in (("origin", [g.origin], places),
                                  ("destination", g.destination, places),
                                  ("area", g.area, plan.population.index)):
            for i in ids:
                if i not in known:
                    hint = close_matches(i, known)
                    probs.append(Problem(file, g.id, field, f"unknown id {i!r}" + (
                        f"; close matches: {', '.join(hint)}" if hint else "")))
    if probs:
        raise DataError(probs)


def evaluate_goals(graph, goals: Sequence[Goal], units=None) -> pd.DataFrame:
    """Verdicts of ``goals`` on one phase (columns ``GOAL_COLUMNS``).

    Parameters
    ----------
    graph : Phase, CompiledGraph or networkx.MultiDiGraph
    goals : list of Goal
    units : GeoDataFrame, optional
        Population units for ``population_share`` goals (default: the phase's).
    """
    from ..engine.routing import compiled, od_times

    cg = compiled(graph)
    year = cg.G.graph.get("year")
    rows = []
    for g in goals:
        if g.measure == "population_share":
            rows.append(_share_row(cg, g, units, year))
            continue
        mode = {"rail_station": "rail", "door_to_door": "any", "road": "road"}[g.measure]
        present = [d for d in g.destination if d in cg.index]  # stations not yet open are absent
        if g.origin not in cg.index or not present:
            rows.append(_row(g, g.origin, "|".join(g.destination), np.inf, year))
            continue
        od = od_times(cg, [(g.origin, d) for d in present], mode=mode)
        col = "timetable_min" if g.measure == "rail_station" else "minutes"
        best = od.loc[od[col].idxmin()] if np.isfinite(od[col]).any() else od.iloc[0]
        minutes = float(best[col])
        rows.append(_row(g, best["from"], best["to"], minutes, year))
    return pd.DataFrame(rows, columns=GOAL_COLUMNS)


def goal_table(phase, goals=None) -> pd.DataFrame:
    """The goal verdicts of a phase, computed once and kept with the phase.

    ``goals`` defaults to the scenario's goals file (else ``scenarios/goals.toml``).
    """
    if goals is None or isinstance(goals, str | os.PathLike):
        scn = phase.scenario
        goals = read_goals(goals or (scn.run.goals if scn else None))
    goals = tuple(goals)
    key = ("goals", tuple(g.model_dump_json() for g in goals))
    return phase.memo(key, lambda: evaluate_goals(phase, goals))


def _row(g: Goal, origin, dest, minutes: float, year, value=np.nan, target=np.nan) -> dict:
    margin = g.limit_min - minutes
    passed = bool(minutes <= g.limit_min) if np.isnan(target) else bool(value >= target)
    return {"goal_id": g.id, "origin": origin, "destination": dest, "measure": g.measure,
            "limit_min": g.limit_min, "minutes": minutes, "margin_min": margin,
            "passed": passed, "year": year, "value": value, "target": target, "label": g.label}


def _share_row(cg, g: Goal, units, year) -> dict:
    from ..engine.isochrones import isochrones
    from ..engine.population import units_of

    units = units if units is not None else units_of(cg)
    area = units.loc[list(g.area)]
    if g.origin not in cg.index:  # a hub or station not open in the year: nobody is in reach
        row = _row(g, g.origin, "+".join(g.area), np.nan, year, 0.0, g.target_share)
        row["margin_min"] = np.nan
        return row
    bands = isochrones(cg, g.origin, bands_min=(g.limit_min,), units=area)
    share = float(bands["reach_residents_2020census"].iloc[0] / area["population"].sum())
    row = _row(g, bands["origin"].iloc[0], "+".join(g.area), np.nan, year, share, g.target_share)
    row["margin_min"] = np.nan
    return row


def plan_years(plan, span: tuple[int, int] = PLAN_SPAN) -> list[int]:
    """The years in which the plan changes, within ``span``: every phase the plan defines.

    A phase only changes when a line opens or a dated upgrade takes effect, so checking
    these years (plus the milestones 2020, 2025, 2030 and 2035) is checking every year.

    Parameters
    ----------
    plan : Plan
        With its scenario applied, if any (added and delayed lines count).
    span : (int, int)
        First and last year, inclusive.

    Returns
    -------
    list of int
        Sorted years: opening years, dated upgrade years and the milestones in ``span``.
    """
    lo, hi = span
    years = {y for y in PLAN_MILESTONES if lo <= y <= hi}
    years |= {int(rec["open_year"]) for rec in plan.lines.values()
              if rec.get("open_year") is not None and lo <= int(rec["open_year"]) <= hi}
    ups = pd.to_numeric(plan.upgrades["year"], errors="coerce") if len(plan.upgrades) else []
    years |= {int(y) for y in ups if np.isfinite(y) and lo <= y <= hi}
    return sorted(years)


def check_goals(years: Iterable[int] | None = None, scenario=None, goals=None, *,
                settings=None, streets=None, plan=None) -> pd.DataFrame:
    """Check the plan's goals in each year.

    Parameters
    ----------
    years : iterable of int, optional
        Default: ``plan_years`` of the plan (every year in which it changes, 2020–2035).
    scenario : Scenario, path, name or Phase, optional
        A phase's scenario, settings and streets are used (its year is not).
    goals : list of Goal or path, optional
        Defaults to the scenario's goals file, else ``scenarios/goals.toml``.
    settings, streets, plan
        As for ``network.Phase.of``.

    Returns
    -------
    pandas.DataFrame
        Columns ``goal_id, origin, destination, measure, limit_min, minutes, margin_min,
        passed, year`` (plus ``value``/``target`` for population shares, and ``label``),
        for the years asked. Unreachable destinations have ``minutes = inf`` and
        ``passed = False``. The verdicts of the plan years *not* asked (up to the last
        year asked) are kept in ``table.attrs["passed_by_year"]``, so that
        ``first_year_met`` counts every phase, not only the years shown.
    """
    from ..model.phase import Phase

    years = None if years is None else list(years)
    if years is not None and not years:
        raise DataError([Problem("check_goals", "-", "years", "give at least one year")])
    base = Phase.of(scenario, year=years[0] if years else PLAN_SPAN[0], settings=settings,
                    streets=streets, plan=plan)
    every = plan_years(base.plan)
    if years is None:
        years = every
    if goals is None or isinstance(goals, str | os.PathLike):
        goals = read_goals(goals or (base.scenario.run.goals if base.scenario else None))
    check_goal_ids(goals, base.plan)
    frames = [goal_table(base.at(y), goals) for y in years]
    table = pd.concat(frames, ignore_index=True)
    # the phases between the years asked: a goal met in 2020 is met "since 2020" even
    # when only 2025 and 2035 are shown
    hidden = [y for y in every if y not in years and y <= max(years)]
    extra: dict[str, dict[str, bool]] = {}
    for y in hidden:
        for r in goal_table(base.at(y), goals).itertuples():
            extra.setdefault(str(r.goal_id), {})[str(y)] = bool(r.passed)
    table.attrs["passed_by_year"] = extra
    return table


def first_year_met(table: pd.DataFrame) -> pd.DataFrame:
    """Per goal, the first year it is met and stays met (``<NA>`` if not by the last year).

    Every phase counts: the years of ``table`` and, when the table comes from
    ``check_goals``, the plan years it evaluated but did not show
    (``table.attrs["passed_by_year"]``). A goal met in the first year checked (2020) has
    that year: it was met by then.

    Returns
    -------
    pandas.DataFrame
        ``goal_id, label, first_year_met`` plus the verdict in each year of ``table`` as
        columns (``"met"`` / ``"not met"``).
    """
    wide = table.pivot_table(index="goal_id", columns="year", values="passed", aggfunc="first",
                             sort=False)
    shown = list(wide.columns)
    verdicts = {gid: {int(y): bool(row[y]) for y in shown} for gid, row in wide.iterrows()}
    for gid, by_year in (table.attrs.get("passed_by_year") or {}).items():
        if gid in verdicts:
            for y, ok in by_year.items():
                verdicts[gid].setdefault(int(y), bool(ok))

    def first(gid) -> float:
        seq = sorted(verdicts[gid].items())
        for i, (y, _) in enumerate(seq):
            if all(ok for _, ok in seq[i:]):
                return y
        return np.nan

    out = pd.DataFrame({"goal_id": wide.index,
                        "first_year_met": pd.array([first(g) for g in wide.index],
                                                   dtype="Int64")})
    labels = table.drop_duplicates("goal_id").set_index("goal_id")["label"]
    out.insert(1, "label", out["goal_id"].map(labels))
    for y in shown:
        out[str(y)] = wide[y].map({True: "met", False: "not met"}).values
    return out


def first_year_text(value, last_year: int) -> str:
    """``first_year_met`` as a person reads it: the year, or ``"not by <last_year>"``."""
    return f"not by {last_year}" if pd.isna(value) else str(int(value))
