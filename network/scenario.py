"""Scenario files: what-if changes to the plan, validated with pydantic.

A scenario is a TOML file (``scenarios/*.toml``). Only ``name`` and ``year`` are
required::

    name = "chengdawan_delayed"
    year = 2027
    description = "What if 成达万 slips from 2027 to 2030?"

    [[lines.modify]]          # change a plan line
    id = "r_chengdawan"
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

    [settings]                # any field of network.Settings
    detour_factor = 1.4

    osm = "suining.osm"       # optional: local streets from an OSM extract (network.osm)

    [run]                     # what `python -m network run` computes and writes
    origins = ["suining"]
    bands_min = [15, 30, 45, 60, 90]
    goals = "goals.toml"

Errors name the file, the key path (``lines.modify[2].open_year``) and the problem.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, ValidationError

from .errors import DataError, Problem

Year = Annotated[int, Field(ge=1950, le=2060)]
#: A ``[lon, lat]`` route point, WGS84 degrees.
Point = Annotated[list[Annotated[float, Field(ge=-180, le=180)]], Field(min_length=2, max_length=2)]

#: Largest scenario file accepted, bytes (scenario files are a few kB).
MAX_SCENARIO_BYTES = 1_000_000


class _Strict(BaseModel):
    # strict: a TOML string "2025" is not a year; unknown keys are errors
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class LineModification(_Strict):
    """Change to an existing plan line."""

    id: str
    open_year: Year | None = None
    operating_speed_kph: PositiveFloat | None = None
    design_speed_kph: PositiveFloat | None = None
    status: Literal["existing", "under_construction", "planned", "proposed"] | None = None
    remove: bool = False


class LineAddition(_Strict):
    """A line the scenario adds, routed through node ids and/or ``[lon, lat]`` points.

    Every node id in ``route`` is a stop unless ``stops`` lists the stops explicitly;
    ``[lon, lat]`` points only shape the geometry.
    """

    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    name_zh: str
    name_en: str
    network: Literal["rail", "expressway", "trunk"]
    line_class: str
    operating_speed_kph: PositiveFloat
    design_speed_kph: PositiveFloat | None = None
    open_year: Year
    route: list[Annotated[str, Field(min_length=1)] | Point] = Field(min_length=2)
    stops: list[str] | None = None
    status: Literal["existing", "under_construction", "planned", "proposed"] = "planned"
    plan_group: str = "scenario"
    source: str = "scenario file"
    confidence: Literal["H", "M", "L"] = "L"


class Lines(_Strict):
    modify: list[LineModification] = []
    add: list[LineAddition] = []


class RunOptions(_Strict):
    """What a run computes and writes."""

    origins: list[str] = ["suining"]
    bands_min: list[PositiveFloat] = [15, 30, 45, 60, 90]
    cell_m: PositiveFloat = 500
    goals: str | None = "goals.toml"
    compare_year: Year | None = None
    outputs: list[Literal["map", "png", "goals", "isochrones", "report"]] = [
        "map", "png", "goals", "isochrones", "report",
    ]
    tiles: str | None = None


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
    settings : dict
        Overrides of :class:`network.Settings` fields.
    run : RunOptions
        Origins, band thresholds (min), grid cell (m), goals file and outputs.
    path : str or None
        File it was read from.
    """

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")
    year: Year
    description: str = ""
    lines: Lines = Lines()
    settings: dict[str, object] = {}
    run: RunOptions = RunOptions()
    osm: str | None = None
    osm_snap_max_m: PositiveFloat = 300.0
    path: str | None = None

    def osm_path(self) -> Path | str | None:
        """The ``osm`` extract, resolved relative to the scenario file.

        A value that names no file is returned as given: a place name, which
        :func:`network.osm.load_roads` downloads only when asked to go online.
        """
        if not self.osm:
            return None
        p = Path(self.osm)
        if not p.is_absolute() and self.path:
            p = Path(self.path).parent / p
        return p if p.exists() else self.osm


def _key_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "-"


def _problems(file: str, exc: ValidationError, record: str) -> list[Problem]:
    probs = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function")))
        # drop pydantic's union branch labels ("str", "list[...]") from the key path
        loc = tuple(p for p in loc
                    if not (isinstance(p, str) and ("[" in p or p in ("str", "int", "float"))))
        probs.append(Problem(file, record, _key_path(loc), err["msg"]))
    return probs


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
    if not raw:
        raise DataError([Problem(file, "-", "-", "empty scenario file (needs name and year)")])
    record = str(raw.get("name", "-"))
    try:
        scn = Scenario.model_validate({**raw, "path": file})
    except ValidationError as exc:
        raise DataError(_problems(file, exc, record)) from None
    _check_settings(scn, file)
    return scn


def _check_settings(scn: Scenario, file: str) -> None:
    from .settings import Settings

    try:
        Settings(**scn.settings)
    except ValidationError as exc:
        probs = _problems(file, exc, scn.name)
        raise DataError([Problem(p.file, p.record, "settings." + p.field, p.message)
                         for p in probs]) from None


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
        For a missing, oversized, non-UTF-8 or invalid file.
    """
    p = resolve_scenario_path(path)
    name = str(p)
    if not p.is_file():
        raise DataError([Problem(name, "-", "-", "file not found")])
    size = p.stat().st_size
    if size > MAX_SCENARIO_BYTES:
        raise DataError([Problem(name, "-", "-",
                                 f"file is {size:,} bytes; a scenario file is at most "
                                 f"{MAX_SCENARIO_BYTES:,} bytes")])
    try:
        text = p.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError([Problem(name, "-", "-", f"not UTF-8 text (byte {exc.start})")]) from None
    return parse_scenario(text, name)


SCENARIO_DIR = Path(__file__).resolve().parents[1] / "scenarios"


def resolve_scenario_path(path: str | os.PathLike) -> Path:
    """A path as given, or a bare scenario name looked up in ``scenarios/``."""
    p = Path(path)
    if p.suffix != ".toml" and not p.exists():
        candidate = SCENARIO_DIR / f"{p.name}.toml"
        if candidate.exists():
            return candidate
    return p
