"""Goal verdicts on the real plan, and the behaviour users rely on around them."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from network import UnknownPlaceError, check_goals, first_year_met, od_times, read_goals
from network.analysis.goals import GOAL_COLUMNS, evaluate_goals
from network.vocab import TERMS


@pytest.fixture(scope="module")
def table():
    return check_goals(years=(2020, 2027, 2035))


def test_goal_table_shape(table):
    goals = read_goals()
    assert list(table.columns) == GOAL_COLUMNS
    assert len(table) == 3 * len(goals)
    assert set(table["year"]) == {2020, 2027, 2035}
    for _, grp in table.groupby("year"):
        assert list(grp["goal_id"]) == [g.id for g in goals]
    timed = table[table["measure"] != "population_share"]
    np.testing.assert_allclose(timed["margin_min"], timed["limit_min"] - timed["minutes"])
    assert (timed["passed"] == (timed["minutes"] <= timed["limit_min"])).all()


def test_chengdawan_brings_chengdu_rail_under_40_min(table):
    rail = table[table["goal_id"] == "chengdu_rail"].set_index("year")
    assert rail.at[2020, "destination"] == "stn_chengdudong"  # 遂成
    assert rail.at[2027, "destination"] == "stn_tianfu"       # 成达万
    # 161 km of 350 km/h line at 0.85 running factor plus dwells is ~39 min
    assert rail.at[2027, "minutes"] < 45 < rail.at[2020, "minutes"]


def test_rail_timetable_excludes_station_overheads(graphs):
    row = od_times(graphs[2020], [("stn_suining", "stn_chengdudong")], mode="rail").iloc[0]
    s = graphs[2020].graph["settings"]
    overhead = s["station_entry_min"] + s["station_exit_min"] + row["wait_min"]
    assert row["timetable_min"] == pytest.approx(row["total_min"] - overhead)
    assert row["minutes"] == row["timetable_min"]  # rail mode headlines station to station
    # and the terms add up to the station door-to-door minutes
    assert sum(row[f"{t}_min"] for t in TERMS) == pytest.approx(row["total_min"])


def test_population_share_goal(table):
    share = table[table["goal_id"] == "suitong_pop_30"]
    assert share["value"].between(0, 1).all()
    assert (share["passed"] == (share["value"] >= share["target"])).all()
    assert share["value"].is_monotonic_increasing  # the networks only grow


def test_first_year_met(table):
    summary = first_year_met(table).set_index("goal_id")
    assert summary.at["chengdu_rail", "first_year_met"] == 2020
    assert pd.isna(summary.at["chongqing_d2d", "first_year_met"])


def test_unreachable_destination_is_not_met(graphs):
    from network.analysis.goals import Goal

    g = Goal(id="x", origin="suining", destination=["stn_wanzhoubei"], measure="rail_station",
             limit_min=60)
    row = evaluate_goals(graphs[2020], [g]).iloc[0]  # 成达万 does not exist in 2020
    assert math.isinf(row["minutes"]) and not row["passed"]


def test_unknown_place_lists_close_matches(graphs):
    with pytest.raises(UnknownPlaceError) as err:
        od_times(graphs[2025], [("遂宁", "Chongqin")])
    assert "Chongqing" in str(err.value)


def test_names_resolve_by_mode(graphs):
    from network import resolve_node

    G = graphs[2025]
    assert resolve_node(G, "遂宁") == "suining"
    assert resolve_node(G, "遂宁", mode="rail") == "stn_suining"
    assert resolve_node(G, "Tongnan") == "tongnan"
    assert resolve_node(G, "重庆北", mode="rail") == "stn_chongqingbei"
