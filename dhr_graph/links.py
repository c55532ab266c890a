"""Cross-review links: shared organisations, shared themes, recurring recommendations, same partnership.

Links are computed with indexes, never with a pairwise SPARQL join (which grows with the
square of the corpus): each basis turns the corpus into a sparse matrix of TF-IDF weighted
rows (reviews x bodies, reviews x themes, recommendations x words and word pairs), so that
one sparse product gives every candidate pair and its cosine score at once. Bodies, themes or
words found everywhere get no weight, rare ones a lot (inverse document frequency). For
recommendation texts the cut is low (ontology/link-bases.ttl): template wording shared by
hundreds of recommendations says nothing about two of them, and would make the product dense.

Each review keeps its strongest links to *earlier* reviews (by publication month, then key),
at most `dhr:maxLinks` per basis, above `dhr:minScore`; the settings and the phrases of a
stated repeat are data (ontology/link-bases.ttl). So a review's links depend only on it and
on the reviews before it, which is what makes the update incremental: the links a review
holds as the later one live in its own graph `{base}graph/links/{key}`, with a compact record
of what linking needs from that review (`dhr:linkFeatures`: bodies, themes, recommendation
IRIs and hashed text features). An update reads those records instead of the corpus and
tokenises only the changed reviews; it recomputes the changed reviews' graphs, plus the
graphs of the later reviews that had one of them as a link or now take one into their
strongest links. Scores use the document frequencies of the whole corpus at the time a graph
is computed; graphs that were not touched keep theirs until the next `recompute_all` (the
drift is small: one review in a few thousand). `recompute_all` (also run when most of the
corpus is new, as in a first build, or when records are missing) reads the review graphs
with a few SELECTs serialised by Oxigraph, which is far quicker than walking quads in Python,
and writes links as N-Quads text that Oxigraph parses and indexes in Rust (bulk loads into a
working copy, in a background thread while the next basis is computed; one transaction for an
update). At 2,000 reviews the write (some 590,000 quads into Oxigraph's six quad indexes, about
5 s of one core) is the larger half of the work: it starts with the quickest basis, runs beside
the computing, and takes both cores once the computing is done.
"""
from __future__ import annotations

import base64
import binascii
import contextlib
import gc
import json
import re
import unicodedata
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pyoxigraph as ox
from scipy import sparse

from . import resources
from .iris import review_of_recommendation
from .rdf import lit
from .store import BackgroundLoad

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
_TEXT_PART = 8 * _CHUNK  # recommendations per part of the recurring links
_DENSE_COLS = 64  # matrices with at most this many columns are multiplied dense


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
    min_cut: int = 1  # features in at most this many rows always weigh (small corpora)
    max_shares: int | None = None  # bodies or themes given as a link's evidence


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
            max_shares = props.get(_DHR + "maxEvidence")
            bases[name] = BasisSettings(name, iri, min_score, int(max_links[0]) if max_links else None,
                                        float(props.get(_DHR + "maxDocumentFrequency", ["1"])[0]),
                                        int(props.get(_DHR + "documentFrequencyFloor", ["1"])[0]),
                                        int(max_shares[0]) if max_shares else None)
        missing = set(BASES) - set(bases)
        if missing:
            raise ValueError(f"{path}: link bases missing: {', '.join(sorted(missing))}")
        return cls(bases, tuple(patterns), stated)

    @property
    def _any_repeat(self) -> re.Pattern[str]:
        cached = self.__dict__.get("_any")
        if cached is None:
            cached = re.compile("|".join(f"(?:{p.pattern})" for p in self.repeat_patterns), re.IGNORECASE)
            object.__setattr__(self, "_any", cached)
        return cached

    def repeat_statement(self, text: str) -> tuple[str | None, str]:
        """(words saying the text repeats an earlier recommendation, text without them)."""
        found: str | None = None
        if self.repeat_patterns and not self._any_repeat.search(text):
            return None, text  # one scan for the common case: no statement at all
        for pattern in self.repeat_patterns:
            m = pattern.search(text)
            if m:
                found = found or m.group(0)
                text = pattern.sub(" ", text)
        return found, text


# ---------------------------------------------------------------- text normalisation

_WORD = re.compile(r"[a-z]+")


