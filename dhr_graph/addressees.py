"""Reading one `Addressed to` cell: several bodies written in one cell, split where they are separate.

Pages sometimes list several bodies in one cell ("Police, Probation and Southampton City
Council", "Solent NHS Trust / Integrated Care Board") where most pages give each its own cell.
A separator does not always separate bodies, though: "Children and Families Service", "Police
and Crime Commissioner", "Better Care Board (Health and Wellbeing Board)" and "Department for
Levelling Up, Housing and Communities" are one body each. So a cell is split only where every
part stands as a body of its own:

* a cell the agency registry knows as a whole is one body;
* "and", "&" and "/" separate two parts only when both are names the registry knows (a
  registered body, a generic or group name, or a typed name pattern such as "… Police");
* "," and ";" separate two parts when both are known names or both read as whole names
  (two or more words, or an acronym), so "Hampshire, Southampton and Isle of Wight CCG" stays
  whole even where the registry does not know it;
* text inside parentheses is never split.

Among the ways to cut a cell that follow these rules, the one with the most parts wins. Without
a registry (`known` None) only commas and semicolons between whole names split a cell.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from .iris import Minter

if TYPE_CHECKING:
    from .agencies import Registry

#: How well the registry knows a name (in a partnership area): 0 unknown, 1 by a typed name
#: pattern only, 2 as a registered body, a generic name or a group name.
Known = Callable[[str, str], int]

UNKNOWN, PATTERN, REGISTERED = 0, 1, 2

_SEPARATOR_RE = re.compile(r"\s*[,;/]\s*|\s+(?:and|&)\s+", re.IGNORECASE)
_STRONG = {",", ";"}
_AREA_PATTERN = 0.85  # the confidence agencies.py gives a pattern that named a body of a known area
_REGISTERED_METHODS = frozenset({"exact", "alias", "acronym", "generic"})
_ACRONYM_RE = re.compile(r"^[0-9]*[A-Z][A-Za-z0-9&]*[A-Z][A-Za-z0-9]*$")


def registry_names(registry: Registry) -> Known:
    """`Known` answered by an agency registry (fuzzy and verbatim resolutions count as unknown)."""
    minter = Minter()  # the IRIs resolved to are not used, only how a name resolved

    @lru_cache(maxsize=1 << 14)
    def known(name: str, csp: str) -> int:
        res = registry.resolve(name, csp, None, minter)
        if res.method in _REGISTERED_METHODS or res.kind == "group":
            return REGISTERED
        if res.method == "pattern":
            # a typed pattern that named the body from the registry's own areas (a CCG of a known
            # area) is as good as registered; a bare pattern ("… Police") only says what it is
            return REGISTERED if res.confidence >= _AREA_PATTERN else PATTERN
        return UNKNOWN

    return known


def _tokens(cell: str) -> tuple[list[tuple[int, int]], list[str]]:
    """Spans of the parts of a cell between separators outside parentheses, and the separators."""
    spans: list[tuple[int, int]] = []
    seps: list[str] = []
    depth = 0
    start = i = 0
    while i < len(cell):
        ch = cell[i]
        if ch in "([":
            depth += 1
        elif ch in ")]" and depth:
            depth -= 1
        elif depth == 0 and i > start:
            m = _SEPARATOR_RE.match(cell, i)
            if m and m.end() > m.start() and m.end() < len(cell):
                spans.append((start, i))
                seps.append(m.group().strip().lower())
                start = i = m.end()
                continue
        i += 1
    spans.append((start, len(cell)))
    return spans, seps


def _whole_name(part: str) -> bool:
    """Reads as the whole name of a body on its own: two or more words starting with a capital
    letter or a digit, or an acronym ("SSAB", "4LSAB")."""
    words = part.split()
    if not words or not (part[0].isupper() or part[0].isdigit()):
        return False
    return len(words) >= 2 or bool(_ACRONYM_RE.match(part))


_MAX_PARTS = 10  # a cell with more separators than this is kept whole (2**9 ways to cut it)


def split_agencies(cell: str, csp: str = "", known: Known | None = None) -> list[str]:
    """The bodies named in one addressee cell, each as written (see the module docstring)."""
    cell = " ".join(cell.split())
    spans, seps = _tokens(cell)
    if len(spans) == 1 or len(spans) > _MAX_PARTS:
        return [cell]
    if known is not None and known(cell, csp) >= REGISTERED:
        return [cell]

    def strength(piece: str) -> int:
        return known(piece, csp) if known is not None else UNKNOWN

    best = [cell]
    for mask in range(1, 1 << len(seps)):  # bit k set: cut at separator k
        cut_at = [k for k in range(len(seps)) if mask >> k & 1]
        if len(cut_at) + 1 <= len(best):
            continue
        bounds = [0, *(k + 1 for k in cut_at), len(spans)]
        pieces = [cell[spans[a][0]:spans[b - 1][1]].strip() for a, b in itertools.pairwise(bounds)]
        if all(_may_cut(seps[k], left, right, strength)
               for k, left, right in zip(cut_at, pieces, pieces[1:])):
            best = pieces
    return best


def _may_cut(sep: str, left: str, right: str, strength: Callable[[str], int]) -> bool:
    """Whether a separator between two pieces separates two bodies."""
    if sep in _STRONG:
        if strength(left) and strength(right):
            return True
        return _whole_name(left) and _whole_name(right)
    return bool(strength(left)) and bool(strength(right))
