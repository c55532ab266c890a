"""Which reviews a build can leave as they are: the graph it would write is the one stored.

A build computes each page's graph anyway (parse, resolve, classify, N-Quads). Its digest is
the SHA-256 of that N-Quads text without the build time, together with a fingerprint of what
it is validated against (the compiled shapes and the reference data). When a review graph is
written, its digest is recorded in the internal graph `{base}graph/internal/review-digests`
(exports and publishing leave internal graphs out), as one literal per review graph:
"DIGEST GENERATED-AT". A later build that computes the same digest for the page, and finds the
stored graph still carrying that generation time (so it was not replaced by other means, such
as `load`), leaves the graph as it is: it is not written, validated or linked again. Anything
that changes the graph (the page, the registry, the themes, the base IRI, the toolkit's
version) or the checks (shapes, reference data) changes the digest. The same graph records the
fingerprint of the reference files last loaded into the store, so that a build loads them again
only when they change.

Publishing (publish.graph_digest) hashes graphs separately, on purpose: it asks whether a server
holds exactly what the store holds now, for every public graph (registry, links, reference data
too), build time included and checks excluded, after the graph is stored; this digest asks,
before anything is written, whether a build would write the same review graph again. Either
one standing in for the other would re-send graphs that did not change or skip ones that did.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyoxigraph as ox

from .iris import DHR, PREFIXES, internal_graph
from .validation import Validator

_DIGEST = ox.NamedNode(DHR + "internal#reviewDigest")
_GENERATED = ox.NamedNode(PREFIXES["prov"] + "generatedAtTime")
_REFERENCE = ox.NamedNode(DHR + "internal#referenceDigest")


def fingerprint(validator: Validator, reference_files: Sequence[str | Path]) -> str:
    """SHA-256 of what a review is validated against: the compiled checks (or, for the general
    engine, the shapes) and the bytes of the reference data files."""
    h = hashlib.sha256()
    if validator.checks is not None:
        parts = sorted(repr((c.components, c.severity, c.message, c.messages, c.path, c.query)) for c in validator.checks)
    else:  # blank nodes of the shapes get new labels on every read: their canonical form
        from rdflib.compare import to_canonical_graph

        parts = sorted(to_canonical_graph(validator.core).serialize(format="nt").splitlines())
    parts += sorted(repr((c.target, c.severity, c.message, c.text, sorted(c.prefixes.items())))
                    for c in validator.sparql)
    for part in parts:
        h.update(part.encode())
        h.update(b"\0")
    for path in reference_files:
        h.update(Path(path).read_bytes())
        h.update(b"\0")
    return h.hexdigest()


class ReviewDigests:
    """The digests recorded in a store, and the ones a build adds."""

    def __init__(self, store: ox.Store, base: str, checks: str) -> None:
        """`checks`: the `fingerprint` of this build's validator and reference data."""
        self.graph = ox.NamedNode(internal_graph(base, "review-digests"))
        self.checks = checks
        self.stored: dict[str, str] = {}
        for q in store.quads_for_pattern(None, _DIGEST, None, self.graph):
            if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.Literal):
                self.stored[q.subject.value] = q.object.value

    def reference_current(self, store: ox.Store) -> bool:
        """Whether the reference graphs in the store were loaded from the files this build uses (the
        same checks fingerprint, recorded by `record_reference`): then they need not be loaded again."""
        return any(isinstance(q.object, ox.Literal) and q.object.value == self.checks
                   for q in store.quads_for_pattern(self.graph, _REFERENCE, None, self.graph))

    def record_reference(self, store: ox.Store) -> None:
        """Record that the reference graphs were loaded from this build's files."""
        for q in list(store.quads_for_pattern(self.graph, _REFERENCE, None, self.graph)):
            store.remove(q)
        store.add(ox.Quad(self.graph, _REFERENCE, ox.Literal(self.checks), self.graph))

    def digest(self, nquads: str, generated_at: str) -> str:
        """The digest of one review graph's N-Quads text, written at `generated_at`."""
        h = hashlib.sha256(self.checks.encode())
        h.update(nquads.replace(f'"{generated_at}"', '""').encode())
        return h.hexdigest()

    def unchanged(self, store: ox.Store, graph_iri: str, digest: str) -> bool:
        """Whether the store holds this review graph exactly as this build would write it."""
        recorded = self.stored.get(graph_iri)
        if recorded is None:
            return False
        was, _, when = recorded.partition(" ")
        if was != digest or not when:
            return False
        node = ox.NamedNode(graph_iri)
        return any(isinstance(q.object, ox.Literal) and q.object.value == when
                   for q in store.quads_for_pattern(node, _GENERATED, None, node))

    def record(self, store: ox.Store, written: dict[str, str], dropped: Iterable[str] = ()) -> None:
        """Record the digests of the review graphs `written` (graph IRI -> digest), as stored now,
        and forget those of graphs `dropped`."""
        for graph_iri in [*written, *dropped]:
            for q in list(store.quads_for_pattern(ox.NamedNode(graph_iri), _DIGEST, None, self.graph)):
                store.remove(q)
        quads = []
        for graph_iri, digest in written.items():
            node = ox.NamedNode(graph_iri)
            when = next((q.object.value for q in store.quads_for_pattern(node, _GENERATED, None, node)
                         if isinstance(q.object, ox.Literal)), None)
            if when is not None:
                quads.append(ox.Quad(node, _DIGEST, ox.Literal(f"{digest} {when}"), self.graph))
        store.bulk_extend(quads)
