"""The dataset description (VoID and DCAT) written beside every RDF export.

A published file is often found on its own; the description tells a reader or a crawler
how big it is (triples, entities, classes, properties), which vocabularies it uses, which
named graphs it holds and under which terms each came, and which version of the toolkit
wrote it. The fixed wording lives in `data/void/dataset.ttl`; only counts are computed here.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import compress
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

from . import __version__
from .inputfiles import read_turtle
from .iris import DATASET_IRI, DHR, GRAPH, PREFIXES, TOOL_IRI
from .ntriples import graph_lines, iterate_graphs, literal_parts, split, union_lines
from .outputs import atomic_output
from .reviewgraph import build_time
from .rdfformats import MEDIA_TYPES, RDF_FORMATS, void_path
from .store import MARKER, GraphStore
from .terms import ToOx, to_ox_iri, to_ox_subject

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
NOT_STATED = "The source states no licence."
# the same terms as N-Triples text, for the streaming tally
_NT_TYPE = f"<{RDF.type}>"
_NT_REVIEW = f"<{DHR.Review}>"
_NT_LICENSE = f"<{DCTERMS.license}>"
_NT_SOURCE_LABEL = f"<{DHR.sourceLabel}>"
_NT_GENERATED = f"<{PROV.generatedAtTime}>"
_NT_SPECIAL = {_NT_TYPE, _NT_LICENSE, _NT_SOURCE_LABEL, _NT_GENERATED}
_NT_LICENSED = {f"<{OWL.Ontology}>", f"<{SKOS.ConceptScheme}>", f"<{VOID.Dataset}>", f"<{DCAT.Dataset}>"}


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
    """Size, kind and stated licences of each public named graph (one streaming pass)."""
    tally = Tally()
    for graph, text in iterate_graphs(store):
        tally.add_graph(graph, graph_lines(text))
    return tally.summaries()


class Tally:
    """The figures of a description, gathered graph by graph while an export streams.

    Works on the N-Triples statements of each graph (ntriples.py), so that the counts describe
    exactly what was written. Memory grows with the distinct subjects and objects, not with
    the statements, and they are kept as 64-bit hashes (not as text): for a count, a collision
    (odds of about 1e-9 at a million terms) would change a figure by one."""

    def __init__(self) -> None:
        self.triples = 0
        self.subjects: set[int] = set()
        self.blank_subjects: set[int] = set()
        self.objects: set[int] = set()
        self.instances: dict[str, set[int]] = defaultdict(set)
        self.properties: Counter[str] = Counter()
        self.graphs: list[GraphSummary] = []
        self.latest: str | None = None  # the latest prov:generatedAtTime: when the data was built

    def add_graph(self, graph: ox.NamedNode | ox.DefaultGraph, statements: list[str]) -> None:
        """Count every statement of one graph (`ntriples.graph_lines` of Oxigraph's N-Triples).

        The statements are split once and counted by set and Counter updates, which run in C;
        only the few statements that say something about licences, kinds and dates are looked
        at one by one."""
        rows = [statement.split(" ", 2) for statement in statements]
        count = len(rows)
        self.triples += count
        summary = GraphSummary(graph.value if isinstance(graph, ox.NamedNode) else "", triples=count)
        if rows:
            subjects, predicates, objects = zip(*rows)
            distinct = set(subjects)
            self.subjects.update(map(hash, distinct))
            self.blank_subjects.update(hash(s) for s in distinct if s[0] == "_")
            self.properties.update(predicates)
            self.objects.update(map(hash, objects))
            special = [rows[i] for i in compress(range(count), map(_NT_SPECIAL.__contains__, predicates))]
        else:
            special = []
        licensed: set[str] = set()
        licence_of: dict[str, set[str]] = defaultdict(set)
        latest = self.latest
        for s, p, o in special:
            if p == _NT_TYPE:
                if o[0] == "<":
                    self.instances[o].add(hash(s))
                if o == _NT_REVIEW:
                    summary.review = True
                elif o in _NT_LICENSED:
                    licensed.add(s)
            elif p == _NT_LICENSE and o[0] == "<":
                licence_of[s].add(o[1:-1])
            elif p == _NT_SOURCE_LABEL and o[0] == '"':
                summary.source_labels.add(literal_parts(o)[0])
            elif p == _NT_GENERATED and o[0] == '"':
                when = literal_parts(o)[0]
                if latest is None or when > latest:
                    latest = when
        self.latest = latest
        if isinstance(graph, ox.NamedNode):
            for subject, licences in licence_of.items():
                if subject in licensed or subject == f"<{summary.iri}>":
                    summary.licences |= licences
            self.graphs.append(summary)

    def seen(self, subject: str) -> bool:
        """Whether `subject` (N-Triples form) was counted before (a hash match: may rarely be wrong
        the safe way, making the caller look the subject up when it need not)."""
        return hash(subject) in self.subjects

    def discount(self, line: str) -> None:
        """Take back a statement written twice (triple formats write each triple once)."""
        self.triples -= 1
        self.properties[split(line)[1]] -= 1

    def statistics(self) -> Statistics:
        properties = {p[1:-1]: n for p, n in sorted(self.properties.items()) if n > 0}
        classes = {c[1:-1]: len(members) for c, members in sorted(self.instances.items())}
        vocabularies = {namespace_of(p) for p in properties} | {namespace_of(c) for c in classes}
        return Statistics(
            triples=self.triples,
            entities=len(self.subjects) - len(self.blank_subjects),
            distinct_subjects=len(self.subjects),
            distinct_objects=len(self.objects),
            classes=dict(sorted(classes.items())),
            properties=dict(sorted(properties.items())),
            vocabularies=sorted(vocabularies),
        )

    def summaries(self) -> list[GraphSummary]:
        return sorted(self.graphs, key=lambda g: g.iri)


def generated_time(latest: str | None = None, store: GraphStore | None = None) -> str:
    """When the described data was made, the same for identical builds: SOURCE_DATE_EPOCH when
    set (reproducible-builds convention), else the latest `prov:generatedAtTime` of the data,
    else when the store was last written; only a store with neither is dated now."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return build_time()
    if latest:
        return latest
    if store is not None:
        with contextlib.suppress(OSError):
            moment = datetime.fromtimestamp((store.real_path / MARKER).stat().st_mtime, timezone.utc)
            return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return build_time()


def describe(stats: Statistics, graphs: Sequence[GraphSummary], export: Path, fmt: str,
             *, publish_url: str | None = None, generated_at: str | None = None,
             byte_size: int | None = None) -> Graph:
    """The VoID/DCAT graph of one export (`stats`: figures of the statements written to `export`,
    `graphs`: its named graphs; `byte_size` is its size when it is not yet at `export`, e.g.
    still a temporary file). Blank nodes get fixed labels, so identical inputs give identical
    Turtle."""
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

    when = Literal(generated_at or generated_time(), datatype=XSD.dateTime)
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
    for i, (cls, count) in enumerate(stats.classes.items()):
        part = BNode(f"class{i:05d}")
        add((DATASET, VOID.classPartition, part))
        add((part, VOID["class"], URIRef(cls)))
        add((part, VOID.entities, _int(count)))
    for i, (prop, count) in enumerate(stats.properties.items()):
        part = BNode(f"property{i:05d}")
        add((DATASET, VOID.propertyPartition, part))
        add((part, VOID.property, URIRef(prop)))
        add((part, VOID.triples, _int(count)))

    # provenance: which toolkit, which version, when
    activity = BNode("activity")
    add((DATASET, PROV.wasGeneratedBy, activity))
    add((activity, RDF.type, PROV.Activity))
    add((activity, PROV.wasAssociatedWith, URIRef(TOOL_IRI)))
    add((activity, PROV.endedAtTime, when))
    add((DATASET, DCTERMS.hasVersion, Literal(f"dhr-graph {__version__}")))
    add((URIRef(TOOL_IRI), DCTERMS.hasVersion, Literal(__version__)))

    # the file itself
    dist = BNode("distribution")
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
    for summary in graphs:
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


def write_description(store: GraphStore, export: Path, fmt: str, *, publish_url: str | None = None) -> Path:
    """Describe an export of `store` already at `export` (read again from the store, graph by
    graph), written beside it; returns the description's path."""
    target = void_path(export)
    tally = Tally()
    if RDF_FORMATS[fmt][1]:
        for graph, text in iterate_graphs(store):
            tally.add_graph(graph, graph_lines(text))
    else:
        for _ in union_lines(store, tally):  # counts each triple of the union once
            pass
    turtle = description_turtle(tally, export, fmt, publish_url=publish_url, store=store)
    with atomic_output(target) as handle:
        handle.write(turtle)
    return target


def description_turtle(tally: Tally, export: Path, fmt: str, *, publish_url: str | None = None,
                       byte_size: int | None = None, store: GraphStore | None = None) -> bytes:
    """`describe(...)` of what `tally` counted, as UTF-8 Turtle, for writing with the export."""
    graph = describe(tally.statistics(), tally.summaries(), export, fmt, publish_url=publish_url,
                     generated_at=generated_time(tally.latest, store), byte_size=byte_size)
    return turtle_bytes(graph)


def turtle_bytes(graph: Graph) -> bytes:
    """A description as Turtle by Oxigraph's writer, its statements sorted (the dataset first,
    then by subject) so identical figures give identical bytes. rdflib's writer, which looks
    for the shortest form of every term, took about 2 s for the description of a 2,000-review
    export (4,000 graphs): as long as the rest of an N-Quads export beyond reading the store."""
    convert = ToOx()
    dataset = str(DATASET)

    def key(t: ox.Triple) -> tuple[int, str, str, str]:
        s = t.subject
        rank = 0 if isinstance(s, ox.NamedNode) and s.value == dataset else 1 if isinstance(s, ox.NamedNode) else 2
        return rank, str(s), str(t.predicate), str(t.object)

    triples = sorted((ox.Triple(to_ox_subject(s), to_ox_iri(p), convert(o)) for s, p, o in graph), key=key)
    prefixes = {**PREFIXES, "void": str(VOID), "dcat": str(DCAT), "foaf": str(FOAF)}
    body = ox.serialize(triples, None, ox.RdfFormat.TURTLE, prefixes=prefixes) or b""
    header = "".join(f"@prefix {name}: <{iri}> .\n" for name, iri in prefixes.items())
    start = 0  # the writer's own declarations, at its top, are replaced by ours, in our order
    while body.startswith(b"@prefix ", start):
        start = body.index(b"\n", start) + 1
    return header.encode() + body[start:]


def _int(n: int) -> Literal:
    return Literal(n, datatype=XSD.integer)
