"""SHACL validation of review graphs against the shapes in `shapes/`.

What makes this fast enough for thousands of reviews: every check runs once for many reviews
in Oxigraph, never once per review or per node.

- Core shapes are compiled to SPARQL (shapecompiler.py), one SELECT per constraint returning
  only the violations. Shapes that use SHACL beyond what is compiled go to pySHACL instead,
  over the same data; tests check that both engines give the same results.
- SHACL-SPARQL constraints (`sh:sparql`) run set-at-a-time: once with `$this` left free,
  keeping the solutions whose `$this` is a target of the shape, instead of once per focus
  node as a general SHACL engine does.
- A build validates all its new reviews at once in the working copy of the store (pipeline.py),
  where the reference data (theme scheme, sector scheme, agency registry, ontology) that says
  what the theme IRIs and registered agencies a review points at are already sits beside
  them; `validate --store` runs the same checks on the on-disk store itself. Review graphs
  given as rdflib graphs (`Validator.validate`, `validate_many`) are checked a batch at a time
  in a throw-away store loaded with that reference data.

No shape compares one review with another, so checking many together gives the same
verdicts as one at a time (see shapes/dhr-shapes.ttl for the one caveat, shared nodes); each
result is then given to the review it belongs to.
"""

from __future__ import annotations

import functools
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from pyshacl.errors import ReportableRuntimeError
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.plugins.stores.memory import SimpleMemory
from rdflib.term import Node

from . import resources
from .inputfiles import read_turtle
from .errors import DhrGraphError, InputError
from .shapecompiler import Check, Unsupported, compile_shapes
from .iris import DHR, GRAPH
from .sparqlscan import service_calls
from .nquads import graph_text
from .records import natural_key
from .store import GraphStore
from .terms import ToRdflib, to_ox, to_ox_iri, to_rdflib

DEFAULT_BATCH = 250  # reviews per pySHACL run: large enough to amortise, small enough for memory
SEVERITIES = ("Violation", "Warning", "Info")
_VAR_RE = re.compile(r"\{[?$](\w+)\}")
_THIS_RE = re.compile(r"\$this\b")
# Links from a review's nodes to the nodes that own them, used to name recommendations.
_OWNER_LINKS = tuple(ox.NamedNode(str(p)) for p in (DHR.addressing, DHR.mention, DHR.themeAssignment))
_NAMING_LINKS = tuple(ox.NamedNode(str(p)) for p in (DHR.addressedTo, DHR.mentions))
_NUMBER, _TYPE, _REVIEW, _SOURCE_FILE = (ox.NamedNode(str(t)) for t in (DHR.number, RDF.type, DHR.Review,
                                                                         DHR.sourceFile))
REFERENCE_GRAPH = str(GRAPH) + "reference"  # where reference data sits in a batch's SPARQL store


class ValidationError(DhrGraphError):
    """The shapes themselves cannot be used (bad Turtle, unsupported SHACL-SPARQL form)."""


Triple = tuple[Node, Node, Node]


@dataclass(frozen=True)
class Finding:
    """One SHACL validation result as RDF terms, whichever engine found it."""

    focus: Node
    path: Node | None
    value: Node | None
    shape: Node
    component: URIRef
    severity: URIRef
    message: str
    path_triples: tuple[Triple, ...] = ()  # the description of a complex (blank-node) path

    @property
    def severity_name(self) -> str:
        """"Violation", "Warning", "Info", or the IRI of a severity of the user's own."""
        return severity_name(self.severity)


def severity_name(severity: Node) -> str:
    return str(severity).removeprefix(str(SH))


@dataclass(frozen=True)
class ShapeResult:
    """One SHACL result, with what a person needs to find it on the page."""

    severity: str  # "Violation" | "Warning" | "Info", or a severity IRI of the user's own
    focus: str
    path: str | None
    message: str
    value: str | None = None
    shape: str | None = None
    numbers: tuple[str, ...] = ()  # recommendation number(s) the result concerns
    component: str | None = None  # the constraint component's IRI
    # the same as RDF terms (focus, path, value, shape): "Berg" and "Berg"@de are two results
    terms: tuple[Node | None, ...] = field(default=(), repr=False)
    finding: Finding | None = field(default=None, compare=False, repr=False)

    def where(self) -> str:
        if not self.numbers:
            return "review"
        return ("recommendation " if len(self.numbers) == 1 else "recommendations ") + ", ".join(self.numbers)


