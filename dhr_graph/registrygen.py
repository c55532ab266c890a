"""Generate the national agency registry and the geography of England and Wales from the
official lists in `reference/` (ONS, NHS England ODS, MHCLG, mySociety, HMPPS).

The lists change every year (councils merge, ICBs merge, trusts close), so the registry is
not edited by hand: `make registry` runs this module, which writes two Turtle files into
ontology/ in a fixed order, so a refresh of the lists is one command and reviewed as a diff:

* `agencies-official.ttl`: every council, NHS trust, Welsh health board, ICB, sub-ICB
  location and CCG, police force area and probation region, each `a org:Organization` with its
  official code (`dcterms:identifier`, typed by scheme), sector, areas served, successions
  and Wikidata id where the lists have one;
* `areas.ttl`: the areas (CSP, district, county, police force area, region, ICB, health
  board) and how they nest, which the resolver uses to find the body of a partnership's area.

Knowledge the lists lack (force names, acronyms people write, local names) is hand-written in
ontology/agencies.ttl; a body there that carries an official code keeps its IRI and curated
names, and this module only adds what the lists say about it.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, SKOS

from .agencynames import normalise
from .inputfiles import read_turtle
from .iris import DHR, REGISTRY_AGENCY, slug
from .registryturtle import header, literal, qname, scheme_name, subject

log = logging.getLogger(__name__)

AG = REGISTRY_AGENCY
GSS, ODS, HMPPS, GOVUK = (str(DHR[n]) for n in ("GSSCode", "ODSCode", "HMPPSCode", "GOVUKCode"))
CCG_END = "2022-07-01"  # clinical commissioning groups were abolished; ICBs took over

# ---------------------------------------------------------------- records


@dataclass
class Body:
    """One organisation as the official lists describe it."""

    iri: str
    label: str
    sector: str
    code: str
    scheme: str
    kind: str  # council | police | icb | sub-icb | ccg | trust | health-board | probation
    scope: str = "local"
    codes: list[tuple[str, str]] = field(default_factory=list)  # further (code, scheme)
    localities: set[str] = field(default_factory=set)
    areas: set[str] = field(default_factory=set)  # area codes served
    alt: set[str] = field(default_factory=set)
    acronyms: set[str] = field(default_factory=set)
    successors: list[tuple[str, str]] = field(default_factory=list)  # (body code, date)
    start: str | None = None
    end: str | None = None
    wikidata: str | None = None
    org_type: str | None = None


@dataclass
class Area:
    """One statistical area (ONS GSS code) and the areas it lies in or is made of."""

    code: str
    label: str
    kind: str  # CSP | LAD | UTLA | PFA | Region | ICB | SubICB | LHB
    links: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


# ---------------------------------------------------------------- reading the lists


def _csv(path: Path, header: bool = True) -> list[dict[str, str]] | list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh)) if header else list(csv.reader(fh))


def _rows(path: Path) -> list[dict[str, str]]:
    return _csv(path)  # type: ignore[return-value]


def _raw(path: Path) -> list[list[str]]:
    return _csv(path, header=False)  # type: ignore[return-value]


def _date(yyyymmdd: str) -> str | None:
    text = yyyymmdd.strip()
    if re.fullmatch(r"\d{8}", text):
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return text if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None


_KEEP_UPPER = {"nhs", "icb", "ccg", "uk", "ii", "iii", "2gether"}
_LOWER = {"and", "of", "the", "for", "in", "upon", "on", "at", "with"}


def title_case(name: str) -> str:
    """An ODS name in capitals ("KING'S COLLEGE HOSPITAL NHS FOUNDATION TRUST") as people write it."""
    words = []
    for i, word in enumerate(name.replace("ST. ", "ST ").split()):
        low = word.lower()
        if (low in _KEEP_UPPER and low != "2gether") or (any(c.isdigit() for c in low) and len(low) <= 6):
            words.append(word.upper())
        elif low in _LOWER and i:
            words.append(low)
        else:
            words.append("-".join(p[:1].upper() + p[1:].lower() for p in word.split("-")))
    return " ".join(words)


_ACRONYM_SKIP = {"and", "of", "the", "for", "in", "upon", "on", "at", "nhs", "&"}


def derived_acronym(label: str) -> str | None:
    """The initials people write for a trust ("Leeds Teaching Hospitals NHS Trust" -> LTHT)."""
    letters = "".join(w[0] for w in re.split(r"[\s-]+", label) if w and w.lower() not in _ACRONYM_SKIP
                      and w[0].isalpha())
    return letters.upper() if 3 <= len(letters) <= 6 else None


# ---------------------------------------------------------------- the generator


class RegistryBuilder:
    """Reads `reference/` and the curated registry, and holds the bodies and areas found."""

    def __init__(self, reference: Path, curated: Iterable[Path]) -> None:
        self.ref = reference
        self.curated = Graph()
        for path in curated:
            read_turtle(path, self.curated)
        # official code -> IRI of a hand-written body that declares it (keeps curated IRIs)
        self.pins: dict[str, str] = {}
        for body, code in self.curated.subject_objects(DCTERMS.identifier):
            self.pins[str(code)] = str(body)
        self.bodies: dict[str, Body] = {}  # by official code
        self.areas: dict[str, Area] = {}
        self.problems: list[str] = []

    # -------------------------------------------------------------- helpers

    def _iri(self, code: str, name: str) -> str:
        return self.pins.get(code) or AG + slug(name)

    def _area(self, code: str, label: str, kind: str) -> Area:
        area = self.areas.get(code)
        if area is None:
            area = self.areas[code] = Area(code, label, kind)
        return area

    def _add(self, body: Body) -> None:
        if body.code in self.bodies:
            raise ValueError(f"{body.code}: two bodies with the same official code")
        self.bodies[body.code] = body

    # -------------------------------------------------------------- geography

    def geography(self) -> None:
        g = self.ref / "geography"
        for r in _rows(g / "lad24_csp24_pfa24.csv"):
            lad = self._area(r["ltla24_code"], r["ltla24_name"], "LAD")
            csp = self._area(r["csp24_code"], r["csp24_name"], "CSP")
            pfa = self._area(r["pfa24_code"], r["pfa24_name"], "PFA")
            csp.links["district"].add(lad.code)
            csp.links["policeForceArea"].add(pfa.code)
            lad.links["policeForceArea"].add(pfa.code)
        for r in _rows(g / "lad23_utla23.csv"):
            if r["utla23_code"] != r["ltla23_code"]:
                county = self._area(r["utla23_code"], r["utla23_name"], "UTLA")
                self.areas[r["ltla23_code"]].links["upperTier"].add(county.code)
        for r in _rows(g / "lad24_region24.csv"):
            region = self._area(r["region24_code"], r["region24_name"], "Region")
            self.areas[r["ltla24_code"]].links["region"].add(region.code)
        for r in _rows(g / "ua21_lhb22_wales.csv"):
            lhb = self._area(r["lhb22_code"], r["lhb22_name"], "LHB")
            self.areas[r["ltla21_code"]].links["healthBoardArea"].add(lhb.code)
        for code, area in self.areas.items():
            if area.kind == "LAD" and code.startswith("W"):
                area.links["region"].add("W92000004")
        self._area("W92000004", "Wales", "Region")

    # -------------------------------------------------------------- councils

    def councils(self) -> None:
        la = self.ref / "local-authorities"
        rows = [r for r in _rows(la / "uk_local_authorities.csv") if r["nation"] in ("England", "Wales")]
        by_code = {r["local-authority-code"]: r for r in rows}
        wikidata = {r["statistical-geography"]: r["wikidata"]
                    for r in _rows(self.ref / "wikidata" / "england_local_authorities_wikidata.csv")
                    if r["wikidata"] and r["statistical-geography"]}
        variants: dict[str, set[str]] = defaultdict(set)
        for r in _rows(la / "name_to_registry.csv"):
            variants[r["local-authority-code"]].add(r["la-name"])
        self.council_by_la_code: dict[str, str] = {}
        for r in rows:
            gss, name = r["gss-code"], r["official-name"]
            body = Body(iri=self._iri(gss, name), label=name, sector="local-authority", code=gss, scheme=GSS,
                        kind="council", start=_date(r["start-date"]), end=_date(r["end-date"]),
                        wikidata=wikidata.get(gss), org_type=r["local-authority-type-name"])
            body.localities.add(r["nice-name"])
            if gss in self.areas or not body.end:
                body.areas.add(gss)
            body_words = re.compile(r"\b(council|borough|corporation|authority)\b")
            for v in variants[r["local-authority-code"]] | {f"{r['nice-name']} Council"}:
                if body_words.search(v.lower()) and normalise(v) != normalise(name):
                    # the list also holds lower-case lookup spellings: written as names here
                    body.alt.add(title_case(" ".join(v.split())) if v == v.lower() else " ".join(v.split()))
            for succ in filter(None, r["replaced-by"].split(",")):
                new = by_code.get(succ.strip())
                if new is None:
                    self.problems.append(f"council {name}: successor {succ} not in the list")
                    continue
                body.successors.append((new["gss-code"], _date(new["start-date"]) or body.end or ""))
            self._add(body)
            self.council_by_la_code[r["local-authority-code"]] = gss
            if gss in self.areas and self.areas[gss].kind == "UTLA":
                self.areas[gss].label = r["nice-name"]
        # current councils by every name variant (to read lists that name councils, not codes)
        self.council_by_name: dict[str, str] = {}
        for r in sorted(rows, key=lambda r: bool(r["end-date"])):  # current councils first
            names = {*variants[r["local-authority-code"]], r["official-name"], r["nice-name"], *r["alt-names"].split(",")}
            for v in names:
                self.council_by_name.setdefault(_council_key(v), r["gss-code"])
            initials = "".join(w[0] for w in _council_key(r["nice-name"]).split() if w not in ("and", "of", "the"))
            if len(initials) >= 3:  # "BCP Council"
                self.council_by_name.setdefault(initials, r["gss-code"])

    def _council(self, name: str) -> str | None:
        return self.council_by_name.get(_council_key(name))

    # -------------------------------------------------------------- police and probation

    def police(self) -> None:
        for r in _rows(self.ref / "police" / "police_forces.csv"):
            code = r["pfa24_code"]
            if not code:
                continue  # British Transport Police: no area, curated in agencies.ttl
            iri = self.pins.get(code)
            if iri is None:
                self.problems.append(f"police force area {code} {r['pfa24_name_ons']}: no force in agencies.ttl "
                                     f"declares this code (force names are curated)")
                continue
            label = str(self.curated.value(URIRef(iri), SKOS.prefLabel) or r["pfa24_name_ons"])
            body = Body(iri=iri, label=label, sector="police", code=code, scheme=GSS, kind="police")
            body.areas.add(code)
            body.localities.add(r["pfa24_name_ons"])
            self._add(body)

    def probation(self) -> None:
        for r in _rows(self.ref / "probation" / "regions.csv"):
            name = " ".join(r["name"].split())
            label = f"Probation Service {name}" + ("" if name.endswith("Region") or name == "Wales" else " Region")
            body = Body(iri=self._iri(r["code"], label), label=label, sector="criminal-justice", code=r["code"],
                        scheme=HMPPS, kind="probation")
            body.localities.add(name.removesuffix(" Region"))
            self._add(body)

    # -------------------------------------------------------------- NHS

    def nhs(self) -> None:
        nhs = self.ref / "nhs"
        succ: dict[str, list[tuple[str, str]]] = defaultdict(list)  # ODS successions: code -> (successor, date)
        for row in _raw(nhs / "succ_2026.csv"):
            succ[row[0]].append((row[1], _date(row[3]) or ""))
        icb_gss: dict[str, str] = {}
        for r in _rows(nhs / "icb24.csv"):
            ods, gss, name = r["ICB24CDH"], r["ICB24CD"], r["ICB24NM"]
            icb_gss[ods] = gss
            short = name.removeprefix("NHS ").removesuffix(" Integrated Care Board")
            iri = self.pins.get(ods) or self.pins.get(gss) or AG + slug(f"{short} icb")
            body = Body(iri=iri, label=name, sector="health-commissioner", code=ods, scheme=ODS, kind="icb",
                        codes=[(gss, GSS)])
            body.alt.update({f"{short} ICB", f"NHS {short} ICB", f"{short} Integrated Care Board"})
            body.areas.add(gss)
            body.successors.extend(succ.get(ods, []))  # the April 2026 ICB mergers
            self._area(gss, name, "ICB")
            self._add(body)
        # ICBs formed by the 2026 mergers: the lists give their ODS code and start, not their name
        for ods in sorted({s for code in icb_gss for s, _ in succ.get(code, [])} - set(icb_gss)):
            merged_start = min(d for code in icb_gss for s, d in succ.get(code, []) if s == ods)
            merged = Body(iri=self._iri(ods, f"icb {ods}"), label=f"Integrated care board {ods}",
                          sector="health-commissioner", code=ods, scheme=ODS, kind="icb", start=merged_start)
            # the areas it took over (in whole or in part), as its predecessors' names
            merged.localities = {self.bodies[c].label.removeprefix("NHS ").removesuffix(" Integrated Care Board")
                                 for c in icb_gss if any(s == ods for s, _ in succ.get(c, []))}
            self._add(merged)
        # Welsh local health boards
        for hb in json.loads((nhs / "welsh_health_boards.json").read_text(encoding="utf-8"))["LOCAL_HEALTH_BOARDS"]:
            label = title_case(hb["health_board"])
            body = Body(iri=self._iri(hb["ods_code"], label), label=label, sector="health-commissioner",
                        code=hb["ods_code"], scheme=ODS, kind="health-board", codes=[(hb["gss_code"], GSS)])
            body.areas.add(hb["gss_code"])
            body.alt.update({label.replace("University Health Board", "Health Board"),
                             label.replace("University Health Board", "UHB")})
            self._add(body)
        # sub-ICB locations (each kept the code of the CCG it was until July 2022)
        sub_area: dict[str, str] = {}
        for r in _rows(nhs / "sicbl24_lhb_regions.csv"):
            if r["region_type"] == "SICBL":
                ods = r["region"].rsplit(" - ", 1)[-1].strip()
                sub_area[ods] = r["region_code"]
                self._area(r["region_code"], r["region"], "SubICB").links["icb"].add(r["icb_code"])
        for row in _raw(nhs / "eccg_2025.csv"):
            code, name, icb, start, end = row[0], row[1], row[3], _date(row[10]), _date(row[11])
            is_sub = code in sub_area
            if not is_sub and "CCG" not in name.upper().split():
                continue  # commissioning hubs and reporting entities
            label = title_case(name)
            if is_sub:
                iri = self.pins.get(code) or AG + slug(f"sub-icb-location {code}")
                body = Body(iri=iri, label=label, sector="health-commissioner", code=code, scheme=ODS,
                            kind="sub-icb", start=start, end=end, codes=[(sub_area[code], GSS)])
                body.areas.add(sub_area[code])
                if start and start < CCG_END and icb in icb_gss:
                    body.successors.append((icb, CCG_END))  # its CCG functions passed to the ICB
            else:
                area = label.removeprefix("NHS ").removesuffix(" CCG")
                body = Body(iri=self.pins.get(code) or AG + slug(f"{area} ccg"), label=label,
                            sector="health-commissioner", code=code, scheme=ODS, kind="ccg", start=start, end=end)
                body.alt.add(f"NHS {area} Clinical Commissioning Group")
                body.localities.add(area)
                body.successors.extend((s, d) for s, d in succ.get(code, []))
            self._add(body)
        # trusts: 2026 list over 2025 (names and closures as of the later list)
        trusts: dict[str, list[str]] = {}
        for file in ("etr_2025.csv", "etr_2026.csv"):
            for row in _raw(nhs / file):
                trusts[row[0]] = row
        for code, row in sorted(trusts.items()):
            label = title_case(row[1])
            body = Body(iri=self._iri(code, label), label=label, sector="health-provider", code=code, scheme=ODS,
                        kind="trust", start=_date(row[10]), end=_date(row[11]))
            if row[3] in icb_gss:
                body.areas.add(icb_gss[row[3]])
            elif row[7].strip():
                body.localities.add(title_case(row[7]))  # no ICB (closed early): the town of its address
            elif code.startswith(("RQF", "RT4", "RYT")) or row[2] == "W00":
                body.scope = "national"  # the NHS Wales trusts serve all of Wales
            body.successors.extend((s, d) for s, d in succ.get(code, []))
            short = re.sub(r"\s+NHS( Foundation)? Trust$", "", label)
            if short != label and len(short.split()) >= 2:
                body.alt.add(short)
            acronym = derived_acronym(label)
            if acronym:
                body.acronyms.add(acronym)
            self._add(body)
        # which ICB serves each district: the curated ICB localities (council areas) first; the RCPCH
        # council -> ICB list only where those say nothing (its sub-ICB column is misaligned, so unused)
        by_label: dict[str, set[str]] = defaultdict(set)
        for code, place in self.areas.items():
            if place.kind in ("LAD", "UTLA"):
                by_label[_council_key(place.label)].add(code)
        by_district: dict[str, set[str]] = defaultdict(set)  # a district named itself ...
        by_county: dict[str, set[str]] = defaultdict(set)  # ... wins over its county ("Hart" over "Hampshire")
        for ods, gss in sorted(icb_gss.items()):
            pinned = self.pins.get(ods)
            for loc in (self.curated.objects(URIRef(pinned), DHR.locality) if pinned else ()):
                codes = by_label.get(_council_key(str(loc)))
                if not codes:
                    self.problems.append(f"ICB {ods}: curated locality {str(loc)!r} is not a district or county")
                for target in self._districts_of(codes or set()):
                    (by_district if target in (codes or ()) else by_county)[target].add(gss)
        for target in sorted(by_district.keys() | by_county.keys()):
            self.areas[target].links["icb"].update(by_district.get(target) or by_county[target])
        links = json.loads((nhs / "icb_subicb_la_trust.json").read_text(encoding="utf-8"))
        for r in links["INTEGRATED_CARE_BOARDS_LOCAL_AUTHORITIES"]:
            council = self._council(r["Local Authority"])
            icb = r["ONS ICB Boundary Code"]
            if council is None or icb not in self.areas:
                continue
            for target in self._districts_of({council}):
                if not self.areas[target].links.get("icb"):
                    self.areas[target].links["icb"].add(icb)
        for code, place in sorted(self.areas.items()):
            if place.kind == "LAD" and code.startswith("E") and not place.links.get("icb"):
                self.problems.append(f"district {code} {place.label}: no ICB found")

    def _districts_of(self, codes: set[str]) -> list[str]:
        """The districts (LAD areas) among `codes` and those of the counties among them."""
        out = [c for c in codes if c in self.areas and self.areas[c].kind == "LAD"]
        out += [d for d, a in self.areas.items() if a.kind == "LAD" and a.links.get("upperTier", set()) & codes]
        return sorted(set(out))

    # -------------------------------------------------------------- checks and output

    def check_acronyms(self) -> None:
        """A derived acronym is kept only when no other name in the registry is written the same."""
        taken: dict[str, set[str]] = defaultdict(set)
        for body in self.bodies.values():
            for name in {body.label, *body.alt}:
                taken[normalise(name)].add(body.iri)
            for a in body.acronyms:
                taken[normalise(a)].add(body.iri)
        curated_keys = {normalise(str(o)) for p in (SKOS.prefLabel, SKOS.altLabel, DHR.acronym, SKOS.hiddenLabel)
                        for o in self.curated.objects(None, p)}
        open_bodies = {b.iri for b in self.bodies.values() if not b.end}
        for body in self.bodies.values():
            for a in sorted(body.acronyms):
                key = normalise(a)
                rivals = taken[key] - {body.iri}
                if body.iri in open_bodies:
                    rivals &= open_bodies  # a closed trust does not take its initials from an open one
                if rivals or (key in curated_keys and self.pins.get(body.code) != body.iri):
                    body.acronyms.discard(a)
                    self.problems.append(f"acronym {a} of {body.label} clashes with another name; left out")
            for name in sorted(body.alt):
                if len(taken[normalise(name)]) > 1:
                    body.alt.discard(name)

    def government(self) -> None:
        """Central government bodies of the curated registry that the MHCLG list names: their GOV.UK
        organisation code and Wikidata id (the curated body keeps its IRI and names)."""
        curated: dict[str, str] = {}
        for p in (SKOS.prefLabel, SKOS.altLabel):
            for body, name in self.curated.subject_objects(p):
                curated.setdefault(normalise(str(name)), str(body))
        for r in sorted(_rows(self.ref / "wikidata" / "government_organisations_wikidata.csv"),
                        key=lambda r: (r["end-date"] != "", r["entry-date"]), reverse=False):
            iri = curated.get(normalise(r["name"]))
            if iri is None or r["end-date"] or any(b.iri == iri for b in self.bodies.values()):
                continue
            label = str(self.curated.value(URIRef(iri), SKOS.prefLabel) or r["name"])
            self._add(Body(iri=iri, label=label, sector="national-government", code=r["reference"], scheme=GOVUK,
                           kind="government", scope="national", wikidata=r["wikidata"] or None))

    def build(self) -> None:
        self.geography()
        self.councils()
        self.police()
        self.probation()
        self.nhs()
        self.government()
        self.check_acronyms()

    def agencies_turtle(self) -> str:
        out = [header("agencies-official", "dhr-graph national agency registry (generated)",
                       "Every council, NHS trust, Welsh health board, ICB, sub-ICB location and CCG, police force "
                       "and probation region of England and Wales, from the official lists in reference/.")]
        iri_of = {code: b.iri for code, b in self.bodies.items()}
        for body in sorted(self.bodies.values(), key=lambda b: b.iri):
            out.append(self._body_ttl(body, iri_of))
        return "\n".join(out)

    def _body_ttl(self, body: Body, iri_of: dict[str, str]) -> str:
        node = URIRef(body.iri)
        curated = (node, SKOS.prefLabel, None) in self.curated
        lines = [("a", "dhr:Agency , org:Organization")]
        curated_label = str(self.curated.value(node, SKOS.prefLabel) or "")
        if not curated:
            lines.append(("skos:prefLabel", literal(body.label, "en")))
        alts = set(body.alt)
        if curated and normalise(curated_label) != normalise(body.label):
            alts.add(body.label)
        curated_names = {normalise(str(o)) for p in (SKOS.prefLabel, SKOS.altLabel) for o in self.curated.objects(node, p)}
        alts = {a for a in alts if normalise(a) not in curated_names}
        if alts:
            lines.append(("skos:altLabel", " , ".join(literal(a, "en") for a in sorted(alts))))
        if body.acronyms:
            lines.append(("dhr:acronym", " , ".join(literal(a) for a in sorted(body.acronyms))))
        codes = [(body.code, body.scheme), *body.codes]
        lines.append(("dcterms:identifier", " , ".join(literal(c, datatype=scheme_name(s)) for c, s in sorted(codes))))
        if (node, DHR.scope, None) not in self.curated:
            lines.append(("org:classification", f"sector:{body.sector}"))
            lines.append(("dhr:scope", literal(body.scope)))
        if body.localities and (node, DHR.locality, None) not in self.curated:
            lines.append(("dhr:locality", " , ".join(literal(x) for x in sorted(body.localities))))
        if body.areas:
            lines.append(("dhr:servesArea", " , ".join(f"area:{a}" for a in sorted(body.areas))))
        if body.org_type:
            lines.append(("dhr:organisationType", literal(body.org_type)))
        if body.start:
            lines.append(("dhr:startDate", literal(body.start, datatype="xsd:date")))
        if body.end:
            lines.append(("dhr:endDate", literal(body.end, datatype="xsd:date")))
        successors = sorted({(iri_of[c], d) for c, d in body.successors if c in iri_of and iri_of[c] != body.iri})
        if successors and (node, DHR.succeededBy, None) not in self.curated:
            lines.append(("dhr:succeededBy", " , ".join(f"<{s}>" for s, _ in successors)))
            dates = sorted({d for _, d in successors if d})
            if dates:
                lines.append(("dhr:successionDate", literal(dates[0], datatype="xsd:date")))
        if body.wikidata:
            lines.append(("owl:sameAs", f"wd:{body.wikidata}"))
        return subject(qname(body.iri), lines)

    def areas_turtle(self) -> str:
        out = [header("areas", "dhr-graph areas of England and Wales (generated)",
                       "Community safety partnerships, districts, counties, police force areas, regions, ICBs, "
                       "sub-ICB locations and Welsh health boards (ONS codes), and how they nest.")]
        for area in sorted(self.areas.values(), key=lambda a: a.code):
            lines = [("a", "dhr:Area"), ("dhr:areaType", literal(area.kind)), ("skos:prefLabel", literal(area.label, "en")),
                     ("dcterms:identifier", literal(area.code, datatype="dhr:GSSCode"))]
            for prop in sorted(area.links):
                values = sorted(area.links[prop])
                if values:
                    lines.append((f"dhr:{prop}", " , ".join(f"area:{v}" for v in values)))
            out.append(subject(f"area:{area.code}", lines))
        return "\n".join(out)


def _council_key(name: str) -> str:
    key = normalise(name.replace("-", " "))
    key = re.sub(r"\b(london borough of|royal borough of|city and county of|county of|city of|borough of|"
                 r"metropolitan borough|metropolitan district|district|borough|county|city|council|corporation of)\b",
                 " ", key)
    return " ".join(key.replace("middlesborough", "middlesbrough").split())


def generate(reference: Path, ontology: Path) -> tuple[dict[str, str], list[str]]:
    """(file name -> Turtle text, problems found) for the lists in `reference` and the curation in `ontology`."""
    builder = RegistryBuilder(reference, [ontology / "agencies.ttl"])
    builder.build()
    return ({"agencies-official.ttl": builder.agencies_turtle(), "areas.ttl": builder.areas_turtle()},
            builder.problems)


def main(argv: list[str] | None = None) -> int:
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", type=Path, default=root / "reference", help="folder of official lists")
    parser.add_argument("--ontology", type=Path, default=root / "ontology", help="folder to write into")
    parser.add_argument("--check", action="store_true", help="only say whether the files are up to date")
    parser.add_argument("--verbose", action="store_true", help="list every note (each acronym left out)")
    args = parser.parse_args(argv)
    if not (args.reference / "geography").is_dir():
        print(f"{args.reference}: no reference lists here", file=sys.stderr)
        return 2
    try:
        files, problems = generate(args.reference, args.ontology)
    except (OSError, KeyError, ValueError, IndexError) as exc:
        print(f"{args.reference}: cannot read the reference lists: {exc}", file=sys.stderr)
        return 2
    clashes = [p for p in problems if p.startswith("acronym ")]
    for p in problems if args.verbose else [p for p in problems if p not in clashes]:
        print(f"note: {p}", file=sys.stderr)
    if clashes and not args.verbose:
        print(f"note: {len(clashes)} derived acronyms left out because another body has the same one "
              f"(--verbose lists them)", file=sys.stderr)
    stale = [name for name, text in files.items()
             if not (args.ontology / name).is_file() or (args.ontology / name).read_text(encoding="utf-8") != text]
    if args.check:
        for name in stale:
            print(f"{args.ontology / name}: out of date (run `make registry`)", file=sys.stderr)
        return 1 if stale else 0
    for name in stale:
        tmp = args.ontology / f".{name}.tmp"
        tmp.write_text(files[name], encoding="utf-8")
        tmp.replace(args.ontology / name)
        print(f"wrote {args.ontology / name}")
    return 0




if __name__ == "__main__":
    sys.exit(main())
