"""Batch tasks: small frozen units of work over phases, and the wrappers that run them.

* ``IsochroneTask`` — isochrone bands from one origin in one phase;
* ``GoalsTask`` — the goal table of one phase;
* ``LeaveOneOutTask`` — one line of the leave-one-out ranking (``network.analysis.rank``).

Each task holds its ``Phase``, which travels to a Dask worker as its recipe
and is rebuilt there once (see ``network.scale.dask``). ::

    from network import Phase
    from network.scale.dask import client_for
    from network.scale.tasks import batch_isochrones

    phases = [Phase.of("plan_2035"), Phase.of("lanyu_hsr")]
    with client_for(workers=2) as client:          # None: serial
        bands = batch_isochrones(phases, ["suining", "tongnan"], client)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from ..engine.isochrones import DEFAULT_BANDS_MIN
from .dask import ProgressArg, run_many, values

if TYPE_CHECKING:
    import geopandas as gpd
    from distributed import Client

    from ..analysis.goals import Goal
    from ..analysis.rank import RankSpec
    from ..model.phase import Phase


@dataclass(frozen=True)
class IsochroneTask:
    """Isochrone bands from ``origin`` in ``phase`` (``network.isochrones``), with
    ``scenario`` and ``year`` columns in front."""

    id: str
    phase: Phase
    origin: str
    bands_min: tuple[float, ...] = DEFAULT_BANDS_MIN
    cell_m: float = 500.0
    mode: str = "any"
    population: bool = True

    def run(self) -> gpd.GeoDataFrame:
        from ..engine.isochrones import isochrones

        bands = isochrones(self.phase, self.origin, bands_min=self.bands_min,
                           cell_m=self.cell_m, mode=self.mode, population=self.population)
        bands.insert(0, "year", int(self.phase.year))
        bands.insert(0, "scenario", self.phase.name)
        return bands


@dataclass(frozen=True)
class GoalsTask:
    """The goal table of ``phase`` (``scenario`` column in front)."""

    id: str
    phase: Phase
    goals: tuple = ()

    def run(self) -> pd.DataFrame:
        from ..analysis.goals import goal_table

        table = goal_table(self.phase, self.goals or None).copy()
        table.insert(0, "scenario", self.phase.name)
        return table


@dataclass(frozen=True)
class LeaveOneOutTask:
    """One leave-one-out item: ``phase`` without ``line_id``, re-routed by masking."""

    id: str
    phase: Phase
    spec: RankSpec
    line_id: str

    def run(self) -> dict:
        from ..analysis.rank import leave_one_out
        from ..errors import InputError
        from ..model.plan import close_matches

        if self.line_id not in self.phase.plan.lines:
            hint = close_matches(self.line_id, self.phase.plan.lines)
            raise InputError(f"unknown line id {self.line_id!r}"
                             + (f"; close matches: {', '.join(hint)}" if hint else ""))
        return leave_one_out(self.phase, self.spec, self.line_id)


def isochrone_tasks(phases: Iterable[Phase], origins: Sequence[str],
                    **options: Any) -> list[IsochroneTask]:
    """Tasks for every phase × origin (ids ``"<scenario>/<year>/<origin>"``)."""
    return [IsochroneTask(id=f"{p.name}/{p.year}/{o}", phase=p, origin=o, **options)
            for p in phases for o in origins]


def batch_isochrones(phases: Iterable[Phase], origins: Sequence[str],
                     client: Client | None = None, *,
                     bands_min: Sequence[float] = DEFAULT_BANDS_MIN, cell_m: float = 500.0,
                     mode: str = "any", population: bool = True, progress: ProgressArg = None,
                     on_error: Literal["raise", "skip"] = "raise") -> gpd.GeoDataFrame:
    """Isochrone bands for every phase × origin, as one GeoDataFrame.

    Returns
    -------
    GeoDataFrame
        EPSG:4326, one row per band, in the order phase, origin, band: ``scenario``,
        ``year``, ``origin``, ``band_min``, ``lower_min``, ``area_km2``,
        ``reach_area_km2`` and the population columns.
    """
    import geopandas as gpd

    tasks = isochrone_tasks(phases, origins, bands_min=tuple(float(m) for m in bands_min),
                            cell_m=float(cell_m), mode=mode, population=population)
    frames = values(run_many(tasks, client, progress=progress), on_error)
    if not frames:
        return gpd.GeoDataFrame({"scenario": [], "year": [], "origin": [], "band_min": []},
                                geometry=[], crs="EPSG:4326")
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry",
                            crs=frames[0].crs)


def batch_goals(phases: Iterable[Phase], client: Client | None = None, *,
                goals: Sequence[Goal] | None = None, progress: ProgressArg = None,
                on_error: Literal["raise", "skip"] = "raise") -> pd.DataFrame:
    """Goal tables of every phase as one table (``scenario`` column first)."""
    tasks = [GoalsTask(id=f"{p.name}/{p.year}", phase=p, goals=tuple(goals or ()))
             for p in phases]
    frames = values(run_many(tasks, client, progress=progress), on_error)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def batch_rank(phase: Phase, client: Client | None = None, *, by: str = "person-minutes",
               trips: pd.DataFrame | None = None, goals: Sequence[Goal] | None = None,
               lines: Sequence[str] | None = None, cap_min: float = 240.0,
               origin: str = "suining", reach_min: float = 30.0,
               progress: ProgressArg = None) -> pd.DataFrame:
    """``network.analysis.rank.rank_lines``, one ``LeaveOneOutTask`` per line.

    Same parameters and the same table; with a ``client`` the lines are re-routed on the
    workers, each of which rebuilds the phase once from its recipe.

    Raises
    ------
    BatchError
        If any line failed (its ``results`` hold every task's outcome).
    """
    from ..analysis.rank import RankSpec, baseline, ranking_table

    spec = RankSpec(by=by, trips=trips, goals=tuple(goals or ()), cap_min=cap_min,
                    origin=origin, reach_min=reach_min)
    if lines is None:
        lines = sorted(ln["id"] for ln in phase.plan.lines_as_of(phase.year))
    if client is None:
        baseline(phase, spec)  # once, before the serial loop
    tasks = [LeaveOneOutTask(id=f"{phase.name}/{phase.year}/-{line}", phase=phase, spec=spec,
                             line_id=line) for line in lines]
    return ranking_table(values(run_many(tasks, client, progress=progress)), phase, by)


__all__ = ["GoalsTask", "IsochroneTask", "LeaveOneOutTask", "batch_goals", "batch_isochrones",
           "batch_rank", "isochrone_tasks"]
