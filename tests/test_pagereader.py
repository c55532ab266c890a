"""Pages read in worker processes (pagereader.py): the same build as in one process, the pool
always stopped, a clear fallback where workers cannot run, and Ctrl-C without tracebacks."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from dhr_graph import pagereader, resources
from dhr_graph.cli import main
from dhr_graph.errors import DhrGraphError
from dhr_graph.pagereader import PageReader
from dhr_graph.parser import parse_page
from dhr_graph.pipeline import build
from dhr_graph.record_io import review_json
from dhr_graph.store import GraphStore

from .conftest import DATA

ROOT = Path(__file__).resolve().parent.parent
needs_fork = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="worker processes need the fork start method, not available here")


def _double(x: int) -> int:
    return x * 2


def _fail_at_50(x: int) -> int:
    if x == 50:
        raise ValueError("a defect in the reader")
    return x


def _die_at_50(x: int) -> int:
    if x == 50:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


@needs_fork
def test_workers_give_every_result_in_input_order() -> None:
    with PageReader(_double, range(300), 300, jobs=2) as reader:
        assert reader.processes == 2
        assert list(reader) == [x * 2 for x in range(300)]
        assert not multiprocessing.active_children()  # stopped once every input is read


def test_few_inputs_or_one_job_are_read_in_this_process() -> None:
    for count, jobs in ((pagereader.MIN_PAGES - 1, 2), (300, 1)):
        with PageReader(_double, range(count), count, jobs=jobs) as reader:
            assert reader.processes == 0
            assert list(reader) == [x * 2 for x in range(count)]


def test_without_fork_the_pages_are_read_here_and_the_log_says_why(monkeypatch, caplog) -> None:
    monkeypatch.setattr(pagereader.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    with caplog.at_level(logging.INFO, logger="dhr_graph.pagereader"), \
            PageReader(_double, range(300), 300, jobs=2) as reader:
        assert reader.processes == 0
        assert list(reader) == [x * 2 for x in range(300)]
    assert "need fork" in caplog.text


@needs_fork
def test_a_pool_that_cannot_start_falls_back_without_losing_an_input(monkeypatch, caplog) -> None:
    """Inputs already handed to the pool when it failed are read here, in order."""
    real = pagereader.ProcessPoolExecutor

    class NoMoreProcesses(real):  # type: ignore[misc, valid-type]
        calls = 0

        def submit(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            NoMoreProcesses.calls += 1
            if NoMoreProcesses.calls == 3:
                raise OSError(11, "Resource temporarily unavailable")
            return super().submit(*args, **kwargs)

    monkeypatch.setattr(pagereader, "ProcessPoolExecutor", NoMoreProcesses)
    with caplog.at_level(logging.WARNING, logger="dhr_graph.pagereader"), \
            PageReader(_double, range(300), 300, jobs=2) as reader:
        assert reader.processes == 0
        assert list(reader) == [x * 2 for x in range(300)]
    assert "could not start" in caplog.text and "Resource temporarily unavailable" in caplog.text
    assert not multiprocessing.active_children()


@needs_fork
def test_an_error_in_a_worker_stops_the_pool_and_is_raised_here() -> None:
    with pytest.raises(ValueError, match="a defect in the reader"):
        with PageReader(_fail_at_50, range(300), 300, jobs=2) as reader:
            for _ in reader:
                pass
    assert not multiprocessing.active_children()


@needs_fork
def test_a_killed_worker_is_one_clear_error() -> None:
    with pytest.raises(DhrGraphError, match="worker process reading pages ended unexpectedly"):
        with PageReader(_die_at_50, range(300), 300, jobs=2) as reader:
            for _ in reader:
                pass
    assert not multiprocessing.active_children()


@needs_fork
def test_leaving_part_way_stops_the_workers() -> None:
    with pytest.raises(KeyboardInterrupt):
        with PageReader(_double, range(300), 300, jobs=2) as reader:
            for x in reader:
                if x == 20:
                    raise KeyboardInterrupt
    assert not multiprocessing.active_children()


def _outcomes(report) -> list[tuple[str, str, str | None, list[str]]]:  # type: ignore[no-untyped-def]
    return [(p.path, p.status, p.review_key, p.messages) for p in report.pages]


def _quads(path: Path) -> set[str]:
    gs = GraphStore(path)
    try:
        return {str(q) for q in gs.quads()}
    finally:
        gs.close()


@needs_fork
def test_a_build_read_by_workers_is_the_build_read_in_one_process(tmp_path, toolkit, monkeypatch) -> None:
    """Good, bad and unreadable pages, the same review twice, a records file: the same outcomes,
    messages (in order) and quads, whether the pages are read here or in worker processes."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1750000000")
    monkeypatch.setattr(pagereader, "MIN_PAGES", 1)
    monkeypatch.setattr(pagereader, "PER_TASK", 2)
    pages = tmp_path / "pages"
    pages.mkdir()
    for folder in ("pages", "links", "query-corpus", "bad", "parser"):
        for page in sorted((DATA / folder).glob("*.txt")):
            shutil.copy(page, pages / f"{folder}-{page.name}")
    sample = resources.sample_pages()[0]
    shutil.copy(sample, pages / "sample.txt")
    shutil.copy(sample, pages / "sample-copy.txt")  # the same page twice
    records = tmp_path / "records.json"
    records.write_text(json.dumps([review_json(parse_page(DATA / "query-corpus" / "oakhollow-2023.txt"))]),
                       encoding="utf-8")
    inputs = [pages, records, tmp_path / "missing.txt"]
    one = build(inputs, tmp_path / "one", toolkit=toolkit, jobs=1)
    two = build(inputs, tmp_path / "two", toolkit=toolkit, jobs=2)
    assert one.committed and two.committed
    assert {p.status for p in one.pages} >= {"landed", "error", "rejected"}
    assert _outcomes(one) == _outcomes(two)
    assert one.triples == two.triples
    assert _quads(tmp_path / "one") == _quads(tmp_path / "two")


