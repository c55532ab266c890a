"""The link-feature record of a review: what linking needs from it, as one compact literal.

Each review's record is kept in the store (graphs.py says where), so that adding a review reads
the records of the others instead of re-reading and re-tokenising the corpus. Layout, in
base64 (which keeps the literal free of characters a serialisation would have to escape): JSON
length (4 bytes, little-endian), JSON of the review's facts, then its recommendations' hashed
text features: uint64 ids, uint16 counts, uint32 features per recommendation.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import Counter
from collections.abc import Iterable

import numpy as np

from .corpus import ReviewInfo


def encode(review: ReviewInfo) -> str:
    """The record of a review whose texts are tokenised."""
    if review.text_rows is None:
        raise ValueError(f"{review.iri}: texts not tokenised, no record to write")
    ids, counts, nnz = review.text_rows
    head = json.dumps({"iri": review.iri, "issued": review.issued, "partnership": review.partnership,
                       "bodies": sorted(review.bodies), "themes": dict(sorted(review.themes.items())),
                       "recs": review.recs}, separators=(",", ":")).encode()
    return base64.b64encode(b"".join((
        len(head).to_bytes(4, "little"), head, ids.astype("<u8").tobytes(),
        counts.astype("<u2").tobytes(), nnz.astype("<u4").tobytes()))).decode()


def decode(texts: Iterable[str]) -> list[ReviewInfo]:
    """Many records at once: one JSON parse for all their heads, arrays as views of the bytes."""
    blobs = [binascii.a2b_base64(t) for t in texts]
    sizes = [int.from_bytes(b[:4], "little") for b in blobs]
    heads = json.loads(b"[" + b",".join(b[4:4 + n] for b, n in zip(blobs, sizes)) + b"]")
    out = []
    for data, n, d in zip(blobs, sizes, heads):
        recs = len(d["recs"])
        nnz = np.frombuffer(data, dtype="<u4", count=recs, offset=len(data) - 4 * recs).astype(np.int64)
        total = int(nnz.sum())
        ids = np.frombuffer(data, dtype="<u8", count=total, offset=4 + n).astype(np.uint64, copy=False)
        counts = np.frombuffer(data, dtype="<u2", count=total, offset=4 + n + 8 * total).astype(
            np.uint16, copy=False)
        out.append(ReviewInfo(d["iri"], d["issued"], d["partnership"], set(d["bodies"]), Counter(d["themes"]),
                              [(r, st) for r, st in d["recs"]], text_rows=(ids, counts, nnz)))
    return out
