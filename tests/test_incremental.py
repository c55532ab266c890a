"""Rebuilds do only what changed: a page whose graph would come out as stored is left alone
(digests.py), and a small change to a larger store is validated on its own (pipeline.py)."""

from __future__ import annotations

import logging
import shutil
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest

from dhr_graph import resources
from dhr_graph.pipeline import build
from dhr_graph.store import GraphStore
from dhr_graph.validation import Validator

from .conftest import DATA

UNCHANGED = "unchanged since it was built"
GRAPH = "https://w3id.org/dhr-graph/id/graph/review/"
GENERATED = "http://www.w3.org/ns/prov#generatedAtTime"
DIGESTS = "https://w3id.org/dhr-graph/id/graph/internal/review-digests"
DIGEST = "https://w3id.org/dhr-graph/def/internal#reviewDigest"


def quads(store: Path, internal: bool = False) -> set[str]:
    gs = GraphStore(store)
    try:
        return {str(q) for q in gs.quads(internal=internal)}
    finally:
        gs.close()


@pytest.fixture
def pages(tmp_path: Path) -> Path:
    """A folder with a copy of the five SYNTHETIC link-test pages, free to edit."""
    folder = tmp_path / "pages"
    folder.mkdir()
    for page in sorted((DATA / "links").glob("*.txt")):
        shutil.copy(page, folder / page.name)
    return folder


def edit(page: Path, old: str, new: str) -> None:
    text = page.read_text(encoding="utf-8")
    assert old in text
    page.write_text(text.replace(old, new, 1), encoding="utf-8")


def strict_toolkit(toolkit, tmp_path: Path, severity: str = "Violation"):
    """The toolkit with one more (SYNTHETIC) shape: recommendation texts must not contain '#'."""
    shape = tmp_path / "no-edits.ttl"
    shape.write_text(f"""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dhr: <https://w3id.org/dhr-graph/def/> .
<urn:test:no-edits> a sh:PropertyShape ; sh:targetClass dhr:Recommendation ; sh:path dhr:text ;
    sh:severity sh:{severity} ; sh:pattern "^[^#]*$" ; sh:message "SYNTHETIC test shape: no edited texts." .
""", encoding="utf-8")
    return replace(toolkit, validator=Validator.load([*sorted(Path(resources.shapes_dir()).glob("*.ttl")), shape]))


def test_a_rebuild_of_the_same_pages_leaves_the_store_as_it_was(tmp_path, toolkit, pages):
    store = tmp_path / "store"
    assert build([pages], store, toolkit=toolkit).committed
    before = quads(store, internal=True)
    again = build([pages], store, toolkit=toolkit)
    assert [p.status for p in again.pages] == ["landed"] * 5 and not again.failed
    assert all(any(UNCHANGED in m for m in p.messages) for p in again.pages)
    assert again.committed  # the pages are in the store: as they were
    assert quads(store, internal=True) == before


def test_a_changed_page_is_rewritten_and_the_others_are_kept(tmp_path, toolkit, pages):
    store = tmp_path / "store"
    assert build([pages], store, toolkit=toolkit).committed
    changed = pages / "synthetic-larkmoor-2023.txt"
    edit(changed, "| 1 | ", "| 1 | SYNTHETIC EDIT: ")
    report = build([pages], store, toolkit=toolkit)
    assert report.committed and not report.failed
    kept = {Path(p.path).name for p in report.pages if any(UNCHANGED in m for m in p.messages)}
    assert kept == {p.name for p in pages.glob("*.txt")} - {changed.name}
    assert any("SYNTHETIC EDIT" in q for q in quads(store))
    # one digest per review graph, the edited one's replaced
    gs = GraphStore(store)
    rows = gs.query(f"SELECT ?g ?d WHERE {{ GRAPH <{DIGESTS}> {{ ?g <{DIGEST}> ?d }} }}")
    digests = {r["g"].value: r["d"].value for r in rows}
    gs.close()
    assert sorted(digests) == sorted(f"{GRAPH}{p.stem}" for p in pages.glob("*.txt"))
    assert all(len(d.split(" ")[0]) == 64 for d in digests.values())
    again = build([pages], store, toolkit=toolkit)
    assert again.committed and all(any(UNCHANGED in m for m in p.messages) for p in again.pages)


def test_digests_stay_out_of_exports_and_publishing(tmp_path, toolkit, pages):
    store = tmp_path / "store"
    build([pages], store, toolkit=toolkit)
    gs = GraphStore(store)
    try:
        assert DIGESTS not in gs.named_graphs() and DIGESTS in gs.named_graphs(internal=True)
        assert not any("review-digests" in str(q) for q in gs.quads())
    finally:
        gs.close()


def test_other_checks_validate_the_pages_again(tmp_path, toolkit, pages):
    store = tmp_path / "store"
    edit(pages / "synthetic-larkmoor-2023.txt", "| 1 | ", "| 1 | SYNTHETIC EDIT #1: ")
    assert build([pages], store, toolkit=toolkit).committed
    report = build([pages], store, toolkit=strict_toolkit(toolkit, tmp_path, "Warning"))
    assert not any(UNCHANGED in m for p in report.pages for m in p.messages)
    warned = [p for p in report.pages if any("no edited texts" in m for m in p.messages)]
    assert [Path(p.path).name for p in warned] == ["synthetic-larkmoor-2023.txt"]
    assert report.committed and not report.failed


