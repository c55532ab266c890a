"""The `dhr-graph` command line: thin wiring over the library API.

Every user mistake ends as one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import click

from .. import __version__
from ..errors import DhrGraphError
from ..formats import RESULT_FORMATS, render
from ..iris import DEFAULT_INSTANCE_BASE
from ..parser import parse_page
from ..pipeline import Toolkit, build
from ..queries import get_query, library, parse_query_text, run
from ..store import GraphStore, default_store_path
from ..tuning import fewer_gc_pauses
from . import logs

STORE_HELP = "Store folder (default: ./dhr-store, or $DHR_GRAPH_STORE)."


class _Cli(click.Group):
    """Turns the toolkit's own errors into one clear line and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DhrGraphError as exc:
            click.echo(f"dhr-graph: {exc}", err=True)
            ctx.exit(2)


def store_option(func: Any) -> Any:
    return click.option("--store", "store", type=click.Path(file_okay=False, path_type=Path),
                        default=None, help=STORE_HELP)(func)


def open_store(path: Path | None) -> GraphStore:
    return GraphStore(path or default_store_path())


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dhr-graph")
@click.option("-v", "--verbose", count=True, help="Say what each step did, on stderr (-vv: debug detail).")
@click.option("-q", "--quiet", "quiet_logs", is_flag=True, help="Log errors only (no warnings) on stderr.")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet_logs: bool) -> None:
    """Turn Domestic Homicide Review summary pages into a validated, queryable knowledge graph.

    \b
    Example:
      dhr-graph build pages/ --store dhr-store
      dhr-graph -v query shared-agencies --store dhr-store
    """
    state = logs.configure(-1 if quiet_logs else verbose)
    ctx.call_on_close(lambda: logs.restore(state))
    # a command is one batch job: the collector's rescans of its many small objects are pure cost
    ctx.with_resource(fewer_gc_pauses())


@main.command("build")
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@store_option
@click.option("--base", default=DEFAULT_INSTANCE_BASE, show_default=True, help="Base IRI of instance data.")
@click.option("--registry", "registry_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Extra agency registry file (Turtle); repeatable.")
@click.option("--themes", "theme_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Extra theme scheme file (Turtle); repeatable.")
@click.option("--strict", is_flag=True, help="Warnings are errors, and nothing lands unless every page is good.")
@click.option("--quiet", "-q", is_flag=True, help="Print only problems.")
def build_cmd(inputs: tuple[Path, ...], store: Path | None, base: str, registry_files: tuple[str, ...],
              theme_files: tuple[str, ...], strict: bool, quiet: bool) -> None:
    """Build or update the store from pages (files or folders of *.txt).

    With no INPUTS, builds the bundled sample page. Re-building a page replaces its graph.
    Exit status: 0 all pages landed, 1 some pages were left out, 2 nothing could be done.

    \b
    Example:
      dhr-graph build pages/ --store dhr-store
    """
    try:
        toolkit = Toolkit.load(base=base, registry_files=registry_files, theme_files=theme_files)
    except ValueError as exc:
        raise DhrGraphError(str(exc)) from None

    def progress(pages: Iterable[Path]) -> Iterable[Path]:
        pages = list(pages)
        if len(pages) < 20 or quiet or not sys.stderr.isatty():
            return pages
        return _progressbar(pages)

    report = build(list(inputs) or None, store or default_store_path(), toolkit=toolkit,
                   strict=strict, progress=progress)
    for page in report.pages:
        for msg in page.messages:
            if page.status != "landed" or not quiet:
                click.echo(msg, err=True)
    if not quiet:
        click.echo(f"{len(report.landed)} of {len(report.pages)} pages landed in {report.store}"
                   + (f" ({report.triples} triples written)" if report.committed else " (store unchanged)"))
    if report.failed:
        sys.exit(1)


def _progressbar(pages: list[Path]) -> Iterator[Path]:
    with click.progressbar(pages, label="Building", file=sys.stderr) as bar:
        yield from bar


