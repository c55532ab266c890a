"""The scheme documentation pages (`make docs`): every concept, working links, escaped data."""

from __future__ import annotations

import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import ORG, RDF, SKOS

from dhr_graph import resources
from dhr_graph.iris import DHR
from dhr_graph.schemedoc import main, write_docs

SCHEME_FILES = ["themes.ttl", "sectors.ttl", "case-types.ttl", "link-bases.ttl", "agencies.ttl"]
_VOID = {"meta", "br", "link", "img", "hr", "input", "wbr"}


class _Page(HTMLParser):
    """What the tests need from a page: ids, the text inside each id'd element, links, tags."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.text_in: dict[str, str] = {}
        self.hrefs: list[str] = []
        self.tags: list[str] = []
        self._open: list[str | None] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        if found.get("href"):
            self.hrefs.append(found["href"] or "")
        ident = found.get("id")
        if ident:
            assert ident not in self.ids, f"duplicate id {ident}"
            self.ids.add(ident)
            self.text_in[ident] = ""
        if tag not in _VOID:
            self._open.append(ident)

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for ident in self._open:
            if ident:
                self.text_in[ident] += data


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs")
    (out / "ontology.html").write_text("<!DOCTYPE html><title>stand-in for pyLODE</title>", encoding="utf-8")
    write_docs([resources.ontology_dir() / name for name in SCHEME_FILES], out)
    return out


def _page(site: Path, name: str) -> _Page:
    return _Page((site / name).read_text(encoding="utf-8"))


def _local(iri: URIRef) -> str:
    return str(iri).rstrip("/").rsplit("/", 1)[-1]


def test_every_theme_has_an_anchor_with_its_label_definition_and_rules(site: Path) -> None:
    themes = Graph().parse(resources.ontology_dir() / "themes.ttl")
    concepts = set(themes.subjects(RDF.type, DHR.Theme))
    assert len(concepts) == 22
    page = _page(site, "themes.html")
    for concept in concepts:
        anchor = _local(concept)
        assert anchor in page.ids, concept
        text = page.text_in[anchor]
        assert str(themes.value(concept, SKOS.prefLabel)) in text
        assert str(themes.value(concept, SKOS.definition)) in text
        for alt in themes.objects(concept, SKOS.altLabel):
            assert str(alt) in text
        for pattern in themes.objects(concept, DHR.matchPattern):  # classifier rules, as written
            assert str(pattern) in text
        assert f"#{anchor}" in page.hrefs  # listed in the page's contents


def test_every_link_inside_and_across_pages_lands_on_an_anchor(site: Path) -> None:
    pages = {p.name: _page(site, p.name) for p in site.glob("*.html") if p.name != "ontology.html"}
    assert set(pages) == {name.replace(".ttl", ".html") for name in SCHEME_FILES} | {"index.html"}
    checked = 0
    for name, page in pages.items():
        for href in page.hrefs:
            if href.startswith("http"):
                continue
            target, _, anchor = href.partition("#")
            target = target or name
            if target == "ontology.html":
                continue
            assert target in pages, (name, href)
            if anchor:
                assert anchor in pages[target].ids, (name, href)
                checked += 1
    assert checked > 400  # contents, broader/narrower/related, sectors of 141 bodies


def test_broader_and_narrower_are_shown_both_ways(site: Path) -> None:
    page = _page(site, "case-types.html")
    raw = (site / "case-types.html").read_text(encoding="utf-8")
    # ct:parricide says skos:broader; ct:familial-homicide says skos:narrower: each page entry shows both.
    parricide = raw[raw.index('id="parricide"'):]
    parricide = parricide[:parricide.index("</article>")]
    assert 'href="#familial-homicide"' in parricide and "Broader" in parricide
    familial = raw[raw.index('id="familial-homicide"'):]
    familial = familial[:familial.index("</article>")]
    assert 'href="#parricide"' in familial and "Narrower" in familial
    assert "Familial homicide" in page.text_in["parricide"]


def test_registry_lists_every_body_with_its_sector_and_names(site: Path) -> None:
    registry = Graph().parse(resources.ontology_dir() / "agencies.ttl")
    bodies = set(registry.subjects(RDF.type, DHR.Agency))
    assert len(bodies) == 141
    sectors = Graph().parse(resources.ontology_dir() / "sectors.ttl")
    page = _page(site, "agencies.html")
    raw = (site / "agencies.html").read_text(encoding="utf-8")
    for body in bodies:
        anchor = _local(body)
        row = page.text_in[anchor]
        assert str(registry.value(body, SKOS.prefLabel)) in row
        for alt in registry.objects(body, SKOS.altLabel):
            assert str(alt) in row
        sector = registry.value(body, ORG.classification)
        assert str(sectors.value(sector, SKOS.prefLabel)) in row
        html_row = raw[raw.index(f'<tr id="{anchor}">'):]
        assert f'href="sectors.html#{_local(sector)}"' in html_row[:html_row.index("</tr>")]


def test_index_links_every_page_and_the_ontology(site: Path) -> None:
    page = _page(site, "index.html")
    assert set(page.hrefs) == {"ontology.html", *(n.replace(".ttl", ".html") for n in SCHEME_FILES)}


SYNTHETIC = """# SYNTHETIC test scheme written for dhr-graph; not real data.
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix ex: <https://example.org/scheme/> .
ex:s a skos:ConceptScheme ; dcterms:title "Scheme <b>bold</b> & co"@en .
ex:a skos:inScheme ex:s ; skos:topConceptOf ex:s ;
    skos:prefLabel "<script>alert('label')</script>"@en ;
    skos:altLabel "\\"><img src=x onerror=alert(1)>"@en ;
    skos:definition "Defined </dd></dl><script>x()</script>"@en ;
    skos:related <javascript:alert(1)> .
