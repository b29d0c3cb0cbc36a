"""Rank lines by marginal benefit: leave one out, re-route, count what is lost.

For each line in service in the year, the plan is rebuilt without it and the
population-weighted door-to-door minutes over a set of trips are recomputed:

    benefit(line) = Σ_trips weight × (minutes without the line − minutes with it)

Unreachable trips count as ``cap_min``. The default trips go from each county seat of
the population table to the main urban area, Chengdu and Chongqing, weighted by the unit's
2020 population (persons), so the benefit is in person-minutes (one trip per resident).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
import pandas as pd

DEFAULT_DESTINATIONS = ("suining", "chengdu", "chongqing")


def default_trips(plan, destinations: Sequence[str] = DEFAULT_DESTINATIONS) -> pd.DataFrame:
    """Trips ``origin, destination, weight``: each unit seat to each destination."""
    from .population import population_units

    units = population_units(plan)
    rows = [{"origin": seat, "destination": d, "weight": float(pop)}
            for seat, pop in zip(units["seat_node"], units["population"], strict=True)
            for d in destinations if d != seat and d in plan.nodes.index]
    return pd.DataFrame(rows)


def trip_minutes(G, trips: pd.DataFrame, cap_min: float) -> np.ndarray:
    """Door-to-door minutes of each trip on ``G``, capped at ``cap_min``."""
    from .routing import od_times

    od = od_times(G, list(zip(trips["origin"], trips["destination"], strict=True)), mode="any")
    return np.minimum(od["minutes"].to_numpy(), cap_min)


def without_line(plan, line_id: str):
    """The plan without ``line_id`` (pure; the original is unchanged)."""
    return replace(plan, lines={k: v for k, v in plan.lines.items() if k != line_id})


@dataclass(frozen=True)
class Baseline:
    """What every leave-one-out item is compared with (computed once per ranking).

    Attributes
    ----------
    trips : DataFrame
        ``origin, destination, weight``.
    minutes : numpy.ndarray
        Door-to-door minutes of each trip with every line, capped at ``cap_min``.
    verdicts : dict
        Goal id → passed, with every line.
    goals : tuple of Goal
    cap_min : float
    units : GeoDataFrame or None
        Population units, when a goal needs them (read once, not once per line).
    """

    trips: pd.DataFrame
    minutes: np.ndarray
    verdicts: dict
    goals: tuple
    cap_min: float
    units: object = None

    @property
    def weights(self) -> np.ndarray:
        return self.trips["weight"].to_numpy(float)


def baseline(plan, year: int, settings, trips: pd.DataFrame, goals=(), cap_min: float = 240.0
             ) -> Baseline:
    """Route the trips and check the goals on the full plan in ``year``."""
    from .graph import build_graph

    units = None
    if any(g.measure == "population_share" for g in goals):
        from .population import population_units

        units = population_units(plan, settings)
    G = build_graph(plan, year, settings)
    return Baseline(trips=trips, minutes=trip_minutes(G, trips, cap_min),
                    verdicts=_verdicts(G, list(goals), units), goals=tuple(goals),
                    cap_min=cap_min, units=units)


def leave_one_out(plan, year: int, settings, base: Baseline, line_id: str) -> dict:
    """The ranking row of ``line_id``: what the trips and goals lose without it."""
    from .graph import build_graph

    G = build_graph(without_line(plan, line_id), year, settings)
    lost = trip_minutes(G, base.trips, base.cap_min) - base.minutes
    w = base.weights
    flips = [g for g, ok in _verdicts(G, list(base.goals), base.units).items()
             if ok != base.verdicts[g]]
    return {"line_id": line_id, "person_minutes_saved": float(w @ lost),
            "minutes_saved_per_trip": float(w @ lost / w.sum()), "goals_flipped": ", ".join(flips)}


RANK_COLUMNS = ["line_id", "name_zh", "name_en", "network", "person_minutes_saved",
                "minutes_saved_per_trip", "goals_flipped"]


def ranking_table(rows: list[dict], plan) -> pd.DataFrame:
    """Leave-one-out rows as the sorted ranking table (columns :data:`RANK_COLUMNS`)."""
    out = pd.DataFrame(rows, columns=["line_id", "person_minutes_saved",
                                      "minutes_saved_per_trip", "goals_flipped"])
    meta = pd.DataFrame([{"line_id": k, "name_zh": v["name_zh"], "name_en": v["name_en"],
                          "network": v["network"]} for k, v in plan.lines.items()])
    out = out.merge(meta, on="line_id", how="left")[RANK_COLUMNS]
    return out.sort_values(["person_minutes_saved", "line_id"], ascending=[False, True],
                           ignore_index=True)


def rank_lines(plan, year: int, *, trips: pd.DataFrame | None = None, goals=None,
               settings=None, lines: Sequence[str] | None = None, cap_min: float = 240.0,
               mapper: Callable | None = None) -> pd.DataFrame:
    """Marginal benefit of each line in service in ``year`` (leave-one-out).

    Parameters
    ----------
    plan : Plan
        With any scenario already applied.
    year : int
    trips : DataFrame, optional
        ``origin, destination, weight``; defaults to :func:`default_trips`.
    goals : list of Goal, optional
        Goals whose verdict is re-checked without each line (default: none).
    settings : Settings, optional
    lines : list of str, optional
        Lines to test (default: every line in service in ``year``).
    cap_min : float
        Minutes counted for an unreachable trip.
    mapper : callable, optional
        ``mapper(func, items)`` → iterable of results in order (e.g. from
        :func:`network.batch.mapper_for`). Defaults to the built-in ``map``.

    Returns
    -------
    pandas.DataFrame
        Sorted by ``person_minutes_saved`` (descending), columns :data:`RANK_COLUMNS`.
    """
    from .graph import settings_for

    cfg = settings or settings_for(plan.scenario)
    trips = default_trips(plan) if trips is None else trips
    if lines is None:
        lines = sorted(ln["id"] for ln in plan.lines_as_of(year))
    base = baseline(plan, year, cfg, trips, goals or (), cap_min)
    rows = list((mapper or map)(partial(leave_one_out, plan, year, cfg, base), lines))
    return ranking_table(rows, plan)


def _verdicts(G, goals, units=None) -> dict:
    if not goals:
        return {}
    from .goals import evaluate_goals

    table = evaluate_goals(G, goals, units)
    return dict(zip(table["goal_id"], table["passed"], strict=True))
