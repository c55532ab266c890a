"""Review identity: different reviews never share an IRI; the same or a corrected page keeps its own."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from dhr_graph.identity import identify, legacy_review_key, normalise_url
from dhr_graph.iris import Minter
from dhr_graph.parser import parse_page, parse_text
from dhr_graph.pipeline import build
from dhr_graph.store import GraphStore

DHR = "https://w3id.org/dhr-graph/def/"
BASE = "https://w3id.org/dhr-graph/id/"
RV = f"{BASE}review/"


def page_variant(text: str, n: int) -> str:
    """The sample page with recommendation 9.1 reworded: a different review of the same
    partnership, publication month and year of death (as bulk publication dates give)."""
    return text.replace("Advice to be sought from the Home Office",
                        f"Advice (variant {n}) to be sought from the Home Office")


@pytest.fixture()
def corpus(tmp_path, sample_text) -> Path:
    """Three different Southampton reviews, all published June 2025 about a death in 2020."""
    folder = tmp_path / "pages"
    folder.mkdir()
    for n, name in enumerate(["soton-a.txt", "soton-b.txt", "soton-c.txt"]):
        (folder / name).write_text(page_variant(sample_text, n), encoding="utf-8")
    return folder


def reviews(store: Path) -> dict[str, str]:
    """Review IRI -> the text of its recommendation 9.1."""
    gs = GraphStore(store)
    try:
        rows = gs.query(f"SELECT ?rv ?t WHERE {{ ?rv <{DHR}recommendation> ?r . ?r <{DHR}number> \"9.1\" ; "
                        f"<{DHR}text> ?t }}")
        return {row["rv"].value: row["t"].value for row in rows}
    finally:
        gs.close()


def graph_quads(store: Path, graph_iri: str) -> set[str]:
    gs = GraphStore(store)
    try:
        return {str(q) for q in gs.quads(graph_iri) if "generatedAtTime" not in str(q.predicate)}
    finally:
        gs.close()


def test_reviews_sharing_partnership_month_and_year_of_death_all_land(corpus, toolkit, tmp_path):
    report = build([corpus], tmp_path / "store", toolkit=toolkit)
    assert [p.status for p in report.pages] == ["landed"] * 3
    found = reviews(tmp_path / "store")
    assert set(found) == {RV + "soton-a", RV + "soton-b", RV + "soton-c"}
    assert len(set(found.values())) == 3  # three reviews, each with its own recommendations


def test_same_corpus_built_twice_gives_the_same_iris(corpus, toolkit, tmp_path):
    build([corpus], tmp_path / "one", toolkit=toolkit)
    build([corpus], tmp_path / "two", toolkit=toolkit)
    assert reviews(tmp_path / "one") == reviews(tmp_path / "two")
    build([corpus], tmp_path / "one", toolkit=toolkit)  # re-ingest into the same store: replaced, not doubled
    assert reviews(tmp_path / "one") == reviews(tmp_path / "two")
    gs = GraphStore(tmp_path / "one")
    assert len([g for g in gs.named_graphs() if "/graph/review/" in g]) == 3


def test_rebuilding_one_corrected_page_replaces_only_that_review(corpus, toolkit, tmp_path):
    store = tmp_path / "store"
    build([corpus], store, toolkit=toolkit)
    others = {name: graph_quads(store, f"{BASE}graph/review/{name}") for name in ("soton-a", "soton-c")}
    page = corpus / "soton-b.txt"
    page.write_text(page.read_text(encoding="utf-8").replace("(variant 1)", "(corrected)"), encoding="utf-8")
    report = build([page], store, toolkit=toolkit)
    assert [p.status for p in report.pages] == ["landed"]
    found = reviews(store)
    assert len(found) == 3 and "(corrected)" in found[RV + "soton-b"]
    for name, quads in others.items():
        assert graph_quads(store, f"{BASE}graph/review/{name}") == quads


def test_id_and_url_lines_name_the_review_whatever_the_file(tmp_path, sample_text):
    head = "CSP: Southampton"
    with_id = parse_text(sample_text.replace(head, f"Id: HO-DHR 2025/17\n{head}"), str(tmp_path / "x.txt"))
    assert identify(with_id).key == "ho-dhr-2025-17" and identify(with_id).rule == "id"
    url = "https://www.gov.uk/Library/DHR/Southampton-Adult-F.pdf#page=2"
    with_url = parse_text(sample_text.replace(head, f"URL: {url}\n{head}"), str(tmp_path / "y.txt"))
    ident = identify(with_url)
    assert ident.rule == "url" and ident.key.startswith("southampton-adult-f-") and len(ident.key) == 28
    assert ident.handle == normalise_url("HTTPS://WWW.GOV.UK/Library/DHR/Southampton-Adult-F.pdf")
    renamed = parse_text(sample_text.replace(head, f"URL: {url}\n{head}"), str(tmp_path / "renamed.txt"))
    assert identify(renamed).key == ident.key
    assert with_id.title == "Southampton review"  # an identity line does not disturb the header


def test_identity_line_errors_name_file_and_line(sample_text):
    from dhr_graph.errors import InputError

    with pytest.raises(InputError, match=r"^p.txt:2: 'URL:' is not an http\(s\) address"):
        parse_text("Title\nURL: www.example.org\n" + sample_text, "p.txt")
    with pytest.raises(InputError, match=r"^p.txt:3: a second 'Id:' line"):
        parse_text("Title\nId: a\nId: b\n" + sample_text, "p.txt")


def test_a_second_page_with_the_same_key_is_reported_not_merged(tmp_path, toolkit, sample_text):
    for folder in ("2023", "2024"):
        (tmp_path / folder).mkdir()
    (tmp_path / "2023" / "kent.txt").write_text(page_variant(sample_text, 1), encoding="utf-8")
    (tmp_path / "2024" / "kent.txt").write_text(page_variant(sample_text, 2), encoding="utf-8")
    report = build([tmp_path / "2023", tmp_path / "2024"], tmp_path / "store", toolkit=toolkit)
    assert [p.status for p in report.pages] == ["landed", "error"]
    message = report.pages[1].messages[0]
    assert "2024/kent.txt: has the same review key 'kent' as" in message and "2023/kent.txt" in message
    assert "'Id:' line" in message


def test_a_byte_identical_copy_already_in_the_store_is_left_out(tmp_path, toolkit, sample_page):
    store = tmp_path / "store"
    build([sample_page], store, toolkit=toolkit)
    copy = tmp_path / "copy.txt"
    shutil.copy(sample_page, copy)
    report = build([copy], store, toolkit=toolkit)
    assert report.pages[0].status == "error" and not report.committed
    assert "same page as the stored review southampton-2020" in report.pages[0].messages[0]


def test_replacing_a_review_of_another_partnership_warns(tmp_path, toolkit, sample_text):
    page = tmp_path / "review.txt"
    page.write_text(sample_text, encoding="utf-8")
    build([page], tmp_path / "store", toolkit=toolkit)
    page.write_text(sample_text.replace("CSP: Southampton", "CSP: Portsmouth"), encoding="utf-8")
    report = build([page], tmp_path / "store", toolkit=toolkit)
    assert report.pages[0].status == "landed"
    assert any("for partnership southampton" in m for m in report.pages[0].messages)


def test_a_store_with_old_keys_is_migrated_by_rebuilding_its_pages(tmp_path, toolkit, sample_page):
    """Simulate a store built before review identity: the sample's graph under its old key."""
    store = tmp_path / "store"
    build([sample_page], store, toolkit=toolkit)
    old_key = legacy_review_key(parse_page(sample_page))
    assert old_key == "southampton-2025-06-d2020"
    gs = GraphStore(store)
    quads = []
    for q in gs.quads():
        terms = []
        for t in (q.subject, q.predicate, q.object, q.graph_name):
            if isinstance(t, ox.NamedNode) and "/southampton-2020" in t.value:
                t = ox.NamedNode(t.value.replace("/southampton-2020", f"/{old_key}"))
            elif isinstance(t, ox.Literal) and t.value == "southampton-2020":
                t = ox.Literal(old_key)
            terms.append(t)
        quads.append(ox.Quad(*terms))
    gs.replace({}, remove=gs.named_graphs(), edit=lambda work: work.bulk_extend(quads))
    minter = Minter()
    assert minter.review_graph(old_key) in GraphStore(store).named_graphs()

    report = build([sample_page], store, toolkit=toolkit)
    assert report.pages[0].status == "landed"
    assert any(f"replaces {old_key}" in m for m in report.pages[0].messages)
    gs = GraphStore(store)
    assert minter.review_graph(old_key) not in gs.named_graphs()
    assert minter.review_graph("southampton-2020") in gs.named_graphs()
    left = gs.query(f"ASK {{ {{ ?s ?p <{minter.review(old_key)}> }} UNION {{ <{minter.review(old_key)}> ?p ?o }} }}")
    assert not left, "nothing refers to the review under its old key any more"
