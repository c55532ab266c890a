"""`dhr-graph load`: the user's own RDF as a named graph of the store (wiring over dhr_graph.userdata)."""

from __future__ import annotations

from pathlib import Path

import click

from .options import open_store, store_option


@click.command("load")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--graph", "graph", required=True, metavar="IRI", help="Named graph to put the triples in.")
@store_option
def command(files: tuple[Path, ...], graph: str, store: Path | None) -> None:
    """Add RDF files (Turtle, N-Triples, JSON-LD, RDF/XML) to the store as one user graph.

    Loading the same graph again replaces it; builds never touch it. Queries see it in the
    default graph with everything else, so reviews can be joined with your own data.

    \b
    Example:
      dhr-graph load areas.ttl --graph https://example.org/graph/areas --store dhr-store
    """
    from ..userdata import load_user_graph

    count = load_user_graph(open_store(store), files, graph)
    click.echo(f"{count} triples in {graph}")
