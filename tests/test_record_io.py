"""Records a person can correct: parse JSON and CSV into `build`, and curation files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dhr_graph.cli import main
from dhr_graph.curation import Curation
from dhr_graph.errors import InputError
from dhr_graph.parser import parse_page
from dhr_graph.pipeline import Toolkit, build
from dhr_graph.record_io import CSV_COLUMNS, load_records, review_json
from dhr_graph.store import GraphStore

DHR = "https://w3id.org/dhr-graph/def/"
REVIEW = "https://w3id.org/dhr-graph/id/review/southampton-2020"
GRAPH = "https://w3id.org/dhr-graph/id/graph/review/southampton-2020"
HOME_OFFICE = "https://w3id.org/dhr-graph/registry/agency/home-office"


@pytest.fixture()
def pinned_time(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


def review_quads(store: Path) -> set[str]:
    gs = GraphStore(store)
    try:
        return {str(q) for q in gs.quads(GRAPH)}
    finally:
        gs.close()


def sample_json(sample_page: Path, path: Path) -> list[dict]:
    data = [review_json(parse_page(sample_page))]
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    return data


def addressees(store: Path, number: str, review: str = REVIEW) -> dict[str, tuple[str, str]]:
    """Surface form -> (addressee IRI, resolution method) of one recommendation of a review."""
    gs = GraphStore(store)
    try:
        rows = gs.query(f"SELECT ?s ?a ?m WHERE {{ <{review}> <{DHR}recommendation> ?r . "
                        f"?r <{DHR}number> \"{number}\" ; <{DHR}addressing> ?n . "
                        f"?n <{DHR}surfaceForm> ?s ; <{DHR}addressee> ?a ; <{DHR}resolutionMethod> ?m }}")
        return {row["s"].value: (row["a"].value, row["m"].value) for row in rows}
    finally:
        gs.close()


def test_parse_json_build_round_trip_gives_the_same_graph(tmp_path, toolkit, sample_page, pinned_time):
    build([sample_page], tmp_path / "from-page", toolkit=toolkit)
    sample_json(sample_page, tmp_path / "records.json")
    report = build([tmp_path / "records.json"], tmp_path / "from-json", toolkit=toolkit)
    assert [p.status for p in report.pages] == ["landed"]
    page, records = review_quads(tmp_path / "from-page"), review_quads(tmp_path / "from-json")
    extra = records - page
    assert page - records == set()
    # the one addition says the graph was built from a records file, not straight from its page
    assert len(extra) == 1 and f"<{DHR}recordFile> \"records.json\"" in extra.pop()


def test_a_corrected_record_replaces_its_review_under_the_same_iri(tmp_path, toolkit, sample_page):
    store = tmp_path / "store"
    build([sample_page], store, toolkit=toolkit)
    data = sample_json(sample_page, tmp_path / "fixed.json")
    rec = next(r for r in data[0]["recommendations"] if r["number"] == "9.14")
    rec["addressed_to"] = ["Home Office"]  # was: Southampton Safe City Partnership | Home Office
    (tmp_path / "fixed.json").write_text(json.dumps(data), encoding="utf-8")
    report = build([tmp_path / "fixed.json"], store, toolkit=toolkit)
    assert [p.status for p in report.pages] == ["landed"]
    assert addressees(store, "9.14") == {"Home Office": (HOME_OFFICE, "exact")}
    gs = GraphStore(store)
    assert [g for g in gs.named_graphs() if "/graph/review/" in g] == [GRAPH]


def test_a_json_record_with_a_bad_field_is_reported_with_its_path(tmp_path, toolkit, sample_page):
    data = sample_json(sample_page, tmp_path / "r.json")
    bad = json.loads(json.dumps(data[0]))
    bad.update(key=None, file="other.txt", sha256=None)
    bad["recommendations"][3]["addressed_to"] = "Home Office"  # a string, not a list
    (tmp_path / "r.json").write_text(json.dumps([data[0], bad]), encoding="utf-8")
    report = build([tmp_path / "r.json"], tmp_path / "store", toolkit=toolkit)
    statuses = sorted(p.status for p in report.pages)
    assert statuses == ["error", "landed"] and report.committed
    failed = report.failed[0].messages[0]
    assert failed.startswith(f"{tmp_path / 'r.json'}: [1].recommendations[3].addressed_to: expected a list")


@pytest.mark.parametrize("change, path", [
    ({"published": "June 2025"}, "[0].published"),
    ({"year_of_death": "2020"}, "[0].year_of_death"),
    ({"csp": ""}, "[0].csp"),
    ({"colour": "red"}, "[0].colour"),
    ({"key": "something-else"}, "[0].key"),
    ({"recommendations": []}, "[0].recommendations"),
])
def test_bad_fields_name_their_path(tmp_path, sample_page, change, path):
    data = sample_json(sample_page, tmp_path / "r.json")
    data[0].update(change)
    (tmp_path / "r.json").write_text(json.dumps(data), encoding="utf-8")
    loaded = load_records(tmp_path / "r.json")
    assert not loaded.reviews and len(loaded.errors) == 1
    assert f"r.json: {path}: " in loaded.errors[0]


def test_invalid_json_is_one_line_with_its_line_number(tmp_path):
    (tmp_path / "r.json").write_text('[\n  {"csp": "X",\n  oops\n]', encoding="utf-8")
    with pytest.raises(InputError, match=r"r.json:3: not valid JSON"):
        load_records(tmp_path / "r.json")


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def sample_csv_rows(sample_page: Path) -> list[dict[str, str]]:
    review = parse_page(sample_page)
    rows = [{"row": "review", "review": "southampton-2020", "csp": review.csp, "published": review.published,
             "year_of_death": str(review.year_of_death), "title": review.title or ""}]
    rows += [{"row": "recommendation", "review": "southampton-2020", "number": r.number, "text": r.text,
              "addressed_to": " | ".join(r.addressed_to)} for r in review.recommendations]
    return rows


def test_csv_rows_build_the_review_under_the_pages_iri(tmp_path, toolkit, sample_page):
    write_csv(tmp_path / "r.csv", sample_csv_rows(sample_page))
    build([sample_page], tmp_path / "page", toolkit=toolkit)
    report = build([tmp_path / "r.csv"], tmp_path / "csv", toolkit=toolkit)
    assert [p.status for p in report.pages] == ["landed"]
    assert addressees(tmp_path / "csv", "9.3") == addressees(tmp_path / "page", "9.3")
    gs = GraphStore(tmp_path / "csv")
    n = gs.query(f"SELECT (COUNT(?r) AS ?n) WHERE {{ <{REVIEW}> <{DHR}recommendation> ?r }}")
    assert int(next(iter(n))["n"].value) == 18


def test_a_malformed_csv_row_is_reported_with_its_line_while_good_rows_import(tmp_path, toolkit, sample_page):
    rows = sample_csv_rows(sample_page)
    rows[3]["number"] = ""  # line 5 of the file (header, review row, two recommendations before it)
    rows[5]["row"] = "recomendation"  # line 7
    write_csv(tmp_path / "r.csv", rows)
    text = (tmp_path / "r.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    text[9] = text[9].rstrip("\r\n") + ",an extra cell\r\n"  # line 10
    (tmp_path / "r.csv").write_text("".join(text), encoding="utf-8")
    report = build([tmp_path / "r.csv"], tmp_path / "store", toolkit=toolkit)
    assert report.committed and len(report.landed) == 1
    errors = [m for p in report.failed for m in p.messages]
    name = str(tmp_path / "r.csv")
    assert [e.split(": ", 1)[0] for e in errors] == [f"{name}:5", f"{name}:7", f"{name}:10"]
    assert "empty 'number'" in errors[0] and "'recomendation'" in errors[1] and "more cell" in errors[2]
    gs = GraphStore(tmp_path / "store")
    n = gs.query(f"SELECT (COUNT(?r) AS ?n) WHERE {{ <{REVIEW}> <{DHR}recommendation> ?r }}")
    assert int(next(iter(n))["n"].value) == 15


def test_csv_without_the_row_column_is_refused(tmp_path):
    (tmp_path / "r.csv").write_text("review,csp\nx,Y\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"r.csv:1: no 'row' column"):
        load_records(tmp_path / "r.csv")


def test_curation_csv_pins_a_name_in_one_review(tmp_path, sample_page, sample_text):
    other = tmp_path / "other.txt"
    other.write_text(sample_text.replace("Advice to be sought", "Advice (another review) to be sought"),
                     encoding="utf-8")
    (tmp_path / "pins.csv").write_text(
        "review,surface,agency\n"
        f"southampton-2020,Southampton Safe City Partnership,{HOME_OFFICE}\n"
        "southampton-2020,Home Office,Southampton Domestic Abuse Hub\n", encoding="utf-8")
    toolkit = Toolkit.load(curation_files=[tmp_path / "pins.csv"])
    build([sample_page, other], tmp_path / "store", toolkit=toolkit)
    found = addressees(tmp_path / "store", "9.14", REVIEW)
    assert found["Southampton Safe City Partnership"] == (HOME_OFFICE, "curated")
    iri, method = found["Home Office"]
    assert method == "curated" and iri.endswith("/agency/southampton/southampton-domestic-abuse-hub")
    # every time the name is written in that review, and only in that review
    assert addressees(tmp_path / "store", "9.1", REVIEW) == {"Home Office": (iri, "curated")}
    other_review = REVIEW.replace("southampton-2020", "other")
    assert addressees(tmp_path / "store", "9.1", other_review) == {"Home Office": (HOME_OFFICE, "exact")}
    assert not toolkit.curation.unused()


def test_curation_turtle_and_its_errors(tmp_path, sample_page):
    (tmp_path / "pins.ttl").write_text(f"""
