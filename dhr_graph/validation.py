"""SHACL validation of review graphs against the shapes in `shapes/`.

Two things make this fast enough for thousands of reviews:

- Review graphs are validated in batches: one data graph holds many reviews, one pySHACL
  run checks them all, and each result is mapped back to its review by its focus node. No
  shape compares one review with another, so a batch gives the same verdicts as one review
  at a time (see shapes/dhr-shapes.ttl for the one caveat, shared nodes).
- SHACL-SPARQL constraints (`sh:sparql`) are run set-at-a-time by Oxigraph: once per batch
  (or once for a whole on-disk store) with `$this` left free, keeping the solutions whose
  `$this` is a target of the shape, instead of once per focus node as a general SHACL
  engine does (pySHACL re-parses the query for every node). Every other constraint is
  pySHACL's; tests check that both give the same results on the same data.

A review graph alone does not say what its theme IRIs or registered agencies are; those are
described in the reference graphs (theme scheme, sector scheme, agency registry, ontology).
`Reference` adds to each batch the reference description of exactly the things the batch
points at, following the properties whose values the shapes check by class.
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.plugins.stores.memory import SimpleMemory
from rdflib.term import Node

from . import resources
from .errors import DhrGraphError
from .iris import DHR, GRAPH
from .store import GraphStore, _TermConverter, to_quads
from .parser import natural_key

DEFAULT_BATCH = 250  # reviews per pySHACL run: large enough to amortise, small enough for memory
SEVERITIES = ("Violation", "Warning", "Info")
_VAR_RE = re.compile(r"\{[?$](\w+)\}")
_THIS_RE = re.compile(r"\$this\b")
# Links from a review's nodes to the nodes that own them, used to name recommendations.
_OWNER_LINKS = (DHR.addressing, DHR.mention, DHR.themeAssignment)
_NAMING_LINKS = (DHR.addressedTo, DHR.mentions)
_XSD_STRING = str(XSD.string)
REFERENCE_GRAPH = str(GRAPH) + "reference"  # where reference data sits in a batch's SPARQL store


class ValidationError(DhrGraphError):
    """The shapes themselves cannot be used (bad Turtle, unsupported SHACL-SPARQL form)."""


@dataclass(frozen=True)
class ShapeResult:
    """One SHACL result, with what a person needs to find it on the page."""

    severity: str  # "Violation" | "Warning" | "Info"
    focus: str
    path: str | None
    message: str
    value: str | None = None
    shape: str | None = None
    numbers: tuple[str, ...] = ()  # recommendation number(s) the result concerns
    terms: tuple[Node | None, ...] = field(default=(), compare=False, repr=False)  # focus, path, value, shape

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
        """Only violations stop a review from landing; warnings and infos are reported."""
        return not any(r.severity == "Violation" for r in self.results)

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    def messages(self) -> list[str]:
        """One line per result: severity, page, recommendation, message."""
        return [f"{r.severity.lower()}: {self.source}: {r.where()}: {r.message}" for r in self.results]


@dataclass(frozen=True)
class ReviewGraph:
    """One review's named graph, ready to validate."""

    iri: str
    graph: Graph | None
    source: str
    quads: Sequence[ox.Quad] | None = None  # the same graph as Oxigraph quads, when the caller has them
    triples: Sequence[tuple[Node, Node, Node]] | None = None  # or its triples, when there is no Graph

    def all_triples(self) -> Sequence[tuple[Node, Node, Node]]:
        return self.triples if self.triples is not None else list(self.graph or ())

    def rdf(self) -> Graph:
        """The review as an rdflib Graph (built from its triples if need be)."""
        if self.graph is not None:
            return self.graph
        graph = Graph(store=SimpleMemory())
        for triple in self.triples or ():
            graph.store.add(triple, graph)
        return graph


# ---------------------------------------------------------------- reference data


