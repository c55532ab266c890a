"""The named query library (`queries/*.rq`) and a safe way to run SPARQL.

Each query file documents itself in a comment header (title, description, typed
parameters, example). Parameter values are bound as RDF terms in a VALUES block at the start
of the query's outer WHERE group and of each subquery that projects the parameter, each value
serialised as an escaped N-Triples term, so a value can only ever be data. (Oxigraph's
pre-bound variables, SEP-0007, only bind variables the query projects, so they cannot serve
filters and HAVING-style limits; remote endpoints need the text anyway.) Types: string,
integer, decimal, iri, boolean, and review (a review's key or IRI, bound as the review's IRI
so that the query can start from it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from . import resources, summary
from .errors import QueryError
from .iris import PREFIXES
from .sparqlscan import neutralise_service, refuse_service
from .store import GraphStore

if TYPE_CHECKING:
    from .remote import RemoteStore

PARAM_TYPES = ("string", "integer", "decimal", "iri", "boolean", "review")
_PARAM_RE = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>\w+)"
    r"(?:\s*=\s*(?P<default>\S+))?(?P<required>\s+required)?\s*(?:--\s*(?P<doc>.*))?$"
)
_XSD = PREFIXES["xsd"]


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None = None
    required: bool = False
    doc: str = ""

    def term(self, value: Any) -> ox.NamedNode | ox.Literal:
        """The RDF term for a user's value, checked against the declared type.

        The value only ever becomes one escaped RDF term, so text such as `x" } ; DROP ALL`
        stays a string; a value that does not fit the type is refused with one clear line.
        """
        text = _as_text(value)
        if self.type == "integer" and _INTEGER_RE.match(text):
            return ox.Literal(str(int(text)), datatype=ox.NamedNode(_XSD + "integer"))
        if self.type == "decimal" and _DECIMAL_RE.match(text):
            return ox.Literal(text, datatype=ox.NamedNode(_XSD + "decimal"))
        if self.type == "boolean" and text.lower() in _BOOLEANS:
            flag = _BOOLEANS[text.lower()]
            return ox.Literal("true" if flag else "false", datatype=ox.NamedNode(_XSD + "boolean"))
        if self.type == "iri":
            try:
                return ox.NamedNode(text.strip("<>") if text.startswith("<") else text)
            except ValueError:
                pass
        if self.type == "review" and _SCHEME_RE.match(text):
            try:
                return ox.NamedNode(text)
            except ValueError:
                pass
        if self.type in ("string", "review"):  # a review's key: `run` binds the review's IRI instead
            return ox.Literal(text)
        expected = {"integer": "a whole number", "decimal": "a decimal number such as 2.5",
                    "boolean": "true or false", "iri": "an absolute IRI such as https://example.org/x"}
        raise QueryError(f"parameter {self.name}: {text!r} is not a valid {self.type} "
                         f"(expected {expected[self.type]})")


_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_INTEGER_RE = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL_RE = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


def _as_text(value: Any) -> str:
    """Python values from the API (True, 3, 2.5, a term) as the text a user would type."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (ox.NamedNode, ox.Literal)):
        return value.value
    return str(value)


@dataclass(frozen=True)
class NamedQuery:
    name: str
    path: Path
    text: str
    title: str = ""
    description: str = ""
    params: tuple[Param, ...] = ()
    examples: tuple[str, ...] = ()

    def bindings(self, values: Mapping[str, Any]) -> dict[str, ox.NamedNode | ox.Literal]:
        """Check and type the given values, filling in defaults."""
        known = {p.name: p for p in self.params}
        unknown = sorted(set(values) - set(known))
        if unknown:
            names = ", ".join(known) or "none"
            raise QueryError(f"query {self.name}: unknown parameter {unknown[0]!r} (parameters: {names})")
        out: dict[str, ox.NamedNode | ox.Literal] = {}
        for p in self.params:
            value = values.get(p.name, p.default)
            if value is None:
                if p.required:
                    raise QueryError(f"query {self.name}: parameter {p.name!r} is required ({p.doc})")
                continue
            out[p.name] = p.term(str(value))
        return out


