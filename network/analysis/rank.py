"""Rank lines by marginal benefit: leave one out, re-route, count what is lost.

The phase graph is built and compiled once. For each line in service that no scheduled
service runs over (roads), its edges are masked out of the compiled graph
(``without_lines``) and the trips are re-routed:
exact, since nothing else depends on those edges. A line that services run over (rail) is
rebuilt without it instead: its trains' frequencies shape the waits at every station they
share with other services, which a mask cannot undo. Three measures (``by``):

``person-minutes``
    Σ over trips of weight × (minutes without the line − minutes with it). The default
    trips go from each county seat of the population table to the main urban area,
    Chengdu and Chongqing, weighted by the unit's 2020 census population (one trip per
    resident), so the benefit is in person-minutes. Unreachable trips count as ``cap_min``.
``reach-population``
    Residents (2020 census) within ``reach_min`` minutes of ``origin`` door to door with
    the line, minus without it.
``goal-margin``
    Σ over goals of the minutes the goal's margin shrinks without the line.

A line scores zero when no measured trip uses it; the table says why (``why_zero``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError

DEFAULT_DESTINATIONS = ("suining", "chengdu", "chongqing")
MEASURES = ("person-minutes", "reach-population", "goal-margin")

#: Columns of the ranking table.
RANK_COLUMNS = ["rank", "line_id", "name_zh", "name_en", "network", "measure", "benefit",
                "person_minutes_saved", "minutes_saved_per_trip", "residents_gained_2020census",
                "goal_margin_min", "goals_flipped", "why_zero"]


def default_trips(phase, destinations: Sequence[str] = DEFAULT_DESTINATIONS) -> pd.DataFrame:
    """Trips ``origin, destination, weight``: each unit seat to each destination,
    weighted by the unit's 2020 census population (persons)."""
    units = phase.units
    rows = [{"origin": seat, "destination": d, "weight": float(pop)}
            for seat, pop in zip(units["seat_node"], units["population"], strict=True)
            for d in destinations if d != seat and d in phase.plan.nodes.index]
    return pd.DataFrame(rows, columns=["origin", "destination", "weight"])


def trip_minutes(graph, trips: pd.DataFrame, cap_min: float) -> tuple[np.ndarray, list]:
    """Door-to-door minutes of each trip (capped at ``cap_min``) and the lines each uses."""
    from ..engine.routing import od_times

    if not len(trips):
        return np.zeros(0), []
    od = od_times(graph, list(zip(trips["origin"], trips["destination"], strict=True)), mode="any")
    return np.minimum(od["minutes"].to_numpy(), cap_min), [
        [x for x in str(ln).split(";") if x] for ln in od["lines"]]


@dataclass(frozen=True)
class Baseline:
    """What every leave-one-out item is compared with (computed once per ranking).

    Attributes
    ----------
    trips : DataFrame
        ``origin, destination, weight``.
    minutes : numpy.ndarray
        Door-to-door minutes of each trip with every line, capped at ``cap_min``.
    used : frozenset of str
        Lines used by at least one trip's fastest route.
    verdicts : dict
        Goal id → (passed, margin_min), with every line.
    goals : tuple of Goal
    cap_min : float
    reach : float
        Residents within ``reach_min`` of ``origin`` with every line (``reach-population``).
    """

    trips: pd.DataFrame
    minutes: np.ndarray
    used: frozenset
    verdicts: dict
    goals: tuple
    cap_min: float
    reach: float = float("nan")

    @property
    def weights(self) -> np.ndarray:
        return self.trips["weight"].to_numpy(float)


@dataclass(frozen=True)
class RankSpec:
    """What a ranking measures (small and picklable: it travels to Dask workers)."""

    by: str = "person-minutes"
    trips: pd.DataFrame | None = None
    goals: tuple = ()
    cap_min: float = 240.0
    origin: str = "suining"
    reach_min: float = 30.0
    cell_m: float = 500.0

    def __post_init__(self):
        if self.by not in MEASURES:
            raise InputError(f"by must be one of {', '.join(MEASURES)}, not {self.by!r}")

    @property
    def key(self) -> tuple:
        trips = None if self.trips is None else pd.util.hash_pandas_object(self.trips).sum()
        goals = tuple(g.model_dump_json() for g in self.goals)
        return (self.by, trips, goals, self.cap_min, self.origin, self.reach_min, self.cell_m)


def _reach(graph, spec: RankSpec) -> float:
    from ..engine.isochrones import isochrones

    bands = isochrones(graph, spec.origin, bands_min=(spec.reach_min,), cell_m=spec.cell_m)
    return float(bands["reach_residents_2020census"].iloc[0])


def baseline(phase, spec: RankSpec) -> Baseline:
    """Route the trips and check the goals on the full phase (kept with the phase)."""
    def build() -> Baseline:
        trips = default_trips(phase) if spec.trips is None else spec.trips
        minutes, used = trip_minutes(phase, trips, spec.cap_min)
        reach = _reach(phase, spec) if spec.by == "reach-population" else float("nan")
        return Baseline(trips=trips, minutes=minutes,
                        used=frozenset(x for lines in used for x in lines),
                        verdicts=_verdicts(phase, spec.goals), goals=spec.goals,
                        cap_min=spec.cap_min, reach=reach)

    return phase.memo(("rank-baseline", spec.key), build)


