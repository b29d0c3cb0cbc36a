"""Batch execution: many pure tasks, serially or on Dask distributed workers.

Batch work is a list of small, frozen *tasks*, each with a stable ``id`` and a pure
``run(context)`` method:

* :class:`IsochroneTask` — isochrone bands from one origin, for one scenario in one year;
* :class:`GoalsTask` — the goal table of one scenario in one year;
* :class:`LeaveOneOutTask` — one item of the leave-one-out ranking (:mod:`network.rank`).

The heavy inputs the tasks share — the plan with each scenario applied, its settings, the
compiled graph of each scenario-year, population units, goals and the ranking baseline —
are prepared once, on the caller's side, into a :class:`BatchContext`. :func:`run_many`
runs the tasks:

* without a client, serially in this process;
* with a :class:`dask.distributed.Client`, by scattering the context **once** to every
  worker (``broadcast=True``) and mapping the same task functions over the workers. Only
  the small task objects travel per task.

Results come back as :class:`TaskResult` objects in the order of the tasks. A task that
raises is reported with its id and error (``"ExcType: message"``); the other tasks still
complete::

    from network.batch import IsochroneTask, client_for, run_many

    tasks = [IsochroneTask(f"plan_2035/{o}", o, 2035, "plan_2035") for o in ("suining", "tongnan")]
    with client_for(workers=2) as client:          # None: serial; or scheduler="tcp://host:8786"
        results = run_many(tasks, client, progress=True)

Convenience wrappers: :func:`batch_isochrones` (one GeoDataFrame), :func:`batch_goals`
(one goal table) and :func:`batch_rank` (the table of :func:`network.rank.rank_lines`).

Dask is optional (``pip install 'suining-network[scale]'``, or ``pip install -e '.[scale]'``
from a checkout); without it only the serial path works.
"""

from __future__ import annotations

import logging
import time
import traceback as _traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

import pandas as pd

from .errors import NetworkError
from .isochrones import DEFAULT_BANDS_MIN

if TYPE_CHECKING:
    import geopandas as gpd
    from distributed import Client

    from .goals import Goal
    from .plan import Plan
    from .rank import Baseline
    from .routing import CompiledGraph
    from .scenario import Scenario
    from .settings import Settings

DASK_HINT = ("Dask is not installed; batch runs on workers need it: "
             "pip install 'suining-network[scale]' (from a checkout: pip install -e '.[scale]')")
BASE = ""  # scenario key of the plan without a scenario

__all__ = [
    "BatchContext",
    "BatchError",
    "GoalsTask",
    "IsochroneTask",
    "LeaveOneOutTask",
    "Study",
    "Task",
    "TaskResult",
    "batch_goals",
    "batch_isochrones",
    "batch_rank",
    "client_for",
    "isochrone_tasks",
    "mapper_for",
    "run_many",
]


class BatchError(NetworkError):
    """Some tasks of a batch failed.

    Attributes
    ----------
    results : list of TaskResult
        Every result, successful or not, in task order (nothing is lost).
    """

    def __init__(self, results: Sequence[TaskResult]):
        self.results = list(results)
        failed = [r for r in self.results if not r.ok]
        lines = [f"  - {r.id}: {r.error}" for r in failed]
        super().__init__("\n".join([f"{len(failed)} of {len(self.results)} tasks failed:", *lines]))


# --------------------------------------------------------------------------- dask


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
        ``None`` when neither is given: :func:`run_many` then runs serially.

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
        raise NetworkError("give either a worker count (a local cluster) or a scheduler "
                           "address (an existing cluster), not both")
    if workers is not None and (isinstance(workers, bool) or int(workers) < 1):
        raise NetworkError(f"the number of workers must be at least 1, not {workers!r}")
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


