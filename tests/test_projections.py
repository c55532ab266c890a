"""Network projections and every network format, read back and counted."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from dhr_graph.cli.export import command
from dhr_graph.errors import DhrGraphError
from dhr_graph.networkfiles import GRAPH_FORMATS, csv_paths, dot_quote, write_graph
from dhr_graph.projections import PROJECTIONS, project

from .export_support import AGENCIES, COADDRESS_EDGES, REVIEW_AGENCY_EDGES, REVIEWS, THEMES, build_store

POLICE = "https://w3id.org/dhr-graph/registry/testshire-police"
COUNCIL = "https://w3id.org/dhr-graph/registry/testshire-council"
TRUST = "https://w3id.org/dhr-graph/registry/test-health-trust"
REVIEW_A = "https://example.org/dhr/id/review/testshire-2021-01-d2019"
REVIEW_B = "https://example.org/dhr/id/review/testshire-2022-06-d2020"
REVIEW_C = "https://example.org/dhr/id/review/otherton-2023-03-d2021"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    return build_store(tmp_path_factory.mktemp("proj") / "store")


@pytest.fixture(scope="module")
def graphs(store) -> dict[str, nx.Graph]:
    return {name: project(store, name) for name in PROJECTIONS}


def test_agency_coaddress_counts_and_attributes(graphs) -> None:
    g = graphs["agency-coaddress"]
    assert g.number_of_nodes() == AGENCIES and g.number_of_edges() == COADDRESS_EDGES
    assert g.edges[POLICE, COUNCIL]["weight"] == 2 and g.edges[POLICE, TRUST]["weight"] == 1
    assert g.edges[COUNCIL, TRUST] == {"weight": 2, "reviews": 2, "basis": "co-addressed"}
    police = g.nodes[POLICE]
    assert police["label"] == "Testshire Police" and police["sector"] == "Police"
    assert (police["recommendations"], police["reviews"]) == (3, 2)
    assert police["theme"] == "Risk assessment and management"
    assert not any(d["label"] == "All agencies" for _, d in g.nodes(data=True))  # a group is not one body


def test_review_agency_is_bipartite(graphs) -> None:
    g = graphs["review-agency"]
    reviews = {n for n, d in g.nodes(data=True) if d["bipartite"] == 0}
    assert len(reviews) == REVIEWS and g.number_of_nodes() == REVIEWS + AGENCIES
    assert g.number_of_edges() == REVIEW_AGENCY_EDGES
    assert nx.is_bipartite(g)
    assert g.edges[REVIEW_A, POLICE]["weight"] == 2
    assert g.nodes[REVIEW_A]["partnership"] == "Testshire" and g.nodes[REVIEW_A]["recommendations"] == 3


def test_review_review_from_links_and_shortcuts(graphs) -> None:
    g = graphs["review-review"]
    assert g.number_of_nodes() == REVIEWS and g.number_of_edges() == 2
    ab = g.edges[REVIEW_A, REVIEW_B]
    assert ab["basis"] == "same-partnership; shared-organisation"
    assert ab["weight"] == pytest.approx(1.25) and ab["links"] == 2 and ab["earlier"] == REVIEW_A
    bc = g.edges[REVIEW_B, REVIEW_C]
    assert bc["links"] == 0 and bc["basis"] == "shares theme with"  # a bare shortcut triple


def test_review_review_is_empty_without_links(tmp_path: Path) -> None:
    g = project(build_store(tmp_path / "store", links=False), "review-review")
    assert g.number_of_nodes() == REVIEWS and g.number_of_edges() == 0


def test_theme_sector(graphs) -> None:
    g = graphs["theme-sector"]
    kinds = [d["kind"] for _, d in g.nodes(data=True)]
    assert kinds.count("theme") == THEMES and kinds.count("sector") == 4
    assert nx.is_bipartite(g)
    risk = "https://w3id.org/dhr-graph/scheme/theme/risk-assessment"
    police = "https://w3id.org/dhr-graph/scheme/sector/police"
    assert g.edges[risk, police]["weight"] == 2  # rec A1 and B2
    assert g.nodes[risk]["recommendations"] == 3


def test_unknown_projection_is_a_clear_error(store) -> None:
    with pytest.raises(DhrGraphError, match="unknown projection"):
        project(store, "nope")


def _read_back(path: Path, fmt: str) -> tuple[int, int, dict]:
    """(nodes, edges, attributes of the police node, if present) of a written file."""
    if fmt == "graphml":
        g = nx.read_graphml(path)
    elif fmt == "gexf":
        g = nx.read_gexf(path)
    elif fmt == "nodelink":
        g = nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")), edges="edges")
    elif fmt == "cyjs":
        doc = json.loads(path.read_text(encoding="utf-8"))
        _check_cytoscape(doc)
        nodes = {n["data"]["id"]: n["data"] for n in doc["elements"]["nodes"]}
        return len(nodes), len(doc["elements"]["edges"]), nodes.get(POLICE, {})
    elif fmt == "dot":
        return _read_dot(path)
    else:
        nodes_path, edges_path = csv_paths(path)
        with open(nodes_path, newline="", encoding="utf-8") as f:
            nodes = {row["id"]: row for row in csv.DictReader(f)}
        with open(edges_path, newline="", encoding="utf-8") as f:
            edges = list(csv.DictReader(f))
        assert all(e["source"] in nodes and e["target"] in nodes for e in edges)
        return len(nodes), len(edges), nodes.get(POLICE, {})
    return g.number_of_nodes(), g.number_of_edges(), dict(g.nodes[POLICE]) if POLICE in g else {}


def _check_cytoscape(doc: dict) -> None:
    """The shape Cytoscape.js `cy.add()`/`elements` and Cytoscape desktop's JSON import expect."""
    assert set(doc) >= {"data", "elements"} and set(doc["elements"]) == {"nodes", "edges"}
    ids = set()
    for node in doc["elements"]["nodes"]:
        assert set(node) == {"data"} and isinstance(node["data"]["id"], str) and node["data"]["id"] not in ids
        assert isinstance(node["data"]["name"], str) and re.fullmatch(r"#[0-9A-Fa-f]{6}", node["data"]["colour"])
        ids.add(node["data"]["id"])
    edge_ids = set()
    for edge in doc["elements"]["edges"]:
        data = edge["data"]
        assert set(edge) == {"data"} and {"id", "source", "target"} <= set(data)
        assert data["source"] in ids and data["target"] in ids and data["id"] not in ids | edge_ids
        assert isinstance(data["weight"], (int, float))
        edge_ids.add(data["id"])


