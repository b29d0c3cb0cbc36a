"""Scenario modifications change the times they should and no others; ranking by hand."""

from __future__ import annotations

import pytest

from network import DataError, Phase, Settings, graph_as_of, od_times, parse_scenario
from network.analysis.rank import rank_lines
from network.model.data import default_plan

PAIRS_RAIL = [("stn_suining", "stn_chengdudong"), ("stn_suining", "stn_tianfu"),
              ("stn_suining", "stn_tongnan"), ("stn_suining", "stn_chongqingbei")]


def _rail(G, pairs):
    present = [(a, b) for a, b in pairs if a in G and b in G]
    df = od_times(G, present, mode="rail")
    return {(r["from"], r["to"]): r["minutes"] for _, r in df.iterrows()}


def scn(text: str):
    return parse_scenario('name = "t"\n' + text, "test.toml")


def test_open_year_delay_restores_the_suicheng_time():
    delayed = graph_as_of(2027, "chengdawan_delayed")
    plan27 = graph_as_of(2027)
    plan25 = graph_as_of(2025)
    # 2027 with 成达万: Suining–Chengdu fastest via 天府; delayed: back to 遂成 (成都东)
    fast = od_times(plan27, [("stn_suining", "stn_tianfu")], mode="rail").iloc[0]["minutes"]
    assert not any(d.get("line_id") == "r_chengdawan_w" for *_, d in delayed.edges(data=True))
    a = _rail(delayed, PAIRS_RAIL)
    b = _rail(plan25, PAIRS_RAIL)
    assert a == b  # identical to the 2025 network for every rail pair present in both
    assert fast < a[("stn_suining", "stn_chengdudong")]


def test_speed_change_scales_in_vehicle_time_only_on_that_line():
    base = graph_as_of(2025)
    faster = graph_as_of(2025, scn('year = 2025\n[[lines.modify]]\nid = "r_suiyu"\n'
                                    'operating_speed_kph = 200\n'))
    b = od_times(base, [("stn_suining", "stn_tongnan")], mode="rail").iloc[0]
    f = od_times(faster, [("stn_suining", "stn_tongnan")], mode="rail").iloc[0]
    assert f["in_vehicle_min"] == pytest.approx(b["in_vehicle_min"] * 160 / 200)
    assert f["dwell_min"] == b["dwell_min"] and f["wait_min"] == b["wait_min"]
    same = [("stn_suining", "stn_chengdudong")]
    assert _rail(base, same) == _rail(faster, same)


def test_status_change_is_metadata_only():
    s = scn('year = 2025\n[[lines.modify]]\nid = "e_suide"\nstatus = "planned"\n')
    plan = default_plan().with_scenario(s)
    assert plan.lines_gdf(2025).set_index("id").loc["e_suide", "status"] == "planned"
    a = od_times(graph_as_of(2025), [("suining", "daying")]).iloc[0]["minutes"]
    b = od_times(graph_as_of(2025, s), [("suining", "daying")]).iloc[0]["minutes"]
    assert a == b


def test_remove_line():
    s = scn('year = 2025\n[[lines.modify]]\nid = "r_suicheng"\nremove = true\n')
    G = graph_as_of(2025, s)
    base = graph_as_of(2025)
    assert not any(d.get("line_id") == "r_suicheng" for *_, d in G.edges(data=True))
    # the old 达成 line has no passenger trains, so 2025 Suining reaches Chengdu by road
    before, after = (od_times(g, [("suining", "chengdu")]).iloc[0] for g in (base, G))
    assert "r_suicheng" in before["lines"].split(";")
    assert "r_suicheng" not in after["lines"] and after["services"] == ""
    assert after["minutes"] > before["minutes"]
    pair = [("stn_suining", "stn_tongnan")]
    assert _rail(G, pair) == _rail(base, pair)


def test_added_line_time_by_hand():
    G = graph_as_of(2030, "tongnan_fastlink")
    s = Settings(**G.graph["settings"])
    row = od_times(G, [("stn_suining", "stn_tongnan")], mode="rail").iloc[0]
    assert row["lines"] == "r_suitong_link"
    # in-vehicle = km / (160 km/h × running factor); no intermediate stop, so no dwell.
    # wait = half the combined headway of every train from 遂宁 that calls at 潼南 next or
    # later: the link every 20 min (3/h) plus services.csv's svc_cy_via_suining (7/day),
    # svc_suiyu_conv (9/day) and svc_cq_nw_loop3 (1/day) over 16 service hours
    assert row["in_vehicle_min"] == pytest.approx(row["km"] / (160 * s.rail_running_factor) * 60)
    per_hour = 3 + (7 + 9 + 1) / 16
    assert row["wait_min"] == pytest.approx(30 / per_hour)
    assert row["dwell_min"] == 0
    assert row["total_min"] == pytest.approx(
        s.station_entry_min + 30 / per_hour + row["in_vehicle_min"] + s.station_exit_min)
    other = [("stn_suining", "stn_chengdudong")]
    assert _rail(G, other) == _rail(graph_as_of(2030), other)


def test_settings_override_changes_access_terms():
    a = od_times(graph_as_of(2025), [("suining", "chengdu")]).iloc[0]
    b = od_times(graph_as_of(2025, scn("year = 2025\n[settings]\ndetour_factor = 2.6\n")),
                 [("suining", "chengdu")]).iloc[0]
    assert b["minutes"] > a["minutes"]
    if a["lines"] == b["lines"]:
        assert b["access_min"] == pytest.approx(a["access_min"] * 2)


