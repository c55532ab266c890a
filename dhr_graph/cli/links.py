"""`dhr-graph links`: compute and show cross-review links (wiring over dhr_graph.links)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from ..resultformats import RESULT_FORMATS
from .options import open_store, store_option


@click.group("links")
def group() -> None:
    """Cross-review links: shared organisations and themes, recurring recommendations, same partnership.

    Builds keep the links up to date; `compute` recomputes them all (e.g. after editing
    ontology/link-bases.ttl).
    """


@group.command("compute")
@store_option
def compute_cmd(store: Path | None) -> None:
    """Recompute every link of the store in one atomic write.

    \b
    Example:
      dhr-graph links compute --store dhr-store
    """
    from .. import links  # numpy/scipy load only for this command

    gs = open_store(store)
    started = time.perf_counter()
    counted = links.recompute_store(gs)
    click.echo(f"{counted} links computed in {time.perf_counter() - started:.2f} s ({gs.path})")


@group.command("show")
@click.argument("review")
@store_option
@click.option("--basis", default=None, help="Only links of this basis (e.g. shared-organisation).")
@click.option("--min", "min_score", type=float, default=0.0, show_default=True, help="Weakest score shown.")
@click.option("--format", "fmt", type=click.Choice(RESULT_FORMATS), default="table", show_default=True)
def show_cmd(review: str, store: Path | None, basis: str | None, min_score: float, fmt: str) -> None:
    """Show the links of one review (its key or IRI), strongest first.

    \b
    Example:
      dhr-graph links show fernhollow-2021-09-d2020 --basis recurring-recommendation
    """
    from ..resultformats import render
    from ..queries import run_named

    params: dict[str, object] = {"review": review, "min": min_score}
    if basis:
        params["basis"] = basis
    result = run_named(open_store(store), "cross-review-links", **params)
    click.echo(render(result, fmt), nl=False)
