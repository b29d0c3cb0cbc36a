"""Travel-time surfaces: node times spread over a regular grid as a cost distance.

A cell's time is the minimum, over the *street* nodes reached (places, stations,
interchange gates, trunk-road nodes, OSM street nodes), of the node's time plus the access
time from the node to the cell (distance × detour factor at the local speed). Rail
platforms and expressway carriageways are not street nodes, so a cell beside an
expressway far from an interchange is reached only through a real access point.

How it is computed, and why it is exact:

* **One lattice.** Cells lie on the fixed lattice of ``cell_m`` anchored at the metric
  CRS's origin, so the same place always falls in the same cell, whatever else is reached
  (surfaces of two scenarios compare cell by cell). Where each street node falls on it,
  and the straight-line access minutes to the 3×3 cell centres round it, are computed
  once per phase (or compiled graph), cell size and access speed, then reused by every
  surface: only the reached nodes' times change from one surface to the next.
* **A tight window.** A surface covers only the cells a reached node can still reach in
  the time left (``(max_minutes − t) × speed``, at most ``surface_pad_max_km``), plus one
  cell: every cell outside it is provably later than ``max_minutes``.
* **Seeds.** Each reached node gives the 3×3 cells round it its time plus the exact
  straight-line access time to their centres (the best seed per cell is kept).
* **Spread.** From the seeds, time spreads at the access speed along the moves of the
  16-neighbourhood (straight, diagonal and knight moves; a path over them is at most
  ~2.7 % longer than the straight line). The spread is a chamfer distance transform with
  weighted seeds, computed in raster sweeps (after Borgefors, 1986): on a rectangle,
  every shortest 16-neighbourhood path uses two adjacent move directions and can be
  reordered to follow the order of the sweeps (see ``_spread``). It therefore equals
  a Dijkstra search over the 16-connected grid graph (the test suite checks this against
  ``scipy.sparse.csgraph.dijkstra``), without building that graph, in memory for the
  cells alone.

Adding a line can only lower a surface: more nodes are reached, earlier, so the window
only grows and every seed only falls; the spread and the minimum are monotone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

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


# the 3×3 block of cells round a node: row offset, column offset (row-major)
_OFF = np.array([-1, 0, 1])
_DI, _DJ = np.repeat(_OFF, 3), np.tile(_OFF, 3)


@dataclass(frozen=True)
class _SeedTable:
    """The street nodes on a lattice of ``cell_m`` anchored at (``x0_m``, ``y0_m``).

    Attributes
    ----------
    xy : numpy.ndarray
        The compiled graph's coordinate array the table was made from (a reference, to
        check that a cached table belongs to the graph at hand).
    x_m, y_m : numpy.ndarray
        Metric coordinates of each street node (contiguous copies), m.
    col, row : numpy.ndarray
        Lattice column and row of the cell each street node is in.
    access_min : numpy.ndarray
        (9, n) straight-line access minutes from each node to the centres of the 3×3
        cells round it (offsets ``_DI``, ``_DJ``; the node's own cell is the middle row).
    """

    xy: np.ndarray | None
    x_m: np.ndarray
    y_m: np.ndarray
    col: np.ndarray
    row: np.ndarray
    access_min: np.ndarray


def _seed_table(xy_m: np.ndarray, x0_m: float, y0_m: float, cell_m: float,
                speed_m_per_min: float, source: np.ndarray | None = None) -> _SeedTable:
    x = np.ascontiguousarray(xy_m[:, 0], dtype=float)
    y = np.ascontiguousarray(xy_m[:, 1], dtype=float)
    col, row = np.floor((x - x0_m) / cell_m), np.floor((y - y0_m) / cell_m)
    # squared offsets (m²) from the node to the centres of the columns/rows -1, 0, +1 round it
    dx2 = [((col + 0.5 + d) * cell_m - (x - x0_m)) ** 2 for d in _OFF]
    dy2 = [((row + 0.5 + d) * cell_m - (y - y0_m)) ** 2 for d in _OFF]
    access = np.empty((9, len(x)))
    for k, (di, dj) in enumerate(zip(_DI, _DJ, strict=True)):
        np.sqrt(dy2[di + 1] + dx2[dj + 1], out=access[k])
    access /= speed_m_per_min
    return _SeedTable(xy=source, x_m=x, y_m=y, col=col.astype(np.int64),
                      row=row.astype(np.int64), access_min=access)


def _seeds_of(cg: CompiledGraph, cell_m: float, speed_m_per_min: float) -> _SeedTable:
    """The seed table of ``cg``'s street nodes on the global lattice, built once.

    Kept with the phase (shared by its masked variants, which have the same nodes) or,
    for a graph without a phase, with the compiled graph.
    """
    key = ("surface-seeds", float(cell_m), float(speed_m_per_min))

    def build() -> _SeedTable:
        return _seed_table(cg.xy[cg.street], 0.0, 0.0, cell_m, speed_m_per_min, source=cg.xy)

    phase = cg.phase
    if phase is not None and hasattr(phase, "memo"):
        table = phase.memo(key, build)
        if table.xy is cg.xy and len(table.col) == len(cg.street):
            return table
    table = cg.layers.get(key)
    if table is None:
        table = cg.layers[key] = build()
    return table


def _spread(a: np.ndarray, step_min: float) -> None:
    """Chamfer distance transform with weighted seeds, in place.

    ``a`` holds seed minutes (``inf`` elsewhere); afterwards each cell holds the minimum
    over seeds of seed + the length of the shortest 16-neighbourhood path, in minutes
    (``step_min`` per straight move). Four passes: a sweep down the rows with the moves
    that go down, a running minimum along every row to the right, a sweep up with the
    moves that go up, a running minimum to the left. A shortest path uses two adjacent
    move directions and can be reordered to follow that order (a path stays within the
    bounding box of its ends, so within the grid), hence the result is exact. Each row of
    a sweep is vectorised; a running minimum is ``minimum.accumulate`` over ``a − j·step``.
    """
    ny, nx = a.shape
    c1 = step_min
    c2, c5 = math.sqrt(2.0) * c1, math.sqrt(5.0) * c1
    ramp = np.arange(nx) * c1
    tmp = np.empty(nx)
    t_l1, t_r1, t_l2, t_r2 = tmp[:-1], tmp[1:], tmp[:-2], tmp[2:]
    for d, sweep in ((1, range(1, ny)), (-1, range(ny - 2, -1, -1))):
        for i in sweep:
            r, p = a[i], a[i - d]
            r_l1, r_r1, r_l2, r_r2 = r[1:], r[:-1], r[2:], r[:-2]
            np.add(p, c1, out=tmp)                      # straight
            np.minimum(r, tmp, out=r)
            np.add(p, c2, out=tmp)                      # diagonal
            np.minimum(r_l1, t_l1, out=r_l1)
            np.minimum(r_r1, t_r1, out=r_r1)
            np.add(p, c5, out=tmp)                      # knight, one row and two columns
            np.minimum(r_l2, t_l2, out=r_l2)
            np.minimum(r_r2, t_r2, out=r_r2)
            if 0 <= i - 2 * d < ny:                     # knight, two rows and one column
                np.add(a[i - 2 * d], c5, out=tmp)
                np.minimum(r_l1, t_l1, out=r_l1)
                np.minimum(r_r1, t_r1, out=r_r1)
        v = a if d > 0 else a[:, ::-1]                  # along the rows: right, then left
        v -= ramp
        np.minimum.accumulate(v, axis=1, out=v)
        v += ramp


def node_surface(cg: CompiledGraph, node_minutes: np.ndarray, max_minutes: float,
                 cell_m: float, settings: Settings, bounds=None) -> Surface:
    """Travel-time surface from node times (minutes, length ``cg.n``).

    Every street node reached within ``max_minutes`` seeds the 3×3 cells round it with
    its time plus the straight-line access time to each cell centre; from there the time
    spreads over the grid at the access speed (``local_speed_kph / detour_factor``)
    along 16-neighbourhood moves — a cost-distance surface. The result is the minimum over
    reached street nodes of node time + access time, with the access distance measured
    on the grid beyond the seeded cells (at most ~2.7 % longer than the straight line).
    Adding a line can only lower it. See the module docstring for how it is computed.

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
        Grid extent in the metric CRS (cells from ``xmin``, ``ymin``); defaults to the
        cells the reached street nodes can still reach at the access speed in the time
        left (at most ``surface_pad_max_km`` beyond each), on the lattice of ``cell_m``.
    """
    cell_m = float(cell_m)
    t_street = node_minutes[cg.street]
    rows = np.flatnonzero(t_street <= max_minutes)  # NaN and inf are not reached
    if not len(rows):
        raise ValueError("no street node is reached within the time limit")
    t_seed = t_street[rows]
    speed_m_per_min = settings.local_speed_kph * 1000.0 / 60.0 / settings.detour_factor
    if bounds is None:
        table = _seeds_of(cg, cell_m, speed_m_per_min)
        x0_m = y0_m = 0.0
        x, y = table.x_m[rows], table.y_m[rows]
        reach_m = np.minimum(settings.surface_pad_max_km * 1000.0,
                             (max_minutes - t_seed) * speed_m_per_min)
        # one spare cell beyond the farthest reach on every side: the window's outer ring
        # is always later than max_minutes, so every contour closes inside it
        c0 = int(np.floor((x - reach_m).min() / cell_m)) - 1
        r0 = int(np.floor((y - reach_m).min() / cell_m)) - 1
        nx = int(np.floor((x + reach_m).max() / cell_m)) + 2 - c0
        ny = int(np.floor((y + reach_m).max() / cell_m)) + 2 - r0
    else:
        x0_m, y0_m, x1_m, y1_m = map(float, bounds)
        table = _seed_table(cg.xy[cg.street[rows]], x0_m, y0_m, cell_m, speed_m_per_min)
        rows = np.arange(len(rows))
        c0 = r0 = 0
        nx = max(1, math.ceil((x1_m - x0_m) / cell_m))
        ny = max(1, math.ceil((y1_m - y0_m) / cell_m))
    col, row = table.col[rows] - c0, table.row[rows] - r0
    cell = row * nx + col
    best = np.full(ny * nx, np.inf)
    # keep the best seed per cell, one offset of the 3×3 block at a time (arrays that fit
    # in the processor's cache: three times faster than all nine at once)
    for k, (di, dj) in enumerate(zip(_DI, _DJ, strict=True)):
        seed_min = table.access_min[k][rows] + t_seed
        if bounds is None:  # the window holds every seeded cell
            np.minimum.at(best, cell + (di * nx + dj), seed_min)
        else:  # seeds outside the given extent are dropped
            keep = (row + di >= 0) & (row + di < ny) & (col + dj >= 0) & (col + dj < nx)
            np.minimum.at(best, cell[keep] + (di * nx + dj), seed_min[keep])
    grid = best.reshape(ny, nx)
    if nx >= ny:
        _spread(grid, cell_m / speed_m_per_min)
    else:  # sweep along the longer side: fewer, longer rows (the moves are symmetric)
        grid = np.ascontiguousarray(grid.T)
        _spread(grid, cell_m / speed_m_per_min)
        grid = np.ascontiguousarray(grid.T)
    grid[grid > max_minutes] = np.inf
    xs = x0_m + (c0 + np.arange(nx) + 0.5) * cell_m
    ys = y0_m + (r0 + np.arange(ny) + 0.5) * cell_m
    return Surface(x=xs, y=ys, minutes=grid, crs=settings.metric_crs, cell_m=cell_m)


def surface_margin_min(settings: Settings, cell_m: float) -> float:
    """Minutes to cover two cells at the access speed: how far past the last band limit a
    surface must be computed for that limit's contour to be exact."""
    return 2.0 * cell_m * settings.detour_factor / (settings.local_speed_kph * 1000.0 / 60.0)


__all__ = ["Surface", "node_surface", "surface_margin_min"]
