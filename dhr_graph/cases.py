"""Case-level metadata (the DHRD incidents table) in the store, and each review joined to its case.

Summary pages say what was recommended and little about the case; the DHRD (Cook & Cook 2026,
CC BY 4.0) records what kind of case it was. `import_cases` writes one `dhr:Case` per incident,
each in its own named graph with its provenance and the dataset's citation: partnership,
region, month (or year) of death, case types and recorded abuse types. Cause and location of
death are never read. Following the codebook, a TRUE flag becomes `dhr:caseType` /
`dhr:abuseType`, a FALSE flag `dhr:notIndicated` (the metadata did not indicate it) and an
empty one `dhr:notRecorded`, so no query can take "not recorded" for "absent".

`link_cases` joins reviews to cases: the partnership (one function, `partnership_key`, so a
better resolver can replace it) and the year of death must agree, and the month where both
have one. Every candidate is kept as a `dhr:CaseMatch` with a confidence shared between the
candidates and the method used; only a single candidate also gives `dhr:case`. Links live in
one graph, recomputed whenever reviews or cases change.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, PROV, RDF, SKOS, XSD

from . import __version__, resources
from .agencynames import normalise
from .inputfiles import decode_text, read_bytes, read_turtle, turtle_quads
from .errors import InputError, StoreError
from .iris import DEFAULT_INSTANCE_BASE, DHR, TOOL_IRI, Minter, reference_graph_iri
from .parser import MONTHS
from .nquads import iri, literal
from .reviewgraph import build_time
from .store import GraphStore, drop_graph
from .validation import Validator

log = logging.getLogger(__name__)

MAX_TABLE_BYTES = 100 * 1024 * 1024  # the DHRD table is 0.1 MB; a national one would still be far below
REQUIRED_COLUMNS = ("incident_id", "csp", "region", "death_date")
LEFT_OUT_COLUMNS = ("cause_of_death", "location_of_death")  # never read (README, DHRD case metadata)
SCHEME_FILES = ("case-types.ttl", "abuse-types.ttl")
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no"}
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_GENERIC_WORDS = frozenset({  # dropped by partnership_key: how partnership names differ between sources
    "community", "safety", "safer", "safe", "partnership", "csp", "city", "council", "borough", "county",
    "district", "metropolitan", "royal", "of", "the", "and", "board", "london", "domestic", "abuse"})


def bundled_incidents() -> Path:
    """The DHRD incidents table shipped with the package (cause and location of death removed)."""
    return Path(__file__).resolve().parent / "data" / "dhrd" / "incidents.csv"


def bundled_dataset() -> Path:
    """The DHRD's citation as RDF (dcat:Dataset, from its CITATION.cff)."""
    return Path(__file__).resolve().parent / "data" / "dhrd" / "dataset.ttl"


def case_links_graph(minter: Minter) -> str:
    return minter.case_links_graph()


def dataset_graph(minter: Minter, dataset_iri: str) -> str:
    return minter.dataset_graph(dataset_iri)


@dataclass(frozen=True)
class Flags:
    """Which scheme concept each flag column records: column -> (concept IRI, 'case' | 'abuse')."""

    columns: dict[str, tuple[str, str]]

    @classmethod
    def load(cls) -> Flags:
        g = Graph()
        for name in SCHEME_FILES:
            read_turtle(resources.ontology_dir() / name, g)
        columns: dict[str, tuple[str, str]] = {}
        for concept, flag in sorted(g.subject_objects(DHR.dhrdFlag)):
            kind = "case" if (concept, RDF.type, DHR.CaseType) in g else "abuse"
            columns[str(flag)] = (str(concept), kind)
        return cls(columns)


@dataclass(frozen=True)
class Case:
    """One incident row: only the fields dhr-graph keeps."""

    incident_id: str
    csp: str
    region: str | None
    year: int | None
    month: int | None
    flags: tuple[tuple[str, bool | None], ...]  # (column, TRUE / FALSE / not recorded)
    line: int


@dataclass
class CaseSet:
    path: str
    cases: list[Case] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sha256: str = ""


