"""The one converter between pyoxigraph and rdflib terms.

The store, the SPARQL engine and the file parsers are Oxigraph's; pySHACL, JSON-LD and the
registry and scheme readers work on rdflib graphs. Every hand-over between the two goes
through here, so a term means the same on both sides:

- a literal keeps its lexical form both ways: rdflib is told not to normalise, so
  `"01"^^xsd:integer` stays `"01"` and an ill-typed `"none"^^xsd:boolean` stays itself
  (normalised, it would become `"false"`: another value than the data holds);
- a simple literal is `xsd:string` in Oxigraph and has no datatype in rdflib;
- a blank node keeps its label, so the same node converted twice is the same node.

`ToRdflib` and `ToOx` cache what they convert: the same IRIs recur in every review.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

if TYPE_CHECKING:
    from rdflib import Dataset, Graph
    from rdflib.term import Node

XSD_STRING = str(XSD.string)

# a term that can stand in a triple (RDF-star quoted triples are not used by the toolkit)
OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
RdflibTerm = URIRef | BNode | Literal


def to_rdflib(term: object) -> RdflibTerm:
    """A pyoxigraph term as an rdflib term, its lexical form as written (see the module docstring)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype), normalize=False)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    raise TypeError(f"unsupported RDF term {term!r}")


def to_ox(term: Node) -> OxTerm:
    """An rdflib term as a pyoxigraph term (a literal without datatype or language is xsd:string)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"unsupported RDF term {term!r}")


def to_ox_subject(term: Node) -> ox.NamedNode | ox.BlankNode:
    """`to_ox` of a term that can be a subject (an IRI or a blank node); a literal is a TypeError."""
    node = to_ox(term)
    if isinstance(node, ox.Literal):
        raise TypeError(f"a literal cannot be a subject: {term!r}")
    return node


def to_ox_iri(term: Node) -> ox.NamedNode:
    """`to_ox` of a term that must be an IRI (a predicate, a graph name)."""
    if not isinstance(term, URIRef):
        raise TypeError(f"not an IRI: {term!r}")
    return ox.NamedNode(str(term))


class ToRdflib:
    """`to_rdflib`, remembering each term converted (a store repeats the same terms many times)."""

    def __init__(self) -> None:
        self._cache: dict[object, RdflibTerm] = {}

    def __call__(self, term: object) -> RdflibTerm:
        node = self._cache.get(term)
        if node is None:
            node = self._cache[term] = to_rdflib(term)
        return node


class ToOx:
    """`to_ox`, remembering the IRIs converted (the same predicates and types recur on every review)."""

    def __init__(self) -> None:
        self._iris: dict[str, ox.NamedNode] = {}

    def iri(self, value: str) -> ox.NamedNode:
        node = self._iris.get(value)
        if node is None:
            node = self._iris[value] = ox.NamedNode(value)
        return node

    def __call__(self, term: Node) -> OxTerm:
        if isinstance(term, URIRef):
            return self.iri(str(term))
        if isinstance(term, Literal) and not term.language and term.datatype is not None:
            return ox.Literal(str(term), datatype=self.iri(str(term.datatype)))
        return to_ox(term)


def to_quads(graph: Graph, graph_iri: str, conv: ToOx | None = None) -> list[ox.Quad]:
    """An rdflib graph's triples as pyoxigraph quads in the named graph `graph_iri`."""
    conv = conv or ToOx()
    g = conv.iri(graph_iri)
    return [ox.Quad(conv(s), conv(p), conv(o), g) for s, p, o in graph]  # type: ignore[arg-type]  # no literal subjects


def to_graph(statements: Iterable[ox.Quad] | Iterable[ox.Triple], graph: Graph | None = None) -> Graph:
    """The triples of pyoxigraph statements (graph names dropped) in an rdflib graph (a new one unless given)."""
    from rdflib import Graph

    out = Graph() if graph is None else graph
    conv = ToRdflib()
    out.addN((conv(s.subject), conv(s.predicate), conv(s.object), out) for s in statements)
    return out


def to_dataset(statements: Iterable[ox.Quad] | Iterable[ox.Triple]) -> Dataset:
    """An rdflib Dataset of pyoxigraph statements, one graph per named graph (triples in the default graph)."""
    from rdflib import Dataset

    ds = Dataset()
    conv = ToRdflib()
    graphs: dict[object, Graph] = {}
    for item in statements:
        g_term = getattr(item, "graph_name", None)
        if g_term is None or isinstance(g_term, ox.DefaultGraph):
            target = ds.default_graph
        else:
            target = graphs.get(g_term)
            if target is None:
                target = graphs[g_term] = ds.graph(conv(g_term))
        target.add((conv(item.subject), conv(item.predicate), conv(item.object)))
    return ds
