"""Namespaces, identifier minting, and every IRI layout (where reviews, links, cases and reference
files live in the store): the only module that writes a namespace out (tests/test_layering.py).

IRIs are derived from what identifies a thing (a review's key by the rule of identity.py,
a recommendation's number), never from a counter or a run, so the same input always yields the
same IRIs. A recommendation is identified by its number where the number is unique in its
review, and by its number and addressees (then its text) where agencies number their own
recommendations (see `recommendation_ids`). Shipped reference data (ontology, concept schemes,
agency registry) has fixed
IRIs under DHR_BASE; instance data minted from pages lives under a configurable base.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rdflib import URIRef


class Namespace(str):
    """An IRI prefix whose attributes and items are rdflib IRIs (`DHR.Review`), as with rdflib's
    `Namespace`, but rdflib is imported only when a term is made: the query path and the
    command line use these prefixes as plain strings and never load rdflib."""

    __slots__ = ()

    def term(self, name: str) -> URIRef:
        from rdflib import URIRef  # only code that builds rdflib graphs gets here

        return URIRef(str.__add__(self, name))

    def __getitem__(self, name: str) -> URIRef:  # type: ignore[override]
        return self.term(name)

    def __getattr__(self, name: str) -> URIRef:
        if name.startswith("__"):  # special names (copy, pickle) are not terms
            raise AttributeError(name)
        return self.term(name)

    def __repr__(self) -> str:
        return f"Namespace({str.__repr__(self)})"


DHR_BASE = "https://w3id.org/dhr-graph/"
DHR = Namespace(DHR_BASE + "def/")
SCHEME = Namespace(DHR_BASE + "scheme/")
REGISTRY = Namespace(DHR_BASE + "registry/")
GRAPH = Namespace(DHR_BASE + "graph/")
DEFAULT_INSTANCE_BASE = DHR_BASE + "id/"

PREFIXES: dict[str, str] = {
    "dhr": str(DHR),
    "dcterms": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

SUMMARY_GRAPH = f"{GRAPH}summary"
"""The summary graph: whole-corpus totals (`dhr:Summary`, `dhr:Tally`), rewritten with every
write (summary.py). Its tallies are `{SUMMARY_GRAPH}#{kind}-{SHA-1 of the counted IRIs}`, minted
by the summary's CONSTRUCT queries (queries/summary/), so the same data gives the same IRIs."""

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
        import hashlib  # rarely needed: OpenSSL loads only then, not with every command

        out = "x" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    return out


def number_slug(number: str) -> str:
    """Slug of a recommendation number that keeps its dots ("9.1 a" -> "9.1-a")."""
    out = re.sub(r"[^A-Za-z0-9.]+", "-", number.strip()).strip("-.")
    return out or slug(number)


def legacy_review_key(csp: str, published: str | None, year_of_death: int | None) -> str:
    """Partnership, publication month and year of death: the review key before identity.py.

    Two reviews can share it, so it is only used to find a page's graph in a store built with it.
    """
    parts = [slug(csp), published or "undated"]
    if year_of_death is not None:
        parts.append(f"d{year_of_death}")
    return "-".join(parts)


_REC = "/rec/"  # between a review's IRI and a recommendation's number
_QUALIFIER = "_"  # between a repeated number and what tells its rows apart (no slug holds one)


def recommendation_ids(rows: Sequence[tuple[str, Sequence[str], str]]) -> list[str]:
    """The IRI segment of each recommendation of one review, from (number, addressees, text).

    A number used once is the segment as before (`9.11`), so reviews numbered the usual way
    keep their IRIs. Where agencies number their own recommendations and a number recurs,
    each row is told apart by its addressees (`1_northvale-police`), and where that is not
    enough by a digest of its text too; never by its position, so reordering the table
    changes no IRI. Only a row copied twice (same number, addressees and text) would still
    share a segment, and the parser refuses those, so it gets the row's place among them.
    """
    groups: dict[str, list[int]] = defaultdict(list)
    for i, (number, _, _) in enumerate(rows):
        groups[number_slug(number)].append(i)
    out = [""] * len(rows)
    for base, members in groups.items():
        if len(members) == 1:
            out[members[0]] = base
            continue
        by_addressee = {i: "-".join(slug(a, 40) for a in rows[i][1]) or "none" for i in members}
        counts = Counter(by_addressee.values())
        named = {i: q if counts[q] == 1 else f"{q}-{_digest(rows[i][2])}" for i, q in by_addressee.items()}
        counts = Counter(named.values())
        seen: dict[str, int] = defaultdict(int)
        for i in members:
            qualifier = named[i]
            if counts[qualifier] > 1:
                seen[qualifier] += 1
                qualifier = f"{qualifier}-{seen[qualifier]}"
            out[i] = f"{base}{_QUALIFIER}{qualifier}"
    return out


