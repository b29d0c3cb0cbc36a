"""The story the outputs tell: each goal's terms, the line it hinges on, the first year it
is met, the scenario's own changes, and reports that say them in that order."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from network import Phase, parse_scenario
from network.analysis.compare import compare, line_differences, scenario_changes
from network.analysis.explain import (
    change_years,
    deciding_lines,
    goal_terms,
    goal_timeline,
    met_from,
    year_phases,
)
from network.analysis.goals import evaluate_goals, goal_table, read_goals
from network.outputs import write_run
from network.render.report import comparison_report
from network.vocab import TERMS

from .test_maps import needs_data

pytestmark = needs_data


@pytest.fixture(scope="module")
def p2035():
    return Phase.of("plan_2035")


def test_terms_add_up_to_each_goals_minutes(p2035):
    table = goal_table(p2035)
    terms = goal_terms(p2035, table).set_index("goal_id")
    for r in table.itertuples():
        if r.measure == "population_share" or not np.isfinite(r.minutes):
            continue
        t = terms.loc[r.goal_id]
        if r.measure == "rail_station":  # a timetable time: rides, dwells, transfers, waits
            parts = [t[f"{k}_min"] for k in ("in_vehicle", "dwell", "transfer")]
            parts.append(t["connection_wait_min"])
        else:
            parts = [t[f"{k}_min"] for k in TERMS]
        assert sum(parts) == pytest.approx(r.minutes, abs=1e-6), r.goal_id
        # a trip with a ride names its lines (a seat next to its station rides nothing)
        assert len(t["lines"]) > 0 or t["in_vehicle_min"] == 0, r.goal_id


def test_the_deciding_line_is_what_rebuilding_without_it_gives(p2035):
    """Masking a line (what deciding_lines does) against removing it from the plan and
    rebuilding the graph: the same minutes."""
    goals = read_goals()
    table = goal_table(p2035)
    decide = deciding_lines(p2035, table, goals).set_index("goal_id")
    checked = 0
    for gid in ("chengdu_rail", "pengxi_30"):
        lid = decide.at[gid, "line_id"]
        assert isinstance(lid, str)
        scn = parse_scenario(f'name = "without"\nyear = {p2035.year}\n[[lines.modify]]\n'
                             f'id = "{lid}"\nremove = true\n')
        rebuilt = evaluate_goals(Phase.of(scn), [g for g in goals if g.id == gid]).iloc[0]
        assert rebuilt["minutes"] == pytest.approx(decide.at[gid, "minutes_without"], rel=1e-9)
        assert rebuilt["minutes"] > table.set_index("goal_id").at[gid, "minutes"]
        checked += 1
    assert checked == 2


def test_first_year_met_checked_in_every_year(p2035):
    """The change years are enough: a year-by-year check from 2020 to 2035 agrees."""
    fast = met_from(goal_timeline(year_phases(p2035, change_years(p2035))))
    every = goal_timeline(year_phases(p2035, range(2020, 2036)))
    wide = every.pivot_table(index="goal_id", columns="year", values="passed", aggfunc="first")
    for r in fast.itertuples():
        row = wide.loc[r.goal_id]
        first = next((y for y in row.index if row.loc[y:].all()), None)
        got = None if pd.isna(r.first_year_met) else int(r.first_year_met)
        assert got == first, r.goal_id
        assert r.met_from_text == (str(first) if first else "not by 2035")


def test_a_scenario_s_own_changes():
    lanyu = scenario_changes(Phase.of("lanyu_hsr"))
    assert list(lanyu["id"]) == ["r_lansuiyu"] and list(lanyu["kind"]) == ["modified"]
    assert "open_year: – → 2030" in lanyu["detail"].iloc[0]
    link = scenario_changes(Phase.of("tongnan_fastlink")).set_index("id")
    assert link.at["r_suitong_link", "kind"] == "added"
    assert bool(link.at["r_suitong_link", "hypothetical"])
    assert link.at["headway_min", "kind"] == "setting"
    assert "intercity200: 30 → 20" in link.at["headway_min", "detail"]
    assert scenario_changes(Phase.of("plan_2025")).empty


SCENARIO = """
name = "g350_and_a_link"
year = 2030
description = "G350 at 100 km/h, and a hypothetical link"

[[lines.modify]]
id = "t_g350"
speed_limit_kph = 100

[[lines.add]]
id = "t_new_link"
name_zh = "新连接线"
name_en = "New link road"
network = "trunk"
line_class = "fast_link"
speed_limit_kph = 80
open_year = 2028
route = ["suining", [105.66, 30.65], "pengxi"]

[run]
outputs = ["goals", "report"]
"""


def test_run_report_tells_the_story(tmp_path):
    scn = parse_scenario(SCENARIO)
    phase = Phase.of(scn)
    write_run(phase, tmp_path, quiet=True)
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    heads = re.findall(r"^## (.+)$", report, re.M)
    assert heads[0] == "What this scenario changes"  # the scenario's own changes first
    assert heads[1].startswith("Goals:")
    own = report.split("## What this scenario changes")[1].split("## Goals")[0]
    old = phase.base_plan.lines["t_g350"]["speed_limit_kph"]
    assert f"speed_limit_kph: {old:g} → 100" in own  # the speed change on G350
    assert "新连接线" in own and "**hypothetical**" in own
    # one row per goal, each with its terms, the first year met and the line it hinges on
    goals = goal_table(phase)
    section = report.split("## Goals:")[1].split("## ")[0]
    rows = [ln for ln in section.splitlines() if ln.startswith("| ") and "---" not in ln][1:]
    assert len(rows) == len(goals)
    for ln, r in zip(rows, goals.itertuples(), strict=True):
        cells = [c.strip() for c in ln.strip("|").split(" | ")]
        assert ("✔ met" if r.passed else "✘ not met") in cells
        if r.measure != "population_share":
            assert f"= {r.minutes:.1f}" in ln
            assert "without it" in ln or cells[-1] == "–"  # no line on the route: none to lose
        assert re.search(r"\| (20\d\d|not by 2035) \|", ln)
    assert "![Each goal's minutes by year" in report and (tmp_path / "goals_timeline.png").exists()
    # the plan's own openings are not credited to the scenario
    openings = report.split(": the plan's own openings")[1]
    assert re.search(r"\| t_new_link \|.*\| this scenario", openings)
    assert re.search(r"\| r_chengdawan_w \|.*\| the plan \|", openings)
    # column names that say what they hold
    assert "reach_population_2020" not in report and "residents_within_in_" not in report
    assert "residents within, 2030 network" in report


def test_comparison_report_lists_only_the_scenario_change():
    cmp = compare("plan_2025", "lanyu_hsr")
    text = comparison_report(cmp, line_differences(cmp.a, cmp.b))
    assert "Compared both in 2035" in text
    lines = text.split("## Lines that differ")[1].split("## ")[0]
    assert re.findall(r"^\| ([^|]+?) \|", lines, re.M) == ["line id", "r_lansuiyu"]
    flips = text.split("## Goals that flip")[1].split("## ")[0]
    assert "chongqing_rail" in flips
    both = text.split("## Goals before (A) and after (B)")[1].split("## ")[0]
    assert both.count("**flips**") == len(cmp.flips)
    assert len([ln for ln in both.splitlines() if ln.startswith("| ")]) == len(cmp.goals_b) + 1
    assert "% of residents" in both  # the population share, not a blank
