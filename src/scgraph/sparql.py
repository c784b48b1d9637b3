"""Reading SPARQL text without executing it: query form, keywords, and VALUES injection.

A small lexer that knows comments, strings and IRIs, so that a keyword inside a
literal (``"SERVICE"``) or a comment is not taken for the keyword. A line ends at a
CR or an LF, as SPARQL's grammar says, so that a comment ends where the store's parser
ends it. It does not validate queries; the store does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from scgraph.errors import QueryError

__all__ = ["MAX_NESTING", "QUERY_FORMS", "Token", "check_nesting", "has_keyword",
           "inject_values", "is_update", "query_form", "tokens"]

#: The four query forms; anything else is an update (or not SPARQL).
QUERY_FORMS = ("ASK", "CONSTRUCT", "DESCRIBE", "SELECT")

#: How deep a query may nest brackets (``{``, ``(``, ``[``). The store's parser goes one
#: level deeper on its stack for each: a few thousand end the process (a segmentation
#: fault), where a query people write nests a few dozen.
MAX_NESTING = 256

_UPDATE_WORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY",
                           "MOVE", "ADD", "WITH"})

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00b7-\uffff]+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_.:\u00b7-\uffff-]*|:[A-Za-z0-9_.:-]*)
  | (?P<punct>.)
""", re.VERBOSE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Token:
    """A lexical token: its kind (``comment``, ``string``, ``iri``, ``var``, ``word``,
    ``punct``), its text and its offset in the query."""

    kind: str
    text: str
    start: int


def tokens(sparql: str) -> Iterator[Token]:
    """The tokens of ``sparql``, whitespace left out.

    >>> [t.text for t in tokens('SELECT ?s { ?s <http://p> "{" } # }')]
    ['SELECT', '?s', '{', '?s', '<http://p>', '"{"', '}', '# }']
    """
    for m in _TOKEN.finditer(sparql):
        kind = m.lastgroup or "punct"
        if kind != "ws":
            yield Token(kind, m.group(), m.start())


def _words(sparql: str) -> Iterator[str]:
    for t in tokens(sparql):
        if t.kind == "word":
            yield t.text.upper()


def query_form(sparql: str) -> str:
    """``SELECT``, ``ASK``, ``CONSTRUCT``, ``DESCRIBE``, or ``UPDATE`` for anything else.

    >>> query_form("PREFIX s: <http://s#> # SELECT\\nASK { ?s ?p ?o }")
    'ASK'
    >>> query_form("DROP ALL")
    'UPDATE'
    """
    for word in _words(sparql):
        if word in QUERY_FORMS:
            return word
        if word in _UPDATE_WORDS:
            return "UPDATE"
    return "UPDATE"


def is_update(sparql: str) -> bool:
    """Whether ``sparql`` reads as an update: an update keyword comes before any query form.

    Text with neither (``SELEC ...``) is no update, and no query either.

    >>> is_update("PREFIX s: <http://s#> DELETE WHERE { ?s ?p ?o }"), is_update("SELEC ?s")
    (True, False)
    """
    return query_form(sparql) == "UPDATE" and any(w in _UPDATE_WORDS for w in _words(sparql))


def has_keyword(sparql: str, keyword: str) -> bool:
    """Whether ``keyword`` occurs as a keyword (not in a string, IRI or comment).

    >>> has_keyword('SELECT * { ?s ?p "SERVICE" }', "SERVICE")
    False
    >>> has_keyword("SELECT * { SERVICE <http://x> { ?s ?p ?o } }", "service")
    True
    """
    wanted = keyword.upper()
    return any(w == wanted for w in _words(sparql))


def check_nesting(sparql: str) -> None:
    """Raise QueryError if ``sparql`` nests brackets deeper than :data:`MAX_NESTING`.

    >>> check_nesting("SELECT * { { ?s ?p ?o } }")
    >>> check_nesting("SELECT * " + "{" * 300 + "}" * 300)
    Traceback (most recent call last):
    ...
    scgraph.errors.QueryError: the query nests brackets deeper than 256 levels (at offset 265)
    """
    depth = 0
    for t in tokens(sparql):
        if t.kind != "punct":
            continue
        if t.text in "{([":
            depth += 1
            if depth > MAX_NESTING:
                raise QueryError(f"the query nests brackets deeper than {MAX_NESTING} levels "
                                 f"(at offset {t.start})")
        elif t.text in "})]":
            depth -= 1


def _values_clause(bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    names = " ".join(f"?{name}" for name in bindings)
    terms = " ".join(str(term) for term in bindings.values())
    return f" VALUES ({names}) {{ ({terms}) }} "


def inject_values(sparql: str, bindings: Mapping[str, object]) -> str:
    """The query with a VALUES block binding ``bindings`` at the start of its WHERE clause.

    Each value must be an IRI or a literal term; it is written in its SPARQL syntax
    (never as raw text), so a value cannot change the query's structure.

    >>> inject_values("SELECT ?x WHERE { ?x ?p ?o }", {"p": ox.NamedNode("http://p")})
    'SELECT ?x WHERE { VALUES (?p) { (<http://p>) }  ?x ?p ?o }'
    """
    if not bindings:
        return sparql
    safe: dict[str, ox.NamedNode | ox.Literal] = {}
    for name, term in bindings.items():
        if not re.fullmatch(r"[A-Za-z0-9_]+", name):
            raise QueryError(f"parameter name {name!r} is not a SPARQL variable name")
        if not isinstance(term, ox.NamedNode | ox.Literal):
            raise QueryError(f"parameter {name!r}: only IRIs and literals can be bound, "
                             f"not {type(term).__name__}")
        safe[name] = term
    form = query_form(sparql)
    depth = 0
    after_where = False
    for t in tokens(sparql):
        if t.kind == "word" and depth == 0 and t.text.upper() == "WHERE":
            after_where = True
        elif t.kind == "punct" and t.text == "{":
            if depth == 0 and (after_where or form in ("SELECT", "ASK", "DESCRIBE")):
                pos = t.start + 1
                return sparql[:pos] + _values_clause(safe) + sparql[pos:]
            depth += 1
        elif t.kind == "punct" and t.text == "}":
            depth -= 1
    raise QueryError("cannot bind parameters: the query has no WHERE clause")
