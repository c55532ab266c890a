"""`dhr-graph validate --data FILE --shapes FILE...`: any RDF data graph, a standard SHACL report,
exit status 0 / 1 / 2, and a clear line for bad input. The W3C Core suite runs through it too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SH

from dhr_graph.cli import main
from dhr_graph.datagraph import read_graph
from dhr_graph.parser import parse_page
from dhr_graph.reviewgraph import review_graph

from .test_shacl_suite import EXPECTED_FAILURES, TESTS, _params, cut, expected_report


@pytest.mark.parametrize("name,test_file,data,shapes", _params(EXPECTED_FAILURES))
def test_core_suite_through_the_command(tmp_path: Path, name: str, test_file: Path, data: Path, shapes: Path) -> None:
    out = tmp_path / "report.ttl"
    run = CliRunner().invoke(main, ["validate", "--data", str(data), "--shapes", str(shapes), "--format", "ttl", "-o", str(out)])
    assert run.exit_code in (0, 1), run.output
    report = read_graph([out])  # every literal as written (rdflib's parser would rewrite ill-typed ones)
    node = next(report.subjects(RDF.type, SH.ValidationReport))
    assert isomorphic(cut(report, node), expected_report(test_file, name))
    violations = [r for r in report.objects(node, SH.result)
                  if report.value(r, SH.resultSeverity) not in (SH.Warning, SH.Info)]
    assert run.exit_code == (1 if violations else 0)


def _suite(name: str) -> tuple[Path, Path]:
    _, _, data, shapes = next(t for t in TESTS if t[0] == name)
    return data, shapes


def test_text_and_json_reports(tmp_path: Path) -> None:
    data, shapes = _suite("property/languageIn-001")
    text = CliRunner().invoke(main, ["validate", "--data", str(data), "--shapes", str(shapes)])
    assert text.exit_code == 1
    lines = text.stdout.splitlines()
    assert lines[-1].startswith("conforms: false (3 results: 3 violations); engine: pyshacl (")
    assert sum('value "Berg":' in ln for ln in lines) == 1 and sum('value "Berg"@de:' in ln for ln in lines) == 1
    doc = json.loads(CliRunner().invoke(main, ["validate", "--data", str(data), "--shapes", str(shapes), "--format", "json"]).stdout)
    assert doc["conforms"] is False and doc["counts"] == {"Violation": 3}
    assert {r["component"] for r in doc["results"]} == {"<http://www.w3.org/ns/shacl#LanguageInConstraintComponent>"}


def test_warnings_only_exit_0_but_do_not_conform(tmp_path: Path) -> None:
    data, shapes = _suite("misc/severity-001")
    # the test's one result is a warning (its shape says sh:Warning)
    run = CliRunner().invoke(main, ["validate", "--data", str(data), "--shapes", str(shapes), "--format", "ttl"])
    report = Graph().parse(data=run.stdout, format="turtle")
    assert set(report.objects(None, SH.resultSeverity)) == {SH.Warning}
    assert (None, SH.conforms, Literal(False)) in report
    assert run.exit_code == 0


def test_a_review_file_against_the_bundled_shapes(tmp_path: Path, toolkit, sample_page: Path) -> None:
    """Without --shapes: the bundled shapes, with the bundled reference data added to the data graph."""
    _, g = review_graph(toolkit.enrich(parse_page(sample_page)), toolkit.minter, "2025-01-01T00:00:00Z")
    path = tmp_path / "review.ttl"
    g.serialize(path, format="turtle")
    run = CliRunner().invoke(main, ["validate", "--data", str(path)])
    assert run.exit_code == 0, run.output
    # confidences such as "0.90"^^xsd:decimal, which Oxigraph would store as "0.9": pySHACL keeps them as written
    assert run.stdout.splitlines()[-1].startswith("conforms: false (3 results: 3 infos); engine: pyshacl (the data "
                                                  "has literals the compiled engine would read in another lexical form")
    assert "took over on 2022-07-01" in run.stdout


def test_bad_data_is_one_line_naming_the_file_and_line(tmp_path: Path) -> None:
    _, shapes = _suite("misc/severity-001")
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b\n", encoding="utf-8")
    out = tmp_path / "report.ttl"
    run = CliRunner().invoke(main, ["validate", "--data", str(bad), "--shapes", str(shapes), "-o", str(out)])
    assert run.exit_code == 2
    assert run.stderr.startswith(f"dhr-graph: {bad}:4: cannot read Turtle") and len(run.stderr.splitlines()) == 1
    assert "Traceback" not in run.output and not out.exists()


@pytest.mark.parametrize("name,content,fragment", [
    ("missing.ttl", None, "no such file"),
    ("data.csv", "a,b\n", "unknown RDF format"),
])
def test_unreadable_data(tmp_path: Path, name: str, content: str | None, fragment: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    run = CliRunner().invoke(main, ["validate", "--data", str(path)])
    assert run.exit_code == 2 and fragment in run.stderr and "Traceback" not in run.output


def test_shapes_pyshacl_cannot_use_are_an_error_not_a_verdict(tmp_path: Path) -> None:
    data, _ = _suite("misc/severity-001")
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
                      '<urn:s> sh:targetNode <urn:a> ; sh:path <urn:p> ; sh:minCount "many" .\n', encoding="utf-8")
    run = CliRunner().invoke(main, ["validate", "--data", str(data), "--shapes", str(shapes)])
    assert run.exit_code == 2 and "shapes.ttl" in run.stderr and "Traceback" not in run.output


def test_store_and_data_together_is_a_usage_error(tmp_path: Path) -> None:
    data, _ = _suite("misc/severity-001")
    run = CliRunner().invoke(main, ["validate", "--data", str(data), "--store", str(tmp_path)])
    assert run.exit_code == 2 and "not both" in run.output


def test_store_with_shapes_pyshacl_cannot_use(tmp_path: Path, sample_store: Path) -> None:
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
                      '<urn:s> sh:targetNode <urn:a> ; sh:path <urn:p> ; sh:minCount "many" .\n', encoding="utf-8")
    run = CliRunner().invoke(main, ["validate", "--store", str(sample_store), "--shapes", str(shapes)])
    assert run.exit_code == 2 and "pySHACL cannot use these shapes" in run.stderr and "Traceback" not in run.output


def test_shacl_sparql_of_ones_own_runs_in_pyshacl(tmp_path: Path) -> None:
    """The set-at-a-time runner needs queries that bind $this themselves; this one does not."""
    data = tmp_path / "data.ttl"
    data.write_text("<urn:a> a <urn:C> .\n<urn:b> a <urn:C> ; <urn:p> 1 .\n", encoding="utf-8")
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text('@prefix sh: <http://www.w3.org/ns/shacl#> .\n<urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ;\n'
                      '  sh:sparql [ sh:select "SELECT $this WHERE { FILTER NOT EXISTS { $this <urn:p> ?v } }" ] .\n',
                      encoding="utf-8")
    from dhr_graph.datagraph import validate_data

    report = validate_data([data], [shapes])
    assert report.engine == "pyshacl" and "SHACL-SPARQL" in (report.reason or "")
    assert [str(f.focus) for f in report.findings] == ["urn:a"]


def test_implicit_class_target_on_a_store(tmp_path: Path, sample_store: Path) -> None:
    """A shape that is also a class targets its instances: the same rule written with sh:targetClass
    and as an implicit class target finds the same recommendations (it used to find none)."""
    from dhr_graph import resources

    bundled = [str(p) for p in sorted(resources.shapes_dir().glob("*.ttl"))]
    head = ("@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
            "@prefix dhr: <https://w3id.org/dhr-graph/def/> .\n")
    counts = []
    for name, shape in [("explicit.ttl", "<urn:shape:short> a sh:NodeShape ; sh:targetClass dhr:Recommendation ;"),
                        ("implicit.ttl", "dhr:Recommendation a rdfs:Class , sh:NodeShape ;")]:
        path = tmp_path / name
        path.write_text(head + shape + ' sh:property [ sh:path dhr:text ; sh:maxLength 10 ; '
                        'sh:message "SYNTHETIC test shape: a text of at most 10 characters." ] .\n', encoding="utf-8")
        run = CliRunner().invoke(main, ["validate", "--store", str(sample_store), "--format", "json",
                                           *(a for p in [*bundled, str(path)] for a in ("--shapes", p))])
        assert run.exit_code == 1, run.output
        (review,) = json.loads(run.stdout)["reviews"]
        counts.append(sum(1 for r in review["results"] if r["message"].startswith("SYNTHETIC")))
    assert counts[0] == counts[1] == 18
