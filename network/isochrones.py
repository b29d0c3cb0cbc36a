"""Travel-time surfaces and isochrone bands.

The surface is a regular grid in the metric CRS. A cell's time is the minimum, over the
``Settings.access_k`` nearest *street* nodes reached (places, stations, interchange
gates, trunk-road nodes), of the node's time plus the access time from the node to the
cell (straight-line distance × detour factor at the local speed). Rail platforms and
expressway carriageways are not street nodes, so a cell beside an expressway far from
an interchange, or beside a railway between stations, is reached only through a real
access point.

Bands are filled contours of the surface (contourpy) between consecutive thresholds, so
they never overlap; each is one (Multi)Polygon row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import contourpy
import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from pyproj import Transformer
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


def node_surface(cg: CompiledGraph, node_minutes: np.ndarray, max_minutes: float,
                 cell_m: float, settings: Settings, bounds=None) -> Surface:
    """Travel-time surface from node times (minutes, length ``cg.n``).

    Parameters
    ----------
    bounds : (xmin, ymin, xmax, ymax), optional
        Grid extent in the metric CRS; defaults to the reached street nodes plus the
        distance one can still cover at the local speed.
    """
    t_street = node_minutes[cg.street]
    reached = np.isfinite(t_street) & (t_street <= max_minutes)
    if not reached.any():
        raise ValueError("no street node is reached within the time limit")
    speed_m_per_min = settings.local_speed_kph * 1000.0 / 60.0 / settings.detour_factor
    reach_m = min(settings.access_max_km * 1000.0, max_minutes * speed_m_per_min)
    if bounds is None:
        xy = cg.xy[cg.street[reached]]
        lo, hi = xy.min(axis=0) - reach_m, xy.max(axis=0) + reach_m
    else:
        lo, hi = np.array(bounds[:2], float), np.array(bounds[2:], float)
    xs = np.arange(lo[0] + cell_m / 2, hi[0], cell_m)
    ys = np.arange(lo[1] + cell_m / 2, hi[1], cell_m)
    gx, gy = np.meshgrid(xs, ys)
    cells = np.column_stack([gx.ravel(), gy.ravel()])
    k = min(settings.access_k, cg.street.size)
    # the k nearest street nodes of each cell (tree built once per compiled graph)
    dist, nn = cg.street_tree().query(cells, k=k, distance_upper_bound=reach_m)
    dist, nn = dist.reshape(len(cells), k), nn.reshape(len(cells), k)
    valid = nn < cg.street.size
    t_node = np.where(valid, t_street[np.minimum(nn, cg.street.size - 1)], np.inf)
    t = (t_node + np.where(valid, dist, np.inf) / speed_m_per_min).min(axis=1)
    t[t > max_minutes] = np.inf
    return Surface(x=xs, y=ys, minutes=t.reshape(gy.shape), crs=settings.metric_crs,
                   cell_m=float(cell_m))


def travel_time_surface(G: nx.MultiDiGraph, origin, max_minutes: float = 90,
                        cell_m: float = 500, mode: str = "any") -> Surface:
    """Travel-time surface from ``origin`` (node id or place name), minutes on a grid."""
    cg = compile_graph(G)
    o = cg.index[resolve_node(G, origin, mode)]
    t = times_from(cg, [o], max_minutes * 60.0, mode)[0] / 60.0
    return node_surface(cg, t, max_minutes, cell_m, _settings(G))


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
    node = resolve_node(G, origin, mode)
    surface = travel_time_surface(G, node, max(minutes), cell_m, mode)
    bands = surface_bands(surface, minutes)
    bands.insert(0, "origin", node)
    if population:
        from .population import population_matrix, population_units

        units = units if units is not None else population_units()
        mat = population_matrix(bands.geometry, units)
        bands["population"] = mat.sum(axis=0).to_numpy()
        bands["reach_population"] = bands["population"].cumsum()
        cum = mat.cumsum(axis=1)
        for uid in units.index:
            bands[f"share_{uid}"] = (cum.loc[uid] / units.at[uid, "population"]).to_numpy()
    return bands.to_crs("EPSG:4326")


def to_wgs84(x, y, crs: str):
    """Metric coordinates back to lon/lat."""
    return Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)
