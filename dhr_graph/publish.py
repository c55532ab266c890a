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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyoxigraph as ox

from . import netsafe
from .errors import RemoteError
from .netsafe import TIMEOUT_S
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
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line)
        digest.update(b"\n")
    return digest.hexdigest(), len(lines)


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
    source = store.store  # opened first: a missing store is an error before anything else
    local: list[str] = list(store.named_graphs())
    if next(iter(source.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
        local.append(DEFAULT_GRAPH)
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

    def run(work: Callable[[str], None], items: list[str]) -> None:
        def guarded(iri: str) -> None:
            if failed.is_set():  # another graph failed: do nothing more
                return
            try:
                work(iri)
            except BaseException:
                failed.set()
                raise

        pool = ThreadPoolExecutor(max_workers=max(1, workers))
        try:
            for _ in pool.map(guarded, items):
                pass
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

    def publish_one(iri: str) -> None:
        body = source.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph_of(iri)) or b""
        digest, triples = graph_digest(body)
        entry = record.graphs.get(iri)
        if not full and report.stale_record is None and entry == Entry(digest, triples):
            if not verify or remote_triples(iri) == triples:
                with lock:
                    report.unchanged += 1
                return
            with lock:
                report.resent.append(iri)
        if not dry_run:
            record.started(iri)
            response = client().request("PUT", where(iri), body, {"Content-Type": "application/n-triples"})
            _expect_success(response, base, f" (PUT of {_name(iri)})")
            record.sent(iri, digest, triples)
        with lock:
            report.sent.append(iri)
            report.quads += triples
            report.bytes += len(body)

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
        run(publish_one, local)
        gone = sorted(set(record.graphs) - local_set)
        if delete_missing:
            run(delete_one, gone)
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
