"""The toolkit's own error types: a user mistake becomes one clear line, never a traceback."""

from __future__ import annotations


class DhrGraphError(Exception):
    """Base class of every error the toolkit reports to users."""


class InputError(DhrGraphError):
    """Bad input: names the file and, where it applies, the line."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.reason = message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


class QueryError(DhrGraphError):
    """A query that cannot run: unknown name, bad parameter, syntax error."""


class StoreError(DhrGraphError):
    """The store cannot be opened or written."""


class OutputError(DhrGraphError, OSError):
    """An output file cannot be written where asked (names the file); nothing was replaced.

    Also an OSError, so callers of the library that caught the OSError of a failed write
    still do."""


class RemoteError(StoreError):
    """A remote endpoint cannot be reached, refused the request, or answered badly.

    Messages name the endpoint with its credentials and secret-looking parameters redacted.
    """
