"""Inputs that used to hang, eat memory or end in a traceback: devices, FIFOs, NUL bytes, huge
tables, empty or looping input folders, unreadable folders, names too long for the file system.

Each runs the real CLI in a child process, bounded in time and address space, so a regression
fails the test instead of hanging or swapping the machine."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from dhr_graph.parser import MAX_ROW_CELLS, MAX_TABLE_CELLS, MAX_TABLE_ROWS

from .unprivileged import run_unprivileged

ROOT = Path(__file__).resolve().parent.parent
HEADER = ("About this page. SYNTHETIC test page written for dhr-graph; not a real review.\n"
          "Limits review\nCSP: Thornbury\nPublished: March 2023\nYear of death: 2021\n"
          "| # | Recommendation | Addressed to |\n|---|---|---|\n")
MEMORY_CAP = 3 << 30  # address space of the child: a page that is not refused would hit it


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 90) -> tuple[int, str, float]:
    """(exit code, stderr, peak memory in MB) of `dhr-graph ARGS` in a child process."""
    proc = subprocess.Popen([sys.executable, "-m", "dhr_graph", *args], cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_cap_memory,  # noqa: PLW1509 - no threads are started by the tests here
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"dhr-graph {' '.join(args)} did not finish in {timeout} s")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the largest child so far: an upper bound
    return proc.returncode, err, usage.ru_maxrss / 1024


def one_line(err: str, *words: str) -> str:
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for word in words:
        assert word in lines[0], err
    return lines[0]


def test_a_device_is_refused_without_reading_it() -> None:
    code, err, _ = run_cli("parse", "/dev/zero")
    assert code == 1
    one_line(err, "/dev/zero", "not a regular file")


def test_a_fifo_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "page.txt"
    os.mkfifo(fifo)
    code, err, _ = run_cli("parse", str(fifo), timeout=60)
    assert code == 1
    one_line(err, str(fifo), "not a regular file")
    code, err, _ = run_cli("build", str(fifo), "--store", str(tmp_path / "store"), "--quiet", timeout=60)
    assert code == 2  # no page landed: nothing was done
    one_line(err, str(fifo), "not a regular file")
    assert not (tmp_path / "store").exists()


def test_a_nul_byte_anywhere_is_refused(tmp_path: Path, sample_text: str) -> None:
    page = tmp_path / "nul.txt"
    cut = len(sample_text) - 400
    assert len(sample_text[:cut].encode()) > 8192  # past the first 8 KB, where it used to be looked for
    page.write_text(sample_text[:cut] + "\x00" + sample_text[cut:], encoding="utf-8")
    code, err, _ = run_cli("parse", str(page))
    assert code == 1
    line = one_line(err, "nul.txt", "NUL byte")
    assert f"nul.txt:{sample_text[:cut].count(chr(10)) + 1}:" in line  # the line it is on


def test_a_page_of_a_hundred_thousand_rows_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    page = tmp_path / "rows.txt"
    page.write_text(HEADER + "".join(f"| {i} | Train staff. | Police |\n" for i in range(1, 100_001)),
                    encoding="utf-8")
    assert 3_000_000 < page.stat().st_size < 4_000_000
    code, err, peak = run_cli("build", str(page), "--store", str(tmp_path / "store"), "--quiet")
    assert code == 2
    one_line(err, f"rows.txt:{MAX_TABLE_ROWS + 1 + HEADER.count(chr(10)) - 2}:", f"more than {MAX_TABLE_ROWS} rows")
    assert peak < 600, f"{peak:.0f} MB"  # it used to take 4.5 GB
    assert not (tmp_path / "store").exists()


def test_a_page_of_addressees_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "addressees.txt"
    names = " | ".join(f"Agency Number {i}" for i in range(60_000))
    page.write_text(HEADER + f"| 1 | Every agency to review its training. | {names} |\n", encoding="utf-8")
    code, err, peak = run_cli("build", str(page), "--store", str(tmp_path / "store"), "--quiet")
    assert code == 2
    one_line(err, "addressees.txt:8:", f"more than the limit of {MAX_ROW_CELLS}")
    assert peak < 600, f"{peak:.0f} MB"


def test_many_rows_of_many_addressees_are_refused(tmp_path: Path) -> None:
    page = tmp_path / "cells.txt"
    names = " | ".join(f"Agency Number {i}" for i in range(MAX_ROW_CELLS - 2))
    rows = MAX_TABLE_CELLS // (MAX_ROW_CELLS - 1) + 2
    page.write_text(HEADER + "".join(f"| {i} | Review training. | {names} |\n" for i in range(1, rows)),
                    encoding="utf-8")
    code, err, _ = run_cli("parse", str(page))
    assert code == 1
    one_line(err, "cells.txt:", f"more than {MAX_TABLE_CELLS} cells in all")


def test_an_ordinary_large_page_is_not_refused(tmp_path: Path) -> None:
    page = tmp_path / "large.txt"
    page.write_text(HEADER + "".join(f"| {i} | Thornbury Council to review its risk assessment training. | "
                                     f"Thornbury Council | Westshire Police |\n" for i in range(1, 301)),
                    encoding="utf-8")
    code, err, _ = run_cli("parse", str(page))
    assert code == 0, err


def test_an_empty_input_folder_is_a_mistake(tmp_path: Path) -> None:
    empty = tmp_path / "pages"
    empty.mkdir()
    (empty / "notes.md").write_text("not a page\n", encoding="utf-8")
    code, err, _ = run_cli("build", str(empty), "--store", str(tmp_path / "store"))
    assert code == 2
    one_line(err, str(empty), "no pages (*.txt files) in this folder")
    assert not (tmp_path / "store").exists()


def test_a_folder_that_loops_is_a_mistake_not_a_hang(tmp_path: Path) -> None:
    folder = tmp_path / "loop"
    folder.mkdir()
    (folder / "self").symlink_to("..", target_is_directory=True)  # loop/self/loop/self/...
    code, err, _ = run_cli("build", str(folder), "--store", str(tmp_path / "store"), timeout=60)
    assert code == 2
    one_line(err, "no pages")
    circle = tmp_path / "circle"
    circle.symlink_to(circle)
    code, err, _ = run_cli("build", str(circle), "--store", str(tmp_path / "store"), timeout=60)
    assert code == 2
    one_line(err, "circle", "loop")


def test_pages_behind_a_folder_link_are_found_once(tmp_path: Path, sample_text: str) -> None:
    from dhr_graph.pipeline import find_pages

    pages = tmp_path / "pages"
    (pages / "a").mkdir(parents=True)
    (pages / "a" / "one.txt").write_text(sample_text, encoding="utf-8")
    (pages / "b").symlink_to("a", target_is_directory=True)
    (pages / "a" / "up").symlink_to("..", target_is_directory=True)
    found = find_pages([pages])
    assert [p.name for p in found] == ["one.txt"]


def test_an_unreadable_folder_in_the_inputs_is_one_line(tmp_path: Path, sample_text: str) -> None:
    """T1, run where permissions apply (see tests/unprivileged.py)."""
    pages = tmp_path / "pages"
    locked = pages / "locked"
    locked.mkdir(parents=True)
    (pages / "one.txt").write_text(sample_text, encoding="utf-8")
    (locked / "two.txt").write_text(sample_text, encoding="utf-8")
    try:
        result = run_unprivileged(tmp_path, ["build", str(pages), "--store", str(tmp_path / "store")],
                                  prepare=lambda: locked.chmod(0o000))
    finally:
        locked.chmod(0o755)
    assert result.returncode == 2, result.stderr
    one_line(result.stderr, "locked", "cannot read folder")
    assert not (tmp_path / "store").exists()  # a page it could not see is not silently skipped


def test_names_too_long_for_the_file_system_are_one_line(tmp_path: Path) -> None:
    """T2: ENAMETOOLONG, as a page, as a folder inside a path, and as the store."""
    long = "a" * 300
    code, err, _ = run_cli("build", str(tmp_path / f"{long}.txt"), "--store", str(tmp_path / "store"))
    assert code == 2
    one_line(err, "File name too long")
    code, err, _ = run_cli("parse", str(tmp_path / long / "page.txt"))
    assert code == 1
    one_line(err, "File name too long")
    code, err, _ = run_cli("build", "--store", str(tmp_path / long))
    assert code == 2
    one_line(err, "File name too long")
    code, err, _ = run_cli("stats", "--store", str(tmp_path / long))
    assert code == 2
    one_line(err, "File name too long")
