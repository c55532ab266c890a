"""`dhr-graph serve`: a read-only SPARQL 1.1 Protocol endpoint over a store, and the named
queries as a web API.

Starlette (routing, forms, headers, CORS) and uvicorn (the HTTP server) do the HTTP work;
queries run in worker processes so that a slow one can be stopped (work.py), on hard-link
copies of the store that a build swapping the store cannot pull away (snapshot.py).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
from pathlib import Path

from ..errors import DhrGraphError, StoreError
from ..store import GraphStore
from .app import Settings, create_app

__all__ = ["Settings", "check_address", "create_app", "is_loopback", "serve"]


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_address(host: str, port: int) -> None:
    """One clear line when the address cannot be listened on (in use, not this machine's)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        raise DhrGraphError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def serve(store: Path, host: str = "127.0.0.1", port: int = 7879, settings: Settings | None = None) -> None:
    """Serve the store until interrupted (the caller decides whether a non-loopback host is allowed)."""
    import uvicorn

    if not GraphStore(store).exists():
        raise StoreError(f"{store}: no dhr-graph store here (run 'dhr-graph build --store {store}' first)")
    settings = dataclasses.replace(settings or Settings(), local_names_only=is_loopback(host))
    app = create_app(store.resolve(), settings)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
