"""Cross-review links: shared organisations, shared themes, recurring recommendations, same partnership.

Links are computed with indexes, never with a pairwise SPARQL join (which grows with the
square of the corpus): each basis turns the corpus into a sparse matrix of TF-IDF weighted
rows (reviews x bodies, reviews x themes, recommendations x words and word pairs), so that
one sparse product gives every candidate pair and its cosine score at once. Bodies, themes or
words found everywhere get no weight, rare ones a lot (inverse document frequency).

Each review keeps its strongest links to *earlier* reviews (by publication month, then key),
at most `dhr:maxLinks` per basis, above `dhr:minScore`; the settings and the phrases of a
stated repeat are data (ontology/link-bases.ttl). So a review's links depend only on it and
on the reviews before it, which is what makes the update incremental: the links a review
holds as the later one live in its own graph `{base}graph/links/{key}`. Adding or changing
review R recomputes R's graph, plus the graphs of the later reviews that had R as a link or
now take R into their strongest links. Scores use the document frequencies of the whole
corpus at the time a graph is computed; graphs that were not touched keep theirs until the
next `recompute_all` (the drift is small: one review in a few thousand).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyoxigraph as ox
from scipy import sparse

from . import resources

_DHR = "https://w3id.org/dhr-graph/def/"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_DCT = "http://purl.org/dc/terms/"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
BASIS_SCHEME = "https://w3id.org/dhr-graph/scheme/link-basis"
BASIS_FILE = "link-bases.ttl"

ORGANISATION, THEME, RECURRING, PARTNERSHIP = (
    "shared-organisation", "shared-theme", "recurring-recommendation", "same-partnership")
STATED_REPEAT = "stated-repeat"
BASES = (ORGANISATION, THEME, RECURRING, PARTNERSHIP)
# Shortcut triples between the two reviews: (property, written both ways?)
_SHORTCUT = {ORGANISATION: ("sharesAgencyWith", True), THEME: ("sharesThemeWith", True),
             RECURRING: ("repeatsRecommendationOf", False), PARTNERSHIP: ("followsInPartnership", False)}
_CHUNK = 1024  # rows per sparse product: bounds memory on large corpora


def _n(local: str) -> ox.NamedNode:
    return ox.NamedNode(_DHR + local)


_TYPE = ox.NamedNode(_RDF_TYPE)


# ---------------------------------------------------------------- settings (data)

@dataclass(frozen=True)
class BasisSettings:
    """How one basis is computed, as read from the link-basis scheme."""

    name: str
    iri: str
    min_score: float = 0.0
    max_links: int | None = None
    max_df: float = 1.0


@dataclass(frozen=True)
class Settings:
    bases: dict[str, BasisSettings]
    repeat_patterns: tuple[re.Pattern[str], ...]
    stated_min_score: float

    @classmethod
    def load(cls, path: str | Path | None = None) -> Settings:
        """Read the link-basis scheme (bundled ontology/link-bases.ttl unless `path`)."""
        path = Path(path) if path else resources.ontology_dir() / BASIS_FILE
        values: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(BASIS_SCHEME + "/"):
                values[t.subject.value][t.predicate.value].append(t.object.value)
        bases: dict[str, BasisSettings] = {}
        patterns: list[re.Pattern[str]] = []
        stated = 0.0
        for iri, props in values.items():
            name = iri.rsplit("/", 1)[-1]
            min_score = float(props.get(_DHR + "minScore", ["0"])[0])
            if name == STATED_REPEAT:
                stated = min_score
                patterns = [re.compile(rf"\b(?:{p})\b", re.IGNORECASE)
                            for p in sorted(props.get(_DHR + "matchPattern", []))]
                continue
            max_links = props.get(_DHR + "maxLinks")
            bases[name] = BasisSettings(name, iri, min_score, int(max_links[0]) if max_links else None,
                                        float(props.get(_DHR + "maxDocumentFrequency", ["1"])[0]))
        missing = set(BASES) - set(bases)
        if missing:
            raise ValueError(f"{path}: link bases missing: {', '.join(sorted(missing))}")
        return cls(bases, tuple(patterns), stated)

    def repeat_statement(self, text: str) -> tuple[str | None, str]:
        """(words saying the text repeats an earlier recommendation, text without them)."""
        found: str | None = None
        for pattern in self.repeat_patterns:
            m = pattern.search(text)
            if m:
                found = found or m.group(0)
                text = pattern.sub(" ", text)
        return found, text


# ---------------------------------------------------------------- the corpus as read from the store

@dataclass
class ReviewInfo:
    iri: str
    issued: str  # "YYYY-MM", "" when undated
    partnership: str | None
    bodies: set[str] = field(default_factory=set)  # index tokens: body IRI, or "IRI partnership"
    themes: Counter[str] = field(default_factory=Counter)  # theme IRI -> recommendations with it

    @property
    def key(self) -> str:
        return self.iri.rsplit("/", 1)[-1]

    @property
    def order(self) -> tuple[str, str]:
        return (self.issued or "9999-99", self.key)  # undated reviews come last


@dataclass
class RecInfo:
    iri: str
    review: int  # position of its review in Corpus.reviews
    text: str


@dataclass
class Corpus:
    """What linking needs from every review, sorted by time (earlier first)."""

    reviews: list[ReviewInfo]
    recs: list[RecInfo]
    index: dict[str, int]

    @classmethod
    def read(cls, store: ox.Store) -> Corpus:
        """Read reviews, their addressees, themes and texts with a few index scans."""

        def pairs(pred: str) -> Iterable[tuple[str, ox.NamedNode | ox.Literal | ox.BlankNode]]:
            for q in store.quads_for_pattern(None, ox.NamedNode(pred), None, None):
                yield q.subject.value, q.object

        infos: dict[str, ReviewInfo] = {}
        for q in store.quads_for_pattern(None, _TYPE, _n("Review"), None):
            infos.setdefault(q.subject.value, ReviewInfo(q.subject.value, "", None))
        for s, o in pairs(_DCT + "issued"):
            if s in infos:
                infos[s].issued = o.value
        for s, o in pairs(_DHR + "partnership"):
            if s in infos:
                infos[s].partnership = o.value
        ordered = sorted(infos.values(), key=lambda r: r.order)
        index = {r.iri: i for i, r in enumerate(ordered)}

        rec_review: dict[str, int] = {}
        for s, o in pairs(_DHR + "review"):
            if o.value in index:
                rec_review[s] = index[o.value]
        groups = {q.subject.value for q in store.quads_for_pattern(None, _TYPE, _n("AddresseeGroup"), None)}
        generic_recs: set[tuple[str, str]] = set()  # (recommendation, body) resolved as a generic name
        addressee = _n("addressee")
        for q in store.quads_for_pattern(None, _n("resolutionMethod"), ox.Literal("generic"), None):
            rec = q.subject.value.rsplit("/addressee/", 1)[0]  # Minter.addressing: {rec}/addressee/{i}
            for a in store.quads_for_pattern(q.subject, addressee, None, None):
                generic_recs.add((rec, a.object.value))
        for s, o in pairs(_DHR + "addressedTo"):
            ri = rec_review.get(s)
            if ri is None or o.value in groups:
                continue
            review = ordered[ri]
            if (s, o.value) in generic_recs:  # "the Police" only means one body within one area
                review.bodies.add(f"{o.value} {review.partnership}")
            else:
                review.bodies.add(o.value)
        for s, o in pairs(_DHR + "hasTheme"):
            ri = rec_review.get(s)
            if ri is not None:
                ordered[ri].themes[o.value] += 1
        recs = [RecInfo(s, rec_review[s], o.value) for s, o in pairs(_DHR + "text") if s in rec_review]
        recs.sort(key=lambda r: (r.review, r.iri))
        return cls(ordered, recs, index)


# ---------------------------------------------------------------- text normalisation

_WORD = re.compile(r"[a-z]+")


def _stem(word: str) -> str:
    """Fold plurals so "assessments" and "assessment" meet (no dictionary needed)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def text_features(text: str) -> Counter[str]:
    """Normalised words and adjacent word pairs of a text: the pairs keep some of its intent
    ("share information" is not "information shared with")."""
    folded = unicodedata.normalize("NFKD", text.lower())
    words = [_stem(w) for w in _WORD.findall(folded) if len(w) > 1]
    feats = Counter(words)
    feats.update(f"{a} {b}" for a, b in zip(words, words[1:]))
    return feats