@dataclass(frozen=True)
class ValidationResult:
    """The verdict on one review graph."""

    source: str
    results: tuple[ShapeResult, ...]
    graph: str | None = None

    @property
    def conforms(self) -> bool:
        """Only violations stop a review from landing; warnings and infos are reported. (A
        severity of the user's own counts as a violation: nothing says it is harmless.)"""
        return not any(r.severity not in ("Warning", "Info") for r in self.results)

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    def messages(self) -> list[str]:
        """One line per result: severity, page, recommendation, message."""
        return [f"{r.severity.lower()}: {self.source}: {r.where()}: {r.message}" for r in self.results]


@dataclass(frozen=True)
class ReviewGraph:
    """One review's named graph, as N-Quads text (see reviewgraph.py), ready to validate."""

    iri: str
    source: str
    nquads: str

    @classmethod
    def from_graph(cls, iri: str, graph: Graph, source: str) -> ReviewGraph:
        """From an rdflib Graph of the review's triples."""
        return cls(iri, source, graph_text(graph, iri))


# ---------------------------------------------------------------- SHACL-SPARQL, set-at-a-time


@dataclass(frozen=True)
class SparqlConstraint:
    """An `sh:sparql` constraint of a node shape with one `sh:targetClass`, run for all targets at once.

    Run by Oxigraph (a batch store, or the on-disk store itself), whose SPARQL engine is
    orders of magnitude faster than rdflib's on these joins and aggregates.
    """

    shape: Node  # an IRI or a blank node
    target: URIRef
    severity: URIRef
    message: str
    text: str
    prefixes: dict[str, str]

    @classmethod
    def from_shapes(cls, shapes: Graph) -> list[SparqlConstraint]:
        out = []
        for shape, node in shapes.subject_objects(SH.sparql):
            targets = list(shapes.objects(shape, SH.targetClass))
            if len(targets) != 1 or not isinstance(targets[0], URIRef) or shapes.value(shape, SH.path) is not None:
                raise ValidationError(
                    f"shape {shape}: SHACL-SPARQL constraints need a node shape with exactly one sh:targetClass (an IRI)")
            deactivated = shapes.value(node, SH.deactivated)
            if isinstance(deactivated, Literal) and deactivated.toPython() is True:
                continue
            select = str(shapes.value(node, SH.select) or "")
            if not select:
                raise ValidationError(f"shape {shape}: sh:sparql constraint without sh:select")
            if service_calls(select):  # shapes run locally: never a network call (and no flag to allow one)
                raise ValidationError(f"shape {shape}: its SPARQL uses SERVICE, which would make network calls")
            prefixes = {}
            for decl in (d for src in shapes.objects(node, SH.prefixes) for d in shapes.objects(src, SH.declare)):
                prefixes[str(shapes.value(decl, SH.prefix))] = str(shapes.value(decl, SH.namespace))
            severity = shapes.value(shape, SH.severity) or SH.Violation  # a shape's, as in SHACL
            message = shapes.value(node, SH.message) or shapes.value(shape, SH.message) or Literal("does not conform")
            constraint = cls(shape, targets[0], URIRef(str(severity)), str(message),
                             _THIS_RE.sub("?this", select), prefixes)
            try:
                list(constraint.run(ox.Store()))
            except SyntaxError as exc:
                raise ValidationError(f"shape {shape}: cannot read its SPARQL: {exc}") from None
            out.append(constraint)
        return out

    def run(self, store: ox.Store) -> Iterator[dict[str, Node]]:
        """One solution per result (union of all graphs), with `this` bound to a focus node.

        The query runs once with `$this` free; its solutions are then kept for the shape's
        targets only. (Joining the target class inside the query instead makes Oxigraph,
        which joins in the order written, up to 100x slower on some of these queries.) So a
        constraint's own patterns must bind `$this`, as all of ours do.
        """
        found = store.query(f"SELECT ?subject WHERE {{ ?subject a/<{RDFS.subClassOf}>* <{self.target}> }}",
                            use_default_graph_as_union=True)
        assert isinstance(found, ox.QuerySolutions)
        targets = {s["subject"] for s in found}
        solutions = store.query(self.text, prefixes=self.prefixes, use_default_graph_as_union=True)
        if not isinstance(solutions, ox.QuerySolutions):
            raise ValidationError(f"shape {self.shape}: its SHACL-SPARQL query must be a SELECT query")
        names = [v.value for v in solutions.variables]
        if "this" not in names:
            raise ValidationError(f"shape {self.shape}: its SHACL-SPARQL query must select $this")
        for solution in solutions:
            if solution["this"] in targets:
                yield {name: to_rdflib(solution[name]) for name in names if solution[name] is not None}

    def render(self, row: dict[str, Node]) -> str:
        return _VAR_RE.sub(lambda m: str(row.get(m.group(1), m.group(0))), self.message)


