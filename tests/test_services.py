"""Rail services and metro on small hand-made plans: waits, dwells, express patterns,
through-running and metro egress, each checked against sums done by hand."""

from __future__ import annotations

import pytest

from network import Phase, Settings, load_plan, od_times, parse_scenario
from network.cli import main

from .conftest import TINY_LINES, TINY_NODES, _line, write_plan

# Round numbers: 100 km of r_ab at 200 km/h is 30 min, 50 km to the middle stop is 15 min.
S = Settings(local_speed_kph=30, detour_factor=1.0, station_entry_min=10, station_exit_min=5,
             max_wait_min=15, rail_running_factor=1.0, road_running_factor=1.0,
             interchange_entry_min=2, interchange_exit_min=2, transfer_min=10,
             rail_service_hours=16, dwell_min={"hsr350": 2.0})

# 32 trains a day over 16 service hours: 2 an hour each way
STOPPING = dict(id="svc_stop", name_zh="站站停", name_en="Stopping", lines="r_ab",
                calls="stn_a;stn_m;stn_b", trains_per_day=32)
EXPRESS = dict(id="svc_fast", name_zh="直达", name_en="Express", lines="r_ab",
               calls="stn_a;stn_b", trains_per_day=32)


def _phase(tmp_path, services, year=2020, scenario=None, nodes=None, lines=None, metro=None):
    root = write_plan(tmp_path / "geo", nodes=nodes, lines=lines, services=services,
                      metro=metro)
    plan = load_plan(root)
    return Phase.of(scenario if scenario is not None else year, plan=plan, settings=S)


def _rail(phase, a, b):
    return od_times(phase, [(a, b)], mode="rail").iloc[0]


def test_express_and_stopping_patterns_coexist(tmp_path):
    p = _phase(tmp_path, [STOPPING, EXPRESS])
    end = _rail(p, "stn_a", "stn_b")
    # both services call at stn_a and later at stn_b: 4 trains/h, wait 30/4 = 7.5 min;
    # the express rides 30 min with no dwell
    assert end["services"] == "svc_fast"
    assert end["minutes"] == pytest.approx(30.0)  # station to station, in the train
    assert end["dwell_min"] == 0 and end["wait_min"] == pytest.approx(7.5)
    assert end["total_min"] == pytest.approx(10 + 7.5 + 30 + 5)
    mid = _rail(p, "stn_a", "stn_m")
    # only the stopping service calls at stn_m: 2/h, wait 15 (= the cap)
    assert mid["services"] == "svc_stop"
    assert mid["minutes"] == pytest.approx(15.0, abs=0.01)
    assert mid["total_min"] == pytest.approx(10 + 15 + 15 + 5, abs=0.01)
    back = _rail(p, "stn_b", "stn_a")  # direction "both": the return working
    assert back["minutes"] == pytest.approx(30.0) and back["services"] == "svc_fast"


def test_dwell_only_at_calls(tmp_path):
    p = _phase(tmp_path, [STOPPING])
    row = _rail(p, "stn_a", "stn_b")
    assert row["dwell_min"] == pytest.approx(2.0)  # one call between, at stn_m
    assert row["minutes"] == pytest.approx(30 + 2)
    # wait from the service's own frequency: 2/h → 15 min
    assert row["wait_min"] == pytest.approx(15.0)


def test_frequency_sets_the_wait(tmp_path):
    p = _phase(tmp_path, [{**EXPRESS, "trains_per_day": 64}])
    assert _rail(p, "stn_a", "stn_b")["wait_min"] == pytest.approx(30 / 4)
    rare = _phase(tmp_path, [{**EXPRESS, "trains_per_day": 4}])
    assert _rail(rare, "stn_a", "stn_b")["wait_min"] == pytest.approx(15.0)  # capped


def test_service_years(tmp_path):
    rows = [{**EXPRESS, "first_year": 2022}, {**STOPPING, "last_year": 2021}]
    assert _rail(_phase(tmp_path, rows, year=2021), "stn_a", "stn_b")["services"] == "svc_stop"
    assert _rail(_phase(tmp_path, rows, year=2022), "stn_a", "stn_b")["services"] == "svc_fast"


