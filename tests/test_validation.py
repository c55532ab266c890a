"""SHACL shapes and the validator: the reference page conforms, each kind of fault is caught with
a message for people and the right severity, batching changes no verdict, and the set-at-a-time
SHACL-SPARQL runner agrees with pySHACL's own."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from pyshacl import validate as shacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SH, SKOS, XSD

from dhr_graph import resources
from dhr_graph.cli import main
from dhr_graph.cli.validate import command
from dhr_graph.iris import DHR
from dhr_graph.parser import _NUMBER_RE, parse_page
from dhr_graph.reviewgraph import review_graph
from dhr_graph.store import GraphStore
from dhr_graph.terms import to_quads
from dhr_graph.validation import ReviewGraph, Validator, validate_store
from dhr_graph.validationreport import report_graph

PAGES = Path(__file__).resolve().parent / "data" / "pages"
SHAPES = resources.shapes_dir()


def graph_of(toolkit, page: Path) -> tuple[str, Graph]:
    return review_graph(toolkit.enrich(parse_page(page)), toolkit.minter, "2025-01-01T00:00:00Z")


@pytest.fixture(scope="module")
def sample(toolkit, sample_page) -> tuple[str, Graph]:
    return graph_of(toolkit, sample_page)


def copy(g: Graph) -> Graph:
    out = Graph()
    for t in g:
        out.add(t)
    return out


def rec(g: Graph, number: str) -> URIRef:
    return next(s for s in g.subjects(DHR.number, Literal(number)))


def review(g: Graph) -> URIRef:
    return next(g.subjects(RDF.type, DHR.Review))


def copy_row(g: Graph, source: str, target: str) -> None:
    """Make recommendation `target` a copy of `source`: its number, text and addressees."""
    src, dst = rec(g, source), rec(g, target)
    g.set((dst, DHR.text, g.value(src, DHR.text)))
    g.remove((dst, DHR.addressedTo, None))
    for body in g.objects(src, DHR.addressedTo):
        g.add((dst, DHR.addressedTo, body))
    g.set((dst, DHR.number, Literal(source)))


def renumber(g: Graph, source: str, target: str) -> None:
    """Give recommendation `target` the number of `source`, as per-agency numbering does."""
    g.set((rec(g, target), DHR.number, Literal(source)))


def local_agency(g: Graph) -> URIRef:
    """A body described in the review's own graph (one the registry does not list). Every addressee
    of the reference page is registered, so one is added, as the builder would write it."""
    found = next(g.subjects(RDF.type, DHR.Agency), None)
    if found is not None:
        return found  # type: ignore[return-value]
    body = URIRef("https://w3id.org/dhr-graph/id/agency/southampton/carers-centre")
    org = "http://www.w3.org/ns/org#"
    g.add((rec(g, "9.11"), DHR.addressedTo, body))
    g.add((body, RDF.type, DHR.Agency))
    g.add((body, RDF.type, URIRef(org + "Organization")))
    g.add((body, SKOS.prefLabel, Literal("Carers Centre")))
    g.add((body, DHR.scope, Literal("local")))
    g.add((body, DHR.locality, Literal("Southampton")))
    g.add((body, URIRef(org + "classification"), URIRef("https://w3id.org/dhr-graph/scheme/sector/unspecified")))
    return body


def test_reference_page_conforms_with_no_violation_or_warning(toolkit, sample) -> None:
    iri, g = sample
    result = toolkit.validator.validate(g, source="southampton-2020.txt", iri=iri)
    assert result.conforms
    assert {r.severity for r in result.results} <= {"Info"}
    # information only: bodies named in a review published after others took over from them: the
    # CCG (9.17, the ICB on 2022-07-01) and Solent NHS Trust (9.3, 9.8; ODS successor file, 2024-10-01)
    infos = {r.numbers: r.message for r in result.results}
    assert set(infos) == {("9.17",), ("9.3",), ("9.8",)}
    assert "took over on 2022-07-01" in infos[("9.17",)] and "took over on 2024-10-01" in infos[("9.3",)]


# (name, mutation, severity, message fragment, recommendation numbers)
MUTATIONS: list[tuple[str, Callable[[Graph], None], str, str, tuple[str, ...]]] = [
    ("death after publication", lambda g: g.set((review(g), DHR.yearOfDeath, Literal(2030))),
     "Violation", "year of death (2030) is after the publication date (2025-06)", ()),
    ("row copied twice", lambda g: copy_row(g, "9.1", "9.2"),
     "Violation", "Recommendation 9.1 appears twice with the same text and addressees", ("9.1",)),
    ("count mismatch", lambda g: g.set((review(g), DHR.extractedCount, Literal(17, datatype=XSD.nonNegativeInteger))),
     "Warning", "says it extracted 17 recommendations but the review has 18", ()),
    ("bad number", lambda g: g.set((rec(g, "9.3"), DHR.number, Literal("see below"))),
     "Violation", "not one a review would use", ("see below",)),
    ("blank text", lambda g: g.set((rec(g, "9.4"), DHR.text, Literal("   "))),
     "Violation", "text must be non-empty", ("9.4",)),
    ("no text", lambda g: g.remove((rec(g, "9.4"), DHR.text, None)),
     "Violation", "needs exactly one text", ("9.4",)),
    ("no addressee", lambda g: g.remove((rec(g, "9.5"), DHR.addressedTo, None)),
     "Warning", "not addressed to anyone", ("9.5",)),
    ("publication as string", lambda g: g.set((review(g), DCTERMS.issued, Literal("June 2025"))),
     "Violation", "xsd:gYearMonth", ()),
    ("year of death as a gYear", lambda g: g.set((review(g), DHR.yearOfDeath, Literal("2020", datatype=XSD.gYear))),
     "Violation", "xsd:integer", ()),
    ("no publication date", lambda g: g.remove((review(g), DCTERMS.issued, None)),
     "Warning", "no publication date", ()),
    ("theme outside the scheme", lambda g: g.add((rec(g, "9.6"), DHR.hasTheme,
                                                   URIRef("https://w3id.org/dhr-graph/scheme/theme/astrology"))),
     "Violation", "not a concept of the theme scheme", ("9.6",)),
    ("unknown agency", lambda g: g.set((g.value(rec(g, "9.7"), DHR.addressing), DHR.addressee,
                                        URIRef("https://example.org/nobody"))),
     "Violation", "neither a registered agency nor", ("9.7",)),
    ("no partnership", lambda g: g.remove((review(g), DHR.partnership, None)),
     "Violation", "exactly one community safety partnership", ()),
    ("confidence out of range", lambda g: g.set((g.value(rec(g, "9.8"), DHR.addressing), DHR.confidence,
                                                 Literal("1.5", datatype=XSD.decimal))),
     "Violation", "confidence between 0 and 1", ("9.8",)),
    ("agency and group", lambda g: g.add((local_agency(g), RDF.type, DHR.AddresseeGroup)),
     "Violation", "typed both as an agency and as a group", None),
    ("agency without sector", lambda g: g.remove((local_agency(g), URIRef(
        "http://www.w3.org/ns/org#classification"), None)),
     "Warning", "has no sector", None),
    ("unnamed partnership", lambda g: g.set((g.value(review(g), DHR.partnership), SKOS.prefLabel, Literal(" "))),
     "Violation", "non-empty name", ()),
]


@pytest.mark.parametrize("name,mutate,severity,fragment,numbers", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_each_fault_is_reported(toolkit, sample, name, mutate, severity, fragment, numbers) -> None:
    iri, g = sample
    g = copy(g)
    mutate(g)
    result = toolkit.validator.validate(g, source="page.txt", iri=iri)
    hits = [r for r in result.results if fragment in r.message]
    assert hits, [r.message for r in result.results]
    assert {h.severity for h in hits} == {severity}
    if numbers is not None:
        assert hits[0].numbers == numbers
    assert result.conforms == (severity != "Violation")
    assert all(line.startswith(("violation: page.txt", "warning: page.txt", "info: page.txt"))
               for line in result.messages())


def test_repeated_numbers_with_different_rows_conform(toolkit, sample) -> None:
    """Per-agency numbering: the same number on two different recommendations is no fault."""
    iri, g = sample
    g = copy(g)
    renumber(g, "9.1", "9.2")
    result = toolkit.validator.validate(g, source="page.txt", iri=iri)
    assert result.conforms
    assert not [r for r in result.results if "appears twice" in r.message]


@pytest.fixture(scope="module")
def general_engine() -> Validator:
    return Validator.load(engine="pyshacl")


def _results(result) -> set[tuple]:
    return {(r.severity, r.focus, r.path, r.value, r.shape, r.message, r.numbers) for r in result.results}


@pytest.mark.parametrize("name,mutate", [(m[0], m[1]) for m in MUTATIONS], ids=[m[0] for m in MUTATIONS])
def test_compiled_shapes_agree_with_pyshacl(toolkit, general_engine, sample, name, mutate) -> None:
    """The core shapes compiled to SPARQL give exactly pySHACL's results, fault by fault."""
    assert toolkit.validator.engine == "sparql" and general_engine.engine == "pyshacl"
    iri, g = sample
    g = copy(g)
    mutate(g)
    ours = toolkit.validator.validate(g, "page.txt", iri)
    theirs = general_engine.validate(g, "page.txt", iri)
    assert _results(ours) == _results(theirs)
    assert any(r.severity != "Info" for r in ours.results)