class Reference:
    """The reference data the shapes need to see beside a review graph.

    Holds, per subject, its triples from the reference graphs; `about(triples)` finds the
    things a review points at through `links` (followed on within the reference data) and
    `triples(nodes)` their description; `hierarchy` lets `sh:class` see subclasses.
    """

    def __init__(self, graph: Graph, links: Iterable[URIRef]) -> None:
        self.links = frozenset(links)
        self.hierarchy = [(s, p, o) for s, p, o in graph.triples((None, RDFS.subClassOf, None))
                          if isinstance(s, URIRef) and isinstance(o, URIRef)]
        self._about: dict[Node, list[tuple[Node, Node, Node]]] = defaultdict(list)
        for triple in graph:
            if isinstance(triple[0], URIRef):
                self._about[triple[0]].append(triple)

    def __contains__(self, node: Node) -> bool:
        return node in self._about

    def about(self, triples: Iterable[tuple[Node, Node, Node]]) -> set[Node]:
        """Reference subjects that `triples` reach through the link properties."""
        links = self.links
        todo = [o for s, p, o in triples if p in links and o in self._about]
        seen: set[Node] = set()
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            todo.extend(o for _, p, o in self._about[node] if p in links and o in self._about and o not in seen)
        return seen

    def triples(self, nodes: Iterable[Node]) -> Iterator[tuple[Node, Node, Node]]:
        for node in nodes:
            yield from self._about.get(node, ())


# ---------------------------------------------------------------- SHACL-SPARQL, set-at-a-time


