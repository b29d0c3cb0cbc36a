"""Batch regional matrices: many scenarios × years, serially or on Dask workers.

One ``RegionTask`` per phase; each worker rebuilds a phase once from its recipe
(``network.scale.dask``), loads the region tables once per process, and returns the
matrix without its routing graph (small to send back). Results are identical to a serial
run and come back in task order::

    from network import Phase
    from network.scale.dask import client_for
    from network.scale.region import batch_region

    phases = [Phase.of(y) for y in (2020, 2025, 2035)] + [Phase.of("chengdawan_delayed")]
    with client_for(workers=2) as client:            # None: serial
        matrices = batch_region(phases, client)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .dask import ProgressArg, run_many, values

if TYPE_CHECKING:
    from distributed import Client

    from ..analysis.region import RegionMatrix
    from ..model.phase import Phase
    from ..model.region import RegionSettings


@dataclass(frozen=True)
class RegionTask:
    """The all-to-all matrix of one phase (``network.analysis.region.od_matrix``)."""

    id: str
    phase: Phase
    settings: RegionSettings | None = None
    mode: str = "any"
    detailed: bool = True
    chunk_mb: float = 256.0

    def run(self) -> RegionMatrix:
        from ..analysis.region import od_matrix

        return od_matrix(self.phase, settings=self.settings, mode=self.mode,
                         detailed=self.detailed, chunk_mb=self.chunk_mb).without_graph()


def region_tasks(phases: Iterable[Phase], **options) -> list[RegionTask]:
    """One task per phase (ids ``"<scenario>/<year>"``)."""
    return [RegionTask(id=f"{p.name}/{p.year}", phase=p, **options) for p in phases]


def batch_region(phases: Iterable[Phase], client: Client | None = None, *,
                 settings: RegionSettings | None = None, mode: str = "any",
                 detailed: bool = True, chunk_mb: float = 256.0, progress: ProgressArg = None,
                 on_error: Literal["raise", "skip"] = "raise") -> list[RegionMatrix]:
    """The matrix of every phase, in order (on Dask workers with a ``client``).

    Raises
    ------
    BatchError
        If a phase failed (``on_error="raise"``); its ``results`` hold every outcome.
    """
    tasks = region_tasks(phases, settings=settings, mode=mode, detailed=detailed,
                         chunk_mb=chunk_mb)
    return values(run_many(tasks, client, progress=progress), on_error)


__all__ = ["RegionTask", "batch_region", "region_tasks"]
