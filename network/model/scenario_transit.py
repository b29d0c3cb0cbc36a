"""Scenario keys for hubs and buses: ``[[hubs.modify]]``, ``[[buses.modify]]``, ``[[buses.add]]``.

Part of the scenario file format of ``network.model.scenario`` (which validates and
reports them like every other key); applied to the plan by ``network.model.hubs`` and
``network.model.buses``. See ``docs/transit.md``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..vocab import YEAR_RANGE

Year = Annotated[int, Field(ge=YEAR_RANGE[0], le=YEAR_RANGE[1])]
#: Free text shown on maps and in reports (escaped there, never a template).
Text = Annotated[str, Field(max_length=2000)]


class _Strict(BaseModel):
    # as network.model.scenario: strict types, unknown keys are errors, no inf/nan
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class HubModification(_Strict):
    """Change to a hub of ``hubs.csv``: its opening year or status, or leave it out."""

    id: str
    open_year: Year | None = None
    status: Literal["existing", "under_construction", "planned", "proposed"] | None = None
    remove: bool = False


class Hubs(_Strict):
    modify: list[HubModification] = []


#: Minutes between departures of a bus route (one bus a day at most).
Headway = Annotated[float, Field(gt=0, le=1440)]
#: Bus running speed as a share of the car speed on the same roads.
SpeedShare = Annotated[float, Field(gt=0, le=1)]
DwellMin = Annotated[float, Field(ge=0, le=30)]
StopId = Annotated[str, Field(min_length=1)]


class BusModification(_Strict):
    """Change to a bus route of ``bus_routes.csv``: a headway, its stops (``stops`` replaces
    them, ``extend`` adds stops at the end), speed share, dwell, roads, years, or remove it."""

    id: str
    headway_peak_min: Headway | None = None
    headway_offpeak_min: Headway | None = None
    stops: list[StopId] | None = Field(None, min_length=2)
    extend: list[StopId] = []
    speed_share: SpeedShare | None = None
    dwell_min: DwellMin | None = None
    boards: Literal["along", "stops"] | None = None
    roads: list[StopId] | None = None
    first_year: Year | None = None
    last_year: Year | None = None
    remove: bool = False


class BusAddition(_Strict):
    """A bus route the scenario adds (both directions), from ``first_year`` (default: the
    scenario's year)."""

    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$", max_length=80)
    name_zh: Text
    name_en: Text
    kind: Literal["urban_rural", "feeder", "intercity", "customised"]
    stops: list[StopId] = Field(min_length=2)
    headway_peak_min: Headway
    headway_offpeak_min: Headway | None = None
    speed_share: SpeedShare
    dwell_min: DwellMin = 0.5
    boards: Literal["along", "stops"] | None = None
    roads: list[StopId] = []
    first_year: Year | None = None
    last_year: Year | None = None
    source: Text = "scenario file"
    confidence: Literal["H", "M", "L"] = "L"


class Buses(_Strict):
    modify: list[BusModification] = []
    add: list[BusAddition] = []


__all__ = ["BusAddition", "BusModification", "Buses", "DwellMin", "Headway", "HubModification",
           "Hubs", "SpeedShare", "StopId"]
