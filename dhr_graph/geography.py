"""The geography of a review: its partnership's ONS community safety partnership (CSP) area and,
through it, its districts, counties, police force area, ICB, sub-ICB locations, Welsh health
board and region.

Pages and the DHRD dataset spell partnerships in many ways ("Southampton", "Safer Leeds",
"Bristol City Council", "Kent and Medway", a council merged since), so a name is matched
against every name the areas and councils have (ontology/areas.ttl, the generated registry),
plus curated partnership names (skos:altLabel on areas in ontology/area-names.ttl), with the
words partnerships add ("Community Safety Partnership", "Safer") taken off. A name that covers
several CSPs (a county) gives all of them; the bodies of the area are then the ones they agree on.

The registry (agencies.py) reads the areas with the rest of its graph and asks `Geography.match`;
`agencies.partnership_area(name)` is the entry point for other modules.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass

from rdflib import Graph
from rdflib.namespace import RDF, SKOS
from rdflib.term import Node

from .agencynames import normalise
from .iris import DHR, REGISTRY_AREA


AREA = REGISTRY_AREA

_PARTNERSHIP_WORDS = re.compile(
    r"\b(?:community safety partnership|community safety|partnership board|partnership|csp|safer|safe|"
    r"stronger communities|domestic abuse|domestic homicide review|dhr|board|executive|"
    r"london borough of|royal borough of|city and county of|county borough|metropolitan borough|metropolitan district|"
    r"borough council|district council|city council|county council|council|city of|borough of|county of|"
    r"borough|district|county|city|corporation of|the)\b")


def area_key(name: str) -> str:
    """The key a partnership or area name is matched on: normalised, partnership and council words off."""
    key = normalise(name.replace("-", " "))
    return " ".join(_PARTNERSHIP_WORDS.sub(" ", key).split())


@dataclass(frozen=True)
class PartnershipArea:
    """The ONS areas a partnership name was matched to, and the areas they lie in (GSS codes)."""

    name: str
    csps: tuple[str, ...]
    labels: tuple[str, ...]
    method: str  # "name" (a CSP, district or council name) | "county" | "parts" | "curated"
    districts: frozenset[str]
    upper_tiers: frozenset[str]  # counties of two-tier districts (empty for unitary districts)
    police_force_areas: frozenset[str]
    regions: frozenset[str]
    icbs: frozenset[str]
    sub_icb_locations: frozenset[str]
    health_boards: frozenset[str]
    ccg_names: frozenset[str] = frozenset()  # curated names of the CCGs that covered it (area-names.ttl)

    @property
    def iris(self) -> tuple[str, ...]:
        """The CSP areas as IRIs (what a review's partnership is linked to with dhr:area)."""
        return tuple(AREA + c for c in self.csps)


class Geography:
    """Areas and how they nest, read from the registry graph; matches partnership names."""

    def __init__(self, graph: Graph) -> None:
        self.labels: dict[str, str] = {}
        self.kinds: dict[str, str] = {}
        self.links: dict[tuple[str, str], set[str]] = defaultdict(set)
        for node in graph.subjects(RDF.type, DHR.Area):
            code = str(node).removeprefix(AREA)
            self.labels[code] = str(graph.value(node, SKOS.prefLabel) or code)
            self.kinds[code] = str(graph.value(node, DHR.areaType) or "")
        self.ccg_names: dict[str, set[str]] = defaultdict(set)
        for s, o in graph.subject_objects(DHR.ccgName):
            self.ccg_names[str(s).removeprefix(AREA)].add(str(o))
        for prop in ("district", "upperTier", "policeForceArea", "region", "icb", "subICBLocation", "healthBoardArea"):
            for s, o in graph.subject_objects(DHR[prop]):
                self.links[(str(s).removeprefix(AREA), prop)].add(str(o).removeprefix(AREA))
        csps_of_district: dict[str, set[str]] = defaultdict(set)
        for code, kind in self.kinds.items():
            if kind == "CSP":
                for d in self.links[(code, "district")]:
                    csps_of_district[d].add(code)
        self._names: dict[str, tuple[set[str], str]] = {}
        self._curated: dict[str, set[str]] = defaultdict(set)  # whole normalised curated names

        def add(name: str, csps: set[str], method: str, override: bool = False) -> None:
            key = area_key(name)
            if key and csps and (override or key not in self._names):
                self._names[key] = (set(csps), method)

        for code, kind in sorted(self.kinds.items()):
            label = self.labels[code]
            variants = {label}
            if "," in label:  # "Bristol, City of" -> "City of Bristol"
                head, tail = (p.strip() for p in label.split(",", 1))
                variants |= {head, f"{tail} {head}"}
            for v in variants:
                if kind == "CSP":
                    add(v, {code}, "name", override=True)
                elif kind == "LAD":
                    add(v, csps_of_district[code], "name")
        for code, kind in sorted(self.kinds.items()):  # counties: every CSP of their districts
            if kind == "UTLA":
                add(self.labels[code], {c for d, cs in csps_of_district.items()
                                        if code in self.links[(d, "upperTier")] for c in cs}, "county")
        # councils by every name they have, current ones first, former ones through their successors
        for body in sorted(set(graph.subjects(DHR.servesArea, None)), key=str):
            served = {str(o).removeprefix(AREA) for o in graph.objects(body, DHR.servesArea)}
            csps = {c for a in served for c in csps_of_district.get(a, ())}
            csps |= {c for a in served if self.kinds.get(a) == "UTLA" for d, cs in csps_of_district.items()
                     if a in self.links[(d, "upperTier")] for c in cs}
            if not csps or graph.value(body, DHR.organisationType) is None:
                continue
            for name in [*graph.objects(body, SKOS.prefLabel), *graph.objects(body, SKOS.altLabel),
                         *graph.objects(body, DHR.locality)]:
                add(str(name), csps, "name")
        for body in sorted(set(graph.subjects(DHR.organisationType, None)), key=str):
            if (body, DHR.servesArea, None) in graph:
                continue
            csps = self._successor_csps(graph, body, csps_of_district)
            for name in [*graph.objects(body, SKOS.prefLabel), *graph.objects(body, DHR.locality)]:
                add(str(name), csps, "former council")
        for node, name in graph.subject_objects(SKOS.altLabel):  # curated names of areas (area-names.ttl)
            if (node, RDF.type, DHR.Area) in graph and self.kinds.get(str(node).removeprefix(AREA)) == "CSP":
                self._curated[normalise(str(name))].add(str(node).removeprefix(AREA))
                add(str(name), {str(node).removeprefix(AREA)}, "curated", override=True)

    def _successor_csps(self, graph: Graph, body: Node, csps_of_district: dict[str, set[str]]) -> set[str]:
        seen: set[str] = set()
        todo: list[Node] = [body]
        out: set[str] = set()
        while todo:
            node = todo.pop()
            for succ in graph.objects(node, DHR.succeededBy):
                if str(succ) in seen:
                    continue
                seen.add(str(succ))
                for area in graph.objects(succ, DHR.servesArea):
                    out |= csps_of_district.get(str(area).removeprefix(AREA), set())
                todo.append(succ)
        return out

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one Geography per registry, kept for the process
    def match(self, name: str) -> PartnershipArea | None:
        """The CSP areas `name` means, or None when it matches no area (report those)."""
        key = area_key(name)
        curated = self._curated.get(normalise(name))
        found = (curated, "curated") if curated else self._names.get(key)
        if found is None and key:
            parts = [p for p in re.split(r",|\band\b|&|/", normalise(name)) if area_key(p)]
            if len(parts) > 1 and all(area_key(p) in self._names for p in parts):
                csps = {c for p in parts for c in self._names[area_key(p)][0]}
                found = (csps, "parts")
        if found is None:
            return None
        csps, method = found
        return self._area(name, csps, method)

    def _area(self, name: str, csps: set[str], method: str) -> PartnershipArea:
        codes = tuple(sorted(csps))

        def up(codes_: set[str], prop: str) -> frozenset[str]:
            return frozenset(o for c in codes_ for o in self.links[(c, prop)])

        districts = up(set(codes), "district")
        return PartnershipArea(
            name=name, csps=codes, labels=tuple(self.labels[c] for c in codes), method=method,
            districts=districts, upper_tiers=up(set(districts), "upperTier"),
            police_force_areas=up(set(codes), "policeForceArea"), regions=up(set(districts), "region"),
            icbs=up(set(districts), "icb"), sub_icb_locations=up(set(districts), "subICBLocation"),
            health_boards=up(set(districts), "healthBoardArea"),
            ccg_names=frozenset(n for c in codes for n in self.ccg_names.get(c, ())),
        )

    def csp_codes(self) -> list[str]:
        """Every CSP area known, in code order."""
        return sorted(c for c, k in self.kinds.items() if k == "CSP")
