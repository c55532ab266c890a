"""Checks against the real DHRD dataset (Cook & Cook 2026, doi:10.5281/zenodo.21108268, CC BY 4.0).

It lives in ../shared beside the repository on development machines and CI; a user's clone does
not have it, so these tests skip cleanly there.
"""

from __future__ import annotations

import csv

import pytest
from rdflib import Graph
from rdflib.namespace import SKOS

from dhr_graph import resources
from dhr_graph.identity import review_key
from dhr_graph.iris import Minter, slug
from dhr_graph.parser import parse_text
from dhr_graph.records import Recommendation, Review

from .conftest import SHARED_DATA

INCIDENTS = SHARED_DATA / "dhrd" / "incidents.csv"
pytestmark = pytest.mark.skipif(not INCIDENTS.exists(), reason="DHRD dataset (../shared/data/dhrd) not present")


@pytest.fixture(scope="module")
def incidents() -> list[dict[str, str]]:
    with INCIDENTS.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_every_real_partnership_name_gives_a_distinct_safe_iri(incidents):
    names = sorted({row["csp"].strip() for row in incidents if row["csp"].strip()})
    assert len(names) > 100
    slugs = {slug(name) for name in names}
    assert len(slugs) == len(names), "two partnership names collapse to one IRI"
    minter = Minter()
    for name in names:  # the partnership is in a key by the content rule and in the old key
        review = Review("", None, name, "2024-01", 2020, None, None, None, (Recommendation("1", "t", ()),))
        for key in (review_key(review), minter.review_key(name, "2024-01", 2020)):
            iri = minter.review(key)
            assert all(c.isalnum() or c in ":/.-" for c in iri), iri


def test_real_partnership_names_parse_from_the_header(incidents, sample_text):
    for name in sorted({row["csp"].strip() for row in incidents if row["csp"].strip()})[:60]:
        review = parse_text(sample_text.replace("CSP: Southampton", f"CSP: {name}"), "p.txt")
        assert review.csp == name


def test_case_type_scheme_covers_the_dhrd_case_type_flags(incidents):
    flags = {"intimate_partner_violence", "familial_homicide", "parricide", "homicide_suicide"}
    assert flags <= set(incidents[0])
    scheme = Graph().parse(resources.ontology_dir() / "case-types.ttl")
    notes = " ".join(str(o) for o in scheme.objects(None, SKOS.note))
    for flag in flags:
        assert f"DHRD flag: {flag}." in notes, flag
