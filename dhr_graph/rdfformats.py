"""The RDF formats an export can be written in, and where the description of an export goes.

Read by the export (rdfexport.py), its VoID/DCAT description (void.py) and the command line.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

# name -> (pyoxigraph format, keeps named graphs)
RDF_FORMATS: dict[str, tuple[ox.RdfFormat, bool]] = {
    "ttl": (ox.RdfFormat.TURTLE, False),
    "nt": (ox.RdfFormat.N_TRIPLES, False),
    "nq": (ox.RdfFormat.N_QUADS, True),
    "trig": (ox.RdfFormat.TRIG, True),
    "jsonld": (ox.RdfFormat.JSON_LD, True),
    "rdfxml": (ox.RdfFormat.RDF_XML, False),
}
MEDIA_TYPES: dict[str, str] = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "nq": "application/n-quads",
    "trig": "application/trig",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}


def void_path(path: str | Path) -> Path:
    """Where the dataset description of an export goes: `dhr.trig` -> `dhr.trig.void.ttl`."""
    path = Path(path)
    return path.with_name(f"{path.name}.void.ttl")
