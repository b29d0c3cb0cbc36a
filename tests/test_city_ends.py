"""The plan's trips to Chengdu and Chongqing, door to door, on the real data: the terms a
traveller lives through, and the difference the plan's rail projects make."""

from __future__ import annotations

import pytest

from network import Phase, od_times, parse_scenario
from network.analysis.goals import goal_table
from network.vocab import TERMS

CITIES = [("suining", "chengdu"), ("suining", "chongqing")]


@pytest.mark.parametrize("year", [2025, 2030, 2035])
def test_door_to_door_is_a_sum_of_terms_without_an_hour_long_city_end(year):
    od = od_times(Phase.of(year), CITIES)
    for row in od.to_dict("records"):
        terms = [row[f"{t}_min"] for t in TERMS]
        assert sum(terms) == pytest.approx(row["minutes"])
        # both ends are metro-served cities (or Suining's own centre): no access or egress
        # term over half an hour
        assert row["access_min"] <= 30 and row["egress_min"] <= 30, row
    assert od.iloc[0]["services"]  # to Chengdu the train wins (to Chongqing the car may)


def test_chengdawan_moves_suining_chengdu_and_removing_it_moves_it_back():
    before, with_cdw = (goal_table(Phase.of(y)).set_index("goal_id") for y in (2025, 2030))
    assert with_cdw.at["chengdu_d2d", "minutes"] < before.at["chengdu_d2d", "minutes"] - 10
    assert with_cdw.at["chengdu_rail", "minutes"] < before.at["chengdu_rail", "minutes"] - 10
    trip = od_times(Phase.of(2030), CITIES[:1]).iloc[0]
    assert "r_chengdawan_w" in trip["lines"].split(";")
    without = parse_scenario('name = "no_cdw"\nyear = 2030\n'
                             '[[lines.modify]]\nid = "r_chengdawan_w"\nremove = true\n'
                             '[[lines.modify]]\nid = "r_chengdawan_ne"\nremove = true\n', "x.toml")
    back = goal_table(Phase.of(without)).set_index("goal_id")
    # nothing else between 2025 and 2030 shortens the trip: the time returns exactly
    for gid in ("chengdu_d2d", "chengdu_rail"):
        assert back.at[gid, "minutes"] == pytest.approx(before.at[gid, "minutes"])


def test_chengdu_through_trains_do_not_change_at_suining():
    row = od_times(Phase.of(2025), [("stn_chengdudong", "stn_chongqingbei")], mode="rail").iloc[0]
    assert row["transfer_min"] == 0
    assert len(row["services"].split(";")) == 1 and row["lines"].count(";") >= 1
