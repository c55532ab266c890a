"""Curation files: a person pins how one name in one review resolves, overriding the resolver.

The resolver (agencies.py) is right most of the time; where it is not, a curation entry says
"in review K, the addressee written S is agency A" (a registry IRI, or a name: a registered
body's name, or a new local body). The pinned resolution is recorded with the method
"curated" and confidence 1, so a query can tell it from the resolver's own. Entries come from
CSV (columns `review,surface,agency`) or Turtle (`dhr:Curation` nodes); see README "Correcting
records". A bad entry stops the build with the file and line: corrections are never half applied.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import RDF

from .agencies import UNSPECIFIED, Registry
from .agencynames import clean
from .inputfiles import read_turtle
from .errors import InputError
from .identity import KEY_RE
from .iris import DHR, Minter
from .records import Resolution

log = logging.getLogger(__name__)

METHOD = "curated"
CSV_COLUMNS = ("review", "surface", "agency")


@dataclass(frozen=True)
class Pin:
    """One curation entry: in review `review` (a key), the name `surface` means `agency`."""

    review: str
    surface: str
    agency: str  # an IRI (registry) or a name
    where: str  # "file:line" or "file (node)" for messages


@dataclass
class Curation:
    """Pins by (review key, name as written, spaces collapsed)."""

    pins: dict[tuple[str, str], Pin] = field(default_factory=dict)
    used: set[tuple[str, str]] = field(default_factory=set)

    @classmethod
    def load(cls, files: Sequence[str | Path]) -> Curation:
        cur = cls()
        for path in files:
            pins = _load_csv(Path(path)) if Path(path).suffix.lower() == ".csv" else _load_turtle(Path(path))
            for pin in pins:
                key = (pin.review, clean(pin.surface))
                if key in cur.pins and cur.pins[key].agency != pin.agency:
                    raise InputError(pin.where, f"{pin.surface!r} in review {pin.review!r} is already pinned "
                                                f"to {cur.pins[key].agency!r} ({cur.pins[key].where})")
                cur.pins[key] = pin
        return cur

    def check(self, registry: Registry) -> None:
        """Refuse pins to IRIs the registry does not know, before anything is built."""
        for pin in self.pins.values():
            if pin.agency.startswith(("http://", "https://", "urn:")) and registry.entry(pin.agency) is None:
                raise InputError(pin.where, f"{pin.agency} is not in the agency registry")

    def __bool__(self) -> bool:
        return bool(self.pins)

    def resolve(self, review_key: str, surface: str, csp: str, published: str | None,
                registry: Registry, minter: Minter) -> Resolution | None:
        """The pinned resolution of `surface` in this review, or None when nothing is pinned."""
        key = (review_key, clean(surface))
        pin = self.pins.get(key)
        if pin is None:
            return None
        self.used.add(key)
        return replace(pinned(pin, csp, published, registry, minter), surface=surface)

    def unused(self) -> list[Pin]:
        """Pins that matched no name of any review built with them (a typo, or a review not built)."""
        return [p for k, p in sorted(self.pins.items()) if k not in self.used]


def pinned(pin: Pin, csp: str, published: str | None, registry: Registry, minter: Minter) -> Resolution:
    """A pin as a resolution: a registry entry (an IRI, or a name the registry knows exactly) or a
    new local body of the review's partnership named by the pin."""
    if pin.agency.startswith(("http://", "https://", "urn:")):
        entry = registry.entry(pin.agency)
        if entry is None:
            raise InputError(pin.where, f"{pin.agency} is not in the agency registry")
        res = registry.resolve(entry.label, csp, published, minter)
        if pin.agency not in (res.iri, res.generic):
            raise InputError(pin.where, f"{pin.agency} cannot be pinned: its label {entry.label!r} "
                                        f"resolves to {res.iri} in {csp}")
    else:
        res = registry.resolve(pin.agency, csp, published, minter)
        if res.method not in ("exact", "alias", "acronym", "generic"):  # not a registered name: a new body
            name = clean(pin.agency)
            res = Resolution(surface=pin.surface, iri=minter.local_agency(csp, name), label=name,
                             kind="organisation", scope="local", sector=UNSPECIFIED, locality=csp)
    return replace(res, method=METHOD, confidence=1.0)


def _load_csv(path: Path) -> list[Pin]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(str(path), "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read as UTF-8 text: {exc}") from None
    reader = csv.DictReader(text.splitlines(keepends=True))
    if [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]:
        raise InputError(str(path), f"expected the columns {', '.join(CSV_COLUMNS)}", 1)
    pins = []
    line = 2
    try:
        for row in reader:
            where = f"{path}:{line}"
            line = reader.line_num + 1
            values = {c: " ".join((row.get(c) or "").split()) for c in CSV_COLUMNS}
            if not any(values.values()):
                continue
            pins.append(_pin(values["review"], values["surface"], values["agency"], where))
    except csv.Error as exc:
        raise InputError(str(path), f"unreadable CSV: {exc}", line) from None
    return pins


def _load_turtle(path: Path) -> list[Pin]:
    g = read_turtle(path)
    pins = []
    for node in sorted(g.subjects(RDF.type, DHR.Curation), key=str):
        review, surface = g.value(node, DHR.curatedReview), g.value(node, DHR.surfaceForm)
        agency = g.value(node, DHR.addressee) or g.value(node, DHR.curatedName)
        where = f"{path} (curation of {str(surface)!r} in {str(review)!r})"
        if not isinstance(agency, (URIRef, Literal)):
            raise InputError(where, "needs dhr:addressee (a registry IRI) or dhr:curatedName (a name)")
        pins.append(_pin(str(review or ""), str(surface or ""), str(agency), where))
    if not pins:
        raise InputError(str(path), "no dhr:Curation entries")
    return pins


def _pin(review: str, surface: str, agency: str, where: str) -> Pin:
    if not KEY_RE.match(review):
        raise InputError(where, f"'review' must be a review key as 'dhr-graph parse --format json' prints it, "
                                f"not {review!r}")
    if not surface.strip():
        raise InputError(where, "empty 'surface' (the name as written in the review)")
    if not agency.strip():
        raise InputError(where, "empty 'agency' (a registry IRI, or a name)")
    return Pin(review, " ".join(surface.split()), agency.strip(), where)