def test_jobs_must_be_at_least_one(tmp_path) -> None:
    result = CliRunner().invoke(main, ["build", "--jobs", "0", "--store", str(tmp_path / "s")])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--jobs" in lines[0] and lines[0].startswith("dhr-graph: ")
    assert not (tmp_path / "s").exists()


@needs_fork
def test_ctrl_c_with_worker_processes_is_exit_130_one_line_and_no_process_left(tmp_path: Path) -> None:
    """Ctrl-C reaches the whole foreground process group: the workers ignore it, the build stops
    its pool and says so in one line; no traceback, no store, no process left behind."""
    generator = ROOT / "benchmarks" / "generate_corpus.py"
    if not generator.exists():
        pytest.skip("benchmarks/generate_corpus.py not present")
    corpus = tmp_path / "corpus"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, str(generator), "--reviews", "400", "--out", str(corpus)], check=True,
                   capture_output=True, env=env)
    store = tmp_path / "store"
    proc = subprocess.Popen([sys.executable, "-m", "dhr_graph", "-v", "build", str(corpus), "--store", str(store),
                             "--quiet", "--jobs", "2"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    staging = tmp_path / ".store.staging"
    deadline = time.monotonic() + 60
    while not staging.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # well into reading the pages
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal sends it: to every process of the group
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the build finished before the interrupt came")
    assert "pages read by 2 worker processes" in err
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "dhr-graph: interrupted" and "Traceback" not in err
    assert not store.exists() and not staging.exists()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the group is empty once every worker has gone
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("worker processes were left running after the build stopped")


@needs_fork
def test_curation_pins_used_in_worker_processes_count_as_used(tmp_path, sample_page, monkeypatch) -> None:
    """A worker resolves with its own copy of the curation: the pins it used are reported back, so
    the build does not warn that a pin it applied was never found."""
    from dhr_graph.pipeline import Toolkit

    monkeypatch.setattr(pagereader, "MIN_PAGES", 1)
    pins = tmp_path / "pins.csv"
    pins.write_text("review,surface,agency\n"
                    "southampton-2020,Home Office,Southampton Domestic Abuse Hub\n"
                    "another-review,Home Office,Southampton Domestic Abuse Hub\n", encoding="utf-8")
    pages = [sample_page, *sorted((DATA / "pages").glob("*.txt"))]
    found = {}
    for jobs in (1, 2):
        toolkit = Toolkit.load(curation_files=[pins])
        report = build(pages, tmp_path / f"store-{jobs}", toolkit=toolkit, jobs=jobs)
        assert report.committed
        found[jobs] = [p.review for p in toolkit.curation.unused()]  # type: ignore[union-attr]
    assert found[1] == found[2] == ["another-review"]


@needs_fork
def test_a_worker_killed_during_a_build_leaves_the_store_as_it_was(tmp_path, toolkit, sample_store,
                                                                  monkeypatch) -> None:
    from dhr_graph import pipeline

    monkeypatch.setattr(pagereader, "MIN_PAGES", 1)
    real = pipeline._read_page

    def killed_on_one_page(page: Path, **kwargs):  # type: ignore[no-untyped-def]
        if page.name == "synthetic-lowmere-2019.txt":
            os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would
        return real(page, **kwargs)

    monkeypatch.setattr(pipeline, "_read_page", killed_on_one_page)
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    before = _quads(store)
    with pytest.raises(DhrGraphError, match="worker process reading pages ended unexpectedly"):
        build(sorted((DATA / "pages").glob("*.txt")), store, toolkit=toolkit, jobs=2)
    assert _quads(store) == before
    assert not multiprocessing.active_children()
