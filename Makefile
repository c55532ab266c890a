# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
CLI    := $(VENV)/bin/dhr-graph
STORE  ?= out/dhr-store
OUT    ?= out

.PHONY: demo test install install-dev docs bench clean registry registry-check

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

install: $(PY)
	$(PY) -m pip install -q -e .

install-dev: $(PY)
	$(PY) -m pip install -q -e '.[dev]'

## demo: build the graph from the bundled sample page, run the headline queries, write exports to ./out/
demo: install
	rm -rf $(STORE)
	$(CLI) build --store $(STORE)
	@echo; echo "== store contents"; $(CLI) stats --store $(STORE)
	@echo; echo "== shared-agencies: agencies addressed by two or more recommendations"
	$(CLI) query shared-agencies --store $(STORE)
	@echo; echo "== sector-share: recommendations by sector of the agencies addressed"
	$(CLI) query sector-share --store $(STORE)
	@echo; echo "== themes-summary: recommendations by theme"
	$(CLI) query themes-summary --store $(STORE)
	$(CLI) export --store $(STORE) --format trig -o $(OUT)/dhr.trig
	$(CLI) export --store $(STORE) --format graphml --projection agency-coaddress -o $(OUT)/agency-network.graphml
	$(CLI) export --store $(STORE) --format html -o $(OUT)/network.html
	@echo; echo "Exports are in $(OUT)/"

## test: install the dev extras and run the whole test suite
test: install-dev
	$(PY) -m pytest -q

## registry: regenerate ontology/agencies-official.ttl and ontology/areas.ttl from the official lists in
## reference/ (after refreshing them); review the diff, then commit. registry-check: fail if they are stale.
registry: $(PY)
	$(PY) -m dhr_graph.registrygen

registry-check: $(PY)
	$(PY) -m dhr_graph.registrygen --check

## docs: HTML documentation into docs/ (not committed): the ontology with pyLODE (a dev dependency),
## the concept schemes and the agency registry with dhr_graph.schemedoc; open docs/index.html
SCHEME_FILES := ontology/themes.ttl ontology/sectors.ttl ontology/case-types.ttl ontology/link-bases.ttl ontology/agencies.ttl
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
	$(PY) benchmarks/bench_links.py
	$(PY) benchmarks/bench_build_query.py --sizes 100 500 2000 --runs 3

clean:
	rm -rf $(VENV) out dhr-store build dist .pytest_cache
