"""A small store for the export tests, built from hand-made SYNTHETIC TriG (no pipeline needed).

The fixture `tests/data/export/network.trig` holds three made-up reviews and a tiny agency
registry; the shipped ontology and schemes are loaded beside it, as a build would.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from dhr_graph import resources
from dhr_graph.inputfiles import turtle_quads
from dhr_graph.iris import reference_graph_iri
from dhr_graph.store import GraphStore

DATA = Path(__file__).resolve().parent / "data" / "export"
NETWORK = DATA / "network.trig"
LINKS = DATA / "links.trig"
INJECTED_FLAG = "__dhrInjected"

# what the fixture holds, counted by hand
AGENCIES = 4  # dhr:Agency bodies (the "All agencies" group is not one)
REVIEWS = 3
RECOMMENDATIONS = 6
COADDRESS_EDGES = 3  # police-council (2 recs), council-trust (2), police-trust (1); the ministry stands alone
REVIEW_AGENCY_EDGES = 7
THEMES = 5


def trig_graphs(source: bytes | Path, graphs: dict[str, list[ox.Quad]] | None = None) -> dict[str, list[ox.Quad]]:
    """The quads of TriG text or a TriG file by named graph (added to `graphs` when given)."""
    graphs = {} if graphs is None else graphs
    quads = ox.parse(source, ox.RdfFormat.TRIG) if isinstance(source, bytes) else ox.parse(path=str(source), format=ox.RdfFormat.TRIG)
    for q in quads:
        assert isinstance(q.graph_name, ox.NamedNode), "fixtures put every quad in a named graph"
        graphs.setdefault(q.graph_name.value, []).append(q)
    return graphs


def store_from_trig(trig: bytes, path: Path) -> GraphStore:
    """A new store at `path` holding the named graphs of `trig`, written as any write is."""
    store = GraphStore(path)
    store.replace(trig_graphs(trig))
    return store


def build_store(path: Path, *, links: bool = True) -> GraphStore:
    """Load the fixture (and optionally its cross-review links) into a new store at `path`."""
    graphs: dict[str, list[ox.Quad]] = {}
    for source in [NETWORK, LINKS] if links else [NETWORK]:
        trig_graphs(source, graphs)
    for name in ("dhr.ttl", "sectors.ttl", "themes.ttl"):
        ttl = resources.ontology_dir() / name
        graphs[reference_graph_iri(ttl)] = turtle_quads(ttl, reference_graph_iri(ttl))
    store = GraphStore(path)
    store.replace(graphs)
    return store
