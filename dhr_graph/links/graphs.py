"""Where links live in the store (the IRI layouts themselves are in iris.py).

The links a review holds as the later review live in its own named graph
`{base}graph/links/{key}`, so a review's links are replaced as one graph. Its link-feature record
(record.py), a cache that only updates read, lives in the internal graph
`{base}graph/internal/link-features/{key}`, which exports and publishing leave out
(`iris.is_internal_graph`).
"""

from __future__ import annotations

import pyoxigraph as ox

from .. import iris
from ..iris import features_graph_iri, is_features_graph, links_graph_iri, review_of_recommendation
from .linker import Link

__all__ = ["features_graph_iri", "is_features_graph", "link_iri", "linking_graphs", "links_graph_iri", "statement_graph"]


def statement_graph(rec_iri: str) -> str:
    """The links graph of the review a recommendation IRI `{base}review/{key}/rec/{n}` belongs to."""
    return links_graph_iri(review_of_recommendation(rec_iri))


def link_iri(link: Link) -> str:
    """The IRI of a link (`iris.link_iri`): the same link always gets the same IRI."""
    return iris.link_iri(link.basis, link.earlier, link.later, link.earlier_rec, link.later_rec)


def linking_graphs(store: ox.Store) -> list[ox.NamedNode]:
    """Every links graph and link-feature graph of the store (what a full recompute replaces)."""
    return [g for g in store.named_graphs() if isinstance(g, ox.NamedNode)
            and (iris.is_links_graph(g.value) or is_features_graph(g.value))]
