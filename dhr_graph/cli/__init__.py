"""The `dhr-graph` command line: thin wiring over the library API.

Every user mistake ends as one line on stderr and a non-zero exit, never a traceback.
Each command imports the library modules it uses when it runs, so that a quick command
(`query`, `--help`) does not pay for rdflib, pySHACL or networkx (tests/test_cli_imports.py).
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import click

from ..errors import DhrGraphError
from ..resultformats import GRAPH_RESULT_FORMATS, RESULT_FORMATS
from ..iris import DEFAULT_INSTANCE_BASE, PREFIXES
from ..tuning import fewer_gc_pauses
from . import logs
from .options import open_store, store_option, store_path


class _Cli(click.Group):
    """The one place where errors become exit codes, for every command (README, "Errors, exit
    codes and what dhr-graph writes"): 0 done; 1 done in part (pages left out, violations);
    2 nothing could be done (a user mistake, an unusable store, a failed write); 130 interrupted.
    Each is one line on stderr; only a defect in dhr-graph itself shows a traceback. The
    group's own options (`dhr-graph --bogus`) are parsed here too; a command's, inside `invoke`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._modules: dict[str, tuple[str, str]] = {}  # see add_modules
        self._ran: str | None = None  # the command the last `invoke` ran (see `main`)
        self._kept: list[object] = []  # see keep_until_exit

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args:  # no command at all: click shows the help
            return super().parse_args(ctx, args)
        rest: list[str] = []
        with _exit_codes(ctx):
            rest = super().parse_args(ctx, args)
        return rest

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with _exit_codes(ctx):
                return super().invoke(ctx)
        finally:
            self._ran = ctx.invoked_subcommand

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Run as a program. When this is the program itself (the console script or `python -m
        dhr_graph`: no argument list given) and the command only read (`_ENDS_AT_ONCE`), the
        process ends as soon as its output is flushed, without Python's shutdown (cli/ending.py)."""
        self._ran = None
        try:
            return super().main(*args, **kwargs)
        except SystemExit as exc:
            argv = args[0] if args else kwargs.get("args")
            standalone = args[3] if len(args) > 3 else kwargs.get("standalone_mode", True)
            if argv is None and standalone and self._ran in _ENDS_AT_ONCE:
                from .ending import end_now

                end_now(exc.code)  # returns when that is not safe
            raise
        finally:
            self._kept.clear()

    def keep_until_exit(self, thing: object) -> None:
        """Keep a read-only resource (an open store) until `main` returns, so that a process that
        ends at once (see `main`) leaves its closing to the operating system: closing a store
        frees every table and cached block one by one, about 5 ms of a short query. Otherwise
        it is released when `main` returns, as before."""
        self._kept.append(thing)

    def add_modules(self, commands: dict[str, tuple[str, str]]) -> None:
        """Commands defined in modules of this package, imported when first looked up (click's
        "lazily loading subcommands" pattern; an import error shows when the command is used)."""
        self._modules.update(commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._modules})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self._modules and cmd_name not in self.commands:
            module, attribute = self._modules[cmd_name]
            command = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


@contextlib.contextmanager
def _exit_codes(ctx: click.Context) -> Iterator[None]:
    """Every error as its exit code and one line (see `_Cli`)."""
    try:
        yield
    except DhrGraphError as exc:
        _fail(ctx, str(exc))
    except click.ClickException as exc:  # a bad option or value: click's code (2), in one line too
        hint = f" (see '{exc.ctx.command_path} --help')" if isinstance(exc, click.UsageError) and exc.ctx else ""
        _fail(ctx, exc.format_message() + hint, exc.exit_code)
    except OSError as exc:  # the system refused (disk full, permissions) where no module said more
        where = f"{exc.filename}: " if exc.filename else ""
        _fail(ctx, f"{where}{exc.strerror or exc}")
    except RuntimeError as exc:
        from ..store import is_storage_failure

        if not is_storage_failure(exc):
            raise
        _fail(ctx, f"the store is damaged or unreadable ({exc}); rebuild it from the pages")
    except KeyboardInterrupt:
        click.echo("dhr-graph: interrupted", err=True)
        ctx.exit(130)


