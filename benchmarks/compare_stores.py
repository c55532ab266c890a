"""Do two stores hold the same quads, apart from when they were built?

A change that should not change what a build writes (reading pages in worker processes, a
quicker classifier) is checked by building the same pages with both versions and comparing
the stores here. Build times (`prov:generatedAtTime` values) and the review digests that carry
them ("DIGEST TIME" literals of the internal digests graph) are replaced by a placeholder;
every other quad must be in both. Prints the counts and up to 10 quads found in only one
store; exit 0 when they are the same, 1 when not.

    python benchmarks/compare_stores.py STORE-A STORE-B
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pyoxigraph as ox

# a dateTime literal of a build time, and a review digest literal "HEX TIME"
_TIME = re.compile(r'"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"\^\^<http://www\.w3\.org/2001/XMLSchema#dateTime>')
_DIGEST = re.compile(r'"([0-9a-f]{64}) \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"')


def normalised_quads(path: Path) -> set[str]:
    """Every quad of the store as an N-Quads line, build times replaced by a placeholder."""
    store = ox.Store.read_only(str(path))
    text = store.dump(format=ox.RdfFormat.N_QUADS).decode("utf-8")
    lines: set[str] = set()
    for line in text.splitlines():
        if "generatedAtTime" in line:
            line = _TIME.sub('"BUILD-TIME"', line)
        line = _DIGEST.sub(r'"\1 BUILD-TIME"', line)
        lines.add(line)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    args = parser.parse_args(argv)
    a, b = normalised_quads(args.a), normalised_quads(args.b)
    only_a, only_b = sorted(a - b), sorted(b - a)
    print(f"{args.a}: {len(a):,} quads; {args.b}: {len(b):,} quads; only in the first {len(only_a):,}, "
          f"only in the second {len(only_b):,}")
    for line in only_a[:10]:
        print(f"- {line}")
    for line in only_b[:10]:
        print(f"+ {line}")
    return 0 if not only_a and not only_b else 1


if __name__ == "__main__":
    sys.exit(main())
