"""Where links live in the store.

The links a review holds as the later review live in its own named graph
`{base}graph/links/{key}`, so a review's links are replaced as one graph. Its link-feature record
(record.py), a cache that only updates read, lives in the internal graph
`{base}graph/internal/link-features/{key}`, which exports and publishing leave out
(`iris.is_internal_graph`).
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from ..iris import internal_graph, review_of_recommendation
from .linker import Link

_LINKS_GRAPH = re.compile(r"[/#]graph/links/[^/#]+$")
_FEATURES = "link-features"
_FEATURES_GRAPH = re.compile(rf"[/#]graph/internal/{_FEATURES}/[^/#]+$")


def _split(review_iri: str) -> tuple[str, str]:
    """(base, key) of a review IRI `{base}review/{key}` (see `iris.Minter.review`)."""
    base, sep, key = review_iri.rpartition("review/")
    if not sep or not key:
        raise ValueError(f"not a review IRI: {review_iri!r}")
    return base, key


def links_graph_iri(review_iri: str) -> str:
    """`{base}graph/links/{key}` for the review `{base}review/{key}`."""
    base, key = _split(review_iri)
    return f"{base}graph/links/{key}"


def features_graph_iri(review_iri: str) -> str:
    """`{base}graph/internal/link-features/{key}` for the review `{base}review/{key}`."""
    base, key = _split(review_iri)
    return internal_graph(base, f"{_FEATURES}/{key}")


def statement_graph(rec_iri: str) -> str:
    """The links graph of the review a recommendation IRI `{base}review/{key}/rec/{n}` belongs to."""
    return links_graph_iri(review_of_recommendation(rec_iri))


def link_iri(link: Link) -> str:
    """`{base}link/{basis}/{earlier key}/{later key}`, and the two recommendations' numbers for a
    recurring recommendation: the same link always gets the same IRI."""
    base, later_key = _split(link.later)
    earlier_key = link.earlier.rsplit("/", 1)[-1]
    iri = f"{base}link/{link.basis}/{earlier_key}/{later_key}"
    if link.later_rec and link.earlier_rec:
        iri += f"/{link.earlier_rec.rsplit('/', 1)[-1]}/{link.later_rec.rsplit('/', 1)[-1]}"
    return iri


def is_features_graph(graph_iri: str) -> bool:
    return _FEATURES_GRAPH.search(graph_iri) is not None


def linking_graphs(store: ox.Store) -> list[ox.NamedNode]:
    """Every links graph and link-feature graph of the store (what a full recompute replaces)."""
    return [g for g in store.named_graphs() if isinstance(g, ox.NamedNode)
            and (_LINKS_GRAPH.search(g.value) or _FEATURES_GRAPH.search(g.value))]
