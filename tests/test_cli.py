"""The CLI as planners use it: outputs, exit codes, one-line errors, untouched folders."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from network.cli import main

REPO = Path(__file__).resolve().parents[1]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "network", *args], capture_output=True,
                          text=True, cwd=REPO, timeout=300)


def test_help_lists_every_command():
    out = cli("--help").stdout
    for cmd in ("info", "od", "goals", "validate", "run", "compare", "rank", "maps", "isochrones"):
        assert cmd in out
    assert "Exit codes" in cli("od", "--help").stdout


def test_info_counts_lines(capsys):
    assert main(["info", "--year", "2020"]) == 0
    out = capsys.readouterr().out
    assert "rail" in out and "expressway" in out and "trunk" in out and "existing" in out


def test_od_json(capsys):
    assert main(["od", "遂宁", "重庆北", "--year", "2025", "--mode", "rail", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"from", "to", "year", "mode", "minutes", "km", "lines"}
    assert data["from"] == "stn_suining" and data["to"] == "stn_chongqingbei"
    assert data["lines"] == ["r_suiyu", "r_weituo_cqn"]
    assert data["km"] == pytest.approx(158, rel=0.08)
    assert sum(data["terms_min"].values()) == pytest.approx(data["total_min"], abs=0.1)
    assert data["minutes"] == data["timetable_min"] < data["total_min"]


def test_od_unknown_place_exit_2(capsys):
    assert main(["od", "遂宁", "Chengdoo", "--year", "2025"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Chengdu" in err


def test_goals_csv(tmp_path, capsys):
    out = tmp_path / "g.csv"
    assert main(["goals", "--years", "2020", "2027", "--csv", str(out)]) == 0
    table = pd.read_csv(out)
    assert set(table["year"]) == {2020, 2027}
    assert {"goal_id", "limit_min", "minutes", "margin_min", "passed"} <= set(table.columns)
    assert "first year met" in capsys.readouterr().out


BAD = {
    "wrong_type.toml": ('name = "x"\nyear = "2025"\n', "year"),
    "unknown_id.toml": ('name = "x"\nyear = 2025\n[[lines.modify]]\nid = "r_suicheng2"\n'
                        'open_year = 2030\n', "lines.modify[0].id"),
    "year_range.toml": ('name = "x"\nyear = 2025\n[[lines.modify]]\nid = "r_suicheng"\n'
                        'open_year = 2099\n', "lines.modify[0].open_year"),
    "bad_route.toml": ('name = "x"\nyear = 2030\n[[lines.add]]\nid = "n"\nname_zh = "n"\n'
                       'name_en = "n"\nnetwork = "expressway"\nline_class = "expressway"\n'
                       'speed_limit_kph = 100\nopen_year = 2030\n'
                       'route = ["stn_suining", "stn_tongnan"]\n', "lines.add[0].route"),
    "empty.toml": ("", "empty"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_invalid_scenario_exit_2_and_output_untouched(tmp_path, name):
    text, key = BAD[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("before")
    for args in (("validate", str(path)), ("run", str(path), "--out", str(out))):
        res = cli(*args)
        assert res.returncode == 2, res.stderr
        assert all(ln.startswith("error: ") for ln in res.stderr.splitlines()), res.stderr
        assert "Traceback" not in res.stderr
        assert name in res.stderr and key in res.stderr
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_non_utf8_and_huge_files(tmp_path):
    latin = tmp_path / "latin.toml"
    latin.write_bytes('name = "x"\nyear = 2025\ndescription = "遂宁"\n'.encode("gb18030"))
    big = tmp_path / "big.toml"
    with open(big, "wb") as f:
        f.write(b'name = "x"\nyear = 2025\n')
        f.write(b"# padding\n" * (50 * 1024 * 1024 // 10))
    for p, fragment in ((latin, "not UTF-8"), (big, "at most")):
        res = cli("validate", str(p))
        assert res.returncode == 2 and fragment in res.stderr


@pytest.fixture(scope="module")
def run_twice(tmp_path_factory):
    outs = []
    for k in range(2):
        out = tmp_path_factory.mktemp(f"run{k}")
        res = cli("-q", "run", "plan_2025", "--out", str(out))
        assert res.returncode == 0, res.stderr
        outs.append(out)
    return outs


def test_run_writes_every_output(run_twice):
    out = run_twice[0]
    assert sorted(p.name for p in out.iterdir()) == [
        ".suining-network-output", "goals.csv", "goals_timeline.png", "isochrones.gpkg",
        "map.html", "map.png", "report.md"]
    report = (out / "report.md").read_text()
    assert "Goals:" in report and "What changed against 2020" in report
    assert "e_suide" in report  # opened 2022: a change against 2020
    html = (out / "map.html").read_text()
    assert "plan_2025" in html and "https://" not in html.split("<body")[0]
    assert "OpenStreetMap contributors" in html and "ODbL" in html  # OSM-derived stations


def test_run_is_deterministic(run_twice):
    a, b = run_twice
    assert (a / "goals.csv").read_bytes() == (b / "goals.csv").read_bytes()
    assert (a / "report.md").read_bytes() == (b / "report.md").read_bytes()
    ga = pyogrio.read_dataframe(a / "isochrones.gpkg", layer="isochrones")
    gb = pyogrio.read_dataframe(b / "isochrones.gpkg", layer="isochrones")
    pd.testing.assert_frame_equal(ga.drop(columns="geometry"), gb.drop(columns="geometry"))
    assert ga.geometry.equals(gb.geometry)


# ------------------------------------------------------------------ fuzz

LINE_IDS = ["r_suicheng", "r_chengdawan_w", "e_suide", "t_g246", "r_suiyu", "nope", ""]
VALUES = st.one_of(st.integers(-5, 3000), st.floats(allow_nan=False, allow_infinity=False),
                   st.text(max_size=8), st.booleans(), st.lists(st.integers(), max_size=2))


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(map(str, v)) + "]"
    return repr(v) if isinstance(v, float) else str(v)


GOOD_FIELDS = {
    "open_year": st.integers(1950, 2060),
    "operating_speed_kph": st.floats(1, 400),
    "status": st.sampled_from(["existing", "under_construction", "planned", "proposed"]),
    "remove": st.booleans(),
}


def _maybe_bad(draw, good):
    """Mostly a good value, sometimes anything at all."""
    return draw(VALUES) if draw(st.integers(0, 9)) == 0 else draw(good)


@st.composite
def scenario_texts(draw):
    lines = []
    if draw(st.integers(0, 9)) > 0:
        lines.append(f"name = {_toml_value(_maybe_bad(draw, st.sampled_from(['ok', 'x1', 'a-b'])))}")
    if draw(st.integers(0, 9)) > 0:
        lines.append(f"year = {_toml_value(_maybe_bad(draw, st.integers(1940, 2070)))}")
    for _ in range(draw(st.integers(0, 3))):
        lines.append("[[lines.modify]]")
        lines.append(f"id = {_toml_value(_maybe_bad(draw, st.sampled_from(LINE_IDS)))}")
        field = draw(st.sampled_from([*GOOD_FIELDS, "colour"]))
        value = _maybe_bad(draw, GOOD_FIELDS.get(field, VALUES))
        lines.append(f"{field} = {_toml_value(value)}")
    if draw(st.booleans()):
        lines.append("[settings]")
        key = draw(st.sampled_from(["detour_factor", "local_speed_kph", "max_wait_min", "x"]))
        lines.append(f"{key} = {_toml_value(_maybe_bad(draw, st.floats(1, 3)))}")
    if draw(st.integers(0, 20)) == 0:
        lines.append(draw(st.text(max_size=20)))  # garbage
    return "\n".join(lines) + "\n"


def test_fuzz_scenario_files(tmp_path):
    """1,000 generated scenario files: each validates (exit 0) or is refused with one line per
    problem (exit 2); never an internal error. Some valid ones are then built and checked,
    in this same test (so the check also runs under xdist)."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    ran: list[str] = []

    @settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
    @given(scenario_texts())
    def check(text):
        path = tmp_path / "fuzz.toml"
        path.write_text(text, encoding="utf-8")
        err, out = io.StringIO(), io.StringIO()
        with redirect_stderr(err), redirect_stdout(out):
            code = main(["validate", str(path)])
        assert code in (0, 2), (text, err.getvalue())
        if code == 2:
            msg = err.getvalue()
            assert msg and all(ln.startswith("error: ") for ln in msg.splitlines()), msg
            assert "Traceback" not in msg
        else:
            assert out.getvalue().startswith("ok:")
            if len(ran) < 5:  # a sample of the valid ones actually builds
                from network import Phase, read_scenario, validate_graph

                validate_graph(Phase.of(read_scenario(path)).graph)
                ran.append(text)

    check()
    assert ran, "no generated scenario was valid: the generator is broken"


