"""Local roads from OpenStreetMap (OSMnx): load, cache and attach them to a phase graph.

This module owns the street layer below the plan networks:

* ``load_roads`` reads drivable roads from a local OSM XML extract (``.osm``,
  ``.osm.xml``, optionally ``.gz``/``.bz2``), from an OSMnx GraphML file saved earlier,
  or, only with ``online=True``, downloads them for a place name or a polygon. Each edge
  gets a speed (the ``maxspeed`` tag where present, else ``SPEED_KPH_BY_HIGHWAY``)
  and a travel time; the result follows the project graph schema (mode ``street``, term
  ``access``). Loads are cached in a binary file (numpy ``.npz``, no pickle), reused
  while the source is unchanged; it reloads a 100k-node street graph in about a second,
  where GraphML took 20 s (``benchmarks/bench_osm.py``).

``network.model.streets.attach_roads`` joins the loaded roads to a phase graph.

Licence. OpenStreetMap data is © OpenStreetMap contributors and available under the Open
Database Licence (ODbL 1.0). Any map, table or file derived from these roads must carry
the attribution ``ATTRIBUTION`` (it is recorded in ``G.graph["osm"]["attribution"]``)
and a derived database that is distributed must be offered under the ODbL.

OSMnx is an optional dependency (``pip install 'suining-network[osm]'``); it is imported
only when roads are loaded.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import math
import os
import re
import socket
import tempfile
import warnings
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from ..errors import OSMError
from ..vocab import WGS84

CRS = WGS84

ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"

#: Bump when the loading rules (filter, speeds, simplification) change: old caches are ignored.
LOADER_VERSION = "2"

#: Prefix of road node ids, so they cannot clash with plan node ids.
NODE_PREFIX = "osm:"

#: Assumed operating speeds by OSM ``highway`` class on Chinese roads, km/h.
#:
#: Assumptions, not measurements. OSM China tags national roads (国道) and urban
#: expressways (城市快速路) ``trunk``, provincial roads and urban arterials ``primary``,
#: county roads and sub-arterials ``secondary``, township roads and local streets
#: ``tertiary``. Design speeds come from 《公路工程技术标准》JTG B01-2014 (highways) and
#: 《城市道路工程设计规范》CJJ 37-2012 (urban roads); the values below sit at or under the
#: design speed to reflect operating speeds off-peak. Junction delays are not modelled.
SPEED_KPH_BY_HIGHWAY: dict[str, float] = {
    "motorway": 100.0,       # 高速公路: JTG B01 design 80–120; 100 with trucks and speed limits
    "motorway_link": 50.0,   # 匝道 (ramps): design 40–60 (JTG D20)
    "trunk": 80.0,           # 国道 一级公路 design 80–100 / 城市快速路 60–100 (CJJ 37)
    "trunk_link": 40.0,      # ramps and slip roads of trunk roads
    "primary": 60.0,         # 省道 二级公路 design 60–80 / 主干路 design 40–60 (CJJ 37)
    "primary_link": 40.0,    # slip roads of primary roads
    "secondary": 50.0,       # 县道 / 次干路 design 40–50 (CJJ 37)
    "secondary_link": 30.0,  # slip roads of secondary roads
    "tertiary": 40.0,        # 乡道 三级公路 design 30–40 / 支路 design 30–40
    "tertiary_link": 30.0,   # slip roads of tertiary roads
    "unclassified": 30.0,    # 村道 四级公路 design 20–30
    "residential": 30.0,     # 街坊路 / 支路 in residential areas, design 20–30
    "road": 30.0,            # class unknown to the mapper: treated as a local road
    "living_street": 15.0,   # shared surface, pedestrians have priority
    "service": 15.0,         # compound, campus and station-forecourt access roads
}

#: ``service=*`` values that are not through roads (as OSMnx's ``drive_service`` filter).
_EXCLUDED_SERVICE = frozenset({"emergency_access", "parking", "parking_aisle", "private"})
_NO_ACCESS = frozenset({"no", "private"})
_YES_ACCESS = frozenset({"yes", "designated", "permissive", "destination"})
#: Controlled-access classes: a node only on these is not a place to step onto the streets.
_CONTROLLED = frozenset({"motorway", "motorway_link"})
_EXTRA_WAY_TAGS = ("motor_vehicle", "motorcar", "maxspeed", "highway", "service", "access", "area",
                   "oneway", "name")
_MPH = 1.609344
_ONLINE_HOSTS = {"nominatim": "nominatim.openstreetmap.org", "overpass": "overpass-api.de"}


# --------------------------------------------------------------------------- speeds


def parse_maxspeed(value: Any) -> float | None:
    """Parse an OSM ``maxspeed`` value to km/h.

    Parameters
    ----------
    value : str, number or list
        ``"60"``, ``"60 km/h"``, ``"30 mph"``, a multi-value ``"60;40"`` or a list of them
        (OSMnx makes lists when it merges ways).

    Returns
    -------
    float or None
        km/h; the lowest of several values (travel times should not be optimistic);
        ``None`` when nothing parses (``"none"``, ``"signals"``, ``"CN:urban"`` …).
    """
    if value is None:
        return None
    if isinstance(value, list | tuple | set):
        parts = list(value)
    elif isinstance(value, int | float):
        parts = [value]
    else:
        parts = re.split(r"[;|,]", str(value))
    speeds = []
    for part in parts:
        if isinstance(part, int | float) and not isinstance(part, bool):
            kph = float(part)
        else:
            m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|)\s*", str(part).lower())
            if not m:
                continue
            kph = float(m.group(1)) * (_MPH if m.group(2) == "mph" else 1.0)
        if 0 < kph <= 200 and math.isfinite(kph):
            speeds.append(kph)
    return min(speeds) if speeds else None


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple | set):
        return [str(v) for v in value]
    return [str(value)]


def edge_speed_kph(data: Mapping[str, Any]) -> float:
    """Speed of a road edge, km/h: ``maxspeed`` if it parses, else the class table.

    A merged edge with several ``highway`` classes takes the lowest class speed; an
    unknown class gets the ``road`` speed.
    """
    kph = parse_maxspeed(data.get("maxspeed"))
    if kph is not None:
        return kph
    speeds = [SPEED_KPH_BY_HIGHWAY[h] for h in _values(data.get("highway")) if h in SPEED_KPH_BY_HIGHWAY]
    return min(speeds) if speeds else SPEED_KPH_BY_HIGHWAY["road"]


def is_drivable(data: Mapping[str, Any]) -> bool:
    """Whether a way (edge attributes) is a public drivable road.

    Like OSMnx's ``drive_service`` filter, with an allow-list: ``highway`` in
    ``SPEED_KPH_BY_HIGHWAY`` (every class, for an edge OSMnx merged from several ways:
    a street merged with a footway must not let cars use the footway), not ``area=yes``,
    not closed to motor vehicles (``access``/``motor_vehicle``/``motorcar`` = no/private,
    unless a more specific tag allows cars), not a parking aisle, emergency or private
    service road.
    """
    classes = _values(data.get("highway"))
    if not classes or not all(h in SPEED_KPH_BY_HIGHWAY for h in classes):
        return False
    if "yes" in _values(data.get("area")):
        return False
    if set(_values(data.get("service"))) & _EXCLUDED_SERVICE:
        return False
    cars = _values(data.get("motorcar")) or _values(data.get("motor_vehicle"))
    if cars:
        return not set(cars) & _NO_ACCESS
    return not set(_values(data.get("access"))) & _NO_ACCESS


# --------------------------------------------------------------------------- loading


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/suining-network/osm`` (``~/.cache/suining-network/osm``)."""
    base = os.environ.get("XDG_CACHE_HOME") or "~/.cache"
    return Path(base).expanduser() / "suining-network" / "osm"


