"""Which body a generic name with an area role means: "the Police", "the Council", "the CCG" of a
partnership's area, on the date of the review.

The registry (agencies.py) finds the partnership's ONS area (geography.py) and asks here: the
bodies serving the area's police force area, districts, counties, ICB or health board, followed
through mergers to the one that existed on the date (councils merged since; CCGs, which ended on
1 July 2022, through their mergers and the ICB that took over).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from .geography import Geography, PartnershipArea, area_key
from .iris import SCHEME, slug
from .records import Entry, Pattern

_POLICE = str(SCHEME["sector/police"])
_COMMISSIONER = str(SCHEME["sector/health-commissioner"])
_CCG_LAST_DAY = "2022-06-30"  # clinical commissioning groups were abolished on 1 July 2022
_IS_CCG = re.compile(r"\b(?:CCG|Clinical Commissioning Group|ICB - )", re.IGNORECASE)


class AreaBodies:
    """The registered bodies serving each area, asked for the one a role means on a date."""

    def __init__(self, geography: Geography, entries: dict[str, Entry], serving: dict[str, list[Entry]],
                 predecessors: dict[str, list[Entry]], patterns: Sequence[Pattern]) -> None:
        self.geography = geography
        self._entries = entries
        self._serving = serving  # area code -> bodies serving it
        self._predecessors = predecessors  # IRI -> bodies it succeeded
        self._patterns = patterns
        self._ccg_index: dict[str, list[Entry]] | None = None
        self._ccg_by_icb: dict[str, list[Entry]] | None = None

    def body(self, role: str, csp: str, published: str | None = None) -> tuple[Entry | None, str, str]:
        """The body that a generic name with `role` means in partnership `csp`: (body or None, method, why).

        Roles: police, council (the partnership's own council: unitary, or district in two-tier
        areas), upper-tier-council (social care, children's services, public health: the
        county in two-tier areas), district-council (housing), ccg (by date), icb, health-board.
        """
        area = self.geography.match(csp)
        if area is None:
            return None, "generic", f"partnership {csp!r} matches no ONS community safety partnership"
        date = f"{published}-01" if published and len(published) == 7 else (published or "9999-12-31")

        def one(codes: Iterable[str], test: Callable[[Entry], bool], what: str) -> tuple[Entry | None, str]:
            found = {e.iri: e for c in sorted(codes) for e in self._serving.get(c, ()) if test(e)}
            if len(found) == 1:
                return next(iter(found.values())), ""
            names = ", ".join(sorted(e.label for e in found.values())) or "none"
            return None, f"{what}: {len(found)} bodies ({names})"

        def current(e: Entry) -> bool:
            return e.end is None or e.end > date

        if role == "police":
            body, why = one(area.police_force_areas, lambda e: e.sector == _POLICE, "police force area")
            return body, "area", why or f"the force of police force area {self._labels(area.police_force_areas)}"
        if role == "icb":
            if area.health_boards and not area.icbs:  # Wales has no ICBs: its health boards plan services
                body, why = one(area.health_boards, lambda e: True, "Welsh health board area")
                return body, "area", why or (f"Wales has no ICBs: the health board of "
                                             f"{self._labels(area.health_boards)}")
            body, why = one(area.icbs, lambda e: e.sector == _COMMISSIONER, "integrated care board area")
            return body, "area", why or f"the ICB of {self._labels(area.icbs)}"
        if role == "health-board":
            body, why = one(area.health_boards, lambda e: True, "Welsh health board area")
            return body, "area", why or f"the health board of {self._labels(area.health_boards)}"
        if role in ("council", "district-council"):
            body, why = one(area.districts, lambda e: e.council and current(e), "councils of the partnership's districts")
            tier = "the district council (two-tier area)" if area.upper_tiers else "the unitary council"
            if body is not None and body.start and date < body.start:
                return self._council_before(body, date, area, county=False)
            return body, "area", why or f"{tier} of {self._labels(area.districts)}"
        if role == "upper-tier-council":
            codes = set(area.upper_tiers) | {d for d in area.districts if not self.geography.links[(d, "upperTier")]}
            body, why = one(codes, lambda e: e.council and current(e), "upper-tier councils")
            if body is not None and body.start and date < body.start:
                return self._council_before(body, date, area, county=True)
            if area.upper_tiers:
                return body, "function", why or (f"social care, children's services and public health are county "
                                                  f"functions in two-tier areas: {self._labels(codes)}")
            return body, "area", why or f"the unitary council of {self._labels(codes)}"
        if role == "ccg":
            return self._area_ccg(area, min(date, _CCG_LAST_DAY))
        return None, "generic", f"unknown area role {role!r}"

    def _council_before(self, body: Entry, date: str, area: PartnershipArea,
                        county: bool) -> tuple[Entry | None, str, str]:
        """The council that held the area's functions on `date`, before `body` took over (merged councils)."""
        found: dict[str, Entry] = {}
        todo, seen = [body], set()
        while todo:
            node = todo.pop()
            for old in self._predecessors.get(node.iri, ()):
                if old.iri in seen:
                    continue
                seen.add(old.iri)
                if (not old.start or old.start <= date) and (not old.end or date < old.end):
                    found[old.iri] = old
                else:
                    todo.append(old)
        keys = {area_key(area.name), *(area_key(x) for x in area.labels)}

        def named(entries: list[Entry]) -> list[Entry]:
            return [e for e in entries if any(area_key(loc) in keys for loc in (*e.localities, e.label))]

        tier = [e for e in found.values() if e.county == county] or list(found.values())
        if len(tier) > 1:  # the one named like the partnership ("the Council" of a county-wide one: the county)
            tier = named(tier) or named(list(found.values())) or tier
        if len(tier) == 1:
            return tier[0], "date", f"{tier[0].label} held this on {date[:7]}; {body.label} took over from {body.start}"
        names = ", ".join(sorted(e.label for e in tier)) or "none"
        return None, "generic", f"{body.label} began on {body.start}; before that: {names}"

    def _area_ccg(self, area: PartnershipArea, date: str) -> tuple[Entry | None, str, str]:
        """The CCG that covered the partnership's area on `date` (CCGs ended on 1 July 2022).

        CCGs were named after their areas, so the ones whose name takes in the partnership's CSP,
        district or county name are candidates (districts before counties); each is followed
        through its mergers to the one that existed on that date. Failing that, a CCG named in the
        area's ICB's dhr:commissioningArea gives the CCG the `ccg` name pattern mints.
        """
        geo = self.geography
        if area.ccg_names:  # curated: the names of the CCGs that covered the area (area-names.ttl)
            specific = {area_key(x) for x in area.ccg_names}
        else:
            specific = {area_key(x) for x in (area.name, *area.labels,
                                              *(geo.labels.get(d, "") for d in area.districts))}
        broad = {area_key(geo.labels.get(c, "")) for c in area.upper_tiers}
        ranked: dict[int, dict[str, Entry]] = defaultdict(dict)
        for key, rank in [*((k, 2) for k in specific), *((k, 1) for k in broad)]:
            for entry in self._ccgs().get(key, ()):
                at = self._at_date(entry, date)
                if at is not None:
                    ranked[rank][at.iri] = at
        for rank in (2, 1):
            if len(ranked[rank]) == 1:
                body = next(iter(ranked[rank].values()))
                return body, "date", f"the CCG whose area takes in {area.name!r} on {date[:7]}"
            if len(ranked[rank]) > 1:
                names = ", ".join(sorted(e.label for e in ranked[rank].values()))
                return None, "generic", f"several CCGs covered the area on {date[:7]}: {names}"
        icbs = {e.iri: e for c in area.icbs for e in self._serving.get(c, ()) if e.sector == _COMMISSIONER}
        if area.ccg_names and pattern_areas(self._patterns):  # a curated CCG name an ICB took over
            exact = {succ: written for written, succ in pattern_areas(self._patterns) if area_key(written) in specific}
            if len(exact) == 1 and not icbs.keys() & exact.keys():
                icbs = {iri: self._entries[iri] for iri in exact if iri in self._entries}
        if len(icbs) == 1:  # an ICB that took over from one CCG only: that CCG covered all its area
            icb = next(iter(icbs.values()))
            on_date = {a.iri: a for e in self._ccgs_of_icb().get(icb.iri, ()) if (a := self._at_date(e, date))}
            if len(on_date) == 1:
                body = next(iter(on_date.values()))
                return body, "date", f"the only CCG of the area of {icb.label} on {date[:7]}"
        if area.health_boards and not area.icbs:
            board, _, _ = self.body("health-board", area.name)
            if board is not None:
                return board, "area", "Wales has no CCGs: its local health boards plan and commission services"
        pattern = next((p for p in self._patterns if p.iri_template and p.areas is not None), None)
        if len(icbs) == 1 and pattern is not None and pattern.iri_template:
            icb = next(iter(icbs.values()))
            named: list[str] = []
            took_over = sorted({written for written, succ in (pattern.areas or {}).values() if succ == icb.iri})
            for keys in (specific, broad):  # named after the area itself, else taking it in, else its county
                named = [w for w in took_over if area_key(w) in keys] or \
                    [w for w in took_over if set(_area_parts(w)) & keys]
                if named:
                    break
            if len(named) > 1:
                return None, "generic", f"several CCGs covered the area: {', '.join(named)}"
            if len(named) == 1:
                iri = pattern.iri_template.format(area=slug(named[0]))
                body = self._entries.get(iri) or Entry(
                    iri=iri, label=(pattern.label_template or "{area}").format(area=named[0]), kind="organisation",
                    sector=pattern.sector, scope="local", localities=(named[0],), successor=icb.iri,
                    succession_date=pattern.succession_date, minted=True)
                return body, "date", f"the CCG named {named[0]!r} among those {icb.label} took over"
        return None, "generic", f"no CCG name takes in {area.name!r}"

    def _ccgs(self) -> dict[str, list[Entry]]:
        """Registered CCGs by each area named in their name ("Canterbury and Coastal" -> both)."""
        if self._ccg_index is None:
            self._ccg_index = defaultdict(list)
            for e in self._entries.values():
                if e.kind == "organisation" and e.sector == _COMMISSIONER and _IS_CCG.search(e.label):
                    for loc in e.localities:
                        for part in set(_area_parts(loc)):
                            self._ccg_index[part].append(e)
        return self._ccg_index

    def _ccgs_of_icb(self) -> dict[str, list[Entry]]:
        """Registered CCGs (and sub-ICB locations that were CCGs) by the ICB their mergers end in."""
        if self._ccg_by_icb is None:
            self._ccg_by_icb = defaultdict(list)
            for e in self._entries.values():
                if e.kind != "organisation" or e.sector != _COMMISSIONER or not _IS_CCG.search(e.label):
                    continue
                node, seen = e, set()  # through the CCG mergers to the first body that is not a CCG: the ICB
                while _IS_CCG.search(node.label) and node.successor and node.iri not in seen \
                        and node.successor in self._entries:
                    seen.add(node.iri)
                    node = self._entries[node.successor]
                if node is not e and not _IS_CCG.search(node.label):
                    self._ccg_by_icb[node.iri].append(e)
        return self._ccg_by_icb

    def _at_date(self, entry: Entry, date: str) -> Entry | None:
        """`entry`, or the CCG it merged into, that existed on `date` (None if it had not started)."""
        seen = set()
        while entry.iri not in seen:
            seen.add(entry.iri)
            if entry.start and date < entry.start:
                return None
            if not entry.end or date <= entry.end or not entry.successor:
                return entry
            nxt = self._entries.get(entry.successor)
            if nxt is None or nxt.sector != _COMMISSIONER or not _IS_CCG.search(nxt.label):
                return entry
            entry = nxt
        return entry

    def _labels(self, codes: Iterable[str]) -> str:
        return ", ".join(sorted(self.geography.labels.get(c, c) for c in codes))


def pattern_areas(patterns: Sequence[Pattern]) -> list[tuple[str, str]]:
    """(area as written, successor IRI) of the name pattern that looks successors up (the CCG rule)."""
    for p in patterns:
        if p.iri_template and p.areas is not None:
            return sorted(p.areas.values())
    return []


def _area_parts(name: str) -> list[str]:
    """The places a CCG-style area name takes in: "Canterbury and Coastal" -> the whole and each part."""
    parts = [area_key(p) for p in re.split(r",|\band\b|&", name)]
    return [k for k in (area_key(name), *parts) if k]
