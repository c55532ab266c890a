"""The explorer page in a real headless Chromium (Debian's chromium + chromium-driver, via Selenium).

Checks what a person would: the page loads offline without console errors and draws the
network with WebGL (sigma.js), search, filters and panels work, the charts follow the filters,
and a recommendation holding `<script>` shows as text and never runs. Screenshots are kept in
test-artifacts/ (not committed).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from dhr_graph import resources
from dhr_graph.explorer import write_html
from dhr_graph.inputfiles import turtle_quads
from dhr_graph.iris import reference_graph_iri
from dhr_graph.store import GraphStore

from . import browser as browser_support
from .export_support import AGENCIES, INJECTED_FLAG, build_store

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"

browser_support.require()

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

# A recurring-recommendation link between reviews A and C, so the review panel has a pair to show.
RECURRING = """
@prefix dhr: <https://w3id.org/dhr-graph/def/> .
@prefix basis: <https://w3id.org/dhr-graph/scheme/link-basis/> .
@prefix id: <https://example.org/dhr/id/> .
<https://w3id.org/dhr-graph/graph/links/recurring-test> {
  id:link\\/a-c-rec a dhr:ReviewLink ; dhr:basis basis:recurring-recommendation ; dhr:score 0.61 ;
    dhr:earlierReview id:review\\/testshire-2021-01-d2019 ; dhr:laterReview id:review\\/otherton-2023-03-d2021 ;
    dhr:earlierRecommendation id:review\\/testshire-2021-01-d2019\\/rec\\/1 ;
    dhr:laterRecommendation id:review\\/otherton-2023-03-d2021\\/rec\\/1 .
}
"""


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("html")
    store = build_store(root / "store")
    quads = list(ox.parse(RECURRING, format=ox.RdfFormat.TRIG))
    bases = resources.ontology_dir() / "link-bases.ttl"  # the labels of the link bases, as a build loads them
    store.replace({"https://w3id.org/dhr-graph/graph/links/recurring-test": quads,
                   reference_graph_iri(bases): turtle_quads(bases, reference_graph_iri(bases))})
    out = root / "network.html"
    assert write_html(store, out) == AGENCIES
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    driver = browser_support.chromium(tmp_path_factory.mktemp('chromium-profile'))
    try:
        yield driver
    finally:
        driver.quit()


def _load(browser, page: Path) -> None:
    browser.get(page.as_uri())
    WebDriverWait(browser, 30).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")


def _errors(browser) -> list[dict]:
    return [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]


def _network(browser, attr: str) -> str:
    return browser.find_element(By.ID, "network").get_attribute(f"data-{attr}")


def test_page_draws_the_network_with_webgl_without_console_errors(browser, page: Path) -> None:
    _load(browser, page)
    assert _network(browser, "nodes") == str(AGENCIES)
    assert _network(browser, "edges") == "3"  # police-council, council-trust, police-trust
    assert browser.find_element(By.ID, "summary").text.startswith(f"{AGENCIES} of {AGENCIES} agencies, 3 links")
    assert browser.find_elements(By.CSS_SELECTOR, "#network canvas")  # sigma's WebGL and label layers
    assert int(_network(browser, "labels")) == AGENCIES  # four labels fit: none is dropped
    assert _errors(browser) == []
    ARTIFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "explorer.png"))


def test_search_finds_agencies_and_reviews_and_enter_opens_the_first(browser, page: Path) -> None:
    _load(browser, page)
    box = browser.find_element(By.ID, "search")
    box.send_keys("testshire")
    buttons = browser.find_elements(By.CSS_SELECTOR, "#matches button")
    found = sorted((b.find_element(By.CLASS_NAME, "kind").text, b.text.split(None, 1)[1] if " " in b.text else b.text)
                   for b in buttons)
    labels = sorted((kind, b.text[len(kind):].strip()) for kind, b in
                    ((b.find_element(By.CLASS_NAME, "kind").text, b) for b in buttons))
    assert labels == [("agency", "Testshire County Council"), ("agency", "Testshire Police"),
                      ("review", "Synthetic review A (Testshire) (testshire-2021-01-d2019)"),
                      ("review", "Synthetic review B (Testshire) (testshire-2022-06-d2020)")], found
    assert _network(browser, "matches") == "4"
    box.send_keys(Keys.ENTER)
    assert browser.find_element(By.CSS_SELECTOR, "#details h2").text in ("Testshire County Council", "Testshire Police")


def test_sector_filter_hides_other_sectors_and_their_links(browser, page: Path) -> None:
    _load(browser, page)
    for box in browser.find_elements(By.CSS_SELECTOR, "#sectors input"):
        if not box.find_element(By.XPATH, "..").text.startswith("Police"):
            box.click()
    assert _network(browser, "nodes") == "1" and _network(browser, "edges") == "0"
    bars = browser.find_element(By.ID, "chart-agencies").get_attribute("data-bars")
    assert bars == "1"
    browser.find_element(By.ID, "reset").click()
    assert _network(browser, "nodes") == str(AGENCIES)


def test_theme_and_year_filters_change_network_and_charts(browser, page: Path) -> None:
    _load(browser, page)
    Select(browser.find_element(By.ID, "theme")).select_by_visible_text("Carers")
    # one recommendation (review B): the trust and the council, one link
    assert (_network(browser, "nodes"), _network(browser, "edges")) == ("2", "1")
    assert "1 of 6 recommendations from 1 of 3 reviews" in browser.find_element(By.ID, "summary").text
    browser.find_element(By.ID, "reset").click()
    Select(browser.find_element(By.ID, "year-from")).select_by_visible_text("2023")
    assert (_network(browser, "nodes"), _network(browser, "edges")) == ("1", "0")  # the ministry, review C
    assert browser.find_element(By.ID, "chart-sectors").get_attribute("data-bars") == "1"
    Select(browser.find_element(By.ID, "year-from")).select_by_visible_text("2021")
    Select(browser.find_element(By.ID, "area")).select_by_visible_text("Testshire")
    assert _network(browser, "nodes") == "3"
    assert _errors(browser) == []


def test_agency_panel_lists_recommendations_and_injected_script_stays_text(browser, page: Path) -> None:
    _load(browser, page)
    box = browser.find_element(By.ID, "search")
    box.send_keys("County Council")
    box.send_keys(Keys.ENTER)
    details = browser.find_element(By.ID, "details")
    assert details.find_element(By.TAG_NAME, "h2").text == "Testshire County Council"
    reviews = [h.text for h in details.find_elements(By.TAG_NAME, "h3")]
    assert reviews == ["Synthetic review A (Testshire) (testshire-2021-01-d2019)",
                       "Synthetic review B (Testshire) (testshire-2022-06-d2020)"]
    items = [li.text for li in details.find_elements(By.CSS_SELECTOR, "li")]
    assert len(items) == 3
    injected = next(t for t in items if "window." in t)
    assert "<script>window.__dhrInjected = true;</script>" in injected and "<b>bold</b>" in injected
    assert details.find_elements(By.TAG_NAME, "script") == [] and details.find_elements(By.TAG_NAME, "b") == []
    assert browser.execute_script(f"return window.{INJECTED_FLAG} === undefined")
    assert _errors(browser) == []
    browser.save_screenshot(str(ARTIFACTS / "explorer-agency.png"))


def test_review_panel_shows_links_and_recurring_recommendations_side_by_side(browser, page: Path) -> None:
    _load(browser, page)
    box = browser.find_element(By.ID, "search")
    box.send_keys("review A")
    box.send_keys(Keys.ENTER)
    details = browser.find_element(By.ID, "details")
    assert details.find_element(By.TAG_NAME, "h2").text == "Synthetic review A (Testshire)"
    headings = [h.text for h in details.find_elements(By.TAG_NAME, "h3")]
    assert headings == ["Recommendations (3)", "Linked reviews (2)", "Recurring recommendations (1)"]
    bases = sorted(h.text for h in details.find_elements(By.TAG_NAME, "h4"))
    assert bases == ["Same partnership", "Shared organisation"]
    cells = [td.text for td in details.find_elements(By.CSS_SELECTOR, "table.pairs td")]
    assert cells[0].startswith("1 Synthetic: police and council to share risk information.")
    assert "Synthetic: the ministry to publish guidance on risk tools." in cells[1] and cells[2] == "0.61"
    # a linked review opens in its turn
    details.find_element(By.CSS_SELECTOR, "table.pairs button").click()
    assert browser.find_element(By.CSS_SELECTOR, "#details h2").text == "Synthetic review C (Otherton)"
    assert _errors(browser) == []
    browser.save_screenshot(str(ARTIFACTS / "explorer-review.png"))


def test_page_needs_nothing_from_the_network(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert 'http-equiv="Content-Security-Policy"' in text and "script-src 'sha256-" in text
    assert "src=" not in text.split('id="dhr-data"')[0] and "<link" not in text
    assert "<script>window" not in text  # the data block escapes '<'
    assert "Permission is hereby granted" in text  # the bundled libraries' MIT notices travel with them


def test_a_hundred_review_corpus_loads_and_filters(browser, tmp_path: Path) -> None:
    """A generated corpus, built through the real pipeline: the page at a size where layout matters."""
    corpus = tmp_path / "corpus"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate_corpus.py"), "--reviews", "100",
                    "--out", str(corpus)], check=True, capture_output=True)
    from dhr_graph.pipeline import build

    report = build([corpus], tmp_path / "store")
    assert report.committed and not report.failed
    out = tmp_path / "explorer.html"
    agencies = write_html(GraphStore(tmp_path / "store"), out)
    _load(browser, out)
    assert int(_network(browser, "nodes")) == agencies > 100
    labels = int(_network(browser, "labels"))
    assert 5 <= labels <= 80  # labels by importance, not all of them at once
    Select(browser.find_element(By.ID, "theme")).select_by_index(1)
    assert 0 < int(_network(browser, "nodes")) < agencies
    assert _errors(browser) == []
    browser.save_screenshot(str(ARTIFACTS / "explorer-100.png"))


def test_region_force_and_case_type_filters_on_the_sample_with_its_case(browser, tmp_path: Path) -> None:
    """The sample review lies in the South East and Hampshire's police force area (ONS geography),
    and the DHRD case it is joined to (INC-0045) is a parricide: the page offers each as a filter."""
    from dhr_graph.cases import bundled_incidents, import_cases
    from dhr_graph.pipeline import build

    report = build(None, tmp_path / "store")
    assert report.committed and not report.failed
    import_cases(bundled_incidents(), tmp_path / "store")
    out = tmp_path / "explorer.html"
    agencies = write_html(GraphStore(tmp_path / "store"), out)
    _load(browser, out)
    for select, wanted in (("region", "South East"), ("force", "Hampshire"), ("case-type", "Parricide")):
        options = [o.text for o in Select(browser.find_element(By.ID, select)).options]
        assert wanted in options, (select, options)
        Select(browser.find_element(By.ID, select)).select_by_visible_text(wanted)
        assert _network(browser, "nodes") == str(agencies)  # the one review is in each
    browser.find_element(By.ID, "reset").click()
    box = browser.find_element(By.ID, "search")
    box.send_keys("southampton-2020")
    box.send_keys(Keys.ENTER)
    meta = " ".join(p.text for p in browser.find_elements(By.CSS_SELECTOR, "#details p.meta"))
    assert "South East" in meta and "Hampshire police force area" in meta and "Parricide" in meta
    assert _errors(browser) == []
