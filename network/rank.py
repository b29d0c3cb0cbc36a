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
from dataclasses import replace

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
        ``mapper(func, items)`` → list; e.g. a Dask-backed map (see :mod:`network.batch`).
        Defaults to the built-in ``map``.

    Returns
    -------
    pandas.DataFrame
        Sorted by ``person_minutes_saved`` (descending): ``line_id, name_zh, name_en,
        network, person_minutes_saved, minutes_saved_per_trip, goals_flipped``.
    """
    from .graph import build_graph, settings_for

    cfg = settings or settings_for(plan.scenario)
    trips = default_trips(plan) if trips is None else trips
    weights = trips["weight"].to_numpy(float)
    if lines is None:
        lines = sorted(ln["id"] for ln in plan.lines_as_of(year))
    G0 = build_graph(plan, year, cfg)
    base = trip_minutes(G0, trips, cap_min)
    base_goals = _verdicts(G0, goals)

    def task(line_id: str) -> dict:
        G = build_graph(without_line(plan, line_id), year, cfg)
        lost = trip_minutes(G, trips, cap_min) - base
        flips = [g for g, ok in _verdicts(G, goals).items() if ok != base_goals[g]]
        return {"line_id": line_id, "person_minutes_saved": float(weights @ lost),
                "minutes_saved_per_trip": float(weights @ lost / weights.sum()),
                "goals_flipped": ", ".join(flips)}

    rows = list((mapper or map)(task, lines))
    out = pd.DataFrame(rows)
    meta = pd.DataFrame([{"line_id": k, "name_zh": v["name_zh"], "name_en": v["name_en"],
                          "network": v["network"]} for k, v in plan.lines.items()])
    out = out.merge(meta, on="line_id", how="left")
    out = out[["line_id", "name_zh", "name_en", "network", "person_minutes_saved",
               "minutes_saved_per_trip", "goals_flipped"]]
    return out.sort_values(["person_minutes_saved", "line_id"], ascending=[False, True],
                           ignore_index=True)


def _verdicts(G, goals) -> dict:
    if not goals:
        return {}
    from .goals import evaluate_goals

    table = evaluate_goals(G, goals)
    return dict(zip(table["goal_id"], table["passed"], strict=True))
