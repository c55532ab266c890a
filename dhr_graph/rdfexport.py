"""Linked-data exports of the store, written atomically (outputs.py: temporary file, then rename).

Every RDF export is written with a VoID/DCAT description of what it holds beside it
(`NAME.void.ttl`, see void.py), so a file found on its own still says what it is, where it
came from and under which terms. JSON-LD is compacted with the context shipped in
`ontology/context.jsonld`, so keys read as `title`, `addressedTo`, `hasTheme` (jsonld.py).
Exports stream: the store is read one named graph at a time as N-Triples text (ntriples.py),
and the description is counted from the same text as it is written, so memory does not grow
with the store.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pyoxigraph as ox

from . import resources
from .errors import OutputError
from .iris import PREFIXES
from .jsonld import JsonLdWriter
from .ntriples import GraphName, graph_lines, graph_token, iterate_graph_bytes, iterate_graphs, union_lines
from .outputs import OutputFiles, is_stream
from .rdfformats import RDF_FORMATS, void_path
from .store import GraphStore

if TYPE_CHECKING:
    from .void import Tally

CONTEXT_FILE = "context.jsonld"


def jsonld_context() -> dict[str, Any]:
    """The shipped JSON-LD context (the value of its `@context` key)."""
    with open(resources.ontology_dir() / CONTEXT_FILE, encoding="utf-8") as handle:
        return json.load(handle)["@context"]


def export_statements(store: GraphStore, fmt: str) -> list[ox.Quad] | list[ox.Triple]:
    """What an export of `fmt` holds, as one in-memory list: all public quads, or for triple
    formats the union's distinct triples. For tests and small stores; exports stream instead."""
    if RDF_FORMATS[fmt][1]:
        return sorted(store.quads(), key=_quad_key)
    return sorted({ox.Triple(q.subject, q.predicate, q.object) for q in store.quads()}, key=str)


def export_rdf(store: GraphStore, path: str | Path, fmt: str, *, describe: bool = True,
               publish_url: str | None = None) -> int:
    """Export the whole store; dataset formats keep one named graph per review.

    Triple formats (Turtle, N-Triples, RDF/XML) get the union of all graphs. The export
    streams graph by graph (`write_export`), so memory does not grow with the store. With
    `describe`, the VoID/DCAT description is written beside the export (see `void_path`);
    `publish_url`, the folder URL the files will be published at, gives it download links.
    The export and its description are renamed into place together (outputs.OutputFiles), so
    an interrupted export never leaves an old description beside a new file. A stream output
    (`/dev/null`, a pipe) is written directly and gets no description beside it.
    Returns the number of statements written.
    """
    from .netsafe import check_url, redact_url  # loads http and ssl: only for an export that needs it
    from .void import Tally, description_turtle  # void.py imports this module

    if publish_url is not None:
        check_url(publish_url, "publish URL")  # download links must be http(s) addresses
    if publish_url is not None and redact_url(publish_url) != publish_url:
        raise OutputError(f"{path}: the publish URL {redact_url(publish_url)} carries credentials or a "
                          "secret-looking parameter, which the description would make public")
    tally = Tally()
    with OutputFiles() as files:
        with files.open(path) as handle:
            write_export(store, handle, fmt, tally)
        if describe and not is_stream(path):
            text = description_turtle(tally, Path(path), fmt, publish_url=publish_url,
                                      byte_size=files.size(path), store=store)
            with files.open(void_path(path)) as handle:
                handle.write(text)
    return tally.triples


def write_export(store: GraphStore, handle: IO[bytes], fmt: str, tally: Tally) -> None:
    """Write the public graphs of `store` as `fmt` to `handle`, one graph in memory at a time,
    counting what is written into `tally` (for the description).

    Graphs come in a fixed order (ntriples.public_graphs); within a graph, N-Quads and TriG
    keep Oxigraph's index order, which depends only on the data, and JSON-LD sorts its nodes,
    so an identical store gives identical bytes."""
    rdf_format, _ = RDF_FORMATS[fmt]
    if fmt == "nq":
        for graph, data in iterate_graph_bytes(store):
            tally.add_graph(graph, graph_lines(data.decode("utf-8")))
            token = graph_token(graph).encode("utf-8")
            handle.write(data.replace(b" .\n", b" " + token + b" .\n") if token else data)
    elif fmt == "trig":
        handle.write(_prefix_header().encode("utf-8"))
        for graph, data in iterate_graph_bytes(store):
            tally.add_graph(graph, graph_lines(data.decode("utf-8")))
            handle.write(_trig_block(graph, data))
    elif fmt == "jsonld":
        writer = JsonLdWriter(handle, jsonld_context())
        writer.start()
        for graph, text in iterate_graphs(store):
            lines = graph_lines(text)
            tally.add_graph(graph, lines)
            writer.graph(graph.value if isinstance(graph, ox.NamedNode) else None, lines)
        writer.finish()
    elif fmt == "nt":
        for lines in union_lines(store, tally):
            handle.write("".join(f"{line} .\n" for line in lines).encode("utf-8"))
    else:  # Turtle and RDF/XML: Oxigraph's writers, fed the union graph by graph
        triples = (t for lines in union_lines(store, tally)
                   for t in ox.parse("".join(f"{line} .\n" for line in lines).encode("utf-8"),
                                     ox.RdfFormat.N_TRIPLES))
        ox.serialize(triples, handle, rdf_format, prefixes=PREFIXES)


def _prefix_header() -> str:
    return "".join(f"@prefix {name}: <{iri}> .\n" for name, iri in PREFIXES.items())


def _trig_block(graph: GraphName, data: bytes) -> bytes:
    """One graph as a TriG block, from its N-Triples (UTF-8 bytes) by Oxigraph's Turtle writer (3x quicker
    than reading the graph from the store again); the document declares the prefixes once at
    its top, so the writer's own declarations are left out. The text is the store's own
    N-Triples dump (the N-Quads export writes it as it is), so it is parsed leniently: the
    parser skips checking every IRI again, a third of this step's time, with the same terms."""
    turtle = ox.serialize(ox.parse(data, ox.RdfFormat.N_TRIPLES, lenient=True), None,
                          ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b""
    start = 0
    while turtle.startswith((b"@prefix ", b"@base "), start):
        start = turtle.index(b"\n", start) + 1
    body = turtle[start:]
    if isinstance(graph, ox.DefaultGraph):
        return body
    return b"<" + graph.value.encode() + b"> {\n" + body + b"}\n"


def to_jsonld(items: Iterable[ox.Quad] | Iterable[ox.Triple]) -> str:
    """JSON-LD compacted with the shipped context by rdflib, in memory (for small inputs;
    exports use the streaming jsonld.JsonLdWriter)."""
    from .terms import to_dataset  # loads rdflib: only this needs it

    ds = to_dataset(items)
    context = jsonld_context()
    text = ds.serialize(format="json-ld", context=context, auto_compact=True, indent=1)
    return text if text.endswith("\n") else text + "\n"


def _quad_key(q: ox.Quad) -> tuple[str, str, str, str]:
    """Group quads by graph so TriG writes one block per named graph."""
    return (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object))
