# Two commands for a newcomer:  make demo  (main job)   and   make test  (the test suite).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SCENARIO ?= plan_2025
OUT    ?= out/$(SCENARIO)

.PHONY: install demo test lint maps bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## main job: a scenario to an HTML map, a PNG, a goal table and a report (offline)
demo: install
	scripts/offline $(PY) -m network run $(SCENARIO) --out $(OUT)

## the test suite, with the network cut after installation
test: install
	scripts/offline $(PY) -m pytest -q --nbmake tests notebooks

lint: install
	$(VENV)/bin/ruff check .

## regenerate maps/ for the shipped scenarios
maps: install
	scripts/offline $(PY) -m network maps --out maps

## benchmarks (on demand, not in CI)
bench: install
	$(PY) benchmarks/bench_isochrones.py
	$(PY) benchmarks/bench_osm.py
	$(PY) benchmarks/bench_batch.py
	$(PY) benchmarks/bench_run.py

clean:
	rm -rf $(VENV) out .pytest_cache