def read_incidents(path: str | Path, flags: Flags | None = None) -> CaseSet:
    """Read an incidents CSV; a bad row is reported with its line and left out, the rest is read."""
    flags = flags or Flags.load()
    name = str(path)
    data = read_bytes(path, "a case table", MAX_TABLE_BYTES)
    text = decode_text(data, name, "a CSV case table")
    reader = csv.DictReader(text.splitlines(keepends=True))
    header = reader.fieldnames or []
    missing = [c for c in (*REQUIRED_COLUMNS, *flags.columns) if c not in header]
    if missing:
        raise InputError(name, f"not a DHRD incidents table: no column {missing[0]!r}", 1)
    out = CaseSet(name, sha256=hashlib.sha256(data).hexdigest())
    seen: dict[str, int] = {}
    line = 2
    try:
        for row in reader:
            try:
                case = _case(row, flags, line)
                if case.incident_id in seen:
                    raise ValueError(f"incident {case.incident_id} appears twice (first on line {seen[case.incident_id]})")
                seen[case.incident_id] = line
                out.cases.append(case)
            except ValueError as exc:
                out.errors.append(f"{name}:{line}: {exc}; row left out")
            line = reader.line_num + 1
    except csv.Error as exc:
        out.errors.append(f"{name}:{line}: unreadable CSV ({exc}); the rest of the file left out")
    if not out.cases and not out.errors:
        raise InputError(name, "no incident rows")
    return out


def _case(row: dict[str, str | None], flags: Flags, line: int) -> Case:
    if None in row:
        raise ValueError("more cells than the header has columns")
    if None in row.values():  # a row cut short (a download that stopped): not a case with nothing recorded
        raise ValueError("fewer cells than the header has columns")
    cell = {k: " ".join((v or "").split()) for k, v in row.items()}
    incident = cell["incident_id"]
    if not _ID_RE.match(incident):
        raise ValueError(f"incident_id {incident!r} is not an identifier")
    if not cell["csp"]:
        raise ValueError("empty csp (partnership)")
    year, month = _death_date(cell["death_date"])
    values: list[tuple[str, bool | None]] = []
    for column in flags.columns:
        v = cell[column].lower()
        if v and v not in _TRUE | _FALSE:
            raise ValueError(f"{column} is {cell[column]!r}; expected TRUE, FALSE or empty (not recorded)")
        values.append((column, True if v in _TRUE else False if v in _FALSE else None))
    return Case(incident, cell["csp"], cell["region"] or None, year, month, tuple(values), line)


def _death_date(value: str) -> tuple[int | None, int | None]:
    """'February 2020' -> (2020, 2); '2015' -> (2015, None); '' -> (None, None); 'MM-YYYY' too."""
    if not value or value.lower() in {"unknown", "not known", "n/a"}:
        return None, None
    m = re.fullmatch(r"(?:([A-Za-z]+)\.?\s+|(\d{1,2})-)?(\d{4})", value)
    if not m or not 1900 <= int(m.group(3)) <= 2100:
        raise ValueError(f"death_date {value!r} is not 'Month YYYY', 'MM-YYYY' or 'YYYY'")
    month = MONTHS.get(m.group(1).lower()) if m.group(1) else int(m.group(2)) if m.group(2) else None
    if (m.group(1) or m.group(2)) and not (month and 1 <= month <= 12):
        raise ValueError(f"death_date {value!r} has no valid month")
    return int(m.group(3)), month


# --------------------------------------------------------------------------------------------- RDF

@dataclass(frozen=True)
class Dataset:
    """The citable source of the cases (dcat:Dataset), read from a Turtle description."""

    iri: str
    citation: str
    license: str | None
    path: Path

    @classmethod
    def load(cls, path: str | Path | None = None) -> Dataset:
        source = Path(path) if path else bundled_dataset()
        g = read_turtle(source)
        for node in g.subjects(RDF.type, DCAT.Dataset):
            citation = g.value(node, DCTERMS.bibliographicCitation)
            if isinstance(node, URIRef) and isinstance(citation, Literal):
                lic = g.value(node, DCTERMS.license)
                return cls(str(node), str(citation), str(lic) if lic else None, source)
        raise InputError(str(source), "describes no dcat:Dataset (an IRI) with a dcterms:bibliographicCitation")


def case_iri(minter: Minter, case: Case) -> str:
    return minter.case(case.incident_id)


def case_graph(minter: Minter, case: Case) -> str:
    return minter.case_graph(case.incident_id)


