"""Time cross-review links (targets: all links of 2,000 reviews < 5 s; one added review < 1 s).

The corpus comes from `generate_corpus.py` (deterministic, SYNTHETIC pages) and goes through the
real parser, agency resolver and theme classifier into an Oxigraph store (SHACL validation is
left out: it is not what is being timed). Then, in the same run:

- full: `links.recompute_all` on a fresh copy of the store (read the corpus, build the indexes,
  compute every link of every basis, write them; making the copy is not timed). The store is
  built in a child process and compacted, as a store at rest is: right after a bulk load
  RocksDB compacts in the background, which on 2 cores slows everything else by a third or
  more (the build benchmark's link phase is that case);
- incremental: one more review (from a second corpus drawn with another seed) is written into a
  copy of the linked store and `links.update` brings the links up to date;
- baseline: the pairwise SPARQL join over shared agencies (one basis only), at the sizes where it
  finishes within the timeout, each run in a child process so a slow one can be stopped.

Reports medians of several runs, ratios to the baseline, and peak memory, as a Markdown table
that is printed and written into benchmarks/README.md between the markers
`<!-- bench:links -->` and `<!-- /bench:links -->` (the rest of that file is left alone).

    python benchmarks/bench_links.py [--sizes 100 250 500 2000] [--baseline-sizes 100 250 500]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import multiprocessing as mp
import os
import platform
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from benchlib import write_section
from generate_corpus import SEED, generate

from dhr_graph import links
from dhr_graph.agencies import Registry
from dhr_graph.iris import Minter
from dhr_graph.parser import parse_page
from dhr_graph.pipeline import Toolkit
from dhr_graph.reviewgraph import review_graph
from dhr_graph.terms import ToOx, to_quads
from dhr_graph.themes import ThemeScheme
from dhr_graph.tuning import fewer_gc_pauses

T = TypeVar("T")
_SPAWN = mp.get_context("spawn")  # child processes start afresh: a fork would copy Oxigraph's threads' locks

BASELINE = """
PREFIX dhr: <https://w3id.org/dhr-graph/def/>
SELECT ?r1 ?r2 (COUNT(DISTINCT ?a) AS ?shared) WHERE {
  ?rec1 dhr:review ?r1 ; dhr:addressedTo ?a .
  ?rec2 dhr:review ?r2 ; dhr:addressedTo ?a .
  FILTER(STR(?r1) < STR(?r2))
  FILTER NOT EXISTS { ?a a dhr:AddresseeGroup }
} GROUP BY ?r1 ?r2
"""


def review_quads(pages: list[Path], toolkit: Toolkit) -> dict[str, list[ox.Quad]]:
    """Named graph IRI -> quads of each page (parsed, resolved, classified; not validated)."""
    conv = ToOx()
    out: dict[str, list[ox.Quad]] = {}
    for page in pages:
        iri, graph = review_graph(toolkit.enrich(parse_page(page)), toolkit.minter, "2025-01-01T00:00:00Z")
        out[iri] = to_quads(graph, iri, conv)
    return out




def build_store(size: int, pages_dir: Path, path: Path) -> None:
    """Generate the corpus and write its review graphs into a store at `path`, compacted as a
    store at rest is. Run in a child process, so that the timed runs start in a process like
    the one a `dhr-graph links compute` command starts in, not in one whose heap was churned by
    a million and a half Python quads."""
    toolkit = Toolkit(registry=Registry.load(), themes=ThemeScheme.load(), validator=None,  # type: ignore[arg-type]
                      minter=Minter())
    graphs = review_quads(generate(size, pages_dir, SEED), toolkit)
    store = ox.Store(str(path))
    store.bulk_extend(q for quads in graphs.values() for q in quads)
    store.flush()
    store.optimize()  # no compaction left to run


def table(rows: list[tuple[int, int, list[float], float, tuple[float, int] | None, bool]], runs: int,
          timeout: float, peak_mib: float, tuned: bool) -> str:
    """The results as Markdown: one row per corpus size."""
    lines = [
        "| reviews | links | all links (s): median (range) | one review added (s) "
        "| pairwise SPARQL, shared agencies only (s) "
        "| SPARQL / all links |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for size, n_links, full_runs, t_incr, base, tried in rows:
        t_full = statistics.median(full_runs)
        if base:
            shown, ratio = f"{base[0]:.2f} ({base[1]:,} pairs)", f"{base[0] / t_full:.1f}x"
        else:
            shown, ratio = (f"> {timeout:.0f} (stopped)" if tried else "not run"), "-"
        lines.append(f"| {size:,} | {n_links:,} | {t_full:.2f} ({min(full_runs):.2f}–{max(full_runs):.2f}) "
                     f"| {t_incr:.3f} | {shown} | {ratio} |")
    lines += ["", f"Medians of {runs} runs (one review added: of {max(runs, 5)}); peak memory of the timing "
              f"process {peak_mib:.0f} MiB; "
              f"{os.cpu_count()} CPUs, Python {platform.python_version()}, pyoxigraph {ox.__version__}. "
              "All links = `links.recompute_all` on a copy of an unlinked store (read, index, compute, "
              "write); one review added = `links.update` after writing one more review into a copy of the "
              "linked store. Both run " + ("with the collector tuning that `dhr-graph` opts into (dhr_graph/tuning.py)"
                                 if tuned else "without collector tuning (--no-gc-tuning)") +
              ". Targets (issue 7): all links for 2,000 reviews < 5 s, one review added < 1 s."]
    return "\n".join(lines)


def copy_store(src: Path, dst: Path) -> ox.Store:
    shutil.rmtree(dst, ignore_errors=True)
    ox.Store(str(src)).backup(str(dst))
    return ox.Store(str(dst))


def _update(store: ox.Store, reviews: list[str]) -> set[str]:
    return links.update(store, reviews)


def _extend(store: ox.Store, quads: list[ox.Quad]) -> None:
    store.extend(quads)


def time_on_copies(src: Path, dst: Path, runs: int, timed: Callable[[ox.Store], T],
                   prepare: Callable[[ox.Store], object] | None = None, tuned: bool = True) -> tuple[list[float], T]:
    """Seconds of `timed` on each of `runs` fresh copies of the store at `src` (the copy, and
    `prepare` on it, are set-up and not timed), and the last result. With `tuned`, the call
    runs with the collector tuning the `dhr-graph` command opts into (dhr_graph.tuning)."""
    times: list[float] = []
    for _ in range(runs):
        store = copy_store(src, dst)
        if prepare is not None:
            prepare(store)
        start = time.perf_counter()
        with fewer_gc_pauses() if tuned else contextlib.nullcontext():
            result = timed(store)
        times.append(time.perf_counter() - start)
        del store
    return times, result


def _baseline_child(path: str, queue: mp.Queue) -> None:
    store = ox.Store.read_only(path)
    t0 = time.perf_counter()
    n = sum(1 for _ in store.query(BASELINE, use_default_graph_as_union=True))
    queue.put((time.perf_counter() - t0, n))


def baseline(path: Path, timeout: float) -> tuple[float, int] | None:
    """Seconds and pairs of the pairwise SPARQL join, or None when it did not finish in time."""
    queue: mp.Queue = _SPAWN.Queue()
    child = _SPAWN.Process(target=_baseline_child, args=(str(path), queue))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.terminate()
        child.join()
        return None
    return queue.get() if not queue.empty() else None


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 250, 500, 2000])
    ap.add_argument("--baseline-sizes", type=int, nargs="*", default=[100, 250, 500])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds before a baseline run is stopped")
    ap.add_argument("--no-readme", action="store_true", help="print the table only")
    ap.add_argument("--no-gc-tuning", action="store_true",
                    help="time the library calls without the collector tuning the command line opts into")
    args = ap.parse_args(argv)
    tuned = not args.no_gc_tuning

    toolkit = Toolkit(registry=Registry.load(), themes=ThemeScheme.load(), validator=None,  # type: ignore[arg-type]
                      minter=Minter())
    work = Path(tempfile.mkdtemp(prefix="bench-links-"))
    try:
        extra_pages = generate(10, work / "extra", SEED + 1)
        rows = []
        for size in args.sizes:
            base = work / f"store-{size}"
            child = _SPAWN.Process(target=build_store, args=(size, work / f"corpus-{size}", base))
            child.start()
            child.join()
            if child.exitcode:
                raise SystemExit(f"building the {size}-review store failed (exit code {child.exitcode})")
            built = ox.Store.read_only(str(base))
            extra = {k: v for k, v in review_quads(extra_pages, toolkit).items()
                     if not built.contains_named_graph(ox.NamedNode(k))}
            del built
            extra_iri, extra_quads = next(iter(sorted(extra.items())))
            full_runs, n_links = time_on_copies(base, work / "full", args.runs, links.recompute_all, tuned=tuned)
            t_full = statistics.median(full_runs)
            linked = work / f"linked-{size}"
            shutil.copytree(work / "full", linked)
            new_review = extra_iri.replace("/graph/review/", "/review/")
            incr_runs, _ = time_on_copies(linked, work / "incr", max(args.runs, 5),
                                          functools.partial(_update, reviews=[new_review]),
                                          prepare=functools.partial(_extend, quads=extra_quads), tuned=tuned)
            t_incr = statistics.median(incr_runs)
            base_result = baseline(base, args.timeout) if size in args.baseline_sizes else None
            rows.append((size, n_links, full_runs, t_incr, base_result, size in args.baseline_sizes))
            shown = (f"{base_result[0]:.2f} s ({base_result[1]} pairs), ratio {base_result[0] / t_full:.1f}x"
                     if base_result else (f"did not finish in {args.timeout:.0f} s" if size in args.baseline_sizes
                                          else "not run"))
            print(f"{size:5d} reviews: {n_links:6d} links; all links {t_full:.2f} s; one more review "
                  f"{t_incr:.3f} s; pairwise SPARQL (shared agencies only) {shown}", flush=True)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        text = table(rows, args.runs, args.timeout, peak, tuned)
        print(text)
        if not args.no_readme:
            write_section("links", "Cross-review links (`bench_links.py`)", text)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
