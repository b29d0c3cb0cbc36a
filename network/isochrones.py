"""Travel-time surfaces and isochrone bands.

The surface is a regular grid in the metric CRS. A cell's time is the minimum, over the
*street* nodes reached (places, stations, interchange gates, trunk-road nodes), of the
node's time plus the access time from the node to the cell (distance × detour factor at
the local speed), computed as a cost-distance surface seeded by those nodes (see
:func:`node_surface`). Rail platforms and expressway carriageways are not street nodes,
so a cell beside an expressway far from an interchange, or beside a railway between
stations, is reached only through a real access point.

Bands are filled contours of the surface (contourpy) between consecutive thresholds, so
they never overlap; each is one (Multi)Polygon row.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import contourpy
import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import MultiPolygon, Polygon

from .routing import CompiledGraph, compile_graph, resolve_node, times_from
from .settings import Settings

DEFAULT_BANDS_MIN = (15, 30, 45, 60, 90)
_UNREACHED = 1e9


@dataclass(frozen=True)
class Surface:
    """A travel-time surface.

    Attributes
    ----------
    x, y : numpy.ndarray
        Cell-centre coordinates (1-D) in ``crs``, m.
    minutes : numpy.ndarray
        (len(y), len(x)) minutes; ``inf`` where not reached.
    crs : str
    cell_m : float
    """

    x: np.ndarray
    y: np.ndarray
    minutes: np.ndarray
    crs: str
    cell_m: float


def _settings(G: nx.MultiDiGraph) -> Settings:
    return Settings(**G.graph.get("settings", {}))


# Moves of the 16-neighbourhood (one of each ± pair): straight, diagonal and knight moves.
# A path over them is at most ~2.7 % longer than the straight line.
_MOVES = ((0, 1), (1, 0), (1, 1), (1, -1), (1, 2), (2, 1), (1, -2), (2, -1))


@functools.lru_cache(maxsize=8)
def _grid_graph(ny: int, nx: int, cell_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR arrays (indptr, indices, length_m) of the 16-connected grid, plus a spare last row."""
    idx = np.arange(ny * nx).reshape(ny, nx)
    rows, cols, lengths = [], [], []
    for dy, dx in _MOVES:
        a = idx[max(0, -dy): ny - max(0, dy), max(0, -dx): nx - max(0, dx)]
        b = idx[max(0, dy): ny - max(0, -dy) or None, max(0, dx): nx - max(0, -dx) or None]
        a, b = a.ravel(), b.ravel()
        step = float(np.hypot(dy, dx) * cell_m)
        rows += [a, b]
        cols += [b, a]
        lengths += [np.full(a.size, step)] * 2
    r, c, w = np.concatenate(rows), np.concatenate(cols), np.concatenate(lengths)
    order = np.lexsort((c, r))
    n = ny * nx + 1  # the last node is the super-source that seeds the grid
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, r + 1, 1)
    return np.cumsum(indptr), c[order].astype(np.int32), w[order]


