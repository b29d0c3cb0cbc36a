"""Hardening: no code runs from data, nothing hangs, no silent nonsense, exact reruns.

Every failure case of the hardening issue has a test here: template payloads in every
user string, values that used to hang or give plausible nonsense, mistakes that used to
end as internal errors, and the all-or-nothing, byte-identical output folders.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import networkx as nx
import pytest

from network import DataError, Phase, od_times, parse_scenario
from network.cli import main
from network.errors import EngineError
from network.io import OUTPUT_MARKER

from .conftest import DATA, REPO, TINY_LINES, write_plan
from .test_maps import geojson_layers, page_data

PAYLOAD = "{{ cycler.__init__.__globals__.os.mkdir(dict(PWNED=1)|first) }}"
PAYLOAD_HTML = PAYLOAD.replace("{", "&#123;").replace("}", "&#125;")
EVAL = "{{7*7}}"


def cli(*args: str, cwd=REPO, env=None, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "network", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=timeout)


def _env(tmp_path, **extra) -> dict:
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"),
               MPLCONFIGDIR=str(tmp_path / "mpl"))
    env.update({k: str(v) for k, v in extra.items()})
    return env


# --------------------------------------------------------------------------- templates


def _payload_data(tmp_path) -> Path:
    """A copy of data/geo whose place and line names hold template payloads."""
    geo = tmp_path / "geo"
    shutil.copytree(DATA, geo)
    nodes = (geo / "nodes.csv").read_text(encoding="utf-8")
    nodes = nodes.replace("蓬溪县(赤城镇),Pengxi County seat", f'"蓬溪{PAYLOAD}","Pengxi {EVAL}"')
    (geo / "nodes.csv").write_text(nodes, encoding="utf-8")
    fc = json.loads((geo / "lines.geojson").read_text(encoding="utf-8"))
    for f in fc["features"]:
        if f["properties"]["id"] == "t_g246":
            f["properties"]["name_en"] = f"G246 {PAYLOAD}"
            f["properties"]["source"] = EVAL
    (geo / "lines.geojson").write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    return geo


def test_template_payloads_in_every_user_string_run_nothing(tmp_path):
    """Scenario name/description, added line names, goal labels and data-file names all
    hold payloads; the run exits 0, creates no PWNED folder and shows the literal text."""
    geo = _payload_data(tmp_path)
    goals = tmp_path / "goals.toml"
    goals.write_text(
        (REPO / "scenarios" / "goals.toml").read_text(encoding="utf-8").replace(
            'label = "主城区—安居 30分钟 / main urban area–Anju, 30 min"',
            f'label = "安居 {PAYLOAD} / Anju {EVAL}"'), encoding="utf-8")
    scn = tmp_path / "evil.toml"
    scn.write_text(f'''name = "evil"
year = 2030
description = "{PAYLOAD} and {EVAL}"
[[lines.add]]
id = "t_evil"
name_zh = "{PAYLOAD}"
name_en = "evil {EVAL} <img src=x onerror=alert(1)>"
network = "trunk"
line_class = "fast_link"
speed_limit_kph = 80
open_year = 2030
route = ["suining", [105.66, 30.65], "pengxi"]
source = "{PAYLOAD}"
[run]
goals = "{goals}"
''', encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    res = cli("-q", "run", str(scn), "--out", str(tmp_path / "out"), cwd=work,
              env=_env(tmp_path, SUINING_DATA_DIR=geo))
    assert res.returncode == 0, res.stderr
    assert not list(work.iterdir()) and not (REPO / "PWNED").exists()
    assert not list(tmp_path.glob("**/PWNED"))
    page = (tmp_path / "out" / "map.html").read_text(encoding="utf-8")
    texts = json.dumps([f["properties"] for fc in geojson_layers(page) for f in fc["features"]],
                       ensure_ascii=False) + json.dumps(page_data(page), ensure_ascii=False)
    assert PAYLOAD_HTML in texts                       # the line name, as text
    assert "evil &#123;&#123;7*7&#125;&#125;" in texts  # not "evil 49"
    assert "蓬溪&#123;&#123; cycler" in texts and "安居 &#123;&#123; cycler" in texts
    assert "evil 49" not in page and "Pengxi 49" not in page and "Anju 49" not in page
    assert "&lt;img src=x" in texts and "<img src=x" not in page
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "&lt;img src=x" in report and "<img" not in report
    assert "{{7\\*7}}" in report or "{{7*7}}" in report  # description shown as text


def test_tiles_are_never_a_template(tmp_path):
    ok = parse_scenario('name = "t"\nyear = 2025\n[run]\ntiles = "https://x/{z}/{x}/{y}.png"\n')
    assert ok.run.tiles.endswith("{y}.png")
    with pytest.raises(DataError, match=r"run\.tiles.*template syntax"):
        parse_scenario('name = "t"\nyear = 2025\n[run]\ntiles = "https://x/{{7*7}}/{z}/{x}/{y}"\n')
    assert main(["run", "plan_2025", "--tiles", "{{7*7}}", "--out", str(tmp_path / "o")]) == 2
    assert not (tmp_path / "o").exists()


def test_osm_street_names_never_reach_a_template(tmp_path, monkeypatch):
    pytest.importorskip("osmnx")
    from network.render.maps import map_phase

    from .test_osm import write_osm

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    osm = write_osm(tmp_path / "s.osm", {1: (105.572, 30.513), 2: (105.556, 30.529),
                                         3: (105.539, 30.5456)},
                    [(10, [1, 2, 3], {"highway": "primary", "name": PAYLOAD})])
    with pytest.warns(UserWarning):
        page = map_phase(Phase.of(2025, streets=osm), bands_min=(30,)).get_root().render()
    assert "OpenStreetMap" in page
    assert not (tmp_path / "PWNED").exists()


# --------------------------------------------------------------------------- bad values

BAD_SCENARIOS = {
    "negative dwell": ("[settings]\ndwell_min = {hsr350 = -2.0}\n", "settings.dwell_min.hsr350"),
    "metric crs in degrees": ('[settings]\nmetric_crs = "EPSG:4326"\n', "settings.metric_crs"),
    "unknown crs": ('[settings]\nmetric_crs = "EPSG:999999"\n', "settings.metric_crs"),
    "huge speed": ('[[lines.modify]]\nid = "r_suiyu"\noperating_speed_kph = 1e300\n',
                   "lines.modify[0].operating_speed_kph"),
    "inf speed": ('[[lines.modify]]\nid = "r_suiyu"\noperating_speed_kph = inf\n',
                  "lines.modify[0].operating_speed_kph"),
    "road speed over 150": ('[[lines.modify]]\nid = "e_suide"\nspeed_limit_kph = 300\n',
                            "lines.modify[0].speed_limit_kph"),
    "road given a rail speed": ('[[lines.modify]]\nid = "e_suide"\noperating_speed_kph = 90\n',
                                "lines.modify[0].operating_speed_kph"),
    "inf local speed": ("[settings]\nlocal_speed_kph = inf\n", "settings.local_speed_kph"),
    "tiny cell": ("[run]\ncell_m = 0.5\n", "run.cell_m"),
    "inf band": ("[run]\nbands_min = [30.0, inf]\n", "run.bands_min"),
    "no bands": ("[run]\nbands_min = []\n", "run.bands_min"),
    "duplicate bands": ("[run]\nbands_min = [30, 30]\n", "run.bands_min"),
    "no outputs": ("[run]\noutputs = []\n", "run.outputs"),
    "no origins": ("[run]\norigins = []\n", "run.origins"),
    "compare year after": ("[run]\ncompare_year = 2030\n", "run.compare_year"),
    "misspelt key": ("[settings]\nlocal_speed = 20\n", "did you mean 'local_speed_kph'"),
    "misspelt run key": ('[run]\norigin = ["suining"]\n', "did you mean 'origins'"),
    "deep nesting": ("x = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
}


@pytest.mark.parametrize("case", sorted(BAD_SCENARIOS))
def test_bad_values_exit_2_fast_with_a_located_message(tmp_path, case):
    body, where = BAD_SCENARIOS[case]
    path = tmp_path / "s.toml"
    path.write_text(f'name = "s"\nyear = 2025\n{body}', encoding="utf-8")
    for args in (("validate", str(path)), ("run", str(path), "--out", str(tmp_path / "out"))):
        t0 = time.perf_counter()
        res = cli(*args, timeout=60)
        assert time.perf_counter() - t0 < 10
        assert res.returncode == 2, (case, res.stdout, res.stderr)
        lines = res.stderr.splitlines()
        assert lines and all(ln.startswith("error: ") for ln in lines), res.stderr
        assert "Traceback" not in res.stderr
        assert "s.toml" in res.stderr and where in res.stderr, res.stderr
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


BAD_ARGS = [
    (["od", "遂宁", "成都", "--year", "-1"], "--year"),
    (["od", "遂宁", "成都", "--year", "99999"], "--year"),
    (["isochrones", "遂宁", "--bands-min", "0", "--out", "x.gpkg"], "--bands-min"),
    (["isochrones", "遂宁", "--bands-min", "-5", "--out", "x.gpkg"], "--bands-min"),
    (["isochrones", "遂宁", "--bands-min", "nan", "--out", "x.gpkg"], "--bands-min"),
    (["isochrones", "遂宁", "--bands-min", "30", "30", "--out", "x.gpkg"], "distinct"),
    (["isochrones", "遂宁", "--cell-m", "0", "--out", "x.gpkg"], "--cell-m"),
    (["isochrones", "遂宁", "--minutes", "0", "--out", "x.gpkg"], "unrecognized"),
    (["goals", "--years", "2020", "3000"], "--years"),
    (["run", "plan_2025", "--workers", "0"], "--workers"),
]


@pytest.mark.parametrize(("args", "fragment"), BAD_ARGS, ids=[" ".join(a) for a, _ in BAD_ARGS])
def test_bad_command_line_values_exit_2(tmp_path, capsys, args, fragment):
    with pytest.raises(SystemExit) as stop:
        main(args)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and fragment in err, err


def test_out_naming_a_file_or_a_foreign_folder_is_refused_before_work(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("x")
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.docx").write_text("precious")
    for out, fragment in ((f, "is a file"), (foreign, "not written by this tool"),
                          (Path("/proc/suining_out"), "--out /proc/suining_out")):
        t0 = time.perf_counter()
        assert main(["run", "plan_2025", "--out", str(out)]) == 2
        assert time.perf_counter() - t0 < 5
        err = capsys.readouterr().err
        assert fragment in err and err.count("\n") == 1, err
    assert (foreign / "thesis.docx").read_text() == "precious"
    assert main(["isochrones", "遂宁", "--out", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_unreadable_scenario_and_read_only_out(tmp_path, capsys):
    scn = tmp_path / "s.toml"
    scn.write_text('name = "s"\nyear = 2025\n')
    scn.chmod(0)
    assert main(["validate", str(scn)]) == 2
    assert "cannot be read" in capsys.readouterr().err
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        assert main(["run", "plan_2025", "--out", str(ro / "out")]) == 2
        assert "permission denied" in capsys.readouterr().err
    finally:
        ro.chmod(0o755)


def test_a_folder_as_scenario_is_a_located_error(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.toml")]) == 2
    err = capsys.readouterr().err
    assert "file not found" in err and "plan_2025" in err  # lists the shipped scenarios
    (tmp_path / "d.toml").mkdir()
    assert main(["validate", str(tmp_path / "d.toml")]) == 2
    assert "not a file" in capsys.readouterr().err


# --------------------------------------------------------------------------- data files


def _feature(**props):
    return {"type": "Feature", "properties": props,
            "geometry": {"type": "LineString", "coordinates": [[105.0, 30.5], [105.25, 30.5]]}}


def _line(**over):
    props = dict(TINY_LINES[2]["properties"])
    props.update(over)
    return {**TINY_LINES[2], "properties": props}


BAD_DATA = {
    "feature not an object": (lambda root: _lines(root, [*TINY_LINES, 42]),
                              "lines.geojson: record '<feature 3>'"),
    "speed as text": (lambda root: _lines(root, [_line(speed_limit_kph="60")]),
                      "field 'speed_limit_kph': '60' must be a number"),
    "year as text": (lambda root: _lines(root, [_line(open_year="2010")]),
                     "field 'open_year': '2010' must be a number"),
    "non-string stops": (lambda root: _lines(root, [_line(stops=["a", 7])]),
                         "field 'stops': node ids must be text"),
    "integer id": (lambda root: _lines(root, [_line(id=17)]), "field 'id': must be text"),
    "infinite speed": (lambda root: _lines(root, [_line(speed_limit_kph=1e999)]),
                       "field 'speed_limit_kph'"),
    "rail over 400": (lambda root: _lines(root, [{**TINY_LINES[0], "properties": {
        **TINY_LINES[0]["properties"], "operating_speed_kph": 600}}]), "plausible maximum"),
    "upgrades missing columns": (lambda root: (root / "upgrades.csv").write_text(
        "id,line_id\nu1,t_am\n"), "upgrades.csv: field 'year': column missing"),
    "nodes.csv a folder": (lambda root: ((root / "nodes.csv").unlink(),
                                         (root / "nodes.csv").mkdir()),
                           "nodes.csv: not a file"),
    "swapped lon/lat": (lambda root: (root / "nodes.csv").write_text(
        (root / "nodes.csv").read_text().replace("105.25,30.5", "30.5,105.25", 1)),
        "look swapped"),
}


def _lines(root: Path, features) -> None:
    (root / "lines.geojson").write_text(json.dumps({"type": "FeatureCollection",
                                                    "features": features}))


@pytest.mark.parametrize("case", sorted(BAD_DATA))
def test_bad_data_files_are_located_errors(tmp_path, capsys, case):
    root = write_plan(tmp_path / "geo")
    edit, fragment = BAD_DATA[case]
    edit(root)
    assert main(["validate", str(root)]) == 2
    err = capsys.readouterr().err
    assert fragment in err, err
    assert all(ln.startswith("error: ") for ln in err.splitlines())


# --------------------------------------------------------------------------- engine


def test_engine_refuses_negative_times(tiny_plan):
    G = Phase.of(2020, plan=tiny_plan).graph.copy()
    G.add_edge("a", "b", mode="trunk", term="in_vehicle", line_id="", length_m=1.0,
               speed_kph=1.0, travel_time_s=-60.0)
    with pytest.raises(EngineError, match="negative or non-finite"):
        od_times(G, [("a", "b")])
    H = nx.MultiDiGraph(Phase.of(2020, plan=tiny_plan).graph)
    H.add_edge("a", "m", mode="trunk", term="in_vehicle", line_id="", length_m=1.0,
               speed_kph=1.0, travel_time_s=float("nan"))
    with pytest.raises(EngineError):
        od_times(H, [("a", "m")])


# --------------------------------------------------------------------------- outputs


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    outs = []
    for k in range(2):
        out = tmp_path_factory.mktemp(f"exact{k}") / "out"
        res = cli("-q", "run", "plan_2025", "--out", str(out))
        assert res.returncode == 0, res.stderr
        outs.append(out)
    return outs


def test_identical_runs_give_byte_identical_folders(two_runs):
    a, b = two_runs
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    assert {"isochrones.gpkg", "map.html", "map.png", "report.md", "goals.csv"} <= set(names)
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_rerun_replaces_the_folder_as_a_whole(two_runs, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(two_runs[0], out)
    (out / "stale_from_an_old_run.csv").write_text("old")
    (out / "map.png").unlink()
    (out / "map.png").mkdir()  # a folder where a file goes: the old commit broke here
    scn = tmp_path / "few.toml"
    scn.write_text('name = "few"\nyear = 2025\n[run]\noutputs = ["goals", "report"]\n')
    res = cli("-q", "run", str(scn), "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in out.iterdir()) == [OUTPUT_MARKER, "goals.csv",
                                                     "goals_timeline.png", "report.md"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_stale_staging_folders_are_cleaned_and_failures_leave_out_untouched(two_runs, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(two_runs[0], out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    dead = tmp_path / ".out.staging-999999-deadbeef"  # a killed run's leftovers
    dead.mkdir()
    (dead / "map.html").write_text("partial")
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\nyear = 2025\n[run]\norigins = ["nowhere_at_all"]\n')
    res = cli("-q", "run", str(bad), "--out", str(out))
    assert res.returncode == 2 and "nowhere_at_all" in res.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # untouched
    assert not dead.exists()  # cleaned at the start of the run
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


# --------------------------------------------------------------------------- fuzz

#: Values a careless or hostile hand puts into a data file.
WILD = ["", "x", "-1", "0", "1e300", "inf", "nan", "NaN", "1e-320", "２０２５", "{{7*7}}",
        "<img src=x>", "30.5;105", " ", "\u0000", "999999999999999999999", "-0", "2025.5"]


@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def test_fuzz_data_files_and_scenarios(fuzz_root):
    """1,000 generated inputs — mutated data folders and scenario files: every one ends in
    exit 0 or 2 within a per-case time limit, never in an internal error or a hang."""
    import csv
    import io
    import signal
    from contextlib import redirect_stderr, redirect_stdout

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from .conftest import NODE_FIELDS, TINY_NODES

    json_values = st.one_of(st.sampled_from(WILD), st.integers(-10**6, 10**6),
                            st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                            st.none(), st.lists(st.sampled_from(["a", "m", "b", "zz", 3]),
                                                max_size=4))
    line_fields = ["id", "network", "line_class", "status", "open_year", "operating_speed_kph",
                   "speed_limit_kph", "design_speed_kph", "length_km_official", "lanes", "stops",
                   "through_with",
                   "confidence", "name_zh"]
    node_fields = ["id", "kind", "lon", "lat", "serves", "access", "confidence",
                   "pos_uncertainty_km", "name_en"]
    counts = {0: 0, 2: 0}

    def alarm(signum, frame):
        raise TimeoutError("a single case took more than 20 s")

    @settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck),
              derandomize=True)
    @given(target=st.sampled_from(["lines", "nodes", "upgrades", "scenario"]),
           line=st.integers(0, 2), field=st.integers(0, 100), value=json_values,
           text=st.sampled_from(WILD), drop=st.booleans())
    def check(target, line, field, value, text, drop):
        root = write_plan(fuzz_root / "geo")
        args = ["validate", str(root)]
        if target == "lines":
            fc = json.loads((root / "lines.geojson").read_text(encoding="utf-8"))
            props = fc["features"][line]["properties"]
            key = line_fields[field % len(line_fields)]
            if drop:
                props.pop(key, None)
            else:
                props[key] = value
            (root / "lines.geojson").write_text(json.dumps(fc, ensure_ascii=False, default=str),
                                                encoding="utf-8")
        elif target == "nodes":
            rows = [dict(n) for n in TINY_NODES]
            rows[field % len(rows)][node_fields[field % len(node_fields)]] = text
            with open(root / "nodes.csv", "w", newline="", encoding="utf-8") as f:
                w = csv.DictWriter(f, NODE_FIELDS if not drop else NODE_FIELDS[:-3])
                w.writeheader()
                for r in rows:
                    w.writerow({k: v for k, v in {"source": "s", "confidence": "H", **r}.items()
                                if k in w.fieldnames})
        elif target == "upgrades":
            (root / "upgrades.csv").write_text(
                "id,line_id,name_zh,name_en,year,field,value,status,source,confidence,note\n"
                f"u1,t_am,x,x,{text},speed_limit_kph,{json.dumps(value)},existing,s,H,\n",
                encoding="utf-8")
        else:
            body = {0: f"[settings]\ndwell_min = {{hsr350 = {text or 0}}}\n",
                    1: f"[run]\nbands_min = [{text or 1}]\n",
                    2: f"[run]\ncell_m = {text or 1}\n",
                    3: f'[[lines.modify]]\nid = "t_g246"\nspeed_limit_kph = {text or 1}\n',
                    4: f'[settings]\nmetric_crs = "{text}"\n'}[field % 5]
            path = fuzz_root / "s.toml"
            path.write_text(f'name = "f"\nyear = 2025\n{body}', encoding="utf-8")
            args = ["validate", str(path)]
        err, out = io.StringIO(), io.StringIO()
        old = signal.signal(signal.SIGALRM, alarm)
        signal.alarm(20)
        try:
            with redirect_stderr(err), redirect_stdout(out):
                code = main(args)
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)
        assert code in (0, 2), (target, args, err.getvalue())
        if code == 2:
            assert all(ln.startswith("error: ") for ln in err.getvalue().splitlines())
        counts[code] += 1

    check()
    assert counts[0] + counts[2] >= 1000
    assert counts[0] > 0 and counts[2] > 0  # the generator makes both kinds
