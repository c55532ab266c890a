"""The candidate window of a link basis (dhr:maxCandidates, issue 17) and checked link settings.

With a window, each review is compared only with the reviews just before it and keeps its
strongest links among them, so the work grows with the corpus instead of its square. These tests
check the rule against a plain reference on small SYNTHETIC corpora (dense theme-like rows and
sparse word-like rows), that a window as large as the corpus changes nothing, that the window is
read from the link-basis scheme, and that a bad setting is one clear error naming the file.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from dhr_graph import links
from dhr_graph.errors import InputError
from dhr_graph.links import scoring
from dhr_graph.links.corpus import Corpus, ReviewInfo
from dhr_graph.links.settings import ORGANISATION, RECURRING, THEME
from dhr_graph.store import GraphStore

from .test_links import build

BUNDLED = (Path(links.__file__).parents[2] / "ontology" / links.BASIS_FILE).read_text(encoding="utf-8")


def theme_rows(n: int, seed: int = 11) -> scoring.Matrix:
    """n reviews with counts of 12 themes: dense rows, nearly every pair above the minimum."""
    rng = np.random.default_rng(seed)
    docs = [Counter({f"t{j}": int(c) for j, c in enumerate(rng.integers(0, 4, 12)) if c}) for _ in range(n)]
    m, _ = scoring.strings_matrix(docs, np.arange(n), np.full(n, 0.3), 0.9)
    assert m.rows.shape[1] <= scoring._DENSE_COLS
    return m


def body_rows(n: int, seed: int = 5) -> scoring.Matrix:
    """n reviews with 4 of 80 bodies each: sparse rows (more columns than the dense path takes)."""
    rng = np.random.default_rng(seed)
    docs = [{f"b{j}" for j in rng.choice(80, 4, replace=False)} for _ in range(n)]
    m, _ = scoring.strings_matrix(docs, np.arange(n), np.full(n, 0.1), 0.5)
    assert m.rows.shape[1] > scoring._DENSE_COLS
    return m


def reference(m: scoring.Matrix, k: int, window: int | None) -> list[tuple[int, int, float]]:
    """The rule written out pair by pair: for each review, the k best-scoring earlier reviews at
    most `window` places before it, at or above its minimum, ties to the earlier review."""
    full = m.rows.toarray()
    out = []
    for r in range(len(full)):
        first = 0 if window is None else max(0, r - window)
        scored = [(round(float(full[r] @ full[c]), 9), c) for c in range(first, r)]
        kept = sorted(((s, c) for s, c in scored if s >= m.row_min[r] - 1e-9), key=lambda x: (-x[0], x[1]))[:k]
        out.extend((r, c, s) for s, c in kept)
    return out


def found(hits: scoring.Hits) -> list[tuple[int, int, float]]:
    r, c, s = hits
    return list(zip(r.tolist(), c.tolist(), s.tolist()))


@pytest.mark.parametrize("rows", [theme_rows, body_rows], ids=["dense", "sparse"])
def test_each_review_keeps_its_strongest_links_among_the_reviews_just_before_it(rows, monkeypatch) -> None:
    m, n, k, window = rows(240), 240, 5, 30
    everything = np.arange(n)
    windowed = found(scoring.back_links(m, everything, k, window))
    assert windowed == reference(m, k, window)
    assert len(windowed) > 2 * n  # enough links to mean something
    assert all(0 < r - c <= window for r, c, _ in windowed)
    # without the window, some review's strongest links lie further back: the window matters
    assert any(r - c > window for r, c, _ in found(scoring.back_links(m, everything, k)))
    # the same links whatever the chunk size, and for any subset of reviews asked about
    monkeypatch.setattr(scoring, "_CHUNK", 16)
    monkeypatch.setattr(scoring, "_DENSE_CELLS", 64)
    assert found(scoring.back_links(m, everything, k, window)) == windowed
    some = np.arange(100, 180)
    assert found(scoring.back_links(m, some, k, window)) == [x for x in windowed if 100 <= x[0] < 180]


def test_a_window_as_large_as_the_corpus_changes_no_link() -> None:
    m = theme_rows(200)
    plain = found(scoring.back_links(m, np.arange(200), 5))
    assert plain == found(scoring.back_links(m, np.arange(200), 5, 199))
    assert plain == found(scoring.back_links(m, np.arange(200), 5, 10_000))
    # the smallest window: each review is compared with the one before it only
    assert {r - c for r, c, _ in found(scoring.back_links(m, np.arange(200), 5, 1))} == {1}


def corpus_of(n: int) -> Corpus:
    """n reviews with themes and bodies only (no recommendation texts), one a month."""
    rng = np.random.default_rng(3)
    empty = (np.zeros(0, np.uint64), np.zeros(0, np.uint16), np.zeros(0, np.int64))
    return Corpus([ReviewInfo(f"https://example.org/review/r{i:03d}", f"{2000 + i // 12}-{i % 12 + 1:02d}", None,
                              {f"https://example.org/body/{j}" for j in rng.choice(40, 3, replace=False)},
                              Counter({f"https://example.org/theme/{j}": int(c)
                                       for j, c in enumerate(rng.integers(0, 3, 10)) if c}),
                              text_rows=empty) for i in range(n)])


def settings_with(tmp_path: Path, text: str) -> links.Settings:
    own = tmp_path / links.BASIS_FILE
    own.write_text(text, encoding="utf-8")
    return links.Settings.load(own)


def test_the_window_is_a_setting_of_the_link_bases_and_applies_to_that_basis_only(tmp_path: Path) -> None:
    bundled = links.Settings.load()
    assert bundled.bases[THEME].max_candidates == 2000
    assert bundled.bases[ORGANISATION].max_candidates is None and bundled.bases[RECURRING].max_candidates is None
    narrow = settings_with(tmp_path, BUNDLED.replace("dhr:maxCandidates 2000", "dhr:maxCandidates 4"))
    assert narrow.bases[THEME].max_candidates == 4
    corpus = corpus_of(80)
    place = {r.iri: i for i, r in enumerate(corpus.reviews)}

    def by_basis(settings: links.Settings) -> dict[str, list[links.Link]]:
        out: dict[str, list[links.Link]] = {}
        for part in links.Linker(corpus, settings).links_by_basis():
            for link in part:
                out.setdefault(link.basis, []).append(link)
        return out

    wide, cut = by_basis(bundled), by_basis(narrow)
    gaps = [place[x.later] - place[x.earlier] for x in cut[THEME]]
    assert gaps and max(gaps) <= 4 and max(place[x.later] - place[x.earlier] for x in wide[THEME]) > 4
    # a review whose strongest links were all within the window keeps the same links
    kept = {later for later in {x.later for x in wide[THEME]}
            if all(place[later] - place[x.earlier] <= 4 for x in wide[THEME] if x.later == later)}
    assert kept
    for later in kept:
        assert ([(x.earlier, x.score) for x in wide[THEME] if x.later == later]
                == [(x.earlier, x.score) for x in cut[THEME] if x.later == later])
    assert wide[ORGANISATION] == cut[ORGANISATION]  # other bases are left alone


@pytest.mark.parametrize(("old", "new", "named"), [
    ("dhr:maxCandidates 2000", "dhr:maxCandidates 0", "dhr:maxCandidates '0'"),
    ("dhr:maxCandidates 2000", 'dhr:maxCandidates "many"', "dhr:maxCandidates 'many'"),
    ("dhr:maxLinks 10", "dhr:maxLinks 2.5", "dhr:maxLinks '2.5'"),
    ("dhr:maxDocumentCount 600", "dhr:maxDocumentCount -3", "dhr:maxDocumentCount '-3'"),
    ('dhr:minScore "0.3"^^xsd:decimal', 'dhr:minScore "1.5"^^xsd:decimal', "dhr:minScore '1.5'"),
    ('dhr:maxDocumentFrequency "0.02"^^xsd:decimal', 'dhr:maxDocumentFrequency "two per cent"',
     "dhr:maxDocumentFrequency 'two per cent'"),
    ("dhr:maxLinks 5 ;", "dhr:maxLinks 5 , 6 ;", "dhr:maxLinks '5 and 6'"),
    ('"(this|the) recommendation (is|was) (made )?again" ,', '"(this|the recommendation" ,', "dhr:matchPattern"),
])
def test_a_bad_setting_is_one_line_naming_the_file_the_basis_and_the_setting(
        tmp_path: Path, old: str, new: str, named: str) -> None:
    assert BUNDLED.count(old) >= 1
    with pytest.raises(InputError) as err:
        settings_with(tmp_path, BUNDLED.replace(old, new, 1))
    message = str(err.value)
    assert message.startswith(f"{tmp_path / links.BASIS_FILE}: link basis ") and "\n" not in message
    assert named in message


def test_a_missing_basis_names_the_file(tmp_path: Path) -> None:
    text = BUNDLED.replace("basis:same-partnership a dhr:LinkBasis", "basis:same-partnership a dhr:Other")
    start = text.index("basis:same-partnership a dhr:Other")
    with pytest.raises(InputError, match="link bases missing: same-partnership"):
        settings_with(tmp_path, text[:start])


def test_adding_the_newest_review_with_a_window_gives_what_a_full_recompute_gives(tmp_path: Path, toolkit) -> None:
    """The newest review moves no other review's window, so the build's update and a full
    recompute give the same links, with a window of two reviews on two bases (the links graphs
    the update did not touch keep the scores of the document frequencies they were computed with)."""
    from .test_links import DATA, F24, all_links

    narrow = settings_with(tmp_path, BUNDLED.replace("dhr:maxCandidates 2000", "dhr:maxCandidates 2").replace(
        "dhr:maxLinks 10 ;", "dhr:maxLinks 10 ;\n    dhr:maxCandidates 2 ;"))
    assert narrow.bases[THEME].max_candidates == narrow.bases[ORGANISATION].max_candidates == 2
    path = tmp_path / "store"
    build([DATA / "links"], path, toolkit, narrow)
    build([DATA / "links-later" / f"{F24}.txt"], path, toolkit, narrow)
    incremental = all_links(GraphStore(path))
    full_store = GraphStore(tmp_path / "full")
    build([DATA / "links", DATA / "links-later" / f"{F24}.txt"], tmp_path / "full", toolkit, narrow)
    full_store.replace({}, edit=lambda store: links.recompute_all(store, narrow))
    full = all_links(full_store)
    involving = {iri: v for iri, v in full.items() if F24 in (v[1], v[2])}
    assert involving and all(incremental.get(iri) == v for iri, v in involving.items())
    assert set(incremental) == set(full)
    # and the window holds: no shared-organisation or shared-theme link spans more than two places
    order = sorted({v[1] for v in full.values()} | {v[2] for v in full.values()},
                   key=lambda key: (key.rsplit("-", 1)[-1], key))
    gaps = [order.index(v[2]) - order.index(v[1]) for v in full.values() if v[0] in (ORGANISATION, THEME)]
    assert gaps and max(gaps) <= 2
    # ...where every earlier review is compared by default: the window changes links here
    corpus = Corpus.read(full_store.store, links.Settings.load())
    place = {r.iri: i for i, r in enumerate(corpus.reviews)}
    wide = [place[x.later] - place[x.earlier] for part in links.Linker(corpus).links_by_basis()
            for x in part if x.basis in (ORGANISATION, THEME)]
    assert max(wide) > 2
