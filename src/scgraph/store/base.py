"""The small interface every store implements, and the result type of a SELECT."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Protocol

import pyoxigraph as ox

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["EXPORT_FORMATS", "GraphStore", "Table", "Term", "select_frame", "term_value",
           "write_export"]

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

#: Export format name -> (pyoxigraph format, holds named graphs).
EXPORT_FORMATS: dict[str, tuple[ox.RdfFormat, bool]] = {
    "ttl": (ox.RdfFormat.TURTLE, False),
    "nt": (ox.RdfFormat.N_TRIPLES, False),
    "nq": (ox.RdfFormat.N_QUADS, True),
    "trig": (ox.RdfFormat.TRIG, True),
    "jsonld": (ox.RdfFormat.JSON_LD, True),
}


def term_value(term: Term | None) -> str | None:
    """The plain value of a term: an IRI, a literal's text, or None.

    >>> term_value(ox.Literal("2021"))
    '2021'
    >>> term_value(None) is None
    True
    """
    if term is None:
        return None
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


@dataclass(frozen=True)
class Table:
    """The result of a SELECT query: variable names and rows of RDF terms."""

    columns: list[str]
    rows: list[tuple[Term | None, ...]]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[tuple[Term | None, ...]]:
        return iter(self.rows)

    def values(self) -> list[tuple[str | None, ...]]:
        """Rows with each term replaced by its plain value."""
        return [tuple(term_value(t) for t in row) for row in self.rows]

    def column(self, name: str) -> list[str | None]:
        """The plain values of one column."""
        i = self.columns.index(name)
        return [term_value(row[i]) for row in self.rows]

    def to_dataframe(self) -> pd.DataFrame:
        """The plain values as a pandas DataFrame (numbers stay text)."""
        import pandas as pd

        return pd.DataFrame(self.values(), columns=self.columns, dtype=object)

    @classmethod
    def from_solutions(cls, solutions: ox.QuerySolutions) -> Table:
        """Collect pyoxigraph solutions."""
        columns = [v.value for v in solutions.variables]
        rows = [tuple(sol[c] for c in columns) for sol in solutions]
        return cls(columns, rows)


class GraphStore(Protocol):
    """What scgraph needs of a store: the embedded one and remote endpoints alike.

    Datasets live in named graphs; queries see the union of all graphs as the
    default graph.
    """

    location: str

    def select(self, sparql: str, *, bindings: Mapping[str, Term] | None = None) -> Table:
        """Run a SELECT query, binding variables to RDF terms (never by text)."""
        ...

    def ask(self, sparql: str, *, bindings: Mapping[str, Term] | None = None) -> bool:
        """Run an ASK query."""
        ...

    def construct(self, sparql: str, *,
                  bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]:
        """Run a CONSTRUCT or DESCRIBE query."""
        ...

    def graphs(self) -> list[str]:
        """IRIs of the named graphs."""
        ...

    def replace_graphs(self, graphs: Mapping[str, bytes]) -> None:
        """Replace each named graph by the N-Triples given, all or nothing."""
        ...

    def drop_graphs(self, graphs: Sequence[str]) -> None:
        """Remove named graphs, all or nothing."""
        ...

    def export(self, fmt: str, *, graph: str | None = None) -> bytes:
        """Serialise the store (or one graph) in one of :data:`EXPORT_FORMATS`."""
        ...

    def close(self) -> None:
        """Release files and locks."""
        ...


_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'",
            "\\": "\\"}
_ESCAPE = re.compile(r"\\(?:([tbnrf\"'\\])|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))")


def _unescape(match: re.Match[str]) -> str:
    char, short, long = match.groups()
    return _ESCAPES[char] if char else chr(int(short or long, 16))


def _tsv_value(cell: str) -> str | None:
    """:func:`term_value` of one cell of SPARQL TSV results (a quoted triple excepted)."""
    if not cell:
        return None  # unbound
    first = cell[0]
    if first == "<":
        return cell[1:-1]
    if first == '"':  # "text", "text"@lang or "text"^^<datatype>: no quote after the text
        text = cell[1:cell.rindex('"')]
        return _ESCAPE.sub(_unescape, text) if "\\" in text else text
    if cell.startswith("_:"):
        return cell[2:]
    return cell  # a number or boolean, written bare


def _tsv_frame(data: bytes) -> pd.DataFrame | None:
    """SPARQL TSV results as :meth:`Table.to_dataframe` gives them; None for quoted triples."""
    import pandas as pd

    raw = pd.read_csv(io.BytesIO(data), sep="\t", quoting=csv.QUOTE_NONE, dtype=str,
                      na_filter=False, skip_blank_lines=False, encoding="utf-8")
    columns = [str(c).removeprefix("?") for c in raw.columns]
    values = {}
    for column, name in zip(columns, raw.columns, strict=True):
        cells: list[str] = raw[name].tolist()
        if any(c.startswith("<<") for c in cells):
            return None
        values[column] = [_tsv_value(c) for c in cells]
    return pd.DataFrame(values, columns=columns, dtype=object)


def select_frame(store: GraphStore, sparql: str) -> pd.DataFrame:
    """The plain values of a SELECT query's results, as ``store.select(sparql).to_dataframe()``.

    A store with a ``select_tsv`` method (:class:`~scgraph.store.EmbeddedStore`)
    gives its results as SPARQL TSV, written in Rust and read by pandas: at 100,000
    initiatives that is several times faster than making a Python term of every value.

    >>> from scgraph.store import EmbeddedStore
    >>> store = EmbeddedStore()
    >>> store.replace_graphs({"urn:g": b'<urn:a> <urn:p> "tab\\there"@en .\\n'})
    >>> select_frame(store, "SELECT ?s ?o ?x WHERE { ?s ?p ?o OPTIONAL { ?s ?p ?x } }"
    ...              ).values.tolist()
    [['urn:a', 'tab\\there', 'tab\\there']]
    """
    tsv: Callable[[str], bytes] | None = getattr(store, "select_tsv", None)
    if tsv is not None:
        frame = _tsv_frame(tsv(sparql))
        if frame is not None:
            return frame
    return store.select(sparql).to_dataframe()


def write_export(store: GraphStore, out: IO[bytes], fmt: str, *, graph: str | None = None
                 ) -> None:
    """Write ``store.export(fmt, graph=graph)`` into ``out``, a seekable binary file.

    A store with an ``export_to`` method (:class:`~scgraph.store.EmbeddedStore`) writes
    it as it reads: a large store's N-Quads never need to fit in memory.

    >>> import tempfile
    >>> from scgraph.store import EmbeddedStore
    >>> store = EmbeddedStore()
    >>> store.replace_graphs({"urn:g": b"<urn:a> <urn:p> <urn:b> .\\n"})
    >>> with tempfile.TemporaryFile() as f:
    ...     write_export(store, f, "nq")
    ...     _ = f.seek(0)
    ...     f.read() == store.export("nq")
    True
    """
    to: Callable[..., None] | None = getattr(store, "export_to", None)
    if to is not None:
        to(out, fmt, graph=graph)
    else:
        out.write(store.export(fmt, graph=graph))
