"""What linking needs from every review (`ReviewInfo`), read from the store (`Corpus`).

A whole store is read with a few SELECTs serialised by Oxigraph (sparql.py); a few changed
reviews by index look-ups. The texts of the recommendations are tokenised (tokens.py) once the
repeat statements (settings.py) are split off them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pyoxigraph as ox
from rdflib.namespace import DCTERMS, RDF

from ..iris import DHR, review_of_recommendation
from .settings import Settings
from .sparql import IRI_PAIR_ROW, iri_rows, iri_texts, pairs_query, tsv_rows, tsv_text
from .tokens import Tokeniser

_DHR = str(DHR)
_DCT = str(DCTERMS)
_RDF_TYPE = str(RDF.type)
_TYPE = ox.NamedNode(_RDF_TYPE)


def dhr(local: str) -> ox.NamedNode:
    """A term of the dhr: vocabulary."""
    return ox.NamedNode(_DHR + local)


_TOKENISE_BLOCK = 500  # reviews tokenised together

# (feature ids, counts, features per recommendation) of a review's recommendations, in order
TextRows = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass
class ReviewInfo:
    """One review as linking sees it."""

    iri: str
    issued: str  # "YYYY-MM", "" when undated
    partnership: str | None
    bodies: set[str] = field(default_factory=set)  # index tokens: body IRI, or "IRI partnership"
    themes: Counter[str] = field(default_factory=Counter)  # theme IRI -> recommendations with it
    recs: list[tuple[str, str | None]] = field(default_factory=list)  # (IRI, repeat statement)
    words_known: bool = False  # texts tokenised in this process: the tokeniser knows their words
    text_rows: TextRows | None = None

    @property
    def key(self) -> str:
        return self.iri.rsplit("/", 1)[-1]

    @property
    def order(self) -> tuple[str, str]:
        return (self.issued or "9999-99", self.key)  # undated reviews come last


@dataclass
class Corpus:
    """What linking needs from every review, sorted by time (earlier first)."""

    reviews: list[ReviewInfo]
    index: dict[str, int] = field(init=False)
    _texts: tuple[Callable[[], list[tuple[str, str]]], Settings, Tokeniser] | None = field(
        default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.reviews.sort(key=lambda r: r.order)
        self.index = {r.iri: i for i, r in enumerate(self.reviews)}

    @classmethod
    def read(cls, store: ox.Store, settings: Settings, only: Iterable[str] | None = None,
             tokeniser: Tokeniser | None = None, defer_texts: bool = False) -> Corpus:
        """Read reviews, their addressees, themes and recommendation texts: the whole store with
        a few SELECTs serialised by Oxigraph, or (`only`) a few reviews with index look-ups.

        Reading the whole store, the SELECTs run in two background threads (Oxigraph evaluates
        and serialises them without the GIL); with `defer_texts` the texts are tokenised only
        when first needed (`ensure_texts`), so the links of the other bases can be computed and
        written first."""
        infos: dict[str, ReviewInfo] = {}
        if only is None:
            texts, groups, generic, addressed, themes = _read_all(store, infos)
        else:
            texts, groups, generic, addressed, themes = _read_some(store, only, infos)
        for rec, body in addressed:
            review = infos.get(review_of_recommendation(rec))
            if review is None or body in groups:
                continue
            # "the Police" only means one body within one area
            review.bodies.add(f"{body} {review.partnership}" if (rec, body) in generic else body)
        for rec, theme in themes:
            review = infos.get(review_of_recommendation(rec))
            if review is not None:
                review.themes[theme] += 1
        corpus = cls(list(infos.values()))
        corpus._texts = (texts, settings, tokeniser or Tokeniser())
        if not defer_texts:
            corpus.ensure_texts()
        return corpus

    def ensure_texts(self) -> None:
        """Split off repeat statements and tokenise the texts read with the corpus (once)."""
        if self._texts is None:
            return
        read, settings, tok = self._texts
        self._texts = None
        by_review: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for rec, text in sorted(read()):
            by_review[review_of_recommendation(rec)].append((rec, text))
        # tokenised a block of reviews at a time: the words of a national corpus as Python
        # strings would take gigabytes; the features they become take a few bytes each
        for start in range(0, len(self.reviews), _TOKENISE_BLOCK):
            block = self.reviews[start:start + _TOKENISE_BLOCK]
            texts: list[str] = []  # without their statements; dropped once tokenised
            for review in block:
                review.words_known = True
                for rec, text in by_review.pop(review.iri, []):
                    statement, rest = settings.repeat_statement(text)
                    review.recs.append((rec, statement))
                    texts.append(rest)
            indptr, ids, counts, _ = tok.rows(texts)
            at = 0
            for review in block:
                n = len(review.recs)
                lo, hi = indptr[at], indptr[at + n]
                review.text_rows = (ids[lo:hi], counts[lo:hi], np.diff(indptr[at:at + n + 1]))
                at += n


# what both readers return: (texts when asked for, addressee groups, generic (rec, body) pairs,
# (rec, body) addressed, (rec, theme))
_Read = tuple[Callable[[], list[tuple[str, str]]], set[str], set[tuple[str, str]],
              Iterable[tuple[str, str]], Iterable[tuple[str, str]]]


def _read_all(store: ox.Store, infos: dict[str, ReviewInfo]) -> _Read:
    """The whole store, by SELECTs serialised as TSV, two of them at a time in the background."""
    pool = ThreadPoolExecutor(max_workers=2)
    themes_job, generic_job, addressed_job, texts_job = (pool.submit(tsv_text, store, q) for q in (
        pairs_query(_DHR + "hasTheme"),
        f'SELECT ?s ?o WHERE {{ GRAPH ?g {{ ?s <{_DHR}resolutionMethod> "generic" ; <{_DHR}addressee> ?o }} }}',
        pairs_query(_DHR + "addressedTo"), pairs_query(_DHR + "text")))
    pool.shutdown(wait=False)
    for r, issued, csp in tsv_rows(store, f"""SELECT ?r ?i ?p WHERE {{ ?r a <{_DHR}Review> .
            OPTIONAL {{ ?r <{_DCT}issued> ?i }} OPTIONAL {{ ?r <{_DHR}partnership> ?p }} }}"""):
        infos[r] = ReviewInfo(r, issued, csp or None)
    groups = set(iri_rows(store, pairs_query(_RDF_TYPE, f"<{_DHR}AddresseeGroup>")))
    generic = {(x.rsplit("/addressee/", 1)[0], a) for x, a in IRI_PAIR_ROW.findall(generic_job.result())}
    # pairs read as they are used, not as lists first: a national corpus has a million of them
    addressed = ((m[1], m[2]) for m in IRI_PAIR_ROW.finditer(addressed_job.result()))
    themes = ((m[1], m[2]) for m in IRI_PAIR_ROW.finditer(themes_job.result()))

    def texts() -> list[tuple[str, str]]:
        return iri_texts(texts_job.result())

    return texts, groups, generic, addressed, themes


def _objects(store: ox.Store, subject: ox.NamedNode, local: str) -> list[ox.NamedNode | ox.Literal]:
    """The objects of (subject, dhr:local) in whichever graph (IRIs and literals only)."""
    return [q.object for q in store.quads_for_pattern(subject, dhr(local), None)
            if isinstance(q.object, (ox.NamedNode, ox.Literal))]


def _has(store: ox.Store, subject: ox.NamedNode, predicate: ox.NamedNode, obj: ox.NamedNode | ox.Literal) -> bool:
    return any(True for _ in store.quads_for_pattern(subject, predicate, obj))


def _read_some(store: ox.Store, only: Iterable[str], infos: dict[str, ReviewInfo]) -> _Read:
    """A few reviews, by index look-ups."""
    groups: set[str] = set()
    generic: set[tuple[str, str]] = set()
    addressed: list[tuple[str, str]] = []
    themes: list[tuple[str, str]] = []
    texts_l: list[tuple[str, str]] = []
    issued_p, generic_l = ox.NamedNode(_DCT + "issued"), ox.Literal("generic")
    for r in only:
        rn = ox.NamedNode(r)
        if not _has(store, rn, _TYPE, dhr("Review")):
            continue
        issued = next((q.object.value for q in store.quads_for_pattern(rn, issued_p, None)
                       if isinstance(q.object, ox.Literal)), "")
        csp = next((o.value for o in _objects(store, rn, "partnership")), None)
        infos[r] = ReviewInfo(r, issued, csp)
        for q in store.quads_for_pattern(None, dhr("review"), rn):
            rec = q.subject
            if not isinstance(rec, ox.NamedNode):
                continue
            texts_l.extend((rec.value, t.value) for t in _objects(store, rec, "text"))
            themes.extend((rec.value, t.value) for t in _objects(store, rec, "hasTheme"))
            for body in _objects(store, rec, "addressedTo"):
                addressed.append((rec.value, body.value))
                if isinstance(body, ox.NamedNode) and _has(store, body, _TYPE, dhr("AddresseeGroup")):
                    groups.add(body.value)
            for addressing in _objects(store, rec, "addressing"):
                if isinstance(addressing, ox.NamedNode) and _has(store, addressing, dhr("resolutionMethod"),
                                                                 generic_l):
                    generic.update((rec.value, x.value) for x in _objects(store, addressing, "addressee"))

    def texts() -> list[tuple[str, str]]:
        return texts_l

    return texts, groups, generic, addressed, themes
