"""The embedded Oxigraph store on disk, written all-or-nothing.

A write never touches the live store directory: it takes a hard-link checkpoint of it
(`Store.backup`, cheap), applies the change to that copy, then swaps the copy in with two
renames. A build that fails or is killed part-way leaves the live store exactly as it was;
the only window between the two renames is repaired the next time the store is opened.
Review graphs arrive as N-Quads text (rdf.py); rdflib graphs, where a caller has them, go
through `to_quads`.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import os
import shutil
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .errors import StoreError
from .iris import GRAPH, is_internal_graph, slug

DEFAULT_STORE = "dhr-store"


def default_store_path() -> Path:
    return Path(os.environ.get("DHR_GRAPH_STORE", DEFAULT_STORE))


def reference_graph_iri(source: Path, bundled: bool = True) -> str:
    """Named graph of a reference file: `.../graph/{stem}` if shipped, `.../graph/user/{stem}` if not.

    User files get their own path so that a user's `agencies.ttl` extends the bundled
    registry instead of replacing its graph.
    """
    return f"{GRAPH}{source.stem}" if bundled else f"{GRAPH}user/{slug(source.stem)}"


class _TermConverter:
    """rdflib -> pyoxigraph terms, caching the IRIs that repeat on every review."""

    def __init__(self) -> None:
        self._iris: dict[str, ox.NamedNode] = {}

    def iri(self, value: str) -> ox.NamedNode:
        node = self._iris.get(value)
        if node is None:
            node = self._iris[value] = ox.NamedNode(value)
        return node

    def term(self, t: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if isinstance(t, URIRef):
            return self.iri(str(t))
        if isinstance(t, Literal):
            if t.language:
                return ox.Literal(str(t), language=t.language)
            if t.datatype:
                return ox.Literal(str(t), datatype=self.iri(str(t.datatype)))
            return ox.Literal(str(t))
        if isinstance(t, BNode):
            return ox.BlankNode(str(t))
        raise TypeError(f"unsupported RDF term {t!r}")


def to_quads(graph: Graph, graph_iri: str, conv: _TermConverter | None = None) -> list[ox.Quad]:
    conv = conv or _TermConverter()
    g = conv.iri(graph_iri)
    term = conv.term
    return [ox.Quad(term(s), term(p), term(o), g) for s, p, o in graph]  # type: ignore[arg-type]  # no literal subjects


def parse_turtle_quads(path: Path, graph_iri: str) -> list[ox.Quad]:
    g = ox.NamedNode(graph_iri)
    try:
        return [ox.Quad(t.subject, t.predicate, t.object, g)
                for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
    except (SyntaxError, OSError) as exc:
        raise StoreError(f"{path}: cannot read Turtle: {exc}") from None


class GraphStore:
    """A dhr-graph store directory: read it, query it, or replace named graphs atomically."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self._store: ox.Store | None = None

    # -- reading
    def exists(self) -> bool:
        _recover(self.path)
        return (self.path / "CURRENT").is_file()

    @property
    def store(self) -> ox.Store:
        if self._store is None:
            if not self.exists():
                raise StoreError(f"{self.path}: no dhr-graph store here (run 'dhr-graph build --store {self.path}' first)")
            try:
                self._store = ox.Store.read_only(str(self.path))
            except OSError as exc:
                raise StoreError(f"{self.path}: cannot open store: {exc}") from None
        return self._store

    def close(self) -> None:
        self._store = None

    def query(self, sparql: str, substitutions: Mapping[str, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]
              | None = None,
              prefixes: Mapping[str, str] | None = None) -> object:
        """Run SPARQL with all named graphs as the default graph (see README)."""
        subs: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
            ox.Variable(k): v for k, v in (substitutions or {}).items()}
        return self.store.query(sparql, use_default_graph_as_union=True,
                                substitutions=subs or None, prefixes=dict(prefixes or {}))

    def named_graphs(self, *, internal: bool = False) -> list[str]:
        """The named graphs, without the toolkit's internal ones (caches) unless `internal`."""
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode)
                      and (internal or not is_internal_graph(g.value)))

    def __len__(self) -> int:
        return len(self.store)

    def quads(self, graph_iri: str | None = None, *, internal: bool = False) -> Iterator[ox.Quad]:
        """Every quad (of one graph), as exports and publishing read them: the toolkit's internal
        graphs (`iris.is_internal_graph`) are left out unless `internal` or asked for by name."""
        if graph_iri:
            return self.store.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri))
        store = self.store
        if internal or not any(is_internal_graph(g.value) for g in store.named_graphs() if isinstance(g, ox.NamedNode)):
            return store.quads_for_pattern(None, None, None, None)
        graphs = [ox.DefaultGraph(), *(g for g in store.named_graphs()
                                       if not (isinstance(g, ox.NamedNode) and is_internal_graph(g.value)))]
        return itertools.chain.from_iterable(store.quads_for_pattern(None, None, None, g) for g in graphs)

    # -- writing
    @contextlib.contextmanager
    def writing(self) -> Iterator[ox.Store]:
        """A working copy of the store to change; it replaces the live store when the block
        ends without an exception, and is thrown away when it raises (or the process dies)."""
        self.close()
        with _write_lock(self.path):
            _recover(self.path)
            staging = self.path.with_name(f".{self.path.name}.staging")
            if staging.exists():
                shutil.rmtree(staging)  # left by a killed build: never part of the live store
            try:
                if (self.path / "CURRENT").is_file():
                    live = ox.Store(str(self.path))
                    live.backup(str(staging))
                    del live
                work = ox.Store(str(staging))
                yield work
                work.flush()
                del work
            except BaseException as exc:
                shutil.rmtree(staging, ignore_errors=True)
                if isinstance(exc, OSError):
                    raise StoreError(f"{self.path}: cannot write store: {exc}") from None
                raise
            _swap_in(staging, self.path)

    def live_quads(self, graph_iri: str) -> list[ox.Quad]:
        """A named graph as the live store holds it (readable while a working copy is open)."""
        if not (self.path / "CURRENT").is_file():
            return []
        return list(ox.Store.read_only(str(self.path)).quads_for_pattern(None, None, None, ox.NamedNode(graph_iri)))

    def replace(self, graphs: Mapping[str, Iterable[ox.Quad]], remove: Iterable[str] = (),
                edit: Callable[[ox.Store], None] | None = None) -> None:
        """Replace each named graph in `graphs` by its quads, drop `remove`, all or nothing.

        `edit`, when given, runs on the working copy after the replacement and before the
        swap (e.g. to update cross-review links), so its changes land in the same step.
        """
        with self.writing() as work:
            for name in [*graphs, *remove]:
                drop_graph(work, name)
            work.bulk_extend(q for quads in graphs.values() for q in quads)
            if edit is not None:
                edit(work)


