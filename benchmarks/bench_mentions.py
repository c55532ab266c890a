"""Name mentions in recommendation texts over a corpus: time, and the exact results to compare.

Parses every page of PAGES once, then times `Registry.mentions` (a fresh registry, as a build
starts) and `ThemeScheme.classify` over every recommendation, --runs times. With --save FILE the
results (every mention's repr, in order) are written; with --check FILE they must equal a file
saved by another version of the code (run it with that version first on PYTHONPATH).
The load average is printed with the figures: the machine is shared.

    python benchmarks/bench_mentions.py /work/bench/pages-2000 [--runs 5] [--save F | --check F]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from benchlib import save_or_check  # noqa: E402
from dhr_graph.addressees import registry_names  # noqa: E402
from dhr_graph.agencies import Registry  # noqa: E402
from dhr_graph.iris import Minter  # noqa: E402
from dhr_graph.parser import parse_page  # noqa: E402
from dhr_graph.themes import ThemeScheme  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pages", type=Path)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--save", type=Path)
    ap.add_argument("--check", type=Path)
    args = ap.parse_args(argv)
    known = registry_names(Registry.load())
    texts = []
    for page in sorted(args.pages.rglob("*.txt")):
        review = parse_page(page, known=known)
        texts += [(r.text, review.csp, review.published) for r in review.recommendations]
    minter, themes = Minter(), ThemeScheme.load()
    mention_times, classify_times, digest = [], [], ""
    for _ in range(args.runs):
        registry = Registry.load()
        started = time.perf_counter()
        found = [registry.mentions(t, csp, published, minter) for t, csp, published in texts]
        mention_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        for t, _, _ in texts:
            themes.classify(t)
        classify_times.append(time.perf_counter() - started)
        digest = hashlib.sha256("\n".join(repr(f) for f in found).encode()).hexdigest()
    print(f"{len(texts)} recommendations, {sum(len(f) for f in found)} mentions, results {digest[:16]}")
    print(f"mentions: median {statistics.median(mention_times):.3f} s of {args.runs} "
          f"({', '.join(f'{t:.3f}' for t in mention_times)})")
    print(f"classify: median {statistics.median(classify_times):.3f} s of {args.runs}")
    print(f"load average: {os.getloadavg()[0]:.2f}")
    return save_or_check(digest, args.save, args.check)


if __name__ == "__main__":
    sys.exit(main())
