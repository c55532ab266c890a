"""`dhr-graph validate`: check a whole store against the SHACL shapes, and say where it fails."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..store import GraphStore, default_store_path
from ..validation import report_graph, report_json, report_text, validate_store

FORMATS = ("text", "json", "ttl")


@click.command("validate")
@click.option("--store", "store", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Store folder (default: ./dhr-store, or $DHR_GRAPH_STORE).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text: grouped by review; json: the same, for programs; ttl: a SHACL validation report.")
@click.option("--shapes", "shapes", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Use these shapes files instead of the bundled shapes; repeatable.")
def command(store: Path | None, fmt: str, shapes: tuple[Path, ...]) -> None:
    """Validate every review graph of a store against the shapes.

    Each review is checked with the reference data it points at (theme scheme, sector
    scheme, agency registry) as the store holds them. The report is grouped by review and
    names the source page and the recommendation number of each result.

    Exit status: 0 no violations (warnings and infos may be listed), 1 violations,
    2 validation could not run (no store, unreadable shapes).

    \b
    Example:
      dhr-graph validate --store dhr-store
      dhr-graph validate --store dhr-store --format json > report.json
    """
    results = validate_store(GraphStore(store or default_store_path()), shapes=list(shapes) or None)
    if fmt == "json":
        click.echo(report_json(results), nl=False)
    elif fmt == "ttl":
        click.echo(report_graph(results).serialize(format="turtle"), nl=False)
    else:
        click.echo(report_text(results), nl=False)
    if not all(r.conforms for r in results):
        sys.exit(1)