def _stem(word: str) -> str:
    """Fold plurals so "assessments" and "assessment" meet (no dictionary needed)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.lower())
    return [_stem(w) for w in _WORD.findall(folded) if len(w) > 1]


def text_features(text: str) -> Counter[str]:
    """Normalised words and adjacent word pairs of a text: the pairs keep some of its intent
    ("share information" is not "information shared with")."""
    words = _words(text)
    feats = Counter(words)
    feats.update(f"{a} {b}" for a, b in zip(words, words[1:]))
    return feats


_PAIR_MUL = np.uint64(0x9E3779B97F4A7C15)
_SEP = "\x00"  # between two texts tokenised together
_WORD_OR_SEP = re.compile(r"[a-z]+|\x00")
_SEP_ID = 0xFFFFFFFFFFFFFFFF  # never a word id: each half of an Adler-32 is below 65521


def _word_id(stem: str) -> int:
    """A stable 64-bit id of a normalised word: ids are persisted, so no per-process hash()."""
    b = stem.encode()
    return (zlib.crc32(b) << 32) | zlib.adler32(b)


class _Tokeniser:
    """Texts -> rows of (feature id, count): the same features as `text_features`, hashed to
    stable ids (word pairs combine their two word ids in numpy), so a whole corpus is
    tokenised with one dictionary look-up per word and a few vectorised passes."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}  # raw word -> id of its stem (0: too short)
        self.stems: dict[int, str] = {}  # id -> stem, for the evidence of a link
        self._pairs: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (pair id, word ids)
        self._pair_index: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def pair(self, pid: int) -> str | None:
        """The two words of a word-pair feature seen by this tokeniser."""
        if self._pair_index is None:
            ids, first, second = (np.concatenate(x) for x in zip(*self._pairs)) if self._pairs else (
                np.zeros(0, np.uint64),) * 3
            order = np.argsort(ids, kind="stable")
            self._pair_index = (ids[order], first[order], second[order])
        ids, first, second = self._pair_index
        at = int(np.searchsorted(ids, np.uint64(pid)))
        if at == len(ids) or int(ids[at]) != pid:
            return None
        a, b = self.stems.get(int(first[at])), self.stems.get(int(second[at]))
        return f"{a} {b}" if a and b else None

    def _id(self, raw: str) -> int:
        wid = self._ids.get(raw)
        if wid is None:
            if len(raw) > 1:
                stem = _stem(raw)
                wid = _word_id(stem)
                self.stems[wid] = stem
            else:
                wid = 0
            self._ids[raw] = wid
        return wid

    def rows(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(indptr, feature ids, counts, is-a-single-word) of the texts, ids sorted per row.

        The texts are folded and split as one string (NUL between two texts), so a national
        corpus costs a few C calls and one dictionary look-up per word, not calls per text."""
        joined = unicodedata.normalize("NFKD", _SEP.join(t.replace(_SEP, " ") for t in texts).lower())
        tokens = _WORD_OR_SEP.findall(joined)
        known = self._ids
        known.setdefault(_SEP, _SEP_ID)
        for raw in set(tokens).difference(known):
            self._id(raw)
        arr = np.asarray([known[w] for w in tokens], dtype=np.uint64)
        sep = arr == np.uint64(_SEP_ID)
        kept = ~sep & (arr != 0)  # 0: a word too short to count
        words = arr[kept]
        row = np.cumsum(sep)[kept].astype(np.int64)
        same = row[1:] == row[:-1] if len(row) else np.zeros(0, dtype=bool)
        with np.errstate(over="ignore"):
            pairs = (words[:-1] * _PAIR_MUL + words[1:] + np.uint64(1))[same] if len(words) else words
        if len(words):
            self._pairs.append((pairs, words[:-1][same], words[1:][same]))
            self._pair_index = None
        feats = np.concatenate([words, pairs])
        rows = np.concatenate([row, row[:-1][same] if len(row) else row])
        single = np.concatenate([np.ones(len(words), dtype=bool), np.zeros(len(pairs), dtype=bool)])
        return _count_rows(rows, feats, single, len(texts))


def _count_rows(rows: np.ndarray, feats: np.ndarray, single: np.ndarray,
                n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    order = np.lexsort((feats, rows))
    rows, feats, single = rows[order], feats[order], single[order]
    first = np.r_[True, (rows[1:] != rows[:-1]) | (feats[1:] != feats[:-1])] if len(rows) else np.zeros(0, bool)
    starts = np.flatnonzero(first)
    counts = np.diff(np.r_[starts, len(rows)]).astype(np.uint16)
    rows, feats, single = rows[starts], feats[starts], single[starts]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, rows + 1, 1)
    return np.cumsum(indptr), feats, counts, single


# ---------------------------------------------------------------- the corpus

@dataclass
class ReviewInfo:
    iri: str
    issued: str  # "YYYY-MM", "" when undated
    partnership: str | None
    bodies: set[str] = field(default_factory=set)  # index tokens: body IRI, or "IRI partnership"
    themes: Counter[str] = field(default_factory=Counter)  # theme IRI -> recommendations with it
    recs: list[tuple[str, str | None]] = field(default_factory=list)  # (IRI, repeat statement)
    texts: list[str] | None = None  # recommendation texts without their statements, when read
    text_rows: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # (ids, counts, nnz per rec)

    @property
    def key(self) -> str:
        return self.iri.rsplit("/", 1)[-1]

    @property
    def order(self) -> tuple[str, str]:
        return (self.issued or "9999-99", self.key)  # undated reviews come last

    # -- the compact record kept in the review's links graph, so an update reads no other review
    def record(self) -> str:
        """Base64 of: JSON length (4 bytes), JSON of the review's facts, then its recommendations'
        hashed text features (uint64 ids, uint16 counts, uint32 features per recommendation).
        Base64 keeps the literal free of characters a serialisation would have to escape."""
        assert self.text_rows is not None
        ids, counts, nnz = self.text_rows
        head = json.dumps({"iri": self.iri, "issued": self.issued, "partnership": self.partnership,
                           "bodies": sorted(self.bodies), "themes": dict(sorted(self.themes.items())),
                           "recs": self.recs}, separators=(",", ":")).encode()
        return base64.b64encode(b"".join((
            len(head).to_bytes(4, "little"), head, ids.astype("<u8").tobytes(),
            counts.astype("<u2").tobytes(), nnz.astype("<u4").tobytes()))).decode()

    @classmethod
    def from_record(cls, text: str) -> ReviewInfo:
        return cls.from_records([text])[0]

    @classmethod
    def from_records(cls, texts: Iterable[str]) -> list[ReviewInfo]:
        """Many records at once: one JSON parse for all their heads, arrays as views of the bytes."""
        blobs = [binascii.a2b_base64(t) for t in texts]
        sizes = [int.from_bytes(b[:4], "little") for b in blobs]
        heads = json.loads(b"[" + b",".join(b[4:4 + n] for b, n in zip(blobs, sizes)) + b"]")
        out = []
        for data, n, d in zip(blobs, sizes, heads):
            recs = len(d["recs"])
            nnz = np.frombuffer(data, dtype="<u4", count=recs, offset=len(data) - 4 * recs).astype(np.int64)
            total = int(nnz.sum())
            ids = np.frombuffer(data, dtype="<u8", count=total, offset=4 + n).astype(np.uint64, copy=False)
            counts = np.frombuffer(data, dtype="<u2", count=total, offset=4 + n + 8 * total).astype(
                np.uint16, copy=False)
            out.append(cls(d["iri"], d["issued"], d["partnership"], set(d["bodies"]), Counter(d["themes"]),
                           [(r, st) for r, st in d["recs"]], None, (ids, counts, nnz)))
        return out


def _tsv(store: ox.Store, query: str) -> Iterator[list[str]]:
    """Rows of a SELECT as lexical values (IRIs bare, literals unquoted, unbound ""): the
    results are serialised by Oxigraph, not turned into Python terms one by one, which is
    what reading a national corpus back would otherwise spend its time on."""
    data = store.query(query, use_default_graph_as_union=True).serialize(format=ox.QueryResultsFormat.TSV)
    lines = data.decode("utf-8").split("\n")
    for line in lines[1:]:
        if line:
            yield [_tsv_value(v) for v in line.split("\t")]


_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _tsv_value(v: str) -> str:
    if v.startswith("<"):
        return v[1:-1]
    if v.startswith('"'):
        v = v[1:v.rindex('"')]
        if "\\" in v:
            v = _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1)) or chr(int(m.group(1)[1:], 16)), v)
        return v
    return v


_IRI_ROW = re.compile(r"^<([^>\t]*)>$", re.MULTILINE)
_IRI_PAIR_ROW = re.compile(r"^<([^>\t]*)>\t<([^>\t]*)>$", re.MULTILINE)
_IRI_TEXT_ROW = re.compile(r'^<([^>\t]*)>\t"(.*)"(?:@[^\t"]*|\^\^<[^>\t]*>)?$', re.MULTILINE)


def _tsv_text(store: ox.Store, query: str) -> str:
    return store.query(query, use_default_graph_as_union=True).serialize(
        format=ox.QueryResultsFormat.TSV).decode("utf-8")


def _iri_rows(store: ox.Store, query: str) -> list[str]:
    """The IRIs of a one-column SELECT, matched in the serialised results by one regex scan."""
    return _IRI_ROW.findall(_tsv_text(store, query))


def _iri_texts(tsv: str) -> list[tuple[str, str]]:
    """(IRI, literal's lexical value) rows of a two-column SELECT's TSV, by one regex scan."""
    return [(iri, _tsv_value(f'"{v}"') if "\\" in v else v) for iri, v in _IRI_TEXT_ROW.findall(tsv)]


def _pairs_query(pred: str, obj: str = "?o") -> str:
    """Every (subject, object) of one predicate, in whichever graph (no union to deduplicate)."""
    return f"SELECT ?s ?o WHERE {{ GRAPH ?g {{ ?s <{pred}> {obj} }} }}" if obj == "?o" else \
        f"SELECT ?s WHERE {{ GRAPH ?g {{ ?s <{pred}> {obj} }} }}"


@dataclass
class Corpus:
    """What linking needs from every review, sorted by time (earlier first)."""

    reviews: list[ReviewInfo]
    index: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.reviews.sort(key=lambda r: r.order)
        self.index = {r.iri: i for i, r in enumerate(self.reviews)}

    _texts: tuple[Callable[[], list[tuple[str, str]]], Settings, _Tokeniser] | None = field(
        default=None, init=False, repr=False)

    @classmethod
    def read(cls, store: ox.Store, settings: Settings, only: Iterable[str] | None = None,
             tokeniser: _Tokeniser | None = None, defer_texts: bool = False) -> Corpus:
        """Read reviews, their addressees, themes and recommendation texts: the whole store with
        a few SELECTs serialised by Oxigraph, or (`only`) a few reviews with index look-ups.

        Reading the whole store, the SELECTs run in two background threads (Oxigraph evaluates
        and serialises them without the GIL); with `defer_texts` the texts are tokenised only
        when first needed (`ensure_texts`), so the links of the other bases can be computed and
        written first."""
        infos: dict[str, ReviewInfo] = {}
        texts: Callable[[], list[tuple[str, str]]]
        if only is None:
            pool = ThreadPoolExecutor(max_workers=2)
            themes_job, generic_job, addressed_job, texts_job = (pool.submit(_tsv_text, store, q) for q in (
                _pairs_query(_DHR + "hasTheme"),
                f'SELECT ?s ?o WHERE {{ GRAPH ?g {{ ?s <{_DHR}resolutionMethod> "generic" ; <{_DHR}addressee> ?o }} }}',
                _pairs_query(_DHR + "addressedTo"), _pairs_query(_DHR + "text")))
            pool.shutdown(wait=False)
            for r, issued, csp in _tsv(store, f"""SELECT ?r ?i ?p WHERE {{ ?r a <{_DHR}Review> .
                    OPTIONAL {{ ?r <{_DCT}issued> ?i }} OPTIONAL {{ ?r <{_DHR}partnership> ?p }} }}"""):
                infos[r] = ReviewInfo(r, issued, csp or None)
            groups = set(_iri_rows(store, _pairs_query(_RDF_TYPE, f"<{_DHR}AddresseeGroup>")))
            generic = {(x.rsplit("/addressee/", 1)[0], a) for x, a in _IRI_PAIR_ROW.findall(generic_job.result())}
            addressed = _IRI_PAIR_ROW.findall(addressed_job.result())
            themes = _IRI_PAIR_ROW.findall(themes_job.result())

            def texts() -> list[tuple[str, str]]:
                return _iri_texts(texts_job.result())
        else:
            node = ox.NamedNode
            groups, generic, addressed, themes, texts_l = set(), set(), [], [], []
            for r in only:
                rn = node(r)
                if not any(True for _ in store.quads_for_pattern(rn, _TYPE, _n("Review"))):
                    continue
                issued = next((q.object.value for q in store.quads_for_pattern(rn, node(_DCT + "issued"), None)), "")
                csp = next((q.object.value for q in store.quads_for_pattern(rn, _n("partnership"), None)), None)
                infos[r] = ReviewInfo(r, issued, csp)
                for q in store.quads_for_pattern(None, _n("review"), rn):
                    rec = q.subject
                    texts_l.extend((rec.value, t.object.value) for t in store.quads_for_pattern(rec, _n("text"), None))
                    themes.extend((rec.value, t.object.value) for t in store.quads_for_pattern(rec, _n("hasTheme"), None))
                    for t in store.quads_for_pattern(rec, _n("addressedTo"), None):
                        addressed.append((rec.value, t.object.value))
                        if any(True for _ in store.quads_for_pattern(t.object, _TYPE, _n("AddresseeGroup"))):
                            groups.add(t.object.value)
                    for a in store.quads_for_pattern(rec, _n("addressing"), None):
                        if any(True for _ in store.quads_for_pattern(a.object, _n("resolutionMethod"),
                                                                      ox.Literal("generic"))):
                            generic.update((rec.value, x.object.value)
                                           for x in store.quads_for_pattern(a.object, _n("addressee"), None))

            def texts() -> list[tuple[str, str]]:
                return texts_l
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
        corpus._texts = (texts, settings, tokeniser or _Tokeniser())
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
        all_texts: list[str] = []
        for review in self.reviews:
            review.texts = []
            for rec, text in by_review.get(review.iri, []):
                statement, rest = settings.repeat_statement(text)
                review.recs.append((rec, statement))
                review.texts.append(rest)
            all_texts.extend(review.texts)
        indptr, ids, counts, _ = tok.rows(all_texts)
        at = 0
        for review in self.reviews:
            n = len(review.recs)
            lo, hi = indptr[at], indptr[at + n]
            review.text_rows = (ids[lo:hi], counts[lo:hi], np.diff(indptr[at:at + n + 1]))
            at += n


# ---------------------------------------------------------------- sparse TF-IDF and back-links

@dataclass
class _Matrix:
    """L2-normalised TF-IDF rows, in time order: `pos` is each row's review position, never
    smaller than the row before's (`_back_links` relies on it)."""

    rows: sparse.csr_matrix
    cols: np.ndarray  # feature of each column
    idf: np.ndarray  # weight of each column's feature
    pos: np.ndarray
    row_min: np.ndarray
    transposed: sparse.csr_matrix | None = None

    @property
    def t(self) -> sparse.csr_matrix:
        if self.transposed is None:
            self.transposed = self.rows.T.tocsr()
        return self.transposed


def _tfidf(indptr: np.ndarray, feats: np.ndarray, counts: np.ndarray, pos: np.ndarray,
           row_min: np.ndarray, max_df: float, min_cut: int) -> _Matrix:
    """Sublinear TF x IDF (ln N/df), vectorised; features in more than `max_df` of the rows
    (and more than `min_cut` rows) get no weight.

    Features of a single row still count in its norm (a review with many bodies of its own
    is less like any other), but are left out of the matrix since they match nothing.
    """
    n = len(indptr) - 1
    uniq, col = np.unique(feats, return_inverse=True)
    df = np.bincount(col, minlength=len(uniq))
    limit = max(max_df * n, float(min_cut))
    weighted = (df <= limit) & (df < n)
    idf = np.where(weighted, np.log(n / np.maximum(df, 1)), 0.0)
    w = (1.0 + np.log(counts.astype(np.float64))) * idf[col]
    row = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    norm = np.sqrt(np.bincount(row, w * w, minlength=n))
    norm[norm == 0] = 1.0
    matched = weighted & (df > 1)
    keep = matched[col]
    new_col = np.cumsum(matched) - 1
    rows = sparse.csr_matrix((w[keep] / norm[row[keep]], (row[keep], new_col[col[keep]])),
                             shape=(n, int(matched.sum())))
    rows.sort_indices()
    return _Matrix(rows, uniq[matched], idf[matched], pos, row_min)


def _strings_matrix(docs: Sequence[Counter[str] | set[str]], pos: np.ndarray, row_min: np.ndarray,
                    max_df: float) -> tuple[_Matrix, list[str]]:
    vocab: dict[str, int] = {}
    feats, counts, lengths = [], [], []
    for d in docs:
        items = d.items() if isinstance(d, Counter) else ((f, 1) for f in d)
        n = 0
        for f, c in items:
            feats.append(vocab.setdefault(f, len(vocab)))
            counts.append(c)
            n += 1
        lengths.append(n)
    indptr = np.r_[0, np.cumsum(lengths)].astype(np.int64)
    m = _tfidf(indptr, np.asarray(feats, dtype=np.int64), np.asarray(counts, dtype=np.float64), pos, row_min,
               max_df, 1)
    names = list(vocab)
    return m, names


def _back_links(m: _Matrix, rows: np.ndarray, k: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each row in `rows`: its (at most k) most similar rows of earlier reviews above the
    row's minimum score. Returns parallel arrays (row, col, score), strongest first per row.
    The cut to k happens chunk by chunk, so memory stays bounded by the chunk's product."""
    out_r, out_c, out_s = [], [], []
    dense = m.rows.shape[1] <= _DENSE_COLS  # a few columns (themes): dense products are far quicker
    full = m.rows.toarray() if dense else None
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start:start + _CHUNK]
        if full is not None:
            prod_d = full[chunk] @ full.T
            ok = (m.pos[None, :] < m.pos[chunk][:, None]) & (prod_d >= m.row_min[chunk][:, None] - 1e-9)
            if k is not None and prod_d.shape[1] > k:  # only what can be in the top k goes on
                masked = np.where(ok, np.round(prod_d, 9), -np.inf)
                kth = -np.partition(-masked, k - 1, axis=1)[:, k - 1]
                ok &= masked >= kth[:, None]
            ri, c = np.nonzero(ok)
            r, s = chunk[ri], prod_d[ri, c]
        else:  # rows are in time order, so only the rows up to the chunk's last can be earlier
            prod = sparse.csr_matrix(m.rows[chunk] @ m.rows[:int(chunk.max()) + 1].T)
            hit = np.flatnonzero(prod.data >= m.row_min[chunk].min() - 1e-9)  # most pairs score low
            r = chunk[np.searchsorted(prod.indptr, hit, side="right") - 1]
            c, s = prod.indices[hit].astype(np.int64), prod.data[hit]
            keep = (m.pos[c] < m.pos[r]) & (s >= m.row_min[r] - 1e-9)
            r, c, s = r[keep], c[keep], s[keep]
        c, s = c.astype(np.int64), np.round(s, 9)  # chunks may differ in the last bits
        order = np.lexsort((c, -s, r))  # by row, strongest first, then earliest column
        r, c, s = r[order], c[order], s[order]
        if k is not None and len(r):
            first = np.r_[True, r[1:] != r[:-1]]
            starts = np.maximum.accumulate(np.where(first, np.arange(len(r)), 0))
            keep = (np.arange(len(r)) - starts) < k
            r, c, s = r[keep], c[keep], s[keep]
        out_r.append(r)
        out_c.append(c)
        out_s.append(s)
    if not out_r:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    r, c, s = np.concatenate(out_r), np.concatenate(out_c), np.concatenate(out_s)
    order = np.lexsort((c, -s, r))
    return r[order], c[order], s[order]


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


@dataclass
class _Recommendations:
    """Every recommendation of a corpus, as a row of the text matrix."""

    iris: list[str]
    review: np.ndarray  # row -> position of its review
    of_review: dict[int, list[int]]  # review position -> rows
    statements: dict[int, str]  # row -> words saying it repeats an earlier recommendation
    text: _Matrix


class Linker:
    """The indexes of one corpus, and the links of any set of its reviews."""

    def __init__(self, corpus: Corpus, settings: Settings | None = None, store: ox.Store | None = None,
                 tokeniser: _Tokeniser | None = None) -> None:
        self.corpus = corpus
        self.settings = settings = settings or Settings.load()
        self.store = store  # for the texts behind the evidence of reviews read from their records
        self.tok = tokeniser or _Tokeniser()
        cfg = settings.bases
        reviews = corpus.reviews
        review_pos = np.arange(len(reviews))
        self.org, self.org_names = _strings_matrix(
            [r.bodies for r in reviews], review_pos, np.full(len(reviews), cfg[ORGANISATION].min_score),
            cfg[ORGANISATION].max_df)
        self.theme, self.theme_names = _strings_matrix(
            [r.themes for r in reviews], review_pos, np.full(len(reviews), cfg[THEME].min_score),
            cfg[THEME].max_df)
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
        text = _tfidf(indptr, np.concatenate(ids) if ids else np.zeros(0, np.uint64),
                      np.concatenate(counts) if counts else np.zeros(0, np.uint16),
                      rec_review, rec_min, cfg.max_df, cfg.min_cut)
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
        for m, rows, k, to_review in (
            (self.org, np.asarray(changed, dtype=np.int64), cfg[ORGANISATION].max_links, None),
            (self.theme, np.asarray(changed, dtype=np.int64), cfg[THEME].max_links, None),
            (recs.text, rec_rows, cfg[RECURRING].max_links, recs.text.pos),
        ):
            if not len(rows):
                continue
            prod = (m.rows[rows] @ m.t).tocoo()
            later = prod.col[(m.pos[prod.col] > m.pos[rows[prod.row]])
                             & (prod.data >= m.row_min[prod.col] - 1e-9)]
            candidates = np.unique(later).astype(np.int64)
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
        return [link for part in self.links_by_basis(positions) for link in part]

    def links_by_basis(self, positions: Iterable[int] | None = None) -> Iterator[list[Link]]:
        """The links of these reviews, one basis at a time (a national corpus never holds every
        link as a Python object at once)."""
        reviews = self.corpus.reviews
        pos = np.asarray(sorted(set(range(len(reviews))) if positions is None else set(positions)),
                         dtype=np.int64)
        cfg = self.settings.bases
        yield self._partnership_links(pos)  # the quickest first: the writing starts soonest
        for name, m, names in ((ORGANISATION, self.org, self.org_names), (THEME, self.theme, self.theme_names)):
            r, c, s = _back_links(m, pos, cfg[name].max_links)
            col_names = [names[int(f)] for f in m.cols]
            # ties are broken by name, not by column order, so the same input gives the same evidence
            shared = _shared(m, r, c, _ranks(col_names), cfg[name].max_shares)
            yield [Link(name, reviews[a].iri, reviews[b].iri, score,
                        tuple(sorted({col_names[f].split(" ", 1)[0] for f in cols})))
                   for a, b, score, cols in zip(r.tolist(), c.tolist(), s.tolist(), shared)]
        recs = self.recs
        rows = np.asarray([i for p in pos.tolist() for i in recs.of_review.get(p, [])], dtype=np.int64)
        for start in range(0, max(len(rows), 1), _TEXT_PART):  # parts, so one is written while the next is computed
            part = rows[start:start + _TEXT_PART]
            r, c, s = _back_links(recs.text, part, cfg[RECURRING].max_links)
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
            before = [q for q in self.by_partnership.get(later.partnership or "", []) if q < p]
            for q in reversed(before[-k:] if k else before):  # the closest in time score highest
                score = _partnership_score(reviews[q].issued, later.issued)
                if score >= cfg[PARTNERSHIP].min_score:
                    out.append(Link(PARTNERSHIP, later.iri, reviews[q].iri, score, (later.partnership or "",)))
        return out

    def _ensure_words(self, rows: set[int]) -> None:
        """Tokenise the texts of recommendations read from their review's record, for the words
        of the evidence (the record keeps hashed features only)."""
        read = {p for p, r in enumerate(self.corpus.reviews) if r.texts is not None}
        missing = sorted(i for i in rows if int(self.recs.review[i]) not in read)
        if not missing or self.store is None:
            return
        text = _n("text")
        self.tok.rows([self.settings.repeat_statement(q.object.value)[1] for i in missing
                       for q in self.store.quads_for_pattern(ox.NamedNode(self.recs.iris[i]), text, None)])

    def _shared_words(self, r: np.ndarray, c: np.ndarray, top: int = 6) -> list[str]:
        """For each pair of recommendations, the words both weigh most, so a reader sees why they
        match (or, when only word pairs are rare enough to weigh, those pairs)."""
        stems = self.tok.stems
        ids = [int(f) for f in self.recs.text.cols]
        is_word = [f in stems for f in ids]
        shown = [stems[f] if w else (self.tok.pair(f) or "") for f, w in zip(ids, is_word)]
        out = []
        for found in _shared(self.recs.text, r, c, -_ranks(shown), None):  # equal weights: z before a, as ever
            best = [shown[f] for f in found if is_word[f]] or [shown[f] for f in found if shown[f]]
            out.append(", ".join(best[:top]))
        return out

    def statements_of(self, positions: Iterable[int]) -> list[tuple[str, str]]:
        """(recommendation IRI, words saying it repeats an earlier one) for these reviews."""
        wanted = set(positions)
        recs = self.recs
        return [(recs.iris[i], s) for i, s in sorted(recs.statements.items()) if int(recs.review[i]) in wanted]


def _ranks(values: Sequence[str]) -> np.ndarray:
    """Each value's place in the sorted values (for ties broken by name)."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = np.empty(len(values), dtype=np.int64)
    ranks[order] = np.arange(len(values))
    return ranks


def _shared(m: _Matrix, r: np.ndarray, c: np.ndarray, tie: np.ndarray, top: int | None) -> list[list[int]]:
    """For each pair of rows (r[i], c[i]), the columns of the features both have, by weight
    product (rounded, so ties do not depend on summation order), then by `tie` of the column,
    at most `top`. One elementwise product and one sort for all pairs."""
    if not len(r):
        return []
    both = m.rows[r].multiply(m.rows[c]).tocsr()
    both.eliminate_zeros()
    pair = np.repeat(np.arange(len(r)), np.diff(both.indptr))
    weight = np.round(both.data, 9)
    order = np.lexsort((tie[both.indices], -weight, pair))
    cols, bounds = both.indices[order].tolist(), both.indptr.tolist()
    return [cols[lo:hi if top is None else min(hi, lo + top)] for lo, hi in zip(bounds, bounds[1:])]


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


_NOT_IN_IRIREF = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def nq_iri(value: str) -> str:
    """An IRI in N-Quads syntax. IRIs here are minted or read from the store, so they never hold
    a character N-Quads forbids; one that does is an error, not something to write silently."""
    if _NOT_IN_IRIREF.search(value):
        raise ValueError(f"not an IRI: {value!r}")
    return f"<{value}>"


class _Writer:
    """Turns links into N-Quads text: formatting lines in Python is several times quicker than
    building an `ox.Quad` per statement, and Oxigraph parses the text in Rust."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._iris: dict[str, str] = {}
        self.p = {name: f"<{_DHR}{name}>" for name in (
            "ReviewLink", "basis", "score", "earlierReview", "laterReview", "shares", "evidence",
            "earlierRecommendation", "laterRecommendation", "repeatsRecommendation", "repeatStatement",
            "linkFeatures",
            *(prop for prop, _ in _SHORTCUT.values()))}
        self.basis = {name: nq_iri(b.iri) for name, b in settings.bases.items()}
        self.decimal = _XSD + "decimal"
        self.subject = f"<{_DCT}subject>"
        self.type = f"<{_RDF_TYPE}>"

    def iri(self, value: str) -> str:
        text = self._iris.get(value)
        if text is None:
            text = self._iris[value] = nq_iri(value)
        return text

    def records(self, reviews: Iterable[ReviewInfo]) -> str:
        """Each review's links graph: what it is about, and its link features."""
        lines = []
        for review in reviews:
            g = self.iri(links_graph_iri(review.iri))
            lines.append(f"{g} {self.subject} {self.iri(review.iri)} {g} .\n"
                         f"{g} {self.p['linkFeatures']} {lit(review.record())} {g} .\n")
        return "".join(lines)

    def links(self, links: Iterable[Link]) -> str:
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
                add(f"{node} {p['laterRecommendation']} {lr}{g}{node} {p['earlierRecommendation']} {er}{g}"
                    f"{lr} {p['repeatsRecommendation']} {er}{g}")
            prop, both_ways = _SHORTCUT[link.basis]
            add(f"{later} {p[prop]} {earlier}{g}")
            if both_ways:
                add(f"{earlier} {p[prop]} {later}{g}")
        return "".join(lines)

    def statements(self, statements: Iterable[tuple[str, str]]) -> str:
        return "".join(f"{self.iri(rec)} {self.p['repeatStatement']} {lit(words)} "
                       f"{self.iri(_statement_graph(rec))} .\n" for rec, words in statements)


@contextlib.contextmanager
def _loader(store: ox.Store, bulk: bool) -> Iterator[Callable[[str], None]]:
    """A `put` that takes N-Quads text as it is produced and writes it into the store.

    A large write (a working copy, as in `GraphStore.replace`, or a first build) goes through
    `store.BackgroundLoad`, one bulk load per part: on two cores the links are computed while
    the earlier parts are written. It runs leniently (no second check of IRIs and literals): the
    text is ours, its IRIs checked by `nq_iri` and its literals escaped by `rdf.lit`. A small
    write (an update) is one transaction at the end, so the store never holds half of it."""
    if bulk:
        with BackgroundLoad(store, lenient=True, ahead=len(BASES)) as background:
            yield background.put
        return
    parts: list[str] = []
    yield parts.append
    if any(parts):
        store.load("".join(parts).encode(), ox.RdfFormat.N_QUADS)


def _statement_graph(rec_iri: str) -> str:
    """The links graph of the review a recommendation IRI `{base}review/{key}/rec/{n}` belongs to."""
    return links_graph_iri(review_of_recommendation(rec_iri))


def _link_graphs(store: ox.Store) -> list[ox.NamedNode]:
    return [g for g in store.named_graphs() if isinstance(g, ox.NamedNode) and "/graph/links/" in g.value]


def _records(store: ox.Store) -> dict[str, ReviewInfo]:
    """The link features every review's links graph keeps (see `ReviewInfo.record`), read by
    index look-up: a few thousand long literals, with nothing to unescape."""
    infos = ReviewInfo.from_records(q.object.value for q in store.quads_for_pattern(
        None, _n("linkFeatures"), None, None) if q.subject == q.graph_name)
    return {info.iri: info for info in infos}


# ---------------------------------------------------------------- entry points

def recompute_all(store: ox.Store, settings: Settings | None = None) -> int:
    """Drop every links graph and compute all links again; returns the number of links."""
    settings = settings or Settings.load()
    for g in _link_graphs(store):
        store.remove_graph(g)
    with _cycle_collection_paused():
        tok = _Tokeniser()
        corpus = Corpus.read(store, settings, tokeniser=tok, defer_texts=True)
        with _loader(store, bulk=True) as put:
            return _write_links(put, _Writer(settings), Linker(corpus, settings, store, tok),
                                range(len(corpus.reviews)))


@contextlib.contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """Linking a national corpus makes about a million small containers (links, rows, texts),
    none in a reference cycle, so reference counting frees them all; left on, Python's cycle
    collector would also walk every object of the process a dozen times on the way (0.15 s
    at 2,000 reviews in a bare process, more in one that holds other data)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def update(store: ox.Store, changed_reviews: Iterable[str], settings: Settings | None = None) -> set[str]:
    """Bring the links up to date after `changed_reviews` were added, replaced or removed.

    Reads the compact link features kept with every other review instead of the corpus, and
    tokenises only the changed reviews. Returns the IRIs of the reviews whose links graphs
    were recomputed (all of them when most of the corpus changed, e.g. a first build).
    """
    settings = settings or Settings.load()
    changed = set(changed_reviews)
    if not changed:
        return set()
    present = set(_iri_rows(store, _pairs_query(_RDF_TYPE, f"<{_DHR}Review>")))
    records = _records(store) if len(changed & present) * 2 <= len(present) else {}
    if not records or (present - changed) - set(records):  # a first build, or links from before records
        recompute_all(store, settings)
        return present | changed
    dirty: set[str] = set(changed)
    earlier_p, later_p = _n("earlierReview"), _n("laterReview")
    for review in changed:  # later reviews that held a link to a changed review lose it
        for q in store.quads_for_pattern(None, earlier_p, ox.NamedNode(review), None):
            for later in store.quads_for_pattern(q.subject, later_p, None, q.graph_name):
                dirty.add(later.object.value)
    tok = _Tokeniser()
    fresh = Corpus.read(store, settings, only=sorted(changed & present), tokeniser=tok)
    infos = {iri: info for iri, info in records.items() if iri in present and iri not in changed}
    infos.update({r.iri: r for r in fresh.reviews})
    linker = Linker(Corpus(list(infos.values())), settings, store, tok)
    index = linker.corpus.index
    dirty.update(linker.corpus.reviews[p].iri for p in linker.affected_by(index[r] for r in changed if r in index))
    for review in dirty:
        g = ox.NamedNode(links_graph_iri(review))
        if store.contains_named_graph(g):
            store.remove_graph(g)
    positions = sorted(index[r] for r in dirty if r in index)
    with _loader(store, bulk=len(positions) >= _BULK_REVIEWS) as put:
        _write_links(put, _Writer(settings), linker, positions)
    return dirty


_BULK_REVIEWS = 250  # from this many links graphs (some 7,000 links) on, writes go through the bulk loader


def _write_links(put: Callable[[str], None], writer: _Writer, linker: Linker, positions: Sequence[int]) -> int:
    """Compute the links of these reviews, basis by basis, and hand them to `put` as text
    (a basis' `Link` objects are dropped once written), then their repeat statements and link
    features (known once the texts are tokenised); returns the number of links."""
    n = 0
    for part in linker.links_by_basis(positions):
        put(writer.links(part))
        n += len(part)
    put(writer.statements(linker.statements_of(positions)))
    put(writer.records(linker.corpus.reviews[p] for p in positions))
    return n


def updater(changed_reviews: Iterable[str], settings: Settings | None = None) -> Callable[[ox.Store], None]:
    """The `edit=` callback for `GraphStore.replace`: links change in the same atomic step."""
    changed = list(changed_reviews)

    def edit(store: ox.Store) -> None:
        update(store, changed, settings)

    return edit