@pytest.mark.parametrize(("text", "fragment"), [
    ('year = 2025\n[[lines.modify]]\nid = "r_chengdawan"\nopen_year = 2030\n',
     "unknown line id 'r_chengdawan'; close matches: r_chengdawan_w"),
    ('year = 2030\n[[lines.add]]\nid = "x"\nname_zh = "x"\nname_en = "x"\nnetwork = "rail"\n'
     'line_class = "hsr250"\noperating_speed_kph = 250\nopen_year = 2030\n'
     'route = ["stn_suining", "stn_tongnann"]\n', "unknown node id 'stn_tongnann'"),
    ('year = 2030\n[[lines.add]]\nid = "x"\nname_zh = "x"\nname_en = "x"\nnetwork = "rail"\n'
     'line_class = "hsr250"\noperating_speed_kph = 250\nopen_year = 2030\n'
     'route = ["suining", "tongnan"]\n', "a rail line stops only at station nodes"),
    ('year = 2030\n[[lines.add]]\nid = "x"\nname_zh = "x"\nname_en = "x"\nnetwork = "rail"\n'
     'line_class = "warp"\noperating_speed_kph = 250\nopen_year = 2030\n'
     'route = ["stn_suining", "stn_tongnan"]\n', "'warp' is not one of"),
])
def test_bad_modifications_are_named(text, fragment):
    with pytest.raises(DataError) as err:
        default_plan().with_scenario(scn(text))
    assert fragment in str(err.value)
    assert "lines." in str(err.value)


# ---------------------------------------------------------------- ranking by hand


def test_ranking_on_tiny_plan_by_hand(tiny_plan):
    import pandas as pd

    from .test_engine_tiny import S, access_min, geod_km

    trips = pd.DataFrame({"origin": ["a", "a"], "destination": ["b", "m"], "weight": [10.0, 5.0]})
    table = rank_lines(Phase.of(2020, plan=tiny_plan, settings=S),
                       trips=trips).set_index("line_id")
    # by hand. With every line: a→b by expressway, a→m by the trunk road.
    acc = access_min(geod_km(105.0, 30.5, 105.0, 30.51))  # place ↔ station or interchange
    road_ab = acc + 2 + (geod_km(105.0, 30.49, 105.25, 30.49)
                         + geod_km(105.25, 30.49, 105.5, 30.49)) / 100 * 60 + 2 + acc
    trunk_am = geod_km(105.0, 30.5, 105.25, 30.5) / 60 * 60
    # without the expressway a→b takes the train: entry 10, wait 15, 100 km at 200 km/h,
    # a 2-min dwell at stn_m, exit 5; without the trunk road a→m takes it for 50 km
    rail_ab = acc + 10 + 15 + 30 + 2 + 5 + acc
    rail_am = acc + 10 + 15 + 15 + 5 + acc
    assert list(table.index) == ["e_ab", "t_am", "r_ab"]
    assert table.at["e_ab", "person_minutes_saved"] == pytest.approx(10 * (rail_ab - road_ab),
                                                                     rel=2e-3)
    assert table.at["t_am", "person_minutes_saved"] == pytest.approx(5 * (rail_am - trunk_am),
                                                                     rel=2e-3)
    # the railway is nobody's fastest path: removing it costs nothing
    assert table.at["r_ab", "person_minutes_saved"] == 0
    assert table.at["e_ab", "minutes_saved_per_trip"] == pytest.approx(
        table.at["e_ab", "person_minutes_saved"] / 15)


def test_leave_one_out_of_a_rail_line_equals_the_phase_without_it():
    """Removing a rail line removes its trains, so the other trains' waits at shared stations
    change too: the ranking must agree with a scenario that removes the line."""
    from network.analysis.rank import RankSpec, default_trips, leave_one_out, trip_minutes

    phase = Phase.of(2025)
    spec = RankSpec()
    row = leave_one_out(phase, spec, "r_suiyu")
    trips = default_trips(phase)
    with_it, _ = trip_minutes(phase, trips, spec.cap_min)
    gone = Phase.of(scn('year = 2025\n[[lines.modify]]\nid = "r_suiyu"\nremove = true\n'))
    without, _ = trip_minutes(gone, trips, spec.cap_min)
    expected = float(trips["weight"].to_numpy() @ (without - with_it))
    assert expected > 0 and row["person_minutes_saved"] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("line_id", ["t_g350", "t_fast_daying", "t_city_w", "e_suide"])
def test_masking_a_road_equals_rebuilding_without_it_and_never_helps(line_id):
    """A road that opens never takes an access link away from another (the daying–chengdu
    trip once got faster without G350, whose node had displaced the better link)."""
    from dataclasses import replace

    from network.analysis.rank import RankSpec, default_trips, leave_one_out, trip_minutes

    phase = Phase.of(2035)
    trips = default_trips(phase)
    with_it, _ = trip_minutes(phase, trips, 240.0)
    plan = replace(phase.plan, lines={k: v for k, v in phase.plan.lines.items() if k != line_id})
    without, _ = trip_minutes(Phase.of(2035, plan=plan), trips, 240.0)
    assert (without >= with_it - 1e-9).all()
    row = leave_one_out(phase, RankSpec(), line_id)
    expected = float(trips["weight"].to_numpy() @ (without - with_it))
    assert row["person_minutes_saved"] == pytest.approx(expected, rel=1e-9, abs=1e-6)
