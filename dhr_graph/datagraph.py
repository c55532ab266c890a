"""Validate any RDF data graph against any SHACL shapes, with a standard W3C validation report.

`dhr-graph validate --data FILE --shapes FILE...` is for graphs that are not a store: an
export, a hand-written file, a test of the W3C SHACL Core suite. The same two engines run as
for reviews (validation.py): the shapes compiled to SPARQL over an in-memory Oxigraph store
when shapecompiler.py compiles them exactly, pySHACL otherwise. Files are read with Oxigraph's
parsers, which keep every literal as written (rdflib would rewrite an ill-typed
`"none"^^xsd:boolean` as `"false"`); Oxigraph's store, though, keeps some literals in a
canonical form (`"4.0"^^xsd:decimal` as `"4"`), so data holding such a literal goes to pySHACL,
which reports each term as it was written.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import SH
from rdflib.term import Node

from . import resources
from .inputfiles import rdf_quads
from .terms import to_graph
from .validation import (
    SEVERITIES,
    Finding,
    ValidationError,
    Validator,
    run_pyshacl,
    severity_name,
)
from .validationreport import add_report

log = logging.getLogger(__name__)
_LENIENT = ("Warning", "Info")


@dataclass(frozen=True)
class DataReport:
    """The results of one data graph against one shapes graph, and which engine found them."""

    findings: tuple[Finding, ...]
    engine: str  # "sparql" (shapes compiled, see shapecompiler.py) or "pyshacl"
    reason: str | None = None  # why pySHACL ran, when it did

    @property
    def conforms(self) -> bool:
        """SHACL's sh:conforms: true only when there is no result at all, whatever its severity."""
        return not self.findings

    @property
    def violations(self) -> int:
        """Results that are not warnings or infos (a severity of the user's own counts here)."""
        return sum(1 for f in self.findings if f.severity_name not in _LENIENT)

    def graph(self) -> Graph:
        """The standard W3C SHACL validation report."""
        g = Graph()
        add_report(g, self.findings)
        return g

    def text(self) -> str:
        """One line per result, then a summary; terms written as in Turtle."""
        g = Graph()
        g.bind("sh", SH)
        lines = []
        for f in self.findings:
            where = f" path {_show(g, f.path)}" if f.path is not None else ""
            value = f" value {_show(g, f.value)}" if f.value is not None else ""
            lines.append(f"{f.severity_name.lower():9} {_show(g, f.focus)}{where}{value}: {f.message} "
                         f"(shape {_show(g, f.shape)}, {_show(g, f.component)})")
        counts = ", ".join(f"{n} {_plural(s, n)}" for s, n in self.counts().items())
        lines.append(f"conforms: {str(self.conforms).lower()} ({len(self.findings)} results"
                     f"{': ' + counts if counts else ''}); engine: {self.engine}"
                     f"{' (' + self.reason + ')' if self.reason else ''}")
        return "\n".join(lines) + "\n"

    def json(self) -> str:
        """The report for programs; terms in N-Triples form (`<iri>`, `_:b0`, `"Berg"@de`)."""
        return json.dumps({
            "conforms": self.conforms, "engine": self.engine, "reason": self.reason, "counts": self.counts(),
            "results": [{"severity": f.severity_name, "focus": _n3(f.focus), "path": _n3(f.path),
                         "value": _n3(f.value), "shape": _n3(f.shape), "component": _n3(f.component),
                         "message": f.message} for f in self.findings],
        }, indent=2, ensure_ascii=False) + "\n"

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.findings:
            out[f.severity_name] = out.get(f.severity_name, 0) + 1
        return out


def _plural(severity: str, n: int) -> str:
    if severity not in SEVERITIES:
        return f"of severity <{severity}>"
    return severity.lower() + ("s" if n != 1 else "")


def _n3(term: Node | None) -> str | None:
    return None if term is None else term.n3()


def _show(g: Graph, term: Node | None) -> str:
    return "" if term is None else term.n3(g.namespace_manager)


def read_graph(paths: Iterable[str | Path]) -> Graph:
    """RDF files as one rdflib graph, every literal as written."""
    graph = Graph()
    for path in paths:
        to_graph(rdf_quads(path), graph)
    return graph


def validate_data(data: Sequence[str | Path], shapes: Sequence[str | Path] | None = None,
                  engine: str = "auto") -> DataReport:
    """Validate the union of the `data` files against the `shapes` files.

    Without `shapes`, the bundled shapes, which read the bundled ontology, schemes and agency
    registry: these are then added to the data graph, as a build does.
    """
    quads = [q for path in data for q in rdf_quads(path)]
    own_shapes = shapes is not None
    if shapes is None:
        shapes = sorted(resources.shapes_dir().glob("*.ttl"))
        quads += [q for path in sorted(resources.ontology_dir().glob("*.ttl")) for q in rdf_quads(path)]
    shapes_graph = read_graph(shapes)
    store = ox.Store()
    store.extend(quads)

    reason: str | None = None
    validator: Validator | None = None
    try:
        validator = Validator(shapes_graph, engine=engine)
        reason = validator.fallback
    except ValidationError as exc:  # SHACL-SPARQL beyond the set-at-a-time runner
        reason = str(exc)
    if reason is None and own_shapes and (None, SH.sparql, None) in shapes_graph:
        # the set-at-a-time runner leaves $this free, which gives SHACL's results only for queries
        # whose own patterns bind it, as the bundled ones do (tests check them against pySHACL)
        reason = "SHACL-SPARQL constraints of your own run in pySHACL, which binds $this as SHACL says"
    if reason is None:
        reason = _rewritten(quads, store)
    if validator is not None and reason is None:
        return DataReport(tuple(sorted(validator.findings(store), key=_order)), "sparql")
    log.info("validating with pySHACL: %s", reason)
    graph = to_graph(quads)
    try:
        found = run_pyshacl(graph, shapes_graph)
    except ValidationError as exc:
        raise ValidationError(f"{', '.join(str(p) for p in shapes)}: {exc}") from None
    return DataReport(tuple(sorted(found, key=_order)), "pyshacl", reason)


def _rewritten(quads: Sequence[ox.Quad], store: ox.Store) -> str | None:
    """Why the store's terms are not the data's, if they are not: a literal Oxigraph keeps in
    canonical form ("4.0"^^xsd:decimal as "4") would be validated and reported in that form."""
    written = {q.object for q in quads if isinstance(q.object, ox.Literal)}
    stored = {q.object for q in store if isinstance(q.object, ox.Literal)}
    changed = sorted(str(t) for t in written - stored)
    if not changed:
        return None
    return f"the data has literals the compiled engine would read in another lexical form, such as {changed[0]}"


def _order(f: Finding) -> tuple:
    name = severity_name(f.severity)
    return (SEVERITIES.index(name) if name in SEVERITIES else 9, f.focus.n3(), _n3(f.path) or "",
            f.shape.n3(), f.component.n3(), _n3(f.value) or "", f.message)
