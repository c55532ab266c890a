"""Streaming exports (issue 17): what is written equals the store's public quads in every RDF
format, JSON-LD and VoID are byte-identical across identical builds, and the JSON-LD writer
keeps every value exact (datatypes, languages, escapes, blank nodes, the default graph)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Namespace
from rdflib.compare import isomorphic

from dhr_graph.iris import SUMMARY_GRAPH
from dhr_graph.rdfexport import RDF_FORMATS, export_rdf, void_path
from dhr_graph.terms import to_rdflib as rdflib_term
from dhr_graph.jsonld import Compactor
from dhr_graph.store import GraphStore

from .export_support import build_store

ROOT = Path(__file__).resolve().parent.parent
VOID = Namespace("http://rdfs.org/ns/void#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
OX_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS,
              "trig": ox.RdfFormat.TRIG, "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}
EX = "https://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> GraphStore:
    return build_store(tmp_path_factory.mktemp("stream") / "store")


def _public(store: GraphStore) -> set[ox.Quad]:
    return set(store.quads())


def _no_blank(quads: set[ox.Quad]) -> set[ox.Quad]:
    return {q for q in quads if not any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object))}


@pytest.mark.parametrize("fmt", list(RDF_FORMATS))
def test_every_format_holds_exactly_the_public_statements(store: GraphStore, tmp_path: Path, fmt: str) -> None:
    """Read back by Oxigraph's own parsers (a second reader beside rdflib in test_export_rdf)."""
    out = tmp_path / f"dhr.{fmt}"
    written = export_rdf(store, out, fmt)
    parsed = list(ox.parse(path=str(out), format=OX_FORMATS[fmt]))
    expected = _public(store)
    if RDF_FORMATS[fmt][1]:
        assert len(parsed) == written == len(expected)
        assert _no_blank(set(parsed)) == _no_blank(expected)
    else:
        triples = {ox.Quad(q.subject, q.predicate, q.object) for q in expected}
        assert len(parsed) == written == len(triples)
        assert _no_blank(set(parsed)) == _no_blank(triples)
    void = Graph().parse(void_path(out), format="turtle")
    dataset = next(void.subjects(VOID.distinctSubjects, None))
    assert void.value(dataset, VOID.triples).toPython() == written


