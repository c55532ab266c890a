"""The build: pages -> records -> agencies and themes -> RDF -> SHACL -> store.

Each stage lives in its own module; this one only wires them and decides what lands. A page
that cannot be parsed or does not conform is reported and left out; with `strict`, nothing
lands unless every page is good. All of it happens in a working copy of the store that
replaces the live one at the end, all or nothing (see store.py).
"""

from __future__ import annotations

import errno
import functools
import logging
import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import resources
from .addressees import Known, registry_names
from .agencies import Registry
from .curation import Curation
from .digests import ReviewDigests, fingerprint
from .errors import DhrGraphError, InputError
from .identity import legacy_graph, other_review_warning, review_key, same_key_message, same_page
from .inputfiles import turtle_quads
from .iris import DEFAULT_INSTANCE_BASE, DHR, PREFIXES, Minter, reference_graph_iri
from .pagereader import PageReader
from .parser import parse_page
from .reviewgraph import build_time, recommendation_iris, review_nquads
from .record_io import is_records_file, load_records
from .records import EnrichedRecommendation, EnrichedReview, Resolution, Review
from .store import BackgroundLoad, GraphStore, drop_graph
from .themes import ThemeScheme
from .validation import ReviewGraph, ShapeResult, ValidationResult, Validator

logger = logging.getLogger(__name__)


@dataclass
class PageOutcome:
    """What happened to one input page."""

    path: str
    status: str  # "landed" | "rejected" (parsed, not conforming) | "error" (not parsed)
    #           | "refused" (would drop recommendations another page or the store has)
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
    curation: Curation | None = None  # names pinned by a person (curation.py), over the resolver

    @classmethod
    def load(cls, base: str = DEFAULT_INSTANCE_BASE, registry_files: Sequence[str | Path] = (),
             theme_files: Sequence[str | Path] = (), curation_files: Sequence[str | Path] = ()) -> Toolkit:
        started = time.perf_counter()
        registry = Registry.load(extra=registry_files)
        curation = Curation.load(curation_files) if curation_files else None
        if curation is not None:
            curation.check(registry)
        toolkit = cls(
            registry=registry,
            themes=ThemeScheme.load(extra=theme_files),
            # the shapes check theme and agency IRIs against the reference data, user files included
            validator=Validator.load(reference=[*sorted(resources.ontology_dir().glob("*.ttl")),
                                                *registry_files, *theme_files]),
            minter=Minter(base),
            curation=curation,
        )
        logger.info("build stage: toolkit (registry, themes, shapes): %.2f s", time.perf_counter() - started)
        return toolkit

    @functools.cached_property
    def names(self) -> Known:
        """Which names this registry knows, for the parser to split addressee cells by."""
        return registry_names(self.registry)

    def enrich(self, review: Review) -> EnrichedReview:
        """Resolve every addressee and mention (a curated name as pinned), and classify every recommendation."""
        reg, minter, cur = self.registry, self.minter, self.curation
        key = review_key(review) if cur else ""

        def resolve(surface: str) -> Resolution:
            pinned = cur.resolve(key, surface, review.csp, review.published, reg, minter) if cur else None
            return pinned or reg.resolve(surface, review.csp, review.published, minter)

        def mentions(text: str) -> tuple[Resolution, ...]:
            found = reg.mentions(text, review.csp, review.published, minter)
            if not cur:
                return found
            return tuple(cur.resolve(key, m.surface, review.csp, review.published, reg, minter) or m for m in found)

        recs = tuple(
            EnrichedRecommendation(
                recommendation=rec,
                addressees=tuple(resolve(a) for a in rec.addressed_to),
                mentions=mentions(rec.text),
                themes=self.themes.classify(rec.text),
            )
            for rec in review.recommendations
        )
        area = reg.geography.match(review.csp)  # the partnership's ONS CSP area(s), if its name is known
        return EnrichedReview(review=review, recommendations=recs,
                              extra={"csp_areas": area.iris} if area is not None else {})

    @functools.cached_property
    def checks(self) -> str:
        """Fingerprint of what reviews are validated against (digests.py): a review stored under
        other checks is written and validated again."""
        return fingerprint(self.validator, self.reference_files())

    def reference_files(self) -> list[Path]:
        """Every Turtle file of shared reference data, each loaded into its own graph."""
        files = {p.resolve(): p for p in sorted(resources.ontology_dir().glob("*.ttl"))}
        for p in [*self.registry.source_files(), *self.themes.source_files()]:
            files.setdefault(Path(p).resolve(), Path(p))
        return list(files.values())


