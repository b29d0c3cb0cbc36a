"""``import network`` and ``python -m network --help`` stay cheap: no heavy library loads.

Each check runs in a fresh interpreter (a subprocess), since this test process has long
imported everything. Speed itself is measured in ``benchmarks/bench_import.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("folium", "matplotlib", "dask", "distributed", "osmnx", "geopandas")


def _loaded_after(code: str) -> set[str]:
    """Top-level packages of ``HEAVY`` in ``sys.modules`` after running ``code``."""
    probe = (f"{code}\nimport json, sys\n"
             f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r})))")
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return set(json.loads(res.stdout.strip().splitlines()[-1]))


def test_the_probe_sees_a_heavy_import():
    """The check itself works: a module that loads geopandas is caught."""
    assert "geopandas" in _loaded_after("import network.engine.isochrones")


def test_import_network_loads_no_heavy_library():
    assert _loaded_after("import network") == set()


def test_dir_and_all_load_no_heavy_library():
    assert _loaded_after("import network\ndir(network)\nnetwork.__all__\nnetwork.__version__") == set()


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["isochrones", "--help"]])
def test_help_loads_no_heavy_library(args):
    code = ("import sys\nfrom network.cli import main\n"
            f"try:\n    main({args!r})\nexcept SystemExit as e:\n    assert e.code == 0, e.code")
    assert _loaded_after(code) == set()


def test_python_m_network_help_exits_0_and_lists_commands():
    res = subprocess.run([sys.executable, "-m", "network", "--help"], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    for command in ("run", "isochrones", "rank", "compare", "validate"):
        assert command in res.stdout
