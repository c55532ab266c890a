"""The ontology keeps within OWL 2 DL (tests/owl_dl.py says which rules are checked), with the data
the toolkit writes: a built store and the bundled reference files. Each rule is also shown to catch
its breach, on a copy of the ontology with one deliberate fault."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from dhr_graph import resources
from dhr_graph.iris import DHR
from dhr_graph.store import GraphStore

from .owl_dl import problems

ONTOLOGY = resources.ontology_dir() / "dhr.ttl"


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY, format="turtle")


@pytest.fixture(scope="module")
def store_data(sample_store: Path) -> Graph:
    """Every public statement of a store built from the sample page (reviews, reference graphs,
    links): what exports and `publish` send. The internal graphs (caches and digests the toolkit
    keeps for itself) are left out, as they are from every export."""
    gs = GraphStore(sample_store)
    g = Graph()
    from dhr_graph.terms import ToRdflib

    convert = ToRdflib()
    for q in gs.quads():
        g.add((convert(q.subject), convert(q.predicate), convert(q.object)))
    gs.close()
    return g


def test_ontology_is_within_owl2_dl(ontology: Graph) -> None:
    assert problems(ontology) == []


def test_ontology_with_the_data_is_within_owl2_dl(ontology: Graph, store_data: Graph) -> None:
    reference = [Graph().parse(p, format="turtle") for p in sorted(resources.ontology_dir().glob("*.ttl"))]
    assert problems(ontology, [store_data, *reference]) == []


def test_years_of_death_are_integers_both_owl_and_sparql_read(ontology: Graph, store_data: Graph) -> None:
    assert ontology.value(DHR.yearOfDeath, RDFS.range) == XSD.integer
    years = list(store_data.objects(None, DHR.yearOfDeath))
    assert years and all(y.datatype == XSD.integer for y in years)


FAULTS: list[tuple[str, Callable[[Graph], None], str]] = [
    ("gYear range", lambda g: g.set((DHR.yearOfDeath, RDFS.range, XSD.gYear)), "outside the OWL 2 datatype map"),
    ("date value", lambda g: g.add((DHR.Review, DHR.confidence, Literal("2022-07-01", datatype=XSD.date))),
     "outside the OWL 2 datatype map"),
    ("built-in class", lambda g: g.set((DHR.successorLookup, RDFS.range, OWL.DatatypeProperty)),
     "built-in vocabulary used as a class"),
    ("data property under annotation", lambda g: (g.remove((DHR.acronym, RDF.type, None)),
                                                  g.add((DHR.acronym, RDF.type, OWL.DatatypeProperty))),
     "is a sub-property of skos:altLabel"),
    ("undeclared reused property", lambda g: g.remove((URIRef("http://www.w3.org/ns/org#classification"), None, None)),
     "org:classification is used but not declared"),
    ("two kinds", lambda g: g.add((SKOS.prefLabel, RDF.type, OWL.DatatypeProperty)), "is declared as"),
    ("undeclared class", lambda g: g.add((DHR.Review, RDFS.subClassOf, URIRef("https://example.org/Thing"))),
     "is used as a class but not declared"),
]


@pytest.mark.parametrize("name,fault,fragment", FAULTS, ids=[f[0] for f in FAULTS])
def test_each_rule_catches_its_breach(ontology: Graph, store_data: Graph, name: str, fault, fragment: str) -> None:
    g = Graph()
    g.namespace_manager = ontology.namespace_manager
    for t in ontology:
        g.add(t)
    fault(g)
    found = problems(g, [store_data])
    assert any(fragment in p for p in found), found
