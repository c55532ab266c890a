"""The CLI end to end, through the installed entry point's click group."""

from __future__ import annotations

import csv
import io
import json

import click
import pytest
from click.testing import CliRunner

from dhr_graph.cli import main

from .conftest import PARSER_DATA


@pytest.fixture()
def cli():
    runner = CliRunner()

    def invoke(*args: str, **kwargs):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False, **kwargs)

    return invoke


def _leaf_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name in group.list_commands(None):
        command = group.get_command(None, name)
        if isinstance(command, click.Group):
            yield from _leaf_commands(command, (*prefix, name))
        else:
            yield (*prefix, name)


def test_every_command_has_help_with_an_example(cli):
    leaves = list(_leaf_commands(main))
    assert ("build",) in leaves and ("agencies", "resolve") in leaves
    for path in leaves:
        result = cli(*path, "--help")
        assert result.exit_code == 0, path
        assert "Example" in result.output, f"{' '.join(path)} --help has no example"


def test_parse_json_contract(cli, sample_page):
    result = cli("parse", sample_page, PARSER_DATA / "synthetic-one-line-header.txt", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [d["csp"] for d in data] == ["Southampton", "Northvale"]
    assert data[0]["published"] == "2025-06" and data[0]["year_of_death"] == 2020
    assert data[1]["extracted_count"] == 3
    assert [r["number"] for r in data[1]["recommendations"]] == ["1", "2", "10"]
    assert data[0]["recommendations"][10]["addressed_to"] == [
        "Better Care Board (Health and Wellbeing Board)", "4LSAB"]


def test_parse_strict_turns_count_mismatch_into_error(cli, tmp_path, sample_text):
    page = tmp_path / "p.txt"
    page.write_text(sample_text.replace("Extracted: 18 recs", "Extracted: 17 recs"), encoding="utf-8")
    lenient = cli("parse", page, "--format", "json")
    assert lenient.exit_code == 0 and "warning:" in lenient.stderr
    strict = cli("parse", page, "--format", "json", "--strict")
    assert strict.exit_code == 1
    assert "p.txt: page says 'Extracted: 17 recs' but the table has 18" in strict.stderr


def test_parse_bad_file_one_line_no_traceback(cli, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    result = cli("parse", bad, tmp_path / "nope.txt")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("dhr-graph: ") for line in lines)
    assert "Traceback" not in result.output


def test_build_query_stats_export(cli, tmp_path):
    store = tmp_path / "store"
    built = cli("build", "--store", store)
    assert built.exit_code == 0, built.output
    assert "1 of 1 pages landed" in built.stdout

    table = cli("query", "shared-agencies", "--store", store)
    assert table.exit_code == 0
    assert table.stdout.splitlines()[0].split()[:3] == ["label", "recommendations", "reviews"]

    rows = list(csv.DictReader(io.StringIO(cli("query", "shared-agencies", "--store", store,
                                                "--format", "csv").stdout)))
    counts = {r["label"]: int(r["recommendations"]) for r in rows}
    assert counts["Southern Health NHS Foundation Trust"] == 6
    assert all(c >= 2 for c in counts.values())

    fewer = cli("query", "shared-agencies", "--store", store, "--param", "min=6", "--format", "json")
    bindings = json.loads(fewer.stdout)["results"]["bindings"]
    assert [b["label"]["value"] for b in bindings] == ["Southern Health NHS Foundation Trust"]

    stats = cli("stats", "--store", store)
    assert stats.exit_code == 0
    assert any(line.split()[:1] == ["reviews"] and line.split()[-1] == "1" for line in stats.stdout.splitlines())

    out = tmp_path / "out" / "dhr.trig"
    exported = cli("export", "--store", store, "--format", "trig", "-o", out)
    assert exported.exit_code == 0 and out.stat().st_size > 1000


def test_query_from_stdin(cli, sample_store):
    result = cli("query", "-", "--store", sample_store, "--format", "csv",
                 input="PREFIX dhr: <https://w3id.org/dhr-graph/def/>\n"
                       "SELECT (COUNT(?r) AS ?n) WHERE { ?r a dhr:Recommendation }")
    assert result.stdout.splitlines() == ["n", "18"]


def test_query_errors_exit_2_with_one_line(cli, sample_store, tmp_path):
    unknown = cli("query", "no-such-query", "--store", sample_store)
    assert unknown.exit_code == 2 and "unknown query 'no-such-query'" in unknown.stderr
    broken = tmp_path / "broken.rq"
    broken.write_text("SELECT ?x WHERE { ?x ?p }")
    syntax = cli("query", broken, "--store", sample_store)
    assert syntax.exit_code == 2
    assert "SPARQL syntax error" in syntax.stderr and len(syntax.stderr.strip().splitlines()) == 1
    missing = cli("query", "shared-agencies", "--store", tmp_path / "nowhere")
    assert missing.exit_code == 2 and "no dhr-graph store here" in missing.stderr


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0 and "dhr-graph" in result.stdout


def test_stats_rows_in_a_fixed_order_and_any_format(cli, sample_store) -> None:
    table = cli("stats", "--store", sample_store)
    assert table.exit_code == 0
    whats = [line.split("  ")[0].strip() for line in table.stdout.splitlines()[2:-1]]
    assert whats == ["reviews", "recommendations", "agencies addressed", "groups addressed", "themes used",
                     "partnerships", "cases", "reviews joined to a case", "named graphs", "quads (triples x graphs)"]
    rows = list(csv.DictReader(io.StringIO(cli("stats", "--store", sample_store, "--format", "csv").stdout)))
    counts = {r["what"]: int(r["count"]) for r in rows}
    assert counts["reviews"] == 1 and counts["recommendations"] == 18
    assert counts["quads (triples x graphs)"] > counts["recommendations"]


def test_wide_tables_keep_whole_cells(cli, sample_store) -> None:
    args = ("query", "agency-recommendations", "--store", sample_store, "--param", "agency=Home Office")
    cut, whole = cli(*args).stdout, cli(*args, "--wide").stdout
    assert "…" in cut and "…" not in whole
    assert max(map(len, whole.splitlines())) > max(map(len, cut.splitlines()))
