"""The analyst notebooks are stored clean and use only the public API of ``network``.

Clean: no outputs, ``execution_count`` null, no widget state, kernel ``python3``. Public:
code cells import ``network`` and its public modules only, and never reach a name that
starts with an underscore (``network._leaflet``, ``from network.render.maps import _geojson``,
``sn._CACHE``). Running the notebooks is a separate job: ``pytest --nbmake notebooks/``.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = {"01_network_tour.ipynb", "02_isochrones_and_goals.ipynb", "03_scenarios.ipynb"}
PACKAGE = "network"
#: Per-cell metadata that only an executed or widget-using notebook carries.
RUNTIME_CELL_METADATA = ("execution", "widgets", "ExecuteTime")


def _private(name: str) -> bool:
    """A single-underscore name (dunders such as ``__version__`` are public)."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _strip_magics(source: str) -> str:
    """Blank out IPython magics and shell escapes so the cell parses as Python."""
    return "\n".join("" if re.match(r"\s*[%!]", line) else line for line in source.splitlines())


def _package_path(module: str | None) -> list[str] | None:
    """Components of a dotted module name inside ``network``, else ``None``."""
    parts = (module or "").split(".")
    return parts if parts[0] == PACKAGE else None


def private_uses(source: str) -> list[str]:
    """Private ``network`` names a code cell imports or reaches through an attribute.

    A star import counts too: it hides which names a notebook relies on.
    """
    try:
        tree = ast.parse(_strip_magics(source))
    except SyntaxError as exc:
        return [f"cell does not parse: {exc.msg} (line {exc.lineno})"]
    found: list[str] = []
    aliases: set[str] = set()  # local names bound to network or one of its modules
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                parts = _package_path(a.name)
                if parts is None:
                    continue
                if any(_private(p) for p in parts):
                    found.append(f"import {a.name}")
                aliases.add(a.asname or parts[0])
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            parts = _package_path(node.module)
            if parts is None:
                continue
            if any(_private(p) for p in parts):
                found.append(f"from {node.module} import ...")
            for a in node.names:
                if a.name == "*" or _private(a.name):
                    found.append(f"from {node.module} import {a.name}")
                else:
                    aliases.add(a.asname or a.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in aliases:
                found.append(f"{ast.unparse(node)}")
    return found


def notebook_problems(path: Path) -> list[str]:
    """Everything that makes a stored notebook unclean or non-public (empty list: clean)."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    problems: list[str] = []
    if nb.get("nbformat") != 4:
        problems.append(f"nbformat {nb.get('nbformat')!r}, expected 4")
    meta = nb.get("metadata", {})
    if "widgets" in meta:
        problems.append("notebook metadata holds widget state")
    kernel = meta.get("kernelspec", {}).get("name")
    if kernel != "python3":
        problems.append(f"kernel {kernel!r}, expected 'python3'")
    cells = nb.get("cells", [])
    if not cells:
        problems.append("no cells")
    imports_package = False
    for i, cell in enumerate(cells):
        where = f"cell {i}"
        for key in RUNTIME_CELL_METADATA:
            if key in cell.get("metadata", {}):
                problems.append(f"{where}: metadata {key!r} (strip it)")
        if cell.get("cell_type") != "code":
            if cell.get("outputs"):
                problems.append(f"{where}: a {cell.get('cell_type')} cell with outputs")
            continue
        if cell.get("outputs"):
            problems.append(f"{where}: {len(cell['outputs'])} output(s)")
        if cell.get("execution_count") is not None:
            problems.append(f"{where}: execution_count {cell['execution_count']!r}")
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        problems += [f"{where}: non-public use of {PACKAGE}: {use}" for use in private_uses(source)]
        imports_package |= bool(re.search(rf"^\s*(import|from)\s+{PACKAGE}\b", source, re.M))
    if cells and not imports_package:
        problems.append(f"no cell imports {PACKAGE}")
    if cells and not (cells[0].get("cell_type") == "markdown"
                      and cells[-1].get("cell_type") == "markdown"):
        problems.append("must open and close with a markdown cell")
    return problems


# --------------------------------------------------------------------------- the notebooks


def test_the_notebooks_exist():
    assert {p.name for p in NOTEBOOKS} >= EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_clean_and_public(path):
    assert notebook_problems(path) == []


# --------------------------------------------------------------------------- the checker


def _write(tmp_path: Path, cells: list[dict], **meta) -> Path:
    nb = {"nbformat": 4, "nbformat_minor": 5, "cells": cells,
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                      "language": "python"}, **meta}}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def _md(text: str = "# Question") -> dict:
    return {"cell_type": "markdown", "id": "m", "metadata": {}, "source": text}


def _code(source: str, outputs=(), execution_count=None, **metadata) -> dict:
    return {"cell_type": "code", "id": "c", "metadata": metadata, "source": source,
            "outputs": list(outputs), "execution_count": execution_count}


def test_checker_accepts_a_clean_notebook(tmp_path):
    cells = [_md(), _code("import network as sn\nfrom network.render.maps import map_phase\n"
                          "%matplotlib inline\nsn.__version__"), _md("## What it says")]
    assert notebook_problems(_write(tmp_path, cells)) == []


def test_checker_rejects_outputs_and_execution_counts(tmp_path):
    out = {"output_type": "stream", "name": "stdout", "text": "1\n"}
    cells = [_md(), _code("import network as sn\nprint(1)", outputs=[out], execution_count=3),
             _md()]
    problems = notebook_problems(_write(tmp_path, cells))
    assert any("output" in p for p in problems)
    assert any("execution_count 3" in p for p in problems)


def test_checker_rejects_widget_state_and_runtime_metadata(tmp_path):
    cells = [_md(), _code("import network", execution={"iopub.status.idle": "x"}), _md()]
    path = _write(tmp_path, cells, widgets={"application/vnd.jupyter.widget-state+json": {}})
    problems = notebook_problems(path)
    assert any("widget state" in p for p in problems)
    assert any("'execution'" in p for p in problems)


def test_checker_rejects_another_kernel(tmp_path):
    path = _write(tmp_path, [_md(), _code("import network"), _md()])
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["metadata"]["kernelspec"]["name"] = "my-venv"
    path.write_text(json.dumps(nb), encoding="utf-8")
    assert any("kernel 'my-venv'" in p for p in notebook_problems(path))


@pytest.mark.parametrize("source", [
    "import network._leaflet",
    "from network._leaflet import make_offline",
    "from network.render.maps import _geojson",
    "from network.render import maps as m\nm._fit(None)",
    "import network as sn\nsn.engine.names._norm('x')",
    "import network.render.maps as nm\nnm._new_map()",
    "import network\nnetwork._CACHE",
    "from network.engine.routing import *",
])
def test_checker_rejects_private_names(tmp_path, source):
    path = _write(tmp_path, [_md(), _code(source), _md()])
    assert any("non-public use" in p for p in notebook_problems(path)), source


def test_private_uses_ignores_other_packages():
    assert private_uses("import pandas as pd\nimport network as sn\npd._libs\nsn.od_times") == []


def test_checker_wants_markdown_at_both_ends(tmp_path):
    path = _write(tmp_path, [_code("import network")])
    assert "must open and close with a markdown cell" in notebook_problems(path)