ex:b skos:inScheme ex:s ; skos:prefLabel "Child"@en ; skos:broader ex:a .
"""


def test_markup_in_the_data_is_escaped_and_never_becomes_a_script_or_a_link(tmp_path: Path) -> None:
    source = tmp_path / "synthetic.ttl"
    source.write_text(SYNTHETIC, encoding="utf-8")
    write_docs([source], tmp_path / "out")
    raw = (tmp_path / "out" / "synthetic.html").read_text(encoding="utf-8")
    page = _Page(raw)
    assert "script" not in page.tags and "img" not in page.tags and "b" not in page.tags
    assert "&lt;script&gt;alert(&#x27;label&#x27;)&lt;/script&gt;" in raw
    assert "<script>alert('label')</script>" in page.text_in["a"]  # shown as text, readable
    assert not any(h.lower().startswith("javascript:") for h in page.hrefs)
    assert "#a" in page.hrefs and "a" in page.text_in["b"] and "alert" in page.text_in["b"]  # broader link


def test_output_is_the_same_from_run_to_run(tmp_path: Path) -> None:
    sources = [resources.ontology_dir() / n for n in ("themes.ttl", "link-bases.ttl")]
    write_docs(sources, tmp_path / "one")
    write_docs(sources, tmp_path / "two")
    for name in ("themes.html", "link-bases.html", "index.html"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_bad_turtle_is_one_line_naming_the_file_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "broken.ttl"
    bad.write_text('@prefix ex: <https://example.org/> .\nex:a ex:b "never closed .\n', encoding="utf-8")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "dhr_graph.schemedoc", str(bad), "-o", str(out)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and "Traceback" not in done.stderr
    assert f"{bad}:2:" in lines[0]  # the line of the error
    assert not out.exists()  # nothing written from bad input


@pytest.mark.parametrize("content, reason", [
    (None, "no such file"),
    ("@prefix ex: <https://example.org/> .\nex:a ex:b ex:c .\n", "nothing to document"),
])
def test_other_bad_input_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               content: str | None, reason: str) -> None:
    path = tmp_path / "input.ttl"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main([str(path), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err and reason in err
