"""Output files written safely: atomically, never over what is not an output file.

Rules every export, network file and page follows (see the README, "Output files, secrets and the network"):

* A regular file is written to a temporary name beside it and renamed into place only when
  complete; an existing file keeps its permission bits (and, for root, its owner). A symbolic
  link is followed: the file it points to is replaced and the link stays.
* Files that belong together (an export and its `.void.ttl`, CSV node and edge lists) are all
  written before any is renamed; the companions' old versions are removed before the first
  rename, so an interruption can leave a companion missing but never stale.
* A stream (a character device such as `/dev/null` or a terminal, or a named pipe) is written
  to directly: it cannot be replaced atomically, and replacing it would destroy it.
* Anything else is refused with one line naming the path: a directory, a block device, a
  socket, or any path inside a store folder (an Oxigraph/RocksDB directory, e.g. `STORE/CURRENT`).
* Missing parent folders are created, and removed again when the write fails.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .errors import OutputError

log = logging.getLogger(__name__)

# Files that mark a RocksDB directory, which is what an Oxigraph store on disk is.
_STORE_MARKERS = ("CURRENT", "IDENTITY")


def is_stream(path: str | Path) -> bool:
    """True for a character device or a named pipe: written to directly, never replaced."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def store_folder_of(path: Path) -> Path | None:
    """The store folder `path` lies in (or is), if any: a directory with RocksDB's files."""
    for folder in (path, *path.parents):
        if all((folder / name).is_file() for name in _STORE_MARKERS) and any(folder.glob("OPTIONS-*")):
            return folder
    return None


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


@dataclass
class _Pending:
    target: Path  # where the file goes (symbolic links resolved)
    tmp: str
    mode: int  # permission bits to keep, -1 for a new file
    owner: tuple[int, int] | None


@dataclass
class OutputFiles:
    """Several output files committed together; use `open` for each, in order of importance.

    Leaving the `with` block without an exception renames every temporary file into place
    (see the module docstring for the order); an exception removes them and any folder made.
    """

    pending: list[_Pending] = field(default_factory=list)
    made_dirs: list[Path] = field(default_factory=list)

    def __enter__(self) -> OutputFiles:
        return self

    def __exit__(self, kind: object, error: object, tb: object) -> None:
        if error is None:
            try:
                self._commit()
                return
            except BaseException:
                self._discard()
                raise
        self._discard()

    @contextlib.contextmanager
    def open(self, path: str | Path, mode: str = "wb") -> Iterator[IO[Any]]:
        """A handle to write `path` with; a stream is written to directly."""
        shown = Path(path)
        kwargs: dict[str, Any] = {"encoding": "utf-8", "newline": ""} if "b" not in mode else {}
        if is_stream(shown):
            try:
                with open(shown, mode, **kwargs) as handle:
                    yield handle
            except OSError as exc:
                raise OutputError(f"{shown}: cannot write: {exc.strerror or exc}") from None
            return
        target, file_mode, owner = self._plan(shown)
        try:
            fd, tmp = _create_beside(target, file_mode)
        except OSError as exc:
            raise OutputError(f"{shown}: cannot write in {target.parent}: {exc.strerror or exc}") from None
        self.pending.append(_Pending(target, tmp, file_mode, owner))
        try:
            with os.fdopen(fd, mode, **kwargs) as handle:
                yield handle
        except OSError as exc:
            raise OutputError(f"{shown}: cannot write: {exc.strerror or exc}") from None

    def size(self, path: str | Path) -> int | None:
        """Bytes written so far to the pending file for `path` (None for a stream)."""
        target = _resolve(Path(path))
        for p in self.pending:
            if p.target == target:
                return os.stat(p.tmp).st_size
        return None

    def _plan(self, path: Path) -> tuple[Path, int, tuple[int, int] | None]:
        target = _resolve(path)
        store = store_folder_of(target.parent)
        if store is not None:
            raise OutputError(f"{path}: refusing to write inside the store folder {store}")
        try:
            st = os.stat(target)
        except FileNotFoundError:
            st = None
        except OSError as exc:
            raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
        if st is not None and not stat.S_ISREG(st.st_mode):
            raise OutputError(f"{path}: refusing to write over {_kind(st.st_mode)}")
        self._make_parents(path, target.parent)
        if st is None:
            return target, -1, None
        return target, stat.S_IMODE(st.st_mode), (st.st_uid, st.st_gid)

    def _make_parents(self, shown: Path, folder: Path) -> None:
        missing = []
        for parent in (folder, *folder.parents):
            if parent.exists():
                break
            missing.append(parent)
        for parent in reversed(missing):
            try:
                parent.mkdir()
            except FileExistsError:
                continue
            except OSError as exc:
                raise OutputError(f"{shown}: cannot create folder {parent}: {exc.strerror or exc}") from None
            self.made_dirs.append(parent)
        if not folder.is_dir():
            raise OutputError(f"{shown}: {folder} is not a folder")

    def _commit(self) -> None:
        for p in self.pending:
            if p.mode >= 0:  # an existing file keeps its bits; a new one has 0666 less the umask
                os.chmod(p.tmp, p.mode)
            if p.owner is not None and os.geteuid() == 0:
                with contextlib.suppress(OSError):
                    os.chown(p.tmp, *p.owner)
        for p in self.pending[1:]:  # companions go first, so none outlives a new main file
            with contextlib.suppress(FileNotFoundError):
                os.unlink(p.target)
        for p in self.pending:
            try:
                os.replace(p.tmp, p.target)
            except OSError as exc:
                raise OutputError(f"{p.target}: cannot write: {exc.strerror or exc}") from None
            p.tmp = ""
        log.debug("wrote %s", ", ".join(str(p.target) for p in self.pending))

    def _discard(self) -> None:
        for p in self.pending:
            if p.tmp:
                with contextlib.suppress(OSError):
                    os.unlink(p.tmp)
        for folder in reversed(self.made_dirs):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if still empty: never removes what someone else put there
        self.pending.clear()
        self.made_dirs.clear()


@contextlib.contextmanager
def atomic_output(path: str | Path, mode: str = "wb") -> Iterator[IO[Any]]:
    """Write one output file by the rules above (temporary file, then rename)."""
    with OutputFiles() as files, files.open(path, mode) as handle:
        yield handle


def _resolve(path: Path) -> Path:
    """The file a path names: symbolic links followed, so a link to an export stays a link."""
    return Path(os.path.realpath(path))


def _create_beside(target: Path, mode: int) -> tuple[int, str]:
    """A new temporary file beside `target`, created with the mode it will have (the kernel
    applies the umask to a new one), so a private file is never readable while written."""
    for _ in range(100):
        tmp = str(target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp"))
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode < 0 else mode & 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {target}")
