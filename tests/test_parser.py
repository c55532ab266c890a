"""Parser: the reference page, the one-line header variant, numbering, pipes inside text."""

from __future__ import annotations

import pytest

from dhr_graph.errors import InputError
from dhr_graph.parser import is_recommendation_number, natural_key, parse_page, parse_text, split_cells

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


@pytest.mark.parametrize("cell", ["", "Recommendation", "see above", "9.1.", "1 2 3"])
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


def test_duplicate_number_names_both_lines(sample_text):
    text = sample_text.replace("| 9.2 | That Southampton", "| 9.1 | That Southampton")
    with pytest.raises(InputError) as info:
        parse_text(text, "dup.txt")
    assert "9.1 appears twice" in str(info.value)
    assert info.value.line is not None and str(info.value).startswith(f"dup.txt:{info.value.line}:")


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
