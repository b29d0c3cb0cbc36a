# Two commands for a newcomer:  make demo  (main job)   and   make test  (the test suite).
# Also: make lab (JupyterLab on the notebooks), make docs (the documentation site).
SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SCENARIO ?= plan_2025
OUT    ?= out/$(SCENARIO)

.PHONY: install demo test lab docs lint maps screenshots bench clean

$(STAMP): pyproject.toml
	@echo "==> setting up $(VENV): the first install downloads about 100 packages and takes a few"
	@echo "    minutes (3-4 on a fresh machine); later runs start at once."
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install -e '.[test]' 2>&1 | awk '/^Collecting/ {n++; printf "\r    %d packages collected", n; fflush()} \
	  /^Installing collected/ {printf "\n    installing …\n"; fflush()} /^Successfully installed/ {print "    done"} \
	  /ERROR|[Ee]rror:/ {print}'; test $${PIPESTATUS[0]} -eq 0
	touch $(STAMP)
	@echo "==> $(VENV) is ready: run the tool with $(VENV)/bin/suining-network or $(PY) -m network"

install: $(STAMP)

## main job: a scenario to an HTML map, a PNG, a goal table and a report (offline)
demo: install
	@echo "==> running scenario $(SCENARIO) into $(OUT)/ (about a minute)"
	scripts/offline $(PY) -m network run $(SCENARIO) --out $(OUT)
	@echo "==> open $(OUT)/map.html in a browser; $(OUT)/report.md says which goals are met"

## the test suite, with the network cut after installation
test: install
	scripts/offline $(PY) -m pytest -q --nbmake tests notebooks

## the notebooks in JupyterLab (installs the notebooks extra once)
lab: install
	@$(PY) -c "import jupyterlab" 2>/dev/null || { echo "==> installing JupyterLab (the notebooks extra) into $(VENV)"; $(PY) -m pip install --quiet -e '.[notebooks]'; }
	$(VENV)/bin/jupyter lab notebooks/

## the documentation site into site/ (regenerates the scenario reference; offline, strict)
docs: install
	@$(PY) -c "import mkdocs, material, mkdocstrings, mkdocs_jupyter" 2>/dev/null || { echo "==> installing the docs extra into $(VENV)"; $(PY) -m pip install --quiet -e '.[docs]'; }
	$(PY) -m network.model.schema
	NO_MKDOCS_2_WARNING=1 scripts/offline $(VENV)/bin/mkdocs build --strict
	@echo "==> open site/index.html in a browser"

lint: install
	$(VENV)/bin/ruff check .

## regenerate maps/ for the shipped scenarios
maps: install
	scripts/offline $(PY) -m network maps --out maps

## screenshots of a run map and a comparison for docs/maps.md (needs Debian chromium)
screenshots: install
	scripts/offline $(PY) scripts/screenshots.py --out docs/img

## benchmarks (on demand, not in CI)
bench: install
	$(PY) benchmarks/bench_isochrones.py
	$(PY) benchmarks/bench_osm.py
	$(PY) benchmarks/bench_batch.py
	$(PY) benchmarks/bench_rank.py
	$(PY) benchmarks/bench_region.py
	$(PY) benchmarks/bench_import.py

clean:
	rm -rf $(VENV) out site .cache .pytest_cache
