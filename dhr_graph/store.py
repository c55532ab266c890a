"""The embedded Oxigraph store on disk, written all-or-nothing.

A write never touches the live store directory: it takes a hard-link checkpoint of it
(`Store.backup`, cheap), applies the change to that copy, then swaps the copy in with two
renames. A build that fails or is killed part-way leaves the live store exactly as it was;
a kill between the two renames is repaired by the next writer, under the writer lock, while
readers read the previous store meanwhile (they never rename or delete anything).

A folder is only ever replaced when it is a store: it holds the marker file written by every
write, or nothing but database files (stores written before the marker), or nothing at all.
Review graphs arrive as N-Quads text (nquads.py); rdflib graphs, where a caller has them, go
through `terms.to_quads`.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import itertools
import logging
import os
import re
import stat
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from . import summary
from .errors import StoreError
from .iris import PREFIXES, is_internal_graph
from .sparqlscan import refuse_service

if TYPE_CHECKING:  # shutil and concurrent.futures load with the first write: a query never needs them
    from concurrent.futures import Future

DEFAULT_STORE = "dhr-store"
MARKER = "DHR-GRAPH-STORE"  # written into every store: how a folder is known to be one
_MARKER_TEXT = ("This folder is a dhr-graph store (an Oxigraph database). dhr-graph replaces the whole\n"
                "folder on every write: keep nothing else in it.\n")
# the files of an Oxigraph (RocksDB) database (bulk-N.sst: files of Oxigraph's bulk loader): a folder
# holding only these is a store written before stores carried the marker, and is recognised too
_DATABASE_FILE = re.compile(
    r"(CURRENT|IDENTITY|LOCK|LOG(\.old\.\d+)?|MANIFEST-\d+|OPTIONS-\d+|(bulk-)?\d+\.(sst|log|blob)|[\w.-]+\.dbtmp)")

log = logging.getLogger(__name__)


def default_store_path() -> Path:
    """`$DHR_GRAPH_STORE`, or ./dhr-store when it is unset; set but empty is a mistake, not '.'."""
    value = os.environ.get("DHR_GRAPH_STORE")
    if value is None:
        return Path(DEFAULT_STORE)
    if not value.strip():
        raise StoreError("DHR_GRAPH_STORE is set but empty: name a store folder, or unset it for ./dhr-store")
    return Path(value)


class GraphStore:
    """A dhr-graph store directory: read it, query it, or replace named graphs atomically.

    The path is resolved once (symlinks followed), so reading, the writer lock, the working
    copy and the swap all happen beside the real folder. A folder that holds anything but a
    store is refused by every operation, never replaced.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self._real: Path | None = None
        self._store: ox.Store | None = None

    @property
    def real_path(self) -> Path:
        """The store folder with symlinks resolved (resolved on first use, then kept)."""
        if self._real is None:
            self._real = _resolve(self.path)
        return self._real

    # -- reading
    def exists(self) -> bool:
        """Whether there is a store to read. Never repairs anything: only a writer, holding the
        lock, finishes an interrupted swap; meanwhile readers read the previous store."""
        return self._readable() is not None

    def _readable(self) -> Path | None:
        real = self.real_path
        if _kind(real, self.path) == "store" and (real / "CURRENT").is_file():
            return real
        old = _old(real)
        if (old / "CURRENT").is_file() and _kind(old, old) == "store":
            return old  # a swap is under way, or was cut between its two renames
        return None

    @property
    def store(self) -> ox.Store:
        if self._store is None:
            self._store = self._open_read_only()
        return self._store

    def _open_read_only(self) -> ox.Store:
        failure: BaseException | None = None
        for attempt in range(3):  # a writer may swap the folder while it is being opened: look again
            where = self._readable()
            if where is None and _kind(self.real_path, self.path) == "store":
                raise StoreError(f"{self.path}: the store is damaged (its database has no CURRENT file); "
                                 "rebuild it from the pages")
            if where is None:
                raise StoreError(f"{self.path}: no dhr-graph store here "
                                 f"(run 'dhr-graph build --store {self.path}' first)")
            try:
                return ox.Store.read_only(str(where))
            except (OSError, RuntimeError) as exc:  # pyoxigraph: RuntimeError for "Corruption: ..."
                failure = exc
                time.sleep(0.05 * (attempt + 1))
        raise StoreError(f"{self.path}: cannot open the store, it is damaged or unreadable "
                         f"({_one_line(failure)}); rebuild it from the pages") from None

    def close(self) -> None:
        self._store = None

    def query(self, sparql: str, substitutions: Mapping[str, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]
              | None = None,
              prefixes: Mapping[str, str] | None = None, *, allow_service: bool = False) -> object:
        """Run SPARQL with all named graphs as the default graph (see README).

        `SERVICE` is refused unless `allow_service`: it would make a network call."""
        if not allow_service:
            refuse_service(sparql)
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

    def count_of_type(self, class_iri: str) -> int:
        """How many `rdf:type` statements name `class_iri`, over every graph: each review is typed
        once, in its own graph, so for `dhr:Review` this is the number of reviews stored. Counted in
        the store's index, without a query."""
        rdf_type = ox.NamedNode(PREFIXES["rdf"] + "type")
        return sum(1 for _ in self.store.quads_for_pattern(None, rdf_type, ox.NamedNode(class_iri), None))

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
    def check_writable(self) -> Path:
        """The real store folder, if a build may write there; a one-line `StoreError` if not
        (the current folder or a parent, a file, a folder of other things). Writes nothing."""
        real = self.real_path
        _refuse_working_folder(real, self.path)
        _kind(real, self.path)
        return real

    @contextlib.contextmanager
    def writing(self, *, compact: bool | Callable[[], bool] = True) -> Iterator[ox.Store]:
        """A working copy of the store to change; it replaces the live store when the block
        ends without an exception, and is thrown away when it raises (or the process dies).

        With `compact`, the copy is compacted before the swap: bulk loads leave many
        overlapping files that every later read merges (a fresh 200-review store: 28 table
        files -> 10, reading every quad 1.5x quicker, for about 0.3 s of compaction). `compact`
        may be a function, asked once the block is done (how much was written is known then).
        The summary graph is recomputed on the copy before the swap (summary.py), whatever the
        block changed, so it never describes other data than its own."""
        import shutil  # here, not at the top: a command that only reads never needs it

        self.close()
        real = self.check_writable()
        with _write_lock(real, self.path):
            _recover(real)
            kind = _kind(real, self.path)
            staging = real.with_name(f".{real.name}.staging")
            for leftover in (staging, staging.with_name(staging.name + ".tmp")):  # .tmp: a killed backup
                _remove_leftover(leftover)  # left by a killed build: never part of the live store
            if kind == "store" and not (real / "CURRENT").is_file():
                raise StoreError(f"{self.path}: the store is damaged (its database has no CURRENT file); "
                                 "move it away to build a new one")
            try:
                try:
                    if kind == "store":
                        live = ox.Store(str(real))
                        live.backup(str(staging))
                        del live
                    work = ox.Store(str(staging))
                except (OSError, RuntimeError) as exc:
                    raise StoreError(f"{self.path}: cannot open the store for writing, it is damaged or "
                                     f"unreadable ({_one_line(exc)})") from None
                (staging / MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
                yield work
                summary.refresh(work)  # the totals are written in the same step as the data they count
                work.flush()
                if compact if isinstance(compact, bool) else compact():  # after the flush: what it wrote too
                    work.optimize()
                del work
            except BaseException as exc:
                shutil.rmtree(staging, ignore_errors=True)
                if isinstance(exc, OSError):
                    raise StoreError(f"{self.path}: cannot write store: {_one_line(exc)}") from None
                raise
            try:
                _swap_in(staging, real)
            except OSError as exc:  # the working copy is left for the next writer to clear away
                raise StoreError(f"{self.path}: cannot put the new store in place: {_one_line(exc)}") from None

    def live_quads(self, graph_iri: str) -> list[ox.Quad]:
        """A named graph as the live store holds it (readable while a working copy is open)."""
        real = self.real_path
        if not (real / "CURRENT").is_file():
            return []
        return list(ox.Store.read_only(str(real)).quads_for_pattern(None, None, None, ox.NamedNode(graph_iri)))

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
        from concurrent.futures import ThreadPoolExecutor

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
        from concurrent import futures

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


def _one_line(exc: BaseException | None) -> str:
    text = " ".join(str(exc).split()) if exc is not None else "unknown error"
    return text if len(text) <= 300 else text[:299] + "…"


def is_storage_failure(exc: BaseException) -> bool:
    """Whether an exception is the database reporting damaged or unreadable files (pyoxigraph
    raises RocksDB's status as RuntimeError, e.g. 'Corruption: block checksum mismatch')."""
    return isinstance(exc, RuntimeError) and str(exc).startswith(("Corruption:", "IO error:"))


def _resolve(path: Path) -> Path:
    """The real folder behind a store path, or a one-line StoreError for a path that cannot be one."""
    if not str(path).strip():
        raise StoreError("the store path is empty: name a store folder, e.g. --store dhr-store")
    try:
        real = Path(os.path.realpath(path))
        info = os.lstat(real)
    except FileNotFoundError:
        return real  # a new store, or a symlink to one that is yet to be made
    except OSError as exc:
        raise StoreError(f"{path}: cannot be a store folder: {exc.strerror or exc}") from None
    if stat.S_ISLNK(info.st_mode):  # realpath stops where links go round in a circle
        raise StoreError(f"{path}: cannot be a store folder: symbolic links go round in a loop")
    return real


def _refuse_working_folder(real: Path, shown: Path) -> None:
    """The current folder, one of its parents or the root cannot be swapped out (T3, T4)."""
    try:
        cwd = Path(os.path.realpath(os.getcwd()))
    except OSError:
        cwd = None
    if real == Path(real.anchor) or (cwd is not None and (real == cwd or real in cwd.parents)):
        raise StoreError(f"{shown}: is the current folder or one of its parents, not a store folder; "
                         "name one, e.g. --store dhr-store")


def _kind(folder: Path, shown: Path) -> str:
    """'missing', 'empty' or 'store'; anything else (a file, a folder of other things) is refused."""
    try:
        info = os.stat(folder)
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        raise StoreError(f"{shown}: cannot use as a store: {exc.strerror or exc}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise StoreError(f"{shown}: is a file, not a dhr-graph store folder; refusing to touch it")
    try:
        names = os.listdir(folder)
    except OSError as exc:
        raise StoreError(f"{shown}: cannot read the store folder: {exc.strerror or exc}") from None
    if not names:
        return "empty"
    if MARKER in names or all(_DATABASE_FILE.fullmatch(n) for n in names):
        return "store"  # (without its CURRENT file it is a damaged one: refused when opened)
    others = sorted(n for n in names if n != MARKER and not _DATABASE_FILE.fullmatch(n))
    raise StoreError(f"{shown}: is not a dhr-graph store (it holds {others[0]!r}"
                     f"{f' and {len(others) - 1} more' if len(others) > 1 else ''}); refusing to touch it, "
                     "name a new or empty folder")


def _remove_leftover(folder: Path) -> None:
    """Remove a working copy or old store that a killed build left, if it is ours: a folder of
    database files only (a copy killed while being made may not have its CURRENT file yet)."""
    if not os.path.lexists(folder):
        return
    try:
        names = None if os.path.islink(folder) or not folder.is_dir() else os.listdir(folder)
    except OSError:
        names = None
    if names is None or not all(n == MARKER or _DATABASE_FILE.fullmatch(n) for n in names):
        raise StoreError(f"{folder}: is in the way of the store's working copy and was not made by "
                         "dhr-graph; move it away")
    import shutil

    log.info("removing %s, left by a build that did not finish", folder)
    shutil.rmtree(folder)


def _swap_in(staging: Path, path: Path) -> None:
    import shutil

    old = _old(path)
    if path.exists():
        os.rename(path, old)
    os.rename(staging, path)
    shutil.rmtree(old, ignore_errors=True)


def _recover(path: Path) -> None:
    """Finish or undo a swap that was interrupted between its two renames (writer lock held)."""
    old = _old(path)
    if os.path.lexists(old):
        if path.exists():
            _remove_leftover(old)
        else:
            log.warning("%s: a write was cut between its two renames; the previous store is put back", path)
            os.rename(old, path)


@contextlib.contextmanager
def exclusive_lock(lock_path: Path, busy: str, cannot: str, mode: int = 0o644) -> Iterator[None]:
    """Hold an advisory lock on `lock_path` (created, with its folder, if missing) for the block;
    another holder means StoreError(`busy`) at once, never a wait. `cannot` begins the message
    when the lock file cannot be made."""
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, mode)
    except OSError as exc:
        reason = "permission denied" if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) else exc.strerror
        raise StoreError(f"{cannot}: {reason} ({exc.filename or lock_path})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(busy) from None
        yield
    finally:
        os.close(fd)


def _write_lock(path: Path, shown: Path) -> contextlib.AbstractContextManager[None]:
    """One writer at a time per store directory (the real one: a symlink is resolved first)."""
    return exclusive_lock(path.with_name(f".{path.name}.lock"), f"{shown}: another build is writing this store",
                          f"{shown}: cannot write the store here")