@contextmanager
def mapper_for(scheduler: str | int | None = None, n_workers: int = 2) -> Iterator[Callable]:
    """Yield ``mapper(func, items) -> iterator of results`` (in input order).

    A plain map: ``func`` (with everything it references) travels with each task. For
    batches sharing heavy inputs prefer :func:`run_many`, which scatters them once.

    Parameters
    ----------
    scheduler : str, int or None
        ``None`` runs serially; ``"local"`` or a worker count (int, or a string of
        digits) starts a Dask ``LocalCluster`` on loopback; anything else is the address
        of an existing scheduler.
    n_workers : int
        Workers of the local cluster for ``"local"`` (one thread each).
    """
    if scheduler is None:
        yield map
        return
    if isinstance(scheduler, int) and not isinstance(scheduler, bool):
        spec = {"workers": scheduler}
    elif isinstance(scheduler, str) and scheduler.isdigit():  # "--scheduler 4"
        spec = {"workers": int(scheduler)}
    elif scheduler == "local":
        spec = {"workers": n_workers}
    else:
        spec = {"scheduler": scheduler}
    with client_for(**spec) as client:
        def mapper(func: Callable, items: Iterable) -> Iterator:
            futures = client.map(func, list(items), pure=False)
            for fut in futures:
                yield fut.result()

        yield mapper


# --------------------------------------------------------------------------- context


@dataclass
class Study:
    """Everything the tasks of one scenario in one year share.

    Attributes
    ----------
    plan : Plan
        With the scenario applied.
    settings : Settings
        With the scenario's overrides applied.
    year : int
    graph : CompiledGraph or None
        The compiled phase graph (isochrone and goal tasks).
    units : GeoDataFrame or None
        Population units (isochrones with population, population-share goals).
    goals : tuple of Goal
    rank : Baseline or None
        The leave-one-out baseline.
    """

    plan: Plan
    settings: Settings
    year: int
    graph: CompiledGraph | None = None
    units: gpd.GeoDataFrame | None = None
    goals: tuple = ()
    rank: Baseline | None = None


@dataclass
class BatchContext:
    """Shared inputs of a batch, keyed by ``(scenario name or "", year)``.

    Build it with :meth:`build`; :func:`run_many` scatters it once to every worker.

    Attributes
    ----------
    studies : dict
        ``(scenario, year) -> Study``.
    failed : dict
        ``(scenario, year) -> "ExcType: message"`` for studies that could not be prepared
        (an unknown scenario name, say); their tasks fail with that message.
    """

    studies: dict[tuple[str, int], Study] = field(default_factory=dict)
    failed: dict[tuple[str, int], str] = field(default_factory=dict)

    def study(self, scenario: str | None, year: int) -> Study:
        """The study of ``scenario`` in ``year`` (raises NetworkError if unavailable)."""
        key = (scenario or BASE, int(year))
        if key in self.studies:
            return self.studies[key]
        label = f"scenario {key[0]!r}" if key[0] else "the plan"
        if key in self.failed:
            raise NetworkError(f"could not prepare {label} in {key[1]}: {self.failed[key]}")
        raise NetworkError(f"{label} in {key[1]} is not in the batch context")

    @classmethod
    def build(cls, tasks: Iterable[Task], *, plan: Plan | None = None,
              scenarios: Iterable[Scenario] | Mapping[str, Scenario] = (),
              settings: Settings | None = None, goals: Sequence[Goal] | str | None = None,
              trips: pd.DataFrame | None = None, cap_min: float = 240.0,
              units: gpd.GeoDataFrame | None = None) -> BatchContext:
        """Prepare the studies ``tasks`` need.

        Parameters
        ----------
        tasks : iterable of task
        plan : Plan, optional
            Base plan without a scenario (default :func:`network.default_plan`).
        scenarios : iterable of Scenario, optional
            Scenario objects for names used by the tasks; other names are read with
            :func:`network.read_scenario`.
        settings : Settings, optional
            Base settings; each scenario's overrides are applied on top.
        goals : list of Goal or path, optional
            Goals of goal tasks and leave-one-out re-checks; default the scenario's goals
            file (``scenarios/goals.toml`` for the plan without a scenario).
        trips : DataFrame, optional
            Leave-one-out trips ``origin, destination, weight``; default
            :func:`network.rank.default_trips`.
        cap_min : float
            Minutes counted for an unreachable trip (leave-one-out).
        units : GeoDataFrame, optional
            Population units; default :func:`network.population.population_units` of the
            scenario's plan, computed only when a task needs them.

        Returns
        -------
        BatchContext
        """
        from .graph import default_plan

        tasks = list(tasks)
        known = dict(scenarios) if isinstance(scenarios, Mapping) else {s.name: s for s in scenarios}
        needs: dict[tuple[str, int], set[str]] = {}
        for t in tasks:
            needs.setdefault((t.scenario or BASE, int(t.year)), set()).update(t.needs())
        ctx = cls()
        if not needs:
            return ctx
        base_plan = plan or default_plan()
        plans: dict[str, tuple] = {}
        for key, need in needs.items():
            try:
                if key[0] not in plans:
                    plans[key[0]] = _scenario_plan(base_plan, key[0], known, settings)
                scn_plan, scn, cfg = plans[key[0]]
                ctx.studies[key] = _study(scn_plan, scn, cfg, key[1], need, goals=goals,
                                          trips=trips, cap_min=cap_min, units=units)
            except Exception as exc:  # reported by every task of the study
                ctx.failed[key] = _describe(exc)
        return ctx