# ---------------------------------------------------------------- sparse TF-IDF and back-links

@dataclass
class _Matrix:
    """L2-normalised TF-IDF rows; `pos` is each row's review position (its time order)."""

    rows: sparse.csr_matrix
    cols: list[str]
    pos: np.ndarray
    row_min: np.ndarray
    transposed: sparse.csr_matrix | None = None

    @property
    def t(self) -> sparse.csr_matrix:
        if self.transposed is None:
            self.transposed = self.rows.T.tocsr()
        return self.transposed


def _tfidf(docs: Sequence[Counter[str] | set[str]], pos: np.ndarray, row_min: np.ndarray,
           max_df: float) -> _Matrix:
    """Sublinear TF x IDF (ln N/df); features in more than `max_df` of the rows get no weight.

    Features of a single row still count in its norm (a review with many bodies of its own
    is less like any other), but are left out of the matrix since they match nothing.
    """
    n = len(docs)
    df: Counter[str] = Counter()
    for d in docs:
        df.update(d.keys() if isinstance(d, Counter) else d)
    limit = max_df * n
    idf = {f: math.log(n / c) for f, c in df.items() if c <= limit and c < n}
    cols = sorted(f for f, c in df.items() if f in idf and c > 1)
    col_of = {f: i for i, f in enumerate(cols)}
    indptr, indices, data = [0], [], []
    for d in docs:
        items = d.items() if isinstance(d, Counter) else ((f, 1) for f in d)
        weights = [(f, (1.0 + math.log(tf)) * idf[f]) for f, tf in items if f in idf]
        norm = math.sqrt(sum(w * w for _, w in weights)) or 1.0
        kept = sorted((col_of[f], w / norm) for f, w in weights if f in col_of)
        indices.extend(c for c, _ in kept)
        data.extend(w for _, w in kept)
        indptr.append(len(indices))
    rows = sparse.csr_matrix((np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int32),
                              np.asarray(indptr, dtype=np.int64)), shape=(n, len(cols)))
    return _Matrix(rows, cols, pos, row_min)


