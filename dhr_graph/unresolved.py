"""Addressee names that reached no registered body, with the registered names they may mean.

This is what a curator works from (`dhr-graph agencies unresolved`): the named query
`unresolved-addressees` counts the names in the store, and the registry proposes the closest
registered names for each, so that an alias or a body can be added to a registry file and
resolve the name on the next build.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from .queries import run_named

if TYPE_CHECKING:
    from .agencies import Registry
    from .store import GraphStore


class Candidate(TypedDict):
    """A registered body a name may mean, with how close the names are (0 to 1)."""

    label: str
    iri: str
    score: float


class Unresolved(TypedDict):
    """One name that reached no registered body (a row of `agencies unresolved`)."""

    surface: str
    method: str | None
    count: int
    reviews: int
    resolved_to: str | None
    confidence: float | None
    candidates: list[Candidate]


def unresolved_names(store: GraphStore, registry: Registry, method: str | None = None) -> list[Unresolved]:
    """Every unresolved addressee name of `store` (only those resolved by `method`, if given),
    most frequent first, each with its candidate registered bodies."""
    params = {"method": method} if method else {}
    result = run_named(store, "unresolved-addressees", **params)
    rows: list[Unresolved] = []
    for row in result.values():
        surface = row["surface"] or ""
        rows.append({
            "surface": surface,
            "method": row["how"],
            "count": int(row["count"] or 0),
            "reviews": int(row["reviews"] or 0),
            "resolved_to": row["label"] or row["addressee"],
            "confidence": float(row["confidence"]) if row["confidence"] is not None else None,
            "candidates": [{"label": e.label, "iri": e.iri, "score": round(s, 2)}
                           for e, s in registry.candidates(surface)],
        })
    return rows
