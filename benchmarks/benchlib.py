"""What every benchmark script shares: timing by median, and its section of README.md."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

README = Path(__file__).resolve().parent / "README.md"
T = TypeVar("T")


def median_time(func: Callable[[], T], runs: int) -> tuple[float, T]:
    """Median wall time of `runs` calls (the machine is shared and noisy), and the last result."""
    times: list[float] = []
    result: T
    for _ in range(runs):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def write_section(name: str, heading: str, body: str, path: Path = README) -> None:
    """Replace the text between `<!-- bench:NAME -->` markers, adding the section if missing."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{body}\n{end}"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if start in old and end in old:
        before, rest = old.split(start, 1)
        new = before + block + rest.split(end, 1)[1]
    else:
        new = old.rstrip("\n") + f"\n\n## {heading}\n\n" + block + "\n"
    path.write_text(new, encoding="utf-8")


def corpus_store(reviews: int, work: Path) -> tuple[Path, Path]:
    """(pages, store) of the SYNTHETIC corpus of `reviews` reviews in `work`, each made once and kept
    between runs: the pages by generate_corpus.py, the store by a build. Set-up, never timed."""
    import subprocess
    import sys

    from dhr_graph.pipeline import build

    pages, store = work / f"pages-{reviews}", work / f"store-{reviews}"
    if not pages.is_dir():
        subprocess.run([sys.executable, str(Path(__file__).with_name("generate_corpus.py")), "--reviews",
                        str(reviews), "--out", str(pages)], check=True)
    if not (store / "CURRENT").is_file():
        report = build([pages], store)
        print(f"built {len(report.landed)} of {len(report.pages)} pages into {store}", file=sys.stderr)
    return pages, store


def save_or_check(digest: str, save: Path | None, check: Path | None) -> int:
    """Write a run's results digest (`--save`), or compare it with one another version of the
    code saved (`--check`): 1 when they differ, so that a quicker version is also the same one."""
    if save:
        save.write_text(digest + "\n", encoding="utf-8")
    if check:
        expected = check.read_text(encoding="utf-8").strip()
        if expected != digest:
            print(f"{check}: results differ ({expected[:16]} saved, {digest[:16]} now)", file=sys.stderr)
            return 1
        print("same results as", check)
    return 0
