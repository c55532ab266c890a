"""Theme classification of recommendations, driven by the SKOS theme scheme.

The rules live in the scheme (`dhr:matchPattern` / `dhr:excludePattern` on each concept), so a
user can read, question and extend them without touching Python. Every assignment keeps the
words that triggered it, and `explain()` shows which rule matched what, and which matches an
exclusion voided.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from .errors import DhrGraphError, InputError
from .inputfiles import read_turtle
from .iris import DHR
from .records import ThemeAssignment
from .resources import ontology_dir

logger = logging.getLogger(__name__)

DEFAULT_SCHEME_FILE = "themes.ttl"

# Rules match whole words: a pattern may not start or end inside a word.
_WORD_LEFT = r"(?<![0-9a-z])"
_WORD_RIGHT = r"(?![0-9a-z])"
# Text and rules are lower-cased ASCII-only, so offsets never shift and evidence can be cut from
# the original text; lower-casing instead of re.IGNORECASE lets the regex engine use its fast
# literal checks, which is most of the speed.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# Fallback rules (dhr:fallbackPattern) are tried at every word start, on the rare text no main
# rule matched; their hits carry this prefix before the pattern in explanations.
_WORD_START = re.compile(r"(?<![0-9a-z])[0-9a-z]")
FALLBACK = "(fallback) "


def _lower_text(text: str) -> str:
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


def _lower_pattern(pattern: str) -> str:
    """The pattern with its ASCII letters lower-cased; escapes (\\S, \\W, \\N{...}) and group
    syntax after "(?" ((?P<name>, inline flags) are left alone."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("(?", i):
            j = i + 2
            while j < len(pattern) and pattern[j].isalpha():
                j += 1
            if pattern[j - 1:j + 1] == "P<" or pattern[j - 1:j + 1] == "P=":
                j = pattern.index(">" if pattern[j] == "<" else ")", j)
            out.append(pattern[i:j])
            i = j
            continue
        if c == "\\":
            j = i + 2
            if pattern[i + 1:i + 2] == "N" and pattern[j:j + 1] == "{":
                j = pattern.index("}", j) + 1
            out.append(pattern[i:j])
            i = j
            continue
        out.append(c.translate(_ASCII_LOWER))
        i += 1
    return "".join(out)


def _structure(pattern: str) -> Iterator[tuple[int, str, int]]:
    """Walk a regex's structural characters: (index, char, group depth after it), skipping
    escapes and character classes. Ends with (len, "", depth) and (-1, "", 0) if a class is open."""
    depth, i, in_class = 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            i += 2 if pattern.startswith("^", i + 1) else 1
            if pattern.startswith("]", i):  # first in a class ("[]...]", "[^]...]"), "]" is itself
                i += 1
            continue
        elif c in "()|":
            depth += {"(": 1, ")": -1, "|": 0}[c]
            yield i, c, depth
        i += 1
    yield (-1, "", 0) if in_class else (len(pattern), "", depth)


def _split_top(pattern: str) -> list[str] | None:
    """The top-level alternatives of a pattern, or None if its brackets do not balance."""
    parts, start = [], 0
    for i, c, depth in _structure(pattern):
        if c == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        elif not c:
            parts.append(pattern[start:])
            return parts if i >= 0 and depth == 0 else None
    return None


def _group_end(pattern: str) -> int | None:
    """Index of the ")" closing the group that opens the pattern."""
    return next((i for i, c, depth in _structure(pattern) if c == ")" and depth == 0), None)


def _by_first_char(pattern: str, budget: int = 64) -> list[tuple[str | None, str]]:
    """Split a lower-cased pattern into (first character, rest) alternatives with the same matches.

    Leading groups are expanded ("(abuse|harm) of" -> "abuse of", "harm of") so that most
    alternatives start with a plain character; None marks an alternative left as it is. Only
    used to build the combined trigger, where a branch per first character is far cheaper to
    try than hundreds of alternatives.
    """
    if re.search(r"\\[1-9]|\(\?P=", pattern):
        return [(None, pattern)]  # backreferences need the groups as written
    out: list[tuple[str | None, str]] = []
    todo = _split_top(pattern)
    if todo is None:
        return [(None, pattern)]
    while todo:
        alt = todo.pop(0)
        if len(out) + len(todo) > budget:
            return [(None, pattern)]
        if alt[:1].isalnum() and alt[1:2] not in ("?", "*", "+", "{"):
            out.append((alt[0], alt[1:]))
            continue
        if alt.startswith("(") and not alt.startswith("(?") or alt.startswith("(?:"):
            k = _group_end(alt)
            branches = _split_top(alt[(3 if alt.startswith("(?:") else 1):k]) if k else None
            quantifier = alt[k + 1:k + 2] if k else ""
            lazy_or_possessive = k is not None and quantifier == "?" and alt[k + 2:k + 3] in ("?", "+")
            if k is not None and branches is not None and quantifier not in ("*", "+", "{") and not lazy_or_possessive:
                rest = alt[k + 2:] if quantifier == "?" else alt[k + 1:]
                todo[:0] = [b + rest for b in branches] + ([rest] if quantifier == "?" else [])
                continue
        out.append((None, alt))
    if not all(_compiles(alt) for _, alt in out if "[" in alt or "(?#" in alt):
        return [(None, pattern)]  # a split this walk got wrong (classes, comments): the pattern as it is
    return out


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except (re.error, ValueError, OverflowError):
        return False
    return True


class ThemeSchemeError(DhrGraphError, ValueError):
    """The theme scheme cannot be used (bad pattern, missing label, no themes)."""


@dataclass(frozen=True)
class RuleHit:
    """One match of one rule in a text; `voided_by` names the exclusion that cancelled it."""

    pattern: str
    words: str
    start: int
    end: int
    voided_by: str | None = None


@dataclass(frozen=True)
class ThemeExplanation:
    """Why a theme was (or was not) given to a text."""

    theme: str
    label: str
    assigned: bool
    hits: tuple[RuleHit, ...]  # matches that count
    voided: tuple[RuleHit, ...]  # matches cancelled by an exclusion
    patterns: tuple[str, ...]  # every rule of the theme, fired or not

    def to_json(self) -> dict[str, object]:
        return {
            "theme": self.label,
            "iri": self.theme,
            "assigned": self.assigned,
            "hits": [{"pattern": h.pattern, "words": h.words, "start": h.start, "end": h.end}
                     for h in self.hits],
            "voided": [{"pattern": h.pattern, "words": h.words, "excluded_by": h.voided_by}
                       for h in self.voided],
        }


def _compile(pattern: str, iri: str) -> re.Pattern[str]:
    """A rule as a whole-word regex over lower-cased text."""
    try:
        rx = re.compile(_WORD_LEFT + "(?:" + _lower_pattern(pattern) + ")" + _WORD_RIGHT)
    except (re.error, ValueError) as exc:
        raise ThemeSchemeError(f"theme {iri}: pattern {pattern!r} does not compile: {exc}") from exc
    return rx


def _alternation(patterns: Sequence[str], prefix: str) -> str:
    """Rules as one alternation of named groups (lower-cased later, by _compile)."""
    return "|".join(f"(?P<{prefix}{i}>{p})" for i, p in enumerate(patterns))


@dataclass(frozen=True)
class _ThemeRules:
    """The compiled rules of one concept: all match patterns in one alternation, so one try
    at a position finds the hit there and `lastgroup` says which rule it was."""

    iri: str
    label: str
    patterns: tuple[str, ...]
    excludes: tuple[str, ...]
    matcher: re.Pattern[str]
    excluder: re.Pattern[str] | None
    firsts: frozenset[str] | None  # characters a hit can start with; None: any

    @classmethod
    def build(cls, iri: str, label: str, patterns: Sequence[str], excludes: Sequence[str]) -> _ThemeRules:
        for p in [*patterns, *excludes]:
            if _compile(p, iri).fullmatch("") or re.fullmatch(_lower_pattern(p), ""):
                raise ThemeSchemeError(f"theme {iri}: pattern {p!r} matches empty text")
        matcher = _compile(_alternation(patterns, "r"), iri)
        excluder = _compile(_alternation(excludes, "x"), iri) if excludes else None
        firsts = {c for p in patterns for c, _ in _by_first_char(_lower_pattern(p))}
        return cls(iri, label, tuple(patterns), tuple(excludes), matcher, excluder,
                   None if None in firsts else frozenset(c for c in firsts if c is not None))

    def scan(self, text: str, low: str, starts: Sequence[int]) -> tuple[list[RuleHit], list[RuleHit]]:
        """Hits that count and hits voided by an exclusion, in text order.

        Only `starts` (every position where some rule of the scheme matches) are tried; that
        finds the same non-overlapping hits as scanning the whole text.
        """
        found: list[RuleHit] = []
        end = 0
        firsts = self.firsts
        for pos in starts:
            if pos < end or (firsts is not None and low[pos] not in firsts):
                continue
            m = self.matcher.match(low, pos)
            if m is not None:
                end = m.end()
                found.append(RuleHit(self.patterns[int(m.lastgroup[1:])],  # type: ignore[index]
                                     text[m.start():end], m.start(), end))
        if not found or self.excluder is None:
            return found, []
        spans = [(m.start(), m.end(), self.excludes[int(m.lastgroup[1:])])  # type: ignore[index]
                 for m in self.excluder.finditer(low)]
        kept: list[RuleHit] = []
        voided: list[RuleHit] = []
        for hit in found:
            veto = next((x for s, e, x in spans if s < hit.end and hit.start < e), None)
            if veto is None:
                kept.append(hit)
            else:
                voided.append(RuleHit(hit.pattern, hit.words, hit.start, hit.end, veto))
        return kept, voided


def _literal_label(graph: Graph, node: URIRef) -> str | None:
    """English (or untagged) skos:prefLabel, falling back to any language."""
    labels = [o for o in graph.objects(node, SKOS.prefLabel) if isinstance(o, Literal)]
    for lit in labels:
        if lit.language in (None, "en"):
            return str(lit)
    return str(labels[0]) if labels else None


class ThemeScheme:
    """A loaded theme scheme with its rules compiled once, ready to classify many texts."""

    def __init__(self, graph: Graph, files: Sequence[Path]) -> None:
        self.graph = graph
        self._files = list(files)
        rules: list[_ThemeRules] = []
        fallback: list[_ThemeRules] = []
        for node in sorted(set(graph.subjects(RDF.type, DHR.Theme)), key=str):
            if not isinstance(node, URIRef):
                continue
            label = _literal_label(graph, node)
            if label is None:
                raise ThemeSchemeError(f"theme {node} has no skos:prefLabel")
            patterns = sorted(str(o) for o in graph.objects(node, DHR.matchPattern))
            excludes = sorted(str(o) for o in graph.objects(node, DHR.excludePattern))
            if patterns:  # a concept without rules is never assigned automatically
                rules.append(_ThemeRules.build(str(node), label, patterns, excludes))
            weak = sorted(str(o) for o in graph.objects(node, DHR.fallbackPattern))
            if weak:
                fallback.append(_ThemeRules.build(str(node), label, weak, excludes))
        if not rules:
            raise ThemeSchemeError("the theme scheme has no dhr:Theme with a dhr:matchPattern")
        rules.sort(key=lambda r: r.label.casefold())
        fallback.sort(key=lambda r: r.label.casefold())
        self._rules = tuple(rules)
        self._fallback = tuple(fallback)
        # Zero-width, so it reports every position where any rule of any theme matches.
        buckets: dict[str | None, list[str]] = {}
        for r in rules:
            for p in r.patterns:
                for first, rest in _by_first_char(_lower_pattern(p)):
                    buckets.setdefault(first, []).append(rest)
        branches = [f"{re.escape(c)}(?:{'|'.join(rest)})" for c, rest in sorted(buckets.items(), key=str)
                    if c is not None]
        branches += [f"(?:{alt})" for alt in buckets.get(None, [])]
        try:
            self._trigger = re.compile(f"{_WORD_LEFT}(?=(?:{'|'.join(branches)}){_WORD_RIGHT})")
        except (re.error, ValueError, OverflowError) as exc:  # e.g. one group name in rules of two themes
            logger.warning("theme rules: the combined trigger does not compile (%s); every rule is tried "
                           "wherever a word may start, which finds the same, more slowly", exc)
            # a hit starts only where its rule's _WORD_LEFT holds, before some character
            self._trigger = re.compile(_WORD_LEFT + "(?=.)", re.DOTALL)

    def _scan_main(self, text: str, low: str) -> list[tuple[_ThemeRules, list[RuleHit], list[RuleHit]]]:
        """Each theme's hits and voided hits by its dhr:matchPattern rules."""
        starts = [m.start() for m in self._trigger.finditer(low)]
        return [(rules, *rules.scan(text, low, starts)) if starts else (rules, [], []) for rules in self._rules]

    def _scan(self, text: str) -> list[tuple[_ThemeRules, list[RuleHit], list[RuleHit]]]:
        """Each theme's hits and voided hits; the fallback rules' when no main rule hit at all."""
        low = _lower_text(text)
        found = self._scan_main(text, low)
        if any(hits for _, hits, _ in found) or not self._fallback:
            return found
        words = [m.start() for m in _WORD_START.finditer(low)]
        weak = {r.iri: r.scan(text, low, words) for r in self._fallback}
        return [(rules, [RuleHit(FALLBACK + h.pattern, h.words, h.start, h.end) for h in weak[rules.iri][0]],
                 voided + weak[rules.iri][1]) if rules.iri in weak else (rules, hits, voided)
                for rules, hits, voided in found]

    @classmethod
    def load(cls, paths: Sequence[str | Path] | None = None, extra: Sequence[str | Path] = ()) -> ThemeScheme:
        """Load the bundled scheme, or `paths` instead of it, plus `extra` files that extend it.

        An extending file may add new dhr:Theme concepts or more patterns to existing IRIs.
        """
        files = [Path(p) for p in paths] if paths is not None else [ontology_dir() / DEFAULT_SCHEME_FILE]
        files += [Path(p) for p in extra]
        graph = Graph()
        for f in files:
            try:
                read_turtle(f, graph)
            except InputError as exc:
                raise ThemeSchemeError(f"cannot read theme scheme {exc}") from None
        return cls(graph, files)

    def source_files(self) -> list[Path]:
        """The Turtle files the scheme was read from (loaded into the store as reference data)."""
        return list(self._files)

    def themes(self) -> list[tuple[str, str]]:
        """(IRI, label) of every theme that has rules, ordered by label."""
        return [(r.iri, r.label) for r in self._rules]

    def classify(self, text: str) -> tuple[ThemeAssignment, ...]:
        """Every theme whose rules match `text`, with the distinct matched words as evidence."""
        out: list[ThemeAssignment] = []
        for rules, hits, _ in self._scan(text):
            if hits:
                out.append(ThemeAssignment(rules.iri, rules.label, _distinct(h.words for h in hits)))
        return tuple(out)

    def explain(self, text: str) -> tuple[ThemeExplanation, ...]:
        """For every theme: the rule matches that count, those an exclusion voided, and its rules."""
        out: list[ThemeExplanation] = []
        for rules, hits, voided in self._scan(text):
            out.append(ThemeExplanation(rules.iri, rules.label, bool(hits), tuple(hits), tuple(voided),
                                        rules.patterns))
        return tuple(out)

    def describe(self) -> list[dict[str, object]]:
        """The scheme as rows (IRI, label, alternative labels, definition, rule counts) for listing."""
        rows: list[dict[str, object]] = []
        for r in self._rules:
            node = URIRef(r.iri)
            definition = next((str(o) for o in self.graph.objects(node, SKOS.definition)), "")
            alt = sorted(str(o) for o in self.graph.objects(node, SKOS.altLabel))
            rows.append({"theme": r.label, "iri": r.iri, "alt_labels": alt, "definition": definition,
                         "patterns": len(r.patterns), "excludes": len(r.excludes)})
        return rows


def _distinct(words: Iterable[str]) -> tuple[str, ...]:
    """Matched words in text order, each once (case-insensitively)."""
    seen: dict[str, str] = {}
    for w in words:
        seen.setdefault(" ".join(w.split()).casefold(), " ".join(w.split()))
    return tuple(seen.values())
