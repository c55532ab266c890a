"""Reading the code of a SPARQL text without parsing it: its keywords outside strings, IRIs and
comments, and its form (SELECT, ASK, CONSTRUCT, DESCRIBE, or an update)."""

from __future__ import annotations

import re

_IRI_RE = re.compile(r'<[^<>"{}|^`\\\s]*>')
_WORD_RE = re.compile(r"(?<![\w:?$.\-])([A-Za-z]+)(?![\w:\-])")
FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


def code_only(text: str) -> str:
    """The text with comments, strings and IRIs blanked out (same length)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i))
            i = end
        elif c in "'\"":
            quote = text[i:i + 3] if text[i:i + 3] in ("'''", '"""') else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            j = min(n, j + len(quote))
            out.append(" " * (j - i))
            i = j
        elif c == "<" and (m := _IRI_RE.match(text, i)):
            out.append(" " * (m.end() - i))
            i = m.end()
        else:
            out.append(c)
            i += 1
    return "".join(out)


def keywords(text: str) -> list[str]:
    """Bare words of the code, upper-cased (prefixed names, variables and blank nodes left out)."""
    return [m.group(1).upper() for m in _WORD_RE.finditer(code_only(text))]


def first_keyword(text: str) -> str | None:
    """The first keyword after the prologue (BASE and PREFIX declarations): the form of the text."""
    return next((w for w in keywords(text) if w not in ("BASE", "PREFIX")), None)


def is_graph_query(text: str) -> bool:
    """True for CONSTRUCT and DESCRIBE, whose results are triples rather than a table."""
    return first_keyword(text) in ("CONSTRUCT", "DESCRIBE")