def _fail(ctx: click.Context, message: str, code: int = 2) -> None:
    one_line = " ".join(part.strip() for part in message.strip().splitlines() if part.strip())
    click.echo(f"dhr-graph: {one_line}", err=True)
    ctx.exit(code)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """`--version`: the installed version, looked up only when asked for."""
    if not value or ctx.resilient_parsing:
        return
    from .. import __version__

    click.echo(f"dhr-graph, version {__version__}")
    ctx.exit()


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version and exit.")
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
@click.option("--curation", "curation_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Curation file (CSV review,surface,agency or Turtle) pinning how a name resolves; repeatable.")
@click.option("--strict", is_flag=True, help="Warnings are errors, and nothing lands unless every page is good.")
@click.option("--allow-shrink", is_flag=True,
              help="Let a page replace a stored review even when it has fewer recommendations.")
@click.option("--quiet", "-q", is_flag=True, help="Print only problems.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes reading pages (1: read in this process). See README, 'build --jobs'.")
def build_cmd(inputs: tuple[Path, ...], store: Path | None, base: str, registry_files: tuple[str, ...],
              theme_files: tuple[str, ...], curation_files: tuple[str, ...], strict: bool, allow_shrink: bool,
              quiet: bool, jobs: int) -> None:
    """Build or update the store from pages (files or folders of *.txt) or records (.json, .csv).

    With no INPUTS, builds the bundled sample page. Re-building a page (or a corrected record
    of it, as `parse --format json` prints) keeps its IRI and replaces its graph, unless the
    page has lost recommendations the stored review has (see --allow-shrink).
    Exit status: 0 all pages landed, 1 some pages were left out, 2 no page landed (the store is
    unchanged) or nothing could be done.

    \b
    Example:
      dhr-graph build pages/ --store dhr-store
      dhr-graph parse page.txt --format json > page.json   # fix it by hand, then:
      dhr-graph build page.json --curation names.csv --store dhr-store
    """
    from ..pipeline import Toolkit, build

    try:
        toolkit = Toolkit.load(base=base, registry_files=registry_files, theme_files=theme_files,
                               curation_files=curation_files)
    except ValueError as exc:
        raise DhrGraphError(str(exc)) from None

    def progress(pages: Iterable[Path]) -> Iterable[Path]:
        pages = list(pages)
        if len(pages) < 20 or quiet or not sys.stderr.isatty():
            return pages
        return _progressbar(pages)

    report = build(list(inputs) or None, store_path(store), toolkit=toolkit,
                   strict=strict, allow_shrink=allow_shrink, progress=progress, jobs=jobs)
    for page in report.pages:
        for msg in page.messages:
            if page.status != "landed" or not quiet:
                click.echo(msg, err=True)
    for pin in toolkit.curation.unused() if toolkit.curation else ():
        click.echo(f"warning: {pin.where}: {pin.surface!r} was not found in review {pin.review!r}", err=True)
    if not quiet:
        click.echo(f"{len(report.landed) if report.committed else 0} of {len(report.pages)} pages landed in {report.store}"
                   + (f" ({report.triples:,} triples in the graphs of the pages that landed)" if report.committed else " (store unchanged)"))
    if report.failed:  # 1: done in part; 2: no page landed, the store is as it was (README, exit codes)
        sys.exit(1 if report.committed else 2)


def _progressbar(pages: list[Path]) -> Iterator[Path]:
    with click.progressbar(pages, label="Building", file=sys.stderr) as bar:
        yield from bar


@main.command("parse")
@click.argument("pages", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "text"]), default="text", show_default=True,
              help="json and csv are records 'build' reads back, e.g. after a correction by hand.")
@click.option("--strict", is_flag=True,
              help="Warnings (a mismatch with 'Extracted: N recs', a missing header field) are errors.")
@click.option("--registry", "registry_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Extra agency registry file (Turtle), to tell which names in one cell are separate "
                   "bodies; repeatable.")
