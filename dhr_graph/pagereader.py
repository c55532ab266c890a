"""Pages read on every core: parsing, resolving, classifying and N-Quads writing in worker processes.

Reading a page is pure Python (about 3.5 ms a page) and holds the GIL, so a thread cannot share
it; a build of 2,000 pages spent a third of its time there on one core while the other only
loaded. `PageReader` hands the pages to a pool of worker processes and gives their results back
in page order, so the build decides what lands exactly as it would reading them itself.

The workers are forked: each inherits the loaded toolkit (registry, themes, name index) without
reading or pickling it again, and is started before the build opens its store or starts a
thread (a fork copies only the forking thread). Where fork is unavailable, or the pool cannot
start, the pages are read in this process, and the log says why. Small builds are read in this
process too: starting the workers costs more than it saves below `MIN_PAGES`.

Workers are used only when asked for (`build --jobs N`): on the 2-core machine of the benchmarks the
build's bulk loads already take the second core while pages are read, and two workers made the
build no quicker (benchmarks/README.md, "Issue 17, round five: build").

The library changes nothing process-wide: the pool has its own start context (the global start
method is left alone), and the only signal setting is made inside the workers, which ignore
Ctrl-C so that it reaches the build (which stops the pool) instead of printing a traceback from
each worker. The pool is shut down however the build ends.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Generic, TypeVar

from .errors import DhrGraphError

logger = logging.getLogger(__name__)

P = TypeVar("P")
R = TypeVar("R")

MIN_PAGES = 64  # fewer inputs than this are read in process: forking and feeding workers costs more
PER_TASK = 4  # inputs handed to a worker at once
AHEAD = 4  # tasks queued per worker: keeps workers busy while bounding the results held in memory


_worker_read: Callable[[Any], Any] | None = None  # set in each worker process by _start_worker


def _start_worker(read: Callable[[Any], Any]) -> None:
    """Runs in a new worker: keep the reader it inherited, and leave Ctrl-C to the parent."""
    global _worker_read
    _worker_read = read
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _read_in_worker(items: list[Any]) -> list[Any]:
    """One task in a worker: its inputs read in order."""
    assert _worker_read is not None, "worker started without a reader"
    return [_worker_read(item) for item in items]


class PageReader(Generic[P, R]):
    """`read` applied to every input, in order, in worker processes when that pays.

    Use it as a context manager and iterate it once. The workers inherit `read` by fork, so
    only its inputs and results are pickled. A bad page is a result of `read`, not an
    exception; any other exception stops the build, raised where the caller iterates."""

    def __init__(self, read: Callable[[P], R], items: Iterable[P], count: int, jobs: int = 1) -> None:
        """`count`: how many inputs `items` gives (it may be a progress display over a list);
        `jobs`: worker processes (1: none, every input is read in this process)."""
        self._read = read
        self._items: Iterator[P] = iter(items)
        self._jobs = jobs
        self._count = count
        self._pool: ProcessPoolExecutor | None = None
        self._pending: deque[Future[list[R]]] = deque()
        self._taken: list[P] = []  # inputs handed to a pool that has not started yet
        self.processes = 0  # worker processes reading (0: this process reads)

    def __enter__(self) -> PageReader[P, R]:
        if self._jobs < 2 or self._count < max(MIN_PAGES, 2):
            return self
        if "fork" not in multiprocessing.get_all_start_methods():
            logger.info("pages are read in this process: worker processes need fork, not available here")
            return self
        try:
            self._pool = ProcessPoolExecutor(max_workers=self._jobs, mp_context=multiprocessing.get_context("fork"),
                                             initializer=_start_worker, initargs=(self._read,))
            self._submit(self._jobs * AHEAD)  # forks every worker now, before the caller starts threads
        except (OSError, ValueError, ImportError, RuntimeError) as exc:  # no semaphores (/dev/shm), no processes
            logger.warning("pages are read in this process: worker processes could not start (%s)", exc)
            self._shutdown()
            self._items = itertools.chain(self._taken, self._items)
            return self
        except BaseException:  # Ctrl-C while the workers start: none is left behind
            self._shutdown()
            raise
        finally:
            self._taken = []
        self.processes = self._jobs
        logger.info("pages read by %d worker processes", self._jobs)
        return self

    def __len__(self) -> int:
        return self._count

    def __exit__(self, kind: object, error: object, tb: object) -> None:
        self._shutdown()

    def __iter__(self) -> Iterator[R]:
        if self._pool is None:
            for item in self._items:
                yield self._read(item)
            return
        while self._pending:
            try:
                results = self._pending.popleft().result()
                self._submit(1)
            except BrokenProcessPool:
                raise DhrGraphError("a worker process reading pages ended unexpectedly (killed, or out of "
                                    "memory?); try again, or with --jobs 1") from None
            yield from results
        self._shutdown()  # every input read: the workers' memory is free for the rest of the build

    def _submit(self, tasks: int) -> None:
        assert self._pool is not None
        for _ in range(tasks):
            chunk = list(itertools.islice(self._items, PER_TASK))
            if not chunk:
                return
            if self.processes == 0:  # still starting: kept, to be read here if the start fails
                self._taken.extend(chunk)
            self._pending.append(self._pool.submit(_read_in_worker, chunk))

    def _shutdown(self) -> None:
        """Stop the workers: queued tasks are dropped, a running one finishes (milliseconds)."""
        pool, self._pool = self._pool, None
        pending, self._pending = list(self._pending), deque()
        for f in pending:
            f.cancel()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
