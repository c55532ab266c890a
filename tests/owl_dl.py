"""A focused OWL 2 DL checker over an RDF graph, for the rules an ontology like ours can break.

Not a full OWL 2 DL profile check (that needs the OWL API); it checks, with rdflib, what the
OWL 2 Structural Specification and its RDF mapping require of declarations and datatypes:

1. every datatype an axiom or a data property value uses is in the OWL 2 datatype map
   (`xsd:gYear`, `xsd:date`, `xsd:gYearMonth` are not), or is declared `rdfs:Datatype` with an
   IRI outside the reserved vocabulary;
2. no reserved (built-in) vocabulary is used as a class (`rdfs:range owl:DatatypeProperty`);
3. every property, of the ontology and of the data checked with it, is declared exactly one
   of owl:ObjectProperty, owl:DatatypeProperty, owl:AnnotationProperty (the three must not
   share an IRI in OWL 2 DL), and every class used is declared owl:Class;
4. axioms relate properties of one kind only: a sub-property of an annotation property is an
   annotation property, owl:inverseOf and characteristics such as owl:SymmetricProperty
   belong to object properties, a data property's range is a datatype and an object
   property's range a class;
5. object properties take IRIs or blank nodes, data properties take literals.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

RESERVED = (str(RDF), str(RDFS), str(OWL), str(XSD))
# The OWL 2 datatype map (OWL 2 Structural Specification, section 4), with rdf:langString.
DATATYPE_MAP = {RDF.PlainLiteral, RDF.XMLLiteral, RDFS.Literal, RDF.langString, OWL.real, OWL.rational,
                *(XSD[n] for n in [
                    "decimal", "integer", "nonNegativeInteger", "nonPositiveInteger", "positiveInteger",
                    "negativeInteger", "long", "int", "short", "byte", "unsignedLong", "unsignedInt", "unsignedShort",
                    "unsignedByte", "double", "float", "string", "normalizedString", "token", "language", "Name",
                    "NCName", "NMTOKEN", "boolean", "hexBinary", "base64Binary", "anyURI", "dateTime",
                    "dateTimeStamp"])}
# Built-in terms that may stand where a class, a property or a datatype stands.
BUILT_IN_CLASSES = {OWL.Thing, OWL.Nothing}
BUILT_IN_PROPERTIES = {RDF.type, RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, RDFS.label,
                       RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy, OWL.versionInfo, OWL.inverseOf,
                       OWL.disjointWith, OWL.equivalentClass, OWL.equivalentProperty, OWL.deprecated,
                       OWL.imports, OWL.versionIRI, RDF.first, RDF.rest}
KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
OBJECT_ONLY = (OWL.SymmetricProperty, OWL.AsymmetricProperty, OWL.TransitiveProperty, OWL.InverseFunctionalProperty,
               OWL.ReflexiveProperty, OWL.IrreflexiveProperty)


def _reserved(node: Node) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(RESERVED)


def problems(ontology: Graph, data: Iterable[Graph] = ()) -> list[str]:
    """Every breach of the rules above, one line each; empty when the graphs keep within them."""
    out: list[str] = []
    n3 = ontology.namespace_manager

    def name(node: Node) -> str:
        return node.n3(n3)

    kind = {p: {k for k in KINDS if (p, RDF.type, k) in ontology} for p in
            {s for k in KINDS for s in ontology.subjects(RDF.type, k)}}
    classes = set(ontology.subjects(RDF.type, OWL.Class))
    datatypes = {d for d in ontology.subjects(RDF.type, RDFS.Datatype) if not _reserved(d)}

    for p, ks in sorted(kind.items()):
        if len(ks) > 1:
            out.append(f"{name(p)} is declared as {' and '.join(sorted(name(k) for k in ks))}")
    # 1. datatypes
    for s, o in ontology.subject_objects(RDFS.range):
        if OWL.DatatypeProperty in kind.get(s, ()) and o not in DATATYPE_MAP and o not in datatypes:
            out.append(f"{name(s)} has range {name(o)}, outside the OWL 2 datatype map")
    graphs = [ontology, *data]
    for g in graphs:
        for _s, p, o in g:
            if isinstance(o, Literal) and o.datatype is not None and o.datatype not in DATATYPE_MAP \
                    and o.datatype not in datatypes and OWL.AnnotationProperty not in kind.get(p, ()):
                out.append(f"{name(p)} has a value of datatype {name(o.datatype)}, outside the OWL 2 datatype map")
    # 2. reserved vocabulary as a class
    for p in (RDFS.subClassOf, OWL.disjointWith, OWL.equivalentClass):
        for s, o in ontology.subject_objects(p):
            for c in (s, o):
                if _reserved(c) and c not in BUILT_IN_CLASSES:
                    out.append(f"{name(c)} (built-in vocabulary) is used as a class")
    for s, o in ontology.subject_objects(RDFS.domain):
        if _reserved(o) and o not in BUILT_IN_CLASSES:
            out.append(f"{name(s)} has domain {name(o)}: built-in vocabulary used as a class")
    for s, o in ontology.subject_objects(RDFS.range):
        if OWL.ObjectProperty in kind.get(s, ()) and _reserved(o) and o not in BUILT_IN_CLASSES:
            out.append(f"{name(s)} has range {name(o)}: built-in vocabulary used as a class")
    # 3. declarations
    for g in graphs:
        for p in sorted(set(g.predicates())):
            if p in BUILT_IN_PROPERTIES or (_reserved(p) and str(p).startswith(str(OWL))):
                continue
            if _reserved(p):
                out.append(f"{name(p)} is built-in vocabulary outside OWL 2 DL's use of it")
            elif not kind.get(p):
                out.append(f"{name(p)} is used but not declared a property")
        for t in set(g.objects(None, RDF.type)):
            if not _reserved(t) and t not in classes:
                out.append(f"{name(t)} is used as a type but not declared owl:Class")
    for p in (RDFS.subClassOf, OWL.disjointWith):
        for s, o in ontology.subject_objects(p):
            for c in (s, o):
                if not _reserved(c) and not isinstance(c, BNode) and c not in classes:
                    out.append(f"{name(c)} is used as a class but not declared owl:Class")
    for s, o in ontology.subject_objects(RDFS.domain):
        if not _reserved(o) and o not in classes and OWL.AnnotationProperty not in kind.get(s, ()):
            out.append(f"{name(o)}, the domain of {name(s)}, is not declared owl:Class")
    # 4. axioms between properties of one kind
    for s, o in ontology.subject_objects(RDFS.subPropertyOf):
        if kind.get(s) != kind.get(o):
            out.append(f"{name(s)} ({', '.join(name(k) for k in kind.get(s, ())) or 'undeclared'}) is a "
                       f"sub-property of {name(o)} ({', '.join(name(k) for k in kind.get(o, ())) or 'undeclared'})")
    for s, o in ontology.subject_objects(OWL.inverseOf):
        for p in (s, o):
            if kind.get(p) != {OWL.ObjectProperty}:
                out.append(f"{name(p)} has an inverse but is not an object property")
    for k in OBJECT_ONLY:
        for p in ontology.subjects(RDF.type, k):
            if kind.get(p) != {OWL.ObjectProperty}:
                out.append(f"{name(p)} is {name(k)} but not an object property")
    for s, o in ontology.subject_objects(RDFS.range):
        if OWL.ObjectProperty in kind.get(s, ()) and not _reserved(o) and o not in classes:
            out.append(f"{name(s)} has range {name(o)}, which is not declared owl:Class")
    # 5. values of the right kind
    for g in graphs:
        for _s, p, o in g:
            ks = kind.get(p, set())
            if OWL.ObjectProperty in ks and isinstance(o, Literal):
                out.append(f"{name(p)} (object property) has the literal value {o.n3(n3)}")
            elif OWL.DatatypeProperty in ks and not isinstance(o, Literal):
                out.append(f"{name(p)} (datatype property) has the non-literal value {name(o)}")
    return sorted(set(out))
