"""The command line loads only what a command uses (issue 17): a quick command such as
`query` must not pay for rdflib, pySHACL, networkx or the web server at start-up.

These are not timing tests: each runs the CLI in a fresh interpreter and looks at which
modules were imported, so a module-level import that drags a heavy library back into the
query path fails here whatever the machine's speed (benchmarks/bench_cli.py has the timings).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("rdflib", "pyshacl", "networkx", "numpy", "scipy", "starlette", "uvicorn", "ssl", "importlib.metadata")

# standard-library modules that only some commands or formats need: a named query in CSV loads none
# of them (they load with a write, a misspelt query name, or JSON output)
NOT_FOR_A_QUERY = ("json", "difflib", "shutil", "concurrent.futures", "lzma", "bz2")

_PROBE = """
import sys
from dhr_graph.cli import main
try:
    main(sys.argv[1:], prog_name="dhr-graph")
except SystemExit as exc:
    code = exc.code
else:
    code = 0
heavy = {heavy!r}
own = sorted(m for m in sys.modules if m.startswith("dhr_graph."))
std = [m for m in {light!r} if m in sys.modules]
loaded = [m for m in heavy if m in sys.modules]
import json
print(json.dumps({{"code": code, "loaded": loaded, "own": own, "std": std}}), file=sys.stderr)
"""


def probe(*args: str) -> dict:
    """Run `dhr-graph ARGS` in a new interpreter: its exit code ("code"), which heavy modules it
    loaded ("loaded"), which of the package's ("own"), which of NOT_FOR_A_QUERY ("std"), and its
    standard output ("out")."""
    proc = subprocess.run([sys.executable, "-c", _PROBE.format(heavy=HEAVY, light=NOT_FOR_A_QUERY), *args],
                          capture_output=True, text=True, timeout=120)
    return {**json.loads(proc.stderr.strip().splitlines()[-1]), "out": proc.stdout}


def loaded_by(*args: str) -> tuple[int, list[str], str]:
    """Run `dhr-graph ARGS` in a new interpreter: its exit code, which heavy modules it loaded, stdout."""
    report = probe(*args)
    return report["code"], report["loaded"], report["out"]


def test_importing_the_cli_loads_no_heavy_library() -> None:
    proc = subprocess.run([sys.executable, "-c", f"import sys, dhr_graph.cli; "
                           f"print([m for m in {HEAVY!r} if m in sys.modules])"],
                          capture_output=True, text=True, timeout=120, check=True)
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize("args", [["--help"], ["query", "--list"], ["query", "--help"], ["export", "--help"],
                                  ["--version"]], ids=["help", "query-list", "query-help", "export-help", "version"])
def test_quick_commands_load_no_heavy_library(args: list[str]) -> None:
    code, loaded, out = loaded_by(*args)
    assert code == 0 and out
    assert loaded == (["importlib.metadata"] if args == ["--version"] else [])


def test_a_named_query_loads_no_heavy_library(sample_store: Path) -> None:
    report = probe("query", "shared-agencies", "--store", str(sample_store), "--format", "csv")
    assert report["code"] == 0 and report["out"].splitlines()[0].startswith("label,")
    assert report["loaded"] == []
    assert report["std"] == []  # nor what only writes, JSON or a misspelt name need
    # nor the modules of other commands, whatever those import (cli/__init__.py: _COMMAND_MODULES)
    assert not {"dhr_graph.cli.export", "dhr_graph.cli.validate", "dhr_graph.rdfexport", "dhr_graph.pipeline",
                "dhr_graph.validation"} & set(report["own"])
    code, loaded, out = loaded_by("stats", "--store", str(sample_store))
    assert code == 0 and "reviews" in out and loaded == []


def test_the_heavy_libraries_still_load_where_they_are_used(sample_store: Path, tmp_path: Path) -> None:
    """The other side of the guard: laziness hides no import error, and a command that needs a
    library gets it when it runs."""
    code, loaded, _ = loaded_by("export", "--store", str(sample_store), "--format", "graphml",
                                "-o", str(tmp_path / "a.graphml"))
    assert code == 0 and "networkx" in loaded and (tmp_path / "a.graphml").stat().st_size > 0
    code, loaded, _ = loaded_by("themes", "classify", "Police to refer high risk cases to MARAC")
    assert code == 0 and "rdflib" in loaded


def test_what_a_query_leaves_out_still_loads_where_it_is_used(sample_store: Path) -> None:
    """JSON output and the hint for a misspelt query name load their modules when asked for."""
    report = probe("query", "store-stats", "--store", str(sample_store), "--format", "json")
    assert report["code"] == 0 and '"vars"' in report["out"] and "json" in report["std"]
    report = probe("query", "store-stat", "--store", str(sample_store))
    assert report["code"] == 2 and "difflib" in report["std"]
