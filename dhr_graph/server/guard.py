"""What the endpoint refuses before a query reaches the store: writes and remote calls.

Oxigraph would run a `SERVICE` clause by calling out to the URL in it, so the server would
fetch whatever a client names (from inside the network it runs in): `SERVICE` is refused.
Updates (`INSERT`, `DELETE`, `LOAD`, `CLEAR`, `DROP`, ...) are not queries and are refused
with a clear reason rather than a syntax error. Keywords are looked for only in the code of
the query, not in its strings, IRIs or comments, so `"service"` as data is fine.
"""

from __future__ import annotations

from ..sparqlscan import first_keyword, keywords

_UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")


def refusal(text: str) -> str | None:
    """Why the query is refused (one line), or None when it may run."""
    if "SERVICE" in keywords(text):
        return "SERVICE is refused: this endpoint does not call other endpoints"
    first = first_keyword(text)
    if first in _UPDATE_WORDS:
        return f"{first} is refused: this endpoint is read only (updates, LOAD and the like are not accepted)"
    return None
