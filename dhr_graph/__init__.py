"""dhr-graph: Domestic Homicide Reviews as a validated, queryable knowledge graph.

The library API mirrors the CLI:

>>> import dhr_graph
>>> review = dhr_graph.parse_page("page.txt")                 # doctest: +SKIP
>>> report = dhr_graph.build(["pages/"], store="dhr-store")   # doctest: +SKIP
>>> rows = dhr_graph.run_named(dhr_graph.GraphStore("dhr-store"), "shared-agencies")  # doctest: +SKIP
>>> dhr_graph.build(["corrected.json"], store="dhr-store")    # doctest: +SKIP
>>> dhr_graph.import_cases("incidents.csv", "dhr-store")      # doctest: +SKIP

Names are imported on first use, so `import dhr_graph` stays cheap and submodules can be
used alone.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import Any

__version__: str  # looked up on first use (`_version`): importlib.metadata costs every command ~25 ms

_API = {
    "DhrGraphError": "errors", "InputError": "errors", "QueryError": "errors", "StoreError": "errors",
    "parse_page": "parser", "parse_text": "parser",
    "Recommendation": "records", "Review": "records",
    "BuildReport": "pipeline", "Toolkit": "pipeline", "build": "pipeline",
    "QueryResult": "queries", "library": "queries", "run": "queries", "run_named": "queries",
    "GraphStore": "store",
    "identify": "identity", "review_key": "identity",
    "load_records": "record_io", "review_json": "record_io", "Curation": "curation",
    "import_cases": "cases", "link_cases": "cases", "unmatched": "cases",
}
__all__ = ["__version__", *_API]


@cache
def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dhr-graph")
    except PackageNotFoundError:  # a source tree that is not installed
        return "0.1.0"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        return _version()
    if name in _API:
        return getattr(import_module(f".{_API[name]}", __name__), name)
    raise AttributeError(f"module 'dhr_graph' has no attribute {name!r}")
