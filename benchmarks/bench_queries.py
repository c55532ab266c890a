"""Every named query at one corpus size, before and after a change, in the same run (query-only).

Times each query of `bench_build_query.bench_params` on two prebuilt stores, each with its own
code: "before" (for example `main`'s checkout, its venv and a store it built) and "after" (this
checkout and a store it built from the same pages). Each timing runs in its own process through
`bench_build_query.py --child query` of that checkout (warm-up, then the median of `--runs`,
rows materialised), and the two sides alternate query by query so that the load of a shared
machine falls on both alike. Stores are opened for reading only by the queries; give copies of
shared stores all the same (opening one takes its lock). Prints a Markdown table with the load.

    python benchmarks/bench_queries.py --before-root /work/main --before-python /work/main/.venv/bin/python \\
        --before-store /tmp/main-store --after-store /tmp/new-store [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_build_query import bench_params  # noqa: E402

CHILD_TIMEOUT_S = 240.0


def load() -> str:
    """The load averages (1, 5, 15 minutes) of the machine, as `uptime` prints them."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def time_query(python: str, root: Path, store: Path, label: str, runs: int) -> dict[str, Any]:
    cmd = [python, str(root / "benchmarks" / "bench_build_query.py"), "--child", "query", "--store", str(store),
           "--name", label, "--runs", str(runs)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S,
                             env={**os.environ, "PYTHONPATH": str(root)})
    except subprocess.TimeoutExpired:
        return {"median_s": None, "rows": None, "error": f"over {CHILD_TIMEOUT_S:.0f} s"}
    if out.returncode:
        return {"median_s": None, "rows": None, "error": (out.stderr.strip().splitlines() or ["?"])[-1]}
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


_FLOOR = {  # what any answer with one row per link costs before any look-up: a scan, and the rows in Python
    "count the links' scores (one index scan, nothing decoded)":
        "SELECT (COUNT(*) AS ?n) WHERE { ?l <https://w3id.org/dhr-graph/def/score> ?s }",
    "every score as a row (short literals, kept inline)": "SELECT ?s WHERE { ?l <https://w3id.org/dhr-graph/def/score> ?s }",
    "every link IRI and score as a row (IRIs read from the dictionary)":
        "SELECT ?l ?s WHERE { ?l <https://w3id.org/dhr-graph/def/score> ?s }",
    "every link with its basis and two reviews (3 look-ups per link)":
        "SELECT ?l ?s ?b ?e ?t WHERE { ?l <https://w3id.org/dhr-graph/def/score> ?s ; "
        "<https://w3id.org/dhr-graph/def/basis> ?b ; <https://w3id.org/dhr-graph/def/earlierReview> ?e ; "
        "<https://w3id.org/dhr-graph/def/laterReview> ?t }",
}


def floor(store: Path, runs: int) -> list[str]:
    """Medians of `runs` for the `_FLOOR` queries, rows materialised as `queries.run` does."""
    import statistics
    import time

    from dhr_graph.queries import run
    from dhr_graph.store import GraphStore

    gs = GraphStore(store)
    out = []
    for what, text in _FLOOR.items():
        times, rows = [], 0
        for _ in range(runs + 1):  # the first run warms the caches
            t0 = time.perf_counter()
            rows = len(run(gs, text).rows)
            times.append(time.perf_counter() - t0)
        out.append(f"| {what} | {rows:,} | {statistics.median(times[1:]) * 1000:.1f} |")
    return out


def _ms(r: dict[str, Any]) -> str:
    return "-" if r.get("median_s") is None else f"{r['median_s'] * 1000:.1f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before-root", type=Path, required=True, help="checkout whose code gives the 'before' times")
    ap.add_argument("--before-python", default=sys.executable, help="its interpreter (venv)")
    ap.add_argument("--before-store", type=Path, required=True)
    ap.add_argument("--after-root", type=Path, default=HERE.parent)
    ap.add_argument("--after-python", default=sys.executable)
    ap.add_argument("--after-store", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", nargs="*", help="only these row labels")
    ap.add_argument("--floor", action="store_true", help="also time what one row per link costs (after store)")
    args = ap.parse_args(argv)
    labels = [x for x in bench_params() if not args.only or x in args.only]
    print(f"load at start: {load()}", flush=True)
    rows = []
    for i, label in enumerate(labels):
        sides = [("before", args.before_python, args.before_root, args.before_store),
                 ("after", args.after_python, args.after_root, args.after_store)]
        got: dict[str, dict[str, Any]] = {}
        for side, python, root, store in (sides if i % 2 == 0 else sides[::-1]):  # alternate who goes first
            got[side] = time_query(python, root, store, label, args.runs)
        b, a = got["before"], got["after"]
        ratio = (f"{b['median_s'] / a['median_s']:.1f}x" if b.get("median_s") and a.get("median_s") else "-")
        rows.append(f"| {label} | {b.get('rows')} | {_ms(b)} | {a.get('rows')} | {_ms(a)} | {ratio} |")
        print(rows[-1], b.get("error", ""), a.get("error", ""), f"(load {load()})", file=sys.stderr, flush=True)
    print(f"load at end: {load()}")
    print("| query | rows before | before ms | rows after | after ms | speed-up |")
    print("|---|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    if args.floor:
        print(f"\nload: {load()}\n\n| one row per link | rows | ms |\n|---|---:|---:|")
        print("\n".join(floor(args.after_store, args.runs)))
        print(f"\nload at end: {load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
