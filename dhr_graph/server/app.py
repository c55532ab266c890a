"""The HTTP side: SPARQL 1.1 Protocol at /query, the named queries at /queries, a page at /.

Starlette parses requests, forms and headers and routes them; the queries themselves run in
worker processes (work.py). Every refusal is a plain-text line with a fitting status code.
"""

from __future__ import annotations

import ipaddress
import html
import logging
import urllib.parse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.to_thread
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..queries import NamedQuery, library
from .guard import refusal
from .work import Busy, Reply, Task, TimeLimit, WorkerPool, scrub_paths

log = logging.getLogger(__name__)
_WEB = Path(__file__).resolve().parent.parent / "data" / "web"


@dataclass(frozen=True)
class Settings:
    """Limits and options of a running endpoint."""

    time_limit: float = 30.0  # seconds a query may run
    max_bytes: int = 50_000_000  # largest result sent
    max_query_bytes: int = 100_000  # longest query text accepted
    workers: int = 2  # queries running at once (one process each)
    cors_origins: tuple[str, ...] = field(default_factory=tuple)  # empty: no CORS headers at all
    local_names_only: bool = True  # answer only requests that name this machine (see _LocalNames)


LOCAL_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


class _LocalNames:
    """Answers only requests whose Host header names this machine. A loopback endpoint is out of
    other machines' reach, but a web page could still reach it through DNS rebinding (its own
    name made to point at 127.0.0.1), and then read it as if it were the page's own origin."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            host = Headers(scope=scope).get("host", "")
            try:
                name = urllib.parse.urlsplit("//" + host).hostname
            except ValueError:
                name = None
            if name not in LOCAL_NAMES and not _loopback_address(name):
                await _error(403, "this endpoint answers requests for loopback addresses or localhost only "
                                  "(serve with --allow-remote for other names)")(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _loopback_address(name: str | None) -> bool:
    """127.0.0.0/8 or ::1 written as an address (a name is not resolved: that is what rebinding abuses)."""
    try:
        return name is not None and ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _error(status: int, message: str) -> PlainTextResponse:
    return PlainTextResponse(scrub_paths(message.rstrip("\n")) + "\n", status_code=status)


def create_app(store: Path, settings: Settings = Settings()) -> Starlette:
    """The endpoint over the store folder `store` (which must exist)."""
    queries = library()
    pool: dict[str, WorkerPool] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool["p"] = WorkerPool(store, settings.workers, settings.time_limit, settings.max_bytes)
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(pool["p"].close)

    async def execute(task: Task) -> Response:
        try:
            reply: Reply = await anyio.to_thread.run_sync(pool["p"].run, task)
        except TimeLimit:
            return _error(503, f"the query ran past the time limit of {settings.time_limit:g} s and was stopped")
        except Busy:
            return _error(503, "the server is busy: every query worker stayed busy for the time limit")
        if reply.status >= 400:
            return _error(reply.status, reply.body.decode("utf-8", "replace"))
        return Response(reply.body, status_code=reply.status, media_type=reply.media_type)

    async def sparql(request: Request) -> Response:
        params = list(request.query_params.multi_items())
        text: str | None = None
        if request.method == "POST":
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            body = b""
            async for chunk in request.stream():  # read no more than the limit, however much is sent
                body += chunk
                if len(body) > settings.max_query_bytes + 10_000:
                    return _error(413, f"the request is longer than {settings.max_query_bytes} bytes")
            if ctype == "application/sparql-update":
                return _error(403, "updates are refused: this endpoint is read only")
            if ctype == "application/sparql-query":
                text = body.decode("utf-8", "replace")
            elif ctype == "application/x-www-form-urlencoded":
                params += urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            else:
                return _error(415, "POST a query as application/sparql-query or application/x-www-form-urlencoded")
        values: dict[str, list[str]] = {}
        for key, value in params:
            values.setdefault(key, []).append(value)
        if "update" in values:
            return _error(403, "updates are refused: this endpoint is read only")
        if text is None:
            if len(values.get("query", [])) != 1:
                return _error(400, "give exactly one 'query' parameter (SPARQL 1.1 Protocol)")
            text = values["query"][0]
        if len(text.encode("utf-8")) > settings.max_query_bytes:
            return _error(413, f"the query is longer than {settings.max_query_bytes} bytes")
        why = refusal(text)
        if why:
            return _error(403, why)
        fmt = values["format"][0] if values.get("format") else None
        return await execute(Task(accept=request.headers.get("accept", ""), fmt=fmt, text=text,
                                  default_graphs=values.get("default-graph-uri", []),
                                  named_graphs=values.get("named-graph-uri", [])))

    async def refuse_update(request: Request) -> Response:
        return _error(403, "updates are refused: this endpoint is read only")

    async def query_list(request: Request) -> Response:
        return JSONResponse([_describe(nq) for nq in queries.values()])

    async def named(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in queries:
            return _error(404, f"no named query {name!r} (see /queries)")
        params = dict(request.query_params)
        fmt = params.pop("format", None)
        return await execute(Task(accept=request.headers.get("accept", ""), fmt=fmt, name=name, params=params))

    async def page(request: Request) -> Response:
        return HTMLResponse(_page(queries))

    middleware = [Middleware(_LocalNames)] if settings.local_names_only else []
    if settings.cors_origins:
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                                     allow_methods=["GET", "POST"], allow_headers=["Content-Type", "Accept"]))
    routes = [
        Route("/", page, methods=["GET"]),
        Route("/query", sparql, methods=["GET", "POST"]),
        Route("/sparql", sparql, methods=["GET", "POST"]),
        Route("/update", refuse_update, methods=["GET", "POST", "PUT", "DELETE"]),
        Route("/queries", query_list, methods=["GET"]),
        Route("/queries/{name}", named, methods=["GET"]),
    ]
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)


def _describe(nq: NamedQuery) -> dict[str, Any]:
    """A named query as its header documents it (no file paths)."""
    return {
        "name": nq.name, "title": nq.title, "description": nq.description,
        "url": f"/queries/{nq.name}",
        "params": [{"name": p.name, "type": p.type, "default": p.default, "required": p.required, "doc": p.doc}
                   for p in nq.params],
        "examples": list(nq.examples),
    }


def _page(queries: dict[str, NamedQuery]) -> str:
    """The offline page: every named query, and a box for SPARQL (no script or style from elsewhere)."""
    template = (_WEB / "endpoint.html").read_text(encoding="utf-8")
    items = []
    for nq in queries.values():
        params = "".join(
            f"<li><code>{html.escape(p.name)}</code> ({html.escape(p.type)}"
            f"{', required' if p.required else ''}{', default ' + html.escape(p.default) if p.default else ''})"
            f" {html.escape(p.doc)}</li>" for p in nq.params)
        name = html.escape(nq.name)
        items.append(
            f'<section><h3 id="{name}">{html.escape(nq.title)} <small><code>{name}</code></small></h3>'
            f"<p>{html.escape(nq.description)}</p>{'<ul>' + params + '</ul>' if params else ''}"
            f'<p><a href="/queries/{name}?format=table">table</a> · <a href="/queries/{name}?format=csv">CSV</a>'
            f' · <a href="/queries/{name}?format=json">JSON</a></p></section>')
    return template.replace("{{queries}}", "\n".join(items)).replace("{{count}}", str(len(queries)))
