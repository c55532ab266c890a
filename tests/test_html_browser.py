"""The network page in a real headless Chromium (Debian's chromium + chromium-driver, via Selenium).

Checks what a person would: the page loads offline without console errors, draws one circle
per agency, search and click work, and a recommendation holding `<script>` shows as text and
never runs. A screenshot is kept in test-artifacts/ (not committed).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dhr_graph.html import write_html
from .export_support import AGENCIES, INJECTED_FLAG, build_store

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[dev]')")
if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip("Debian's chromium and chromium-driver are not installed "
                "(apt-get install chromium chromium-driver; .ci/run does this)", allow_module_level=True)

from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("html")
    store = build_store(root / "store")
    out = root / "network.html"
    assert write_html(store, out) == AGENCIES
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    options = Options()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,900",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _load(browser, page: Path) -> None:
    browser.get(page.as_uri())
    WebDriverWait(browser, 15).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")


def test_page_draws_every_agency_without_console_errors(browser, page: Path) -> None:
    _load(browser, page)
    circles = browser.find_elements(By.CSS_SELECTOR, "svg#network circle.node")
    assert len(circles) == AGENCIES
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg#network line.edge")) == 3
    assert browser.find_element(By.ID, "summary").text.startswith(f"{AGENCIES} of {AGENCIES} agencies")
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "network-page.png"))


def test_search_finds_an_agency_and_enter_selects_it(browser, page: Path) -> None:
    _load(browser, page)
    box = browser.find_element(By.ID, "search")
    box.send_keys("testshire")
    assert browser.find_element(By.ID, "network").get_attribute("data-matches") == "2"
    assert len(browser.find_elements(By.CSS_SELECTOR, "circle.node.match")) == 2
    buttons = [b.text for b in browser.find_elements(By.CSS_SELECTOR, "#matches button")]
    assert sorted(buttons) == ["Testshire County Council", "Testshire Police"]
    box.send_keys(Keys.ENTER)
    heading = browser.find_element(By.CSS_SELECTOR, "#details h2").text
    assert heading in buttons


def test_sector_filter_hides_other_sectors(browser, page: Path) -> None:
    _load(browser, page)
    select = browser.find_element(By.ID, "sector")
    police = next(o for o in select.find_elements(By.TAG_NAME, "option") if o.text.startswith("Police"))
    police.click()
    shown = browser.find_elements(By.CSS_SELECTOR, "circle.node:not(.hidden)")
    assert [c.get_attribute("data-label") for c in shown] == ["Testshire Police"]
    assert browser.find_elements(By.CSS_SELECTOR, "line.edge:not(.hidden)") == []


def test_click_lists_recommendations_and_injected_script_stays_text(browser, page: Path) -> None:
    _load(browser, page)
    council = browser.find_element(By.CSS_SELECTOR, 'circle.node[data-label="Testshire County Council"]')
    council.click()
    details = browser.find_element(By.ID, "details")
    assert details.find_element(By.TAG_NAME, "h2").text == "Testshire County Council"
    reviews = [h.text for h in details.find_elements(By.TAG_NAME, "h3")]
    assert reviews == ["Synthetic review A (Testshire)", "Synthetic review B (Testshire)"]
    items = [li.text for li in details.find_elements(By.CSS_SELECTOR, "li")]
    assert len(items) == 3
    injected = next(t for t in items if "window." in t)
    assert "<script>window.__dhrInjected = true;</script>" in injected
    assert "<b>bold</b>" in injected
    assert details.find_elements(By.TAG_NAME, "script") == []
    assert details.find_elements(By.TAG_NAME, "b") == []
    assert browser.execute_script(f"return window.{INJECTED_FLAG} === undefined")
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == []
    browser.save_screenshot(str(ARTIFACTS / "network-page-selected.png"))


def test_page_needs_nothing_from_the_network(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert "http-equiv=\"Content-Security-Policy\"" in text
    assert "src=" not in text and "<link" not in text
    assert "<script>window" not in text  # the data block escapes '<'