def _scenario_plan(base: Plan, name: str, known: Mapping, settings: Settings | None):
    from .graph import settings_for
    from .scenario import read_scenario

    if not name:
        return base, None, settings_for(None, settings)
    scn = known[name] if name in known else read_scenario(name)
    return base.with_scenario(scn), scn, settings_for(scn, settings)


def _study(plan: Plan, scn: Scenario | None, cfg: Settings, year: int, need: set[str], *,
           goals, trips, cap_min: float, units) -> Study:
    from .goals import read_goals
    from .graph import build_graph
    from .population import population_units
    from .rank import baseline, default_trips
    from .routing import compile_graph

    G = build_graph(plan, year, cfg)
    study = Study(plan=plan, settings=cfg, year=year)
    if "goals" in need or "rank" in need:
        if goals is None or isinstance(goals, str):
            goals = read_goals(goals or (scn.run.goals if scn is not None else None))
        study.goals = tuple(goals)
    if "graph" in need or "goals" in need:
        cg = compile_graph(G)
        cg.layer("any")      # built once here rather than on every worker
        study.graph = cg
    if "units" in need or ("goals" in need and any(
            g.measure == "population_share" for g in study.goals)):
        study.units = units if units is not None else population_units(plan, cfg)
    if "rank" in need:
        tr = default_trips(plan) if trips is None else trips
        study.rank = baseline(plan, year, cfg, tr, study.goals, float(cap_min))
    return study


# --------------------------------------------------------------------------- tasks


class Task(Protocol):
    """What :func:`run_many` needs of a task."""

    id: str
    scenario: str | None
    year: int

    def needs(self) -> frozenset[str]: ...

    def run(self, context: BatchContext) -> Any: ...


@dataclass(frozen=True)
class IsochroneTask:
    """Isochrone bands from ``origin`` for ``scenario`` in ``year``.

    The result equals :func:`network.isochrones.isochrones` on the same graph (with the
    scenario's population units), plus ``scenario`` and ``year`` columns in front.

    Attributes
    ----------
    id : str
    origin : str
        Node id or place name.
    year : int
    scenario : str or None
        Scenario name; ``None`` for the plan itself.
    minutes : tuple of float
        Band upper bounds, min.
    cell_m : float
        Grid cell, m.
    mode : {'any', 'rail', 'road'}
    population : bool
        Add the population columns.
    """

    id: str
    origin: str
    year: int
    scenario: str | None = None
    minutes: tuple[float, ...] = DEFAULT_BANDS_MIN
    cell_m: float = 500.0
    mode: str = "any"
    population: bool = True

    def needs(self) -> frozenset[str]:
        return frozenset({"graph", "units"} if self.population else {"graph"})

    def run(self, context: BatchContext) -> gpd.GeoDataFrame:
        from .isochrones import bands_for
        from .routing import resolve_node

        study = context.study(self.scenario, self.year)
        cg = study.graph
        bands = bands_for(cg, resolve_node(cg.G, self.origin, self.mode),
                          tuple(float(m) for m in self.minutes), self.cell_m, self.mode,
                          population=self.population, units=study.units, plan=study.plan)
        bands.insert(0, "year", int(self.year))
        bands.insert(0, "scenario", self.scenario or BASE)
        return bands


