"""Stores: the embedded Oxigraph default, behind one small interface.

:func:`open_store` resolves where the store is: the argument, else the
``SCGRAPH_STORE`` environment variable, else ``.scgraph/`` in the current folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from scgraph.store.base import EXPORT_FORMATS, GraphStore, Table, Term, term_value
from scgraph.store.embedded import EmbeddedStore

__all__ = [
    "EXPORT_FORMATS",
    "EmbeddedStore",
    "GraphStore",
    "Table",
    "Term",
    "open_store",
    "store_path",
    "term_value",
]


def store_path(path: Path | str | None = None) -> Path:
    """The store folder: ``path``, else ``$SCGRAPH_STORE``, else ``./.scgraph``."""
    if path:
        return Path(path)
    env = os.environ.get("SCGRAPH_STORE")
    return Path(env) if env else Path(".scgraph")


def open_store(path: Path | str | None = None, *, read_only: bool = False) -> EmbeddedStore:
    """Open the embedded store at :func:`store_path` (``path``)."""
    return EmbeddedStore(store_path(path), read_only=read_only)
