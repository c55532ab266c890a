"""Time the full build and every named query, against a plain rdflib pipeline in the same run.

For each corpus size (default 100, 500 and 2,000 SYNTHETIC reviews from generate_corpus.py):
- toolkit: `pipeline.build` (parse, resolve agencies, classify themes, SHACL-validate, write the
  Oxigraph store), then every named query through `queries.run_named`, rows materialised;
- baseline: the same pages through the same parse/resolve/classify/RDF stages, validated by
  pySHACL (one call per 250 reviews, with the reference data) into an in-memory
  `rdflib.Dataset` (default graph = union of the named graphs), then the same .rq files with
  `Dataset.query` and the same parameter values as `initBindings`. The cross-review link
  graphs are copied from the toolkit's store (not timed): rdflib has no link computation.
Each build runs in its own subprocess so its peak memory (ru_maxrss) is its own. Query times
are medians of several runs (the machine is shared: absolute times are noisy, ratios less so).
A baseline query slower than the time cap is stopped and reported as "> cap".
Results go to benchmarks/README.md between the bench:build-query markers.

    python benchmarks/bench_build_query.py [--sizes 100 500 2000] [--runs 5] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
START, END = "<!-- bench:build-query -->", "<!-- /bench:build-query -->"
NOTES = "<!-- bench:build-query:notes -->"  # hand-written analysis below it survives a re-run
BASELINE_CAP_S = 30.0  # one baseline query run longer than this is stopped (the machine is shared)


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


REVIEW = "<a review of the corpus>"  # stands for a review key until one is picked
ONE_REVIEW = "(one review)"  # the row label of a query timed with its optional review parameter given


def bench_params() -> dict[str, tuple[str, dict[str, str]]]:
    """Row label -> (query, parameter values).

    Required parameters take the values of the query's first example that gives them; optional
    ones keep their defaults, which is the widest (slowest) form of each query. A `review`
    parameter is given a review of the corpus (`REVIEW`, replaced by `review_key`), since the
    examples name a review of the test fixture; a query whose review is optional is also timed
    with one, as `name (one review)`, which is how it is used to look at one review.
    """
    from dhr_graph.queries import library

    out: dict[str, tuple[str, dict[str, str]]] = {}
    for name, nq in library().items():
        required = {p.name for p in nq.params if p.required}
        params: dict[str, str] = {}
        for example in nq.examples:
            words = shlex.split(example)
            pairs = dict(w.split("=", 1) for i, w in enumerate(words)
                         if i and words[i - 1] in ("--param", "-p") and "=" in w)
            if required <= set(pairs):
                params = {k: v for k, v in pairs.items() if k in required}
                break
        reviews = [p.name for p in nq.params if p.type == "review"]
        params.update({r: REVIEW for r in reviews if r in required})
        out[name] = (name, params)
        if any(r not in required for r in reviews):
            out[f"{name} {ONE_REVIEW}"] = (name, {**params, **{r: REVIEW for r in reviews}})
    return out



def review_key(keys: list[str]) -> str:
    """The review whose key sorts in the middle: the same one for both pipelines of a size."""
    return sorted(keys)[len(keys) // 2]


def _with_review(params: dict[str, str], key: str) -> dict[str, str]:
    return {k: key if v == REVIEW else v for k, v in params.items()}


class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout


def time_runs(func: Any, runs: int, cap: float | None = None, stop: bool = False) -> tuple[float | None, int]:
    """Median seconds over `runs` calls (fewer once `cap` seconds are spent), and the row count.

    With `stop`, a call still running after `cap` seconds is interrupted (pure-Python rdflib
    only: a query inside Oxigraph's native code cannot be interrupted, so it is never stopped).
    """
    times: list[float] = []
    rows = 0
    spent = 0.0
    for _ in range(runs):
        if cap and stop:
            signal.setitimer(signal.ITIMER_REAL, cap)
        try:
            t0 = time.perf_counter()
            rows = func()
            times.append(time.perf_counter() - t0)
        except _Timeout:
            return None, rows
        finally:
            if cap and stop:
                signal.setitimer(signal.ITIMER_REAL, 0)
        spent += times[-1]
        if cap and spent > cap and len(times) >= 1:
            break
    return statistics.median(times), rows


# ---------------------------------------------------------------- children (one per build)

def child_toolkit(pages: Path, store: Path, runs: int) -> dict[str, Any]:
    from dhr_graph.pipeline import Toolkit, build
    from dhr_graph.store import GraphStore

    t0 = time.perf_counter()
    report = build([pages], store, toolkit=Toolkit.load())
    build_s = time.perf_counter() - t0
    peak = _maxrss_mb()
    queries = {label: toolkit_query(store, label, runs) for label in bench_params()}
    return {"build_s": build_s, "peak_mb": peak, "landed": len(report.landed),
            "failed": len(report.failed), "quads": len(GraphStore(store)), "queries": queries}


def toolkit_query(store: Path, name: str, runs: int) -> dict[str, Any]:
    """Time one named query in its own process, so that one stuck in native code can be stopped."""
    cmd = [sys.executable, __file__, "--child", "query", "--store", str(store), "--name", name, "--runs", str(runs)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=BASELINE_CAP_S * 2,
                             env={**os.environ, "PYTHONPATH": str(HERE.parent)})
    except subprocess.TimeoutExpired:
        return {"median_s": None, "rows": None}
    if out.returncode:
        return {"median_s": None, "rows": None, "error": out.stderr.strip().splitlines()[-1:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def child_query(store: Path, name: str, runs: int) -> dict[str, Any]:
    from dhr_graph.queries import run_named
    from dhr_graph.store import GraphStore

    gs = GraphStore(store)
    name, params = bench_params()[name]
    keys = [row["k"].value for row in gs.query(
        "SELECT ?k WHERE { ?r a <https://w3id.org/dhr-graph/def/Review> ; <http://purl.org/dc/terms/identifier> ?k }")]
    params = _with_review(params, review_key(keys))
    run_named(gs, name, **params)  # warm-up: opens the store, fills caches
    median, rows = time_runs(lambda: len(run_named(gs, name, **params).rows), runs, BASELINE_CAP_S)
    return {"median_s": median, "rows": rows}


def child_rdflib(pages: Path, store: Path, runs: int) -> dict[str, Any]:
    from pyshacl import validate as shacl_validate
    from rdflib import Dataset, Graph, URIRef, Variable

    from dhr_graph import resources
    from dhr_graph.parser import parse_page
    from dhr_graph.pipeline import Toolkit, find_pages
    from dhr_graph.queries import get_query
    from dhr_graph.reviewgraph import build_time, review_graph
    from dhr_graph.iris import reference_graph_iri
    from dhr_graph.iris import PREFIXES

    t0 = time.perf_counter()
    tk = Toolkit.load()
    shapes = Graph()
    for path in sorted(resources.shapes_dir().glob("*.ttl")):
        shapes.parse(path, format="turtle")
    reference = Graph()
    for path in tk.reference_files():
        reference.parse(path, format="turtle")
    ds = Dataset(default_union=True)
    generated_at = build_time()

    def conforms(graphs: list[Graph]) -> bool:
        """pySHACL, as a plain pipeline would call it: the graphs with all the reference data."""
        data = Graph()
        for g in [reference, *graphs]:
            for t in g:
                data.add(t)
        return shacl_validate(data, shacl_graph=shapes, inference="none", allow_warnings=True, allow_infos=True)[0]

    batch: list[tuple[str, Graph]] = []  # validated 250 at a time; a failing batch one by one
    landed = 0
    pages_ = find_pages([pages])
    for i, page in enumerate(pages_):
        batch.append(review_graph(tk.enrich(parse_page(page)), tk.minter, generated_at))
        if len(batch) < 250 and i < len(pages_) - 1:
            continue
        good = batch if conforms([g for _, g in batch]) else [(n, g) for n, g in batch if conforms([g])]
        for iri, graph in good:
            ctx = ds.graph(URIRef(iri))
            ds.addN((s, p, o, ctx) for s, p, o in graph)
        landed += len(good)
        batch = []
    for path in tk.reference_files():
        ds.graph(URIRef(reference_graph_iri(path))).parse(path, format="turtle")
    # the cross-review links, computed by the toolkit in the same run: rdflib has no way of its
    # own to make them, and the link queries need them to compare like with like
    from dhr_graph.terms import to_dataset, to_rdflib
    from dhr_graph.store import GraphStore

    gs = GraphStore(store)
    for name in gs.named_graphs():
        if "/graph/links/" in name:
            ctx = ds.graph(URIRef(name))
            ds.addN((s, p, o, ctx) for s, p, o, _ in to_dataset(gs.quads(name)).quads())
    gs.close()
    build_s = time.perf_counter() - t0
    peak = _maxrss_mb()

    signal.signal(signal.SIGALRM, _alarm)
    queries = {}
    identifier = URIRef("http://purl.org/dc/terms/identifier")
    review_iris = {str(o): s for s, o in ds.subject_objects(identifier) if "/review/" in s and "/rec/" not in s}
    key = review_key(list(review_iris))
    for label, (name, params) in bench_params().items():
        nq = get_query(name)
        bindings = {Variable(k): to_rdflib(v) for k, v in nq.bindings(_with_review(params, key)).items()}
        for p in nq.params:  # as the toolkit's runner does: a review is bound as its IRI
            if p.type == "review" and Variable(p.name) in bindings:
                bindings[Variable(p.name)] = review_iris.get(key, bindings[Variable(p.name)])
        median, rows = time_runs(
            lambda: len(list(ds.query(nq.text, initNs=PREFIXES, initBindings=bindings))),  # noqa: B023 (run here)
            runs, BASELINE_CAP_S, stop=True)
        queries[label] = {"median_s": median, "rows": rows}
    return {"build_s": build_s, "peak_mb": peak, "landed": landed, "quads": len(ds), "queries": queries}


# ---------------------------------------------------------------- parent

def run_child(kind: str, pages: Path, store: Path, runs: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", kind, "--pages", str(pages), "--store", str(store),
           "--runs", str(runs)]
    out = subprocess.run(cmd, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(HERE.parent)})
    if out.returncode:
        sys.exit(f"{kind} build of {pages} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    mem_kb = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0)
    libs = ", ".join(f"{p} {version(p)}" for p in ("pyoxigraph", "rdflib", "pyshacl"))
    return (f"{os.cpu_count()} CPUs ({cpu}), {mem_kb / 1024 / 1024:.0f} GB RAM, "
            f"Python {platform.python_version()} on {platform.system()}; {libs}")


def _ms(seconds: float | None, cap: float = BASELINE_CAP_S) -> str:
    return f"> {cap:.0f} s" if seconds is None else f"{seconds * 1000:.1f}"


def _ratio(fast: float | None, slow: float | None) -> str:
    if fast is None:
        return "–"
    ratio, bound = (BASELINE_CAP_S / fast, "> ") if slow is None else (slow / fast, "")
    return f"{bound}{ratio:.0f}×" if ratio >= 10 else f"{bound}{ratio:.1f}×"


def table(results: dict[int, dict[str, Any]], runs: int) -> str:
    sizes = sorted(results)
    lines = [
        f"Machine: {machine()}.",
        f"Run: `python benchmarks/bench_build_query.py --sizes {' '.join(map(str, sizes))} --runs {runs}` "
        f"({time.strftime('%Y-%m-%d')}). Query times are medians of {runs} runs (toolkit: after one "
        "warm-up run, each query in its own process), rows materialised; fewer runs once a query has "
        f"taken {BASELINE_CAP_S:.0f} s; a baseline run is stopped after {BASELINE_CAP_S:.0f} s, a toolkit "
        f"query process after {2 * BASELINE_CAP_S:.0f} s.",
        "",
        "| reviews | reviews landed / pages | quads | toolkit build (s) | toolkit peak memory (MB) "
        "| rdflib build (s) | rdflib peak memory (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in sizes:
        tk, rl = results[n]["toolkit"], results[n]["rdflib"]
        lines.append(f"| {n} | {tk['landed']} / {n} | {tk['quads']:,} | {tk['build_s']:.1f} | {tk['peak_mb']:.0f} "
                     f"| {rl['build_s']:.1f} | {rl['peak_mb']:.0f} |")
    names = sorted(results[sizes[-1]]["toolkit"]["queries"])
    head = " | ".join(f"{n}: toolkit ms | rdflib ms | ratio" for n in sizes)
    lines += ["", f"| query | {head} |", "|---|" + "---:|---:|---:|" * len(sizes)]
    for name in names:
        cells = []
        for n in sizes:
            tq = results[n]["toolkit"]["queries"].get(name, {})
            rq = results[n]["rdflib"]["queries"].get(name, {})
            cells += [_ms(tq.get("median_s"), 2 * BASELINE_CAP_S), _ms(rq.get("median_s")),
                      _ratio(tq.get("median_s"), rq.get("median_s"))]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_readme(body: str) -> None:
    text = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    notes = ""
    if START in text and END in text:
        before, rest = text.split(START, 1)
        old, after = rest.split(END, 1)
        notes = NOTES + old.split(NOTES, 1)[1].rstrip("\n") + "\n" if NOTES in old else ""
    else:
        before, after = text.rstrip("\n") + "\n\n", "\n"
    section = f"{START}\n## Build and query benchmark\n\n{body}\n\n{notes}{END}"
    README.write_text(before + section + after, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 2000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=None, help="folder for corpora and stores (default: a temp dir)")
    parser.add_argument("--no-readme", action="store_true", help="print the table only")
    parser.add_argument("--child", choices=["toolkit", "rdflib", "query"], help=argparse.SUPPRESS)
    parser.add_argument("--name", help=argparse.SUPPRESS)
    parser.add_argument("--pages", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "toolkit":
        print(json.dumps(child_toolkit(args.pages, args.store, args.runs)))
        return 0
    if args.child == "query":
        print(json.dumps(child_query(args.store, args.name, args.runs)))
        return 0
    if args.child == "rdflib":
        print(json.dumps(child_rdflib(args.pages, args.store, args.runs)))
        return 0

    sys.path.insert(0, str(HERE))
    from generate_corpus import generate

    work = args.work or Path(tempfile.mkdtemp(prefix="dhr-bench-"))
    results: dict[int, dict[str, Any]] = {}
    for n in args.sizes:
        corpus = work / f"corpus-{n}"
        if not corpus.is_dir() or len(list(corpus.glob("*.txt"))) != n:
            generate(n, corpus)
        store = work / f"store-{n}"
        if store.exists():
            subprocess.run(["rm", "-rf", str(store)], check=True)
        print(f"{n} reviews: toolkit...", file=sys.stderr, flush=True)
        toolkit = run_child("toolkit", corpus, store, args.runs)
        print(f"  build {toolkit['build_s']:.1f} s, {toolkit['peak_mb']:.0f} MB; rdflib...", file=sys.stderr, flush=True)
        baseline = run_child("rdflib", corpus, store, args.runs)
        print(f"  build {baseline['build_s']:.1f} s, {baseline['peak_mb']:.0f} MB", file=sys.stderr, flush=True)
        results[n] = {"toolkit": toolkit, "rdflib": baseline}
        (work / "results.json").write_text(json.dumps(results, indent=2))
    body = table(results, args.runs)
    print(body)
    if not args.no_readme:
        write_readme(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
