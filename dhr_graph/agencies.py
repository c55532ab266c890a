"""Agency identity: the curated registry and explainable resolution of names.

Who a recommendation is addressed to decides which reviews look alike, so every name goes
through the same steps and records how it was resolved and how sure we are:

1. the whole name, then the part outside and the part inside any parentheses, each
   normalised (case, punctuation, "&"/"and", a leading "the", where "NHS" sits) and looked
   up among registered names (`exact` prefLabel, `alias` altLabel, `acronym`), then among
   the names a body has only in its own area (skos:hiddenLabel, matched against the review's
   partnership), then among group names and generic names: a generic name with an area role
   ("the Police", "Adult Social Care", "the CCG") becomes that body of the partnership's area,
   found through its ONS geography (geography.py) and the review's date (`area`, `function`,
   `date`); otherwise, or where the area has no one such body, it is scoped to the partnership;
2. typed name patterns (`pattern`), including the rule that links a CCG to its ICB;
3. fuzzy candidates (`fuzzy`), accepted only when close and word-for-word similar;
4. the name itself (`verbatim`), as a body scoped to the review's partnership.

All names, patterns and areas are data (ontology/agencies.ttl, the generated
ontology/agencies-official.ttl and areas.ttl, ontology/area-names.ttl, ontology/agency-patterns.ttl
and user `--registry` files); this module only knows the steps.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, RDF, RDFS, SKOS
from rdflib.term import Node

from . import resources
from .errors import InputError
from .agencynames import STOPWORDS, WORD, NameShapes, clean, closest, normalise, without_nhs, word_key
from .areabodies import AreaBodies
from .geography import Geography, PartnershipArea
from .inputfiles import read_turtle
from .iris import CSP_PATTERN, DHR, SCHEME, Minter, slug
from .mentiontrie import MentionTrie
from .records import Entry, Pattern, Resolution

#: Bundled registry files, in load order (the ontology itself is loaded by the pipeline).
BUNDLED_FILES = ("sectors.ttl", "agencies.ttl", "agencies-official.ttl", "areas.ttl", "area-names.ttl",
                 "agency-patterns.ttl")

UNSPECIFIED = str(SCHEME["sector/unspecified"])
_PARTNERSHIP = str(SCHEME["sector/partnership"])

# Confidence of each way of resolving (multiplied by the variant penalty below).
_CONFIDENCE = {"exact": 1.0, "alias": 1.0, "acronym": 1.0, "area": 0.9, "function": 0.9, "date": 0.85,
               "generic": 0.9, "ccg": 0.85,
               "pattern": 0.6, "verbatim": 0.3}
_NHS_MOVED = 0.95  # matched only once "NHS" was taken out of both names
_OUTER, _INNER = 0.95, 0.9  # matched on the part outside / inside parentheses
FUZZY_ACCEPT = 0.88  # character similarity needed to accept a fuzzy candidate
_PARENS = re.compile(r"^(?P<outer>[^()]*?)\s*\((?P<inner>[^()]*)\)\s*(?P<rest>[^()]*)$")


@dataclass(frozen=True)
class _Hit:
    entry: Entry
    method: str  # exact | alias | acronym
    form: str  # the label that matched, as written in the registry


class Registry:
    """The agency registry loaded from Turtle, with cached, explainable resolution."""

    def __init__(self, graph: Graph, files: Sequence[Path]) -> None:
        self.graph = graph
        self._files = list(files)
        self._entries: dict[str, Entry] = {}
        self._global: dict[str, list[_Hit]] = defaultdict(list)  # key -> registered names
        self._nhs_free: dict[str, list[_Hit]] = defaultdict(list)  # the same keys without "NHS"
        self._local: dict[tuple[str, str], list[_Hit]] = defaultdict(list)  # (area, key) -> hidden labels
        self._names: dict[str, _Hit] = {}  # key -> group / generic names
        self._patterns: list[Pattern] = []
        self._cache: dict[tuple[str, str, str | None, str], Resolution] = {}
        self._serving: dict[str, list[Entry]] = defaultdict(list)  # area code -> bodies serving it
        self._predecessors: dict[str, list[Entry]] = defaultdict(list)
        self._build()
        self.geography = Geography(graph)
        self.areas = AreaBodies(self.geography, self._entries, self._serving, self._predecessors, self._patterns)
        self._fuzzy_keys, self._token_index = self._fuzzy_index()
        self._fuzzy_cache: dict[str, list[tuple[Entry, float]]] = {}
        self._local_fuzzy: dict[str, tuple[dict[str, Entry], dict[str, list[str]]]] = {}
        for (area, key), hits in self._local.items():
            if len(key) >= 6 and len({h.entry.iri for h in hits}) == 1:
                keys, index = self._local_fuzzy.setdefault(area, ({}, defaultdict(list)))
                keys[key] = hits[0].entry
                for token in set(key.split()) - STOPWORDS:
                    index[token].append(key)
        mention_keys = set(self._mention_keys())
        self._mention_keys_set = mention_keys
        self._mention_first = {k.split()[0] for k in mention_keys if k}
        self._mention_max = max((len(k.split()) for k in mention_keys), default=1)
        self._mention_trie = MentionTrie(mention_keys)
        self._name_shapes = NameShapes()

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, extra: Sequence[str | Path] = ()) -> Registry:
        """The bundled registry plus the user's Turtle files (`--registry FILE`), in order."""
        base = resources.ontology_dir()
        files = [base / name for name in BUNDLED_FILES] + [Path(p) for p in extra]
        graph = Graph()
        for path in files:
            read_turtle(path, graph)
        return cls(graph, files)

    def source_files(self) -> list[Path]:
        """The Turtle files loaded; the store keeps each in graph .../graph/{file stem}."""
        return list(self._files)

    def _label(self, node: Node) -> str:
        labels = [o for o in self.graph.objects(node, SKOS.prefLabel) if isinstance(o, Literal)]
        english = [o for o in labels if o.language in (None, "en")]
        return str((english or labels)[0]) if labels else str(node).rsplit("/", 1)[-1]

    def _build(self) -> None:
        g = self.graph
        for node in sorted(set(g.subjects(RDF.type, DHR.Agency)), key=str):
            entry = Entry(
                iri=str(node), label=self._label(node), kind="organisation",
                sector=_first(g.objects(node, ORG.classification)),
                scope=str(g.value(node, DHR.scope) or "national"),
                localities=tuple(sorted(str(o) for o in g.objects(node, DHR.locality))),
                successor=_first(g.objects(node, DHR.succeededBy)),
                succession_date=_first(g.objects(node, DHR.successionDate)),
                areas=tuple(sorted(str(o).rsplit("/", 1)[-1] for o in g.objects(node, DHR.servesArea))),
                start=_first(g.objects(node, DHR.startDate)), end=_first(g.objects(node, DHR.endDate)),
                council=(node, DHR.organisationType, None) in g,
                county=str(g.value(node, DHR.organisationType) or "") == "County",
            )
            for area in entry.areas:
                self._serving[area].append(entry)
            if entry.successor:
                self._predecessors[entry.successor].append(entry)
            self._entries[entry.iri] = entry
            for prop, method in ((SKOS.prefLabel, "exact"), (SKOS.altLabel, "alias"), (DHR.acronym, "acronym")):
                for form in g.objects(node, prop):
                    self._index_global(str(form), _Hit(entry, method, str(form)))
            areas = {normalise(a) for a in entry.localities}
            for form in g.objects(node, SKOS.hiddenLabel):
                key = normalise(str(form))
                for area in areas:
                    self._local[(area, key)].append(_Hit(entry, "alias", str(form)))
        for cls, kind in ((DHR.GroupName, "group"), (DHR.GenericName, "generic")):
            for node in sorted(set(g.subjects(RDF.type, cls)), key=str):
                entry = Entry(iri=str(node), label=self._label(node), kind=kind,
                              sector=_first(g.objects(node, DHR.sector)), scope="local",
                              successor=_first(g.objects(node, DHR.succeededBy)),
                              succession_date=_first(g.objects(node, DHR.successionDate)),
                              area_role=_first(g.objects(node, DHR.areaRole)))
                self._entries[entry.iri] = entry
                for prop, method in ((SKOS.prefLabel, "exact"), (SKOS.altLabel, "alias"), (SKOS.hiddenLabel, "alias")):
                    for form in g.objects(node, prop):
                        self._names.setdefault(normalise(str(form)), _Hit(entry, method, str(form)))
        for node in set(g.subjects(RDF.type, DHR.NamePattern)):
            self._patterns.append(self._pattern(node))
        self._patterns.sort(key=lambda p: (p.priority, p.iri))

    def _index_global(self, form: str, hit: _Hit) -> None:
        key = normalise(form)
        for index, k in ((self._global, key), (self._nhs_free, without_nhs(key) or key)):
            if k and all(h.entry.iri != hit.entry.iri for h in index[k]):
                index[k].append(hit)

    def _pattern(self, node: Node) -> Pattern:
        g = self.graph
        regex = str(g.value(node, DHR.regex) or "")
        try:
            compiled = re.compile(regex)
        except re.error as exc:
            raise InputError(str(node), f"name pattern has a bad regular expression: {exc}") from None
        areas: dict[str, tuple[str, str]] | None = None
        lookup = g.value(node, DHR.successorLookup)
        if lookup is not None:
            areas = {}
            for body, value in sorted(g.subject_objects(lookup), key=lambda bv: (str(bv[0]), str(bv[1]))):
                areas.setdefault(normalise(str(value)), (str(value), str(body)))
        template = g.value(node, DHR.iriTemplate)
        label_template = g.value(node, DHR.labelTemplate)
        return Pattern(
            iri=str(node), label=str(g.value(node, RDFS.label) or node), regex=compiled,
            priority=int(str(g.value(node, DHR.priority) or 1000)), sector=_first(g.objects(node, DHR.sector)),
            iri_template=str(template) if template else None,
            label_template=str(label_template) if label_template else None, areas=areas,
            succession_date=_first(g.objects(node, DHR.successionDate)),
        )

    # ------------------------------------------------------------------ lookups

    def codes(self, iri: str) -> list[tuple[str, str]]:
        """The official codes of a registered body: (code, scheme), scheme GSS, ODS, HMPPS or GOVUK."""
        out = []
        for value in self.graph.objects(URIRef(iri), DCTERMS.identifier):
            if isinstance(value, Literal) and value.datatype is not None:
                out.append((str(value), str(value.datatype).rsplit("/", 1)[-1].removesuffix("Code")))
        return sorted(out)

    def entry(self, iri: str) -> Entry | None:
        """The registered body, group name or generic name with this IRI."""
        return self._entries.get(iri)

    def _lookup(self, key: str, area: str) -> tuple[_Hit, float] | None:
        """Registered names, then names valid in this area, then group and generic names."""
        nhs_free = without_nhs(key) or key
        for index, k, factor in ((self._global, key, 1.0), (self._nhs_free, nhs_free, _NHS_MOVED)):
            hits = index.get(k, [])
            if len(hits) > 1:  # the same name for two bodies: take the one of this area, if any
                hits = [h for h in hits if area in {normalise(a) for a in h.entry.localities}]
            if len(hits) == 1:
                return hits[0], factor
        local = self._local.get((area, key), [])
        if len({h.entry.iri for h in local}) == 1:
            return local[0], 1.0
        hit = self._names.get(key)
        return (hit, 1.0) if hit else None

    # ------------------------------------------------------------------ resolution

    def resolve(self, surface: str, csp: str, published: str | None, minter: Minter) -> Resolution:
        """Who an addressee string means in a review of partnership `csp`, and why.

        `published` ("YYYY-MM") settles generic names whose body changed over time ("the CCG",
        "the Council" of an area whose councils merged). A body named outright keeps its identity
        whatever the date: a review published after a succession that names the old body (a CCG
        in 2023) still means the old body, and `successor` carries the link to the body that took over.
        """
        cache_key = (surface, csp, published, minter.base)
        found = self._cache.get(cache_key)
        if found is None:
            found = self._resolve(surface, csp, published, minter)
            self._cache[cache_key] = found
        return found

    def _resolve(self, surface: str, csp: str, published: str | None, minter: Minter) -> Resolution:
        name = clean(surface)
        area = normalise(csp)
        variants = [(name, 1.0)]
        parts = _PARENS.match(name)
        if parts:
            outer = clean(f"{parts['outer']} {parts['rest']}")
            variants += [(outer, _OUTER), (clean(parts["inner"]), _INNER)]
        for variant, penalty in variants:
            key = normalise(variant)
            if not key:
                continue
            looked = self._lookup(key, area)
            if looked:
                hit, factor = looked
                if factor < 1.0 and hit.method == "exact":  # the name differs from the label in "NHS"
                    hit = _Hit(hit.entry, "alias", hit.form)
                return self._from_hit(surface, hit, penalty * factor, csp, minter, published)
        key = normalise(variants[1][0] if parts else name) or normalise(name)
        typed = self._typed(surface, key, csp, minter)
        if typed is not None and typed.generic == CSP_PATTERN:
            own = self._own_partnership(surface, name, csp, minter)
            if own is not None:
                return own
        best = self.candidates(name, csp, limit=1)
        if best and best[0][1] >= FUZZY_ACCEPT:
            entry, score = best[0]
            if typed is None or typed.sector == entry.sector:
                hit = _Hit(entry, "alias", entry.label)
                res = self._from_hit(surface, hit, 1.0, csp, minter)
                return replace(res, method="fuzzy", confidence=round(score, 2))
        if typed is not None:
            return typed
        return Resolution(surface=surface, iri=minter.local_agency(csp, name or surface), label=name or surface,
                          kind="organisation", scope="local", sector=UNSPECIFIED, method="verbatim",
                          confidence=_CONFIDENCE["verbatim"], locality=csp, registered=False)

    def _from_hit(self, surface: str, hit: _Hit, factor: float, csp: str, minter: Minter,
                  published: str | None = None) -> Resolution:
        e = hit.entry
        reason = None
        if e.kind == "generic" and e.area_role:
            body, method, reason = self.area_body(e.area_role, csp, published)
            if body is not None:
                res = self._from_hit(surface, _Hit(body, "exact", body.label), factor, csp, minter)
                return replace(res, method=method, confidence=round(_CONFIDENCE[method] * factor, 2),
                               reason=reason, generic=e.iri)
            if e.area_role == "partnership" and self.geography.match(csp) is not None:
                return Resolution(surface=surface, iri=minter.partnership(csp), label=csp, kind="organisation",
                                  scope="local", sector=e.sector, method="area",
                                  confidence=round(_CONFIDENCE["area"] * factor, 2), locality=csp,
                                  registered=False, generic=e.iri, reason="the review's own partnership")
        if e.kind == "organisation":
            return Resolution(surface=surface, iri=e.iri, label=e.label, kind="organisation", scope=e.scope,
                              sector=e.sector, method=hit.method, confidence=round(_CONFIDENCE[hit.method] * factor, 2),
                              locality=e.localities[0] if e.localities else None, registered=not e.minted,
                              successor=e.successor, succession_date=e.succession_date)
        successor = self._entries.get(e.successor) if e.successor else None
        if successor is None or successor.kind == "organisation":
            next_iri = e.successor  # a registered body (or an IRI the registry does not describe)
        else:
            next_iri = minter.local_agency(csp, successor.label)  # the same area's generic successor
        return Resolution(
            surface=surface, iri=minter.local_agency(csp, e.label), label=f"{e.label} ({csp})",
            kind="group" if e.kind == "group" else "organisation", scope="local", sector=e.sector,
            method=hit.method if e.kind == "group" else "generic",
            confidence=round((_CONFIDENCE[hit.method] if e.kind == "group" else _CONFIDENCE["generic"]) * factor, 2),
            locality=csp, registered=False, generic=e.iri,
            successor=next_iri, succession_date=e.succession_date if next_iri else None, reason=reason,
        )

    def _own_partnership(self, surface: str, name: str, csp: str, minter: Minter) -> Resolution | None:
        """The review's own partnership node, when a partnership named as an addressee is the review's
        ("Canterbury Community Safety Partnership" in a Canterbury review)."""
        named, own = self.geography.match(name), self.geography.match(csp)
        if named is None or own is None or named.csps != own.csps:
            return None
        return Resolution(surface=surface, iri=minter.partnership(csp), label=csp, kind="organisation",
                          scope="local", sector=_PARTNERSHIP, method="area", confidence=_CONFIDENCE["area"],
                          locality=csp, registered=False, generic=CSP_PATTERN, reason="the review's own partnership")

    # ------------------------------------------------------------------ the bodies of an area

    def area_body(self, role: str, csp: str, published: str | None = None) -> tuple[Entry | None, str, str]:
        """The body that a generic name with `role` means in partnership `csp` (areabodies.py)."""
        return self.areas.body(role, csp, published)

    def _typed(self, surface: str, key: str, csp: str, minter: Minter) -> Resolution | None:
        """The first name pattern that matches, as a body of its sector."""
        name = clean(surface)
        for p in self._patterns:
            m = p.regex.search(key)
            if not m:
                continue
            if p.iri_template and p.areas is not None and "area" in m.groupdict():
                known = p.areas.get(normalise(m["area"]))
                if known:
                    written, successor = known
                    return Resolution(
                        surface=surface, iri=p.iri_template.format(area=slug(written)),
                        label=(p.label_template or "{area}").format(area=written), kind="organisation",
                        scope="local", sector=p.sector, method="pattern", confidence=_CONFIDENCE["ccg"],
                        locality=written, registered=False, successor=successor,
                        succession_date=p.succession_date, generic=p.iri,
                    )
            return Resolution(surface=surface, iri=minter.local_agency(csp, name), label=name, kind="organisation",
                              scope="local", sector=p.sector, method="pattern", confidence=_CONFIDENCE["pattern"],
                              locality=csp, registered=False, generic=p.iri)
        return None

    # ------------------------------------------------------------------ fuzzy candidates

    def _fuzzy_index(self) -> tuple[dict[str, Entry], dict[str, list[str]]]:
        keys: dict[str, Entry] = {}
        for key, hits in self._global.items():
            if len(hits) == 1 and hits[0].method != "acronym" and len(key) >= 6:
                keys[key] = hits[0].entry
        for key, hit in self._names.items():
            if len(key) >= 6:
                keys.setdefault(key, hit.entry)
        index: dict[str, list[str]] = defaultdict(list)
        for key in keys:
            for token in set(key.split()) - STOPWORDS:
                index[token].append(key)
        return keys, index

    def candidates(self, surface: str, csp: str = "", limit: int = 3) -> list[tuple[Entry, float]]:
        """Registered bodies and names that `surface` may be a misspelling of, best first.

        A candidate must share all but one of the significant words, be close character by
        character, and every word of either name needs a near twin in the other, so
        "North Yorkshire Police" is never a misspelling of "South Yorkshire Police".
        """
        key = normalise(surface)
        found = self._fuzzy_cache.get(key)
        if found is None:
            found = closest(key, self._fuzzy_keys, self._token_index)
            self._fuzzy_cache[key] = found
        area = normalise(csp)
        if area in self._local_fuzzy:
            keys, index = self._local_fuzzy[area]
            found = found + closest(key, keys, index)
        best: dict[str, tuple[Entry, float]] = {}
        for entry, score in found:
            if entry.iri not in best or best[entry.iri][1] < score:
                best[entry.iri] = (entry, score)
        return sorted(best.values(), key=lambda es: (-es[1], es[0].label))[:limit]

    # ------------------------------------------------------------------ mentions

    def _mention_keys(self) -> Iterable[str]:
        yield from self._global
        yield from self._nhs_free
        yield from (k for (_, k) in self._local)
        yield from self._names

    def mentions(self, text: str, csp: str, published: str | None, minter: Minter) -> tuple[Resolution, ...]:
        """Agencies named inside a recommendation's text, in order of first mention.

        Only registered names, names of bodies of this area and generic names count (not
        groups, patterns or fuzzy matches), written as names: each significant word
        capitalised, acronyms in their own case, one-word names not opening a sentence.
        """
        area = normalise(csp)
        words = list(WORD.finditer(text))
        keys = [word_key(w.group()) for w in words]
        found: dict[str, Resolution] = {}
        first = self._mention_first
        resume = 0  # the word after the last mention found
        for i in [i for i, k in enumerate(keys) if k in first or k == "nhs"]:
            if i < resume:
                continue
            step = 1
            for length in self._mention_trie.lengths(keys, i, min(self._mention_max, len(words) - i)):
                key = " ".join(keys[i:i + length])
                if key not in self._mention_keys_set and (without_nhs(key) or key) not in self._mention_keys_set:
                    continue
                looked = self._lookup(key, area) if len(key) >= 3 else None
                if not looked or looked[0].entry.kind == "group":
                    continue
                span = text[words[i].start():words[i + length - 1].end()]
                if not self._name_shapes.written_as_name(span, looked[0].form, text, words[i].start()):
                    continue
                res = self.resolve(span, csp, published, minter)
                if res.method in ("exact", "alias", "acronym", "generic", "area", "function", "date") \
                        and res.kind != "group":
                    found.setdefault(res.iri, res)
                    step = length
                    break
            resume = i + step
        return tuple(found.values())


def _first(values: Iterable[object]) -> str | None:
    items = sorted(str(v) for v in values)
    return items[0] if items else None


def partnership_area(name: str, registry: Registry | None = None) -> PartnershipArea | None:
    """The ONS CSP area(s) of a partnership named as a page or the DHRD dataset names it (with the
    bundled registry unless one is given); None when the name matches no area."""
    return (registry or _bundled()).geography.match(name)


@functools.lru_cache(maxsize=1)
def _bundled() -> Registry:
    return Registry.load()
