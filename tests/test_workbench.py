"""The planner's and the analyst's workbench: ids to find, keys documented, QGIS-ready files.

Each test holds something a user relies on: the JSON Schema accepts every shipped scenario
and refuses a misspelt key; the generated reference is the one committed; the worked
examples of the how-to validate as printed; ``list`` shows every line id; first year met
counts every phase; the run's GeoPackage has its layers, CRS and fields.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema
import pandas as pd
import pyogrio
import pytest

import network as sn
from network.analysis.goals import check_goals, first_year_met, plan_years
from network.cli import main
from network.model.scenario import (
    LineAddition,
    LineModification,
    Lines,
    RunOptions,
    Scenario,
    parse_scenario,
    shipped_scenarios,
)
from network.model.schema import (
    KEY_DOCS,
    REFERENCE_PATH,
    SCHEMA_PATH,
    scenario_reference,
    scenario_schema,
    scenario_schema_text,
)
from network.model.settings import Settings
from network.vocab import TERMS

REPO = Path(__file__).resolve().parents[1]
HOWTO = REPO / "docs" / "guide" / "howto.md"


def cli(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "network", *args], capture_output=True,
                          text=True, cwd=REPO, timeout=300, env=env)


# ------------------------------------------------------------------ JSON Schema


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_shipped_schema_and_reference_are_the_generated_ones():
    # both files are generated from the models: a changed model without regenerating fails
    assert SCHEMA_PATH.read_text(encoding="utf-8") == scenario_schema_text()
    assert REFERENCE_PATH.read_text(encoding="utf-8") == scenario_reference()


@pytest.mark.parametrize("name", shipped_scenarios())
def test_schema_validates_every_shipped_scenario(validator, name):
    raw = tomllib.loads((REPO / "scenarios" / f"{name}.toml").read_text(encoding="utf-8"))
    assert [e.message for e in validator.iter_errors(raw)] == []


@pytest.mark.parametrize("where", ["top", "run", "settings", "lines.add"])
def test_schema_rejects_a_misspelt_key(validator, where):
    raw = tomllib.loads((REPO / "scenarios" / "tongnan_fastlink.toml").read_text("utf-8"))
    if where == "top":
        raw["yaer"] = 2030
    elif where == "run":
        raw["run"]["compare_yaer"] = 2020
    elif where == "settings":
        raw["settings"]["detour_facter"] = 1.4
    else:
        raw["lines"]["add"][0]["open_yaer"] = 2031
    errors = list(validator.iter_errors(raw))
    assert len(errors) == 1 and "was unexpected" in errors[0].message
    # the validator itself agrees: the same file is refused with a "did you mean"
    with pytest.raises(sn.DataError, match="did you mean"):
        parse_scenario(_toml(raw))


def test_schema_restates_the_bounds_checked_in_code(validator):
    base = {"name": "x", "year": 2030}
    for run in ({"cell_m": 10}, {"bands_min": [30, 30]}, {"bands_min": [0]},
                {"bands_min": [700]}):
        assert list(validator.iter_errors({**base, "run": run})), run
        with pytest.raises(sn.DataError):
            parse_scenario(_toml({**base, "run": run}))
    assert not list(validator.iter_errors({**base, "run": {"cell_m": 250}}))


def test_every_key_is_documented_and_every_doc_is_a_key():
    models = {"Scenario": Scenario, "Lines": Lines, "LineModification": LineModification,
              "LineAddition": LineAddition, "RunOptions": RunOptions}
    for name, model in models.items():
        keys = set(model.model_fields) - {"path"}
        assert set(KEY_DOCS[name]) == keys, name
    schema = scenario_schema()
    for key, prop in schema["$defs"]["Settings"]["properties"].items():
        assert prop["description"] and "examples" in prop, key
    assert "path" not in schema["properties"]


def _toml(raw: dict) -> str:
    """A small TOML writer for the test's dicts (tables, arrays of tables, scalars)."""
    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        return repr(v)

    out, tables = [], []
    for k, v in raw.items():
        if isinstance(v, dict):
            tables.append((k, v))
        else:
            out.append(f"{k} = {value(v)}")
    for k, v in tables:
        scalars = {a: b for a, b in v.items()
                   if not (isinstance(b, list) and b and isinstance(b[0], dict))}
        out.append(f"[{k}]")
        out += [f"{a} = {value(b)}" for a, b in scalars.items()]
        for a, b in v.items():
            if a not in scalars:
                for item in b:
                    out.append(f"[[{k}.{a}]]")
                    out += [f"{c} = {value(d)}" for c, d in item.items()]
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------ docs: worked examples


