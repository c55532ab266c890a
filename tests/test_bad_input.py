"""Bad input, tried: every broken page of tests/data/bad gives one clear line, the right exit
status, no traceback, and leaves the store holding what it held plus the good pages."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef

from dhr_graph.cli import main
from dhr_graph.errors import InputError
from dhr_graph.iris import DHR, SUMMARY_GRAPH
from dhr_graph.parser import MAX_PAGE_BYTES, parse_page, parse_text
from dhr_graph.pipeline import build
from dhr_graph.records import Review
from dhr_graph.store import GraphStore

BAD = Path(__file__).resolve().parent / "data" / "bad"
MANIFEST = json.loads((BAD / "manifest.json").read_text(encoding="utf-8"))["cases"]
CASES = {c["file"]: c for c in MANIFEST}
HEADER = "About this page. SYNTHETIC test page written for dhr-graph; not a real review.\n"


SUMMARY = ox.NamedNode(SUMMARY_GRAPH)


def quads(path: Path) -> set[ox.Quad]:
    gs = GraphStore(path)
    try:
        return set(gs.quads()) if gs.exists() else set()
    finally:
        gs.close()


def review_quads(path: Path) -> set[ox.Quad]:
    """Quads of review graphs only (reference graphs are rewritten by every build)."""
    gs = GraphStore(path)
    reviews = {q.graph_name for q in gs.store.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(str(DHR.Review)), None)}
    out = {q for q in gs.quads() if q.graph_name in reviews}
    gs.close()
    return out


def run_build(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["build", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def seeded_store(tmp_path_factory) -> Path:
    """A store that already holds the bundled sample review."""
    path = tmp_path_factory.mktemp("seeded") / "store"
    report = build(None, path)
    assert report.committed
    return path


def test_manifest_covers_every_page() -> None:
    on_disk = {p.name for p in BAD.glob("*.txt")}
    assert on_disk == set(CASES)
    for page in on_disk:
        raw = (BAD / page).read_bytes()
        if raw.strip() and page not in {"binary.txt", "table-without-header.txt"}:
            assert b"SYNTHETIC" in raw[:200], f"{page} must say it is synthetic"


@pytest.mark.parametrize("case", MANIFEST, ids=[c["file"] for c in MANIFEST])
def test_each_bad_page_one_clear_line(case: dict, tmp_path: Path, seeded_store: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(seeded_store, store)
    before = quads(store)
    quiet = ["--quiet"] if case["outcome"] != "landed" else []  # --quiet hides a landed page's warnings
    code, out, err = run_build(str(BAD / case["file"]), "--store", str(store), *quiet)
    assert code == case["exit"], err
    assert "Traceback" not in out + err
    if case["message"]:
        lines = [ln for ln in err.splitlines() if case["message"] in ln]
        assert len(lines) == 1, err
        where = f"{case['file']}:{case['line']}:" if case["line"] else case["file"]
        assert where in lines[0]
    if case["outcome"] == "landed":  # nothing lost; the summary's totals are recomputed, not kept
        assert {q for q in before if q.graph_name != SUMMARY} < {q for q in quads(store) if q.graph_name != SUMMARY}
    else:
        assert quads(store) == before  # nothing written, nothing lost
        assert err.strip(), "a page that does not land must say why"
        for line in err.strip().splitlines():
            assert case["file"] in line  # one line per problem, each naming the page


def test_mixed_build_adds_exactly_the_good_pages(tmp_path: Path, seeded_store: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(seeded_store, store)
    before = review_quads(store)
    code, _, err = run_build(str(BAD), "--store", str(store), "--quiet")
    assert code == 1 and "Traceback" not in err
    good = [c["file"] for c in MANIFEST if c["outcome"] == "landed"]

    expected = tmp_path / "expected"
    shutil.copytree(seeded_store, expected)
    env_build = build([BAD / f for f in good], expected)
    assert env_build.committed and not env_build.failed

    def strip_time(qs: set[ox.Quad]) -> set[tuple]:
        return {(q.subject, q.predicate, q.object, q.graph_name) for q in qs
                if q.predicate.value != "http://www.w3.org/ns/prov#generatedAtTime"}

    assert strip_time(review_quads(store)) == strip_time(review_quads(expected))
    assert before <= review_quads(store)
    landed = {q.object.value for q in review_quads(store) if q.predicate == ox.NamedNode(str(DHR.sourceFile))}
    assert landed == {"southampton-2020.txt", *good}


def test_strict_build_lands_nothing_when_one_page_fails(tmp_path: Path, seeded_store: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(seeded_store, store)
    before = quads(store)
    code, _, err = run_build(str(BAD / "good-thornbury.txt"), str(BAD / "death-after-publication.txt"),
                             "--store", str(store), "--strict", "--quiet")
    assert code == 2 and "Traceback" not in err  # nothing landed
    assert "death-after-publication.txt" in err
    assert quads(store) == before


def test_twenty_megabyte_page_is_refused_without_reading_it_as_a_page(tmp_path: Path) -> None:
    page = tmp_path / "huge.txt"
    row = "| 1 | Thornbury Council to review its training on risk assessment. | Thornbury Council |\n"
    with page.open("w", encoding="utf-8") as handle:
        handle.write(HEADER + "Huge review\nCSP: Thornbury\nPublished: March 2023\n")
        handle.write("| # | Recommendation | Addressed to |\n|---|---|---|\n")
        handle.write(row * (20 * 1024 * 1024 // len(row) + 1))
    assert page.stat().st_size > 20 * 1024 * 1024 > MAX_PAGE_BYTES
    code, _, err = run_build(str(page), "--store", str(tmp_path / "store"), "--quiet")
    assert code == 2 and "Traceback" not in err
    assert "huge.txt: file is 21.0 MB" in err
    assert not (tmp_path / "store").exists()


def test_markup_in_text_is_kept_as_plain_text(tmp_path: Path) -> None:
    store = tmp_path / "store"
    report = build([BAD / "script-in-text.txt"], store)
    assert report.committed
    gs = GraphStore(store)
    texts = {q.object for q in gs.quads() if q.predicate == ox.NamedNode(str(DHR.text))}
    gs.close()
    script = next(t for t in texts if "<script>" in t.value)
    # kept verbatim, as a plain string literal: not parsed, escaped or typed as HTML/XML
    assert script.value == ('Scriptham Council to <script>alert("x")</script> review <b>training</b> &amp; '
                            '<a href="http://example.org/">links</a>.')
    assert script.datatype == ox.NamedNode("http://www.w3.org/2001/XMLSchema#string")
    assert any(t.value.startswith('Westshire Police to check ]]> and """ and {{template}}') for t in texts)
    # and it survives a Turtle round trip unchanged
    out = tmp_path / "out.ttl"
    assert CliRunner().invoke(main, ["export", "--store", str(store), "--format", "ttl", "-o", str(out)]).exit_code == 0
    g = Graph().parse(out, format="turtle")
    assert Literal(script.value) in set(g.objects(None, URIRef(str(DHR.text))))


