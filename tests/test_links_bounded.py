"""Links at scale (issue 17): candidate pairs that grow linearly, and memory bounded by parts.

The document-count cut (dhr:maxDocumentCount) is a rule of the link bases: a feature found in
more rows than that carries no weight, however large the corpus. These tests check the rule
itself, that it is read from the link-basis scheme, that it keeps the candidate pairs of a
growing corpus linear where the relative cut alone lets them grow with its square, and that
computing in parts (tokenising, dense products, links and records) changes no link.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from dhr_graph import links
from dhr_graph.links import corpus as corpus_module
from dhr_graph.links import linker as linker_module
from dhr_graph.links import refresh as refresh_module
from dhr_graph.links import scoring
from dhr_graph.links.settings import ORGANISATION, RECURRING
from dhr_graph.pipeline import Toolkit
from dhr_graph.store import GraphStore

from .test_links import DATA, all_links, build


def rows_with(n: int, shared: dict[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR parts of n rows: row i has a feature of its own, one it shares with one other row,
    and each feature f of `shared` (below 1,000) in the first shared[f] rows."""
    feats: list[list[int]] = [[10**6 + i, 10**5 + i // 2] for i in range(n)]
    for f, rows in shared.items():
        for i in range(rows):
            feats[i].append(f)
    indptr = np.r_[0, np.cumsum([len(f) for f in feats])].astype(np.int64)
    flat = np.asarray([f for row in feats for f in row], dtype=np.int64)
    return indptr, flat, np.ones(len(flat))


def matrix(n: int, shared: dict[int, int], max_df: float, min_cut: int, max_count: int | None) -> scoring.Matrix:
    indptr, feats, counts = rows_with(n, shared)
    return scoring.tfidf(indptr, feats, counts, np.arange(n), np.zeros(n), max_df, min_cut, max_count)


def test_a_feature_in_more_rows_than_the_count_carries_no_weight_whatever_its_share() -> None:
    # feature 1 is in 20 of 1,000 rows (2%, well under the 50% share), feature 2 in 5
    plain = matrix(1000, {1: 20, 2: 5}, 0.5, 1, None)
    cut = matrix(1000, {1: 20, 2: 5}, 0.5, 1, 10)
    assert {1, 2} <= set(plain.cols.tolist())
    assert 1 not in set(cut.cols.tolist()) and 2 in set(cut.cols.tolist())
    # the floor still wins on small corpora: features in at most min_cut rows always weigh
    floored = matrix(1000, {1: 20, 2: 5}, 0.5, 25, 10)
    assert 1 in set(floored.cols.tolist())
    # the share still applies when it is the lower cut
    assert 2 not in set(matrix(100, {2: 5}, 0.04, 1, 10).cols.tolist())


def test_the_count_is_read_from_the_link_basis_scheme(tmp_path: Path) -> None:
    settings = links.Settings.load()
    assert settings.bases[RECURRING].max_count == 600
    assert settings.bases[ORGANISATION].max_count is None
    bundled = (Path(links.__file__).parents[2] / "ontology" / links.BASIS_FILE).read_text()
    own = tmp_path / links.BASIS_FILE
    own.write_text(bundled.replace("dhr:maxDocumentCount 600", "dhr:maxDocumentCount 42"))
    assert links.Settings.load(own).bases[RECURRING].max_count == 42


def candidate_pairs(m: scoring.Matrix) -> int:
    """Pairs of rows sharing at least one weighted feature: what the similarity product visits."""
    prod = sparse.csr_matrix(m.rows @ m.rows.T)
    return int((prod.nnz - m.rows.shape[0]) // 2)


def test_candidate_pairs_grow_linearly_with_a_count_and_quadratically_without() -> None:
    """Template wording in a fixed share (5%) of the rows: four times the rows give four times
    the candidate pairs with the count, about sixteen times without it."""
    def pairs(n: int, max_count: int | None) -> int:
        return candidate_pairs(matrix(n, {1: n // 20, 3: 3}, 0.1, 1, max_count))

    small, large = pairs(2000, 30), pairs(8000, 30)
    assert large <= 4.5 * small
    small, large = pairs(2000, None), pairs(8000, None)
    assert large >= 12 * small


def test_dense_products_in_small_chunks_give_the_same_links(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(7)
    n = 300
    docs = [Counter({f"t{j}": int(c) for j, c in enumerate(rng.integers(0, 3, 12)) if c}) for _ in range(n)]
    m, _ = scoring.strings_matrix(docs, np.arange(n), np.full(n, 0.3), 0.9)
    assert m.rows.shape[1] <= scoring._DENSE_COLS  # the dense path
    whole = scoring.back_links(m, np.arange(n), 5)
    monkeypatch.setattr(scoring, "_DENSE_CELLS", 64)  # 16 rows a chunk
    parts = scoring.back_links(m, np.arange(n), 5)
    assert len(whole[0]) > n  # enough links to mean something
    for a, b in zip(whole, parts):
        assert np.array_equal(a, b)


def test_tokenising_linking_and_writing_in_parts_change_no_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same corpus linked with every part one review long gives the same links and records."""
    toolkit = Toolkit.load()
    reviews = build([DATA / "links"], tmp_path / "whole", toolkit)
    whole = GraphStore(tmp_path / "whole")
    monkeypatch.setattr(corpus_module, "_TOKENISE_BLOCK", 1)
    monkeypatch.setattr(linker_module, "_REVIEW_PART", 1)
    monkeypatch.setattr(refresh_module, "_RECORD_PART", 1)
    assert build([DATA / "links"], tmp_path / "parts", toolkit) == reviews
    parts = GraphStore(tmp_path / "parts")
    found = all_links(parts)
    assert found and found == all_links(whole)
    kept, again = links.read_records(whole.store), links.read_records(parts.store)
    assert set(kept) == set(again) == set(reviews)
    for iri, info in kept.items():
        assert info.recs == again[iri].recs
        assert all(np.array_equal(a, b) for a, b in zip(info.text_rows or (), again[iri].text_rows or ()))
