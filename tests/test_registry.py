"""The national registry and the geography of a review (issue 14): the generated Turtle is what
the official lists in reference/ give, every body is typed and coded, every CSP of the ONS lookup
places its generic names on the right bodies, and pages of real areas (written for these tests,
marked SYNTHETIC) resolve their addressees to registered bodies with official codes.

The expectations below are read from the shipped copy of the lists (reference/), not from the
generated Turtle, so a generator or resolver that drifts from the lists fails here."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, RDF

from dhr_graph import registrygen
from dhr_graph.agencies import Registry
from dhr_graph.cli.agencies import group
from dhr_graph.agencies import partnership_area
from dhr_graph.iris import DHR, REGISTRY, SCHEME, Minter
from dhr_graph.parser import parse_page

from .conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference"
ONTOLOGY = ROOT / "ontology"
PAGES = Path(__file__).resolve().parent / "data" / "agencies"
AG = f"{REGISTRY}agency/"
POLICE, COMMISSIONER = str(SCHEME["sector/police"]), str(SCHEME["sector/health-commissioner"])
BEFORE_ICBS = "2021-06"  # a date before CCGs were abolished (1 July 2022)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))




@pytest.fixture(scope="module")
def by_code(registry: Registry) -> dict[str, str]:
    """Official code -> IRI of the registered body (from the loaded registry graph)."""
    out: dict[str, str] = {}
    for body, code in registry.graph.subject_objects(DCTERMS.identifier):
        if (body, RDF.type, DHR.Agency) in registry.graph:
            out[str(code)] = str(body)
    return out


# ---------------------------------------------------------------- generation


def test_generated_files_are_up_to_date_and_deterministic() -> None:
    files, _ = registrygen.generate(REFERENCE, ONTOLOGY)
    again, _ = registrygen.generate(REFERENCE, ONTOLOGY)
    assert files == again
    for name, text in files.items():
        assert (ONTOLOGY / name).read_text(encoding="utf-8") == text, f"{name} is stale: run `make registry`"


def test_generator_check_mode_and_bad_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert registrygen.main(["--check"]) == 0
    assert registrygen.main(["--reference", str(tmp_path), "--check"]) == 2
    assert str(tmp_path) in capsys.readouterr().err


# ---------------------------------------------------------------- the registry covers the official lists


def test_every_council_of_england_and_wales(registry: Registry, by_code: dict[str, str]) -> None:
    rows = [r for r in _rows(REFERENCE / "local-authorities" / "uk_local_authorities.csv")
            if r["nation"] in ("England", "Wales")]
    assert len(rows) > 380
    g = registry.graph
    for r in rows:
        iri = by_code.get(r["gss-code"])
        assert iri is not None, r["official-name"]
        node = URIRef(iri)
        assert (node, RDF.type, ORG.Organization) in g
        assert Literal(r["gss-code"], datatype=DHR.GSSCode) in set(g.objects(node, DCTERMS.identifier))
        assert g.value(node, ORG.classification) == SCHEME["sector/local-authority"]
        if r["replaced-by"]:
            assert g.value(node, DHR.succeededBy) is not None and g.value(node, DHR.successionDate) is not None


def test_every_nhs_body(registry: Registry, by_code: dict[str, str]) -> None:
    g = registry.graph
    with (REFERENCE / "nhs" / "etr_2026.csv").open(encoding="utf-8") as fh:
        trusts = [row[0] for row in csv.reader(fh)]
    icbs = _rows(REFERENCE / "nhs" / "icb24.csv")
    boards = json.loads((REFERENCE / "nhs" / "welsh_health_boards.json").read_text())["LOCAL_HEALTH_BOARDS"]
    assert len(trusts) > 250 and len(icbs) == 42 and len(boards) == 7
    for code in trusts:
        assert g.value(URIRef(by_code[code]), ORG.classification) == SCHEME["sector/health-provider"], code
    for r in icbs:  # both codes, one body
        assert by_code[r["ICB24CDH"]] == by_code[r["ICB24CD"]]
    for b in boards:
        assert by_code[b["ods_code"]] == by_code[b["gss_code"]]
        assert (URIRef(by_code[b["ods_code"]]), RDF.type, ORG.Organization) in g


def test_every_police_force_area_and_probation_region(registry: Registry, by_code: dict[str, str]) -> None:
    for r in _rows(REFERENCE / "police" / "police_forces.csv"):
        if r["pfa24_code"]:
            assert registry.entry(by_code[r["pfa24_code"]]).sector == POLICE  # type: ignore[union-attr]
    for r in _rows(REFERENCE / "probation" / "regions.csv"):
        assert r["code"] in by_code


def test_an_integrator_finds_bodies_without_inference(registry: Registry) -> None:
    q = """PREFIX org: <http://www.w3.org/ns/org#> PREFIX dcterms: <http://purl.org/dc/terms/>
    SELECT ?x WHERE { ?x a org:Organization ; dcterms:identifier ?code . FILTER(STR(?code) = "E23000032") }"""
    assert [str(r[0]) for r in registry.graph.query(q)] == [AG + "kent-police"]


def test_derived_acronyms_never_clash(registry: Registry) -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for body, acronym in registry.graph.subject_objects(DHR.acronym):
        owners[str(acronym).casefold()].add(str(body))
    assert {a: o for a, o in owners.items() if len(o) > 1} == {}


def test_the_2026_icb_mergers(registry: Registry) -> None:
    frimley = registry.graph
    successors = {str(o) for o in frimley.objects(URIRef(AG + "frimley-icb"), DHR.succeededBy)}
    assert AG + "hampshire-and-isle-of-wight-icb" in successors and len(successors) == 3  # split three ways
    merged = registry.entry(AG + "icb-d7t5g")
    assert merged is not None and merged.start == "2026-04-01" and ("D7T5G", "ODS") in registry.codes(merged.iri)


def test_a_renamed_trust_keeps_its_curated_iri(registry: Registry, minter: Minter) -> None:
    res = registry.resolve("Hampshire and Isle of Wight Healthcare NHS Foundation Trust", "Southampton", None, minter)
    assert res.iri == AG + "southern-health-nhs-foundation-trust"  # ODS RW1, renamed in the 2025 list
    assert ("RW1", "ODS") in registry.codes(res.iri)


# ---------------------------------------------------------------- every CSP of the lookup


def _lookup() -> dict[str, dict[str, object]]:
    """CSP name -> its districts, police force area, counties, health boards, from the shipped lists."""
    county = {r["ltla23_code"]: r["utla23_code"] for r in _rows(REFERENCE / "geography" / "lad23_utla23.csv")}
    board = {r["ltla21_code"]: r["lhb22_code"] for r in _rows(REFERENCE / "geography" / "ua21_lhb22_wales.csv")}
    out: dict[str, dict[str, object]] = {}
    for r in _rows(REFERENCE / "geography" / "lad24_csp24_pfa24.csv"):
        csp = out.setdefault(r["csp24_name"], {"code": r["csp24_code"], "pfa": r["pfa24_code"], "districts": set()})
        csp["districts"].add(r["ltla24_code"])  # type: ignore[union-attr]
    for csp in out.values():
        districts: set[str] = csp["districts"]  # type: ignore[assignment]
        csp["upper"] = {county.get(d, d) for d in districts}
        csp["boards"] = {board[d] for d in districts if d in board}
    return out


LOOKUP = _lookup()


def test_the_lookup_is_the_whole_of_england_and_wales() -> None:
    assert len(LOOKUP) == 314
    assert len({c["pfa"] for c in LOOKUP.values()}) == 43


@pytest.mark.parametrize("csp", sorted(LOOKUP))
def test_generic_names_of_every_csp(registry: Registry, minter: Minter, by_code: dict[str, str], csp: str) -> None:
    area = LOOKUP[csp]
    area_match = registry.geography.match(csp)
    assert area_match is not None and area_match.csps == (area["code"],)

    police = registry.resolve("the Police", csp, BEFORE_ICBS, minter)
    assert police.iri == by_code[area["pfa"]] and police.method == "area" and police.registered

    council = registry.resolve("the Council", csp, BEFORE_ICBS, minter)
    districts: set[str] = area["districts"]  # type: ignore[assignment]
    current = [by_code[d] for d in districts if d in by_code and not registry.entry(by_code[d]).end]  # type: ignore[union-attr]
    if len(current) == 1:
        assert council.registered and council.iri in current + _predecessors(registry, current[0])
    else:  # a partnership of several districts: no one council, and it says why
        assert council.method == "generic" and "councils of the partnership's districts" in (council.reason or "")

    care = registry.resolve("Adult Social Care", csp, BEFORE_ICBS, minter)
    upper: set[str] = area["upper"]  # type: ignore[assignment]
    if len(upper) == 1:
        expected = by_code[next(iter(upper))]
        assert care.registered and care.iri in [expected, *_predecessors(registry, expected)]
        assert care.method == ("function" if upper != districts else "area") or care.method == "date"
    else:
        assert care.method == "generic" and care.reason

    ccg = registry.resolve("the CCG", csp, BEFORE_ICBS, minter)
    boards: set[str] = area["boards"]  # type: ignore[assignment]
    if boards:  # Wales has no CCGs: the health board commissions
        assert ccg.iri == by_code[next(iter(boards))] and ccg.method == "area"
    elif csp == "Sefton":  # split between two CCGs until the ICB: truly ambiguous, and it says so
        assert ccg.method == "generic" and "several CCGs" in (ccg.reason or "")
    else:
        assert ccg.method == "date" and ccg.sector == COMMISSIONER
        entry = registry.entry(ccg.iri)
        if entry is not None:  # a registered CCG: it existed on the date
            assert (entry.start or "") <= f"{BEFORE_ICBS}-01" and (entry.end or "9999") >= f"{BEFORE_ICBS}-01"
        # its successions end in an ICB that serves the area (Eden's CCG, North Cumbria, went to the
        # North East and North Cumbria ICB; the district has lain in Lancashire and South Cumbria's since)
        icb = _final_successor(registry, ccg.successor)
        assert registry.entry(icb).sector == COMMISSIONER  # type: ignore[union-attr]
        if csp != "Eden":
            assert icb in {by_code[i] for i in area_match.icbs}


def _predecessors(registry: Registry, iri: str) -> list[str]:
    return [str(s) for s in registry.graph.subjects(DHR.succeededBy, URIRef(iri))]


def _final_successor(registry: Registry, iri: str | None) -> str | None:
    """Through a CCG's mergers to the ICB that took over in July 2022 (not on to the 2026 mergers)."""
    seen = set()
    while iri and iri not in seen:
        seen.add(iri)
        entry = registry.entry(iri)
        if entry is None or entry.successor is None or entry.label.endswith("Integrated Care Board"):
            return iri
        iri = entry.successor
    return iri


