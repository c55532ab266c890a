"""Review records a person can correct: the JSON that `parse --format json` prints, and a CSV.

Extraction is never perfect, so `build` also reads records: parse a page to JSON, fix a
number, a text/addressee split or an addressee by hand, and build the JSON instead of the
page. A record keeps its page's identity (`id`, `url` or `file`, see identity.py), so the
corrected review replaces the one built from the page. A bad record (JSON) or row (CSV) is
reported with its path or line and left out; the good ones are read. The columns of the CSV
are documented in the README ("Correcting records").
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .inputfiles import decode_text, read_bytes
from .errors import InputError
from .identity import KEY_RE, identify
from .records import Recommendation, Review

log = logging.getLogger(__name__)

RECORD_SUFFIXES = (".json", ".csv")
MAX_RECORDS_BYTES = 200 * 1024 * 1024
CSV_COLUMNS = ("row", "review", "csp", "published", "year_of_death", "title", "summary", "source",
               "url", "extracted_count", "number", "text", "addressed_to")
_OPTIONAL_STR = ("id", "url", "file", "sha256", "title", "summary", "source")
_FIELDS = {"id", "url", "file", "sha256", "title", "csp", "published", "year_of_death", "extracted_count",
           "summary", "source", "recommendations", "key", "key_rule"}
_REC_FIELDS = {"number", "text", "addressed_to"}
_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass
class RecordSet:
    """What one records file gave: reviews to build, and the records or rows left out (one line each)."""

    path: str
    reviews: list[tuple[str, Review]] = field(default_factory=list)  # (where, e.g. "x.json#/2", review)
    errors: list[str] = field(default_factory=list)


def review_json(review: Review) -> dict[str, object]:
    """`Review.to_json` plus the key its IRIs get and the rule that gave it (read-only on input)."""
    ident = identify(review)
    return {"key": ident.key, "key_rule": ident.rule, **review.to_json()}


def reviews_csv(reviews: Sequence[Review]) -> str:
    """Reviews as the CSV `build` reads (columns CSV_COLUMNS): one review row each, keyed by the
    review's key, then its recommendation rows."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r in reviews:
        key = identify(r).key
        bad = next((a for rec in r.recommendations for a in rec.addressed_to if "|" in a), None)
        if bad is not None:
            raise InputError(r.source_path or key, f"addressee {bad!r} holds a '|', which the CSV uses between "
                                                   "addressees; use JSON for this review")
        writer.writerow({"row": "review", "review": key, "csp": r.csp, "published": r.published or "",
                         "year_of_death": "" if r.year_of_death is None else r.year_of_death,
                         "title": r.title or "", "summary": r.summary or "", "source": r.source or "",
                         "url": r.url or "", "extracted_count": "" if r.extracted_count is None else r.extracted_count})
        for rec in r.recommendations:
            writer.writerow({"row": "recommendation", "review": key, "number": rec.number, "text": rec.text,
                             "addressed_to": " | ".join(rec.addressed_to)})
    return out.getvalue()


def is_records_file(path: str | Path) -> bool:
    return Path(path).suffix.lower() in RECORD_SUFFIXES


def load_records(path: str | Path) -> RecordSet:
    """Read a JSON or CSV records file; a file that cannot be read at all raises `InputError`."""
    name = str(path)
    text = _read(name)
    if Path(name).suffix.lower() == ".csv":
        return _load_csv(name, text)
    return _load_json(name, text)


def _read(name: str) -> str:
    text = decode_text(read_bytes(name, "a records file", MAX_RECORDS_BYTES), name, "a records file")
    if not text.strip():
        raise InputError(name, "empty file")
    return text


# ---------------------------------------------------------------------------------------- JSON

