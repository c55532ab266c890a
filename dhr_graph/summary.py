"""The summary graph: whole-corpus totals kept beside the data they count.

Questions over the whole corpus (how many reviews address each agency, which agencies are
addressed together, what each review's recommendations address) read tens of thousands of
statements each time they are asked. The summary graph (`iris.SUMMARY_GRAPH`) keeps their
answers as counts (`dhr:Summary`, `dhr:Tally`, see the ontology), computed by the CONSTRUCT
queries of queries/summary/ over the store's own data. `GraphStore.writing` calls `refresh` on
the working copy of every write, just before it is swapped in, so the totals always describe
the data they are stored with: there is no write that changes a review without them.

A store without the summary (written by an earlier version, or an endpoint it was not
published to) is never answered from it: a named query that reads the summary names its plain
computation in its header (`# fallback: plain/NAME.rq`), and `plain_text` gives that text when
the store has no summary, so the answer is the same, only slower.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from . import resources
from .errors import QueryError
from .iris import PREFIXES, SUMMARY_GRAPH

log = logging.getLogger(__name__)

_FALLBACK_RE = re.compile(r"^#\s*fallback:\s*(\S+)\s*$", re.MULTILINE)
_SUMMARY = ox.NamedNode(SUMMARY_GRAPH)
_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
_REVIEW = ox.NamedNode(PREFIXES["dhr"] + "Review")
PRESENT_QUERY = (f"ASK {{ GRAPH <{SUMMARY_GRAPH}> {{ <{SUMMARY_GRAPH}> a <{PREFIXES['dhr']}Summary> }} }}")


def summary_queries() -> list[Path]:
    """The CONSTRUCT queries whose triples make the summary graph, in name order."""
    return sorted((resources.queries_dir() / "summary").glob("*.rq"))


def refresh(store: ox.Store) -> int:
    """Recompute the summary graph of `store` (a working copy being written) from its data;
    returns how many triples it holds. The old summary is dropped first, so it never counts
    itself; a store without reviews (user graphs only) gets none."""
    started = time.perf_counter()
    if store.contains_named_graph(_SUMMARY):
        store.remove_graph(_SUMMARY)
    if next(store.quads_for_pattern(None, _TYPE, _REVIEW, None), None) is None:
        return 0  # no review, nothing to sum up: the queries run their plain form (all zeros)
    quads: list[ox.Quad] = []
    for path in summary_queries():
        result = store.query(path.read_text(encoding="utf-8"), use_default_graph_as_union=True)
        if not isinstance(result, ox.QueryTriples):
            raise QueryError(f"{path}: a summary query must be a CONSTRUCT")
        quads.extend(ox.Quad(t.subject, t.predicate, t.object, _SUMMARY) for t in result)
    store.bulk_extend(quads)  # a working copy, thrown away whole if the write fails
    log.info("summary graph: %d triples in %.2f s", len(quads), time.perf_counter() - started)
    return len(quads)


def fallback_path(text: str, path: Path) -> Path | None:
    """The plain computation a summary-backed query names in its header (relative to the
    query's own file), or None for a query that does not read the summary."""
    m = _FALLBACK_RE.search(text)
    return (path.parent / m.group(1)) if m else None


def plain_text(text: str, path: Path, ask: Callable[[str], bool]) -> str:
    """The query text to run: `text` itself, or its plain computation when the query reads
    the summary and the store (asked through `ask`, which runs an ASK query) has none."""
    plain = fallback_path(text, path)
    if plain is None or ask(PRESENT_QUERY):
        return text
    log.info("%s: the store has no summary graph; running its plain computation (%s)", path.name, plain.name)
    try:
        return plain.read_text(encoding="utf-8")
    except OSError as exc:
        raise QueryError(f"{path}: the store has no summary graph and the plain form {plain} "
                         f"cannot be read ({exc.strerror or exc}); rebuild the store to add the summary") from None
