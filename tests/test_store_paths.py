"""Store paths that are not a store: every command refuses them in one line and touches nothing.

Also symlinked stores (locked and swapped where the data really is), '.', '..', an empty
DHR_GRAPH_STORE, damaged stores, a read-only parent folder, and compaction of small builds.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from dhr_graph.cli import main
from dhr_graph.errors import StoreError
from dhr_graph.pipeline import build
from dhr_graph.store import MARKER, GraphStore

from .unprivileged import run_unprivileged


def cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback is a failure of its own
    return result.exit_code, result.stdout, result.stderr


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below a folder with its bytes: what 'untouched' is checked against (but the
    database's own diary, LOG, which it writes even when it only reads)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith("LOG")}


def siblings(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if p.name != folder.name)


@pytest.fixture()
def documents(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    (docs / "chapter").mkdir(parents=True)
    (docs / "thesis.txt").write_text("x\n", encoding="utf-8")
    (docs / "chapter" / "one.md").write_text("# one\n", encoding="utf-8")
    return docs


def one_error_line(code: int, err: str, *words: str) -> str:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dhr-graph: "), err
    for word in words:
        assert word in lines[0], err
    return lines[0]


def test_build_refuses_a_folder_that_is_not_a_store(documents: Path) -> None:
    before = tree(documents)
    code, _, err = cli("build", "--store", str(documents))
    one_error_line(code, err, str(documents), "not a dhr-graph store (it holds 'chapter' and 1 more)")
    assert tree(documents) == before
    assert siblings(documents) == []  # no lock, no working copy beside it


def test_building_pages_into_their_own_folder_keeps_the_pages(tmp_path: Path, sample_page: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    shutil.copy(sample_page, pages / sample_page.name)
    before = tree(pages)
    code, _, err = cli("build", str(pages), "--store", str(pages))
    one_error_line(code, err, "not a dhr-graph store")
    assert tree(pages) == before


COMMANDS = {
    "stats": ["stats"],
    "query": ["query", "store-stats"],
    "validate": ["validate"],
    "export": ["export", "--format", "nq", "-o", "{out}/x.nq"],
    "export-html": ["export", "--format", "html", "-o", "{out}/x.html"],
    "links-compute": ["links", "compute"],
    "links-show": ["links", "show", "southampton-2020"],
    "agencies-unresolved": ["agencies", "unresolved"],
    "publish": ["publish", "--to", "http://127.0.0.1:9/store"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_refuses_a_folder_that_is_not_a_store(command: str, documents: Path,
                                                            tmp_path: Path) -> None:
    before = tree(documents)
    out = tmp_path / "out"
    out.mkdir()
    args = [a.format(out=out) for a in COMMANDS[command]]
    code, _, err = cli(*args, "--store", str(documents))
    one_error_line(code, err, "not a dhr-graph store")
    assert tree(documents) == before and siblings(documents) == ["out"]
    assert list(out.iterdir()) == []


def test_a_file_as_store_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "notes"
    target.write_text("keep me\n", encoding="utf-8")
    for args in (["build"], ["stats"]):
        code, _, err = cli(*args, "--store", str(target))
        assert code == 2 and "is a file" in err  # click's own check of --store says so first
    assert target.read_text(encoding="utf-8") == "keep me\n"
    with pytest.raises(StoreError, match="is a file, not a dhr-graph store folder"):
        GraphStore(target).exists()
    with pytest.raises(StoreError, match="is a file"):
        build(None, target)
    assert target.read_text(encoding="utf-8") == "keep me\n"


def test_a_store_carries_its_marker_and_an_older_store_without_it_is_recognised(
        tmp_path: Path, sample_store: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    assert (store / MARKER).is_file()
    (store / MARKER).unlink()  # as stores were written before the marker
    code, _, err = cli("stats", "--store", str(store))
    assert code == 0, err
    code, _, err = cli("build", "--store", str(store), "--quiet")
    assert code == 0, err
    assert (store / MARKER).is_file()


def test_an_empty_folder_becomes_a_store(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    assert build(None, store).committed
    assert GraphStore(store).exists()


def test_symlinked_store_is_written_where_it_really_is(tmp_path: Path) -> None:
    real = tmp_path / "disk2" / "store"
    real.parent.mkdir()
    assert build(None, real).committed
    link = tmp_path / "store"
    link.symlink_to(real, target_is_directory=True)
    (real / "000999.log").write_bytes(b"")  # a file of the old store: gone once the new one is swapped in
    code, _, err = cli("build", "--store", str(link), "--quiet")
    assert code == 0, err
    assert link.is_symlink() and link.resolve() == real.resolve()  # the link is kept as a link
    assert not (real / "000999.log").exists()  # the real store was replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["disk2", "store"]  # no .store.old beside the link
    assert sorted(p.name for p in real.parent.iterdir()) == [".store.lock", "store"]
    assert GraphStore(link).named_graphs() == GraphStore(real).named_graphs()


def test_symlinked_store_is_locked_on_the_real_folder(tmp_path: Path) -> None:
    real = tmp_path / "disk2" / "store"
    real.parent.mkdir()
    assert build(None, real).committed
    link = tmp_path / "store"
    link.symlink_to(real, target_is_directory=True)
    with open(real.with_name(".store.lock"), "a") as held:  # another build writing the real store
        fcntl.flock(held, fcntl.LOCK_EX)
        code, _, err = cli("build", "--store", str(link), "--quiet")
    one_error_line(code, err, "another build is writing this store")


def test_symlink_loop_as_store_is_refused(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    for args in (["build"], ["stats"]):
        code, _, err = cli(*args, "--store", str(loop))
        one_error_line(code, err, "loop")


def test_current_folder_or_empty_variable_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    code, _, err = cli("build", "--store", ".")
    one_error_line(code, err, "current folder")
    for args in (["build"], ["stats"], ["query", "store-stats"]):
        code, _, err = cli(*args, env={"DHR_GRAPH_STORE": ""})
        one_error_line(code, err, "DHR_GRAPH_STORE is set but empty")
    assert list(here.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["here"]


def test_parent_folder_is_refused_and_nothing_left_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    monkeypatch.chdir(inner)
    for store in ("..", "../..", "/"):
        code, _, err = cli("build", "--store", store)
        one_error_line(code, err, "current folder or one of its parents")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a", "b"]  # no staging folder, no lock


def _damage_current(store: Path) -> None:
    (store / "CURRENT").write_text("garbage\n", encoding="utf-8")


def _damage_tables(store: Path) -> None:
    for sst in store.glob("*.sst"):
        data = bytearray(sst.read_bytes())
        for i in range(100, len(data) // 2, 97):
            data[i] ^= 0xFF
        sst.write_bytes(bytes(data))


def _lose_current(store: Path) -> None:
    (store / "CURRENT").unlink()
    (store / MARKER).unlink()  # as a store written before the marker


@pytest.mark.parametrize("damage", [_damage_current, _damage_tables, _lose_current],
                         ids=["CURRENT", "tables", "no-CURRENT"])
def test_damaged_store_is_one_line_for_every_command(damage, tmp_path: Path, sample_store: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    damage(store)
    before = tree(store)
    out = tmp_path / "out"
    out.mkdir()
    for _command, args in [*COMMANDS.items(), ("build", ["build", "--quiet"])]:
        code, _, err = cli(*[a.format(out=out) for a in args], "--store", str(store))
        one_error_line(code, err, "damaged")
    assert tree(store) == before  # nothing "repaired" away
    assert list(out.iterdir()) == []


def test_read_only_parent_folder_is_one_line(tmp_path: Path) -> None:
    """T6: the lock file cannot be made. As root permissions do not apply, so the build runs
    as an unprivileged user (skipped where that is not possible)."""
    parent = tmp_path / "ro"
    parent.mkdir()
    result = run_unprivileged(tmp_path, ["build", "--store", str(parent / "store"), "--quiet"],
                              prepare=lambda: parent.chmod(0o555))
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "cannot write the store here: permission denied" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(parent.iterdir()) == []


def _table_files(store: Path, scratch: Path, compact: bool) -> int:
    """How many table files a copy of the store keeps once opened (which deletes the files a
    finished merge left behind), and compacted by Oxigraph if `compact`."""
    shutil.copytree(store, scratch)
    work = ox.Store(str(scratch))
    if compact:
        work.optimize()
        work.flush()
    del work
    return len(list(scratch.glob("*.sst")))


def test_a_small_build_leaves_a_compacted_store(tmp_path: Path, sample_store: Path) -> None:
    """A build of one page used to leave dozens of overlapping table files that every read merges
    (50 where compaction leaves 41)."""
    as_left = _table_files(sample_store, tmp_path / "a", compact=False)
    assert as_left <= _table_files(sample_store, tmp_path / "b", compact=True)
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    # any write leaves it compacted too; in a process of its own, which closes the database at exit
    done = subprocess.run([sys.executable, "-m", "dhr_graph", "links", "compute", "--store", str(store)],
                          capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    assert done.returncode == 0, done.stderr
    assert _table_files(store, tmp_path / "c", compact=False) <= _table_files(store, tmp_path / "d", compact=True)


def test_readers_never_repair_a_store_a_writer_holds(tmp_path: Path, sample_store: Path) -> None:
    """A store caught between the two renames of a swap: readers read the previous store and
    leave the folders alone (only the writer, under its lock, finishes or undoes the swap)."""
    store = tmp_path / "store"
    old = tmp_path / ".store.old"
    shutil.copytree(sample_store, old)  # as after rename(store -> .store.old), before the second rename
    expected = set(GraphStore(old).quads())
    gs = GraphStore(store)
    assert gs.exists()
    assert set(gs.quads()) == expected
    gs.close()
    assert not store.exists() and old.exists()
    code, _, err = cli("stats", "--store", str(store))
    assert code == 0, err
    assert not store.exists() and old.exists()  # still untouched by the reader
    assert build(None, store).committed  # the writer recovers under its lock
    assert store.exists() and not old.exists()
    assert sorted(os.listdir(tmp_path)) == [".store.lock", "store"]
