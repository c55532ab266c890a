"""Time `dhr-graph validate` on a store of many reviews (target: 2,000 reviews in under 30 s).

Builds a store from the deterministic synthetic corpus (benchmarks/generate_corpus.py, fixed
seed), then validates it several times and reports the median, the time per phase and peak
memory. The baseline in the same run is the plain way to use pySHACL: one `validate()` call
per review graph with all the shapes (SHACL-SPARQL included, run per focus node by pySHACL),
timed on a sample of reviews and scaled to the whole store.

    python benchmarks/bench_validate.py [--reviews 2000] [--runs 3] [--baseline-sample 40]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import Graph

from dhr_graph.pipeline import build
from dhr_graph.store import GraphStore
from dhr_graph.validation import Validator, _FromOxCache, validate_store

HERE = Path(__file__).resolve().parent


def make_store(reviews: int, work: Path) -> tuple[Path, float]:
    pages = work / "pages"
    subprocess.run([sys.executable, str(HERE / "generate_corpus.py"), "--reviews", str(reviews), "--out", str(pages)],
                   check=True, capture_output=True)
    t0 = time.perf_counter()
    report = build([pages], work / "store")
    took = time.perf_counter() - t0
    if not report.committed:
        raise SystemExit("the benchmark corpus did not build")
    return work / "store", took


def baseline_per_review(store: GraphStore, validator: Validator, sample: int) -> tuple[float, int]:
    """Seconds per review for one plain pySHACL call per review graph (with its reference context)."""
    convert = _FromOxCache()
    names = [n for n in store.named_graphs() if "/graph/review/" in n][:sample]
    graphs = []
    for name in names:
        g = Graph()
        for t in convert.graph(store.quads(name)):
            g.add(t)
        ref = validator.reference
        for t in [*ref.triples(ref.about(list(g))), *ref.hierarchy]:
            g.add(t)
        graphs.append(g)
    t0 = time.perf_counter()
    for g in graphs:
        shacl_validate(g, shacl_graph=validator.shapes, inference="none", allow_warnings=True, allow_infos=True)
    return (time.perf_counter() - t0) / max(len(graphs), 1), len(graphs)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reviews", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--baseline-sample", type=int, default=40)
    ap.add_argument("--store", type=Path, help="validate this existing store instead of building one")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="dhr-bench-validate-") as tmp:
        if args.store:
            path, build_s = args.store, float("nan")
        else:
            path, build_s = make_store(args.reviews, Path(tmp))
        gs = GraphStore(path)
        times, phases, results = [], [], []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            results = validate_store(gs)
            times.append(time.perf_counter() - t0)
        # one more run with a validator we keep, to read its time per phase
        from dhr_graph import resources
        from dhr_graph.validation import _read_turtle

        reference = Graph()
        convert = _FromOxCache()
        for name in gs.named_graphs():
            if "/graph/review/" not in name:
                for t in convert.graph(gs.quads(name)):
                    reference.add(t)
        validator = Validator(_read_turtle(sorted(resources.shapes_dir().glob("*.ttl"))), reference)
        t0 = time.perf_counter()
        validate_store(gs, validator=validator)
        phases = sorted(validator.timings.items(), key=lambda kv: -kv[1])
        other = time.perf_counter() - t0 - sum(validator.timings.values())
        per_review, sampled = baseline_per_review(gs, validator, args.baseline_sample)

    n = len(results)
    median = statistics.median(times)
    baseline = per_review * n
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    built = "an existing store" if args.store else f"build took {build_s:.1f} s"
    print(f"store: {n} reviews, {len(gs)} quads ({built})")
    print(f"validate --store: median {median:.2f} s of {args.runs} runs ({', '.join(f'{t:.2f}' for t in times)}); "
          f"{1000 * median / max(n, 1):.1f} ms per review")
    print("  phases: " + ", ".join(f"{k} {v:.2f} s" for k, v in phases) + f", reading the store {other:.2f} s")
    print(f"baseline (one pySHACL call per review, {sampled} sampled): {1000 * per_review:.0f} ms per review, "
          f"~{baseline:.0f} s for {n} reviews; ratio {baseline / median:.1f}x")
    print(f"results: {sum(len(r.results) for r in results)} "
          f"({sum(not r.conforms for r in results)} reviews with violations); peak memory {peak_mb:.0f} MB")
    print("target (< 30 s for 2,000 reviews):", "met" if median < 30 * n / 2000 else "NOT met")


if __name__ == "__main__":
    main()
