"""The explorer page's document, layout and bundled libraries (the browser test drives the page itself)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import networkx as nx
import pytest

from dhr_graph.explorer import VENDOR_DIR, explorer_document, render_page
from dhr_graph.layout import layout

from .export_support import AGENCIES, RECOMMENDATIONS, REVIEWS, build_store


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return explorer_document(build_store(tmp_path_factory.mktemp("explorer") / "store"))


def test_vendored_libraries_are_the_pinned_ones() -> None:
    manifest = json.loads((VENDOR_DIR / "vendor.json").read_text(encoding="utf-8"))
    assert {p["name"]: p["license"] for p in manifest["packages"]} == {"graphology": "MIT", "sigma": "MIT"}
    for name, digest in manifest["sha256"].items():
        assert hashlib.sha256((VENDOR_DIR / name).read_bytes()).hexdigest() == digest, name


def test_document_holds_every_agency_review_and_recommendation(document: dict) -> None:
    assert len(document["agencies"]) == AGENCIES and len(document["reviews"]) == REVIEWS
    assert len(document["recs"]) == RECOMMENDATIONS
    assert [r["id"] for r in document["reviews"]] == [  # in publication order
        "testshire-2021-01-d2019", "testshire-2022-06-d2020", "otherton-2023-03-d2021"]
    assert [r["year"] for r in document["reviews"]] == [2021, 2022, 2023]
    for review, number, text, agencies, themes in document["recs"]:
        assert 0 <= review < REVIEWS and number and text
        assert all(0 <= a < AGENCIES for a in agencies) and all(0 <= t < len(document["themes"]) for t in themes)
    # the "All agencies" group is not an agency: its recommendation is listed, addressed to no agency
    assert sum(1 for r in document["recs"] if not r[3]) == 1
    labels = [a["label"] for a in document["agencies"]]
    assert labels == sorted(labels, key=str.lower)
    assert all(-500 <= a["x"] <= 500 and -500 <= a["y"] <= 500 for a in document["agencies"])


def test_document_is_the_same_for_the_same_store(tmp_path: Path, document: dict) -> None:
    assert explorer_document(build_store(tmp_path / "again")) == document


def test_layout_places_every_node_of_a_graph_with_many_parts() -> None:
    graph = nx.barabasi_albert_graph(400, 2, seed=3)
    graph.add_edges_from([(1000, 1001), (1001, 1002), (2000, 2001)])
    graph.add_nodes_from(range(3000, 3050))  # lone agencies
    pos = layout(graph, core_size=100, iterations=30)
    assert set(pos) == set(graph)
    assert len(set(pos.values())) == len(pos)  # no two nodes on one spot
    assert layout(graph, core_size=100, iterations=30) == pos  # the same graph, the same positions
    # neighbours sit nearer to each other than nodes picked at random
    def dist(a: int, b: int) -> float:
        return ((pos[a][0] - pos[b][0]) ** 2 + (pos[a][1] - pos[b][1]) ** 2) ** 0.5
    near = sum(dist(u, v) for u, v in graph.edges) / graph.number_of_edges()
    nodes = sorted(graph)
    far = sum(dist(nodes[i], nodes[-1 - i]) for i in range(200)) / 200
    assert near < far / 2


def test_page_refuses_assets_that_would_end_their_element(monkeypatch: pytest.MonkeyPatch, document: dict) -> None:
    page = render_page(document)
    assert page.count("<script>") == 3 and '<script type="application/json" id="dhr-data">' in page
    from dhr_graph import explorer as html

    original = html._vendor_scripts
    monkeypatch.setattr(html, "_vendor_scripts", lambda: [*original(), "var s = '</SCRIPT>';"])
    with pytest.raises(ValueError, match="end its element"):
        render_page(document)
