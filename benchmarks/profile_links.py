"""Time and memory of the links computation, stage by stage and basis by basis (issue 17).

Why: to find which basis or structure grows faster than the corpus, time each one on stores of
several sizes. Reads a store read-only (nothing is written to it) and computes every link as
`recompute_all` does (the N-Quads text is formatted, then dropped instead of loaded), printing
one JSON line: wall and CPU seconds per stage (reading, indexes, each basis, link-feature records), resident
memory after each stage and the peak. Run it with a tree on PYTHONPATH, in a fresh process per
run, alternating the trees to compare:

    PYTHONPATH=TREE python benchmarks/profile_links.py STORE
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import threading
import time
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

from dhr_graph.links import Corpus, Linker, Settings, Tokeniser, Writer


def _rss_mb() -> float:
    """Resident memory now (Linux), in MB."""
    with open(f"/proc/{os.getpid()}/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--split", action="store_true",
                        help="tokenise the texts and build their index as stages of their own, before the links")
    args = parser.parse_args(argv)
    split = args.split
    store = ox.Store.read_only(str(args.store))
    seconds: dict[str, float] = defaultdict(float)
    cpu: dict[str, float] = defaultdict(float)
    rss: dict[str, float] = {}
    links: dict[str, int] = defaultdict(int)
    settings, tok = Settings.load(), Tokeniser()
    peaks: dict[str, float] = defaultdict(float)  # highest resident memory seen during each stage
    done = threading.Event()

    def sample() -> None:  # samples belong to the stage under way, named when it ends
        while not done.wait(0.05):
            peaks["pending"] = max(peaks["pending"], _rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = mark = time.perf_counter()
    cpu_mark = time.process_time()

    def stage(name: str) -> None:
        nonlocal mark, cpu_mark
        peaks[name] = max(peaks[name], peaks.pop("pending", 0.0), _rss_mb())
        now, now_cpu = time.perf_counter(), time.process_time()
        seconds[name] += now - mark
        cpu[name] += now_cpu - cpu_mark
        rss[name] = round(_rss_mb())
        mark, cpu_mark = now, now_cpu

    corpus = Corpus.read(store, settings, tokeniser=tok, defer_texts=True)
    stage("read")
    linker, writer = Linker(corpus, settings, store, tok), Writer(settings)
    stage("indexes")
    if split:  # built here rather than when the recurring basis first needs them, to time them apart
        corpus.ensure_texts()
        stage("tokenise")
        _ = linker.recs
        stage("text index")
    everything = range(len(corpus.reviews))
    for part in linker.links_by_basis(everything):
        basis = part[0].basis if part else "empty"
        links[basis] += len(part)
        writer.links(part)
        stage(basis)  # without --split, the recurring basis' first part includes tokenising and its text index
    writer.statements(linker.statements_of(everything))
    for start in range(0, len(corpus.reviews), 2000):
        writer.records(corpus.reviews[p] for p in range(start, min(start + 2000, len(corpus.reviews))))
    stage("records")
    done.set()
    sampler.join()
    print(json.dumps({
        "reviews": len(corpus.reviews), "links": dict(sorted(links.items())),
        "seconds": {k: round(v, 2) for k, v in seconds.items()}, "total": round(time.perf_counter() - started, 2),
        "cpu_seconds": {k: round(v, 2) for k, v in cpu.items()}, "cpu": round(sum(cpu.values()), 2),
        "rss_after_mb": rss, "rss_peak_during_mb": {k: round(v) for k, v in peaks.items() if k != "pending"},
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
