"""A bound parameter reaches every subquery that projects it (`queries.bind_values`).

Whole-list queries read each property in a subquery joined by hash; their one-review form stays
quick only if the given review is bound inside those subqueries too. Binding it there must give
the rows of binding it outside only, which is what SPARQL scoping says for a projected variable.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from dhr_graph.queries import bind_values

EX = "http://example.org/"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    s = ox.Store()
    for i in range(6):
        s.add(ox.Quad(ox.NamedNode(f"{EX}r{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(str(i % 3)),
                      ox.NamedNode(f"{EX}g{i % 2}")))
    return s


def _rows(store: ox.Store, text: str) -> list[tuple[str, ...]]:
    result = store.query(text, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return sorted(tuple(str(sol[n]) for n in names) for sol in result)


def _outer_only(text: str, bindings: dict[str, ox.NamedNode | ox.Literal]) -> str:
    names = " ".join(f"?{n}" for n in bindings)
    terms = " ".join(str(t) for t in bindings.values())
    at = text.index("{")
    return f"{text[:at + 1]} VALUES ({names}) {{ ({terms}) }}{text[at + 1:]}"


def test_a_projected_variable_is_bound_inside_the_subquery() -> None:
    text = "SELECT ?r ?o WHERE { { SELECT ?r ?o WHERE { ?r <http://example.org/p> ?o } } }"
    bound = bind_values(text, {"r": ox.NamedNode(EX + "r1")})
    assert bound.count("VALUES (?r) { (<http://example.org/r1>) }") == 2


def test_a_variable_the_subquery_does_not_project_is_its_own() -> None:
    text = ("SELECT ?o (COUNT(*) AS ?n) WHERE { { SELECT ?o WHERE { ?r <http://example.org/p> ?o } } "
            "{ SELECT ?r (MAX(?x) AS ?m) WHERE { ?r <http://example.org/p> ?x } GROUP BY ?r } "
            "{ SELECT * WHERE { ?r <http://example.org/p> ?y } } } GROUP BY ?o")
    bound = bind_values(text, {"r": ox.NamedNode(EX + "r1")})
    # the outer group and the subquery that projects ?r by name; not the one that keeps ?r
    # to itself, nor SELECT * (left as it is)
    assert bound.count("VALUES") == 2
    assert "{ VALUES (?r) { (<http://example.org/r1>) } ?r <http://example.org/p> ?x }" in bound


def test_comments_strings_and_iris_are_not_syntax() -> None:
    text = ('# SELECT ?r { in a comment\nSELECT ?r WHERE { ?r <http://example.org/p> "SELECT ?r {" . '
            "{ SELECT ?r WHERE { ?r ?p ?o } } }")
    bound = bind_values(text, {"r": ox.Literal("x")})
    assert bound.startswith("# SELECT ?r { in a comment\n")
    assert '"SELECT ?r {"' in bound
    assert bound.count('VALUES (?r) { ("x") }') == 2


@pytest.mark.parametrize("text", [
    "SELECT ?r ?o WHERE { { SELECT ?r ?o WHERE { ?r <http://example.org/p> ?o } } }",
    "SELECT ?r ?n WHERE { { SELECT ?r (COUNT(*) AS ?n) WHERE { ?r ?p ?o } GROUP BY ?r } }",
    "SELECT ?o WHERE { { SELECT ?r ?o WHERE { GRAPH ?g { ?r <http://example.org/p> ?o } } } }",
    "SELECT ?r ?o ?w WHERE { { SELECT ?r ?o WHERE { ?r <http://example.org/p> ?o } } "
    "OPTIONAL { SELECT ?o ?w WHERE { ?w <http://example.org/p> ?o } } }",
    # the two-branch shape of the whole-list link queries: each branch knows which form was asked for
    "SELECT ?r ?o WHERE { { SELECT ?r ?o WHERE { BIND(BOUND(?r) AS ?one) FILTER(?one) "
    "?r <http://example.org/p> ?o } } UNION { SELECT ?r ?o WHERE { BIND(BOUND(?r) AS ?one) FILTER(!?one) "
    "{ { SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o } } BIND(?s AS ?x) } } } }",
])
@pytest.mark.parametrize("value", [EX + "r1", EX + "r4", EX + "nothing"])
def test_same_rows_as_binding_outside_only(store: ox.Store, text: str, value: str) -> None:
    bindings: dict[str, ox.NamedNode | ox.Literal] = {"r": ox.NamedNode(value)}
    inside = _rows(store, bind_values(text, bindings))
    if "BOUND(?r)" in text:  # the branch shape answers by its bound form: the review's rows only
        expected = _rows(store, _outer_only(text.replace("FILTER(?one)", "").replace(
            "UNION { SELECT ?r ?o WHERE { BIND(BOUND(?r) AS ?one) FILTER(!?one) "
            "{ { SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o } } BIND(?s AS ?x) } } }", ""), bindings))
    else:
        expected = _rows(store, _outer_only(text, bindings))
    assert inside == expected
    if value.endswith("nothing"):
        assert inside == []
    else:
        assert inside


def test_branch_shape_without_a_value_answers_the_whole_list(store: ox.Store) -> None:
    text = ("SELECT ?r ?o WHERE { { SELECT ?r ?o WHERE { BIND(BOUND(?r) AS ?one) FILTER(?one) "
            "?r <http://example.org/p> ?o } } UNION { SELECT ?s ?o WHERE { BIND(BOUND(?r) AS ?one) "
            "FILTER(!?one) ?s <http://example.org/p> ?o } } }")
    rows = _rows(store, bind_values(text, {}))
    assert len(rows) == 6  # every triple once, from the second branch only (?r unbound)
    assert {r for r, _ in rows} == {"None"}
    assert sorted(o for _, o in rows) == sorted(o for _, o in _rows(store, "SELECT ?s ?o WHERE { ?s ?p ?o }"))


def test_a_subquery_inside_one_that_keeps_the_variable_to_itself_is_not_bound(store: ox.Store) -> None:
    text = ("SELECT ?r ?n WHERE { ?r <http://example.org/p> ?o . "
            "{ SELECT (COUNT(*) AS ?n) WHERE { { SELECT ?r WHERE { ?r <http://example.org/p> ?x } } } } }")
    bindings: dict[str, ox.NamedNode | ox.Literal] = {"r": ox.NamedNode(EX + "r1")}
    bound = bind_values(text, bindings)
    assert bound.count("VALUES") == 1  # the inner ?r is the middle subquery's own, not the parameter
    assert _rows(store, bound) == _rows(store, _outer_only(text, bindings)) == [(f"<{EX}r1>", '"6"^^<http://www.w3.org/2001/XMLSchema#integer>')]
