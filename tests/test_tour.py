"""The README's tour runs as written on a fresh copy of the repository after `make demo`.

A newcomer's first run is the toolkit's first impression: this copies the repository (the files git
would clone, plus new ones not yet committed), runs `make demo` there exactly as the README says, then
every line of the README blocks marked `<!-- tour:run -->`, verbatim, in one bash session.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def tour_blocks(readme: str) -> list[str]:
    """The shell blocks of the README that the tour promises run verbatim."""
    return re.findall(r"<!-- tour:run -->\n```sh\n(.*?)```", readme, flags=re.S)


def _repository_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout: the tour test copies the files git would clone")
    return [f for f in listed.stdout.splitlines() if (ROOT / f).is_file()]


def test_readme_marks_the_tour() -> None:
    blocks = tour_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(blocks) == 2 and blocks[0].strip() == "source .venv/bin/activate"
    assert sum(line.startswith("dhr-graph") for line in blocks[1].splitlines()) >= 10


def test_tour_runs_verbatim_after_make_demo(tmp_path: Path) -> None:
    if shutil.which("make") is None or shutil.which("git") is None or shutil.which("bash") is None:
        pytest.skip("make, git and bash are needed to run the README's first steps")
    clone = tmp_path / "dhr-graph"
    for name in _repository_files():
        (clone / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, clone / name)
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "DHR_GRAPH_STORE", "PYTHONPATH"}}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if not p.startswith(str(Path(sys.prefix))))
    demo = subprocess.run(["make", "demo", f"PYTHON={sys.executable}"], cwd=clone, env=env,
                          capture_output=True, text=True, timeout=600)
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    assert (clone / "dhr-store").is_dir()
    assert "Southern Health NHS Foundation Trust" in demo.stdout

    script = "set -e -o pipefail\n" + "".join(tour_blocks((clone / "README.md").read_text(encoding="utf-8")))
    tour = subprocess.run(["bash", "-x", "-c", script], cwd=clone, env=env, capture_output=True, text=True,
                          timeout=600)
    assert tour.returncode == 0, tour.stderr[-3000:]
    # a few things a newcomer reads: the counts, the CSV, the whole cells, the exports
    assert "reviews" in tour.stdout and "quads (triples x graphs)" in tour.stdout
    assert "Southern Health NHS Foundation Trust,6" in tour.stdout.replace('"', "")
    for out in ("out/dhr.trig", "out/dhr.trig.void.ttl", "out/agencies.graphml", "out/explorer.html"):
        assert (clone / out).stat().st_size > 0, out

    completion = subprocess.run(["bash", "-c", "source .venv/bin/activate && _DHR_GRAPH_COMPLETE=bash_source dhr-graph"],
                                cwd=clone, env=env, capture_output=True, text=True, timeout=60)
    assert "complete" in completion.stdout and "dhr-graph" in completion.stdout
