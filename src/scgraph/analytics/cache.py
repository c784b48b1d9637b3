"""Loaded graph data of an on-disk store, kept between runs while the store is unchanged.

Loading the analytics' tables from a large store takes seconds of SPARQL (about 6 s
at 100,000 initiatives), and every ``scgraph analyze NAME`` is a new process. So the
tables that :func:`~scgraph.analytics.load_graph_data` makes from an on-disk
:class:`~scgraph.store.EmbeddedStore` are written to a cache folder, under a name
made of what they are (their *kind*), the store's folder, the name, size,
modification time and inode of each of its files
(:func:`~scgraph.store.embedded.store_files`: every write changes them) and the code
that made them. A later load finds them only while all of these are the same;
otherwise it queries the store again and replaces them: each store keeps one state of
each kind. The solution types that :func:`~scgraph.analytics.screening` needs are a
second kind, kept the same way. The files of a store that is gone (deleted or moved)
are removed the next time a file is written. A store open for writing compacts its
files even while it is queried, so its tables are seldom kept: the cache serves
read-only openings (``scgraph analyze``, ``report``, ``viz``, and scripts that open a
store with ``read_only=True``).

The folders and the file names are :mod:`scgraph.cache_folder`'s. The folder is
``$SCGRAPH_CACHE_DIR``, else ``$XDG_CACHE_HOME/scgraph`` (by default
``~/.cache/scgraph``); ``SCGRAPH_CACHE_DIR=`` (empty) turns the cache off. The files are
pickles: they are read only from a folder that belongs to the user and that no one
else may write to. The cache is a help, never a requirement: a folder that cannot be
made or written, or a file that cannot be read back, means the store is queried.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from scgraph.cache_folder import CACHE_ENV, cache_dir, code_key, place, put
from scgraph.store.base import GraphStore
from scgraph.store.embedded import store_files

__all__ = ["CACHE_ENV", "cache_dir", "cached_frames", "code_key", "kept_frames",
           "write_frames"]


def _read(path: Path, count: int) -> list[pd.DataFrame] | None:
    try:
        with path.open("rb") as f:
            frames = pickle.load(f)  # a private folder, written by this module only
    except Exception:  # missing, damaged or foreign: the store is queried instead
        return None
    if (not isinstance(frames, list) or len(frames) != count
            or not all(isinstance(f, pd.DataFrame) for f in frames)):
        return None
    return frames


def write_frames(path: Path, frames: Sequence[pd.DataFrame]) -> None:
    """Write frames to ``path`` the way the cache keeps them
    (:func:`scgraph.cache_folder.keep_file` can then keep the file)."""
    with path.open("wb") as f:
        pickle.dump(list(frames), f, protocol=pickle.HIGHEST_PROTOCOL)


def _write(slot: Path, name: str, frames: Sequence[pd.DataFrame]) -> None:
    """Write the frames under ``name`` (``KIND.HASH.pickle``) in one step, and drop the
    older states of the store of the same kind."""
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=slot, suffix=".tmp")
        os.close(fd)
        write_frames(Path(tmp), frames)
        put(slot, name, Path(tmp))
        tmp = None
    except OSError:
        pass  # no room, or no permission: the next load queries the store again
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def cached_frames(store: GraphStore, code: str, count: int,
                  load: Callable[[], Sequence[pd.DataFrame]], *,
                  kind: str) -> list[pd.DataFrame]:
    """``load()`` of ``store``, or the frames it gave for the same store files and ``code``.

    ``code`` names the code that makes the frames (a change of it is a miss);
    ``count`` is how many frames ``load`` gives; ``kind`` (a name without dots) tells
    apart what is kept for the same store, one state of each. Only an on-disk
    :class:`~scgraph.store.EmbeddedStore` is cached.
    """
    where = place(store, code, kind)
    if where is None:
        return list(load())
    slot, name, path, before = where
    frames = _read(slot / name, count)
    if frames is not None:
        return frames
    frames = list(load())
    # files that changed meanwhile (a compaction) might not name what was read
    with contextlib.suppress(OSError):
        if store_files(path) == before:
            _write(slot, name, frames)
    return frames


def kept_frames(store: GraphStore, code: str, count: int, *,
                kind: str) -> list[pd.DataFrame] | None:
    """The frames :func:`cached_frames` would read for the same arguments, or None."""
    where = place(store, code, kind)
    return None if where is None else _read(where[0] / where[1], count)
