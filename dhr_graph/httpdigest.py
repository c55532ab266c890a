"""HTTP Digest authentication (RFC 7616, qop=auth), for servers that refuse Basic.

OpenLink Virtuoso's Graph Store endpoint (`/sparql-graph-crud-auth`) asks for Digest only. The
challenge is learnt once per endpoint and shared by every connection to it (publish uploads on
several), each request counting up the nonce count. The password never leaves this module: only
the hashed response goes on the wire.
"""

from __future__ import annotations

import hashlib
import os
import threading
import urllib.request


class DigestState:
    """The last Digest challenge met on one connection."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._challenge: dict[str, str] | None = None
        self._count = 0
        self.asked = False  # a request was made to learn whether the server wants Digest

    @property
    def known(self) -> bool:
        return self._challenge is not None

    def learn(self, header: str) -> bool:
        """Take a `WWW-Authenticate: Digest ...` challenge; False if it is not one we can answer."""
        scheme, _, rest = header.strip().partition(" ")
        if scheme.lower() != "digest":
            return False
        fields = urllib.request.parse_keqv_list(urllib.request.parse_http_list(rest))
        algorithm = fields.get("algorithm", "MD5").upper()
        qops = [q.strip() for q in fields.get("qop", "auth").split(",")]
        if algorithm not in ("MD5", "SHA-256") or "auth" not in qops or "nonce" not in fields:
            return False
        with self._lock:
            self._challenge = fields
            self._count = 0
        return True

    def authorization(self, method: str, uri: str, user: str, password: str) -> str | None:
        """The `Authorization` header for one request, or None before a challenge was learnt."""
        with self._lock:
            if self._challenge is None:
                return None
            c = self._challenge
            self._count += 1
            count = f"{self._count:08x}"
        algorithm = c.get("algorithm", "MD5").upper()

        def h(text: str) -> str:
            return hashlib.new("sha256" if algorithm == "SHA-256" else "md5", text.encode("utf-8")).hexdigest()

        realm, nonce = c.get("realm", ""), c["nonce"]
        cnonce = os.urandom(8).hex()
        response = h(f"{h(f'{user}:{realm}:{password}')}:{nonce}:{count}:{cnonce}:auth:{h(f'{method}:{uri}')}")
        parts = [f'username="{_quoted(user)}"', f'realm="{_quoted(realm)}"', f'nonce="{_quoted(nonce)}"',
                 f'uri="{_quoted(uri)}"', f'response="{response}"', f"algorithm={algorithm}", "qop=auth",
                 f"nc={count}", f'cnonce="{cnonce}"']
        if "opaque" in c:
            parts.append(f'opaque="{_quoted(c["opaque"])}"')
        return "Digest " + ", ".join(parts)


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
