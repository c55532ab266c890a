"""Every link of a store as the code on the path computes it, as sorted N-Quads lines (issue 17).

Why: a change to the links code must either give the same links or say which ones change. Run it
with two trees on PYTHONPATH over the same store (opened read-only, nothing is written to it) and
compare the two files (`cmp`, or `comm` on the link IRIs). The link-feature records are not in
the file; their SHA-256 is printed instead. Times are printed too, but the comparison is the point.

    PYTHONPATH=OLD python benchmarks/dump_links.py STORE old.nq
    PYTHONPATH=NEW python benchmarks/dump_links.py STORE new.nq && cmp old.nq new.nq
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import time
from collections import Counter
from pathlib import Path

import pyoxigraph as ox

from dhr_graph.links import Corpus, Linker, Settings, Tokeniser, Writer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    store = ox.Store.read_only(str(args.store))
    settings, tok = Settings.load(), Tokeniser()
    started = time.perf_counter()
    corpus = Corpus.read(store, settings, tokeniser=tok, defer_texts=True)
    linker, writer = Linker(corpus, settings, store, tok), Writer(settings)
    everything = range(len(corpus.reviews))
    lines: list[str] = []
    per_basis: Counter[str] = Counter()
    for part in linker.links_by_basis(everything):
        per_basis.update(link.basis for link in part)
        lines.extend(writer.links(part).splitlines())
    lines.extend(writer.statements(linker.statements_of(everything)).splitlines())
    took = time.perf_counter() - started
    records = hashlib.sha256()
    for p in everything:
        records.update(writer.records([corpus.reviews[p]]).encode())
    lines.sort()
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(corpus.reviews)} reviews, {sum(per_basis.values())} links "
          f"({', '.join(f'{b} {n}' for b, n in sorted(per_basis.items()))}), {len(lines)} lines; "
          f"records sha256 {records.hexdigest()[:16]}; computed in {took:.1f} s, peak {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