@main.command("parse")
@click.argument("pages", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
@click.option("--strict", is_flag=True, help="A mismatch with 'Extracted: N recs' is an error.")
def parse_cmd(pages: tuple[Path, ...], fmt: str, strict: bool) -> None:
    """Parse pages and print their records (JSON: one object per page).

    \b
    Example:
      dhr-graph parse page.txt --format json
    """
    reviews, failed = [], False
    for page in pages:
        try:
            review = parse_page(page, strict=strict)
        except DhrGraphError as exc:
            click.echo(f"dhr-graph: {exc}", err=True)
            failed = True
            continue
        for warning in review.warnings:
            click.echo(f"warning: {warning}", err=True)
        reviews.append(review)
    if fmt == "json":
        click.echo(json.dumps([r.to_json() for r in reviews], indent=2, ensure_ascii=False))
    else:
        for r in reviews:
            click.echo(f"{r.source_path}: {r.title} | CSP {r.csp} | published {r.published} | "
                       f"year of death {r.year_of_death} | {len(r.recommendations)} recommendations")
            for rec in r.recommendations:
                click.echo(f"  {rec.number:>8}  {rec.text[:70]}{'…' if len(rec.text) > 70 else ''}")
                click.echo(f"  {'':>8}  -> {'; '.join(rec.addressed_to) or '(no addressee)'}")
    if failed:
        sys.exit(1)


@main.command("query")
@click.argument("query", required=False)
@store_option
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
              help="Query parameter, checked against its declared type; repeatable.")
@click.option("--format", "fmt", type=click.Choice(RESULT_FORMATS), default="table", show_default=True)
@click.option("--list", "list_", is_flag=True, help="List the named queries and their parameters.")
@click.option("--endpoint", metavar="URL", default=None,
              help="Run on a remote SPARQL endpoint instead of the local store.")
def query_cmd(query: str | None, store: Path | None, params: tuple[str, ...], fmt: str, list_: bool,
              endpoint: str | None) -> None:
    """Run a named query, a .rq file, or SPARQL from standard input ('-').

    Parameter values are bound as RDF terms, never pasted into the query text. Queries see
    the union of all named graphs as their default graph.

    \b
    Examples:
      dhr-graph query --list
      dhr-graph query shared-agencies --param min=3 --format csv
      dhr-graph query agency-recommendations --param agency="Home Office"
      echo 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }' | dhr-graph query -
      dhr-graph query shared-agencies --endpoint http://localhost:7878/query
    """
    if list_:
        queries = library()
        width = max((len(name) for name in queries), default=0)
        for name, nq in queries.items():
            first = nq.description.split(". ")[0].rstrip(".")
            first = first if len(first) <= 90 else first[:89].rstrip(" ,;") + "…"
            args = " ".join(f"{p.name}{'*' if p.required else ''}" for p in nq.params)
            click.echo(f"{name:{width}}  {first}" + (f"  [{args}]" if args else ""))
        click.echo("(* required; see the header of queries/NAME.rq for each parameter)")
        return
    if not query:
        raise click.UsageError("give a query name, a .rq file or '-' (or --list)")
    values: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--param")
        values[key.strip()] = value
    nq = parse_query_text(sys.stdin.read(), "stdin") if query == "-" else get_query(query)
    if endpoint:
        from ..remote import RemoteStore

        result = run(RemoteStore(endpoint), nq, values)
    else:
        result = run(open_store(store), nq, values)
    click.echo(render(result, fmt), nl=False)


@main.command("stats")
@store_option
def stats_cmd(store: Path | None) -> None:
    """Count what the store holds.

    \b
    Example:
      dhr-graph stats --store dhr-store
    """
    gs = open_store(store)
    result = run(gs, get_query("store-stats"))
    for row in result.values():
        click.echo(f"{row['what']:24} {row['count']:>8}")
    click.echo(f"{'named graphs':24} {len(gs.named_graphs()):>8}")
    click.echo(f"{'quads':24} {len(gs):>8}")


@main.command("publish")
@store_option
@click.option("--to", "url", required=True, metavar="URL",
              help="Graph Store Protocol endpoint, e.g. http://localhost:7878/store (Oxigraph).")
def publish_cmd(store: Path | None, url: str) -> None:
    """Send the store, named graphs included, to a remote triple store (as N-Quads).

    \b
    Example:
      oxigraph serve --location remote-db --union-default-graph &
      dhr-graph publish --store dhr-store --to http://localhost:7878/store
      dhr-graph query shared-agencies --endpoint http://localhost:7878/query
    """
    from ..remote import publish

    sent = publish(open_store(store), url)
    click.echo(f"sent {sent} quads to {url}")


def _register() -> None:
    """Command groups that live in their own modules (one module per concern)."""
    from . import agencies, export, links, themes, validate

    main.add_command(agencies.group)
    main.add_command(themes.group)
    main.add_command(links.group)
    main.add_command(export.command)
    main.add_command(validate.command)


_register()
