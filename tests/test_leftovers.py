"""Small mends of issue 17's round (branch r8-tidy): the TriG writer's lenient read, one graph reader
for exports and publishing, a store method for counting reviews and a name-shape cache per registry (a malformed
link-bases number is tested in tests/test_links_window.py)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from dhr_graph.agencies import Registry
from dhr_graph.agencynames import NameShapes, _name_shape, written_as_name
from dhr_graph.errors import StoreError
from dhr_graph.iris import DHR, PREFIXES, SUMMARY_GRAPH
from dhr_graph.ntriples import graph_bytes, graph_text, iterate_graphs, public_graphs
from dhr_graph.pipeline import _live_reviews
from dhr_graph.publish import graph_digest
from dhr_graph.rdfexport import _trig_block
from dhr_graph.store import GraphStore

from .export_support import store_from_trig

EX = "http://example.org/synthetic/"
TRICKY = f"""
<{EX}g1> {{
  <{EX}s> <{EX}p> "quote \\" backslash \\\\ tab \\t line \\n end" , "caf\u00e9 \u2028 \U0001F600"@en-GB ,
      "12"^^<{PREFIXES["xsd"]}integer> , "1.50"^^<{PREFIXES["xsd"]}decimal> , "true"^^<{PREFIXES["xsd"]}boolean> ,
      "x"^^<{EX}odd-type> , <{EX}caf\u00e9/a.b> , <{DHR}Review> , _:b1 .
  _:b1 <{PREFIXES["rdfs"]}label> "blank" ; a <{PREFIXES["prov"]}Entity> .
  <{PREFIXES["dcterms"]}x.> <{PREFIXES["skos"]}note> "a prefixed name may not end in a dot" .
}}
<{EX}g2> {{ <{EX}review> a <{DHR}Review> . }}
"""


@pytest.fixture()
def tricky_store(tmp_path: Path) -> GraphStore:
    return store_from_trig(TRICKY.encode(), tmp_path / "store")


def test_trig_blocks_are_what_a_checked_read_of_the_same_text_gives(tricky_store: GraphStore) -> None:
    """The TriG writer reads the store's N-Triples leniently: same bytes as the strict read it replaced."""
    blocks = 0
    for graph, text in iterate_graphs(tricky_store):
        strict = ox.serialize(ox.parse(text.encode(), ox.RdfFormat.N_TRIPLES), None, ox.RdfFormat.TURTLE,
                              prefixes=PREFIXES) or b""
        body = b"".join(line for line in strict.splitlines(keepends=True) if not line.startswith(b"@prefix "))
        assert isinstance(graph, ox.NamedNode)
        assert _trig_block(graph, text.encode()) == b"<" + graph.value.encode() + b"> {\n" + body + b"}\n"
        blocks += 1
    assert blocks == 3  # g1, g2 and the summary graph the write added (g1 holds a review)


def test_exports_and_publishing_read_graphs_through_one_reader(tricky_store: GraphStore) -> None:
    graphs = public_graphs(tricky_store)
    assert [g.value for g in graphs if isinstance(g, ox.NamedNode)] == [f"{EX}g1", f"{EX}g2", SUMMARY_GRAPH]
    for graph in graphs:
        body = graph_bytes(tricky_store, graph)
        assert body.decode("utf-8") == graph_text(tricky_store, graph)
        # publish hashes what it sends: the same bytes as the store's own dump
        assert graph_digest(body) == graph_digest(tricky_store.store.dump(None, ox.RdfFormat.N_TRIPLES,
                                                                          from_graph=graph) or b"")
    assert graph_bytes(tricky_store, ox.NamedNode(f"{EX}absent")) == b""


def test_the_store_counts_reviews_for_the_build(tricky_store: GraphStore, tmp_path: Path) -> None:
    assert tricky_store.count_of_type(f"{DHR}Review") == 1  # g1 names dhr:Review only as an object of ex:p
    assert tricky_store.count_of_type(PREFIXES["prov"] + "Entity") == 1
    assert tricky_store.count_of_type(f"{EX}Nothing") == 0
    assert _live_reviews(GraphStore(tricky_store.path)) == 1
    with pytest.raises(StoreError, match="no dhr-graph store here"):
        GraphStore(tmp_path / "none").count_of_type(f"{DHR}Review")
    assert _live_reviews(GraphStore(tmp_path / "none")) == 0


def test_the_sample_store_counts_its_one_review(sample_store: Path) -> None:
    assert GraphStore(sample_store).count_of_type(f"{DHR}Review") == 1


CASES = [("Respect", "Respect", "Respect the wishes of the victim.", 0),
         ("Respect", "Respect", "Refer the family to Respect.", 20),
         ("respect", "Respect", "Refer them with respect.", 16),
         ("SSAB", "SSAB", "The SSAB should review this.", 4),
         ("Ssab", "SSAB", "The Ssab should review this.", 4),
         ("Hampshire Constabulary", "Hampshire Constabulary", "Ask Hampshire Constabulary.", 4),
         ("hampshire constabulary", "Hampshire Constabulary", "Ask hampshire constabulary.", 4)]


def test_each_registry_keeps_its_own_name_shape_cache() -> None:
    one, two = NameShapes(), NameShapes()
    for span, form, text, start in CASES:
        assert one.written_as_name(span, form, text, start) == written_as_name(span, form, text, start)
    assert one.cached() == len({(s, f) for s, f, _, _ in CASES})
    assert two.cached() == 0  # nothing shared between caches
    assert [one.written_as_name(*c) for c in CASES] == [False, True, False, True, False, True, False]


def test_the_name_shape_cache_is_bounded() -> None:
    shapes = NameShapes(size=3)
    for n in range(10):
        assert shapes.written_as_name(f"Body {n}", f"Body {n}", f"Ask Body {n}.", 4) is True
        assert shapes.cached() <= 3
    assert _name_shape("Body 1", "Body 1") == 1


def test_a_registry_holds_its_cache(registry: Registry) -> None:
    other = Registry.load()
    assert other._name_shapes is not registry._name_shapes
