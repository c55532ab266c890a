"""Time and peak memory of the RDF exports (issue 17), each in its own child process.

On a copy of a built store (default: the 2,000-review SYNTHETIC store at
/work/bench/store-2000-main), each run measures, alternating so that machine load falls on all
alike:
- baseline: the store's own dump (`pyoxigraph.Store.dump`, whole store, in Rust) as N-Quads and
  as TriG with the toolkit's prefixes;
- this toolkit: `dhr-graph export --format F` (the streaming export, with its description);
- optionally another checkout's CLI (`--compare CLI`, e.g. main's `.venv/bin/dhr-graph`).
Wall time, CPU time (user + system) and the child's peak resident memory (`ru_maxrss` from
`os.wait4`) are reported as medians of --runs runs, as a Markdown table, with the load average at
start and end. On a shared machine the CPU ratios are the steadier ones.

    python benchmarks/bench_export_stream.py [--store DIR] [--runs 3] [--formats nq,trig,jsonld]
        [--compare /work/main/.venv/bin/dhr-graph] [--compare-formats nq,trig,jsonld]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dhr_graph.iris import PREFIXES

DEFAULT_STORE = Path("/work/bench/store-2000-main")
DUMP = """
import json, sys, pyoxigraph as ox
fmt = {"nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}[sys.argv[2]]
with open(sys.argv[3], "wb") as out:
    ox.Store.read_only(sys.argv[1]).dump(out, fmt, prefixes=json.loads(sys.argv[4]) or None)
"""


def measure(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, peak resident MB and CPU seconds of one child process (which must succeed)."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    error = child.stderr.read().decode() if child.stderr else ""
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({child.returncode}): {error.strip()[-500:]}")
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=DEFAULT_STORE)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formats", default="nq,trig,jsonld,ttl,nt,rdfxml,graphml,gexf")
    parser.add_argument("--compare", default=None, metavar="CLI", help="another dhr-graph CLI to time alike")
    parser.add_argument("--compare-formats", default="nq,trig,jsonld")
    parser.add_argument("--work", type=Path, default=None, help="folder for the store copy and outputs")
    args = parser.parse_args(argv)
    formats = [f for f in args.formats.split(",") if f]
    compare = [f for f in args.compare_formats.split(",") if f] if args.compare else []

    work = Path(tempfile.mkdtemp(prefix="bench-export-", dir=args.work))
    try:
        store = work / "store"
        shutil.copytree(args.store, store)
        ours = [sys.executable, "-m", "dhr_graph", "export", "--store", str(store)]
        results: dict[str, list[tuple[float, float, float]]] = {}
        load_start = os.getloadavg()
        for run in range(args.runs):
            for fmt in formats:
                steps: list[tuple[str, list[str]]] = []
                if fmt in ("nq", "trig"):
                    prefixes = json.dumps(PREFIXES if fmt == "trig" else {})
                    steps.append((f"store dump ({fmt}, baseline)",
                                  [sys.executable, "-c", DUMP, str(store), fmt, str(work / f"dump.{fmt}"), prefixes]))
                steps.append((f"dhr-graph export --format {fmt}", [*ours, "--format", fmt, "-o", str(work / f"ours.{fmt}")]))
                if fmt in compare:
                    steps.append((f"compared CLI export --format {fmt}",
                                  [args.compare, "export", "--store", str(store), "--format", fmt,
                                   "-o", str(work / f"other.{fmt}")]))
                for label, command in steps:
                    seconds, peak, cpu = measure(command)
                    results.setdefault(label, []).append((seconds, peak, cpu))
                    print(f"run {run + 1} {label}: {seconds:.2f} s, CPU {cpu:.2f} s, {peak:.0f} MB "
                          f"(load {os.getloadavg()[0]:.1f})", flush=True)
                for leftover in work.glob("*.*"):
                    if leftover.is_file():
                        leftover.unlink()
        load_end = os.getloadavg()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"\nExport benchmark: {args.store}, medians of {args.runs} runs; load average "
          f"{load_start[0]:.1f} at start, {load_end[0]:.1f} at end ({os.cpu_count()} cores)\n")
    print("| step | seconds | CPU seconds | peak MB |\n|---|---:|---:|---:|")
    medians, cpus = {}, {}
    for label, values in results.items():
        seconds = statistics.median(v[0] for v in values)
        peak = statistics.median(v[1] for v in values)
        medians[label] = seconds
        cpus[label] = statistics.median(v[2] for v in values)
        print(f"| {label} | {seconds:.2f} | {cpus[label]:.2f} | {peak:.0f} |")
    print()
    for fmt in ("nq", "trig"):
        base, mine = medians.get(f"store dump ({fmt}, baseline)"), medians.get(f"dhr-graph export --format {fmt}")
        if base and mine:
            print(f"{fmt}: export / store dump = {mine / base:.2f} wall, "
                  f"{cpus[f'dhr-graph export --format {fmt}'] / cpus[f'store dump ({fmt}, baseline)']:.2f} CPU "
                  "(target <= 1.5)")
        other = medians.get(f"compared CLI export --format {fmt}")
        if base and other:
            print(f"{fmt}: compared CLI / store dump = {other / base:.2f} wall, "
                  f"{cpus[f'compared CLI export --format {fmt}'] / cpus[f'store dump ({fmt}, baseline)']:.2f} CPU")
    nq, jsonld = medians.get("dhr-graph export --format nq"), medians.get("dhr-graph export --format jsonld")
    if nq and jsonld:
        print(f"jsonld: export / N-Quads export = {jsonld / nq:.2f} (target <= 3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