class _BatchStore(SimpleMemory):
    """rdflib's context-free memory store, declared context- and graph-aware so that pySHACL
    accepts it (pySHACL wraps every data graph in a Dataset, and only ever reads this one).

    A batch is one graph, so the per-triple context bookkeeping of rdflib's default store
    buys nothing here; without it, filling and reading the batch is about 3x faster. Every
    triple says it is in `graph`, the one graph the store holds: pySHACL looks for a blank
    node's graph that way before it names the node in a message.
    """

    context_aware = True
    graph_aware = True
    graph: Graph | None = None

    def triples(self, triple_pattern, context=None):  # type: ignore[no-untyped-def]
        home = (self.graph,) if self.graph is not None else ()
        for triple, _ in super().triples(triple_pattern, context):
            yield triple, iter(home)


def _batch_graph() -> Graph:
    store = _BatchStore()
    graph = store.graph = Graph(store=store)
    return graph


def run_pyshacl(data: Graph, shapes: Graph) -> list[Finding]:
    """The general engine: pySHACL's results (the top-level ones, not those nested in sh:detail)."""
    try:
        _, report, _ = shacl_validate(data, shacl_graph=shapes, inference="none", advanced=False,
                                      inplace=True, allow_warnings=True, allow_infos=True)
    except ReportableRuntimeError as exc:  # shapes pySHACL cannot use (sh:minCount "many")
        first = (getattr(exc, "message", None) or str(exc) or type(exc).__name__).strip().splitlines()[0]
        raise ValidationError(f"pySHACL cannot use these shapes: {first}") from None
    out = []
    for top in report.subjects(RDF.type, SH.ValidationReport):
        for node in report.objects(top, SH.result):
            path = report.value(node, SH.resultPath)
            out.append(Finding(
                focus=report.value(node, SH.focusNode), path=path, value=report.value(node, SH.value),
                shape=report.value(node, SH.sourceShape),
                component=report.value(node, SH.sourceConstraintComponent),
                severity=report.value(node, SH.resultSeverity),
                message=str(report.value(node, SH.resultMessage) or "does not conform"),
                path_triples=_description(report, path) or _description(shapes, path)))
    return out


def _description(graph: Graph, node: Node | None) -> tuple[Triple, ...]:
    """The triples describing a blank node, and the blank nodes it leads to (a complex path)."""
    out: list[Triple] = []
    todo, seen = [node], set()
    while todo:
        n = todo.pop()
        if not isinstance(n, BNode) or n in seen:
            continue
        seen.add(n)
        for p, o in graph.predicate_objects(n):
            out.append((n, p, o))
            todo.append(o)
    return tuple(out)


# ---------------------------------------------------------------- the validator


