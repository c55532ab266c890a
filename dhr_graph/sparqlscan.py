"""Reading SPARQL text without parsing it: its keywords, its form, and `SERVICE` calls.

A local query must never reach the network unasked, yet Oxigraph answers `SERVICE <url> { ... }` by sending the inner query to `url` over HTTP, and
pyoxigraph offers no switch to turn that off. So the query text is scanned first: comments,
strings, IRIs, variables and prefixed names are skipped, and the keyword `SERVICE` (in any
case) is what is left. A query that has it runs locally only when the caller allows it.
"""

from __future__ import annotations

import re

from .errors import QueryError

_IRI_RE = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_WORD_RE = re.compile(r"[\w:.\-%\\]+")


def _tokens(text: str) -> list[tuple[int, str]]:
    """(offset, text) of each keyword, prefixed name, variable and IRI outside comments and strings."""
    out: list[tuple[int, str]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif c in "'\"":
            quote = text[i:i + 3] if text[i:i + 3] in ("'''", '"""') else c
            i += len(quote)
            while i < n and not text.startswith(quote, i):
                i += 2 if text[i] == "\\" else 1
            i += len(quote)
        elif c == "<" and (m := _IRI_RE.match(text, i)):
            out.append((i, m.group()))
            i = m.end()
        elif c in "?$@":  # a variable or a language tag, never a keyword
            m = _WORD_RE.match(text, i + 1)
            if m and c != "@":
                out.append((i, c + m.group()))
            i = m.end() if m else i + 1
        elif c.isalnum() or c in "_:":
            m = _WORD_RE.match(text, i)
            assert m is not None
            out.append((i, m.group()))
            i = m.end()
        else:
            i += 1
    return out


def keywords(text: str) -> list[str]:
    """Bare words of the code, upper-cased (prefixed names, variables, IRIs, strings and comments left out)."""
    return [w.upper() for _, w in _tokens(text) if w[0] not in "<?$" and ":" not in w]


def first_keyword(text: str) -> str | None:
    """The first keyword after the prologue (BASE and PREFIX declarations): the form of the text."""
    return next((w for w in keywords(text) if w not in ("BASE", "PREFIX")), None)


def is_graph_query(text: str) -> bool:
    """True for CONSTRUCT and DESCRIBE, whose results are triples rather than a table."""
    return first_keyword(text) in ("CONSTRUCT", "DESCRIBE")


def service_calls(text: str) -> list[str]:
    """The endpoint of each `SERVICE` in the query (an IRI, prefixed name or variable)."""
    tokens = _tokens(text)
    found = []
    for k, (_, word) in enumerate(tokens):
        if word.upper() == "SERVICE":
            rest = [w for _, w in tokens[k + 1:k + 3]]
            if rest and rest[0].upper() == "SILENT":
                rest = rest[1:]
            found.append(rest[0] if rest else "?")
    return found


def refuse_service(text: str, where: str = "query") -> None:
    """Raise QueryError if the query would call a remote endpoint through SERVICE."""
    calls = service_calls(text)
    if calls:
        from .netsafe import redact_url

        shown = ", ".join(redact_url(c[1:-1]) if c.startswith("<") else c for c in calls[:3])
        raise QueryError(f"{where}: SERVICE would send part of this query over the network (to {shown}); "
                         "local queries make no network calls unless you pass --allow-service")


def neutralise_service(text: str) -> str:
    """The query with each `SERVICE [SILENT]` turned into `GRAPH`, same length and lines:
    it parses like the original (so a syntax check can report positions) but calls nobody."""
    chars = list(text)
    tokens = _tokens(text)
    for k, (offset, word) in enumerate(tokens):
        if word.upper() == "SERVICE":
            chars[offset:offset + 7] = list("GRAPH  ")
            if k + 1 < len(tokens) and tokens[k + 1][1].upper() == "SILENT":
                start = tokens[k + 1][0]
                chars[start:start + 6] = list("      ")
    return "".join(chars)
