"""A built wheel carries ontology/, shapes/, queries/ and the sample, and works outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("hatchling")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out), str(ROOT)], check=True, capture_output=True)
    return next(out.glob("dhr_graph-*.whl"))


@pytest.mark.slow
def test_wheel_contains_package_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("ontology", "shapes", "queries"):
        bundled = {p.name for p in (ROOT / folder).iterdir() if p.is_file()}
        in_wheel = {Path(n).name for n in names if n.startswith(f"dhr_graph/data/{folder}/")}
        assert bundled <= in_wheel, f"{folder}: missing {bundled - in_wheel}"
    assert "dhr_graph/data/samples/southampton-2020.txt" in names
    assert "dhr_graph/data/shapes/cases/dhr-cases.ttl" in names
    for name in ("incidents.csv", "LICENSE", "CITATION.cff", "dataset.ttl", "README.md"):
        assert f"dhr_graph/data/dhrd/{name}" in names  # the DHRD copy travels with its licence and citation
    assert "dhr_graph/py.typed" in names  # type checkers read the package's annotations
    assert any(n.endswith("entry_points.txt") for n in names)


@pytest.mark.slow
def test_installed_package_works_outside_checkout(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    build = subprocess.run([sys.executable, "-m", "dhr_graph", "build", "--store", "st"],
                           cwd=work, env=env, capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    query = subprocess.run([sys.executable, "-m", "dhr_graph", "query", "shared-agencies", "--store", "st",
                            "--format", "csv"], cwd=work, env=env, capture_output=True, text=True)
    assert query.returncode == 0, query.stderr
    assert "Southern Health NHS Foundation Trust" in query.stdout
    cases = subprocess.run([sys.executable, "-m", "dhr_graph", "cases", "import", "--store", "st"],
                           cwd=work, env=env, capture_output=True, text=True)
    assert cases.returncode == 0, cases.stderr
    assert "647 cases imported" in cases.stdout and "1 linked to one case" in cases.stdout
    # the run used the wheel's copy of the data, not the checkout's
    where = subprocess.run([sys.executable, "-c", "from dhr_graph import resources; print(resources.queries_dir())"],
                           cwd=work, env=env, capture_output=True, text=True)
    assert where.stdout.strip().startswith(str(site))
