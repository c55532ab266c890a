"""Cross-review links on small SYNTHETIC corpora whose links are known by construction.

tests/data/links holds five reviews:
  fernhollow-2018  Police (generic), Fernhollow Recovery Service, Home Office, All agencies (group)
  quillbury-2019   Police (generic), All agencies (group), Quillbury Housing Trust
  fernhollow-2021  Fernhollow Recovery Service (its rec 1 rewords fernhollow-2018's rec 2 and says
                   "This has been a previous recommendation"), Police (generic)
  quillbury-2022   Department for Education, Quillbury Housing Trust
  larkmoor-2023    Department for Education (its rec 1 rewords quillbury-2022's rec 1)
tests/data/links-later adds one review after them all and one before them all.
Settings are those of ontology/link-bases.ttl; since issue 7's speed work, a link's dhr:shares
lists only bodies or themes that carry weight (at most dhr:maxEvidence of them), and each links
graph also keeps the review's link features (dhr:linkFeatures), which updates read.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from dhr_graph import links
from dhr_graph.cli.links import group
from dhr_graph.parser import parse_page
from dhr_graph.pipeline import Toolkit, find_pages
from dhr_graph.queries import run_named
from dhr_graph.nquads import literal as lit
from dhr_graph.reviewgraph import review_graph
from dhr_graph.inputfiles import turtle_quads
from dhr_graph.iris import reference_graph_iri
from dhr_graph.store import GraphStore
from dhr_graph.terms import to_quads

DATA = Path(__file__).parent / "data"
BASE = "https://w3id.org/dhr-graph/id/"
DHR = "https://w3id.org/dhr-graph/def/"
SHORTCUTS = ("linkedTo", "sharesAgencyWith", "sharesThemeWith", "repeatsRecommendationOf", "repeatsRecommendation",
             "followsInPartnership")  # defined by the ontology, never written by the toolkit
F18, Q19, F21, Q22, L23 = ("synthetic-fernhollow-2018", "synthetic-quillbury-2019", "synthetic-fernhollow-2021",
                           "synthetic-quillbury-2022", "synthetic-larkmoor-2023")
F24, Q17 = "synthetic-fernhollow-2024", "synthetic-quillbury-2017"


def review(key: str) -> str:
    return f"{BASE}review/{key}"


def all_links(gs: GraphStore) -> dict[str, tuple[str, str, str, float, frozenset[str]]]:
    """link IRI -> (basis, earlier key, later key, score, shared IRIs), read from the store."""
    rows = gs.query(f"""PREFIX dhr: <{DHR}>
        SELECT ?l ?b ?e ?t ?s ?x WHERE {{ ?l a dhr:ReviewLink ; dhr:basis ?b ; dhr:earlierReview ?e ;
        dhr:laterReview ?t ; dhr:score ?s . OPTIONAL {{ ?l dhr:shares ?x }} }}""")
    out: dict[str, tuple[str, str, str, float, frozenset[str]]] = {}
    for row in rows:
        iri = row["l"].value
        prev = out.get(iri)
        shared = set(prev[4]) if prev else set()
        if row["x"] is not None:
            shared.add(row["x"].value)
        out[iri] = (row["b"].value.rsplit("/", 1)[-1], row["e"].value.rsplit("/", 1)[-1],
                    row["t"].value.rsplit("/", 1)[-1], float(row["s"].value), frozenset(shared))
    return out


def has(store: ox.Store, s: ox.NamedNode, p: str, o: ox.NamedNode) -> bool:
    return any(True for _ in store.quads_for_pattern(s, ox.NamedNode(DHR + p), o, None))


def pairs(found: dict, basis: str) -> set[tuple[str, str]]:
    return {(e, t) for b, e, t, _, _ in found.values() if b == basis}


@pytest.fixture(scope="module")
def toolkit() -> Toolkit:
    return Toolkit.load()


def build(inputs: list[Path], path: Path, toolkit: Toolkit, settings: links.Settings | None = None) -> list[str]:
    """What the pipeline writes (review graphs, reference graphs, links in the same atomic
    step through `edit=links.updater(...)`, with these link settings or the bundled ones),
    without SHACL, which is tested elsewhere."""
    graphs, reviews = {}, []
    for page in find_pages(inputs):
        iri, graph = review_graph(toolkit.enrich(parse_page(page)), toolkit.minter, "2025-01-01T00:00:00Z")
        graphs[iri] = to_quads(graph, iri)
        reviews.append(iri.replace("/graph/review/", "/review/"))
    for ref in toolkit.reference_files():
        graphs[reference_graph_iri(ref)] = turtle_quads(ref, reference_graph_iri(ref))
    GraphStore(path).replace(graphs, edit=links.updater(reviews, settings))
    return reviews


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory, toolkit: Toolkit) -> GraphStore:
    path = tmp_path_factory.mktemp("links") / "store"
    assert len(build([DATA / "links"], path, toolkit=toolkit)) == 5
    return GraphStore(path)


def test_build_computes_links_by_construction(linked: GraphStore) -> None:
    found = all_links(linked)
    assert pairs(found, "shared-organisation") == {(F18, F21), (Q19, Q22), (Q22, L23)}
    assert pairs(found, "recurring-recommendation") == {(F18, F21), (Q22, L23)}
    assert pairs(found, "same-partnership") == {(F18, F21), (Q19, Q22)}
    org = next(v for v in found.values() if v[0] == "shared-organisation" and v[1] == F18)
    assert org[4] == {f"{BASE}agency/fernhollow/fernhollow-recovery-service", f"{BASE}agency/fernhollow/police"}
    assert all(0 < v[3] <= 1 for v in found.values())


def test_police_in_different_areas_and_groups_never_link(linked: GraphStore) -> None:
    # fernhollow-2018 and quillbury-2019 share only "Police" (two areas) and "All agencies" (a group)
    found = all_links(linked)
    assert (F18, Q19) not in pairs(found, "shared-organisation")
    groups = {row["g"].value for row in linked.query(
        f"PREFIX dhr: <{DHR}> SELECT ?g WHERE {{ ?g a dhr:AddresseeGroup }}")}
    assert groups  # the corpus does address groups...
    shared = set().union(*(v[4] for v in found.values()))
    assert not shared & groups  # ...but no link is ever evidenced by one


def test_recurring_is_time_ordered_with_both_recommendations(linked: GraphStore) -> None:
    rows = run_named(linked, "recurring-recommendations").values()
    assert [(r["earlierKey"], r["earlierNumber"], r["laterKey"], r["laterNumber"]) for r in rows] == [
        (F18, "2", F21, "1"), (Q22, "1", L23, "1")]
    assert rows[0]["statement"] == "This has been a previous recommendation"
    assert rows[0]["earlierAgencies"] == rows[0]["laterAgencies"] == "Fernhollow Recovery Service"
    assert rows[1]["statement"] is None and float(rows[1]["score"]) >= 0.5
    stated = run_named(linked, "recurring-recommendations", stated="true").values()
    assert [r["laterKey"] for r in stated] == [F21]
    # the link resource names both recommendations; no shortcut triple repeats it (a leaner graph)
    store = linked.store
    rec = ox.NamedNode(f"{review(F21)}/rec/1")
    node = ox.NamedNode(f"{BASE}link/recurring-recommendation/{F18}/{F21}/2/1")
    assert has(store, node, "laterRecommendation", rec)
    assert has(store, node, "earlierRecommendation", ox.NamedNode(f"{review(F18)}/rec/2"))
    for prop in SHORTCUTS:
        assert not list(store.quads_for_pattern(None, ox.NamedNode(DHR + prop), None)), prop


def test_no_shortcut_triples_and_deterministic_iris(linked: GraphStore) -> None:
    store = linked.store
    found = all_links(linked)
    assert {(F18, F21), (Q22, L23)} <= pairs(found, "shared-organisation")
    for prop in SHORTCUTS:  # the link resources say it once; nothing writes it again review to review
        assert not list(store.quads_for_pattern(None, ox.NamedNode(DHR + prop), None)), prop
    assert f"{BASE}link/shared-organisation/{F18}/{F21}" in all_links(linked)
    assert f"{BASE}link/recurring-recommendation/{F18}/{F21}/2/1" in all_links(linked)
    graphs = {g.value for g in store.named_graphs()}
    assert f"{BASE}graph/links/{F21}" in graphs


def test_link_lists_agree_with_the_link_resources(linked: GraphStore) -> None:
    """The whole-list link queries (matched inside each links graph) answer what the link
    resources say, read here through the union default graph: every link once in explorer-links,
    each (earlier, later, basis) once in projection-review-links with the strongest score and the
    number of links, and every link once in cross-review-links."""
    found = all_links(linked)
    assert found
    listed = run_named(linked, "explorer-links").values()
    assert sorted((r["basis"].rsplit("/", 1)[-1], r["earlier"].rsplit("/", 1)[-1], r["later"].rsplit("/", 1)[-1],
                   float(r["score"] or 0)) for r in listed) == sorted(v[:4] for v in found.values())
    expected: dict[tuple[str, str, str], tuple[float, int]] = {}
    for basis, earlier, later, score, _ in found.values():
        best, n = expected.get((earlier, later, basis), (0.0, 0))
        expected[(earlier, later, basis)] = (max(best, score), n + 1)
    projected = {(r["earlier"].rsplit("/", 1)[-1], r["later"].rsplit("/", 1)[-1], r["basis"].rsplit("/", 1)[-1]):
                 (float(r["score"]), int(r["links"])) for r in run_named(linked, "projection-review-links").values()}
    assert projected == expected
    every = run_named(linked, "cross-review-links").values()
    assert sorted(r["link"] for r in every) == sorted(found)


def test_repeat_statements_are_detected_from_data() -> None:
    settings = links.Settings.load()
    for text in ("This has been a previous recommendation.", "As recommended in the previous DHR, the police to act.",
                 "This is a repeat of a previous recommendation.", "The recommendation was made again.",
                 "This was also a previous recommendation"):
        statement, rest = settings.repeat_statement(text)
        assert statement, text
        assert statement.lower() not in rest.lower()
    assert settings.repeat_statement("Previous convictions to be checked before every referral.")[0] is None


def test_text_features_fold_plurals_and_keep_word_pairs() -> None:
    tok = links.Tokeniser()
    indptr, ids, counts, single = tok.rows(["Risk assessments; risk assessment.", "Ladies' stories, a bus."])
    def features(row: int) -> dict[str, int]:
        span = range(indptr[row], indptr[row + 1])
        return {tok.stems[int(ids[i])] if single[i] else tok.pair(int(ids[i])) or "?": int(counts[i]) for i in span}

    assert features(0) == {"risk": 2, "assessment": 2, "risk assessment": 2, "assessment risk": 1}
    assert features(1) == {"lady": 1, "story": 1, "bus": 1, "lady story": 1, "story bus": 1}  # "a" is too short


def by_later(found: dict) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for iri, value in found.items():
        out.setdefault(value[2], {})[iri] = value
    return out


@pytest.mark.parametrize("page, key", [("synthetic-fernhollow-2024.txt", F24), ("synthetic-quillbury-2017.txt", Q17)])
def test_incremental_update_equals_full_recompute(tmp_path: Path, linked: GraphStore, toolkit: Toolkit,
                                                  page: str, key: str) -> None:
    """Adding a review (after all others, or before all others) through the build's edit step
    gives, for every links graph it touches, exactly what a full recompute gives; every other
    links graph is left as it was (its scores keep the document frequencies it was computed with)."""
    path = tmp_path / "store"
    shutil.copytree(linked.path, path)
    before = by_later(all_links(GraphStore(path)))
    build([DATA / "links-later" / page], path, toolkit=toolkit)
    incremental = all_links(GraphStore(path))  # a new handle: the build swapped the directory
    shutil.copytree(path, tmp_path / "full")
    full_store = GraphStore(tmp_path / "full")
    full_store.replace({}, edit=links.recompute_all)
    full = all_links(full_store)
    involving = {iri: v for iri, v in full.items() if key in (v[1], v[2])}
    assert involving and all(incremental.get(iri) == v for iri, v in involving.items())
    inc, ful = by_later(incremental), by_later(full)
    recomputed = {later for later in set(inc) | set(ful) if inc.get(later) != before.get(later)}
    assert key in recomputed or not ful.get(key)
    for later in recomputed:
        assert inc.get(later, {}) == ful.get(later, {}), later
    updated = GraphStore(path).store  # the incremental path writes no shortcut triples either
    for prop in SHORTCUTS:
        assert not list(updated.quads_for_pattern(None, ox.NamedNode(DHR + prop), None)), prop


def test_new_reviews_link_as_constructed(tmp_path: Path, linked: GraphStore, toolkit: Toolkit) -> None:
    path = tmp_path / "store"
    shutil.copytree(linked.path, path)
    build([DATA / "links-later"], path, toolkit=toolkit)
    found = all_links(GraphStore(path))
    # the 2024 page restates fernhollow-2018's rec 2 ("As recommended in the previous DHR")
    assert (F18, F24) in pairs(found, "recurring-recommendation")
    # the 2017 page is the earliest review of Quillbury and of Quillbury Housing Trust
    assert {(Q17, Q19), (Q17, Q22)} <= pairs(found, "same-partnership")
    assert (Q17, Q22) in pairs(found, "shared-organisation")
    # Larkmoor Council written in a Fernhollow review is a Fernhollow body: no link to Larkmoor
    assert (L23, F24) not in pairs(found, "shared-organisation")


def test_update_after_removal_and_rebuild_is_stable(tmp_path: Path, linked: GraphStore) -> None:
    path = tmp_path / "store"
    shutil.copytree(linked.path, path)
    gs = GraphStore(path)
    before = all_links(gs)
    gone = review(F18)
    gs.replace({}, remove=[f"{BASE}graph/review/{F18}"], edit=links.updater([gone]))
    after = all_links(gs)
    assert after and all(F18 not in iri for iri in after)
    assert set(after) == {iri for iri in before if F18 not in iri}
    assert not gs.store.contains_named_graph(ox.NamedNode(f"{BASE}graph/links/{F18}"))
    edited = links.update(ox.Store(), [gone])  # nothing to do on an empty store
    assert edited == {gone}


def test_neighbourhood_and_link_queries(linked: GraphStore) -> None:
    rows = run_named(linked, "review-neighbourhood", review=F21).values()
    # Q19's "All agencies ... learning ... shared" has themes by fallback rules only (multi-agency
    # working, training), which F21 shares: a weak link, after the strong one to F18
    assert [r["otherKey"] for r in rows] == [F18, Q19]
    assert rows[1]["bases"] == "shared-theme" and float(rows[1]["strength"]) < float(rows[0]["strength"])
    assert set(rows[0]["bases"].split(", ")) == {"shared-organisation", "shared-theme", "recurring-recommendation",
                                                   "same-partnership"}
    assert float(rows[0]["strength"]) > 1
    # a review parameter is a key or an IRI; the runner binds the review's IRI either way
    by_iri = run_named(linked, "review-neighbourhood", review="https://w3id.org/dhr-graph/id/review/" + F21).values()
    assert by_iri == rows
    assert run_named(linked, "review-neighbourhood", review='x" } ; DROP ALL ; #').rows == []
    listed = run_named(linked, "cross-review-links", review=Q22).values()
    assert {(r["earlierKey"], r["laterKey"], r["linkBasis"]) for r in listed} >= {
        (Q19, Q22, "shared-organisation"), (Q22, L23, "shared-organisation"),
        (Q22, L23, "recurring-recommendation"), (Q19, Q22, "same-partnership")}
    assert all(Q22 in (r["earlierKey"], r["laterKey"]) for r in listed)
    # the same links as the whole list holds for this review, each once
    every = run_named(linked, "cross-review-links").values()
    assert sorted(r["link"] for r in listed) == sorted(r["link"] for r in every if Q22 in (r["earlierKey"], r["laterKey"]))
    assert len(every) == len({r["link"] for r in every}) == len(all_links(linked))
    strong = run_named(linked, "cross-review-links", basis="shared-organisation", min=0.2).values()
    assert all(r["linkBasis"] == "shared-organisation" and float(r["score"]) >= 0.2 for r in strong)
    assert len(strong) == 3  # each link once when no review is given


def test_cli_compute_and_show(tmp_path: Path, linked: GraphStore) -> None:
    path = tmp_path / "store"
    shutil.copytree(linked.path, path)
    runner = CliRunner()
    result = runner.invoke(group, ["compute", "--store", str(path)])
    assert result.exit_code == 0 and result.output.startswith(f"{len(all_links(linked))} links computed")
    result = runner.invoke(group, ["show", F21, "--store", str(path), "--basis", "recurring-recommendation",
                                   "--format", "csv"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 2 and F18 in lines[1] and "recommendation 1 repeats 2" in lines[1]


def test_link_features_are_kept_per_review_and_read_back_exactly(linked: GraphStore) -> None:
    """The compact record in each links graph is what an update reads instead of the corpus:
    it must give the same review facts and text features as reading the review graphs."""
    settings = links.Settings.load()
    from_store = links.Corpus.read(linked.store, settings)
    records = links.read_records(linked.store)
    assert set(records) == {r.iri for r in from_store.reviews}
    for info in from_store.reviews:
        kept = records[info.iri]
        assert (kept.issued, kept.partnership, kept.bodies, kept.themes, kept.recs) == (
            info.issued, info.partnership, info.bodies, info.themes, info.recs)
        assert all((a == b).all() for a, b in zip(kept.text_rows, info.text_rows))
    # the statement is stripped before the features are taken, and kept beside the IRI
    assert (f"{review(F21)}/rec/1", "This has been a previous recommendation") in records[review(F21)].recs


def test_link_features_stay_out_of_exports_and_updates_still_read_them(tmp_path: Path, linked: GraphStore) -> None:
    """The records are a cache: they live in internal graphs, which exports and publishing
    (both read `GraphStore.quads`) leave out, while updates read them as before."""
    from dhr_graph.rdfexport import export_rdf

    internal = [g for g in linked.named_graphs(internal=True) if g not in linked.named_graphs()]
    assert sorted(internal) == sorted(f"{BASE}graph/internal/link-features/{k}" for k in (F18, Q19, F21, Q22, L23))
    assert not any(q.predicate.value == DHR + "linkFeatures" or q.graph_name.value in internal
                   for q in linked.quads())
    assert any(q.predicate.value == DHR + "linkFeatures" for q in linked.quads(internal=True))
    formats = {"nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG, "ttl": ox.RdfFormat.TURTLE}
    for fmt, syntax in formats.items():
        out = tmp_path / f"dhr.{fmt}"
        assert export_rdf(linked, out, fmt) > 0
        read_back = list(ox.parse(path=str(out), format=syntax))
        assert read_back and not any(t.predicate.value == DHR + "linkFeatures" for t in read_back), fmt
        for written in (out, tmp_path / f"dhr.{fmt}.void.ttl"):
            assert "graph/internal" not in written.read_text(encoding="utf-8"), written.name
    assert set(links.read_records(linked.store)) == {review(k) for k in (F18, Q19, F21, Q22, L23)}


def test_a_store_with_records_in_its_links_graphs_is_relinked_into_the_internal_graphs(
        tmp_path: Path, linked: GraphStore) -> None:
    """Earlier versions kept each record in the review's links graph: the next update finds no
    record where they now live, relinks in full, and leaves none in a public graph."""
    path = tmp_path / "store"
    shutil.copytree(linked.path, path)
    gs = GraphStore(path)
    before = all_links(gs)
    features = ox.NamedNode(DHR + "linkFeatures")

    def old_layout(s: ox.Store) -> None:
        for q in list(s.quads_for_pattern(None, features, None, None)):
            old = ox.NamedNode(q.graph_name.value.replace("/graph/internal/link-features/", "/graph/links/"))
            s.remove(q)
            s.add(ox.Quad(old, features, q.object, old))
        for g in [g for g in s.named_graphs() if "/graph/internal/" in g.value]:
            s.remove_graph(g)

    gs.replace({}, edit=old_layout)
    assert not links.read_records(gs.store) and any(True for _ in gs.store.quads_for_pattern(None, features, None))
    edited: list[set[str]] = []
    gs.replace({}, edit=lambda s: edited.append(links.update(s, [review(L23)])))
    assert edited[0] == {review(k) for k in (F18, Q19, F21, Q22, L23)}
    assert all_links(gs) == before and len(links.read_records(gs.store)) == 5
    assert not any(q.predicate == features for q in gs.quads())


def test_update_without_records_recomputes_everything(tmp_path: Path, linked: GraphStore) -> None:
    """A store linked before records existed (or by hand) is brought up to date in full."""
    path = tmp_path / "store"
    shutil.copytree(linked.path, path)
    gs = GraphStore(path)
    before = all_links(gs)
    features = ox.NamedNode(DHR + "linkFeatures")
    gs.replace({}, edit=lambda s: [s.remove(q) for q in list(s.quads_for_pattern(None, features, None, None))])
    edited: list[set[str]] = []
    gs.replace({}, edit=lambda s: edited.append(links.update(s, [review(L23)])))
    assert edited[0] == {review(k) for k in (F18, Q19, F21, Q22, L23)}
    assert all_links(gs) == before
    assert len(links.read_records(gs.store)) == 5


AWKWARD = 'He said "no" \\ twice\nthen left\r\n\tcafé — 日本 \\n (not a newline) "" \\"'


def test_nquads_literals_round_trip_quotes_backslashes_newlines_and_non_ascii() -> None:
    """Links are written as N-Quads text: every literal must read back exactly as it was."""
    lines = (f"<{BASE}s> <{DHR}evidence> {lit(AWKWARD)} <{BASE}graph/links/x> .\n"
             f"<{BASE}s> <{DHR}score> {lit('0.125', 'http://www.w3.org/2001/XMLSchema#decimal')} "
             f"<{BASE}graph/links/x> .\n")
    parsed = list(ox.parse(lines.encode(), format=ox.RdfFormat.N_QUADS))
    assert parsed[0].object == ox.Literal(AWKWARD)
    assert parsed[1].object == ox.Literal("0.125", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))
    assert lit("plain words") == '"plain words"'
    with pytest.raises(ValueError):
        links.nq_iri(f"{BASE}review/a b>")


@pytest.mark.parametrize("bulk", [True, False])
def test_writer_output_loads_into_the_store_exactly(bulk: bool) -> None:
    """What the writer formats, through either write path (bulk load or one transaction),
    gives the store the same terms: awkward evidence and statements survive unchanged."""
    settings = links.Settings.load()
    link = links.Link(links.RECURRING, review(F21), review(F18), 0.5, later_rec=f"{review(F21)}/rec/1",
                      earlier_rec=f"{review(F18)}/rec/2", evidence=AWKWARD)
    shared = links.Link(links.ORGANISATION, review(F21), review(F18), 0.25,
                        shares=(f"{BASE}agency/fernhollow/police",))
    writer = links.Writer(settings)
    store = ox.Store()
    with links.loader(store, bulk=bulk) as put:
        put(writer.links([link, shared]))
        put(writer.statements([(f"{review(F21)}/rec/1", AWKWARD)]))
    node = ox.NamedNode(links.link_iri(link))
    graph = ox.NamedNode(links.links_graph_iri(review(F21)))
    assert [q.object for q in store.quads_for_pattern(node, ox.NamedNode(DHR + "evidence"), None, graph)] == [
        ox.Literal(AWKWARD)]
    assert [float(q.object.value) for q in store.quads_for_pattern(node, ox.NamedNode(DHR + "score"), None, graph)
            ] == [0.5]
    assert [q.object for q in store.quads_for_pattern(
        ox.NamedNode(f"{review(F21)}/rec/1"), ox.NamedNode(DHR + "repeatStatement"), None, graph)] == [
        ox.Literal(AWKWARD)]
    for prop in SHORTCUTS:
        assert not list(store.quads_for_pattern(None, ox.NamedNode(DHR + prop), None)), prop
    assert len(store) == 8 + 6 + 1  # recurring link 8 quads, shared organisation 6, statement 1


def test_tokeniser_gives_the_same_features_together_as_one_by_one() -> None:
    """The corpus is tokenised as one joined string: no feature may cross from one text to the next."""
    texts = ["Risk assessments; risk assessment.", "", "a", "Ⅸ Café-owners' DASH\x00 referrals", "sharing information"]
    together = links.Tokeniser().rows(texts)
    apart = [links.Tokeniser().rows([t]) for t in texts]
    indptr, ids, counts, _ = together
    for i, (_, ids_i, counts_i, _) in enumerate(apart):
        lo, hi = indptr[i], indptr[i + 1]
        assert list(ids[lo:hi]) == list(ids_i) and list(counts[lo:hi]) == list(counts_i), texts[i]


def test_the_review_of_a_recommendation_is_read_back_from_its_iri() -> None:
    from dhr_graph.iris import Minter, review_of_recommendation

    for base in ("https://w3id.org/dhr-graph/id/", "http://example.org/dhr#"):
        minter = Minter(base)
        assert review_of_recommendation(minter.recommendation("hull-2012-01-d2010", "9.1 a")) == \
            minter.review("hull-2012-01-d2010")