class Validator:
    """Validates review graphs; holds the shapes (compiled when it can) and reference data."""

    def __init__(self, shapes: Graph, reference: Graph | Sequence[str | Path] | None = None,
                 batch_size: int = DEFAULT_BATCH, engine: str = "auto") -> None:
        self.shapes = shapes
        self.core = Graph()
        for triple in shapes:
            if triple[1] != SH.sparql:
                self.core.add(triple)
        self.sparql = SparqlConstraint.from_shapes(shapes)
        self.checks: list[Check] | None = None
        self.fallback: str | None = "pySHACL engine requested" if engine == "pyshacl" else None
        if engine != "pyshacl":
            try:
                self.checks = compile_shapes(shapes)
            except Unsupported as exc:
                self.fallback = str(exc)
        self._reference = reference
        self.batch_size = batch_size
        self.timings: dict[str, float] = {}  # seconds spent per phase, summed over calls

    @functools.cached_property
    def reference(self) -> Graph:
        """The reference data as a graph, or its Turtle files read on first use: a build never
        uses it (it validates in its store, which holds the reference graphs already), and
        reading the registry again cost every build about a second."""
        source = self._reference
        if source is None:
            return Graph()
        return source if isinstance(source, Graph) else _read_turtle(source)

    @functools.cached_property
    def _reference_nquads(self) -> str:
        """The reference data for batch stores, written once and only if a batch is validated
        (a build validates in the store itself, which holds the reference graphs)."""
        return graph_text(self.reference, REFERENCE_GRAPH)

    @property
    def engine(self) -> str:
        """"sparql" (the shapes compiled, see shapecompiler.py) or "pyshacl" (the general engine)."""
        return "sparql" if self.checks is not None else "pyshacl"

    @classmethod
    def load(cls, files: Sequence[str | Path] | None = None, reference: Sequence[str | Path] | Graph | None = None,
             batch_size: int = DEFAULT_BATCH, engine: str = "auto") -> Validator:
        """Shapes from `files` (default: the bundled shapes); reference data from Turtle files
        or a graph (default: the bundled ontology, schemes and registry)."""
        shapes = _read_turtle(files if files is not None else sorted(resources.shapes_dir().glob("*.ttl")))
        if reference is None:
            reference = sorted(resources.ontology_dir().glob("*.ttl"))
        return cls(shapes, reference, batch_size, engine)  # Turtle files are read when first needed

    def validate(self, graph: Graph, source: str = "", iri: str | None = None) -> ValidationResult:
        """Validate one review graph given as an rdflib Graph."""
        return self.validate_many([ReviewGraph.from_graph(iri or "urn:dhr-graph:review", graph, source)])[0]

    def validate_many(self, reviews: Sequence[ReviewGraph]) -> list[ValidationResult]:
        """Validate many review graphs, a batch at a time; one result per review, in order.

        Each batch is loaded, with the reference data, into a throw-away Oxigraph store, and
        every check runs once over the whole batch.
        """
        out: list[ValidationResult] = []
        for start in range(0, len(reviews), self.batch_size):
            batch = reviews[start:start + self.batch_size]
            clock = time.perf_counter()
            store = ox.Store()
            store.load("".join([self._reference_nquads, *(rg.nquads for rg in batch)]).encode(),
                       ox.RdfFormat.N_QUADS)
            self._tick("load batch", clock)
            found = self.check(store, [rg.iri for rg in batch])
            out.extend(ValidationResult(rg.source, found.get(rg.iri, ()), rg.iri) for rg in batch)
        return out

    def findings(self, store: ox.Store) -> list[Finding]:
        """Every result of the shapes over the union of the store's graphs, in no set order.

        Two results that differ only in how they were reached (a property shape of two node
        shapes that share a focus node) are two findings, as in a SHACL report.
        """
        clock = time.perf_counter()
        out: list[Finding] = []
        if self.checks is not None:
            convert = ToRdflib()
            for c in self.checks:
                out.extend(Finding(convert(focus), c.path, convert(value) if value is not None else None, c.shape,
                                   component, c.severity, c.message_for(component))
                           for focus, value, component in c.run(store))
            clock = self._tick("core shapes (compiled to SPARQL)", clock)
        else:
            out.extend(self._pyshacl(store))
            clock = self._tick("core shapes (pySHACL)", clock)
        for constraint in self.sparql:
            out.extend(Finding(row["this"], row.get("path"), row.get("value"), constraint.shape,
                               SH.SPARQLConstraintComponent, constraint.severity, constraint.render(row))
                       for row in constraint.run(store))
        self._tick("SHACL-SPARQL", clock)
        return out

    def check(self, store: ox.Store, reviews: Sequence[str]) -> dict[str, tuple[ShapeResult, ...]]:
        """Results per review graph IRI, for the review graphs `reviews` of `store`.

        The shapes see the union of the store's graphs (reviews and reference data). No shape
        compares one review with another (see shapes/dhr-shapes.ttl), so this gives the same
        verdicts as one review at a time; each result is given to the review graphs that
        describe its focus node, or else to those that point at it (a reference node such as
        a registered agency). The store holds literals in Oxigraph's canonical form
        ("4.0"^^xsd:decimal as "4"), and that is the form validated and reported.
        """
        found = self.findings(store)
        clock = time.perf_counter()
        wanted = set(reviews)
        per_review: dict[str, list[ShapeResult]] = defaultdict(list)
        for f in found:
            for graph in _owners(store, wanted, f.focus, f.path, f.value):
                per_review[graph].append(ShapeResult(
                    severity=f.severity_name, focus=str(f.focus), path=_str(f.path), message=f.message,
                    value=_str(f.value), shape=_str(f.shape), numbers=_numbers(store, graph, f.focus, f.value),
                    component=str(f.component), terms=(f.focus, f.path, f.value, f.shape), finding=f))
        self._tick("results", clock)
        return {g: tuple(sorted(rs, key=_order)) for g, rs in per_review.items()}

    def _pyshacl(self, store: ox.Store) -> list[Finding]:
        """The general engine, for shapes that shapecompiler.py does not compile."""
        data = _batch_graph()
        convert = ToRdflib()
        for q in store.quads_for_pattern(None, None, None, None):
            data.store.add((convert(q.subject), convert(q.predicate), convert(q.object)), data)
        return run_pyshacl(data, self.core)

    def _tick(self, phase: str, since: float) -> float:
        now = time.perf_counter()
        self.timings[phase] = self.timings.get(phase, 0.0) + now - since
        return now