def load_query(path: str | Path, name: str | None = None) -> NamedQuery:
    """Read a .rq file and its comment header."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryError(f"{path}: cannot read query: {exc}") from None
    return parse_query_text(text, name or path.stem, path)


def parse_query_text(text: str, name: str = "query", path: Path = Path("<stdin>")) -> NamedQuery:
    meta: dict[str, str] = {}
    params: list[Param] = []
    examples: list[str] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped.startswith("#"):
            if stripped:
                break
            continue
        m = re.match(r"#\s*(title|description|param|example):\s*(.*)$", stripped)
        if not m:
            continue
        key, value = m.group(1), m.group(2).strip()
        if key == "param":
            pm = _PARAM_RE.match(value)
            if not pm or pm.group("type") not in PARAM_TYPES:
                raise QueryError(f"{path}:{lineno}: bad parameter declaration {value!r} "
                                 f"(NAME TYPE [= DEFAULT] [required] -- doc; TYPE in {', '.join(PARAM_TYPES)})")
            params.append(Param(pm.group("name"), pm.group("type"), pm.group("default"),
                                bool(pm.group("required")), (pm.group("doc") or "").strip()))
        elif key == "example":
            examples.append(value)
        else:
            meta[key] = f"{meta[key]} {value}".strip() if key in meta else value
    return NamedQuery(name=name, path=path, text=text, title=meta.get("title", name),
                      description=meta.get("description", ""), params=tuple(params),
                      examples=tuple(examples))


def library(extra_dirs: tuple[Path, ...] = ()) -> dict[str, NamedQuery]:
    """All named queries, bundled first; a user folder may add or override names."""
    queries: dict[str, NamedQuery] = {}
    for folder in (resources.queries_dir(), *extra_dirs):
        for path in sorted(Path(folder).glob("*.rq")):
            queries[path.stem] = load_query(path)
    return queries


_QUERY_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")  # a bare file name: no folder, not hidden


def get_query(name_or_path: str) -> NamedQuery:
    """A named query, or a query file when the argument is a path to one."""
    path = Path(name_or_path)
    if name_or_path.endswith(".rq") or path.is_file():
        if not path.is_file():
            raise QueryError(f"{name_or_path}: no such query file")
        return load_query(path)
    bundled = resources.queries_dir() / f"{name_or_path}.rq"
    if _QUERY_NAME_RE.match(name_or_path) and bundled.is_file():  # read the one file asked for, not all
        return load_query(bundled)
    queries = library()
    if name_or_path not in queries:
        import difflib  # only for the hint of a misspelt name

        close = difflib.get_close_matches(name_or_path, list(queries), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise QueryError(f"unknown query {name_or_path!r} ({hint}see 'dhr-graph query --list')")
    return queries[name_or_path]


@dataclass
class QueryResult:
    """Rows of a SELECT (terms keyed by variable), the boolean of an ASK, or the triples of a
    CONSTRUCT or DESCRIBE (`triples`, None for the other forms)."""

    variables: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[ox.Triple] | None = None

    def values(self) -> list[dict[str, str | None]]:
        """Rows as plain strings (IRIs and literal values), for tables and DataFrames."""
        return [{v: (None if row.get(v) is None else row[v].value) for v in self.variables} for row in self.rows]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def records(self) -> list[dict[str, Any]]:
        """Rows as Python values: numbers and booleans typed, IRIs and other literals as str."""
        return [{v: python_value(row.get(v)) for v in self.variables} for row in self.rows]

    def to_dataframe(self) -> Any:
        """A pandas DataFrame with typed columns (pandas is optional: install it to use this)."""
        try:
            import pandas as pd
        except ImportError:
            raise QueryError("to_dataframe() needs pandas: pip install 'dhr-graph[pandas]'") from None
        if self.boolean is not None:
            return pd.DataFrame({"result": [self.boolean]})
        return pd.DataFrame(self.records(), columns=self.variables)


_INTEGER_TYPES = {_XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                                      "positiveInteger", "negativeInteger", "nonPositiveInteger",
                                      "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
_FLOAT_TYPES = {_XSD + t for t in ("decimal", "double", "float")}


def python_value(term: Any) -> Any:
    """One result term as a Python value (None when unbound)."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        try:
            if datatype in _INTEGER_TYPES:
                return int(term.value)
            if datatype in _FLOAT_TYPES:
                return float(term.value)
        except ValueError:
            return term.value
        if datatype == _XSD + "boolean":
            return term.value in ("true", "1")
    return term.value


