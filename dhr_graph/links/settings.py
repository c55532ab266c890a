"""Link settings, read from the link-basis scheme (ontology/link-bases.ttl): the first step of linking.

Thresholds, how many links each review keeps and the phrases with which a recommendation says it
repeats an earlier one are data, so a user changes them in Turtle, not in Python.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .. import resources
from ..errors import InputError
from ..inputfiles import turtle_quads
from ..iris import DHR, SCHEME

_DHR = str(DHR)
BASIS_SCHEME = f"{SCHEME}link-basis"
BASIS_FILE = "link-bases.ttl"

ORGANISATION, THEME, RECURRING, PARTNERSHIP = (
    "shared-organisation", "shared-theme", "recurring-recommendation", "same-partnership")
STATED_REPEAT = "stated-repeat"
BASES = (ORGANISATION, THEME, RECURRING, PARTNERSHIP)


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
    max_count: int | None = None  # features in more rows than this carry no weight, whatever the corpus size
    max_candidates: int | None = None  # each review is compared with at most this many reviews just before it


@dataclass(frozen=True)
class Settings:
    """Every basis' settings, and the phrases of a stated repeat."""

    bases: dict[str, BasisSettings]
    repeat_patterns: tuple[re.Pattern[str], ...]
    stated_min_score: float

    @classmethod
    def load(cls, path: str | Path | None = None) -> Settings:
        """Read the link-basis scheme (bundled ontology/link-bases.ttl unless `path`)."""
        path = Path(path) if path else resources.ontology_dir() / BASIS_FILE
        values: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for t in turtle_quads(path):
            if (isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(BASIS_SCHEME + "/")
                    and not isinstance(t.object, ox.Triple)):
                values[t.subject.value][t.predicate.value].append(t.object.value)
        bases: dict[str, BasisSettings] = {}
        patterns: list[re.Pattern[str]] = []
        stated = 0.0
        for iri, props in values.items():
            name = iri.rsplit("/", 1)[-1]
            read = _Reader(path, name, props)
            min_score = read.number("minScore", 0.0, 0.0, 1.0)
            if name == STATED_REPEAT:
                stated = min_score
                patterns = [read.pattern(p) for p in sorted(props.get(_DHR + "matchPattern", []))]
                continue
            bases[name] = BasisSettings(name, iri, min_score, read.count("maxLinks"),
                                        read.number("maxDocumentFrequency", 1.0, 0.0, 1.0),
                                        read.count("documentFrequencyFloor") or 1,
                                        read.count("maxEvidence"), read.count("maxDocumentCount"),
                                        read.count("maxCandidates"))
        missing = set(BASES) - set(bases)
        if missing:
            raise InputError(str(path), f"link bases missing: {', '.join(sorted(missing))}")
        return cls(bases, tuple(patterns), stated)

    @property
    def _any_repeat(self) -> re.Pattern[str]:
        cached: re.Pattern[str] | None = self.__dict__.get("_any")
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


class _Reader:
    """The values of one basis' settings, checked: a bad value names the file, the basis and
    the setting in one line (an `InputError`), never a bare `ValueError`."""

    def __init__(self, path: Path, basis: str, props: dict[str, list[str]]) -> None:
        self.path, self.basis, self.props = path, basis, props

    def _one(self, local: str) -> str | None:
        found = self.props.get(_DHR + local)
        if not found:
            return None
        if len(set(found)) > 1:
            self._bad(local, " and ".join(sorted(found)), "one value")
        return found[0]

    def _bad(self, local: str, value: str, wanted: str) -> None:
        raise InputError(str(self.path), f"link basis {self.basis}: dhr:{local} {value!r} is not {wanted}")

    def pattern(self, text: str) -> re.Pattern[str]:
        """A phrase of dhr:matchPattern, matched case-insensitively as whole words."""
        try:
            return re.compile(rf"\b(?:{text})\b", re.IGNORECASE)
        except re.error as e:
            raise InputError(str(self.path), f"link basis {self.basis}: dhr:matchPattern {text!r} is not "
                             f"a regular expression ({e})") from None

    def number(self, local: str, default: float, low: float, high: float) -> float:
        """A decimal between `low` and `high` (inclusive)."""
        text = self._one(local)
        if text is None:
            return default
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not low <= value <= high:  # NaN fails too
            self._bad(local, text, f"a number from {low:g} to {high:g}")
        return value

    def count(self, local: str) -> int | None:
        """A whole number of at least 1, or None when the setting is absent."""
        text = self._one(local)
        if text is None:
            return None
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            self._bad(local, text, "a whole number of at least 1")
        return value
