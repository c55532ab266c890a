"""Parse review summary pages (the Accountability Index format) into `Review` records.

A page has header fields (title, `CSP:`, `Published:`, `Year of death:`, `Extracted: N recs`),
a summary, and a Markdown-like table `| # | Recommendation | Addressed to |` whose rows end
with one or more addressee cells. A `|` may also occur inside a recommendation's text, so
where the text ends is decided by the table's header first (its last column is the addressee)
and by what the cells in between look like only where that leaves a doubt (see `split_cells`).

Real pages vary: numbers restart for each agency, carry annotations (`10 (ABC)`, `1a`,
`R1.2`), addressee cells are lower case or name several bodies, header fields are missing.
Such pages are read as they are, with a warning for what is missing; only what is really
broken (cut rows, unreadable dates, a row copied twice) is refused.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .addressees import REGISTERED, Known, split_agencies
from .errors import InputError
from .inputfiles import decode_text, read_bytes
from .iris import number_slug
from .records import Recommendation, Review, natural_key

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
    r"^(?:[A-Za-z]{1,4}\.?\s?)?\d+(?:[.\-]\d+)*(?:\s?[a-z])?(?:\s?\((?:[A-Za-z]{1,4}|\d{1,3}|[A-Z][A-Za-z&]{1,9})\))?$"
)
_ANNOTATION_RE = re.compile(r"\((?P<acronym>[A-Z][A-Za-z&]{1,9})\)$")
_ROMAN_RE = re.compile(r"^[IVXLC]+$")
# words that continue a sentence: a cell starting with one is the rest of a text, not a name
_CONTINUATIONS = frozenset({
    "and", "or", "but", "to", "which", "that", "including", "with", "for", "in", "of", "by", "as", "where",
    "when", "who", "whom", "whose", "if", "because", "so", "than", "then", "into", "from", "on", "at",
})
_ADDRESSEE_HEADER_RE = re.compile(r"address|agenc|responsib|\blead\b|owner", re.IGNORECASE)
_YEAR_RE = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_SEPARATOR_RE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
_IDENTITY_RE = re.compile(r"^(Id|URL):\s*(\S.*)$")  # optional identity lines (identity.py)
_FOOTER_RE = re.compile(r"^Recommendations extracted\b", re.IGNORECASE)
_WS_RE = re.compile(r"\s+")


def normalise_space(text: str) -> str:
    """Collapse runs of whitespace; every other character is kept exactly."""
    return _WS_RE.sub(" ", text).strip()


def is_recommendation_number(cell: str) -> bool:
    return bool(_NUMBER_RE.match(cell))


def number_annotation(number: str) -> str | None:
    """The acronym a number is annotated with (`10 (ABC)` -> `ABC`): often who it is addressed to.

    Letters and sub-items (`1a`, `3.140(a)`, `2 (iv)`) are part of the number, not annotations.
    """
    m = _ANNOTATION_RE.search(number)
    if not m or _ROMAN_RE.match(m["acronym"]) or sum(c.isupper() for c in m["acronym"]) < 2:
        return None
    return m["acronym"]


def may_be_addressee(cell: str) -> bool:
    """True when a cell in the `Addressed to` column can be a name, or a list of names, whatever
    its case (`other agencies`): short, no sentence break, not ending like a sentence."""
    cell = cell.strip()
    if not cell or len(cell) > 120 or len(cell.split()) > 14:
        return False
    if cell.split()[0].lower() in _CONTINUATIONS:
        return False  # "including third-party calls", "and the police": a sentence cut by a '|'
    # several names may be listed with ';', but a full stop followed by more words ends a sentence
    return not (re.search(r"[.!?]\s+\S", cell) or cell.endswith((".", ";", ":", ",")))


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


def split_cells(cells: list[str], addressee_column: bool | None = None,
                known: Callable[[str], int] | None = None) -> tuple[str, list[str]]:
    """Split the cells after the number into (text, addressees).

    With `addressee_column` (the table's header ends with an `Addressed to` column), the last
    cell is an addressee by position, whatever its case, unless it cannot be a name (a
    sentence). Cells between the text and that last one are either more addressees or text
    holding a `|`: there, and everywhere when the header says nothing (`None`), the
    addressees are the longest run of trailing name-like cells (`looks_like_addressee`; or
    short cells of any case that follow a finished sentence or that the registry knows as
    names, via `known`), leaving at least one cell of text. Everything before them (rejoined with ` | `) is the recommendation text. Empty
    trailing cells (an empty `Addressed to`) are dropped; the structure then no longer says
    which cell is which.
    """
    full = len(cells)
    while len(cells) > 1 and not cells[-1].strip():
        cells = cells[:-1]
    cut = len(cells)
    if addressee_column and len(cells) == full and cut > 1 and may_be_addressee(cells[-1]):
        cut -= 1

    def name_like(i: int) -> bool:
        cell = cells[i]
        if looks_like_addressee(cell):
            return True
        if not may_be_addressee(cell):
            return False
        # a lower-case cell counts after a text that has ended, or when the registry knows it
        # as a name (not only by a pattern)
        if cells[i - 1].rstrip().endswith((".", "!", "?")):
            return True
        return known is not None and known(normalise_space(cell)) >= REGISTERED

    while cut > 1 and name_like(cut - 1):
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
    published_written: bool = False
    year_of_death_written: bool = False
    missing: list[str] = field(default_factory=list)  # what the page does not say, as warnings
    page_id: str | None = None
    url: str | None = None


def read_page_text(path: str | Path) -> tuple[str, str]:
    """Read a page as UTF-8 text, refusing what is not a text page. Returns (text, sha256)."""
    name = str(path)
    data = read_bytes(path, "a summary page", MAX_PAGE_BYTES)
    if not data.strip():
        raise InputError(name, "empty file")
    text = decode_text(data, name, "a text page")
    check_page_limits(text, name)
    return text, hashlib.sha256(data).hexdigest()


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


def parse_page(path: str | Path, strict: bool = False, known: Known | None = None) -> Review:
    """Parse one page file into a `Review`; raise `InputError` naming file and line.

    With `strict`, a warning (the table disagrees with `Extracted: N recs`, a header field is
    missing) is an error too. `known` says which names the agency registry knows (see
    addressees.py); None means the bundled registry.
    """
    text, digest = read_page_text(path)
    review = parse_text(text, source_path=str(path), sha256=digest, known=known)
    if strict and review.warnings:
        raise InputError(str(path), review.warnings[0].split(": ", 1)[-1] + " (--strict)")
    return review


def parse_text(text: str, source_path: str = "<text>", sha256: str = "", known: Known | None = None) -> Review:
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
    recs = _parse_table(lines, table_start, source_path, known or bundled_names(), header.csp)
    if not recs:
        raise InputError(source_path, "recommendations table has no rows", table_start + 1)
    warnings = [f"{source_path}: {w}" for w in header.missing]
    if header.extracted_count is not None and header.extracted_count != len(recs):
        warnings.append(
            f"{source_path}: page says 'Extracted: {header.extracted_count} recs' "
            f"but the table has {len(recs)} recommendations"
        )
    # numbers that restart for each agency: the table's order is the only meaningful one
    unique = len({number_slug(r.number) for r in recs}) == len(recs)
    return Review(
        source_path=source_path,
        title=header.title,
        csp=header.csp,
        published=header.published,
        year_of_death=header.year_of_death,
        extracted_count=header.extracted_count,
        summary=header.summary,
        source=header.source,
        recommendations=tuple(sorted(recs, key=lambda r: natural_key(r.number)) if unique else recs),
        sha256=sha256,
        warnings=tuple(warnings),
        page_id=header.page_id,
        url=header.url,
    )


@functools.lru_cache(maxsize=1)
def bundled_names() -> Known:
    """`Known` of the bundled agency registry, loaded once (about 0.1 s)."""
    from .addressees import registry_names
    from .agencies import Registry

    return registry_names(Registry.load())


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
        ident = _IDENTITY_RE.match(line)
        if ident:
            _parse_identity(ident.group(1), ident.group(2).strip(), h, path, lineno)
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
    if h.published is None and not h.published_written:
        h.missing.append("no 'Published:' field: no publication date")
    if not h.year_of_death_written:
        years = sorted(set(_YEAR_RE.findall(h.summary or "")))
        said = f" (the summary mentions {', '.join(years)}; not taken as the year of death)" if years else ""
        h.missing.append(f"no 'Year of death:' field: no year of death{said}")


def _parse_identity(name: str, value: str, h: _Header, path: str, lineno: int) -> None:
    """`Id:` and `URL:` lines say which review a page is (identity.py); each at most once."""
    if (h.page_id if name == "Id" else h.url) is not None:
        raise InputError(path, f"a second '{name}:' line (a page is one review)", lineno)
    if name == "URL" and not re.match(r"^https?://\S+$", value):
        raise InputError(path, f"'URL:' is not an http(s) address: {value[:60]!r}", lineno)
    if name == "Id":
        h.page_id = value
    else:
        h.url = value


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
            h.published_written = True
            h.published = _parse_month(value, path, lineno, h.missing)
        elif name == "Year of death":
            h.year_of_death_written = True
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


def _parse_month(value: str, path: str, lineno: int, missing: list[str]) -> str | None:
    """The month of a publication date: 'June 2025', '12 June 2025', 'June 12, 2025',
    '2025-06', '2025-06-12' and '12/06/2025' -> '2025-06'. A year alone gives no month (None,
    said in `missing`); anything else is an error."""
    if value.lower() in {"", "unknown", "not known", "n/a"}:
        return None
    year = month = None
    m = (re.fullmatch(r"(?:(\d{1,2})(?:st|nd|rd|th)?\s+)?([A-Za-z]+)\.?\s+(?:(\d{1,2})(?:st|nd|rd|th)?,?\s+)?(\d{4})",
                      value))
    if m and not (m.group(1) and m.group(3)):
        month, year = MONTHS.get(m.group(2).lower()), int(m.group(4))
        day = int(m.group(1) or m.group(3) or 1)
    elif m := re.fullmatch(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?", value):
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
    elif m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value):  # day first, as written in the UK
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif re.fullmatch(r"\d{4}", value) and 1900 <= int(value) <= 2100:
        missing.append(f"'Published: {value}' gives a year but no month: no publication date")
        return None
    else:
        day = 0
    if year is None or month is None or not 1 <= month <= 12 or not 1 <= day <= 31 or not 1900 <= year <= 2100:
        raise InputError(
            path, f"unreadable 'Published:' date {value!r} (expected a month and year, "
            "e.g. 'June 2025')", lineno
        )
    return f"{year}-{month:02d}"


def _parse_table(lines: list[str], start: int, path: str, known: Known, csp: str) -> list[Recommendation]:
    """The rows of the table. The header row (`| # | Recommendation | Addressed to |`) says
    whether the last column is the addressee; rows with a number as written elsewhere on
    the page are several agencies' lists, unless number, text and addressees are all the
    same (a row copied twice), which is refused."""
    recs: list[Recommendation] = []
    seen: dict[tuple[str, str, tuple[str, ...]], int] = {}
    addressee_column: bool | None = None  # unknown until a header row says
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
        if first in {"#", "No.", "No", "Number"} or (
                not recs and not is_recommendation_number(first) and _separator_follows(lines, i)):
            heads = [normalise_space(c) for c in cells if c.strip()]
            addressee_column = len(heads) > 2 and bool(_ADDRESSEE_HEADER_RE.search(heads[-1]))
            continue  # header row
        if _FOOTER_RE.match(first):
            continue
        if not is_recommendation_number(first):
            raise InputError(path, f"row does not start with a recommendation number: {first[:40]!r}", lineno)
        if len(cells) < 2:
            raise InputError(path, f"row {first} has no recommendation cell", lineno)
        rec_text, cells_to = split_cells(cells[1:], addressee_column, lambda name: known(name, csp))
        if not rec_text:
            raise InputError(path, f"recommendation {first} has an empty text cell", lineno)
        addressees = [name for cell in cells_to for name in split_agencies(cell, csp, known)]
        annotation = number_annotation(first)
        if annotation and not addressees:
            addressees = [annotation]  # `10 (ABC)` with no addressee cell: ABC is who it is for
        key = (first, rec_text, tuple(addressees))
        if key in seen:
            raise InputError(
                path, f"recommendation {first} appears twice with the same text and addressees "
                f"(first on line {seen[key]}); a row copied twice?", lineno
            )
        seen[key] = lineno
        recs.append(Recommendation(number=first, text=rec_text, addressed_to=tuple(addressees), line=lineno,
                                   annotation=annotation))
    return recs


def _separator_follows(lines: list[str], i: int) -> bool:
    """Whether the next non-blank line is a `|---|---|` row, which makes the row before it a header."""
    following = next((ln.strip() for ln in lines[i:] if ln.strip()), "")
    return bool(_SEPARATOR_RE.match(following))