def test_a_graph_changed_by_other_means_is_rewritten(tmp_path, toolkit, pages, monkeypatch):
    store = tmp_path / "store"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1750000000")
    assert build([pages], store, toolkit=toolkit).committed
    graph = ox.NamedNode(f"{GRAPH}synthetic-quillbury-2019")
    db = ox.Store(str(store))  # as another tool could: the graph written again at another time
    (old,) = list(db.quads_for_pattern(graph, ox.NamedNode(GENERATED), None, graph))
    db.remove(old)
    db.add(ox.Quad(graph, ox.NamedNode(GENERATED), ox.Literal("2001-01-01T00:00:00Z", datatype=old.object.datatype),
                   graph))
    db.flush()
    del db
    report = build([pages], store, toolkit=toolkit)
    rebuilt = [Path(p.path).name for p in report.pages if not any(UNCHANGED in m for m in p.messages)]
    assert rebuilt == ["synthetic-quillbury-2019.txt"] and report.committed
    assert any("2025-06-15T15:06:40Z" in q and "quillbury-2019" in q and GENERATED in q for q in quads(store))


def test_a_small_change_to_a_larger_store_is_validated_on_its_own(tmp_path, toolkit, pages, caplog):
    """One page into a store of five: checked in a batch of its own, with the same verdict as
    when it is checked in the store (a fresh build)."""
    store = tmp_path / "store"
    assert build([pages], store, toolkit=toolkit).committed
    before = quads(store, internal=True)
    page = pages / "synthetic-fernhollow-2021.txt"
    edit(page, "| 2 | ", "| 2 | SYNTHETIC EDIT #2: ")
    strict = strict_toolkit(toolkit, tmp_path)
    with caplog.at_level(logging.INFO, logger="dhr_graph.pipeline"):
        report = build([page], store, toolkit=strict)
    assert any("beside parsing" in r.getMessage() for r in caplog.records)
    (outcome,) = report.pages
    assert outcome.status == "rejected" and not report.committed
    assert quads(store, internal=True) == before
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="dhr_graph.pipeline"):
        fresh = build([page], tmp_path / "fresh", toolkit=strict)
    assert not any("beside parsing" in r.getMessage() for r in caplog.records)
    assert fresh.pages[0].status == "rejected"
    assert fresh.pages[0].messages == outcome.messages


def test_only_a_large_write_compacts_the_store(tmp_path, toolkit, pages, monkeypatch):
    """Twelve reviews stored; a build of one page leaves compaction to RocksDB, a build of all
    of them compacts (the decision is asked once the writes are done)."""
    template = (pages / "synthetic-larkmoor-2023.txt").read_text(encoding="utf-8")
    for page in pages.glob("*.txt"):
        page.unlink()
    for n in range(12):
        (pages / f"copy-{n}.txt").write_text(template.replace("CSP:", f"Id: synthetic-copy-{n}\nCSP:", 1),
                                             encoding="utf-8")
    asked: list = []
    original = GraphStore.writing

    def spy(self, *, compact=True):
        asked.append(compact)
        return original(self, compact=compact)

    monkeypatch.setattr(GraphStore, "writing", spy)
    store = tmp_path / "store"
    assert build([pages], store, toolkit=toolkit).committed
    edit(pages / "copy-3.txt", "| 1 | ", "| 1 | SYNTHETIC EDIT: ")
    assert build([pages / "copy-3.txt"], store, toolkit=toolkit).committed
    decisions = [c() if callable(c) else c for c in asked]
    assert decisions == [True, False]


def test_reference_data_is_loaded_again_only_when_it_changes(tmp_path, toolkit, pages, monkeypatch):
    import dhr_graph.pipeline as pipeline

    loads: list[str] = []
    original = pipeline.turtle_quads

    def spy(path, iri):
        loads.append(iri)
        return original(path, iri)

    monkeypatch.setattr(pipeline, "turtle_quads", spy)
    store = tmp_path / "store"
    assert build([pages], store, toolkit=toolkit).committed
    first = len(loads)
    assert first > 0
    edit(pages / "synthetic-larkmoor-2023.txt", "| 1 | ", "| 1 | SYNTHETIC EDIT: ")
    assert build([pages], store, toolkit=toolkit).committed
    assert len(loads) == first  # the same files: the stored reference graphs are kept
    edit(pages / "synthetic-larkmoor-2023.txt", "SYNTHETIC EDIT: ", "SYNTHETIC EDIT #2: ")
    assert build([pages], store, toolkit=strict_toolkit(toolkit, tmp_path, "Warning")).committed
    assert len(loads) == 2 * first  # other checks: loaded again
    assert {q for q in quads(store) if "/graph/dhr>" in q}  # the ontology's graph is there
