"""Parse review summary pages (the Accountability Index format) into `Review` records.

A page has header fields (title, `CSP:`, `Published:`, `Year of death:`, `Extracted: N recs`),
a summary, and a Markdown-like table `| # | Recommendation | Addressed to |` whose rows end
with one or more addressee cells. A `|` may also occur inside a recommendation's text, so
where the text ends is decided by what the trailing cells look like (see `split_cells`).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .records import Recommendation, Review

MAX_PAGE_BYTES = 5 * 1024 * 1024  # a summary page is a few kB; anything this big is not one
# Limits of a page's table (see `check_page_limits`): real reviews have tens of recommendations,
# each addressed to a few bodies.
MAX_TABLE_ROWS = 1000  # lines starting with '|', header and separator included
MAX_ROW_CELLS = 60  # cells in one row
MAX_TABLE_CELLS = 8000  # cells in the whole table

MONTHS = {
    name: i + 1
    for i, name in enumerate(
        ["january", "february", "march", "april", "may", "june", "july",
         "august", "september", "october", "november", "december"]
    )
}
MONTHS.update({name[:3]: num for name, num in list(MONTHS.items())})
MONTHS["sept"] = 9

FIELD_NAMES = ("CSP", "Published", "Year of death", "Extracted")
_FIELD_RE = re.compile(r"\b(CSP|Published|Year of death|Extracted):")
_NUMBER_RE = re.compile(
    r"^(?:[A-Za-z]{1,4}\.?\s?)?\d+(?:[.\-]\d+)*(?:\s?[a-z])?(?:\s?\((?:[a-z]{1,4}|\d{1,3})\))?$"
)
_SEPARATOR_RE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
_FOOTER_RE = re.compile(r"^Recommendations extracted\b", re.IGNORECASE)
_WS_RE = re.compile(r"\s+")


def normalise_space(text: str) -> str:
    """Collapse runs of whitespace; every other character is kept exactly."""
    return _WS_RE.sub(" ", text).strip()


def natural_key(number: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders 9.2 before 9.10, R2 before R10 and 9.1 a before 9.1 b."""
    return tuple(
        (0, int(tok)) if tok.isdigit() else (1, tok.lower())
        for tok in re.findall(r"\d+|[A-Za-z]+", number)
    )


def is_recommendation_number(cell: str) -> bool:
    return bool(_NUMBER_RE.match(cell))


def looks_like_addressee(cell: str) -> bool:
    """True when a cell reads like a name (of a body or group), not like running text.

    Names are short, start with a capital or a digit, and hold no sentence break; text
    segments split off by a `|` inside a recommendation are long or contain sentences.
    """
    cell = cell.strip()
    if not cell or len(cell) > 120 or len(cell.split()) > 14:
        return False
    if not (cell[0].isupper() or cell[0].isdigit() or cell[0] in "‘'\"“("):
        return False
    if re.search(r"[.!?;:]\s+\S", cell) or cell.endswith((".", ";", ":", ",")):
        return False
    return True


def split_cells(cells: list[str]) -> tuple[str, list[str]]:
    """Split the cells after the number into (text, addressees).

    The addressees are the longest run of trailing name-like cells, leaving at least one
    cell of text; everything before them (rejoined with ` | `) is the recommendation text.
    Empty trailing cells (an empty `Addressed to`) are dropped.
    """
    while len(cells) > 1 and not cells[-1].strip():
        cells = cells[:-1]
    cut = len(cells)
    while cut > 1 and looks_like_addressee(cells[cut - 1]):
        cut -= 1
    text = " | ".join(c.strip() for c in cells[:cut])
    return normalise_space(text), [normalise_space(c) for c in cells[cut:]]


@dataclass
class _Header:
    title: str | None = None
    csp: str | None = None
    published: str | None = None
    year_of_death: int | None = None
    extracted_count: int | None = None
    summary: str | None = None
    source: str | None = None


def read_page_text(path: str | Path) -> tuple[str, str]:
    """Read a page as UTF-8 text, refusing what is not a text page. Returns (text, sha256)."""
    name = str(path)
    data = _read_page_bytes(path)
    if not data.strip():
        raise InputError(name, "empty file")
    if len(data) > MAX_PAGE_BYTES:  # grew while being read
        raise _too_big(name, len(data))
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(name, f"binary file, not a text page (NUL byte at offset {nul})",
                         data[:nul].count(b"\n") + 1)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            name, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})", line
        ) from None
    check_page_limits(text, name)
    return text, hashlib.sha256(data).hexdigest()