def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:8]


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
        """The key stores used before review identity (`legacy_review_key`); not an identity."""
        return legacy_review_key(csp, published, year_of_death)

    def review(self, key: str) -> str:
        """A review's IRI from its key (`identity.review_key`)."""
        return f"{self.base}review/{key}"

    def review_graph(self, key: str) -> str:
        """Named graph that holds everything derived from one review page."""
        return f"{self.base}graph/review/{key}"

    def recommendation(self, key: str, number: str, segment: str | None = None) -> str:
        """A recommendation's IRI: by its number, or by the `segment` that `recommendation_ids`
        gave it among the rows of its review (which differs only where numbers recur)."""
        return f"{self.base}review/{key}{_REC}{segment or number_slug(number)}"

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

    # case metadata (cases.py)
    def case(self, incident_id: str) -> str:
        """A case (incident) of the DHRD dataset."""
        return f"{self.base}case/dhrd/{slug(incident_id)}"

    def case_graph(self, incident_id: str) -> str:
        return f"{self.base}graph/case/dhrd/{slug(incident_id)}"

    def dataset_graph(self, dataset_iri: str) -> str:
        """The graph holding the description of a dataset the cases come from."""
        return f"{self.base}graph/dataset/{slug(dataset_iri.rsplit('/', 1)[-1])}"

    def case_links_graph(self) -> str:
        """The one graph of matches between reviews and cases (recomputed as a whole)."""
        return f"{self.base}graph/case-links"

    def case_match(self, review_iri: str, case_iri: str) -> str:
        """The node recording why a review was matched to a case."""
        return f"{review_iri}/case-match/{case_iri.rsplit('/', 1)[-1]}"


# ---------------------------------------------------------------- fixed IRIs and where things live

TOOL_IRI = DHR_BASE + "def/tool/dhr-graph"  # the agent every graph the toolkit writes is attributed to
DATASET_IRI = DHR_BASE + "dataset"  # the dataset an export describes (void.py)
SECTOR_SCHEME = str(SCHEME) + "sector/"  # concepts of the sector scheme (ontology/sectors.ttl)
CSP_PATTERN = str(REGISTRY) + "pattern/community-safety-partnership"  # ontology/agency-patterns.ttl
REGISTRY_AGENCY = str(REGISTRY) + "agency/"  # bodies of the registry (ontology/agencies*.ttl)
REGISTRY_AREA = str(REGISTRY) + "area/"  # ONS areas, by GSS code (ontology/areas.ttl)
WIKIDATA = "http://www.wikidata.org/entity/"  # Wikidata items the registry links bodies to


def reference_graph_iri(source: Path, bundled: bool = True) -> str:
    """Named graph of a reference file: `.../graph/{stem}` if shipped, `.../graph/user/{stem}` if not.

    User files get their own path so that a user's `agencies.ttl` extends the bundled
    registry instead of replacing its graph.
    """
    return f"{GRAPH}{source.stem}" if bundled else f"{GRAPH}user/{slug(source.stem)}"


def registry_dataset(name: str) -> str:
    """The dcat:Dataset IRI of a generated registry file (`registry/{name}`)."""
    return f"{REGISTRY}{name}"


# Links (links/): the links a review holds as the later review live in its own named graph
# `{base}graph/links/{key}`; its link-feature record, a cache, in the internal graph
# `{base}graph/internal/link-features/{key}`, which exports and publishing leave out.
_LINKS_GRAPH = re.compile(r"[/#]graph/links/[^/#]+$")
_FEATURES = "link-features"
_FEATURES_GRAPH = re.compile(rf"[/#]graph/internal/{_FEATURES}/[^/#]+$")


def _split_review(review_iri: str) -> tuple[str, str]:
    """(base, key) of a review IRI `{base}review/{key}` (see `Minter.review`)."""
    base, sep, key = review_iri.rpartition("review/")
    if not sep or not key:
        raise ValueError(f"not a review IRI: {review_iri!r}")
    return base, key


def links_graph_iri(review_iri: str) -> str:
    """`{base}graph/links/{key}` for the review `{base}review/{key}`."""
    base, key = _split_review(review_iri)
    return f"{base}graph/links/{key}"


def features_graph_iri(review_iri: str) -> str:
    """`{base}graph/internal/link-features/{key}` for the review `{base}review/{key}`."""
    base, key = _split_review(review_iri)
    return internal_graph(base, f"{_FEATURES}/{key}")


def is_links_graph(graph_iri: str) -> bool:
    return _LINKS_GRAPH.search(graph_iri) is not None


def is_features_graph(graph_iri: str) -> bool:
    return _FEATURES_GRAPH.search(graph_iri) is not None


def link_iri(basis: str, earlier: str, later: str, earlier_rec: str | None = None, later_rec: str | None = None) -> str:
    """`{base}link/{basis}/{earlier key}/{later key}`, and the two recommendations' numbers for a
    recurring recommendation: the same link always gets the same IRI."""
    base, later_key = _split_review(later)
    earlier_key = earlier.rsplit("/", 1)[-1]
    iri = f"{base}link/{basis}/{earlier_key}/{later_key}"
    if later_rec and earlier_rec:
        iri += f"/{earlier_rec.rsplit('/', 1)[-1]}/{later_rec.rsplit('/', 1)[-1]}"
    return iri
