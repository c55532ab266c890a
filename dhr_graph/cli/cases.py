"""`dhr-graph cases`: import case-level metadata (DHRD) and join reviews to their cases (wiring over dhr_graph.cases)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..iris import DEFAULT_INSTANCE_BASE, Minter
from .options import open_store, store_option, store_path


@click.group("cases")
def group() -> None:
    """Case metadata from the DHRD dataset (Cook & Cook 2026, CC BY 4.0), joined to the reviews.

    Builds keep the review-case links up to date once cases are imported.
    """


@group.command("import")
@click.argument("file", required=False, type=click.Path(path_type=Path))
@store_option
@click.option("--base", default=DEFAULT_INSTANCE_BASE, show_default=True, help="Base IRI of instance data.")
@click.option("--dataset", "dataset_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Turtle description of the dataset (dcat:Dataset with its citation); default: the DHRD 1.0.0.")
@click.option("--quiet", "-q", is_flag=True, help="Print only problems.")
def import_cmd(file: Path | None, store: Path | None, base: str, dataset_file: str | None, quiet: bool) -> None:
    """Import a DHRD incidents table (default: the bundled copy) and link reviews to cases.

    One case per incident, in its own named graph with provenance and the dataset's citation.
    Cause and location of death are not imported. Re-importing replaces the cases.
    Exit status: 0 every row imported, 1 some rows left out, 2 nothing could be done.

    \b
    Example:
      dhr-graph cases import ../shared/data/dhrd/incidents.csv --store dhr-store
    """
    from ..cases import bundled_incidents, import_cases

    try:
        Minter(base)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--base") from None
    report = import_cases(file or bundled_incidents(), store_path(store), base=base,
                          dataset_file=dataset_file)
    for message in report.errors:
        click.echo(message, err=True)
    if not report.cases:
        click.echo(f"dhr-graph: {report.path}: no case could be imported (store unchanged)", err=True)
        sys.exit(2)
    if not quiet and report.matches is not None:
        m = report.matches
        click.echo(f"{report.cases} cases imported into {store_path(store)}; reviews: "
                   f"{m.linked} linked to one case, {m.ambiguous} with several candidate cases, "
                   f"{len(m.unmatched)} with none (dhr-graph cases unmatched)")
    if report.errors:
        sys.exit(1)


@group.command("unmatched")
@store_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def unmatched_cmd(store: Path | None, fmt: str) -> None:
    """Reviews that no case matched, and why; reviews with several candidate cases too.

    \b
    Example:
      dhr-graph cases unmatched --store dhr-store
    """
    from ..cases import unmatched

    report = unmatched(open_store(store))
    several: dict[str, list[str]] = {}
    for m in report.matches:
        if m.candidates > 1:
            several.setdefault(m.review, []).append(f"{m.case.rsplit('/', 1)[-1]} ({m.confidence:.2f})")
    if fmt == "json":
        click.echo(json.dumps({
            "unmatched": [{"review": u.review, "csp": u.csp, "year_of_death": u.year, "reason": u.reason}
                          for u in report.unmatched],
            "several": [{"review": r, "candidates": c} for r, c in several.items()],
        }, indent=2, ensure_ascii=False))
        return
    for u in report.unmatched:
        click.echo(f"{u.review.rsplit('/', 1)[-1]}: {u.reason}")
    for review, candidates in several.items():
        click.echo(f"{review.rsplit('/', 1)[-1]}: several candidate cases: {', '.join(candidates)}")
    click.echo(f"{len(report.unmatched)} reviews without a case, {len(several)} with several candidates, "
               f"{report.linked} with one", err=True)
