"""The endpoint's page in a real headless Chromium: it lists the named queries, and its query
box runs a query on the server and shows the answer on the page, with nothing from elsewhere."""

from __future__ import annotations

import json

import pytest

from dhr_graph.queries import library

from . import browser as browser_support

pytestmark = pytest.mark.slow

browser_support.require()

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = browser_support.chromium(tmp_path_factory.mktemp('chromium-profile'))
    try:
        yield driver
    finally:
        driver.quit()


def test_page_lists_queries_and_runs_the_query_box(browser, endpoint):
    browser.get(f"{endpoint}/")
    headings = {h.get_attribute("id") for h in browser.find_elements(By.CSS_SELECTOR, "section h3")}
    assert headings == set(library())
    box = browser.find_element(By.ID, "query")
    box.clear()
    box.send_keys("SELECT ?key WHERE { ?r a dhr:Review ; dcterms:identifier ?key }")
    Select(browser.find_element(By.ID, "format")).select_by_value("json")
    browser.find_element(By.CSS_SELECTOR, "#box button").click()
    out = browser.find_element(By.ID, "out")
    WebDriverWait(browser, 20).until(lambda d: out.text.strip().startswith("{"))
    answer = json.loads(out.text)
    assert [b["key"]["value"] for b in answer["results"]["bindings"]] == ["southampton-2020"]
    assert browser.current_url == f"{endpoint}/"  # shown on the page, not by leaving it
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    requested = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(url.startswith(endpoint) for url in requested)  # nothing fetched from elsewhere


def test_an_error_shows_its_status(browser, endpoint):
    browser.get(f"{endpoint}/")
    box = browser.find_element(By.ID, "query")
    box.clear()
    box.send_keys("DROP ALL")
    browser.find_element(By.CSS_SELECTOR, "#box button").click()
    out = browser.find_element(By.ID, "out")
    WebDriverWait(browser, 20).until(lambda d: out.text.startswith("HTTP"))
    assert out.text.startswith("HTTP 403: DROP is refused")
