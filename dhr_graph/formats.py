"""Write query results as an aligned table, CSV, TSV, Markdown or SPARQL 1.1 Results JSON."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pyoxigraph as ox

from .queries import QueryResult

RESULT_FORMATS = ("table", "csv", "tsv", "json", "md")


def _short(value: str | None, width: int) -> str:
    text = "" if value is None else " ".join(value.split())  # one line per row, whatever the value
    return text if len(text) <= width else text[: width - 1] + "…"


def as_table(result: QueryResult, max_width: int = 60) -> str:
    """Aligned columns for a terminal; long cells are cut (use csv/json for full values)."""
    if result.boolean is not None:
        return "true" if result.boolean else "false"
    rows = [[_short(r[v], max_width) for v in result.variables] for r in result.values()]
    widths = [max([len(v), *(len(row[i]) for row in rows)]) for i, v in enumerate(result.variables)]
    numeric = [all(_is_number(row[i]) for row in rows if row[i]) and rows != [] for i in range(len(widths))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if num else c.ljust(w) for c, w, num in zip(cells, widths, numeric)).rstrip()

    out = [line(result.variables), "  ".join("-" * w for w in widths)]
    out += [line(row) for row in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def as_delimited(result: QueryResult, delimiter: str = ",") -> str:
    """CSV (RFC 4180 quoting) or TSV (no quoting: tabs and line breaks in values become spaces).

    Cells hold plain values (IRIs and literal text), the way spreadsheets and pandas read them.
    """
    header = ["result"] if result.boolean is not None else result.variables
    if result.boolean is not None:
        rows = [["true" if result.boolean else "false"]]
    else:
        rows = [[row[v] or "" for v in result.variables] for row in result.values()]
    if delimiter == "\t":
        return "".join("\t".join(" ".join(c.split()) for c in cells) + "\n" for cells in [header, *rows])
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def as_markdown(result: QueryResult) -> str:
    if result.boolean is not None:
        return f"| result |\n|---|\n| {'true' if result.boolean else 'false'} |\n"

    def cell(v: str | None) -> str:
        return "" if v is None else v.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(result.variables) + " |", "|" + "---|" * len(result.variables)]
    lines += ["| " + " | ".join(cell(r[v]) for v in result.variables) + " |" for r in result.values()]
    return "\n".join(lines) + "\n"


def _json_term(term: Any) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


def as_json(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results JSON Format."""
    if result.boolean is not None:
        return json.dumps({"head": {}, "boolean": result.boolean}, indent=2)
    bindings = [{v: _json_term(t) for v, t in row.items()} for row in result.rows]
    doc = {"head": {"vars": result.variables}, "results": {"bindings": bindings}}
    return json.dumps(doc, indent=2, ensure_ascii=False)


def render(result: QueryResult, fmt: str) -> str:
    if fmt == "table":
        return as_table(result) + "\n"
    if fmt == "csv":
        return as_delimited(result, ",")
    if fmt == "tsv":
        return as_delimited(result, "\t")
    if fmt == "md":
        return as_markdown(result)
    if fmt == "json":
        return as_json(result) + "\n"
    raise ValueError(f"unknown result format {fmt!r}")