_DOT_NODE = re.compile(r'^  ("(?:[^"\\]|\\.)*") \[(.*)\];$')
_DOT_EDGE = re.compile(r'^  ("(?:[^"\\]|\\.)*") (--|->) ("(?:[^"\\]|\\.)*") \[(.*)\];$')
_DOT_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*")')


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), text[1:-1])


def _read_dot(path: Path) -> tuple[int, int, dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert re.match(r'^(di)?graph "[^"]*" \{$', lines[0]) and lines[-1] == "}"
    nodes, edges = {}, 0
    for line in lines[3:-1]:
        if m := _DOT_EDGE.match(line):
            assert _unquote(m.group(1)) in nodes and _unquote(m.group(3)) in nodes
            edges += 1
        elif m := _DOT_NODE.match(line):
            nodes[_unquote(m.group(1))] = {k: _unquote(v) for k, v in _DOT_ATTR.findall(m.group(2))}
        else:
            raise AssertionError(f"unexpected DOT line {line!r}")
    return len(nodes), edges, nodes.get(POLICE, {})


@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
@pytest.mark.parametrize("name", list(PROJECTIONS))
def test_every_format_reads_back_with_the_same_counts(graphs, tmp_path: Path, name: str, fmt: str) -> None:
    graph = graphs[name]
    out = tmp_path / f"{name}.{fmt}"
    written = write_graph(graph, out, fmt)
    assert all(p.is_file() for p in written)
    nodes, edges, police = _read_back(out, fmt)
    assert (nodes, edges) == (graph.number_of_nodes(), graph.number_of_edges())
    if name == "agency-coaddress":
        assert police["label"] == "Testshire Police" and police["sector"] == "Police"
        assert int(police["recommendations"]) == 3


def test_graphml_carries_yed_labels(graphs, tmp_path: Path) -> None:
    out = tmp_path / "agencies.graphml"
    write_graph(graphs["agency-coaddress"], out, "graphml")
    text = out.read_text(encoding="utf-8")
    assert 'yfiles.type="nodegraphics"' in text
    assert text.count("<y:NodeLabel>") == AGENCIES and "<y:NodeLabel>Testshire Police</y:NodeLabel>" in text
    g = nx.read_graphml(out)
    assert g.nodes[POLICE]["recommendations"] == 3  # typed key, not a string
    assert g.edges[COUNCIL, POLICE]["weight"] == 2


def test_dot_quoting_survives_hostile_labels() -> None:
    assert dot_quote('a "b" \\ c\nd') == '"a \\"b\\" \\\\ c\\nd"'
    assert _unquote(dot_quote('a "b" \\ c')) == 'a "b" \\ c'


def test_cli_writes_each_projection(store, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "links.graphml"
    result = runner.invoke(command, ["--store", str(store.path), "--format", "graphml",
                                     "--projection", "review-review", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 nodes, 2 edges" in result.output and nx.read_graphml(out).number_of_edges() == 2
    result = runner.invoke(command, ["--store", str(store.path), "--format", "csv", "-o", str(tmp_path / "net.csv")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "net-nodes.csv").is_file() and (tmp_path / "net-edges.csv").is_file()
    page = tmp_path / "page.html"
    result = runner.invoke(command, ["--store", str(store.path), "--format", "html", "-o", str(page)])
    assert result.exit_code == 0 and f"{AGENCIES} agencies" in result.output
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_reviews_with_one_title_get_distinct_labels(tmp_path: Path, toolkit) -> None:
    """Every Fernhollow review is titled "Fernhollow review": the panel and node labels must tell them apart."""
    from dhr_graph.pipeline import build

    pages = Path(__file__).resolve().parent / "data" / "links"
    report = build([pages], tmp_path / "store", toolkit=toolkit)
    assert report.committed and not report.failed
    from dhr_graph.store import GraphStore

    g = project(GraphStore(tmp_path / "store"), "review-agency")
    labels = [d["label"] for _, d in g.nodes(data=True) if d.get("kind") == "review"]
    assert len(labels) == 5 and len(set(labels)) == 5
    assert sum(label.startswith("Fernhollow review (") for label in labels) == 2
