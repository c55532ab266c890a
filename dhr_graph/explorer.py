"""The explorer: one self-contained HTML page for looking at the graph rather than querying it.

The page works offline: its scripts (our `data/web/explorer.js`, and sigma.js with graphology
from `data/web/vendor/`, pinned and licensed), styles and data are inside the file. Positions
are computed here (`layout.py`), so the browser only draws (WebGL, through sigma.js) and filters.

Text from reviews never becomes markup: the data travels as JSON in a
`<script type="application/json">` block with `<`, `>` and `&` written as `\\u003c`, `\\u003e`,
`\\u0026`, and the page puts it on screen with `textContent` only. A Content-Security-Policy that
allows only this page's own scripts (by hash) is a second fence: even injected markup could not
run code.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .outputs import atomic_output
from .nodestyle import WEB_DIR, node_colour
from .layout import layout
from .projections import query_rows
from .store import GraphStore

if TYPE_CHECKING:  # networkx loads when a page is drawn, not when the export command is declared
    import networkx as nx

log = logging.getLogger(__name__)

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
# what would end or confuse an inline <script> or <style> element (HTML parsing rules)
_UNSAFE_IN_ELEMENT = re.compile(r"</script|</style|<!--|<script", re.IGNORECASE)
VENDOR_DIR = WEB_DIR / "vendor"
VENDOR_SCRIPTS = ("graphology.umd.min.js", "sigma.min.js")
DEFAULT_TITLE = "Domestic Homicide Review recommendations: an explorer"


def script_safe_json(value: Any) -> str:
    """JSON that cannot end its <script> element or open markup, whatever the strings hold."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group(0)], text)


def _year(text: str) -> int | None:
    return int(text[:4]) if text[:4].isdigit() else None


def explorer_document(store: GraphStore) -> dict[str, Any]:
    """The compact document the page reads: agencies placed, reviews, recommendations, links.

    Everything is referred to by index into its list, which keeps a national store's page to a
    few megabytes; lists are sorted so the same store always gives the same page.
    """
    concept_labels = {r["concept"]: r["label"] for r in query_rows(store, "projection-concepts")}
    sectors: list[dict[str, Any]] = []
    sector_index: dict[str, int] = {}
    agencies: list[dict[str, Any]] = []
    agency_index: dict[str, int] = {}
    by_label = lambda r: (r["label"].lower(), r["agency"])  # noqa: E731
    for row in query_rows(store, "projection-agencies", by_label):
        if row["agency"] in agency_index:
            continue
        key = row["sector"]
        if key not in sector_index:
            sector_index[key] = len(sectors)
            sectors.append({"iri": key, "label": row["sectorLabel"] or "No sector",
                            "colour": node_colour({"kind": "agency", "sector_iri": key})})
        agency_index[row["agency"]] = len(agencies)
        agencies.append({"id": row["agency"], "label": row["label"], "sector": sector_index[key],
                         "recommendations": int(row["recommendations"])})
    order = sorted(range(len(sectors)), key=lambda i: sectors[i]["label"])  # sectors by label, indexes follow
    remap = {old: new for new, old in enumerate(order)}
    sectors = [sectors[i] for i in order]
    for agency in agencies:
        agency["sector"] = remap[agency["sector"]]

    areas: list[dict[str, str]] = []
    area_index: dict[str, int] = {}
    reviews: list[dict[str, Any]] = []
    review_index: dict[str, int] = {}
    for row in query_rows(store, "explorer-reviews", lambda r: (r["published"], r["identifier"], r["review"])):
        if row["review"] in review_index:
            continue
        area = row["partnership"]
        if area and area not in area_index:
            area_index[area] = len(areas)
            areas.append({"iri": area, "label": row["partnershipLabel"] or area.rsplit("/", 1)[-1]})
        review_index[row["review"]] = len(reviews)
        reviews.append({"id": row["identifier"], "title": row["title"],
                        "label": f"{row['title']} ({row['identifier']})", "published": row["published"][:7],
                        "year": _year(row["published"]), "death": _year(row["death"]),
                        "area": area_index.get(area, -1)})

    facets: dict[str, list[dict[str, str]]] = {"region": [], "police force area": [], "case type": []}
    facet_index: dict[tuple[str, str], int] = {}

    def facet(kind: str, key: str, label: str) -> int:
        if (kind, key) not in facet_index:
            facet_index[kind, key] = len(facets[kind])
            facets[kind].append({"iri": key, "label": label})
        return facet_index[kind, key]

    # region and police force area from the ONS geography of the review's partnership (several where
    # a partnership spans areas); the region a case-level dataset records where the geography is silent
    for row in query_rows(store, "explorer-areas"):
        if row["review"] in review_index:
            field = "regions" if row["kind"] == "region" else "forces"
            reviews[review_index[row["review"]]].setdefault(field, []).append(facet(row["kind"], row["name"], row["name"]))
    for row in query_rows(store, "explorer-cases"):  # rows only where cases were imported and matched
        review = reviews[review_index[row["review"]]] if row["review"] in review_index else None
        if review is None:
            continue
        if row["region"] and "regions" not in review:
            review["regions"] = [facet("region", row["region"], row["region"])]
        if row["caseType"]:
            review.setdefault("caseTypes", []).append(facet("case type", row["caseType"], row["caseTypeLabel"]))
    for review in reviews:
        for field in ("regions", "forces", "caseTypes"):
            if field in review:
                review[field] = sorted(set(review[field]))

    themes: list[dict[str, str]] = []
    theme_index: dict[str, int] = {}
    recs: list[list[Any]] = []
    rec_index: dict[str, int] = {}
    natural = lambda r: (review_index.get(r["review"], -1), int(r["position"] or 0), r["recommendation"])  # noqa: E731
    for row in query_rows(store, "explorer-recommendations", natural):
        if row["review"] not in review_index or row["recommendation"] in rec_index:
            continue
        addressed = sorted(agency_index[a] for a in row["agencies"].split() if a in agency_index)
        theme_ids = []
        for theme in sorted(row["themes"].split()):
            if theme not in theme_index:
                theme_index[theme] = len(themes)
                themes.append({"iri": theme, "label": concept_labels.get(theme, theme.rsplit("/", 1)[-1])})
            theme_ids.append(theme_index[theme])
        rec_index[row["recommendation"]] = len(recs)
        recs.append([review_index[row["review"]], row["number"], row["text"], addressed, theme_ids])

    for node, (x, y) in layout(affinity_graph(len(agencies), recs)).items():
        agency = agencies[cast(int, node)]  # the affinity graph's nodes are agency indexes
        agency["x"], agency["y"] = x, -y  # screen y grows downwards

    bases: list[dict[str, str]] = []
    basis_index: dict[str, int] = {}
    links: list[list[Any]] = []
    for row in query_rows(store, "explorer-links"):
        if row["earlier"] not in review_index or row["later"] not in review_index:
            continue
        if row["basis"] not in basis_index:
            basis_index[row["basis"]] = len(bases)
            bases.append({"iri": row["basis"], "label": row["basisLabel"]})
        links.append([review_index[row["earlier"]], review_index[row["later"]], basis_index[row["basis"]],
                      round(float(row["score"]), 3) if row["score"] else None,
                      rec_index.get(row["earlierRecommendation"], -1), rec_index.get(row["laterRecommendation"], -1)])
    links.sort(key=lambda link: (link[0], link[1], link[2], link[4], link[5]))
    log.info("explorer: %d agencies, %d reviews, %d recommendations, %d links",
             len(agencies), len(reviews), len(recs), len(links))
    return {"sectors": sectors, "themes": themes, "areas": areas, "regions": facets["region"],
            "forces": facets["police force area"], "caseTypes": facets["case type"],
            "bases": bases, "agencies": agencies, "reviews": reviews, "recs": recs, "links": links}


