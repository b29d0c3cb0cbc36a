"""OSM streets reach the planner through the scenario key ``osm`` and the CLI's ``--osm``,
and the maps are drawn with them: the streets' attribution in the legend, and isochrones
that use the streets."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html import unescape

import pytest
import shapely
from shapely.geometry import shape

from network import Phase, graph_as_of, map_phase, od_times, read_scenario, save_map
from network.model.osm import ATTRIBUTION

from .test_osm import write_osm

pytest.importorskip("osmnx")

# one primary street (60 km/h) from the main urban area's centre node to 遂宁站
STREET_NODES = {1: (105.572, 30.513), 2: (105.556, 30.529), 3: (105.539, 30.5456)}
STREET_WAYS = [(10, [1, 2, 3], {"highway": "primary", "maxspeed": "60"})]


@pytest.fixture
def extract(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return write_osm(tmp_path / "streets.osm", STREET_NODES, STREET_WAYS)


@pytest.mark.filterwarnings("ignore::network.model.streets.OSMSnapWarning")  # far places: expected
def test_scenario_key_resolves_relative_to_the_file(extract, tmp_path):
    (tmp_path / "s.toml").write_text('name = "s"\nyear = 2025\nosm = "streets.osm"\n')
    scn = read_scenario(tmp_path / "s.toml")
    G = graph_as_of(2025, scn)
    assert G.graph["osm"]["snapped"] >= 2
    assert "OpenStreetMap" in G.graph["osm"]["attribution"]
    with_streets = od_times(G, [("suining", "stn_suining")]).iloc[0]
    without = od_times(graph_as_of(2025), [("suining", "stn_suining")]).iloc[0]
    # the street (≈4.8 km at 60 km/h ≈ 5 min) beats 4.8 km × 1.3 at 30 km/h (12.5 min)
    assert with_streets["minutes"] < 6 < without["minutes"]
    assert with_streets["access_min"] == pytest.approx(with_streets["minutes"])


def test_cli_osm_flag(extract, tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}

    def od(*extra):
        res = subprocess.run([sys.executable, "-m", "network", "od", "遂宁", "stn_suining",
                              "--json", *extra], capture_output=True, text=True, env=env,
                             timeout=120)
        assert res.returncode == 0, res.stderr
        return json.loads(res.stdout)

    assert od("--osm", str(extract))["minutes"] < 6 < od()["minutes"]
    res = subprocess.run([sys.executable, "-m", "network", "od", "遂宁", "成都", "--osm",
                          "Suining, China"], capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 2 and "online" in res.stderr


def legend_sources(html: str) -> list[str]:
    """The source lines of a saved map's legend, as the reader sees them."""
    block = re.search(r'<details class="src"><summary>[^<]*</summary>(.*?)</details>', html, re.S)
    assert block, "the map has no sources in its legend"
    return [unescape(s) for s in block.group(1).split("<br>")]


def _band_reach_km2(m, limit: float) -> float:
    """Area (km², metric CRS) of the isochrone features of map ``m``'s opening view (year
    and origin) up to ``limit``, read from the page data the map draws them from."""
    import json

    text = m.get_root().render()
    data = json.loads(re.search(r'<script type="application/json" id="sn-data">(.*?)</script>',
                                text, re.S).group(1))
    fc = data["bands"][f"{data['year']}|{data['origin']}"]
    geoms = [shape(f["geometry"]) for f in fc["features"] if f["properties"]["band_min"] <= limit]
    import geopandas as gpd

    return float(gpd.GeoSeries([shapely.union_all(geoms)], crs=4326).to_crs(32648).area.iloc[0]) / 1e6


@pytest.mark.filterwarnings("ignore::network.model.streets.OSMSnapWarning")
def test_map_of_a_phase_with_streets(extract, tmp_path):
    """map_phase of a phase with streets credits them and draws street-reached isochrones."""
    kw = dict(goals=False, boundaries=False, bands_min=(15, 30), cell_m=250)
    with_streets = map_phase(Phase.of(2025, streets=extract), **kw)
    plain = map_phase(Phase.of(2025), **kw)
    html = {k: save_map(m, tmp_path / f"{k}.html").read_text(encoding="utf-8")
            for k, m in (("streets", with_streets), ("plain", plain))}
    # the streets' own attribution line is in the legend only when streets were used
    assert ATTRIBUTION in legend_sources(html["streets"])
    assert ATTRIBUTION not in legend_sources(html["plain"])
    # the 60 km/h street to 遂宁站 (4.8 km) widens the 15-min isochrone from 遂宁 along it;
    # it cannot shrink it (adding a road only lowers times)
    a, b = _band_reach_km2(with_streets, 15), _band_reach_km2(plain, 15)
    assert a > b + 1.0, (a, b)
    assert _band_reach_km2(with_streets, 30) >= _band_reach_km2(plain, 30) - 0.5


def _cli(*args, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "network", *args], capture_output=True,
                          text=True, env=env, timeout=timeout)


@pytest.mark.filterwarnings("ignore::network.model.streets.OSMSnapWarning")
def test_run_with_streets_on_workers_equals_serial(extract, tmp_path):
    """``run --osm FILE --workers 2`` writes what the serial run writes (streets included)."""
    pytest.importorskip("distributed")
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin",
           "MPLCONFIGDIR": str(tmp_path / "mpl")}
    serial, workers, plain = tmp_path / "serial", tmp_path / "workers", tmp_path / "plain"
    for out, extra in ((serial, []), (workers, ["--workers", "2"])):
        res = _cli("run", "plan_2025", "--osm", str(extract), "--out", str(out), "-q", *extra,
                   env=env)
        assert res.returncode == 0, res.stderr
    res = _cli("run", "plan_2025", "--out", str(plain), "-q", env=env)
    assert res.returncode == 0, res.stderr
    for name in ("goals.csv", "isochrones.gpkg", "report.md", "map.html"):
        assert (serial / name).read_bytes() == (workers / name).read_bytes(), name
    # and the streets were really there: the isochrones differ from the run without them,
    # and the map credits the streets (a map without them carries only the stations' line)
    assert (serial / "isochrones.gpkg").read_bytes() != (plain / "isochrones.gpkg").read_bytes()
    assert ATTRIBUTION in legend_sources((serial / "map.html").read_text(encoding="utf-8"))
    assert ATTRIBUTION not in legend_sources((plain / "map.html").read_text(encoding="utf-8"))


@pytest.mark.filterwarnings("ignore::network.model.streets.OSMSnapWarning")
def test_rank_and_compare_take_streets(extract, tmp_path):
    pytest.importorskip("distributed")
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin",
           "MPLCONFIGDIR": str(tmp_path / "mpl")}
    outs = []
    for i, extra in enumerate(([], ["--workers", "2"])):
        out = tmp_path / f"rank{i}"
        res = _cli("rank", "plan_2035", "--osm", str(extract), "--out", str(out), "-q", *extra,
                   env=env)
        assert res.returncode == 0, res.stderr
        outs.append((out / "ranking.csv").read_bytes())
    assert outs[0] == outs[1]
    res = _cli("compare", "plan_2025", "lanyu_hsr", "--osm", str(extract), "--out",
               str(tmp_path / "cmp"), "-q", env=env)
    assert res.returncode == 0, res.stderr
    html = (tmp_path / "cmp" / "compare.html").read_text(encoding="utf-8")
    assert ATTRIBUTION in legend_sources(html), legend_sources(html)
