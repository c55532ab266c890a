"""Every named query gives the same rows on the local store and on each real endpoint.

Endpoints, each started here on free loopback ports: `dhr-graph serve`, the Oxigraph server
with and without `--union-default-graph`, and OpenLink Virtuoso (a fresh database per test
session). The corpus has several reviews and their cross-review links, so the link queries
have rows too. Where engines may differ by the standard itself, the comparison says so:
rows are compared as a multiset (engines order ties differently), and GROUP_CONCAT lists as
sets of items (SPARQL leaves the order inside a group open; Virtuoso sorts, Oxigraph does not).
"""

from __future__ import annotations

import io
import re
import shlex
from pathlib import Path

import pyoxigraph as ox
import pytest

from dhr_graph import resources
from dhr_graph.errors import StoreError
from dhr_graph.pipeline import build
from dhr_graph.queries import NamedQuery, QueryResult, library, run
from dhr_graph.publish import publish_all as publish
from dhr_graph.remote import RemoteStore
from dhr_graph.store import GraphStore

from . import servers

pytestmark = pytest.mark.slow

DATA = Path(__file__).resolve().parent / "data"
ENGINES = ("serve", "oxigraph-union", "oxigraph-plain", "virtuoso")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, toolkit) -> Path:
    path = tmp_path_factory.mktemp("endpoints") / "store"
    report = build([*resources.sample_pages(), DATA / "query-corpus", DATA / "links"], path, toolkit=toolkit)
    assert report.committed and not report.failed
    return path


def _oxigraph(tmp_path_factory, corpus: Path, union: bool):
    if servers.oxigraph_binary() is None:
        pytest.skip("the Oxigraph server (pip package 'oxigraph', a dev extra) is not installed")
    proc, base = servers.start_oxigraph(tmp_path_factory.mktemp("oxigraph"), union)
    publish(GraphStore(corpus), f"{base}/store")
    return proc, f"{base}/query"


@pytest.fixture(scope="module")
def oxigraph_union(tmp_path_factory, corpus):
    proc, url = _oxigraph(tmp_path_factory, corpus, union=True)
    yield url
    servers.stop(proc)


@pytest.fixture(scope="module")
def oxigraph_plain(tmp_path_factory, corpus):
    proc, url = _oxigraph(tmp_path_factory, corpus, union=False)
    yield url
    servers.stop(proc)


@pytest.fixture(scope="module")
def serve(corpus):
    proc, base = servers.start_serve(corpus)
    yield f"{base}/query"
    servers.stop(proc)


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    if servers.virtuoso_binary() is None:
        pytest.skip("OpenLink Virtuoso (Debian package virtuoso-opensource) is not installed; .ci/run installs it")
    proc, base = servers.start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield base
    servers.stop(proc)


@pytest.fixture(scope="module")
def virtuoso_corpus(virtuoso, corpus):
    """The corpus put graph by graph through Virtuoso's Graph Store Protocol endpoint."""
    store = GraphStore(corpus)
    for graph in store.named_graphs():
        buffer = io.BytesIO()
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in store.quads(graph)]
        ox.serialize(triples, buffer, ox.RdfFormat.N_TRIPLES)
        servers.virtuoso_put_graph(virtuoso, graph, buffer.getvalue())
    return f"{virtuoso}/sparql"


@pytest.fixture(params=ENGINES)
def endpoint(request) -> str:
    fixture = {"serve": "serve", "oxigraph-union": "oxigraph_union", "oxigraph-plain": "oxigraph_plain",
               "virtuoso": "virtuoso_corpus"}[request.param]
    return request.getfixturevalue(fixture)


def cases() -> list[tuple[str, dict[str, str]]]:
    """Each named query without parameters (when it can run so) and with each example's parameters."""
    out = []
    for name, nq in library().items():
        if not any(p.required for p in nq.params):
            out.append((name, {}))
        for example in nq.examples:
            words = shlex.split(example)
            pairs = [w for i, w in enumerate(words) if i and words[i - 1] in ("--param", "-p")]
            if pairs:
                out.append((name, dict(p.split("=", 1) for p in pairs)))
    return out


_CONCAT_RE = re.compile(r"GROUP_CONCAT\s*\((.*?)\)\s*AS\s*\?(\w+)", re.IGNORECASE | re.DOTALL)
_SEPARATOR_RE = re.compile(r'separator\s*=\s*"([^"]*)"', re.IGNORECASE)


def normalised(nq: NamedQuery, result: QueryResult) -> list[tuple]:
    separators = {}
    for inside, var in _CONCAT_RE.findall(nq.text):
        m = _SEPARATOR_RE.search(inside)
        separators[var] = m.group(1) if m else " "

    def cell(var: str, value: str | None) -> str:
        if value is not None and var in separators:
            return separators[var].join(sorted(value.split(separators[var])))
        return value or ""

    return sorted(tuple((v, cell(v, row[v])) for v in result.variables) for row in result.values())