def _back_links(m: _Matrix, rows: np.ndarray, k: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each row in `rows`: its (at most k) most similar rows of earlier reviews above the
    row's minimum score. Returns parallel arrays (row, col, score), strongest first per row."""
    out_r, out_c, out_s = [], [], []
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start:start + _CHUNK]
        prod = (m.rows[chunk] @ m.t).tocoo()
        r, c, s = chunk[prod.row], prod.col, prod.data
        keep = (m.pos[c] < m.pos[r]) & (s >= m.row_min[r] - 1e-9)
        out_r.append(r[keep])
        out_c.append(c[keep])
        out_s.append(s[keep])
    r = np.concatenate(out_r) if out_r else np.zeros(0, dtype=np.int64)
    c = np.concatenate(out_c) if out_c else np.zeros(0, dtype=np.int64)
    s = np.concatenate(out_s) if out_s else np.zeros(0)
    s = np.round(s, 9)  # products of different row chunks may differ in the last bits
    order = np.lexsort((c, -s, r))  # by row, strongest first, then earliest column
    r, c, s = r[order], c[order], s[order]
    if k is not None and len(r):
        first = np.r_[True, r[1:] != r[:-1]]
        starts = np.maximum.accumulate(np.where(first, np.arange(len(r)), 0))
        keep = (np.arange(len(r)) - starts) < k
        r, c, s = r[keep], c[keep], s[keep]
    return r, c, s


# ---------------------------------------------------------------- links

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


