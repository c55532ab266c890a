"""Validation results as people and programs read them: text grouped by review, JSON, and a
standard W3C SHACL validation report (Turtle written by Oxigraph).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from .iris import DHR
from .terms import to_ox, to_ox_iri, to_ox_subject
from .validation import SEVERITIES, Finding, ValidationResult


def summary(results: Sequence[ValidationResult]) -> dict[str, int]:
    return {
        "reviews": len(results),
        "conforming": sum(1 for r in results if r.conforms),
        **{s.lower(): sum(r.count(s) for r in results) for s in SEVERITIES},
    }


def report_text(results: Sequence[ValidationResult]) -> str:
    """Readable report grouped by review: the source page, then one line per result."""
    lines: list[str] = []
    for r in results:
        if not r.results:
            continue
        lines.append(f"{r.source}  ({r.graph})" if r.graph else r.source)
        for res in r.results:
            path = f" [{res.path.rsplit('/', 1)[-1].rsplit('#', 1)[-1]}]" if res.path else ""
            lines.append(f"  {res.severity.lower():9} {res.where()}: {res.message}{path}")
    s = summary(results)
    lines.append(
        f"{s['reviews']} reviews validated: {s['conforming']} conform, {s['reviews'] - s['conforming']} do not "
        f"({s['violation']} violations, {s['warning']} warnings, {s['info']} infos)")
    return "\n".join(lines) + "\n"


def report_json(results: Sequence[ValidationResult]) -> str:
    return json.dumps({
        "conforms": all(r.conforms for r in results),
        "summary": summary(results),
        "reviews": [
            {"source": r.source, "graph": r.graph, "conforms": r.conforms,
             "results": [{"severity": x.severity, "recommendation": list(x.numbers), "message": x.message,
                          "focus": x.focus, "path": x.path, "value": x.value, "shape": x.shape,
                          "component": x.component}
                         for x in r.results]}
            for r in results
        ],
    }, indent=2, ensure_ascii=False) + "\n"


def report_graph(results: Sequence[ValidationResult]) -> Graph:
    """A standard SHACL validation report (one sh:ValidationReport for all reviews), each result
    also naming its source page and recommendation numbers (`dhr:sourceFile`, `dhr:number`).

    `sh:conforms` is SHACL's: false as soon as there is any result, warnings and infos
    included (a review with only warnings still lands; see ValidationResult.conforms)."""
    g = Graph()
    g.bind("dhr", DHR)
    _, nodes = add_report(g, [x.finding for r in results for x in r.results if x.finding is not None])
    extra = iter(nodes)
    for r in results:
        for x in r.results:
            if x.finding is None:
                continue
            node = next(extra)
            if r.graph:
                g.add((node, DHR.sourceFile, Literal(r.source)))
            for number in x.numbers:
                g.add((node, DHR.number, Literal(number, datatype=XSD.string)))
    return g


def turtle(graph: Graph) -> str:
    """A report graph as Turtle, written by Oxigraph: rdflib writes an ill-typed literal such as
    "none"^^xsd:boolean as a bare `none`, which no Turtle parser reads."""
    prefixes = {"sh": str(SH), "xsd": str(XSD), "rdf": str(RDF), "dhr": str(DHR)}
    triples = [ox.Triple(to_ox_subject(s), to_ox_iri(p), to_ox(o)) for s, p, o in graph]
    return bytes(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b"").decode("utf-8")


def add_report(g: Graph, findings: Sequence[Finding]) -> tuple[BNode, list[BNode]]:
    """Add a standard W3C SHACL validation report of `findings` to `g`; returns the report
    node and the result nodes, in the order of `findings`.

    Each sh:result has its focus node, path (with the description of a complex path), value,
    source shape, source constraint component, severity and message."""
    g.bind("sh", SH)
    report = BNode()
    g.add((report, RDF.type, SH.ValidationReport))
    g.add((report, SH.conforms, Literal(not findings)))
    nodes = []
    for f in findings:
        node = BNode()
        nodes.append(node)
        g.add((report, SH.result, node))
        g.add((node, RDF.type, SH.ValidationResult))
        g.add((node, SH.resultSeverity, f.severity))
        g.add((node, SH.focusNode, f.focus))
        g.add((node, SH.sourceConstraintComponent, f.component))
        g.add((node, SH.sourceShape, f.shape))
        if f.message:
            g.add((node, SH.resultMessage, Literal(f.message)))
        if f.value is not None:
            g.add((node, SH.value, f.value))
        if f.path is not None:  # a complex path is written out again for each result, as SHACL engines do
            fresh: dict[Node, Node] = {}
            g.add((node, SH.resultPath, _fresh(f.path, fresh)))
            for s, p, o in f.path_triples:
                g.add((_fresh(s, fresh), p, _fresh(o, fresh)))
    return report, nodes


def _fresh(term: Node, renamed: dict[Node, Node]) -> Node:
    """A blank node renamed once per copy; other terms as they are."""
    return renamed.setdefault(term, BNode()) if isinstance(term, BNode) else term
