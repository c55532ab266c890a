# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
CLI    := $(VENV)/bin/dhr-graph
STORE  ?= dhr-store
OUT    ?= out

.PHONY: demo test lint install install-dev docs bench clean vendor registry registry-check

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

install: $(PY)
	$(PY) -m pip install -q -e .

install-dev: $(PY)
	$(PY) -m pip install -q -e '.[dev]'

## demo: build the graph from the bundled sample page into ./dhr-store (the CLI's default store; a rebuild
## replaces the page's graph, and nothing else in an existing store is touched), run the headline queries,
## write exports to ./out/
demo: install
	$(CLI) build --store $(STORE)
	@echo; echo "== DHRD case metadata (Cook & Cook 2026, CC BY 4.0): one case per incident, reviews joined to their case"
	$(CLI) cases import dhr_graph/data/dhrd/incidents.csv --store $(STORE)
	@echo; echo "== store contents"; $(CLI) stats --store $(STORE)
	@echo; echo "== shared-agencies: agencies addressed by two or more recommendations"
	$(CLI) query shared-agencies --store $(STORE)
	@echo; echo "== sector-share: recommendations by sector of the agencies addressed"
	$(CLI) query sector-share --store $(STORE)
	@echo; echo "== themes-summary: recommendations by theme"
	$(CLI) query themes-summary --store $(STORE)
	@echo; echo "== sectors-by-case-type: recommendations by case type (DHRD) and sector addressed"
	$(CLI) query sectors-by-case-type --store $(STORE)
	$(CLI) export --store $(STORE) --format trig -o $(OUT)/dhr.trig
	$(CLI) export --store $(STORE) --format graphml --projection agency-coaddress -o $(OUT)/agency-network.graphml
	$(CLI) export --store $(STORE) --format html -o $(OUT)/explorer.html
	@echo; echo "Exports are in $(OUT)/"

## lint: ruff and mypy (settings in pyproject.toml)
lint: install-dev
	$(VENV)/bin/ruff check dhr_graph tests benchmarks scripts
	$(VENV)/bin/mypy

## test: install the dev extras, lint, and run the whole test suite
test: lint
	$(PY) -m pytest -q

## registry: regenerate ontology/agencies-official.ttl and ontology/areas.ttl from the official lists in
## reference/ (after refreshing them); review the diff, then commit. registry-check: fail if they are stale.
registry: $(PY)
	$(PY) -m dhr_graph.registrygen

registry-check: $(PY)
	$(PY) -m dhr_graph.registrygen --check

## docs: HTML documentation into docs/ (not committed): the ontology with pyLODE (a dev dependency),
## the concept schemes and the agency registry with dhr_graph.schemedoc; open docs/index.html
SCHEME_FILES := ontology/themes.ttl ontology/sectors.ttl ontology/case-types.ttl ontology/abuse-types.ttl ontology/link-bases.ttl ontology/agencies.ttl
docs: install-dev
	mkdir -p docs
	$(VENV)/bin/pylode ontology/dhr.ttl --profile ontpub --outputfile docs/ontology.html
	$(PY) -m dhr_graph.schemedoc $(SCHEME_FILES) -o docs

## bench: every benchmark script (the 2,000-review runs take tens of minutes); figures go to benchmarks/README.md
bench: install-dev
	$(PY) benchmarks/bench_resolve.py
	$(PY) benchmarks/bench_themes.py
	$(PY) benchmarks/eval_themes.py
	$(PY) benchmarks/bench_validate.py --reviews 2000 --runs 3
	$(PY) benchmarks/bench_export.py --reviews 2000 --runs 3
	$(PY) benchmarks/bench_explorer.py --reviews 2000 --runs 3
	$(PY) benchmarks/bench_links.py
	$(PY) benchmarks/bench_build_query.py --sizes 100 500 2000 --runs 3
	$(PY) benchmarks/bench_serve.py --reviews 500 --seconds 60
	$(PY) benchmarks/bench_cli.py --reviews 2000 --runs 7

## vendor: fetch the explorer page's front-end libraries (sigma.js, graphology) from the npm registry at the
## versions pinned in dhr_graph/data/web/vendor/vendor.json, checking the tarballs' integrity
vendor:
	$(PYTHON) scripts/vendor_web.py

clean:
	rm -rf $(VENV) out build dist .pytest_cache   # never ./dhr-store: it may hold more than the demo
