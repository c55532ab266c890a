"""How agency names are compared: the lookup key of a name, and fuzzy likeness of two keys.

Registry lookups (agencies.py), the ONS geography (geography.py), case matching (cases.py) and
the registry generator (registrygen.py) all key names the same way, so a name written
"The Children's Services & Education" finds "childrens services and education" everywhere.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from difflib import SequenceMatcher
from functools import lru_cache
from typing import TypeVar

T = TypeVar("T")

FUZZY_CANDIDATE = 0.7  # character similarity needed to list a fuzzy candidate for curation
_TOKEN_CLOSE = 0.8  # every word must have a partner at least this similar (typos only)
STOPWORDS = frozenset({"and", "of", "the", "for", "in", "on", "to", "with", "nhs", "a"})

_APOSTROPHES = re.compile(r"['\u2019\u2018`]")
_NON_WORD = re.compile(r"[\W_]+")
WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*|&")


def normalise(name: str) -> str:
    """The lookup key of a name: case, accents kept, apostrophes dropped, '&' as 'and',
    other punctuation as spaces, no leading 'the'."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = _APOSTROPHES.sub("", text).replace("&", " and ")
    text = " ".join(_NON_WORD.sub(" ", text).split())
    return text[4:] if text.startswith("the ") else text


@functools.lru_cache(maxsize=1 << 16)
def word_key(word: str) -> str:
    """`normalise` of one word of a text, cached: the same few thousand words recur in every
    recommendation, and a national build looks at nearly a million."""
    return normalise(word) or word


def without_nhs(key: str) -> str | None:
    """The key with "nhs" taken out, so that where a name puts NHS does not matter.

    None when there is no "nhs" or when too little is left to identify a body ("NHS England"
    must not become "england").
    """
    tokens = key.split()
    if "nhs" not in tokens:
        return None
    rest = [t for t in tokens if t != "nhs"]
    return " ".join(rest) if len(rest) >= 2 else None


def clean(name: str) -> str:
    """The name as written, with runs of whitespace collapsed (the label of minted bodies)."""
    return " ".join(name.split())


def closest(key: str, keys: dict[str, T], index: dict[str, list[str]]) -> list[tuple[T, float]]:
    """Fuzzy candidates for `key` among `keys`, pre-selected cheaply by shared words."""
    tokens = set(key.split()) - STOPWORDS
    if not tokens:
        return []
    need = max(1, len(tokens) - 1)
    shared: dict[str, int] = defaultdict(int)
    if len(tokens) >= 3:
        # a candidate sharing all but one word has one of any two of them: seed from the two rarest
        rare = sorted(tokens, key=lambda tok: len(index.get(tok, ())))[:2]
        for cand in {c for tok in rare for c in index.get(tok, ())}:
            shared[cand] = len(tokens & _significant(cand))
    else:
        for token in tokens:
            for cand in index.get(token, ()):
                shared[cand] += 1
    out = []
    for cand, n in shared.items():
        if n < need or abs(len(cand) - len(key)) > 0.3 * max(len(cand), len(key)):
            continue
        # with thousands of registered names sharing "council" or "trust", most candidates differ
        # in a word with no near twin: the word check (cached per word pair) rules them out first
        if not words_agree(key, cand):
            continue
        matcher = SequenceMatcher(None, key, cand, autojunk=False)
        if matcher.quick_ratio() < FUZZY_CANDIDATE:
            continue
        score = matcher.ratio()
        if score >= FUZZY_CANDIDATE:
            out.append((keys[cand], score))
    return out


def words_agree(a: str, b: str) -> bool:
    """Each significant word of either name has a near twin (a typo, not another word) in the other."""
    wa, wb = _significant(a), _significant(b)
    if not wa or not wb:
        return False
    only_a, only_b = wa - wb, wb - wa
    return (all(any(_close(x, y) for y in only_b) for x in only_a)
            and all(any(_close(x, y) for x in only_a) for y in only_b))


@lru_cache(maxsize=65536)
def _significant(key: str) -> frozenset[str]:
    return frozenset(key.split()) - STOPWORDS


@lru_cache(maxsize=65536)
def _close(x: str, y: str) -> bool:
    if 2 * min(len(x), len(y)) < _TOKEN_CLOSE * (len(x) + len(y)):
        return False  # the ratio cannot reach _TOKEN_CLOSE with lengths this far apart
    # the characters the two words share (what SequenceMatcher.quick_ratio counts, without its set-up)
    counts: dict[str, int] = {}
    for c in y:
        counts[c] = counts.get(c, 0) + 1
    common = 0
    for c in x:
        n = counts.get(c, 0)
        if n:
            counts[c] = n - 1
            common += 1
    if 2 * common < _TOKEN_CLOSE * (len(x) + len(y)):
        return False
    return SequenceMatcher(None, x, y).ratio() >= _TOKEN_CLOSE


def written_as_name(span: str, form: str, text: str, start: int) -> bool:
    """Whether words found in running text are written as the name of a body (uncached: a
    registry keeps its own cache, `NameShapes`)."""
    return _judge(_name_shape(span, form), text, start)


class NameShapes:
    """`written_as_name` with a cache of its own: a build meets the same few thousand (span, form)
    pairs in tens of thousands of texts. Each registry holds one, so the cache's memory goes with
    the registry instead of staying for the whole process."""

    def __init__(self, size: int = 1 << 16) -> None:
        self.size = size  # pairs kept at most; the cache starts again when full (a plain dict: picklable)
        self._shapes: dict[tuple[str, str], int] = {}

    def written_as_name(self, span: str, form: str, text: str, start: int) -> bool:
        shape = self._shapes.get((span, form))
        if shape is None:
            if len(self._shapes) >= self.size:
                self._shapes.clear()
            shape = self._shapes[span, form] = _name_shape(span, form)
        return _judge(shape, text, start)

    def cached(self) -> int:
        """How many (span, form) pairs the cache holds."""
        return len(self._shapes)


_NOT_NAME, _NAME, _UNLESS_OPENING = 0, 1, 2


def _judge(shape: int, text: str, start: int) -> bool:
    if shape == _UNLESS_OPENING:
        return not _opens_sentence(text, start)  # "Respect the wishes..." opens a sentence; not the charity
    return shape == _NAME


def _name_shape(span: str, form: str) -> int:
    """How `span` is written against the registered `form`, apart from where it stands."""
    letters = _NON_WORD.sub("", form)
    if letters.isupper() or any(c.isdigit() for c in letters) or (letters and not letters.islower()
                                                                 and len(form.split()) == 1 and len(letters) <= 6):
        # acronyms and short coined names (SSAB, 4LSAB, MoJ) must be written exactly so
        return _NAME if _NON_WORD.sub("", span) == letters else _NOT_NAME
    significant = [w for w in WORD.findall(span) if normalise(w) not in STOPWORDS]
    if not significant or not all(w[0].isupper() or w[0].isdigit() for w in significant):
        return _NOT_NAME
    return _UNLESS_OPENING if len(significant) == 1 else _NAME


def _opens_sentence(text: str, start: int) -> bool:
    """Whether `text[:start]` is blank or ends in [.!?:;] and blanks, read backwards from `start`
    instead of searching the whole text before it."""
    i = start
    while i > 0 and text[i - 1].isspace():
        i -= 1
    return i == 0 or text[i - 1] in ".!?:;"