# ---------------------------------------------------------------- pages of real areas (synthetic text)


def _resolved(registry: Registry, minter: Minter, page: str) -> dict[str, object]:
    review = parse_page(PAGES / page)
    return {a: registry.resolve(a, review.csp, review.published, minter)
            for rec in review.recommendations for a in rec.addressed_to}


def test_two_tier_page(registry: Registry, minter: Minter) -> None:
    res = _resolved(registry, minter, "synthetic-canterbury-2021.txt")
    assert {a: r.label for a, r in res.items()} == {  # type: ignore[attr-defined]
        "The Police": "Kent Police",
        "The Council": "Canterbury City Council",  # housing: the district
        "Adult Social Care": "Kent County Council",  # social care, children, public health: the county
        "Children's Services": "Kent County Council",
        "Public Health": "Kent County Council",
        "The CCG": "NHS Kent and Medway ICB - 91Q",  # NHS Kent and Medway CCG (2020-2022) kept its code
        "KMPT": "Kent and Medway Mental Health NHS Trust",
        "Community Safety Partnership": "Canterbury",
    }
    assert res["Adult Social Care"].method == "function"  # type: ignore[attr-defined]
    assert res["Community Safety Partnership"].iri == minter.partnership("Canterbury")  # type: ignore[attr-defined]


