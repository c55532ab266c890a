"""How a `dhr-graph` process ends (cli/ending.py) and how a named query is found (issue 17,
command start-up). Not timing tests: each runs the command as the program in a fresh
interpreter and looks at what it printed, its exit status, and whether Python's shutdown ran
(an exit handler registered before the command prints a line when it does).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dhr_graph import queries
from dhr_graph.errors import QueryError

# the command as its console script runs it (`main()`, arguments from sys.argv), after an exit
# handler that says whether the interpreter's shutdown ran; SETUP runs first
_PROGRAM = """
import atexit, sys, threading
atexit.register(lambda: print("shutdown ran", file=sys.stderr))
{setup}
from dhr_graph.cli import main
sys.argv[0] = "dhr-graph"
main()
"""


def program(*args: str, setup: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _PROGRAM.format(setup=setup), *args],
                          capture_output=True, text=True, timeout=120)


def test_a_query_ends_without_the_shutdown_its_output_whole(sample_store: Path) -> None:
    proc = program("query", "store-stats", "--store", str(sample_store), "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "what,count" and lines[1] == "reviews,1" and len(lines) > 5
    assert "shutdown ran" not in proc.stderr
    stats = program("stats", "--store", str(sample_store))
    assert stats.returncode == 0 and "quads" in stats.stdout and "shutdown ran" not in stats.stderr


def test_a_failed_query_keeps_its_status_and_message(tmp_path: Path) -> None:
    proc = program("query", "store-stats", "--store", str(tmp_path / "none"))
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines()[0].startswith(f"dhr-graph: {tmp_path / 'none'}: no dhr-graph store here")
    assert "shutdown ran" not in proc.stderr


@pytest.mark.parametrize("setup", [
    "sys.settrace(lambda *a: None)",  # a tracer (coverage, a debugger) waits for the end
    "import cProfile; _profile = cProfile.Profile(); _profile.enable()",  # so does a profiler
    "threading.Thread(target=__import__('time').sleep, args=(0.3,)).start()",  # a thread still runs
], ids=["tracer", "profiler", "thread"])
def test_the_ordinary_way_out_when_something_waits_for_the_end(sample_store: Path, setup: str) -> None:
    proc = program("query", "store-stats", "--store", str(sample_store), "--format", "csv", setup=setup)
    assert proc.returncode == 0 and proc.stdout.startswith("what,count\nreviews,1\n")
    assert "shutdown ran" in proc.stderr


def test_other_commands_and_embedding_take_the_ordinary_way(sample_store: Path, tmp_path: Path) -> None:
    proc = program("export", "--store", str(sample_store), "--format", "nt", "-o", str(tmp_path / "a.nt"))
    assert proc.returncode == 0 and (tmp_path / "a.nt").stat().st_size > 0 and "shutdown ran" in proc.stderr
    # a program that passes the arguments itself (as tests and embedding code do) keeps its own ending
    code = (f"import sys; from dhr_graph.cli import main\n"
            f"try:\n    main(['query', 'store-stats', '--store', {str(sample_store)!r}])\n"
            f"except SystemExit as exc:\n    print('after main', exc.code)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.rstrip().endswith("after main 0")


def test_a_named_query_is_read_from_its_own_file_only(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    real = queries.load_query

    def load_query(path: str | Path, name: str | None = None) -> queries.NamedQuery:
        read.append(Path(path).name)
        return real(path, name)

    every = queries.library()
    monkeypatch.setattr(queries, "load_query", load_query)
    found = queries.get_query("shared-agencies")
    assert read == ["shared-agencies.rq"]
    assert found == every["shared-agencies"]


def test_names_that_are_not_bundled_query_files_are_still_refused() -> None:
    with pytest.raises(QueryError, match=r"did you mean 'shared-agencies'"):
        queries.get_query("shared-agencie")
    for name in ("../queries/shared-agencies", ".hidden", "queries/store-stats"):
        with pytest.raises(QueryError, match="unknown query"):
            queries.get_query(name)


def test_a_store_kept_for_the_end_is_released_when_main_returns(sample_store: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """In a process that goes on after the command (tests, embedding code), the store a query
    kept open until the end is closed when `main` returns, as before."""
    import gc
    import weakref

    from click.testing import CliRunner

    from dhr_graph import cli

    opened: list[weakref.ref[object]] = []
    real = cli.open_store

    def open_store(path: Path | None) -> object:
        gs = real(path)
        opened.append(weakref.ref(gs))
        return gs

    monkeypatch.setattr(cli, "open_store", open_store)
    result = CliRunner().invoke(cli.main, ["query", "store-stats", "--store", str(sample_store), "--format", "csv"])
    assert result.exit_code == 0 and result.output.startswith("what,count\nreviews,1\n")
    gc.collect()
    assert len(opened) == 1 and opened[0]() is None
