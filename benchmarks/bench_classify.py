"""Theme classification over a corpus's recommendations: time, and the exact results to compare.

Parses every page of PAGES once (not timed), adds the texts of the themes gold set, then times
`ThemeScheme.classify` (wall and CPU: on a loaded machine only the CPU time means much) and
`ThemeScheme.explain` over every text, --runs times. The digest of
every result (reprs, in order) is printed; --save FILE writes it, --check FILE compares it with a
file saved by another version. The dhr_graph package is the one on PYTHONPATH, so the same
script measures any version (set PYTHONSAFEPATH=1 so the current folder does not shadow it).
The load average is printed with the figures: the machine is shared.

    PYTHONSAFEPATH=1 PYTHONPATH=OTHER-TREE python benchmarks/bench_classify.py PAGES --save base.txt
    PYTHONSAFEPATH=1 PYTHONPATH=. python benchmarks/bench_classify.py PAGES --check base.txt
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

from benchlib import save_or_check
from dhr_graph.parser import parse_page
from dhr_graph.themes import ThemeScheme

GOLD = Path(__file__).resolve().parent.parent / "tests" / "data" / "themes-gold.jsonl"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pages", type=Path)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--save", type=Path)
    ap.add_argument("--check", type=Path)
    args = ap.parse_args(argv)
    texts = [r.text for page in sorted(args.pages.rglob("*.txt")) for r in parse_page(page).recommendations]
    if GOLD.is_file():
        texts += [json.loads(line)["text"] for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    themes = ThemeScheme.load()
    classify_times, classify_cpu, explain_times = [], [], []
    digest = ""
    for _ in range(args.runs):
        started, cpu = time.perf_counter(), time.process_time()
        found = [themes.classify(t) for t in texts]
        classify_times.append(time.perf_counter() - started)
        classify_cpu.append(time.process_time() - cpu)
        started = time.perf_counter()
        explained = [themes.explain(t) for t in texts]
        explain_times.append(time.perf_counter() - started)
        h = hashlib.sha256()
        for f, e in zip(found, explained):
            h.update(repr(f).encode())
            h.update(repr(e).encode())
        digest = h.hexdigest()
    print(f"{len(texts)} texts, {sum(len(f) for f in found)} theme assignments, results {digest[:16]}")
    print(f"classify: median {statistics.median(classify_times):.3f} s of {args.runs} "
          f"({', '.join(f'{t:.3f}' for t in classify_times)}); CPU median {statistics.median(classify_cpu):.3f} s")
    print(f"explain: median {statistics.median(explain_times):.3f} s of {args.runs}")
    print(f"load average: {os.getloadavg()[0]:.2f}")
    return save_or_check(digest, args.save, args.check)


if __name__ == "__main__":
    sys.exit(main())
