"""The one settings object behind every travel time, with bounds and a source per default.

A door-to-door time is the sum of visible terms::

    access + entry + wait + in_vehicle + dwell + transfer + exit + egress

Each term is computed from a named parameter below, in the unit its name says. Scenario
files may override any of them (``[settings]`` table); analysts pass their own
:class:`Settings` to :meth:`network.Phase.of`.

Every field is bounded: a value outside its stated range (a negative dwell, an infinite
speed, a CRS in degrees) is refused when the scenario is validated, never routed.

The defaults are assumptions, not measurements, unless a source is named; each field's
description says which, with a confidence (H/M/L).
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..vocab import TERMS

#: Bounds of the per-class tables, minutes.
_Headway = Annotated[float, Field(gt=0, le=1440)]
_Dwell = Annotated[float, Field(ge=0, le=60)]

_HEADWAY_MIN = {
    # Typical interval between trains a passenger can use at a stop, minutes.
    # Assumption (L): no open timetable; the wait term is capped by max_wait_min anyway.
    "hsr350": 30.0,
    "hsr250": 40.0,
    "intercity200": 30.0,
    "conventional200": 60.0,
    "conventional160": 60.0,
    "conventional120": 120.0,
    "suburban": 20.0,
}

_DWELL_MIN = {
    # Time a train stands at each intermediate stop, minutes. Assumption (M): 2 min is the
    # usual Chinese EMU stop in timetables; conventional trains stand longer.
    "hsr350": 2.0,
    "hsr250": 2.0,
    "intercity200": 1.5,
    "conventional200": 2.0,
    "conventional160": 3.0,
    "conventional120": 4.0,
    "suburban": 1.0,
}


class Settings(BaseModel):
    """Parameters of the door-to-door travel-time model (units in the names).

    Every field has a stated range; values outside it are refused with the field's name.
    See each field's ``description`` (``Settings.model_fields[name].description``) for
    its source and confidence.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False,
                              validate_default=True)

    local_speed_kph: float = Field(
        30.0, gt=1, le=120,
        description="Access and egress speed on local streets and rural roads, km/h. "
                    "Assumption (L): an urban/rural average including junctions.")
    detour_factor: float = Field(
        1.3, ge=1.0, le=3.0,
        description="Street distance / straight-line distance for access and egress. "
                    "Assumption (M): 1.2–1.4 is the usual circuity of road networks.")
    station_entry_min: float = Field(
        10.0, ge=0, le=120,
        description="Entry term: station door to platform (ticket check, security), min. "
                    "Assumption (M): Chinese stations close boarding 3–5 min before "
                    "departure and security takes a few minutes.")
    station_exit_min: float = Field(
        5.0, ge=0, le=120, description="Exit term: platform to station door, min. Assumption (L).")
    headway_min: dict[str, _Headway] = Field(
        default_factory=lambda: dict(_HEADWAY_MIN),
        description="Interval between usable trains by rail line_class, min. The wait term "
                    "is min(headway_min / 2, max_wait_min). Assumption (L).")
    max_wait_min: float = Field(
        15.0, ge=0, le=240,
        description="Cap on the wait term, min: passengers with a ticket for a train time "
                    "their arrival. Assumption (M).")
    dwell_min: dict[str, _Dwell] = Field(
        default_factory=lambda: dict(_DWELL_MIN),
        description="Dwell term per intermediate stop by rail line_class, min. Assumption (M).")
    transfer_min: float = Field(
        10.0, ge=0, le=120,
        description="Transfer term: walking between platforms when changing trains, min "
                    "(the wait for the next train is added as a wait term). Assumption (L).")
    rail_running_factor: float = Field(
        0.85, gt=0, le=1,
        description="Average running speed between stops / operating speed (acceleration, "
                    "braking, restrictions). Assumption (M).")
    interchange_entry_min: float = Field(
        2.0, ge=0, le=60,
        description="Entry term at an expressway interchange (ramp and toll gate), min. "
                    "Assumption (M).")
    interchange_exit_min: float = Field(
        2.0, ge=0, le=60, description="Exit term at an expressway interchange, min. Assumption (M).")
    interchange_transfer_min: float = Field(
        1.0, ge=0, le=60,
        description="Transfer term at a system interchange (枢纽) between two expressways, "
                    "min. Assumption (M).")
    road_running_factor: float = Field(
        0.9, gt=0, le=1,
        description="Average driving speed / operating speed on expressways and trunk roads "
                    "(traffic, junctions, curves). Assumption (L).")
    trunk_segment_km: float = Field(
        1.0, ge=0.1, le=50,
        description="Trunk roads get a node at least every this many km so they can be "
                    "joined almost anywhere, km. Modelling choice.")
    access_link_km: float = Field(
        3.0, ge=0, le=50,
        description="Stations and interchanges are also linked to the nearest trunk-road "
                    "node or place within this distance, km. Modelling choice.")
    surface_pad_max_km: float = Field(
        25.0, gt=0, le=200,
        description="Isochrone surface: the grid extends at most this far beyond the "
                    "reached street nodes, km. Modelling choice.")
    metric_crs: str = Field(
        "EPSG:32648",
        description="Projected CRS in metres for lengths and grids (UTM 48N covers the "
                    "region).")

    @field_validator("metric_crs")
    @classmethod
    def _metric(cls, value: str) -> str:
        from .projection import metric_crs_problem

        problem = metric_crs_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("headway_min", "dwell_min")
    @classmethod
    def _finite_tables(cls, value: dict) -> dict:
        bad = [k for k, v in value.items() if not math.isfinite(v)]
        if bad:
            raise ValueError(f"not a finite number for {', '.join(bad)}")
        return value

    def wait_min(self, line_class: str) -> float:
        """Wait term for boarding a train of ``line_class``, min."""
        headway = self.headway_min.get(line_class, max(self.headway_min.values()))
        return min(headway / 2.0, self.max_wait_min)

    def dwell_for(self, line_class: str) -> float:
        """Dwell term per intermediate stop for ``line_class``, min."""
        return self.dwell_min.get(line_class, 2.0)

    def access_minutes(self, straight_km: float) -> float:
        """Access or egress time over ``straight_km`` of straight-line distance, min."""
        return straight_km * self.detour_factor / self.local_speed_kph * 60.0

    def with_overrides(self, overrides: dict | None) -> Settings:
        """A copy with ``overrides`` applied; table fields are merged key by key."""
        if not overrides:
            return self
        merged = self.model_dump()
        for key, value in overrides.items():
            merged[key] = {**merged[key], **value} if isinstance(value, dict) and isinstance(
                merged.get(key), dict) else value
        return Settings(**merged)


DEFAULT_SETTINGS = Settings()

__all__ = ["DEFAULT_SETTINGS", "TERMS", "Settings"]