# ----------------------------------------------------------------- through-running

NODES_C = [*TINY_NODES,
           dict(id="c", name_zh="丙城", name_en="Ccity", kind="centre", lon=105.75, lat=30.5),
           dict(id="stn_c", name_zh="丙城", name_en="Ccity", kind="station", lon=105.75,
                lat=30.51, serves="c")]
R_BC = _line("r_bc", "rail", "hsr350", ["stn_b", "stn_c"], [[105.5, 30.51], [105.75, 30.51]],
             200, length_km_official=50.0)


def test_through_service_does_not_change_trains(tmp_path):
    through = dict(id="svc_thru", name_zh="贯通", name_en="Through", lines="r_ab;r_bc",
                   calls="stn_a;stn_b;stn_c", trains_per_day=32)
    p = _phase(tmp_path, [through], nodes=NODES_C, lines=[*TINY_LINES, R_BC])
    row = _rail(p, "stn_a", "stn_c")
    # 100 km + 50 km at 200 km/h = 45 min, one dwell at stn_b, no transfer
    assert row["services"] == "svc_thru" and row["lines"] == "r_ab;r_bc"
    assert row["transfer_min"] == 0 and row["dwell_min"] == pytest.approx(2.0)
    assert row["minutes"] == pytest.approx(45 + 2)


def test_without_through_service_the_change_costs_a_transfer_and_a_wait(tmp_path):
    rows = [dict(id="svc_ab", name_zh="甲乙", name_en="AB", lines="r_ab", calls="stn_a;stn_b",
                 trains_per_day=32),
            dict(id="svc_bc", name_zh="乙丙", name_en="BC", lines="r_bc", calls="stn_b;stn_c",
                 trains_per_day=32)]
    p = _phase(tmp_path, rows, nodes=NODES_C, lines=[*TINY_LINES, R_BC])
    row = _rail(p, "stn_a", "stn_c")
    assert row["services"] == "svc_ab;svc_bc"
    # change at stn_b: transfer 10 + wait 15 (2/h); timetable = 30 + 10 + 15 + 15
    assert row["transfer_min"] == pytest.approx(10.0)
    assert row["minutes"] == pytest.approx(30 + 10 + 15 + 15)


# ----------------------------------------------------------------- scenario changes


def _scn(text):
    return parse_scenario('name = "svc"\nyear = 2020\n' + text, "svc.toml")


def test_scenario_skips_a_stop_and_changes_frequency(tmp_path):
    skip = _scn('[[services.modify]]\nid = "svc_stop"\nskip = ["stn_m"]\ntrains_per_day = 64\n')
    p = _phase(tmp_path, [STOPPING], scenario=skip)
    row = _rail(p, "stn_a", "stn_b")
    assert row["dwell_min"] == 0 and row["minutes"] == pytest.approx(30.0)
    assert row["wait_min"] == pytest.approx(7.5)  # 4/h


def test_scenario_adds_a_service(tmp_path):
    add = _scn('[[services.add]]\nid = "svc_new"\nname_zh = "新"\nname_en = "New"\n'
               'lines = ["r_ab"]\ncalls = ["stn_a", "stn_b"]\ntrains_per_day = 16\n'
               'run_min = [25.0]\n')
    p = _phase(tmp_path, [STOPPING], scenario=add)
    row = _rail(p, "stn_a", "stn_b")
    # the new service's published 25 min beats 32 min on the stopping one; both go to
    # stn_b: (1 + 2)/h → wait 10
    assert row["services"] == "svc_new" and row["minutes"] == pytest.approx(25.0)
    assert row["wait_min"] == pytest.approx(10.0)


def test_scenario_removes_a_service(tmp_path):
    rm = _scn('[[services.modify]]\nid = "svc_fast"\nremove = true\n')
    p = _phase(tmp_path, [STOPPING, EXPRESS], scenario=rm)
    assert _rail(p, "stn_a", "stn_b")["services"] == "svc_stop"


# ----------------------------------------------------------------- bad service data

