"""Time the explorer page (issue 19): writing it from a store, its layout, and loading it in Chromium.

Steps: generate the SYNTHETIC corpus (generate_corpus.py, kept in --work), build its store once,
then, as medians of --runs runs:
- toolkit: `write_html` (queries, layout, page), and of it the layout alone;
- baseline: networkx's ForceAtlas2 over the whole affinity graph (every pair of nodes on every
  iteration), once, for the ratio against the layout the page uses;
- browser: headless Chromium (Debian's, driven by Selenium) opening the page until it says it is
  ready (data read, network drawn with WebGL, charts drawn), and re-filtering by a theme.
Peak memory of this process is reported (ru_maxrss). The figures go to benchmarks/README.md.

    python benchmarks/bench_explorer.py [--reviews 2000] [--runs 3] [--work DIR]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchlib import corpus_store, median_time, write_section

HERE = Path(__file__).resolve().parent
LOAD_TARGET_S = 5.0


def _browser(profile: Path):  # noqa: ANN202 - selenium is a dev extra
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1400,1000", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                              options=options)
    driver.set_page_load_timeout(120)
    return driver


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=HERE / "corpus")
    args = parser.parse_args(argv)

    import networkx as nx
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from dhr_graph.explorer import affinity_graph, explorer_document, write_html
    from dhr_graph.layout import layout
    from dhr_graph.store import GraphStore

    _, store_path = corpus_store(args.reviews, args.work)
    store = GraphStore(store_path)

    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "explorer.html"
        t_page, n_agencies = median_time(lambda: write_html(store, out), args.runs)
        size_mb = out.stat().st_size / 1e6
        doc = explorer_document(store)
        affinity = affinity_graph(len(doc["agencies"]), doc["recs"])
        t_layout, _ = median_time(lambda: layout(affinity), args.runs)
        start = time.perf_counter()
        nx.forceatlas2_layout(affinity, max_iter=100, seed=7, weight="weight")
        t_fa2 = time.perf_counter() - start
        rows += [("toolkit: write the page (queries, layout, HTML)", f"{t_page:.2f}"),
                 ("  of which: layout (ForceAtlas2 skeleton + placement)", f"{t_layout:.2f}"),
                 ("baseline: networkx ForceAtlas2 over every node, 100 iterations (1 run)", f"{t_fa2:.2f}"),
                 ("layout speed-up over the baseline", f"{t_fa2 / max(t_layout, 1e-9):.1f}x")]

        driver = _browser(Path(tmp) / "profile")
        try:
            def load() -> None:
                driver.get(out.as_uri())
                WebDriverWait(driver, 120).until(
                    lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")

            t_load, _ = median_time(load, args.runs)
            refilter = ("const s = document.getElementById('theme'); const t = performance.now();"
                        "s.selectedIndex = 1; s.dispatchEvent(new Event('change'));"
                        "const d = performance.now() - t; s.selectedIndex = 0;"
                        "s.dispatchEvent(new Event('change')); return d;")
            filters = sorted(float(driver.execute_script(refilter)) for _ in range(max(3, args.runs)))
            errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
        finally:
            driver.quit()
        rows += [("browser: open the page until ready (median)", f"{t_load:.2f}"),
                 ("browser: re-filter by a theme (median, ms)", f"{filters[len(filters) // 2]:.0f}"),
                 ("browser: console errors", str(len(errors)))]

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    head = (f"{args.reviews} SYNTHETIC reviews; {n_agencies} agencies, {len(doc['recs'])} recommendations, "
            f"{len(doc['links'])} links; page {size_mb:.1f} MB; medians of {args.runs} runs; peak memory of "
            f"this process {peak:.0f} MB; run on {time.strftime('%Y-%m-%d')}")
    table = "| step | seconds |\n|---|---:|\n" + "\n".join(f"| {label} | {value} |" for label, value in rows)
    print(f"\n{head}\n\n{table}")
    ok = t_load < LOAD_TARGET_S and not errors
    verdict = (f"The page {'opens' if ok else 'does NOT open'} within the {LOAD_TARGET_S:.0f} s target "
               f"({t_load:.2f} s) {'without' if not errors else 'WITH'} console errors.")
    print(verdict)
    write_section("explorer", "Explorer page (issue 19)", f"{head}.\n\n{table}\n\n{verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
