"""The dataset description (VoID and DCAT) written beside every RDF export.

A published file is often found on its own; the description tells a reader or a crawler
how big it is (triples, entities, classes, properties), which vocabularies it uses, which
named graphs it holds and under which terms each came, and which version of the toolkit
wrote it. The fixed wording lives in `data/void/dataset.ttl`; only counts are computed here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

from . import __version__
from .outputs import atomic_output
from .rdfformats import MEDIA_TYPES, RDF_FORMATS, void_path
from .inputfiles import read_turtle
from .iris import DATASET_IRI, DHR, GRAPH, PREFIXES, TOOL_IRI
from .rdf import build_time
from .store import GraphStore

DATASET = URIRef(DATASET_IRI)
TEMPLATE = Path(__file__).resolve().parent / "data" / "void" / "dataset.ttl"
FORMAT_IRIS: dict[str, str] = {
    "ttl": "http://www.w3.org/ns/formats/Turtle",
    "nt": "http://www.w3.org/ns/formats/N-Triples",
    "nq": "http://www.w3.org/ns/formats/N-Quads",
    "trig": "http://www.w3.org/ns/formats/TriG",
    "jsonld": "http://www.w3.org/ns/formats/JSON-LD",
    "rdfxml": "http://www.w3.org/ns/formats/RDF_XML",
}
_RDF_TYPE = ox.NamedNode(str(RDF.type))
_LICENSE = ox.NamedNode(str(DCTERMS.license))
_SOURCE_LABEL = ox.NamedNode(str(DHR.sourceLabel))
_REVIEW = ox.NamedNode(str(DHR.Review))
_LICENSED_TYPES = {ox.NamedNode(str(OWL.Ontology)), ox.NamedNode(str(SKOS.ConceptScheme)),
                   ox.NamedNode(str(VOID.Dataset)), ox.NamedNode(str(DCAT.Dataset))}
NOT_STATED = "The source states no licence."


@dataclass
class Statistics:
    """VoID figures of one set of statements."""

    triples: int = 0
    entities: int = 0
    distinct_subjects: int = 0
    distinct_objects: int = 0
    classes: dict[str, int] = field(default_factory=dict)  # class IRI -> distinct instances
    properties: dict[str, int] = field(default_factory=dict)  # property IRI -> statements
    vocabularies: list[str] = field(default_factory=list)


@dataclass
class GraphSummary:
    """One named graph: its size, whether it holds a review, and what is known of its terms."""

    iri: str
    triples: int = 0
    review: bool = False
    licences: set[str] = field(default_factory=set)
    source_labels: set[str] = field(default_factory=set)


def namespace_of(iri: str) -> str:
    """The vocabulary an IRI belongs to: everything up to its last '#' or '/'."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[:cut + 1] if cut >= 0 else iri


def statistics(items: Iterable[ox.Quad] | Iterable[ox.Triple]) -> Statistics:
    """Count what a list of statements holds, the way VoID defines each figure."""
    subjects: set = set()
    objects: set = set()
    instances: dict[str, set] = defaultdict(set)
    properties: Counter[str] = Counter()
    triples = 0
    for item in items:
        triples += 1
        subjects.add(item.subject)
        objects.add(item.object)
        properties[item.predicate.value] += 1
        if item.predicate == _RDF_TYPE and isinstance(item.object, ox.NamedNode):
            instances[item.object.value].add(item.subject)
    vocabularies = {namespace_of(p) for p in properties} | {namespace_of(c) for c in instances}
    return Statistics(
        triples=triples,
        entities=sum(1 for s in subjects if isinstance(s, ox.NamedNode)),
        distinct_subjects=len(subjects),
        distinct_objects=len(objects),
        classes={c: len(members) for c, members in sorted(instances.items())},
        properties=dict(sorted(properties.items())),
        vocabularies=sorted(vocabularies),
    )


def graph_summaries(store: GraphStore) -> list[GraphSummary]:
    """One pass over the store: size, kind and stated licences of each named graph."""
    graphs: dict[str, GraphSummary] = {}
    licensed: dict[str, set] = defaultdict(set)  # graph -> subjects typed as ontology/scheme/dataset
    licence_of: dict[str, dict] = defaultdict(dict)  # graph -> subject -> licences
    for q in store.quads():
        if not isinstance(q.graph_name, ox.NamedNode):
            continue
        g = q.graph_name.value
        summary = graphs.get(g)
        if summary is None:
            summary = graphs[g] = GraphSummary(g)
        summary.triples += 1
        if q.predicate == _RDF_TYPE:
            if q.object == _REVIEW:
                summary.review = True
            elif q.object in _LICENSED_TYPES:
                licensed[g].add(q.subject)
        elif q.predicate == _LICENSE and isinstance(q.object, ox.NamedNode):
            licence_of[g].setdefault(q.subject, set()).add(q.object.value)
        elif q.predicate == _SOURCE_LABEL and isinstance(q.object, ox.Literal):
            summary.source_labels.add(q.object.value)
    for g, summary in graphs.items():
        for subject, licences in licence_of[g].items():
            if subject in licensed[g] or (isinstance(subject, ox.NamedNode) and subject.value == g):
                summary.licences |= licences
    return [graphs[g] for g in sorted(graphs)]