_INTEGER, _GYM, _DT, _PI, _DEC = (str(XSD[t]) for t in ("integer", "gYearMonth", "dateTime", "positiveInteger", "decimal"))
_PROV = str(PROV)
_SKOS_LABEL = str(SKOS.prefLabel)


def case_nquads(case: Case, flags: Flags, minter: Minter, dataset: Dataset, source: CaseSet,
                generated_at: str) -> tuple[str, str]:
    """(graph IRI, N-Quads) of one case and its provenance."""
    g = case_graph(minter, case)
    tail = f" {iri(g)} .\n"
    out: list[str] = []

    def add(s: str, p: str, o: str) -> None:
        out.append(f"{iri(s)} {iri(p)} {o}{tail}")

    c = case_iri(minter, case)
    add(c, str(RDF.type), iri(str(DHR.Case)))
    add(c, str(DCTERMS.identifier), literal(case.incident_id))
    partnership = minter.partnership(case.csp)
    add(c, str(DHR.partnership), iri(partnership))
    add(partnership, str(RDF.type), iri(str(DHR.CommunitySafetyPartnership)))
    add(partnership, _SKOS_LABEL, literal(case.csp))
    if case.region:
        add(c, str(DHR.recordedRegion), literal(case.region))
    if case.year is not None:
        add(c, str(DHR.yearOfDeath), literal(str(case.year), _INTEGER))
        if case.month is not None:
            add(c, str(DHR.deathMonth), literal(f"{case.year:04d}-{case.month:02d}", _GYM))
    for column, value in case.flags:
        concept, kind = flags.columns[column]
        prop = (DHR.caseType if kind == "case" else DHR.abuseType) if value else \
            DHR.notIndicated if value is False else DHR.notRecorded
        add(c, str(prop), iri(concept))
    add(g, str(RDF.type), iri(_PROV + "Entity"))
    add(g, str(DCTERMS.subject), iri(c))
    add(g, _PROV + "wasDerivedFrom", iri(dataset.iri))
    add(g, str(DCTERMS.bibliographicCitation), literal(dataset.citation))
    if dataset.license:
        add(g, str(DCTERMS.license), iri(dataset.license))
    add(g, str(DHR.recordFile), literal(Path(source.path).name))
    add(g, str(DHR.sourceChecksum), literal(source.sha256))
    add(g, _PROV + "wasAttributedTo", iri(str(TOOL_IRI)))
    add(g, _PROV + "generatedAtTime", literal(generated_at, _DT))
    add(g, str(DCTERMS.hasVersion), literal(f"dhr-graph {__version__}"))
    return g, "".join(out)


@dataclass
class ImportReport:
    path: str
    cases: int = 0
    errors: list[str] = field(default_factory=list)
    matches: LinkReport | None = None


def import_cases(path: str | Path, store: str | Path, *, base: str = DEFAULT_INSTANCE_BASE,
                 dataset_file: str | Path | None = None) -> ImportReport:
    """Import an incidents table into the store (all or nothing) and join the reviews to the cases.

    Re-importing replaces every case graph of the file's incidents; bad rows are reported and
    left out, and nothing is written when no row is good.
    """
    minter = Minter(base)
    flags = Flags.load()
    dataset = Dataset.load(dataset_file)
    cases = read_incidents(path, flags)
    report = ImportReport(str(path), errors=list(cases.errors))
    if not cases.cases:
        return report
    try:
        return _write(cases, report, flags, minter, dataset, GraphStore(store))
    except _Nothing:
        return report


class _Nothing(Exception):
    """No case conforms: the working copy is thrown away and the store stays as it was."""