def test_compiled_shapes_check_lexical_forms(toolkit, general_engine, sample) -> None:
    """sh:datatype also needs a well-formed value (SHACL 4.1.1): "20x5-06"^^xsd:gYearMonth breaks it.

    pySHACL relies on rdflib, which has no parser for xsd:gYearMonth and so takes any lexical
    form: here, and only here, the compiled shapes find more than pySHACL."""
    iri, g = sample
    g = copy(g)
    g.set((review(g), DCTERMS.issued, Literal("20x5-06", datatype=XSD.gYearMonth)))
    ours, theirs = (_results(v.validate(g, "page.txt", iri)) for v in (toolkit.validator, general_engine))
    (extra,) = ours - theirs
    assert extra[0] == "Violation" and "xsd:gYearMonth" in extra[5] and extra[3] == "20x5-06"
    assert theirs <= ours


def test_patterns_beyond_oxigraph_regex_use_pyshacl(tmp_path: Path, toolkit, sample) -> None:
    """A look-ahead pattern cannot run in Oxigraph: pySHACL checks it instead of it passing silently."""
    extra = tmp_path / "extra.ttl"
    extra.write_text("""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dhr: <https://w3id.org/dhr-graph/def/> .
<urn:shape:text> a sh:PropertyShape ; sh:targetClass dhr:Recommendation ; sh:path dhr:text ;
    sh:pattern "^(?!Advice)" ; sh:message "SYNTHETIC test shape: no text starts with Advice." .
""", encoding="utf-8")
    v = Validator.load([*sorted(SHAPES.glob("*.ttl")), extra])
    assert v.engine == "pyshacl" and "regular expressions" in (v.fallback or "")
    iri, g = sample
    hits = [r for r in v.validate(g, "page.txt", iri).results if r.shape == "urn:shape:text"]
    assert [r.numbers for r in hits] == [("9.1",)]


