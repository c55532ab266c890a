"""`dhr-graph serve`, started as a real process: the SPARQL 1.1 Protocol, the named-query web
API, its limits and refusals, and a build swapping the store while clients read."""

from __future__ import annotations

import http.client
import io
import json
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from dhr_graph import resources
from dhr_graph.cli import main
from dhr_graph.resultformats import render
from dhr_graph.queries import library, run, run_named
from dhr_graph.store import GraphStore

from . import servers

pytestmark = pytest.mark.slow

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
REVIEWS = "CONSTRUCT { ?r a dhr:Review ; dcterms:identifier ?k } WHERE { ?r a dhr:Review ; dcterms:identifier ?k }"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def tight(tmp_path_factory, sample_store):
    """A second server with a short time limit, a small result limit and CORS for one origin,
    on its own copy of the store (its reader copies are checked for clean-up)."""
    store = tmp_path_factory.mktemp("tight") / "store"
    shutil.copytree(sample_store, store)
    proc, base = servers.start_serve(store, "--timeout", "1.5", "--max-result-mb", "0.02",
                                     "--cors", "https://example.org")
    yield base, store, proc
    servers.stop(proc)


def get(url: str, accept: str | None = None, data: bytes | None = None, ctype: str | None = None,
        origin: str | None = None) -> tuple[int, dict[str, str], bytes]:
    headers = {k: v for k, v in (("Accept", accept), ("Content-Type", ctype), ("Origin", origin)) if v}
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def q(base: str, query: str, **extra: str) -> str:
    return f"{base}/query?" + urllib.parse.urlencode({"query": query, **extra})


def local_count(store: Path) -> int:
    return int(run(GraphStore(store), COUNT).records()[0]["n"])


# ---------------------------------------------------------------- the protocol


def test_get_post_form_and_post_direct_agree(endpoint, sample_store):
    expected = local_count(sample_store)
    answers = [
        get(q(endpoint, COUNT), "application/sparql-results+json"),
        get(f"{endpoint}/query", "application/sparql-results+json",
            urllib.parse.urlencode({"query": COUNT}).encode(), "application/x-www-form-urlencoded"),
        get(f"{endpoint}/query", "application/sparql-results+json", COUNT.encode(), "application/sparql-query"),
    ]
    for status, headers, body in answers:
        assert status == 200 and headers["content-type"].startswith("application/sparql-results+json")
        assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == expected > 1000


@pytest.mark.parametrize("accept,fmt", [
    ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ("text/csv", ox.QueryResultsFormat.CSV),
    ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
])
def test_select_results_in_each_format(endpoint, sample_store, accept, fmt):
    query = "SELECT ?k WHERE { ?r a dhr:Review ; dcterms:identifier ?k }"
    status, headers, body = get(q(endpoint, query), accept)
    assert status == 200 and headers["content-type"].startswith(accept)
    if fmt == ox.QueryResultsFormat.CSV:  # lossy by design: Oxigraph does not read it back
        import csv

        rows = [r["k"] for r in csv.DictReader(io.StringIO(body.decode()))]
    else:
        rows = [s["k"].value for s in ox.parse_query_results(body, format=fmt)]
    assert rows == [r["k"] for r in run(GraphStore(sample_store), query).values()] and rows


@pytest.mark.parametrize("accept,fmt", [
    ("text/turtle", ox.RdfFormat.TURTLE),
    ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/ld+json", ox.RdfFormat.JSON_LD),
])
def test_construct_results_in_each_format(endpoint, accept, fmt):
    status, headers, body = get(q(endpoint, REVIEWS), accept)
    assert status == 200 and headers["content-type"].startswith(accept)
    triples = list(ox.parse(body, format=fmt))
    assert len(triples) == 2 and {t.predicate.value for t in triples} >= {"http://purl.org/dc/terms/identifier"}


def test_dataset_in_the_protocol(endpoint, sample_store):
    """default-graph-uri narrows the default graph to the graphs named; a bad IRI is a 400."""
    themes = "https://w3id.org/dhr-graph/graph/themes"
    status, _, body = get(q(endpoint, COUNT, **{"default-graph-uri": themes}), "text/csv")
    assert status == 200 and int(body.split()[1]) == len(list(GraphStore(sample_store).quads(themes)))
    status, _, body = get(q(endpoint, COUNT, **{"default-graph-uri": "not an iri"}))
    assert status == 400 and "must be IRIs" in body.decode()