def _read_page_bytes(path: str | Path) -> bytes:
    """At most MAX_PAGE_BYTES + 1 bytes of a regular file. A device, a FIFO or a socket is
    refused before it is read: /dev/zero never ends and a FIFO blocks until someone writes."""
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise InputError(name, "no such file") from None
    except IsADirectoryError:
        raise InputError(name, "is a folder, not a page") from None
    except OSError as exc:
        raise InputError(name, f"cannot read: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(name, "is a folder, not a page")
        if not stat.S_ISREG(mode):
            raise InputError(name, "not a regular file (a device, pipe or socket), so not a page")
        size = os.fstat(fd).st_size
        if size > MAX_PAGE_BYTES:
            raise _too_big(name, size)
        try:
            return handle.read(MAX_PAGE_BYTES + 1)
        except OSError as exc:
            raise InputError(name, f"cannot read: {exc.strerror or exc}") from None


def _too_big(name: str, size: int) -> InputError:
    return InputError(name, f"file is {size / 1e6:.1f} MB; a summary page is at most "
                            f"{MAX_PAGE_BYTES / 1e6:.0f} MB, so this is not one")


def check_page_limits(text: str, name: str) -> None:
    """Refuse a page whose table is beyond what any review has: memory and time of a build grow
    with rows and addressee cells (tens of kB per row), so these bounds keep one page's cost
    small; the limits are documented in the README."""
    rows = cells = 0
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.lstrip().startswith("|"):
            continue
        rows += 1
        in_row = line.count("|") - 1
        cells += in_row
        if rows > MAX_TABLE_ROWS:
            raise InputError(name, f"table has more than {MAX_TABLE_ROWS} rows; no review has that many "
                                   "recommendations, so this is not a summary page", lineno)
        if in_row > MAX_ROW_CELLS:
            raise InputError(name, f"table row has {in_row} cells, more than the limit of {MAX_ROW_CELLS}",
                             lineno)
        if cells > MAX_TABLE_CELLS:
            raise InputError(name, f"table has more than {MAX_TABLE_CELLS} cells in all (recommendations "
                                   "and addressees); no summary page is that large", lineno)


def parse_page(path: str | Path, strict: bool = False) -> Review:
    """Parse one page file into a `Review`; raise `InputError` naming file and line.

    With `strict`, a warning (the table disagrees with `Extracted: N recs`) is an error too.
    """
    text, digest = read_page_text(path)
    review = parse_text(text, source_path=str(path), sha256=digest)
    if strict and review.warnings:
        raise InputError(str(path), review.warnings[0].split(": ", 1)[-1] + " (--strict)")
    return review


def parse_text(text: str, source_path: str = "<text>", sha256: str = "") -> Review:
    """Parse the text of one page. Header fields may sit on separate lines or on one."""
    lines = text.splitlines()
    header = _Header()
    table_start = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("|")), None)
    head_lines = lines if table_start is None else lines[:table_start]
    _parse_header(head_lines, header, source_path)
    if table_start is None:
        raise InputError(source_path, "no recommendations table (no line starting with '|')")
    if header.csp is None:
        raise InputError(source_path, "no 'CSP:' header field before the recommendations table")
    if not header.csp:
        raise InputError(source_path, "empty 'CSP:' header field")
    recs = _parse_table(lines, table_start, source_path)
    if not recs:
        raise InputError(source_path, "recommendations table has no rows", table_start + 1)
    warnings: list[str] = []
    if header.extracted_count is not None and header.extracted_count != len(recs):
        warnings.append(
            f"{source_path}: page says 'Extracted: {header.extracted_count} recs' "
            f"but the table has {len(recs)} recommendations"
        )
    return Review(
        source_path=source_path,
        title=header.title,
        csp=header.csp,
        published=header.published,
        year_of_death=header.year_of_death,
        extracted_count=header.extracted_count,
        summary=header.summary,
        source=header.source,
        recommendations=tuple(sorted(recs, key=lambda r: natural_key(r.number))),
        sha256=sha256,
        warnings=tuple(warnings),
    )


