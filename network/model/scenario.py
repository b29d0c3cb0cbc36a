"""Scenario files: what-if changes to the plan, validated with pydantic.

A scenario is a TOML file (``scenarios/*.toml``). Only ``name`` and ``year`` are
required::

    name = "chengdawan_delayed"
    year = 2027
    description = "What if 成达万 slips from 2027 to 2030?"

    [[lines.modify]]          # change a plan line
    id = "r_chengdawan_w"
    open_year = 2030          # also: operating_speed_kph, design_speed_kph, status, remove

    [[lines.add]]             # add a line through node ids and/or [lon, lat] points
    id = "r_tongnan_link"
    name_zh = "遂潼快速铁路"
    name_en = "Suining–Tongnan rapid rail link"
    network = "rail"
    line_class = "intercity200"
    operating_speed_kph = 160
    open_year = 2030
    route = ["stn_suining", [105.70, 30.36], "stn_tongnan"]

    [[buses.modify]]          # change a bus route: headways, stops, extend, years …
    id = "bus_601"            # ([[buses.add]] adds a route; docs/transit.md)
    headway_peak_min = 7.5

    [[hubs.modify]]           # date or re-status a hub of hubs.csv
    id = "ap_suining_anju_civil"
    open_year = 2030

    [settings]                # any field of network.Settings
    detour_factor = 1.4

    osm = "suining.osm"       # optional: local streets from an OSM extract

    [run]                     # what `python -m network run` computes and writes
    origins = ["suining"]
    bands_min = [15, 30, 45, 60, 90]
    goals = "goals.toml"

Every value is bounded (years, speeds, band limits, grid cell); errors name the file, the
key path as written (``lines.modify[2].open_year``) and the problem, with a "did you mean"
for misspelt keys.
"""

from __future__ import annotations

import difflib
import math
import os
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import DataError, Problem
from ..vocab import BAND_MAX_MIN, CELL_M_RANGE, MAX_SPEED_KPH, NETWORKS, STATUSES, YEAR_RANGE
from .scenario_transit import BusAddition, Buses, BusModification, HubModification, Hubs

Year = Annotated[int, Field(ge=YEAR_RANGE[0], le=YEAR_RANGE[1])]
#: A ``[lon, lat]`` route point, WGS84 degrees.
Point = Annotated[list[Annotated[float, Field(ge=-180, le=180)]], Field(min_length=2, max_length=2)]
#: Any speed a scenario may give, km/h (the per-network limit is checked against the line).
Speed = Annotated[float, Field(gt=0, le=max(MAX_SPEED_KPH.values()))]
#: Free text shown on maps and in reports (escaped there, never a template).
Text = Annotated[str, Field(max_length=2000)]

#: Largest scenario file accepted, bytes (scenario files are a few kB).
MAX_SCENARIO_BYTES = 1_000_000
#: What ``run`` can write.
OUTPUTS = ("map", "png", "goals", "isochrones", "report")

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"


def band_problem(values) -> str | None:
    """Why a list of band limits (min) is unusable, or ``None``."""
    values = list(values)
    if not values:
        return "needs at least one band limit"
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            return f"{v!r} is not a finite number of minutes"
        if not 0 < v <= BAND_MAX_MIN:
            return f"{v:g} is not a band limit in (0, {BAND_MAX_MIN:g}] minutes"
    if len(set(values)) != len(values):
        return "band limits must be distinct"
    return None


def cell_problem(value) -> str | None:
    """Why a grid cell size (m) is unusable, or ``None``."""
    lo, hi = CELL_M_RANGE
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return f"{value!r} is not a finite number of metres"
    if not lo <= value <= hi:
        return f"{value:g} m is outside the supported range {lo:g}–{hi:g} m"
    return None