class BackgroundLoad:
    """N-Quads text bulk-loaded into a working copy in background threads, part by part.

    Oxigraph's bulk loader parses and indexes in Rust without holding the GIL, on one core
    per call, so on two cores the next part is computed in Python while the last one is written.
    While the caller is still producing parts, one part is written at a time (a second would
    only take the core the caller computes on); once it waits (`wait`, or leaving the block),
    the parts still queued are written `workers` at a time. At most `ahead` parts wait to be
    written, which keeps memory flat when Python is the quicker side. Leaving the block waits
    for every part; a part that failed raises then, unless the block itself raised (the working
    copy is thrown away either way). A bulk load is not transactional: use it on a working copy
    (`GraphStore.writing`), never on a live store."""

    def __init__(self, store: ox.Store, *, lenient: bool = False, ahead: int = 2, workers: int = 2) -> None:
        self.store, self.lenient, self.ahead, self.workers = store, lenient, ahead, workers
        self._pool = ThreadPoolExecutor(max_workers=workers)
        self._slots = threading.Semaphore(1)  # loads running at once; raised while the caller waits
        self._queue: deque[bytes] = deque()  # parts not yet being written, oldest first
        self._pending: list[Future[None]] = []  # one per part not yet known to be written

    def _load_next(self) -> None:
        with self._slots:  # the part is taken once a slot is free, so parts go in in order
            data = self._queue.popleft()
            self.store.bulk_load(data, ox.RdfFormat.N_QUADS, lenient=self.lenient)

    def _settle(self, most: int) -> None:
        """Wait until at most `most` parts are unwritten, raising the error of a failed one."""
        while True:
            for f in [f for f in self._pending if f.done()]:
                self._pending.remove(f)
                f.result()
            if len(self._pending) <= most:
                return
            futures.wait(self._pending, return_when=futures.FIRST_COMPLETED)

    def put(self, text: str) -> None:
        if not text:
            return
        self._settle(self.ahead - 1)
        self._queue.append(text.encode())
        self._pending.append(self._pool.submit(self._load_next))

    def wait(self) -> None:
        """Return once every part so far is in the store (raising if one failed)."""
        extra = self.workers - 1  # the caller computes nothing meanwhile: every worker may write
        if extra:
            self._slots.release(extra)
        try:
            self._settle(0)
        finally:
            for _ in range(extra):
                self._slots.acquire()

    def __enter__(self) -> BackgroundLoad:
        return self

    def __exit__(self, kind: object, error: object, tb: object) -> None:
        try:
            if error is None:
                self.wait()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)  # never leaves a part being written


def drop_graph(store: ox.Store, graph_iri: str) -> bool:
    """Remove a named graph if the store has it; says whether it had."""
    node = ox.NamedNode(graph_iri)
    if store.contains_named_graph(node):
        store.remove_graph(node)
        return True
    return False


def _old(path: Path) -> Path:
    return path.with_name(f".{path.name}.old")


def _swap_in(staging: Path, path: Path) -> None:
    old = _old(path)
    if path.exists():
        os.rename(path, old)
    os.rename(staging, path)
    shutil.rmtree(old, ignore_errors=True)


def _recover(path: Path) -> None:
    """Finish or undo a swap that was interrupted between its two renames."""
    old = _old(path)
    if old.exists():
        if path.exists():
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(old, path)


@contextlib.contextmanager
def _write_lock(path: Path) -> Iterator[None]:
    """One writer at a time per store directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(f".{path.name}.lock")
    with open(lock_path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(f"{path}: another build is writing this store") from None
        yield
