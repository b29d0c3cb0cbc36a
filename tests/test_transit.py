"""Buses, walking and mode="transit" on small hand-made plans: waits, rides, walks and
scenario changes, each checked against sums done by hand."""

from __future__ import annotations

import csv

import pytest

from network import Phase, Settings, compare, load_plan, od_times, parse_scenario
from network.analysis.equity import bus_routes_in, transit_comparison
from network.model.projection import haversine_km

from .conftest import TINY_LINES, _line, write_plan

# Round numbers: roads at their limit (factor 1), walking 6 km/h in a straight line.
S = Settings(road_running_factor=1.0, detour_factor=1.0, walk_speed_kph=6.0, walk_max_km=1.0,
             max_wait_min=15.0, local_speed_kph=30.0, trunk_segment_km=1.0,
             station_entry_min=10, station_exit_min=5)

HUB_FIELDS = ["id", "name_zh", "name_en", "kind", "lon", "lat", "pos_uncertainty_km", "status",
              "open_year", "serves", "node", "source", "confidence", "note"]
BUS_FIELDS = ["id", "name_zh", "name_en", "kind", "stops", "headway_peak_min",
              "headway_offpeak_min", "headway_basis", "speed_share", "dwell_min", "boards",
              "roads", "first_year", "last_year", "source", "confidence", "note"]

# a hub 0.5 km north of the middle of the trunk road a–m (the road has a node every km)
HUB = dict(id="ap_x", name_zh="甲机场", name_en="X airport", kind="airport", lon=105.125,
           lat=30.5 + 0.5 / 111.2, status="existing", open_year=2000)
COACH = dict(id="bus_am", name_zh="甲中班线", name_en="A–M coach", kind="intercity",
             stops="a;m", headway_peak_min=20, headway_offpeak_min=40, speed_share=0.5,
             dwell_min=0.5, boards="stops", first_year=2000)
STOPPING = dict(COACH, id="bus_stop", name_en="A–M stopping bus", kind="urban_rural",
                boards="along", headway_peak_min=30, headway_offpeak_min=30)

#: The trunk road a–m: 0.25° of longitude at 30.5°N, driven at its 60 km/h limit.
ROAD_KM = float(haversine_km(105.0, 30.5, 105.25, 30.5))
CAR_MIN = ROAD_KM / 60 * 60


def _write(path, fields, rows, defaults):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fields)
        w.writeheader()
        for r in rows:
            w.writerow({**defaults, **r})


def transit_plan(tmp_path, buses, hubs=(HUB,), lines=None):
    root = write_plan(tmp_path / "geo", lines=lines)
    fixture = {"source": "test fixture", "confidence": "H"}
    _write(root / "hubs.csv", HUB_FIELDS, list(hubs), fixture)
    _write(root / "bus_routes.csv", BUS_FIELDS, list(buses),
           {**fixture, "headway_basis": "assumption"})
    return load_plan(root)


def _phase(plan, spec=2020, **settings):
    return Phase.of(spec, plan=plan, settings=S.model_copy(update=settings))


def _transit(phase, a, b):
    return od_times(phase, [(a, b)], mode="transit").iloc[0]


def _terms_add_up(row):
    from network import TERMS

    assert sum(row[f"{t}_min"] for t in TERMS) == pytest.approx(row["total_min"])


def test_coach_wait_is_half_the_headway_and_ride_is_car_time_over_share(tmp_path):
    p = _phase(transit_plan(tmp_path, [COACH]))
    row = _transit(p, "a", "m")
    assert row["services"] == "bus_am"
    assert row["wait_min"] == pytest.approx(20 / 2)                 # 3 buses an hour
    assert row["in_vehicle_min"] == pytest.approx(CAR_MIN / 0.5, rel=2e-3)
    assert row["access_min"] == row["egress_min"] == 0              # the stops are the places
    assert row["total_min"] == pytest.approx(10 + CAR_MIN / 0.5, rel=2e-3)
    assert row["timetable_min"] == pytest.approx(CAR_MIN / 0.5, rel=2e-3)  # no first wait
    _terms_add_up(row)
    back = _transit(p, "m", "a")                                   # routes run both ways
    assert back["services"] == "bus_am" and back["total_min"] == pytest.approx(row["total_min"])


