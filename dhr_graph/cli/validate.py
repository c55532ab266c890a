"""`dhr-graph validate`: check a whole store, or any RDF data graph, against SHACL shapes."""

from __future__ import annotations

import logging
import sys
import warnings
from pathlib import Path

import click

from .options import open_store, store_option

FORMATS = ("text", "json", "ttl")


@click.command("validate")
@store_option
@click.option("--data", "data", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Validate this RDF file (Turtle, N-Triples, N-Quads, TriG, RDF/XML, JSON-LD) instead of a "
                   "store; repeatable (the files are validated as one graph).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text: for people; json: for programs; ttl: a standard W3C SHACL validation report.")
@click.option("--shapes", "shapes", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Use these shapes files instead of the bundled shapes; repeatable.")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              default=None, help="Write the report to this file (written whole or not at all); - or none: "
                                 "standard output.")
def command(store: Path | None, data: tuple[Path, ...], fmt: str, shapes: tuple[Path, ...],
            output: Path | None) -> None:
    """Validate every review graph of a store, or the RDF files given with --data, against the shapes.

    With --store (the default), each review is checked with the reference data it points at
    (theme scheme, sector scheme, agency registry) as the store holds them; the report is
    grouped by review and names the source page and the recommendation number of each result.

    With --data, the files are one data graph checked against --shapes (default: the bundled
    shapes, with the bundled ontology, schemes and registry added to the data, as a build
    does); the Turtle report is a standard W3C SHACL validation report, whose sh:conforms is
    false as soon as there is any result, warnings and infos included.

    Exit status: 0 no violations (warnings and infos may be listed), 1 violations (a severity
    of your own counts as one), 2 validation could not run (no store, unreadable data or shapes).

    \b
    Example:
      dhr-graph validate --store dhr-store
      dhr-graph validate --store dhr-store --format json > report.json
      dhr-graph validate --data export.ttl --shapes my-shapes.ttl --format ttl -o report.ttl
    """
    from ..validation import validate_store
    from ..validationreport import report_graph, report_json, report_text, turtle

    if data and store is not None:
        raise click.UsageError("give --store or --data, not both")
    # pySHACL logs why it cannot use a shapes graph to its own stderr handler before raising; the
    # error line below says it once
    logging.getLogger("pyshacl-validate").disabled = True
    if data:
        text, failed = _validate_data(data, shapes, fmt)
    else:
        results = validate_store(open_store(store), shapes=list(shapes) or None)
        failed = not all(r.conforms for r in results)
        if fmt == "json":
            text = report_json(results)
        elif fmt == "ttl":
            text = turtle(report_graph(results))
        else:
            text = report_text(results)
    if output is not None and str(output) != "-":
        from ..outputs import atomic_output

        with atomic_output(output, "w") as handle:
            handle.write(text)
        click.echo(f"wrote the report to {output}", err=True)
    else:
        click.echo(text, nl=False)
    if failed:
        sys.exit(1)


def _validate_data(data: tuple[Path, ...], shapes: tuple[Path, ...], fmt: str) -> tuple[str, bool]:
    from ..datagraph import validate_data
    from ..validationreport import turtle

    # rdflib warns, with a traceback, about each ill-typed literal ("none"^^xsd:boolean); finding
    # those is the validator's job, and the report lists them
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        report = validate_data(list(data), list(shapes) or None)
    if fmt == "json":
        text = report.json()
    elif fmt == "ttl":
        text = turtle(report.graph())
    else:
        text = report.text()
    return text, report.violations > 0
