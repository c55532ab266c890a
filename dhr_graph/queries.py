"""The named query library (`queries/*.rq`) and a safe way to run SPARQL.

Each query file documents itself in a comment header (title, description, typed
parameters, example). Parameter values are bound as RDF terms in a VALUES block at the start
of the query's outer WHERE group, each value serialised as an escaped N-Triples term, so a
value can only ever be data. (Oxigraph's pre-bound variables, SEP-0007, only bind variables
the query projects, so they cannot serve filters and HAVING-style limits.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from . import resources
from .errors import QueryError
from .iris import PREFIXES
from .store import GraphStore

PARAM_TYPES = ("string", "integer", "decimal", "iri", "boolean")
_PARAM_RE = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>\w+)"
    r"(?:\s*=\s*(?P<default>\S+))?(?P<required>\s+required)?\s*(?:--\s*(?P<doc>.*))?$"
)
_XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None = None
    required: bool = False
    doc: str = ""

    def term(self, value: str) -> ox.NamedNode | ox.Literal:
        """The RDF term for a user's value, checked against the declared type."""
        try:
            if self.type == "integer":
                return ox.Literal(str(int(value)), datatype=ox.NamedNode(_XSD + "integer"))
            if self.type == "decimal":
                float(value)
                return ox.Literal(value, datatype=ox.NamedNode(_XSD + "decimal"))
            if self.type == "boolean":
                if value.lower() not in {"true", "false", "1", "0", "yes", "no"}:
                    raise ValueError(value)
                flag = value.lower() in {"true", "1", "yes"}
                return ox.Literal("true" if flag else "false", datatype=ox.NamedNode(_XSD + "boolean"))
            if self.type == "iri":
                return ox.NamedNode(value)
        except ValueError:
            raise QueryError(f"parameter {self.name}: {value!r} is not a valid {self.type}") from None
        return ox.Literal(value)


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


def get_query(name_or_path: str) -> NamedQuery:
    """A named query, or a query file when the argument is a path to one."""
    path = Path(name_or_path)
    if name_or_path.endswith(".rq") or path.is_file():
        if not path.is_file():
            raise QueryError(f"{name_or_path}: no such query file")
        return load_query(path)
    queries = library()
    if name_or_path not in queries:
        raise QueryError(f"unknown query {name_or_path!r} (see 'dhr-graph query --list')")
    return queries[name_or_path]


@dataclass
class QueryResult:
    """Rows of a SELECT (terms keyed by variable), or the boolean of an ASK."""

    variables: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    boolean: bool | None = None

    def values(self) -> list[dict[str, str | None]]:
        """Rows as plain strings (IRIs and literal values), for tables and DataFrames."""
        return [{v: (None if row.get(v) is None else row[v].value) for v in self.variables} for row in self.rows]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def to_dataframe(self) -> Any:
        """A pandas DataFrame (pandas is optional: install it to use this)."""
        try:
            import pandas as pd
        except ImportError:
            raise QueryError("to_dataframe() needs pandas: pip install pandas") from None
        return pd.DataFrame(self.values(), columns=self.variables)


def bind_values(text: str, bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """Insert `VALUES (?a ?b) { (term term) }` right after the outer WHERE group's `{`."""
    if not bindings:
        return text
    names = " ".join(f"?{name}" for name in bindings)
    terms = " ".join(str(term) for term in bindings.values())  # N-Triples serialisation, escaped
    at = _outer_group_start(text)
    return f"{text[:at + 1]} VALUES ({names}) {{ ({terms}) }}{text[at + 1:]}"


_IRI_RE = re.compile(r'<[^<>"{}|^`\\\s]*>')


def _outer_group_start(text: str) -> int:
    """Offset of the first `{` outside comments, strings and IRIs: a SELECT/ASK's WHERE group."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif c in "'\"":
            quote = text[i:i + 3] if text[i:i + 3] in ("'''", '"""') else c
            i += len(quote)
            while i < n and not text.startswith(quote, i):
                i += 2 if text[i] == "\\" else 1
            i += len(quote) - 1
        elif c == "<" and (m := _IRI_RE.match(text, i)):
            i = m.end() - 1
        elif c == "{":
            return i
        i += 1
    raise QueryError("query has no WHERE group to bind parameters in")


def run(store: GraphStore, query: NamedQuery | str, params: Mapping[str, Any] | None = None) -> QueryResult:
    """Run a named query object or raw SPARQL text against the store."""
    nq = query if isinstance(query, NamedQuery) else parse_query_text(query)
    text = bind_values(nq.text, nq.bindings(params or {}))
    try:
        result = store.query(text, prefixes=PREFIXES)
    except SyntaxError as exc:
        raise QueryError(f"{nq.path}: SPARQL syntax error: {_one_line(exc)}") from None
    except OSError as exc:
        raise QueryError(f"{nq.path}: query failed: {_one_line(exc)}") from None
    if isinstance(result, ox.QueryBoolean):
        return QueryResult(variables=["result"], boolean=bool(result))
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = [{v: sol[v] for v in variables if sol[v] is not None} for sol in result]
        return QueryResult(variables=variables, rows=rows)
    raise QueryError(f"{nq.path}: only SELECT and ASK queries give tables; use CONSTRUCT through the Python API")


def run_named(store: GraphStore, name: str, **params: Any) -> QueryResult:
    """Python API: `run_named(GraphStore('dhr-store'), 'shared-agencies', min=3)`."""
    return run(store, get_query(name), params)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
