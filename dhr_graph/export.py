"""Linked-data exports of the store, written atomically (outputs.py: temporary file, then rename).

Every RDF export is written with a VoID/DCAT description of what it holds beside it
(`NAME.void.ttl`, see void.py), so a file found on its own still says what it is, where it
came from and under which terms. JSON-LD is compacted with the context shipped in
`ontology/context.jsonld`, so keys read as `title`, `addressedTo`, `hasTheme`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from . import resources
from .errors import OutputError
from .iris import PREFIXES
from .outputs import OutputFiles, is_stream
from .rdfformats import RDF_FORMATS, void_path
from .store import GraphStore

CONTEXT_FILE = "context.jsonld"


def jsonld_context() -> dict[str, Any]:
    """The shipped JSON-LD context (the value of its `@context` key)."""
    with open(resources.ontology_dir() / CONTEXT_FILE, encoding="utf-8") as handle:
        return json.load(handle)["@context"]


def export_statements(store: GraphStore, fmt: str) -> list[ox.Quad] | list[ox.Triple]:
    """What an export of `fmt` holds: all quads, or for triple formats the union's distinct triples."""
    if RDF_FORMATS[fmt][1]:
        return sorted(store.quads(), key=_quad_key)
    return sorted({ox.Triple(q.subject, q.predicate, q.object) for q in store.quads()}, key=str)


def export_rdf(store: GraphStore, path: str | Path, fmt: str, *, describe: bool = True,
               publish_url: str | None = None) -> int:
    """Export the whole store; dataset formats keep one named graph per review.

    Triple formats (Turtle, N-Triples, RDF/XML) get the union of all graphs. With
    `describe`, the VoID/DCAT description is written beside the export (see `void_path`);
    `publish_url`, the folder URL the files will be published at, gives it download links.
    The export and its description are renamed into place together (outputs.OutputFiles), so
    an interrupted export never leaves an old description beside a new file. A stream output
    (`/dev/null`, a pipe) is written directly and gets no description beside it.
    Returns the number of statements written.
    """
    from .netsafe import check_url, redact_url  # loads http and ssl: only for an export that needs it

    rdf_format, _ = RDF_FORMATS[fmt]
    if publish_url is not None:
        check_url(publish_url, "publish URL")  # download links must be http(s) addresses
    if publish_url is not None and redact_url(publish_url) != publish_url:
        raise OutputError(f"{path}: the publish URL {redact_url(publish_url)} carries credentials or a "
                          "secret-looking parameter, which the description would make public")
    items = export_statements(store, fmt)
    with OutputFiles() as files:
        with files.open(path) as handle:
            if fmt == "jsonld":
                handle.write(to_jsonld(items).encode("utf-8"))
            else:
                prefixes = PREFIXES if fmt not in ("nt", "nq") else None
                ox.serialize(items, handle, rdf_format, prefixes=prefixes)
        if describe and not is_stream(path):
            from .void import description_turtle  # only when a description is written

            text = description_turtle(store, items, Path(path), fmt, publish_url=publish_url,
                                      byte_size=files.size(path))
            with files.open(void_path(path)) as handle:
                handle.write(text)
    return len(items)


def to_jsonld(items: Iterable[ox.Quad] | Iterable[ox.Triple]) -> str:
    """JSON-LD compacted with the shipped context, inlined so the file parses offline."""
    from .terms import to_dataset  # loads rdflib: only JSON-LD needs it

    ds = to_dataset(items)
    context = jsonld_context()
    text = ds.serialize(format="json-ld", context=context, auto_compact=True, indent=1)
    return text if text.endswith("\n") else text + "\n"


def _quad_key(q: ox.Quad) -> tuple[str, str, str, str]:
    """Group quads by graph so TriG writes one block per named graph."""
    return (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object))
