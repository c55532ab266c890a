"""Publish a 2,000-review store to a real Oxigraph server: first time, unchanged, one review changed.

Steps: copy the store (publish writes its record beside the store, and the changed-review step
rebuilds one page into it, so the shared input is never written), start the Oxigraph server on a
fresh database on loopback, then time:

* the content hashes alone (dump every graph as N-Triples, sort its lines, SHA-256), the cost an
  unchanged re-publish cannot avoid;
* the first publish (every graph sent to an empty server);
* alternately, `--runs` times: an unchanged re-publish, and a re-publish after one page was edited
  (a different wording each run) and built into the store (the build is not timed);
* `--full-runs` full re-publishes (`--full`: every graph sent again, which is what `publish` did
  before this change), for comparison.

Wall time, graphs and bytes sent; medians where there are several runs. Writes its section of
README.md.

    python benchmarks/bench_publish.py --store /work/bench/store-2000-main --pages /work/bench/pages-2000 \
        --work /tmp/bench-publish [--runs 3] [--full-runs 1]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import write_section

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the tests' server helpers start the Oxigraph server

from dhr_graph.publish import PublishReport  # noqa: E402
from tests import servers  # noqa: E402


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip().split("load average: ")[-1]


def hash_pass(store_path: Path) -> tuple[float, int, int]:
    """Seconds to hash every published graph, and (graphs, bytes of N-Triples)."""
    import pyoxigraph as ox

    from dhr_graph.publish import graph_digest
    from dhr_graph.store import GraphStore

    gs = GraphStore(store_path)
    start = time.perf_counter()
    size = 0
    graphs = gs.named_graphs()
    for g in graphs:
        body = gs.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(g))
        graph_digest(body)
        size += len(body)
    return time.perf_counter() - start, len(graphs), size


def edit_page(source: Path, out: Path, run: int) -> Path:
    """A copy of `source` with its first recommendation reworded (differently on each run)."""
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        cells = line.split("|")
        if len(cells) > 3 and cells[1].strip()[:1].isdigit():
            cells[2] = f" {cells[2].strip()} (revised wording {run}) "
            lines[i] = "|".join(cells)
            break
    else:
        raise SystemExit(f"{source}: no recommendation row to edit")
    out.mkdir(parents=True, exist_ok=True)
    page = out / source.name
    page.write_text("".join(lines), encoding="utf-8")
    return page


def timed_publish(store_path: Path, url: str, **options: bool) -> tuple[float, PublishReport]:
    from dhr_graph.publish import publish
    from dhr_graph.store import GraphStore

    start = time.perf_counter()
    report = publish(GraphStore(store_path), url, timeout=600, **options)
    return time.perf_counter() - start, report


def row(label: str, seconds: list[float], report: PublishReport) -> str:
    runs = f" (median of {len(seconds)})" if len(seconds) > 1 else ""
    return (f"| {label} | {statistics.median(seconds):.1f}{runs} | {len(report.sent):,} | {report.quads:,} | "
            f"{report.bytes / 1e6:.1f} | {report.unchanged:,} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="a built store (copied, never written)")
    parser.add_argument("--pages", type=Path, required=True, help="the pages it was built from (one is edited)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bench-publish")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--full-runs", type=int, default=1)
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args(argv)

    from dhr_graph.pipeline import Toolkit, build

    if servers.oxigraph_binary() is None:
        raise SystemExit("the Oxigraph server (pip package 'oxigraph') is not installed")
    work = args.work
    store = work / "store"
    for leftover in (store, work / ".store.published", work / "oxigraph-db", work / "edited"):
        shutil.rmtree(leftover, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    shutil.copytree(args.store, store)
    loads = [load()]
    hashes = [hash_pass(store) for _ in range(args.runs)]
    hash_s = statistics.median(h[0] for h in hashes)
    _, graphs, size = hashes[0]
    reviews = len(list(args.pages.glob("*.txt")))

    proc, base = servers.start_oxigraph(work / "oxigraph-db", union=False)
    url = f"{base}/store"
    lines: list[str] = []
    try:
        first_s, first = timed_publish(store, url)
        loads.append(load())
        toolkit = Toolkit.load()
        page = sorted(args.pages.glob("*.txt"))[0]
        same_s: list[float] = []
        changed_s: list[float] = []
        same = changed = first
        for k in range(args.runs):
            seconds, same = timed_publish(store, url)
            same_s.append(seconds)
            built = build([edit_page(page, work / "edited", k + 1)], store, toolkit=toolkit)
            assert built.committed and not built.failed, "the edited page did not build"
            seconds, changed = timed_publish(store, url)
            changed_s.append(seconds)
        loads.append(load())
        full_s: list[float] = []
        full = first
        for _ in range(args.full_runs):
            seconds, full = timed_publish(store, url, full=True)
            full_s.append(seconds)
        loads.append(load())
    finally:
        servers.stop(proc)

    lines += [
        (f"Store: {graphs:,} published graphs of {reviews:,} SYNTHETIC reviews ({size / 1e6:.0f} MB of N-Triples), "
         f"copied from `{args.store.name}`. Server: Oxigraph {servers_version()} on loopback, fresh database, "
         f"default settings; `publish` with its default 2 workers. Machine: {os.cpu_count()} cores shared with "
         f"other jobs; load averages (1, 5, 15 min) at the start and after each phase: "
         + "; ".join(loads) + f". Run on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}."),
        "",
        "| publish | seconds | graphs sent | quads sent | MB sent | unchanged |",
        "|---|---:|---:|---:|---:|---:|",
        row("first time (empty server)", [first_s], first),
        row("unchanged re-publish", same_s, same),
        row("one page edited and rebuilt", changed_s, changed),
    ]
    if full_s:
        lines.append(row("`--full` re-publish (every graph, as before this change)", full_s, full))
    lines += ["", (f"Content hashes alone (dump, sort, SHA-256 of every graph): {hash_s:.1f} s (median of "
                   f"{len(hashes)}), {100 * hash_s / first_s:.0f}% of the first publish. An unchanged re-publish is "
                   "that pass plus one GET (the record's check against the server).")]
    text = "\n".join(lines)
    print(text)
    if not args.no_readme:
        write_section("publish", "Publish to a triple store (`bench_publish.py`, issue 16)", text)
    return 0


def servers_version() -> str:
    binary = servers.oxigraph_binary()
    out = subprocess.run([binary or "oxigraph", "--version"], capture_output=True, text=True, check=False).stdout
    return out.strip().split()[-1] if out.strip() else "(version unknown)"


if __name__ == "__main__":
    raise SystemExit(main())
