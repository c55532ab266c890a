"""Remote SPARQL endpoints: run the named queries against them, and publish a store to them.

Uses only the W3C protocols (SPARQL 1.1 Protocol for queries, Graph Store HTTP Protocol for
uploads), so any conforming triple store works; the tests use a real Oxigraph server.
Results come back as SPARQL JSON and are parsed by pyoxigraph, so a remote answer is the
same Python object as a local one and every output format works unchanged. HTTP goes through
netsafe.py: checked URLs, credentials, redaction, an overall deadline and a size cap.
"""

from __future__ import annotations

import dataclasses
import logging
import urllib.parse
from collections.abc import Mapping

import pyoxigraph as ox

from . import netsafe, remote_dataset
from .errors import RemoteError
from .netsafe import MAX_RESPONSE_BYTES, TIMEOUT_S
from .queries import QueryResult
from .sparqlscan import is_graph_query

log = logging.getLogger(__name__)
_JSON_TYPES = ("application/sparql-results+json", "application/json")


class RemoteStore:
    """A SPARQL query endpoint that `queries.run` can use in place of a `GraphStore`.

    Named queries read the default graph as the union of the named graphs; before the first
    query the endpoint is probed for how to ask for that (remote_dataset.py), and a server
    that cannot give it is an error that says how to fix it, never an empty answer.
    """

    def __init__(self, endpoint: str, timeout: float = TIMEOUT_S, max_bytes: int = MAX_RESPONSE_BYTES,
                 dataset: list[tuple[str, str]] | None = None) -> None:
        """`dataset`: the extra request parameters of every query; None (the default) probes for them
        before the first query, [] takes the server's own default graph as it is."""
        self.target = netsafe.target(endpoint, "SPARQL endpoint")
        self.endpoint = self.target.display  # safe to print: credentials redacted
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.dataset = dataset

    def query(self, sparql: str, prefixes: Mapping[str, str] | None = None) -> QueryResult:
        """POST the query (SPARQL 1.1 Protocol) over the union of the named graphs, as locally
        (the request parameters for that are found once: remote_dataset.py), and parse the results."""
        if self.dataset is None:
            self.dataset = remote_dataset.probe(self.endpoint, self.send)
        header = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in (prefixes or {}).items())
        return self.send(header + sparql, self.dataset)

    def send(self, sparql: str, params: list[tuple[str, str]]) -> QueryResult:
        """One query with extra request parameters, read in full: SELECT/ASK results or CONSTRUCT triples.

        An answer that is not what was asked for (an HTML page, a malformed IRI) is the server's
        fault and raises RemoteError, never a syntax error about the user's query.
        """
        body = urllib.parse.urlencode([("query", sparql), *params]).encode("utf-8")
        graph = is_graph_query(sparql)  # asked for as N-Triples: Virtuoso has a JSON of its own for graphs
        accept = "application/n-triples, text/plain;q=0.9, text/turtle;q=0.8" if graph else \
            "application/sparql-results+json"
        with netsafe.Client(self.target, self.timeout, self.max_bytes) as client:
            response = client.request("POST", self.target, body, {
                "Content-Type": "application/x-www-form-urlencoded", "Accept": accept,
            })
        _expect_success(response, self.target)
        return parse_triples(response, self.target) if graph else parse_results(response, self.target)


def parse_triples(response: netsafe.Response, where: netsafe.Target) -> QueryResult:
    """N-Triples or Turtle of a CONSTRUCT or DESCRIBE -> QueryResult with its triples."""
    fmt = ox.RdfFormat.TURTLE if response.content_type == "text/turtle" else ox.RdfFormat.N_TRIPLES
    try:
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(response.body, format=fmt)]
    except (SyntaxError, ValueError, UnicodeError) as exc:
        raise RemoteError(where.redact(f"{where.display}: bad response from the server: not {fmt.name} "
                                       f"({netsafe.one_line(str(exc), 120)})")) from None
    return QueryResult(variables=[], triples=triples)


def parse_results(response: netsafe.Response, where: netsafe.Target) -> QueryResult:
    """SPARQL JSON results -> QueryResult, read to the end so that every error is raised here."""
    try:
        parsed = ox.parse_query_results(response.body, format=ox.QueryResultsFormat.JSON)
        if isinstance(parsed, ox.QueryBoolean):
            return QueryResult(variables=["result"], boolean=bool(parsed))
        variables = [v.value for v in parsed.variables]
        rows = [{v: sol[v] for v in variables if sol[v] is not None} for sol in parsed]
        return QueryResult(variables=variables, rows=rows)
    except (SyntaxError, ValueError, OSError, UnicodeError) as exc:
        kind = response.content_type or "no Content-Type"
        expected = "" if kind in _JSON_TYPES else f", sent as {kind}"
        raise RemoteError(where.redact(f"{where.display}: bad response from the server: not SPARQL JSON "
                                       f"results{expected} ({netsafe.one_line(str(exc), 120)})")) from None


def _default(base: netsafe.Target) -> netsafe.Target:
    sep = "&" if urllib.parse.urlsplit(base.url).query else "?"
    url = f"{base.url}{sep}default"
    return dataclasses.replace(base, url=url, display=netsafe.redact_url(url))


def _expect_success(response: netsafe.Response, where: netsafe.Target, what: str = "") -> None:
    if 200 <= response.status < 300:
        return
    detail = netsafe.one_line(response.body.decode("utf-8", "replace")) or response.reason
    hint = ""
    if response.status in (401, 403):
        hint = (f" (the credentials from {where.credentials_from} were refused)" if where.credentials_from
                else " (give credentials in the URL, DHR_GRAPH_USER/DHR_GRAPH_PASSWORD, DHR_GRAPH_TOKEN or ~/.netrc)")
    raise RemoteError(where.redact(f"{where.display}: HTTP {response.status}{what}: {detail}{hint}"))