def _write(cases: CaseSet, report: ImportReport, flags: Flags, minter: Minter, dataset: Dataset,
           gs: GraphStore) -> ImportReport:
    generated_at = build_time()
    with gs.writing() as work:
        parts, graphs = [], {}
        for case in cases.cases:
            graph_iri, text = case_nquads(case, flags, minter, dataset, cases, generated_at)
            graphs[graph_iri] = case
            drop_graph(work, graph_iri)
            parts.append(text)
        work.bulk_load("".join(parts).encode("utf-8"), ox.RdfFormat.N_QUADS)
        described = dataset_graph(minter, dataset.iri)
        drop_graph(work, described)
        work.bulk_extend(turtle_quads(dataset.path, described))
        for path in sorted(resources.ontology_dir().glob("*.ttl")):  # reference data, as a build loads it
            graph = reference_graph_iri(path)
            drop_graph(work, graph)
            work.bulk_extend(turtle_quads(path, graph))
        validator = Validator.load(sorted((resources.shapes_dir() / "cases").glob("*.ttl")))
        for graph_iri, results in sorted(validator.check(work, list(graphs)).items(),
                                         key=lambda item: graphs[item[0]].line if item[0] in graphs else 0):
            bad = [r for r in results if r.severity == "Violation"]
            if bad and graph_iri in graphs:  # a case that does not conform is left out, saying why
                case = graphs.pop(graph_iri)
                work.remove_graph(ox.NamedNode(graph_iri))
                report.errors.append(f"{cases.path}:{case.line}: case {case.incident_id} does not conform: "
                                     f"{bad[0].message}; row left out")
        if not graphs:
            raise _Nothing
        report.matches = link_cases(work, minter)
    report.cases = len(graphs)
    return report


# ---------------------------------------------------------------------------------------- matching

def partnership_key(name: str) -> str:
    """The key two spellings of one partnership share ("Southampton Safe City Partnership" and
    "Southampton"; "Blackburn with Darwen" and "Blackburn With Darwen"). A stand-in until the
    agency registry resolves partnerships to ONS community safety partnerships: replace this
    one function to match through it."""
    key = normalise(name)
    words = [w for w in key.split() if w not in _GENERIC_WORDS]
    return " ".join(words) or key


@dataclass(frozen=True)
class ReviewFacts:
    iri: str
    csp: str
    year: int | None
    month: int | None = None  # no page gives a month of death today; used where a source does


@dataclass(frozen=True)
class CaseFacts:
    iri: str
    incident_id: str
    csp: str
    year: int | None
    month: int | None


@dataclass(frozen=True)
class CaseMatch:
    review: str
    case: str
    confidence: float
    method: str
    candidates: int


@dataclass(frozen=True)
class Unmatched:
    review: str
    csp: str
    year: int | None
    reason: str


@dataclass
class LinkReport:
    matches: list[CaseMatch] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)

    @property
    def linked(self) -> int:
        """Reviews with exactly one candidate case (those get dhr:case)."""
        return len({m.review for m in self.matches if m.candidates == 1})

    @property
    def ambiguous(self) -> int:
        return len({m.review for m in self.matches if m.candidates > 1})


_NAME_CONFIDENCE = {"partnership": 1.0, "partnership-variant": 0.9}


def match(reviews: Iterable[ReviewFacts], cases: Sequence[CaseFacts]) -> LinkReport:
    """Every review's candidate cases by partnership and year of death (and month where both have it)."""
    by_exact: dict[str, list[CaseFacts]] = defaultdict(list)
    by_key: dict[str, list[CaseFacts]] = defaultdict(list)
    for case in cases:
        by_exact[normalise(case.csp)].append(case)
        by_key[partnership_key(case.csp)].append(case)
    report = LinkReport()
    for rv in sorted(reviews, key=lambda r: r.iri):
        exact = by_exact.get(normalise(rv.csp), [])
        naming, pool = ("partnership", exact) if exact else ("partnership-variant", by_key.get(partnership_key(rv.csp), []))
        if not pool:
            report.unmatched.append(Unmatched(rv.iri, rv.csp, rv.year, f"no case of partnership {rv.csp!r}"))
            continue
        if rv.year is None:
            report.unmatched.append(Unmatched(rv.iri, rv.csp, None, "the review gives no year of death"))
            continue
        found = [c for c in pool if c.year == rv.year
                 and (rv.month is None or c.month is None or c.month == rv.month)]
        if not found:
            years = sorted({c.year for c in pool if c.year is not None})
            report.unmatched.append(Unmatched(
                rv.iri, rv.csp, rv.year, f"no case of {rv.csp!r} with a death in {rv.year} "
                f"(cases there: {', '.join(map(str, years)) or 'no year recorded'})"))
            continue
        for c in sorted(found, key=lambda c: c.incident_id):
            method = f"{naming}+year" + ("+month" if rv.month is not None and c.month is not None else "")
            confidence = round(_NAME_CONFIDENCE[naming] / len(found), 2)
            report.matches.append(CaseMatch(rv.iri, c.iri, confidence, method, len(found)))
    return report