def tiles_problem(tiles: str) -> str | None:
    """Why ``tiles`` cannot be used as a web tile source, or ``None``.

    A tile source is a folium tile name (``"OpenStreetMap"``, ``"CartoDB positron"``) or an
    ``http(s)://`` URL template with ``{z}``, ``{x}`` and ``{y}``; nothing else reaches
    folium, whose templates would evaluate ``{{ … }}``.
    """
    if any(t in tiles for t in ("{{", "{%", "{#")):
        return "contains template syntax ({{, {% or {#)"
    if tiles.startswith(("http://", "https://")):
        if not all(k in tiles for k in ("{z}", "{x}", "{y}")):
            return "a tile URL needs {z}, {x} and {y}"
        return None
    if not tiles.replace(" ", "").replace(".", "").replace("_", "").isalnum():
        return "is neither a folium tile name nor an http(s) URL template"
    return None


class _Strict(BaseModel):
    # strict: a TOML string "2025" is not a year; unknown keys are errors; no inf/nan
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class LineModification(_Strict):
    """Change to an existing plan line (rail: ``operating_speed_kph``; roads: ``speed_limit_kph``)."""

    id: str
    open_year: Year | None = None
    operating_speed_kph: Speed | None = None
    speed_limit_kph: Speed | None = None
    design_speed_kph: Speed | None = None
    status: Literal["existing", "under_construction", "planned", "proposed"] | None = None
    remove: bool = False


class LineAddition(_Strict):
    """A line the scenario adds, routed through node ids and/or ``[lon, lat]`` points.

    Every node id in ``route`` is a stop unless ``stops`` lists the stops explicitly;
    ``[lon, lat]`` points only shape the geometry. Rail lines stop at ``stn_*`` nodes,
    expressways at ``ic_*`` nodes, trunk roads at places and junctions.
    """

    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$", max_length=80)
    name_zh: Text
    name_en: Text
    network: Literal[NETWORKS]  # type: ignore[valid-type]
    line_class: str
    operating_speed_kph: Speed | None = None
    speed_limit_kph: Speed | None = None
    design_speed_kph: Speed | None = None
    open_year: Year
    route: list[Annotated[str, Field(min_length=1)] | Point] = Field(min_length=2)
    stops: list[str] | None = None
    status: Literal[STATUSES] = "planned"  # type: ignore[valid-type]
    plan_group: str = "scenario"
    source: Text = "scenario file"
    confidence: Literal["H", "M", "L"] = "L"


class Lines(_Strict):
    modify: list[LineModification] = []
    add: list[LineAddition] = []


TrainsPerDay = Annotated[float, Field(gt=0, le=500)]


class ServiceModification(_Strict):
    """Change to a rail service of ``services.csv`` (every period of it)."""

    id: str
    trains_per_day: TrainsPerDay | None = None
    calls: list[str] | None = Field(None, min_length=2)
    skip: list[str] = []
    first_year: Year | None = None
    last_year: Year | None = None
    remove: bool = False


class ServiceAddition(_Strict):
    """A rail service the scenario adds: calls (station ids, in order) over lines (in order)."""

    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$", max_length=80)
    name_zh: Text
    name_en: Text
    lines: list[str] = Field(min_length=1)
    calls: list[str] = Field(min_length=2)
    trains_per_day: TrainsPerDay
    run_min: list[Annotated[float, Field(gt=0, lt=1000)]] | None = None
    first_year: Year | None = None
    last_year: Year | None = None
    kind: Literal["observed", "target", "assumption"] = "assumption"
    source: Text = "scenario file"
    confidence: Literal["H", "M", "L"] = "L"


class Services(_Strict):
    modify: list[ServiceModification] = []
    add: list[ServiceAddition] = []


class Upgrade(_Strict):
    """A dated change to a line, like a row of ``upgrades.csv``."""

    line_id: str
    year: Year
    field: Literal["operating_speed_kph", "design_speed_kph", "speed_limit_kph"]
    value: Speed


class RunOptions(_Strict):
    """What a run computes and writes."""

    origins: list[Annotated[str, Field(min_length=1)]] = Field(["suining"], min_length=1)
    bands_min: list[float] = [15, 30, 45, 60, 90]
    cell_m: float = 500
    goals: str | None = "goals.toml"
    compare_year: Year | None = None
    outputs: list[Literal[OUTPUTS]] = Field(list(OUTPUTS), min_length=1)  # type: ignore[valid-type]
    tiles: str | None = None
    report_transit: bool = False

    @field_validator("bands_min")
    @classmethod
    def _bands(cls, value: list[float]) -> list[float]:
        problem = band_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("cell_m")
    @classmethod
    def _cell(cls, value: float) -> float:
        problem = cell_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("tiles")
    @classmethod
    def _tiles(cls, value: str | None) -> str | None:
        problem = tiles_problem(value) if value else None
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("origins", "outputs")
    @classmethod
    def _distinct(cls, value: list) -> list:
        if len(set(value)) != len(value):
            raise ValueError("entries must be distinct")
        return value