def parse_cmd(pages: tuple[Path, ...], fmt: str, strict: bool, registry_files: tuple[str, ...]) -> None:
    """Parse pages and print their records (JSON: one object per page; CSV: review and recommendation rows).

    \b
    Example:
      dhr-graph parse page.txt --format json
    """
    from ..addressees import registry_names
    from ..agencies import Registry
    from ..identity import identify
    from ..parser import parse_page
    from ..record_io import review_json, reviews_csv

    reviews, failed = [], False
    known = registry_names(Registry.load(extra=registry_files)) if registry_files else None
    for page in pages:
        try:
            review = parse_page(page, strict=strict, known=known)
        except DhrGraphError as exc:
            click.echo(f"dhr-graph: {exc}", err=True)
            failed = True
            continue
        for warning in review.warnings:
            click.echo(f"warning: {warning}", err=True)
        reviews.append(review)
    if fmt == "json":
        import json

        click.echo(json.dumps([review_json(r) for r in reviews], indent=2, ensure_ascii=False))
    elif fmt == "csv":
        click.echo(reviews_csv(reviews), nl=False)
    else:
        for r in reviews:
            ident = identify(r)
            click.echo(f"{r.source_path}: {r.title} | CSP {r.csp} | published {r.published} | "
                       f"year of death {r.year_of_death} | {len(r.recommendations)} recommendations | "
                       f"key {ident.key} (from its {ident.rule})")
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
@click.option("--format", "fmt", type=click.Choice(RESULT_FORMATS + GRAPH_RESULT_FORMATS), default="table",
              show_default=True, help="turtle, ntriples and jsonld are for CONSTRUCT and DESCRIBE "
                                      "(which print as Turtle by default).")
@click.option("--list", "list_", is_flag=True, help="List the named queries and their parameters.")
@click.option("--endpoint", metavar="URL", default=None,
              help="Run on a remote SPARQL endpoint instead of the local store.")
@click.option("--allow-service", is_flag=True,
              help="Let SERVICE in a local query call the endpoints it names (network calls; off by default).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True, metavar="SECONDS",
              help="With --endpoint: give up when the whole answer has not arrived in this time.")
@click.option("--max-response-mb", type=click.FloatRange(min=0.001), default=128.0, show_default=True, metavar="MB",
              help="With --endpoint: refuse an answer larger than this.")
@click.option("--wide", is_flag=True, help="Table format: print every cell whole (cells are cut at 60 characters).")
def query_cmd(query: str | None, store: Path | None, params: tuple[str, ...], fmt: str, list_: bool,
              endpoint: str | None, allow_service: bool, timeout: float, max_response_mb: float,
              wide: bool) -> None:
    """Run a named query, a .rq file, or SPARQL from standard input ('-').

    Parameter values are bound as RDF terms, never pasted into the query text. Queries see
    the union of all named graphs as their default graph.

    \b
    Examples:
      dhr-graph query --list
      dhr-graph query shared-agencies --param min=3 --format csv
      dhr-graph query agency-recommendations --param agency="Home Office"
      echo 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }' | dhr-graph query -
      echo 'DESCRIBE ?r WHERE { ?r a dhr:Review }' | dhr-graph query - --format jsonld
      dhr-graph query shared-agencies --endpoint http://localhost:7878/query

    A local query never makes network calls: SERVICE is refused unless --allow-service.
    """
    from ..resultformats import render
    from ..queries import get_query, library, parse_query_text, run

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

        remote = RemoteStore(endpoint, timeout=timeout, max_bytes=int(max_response_mb * 2**20))
        result = run(remote, nq, values)
    else:
        gs = open_store(store)
        main.keep_until_exit(gs)
        result = run(gs, nq, values, allow_service=allow_service)
    click.echo(render(result, fmt, wide=wide), nl=False)


@main.command("stats")
@store_option
@click.option("--format", "fmt", type=click.Choice(RESULT_FORMATS), default="table", show_default=True)
def stats_cmd(store: Path | None, fmt: str) -> None:
    """Count what the store holds, always in the same order.

    The last two rows count storage, not things: "named graphs" (one per review, plus the
    reference data and link graphs) and "quads" (each triple once per named graph that holds
    it; a partnership's label, repeated in each of its reviews' graphs, counts once per review);
    both include the internal graphs of caches the toolkit keeps for itself.

    \b
    Example:
      dhr-graph stats --store dhr-store --format csv
    """
    import pyoxigraph as ox

    from ..resultformats import render
    from ..queries import get_query, run

    integer = ox.NamedNode(PREFIXES["xsd"] + "integer")
    gs = open_store(store)
    main.keep_until_exit(gs)
    result = run(gs, get_query("store-stats"))
    extra = [("named graphs", len(gs.named_graphs(internal=True))), ("quads (triples x graphs)", len(gs))]
    result.rows += [{"what": ox.Literal(what), "count": ox.Literal(str(n), datatype=integer)}
                    for what, n in extra]
    click.echo(render(result, fmt), nl=False)


