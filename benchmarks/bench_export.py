"""Time the network exports on the SYNTHETIC benchmark corpus (target: GraphML of 2,000 reviews < 10 s).

Steps: generate the corpus with generate_corpus.py (kept in --work between runs), build its
store once with `pipeline.build`, then time, as medians of --runs runs each:
- toolkit: `dhr-graph export --format graphml` as a library call (projection queries + our
  GraphML writer with yEd data), and the HTML page;
- baseline: the same networkx graph written by networkx's own `write_graphml` (no yEd data),
  so the cost of the SPARQL projection and of our writer can be told apart.
Peak memory of the process is reported (ru_maxrss). Results print as a Markdown table.

    python benchmarks/bench_export.py [--reviews 2000] [--runs 3] [--work DIR]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
from pathlib import Path

from benchlib import corpus_store, median_time

HERE = Path(__file__).resolve().parent
TARGET_S = 10.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=HERE / "corpus")
    args = parser.parse_args(argv)

    import networkx as nx

    from dhr_graph.networkfiles import write_graph
    from dhr_graph.explorer import write_html
    from dhr_graph.projections import project
    from dhr_graph.store import GraphStore

    _, store_path = corpus_store(args.reviews, args.work)
    store = GraphStore(store_path)

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        rows = []
        t_graphml, graph = median_time(
            lambda: (g := project(store, "agency-coaddress"), write_graph(g, out / "a.graphml", "graphml"))[0],
            args.runs)
        rows.append(("toolkit: project + GraphML (agency-coaddress)", t_graphml))
        t_project, graph = median_time(lambda: project(store, "agency-coaddress"), args.runs)
        rows.append(("  of which: projection queries", t_project))
        t_nx, _ = median_time(lambda: nx.write_graphml(graph, out / "b.graphml"), args.runs)
        rows.append(("baseline: networkx write_graphml of the same graph", t_nx))
        for name in ("review-agency", "review-review", "theme-sector"):
            t, g = median_time(lambda n=name: write_graph(project(store, n), out / f"{n}.graphml", "graphml"),
                                args.runs)
            rows.append((f"toolkit: project + GraphML ({name})", t))
        t_html, n_html = median_time(lambda: write_html(store, out / "network.html"), args.runs)
        rows.append(("toolkit: HTML page", t_html))
        size_mb = (out / "network.html").stat().st_size / 1e6

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nExport benchmark: {args.reviews} SYNTHETIC reviews, {len(store)} quads; agency network "
          f"{graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges; HTML page {n_html} agencies, "
          f"{size_mb:.1f} MB; medians of {args.runs} runs; peak memory {peak:.0f} MB\n")
    print("| step | seconds |\n|---|---:|")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.2f} |")
    ok = t_graphml < TARGET_S
    print(f"\nGraphML export {'meets' if ok else 'MISSES'} the {TARGET_S:.0f} s target "
          f"({t_graphml:.2f} s; {t_graphml / max(t_nx, 1e-9):.1f}x the plain networkx write alone)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
