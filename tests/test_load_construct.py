"""For integrators: their own RDF as user graphs (`dhr-graph load`), and CONSTRUCT/DESCRIBE
results printed by `dhr-graph query`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from dhr_graph.cli import main
from dhr_graph.errors import StoreError
from dhr_graph.pipeline import Toolkit, build
from dhr_graph.queries import run
from dhr_graph.store import GraphStore
from dhr_graph.userdata import load_user_graph

AREAS = "https://example.org/graph/areas"
AREAS_TTL = """@prefix ex: <https://example.org/def/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://example.org/area/southampton> ex:partnership <https://w3id.org/dhr-graph/id/partnership/southampton> ;
    ex:region "South East" ; ex:population 250000 .
"""
ACROSS = """PREFIX ex: <https://example.org/def/>
SELECT ?review ?region WHERE { ?r a dhr:Review ; dcterms:identifier ?review ; dhr:partnership ?p .
  ?area ex:partnership ?p ; ex:region ?region }"""


@pytest.fixture
def store(sample_store, tmp_path) -> Path:
    path = tmp_path / "store"
    shutil.copytree(sample_store, path)
    return path


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_user_graph_is_queried_across_and_survives_builds(store, tmp_path, toolkit):
    areas = tmp_path / "areas.ttl"
    areas.write_text(AREAS_TTL, encoding="utf-8")
    result = invoke("load", str(areas), "--graph", AREAS, "--store", str(store))
    assert result.exit_code == 0 and result.stdout == f"3 triples in {AREAS}\n"
    assert run(GraphStore(store), ACROSS).values() == [{"review": "southampton-2020", "region": "South East"}]
    before = sorted(map(str, GraphStore(store).quads(AREAS)))
    report = build(None, store, toolkit=toolkit)  # the same page again: its graph is replaced, ours is not
    assert report.committed and sorted(map(str, GraphStore(store).quads(AREAS))) == before
    # loading again replaces the graph instead of adding to it
    assert invoke("load", str(areas), "--graph", AREAS, "--store", str(store)).exit_code == 0
    assert len(list(GraphStore(store).quads(AREAS))) == 3


def test_formats_by_extension_and_several_files(store, tmp_path):
    (tmp_path / "a.nt").write_text('<https://example.org/a> <https://example.org/p> "1" .\n', encoding="utf-8")
    (tmp_path / "b.jsonld").write_text(json.dumps(
        {"@id": "https://example.org/b", "https://example.org/p": "2"}), encoding="utf-8")
    count = load_user_graph(GraphStore(store), [tmp_path / "a.nt", tmp_path / "b.jsonld"], AREAS)
    assert count == 2 and {q.subject.value for q in GraphStore(store).quads(AREAS)} == {
        "https://example.org/a", "https://example.org/b"}


def test_a_bad_file_changes_nothing_and_is_one_line(store, tmp_path):
    good, bad = tmp_path / "good.ttl", tmp_path / "bad.ttl"
    good.write_text(AREAS_TTL, encoding="utf-8")
    bad.write_text("@prefix ex: <https://example.org/> .\nex:a ex:b .\n", encoding="utf-8")
    quads = len(GraphStore(store))
    result = invoke("load", str(good), str(bad), "--graph", AREAS, "--store", str(store))
    assert result.exit_code == 2 and result.stderr.startswith(f"dhr-graph: {bad}:2: ")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert len(GraphStore(store)) == quads
    result = invoke("load", str(tmp_path / "data.trig"), "--graph", AREAS, "--store", str(store))
    assert result.exit_code == 2 and "cannot tell the RDF format" in result.stderr


def test_graphs_that_builds_own_are_refused(tmp_path):
    base = "https://example.org/dhr/"
    store = tmp_path / "store"
    assert build(None, store, toolkit=Toolkit.load(base=base)).committed
    data = tmp_path / "x.ttl"
    data.write_text(AREAS_TTL, encoding="utf-8")
    review_graph = next(g for g in GraphStore(store).named_graphs() if g.startswith(base) and "/review/" in g)
    with pytest.raises(StoreError, match="holds Review data"):
        load_user_graph(GraphStore(store), [data], review_graph)
    for iri in ("https://w3id.org/dhr-graph/graph/agencies", "https://w3id.org/dhr-graph/graph/user/x"):
        result = invoke("load", str(data), "--graph", iri, "--store", str(store))
        assert result.exit_code == 2 and "choose an IRI of your own" in result.stderr
    result = invoke("load", str(data), "--graph", "not an iri", "--store", str(store))
    assert result.exit_code == 2 and "not an absolute IRI" in result.stderr
    result = invoke("load", str(data), "--graph", AREAS, "--store", str(tmp_path / "none"))
    assert result.exit_code == 2 and "no dhr-graph store here" in result.stderr


# ---------------------------------------------------------------- CONSTRUCT and DESCRIBE


CONSTRUCT = "CONSTRUCT { ?r a dhr:Review ; dcterms:identifier ?k } WHERE { ?r a dhr:Review ; dcterms:identifier ?k }"


@pytest.mark.parametrize("fmt,rdf", [("table", ox.RdfFormat.TURTLE), ("turtle", ox.RdfFormat.TURTLE),
                                     ("ntriples", ox.RdfFormat.N_TRIPLES), ("jsonld", ox.RdfFormat.JSON_LD)])
def test_construct_prints_rdf(sample_store, fmt, rdf):
    result = CliRunner().invoke(main, ["query", "-", "--store", str(sample_store), "--format", fmt], input=CONSTRUCT)
    assert result.exit_code == 0, result.output
    triples = list(ox.parse(result.stdout.encode(), format=rdf))
    assert {(t.predicate.value, t.object.value) for t in triples} == {
        ("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "https://w3id.org/dhr-graph/def/Review"),
        ("http://purl.org/dc/terms/identifier", "southampton-2020")}
    if fmt == "turtle":
        assert "@prefix dhr: <https://w3id.org/dhr-graph/def/>" in result.stdout


def test_describe_gives_the_review(sample_store):
    result = CliRunner().invoke(main, ["query", "-", "--store", str(sample_store), "--format", "ntriples"],
                                input="DESCRIBE ?r WHERE { ?r a dhr:Review }")
    triples = list(ox.parse(result.stdout.encode(), format=ox.RdfFormat.N_TRIPLES))
    assert result.exit_code == 0 and len(triples) > 10
    assert {t.subject.value for t in triples} == {"https://w3id.org/dhr-graph/id/review/southampton-2020"}


def test_formats_that_do_not_fit_the_result_are_one_line(sample_store):
    result = CliRunner().invoke(main, ["query", "-", "--store", str(sample_store), "--format", "csv"], input=CONSTRUCT)
    assert result.exit_code == 2 and "written as turtle, ntriples, jsonld" in result.stderr
    result = CliRunner().invoke(main, ["query", "shared-agencies", "--store", str(sample_store), "--format", "turtle"])
    assert result.exit_code == 2 and "for CONSTRUCT and DESCRIBE" in result.stderr
