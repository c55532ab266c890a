"""Linked-data exports of the store, written atomically (temporary file, then rename)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from .iris import PREFIXES
from .store import GraphStore

# name -> (pyoxigraph format, keeps named graphs)
RDF_FORMATS: dict[str, tuple[ox.RdfFormat, bool]] = {
    "ttl": (ox.RdfFormat.TURTLE, False),
    "nt": (ox.RdfFormat.N_TRIPLES, False),
    "nq": (ox.RdfFormat.N_QUADS, True),
    "trig": (ox.RdfFormat.TRIG, True),
    "jsonld": (ox.RdfFormat.JSON_LD, True),
    "rdfxml": (ox.RdfFormat.RDF_XML, False),
}


@contextlib.contextmanager
def atomic_output(path: str | Path, mode: str = "wb") -> Iterator:
    """Write to a temporary file beside `path` and rename it into place only on success."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def export_rdf(store: GraphStore, path: str | Path, fmt: str) -> int:
    """Export the whole store; dataset formats keep one named graph per review.

    Triple formats (Turtle, N-Triples, RDF/XML) get the union of all graphs.
    Returns the number of statements written.
    """
    rdf_format, quads = RDF_FORMATS[fmt]
    if quads:
        items: list = list(store.quads())
    else:
        items = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in store.quads()}, key=str)
    with atomic_output(path) as handle:
        ox.serialize(items, handle, rdf_format, prefixes=PREFIXES if fmt != "nt" and fmt != "nq" else None)
    return len(items)
