"""The summary graph never drifts from the data it counts, and a store without it still answers.

Every write recomputes the summary on the working copy before the swap (summary.py,
`GraphStore.writing`). After each kind of write (a build, a page re-ingested with a change, a
review removed, the links recomputed, cases imported) every summary-backed named query must
return exactly the rows of its plain computation (queries/plain/), which reads the data itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from dhr_graph import iris, resources, summary
from dhr_graph.cases import bundled_incidents, import_cases
from dhr_graph.errors import QueryError
from dhr_graph.links.refresh import recompute_store
from dhr_graph.pipeline import build
from dhr_graph.queries import get_query, library, load_query, run
from dhr_graph.store import GraphStore
from dhr_graph.userdata import load_user_graph

TESTS = Path(__file__).resolve().parent
CORPUS = TESTS / "data" / "query-corpus"
PLAIN = resources.queries_dir() / "plain"
BACKED = sorted(name for name, nq in library().items() if summary.fallback_path(nq.text, nq.path))

# parameter values tried beside none
PARAMS: dict[str, list[dict[str, str]]] = {
    "agency-reach": [{"min": "2"}],
    "unresolved-addressees": [{"method": "pattern"}, {"method": "verbatim"}],
}


def _rows(store: Path | GraphStore, name: str, plain: bool, params: dict[str, str]) -> tuple[list[str], list[list[str]]]:
    nq = load_query(PLAIN / f"{name}.rq", name) if plain else get_query(name)
    result = run(store, nq, params)
    return result.variables, [[str(row.get(v)) for v in result.variables] for row in result.rows]


def _mismatches(store: Path) -> list[str]:
    """Every summary-backed query (with each parameter) whose rows differ from its plain form's."""
    wrong = []
    for name in BACKED:
        ordered = "ORDER BY" in get_query(name).text
        for params in [{}, *PARAMS.get(name, [])]:
            plain = _rows(store, name, True, params)
            fast = _rows(store, name, False, params)
            if fast[0] != plain[0] or (fast[1] != plain[1] if ordered else sorted(fast[1]) != sorted(plain[1])):
                wrong.append(f"{name} {params}: {len(fast[1])} rows, plain {len(plain[1])}")
    return wrong


def _stats(store: Path) -> dict[str, int]:
    return {row["what"]: row["count"] for row in run(store, get_query("store-stats")).records()}


def _summary_quads(store: Path) -> set[str]:
    gs = GraphStore(store)
    try:
        return {str(q) for q in gs.quads(iris.SUMMARY_GRAPH)}
    finally:
        gs.close()


def test_the_summary_backed_queries_and_their_plain_forms() -> None:
    assert len(BACKED) >= 5
    # every plain form belongs to a query that reads the summary: none left behind
    assert sorted(p.stem for p in PLAIN.glob("*.rq")) == BACKED
    for name in BACKED:
        nq = get_query(name)
        assert summary.fallback_path(nq.text, nq.path) == PLAIN / f"{name}.rq"
        assert (PLAIN / f"{name}.rq").is_file()
        assert "dhr-graph/graph/>" in nq.text and "dhrg:summary" in nq.text
        assert summary.fallback_path((PLAIN / f"{name}.rq").read_text(), PLAIN / f"{name}.rq") is None
        assert load_query(PLAIN / f"{name}.rq").params == nq.params  # same parameters, same doc
    for path in summary.summary_queries():  # the summary is written in the graph iris.py names
        assert iris.SUMMARY_GRAPH in path.read_text()


