"""SHACL Core shapes compiled to SPARQL, each run once for every review by Oxigraph.

A general SHACL engine (pySHACL) walks an rdflib graph focus node by focus node; at national
scale that costs more than everything else in a build. Our shapes use a small part of SHACL
Core: targets by class (with subclasses) or by subject of a property, predicate paths, and
the count, value-type, node-kind, pattern, length, range, `sh:in` and `sh:hasValue`
components. Each (shape, component) pair compiles to one SELECT that returns only the
violating focus nodes (and values), over all reviews at once, so a check costs one index
scan however many reviews there are.

A shapes graph that uses anything else (`sh:or`, `sh:node`, complex paths, a datatype whose
lexical form we do not check, ...) raises `Unsupported`, and the validator runs pySHACL
instead: the compiled engine is an optimisation, never a different set of rules. Tests run
both engines on the same graphs and compare their results.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

# Lexical forms of the XSD datatypes we check (XML Schema 1.1 Part 2); sh:datatype also
# requires a well-formed value, so a datatype absent here is left to pySHACL.
_LEXICAL = {
    XSD.string: None, XSD.anyURI: None,
    XSD.gYear: r"^-?[0-9]{4,}(Z|[+-][0-9]{2}:[0-9]{2})?$",
    XSD.gYearMonth: r"^-?[0-9]{4,}-(0[1-9]|1[0-2])(Z|[+-][0-9]{2}:[0-9]{2})?$",
    XSD.date: r"^-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(Z|[+-][0-9]{2}:[0-9]{2})?$",
    XSD.dateTime: r"^-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-4]):[0-5][0-9]:"
                  r"[0-5][0-9](\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$",
    XSD.decimal: r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$",
    XSD.integer: r"^[+-]?[0-9]+$",
    XSD.boolean: r"^(true|false|1|0)$",
}
_NODE_KINDS = {  # sh:nodeKind -> SPARQL test that the value is NOT of that kind
    SH.IRI: "!isIRI(?value)", SH.Literal: "!isLiteral(?value)", SH.BlankNode: "!isBlank(?value)",
    SH.BlankNodeOrIRI: "isLiteral(?value)", SH.BlankNodeOrLiteral: "isIRI(?value)",
    SH.IRIOrLiteral: "isBlank(?value)",
}
_RANGES = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}
_TARGETS = {SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode}
_VALUE_COMPONENTS = {SH.datatype, SH["class"], SH.nodeKind, SH.pattern, SH["in"], SH.minLength, SH.maxLength,
                     *_RANGES}
_COUNT_COMPONENTS = {SH.minCount, SH.maxCount, SH.hasValue}
# what a shape may say besides its constraints, and what it may say that is not a constraint
_UNDERSTOOD = {*_TARGETS, *_VALUE_COMPONENTS, *_COUNT_COMPONENTS, SH.path, SH.property, SH.message, SH.severity,
               SH.deactivated, SH.flags, SH.name, SH.description, SH.order, SH.group, SH.sparql, SH.declare}
_SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"


class Unsupported(Exception):
    """The shapes use SHACL beyond what this module compiles; the caller falls back to pySHACL."""


@dataclass(frozen=True)
class Check:
    """One compiled constraint: a SELECT of `?this` (and `?value`, for value constraints) per violation."""

    shape: Node
    component: str
    severity: str  # "Violation" | "Warning" | "Info"
    message: str
    path: URIRef | None
    query: str

    def run(self, store: ox.Store) -> Iterator[tuple]:
        """(focus, value or None) pyoxigraph terms of each violation, over the union of all
        the store's graphs."""
        solutions = store.query(self.query, use_default_graph_as_union=True)
        with_value = any(v.value == "value" for v in solutions.variables)
        for row in solutions:
            yield row["this"], row["value"] if with_value else None


def compile_shapes(shapes: Graph) -> list[Check]:
    """Every core constraint of `shapes` as a Check; raises Unsupported for anything else."""
    checks: list[Check] = []
    for shape in sorted(_shapes(shapes), key=str):
        if shapes.value(shape, SH.deactivated) == Literal(True):
            continue
        checks.extend(_compile(shapes, shape))
    return checks


def _shapes(shapes: Graph) -> set[Node]:
    found: set[Node] = set()
    for kind in (SH.NodeShape, SH.PropertyShape):
        found.update(shapes.subjects(RDF.type, kind))
    for target in _TARGETS:
        found.update(shapes.subjects(target, None))
    found.update(shapes.objects(None, SH.property))
    return found


def _targets(shapes: Graph, shape: Node) -> list[str]:
    """SPARQL patterns binding ?this to each focus node of `shape` (or of its parent node shapes)."""
    out = []
    for c in shapes.objects(shape, SH.targetClass):
        out.append(f"?this a/{_SUBCLASS}* {_term(c)} .")
    for p in shapes.objects(shape, SH.targetSubjectsOf):
        out.append(f"?this {_term(p)} [] .")
    for p in shapes.objects(shape, SH.targetObjectsOf):
        out.append(f"[] {_term(p)} ?this .")
    for n in shapes.objects(shape, SH.targetNode):
        out.append(f"VALUES ?this {{ {_term(n)} }}")
    for parent in shapes.subjects(SH.property, shape):
        out.extend(_targets(shapes, parent))
    return out