def bind_values(text: str, bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """Insert `VALUES (?a ?b) { (term term) }` right after the outer WHERE group's `{`, and the
    same for each parameter after the `{` of every subquery that projects it by name.

    A subquery's variables are its own unless it projects them, so a value bound only outside
    would reach it after the subquery had read every row; binding it inside too (as SEP-0007
    substitution does) lets the subquery start from it. Joined with the outer binding, a
    projected variable gives the same rows either way; subqueries with `SELECT *` are left as
    they are. Local stores and remote endpoints get the same text, so the same rows."""
    if not bindings:
        return text
    masked = _masked(text)
    at = _outer_group_start(masked)
    inserts = [(at, _values_block(bindings))]
    scopes: list[tuple[int, int, set[str]]] = []  # each subquery: its WHERE group's span, what reaches it
    for m in _SELECT_RE.finditer(masked, at):
        brace = masked.find("{", m.end())
        if brace < 0:
            break
        end = _group_end(masked, brace)
        reaching = _projected(masked[m.end():brace]) & set(bindings)
        for start, stop, outer in scopes:  # a parameter reaches it only through every enclosing subquery
            if start < brace and end <= stop:
                reaching &= outer
        scopes.append((brace, end, reaching))
        inner = {name: term for name, term in bindings.items() if name in reaching}
        if inner:
            inserts.append((brace, _values_block(inner)))
    for offset, block in sorted(inserts, reverse=True):
        text = f"{text[:offset + 1]}{block}{text[offset + 1:]}"
    return text


def _group_end(masked: str, brace: int) -> int:
    """Offset of the `}` that closes the group opened at `brace` (the end of the text if none)."""
    depth = 0
    for i in range(brace, len(masked)):
        depth += (masked[i] == "{") - (masked[i] == "}")
        if depth == 0:
            return i
    return len(masked)


def _values_block(bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    names = " ".join(f"?{name}" for name in bindings)
    terms = " ".join(str(term) for term in bindings.values())  # N-Triples serialisation, escaped
    return f" VALUES ({names}) {{ ({terms}) }}"


_IRI_RE = re.compile(r'<[^<>"{}|^`\\\s]*>')
_SELECT_RE = re.compile(r"(?<![\w?$:])SELECT(?![\w:])", re.IGNORECASE)
_VAR_RE = re.compile(r"[?$]([A-Za-z0-9_]+)")


def _projected(projection: str) -> set[str]:
    """The variables a SELECT clause projects by name (not `(expr AS ?x)`, not `*`)."""
    depth, plain = 0, []
    for c in projection:
        depth += (c == "(") - (c == ")")
        plain.append(c if depth == 0 and c != ")" else " ")
    return set(_VAR_RE.findall("".join(plain)))


def _masked(text: str) -> str:
    """The query with comments, strings and IRIs blanked out (same offsets), so that braces,
    keywords and variables are found only where they are syntax."""
    out, i, n = list(text), 0, len(text)

    def blank(start: int, end: int) -> None:
        for k in range(start, min(end, n)):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if c == "#":
            end = text.find("\n", i)
            end = n if end < 0 else end
            blank(i, end)
            i = end
        elif c in "'\"":
            quote = text[i:i + 3] if text[i:i + 3] in ("'''", '"""') else c
            start = i
            i += len(quote)
            while i < n and not text.startswith(quote, i):
                i += 2 if text[i] == "\\" else 1
            i += len(quote)
            blank(start, i)
        elif c == "<" and (m := _IRI_RE.match(text, i)):
            blank(i, m.end())
            i = m.end()
        else:
            i += 1
    return "".join(out)


def _outer_group_start(masked: str) -> int:
    """Offset of the first `{` outside comments, strings and IRIs: a SELECT/ASK's WHERE group."""
    at = masked.find("{")
    if at < 0:
        raise QueryError("query has no WHERE group to bind parameters in")
    return at


def run(store: GraphStore | RemoteStore | str | Path, query: NamedQuery | str,
        params: Mapping[str, Any] | None = None, *, allow_service: bool = False) -> QueryResult:
    """Run a named query object or raw SPARQL text against the store (a GraphStore or its
    folder, or a `remote.RemoteStore` endpoint).

    On a local store a query with `SERVICE` is refused unless `allow_service` (it would make
    a network call); on a remote endpoint SERVICE is the server's business.
    """
    gs = GraphStore(store) if isinstance(store, (str, Path)) else store
    nq = query if isinstance(query, NamedQuery) else parse_query_text(query)
    text = summary.plain_text(nq.text, nq.path, lambda ask: _holds(gs, ask))  # no summary: plain form
    if isinstance(gs, GraphStore) and not allow_service:
        refuse_service(text, str(nq.path))  # the text that runs, also when it is the plain form
    text = bind_values(text, _reviews_as_iris(gs, nq, nq.bindings(params or {})))
    try:
        if isinstance(gs, GraphStore):
            result = gs.query(text, prefixes=PREFIXES, allow_service=True)  # SERVICE was checked above
        else:
            result = gs.query(text, prefixes=PREFIXES)
    except SyntaxError as exc:
        raise QueryError(syntax_error_message(nq, exc)) from None
    except OSError as exc:
        raise QueryError(f"{nq.path}: query failed: {_one_line(exc)}") from None
    if isinstance(result, QueryResult):  # a remote endpoint's answer, already read in full
        return result
    if isinstance(result, ox.QueryBoolean):
        return QueryResult(variables=["result"], boolean=bool(result))
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        try:  # solutions are computed as they are read: SERVICE calls fail here, not above
            # a solution iterates its values in the order of the variables: reading it once, by
            # position, is about a fifth quicker on a long answer than two look-ups by name per cell
            rows = [{v: t for v, t in zip(variables, sol) if t is not None} for sol in result]
        except (SyntaxError, OSError, RuntimeError, ValueError) as exc:
            raise QueryError(f"{nq.path}: query failed: {_one_line(exc)}") from None
        return QueryResult(variables=variables, rows=rows)
    if isinstance(result, ox.QueryTriples):  # CONSTRUCT or DESCRIBE, read in full here like solutions
        try:
            return QueryResult(variables=[], triples=list(result))
        except (SyntaxError, OSError, RuntimeError, ValueError) as exc:
            raise QueryError(f"{nq.path}: query failed: {_one_line(exc)}") from None
    raise QueryError(f"{nq.path}: unexpected kind of query result")


def _reviews_as_iris(store: Any, nq: NamedQuery,
                     bindings: dict[str, ox.NamedNode | ox.Literal]) -> dict[str, ox.NamedNode | ox.Literal]:
    """A `review` parameter given by its key is bound as the review's IRI, so that the query
    can start from it: Oxigraph narrows a join only by a parameter that is itself a term of
    the pattern. A key that names no review stays a literal, which matches no review."""
    for p in nq.params:
        term = bindings.get(p.name)
        if p.type == "review" and isinstance(term, ox.Literal):
            found = store.query(f"SELECT ?r WHERE {{ ?r <{_IDENTIFIER}> {term} ; a <{_REVIEW}> }} LIMIT 1")
            bindings[p.name] = next((s["r"] for s in found), term)
    return bindings


def _holds(store: GraphStore | RemoteStore, ask: str) -> bool:
    """The answer of an ASK query on a local store or a remote endpoint."""
    result = store.query(ask)
    return bool(result.boolean if isinstance(result, QueryResult) else result)


_IDENTIFIER, _REVIEW = PREFIXES["dcterms"] + "identifier", PREFIXES["dhr"] + "Review"


def run_named(store: GraphStore | str | Path, name: str, **params: Any) -> QueryResult:
    """Python API: `run_named('dhr-store', 'shared-agencies', min=3).rows` (or `.to_dataframe()`)."""
    return run(store, get_query(name), params)


def check_syntax(query: NamedQuery | str) -> None:
    """Raise QueryError (with file, line and column) unless the query text parses."""
    nq = query if isinstance(query, NamedQuery) else parse_query_text(query)
    try:
        ox.Store().query(neutralise_service(nq.text), prefixes=PREFIXES)  # an ASK would run SERVICE
    except SyntaxError as exc:
        raise QueryError(syntax_error_message(nq, exc)) from None


_POSITION_RE = re.compile(r"^error at (\d+):(\d+):\s*(.*)$", re.DOTALL)
_MAX_EXPECTED = 8


def syntax_error_message(nq: NamedQuery, exc: SyntaxError) -> str:
    """`FILE:LINE:COLUMN: SPARQL syntax error: REASON near 'TEXT'`, on one line.

    Oxigraph reports the position in the text it was given; parameters are inserted on the
    line of the first `{`, so the position is taken again from the query as written.
    """
    try:
        ox.Store().query(neutralise_service(nq.text), prefixes=PREFIXES)
    except SyntaxError as original:
        exc = original
    message = _one_line(exc)
    m = _POSITION_RE.match(str(exc).strip())
    if not m:
        return f"{nq.path}: SPARQL syntax error: {message}"
    line, column, reason = int(m.group(1)), int(m.group(2)), _one_line(m.group(3))
    lines = nq.text.splitlines()
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    prefix = re.search(r"([A-Za-z][\w.-]*)?:[\w.-]*\s*$", source[:max(column - 1, 0)])
    if "Prefix not found" in reason and prefix:
        reason = f"unknown prefix '{prefix.group(1) or ''}:' (declare it with PREFIX)"
    elif reason.startswith("expected one of "):
        options = reason.removeprefix("expected one of ").split(", ")
        if len(options) > _MAX_EXPECTED or any(len(o) > 20 for o in options):
            shown = [o for o in options if len(o) <= 20][:_MAX_EXPECTED]
            reason = "expected one of " + ", ".join(shown) + ", ..."
    shown_line = _one_line(source)
    if len(shown_line) > 60:
        shown_line = shown_line[:59] + "…"
    where = f" in {shown_line!r}" if shown_line else " at the end of the query"
    return f"{nq.path}:{line}:{column}: SPARQL syntax error: {reason}{where}"


def _one_line(exc: BaseException | str) -> str:
    return " ".join(str(exc).split())
