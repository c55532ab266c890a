"""`dhr-graph serve`: the store as a read-only SPARQL endpoint (thin wiring over dhr_graph.server)."""

from __future__ import annotations

from pathlib import Path

import click

from .options import store_option, store_path


@click.command("serve")
@store_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback needs --allow-remote.")
@click.option("--port", default=7879, show_default=True, type=click.IntRange(1, 65535))
@click.option("--allow-remote", is_flag=True, help="Allow a --host that other machines can reach.")
@click.option("--timeout", "time_limit", default=30.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds a query may run before it is stopped.")
@click.option("--max-result-mb", default=50.0, show_default=True, type=click.FloatRange(min=0.001),
              help="Largest result sent, in megabytes.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Queries run at once (one process each).")
@click.option("--cors", "cors_origins", multiple=True, metavar="ORIGIN",
              help="Let web pages from ORIGIN ('*' for any) call the endpoint; repeatable. Off by default.")
def command(store: Path | None, host: str, port: int, allow_remote: bool, time_limit: float,
            max_result_mb: float, workers: int, cors_origins: tuple[str, ...]) -> None:
    """Serve the store as a read-only SPARQL 1.1 Protocol endpoint.

    \b
    /query            SPARQL (GET or POST; JSON, XML, CSV, TSV; Turtle, N-Triples, JSON-LD)
    /queries          the named queries, described
    /queries/NAME     a named query, e.g. /queries/shared-agencies?min=3&format=csv
    /                 a page listing them, with a query box

    \b
    Example:
      dhr-graph serve --store dhr-store --port 7879
    """
    from ..errors import DhrGraphError
    from ..server import Settings, check_address, is_loopback, serve
    from ..store import GraphStore

    if not is_loopback(host):
        if not allow_remote:
            raise DhrGraphError(f"--host {host} can be reached from other machines; "
                                "add --allow-remote to serve the store there")
        click.echo(f"warning: serving on {host}: anyone who can reach this machine on port {port} "
                   "can read the whole store", err=True)
    path = store_path(store)
    if not GraphStore(path).exists():
        raise DhrGraphError(f"{path}: no dhr-graph store here (run 'dhr-graph build --store {path}' first)")
    check_address(host, port)
    settings = Settings(time_limit=time_limit, max_bytes=int(max_result_mb * 1_000_000), workers=workers,
                        cors_origins=cors_origins)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"serving {path} at http://{shown}:{port}/query (read only; Ctrl-C stops)", err=True)
    serve(path, host, port, settings)
