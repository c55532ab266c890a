"""HTML pages that document the concept schemes and the agency registry (`make docs`).

pyLODE documents the ontology itself (docs/ontology.html). Its `vocpub` profile cannot document
the schemes: in pyLODE 3.3.4, the last release for Python 3.11, that profile renders only the
classes and properties sections of its ontology profile, so no skos:Concept reaches the page
whatever metadata the scheme carries. The schemes are what users read and curate (themes with
their classifier rules, link bases with their settings, the registry of bodies), so this module
writes their pages from the same Turtle files the toolkit loads.

What a page shows comes from the data: concepts with their labels, notes and links, and any
other property (dhr:matchPattern, dhr:minScore...) as it is written, named by the ontology's
rdfs:label. Every string from the data is HTML-escaped, and only http(s) IRIs become links; the
pages need no script and load nothing from the network. Run it as
`python -m dhr_graph.schemedoc FILE... -o DIR`.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, SKOS
from rdflib.term import Node

from . import __version__, resources
from .errors import DhrGraphError, InputError
from .inputfiles import read_turtle
from .iris import DHR

#: Pages that the index links besides the scheme pages, if they are in the output folder.
ONTOLOGY_PAGE = "ontology.html"
INDEX_PAGE = "index.html"

_TITLE_PROPS = (SKOS.prefLabel, DCTERMS.title, RDFS.label)
_DESCRIPTION_PROPS = (DCTERMS.description, SKOS.definition, RDFS.comment)

# How a concept's SKOS properties are shown, in this order; anything else goes to the generic
# list below them, named by the ontology.
_CONCEPT_TEXT = ((SKOS.definition, "Definition"), (SKOS.scopeNote, "Scope note"),
                 (SKOS.example, "Example"), (SKOS.note, "Note"), (SKOS.historyNote, "History"),
                 (SKOS.changeNote, "Change note"), (SKOS.editorialNote, "Editorial note"))
_CONCEPT_SHOWN = {RDF.type, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, SKOS.notation,
                  SKOS.broader, SKOS.narrower, SKOS.related, SKOS.inScheme, SKOS.topConceptOf,
                  *(p for p, _ in _CONCEPT_TEXT)}
_SCHEME_SHOWN = {RDF.type, SKOS.hasTopConcept, *_TITLE_PROPS, *_DESCRIPTION_PROPS, *(p for p, _ in _CONCEPT_TEXT)}

# The registry table: one column per curated field (agencies.ttl documents them).
_BODY_SHOWN = {RDF.type, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, DHR.acronym,
               ORG.classification, DHR.scope, DHR.locality}

_CSS = """
body{font:16px/1.5 system-ui,sans-serif;max-width:72rem;margin:0 auto;padding:1rem 1.5rem;color:#1b1b1b}
h1,h2,h3{line-height:1.25}h3{margin:0 0 .25rem}
a{color:#0b57a4}code{font:0.9em ui-monospace,monospace;background:#f3f3f3;padding:0 .2em;overflow-wrap:anywhere}
.iri{color:#555;font-size:.85em;margin:0 0 .5rem}
.concept{border-top:1px solid #ddd;padding:1rem 0}.concept:target{background:#fff8d6}
dl{display:grid;grid-template-columns:12rem 1fr;gap:.25rem 1rem;margin:0}dt{font-weight:600;color:#444}dd{margin:0}
dd ul{margin:0;padding-left:1.1rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border:1px solid #ddd;padding:.3rem .45rem;vertical-align:top;text-align:left}
th{background:#f3f3f3;position:sticky;top:0}tr:target{background:#fff8d6}
nav,footer{font-size:.85rem;color:#555}footer{margin-top:2rem;border-top:1px solid #ddd;padding-top:.5rem}
"""


@dataclass
class _Page:
    """One input file and the page it becomes."""

    source: Path
    filename: str
    graph: Graph
    schemes: list[URIRef] = field(default_factory=list)
    members: dict[URIRef, list[URIRef]] = field(default_factory=dict)
    bodies: list[URIRef] = field(default_factory=list)
    title: str = ""


@dataclass
class _Site:
    """What every page needs to know: where each documented IRI is, and how to name things."""

    labels: Graph
    anchors: dict[URIRef, tuple[str, str]] = field(default_factory=dict)
    used: set[Node] = field(default_factory=set)  # properties the current page's legend explains

    def label(self, node: Node) -> str:
        return _best(self.labels, node, _TITLE_PROPS) or _local_name(node)

    def link(self, node: Node, page: str) -> str:
        """A literal as text, a documented IRI as a link to its entry, an http(s) IRI as a link."""
        if isinstance(node, Literal):
            return _literal(node)
        if isinstance(node, URIRef) and node in self.anchors:
            target, anchor = self.anchors[node]
            href = f"#{anchor}" if target == page else f"{target}#{anchor}"
            return f'<a href="{escape(href)}" title="{escape(str(node))}">{escape(self.label(node))}</a>'
        text = escape(_best(self.labels, node, _TITLE_PROPS) or str(node))
        if isinstance(node, URIRef) and re.match(r"https?://", str(node), re.IGNORECASE):
            return f'<a href="{escape(str(node))}">{text}</a>'
        return text


def load_source(path: Path) -> Graph:
    """One Turtle file (inputfiles.read_turtle: a failure is an InputError naming the file and line)."""
    return read_turtle(path)


def write_docs(sources: Sequence[Path], out_dir: Path, ontology: Path | None = None) -> list[Path]:
    """Write one page per scheme file plus `index.html` into `out_dir`; return the pages written.

    All files are read before any is written, so bad input leaves the output folder untouched.
    `ontology` (default: the bundled ontology/dhr.ttl) names properties and says which classes
    are kinds of org:Organization.
    """
    labels = load_source(ontology or resources.ontology_dir() / "dhr.ttl")
    pages = [_plan(path, load_source(path), labels) for path in sources]
    _name_pages(pages)
    for page in pages:
        labels += page.graph
    site = _Site(labels=labels)
    for page in pages:
        _assign_anchors(page, site)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for page in pages:
        target = out_dir / page.filename
        target.write_text(_render_page(page, site), encoding="utf-8")
        written.append(target)
    index = out_dir / INDEX_PAGE
    index.write_text(_render_index(pages, site, (out_dir / ONTOLOGY_PAGE).exists()), encoding="utf-8")
    written.append(index)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m dhr_graph.schemedoc`: a user mistake is one line on stderr and exit code 2."""
    parser = argparse.ArgumentParser(prog="python -m dhr_graph.schemedoc",
                                     description="HTML documentation of concept schemes and the agency registry.")
    parser.add_argument("sources", nargs="+", type=Path, help="Turtle files (concept schemes, registry)")
    parser.add_argument("-o", "--output", type=Path, default=Path("docs"), help="output folder (default: docs)")
    parser.add_argument("--ontology", type=Path, default=None,
                        help="ontology that names the properties (default: the bundled dhr.ttl)")
    args = parser.parse_args(argv)
    try:
        written = write_docs(args.sources, args.output, args.ontology)
    except DhrGraphError as exc:
        print(f"dhr-graph docs: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"dhr-graph docs: {exc.filename or args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(written)} pages to {args.output}/")
    return 0


# ---------------------------------------------------------------- reading


def _plan(path: Path, graph: Graph, ontology: Graph) -> _Page:
    """Find what a file documents: its concept schemes with their members, and its bodies."""
    page = _Page(source=path, filename="", graph=graph)
    page.schemes = _sorted(graph, graph.subjects(RDF.type, SKOS.ConceptScheme))
    for scheme in page.schemes:
        found = {*graph.subjects(SKOS.inScheme, scheme), *graph.subjects(SKOS.topConceptOf, scheme),
                 *graph.objects(scheme, SKOS.hasTopConcept)}
        page.members[scheme] = [c for c in found if isinstance(c, URIRef)]
    org_classes = _subclasses(ontology + graph, ORG.Organization)
    bodies = {s for cls in org_classes for s in graph.subjects(RDF.type, cls) if isinstance(s, URIRef)}
    page.bodies = sorted(bodies, key=lambda b: (_sector_key(graph, b), _sort_key(graph, b)))
    if not page.schemes and not page.bodies:
        raise InputError(str(path), "nothing to document: no skos:ConceptScheme and no org:Organization")
    titled = page.schemes or _file_descriptions(graph, page.bodies)
    page.title = " · ".join(_best(graph, s, (DCTERMS.title, *_TITLE_PROPS)) or _local_name(s) for s in titled) \
        or path.stem
    return page


def _file_descriptions(graph: Graph, bodies: list[URIRef]) -> list[URIRef]:
    """Subjects that describe a registry file itself: titled, and not one of its bodies.

    Found by their dcterms:title rather than by type, because files type themselves variously
    (dcat:Dataset, void:Dataset, dcmitype:Dataset).
    """
    return _sorted(graph, (s for s in graph.subjects(DCTERMS.title) if isinstance(s, URIRef) and s not in bodies))


def _subclasses(graph: Graph, root: URIRef) -> set[Node]:
    """`root` and every class below it, so a registry typed dhr:Agency counts as organisations."""
    found: set[Node] = {root}
    todo: list[Node] = [root]
    while todo:
        for sub in graph.subjects(RDFS.subClassOf, todo.pop()):
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def _name_pages(pages: list[_Page]) -> None:
    """`themes.ttl` becomes `themes.html`; never `index.html` or `ontology.html`, never twice."""
    taken = {INDEX_PAGE, ONTOLOGY_PAGE}
    for page in pages:
        stem = re.sub(r"[^A-Za-z0-9_-]+", "-", page.source.stem).strip("-") or "scheme"
        name, n = f"{stem}.html", 1
        while name in taken:
            n += 1
            name = f"{stem}-{n}.html"
        taken.add(name)
        page.filename = name


def _assign_anchors(page: _Page, site: _Site) -> None:
    """Readable fragment ids from IRIs' local names (`#risk-assessment`), unique in each page."""
    used: set[str] = set()

    def claim(iri: URIRef, prefix: str = "") -> None:
        if iri in site.anchors and site.anchors[iri][0] != page.filename:
            return  # documented on an earlier page: links go there
        base = prefix + (re.sub(r"[^A-Za-z0-9_-]+", "-", _local_name(iri)).strip("-") or "item")
        anchor, n = base, 1
        while anchor in used:
            n += 1
            anchor = f"{base}-{n}"
        used.add(anchor)
        site.anchors[iri] = (page.filename, anchor)

    for scheme in page.schemes:
        claim(scheme, "scheme-")
    for scheme in page.schemes:
        for concept in _sorted(page.graph, page.members[scheme]):
            claim(concept)
    for body in page.bodies:
        claim(body)


# ---------------------------------------------------------------- writing


def _render_page(page: _Page, site: _Site) -> str:
    site.used = set()
    parts = [f"<h1>{escape(page.title)}</h1>"]
    for scheme in page.schemes:
        parts.append(_render_scheme(page, scheme, site))
    if page.bodies:
        parts.append(_render_registry(page, site))
    parts.append(_render_legend(page.graph, site))
    return _document(page.title, "\n".join(parts), page.source)


def _render_legend(g: Graph, site: _Site) -> str:
    """What the page's non-SKOS properties mean, in the ontology's words, said once per page."""
    if not site.used:
        return ""
    rows = []
    for prop in sorted(site.used, key=lambda p: _term_name(g, p, site).casefold()):
        rows.append(f'<dt id="{escape(_term_anchor(g, prop))}">{escape(_term_name(g, prop, site))}</dt>'
                    f"<dd><code>{escape(_qname(g, prop))}</code> {escape(_term_comment(prop, site))}</dd>")
    return f'<section><h2 id="terms">Terms used on this page</h2><dl>{"".join(rows)}</dl></section>'


def _render_scheme(page: _Page, scheme: URIRef, site: _Site) -> str:
    g, here = page.graph, page.filename
    concepts = set(page.members[scheme])
    children = {c: {*g.objects(c, SKOS.narrower), *g.subjects(SKOS.broader, c)} & concepts for c in concepts}
    has_parent = {child for kids in children.values() for child in kids}
    order: list[Node] = []

    def tree(nodes: Iterable[Node], path: frozenset[Node]) -> str:
        items = []
        for node in _sorted(g, nodes):
            if node in path:
                continue  # a cycle of broader links: show each concept once per branch
            if node not in order:
                order.append(node)
            sub = tree(children[node], path | {node}) if children[node] else ""
            items.append(f"<li>{site.link(node, here)}{sub}</li>")
        return f"<ul>{''.join(items)}</ul>" if items else ""

    toc = tree([c for c in concepts if c not in has_parent], frozenset())
    order += _sorted(g, concepts - set(order))  # concepts only reachable through a cycle
    title = _best(g, scheme, (DCTERMS.title, *_TITLE_PROPS)) or _local_name(scheme)
    anchor = site.anchors[scheme][1]
    out = [f'<section id="{escape(anchor)}">',
           f"<h2>{escape(title)}</h2>" if len(page.schemes) > 1 else "",
           f'<p class="iri"><code>{escape(str(scheme))}</code></p>']
    out += [f"<p>{_literal(d)}</p>" for d in _values(g, scheme, _DESCRIPTION_PROPS)]
    rows = [(name, _sorted(g, g.objects(scheme, prop))) for prop, name in _CONCEPT_TEXT if prop != SKOS.definition]
    out.append(_dl(rows + _other_rows(g, scheme, _SCHEME_SHOWN, site), site, here))
    out.append(f"<h2>Concepts ({len(concepts)})</h2>\n<nav>{toc}</nav>")
    out += [_render_concept(g, concept, site, here) for concept in order if isinstance(concept, URIRef)]
    out.append("</section>")
    return "\n".join(out)


def _render_concept(g: Graph, concept: URIRef, site: _Site, here: str) -> str:
    rows: list[tuple[str, list[Node]]] = [
        ("Also called", _sorted(g, g.objects(concept, SKOS.altLabel))),
        ("Hidden labels", _sorted(g, g.objects(concept, SKOS.hiddenLabel))),
        ("Notation", _sorted(g, g.objects(concept, SKOS.notation))),
    ]
    rows += [(name, _sorted(g, g.objects(concept, prop))) for prop, name in _CONCEPT_TEXT]
    broader = {*g.objects(concept, SKOS.broader), *g.subjects(SKOS.narrower, concept)}
    narrower = {*g.objects(concept, SKOS.narrower), *g.subjects(SKOS.broader, concept)}
    related = {*g.objects(concept, SKOS.related), *g.subjects(SKOS.related, concept)}
    rows += [("Broader", _sorted(g, broader)), ("Narrower", _sorted(g, narrower)),
             ("Related", _sorted(g, related))]
    rows += _other_rows(g, concept, _CONCEPT_SHOWN, site)
    anchor = site.anchors[concept][1]
    return "\n".join([
        f'<article class="concept" id="{escape(anchor)}">',
        f'<h3><a href="#{escape(anchor)}">{escape(site.label(concept))}</a></h3>',
        f'<p class="iri"><code>{escape(str(concept))}</code></p>',
        _dl(rows, site, here),
        "</article>",
    ])


def _render_registry(page: _Page, site: _Site) -> str:
    g, here = page.graph, page.filename
    out = []
    for dataset in _file_descriptions(g, page.bodies):
        out += [f"<p>{_literal(d)}</p>" for d in _values(g, dataset, (DCTERMS.description,))]
    sectors = {s for b in page.bodies for s in g.objects(b, ORG.classification)}
    out.append(f"<p>{len(page.bodies)} bodies in {len(sectors)} sectors.</p>")
    out.append("<table>\n<thead><tr><th>Body</th><th>Sector</th><th>Other names</th><th>Acronyms</th>"
               "<th>Names only in its own area</th><th>Scope and area</th><th>More</th></tr></thead>\n<tbody>")
    for body in page.bodies:
        anchor = site.anchors[body][1]

        def cell(prop: URIRef, subject: URIRef = body) -> str:
            """Names and areas as plain text in the table; IRIs as links."""
            return "; ".join(escape(str(v)) if isinstance(v, Literal) else site.link(v, here)
                             for v in _sorted(g, g.objects(subject, prop)))

        area = " · ".join(x for x in (cell(DHR.scope), cell(DHR.locality)) if x)
        more = "<br>".join(f"{name}: {', '.join(site.link(v, here) for v in values)}"
                           for name, values in _other_rows(g, body, _BODY_SHOWN, site))
        out.append(f'<tr id="{escape(anchor)}"><td><a href="#{escape(anchor)}" title="{escape(str(body))}">'
                   f"{escape(site.label(body))}</a></td><td>{cell(ORG.classification)}</td>"
                   f"<td>{cell(SKOS.altLabel)}</td><td>{cell(DHR.acronym)}</td><td>{cell(SKOS.hiddenLabel)}</td>"
                   f"<td>{area}</td><td>{more}</td></tr>")
    out.append("</tbody>\n</table>")
    return "\n".join(out)


def _render_index(pages: list[_Page], site: _Site, with_ontology: bool) -> str:
    items = []
    if with_ontology:
        items.append(f'<li><a href="{ONTOLOGY_PAGE}">Ontology</a>: classes and properties of '
                     "the dhr: vocabulary (pyLODE)</li>")
    for page in pages:
        count = sum(len(m) for m in page.members.values())
        what = f"{count} concepts" if page.schemes else ""
        if page.bodies:
            what = ", ".join(x for x in (what, f"{len(page.bodies)} bodies") if x)
        items.append(f'<li><a href="{escape(page.filename)}">{escape(page.title)}</a> ({what}, '
                     f"from <code>{escape(page.source.name)}</code>)</li>")
    body = "<h1>dhr-graph vocabularies</h1>\n<ul>\n" + "\n".join(items) + "\n</ul>"
    return _document("dhr-graph vocabularies", body, None)


def _document(title: str, body: str, source: Path | None) -> str:
    origin = f" from <code>{escape(str(source))}</code>" if source else ""
    nav = "" if source is None else f'<nav><a href="{INDEX_PAGE}">All vocabularies</a></nav>\n'
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{nav}{body}\n"
            f"<footer>Generated by dhr-graph {escape(__version__)}{origin}.</footer>\n</body>\n</html>\n")


def _dl(rows: list[tuple[str, list[Node]]], site: _Site, here: str) -> str:
    """A definition list of the rows that have values; several values become a list.

    Row names are HTML already (escaped where they are made), so a name can link to the legend.
    """
    out = []
    for name, values in rows:
        if not values:
            continue
        shown = [site.link(v, here) for v in values]
        value = shown[0] if len(shown) == 1 else "<ul>" + "".join(f"<li>{s}</li>" for s in shown) + "</ul>"
        out.append(f"<dt>{name}</dt><dd>{value}</dd>")
    return f"<dl>{''.join(out)}</dl>" if out else ""


def _other_rows(g: Graph, subject: URIRef, shown: set[URIRef], site: _Site) -> list[tuple[str, list[Node]]]:
    """Every property not shown elsewhere, named by the ontology, so no curated value is hidden."""
    props = sorted((p for p in set(g.predicates(subject)) if p not in shown),
                   key=lambda p: _term_name(g, p, site).casefold())
    rows = []
    for prop in props:
        name = escape(_term_name(g, prop, site))
        if _term_comment(prop, site):  # explained once, in the page's legend
            site.used.add(prop)
            name = f'<a href="#{escape(_term_anchor(g, prop))}">{name}</a>'
        rows.append((name, _sorted(g, g.objects(subject, prop))))
    return rows


def _term_comment(prop: Node, site: _Site) -> str:
    return " ".join(str(c) for c in _values(site.labels, prop, (RDFS.comment, SKOS.definition)))


def _term_name(g: Graph, prop: Node, site: _Site) -> str:
    """The ontology's label of a property (`match pattern`), else its prefixed name."""
    return _best(site.labels, prop, (RDFS.label,)) or _qname(g, prop)


def _term_anchor(g: Graph, prop: Node) -> str:
    return "term-" + (re.sub(r"[^A-Za-z0-9_-]+", "-", _qname(g, prop)).strip("-") or "property")


# ---------------------------------------------------------------- helpers


def _literal(value: Literal) -> str:
    """Language-tagged text is prose; untagged values (patterns, numbers, codes) are shown as code."""
    if value.language or value.datatype == RDF.langString:
        return escape(str(value))
    return f"<code>{escape(str(value))}</code>"


def _values(g: Graph, subject: Node, props: Sequence[URIRef]) -> list[Literal]:
    """English or untagged literals of the first property that has any."""
    for prop in props:
        found = [v for v in g.objects(subject, prop) if isinstance(v, Literal)]
        preferred = [v for v in found if v.language in (None, "en") or str(v.language).startswith("en-")]
        if preferred or found:
            return sorted(preferred or found)
    return []


def _best(g: Graph, subject: Node, props: Sequence[URIRef]) -> str:
    values = _values(g, subject, props)
    return str(values[0]) if values else ""


def _local_name(node: Node) -> str:
    text = str(node).rstrip("/#")
    return re.split(r"[/#:]", text)[-1] or text


def _qname(g: Graph, iri: Node) -> str:
    try:
        return g.namespace_manager.normalizeUri(str(iri)).strip("<>")
    except Exception:  # an IRI rdflib cannot split into prefix and name
        return str(iri)


def _sort_key(g: Graph, node: Node) -> tuple[str, str]:
    label = _best(g, node, _TITLE_PROPS) if not isinstance(node, Literal) else str(node)
    return (label.casefold(), str(node))


def _sector_key(g: Graph, body: Node) -> tuple[str, ...]:
    return tuple(sorted(_local_name(s) for s in g.objects(body, ORG.classification)))


def _sorted(g: Graph, nodes: Iterable[Node]) -> list:
    """Nodes by label, so pages are the same from run to run whatever order rdflib returns."""
    return sorted(set(nodes), key=lambda n: _sort_key(g, n))


if __name__ == "__main__":
    sys.exit(main())
