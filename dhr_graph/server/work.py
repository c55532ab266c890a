"""Queries run in worker processes, so that a slow one can be stopped.

Oxigraph cannot cancel a query, and a thread cannot be killed: each query therefore runs in
one of a few worker processes, and a query that outlives the time limit is stopped by ending
its worker (a fresh one takes its place). A worker writes its answer through a buffer that
refuses to grow past the size limit, so a huge result stops early instead of filling memory.
"""

from __future__ import annotations

import io
import logging
import multiprocessing
import multiprocessing.connection
import queue
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import pyoxigraph as ox

from .snapshot import SnapshotReader, remove_snapshots, remove_stale_snapshots
import contextlib

log = logging.getLogger(__name__)

# media types offered, best first; the first of each list is the default
SOLUTION_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/xml": ox.QueryResultsFormat.XML,
}
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "text/plain": ox.RdfFormat.N_TRIPLES,
}
# the `format` parameter (as in the CLI), for links and browsers that cannot set Accept
FORMAT_NAMES = {
    "json": ("application/sparql-results+json", "application/ld+json"),
    "xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "csv": ("text/csv", None), "tsv": ("text/tab-separated-values", None),
    "turtle": (None, "text/turtle"), "ttl": (None, "text/turtle"),
    "ntriples": (None, "application/n-triples"), "nt": (None, "application/n-triples"),
    "jsonld": (None, "application/ld+json"), "rdfxml": (None, "application/rdf+xml"),
}
# named queries are written by the CLI's own renderers (resultformats.py): same output as `dhr-graph query`
TABLE_TYPES = {
    "application/sparql-results+json": "json", "application/json": "json", "text/csv": "csv",
    "text/tab-separated-values": "tsv", "text/markdown": "md", "text/plain": "table",
}


@dataclass
class Reply:
    status: int
    body: bytes
    media_type: str = "text/plain; charset=utf-8"


@dataclass
class Task:
    """One query for a worker: raw SPARQL (`text`) or a named query (`name`, `params`)."""

    accept: str = ""
    fmt: str | None = None
    text: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    name: str | None = None
    params: dict[str, str] = field(default_factory=dict)


class TooLarge(Exception):
    pass


class _Capped(io.RawIOBase):
    """A write-only buffer that raises once more than `limit` bytes were written."""

    def __init__(self, limit: int) -> None:
        self.limit, self.parts, self.size = limit, [], 0  # type: ignore[var-annotated]

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise TooLarge()
        self.parts.append(bytes(data))
        return len(data)

    def value(self) -> bytes:
        return b"".join(self.parts)


def negotiate(accept: str, offered: list[str]) -> str | None:
    """The offered media type the client likes best (None: it accepts none of them)."""
    if not accept.strip():
        return offered[0]
    prefs: list[tuple[str, float]] = []
    for part in accept.split(","):
        bits = [b.strip() for b in part.split(";")]
        q = 1.0
        for b in bits[1:]:
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        prefs.append((bits[0].lower(), q))

    def quality(media: str) -> tuple[int, float]:
        best: tuple[int, float] = (-1, 0.0)
        major = media.split("/")[0]
        for pattern, q in prefs:
            rank = 2 if pattern == media else 1 if pattern == f"{major}/*" else 0 if pattern == "*/*" else -1
            if rank > best[0]:
                best = (rank, q)
        return best

    scored = [(quality(m)[1], -i, m) for i, m in enumerate(offered)]
    q, _, media = max(scored)
    return media if q > 0 else None


def _not_acceptable(offered: list[str]) -> Reply:
    return Reply(406, f"none of the requested media types can be given; offered: {', '.join(offered)}\n".encode())


def _media_for(task: Task, table: dict[str, Any], graph: bool) -> str | None | Reply:
    offered = list(table)
    if task.fmt:
        pair = FORMAT_NAMES.get(task.fmt)
        media = pair and pair[1 if graph else 0]
        if not media:
            kind = "CONSTRUCT/DESCRIBE" if graph else "SELECT/ASK"
            return Reply(400, f"format {task.fmt!r} is not offered for {kind} results\n".encode())
        return media
    return negotiate(task.accept, offered) or _not_acceptable(offered)


# -- inside a worker process