def test_welsh_page(registry: Registry, minter: Minter) -> None:
    res = _resolved(registry, minter, "synthetic-cardiff-2022.txt")
    assert {a: r.label for a, r in res.items()} == {  # type: ignore[attr-defined]
        "Police": "South Wales Police",
        "The Health Board": "Cardiff and Vale University Health Board",
        "The Local Authority": "City of Cardiff Council",
        "Cardiff and Vale University Health Board": "Cardiff and Vale University Health Board",
        "Welsh Ambulance Services NHS Trust": "Welsh Ambulance Services NHS Trust",
    }
    assert all(registry.codes(r.iri) for r in res.values())  # type: ignore[attr-defined]


def test_merged_council_page(registry: Registry, minter: Minter) -> None:
    """A 2018 review of a partnership whose council was abolished in 2019 (and its successor in 2023)."""
    res = _resolved(registry, minter, "synthetic-taunton-deane-2018.txt")
    council = res["Taunton Deane Borough Council"]
    assert council.registered and ("E07000190", "GSS") in registry.codes(council.iri)  # type: ignore[attr-defined]
    assert council.successor == AG + "somerset-west-and-taunton-council"  # type: ignore[attr-defined]
    assert registry.entry(council.successor).successor == AG + "somerset-council"  # type: ignore[union-attr, attr-defined]
    assert res["Somerset County Council"].successor == AG + "somerset-council"  # type: ignore[attr-defined]
    assert res["Police"].label == "Avon and Somerset Constabulary"  # type: ignore[attr-defined]
    assert res["CCG"].method == "date"  # type: ignore[attr-defined]
    # generic names at the review's date reach the councils of that date
    assert registry.resolve("the Council", "Taunton Deane", "2018-03", minter).iri == council.iri  # type: ignore[attr-defined]
    assert registry.resolve("Adult Social Care", "Taunton Deane", "2018-03", minter).iri == AG + "somerset-county-council"
    assert registry.resolve("the Council", "Taunton Deane", "2024-03", minter).iri == AG + "somerset-council"


