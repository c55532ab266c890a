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


def build_store(path: Path, *, links: bool = True) -> GraphStore:
    """Load the fixture (and optionally its cross-review links) into a new store at `path`."""
    graphs: dict[str, list[ox.Quad]] = {}
    files = [NETWORK, LINKS] if links else [NETWORK]
    for source in files:
        for q in ox.parse(path=str(source), format=ox.RdfFormat.TRIG):
            graphs.setdefault(q.graph_name.value, []).append(q)
    for name in ("dhr.ttl", "sectors.ttl", "themes.ttl"):
        ttl = resources.ontology_dir() / name
        graphs[reference_graph_iri(ttl)] = turtle_quads(ttl, reference_graph_iri(ttl))
    store = GraphStore(path)
    store.replace(graphs)
    return store
