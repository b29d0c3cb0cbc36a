"""Dask distributed: clients, and running many tasks serially or on workers.

``run_many`` runs a list of small, frozen tasks (see ``network.scale.tasks``),
each with a stable ``id`` and a pure ``run()``:

* without a client, serially in this process;
* with a ``dask.distributed.Client``, mapped over the workers. A task carries the
  phase it works on, which pickles as its small recipe
  (``network.model.phase.PhaseRecipe``): each worker process rebuilds the identical
  phase once (with its OSM streets, settings and scenario) and reuses it for every later
  task of the same phase. Results are identical to the serial run and come back in task
  order.

A task that raises is reported with its id and error (``"ExcType: message"``); the other
tasks still complete. Dask is optional (``pip install 'suining-network[scale]'``).
"""

from __future__ import annotations

import logging
import time
import traceback as _traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import BatchError, InputError, NetworkError

if TYPE_CHECKING:
    from distributed import Client

DASK_HINT = ("Dask is not installed; batch runs on workers need it: "
             "pip install 'suining-network[scale]' (from a checkout: pip install -e '.[scale]')")


def _distributed():
    """``(Client, LocalCluster)`` from dask.distributed, or a NetworkError with the hint."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:
        raise NetworkError(DASK_HINT) from exc
    return Client, LocalCluster


@contextmanager
def client_for(workers: int | None = None, scheduler: str | None = None, *,
               timeout: str | float = "15s") -> Iterator[Client | None]:
    """Yield a Dask client for the CLI flags ``--workers N`` / ``--scheduler ADDRESS``.

    Parameters
    ----------
    workers : int, optional
        Start a ``LocalCluster`` of this many worker processes (one thread each) on
        127.0.0.1, without a dashboard; it is shut down on exit.
    scheduler : str, optional
        Address of a running scheduler, e.g. ``"tcp://10.0.0.5:8786"``; ``"local"`` is the
        same as ``workers`` (default 2).
    timeout : str or float
        How long to try to reach an existing scheduler (e.g. ``"15s"`` or seconds).

    Yields
    ------
    distributed.Client or None
        ``None`` when neither is given: ``run_many`` then runs serially.

    Raises
    ------
    NetworkError
        When Dask is not installed (with the install hint), the scheduler cannot be
        reached, or the arguments conflict.
    """
    if scheduler is None and workers is None:
        yield None
        return
    if scheduler not in (None, "local") and workers is not None:
        raise InputError("give either a worker count (a local cluster) or a scheduler "
                         "address (an existing cluster), not both")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or not 1 <= workers <= 256):
        raise InputError(f"the number of workers must be between 1 and 256, not {workers!r}")
    Client, LocalCluster = _distributed()
    cluster = None
    if scheduler is None or scheduler == "local":
        cluster = LocalCluster(n_workers=int(workers or 2), threads_per_worker=1, processes=True,
                               dashboard_address=None, host="127.0.0.1",
                               silence_logs=logging.ERROR)
        try:
            client = Client(cluster)
        except BaseException:
            cluster.close()
            raise
    else:
        try:
            client = Client(scheduler, timeout=timeout)
        except (OSError, TimeoutError, ValueError) as exc:
            raise NetworkError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}") from exc
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()




class Task(Protocol):
    """What ``run_many`` needs of a task."""

    id: str

    def run(self) -> Any: ...


@dataclass(frozen=True)
class TaskResult:
    """Outcome of one task.

    Attributes
    ----------
    id : str
        The task's id.
    ok : bool
    value : object
        What the task returned (``None`` on failure).
    error : str or None
        ``"ExcType: message"`` on failure.
    seconds : float
        Run time of the task itself.
    traceback : str or None
        Full traceback on failure.
    """

    id: str
    ok: bool
    value: Any = None
    error: str | None = None
    seconds: float = field(default=0.0, compare=False)
    traceback: str | None = field(default=None, repr=False, compare=False)


def describe(exc: BaseException) -> str:
    """``"ExcType: message"`` of an exception, on one line."""
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


def _execute(task: Task) -> TaskResult:
    """Run one task, turning an exception into a failed result (runs on the worker)."""
    t0 = time.perf_counter()
    try:
        value = task.run()
    except Exception as exc:
        return TaskResult(task.id, ok=False, error=describe(exc),
                          seconds=time.perf_counter() - t0, traceback=_traceback.format_exc())
    return TaskResult(task.id, ok=True, value=value, seconds=time.perf_counter() - t0)


ProgressArg = Callable[[int, int], None] | bool | None


@contextmanager
def _progress(progress: ProgressArg, total: int) -> Iterator[Callable[[int], None]]:
    if progress is True:
        from ..progress import progress as bar

        with bar(total, f"running {total} tasks") as tick:
            yield lambda done: tick()
    elif callable(progress):
        yield lambda done: progress(done, total)
    else:
        yield lambda done: None


def run_many(tasks: Iterable[Task], client: Client | None = None, *,
             progress: ProgressArg = None) -> list[TaskResult]:
    """Run tasks serially or on Dask workers; results in the order of ``tasks``.

    Parameters
    ----------
    tasks : iterable of task
        Objects with a unique ``id`` and a pure ``run()``.
    client : distributed.Client, optional
        Without one the tasks run here, one after the other.
    progress : callable or bool, optional
        ``progress(completed, total)`` after each task; ``True`` shows a progress bar.

    Returns
    -------
    list of TaskResult
        One per task, same order. A failed task has ``ok=False`` and ``error``.
    """
    tasks = list(tasks)
    ids = [t.id for t in tasks]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise InputError(f"task ids must be unique; repeated: {dupes}")
    with _progress(progress, len(tasks)) as tick:
        if client is None:
            results = []
            for t in tasks:
                results.append(_execute(t))
                tick(len(results))
            return results
        return _run_distributed(tasks, client, tick)


def _run_distributed(tasks: list, client: Client, tick: Callable[[int], None]) -> list[TaskResult]:
    from dask.distributed import as_completed

    if not tasks:
        return []
    futures = client.map(_execute, tasks, pure=False)
    slot = {fut.key: i for i, fut in enumerate(futures)}
    results: list[TaskResult | None] = [None] * len(tasks)
    try:
        for done, fut in enumerate(as_completed(futures), start=1):
            i = slot[fut.key]
            try:
                results[i] = fut.result()
            except Exception as exc:  # the worker died, or (de)serialisation failed
                results[i] = TaskResult(tasks[i].id, ok=False, error=describe(exc),
                                        traceback=_traceback.format_exc())
            tick(done)
    finally:
        client.cancel(futures)
    return results  # type: ignore[return-value]


def values(results: Sequence[TaskResult], on_error: str = "raise") -> list:
    """The values of the successful results; ``BatchError`` if any failed (``raise``)."""
    if on_error not in ("raise", "skip"):
        raise InputError(f"on_error must be 'raise' or 'skip', not {on_error!r}")
    if on_error == "raise" and not all(r.ok for r in results):
        raise BatchError(results)
    return [r.value for r in results if r.ok]


__all__ = ["DASK_HINT", "Task", "TaskResult", "client_for", "describe", "run_many", "values"]
