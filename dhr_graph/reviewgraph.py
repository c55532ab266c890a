"""Turn an enriched review into RDF: one named graph per review, with its provenance.

Everything derived from one page goes into that page's named graph, so re-ingesting the page
replaces exactly that graph. Only the `prov:generatedAtTime` value differs between two
builds of the same page; set SOURCE_DATE_EPOCH to pin it for byte-identical output.

The graph is written as N-Quads text rather than as rdflib or pyoxigraph term objects: a
national build has over a million triples, and formatting a line is about ten times cheaper
than creating the objects, while Oxigraph parses the text natively (validation batches and
the store both load it). `review_graph` gives the same triples as an rdflib Graph for the
few callers that want one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, SKOS, XSD

from . import __version__
from .identity import identify
from .iris import DHR, TOOL_IRI, Minter, recommendation_ids
from .nquads import iri, literal
from .records import EnrichedReview, Recommendation, Resolution
from .terms import to_graph


def build_time() -> str:
    """Build timestamp; honours SOURCE_DATE_EPOCH (reproducible-builds convention)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def review_key(enriched: EnrichedReview, minter: Minter) -> str:
    """The review's key by the identity rule of identity.py (the same under any base IRI)."""
    return identify(enriched.review).key


# the terms every review uses, written once
_T = {name: iri(str(term)) for name, term in {
    "type": RDF.type, "Review": DHR.Review, "identifier": DCTERMS.identifier, "title": DCTERMS.title,
    "partnership": DHR.partnership, "CSP": DHR.CommunitySafetyPartnership, "prefLabel": SKOS.prefLabel,
    "issued": DCTERMS.issued, "yearOfDeath": DHR.yearOfDeath, "extractedCount": DHR.extractedCount,
    "abstract": DCTERMS.abstract, "sourceLabel": DHR.sourceLabel, "Entity": PROV.Entity,
    "subject": DCTERMS.subject, "sourceFile": DHR.sourceFile, "sourceChecksum": DHR.sourceChecksum,
    "recordFile": DHR.recordFile,
    "attributed": PROV.wasAttributedTo, "tool": URIRef(TOOL_IRI), "generated": PROV.generatedAtTime,
    "hasVersion": DCTERMS.hasVersion, "recommendation": DHR.recommendation, "Recommendation": DHR.Recommendation,
    "review": DHR.review, "number": DHR.number, "position": DHR.position, "text": DHR.text,
    "addressedTo": DHR.addressedTo, "addressing": DHR.addressing, "Addressing": DHR.Addressing,
    "mentions": DHR.mentions, "mention": DHR.mention, "Mention": DHR.Mention, "hasTheme": DHR.hasTheme,
    "themeAssignment": DHR.themeAssignment, "ThemeAssignment": DHR.ThemeAssignment, "theme": DHR.theme,
    "evidence": DHR.evidence, "surfaceForm": DHR.surfaceForm, "addressee": DHR.addressee,
    "resolutionMethod": DHR.resolutionMethod, "confidence": DHR.confidence, "AddresseeGroup": DHR.AddresseeGroup,
    "Agency": DHR.Agency, "Organization": ORG.Organization, "scope": DHR.scope,
    "classification": ORG.classification, "locality": DHR.locality, "succeededBy": DHR.succeededBy,
    "successionDate": DHR.successionDate, "area": DHR.area,
}.items()}
_GYM, _INT, _NNI, _PI, _DEC, _DT, _DATE = (str(XSD[n]) for n in (
    "gYearMonth", "integer", "nonNegativeInteger", "positiveInteger", "decimal", "dateTime", "date"))


def recommendation_iris(recs: Sequence[Recommendation], key: str, minter: Minter) -> list[str]:
    """The IRI of each recommendation of the review `key`, in table order: by number, or by number
    and addressees where numbers recur (iris.recommendation_ids). The build asks it too, to see what a
    page would drop from a stored review."""
    segments = recommendation_ids([(r.number, r.addressed_to, r.text) for r in recs])
    return [minter.recommendation(key, r.number, segment) for r, segment in zip(recs, segments)]


