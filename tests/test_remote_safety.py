"""Remote endpoints as an adversarial user or a misbehaving server would have them (issue 20).

A real HTTP server runs on loopback in a thread (Python's http.server) and misbehaves on
purpose: redirects, answers that are not SPARQL JSON, a malformed IRI, a byte every 0.3 s, a
600 MB answer, error pages that echo the request. The replace-per-graph test uses the real
Oxigraph server, as tests/test_remote.py does. Every case here failed before netsafe.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from dhr_graph.cli import main
from dhr_graph.errors import QueryError, RemoteError
from dhr_graph.netsafe import redact_url, target
from dhr_graph.queries import check_syntax, run
from dhr_graph.publish import publish_all as publish
from dhr_graph.remote import RemoteStore
from dhr_graph.store import GraphStore

from . import servers
from .servers import QuietHandler

SECRET = "s3cretPW"
TOKEN = "t0kenVALUE42"
GOOD_JSON = json.dumps({"head": {"vars": ["x"]},
                        "results": {"bindings": [{"x": {"type": "literal", "value": "hello"}}]}}).encode()
BAD_IRI_JSON = json.dumps({"head": {"vars": ["x"]},
                           "results": {"bindings": [{"x": {"type": "uri", "value": "not an iri at all"}}]}}).encode()
HUGE = 600 * 2**20


class _Handler(QuietHandler):
    server: _Server

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes = b"", ctype: str = "text/plain", extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _handle(self) -> None:
        body = self._body()
        path = self.path.split("?")[0]
        if path.startswith("http://"):  # asked as a proxy: the request line has the whole URL
            path = "/" + path.split("/", 3)[3]
        self.server.seen.append((self.command, self.path, dict(self.headers), body))
        if path.startswith("/r3"):
            self._send(int(path[2:5]), b"moved", extra={"Location": "/ok"})
        elif path == "/ok":
            self._send(204 if self.command in ("PUT", "POST") else 200)
        elif path == "/auth":
            if self.headers.get("Authorization") == self.server.expect_auth:
                self._send(204)
            else:  # an error page that echoes the request, as some servers do
                self._send(401, f"denied {self.path} {self.headers.get('Authorization')}".encode())
        elif path == "/echo500":
            self._send(500, f"failed on {self.path} with {self.headers.get('Authorization')}".encode())
        elif path == "/html":
            self._send(200, b"<html><body>Welcome to the store</body></html>", "text/html")
        elif path == "/badiri":
            self._send(200, BAD_IRI_JSON, "application/sparql-results+json")
        elif path == "/sparql":
            self._send(200, GOOD_JSON, "application/sparql-results+json")
        elif path in ("/drip", "/dripheaders"):
            self._drip(path == "/dripheaders")
        elif path in ("/huge", "/hugestream"):
            self._huge(path == "/huge")
        else:
            self._send(404, b"no such thing")

    def _drip(self, in_headers: bool) -> None:
        """One byte every 0.3 s for at most 20 s: never idle long enough for a socket timeout."""
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\nContent-Length: 100000\r\n"
        start = time.monotonic()
        try:
            if not in_headers:
                self.wfile.write(head + b"\r\n")
                head = b""
            data = head + b"X-Slow: " + b"a" * 1000
            for byte in data:
                if time.monotonic() - start > 20:
                    break
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.3)
        except OSError:
            pass
        self.close_connection = True

    def _huge(self, with_length: bool) -> None:
        """600 MB of JSON-ish bytes, counted, until the client stops reading."""
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        if with_length:
            self.send_header("Content-Length", str(HUGE))
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        chunk = b" " * 2**20
        try:
            while self.server.huge_sent < HUGE:
                self.wfile.write(chunk)
                self.server.huge_sent += len(chunk)
        except OSError:
            pass
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = _handle


class _Server(servers.QuietServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[tuple[str, str, dict, bytes]] = []
        self.expect_auth = ""
        self.huge_sent = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> GraphStore:
    """Six tiny named graphs: enough to publish in parallel, quick to send."""
    gs = GraphStore(tmp_path_factory.mktemp("remote-safety") / "store")
    ex = "https://example.org/"
    gs.replace({f"{ex}g{i}": [ox.Quad(ox.NamedNode(f"{ex}s{i}"), ox.NamedNode(f"{ex}p"), ox.Literal(f"v{i}"),
                                      ox.NamedNode(f"{ex}g{i}"))] for i in range(1, 7)})
    return gs


def _cli(*args: str, env: dict[str, str | None] | None = None):
    return CliRunner().invoke(main, list(args), env=env)


def _assert_one_line_error(result, *needles: str, absent: tuple[str, ...] = ()) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    for secret in absent:
        assert secret not in result.output, result.output
    return lines[0]


# ---------------------------------------------------------------- T9: only http(s) targets

@pytest.mark.parametrize("url, says", [
    ("file:///etc/passwd", "only http:// and https://"),
    ("notaurl", "only http:// and https://"),
    ("", "empty"),
    ("http://exa mple.org/store", "spaces and control characters"),
    ("http://127.0.0.1:1/store\r\nX-Injected: yes", "spaces and control characters"),
    ("http://127.0.0.1:99999/store", "not a valid URL"),
    ("http:///store", "no host"),
])
def test_publish_refuses_what_is_not_an_http_url(small_store, url: str, says: str) -> None:
    result = _cli("publish", "--store", str(small_store.path), "--to", url)
    _assert_one_line_error(result, says)
    assert "sent" not in result.stdout


@pytest.mark.parametrize("url", ["file:///etc/passwd", "notaurl", "http://a b/q", "http://h/q\nX: y"])
def test_query_endpoint_refuses_what_is_not_an_http_url(url: str) -> None:
    _assert_one_line_error(_cli("query", "store-stats", "--endpoint", url), "SPARQL endpoint")


# ---------------------------------------------------------------- redirects and status codes

@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_publish_never_follows_a_redirect(server: _Server, small_store, status: int) -> None:
    result = _cli("publish", "--store", str(small_store.path), "--to", f"{server.base}/r{status}")
    _assert_one_line_error(result, f"HTTP {status}", "redirects are not followed", f"{server.base}/ok")
    methods = [(m, p.split("?")[0]) for m, p, *_ in server.seen]
    assert set(methods) == {("PUT", f"/r{status}")}, "the upload was retried elsewhere or turned into a GET"
    assert len(methods) <= 2, "publishing went on after the first refusal (2 workers)"
    assert "sent" not in result.stdout


def test_query_never_follows_a_redirect(server: _Server) -> None:
    with pytest.raises(RemoteError, match="HTTP 302.*redirects are not followed"):
        RemoteStore(f"{server.base}/r302").query("ASK {}")
    assert [m for m, *_ in server.seen] == ["POST"]


def test_publish_succeeds_only_on_2xx(server: _Server, small_store) -> None:
    result = _cli("publish", "--store", str(small_store.path), "--to", f"{server.base}/ok")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"sent 6 graphs (6 quads, 0.3 kB), 0 unchanged, deleted 0: {server.base}/ok"
    puts = sorted((m, p, body) for m, p, _, body in server.seen)
    assert puts == [("PUT", f"/ok?graph=https%3A%2F%2Fexample.org%2Fg{i}",
                     f'<https://example.org/s{i}> <https://example.org/p> "v{i}" .\n'.encode()) for i in range(1, 7)]
    server.seen.clear()
    failed = _cli("publish", "--store", str(small_store.path), "--to", f"{server.base}/echo500")
    _assert_one_line_error(failed, "HTTP 500", "(PUT of graph <https://example.org/g")
    assert len(server.seen) <= 2  # stopped at the first failure (the other worker may have had one in flight)


# ---------------------------------------------------------------- credentials and redaction

def test_credentials_in_the_url_are_sent_and_never_printed(server: _Server, small_store) -> None:
    server.expect_auth = "Basic " + __import__("base64").b64encode(f"alice:{SECRET}".encode()).decode()
    url = f"http://alice:{SECRET}@127.0.0.1:{server.server_address[1]}/auth?token={TOKEN}&graphs=all"
    result = _cli("publish", "--store", str(small_store.path), "--to", url)
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output and TOKEN not in result.output and "alice" not in result.output
    assert "token=***" in result.stdout and "graphs=all" in result.stdout
    assert all(h.get("Authorization") == server.expect_auth for _, _, h, _ in server.seen)


def test_credentials_are_redacted_from_errors_even_when_the_server_echoes_them(server: _Server, small_store) -> None:
    url = f"http://alice:{SECRET}@127.0.0.1:{server.server_address[1]}/echo500?api_key={TOKEN}"
    result = _cli("publish", "--store", str(small_store.path), "--to", url)
    line = _assert_one_line_error(result, "HTTP 500", absent=(SECRET, TOKEN))
    assert "api_key=***" in line
    # the echoed Authorization header (base64 of the credentials) is hidden too
    assert __import__("base64").b64encode(f"alice:{SECRET}".encode()).decode() not in line


def test_wrong_credentials_say_where_they_came_from(server: _Server, small_store) -> None:
    server.expect_auth = "Basic nobody"
    url = f"http://alice:{SECRET}@127.0.0.1:{server.server_address[1]}/auth"
    line = _assert_one_line_error(_cli("publish", "--store", str(small_store.path), "--to", url),
                                  "HTTP 401", "credentials from the URL were refused", absent=(SECRET,))
    assert "alice" not in line


def test_unreachable_host_with_credentials_prints_no_password(small_store) -> None:
    url = f"http://alice:{SECRET}@127.0.0.1:{servers.free_port()}/ok?token={TOKEN}"
    _assert_one_line_error(_cli("publish", "--store", str(small_store.path), "--to", url),
                           "cannot reach endpoint", absent=(SECRET, TOKEN))


def test_credentials_from_the_environment(server: _Server, small_store) -> None:
    import base64

    server.expect_auth = "Basic " + base64.b64encode(f"bob:{SECRET}".encode()).decode()
    env = {"DHR_GRAPH_USER": "bob", "DHR_GRAPH_PASSWORD": SECRET, "DHR_GRAPH_TOKEN": None}
    result = _cli("publish", "--store", str(small_store.path), "--to", f"{server.base}/auth", env=env)
    assert result.exit_code == 0, result.output
    server.expect_auth = f"Bearer {TOKEN}"
    result = _cli("publish", "--store", str(small_store.path), "--to", f"{server.base}/auth",
                  env={"DHR_GRAPH_TOKEN": TOKEN})
    assert result.exit_code == 0, result.output
    server.expect_auth = "wrong"
    bad = _cli("publish", "--store", str(small_store.path), "--to", f"{server.base}/auth",
               env={"DHR_GRAPH_TOKEN": TOKEN})
    _assert_one_line_error(bad, "HTTP 401", "credentials from the environment were refused", absent=(TOKEN,))


def test_credentials_from_netrc(server: _Server, small_store, tmp_path: Path) -> None:
    import base64

    rc = tmp_path / "netrc"
    rc.write_text(f"machine 127.0.0.1\n  login carol\n  password {SECRET}\n")
    rc.chmod(0o600)
    server.expect_auth = "Basic " + base64.b64encode(f"carol:{SECRET}".encode()).decode()
    env = {"NETRC": str(rc), "DHR_GRAPH_USER": "", "DHR_GRAPH_TOKEN": None}
    result = _cli("publish", "--store", str(small_store.path), "--to", f"{server.base}/auth", env=env)
    assert result.exit_code == 0, result.output
    broken = tmp_path / "broken-netrc"
    broken.write_text(f"machine 127.0.0.1 login carol password {SECRET} nonsense\n")
    result = _cli("publish", "--store", str(small_store.path), "--to", f"{server.base}/auth",
                  env={"NETRC": str(broken), "DHR_GRAPH_USER": "", "DHR_GRAPH_TOKEN": None})
    _assert_one_line_error(result, str(broken), absent=(SECRET,))


def test_nothing_secret_is_logged(server: _Server, small_store, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    url = f"http://alice:{SECRET}@127.0.0.1:{server.server_address[1]}/ok?password={TOKEN}"
    publish(small_store, url)
    with pytest.raises(RemoteError) as err:
        publish(small_store, url.replace("/ok", "/echo500"))
    text = caplog.text + str(err.value)
    assert "127.0.0.1" in caplog.text
    assert SECRET not in text and TOKEN not in text


def test_redact_url() -> None:
    assert redact_url("https://u:p4ss@h.example/x?token=abc&q=1&API-Key=z&sig=") == \
        "https://***@h.example/x?token=***&q=1&API-Key=***&sig="
    assert target("http://u:p%40ss@h/x").authorization == "Basic " + __import__("base64").b64encode(b"u:p@ss").decode()


# ---------------------------------------------------------------- T8 and bad answers

def test_malformed_iri_from_the_endpoint_is_one_line(server: _Server) -> None:
    line = _assert_one_line_error(_cli("query", "store-stats", "--endpoint", f"{server.base}/badiri"),
                                  "bad response from the server", f"{server.base}/badiri")
    assert "syntax error" not in line.lower()


def test_a_200_that_is_not_sparql_json_blames_the_server(server: _Server) -> None:
    line = _assert_one_line_error(_cli("query", "store-stats", "--endpoint", f"{server.base}/html"),
                                  "bad response from the server", "text/html")
    assert "SPARQL syntax error" not in line and "store-stats.rq" not in line


def test_a_good_answer_still_reads(server: _Server) -> None:
    # dataset=[]: this stand-in server answers every query alike, so the union-graph probe is skipped
    result = run(RemoteStore(f"{server.base}/sparql", dataset=[]), "SELECT ?x WHERE { ?s ?p ?x }")
    assert result.values() == [{"x": "hello"}]


def test_the_proxy_of_the_environment_is_used(server: _Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("http_proxy", f"http://proxyuser:{SECRET}@127.0.0.1:{server.server_address[1]}")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    result = run(RemoteStore("http://sparql.example.invalid/sparql", dataset=[]), "SELECT ?x WHERE { ?s ?p ?x }")
    assert result.values() == [{"x": "hello"}]
    method, path, headers, _ = server.seen[0]
    assert (method, path) == ("POST", "http://sparql.example.invalid/sparql")
    assert headers["Proxy-Authorization"].startswith("Basic ")
    # a host named in no_proxy is reached directly (0.0.0.0 is this machine, not loopback by name)
    direct = f"http://0.0.0.0:{servers.free_port()}/sparql"
    assert run(RemoteStore(direct, dataset=[]), "SELECT ?x WHERE { ?s ?p ?x }").values() == [{"x": "hello"}]
    assert len(server.seen) == 2  # through the proxy
    monkeypatch.setenv("no_proxy", "0.0.0.0")
    with pytest.raises(RemoteError, match="cannot reach endpoint"):
        RemoteStore(direct, timeout=5).query("ASK {}")
    assert len(server.seen) == 2


# ---------------------------------------------------------------- deadline and size cap

@pytest.mark.parametrize("path", ["/drip", "/dripheaders"])
def test_a_server_dripping_bytes_is_cut_off_by_the_deadline(server: _Server, path: str) -> None:
    start = time.monotonic()
    with pytest.raises(RemoteError, match="no complete answer within 2 s"):
        RemoteStore(f"{server.base}{path}", timeout=2).query("ASK {}")
    assert time.monotonic() - start < 8


def test_an_answer_over_the_cap_is_refused_by_its_length(server: _Server) -> None:
    start = time.monotonic()
    with pytest.raises(RemoteError, match="600.0 MB, over the limit of 1.0 MB"):
        RemoteStore(f"{server.base}/huge", max_bytes=2**20).query("ASK {}")
    assert time.monotonic() - start < 10


def test_an_endless_answer_is_cut_at_the_cap(server: _Server) -> None:
    with pytest.raises(RemoteError, match="over the limit of 1.0 MB; stopped reading"):
        RemoteStore(f"{server.base}/hugestream", max_bytes=2**20).query("ASK {}")
    time.sleep(0.5)
    assert server.huge_sent < 64 * 2**20, f"{server.huge_sent} bytes were sent: the client kept reading"


def test_a_600_mb_answer_does_not_take_gigabytes(server: _Server) -> None:
    """With the default cap (128 MB), in a child process so its peak memory is its own: VmHWM, which
    starts afresh at exec (ru_maxrss would keep the peak of the forked pytest process)."""
    code = (
        "import re, sys\n"
        "from dhr_graph.remote import RemoteStore\n"
        "from dhr_graph.errors import RemoteError\n"
        "try:\n"
        f"    RemoteStore({server.base + '/hugestream'!r}).query('ASK {{}}')\n"
        "except RemoteError as exc:\n"
        "    print(exc)\n"
        "status = open('/proc/self/status').read()\n"
        "print(int(re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1)) // 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    message, peak_mb = out.stdout.strip().splitlines()
    assert "over the limit of 128.0 MB" in message
    assert int(peak_mb) < 512, f"peak {peak_mb} MB"


# ---------------------------------------------------------------- SERVICE in local queries

def _service_query(server: _Server, path: str = "/sparql", keyword: str = "SERVICE") -> str:
    return f"SELECT ?x WHERE {{ {keyword} <{server.base}{path}?token={TOKEN}> {{ ?s ?p ?x }} }}"


@pytest.mark.parametrize("keyword", ["SERVICE", "service", "SERVICE SILENT"])
def test_service_in_a_local_query_makes_no_network_call(server: _Server, sample_store, keyword: str) -> None:
    result = CliRunner().invoke(main, ["query", "-", "--store", str(sample_store)],
                                input=_service_query(server, keyword=keyword))
    _assert_one_line_error(result, "SERVICE", "--allow-service", absent=(TOKEN,))
    with pytest.raises(QueryError, match="allow-service"):
        GraphStore(sample_store).query(_service_query(server, keyword=keyword))
    assert server.seen == []


def test_syntax_check_of_a_service_query_makes_no_network_call(server: _Server) -> None:
    check_syntax(f"ASK {{ SERVICE <{server.base}/sparql> {{ ?s ?p ?o }} }}")
    with pytest.raises(QueryError, match="SPARQL syntax error"):
        check_syntax(f"ASK {{ SERVICE SILENT <{server.base}/sparql> {{ ?s ?p ?o ")
    assert server.seen == []


def test_service_words_that_are_not_the_keyword_are_fine(sample_store) -> None:
    text = ('SELECT ?service WHERE { BIND("SERVICE <http://x/>" AS ?service) } # SERVICE <http://y/>\n')
    assert run(GraphStore(sample_store), text).values() == [{"service": "SERVICE <http://x/>"}]


def test_allowed_service_works_and_its_failures_are_one_line(server: _Server, sample_store) -> None:
    result = CliRunner().invoke(main, ["query", "-", "--store", str(sample_store), "--allow-service",
                                       "--format", "csv"], input=_service_query(server))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["x", "hello"]
    for path in ("/badiri", "/html", "/echo500"):
        bad = CliRunner().invoke(main, ["query", "-", "--store", str(sample_store), "--allow-service"],
                                 input=_service_query(server, path))
        _assert_one_line_error(bad, "query failed")


# ---------------------------------------------------------------- republish replaces each graph

@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if servers.oxigraph_binary() is None:
        pytest.skip("the Oxigraph server (pip package 'oxigraph', a dev extra) is not installed")
    proc, base = servers.start_oxigraph(tmp_path_factory.mktemp("oxigraph-republish"), union=False)
    yield base
    servers.stop(proc)


def _remote_graph(base: str, graph: str) -> set[str]:
    text = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    rows = run(RemoteStore(f"{base}/query"), text).rows
    return {f"{r['s']} {r['p']} {r['o']}" for r in rows}


def test_republishing_a_rebuilt_store_leaves_no_stale_triples(oxigraph: str, sample_store, tmp_path: Path) -> None:
    first = GraphStore(sample_store)
    publish(first, f"{oxigraph}/store")
    review = next(g for g in first.named_graphs() if "/graph/review/" in g or "/review/" in g)
    stamp = ox.NamedNode("http://www.w3.org/ns/prov#generatedAtTime")
    quads = list(first.quads(review))
    assert any(q.predicate == stamp for q in quads)

    rebuilt = GraphStore(tmp_path / "rebuilt")
    shutil.copytree(sample_store, rebuilt.path)
    changed = [q if q.predicate != stamp else
               ox.Quad(q.subject, q.predicate, ox.Literal("2031-01-01T00:00:00Z", datatype=q.object.datatype),
                       q.graph_name) for q in quads]
    rebuilt.replace({review: changed})
    sent = publish(rebuilt, f"{oxigraph}/store")
    public = sum(1 for _ in rebuilt.quads())  # internal graphs (link feature caches) are not published
    assert sent == public

    there = _remote_graph(oxigraph, review)
    here = {f"{q.subject} {q.predicate} {q.object}" for q in rebuilt.quads(review)}
    assert there == here
    stamps = [t for t in there if str(stamp) in t]
    assert len(stamps) == 1 and "2031-01-01" in stamps[0]
    count = run(RemoteStore(f"{oxigraph}/query"), "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert int(count.values()[0]["n"]) == public


def test_a_shape_whose_sparql_uses_service_is_refused_without_a_call(server: _Server) -> None:
    from rdflib import Graph

    from dhr_graph.validation import ValidationError, Validator

    shapes = Graph().parse(format="turtle", data=f"""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <https://example.org/> .
        ex:Shape a sh:NodeShape ; sh:targetClass ex:Thing ;
          sh:sparql [ sh:select "SELECT $this WHERE {{ SERVICE <{server.base}/sparql> {{ $this ?p ?o }} }}" ] .
    """)
    with pytest.raises(ValidationError, match="SERVICE, which would make network calls"):
        Validator(shapes)
    assert server.seen == []


# ---------------------------------------------------------------- https: certificates are checked

@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[_Server, Path]]:
    """The same misbehaving server behind TLS, with a self-signed certificate made by openssl."""
    import ssl

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: cannot make a certificate for the https test")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    made = subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                           "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                           "-keyout", str(key), "-out", str(cert)], check=False, capture_output=True, timeout=60)
    if made.returncode != 0:
        pytest.skip(f"openssl could not make a certificate: {made.stderr.decode()[:200]}")
    srv = _Server()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    srv.socket = context.wrap_socket(srv.socket, server_side=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv, cert
    srv.shutdown()
    srv.server_close()


def test_https_checks_the_certificate(tls_server: tuple[_Server, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    srv, cert = tls_server
    url = f"https://127.0.0.1:{srv.server_address[1]}/sparql?token={TOKEN}"
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with pytest.raises(RemoteError, match="cannot reach endpoint: .*CERTIFICATE_VERIFY_FAILED") as err:
        RemoteStore(url, timeout=10).query("ASK {}")
    assert TOKEN not in str(err.value) and "\n" not in str(err.value)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust it: OpenSSL's own variable
    result = run(RemoteStore(url, timeout=10, dataset=[]), "SELECT ?x WHERE { ?s ?p ?x }")
    assert result.values() == [{"x": "hello"}]


def test_an_answer_without_the_probed_review_is_a_bad_response(server: _Server) -> None:
    """The union-graph probe asks for one review's IRI; an answer without it is the server's fault."""
    with pytest.raises(RemoteError, match="bad response from the server"):
        run(RemoteStore(f"{server.base}/sparql"), "SELECT ?x WHERE { ?s ?p ?x }")
