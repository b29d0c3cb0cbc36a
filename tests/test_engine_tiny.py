"""Travel times on a tiny hand-made plan, checked against sums computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pyproj import Geod

from network import Settings, od_times, travel_times
from network.model.graph import build_graph
from network.model.projection import haversine_km

# Round numbers so every term can be checked by hand.
S = Settings(local_speed_kph=30, detour_factor=1.0, station_entry_min=10, station_exit_min=5,
             max_wait_min=15, rail_running_factor=1.0, road_running_factor=1.0,
             interchange_entry_min=2, interchange_exit_min=2, transfer_min=10)


GEOD = Geod(ellps="WGS84")


def geod_km(lon1, lat1, lon2, lat2) -> float:
    """Ellipsoidal distance (an independent method from the engine's UTM metres), km."""
    return GEOD.inv(lon1, lat1, lon2, lat2)[2] / 1000.0


def access_min(km: float) -> float:
    return km / 30 * 60


def test_rail_door_to_door_is_sum_of_terms(tiny_plan):
    G = build_graph(tiny_plan, 2020, S)
    row = od_times(G, [("a", "b")], mode="any").iloc[0]
    # access a→stn_a (0.01° of latitude), entry 10, wait min(30/2, 15) = 15,
    # in-vehicle 100 km at 200 km/h = 30 min, one dwell of 2 min at stn_m, exit 5, egress.
    acc = access_min(geod_km(105.0, 30.5, 105.0, 30.51))
    rail = acc + 10 + 15 + 30 + 2 + 5 + acc
    # by expressway: access to ic_a, entry 2, ~48 km at 100 km/h, exit 2, egress
    road_km = haversine_km(105.0, 30.49, 105.25, 30.49) + haversine_km(105.25, 30.49, 105.5, 30.49)
    road = acc + 2 + road_km / 100 * 60 + 2 + acc
    assert road < rail  # the expressway is faster here, and the engine must see it
    assert row["minutes"] == pytest.approx(road, abs=0.05)
    assert row["lines"] == "e_ab"

    rail_row = od_times(G, [("stn_a", "stn_b")], mode="rail").iloc[0]
    assert rail_row["minutes"] == pytest.approx(30 + 2, abs=0.05)  # station to station
    assert rail_row["total_min"] == pytest.approx(10 + 15 + 30 + 2 + 5, abs=0.05)
    assert rail_row["in_vehicle_min"] == pytest.approx(30, abs=0.05)
    assert rail_row["dwell_min"] == pytest.approx(2)
    assert rail_row["wait_min"] == pytest.approx(15)
    assert rail_row["timetable_min"] == pytest.approx(32, abs=0.05)
    assert rail_row["km"] == pytest.approx(100, abs=0.01)
    assert rail_row["lines"] == "r_ab"


def test_terms_add_up_to_minutes(tiny_plan):
    G = build_graph(tiny_plan, 2020, S)
    df = od_times(G, [("a", "b"), ("a", "m"), ("b", "a")], mode="any")
    terms = df.filter(like="_min").drop(columns=["timetable_min", "total_min"]).sum(axis=1)
    np.testing.assert_allclose(terms, df["minutes"], atol=1e-6)
    np.testing.assert_allclose(terms, df["total_min"], atol=1e-6)


def test_slow_expressway_makes_rail_win(tiny_plan):
    from dataclasses import replace

    lines = {k: dict(v) for k, v in tiny_plan.lines.items()}
    lines["e_ab"]["speed_limit_kph"] = 40
    G = build_graph(replace(tiny_plan, lines=lines), 2020, S)
    row = od_times(G, [("a", "b")]).iloc[0]
    acc = access_min(geod_km(105.0, 30.5, 105.0, 30.51))
    assert row["minutes"] == pytest.approx(acc + 10 + 15 + 30 + 2 + 5 + acc, abs=0.05)
    assert row["lines"] == "r_ab"
    assert row["access_min"] == pytest.approx(acc, rel=1e-3)  # UTM scale factor 0.9996
    assert row["egress_min"] == pytest.approx(acc, rel=1e-3)


def test_trunk_road_time(tiny_plan):
    G = build_graph(tiny_plan, 2020, S)
    row = od_times(G, [("a", "m")], mode="road").iloc[0]
    km = haversine_km(105.0, 30.5, 105.25, 30.5)
    # the trunk road: ~24 km at 60 km/h, no access (it starts at the place itself)
    assert row["minutes"] == pytest.approx(km / 60 * 60, rel=0.005)
    assert row["lines"] == "t_am"


def test_unreachable_gives_inf_not_crash(tiny_plan):
    G = build_graph(tiny_plan, 2020, S)
    row = od_times(G, [("a", "far")]).iloc[0]
    assert math.isinf(row["minutes"]) and math.isinf(row["km"])
    assert row["lines"] == ""
    t = travel_times(G, "a", max_minutes=20)
    assert math.isinf(t.loc["far", "a"])
    assert t.loc["a", "a"] == 0


def test_phase_excludes_unopened_line(tiny_plan):
    from dataclasses import replace

    lines = {k: dict(v) for k, v in tiny_plan.lines.items()}
    lines["r_ab"]["open_year"] = 2030
    plan = replace(tiny_plan, lines=lines)
    assert not any(d.get("line_id") == "r_ab" for *_, d in build_graph(plan, 2029, S).edges(data=True))
    assert any(d.get("line_id") == "r_ab" for *_, d in build_graph(plan, 2030, S).edges(data=True))


def test_parallel_edges_take_minimum_not_sum(tiny_plan):
    G = build_graph(tiny_plan, 2020, S)
    u, v = "a", "t_am|0|1"
    base = od_times(G, [(u, v)], mode="road").iloc[0]["minutes"]
    G.add_edge(u, v, mode="trunk", term="in_vehicle", line_id="t_am", length_m=1.0,
               speed_kph=60.0, travel_time_s=1e6)
    from network.engine.routing import compile_graph

    compile_graph(G, refresh=True)
    assert od_times(G, [(u, v)], mode="road").iloc[0]["minutes"] == pytest.approx(base)