def _tricky_store(path: Path) -> GraphStore:
    """SYNTHETIC statements that a compacting writer could get wrong."""
    g1, g2 = ox.NamedNode(EX + "graph/one"), ox.NamedNode(EX + "graph/two")
    review, rec = ox.NamedNode(EX + "review/1"), ox.NamedNode(EX + "review/1/rec/1")
    dhr = "https://w3id.org/dhr-graph/def/"
    blank = ox.BlankNode("b1")
    quads = [
        ox.Quad(review, ox.NamedNode(RDF_TYPE), ox.NamedNode(dhr + "Review"), g1),
        ox.Quad(review, ox.NamedNode(RDF_TYPE), ox.NamedNode(EX + "OtherClass"), g1),
        # a term coerced to xsd:gYearMonth given a plain date, and one given its own type
        ox.Quad(review, ox.NamedNode("http://purl.org/dc/terms/issued"), ox.Literal("2021-03-04", datatype=ox.NamedNode(XSD + "date")), g1),
        ox.Quad(review, ox.NamedNode("http://purl.org/dc/terms/issued"), ox.Literal("2021-03", datatype=ox.NamedNode(XSD + "gYearMonth")), g1),
        # a term coerced to @id given a literal, and an IRI given where text is usual
        ox.Quad(review, ox.NamedNode(dhr + "recommendation"), ox.Literal("not an IRI"), g1),
        ox.Quad(review, ox.NamedNode(dhr + "recommendation"), rec, g1),
        ox.Quad(review, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.NamedNode(EX + "x"), g1),
        ox.Quad(review, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("Étude", language="fr"), g1),
        # escapes, line separators, controls, quotes, non-Latin text
        ox.Quad(rec, ox.NamedNode(dhr + "text"), ox.Literal('a "quote" \\ back\nline\r\tTab\u2028sep\x01\x7f 漢字 😀'), g1),
        ox.Quad(rec, ox.NamedNode(dhr + "number"), ox.Literal("007"), g1),
        ox.Quad(rec, ox.NamedNode(dhr + "position"), ox.Literal("1", datatype=ox.NamedNode(XSD + "positiveInteger")), g1),
        ox.Quad(rec, ox.NamedNode(EX + "unknown#property"), ox.Literal("3.0", datatype=ox.NamedNode(XSD + "decimal")), g1),
        ox.Quad(rec, ox.NamedNode(EX + "unknown#property"), ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")), g1),
        ox.Quad(rec, ox.NamedNode(EX + "link"), blank, g1),
        ox.Quad(blank, ox.NamedNode(EX + "value"), ox.Literal("in a blank node"), g1),
        # the same triple in two graphs (the union formats write it once), and the default graph
        ox.Quad(review, ox.NamedNode(dhr + "number"), ox.Literal("shared"), g1),
        ox.Quad(review, ox.NamedNode(dhr + "number"), ox.Literal("shared"), g2),
        ox.Quad(ox.NamedNode(EX + "d"), ox.NamedNode(EX + "p"), ox.Literal("in the default graph"), ox.DefaultGraph()),
    ]
    store = GraphStore(path)
    with store.writing() as work:
        work.extend(quads)
    return store


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.mark.parametrize("fmt", list(RDF_FORMATS))
def test_tricky_values_read_back_exactly(tmp_path: Path, fmt: str) -> None:
    store = _tricky_store(tmp_path / "store")
    out = tmp_path / f"x.{fmt}"
    written = export_rdf(store, out, fmt)
    expected = _public(store)
    # the summary graph the write added (the store holds a dhr:Review): exported like any public graph
    summarised = len(list(store.quads(SUMMARY_GRAPH)))
    assert summarised
    if RDF_FORMATS[fmt][1]:
        ds = Dataset()
        ds.parse(out, format={"nq": "nquads", "trig": "trig", "jsonld": "json-ld"}[fmt])
        assert written == len(expected) == 18 + summarised
        for name in {q.graph_name for q in expected}:
            want = Graph()
            for q in expected:
                if q.graph_name == name:
                    want.add((rdflib_term(q.subject), rdflib_term(q.predicate), rdflib_term(q.object)))
            got = ds.default_graph if isinstance(name, ox.DefaultGraph) else ds.graph(rdflib_term(name))
            assert isomorphic(Graph() + got, want), f"{fmt}: graph {name} differs"
    else:
        assert written == len({(q.subject, q.predicate, q.object) for q in expected}) == 17 + summarised
    parsed = set(ox.parse(path=str(out), format=OX_FORMATS[fmt]))
    if RDF_FORMATS[fmt][1]:
        assert _no_blank(parsed) == _no_blank(expected)
    else:
        assert _no_blank(parsed) == _no_blank({ox.Quad(q.subject, q.predicate, q.object) for q in expected})
    void = Graph().parse(void_path(out), format="turtle")
    dataset = next(void.subjects(VOID.distinctSubjects, None))
    assert void.value(dataset, VOID.triples).toPython() == written


def test_jsonld_uses_context_terms_only_where_their_coercion_fits(tmp_path: Path) -> None:
    store = _tricky_store(tmp_path / "store")
    out = tmp_path / "x.jsonld"
    export_rdf(store, out, "jsonld")
    doc = json.loads(out.read_text(encoding="utf-8"))
    default_nodes = [n for n in doc["@graph"] if "@graph" not in n]
    assert default_nodes == [{"@id": EX + "d", EX + "p": "in the default graph"}]
    graphs = {g["@id"]: g["@graph"] for g in doc["@graph"] if "@graph" in g}
    review = next(n for n in graphs[EX + "graph/one"] if n["@id"] == EX + "review/1")
    assert review["@type"] == [EX + "OtherClass", "Review"]
    assert review["issued"] == "2021-03"
    assert review["dcterms:issued"] == {"@value": "2021-03-04", "@type": "xsd:date"}
    assert review["recommendation"] == EX + "review/1/rec/1"
    assert review["dhr:recommendation"] == "not an IRI"
    assert review["label"] == [{"@value": "Étude", "@language": "fr"}, {"@id": EX + "x"}]  # by N-Triples form
    ids = [n["@id"] for n in graphs[EX + "graph/one"]]  # sorted by N-Triples form: <IRI>s, then blank nodes
    assert ids == [EX + "review/1/rec/1", EX + "review/1", "_:b1"]  # '/' sorts before '>'


def test_compact_iris_and_terms() -> None:
    c = Compactor({"ex": "https://example.org/", "Thing": "ex:Thing",
                   "knows": {"@id": "ex:knows", "@type": "@id"}, "age": {"@id": "ex:age", "@type": "ex:int"}})
    assert c.iri("https://example.org/a") == "ex:a"
    assert c.iri("https://example.org///a") == "https://example.org///a"  # "ex://a" would read as an absolute IRI
    assert c.type_value("<https://example.org/Thing>") == "Thing"
    assert c.entry("<https://example.org/knows>", "<https://example.org/b>") == ("knows", "ex:b")
    assert c.entry("<https://example.org/knows>", '"b"') == ("ex:knows", "b")
    assert c.entry("<https://example.org/age>", '"4"^^<https://example.org/int>') == ("age", "4")


def _export_in_subprocess(store: Path, out: Path, fmt: str, seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT), "SOURCE_DATE_EPOCH": "1750000000"}
    subprocess.run([sys.executable, "-m", "dhr_graph", "export", "--store", str(store), "--format", fmt,
                    "-o", str(out)], check=True, env=env, capture_output=True, timeout=300)


