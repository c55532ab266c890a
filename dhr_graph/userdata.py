"""The user's own RDF (a geography, a registry extract) as named graphs beside the reviews.

A user graph is loaded whole, all or nothing, and replaces the graph of the same name, so
loading a file again never duplicates it. Builds only replace the graphs they make (reviews,
links, reference data, all under the toolkit's namespace or the instance base), so a user
graph named outside them stays as loaded: the IRI must not be in the toolkit's namespace,
and must not name a graph that holds reviews or links.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

from .inputfiles import rdf_quads
from .errors import InputError, StoreError
from .iris import DHR, DHR_BASE, PREFIXES
from .store import GraphStore

log = logging.getLogger(__name__)

FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE, ".turtle": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES,
    ".jsonld": ox.RdfFormat.JSON_LD, ".json": ox.RdfFormat.JSON_LD, ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML, ".xml": ox.RdfFormat.RDF_XML, ".n3": ox.RdfFormat.N3,
}
_BUILT = (DHR + "Review", DHR + "ReviewLink")  # a graph holding these was made by a build


def read_triples(path: Path) -> list[ox.Triple]:
    """The triples of one RDF file (format from its extension), or one clear line about it."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(str(path), f"cannot tell the RDF format from {path.suffix or 'no extension'!r} "
                                    f"(use one of {', '.join(sorted(FORMATS))}; datasets such as TriG are not taken)")
    return [ox.Triple(q.subject, q.predicate, q.object) for q in rdf_quads(path, fmt)]


def check_graph_iri(store: GraphStore, graph: str) -> ox.NamedNode:
    """The graph's node, unless builds own that name."""
    try:
        node = ox.NamedNode(graph)
    except ValueError:
        raise StoreError(f"--graph {graph!r} is not an absolute IRI") from None
    if ":" not in graph or graph.startswith(DHR_BASE):
        raise StoreError(f"--graph {graph}: choose an IRI of your own (not under {DHR_BASE}, "
                         "where builds write), e.g. https://example.org/graph/geography")
    if store.exists() and store.store.contains_named_graph(node):
        for kind in _BUILT:
            if next(store.store.quads_for_pattern(None, ox.NamedNode(_RDF_TYPE), ox.NamedNode(kind), node), None):
                raise StoreError(f"--graph {graph}: that graph holds {kind.rsplit('/', 1)[-1]} data "
                                 "made by a build; choose another IRI")
    return node


_RDF_TYPE = PREFIXES["rdf"] + "type"


def load_user_graph(store: GraphStore, files: Sequence[Path], graph: str) -> int:
    """Replace the user graph `graph` by the triples of `files`; returns how many it holds.

    Every file is read before the store is touched, so a bad file changes nothing."""
    if not store.exists():
        raise StoreError(f"{store.path}: no dhr-graph store here (run 'dhr-graph build --store {store.path}' first)")
    node = check_graph_iri(store, graph)
    triples: set[ox.Triple] = set()
    for path in files:
        triples.update(read_triples(path))
    store.replace({graph: [ox.Quad(t.subject, t.predicate, t.object, node) for t in triples]})
    log.info("loaded %d triples into %s", len(triples), graph)
    return len(triples)
