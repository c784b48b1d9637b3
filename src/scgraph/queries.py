"""Named queries: list, load and run the ``.rq`` files of ``queries/``.

Each file starts with a header of comment lines::

    # title: Measures built on a given platform
    # question: Which initiatives build on a given platform ...?
    #   (a question may continue on indented comment lines)
    # param: platform: initiative, e.g. MPSC-SG-HUB -- record id of the platform
    # columns: platform, id, label

A query without parameters says ``# parameters: none``. A parameter may have a
default (``integer, e.g. 3, default 2``). Parameter types:

==============  ====================================================================
``string``      a plain literal
``integer``     an ``xsd:integer`` literal
``decimal``     an ``xsd:decimal`` literal
``iri``         an absolute IRI (``<...>`` brackets optional)
``initiative``  a record id, turned into the initiative's IRI
``municipality`` a municipality name, turned into its IRI
``field``       an action-field key or label, turned into the field's IRI
==============  ====================================================================

Values are bound to the query's variables as RDF terms: a ``VALUES`` block at the
start of the WHERE clause holds each value as one term, written by pyoxigraph's term
serialiser (never the raw text), so a value cannot change what the query does.
Parameters are projected variables of the query (a column of the result).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox

from scgraph.errors import QueryError, UsageError
from scgraph.namespaces import FIELD, initiative_iri, municipality_iri
from scgraph.ontology import queries_dir, vocabulary
from scgraph.sparql import check_nesting, inject_values, is_update, query_form
from scgraph.store.base import GraphStore, Table, Term

__all__ = [
    "PARAMETER_TYPES",
    "NamedQuery",
    "Parameter",
    "list_queries",
    "load_query",
    "parse_parameter_value",
    "parse_query",
    "run_query",
]

XSD = "http://www.w3.org/2001/XMLSchema#"

#: Parameter types and what a value of each becomes.
PARAMETER_TYPES: dict[str, str] = {
    "string": "a plain literal",
    "integer": "an xsd:integer literal",
    "decimal": "an xsd:decimal literal",
    "iri": "an absolute IRI",
    "initiative": "a record id, bound as the initiative's IRI",
    "municipality": "a municipality name, bound as its IRI",
    "field": "an action-field key or label, bound as the field's IRI",
}

_PARAM = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*):\s*(?P<type>\w+),\s*e\.g\.\s*"
                    r"(?P<example>.+?)(?:,\s*default\s+(?P<default>.+?))?\s+--\s+"
                    r"(?P<description>.+)")
_HEADER_KEYS = ("title", "question", "param", "parameters", "columns")


@dataclass(frozen=True)
class Parameter:
    """A parameter of a named query, as its header declares it."""

    name: str
    type: str
    example: str
    description: str
    default: str | None = None


@dataclass(frozen=True)
class NamedQuery:
    """A query file and its header."""

    name: str
    path: Path | None
    text: str
    title: str = ""
    question: str = ""
    parameters: tuple[Parameter, ...] = ()
    columns: tuple[str, ...] = ()
    declares_no_parameters: bool = False
    problems: tuple[str, ...] = field(default=())
    """What is missing or malformed in the header (empty for a complete header)."""

    def parameter(self, name: str) -> Parameter:
        """The parameter called ``name``."""
        for p in self.parameters:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.parameters) or "none"
        header = f"; its header: {'; '.join(self.problems)}" if self.problems else ""
        raise QueryError(f"query {self.name!r} has no parameter {name!r} "
                         f"(its parameters: {known}){header}")

    def bindings(self, values: Mapping[str, str]) -> dict[str, Term]:
        """Parse ``values`` (text by parameter name) into RDF terms; fill in defaults."""
        out: dict[str, Term] = {}
        for name, raw in values.items():
            if not isinstance(raw, str):
                raise QueryError(f"parameter {name!r}: give the value as text, not "
                                 f"{type(raw).__name__} ({raw!r})")
            if not _utf8(raw):
                raise QueryError(f"parameter {name!r}: the value is not valid UTF-8 text "
                                 f"({raw.encode('utf-8', 'backslashreplace').decode()})")
            out[name] = parse_parameter_value(self.parameter(name), raw)
        for p in self.parameters:
            if p.name in out:
                continue
            if p.default is None:
                raise QueryError(f"query {self.name!r} needs parameter {p.name!r} "
                                 f"({p.type}, e.g. --param {p.name}={p.example})")
            out[p.name] = parse_parameter_value(p, p.default)
        return out


def parse_query(text: str, *, name: str, path: Path | None = None) -> NamedQuery:
    """Read the header of a query's text.

    >>> q = parse_query("# title: T\\n# question: Q?\\n# parameters: none\\n"
    ...                 "# columns: s\\nSELECT ?s {}", name="t")
    >>> q.title, q.columns, q.problems
    ('T', ('s',), ())
    """
    found: dict[str, list[str]] = {}
    params: list[Parameter] = []
    problems: list[str] = []
    last: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        body = stripped[1:]
        m = re.match(r"\s*(\w+):\s*(.*)", body)
        if m and m.group(1) in _HEADER_KEYS:
            key, value = m.group(1), m.group(2).strip()
            last = key
            if key == "param":
                pm = _PARAM.fullmatch(value)
                if pm is None:
                    problems.append(f"param line {value!r} does not read "
                                    "'NAME: TYPE, e.g. EXAMPLE[, default VALUE] -- WHAT'")
                elif pm.group("type") not in PARAMETER_TYPES:
                    problems.append(f"param {pm.group('name')!r}: unknown type "
                                    f"{pm.group('type')!r}; expected one of "
                                    + ", ".join(PARAMETER_TYPES))
                else:
                    params.append(Parameter(pm.group("name"), pm.group("type"),
                                            pm.group("example").strip(),
                                            pm.group("description").strip(),
                                            pm.group("default")))
            else:
                found.setdefault(key, []).append(value)
        elif last is not None and last != "param" and body.startswith("  "):
            found[last][-1] += " " + body.strip()
    for key in ("title", "question", "columns"):
        if not found.get(key, [""])[0]:
            problems.append(f"header has no '# {key}:' line")
    no_params = found.get("parameters", [""])[0].lower() == "none"
    if not params and not no_params:
        problems.append("header declares no '# param:' and no '# parameters: none'")
    if params and no_params:
        problems.append("header declares parameters and '# parameters: none'")
    columns = tuple(c.strip() for c in found.get("columns", [""])[0].split(",") if c.strip())
    return NamedQuery(name=name, path=path, text=text,
                      title=found.get("title", [""])[0],
                      question=found.get("question", [""])[0],
                      parameters=tuple(params), columns=columns,
                      declares_no_parameters=no_params, problems=tuple(problems))


def list_queries(directory: Path | None = None) -> list[NamedQuery]:
    """Every named query in ``directory`` (default: the packaged ``queries/``), by name."""
    folder = directory or queries_dir()
    return [parse_query(p.read_text(encoding="utf-8"), name=p.stem, path=p)
            for p in sorted(folder.glob("*.rq"))]


def load_query(name_or_file: str | Path, directory: Path | None = None) -> NamedQuery:
    """A named query by name (``measures_on_platform``), or a ``.rq`` file by path.

    A name is a named query even where a file of that name exists in the current
    folder (``scgraph query regions_overview > regions_overview`` makes one); a file
    without the ``.rq`` suffix is read only where no named query has its name.
    """
    candidate = Path(name_or_file)
    named = (directory or queries_dir()) / f"{name_or_file}.rq"
    if candidate.suffix != ".rq" and (named.is_file() or not candidate.is_file()):
        if not named.is_file():
            names = [p.stem for p in (directory or queries_dir()).glob("*.rq")]
            close = difflib.get_close_matches(str(name_or_file), names, n=3)
            hint = f"did you mean {', '.join(close)}? " if close else ""
            raise QueryError(f"no named query {str(name_or_file)!r}; {hint}"
                             "`scgraph query --list` shows them, or give a .rq file")
        return parse_query(named.read_text(encoding="utf-8"), name=named.stem, path=named)
    try:
        text = candidate.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise QueryError(f"{candidate}: cannot read the query: "
                         f"{exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        line = candidate.read_bytes()[:exc.start].count(b"\n") + 1
        raise QueryError(f"{candidate}:{line}: is not UTF-8 text (byte "
                         f"{exc.object[exc.start]:#04x}); save the query as UTF-8") from None
    if is_update(text):
        raise QueryError(f"{candidate}: is a SPARQL update; `scgraph query` runs SELECT "
                         "queries and changes nothing")
    return parse_query(text, name=candidate.stem, path=candidate)


def parse_parameter_value(param: Parameter, raw: str) -> Term:
    """The RDF term for the text ``raw`` of a parameter of type ``param.type``.

    >>> p = Parameter("min_fields", "integer", "2", "least number")
    >>> parse_parameter_value(p, " 3 ")
    <Literal value=3 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#integer>>
    >>> parse_parameter_value(Parameter("p", "initiative", "X", ""), "MPSC-SG-HUB").value
    'https://w3id.org/scgraph/id/initiative/MPSC-SG-HUB'
    """
    where = f"parameter {param.name!r} ({param.type})"
    kind = param.type
    if kind == "string":
        return ox.Literal(raw)
    if kind == "integer":
        try:
            return ox.Literal(str(int(raw.strip())), datatype=ox.NamedNode(XSD + "integer"))
        except ValueError:
            raise QueryError(f"{where}: {raw!r} is not a whole number "
                             f"(e.g. {param.example})") from None
    if kind == "decimal":
        try:
            number = Decimal(raw.strip())
        except InvalidOperation:
            raise QueryError(f"{where}: {raw!r} is not a number (e.g. {param.example})") from None
        if not number.is_finite():
            raise QueryError(f"{where}: {raw!r} is not a finite number")
        return ox.Literal(format(number, "f"), datatype=ox.NamedNode(XSD + "decimal"))
    if kind == "iri":
        text = raw.strip()
        if text.startswith("<") and text.endswith(">"):
            text = text[1:-1]
        if not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", text):
            raise QueryError(f"{where}: {raw!r} is not an absolute IRI "
                             "(e.g. https://w3id.org/scgraph/id/initiative/MPSC-SG)")
        try:
            return ox.NamedNode(text)
        except ValueError as exc:
            raise QueryError(f"{where}: {raw!r} is not a valid IRI: {exc}") from None
    if kind == "initiative":
        text = raw.strip()
        if not text:
            raise QueryError(f"{where}: empty record id (e.g. {param.example})")
        return ox.NamedNode(initiative_iri(text))
    if kind == "municipality":
        if not raw.strip():
            raise QueryError(f"{where}: empty municipality name (e.g. {param.example})")
        return ox.NamedNode(municipality_iri(raw))
    if kind == "field":
        key = vocabulary().field_key(raw)
        if key is None:
            raise QueryError(f"{where}: {raw!r} is not an action field; expected one of "
                             + ", ".join(vocabulary().fields))
        return ox.NamedNode(FIELD + key)
    raise QueryError(f"{where}: unknown parameter type")  # parse_query admits no other


def _utf8(value: str) -> bool:
    """Whether UTF-8 can write ``value`` (a command-line argument that was no valid
    UTF-8 holds lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def run_query(store: GraphStore, query: NamedQuery | str,
              params: Mapping[str, str] | None = None) -> Table:
    """Run a named query (or its name) on ``store`` with parameter values given as text.

    The values are bound by a ``VALUES`` block at the start of the query's WHERE clause
    (:func:`scgraph.sparql.inject_values`, which writes each as one RDF term), on every
    store alike. Unlike a substitution applied after planning, the block lets the query
    planner start from the given terms: on the embedded store a query about one
    initiative then reads that initiative's neighbourhood, not the whole graph.
    """
    q = load_query(query) if isinstance(query, str) else query
    where = str(q.path) if q.path is not None and q.path.parent != queries_dir() \
        else f"query {q.name!r}"
    form = query_form(q.text)
    if form in ("ASK", "CONSTRUCT", "DESCRIBE"):  # text that is no query: the parser says why
        raise QueryError(f"{where}: is {'an' if form == 'ASK' else 'a'} {form} query; "
                         "`scgraph query` runs SELECT queries (`scgraph serve` answers the "
                         "others)")
    check_nesting(q.text)
    bindings = q.bindings(params or {})
    try:
        table = store.select(inject_values(q.text, bindings))
    except RuntimeError as exc:
        raise QueryError(f"{where}: {exc}") from exc
    except UsageError as exc:  # a syntax error: say in which query
        raise UsageError(f"{where}: {exc}") from exc
    hidden = [name for name in bindings if name not in table.columns]
    if hidden:
        raise QueryError(f"query {q.name!r}: parameter {hidden[0]!r} is not a result "
                         "column; project it (SELECT ... ?" + hidden[0] + " ...) so that "
                         "the binding is visible in the result")
    return table
