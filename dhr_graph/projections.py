"""Networks drawn from the store, for people who want to see the graph rather than read triples.

Each projection is a networkx graph built from named queries (`queries/projection-*.rq`), so
what a node or edge means is written in SPARQL that anyone can run with `dhr-graph query`.
Node ids are IRIs. Every node has `label`, `kind` and counts; every edge has `weight` and
`basis` (why the two are joined). Attributes are never None, so every file format can
carry them. Addressee groups ("All agencies") are never agency nodes: they are not one body.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import DhrGraphError
from .queries import QueryResult, run_named
from .store import GraphStore

if TYPE_CHECKING:  # networkx loads when a projection is built, not with the list of projections
    import networkx as nx


def query_rows(store: GraphStore, name: str, order: Callable[[dict[str, str]], Any] | None = None,
          ) -> list[dict[str, str]]:
    """Rows of a projection query as strings ('' for unbound), sorted in Python by `order`.

    The queries leave ORDER BY out: sorting IRIs takes seconds in Oxigraph on a national
    store, sorting the rows here takes milliseconds. Sorting keeps every export stable.
    """
    result: QueryResult = run_named(store, name)
    rows = [{k: ("" if v is None else v) for k, v in row.items()} for row in result.values()]
    rows.sort(key=order or (lambda row: tuple(row[v] for v in result.variables)))
    return rows


def _count(row: dict[str, str], key: str) -> int:
    return int(row[key] or 0)


def _agency_nodes(store: GraphStore, graph: nx.Graph) -> None:
    """Agencies with label, sector, main theme and counts (first row per agency wins)."""
    for row in query_rows(store, "projection-agencies"):
        if row["agency"] in graph:
            continue
        graph.add_node(row["agency"], label=row["label"], kind="agency", sector=row["sectorLabel"],
                       sector_iri=row["sector"], theme="", theme_iri="",
                       recommendations=int(row["recommendations"]), reviews=int(row["reviews"]))
    by_frequency = lambda r: (r["agency"], -_count(r, "recommendations"), r["themeLabel"], r["theme"])  # noqa: E731
    for row in query_rows(store, "projection-agency-themes", by_frequency):
        node = graph.nodes.get(row["agency"])
        if node is not None and not node["theme"]:  # rows come most frequent first
            node["theme"], node["theme_iri"] = row["themeLabel"], row["theme"]


def agency_coaddress(store: GraphStore) -> nx.Graph:
    """Agencies joined when one recommendation addresses both; weight = such recommendations."""
    import networkx as nx

    graph = nx.Graph(name="agency-coaddress", projection="agency-coaddress")
    _agency_nodes(store, graph)
    for row in query_rows(store, "projection-coaddress"):
        graph.add_edge(row["agency1"], row["agency2"], weight=int(row["recommendations"]),
                       reviews=int(row["reviews"]), basis="co-addressed")
    return graph


def review_agency(store: GraphStore) -> nx.Graph:
    """Bipartite: reviews (bipartite=0) and the agencies they address (bipartite=1)."""
    import networkx as nx

    graph = nx.Graph(name="review-agency", projection="review-agency")
    _review_nodes(store, graph)
    _agency_nodes(store, graph)
    for _node, data in graph.nodes(data=True):
        data["bipartite"] = 0 if data["kind"] == "review" else 1
    for row in query_rows(store, "projection-review-agency"):
        graph.add_edge(row["review"], row["agency"], weight=int(row["recommendations"]), basis="addressed")
    return graph


def _review_nodes(store: GraphStore, graph: nx.Graph) -> None:
    for row in query_rows(store, "projection-reviews"):
        if row["review"] in graph:
            continue
        graph.add_node(row["review"], label=row["label"], kind="review", identifier=row["identifier"],
                       partnership=row["partnership"], published=row["published"],
                       recommendations=int(row["recommendations"]))


def review_review(store: GraphStore) -> nx.Graph:
    """Reviews joined by cross-review links (none yet: no edges).

    One edge per pair: `basis` lists every basis of their links, `weight` adds up the
    strongest score of each basis (a shortcut triple with no link resource counts 1).
    """
    import networkx as nx

    graph = nx.Graph(name="review-review", projection="review-review")
    _review_nodes(store, graph)
    pairs: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    links: dict[tuple[str, str], int] = defaultdict(int)
    earliest: dict[tuple[str, str], str] = {}
    for row in query_rows(store, "projection-review-links"):
        key = (min(row["earlier"], row["later"]), max(row["earlier"], row["later"]))
        score = float(row["score"]) if row["score"] else 1.0
        basis = row["basisLabel"]
        pairs[key][basis] = max(score, pairs[key].get(basis, 0.0))
        if int(row["links"] or 0):  # a link resource knows which review came first; a shortcut does not
            links[key] += int(row["links"])
            earliest[key] = row["earlier"]
    for key, bases in pairs.items():
        for node in key:
            if node not in graph:  # a link to a review whose graph is gone
                graph.add_node(node, label=node, kind="review", identifier=node.rsplit("/", 1)[-1],
                               partnership="", published="", recommendations=0)
        graph.add_edge(*key, weight=round(sum(bases.values()), 4), basis="; ".join(sorted(bases)),
                       links=links[key], earlier=earliest.get(key, ""))
    return graph


def theme_sector(store: GraphStore) -> nx.Graph:
    """Themes joined to sectors; weight = recommendations with the theme addressed to the sector."""
    import networkx as nx

    graph = nx.Graph(name="theme-sector", projection="theme-sector")
    for row in query_rows(store, "projection-concepts"):
        kind = row["kind"]
        graph.add_node(row["concept"], label=row["label"], kind=kind,
                       theme=row["label"] if kind == "theme" else "",
                       sector=row["label"] if kind == "sector" else "",
                       recommendations=int(row["recommendations"]), addressees=int(row["addressees"]),
                       bipartite=0 if kind == "theme" else 1)
    for row in query_rows(store, "projection-theme-sector"):
        graph.add_edge(row["theme"], row["sector"], weight=int(row["recommendations"]),
                       reviews=int(row["reviews"]), basis="theme addressed to sector")
    return graph


PROJECTIONS: dict[str, Callable[[GraphStore], nx.Graph]] = {
    "agency-coaddress": agency_coaddress,
    "review-agency": review_agency,
    "review-review": review_review,
    "theme-sector": theme_sector,
}


def project(store: GraphStore, name: str) -> nx.Graph:
    """The projection called `name` (see PROJECTIONS)."""
    projection = PROJECTIONS.get(name)
    if projection is None:  # looked up apart from the call: a KeyError inside a projection is a bug, not this
        raise DhrGraphError(f"unknown projection {name!r} (one of: {', '.join(PROJECTIONS)})")
    return projection(store)
