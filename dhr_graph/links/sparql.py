"""Reading SELECT results as text: the corpus comes out of Oxigraph serialised as TSV.

Turning a national corpus into Python terms one by one is what reading it back would otherwise
spend its time on; Oxigraph serialises the results in Rust (without the GIL) and a few regex
scans pick the values out. Values are lexical: IRIs bare, literals unquoted, unbound "".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pyoxigraph as ox

_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_IRI_ROW = re.compile(r"^<([^>\t]*)>$", re.MULTILINE)
IRI_PAIR_ROW = re.compile(r"^<([^>\t]*)>\t<([^>\t]*)>$", re.MULTILINE)
_IRI_TEXT_ROW = re.compile(r'^<([^>\t]*)>\t"(.*)"(?:@[^\t"]*|\^\^<[^>\t]*>)?$', re.MULTILINE)


def tsv_text(store: ox.Store, query: str) -> str:
    """The results of a SELECT over the union of the named graphs, as SPARQL TSV."""
    results = store.query(query, use_default_graph_as_union=True)
    if not isinstance(results, ox.QuerySolutions):
        raise TypeError(f"not a SELECT: {query}")
    return (results.serialize(format=ox.QueryResultsFormat.TSV) or b"").decode("utf-8")


def tsv_rows(store: ox.Store, query: str) -> Iterator[list[str]]:
    """Rows of a SELECT as lexical values."""
    for line in tsv_text(store, query).split("\n")[1:]:
        if line:
            yield [_value(v) for v in line.split("\t")]


def _value(v: str) -> str:
    if v.startswith("<"):
        return v[1:-1]
    if v.startswith('"'):
        v = v[1:v.rindex('"')]
        if "\\" in v:
            v = _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1)) or chr(int(m.group(1)[1:], 16)), v)
        return v
    return v


def iri_rows(store: ox.Store, query: str) -> list[str]:
    """The IRIs of a one-column SELECT, matched in the serialised results by one regex scan."""
    return _IRI_ROW.findall(tsv_text(store, query))


def iri_texts(tsv: str) -> list[tuple[str, str]]:
    """(IRI, literal's lexical value) rows of a two-column SELECT's TSV, by one regex scan."""
    return [(iri, _value(f'"{v}"') if "\\" in v else v) for iri, v in _IRI_TEXT_ROW.findall(tsv)]


def pairs_query(pred: str, obj: str = "?o") -> str:
    """Every (subject, object) of one predicate, in whichever graph (no union to deduplicate);
    with `obj` given, the subjects only."""
    if obj == "?o":
        return f"SELECT ?s ?o WHERE {{ GRAPH ?g {{ ?s <{pred}> ?o }} }}"
    return f"SELECT ?s WHERE {{ GRAPH ?g {{ ?s <{pred}> {obj} }} }}"
