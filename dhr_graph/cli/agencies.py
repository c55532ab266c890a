"""`dhr-graph agencies`: resolve a name the way a build would, and list names to curate."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..iris import DEFAULT_INSTANCE_BASE, Minter
from .options import open_store, store_option

if TYPE_CHECKING:
    from ..agencies import Registry
    from ..records import Resolution

_REGISTRY = click.option("--registry", "registry_files", multiple=True,
                         type=click.Path(exists=True, dir_okay=False, path_type=Path),
                         help="Extra agency registry file (Turtle); repeatable.")
NO_AREA = "unspecified area"

#: What each resolution method means (shown by `agencies resolve`).
METHODS = {
    "exact": "the registered name of a body",
    "alias": "another registered name of a body (or one it has in its own area)",
    "acronym": "a registered short form of a body's name",
    "area": "a generic name, resolved to that body of the partnership's area (its force, council, ICB or "
            "health board) through the ONS geography",
    "function": "a generic name for a council function, resolved to the council that holds it in the area "
                "(social care, children's services and public health: the county in two-tier areas)",
    "date": "'the CCG': the clinical commissioning group that covered the area at the review's date "
            "(at the latest 30 June 2022), with the body that took over from it",
    "generic": "a generic name the area could not settle, kept as a body of the review's partnership",
    "pattern": "no registered name: a name pattern gave its sector",
    "fuzzy": "a close misspelling of a registered name",
    "verbatim": "no registered name or pattern: kept as written, scoped to the review's partnership",
}


def _registry(files: tuple[Path, ...]) -> Registry:
    from ..agencies import Registry

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
@click.option("--csp", default=None, help="Partnership of the review: generic names such as 'the Police' resolve to "
              "that area's body (see `agencies area`).")
@click.option("--published", default=None, metavar="YYYY-MM",
              help="Publication month of the review (settles 'the CCG' and councils merged since).")
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
    if res.method in METHODS:
        rows.append(("how", METHODS[res.method]))
    if res.reason:
        rows.append(("why", res.reason))
    codes = registry.codes(res.iri) if res.registered else []
    if codes:
        rows.append(("codes", ", ".join(f"{code} ({scheme})" for code, scheme in codes)))
    if res.method in ("pattern", "fuzzy", "verbatim"):
        for entry, score in registry.candidates(name, csp or ""):
            rows.append(("candidate", f"{entry.label} <{entry.iri}> ({score:.2f})"))
    click.echo(f"{name!r}" + ("" if csp else f" (no --csp: scoped to {NO_AREA!r})"))
    for key, value in rows:
        click.echo(f"  {key:<13} {value}")


@group.command("area")
@click.argument("partnership")
@_REGISTRY
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def area_cmd(partnership: str, registry_files: tuple[Path, ...], fmt: str) -> None:
    """Show the ONS geography a partnership name is placed in: CSP areas, councils, police force,
    ICB or health board, region. Exits 1 when the name matches no area.

    \b
    Example:
      dhr-graph agencies area "Safe City Partnership"
    """
    registry = _registry(registry_files)
    area = registry.geography.match(partnership)
    if area is None:
        click.echo(f"{partnership!r}: matches no ONS community safety partnership; add the name as a "
                   f"skos:altLabel of its area in a registry file (see ontology/area-names.ttl)", err=True)
        raise SystemExit(1)
    geo = registry.geography

    def names(codes: Iterable[str]) -> list[str]:
        return [f"{geo.labels.get(c, c)} ({c})" for c in sorted(codes)]

    data: dict[str, object] = {
        "partnership": partnership, "matched_by": area.method, "csp": names(area.csps),
        "districts": names(area.districts), "counties": names(area.upper_tiers),
        "police_force_area": names(area.police_force_areas), "region": names(area.regions),
        "icb": names(area.icbs), "health_board": names(area.health_boards),
    }
    for role, key in (("police", "police"), ("council", "council"), ("upper-tier-council", "social_care"),
                      ("icb", "icb_body"), ("health-board", "health_board_body")):
        body, _, why = registry.area_body(role, partnership)
        data[key] = body.label if body else f"(none: {why})"
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for key, value in data.items():
        if value:
            click.echo(f"  {key:<18} {'; '.join(value) if isinstance(value, list) else value}")


@group.command("unresolved")
@store_option
@click.option("--method", type=click.Choice(["pattern", "generic", "fuzzy", "verbatim"]), default=None,
              help="Only names resolved this way.")
@_REGISTRY
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def unresolved_cmd(store: Path | None, method: str | None, registry_files: tuple[Path, ...], fmt: str) -> None:
    """List addressee names that reached no registered body (patterns, unsettled generic names, verbatim).

    Each comes with how often it occurs and the registered names it may mean; add an alias
    or a body to a registry file (--registry FILE) to resolve it on the next build.

    \b
    Example:
      dhr-graph agencies unresolved --store dhr-store
    """
    from ..unresolved import unresolved_names

    rows = unresolved_names(open_store(store), _registry(registry_files), method)  # no store: exit 2
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("Every addressee resolved to a registered body or a group.")
        return
    width = min(48, max(len(r["surface"]) for r in rows))
    click.echo(f"{'count':>5} {'reviews':>7}  {'method':<9} {'name':<{width}}  candidates")
    for r in rows:
        cands = "; ".join(f"{c['label']} ({c['score']:.2f})" for c in r["candidates"]) or "-"
        click.echo(f"{r['count']:>5} {r['reviews']:>7}  {r['method']:<9} {r['surface']:<{width}}  {cands}")