def test_csp_with_iri_unsafe_characters_gives_valid_iris(tmp_path: Path) -> None:
    store = tmp_path / "store"
    report = build([BAD / "csp-unsafe-characters.txt"], store)
    assert report.committed and not report.failed
    gs = GraphStore(store)
    iris = {t.value for q in gs.quads() for t in (q.subject, q.predicate, q.object, q.graph_name)
            if isinstance(t, ox.NamedNode)}
    labels = {q.object.value for q in gs.quads() if q.predicate.value.endswith("core#prefLabel")}
    gs.close()
    minted = [i for i in iris if "/id/" in i]
    assert any("ynys-mon" in i for i in minted)
    for iri in minted:
        assert not set(iri) & set(' <>"{}|^`\\#') and iri.isascii(), iri
        ox.NamedNode(iri)  # Oxigraph validates IRIs
        assert URIRef(iri).n3() == f"<{iri}>"
    assert 'Ynys Môn <"#Bay"> {x}|^`\\ Partnership' in labels  # the name itself is kept as written


# ---------------------------------------------------------------- property-based


def _parses_or_input_error(text: str) -> None:
    try:
        review = parse_text(text, source_path="hypothesis.txt")
    except InputError as exc:
        assert str(exc).startswith("hypothesis.txt")
        return
    assert isinstance(review, Review)
    assert review.recommendations and all(r.text for r in review.recommendations)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=2000))
def test_arbitrary_text_parses_or_raises_input_error(text: str) -> None:
    _parses_or_input_error(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from("|#-:. \n9R1aA()Published: CSP: Year of death: Extracted: recs"), max_size=600))
def test_table_like_text_parses_or_raises_input_error(text: str) -> None:
    _parses_or_input_error(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), edits=st.integers(1, 8),
       insert=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12))
def test_mutated_reference_page_parses_or_raises_input_error(sample_text: str, seed: int, edits: int,
                                                             insert: str) -> None:
    rng = random.Random(seed)
    lines = sample_text.splitlines(keepends=True)
    for _ in range(edits):
        op = rng.choice(["drop", "dup", "swap", "cut", "insert", "pipe"])
        i = rng.randrange(len(lines)) if lines else 0
        if not lines:
            lines = [insert]
        elif op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "cut":
            lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
        elif op == "insert":
            k = rng.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:k] + insert + lines[i][k:]
        else:
            k = rng.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:k] + "|" + lines[i][k:]
    _parses_or_input_error("".join(lines))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_parse_or_raise_input_error(tmp_path: Path, data: bytes) -> None:
    page = tmp_path / "bytes.txt"
    page.write_bytes(data)
    try:
        assert isinstance(parse_page(page), Review)
    except InputError as exc:
        assert str(exc).startswith(str(page))