def test_shapes_beyond_the_compiled_subset_use_pyshacl(tmp_path: Path, toolkit, sample) -> None:
    """A user's shape with sh:or is not compiled: the validator says so and pySHACL checks everything."""
    extra = tmp_path / "extra.ttl"
    extra.write_text("""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dhr: <https://w3id.org/dhr-graph/def/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<urn:shape:title> a sh:PropertyShape ; sh:targetClass dhr:Review ; sh:path <http://purl.org/dc/terms/title> ;
    sh:or ( [ sh:datatype xsd:integer ] [ sh:datatype xsd:boolean ] ) ;
    sh:message "SYNTHETIC test shape: a title that is a number or a truth value." .
""", encoding="utf-8")
    v = Validator.load([*sorted(SHAPES.glob("*.ttl")), extra])
    assert v.engine == "pyshacl" and "sh:or" in (v.fallback or "")
    iri, g = sample
    result = v.validate(g, "page.txt", iri)
    assert [r.message for r in result.results if r.shape == "urn:shape:title"] == [
        "SYNTHETIC test shape: a title that is a number or a truth value."]


def test_batches_give_the_same_verdicts_as_one_at_a_time(toolkit, sample) -> None:
    iri, g = sample
    broken = copy(g)
    broken.set((review(broken), DHR.yearOfDeath, Literal(2030)))
    items = [ReviewGraph.from_graph(*graph_of(toolkit, p), source=p.name) for p in sorted(PAGES.glob("*.txt"))]
    items.insert(1, ReviewGraph.from_graph("urn:broken", broken, "broken.txt"))
    validator = Validator.load(batch_size=3)
    together = validator.validate_many(items)
    alone = [validator.validate_many([i])[0] for i in items]
    assert [(r.source, r.results) for r in together] == [(r.source, r.results) for r in alone]
    assert [r.conforms for r in together].count(False) == 1 and not together[1].conforms


