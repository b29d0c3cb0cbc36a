"""The travel-time surface is exact as documented, checked against independent methods.

* The spread (two-sweep chamfer transform) equals scipy's Dijkstra on the explicit
  16-connected grid graph with a super-source, for random seeds on random grids.
* Every cell lies between the straight-line bound (min over reached street nodes of
  node time + distance / access speed) and that bound stretched by the 16-neighbourhood's
  worst detour (2.75 %) plus the seeding offset, brute-forced over all nodes and cells.
* The tight window loses nothing: a surface on a larger extent on the same lattice has
  the same times inside the window and nothing reached outside it.
* Adding a line can only lower the surface (here: leaving a line out never lowers it).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from network.engine.routing import compile_graph, times_from
from network.engine.surface import _spread, node_surface

# the 16-neighbourhood: straight, diagonal and knight moves
MOVES = [(di, dj) for di in range(-2, 3) for dj in range(-2, 3)
         if (di, dj) != (0, 0) and math.gcd(abs(di), abs(dj)) == 1 and abs(di) + abs(dj) <= 3]
WORST_DETOUR = 1.0275  # 1 / cos(13.28°): between the straight and the knight move


def grid_dijkstra(seeds: np.ndarray, step: float) -> np.ndarray:
    """Reference: Dijkstra over the 16-connected grid graph plus a super-source."""
    ny, nx = seeds.shape
    n = ny * nx
    rows, cols, w = [], [], []
    for i in range(ny):
        for j in range(nx):
            for di, dj in MOVES:
                if 0 <= i + di < ny and 0 <= j + dj < nx:
                    rows.append(i * nx + j)
                    cols.append((i + di) * nx + j + dj)
                    w.append(math.hypot(di, dj) * step)
    seeded = np.flatnonzero(np.isfinite(seeds.ravel()))
    rows += [n] * len(seeded)
    cols += seeded.tolist()
    w += seeds.ravel()[seeded].tolist()
    g = csr_array((w, (rows, cols)), shape=(n + 1, n + 1))
    return dijkstra(g, directed=True, indices=n)[:-1].reshape(ny, nx)


def test_moves_are_the_16_neighbourhood():
    assert len(MOVES) == 16 and {(1, 2), (2, 1), (1, 1), (0, 1)} <= set(MOVES)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 14), st.integers(1, 14), st.integers(0, 2**32 - 1),
       st.floats(0.1, 5.0))
def test_spread_equals_dijkstra_on_the_grid_graph(ny, nx, seed, step):
    rng = np.random.default_rng(seed)
    seeds = np.full((ny, nx), np.inf)
    k = rng.integers(1, max(2, ny * nx // 4) + 1)
    seeds.ravel()[rng.choice(ny * nx, size=min(k, ny * nx), replace=False)] = rng.uniform(
        0, 30, min(k, ny * nx))
    got = seeds.copy()
    _spread(got, step)
    np.testing.assert_allclose(got, grid_dijkstra(seeds, step), rtol=1e-12, atol=1e-9)


@pytest.fixture(scope="module")
def plan_2025(graphs):
    return compile_graph(graphs[2025])


def _surface(cg, origin, max_minutes, cell_m, bounds=None):
    t = times_from(cg, [cg.index[origin]], max_minutes * 60.0)[0] / 60.0
    return t, node_surface(cg, t, max_minutes, cell_m, cg.settings, bounds=bounds)


@pytest.mark.parametrize("origin, max_minutes, cell_m", [("suining", 45, 1000),
                                                          ("tongnan", 30, 500)])
def test_surface_between_straight_line_and_grid_bounds(plan_2025, origin, max_minutes, cell_m):
    cg = plan_2025
    t, surf = _surface(cg, origin, max_minutes, cell_m)
    s = cg.settings
    speed_m_per_min = s.local_speed_kph * 1000 / 60 / s.detour_factor
    street = cg.street[t[cg.street] <= max_minutes]
    px, py, pt = cg.xy[street, 0], cg.xy[street, 1], t[street]
    X, Y = np.meshgrid(surf.x, surf.y)
    lower = np.full(X.shape, np.inf)
    upper = np.full(X.shape, np.inf)
    slack_m = (1 + WORST_DETOUR) * cell_m * math.sqrt(2) / 2  # node → its cell's centre
    for x, y, tn in zip(px, py, pt, strict=True):
        d = np.hypot(X - x, Y - y)
        lower = np.minimum(lower, tn + d / speed_m_per_min)
        upper = np.minimum(upper, tn + (WORST_DETOUR * d + slack_m) / speed_m_per_min)
    got = surf.minutes
    assert np.isfinite(got).sum() > 100
    reached = np.isfinite(got)
    assert np.all(got[reached] >= lower[reached] - 1e-9)
    assert np.all(got[reached] <= upper[reached] + 1e-9)
    # nothing surely within the limit is missed (the window is big enough)
    assert reached[upper <= max_minutes - 1e-6].all()
    # the window's outer ring is never reached: every contour closes inside the grid
    ring = np.concatenate([got[0], got[-1], got[:, 0], got[:, -1]])
    assert np.isinf(ring).all()


def test_tight_window_loses_nothing(plan_2025):
    cg = plan_2025
    cell_m = 1000.0
    _, tight = _surface(cg, "suining", 60, cell_m)
    pad = 20 * cell_m
    lo_x, lo_y = tight.x[0] - cell_m / 2 - pad, tight.y[0] - cell_m / 2 - pad
    bounds = (lo_x, lo_y, tight.x[-1] + cell_m / 2 + pad, tight.y[-1] + cell_m / 2 + pad)
    _, wide = _surface(cg, "suining", 60, cell_m, bounds=bounds)
    assert wide.minutes.shape == (tight.minutes.shape[0] + 40, tight.minutes.shape[1] + 40)
    np.testing.assert_allclose(wide.x[20:-20], tight.x)
    inner = wide.minutes[20:-20, 20:-20]
    assert (np.isfinite(inner) == np.isfinite(tight.minutes)).all()
    fin = np.isfinite(inner)
    np.testing.assert_allclose(inner[fin], tight.minutes[fin], rtol=1e-12, atol=1e-9)
    outside = wide.minutes.copy()
    outside[20:-20, 20:-20] = np.inf
    assert np.isinf(outside).all()


def _on_lattice(surf) -> dict[tuple[int, int], float]:
    cols = np.rint((surf.x - surf.cell_m / 2) / surf.cell_m).astype(int)
    rows = np.rint((surf.y - surf.cell_m / 2) / surf.cell_m).astype(int)
    i, j = np.nonzero(np.isfinite(surf.minutes))
    return {(rows[a], cols[b]): surf.minutes[a, b] for a, b in zip(i, j, strict=True)}


@pytest.mark.parametrize("line", ["e_ring", "t_fast_pengxi", "t_g246"])
def test_leaving_a_line_out_never_lowers_the_surface(plan_2025, line):
    cg = plan_2025
    assert cg.line_code(line) is not None, f"{line} is not in the 2025 graph"
    _, full = _surface(cg, "suining", 60, 1000)
    _, without = _surface(cg.without_lines([line]), "suining", 60, 1000)
    a, b = _on_lattice(full), _on_lattice(without)
    assert set(b) <= set(a)  # every cell reached without the line is reached with it
    assert all(a[k] <= b[k] + 1e-9 for k in b)
    assert sum(a[k] < b[k] - 1e-6 for k in b) + len(set(a) - set(b)) > 0  # and it mattered


def test_one_seed_table_per_phase_and_cell():
    """The lattice work is done once per phase and cell: every origin, and every variant
    with lines masked (as ``rank`` makes them), reuses it."""
    from network import Phase, isochrones
    from network.engine.surface import _seeds_of

    phase = Phase.of(2025)
    cg = phase.compiled
    s = cg.settings
    speed_m_per_min = s.local_speed_kph * 1000 / 60 / s.detour_factor
    isochrones(phase, "suining", bands_min=(30,), cell_m=500, population=False)
    table = _seeds_of(cg, 500.0, speed_m_per_min)
    isochrones(phase, "tongnan", bands_min=(30,), cell_m=500, population=False)
    isochrones(cg.without_lines(["e_ring"]), "suining", bands_min=(30,), cell_m=500,
               population=False)
    assert _seeds_of(cg.without_lines(["t_g318"]), 500.0, speed_m_per_min) is table
    assert _seeds_of(cg, 500.0, speed_m_per_min) is table
    assert _seeds_of(cg, 1000.0, speed_m_per_min) is not table  # another lattice