def test_offpeak_period_uses_the_offpeak_headway(tmp_path):
    p = _phase(transit_plan(tmp_path, [COACH]), bus_period="offpeak")
    assert _transit(p, "a", "m")["wait_min"] == pytest.approx(15.0)  # 40 / 2 = 20, capped


def test_no_bus_means_no_transit_trip_but_the_car_still_goes(tmp_path):
    p = _phase(transit_plan(tmp_path, []))
    assert _transit(p, "a", "m")["minutes"] == float("inf")
    assert od_times(p, [("a", "m")], mode="road").iloc[0]["minutes"] == pytest.approx(
        CAR_MIN, rel=2e-3)


def test_stopping_bus_is_left_along_its_path_and_the_rest_is_walked(tmp_path):
    p = _phase(transit_plan(tmp_path, [STOPPING]))
    row = _transit(p, "a", "ap_x")
    # ride half the road (a to the middle node) at 60 × 0.5 km/h, then walk 0.5 km at 6 km/h
    assert row["wait_min"] == pytest.approx(15.0)
    assert row["in_vehicle_min"] == pytest.approx(CAR_MIN / 2 / 0.5, rel=2e-3)
    assert row["egress_min"] == pytest.approx(5.0, rel=1e-2)
    assert row["dwell_min"] == 0  # no listed stop on the way: speed_share covers the stops
    _terms_add_up(row)
    # the coach does not stop there: the hub is 12 km from its stops, past any walk
    coach = _phase(transit_plan(tmp_path / "c", [COACH]))
    assert _transit(coach, "a", "ap_x")["minutes"] == float("inf")


def test_walk_limit_is_per_leg(tmp_path):
    plan = transit_plan(tmp_path, [STOPPING])
    assert _transit(_phase(plan, walk_max_km=0.4), "a", "ap_x")["minutes"] == float("inf")
    assert _transit(_phase(plan, walk_max_km=0.6), "a", "ap_x")["minutes"] < 60


def test_routes_sharing_a_stop_combine_their_headways(tmp_path):
    fast = dict(STOPPING, id="bus_fast", headway_peak_min=20)
    p = _phase(transit_plan(tmp_path, [STOPPING, fast, COACH]))
    G = p.graph
    wait = {pid: G["a|bus_in"][f"{pid}|0|dep"][0]["travel_time_s"] / 60
            for pid in ("bus_stop", "bus_fast", "bus_am")}
    # every route's next listed stop is m, and all three go there: 2 + 3 + 3 an hour →
    # 30 / 8 (a bus that shares only the first stretch of road would not count)
    for pid in ("bus_stop", "bus_fast", "bus_am"):
        assert wait[pid] == pytest.approx(30 / 8), pid


def test_dwell_at_an_intermediate_listed_stop(tmp_path):
    via = dict(COACH, id="bus_via", stops="a;m;b")
    t_mb = _line("t_mb", "trunk", "national_road", ["m", "b"], [[105.25, 30.5], [105.5, 30.5]],
                 60)
    p = _phase(transit_plan(tmp_path, [via], lines=[*TINY_LINES, t_mb]))
    row = _transit(p, "a", "b")
    assert row["services"] == "bus_via"
    assert row["dwell_min"] == pytest.approx(0.5)  # at m, the one intermediate listed stop
    assert row["in_vehicle_min"] == pytest.approx(2 * CAR_MIN / 0.5, rel=2e-3)
    assert row["total_min"] == pytest.approx(10 + 2 * CAR_MIN / 0.5 + 0.5, rel=2e-3)


def test_a_route_without_a_road_path_does_not_run_and_says_why(tmp_path):
    # a stopping bus keeps to trunk roads: a and b are joined only by the expressway
    p = _phase(transit_plan(tmp_path, [dict(STOPPING, id="bus_ab", stops="a;b")]))
    table = bus_routes_in(p).set_index("id")
    assert not table.at["bus_ab", "runs"]
    assert table.at["bus_ab", "why_not"].startswith("no road path from a to b on trunk roads")
    # a coach may take the expressway
    q = _phase(transit_plan(tmp_path / "c", [dict(COACH, id="bus_ab", stops="a;b")]))
    assert bus_routes_in(q).set_index("id").at["bus_ab", "runs"]