def test_sparql_constraints_agree_with_pyshacl(toolkit, sample) -> None:
    """The set-at-a-time runner gives exactly what pySHACL gives running sh:sparql per focus node."""
    iri, g = sample
    g = copy(g)
    g.set((review(g), DHR.yearOfDeath, Literal(2030)))
    copy_row(g, "9.1", "9.2")
    renumber(g, "9.4", "9.5")  # per-agency numbering: not a fault
    g.set((review(g), DHR.extractedCount, Literal(3, datatype=XSD.nonNegativeInteger)))
    v = toolkit.validator
    sparql_shapes = {str(s) for s in v.shapes.subjects(SH.sparql, None)}
    ours = {(r.severity, r.focus, r.message) for r in v.validate(g, "p", iri).results if r.shape in sparql_shapes}
    data = copy(g)
    for path in resources.ontology_dir().glob("*.ttl"):
        data.parse(path)
    sparql_only = Graph()
    for s in v.shapes.subjects(SH.sparql, None):
        for t in v.shapes.triples((s, None, None)):
            sparql_only.add(t)
    for t in v.shapes:
        if t[0] not in set(v.shapes.subjects(RDF.type, SH.PropertyShape)) and t[1] != SH.targetClass:
            sparql_only.add(t)
    _, report, _ = shacl_validate(data, shacl_graph=sparql_only, inference="none", allow_warnings=True,
                                  allow_infos=True)
    theirs = {(str(report.value(n, SH.resultSeverity)).rsplit("#", 1)[-1], str(report.value(n, SH.focusNode)),
               str(report.value(n, SH.resultMessage)))
              for n in report.subjects(RDF.type, SH.ValidationResult)}
    assert len(ours) == 6  # death, copied row, count, three successions (CCG; Solent NHS Trust twice)
    assert ours == theirs


def number_pattern() -> str:
    shapes = Graph().parse(SHAPES / "dhr-shapes.ttl")
    return str(shapes.value(URIRef("https://w3id.org/dhr-graph/shapes/recommendation-number-form"), SH.pattern))


NUMBER_PATTERN = number_pattern()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789.-() abcdefxyzRAB\t"), max_size=14))
def test_number_pattern_matches_the_parser(candidate: str) -> None:
    assert bool(re.search(NUMBER_PATTERN, candidate)) == bool(_NUMBER_RE.match(candidate))


def test_number_pattern_examples() -> None:
    pattern = NUMBER_PATTERN
    for good in ["9.1", "9.10", "R3", "3.140(a)", "9.1 a", "Rec. 4", "12", "10 (ABC)", "1a", "R1.2", "4(SCC)"]:
        assert re.search(pattern, good) and _NUMBER_RE.match(good), good
    for bad in ["", "see below", "9.", "a", "1..2", "10 (see below)", "10 (A B)"]:
        assert not re.search(pattern, bad) and not _NUMBER_RE.match(bad), bad


