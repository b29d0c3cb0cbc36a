"""The one settings object behind every travel time.

A door-to-door time is the sum of visible terms::

    access + entry + wait + in_vehicle + dwell + transfer + exit + egress

Each term is computed from a named parameter below, in the unit its name says. Scenario
files may override any of them (``[settings]`` table), and analysts can pass their own
:class:`Settings` to :func:`network.graph_as_of`.

The defaults are assumptions, not measurements; each says where it comes from.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat

#: Terms of a travel time, in the order a trip meets them.
TERMS: tuple[str, ...] = (
    "access",
    "entry",
    "wait",
    "in_vehicle",
    "dwell",
    "transfer",
    "exit",
    "egress",
)

_HEADWAY_MIN = {
    # Typical interval between trains a passenger can use at a stop, minutes (assumption).
    "hsr350": 30.0,
    "hsr250": 40.0,
    "intercity200": 30.0,
    "conventional200": 60.0,
    "conventional160": 60.0,
    "conventional120": 120.0,
    "suburban": 20.0,
}

_DWELL_MIN = {
    # Time a train stands at each intermediate stop, minutes (assumption: 2 min is the usual
    # Chinese EMU stop; conventional trains stand longer).
    "hsr350": 2.0,
    "hsr250": 2.0,
    "intercity200": 1.5,
    "conventional200": 2.0,
    "conventional160": 3.0,
    "conventional120": 4.0,
    "suburban": 1.0,
}


class Settings(BaseModel):
    """Parameters of the door-to-door travel-time model.

    Attributes
    ----------
    local_speed_kph : float
        Speed on local streets and rural roads used for access and egress, km/h.
    detour_factor : float
        Ratio of street distance to straight-line distance for access and egress.
    station_entry_min : float
        Entry term: time from the station door to the platform (ticket check, security), min.
    station_exit_min : float
        Exit term: time from the platform to the station door, min.
    headway_min : dict
        Interval between usable trains by rail ``line_class``, min. The wait term is
        ``min(headway_min / 2, max_wait_min)``.
    max_wait_min : float
        Cap on the wait term: passengers with a ticket for a train time their arrival, min.
    dwell_min : dict
        Dwell term per intermediate stop by rail ``line_class``, min.
    transfer_min : float
        Transfer term: walking between platforms when changing trains, min (the wait for
        the next train is added as a wait term).
    rail_running_factor : float
        Average running speed between stops as a share of the operating speed
        (acceleration, braking, speed restrictions).
    interchange_entry_min, interchange_exit_min : float
        Entry/exit terms at an expressway interchange (ramp and toll gate), min.
    interchange_transfer_min : float
        Transfer term at a system interchange (枢纽) between two expressways, min.
    road_running_factor : float
        Average driving speed as a share of the operating speed on expressways and trunk
        roads (traffic, junctions, curves).
    trunk_segment_km : float
        Trunk roads are continuous: the graph adds a node at least every this many km, so
        they can be joined almost anywhere, km.
    access_link_km : float
        Stations and interchanges are also linked to the nearest trunk-road node or place
        within this distance (besides the place they serve), km.
    access_max_km : float
        Isochrone surface: the grid extends this far beyond the reached street nodes, km.
    metric_crs : str
        Projected CRS for lengths and grids (UTM 48N covers the region).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    local_speed_kph: PositiveFloat = 30.0
    detour_factor: float = Field(1.3, ge=1.0)
    station_entry_min: float = Field(10.0, ge=0)
    station_exit_min: float = Field(5.0, ge=0)
    headway_min: dict[str, PositiveFloat] = Field(default_factory=lambda: dict(_HEADWAY_MIN))
    max_wait_min: float = Field(15.0, ge=0)
    dwell_min: dict[str, float] = Field(default_factory=lambda: dict(_DWELL_MIN))
    transfer_min: float = Field(10.0, ge=0)
    rail_running_factor: float = Field(0.85, gt=0, le=1)
    interchange_entry_min: float = Field(2.0, ge=0)
    interchange_exit_min: float = Field(2.0, ge=0)
    interchange_transfer_min: float = Field(1.0, ge=0)
    road_running_factor: float = Field(0.9, gt=0, le=1)
    trunk_segment_km: PositiveFloat = 1.0
    access_link_km: float = Field(3.0, ge=0)
    access_max_km: PositiveFloat = 25.0
    metric_crs: str = "EPSG:32648"

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


DEFAULT_SETTINGS = Settings()
