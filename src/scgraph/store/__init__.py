"""Stores: the embedded Oxigraph default and remote SPARQL endpoints, behind one interface.

:func:`open_store` resolves where the store is: the argument, else the
``SCGRAPH_STORE`` environment variable, else ``.scgraph/`` in the current folder.
:func:`connect` opens either that or a remote endpoint.
"""

from __future__ import annotations

import os
from pathlib import Path

from scgraph.errors import UsageError
from scgraph.store.base import EXPORT_FORMATS, GraphStore, Table, Term, term_value, write_export
from scgraph.store.embedded import EmbeddedStore, no_store
from scgraph.store.remote import RemoteStore
from scgraph.store.reopening import ReopeningStore

__all__ = [
    "EXPORT_FORMATS",
    "EmbeddedStore",
    "GraphStore",
    "RemoteStore",
    "ReopeningStore",
    "Table",
    "Term",
    "connect",
    "open_store",
    "store_path",
    "term_value",
    "write_export",
]


def store_path(path: Path | str | None = None) -> Path:
    """The store folder: ``path``, else ``$SCGRAPH_STORE``, else ``./.scgraph``."""
    if path:
        return Path(path)
    env = os.environ.get("SCGRAPH_STORE")
    return Path(env) if env else Path(".scgraph")


def open_store(path: Path | str | None = None, *, read_only: bool = False,
               create: bool = True) -> EmbeddedStore:
    """Open the embedded store at :func:`store_path` (``path``).

    A store is made there if there is none, unless ``create`` is false or the store is
    opened ``read_only``: then a :class:`~scgraph.errors.StoreError` says to ingest first
    (commands that only add to a store's data, such as ``scgraph screen``, make none).
    """
    where = store_path(path)
    if not (create or read_only or (where / "CURRENT").is_file()):
        raise no_store(where)
    return EmbeddedStore(where, read_only=read_only)


def connect(store: Path | str | None = None, *, endpoint: str | None = None,
            update_endpoint: str | None = None, graph_store: str | None = None,
            read_only: bool = False, create: bool = True) -> EmbeddedStore | RemoteStore:
    """The embedded store at ``store``, or the SPARQL endpoint ``endpoint`` if given.

    Every command that reads or writes the store opens it through this function,
    so ``--endpoint`` works the same everywhere. ``read_only`` and ``create`` are
    :func:`open_store`'s.

    >>> connect(endpoint="http://127.0.0.1:7878/query").location
    'http://127.0.0.1:7878/query'
    """
    if endpoint is None:
        if update_endpoint is not None or graph_store is not None:
            raise UsageError("--update-endpoint and --graph-store need --endpoint")
        return open_store(store, read_only=read_only, create=create)
    if store is not None:
        raise UsageError("give either --store or --endpoint, not both")
    if read_only:  # what is read must come from the union of the graphs, as it does here
        return RemoteStore(endpoint, check_union=True)
    return RemoteStore(endpoint, update_endpoint, graph_store)
