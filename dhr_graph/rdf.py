"""Turn an enriched review into RDF: one rdflib graph per review, with its provenance.

Everything derived from one page goes into that page's named graph, so re-ingesting the page
replaces exactly that graph. Only the `prov:generatedAtTime` value differs between two
builds of the same page; set SOURCE_DATE_EPOCH to pin it for byte-identical output.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, SKOS, XSD

from . import __version__
from .iris import DHR, Minter
from .records import EnrichedReview, Resolution

TOOL_IRI = URIRef("https://w3id.org/dhr-graph/def/tool/dhr-graph")


def build_time() -> str:
    """Build timestamp; honours SOURCE_DATE_EPOCH (reproducible-builds convention)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def review_key(enriched: EnrichedReview, minter: Minter) -> str:
    r = enriched.review
    return minter.review_key(r.csp, r.published, r.year_of_death)


def review_graph(enriched: EnrichedReview, minter: Minter, generated_at: str | None = None) -> tuple[str, Graph]:
    """Return (named-graph IRI, graph) for one review."""
    review = enriched.review
    key = review_key(enriched, minter)
    g = Graph(store="SimpleMemory")  # one review, no contexts needed: about 2x faster to fill
    add = g.add
    rv = URIRef(minter.review(key))
    gname = URIRef(minter.review_graph(key))
    csp = URIRef(minter.partnership(review.csp))

    add((rv, RDF.type, DHR.Review))
    add((rv, DCTERMS.identifier, Literal(key)))
    if review.title:
        add((rv, DCTERMS.title, Literal(review.title)))
    add((rv, DHR.partnership, csp))
    add((csp, RDF.type, DHR.CommunitySafetyPartnership))
    add((csp, SKOS.prefLabel, Literal(review.csp)))
    if review.published:
        add((rv, DCTERMS.issued, Literal(review.published, datatype=XSD.gYearMonth)))
    if review.year_of_death is not None:
        add((rv, DHR.yearOfDeath, Literal(f"{review.year_of_death:04d}", datatype=XSD.gYear)))
    if review.extracted_count is not None:
        add((rv, DHR.extractedCount, Literal(review.extracted_count, datatype=XSD.nonNegativeInteger)))
    if review.summary:
        add((rv, DCTERMS.abstract, Literal(review.summary)))
    if review.source:
        add((rv, DHR.sourceLabel, Literal(review.source)))

    # provenance of the graph itself
    add((gname, RDF.type, PROV.Entity))
    add((gname, DCTERMS.subject, rv))
    add((gname, DHR.sourceFile, Literal(Path(review.source_path).name)))
    if review.sha256:
        add((gname, DHR.sourceChecksum, Literal(review.sha256)))
    add((gname, PROV.wasAttributedTo, TOOL_IRI))
    add((gname, PROV.generatedAtTime, Literal(generated_at or build_time(), datatype=XSD.dateTime)))
    add((gname, DCTERMS.hasVersion, Literal(f"dhr-graph {__version__}")))

    for position, er in enumerate(enriched.recommendations, start=1):
        rec = er.recommendation
        ri = URIRef(minter.recommendation(key, rec.number))
        add((rv, DHR.recommendation, ri))
        add((ri, RDF.type, DHR.Recommendation))
        add((ri, DHR.review, rv))
        add((ri, DHR.number, Literal(rec.number)))
        add((ri, DHR.position, Literal(position, datatype=XSD.positiveInteger)))
        add((ri, DHR.text, Literal(rec.text)))
        for i, res in enumerate(er.addressees, start=1):
            node = URIRef(minter.addressing(str(ri), i))
            add((ri, DHR.addressedTo, URIRef(res.iri)))
            add((ri, DHR.addressing, node))
            add((node, RDF.type, DHR.Addressing))
            add((node, DHR.position, Literal(i, datatype=XSD.positiveInteger)))
            _resolution(g, node, res)
        for i, res in enumerate(er.mentions, start=1):
            node = URIRef(minter.mention(str(ri), i))
            add((ri, DHR.mentions, URIRef(res.iri)))
            add((ri, DHR.mention, node))
            add((node, RDF.type, DHR.Mention))
            _resolution(g, node, res)
        for ta in er.themes:
            node = URIRef(minter.theme_assignment(str(ri), ta.theme))
            add((ri, DHR.hasTheme, URIRef(ta.theme)))
            add((ri, DHR.themeAssignment, node))
            add((node, RDF.type, DHR.ThemeAssignment))
            add((node, DHR.theme, URIRef(ta.theme)))
            for words in ta.evidence:
                add((node, DHR.evidence, Literal(words)))
    return str(gname), g


def _resolution(g: Graph, node: URIRef, res: Resolution) -> None:
    """The record of how a name was resolved, plus the body itself when it is not registered."""
    agency = URIRef(res.iri)
    g.add((node, DHR.surfaceForm, Literal(res.surface)))
    g.add((node, DHR.addressee, agency))
    g.add((node, DHR.resolutionMethod, Literal(res.method)))
    g.add((node, DHR.confidence, Literal(f"{res.confidence:.2f}", datatype=XSD.decimal)))
    if res.registered:
        return
    g.add((agency, RDF.type, DHR.AddresseeGroup if res.kind == "group" else DHR.Agency))
    if res.kind != "group":
        g.add((agency, RDF.type, ORG.Organization))
    g.add((agency, SKOS.prefLabel, Literal(res.label)))
    g.add((agency, DHR.scope, Literal(res.scope)))
    if res.sector:
        g.add((agency, ORG.classification, URIRef(res.sector)))
    if res.locality:
        g.add((agency, DHR.locality, Literal(res.locality)))
    if res.successor:  # e.g. a CCG named by a review, and the ICB that took over from it
        g.add((agency, DHR.succeededBy, URIRef(res.successor)))
        if res.succession_date:
            g.add((agency, DHR.successionDate, Literal(res.succession_date, datatype=XSD.date)))
