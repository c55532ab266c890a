"""Namespaces and identifier minting.

IRIs are derived from what identifies a thing (partnership, publication month,
recommendation number), never from a counter or a run, so the same input always yields the
same IRIs. Shipped reference data (ontology, concept schemes, agency registry) has fixed
IRIs under DHR_BASE; instance data minted from pages lives under a configurable base.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from rdflib import Namespace
from rdflib.namespace import DCTERMS, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD

DHR_BASE = "https://w3id.org/dhr-graph/"
DHR = Namespace(DHR_BASE + "def/")
SCHEME = Namespace(DHR_BASE + "scheme/")
REGISTRY = Namespace(DHR_BASE + "registry/")
GRAPH = Namespace(DHR_BASE + "graph/")
DEFAULT_INSTANCE_BASE = DHR_BASE + "id/"

PREFIXES: dict[str, str] = {
    "dhr": str(DHR),
    "dcterms": str(DCTERMS),
    "skos": str(SKOS),
    "org": str(ORG),
    "prov": str(PROV),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
}

_INTERNAL = re.compile(r"[/#]graph/internal/")


def internal_graph(base: str, name: str) -> str:
    """`{base}graph/internal/{name}`: a named graph the toolkit keeps for itself (a cache, such
    as the link features of a review). Queries see it; exports and publishing leave it out."""
    return f"{base}graph/internal/{name}"


def is_internal_graph(graph_iri: str) -> bool:
    """Whether a named graph is one of the toolkit's own (see `internal_graph`)."""
    return _INTERNAL.search(graph_iri) is not None


def slug(text: str, max_length: int = 80) -> str:
    """Lower-case ASCII slug that is safe in an IRI path segment.

    Accents are folded (Ynys Môn -> ynys-mon); text with nothing left after folding gets a
    short hash instead, so distinct names never collapse to an empty segment.
    """
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    out = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:max_length].strip("-")
    if not out:
        out = "x" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    return out


def number_slug(number: str) -> str:
    """Slug of a recommendation number that keeps its dots ("9.1 a" -> "9.1-a")."""
    out = re.sub(r"[^A-Za-z0-9.]+", "-", number.strip()).strip("-.")
    return out or slug(number)


_REC = "/rec/"  # between a review's IRI and a recommendation's number


def review_of_recommendation(rec_iri: str) -> str:
    """The review IRI of a recommendation IRI (`Minter.recommendation`), whatever the base."""
    return rec_iri.split(_REC, 1)[0]


class Minter:
    """Mints the IRIs of instance data under one base IRI."""

    def __init__(self, base: str = DEFAULT_INSTANCE_BASE) -> None:
        if not re.match(r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|\\^`]*[/#]$", base):
            raise ValueError(f"base IRI must be an absolute IRI ending in '/' or '#': {base!r}")
        self.base = base

    def review_key(self, csp: str, published: str | None, year_of_death: int | None) -> str:
        """Readable key of a review: partnership, publication month and year of death."""
        parts = [slug(csp), published or "undated"]
        if year_of_death is not None:
            parts.append(f"d{year_of_death}")
        return "-".join(parts)

    def review(self, key: str) -> str:
        return f"{self.base}review/{key}"

    def review_graph(self, key: str) -> str:
        """Named graph that holds everything derived from one review page."""
        return f"{self.base}graph/review/{key}"

    def recommendation(self, key: str, number: str) -> str:
        return f"{self.base}review/{key}{_REC}{number_slug(number)}"

    def addressing(self, rec_iri: str, position: int) -> str:
        return f"{rec_iri}/addressee/{position}"

    def mention(self, rec_iri: str, position: int) -> str:
        return f"{rec_iri}/mention/{position}"

    def theme_assignment(self, rec_iri: str, theme_iri: str) -> str:
        return f"{rec_iri}/theme/{slug(theme_iri.rsplit('/', 1)[-1])}"

    def partnership(self, csp: str) -> str:
        return f"{self.base}partnership/{slug(csp)}"

    def local_agency(self, csp: str, name: str) -> str:
        """A body known only by its name in one partnership area."""
        return f"{self.base}agency/{slug(csp)}/{slug(name)}"
