"""The build of a corpus with pages read in worker processes, against another version (issue 17).

Builds the same pages into fresh stores, alternating the versions (the machine is shared: a
version measured in the same run, turn about, is the only fair baseline), each build a child
process `python -m dhr_graph -v build PAGES --store NEW -q [--jobs N]` run from a given source tree
(PYTHONPATH). Per build: wall time; CPU (user + system of the build and of its worker processes,
from wait4); peak memory, both the largest single process (ru_maxrss) and the whole process tree
(the sum of every process's proportional set size, sampled every 0.1 s: forked workers share
the pages they inherited, which the sum of resident sizes would count twice); the wall time of
each stage (the `build stage:` lines); and the load average before and after. Then, optionally,
whether the stores hold the same quads (compare_stores.py). Medians per version are printed, and
every figure is saved as JSON.

    python benchmarks/bench_build_jobs.py PAGES --version before=/work/wt/integ \\
        --version after=. --version after-j1=.:1 --pairs 2 --work /tmp/bench-build [--compare]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
STAGE_RE = re.compile(r"build stage: (.+): ([0-9.]+) s$")


def _tree(pid: int) -> list[int]:
    """The process and every descendant (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def _memory_kb(pid: int) -> tuple[int, int]:
    """(sum of Pss, sum of Rss) in kB over the process tree of `pid`."""
    pss = rss = 0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup", encoding="utf-8") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1])
        except OSError:
            continue
    return pss, rss


def build(tree: str, jobs: str | None, pages: Path, store: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(Path(tree).resolve()), "PYTHONSAFEPATH": "1"}
    cmd = [sys.executable, "-m", "dhr_graph", "-v", "build", str(pages), "--store", str(store), "-q"]
    if jobs:
        cmd += ["--jobs", jobs]
    load_before = os.getloadavg()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = [0, 0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            pss, rss = _memory_kb(proc.pid)
            peak[0], peak[1] = max(peak[0], pss), max(peak[1], rss)
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"build with {tree} failed ({code}): {err[-2000:]}")
    stages: dict[str, float] = {}
    for line in err.splitlines():
        m = STAGE_RE.search(line)
        if m:
            stages[m.group(1)] = stages.get(m.group(1), 0.0) + float(m.group(2))
    return {"wall": round(wall, 2), "cpu": round(usage.ru_utime + usage.ru_stime, 2),
            "max_rss_mb": round(usage.ru_maxrss / 1024), "tree_pss_mb": round(peak[0] / 1024),
            "tree_rss_mb": round(peak[1] / 1024), "stages": stages,
            "load": [round(x, 2) for x in (*load_before, *os.getloadavg())]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", type=Path)
    parser.add_argument("--version", action="append", required=True, metavar="NAME=TREE[:JOBS]",
                        help="a source tree to build with (its PYTHONPATH), optionally with --jobs")
    parser.add_argument("--pairs", type=int, default=2, help="rounds, each building once with every version")
    parser.add_argument("--work", type=Path, required=True, help="a new folder for the stores and the figures")
    parser.add_argument("--compare", action="store_true",
                        help="check that the first round's stores hold the same quads as the first version's")
    args = parser.parse_args(argv)
    versions: list[tuple[str, str, str | None]] = []
    for spec in args.version:
        name, _, rest = spec.partition("=")
        tree, _, jobs = rest.partition(":")
        versions.append((name, tree, jobs or None))
    args.work.mkdir(parents=True, exist_ok=True)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _, _ in versions}
    for i in range(args.pairs):
        for name, tree, jobs in versions:
            store = args.work / f"store-{name}-{i}"
            if store.exists():
                raise SystemExit(f"{store}: exists; give a new --work folder")
            result = build(tree, jobs, args.pages, store)
            runs[name].append(result)
            print(f"{name} #{i + 1}: {json.dumps(result)}", flush=True)
    (args.work / "figures.json").write_text(json.dumps(runs, indent=1), encoding="utf-8")
    for name, results in runs.items():
        med = {k: statistics.median(r[k] for r in results) for k in ("wall", "cpu", "max_rss_mb", "tree_pss_mb")}
        read = statistics.median(r["stages"].get("pages read, resolved, classified, written as N-Quads", 0)
                                 for r in results)
        print(f"{name}: median wall {med['wall']:.1f} s, CPU {med['cpu']:.1f} s, largest process "
              f"{med['max_rss_mb']:.0f} MB, process tree {med['tree_pss_mb']:.0f} MB (PSS), page reading {read:.1f} s")
    if args.compare:
        first = versions[0][0]
        for name, _, _ in versions[1:]:
            subprocess.run([sys.executable, str(HERE / "compare_stores.py"), str(args.work / f"store-{first}-0"),
                            str(args.work / f"store-{name}-0")], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
