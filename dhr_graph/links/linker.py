"""The links of any set of reviews, basis by basis (`Linker`), from the scoring's indexes.

Each review keeps its strongest links to *earlier* reviews (by publication month, then key), at
most `dhr:maxLinks` per basis, above `dhr:minScore`, and where a basis sets `dhr:maxCandidates`
only among that many reviews just before it (settings.py). So a review's links depend only on it
and on the reviews before it, which is what lets refresh.py recompute only a few reviews' links
when one is added.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pyoxigraph as ox

from .corpus import Corpus, dhr
from .scoring import Matrix, back_links, partnership_score, ranks, shared, strings_matrix, tfidf
from .settings import ORGANISATION, PARTNERSHIP, RECURRING, THEME, Settings
from .tokens import Tokeniser

_TEXT_PART = 8 * 1024  # recommendations per part of the recurring links
_REVIEW_PART = 2000  # reviews per part of the shared-organisation and shared-theme links


@dataclass(frozen=True)
class Link:
    """One computed link, from the later review to the earlier one."""

    basis: str
    later: str  # review IRIs
    earlier: str
    score: float
    shares: tuple[str, ...] = ()
    later_rec: str | None = None
    earlier_rec: str | None = None
    evidence: str | None = None


@dataclass
class _Recommendations:
    """Every recommendation of a corpus, as a row of the text matrix."""

    iris: list[str]
    review: np.ndarray  # row -> position of its review
    of_review: dict[int, list[int]]  # review position -> rows
    statements: dict[int, str]  # row -> words saying it repeats an earlier recommendation
    text: Matrix


class Linker:
    """The indexes of one corpus, and the links of any set of its reviews."""

    def __init__(self, corpus: Corpus, settings: Settings | None = None, store: ox.Store | None = None,
                 tokeniser: Tokeniser | None = None) -> None:
        self.corpus = corpus
        self.settings = settings = settings or Settings.load()
        self.store = store  # for the texts behind the evidence of reviews read from their records
        self.tok = tokeniser or Tokeniser()
        cfg = settings.bases
        reviews = corpus.reviews
        review_pos = np.arange(len(reviews))
        self.org, self.org_names = strings_matrix(
            [r.bodies for r in reviews], review_pos, np.full(len(reviews), cfg[ORGANISATION].min_score),
            cfg[ORGANISATION].max_df, cfg[ORGANISATION].max_count)
        self.theme, self.theme_names = strings_matrix(
            [r.themes for r in reviews], review_pos, np.full(len(reviews), cfg[THEME].min_score),
            cfg[THEME].max_df, cfg[THEME].max_count)
        self._known: np.ndarray | None = None  # reviews whose words the tokeniser knows
        self._shown: tuple[list[bool], list[str], np.ndarray] | None = None  # evidence words per column
        self.by_partnership: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(reviews):
            if r.partnership:
                self.by_partnership[r.partnership].append(i)

    @cached_property
    def recs(self) -> _Recommendations:
        """The recommendations' text index, built when first needed (after the other bases'
        links when the whole corpus is linked: see `Corpus.read`)."""
        self.corpus.ensure_texts()
        iris: list[str] = []
        review: list[int] = []
        statements: dict[int, str] = {}
        of_review: dict[int, list[int]] = {}
        ids, counts, nnz = [], [], []
        for p, r in enumerate(self.corpus.reviews):
            assert r.text_rows is not None
            first = len(iris)
            for rec, statement in r.recs:
                if statement:
                    statements[len(iris)] = statement
                iris.append(rec)
                review.append(p)
            of_review[p] = list(range(first, len(iris)))
            ids.append(r.text_rows[0])
            counts.append(r.text_rows[1])
            nnz.append(r.text_rows[2])
        rec_review = np.asarray(review, dtype=np.int64)
        indptr = np.r_[0, np.cumsum(np.concatenate(nnz) if nnz else np.zeros(0, np.int64))].astype(np.int64)
        cfg = self.settings.bases[RECURRING]
        rec_min = np.full(len(iris), cfg.min_score)
        for i in statements:
            rec_min[i] = min(rec_min[i], self.settings.stated_min_score)
        text = tfidf(indptr, np.concatenate(ids) if ids else np.zeros(0, np.uint64),
                      np.concatenate(counts) if counts else np.zeros(0, np.uint16),
                      rec_review, rec_min, cfg.max_df, cfg.min_cut, cfg.max_count)
        return _Recommendations(iris, rec_review, of_review, statements, text)

    # -- which reviews need their links recomputed
    def affected_by(self, review_positions: Iterable[int]) -> set[int]:
        """Later reviews whose strongest earlier links now include one of these reviews."""
        changed = sorted(set(review_positions))
        if not changed:
            return set()
        cfg = self.settings.bases
        out: set[int] = set()
        recs = self.recs
        rec_rows = np.asarray([i for p in changed for i in recs.of_review.get(p, [])], dtype=np.int64)
        for m, rows, name, to_review in (
            (self.org, np.asarray(changed, dtype=np.int64), ORGANISATION, None),
            (self.theme, np.asarray(changed, dtype=np.int64), THEME, None),
            (recs.text, rec_rows, RECURRING, recs.text.pos),
        ):
            if not len(rows):
                continue
            window = cfg[name].max_candidates
            prod = (m.rows[rows] @ m.t).tocoo()
            gap = m.pos[prod.col] - m.pos[rows[prod.row]]
            later = prod.col[(gap > 0) & (gap <= (window or len(self.corpus.reviews)))
                             & (prod.data >= m.row_min[prod.col] - 1e-9)]
            candidates = np.unique(later).astype(np.int64)
            if not len(candidates):
                continue
            r, c, _ = back_links(m, candidates, cfg[name].max_links, window)
            hit = np.isin(c, rows)
            rows_hit = np.unique(r[hit])
            out.update(int(x) for x in (to_review[rows_hit] if to_review is not None else rows_hit))
        k = cfg[PARTNERSHIP].max_links
        for p in changed:
            csp = self.corpus.reviews[p].partnership
            if csp:
                same = self.by_partnership[csp]  # in time order
                at = bisect_right(same, p)
                out.update(same[at:at + k] if k else same[at:])
        return out - set(changed)

    # -- links of a set of reviews (as the later review)
    def links_by_basis(self, positions: Iterable[int] | None = None) -> Iterator[list[Link]]:
        """The links of these reviews, one basis at a time (a national corpus never holds every
        link as a Python object at once)."""
        reviews = self.corpus.reviews
        pos = np.asarray(sorted(set(range(len(reviews))) if positions is None else set(positions)),
                         dtype=np.int64)
        cfg = self.settings.bases
        yield self._partnership_links(pos)  # the quickest first: the writing starts soonest
        for name, m, names in ((ORGANISATION, self.org, self.org_names), (THEME, self.theme, self.theme_names)):
            col_names = [names[int(f)] for f in m.cols]
            # ties are broken by name, not by column order, so the same input gives the same evidence
            tie = ranks(col_names)
            for start in range(0, max(len(pos), 1), _REVIEW_PART):  # parts: memory does not grow with the corpus
                r, c, s = back_links(m, pos[start:start + _REVIEW_PART], cfg[name].max_links,
                                     cfg[name].max_candidates)
                evidence = shared(m, r, c, tie, cfg[name].max_shares)
                yield [Link(name, reviews[a].iri, reviews[b].iri, score,
                            tuple(sorted({col_names[f].split(" ", 1)[0] for f in cols})))
                       for a, b, score, cols in zip(r.tolist(), c.tolist(), s.tolist(), evidence)]
        recs = self.recs
        rows = np.asarray([i for p in pos.tolist() for i in recs.of_review.get(p, [])], dtype=np.int64)
        for start in range(0, max(len(rows), 1), _TEXT_PART):  # parts, so one is written while the next is computed
            part = rows[start:start + _TEXT_PART]
            r, c, s = back_links(recs.text, part, cfg[RECURRING].max_links, cfg[RECURRING].max_candidates)
            self._ensure_words(set(r.tolist()) | set(c.tolist()))
            yield [Link(RECURRING, reviews[recs.review[a]].iri, reviews[recs.review[b]].iri, score,
                        later_rec=recs.iris[a], earlier_rec=recs.iris[b], evidence=words)
                   for a, b, score, words in zip(r.tolist(), c.tolist(), s.tolist(), self._shared_words(r, c))]

    def _partnership_links(self, pos: np.ndarray) -> list[Link]:
        reviews, cfg = self.corpus.reviews, self.settings.bases
        out: list[Link] = []
        k = cfg[PARTNERSHIP].max_links
        for p in pos.tolist():
            later = reviews[p]
            same = self.by_partnership.get(later.partnership or "", [])  # in time order: a look-up, not a scan
            at = bisect_left(same, p)
            for q in reversed(same[max(0, at - k) if k else 0:at]):  # the closest in time score highest
                score = partnership_score(reviews[q].issued, later.issued)
                if score >= cfg[PARTNERSHIP].min_score:
                    out.append(Link(PARTNERSHIP, later.iri, reviews[q].iri, score, (later.partnership or "",)))
        return out

    def _ensure_words(self, rows: set[int]) -> None:
        """Tokenise the texts of recommendations read from their review's record, for the words
        of the evidence (the record keeps hashed features only)."""
        if self._known is None:  # once, not once per part: a national corpus has hundreds of parts
            self._known = np.asarray([r.words_known for r in self.corpus.reviews], dtype=bool)
        missing = sorted(i for i in rows if not self._known[int(self.recs.review[i])])
        if not missing or self.store is None:
            return
        text = dhr("text")
        self.tok.rows([self.settings.repeat_statement(q.object.value)[1] for i in missing
                       for q in self.store.quads_for_pattern(ox.NamedNode(self.recs.iris[i]), text, None)
                       if isinstance(q.object, ox.Literal)])
        self._shown = None  # the tokeniser knows more words now

    def _shared_words(self, r: np.ndarray, c: np.ndarray, top: int = 6) -> list[str]:
        """For each pair of recommendations, the words both weigh most, so a reader sees why they
        match (or, when only word pairs are rare enough to weigh, those pairs)."""
        if self._shown is None:  # the words of every column, ranked: kept from part to part
            stems = self.tok.stems
            ids = [int(f) for f in self.recs.text.cols]
            is_word = [f in stems for f in ids]
            shown = [stems[f] if w else (self.tok.pair(f) or "") for f, w in zip(ids, is_word)]
            self._shown = (is_word, shown, -ranks(shown))  # equal weights: z before a, as ever
        is_word, shown, tie = self._shown
        out = []
        for found in shared(self.recs.text, r, c, tie, None):
            best = [shown[f] for f in found if is_word[f]] or [shown[f] for f in found if shown[f]]
            out.append(", ".join(best[:top]))
        return out

    def statements_of(self, positions: Iterable[int]) -> list[tuple[str, str]]:
        """(recommendation IRI, words saying it repeats an earlier one) for these reviews."""
        wanted = set(positions)
        recs = self.recs
        return [(recs.iris[i], s) for i, s in sorted(recs.statements.items()) if int(recs.review[i]) in wanted]

