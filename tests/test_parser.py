"""Parser: the reference page, the one-line header variant, numbering, pipes inside text, and the
variants of real pages (per-agency numbering, annotated numbers, lower-case and combined addressee
cells, missing header fields) on synthetic pages in tests/data/parser."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dhr_graph.addressees import PATTERN, REGISTERED, UNKNOWN, split_agencies
from dhr_graph.errors import InputError
from dhr_graph.iris import (
    Minter,
    number_slug,
    recommendation_ids,
    review_of_recommendation,
)
from dhr_graph.parser import (
    bundled_names,
    is_recommendation_number,
    natural_key,
    number_annotation,
    parse_page,
    parse_text,
    split_cells,
)

from .conftest import PARSER_DATA


def test_reference_page_header(sample_page):
    review = parse_page(sample_page)
    assert review.title == "Southampton review"
    assert review.csp == "Southampton"
    assert review.published == "2025-06"
    assert review.year_of_death == 2020
    assert review.extracted_count == 18
    assert review.source == "Home Office DHR Library"
    assert review.summary.startswith("The review identified significant failures")
    assert review.warnings == ()
    assert len(review.sha256) == 64


def test_reference_page_rows_in_natural_order(sample_page):
    numbers = [r.number for r in parse_page(sample_page).recommendations]
    assert numbers == [f"9.{i}" for i in range(1, 19)]


def test_reference_page_pipe_inside_text_of_9_11(sample_page):
    rec = {r.number: r for r in parse_page(sample_page).recommendations}["9.11"]
    assert rec.addressed_to == ("Better Care Board (Health and Wellbeing Board)", "4LSAB")
    assert "who work with carers | Local Government Association would support this. III." in rec.text
    assert rec.text.endswith("from the adult with care and support needs.")


def test_reference_page_9_11_text_exactly_as_written(sample_page, sample_text):
    row = next(ln for ln in sample_text.splitlines() if ln.startswith("| 9.11 |"))
    written = row.removeprefix("| 9.11 | ").removesuffix(" | Better Care Board (Health and Wellbeing Board) | 4LSAB |")
    assert written != row and written.count(" | ") == 1
    rec = {r.number: r for r in parse_page(sample_page).recommendations}["9.11"]
    assert rec.text == written


def test_reference_page_addressees(sample_page):
    recs = {r.number: r.addressed_to for r in parse_page(sample_page).recommendations}
    assert recs["9.3"] == ("Southampton City Council", "Solent NHS Trust", "Integrated Care Board")
    assert recs["9.8"] == ("Solent NHS Trust", "University Hospital Southampton NHS Foundation Trust",
                           "Southern Health NHS Foundation Trust", "Integrated Care Board")
    assert recs["9.14"] == ("Southampton Safe City Partnership", "Home Office")
    assert all(addressees for addressees in recs.values())


def test_footer_row_is_not_a_recommendation(sample_page):
    texts = [r.text for r in parse_page(sample_page).recommendations]
    assert not any(t.startswith("Recommendations extracted") for t in texts)


def test_text_kept_exactly(sample_page):
    recs = {r.number: r for r in parse_page(sample_page).recommendations}
    assert "“Supporting carers in general practice: a framework of quality markers”" in recs["9.16"].text
    assert "‘Threats to Kill’" in recs["9.18"].text
    assert "  " not in recs["9.10"].text


def test_one_line_header_and_blank_lines():
    review = parse_page(PARSER_DATA / "synthetic-one-line-header.txt")
    assert (review.title, review.csp, review.published, review.year_of_death, review.extracted_count) == (
        "Northvale review", "Northvale", "2023-04", 2013, 3)
    assert [r.number for r in review.recommendations] == ["1", "2", "10"]
    assert review.recommendations[2].addressed_to == ("Northvale Community Safety Partnership", "Northvale Police")


def test_numbering_pipes_and_multiline_rows():
    review = parse_page(PARSER_DATA / "synthetic-numbering.txt")
    assert review.published == "2021-09"
    assert [r.number for r in review.recommendations] == [
        "3.9", "3.140(a)", "3.140(b)", "9.1 a", "9.1 b", "10.1.1.1", "R1", "R2", "R10"]
    recs = {r.number: r for r in review.recommendations}
    assert recs["R10"].text == "The council to publish its “Carers | Safeguarding” leaflet in plain English."
    assert recs["R10"].addressed_to == ("Eastbrook Borough Council",)
    assert recs["9.1 b"].text == ("The police to record every call about threats to kill | including "
                                  "third-party calls | as a crime.")
    assert recs["10.1.1.1"].text.startswith("The board to commission a single training offer")
    assert recs["3.140(a)"].addressed_to == ("Integrated Care Board", "NHS England")
    assert review.summary.endswith("Ynys Môn.")


@pytest.mark.parametrize("numbers", [
    ["9.1", "9.2", "9.10", "9.11"],
    ["1", "2", "10"],
    ["9.1 a", "9.1 b", "9.2"],
    ["10.1.1.1", "10.1.1.2", "10.1.2"],
    ["R1", "R2", "R10"],
    ["3.140(a)", "3.140(b)", "3.141"],
])
def test_natural_order(numbers):
    assert sorted(reversed(numbers), key=natural_key) == numbers
    assert all(is_recommendation_number(n) for n in numbers)


@pytest.mark.parametrize("cell", ["", "Recommendation", "see above", "9.1.", "1 2 3", "10 (see above)", "10 (A B)"])
def test_not_recommendation_numbers(cell):
    assert not is_recommendation_number(cell)


@pytest.mark.parametrize(("cells", "text", "addressees"), [
    (["Do this.", "Home Office"], "Do this.", ["Home Office"]),
    (["Do this.", "A", "B", ""], "Do this.", ["A", "B"]),
    (["Read the guide | Local Government Association says so. More.", "X"],
     "Read the guide | Local Government Association says so. More.", ["X"]),
    (["a briefing for carers", "Local Government Association would support this. II. More.", "Board"],
     "a briefing for carers | Local Government Association would support this. II. More.", ["Board"]),
    (["Only text, no addressee cell."], "Only text, no addressee cell.", []),
    (["Text.", ""], "Text.", []),
])
def test_split_cells(cells, text, addressees):
    assert split_cells(cells) == (text, addressees)


def test_extracted_count_mismatch_is_a_warning(sample_text):
    review = parse_text(sample_text.replace("Extracted: 18 recs", "Extracted: 20 recs"), "p.txt")
    assert len(review.recommendations) == 18
    assert review.warnings == ("p.txt: page says 'Extracted: 20 recs' but the table has 18 recommendations",)


def test_repeated_number_with_other_text_is_kept_in_table_order(sample_text):
    text = sample_text.replace("| 9.2 | That Southampton", "| 9.1 | That Southampton")
    review = parse_text(text, "dup.txt")
    assert len(review.recommendations) == 18 and review.warnings == ()
    numbers = [r.number for r in review.recommendations]
    assert numbers.count("9.1") == 2
    assert numbers[:3] == ["9.1", "9.10", "9.11"]  # the table's order: numbers restart, so no natural order


def test_row_copied_twice_names_both_lines(sample_text):
    row = next(ln for ln in sample_text.splitlines() if ln.startswith("| 9.4 |"))
    with pytest.raises(InputError) as info:
        parse_text(sample_text.replace(row, row + "\n" + row), "dup.txt")
    assert "recommendation 9.4 appears twice with the same text and addressees (first on line" in str(info.value)
    assert info.value.line is not None and str(info.value).startswith(f"dup.txt:{info.value.line}:")
    assert len(str(info.value).splitlines()) == 1


def test_json_contract(sample_page):
    data = parse_page(sample_page).to_json()
    assert list(data) == ["id", "url", "file", "sha256", "title", "csp", "published", "year_of_death",
                          "extracted_count", "summary", "source", "recommendations"]
    assert data["file"] == "southampton-2020.txt" and data["id"] is None and len(data["sha256"]) == 64
    assert data["recommendations"][0] == {
        "number": "9.1",
        "text": ("Advice to be sought from the Home Office on the effectiveness of DASH as a risk checklist "
                 "in cases where an adult child poses a threat to a parent."),
        "addressed_to": ["Home Office"],
    }


# ---------------------------------------------------------------- real pages as they are (issue 22)


def test_per_agency_numbering_page():
    review = parse_page(PARSER_DATA / "synthetic-per-agency-numbering.txt")
    assert review.warnings == ()
    rows = [(r.number, r.addressed_to) for r in review.recommendations]
    assert rows == [  # the table's order, numbers as written
        ("1", ("Kestrelford Police",)), ("2", ("Kestrelford Police",)),
        ("1", ("Kestrelford Borough Council",)), ("2", ("Kestrelford Borough Council",)),
        ("3", ("Kestrelford Borough Council",)), ("2", ("Kestrelford NHS Trust",))]
    # the same text for two agencies under one number is two recommendations, not a copy
    assert review.recommendations[3].text == review.recommendations[5].text


def test_recommendation_ids_keep_unique_numbers_and_tell_repeated_ones_apart(sample_page):
    sample = parse_page(sample_page)
    rows = [(r.number, r.addressed_to, r.text) for r in sample.recommendations]
    assert recommendation_ids(rows) == [number_slug(r.number) for r in sample.recommendations]
    at = [r.number for r in sample.recommendations].index("9.11")
    assert Minter().recommendation("southampton-2025-06-d2020", "9.11", recommendation_ids(rows)[at]) == \
        "https://w3id.org/dhr-graph/id/review/southampton-2025-06-d2020/rec/9.11"

    review = parse_page(PARSER_DATA / "synthetic-per-agency-numbering.txt")
    rows = [(r.number, r.addressed_to, r.text) for r in review.recommendations]
    ids = recommendation_ids(rows)
    assert ids == ["1_kestrelford-police", "2_kestrelford-police", "1_kestrelford-borough-council",
                   "2_kestrelford-borough-council", "3", "2_kestrelford-nhs-trust"]
    assert recommendation_ids(list(reversed(rows))) == list(reversed(ids))  # not by position
    minter = Minter("https://example.org/x/")
    for segment, (number, _, _) in zip(ids, rows):
        iri = minter.recommendation("k-2022-05", number, segment)
        assert review_of_recommendation(iri) == "https://example.org/x/review/k-2022-05"


def test_recommendation_ids_same_number_and_addressee_told_apart_by_text():
    rows = [("1", ("Police",), "Do this."), ("1", ("Police",), "Do that."), ("2", (), "Other.")]
    ids = recommendation_ids(rows)
    assert len(set(ids)) == 3 and ids[2] == "2"
    assert ids[0].startswith("1_police-") and ids[1].startswith("1_police-")
    assert recommendation_ids(rows) == ids  # deterministic
    copied = recommendation_ids([rows[0], rows[0]])  # a copied row (refused by the parser) still gets two IRIs
    assert len(set(copied)) == 2


def test_annotated_numbers_page():
    review = parse_page(PARSER_DATA / "synthetic-annotated-numbers.txt")
    recs = {r.number: r for r in review.recommendations}
    assert [r.number for r in review.recommendations] == ["1a", "1b", "3.140(A)", "10 (MBC)", "11 (MBC)", "R1.2"]
    assert recs["10 (MBC)"].annotation == "MBC"
    assert recs["10 (MBC)"].addressed_to == ("MBC",)  # no addressee cell: the annotation says who
    assert recs["11 (MBC)"].addressed_to == ("Marlowmere Borough Council",)  # the cell wins
    assert recs["1a"].annotation is None and recs["3.140(A)"].annotation is None
    assert recs["R1.2"].addressed_to == ("Marlowmere Community Safety Partnership",)


@pytest.mark.parametrize(("number", "annotation"), [
    ("10 (ABC)", "ABC"), ("4(SCC)", "SCC"), ("2 (NHSE)", "NHSE"), ("3.140(a)", None), ("2 (iv)", None),
    ("2 (IV)", None), ("3.140(A)", None), ("1a", None), ("R1.2", None), ("12", None)])
def test_number_annotation(number, annotation):
    assert is_recommendation_number(number)
    assert number_annotation(number) == annotation


def test_lower_case_addressees_page():
    review = parse_page(PARSER_DATA / "synthetic-lower-case-addressees.txt")
    recs = {r.number: r for r in review.recommendations}
    assert recs["1"].addressed_to == ("other agencies",)
    assert recs["1"].text == "All agencies to share risk information with the MARAC within two working days."
    assert recs["2"].addressed_to == ("all partner agencies",)
    # a sentence in the Addressed to column is text cut by a '|', and the empty cell no addressee
    assert recs["3"].text == "The council to read the guide on carers | the Local Government Association says so."
    assert recs["3"].addressed_to == ()
    assert recs["4"].text == "The police to record every call about threats to kill | including third-party calls"
    assert recs["4"].addressed_to == ("Otterbridge Police", "other agencies")
    assert recs["5"].addressed_to == ("the partnership board",)


@pytest.mark.parametrize(("cells", "column", "text", "addressees"), [
    (["Do this.", "other agencies"], True, "Do this.", ["other agencies"]),
    (["Do this", "other agencies"], None, "Do this | other agencies", []),  # no header: the look decides
    (["Do this.", "other agencies"], None, "Do this.", ["other agencies"]),  # ... after a finished sentence
    (["Read the guide", "the LGA says so."], True, "Read the guide | the LGA says so.", []),
    (["Do this.", "Police", "other agencies"], True, "Do this.", ["Police", "other agencies"]),
    (["Do this", "and that", "Police"], True, "Do this | and that", ["Police"]),
    (["Do this.", "Police", ""], True, "Do this.", ["Police"]),
    (["Do this.", "Police; Council"], True, "Do this.", ["Police; Council"]),
    (["Do this.", "other agencies", "Police"], True, "Do this.", ["other agencies", "Police"]),
    (["Do this", "other agencies", "Police"], True, "Do this | other agencies", ["Police"]),
])
def test_split_cells_by_structure(cells, column, text, addressees):
    assert split_cells(cells, column) == (text, addressees)


def test_split_cells_asks_the_registry_between_text_and_last_cell():
    def known(name: str) -> int:
        return REGISTERED if name == "all agencies" else UNKNOWN

    assert split_cells(["Do this", "all agencies", "Police"], True, known) == ("Do this", ["all agencies", "Police"])
    assert split_cells(["Do this", "all agencies", "Police"], True) == ("Do this | all agencies", ["Police"])


def test_missing_fields_page_is_built_and_says_what_is_missing():
    review = parse_page(PARSER_DATA / "synthetic-missing-fields.txt")
    assert review.year_of_death is None and review.published == "2024-03"
    assert len(review.recommendations) == 2
    (warning,) = review.warnings
    assert warning.startswith(str(PARSER_DATA / "synthetic-missing-fields.txt") + ": no 'Year of death:' field: no year")
    assert "the summary mentions 2019" in warning
    with pytest.raises(InputError, match="no 'Year of death:' field.*--strict"):
        parse_page(PARSER_DATA / "synthetic-missing-fields.txt", strict=True)


def test_review_key_without_year_of_death_or_publication_date():
    minter = Minter()
    assert minter.review_key("Pellingham", "2024-03", None) == "pellingham-2024-03"
    assert minter.review_key("Pellingham", None, None) == "pellingham-undated"
    assert minter.review_key("Pellingham", "2024-03", 2019) == "pellingham-2024-03-d2019"


def test_missing_published_is_a_warning(sample_text):
    review = parse_text(sample_text.replace("Published: June 2025\n", ""), "p.txt")
    assert review.published is None and len(review.recommendations) == 18
    assert review.warnings == ("p.txt: no 'Published:' field: no publication date",)


@pytest.mark.parametrize(("written", "month"), [
    ("June 2025", "2025-06"), ("Jun. 2025", "2025-06"), ("14 March 2024", "2024-03"), ("1st March 2024", "2024-03"),
    ("March 14, 2024", "2024-03"), ("2024-03", "2024-03"), ("2024-03-14", "2024-03"), ("14/03/2024", "2024-03"),
    ("unknown", None)])
def test_published_forms(sample_text, written, month):
    review = parse_text(sample_text.replace("Published: June 2025", f"Published: {written}"), "p.txt")
    assert review.published == month


def test_published_year_only_is_built_without_a_month(sample_text):
    review = parse_text(sample_text.replace("Published: June 2025", "Published: 2024"), "p.txt")
    assert review.published is None
    assert review.warnings == ("p.txt: 'Published: 2024' gives a year but no month: no publication date",)


@pytest.mark.parametrize("written", ["Smarch 2099", "14 13 2024", "2024-13", "31/31/2024", "June 1850", "32 June 2024"])
def test_published_unreadable_is_an_error(sample_text, written):
    with pytest.raises(InputError, match="unreadable 'Published:' date"):
        parse_text(sample_text.replace("Published: June 2025", f"Published: {written}"), "p.txt")


def test_several_agencies_in_one_cell_page():
    review = parse_page(PARSER_DATA / "synthetic-several-agencies.txt")
    recs = {r.number: r.addressed_to for r in review.recommendations}
    assert recs["1"] == ("Quenby Police", "Quenby Borough Council", "Probation")
    assert recs["2"] == ("Home Office", "Ministry of Justice")
    assert recs["3"] == ("Children and Families Service",)
    assert recs["4"] == ("Police and Crime Commissioner",)
    assert recs["5"] == ("Better Care Board (Health and Wellbeing Board)",)
    assert recs["6"] == ("Quenby Borough Council", "Quenby NHS Trust")


@pytest.mark.parametrize(("cell", "with_registry", "without_registry"), [
    ("Quenby Police, Quenby Borough Council and Probation",
     ["Quenby Police", "Quenby Borough Council", "Probation"], ["Quenby Police", "Quenby Borough Council and Probation"]),
    ("Home Office / Ministry of Justice", ["Home Office", "Ministry of Justice"], ["Home Office / Ministry of Justice"]),
    ("Home Office & Ministry of Justice", ["Home Office", "Ministry of Justice"], ["Home Office & Ministry of Justice"]),
    ("Children and Families Service", ["Children and Families Service"], ["Children and Families Service"]),
    ("Health and Wellbeing Board", ["Health and Wellbeing Board"], ["Health and Wellbeing Board"]),
    ("Department for Levelling Up, Housing and Communities",
     ["Department for Levelling Up, Housing and Communities"], ["Department for Levelling Up", "Housing and Communities"]),
    ("Hampshire, Southampton and Isle of Wight CCG", ["Hampshire, Southampton and Isle of Wight CCG"],
     ["Hampshire, Southampton and Isle of Wight CCG"]),
    ("SSAB, 4LSAB", ["SSAB", "4LSAB"], ["SSAB", "4LSAB"]),
    ("Integrated Care Board", ["Integrated Care Board"], ["Integrated Care Board"]),
])
def test_split_agencies(cell, with_registry, without_registry):
    assert split_agencies(cell, "Southampton", bundled_names()) == with_registry
    assert split_agencies(cell) == without_registry


def test_parser_pages_build_and_validate(tmp_path, toolkit):
    """Every page of tests/data/parser lands, with one IRI per row, and a rebuild replaces it."""
    from dhr_graph.pipeline import build
    from dhr_graph.store import GraphStore

    pages = sorted(PARSER_DATA.glob("*.txt"))
    report = build(pages, tmp_path / "store", toolkit=toolkit)
    assert report.committed and not report.failed, [p.messages for p in report.failed]
    gs = GraphStore(tmp_path / "store")
    try:
        query = ("SELECT (COUNT(DISTINCT ?rec) AS ?n) WHERE { ?rec a <https://w3id.org/dhr-graph/def/Recommendation> }")
        count = int(next(iter(gs.query(query)))["n"].value)
        triples = len(list(gs.quads()))
    finally:
        gs.close()
    assert count == sum(len(parse_page(p).recommendations) for p in pages)
    again = build(pages, tmp_path / "store", toolkit=toolkit)
    assert again.committed and not again.failed
    gs = GraphStore(tmp_path / "store")
    try:
        assert int(next(iter(gs.query(query)))["n"].value) == count
        assert len(list(gs.quads())) == triples
    finally:
        gs.close()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab AB,;/&()") + ["and", " and ", "Police", "Home Office"]), max_size=16).map("".join))
def test_split_agencies_keeps_every_part_as_written(cell):
    cleaned = " ".join(cell.split())
    for known in (bundled_names(), None):
        pieces = split_agencies(cell, "Southampton", known)
        assert pieces and all(p == p.strip() for p in pieces)
        assert all(p in cleaned for p in pieces)
        if len(pieces) == 1:
            assert pieces == [cleaned]


def test_any_header_row_above_a_separator_is_the_header(sample_text):
    text = sample_text.replace("| # | Recommendation | Addressed to |", "| Ref | Recommendation | Lead agency |")
    review = parse_text(text, "p.txt")
    assert [r.number for r in review.recommendations] == [f"9.{i}" for i in range(1, 19)]
    assert parse_text(text.replace("| 9.4 | That Southern Health NHS Foundation Trust review the format",
                                   "| 9.4 | That Southern Health NHS Foundation Trust | review the format"),
                      "p.txt").recommendations[3].addressed_to == ("Southern Health NHS Foundation Trust",)


@pytest.mark.parametrize("cell", ["including third-party calls", "and the police", "to be reviewed"])
def test_continuation_in_addressee_column_is_text(cell):
    assert split_cells(["Do this", cell], True) == (f"Do this | {cell}", [])


def test_parse_cli_json_contract_on_real_page_variants():
    import json

    from click.testing import CliRunner

    from dhr_graph.cli import main

    pages = [str(PARSER_DATA / name) for name in ("synthetic-per-agency-numbering.txt",
                                                  "synthetic-several-agencies.txt", "synthetic-missing-fields.txt")]
    result = CliRunner().invoke(main, ["parse", *pages, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [list(d) for d in data] == [["key", "key_rule", "id", "url", "file", "sha256",
                                        "title", "csp", "published", "year_of_death", "extracted_count", "summary",
                                        "source", "recommendations"]] * 3
    assert all(set(r) == {"number", "text", "addressed_to"} for d in data for r in d["recommendations"])
    assert [r["number"] for r in data[0]["recommendations"]] == ["1", "2", "1", "2", "3", "2"]
    assert data[1]["recommendations"][0]["addressed_to"] == ["Quenby Police", "Quenby Borough Council", "Probation"]
    assert data[2]["year_of_death"] is None
    assert result.stderr.count("warning:") == 1 and "no 'Year of death:' field" in result.stderr

    strict = CliRunner().invoke(main, ["parse", pages[2], "--strict"])
    assert strict.exit_code == 1 and "Traceback" not in strict.output
    (line,) = strict.stderr.strip().splitlines()
    assert "synthetic-missing-fields.txt: no 'Year of death:' field" in line and line.endswith("(--strict)")


@pytest.mark.parametrize(("name", "strength"), [
    ("Southampton City Council", REGISTERED),  # registered body
    ("Police", REGISTERED),  # generic name, scoped to the area
    ("All agencies", REGISTERED),  # group name
    ("Southampton CCG", REGISTERED),  # pattern that names a body of a known area
    ("Northvale Police", PATTERN),  # a typed pattern only says what it is
    ("Children", UNKNOWN),
    ("other agencies", UNKNOWN),
])
def test_registry_names_strength(name, strength):
    assert bundled_names()(name, "Northvale") == strength


def test_parse_cli_registry_tells_which_names_are_bodies(tmp_path):
    """A body the user registers is known, so the cell naming it beside another is split."""
    import json

    from click.testing import CliRunner

    from dhr_graph.cli import main

    page = tmp_path / "quenby.txt"
    text = (PARSER_DATA / "synthetic-several-agencies.txt").read_text(encoding="utf-8")
    page.write_text(text.replace("| Children and Families Service |",
                                 "| Quenby Police and Quenby Children and Families Service |"), encoding="utf-8")
    registry = tmp_path / "registry.ttl"
    registry.write_text(
        "@prefix dhr: <https://w3id.org/dhr-graph/def/> .\n@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "@prefix org: <http://www.w3.org/ns/org#> .\n"
        "<https://example.org/agency/quenby-cfs> a dhr:Agency , org:Organization ;\n"
        '    skos:prefLabel "Quenby Children and Families Service"@en ; dhr:scope "local" .\n', encoding="utf-8")

    def addressees(*extra: str) -> list[str]:
        result = CliRunner().invoke(main, ["parse", str(page), "--format", "json", *extra])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)[0]["recommendations"][2]["addressed_to"]

    assert addressees() == ["Quenby Police and Quenby Children and Families Service"]
    assert addressees("--registry", str(registry)) == ["Quenby Police", "Quenby Children and Families Service"]

    broken = tmp_path / "broken.ttl"
    broken.write_text("this is not turtle", encoding="utf-8")
    result = CliRunner().invoke(main, ["parse", str(page), "--registry", str(broken)])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "broken.ttl" in result.stderr and len(result.stderr.strip().splitlines()) == 1