def test_ask_in_each_format(endpoint):
    for accept, expected in (("application/sparql-results+json", b'"boolean":true'), ("text/csv", b"true"),
                             ("application/sparql-results+xml", b"<boolean>true</boolean>")):
        status, _, body = get(q(endpoint, "ASK { ?s a dhr:Review }"), accept)
        assert status == 200 and expected in body


def test_unacceptable_media_type_is_406(endpoint):
    status, _, body = get(q(endpoint, COUNT), "image/png")
    assert status == 406 and b"application/sparql-results+json" in body


def test_rdflib_sparqlstore_reads_the_endpoint(endpoint, sample_store):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    remote = SPARQLStore(f"{endpoint}/query", returnFormat="json")
    rows = list(remote.query("SELECT ?k WHERE { ?r a <https://w3id.org/dhr-graph/def/Review> ; "
                             "<http://purl.org/dc/terms/identifier> ?k }"))
    assert [str(r[0]) for r in rows] == ["southampton-2020"]


def test_sparqlwrapper_construct(endpoint):
    sparqlwrapper = pytest.importorskip("SPARQLWrapper", reason="SPARQLWrapper is a dev extra")
    client = sparqlwrapper.SPARQLWrapper(f"{endpoint}/query")
    client.setQuery(REVIEWS.replace("dhr:", "<https://w3id.org/dhr-graph/def/").replace(
        "Review ", "Review> ").replace("dcterms:identifier", "<http://purl.org/dc/terms/identifier>"))
    client.setReturnFormat(sparqlwrapper.TURTLE)
    graph = client.queryAndConvert()
    assert b"southampton-2020" in graph


# ---------------------------------------------------------------- named queries as a web API


def test_named_query_list_is_documented_by_headers(endpoint):
    status, _, body = get(f"{endpoint}/queries")
    listed = {entry["name"]: entry for entry in json.loads(body)}
    assert status == 200 and set(listed) == set(library())
    shared = listed["shared-agencies"]
    assert shared["params"] == [{"name": "min", "type": "integer", "default": "2", "required": False,
                                 "doc": "fewest recommendations an agency must be addressed by"}]
    assert shared["title"] == library()["shared-agencies"].title and shared["examples"]
    assert str(resources.queries_dir()) not in body.decode() and ".rq" not in body.decode()  # no file paths


def test_named_query_gives_what_the_cli_gives(endpoint, sample_store):
    status, headers, body = get(f"{endpoint}/queries/shared-agencies?min=3&format=csv")
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert body.decode() == render(run_named(sample_store, "shared-agencies", min=3), "csv")
    status, _, body = get(f"{endpoint}/queries/shared-agencies?min=6", "application/sparql-results+json")
    labels = [b["label"]["value"] for b in json.loads(body)["results"]["bindings"]]
    assert labels == ["Southern Health NHS Foundation Trust"]


def test_named_query_parameters_are_bound_safely(endpoint):
    injection = urllib.parse.quote('x" } ; DROP ALL ; #')
    status, _, body = get(f"{endpoint}/queries/shared-agencies?min={injection}")
    assert status == 400 and body.decode().count("\n") == 1 and "not a valid integer" in body.decode()
    status, _, body = get(f"{endpoint}/queries/reviews-for-agency?agency={injection}&format=csv")
    assert status == 200 and body.decode().splitlines()[1:] == []  # a string that matches no agency
    status, _, body = get(f"{endpoint}/queries/shared-agencies?colour=red")
    assert status == 400 and "unknown parameter 'colour'" in body.decode()
    status, _, body = get(f"{endpoint}/queries/no-such-query")
    assert status == 404


def test_page_lists_the_queries_offline(endpoint):
    status, headers, body = get(f"{endpoint}/")
    page = body.decode()
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert all(f'id="{name}"' in page for name in library()) and "<textarea" in page
    assert "http://" not in page and "https://" not in page.replace("https://w3id.org", "")  # nothing fetched


# ---------------------------------------------------------------- refusals and limits


