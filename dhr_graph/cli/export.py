"""`dhr-graph export`: linked data (with its dataset description), network files, or the page."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import click

from ..rdfexport import RDF_FORMATS, export_rdf, void_path
from ..networkfiles import GRAPH_FORMATS, write_graph
from ..explorer import DEFAULT_TITLE, write_html
from ..outputs import is_stream
from ..projections import PROJECTIONS, project
from ..store import GraphStore
from .options import open_store, store_option

FORMATS = (*RDF_FORMATS, *GRAPH_FORMATS, "html")


@click.command("export")
@store_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="trig", show_default=True,
              help="RDF: ttl nt nq trig jsonld rdfxml; networks: graphml gexf cyjs nodelink dot csv; "
                   "html: the explorer page (network, filters, panels, charts; works offline).")
@click.option("--projection", type=click.Choice(list(PROJECTIONS)), default=None,
              help="Network to write for graph formats (default: agency-coaddress).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path), required=True,
              help="File to write, or - for standard output (csv writes NAME-nodes.csv and NAME-edges.csv).")
@click.option("--publish-url", default=None, metavar="URL",
              help="Folder URL the RDF files will be published at (download links in the description).")
@click.option("--title", default=DEFAULT_TITLE, show_default=False, help="Title of the HTML page.")
def command(store: Path | None, fmt: str, projection: str | None, output: Path,
            publish_url: str | None, title: str) -> None:
    """Export the store as RDF, as a network file, or as an offline HTML page.

    RDF exports keep one named graph per review in dataset formats (trig, nq, jsonld) and
    are written with a VoID/DCAT description beside them (OUTPUT.void.ttl). Files are
    replaced atomically and keep their permissions; a device or pipe such as /dev/null is
    written to directly; paths inside a store folder are refused. With -o -, the export goes to
    standard output once it is complete (no description is written).

    \b
    Examples:
      dhr-graph export --format trig -o out/dhr.trig
      dhr-graph export --format graphml --projection agency-coaddress -o out/agencies.graphml
      dhr-graph export --format html -o out/explorer.html
      dhr-graph export --format nq -o - | gzip > dhr.nq.gz
    """
    gs = open_store(store)
    if str(output) != "-":
        click.echo(_export(gs, fmt, projection, output, publish_url, title))
        return
    if fmt == "csv":
        raise click.UsageError("csv writes two files (nodes and edges): give -o NAME.csv, not -")
    # standard output: written whole once the export has succeeded (no description file beside it)
    with tempfile.TemporaryDirectory(prefix="dhr-graph-export-") as tmp:
        target = Path(tmp) / f"export.{fmt}"
        said = _export(gs, fmt, projection, target, None, title)
        with target.open("rb") as handle:
            shutil.copyfileobj(handle, sys.stdout.buffer)
        sys.stdout.flush()
    click.echo(said.replace(str(target), "standard output").split(" (described in")[0], err=True)


def _export(gs: GraphStore, fmt: str, projection: str | None, output: Path, publish_url: str | None,
            title: str) -> str:
    """Write one export; the line saying what was written."""
    if fmt in RDF_FORMATS:
        if projection:
            raise click.UsageError("--projection applies to network formats, not RDF")
        n = export_rdf(gs, output, fmt, publish_url=publish_url)
        described = "not described: a stream" if is_stream(output) else f"described in {void_path(output)}"
        return f"wrote {n} statements to {output} ({described})"
    if fmt == "html":
        if projection not in (None, "agency-coaddress"):
            raise click.UsageError("the HTML page shows the agency-coaddress network only")
        n = write_html(gs, output, title=title)
        return f"wrote a page of {n} agencies to {output}"
    graph = project(gs, projection or "agency-coaddress")
    paths = write_graph(graph, output, fmt)
    return (f"wrote {graph.graph['name']}: {graph.number_of_nodes()} nodes, "
            f"{graph.number_of_edges()} edges to {', '.join(map(str, paths))}")
