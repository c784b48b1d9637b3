"""The cache folder: one private subfolder per on-disk store, files named for its state.

What is kept for a store (:mod:`scgraph.analytics.cache` keeps loaded tables) is a file
``KIND.HASH.pickle`` in the store's subfolder, HASH made of the store's files (name, size,
modification time and inode of each: :func:`~scgraph.store.embedded.store_files`) and the
code that made it; one state of each kind per store. This module finds the folders and
puts files in place; it needs no pandas, so that an ingest can keep what a worker wrote
without importing the analytics.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import time
from pathlib import Path

from scgraph import __version__
from scgraph.store.base import GraphStore
from scgraph.store.embedded import EmbeddedStore, StoreFiles, store_files

__all__ = ["CACHE_ENV", "cache_dir", "code_key", "keep_file", "place", "put", "store_slot"]

#: Environment variable naming the cache folder; set empty, it turns the cache off.
CACHE_ENV = "SCGRAPH_CACHE_DIR"
#: The suffix of a kept file.
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


def put(slot: Path, name: str, tmp: Path) -> None:
    """Move ``tmp`` (in ``slot``) to ``name`` in one step, and drop the older states of the
    store of the same kind."""
    os.replace(tmp, slot / name)
    with contextlib.suppress(OSError):
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


def place(store: GraphStore, code: str, kind: str) -> tuple[Path, str, Path, StoreFiles] | None:
    """The store's cache subfolder, the file name for ``code`` and ``kind``, the store's
    folder and the files the name was made of; None where nothing is cached."""
    if not kind or "." in kind:
        raise ValueError(f"cache kind {kind!r}: a name without dots")
    slot = store_slot(store)
    if slot is None or not isinstance(store, EmbeddedStore) or store.path is None:
        return None
    try:
        before = store_files(store.path)
    except OSError:
        return None
    name = f"{kind}.{hashlib.sha256(repr((before, code)).encode()).hexdigest()[:32]}{_SUFFIX}"
    return slot, name, store.path, before


def store_slot(store: GraphStore) -> Path | None:
    """The cache subfolder of ``store`` (made if missing), where a worker may write
    ``*.tmp`` files for :func:`keep_file`; None where nothing is cached."""
    root = cache_dir()
    if root is None or not isinstance(store, EmbeddedStore) or store.path is None:
        return None
    return _slot(root, store.path)


def keep_file(store: GraphStore, code: str, kind: str, path: Path) -> bool:
    """Keep ``path`` (a ``*.tmp`` file in :func:`store_slot`) as what is cached of
    ``kind`` for ``store``'s files as they are now and ``code``; the caller vouches that it
    holds what the code would make of the store. Call it with the store closed: a store
    open for writing may still change its files. False (and ``path`` removed) if nothing is
    cached.
    """
    where = place(store, code, kind)
    try:
        if where is None or path.parent.resolve() != where[0].resolve():
            return False
        put(where[0], where[1], path)
        return True
    except OSError:
        return False
    finally:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