def test_trust_acronyms_page(registry: Registry, minter: Minter) -> None:
    res = _resolved(registry, minter, "synthetic-leeds-2019.txt")
    assert res["LTHT"].label == "Leeds Teaching Hospitals NHS Trust" and res["LTHT"].method == "acronym"  # type: ignore[attr-defined]
    assert res["The Council"].label == "Leeds City Council"  # type: ignore[attr-defined]
    assert res["The CCG"].label == "NHS Leeds Clinical Commissioning Group"  # type: ignore[attr-defined]
    assert res["The CCG"].successor == AG + "west-yorkshire-icb"  # type: ignore[attr-defined]


@pytest.mark.parametrize("page", ["synthetic-canterbury-2021.txt", "synthetic-cardiff-2022.txt",
                                  "synthetic-taunton-deane-2018.txt", "synthetic-leeds-2019.txt"])
def test_no_nhs_body_council_or_force_is_unspecified(registry: Registry, minter: Minter, page: str) -> None:
    for surface, res in _resolved(registry, minter, page).items():
        assert res.sector != str(SCHEME["sector/unspecified"]), surface  # type: ignore[attr-defined]


def test_mentions_and_addressees_meet_on_one_node(registry: Registry, minter: Minter) -> None:
    text = "Adult Social Care and the Police to agree a protocol, reporting to the Community Safety Partnership."
    found = {r.surface: r.iri for r in registry.mentions(text, "Canterbury", "2021-05", minter)}
    assert found["Adult Social Care"] == registry.resolve("Adult Social Care", "Canterbury", "2021-05", minter).iri
    assert found["Community Safety Partnership"] == minter.partnership("Canterbury")


# ---------------------------------------------------------------- a build of the pages, and queries by area