def _graphs_of(quads: Iterable[ox.Quad], wanted: set[str]) -> set[str]:
    return {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)} & wanted


def _owners(store: ox.Store, wanted: set[str], focus: Node, path: Node | None, value: Node | None) -> set[str]:
    """The review graphs a result belongs to; on a node several reviews describe, only those
    whose own graph holds the offending value. (A literal focus node belongs to the graphs
    that hold it as a value.)"""
    f = to_ox(focus)
    if isinstance(f, ox.Literal):
        return _graphs_of(store.quads_for_pattern(None, None, f, None), wanted)
    found = _graphs_of(store.quads_for_pattern(f, None, None, None), wanted)
    if len(found) > 1 and isinstance(path, URIRef) and value is not None:
        found = _graphs_of(store.quads_for_pattern(f, to_ox_iri(path), to_ox(value), None), wanted) or found
    return found or _graphs_of(store.quads_for_pattern(None, None, f, None), wanted)


def _str(node: Node | None) -> str | None:
    return None if node is None else str(node)


def _order(r: ShapeResult) -> tuple:
    return (SEVERITIES.index(r.severity) if r.severity in SEVERITIES else 9, r.numbers, r.message, r.focus,
            r.path or "", r.value or "", r.shape or "", r.component or "", tuple(_key(t) for t in r.terms))


def _key(term: Node | None) -> str:
    return "" if term is None else term.n3()


def _numbers(store: ox.Store, graph: str, focus: Node, value: Node | None) -> tuple[str, ...]:
    """Recommendation number(s) a result concerns, found in its review graph from its focus node or value."""
    g = ox.NamedNode(graph)

    def number(rec: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str | None:
        if isinstance(rec, (ox.Literal, ox.Triple)):
            return None
        return next((q.object.value for q in store.quads_for_pattern(rec, _NUMBER, None, g)
                     if not isinstance(q.object, ox.Triple)), None)

    for node in (focus, value):
        if node is None or isinstance(node, Literal):
            continue
        n = to_ox(node)
        found = number(n)
        if found is not None:
            return (found,)
        for link in _OWNER_LINKS:
            for q in store.quads_for_pattern(None, link, n, g):
                if (found := number(q.subject)) is not None:
                    return (found,)
    f = to_ox(focus)
    if isinstance(f, ox.Literal):
        return ()
    if not any(True for _ in store.quads_for_pattern(f, _TYPE, _REVIEW, g)):
        recs = {num for link in _NAMING_LINKS for q in store.quads_for_pattern(None, link, f, g)
                if (num := number(q.subject)) is not None}
        return tuple(sorted(recs, key=natural_key))
    return ()


def _read_turtle(files: Iterable[str | Path]) -> Graph:
    """Shapes or reference data: Turtle files as one graph (a bad file is a ValidationError naming it)."""
    graph = Graph()
    for path in files:
        try:
            read_turtle(path, graph)
        except InputError as exc:
            raise ValidationError(str(exc)) from None
    return graph


# ---------------------------------------------------------------- a whole store


def validate_store(store: GraphStore, validator: Validator | None = None,
                   shapes: Sequence[str | Path] | None = None) -> list[ValidationResult]:
    """Validate every review graph of an on-disk store against the store's own reference graphs.

    A review graph is a named graph holding a `dhr:Review`. The checks run on the store
    itself, once each for all reviews, over the union of its graphs: the reference graphs
    (ontology, schemes, registry, user files) are there, and the computed link graphs, which
    no shape targets, add nothing a shape reads. Nothing is read into Python but the results.
    (Naming the review and reference graphs as the default graph instead is equivalent, and
    makes Oxigraph hundreds of times slower on the anti-joins.)
    """
    db = store.store
    review_graphs = sorted(_graphs_of(db.quads_for_pattern(None, _TYPE, _REVIEW, None),
                                      {g.value for g in db.named_graphs() if isinstance(g, ox.NamedNode)}))
    if validator is None:
        validator = Validator(_read_turtle(shapes if shapes is not None
                                           else sorted(resources.shapes_dir().glob("*.ttl"))))
    found = validator.check(db, review_graphs)
    out = []
    for name in review_graphs:
        g = ox.NamedNode(name)
        source = next((q.object.value for q in db.quads_for_pattern(g, _SOURCE_FILE, None, g)
                       if not isinstance(q.object, ox.Triple)), name)
        out.append(ValidationResult(source, found.get(name, ()), name))
    return out
