"""`dhr-graph agencies`: resolve a name the way a build would, and list names to curate."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..agencies import Registry
from ..iris import DEFAULT_INSTANCE_BASE, Minter
from ..queries import run_named
from ..records import Resolution
from ..store import GraphStore, default_store_path

_REGISTRY = click.option("--registry", "registry_files", multiple=True,
                         type=click.Path(exists=True, dir_okay=False, path_type=Path),
                         help="Extra agency registry file (Turtle); repeatable.")
NO_AREA = "unspecified area"


def _registry(files: tuple[Path, ...]) -> Registry:
    return Registry.load(extra=files)  # a DhrGraphError is reported by the CLI's one handler (exit 2)


def resolution_json(res: Resolution) -> dict[str, object]:
    """The `agencies resolve --format json` contract."""
    return {"surface": res.surface, "label": res.label, "iri": res.iri, "sector": res.sector, "kind": res.kind,
            "scope": res.scope, "method": res.method, "confidence": res.confidence}


@click.group("agencies")
def group() -> None:
    """Agency registry: resolve names and find the ones that need curating."""


@group.command("resolve")
@click.argument("name")
@click.option("--csp", default=None, help="Partnership area of the review (scopes generic names such as 'Police').")
@click.option("--published", default=None, metavar="YYYY-MM", help="Publication month of the review.")
@click.option("--base", default=DEFAULT_INSTANCE_BASE, show_default=True, help="Base IRI of instance data.")
@_REGISTRY
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def resolve_cmd(name: str, csp: str | None, published: str | None, base: str, registry_files: tuple[Path, ...],
                fmt: str) -> None:
    """Show who NAME resolves to, by which method and how confidently.

    \b
    Example:
      dhr-graph agencies resolve "Southern Health Foundation Trust" --csp Southampton --format json
    """
    try:
        minter = Minter(base)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--base") from exc
    registry = _registry(registry_files)
    res = registry.resolve(name, csp or NO_AREA, published, minter)
    if fmt == "json":
        click.echo(json.dumps(resolution_json(res), ensure_ascii=False))
        return
    rows = [("label", res.label), ("iri", res.iri), ("kind", res.kind), ("scope", res.scope),
            ("sector", res.sector or ""), ("locality", res.locality or ""),
            ("method", f"{res.method} (confidence {res.confidence:.2f})"),
            ("registered", "yes" if res.registered else "no (described in the review's graph)")]
    if res.successor:
        rows.append(("succeeded by", res.successor))
    if res.generic:
        rows.append(("from", res.generic))
    if res.method in ("pattern", "fuzzy", "verbatim"):
        for entry, score in registry.candidates(name, csp or ""):
            rows.append(("candidate", f"{entry.label} <{entry.iri}> ({score:.2f})"))
    click.echo(f"{name!r}" + ("" if csp else f" (no --csp: scoped to {NO_AREA!r})"))
    for key, value in rows:
        click.echo(f"  {key:<13} {value}")


@group.command("unresolved")
@click.option("--store", "store", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Store folder (default: ./dhr-store, or $DHR_GRAPH_STORE).")
@click.option("--method", type=click.Choice(["pattern", "fuzzy", "verbatim"]), default=None,
              help="Only names resolved this way.")
@_REGISTRY
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def unresolved_cmd(store: Path | None, method: str | None, registry_files: tuple[Path, ...], fmt: str) -> None:
    """List addressee names that fell through to patterns, fuzzy matching or verbatim.

    Each comes with how often it occurs and the registered names it may mean; add an alias
    or a body to a registry file (--registry FILE) to resolve it on the next build.

    \b
    Example:
      dhr-graph agencies unresolved --store dhr-store
    """
    gs = GraphStore(store or default_store_path())
    params = {"method": method} if method else {}
    result = run_named(gs, "unresolved-addressees", **params)  # no store: StoreError, exit 2
    registry = _registry(registry_files)
    rows = []
    for row in result.values():
        surface = row["surface"] or ""
        rows.append({
            "surface": surface,
            "method": row["how"],
            "count": int(row["count"] or 0),
            "reviews": int(row["reviews"] or 0),
            "resolved_to": row["label"] or row["addressee"],
            "confidence": float(row["confidence"]) if row["confidence"] is not None else None,
            "candidates": [{"label": e.label, "iri": e.iri, "score": round(s, 2)}
                           for e, s in registry.candidates(surface)],
        })
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("Every addressee resolved to a registered body, group or generic name.")
        return
    width = min(48, max(len(r["surface"]) for r in rows))
    click.echo(f"{'count':>5} {'reviews':>7}  {'method':<9} {'name':<{width}}  candidates")
    for r in rows:
        cands = "; ".join(f"{c['label']} ({c['score']:.2f})" for c in r["candidates"]) or "-"
        click.echo(f"{r['count']:>5} {r['reviews']:>7}  {r['method']:<9} {r['surface']:<{width}}  {cands}")
