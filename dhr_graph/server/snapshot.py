"""A reader's own view of the live store that a build cannot pull away.

A build never writes the live store directory: it writes a copy and swaps it in with two
renames, then deletes the old directory (store.py). Oxigraph opens the files of a read-only
store lazily, so a reader still on the old directory would fail once it is deleted. A
`SnapshotReader` therefore opens a hard-link copy of the live directory (cheap: no data is
copied; the live directory is never modified in place, so its files are a consistent set),
and moves to a fresh copy when it sees that a build swapped a new directory in. While the
swap is in progress the reader keeps the view it has: queries see the old or the new store,
never an error. The copies are named `.{store}.reader-{pid}-{n}` beside the store and are
removed by their owner (or by the worker pool when it had to kill the owner; copies of a server
killed without notice are removed when the next server starts).
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pyoxigraph as ox

log = logging.getLogger(__name__)

_SKIP = ("LOG", "LOCK")  # RocksDB's log and lock files are not part of the data


def snapshot_prefix(store: Path, pid: int) -> str:
    """Name prefix of the copies a process owns (used to clean up after a killed worker)."""
    return f".{store.name}.reader-{pid}-"


def remove_snapshots(store: Path, pid: int) -> None:
    """Delete every copy owned by process `pid` (only copies this toolkit made)."""
    prefix = snapshot_prefix(store, pid)
    for path in store.parent.glob(prefix + "*"):
        if path.is_dir() and path.name.startswith(prefix):
            shutil.rmtree(path, ignore_errors=True)


def remove_stale_snapshots(store: Path) -> list[Path]:
    """Delete the copies left by server processes that no longer run (killed without notice)."""
    removed = []
    prefix = f".{store.name}.reader-"
    for path in store.parent.glob(prefix + "*"):
        pid_text = path.name[len(prefix):].split("-", 1)[0]
        if not (path.is_dir() and pid_text.isdigit()):
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        except (PermissionError, OverflowError):
            continue  # alive under another user, or not a pid at all: not ours to judge
    return removed


class SnapshotReader:
    """Read-only access to the store at `path` that follows builds without ever failing."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._store: ox.Store | None = None
        self._key: tuple[int, int] | None = None
        self._copy: Path | None = None
        self._count = 0

    def store(self) -> ox.Store:
        """The newest complete store; the one already open while a swap is under way."""
        try:
            st = os.stat(self.path)
            key = (st.st_ino, st.st_ctime_ns)
        except FileNotFoundError:
            key = None  # between the two renames of a swap
        if self._store is None or (key is not None and key != self._key):
            try:
                self._open_new()
            except OSError as exc:
                if self._store is None:
                    raise
                log.info("store changed under the reader; keeping the open view (%s)", exc)
        assert self._store is not None
        return self._store

    def _open_new(self) -> None:
        fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY)  # pins this directory through renames
        try:
            st = os.fstat(fd)
            self._count += 1
            copy = self.path.with_name(f"{snapshot_prefix(self.path, os.getpid())}{self._count}")
            try:
                store = self._link_copy(fd, copy)
                kept: Path | None = copy
            except PermissionError:
                shutil.rmtree(copy, ignore_errors=True)
                # a folder we may not write beside: nobody swaps it under us either
                log.warning("cannot make a reader's copy beside %s; reading it in place", self.path)
                store, kept = ox.Store.read_only(str(self.path)), None
            except BaseException:
                shutil.rmtree(copy, ignore_errors=True)
                raise
        finally:
            os.close(fd)
        old = self._copy
        self._store, self._key, self._copy = store, (st.st_ino, st.st_ctime_ns), kept
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    @staticmethod
    def _link_copy(fd: int, copy: Path) -> ox.Store:
        copy.mkdir()
        for name in os.listdir(fd):
            if not name.startswith(_SKIP):
                os.link(name, copy / name, src_dir_fd=fd, follow_symlinks=False)
        return ox.Store.read_only(str(copy))

    def close(self) -> None:
        self._store = None
        if self._copy is not None:
            shutil.rmtree(self._copy, ignore_errors=True)
            self._copy = None

    def query(self, sparql: str, substitutions: object = None, prefixes: object = None) -> object:
        """Like `GraphStore.query` (union default graph), so `queries.run` can use a reader."""
        return self.store().query(sparql, use_default_graph_as_union=True, prefixes=dict(prefixes or {}))  # type: ignore[call-overload]
