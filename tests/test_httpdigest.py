"""HTTP Digest answers: checked against the worked example of RFC 2617 (section 3.5), and a publish
to a real HTTP server (on loopback, in a thread) that accepts Digest only."""

from __future__ import annotations

import hashlib
import threading
import urllib.request

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from dhr_graph.cli import main
from dhr_graph.publish import publish
from dhr_graph.store import GraphStore

from dhr_graph import httpdigest
from dhr_graph.httpdigest import DigestState

from .servers import QuietHandler, QuietServer

CHALLENGE = ('Digest realm="testrealm@host.com", qop="auth,auth-int", '
             'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"')


def test_the_rfc_2617_example(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(httpdigest.os, "urandom", lambda n: bytes.fromhex("0a4f113b"))
    state = DigestState()
    assert state.authorization("GET", "/dir/index.html", "Mufasa", "Circle Of Life") is None  # nothing learnt yet
    assert state.learn(CHALLENGE)
    header = state.authorization("GET", "/dir/index.html", "Mufasa", "Circle Of Life")
    assert header is not None and header.startswith("Digest ")
    assert 'response="6629fae49393a05397450978507c4ef1"' in header
    assert "nc=00000001" in header and 'opaque="5ccc069c403ebaf9f0171e9517f40e41"' in header
    assert "Circle Of Life" not in header
    assert "nc=00000002" in (state.authorization("GET", "/dir/index.html", "Mufasa", "Circle Of Life") or "")


@pytest.mark.parametrize("header", ['Basic realm="x"', 'Digest realm="x", nonce="n", qop="auth-int"',
                                    'Digest realm="x", nonce="n", algorithm=MD5-sess', 'Digest realm="x"'])
def test_challenges_it_cannot_answer_are_not_taken(header: str) -> None:
    state = DigestState()
    assert not state.learn(header) and not state.known


class _DigestOnly(QuietHandler):
    """Wants Digest, checked here with its own arithmetic; answers Basic with a bare 401 (as
    Virtuoso's /sparql-graph-crud-auth does) and offers the challenge only to a request without
    credentials. Large bodies are refused before they are read, as such a server would."""

    server: _Server

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        given = self.headers.get("Authorization", "")
        if not given.startswith("Digest ") or not self._valid(given[7:]):
            self.server.refused += 1
            self.send_response(401)
            if not given:
                self.send_header("WWW-Authenticate", f'Digest realm="R", nonce="{NONCE}", qop="auth", algorithm="MD5"')
            self.send_header("Content-Length", "0")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        self.server.stored.append((self.command, self.path, body))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _valid(self, text: str) -> bool:
        f = urllib.request.parse_keqv_list(urllib.request.parse_http_list(text))
        md5 = lambda s: hashlib.md5(s.encode()).hexdigest()  # noqa: E731
        ha1, ha2 = md5(f"{USER}:R:{PASSWORD}"), md5(f"{self.command}:{self.path}")
        expected = md5(f"{ha1}:{NONCE}:{f.get('nc')}:{f.get('cnonce')}:auth:{ha2}")
        return f.get("username") == USER and f.get("uri") == self.path and f.get("response") == expected

    do_GET = do_PUT = do_DELETE = _handle


class _Server(QuietServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _DigestOnly)
        self.stored: list[tuple[str, str, bytes]] = []
        self.refused = 0


USER, PASSWORD, NONCE = "dba", "pw-s3cret", "abc123"


def test_publish_answers_a_digest_only_server(tmp_path) -> None:
    """A small graph and a large one (sent after asking for the challenge, never blind)."""
    srv = _Server()
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        store = GraphStore(tmp_path / "store")
        ex = "https://example.org/"
        big = [ox.Quad(ox.NamedNode(f"{ex}s{i}"), ox.NamedNode(f"{ex}p"), ox.Literal("x" * 100), ox.NamedNode(f"{ex}big"))
               for i in range(2000)]
        small = [ox.Quad(ox.NamedNode(f"{ex}s"), ox.NamedNode(f"{ex}p"), ox.Literal("v"), ox.NamedNode(f"{ex}small"))]
        store.replace({f"{ex}big": big, f"{ex}small": small})
        url = f"http://{USER}:{PASSWORD}@127.0.0.1:{srv.server_address[1]}/crud"
        report = publish(store, url, workers=1)
        assert report.sent == [f"{ex}big", f"{ex}small"]
        puts = [(m, p) for m, p, _ in srv.stored if m == "PUT"]
        assert len(puts) == 2 and sum(len(b) for _, _, b in srv.stored) == report.bytes
        # a small request on a new connection: sent with Basic, refused, challenge fetched, sent again
        from dhr_graph import netsafe

        where = netsafe.target(url).with_query(graph=f"{ex}other")
        with netsafe.Client(where) as client:
            assert client.request("PUT", where, b"<urn:a> <urn:b> <urn:c> .\n").status == 204
        assert srv.stored[-1] == ("PUT", "/crud?graph=https%3A%2F%2Fexample.org%2Fother", b"<urn:a> <urn:b> <urn:c> .\n")
        result = CliRunner().invoke(main, ["publish", "--store", str(store.path), "--to",
                                           url.replace(PASSWORD, "wrong"), "--full"])
        assert result.exit_code == 2 and "HTTP 401" in result.stderr and "wrong" not in result.output
    finally:
        srv.shutdown()
        srv.server_close()
