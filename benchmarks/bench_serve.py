"""Load on `dhr-graph serve`: concurrent clients running the named queries for a bounded time.

Steps: generate the SYNTHETIC corpus (kept in --work between runs) and build its store once,
start `dhr-graph serve` on it (a real process on a free loopback port), run one warm-up pass
of every query, then let --clients threads, each with its own keep-alive connection, ask
the named queries through the web API (`/queries/NAME?...&format=json`) in turn, each from a
different starting point, for --seconds. A request counts as an error unless it is answered
200 with SPARQL JSON. Reports requests per second, latency percentiles (all requests, and the
median per query) and the errors, and writes them to README.md.

    python benchmarks/bench_serve.py [--reviews 500] [--clients 8] [--seconds 60] [--workers 2]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shlex
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from benchlib import corpus_store, write_section

HERE = Path(__file__).resolve().parent


def cases() -> list[tuple[str, str]]:
    """(query name, URL) for each named query without parameters and with each example's."""
    from dhr_graph.queries import library

    out = []
    for name, nq in library().items():
        param_sets = [] if any(p.required for p in nq.params) else [{}]
        for example in nq.examples:
            words = shlex.split(example)
            pairs = [w for i, w in enumerate(words) if i and words[i - 1] in ("--param", "-p")]
            if pairs:
                param_sets.append(dict(p.split("=", 1) for p in pairs))
        for params in param_sets:
            out.append((name, f"/queries/{name}?" + urllib.parse.urlencode({**params, "format": "json"})))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ask(conn: http.client.HTTPConnection, url: str) -> tuple[bool, float, int]:
    """One request: answered with SPARQL results?, seconds, HTTP status."""
    start = time.perf_counter()
    conn.request("GET", url, headers={"Accept": "application/sparql-results+json"})
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - start
    ok = response.status == 200 and "results" in json.loads(body) if response.status == 200 else False
    return ok, elapsed, response.status


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def load(port: int, work: list[tuple[str, str]], clients: int, seconds: float
         ) -> tuple[float, list[float], dict[str, list[float]], list[str]]:
    """Run `clients` threads over `work` for `seconds`: wall time, latencies, per query, errors."""
    latencies: list[float] = []
    per_query: dict[str, list[float]] = {}
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        i = offset
        while time.monotonic() < stop_at:
            name, url = work[i % len(work)]
            i += 1
            try:
                ok, elapsed, status = ask(conn, url)
                if not ok:
                    name = f"{name} (HTTP {status})"
            except (OSError, http.client.HTTPException) as exc:
                ok, elapsed = False, 0.0
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                name = f"{name} ({exc.__class__.__name__})"
            with lock:
                if ok:
                    latencies.append(elapsed)
                    per_query.setdefault(name, []).append(elapsed)
                else:
                    errors.append(name)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(k * len(work) // clients,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - started, latencies, per_query, errors


def in_process(store: Path) -> float:
    """Seconds to run the whole rotation once, one query at a time, in this process (no HTTP)."""
    from dhr_graph.queries import library, run
    from dhr_graph.store import GraphStore

    gs, queries, total = GraphStore(store), library(), 0.0
    for name, url in cases():
        params = dict(urllib.parse.parse_qsl(url.split("?", 1)[1]))
        params.pop("format")
        start = time.perf_counter()
        run(gs, queries[name], params)
        total += time.perf_counter() - start
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, default=500)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2, help="query worker processes of the server")
    parser.add_argument("--work", type=Path, default=HERE / "corpus")
    parser.add_argument("--no-readme", action="store_true", help="print only; leave README.md alone")
    args = parser.parse_args(argv)

    from dhr_graph.store import GraphStore

    _, store = corpus_store(args.reviews, args.work)
    quads = len(GraphStore(store))
    serial = in_process(store)

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "dhr_graph", "serve", "--store", str(store), "--port", str(port),
                               "--workers", str(args.workers)], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                probe.request("GET", "/queries")
                probe.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("dhr-graph serve did not start") from None
                time.sleep(0.2)
        every = cases()
        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        warm_errors = []
        for name, url in every:
            ok, _, status = ask(warm, url)
            if not ok:
                warm_errors.append(f"{name} (HTTP {status})")
        phases = [("every named query", every),
                  ("without projection-* (the export inputs)", [c for c in every if not c[0].startswith("projection-")])]
        results = [(label, len(work), *load(port, work, args.clients, args.seconds)) for label, work in phases]
    finally:
        server.terminate()
        server.wait(timeout=30)

    lines = [
        (f"Store: {args.reviews} SYNTHETIC reviews ({quads:,} quads). Server: `dhr-graph serve --workers "
         f"{args.workers}` on loopback; {args.clients} client threads with keep-alive connections, {args.seconds:g} s "
         "per mix; each mix rotates through the named queries (with each example's parameters) through "
         f"`/queries/NAME`. Machine: {os.cpu_count()} cores shared with other jobs while this ran (load average "
         f"{os.getloadavg()[0]:.1f} at the end)."),
        "",
        "| mix | requests in rotation | requests | requests/s | p50 | p95 | max | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    all_errors = list(warm_errors)
    for label, size, wall, latencies, _per_query, errors in results:
        done = len(latencies)
        lines.append(f"| {label} | {size} | {done} | {done / wall:.1f} | {percentile(latencies, 50) * 1000:.0f} ms | "
                     f"{percentile(latencies, 95) * 1000:.0f} ms | {max(latencies) * 1000:.0f} ms | {len(errors)} |")
        all_errors += errors
    lines += ["", (f"For scale: the {len(every)} requests of the first mix, run once in one process one at a time "
                   f"without HTTP, take {serial:.1f} s ({len(every) / serial:.2f} per second on one core); most of "
                   "the latency under load is queueing behind the whole-corpus link and projection queries.")]
    slowest = sorted(((statistics.median(v), k) for k, v in results[0][4].items()), reverse=True)[:5]
    lines += ["", "Slowest named queries in the first mix (median latency, queueing included): "
              + ", ".join(f"{name} {t * 1000:.0f} ms" for t, name in slowest) + "."]
    if all_errors:
        lines.append(f"\nErrors: {sorted(set(all_errors))}. HTTP 413: the answer is larger than the server's result "
                     "limit (`serve --max-result-mb`, 50 MB by default), a refusal by design; HTTP 503: the query "
                     "waited for a worker, or ran, longer than the time limit (`--timeout`, 30 s).")
    text = "\n".join(lines)
    print(text)
    if not args.no_readme:
        write_section("serve", "SPARQL endpoint under load (`bench_serve.py`)", text)
    return 1 if all_errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
