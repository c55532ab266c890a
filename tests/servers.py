"""Real servers for the endpoint tests, each on free loopback ports with its own data folder.

`dhr-graph serve`, the Oxigraph server (pip package `oxigraph`) and OpenLink Virtuoso
(Debian package `virtuoso-opensource`, installed by .ci/run). A server that cannot be had
makes its tests skip with the reason; one that is there but fails to start fails them.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

VIRTUOSO_PASSWORD = "dba"  # the fresh database's own default; the instance listens on loopback only


class QuietHandler(BaseHTTPRequestHandler):
    """A test server's request handler: HTTP/1.1 (keep-alive, as real stores answer) and no
    request log on stderr, which would bury pytest's own output."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass


class QuietServer(ThreadingHTTPServer):
    """A test server that prints nothing of its own: a client that drops a connection (the
    toolkit giving up on a slow answer, as some tests make it) would otherwise print a
    traceback on the test process's stderr, which the tests read for the toolkit's one-line
    errors. What the toolkit sees of a failed request is what the tests check."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(ready: Callable[[], bool], proc: subprocess.Popen, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if ready():
                return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out = proc.stderr.read().decode("utf-8", "replace")[-800:] if proc.stderr else ""
            raise RuntimeError(f"{what} did not start: {out}")
        time.sleep(0.2)


def http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2) as response:
        return response.status == 200


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def oxigraph_binary() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph")


def start_oxigraph(data: Path, union: bool, timeout_s: int | None = None) -> tuple[subprocess.Popen, str]:
    """`timeout_s`: the server stops a query itself after that long (a client that gives up
    does not stop it: the server would go on evaluating, and holding memory)."""
    binary = oxigraph_binary()
    assert binary is not None
    port = free_port()
    args = [binary, "serve", "--location", str(data), "--bind", f"127.0.0.1:{port}"]
    if timeout_s is not None:
        args += ["--timeout-s", str(timeout_s)]
    proc = subprocess.Popen(args + (["--union-default-graph"] if union else []),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: http_ok(f"{base}/query?query=ASK%7B%7D"), proc, "oxigraph server")
    return proc, base


def start_serve(store: Path, *args: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "dhr_graph", "serve", "--store", str(store),
                             "--port", str(port), *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: http_ok(f"{base}/query?query=ASK%7B%7D"), proc, "dhr-graph serve")
    return proc, base


def virtuoso_binary() -> str | None:
    return shutil.which("virtuoso-t")


_VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CheckpointInterval = 0
CaseMode = 2
DirsAllowed = ., {d}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
MaxQueryMem = 500M
ThreadsPerQuery = 2
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
ServerThreads = 10
MaxClientConnections = 10
Charset = UTF-8
EnabledGzipContent = 0
[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 400
"""


def start_virtuoso(data: Path) -> tuple[subprocess.Popen, str]:
    """A fresh Virtuoso database in `data`; returns the process and the HTTP base URL."""
    binary = virtuoso_binary()
    assert binary is not None
    sql, http = free_port(), free_port()
    ini = data / "virtuoso.ini"
    ini.write_text(_VIRTUOSO_INI.format(d=data, sql=sql, http=http), encoding="utf-8")
    proc = subprocess.Popen([binary, "+foreground", "+configfile", str(ini)], cwd=data,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{http}"
    wait_until(lambda: http_ok(f"{base}/sparql?query=" + urllib.parse.quote("ASK {}")), proc, "virtuoso", 120)
    return proc, base


def virtuoso_put_graph(base: str, graph: str, ntriples: bytes) -> None:
    """Replace one graph through Virtuoso's Graph Store Protocol endpoint (digest auth, user dba).

    The digest challenge is fetched first with an empty request, and the upload sent already
    authorised: sent blind, a large body meets the server's 401 half-way and the upload breaks
    (a broken pipe) whenever the machine is slow."""
    url = f"{base}/sparql-graph-crud-auth?" + urllib.parse.urlencode({"graph-uri": graph})
    auth = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    auth.add_password(None, base, "dba", VIRTUOSO_PASSWORD)
    digest = urllib.request.HTTPDigestAuthHandler(auth)
    for attempt in range(5):
        try:
            urllib.request.urlopen(urllib.request.Request(url, data=b"", method="PUT"), timeout=60).read()
            raise AssertionError("Virtuoso's authenticated endpoint answered without asking for credentials")
        except urllib.error.HTTPError as exc:
            if exc.code != 401:
                raise
            challenge = exc.headers.get("WWW-Authenticate", "")
        request = urllib.request.Request(url, data=ntriples, method="PUT", headers={"Content-Type": "text/turtle"})
        fields = urllib.request.parse_keqv_list(urllib.request.parse_http_list(challenge.split(" ", 1)[1]))
        request.add_unredirected_header("Authorization", f"Digest {digest.get_authorization(request, fields)}")
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                response.read()
            return
        except urllib.error.URLError as exc:  # a slow machine: Virtuoso may drop a connection; try again
            if attempt == 4 or isinstance(exc, urllib.error.HTTPError):
                raise
            time.sleep(1 + attempt)
