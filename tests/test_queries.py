"""The named query library, checked row by row on a small corpus whose answers are known.

The corpus is the bundled Southampton page plus three SYNTHETIC pages (tests/data/query-corpus)
written so that every count is known by construction: Kent Police, the Home Office and the
Ministry of Justice are registered bodies addressed across partnerships; Wrenfield Borough
Council is a local body addressed by two reviews of the same partnership; "All agencies" is a
group and never counts as an agency.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from dhr_graph import resources
from dhr_graph.cli import main
from dhr_graph.errors import QueryError
from dhr_graph.pipeline import build
from dhr_graph.queries import (
    PARAM_TYPES,
    check_syntax,
    get_query,
    library,
    parse_query_text,
    run,
    run_named,
)
from dhr_graph.store import GraphStore

from .export_support import store_from_trig

CORPUS = Path(__file__).resolve().parent / "data" / "query-corpus"
REG = "https://w3id.org/dhr-graph/registry/agency/"
KENT, HOME, MOJ = REG + "kent-police", REG + "home-office", REG + "ministry-of-justice"
W21, W23, O23, SOTON = ("wrenfield-2021", "wrenfield-2023",
                        "oakhollow-2023", "southampton-2020")
INJECTION = 'x" } ; DROP ALL ; #'


@pytest.fixture(scope="module")
def store(tmp_path_factory, toolkit) -> Path:
    path = tmp_path_factory.mktemp("queries") / "store"
    report = build([CORPUS, *resources.sample_pages()], path, toolkit=toolkit)
    assert report.committed and [p.status for p in report.pages] == ["landed"] * 4
    return path


def values(store: Path, name: str, **params) -> list[dict]:
    return run_named(store, name, **params).records()


def pick(rows: list[dict], *keys: str) -> list[tuple]:
    return [tuple(row[k] for k in keys) for row in rows]


# ---------------------------------------------------------------- the library itself

def test_every_query_documents_itself():
    queries = library()
    for name in ("shared-agencies", "agency-recommendations", "co-addressed-agencies", "reviews-for-agency",
                 "review-summary", "reviews-by-year", "agency-reach", "store-stats"):
        assert name in queries
    for name, nq in queries.items():
        assert nq.title and nq.title != name, name
        assert nq.description, name
        assert nq.examples and all(e.startswith(f"dhr-graph query {name}") for e in nq.examples), name
        assert all(p.type in PARAM_TYPES for p in nq.params)
        check_syntax(nq)  # the file parses as written, before any binding


def example_params(name: str) -> dict[str, str]:
    """Parameters of the first example that has any (so required ones are always given)."""
    for example in get_query(name).examples:
        words = shlex.split(example)
        pairs = [w for i, w in enumerate(words) if i and words[i - 1] in ("--param", "-p")]
        if pairs:
            return dict(p.split("=", 1) for p in pairs)
    return {}


@pytest.mark.parametrize("name", sorted(library()))
def test_every_named_query_runs(store, name):
    result = run_named(store, name, **example_params(name))
    assert result.variables
    for row in result.rows:
        assert set(row) <= set(result.variables)


# ---------------------------------------------------------------- expected rows

SHARED = [
    ("Southern Health NHS Foundation Trust", 6, 1),
    ("Home Office", 5, 3),
    ("NHS Hampshire and Isle of Wight Integrated Care Board", 5, 1),  # "Integrated Care Board": the area's ICB
    ("Southampton City Council", 5, 1),
    ("Kent Police", 4, 3),
    ("Wrenfield Borough Council", 4, 2),
    ("Southampton Safe City Partnership", 3, 1),
    ("Ministry of Justice", 2, 2),
    ("Solent NHS Trust", 2, 1),
    ("Southampton Safeguarding Adults Board", 2, 1),
]


def test_shared_agencies(store):
    rows = values(store, "shared-agencies")
    assert pick(rows, "label", "recommendations", "reviews") == SHARED
    rows = values(store, "shared-agencies", min=4)
    assert pick(rows, "label") == [(label,) for label, n, _ in SHARED if n >= 4]


def test_agency_recommendations_by_label_alias_acronym_and_iri(store):
    rows = values(store, "agency-recommendations", agency="Kent Police")
    assert pick(rows, "review", "number", "agencyIri") == [
        (O23, "2.3", KENT), (W21, "3", KENT), (W23, "R1", KENT), (W23, "R2", KENT)]
    assert rows[0]["text"].startswith("Kent Police to deliver refresher training")
    assert rows[0]["recommendation"].endswith(f"/review/{O23}/rec/2.3")
    assert values(store, "agency-recommendations", agency="kent police") == rows  # any case
    assert values(store, "agency-recommendations", agency=KENT) == rows  # its IRI
    moj = values(store, "agency-recommendations", agency="MoJ")  # an acronym
    assert pick(moj, "review", "number", "agencyLabel") == [
        (O23, "2.1", "Ministry of Justice"), (W23, "R3", "Ministry of Justice")]
    home = values(store, "agency-recommendations", agency="Home Office")
    assert pick(home, "review", "number") == [(O23, "2.1"), (SOTON, "9.1"), (SOTON, "9.14"), (W21, "1"), (W21, "4")]
    assert values(store, "agency-recommendations", agency="Nobody Of That Name") == []


def test_agency_recommendations_needs_an_agency(store):
    with pytest.raises(QueryError, match="parameter 'agency' is required"):
        run_named(store, "agency-recommendations")


def test_reviews_for_agency(store):
    rows = values(store, "reviews-for-agency", agency="Kent Police")
    assert pick(rows, "review", "partnership", "published", "yearOfDeath", "recommendations") == [
        (W23, "Wrenfield", "2023-10", "2022", 2),
        (O23, "Oakhollow", "2023-05", "2021", 1),
        (W21, "Wrenfield", "2021-03", "2019", 1),
    ]
    rows = values(store, "reviews-for-agency", agency="Wrenfield Borough Council")
    assert pick(rows, "review", "recommendations") == [(W23, 1), (W21, 3)]


def test_co_addressed_agencies(store):
    rows = values(store, "co-addressed-agencies")
    pairs = {frozenset((r["agency1"], r["agency2"])): (r["recommendations"], r["reviews"]) for r in rows}
    assert len(pairs) == len(rows)  # each pair once, in one order
    assert pairs[frozenset(("Kent Police", "Wrenfield Borough Council"))] == (2, 2)
    assert pairs[frozenset(("NHS Hampshire and Isle of Wight Integrated Care Board", "Southampton City Council"))] == (2, 1)
    assert pairs[frozenset(("NHS Hampshire and Isle of Wight Integrated Care Board", "Solent NHS Trust"))] == (2, 1)
    assert pairs[frozenset(("Southampton Safe City Partnership", "Southampton Safeguarding Adults Board"))] == (2, 1)
    assert len(rows) == 4 and rows[0]["reviews"] == 2
    everything = values(store, "co-addressed-agencies", min=1)
    pairs = {frozenset((r["agency1"], r["agency2"])): r["recommendations"] for r in everything}
    assert pairs[frozenset(("Home Office", "Ministry of Justice"))] == 1
    assert pairs[frozenset(("Home Office", "Wrenfield Borough Council"))] == 1
    assert not any("All agencies" in pair for pair in pairs)  # a group is not a body


def test_agency_reach(store):
    rows = values(store, "agency-reach")
    assert len({r["agency"] for r in rows}) == len(rows) == 14  # 5 in the fixture, 10 in Southampton, Home Office in both
    assert pick(rows[:4], "label", "reviews", "partnerships", "recommendations", "sector") == [
        ("Home Office", 3, 3, 5, "National government and national bodies"),
        ("Kent Police", 3, 2, 4, "Police"),
        ("Ministry of Justice", 2, 2, 2, "National government and national bodies"),
        ("Wrenfield Borough Council", 2, 1, 4, "Local authority"),
    ]
    assert pick(values(store, "agency-reach", min=2), "label") == [
        ("Home Office",), ("Kent Police",), ("Ministry of Justice",), ("Wrenfield Borough Council",)]


def test_review_summary(store):
    rows = values(store, "review-summary")
    assert pick(rows, "review", "partnership", "published", "yearOfDeath", "recommendations", "agencies") == [
        (SOTON, "Southampton", "2025-06", "2020", 18, 10),
        (W23, "Wrenfield", "2023-10", "2022", 3, 3),
        (O23, "Oakhollow", "2023-05", "2021", 3, 4),
        (W21, "Wrenfield", "2021-03", "2019", 5, 3),
    ]
    by_review = {r["review"]: r for r in rows}
    assert set(by_review[W21]["agencyNames"].split("; ")) == {"Home Office", "Kent Police", "Wrenfield Borough Council"}
    for row in rows:
        assert row["themes"] >= 1
        assert len(row["themeNames"].split("; ")) == row["themes"]
    assert "Training and awareness of practitioners" in by_review[W21]["themeNames"]
    only = values(store, "review-summary", csp="wrenfield")
    assert pick(only, "review") == [(W23,), (W21,)]


def test_reviews_by_year(store):
    rows = values(store, "reviews-by-year")
    assert pick(rows, "year", "published", "recommendations", "deaths") == [
        (2019, 0, 0, 1), (2020, 0, 0, 1), (2021, 1, 5, 1), (2022, 0, 0, 1), (2023, 2, 6, 0), (2025, 1, 18, 0)]
    rows = values(store, "reviews-by-year", since=2021, until=2023)
    assert pick(rows, "year") == [(2021,), (2022,), (2023,)]


def test_store_stats(store):
    counts = {r["what"]: r["count"] for r in values(store, "store-stats")}
    assert counts["reviews"] == 4
    assert counts["recommendations"] == 18 + 5 + 3 + 3
    assert counts["partnerships"] == 3
    assert counts["agencies addressed"] == 14
    assert counts["groups addressed"] == 1



THEME = "https://w3id.org/dhr-graph/scheme/theme/"


def test_recommendations_by_theme_by_label_slug_and_iri(store):
    rows = values(store, "recommendations-by-theme", theme="Training and awareness of practitioners")
    assert pick(rows, "review", "number") == [
        (O23, "2.3"), (SOTON, "9.2"), (SOTON, "9.8"), (SOTON, "9.13"), (W21, "1"), (W21, "5")]
    assert {r["themeIri"] for r in rows} == {THEME + "training"}
    evidence = {r["number"]: set(r["evidence"].split(" | ")) for r in rows}  # words in no set order
    assert evidence["9.8"] == {"training", "safeguarding supervision"}
    assert evidence["5"] == {"publish a seven-minute briefing"}
    for other in ("training and AWARENESS of practitioners", "training", THEME + "training"):
        assert pick(values(store, "recommendations-by-theme", theme=other), "review", "number") == pick(
            rows, "review", "number"), other
    carers = values(store, "recommendations-by-theme", theme="Carers")
    assert pick(carers, "number") == [("9.5",), ("9.7",), ("9.8",), ("9.11",), ("9.13",), ("9.16",), ("9.17",)]
    assert values(store, "recommendations-by-theme", theme="No such theme") == []


def test_unresolved_addressees(store):
    rows = values(store, "unresolved-addressees")
    assert pick(rows, "surface", "how", "count", "reviews", "label") == [
        ("Wrenfield Borough Council", "pattern", 4, 2, "Wrenfield Borough Council"),
        ("Oakhollow District Council", "pattern", 1, 1, "Oakhollow District Council"),
    ]
    assert values(store, "unresolved-addressees", method="pattern") == rows
    assert values(store, "unresolved-addressees", method="verbatim") == []


def test_reviews_for_agency_by_iri_and_acronym(store):
    by_label = values(store, "reviews-for-agency", agency="Kent Police")
    assert values(store, "reviews-for-agency", agency=KENT) == by_label
    assert pick(values(store, "reviews-for-agency", agency="moj"), "review", "agencyLabel") == [
        (W23, "Ministry of Justice"), (O23, "Ministry of Justice")]

@pytest.mark.skipif("sector-share" not in library(), reason="sector-share is not in the library")
def test_sector_share(store):
    rows = {r["label"]: (r["recommendations"], r["percent"]) for r in values(store, "sector-share")}
    assert rows["Police"][0] == 4  # Kent Police: W21-3, W23-R1, W23-R2, O23-2.3
    assert rows["National government and national bodies"][0] == 6  # Home Office 5 + MoJ 2, O23-2.1 once
    assert rows["Police"][1] == pytest.approx(100 * 4 / 29, abs=0.1)


# ---------------------------------------------------------------- safe parameters

def test_injection_is_a_plain_string(store):
    gs = GraphStore(store)
    before = len(gs)
    gs.close()
    assert values(store, "agency-recommendations", agency=INJECTION) == []
    assert values(store, "review-summary", csp=INJECTION) == []
    echo = parse_query_text("# param: v string required -- any text\nSELECT ?echo WHERE { BIND(?v AS ?echo) }")
    assert run(store, echo, {"v": INJECTION}).records() == [{"echo": INJECTION}]
    gs = GraphStore(store)
    assert len(gs) == before
    assert values(store, "store-stats")  # and the store still answers


def test_injection_through_the_cli(store):
    out = CliRunner().invoke(main, ["query", "agency-recommendations", "--store", str(store),
                                    "--param", f"agency={INJECTION}", "--format", "csv"])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines() == ["agencyLabel,review,number,text,recommendation,agencyIri"]
    assert values(store, "reviews-by-year")  # unchanged


@pytest.mark.parametrize("name,params,message", [
    ("shared-agencies", {"min": "three"}, "'three' is not a valid integer"),
    ("shared-agencies", {"min": "2.5"}, "not a valid integer"),
    ("shared-agencies", {"min": "2 } DROP ALL"}, "not a valid integer"),
    ("shared-agencies", {"mn": "2"}, "unknown parameter 'mn'"),
])
def test_parameters_are_checked_against_their_types(store, name, params, message):
    with pytest.raises(QueryError, match=re.escape(message)):
        run_named(store, name, **params)


def test_typed_parameters_bind_as_terms(store):
    text = ("# param: i integer\n# param: d decimal\n# param: b boolean\n# param: u iri\n"
            "SELECT ?i ?d ?b ?u WHERE { }")
    nq = parse_query_text(text)
    rows = run(store, nq, {"i": "+7", "d": "2.50", "b": "yes", "u": KENT}).records()
    assert rows == [{"i": 7, "d": 2.5, "b": True, "u": KENT}]
    assert run(store, nq, {"b": False}).records() == [{"i": None, "d": None, "b": False, "u": None}]
    for key, bad in [("d", "1e5"), ("b", "maybe"), ("u", "not an iri"), ("u", "http://x> } DROP ALL {")]:
        with pytest.raises(QueryError, match=f"parameter {key}:"):
            run(store, nq, {key: bad})


# ---------------------------------------------------------------- errors, CLI, Python API

def test_syntax_error_is_one_line_with_its_position(store, tmp_path):
    bad = tmp_path / "bad.rq"
    bad.write_text("PREFIX dhr: <https://w3id.org/dhr-graph/def/>\nSELECT * WHERE {\n  ?s foo:bar ?o\n}\n")
    with pytest.raises(QueryError) as info:
        run(store, get_query(str(bad)), {})
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{bad}:3:") and "unknown prefix 'foo:'" in message
    out = CliRunner().invoke(main, ["query", str(bad), "--store", str(store)])
    assert out.exit_code == 2
    assert len(out.output.strip().splitlines()) == 1 and ":3:" in out.output


def test_syntax_error_position_ignores_bound_parameters(store):
    text = "# param: n integer = 1\nSELECT * WHERE { ?s ?p ?o . FILTER(?o = ) }"
    with pytest.raises(QueryError, match=r"^<stdin>:2:\d+: SPARQL syntax error"):
        run(store, parse_query_text(text), {})


def test_unknown_query_name(store):
    out = CliRunner().invoke(main, ["query", "shared-agencie", "--store", str(store)])
    assert out.exit_code == 2
    assert out.output.strip() == ("dhr-graph: unknown query 'shared-agencie' (did you mean 'shared-agencies'? "
                                  "see 'dhr-graph query --list')")


def test_list(store):
    out = CliRunner().invoke(main, ["query", "--list"])
    assert out.exit_code == 0
    lines = out.output.splitlines()
    for name in library():
        assert any(line.startswith(name + " ") for line in lines)
    assert any(line.startswith("agency-recommendations ") and "[agency*]" in line for line in lines)


def test_ad_hoc_query_from_stdin_and_file(store, tmp_path):
    text = ("# param: min integer = 4 -- lowest position\nPREFIX dhr: <https://w3id.org/dhr-graph/def/>\n"
            "SELECT (COUNT(*) AS ?n) WHERE { ?r a dhr:Recommendation ; dhr:position ?p . FILTER(?p >= ?min) }\n")
    out = CliRunner().invoke(main, ["query", "-", "--store", str(store), "--format", "csv"], input=text)
    assert out.exit_code == 0, out.output
    assert out.output == "n\n17\n"  # positions 4 and up: 15 of Southampton, 2 of Wrenfield 2021
    path = tmp_path / "count.rq"
    path.write_text(text)
    out = CliRunner().invoke(main, ["query", str(path), "--store", str(store), "-p", "min=18", "--format", "tsv"])
    assert out.exit_code == 0 and out.output == "n\n1\n"


def test_python_api_rows_and_types(store):
    result = run_named(str(store), "reviews-by-year", since=2025)
    assert result.variables == ["year", "published", "recommendations", "deaths"]
    assert len(result) == 1
    assert result.records() == [{"year": 2025, "published": 1, "recommendations": 18, "deaths": 0}]
    assert result.values() == [{"year": "2025", "published": "1", "recommendations": "18", "deaths": "0"}]


def test_to_dataframe(store):
    pd = pytest.importorskip("pandas")
    frame = run_named(store, "agency-reach", min=2).to_dataframe()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["label", "reviews", "partnerships", "recommendations", "sector", "agency"]
    assert frame["reviews"].tolist() == [3, 3, 2, 2]


def test_theme_by_sector_counts_addressees_without_a_sector_apart(tmp_path: Path) -> None:
    """An addressee with no sector is counted under "(no sector)", not under every labelled sector
    (a label table left-joined on the row's unbound sector would match them all)."""
    dhr, skos, org = "https://w3id.org/dhr-graph/def/", "http://www.w3.org/2004/02/skos/core#", "http://www.w3.org/ns/org#"
    ex, sectors = "https://example.org/", "https://w3id.org/dhr-graph/scheme/sector/"
    trig = f"""
        <{ex}g> {{
          <{ex}theme> <{skos}prefLabel> "Training" .
          <{sectors}police> <{skos}prefLabel> "Police" .
          <{sectors}housing> <{skos}prefLabel> "Housing" .
          <{ex}force> <{org}classification> <{sectors}police> .
          <{ex}landlord> <{org}classification> <{sectors}housing> .
          <{ex}rec1> <{dhr}hasTheme> <{ex}theme> ; <{dhr}addressedTo> <{ex}force> .
          <{ex}rec2> <{dhr}hasTheme> <{ex}theme> ; <{dhr}addressedTo> <{ex}unknown-body> .
          <{ex}rec3> <{dhr}hasTheme> <{ex}theme> ; <{dhr}addressedTo> <{ex}unknown-body>, <{ex}landlord> .
        }}"""
    store = store_from_trig(trig.encode(), tmp_path / "store")
    rows = {(r["themeLabel"], r["sectorLabel"]): r["recommendations"] for r in run_named(store, "theme-by-sector").records()}
    assert rows == {("Training", "Police"): 1, ("Training", "Housing"): 1, ("Training", "(no sector)"): 2}