@main.command("publish")
@store_option
@click.option("--to", "url", required=True, metavar="URL",
              help="Graph Store Protocol endpoint, e.g. http://localhost:7878/store (Oxigraph).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True, metavar="SECONDS",
              help="Give up on a graph whose upload is not answered in this time.")
@click.option("--full", is_flag=True, help="Send every graph, whatever the publish record says.")
@click.option("--verify", is_flag=True,
              help="Fetch every unchanged graph from the server and send again those that differ.")
@click.option("--delete-missing", is_flag=True,
              help="Delete from the server the graphs this store published there and no longer has.")
@click.option("--dry-run", is_flag=True, help="Say what would be sent and deleted; send and delete nothing.")
@click.pass_context
def publish_cmd(ctx: click.Context, store: Path | None, url: str, timeout: float, full: bool, verify: bool,
                delete_missing: bool, dry_run: bool) -> None:
    """Send the store's new and changed graphs to a remote triple store (Graph Store Protocol PUT).

    What was sent is recorded beside the store (.STORE.published/, one record per URL, no
    credentials): an unchanged graph is not sent again, and an interrupted publish resumes.
    Credentials: user:password@ in the URL, DHR_GRAPH_TOKEN (bearer) or DHR_GRAPH_USER and
    DHR_GRAPH_PASSWORD in the environment, or ~/.netrc; they are never printed. Redirects
    are not followed; a graph counts as sent when the server answered 2xx.

    \b
    Example:
      oxigraph serve --location remote-db --union-default-graph &
      dhr-graph publish --store dhr-store --to http://localhost:7878/store
      dhr-graph query shared-agencies --endpoint http://localhost:7878/query
    """
    from ..publish import PublishError, publish

    try:
        report = publish(open_store(store), url, timeout=timeout, full=full, verify=verify,
                         delete_missing=delete_missing, dry_run=dry_run)
    except PublishError as exc:  # stopped part-way: what was sent is recorded, so this is "done in part"
        for iri in exc.report.deleted:
            click.echo(f"deleted <{iri}>" if iri else "deleted the default graph")
        _fail(ctx, str(exc), 1)
        return
    send, delete = ("would send", "would delete") if dry_run else ("sent", "deleted")
    if report.stale_record:
        click.echo(f"dhr-graph: warning: {report.stale_record}; "
                   f"{'every graph would be sent' if dry_run else 'sending every graph'}", err=True)
    for iri in report.resent:
        click.echo(f"dhr-graph: warning: the server's copy of <{iri}> differs from the record; sent again", err=True)
    for iri in report.deleted:
        click.echo(f"{delete} <{iri}>" if iri else f"{delete} the default graph")
    if report.missing:
        click.echo(f"dhr-graph: {len(report.missing)} graphs published before are no longer in the store and stay "
                   "on the server (--delete-missing removes them)", err=True)
    if not report.sent and not report.deleted:
        click.echo(f"nothing to publish: {report.unchanged} graphs unchanged at {report.target}"
                   + (" (dry run)" if dry_run else ""))
        return
    size = f"{report.bytes / 1e6:.1f} MB" if report.bytes >= 100_000 else f"{report.bytes / 1e3:.1f} kB"
    click.echo(f"{send} {len(report.sent)} graphs ({report.quads} quads, {size}), {report.unchanged} unchanged, "
               f"{delete} {len(report.deleted)}: {report.target}")


#: Commands that write nothing and leave nothing to close or wait for: run as the program,
#: they end without Python's shutdown (`_Cli.main`, cli/ending.py).
_ENDS_AT_ONCE = frozenset({"query", "stats"})

#: Commands that live in their own modules (one module per concern): name -> (module, attribute).
#: Each module is imported when its command is looked up (to run it, or for --help), so a
#: command run from this module never loads the others' imports.
_COMMAND_MODULES = {
    "agencies": ("agencies", "group"), "cases": ("cases", "group"), "themes": ("themes", "group"),
    "links": ("links", "group"), "export": ("export", "command"), "validate": ("validate", "command"),
    "serve": ("serve", "command"), "load": ("load", "command"),
}
main.add_modules(_COMMAND_MODULES)
