"""SHACL Core shapes compiled to SPARQL, each run once for every review by Oxigraph.

A general SHACL engine (pySHACL) walks an rdflib graph focus node by focus node; at national
scale that costs more than everything else in a build. Our shapes use a small part of SHACL
Core: targets by class (explicit, or implicit for a shape that is also a class), node, subject
or object of a property, predicate paths, property shapes of node shapes, and the count,
value-type, node-kind, pattern, length, range, `sh:in` and `sh:hasValue` components. Each
(shape, component) pair compiles to one SELECT that returns only the violating focus nodes
(and values), over all reviews at once, so a check costs one index scan however many reviews
there are; the value tests of a shape share one SELECT, and so do its sh:minCount and
sh:maxCount (one count per focus node, checked against both bounds).

A shapes graph that uses anything else (`sh:or`, `sh:node`, complex paths, a property shape
inside a property shape, a datatype whose lexical form we do not check, a literal that
Oxigraph would store in another lexical form, ...) raises `Unsupported`, and the validator runs
pySHACL instead: the compiled engine is an optimisation, never a different set of rules. The
W3C SHACL Core test suite (tests/test_shacl_suite.py) runs through both paths.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from .terms import to_ox

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
               SH.deactivated, SH.flags, SH.name, SH.description, SH.order, SH.group, SH.sparql, SH.declare,
               SH.defaultValue}
_SUBCLASS = f"<{RDFS.subClassOf}>"


class Unsupported(Exception):
    """The shapes use SHACL beyond what this module compiles; the caller falls back to pySHACL."""


def component_of(parameter: URIRef) -> URIRef:
    """The constraint component of a core parameter: sh:minCount -> sh:MinCountConstraintComponent."""
    name = str(parameter)[len(str(SH)):]
    return SH[name[0].upper() + name[1:] + "ConstraintComponent"]


@dataclass(frozen=True)
class Check:
    """One compiled query: a SELECT of `?this` (and `?value`, for value constraints) per violation.

    A check of several value constraints of one shape (`components`, in the order of the
    query's `?c0`, `?c1`, ... columns) scans the values once and yields one violation per
    constraint a value breaks.
    """

    shape: Node
    components: tuple[URIRef, ...]
    severity: URIRef
    message: str
    path: URIRef | None
    query: str
    # a message per component, where they differ (a min/max count pair without sh:message)
    messages: tuple[str, ...] = ()

    def message_for(self, component: URIRef) -> str:
        """The result message of a violation of `component`."""
        return self.messages[self.components.index(component)] if self.messages else self.message

    @property
    def component(self) -> str:
        """Local names of the components, for people (timings, logs)."""
        return "+".join(str(c)[len(str(SH)):] for c in self.components)

    def run(self, store: ox.Store) -> Iterator[tuple]:
        """(focus, value or None, component) of each violation, over the union of the store's graphs."""
        solutions = store.query(self.query, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        names = {v.value for v in solutions.variables}
        with_value = "value" in names
        if len(self.components) == 1:
            for row in solutions:
                yield row["this"], row["value"] if with_value else None, self.components[0]
            return
        for row in solutions:
            for i, component in enumerate(self.components):
                if row[f"c{i}"] == _TRUE:
                    yield row["this"], row["value"] if with_value else None, component


_TRUE = ox.Literal("true", datatype=ox.NamedNode(str(XSD.boolean)))


def compile_shapes(shapes: Graph) -> list[Check]:
    """Every core constraint of `shapes` as a Check; raises Unsupported for anything else."""
    checks: list[Check] = []
    for shape in sorted(_shapes(shapes), key=str):
        if _deactivated(shapes, shape):
            continue
        checks.extend(_compile(shapes, shape))
    return checks


def _deactivated(shapes: Graph, shape: Node) -> bool:
    return any(v == Literal(True) for v in shapes.objects(shape, SH.deactivated))


def _class_types(shapes: Graph) -> set[Node]:
    """rdfs:Class and its subclasses in the shapes graph (SHACL instances of rdfs:Class)."""
    return {c for c in shapes.transitive_subjects(RDFS.subClassOf, RDFS.Class) if c is not None}


def _is_implicit_class(shapes: Graph, shape: Node) -> bool:
    """A shape that is also a class targets that class's instances (SHACL 2.1.3.1)."""
    return any((shape, RDF.type, t) in shapes for t in _class_types(shapes)) and \
        any((shape, RDF.type, k) in shapes for k in (SH.NodeShape, SH.PropertyShape))


def _shapes(shapes: Graph) -> set[Node]:
    found: set[Node] = set()
    for kind in (SH.NodeShape, SH.PropertyShape):
        found.update(shapes.subjects(RDF.type, kind))
    for target in _TARGETS:
        found.update(shapes.subjects(target, None))
    found.update(shapes.objects(None, SH.property))
    return found


def _own_targets(shapes: Graph, shape: Node) -> list[str]:
    """SPARQL patterns binding ?this to each target of `shape` itself."""
    out = []
    classes = list(shapes.objects(shape, SH.targetClass))
    if _is_implicit_class(shapes, shape):
        classes.append(shape)
    for c in classes:
        out.append(f"?this a/{_SUBCLASS}* {_term(c)} .")
    for p in shapes.objects(shape, SH.targetSubjectsOf):
        out.append(f"?this {_term(p)} [] .")
    for p in shapes.objects(shape, SH.targetObjectsOf):
        out.append(f"[] {_term(p)} ?this .")
    for n in shapes.objects(shape, SH.targetNode):
        out.append(f"VALUES ?this {{ {_term(n)} }}")
    return out


def _routes(shapes: Graph, shape: Node) -> list[list[str]]:
    """The ways focus nodes reach `shape`: its own targets, and those of each active node shape
    holding it as sh:property. SHACL reports a result once per way, so each is kept apart."""
    routes = []
    own = _own_targets(shapes, shape)
    if own:
        routes.append(own)
    for parent in sorted(shapes.subjects(SH.property, shape), key=str):
        if (parent, SH.path, None) in shapes or (None, SH.property, parent) in shapes:
            raise Unsupported(f"shape {shape}: a property shape inside a property shape is not compiled")
        if _deactivated(shapes, parent):
            continue  # a deactivated shape has no constraints, sh:property included
        targets = _own_targets(shapes, parent)
        if targets:
            routes.append(targets)
    return routes


def _compile(shapes: Graph, shape: Node) -> list[Check]:
    for p in set(shapes.predicates(shape, None)):
        if str(p).startswith(str(SH)) and p not in _UNDERSTOOD:
            raise Unsupported(f"shape {shape}: {p.n3(shapes.namespace_manager)} is not compiled")
    if (shape, SH.sparql, None) in shapes and (shape, SH.path, None) not in shapes and \
            not set(shapes.predicates(shape, None)) & (_VALUE_COMPONENTS | _COUNT_COMPONENTS):
        return []  # a SHACL-SPARQL node shape: run by validation.SparqlConstraint
    routes = _routes(shapes, shape)
    if not routes:
        return []  # a shape no focus node reaches validates nothing
    paths = list(shapes.objects(shape, SH.path))
    path: URIRef | None = None
    if paths:
        if len(paths) > 1 or not isinstance(paths[0], URIRef):
            raise Unsupported(f"shape {shape}: only one predicate path is compiled")
        path = paths[0]
    if (shape, SH.sparql, None) in shapes:
        raise Unsupported(f"shape {shape}: mixes core and SHACL-SPARQL constraints")
    severities = list(shapes.objects(shape, SH.severity))
    severity: URIRef = SH.Violation
    if severities:
        if len(severities) > 1 or not isinstance(severities[0], URIRef):
            raise Unsupported(f"shape {shape}: sh:severity must be one IRI")
        severity = severities[0]
    message = str(shapes.value(shape, SH.message) or "")
    if len(routes) == 1:
        keys, focus = "?this", _focus(routes[0])
    else:  # one row per route and focus node: a node reached twice gives two results, as in SHACL
        keys = "?route ?this"
        focus = "{ " + " UNION ".join(f"{{ {_focus(r)} BIND({i} AS ?route) }}" for i, r in enumerate(routes)) + " }"
    values = f"?this {_term(path)} ?value ." if path is not None else "BIND(?this AS ?value)"
    checks: list[Check] = []
    tests: list[tuple[URIRef, str]] = []

    def add(parameter: URIRef, query: str, default_message: str) -> None:
        checks.append(Check(shape, (component_of(parameter),), severity, message or default_message, path, query))

    bounds = {p: list(shapes.objects(shape, p)) for p in (SH.minCount, SH.maxCount)}
    paired = path is not None and all(len(b) == 1 for b in bounds.values())
    if paired:
        assert path is not None
        # one scan for both bounds: each focus node's count of values (none: 0), checked
        # against each bound, a column per bound as for the value tests. The counts are
        # grouped by subject alone and joined to the focus nodes: Oxigraph groups a plain
        # triple pattern much faster than the OPTIONAL join of focus nodes and values
        low, high = (_integer(shape, p, bounds[p][0]) for p in (SH.minCount, SH.maxCount))
        words = () if message else (f"More than {high} values", f"Less than {low} values")
        checks.append(Check(
            shape, (component_of(SH.maxCount), component_of(SH.minCount)), severity, message or "; ".join(words), path,
            f"SELECT {keys} ?c0 ?c1 WHERE {{ {focus} OPTIONAL {{ SELECT ?this (COUNT(DISTINCT ?v) AS ?n) "
            f"WHERE {{ ?this {_term(path)} ?v }} GROUP BY ?this }} BIND(COALESCE(?n, 0) AS ?count) "
            f"BIND(?count > {high} AS ?c0) BIND(?count < {low} AS ?c1) FILTER(?c0 || ?c1) }}",
            words))

    for parameter, obj in sorted(shapes.predicate_objects(shape)):
        if not isinstance(parameter, URIRef):
            continue
        name = str(parameter).rsplit("#", 1)[-1]
        if parameter in (SH.minCount, SH.maxCount) and paired:
            continue
        if parameter in (SH.minCount, SH.maxCount):
            if path is None:
                raise Unsupported(f"shape {shape}: sh:{name} without sh:path")
            n = _integer(shape, parameter, obj)
            count = f"(COUNT(DISTINCT ?v) {'<' if parameter == SH.minCount else '>'} {n})"
            if parameter == SH.minCount and n == 1:
                query = f"SELECT {keys} WHERE {{ {focus} MINUS {{ ?this {_term(path)} ?v }} }}"
            elif parameter == SH.minCount:
                query = (f"SELECT {keys} WHERE {{ {focus} OPTIONAL {{ ?this {_term(path)} ?v }} }} "
                         f"GROUP BY {keys} HAVING {count}")
            else:
                query = f"SELECT {keys} WHERE {{ {focus} ?this {_term(path)} ?v }} GROUP BY {keys} HAVING {count}"
            add(parameter, query, f"{'Less' if parameter == SH.minCount else 'More'} than {n} values")
        elif parameter == SH.hasValue:
            query = f"SELECT {keys} WHERE {{ {focus} MINUS {{ ?this {_term(path)} {_term(obj)} }} }}" \
                if path is not None else f"SELECT {keys} WHERE {{ {focus} FILTER(!sameTerm(?this, {_term(obj)})) }}"
            add(parameter, query, f"Missing value {obj}")
        elif parameter == SH["class"]:  # one anti-join with all instances, not a path search per value
            add(parameter, f"SELECT DISTINCT {keys} ?value WHERE {{ {focus} {values} "
                           f"MINUS {{ ?value a/{_SUBCLASS}* {_term(obj)} }} }}", f"Value does not satisfy sh:{name}")
        elif parameter in _VALUE_COMPONENTS:
            tests.append((parameter, _violation(shapes, shape, parameter, obj)))
    if len(tests) == 1:
        (parameter, test), = tests
        add(parameter, f"SELECT DISTINCT {keys} ?value WHERE {{ {focus} {values} FILTER(COALESCE({test}, false)) }}",
            f"Value does not satisfy sh:{str(parameter).rsplit('#', 1)[-1]}")
    elif tests:
        # one scan for all the value tests of a shape; then, for the few values that fail, a
        # column per test: a value breaking two of them gives two results (an error in a test
        # means no violation)
        failing = " || ".join(f"COALESCE({t}, false)" for _, t in tests)
        binds = " ".join(f"BIND(COALESCE({t}, false) AS ?c{i})" for i, (_, t) in enumerate(tests))
        columns = " ".join(f"?c{i}" for i in range(len(tests)))
        names = "+".join(str(p).rsplit("#", 1)[-1] for p, _ in tests)
        checks.append(Check(shape, tuple(component_of(p) for p, _ in tests), severity,
                            message or f"Value does not satisfy sh:{names}", path,
                            f"SELECT DISTINCT {keys} ?value {columns} WHERE {{ "
                            f"{{ {focus} {values} FILTER({failing}) }} {binds} }}"))
    return checks


def _focus(targets: list[str]) -> str:
    return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(f"{{ {t} }}" for t in targets) + " } }"


def _integer(shape: Node, parameter: URIRef, obj: Node) -> int:
    try:
        return int(str(obj)) if isinstance(obj, Literal) else int("x")
    except ValueError:
        raise Unsupported(f"shape {shape}: {parameter} {obj} is not an integer") from None


def _violation(shapes: Graph, shape: Node, component: URIRef, obj: Node) -> str:
    """A SPARQL expression true when ?value breaks `component` with parameter `obj`."""
    if component in (SH.datatype, SH.nodeKind) and not isinstance(obj, URIRef):
        raise Unsupported(f"shape {shape}: {component} {obj} is not an IRI")
    if component == SH.datatype:
        assert isinstance(obj, URIRef)
        if obj not in _LEXICAL and obj != RDF.langString:
            raise Unsupported(f"shape {shape}: sh:datatype {obj} has no lexical check here")
        test = f"isLiteral(?value) && DATATYPE(?value) = {_term(obj)}"
        lexical = _LEXICAL.get(obj)
        if lexical:
            test += f" && REGEX(STR(?value), {_string(lexical)})"
        return f"!({test})"
    if component == SH.nodeKind:
        assert isinstance(obj, URIRef)
        if obj not in _NODE_KINDS:
            raise Unsupported(f"shape {shape}: unknown sh:nodeKind {obj}")
        return _NODE_KINDS[obj]
    if component == SH.pattern:
        flags = shapes.value(shape, SH.flags)
        args = f"{_string(str(obj))}, {_string(str(flags))}" if flags else _string(str(obj))
        # Oxigraph's regex engine has no look-around or back-references; a pattern it cannot
        # read would make every FILTER fail silently, so such a shape goes to pySHACL
        probe = ox.Store().query(f'SELECT (REGEX("", {args}) AS ?ok) WHERE {{}}')
        assert isinstance(probe, ox.QuerySolutions)
        if next(iter(probe))["ok"] is None:
            raise Unsupported(f"shape {shape}: sh:pattern {obj!s} is beyond Oxigraph's regular expressions")
        return f"isBlank(?value) || !REGEX(STR(?value), {args})"
    if component == SH["in"]:
        members = list(Collection(shapes, obj))
        return "!(" + " || ".join(f"sameTerm(?value, {_term(m)})" for m in members) + ")" if members else "true"
    if component in (SH.minLength, SH.maxLength):
        op = "<" if component == SH.minLength else ">"
        return f"isBlank(?value) || STRLEN(STR(?value)) {op} {_integer(shape, component, obj)}"
    if not isinstance(obj, Literal):
        raise Unsupported(f"shape {shape}: {component} {obj} is not a literal")
    return f"!COALESCE(?value {_RANGES[component]} {_term(obj)}, false)"


def _term(node: Node) -> str:
    if isinstance(node, BNode):
        raise Unsupported(f"blank node {node} used as a constraint value")
    if isinstance(node, Literal) and not is_canonical(node):
        raise Unsupported(f"literal {node.n3()} would be read by Oxigraph in another lexical form")
    return node.n3()


@functools.lru_cache(maxsize=4096)
def _stored(term: ox.Literal) -> ox.Literal:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:x"), ox.NamedNode("urn:x"), term))
    return next(iter(store)).object


def is_canonical(literal: Literal) -> bool:
    """Whether Oxigraph keeps this literal as written (it stores "4.0"^^xsd:decimal as "4")."""
    if literal.language or literal.datatype is None or literal.datatype == XSD.string:
        return True
    term = to_ox(literal)
    return _stored(term) == term


def _string(text: str) -> str:
    return Literal(text).n3()