def _blocks(lang: str) -> dict[str, str]:
    text = HOWTO.read_text(encoding="utf-8")
    return {t: body for lg, t, body in re.findall(r'```(\w+) title="([^"]+)"\n(.*?)```',
                                                    text, re.S) if lg == lang}


def test_howto_delayed_rail_line_validates_and_delays():
    text = _blocks("toml")["chengyu_zx_delayed.toml"]
    scn = parse_scenario(text, "chengyu_zx_delayed.toml")
    phase = sn.Phase.of(scn)
    assert "r_chengyu_zx" not in {r["id"] for r in phase.plan.lines_as_of(scn.year)}
    assert "r_chengyu_zx" in {r["id"] for r in sn.Phase.of(scn.year).plan.lines_as_of(scn.year)}
    assert "r_chengyu_zx" in {r["id"] for r in phase.plan.lines_as_of(2029)}


def test_howto_new_expressway_between_county_seats_is_used():
    text = _blocks("toml")["shehong_daying_expressway.toml"]
    scn = parse_scenario(text, "shehong_daying_expressway.toml")
    added = scn.lines.add[0]
    nodes = sn.default_plan().nodes
    # it passes through existing interchanges serving the two county seats
    ids = [r for r in added.route if isinstance(r, str)]
    assert [nodes.at[i, "kind"] for i in ids] == ["interchange", "interchange"]
    assert [nodes.at[i, "serves"] for i in ids] == ["shehong", "daying"]
    with_it = sn.od_times(sn.Phase.of(scn), [("shehong", "daying")], mode="road").iloc[0]
    without = sn.od_times(sn.Phase.of(scn.year), [("shehong", "daying")], mode="road").iloc[0]
    assert "e_shehong_daying" in with_it["lines"]
    assert with_it["minutes"] < without["minutes"] - 10


def test_howto_new_station_and_interchange(tmp_path):
    data = tmp_path / "my_data"
    shutil.copytree(REPO / "data" / "geo", data)
    rows = _blocks("csv")["nodes.csv (rows to append)"]
    with open(data / "nodes.csv", "a", encoding="utf-8") as f:
        f.write(rows)
    text = _blocks("toml")["my_new_stops.toml"]
    phase = sn.Phase.of(parse_scenario(text, "my_new_stops.toml"), data_dir=data)
    od = sn.od_times(phase, [("stn_anju_hyp", "stn_suining")], mode="rail").iloc[0]
    assert od["lines"] == "r_suining_anju"
    # and 安居 is the place it serves, so door-to-door trips can reach it
    assert phase.plan.nodes.at["stn_anju_hyp", "serves"] == "anju"
    assert {"stn_anju_hyp", "ic_shehong_s"} <= set(phase.graph.nodes)
    # and from the command line, with SUINING_DATA_DIR as the page says
    (tmp_path / "my_new_stops.toml").write_text(text, encoding="utf-8")
    env = {**__import__("os").environ, "SUINING_DATA_DIR": str(data)}
    res = cli("validate", str(tmp_path / "my_new_stops.toml"), env=env)
    assert res.returncode == 0, res.stderr