def node_surface(cg: CompiledGraph, node_minutes: np.ndarray, max_minutes: float,
                 cell_m: float, settings: Settings, bounds=None) -> Surface:
    """Travel-time surface from node times (minutes, length ``cg.n``).

    Every street node reached within ``max_minutes`` seeds the 3×3 cells round it with
    its time plus the straight-line access time to each cell centre; from there the time
    spreads over the grid at the access speed (``local_speed_kph / detour_factor``)
    along 16-connected moves — a cost-distance surface. The result is the minimum over
    reached street nodes of node time + access time, with the access distance measured
    on the grid beyond the seeded cells (at most ~2.7 % longer than the straight line).
    Adding a line can only lower it.

    Parameters
    ----------
    cg : CompiledGraph
    node_minutes : numpy.ndarray
        Minutes to each node (``inf`` if not reached).
    max_minutes : float
    cell_m : float
        Cell size, m.
    settings : Settings
    bounds : (xmin, ymin, xmax, ymax), optional
        Grid extent in the metric CRS; defaults to the reached street nodes plus the
        distance one can still cover at the access speed (at most ``access_max_km``).
    """
    t_street = node_minutes[cg.street]
    reached = np.isfinite(t_street) & (t_street <= max_minutes)
    if not reached.any():
        raise ValueError("no street node is reached within the time limit")
    speed_m_per_min = settings.local_speed_kph * 1000.0 / 60.0 / settings.detour_factor
    reach_m = min(settings.access_max_km * 1000.0, max_minutes * speed_m_per_min)
    xy = cg.xy[cg.street[reached]]
    t_seed = t_street[reached]
    if bounds is None:
        # snap the extent to a fixed lattice of cell_m, so the same place always falls in
        # the same cell whatever else is reached (comparable surfaces across scenarios)
        lo = np.floor((xy.min(axis=0) - reach_m) / cell_m) * cell_m
        hi = np.ceil((xy.max(axis=0) + reach_m) / cell_m) * cell_m
    else:
        lo, hi = np.array(bounds[:2], float), np.array(bounds[2:], float)
    xs = np.arange(lo[0] + cell_m / 2, hi[0], cell_m)
    ys = np.arange(lo[1] + cell_m / 2, hi[1], cell_m)
    ny, nx = len(ys), len(xs)
    j0 = np.floor((xy[:, 0] - lo[0]) / cell_m).astype(np.int64)
    i0 = np.floor((xy[:, 1] - lo[1]) / cell_m).astype(np.int64)
    # seed the 3×3 cells round each node with the exact straight-line access time, so the
    # grid metric only applies beyond them
    di, dj = np.divmod(np.arange(9), 3)
    i = (i0[:, None] + di - 1).ravel()
    j = (j0[:, None] + dj - 1).ravel()
    px, py = np.repeat(xy[:, 0], 9), np.repeat(xy[:, 1], 9)
    inside = (i >= 0) & (i < ny) & (j >= 0) & (j < nx)
    i, j = i[inside], j[inside]
    seed_t = (np.repeat(t_seed, 9)[inside]
              + np.hypot(xs[j] - px[inside], ys[i] - py[inside]) / speed_m_per_min)
    cell = i * nx + j
    best = np.full(ny * nx, np.inf)
    np.minimum.at(best, cell, seed_t)  # keep the best seed per cell
    cell = np.flatnonzero(np.isfinite(best))
    seed_t = best[cell]
    indptr, indices, length = _grid_graph(ny, nx, float(cell_m))
    n = ny * nx + 1
    indptr = indptr.copy()
    indptr[-1] += cell.size  # the super-source row (last) points at the seeded cells
    graph = csr_array((np.concatenate([length / speed_m_per_min, seed_t]),
                       np.concatenate([indices, cell.astype(np.int32)]), indptr), shape=(n, n))
    t = dijkstra(graph, directed=True, indices=n - 1, limit=max_minutes)[:-1]
    t[t > max_minutes] = np.inf
    return Surface(x=xs, y=ys, minutes=t.reshape(ny, nx), crs=settings.metric_crs,
                   cell_m=float(cell_m))


def travel_time_surface(G: nx.MultiDiGraph, origin, max_minutes: float = 90,
                        cell_m: float = 500, mode: str = "any") -> Surface:
    """Travel-time surface from ``origin`` (node id or place name), minutes on a grid."""
    cg = compile_graph(G)
    return _surface_from(cg, resolve_node(G, origin, mode), max_minutes, cell_m, mode)


def _surface_from(cg: CompiledGraph, node, max_minutes: float, cell_m: float,
                  mode: str) -> Surface:
    """Route from ``node`` up to ``max_minutes`` and spread the times over the grid."""
    t = times_from(cg, [cg.index[node]], max_minutes * 60.0, mode)[0] / 60.0
    return node_surface(cg, t, max_minutes, cell_m, _settings(cg.G))


def surface_margin_min(G: nx.MultiDiGraph, cell_m: float) -> float:
    """Minutes to walk/drive two cells at the access speed: how far past the last
    threshold a surface must be computed for that threshold's contour to be exact."""
    s = _settings(G)
    return 2.0 * cell_m * s.detour_factor / (s.local_speed_kph * 1000.0 / 60.0)


