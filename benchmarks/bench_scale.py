"""How the build and the named queries grow from 2,000 to 20,000 SYNTHETIC reviews (issue 17).

For each corpus size (pages from generate_corpus.py, made once and kept in --work):
- `dhr-graph -v build PAGES --store NEW -q` runs in a child process; its wall time, its peak
  memory (the child's own ru_maxrss, from wait4) and the wall time of each stage (the
  `build stage:` lines that pipeline.py logs) are recorded;
- between consecutive sizes, each stage's growth exponent log(t2/t1) / log(n2/n1): 1 is linear,
  2 quadratic.
At the largest size, every named query (the explorer's and the export projections' are left
out: they are timed by their own benchmarks) runs against the new store in process, each in a
child process that is stopped after --cap seconds (a query inside Oxigraph cannot be
interrupted otherwise); then the same queries on a real Oxigraph server (`oxigraph serve`, the
pip package's binary, started as tests/servers.py does) holding a copy of the store's database,
through `queries.run` on a `remote.RemoteStore`. Medians of --runs runs. With --publish, the
smallest store is also sent to a fresh server with `dhr-graph publish` (one PUT per named graph),
timed: that is how users move a store to a server.
The load average is recorded with the figures: the machine is shared.

    python benchmarks/bench_scale.py [--sizes 2000 20000] [--work DIR] [--runs 3] [--cap 120]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

from benchlib import write_section  # noqa: E402

STAGE_RE = re.compile(r"build stage: (.+): ([0-9.]+) s$")
SKIPPED_PREFIXES = ("explorer-", "projection-")


def corpus(reviews: int, work: Path) -> Path:
    """The pages of a corpus size, generated once (not timed)."""
    pages = work / f"pages-{reviews}"
    if not pages.is_dir():
        from generate_corpus import generate

        generate(reviews, pages)
    return pages


def build(cli: str, pages: Path, store: Path) -> dict[str, Any]:
    """One build in a child process: wall time, peak memory, per-stage times."""
    if store.exists():
        raise SystemExit(f"{store}: exists; give a new --work folder or remove it")
    started = time.perf_counter()
    proc = subprocess.Popen([cli, "-v", "build", str(pages), "--store", str(store), "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"build of {pages} failed ({proc.returncode}): {err[-2000:]}")
    stages: dict[str, float] = {}
    for line in err.splitlines():
        m = STAGE_RE.search(line)
        if m:
            stages[m.group(1)] = stages.get(m.group(1), 0.0) + float(m.group(2))
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024,
            "stages": stages, "exit": proc.returncode,
            "load": os.getloadavg()}


def exponent(n1: int, t1: float, n2: int, t2: float) -> float | None:
    if t1 <= 0 or t2 <= 0:
        return None
    return math.log(t2 / t1) / math.log(n2 / n1)


def named_queries() -> dict[str, tuple[str, dict[str, str]]]:
    from bench_build_query import bench_params

    return {label: spec for label, spec in bench_params().items() if not label.startswith(SKIPPED_PREFIXES)}


def middle_review(store: Path) -> str:
    from dhr_graph.queries import run

    rows = run(store, "SELECT ?id WHERE { ?r a dhr:Review ; dcterms:identifier ?id }").rows
    keys = sorted(str(r["id"].value) for r in rows)
    return keys[len(keys) // 2]


def one_query(args: argparse.Namespace) -> int:
    """Child mode: run one named query `--runs` times, print its times and row count as JSON."""
    from dhr_graph.queries import get_query, run
    from dhr_graph.remote import RemoteStore
    from dhr_graph.store import GraphStore

    target: Any = RemoteStore(args.endpoint, timeout=args.cap) if args.endpoint else GraphStore(args.store)
    nq = get_query(args.one_query)
    params = json.loads(args.params)
    times, rows = [], 0
    for _ in range(args.runs):
        t0 = time.perf_counter()
        result = run(target, nq, params)
        rows = len(result.rows) if result.rows is not None else len(result.triples or [])
        times.append(time.perf_counter() - t0)
    print(json.dumps({"times": times, "rows": rows}))
    return 0


def time_queries(store: Path, runs: int, cap: float, endpoint: str | None = None,
                 only: set[str] | None = None) -> dict[str, dict[str, Any]]:
    """Label -> median seconds (None past the cap) and rows, each query in its own child process."""
    key = middle_review(store)
    out: dict[str, dict[str, Any]] = {}
    for label, (name, params) in named_queries().items():
        if only is not None and label not in only:
            continue
        params = {k: key if v.startswith("<") else v for k, v in params.items()}
        cmd = [sys.executable, __file__, "--one-query", name, "--store", str(store), "--runs", str(runs),
               "--params", json.dumps(params), "--cap", str(cap)]
        if endpoint:
            cmd += ["--endpoint", endpoint]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=cap * runs, check=False)
        except subprocess.TimeoutExpired:
            out[label] = {"median": None, "rows": None}
            print(f"  {label}: > {cap * runs:.0f} s", file=sys.stderr)
            continue
        if done.returncode != 0:
            out[label] = {"median": None, "rows": None, "error": done.stderr.strip().splitlines()[-1:]}
            print(f"  {label}: failed {done.stderr[-300:]}", file=sys.stderr)
            continue
        got = json.loads(done.stdout.strip().splitlines()[-1])
        out[label] = {"median": statistics.median(got["times"]), "rows": got["rows"]}
        print(f"  {label}: {out[label]['median']:.3f} s, {got['rows']} rows", file=sys.stderr)
    return out


def _server_peak_mb(pid: int) -> float | None:
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return None
    return next((int(line.split()[1]) / 1024 for line in status.read_text().splitlines()
                 if line.startswith("VmHWM:")), None)


def publish_time(cli: str, store: Path, work: Path) -> dict[str, Any]:
    """`dhr-graph publish` of the whole store to a fresh Oxigraph server: wall time, graphs sent."""
    from tests.servers import oxigraph_binary, start_oxigraph, stop

    from dhr_graph.store import GraphStore

    if oxigraph_binary() is None:
        return {"skipped": "no oxigraph server binary (pip package `oxigraph`)"}
    graphs = len(GraphStore(store).named_graphs())
    proc, base = start_oxigraph(work / f"oxigraph-published-{store.name}", union=True)
    try:
        t0 = time.perf_counter()
        done = subprocess.run([cli, "publish", "--store", str(store), "--to", f"{base}/store", "--timeout", "600"],
                              capture_output=True, text=True, check=False)
        took = time.perf_counter() - t0
        if done.returncode != 0:
            return {"skipped": f"publish failed: {done.stderr.strip()[-300:]}"}
        return {"publish_s": took, "graphs": graphs, "server_peak_mb": _server_peak_mb(proc.pid)}
    finally:
        stop(proc)


def _server_rss_mb(pid: int) -> float | None:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    return next((int(line.split()[1]) / 1024 for line in lines if line.startswith("VmRSS:")), None)


def server_queries(store: Path, work: Path, runs: int, cap: float, max_mb: float = 8000.0) -> dict[str, Any]:
    """The named queries on an Oxigraph server holding the store's database (a copy of its folder:
    the same Oxigraph version reads it as it is), through `remote.RemoteStore`."""
    from tests.servers import oxigraph_binary, start_oxigraph, stop

    if oxigraph_binary() is None:
        return {"skipped": "no oxigraph server binary (pip package `oxigraph`)"}
    data = work / f"oxigraph-copy-{store.name}"
    shutil.copytree(store, data, ignore=shutil.ignore_patterns("LOCK"))
    # A query the client gave up on runs on inside the server, holding memory, even with
    # `--timeout-s` (measured at 20,000 reviews: the whole-list `cross-review-links` took the server
    # to 23.7 GB, and the kernel killed it). So a server is started afresh after any query that
    # did not answer, and a watchdog stops a server past `max_mb` (recorded for that query).
    queries: dict[str, dict[str, Any]] = {}
    peaks: list[float] = []
    killed: list[str] = []
    current = {"label": ""}

    def watch(proc: subprocess.Popen) -> None:
        while proc.poll() is None:
            rss = _server_rss_mb(proc.pid)
            if rss is not None and rss > max_mb:
                killed.append(current["label"])
                proc.kill()
                return
            time.sleep(0.5)

    def fresh() -> tuple[subprocess.Popen, str]:
        proc, base = start_oxigraph(data, union=True, timeout_s=math.ceil(cap))
        threading.Thread(target=watch, args=(proc,), daemon=True).start()
        return proc, base

    proc, base = fresh()
    try:
        for label in named_queries():
            if proc.poll() is not None:
                proc, base = fresh()
            current["label"] = label
            got = time_queries(store, runs, cap, endpoint=f"{base}/query", only={label})
            if label in killed:
                got[label] = {"median": None, "rows": None, "error": [f"server stopped past {max_mb:,.0f} MB"]}
            queries.update(got)
            if got.get(label, {}).get("median") is None:  # it may still run inside the server
                peaks.append(_server_peak_mb(proc.pid) or 0.0)
                stop(proc)
                proc, base = fresh()
        peaks.append(_server_peak_mb(proc.pid) or 0.0)
        return {"queries": queries, "server_peak_mb": max(peaks), "stopped_past_mb": {"limit": max_mb,
                                                                                       "queries": killed}}
    finally:
        stop(proc)
        shutil.rmtree(data, ignore_errors=True)


def report(results: dict[str, Any]) -> str:
    sizes = sorted(int(n) for n in results["builds"])
    builds = {n: results["builds"][str(n)] for n in sizes}
    stages = list(dict.fromkeys(s for n in sizes for s in builds[n]["stages"]))
    head = "| stage | " + " | ".join(f"{n:,} reviews" for n in sizes) + " | " + \
        " | ".join(f"exponent {a:,}->{b:,}" for a, b in zip(sizes, sizes[1:])) + " |"
    if not builds:  # queries only (--queries-on without the earlier run's figures)
        lines: list[str] = [f"Run {results['date']}, {results['cli']}."]
        sizes = [0]
    else:
        lines = [f"Run {results['date']}, {results['cli']}; load average at each build's end: "
                 + ", ".join(f"{n:,}: {builds[n]['load'][0]:.2f}" for n in sizes) + ".", "",
                 head, "|" + "---|" * (1 + 2 * len(sizes) - 1)]

    def row(label: str, values: list[float]) -> str:
        exps = [exponent(a, x, b, y) for (a, x), (b, y) in zip(zip(sizes, values), zip(sizes[1:], values[1:]))]
        return (f"| {label} | " + " | ".join(f"{v:.2f} s" for v in values) + " | "
                + " | ".join("" if e is None else f"{e:.2f}" for e in exps) + " |")

    if builds:
        for s in stages:
            lines.append(row(s, [builds[n]["stages"].get(s, 0.0) for n in sizes]))
        lines.append(row("start-up (imports), the rest", [builds[n]["wall"] - sum(builds[n]["stages"].values())
                                                           for n in sizes]))
        lines.append(row("**whole build (wall, child process)**", [builds[n]["wall"] for n in sizes]))
        if all("cpu" in builds[n] for n in sizes):  # CPU time: what load on a shared machine distorts least
            lines.append(row("whole build (CPU time, user + system)", [builds[n]["cpu"] for n in sizes]))
        lines.append("| peak memory (ru_maxrss) | " + " | ".join(f"{builds[n]['peak_mb']:,.0f} MB" for n in sizes)
                     + " | " + " | ".join(f"{exponent(a, builds[a]['peak_mb'], b, builds[b]['peak_mb']):.2f}"
                                          for a, b in zip(sizes, sizes[1:])) + " |")
    remote = results.get("remote", {})
    q = results.get("queries") or {label: {} for label in remote.get("queries", {})}
    if q:
        lines += ["", f"Named queries{f' at {sizes[-1]:,} reviews' if builds else ''}, median of {results['runs']} runs (a run is "
                  f"stopped after {results['cap']:.0f} s), in process and on an Oxigraph server (`oxigraph "
                  "serve --union-default-graph`) holding the same database"
                  + (f" (server peak memory {remote['server_peak_mb']:,.0f} MB)" if remote.get("server_peak_mb")
                     else f" ({remote.get('skipped', 'not run')})") + ":", "",
                  "| query | rows | in process | Oxigraph server |", "|---|---|---|---|"]
        rq = remote.get("queries", {})
        for label, got in q.items():
            def fmt(v: dict[str, Any] | None) -> str:
                if not v:
                    return "-"
                stopped = [e for e in v.get("error") or [] if e.startswith("server stopped")]
                if stopped:
                    return stopped[0]
                return f"> {results['cap']:.0f} s" if v.get("median") is None else f"{v['median'] * 1000:,.0f} ms"
            lines.append(f"| {label} | {got.get('rows') if got.get('rows') is not None else '-'} | {fmt(got)} | "
                         f"{fmt(rq.get(label))} |")
    pub = results.get("publish")
    if pub:
        lines += ["", f"`dhr-graph publish` of the {sizes[0]:,}-review store to a fresh Oxigraph server: "
                  + (f"{pub['publish_s']:.0f} s for {pub['graphs']:,} named graphs" if "publish_s" in pub
                     else pub.get("skipped", "not run")) + "."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/dhr-graph-scale"))
    parser.add_argument("--cli", default=str(Path(sys.executable).with_name("dhr-graph")))
    parser.add_argument("--runs", type=int, default=3, help="runs per query (median)")
    parser.add_argument("--cap", type=float, default=120.0, help="seconds a query run may take")
    parser.add_argument("--no-queries", action="store_true")
    parser.add_argument("--no-server", action="store_true")
    parser.add_argument("--server-only", action="store_true", help="with --queries-on: only the server's queries")
    parser.add_argument("--publish", action="store_true",
                        help="also time `dhr-graph publish` of the smallest store to a fresh Oxigraph server")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--readme", action="store_true", help="write the table into benchmarks/README.md")
    parser.add_argument("--queries-on", type=Path, metavar="STORE",
                        help="no builds: time the queries on this store (built by an earlier run), adding to --json")
    parser.add_argument("--from-json", type=Path, help="only print (and with --readme write) the table of a saved run")
    parser.add_argument("--one-query", help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--params", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("--endpoint", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one_query:
        return one_query(args)
    if args.from_json:
        text = report(json.loads(args.from_json.read_text(encoding="utf-8")))
        print(text)
        if args.readme:
            write_section("scale", "Scale: 2,000 to 20,000 reviews (`bench_scale.py`)", text)
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cli": args.cli,
                               "runs": args.runs, "cap": args.cap, "builds": {}}
    stores: dict[int, Path] = {}
    if args.queries_on:  # the figures of the earlier run's builds are kept
        if args.json and args.json.exists():
            results = {**json.loads(args.json.read_text(encoding="utf-8")), **{k: results[k] for k in ("runs", "cap")}}
        stores[int(args.queries_on.name.split("-")[1])] = args.queries_on
        args.sizes = []

    def save() -> None:  # after every step: a long run stopped part-way keeps what it measured
        if args.json:
            args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")

    for n in sorted(args.sizes):
        pages = corpus(n, args.work)
        stores[n] = args.work / f"store-{n}-{os.getpid()}"
        print(f"building {n} reviews into {stores[n]}", file=sys.stderr)
        results["builds"][str(n)] = build(args.cli, pages, stores[n])
        print(f"  {json.dumps(results['builds'][str(n)])}", file=sys.stderr)
        save()
    largest = stores[max(stores)]
    if not args.no_queries:
        if not args.server_only:
            print(f"named queries on {largest}", file=sys.stderr)
            results["queries"] = time_queries(largest, args.runs, args.cap)
            save()
        if not args.no_server:
            print("the same on an Oxigraph server", file=sys.stderr)
            results["remote"] = server_queries(largest, args.work, args.runs, args.cap)
            save()
    if not args.no_server and args.publish:
        smallest = stores[min(stores)]
        print(f"publishing {smallest} to an Oxigraph server", file=sys.stderr)
        results["publish"] = publish_time(args.cli, smallest, args.work)
    save()
    text = report(results)
    print(text)
    if args.readme:
        write_section("scale", "Scale: 2,000 to 20,000 reviews (`bench_scale.py`)", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
