"""A streaming JSON-LD 1.1 writer, compacted with the shipped context, byte-stable.

rdflib builds the whole dataset in memory and compacts it there (80 s and gigabytes for a
2,000-review store), and no well-kept Python library writes compacted JSON-LD as a stream,
so this writes it graph by graph from the N-Triples lines of each graph (ntriples.py):

    {"@context": {...the shipped context...},
     "@graph": [
      {"@id": GRAPH, "@graph": [
       {"@id": ..., "@type": ..., "key": value, ...},   <- one node per line
       ...]},
      ...]}

Subjects are sorted by their N-Triples form, properties by key, values by their N-Triples
form, so identical stores give identical bytes. Only what the context defines is used: a key
is the context's term for the property when its type coercion fits the value (`@id` for IRIs,
the datatype for typed literals, none for plain strings), otherwise a compact IRI with a value
object; literals are never turned into JSON numbers or booleans, so every value reads back
exactly. The default graph's nodes, if any, come first at the top level.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from .iris import PREFIXES
from .ntriples import literal_parts, split

RDF_TYPE = PREFIXES["rdf"] + "type"
_GEN_DELIMS = ("/", "#", ":", "?", "@", "[", "]")


@dataclass
class Compactor:
    """What the context allows: term names by IRI and coercion, and the prefixes."""

    context: Mapping[str, Any]
    prefixes: list[tuple[str, str]] = field(default_factory=list)  # (IRI, name), longest IRI first
    typed_terms: dict[tuple[str, str | None], str] = field(default_factory=dict)  # (IRI, coercion) -> term
    class_terms: dict[str, str] = field(default_factory=dict)  # IRI -> term usable as a @type value
    _keys: dict[tuple[str, str, str | None], tuple[str, str | None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        simple = {k: v for k, v in self.context.items() if isinstance(v, str) and not k.startswith("@")}
        raw_prefixes = {k: v for k, v in simple.items() if ":" not in k and v.endswith(_GEN_DELIMS)}
        for name, value in sorted(self.context.items()):
            if name.startswith("@"):
                continue
            if isinstance(value, str):
                iri, coercion = self._expand(value, raw_prefixes), None
                self.class_terms.setdefault(iri, name)
            elif isinstance(value, dict) and isinstance(value.get("@id"), str) and set(value) <= {"@id", "@type"}:
                iri = self._expand(value["@id"], raw_prefixes)
                kind = value.get("@type")
                coercion = None if kind is None else "@id" if kind == "@id" else self._expand(kind, raw_prefixes)
            else:
                continue  # a definition this writer does not use (containers, reverse...)
            self.typed_terms.setdefault((iri, coercion), name)
        self.prefixes = sorted(((self._expand(v, raw_prefixes), k) for k, v in raw_prefixes.items()),
                               key=lambda item: (-len(item[0]), item[1]))

    @staticmethod
    def _expand(value: str, prefixes: Mapping[str, str]) -> str:
        head, sep, rest = value.partition(":")
        if sep and head in prefixes and not rest.startswith("//"):
            return prefixes[head] + rest
        return value

    def iri(self, iri: str) -> str:
        """An IRI as a compact IRI when a prefix fits (`dhr:Review`), else whole."""
        for base, name in self.prefixes:
            if iri.startswith(base) and not iri[len(base):].startswith("//"):
                return f"{name}:{iri[len(base):]}"
        return iri

    def node_id(self, term: str) -> str:
        """An N-Triples IRI or blank node as a JSON-LD node identifier."""
        return self.iri(term[1:-1]) if term.startswith("<") else term

    def type_value(self, term: str) -> str:
        """A class as a `@type` value: its term if the context names it, else a compact IRI."""
        if not term.startswith("<"):
            return term
        iri = term[1:-1]
        return self.class_terms.get(iri) or self.iri(iri)

    def entry(self, predicate: str, obj: str) -> tuple[str, Any]:
        """The key and value of one statement of a node."""
        p = predicate[1:-1]
        if obj.startswith("<") or obj.startswith("_:"):
            key, coercion = self._key(p, "@id", "@id")
            node = self.node_id(obj)
            return key, node if coercion == "@id" else {"@id": node}
        value, language, datatype = literal_parts(obj)
        if language is not None:
            key, _ = self._key(p, "@language", None)
            return key, {"@value": value, "@language": language}
        if datatype is None:
            key, _ = self._key(p, "", None)
            return key, value
        key, coercion = self._key(p, datatype, datatype)
        return key, value if coercion == datatype else {"@value": value, "@type": self.iri(datatype)}

    def _key(self, p: str, kind: str, wanted: str | None) -> tuple[str, str | None]:
        """The key for property `p` and a value of `kind`: the term coerced to `wanted`, else an
        uncoerced term, else the compact IRI (with the coercion that key applies)."""
        cache_key = (p, kind, wanted)
        found = self._keys.get(cache_key)
        if found is None:
            if wanted is not None and (p, wanted) in self.typed_terms:
                found = (self.typed_terms[(p, wanted)], wanted)
            elif (p, None) in self.typed_terms:
                found = (self.typed_terms[(p, None)], None)
            else:
                found = (self.iri(p), None)
            self._keys[cache_key] = found
        return found

    def node(self, subject: str, statements: Iterable[tuple[str, str]]) -> dict[str, Any]:
        """One node object from its (predicate, object) pairs, keys and values in a fixed order."""
        types: list[str] = []
        entries: dict[str, list[Any]] = {}
        for p, o in statements:
            if p == f"<{RDF_TYPE}>" and not o.startswith('"'):
                types.append(self.type_value(o))
                continue
            key, value = self.entry(p, o)
            entries.setdefault(key, []).append(value)
        out: dict[str, Any] = {"@id": self.node_id(subject)}
        if types:
            out["@type"] = types[0] if len(types) == 1 else types
        for key in sorted(entries):
            values = entries[key]
            out[key] = values[0] if len(values) == 1 else values
        return out


class JsonLdWriter:
    """Write a dataset as compacted JSON-LD to a binary handle, one graph at a time."""

    def __init__(self, handle: IO[bytes], context: Mapping[str, Any]) -> None:
        self.handle = handle
        self.context = context
        self.compactor = Compactor(context)
        self._first = True

    def start(self) -> None:
        context = json.dumps(self.context, ensure_ascii=False, indent=1)
        self.handle.write(f'{{\n"@context": {context},\n"@graph": ['.encode())

    def graph(self, name: str | None, lines: Iterable[str]) -> None:
        """Write one graph (`name` None: the default graph) from its N-Triples statements."""
        nodes = self._nodes(sorted(lines))
        if name is None:
            for node in nodes:
                self._item(node)
            return
        self._item(f'{{"@id": {_dump(self.compactor.node_id(name))}, "@graph": [\n' + ",\n".join(nodes) + "\n]}")

    def finish(self) -> None:
        self.handle.write(b"\n]\n}\n")

    def _item(self, text: str) -> None:
        self.handle.write((("\n" if self._first else ",\n") + text).encode("utf-8"))
        self._first = False

    def _nodes(self, lines: list[str]) -> list[str]:
        nodes: list[str] = []
        subject: str | None = None
        pairs: list[tuple[str, str]] = []
        for line in lines:
            s, p, o = split(line)
            if s != subject:
                if subject is not None:
                    nodes.append(_dump(self.compactor.node(subject, pairs)))
                subject, pairs = s, []
            pairs.append((p, o))
        if subject is not None:
            nodes.append(_dump(self.compactor.node(subject, pairs)))
        return nodes


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
