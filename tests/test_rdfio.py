"""One N-Quads writer (nquads.py), one term converter (terms.py), one Turtle reader (inputfiles.py):
what each keeps, refuses and reports, and that the rest of the package goes through them."""

from __future__ import annotations

import ast
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from dhr_graph import nquads, terms
from dhr_graph.errors import InputError
from dhr_graph.inputfiles import read_turtle, turtle_quads

PACKAGE = Path(terms.__file__).resolve().parent
INT, BOOL, DEC = (ox.NamedNode(str(XSD[n])) for n in ("integer", "boolean", "decimal"))

# literals whose lexical form rdflib would rewrite if asked to normalise, and others
AS_WRITTEN = [
    ox.Literal("01", datatype=INT),
    ox.Literal("none", datatype=BOOL),  # ill-typed: normalised, it would be "false"
    ox.Literal("4.0", datatype=DEC),
    ox.Literal("plain"),
    ox.Literal("Berg", language="de"),
    ox.Literal('quote " backslash \\ line\nbreak\r'),
]


@pytest.mark.parametrize("term", AS_WRITTEN, ids=str)
def test_a_literal_round_trips_unchanged(term: ox.Literal) -> None:
    back = terms.to_ox(terms.to_rdflib(term))
    assert back == term and back.value == term.value


def test_the_converter_keeps_the_lexical_form_where_rdflib_would_not() -> None:
    """The difference `normalize=False` makes: without it "01"^^xsd:integer would read as "1"."""
    converted = terms.to_rdflib(ox.Literal("01", datatype=INT))
    assert str(converted) == "01"
    assert str(Literal("01", datatype=XSD.integer)) == "1"  # what rdflib does by default


def test_a_simple_literal_has_no_datatype_in_rdflib_and_is_xsd_string_in_oxigraph() -> None:
    assert terms.to_rdflib(ox.Literal("x")) == Literal("x")
    assert terms.to_ox(Literal("x")).datatype == ox.NamedNode(str(XSD.string))


def test_iris_and_blank_nodes_keep_their_identity() -> None:
    assert terms.to_rdflib(ox.NamedNode("https://example.org/a")) == URIRef("https://example.org/a")
    assert terms.to_ox(BNode("b1")) == ox.BlankNode("b1")
    assert terms.to_rdflib(ox.BlankNode("b1")) == BNode("b1")
    with pytest.raises(TypeError):
        terms.to_rdflib("not a term")


def test_cached_converters_give_what_the_plain_ones_give() -> None:
    from_ox, to_ox = terms.ToRdflib(), terms.ToOx()
    for term in [*AS_WRITTEN, ox.NamedNode("https://example.org/a"), ox.BlankNode("b2")]:
        assert from_ox(term) == terms.to_rdflib(term)
        assert from_ox(term) is from_ox(term)  # remembered
        assert to_ox(from_ox(term)) == term


def test_to_quads_and_to_dataset_are_inverse() -> None:
    g = Graph()
    s = URIRef("https://example.org/s")
    for i, term in enumerate(AS_WRITTEN):
        g.add((s, URIRef(f"https://example.org/p{i}"), terms.to_rdflib(term)))
    quads = terms.to_quads(g, "https://example.org/g")
    assert {q.graph_name for q in quads} == {ox.NamedNode("https://example.org/g")}
    assert {q.object for q in quads} == set(AS_WRITTEN)
    ds = terms.to_dataset(quads)
    assert set(ds.graph(URIRef("https://example.org/g"))) == set(g)


# ---------------------------------------------------------------- N-Quads writer


def parse_one(line: str) -> ox.Quad:
    (quad,) = ox.parse(line.encode(), format=ox.RdfFormat.N_QUADS)
    return quad


@pytest.mark.parametrize("term", AS_WRITTEN, ids=str)
def test_written_literals_read_back_as_the_same_term(term: ox.Literal) -> None:
    text = nquads.literal(term.value, term.datatype.value, term.language)
    line = f"<https://example.org/s> <https://example.org/p> {text} <https://example.org/g> .\n"
    assert parse_one(line).object == term


@pytest.mark.parametrize("bad", ["https://example.org/a b", "https://example.org/a>b", "x\n", 'a"b', "a{b}", "a\\b"])
def test_an_iri_n_quads_cannot_hold_is_refused_not_written(bad: str) -> None:
    with pytest.raises(ValueError, match="not an IRI"):
        nquads.iri(bad)
    with pytest.raises(ValueError):
        nquads.literal("x", datatype=bad)


