"""Nothing lost: a build killed part-way leaves the store exactly as it was, and a failed export
leaves no partial file."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from dhr_graph import ntriples
from dhr_graph import rdfexport as export
from dhr_graph.pipeline import build
from dhr_graph.store import GraphStore

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "benchmarks" / "generate_corpus.py"


def snapshot(path: Path) -> set[ox.Quad]:
    gs = GraphStore(path)  # a swap cut short is read as the previous store (the next writer repairs it)
    try:
        return set(gs.quads())
    finally:
        gs.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    if not GENERATOR.exists():
        pytest.skip("benchmarks/generate_corpus.py not present")
    subprocess.run([sys.executable, str(GENERATOR), "--reviews", "60", "--out", str(out)], check=True,
                   capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return out


def _start_build(corpus: Path, store: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dhr_graph", "build", str(corpus), "--store", str(store), "--quiet"],
        env={**os.environ, "PYTHONPATH": str(ROOT), "SOURCE_DATE_EPOCH": "1750000000"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _same(a: set[ox.Quad], b: set[ox.Quad]) -> bool:
    """Set equality, without pytest's diff of a million quads in the failure message."""
    return a == b


def _kill_when(proc: subprocess.Popen, ready) -> bool:
    """SIGKILL the build as soon as `ready()` holds; False if it finished first."""
    deadline = time.monotonic() + 60
    while not ready():
        if proc.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return proc.returncode == -signal.SIGKILL  # 0: it had finished before the signal came


def test_killed_build_leaves_the_store_as_it_was(tmp_path: Path, corpus: Path) -> None:
    store = tmp_path / "store"
    assert build(None, store).committed  # the store already holds data
    before = snapshot(store)
    staging = store.with_name(f".{store.name}.staging")
    started = {}

    def after(seconds: float):
        return lambda: time.monotonic() - started["t"] >= seconds

    moments = {
        "while starting": after(0.2),
        "while parsing": after(1.0),
        "while validating": after(2.5),
        "while writing the working copy": staging.exists,
    }
    # what a complete build of the corpus onto this store gives (timestamps are pinned)
    full = tmp_path / "full"
    shutil.copytree(store, full)
    assert _start_build(corpus, full).wait(timeout=120) == 0
    complete = snapshot(full)
    assert not _same(complete, before)

    killed = []
    for name, ready in moments.items():
        started["t"] = time.monotonic()
        proc = _start_build(corpus, store)
        if _kill_when(proc, ready):
            killed.append(name)
        state = snapshot(store)
        # all or nothing: a kill after the swap may leave the finished build, never a part of it
        assert _same(state, before) or _same(state, complete), f"store half-written by a build killed {name}"
        if name in killed and not _same(state, before):
            killed.remove(name)  # the swap had happened before the signal came
        before = state
    assert "while writing the working copy" in killed or len(killed) >= 3

    # a later build works, and the killed builds left nothing in its way
    proc = _start_build(corpus, store)
    assert proc.wait(timeout=120) == 0
    assert _same(snapshot(store), complete)
    gs = GraphStore(store)
    sources = {q.object.value for q in gs.quads() if q.predicate.value.endswith("/def/sourceFile")}
    gs.close()
    assert len(sources) >= 50 and "southampton-2020.txt" in sources
    assert not staging.exists()


def test_failed_export_leaves_no_partial_file(tmp_path: Path, sample_store: Path, monkeypatch) -> None:
    target = tmp_path / "out" / "dhr.trig"
    target.parent.mkdir()
    target.write_text("previous export\n", encoding="utf-8")
    real_graph_bytes = ntriples.graph_bytes
    calls = []

    def half_then_fail(*args, **kwargs):
        calls.append(1)
        if len(calls) > 2:  # two graphs reach the temporary file...
            raise OSError(28, "No space left on device")  # ...then the disk fills up
        return real_graph_bytes(*args, **kwargs)

    monkeypatch.setattr(ntriples, "graph_bytes", half_then_fail)
    with pytest.raises(OSError):
        export.export_rdf(GraphStore(sample_store), target, "trig")
    assert target.read_text(encoding="utf-8") == "previous export\n"  # the old file is untouched
    assert sorted(p.name for p in target.parent.iterdir()) == ["dhr.trig"]  # and no temporary file is left

    fresh = tmp_path / "out" / "new.nq"
    calls.clear()
    with pytest.raises(OSError):
        export.export_rdf(GraphStore(sample_store), fresh, "nq")
    assert not fresh.exists()
    assert sorted(p.name for p in target.parent.iterdir()) == ["dhr.trig"]


def test_export_is_complete_when_it_succeeds(tmp_path: Path, sample_store: Path) -> None:
    target = tmp_path / "dhr.nq"
    n = export.export_rdf(GraphStore(sample_store), target, "nq")
    assert n == len(list(ox.parse(path=str(target), format=ox.RdfFormat.N_QUADS)))


def test_background_load_writes_every_part_and_reports_a_failed_one(tmp_path: Path) -> None:
    from dhr_graph.store import BackgroundLoad

    store = ox.Store(str(tmp_path / "work"))
    parts = [f"<urn:s{i}> <urn:p> \"{i}\" <urn:g{i % 2}> .\n" for i in range(5)]
    with BackgroundLoad(store, ahead=1, workers=1) as loader:  # more parts than may wait: put() blocks
        for part in parts:
            loader.put(part)
    assert len(store) == 5
    with pytest.raises(SyntaxError):
        with BackgroundLoad(store) as loader:
            loader.put("<urn:s> <urn:p> broken .\n")
    # an error in the block itself is the one that propagates; the loader only waits
    with pytest.raises(KeyError):
        with BackgroundLoad(store) as loader:
            loader.put("<urn:s> <urn:p> broken .\n")
            raise KeyError("from the block")


def test_background_load_writes_one_part_at_a_time_until_the_caller_waits() -> None:
    """While the caller still computes, a second load would only take its core; once it waits,
    the queued parts are written side by side, oldest first."""
    import threading
    import time

    from dhr_graph.store import BackgroundLoad

    class Recorder:
        def __init__(self) -> None:
            self.running = self.most = 0
            self.order: list[bytes] = []
            self.lock = threading.Lock()

        def bulk_load(self, data: bytes, *args: object, **kwargs: object) -> None:
            with self.lock:
                self.running += 1
                self.most = max(self.most, self.running)
                self.order.append(data)
            time.sleep(0.05)
            with self.lock:
                self.running -= 1

    producing = Recorder()
    with BackgroundLoad(producing, ahead=4) as loader:  # type: ignore[arg-type]
        for i in range(4):
            loader.put(f"part {i}")
        time.sleep(0.3)  # all four written while the caller is still in the block
        assert producing.most == 1
        assert producing.order == [f"part {i}".encode() for i in range(4)]

    waiting = Recorder()
    with BackgroundLoad(waiting, ahead=4) as loader:  # type: ignore[arg-type]
        for i in range(4):
            loader.put(f"part {i}")
    assert waiting.most == 2 and len(waiting.order) == 4
    assert waiting.order[0] == b"part 0"
