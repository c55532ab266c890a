"""The build: pages -> records -> agencies and themes -> RDF -> SHACL -> store.

Each stage lives in its own module; this one only wires them and decides what lands. A page
that cannot be parsed or does not conform is reported and left out; with `strict`, nothing
lands unless every page is good. All of it happens in a working copy of the store that
replaces the live one at the end, all or nothing (see store.py).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import resources
from .agencies import Registry
from .errors import DhrGraphError
from .iris import DEFAULT_INSTANCE_BASE, Minter
from .parser import parse_page
from .rdf import build_time, review_nquads
from .records import EnrichedRecommendation, EnrichedReview, Review
from .store import BackgroundLoad, GraphStore, drop_graph, parse_turtle_quads, reference_graph_iri
from .themes import ThemeScheme
from .validation import ValidationResult, Validator


@dataclass
class PageOutcome:
    """What happened to one input page."""

    path: str
    status: str  # "landed" | "rejected" (parsed, not conforming) | "error" (not parsed)
    review_key: str | None = None
    messages: list[str] = field(default_factory=list)


@dataclass
class BuildReport:
    pages: list[PageOutcome]
    store: str
    triples: int = 0
    committed: bool = False

    @property
    def landed(self) -> list[PageOutcome]:
        return [p for p in self.pages if p.status == "landed"]

    @property
    def failed(self) -> list[PageOutcome]:
        return [p for p in self.pages if p.status != "landed"]


@dataclass
class Toolkit:
    """The configured stages of a build: registry, theme scheme, validator, IRI minter."""

    registry: Registry
    themes: ThemeScheme
    validator: Validator
    minter: Minter

    @classmethod
    def load(cls, base: str = DEFAULT_INSTANCE_BASE, registry_files: Sequence[str | Path] = (),
             theme_files: Sequence[str | Path] = ()) -> Toolkit:
        return cls(
            registry=Registry.load(extra=registry_files),
            themes=ThemeScheme.load(extra=theme_files),
            # the shapes check theme and agency IRIs against the reference data, user files included
            validator=Validator.load(reference=[*sorted(resources.ontology_dir().glob("*.ttl")),
                                                *registry_files, *theme_files]),
            minter=Minter(base),
        )

    def enrich(self, review: Review) -> EnrichedReview:
        """Resolve every addressee and mention, and classify every recommendation."""
        reg, minter = self.registry, self.minter
        recs = tuple(
            EnrichedRecommendation(
                recommendation=rec,
                addressees=tuple(reg.resolve(a, review.csp, review.published, minter) for a in rec.addressed_to),
                mentions=reg.mentions(rec.text, review.csp, review.published, minter),
                themes=self.themes.classify(rec.text),
            )
            for rec in review.recommendations
        )
        area = reg.geography.match(review.csp)  # the partnership's ONS CSP area(s), if its name is known
        return EnrichedReview(review=review, recommendations=recs,
                              extra={"csp_areas": area.iris} if area is not None else {})

    def reference_files(self) -> list[Path]:
        """Every Turtle file of shared reference data, each loaded into its own graph."""
        files = {p.resolve(): p for p in sorted(resources.ontology_dir().glob("*.ttl"))}
        for p in [*self.registry.source_files(), *self.themes.source_files()]:
            files.setdefault(Path(p).resolve(), Path(p))
        return list(files.values())


def find_pages(inputs: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders (their `*.txt` pages, recursively) in a stable order."""
    pages: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            pages.extend(sorted(p for p in path.rglob("*.txt") if p.is_file()))
        else:
            pages.append(path)
    return pages


