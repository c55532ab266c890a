"""Where the library's log records go on the command line: stderr, at the level -v/-q ask for.

Library modules log through `logging.getLogger(__name__)` and never configure logging; the
command line (and only it) attaches one handler to the package's logger for the run.
"""

from __future__ import annotations

import logging

import click

_PACKAGE = "dhr_graph"
# -q, default, -v, -vv
_LEVELS = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO, 2: logging.DEBUG}


class _Stderr(logging.Handler):
    """One line per record on the current stderr (looked up at each record, as click does, so
    a test runner's captured stderr gets it too)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(self.format(record), err=True)
        except Exception:  # a log line must never end the command
            self.handleError(record)


class _Format(logging.Formatter):
    """"dhr-graph: info: ...", in the lower case of the command's other messages."""

    def format(self, record: logging.LogRecord) -> str:
        record.level = record.levelname.lower()
        return super().format(record)


def configure(verbosity: int) -> tuple[logging.Logger, int, _Stderr]:
    """Send the package's records at `verbosity` (-1 quiet ... 2 debug) to stderr; returns what
    `restore` needs to put things back as they were."""
    logger = logging.getLogger(_PACKAGE)
    handler = _Stderr()
    level = _LEVELS[max(-1, min(verbosity, 2))]
    detail = "%(name)s: " if level <= logging.DEBUG else ""
    handler.setFormatter(_Format(f"dhr-graph: %(level)s: {detail}%(message)s"))
    before = logger.level
    logger.setLevel(level)
    logger.addHandler(handler)
    return logger, before, handler


def restore(state: tuple[logging.Logger, int, _Stderr]) -> None:
    logger, level, handler = state
    logger.removeHandler(handler)
    logger.setLevel(level)
