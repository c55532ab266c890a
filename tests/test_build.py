"""RDF build and store: stable IRIs, idempotent re-ingest, named graphs, provenance, bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dhr_graph import resources
from dhr_graph.iris import GRAPH, Minter, slug
from dhr_graph.pipeline import build
from dhr_graph.store import GraphStore

REVIEW = "https://w3id.org/dhr-graph/id/review/southampton-2020"
REVIEW_GRAPH = "https://w3id.org/dhr-graph/id/graph/review/southampton-2020"


def quad_set(path) -> set[str]:
    gs = GraphStore(path)
    try:
        return {str(q) for q in gs.quads()}
    finally:
        gs.close()


def test_review_iris_and_named_graphs(sample_store):
    gs = GraphStore(sample_store)
    graphs = gs.named_graphs()
    assert REVIEW_GRAPH in graphs
    assert f"{GRAPH}dhr" in graphs  # the ontology's own graph
    review_quads = list(gs.quads(REVIEW_GRAPH))
    subjects = {q.subject.value for q in review_quads}
    assert REVIEW in subjects
    assert f"{REVIEW}/rec/9.11" in subjects
    # nothing derived from the page lives outside its named graph
    rows = gs.query(f"SELECT ?g WHERE {{ GRAPH ?g {{ <{REVIEW}/rec/9.1> ?p ?o }} }}")
    assert {r["g"].value for r in rows} == {REVIEW_GRAPH}


def test_provenance_of_review_graph(sample_store):
    gs = GraphStore(sample_store)
    rows = list(gs.query(f"""
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX dhr: <https://w3id.org/dhr-graph/def/>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?file ?time ?version ?sum WHERE {{ GRAPH <{REVIEW_GRAPH}> {{
          <{REVIEW_GRAPH}> dhr:sourceFile ?file ; prov:generatedAtTime ?time ;
                           dcterms:hasVersion ?version ; dhr:sourceChecksum ?sum . }} }}"""))
    assert len(rows) == 1
    assert rows[0]["file"].value == "southampton-2020.txt"
    assert rows[0]["version"].value.startswith("dhr-graph ")
    assert len(rows[0]["sum"].value) == 64


def test_same_input_same_triples(tmp_path, toolkit, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1750000000")
    build(None, tmp_path / "a", toolkit=toolkit)
    build(None, tmp_path / "b", toolkit=toolkit)
    assert quad_set(tmp_path / "a") == quad_set(tmp_path / "b")


def test_reingest_replaces_instead_of_duplicating(tmp_path, toolkit, sample_page):
    store = tmp_path / "store"
    build(None, store, toolkit=toolkit)
    first = quad_set(store)
    build([sample_page], store, toolkit=toolkit)
    second = quad_set(store)
    assert len(first) == len(second)
    changed = {q for q in first ^ second if "generatedAtTime" not in q}
    assert changed == set()


def test_configurable_base_iri(tmp_path, sample_page):
    from dhr_graph.pipeline import Toolkit

    tk = Toolkit.load(base="https://example.org/dhr/")
    build([sample_page], tmp_path / "s", toolkit=tk)
    graphs = GraphStore(tmp_path / "s").named_graphs()
    assert "https://example.org/dhr/graph/review/southampton-2020" in graphs


def test_bad_base_iri_is_refused():
    with pytest.raises(ValueError):
        Minter("not an iri")


def test_same_review_twice_in_one_build(tmp_path, toolkit, sample_page):
    copy = tmp_path / "copy.txt"
    shutil.copy(sample_page, copy)
    report = build([sample_page, copy], tmp_path / "s", toolkit=toolkit)
    assert [p.status for p in report.pages] == ["landed", "error"]
    assert "same page as" in report.pages[1].messages[0]


def test_bad_pages_leave_store_unchanged(tmp_path, toolkit, sample_store):
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    before = quad_set(store)
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02PNG")
    (tmp_path / "latin1.txt").write_bytes("CSP: Caf\xe9".encode("latin-1"))
    (tmp_path / "notable.txt").write_text("CSP: Somewhere\nPublished: May 2020\n")
    report = build([tmp_path / "missing.txt", tmp_path / "empty.txt", tmp_path / "binary.txt",
                    tmp_path / "latin1.txt", tmp_path / "notable.txt"], store, toolkit=toolkit)
    messages = [p.messages[0] for p in report.pages]
    assert [p.status for p in report.pages] == ["error"] * 5
    assert messages[0].endswith("missing.txt: no such file")
    assert messages[1].endswith("empty.txt: empty file")
    assert "binary file" in messages[2]
    assert "latin1.txt:1: not UTF-8" in messages[3]
    assert "no recommendations table" in messages[4]
    assert not report.committed
    assert quad_set(store) == before


@pytest.mark.parametrize(("name", "expected"), [
    ("Southampton", "southampton"),
    ("Ynys Môn", "ynys-mon"),
    ("Brighton & Hove <CSP> \"#1\"", "brighton-hove-csp-1"),
])
def test_slug_is_iri_safe(name, expected):
    assert slug(name) == expected


def test_slug_of_text_without_latin_letters_is_not_empty():
    assert slug("東京").startswith("x") and len(slug("東京")) == 11


def test_same_corpus_same_triples_links_included(tmp_path, toolkit, monkeypatch):
    """Same corpus, same triples, links included (across processes: test_store_atomic.py)."""
    from .conftest import DATA

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1750000000")
    pages = sorted((DATA / "links").glob("*.txt")) + sorted((DATA / "pages").glob("*.txt"))
    for name in ("a", "b"):
        assert build(pages, tmp_path / name, toolkit=toolkit).committed
    a, b = quad_set(tmp_path / "a"), quad_set(tmp_path / "b")
    assert any("/graph/links/" in q for q in a)
    assert a == b


def test_rejected_new_version_keeps_the_stored_one(tmp_path, toolkit, sample_page, sample_store):
    """A page re-ingested in a version that fails the shapes is left out, and the version the
    store held stays exactly as it was (it is not dropped to make room for the new one)."""
    from dataclasses import replace

    from dhr_graph.validation import Validator

    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    before = quad_set(store)
    page = tmp_path / sample_page.name
    page.write_text(sample_page.read_text(encoding="utf-8").replace("| Advice to be sought", "| SYNTHETIC EDIT #1: Advice to be sought", 1),
                    encoding="utf-8")
    shape = tmp_path / "no-edits.ttl"
    shape.write_text("""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dhr: <https://w3id.org/dhr-graph/def/> .
<urn:test:no-edits> a sh:PropertyShape ; sh:targetClass dhr:Recommendation ; sh:path dhr:text ;
    sh:pattern "^[^#]*$" ; sh:message "SYNTHETIC test shape: no edited texts." .
""", encoding="utf-8")
    strict_tk = replace(toolkit, validator=Validator.load([*sorted(Path(resources.shapes_dir()).glob("*.ttl")), shape]))
    report = build([page], store, toolkit=strict_tk)
    (outcome,) = report.pages
    assert outcome.status == "rejected" and any("no edited texts" in m for m in outcome.messages)
    assert not report.committed and quad_set(store) == before
    # the same edited page with the bundled shapes does replace the stored version
    assert build([page], store, toolkit=toolkit).committed
    assert any("SYNTHETIC EDIT" in q for q in quad_set(store))