@dataclass(frozen=True)
class GoalsTask:
    """The goal table (:func:`network.goals.evaluate_goals`) of ``scenario`` in ``year``.

    The result has a ``scenario`` column in front.
    """

    id: str
    year: int
    scenario: str | None = None

    def needs(self) -> frozenset[str]:
        return frozenset({"goals"})

    def run(self, context: BatchContext) -> pd.DataFrame:
        from .goals import evaluate_goals

        study = context.study(self.scenario, self.year)
        table = evaluate_goals(study.graph.G, list(study.goals), study.units)
        table.insert(0, "scenario", self.scenario or BASE)
        return table


@dataclass(frozen=True)
class LeaveOneOutTask:
    """One leave-one-out item: the plan without ``line_id``, re-routed (see :mod:`network.rank`).

    The result is the row :func:`network.rank.rank_lines` computes for the line:
    ``line_id, person_minutes_saved, minutes_saved_per_trip, goals_flipped``.
    """

    id: str
    line_id: str
    year: int
    scenario: str | None = None

    def needs(self) -> frozenset[str]:
        return frozenset({"rank"})

    def run(self, context: BatchContext) -> dict:
        from .rank import leave_one_out

        study = context.study(self.scenario, self.year)
        if self.line_id not in study.plan.lines:
            from .plan import close_matches

            hint = close_matches(self.line_id, study.plan.lines)
            raise NetworkError(f"unknown line id {self.line_id!r}"
                               + (f"; close matches: {', '.join(hint)}" if hint else ""))
        return leave_one_out(study.plan, study.year, study.settings, study.rank, self.line_id)


# --------------------------------------------------------------------------- running


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


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _execute(task: Task, context: BatchContext) -> TaskResult:
    """Run one task, turning an exception into a failed result (runs on the worker)."""
    t0 = time.perf_counter()
    try:
        value = task.run(context)
    except Exception as exc:
        return TaskResult(task.id, ok=False, error=_describe(exc),
                          seconds=time.perf_counter() - t0, traceback=_traceback.format_exc())
    return TaskResult(task.id, ok=True, value=value, seconds=time.perf_counter() - t0)


ProgressArg = Callable[[int, int], None] | bool | None


@contextmanager
def _progress(progress: ProgressArg, total: int) -> Iterator[Callable[[int], None]]:
    if progress is True:
        from .progress import progress as bar

        with bar(total, f"running {total} tasks") as tick:
            yield lambda done: tick()
    elif callable(progress):
        yield lambda done: progress(done, total)
    else:
        yield lambda done: None


def run_many(tasks: Iterable[Task], client: Client | None = None, *,
             progress: ProgressArg = None, context: BatchContext | None = None,
             **build: Any) -> list[TaskResult]:
    """Run tasks serially or on Dask workers; results in the order of ``tasks``.

    Parameters
    ----------
    tasks : iterable of task
        :class:`IsochroneTask`, :class:`GoalsTask`, :class:`LeaveOneOutTask` or any object
        with ``id``, ``scenario``, ``year``, ``needs()`` and a pure ``run(context)``.
        Ids must be unique.
    client : distributed.Client, optional
        Without one the tasks run here, one after the other. With one the context is
        scattered once to every worker and the tasks are mapped over the workers.
    progress : callable or bool, optional
        ``progress(completed, total)`` after each task; ``True`` shows a progress bar
        (:func:`network.progress.progress`).
    context : BatchContext, optional
        Prepared inputs; default ``BatchContext.build(tasks, **build)``.
    **build
        Keyword arguments of :meth:`BatchContext.build` (``plan``, ``scenarios``,
        ``settings``, ``goals``, ``trips``, ``cap_min``, ``units``).

    Returns
    -------
    list of TaskResult
        One per task, same order. A failed task has ``ok=False`` and ``error``; the
        others are unaffected.
    """
    tasks = list(tasks)
    ids = [t.id for t in tasks]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"task ids must be unique; repeated: {dupes}")
    if context is None:
        context = BatchContext.build(tasks, **build)
    elif build:
        raise TypeError("give either a context or the arguments to build one, not both")
    with _progress(progress, len(tasks)) as tick:
        if client is None:
            results = []
            for t in tasks:
                results.append(_execute(t, context))
                tick(len(results))
            return results
        return _run_distributed(tasks, client, context, tick)