@prefix dhr: <{DHR}> .
[] a dhr:Curation ; dhr:curatedReview "southampton-2020" ; dhr:surfaceForm "Integrated Care Board" ;
   dhr:addressee <{HOME_OFFICE}> .
[] a dhr:Curation ; dhr:curatedReview "another-review" ; dhr:surfaceForm "Home Office" ;
   dhr:curatedName "Home Office" .
""", encoding="utf-8")
    toolkit = Toolkit.load(curation_files=[tmp_path / "pins.ttl"])
    build([sample_page], tmp_path / "store", toolkit=toolkit)
    assert addressees(tmp_path / "store", "9.16") == {"Integrated Care Board": (HOME_OFFICE, "curated")}
    assert [p.review for p in toolkit.curation.unused()] == ["another-review"]

    (tmp_path / "bad.csv").write_text("review,surface,agency\nsouthampton-2020,Home Office,"
                                      "https://w3id.org/dhr-graph/registry/agency/no-such-body\n")
    with pytest.raises(InputError, match=r"bad.csv:2: .*no-such-body is not in the agency registry"):
        Toolkit.load(curation_files=[tmp_path / "bad.csv"])  # refused before anything is built
    (tmp_path / "bad2.csv").write_text("review,surface,agency\nSouthampton 2020,Home Office,Home Office\n")
    with pytest.raises(InputError, match=r"bad2.csv:2: 'review' must be a review key"):
        Curation.load([tmp_path / "bad2.csv"])


def test_cli_build_from_json_and_curation(tmp_path, sample_page):
    runner = CliRunner()
    parsed = runner.invoke(main, ["parse", str(sample_page), "--format", "json"], catch_exceptions=False)
    data = json.loads(parsed.stdout)
    assert data[0]["key"] == "southampton-2020" and data[0]["key_rule"] == "file"
    data[0]["recommendations"][0]["addressed_to"] = 7
    (tmp_path / "r.json").write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(main, ["build", str(tmp_path / "r.json"), "--store", str(tmp_path / "s")],
                           catch_exceptions=False)
    assert result.exit_code == 2  # its only record was left out: nothing landed
    assert "r.json: [0].recommendations[0].addressed_to: expected a list of non-empty names; record left out" \
        in result.stderr
    assert "Traceback" not in result.output
    (tmp_path / "pins.csv").write_text("review,surface,agency\nsouthampton-2020,Nobody,Home Office\n")
    result = runner.invoke(main, ["build", str(sample_page), "--store", str(tmp_path / "s"),
                                  "--curation", str(tmp_path / "pins.csv")], catch_exceptions=False)
    assert result.exit_code == 0
    assert "pins.csv:2: 'Nobody' was not found in review 'southampton-2020'" in result.stderr


def test_parse_csv_build_gives_the_pages_review(tmp_path, toolkit, sample_page, pinned_time):
    runner = CliRunner()
    parsed = runner.invoke(main, ["parse", str(sample_page), "--format", "csv"], catch_exceptions=False)
    assert parsed.exit_code == 0 and parsed.stdout.startswith(",".join(CSV_COLUMNS) + "\n")
    (tmp_path / "r.csv").write_text(parsed.stdout, encoding="utf-8")
    build([sample_page], tmp_path / "page", toolkit=toolkit)
    report = build([tmp_path / "r.csv"], tmp_path / "csv", toolkit=toolkit)
    assert [p.status for p in report.pages] == ["landed"]
    # the same review under the same IRI; provenance names the CSV instead of the page
    differ = review_quads(tmp_path / "page") ^ review_quads(tmp_path / "csv")
    assert all(f"<{GRAPH}> <{DHR}" in q and ("sourceFile" in q or "sourceChecksum" in q or "recordFile" in q)
               for q in differ), differ


def test_a_record_that_disagrees_with_its_extracted_count_warns(tmp_path, toolkit, sample_page):
    data = sample_json(sample_page, tmp_path / "r.json")
    data[0]["recommendations"].pop()
    (tmp_path / "r.json").write_text(json.dumps(data), encoding="utf-8")
    report = build([tmp_path / "r.json"], tmp_path / "store", toolkit=toolkit)
    assert report.pages[0].status == "landed"
    assert any(m.startswith("warning: ") and "says extracted_count 18 but has 17" in m for m in report.pages[0].messages)
    strict = build([tmp_path / "r.json"], tmp_path / "strict", toolkit=toolkit, strict=True)
    assert strict.pages[0].status == "error" and not strict.committed
    assert strict.pages[0].messages[0].endswith("(--strict)")
