"""Time `dhr-graph validate` on a store of many reviews (target: 2,000 reviews in under 30 s).

Builds a store from the deterministic synthetic corpus (benchmarks/generate_corpus.py, fixed
seed), then validates it several times and reports the median, the time per phase and peak
memory. Two baselines in the same run, on a sample of reviews scaled to the whole store:

- plain pySHACL: one `validate()` call per review graph with all the shapes (SHACL-SPARQL
  included, run per focus node by pySHACL), the graph holding the review and the reference
  data it points at;
- the toolkit's own general engine (`Validator(engine="pyshacl")`): the same checks, batched,
  with the core shapes run by pySHACL instead of compiled to SPARQL.

The figures go to the `validate` section of benchmarks/README.md (`--no-readme` to skip).

    python benchmarks/bench_validate.py [--reviews 2000] [--runs 3] [--baseline-sample 40] [--store DIR]
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from benchlib import write_section
from dhr_graph import resources
from dhr_graph.pipeline import build
from dhr_graph.store import GraphStore
from dhr_graph.terms import ToRdflib
from dhr_graph.validation import ReviewGraph, Validator, _read_turtle, validate_store

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


def sample_graphs(store: GraphStore, sample: int) -> tuple[list[tuple[str, Graph]], Graph]:
    """`sample` review graphs (evenly spread) and the store's reference data, as rdflib graphs."""
    convert = ToRdflib()
    names = sorted(n for n in store.named_graphs() if "/graph/review/" in n)
    names = names[::max(1, len(names) // sample)][:sample]
    reviews = []
    for name in names:
        g = Graph()
        for q in store.quads(name):
            g.add((convert(q.subject), convert(q.predicate), convert(q.object)))
        reviews.append((name, g))
    reference = Graph()
    for name in store.named_graphs():
        if "/graph/review/" not in name and "/graph/links/" not in name:
            for q in store.quads(name):
                reference.add((convert(q.subject), convert(q.predicate), convert(q.object)))
    return reviews, reference


def plain_pyshacl(reviews: list[tuple[str, Graph]], reference: Graph, shapes: Graph) -> float:
    """Seconds per review: one pySHACL call per review graph, with the reference data it points
    at (the things its triples reach, two steps on) and the class hierarchy."""
    hierarchy = list(reference.triples((None, RDFS.subClassOf, None)))
    graphs = []
    for _, g in reviews:
        data = Graph()
        for t in g:
            data.add(t)
        reach = {o for _, _, o in g if isinstance(o, URIRef)}
        reach |= {o for n in reach for o in reference.objects(n, None) if isinstance(o, URIRef)}
        for n in reach:
            for t in reference.triples((n, None, None)):
                data.add(t)
        for t in hierarchy:
            data.add(t)
        graphs.append(data)
    t0 = time.perf_counter()
    for data in graphs:
        shacl_validate(data, shacl_graph=shapes, inference="none", allow_warnings=True, allow_infos=True)
    return (time.perf_counter() - t0) / max(len(graphs), 1)


def general_engine(reviews: list[tuple[str, Graph]], reference: Graph, shapes: Graph) -> float:
    """Seconds per review for the toolkit's checks with pySHACL running the core shapes."""
    validator = Validator(shapes, reference, batch_size=len(reviews), engine="pyshacl")
    batch = [ReviewGraph.from_graph(name, g, name) for name, g in reviews]
    t0 = time.perf_counter()
    validator.validate_many(batch)
    return (time.perf_counter() - t0) / max(len(batch), 1)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reviews", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--baseline-sample", type=int, default=40)
    ap.add_argument("--store", type=Path, help="validate this existing store instead of building one")
    ap.add_argument("--no-readme", action="store_true", help="print the figures only")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="dhr-bench-validate-") as tmp:
        if args.store:
            path, build_s = args.store, float("nan")
        else:
            path, build_s = make_store(args.reviews, Path(tmp))
        gs = GraphStore(path)
        shapes = _read_turtle(sorted(resources.shapes_dir().glob("*.ttl")))
        times, results = [], []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            results = validate_store(gs)
            times.append(time.perf_counter() - t0)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the baselines load rdflib graphs
        validator = Validator(shapes)  # one more run with a validator we keep, to read its time per phase
        validate_store(gs, validator=validator)
        phases = sorted(validator.timings.items(), key=lambda kv: -kv[1])
        sample, reference = sample_graphs(gs, args.baseline_sample)
        plain = plain_pyshacl(sample, reference, shapes)
        general = general_engine(sample, reference, shapes)
        quads = len(gs)

    n = len(results)
    median = statistics.median(times)
    built = "an existing store" if args.store else f"built in {build_s:.1f} s by the same run"
    lines = [
        f"Machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}; "
        f"store of {n:,} reviews, {quads:,} quads ({built}); median of {args.runs} runs.",
        "",
        "| what | time for the store | per review | ratio to validate --store |",
        "|---|---:|---:|---:|",
        f"| `validate --store` (core shapes compiled to SPARQL) | **{median:.2f} s** | {1000 * median / max(n, 1):.1f} ms"
        f" | 1.0x |",
        f"| general engine (pySHACL for core shapes, batched; {len(sample)} sampled) | ~{general * n:.0f} s"
        f" | {1000 * general:.0f} ms | {general * n / median:.1f}x |",
        f"| plain pySHACL, one call per review ({len(sample)} sampled) | ~{plain * n:.0f} s | {1000 * plain:.0f} ms"
        f" | {plain * n / median:.1f}x |",
        "",
        f"Runs: {', '.join(f'{t:.2f}' for t in times)} s. Phases of one run: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in phases)
        + f". Peak memory {peak_mb:.0f} MB. Results: {sum(len(r.results) for r in results)} "
        f"({sum(not r.conforms for r in results)} reviews with violations). Target (< 30 s for 2,000 reviews): "
        + ("**met**." if median < 30 * n / 2000 else "**not met**."),
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_readme:
        write_section("validate", "Validation (`bench_validate.py`)", text)


if __name__ == "__main__":
    main()