class _Bad(Exception):
    """A field of one record is wrong: `where` is its path, e.g. [2].recommendations[0].text."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")


def _load_json(name: str, text: str) -> RecordSet:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(name, f"not valid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    if isinstance(data, dict):
        data, single = [data], True
    elif isinstance(data, list):
        single = False
    else:
        raise InputError(name, "expected a JSON array of review records (as 'dhr-graph parse --format json' prints)")
    out = RecordSet(name)
    for i, item in enumerate(data):
        where = "" if single else f"[{i}]"
        try:
            out.reviews.append((f"{name}#{where or '/'}", _review_from_json(item, where, name)))
        except _Bad as exc:
            out.errors.append(f"{name}: {str(exc).lstrip('.')}; record left out")
    if not data:
        out.errors.append(f"{name}: no records")
    return out


def _review_from_json(item: Any, where: str, record_file: str) -> Review:
    if not isinstance(item, dict):
        raise _Bad(where or "$", "expected an object (one review record)")
    unknown = sorted(set(item) - _FIELDS)
    if unknown:
        raise _Bad(f"{where}.{unknown[0]}", f"unknown field (known: {', '.join(sorted(_FIELDS))})")
    strs = {k: _opt_str(item, k, where) for k in _OPTIONAL_STR}
    csp = item.get("csp")
    if not isinstance(csp, str) or not csp.strip():
        raise _Bad(f"{where}.csp", "expected the partnership's name (a non-empty string)")
    published = item.get("published")
    if published is not None and (not isinstance(published, str) or not _MONTH_RE.match(published)):
        raise _Bad(f"{where}.published", f"expected \"YYYY-MM\" or null, not {published!r}")
    year = _opt_int(item, "year_of_death", where, 1900, 2100)
    count = _opt_int(item, "extracted_count", where, 0, 100_000)
    if strs["url"] is not None and not re.match(r"^https?://\S+$", strs["url"]):
        raise _Bad(f"{where}.url", "expected an http(s) address")
    if strs["sha256"] is not None and not re.fullmatch(r"[0-9a-f]{64}", strs["sha256"]):
        raise _Bad(f"{where}.sha256", "expected 64 lower-case hex digits (the page's SHA-256)")
    if strs["file"] is not None and ("/" in strs["file"] or "\\" in strs["file"]):
        raise _Bad(f"{where}.file", "expected a file name without folders")
    recs_in = item.get("recommendations")
    if not isinstance(recs_in, list) or not recs_in:
        raise _Bad(f"{where}.recommendations", "expected a non-empty list of recommendations")
    recs: list[Recommendation] = []
    seen: set[str] = set()
    for j, rec in enumerate(recs_in):
        at = f"{where}.recommendations[{j}]"
        if not isinstance(rec, dict):
            raise _Bad(at, "expected an object with number, text and addressed_to")
        extra = sorted(set(rec) - _REC_FIELDS)
        if extra:
            raise _Bad(f"{at}.{extra[0]}", "unknown field (known: addressed_to, number, text)")
        number, text, addressed = rec.get("number"), rec.get("text"), rec.get("addressed_to", [])
        if not isinstance(number, str) or not number.strip():
            raise _Bad(f"{at}.number", "expected the recommendation's number as a non-empty string")
        if number.strip() in seen:
            raise _Bad(f"{at}.number", f"number {number.strip()!r} appears twice in this review")
        seen.add(number.strip())
        if not isinstance(text, str) or not text.strip():
            raise _Bad(f"{at}.text", "expected the recommendation's text (a non-empty string)")
        if not isinstance(addressed, list) or not all(isinstance(a, str) and a.strip() for a in addressed):
            raise _Bad(f"{at}.addressed_to", "expected a list of non-empty names")
        recs.append(Recommendation(number=number.strip(), text=" ".join(text.split()),
                                   addressed_to=tuple(" ".join(a.split()) for a in addressed)))
    warnings = () if count is None or count == len(recs) else (
        f"{record_file}: {where or 'the record'} says extracted_count {count} but has {len(recs)} recommendations",)
    review = Review(
        source_path=strs["file"] or "", title=strs["title"], csp=" ".join(csp.split()), published=published,
        year_of_death=year, extracted_count=count, summary=strs["summary"], source=strs["source"],
        recommendations=tuple(recs), sha256=strs["sha256"] or "", page_id=strs["id"], url=strs["url"],
        record_file=record_file, warnings=warnings,
    )
    _check_key(item, review, where)
    return review


def _check_key(item: dict[str, Any], review: Review, where: str) -> None:
    """`key` is printed for reading; on input it must agree, so nobody edits it expecting a change."""
    key = item.get("key")
    if key is None:
        return
    ident = identify(review)
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise _Bad(f"{where}.key", "expected a review key (lower-case letters, digits, '.' and '-')")
    if key != ident.key:
        raise _Bad(f"{where}.key", f"is {key!r} but the record's {ident.rule} gives {ident.key!r}; "
                                   "a key is derived, not chosen: set 'id' to give a review its own")


def _opt_str(item: dict[str, Any], name: str, where: str) -> str | None:
    value = item.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Bad(f"{where}.{name}", f"expected a string or null, not {type(value).__name__}")
    return value.strip() or None


def _opt_int(item: dict[str, Any], name: str, where: str, low: int, high: int) -> int | None:
    value = item.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _Bad(f"{where}.{name}", f"expected a whole number from {low} to {high}, or null; not {value!r}")
    return value


# ----------------------------------------------------------------------------------------- CSV

@dataclass
class _CsvReview:
    line: int
    fields: dict[str, Any]
    recs: list[dict[str, Any]] = field(default_factory=list)
    numbers: dict[str, int] = field(default_factory=dict)


def _load_csv(name: str, text: str) -> RecordSet:
    """Rows `review` (one per review) and `recommendation` (one per recommendation), joined by
    the `review` column; addressees in `addressed_to` are separated by ' | '."""
    out = RecordSet(name)
    reader = csv.DictReader(text.splitlines(keepends=True))
    header = reader.fieldnames or []
    missing = [c for c in ("row", "review") if c not in header]
    if missing:
        raise InputError(name, f"no {missing[0]!r} column (columns: {', '.join(CSV_COLUMNS)})", 1)
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if unknown:
        raise InputError(name, f"unknown column {unknown[0]!r} (columns: {', '.join(CSV_COLUMNS)})", 1)
    reviews: dict[str, _CsvReview] = {}
    pending: list[tuple[int, str, dict[str, Any]]] = []
    for row, line in _rows(reader, name, out.errors):
        try:
            kind, handle = _cell(row, "row").lower(), _cell(row, "review")
            if not handle:
                raise ValueError("empty 'review' column (the review's id)")
            if kind == "review":
                if handle in reviews:
                    raise ValueError(f"review {handle!r} has a second review row (first on line {reviews[handle].line})")
                reviews[handle] = _CsvReview(line, _csv_review_fields(row, handle, name))
            elif kind == "recommendation":
                pending.append((line, handle, _csv_rec(row, line)))
            else:
                raise ValueError(f"'row' is {kind!r}; expected 'review' or 'recommendation'")
        except ValueError as exc:
            out.errors.append(f"{name}:{line}: {exc}; row left out")
    for line, handle, rec in pending:
        target = reviews.get(handle)
        if target is None:
            out.errors.append(f"{name}:{line}: no review row for {handle!r}; row left out")
        elif rec["number"] in target.numbers:
            out.errors.append(f"{name}:{line}: recommendation {rec['number']} of {handle!r} appears twice "
                              f"(first on line {target.numbers[rec['number']]}); row left out")
        else:
            target.numbers[rec["number"]] = line
            target.recs.append(rec)
    for handle, rv in reviews.items():
        if not rv.recs:
            out.errors.append(f"{name}:{rv.line}: review {handle!r} has no recommendation rows; left out")
            continue
        recs = tuple(Recommendation(number=r["number"], text=r["text"], addressed_to=r["addressed_to"], line=r["line"])
                     for r in rv.recs)
        out.reviews.append((f"{name}:{rv.line}", Review(recommendations=recs, **rv.fields)))
    return out


def _rows(reader: csv.DictReader[str], name: str, errors: list[str]) -> Iterator[tuple[dict[str, Any], int]]:
    """Non-blank rows with the line each starts on. Text the csv module cannot read (a NUL byte,
    a quote left open) ends the reading there, reported with its line; the rows before it count."""
    line = reader.line_num + 1
    try:
        for row in reader:
            if any(v.strip() if isinstance(v, str) else v for v in row.values()):
                yield row, line
            line = reader.line_num + 1
    except csv.Error as exc:
        errors.append(f"{name}:{line}: unreadable CSV ({exc}); this row and the rest of the file left out")


def _cell(row: dict[Any, Any], name: str) -> str:
    if None in row:
        raise ValueError(f"{len(row[None])} more cell(s) than the header has columns")
    value = row.get(name)
    return " ".join(value.split()) if isinstance(value, str) else ""


def _csv_review_fields(row: dict[str, Any], handle: str, name: str) -> dict[str, Any]:
    csp = _cell(row, "csp")
    if not csp:
        raise ValueError("empty 'csp' column (the partnership)")
    published = _cell(row, "published") or None
    if published is not None and not _MONTH_RE.match(published):
        raise ValueError(f"'published' is {published!r}; expected YYYY-MM")
    url = _cell(row, "url") or None
    if url is not None and not re.match(r"^https?://\S+$", url):
        raise ValueError(f"'url' is not an http(s) address: {url[:60]!r}")
    return {
        "source_path": "", "title": _cell(row, "title") or None, "csp": csp, "published": published,
        "year_of_death": _int_cell(row, "year_of_death", 1900, 2100),
        "extracted_count": _int_cell(row, "extracted_count", 0, 100_000),
        "summary": _cell(row, "summary") or None, "source": _cell(row, "source") or None,
        "page_id": handle, "url": url, "record_file": name,
    }


def _int_cell(row: dict[str, Any], column: str, low: int, high: int) -> int | None:
    value = _cell(row, column)
    if not value:
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        raise ValueError(f"{column!r} is {value!r}; expected a whole number from {low} to {high}")
    return int(value)


def _csv_rec(row: dict[str, Any], line: int) -> dict[str, Any]:
    number, text = _cell(row, "number"), _cell(row, "text")
    if not number:
        raise ValueError("empty 'number' column")
    if not text:
        raise ValueError(f"recommendation {number} has an empty 'text' column")
    addressed = tuple(a.strip() for a in _cell(row, "addressed_to").split(" | ") if a.strip())
    return {"number": number, "text": text, "addressed_to": addressed, "line": line}
