"""Options that several commands share, declared once so that they read and behave the same."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

if TYPE_CHECKING:
    from ..store import GraphStore

F = TypeVar("F", bound=Callable[..., object])

STORE_HELP = "Store folder (default: ./dhr-store, or $DHR_GRAPH_STORE)."


def store_option(func: F) -> F:
    """`--store DIR`, passed to the command as `store` (None: the default store)."""
    return click.option("--store", "store", type=click.Path(file_okay=False, path_type=Path),
                        default=None, help=STORE_HELP)(func)


def store_path(path: Path | None) -> Path:
    """The store a command works on: `--store`, else $DHR_GRAPH_STORE, else ./dhr-store."""
    from ..store import default_store_path

    return path or default_store_path()


def open_store(path: Path | None) -> GraphStore:
    """The store of `--store` (see `store_path`); the store module loads with the first command that opens one."""
    from ..store import GraphStore

    return GraphStore(store_path(path))