def test_howto_every_scenario_block_validates(validator):
    blocks = _blocks("toml")
    assert len(blocks) >= 4
    for title, text in blocks.items():
        assert not list(validator.iter_errors(tomllib.loads(text))), title
        if title != "my_new_stops.toml":  # needs the data copy (test above)
            sn.Phase.of(parse_scenario(text, title)).plan  # noqa: B018 - ids exist


def test_model_page_names_every_term_and_setting():
    text = (REPO / "docs" / "model.md").read_text(encoding="utf-8")
    for word in (*TERMS, *Settings.model_fields):
        assert f"`{word}`" in text, word


# ------------------------------------------------------------------ list, completion


def test_list_lines_all_years_includes_undated_proposals(capsys):
    assert main(["list", "lines", "--all-years"]) == 0
    out = capsys.readouterr().out
    row = next(ln for ln in out.splitlines() if ln.split()[:1] == ["r_lansuiyu"])
    assert "proposed" in row and "undated" in row
    assert main(["list", "lines"]) == 0  # 2025: not in service
    assert "r_lansuiyu" not in capsys.readouterr().out
    plan = sn.default_plan()
    assert main(["list", "lines", "--all-years", "--json"]) == 0
    ids = [r["id"] for r in json.loads(capsys.readouterr().out)]
    assert sorted(ids) == sorted(plan.lines)


def test_list_nodes_interchanges_json(capsys):
    assert main(["list", "nodes", "--kind", "interchange", "--json", "--all-years"]) == 0
    rows = json.loads(capsys.readouterr().out)
    plan = sn.default_plan()
    expected = set(plan.nodes.index[plan.nodes["kind"] == "interchange"])
    assert {r["id"] for r in rows} == expected
    by_id = {r["id"]: r for r in rows}
    # e_suide (opened 2022) is the only line at ic_suide_shehong
    assert by_id["ic_suide_shehong"]["lines"] == ["e_suide"]
    assert by_id["ic_suide_shehong"]["open_year"] == 2022
    assert by_id["ic_suide_shehong"]["name_zh"] and by_id["ic_suide_shehong"]["name_en"]
    # in 2020 it is not there yet
    assert main(["list", "nodes", "--kind", "interchange", "--json", "--year", "2020"]) == 0
    assert "ic_suide_shehong" not in {r["id"] for r in json.loads(capsys.readouterr().out)}


