"""Result formats: every format renders awkward values faithfully and parses back."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox
import pytest

from dhr_graph.resultformats import RESULT_FORMATS, as_json, render
from dhr_graph.queries import QueryResult, run_named

XSD = "http://www.w3.org/2001/XMLSchema#"
AWKWARD = 'He said "no", then | left;\tnext\nline'

RESULT = QueryResult(
    variables=["agency", "label", "count", "note", "node"],
    rows=[
        {"agency": ox.NamedNode("https://example.org/agency/a"), "label": ox.Literal("Home Office", language="en"),
         "count": ox.Literal("12", datatype=ox.NamedNode(XSD + "integer")), "note": ox.Literal(AWKWARD),
         "node": ox.BlankNode("b0")},
        {"agency": ox.NamedNode("https://example.org/agency/b"), "label": ox.Literal("Kent Police"),
         "count": ox.Literal("3", datatype=ox.NamedNode(XSD + "integer"))},
    ],
)
PLAIN = [
    ["https://example.org/agency/a", "Home Office", "12", AWKWARD, "b0"],
    ["https://example.org/agency/b", "Kent Police", "3", "", ""],
]


def check_sparql_json(doc: dict) -> None:
    """The structure of the SPARQL 1.1 Query Results JSON Format (W3C Recommendation, section 3)."""
    assert set(doc) <= {"head", "results", "boolean"}
    assert isinstance(doc["head"], dict)
    if "boolean" in doc:
        assert isinstance(doc["boolean"], bool) and "results" not in doc
        return
    variables = doc["head"]["vars"]
    assert isinstance(variables, list) and all(isinstance(v, str) and not v.startswith("?") for v in variables)
    assert set(doc["head"]) <= {"vars", "link"}
    bindings = doc["results"]["bindings"]
    assert isinstance(bindings, list)
    for binding in bindings:
        assert set(binding) <= set(variables)
        for term in binding.values():
            assert term["type"] in {"uri", "literal", "bnode"}
            assert isinstance(term["value"], str)
            assert set(term) <= {"type", "value", "xml:lang", "datatype"}
            assert not ("xml:lang" in term and "datatype" in term)
            if term["type"] != "literal":
                assert set(term) == {"type", "value"}


def test_json_is_sparql_results_json():
    doc = json.loads(as_json(RESULT))
    check_sparql_json(doc)
    assert doc["head"]["vars"] == RESULT.variables
    first, second = doc["results"]["bindings"]
    assert first["agency"] == {"type": "uri", "value": "https://example.org/agency/a"}
    assert first["label"] == {"type": "literal", "value": "Home Office", "xml:lang": "en"}
    assert first["count"] == {"type": "literal", "value": "12", "datatype": XSD + "integer"}
    assert first["note"] == {"type": "literal", "value": AWKWARD}  # xsd:string is left implicit
    assert first["node"] == {"type": "bnode", "value": "b0"}
    assert set(second) == {"agency", "label", "count"}  # unbound variables are absent


def test_json_boolean():
    doc = json.loads(render(QueryResult(variables=["result"], boolean=True), "json"))
    check_sparql_json(doc)
    assert doc["boolean"] is True


def test_csv_parses_back():
    rows = list(csv.reader(io.StringIO(render(RESULT, "csv"))))
    assert rows == [RESULT.variables, *PLAIN]


def test_tsv_parses_back():
    lines = render(RESULT, "tsv").splitlines()
    assert len(lines) == 3
    rows = [line.split("\t") for line in lines]
    assert rows[0] == RESULT.variables
    flat = [[" ".join(cell.split()) for cell in row] for row in PLAIN]  # tabs and breaks become spaces
    assert rows[1:] == flat
    assert list(csv.reader(io.StringIO(render(RESULT, "tsv")), delimiter="\t", quoting=csv.QUOTE_NONE)) == rows


def test_markdown_table():
    lines = render(RESULT, "md").splitlines()
    assert lines[0] == "| agency | label | count | note | node |"
    assert lines[1] == "|---|---|---|---|---|"
    assert len(lines) == 4
    for line in lines[2:]:
        cells = [c for c in line.replace("\\|", "").split("|")][1:-1]
        assert len(cells) == 5  # an escaped | inside a value does not make a new column
    assert "\\|" in lines[2]


def test_table_is_aligned():
    lines = render(RESULT, "table").splitlines()
    assert lines[-1] == "(2 rows)"
    header, rule, *body = lines[:-1]
    starts = [i for i, c in enumerate(rule) if c == "-" and (i == 0 or rule[i - 1] == " ")]
    assert len(starts) == 5 and len(body) == 2
    assert header.split() == RESULT.variables
    for column, start in enumerate(starts[:3]):
        assert header[start:].startswith(RESULT.variables[column])
    assert body[0][starts[1]:].startswith("Home Office")
    assert body[0][:starts[3]].rstrip().endswith("12") and body[1][:starts[3]].rstrip().endswith("3")  # numbers right


@pytest.mark.parametrize("fmt", RESULT_FORMATS)
def test_every_format_on_a_real_query(sample_store, fmt):
    result = run_named(sample_store, "shared-agencies")
    text = render(result, fmt)
    assert text.endswith("\n")
    assert "Southern Health NHS Foundation Trust" in text
    if fmt == "json":
        check_sparql_json(json.loads(text))
    if fmt in ("csv", "tsv"):
        rows = list(csv.reader(io.StringIO(text), delimiter="," if fmt == "csv" else "\t"))
        assert rows[0] == result.variables and len(rows) == len(result) + 1


def test_unknown_format():
    with pytest.raises(ValueError, match="unknown result format"):
        render(RESULT, "xml")
