"""Recommendation texts -> hashed word and word-pair features (the tokeniser).

Words are folded (accents, case, plurals) and every adjacent pair of words is a feature too, so
"share information" is not "information shared with". Features are stable 64-bit ids, not
strings: they are kept in each review's link-feature record (record.py) and must mean the same
in every process.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Sequence

import numpy as np

_PAIR_MUL = np.uint64(0x9E3779B97F4A7C15)
_SEP = "\x00"  # between two texts tokenised together
_WORD_OR_SEP = re.compile(r"[a-z]+|\x00")
_SEP_ID = 0xFFFFFFFFFFFFFFFF  # never a word id: each half of an Adler-32 is below 65521
_MERGE_PARTS = 8  # blocks of word pairs kept apart before they are merged into one

# (indptr, feature ids, counts, is-a-single-word): rows of features, ids sorted per row
Rows = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _stem(word: str) -> str:
    """Fold plurals so "assessments" and "assessment" meet (no dictionary needed)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _word_id(stem: str) -> int:
    """A stable 64-bit id of a normalised word: ids are persisted, so no per-process hash()."""
    b = stem.encode()
    return (zlib.crc32(b) << 32) | zlib.adler32(b)


class Tokeniser:
    """Texts -> rows of (feature id, count): folded words longer than one letter and adjacent
    pairs of them, hashed to stable ids (word pairs combine their two word ids in numpy), so a whole corpus is
    tokenised with one dictionary look-up per word and a few vectorised passes. It remembers
    the words behind the ids it made, for the evidence of a link."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}  # raw word -> id of its stem (0: too short)
        self.stems: dict[int, str] = {}  # id -> stem, for the evidence of a link
        self._pairs: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (pair id, word ids)
        self._pair_index: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def pair(self, pid: int) -> str | None:
        """The two words of a word-pair feature seen by this tokeniser."""
        if self._pair_index is None:
            self._pair_index = self._merged()
            self._pairs = [self._pair_index]
        ids, first, second = self._pair_index
        at = int(np.searchsorted(ids, np.uint64(pid)))
        if at == len(ids) or int(ids[at]) != pid:
            return None
        a, b = self.stems.get(int(first[at])), self.stems.get(int(second[at]))
        return f"{a} {b}" if a and b else None

    def _merged(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every word pair seen, once, sorted by id (a pair id always stands for the same words)."""
        if not self._pairs:
            return np.zeros(0, np.uint64), np.zeros(0, np.uint64), np.zeros(0, np.uint64)
        ids, first, second = (np.concatenate(x) for x in zip(*self._pairs))
        _, at = np.unique(ids, return_index=True)
        return ids[at], first[at], second[at]

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

    def rows(self, texts: Sequence[str]) -> Rows:
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
        if len(words):  # each distinct pair once: a corpus repeats most of its word pairs
            _, first = np.unique(pairs, return_index=True)
            self._pairs.append((pairs[first], words[:-1][same][first], words[1:][same][first]))
            self._pair_index = None
            if len(self._pairs) >= _MERGE_PARTS:  # blocks share most pairs: keep each once
                self._pairs = [self._merged()]
        feats = np.concatenate([words, pairs])
        rows = np.concatenate([row, row[:-1][same] if len(row) else row])
        single = np.concatenate([np.ones(len(words), dtype=bool), np.zeros(len(pairs), dtype=bool)])
        return _count_rows(rows, feats, single, len(texts))


def _count_rows(rows: np.ndarray, feats: np.ndarray, single: np.ndarray, n: int) -> Rows:
    """Occurrences (row, feature) -> one entry per distinct feature of a row, with its count."""
    order = np.lexsort((feats, rows))
    rows, feats, single = rows[order], feats[order], single[order]
    first = np.r_[True, (rows[1:] != rows[:-1]) | (feats[1:] != feats[:-1])] if len(rows) else np.zeros(0, bool)
    starts = np.flatnonzero(first)
    counts = np.diff(np.r_[starts, len(rows)]).astype(np.uint16)
    rows, feats, single = rows[starts], feats[starts], single[starts]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, rows + 1, 1)
    return np.cumsum(indptr), feats, counts, single