@pytest.mark.parametrize("text", [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "PREFIX x: <urn:x#> DELETE WHERE { ?s ?p ?o }",
    "LOAD <http://example.org/data.ttl>",
    "DROP ALL",
    "CLEAR DEFAULT",
])
def test_updates_are_refused(endpoint, sample_store, text):
    before = local_count(sample_store)
    for status, _, body in (get(q(endpoint, text)),
                            get(f"{endpoint}/query", data=urllib.parse.urlencode({"update": text}).encode(),
                                ctype="application/x-www-form-urlencoded"),
                            get(f"{endpoint}/query", data=text.encode(), ctype="application/sparql-update"),
                            get(f"{endpoint}/update", data=text.encode(), ctype="application/sparql-update")):
        assert status == 403 and "read only" in body.decode()
    assert local_count(sample_store) == before


def test_service_is_refused_but_the_word_as_data_is_not(endpoint):
    status, _, body = get(q(endpoint, "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"))
    assert status == 403 and "SERVICE is refused" in body.decode()
    status, _, body = get(q(endpoint, "select * where { service silent <urn:x> { ?s ?p ?o } }"))
    assert status == 403
    status, _, body = get(q(endpoint, 'SELECT ("SERVICE" AS ?word) WHERE { } # SERVICE'), "text/csv")
    assert status == 200 and body.decode().splitlines() == ["word", "SERVICE"]


def test_a_slow_query_is_stopped_and_the_server_goes_on(tight):
    base, _, _ = tight
    started = time.monotonic()
    status, _, body = get(q(base, SLOW))
    assert status == 503 and "time limit of 1.5 s" in body.decode()
    assert time.monotonic() - started < 10
    assert get(q(base, COUNT))[0] == 200  # a fresh worker took the stopped one's place


def test_a_huge_result_is_cut_off_cleanly(tight):
    base, _, _ = tight
    status, _, body = get(q(base, "SELECT * WHERE { ?s ?p ?o }"))
    assert status == 413 and "larger than the limit" in body.decode() and body.decode().count("\n") == 1
    assert get(q(base, COUNT))[0] == 200


def test_a_huge_query_text_is_refused(endpoint):
    huge = "SELECT * WHERE { ?s ?p ?o } # " + "x" * 200_000
    status, _, body = get(f"{endpoint}/query", data=huge.encode(), ctype="application/sparql-query")
    assert status == 413 and "longer than 100000 bytes" in body.decode()
    status, _, body = get(f"{endpoint}/query", data=urllib.parse.urlencode({"query": huge}).encode(),
                          ctype="application/x-www-form-urlencoded")
    assert status == 413


def test_errors_name_no_file(tight, sample_store):
    base, store, _ = tight
    bodies = [get(q(base, "SELEKT *"))[2], get(f"{base}/queries/shared-agencies?min=many")[2],
              get(f"{base}/queries/agency-recommendations")[2], get(q(base, SLOW))[2],
              get(q(base, "SELECT * WHERE { ?s ?p ?o }"))[2], get(f"{base}/query")[2]]
    for body in bodies:
        text = body.decode()
        assert text and str(store) not in text and str(resources.queries_dir()) not in text
        assert "/tmp" not in text and ".rq" not in text and "Traceback" not in text, text


def test_cors_only_when_asked(endpoint, tight):
    _, headers, _ = get(q(endpoint, COUNT), origin="https://example.org")
    assert not any(k.lower().startswith("access-control") for k in headers)
    _, headers, _ = get(q(tight[0], COUNT), origin="https://example.org")
    assert headers.get("access-control-allow-origin") == "https://example.org"
    _, headers, _ = get(q(tight[0], COUNT), origin="https://elsewhere.example")
    assert "access-control-allow-origin" not in {k.lower() for k in headers}