@contextlib.contextmanager
def _fewer_gc_pauses() -> Iterator[None]:
    """A build allocates millions of small, long-lived objects (terms, triples); Python's
    cyclic collector would rescan them over and over. Freeze what exists and collect rarely."""
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(200_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


def build(
    inputs: Sequence[str | Path] | None = None,
    store: str | Path | None = None,
    *,
    toolkit: Toolkit | None = None,
    strict: bool = False,
    progress: Callable[[Iterable[Path]], Iterable[Path]] | None = None,
) -> BuildReport:
    """Build (or update) a store from pages; no inputs means the bundled sample."""
    with _fewer_gc_pauses():
        return _build(inputs, store, toolkit=toolkit, strict=strict, progress=progress)


def _build(
    inputs: Sequence[str | Path] | None,
    store: str | Path | None,
    *,
    toolkit: Toolkit | None,
    strict: bool,
    progress: Callable[[Iterable[Path]], Iterable[Path]] | None,
) -> BuildReport:
    """Pages are parsed and written into a working copy of the store a chunk at a time (so
    memory stays flat), validated there together, and the non-conforming ones taken out
    again before the copy replaces the live store."""
    tk = toolkit or Toolkit.load()
    gs = GraphStore(store)
    pages = find_pages(inputs) if inputs else resources.sample_pages()
    report = BuildReport(pages=[], store=str(gs.path))
    generated_at = build_time()
    candidates: dict[str, PageOutcome] = {}  # graph IRI -> its page, for every review written
    replaced: set[str] = set()  # graphs the live store already had
    sizes: dict[str, int] = {}
    try:
        with gs.writing() as work, BackgroundLoad(work) as loader:
            chunk: list[str] = []
            for page in (progress(pages) if progress else pages):
                outcome = PageOutcome(path=str(page), status="error")
                report.pages.append(outcome)
                made = _review_rdf(page, tk, strict, generated_at, outcome)
                if made is None:
                    continue
                graph_iri, nquads = made
                if graph_iri in candidates:
                    outcome.messages.append(
                        f"{page}: same review as {candidates[graph_iri].path} (partnership, publication month "
                        f"and year of death all match: {outcome.review_key}); left out")
                    continue
                candidates[graph_iri] = outcome
                sizes[graph_iri] = nquads.count("\n")
                if drop_graph(work, graph_iri):
                    replaced.add(graph_iri)
                chunk.append(nquads)
                if len(chunk) >= CHUNK:  # written while the next chunk is parsed
                    loader.put("".join(chunk))
                    chunk.clear()
            if not candidates:
                raise _Discard
            loader.put("".join(chunk))
            loader.wait()
            for path in tk.reference_files():
                iri = reference_graph_iri(path, bundled=path.parent.resolve() == resources.ontology_dir().resolve())
                drop_graph(work, iri)
                work.bulk_extend(parse_turtle_quads(path, iri))

            # SHACL, every check once for all new reviews (see validation.py)
            found = tk.validator.check(work, list(candidates))
            for graph_iri, outcome in candidates.items():
                result = ValidationResult(outcome.path, found.get(graph_iri, ()), graph_iri)
                outcome.messages.extend(result.messages())
                outcome.status = "landed" if result.conforms else "rejected"
            if strict and report.failed:
                raise _Discard
            for graph_iri, outcome in candidates.items():
                if outcome.status == "rejected":  # out again, and the version it was to replace back
                    work.remove_graph(ox.NamedNode(graph_iri))
                    if graph_iri in replaced:
                        work.bulk_extend(gs.live_quads(graph_iri))
            if not report.landed:
                raise _Discard
            from .links import update  # numpy/scipy load only when a build writes

            update(work, [tk.minter.review(p.review_key) for p in report.landed if p.review_key])
            if len(candidates) >= CHUNK:
                # many bulk loads leave many overlapping files, which every index scan then merges:
                # compacting them once makes queries about 3x quicker (2,000 reviews: agency-reach
                # 1.23 s -> 0.40 s) for a few seconds of build
                work.optimize()
    except _Discard:
        return report
    report.committed = True
    report.triples = sum(sizes[iri] for iri, outcome in candidates.items() if outcome.status == "landed")
    return report


def _review_rdf(page: Path, tk: Toolkit, strict: bool, generated_at: str,
                outcome: PageOutcome) -> tuple[str, str] | None:
    """(graph IRI, N-Quads) of one page, or None with the reason in `outcome`."""
    try:
        review = parse_page(page, strict=strict)
        outcome.messages.extend(f"warning: {w}" for w in review.warnings)
        graph_iri, nquads = review_nquads(tk.enrich(review), tk.minter, generated_at)
    except DhrGraphError as exc:
        outcome.messages.append(str(exc))
        return None
    outcome.review_key = graph_iri.rsplit("/", 1)[-1]
    return graph_iri, nquads


CHUNK = 250  # reviews per bulk load: keeps memory flat, and loads overlap with parsing


class _Discard(Exception):
    """Nothing is to land: the working copy is thrown away and the store stays as it was."""

