"""Named queries rewritten for speed return exactly the rows of their plain form.

Oxigraph joins largely in the order written, so several queries of the library were reshaped
for speed at 2,000 reviews (counts made before labels are joined, one scan per property joined
by hash, deduplicated tables of what every review graph restates). The shape each had before,
written the plain way, is kept in tests/data/plain-queries/; each is run beside its named query
on the query corpus (with and without DHRD cases, and with each parameter) and the rows must be
the same, in the same order where the query orders them. Queries that read the summary graph are
compared in the same way with their plain computation (queries/plain/, their fallback for stores
without the summary); tests/test_summary.py checks it again after every kind of write.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dhr_graph import resources, summary
from dhr_graph.cases import bundled_incidents, import_cases
from dhr_graph.pipeline import build
from dhr_graph.queries import get_query, library, load_query, run

TESTS = Path(__file__).resolve().parent
PLAIN = TESTS / "data" / "plain-queries"
CORPUS = TESTS / "data" / "query-corpus"
SUMMARY_BACKED = sorted(n for n, nq in library().items() if summary.fallback_path(nq.text, nq.path))

# parameter values tried for each query, beside none
PARAMS: dict[str, list[dict[str, str]]] = {
    "reviews-by-police-force-area": [{"area": "Hampshire"}, {"area": "E23000005"}, {"area": "nowhere"}],
    "reviews-by-region": [{"region": "South East"}, {"region": "E12000008"}, {"region": "nowhere"}],
    "cross-review-links": [{"min": "0.3"}, {"basis": "shared-organisation"}, {"review": "nowhere"},
                           {"basis": "https://w3id.org/dhr-graph/scheme/link-basis/recurring-recommendation"}],
    "recurring-recommendations": [{"min": "0.6"}, {"stated": "true"}, {"review": "nowhere"}],
    "agency-reach": [{"min": "2"}, {"min": "3"}],
    "unresolved-addressees": [{"method": "pattern"}, {"method": "verbatim"}],
}
# queries with a `review` parameter are also tried with these many reviews of the corpus (by key,
# and the first by IRI), alone and with their other parameters
REVIEW_PARAMS = {"cross-review-links": 4, "recurring-recommendations": 2}
# GROUP_CONCAT lists whose order SPARQL leaves to the engine: compared as sets of items
CONCATENATED = {"cross-review-links": {"evidence": "; "}}


def _rows(store: Path, name: str, path: Path | None, params: dict[str, str]) -> tuple[list[str], list[list[str]]]:
    nq = load_query(path, name) if path else get_query(name)
    result = run(store, nq, params)
    lists = CONCATENATED.get(name, {})
    return result.variables, [[_cell(row.get(v), lists.get(v)) for v in result.variables] for row in result.rows]


def _cell(term: object, separator: str | None) -> str:
    if separator is None or term is None:
        return str(term)
    return separator.join(sorted(str(getattr(term, "value", term)).split(separator)))


def _review_params(store: Path, name: str) -> list[dict[str, str]]:
    count = REVIEW_PARAMS.get(name, 0)
    if not count:
        return []
    reviews = run(store, "SELECT ?r ?key WHERE { ?r a dhr:Review ; dcterms:identifier ?key } ORDER BY ?key").rows
    linked = [r for r in reviews if run(store, f"ASK {{ ?l dhr:earlierReview|dhr:laterReview <{r['r'].value}> }}").boolean]
    picked = linked[:: max(1, len(linked) // count)][:count]
    assert picked, f"{name}: no linked review in the corpus to bind"
    out = [{"review": r["key"].value} for r in picked]
    out += [{"review": picked[0]["r"].value}, {"review": picked[0]["key"].value, "min": "0.3"}]
    if any(p.name == "basis" for p in get_query(name).params):
        out.append({"review": picked[-1]["key"].value, "basis": "shared-organisation"})
    return out


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory, toolkit: object) -> dict[str, Path]:
    plain = tmp_path_factory.mktemp("shapes") / "store"
    report = build([CORPUS, *resources.sample_pages()], plain, toolkit=toolkit)
    assert report.committed
    with_cases = tmp_path_factory.mktemp("shapes-cases") / "store"
    build([CORPUS, *resources.sample_pages()], with_cases, toolkit=toolkit)
    import_cases(bundled_incidents(), with_cases)
    # the links test pages: links on every basis, recurring recommendations among them
    linked = tmp_path_factory.mktemp("shapes-links") / "store"
    assert build([TESTS / "data" / "links"], linked, toolkit=toolkit).committed
    return {"no cases": plain, "cases": with_cases, "links": linked}


def test_every_plain_form_names_a_query() -> None:
    names = sorted(p.stem for p in PLAIN.glob("*.rq"))
    assert names, "no plain forms kept"
    for name in names:
        assert get_query(name).name == name


def _assert_same_rows(stores: dict[str, Path], name: str, plain: Path) -> None:
    """The named query and its plain text give the same rows on every store, with each parameter
    set and each review tried, in the same order where the query orders them."""
    ordered = "ORDER BY" in get_query(name).text
    answered = 0
    for kind, store in stores.items():
        for params in [{}, *PARAMS.get(name, []), *_review_params(store, name)]:
            plain_vars, plain_rows = _rows(store, name, plain, params)
            fast_vars, fast_rows = _rows(store, name, None, params)
            assert fast_vars == plain_vars, (kind, params)
            if ordered:
                assert fast_rows == plain_rows, (kind, params)
            else:
                assert sorted(fast_rows) == sorted(plain_rows), (kind, params)
            answered += len(plain_rows)
    assert answered, f"{name}: no rows on the corpus, so the comparison proves nothing"


@pytest.mark.parametrize("name", sorted(p.stem for p in PLAIN.glob("*.rq")))
def test_fast_shape_returns_the_plain_rows(stores: dict[str, Path], name: str) -> None:
    _assert_same_rows(stores, name, PLAIN / f"{name}.rq")


@pytest.mark.parametrize("name", SUMMARY_BACKED)
def test_summary_backed_query_returns_the_plain_rows(stores: dict[str, Path], name: str) -> None:
    nq = get_query(name)
    plain_path = summary.fallback_path(nq.text, nq.path)
    assert plain_path is not None
    _assert_same_rows(stores, name, plain_path)
