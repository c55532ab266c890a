"""The documented exit codes hold for every command, through the CLI's one error handler:
2 and one line when nothing could be done, whichever command it is."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from dhr_graph.cli import main

READ_COMMANDS = {
    "stats": ["stats"],
    "query": ["query", "store-stats"],
    "validate": ["validate"],
    "export": ["export", "--format", "trig", "-o", "{out}/x.trig"],
    "export-graphml": ["export", "--format", "graphml", "-o", "{out}/x.graphml"],
    "links-compute": ["links", "compute"],
    "links-show": ["links", "show", "southampton-2020"],
    "agencies-unresolved": ["agencies", "unresolved"],
    "publish": ["publish", "--to", "http://127.0.0.1:9/store"],
}


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stderr


@pytest.mark.parametrize("command", list(READ_COMMANDS))
def test_no_store_is_exit_2_and_one_line(command: str, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    code, err = invoke(*[a.format(out=tmp_path) for a in READ_COMMANDS[command]], "--store", str(missing))
    assert code == 2, err
    expected = f"dhr-graph: {missing}: no dhr-graph store here (run 'dhr-graph build --store {missing}' first)"
    assert err.strip().splitlines() == [expected]
    assert not missing.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written for a read


def test_bad_registry_file_is_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "registry.ttl"
    bad.write_text("this is not turtle", encoding="utf-8")
    code, err = invoke("agencies", "resolve", "Home Office", "--registry", str(bad))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "registry.ttl" in err


def test_build_with_an_unusable_store_is_exit_2_and_reads_no_page(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "keep.txt").write_text("x\n", encoding="utf-8")
    code, err = invoke("build", str(tmp_path / "no-such-page.txt"), "--store", str(folder))
    assert code == 2 and "not a dhr-graph store" in err and "no-such-page" not in err


@pytest.mark.parametrize("args", [["stats", "--bogus"], ["build", "--store", "README.md"],
                                  ["query", "--format", "nope", "store-stats"], ["query"], ["--bogus", "stats"],
                                  ["no-such-command"]],
                         ids=["unknown-option", "store-is-a-file", "bad-choice", "missing-argument",
                              "unknown-option-of-the-group", "unknown-command"])
def test_usage_mistakes_are_one_line_exit_2(args: list[str]) -> None:
    code, err = invoke(*[str(Path(__file__).resolve().parent.parent / a) if a == "README.md" else a for a in args])
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dhr-graph: ") and "--help" in lines[0], err


def test_ctrl_c_during_a_build_is_exit_130_and_changes_nothing(tmp_path: Path, sample_store: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    generator = root / "benchmarks" / "generate_corpus.py"
    if not generator.exists():
        pytest.skip("benchmarks/generate_corpus.py not present")
    corpus = tmp_path / "corpus"
    env = {**os.environ, "PYTHONPATH": str(root)}
    subprocess.run([sys.executable, str(generator), "--reviews", "60", "--out", str(corpus)], check=True,
                   capture_output=True, env=env)
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    before = set(ox.Store.read_only(str(store)))
    proc = subprocess.Popen([sys.executable, "-m", "dhr_graph", "build", str(corpus), "--store", str(store),
                             "--quiet"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    staging = tmp_path / ".store.staging"
    deadline = time.monotonic() + 60
    while not staging.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # well into the build
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the build finished before the interrupt came")
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "dhr-graph: interrupted" and "Traceback" not in err
    assert set(ox.Store.read_only(str(store))) == before
    assert not staging.exists()


def test_a_build_in_which_no_page_landed_is_exit_2_and_one_that_landed_some_is_exit_1(
        tmp_path: Path, sample_text: str) -> None:
    """README, exit codes: 1 is "done in part", 2 "nothing could be done; nothing was changed"."""
    bad = tmp_path / "bad.txt"
    bad.write_text("not a review page\n", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    good = tmp_path / "good.txt"
    good.write_text(sample_text, encoding="utf-8")
    store = tmp_path / "store"

    result = CliRunner().invoke(main, ["build", str(bad), str(empty), "--store", str(store)], catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert "0 of 2 pages landed" in result.stdout and "(store unchanged)" in result.stdout
    strict = CliRunner().invoke(main, ["build", str(good), str(bad), "--store", str(store), "--strict"],
                                catch_exceptions=False)
    assert strict.exit_code == 2, strict.output  # --strict: nothing lands unless every page is good
    assert "0 of 2 pages landed" in strict.stdout and "bad.txt" in strict.stderr
    assert not store.exists()

    mixed = CliRunner().invoke(main, ["build", str(good), str(bad), "--store", str(store)], catch_exceptions=False)
    assert mixed.exit_code == 1, mixed.output
    assert "1 of 2 pages landed" in mixed.stdout and "bad.txt" in mixed.stderr
    assert len(ox.Store.read_only(str(store))) > 0


def test_no_command_at_all_shows_the_help() -> None:
    result = CliRunner().invoke(main, [], catch_exceptions=False)
    assert "Usage: " in result.output and "Commands:" in result.output and "query" in result.output
