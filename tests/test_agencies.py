"""Agency registry and resolution: aliases, acronyms, successions, scoping, groups, mentions,
user registry files, coverage, and the addressees of the reference page."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import ORG, RDF, SKOS

from dhr_graph.agencies import Registry, normalise, without_nhs
from dhr_graph.cli.agencies import group
from dhr_graph.iris import DHR, REGISTRY, SCHEME, Minter
from dhr_graph.parser import parse_page

DATA = Path(__file__).resolve().parent / "data" / "agencies"
USER_REGISTRY = DATA / "user-registry.ttl"
AG = Namespace(f"{REGISTRY}agency/")
SECTOR = Namespace(f"{SCHEME}sector/")




def resolve(registry: Registry, minter: Minter, name: str, csp: str = "Southampton"):
    return registry.resolve(name, csp, "2024-01", minter)


# ---------------------------------------------------------------- normalisation


@pytest.mark.parametrize("name, key", [
    ("The Home Office", "home office"),
    ("Devon & Cornwall Police", "devon and cornwall police"),
    ("Children’s Services", "childrens services"),
    ("Dyfed-Powys  Police", "dyfed powys police"),
    ("  SOUTHAMPTON City Council. ", "southampton city council"),
])
def test_normalise(name: str, key: str) -> None:
    assert normalise(name) == key


def test_nhs_is_only_dropped_when_enough_is_left() -> None:
    assert without_nhs("southern health nhs foundation trust") == "southern health foundation trust"
    assert without_nhs("nhs england") is None
    assert without_nhs("home office") is None


# ---------------------------------------------------------------- aliases and acronyms


@pytest.mark.parametrize("name, slug, method", [
    ("Southern Health NHS Foundation Trust", "southern-health-nhs-foundation-trust", "exact"),
    ("Southern Health Foundation Trust", "southern-health-nhs-foundation-trust", "alias"),
    ("the Home Office", "home-office", "exact"),
    ("GMP", "greater-manchester-police", "acronym"),
    ("the Met", "metropolitan-police-service", "alias"),
    ("MPS", "metropolitan-police-service", "acronym"),
    ("Devon & Cornwall Police", "devon-and-cornwall-police", "exact"),
    ("Hampshire Constabulary", "hampshire-and-isle-of-wight-constabulary", "alias"),
    ("Department of Health", "department-of-health-and-social-care", "alias"),
    ("HMPPS", "hm-prison-and-probation-service", "acronym"),
    ("CQC", "care-quality-commission", "acronym"),
    ("Royal College of General Practice", "royal-college-of-general-practitioners", "alias"),
    ("4LSAB", "four-lsab", "acronym"),
    ("Southampton Safer City Partnership Board", "southampton-safe-city-partnership", "alias"),
])
def test_registered_names(registry: Registry, minter: Minter, name: str, slug: str, method: str) -> None:
    res = resolve(registry, minter, name)
    assert res.iri == str(AG) + slug
    assert res.method == method
    assert res.registered and res.kind == "organisation"
    assert res.confidence >= 0.95


def test_nhs_england_is_not_england(registry: Registry, minter: Minter) -> None:
    assert resolve(registry, minter, "NHS England").iri == str(AG) + "nhs-england"
    assert resolve(registry, minter, "England").method == "verbatim"


def test_parenthetical_alias(registry: Registry, minter: Minter) -> None:
    res = resolve(registry, minter, "Better Care Board (Health and Wellbeing Board)")
    assert res.iri == str(AG) + "southampton-health-and-wellbeing-board"
    assert res.confidence < 1.0  # matched on a part of the name, and says so


def test_area_only_names_need_their_area(registry: Registry, minter: Minter) -> None:
    ssab = resolve(registry, minter, "SSAB", "Southampton")
    assert ssab.iri == str(AG) + "southampton-safeguarding-adults-board"
    elsewhere = resolve(registry, minter, "SSAB", "Sheffield")
    assert elsewhere.iri != ssab.iri and not elsewhere.registered
    assert resolve(registry, minter, "Safer Cities Board", "Southampton").iri == str(AG) + "southampton-safe-city-partnership"
    assert resolve(registry, minter, "Safer Cities Board", "Leeds").iri != str(AG) + "southampton-safe-city-partnership"
    assert resolve(registry, minter, "the Local Authority", "Southampton").iri == str(AG) + "southampton-city-council"


# ---------------------------------------------------------------- renames and successions


def test_registered_ccg_keeps_its_identity_and_links_its_successor(registry: Registry, minter: Minter) -> None:
    res = registry.resolve("NHS Southampton City CCG", "Southampton", "2023-05", minter)
    assert res.iri == str(AG) + "southampton-city-ccg" and res.succession_date == "2021-04-01"
    assert res.successor == str(AG) + "hampshire-southampton-and-isle-of-wight-ccg"
    merged = registry.entry(res.successor)
    assert merged is not None and merged.successor == str(AG) + "hampshire-and-isle-of-wight-icb"
    date = registry.graph.value(URIRef(res.successor), DHR.successionDate)
    assert str(date) == "2022-07-01"


@pytest.mark.parametrize("name, ccg, icb", [
    ("NHS Bolton CCG", "bolton-ccg", "greater-manchester-icb"),
    ("Bolton Clinical Commissioning Group", "bolton-ccg", "greater-manchester-icb"),
    ("NHS Vale of York Clinical Commissioning Group", "vale-of-york-ccg", "humber-and-north-yorkshire-icb"),
    ("Kernow CCG", "kernow-ccg", "cornwall-and-the-isles-of-scilly-icb"),
    ("NHS Tameside & Glossop CCG", "tameside-and-glossop-ccg", "greater-manchester-icb"),
])
def test_ccg_rule_maps_any_ccg_to_its_icb(registry: Registry, minter: Minter, name: str, ccg: str, icb: str) -> None:
    res = registry.resolve(name, "Anywhere", "2024-01", minter)
    assert res.iri == str(AG) + ccg
    assert res.successor == str(AG) + icb
    assert res.method == "pattern" and res.sector == str(SECTOR) + "health-commissioner"
    assert res.succession_date == "2022-07-01"
    assert not res.registered  # the RDF builder writes its label, sector and successor


def test_generic_ccg_is_succeeded_by_the_areas_generic_icb(registry: Registry, minter: Minter) -> None:
    # an area the geography does not know (a fictional one) keeps the scoped generic names
    ccg = resolve(registry, minter, "the CCG", "Westhaven")
    icb = resolve(registry, minter, "Integrated Care Board", "Westhaven")
    assert ccg.method == "generic" and ccg.successor == icb.iri and ccg.succession_date == "2022-07-01"
    assert icb.successor is None and icb.succession_date is None


def test_renamed_national_bodies(registry: Registry, minter: Minter) -> None:
    nps = resolve(registry, minter, "National Probation Service")
    assert nps.successor == str(AG) + "probation-service"
    phe = resolve(registry, minter, "PHE")
    assert phe.successor == str(AG) + "uk-health-security-agency"


# ---------------------------------------------------------------- scoping and groups


@pytest.mark.parametrize("name", ["Police", "Integrated Care Board", "the Local Authority", "GP practice",
                                  "Children's Services"])
def test_generic_names_are_scoped_to_the_partnership(registry: Registry, minter: Minter, name: str) -> None:
    # outside the known geography (fictional areas), or where the area has no one such body
    a = resolve(registry, minter, name, "Westhaven")
    b = resolve(registry, minter, name, "Eastbury")
    assert a.iri != b.iri
    assert a.method == b.method == "generic"
    assert a.sector == b.sector and a.sector is not None
    assert a.scope == "local" and a.locality == "Westhaven" and not a.registered
    assert a.iri.startswith(minter.base) and "/westhaven/" in a.iri


@pytest.mark.parametrize("name, sector", [
    ("Housing Providers", "housing"),
    ("All agencies", "unspecified"),
    ("Multiple Agencies", "unspecified"),
    ("All health professionals with access to a GP record", "health-provider"),
    ("GP practices", "health-provider"),
])
def test_groups_are_groups_and_never_shared(registry: Registry, minter: Minter, name: str, sector: str) -> None:
    a = resolve(registry, minter, name, "Leeds")
    b = resolve(registry, minter, name, "Bradford")
    assert a.kind == b.kind == "group"
    assert a.iri != b.iri
    assert a.sector == str(SECTOR) + sector


# ---------------------------------------------------------------- patterns, fuzzy, verbatim


@pytest.mark.parametrize("name, sector", [
    ("Westhaven Teaching Hospitals NHS Trust", "health-provider"),
    ("Westhaven Town Council", "local-authority"),
    ("Safer Westhaven Community Safety Partnership", "partnership"),
    ("Leeds Safeguarding Adults Board", "partnership"),
    ("Unity Housing Association", "housing"),
    ("Leeds Women's Aid", "specialist-voluntary"),
    ("West Yorkshire Fire and Police Liaison", "police"),
])
def test_patterns_type_unknown_bodies(registry: Registry, minter: Minter, name: str, sector: str) -> None:
    res = resolve(registry, minter, name, "Leeds")
    assert res.method == "pattern"
    assert res.sector == str(SECTOR) + sector
    assert res.iri == minter.local_agency("Leeds", name)
    assert 0 < res.confidence < 1


def test_fuzzy_accepts_typos_but_not_other_places(registry: Registry, minter: Minter) -> None:
    typo = resolve(registry, minter, "Southern Helth NHS Foundation Trust")
    assert typo.method == "fuzzy" and typo.iri == str(AG) + "southern-health-nhs-foundation-trust"
    assert 0.88 <= typo.confidence < 1
    other = resolve(registry, minter, "North Somerset Police", "Bristol")
    assert other.method == "pattern"  # not a misspelling of any registered force
    cands = registry.candidates("Southamton City Council", "Southampton")
    assert cands and cands[0][0].iri == str(AG) + "southampton-city-council"


def test_verbatim_is_scoped(registry: Registry, minter: Minter) -> None:
    res = resolve(registry, minter, "Frobnicate Ltd", "Leeds")
    assert res.method == "verbatim" and res.iri == minter.local_agency("Leeds", "Frobnicate Ltd")
    assert res.sector == str(SECTOR) + "unspecified"


# ---------------------------------------------------------------- mentions


def test_mentions_in_text(registry: Registry, minter: Minter) -> None:
    text = ("The SSAB and the CCG will ask Southern Health Foundation Trust and GMP to report to "
            "the Home Office. Respect the wishes of the family; police officers met the GP.")
    found = registry.mentions(text, "Southampton", "2024-01", minter)
    iris = [r.iri for r in found]
    assert iris == [
        str(AG) + "southampton-safeguarding-adults-board",
        str(AG) + "hampshire-southampton-and-isle-of-wight-ccg",  # the area's CCG on its last day
        str(AG) + "southern-health-nhs-foundation-trust",
        str(AG) + "greater-manchester-police",
        str(AG) + "home-office",
    ]
    assert [r.surface for r in found][:3] == ["SSAB", "CCG", "Southern Health Foundation Trust"]


def test_mentions_skip_lower_case_and_groups(registry: Registry, minter: Minter) -> None:
    text = "All agencies should tell the police and nice people at the home office."
    assert registry.mentions(text, "Leeds", None, minter) == ()


# ---------------------------------------------------------------- user registry files


def test_user_registry_adds_bodies_aliases_and_groups(minter: Minter) -> None:
    reg = Registry.load(extra=[USER_REGISTRY])
    assert USER_REGISTRY in reg.source_files()
    council = reg.resolve("Westhaven Council", "Westhaven", None, minter)
    assert council.iri == "https://example.org/registry/westhaven-borough-council" and council.registered
    assert reg.resolve("WBC", "Westhaven", None, minter).iri == council.iri
    assert reg.resolve("WBC", "Eastbury", None, minter).iri != council.iri
    forum = reg.resolve("Westhaven Domestic Abuse Forum", "Westhaven", None, minter)
    assert forum.successor == "https://example.org/registry/westhaven-domestic-abuse-partnership"
    assert reg.resolve("Home Office Interpersonal Abuse Unit", "x", None, minter).iri == str(AG) + "home-office"
    assert reg.resolve("Faith communities", "Westhaven", None, minter).kind == "group"
    # the bundled registry is unchanged
    assert Registry.load().resolve("WBC", "Westhaven", None, minter).method == "verbatim"


def test_bad_user_registry_is_one_clear_error(tmp_path: Path) -> None:
    from dhr_graph.errors import InputError

    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle", encoding="utf-8")
    with pytest.raises(InputError, match="bad.ttl"):
        Registry.load(extra=[bad])


# ---------------------------------------------------------------- coverage of the registry


def test_coverage_police_and_icbs(registry: Registry) -> None:
    g = registry.graph
    police = [s for s in g.subjects(ORG.classification, SECTOR.term("police")) if (s, RDF.type, DHR.Agency) in g]
    territorial = [s for s in police if str(g.value(s, DHR.scope)) == "local"]
    assert len(territorial) == 43
    assert URIRef(str(AG) + "british-transport-police") in police
    icbs = {s for s in g.subjects(DHR.commissioningArea, None)}
    assert len(icbs) == 42
    for icb in icbs:
        assert str(g.value(icb, SKOS.prefLabel)).endswith("Integrated Care Board")
        assert g.value(icb, ORG.classification) == SECTOR.term("health-commissioner")


@pytest.mark.parametrize("name", [
    "Home Office", "HM Government", "Department of Health and Social Care", "Ministry of Justice",
    "Department for Work and Pensions", "NHS England", "The Probation Service", "HMPPS", "CQC", "NICE",
    "College of Policing", "Domestic Abuse Commissioner", "RCGP", "Local Government Association",
])
def test_national_bodies(registry: Registry, minter: Minter, name: str) -> None:
    res = resolve(registry, minter, name, "Leeds")
    assert res.registered and res.scope == "national" and res.method in ("exact", "alias", "acronym")


def test_every_registered_body_is_well_formed(registry: Registry) -> None:
    g = registry.graph
    sectors = set(g.subjects(RDF.type, DHR.Sector))
    assert len(sectors) == 11
    for body in set(g.subjects(RDF.type, DHR.Agency)):
        assert g.value(body, SKOS.prefLabel) is not None, body
        assert g.value(body, ORG.classification) in sectors, body
        assert str(g.value(body, DHR.scope)) in ("national", "local"), body
        if str(g.value(body, DHR.scope)) == "local":
            assert g.value(body, DHR.locality) is not None or g.value(body, DHR.servesArea) is not None, body
        successor = g.value(body, DHR.succeededBy)
        if successor is not None:
            assert (successor, RDF.type, DHR.Agency) in g and g.value(body, DHR.successionDate) is not None


def test_registry_files_parse_alone() -> None:
    for path in Registry.load().source_files():
        assert len(Graph().parse(path, format="turtle")) > 0


# ---------------------------------------------------------------- pages


def _addressees(registry: Registry, minter: Minter, page: Path) -> tuple[object, Counter[str]]:
    review = parse_page(page)
    counts: Counter[str] = Counter()
    for rec in review.recommendations:
        for iri in {registry.resolve(a, review.csp, review.published, minter).iri for a in rec.addressed_to}:
            counts[iri] += 1
    return review, counts


def test_reference_page(registry: Registry, minter: Minter, sample_page: Path) -> None:
    review, counts = _addressees(registry, minter, sample_page)
    icb = str(AG) + "hampshire-and-isle-of-wight-icb"  # "Integrated Care Board": the area's real ICB
    assert counts == {
        str(AG) + "southern-health-nhs-foundation-trust": 6,
        str(AG) + "southampton-city-council": 5,
        icb: 5,
        str(AG) + "southampton-safe-city-partnership": 3,
        str(AG) + "home-office": 2,
        str(AG) + "southampton-safeguarding-adults-board": 2,
        str(AG) + "solent-nhs-trust": 2,
        str(AG) + "university-hospital-southampton-nhs-foundation-trust": 1,
        str(AG) + "southampton-health-and-wellbeing-board": 1,
        str(AG) + "four-lsab": 1,
    }
    # nothing on the reference page falls through to patterns, fuzzy matching or verbatim
    methods = {registry.resolve(a, review.csp, review.published, minter).method
               for rec in review.recommendations for a in rec.addressed_to}
    assert methods <= {"exact", "alias", "acronym", "area"}


def test_reference_page_mentions(registry: Registry, minter: Minter, sample_page: Path) -> None:
    review = parse_page(sample_page)
    by_number = {r.number: {m.iri for m in registry.mentions(r.text, review.csp, review.published, minter)}
                 for r in review.recommendations}
    assert str(AG) + "southern-health-nhs-foundation-trust" in by_number["9.12"]
    assert str(AG) + "hampshire-southampton-and-isle-of-wight-ccg" in by_number["9.17"]
    assert by_number["9.9"] == {str(AG) + "southampton-safe-city-partnership",
                                str(AG) + "southampton-safeguarding-adults-board"}
    assert str(AG) + "national-institute-for-health-and-care-excellence" in by_number["9.8"]
    assert by_number["9.10"] == set()


def test_synthetic_pages_in_two_areas(registry: Registry, minter: Minter) -> None:
    west, west_counts = _addressees(registry, minter, DATA / "synthetic-westhaven-2023.txt")
    east, east_counts = _addressees(registry, minter, DATA / "synthetic-eastbury-2022.txt")
    shared = set(west_counts) & set(east_counts)
    # only named bodies link the two reviews: never "Police", "All agencies" or other generic names
    assert shared == {str(AG) + "greater-manchester-police", str(AG) + "bolton-ccg", str(AG) + "home-office"}
    assert len(west_counts) == len(east_counts) == 10


# ---------------------------------------------------------------- CLI


def test_cli_resolve_json() -> None:
    result = CliRunner().invoke(group, ["resolve", "Southern Health Foundation Trust", "--csp", "Southampton",
                                        "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"surface", "label", "iri", "sector", "kind", "scope", "method", "confidence"}
    assert data["label"] == "Southern Health NHS Foundation Trust"
    assert data["kind"] == "organisation" and data["scope"] == "local" and data["method"] == "alias"


def test_cli_resolve_text_with_user_registry() -> None:
    result = CliRunner().invoke(group, ["resolve", "WBC", "--csp", "Westhaven", "--registry", str(USER_REGISTRY)])
    assert result.exit_code == 0, result.output
    assert "Westhaven Borough Council" in result.output and "alias" in result.output


def test_cli_resolve_group() -> None:
    result = CliRunner().invoke(group, ["resolve", "All agencies", "--csp", "Leeds", "--format", "json"])
    data = json.loads(result.output)
    assert data["kind"] == "group" and data["scope"] == "local"


# ---------------------------------------------------------------- store: unresolved names and sector share


@pytest.fixture(scope="module")
def agency_store(tmp_path_factory, sample_page: Path) -> Path:
    """A store of the reference page and the two synthetic pages, with all reference graphs.

    Built stage by stage (parse, enrich, RDF, store) so these tests exercise resolution and
    the queries, not SHACL validation.
    """
    from dhr_graph.pipeline import Toolkit
    from dhr_graph.reviewgraph import review_graph
    from dhr_graph.inputfiles import turtle_quads
    from dhr_graph.iris import reference_graph_iri
    from dhr_graph.store import GraphStore
    from dhr_graph.terms import to_quads

    tk = Toolkit.load()
    staged = {}
    for page in (sample_page, DATA / "synthetic-westhaven-2023.txt", DATA / "synthetic-eastbury-2022.txt"):
        iri, graph = review_graph(tk.enrich(parse_page(page)), tk.minter, "2025-01-01T00:00:00Z")
        staged[iri] = to_quads(graph, iri)
    for ref in tk.reference_files():
        staged[reference_graph_iri(ref)] = turtle_quads(ref, reference_graph_iri(ref))
    path = tmp_path_factory.mktemp("agencies") / "store"
    GraphStore(path).replace(staged)
    return path


def test_cli_unresolved(agency_store: Path) -> None:
    """Only names that reached no registered body: a typo close to a registered name (fuzzy) did
    reach one; generic names in the two fictional areas (no ONS geography) did not."""
    result = CliRunner().invoke(group, ["unresolved", "--store", str(agency_store), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["surface"]: r for r in json.loads(result.output)}
    assert {(s, r["method"], r["count"], r["reviews"]) for s, r in rows.items()} == {
        ("NHS Bolton CCG", "pattern", 2, 2),
        ("Westhaven Women's Refuge", "pattern", 1, 1),
        ("Eastbury Women's Refuge", "pattern", 1, 1),
        ("Police", "generic", 2, 2),
        ("Integrated Care Board", "generic", 2, 2),
    }
    assert "Greater Manchester Polce" not in rows  # fuzzy, but it reached Greater Manchester Police
    police = rows["Police"]
    assert police["resolved_to"].startswith("Police (")
    table = CliRunner().invoke(group, ["unresolved", "--store", str(agency_store), "--method", "generic"])
    assert table.exit_code == 0
    assert "Integrated Care Board" in table.output and "Refuge" not in table.output


def test_cli_unresolved_without_store(tmp_path: Path) -> None:
    from dhr_graph.cli import main

    result = CliRunner().invoke(main, ["agencies", "unresolved", "--store", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "no dhr-graph store here" in result.output


def test_sector_share(agency_store: Path) -> None:
    from dhr_graph.queries import run_named
    from dhr_graph.store import GraphStore

    rows = {r["sector"].rsplit("/", 1)[-1]: r for r in
            run_named(GraphStore(agency_store), "sector-share", csp="Southampton").values()}
    # 18 recommendations; 9.3 and 9.8 count for both health providers and health commissioners
    assert {k: int(v["recommendations"]) for k, v in rows.items()} == {
        "health-provider": 7, "health-commissioner": 5, "local-authority": 5, "partnership": 4,
        "national-government": 2,
    }
    assert float(rows["health-provider"]["percent"]) == pytest.approx(38.9)
    everything = run_named(GraphStore(agency_store), "sector-share").values()
    assert sum(int(r["recommendations"]) for r in everything) > 18 + 10 + 10  # two sectors count twice


def test_store_links_named_ccgs_to_their_successors(agency_store: Path) -> None:
    from dhr_graph.store import GraphStore

    ask = """PREFIX dhr: <https://w3id.org/dhr-graph/def/>
    ASK { <%s> dhr:succeededBy <%s> ; dhr:successionDate ?d . FILTER(STR(?d) = "2022-07-01") }"""
    gs = GraphStore(agency_store)
    assert bool(gs.query(ask % (str(AG) + "bolton-ccg", str(AG) + "greater-manchester-icb")))
    minter = Minter()
    area_ccg = ask % (str(AG) + "hampshire-southampton-and-isle-of-wight-ccg", str(AG) + "hampshire-and-isle-of-wight-icb")
    assert bool(gs.query(area_ccg))  # "The CCG" mentioned in the reference page's 9.17: Southampton's last CCG
    assert minter  # instance IRIs are not needed: both bodies are registered


def test_queries_have_headers() -> None:
    from dhr_graph.queries import library

    queries = library()
    assert {"sector-share", "unresolved-addressees"} <= set(queries)
    assert "counts once for each" in queries["sector-share"].description
