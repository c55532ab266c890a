"""What the endpoint refuses before a query reaches the store: writes and remote calls.

Oxigraph would run a `SERVICE` clause by calling out to the URL in it, so the server would
fetch whatever a client names (from inside the network it runs in): `SERVICE` is refused.
Updates (`INSERT`, `DELETE`, `LOAD`, `CLEAR`, `DROP`, ...) are not queries and are refused
with a clear reason rather than a syntax error. Keywords are looked for only in the code of
the query, not in its strings, IRIs or comments, so `"service"` as data is fine.
"""

from __future__ import annotations

import re

_UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")
_WORD_RE = re.compile(r"(?<![\w:?$.\-])([A-Za-z]+)(?![\w:\-])")
_IRI_RE = re.compile(r'<[^<>"{}|^`\\\s]*>')


def code_only(text: str) -> str:
    """The query with comments, strings and IRIs blanked out (same length)."""
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


def refusal(text: str) -> str | None:
    """Why the query is refused (one line), or None when it may run."""
    words = [m.group(1).upper() for m in _WORD_RE.finditer(code_only(text))]
    if "SERVICE" in words:
        return "SERVICE is refused: this endpoint does not call other endpoints"
    # an update starts with an update keyword after its prologue (BASE/PREFIX declarations)
    body = [w for w in words if w not in ("BASE", "PREFIX")]
    if body and body[0] in _UPDATE_WORDS:
        return f"{body[0]} is refused: this endpoint is read only (updates, LOAD and the like are not accepted)"
    return None
