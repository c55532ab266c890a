"""Write query results as an aligned table, CSV, TSV, Markdown or SPARQL 1.1 Results JSON;
CONSTRUCT and DESCRIBE results as Turtle, N-Triples or JSON-LD."""

from __future__ import annotations

import csv
import io
from typing import Any

import pyoxigraph as ox

from .errors import QueryError
from .iris import PREFIXES
from .queries import QueryResult

RESULT_FORMATS = ("table", "csv", "tsv", "json", "md")
GRAPH_RESULT_FORMATS = ("turtle", "ntriples", "jsonld")  # CONSTRUCT and DESCRIBE
_RDF = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}
_XSD_STRING = PREFIXES["xsd"] + "string"


def _short(value: str | None, width: int | None) -> str:
    text = "" if value is None else " ".join(value.split())  # one line per row, whatever the value
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


def as_table(result: QueryResult, max_width: int | None = 60) -> str:
    """Aligned columns for a terminal; cells longer than `max_width` are cut (None: never)."""
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
    elif term.datatype.value != _XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def as_json(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results JSON Format."""
    import json  # here: the other formats, a command's usual case, never need it

    if result.boolean is not None:
        return json.dumps({"head": {}, "boolean": result.boolean}, indent=2)
    bindings = [{v: _json_term(t) for v, t in row.items()} for row in result.rows]
    doc = {"head": {"vars": result.variables}, "results": {"bindings": bindings}}
    return json.dumps(doc, indent=2, ensure_ascii=False)


def as_rdf(result: QueryResult, fmt: str) -> str:
    """The triples of a CONSTRUCT or DESCRIBE; Turtle uses the toolkit's prefixes."""
    prefixes = dict(PREFIXES) if fmt == "turtle" else None
    text = (ox.serialize(result.triples or [], format=_RDF[fmt], prefixes=prefixes) or b"").decode("utf-8")
    return text if text.endswith("\n") or not text else text + "\n"


def render(result: QueryResult, fmt: str, wide: bool = False) -> str:
    """The result in `fmt` (`wide`: table cells whole); a CONSTRUCT or DESCRIBE shown as a table is Turtle."""
    if result.triples is not None:
        if fmt == "table":
            fmt = "turtle"
        if fmt not in GRAPH_RESULT_FORMATS:
            raise QueryError(f"a CONSTRUCT or DESCRIBE result is written as {', '.join(GRAPH_RESULT_FORMATS)}, "
                             f"not {fmt}")
        return as_rdf(result, fmt)
    if fmt in GRAPH_RESULT_FORMATS:
        raise QueryError(f"{fmt} is for CONSTRUCT and DESCRIBE results; a table is written as "
                         f"{', '.join(RESULT_FORMATS)}")
    if fmt == "table":
        return as_table(result, None if wide else 60) + "\n"
    if fmt == "csv":
        return as_delimited(result, ",")
    if fmt == "tsv":
        return as_delimited(result, "\t")
    if fmt == "md":
        return as_markdown(result)
    if fmt == "json":
        return as_json(result) + "\n"
    raise ValueError(f"unknown result format {fmt!r}")
