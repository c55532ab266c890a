"""The W3C SHACL Core test suite (tests/data/shacl-test-suite, see its README for source and
licence), run through `dhr_graph.datagraph.validate_data` (what `dhr-graph validate --data`
runs) with each engine: the compiled one where it takes the shapes, pySHACL otherwise.

A test passes when our report and the expected one are the same graph (isomorphic) once cut to
what the suite specifies: sh:conforms and, per result, focus node, path (with the description
of a complex path), value, source shape, source constraint component and severity. Messages
and sh:detail are not compared, as the suite says. Expected failures are listed, with why, in
tests/data/shacl-test-suite/expected-failures.txt.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from dhr_graph.datagraph import read_graph, validate_data
from dhr_graph.validation import Validator
from dhr_graph.validationreport import report_graph

SUITE = Path(__file__).resolve().parent / "data" / "shacl-test-suite"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
SHT = "http://www.w3.org/ns/shacl-test#"
_KEPT = (SH.focusNode, SH.resultPath, SH.value, SH.sourceShape, SH.sourceConstraintComponent, SH.resultSeverity)


def _entries(manifest: Path) -> Iterator[tuple[str, Path, Path, Path]]:
    """(name, test file, data file, shapes file) of every sht:Validate test under `manifest`."""
    g = Graph().parse(manifest, format="turtle")
    for inc in sorted(g.objects(None, URIRef(MF + "include")), key=str):
        yield from _entries(Path(str(inc).removeprefix("file://")))
    for lst in g.objects(None, URIRef(MF + "entries")):
        for entry in Collection(g, lst):
            if (entry, RDF.type, URIRef(SHT + "Validate")) not in g:
                continue
            action = g.value(entry, URIRef(MF + "action"))
            data, shapes = (Path(str(g.value(action, URIRef(SHT + k))).removeprefix("file://"))
                            for k in ("dataGraph", "shapesGraph"))
            rel = manifest.parent.relative_to(SUITE / "core")
            yield f"{rel}/{str(entry).rsplit('/', 1)[-1]}", manifest, data, shapes


TESTS = sorted(_entries(SUITE / "core" / "manifest.ttl")) if (SUITE / "core").is_dir() else []


def _expected_failures() -> dict[str, str]:
    out = {}
    path = SUITE / "expected-failures.txt"
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        if line.strip() and not line.startswith("#"):
            name, _, why = line.partition(" ")
            out[name] = why.strip()
    return out


EXPECTED_FAILURES = _expected_failures()


def cut(report: Graph, node: Node) -> Graph:
    """The parts of a validation report the suite specifies, as a graph of their own."""
    out = Graph()
    out.add((BNode("report"), SH.conforms, Literal(report.value(node, SH.conforms).toPython() is True)))
    for result in report.objects(node, SH.result):
        for p in _KEPT:
            for o in report.objects(result, p):
                out.add((result, p, o))
                if p == SH.resultPath:
                    _copy_path(report, o, out)
        out.add((BNode("report"), SH.result, result))
    return out


def _copy_path(g: Graph, node: Node, out: Graph) -> None:
    if isinstance(node, BNode):
        for p, o in g.predicate_objects(node):
            out.add((node, p, o))
            _copy_path(g, o, out)


def expected_report(test_file: Path, name: str) -> Graph:
    g = read_graph([test_file])
    entry = next(e for e in g.subjects(RDF.type, URIRef(SHT + "Validate")) if str(e).endswith("/" + name.rsplit("/", 1)[-1]))
    return cut(g, g.value(entry, URIRef(MF + "result")))


def our_report(data: Path, shapes: Path, engine: str) -> Graph:
    report = validate_data([data], [shapes], engine=engine)
    g = report.graph()
    return cut(g, next(g.subjects(RDF.type, SH.ValidationReport)))


@pytest.mark.skipif(not TESTS, reason="the SHACL test suite is not in tests/data/shacl-test-suite")
def test_the_suite_is_complete() -> None:
    assert len(TESTS) == 98
    assert set(EXPECTED_FAILURES) <= {t[0] for t in TESTS}


def _params(exceptions: dict[str, str]) -> list:
    """The tests, those in `exceptions` marked as failing (strict: passing one is an error too)."""
    return [pytest.param(*t, id=t[0], marks=[pytest.mark.xfail(strict=True, reason=exceptions[t[0]])]
                         if t[0] in exceptions else []) for t in TESTS]


@pytest.mark.parametrize("engine", ["auto", "pyshacl"])
@pytest.mark.parametrize("name,test_file,data,shapes", _params(EXPECTED_FAILURES))
def test_core_suite(name: str, test_file: Path, data: Path, shapes: Path, engine: str) -> None:
    expected = expected_report(test_file, name)
    ours = our_report(data, shapes, engine)
    assert isomorphic(ours, expected), (
        f"expected:\n{expected.serialize(format='turtle')}\nours:\n{ours.serialize(format='turtle')}")


# Review validation (a build, `validate --store`) loads the data into an Oxigraph store first,
# and validates what the store holds: these tests differ there for that reason alone.
REVIEW_PATH_EXCEPTIONS = {
    "property/datatype-ill-formed": 'Oxigraph stores the out-of-range "300"^^xsd:byte as "300"^^xsd:integer, '
                                    "and a store is validated as it holds its data",
}


@pytest.mark.parametrize("name,test_file,data,shapes", _params({**EXPECTED_FAILURES, **REVIEW_PATH_EXCEPTIONS}))
def test_core_suite_through_review_validation(name: str, test_file: Path, data: Path, shapes: Path) -> None:
    """The same tests through Validator.validate and report_graph, as a build validates a review."""
    result = Validator(read_graph([shapes]), Graph()).validate(read_graph([data]), "suite", iri="urn:suite")
    g = report_graph([result])
    assert isomorphic(cut(g, next(g.subjects(RDF.type, SH.ValidationReport))), expected_report(test_file, name))


# The suite tests that showed each defect of the compiled engine (issue 21); they must run on the
# compiled engine, not pass only because pySHACL took over.
COMPILED = [
    "node/in-001", "property/in-001", "targets/targetClassImplicit-001", "property/datatype-001",
    "property/maxLength-001", "property/minLength-001", "property/minExclusive-001", "property/minExclusive-002",
    "property/pattern-001", "property/pattern-002",  # implicit class targets
    "misc/deactivated-001",  # deactivation inherited by property shapes
    "targets/targetObjectsOf-001", "node/datatype-001", "misc/severity-001",  # literal focus nodes
    "misc/severity-002",  # custom severities
    "node/class-003",  # distinct results
]


@pytest.mark.parametrize("name", COMPILED)
def test_defect_tests_run_on_the_compiled_engine(name: str) -> None:
    _, _, data, shapes = next(t for t in TESTS if t[0] == name)
    assert validate_data([data], [shapes]).engine == "sparql"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text("@prefix ex: <http://example.org/> .\n@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
                    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n" + text, encoding="utf-8")
    return path


def test_one_value_breaking_two_constraints_gives_two_results(tmp_path: Path) -> None:
    data = _write(tmp_path, "data.ttl", 'ex:a ex:p "abc" .\n')
    shapes = _write(tmp_path, "shapes.ttl", "ex:s sh:targetNode ex:a ; sh:path ex:p ; sh:datatype xsd:integer ;"
                                            " sh:minLength 5 ; sh:maxLength 10 .\n")
    auto, general = (validate_data([data], [shapes], engine=e) for e in ("auto", "pyshacl"))
    assert auto.engine == "sparql"
    assert sorted(str(f.component) for f in auto.findings) == sorted(str(f.component) for f in general.findings) == [
        str(SH.DatatypeConstraintComponent), str(SH.MinLengthConstraintComponent)]


def test_literals_are_reported_as_written(tmp_path: Path) -> None:
    """Oxigraph would store "4.0"^^xsd:decimal as "4": such data goes to pySHACL, which keeps the term."""
    data = _write(tmp_path, "data.ttl", 'ex:a ex:p "4.0"^^xsd:decimal .\n')
    shapes = _write(tmp_path, "shapes.ttl", "ex:s sh:targetObjectsOf ex:p ; sh:maxInclusive 3 .\n")
    report = validate_data([data], [shapes])
    assert report.engine == "pyshacl" and "lexical form" in (report.reason or "")
    (f,) = report.findings
    assert f.focus == f.value == Literal("4.0", datatype=XSD.decimal, normalize=False)
    assert str(f.focus) == "4.0"


def test_shape_literals_oxigraph_would_rewrite_go_to_pyshacl(tmp_path: Path) -> None:
    """sh:in ( "4.0"^^xsd:decimal ) does not admit "4"^^xsd:decimal (another RDF term); compiled, it would."""
    data = _write(tmp_path, "data.ttl", 'ex:a ex:p "4"^^xsd:decimal .\n')
    shapes = _write(tmp_path, "shapes.ttl", 'ex:s sh:targetNode ex:a ; sh:path ex:p ; sh:in ( "4.0"^^xsd:decimal ) .\n')
    report = validate_data([data], [shapes])
    assert report.engine == "pyshacl"
    assert [f.component for f in report.findings] == [SH.InConstraintComponent]


def test_a_severity_of_ones_own_stops_a_review(tmp_path: Path) -> None:
    """misc/severity-002: results of severity ex:MySeverity and sh:Info; SHACL says the data does not
    conform, and a review with a severity nothing says is harmless does not land."""
    _, _, data, shapes = next(t for t in TESTS if t[0] == "misc/severity-002")
    result = Validator(read_graph([shapes]), Graph()).validate(read_graph([data]), "suite", iri="urn:suite")
    assert not result.conforms
    assert {r.severity for r in result.results} == {"Info", "http://datashapes.org/sh/tests/core/misc/severity-002.test#MySeverity"}
    report = Graph().parse(data=report_graph([result]).serialize(format="turtle"), format="turtle")
    assert (None, SH.conforms, Literal(False)) in report
    assert (None, SH.resultSeverity, URIRef("http://datashapes.org/sh/tests/core/misc/severity-002.test#MySeverity")) in report