def leave_one_out(phase, spec: RankSpec, line_id: str) -> dict:
    """The ranking row of ``line_id``: what the trips, reach and goals lose without it."""
    base = baseline(phase, spec)
    masked = without_line(phase, line_id)
    minutes, _ = trip_minutes(masked, base.trips, base.cap_min)
    lost = minutes - base.minutes
    w = base.weights
    verdicts = _verdicts(masked, base.goals)
    flips = [g for g, (ok, _) in verdicts.items() if ok != base.verdicts[g][0]]
    margin = sum(_margin_loss(base.verdicts[g][1], m) for g, (_, m) in verdicts.items())
    gained = base.reach - _reach(masked, spec) if spec.by == "reach-population" else float("nan")
    return {"line_id": line_id, "person_minutes_saved": float(w @ lost),
            "minutes_saved_per_trip": float(w @ lost / w.sum()) if w.sum() else 0.0,
            "residents_gained_2020census": gained, "goal_margin_min": float(margin),
            "goals_flipped": ", ".join(flips), "used": line_id in base.used}


def service_lines(compiled) -> frozenset[str]:
    """Lines that a scheduled service (a train, a bus) runs over in a compiled graph."""
    e = compiled.edges
    rides = np.flatnonzero(e["service"] >= 0)
    ptr, idx = e["line_ptr"], e["line_idx"]
    codes = np.concatenate([idx[ptr[i]:ptr[i + 1]] for i in rides]) if len(rides) else []
    return frozenset(str(compiled.line_ids[k]) for k in np.unique(codes))


def without_line(phase, line_id: str):
    """The phase's compiled graph without ``line_id``: masked, or rebuilt for a line that
    services run over (see the module docstring)."""
    from dataclasses import replace

    from ..model.phase import Phase

    cg = phase.compiled
    if line_id not in phase.memo("service-lines", lambda: service_lines(cg)):
        return cg.without_lines([line_id])
    plan = replace(phase.plan, lines={k: v for k, v in phase.plan.lines.items() if k != line_id})
    streets = phase._streets_graph if phase._streets_graph is not None else (
        phase.recipe.streets or False)
    return Phase.of(phase.year, plan=plan, settings=phase.settings, streets=streets).compiled


def _margin_loss(before: float, after: float) -> float:
    if not np.isfinite(before):
        return 0.0
    after = after if np.isfinite(after) else before - 240.0
    return max(before - after, 0.0)


def ranking_table(rows: list[dict], phase, by: str = "person-minutes") -> pd.DataFrame:
    """Leave-one-out rows as the sorted ranking table (columns ``RANK_COLUMNS``)."""
    out = pd.DataFrame(rows)
    lines = phase.plan.lines
    out["name_zh"] = [lines[i]["name_zh"] for i in out["line_id"]]
    out["name_en"] = [lines[i]["name_en"] for i in out["line_id"]]
    out["network"] = [lines[i]["network"] for i in out["line_id"]]
    col = {"person-minutes": "person_minutes_saved",
           "reach-population": "residents_gained_2020census",
           "goal-margin": "goal_margin_min"}[by]
    out["measure"] = col
    out["benefit"] = out[col].round(6)
    out["why_zero"] = [_why_zero(r, by) for r in out.itertuples()]
    out = out.sort_values(["benefit", "line_id"], ascending=[False, True], ignore_index=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out[RANK_COLUMNS]


def _why_zero(row, by: str) -> str:
    if abs(row.benefit) > 1e-9:
        return ""
    if by == "person-minutes":
        return ("no measured trip uses it (trips: county seats to 遂宁, 成都, 重庆)"
                if not row.used else "a parallel route is as fast without it")
    if by == "reach-population":
        return "the area within the reach limit does not change without it"
    return "no goal's margin depends on it"


def rank_lines(phase, *, by: str = "person-minutes", trips: pd.DataFrame | None = None,
               goals=None, lines: Sequence[str] | None = None, cap_min: float = 240.0,
               origin: str = "suining", reach_min: float = 30.0,
               mapper: Callable | None = None) -> pd.DataFrame:
    """Marginal benefit of each line in service in a phase (leave one out).

    Parameters
    ----------
    phase : Phase
    by : {'person-minutes', 'reach-population', 'goal-margin'}
        The measure the table is sorted by (see the module docstring); every row has all
        three columns where computed.
    trips : DataFrame, optional
        ``origin, destination, weight``; defaults to ``default_trips``.
    goals : list of Goal, optional
        Goals whose verdict and margin are re-checked without each line.
    lines : list of str, optional
        Lines to test (default: every line in service in the phase's year).
    cap_min : float
        Minutes counted for an unreachable trip.
    origin, reach_min
        Origin and band limit (min) of the ``reach-population`` measure.
    mapper : callable, optional
        ``mapper(func, items)`` → results in order (e.g. a Dask map). Default ``map``.

    Returns
    -------
    pandas.DataFrame
        Sorted by ``benefit`` (descending), columns ``RANK_COLUMNS``.
    """
    from functools import partial

    spec = RankSpec(by=by, trips=trips, goals=tuple(goals or ()), cap_min=cap_min,
                    origin=origin, reach_min=reach_min)
    if lines is None:
        lines = sorted(ln["id"] for ln in phase.plan.lines_as_of(phase.year))
    baseline(phase, spec)
    rows = list((mapper or map)(partial(leave_one_out, phase, spec), lines))
    return ranking_table(rows, phase, by)


def _verdicts(graph, goals) -> dict:
    if not goals:
        return {}
    from .goals import evaluate_goals

    table = evaluate_goals(graph, list(goals))
    return {g: (bool(p), float(m)) for g, p, m in
            zip(table["goal_id"], table["passed"], table["margin_min"], strict=True)}


__all__ = ["MEASURES", "RANK_COLUMNS", "Baseline", "RankSpec", "baseline", "default_trips",
           "leave_one_out", "rank_lines", "ranking_table", "service_lines", "trip_minutes",
           "without_line"]
