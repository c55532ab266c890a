"""Sparse TF-IDF rows and the strongest earlier neighbours of each row (the scoring).

Each basis turns the corpus into a sparse matrix of L2-normalised TF-IDF rows (reviews x bodies,
reviews x themes, recommendations x words and word pairs), so that one sparse product gives
every candidate pair and its cosine score at once, instead of a pairwise join that grows with
the square of the corpus. Features found everywhere get no weight, rare ones a lot.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

_CHUNK = 1024  # rows per sparse product: bounds memory on large corpora
_DENSE_COLS = 64  # matrices with at most this many columns are multiplied dense
_DENSE_CELLS = 1 << 21  # scores per dense chunk (16 MB of float64): bounds its memory on large corpora

# parallel arrays (row, column, score)
Hits = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass
class Matrix:
    """L2-normalised TF-IDF rows, in time order: `pos` is each row's review position, never
    smaller than the row before's (`back_links` relies on it)."""

    rows: sparse.csr_matrix
    cols: np.ndarray  # feature of each column
    pos: np.ndarray
    row_min: np.ndarray  # weakest score each row keeps
    transposed: sparse.csr_matrix | None = None

    @property
    def t(self) -> sparse.csr_matrix:
        if self.transposed is None:
            self.transposed = self.rows.T.tocsr()
        return self.transposed


def tfidf(indptr: np.ndarray, feats: np.ndarray, counts: np.ndarray, pos: np.ndarray,
          row_min: np.ndarray, max_df: float, min_cut: int, max_count: int | None = None) -> Matrix:
    """Sublinear TF x IDF (ln N/df), vectorised; features in more than `max_df` of the rows,
    or in more than `max_count` rows (and in more than `min_cut` rows) get no weight.

    `max_count` is what keeps the similarity product near-linear: a feature in d rows makes
    d^2/2 candidate pairs, so a cut relative to the corpus alone lets them grow with its square.

    Features of a single row still count in its norm (a review with many bodies of its own
    is less like any other), but are left out of the matrix since they match nothing.
    """
    # built with as few corpus-long arrays alive at once as can be: this is the links' peak of
    # memory on a large corpus (every occurrence of every word and word pair)
    n = len(indptr) - 1
    uniq = np.unique(feats)
    col = np.searchsorted(uniq, feats)  # np.unique's inverse, without its two extra corpus-long arrays
    df = np.bincount(col, minlength=len(uniq))
    limit = max(min(max_df * n, float(max_count if max_count is not None else n)), float(min_cut))
    weighted = (df <= limit) & (df < n)
    idf = np.where(weighted, np.log(n / np.maximum(df, 1)), 0.0)
    row = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    has = weighted[col]  # features without weight add exact zeros to the norms: left out at once
    row, col = row[has], col[has]
    w = counts[has].astype(np.float64)
    np.log(w, out=w)
    w += 1.0
    w *= idf[col]
    del has
    norm = np.sqrt(np.bincount(row, w * w, minlength=n))
    norm[norm == 0] = 1.0
    matched = weighted & (df > 1)
    keep = matched[col]
    new_col = np.cumsum(matched) - 1
    # entries are already grouped by row, in row order: the CSR arrays directly, with no
    # (row, column) triples converted on the way (on a national corpus, hundreds of MB)
    kept_row = row[keep]
    rows = sparse.csr_matrix((w[keep] / norm[kept_row], new_col[col[keep]],
                              np.r_[0, np.cumsum(np.bincount(kept_row, minlength=n))]),
                             shape=(n, int(matched.sum())))
    rows.sort_indices()
    return Matrix(rows, uniq[matched], pos, row_min)


def strings_matrix(docs: Sequence[Counter[str] | set[str]], pos: np.ndarray, row_min: np.ndarray,
                   max_df: float, max_count: int | None = None) -> tuple[Matrix, list[str]]:
    """The TF-IDF matrix of rows of named features (bodies, themes), and the feature names."""
    vocab: dict[str, int] = {}
    feats, counts, lengths = [], [], []
    for d in docs:
        items = d.items() if isinstance(d, Counter) else ((f, 1) for f in d)
        n = 0
        for f, c in items:
            feats.append(vocab.setdefault(f, len(vocab)))
            counts.append(c)
            n += 1
        lengths.append(n)
    indptr = np.r_[0, np.cumsum(lengths)].astype(np.int64)
    m = tfidf(indptr, np.asarray(feats, dtype=np.int64), np.asarray(counts, dtype=np.float64), pos, row_min,
              max_df, 1, max_count)
    return m, list(vocab)


