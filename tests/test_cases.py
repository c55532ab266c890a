"""DHRD case metadata: import, "not recorded" kept apart from "absent", reviews joined to cases."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from dhr_graph.cases import (
    CaseFacts,
    ReviewFacts,
    bundled_incidents,
    import_cases,
    match,
    partnership_key,
    read_incidents,
)
from dhr_graph.cli import main
from dhr_graph.errors import InputError
from dhr_graph.pipeline import build
from dhr_graph.queries import run_named
from dhr_graph.store import GraphStore

from .conftest import SHARED_DATA

DHR = "https://w3id.org/dhr-graph/def/"
CT = "https://w3id.org/dhr-graph/scheme/case-type/"
AT = "https://w3id.org/dhr-graph/scheme/abuse-type/"
ID = "https://w3id.org/dhr-graph/id/"
FLAGS = ("intimate_partner_violence", "familial_homicide", "parricide", "homicide_suicide", "coercive_control",
         "economic_abuse", "forced_marriage", "honour_based_violence", "physical_abuse", "emotional_abuse",
         "sexual_abuse", "stalking")
HEADER = ("incident_id", "csp", "region", "death_date", "cause_of_death", "location_of_death", *FLAGS)


def incidents(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER, restval="False")
        writer.writeheader()
        writer.writerows(rows)
    return path


def ask(store: Path, query: str) -> bool:
    gs = GraphStore(store)
    try:
        return bool(gs.query(f"PREFIX dhr: <{DHR}> ASK {{ {query} }}"))
    finally:
        gs.close()


@pytest.fixture(scope="module")
def sample_with_cases(tmp_path_factory, toolkit) -> Path:
    """The sample page and the bundled DHRD copy in one store."""
    store = tmp_path_factory.mktemp("cases") / "store"
    build(None, store, toolkit=toolkit)
    report = import_cases(bundled_incidents(), store)
    assert report.cases == 647 and not report.errors
    return store


def test_the_sample_review_is_joined_to_inc_0045(sample_with_cases):
    store = sample_with_cases
    assert ask(store, f"<{ID}review/southampton-2020> dhr:case <{ID}case/dhrd/inc-0045>")
    assert ask(store, f"""?m a dhr:CaseMatch ; dhr:matchedReview <{ID}review/southampton-2020> ;
        dhr:matchedCase <{ID}case/dhrd/inc-0045> ; dhr:confidence 1.00 ; dhr:matchMethod "partnership+year" ;
        dhr:candidateCount 1""")
    case = f"<{ID}case/dhrd/inc-0045>"
    assert ask(store, f"{case} dhr:caseType <{CT}parricide> , <{CT}familial-homicide> ; "
                      f"dhr:deathMonth \"2020-02\"^^<http://www.w3.org/2001/XMLSchema#gYearMonth> ; "
                      f"dhr:recordedRegion \"South East\" ; dhr:abuseType <{AT}coercive-control>")
    assert ask(store, f"{case} dhr:notIndicated <{CT}intimate-partner-homicide> , <{AT}stalking>")


def test_its_recommendations_count_under_parricide(sample_with_cases):
    rows = run_named(GraphStore(sample_with_cases), "themes-by-case-type").values()
    parricide = [r for r in rows if r["caseTypeLabel"] == "Parricide"]
    assert parricide and all(int(r["reviews"]) == 1 for r in parricide)
    by_theme = {r["themeLabel"]: int(r["recommendations"]) for r in parricide}
    themes = {r["label"]: int(r["recommendations"]) for r in run_named(GraphStore(sample_with_cases),
                                                                            "themes-summary").values()}
    assert by_theme == themes  # the one review's recommendations, every one of them, under parricide
    gs = GraphStore(sample_with_cases)
    n = gs.query(f"PREFIX dhr: <{DHR}> SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {{ ?rv dhr:case ?c . "
                 f"?c dhr:caseType <{CT}parricide> . ?r dhr:review ?rv }}")
    assert int(next(iter(n))["n"].value) == 18
    sectors = run_named(GraphStore(sample_with_cases), "sectors-by-case-type").values()
    assert {r["sectorLabel"] for r in sectors if r["caseTypeLabel"] == "Parricide"} >= {"Health providers"}
    summary = run_named(GraphStore(sample_with_cases), "cases-summary").values()
    row = next(r for r in summary if r["caseTypeLabel"] == "Parricide" and r["year"] == "2020"
               and r["region"] == "South East")
    assert int(row["cases"]) == 1 and int(row["withReview"]) == 1
    assert sum(int(r["cases"]) for r in summary if r["caseTypeLabel"] == "(no case type indicated)") == 28


def test_each_case_has_its_own_graph_with_provenance_and_citation(sample_with_cases):
    graph = f"{ID}graph/case/dhrd/inc-0045"
    gs = GraphStore(sample_with_cases)
    assert graph in gs.named_graphs()
    assert ask(sample_with_cases, f"""GRAPH <{graph}> {{ <{graph}> <http://purl.org/dc/terms/subject> <{ID}case/dhrd/inc-0045> ;
        <http://www.w3.org/ns/prov#wasDerivedFrom> <https://doi.org/10.5281/zenodo.21108268> ;
        <http://purl.org/dc/terms/license> <https://creativecommons.org/licenses/by/4.0/> ;
        <http://purl.org/dc/terms/bibliographicCitation> ?citation ; dhr:recordFile "incidents.csv" .
        FILTER(CONTAINS(?citation, "Cook") && CONTAINS(?citation, "10.5281/zenodo.21108268")) }}""")


def test_flags_true_false_and_empty_stay_distinct(tmp_path):
    path = incidents(tmp_path / "i.csv", [
        {"incident_id": "T-1", "csp": "Testshire", "region": "East", "death_date": "2019",
         "cause_of_death": "secret-cause", "location_of_death": "secret-place",
         "parricide": "True", "stalking": "", "sexual_abuse": "False"},
    ])
    store = tmp_path / "store"
    import_cases(path, store)
    case = f"<{ID}case/dhrd/t-1>"
    assert ask(store, f"{case} dhr:caseType <{CT}parricide> ; dhr:notRecorded <{AT}stalking> ; "
                      f"dhr:notIndicated <{AT}sexual-abuse>")
    assert not ask(store, f"{case} dhr:abuseType <{AT}stalking>")
    assert not ask(store, f"{case} dhr:deathMonth ?m")  # only the year is known
    assert not ask(store, 'VALUES ?v { "secret-cause" "secret-place" } ?s ?p ?v')


def test_a_bad_row_is_reported_with_its_line_and_the_others_import(tmp_path):
    path = incidents(tmp_path / "i.csv", [
        {"incident_id": "T-1", "csp": "Testshire", "region": "East", "death_date": "May 2019"},
        {"incident_id": "T-2", "csp": "Testshire", "region": "East", "death_date": "Maybe 2019"},
        {"incident_id": "T-3", "csp": "Testshire", "region": "East", "death_date": "2019", "parricide": "perhaps"},
        {"incident_id": "T-1", "csp": "Otherton", "region": "East", "death_date": "2019"},
        {"incident_id": "T-5", "csp": "Testshire", "region": "", "death_date": ""},
    ])
    loaded = read_incidents(path)
    assert [c.incident_id for c in loaded.cases] == ["T-1", "T-5"]
    assert [e.split(": ", 1)[0] for e in loaded.errors] == [f"{path}:3", f"{path}:4", f"{path}:5"]
    assert "death_date 'Maybe 2019'" in loaded.errors[0] and "parricide is 'perhaps'" in loaded.errors[1]
    assert "appears twice (first on line 2)" in loaded.errors[2]
    (tmp_path / "no-flags.csv").write_text("incident_id,csp,region,death_date\nX,Y,Z,2019\n")
    with pytest.raises(InputError, match=r"no-flags.csv:1: not a DHRD incidents table: no column"):
        read_incidents(tmp_path / "no-flags.csv")


def test_partnership_spelled_differently_in_the_two_sources():
    assert partnership_key("Southampton Safe City Partnership") == partnership_key("Southampton")
    assert partnership_key("Blackburn with Darwen") == partnership_key("Blackburn With Darwen")
    assert partnership_key("London Borough of Ealing") == partnership_key("Ealing")
    assert partnership_key("North Somerset") != partnership_key("Somerset")
    found = match([ReviewFacts("r", "Southampton Safe City Partnership", 2020)],
                  [CaseFacts("c45", "INC-0045", "Southampton", 2020, 2), CaseFacts("c34", "INC-0034", "Southampton", 2019, 9)])
    assert [(m.case, m.confidence, m.method, m.candidates) for m in found.matches] == \
        [("c45", 0.9, "partnership-variant+year", 1)]


def test_two_cases_in_one_year_are_both_kept_with_a_shared_confidence(tmp_path, toolkit, sample_text):
    cases = [CaseFacts("c104", "INC-0104", "Southampton", 2015, 5), CaseFacts("c487", "INC-0487", "Southampton", 2015, 5)]
    found = match([ReviewFacts("r", "Southampton", 2015)], cases)
    assert [(m.case, m.confidence, m.candidates) for m in found.matches] == [("c104", 0.5, 2), ("c487", 0.5, 2)]
    # a month, where both sides have one, must agree too
    assert match([ReviewFacts("r", "Southampton", 2015, 6)], cases).unmatched
    # and in a store: both candidates recorded, no dhr:case picked silently
    page = tmp_path / "soton-2015.txt"
    page.write_text(sample_text.replace("Year of death: 2020", "Year of death: 2015"), encoding="utf-8")
    store = tmp_path / "store"
    build([page], store, toolkit=toolkit)
    import_cases(bundled_incidents(), store)
    review = f"<{ID}review/soton-2015>"
    assert ask(store, f"?a dhr:matchedReview {review} ; dhr:matchedCase <{ID}case/dhrd/inc-0104> ; dhr:confidence 0.50 . "
                      f"?b dhr:matchedReview {review} ; dhr:matchedCase <{ID}case/dhrd/inc-0487> ; dhr:candidateCount 2")
    assert not ask(store, f"{review} dhr:case ?c")


def test_unmatched_reviews_are_reported_with_the_reason(tmp_path, toolkit, sample_text):
    store = tmp_path / "store"
    import_cases(bundled_incidents(), store)
    pages = {"nowhere.txt": sample_text.replace("CSP: Southampton", "CSP: Nowhereshire"),
             "soton-2030.txt": sample_text.replace("Year of death: 2020", "Year of death: 2024"),
             "safe-city-2019.txt": sample_text.replace("CSP: Southampton", "CSP: Southampton Safe City Partnership")
                                              .replace("Year of death: 2020", "Year of death: 2019")}
    for name, text in pages.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    build([tmp_path / name for name in pages], store, toolkit=toolkit)  # the build links new reviews to cases
    result = CliRunner().invoke(main, ["cases", "unmatched", "--store", str(store)])
    assert result.exit_code == 0
    assert "nowhere: no case of partnership 'Nowhereshire'" in result.stdout
    assert "soton-2030: no case of 'Southampton' with a death in 2024 (cases there: 2011, 2015, 2019, 2020)" \
        in result.stdout
    # the DHRD writes "Southampton": a spelling variant, matched with a lower confidence, and said so
    assert ask(store, f"""<{ID}review/safe-city-2019> dhr:case <{ID}case/dhrd/inc-0034> .
        ?m dhr:matchedReview <{ID}review/safe-city-2019> ; dhr:matchMethod "partnership-variant+year" ;
        dhr:confidence 0.90""")
    build(None, store, toolkit=toolkit)
    assert ask(store, f"<{ID}review/southampton-2020> dhr:case <{ID}case/dhrd/inc-0045>")


def test_reimport_replaces_and_cli_reports_bad_rows(tmp_path):
    path = incidents(tmp_path / "i.csv", [
        {"incident_id": "T-1", "csp": "Testshire", "region": "East", "death_date": "May 2019"},
        {"incident_id": "T-2", "csp": "Testshire", "region": "East", "death_date": "13-2019"},
    ])
    store = tmp_path / "store"
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(main, ["cases", "import", str(path), "--store", str(store)])
        assert result.exit_code == 1
        assert f"{path}:3: death_date '13-2019' has no valid month; row left out" in result.stderr
        assert "1 cases imported" in result.stdout
    gs = GraphStore(store)
    assert len([g for g in gs.named_graphs() if "/graph/case/" in g]) == 1
    result = runner.invoke(main, ["cases", "import", str(tmp_path / "missing.csv"), "--store", str(store)])
    assert result.exit_code == 2 and "missing.csv: no such file" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.skipif(not (SHARED_DATA / "dhrd" / "incidents.csv").exists(),
                    reason="DHRD dataset (../shared/data/dhrd) not present")
def test_the_bundled_copy_is_the_published_table_without_cause_and_location():
    with (SHARED_DATA / "dhrd" / "incidents.csv").open(encoding="utf-8") as handle:
        published = list(csv.DictReader(handle))
    with bundled_incidents().open(encoding="utf-8") as handle:
        bundled = list(csv.DictReader(handle))
    assert len(bundled) == len(published) == 647
    for ours, theirs in zip(bundled, published):
        del theirs["cause_of_death"], theirs["location_of_death"]
        assert ours == theirs
    for name in ("LICENSE", "CITATION.cff"):
        assert (bundled_incidents().parent / name).read_bytes() == (SHARED_DATA / "dhrd" / name).read_bytes()


def test_full_published_table_imports_too(tmp_path):
    if not (SHARED_DATA / "dhrd" / "incidents.csv").exists():
        pytest.skip("DHRD dataset (../shared/data/dhrd) not present")
    shutil.copy(SHARED_DATA / "dhrd" / "incidents.csv", tmp_path / "incidents.csv")
    report = import_cases(tmp_path / "incidents.csv", tmp_path / "store")
    assert report.cases == 647 and not report.errors
    assert not ask(tmp_path / "store", '?s ?p "manual strangulation"')


def test_case_shapes_catch_a_malformed_case_graph(tmp_path):
    """The shapes (shapes/cases/dhr-cases.ttl) that an import checks every case graph against."""
    import pyoxigraph as ox

    from dhr_graph import resources
    from dhr_graph.inputfiles import turtle_quads
    from dhr_graph.iris import reference_graph_iri
    from dhr_graph.validation import Validator

    store = ox.Store()
    for path in sorted(resources.ontology_dir().glob("*.ttl")):
        store.bulk_extend(turtle_quads(path, reference_graph_iri(path)))
    g = f"{ID}graph/case/dhrd/bad"
    store.load(f"""
        <{ID}case/dhrd/bad> a <{DHR}Case> ; <http://purl.org/dc/terms/identifier> "B-1" , "B-2" ;
            <{DHR}caseType> <{AT}stalking> ; <{DHR}deathMonth> "2020" .
    """.encode(), ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(g))
    shapes = sorted((resources.shapes_dir() / "cases").glob("*.ttl"))
    messages = {r.message for r in Validator.load(shapes).check(store, [g])[g] if r.severity == "Violation"}
    assert "A case needs exactly one identifier (the dataset's incident id)." in messages
    assert "A case needs exactly one community safety partnership." in messages
    assert any(m.startswith("A case type must be a concept of the case-type scheme") for m in messages)
    assert any(m.startswith("The month of death of a case") for m in messages)


def test_unmatched_without_cases_says_so(sample_store):
    result = CliRunner().invoke(main, ["cases", "unmatched", "--store", str(sample_store)])
    assert result.exit_code == 2 and "no cases in this store (run 'dhr-graph cases import" in result.stderr
