"""How heavy a store's graph is: quads and N-Quads bytes per review, by predicate.

Opens each store read-only (a shared benchmark store is never written), counts the quads of every
predicate (`SELECT ?p (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p`), those of the links
graphs apart, and the bytes of the N-Quads dump with and without the toolkit's internal graphs
(caches that exports and publishing leave out). Prints one Markdown table per store and a
comparison when given two (for example a store built by `main` and one built by this branch).

    python benchmarks/bench_graph_size.py STORE [STORE ...] [--top 25]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from dhr_graph.iris import is_internal_graph  # noqa: E402

_REVIEWS = "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { GRAPH ?g { ?r a <https://w3id.org/dhr-graph/def/Review> } }"
_BY_PREDICATE = "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p"
_LINKS_BY_PREDICATE = ("SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                       'FILTER(CONTAINS(STR(?g), "/graph/links/")) } GROUP BY ?p')


class _Counter:
    """A file-like sink that only counts the bytes written to it."""

    def __init__(self) -> None:
        self.n = 0

    def write(self, data: bytes) -> int:
        self.n += len(data)
        return len(data)

    def flush(self) -> None:
        pass


@dataclass
class Weight:
    reviews: int
    quads: int
    internal_quads: int
    bytes: int
    internal_bytes: int
    by_predicate: dict[str, int]
    links: dict[str, int]  # quads of the links graphs, by predicate


def _select(store: ox.Store, query: str) -> list[ox.QuerySolution]:
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    return list(result)


def measure(path: Path) -> Weight:
    store = ox.Store.read_only(str(path))
    reviews = int(_select(store, _REVIEWS)[0]["n"].value)
    by_p = {row["p"].value: int(row["n"].value) for row in _select(store, _BY_PREDICATE)}
    links = {row["p"].value: int(row["n"].value) for row in _select(store, _LINKS_BY_PREDICATE)}
    internal = [g for g in store.named_graphs() if isinstance(g, ox.NamedNode) and is_internal_graph(g.value)]
    internal_quads = sum(1 for g in internal for _ in store.quads_for_pattern(None, None, None, g))
    everything, inner = _Counter(), _Counter()
    store.dump(cast(IO[bytes], everything), ox.RdfFormat.N_QUADS)  # only write() and flush() are called
    for g in internal:
        store.dump(cast(IO[bytes], inner), ox.RdfFormat.N_QUADS, from_graph=g)
    return Weight(reviews, len(store), internal_quads, everything.n, inner.n, by_p, links)


def _short(iri: str) -> str:
    for prefix, name in (("https://w3id.org/dhr-graph/def/", "dhr:"), ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdf:"),
                         ("http://purl.org/dc/terms/", "dcterms:"), ("http://www.w3.org/2004/02/skos/core#", "skos:"),
                         ("http://www.w3.org/ns/org#", "org:"), ("http://www.w3.org/ns/prov#", "prov:")):
        if iri.startswith(prefix):
            return name + iri[len(prefix):]
    return iri


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("stores", nargs="+", type=Path)
    ap.add_argument("--top", type=int, default=25, help="predicates shown (most quads first)")
    args = ap.parse_args(argv)
    results = [(path, measure(path)) for path in args.stores]
    print("| store | reviews | quads | quads / review | public quads / review | N-Quads MB | public KB / review |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for path, w in results:
        n = max(w.reviews, 1)
        print(f"| {path} | {n:,} | {w.quads:,} | {w.quads / n:.0f} | {(w.quads - w.internal_quads) / n:.0f} | "
              f"{w.bytes / 1e6:.0f} | {(w.bytes - w.internal_bytes) / n / 1e3:.0f} |")
    print()
    names = sorted({p for _, w in results for p in w.by_predicate},
                   key=lambda p: -max(w.by_predicate.get(p, 0) for _, w in results))
    print("| predicate | " + " | ".join(f"{path.name}: all (links graphs) / review" for path, _ in results) + " |")
    print("|---|" + "---:|" * len(results))
    for p in names[:args.top]:
        cells = [f"{w.by_predicate.get(p, 0) / max(w.reviews, 1):.1f} ({w.links.get(p, 0) / max(w.reviews, 1):.1f})"
                 for _, w in results]
        print(f"| {_short(p)} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
