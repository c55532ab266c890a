"""What `publish` has sent to each remote store: graph IRI -> content hash, kept beside the store.

The record of a store at `R` lives in the folder `.R.published/` beside it (like the writer lock
`.R.lock`), not inside it: a build replaces the store folder as a whole, and the record must
outlive that, since it describes the server, not the store. One target URL, one record,
named by a hash of the URL as printed (credentials and secret-looking parameters redacted,
so no credential is ever written to disk, not even as a hash):

* `<key>.json`: `{"target": URL, "graphs": {IRI: {"sha256": HEX, "triples": N}}}`, written
  atomically (a temporary file, synced, then renamed) when a publish ends;
* `<key>.journal`: one JSON line per graph as its PUT or DELETE starts and succeeds, appended
  and flushed while the publish runs, so a publish that is interrupted (Ctrl-C, a dropped
  connection, a server error, a killed process) is resumed by the next one. A line cut short by
  a kill is ignored; a PUT that was started but not confirmed leaves its graph recorded with an
  unknown hash: still ours (it may be deleted), but sent again next time;
* `<key>.lock`: one publish per target and store at a time.

Losing the record (deleting the folder, moving the store elsewhere) costs one full publish.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .errors import StoreError
from .store import exclusive_lock

log = logging.getLogger(__name__)

DEFAULT_GRAPH = ""  # the record's key for the default graph


@dataclass(frozen=True)
class Entry:
    """What the server holds of one graph, as far as we know: None when a PUT was not confirmed."""

    sha256: str | None
    triples: int | None


def record_folder(store_path: Path) -> Path:
    """The folder of publish records of the store whose real folder is `store_path`."""
    return store_path.with_name(f".{store_path.name}.published")


class PublishRecord:
    """The graphs one store has published to one target, updated graph by graph."""

    def __init__(self, folder: Path, target: str) -> None:
        """`target`: the endpoint URL as printed (redacted); it names the record."""
        self.folder = folder
        self.target = target
        key = hashlib.sha256(target.encode("utf-8")).hexdigest()[:20]
        self.path = folder / f"{key}.json"
        self.journal_path = folder / f"{key}.journal"
        self.lock_path = folder / f"{key}.lock"
        self.graphs: dict[str, Entry] = {}
        self._journal: IO[str] | None = None
        self._lock = threading.Lock()

    def load(self) -> PublishRecord:
        """Read the record and replay its journal (what an interrupted publish had done)."""
        self.graphs = {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("target") == self.target:
                for iri, e in data.get("graphs", {}).items():
                    self.graphs[iri] = Entry(e.get("sha256"), e.get("triples"))
        except FileNotFoundError:
            pass
        except (OSError, ValueError, AttributeError) as exc:
            log.warning("%s: unreadable publish record (%s); every graph will be sent", self.path, exc)
        try:
            with self.journal_path.open(encoding="utf-8") as journal:
                for line in journal:
                    self._replay(line)
        except FileNotFoundError:
            pass
        except (OSError, UnicodeError) as exc:
            log.warning("%s: unreadable publish journal (%s)", self.journal_path, exc)
        return self

    def _replay(self, line: str) -> None:
        try:
            item = json.loads(line)
            iri = item["graph"]
        except (ValueError, KeyError, TypeError):
            return  # a line cut short by a kill: that graph is sent again
        if item.get("deleted"):
            self.graphs.pop(iri, None)
        elif item.get("pending"):
            self.graphs[iri] = Entry(None, None)
        else:
            self.graphs[iri] = Entry(item.get("sha256"), item.get("triples"))

    @contextlib.contextmanager
    def updating(self) -> Iterator[PublishRecord]:
        """Hold the target's lock and keep the journal open; write the record when the block ends
        (also after an error or Ctrl-C: what was confirmed is kept either way)."""
        with exclusive_lock(self.lock_path, f"another publish of this store to {self.target} is running",
                            f"{self.folder}: cannot keep the publish record here", mode=0o600):
            self.load()
            try:
                self._journal = self.journal_path.open("a", encoding="utf-8")
            except OSError as exc:
                raise StoreError(f"{self.journal_path}: cannot write: {exc.strerror or exc}") from None
            try:
                yield self
            except BaseException:
                self._close()
                with contextlib.suppress(StoreError):  # the journal keeps what was confirmed
                    self.save()
                raise
            self._close()
            self.save()

    def _close(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    def _append(self, iri: str, item: dict[str, Any], entry: Entry | None) -> None:
        """One journal line, then the entry in memory (None: the graph is gone)."""
        if self._journal is None:
            raise RuntimeError("the publish record is not open for updating")
        with self._lock:  # PUTs run on several threads
            self._journal.write(json.dumps({"graph": iri, **item}, separators=(",", ":")) + "\n")
            self._journal.flush()  # in the system's hands: survives a kill of this process
            if entry is None:
                self.graphs.pop(iri, None)
            else:
                self.graphs[iri] = entry

    def started(self, iri: str) -> None:
        """A PUT of `iri` is about to start: until it is confirmed, its content there is unknown."""
        self._append(iri, {"pending": True}, Entry(None, None))

    def sent(self, iri: str, sha256: str, triples: int) -> None:
        """The server confirmed the PUT of `iri` with this content."""
        self._append(iri, {"sha256": sha256, "triples": triples}, Entry(sha256, triples))

    def deleted(self, iri: str) -> None:
        """The server confirmed the DELETE of `iri` (or did not have it)."""
        self._append(iri, {"deleted": True}, None)

    def save(self) -> None:
        """Write the record atomically, then empty the journal it now includes."""
        data = {"target": self.target, "graphs": {iri: {"sha256": e.sha256, "triples": e.triples}
                                                  for iri, e in sorted(self.graphs.items())}}
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=0)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise StoreError(f"{self.path}: cannot write the publish record: {exc.strerror or exc}") from None
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.journal_path)