def back_links(m: Matrix, rows: np.ndarray, k: int | None, window: int | None = None) -> Hits:
    """For each row in `rows`: its (at most k) most similar rows of earlier reviews above the
    row's minimum score, among the `window` reviews just before its own when a window is set.
    Returns parallel arrays (row, col, score), strongest first per row.

    The cut to k happens chunk by chunk, so memory stays bounded by the chunk's product; the
    window bounds the work too: each row is compared with at most `window` reviews' rows, so
    the work grows with the corpus, not with its square."""
    out_r, out_c, out_s = [], [], []
    dense = m.rows.shape[1] <= _DENSE_COLS  # a few columns (themes): dense products are far quicker
    full = m.rows.toarray() if dense else None
    n = m.rows.shape[0]
    span = n if window is None else min(n, window + _CHUNK)  # most rows one chunk is compared with
    step = max(16, min(_CHUNK, _DENSE_CELLS // max(span, 1))) if dense else _CHUNK
    for start in range(0, len(rows), step):
        chunk = rows[start:start + step]
        # rows are in time order: no later row can be earlier, nor a row before the window
        hi = int(chunk.max()) + 1
        lo = 0 if window is None else int(np.searchsorted(m.pos, m.pos[int(chunk.min())] - window, side="left"))
        if full is not None:
            prod_d = full[chunk] @ full[lo:hi].T
            col_pos, own = m.pos[lo:hi][None, :], m.pos[chunk][:, None]
            ok = (col_pos < own) & (prod_d >= m.row_min[chunk][:, None] - 1e-9)
            if window is not None:
                ok &= col_pos >= own - window
            if k is not None and prod_d.shape[1] > k:  # only what can be in the top k goes on
                masked = np.where(ok, np.round(prod_d, 9), -np.inf)
                kth = -np.partition(-masked, k - 1, axis=1)[:, k - 1]
                ok &= masked >= kth[:, None]
            ri, c = np.nonzero(ok)
            r, s, c = chunk[ri], prod_d[ri, c], c + lo
        else:
            prod = sparse.csr_matrix(m.rows[chunk] @ m.rows[lo:hi].T)
            hit = np.flatnonzero(prod.data >= m.row_min[chunk].min() - 1e-9)  # most pairs score low
            r = chunk[np.searchsorted(prod.indptr, hit, side="right") - 1]
            c, s = prod.indices[hit].astype(np.int64) + lo, prod.data[hit]
            keep = (m.pos[c] < m.pos[r]) & (s >= m.row_min[r] - 1e-9)
            if window is not None:
                keep &= m.pos[c] >= m.pos[r] - window
            r, c, s = r[keep], c[keep], s[keep]
        c, s = c.astype(np.int64), np.round(s, 9)  # chunks may differ in the last bits
        order = np.lexsort((c, -s, r))  # by row, strongest first, then earliest column
        r, c, s = r[order], c[order], s[order]
        if k is not None and len(r):
            first = np.r_[True, r[1:] != r[:-1]]
            starts = np.maximum.accumulate(np.where(first, np.arange(len(r)), 0))
            keep = (np.arange(len(r)) - starts) < k
            r, c, s = r[keep], c[keep], s[keep]
        out_r.append(r)
        out_c.append(c)
        out_s.append(s)
    if not out_r:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    r, c, s = np.concatenate(out_r), np.concatenate(out_c), np.concatenate(out_s)
    order = np.lexsort((c, -s, r))
    return r[order], c[order], s[order]


def ranks(values: Sequence[str]) -> np.ndarray:
    """Each value's place in the sorted values (for ties broken by name)."""
    order = sorted(range(len(values)), key=values.__getitem__)
    out = np.empty(len(values), dtype=np.int64)
    out[order] = np.arange(len(values))
    return out


def shared(m: Matrix, r: np.ndarray, c: np.ndarray, tie: np.ndarray, top: int | None) -> list[list[int]]:
    """For each pair of rows (r[i], c[i]), the columns of the features both have, by weight
    product (rounded, so ties do not depend on summation order), then by `tie` of the column,
    at most `top`. One elementwise product and one sort for all pairs."""
    if not len(r):
        return []
    both = m.rows[r].multiply(m.rows[c]).tocsr()
    both.eliminate_zeros()
    pair = np.repeat(np.arange(len(r)), np.diff(both.indptr))
    weight = np.round(both.data, 9)
    order = np.lexsort((tie[both.indices], -weight, pair))
    cols, bounds = both.indices[order].tolist(), both.indptr.tolist()
    return [cols[lo:hi if top is None else min(hi, lo + top)] for lo, hi in zip(bounds, bounds[1:])]


def partnership_score(earlier: str, later: str) -> float:
    """1 / (1 + years between the two publication months); 0.5 when either is undated."""
    try:
        ey, em = (int(x) for x in earlier.split("-")[:2])
        ly, lm = (int(x) for x in later.split("-")[:2])
    except ValueError:
        return 0.5
    return 1.0 / (1.0 + abs((ly - ey) * 12 + (lm - em)) / 12.0)