def test_bad_language_tags_and_blank_labels_are_refused() -> None:
    with pytest.raises(ValueError, match="language"):
        nquads.literal("x", language="en gb")
    with pytest.raises(ValueError, match="blank node"):
        nquads.blank("a b")


def test_an_rdflib_graph_written_as_n_quads_reads_back_equal() -> None:
    g = Graph()
    s, b = URIRef("https://example.org/s"), BNode("n1")
    g.add((s, URIRef("https://example.org/p"), b))
    for i, term in enumerate(AS_WRITTEN):
        g.add((b, URIRef(f"https://example.org/q{i}"), terms.to_rdflib(term)))
    text = nquads.graph_text(g, "https://example.org/g")
    back = list(ox.parse(text.encode(), format=ox.RdfFormat.N_QUADS))
    assert len(back) == len(g)
    assert {q.object for q in back if isinstance(q.object, ox.Literal)} == set(AS_WRITTEN)


# ---------------------------------------------------------------- Turtle reader


def test_turtle_is_read_as_written_with_its_prefixes(tmp_path: Path) -> None:
    f = tmp_path / "x.ttl"
    f.write_text('@prefix ex: <https://example.org/> .\nex:a ex:n "01"^^<http://www.w3.org/2001/XMLSchema#integer> .\n',
                 encoding="utf-8")
    g = read_turtle(f)
    assert str(g.value(URIRef("https://example.org/a"), URIRef("https://example.org/n"))) == "01"
    assert ("ex", URIRef("https://example.org/")) in set(g.namespaces())
    (q,) = turtle_quads(f, "https://example.org/g")
    assert q.graph_name == ox.NamedNode("https://example.org/g") and q.object.value == "01"


@pytest.mark.parametrize("text, line", [("@prefix ex: <https://example.org/> .\nex:a ex:b .\n", 2),
                                         ("this is not turtle", 1)])
def test_bad_turtle_is_one_line_naming_the_file_and_line(tmp_path: Path, text: str, line: int) -> None:
    f = tmp_path / "bad.ttl"
    f.write_text(text, encoding="utf-8")
    for read in (read_turtle, turtle_quads):
        with pytest.raises(InputError) as info:
            read(f)
        assert info.value.path == str(f) and info.value.line == line
        assert str(info.value).startswith(f"{f}:{line}: cannot read Turtle: ") and "\n" not in str(info.value)


def test_missing_and_non_regular_turtle_files_are_refused(tmp_path: Path) -> None:
    import os

    with pytest.raises(InputError, match="no such file"):
        read_turtle(tmp_path / "nope.ttl")
    with pytest.raises(InputError, match="is a folder"):
        turtle_quads(tmp_path)
    fifo = tmp_path / "fifo.ttl"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):  # refused without waiting for a writer
        read_turtle(fifo)


# ---------------------------------------------------------------- one of each, package-wide


def _reads_a_file(call: ast.Call) -> bool:
    """A `.parse(...)` that reads a file: Oxigraph's `path=`, or Turtle by rdflib or Oxigraph."""
    if not (isinstance(call.func, ast.Attribute) and call.func.attr == "parse"):
        return False
    for kw in call.keywords:
        if kw.arg == "path":
            return True
        if kw.arg == "format" and ((isinstance(kw.value, ast.Constant) and kw.value.value == "turtle")
                                   or (isinstance(kw.value, ast.Attribute) and kw.value.attr == "TURTLE")):
            return True
    return False


def test_only_the_rdf_file_reader_parses_files() -> None:
    """No module but inputfiles.py parses an RDF file (rdflib's `Graph.parse` or `ox.parse(path=...)`):
    parsing text (a response body, N-Quads just written) is not reading a file."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "inputfiles.py":
            continue
        found += [f"{path.relative_to(PACKAGE)}:{n.lineno}" for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                  if isinstance(n, ast.Call) and _reads_a_file(n)]
    assert not found, "read RDF files with inputfiles.read_turtle / turtle_quads / rdf_quads:\n" + "\n".join(found)


def test_no_other_module_converts_pyoxigraph_terms_to_rdflib() -> None:
    """`Literal(x.value, ...)`, `URIRef(x.value)`, `BNode(x.value)` (a pyoxigraph term made an rdflib
    one) belong in terms.py, where every such conversion keeps the lexical form."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "terms.py":
            continue
        for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in ("Literal", "URIRef", "BNode")
                    and n.args and isinstance(n.args[0], ast.Attribute) and n.args[0].attr == "value"):
                found.append(f"{path.relative_to(PACKAGE)}:{n.lineno}")
    assert not found, "convert with dhr_graph.terms:\n" + "\n".join(found)