class Scenario(_Strict):
    """A validated scenario.

    Attributes
    ----------
    name : str
        Short id, used for output names.
    year : int
        The year the scenario describes.
    description : str
        The question the scenario asks.
    lines : Lines
        ``modify`` and ``add`` lists.
    services : Services
        ``modify`` and ``add`` lists of rail services.
    hubs : Hubs
        ``modify`` list of hub changes (opening year, status).
    buses : Buses
        ``modify`` and ``add`` lists of bus routes.
    upgrades : list of Upgrade
        Dated changes to lines (speed limits, operating speeds).
    settings : dict
        Overrides of ``network.Settings`` fields.
    run : RunOptions
        Origins, band limits (min), grid cell (m), goals file and outputs;
        ``report_transit`` adds the hub catchment and car-versus-transit tables to the
        report.
    osm : str or None
        Local streets: an OSM extract, relative to the scenario file.
    path : str or None
        File it was read from.
    """

    name: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_\-]+$")
    year: Year
    description: Text = ""
    lines: Lines = Lines()
    services: Services = Services()
    hubs: Hubs = Hubs()
    buses: Buses = Buses()
    upgrades: list[Upgrade] = []
    settings: dict[str, object] = {}
    run: RunOptions = RunOptions()
    osm: str | None = None
    osm_snap_max_m: float = Field(300.0, gt=0, le=5000)
    path: str | None = None

    def osm_path(self) -> Path | str | None:
        """The ``osm`` extract, resolved relative to the scenario file.

        A value that names no file is returned as given: a place name, which
        ``network.model.osm.load_roads`` downloads only when asked to go online.
        """
        if not self.osm:
            return None
        p = Path(self.osm)
        if not p.is_absolute() and self.path:
            p = Path(self.path).parent / p
        return p if p.exists() else self.osm


# --------------------------------------------------------------------------- errors


def _key_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "-"


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The pydantic model class that holds the key at ``loc`` (for 'did you mean')."""
    import typing

    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        ann = field.annotation
        for _ in range(4):  # unwrap Optional/list/Annotated
            args = [a for a in typing.get_args(ann) if a is not type(None)]
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                break
            ann = args[0] if args else ann
        if not (isinstance(ann, type) and issubclass(ann, BaseModel)):
            return None
        model = ann
    return model


def _message(err: dict, model: type[BaseModel], loc: tuple) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        holder = _model_at(model, loc)
        known = list(holder.model_fields) if holder is not None else []
        known = [k for k in known if k != "path"]
        hint = difflib.get_close_matches(str(loc[-1]), known, n=3, cutoff=0.6)
        msg = "unknown key"
        if hint:
            msg += f"; did you mean {' or '.join(repr(h) for h in hint)}?"
        elif known:
            msg += f"; known keys: {', '.join(known)}"
        return msg
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if kind in ("finite_number",):
        msg = "must be a finite number"
    return msg


def _problems(file: str, exc: ValidationError, record: str,
              model: type[BaseModel] | None = None, prefix: str = "") -> list[Problem]:
    model = model or Scenario
    probs = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function")))
        # drop pydantic's union branch labels ("str", "list[...]") from the key path
        loc = tuple(p for p in loc
                    if not (isinstance(p, str) and ("[" in p or p in ("str", "int", "float",
                                                                      "constrained-str"))))
        key = _key_path(loc)
        probs.append(Problem(file, record, prefix + key, _message(err, model, loc)))
    return probs


# --------------------------------------------------------------------------- reading


def parse_scenario(text: str, file: str = "<string>") -> Scenario:
    """Parse and validate scenario TOML text.

    Raises
    ------
    DataError
        Naming the file, the key path and the problem.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError([Problem(file, "-", "-", f"not valid TOML: {exc}")]) from None
    except RecursionError:
        raise DataError([Problem(file, "-", "-", "TOML nested too deeply")]) from None
    if not raw:
        raise DataError([Problem(file, "-", "-", "empty scenario file (needs name and year)")])
    record = str(raw.get("name", "-"))[:80]
    raw.pop("path", None)
    try:
        scn = Scenario.model_validate({**raw, "path": file})
    except ValidationError as exc:
        raise DataError(_problems(file, exc, record)) from None
    except RecursionError:
        raise DataError([Problem(file, record, "-", "nested too deeply")]) from None
    problems = _check_settings(scn, file)
    opts = scn.run
    if opts.compare_year is not None and opts.compare_year >= scn.year:
        problems.append(Problem(file, scn.name, "run.compare_year",
                                f"{opts.compare_year} is not before the scenario's year "
                                f"{scn.year} (it is the year the run compares against)"))
    if problems:
        raise DataError(problems)
    return scn


