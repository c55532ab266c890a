"""Exports never write over what is not an output file, and never leave a stale description.

Each test here is a case of issue 20 that failed before outputs.py: a device or pipe replaced
by a regular file, the store's own files overwritten, a private file made world-readable, an
old `.void.ttl` left beside a new export, and tracebacks for unwritable locations.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from dhr_graph import outputs
from dhr_graph.cli import main
from dhr_graph.errors import OutputError
from dhr_graph.rdfexport import export_rdf, void_path
from dhr_graph.networkfiles import csv_paths, write_graph
from dhr_graph.projections import project

from .export_support import build_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    return build_store(tmp_path_factory.mktemp("safety") / "store")


def _export(store, *args: str):
    return CliRunner().invoke(main, ["export", "--store", str(store.path), *args])


def _one_line_error(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture
def null_device(tmp_path: Path) -> Path:
    """A character device to export to. As root, a private copy of /dev/null made in the
    test's folder, so that an export which wrongly replaced it could not break the machine's
    /dev/null; otherwise /dev/null itself, which such a user cannot replace."""
    if os.geteuid() != 0:
        return Path("/dev/null")
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        with open(device, "wb"):
            pass
    except OSError as exc:
        pytest.skip(f"cannot make a private null device here: {exc}")
    return device


def test_export_to_a_null_device_keeps_the_device(store, null_device: Path) -> None:
    result = _export(store, "--format", "nt", "-o", str(null_device))
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.stat(null_device).st_mode), "the device was replaced by a regular file"
    assert "not described: a stream" in result.stdout
    assert not void_path(null_device).exists()


def test_export_to_a_named_pipe_writes_into_it(store, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as handle:
            received.append(handle.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    result = _export(store, "--format", "nt", "-o", str(fifo))
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.stat(fifo).st_mode), "the pipe was replaced by a regular file"
    assert received and received[0].count(b" .\n") == int(result.stdout.split()[1])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


@pytest.mark.parametrize("inside", ["CURRENT", "new.ttl", "sub/dir/x.ttl"])
def test_export_inside_the_store_is_refused(store, inside: str) -> None:
    target = store.path / inside
    before = {p.name: p.read_bytes() for p in store.path.iterdir() if p.is_file()}
    result = _export(store, "--format", "nt", "-o", str(target))
    _one_line_error(result, str(target), "inside the store folder")
    after = {p.name: p.read_bytes() for p in store.path.iterdir() if p.is_file()}
    assert after == before
    assert not (store.path / "sub").exists()
    assert len(store) > 0  # still opens


def test_export_keeps_an_existing_files_mode(store, tmp_path: Path) -> None:
    out = tmp_path / "private.trig"
    out.write_text("old")
    out.chmod(0o600)
    void_path(out).write_text("old")
    void_path(out).chmod(0o640)
    export_rdf(store, out, "trig")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert stat.S_IMODE(void_path(out).stat().st_mode) == 0o640
    assert out.read_text() != "old"


def test_a_new_export_follows_the_umask(store, tmp_path: Path) -> None:
    out = tmp_path / "new.trig"
    export_rdf(store, out, "trig")
    mask = os.umask(0o022)  # the test, not the library, reads the umask
    os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask


def test_export_through_a_symlink_replaces_its_target(store, tmp_path: Path) -> None:
    real = tmp_path / "disk2" / "dhr.nt"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "dhr.nt"
    link.symlink_to(real)
    export_rdf(store, link, "nt", describe=False)
    assert link.is_symlink()
    assert real.read_text() != "old"


def _fail_on_rename_of(monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    """Interrupt the export when it renames the file ending in `suffix` into place."""
    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        if str(dst).endswith(suffix):
            raise KeyboardInterrupt
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(outputs.os, "replace", replace)


def test_interrupted_export_never_leaves_a_stale_description(store, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "dhr.nt"
    out.write_text("old export\n")
    void_path(out).write_text("# describes the old export\n")
    _fail_on_rename_of(monkeypatch, ".void.ttl")
    with pytest.raises(KeyboardInterrupt):
        export_rdf(store, out, "nt")
    # the new export is in place; the old description is gone, not left describing it
    assert out.read_text() != "old export\n"
    assert not void_path(out).exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_export_failing_before_any_rename_changes_nothing(store, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from dhr_graph import void

    out = tmp_path / "dhr.nt"
    out.write_text("old export\n")
    void_path(out).write_text("# describes the old export\n")

    def broken(*args, **kwargs):
        raise RuntimeError("description failed")

    monkeypatch.setattr(void, "describe", broken)
    with pytest.raises(RuntimeError):
        export_rdf(store, out, "nt")
    assert out.read_text() == "old export\n"
    assert void_path(out).read_text() == "# describes the old export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dhr.nt", "dhr.nt.void.ttl"]


def test_description_gives_the_size_of_the_new_file(store, tmp_path: Path) -> None:
    out = tmp_path / "dhr.nt"
    out.write_text("an old export much longer than nothing\n" * 1000)
    export_rdf(store, out, "nt")
    assert f'"{out.stat().st_size}"^^xsd:nonNegativeInteger' in void_path(out).read_text()


def test_csv_node_and_edge_lists_are_replaced_together(store, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    nodes, edges = csv_paths(tmp_path / "net.csv")
    nodes.write_text("old nodes\n")
    edges.write_text("old edges\n")
    _fail_on_rename_of(monkeypatch, "-edges.csv")
    with pytest.raises(KeyboardInterrupt):
        write_graph(project(store, "agency-coaddress"), tmp_path / "net.csv", "csv")
    assert nodes.read_text() != "old nodes\n"
    assert not edges.exists()


def test_export_into_a_file_as_folder_is_one_line(store, tmp_path: Path) -> None:
    blocker = tmp_path / "report.txt"
    blocker.write_text("not a folder")
    result = _export(store, "--format", "nt", "-o", str(blocker / "dhr.nt"))
    _one_line_error(result, str(blocker / "dhr.nt"))
    assert blocker.read_text() == "not a folder"


def test_export_into_an_unwritable_location_is_one_line(store, tmp_path: Path) -> None:
    # /proc refuses new files even to root, so this holds whoever runs the tests
    target = Path("/proc/self/dhr-graph-test/dhr.nt")
    result = _export(store, "--format", "nt", "-o", str(target))
    _one_line_error(result, str(target))


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in a read-only folder")
def test_export_into_a_read_only_folder_is_one_line(store, tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        result = _export(store, "--format", "nt", "-o", str(folder / "dhr.nt"))
        _one_line_error(result, str(folder / "dhr.nt"))
    finally:
        folder.chmod(0o700)


def test_failed_export_removes_the_folders_it_made(store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dhr_graph import ntriples

    def broken(*args, **kwargs):
        raise OSError("disk full")

    # the store is read graph by graph: directly for the graph formats, through the union for
    # the triple formats
    monkeypatch.setattr(ntriples, "graph_bytes", broken)
    with pytest.raises(OutputError, match="disk full"):
        export_rdf(store, tmp_path / "a" / "b" / "dhr.nt", "nt")
    assert list(tmp_path.iterdir()) == []


def test_export_over_a_directory_or_socket_is_refused(store, tmp_path: Path) -> None:
    import socket

    sock_path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        with pytest.raises(OutputError, match="refusing to write over a socket"):
            export_rdf(store, sock_path, "nt")
    assert stat.S_ISSOCK(os.stat(sock_path).st_mode)
    with pytest.raises(OutputError, match="refusing to write over a directory"):
        export_rdf(store, tmp_path, "nt")


def test_a_publish_url_with_a_secret_is_not_written_into_the_description(store, tmp_path: Path) -> None:
    out = tmp_path / "dhr.nt"
    result = _export(store, "--format", "nt", "-o", str(out), "--publish-url",
                     "https://alice:pw123@data.example.org/dhr/?token=abc123")
    _one_line_error(result, "publish URL", "https://***@data.example.org/dhr/?token=***")
    assert "pw123" not in result.output and "abc123" not in result.output
    assert list(tmp_path.iterdir()) == []
    ok = _export(store, "--format", "nt", "-o", str(out), "--publish-url", "https://data.example.org/dhr/")
    assert ok.exit_code == 0, ok.output
    assert "https://data.example.org/dhr/dhr.nt" in void_path(out).read_text()


def test_export_to_standard_output(sample_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`-o -` writes the export to standard output, and no file named '-' (or its description)."""
    from click.testing import CliRunner

    from dhr_graph.cli import main

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["export", "--store", str(sample_store), "--format", "nq", "-o", "-"])
    assert result.exit_code == 0, result.output
    quads = list(ox.parse(result.stdout_bytes, format=ox.RdfFormat.N_QUADS))
    assert len(quads) > 1000 and f"wrote {len(quads)} statements to standard output" in result.stderr
    assert list(tmp_path.iterdir()) == []
    csv = CliRunner().invoke(main, ["export", "--store", str(sample_store), "--format", "csv", "-o", "-"])
    assert csv.exit_code == 2 and "two files" in csv.stderr
