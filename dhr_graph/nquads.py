"""The one N-Quads writer: review graphs (reviewgraph.py), case metadata (cases.py), links (links/write.py)
and the validator's batches all format their statements with these functions.

Formatting a line in Python is several times cheaper than building a pyoxigraph term per
statement, and Oxigraph parses the text in Rust; but text skips the checks that term objects
make, so every IRI is checked here (an IRI holding a space or `>` would otherwise end the
term early and write another statement than meant) and every literal escaped. Stores may then
load the text leniently.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from .iris import PREFIXES

if TYPE_CHECKING:
    from collections.abc import Iterable

    from rdflib.term import Node

# characters N-Quads forbids in an IRIREF (control characters and space included)
_NOT_IN_IRIREF = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_XSD_STRING = PREFIXES["xsd"] + "string"  # the datatype of a plain string, written without it
_BLANK_LABEL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*(?<!\.)")
_LANGUAGE = re.compile(r"[A-Za-z]+(-[A-Za-z0-9]+)*")


def iri(value: str) -> str:
    """An IRI as an N-Quads term. Values here are minted or read from a store or a registry, so they
    hold no character N-Quads forbids; one that does is an error, never something written silently."""
    if _NOT_IN_IRIREF.search(value):
        raise ValueError(f"not an IRI: {value!r}")
    return f"<{value}>"


def literal(value: str, datatype: str | None = None, language: str | None = None) -> str:
    """A literal as an N-Quads term: backslash, quote, line feed and carriage return escaped, every
    other character written as itself; a plain string (xsd:string) is written without a datatype."""
    if "\\" in value or '"' in value or "\n" in value or "\r" in value:
        value = value.translate(_ESCAPES)
    if language:
        if not _LANGUAGE.fullmatch(language):
            raise ValueError(f"not a language tag: {language!r}")
        return f'"{value}"@{language}'
    if datatype and datatype != _XSD_STRING:
        return f'"{value}"^^{_datatype(datatype)}'
    return f'"{value}"'


@functools.lru_cache(maxsize=256)
def _datatype(value: str) -> str:
    return iri(value)  # checked once: a handful of datatypes recur in every review


def blank(label: str) -> str:
    """A blank node as an N-Quads term (labels are rdflib's or Oxigraph's, letters and digits)."""
    if not _BLANK_LABEL.fullmatch(label):
        raise ValueError(f"not a blank node label: {label!r}")
    return f"_:{label}"


def term(node: Node) -> str:
    """An rdflib term as an N-Quads term."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(node, URIRef):
        return iri(str(node))
    if isinstance(node, Literal):
        return literal(str(node), str(node.datatype) if node.datatype is not None else None, node.language)
    if isinstance(node, BNode):
        return blank(str(node))
    raise TypeError(f"unsupported RDF term {node!r}")


def graph_text(triples: Iterable[tuple[Node, Node, Node]], graph_iri: str) -> str:
    """rdflib triples (a Graph, say) as N-Quads text in the named graph `graph_iri`."""
    tail = f" {iri(graph_iri)} .\n"
    return "".join(f"{term(s)} {term(p)} {term(o)}{tail}" for s, p, o in triples)
