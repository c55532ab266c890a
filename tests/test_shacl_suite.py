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
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from dhr_graph.datagraph import read_graph, validate_data

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


@pytest.mark.parametrize("engine", ["auto", "pyshacl"])
@pytest.mark.parametrize("name,test_file,data,shapes", TESTS, ids=[t[0] for t in TESTS])
def test_core_suite(name: str, test_file: Path, data: Path, shapes: Path, engine: str) -> None:
    if name in EXPECTED_FAILURES:
        pytest.xfail(EXPECTED_FAILURES[name])
    expected = expected_report(test_file, name)
    ours = our_report(data, shapes, engine)
    assert isomorphic(ours, expected), (
        f"expected:\n{expected.serialize(format='turtle')}\nours:\n{ours.serialize(format='turtle')}")
