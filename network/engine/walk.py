"""Walking surfaces: the last leg of a public-transport trip, spread over the grid.

Without a car, a place is reached by walking from where a ride ends (a bus stop, a station
door, a metro exit) or from the origin itself. ``transit_surface`` routes the
``transit`` layer from the origins, takes as *seeds* the nodes where a walk can begin — the
origins and every street node or alighting gate reached by a ride or a station exit, not
by another walk (so no two walks chain) — and gives each cell the best seed time plus the
straight-line walk × ``detour_factor`` at ``walk_speed_kph``, for cells within
``walk_max_km`` of the seed (the same per-leg limit the graph's walking edges obey). The
metro's walking links from a station to a city centre count as walks too.

The grid is the one ``network.engine.surface.node_surface`` uses (extent snapped to a
lattice of ``cell_m``), so transit and car surfaces of a phase are cell for cell comparable.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse.csgraph import dijkstra

from ..model.settings import Settings
from ..vocab import TERMS
from .routing import CompiledGraph
from .surface import Surface

#: Node kinds where a walk begins after a ride (alighting gates of bus stops and stations).
OUT_GATES = ("stop_out", "station_out")
#: Cells and seeds handled at once (memory bound of the window arithmetic).
_CHUNK = 2_000_000


def walk_speed_m_per_min(settings: Settings) -> float:
    """Straight-line walking speed, m/min (walking speed over the detour factor)."""
    return settings.walk_speed_kph * 1000.0 / 60.0 / settings.detour_factor


def walk_margin_min(settings: Settings, cell_m: float) -> float:
    """Minutes to walk two cells: how far past the last band limit a transit surface must
    be computed for that limit's contour to be exact."""
    return 2.0 * cell_m / walk_speed_m_per_min(settings)


def walk_seeds(cg: CompiledGraph, origins: Sequence[int], limit_s: float
               ) -> tuple[np.ndarray, np.ndarray]:
    """(node indices, minutes) where a walk can begin, within ``limit_s`` of the origins."""
    lay = cg.layer("transit")
    dist, pred, _ = dijkstra(lay.csr, directed=True, indices=list(origins), limit=limit_s,
                          return_predecessors=True, min_only=True)
    ok = np.zeros(cg.n, bool)
    ok[cg.street] = True
    ok |= np.isin(cg.kind, OUT_GATES)
    ok &= np.isfinite(dist)
    walk, metro = cg.mode_codes.get("walk", -1), cg.mode_codes.get("metro", -1)
    egress = TERMS.index("egress")
    modes, terms = cg.edges["mode"], cg.edges["term"]
    for i in np.flatnonzero(ok & (pred >= 0)):
        e = lay.eid[lay.edge(int(pred[i]), int(i))]
        if modes[e] == walk or (modes[e] == metro and terms[e] == egress):
            ok[i] = False  # reached on foot: another walk from here would chain two legs
    ok[list(origins)] = True
    idx = np.flatnonzero(ok)
    return idx, dist[idx] / 60.0


def transit_surface(cg: CompiledGraph, origins: Sequence[int], max_minutes: float,
                    cell_m: float, settings: Settings | None = None) -> Surface:
    """Travel-time surface without a car from node indices ``origins`` (the fastest counts).

    Parameters
    ----------
    cg : CompiledGraph
    origins : sequence of int
        Node indices.
    max_minutes : float
        Compute up to this many minutes; cells beyond are ``inf``.
    cell_m : float
        Grid cell, m.
    settings : Settings, optional
        Default: the graph's.
    """
    s = settings or cg.settings
    idx, t = walk_seeds(cg, origins, max_minutes * 60.0)
    keep = t <= max_minutes
    idx, t = idx[keep], t[keep]
    xy = cg.xy[idx]
    speed = walk_speed_m_per_min(s)
    radius = min(s.walk_max_km * 1000.0, max_minutes * speed)
    lo = np.floor((xy.min(axis=0) - radius) / cell_m) * cell_m
    hi = np.ceil((xy.max(axis=0) + radius) / cell_m) * cell_m
    xs = np.arange(lo[0] + cell_m / 2, hi[0], cell_m)
    ys = np.arange(lo[1] + cell_m / 2, hi[1], cell_m)
    best = np.full(len(ys) * len(xs), np.inf)
    k = int(np.ceil(radius / cell_m)) + 1
    di, dj = np.meshgrid(np.arange(-k, k + 1), np.arange(-k, k + 1), indexing="ij")
    di, dj = di.ravel(), dj.ravel()
    i0 = np.floor((xy[:, 1] - lo[1]) / cell_m).astype(np.int64)
    j0 = np.floor((xy[:, 0] - lo[0]) / cell_m).astype(np.int64)
    step = max(1, _CHUNK // len(di))
    for a in range(0, len(idx), step):
        b = slice(a, a + step)
        i = (i0[b, None] + di).ravel()
        j = (j0[b, None] + dj).ravel()
        inside = (i >= 0) & (i < len(ys)) & (j >= 0) & (j < len(xs))
        px = np.repeat(xy[b, 0], len(di))[inside]
        py = np.repeat(xy[b, 1], len(di))[inside]
        i, j = i[inside], j[inside]
        d = np.hypot(xs[j] - px, ys[i] - py)
        near = d <= radius
        cell_t = np.repeat(t[b], len(di))[inside][near] + d[near] / speed
        np.minimum.at(best, (i[near] * len(xs) + j[near]), cell_t)
    best[best > max_minutes] = np.inf
    return Surface(x=xs, y=ys, minutes=best.reshape(len(ys), len(xs)), crs=s.metric_crs,
                   cell_m=float(cell_m))


__all__ = ["OUT_GATES", "transit_surface", "walk_margin_min", "walk_seeds",
           "walk_speed_m_per_min"]
