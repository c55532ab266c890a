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
            setting = _Numbers(path, iri, props)
            min_score = setting.real("minScore", 0.0)
            if name == STATED_REPEAT:
                stated = min_score
                patterns = [re.compile(rf"\b(?:{p})\b", re.IGNORECASE)
                            for p in sorted(props.get(_DHR + "matchPattern", []))]
                continue
            floor = setting.whole("documentFrequencyFloor")
            bases[name] = BasisSettings(name, iri, min_score, setting.whole("maxLinks"),
                                        setting.real("maxDocumentFrequency", 1.0), 1 if floor is None else floor,
                                        setting.whole("maxEvidence"), setting.whole("maxDocumentCount"))
        missing = set(BASES) - set(bases)
        if missing:
            raise ValueError(f"{path}: link bases missing: {', '.join(sorted(missing))}")
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


@dataclass(frozen=True)
class _Numbers:
    """The numeric settings of one basis: a value that is not a number is a one-line error naming
    the file and the setting, as for any other bad input file."""

    path: Path
    iri: str
    props: dict[str, list[str]]

    def _first(self, prop: str) -> str | None:
        found = self.props.get(_DHR + prop)
        return found[0] if found else None

    def whole(self, prop: str) -> int | None:
        value = self._first(prop)
        try:
            return None if value is None else int(value)
        except ValueError:
            raise InputError(str(self.path), f"<{self.iri}> dhr:{prop} {value!r} is not a whole number") from None

    def real(self, prop: str, default: float) -> float:
        value = self._first(prop)
        try:
            return default if value is None else float(value)
        except ValueError:
            raise InputError(str(self.path), f"<{self.iri}> dhr:{prop} {value!r} is not a number") from None
