"""Which dataset to ask a remote endpoint for, so named queries answer as they do locally.

The named queries read the default graph as the union of the named graphs (one per review),
as the local store does. Servers differ: Virtuoso's default graph already spans every graph;
an Oxigraph server started without `--union-default-graph` has an empty default graph, so the
same query would silently answer with no rows. Before the first query, `probe` takes one
review from a named graph and asks whether the plain default graph sees it; if not, it asks
again with Oxigraph's `union-default-graph` request parameter, then with the dataset spelled
out in the SPARQL 1.1 Protocol (`default-graph-uri` and `named-graph-uri` for every named
graph). The first that works is used for every query; when none does, or the endpoint holds
no reviews at all, the probe stops with a message that says how to fix it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import pyoxigraph as ox

from .errors import RemoteError, StoreError
from .iris import PREFIXES

log = logging.getLogger(__name__)

Params = list[tuple[str, str]]
# runs a query with extra request parameters and gives the parsed result
Ask = Callable[[str, Params], object]

_REVIEW = PREFIXES["dhr"] + "Review"
FIX = ("make the server's default graph the union of its named graphs "
       "(Oxigraph: 'oxigraph serve --union-default-graph'; Fuseki: tdb2:unionDefaultGraph true)")


def probe(endpoint: str, send: Ask) -> Params:
    """The extra request parameters under which the default graph is the union of the named graphs."""
    found = list(send(f"SELECT ?s WHERE {{ GRAPH ?g {{ ?s a <{_REVIEW}> }} }} LIMIT 1", []))  # type: ignore[call-overload]
    if not found:
        if _true(send(f"ASK {{ ?s a <{_REVIEW}> }}", [])):
            raise StoreError(f"{endpoint}: the reviews sit in the default graph, not in named graphs; "
                             "load them with 'dhr-graph publish', which keeps one named graph per review")
        raise StoreError(f"{endpoint}: the endpoint holds no dhr-graph reviews "
                         "(send a store there first: 'dhr-graph publish --to GRAPH-STORE-URL')")
    review = found[0].get("s")
    if not isinstance(review, ox.NamedNode):
        raise RemoteError(f"{endpoint}: bad response from the server: its answer to a query for one review "
                          "has no review IRI")
    check = f"ASK {{ {review} a <{_REVIEW}> }}"
    if _true(send(check, [])):
        return []
    union: Params = [("union-default-graph", "")]
    if _try(send, check, union):
        log.info("%s: asking for the union default graph (union-default-graph)", endpoint)
        return union
    graphs = [row["g"].value for row in send("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", [])  # type: ignore[attr-defined]
              if isinstance(row["g"], ox.NamedNode)]
    dataset = dataset_params(graphs)
    if graphs and _try(send, check, dataset):
        log.info("%s: giving the dataset in each request (%d named graphs)", endpoint, len(graphs))
        return dataset
    raise StoreError(f"{endpoint}: the default graph of this endpoint does not include its named graphs, "
                     f"so the named queries would answer with no rows; {FIX}")


def dataset_params(graphs: Sequence[str]) -> Params:
    """SPARQL 1.1 Protocol dataset: every graph as part of the default graph, and as a named graph."""
    return [("default-graph-uri", g) for g in graphs] + [("named-graph-uri", g) for g in graphs]


def _true(result: object) -> bool:
    """The answer of an ASK (a QueryResult's boolean, or any truthy answer)."""
    boolean = getattr(result, "boolean", None)
    return bool(result) if boolean is None else bool(boolean)


def _try(send: Ask, query: str, params: Params) -> bool:
    """A server may refuse a parameter it does not know: that is a no, not an error."""
    try:
        return _true(send(query, params))
    except StoreError as exc:
        log.info("probe refused: %s", exc)
        return False
