"""Plain typed records passed between the pipeline stages.

Every stage (parse, resolve agencies, classify themes, build RDF) takes and returns these
records, so each stage can be tested alone and the CLI is only wiring.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


def natural_key(number: str) -> tuple[tuple[int, int | str], ...]:
    """How recommendation numbers sort (the parser's table order, validation reports): 9.2 before
    9.10, R2 before R10 and 9.1 a before 9.1 b."""
    return tuple(
        (0, int(tok)) if tok.isdigit() else (1, tok.lower())
        for tok in re.findall(r"\d+|[A-Za-z]+", number)
    )


@dataclass(frozen=True)
class Recommendation:
    """One row of a page's recommendations table, as written."""

    number: str
    text: str
    addressed_to: tuple[str, ...]
    line: int = 0  # line of the page the row starts on, for error messages
    annotation: str | None = None  # an acronym the number carries (`10 (ABC)` -> "ABC"), often the addressee


@dataclass(frozen=True)
class Review:
    """One parsed summary page: header fields plus its recommendations in natural order."""

    source_path: str
    title: str | None
    csp: str
    published: str | None  # "YYYY-MM"
    year_of_death: int | None
    extracted_count: int | None
    summary: str | None
    source: str | None
    recommendations: tuple[Recommendation, ...]
    sha256: str = ""
    warnings: tuple[str, ...] = ()
    page_id: str | None = None  # an `Id:` line: the review's own identifier (identity.py)
    url: str | None = None  # a `URL:` line: the published report's address (identity.py)
    record_file: str | None = None  # the JSON/CSV records file it was read from, not its page

    def to_json(self) -> dict[str, object]:
        """The `dhr-graph parse --format json` contract (one object per page); `build` reads it
        back (record_io.py). `file` and `sha256` name the page the record was parsed from."""
        name = self.source_path.replace("\\", "/").rsplit("/", 1)[-1]
        return {
            "id": self.page_id,
            "url": self.url,
            "file": name if name not in {"", "-", "<text>", "<stdin>"} else None,
            "sha256": self.sha256 or None,
            "title": self.title,
            "csp": self.csp,
            "published": self.published,
            "year_of_death": self.year_of_death,
            "extracted_count": self.extracted_count,
            "summary": self.summary,
            "source": self.source,
            "recommendations": [
                {"number": r.number, "text": r.text, "addressed_to": list(r.addressed_to)}
                for r in self.recommendations
            ],
        }


@dataclass(frozen=True)
class Resolution:
    """Who an addressee string (or a name found in text) was taken to mean, and why.

    `registered` bodies are described in the registry graph; for the others (minted from
    the string itself, scoped to the review's partnership) the RDF builder writes their
    type, label, sector and locality into the review's own graph.
    """

    surface: str
    iri: str
    label: str
    kind: str = "organisation"  # "organisation" | "group"
    scope: str = "local"  # "national" | "local"
    sector: str | None = None  # IRI of a concept in the sector scheme
    method: str = "verbatim"  # exact | alias | acronym | pattern | fuzzy | generic | verbatim ...
    confidence: float = 1.0
    locality: str | None = None  # partnership area for local bodies
    registered: bool = False
    successor: str | None = None  # IRI of the body that took over (dhr:succeededBy), e.g. a CCG's ICB
    succession_date: str | None = None  # "YYYY-MM-DD" the successor took over (dhr:successionDate)
    generic: str | None = None  # IRI of the generic/group name entry a scoped body was minted from
    reason: str | None = None  # why an area's body was chosen (or why a generic name stayed scoped)


@dataclass(frozen=True)
class ThemeAssignment:
    """A theme given to a recommendation, with the words that triggered it."""

    theme: str  # concept IRI
    label: str
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class EnrichedRecommendation:
    """A recommendation with its resolved addressees, agency mentions and themes."""

    recommendation: Recommendation
    addressees: tuple[Resolution, ...]
    mentions: tuple[Resolution, ...] = ()
    themes: tuple[ThemeAssignment, ...] = ()


@dataclass(frozen=True)
class EnrichedReview:
    """A review after agency resolution and theme classification, ready for RDF."""

    review: Review
    recommendations: tuple[EnrichedRecommendation, ...]
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Entry:
    """Something a name can resolve to: a registered body, a group name or a generic name."""

    iri: str
    label: str
    kind: str  # "organisation" | "group" | "generic"
    sector: str | None
    scope: str
    localities: tuple[str, ...] = ()  # as written in the registry
    successor: str | None = None
    succession_date: str | None = None
    areas: tuple[str, ...] = ()  # GSS codes of the areas it serves (generated registry)
    start: str | None = None
    end: str | None = None
    council: bool = False  # has an official council type
    county: bool = False  # an upper-tier council of a two-tier area
    area_role: str | None = None  # generic names: which body of the area they mean
    minted: bool = False  # a body the registry does not describe (the RDF builder describes it)


@dataclass(frozen=True)
class Pattern:
    """A typed name pattern (dhr:NamePattern)."""

    iri: str
    label: str
    regex: re.Pattern[str]
    priority: int
    sector: str | None
    iri_template: str | None = None
    label_template: str | None = None
    areas: dict[str, tuple[str, str]] | None = None  # normalised area -> (area as written, successor)
    succession_date: str | None = None