def affinity_graph(agencies: int, recs: list[list[Any]]) -> nx.Graph:
    """Agencies (by index) attracted when addressed together, and more weakly when in one review.

    Most agencies are never addressed together with another one, so a layout of the
    co-address network alone leaves them adrift; agencies addressed by one review also
    attract each other, which places a partnership's bodies together (bodies addressed by
    more than one review in fifty, such as national ones, are left to the co-address links:
    they belong to no one area).
    """
    import networkx as nx

    affinity = nx.Graph()
    affinity.add_nodes_from(range(agencies))
    for rec in recs:
        addressed = rec[3]
        for i, a in enumerate(addressed):
            for b in addressed[i + 1:]:
                w = affinity.edges[a, b]["weight"] if affinity.has_edge(a, b) else 0
                affinity.add_edge(a, b, weight=w + 4)
    by_review: dict[int, set[int]] = {}
    for rec in recs:
        by_review.setdefault(rec[0], set()).update(rec[3])
    reach: dict[int, int] = {}
    for members in by_review.values():
        for a in members:
            reach[a] = reach.get(a, 0) + 1
    hub = max(5, len(by_review) // 50)
    for members in by_review.values():
        ordered = sorted(a for a in members if reach[a] <= hub)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1:]:
                w = affinity.edges[a, b]["weight"] if affinity.has_edge(a, b) else 0
                affinity.add_edge(a, b, weight=w + 1)
    return affinity


def _vendor_scripts() -> list[str]:
    return [(VENDOR_DIR / name).read_text(encoding="utf-8") for name in VENDOR_SCRIPTS]


def render_page(document: dict[str, Any], title: str = DEFAULT_TITLE) -> str:
    """Fill the page template; each placeholder is filled once, never inside inserted text."""
    from . import __version__

    template = (WEB_DIR / "explorer.html").read_text(encoding="utf-8")
    scripts = [*_vendor_scripts(), (WEB_DIR / "explorer.js").read_text(encoding="utf-8")]
    css = (WEB_DIR / "explorer.css").read_text(encoding="utf-8")
    for text in (*scripts, css):
        if _UNSAFE_IN_ELEMENT.search(text):
            raise ValueError("a bundled page asset holds text that would end its element early")
    hashes = " ".join(f"'{_sha256(s)}'" for s in scripts)
    csp = (f"default-src 'none'; script-src {hashes}; "
           f"style-src '{_sha256(css)}'; img-src data:; base-uri 'none'; form-action 'none'")
    licences = "\n\n".join((VENDOR_DIR / f"LICENSE-{name}.txt").read_text(encoding="utf-8") for name in ("sigma", "graphology"))
    values = {"title": html.escape(title), "version": html.escape(__version__), "csp": csp, "css": css,
              "licences": html.escape(licences),
              "scripts": "\n".join(f"<script>{s}</script>" for s in scripts), "data": script_safe_json(document)}
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def write_html(store: GraphStore, path: str | Path, title: str = DEFAULT_TITLE) -> int:
    """Write the explorer page for `store`; returns the number of agencies drawn."""
    document = explorer_document(store)
    with atomic_output(path, "w") as handle:
        handle.write(render_page(document, title))
    return len(document["agencies"])


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