def load_roads(source: str | os.PathLike | Any, *, online: bool = False,
               cache_dir: str | os.PathLike | bool | None = None, timeout_s: float = 30,
               retain_all: bool = True) -> nx.MultiDiGraph:
    """Load drivable OpenStreetMap roads as a street graph in the project schema.

    Parameters
    ----------
    source : path, str or shapely Polygon
        A local OSM XML file (``.osm``, ``.osm.xml``, ``.xml``, optionally ``.gz``/``.bz2``),
        an OSMnx GraphML file (``.graphml``) or, with ``online=True`` only, a place name
        (a string that is not an existing path) or a WGS84 shapely (Multi)Polygon.
    online : bool
        Allow downloading from Nominatim/Overpass. Off by default: the planner runs offline.
    cache_dir : path, optional
        Where loads are cached (binary ``.npz``), one file per source (key: path, size, mtime and
        SHA-256 of the file, or the place name / polygon WKT; plus ``LOADER_VERSION``).
        Default ``default_cache_dir``; ``False`` disables the cache.
    timeout_s : float
        Network timeout per request for online loads, s.
    retain_all : bool
        Keep every connected piece of the road network (default). Rural OSM coverage in
        China is patchy: a town's streets are often an island that is still useful once
        snapped to the plan. ``False`` keeps only the largest weakly connected component,
        as OSMnx does by default.

    Returns
    -------
    networkx.MultiDiGraph
        ``crs`` EPSG:4326. Nodes ``"osm:<osmid>"`` with ``x``, ``y`` (lon, lat), ``kind``
        ``"street"``, ``layer`` ``"street"`` (``"expressway"`` for nodes only on motorways
        and their ramps: one cannot step onto the streets there), ``name_zh``/``name_en``
        ``""`` and ``osmid``. Edges with ``mode`` ``"street"``, ``term`` ``"access"``,
        ``line_id`` ``""``, ``length_m`` (m), ``speed_kph`` (km/h), ``travel_time_s`` (s),
        ``highway``, ``name`` and ``geometry`` where OSMnx simplified a chain. Graph
        attributes ``source``, ``osm_nodes``, ``osm_edges`` and ``attribution``.

    Raises
    ------
    OSMError
        Missing, empty or malformed file; no drivable ways; a place name without
        ``online=True``; a failed download (no network), without hanging.
    """
    cache = None if cache_dir is False else Path(cache_dir or default_cache_dir()).expanduser()
    if _is_polygon(source):
        if not online:
            raise OSMError("a polygon source needs a download from OpenStreetMap: pass online=True "
                           "(command line: --online)")
        label = f"polygon {source.wkt[:60]}…"
        key = _key("polygon", source.wkt, retain_all)
        return _cached(cache, key, lambda: _to_schema(
            _download(source, timeout_s, retain_all, cache), label))
    path = Path(os.fspath(source)).expanduser()
    if path.is_file():
        label = str(path)
        key = _key("file", *_file_stamp(path), retain_all)
        read = _load_graphml if _is_graphml(path) else _from_xml
        return _cached(cache, key, lambda: _to_schema(read(path, retain_all), label))
    if path.exists():
        raise OSMError(f"{path}: not a file")
    if not isinstance(source, str) or _looks_like_path(source):
        raise OSMError(f"{path}: no such file (expected an OSM XML extract or an OSMnx GraphML file)")
    if not online:
        raise OSMError(f"{source!r} is not an existing file; downloading roads for a place name "
                       "needs online=True (command line: --online)")
    key = _key("place", source.strip(), retain_all)
    label = f"place {source!r}"
    return _cached(cache, key, lambda: _to_schema(
        _download(source, timeout_s, retain_all, cache), label))


