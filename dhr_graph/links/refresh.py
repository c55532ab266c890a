"""Entry points: all links at once (`recompute_all`), or only those a change touches (`update`).

An update reads the link-feature records kept for every other review instead of the corpus,
and tokenises only the changed reviews; it recomputes the changed reviews' links graphs, plus
those of the later reviews that had one of them as a link or now take one into their strongest
links. Scores use the document frequencies of the whole corpus at the time a graph is computed;
graphs that were not touched keep theirs until the next `recompute_all` (the drift is small:
one review in a few thousand). The same holds for a basis' candidate window (`dhr:maxCandidates`):
a review added between earlier ones moves the window of the reviews after it; the newest review
moves none. `recompute_all` also runs when most of the corpus is new (a first
build) or records are missing (a store linked by an older version).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence

import pyoxigraph as ox
from rdflib.namespace import RDF

from ..iris import DHR
from ..store import GraphStore
from . import record
from .corpus import Corpus, ReviewInfo, dhr
from .graphs import features_graph_iri, is_features_graph, linking_graphs, links_graph_iri
from .linker import Linker
from .settings import Settings
from .sparql import iri_rows, pairs_query
from .tokens import Tokeniser
from .write import Writer, loader

logger = logging.getLogger(__name__)

_RECORD_PART = 2000  # link-feature records per part written
_BULK_REVIEWS = 250  # from this many links graphs (some 7,000 links) on, writes go through the bulk loader


def recompute_all(store: ox.Store, settings: Settings | None = None) -> int:
    """Drop every links graph and compute all links again; returns the number of links."""
    started = time.perf_counter()
    settings = settings or Settings.load()
    for g in linking_graphs(store):
        store.remove_graph(g)
    tok = Tokeniser()
    corpus = Corpus.read(store, settings, tokeniser=tok, defer_texts=True)
    with loader(store, bulk=True) as put:
        n = _write_links(put, Writer(settings), Linker(corpus, settings, store, tok), range(len(corpus.reviews)))
    logger.info("links: %d links of %d reviews computed in %.2f s", n, len(corpus.reviews),
                time.perf_counter() - started)
    return n


def recompute_store(store: GraphStore, settings: Settings | None = None) -> int:
    """Recompute every link of a store on disk in one atomic write; returns the number of links."""
    _ = store.store  # a clear StoreError when there is no store yet (replace would start one)
    counted: list[int] = []
    store.replace({}, edit=lambda work: counted.append(recompute_all(work, settings)))
    return counted[0]


def read_records(store: ox.Store) -> dict[str, ReviewInfo]:
    """The link-feature record kept for every review (see record.py), read by index look-up:
    a few thousand long literals, with nothing to unescape."""
    infos = record.decode(q.object.value for q in store.quads_for_pattern(None, dhr("linkFeatures"), None, None)
                          if isinstance(q.subject, ox.NamedNode) and q.subject == q.graph_name
                          and is_features_graph(q.subject.value) and isinstance(q.object, ox.Literal))
    return {info.iri: info for info in infos}


def update(store: ox.Store, changed_reviews: Iterable[str], settings: Settings | None = None) -> set[str]:
    """Bring the links up to date after `changed_reviews` were added, replaced or removed.

    Returns the IRIs of the reviews whose links graphs were recomputed (all of them when most
    of the corpus changed, e.g. a first build).
    """
    settings = settings or Settings.load()
    changed = set(changed_reviews)
    if not changed:
        return set()
    present = set(iri_rows(store, pairs_query(str(RDF.type), f"<{DHR}Review>")))
    records = read_records(store) if len(changed & present) * 2 <= len(present) else {}
    if not records or (present - changed) - set(records):  # a first build, or links from before records
        logger.info("links: %d of %d reviews changed, or records missing: recomputing all links",
                    len(changed), len(present))
        recompute_all(store, settings)
        return present | changed
    started = time.perf_counter()
    dirty: set[str] = set(changed)
    earlier_p, later_p = dhr("earlierReview"), dhr("laterReview")
    for review in changed:  # later reviews that held a link to a changed review lose it
        for q in store.quads_for_pattern(None, earlier_p, ox.NamedNode(review), None):
            dirty.update(later.object.value for later in store.quads_for_pattern(q.subject, later_p, None, q.graph_name)
                         if isinstance(later.object, ox.NamedNode))
    tok = Tokeniser()
    fresh = Corpus.read(store, settings, only=sorted(changed & present), tokeniser=tok)
    infos = {iri: info for iri, info in records.items() if iri in present and iri not in changed}
    infos.update({r.iri: r for r in fresh.reviews})
    linker = Linker(Corpus(list(infos.values())), settings, store, tok)
    index = linker.corpus.index
    dirty.update(linker.corpus.reviews[p].iri for p in linker.affected_by(index[r] for r in changed if r in index))
    for review in dirty:
        for g in (ox.NamedNode(links_graph_iri(review)), ox.NamedNode(features_graph_iri(review))):
            if store.contains_named_graph(g):
                store.remove_graph(g)
    positions = sorted(index[r] for r in dirty if r in index)
    with loader(store, bulk=len(positions) >= _BULK_REVIEWS) as put:
        n = _write_links(put, Writer(settings), linker, positions)
    logger.info("links: %d changed reviews; links of %d reviews recomputed (%d links) in %.2f s",
                len(changed), len(dirty), n, time.perf_counter() - started)
    return dirty


def _write_links(put: Callable[[str], None], writer: Writer, linker: Linker, positions: Sequence[int]) -> int:
    """Compute the links of these reviews, basis by basis, and hand them to `put` as text
    (a basis' `Link` objects are dropped once written), then their repeat statements and link
    features (known once the texts are tokenised); returns the number of links."""
    n = 0
    for part in linker.links_by_basis(positions):
        put(writer.links(part))
        n += len(part)
    put(writer.statements(linker.statements_of(positions)))
    reviews = linker.corpus.reviews
    for start in range(0, len(positions), _RECORD_PART):  # parts: a record is some 10 KB of text
        put(writer.records(reviews[p] for p in positions[start:start + _RECORD_PART]))
    return n


def updater(changed_reviews: Iterable[str], settings: Settings | None = None) -> Callable[[ox.Store], None]:
    """The `edit=` callback for `GraphStore.replace`: links change in the same atomic step."""
    changed = list(changed_reviews)

    def edit(store: ox.Store) -> None:
        update(store, changed, settings)

    return edit
