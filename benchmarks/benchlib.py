"""What every benchmark script shares: timing by median, and its section of README.md."""

from __future__ import annotations

import statistics
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