class Linker:
    """The indexes of one corpus, and the links of any set of its reviews."""

    def __init__(self, corpus: Corpus, settings: Settings | None = None) -> None:
        self.corpus = corpus
        self.settings = settings or Settings.load()
        cfg = self.settings.bases
        reviews, recs = corpus.reviews, corpus.recs
        review_pos = np.arange(len(reviews))
        self.org = _tfidf([r.bodies for r in reviews], review_pos,
                          np.full(len(reviews), cfg[ORGANISATION].min_score), cfg[ORGANISATION].max_df)
        self.theme = _tfidf([r.themes for r in reviews], review_pos,
                            np.full(len(reviews), cfg[THEME].min_score), cfg[THEME].max_df)
        self.statements: dict[int, str] = {}
        docs = []
        for i, rec in enumerate(recs):
            statement, rest = self.settings.repeat_statement(rec.text)
            if statement:
                self.statements[i] = statement
            docs.append(text_features(rest))
        rec_min = np.full(len(recs), cfg[RECURRING].min_score)
        for i in self.statements:
            rec_min[i] = min(rec_min[i], self.settings.stated_min_score)
        self.text = _tfidf(docs, np.asarray([r.review for r in recs], dtype=np.int64), rec_min,
                           cfg[RECURRING].max_df)
        self._docs = docs
        self.recs_of: dict[int, list[int]] = defaultdict(list)
        for i, rec in enumerate(recs):
            self.recs_of[rec.review].append(i)
        self.by_partnership: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(reviews):
            if r.partnership:
                self.by_partnership[r.partnership].append(i)

    # -- which reviews need their links recomputed
    def affected_by(self, review_positions: Iterable[int]) -> set[int]:
        """Later reviews whose strongest earlier links now include one of these reviews."""
        changed = sorted(set(review_positions))
        if not changed:
            return set()
        cfg = self.settings.bases
        out: set[int] = set()
        rec_rows = np.asarray([i for p in changed for i in self.recs_of.get(p, [])], dtype=np.int64)
        for m, rows, k, to_review in (
            (self.org, np.asarray(changed, dtype=np.int64), cfg[ORGANISATION].max_links, None),
            (self.theme, np.asarray(changed, dtype=np.int64), cfg[THEME].max_links, None),
            (self.text, rec_rows, cfg[RECURRING].max_links, self.text.pos),
        ):
            if not len(rows):
                continue
            prod = (m.rows[rows] @ m.t).tocoo()
            later = prod.col[(m.pos[prod.col] > m.pos[rows[prod.row]])
                             & (prod.data >= m.row_min[prod.col] - 1e-9)]
            candidates = np.unique(later)
            if not len(candidates):
                continue
            r, c, _ = _back_links(m, candidates, k)
            hit = np.isin(c, rows)
            rows_hit = np.unique(r[hit])
            out.update(int(x) for x in (to_review[rows_hit] if to_review is not None else rows_hit))
        k = cfg[PARTNERSHIP].max_links
        for p in changed:
            csp = self.corpus.reviews[p].partnership
            if csp:
                after = [q for q in self.by_partnership[csp] if q > p]
                out.update(after[:k] if k else after)
        return out - set(changed)

    # -- links of a set of reviews (as the later review)
    def links(self, positions: Iterable[int] | None = None) -> list[Link]:
        reviews = self.corpus.reviews
        pos = np.asarray(sorted(set(range(len(reviews))) if positions is None else set(positions)),
                         dtype=np.int64)
        cfg = self.settings.bases
        out: list[Link] = []
        for name, m, tokens in ((ORGANISATION, self.org, lambda i: reviews[i].bodies),
                                (THEME, self.theme, lambda i: set(reviews[i].themes))):
            r, c, s = _back_links(m, pos, cfg[name].max_links)
            for a, b, score in zip(r.tolist(), c.tolist(), s.tolist()):
                shared = sorted({t.split(" ", 1)[0] for t in tokens(a) & tokens(b)})
                out.append(Link(name, reviews[a].iri, reviews[b].iri, score, tuple(shared)))
        rows = np.asarray([i for p in pos.tolist() for i in self.recs_of.get(p, [])], dtype=np.int64)
        r, c, s = _back_links(self.text, rows, cfg[RECURRING].max_links)
        recs = self.corpus.recs
        for a, b, score in zip(r.tolist(), c.tolist(), s.tolist()):
            out.append(Link(RECURRING, reviews[recs[a].review].iri, reviews[recs[b].review].iri, score,
                            later_rec=recs[a].iri, earlier_rec=recs[b].iri, evidence=self._shared_words(a, b)))
        k = cfg[PARTNERSHIP].max_links
        for p in pos.tolist():
            later = reviews[p]
            before = [q for q in self.by_partnership.get(later.partnership or "", []) if q < p]
            for q in reversed(before[-k:] if k else before):  # the closest in time score highest
                score = _partnership_score(reviews[q].issued, later.issued)
                if score >= cfg[PARTNERSHIP].min_score:
                    out.append(Link(PARTNERSHIP, later.iri, reviews[q].iri, score, (later.partnership or "",)))
        return out

    def _shared_words(self, a: int, b: int, top: int = 6) -> str:
        """The words both recommendations weigh most, so a reader sees why they match."""
        m = self.text
        ra, rb = m.rows[a], m.rows[b]
        wa = dict(zip(ra.indices.tolist(), ra.data.tolist()))
        both = sorted(((wa[c] * w, m.cols[c]) for c, w in zip(rb.indices.tolist(), rb.data.tolist()) if c in wa),
                      reverse=True)
        words = [f for _, f in both if " " not in f][:top]
        return ", ".join(words)

    def statements_of(self, positions: Iterable[int]) -> list[tuple[str, str]]:
        """(recommendation IRI, words saying it repeats an earlier one) for these reviews."""
        wanted = set(positions)
        return [(self.corpus.recs[i].iri, s) for i, s in sorted(self.statements.items())
                if self.corpus.recs[i].review in wanted]


