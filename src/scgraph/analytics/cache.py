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

The folder is ``$SCGRAPH_CACHE_DIR``, else ``$XDG_CACHE_HOME/scgraph`` (by default
``~/.cache/scgraph``); ``SCGRAPH_CACHE_DIR=`` (empty) turns the cache off. The files are
pickles: they are read only from a folder that belongs to the user and that no one
else may write to. The cache is a help, never a requirement: a folder that cannot be
made or written, or a file that cannot be read back, means the store is queried.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from scgraph import __version__
from scgraph.store.base import GraphStore
from scgraph.store.embedded import EmbeddedStore, StoreFiles, store_files

__all__ = ["CACHE_ENV", "cache_dir", "cached_frames", "code_key", "kept_frames"]

#: Environment variable naming the cache folder; set empty, it turns the cache off.
CACHE_ENV = "SCGRAPH_CACHE_DIR"

_SUFFIX = ".pickle"
#: A temporary file this old is not being written by anyone any more.
_ABANDONED_SECONDS = 600.0


def code_key(*files: str | Path) -> str:
    """A name for the code (and data files) that make what is cached: the version and
    the SHA-256 of each file."""
    return " ".join([__version__, *(hashlib.sha256(Path(f).read_bytes()).hexdigest()
                                    for f in files)])


def cache_dir() -> Path | None:
    """The cache folder, or None when ``SCGRAPH_CACHE_DIR`` is set empty."""
    value = os.environ.get(CACHE_ENV)
    if value is not None:
        return Path(value) if value else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "scgraph"


def _private(folder: Path) -> bool:
    """True if ``folder`` is a real folder of this user that no one else may write to."""
    try:
        st = folder.lstat()
    except OSError:
        return False
    return (stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid()
            and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


#: In each store's subfolder: the store's folder, so that the subfolder of a store that is
#: gone can be found and removed.
_MARK = "store"


def _slot(root: Path, store: Path) -> Path | None:
    """This store's subfolder of the cache, made if missing; None if it is not safe."""
    where = str(store.resolve())
    slot = root / hashlib.sha256(where.encode()).hexdigest()[:16]
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        slot.mkdir(mode=0o700, exist_ok=True)
    except OSError:
        return None
    if not (_private(root) and _private(slot)):
        return None
    if not (slot / _MARK).is_file():
        with contextlib.suppress(OSError):  # in one step: a reader never sees half a path
            tmp = slot / f"{_MARK}.{os.getpid()}.tmp"
            tmp.write_text(where, encoding="utf-8")
            os.replace(tmp, slot / _MARK)
    return slot


def _prune(root: Path) -> None:
    """Remove the subfolders of stores that are gone (moved or deleted)."""
    for slot in root.iterdir():
        try:
            where = (slot / _MARK).read_text(encoding="utf-8")
        except (OSError, UnicodeError):
            continue  # not a store's subfolder, or not one this module marked
        if Path(where).is_dir() or not _private(slot):
            continue
        with contextlib.suppress(OSError):
            for old in slot.iterdir():
                if old.suffix in (_SUFFIX, ".tmp") or old.name == _MARK:
                    old.unlink()
            slot.rmdir()


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


def _write(slot: Path, name: str, frames: Sequence[pd.DataFrame]) -> None:
    """Write the frames under ``name`` (``KIND.HASH.pickle``) in one step, and drop the
    older states of the store of the same kind."""
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=slot, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(list(frames), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, slot / name)
        tmp = None
        stale = time.time() - _ABANDONED_SECONDS
        kind = name.split(".", 1)[0]
        for old in slot.iterdir():
            # older states of the store (other kinds stay; HASH.pickle is from before
            # there were kinds); a file a killed writer left half-written
            parts = old.name.split(".")
            if (old.name != name and old.suffix == _SUFFIX
                    and (parts[0] == kind or len(parts) == 2)) or (
                    old.suffix == ".tmp" and old.stat().st_mtime < stale):
                old.unlink(missing_ok=True)
        _prune(slot.parent)
    except OSError:
        pass  # no room, or no permission: the next load queries the store again
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _place(store: GraphStore, code: str, kind: str) -> tuple[Path, str, Path, StoreFiles] | None:
    """The store's cache subfolder, the file name for ``code`` and ``kind``, the store's
    folder and the files the name was made of; None where nothing is cached."""
    if not kind or "." in kind:
        raise ValueError(f"cache kind {kind!r}: a name without dots")
    root = cache_dir()
    if root is None or not isinstance(store, EmbeddedStore) or store.path is None:
        return None
    try:
        before = store_files(store.path)
    except OSError:
        return None
    slot = _slot(root, store.path)
    if slot is None:
        return None
    name = f"{kind}.{hashlib.sha256(repr((before, code)).encode()).hexdigest()[:32]}{_SUFFIX}"
    return slot, name, store.path, before


def cached_frames(store: GraphStore, code: str, count: int,
                  load: Callable[[], Sequence[pd.DataFrame]], *,
                  kind: str) -> list[pd.DataFrame]:
    """``load()`` of ``store``, or the frames it gave for the same store files and ``code``.

    ``code`` names the code that makes the frames (a change of it is a miss);
    ``count`` is how many frames ``load`` gives; ``kind`` (a name without dots) tells
    apart what is kept for the same store, one state of each. Only an on-disk
    :class:`~scgraph.store.EmbeddedStore` is cached.
    """
    place = _place(store, code, kind)
    if place is None:
        return list(load())
    slot, name, path, before = place
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
    place = _place(store, code, kind)
    return None if place is None else _read(place[0] / place[1], count)
