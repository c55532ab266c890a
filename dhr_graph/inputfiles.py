"""Reading a user's input file (a page, a records file, a case table) without surprises.

Every input goes through here, so the same rules hold for all of them: only a regular file is
read (a device such as /dev/zero never ends and a FIFO blocks until someone writes, so both are
refused before reading), never more than a limit, and text must be UTF-8 without NUL bytes. Every
refusal is an `InputError` naming the file, and the line where there is one.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError

if TYPE_CHECKING:
    from rdflib import Graph


def read_bytes(path: str | Path, what: str, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; `what` names it in errors ("a page")."""
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise InputError(name, "no such file") from None
    except IsADirectoryError:
        raise InputError(name, f"is a folder, not {what}") from None
    except OSError as exc:
        raise InputError(name, f"cannot read: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(name, f"is a folder, not {what}")
        if not stat.S_ISREG(mode):
            raise InputError(name, f"not a regular file (a device, pipe or socket), so not {what}")
        size = os.fstat(fd).st_size
        if size > limit:
            raise too_big(name, size, what, limit)
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise InputError(name, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:  # grew while being read
        raise too_big(name, len(data), what, limit)
    return data


def too_big(name: str, size: int, what: str, limit: int) -> InputError:
    return InputError(name, f"file is {size / 1e6:.1f} MB; {what} is at most {limit / 1e6:.0f} MB, so this is not one")


def decode_text(data: bytes, name: str, what: str) -> str:
    """UTF-8 text (a byte-order mark dropped) without NUL bytes; the error gives the line."""
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(name, f"binary file, not {what} (NUL byte at offset {nul})", data[:nul].count(b"\n") + 1)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(name, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                         data[: exc.start].count(b"\n") + 1) from None


def read_turtle(path: str | Path) -> Graph:
    """A Turtle file as an rdflib Graph; a file that is missing or not Turtle is one InputError line."""
    from rdflib import Graph

    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except FileNotFoundError:
        raise InputError(str(path), "no such file") from None
    except Exception as exc:  # noqa: BLE001 - rdflib raises many parser error types
        raise InputError(str(path), f"not valid Turtle: {' '.join(str(exc).split())}") from None
    return graph


def require_regular(path: str | Path, what: str) -> None:
    """Refuse, without opening it, a path that is not a regular file: a parser given a FIFO would
    wait for a writer for ever, and one given a device might never reach its end."""
    name = str(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise InputError(name, "no such file") from None
    except OSError as exc:
        raise InputError(name, f"cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        raise InputError(name, f"is a folder, not {what}")
    if not stat.S_ISREG(mode):
        raise InputError(name, f"not a regular file (a device, pipe or socket), so not {what}")