def test_compare_command(tmp_path):
    res = cli("-q", "compare", "plan_2025", "lanyu_hsr", "--out", str(tmp_path))
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [".suining-network-output",
                                                          "compare.html", "compare.md"]
    assert "OpenStreetMap contributors" in (tmp_path / "compare.html").read_text()
    md = (tmp_path / "compare.md").read_text()
    # the direct HSR brings Chongqing inside the rail hour: that goal flips, and the line
    # shows up as added
    assert "chongqing_rail" in md.split("## Goals that flip")[1]
    assert "r_lansuiyu" in md.split("## Lines that differ")[1]


def test_validate_data_folder(tmp_path):
    import shutil

    assert cli("validate", "data/geo").returncode == 0
    bad = tmp_path / "geo"
    shutil.copytree(REPO / "data" / "geo", bad)
    nodes = (bad / "nodes.csv").read_text(encoding="utf-8")
    (bad / "nodes.csv").write_text(nodes.replace(",county_seat,105.456,", ",county_seat,1105.456,"),
                                   encoding="utf-8")
    res = cli("validate", str(bad))
    assert res.returncode == 2
    assert "nodes.csv: record 'anju', field 'lon/lat'" in res.stderr


def test_od_station_not_yet_in_service(capsys):
    assert main(["od", "遂宁", "天府", "--year", "2020", "--mode", "rail"]) == 2
    err = capsys.readouterr().err
    assert "stn_tianfu" in err and "2020" in err and err.count("\n") == 1
    assert main(["od", "遂宁", "天府", "--year", "2027", "--mode", "rail", "--json"]) == 0