# each side's partnership name as its own graph writes it (one IRI can carry both spellings)
_REVIEWS_Q = f"""
SELECT ?rv (SAMPLE(?label) AS ?csp) (SAMPLE(?y) AS ?year) WHERE {{ GRAPH ?g {{
  ?rv a <{DHR.Review}> ; <{DHR.partnership}> ?p .
  ?p <{_SKOS_LABEL}> ?label .
  OPTIONAL {{ ?rv <{DHR.yearOfDeath}> ?y }}
}} }} GROUP BY ?rv"""
_CASES_Q = f"""
SELECT ?c ?id (SAMPLE(?label) AS ?csp) (SAMPLE(?y) AS ?year) (SAMPLE(?m) AS ?month) WHERE {{ GRAPH ?g {{
  ?c a <{DHR.Case}> ; <{DCTERMS.identifier}> ?id ; <{DHR.partnership}> ?p .
  ?p <{_SKOS_LABEL}> ?label .
  OPTIONAL {{ ?c <{DHR.yearOfDeath}> ?y }}
  OPTIONAL {{ ?c <{DHR.deathMonth}> ?m }}
}} }} GROUP BY ?c ?id"""


def _int(term: object, part: slice = slice(0, 4)) -> int | None:
    value = getattr(term, "value", None)
    return int(value[part]) if value else None


def read_facts(store: ox.Store) -> tuple[list[ReviewFacts], list[CaseFacts]]:
    """The reviews and cases of a store, as the matcher needs them."""
    def rows(q: str) -> list[dict[str, Any]]:
        result = store.query(q)
        names = [v.value for v in result.variables]  # type: ignore[union-attr]
        return [dict(zip(names, row)) for row in result]  # type: ignore[union-attr]

    reviews = [ReviewFacts(r["rv"].value, r["csp"].value, _int(r.get("year"))) for r in rows(_REVIEWS_Q)]
    cases = [CaseFacts(r["c"].value, r["id"].value, r["csp"].value, _int(r.get("year")),
                       _int(r.get("month"), slice(5, 7)))
             for r in rows(_CASES_Q)]
    return reviews, cases


def has_cases(store: ox.Store) -> bool:
    return bool(store.query(f"ASK {{ ?c a <{DHR.Case}> }}", use_default_graph_as_union=True))


def link_cases(store: ox.Store, minter: Minter) -> LinkReport:
    """Recompute the review-case links of a (working copy of a) store in their own graph."""
    reviews, cases = read_facts(store)
    report = match(reviews, cases)
    g = case_links_graph(minter)
    drop_graph(store, g)
    tail = f" {iri(g)} .\n"
    lines = []
    for m in report.matches:
        node = minter.case_match(m.review, m.case)
        for s, p, o in (
            (node, str(RDF.type), iri(str(DHR.CaseMatch))),
            (node, str(DHR.matchedReview), iri(m.review)),
            (node, str(DHR.matchedCase), iri(m.case)),
            (node, str(DHR.confidence), literal(f"{m.confidence:.2f}", _DEC)),
            (node, str(DHR.matchMethod), literal(m.method)),
            (node, str(DHR.candidateCount), literal(str(m.candidates), _PI)),
        ):
            lines.append(f"{iri(s)} {iri(p)} {o}{tail}")
        if m.candidates == 1:
            lines.append(f"{iri(m.review)} {iri(str(DHR.case))} {iri(m.case)}{tail}")
    if lines:
        store.bulk_load("".join(lines).encode("utf-8"), ox.RdfFormat.N_QUADS)
    log.info("case links: %d reviews with one case, %d with several, %d with none",
             report.linked, report.ambiguous, len(report.unmatched))
    return report


def unmatched(store: GraphStore) -> LinkReport:
    """What `link_cases` would find now for the store's reviews (read only)."""
    reviews, cases = read_facts(store.store)
    if not cases:
        raise StoreError(f"{store.path}: no cases in this store (run 'dhr-graph cases import FILE --store {store.path}')")
    return match(reviews, cases)
