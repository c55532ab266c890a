"""Shared fixtures. Tests never need ../shared: the reference page ships inside the package."""

from __future__ import annotations

from pathlib import Path

import pytest

from dhr_graph import resources

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
PARSER_DATA = DATA / "parser"
SHARED_DATA = TESTS.parent.parent / "shared" / "data"


@pytest.fixture(scope="session")
def sample_page() -> Path:
    return resources.sample_pages()[0]


@pytest.fixture(scope="session")
def sample_text(sample_page: Path) -> str:
    return sample_page.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def toolkit():
    """The default toolkit (registry, themes, shapes), loaded once per test session."""
    from dhr_graph.pipeline import Toolkit

    return Toolkit.load()


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory, toolkit):
    """A store built from the bundled sample page; tests must not write to it."""
    from dhr_graph.pipeline import build

    path = tmp_path_factory.mktemp("sample") / "store"
    report = build(None, path, toolkit=toolkit)
    assert report.committed and not report.failed
    return path


@pytest.fixture(scope="session")
def registry():
    """The bundled agency registry (national lists and curated names), loaded once per test session."""
    from dhr_graph.agencies import Registry

    return Registry.load()


@pytest.fixture(scope="session")
def minter():
    from dhr_graph.iris import Minter

    return Minter()


@pytest.fixture(scope="module")
def endpoint(sample_store):
    """`dhr-graph serve` on the sample store, on a free loopback port (tests/servers.py)."""
    from . import servers

    proc, base = servers.start_serve(sample_store)
    yield base
    servers.stop(proc)