def find_pages(inputs: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders (their `*.txt` pages, recursively) in a stable order.

    A folder that cannot be read, or that holds no page, is a mistake worth stopping for
    (`InputError`): building "0 of 0 pages" would report success for work that did not happen.
    A file is kept as given; reading it later says what is wrong with it.
    """
    pages: list[Path] = []
    for item in inputs:
        path = Path(item)
        try:
            is_dir = stat.S_ISDIR(os.stat(path).st_mode)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise InputError(str(path), "symbolic links go round in a loop") from None
            is_dir = False  # a missing or unreadable file: reported as a page that cannot be read
        if not is_dir:
            pages.append(path)
            continue
        found = _pages_under(path)
        if not found:
            raise InputError(str(path), "no pages (*.txt files) in this folder")
        pages.extend(found)
    return pages


def _pages_under(folder: Path) -> list[Path]:
    """Every `*.txt` file below a folder, following folder links once each (no loops)."""
    found: list[Path] = []
    seen: set[tuple[int, int]] = set()

    def fail(exc: OSError) -> None:
        raise InputError(str(exc.filename or folder), f"cannot read folder: {exc.strerror or exc}")

    for root, dirs, files in os.walk(folder, onerror=fail, followlinks=True):
        info = os.stat(root)
        if (info.st_dev, info.st_ino) in seen:
            dirs.clear()
            continue
        seen.add((info.st_dev, info.st_ino))
        dirs.sort()
        for name in files:
            if name.endswith(".txt"):  # a broken link, pipe or socket too: reading it reports it
                found.append(Path(root, name))
    return sorted(found)


def build(
    inputs: Sequence[str | Path] | None = None,
    store: str | Path | None = None,
    *,
    toolkit: Toolkit | None = None,
    strict: bool = False,
    allow_shrink: bool = False,
    progress: Callable[[Iterable[Path]], Iterable[Path]] | None = None,
    jobs: int = 1,
) -> BuildReport:
    """Build (or update) a store from pages; no inputs means the bundled sample.

    `jobs`: worker processes that read pages (parse, resolve, classify, write N-Quads); 1 reads
    them in this process. A small build always reads in process (pagereader.py).

    A page that would take recommendations away from a review the store already holds (a
    truncated copy, say) is refused unless `allow_shrink`; the stored review stays.
    A large build runs quicker with fewer collector pauses: see `tuning.fewer_gc_pauses`,
    which the command line enters (the library leaves process-wide state alone)."""
    started = time.perf_counter()
    report = _build(inputs, store, toolkit=toolkit, strict=strict, allow_shrink=allow_shrink, progress=progress,
                    jobs=jobs)
    logger.info("build: %d of %d pages landed in %.2f s%s", len(report.landed), len(report.pages),
                time.perf_counter() - started, "" if report.committed else "; store unchanged")
    return report


def _build(
    inputs: Sequence[str | Path] | None,
    store: str | Path | None,
    *,
    toolkit: Toolkit | None,
    strict: bool,
    allow_shrink: bool,
    progress: Callable[[Iterable[Path]], Iterable[Path]] | None,
    jobs: int = 1,
) -> BuildReport:
    """The page reader starts before the store is opened: when it reads in worker processes
    (pagereader.py), they are forked before the build starts any thread."""
    gs = GraphStore(store)
    gs.check_writable()  # a store path that cannot be one is refused before any work
    pages = find_pages(inputs) if inputs else resources.sample_pages()
    tk = toolkit or Toolkit.load()
    generated_at = build_time()
    read = functools.partial(_read_page, strict=strict, toolkit=tk, names=tk.names, generated_at=generated_at)
    with PageReader(read, progress(pages) if progress else pages, len(pages), jobs) as reading:
        return _build_from(reading, gs, tk, generated_at, strict=strict, allow_shrink=allow_shrink)


def _build_from(reading: PageReader[Path, PageRead], gs: GraphStore, tk: Toolkit, generated_at: str, *,
                strict: bool, allow_shrink: bool) -> BuildReport:
    """Pages are parsed and written into a working copy of the store a chunk at a time (so
    memory stays flat), validated there together, and the non-conforming ones taken out
    again before the copy replaces the live store."""
    stage = _Stages()
    report = BuildReport(pages=[], store=str(gs.path))
    candidates: dict[str, PageOutcome] = {}  # graph IRI -> its page, for every review written
    recommendations: dict[str, frozenset[str]] = {}  # graph IRI -> the recommendations of that page
    fuller: dict[str, str] = {}  # graph IRI -> N-Quads of a page that replaces a smaller one of this run
    replaced: set[str] = set()  # graphs the live store already had
    legacy: dict[str, str] = {}  # graph IRI -> the same page's graph under its old (legacy) key
    pages_seen: dict[str, str] = {}  # SHA-256 of a page -> the page of this build that had it
    sizes: dict[str, int] = {}
    written: list[str] = []  # graphs this build writes (not those left as they were)
    digest_of: dict[str, str] = {}  # graph IRI -> digest of the graph written (digests.py)
    unchanged: set[str] = set()  # graphs stored exactly as this build would write them: left alone
    batches: dict[str, tuple[ShapeResult, ...]] | None = None  # results, when validated beside parsing
    stored = _live_reviews(gs)
    if len(reading) < stored:  # a small change to a larger store: see _validate_chunk
        batches = {}
    try:
        compact = lambda: len(written) * COMPACT_SHARE >= stored  # noqa: E731 (asked after the writes)
        with gs.writing(compact=compact) as work, BackgroundLoad(work) as loader:
            digests = ReviewDigests(work, tk.minter.base, tk.checks)
            # what the pages are compared with: nothing, when the store held no review (each look-up
            # in a working copy growing by bulk loads costs more as it grows)
            held = work if stored else ox.Store()
            stage.done("working copy")
            chunk: list[ReviewGraph] = []
            for page in reading:
                report.pages.extend(page.outcomes)
                if tk.curation is not None:  # read in a worker: its copy of the curation marked them
                    tk.curation.used.update(page.pins_used)
                for outcome, review, made in page.reviews:
                    if made is None:
                        continue
                    graph_iri, nquads, recs = made
                    if graph_iri in candidates:
                        earlier = candidates[graph_iri]
                        if _same_review_twice(earlier, recommendations[graph_iri], outcome, recs, review):
                            candidates[graph_iri] = outcome  # the fuller page is kept, loaded after the rest
                            recommendations[graph_iri], fuller[graph_iri] = recs, nquads
                            sizes[graph_iri] = nquads.count("\n")
                            digest_of[graph_iri] = digests.digest(nquads, generated_at)
                            if graph_iri in unchanged:  # the stored version is replaced after all
                                unchanged.discard(graph_iri)
                                replaced.add(graph_iri)
                        continue
                    old = legacy_graph(held, review, graph_iri, tk.minter)
                    twin = same_page(held, review, {graph_iri, old}, pages_seen, outcome.path)
                    if twin:
                        outcome.messages.append(twin)
                        continue
                    digest = digests.digest(nquads, generated_at)
                    if old is None and digests.unchanged(held, graph_iri, digest):
                        candidates[graph_iri], recommendations[graph_iri] = outcome, recs
                        sizes[graph_iri] = nquads.count("\n")
                        outcome.status = "landed"
                        outcome.messages.append(f"{outcome.path}: unchanged since it was built; the stored "
                                                "review is kept as it is")
                        unchanged.add(graph_iri)
                        continue
                    if not _may_replace(held, graph_iri, recs, outcome, allow_shrink):
                        continue
                    candidates[graph_iri] = outcome
                    recommendations[graph_iri] = recs
                    sizes[graph_iri] = nquads.count("\n")
                    digest_of[graph_iri] = digest
                    outcome.messages.extend(other_review_warning(held, review, graph_iri, tk.minter, outcome.path))
                    if drop_graph(work, graph_iri):
                        replaced.add(graph_iri)
                    if old is not None:  # the same page in a store built with the old review keys
                        drop_graph(work, old)
                        legacy[graph_iri] = old
                        outcome.messages.append(f"{outcome.path}: replaces {old.rsplit('/', 1)[-1]} "
                                                f"(its graph under the old review key)")
                    chunk.append(ReviewGraph(graph_iri, outcome.path, nquads))
                    if len(chunk) >= CHUNK:  # written while the next chunk is parsed
                        _write_chunk(chunk, loader, tk.validator, batches)
                        chunk.clear()
            if not candidates:
                raise _Discard
            _write_chunk(chunk, loader, tk.validator, batches)
            stage.done("pages read, resolved, classified, written as N-Quads")
            loader.wait()
            stage.done("waiting for the last bulk loads")
            for graph_iri, nquads in fuller.items():
                drop_graph(work, graph_iri)
                work.bulk_load(nquads.encode(), ox.RdfFormat.N_QUADS)
            if not digests.reference_current(work):  # loaded once, again only when the files change
                for path in tk.reference_files():
                    iri = reference_graph_iri(path, bundled=path.parent.resolve() == resources.ontology_dir().resolve())
                    drop_graph(work, iri)
                    work.bulk_extend(turtle_quads(path, iri))
                digests.record_reference(work)
            stage.done("reference data")

            # SHACL, every check once for all new reviews (see validation.py), or the results of
            # the batches validated beside parsing
            checked = time.perf_counter()
            written = [g for g in candidates if g not in unchanged]
            if not written:  # every page as stored: nothing to check
                found = {}
            elif batches is None:
                found = tk.validator.check(work, written)
            else:
                found = batches
                _validate_chunk([ReviewGraph(g, candidates[g].path, n) for g, n in fuller.items()],
                                tk.validator, found)
            logger.info("validation: %d reviews checked in %.2f s%s", len(written), time.perf_counter() - checked,
                        "" if batches is None else " (and beside parsing)")
            for graph_iri in written:
                outcome = candidates[graph_iri]
                result = ValidationResult(outcome.path, found.get(graph_iri, ()), graph_iri)
                outcome.messages.extend(result.messages())
                outcome.status = "landed" if result.conforms else "rejected"
            if strict and report.failed:
                raise _Discard
            for graph_iri, outcome in candidates.items():
                if outcome.status == "rejected":  # out again, and the version it was to replace back
                    work.remove_graph(ox.NamedNode(graph_iri))
                    for kept in ({graph_iri} & replaced) | ({legacy[graph_iri]} if graph_iri in legacy else set()):
                        work.bulk_extend(gs.live_quads(kept))
            stage.done("validation")
            if not report.landed:
                raise _Discard
            # what changed gets its digest, links and case matches; unchanged reviews keep theirs
            landed = [g for g in written if candidates[g].status == "landed"]
            digests.record(work, {g: digest_of[g] for g in landed}, dropped=[legacy[g] for g in landed if g in legacy])
            if landed:
                from .links import update  # numpy/scipy load only when a build writes

                retired = [tk.minter.review(legacy[g].rsplit("/", 1)[-1]) for g in landed if g in legacy]
                update(work, [tk.minter.review(k) for k in (candidates[g].review_key for g in landed) if k] + retired)
                stage.done("links")
                from .cases import has_cases, link_cases

                if has_cases(work):  # reviews changed: their cases are matched again (cases.py)
                    link_cases(work, tk.minter)
                stage.done("cases")
            # the working copy is compacted before the swap (GraphStore.writing) unless the pages
            # are a small part of a large store (COMPACT_SHARE; figures: benchmarks/README.md)
    except _Discard:
        return report
    stage.done("compaction and swap")
    report.committed = True
    report.triples = sum(sizes[iri] for iri, outcome in candidates.items() if outcome.status == "landed")
    return report


def _live_reviews(gs: GraphStore) -> int:
    """How many reviews the live store holds (0 when there is none yet)."""
    try:
        return gs.count_of_type(f"{DHR}Review")
    except DhrGraphError:  # no store yet (or one that writing() will report on)
        return 0
    finally:
        gs.close()


def _write_chunk(chunk: list[ReviewGraph], loader: BackgroundLoad, validator: Validator,
                 batches: dict[str, tuple[ShapeResult, ...]] | None) -> None:
    """Queue a chunk of review graphs for the working copy; with `batches`, validate it now too."""
    loader.put("".join(rg.nquads for rg in chunk))
    if batches is not None:
        _validate_chunk(chunk, validator, batches)


def _validate_chunk(chunk: Sequence[ReviewGraph], validator: Validator,
                    batches: dict[str, tuple[ShapeResult, ...]]) -> None:
    """Validate only what changed: when a build changes a few reviews of a large store, checking
    its new graphs in batches with the reference data (`Validator.validate_many`) costs what they
    cost, where checking in the working copy would go over every review stored. The shapes
    compare no review with another, so the verdicts are the same (validation.py)."""
    for result in validator.validate_many(chunk):
        if result.graph is not None:
            batches[result.graph] = result.results


@dataclass
class PageRead:
    """One input read: the outcome of every review in it (in report order), and each review that
    was parsed with its outcome and its RDF (`_review_rdf`; None when it could not be made)."""

    outcomes: list[PageOutcome]
    reviews: list[tuple[PageOutcome, Review, tuple[str, str, frozenset[str]] | None]]
    pins_used: frozenset[tuple[str, str]] = frozenset()  # curation pins this input used (Curation.used)


def _read_page(page: Path, *, strict: bool, toolkit: Toolkit, names: Known, generated_at: str) -> PageRead:
    """Parse, resolve, classify and write one input as N-Quads: what a build's worker processes do
    (pagereader.py), so everything here must be picklable, and what it changes in the toolkit (the
    curation pins used) is returned, since a worker's toolkit is its own copy."""
    report = BuildReport(pages=[], store="")
    cur = toolkit.curation
    before = set(cur.used) if cur else set()
    reviews = [(outcome, review, _review_rdf(review, toolkit, generated_at, outcome))
               for outcome, review in _read(page, strict, report, names)]
    return PageRead(report.pages, reviews, frozenset(cur.used - before) if cur else frozenset())


def _read(page: Path, strict: bool, report: BuildReport, known: Known | None = None
          ) -> Iterator[tuple[PageOutcome, Review]]:
    """The reviews of one input (a page, or a JSON/CSV records file), each with its outcome in
    `report`; what cannot be read is reported there and not yielded."""
    if is_records_file(page):
        try:
            records = load_records(page)
        except DhrGraphError as exc:
            report.pages.append(PageOutcome(path=str(page), status="error", messages=[str(exc)]))
            return
        for message in records.errors:
            report.pages.append(PageOutcome(path=str(page), status="error", messages=[message]))
        for where, review in records.reviews:
            outcome = PageOutcome(path=where, status="error")
            report.pages.append(outcome)
            if strict and review.warnings:
                outcome.messages.append(f"{review.warnings[0]} (--strict)")
                continue
            outcome.messages.extend(f"warning: {w}" for w in review.warnings)
            yield outcome, review
        return
    outcome = PageOutcome(path=str(page), status="error")
    report.pages.append(outcome)
    try:
        review = parse_page(page, strict=strict, known=known)
    except DhrGraphError as exc:
        outcome.messages.append(str(exc))
        return
    outcome.messages.extend(f"warning: {w}" for w in review.warnings)
    yield outcome, review


_RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
_RECOMMENDATION = ox.NamedNode(f"{DHR}Recommendation")


def _may_replace(work: ox.Store, graph_iri: str, recs: frozenset[str], outcome: PageOutcome,
                 allow_shrink: bool) -> bool:
    """False (with the reason in `outcome`) when the page would drop recommendations that the
    stored version of its review has: a truncated copy must not silently shrink a review."""
    stored = {q.subject.value for q in work.quads_for_pattern(None, _RDF_TYPE, _RECOMMENDATION,
                                                               ox.NamedNode(graph_iri))
              if isinstance(q.subject, ox.NamedNode)}
    missing = sorted(stored - recs)
    if not missing:
        return True
    numbers = ", ".join(m.rsplit("/", 1)[-1] for m in missing[:3]) + (", …" if len(missing) > 3 else "")
    what = (f"{outcome.path}: has {len(recs)} recommendations where the stored review {outcome.review_key} "
            f"has {len(stored)}; replacing it would drop {len(missing)} ({numbers})")
    if allow_shrink:
        outcome.messages.append(f"warning: {what} (--allow-shrink)")
        return True
    outcome.status = "refused"
    outcome.messages.append(f"{what}; left out, the stored review is kept (--allow-shrink replaces it)")
    return False


def _same_review_twice(earlier: PageOutcome, had: frozenset[str], outcome: PageOutcome,
                       recs: frozenset[str], review: Review) -> bool:
    """Two inputs of one run have one review key (identity.py): True when the new one should replace
    the earlier (it has every recommendation the earlier has, and more). The input left out says why."""
    same = f"same review key ({outcome.review_key}) as {{}}"
    if recs == had or not (recs > had or recs < had):  # not one the other's truncated copy
        outcome.status = "refused" if recs != had else outcome.status
        outcome.messages.append(same_key_message(outcome.path, earlier.path, review))
        return False
    if recs > had:
        earlier.status = "refused"
        earlier.messages.append(
            f"{earlier.path}: {same.format(outcome.path)}, which has {len(recs)} recommendations to "
            f"this page's {len(had)}; left out, the fuller page is kept")
        return True
    outcome.status = "refused"
    outcome.messages.append(
        f"{outcome.path}: {same.format(earlier.path)}, which has {len(had)} recommendations to this "
        f"page's {len(recs)}; left out, the fuller page is kept")
    return False


def _review_rdf(review: Review, tk: Toolkit, generated_at: str,
                outcome: PageOutcome) -> tuple[str, str, frozenset[str]] | None:
    """(graph IRI, N-Quads, recommendation IRIs) of one review, or None with the reason in `outcome`."""
    try:
        graph_iri, nquads = review_nquads(tk.enrich(review), tk.minter, generated_at)
    except DhrGraphError as exc:
        outcome.messages.append(str(exc))
        return None
    outcome.review_key = key = graph_iri.rsplit("/", 1)[-1]
    return graph_iri, nquads, frozenset(recommendation_iris(review.recommendations, key, tk.minter))


CHUNK = 250  # reviews per bulk load: keeps memory flat, and loads overlap with parsing
# A build compacts the whole working copy (GraphStore.writing) when its pages are at least a
# tenth of the reviews stored: compacting 20,000 reviews for a handful of new pages would cost
# as much as the whole store on every small update, where RocksDB's own background compaction
# keeps the few files such a build adds in order.
COMPACT_SHARE = 10


class _Stages:
    """Wall time of each stage of a build, logged as it ends (benchmarks/bench_scale.py reads
    these lines to see how each stage grows with the corpus)."""

    def __init__(self) -> None:
        self.last = time.perf_counter()

    def done(self, name: str) -> None:
        now = time.perf_counter()
        logger.info("build stage: %s: %.2f s", name, now - self.last)
        self.last = now


class _Discard(Exception):
    """Nothing is to land: the working copy is thrown away and the store stays as it was."""

