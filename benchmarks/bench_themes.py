"""Time theme classification of many recommendations (target: 30,000 in under 5 s).

The corpus is deterministic (fixed seed): each synthetic recommendation joins one to three
sentences drawn from the gold set's texts, so lengths and theme frequencies are realistic.
The baseline in the same run is the plainest classifier there is (lower-case the text and look
for each theme's label as a substring), so the ratio says what the rules cost over reading
the text at all. Reports the median of several runs and peak memory.

    python benchmarks/bench_themes.py [--n 30000] [--runs 5]
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import statistics
import time
from collections.abc import Sequence

from benchlib import median_time
from eval_themes import load_gold

from dhr_graph.themes import ThemeScheme


def corpus(n: int, seed: int = 2024) -> list[str]:
    """n synthetic recommendation texts built from sentences of the gold set."""
    sentences = [s for g in load_gold() for s in re.split(r"(?<=[.;])\s+", str(g["text"])) if len(s) > 20]
    rng = random.Random(seed)
    return [" ".join(rng.sample(sentences, rng.choice((1, 1, 2, 2, 3)))) for _ in range(n)]


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=30_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    scheme = ThemeScheme.load()
    load_s = time.perf_counter() - t0
    texts = corpus(args.n)
    labels = [label.lower() for _, label in scheme.themes()]

    def rules() -> object:
        return [scheme.classify(t) for t in texts]

    def baseline() -> object:
        return [[lab for lab in labels if lab in t.lower()] for t in texts]

    rules_s, _ = median_time(rules, args.runs)
    base_s, _ = median_time(baseline, args.runs)
    assigned = sum(len(a) for a in rules()) / len(texts)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    mean_len = statistics.mean(len(t) for t in texts)

    print("| Measure | Value |\n|---|---|")
    print(f"| recommendations | {len(texts):,} (mean {mean_len:.0f} characters) |")
    print(f"| load and compile scheme | {load_s:.3f} s |")
    print(f"| classify, median of {args.runs} | {rules_s:.2f} s ({len(texts) / rules_s:,.0f} per s) |")
    print(f"| baseline (label substring), median of {args.runs} | {base_s:.2f} s |")
    print(f"| ratio to baseline | {rules_s / base_s:.1f}x |")
    print(f"| themes per recommendation | {assigned:.2f} |")
    print(f"| peak memory (process) | {peak_mb:.0f} MB |")


if __name__ == "__main__":
    main()
