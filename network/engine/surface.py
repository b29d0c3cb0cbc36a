"""Travel-time surfaces: node times spread over a regular grid as a cost distance.

A cell's time is the minimum, over the *street* nodes reached (places, stations,
interchange gates, trunk-road nodes, OSM street nodes), of the node's time plus the access
time from the node to the cell (distance × detour factor at the local speed). Rail
platforms and expressway carriageways are not street nodes, so a cell beside an
expressway far from an interchange is reached only through a real access point.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from ..model.settings import Settings
from .routing import CompiledGraph


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
        distance one can still cover at the access speed (at most ``surface_pad_max_km``).
    """
    t_street = node_minutes[cg.street]
    reached = np.isfinite(t_street) & (t_street <= max_minutes)
    if not reached.any():
        raise ValueError("no street node is reached within the time limit")
    speed_m_per_min = settings.local_speed_kph * 1000.0 / 60.0 / settings.detour_factor
    reach_m = min(settings.surface_pad_max_km * 1000.0, max_minutes * speed_m_per_min)
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


def surface_margin_min(settings: Settings, cell_m: float) -> float:
    """Minutes to cover two cells at the access speed: how far past the last band limit a
    surface must be computed for that limit's contour to be exact."""
    return 2.0 * cell_m * settings.detour_factor / (settings.local_speed_kph * 1000.0 / 60.0)


__all__ = ["Surface", "node_surface", "surface_margin_min"]