def test_every_named_query_gives_the_same_rows(endpoint, corpus):
    local, remote = GraphStore(corpus), RemoteStore(endpoint)
    queries, non_empty = library(), 0
    for name, params in cases():
        nq = queries[name]
        here, there = run(local, nq, params), run(remote, nq, params)
        assert there.variables == here.variables, (name, params)
        assert normalised(nq, there) == normalised(nq, here), (name, params)
        non_empty += bool(len(here))
    assert len(cases()) >= len(queries) and non_empty >= len(queries) - 3  # the rows compared are real rows


def test_the_probe_picks_the_right_request(oxigraph_plain, oxigraph_union, virtuoso_corpus, serve):
    """The plain Oxigraph server needs the union asked for; the others already give it."""
    for url, expected in ((oxigraph_plain, [("union-default-graph", "")]), (oxigraph_union, []),
                          (virtuoso_corpus, []), (serve, [])):
        remote = RemoteStore(url)
        run(remote, library()["store-stats"])
        assert remote.dataset == expected, url


def test_the_dataset_in_the_protocol_gives_the_union(oxigraph_plain, corpus):
    """The standard fallback (default-graph-uri/named-graph-uri for every graph) answers as locally."""
    from dhr_graph.remote_dataset import dataset_params

    remote = RemoteStore(oxigraph_plain)
    remote.dataset = dataset_params(GraphStore(corpus).named_graphs())
    nq = library()["shared-agencies"]
    assert normalised(nq, run(remote, nq)) == normalised(nq, run(GraphStore(corpus), nq))


def test_an_empty_endpoint_is_an_error_not_zero_rows(tmp_path):
    if servers.oxigraph_binary() is None:
        pytest.skip("the Oxigraph server (pip package 'oxigraph', a dev extra) is not installed")
    proc, base = servers.start_oxigraph(tmp_path / "empty", union=False)
    try:
        with pytest.raises(StoreError, match="holds no dhr-graph reviews"):
            run(RemoteStore(f"{base}/query"), library()["shared-agencies"])
        # reviews flattened into the default graph: the GRAPH patterns would find nothing
        review = (f"<{base}/r> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                  "<https://w3id.org/dhr-graph/def/Review> .\n").encode()
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(f"{base}/store?default", data=review, method="POST",
                                                      headers={"Content-Type": "application/n-triples"})).read()
        with pytest.raises(StoreError, match="default graph, not in named graphs"):
            run(RemoteStore(f"{base}/query"), library()["shared-agencies"])
    finally:
        servers.stop(proc)


def test_sparqlwrapper_reads_virtuoso_and_serve_alike(virtuoso_corpus, serve, corpus):
    """A real third-party client: the same SELECT through SPARQLWrapper on both endpoints."""
    sparqlwrapper = pytest.importorskip("SPARQLWrapper", reason="SPARQLWrapper is a dev extra")
    query = ("SELECT ?key (COUNT(?rec) AS ?n) WHERE { ?r a <https://w3id.org/dhr-graph/def/Review> ; "
             "<http://purl.org/dc/terms/identifier> ?key ; <https://w3id.org/dhr-graph/def/recommendation> ?rec } "
             "GROUP BY ?key")
    answers = []
    for url in (virtuoso_corpus, serve):
        client = sparqlwrapper.SPARQLWrapper(url)
        client.setQuery(query)
        client.setReturnFormat(sparqlwrapper.JSON)
        rows = client.queryAndConvert()["results"]["bindings"]
        answers.append(sorted((r["key"]["value"], int(r["n"]["value"])) for r in rows))
    local = sorted((r["key"], r["n"]) for r in run(GraphStore(corpus), query).records())
    assert answers[0] == answers[1] == local and len(local) >= 8


def test_construct_gives_the_same_triples(endpoint, corpus):
    """Graph results come back as triples on every engine (Virtuoso would send its own JSON if
    asked for SPARQL results: the client asks for N-Triples). DESCRIBE is left out: what it
    returns is each engine's choice by the standard (Virtuoso adds the triples pointing in)."""
    query = "CONSTRUCT { ?rec dhr:addressedTo ?agency } WHERE { GRAPH ?g { ?rec dhr:addressedTo ?agency } }"
    here, there = run(GraphStore(corpus), query), run(RemoteStore(endpoint), query)
    assert there.triples is not None and set(map(str, there.triples)) == set(map(str, here.triples or []))
    assert len(set(map(str, here.triples or []))) > 50