def test_jsonld_and_void_are_byte_identical_across_identical_builds(tmp_path: Path, toolkit,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Two builds of the same pages, exported by two processes with different hash seeds."""
    from dhr_graph.pipeline import build

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1750000000")
    for name in ("a", "b"):
        assert build(None, tmp_path / name, toolkit=toolkit).committed
    for fmt in ("jsonld", "nq", "trig", "ttl"):
        first, second = tmp_path / "a-out" / f"dhr.{fmt}", tmp_path / "b-out" / f"dhr.{fmt}"
        export_rdf(GraphStore(tmp_path / "a"), first, fmt)
        _export_in_subprocess(tmp_path / "b", second, fmt, seed="12345")
        assert first.read_bytes() == second.read_bytes(), fmt
        assert void_path(first).read_bytes() == void_path(second).read_bytes(), f"{fmt}.void.ttl"
    text = void_path(first).read_text(encoding="utf-8")
    assert 'dcterms:modified "2025-06-15T15:06:40+00:00"^^xsd:dateTime' in text  # the epoch, not the clock


def test_void_is_dated_by_the_data_not_by_the_clock(store: GraphStore, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Without SOURCE_DATE_EPOCH, the description is dated by the latest prov:generatedAtTime
    of the data, so exporting the same store twice gives the same description."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    latest = max(q.object.value for q in store.quads()
                 if q.predicate.value == "http://www.w3.org/ns/prov#generatedAtTime")
    one, two = tmp_path / "one" / "dhr.jsonld", tmp_path / "two" / "dhr.jsonld"
    export_rdf(store, one, "jsonld")
    export_rdf(store, two, "jsonld")
    assert one.read_bytes() == two.read_bytes()
    text = void_path(one).read_text(encoding="utf-8").replace("one/dhr.jsonld", "two/dhr.jsonld")
    assert text == void_path(two).read_text(encoding="utf-8")
    void = Graph().parse(void_path(one), format="turtle")
    assert {v.toPython() for v in void.objects(None, DCTERMS.modified)} == {
        datetime.fromisoformat(latest.replace("Z", "+00:00"))}