def _run_distributed(tasks: list, client: Client, context: BatchContext,
                     tick: Callable[[int], None]) -> list[TaskResult]:
    from dask.distributed import as_completed

    if not tasks:
        return []
    shared = client.scatter(context, broadcast=True, hash=False)  # once, to every worker
    futures = client.map(_execute, tasks, context=shared, pure=False)
    slot = {fut.key: i for i, fut in enumerate(futures)}
    results: list[TaskResult | None] = [None] * len(tasks)
    try:
        for done, fut in enumerate(as_completed(futures), start=1):
            i = slot[fut.key]
            try:
                results[i] = fut.result()
            except Exception as exc:  # the worker died, or (de)serialisation failed
                results[i] = TaskResult(tasks[i].id, ok=False, error=_describe(exc),
                                        traceback=_traceback.format_exc())
            tick(done)
    finally:
        client.cancel([*futures, shared])
    return results  # type: ignore[return-value]


# --------------------------------------------------------------------------- wrappers


def _scenario_names(scenarios: Iterable) -> tuple[list[str | None], dict]:
    from .scenario import Scenario

    names, objects = [], {}
    for s in scenarios:
        if isinstance(s, Scenario):
            objects[s.name] = s
            names.append(s.name)
        else:
            names.append(s or None)
    return names, objects


def _scenario_year(name: str | None, objects: Mapping) -> int:
    from .scenario import read_scenario

    if name is None:
        raise ValueError("the plan without a scenario has no year of its own: give years")
    return (objects[name] if name in objects else read_scenario(name)).year


def isochrone_tasks(scenarios: Iterable[str | None], origins: Sequence[str],
                    years: Iterable[int] | None = None, **options: Any) -> list[IsochroneTask]:
    """Tasks for every scenario × year × origin (ids ``"<scenario or plan>/<year>/<origin>"``).

    ``years=None`` takes each scenario's own year; ``options`` are fields of
    :class:`IsochroneTask` (``minutes``, ``cell_m``, ``mode``, ``population``).
    """
    names, objects = _scenario_names(scenarios)
    tasks = []
    for name in names:
        for year in (years if years is not None else [_scenario_year(name, objects)]):
            for origin in origins:
                tasks.append(IsochroneTask(id=f"{name or 'plan'}/{year}/{origin}", origin=origin,
                                           year=int(year), scenario=name, **options))
    return tasks


def _values(results: list[TaskResult], on_error: str) -> list:
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip', not {on_error!r}")
    if on_error == "raise" and not all(r.ok for r in results):
        raise BatchError(results)
    return [r.value for r in results if r.ok]