def describe(store: GraphStore, items: Sequence[ox.Quad] | Sequence[ox.Triple], export: Path, fmt: str,
             *, publish_url: str | None = None, generated_at: str | None = None,
             byte_size: int | None = None) -> Graph:
    """The VoID/DCAT graph of one export (`items` are the statements written to `export`;
    `byte_size` is its size when it is not yet at `export`, e.g. still a temporary file)."""
    template = read_turtle(TEMPLATE)
    g = Graph()
    for prefix, ns in {**PREFIXES, "void": str(VOID), "dcat": str(DCAT), "foaf": str(FOAF)}.items():
        g.bind(prefix, ns)
    sources = set(template.subjects(DHR.sourceLabel))  # terms of each source, not part of the output
    rights_by_source = {str(label): template.value(s, DCTERMS.rights)
                        for s, label in template.subject_objects(DHR.sourceLabel)}
    for triple in template:
        if triple[0] not in sources:
            g.add(triple)

    when = Literal(generated_at or build_time(), datatype=XSD.dateTime)
    stats = statistics(items)
    add = g.add
    add((DATASET, DCTERMS.modified, when))
    add((DATASET, VOID.triples, _int(stats.triples)))
    add((DATASET, VOID.entities, _int(stats.entities)))
    add((DATASET, VOID.distinctSubjects, _int(stats.distinct_subjects)))
    add((DATASET, VOID.distinctObjects, _int(stats.distinct_objects)))
    add((DATASET, VOID.classes, _int(len(stats.classes))))
    add((DATASET, VOID.properties, _int(len(stats.properties))))
    for vocabulary in stats.vocabularies:
        add((DATASET, VOID.vocabulary, URIRef(vocabulary)))
    for cls, count in stats.classes.items():
        part = BNode()
        add((DATASET, VOID.classPartition, part))
        add((part, VOID["class"], URIRef(cls)))
        add((part, VOID.entities, _int(count)))
    for prop, count in stats.properties.items():
        part = BNode()
        add((DATASET, VOID.propertyPartition, part))
        add((part, VOID.property, URIRef(prop)))
        add((part, VOID.triples, _int(count)))

    # provenance: which toolkit, which version, when
    activity = BNode()
    add((DATASET, PROV.wasGeneratedBy, activity))
    add((activity, RDF.type, PROV.Activity))
    add((activity, PROV.wasAssociatedWith, URIRef(TOOL_IRI)))
    add((activity, PROV.endedAtTime, when))
    add((DATASET, DCTERMS.hasVersion, Literal(f"dhr-graph {__version__}")))
    add((URIRef(TOOL_IRI), DCTERMS.hasVersion, Literal(__version__)))

    # the file itself
    dist = BNode()
    add((DATASET, DCAT.distribution, dist))
    add((dist, RDF.type, DCAT.Distribution))
    add((dist, DCTERMS.title, Literal(export.name)))
    add((dist, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{MEDIA_TYPES[fmt]}")))
    add((dist, DCTERMS["format"], URIRef(FORMAT_IRIS[fmt])))
    add((dist, VOID.triples, _int(stats.triples)))
    if byte_size is None and export.is_file():
        byte_size = export.stat().st_size
    if byte_size is not None:
        add((dist, DCAT.byteSize, Literal(byte_size, datatype=XSD.nonNegativeInteger)))
    if publish_url:
        url = URIRef(publish_url.rstrip("/") + "/" + quote(export.name))
        add((dist, DCAT.downloadURL, url))
        add((DATASET, VOID.dataDump, url))
    add((DATASET, VOID.feature, URIRef(FORMAT_IRIS[fmt])))
    if not RDF_FORMATS[fmt][1]:
        add((DATASET, RDFS.comment, Literal(
            "This file holds the union of the named graphs below as plain triples; "
            "the TriG, N-Quads and JSON-LD exports keep each graph apart.", lang="en")))

    # each named graph, with the terms of its source
    for summary in graph_summaries(store):
        node = URIRef(summary.iri)
        add((DATASET, VOID.subset, node))
        add((node, RDF.type, VOID.Dataset))
        add((node, VOID.triples, _int(summary.triples)))
        add((node, DCTERMS.type, Literal("review" if summary.review else
                                         "reference" if summary.iri.startswith(str(GRAPH)) else "derived")))
        for licence in sorted(summary.licences):
            add((node, DCTERMS.license, URIRef(licence)))
        if not summary.licences:
            stated = [r for s in sorted(summary.source_labels) if (r := rights_by_source.get(s)) is not None]
            for text in stated or [Literal(NOT_STATED, lang="en")]:
                add((node, DCTERMS.rights, text))
        for label in sorted(summary.source_labels):
            add((node, DCTERMS.source, Literal(label)))
    return g


def write_description(store: GraphStore, items: Sequence[ox.Quad] | Sequence[ox.Triple], export: Path,
                      fmt: str, *, publish_url: str | None = None) -> Path:
    """Write `describe(...)` as Turtle beside the export; returns its path."""
    target = void_path(export)
    text = description_turtle(store, items, export, fmt, publish_url=publish_url)
    with atomic_output(target) as handle:
        handle.write(text)
    return target


def description_turtle(store: GraphStore, items: Sequence[ox.Quad] | Sequence[ox.Triple], export: Path,
                       fmt: str, *, publish_url: str | None = None, byte_size: int | None = None) -> bytes:
    """`describe(...)` as UTF-8 Turtle, for writing together with the export itself."""
    graph = describe(store, items, export, fmt, publish_url=publish_url, byte_size=byte_size)
    return graph.serialize(format="turtle").encode("utf-8")


def _int(n: int) -> Literal:
    return Literal(n, datatype=XSD.integer)
