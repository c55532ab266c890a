"""RDF exports: every format parsed back equals what the store holds, with its VoID/DCAT description."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic, to_isomorphic
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, XSD

from dhr_graph import __version__
from dhr_graph.cli.export import command
from dhr_graph.errors import OutputError
from dhr_graph.rdfexport import RDF_FORMATS, export_rdf, export_statements, jsonld_context, void_path
from dhr_graph.terms import to_rdflib as rdflib_term
from dhr_graph.iris import DHR
from dhr_graph.void import DATASET, NOT_STATED, namespace_of, statistics

from .export_support import RECOMMENDATIONS, REVIEWS, build_store

VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
RDFLIB_FORMATS = {"ttl": "turtle", "nt": "nt", "nq": "nquads", "trig": "trig", "jsonld": "json-ld", "rdfxml": "xml"}
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    return build_store(tmp_path_factory.mktemp("rdf") / "store")


def _expected(store) -> dict[str, Graph]:
    """The store's graphs as rdflib graphs, keyed by graph name ('' = union for triple formats)."""
    graphs: dict[str, Graph] = {}
    for q in store.quads():
        g = graphs.setdefault(q.graph_name.value, Graph())
        g.add((rdflib_term(q.subject), rdflib_term(q.predicate), _plain(q.object)))
    return graphs


def _plain(term):
    """Literals as a parser would build them, so both sides normalise the same way."""
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    return rdflib_term(term)


def _union(graphs: dict[str, Graph]) -> Graph:
    out = Graph()
    for g in graphs.values():
        for t in g:
            out.add(t)
    return out