def test_binding_beyond_loopback_needs_the_flag(sample_store):
    result = CliRunner().invoke(main, ["serve", "--store", str(sample_store), "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "--allow-remote" in result.stderr and "Traceback" not in result.output
    port = servers.free_port()
    proc = subprocess.Popen([sys.executable, "-m", "dhr_graph", "serve", "--store", str(sample_store),
                             "--host", "0.0.0.0", "--allow-remote", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        servers.wait_until(lambda: servers.http_ok(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D"), proc, "serve")
    finally:
        servers.stop(proc)
    assert "warning: serving on 0.0.0.0" in proc.stderr.read().decode()


def test_other_host_names_are_refused_on_loopback(endpoint):
    """A page whose own name was made to point at 127.0.0.1 (DNS rebinding) gets nothing."""
    port = urllib.parse.urlsplit(endpoint).port
    for host, allowed in ((f"127.0.0.1:{port}", True), (f"localhost:{port}", True),
                          (f"rebound.example:{port}", False), ("", False)):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.putrequest("GET", "/queries", skip_host=True)
        if host:
            conn.putheader("Host", host)
        conn.endheaders()
        response = conn.getresponse()
        body = response.read()
        assert (response.status == 200) == allowed, (host, response.status, body)
        if not allowed:
            assert response.status in (400, 403) and b"library" not in body


def test_missing_store_and_busy_port_are_one_line(tmp_path, endpoint, sample_store):
    result = CliRunner().invoke(main, ["serve", "--store", str(tmp_path / "none"), "--port", "1"])
    assert result.exit_code == 2 and "no dhr-graph store here" in result.stderr and "Traceback" not in result.output
    port = str(urllib.parse.urlsplit(endpoint).port)
    result = CliRunner().invoke(main, ["serve", "--store", str(sample_store), "--port", port])
    assert result.exit_code == 2 and result.stderr == f"dhr-graph: cannot listen on 127.0.0.1:{port}: Address already in use\n"


# ---------------------------------------------------------------- many clients, and a build underneath


def test_many_clients_at_once(endpoint, sample_store):
    expected, failures, done = local_count(sample_store), [], []

    def client() -> None:
        for _ in range(5):
            status, _, body = get(f"{endpoint}/queries/shared-agencies?format=csv")
            (done if status == 200 and body.startswith(b"label,") else failures).append(status)
            status, _, body = get(q(endpoint, COUNT), "text/csv")
            (done if status == 200 and body.split()[1] == str(expected).encode() else failures).append(status)

    threads = [threading.Thread(target=client) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == [] and len(done) == 120


def test_readers_see_old_or_new_store_while_a_build_swaps_it(sample_store, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    proc, base = servers.start_serve(store)  # the default time limit: a busy machine is no failure here
    before = local_count(store)
    extra = "https://w3id.org/dhr-graph/graph/user/swap-test"
    quad = ox.Quad(ox.NamedNode("urn:swap:s"), ox.NamedNode("urn:swap:p"), ox.Literal("o"), ox.NamedNode(extra))
    seen, failures, stop = set(), [], threading.Event()

    def reader() -> None:
        while not stop.is_set():
            status, _, body = get(q(base, COUNT), "text/csv")
            if status == 200:
                seen.add(int(body.split()[1]))
            else:
                failures.append((status, body))

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for i in range(6):  # builds swap the directory in and delete the old one
            GraphStore(store).replace({extra: [quad]} if i % 2 == 0 else {}, remove=[] if i % 2 == 0 else [extra])
            time.sleep(0.3)
        GraphStore(store).replace({extra: [quad]})
        deadline = time.monotonic() + 10
        while before + 1 not in seen and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        for t in threads:
            t.join()
        servers.stop(proc)
    assert failures == [] and seen <= {before, before + 1} and before + 1 in seen
    assert list(tmp_path.glob(".store.reader-*")) == []  # every reader copy made on the way is gone


def test_reader_copies_are_removed_when_the_server_stops(sample_store, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    stale, unrelated = tmp_path / ".store.reader-99999999-1", tmp_path / ".store.reader-notes"
    stale.mkdir()  # left by a server killed without notice (no such process)
    unrelated.mkdir()
    proc, base = servers.start_serve(store)
    assert get(q(base, COUNT))[0] == 200
    assert not stale.exists() and unrelated.exists()  # only copies of dead servers are removed
    unrelated.rmdir()
    assert list(tmp_path.glob(".store.reader-*"))  # the workers read their own hard-link copies
    servers.stop(proc)
    assert list(tmp_path.glob(".store.reader-*")) == [] and (store / "CURRENT").is_file()


def test_construct_graph_is_parsed_from_io(endpoint):
    """JSON-LD from the endpoint is real JSON-LD: rdflib reads it too."""
    from rdflib import Graph

    status, _, body = get(q(endpoint, REVIEWS), "application/ld+json")
    graph = Graph().parse(io.BytesIO(body), format="json-ld")
    assert status == 200 and len(graph) == 2
