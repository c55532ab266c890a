"""What a command costs on top of its work: `dhr-graph query NAME` as a process against the same
query in process (issue 17 target: at most 100 ms more).

For each named query, on a store of the SYNTHETIC corpus (default 2,000 reviews; --store to use
one already built, which is only read), each run times, alternating:
- `python -c pass`, the interpreter's own start-up (the floor for any command);
- `python -c "import dhr_graph.cli"`, the package's import cost (wall minus the floor);
- `dhr-graph query NAME --store S --format csv`, the console script, stdout discarded;
and, with --baseline-bin, the same two commands of another installation (for example the `main`
branch's virtual environment), so that before and after are measured in the same run. The
baseline runs without this process's PYTHONPATH (so a branch run as `PYTHONPATH=TREE` from a shared
virtual environment is compared with that environment's own installation), or with
--baseline-pythonpath.

Bytecode: an installed package has its modules compiled (pip writes the .pyc files), but a
machine with PYTHONDONTWRITEBYTECODE set (this VM's environment) makes every command compile the
package's sources again, about 12 ms of CPU that no user pays. By default the commands run with
their bytecode cached in a private folder (PYTHONPYCACHEPREFIX, under the benchmark's temporary
folder: nothing is written beside any source), filled by one untimed run of each command first;
--no-bytecode-cache runs them with the environment as it is (what rounds up to four measured).
In process, the query is run through the library API (`queries.run` and `formats.render` to CSV,
the store opened once) after a warm-up run. Every figure is a median of --runs runs, as wall time
and as CPU time (user + system: on a shared, loaded machine the wall time of a short process is
mostly waiting for a core, its CPU time much less so). Processes run in an empty folder, so that
`python -c` does not import the package from the current folder.

    python benchmarks/bench_cli.py [--store DIR] [--runs 7] [--baseline-bin /work/main/.venv/bin]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import corpus_store, write_section

QUERIES = ("store-stats", "shared-agencies", "themes-summary", "sector-share")


Times = tuple[float, float]  # (wall, CPU) seconds


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> Times:
    """Wall and CPU time of one process (stdout discarded; a failure stops the benchmark)."""
    cpu, start = _children_cpu(), time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)}: exit {proc.returncode}: {proc.stderr.strip()}")
    return elapsed, _children_cpu() - cpu


def _medians(samples: list[Times]) -> Times:
    return statistics.median(w for w, _ in samples), statistics.median(c for _, c in samples)


def in_process(store: Path, name: str, runs: int) -> Times:
    """Median wall and CPU time of the query through the library API, store open and warmed up."""
    from dhr_graph.resultformats import render
    from dhr_graph.queries import get_query, run
    from dhr_graph.store import GraphStore

    gs, nq = GraphStore(store), get_query(name)
    render(run(gs, nq, {}), "csv")  # warm-up: the store opened, its pages cached
    times = []
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        render(run(gs, nq, {}), "csv")
        times.append((time.perf_counter() - start, time.process_time() - cpu))
    return _medians(times)


def environments(bins: dict[str, Path], baseline_pythonpath: str | None, bytecode: Path | None
                 ) -> dict[str, dict[str, str]]:
    """Each installation's environment: this process's, the baseline's without its PYTHONPATH
    (or with --baseline-pythonpath), and with `bytecode` a private bytecode cache (see above)."""
    envs = {}
    for who in bins:
        env = dict(os.environ)
        if who != "this branch":
            env.pop("PYTHONPATH", None)
            if baseline_pythonpath:
                env["PYTHONPATH"] = baseline_pythonpath
        if bytecode is not None:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(bytecode / who.replace("/", "-"))
        envs[who] = env
    return envs


def measure(store: Path, runs: int, bins: dict[str, Path], queries: tuple[str, ...], *,
            baseline_pythonpath: str | None = None, bytecode_cache: bool = True) -> dict[str, dict[str, Times]]:
    """Medians: {installation: {"python": .., "import": .., NAME: ..}}, and {"in process": {NAME: ..}}."""
    samples: dict[str, dict[str, list[Times]]] = {who: {} for who in bins}
    with tempfile.TemporaryDirectory(prefix="dhr-bench-cli-") as empty:
        cwd = Path(empty) / "cwd"
        cwd.mkdir()
        envs = environments(bins, baseline_pythonpath, Path(empty) / "pycache" if bytecode_cache else None)

        def commands(bindir: Path) -> dict[str, list[str]]:
            python, cli = str(bindir / "python"), str(bindir / "dhr-graph")
            return {"python": [python, "-c", "pass"], "import": [python, "-c", "import dhr_graph.cli"],
                    **{name: [cli, "query", name, "--store", str(store), "--format", "csv"] for name in queries}}

        if bytecode_cache:  # one untimed run of each command fills its installation's cache
            for who, bindir in bins.items():
                for argv in commands(bindir).values():
                    timed(argv, cwd, envs[who])
        for _ in range(runs):
            for who, bindir in bins.items():  # alternating, so that drift hits every installation alike
                s = samples[who]
                for key, argv in commands(bindir).items():
                    s.setdefault(key, []).append(timed(argv, cwd, envs[who]))
    out = {who: {k: _medians(v) for k, v in s.items()} for who, s in samples.items()}
    out["in process"] = {name: in_process(store, name, runs) for name in queries}
    return out


def table(results: dict[str, dict[str, Times]], queries: tuple[str, ...], which: int) -> str:
    """One table of wall (`which` 0) or CPU (1) times in milliseconds."""
    whos = [w for w in results if w != "in process"]

    def ms(key: str, who: str, minus: Times | None = None) -> str:
        value = results[who][key][which] - (minus[which] if minus else 0.0)
        return f"{value * 1000:.0f}"

    lines = ["| | " + " | ".join(whos) + " |", "|---|" + "---:|" * len(whos)]
    lines.append("| `python -c pass` | " + " | ".join(ms("python", w) for w in whos) + " |")
    lines.append("| `import dhr_graph.cli`, beyond `python -c pass` | "
                 + " | ".join(ms("import", w, results[w]["python"]) for w in whos) + " |")
    lines += ["", "| query | in process | " + " | ".join(f"`dhr-graph query`, {w} | extra, {w}" for w in whos) + " |",
              "|---|---:|" + "---:|---:|" * len(whos)]
    for name in queries:
        inside = results["in process"][name]
        cells = " | ".join(f"{ms(name, w)} | {ms(name, w, inside)}" for w in whos)
        lines.append(f"| `{name}` | {inside[which] * 1000:.0f} | {cells} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=None, help="a built store (only read); default: build one")
    parser.add_argument("--reviews", type=int, default=2000, help="corpus size when no --store is given")
    parser.add_argument("--work", type=Path, default=Path(__file__).resolve().parent / "corpus")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--queries", nargs="+", default=list(QUERIES))
    parser.add_argument("--baseline-bin", type=Path, default=None,
                        help="bin folder of another installation to compare with (e.g. /work/main/.venv/bin)")
    parser.add_argument("--baseline-name", default="baseline", help="its name in the tables (e.g. main)")
    parser.add_argument("--baseline-pythonpath", default=None,
                        help="PYTHONPATH of the baseline's commands (default: none, whatever this process has)")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="run the commands with the environment's bytecode setting (see above)")
    parser.add_argument("--no-readme", action="store_true", help="print the tables only")
    args = parser.parse_args()
    store = args.store or corpus_store(args.reviews, args.work)[1]
    bins = {"this branch": Path(sys.executable).parent}
    if args.baseline_bin:
        bins = {args.baseline_name: args.baseline_bin, **bins}
    queries = tuple(args.queries)
    load_before = os.getloadavg()
    results = measure(store, args.runs, bins, queries, baseline_pythonpath=args.baseline_pythonpath,
                      bytecode_cache=not args.no_bytecode_cache)
    compiled = ("the environment's own setting (PYTHONDONTWRITEBYTECODE="
                f"{os.environ.get('PYTHONDONTWRITEBYTECODE', 'unset')})" if args.no_bytecode_cache
                else "cached, as an installed package has it (a private PYTHONPYCACHEPREFIX, filled by an untimed run)")
    load_after = os.getloadavg()
    body = (f"`python benchmarks/bench_cli.py {shlex.join(sys.argv[1:])}` (target, issue 17: `dhr-graph query NAME` "
            f"costs at most 100 ms more than the same query in process).\n\n"
            f"Store: {store.name}, {args.runs} runs, medians; Python {platform.python_version()}, "
            f"load average {load_before[0]:.1f} before and {load_after[0]:.1f} after "
            f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}); bytecode of the commands: {compiled}. "
            f"\"extra\": the command's time minus the same query's in process.\n\nWall time (ms):\n\n" + table(results, queries, 0)
            + "\n\nCPU time, user + system (ms):\n\n" + table(results, queries, 1))
    print(body)
    if not args.no_readme:
        write_section("cli", "Command start-up (`bench_cli.py`)", body)


if __name__ == "__main__":
    main()
