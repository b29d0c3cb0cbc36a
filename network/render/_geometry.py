"""Geometry for drawing: simplified in metres, rounded to about a metre, as GeoJSON."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import mapping

from ..vocab import WGS84
from .styles import DECIMALS


def round_geometry(geom, decimals: int = DECIMALS):
    """Snap to a 10^-decimals degree grid (keeps polygons valid) and round the floats."""
    if geom is None or geom.is_empty:
        return geom
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    try:
        geom = shapely.set_precision(geom, 10.0 ** -decimals)
    except shapely.errors.GEOSException:  # robustness failure: snap point by point instead
        geom = shapely.make_valid(shapely.set_precision(geom, 10.0 ** -decimals,
                                                        mode="pointwise"))
    return shapely.transform(geom, lambda c: np.round(c, decimals))


def simplify_gdf(gdf: gpd.GeoDataFrame, tolerance_m: float, metric_crs: str = "EPSG:32648",
                 decimals: int = DECIMALS) -> gpd.GeoDataFrame:
    """Simplify in a metric CRS and round the coordinates (for small HTML/PNG files).

    Parameters
    ----------
    gdf : GeoDataFrame
        Any CRS.
    tolerance_m : float
        Douglas–Peucker tolerance, m (topology preserved).
    metric_crs : str
        Projected CRS in metres.
    decimals : int
        Decimals of a degree kept (5 ≈ 1 m).

    Returns
    -------
    GeoDataFrame
        EPSG:4326, empty geometries dropped.
    """
    if gdf is None or len(gdf) == 0:
        return gdf
    out = gdf.to_crs(metric_crs)
    if tolerance_m > 0:
        out = out.set_geometry(out.geometry.simplify(tolerance_m, preserve_topology=True))
    out = out.to_crs(WGS84)
    out = out.set_geometry([round_geometry(g, decimals) for g in out.geometry], crs=WGS84)
    return out[~(out.geometry.isna() | out.geometry.is_empty)]


def feature(fid: str, geom, props: dict) -> dict:
    return {"type": "Feature", "id": fid, "properties": props, "geometry": mapping(geom)}


def feature_collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


__all__ = ["feature", "feature_collection", "round_geometry", "simplify_gdf"]