def _is_polygon(source: Any) -> bool:
    return getattr(source, "geom_type", None) in ("Polygon", "MultiPolygon")


def _is_graphml(path: Path) -> bool:
    return path.suffix.lower() == ".graphml"


def _looks_like_path(s: str) -> bool:
    low = s.lower()
    return (os.sep in s or "/" in s
            or low.endswith((".osm", ".xml", ".graphml", ".gz", ".bz2", ".pbf")))


def _file_stamp(path: Path) -> tuple:
    st = path.stat()
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return str(path.resolve()), st.st_size, st.st_mtime_ns, digest.hexdigest()


def _key(*parts: Any) -> str:
    text = "\x1f".join(map(str, (LOADER_VERSION, *parts, sorted(SPEED_KPH_BY_HIGHWAY.items()))))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _ox():
    try:
        import osmnx as ox
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise OSMError("loading OpenStreetMap roads needs osmnx: "
                       "pip install 'suining-network[osm]'") from exc
    return ox


@contextlib.contextmanager
def _ox_settings(**values: Any) -> Iterator[Any]:
    """Temporarily set OSMnx settings (and keep the way tags the filter needs).

    OSMnx settings are module globals: do not load roads from several threads at once.
    """
    ox = _ox()
    tags = list(dict.fromkeys([*ox.settings.useful_tags_way, *_EXTRA_WAY_TAGS]))
    values = {"useful_tags_way": tags, **values}
    old = {k: getattr(ox.settings, k) for k in values}
    getaddrinfo = socket.getaddrinfo  # OSMnx may patch it to pin the Overpass server
    try:
        for k, v in values.items():
            setattr(ox.settings, k, v)
        yield ox
    finally:
        for k, v in old.items():
            setattr(ox.settings, k, v)
        socket.getaddrinfo = getaddrinfo


