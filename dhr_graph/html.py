"""One self-contained HTML page of the agency network, for looking rather than querying.

The page works offline: its script, styles and data are inside the file (the force layout is
our own few lines of JavaScript, in `data/web/network.js`). Text from reviews never becomes
markup: the data travels as JSON in a `<script type="application/json">` block with `<`, `>`
and `&` written as `\\u003c`, `\\u003e`, `\\u0026`, and the page puts it on screen with
`textContent` only. A Content-Security-Policy that allows only this page's own script (by
hash) is a second fence: even injected markup could not run code.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from pathlib import Path
from typing import Any

import networkx as nx

from . import __version__
from .export import atomic_output
from .graphio import WEB_DIR, node_colour
from .projections import agency_coaddress, agency_recommendations
from .store import GraphStore

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
DEFAULT_TITLE = "Agencies addressed together by Domestic Homicide Review recommendations"


def script_safe_json(value: Any) -> str:
    """JSON that cannot end its <script> element or open markup, whatever the strings hold."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group(0)], text)


def page_data(graph: nx.Graph, recommendations: dict[str, list[dict[str, str]]]) -> dict[str, Any]:
    """The compact document the page's script reads: nodes, edges by index, sectors, reviews."""
    sector_index: dict[str, int] = {}
    sectors: list[dict[str, Any]] = []
    review_index: dict[str, int] = {}
    reviews: list[dict[str, str]] = []
    order = sorted(graph.nodes(data=True), key=lambda nd: (str(nd[1].get("label", "")).lower(), str(nd[0])))
    index = {node: i for i, (node, _) in enumerate(order)}
    nodes = []
    for node, attrs in order:
        key = attrs.get("sector_iri") or ""
        if key not in sector_index:
            sector_index[key] = len(sectors)
            sectors.append({"iri": key, "label": attrs.get("sector") or "No sector",
                            "colour": node_colour(attrs), "count": 0})
        sectors[sector_index[key]]["count"] += 1
        recs = []
        for rec in recommendations.get(str(node), []):
            if rec["review"] not in review_index:
                review_index[rec["review"]] = len(reviews)
                reviews.append({"id": rec["reviewId"], "title": rec["reviewTitle"]})
            recs.append([review_index[rec["review"]], rec["number"], rec["text"]])
        nodes.append({"id": str(node), "label": str(attrs.get("label", node)), "sector": sector_index[key],
                      "recommendations": int(attrs.get("recommendations", 0)),
                      "reviews": int(attrs.get("reviews", 0)), "theme": str(attrs.get("theme", "")),
                      "recs": recs})
    edges = [[index[u], index[v], d.get("weight", 1)] for u, v, d in graph.edges(data=True)]
    edges.sort()
    return {"nodes": nodes, "edges": edges, "sectors": sectors, "reviews": reviews}


def render_page(document: dict[str, Any], title: str = DEFAULT_TITLE) -> str:
    """Fill the page template; each placeholder is filled once, never inside inserted text."""
    template = (WEB_DIR / "network.html").read_text(encoding="utf-8")
    script = (WEB_DIR / "network.js").read_text(encoding="utf-8")
    css = (WEB_DIR / "network.css").read_text(encoding="utf-8")
    if "</" in script or "</" in css:
        raise ValueError("bundled page assets must not contain '</'")
    csp = (f"default-src 'none'; script-src '{_sha256(script)}'; style-src '{_sha256(css)}'; "
           "img-src 'none'; base-uri 'none'; form-action 'none'")
    values = {"title": html.escape(title), "version": html.escape(__version__), "csp": csp,
              "css": css, "js": script, "data": script_safe_json(document)}
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def write_html(store: GraphStore, path: str | Path, title: str = DEFAULT_TITLE) -> int:
    """Write the agency network page for `store`; returns the number of agencies drawn."""
    graph = agency_coaddress(store)
    document = page_data(graph, agency_recommendations(store))
    with atomic_output(path, "w") as handle:
        handle.write(render_page(document, title))
    return len(document["nodes"])


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
