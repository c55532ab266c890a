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

from .errors import StoreError
from .store import GraphStore

TIMEOUT_S = 60


class RemoteStore:
    """A SPARQL query endpoint that `queries.run` can use in place of a `GraphStore`.

    The endpoint decides its default graph: for the answers of the local store it must use
    the union of named graphs (`oxigraph serve --union-default-graph`, or the store's own
    setting); see the README.
    """

    def __init__(self, endpoint: str, timeout: float = TIMEOUT_S) -> None:
        if not endpoint.startswith(("http://", "https://")):
            raise StoreError(f"{endpoint}: a SPARQL endpoint must be an http(s) URL")
        self.endpoint = endpoint
        self.timeout = timeout

    def query(self, sparql: str, prefixes: Mapping[str, str] | None = None) -> object:
        """POST the query (SPARQL 1.1 Protocol) and parse the JSON results."""
        header = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in (prefixes or {}).items())
        body = urllib.parse.urlencode({"query": header + sparql}).encode("utf-8")
        request = urllib.request.Request(self.endpoint, data=body, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/sparql-results+json",
        })
        payload = _send(request, self.timeout, self.endpoint)
        return ox.parse_query_results(payload, format=ox.QueryResultsFormat.JSON)


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
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        detail = " ".join(exc.read().decode("utf-8", "replace").split())[:200]
        raise StoreError(f"{where}: HTTP {exc.code}: {detail or exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise StoreError(f"{where}: cannot reach endpoint: {reason}") from None