@dataclass(frozen=True)
class SparqlConstraint:
    """An `sh:sparql` constraint of a node shape with one `sh:targetClass`, run for all targets at once.

    Run by Oxigraph (a batch store, or the on-disk store itself), whose SPARQL engine is
    orders of magnitude faster than rdflib's on these joins and aggregates.
    """

    shape: URIRef
    target: URIRef
    severity: str
    message: str
    text: str
    prefixes: dict[str, str]

    @classmethod
    def from_shapes(cls, shapes: Graph) -> list[SparqlConstraint]:
        out = []
        for shape, node in shapes.subject_objects(SH.sparql):
            targets = list(shapes.objects(shape, SH.targetClass))
            if len(targets) != 1 or shapes.value(shape, SH.path) is not None:
                raise ValidationError(
                    f"shape {shape}: SHACL-SPARQL constraints need a node shape with exactly one sh:targetClass")
            if (shapes.value(node, SH.deactivated) or Literal(False)).toPython() is True:
                continue
            select = str(shapes.value(node, SH.select) or "")
            if not select:
                raise ValidationError(f"shape {shape}: sh:sparql constraint without sh:select")
            prefixes = {}
            for decl in (d for src in shapes.objects(node, SH.prefixes) for d in shapes.objects(src, SH.declare)):
                prefixes[str(shapes.value(decl, SH.prefix))] = str(shapes.value(decl, SH.namespace))
            severity = shapes.value(shape, SH.severity) or SH.Violation  # a shape's, as in SHACL
            message = shapes.value(node, SH.message) or shapes.value(shape, SH.message) or Literal("does not conform")
            constraint = cls(shape, targets[0], str(severity).rsplit("#", 1)[-1], str(message),
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
        targets = {s["subject"] for s in store.query(
            f"SELECT ?subject WHERE {{ ?subject a/<{RDFS.subClassOf}>* <{self.target}> }}",
            use_default_graph_as_union=True)}
        solutions = store.query(self.text, prefixes=self.prefixes, use_default_graph_as_union=True)
        names = [v.value for v in solutions.variables]
        if "this" not in names:
            raise ValidationError(f"shape {self.shape}: its SHACL-SPARQL query must select $this")
        for solution in solutions:
            if solution["this"] in targets:
                yield {name: _from_ox(solution[name]) for name in names if solution[name] is not None}

    def render(self, row: dict[str, Node]) -> str:
        return _VAR_RE.sub(lambda m: str(row.get(m.group(1), m.group(0))), self.message)


def _from_ox(term: object) -> Node:
    """pyoxigraph term -> rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return Literal(term.value)  # rdflib writes simple literals without a datatype
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    raise TypeError(f"unsupported RDF term {term!r}")


class _BatchStore(SimpleMemory):
    """rdflib's context-free memory store, declared context- and graph-aware so that pySHACL
    accepts it (pySHACL wraps every data graph in a Dataset, and only ever reads this one).

    A batch is one graph, so the per-triple context bookkeeping of rdflib's default store
    buys nothing here; without it, filling and reading the batch is about 3x faster.
    """

    context_aware = True
    graph_aware = True


# ---------------------------------------------------------------- the validator


class Validator:
    """Validates review graphs; holds the parsed shapes and reference data between calls."""

    def __init__(self, shapes: Graph, reference: Graph | None = None, batch_size: int = DEFAULT_BATCH) -> None:
        self.shapes = shapes
        self.core = Graph()
        for triple in shapes:
            if triple[1] != SH.sparql:
                self.core.add(triple)
        self.sparql = SparqlConstraint.from_shapes(shapes)
        links = {p for s in shapes.subjects(SH["class"], None) for p in shapes.objects(s, SH.path)
                 if isinstance(p, URIRef)}
        reference = reference if reference is not None else Graph()
        self.reference = Reference(reference, links | {DHR.succeededBy})
        self._reference_quads = to_quads(reference, REFERENCE_GRAPH)
        self.batch_size = batch_size
        self.timings: dict[str, float] = {}  # seconds spent per phase, summed over calls

    @classmethod
    def load(cls, files: Sequence[str | Path] | None = None, reference: Sequence[str | Path] | Graph | None = None,
             batch_size: int = DEFAULT_BATCH) -> Validator:
        """Shapes from `files` (default: the bundled shapes); reference data from Turtle files
        or a graph (default: the bundled ontology, schemes and registry)."""
        shapes = _read_turtle(files if files is not None else sorted(resources.shapes_dir().glob("*.ttl")))
        if not isinstance(reference, Graph):
            reference = _read_turtle(reference if reference is not None
                                     else sorted(resources.ontology_dir().glob("*.ttl")))
        return cls(shapes, reference, batch_size)

    def validate(self, graph: Graph, source: str = "", iri: str | None = None) -> ValidationResult:
        """Validate one review graph."""
        return self.validate_many([ReviewGraph(iri or "", graph, source)])[0]

    def validate_many(self, reviews: Sequence[ReviewGraph],
                      sparql_store: ox.Store | None = None) -> list[ValidationResult]:
        """Validate many review graphs, in batches; one result per review, in order.

        `sparql_store`, when given, already holds these reviews and the reference data (an
        on-disk store): the SHACL-SPARQL constraints then run on it once, for all reviews.
        """
        rows = self.sparql_rows(sparql_store) if sparql_store is not None else None
        out: list[ValidationResult] = []
        for start in range(0, len(reviews), self.batch_size):
            out.extend(self._batch(reviews[start:start + self.batch_size], rows))
        return out

    def sparql_rows(self, store: ox.Store) -> list[tuple[SparqlConstraint, dict[str, Node]]]:
        """Every SHACL-SPARQL result in `store` (which holds reviews and reference data)."""
        clock = time.perf_counter()
        rows = [(c, row) for c in self.sparql for row in c.run(store)]
        self._tick("SHACL-SPARQL", clock)
        return rows

    def _batch(self, reviews: Sequence[ReviewGraph], rows: list | None) -> list[ValidationResult]:
        clock = time.perf_counter()
        data = Graph(store=_BatchStore())
        add = data.store.add
        owners: dict[Node, list[int]] = defaultdict(list)  # subject -> reviews describing it
        users: dict[Node, list[int]] = defaultdict(list)  # reference subject -> reviews pointing at it
        for i, rg in enumerate(reviews):
            triples = rg.all_triples()
            for s in {t[0] for t in triples}:
                owners[s].append(i)
            for node in self.reference.about(triples):
                users[node].append(i)
            for triple in triples:
                add(triple, data)
        for triple in self.reference.triples(users):
            add(triple, data)
        for triple in self.reference.hierarchy:
            add(triple, data)
        clock = self._tick("prepare", clock)

        raw: list[tuple[str, Node, Node | None, Node | None, Node | None, str]] = []
        _, report, _ = shacl_validate(data, shacl_graph=self.core, inference="none", advanced=False,
                                      inplace=True, allow_warnings=True, allow_infos=True)
        for node in report.subjects(RDF.type, SH.ValidationResult):
            raw.append((
                str(report.value(node, SH.resultSeverity)).rsplit("#", 1)[-1],
                report.value(node, SH.focusNode),
                report.value(node, SH.resultPath),
                report.value(node, SH.value),
                report.value(node, SH.sourceShape),
                str(report.value(node, SH.resultMessage) or "does not conform"),
            ))
        clock = self._tick("core shapes (pySHACL)", clock)

        if rows is None:
            rows = self._sparql(reviews)
        for constraint, row in rows:
            if row.get("this") in owners:
                raw.append((constraint.severity, row["this"], row.get("path"), row.get("value"),
                            constraint.shape, constraint.render(row)))
        clock = self._tick("SHACL-SPARQL", clock)

        per_review: list[list[ShapeResult]] = [[] for _ in reviews]
        graphs: dict[int, Graph] = {}  # only reviews with results need to be looked into
        for severity, focus, path, value, shape, message in raw:
            for i in self._owners_of(reviews, owners, users, focus, path, value):
                graph = graphs.get(i) or graphs.setdefault(i, reviews[i].rdf())
                per_review[i].append(ShapeResult(
                    severity=severity, focus=str(focus), path=_str(path), message=message, value=_str(value),
                    shape=_str(shape), numbers=_numbers(graph, focus, value),
                    terms=(focus, path, value, shape)))
        out = [
            ValidationResult(rg.source, tuple(sorted(set(rs), key=_order)), rg.iri or None)
            for rg, rs in zip(reviews, per_review)
        ]
        self._tick("results", clock)
        return out

    def _sparql(self, reviews: Sequence[ReviewGraph]) -> list[tuple[SparqlConstraint, dict[str, Node]]]:
        """Run the SHACL-SPARQL constraints on a throw-away Oxigraph store of this batch."""
        store = ox.Store()
        conv = _TermConverter()
        quads = list(self._reference_quads)
        for n, rg in enumerate(reviews):
            quads.extend(rg.quads if rg.quads is not None else to_quads(rg.rdf(), rg.iri or f"urn:dhr:batch:{n}", conv))
        store.bulk_extend(quads)
        return [(c, row) for c in self.sparql for row in c.run(store)]

    def _tick(self, phase: str, since: float) -> float:
        now = time.perf_counter()
        self.timings[phase] = self.timings.get(phase, 0.0) + now - since
        return now

    @staticmethod
    def _owners_of(reviews: Sequence[ReviewGraph], owners: dict, users: dict, focus: Node,
                   path: Node | None, value: Node | None) -> list[int]:
        """The reviews a result belongs to; on a node several reviews describe, only those
        whose own graph holds the offending value."""
        found = owners.get(focus) or users.get(focus) or []
        if len(found) > 1 and isinstance(path, URIRef) and value is not None:
            narrowed = [i for i in found if (focus, path, value) in set(reviews[i].all_triples())]
            return narrowed or found
        return found


def _str(node: Node | None) -> str | None:
    return None if node is None else str(node)


def _order(r: ShapeResult) -> tuple:
    return (SEVERITIES.index(r.severity) if r.severity in SEVERITIES else 9, r.numbers, r.message, r.focus)


def _numbers(graph: Graph, focus: Node, value: Node | None) -> tuple[str, ...]:
    """Recommendation number(s) a result concerns, found from its focus node or value."""
    for node in (focus, value):
        if node is None or isinstance(node, Literal):
            continue
        number = graph.value(node, DHR.number)
        if number is not None:
            return (str(number),)
        for link in _OWNER_LINKS:
            rec = graph.value(None, link, node)
            if rec is not None and graph.value(rec, DHR.number) is not None:
                return (str(graph.value(rec, DHR.number)),)
    if focus is not None and (focus, RDF.type, DHR.Review) not in graph:
        recs = {str(graph.value(rec, DHR.number)) for link in _NAMING_LINKS for rec in graph.subjects(link, focus)
                if graph.value(rec, DHR.number) is not None}
        if recs:
            return tuple(sorted(recs, key=natural_key))
    return ()


def _read_turtle(files: Iterable[str | Path]) -> Graph:
    graph = Graph()
    for path in files:
        try:
            graph.parse(str(path), format="turtle")
        except Exception as exc:  # rdflib raises several unrelated types for bad Turtle
            raise ValidationError(f"{path}: cannot read Turtle: {exc}") from None
    return graph


# ---------------------------------------------------------------- reports


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
                          "focus": x.focus, "path": x.path, "value": x.value, "shape": x.shape}
                         for x in r.results]}
            for r in results
        ],
    }, indent=2, ensure_ascii=False) + "\n"


def report_graph(results: Sequence[ValidationResult]) -> Graph:
    """A standard SHACL validation report (one sh:ValidationReport for all reviews)."""
    g = Graph()
    g.bind("sh", SH)
    g.bind("dhr", DHR)
    report = BNode()
    g.add((report, RDF.type, SH.ValidationReport))
    g.add((report, SH.conforms, Literal(all(r.conforms for r in results))))
    for r in results:
        for x in r.results:
            node = BNode()
            focus, path, value, shape = (x.terms + (None, None, None, None))[:4]
            g.add((report, SH.result, node))
            g.add((node, RDF.type, SH.ValidationResult))
            g.add((node, SH.resultSeverity, SH[x.severity]))
            g.add((node, SH.focusNode, focus if focus is not None else URIRef(x.focus)))
            g.add((node, SH.resultMessage, Literal(x.message)))
            for pred, term in ((SH.resultPath, path), (SH.value, value), (SH.sourceShape, shape)):
                if term is not None:
                    g.add((node, pred, term))
            if r.graph:
                g.add((node, DHR.sourceFile, Literal(r.source)))
            for number in x.numbers:
                g.add((node, DHR.number, Literal(number, datatype=XSD.string)))
    return g


# ---------------------------------------------------------------- a whole store


class _FromOxCache:
    """pyoxigraph -> rdflib terms, caching the terms that repeat across reviews."""

    def __init__(self) -> None:
        self._cache: dict[object, Node] = {}

    def __call__(self, term: object) -> Node:
        node = self._cache.get(term)
        if node is None:
            node = self._cache[term] = _from_ox(term)
        return node

    def graph(self, quads: Iterable[ox.Quad]) -> list[tuple[Node, Node, Node]]:
        return [(self(q.subject), self(q.predicate), self(q.object)) for q in quads]


def validate_store(store: GraphStore, validator: Validator | None = None,
                   shapes: Sequence[str | Path] | None = None) -> list[ValidationResult]:
    """Validate every review graph of an on-disk store against the store's own reference graphs.

    A review graph is a named graph holding a `dhr:Review`; reference data is every other
    graph under `https://w3id.org/dhr-graph/graph/` (ontology, schemes, registry, user
    files), not the computed link graphs. The SHACL-SPARQL constraints run once on the store
    itself; the core shapes run on the review graphs, read and checked a batch at a time so
    that memory stays flat however large the store.
    """
    db = store.store
    review_graphs = sorted({q.graph_name.value for q in db.quads_for_pattern(
        None, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(DHR.Review)), None)
        if isinstance(q.graph_name, ox.NamedNode)})
    convert = _FromOxCache()
    if validator is None:
        reference = Graph()
        reviews_set = set(review_graphs)
        for name in store.named_graphs():
            if name.startswith(str(GRAPH)) and name not in reviews_set:
                for triple in convert.graph(store.quads(name)):
                    reference.add(triple)
        shapes_graph = _read_turtle(shapes if shapes is not None else sorted(resources.shapes_dir().glob("*.ttl")))
        validator = Validator(shapes_graph, reference)
    rows = validator.sparql_rows(db)
    out: list[ValidationResult] = []
    for start in range(0, len(review_graphs), validator.batch_size):
        batch = []
        for name in review_graphs[start:start + validator.batch_size]:
            triples = convert.graph(store.quads(name))
            source = next((o for s, p, o in triples if p == DHR.sourceFile and s == URIRef(name)), None)
            batch.append(ReviewGraph(name, None, str(source) if source is not None else name, triples=triples))
        out.extend(validator._batch(batch, rows))
    return out