@pytest.fixture(scope="module")
def area_store(tmp_path_factory: pytest.TempPathFactory, toolkit) -> Path:  # noqa: ANN001 - conftest fixture
    from dhr_graph.pipeline import build

    store = tmp_path_factory.mktemp("areas") / "store"
    report = build(sorted(PAGES.glob("synthetic-[clt]*.txt")), store, toolkit=toolkit)
    assert report.committed and not report.failed, [p.messages for p in report.failed]
    return store


def test_pages_of_real_areas_build_and_conform(area_store: Path) -> None:
    from dhr_graph.store import GraphStore

    ask = """PREFIX dhr: <https://w3id.org/dhr-graph/def/>
    ASK { ?rv dhr:partnership ?p . ?p dhr:area <https://w3id.org/dhr-graph/registry/area/E22000138> }"""
    assert bool(GraphStore(area_store).query(ask))  # Canterbury's review sits in Canterbury's CSP area


def test_reviews_by_police_force_area_and_region(area_store: Path) -> None:
    from dhr_graph.queries import run_named
    from dhr_graph.store import GraphStore

    gs = GraphStore(area_store)
    rows = {r["name"]: r for r in run_named(gs, "reviews-by-police-force-area").values()}
    assert {n: (int(r["reviews"]), int(r["recommendations"]), r["force"]) for n, r in rows.items()} == {
        "Kent": (1, 8, "Kent Police"),
        "South Wales": (1, 5, "South Wales Police"),
        "Avon and Somerset": (1, 4, "Avon and Somerset Constabulary"),
        "West Yorkshire": (1, 5, "West Yorkshire Police"),
    }
    one = run_named(gs, "reviews-by-police-force-area", area="E23000032").values()
    assert [r["name"] for r in one] == ["Kent"]
    regions = {r["name"]: int(r["reviews"]) for r in run_named(gs, "reviews-by-region").values()}
    assert regions == {"South East": 1, "Wales": 1, "South West": 1, "Yorkshire and The Humber": 1}
    assert [r["code"] for r in run_named(gs, "reviews-by-region", region="wales").values()] == ["W92000004"]


# ---------------------------------------------------------------- partnership names


@pytest.mark.parametrize("name, csps", [
    ("Southampton", ("Southampton",)),
    ("Safe City Partnership", ("Southampton",)),
    ("Safer Leeds", ("Leeds",)),
    ("Bristol City Council", ("Bristol, City of",)),
    ("Kent and Medway", None),  # a county and a unitary: every CSP of both
    ("Taunton Deane", ("Somerset",)),  # a council merged since: its successor's area
    ("Cardiff Community Safety Partnership", ("Cardiff",)),
])
def test_partnership_names(registry: Registry, name: str, csps: tuple[str, ...] | None) -> None:
    area = partnership_area(name, registry)
    assert area is not None
    if csps is None:
        assert len(area.csps) == 12 and "Medway" in area.labels
    else:
        assert area.labels == csps


def test_unknown_partnership_is_none(registry: Registry) -> None:
    assert partnership_area("Westhaven", registry) is None


def test_dhrd_partnerships_are_placed(registry: Registry) -> None:
    path = SHARED_DATA / "dhrd" / "incidents.csv"
    if not path.is_file():
        pytest.skip(f"{path} not present (the shared DHRD dataset)")
    names = {r["csp"] for r in _rows(path)}
    unmatched = sorted(n for n in names if registry.geography.match(n) is None)
    assert len(unmatched) <= 0.02 * len(names), unmatched


# ---------------------------------------------------------------- CLI


def test_cli_area_and_explanations() -> None:
    result = CliRunner().invoke(group, ["area", "Canterbury"])
    assert result.exit_code == 0, result.output
    assert "Kent Police" in result.output and "Kent County Council" in result.output
    missing = CliRunner().invoke(group, ["area", "Westhaven"])
    assert missing.exit_code == 1 and "matches no ONS community safety partnership" in missing.output
    explained = CliRunner().invoke(group, ["resolve", "Adult Social Care", "--csp", "Canterbury"])
    assert "function" in explained.output and "county functions" in explained.output
    assert "E10000016 (GSS)" in explained.output
