"""A read-only view of an on-disk store that opens the store for each call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

import pyoxigraph as ox

from scgraph.errors import UsageError
from scgraph.store.base import Table, Term
from scgraph.store.embedded import EmbeddedStore

__all__ = ["ReopeningStore"]


class ReopeningStore:
    """Read an on-disk store, opening it read-only for each query.

    A long-running reader such as ``scgraph serve`` then holds no lock between
    queries: an ingest can run while it serves, and each query sees the store
    as it was before or after that ingest, never in between.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        with EmbeddedStore(self.path, read_only=True):
            pass  # fail now, with the usual message, if there is no store

    def _open(self) -> EmbeddedStore:
        return EmbeddedStore(self.path, read_only=True)

    def select(self, sparql: str, *, bindings: Mapping[str, Term] | None = None) -> Table:
        """Run a SELECT query on a fresh read-only opening."""
        with self._open() as st:
            return st.select(sparql, bindings=bindings)

    def ask(self, sparql: str, *, bindings: Mapping[str, Term] | None = None) -> bool:
        """Run an ASK query on a fresh read-only opening."""
        with self._open() as st:
            return st.ask(sparql, bindings=bindings)

    def construct(self, sparql: str, *,
                  bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]:
        """Run a CONSTRUCT or DESCRIBE query on a fresh read-only opening."""
        with self._open() as st:
            return st.construct(sparql, bindings=bindings)

    def graphs(self) -> list[str]:
        """IRIs of the named graphs."""
        with self._open() as st:
            return st.graphs()

    def export(self, fmt: str, *, graph: str | None = None) -> bytes:
        """Serialise the store (or one graph)."""
        with self._open() as st:
            return st.export(fmt, graph=graph)

    def replace_graphs(self, graphs: Mapping[str, bytes]) -> None:
        """Refused: this view only reads."""
        raise UsageError(f"{self.location}: this view of the store only reads")

    def drop_graphs(self, graphs: Sequence[str]) -> None:
        """Refused: this view only reads."""
        raise UsageError(f"{self.location}: this view of the store only reads")

    def close(self) -> None:
        """Nothing to release: no opening outlives a call."""

    def __enter__(self) -> ReopeningStore:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
