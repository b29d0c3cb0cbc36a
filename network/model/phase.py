"""The phase: the plan as it stands in one year, under one scenario and one set of settings.

Every answer the tool gives is an answer about a phase or about the difference between
two phases, so there is exactly one way to make one::

    import network as sn

    p = sn.Phase.of(2030)                              # the plan as published, in 2030
    q = sn.Phase.of("chengdawan_delayed")              # a scenario, in its own year
    r = sn.Phase.of("plan_2025", year=2035, settings={"detour_factor": 1.4},
                    streets="suining.osm")

A ``Phase`` is immutable. It builds on first use, and keeps, what is derived from it:
the plan with the scenario applied, the settings, the networkx graph (with OSM streets
when asked), its compiled routing arrays and the population units; the analysis layer
keeps the goal table in the same cache (``Phase.memo``).

Its ``PhaseRecipe`` is small and picklable: a Dask worker that receives a phase gets
only the recipe and rebuilds the identical phase (once per worker process), so serial and
parallel runs give identical outputs, with or without streets.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from ..errors import InputError
from ..vocab import YEAR_RANGE
from .scenario import Scenario, resolve_scenario
from .settings import Settings

if TYPE_CHECKING:
    import geopandas as gpd

    from .plan import Plan

#: Snapping distance of plan nodes to OSM street nodes, m (default when no scenario says).
DEFAULT_SNAP_MAX_M = 300.0


def check_year(year: Any, what: str = "year") -> int:
    """``year`` as an int within ``network.vocab.YEAR_RANGE``, or ``InputError``."""
    lo, hi = YEAR_RANGE
    if isinstance(year, bool) or not isinstance(year, int | float) or year != int(year) \
            or not lo <= year <= hi:
        raise InputError(f"{what} {year!r} is not a year between {lo} and {hi}")
    return int(year)


@dataclass(frozen=True)
class PhaseRecipe:
    """What a phase is made of: small, picklable, and enough to rebuild it anywhere.

    Attributes
    ----------
    year : int
    scenario : Scenario or None
        The validated scenario (its content travels, not only its file name).
    settings : tuple of (str, value)
        Settings overrides given on top of the scenario's ``[settings]``.
    streets : str or None
        Absolute path of an OSM extract attached as local streets, or ``None``.
    snap_max_m : float
        Snapping distance of plan nodes to street nodes, m.
    data_dir : str or None
        Folder of the curated data (``None``: the default ``data/geo``).
    """

    year: int
    scenario: Scenario | None = None
    settings: tuple[tuple[str, Any], ...] = ()
    streets: str | None = None
    snap_max_m: float = DEFAULT_SNAP_MAX_M
    data_dir: str | None = None

    @property
    def key(self) -> str:
        """A stable text key of the recipe (for caches)."""
        scn = self.scenario.model_dump_json() if self.scenario is not None else ""
        return json.dumps([self.year, scn, self.settings, self.streets, self.snap_max_m,
                           self.data_dir], default=str, ensure_ascii=False)


class Phase:
    """The plan in one year under one scenario and settings (see the module docstring).

    Make one with ``Phase.of``. Attributes are computed on first use and kept.

    Attributes
    ----------
    recipe : PhaseRecipe
    """

    __slots__ = ("_lock", "_memo", "_plan_override", "_streets_graph", "recipe")

    def __init__(self, recipe: PhaseRecipe, *, plan: Plan | None = None,
                 streets_graph: nx.MultiDiGraph | None = None):
        self.recipe = recipe
        self._plan_override = plan
        self._streets_graph = streets_graph
        self._memo: dict = {}
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ making

    @classmethod
    def of(cls, spec: Any = None, *, year: int | None = None, scenario: Any = None,
           settings: Settings | Mapping[str, Any] | None = None,
           streets: str | os.PathLike | nx.MultiDiGraph | bool | None = None,
           data_dir: str | os.PathLike | None = None, plan: Plan | None = None,
           online: bool = False) -> Phase:
        """Make a phase.

        Parameters
        ----------
        spec : int, Scenario, str, path or Phase, optional
            A year (the plan as published), or a scenario (a name in ``scenarios/``, a
            ``.toml`` path or a ``Scenario``), or a phase to vary.
        year : int, optional
            The phase year; default the scenario's own year.
        scenario : Scenario, str or path, optional
            Same as giving it as ``spec``.
        settings : Settings or dict, optional
            Overrides on top of the scenario's ``[settings]`` (a ``Settings``
            counts by its fields that differ from the defaults).
        streets : path, networkx.MultiDiGraph or False, optional
            Local streets (an OSM extract or roads from
            ``network.model.osm.load_roads``); default the scenario's ``osm`` key;
            ``False`` for none.
        data_dir : path, optional
            Curated data folder (default ``data/geo``).
        plan : Plan, optional
            Use this plan instead of loading ``data_dir`` (an analyst's own plan; such a
            phase pickles with its plan).
        online : bool
            Allow a place name as ``streets`` to be downloaded (needs internet).

        Returns
        -------
        Phase
        """
        base: Phase | None = spec if isinstance(spec, Phase) else None
        if isinstance(spec, int | float) and not isinstance(spec, bool):
            year = spec if year is None else year
        elif spec is not None and base is None:
            scenario = spec if scenario is None else scenario
        scn = resolve_scenario(scenario) if scenario is not None else (
            base.recipe.scenario if base else None)
        if year is None:
            if base is not None:
                year = base.year
            elif scn is not None:
                year = scn.year
            else:
                raise InputError("give a year or a scenario to make a phase")
        year = check_year(year)
        overrides = dict(base.recipe.settings) if base else {}
        if isinstance(settings, Settings):
            default = Settings().model_dump()
            overrides.update({k: v for k, v in settings.model_dump().items() if default[k] != v})
        elif settings:
            overrides.update(settings)
        street_path, street_graph = None, None
        if streets is None:
            if base is not None:
                street_path, street_graph = base.recipe.streets, base._streets_graph
            elif scn is not None and scn.osm:
                street_path = _street_source(scn.osm_path())
        elif isinstance(streets, nx.MultiDiGraph):
            street_graph = streets
        elif streets is not False:
            street_path = _street_source(streets)
        recipe = PhaseRecipe(
            year=year, scenario=scn,
            settings=tuple(sorted(overrides.items(), key=lambda kv: kv[0])),
            streets=street_path, snap_max_m=scn.osm_snap_max_m if scn else DEFAULT_SNAP_MAX_M,
            data_dir=str(Path(data_dir).resolve()) if data_dir is not None else (
                base.recipe.data_dir if base else None))
        phase = cls(recipe, plan=plan or (base._plan_override if base else None),
                    streets_graph=street_graph)
        phase.settings  # noqa: B018 - bad overrides fail here, before any work
        if online and street_path and not Path(street_path).exists():
            phase.memo("roads", lambda: _load_roads(street_path, online=True))
        return phase

    @classmethod
    def from_recipe(cls, recipe: PhaseRecipe) -> Phase:
        """The phase of ``recipe``, built once per process and then reused."""
        key = recipe.key
        with _CACHE_LOCK:
            phase = _PHASES.get(key)
            if phase is None:
                phase = _PHASES[key] = cls(recipe)
                while len(_PHASES) > _CACHE_SIZE:
                    _PHASES.popitem(last=False)
            else:
                _PHASES.move_to_end(key)
        return phase

    def at(self, year: int) -> Phase:
        """The same scenario, settings and streets in another year."""
        return Phase.of(self, year=year)

    def __reduce__(self):
        if self._plan_override is None and self._streets_graph is None:
            return (Phase.from_recipe, (self.recipe,))
        return (_rebuild, (self.recipe, self._plan_override, self._streets_graph))

    def __repr__(self) -> str:
        extra = f", streets={Path(self.recipe.streets).name!r}" if self.recipe.streets else ""
        return f"<Phase {self.label}{extra}>"

    # ------------------------------------------------------------------ what it is

    @property
    def year(self) -> int:
        return self.recipe.year

    @property
    def scenario(self) -> Scenario | None:
        return self.recipe.scenario

    @property
    def name(self) -> str:
        """The scenario's name, or ``"plan"`` for the plan as published."""
        return self.scenario.name if self.scenario is not None else "plan"

    @property
    def label(self) -> str:
        """Short label, e.g. ``"2030 · chengdawan_delayed"`` or ``"2025 · plan"``."""
        return f"{self.year} · {self.name}"

    # ------------------------------------------------------------------ what it holds

    def memo(self, key: Any, build: Callable[[], Any]) -> Any:
        """The value cached under ``key``, built with ``build()`` on first use.

        The engine and the analysis keep what they derive from a phase here (the
        compiled graph, population units, goal tables), so it is computed once.
        """
        try:
            return self._memo[key]
        except KeyError:
            pass
        with self._lock:
            if key not in self._memo:
                self._memo[key] = build()
            return self._memo[key]

    @property
    def settings(self) -> Settings:
        """Settings: defaults, then the scenario's ``[settings]``, then the overrides."""
        def build() -> Settings:
            base = Settings().with_overrides(dict(self.scenario.settings) if self.scenario else None)
            return base.with_overrides(dict(self.recipe.settings))

        return self.memo("settings", build)

    @property
    def base_plan(self) -> Plan:
        """The curated plan as published (no scenario applied)."""
        if self._plan_override is not None:
            return self._plan_override
        from .data import default_plan

        return default_plan(self.recipe.data_dir)

    @property
    def plan(self) -> Plan:
        """The plan with the scenario applied."""
        return self.memo("plan", lambda: self.base_plan.with_scenario(self.scenario))

    @property
    def roads(self) -> nx.MultiDiGraph | None:
        """The local streets attached to this phase, or ``None``."""
        if self._streets_graph is not None:
            return self._streets_graph
        if self.recipe.streets is None:
            return None
        return self.memo("roads", lambda: _load_roads(self.recipe.streets))

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The phase graph (``network.model.graph``), with the streets attached."""
        def build() -> nx.MultiDiGraph:
            from .graph import build_graph

            G = build_graph(self.plan, self.year, self.settings)
            roads = self.roads
            if roads is not None:
                from .streets import attach_roads

                G = attach_roads(G, roads, snap_max_m=self.recipe.snap_max_m,
                                 settings=self.settings)
            G.graph["phase"] = self.label
            return G

        return self.memo("graph", build)

    @property
    def compiled(self):
        """The graph compiled for routing (``network.engine.routing.CompiledGraph``)."""
        from ..engine.routing import compile_graph

        return self.memo("compiled", lambda: compile_graph(self.graph, phase=self))

    @property
    def units(self) -> gpd.GeoDataFrame:
        """Population units: boundaries and the census population used (see
        ``network.engine.population.population_units``)."""
        from ..engine.population import population_units

        return self.memo("units", lambda: population_units(self.plan, self.settings))

    def lines_gdf(self) -> gpd.GeoDataFrame:
        """Lines in service in this phase (EPSG:4326), with their state in the year."""
        return self.plan.lines_gdf(self.year)


def _rebuild(recipe: PhaseRecipe, plan, streets_graph) -> Phase:
    return Phase(recipe, plan=plan, streets_graph=streets_graph)


def _street_source(source: Any) -> str:
    p = Path(os.fspath(source))
    return str(p.resolve()) if p.exists() else str(source)


def _load_roads(source: str, online: bool = False) -> nx.MultiDiGraph:
    from .streets import roads_for

    return roads_for(source, online=online)


_CACHE_SIZE = 8
_CACHE_LOCK = threading.Lock()
_PHASES: OrderedDict[str, Phase] = OrderedDict()


def graph_as_of(year: int, scenario: Any = None, **kwargs: Any) -> nx.MultiDiGraph:
    """The phase graph of ``year`` (shorthand for ``Phase.of(scenario, year=year).graph``).

    Keyword arguments are those of ``Phase.of`` (``settings``, ``streets`` …).
    """
    return Phase.of(scenario, year=year, **kwargs).graph


__all__ = ["DEFAULT_SNAP_MAX_M", "Phase", "PhaseRecipe", "check_year", "graph_as_of"]
