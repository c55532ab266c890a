"""T11: readers racing a writer. Read commands used to finish an interrupted swap without the
writer lock, and could put the old store back between the writer's two renames: the build was
lost ("Directory not empty"). Builds run in one child process while reader processes loop on the
same store; everything is bounded in time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dhr_graph.pipeline import build
from dhr_graph.store import GraphStore

ROOT = Path(__file__).resolve().parent.parent
BUILDS = 8

WRITER = """
import json, sys
from dhr_graph.pipeline import Toolkit, build
toolkit, landed, lost = Toolkit.load(), 0, []
for _ in range(int(sys.argv[2])):
    try:
        landed += build(None, sys.argv[1], toolkit=toolkit).committed
    except Exception as exc:
        lost.append(f"{type(exc).__name__}: {exc}")
print(json.dumps({"landed": landed, "lost": lost}))
"""

# a reader that only asks whether the store is there (the call that used to repair it), as
# often as it can, and one that opens and counts it; each stops when the stop file appears
READER = """
import json, os, sys, time
from dhr_graph.store import GraphStore
store, stop, full = sys.argv[1], sys.argv[2], sys.argv[3] == "full"
ok = failed = 0
deadline = time.monotonic() + 300
while not os.path.exists(stop) and time.monotonic() < deadline:
    gs = GraphStore(store)
    try:
        if gs.exists() and full:
            len(gs)
        ok += 1
    except Exception:
        failed += 1
    gs.close()
print(json.dumps({"ok": ok, "failed": failed}))
"""


@pytest.mark.slow
def test_builds_racing_readers_are_never_lost(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert build(None, store).committed
    stop = tmp_path.parent / f"{tmp_path.name}.stop"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    readers = [subprocess.Popen([sys.executable, "-c", READER, str(store), str(stop), kind], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for kind in ("exists", "exists", "full")]
    started = time.monotonic()
    try:
        writer = subprocess.run([sys.executable, "-c", WRITER, str(store), str(BUILDS)], capture_output=True,
                                text=True, timeout=240, env=env, check=False)
    finally:
        stop.touch()
        reads = [json.loads(r.communicate(timeout=60)[0].strip().splitlines()[-1]) for r in readers]
        stop.unlink()
    assert writer.returncode == 0, writer.stderr[-2000:]
    result = json.loads(writer.stdout.strip().splitlines()[-1])
    assert result["lost"] == [] and result["landed"] == BUILDS, result
    assert all(r["ok"] > BUILDS for r in reads), reads  # the readers did race the builds
    gs = GraphStore(store)
    assert gs.exists() and len(gs) > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [".store.lock", "store"]
    print(f"{BUILDS} builds against readers {reads} in {time.monotonic() - started:.1f} s")