@pytest.mark.parametrize("fmt", list(RDF_FORMATS))
def test_export_parses_back_isomorphic(store, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"dhr.{fmt}"
    written = export_rdf(store, out, fmt)
    expected = _expected(store)
    if RDF_FORMATS[fmt][1]:
        ds = Dataset()
        ds.parse(out, format=RDFLIB_FORMATS[fmt])
        parsed = {str(g.identifier): g for g in ds.graphs() if len(g)}
        assert sorted(parsed) == sorted(expected)
        assert written == sum(len(g) for g in expected.values())
        for name, graph in expected.items():
            assert isomorphic(parsed[name], graph), f"{fmt}: graph {name} differs"
        assert len(ds.default_graph) == 0
    else:
        parsed_graph = Graph().parse(out, format=RDFLIB_FORMATS[fmt])
        union = _union(expected)
        assert written == len(union) == len(parsed_graph)
        assert to_isomorphic(parsed_graph) == to_isomorphic(union)


def test_jsonld_uses_the_shipped_context_with_readable_keys(store, tmp_path: Path) -> None:
    out = tmp_path / "dhr.jsonld"
    export_rdf(store, out, "jsonld")
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["@context"] == jsonld_context()
    nodes = [node for graph in doc["@graph"] for node in graph.get("@graph", [])]
    recs = [n for n in nodes if n.get("@type") == "Recommendation"]
    assert len(recs) == RECOMMENDATIONS
    assert all({"text", "review", "addressedTo", "number"} <= set(r) for r in recs)
    review = next(n for n in nodes if n.get("@type") == "Review" and n.get("title") == "Synthetic review A (Testshire)")
    assert review["issued"] == "2021-01"  # typed by the context, not spelled out


def test_context_names_every_term_of_the_ontology() -> None:
    """The context must keep up with the ontology: every dhr: class and property has a short key."""
    from dhr_graph import resources

    onto = Graph().parse(resources.ontology_dir() / "dhr.ttl")
    terms = {str(s) for t in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
             for s in onto.subjects(RDF.type, t) if str(s).startswith(str(DHR))}
    context = jsonld_context()
    covered = set()
    for key, value in context.items():
        iri = value["@id"] if isinstance(value, dict) else value
        if isinstance(iri, str) and iri.startswith("dhr:"):
            covered.add(str(DHR) + iri[4:])
            assert key == iri[4:], f"{key} should be named after {iri}"
    missing = sorted(terms - covered)
    assert not missing, f"add these to ontology/context.jsonld: {missing}"


@pytest.mark.parametrize("fmt", ["trig", "ttl"])
def test_every_export_has_a_correct_dataset_description(store, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"dhr.{fmt}"
    written = export_rdf(store, out, fmt, publish_url="https://data.example.org/dhr/")
    described = void_path(out)
    assert described.name == f"dhr.{fmt}.void.ttl"
    void = Graph().parse(described, format="turtle")
    items = export_statements(store, fmt)
    stats = statistics(items)

    assert (DATASET, RDF.type, VOID.Dataset) in void and (DATASET, RDF.type, DCAT.Dataset) in void
    assert void.value(DATASET, VOID.triples).toPython() == written == stats.triples
    assert void.value(DATASET, VOID.entities).toPython() == stats.entities > 0
    assert void.value(DATASET, VOID.classes).toPython() == len(stats.classes)
    assert void.value(DATASET, VOID.properties).toPython() == len(stats.properties)
    classes = {void.value(p, VOID["class"]): void.value(p, VOID.entities).toPython()
               for p in void.objects(DATASET, VOID.classPartition)}
    assert classes[DHR.Review] == REVIEWS and classes[DHR.Recommendation] == RECOMMENDATIONS
    vocabularies = set(void.objects(DATASET, VOID.vocabulary))
    assert {URIRef(str(DHR)), URIRef(str(DCTERMS)), URIRef(namespace_of(str(RDF.type)))} <= vocabularies

    subsets = {str(s): s for s in void.objects(DATASET, VOID.subset)}
    assert sorted(subsets) == store.named_graphs()
    per_graph = {name: len(list(store.quads(name))) for name in subsets}
    for name, node in subsets.items():
        assert void.value(node, VOID.triples).toPython() == per_graph[name]
        assert void.value(node, DCTERMS.license) is not None or void.value(node, DCTERMS.rights) is not None
    assert void.value(URIRef("https://w3id.org/dhr-graph/graph/dhr"), DCTERMS.license) == CC_BY
    registry = URIRef("https://w3id.org/dhr-graph/graph/registry-test")
    assert str(void.value(registry, DCTERMS.rights)) == NOT_STATED

    dist = void.value(DATASET, DCAT.distribution)
    assert str(void.value(dist, DCTERMS.title)) == out.name
    assert void.value(dist, DCAT.byteSize).toPython() == out.stat().st_size
    assert str(void.value(dist, DCAT.downloadURL)) == f"https://data.example.org/dhr/{out.name}"
    tool = URIRef("https://w3id.org/dhr-graph/def/tool/dhr-graph")
    assert str(void.value(tool, DCTERMS.hasVersion)) == __version__
    assert (None, RDFS.label, Literal("dhr-graph")) in void


def test_failed_export_leaves_no_file(store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dhr_graph import ntriples

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(ntriples, "graph_bytes", broken)  # what every export reads the store through
    with pytest.raises(OutputError, match="dhr.trig: cannot write: disk full"):
        export_rdf(store, tmp_path / "dhr.trig", "trig")
    assert list(tmp_path.iterdir()) == []


def test_cli_export_rdf_writes_file_and_description(store, tmp_path: Path) -> None:
    out = tmp_path / "dhr.nq"
    result = CliRunner().invoke(command, ["--store", str(store.path), "--format", "nq", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file() and void_path(out).is_file()
    assert f"wrote {len(list(store.quads()))} statements" in result.output
    bad = CliRunner().invoke(command, ["--store", str(store.path), "--format", "ttl",
                                       "--projection", "review-review", "-o", str(tmp_path / "x.ttl")])
    assert bad.exit_code == 2 and "--projection" in bad.output