# ---------------------------------------------------------------- dhr-graph validate


def test_validate_command_on_a_conforming_store(sample_store: Path) -> None:
    result = CliRunner().invoke(command, ["--store", str(sample_store)])
    assert result.exit_code == 0, result.output
    assert "southampton-2020.txt" in result.stdout
    assert "info      recommendation 9.17:" in result.stdout
    assert "1 reviews validated: 1 conform" in result.stdout


def _broken_store(tmp_path: Path, toolkit, sample) -> Path:
    """A store holding the sample review with faults written straight into it (bypassing build)."""
    iri, g = sample
    g = copy(g)
    g.set((review(g), DHR.yearOfDeath, Literal(2030)))
    g.remove((rec(g, "9.5"), DHR.addressedTo, None))
    path = tmp_path / "store"
    reference = {f"https://w3id.org/dhr-graph/graph/{p.stem}": p for p in resources.ontology_dir().glob("*.ttl")}
    from dhr_graph.inputfiles import turtle_quads as parse_turtle_quads

    graphs = {name: parse_turtle_quads(p, name) for name, p in reference.items()}
    graphs[iri] = to_quads(g, iri)
    GraphStore(path).replace(graphs)
    return path


def test_validate_command_reports_violations_by_review_and_recommendation(tmp_path, toolkit, sample) -> None:
    store = _broken_store(tmp_path, toolkit, sample)
    text = CliRunner().invoke(command, ["--store", str(store)])
    assert text.exit_code == 1
    assert "Traceback" not in text.output
    lines = text.stdout.splitlines()
    assert lines[0].startswith("southampton-2020.txt  (")
    assert any(ln.strip().startswith("violation review: The year of death (2030)") for ln in lines)
    assert any(ln.strip().startswith("warning   recommendation 9.5: The recommendation is not addressed") for ln in lines)

    as_json = CliRunner().invoke(command, ["--store", str(store), "--format", "json"])
    assert as_json.exit_code == 1
    doc = json.loads(as_json.stdout)
    assert doc["conforms"] is False and doc["summary"]["violation"] == 1
    (rv,) = doc["reviews"]
    assert rv["source"] == "southampton-2020.txt"
    assert {"severity": "Warning", "recommendation": ["9.5"]}.items() <= next(
        r for r in rv["results"] if r["severity"] == "Warning").items()

    as_ttl = CliRunner().invoke(command, ["--store", str(store), "--format", "ttl"])
    assert as_ttl.exit_code == 1
    report = Graph().parse(data=as_ttl.stdout, format="turtle")
    assert (None, SH.conforms, Literal(False)) in report
    assert len(set(report.subjects(RDF.type, SH.ValidationResult))) == len(rv["results"])


def test_validate_command_cannot_run_without_a_store(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--store", str(tmp_path / "missing")])  # via the CLI's handler
    assert result.exit_code == 2
    assert "no dhr-graph store here" in result.stderr and "Traceback" not in result.output


def test_validate_command_with_unreadable_shapes(tmp_path: Path, sample_store: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--store", str(sample_store), "--shapes", str(bad)])
    assert result.exit_code == 2
    assert re.search(r"bad\.ttl:\d+: cannot read Turtle", result.stderr)  # the file and the line


def test_store_validation_matches_build_validation(sample_store: Path, toolkit, sample) -> None:
    """Reading a review back from the store (where Oxigraph normalises datatypes) changes no verdict."""
    gs = GraphStore(sample_store)
    (from_store,) = validate_store(gs)
    gs.close()
    iri, g = sample
    built = toolkit.validator.validate(g, "southampton-2020.txt", iri)
    assert [(r.severity, r.message) for r in from_store.results] == [(r.severity, r.message) for r in built.results]
    assert len(report_graph([from_store])) > 0