def _check_settings(scn: Scenario, file: str) -> list[Problem]:
    from .settings import Settings

    try:
        Settings().with_overrides(dict(scn.settings))
    except ValidationError as exc:
        return _problems(file, exc, scn.name, Settings, prefix="settings.")
    except (TypeError, ValueError) as exc:
        return [Problem(file, scn.name, "settings", str(exc))]
    return []


def shipped_scenarios() -> list[str]:
    """Names of the scenarios shipped in ``scenarios/``."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml") if p.stem != "goals")


def read_scenario(path: str | os.PathLike) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    path : path
        A ``.toml`` file; a bare name such as ``"plan_2025"`` is looked up in the
        repository's ``scenarios/`` folder.

    Raises
    ------
    DataError
        For a missing, unreadable, oversized, non-UTF-8 or invalid file.
    """
    p = resolve_scenario_path(path)
    name = str(p)
    if not p.is_file():
        what = "not a file" if p.exists() else "file not found"
        shipped = shipped_scenarios()
        hint = difflib.get_close_matches(Path(str(path)).stem, shipped, n=3, cutoff=0.5)
        msg = what + (f"; did you mean {', '.join(hint)}?" if hint else "")
        msg += f" (shipped scenarios: {', '.join(shipped)})"
        raise DataError([Problem(name, "-", "-", msg)])
    try:
        size = p.stat().st_size
        if size > MAX_SCENARIO_BYTES:
            raise DataError([Problem(name, "-", "-",
                                     f"file is {size:,} bytes; a scenario file is at most "
                                     f"{MAX_SCENARIO_BYTES:,} bytes")])
        text = p.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError([Problem(name, "-", "-", f"not UTF-8 text (byte {exc.start})")]) from None
    except OSError as exc:
        raise DataError([Problem(name, "-", "-", f"cannot be read: {exc.strerror}")]) from None
    return parse_scenario(text, name)


def resolve_scenario_path(path: str | os.PathLike) -> Path:
    """A path as given, or a bare scenario name looked up in ``scenarios/``."""
    p = Path(path)
    if p.suffix != ".toml" and not p.exists():
        candidate = SCENARIO_DIR / f"{p.name}.toml"
        if candidate.exists():
            return candidate
    return p


def resolve_scenario(scenario) -> Scenario | None:
    """A ``Scenario`` from an object, a path or a name in ``scenarios/`` (or None)."""
    if scenario is None or isinstance(scenario, Scenario):
        return scenario
    return read_scenario(scenario)


__all__ = ["BAND_MAX_MIN", "CELL_M_RANGE", "OUTPUTS", "SCENARIO_DIR", "BusAddition",
           "BusModification", "Buses", "HubModification", "Hubs", "LineAddition",
           "LineModification", "RunOptions", "Scenario", "ServiceAddition",
           "ServiceModification", "Upgrade", "band_problem", "cell_problem",
           "parse_scenario", "read_scenario", "resolve_scenario", "resolve_scenario_path",
           "shipped_scenarios", "tiles_problem"]