def _polygons(filled) -> list[Polygon]:
    points, offsets = filled
    polys = []
    for pts, offs in zip(points, offsets, strict=True):
        rings = [pts[offs[i]:offs[i + 1]] for i in range(len(offs) - 1)]
        rings = [r for r in rings if len(r) >= 4]
        if rings:
            polys.append(Polygon(rings[0], rings[1:]))
    return polys


def surface_bands(surface: Surface, minutes: Sequence[float]) -> gpd.GeoDataFrame:
    """Contour a surface into non-overlapping band polygons (metric CRS).

    Returns
    -------
    GeoDataFrame
        One row per band: ``band_min`` (upper bound), ``lower_min``, ``area_km2`` (the
        band itself), ``reach_area_km2`` (everything within ``band_min``), geometry.
    """
    levels = sorted(float(m) for m in minutes)
    z = np.where(np.isfinite(surface.minutes), surface.minutes, _UNREACHED)
    gen = contourpy.contour_generator(surface.x, surface.y, z, name="serial",
                                      fill_type=contourpy.FillType.OuterOffset)
    rows, geoms, lower = [], [], -1.0
    for level in levels:
        polys = [shapely.make_valid(p) for p in _polygons(gen.filled(lower, level))]
        geom = shapely.union_all(polys) if polys else MultiPolygon()
        geom = shapely.make_valid(geom)
        geoms.append(geom)
        rows.append({"band_min": level, "lower_min": max(lower, 0.0), "area_km2": geom.area / 1e6})
        lower = level
    gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs=surface.crs)
    gdf["reach_area_km2"] = gdf["area_km2"].cumsum()
    return gdf


def isochrones(G: nx.MultiDiGraph, origin, minutes: Sequence[float] = DEFAULT_BANDS_MIN,
               cell_m: float = 500, mode: str = "any", population: bool = True,
               units: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Isochrone bands from ``origin``.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A phase graph (:func:`network.graph_as_of`).
    origin : str
        Node id or place name, e.g. ``"suining"`` or ``"遂宁"``.
    minutes : sequence of float
        Band upper bounds, min.
    cell_m : float
        Grid cell size, m.
    mode : {'any', 'rail', 'road'}
    population : bool
        Add ``population`` (inside the band) and ``reach_population`` (within
        ``band_min``) from the 2020 census spread by
        :class:`network.population.SeatConcentration`, and per-unit ``share_<unit>``
        columns: the share of each unit's population within ``band_min``.
    units : GeoDataFrame, optional
        Population units (:func:`network.population.population_units`).

    Returns
    -------
    GeoDataFrame
        EPSG:4326; one row per band with ``origin``, ``band_min``, ``lower_min``,
        ``area_km2``, ``reach_area_km2`` and, with ``population``, ``population``,
        ``reach_population`` and ``share_<unit_id>`` columns.
    """
    cg = compile_graph(G)
    return bands_for(cg, resolve_node(G, origin, mode), minutes, cell_m, mode,
                     population=population, units=units)


def bands_for(cg: CompiledGraph, node, minutes: Sequence[float] = DEFAULT_BANDS_MIN,
              cell_m: float = 500, mode: str = "any", *, population: bool = True,
              units: gpd.GeoDataFrame | None = None, plan=None) -> gpd.GeoDataFrame:
    """Isochrone bands from node id ``node`` of a compiled graph (see :func:`isochrones`).

    This is the pure step batch workers run on a compiled graph they were sent once;
    ``plan`` gives the population units' seats (default: the curated plan).
    """
    # compute a little beyond the last threshold, so its contour is interpolated between
    # real times on both sides (not against "unreached")
    limit = max(minutes) + surface_margin_min(cg.G, cell_m)
    bands = surface_bands(_surface_from(cg, node, limit, cell_m, mode), minutes)
    bands.insert(0, "origin", node)
    if population:
        from .population import population_matrix, population_units

        units = units if units is not None else population_units(plan)
        mat = population_matrix(bands.geometry, units, plan=plan)
        bands["population"] = mat.sum(axis=0).to_numpy()
        bands["reach_population"] = bands["population"].cumsum()
        cum = mat.cumsum(axis=1)
        for uid in units.index:
            bands[f"share_{uid}"] = (cum.loc[uid] / units.at[uid, "population"]).to_numpy()
    return bands.to_crs("EPSG:4326")
