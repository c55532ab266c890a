"""Defects an adversarial run of the merged toolkit found, each kept fixed by a test: secrets in
malformed URLs, non-http publish URLs, case rows cut short, pages that are not regular files in a
folder, FIFOs given to validate and load, `validate -o -`, and serve on another loopback address."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from dhr_graph.cases import read_incidents
from dhr_graph.cli import main
from dhr_graph.netsafe import redact_url

SECRET = "s3cretPW"


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("url", [f"user:{SECRET}@127.0.0.1/x", f"http:/user:{SECRET}@127.0.0.1:1/x",
                                 f"http:user:{SECRET}@127.0.0.1:1/x", f"ftp://user:{SECRET}@h/x"])
def test_a_malformed_url_never_shows_its_password(url: str, sample_store: Path) -> None:
    assert SECRET not in redact_url(url) and "user" not in redact_url(url)
    for args in (["publish", "--store", str(sample_store), "--to", url],
                 ["query", "store-stats", "--endpoint", url]):
        code, out, err = cli(*args)
        assert code == 2 and SECRET not in out + err and len(err.strip().splitlines()) == 1, err


def test_a_publish_url_in_a_description_must_be_http(sample_store: Path, tmp_path: Path) -> None:
    code, _, err = cli("export", "--store", str(sample_store), "--format", "ttl", "-o", str(tmp_path / "x.ttl"),
                       "--publish-url", f"user:{SECRET}@example.org/x")
    assert code == 2 and SECRET not in err and list(tmp_path.iterdir()) == []


def test_a_case_row_cut_short_is_reported_not_read_as_nothing_recorded(tmp_path: Path) -> None:
    from dhr_graph.cases import Flags

    header = ["incident_id", "csp", "region", "death_date", *Flags.load().columns]
    path = tmp_path / "i.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerow(["T-1", "Testshire", "East", "2019", *["False"] * (len(header) - 4)])
        handle.write("T-2,Testshire\n")  # a download that stopped mid-row
    loaded = read_incidents(path)
    assert [c.incident_id for c in loaded.cases] == ["T-1"]
    assert loaded.errors and loaded.errors[0].startswith(f"{path}:3") and "fewer cells" in loaded.errors[0]


def test_a_folder_page_that_is_not_a_regular_file_is_reported(tmp_path: Path, sample_page: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    shutil.copy(sample_page, pages / "good.txt")
    (pages / "dangling.txt").symlink_to(tmp_path / "nowhere")
    os.mkfifo(pages / "pipe.txt")
    code, _, err = cli("build", str(pages), "--store", str(tmp_path / "store"), "--quiet")
    assert code == 1
    assert "dangling.txt: no such file" in err and "pipe.txt: not a regular file" in err


def test_validate_and_load_refuse_a_fifo_without_waiting(tmp_path: Path, sample_store: Path) -> None:
    fifo = tmp_path / "data.ttl"
    os.mkfifo(fifo)
    shapes = Path(__file__).resolve().parent.parent / "shapes" / "dhr-shapes.ttl"
    for args in (["validate", "--data", str(fifo), "--shapes", str(shapes)],
                 ["load", str(fifo), "--graph", "https://example.org/g", "--store", str(sample_store)]):
        code, _, err = cli(*args)  # would block for ever if the FIFO were opened
        assert code == 2 and "not a regular file" in err


def test_validate_dash_is_standard_output(sample_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli("validate", "--store", str(sample_store), "--format", "json", "-o", "-")
    assert code == 0 and out.lstrip().startswith(("{", "[")) and list(tmp_path.iterdir()) == []
    code, _, err = cli("validate", "--store", str(sample_store), "-o", str(tmp_path / "report.txt"))
    assert code == 0 and "wrote the report to" in err and (tmp_path / "report.txt").stat().st_size > 0


def test_serve_on_another_loopback_address_answers_its_own_name() -> None:
    from dhr_graph.server.app import _loopback_address

    assert _loopback_address("127.0.0.2") and _loopback_address("::1")
    assert not _loopback_address("rebound.example") and not _loopback_address(None)