def test_walking_between_two_routes_is_a_transfer(tmp_path):
    # a coach a–m, then a walk of 0.3 km to a stop north of m, then a coach from there to b
    stop_y = dict(HUB, id="stop_y", kind="stop", lon=105.25, lat=30.5 + 0.3 / 111.2)
    t_mb = _line("t_mb", "trunk", "national_road", ["m", "b"], [[105.25, 30.5], [105.5, 30.5]],
                 60)
    second = dict(COACH, id="bus_yb", stops="stop_y;b")
    p = _phase(transit_plan(tmp_path, [COACH, second], hubs=[stop_y],
                            lines=[*TINY_LINES, t_mb]))
    row = _transit(p, "a", "b")
    assert row["services"] == "bus_am;bus_yb"
    assert row["transfer_min"] == pytest.approx(3.0, rel=1e-2)  # 0.3 km at 6 km/h
    assert row["wait_min"] == pytest.approx(10 + 10)
    # the second coach: 0.3 km of access link at the 30 km/h local speed, then m–b
    ride = CAR_MIN / 0.5 + (0.3 / 30 * 60 + CAR_MIN) / 0.5
    assert row["in_vehicle_min"] == pytest.approx(ride, rel=2e-3)
    assert row["timetable_min"] == pytest.approx(ride + 3.0 + 10, rel=2e-3)  # the change counts
    _terms_add_up(row)


def test_scenario_halves_a_headway_and_compare_shows_it(tmp_path):
    plan = transit_plan(tmp_path, [COACH])
    scn = parse_scenario('name = "often"\nyear = 2020\n[[buses.modify]]\nid = "bus_am"\n'
                         'headway_peak_min = 10\n', "often.toml")
    a, b = _phase(plan), _phase(plan, scn)
    ta, tb = _transit(a, "a", "m"), _transit(b, "a", "m")
    assert ta["wait_min"] - tb["wait_min"] == pytest.approx(5.0)
    assert ta["in_vehicle_min"] == pytest.approx(tb["in_vehicle_min"])
    cmp = transit_comparison(a, b, "a")
    places = cmp["places"].set_index("place")
    assert places.at["m", "minutes_saved"] == pytest.approx(5.0)
    routes = cmp["routes"].set_index("id")
    assert (routes.at["bus_am", "headway_a"], routes.at["bus_am", "headway_b"]) == (20, 10)
    full = compare(a, b, origin="a", goals=False, population=False)
    assert full.transit["places"].set_index("place").at["m", "minutes_saved"] == \
        pytest.approx(5.0)


def test_scenario_adds_extends_and_dates_routes(tmp_path):
    plan = transit_plan(tmp_path, [dict(STOPPING, first_year="")])
    assert "bus_stop" not in _phase(plan).graph.graph["bus_routes"]  # undated: never runs
    scn = parse_scenario('''name = "more"
year = 2020
[[buses.modify]]
id = "bus_stop"
first_year = 2015
[[buses.add]]
id = "bus_new"
name_zh = "新线"
name_en = "New"
kind = "feeder"
stops = ["m", "a"]
headway_peak_min = 12
speed_share = 0.5
''', "more.toml")
    p = _phase(plan, scn)
    assert {"bus_stop", "bus_new"} <= set(p.graph.graph["bus_routes"])
    ext = parse_scenario('name = "ext"\nyear = 2020\n[[buses.modify]]\nid = "bus_stop"\n'
                         'first_year = 2015\nextend = ["ap_x"]\n', "ext.toml")
    q = _phase(plan, ext, walk_max_km=0.4)
    assert q.graph.graph["bus_routes"]["bus_stop"][-1] == "ap_x"
    # too far to walk from the road (0.5 km): the extended route takes riders to the door
    row = _transit(q, "a", "ap_x")
    assert row["egress_min"] == 0 and row["services"] == "bus_stop"