BAD_SERVICES = {
    "call off the line": ({**STOPPING, "calls": "stn_a;ic_b"}, "'svc_stop', field 'calls'"),
    "zero frequency": ({**STOPPING, "trains_per_day": 0}, "'svc_stop', field 'trains_per_day'"),
    "calls out of order": ({**STOPPING, "calls": "stn_b;stn_m;stn_a"}, "field 'calls'"),
    "road line": ({**STOPPING, "lines": "e_ab"}, "field 'lines'"),
    "years reversed": ({**STOPPING, "first_year": 2030, "last_year": 2020},
                       "field 'last_year'"),
}


@pytest.mark.parametrize("case", sorted(BAD_SERVICES))
def test_bad_service_data_is_a_located_error(tmp_path, capsys, case):
    row, fragment = BAD_SERVICES[case]
    root = write_plan(tmp_path / "geo", services=[row])
    assert main(["validate", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: services.csv: record ")
    assert fragment in err and "Traceback" not in err


def test_overlapping_years_of_one_service_are_refused(tmp_path, capsys):
    rows = [{**STOPPING, "first_year": 2015, "last_year": 2025},
            {**STOPPING, "first_year": 2024, "trains_per_day": 40}]
    root = write_plan(tmp_path / "geo", services=rows)
    assert main(["validate", str(root)]) == 2
    err = capsys.readouterr().err
    assert "services.csv: record 'svc_stop', field 'first_year'" in err and "overlap" in err


# ----------------------------------------------------------------- metro at the far end

# a metro line from next to stn_b (105.5, 30.51) to B's centre 5 km south-east of the
# station (the centre node b is moved there)
METRO = {
    "metro_lines.csv": [dict(city="cd", line_id="cd_l1", name_zh="1号线", name_en="Line 1",
                             open_year=2015)],
    "metro_stations.csv": [
        dict(city="cd", line_id="cd_l1", seq=1, station_id="cd_stn", name_zh="火车站",
             name_en="Station", lon=105.5, lat=30.51),
        dict(city="cd", line_id="cd_l1", seq=2, station_id="cd_centre", name_zh="广场",
             name_en="Square", lon=105.5, lat=30.465)],
    "metro_links.csv": [
        dict(rail_station="stn_b", metro_station="cd_stn", walk_min=6, kind="station"),
        dict(rail_station="b", metro_station="cd_centre", walk_min=4, kind="centre")],
}


def test_metro_egress_at_the_city_end(tmp_path):
    from pyproj import Geod

    km = Geod(ellps="WGS84").inv(105.5, 30.51, 105.5, 30.465)[2] / 1000  # an independent ruler
    nodes = [dict(n, lat=30.465) if n["id"] == "b" else n for n in TINY_NODES]
    root = write_plan(tmp_path / "geo", nodes=nodes, lines=TINY_LINES[:1], services=[EXPRESS],
                      metro=METRO)
    # city streets at 20 km/h and a detour of 1.3: 5 km by street is 19.5 min
    s = S.with_overrides({"urban_speed_kph": {"default": 20.0}, "detour_factor": 1.3})
    p = Phase.of(2020, plan=load_plan(root), settings=s)
    row = od_times(p, [("stn_a", "b")]).iloc[0]
    ride = km * s.metro_detour_factor / s.metro_speed_kph * 60
    # off the train: walk 6 to the metro (a transfer), wait half a metro headway, ride,
    # walk 4 from the metro platform to the centre
    assert "cd_l1" in row["lines"].split(";")
    assert row["egress_min"] == pytest.approx(4.0)
    assert row["transfer_min"] == pytest.approx(6.0)
    assert row["total_min"] == pytest.approx(
        10 + 15 + 30 + 6 + s.metro_headway_min / 2 + ride + 4, abs=0.05)
    # before the metro opens the same trip ends with a street link at the urban speed
    early = Phase.of(2010, plan=p.plan, settings=s)
    row10 = od_times(early, [("stn_a", "b")]).iloc[0]
    assert "cd_l1" not in row10["lines"]
    street = km * 1.3 / 20 * 60
    assert row10["egress_min"] == pytest.approx(street, rel=1e-3)
    assert row10["total_min"] > row["total_min"]