def _partnership_score(earlier: str, later: str) -> float:
    """1 / (1 + years between the two publication months); 0.5 when either is undated."""
    try:
        ey, em = (int(x) for x in earlier.split("-")[:2])
        ly, lm = (int(x) for x in later.split("-")[:2])
    except ValueError:
        return 0.5
    return 1.0 / (1.0 + abs((ly - ey) * 12 + (lm - em)) / 12.0)


# ---------------------------------------------------------------- RDF: one links graph per review

def links_graph_iri(review_iri: str) -> str:
    """`{base}graph/links/{key}` for the review `{base}review/{key}`."""
    base, key = review_iri.rsplit("review/", 1)
    return f"{base}graph/links/{key}"


def link_iri(link: Link) -> str:
    base, later_key = link.later.rsplit("review/", 1)
    earlier_key = link.earlier.rsplit("/", 1)[-1]
    iri = f"{base}link/{link.basis}/{earlier_key}/{later_key}"
    if link.later_rec and link.earlier_rec:
        iri += f"/{link.earlier_rec.rsplit('/', 1)[-1]}/{link.later_rec.rsplit('/', 1)[-1]}"
    return iri


class _Writer:
    """Turns links into quads, caching the IRIs that repeat."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._iris: dict[str, ox.NamedNode] = {}
        p = _n
        self.p = {name: p(name) for name in (
            "ReviewLink", "basis", "score", "earlierReview", "laterReview", "shares", "evidence",
            "earlierRecommendation", "laterRecommendation", "repeatsRecommendation", "repeatStatement",
            *(prop for prop, _ in _SHORTCUT.values()))}
        self.decimal = ox.NamedNode(_XSD + "decimal")
        self.subject = ox.NamedNode(_DCT + "subject")

    def iri(self, value: str) -> ox.NamedNode:
        node = self._iris.get(value)
        if node is None:
            node = self._iris[value] = ox.NamedNode(value)
        return node

    def quads(self, links: Iterable[Link], statements: Iterable[tuple[str, str]],
              reviews: Iterable[str]) -> list[ox.Quad]:
        p, iri, Q = self.p, self.iri, ox.Quad
        out: list[ox.Quad] = []
        for review in reviews:
            g = iri(links_graph_iri(review))
            out.append(Q(g, self.subject, iri(review), g))
        for link in links:
            g = iri(links_graph_iri(link.later))
            node = iri(link_iri(link))
            later, earlier = iri(link.later), iri(link.earlier)
            out += [
                Q(node, _TYPE, p["ReviewLink"], g),
                Q(node, p["basis"], iri(self.settings.bases[link.basis].iri), g),
                Q(node, p["score"], ox.Literal(f"{link.score:.3f}", datatype=self.decimal), g),
                Q(node, p["laterReview"], later, g),
                Q(node, p["earlierReview"], earlier, g),
            ]
            out += [Q(node, p["shares"], iri(x), g) for x in link.shares]
            if link.evidence:
                out.append(Q(node, p["evidence"], ox.Literal(link.evidence), g))
            if link.later_rec and link.earlier_rec:
                lr, er = iri(link.later_rec), iri(link.earlier_rec)
                out += [Q(node, p["laterRecommendation"], lr, g), Q(node, p["earlierRecommendation"], er, g),
                        Q(lr, p["repeatsRecommendation"], er, g)]
            prop, both_ways = _SHORTCUT[link.basis]
            out.append(Q(later, p[prop], earlier, g))
            if both_ways:
                out.append(Q(earlier, p[prop], later, g))
        for rec, words in statements:
            out.append(Q(iri(rec), p["repeatStatement"], ox.Literal(words), iri(_statement_graph(rec))))
        return out


def _statement_graph(rec_iri: str) -> str:
    """The links graph of the review a recommendation IRI `{base}review/{key}/rec/{n}` belongs to."""
    return links_graph_iri(rec_iri.split("/rec/", 1)[0])


def _link_graphs(store: ox.Store) -> list[ox.NamedNode]:
    return [g for g in store.named_graphs() if isinstance(g, ox.NamedNode) and "/graph/links/" in g.value]


# ---------------------------------------------------------------- entry points

def recompute_all(store: ox.Store, settings: Settings | None = None) -> int:
    """Drop every links graph and compute all links again; returns the number of links."""
    for g in _link_graphs(store):
        store.remove_graph(g)
    linker = Linker(Corpus.read(store), settings)
    return _write(store, linker, range(len(linker.corpus.reviews)))


def update(store: ox.Store, changed_reviews: Iterable[str], settings: Settings | None = None) -> set[str]:
    """Bring the links up to date after `changed_reviews` were added, replaced or removed.

    Returns the IRIs of the reviews whose links graphs were recomputed.
    """
    changed = set(changed_reviews)
    if not changed:
        return set()
    dirty: set[str] = set(changed)
    earlier_p, later_p = _n("earlierReview"), _n("laterReview")
    for review in changed:  # later reviews that held a link to a changed review lose it
        for q in store.quads_for_pattern(None, earlier_p, ox.NamedNode(review), None):
            for later in store.quads_for_pattern(q.subject, later_p, None, q.graph_name):
                dirty.add(later.object.value)
    linker = Linker(Corpus.read(store), settings)
    index = linker.corpus.index
    present = [index[r] for r in changed if r in index]
    if len(present) * 2 > len(index):  # most of the corpus is new (a first build): start afresh
        for g in _link_graphs(store):
            store.remove_graph(g)
        _write(store, linker, range(len(index)))
        return {r.iri for r in linker.corpus.reviews} | changed
    dirty.update(linker.corpus.reviews[p].iri for p in linker.affected_by(present))
    for review in dirty:
        g = ox.NamedNode(links_graph_iri(review))
        if store.contains_named_graph(g):
            store.remove_graph(g)
    _write(store, linker, sorted(index[r] for r in dirty if r in index))
    return dirty


def _write(store: ox.Store, linker: Linker, positions: Sequence[int]) -> int:
    """Compute and store the links graphs of these reviews; returns the number of links."""
    links = linker.links(positions)
    quads = _Writer(linker.settings).quads(links, linker.statements_of(positions),
                                           [linker.corpus.reviews[p].iri for p in positions])
    if len(quads) > 100_000:
        store.bulk_extend(quads)  # no transaction needed: the store is a working copy
    else:
        store.extend(quads)
    return len(links)


def updater(changed_reviews: Iterable[str], settings: Settings | None = None) -> Callable[[ox.Store], None]:
    """The `edit=` callback for `GraphStore.replace`: links change in the same atomic step."""
    changed = list(changed_reviews)

    def edit(store: ox.Store) -> None:
        update(store, changed, settings)

    return edit
