"""Read the store one named graph at a time as N-Triples text, the cheapest form to stream.

Oxigraph writes a graph as N-Triples in Rust far quicker than Python can build term objects
for it (a 2,000-review store: about 1.8 million statements), so the streaming exports (N-Quads,
JSON-LD, the triple formats) and the statistics of their dataset description work on the
lines of that text: `<s> <p> <o> .`, one statement per line. Oxigraph escapes every line
break and control character inside literals, so a line never holds a raw newline, and the
escapes it uses (`\\" \\\\ \\n \\r \\t \\b \\f \\uXXXX`) are also JSON string escapes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .iris import PREFIXES, is_internal_graph
from .store import GraphStore

if TYPE_CHECKING:
    from .void import Tally

GraphName = ox.NamedNode | ox.DefaultGraph
XSD_STRING = PREFIXES["xsd"] + "string"
_UCHAR = re.compile(r"\\(U[0-9A-Fa-f]{8}|u[0-9A-Fa-f]{4}|.)")
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def public_graphs(store: GraphStore) -> list[GraphName]:
    """The graphs an export holds, in a fixed order: the default graph (when it holds anything),
    then every named graph but the toolkit's internal ones, sorted by IRI."""
    db = store.store
    graphs: list[GraphName] = []
    if next(iter(db.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
        graphs.append(ox.DefaultGraph())
    named = sorted((g for g in db.named_graphs() if isinstance(g, ox.NamedNode) and not is_internal_graph(g.value)),
                   key=lambda g: g.value)
    return graphs + named


def graph_bytes(store: GraphStore, graph: GraphName) -> bytes:
    """One graph as N-Triples, UTF-8 bytes as Oxigraph writes them (empty for an empty graph): the one
    place the toolkit reads a graph out of the store whole (exports, descriptions, publishing)."""
    return store.store.dump(None, ox.RdfFormat.N_TRIPLES, from_graph=graph) or b""


def graph_text(store: GraphStore, graph: GraphName) -> str:
    """One graph as N-Triples text (empty string for an empty graph)."""
    return graph_bytes(store, graph).decode("utf-8")


def graph_lines(text: str) -> list[str]:
    """The statements of N-Triples text written by Oxigraph, without their ' .' line ends.

    Every line ends with ' .\n' and no literal holds a raw line feed, so splitting there is
    exact (`str.splitlines` would also cut at U+2028 and the like, left unescaped in literals)."""
    return text.split(" .\n")[:-1]


def split(line: str) -> tuple[str, str, str]:
    """`<s> <p> <o>` -> its three N-Triples terms (subjects and predicates hold no space)."""
    s, p, o = line.split(" ", 2)
    return s, p, o


def graph_token(graph: GraphName) -> str:
    return "" if isinstance(graph, ox.DefaultGraph) else f"<{graph.value}>"


def literal_parts(term: str) -> tuple[str, str | None, str | None]:
    """An N-Triples literal -> (lexical value, language or None, datatype IRI or None for xsd:string)."""
    body, _, tail = term[1:].rpartition('"')
    value = unescape(body)
    if tail.startswith("@"):
        return value, tail[1:], None
    if tail.startswith("^^<"):
        datatype = tail[3:-1]
        return value, None, None if datatype == XSD_STRING else datatype
    return value, None, None


def unescape(body: str) -> str:
    """The text of a quoted N-Triples string (without its quotes)."""
    if "\\" not in body:
        return body
    try:
        return str(json.loads(f'"{body}"'))  # Oxigraph's escapes are JSON's
    except ValueError:
        return _UCHAR.sub(_unescape_one, body)


def _unescape_one(match: re.Match[str]) -> str:
    code = match.group(1)
    if len(code) > 1:
        return chr(int(code[1:], 16))
    return _ECHAR.get(code, code)


def iterate_graphs(store: GraphStore) -> Iterator[tuple[GraphName, str]]:
    """Each public graph with its N-Triples text, one graph in memory at a time (every export
    and description reads the store through here: a failure is a failure of the export)."""
    for graph, data in iterate_graph_bytes(store):
        yield graph, data.decode("utf-8")


def iterate_graph_bytes(store: GraphStore) -> Iterator[tuple[GraphName, bytes]]:
    """`iterate_graphs` as UTF-8 bytes, for writers that pass the text on as it is: encoding
    half a gigabyte of text back to bytes costs a third of a second."""
    for graph in public_graphs(store):
        yield graph, graph_bytes(store, graph)


def union_lines(store: GraphStore, tally: Tally) -> Iterator[list[str]]:
    """The union of the public graphs as N-Triples statements, each triple once, graph by graph.

    A triple can repeat only under a subject found in an earlier graph; the tally already keeps
    the distinct subjects (for the description), so only such subjects' statements are looked
    up in the store, and memory stays bounded by the distinct subjects."""
    graphs = public_graphs(store)
    order = {_graph_key(g): i for i, g in enumerate(graphs)}
    db = store.store
    for graph in graphs:
        lines = graph_lines(graph_text(store, graph))
        seen_before = {s for s in {split(line)[0] for line in lines} if tally.seen(s)}
        tally.add_graph(graph, lines)
        if seen_before:
            here = order[_graph_key(graph)]
            kept = []
            for line in lines:
                if split(line)[0] in seen_before and _written_before(db, line, order, here):
                    tally.discount(line)
                else:
                    kept.append(line)
            lines = kept
        yield lines


def _written_before(db: ox.Store, line: str, order: dict[str, int], here: int) -> bool:
    """Whether the statement is also in a public graph written before graph number `here`."""
    t = next(iter(ox.parse(f"{line} .\n".encode(), ox.RdfFormat.N_TRIPLES)))
    return any(order.get(_graph_key(q.graph_name), here) < here
               for q in db.quads_for_pattern(t.subject, t.predicate, t.object, None))


def _graph_key(graph: object) -> str:
    return graph.value if isinstance(graph, ox.NamedNode) else ""