class _Worker:
    def __init__(self, store: Path, max_bytes: int) -> None:
        self.reader = SnapshotReader(store)
        self.max_bytes = max_bytes
        from ..queries import library

        self.library = library()

    def handle(self, task: Task) -> Reply:
        try:
            return self._named(task) if task.name is not None else self._sparql(task)
        except TooLarge:
            return Reply(413, f"the result is larger than the limit of {self.max_bytes} bytes: "
                              "narrow the query or add a LIMIT\n".encode())
        except SyntaxError as exc:
            return Reply(400, f"SPARQL syntax error: {_one_line(str(exc))}\n".encode())
        except OSError as exc:
            log.error("query failed: %s", exc)
            return Reply(500, b"the query failed while reading the store\n")

    def _sparql(self, task: Task) -> Reply:
        from ..iris import PREFIXES

        kwargs: dict[str, Any] = {"prefixes": dict(PREFIXES)}
        if task.default_graphs or task.named_graphs:  # the protocol's dataset, when a client gives one
            try:
                kwargs["default_graph"] = [ox.NamedNode(g) for g in task.default_graphs]
                kwargs["named_graphs"] = [ox.NamedNode(g) for g in task.named_graphs]
            except ValueError as exc:
                return Reply(400, f"default-graph-uri and named-graph-uri must be IRIs: {_one_line(str(exc))}\n"
                             .encode())
        else:
            kwargs["use_default_graph_as_union"] = True
        result = self.reader.store().query(task.text or "", **kwargs)
        graph = isinstance(result, ox.QueryTriples)
        table: dict[str, Any] = GRAPH_TYPES if graph else SOLUTION_TYPES
        media = _media_for(task, table, graph)
        if isinstance(media, Reply):
            return media
        assert media is not None
        out = _Capped(self.max_bytes)
        result.serialize(cast(IO[bytes], out), table[media])
        return Reply(200, out.value(), _with_charset(media))

    def _named(self, task: Task) -> Reply:
        from ..errors import QueryError
        from ..resultformats import render
        from ..queries import run

        nq = self.library.get(task.name or "")
        if nq is None:
            return Reply(404, f"no named query {task.name!r} (see /queries)\n".encode())
        if task.fmt:
            fmt = task.fmt if task.fmt in TABLE_TYPES.values() else None
            if fmt is None:
                return Reply(400, f"format {task.fmt!r} is not offered (json, csv, tsv, md, table)\n".encode())
            media = next(m for m, f in TABLE_TYPES.items() if f == fmt)
        else:
            chosen = negotiate(task.accept, list(TABLE_TYPES))
            if chosen is None:
                return _not_acceptable(list(TABLE_TYPES))
            media, fmt = chosen, TABLE_TYPES[chosen]
        try:
            result = run(self.reader, nq, task.params)  # type: ignore[arg-type]
        except QueryError as exc:
            return Reply(400, (str(exc).replace(str(nq.path), nq.name) + "\n").encode())
        body = render(result, fmt).encode("utf-8")
        if len(body) > self.max_bytes:
            raise TooLarge()
        return Reply(200, body, _with_charset(media))


def _with_charset(media: str) -> str:
    return media if media.endswith(("+xml", "/xml")) else f"{media}; charset=utf-8"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _worker_main(conn: multiprocessing.connection.Connection, store: str, max_bytes: int) -> None:
    """Body of a worker process: answer tasks until told to stop (None) or killed."""
    worker = _Worker(Path(store), max_bytes)
    try:
        while True:
            try:
                task = conn.recv()
            except EOFError:
                return
            if task is None:
                return
            try:
                reply = worker.handle(task)
            except Exception:  # never a traceback to the client; the server log has it
                log.exception("query failed")
                reply = Reply(500, b"internal error while running the query\n")
            conn.send(reply)
    finally:
        worker.reader.close()


# -- in the server process


class Busy(Exception):
    """Every worker stayed busy for the whole time limit."""


class TimeLimit(Exception):
    """The query ran past the time limit and was stopped."""


class _Proc:
    def __init__(self, ctx: Any, store: Path, max_bytes: int) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, str(store), max_bytes), daemon=True)
        self.process.start()
        child.close()


class WorkerPool:
    """A fixed number of worker processes; `run` blocks (call it from a thread)."""

    def __init__(self, store: Path, size: int, time_limit: float, max_bytes: int) -> None:
        self.store, self.size, self.time_limit, self.max_bytes = store, size, time_limit, max_bytes
        self._ctx = multiprocessing.get_context("spawn")  # no forked copies of the server's threads
        self._idle: queue.Queue[_Proc] = queue.Queue()
        self._all: set[_Proc] = set()
        self._lock = threading.Lock()
        self._closed = False
        for stale in remove_stale_snapshots(store):
            log.info("removed %s, left by a server that no longer runs", stale.name)
        for _ in range(size):
            self._add()

    def _add(self) -> None:
        proc = _Proc(self._ctx, self.store, self.max_bytes)
        with self._lock:
            self._all.add(proc)
        self._idle.put(proc)

    def _drop(self, proc: _Proc) -> None:
        proc.process.kill()
        proc.process.join(5)
        proc.conn.close()
        if proc.process.pid is not None:
            remove_snapshots(self.store, proc.process.pid)
        with self._lock:
            self._all.discard(proc)

    def run(self, task: Task) -> Reply:
        try:
            proc = self._idle.get(timeout=self.time_limit)
        except queue.Empty:
            raise Busy() from None
        try:
            proc.conn.send(task)
            if proc.conn.poll(self.time_limit):
                reply: Reply = proc.conn.recv()
                self._idle.put(proc)
                return reply
        except (EOFError, OSError):
            log.error("a query worker died; starting another")
            self._drop(proc)
            self._add()
            return Reply(500, b"internal error while running the query\n")
        self._drop(proc)  # past the time limit: the only way to stop an Oxigraph query
        if not self._closed:
            self._add()
        raise TimeLimit()

    def close(self) -> None:
        self._closed = True
        with self._lock:
            procs = list(self._all)
        for proc in procs:
            with contextlib.suppress(OSError):
                proc.conn.send(None)
        for proc in procs:
            proc.process.join(5)
            self._drop(proc)


_PATH_RE = re.compile(r"(?<![\w:/.])/(?:[\w.@+-]+/)+[\w.@+-]*")


def scrub_paths(message: str) -> str:
    """Error text for clients names no file of the server."""
    return _PATH_RE.sub("<path>", message)
