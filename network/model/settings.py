"""The one settings object behind every travel time, with bounds and a source per default.

A door-to-door time is the sum of visible terms::

    access + entry + wait + in_vehicle + dwell + transfer + exit + egress

Each term is computed from a named parameter below, in the unit its name says. Scenario
files may override any of them (``[settings]`` table); analysts pass their own
``Settings`` to ``network.Phase.of``.

Every field is bounded: a value outside its stated range (a negative dwell, an infinite
speed, a CRS in degrees) is refused when the scenario is validated, never routed.

The defaults are assumptions, not measurements, unless a source is named; each field's
description says which, with a confidence (H/M/L).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..vocab import TERMS

#: Bounds of the per-class tables, minutes.
_Headway = Annotated[float, Field(gt=0, le=1440)]
_Dwell = Annotated[float, Field(ge=0, le=60)]

_HEADWAY_MIN = {
    # Interval between trains of an implicit service (a line services.csv does not
    # cover), minutes. Assumption (L); the wait term is capped by max_wait_min anyway.
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


_ROAD_FACTOR = {
    # Average driving speed / signed limit, by road class (ramps, toll gates and access
    # are separate terms). Assumptions, each with its reasoning:
    # - expressway 0.9: cars run near the limit on uncongested intercity expressways (L);
    # - national/provincial roads 0.7: mixed traffic, towns and junctions on 一级/二级 roads
    #   (L);
    # - fast links 0.75: county 快捷通道, few junctions (L);
    # - urban arterials 0.5: signalised streets; 百度地图 2020 commuter-peak real speeds of
    #   24–33 km/h in 重庆 and 成都 (baidu-traffic-2020) on 60 km/h streets (M for the
    #   big cities, L elsewhere).
    "expressway": 0.9,
    "national_road": 0.7,
    "provincial_road": 0.7,
    "fast_link": 0.75,
    "urban_arterial": 0.5,
}

_URBAN_SPEED = {
    # Access and egress speed inside a city centre, km/h: commuter-peak real speeds from
    # 百度地图《2020年度中国城市交通报告》(baidu-traffic-2020); "default" (other centres,
    # including 遂宁) is an assumption (L).
    "chengdu": 32.7,
    "chongqing": 24.1,
    "default": 30.0,
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
        description="Access and egress speed on local streets and rural roads round county "
                    "seats and towns, km/h (straight line × detour factor). Assumption (L).")
    urban_speed_kph: dict[str, Annotated[float, Field(gt=1, le=120)]] = Field(
        default_factory=lambda: dict(_URBAN_SPEED),
        description="Access and egress speed to and from a city centre (node kind centre), "
                    "km/h, by centre id, with a 'default'. Sources: baidu-traffic-2020 "
                    "commuter-peak real speeds for 成都 and 重庆 (M); default assumed (L).")
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
        description="Interval between trains by rail line_class, min, for lines that "
                    "services.csv does not cover (scenario-added lines, test plans): their "
                    "implicit all-stops service runs at this headway. Waits otherwise come "
                    "from the services' trains per day. Assumption (L).")
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
    rail_service_hours: float = Field(
        16.0, gt=1, le=24,
        description="Hours a day over which a service's trains are spread (06:00–22:00) to "
                    "turn trains per day into a headway, h. Assumption (M).")
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
    road_running_factor: dict[str, Annotated[float, Field(gt=0, le=1)]] = Field(
        default_factory=lambda: dict(_ROAD_FACTOR),
        description="Average driving speed / signed speed limit by road line_class (one "
                    "number sets every class). Applied once, to the limit (not to a design "
                    "speed). See the comments in the source for each class.")
    metro_speed_kph: float = Field(
        40.0, gt=1, le=160,
        description="Metro schedule speed between stations including dwells, km/h. "
                    "Source: Chongqing Rail Transit average speed 40–50 km/h (en.wikipedia "
                    "infobox, 2019 copy) (M); the lower bound is used.")
    metro_express_speed_kph: float = Field(
        80.0, gt=1, le=200,
        description="Schedule speed of the express metro lines (成都 17, 18, 19, S3; 重庆 江跳, "
                    "璧铜: top speed 120–160 km/h, sc-china-2020 for line 18), km/h. "
                    "Assumption (L).")
    metro_headway_min: float = Field(
        6.0, gt=0, le=60,
        description="Interval between metro trains, min (wait = half). Chongqing Rail "
                    "Transit runs every 2.5–12 min (en.wikipedia infobox) (M).")
    metro_entry_min: float = Field(
        3.0, ge=0, le=30,
        description="Street to metro platform incl. the security check, min. Assumption (L).")
    metro_exit_min: float = Field(
        2.0, ge=0, le=30, description="Metro platform to street, min. Assumption (L).")
    metro_transfer_min: float = Field(
        4.0, ge=0, le=30,
        description="Walk between metro lines at an interchange station, min. Assumption (L).")
    metro_detour_factor: float = Field(
        1.15, ge=1, le=2,
        description="Track length / straight line between consecutive metro stations. "
                    "Assumption (L).")
    walk_speed_kph: float = Field(
        4.5, gt=1, le=10,
        description="Walking speed of the transit mode (to, from and between stops and "
                    "stations), km/h, over the straight line × detour_factor. Assumption (M): "
                    "1.25 m/s, an ordinary adult pace, the speed metro_links.csv assumes for "
                    "its walks; r5r's default is 3.6 km/h.")
    walk_max_km: float = Field(
        2.0, ge=0, le=10,
        description="Longest walk of one leg of a transit trip (to the first stop, from the "
                    "last, or between two stops when changing), straight line, km (2 km is "
                    "2.6 km of street at detour 1.3: 35 min at 4.5 km/h). Assumption (L): "
                    "riders of the urban–rural (城乡) buses walk to a county-road stop; urban "
                    "stop spacing is much shorter (GB 50220-95 counts a stop's catchment at "
                    "300–500 m); r5r sets no limit by default (max_walk_time = Inf). The same "
                    "limit bounds the walk from a stop on a transit isochrone.")
    bus_period: Literal["peak", "offpeak"] = Field(
        "peak",
        description="Which headway of bus_routes.csv sets the bus waits: 'peak' (default) "
                    "because the plan's travel-time goals are commute goals (半小时通勤圈) and "
                    "peak headways are the ones published; 'offpeak' for the midday service. "
                    "Modelling choice.")
    trunk_segment_km: float = Field(
        1.0, ge=0.1, le=50,
        description="Trunk roads get a node at least every this many km so they can be "
                    "joined almost anywhere, km. Modelling choice.")
    access_link_km: float = Field(
        3.0, ge=0, le=50,
        description="Stations and interchanges are also linked to the nearest node of "
                    "each trunk road, and to the nearest place or junction, within this "
                    "distance, km. Modelling choice.")
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

    @field_validator("road_running_factor", mode="before")
    @classmethod
    def _one_factor(cls, value):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return dict.fromkeys(_ROAD_FACTOR, float(value))
        return value

    @field_validator("headway_min", "dwell_min", "road_running_factor", "urban_speed_kph")
    @classmethod
    def _finite_tables(cls, value: dict) -> dict:
        bad = [k for k, v in value.items() if not math.isfinite(v)]
        if bad:
            raise ValueError(f"not a finite number for {', '.join(bad)}")
        return value

    def dwell_for(self, line_class: str) -> float:
        """Dwell term per intermediate stop for ``line_class``, min."""
        return self.dwell_min.get(line_class, 2.0)

    def access_minutes(self, straight_km: float) -> float:
        """Access or egress time over ``straight_km`` of straight-line distance, min."""
        return straight_km * self.detour_factor / self.local_speed_kph * 60.0

    def road_factor(self, line_class: str) -> float:
        """Running factor of a road class (0.7, the national-road value, if not named)."""
        return self.road_running_factor.get(line_class, 0.7)

    def urban_speed(self, centre: str) -> float:
        """Access speed to and from a city centre, km/h."""
        return self.urban_speed_kph.get(centre, self.urban_speed_kph.get("default", 30.0))

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
