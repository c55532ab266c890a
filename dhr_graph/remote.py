"""Remote SPARQL endpoints: run the named queries against them, and publish a store to them.

Uses only the W3C protocols (SPARQL 1.1 Protocol for queries, Graph Store HTTP Protocol for
uploads), so any conforming triple store works; the tests use a real Oxigraph server.
Results come back as SPARQL JSON and are parsed by pyoxigraph, so a remote answer is the
same Python object as a local one and every output format works unchanged.
"""

from __future__ import annotations

import io
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping

import pyoxigraph as ox

from . import remote_dataset
from .errors import StoreError
from .sparqltext import is_graph_query
from .store import GraphStore

TIMEOUT_S = 60


class RemoteStore:
    """A SPARQL query endpoint that `queries.run` can use in place of a `GraphStore`.

    Named queries read the default graph as the union of the named graphs; before the first
    query the endpoint is probed for how to ask for that (remote_dataset.py), and a server
    that cannot give it is an error that says how to fix it, never an empty answer.
    """

    def __init__(self, endpoint: str, timeout: float = TIMEOUT_S) -> None:
        if not endpoint.startswith(("http://", "https://")):
            raise StoreError(f"{endpoint}: a SPARQL endpoint must be an http(s) URL")
        self.endpoint = endpoint
        self.timeout = timeout
        self.dataset: list[tuple[str, str]] | None = None  # extra request parameters, once probed

    def query(self, sparql: str, prefixes: Mapping[str, str] | None = None) -> object:
        """POST the query (SPARQL 1.1 Protocol) over the union of the named graphs, as locally
        (the request parameters for that are found once: remote_dataset.py), and parse the results."""
        if self.dataset is None:
            self.dataset = remote_dataset.probe(self.endpoint, self.send)
        header = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in (prefixes or {}).items())
        return self.send(header + sparql, self.dataset)

    def send(self, sparql: str, params: list[tuple[str, str]]) -> object:
        """One query with extra request parameters; SELECT/ASK results or CONSTRUCT triples."""
        body = urllib.parse.urlencode([("query", sparql), *params]).encode("utf-8")
        graph = is_graph_query(sparql)  # asked for as N-Triples: Virtuoso has a JSON of its own for graphs
        accept = "application/n-triples, text/plain;q=0.9, text/turtle;q=0.8" if graph else \
            "application/sparql-results+json"
        request = urllib.request.Request(self.endpoint, data=body, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", "Accept": accept,
        })
        payload, ctype = _send_typed(request, self.timeout, self.endpoint)
        try:
            if graph:
                fmt = ox.RdfFormat.TURTLE if ctype == "text/turtle" else ox.RdfFormat.N_TRIPLES
                return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(payload, format=fmt)]
            return ox.parse_query_results(payload, format=ox.QueryResultsFormat.JSON)
        except SyntaxError as exc:
            raise StoreError(f"{self.endpoint}: the answer is not {'N-Triples' if graph else 'SPARQL JSON'} "
                             f"({ctype or 'no content type'}): {' '.join(str(exc).split())[:200]}") from None


def publish(store: GraphStore, graph_store_url: str, timeout: float = TIMEOUT_S) -> int:
    """Send every quad of the store to a Graph Store Protocol endpoint as N-Quads.

    The endpoint adds the quads to what it holds (HTTP POST); named graphs keep their names,
    so publishing a rebuilt store again replaces nothing by itself: clear the remote graphs
    first when they must be replaced. Returns the number of quads sent.
    """
    buffer = io.BytesIO()
    quads = list(store.quads())
    ox.serialize(quads, buffer, ox.RdfFormat.N_QUADS)
    request = urllib.request.Request(graph_store_url, data=buffer.getvalue(), method="POST",
                                     headers={"Content-Type": "application/n-quads"})
    _send(request, timeout, graph_store_url)
    return len(quads)


def _send(request: urllib.request.Request, timeout: float, where: str) -> bytes:
    return _send_typed(request, timeout, where)[0]


def _send_typed(request: urllib.request.Request, timeout: float, where: str) -> tuple[bytes, str]:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            ctype = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            return response.read(), ctype
    except urllib.error.HTTPError as exc:
        detail = " ".join(exc.read().decode("utf-8", "replace").split())[:200]
        raise StoreError(f"{where}: HTTP {exc.code}: {detail or exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise StoreError(f"{where}: cannot reach endpoint: {reason}") from None