def _compile(shapes: Graph, shape: Node) -> list[Check]:
    for p in set(shapes.predicates(shape, None)):
        if str(p).startswith(str(SH)) and p not in _UNDERSTOOD:
            raise Unsupported(f"shape {shape}: {p.n3(shapes.namespace_manager)} is not compiled")
    if (shape, SH.sparql, None) in shapes and (shape, SH.path, None) not in shapes and \
            not set(shapes.predicates(shape, None)) & (_VALUE_COMPONENTS | _COUNT_COMPONENTS):
        return []  # a SHACL-SPARQL node shape: run by validation.SparqlConstraint
    targets = _targets(shapes, shape)
    if not targets:
        return []  # a shape without targets validates nothing on its own
    path = shapes.value(shape, SH.path)
    if path is not None and not isinstance(path, URIRef):
        raise Unsupported(f"shape {shape}: only predicate paths are compiled")
    if (shape, SH.sparql, None) in shapes:
        raise Unsupported(f"shape {shape}: mixes core and SHACL-SPARQL constraints")
    severity = str(shapes.value(shape, SH.severity) or SH.Violation).rsplit("#", 1)[-1]
    message = str(shapes.value(shape, SH.message) or "")
    focus = "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(f"{{ {t} }}" for t in targets) + " } }"
    values = f"?this {_term(path)} ?value ." if path is not None else "BIND(?this AS ?value)"
    checks: list[Check] = []
    tests: list[tuple[str, str]] = []

    def add(component: str, query: str, default_message: str) -> None:
        checks.append(Check(shape, component, severity, message or default_message, path, query))

    for component, obj in shapes.predicate_objects(shape):
        name = str(component).rsplit("#", 1)[-1]
        if component in (SH.minCount, SH.maxCount):
            if path is None:
                raise Unsupported(f"shape {shape}: sh:{name} without sh:path")
            n = int(obj)
            count = f"(COUNT(DISTINCT ?v) {'<' if component == SH.minCount else '>'} {n})"
            if component == SH.minCount and n == 1:
                query = f"SELECT ?this WHERE {{ {focus} MINUS {{ ?this {_term(path)} ?v }} }}"
            elif component == SH.minCount:
                query = (f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {_term(path)} ?v }} }} "
                         f"GROUP BY ?this HAVING {count}")
            else:
                query = f"SELECT ?this WHERE {{ {focus} ?this {_term(path)} ?v }} GROUP BY ?this HAVING {count}"
            add(name, query, f"{'Less' if component == SH.minCount else 'More'} than {n} values")
        elif component == SH.hasValue:
            query = f"SELECT ?this WHERE {{ {focus} MINUS {{ ?this {_term(path)} {_term(obj)} }} }}" \
                if path is not None else f"SELECT ?this WHERE {{ {focus} FILTER(?this != {_term(obj)}) }}"
            add(name, query, f"Missing value {obj}")
        elif component == SH["class"]:  # one anti-join with all instances, not a path search per value
            add(name, f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {values} "
                      f"MINUS {{ ?value a/{_SUBCLASS}* {_term(obj)} }} }}", f"Value does not satisfy sh:{name}")
        elif component in _VALUE_COMPONENTS:
            tests.append((name, _violation(shapes, shape, component, obj)))
    if tests:
        # one scan for all the value tests of a shape: a value failing two of them is one
        # result, as the shape's message is the same (an error in a test means no violation)
        names = "+".join(sorted(n for n, _ in tests))
        failing = " || ".join(f"COALESCE({t}, false)" for _, t in tests)
        add(names, f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {values} FILTER({failing}) }}",
            f"Value does not satisfy sh:{names}")
    return checks


def _violation(shapes: Graph, shape: Node, component: URIRef, obj: Node) -> str:
    """A SPARQL expression true when ?value breaks `component` with parameter `obj`."""
    if component == SH.datatype:
        if obj not in _LEXICAL and obj != RDF.langString:
            raise Unsupported(f"shape {shape}: sh:datatype {obj} has no lexical check here")
        test = f"isLiteral(?value) && DATATYPE(?value) = {_term(obj)}"
        if _LEXICAL.get(obj):
            test += f" && REGEX(STR(?value), {_string(_LEXICAL[obj])})"
        return f"!({test})"
    if component == SH.nodeKind:
        if obj not in _NODE_KINDS:
            raise Unsupported(f"shape {shape}: unknown sh:nodeKind {obj}")
        return _NODE_KINDS[obj]
    if component == SH.pattern:
        flags = shapes.value(shape, SH.flags)
        args = f"{_string(str(obj))}, {_string(str(flags))}" if flags else _string(str(obj))
        # Oxigraph's regex engine has no look-around or back-references; a pattern it cannot
        # read would make every FILTER fail silently, so such a shape goes to pySHACL
        probe = ox.Store().query(f'SELECT (REGEX("", {args}) AS ?ok) WHERE {{}}')
        if next(iter(probe))["ok"] is None:
            raise Unsupported(f"shape {shape}: sh:pattern {obj!s} is beyond Oxigraph's regular expressions")
        return f"isBlank(?value) || !REGEX(STR(?value), {args})"
    if component == SH["in"]:
        members = list(Collection(shapes, obj))
        return "!(" + " || ".join(f"sameTerm(?value, {_term(m)})" for m in members) + ")" if members else "true"
    if component in (SH.minLength, SH.maxLength):
        op = "<" if component == SH.minLength else ">"
        return f"isBlank(?value) || STRLEN(STR(?value)) {op} {int(obj)}"
    return f"!COALESCE(?value {_RANGES[component]} {_term(obj)}, false)"


def _term(node: Node) -> str:
    if isinstance(node, BNode):
        raise Unsupported(f"blank node {node} used as a constraint value")
    return node.n3()


def _string(text: str) -> str:
    return Literal(text).n3()
