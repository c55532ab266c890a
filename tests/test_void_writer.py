"""The VoID/DCAT description is written by Oxigraph's Turtle writer (void.turtle_bytes, issue 17):
it must hold exactly the statements `describe` made, tricky source labels included, and give the
same bytes whatever order the statements were made in."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from dhr_graph.void import GraphSummary, Statistics, describe, turtle_bytes

TRICKY = ['quote " and backslash \\', "line\nbreak and tab\t", "@prefix at the start", "é ü 中文 \u2028",
          '"""triple quotes"""']


def _description() -> Graph:
    stats = Statistics(triples=12, entities=3, distinct_subjects=4, distinct_objects=5,
                       classes={"https://example.org/C": 3}, properties={"https://example.org/p": 12},
                       vocabularies=["https://example.org/"])
    graphs = [GraphSummary("https://example.org/graph/a", triples=7, review=True, source_labels=set(TRICKY)),
              GraphSummary("https://example.org/graph/b", triples=5,
                           licences={"https://creativecommons.org/licenses/by/4.0/"})]
    return describe(stats, graphs, Path("dhr.trig"), "trig", generated_at="2026-01-02T03:04:05Z", byte_size=99)


def test_description_reads_back_as_the_statements_described() -> None:
    described = _description()
    written = turtle_bytes(described)
    back = Graph().parse(data=written.decode("utf-8"), format="turtle")
    assert len(back) == len(described) > 20
    assert isomorphic(back, described)
    for label in TRICKY:
        assert (URIRef("https://example.org/graph/a"), URIRef("http://purl.org/dc/terms/source"),
                Literal(label)) in back


def test_description_bytes_do_not_depend_on_statement_order() -> None:
    described = _description()
    reordered = Graph()
    for triple in sorted(described, key=str, reverse=True):
        reordered.add(triple)
    first, second = turtle_bytes(described), turtle_bytes(reordered)
    assert first == second
    lines = first.split(b"\n")
    declared = [line for line in lines if line.startswith(b"@prefix ")]
    assert lines[:len(declared)] == declared and len(declared) >= 9  # ours, once, at the top
