"""`dhr-graph themes`: classify a text, explain why, and list the theme scheme."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ..themes import ThemeScheme

_PATH = click.Path(exists=True, dir_okay=False, path_type=Path)


def _scheme(scheme_files: tuple[Path, ...], theme_files: tuple[Path, ...]) -> ThemeScheme:
    from ..themes import ThemeScheme

    return ThemeScheme.load(list(scheme_files) or None, extra=theme_files)  # errors: exit 2, one line


def _text(text: str) -> str:
    """The TEXT argument, or standard input when it is "-"."""
    return sys.stdin.read() if text == "-" else text


def _scheme_options(func):  # type: ignore[no-untyped-def]
    func = click.option("--themes", "theme_files", multiple=True, type=_PATH,
                        help="Extra theme scheme file (Turtle) that extends the bundled one; repeatable.")(func)
    return click.option("--scheme", "scheme_files", multiple=True, type=_PATH,
                        help="Theme scheme file (Turtle) used instead of the bundled one; repeatable.")(func)


@click.group("themes")
def group() -> None:
    """Recommendation themes: classify text, explain assignments, list the scheme."""


@group.command("classify")
@click.argument("text")
@_scheme_options
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
def classify_cmd(text: str, scheme_files: tuple[Path, ...], theme_files: tuple[Path, ...], fmt: str) -> None:
    """Give TEXT (or "-" for standard input) its themes, with the words that triggered each.

    \b
    Example:
      dhr-graph themes classify "Police to refer high risk cases to MARAC" --format json
    """
    assignments = _scheme(scheme_files, theme_files).classify(_text(text))
    if fmt == "json":
        click.echo(json.dumps([{"theme": a.label, "iri": a.theme, "evidence": list(a.evidence)}
                               for a in assignments], indent=2, ensure_ascii=False))
        return
    if not assignments:
        click.echo("(no theme)")
    for a in assignments:
        click.echo(f"{a.label}: {', '.join(a.evidence)}")


@group.command("explain")
@click.argument("text")
@_scheme_options
@click.option("--all", "show_all", is_flag=True, help="Also list themes that did not fire.")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
def explain_cmd(text: str, scheme_files: tuple[Path, ...], theme_files: tuple[Path, ...],
                show_all: bool, fmt: str) -> None:
    """Show why TEXT got each theme: which rule matched which words, and which matches an
    exclusion cancelled.

    \b
    Example:
      dhr-graph themes explain "All agencies to share the learning from this review"
    """
    explanations = [e for e in _scheme(scheme_files, theme_files).explain(_text(text))
                    if show_all or e.assigned or e.voided]
    if fmt == "json":
        click.echo(json.dumps([e.to_json() for e in explanations], indent=2, ensure_ascii=False))
        return
    for e in explanations:
        click.echo(f"{e.label} <{e.theme}>: {'assigned' if e.assigned else 'not assigned'}")
        for h in e.hits:
            click.echo(f"  + {h.words!r} at {h.start}-{h.end} by rule /{h.pattern}/")
        for h in e.voided:
            click.echo(f"  - {h.words!r} by rule /{h.pattern}/, cancelled by exclusion /{h.voided_by}/")
        if not e.hits and not e.voided:
            click.echo(f"  (none of its {len(e.patterns)} rules matched)")


@group.command("list")
@_scheme_options
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
def list_cmd(scheme_files: tuple[Path, ...], theme_files: tuple[Path, ...], fmt: str) -> None:
    """List the theme scheme: label, IRI, number of rules and definition.

    \b
    Example:
      dhr-graph themes list --themes my-themes.ttl
    """
    rows = _scheme(scheme_files, theme_files).describe()
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    width = max(len(str(r["theme"])) for r in rows)
    click.echo(f"{'Theme':<{width}}  Rules  IRI")
    click.echo(f"{'-' * width}  -----  ---")
    for r in rows:
        click.echo(f"{r['theme']!s:<{width}}  {r['patterns']!s:>5}  {r['iri']}")
