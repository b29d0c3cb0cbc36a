"""Isochrone bands: filled contours of a travel-time surface, with the population inside.

Bands are filled contours (contourpy) of the surface of ``network.engine.surface``
between consecutive band limits (``bands_min``), so they never overlap; each is one
(Multi)Polygon row.
"""

from __future__ import annotations

from collections.abc import Sequence

import contourpy
import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from ..errors import InputError
from ..model.scenario import band_problem, cell_problem
from ..vocab import WGS84
from .names import resolve_node
from .routing import CompiledGraph, compiled, times_from
from .surface import Surface, node_surface, surface_margin_min

DEFAULT_BANDS_MIN = (15, 30, 45, 60, 90)
_UNREACHED = 1e9


def travel_time_surface(graph, origin, max_minutes: float = 90, cell_m: float = 500,
                        mode: str = "any") -> Surface:
    """Travel-time surface from ``origin`` (node id or place name), minutes on a grid.

    Parameters
    ----------
    graph : Phase, CompiledGraph or networkx.MultiDiGraph
    origin : str
    max_minutes : float
        Compute up to this many minutes.
    cell_m : float
        Grid cell, m.
    mode : {'any', 'rail', 'road', 'transit'}
    """
    cg = compiled(graph)
    _check(max_minutes, cell_m)
    return surface_from(cg, resolve_node(cg.G, origin, mode), max_minutes, cell_m, mode)


def _check(bands_min, cell_m: float) -> None:
    problem = band_problem(bands_min if isinstance(bands_min, Sequence) else [bands_min])
    if problem:
        raise InputError(f"bands_min: {problem}")
    problem = cell_problem(cell_m)
    if problem:
        raise InputError(f"cell_m: {problem}")


def surface_from(cg: CompiledGraph, node, max_minutes: float, cell_m: float,
                 mode: str = "any") -> Surface:
    """Route from node id ``node`` up to ``max_minutes`` and spread the times over the grid."""
    if mode == "transit":  # the last leg is a walk, not a drive (network.engine.walk)
        from .walk import transit_surface

        return transit_surface(cg, [cg.index[node]], max_minutes, cell_m)
    t = times_from(cg, [cg.index[node]], max_minutes * 60.0, mode)[0] / 60.0
    return node_surface(cg, t, max_minutes, cell_m, cg.settings)


def _band_geometry(filled) -> MultiPolygon:
    """One band's filled contours (contourpy ``OuterOffset``) as a valid MultiPolygon.

    The polygons of one filled contour are disjoint (contourpy's promise), so they make a
    MultiPolygon as they are; ``make_valid`` is only a safety net for degenerate rings.
    """
    points, offsets = filled
    polys = []
    for pts, offs in zip(points, offsets, strict=True):
        rings = [pts[offs[i]:offs[i + 1]] for i in range(len(offs) - 1)]
        rings = [r for r in rings if len(r) >= 4]
        if rings:
            polys.append(Polygon(rings[0], rings[1:]))
    geom = MultiPolygon(polys) if polys else MultiPolygon()
    if not shapely.is_valid(geom):
        geom = shapely.make_valid(geom)
    return geom


def surface_bands(surface: Surface, bands_min: Sequence[float]) -> gpd.GeoDataFrame:
    """Contour a surface into non-overlapping band polygons (metric CRS).

    Returns
    -------
    GeoDataFrame
        One row per band: ``band_min`` (upper bound), ``lower_min``, ``area_km2`` (the
        band itself), ``reach_area_km2`` (everything within ``band_min``), geometry (a
        MultiPolygon, empty when nothing is in the band).
    """
    levels = sorted(float(m) for m in bands_min)
    z = np.where(np.isfinite(surface.minutes), surface.minutes, _UNREACHED)
    gen = contourpy.contour_generator(surface.x, surface.y, z, name="serial",
                                      fill_type=contourpy.FillType.OuterOffset)
    lowers = [-1.0, *levels[:-1]]
    geoms = [_band_geometry(gen.filled(lo, hi)) for lo, hi in zip(lowers, levels, strict=True)]
    area_km2 = shapely.area(np.array(geoms, dtype=object)) / 1e6
    return gpd.GeoDataFrame({"band_min": levels, "lower_min": [max(lo, 0.0) for lo in lowers],
                             "area_km2": area_km2, "reach_area_km2": np.cumsum(area_km2)},
                            geometry=geoms, crs=surface.crs)


def isochrones(graph, origin, bands_min: Sequence[float] = DEFAULT_BANDS_MIN,
               cell_m: float = 500, mode: str = "any", population: bool = True,
               units: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Isochrone bands from ``origin``.

    Parameters
    ----------
    graph : Phase, CompiledGraph or networkx.MultiDiGraph
        A phase (``network.Phase.of``), or its graph.
    origin : str
        Node id or place name, e.g. ``"suining"`` or ``"遂宁"``.
    bands_min : sequence of float
        Band limits: the upper bound of each band, minutes (positive, distinct).
    cell_m : float
        Grid cell size, m (50–5000).
    mode : {'any', 'rail', 'road', 'transit'}
    population : bool
        Add ``residents_2020census`` (inside the band) and ``reach_residents_2020census``
        (within ``band_min``), whole persons of the 2020 census (in every phase year) spread by
        ``network.engine.population.SeatConcentration``, and per-unit
        ``share_<unit>`` columns: the share of each unit's population within ``band_min``.
    units : GeoDataFrame, optional
        Population units (default: the phase's, or the curated plan's).

    Returns
    -------
    GeoDataFrame
        EPSG:4326; one row per band with ``origin``, ``band_min``, ``lower_min``,
        ``area_km2``, ``reach_area_km2`` and, with ``population``, ``residents_2020census``,
        ``reach_residents_2020census`` and ``share_<unit_id>`` columns.
    """
    cg = compiled(graph)
    _check(bands_min, cell_m)
    return bands_for(cg, resolve_node(cg.G, origin, mode), bands_min, cell_m, mode,
                     population=population, units=units)


def bands_for(cg: CompiledGraph, node, bands_min: Sequence[float] = DEFAULT_BANDS_MIN,
              cell_m: float = 500, mode: str = "any", *, population: bool = True,
              units: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Isochrone bands from node id ``node`` of a compiled graph (see ``isochrones``)."""
    # compute a little beyond the last limit, so its contour is interpolated between real
    # times on both sides (not against "unreached")
    settings = cg.settings
    limit = max(bands_min) + surface_margin_min(settings, cell_m)
    if mode == "transit":
        from .walk import walk_margin_min

        limit = max(bands_min) + walk_margin_min(settings, cell_m)
    bands = surface_bands(surface_from(cg, node, limit, cell_m, mode), bands_min)
    bands.insert(0, "origin", node)
    if population:
        from .population import population_matrix, units_of

        units = units if units is not None else units_of(cg)
        mat = population_matrix(bands.geometry, units, settings=settings)
        # head counts: whole persons (the spread is an estimate; its decimals mean nothing)
        inside = mat.sum(axis=0).to_numpy()
        bands["residents_2020census"] = np.round(inside).astype(np.int64)
        bands["reach_residents_2020census"] = np.round(np.cumsum(inside)).astype(np.int64)
        cum = mat.cumsum(axis=1)
        for uid in units.index:
            bands[f"share_{uid}"] = (cum.loc[uid] / units.at[uid, "population"]).to_numpy()
    return bands.to_crs(WGS84)


__all__ = ["DEFAULT_BANDS_MIN", "bands_for", "isochrones", "surface_bands", "surface_from",
           "travel_time_surface"]
