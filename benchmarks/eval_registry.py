"""How much of the real material the national registry and the geography place (issue 14).

1. Real review pages (../shared/data/pages/*.txt, or the folders given): the share of addressings
   to organisations (groups such as "All agencies" left out) that resolve to a registered body
   with an official code (GSS, ODS or HMPPS), and how many NHS bodies, councils or forces end
   in the "Unspecified" sector.
2. The DHRD dataset (../shared/data/dhrd/incidents.csv): the share of partnership names, and of
   cases, placed in an ONS community safety partnership area; the names that are not.

    python benchmarks/eval_registry.py [--pages DIR ...] [--dhrd FILE]
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from pathlib import Path

from dhr_graph.agencies import UNSPECIFIED, Registry
from dhr_graph.iris import Minter
from dhr_graph.parser import parse_page

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def pages_figure(registry: Registry, pages: list[Path]) -> None:
    minter = Minter()
    total = coded = unspecified = 0
    methods: Counter[str] = Counter()
    misses: Counter[str] = Counter()
    for page in pages:
        review = parse_page(page)
        for rec in review.recommendations:
            for name in rec.addressed_to:
                res = registry.resolve(name, review.csp, review.published, minter)
                if res.kind == "group":
                    continue
                total += 1
                methods[res.method] += 1
                if res.registered and registry.codes(res.iri):
                    coded += 1
                else:
                    misses[f"{name} -> {res.label} ({res.method})"] += 1
                unspecified += res.sector == UNSPECIFIED
    print(f"real pages: {len(pages)}; addressings to organisations: {total}")
    if total:
        print(f"  resolved to a registered body with an official code: {coded} ({100 * coded / total:.0f}%)")
        print(f"  sector 'Unspecified': {unspecified}")
        print(f"  methods: {', '.join(f'{k} {v}' for k, v in methods.most_common())}")
        for miss, n in misses.most_common():
            print(f"  no code: {n} x {miss}")


def dhrd_figure(registry: Registry, path: Path) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        cases = Counter(row["csp"] for row in csv.DictReader(fh))
    unmatched = {n: c for n, c in cases.items() if registry.geography.match(n) is None}
    several = sum(1 for n in cases if n not in unmatched and len(registry.geography.match(n).csps) > 1)  # type: ignore[union-attr]
    names, total = len(cases), sum(cases.values())
    print(f"DHRD partnership names: {names} ({total} cases)")
    print(f"  placed in an ONS CSP area: {names - len(unmatched)} names ({100 * (names - len(unmatched)) / names:.1f}%), "
          f"{total - sum(unmatched.values())} cases ({100 * (total - sum(unmatched.values())) / total:.1f}%); "
          f"{several} names cover several CSPs (a county)")
    for name, n in sorted(unmatched.items(), key=lambda kv: -kv[1]):
        print(f"  not placed: {name!r} ({n} cases)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", nargs="*", type=Path, default=[SHARED / "pages"])
    ap.add_argument("--dhrd", type=Path, default=SHARED / "dhrd" / "incidents.csv")
    args = ap.parse_args()
    registry = Registry.load()
    pages = sorted(p for d in args.pages for p in (d.glob("*.txt") if d.is_dir() else [d]) if p.is_file())
    pages_figure(registry, pages)
    if args.dhrd.is_file():
        dhrd_figure(registry, args.dhrd)
    else:
        print(f"{args.dhrd}: not present, DHRD figure skipped")


if __name__ == "__main__":
    main()