def batch_isochrones(scenarios: Iterable, origins: Sequence[str],
                     years: Iterable[int] | None = None, client: Client | None = None, *,
                     minutes: Sequence[float] = DEFAULT_BANDS_MIN, cell_m: float = 500.0,
                     mode: str = "any", population: bool = True, plan: Plan | None = None,
                     progress: ProgressArg = None,
                     on_error: Literal["raise", "skip"] = "raise") -> gpd.GeoDataFrame:
    """Isochrone bands for every scenario × year × origin, as one GeoDataFrame.

    Parameters
    ----------
    scenarios : iterable of str, Scenario or None
        Scenario names (looked up in ``scenarios/``), Scenario objects, or ``None`` for
        the plan without a scenario.
    origins : sequence of str
        Node ids or place names.
    years : iterable of int, optional
        Default: each scenario's own year.
    client : distributed.Client, optional
        Run on Dask workers (see :func:`run_many`).
    minutes, cell_m, mode, population
        As in :func:`network.isochrones.isochrones`.
    plan : Plan, optional
        Base plan (default :func:`network.default_plan`).
    progress : callable or bool, optional
    on_error : {'raise', 'skip'}
        ``'raise'``: a :class:`BatchError` (with every result) after all tasks ran;
        ``'skip'``: leave the failed tasks' rows out.

    Returns
    -------
    GeoDataFrame
        EPSG:4326, one row per band, in the order scenario, year, origin, band:
        ``scenario`` ("" for the plan itself), ``year``, ``origin``, ``band_min``,
        ``lower_min``, ``area_km2``, ``reach_area_km2`` and the population columns.
    """
    import geopandas as gpd

    scenarios = list(scenarios)
    _, objects = _scenario_names(scenarios)
    tasks = isochrone_tasks(scenarios, origins, years, minutes=tuple(float(m) for m in minutes),
                            cell_m=float(cell_m), mode=mode, population=population)
    results = run_many(tasks, client, progress=progress, plan=plan, scenarios=objects)
    frames = _values(results, on_error)
    if not frames:
        return gpd.GeoDataFrame({"scenario": [], "year": [], "origin": [], "band_min": []},
                                geometry=[], crs="EPSG:4326")
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry",
                            crs=frames[0].crs)


def batch_goals(scenarios: Iterable, years: Iterable[int] | None = None,
                client: Client | None = None, *, goals: Sequence[Goal] | str | None = None,
                plan: Plan | None = None, progress: ProgressArg = None,
                on_error: Literal["raise", "skip"] = "raise") -> pd.DataFrame:
    """Goal tables of every scenario × year as one table (``scenario`` column first).

    ``goals`` defaults to each scenario's goals file; other parameters as in
    :func:`batch_isochrones`.
    """
    names, objects = _scenario_names(list(scenarios))
    tasks = [GoalsTask(id=f"{n or 'plan'}/{y}", year=int(y), scenario=n) for n in names
             for y in (years if years is not None else [_scenario_year(n, objects)])]
    results = run_many(tasks, client, progress=progress, plan=plan, scenarios=objects, goals=goals)
    frames = _values(results, on_error)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def batch_rank(plan: Plan, year: int, client: Client | None = None, *,
               trips: pd.DataFrame | None = None, goals: Sequence[Goal] | None = None,
               settings: Settings | None = None, lines: Sequence[str] | None = None,
               cap_min: float = 240.0, progress: ProgressArg = None) -> pd.DataFrame:
    """:func:`network.rank.rank_lines`, one :class:`LeaveOneOutTask` per line.

    Same parameters and the same table as ``rank_lines`` (``plan`` with any scenario
    already applied); with a ``client`` the plan and the baseline are scattered once and
    the lines are re-routed on the workers.

    Raises
    ------
    BatchError
        If any line failed (its ``results`` hold every task's outcome).
    """
    from .graph import settings_for
    from .rank import baseline, default_trips, ranking_table

    cfg = settings or settings_for(plan.scenario)
    key = plan.scenario.name if plan.scenario is not None else BASE
    if lines is None:
        lines = sorted(ln["id"] for ln in plan.lines_as_of(year))
    trips = default_trips(plan) if trips is None else trips
    goals = tuple(goals or ())
    study = Study(plan=plan, settings=cfg, year=int(year), goals=goals,
                  rank=baseline(plan, year, cfg, trips, goals, float(cap_min)))
    context = BatchContext(studies={(key, int(year)): study})
    tasks = [LeaveOneOutTask(id=f"{key or 'plan'}/{year}/-{line}", line_id=line, year=int(year),
                             scenario=key or None) for line in lines]
    results = run_many(tasks, client, progress=progress, context=context)
    return ranking_table(_values(results, "raise"), plan)