def test_scenario_bus_errors_name_the_key(tmp_path):
    from network import DataError

    plan = transit_plan(tmp_path, [COACH])
    bad = parse_scenario('name = "bad"\nyear = 2020\n[[buses.modify]]\nid = "bus_am"\n'
                         'stops = ["a", "nowhere"]\n[[buses.add]]\nid = "bus_z"\nname_zh = "z"\n'
                         'name_en = "z"\nkind = "feeder"\nstops = ["a", "m"]\n'
                         'headway_peak_min = 10\nspeed_share = 0.5\nroads = ["t_nope"]\n',
                         "bad.toml")
    with pytest.raises(DataError) as err:
        _phase(plan, bad).plan  # noqa: B018
    msg = str(err.value)
    assert "buses.modify[0].stops" in msg and "'nowhere'" in msg
    assert "buses.add[0].roads" in msg and "unknown road" in msg
    with pytest.raises(DataError, match=r"buses.modify\[0\].headway_peak_min"):
        parse_scenario('name = "z"\nyear = 2020\n[[buses.modify]]\nid = "bus_am"\n'
                       'headway_peak_min = 0\n', "z.toml")


def test_hubs_open_by_year_and_by_scenario(tmp_path):
    late = dict(HUB, id="ap_late", open_year="", status="planned")
    plan = transit_plan(tmp_path, [], hubs=[dict(HUB, open_year=2030), late])
    assert "ap_x" not in _phase(plan, 2020).graph and "ap_x" in _phase(plan, 2030).graph
    assert "ap_late" not in _phase(plan, 2035).graph
    scn = parse_scenario('name = "h"\nyear = 2025\n[[hubs.modify]]\nid = "ap_late"\n'
                         'open_year = 2025\n', "h.toml")
    p = _phase(plan, scn)
    assert "ap_late" in p.graph and p.graph.nodes["ap_late"]["hub"]
    # a hub is reached by car over its access link to the nearest road node (0.5 km)
    car = od_times(p, [("a", "ap_late")], mode="road").iloc[0]
    assert car["minutes"] == pytest.approx(CAR_MIN / 2 + 0.5 / 30 * 60, rel=2e-3)


@pytest.mark.parametrize(("hub", "field", "fragment"), [
    (dict(HUB, serves="stn_a"), "serves", "is not the id of a place node"),
    (dict(HUB, id="a"), "id", "is already the id of a node"),
    (dict(HUB, node="m"), "lon/lat", "from its node 'm'"),
    (dict(HUB, kind="spaceport"), "kind", "is not one of"),
    (dict(HUB, open_year=""), "open_year", "an existing hub needs an opening year"),
    (dict(HUB, lon=30.5, lat=105.1), "lon/lat", "lon and lat look swapped"),
])
def test_bad_hub_records_name_file_record_field(tmp_path, hub, field, fragment):
    from network import DataError

    with pytest.raises(DataError) as err:
        transit_plan(tmp_path, [], hubs=[hub])
    msg = str(err.value)
    assert msg.startswith(f"hubs.csv: record {hub['id']!r}, field {field!r}") and fragment in msg


def test_freight_links_are_checked_and_a_hub_without_position_cannot_open(tmp_path):
    from network import DataError

    plan = transit_plan(tmp_path, [], hubs=[HUB, dict(HUB, id="ap_nowhere", lon="", lat="",
                                                      status="proposed", open_year="")])
    scn = parse_scenario('name = "h"\nyear = 2025\n[[hubs.modify]]\nid = "ap_nowhere"\n'
                         'open_year = 2025\n[[hubs.modify]]\nid = "ap_typo"\n', "h.toml")
    with pytest.raises(DataError) as err:
        _phase(plan, scn).plan  # noqa: B018
    msg = str(err.value)
    assert "hubs.modify[0].open_year" in msg and "has no position" in msg
    assert "hubs.modify[1].id" in msg and "unknown hub id 'ap_typo'" in msg
    root = tmp_path / "geo"
    _write(root / "freight.csv", ["id", "name_zh", "name_en", "kind", "from", "to", "status",
                                  "open_year", "length_km", "source", "confidence"],
           [dict(id="ww_x", name_zh="x", name_en="x", kind="canal", **{"from": "ap_x"},
                 to="nowhere", status="existing", open_year="", length_km="-3")],
           {"source": "test fixture", "confidence": "H"})
    with pytest.raises(DataError) as err:
        load_plan(root)
    msg = str(err.value)
    for field in ("kind", "to", "open_year", "length_km"):
        assert f"freight.csv: record 'ww_x', field {field!r}" in msg