def test_list_nodes_json_shows_the_stations_of_r_lansuiyu(capsys):
    assert main(["list", "nodes", "--kind", "station", "--json", "--all-years"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    lansuiyu = sn.default_plan().lines["r_lansuiyu"]["stops"]
    for stop in lansuiyu:
        assert "r_lansuiyu" in rows[stop]["lines"]


def test_list_services_and_goals(capsys):
    raw = pd.read_csv(REPO / "data" / "geo" / "services.csv", dtype=str,
                      keep_default_na=False)
    assert main(["list", "services", "--all-years", "--json"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == list(raw["id"])
    assert main(["list", "services", "--year", "2020", "--json"]) == 0
    ids = {r["id"] for r in json.loads(capsys.readouterr().out)}
    first = pd.to_numeric(raw["first_year"], errors="coerce")
    assert ids == set(raw["id"][first <= 2020])
    assert main(["list", "goals", "--kind", "population_share", "--json"]) == 0
    goals = sn.read_goals()
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == [
        g.id for g in goals if g.measure == "population_share"]


def test_list_bad_kind_is_one_line_exit_2():
    res = cli("list", "nodes", "--kind", "statoin")
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1


def test_bash_completion_completes_commands_and_choices(tmp_path):
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    res = cli("completion", "bash")
    assert res.returncode == 0
    script = tmp_path / "c.bash"
    script.write_text(res.stdout)

    def complete(*words: str) -> list[str]:
        line = " ".join(words)
        sh = (f"source {script}; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; "
              f"COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; _shtab_suining_network; "
              'printf "%s\\n" "${COMPREPLY[@]}"')
        return subprocess.run(["bash", "-c", sh], capture_output=True, text=True,
                              timeout=60).stdout.split()

    assert complete("suining-network", "li") == ["list"]
    assert complete("suining-network", "list", "n") == ["nodes"]
    assert complete("suining-network", "list", "nodes", "--kind", "inter") == ["interchange"]
    assert cli("completion", "zsh").stdout.startswith("#compdef suining-network")


# ------------------------------------------------------------------ goals over every phase


def test_plan_years_are_the_years_something_changes():
    plan = sn.default_plan()
    years = plan_years(plan)
    opening = {r["open_year"] for r in plan.lines.values()
               if r["open_year"] is not None and 2020 <= r["open_year"] <= 2035}
    ups = {int(y) for y in pd.to_numeric(plan.upgrades["year"]) if 2020 <= y <= 2035}
    assert years == sorted(opening | ups | {2020, 2025, 2030, 2035})
    # between two plan years nothing changes: the phases have the same lines
    for a, b in itertools.pairwise(years):
        if b - a > 1:
            ids = [sorted(r["id"] for r in plan.lines_as_of(y)) for y in (a, b - 1)]
            assert ids[0] == ids[1]


def test_first_year_met_counts_the_years_not_shown():
    shown = check_goals(years=[2025, 2030, 2035])
    summary = first_year_met(shown).set_index("goal_id")
    # chengdu_rail is met in 2020 already (by 遂成): the summary says so, not 2025
    assert summary.at["chengdu_rail", "first_year_met"] == 2020
    full = check_goals()  # every plan year
    assert sorted(full["year"].unique()) == plan_years(sn.default_plan())
    expected = first_year_met(full).set_index("goal_id")["first_year_met"]
    pd.testing.assert_series_equal(summary["first_year_met"], expected)
    assert list(summary.columns) == ["label", "first_year_met", "2025", "2030", "2035"]


def test_goals_cli_says_not_by_instead_of_na():
    res = cli("goals", "--years", "2025", "2035")
    assert res.returncode == 0, res.stderr
    assert "<NA>" not in res.stdout and "not by 2035" in res.stdout
    assert re.search(r"chengdu_rail .*\b2020\b", res.stdout)


# ------------------------------------------------------------------ GeoPackage of a run


@pytest.fixture(scope="module")
def run_gpkg(tmp_path_factory):
    out = tmp_path_factory.mktemp("gpkg") / "out"
    res = cli("-q", "run", "plan_2025", "--out", str(out))
    assert res.returncode == 0, res.stderr
    return out / "isochrones.gpkg"


def test_run_gpkg_has_its_layers_each_with_a_crs(run_gpkg):
    from network.render.layers import FIELDS

    layers = [name for name, geom in pyogrio.list_layers(run_gpkg) if geom is not None]
    assert layers == ["isochrones", "lines", "stations", "interchanges", "places",
                      "goal_points"]
    for name in layers:
        info = pyogrio.read_info(run_gpkg, layer=name)
        assert info["crs"] == "EPSG:4326" and info["features"] > 0, name
        if name in FIELDS:
            assert list(info["fields"]) == list(FIELDS[name]), name
    # readers that take the first layer still get the bands (pyogrio says there are more)
    with pytest.warns(UserWarning, match="More than one layer"):
        assert "band_min" in pyogrio.read_dataframe(run_gpkg).columns


def test_run_gpkg_lines_have_their_state_in_the_year(run_gpkg):
    lines = pyogrio.read_dataframe(run_gpkg, layer="lines").set_index("line_id")
    plan = sn.default_plan()
    assert set(lines.index) == set(plan.lines)  # every record, undated ones too
    assert lines.at["e_suide", "state"] == "open"                    # opened 2022
    assert lines.at["r_chengdawan_w", "state"] == "under_construction"  # opens 2027
    assert lines.at["r_lansuiyu", "state"] == "proposed"
    assert pd.isna(lines.at["r_lansuiyu", "open_year"])
    assert (lines["year"] == 2025).all()
    stations = pyogrio.read_dataframe(run_gpkg, layer="stations").set_index("node_id")
    assert bool(stations.at["stn_suining", "served"])
    assert not bool(stations.at["stn_tongnan_hsr", "served"])  # only r_lansuiyu calls
    goals = pyogrio.read_dataframe(run_gpkg, layer="goal_points").set_index("goal_id")
    table = pd.read_csv(run_gpkg.with_name("goals.csv")).set_index("goal_id")
    verdicts = table["passed"].loc[goals.index]
    assert goals["passed"].astype(bool).equals(verdicts.astype(bool))
    # a goal about a share of residents has no single point to draw
    assert set(table.index) - set(goals.index) == set(
        table.index[table["measure"] == "population_share"])


def test_run_gpkg_carries_qgis_styles(run_gpkg):
    import xml.etree.ElementTree as ET

    styles = pyogrio.read_dataframe(run_gpkg, layer="layer_styles", read_geometry=False)
    assert {"lines", "stations", "interchanges", "goal_points", "isochrones"} <= set(
        styles["f_table_name"])
    for qml in styles["styleQML"]:
        root = ET.fromstring(qml.split("\n", 1)[1])  # well-formed XML after the DOCTYPE
        assert root.tag == "qgis" and root.find("renderer-v2") is not None


def test_readme_scenario_example_validates_and_changes_what_it_says():
    import re

    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(name = \"chengdawan_delayed\".*?)```", text, re.S).group(1)
    scn = parse_scenario(block, "README.md")
    phase = sn.Phase.of(scn)
    assert "r_chengdawan_w" not in {ln["id"] for ln in phase.plan.lines_as_of(2027)}
    assert phase.plan.lines_as_of(2027) and "r_new" in phase.plan.lines
    svc = {s.id: s for s in phase.plan.services}["svc_cy_via_suining"]
    assert svc.trains_per_day == 12
    limits = phase.lines_gdf().set_index("id")["speed_limit_kph"]
    assert limits["e_chengnan_cd"] == 120  # the upgrade applies from 2026


def test_howto_service_change_validates_and_changes_the_trains():
    text = _blocks("toml")["more_chengdu_trains.toml"]
    scn = parse_scenario(text, "more_chengdu_trains.toml")
    plan, with_it = sn.Phase.of(scn.year), sn.Phase.of(scn)
    a, b = (sn.od_times(p, [("stn_suining", "stn_tianfu")], mode="rail").iloc[0]
            for p in (plan, with_it))
    assert "svc_suining_tianfu_shuttle~return" in with_it.graph.graph["services"]
    # 16 more non-stop trains a day toward 天府: a shorter wait, the same ride
    assert b["wait_min"] < a["wait_min"] and b["minutes"] == pytest.approx(a["minutes"])


def test_howto_bus_frequency_change_validates_and_halves_the_wait(tmp_path):
    text = _blocks("toml")["bus_601_every_7_5_min.toml"]
    scn = parse_scenario(text, "bus_601_every_7_5_min.toml")
    a, b = (sn.od_times(p, [("suining", "anju")], mode="transit").iloc[0]
            for p in (sn.Phase.of(scn.year), sn.Phase.of(scn)))
    assert a["services"] == b["services"] == "bus_601"
    assert b["wait_min"] == pytest.approx(a["wait_min"] / 2)
    # and from the command line, as the page says: od takes the scenario's own year
    path = tmp_path / "bus_601_every_7_5_min.toml"
    path.write_text(text, encoding="utf-8")
    res = cli("od", "遂宁", "安居", "--mode", "transit", "--scenario", str(path), "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["year"] == scn.year and out["minutes"] == pytest.approx(b["minutes"], abs=0.01)
