# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
CLI    := $(VENV)/bin/dhr-graph
STORE  ?= out/dhr-store
OUT    ?= out

.PHONY: demo test install install-dev docs bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

install: $(PY)
	$(PY) -m pip install -q .

install-dev: $(PY)
	$(PY) -m pip install -q -e '.[dev]'

## demo: build the graph from the bundled sample page, run the headline queries, write exports to ./out/
demo: install
	rm -rf $(STORE)
	$(CLI) build --store $(STORE)
	@echo; echo "== store contents"; $(CLI) stats --store $(STORE)
	@echo; echo "== shared-agencies: agencies addressed by two or more recommendations"
	$(CLI) query shared-agencies --store $(STORE)
	$(CLI) export --store $(STORE) --format trig -o $(OUT)/dhr.trig
	@echo; echo "Exports are in $(OUT)/"

## test: install the dev extras and run the whole test suite
test: install-dev
	$(PY) -m pytest -q

bench: install-dev
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) out dhr-store build dist .pytest_cache