def _cached(cache: Path | None, key: str, build) -> nx.MultiDiGraph:
    """Load ``key`` from the binary cache, or ``build()`` it and write it atomically."""
    target = cache / f"{key}.npz" if cache is not None else None
    if target is not None and target.is_file():
        try:
            return _load_npz(target)
        except Exception as exc:  # a damaged cache file is rebuilt, never fatal
            warnings.warn(f"ignoring unreadable OSM cache file {target}: {exc}", stacklevel=3)
    G = build()
    if target is not None:
        with contextlib.suppress(OSError):  # a read-only cache only costs time
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{key}.", suffix=".npz")
            os.close(fd)
            try:
                _save_npz(G, tmp)
                os.replace(tmp, target)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
    return G


def _save_npz(G: nx.MultiDiGraph, path: str | os.PathLike) -> None:
    """Write a street graph in the project schema as plain numpy arrays (no pickle)."""
    nodes = list(G.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    nd = G.nodes
    edges = list(G.edges(data=True))
    geoms = [d.get("geometry") for _, _, d in edges]
    counts = np.array([0 if g is None else len(g.coords) for g in geoms], np.int64)
    coords = [np.asarray(g.coords, float) for g in geoms if g is not None]
    np.savez(
        path,
        graph=np.array(json.dumps({k: v for k, v in G.graph.items()
                                   if isinstance(v, str | int | float)})),
        node_ids=np.array([str(n) for n in nodes]),
        x=np.array([nd[n]["x"] for n in nodes], float),
        y=np.array([nd[n]["y"] for n in nodes], float),
        street=np.array([nd[n]["layer"] == "street" for n in nodes], bool),
        osmid=np.array([nd[n].get("osmid", 0) for n in nodes], np.int64),
        u=np.array([index[a] for a, _, _ in edges], np.int64),
        v=np.array([index[b] for _, b, _ in edges], np.int64),
        length_m=np.array([d["length_m"] for _, _, d in edges], float),
        speed_kph=np.array([d["speed_kph"] for _, _, d in edges], float),
        travel_time_s=np.array([d["travel_time_s"] for _, _, d in edges], float),
        highway=np.array([d.get("highway", "") for _, _, d in edges], str),
        name=np.array([d.get("name", "") for _, _, d in edges], str),
        geom_offsets=np.concatenate([[0], np.cumsum(counts)]),
        geom_coords=np.concatenate(coords) if coords else np.empty((0, 2)),
    )


def _load_npz(path: Path) -> nx.MultiDiGraph:
    """Read a street graph written by ``_save_npz``.

    The graph is assembled straight into networkx's dict-of-dicts (the documented layout
    of ``MultiDiGraph``: ``_node``, ``_succ``/``_adj`` and ``_pred``, sharing each key
    dict between both directions) instead of edge by edge through ``add_edge``: the same
    graph — nodes, edges, keys (0, 1 … per node pair, in file order) and attributes — in
    about a tenth of the time (``add_edges_from`` costs ~20 µs an edge in networkx 3.6).
    The cyclic garbage collector is paused meanwhile: the half-million new dicts hold no
    cycles, and its repeated passes over them would double the time.
    """
    from shapely import linestrings

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        with np.load(path, allow_pickle=False) as z:
            a = {k: z[k] for k in z.files}
        G = nx.MultiDiGraph(**json.loads(str(a["graph"])))
        ids = a["node_ids"].tolist()
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate node ids")
        layers = np.where(a["street"], "street", "expressway").tolist()
        node, succ, pred = G._node, G._succ, G._pred
        for n, x, y, lay, o in zip(ids, a["x"].tolist(), a["y"].tolist(), layers,
                                   a["osmid"].tolist(), strict=True):
            node[n] = {"x": x, "y": y, "kind": "street", "layer": lay, "name_zh": "",
                       "name_en": "", "osmid": o}
            succ[n] = {}
            pred[n] = {}
        off = a["geom_offsets"]
        counts = np.diff(off)
        has = np.flatnonzero(counts > 0)
        geoms: list = [None] * len(counts)
        if len(has):
            parts = linestrings(a["geom_coords"], indices=np.repeat(np.arange(len(has)), counts[has]))
            for i, g in zip(has.tolist(), parts.tolist(), strict=True):
                geoms[i] = g
        rows = zip(a["u"].tolist(), a["v"].tolist(), a["length_m"].tolist(), a["speed_kph"].tolist(),
                   a["travel_time_s"].tolist(), a["highway"].tolist(), a["name"].tolist(), geoms,
                   strict=True)
        for u, v, length, speed, t, hw, name, geom in rows:
            d = {"mode": "street", "term": "access", "line_id": "", "length_m": length,
                 "speed_kph": speed, "travel_time_s": t, "highway": hw, "name": name}
            if geom is not None:
                d["geometry"] = geom
            a_id, b_id = ids[u], ids[v]
            keys = succ[a_id].get(b_id)
            if keys is None:  # one key dict per node pair, shared by both directions
                keys = succ[a_id][b_id] = pred[b_id][a_id] = {}
            keys[len(keys)] = d
    finally:
        if was_enabled:
            gc.enable()
    if hasattr(nx, "_clear_cache"):  # networkx ≥ 3.3 caches derived views per graph
        nx._clear_cache(G)
    return G


def _from_xml(path: Path, retain_all: bool) -> nx.MultiDiGraph:
    import xml.etree.ElementTree as ET
    from xml.sax import SAXParseException

    if path.stat().st_size == 0:
        raise OSMError(f"{path}: the file is empty (0 bytes); expected OSM XML (<osm> with "
                       "<node> and <way> elements)")
    with _ox_settings() as ox:
        try:
            raw = ox.graph_from_xml(path, simplify=False, retain_all=True)
        except (ET.ParseError, SAXParseException) as exc:
            raise OSMError(f"{path}: not well-formed OSM XML: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise OSMError(f"{path}: not UTF-8 text (is it a binary .pbf? convert it with "
                           f"`osmium cat in.pbf -o out.osm`): {exc}") from exc
        except ox._errors.InsufficientResponseError as exc:
            raise OSMError(f"{path}: contains no OSM nodes or ways (is it an <osm> file?)") from exc
        except ValueError as exc:
            if "missing nodes" in str(exc):
                raise OSMError(f"{path}: some ways reference nodes that are not in the file (a "
                               "clipped extract? cut it with complete ways, e.g. `osmium extract "
                               "--strategy complete_ways`)") from exc
            raise OSMError(f"{path}: malformed OSM data: {exc}") from exc
        except (KeyError, TypeError) as exc:
            raise OSMError(f"{path}: malformed OSM element (missing attribute {exc})") from exc
        return _process(raw, str(path), retain_all)


def _drivable_timed(G: nx.MultiDiGraph, label: str, retain_all: bool) -> nx.MultiDiGraph:
    """Drop the ways cars cannot use (in place) and give each edge its travel time, s."""
    drop = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if not is_drivable(d)]
    if len(drop) == G.number_of_edges():
        found = Counter(h for _, _, d in G.edges(data=True) for h in _values(d.get("highway")))
        what = (", ".join(f"highway={h} ×{n}" for h, n in found.most_common(6))
                if found else "no highway-tagged ways")
        raise OSMError(f"{label}: no drivable ways (found {what}); drivable classes are "
                       f"{', '.join(SPEED_KPH_BY_HIGHWAY)}")
    G.remove_edges_from(drop)
    G.remove_nodes_from([n for n in list(G.nodes) if G.degree(n) == 0])
    if not retain_all:
        G = _ox().truncate.largest_component(G, strongly=False)
    for _, _, d in G.edges(data=True):
        d["travel_time_s"] = float(d["length"]) / 1000.0 / edge_speed_kph(d) * 3600.0
    return G


def _process(raw: nx.MultiDiGraph, label: str, retain_all: bool) -> nx.MultiDiGraph:
    """Keep drivable ways, time each raw edge, then simplify as OSMnx does."""
    ox = _ox()
    G = _drivable_timed(raw, label, retain_all)
    # rings without junctions (a lone ring road) are kept unsimplified, not dropped
    G = ox.simplify_graph(G, remove_rings=False, edge_attr_aggs={"length": sum, "travel_time_s": sum})
    _slim(G)
    G.graph.update(suining_roads=LOADER_VERSION, source=label, crs=CRS)
    return G


#: Attributes kept in the cache (GraphML writing time grows with the attribute count).
_KEEP_NODE = frozenset({"x", "y"})
_KEEP_EDGE = frozenset({"length", "travel_time_s", "highway", "maxspeed", "name", "geometry"})


def _slim(G: nx.MultiDiGraph) -> None:
    for _, d in G.nodes(data=True):
        for k in d.keys() - _KEEP_NODE:
            del d[k]
    for _, _, d in G.edges(data=True):
        for k in d.keys() - _KEEP_EDGE:
            del d[k]


def _load_graphml(path: Path, retain_all: bool) -> nx.MultiDiGraph:
    """An OSMnx GraphML file: read (not cached: it is GraphML already), filtered and timed."""
    ox = _ox()
    try:
        G = ox.load_graphml(path, edge_dtypes={"travel_time_s": float})
    except Exception as exc:
        raise OSMError(f"{path}: not an OSMnx GraphML file: {exc}") from exc
    if G.number_of_edges() == 0:
        raise OSMError(f"{path}: the graph has no edges")
    if str(G.graph.get("crs", CRS)).upper() not in (CRS, "EPSG:4326", "WGS84"):
        G = ox.project_graph(G, to_latlong=True)
    missing = [n for n, d in G.nodes(data=True) if "x" not in d or "y" not in d]
    if missing:
        raise OSMError(f"{path}: {len(missing)} node(s) without x/y coordinates, e.g. {missing[0]!r}")
    G = _drivable_timed(G, str(path), retain_all)
    G.graph.update(suining_roads=LOADER_VERSION, source=str(path), crs=CRS)
    return G


def _preflight(hosts: list[str], timeout_s: float) -> None:
    """Fail fast when the OSM servers cannot be reached (OSMnx would sleep and retry)."""
    for host in hosts:
        try:
            socket.create_connection((host, 443), timeout=min(timeout_s, 10.0)).close()
        except OSError as exc:
            raise OSMError(f"cannot reach {host} to download OpenStreetMap roads (no network?): "
                           f"{exc}. Use a local .osm extract instead.") from exc


def _download(source: Any, timeout_s: float, retain_all: bool, cache: Path | None) -> nx.MultiDiGraph:
    """Download roads (reached only from load_roads(..., online=True))."""
    place = isinstance(source, str)
    label = f"place {source!r}" if place else "polygon"
    hosts = [_ONLINE_HOSTS["nominatim"], _ONLINE_HOSTS["overpass"]] if place else [
        _ONLINE_HOSTS["overpass"]]
    _preflight(hosts, timeout_s)
    # OSMnx's own HTTP cache goes next to ours (not into ./cache of the working directory)
    http = {"use_cache": True, "cache_folder": str(cache / "http")} if cache else {"use_cache": False}
    with _ox_settings(requests_timeout=timeout_s, doh_url_template=None, **http) as ox:
        try:
            online_fetch = ox.graph_from_place if place else ox.graph_from_polygon  # online only
            raw = online_fetch(source, network_type="drive_service", simplify=False, retain_all=True)
        except OSMError:
            raise
        except Exception as exc:  # requests/osmnx/geocoder errors: all mean "no roads"
            raise OSMError(f"could not download OpenStreetMap roads for {label}: "
                           f"{type(exc).__name__}: {exc}") from exc
        return _process(raw, label, retain_all)


# --------------------------------------------------------------------------- schema


def _to_schema(raw: nx.MultiDiGraph, label: str) -> nx.MultiDiGraph:
    """Convert a processed OSMnx graph to the project schema (new graph)."""
    G = nx.MultiDiGraph(crs=CRS, source=label, attribution=ATTRIBUTION, name=f"OSM roads ({label})")
    street: dict[Any, bool] = dict.fromkeys(raw.nodes, False)
    for u, v, d in raw.edges(data=True):
        if not set(_values(d.get("highway"))) <= _CONTROLLED:
            street[u] = street[v] = True
    for n, d in raw.nodes(data=True):
        G.add_node(f"{NODE_PREFIX}{n}", x=float(d["x"]), y=float(d["y"]), kind="street",
                   layer="street" if street[n] else "expressway", name_zh="", name_en="",
                   osmid=int(d.get("osmid", n)))
    for u, v, d in raw.edges(data=True):
        length = float(d["length"])
        t = float(d["travel_time_s"])
        attrs = dict(mode="street", term="access", line_id="", length_m=length,
                     speed_kph=length / 1000.0 / (t / 3600.0) if t > 0 else edge_speed_kph(d),
                     travel_time_s=t, highway=";".join(dict.fromkeys(_values(d.get("highway")))),
                     name=";".join(dict.fromkeys(_values(d.get("name")))))
        if d.get("geometry") is not None:
            attrs["geometry"] = d["geometry"]
        G.add_edge(f"{NODE_PREFIX}{u}", f"{NODE_PREFIX}{v}", **attrs)
    G.graph.update(osm_nodes=G.number_of_nodes(), osm_edges=G.number_of_edges())
    return G


__all__ = ["ATTRIBUTION", "SPEED_KPH_BY_HIGHWAY", "OSMError", "default_cache_dir", "edge_speed_kph",
           "is_drivable", "load_roads", "parse_maxspeed"]