def _parse_header(lines: list[str], h: _Header, path: str) -> None:
    previous: str | None = None
    in_summary = False
    summary: list[str] = []
    for lineno, raw in enumerate(lines, start=1):
        line = normalise_space(raw)
        if not line:
            continue
        if line == "Summary":
            in_summary = True
            continue
        if line == "Extracted recommendations":
            in_summary = False
            continue
        if in_summary:
            summary.append(line)
            continue
        match = _FIELD_RE.search(line)
        if match:
            before = line[: match.start()].strip()
            if h.title is None:
                h.title = before or _title_from(previous)
            _parse_fields(line[match.start():], h, path, lineno)
        elif line.startswith("Source:") and h.source is None:
            h.source = line.removeprefix("Source:").strip() or None
        previous = line
    h.summary = " ".join(summary) or None


def _title_from(previous: str | None) -> str | None:
    if previous is None or previous.startswith(("Source", "About this page")):
        return None
    return previous


def _parse_fields(segment: str, h: _Header, path: str, lineno: int) -> None:
    """Parse `Name: value` pairs; several may share one line."""
    parts = _FIELD_RE.split(segment)
    # parts = ["", name1, value1, name2, value2, ...]
    for name, value in zip(parts[1::2], parts[2::2]):
        value = value.strip()
        if name == "CSP":
            h.csp = value
        elif name == "Published":
            h.published = _parse_month(value, path, lineno)
        elif name == "Year of death":
            h.year_of_death = _parse_year(value, path, lineno, "Year of death")
        elif name == "Extracted":
            m = re.fullmatch(r"(\d+)\s*(?:recs?|recommendations?)?", value, re.IGNORECASE)
            if not m:
                raise InputError(path, f"unreadable 'Extracted:' count {value!r}", lineno)
            h.extracted_count = int(m.group(1))


def _parse_year(value: str, path: str, lineno: int, field_name: str) -> int | None:
    if value.lower() in {"", "unknown", "not known", "n/a"}:
        return None
    if not re.fullmatch(r"\d{4}", value) or not 1900 <= int(value) <= 2100:
        raise InputError(path, f"unreadable '{field_name}:' year {value!r} (expected YYYY)", lineno)
    return int(value)


def _parse_month(value: str, path: str, lineno: int) -> str | None:
    """'June 2025' -> '2025-06'."""
    if value.lower() in {"", "unknown", "not known", "n/a"}:
        return None
    m = re.fullmatch(r"([A-Za-z]+)\.?\s+(\d{4})", value)
    month = MONTHS.get(m.group(1).lower()) if m else None
    if not m or month is None or not 1900 <= int(m.group(2)) <= 2100:
        raise InputError(
            path, f"unreadable 'Published:' date {value!r} (expected a month and year, "
            "e.g. 'June 2025')", lineno
        )
    return f"{m.group(2)}-{month:02d}"


def _parse_table(lines: list[str], start: int, path: str) -> list[Recommendation]:
    recs: list[Recommendation] = []
    seen: dict[str, int] = {}
    i = start
    while i < len(lines):
        line = lines[i].strip()
        lineno = i + 1
        i += 1
        if not line:
            continue
        if not line.startswith("|"):
            break  # the table is over
        # a row may continue over several lines until it is closed by a trailing '|'
        while not line.endswith("|"):
            if i >= len(lines) or lines[i].strip().startswith("|"):
                raise InputError(path, "table row is cut off (no closing '|')", lineno)
            line += " " + lines[i].strip()
            i += 1
        if _SEPARATOR_RE.match(line):
            continue
        cells = line[1:-1].split("|")
        first = normalise_space(cells[0])
        if first in {"#", "No.", "No", "Number"}:
            continue  # header row
        if _FOOTER_RE.match(first):
            continue
        if not is_recommendation_number(first):
            raise InputError(path, f"row does not start with a recommendation number: {first[:40]!r}", lineno)
        if len(cells) < 2:
            raise InputError(path, f"row {first} has no recommendation cell", lineno)
        rec_text, addressees = split_cells(cells[1:])
        if not rec_text:
            raise InputError(path, f"recommendation {first} has an empty text cell", lineno)
        if first in seen:
            raise InputError(
                path, f"recommendation number {first} appears twice (first on line {seen[first]})", lineno
            )
        seen[first] = lineno
        recs.append(Recommendation(number=first, text=rec_text, addressed_to=tuple(addressees), line=lineno))
    return recs