def review_nquads(enriched: EnrichedReview, minter: Minter, generated_at: str | None = None) -> tuple[str, str]:
    """Return (named-graph IRI, N-Quads text) for one review; each triple once, in a stable order."""
    review = enriched.review
    key = review_key(enriched, minter)
    t = _T
    graph_iri = minter.review_graph(key)
    tail = f" {iri(graph_iri)} .\n"
    lines: dict[str, None] = {}  # ordered set: a body named twice is described once

    def add(s: str, p: str, o: str) -> None:
        lines[f"{s} {p} {o}{tail}"] = None

    rv = iri(minter.review(key))
    gname = iri(graph_iri)
    csp = iri(minter.partnership(review.csp))
    add(rv, t["type"], t["Review"])
    add(rv, t["identifier"], literal(key))
    if review.title:
        add(rv, t["title"], literal(review.title))
    add(rv, t["partnership"], csp)
    add(csp, t["type"], t["CSP"])
    add(csp, t["prefLabel"], literal(review.csp))
    for area in enriched.extra.get("csp_areas", ()):  # type: ignore[attr-defined]
        add(csp, t["area"], iri(str(area)))  # the ONS CSP area (registry/area/E22...), see geography.py
    if review.published:
        add(rv, t["issued"], literal(review.published, _GYM))
    if review.year_of_death is not None:
        add(rv, t["yearOfDeath"], literal(str(review.year_of_death), _INT))  # an integer: OWL 2 has no year type
    if review.extracted_count is not None:
        add(rv, t["extractedCount"], literal(str(review.extracted_count), _NNI))
    if review.summary:
        add(rv, t["abstract"], literal(review.summary))
    if review.source:
        add(rv, t["sourceLabel"], literal(review.source))

    # provenance of the graph itself
    add(gname, t["type"], t["Entity"])
    add(gname, t["subject"], rv)
    source_file = Path(review.source_path).name or Path(review.record_file or "").name
    if source_file:  # a record with no page of its own has its records file as its source
        add(gname, t["sourceFile"], literal(source_file))
    if review.record_file:  # built from a records file a person may have corrected (record_io.py)
        add(gname, t["recordFile"], literal(Path(review.record_file).name))
    if review.sha256:
        add(gname, t["sourceChecksum"], literal(review.sha256))
    add(gname, t["attributed"], t["tool"])
    add(gname, t["generated"], literal(generated_at or build_time(), _DT))
    add(gname, t["hasVersion"], literal(f"dhr-graph {__version__}"))

    rec_iris = recommendation_iris([er.recommendation for er in enriched.recommendations], key, minter)
    for position, (er, rec_iri) in enumerate(zip(enriched.recommendations, rec_iris), start=1):
        rec = er.recommendation
        ri = iri(rec_iri)
        add(rv, t["recommendation"], ri)
        add(ri, t["type"], t["Recommendation"])
        add(ri, t["review"], rv)
        add(ri, t["number"], literal(rec.number))
        add(ri, t["position"], literal(str(position), _PI))
        add(ri, t["text"], literal(rec.text))
        for i, res in enumerate(er.addressees, start=1):
            node = iri(minter.addressing(rec_iri, i))
            add(ri, t["addressedTo"], iri(res.iri))
            add(ri, t["addressing"], node)
            add(node, t["type"], t["Addressing"])
            add(node, t["position"], literal(str(i), _PI))
            _resolution(add, node, res)
        for i, res in enumerate(er.mentions, start=1):
            node = iri(minter.mention(rec_iri, i))
            add(ri, t["mentions"], iri(res.iri))
            add(ri, t["mention"], node)
            add(node, t["type"], t["Mention"])
            _resolution(add, node, res)
        for ta in er.themes:
            node = iri(minter.theme_assignment(rec_iri, ta.theme))
            theme = iri(ta.theme)
            add(ri, t["hasTheme"], theme)
            add(ri, t["themeAssignment"], node)
            add(node, t["type"], t["ThemeAssignment"])
            add(node, t["theme"], theme)
            for words in ta.evidence:
                add(node, t["evidence"], literal(words))
    return graph_iri, "".join(lines)


def _resolution(add: Callable[[str, str, str], None], node: str, res: Resolution) -> None:
    """The record of how a name was resolved, plus the body itself when it is not registered."""
    t = _T
    agency = iri(res.iri)
    add(node, t["surfaceForm"], literal(res.surface))
    add(node, t["addressee"], agency)
    add(node, t["resolutionMethod"], literal(res.method))
    add(node, t["confidence"], literal(f"{res.confidence:.2f}", _DEC))
    if res.registered:
        return
    add(agency, t["type"], t["AddresseeGroup"] if res.kind == "group" else t["Agency"])
    if res.kind != "group":
        add(agency, t["type"], t["Organization"])
    add(agency, t["prefLabel"], literal(res.label))
    add(agency, t["scope"], literal(res.scope))
    if res.sector:
        add(agency, t["classification"], iri(res.sector))
    if res.locality:
        add(agency, t["locality"], literal(res.locality))
    if res.successor:  # e.g. a CCG named by a review, and the ICB that took over from it
        add(agency, t["succeededBy"], iri(res.successor))
        if res.succession_date:
            add(agency, t["successionDate"], literal(res.succession_date, _DATE))


def nquads_graph(nquads: str) -> Graph:
    """N-Quads text of one named graph -> an rdflib Graph of its triples (for pySHACL, tests, exports),
    every literal as written (terms.py)."""
    return to_graph(ox.parse(nquads.encode("utf-8"), format=ox.RdfFormat.N_QUADS))


def review_graph(enriched: EnrichedReview, minter: Minter, generated_at: str | None = None) -> tuple[str, Graph]:
    """Return (named-graph IRI, rdflib Graph) for one review: `review_nquads`, parsed."""
    graph_iri, text = review_nquads(enriched, minter, generated_at)
    return graph_iri, nquads_graph(text)
