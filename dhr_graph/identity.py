"""What makes a review the same review: the key its IRIs are minted from.

Partnership + publication month + year of death is not an identity (a partnership can publish
several reviews in one month, and the Home Office library shows bulk publication dates), so
the key comes from a handle the review keeps when it is corrected, in this order:

1. `id`: an `Id:` line on the page (or `"id"` in a record): the review's own identifier,
   e.g. the Home Office library's id, or one the user chose. Key: the id, slugged.
2. `url`: a `URL:` line (or `"url"`): the address of the published report. Key: the last
   path segment, slugged, plus 8 hex digits of the SHA-256 of the normalised address.
3. `file`: the name of the page file (without folders or extension): the user's stable
   handle. Key: the file stem, slugged.
4. `content`: a record with none of these (e.g. JSON without "file"). Key: the partnership
   plus 12 hex digits of the SHA-256 of the record's content; a corrected record is then a
   new review, so such records should be given an id.

Keys never depend on other pages, a counter or a run. See README "Review identity".
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph as ox

from . import iris
from .iris import DHR, Minter, slug
from .records import Review

RULES = ("id", "url", "file", "content")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*$")  # what `slug` produces; also checked on hand-written keys
_NO_FILE = {"", "-", "<text>", "<stdin>"}


@dataclass(frozen=True)
class ReviewIdentity:
    """A review's key, the rule that gave it and the handle it was derived from."""

    key: str
    rule: str  # one of RULES
    handle: str


def normalise_url(url: str) -> str:
    """Scheme and host lower-cased, fragment and trailing slash dropped: the same report, one form."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def file_handle(source_path: str) -> str | None:
    """The file stem that names a page, or None when the review was not read from a named file."""
    if source_path.strip() in _NO_FILE:
        return None
    stem = Path(source_path).stem
    return stem or None


def content_digest(review: Review) -> str:
    """SHA-256 of what a record says (header fields and recommendations), independent of its file."""
    body = review.to_json()
    for name in ("key", "key_rule", "file", "sha256", "id", "url"):
        body.pop(name, None)
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def identify(review: Review) -> ReviewIdentity:
    """The identity of a review by the rule above."""
    if review.page_id and review.page_id.strip():
        handle = review.page_id.strip()
        return ReviewIdentity(slug(handle), "id", handle)
    if review.url and review.url.strip():
        handle = normalise_url(review.url)
        last = urlsplit(handle).path.rstrip("/").rsplit("/", 1)[-1]
        stem = re.sub(r"\.(pdf|html?|aspx?|docx?|odt)$", "", last, flags=re.IGNORECASE)
        digest = hashlib.sha256(handle.encode("utf-8")).hexdigest()[:8]
        head = slug(stem, max_length=60) if re.search(r"[A-Za-z0-9]", stem) else "report"
        return ReviewIdentity(f"{head}-{digest}", "url", handle)
    name = file_handle(review.source_path)
    if name is not None:
        return ReviewIdentity(slug(name), "file", name)
    digest = content_digest(review)
    return ReviewIdentity(f"{slug(review.csp, max_length=60)}-{digest[:12]}", "content", digest)


def review_key(review: Review) -> str:
    """The key a review's IRIs are minted from (`Minter.review(key)`)."""
    return identify(review).key


def legacy_review_key(review: Review) -> str:
    """The key stores built before review identity used: partnership, publication month, year of
    death. Only used to find and replace a page's graph from such a store (see pipeline)."""
    return iris.legacy_review_key(review.csp, review.published, review.year_of_death)


# ------------------------------------------------------------------ identity against a store
# What a build checks before a review replaces a graph (pipeline.py): never merge two reviews,
# never count one page twice, and find a page's graph under its old key.

def same_key_message(path: str, first: str, review: Review) -> str:
    """Two inputs of one build with one key: never merged; the later one is left out, saying why."""
    ident = identify(review)
    return (f"{path}: has the same review key {ident.key!r} as {first} (from its {ident.rule} "
            f"{ident.handle!r}); left out. If they are different reviews, give one another file name "
            "or an 'Id:' line (see README, Review identity)")


def same_page(store: ox.Store, review: Review, own: set[str | None], seen: dict[str, str], path: str) -> str | None:
    """Why a page is left out as a byte-identical copy of a page of this build (`seen`: SHA-256 ->
    path) or of a stored review other than its own graphs (`own`); None when it is not one.
    Counting a page twice would double its recommendations. Records (maybe corrected) are exempt."""
    if review.record_file or not review.sha256:
        return None
    first = seen.setdefault(review.sha256, path)
    if first != path:
        return f"{path}: same page as {first} (identical bytes); left out"
    for q in store.quads_for_pattern(None, ox.NamedNode(str(DHR.sourceChecksum)), ox.Literal(review.sha256), None):
        graph = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else None
        if graph is None or graph in own or stored_value(store, graph, str(DHR.recordFile), graph) is not None:
            continue
        name = stored_value(store, graph, str(DHR.sourceFile), graph)
        return (f"{path}: same page as the stored review {graph.rsplit('/', 1)[-1]} (built from {name}; "
                "identical bytes); left out")
    return None


def stored_value(store: ox.Store, subject: str, prop: str, graph_iri: str) -> str | None:
    """One value of `subject prop ?` in one named graph, or None."""
    for q in store.quads_for_pattern(ox.NamedNode(subject), ox.NamedNode(prop), None, ox.NamedNode(graph_iri)):
        if isinstance(q.object, (ox.NamedNode, ox.Literal)):
            return q.object.value
    return None


def other_review_warning(store: ox.Store, review: Review, graph_iri: str, minter: Minter, path: str) -> list[str]:
    """A stored review with this key but another partnership is more likely a different review
    with a clashing file name than a correction: say so (it is still replaced, as asked)."""
    before = stored_value(store, minter.review(review_key(review)), str(DHR.partnership), graph_iri)
    if before is None or before == minter.partnership(review.csp):
        return []
    source = stored_value(store, graph_iri, str(DHR.sourceFile), graph_iri)
    message = (f"warning: {path}: replaces the review with the same key built from {source} for partnership "
               f"{before.rsplit('/', 1)[-1]}; if that is a different review, rebuild it under another file "
               "name or an 'Id:' line")
    return [message]


def legacy_graph(store: ox.Store, review: Review, graph_iri: str, minter: Minter) -> str | None:
    """The graph this same page got in a store built with the old key (partnership, month, year of
    death), if the store has it: the same old key and the same source file name."""
    old = minter.review_graph(legacy_review_key(review))
    name = Path(review.source_path).name
    if old == graph_iri or not name or not store.contains_named_graph(ox.NamedNode(old)):
        return None
    return old if stored_value(store, old, str(DHR.sourceFile), old) == name else None
