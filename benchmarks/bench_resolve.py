"""Time agency resolution of 30,000 addressee strings (target: under 2 seconds).

The strings are a deterministic, realistic mix (fixed seed): registered names as written and
re-spelt (case, "the", "&", where "NHS" sits), acronyms, generic local names, groups,
unknown local bodies that name patterns type, typos and unclassifiable names, each given one
of 300 SYNTHETIC partnership areas (invented names, not real places) or one of the 314 real ONS
community safety partnerships (so that generic names go through the area's geography: its
force, council, county, CCG at a date, ICB or health board). The baseline is a plain
dict lookup of the lower-cased string, what a toolkit without a registry would do.

    python benchmarks/bench_resolve.py [--n 30000] [--runs 5]
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time

from rdflib.namespace import RDF, SKOS

from dhr_graph import agencynames
from dhr_graph.agencies import Registry
from dhr_graph.iris import DHR, Minter

SYLLABLES = ("ash", "brack", "comb", "dale", "east", "fen", "glen", "har", "lin", "mere", "nor", "oak",
             "pen", "ridge", "stan", "thorn", "wel", "wick", "ford", "ton", "bury", "ley", "ham", "worth")
UNKNOWN_FORMS = ("{t} Borough Council", "{t} District Council", "{t} Women's Aid", "{t} Housing Association",
                 "{t} Community Safety Partnership", "{t} Safeguarding Adults Board", "{t} Hospitals NHS Trust",
                 "{t} Recovery Service", "{t} Medical Practice", "Safer {t} Partnership", "{t} Homes",
                 "{t} Youth Offending Service")


def areas(rng: random.Random, n: int = 300) -> list[str]:
    """Invented (SYNTHETIC) area names built from syllables."""
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3)))).title())
    return sorted(out)


def respell(name: str, rng: random.Random) -> str:
    """The same name as people write it differently."""
    choice = rng.random()
    if choice < 0.3:
        return name
    if choice < 0.45:
        return name.upper() if len(name) < 25 else name.lower()
    if choice < 0.6:
        return "the " + name
    if choice < 0.75 and " and " in name:
        return name.replace(" and ", " & ")
    if choice < 0.85 and " NHS " in name:
        return name.replace(" NHS ", " ")
    return name + " "


def typo(name: str, rng: random.Random) -> str:
    i = rng.randrange(1, max(2, len(name) - 1))
    return name[:i] + name[i + 1:]


def corpus(registry: Registry, n: int, seed: int = 20240601) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    g = registry.graph
    registered = sorted(str(o) for s in g.subjects(RDF.type, DHR.Agency) for o in g.objects(s, SKOS.prefLabel))
    aliases = sorted(str(o) for s in g.subjects(RDF.type, DHR.Agency)
                     for p in (SKOS.altLabel, DHR.acronym) for o in g.objects(s, p))
    names = sorted(str(o) for cls in (DHR.GenericName, DHR.GroupName) for s in g.subjects(RDF.type, cls)
                   for o in g.objects(s, SKOS.prefLabel))
    places = areas(rng)
    real = sorted(registry.geography.labels[c] for c in registry.geography.csp_codes())
    out: list[tuple[str, str]] = []
    for _ in range(n):
        area = rng.choice(real) if rng.random() < 0.5 else rng.choice(places)
        r = rng.random()
        if r < 0.35:
            s = respell(rng.choice(registered), rng)
        elif r < 0.45:
            s = rng.choice(aliases)
        elif r < 0.70:
            s = respell(rng.choice(names), rng)
        elif r < 0.92:
            s = rng.choice(UNKNOWN_FORMS).format(t=area)
        elif r < 0.97:
            s = typo(rng.choice(registered), rng)
        else:
            s = f"{area} {rng.choice(('Panel', 'Forum', 'Network', 'Project'))} {rng.randrange(50)}"
        out.append((s, area))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=30_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    minter = Minter()
    t0 = time.perf_counter()
    registry = Registry.load()
    load_s = time.perf_counter() - t0
    strings = corpus(registry, args.n)
    timings, baseline = [], []
    for _ in range(args.runs):
        fresh = Registry(registry.graph, registry.source_files())  # cold caches every run
        agencynames._close.cache_clear()
        t = time.perf_counter()
        results = [fresh.resolve(s, csp, "2021-06", minter) for s, csp in strings]
        timings.append(time.perf_counter() - t)
        t = time.perf_counter()
        table: dict[str, str] = {}
        for s, csp in strings:
            table.setdefault(s.lower(), minter.local_agency(csp, s))
        baseline.append(time.perf_counter() - t)
    methods: dict[str, int] = {}
    for res in results:
        methods[res.method] = methods.get(res.method, 0) + 1
    median, base = statistics.median(timings), statistics.median(baseline)
    distinct = len(set(strings))
    print(f"registry load: {load_s:.3f} s")
    print(f"{args.n} addressee strings ({distinct} distinct name/area pairs), median of {args.runs} runs:")
    print(f"  resolve:  {median:.3f} s  ({args.n / median:,.0f} names/s; runs {', '.join(f'{t:.3f}' for t in timings)})")
    print(f"  baseline: {base:.3f} s  (plain dict of lower-cased strings); ratio {median / base:.1f}x")
    print(f"  methods:  {', '.join(f'{k} {v}' for k, v in sorted(methods.items(), key=lambda kv: -kv[1]))}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()
