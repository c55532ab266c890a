"""Publish a store to a remote triple store: only what changed, resumable, deleting when asked.

Each graph is sent with one Graph Store Protocol `PUT URL?graph=IRI` (N-Triples), which replaces
the graph on the server. Which graphs to send comes from content hashes: the SHA-256 of the
graph's N-Triples lines, sorted (blank nodes relabelled canonically first, pyoxigraph's RDF
canonicalisation, so a graph with blank nodes is compared by content too), against the hash the
publish record (publish_record.py) holds for that target. A graph whose hash is recorded is not
sent again; a new or changed one is, and the record learns its hash as soon as the server
confirms it, so an interrupted publish resumes where it stopped.

The record is trusted, with one check: before relying on it, one recorded graph is fetched
(`GET`) and its triple count compared, so an emptied or replaced server is noticed and everything
is sent again. `verify` fetches every unchanged graph that way; `full` ignores the record.
With `delete_missing`, graphs in the record that the store no longer has are removed with
`DELETE URL?graph=IRI`; nothing that is not in the record is ever deleted.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from . import netsafe
from .errors import RemoteError
from .netsafe import TIMEOUT_S
from .ntriples import graph_bytes, public_graphs
from .publish_record import DEFAULT_GRAPH, Entry, PublishRecord, record_folder
from .remote import _default, _expect_success
from .store import GraphStore

log = logging.getLogger(__name__)


@dataclass
class PublishReport:
    """What a publish did (or, with `dry_run`, would do)."""

    target: str  # the endpoint as printed (redacted)
    record: str  # the record file
    sent: list[str] = field(default_factory=list)  # graphs sent (PUT), "" for the default graph
    quads: int = 0
    bytes: int = 0
    unchanged: int = 0
    deleted: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # published before, gone from the store, kept there
    resent: list[str] = field(default_factory=list)  # unchanged here, but not so on the server (`verify`)
    stale_record: str | None = None  # why the record was not trusted, if it was not
    dry_run: bool = False


class PublishError(RemoteError):
    """A publish that stopped part-way; `report` says what was done before (it is in the record)."""

    def __init__(self, message: str, report: PublishReport) -> None:
        super().__init__(message)
        self.report = report


def graph_digest(ntriples: bytes) -> tuple[str, int]:
    """(SHA-256 hex, triple count) of a graph's N-Triples, independent of triple order and of
    blank node labels."""
    lines = [line for line in ntriples.split(b"\n") if line]
    if b"_:" in ntriples:  # may hold blank nodes: hash their canonical labelling instead
        dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object)
                             for t in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES))
        dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        lines = [f"{q.subject} {q.predicate} {q.object} .".encode() for q in dataset]
    lines.sort()
    lines.append(b"")  # a line break after the last line too
    return hashlib.sha256(b"\n".join(lines)).hexdigest(), len(lines) - 1


def _name(iri: str) -> str:
    return f"graph <{iri}>" if iri != DEFAULT_GRAPH else "the default graph"


def publish(store: GraphStore, graph_store_url: str, timeout: float = TIMEOUT_S, *, workers: int = 2,
            full: bool = False, verify: bool = False, delete_missing: bool = False,
            dry_run: bool = False) -> PublishReport:
    """Send the store's new and changed graphs to a Graph Store Protocol endpoint (module docstring).

    `full`: send every graph, whatever the record says. `verify`: check every unchanged graph on
    the server (triple count) and send those that differ. `delete_missing`: DELETE the graphs this
    store published there before and no longer has. `dry_run`: only say what would be done (the
    server is still asked whether the record holds). Raises PublishError when the server fails
    part-way (what was confirmed before stays recorded), RemoteError when nothing could be done.
    """
    base = netsafe.target(graph_store_url, "Graph Store endpoint")
    # public_graphs opens the store first: a missing store is an error before the record is read
    local = [g.value if isinstance(g, ox.NamedNode) else DEFAULT_GRAPH for g in public_graphs(store)]
    record = PublishRecord(record_folder(store.real_path), base.display)
    report = PublishReport(base.display, str(record.path), dry_run=dry_run)

    def where(iri: str) -> netsafe.Target:
        return base.with_query(graph=iri) if iri != DEFAULT_GRAPH else _default(base)

    def graph_of(iri: str) -> ox.NamedNode | ox.DefaultGraph:
        return ox.NamedNode(iri) if iri != DEFAULT_GRAPH else ox.DefaultGraph()

    clients: list[netsafe.Client] = []
    local_client = threading.local()

    def client() -> netsafe.Client:
        found: netsafe.Client | None = getattr(local_client, "client", None)
        if found is None:
            found = local_client.client = netsafe.Client(base, timeout)
            clients.append(found)
        return found

    def remote_triples(iri: str) -> int | None:
        """The triple count of the server's copy of a graph, None when it has none."""
        response = client().request("GET", where(iri), None,
                                    {"Accept": "application/n-triples, text/turtle;q=0.9"})
        if response.status == 404:
            return None
        _expect_success(response, base, f" (GET of {_name(iri)})")
        fmt = ox.RdfFormat.TURTLE if response.content_type == "text/turtle" else ox.RdfFormat.N_TRIPLES
        try:
            return sum(1 for _ in ox.parse(response.body, format=fmt))
        except (SyntaxError, ValueError, UnicodeError) as exc:
            raise RemoteError(base.redact(f"{base.display}: bad response from the server to the GET of "
                                          f"{_name(iri)}: not {fmt.name} ({netsafe.one_line(str(exc), 120)})")) from None

    lock = threading.Lock()
    failed = threading.Event()

    def run(items: Iterable[tuple[Callable[..., None], tuple[Any, ...]]]) -> None:
        """Each (task, arguments) from `items` on the pool, `workers` at once; `items` is computed
        here, on the calling thread (the hashing), while the pool uploads. At most 2 x `workers`
        tasks wait, so at most that many graphs are held in memory. The first error stops it."""
        pool = ThreadPoolExecutor(max_workers=max(1, workers))
        room = threading.BoundedSemaphore(2 * max(1, workers))
        futures: list[Future[None]] = []

        def guarded(task: Callable[..., None], args: tuple[Any, ...]) -> None:
            try:
                if not failed.is_set():  # another graph failed: do nothing more
                    task(*args)
            except BaseException:
                failed.set()
                raise
            finally:
                room.release()

        try:
            for task, args in items:
                room.acquire()
                if failed.is_set():
                    room.release()
                    break
                futures.append(pool.submit(guarded, task, args))
            for future in futures:
                future.result()  # the first error is raised here
        except BaseException:
            failed.set()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # after an error, no further graph is sent

    def check_record() -> None:
        """Trust the record only if the server still has one recorded graph as recorded."""
        known = [(e.triples, iri) for iri, e in record.graphs.items()
                 if e.sha256 is not None and e.triples is not None and iri in local_set]
        if full or not known:
            return
        triples, iri = min(known)
        there = remote_triples(iri)
        if there != triples:
            found = "does not have it" if there is None else f"has {there} triples"
            report.stale_record = (f"the record says {_name(iri)} was sent with {triples} triples, but the "
                                   f"server {found} (emptied, or another server at this address)")
            log.warning("%s: %s; sending every graph", base.display, report.stale_record)

    def upload(iri: str, body: bytes, digest: str, triples: int) -> None:
        if not dry_run:
            record.started(iri)
            response = client().request("PUT", where(iri), body, {"Content-Type": "application/n-triples"})
            _expect_success(response, base, f" (PUT of {_name(iri)})")
            record.sent(iri, digest, triples)
        with lock:
            report.sent.append(iri)
            report.quads += triples
            report.bytes += len(body)

    def verify_then_upload(iri: str, body: bytes, digest: str, triples: int) -> None:
        if remote_triples(iri) == triples:
            with lock:
                report.unchanged += 1
            return
        with lock:
            report.resent.append(iri)
        upload(iri, body, digest, triples)

    def uploads() -> Iterator[tuple[Callable[..., None], tuple[Any, ...]]]:
        """Hash each graph (on this thread) and hand on the ones to send, or to check with `verify`."""
        for iri in local:
            if failed.is_set():
                return
            body = graph_bytes(store, graph_of(iri))
            digest, triples = graph_digest(body)
            unchanged = not full and report.stale_record is None and record.graphs.get(iri) == Entry(digest, triples)
            if unchanged and not verify:
                with lock:
                    report.unchanged += 1
                continue
            yield (verify_then_upload if unchanged else upload), (iri, body, digest, triples)

    def delete_one(iri: str) -> None:
        if not dry_run:
            response = client().request("DELETE", where(iri))
            if response.status != 404:  # already gone there: nothing to delete
                _expect_success(response, base, f" (DELETE of {_name(iri)})")
            record.deleted(iri)
        with lock:
            report.deleted.append(iri)

    def steps() -> None:
        check_record()
        run(uploads())
        gone = sorted(set(record.graphs) - local_set)
        if delete_missing:
            run((delete_one, (iri,)) for iri in gone)
        else:
            report.missing = gone

    local_set = set(local)
    log.info("publishing %d graphs to %s (record %s)", len(local), base.display, record.path)
    try:
        if dry_run:
            record.load()
            steps()
        else:
            with record.updating():
                steps()
    except RemoteError as exc:
        if report.sent or report.deleted:
            done = f"{len(report.sent)} graphs sent" + (f", {len(report.deleted)} deleted" if report.deleted else "")
            raise PublishError(f"{exc} ({done} before the error are recorded: publish again to send the rest)",
                               report) from None
        raise
    finally:
        for c in clients:
            c.close()
    report.sent.sort()
    report.deleted.sort()
    return report


def publish_all(store: GraphStore, graph_store_url: str, timeout: float = TIMEOUT_S, *, workers: int = 2) -> int:
    """Replace every named graph of the store on a Graph Store Protocol endpoint, whatever was
    sent before, and return the number of quads sent (`publish` with `full=True`; the record is
    updated too)."""
    return publish(store, graph_store_url, timeout, workers=workers, full=True).quads
