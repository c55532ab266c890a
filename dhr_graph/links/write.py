"""Links as N-Quads text, and how that text gets into the store (the last step of linking).

Formatting lines in Python is several times quicker than building an `ox.Quad` per statement,
and Oxigraph parses the text in Rust. A large write goes through the store's background bulk
loader, so links are written while the next basis is computed; a small one is one transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, RDF, XSD

from ..iris import DHR
from ..nquads import iri as nq_iri
from ..nquads import literal as lit
from ..store import BackgroundLoad
from . import record
from .corpus import ReviewInfo
from .graphs import features_graph_iri, link_iri, links_graph_iri, statement_graph
from .linker import Link
from .settings import BASES, Settings


class Writer:
    """Turns links, repeat statements and link-feature records into N-Quads text."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._iris: dict[str, str] = {}
        self.p = {name: nq_iri(DHR[name]) for name in (
            "ReviewLink", "basis", "score", "earlierReview", "laterReview", "shares", "evidence",
            "earlierRecommendation", "laterRecommendation", "repeatStatement", "linkFeatures")}
        self.basis = {name: nq_iri(b.iri) for name, b in settings.bases.items()}
        self.decimal = str(XSD.decimal)
        self.subject = nq_iri(DCTERMS.subject)
        self.type = nq_iri(RDF.type)

    def iri(self, value: str) -> str:
        text = self._iris.get(value)
        if text is None:
            text = self._iris[value] = nq_iri(value)
        return text

    def records(self, reviews: Iterable[ReviewInfo]) -> str:
        """What each review's links graph is about, and its link-feature record (in its own graph)."""
        lines = []
        for review in reviews:
            g = self.iri(links_graph_iri(review.iri))
            fg = self.iri(features_graph_iri(review.iri))
            lines.append(f"{g} {self.subject} {self.iri(review.iri)} {g} .\n"
                         f"{fg} {self.p['linkFeatures']} {lit(record.encode(review))} {fg} .\n")
        return "".join(lines)

    def links(self, links: Iterable[Link]) -> str:
        """Each link as a `dhr:ReviewLink` with its evidence, and nothing else: no shortcut triples
        between the two reviews (dhr:sharesAgencyWith and the like) or the two recommendations
        (dhr:repeatsRecommendation), which only repeated what the link resource says and were a
        fifth of the links' quads; the named queries follow the link resource."""
        p, iri, decimal = self.p, self.iri, self.decimal
        lines: list[str] = []
        add = lines.append
        for link in links:
            g = f" {iri(links_graph_iri(link.later))} .\n"
            node = nq_iri(link_iri(link))
            later, earlier = iri(link.later), iri(link.earlier)
            add(f"{node} {self.type} {p['ReviewLink']}{g}"
                f"{node} {p['basis']} {self.basis[link.basis]}{g}"
                f"{node} {p['score']} {lit(f'{link.score:.3f}', decimal)}{g}"
                f"{node} {p['laterReview']} {later}{g}"
                f"{node} {p['earlierReview']} {earlier}{g}")
            for x in link.shares:
                add(f"{node} {p['shares']} {iri(x)}{g}")
            if link.evidence:
                add(f"{node} {p['evidence']} {lit(link.evidence)}{g}")
            if link.later_rec and link.earlier_rec:
                lr, er = iri(link.later_rec), iri(link.earlier_rec)
                add(f"{node} {p['laterRecommendation']} {lr}{g}{node} {p['earlierRecommendation']} {er}{g}")
        return "".join(lines)

    def statements(self, statements: Iterable[tuple[str, str]]) -> str:
        """(recommendation, words saying it repeats an earlier one), in its review's links graph."""
        return "".join(f"{self.iri(rec)} {self.p['repeatStatement']} {lit(words)} "
                       f"{self.iri(statement_graph(rec))} .\n" for rec, words in statements)


@contextlib.contextmanager
def loader(store: ox.Store, bulk: bool) -> Iterator[Callable[[str], None]]:
    """A `put` that takes N-Quads text as it is produced and writes it into the store.

    A large write (a working copy, as in `GraphStore.replace`, or a first build) goes through
    `store.BackgroundLoad`, one bulk load per part: on two cores the links are computed while
    the earlier parts are written. It runs leniently (no second check of IRIs and literals): the
    text is ours, its IRIs checked and its literals escaped by nquads.py. A small
    write (an update) is one transaction at the end, so the store never holds half of it."""
    if bulk:
        with BackgroundLoad(store, lenient=True, ahead=len(BASES)) as background:
            yield background.put
        return
    parts: list[str] = []
    yield parts.append
    if any(parts):
        store.load("".join(parts).encode(), ox.RdfFormat.N_QUADS)