def test_the_summary_stays_true_through_every_write(tmp_path: Path, toolkit: object) -> None:
    pages = tmp_path / "pages"
    shutil.copytree(CORPUS, pages)
    store = tmp_path / "store"

    assert build([pages, *resources.sample_pages()], store, toolkit=toolkit).committed
    assert _mismatches(store) == []
    first = _stats(store)
    assert first["reviews"] == 4 and first["recommendations"] > 0

    # a page edited and ingested again: one more recommendation, to two agencies together
    page = pages / "oakhollow-2023.txt"
    text = page.read_text(encoding="utf-8").replace("Extracted: 3 recs", "Extracted: 4 recs")
    extra = ("| 2.4 | Oakhollow District Council and Kent Police to agree a joint protocol on stalking. "
             "| Oakhollow District Council | Kent Police |\n")
    marker = "| Recommendations extracted from"
    page.write_text(text.replace(marker, extra + marker, 1), encoding="utf-8")
    report = build([page], store, toolkit=toolkit)
    assert report.committed and not report.failed
    assert _mismatches(store) == []
    assert _stats(store)["recommendations"] == first["recommendations"] + 1

    # a review removed (through the library's all-or-nothing replace)
    gs = GraphStore(store)
    review_graph = next(g for g in gs.named_graphs() if "/graph/review/" in g and "wrenfield" in g.lower())
    gs.replace({}, remove=[review_graph])
    gs.close()
    assert _mismatches(store) == []
    assert _stats(store)["reviews"] == 3

    # the links recomputed, then DHRD cases imported
    recompute_store(GraphStore(store))
    assert _mismatches(store) == []
    import_cases(bundled_incidents(), store)
    assert _mismatches(store) == []
    assert _stats(store)["cases"] > 0

    # a user graph (`dhr-graph load`) adding a recommendation addressed to a body of the registry
    own = tmp_path / "own.ttl"
    own.write_text(
        "@prefix dhr: <https://w3id.org/dhr-graph/def/> .\n"
        "<https://example.org/rec/1> a dhr:Recommendation ; dhr:addressedTo <https://example.org/body/1> ;\n"
        "    dhr:hasTheme <https://w3id.org/dhr-graph/scheme/theme/carers> .\n"
        "<https://example.org/body/1> a dhr:Agency .\n", encoding="utf-8")
    before = _stats(store)
    load_user_graph(GraphStore(store), [own], "https://example.org/graph/own")
    assert _mismatches(store) == []
    assert _stats(store)["recommendations"] == before["recommendations"] + 1


def test_the_same_data_gives_the_same_summary(tmp_path: Path, toolkit: object) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    build([CORPUS], one, toolkit=toolkit)
    build([CORPUS], two, toolkit=toolkit)
    quads = _summary_quads(one)
    assert quads and quads == _summary_quads(two)
    assert not any("_:" in q for q in quads)  # IRIs only: exports stay byte-stable


def _drop_summary(store: Path) -> None:
    """Make the store look like one written before the summary existed."""
    db = ox.Store(str(store))
    db.remove_graph(ox.NamedNode(iris.SUMMARY_GRAPH))
    db.flush()
    del db


def test_a_store_without_the_summary_runs_the_plain_computation(tmp_path: Path, toolkit: object) -> None:
    store = tmp_path / "store"
    build([CORPUS, *resources.sample_pages()], store, toolkit=toolkit)
    expected = {name: _rows(store, name, False, {}) for name in BACKED}
    _drop_summary(store)
    assert not _summary_quads(store)
    answered = 0
    for name in BACKED:
        assert _rows(store, name, False, {}) == _rows(store, name, True, {})
        assert sorted(_rows(store, name, False, {})[1]) == sorted(expected[name][1])  # not empty, not wrong
        answered += len(expected[name][1])
    assert answered
    # the next write adds the summary back
    recompute_store(GraphStore(store))
    assert _summary_quads(store)
    assert _mismatches(store) == []


def test_a_missing_plain_form_is_one_clear_error(tmp_path: Path, toolkit: object) -> None:
    store = tmp_path / "store"
    build([CORPUS], store, toolkit=toolkit)
    _drop_summary(store)
    own = tmp_path / "own.rq"
    own.write_text("# fallback: plain/nowhere.rq\nSELECT * WHERE { ?s ?p ?o } LIMIT 1\n", encoding="utf-8")
    with pytest.raises(QueryError, match=r"own\.rq: the store has no summary graph .* rebuild the store"):
        run(store, load_query(own))
    # the plain form that runs instead is checked for SERVICE like any local query
    (tmp_path / "plain.rq").write_text("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }\n",
                                       encoding="utf-8")
    own.write_text("# fallback: plain.rq\nSELECT * WHERE { ?s ?p ?o } LIMIT 1\n", encoding="utf-8")
    with pytest.raises(QueryError, match=r"own\.rq: SERVICE would send part of this query over the network"):
        run(store, load_query(own))


@pytest.mark.slow
def test_an_endpoint_without_the_summary_gives_the_plain_rows(tmp_path: Path, toolkit: object) -> None:
    """A real server (`dhr-graph serve`) over a store without the summary: the remote answers
    are the plain computation's, not empty ones."""
    from dhr_graph.remote import RemoteStore

    from . import servers

    store = tmp_path / "store"
    build([CORPUS, *resources.sample_pages()], store, toolkit=toolkit)
    _drop_summary(store)
    proc, base = servers.start_serve(store)
    try:
        remote = RemoteStore(f"{base}/query")
        answered = 0
        for name in BACKED:
            here = _rows(store, name, True, {})
            there = run(remote, get_query(name), {})
            assert there.variables == here[0], name
            rows = [[str(row.get(v)) for v in there.variables] for row in there.rows]
            assert sorted(rows) == sorted(here[1]), name
            answered += len(there.rows)
        assert answered
    finally:
        servers.stop(proc)
