"""Reading a user's input file (a page, a records file, a case table) without surprises.

Every input goes through here, so the same rules hold for all of them: only a regular file is
read (a device such as /dev/zero never ends and a FIFO blocks until someone writes, so both are
refused before reading), never more than a limit, and text must be UTF-8 without NUL bytes. Every
refusal is an `InputError` naming the file, and the line where there is one.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError

if TYPE_CHECKING:
    import pyoxigraph as ox
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


def rdf_quads(path: str | Path, fmt: ox.RdfFormat | None = None) -> list[ox.Quad]:
    """The statements of an RDF file, in `fmt` or else the format its extension names.

    The one reader of RDF files: Turtle reference data, shapes, schemes and registries (through
    `turtle_quads` and `read_turtle`) and any data file (`validate --data`) go through Oxigraph's
    parsers here, so the same file gives the same terms everywhere (every literal as written),
    and a file that is missing, not a regular file or not RDF is one InputError naming the file
    and the line."""
    return _parse(path, fmt)[0]


def turtle_quads(path: str | Path, graph_iri: str | None = None) -> list[ox.Quad]:
    """The statements of a Turtle file, in the named graph `graph_iri` (else the default graph)."""
    import pyoxigraph as ox

    graph = ox.NamedNode(graph_iri) if graph_iri is not None else ox.DefaultGraph()
    return [ox.Quad(q.subject, q.predicate, q.object, graph) for q in _parse(path, ox.RdfFormat.TURTLE)[0]]


def read_turtle(path: str | Path, graph: Graph | None = None) -> Graph:
    """A Turtle file as an rdflib Graph (added to `graph` when given), with the file's prefixes
    bound; read as `rdf_quads` reads it, so with the same errors and every literal as written."""
    import pyoxigraph as ox

    from .terms import to_graph

    quads, prefixes = _parse(path, ox.RdfFormat.TURTLE)
    out = to_graph(quads, graph)
    for prefix, namespace in prefixes.items():
        out.bind(prefix, namespace, override=False)
    return out


def _parse(path: str | Path, fmt: ox.RdfFormat | None) -> tuple[list[ox.Quad], dict[str, str]]:
    import pyoxigraph as ox

    name, what = str(path), f"a {fmt.name} file" if fmt is not None else "an RDF file"
    if fmt is None:
        try:
            fmt = ox.RdfFormat.from_extension(Path(path).suffix.lstrip(".").lower() or "?")
        except ValueError:
            fmt = None
        if fmt is None:
            raise InputError(name, "unknown RDF format (use .ttl, .nt, .nq, .trig, .rdf or .jsonld)")
    require_regular(path, what)
    try:
        # relative IRIs resolve against the file; blank node labels are the file's own (two files'
        # _:b1 are two nodes)
        parser = ox.parse(path=name, format=fmt, base_iri=Path(path).resolve().as_uri(), rename_blank_nodes=True)
        return list(parser), dict(parser.prefixes)
    except SyntaxError as exc:
        raise InputError(name, f"cannot read {fmt.name}: {_message(exc)}", exc.lineno) from None
    except FileNotFoundError:
        raise InputError(name, "no such file") from None
    except (OSError, ValueError) as exc:
        raise InputError(name, f"cannot read: {exc}") from None


def _message(exc: SyntaxError) -> str:
    """Oxigraph's parse error without its own "at line L column C" (the error gives the line)."""
    text = re.sub(r"^Parser error at line \d+ (column \d+|between columns \d+ and \d+): ", "",
                  " ".join(str(exc.msg or exc).split()))
    return text + (f" (column {exc.offset})" if exc.offset else "")


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
