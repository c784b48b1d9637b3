"""The embedded store: Oxigraph on disk (or in memory), no server needed."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import io
import itertools
import logging
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import IO, NoReturn, TypeVar, cast

import pyoxigraph as ox

from scgraph.errors import StoreError, StoreLockedError, UsageError
from scgraph.namespaces import PREFIXES, STAGING
from scgraph.outputs import make_folder
from scgraph.store.base import EXPORT_FORMATS, Table, Term
from scgraph.store.commits import committing

__all__ = ["LOCK_FILE", "LOCK_TIMEOUT", "READ_LOCK_FILE", "EmbeddedStore", "StoreFiles",
           "no_store", "store_files", "unchanging"]

#: Held exclusively by the one writer for as long as it has the store open.
LOCK_FILE = "scgraph.lock"
#: Held shared by each reader while open, and exclusively by the writer while it changes
#: the files on disk (opening, each write, closing).
READ_LOCK_FILE = "scgraph.read.lock"
#: Seconds a reader waits for a write to finish (and a writer for readers) before giving up.
LOCK_TIMEOUT = 60.0
#: After this many seconds of waiting for the lock, the wait is said (a warning of the
#: ``scgraph.store`` logger: on standard error unless logging is set up otherwise).
WAIT_SAID_AFTER = 1.0
_log = logging.getLogger("scgraph.store")

#: Name, size, modification time and inode of each file of a store folder.
StoreFiles = tuple[tuple[str, int, int, int], ...]


def store_files(path: Path) -> StoreFiles:
    """Name, size, modification time and inode of each file of the store at ``path``.

    Every write changes them (the write-ahead log grows, or files are added), and so
    can a compaction; opening and reading do not. The lock files are left out, and so
    is a file that a compaction removes while the folder is read.
    """
    found = []
    with os.scandir(path) as entries:
        for entry in entries:
            if entry.name in (LOCK_FILE, READ_LOCK_FILE):
                continue
            try:
                if not entry.is_file():
                    continue
                st = entry.stat()
            except FileNotFoundError:
                continue
            found.append((entry.name, st.st_size, st.st_mtime_ns, st.st_ino))
    return tuple(sorted(found))


_OPEN_ATTEMPTS = 5
_T = TypeVar("_T")
#: Graphs a write creates are listed here until the write commits.
_JOURNAL = STAGING + "journal"
_PENDING = STAGING + "pending"
#: What a failed write raises about its input or the disk (reported as a StoreError);
#: anything else (an interrupt, an error of the program, what validation found) passes on.
_WRITE_ERRORS = (OSError, SyntaxError, ValueError)
#: Parts of N-Triples smaller than this are bulk-loaded whole (a load costs about 15 ms).
_PIECE_BYTES = 1 << 20


def _pieces(data: bytes, count: int, min_bytes: int) -> list[bytes]:
    """N-Triples ``data`` cut at line ends into up to ``count`` pieces to load side by side.

    Oxigraph's bulk loader uses one thread below a million triples; pieces loaded on
    several threads together need the memory the whole would. Data smaller than
    ``min_bytes``, or with blank nodes (their labels are local to one load), stays whole.

    >>> _pieces(b"<a> <p> <b> .\\n<c> <p> <d> .\\n<e> <p> <f> .\\n", 2, min_bytes=0)
    [b'<a> <p> <b> .\\n<c> <p> <d> .\\n', b'<e> <p> <f> .\\n']
    """
    if count < 2 or len(data) < min_bytes or b"_:" in data:
        return [data]
    cuts = [0]
    for i in range(1, count):
        end = data.find(b"\n", max(cuts[-1], len(data) * i // count)) + 1
        if cuts[-1] < end < len(data):
            cuts.append(end)
    cuts.append(len(data))
    return [data[a:b] for a, b in itertools.pairwise(cuts)]


def _merged(store: ox.Store, out: IO[bytes], rdf_format: ox.RdfFormat,
            prefixes: dict[str, str] | None) -> None:
    """The triples of all graphs, each once and sorted, as N-Triples or Turtle.

    Sorted as their N-Triples lines, which is the order of their text (``str``): a line
    is that text and `` .``. The lines, not a Python term of each triple, are held.
    """
    with tempfile.TemporaryFile() as each:
        for g in [ox.DefaultGraph(), *store.named_graphs()]:
            store.dump(each, ox.RdfFormat.N_TRIPLES, from_graph=g)
        each.seek(0)
        lines = sorted(set(each))
    if rdf_format == ox.RdfFormat.N_TRIPLES:
        out.writelines(lines)
        return
    with tempfile.TemporaryFile() as nt:
        nt.writelines(lines)
        del lines
        nt.seek(0)
        ox.serialize(ox.parse(nt, ox.RdfFormat.N_TRIPLES), out, rdf_format, prefixes=prefixes)


#: Errors of writing what was read (a full disk, a closed pipe), not of the store's files.
_OUTPUT_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EPIPE, errno.EROFS})


def _files_moved(exc: Exception) -> bool:
    """Whether a read failed because store files changed under it."""
    if isinstance(exc, OSError):
        return exc.errno not in _OUTPUT_ERRORS
    text = str(exc)
    return "IO error" in text or "Corruption" in text


def _substitutions(bindings: Mapping[str, Term] | None) -> dict[ox.Variable, Term] | None:
    if not bindings:
        return None
    return {ox.Variable(k): v for k, v in bindings.items()}


def no_store(path: Path) -> StoreError:
    """The error for a path that holds no store, where one must be."""
    if path.exists() and not path.is_dir():
        return StoreError(f"{path}: is a file, not a store; --store names the folder that "
                          "`scgraph ingest --store` wrote")
    if path.is_dir() and any(path.iterdir()):
        return StoreError(f"{path}: the folder holds no store; --store names the folder "
                          "that `scgraph ingest --store` wrote")
    return StoreError(f"{path}: no store here yet; run `scgraph ingest --store {path} "
                      "DATASET` first")


def _holder(path: Path) -> str:
    """The process id the writer wrote into the store's lock file."""
    try:
        return (path / LOCK_FILE).read_text(encoding="utf-8").strip() or "unknown"
    except OSError:
        return "unknown"


def _flock(path: Path, name: str, mode: int) -> IO[str] | None:
    """Take ``mode`` on the lock file ``name``, waiting up to LOCK_TIMEOUT seconds.

    A reader of a store it may not write (another user's, or on a read-only file system)
    locks the file opened for reading; with no such file on a read-only file system there
    is no writer to wait for, and no lock (None).
    """
    try:
        fh = open(path / name, "a+", encoding="utf-8")  # noqa: SIM115 - held while open
    except OSError as exc:
        if mode != fcntl.LOCK_SH:
            raise _unwritable(path, name, exc) from exc
        try:
            fh = open(path / name, encoding="utf-8")  # noqa: SIM115 - held while open
        except OSError:
            if exc.errno == errno.EROFS:
                return None
            raise StoreError(f"{path}: cannot read the store: {name} cannot be opened "
                             f"({exc.strerror or exc})") from exc
    start = time.monotonic()
    said = False
    while True:
        try:
            fcntl.flock(fh, mode | fcntl.LOCK_NB)
            return fh
        except BlockingIOError:
            waited = time.monotonic() - start
            if waited > LOCK_TIMEOUT or (waited > WAIT_SAID_AFTER and not said):
                # who holds it, read only when it is said, not every 20 ms
                what = "written by process " + _holder(path) if mode == fcntl.LOCK_SH \
                    else "read by another process"
                if waited > LOCK_TIMEOUT:
                    fh.close()
                    raise StoreLockedError(
                        f"{path}: store is being {what} for more than "
                        f"{LOCK_TIMEOUT:.0f} s; try again later") from None
                _log.warning("%s: store is being %s; waiting up to %.0f s", path, what,
                             LOCK_TIMEOUT)  # not a silent minute
                said = True
            time.sleep(0.02)


def _unwritable(path: Path, name: str, exc: OSError) -> StoreError:
    """The error for a lock file of a store this process may not write."""
    return StoreError(f"{path}: cannot write the store ({name}: {exc.strerror or exc}); "
                      "choose a store you may write, or copy this one")


def _damaged(exc: BaseException) -> str:
    """What to do about an error that says the store's files are damaged."""
    if "Corruption" not in str(exc):
        return ""
    return ("; the store's files are damaged: restore the folder from a backup, or ingest "
            "the datasets again into a new store")


def _unlock(fh: IO[str]) -> None:
    """Release a lock taken with :func:`_flock` and close its file."""
    with contextlib.suppress(OSError):
        fcntl.flock(fh, fcntl.LOCK_UN)
    fh.close()


@contextlib.contextmanager
def unchanging(path: Path | str) -> Iterator[None]:
    """Hold the readers' lock on the store in ``path``: no write changes its files meanwhile."""
    fh = _flock(Path(path), READ_LOCK_FILE, fcntl.LOCK_SH)
    try:
        yield
    finally:
        if fh is not None:
            _unlock(fh)


class _Closed:
    """What a closed :class:`EmbeddedStore` holds in place of its store: any use of it
    says that the store is closed."""

    def __init__(self, location: str) -> None:
        self.location = location

    def closed(self) -> NoReturn:
        if self.location == "memory":  # its data went with it
            raise StoreError("memory: the in-memory store is closed, and what it held is "
                             "gone; use it inside its `with` block, or store on disk "
                             "(EmbeddedStore(path))")
        raise StoreError(f"{self.location}: the store is closed; open it again "
                         "(EmbeddedStore(path))")

    def __getattr__(self, name: str) -> NoReturn:
        self.closed()


class EmbeddedStore:
    """An Oxigraph store in the folder ``path``, or in memory when ``path`` is None.

    Opened for writing (the default), it holds an exclusive lock: a second writer
    gets :class:`~scgraph.errors.StoreLockedError` naming the process that holds it.
    Opened with ``read_only=True``, it needs an existing store and sees the state of
    the moment it was opened: it holds a shared lock that the writer takes exclusively
    only while it changes the files (see docs/reliability.md), so a reader never opens
    a store in the middle of a write.

    >>> with EmbeddedStore() as store:
    ...     store.replace_graphs({"http://example.org/g": b"<http://a> <http://b> <http://c> .\\n"})
    ...     store.graphs()
    ['http://example.org/g']
    """

    def __init__(self, path: Path | str | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        self.location = str(self.path) if self.path else "memory"
        self._lock: IO[str] | None = None
        self._read_lock: IO[str] | None = None
        self._held: IO[str] | None = None
        if self.path is None:
            self._store = ox.Store()
            return
        if read_only:
            if not (self.path / "CURRENT").is_file():
                raise no_store(self.path)
            self._read_lock = _flock(self.path, READ_LOCK_FILE, fcntl.LOCK_SH)
            for attempt in range(_OPEN_ATTEMPTS):
                try:
                    self._store = ox.Store.read_only(str(self.path))
                    break
                except (OSError, RuntimeError) as exc:
                    # files can move under a reader that opens while an earlier
                    # writer's background compaction finishes: open again
                    if attempt + 1 == _OPEN_ATTEMPTS:
                        self._release_lock()
                        raise StoreError(f"{self.path}: cannot open the store read-only: "
                                         f"{exc}{_damaged(exc)}") from exc
                    time.sleep(0.2 * (attempt + 1))
            return
        if self.path.exists() and not self.path.is_dir():
            raise UsageError(f"{self.path}: is a file; --store needs a folder")
        if self.path.is_dir() and any(self.path.iterdir()) and \
                not (self.path / "CURRENT").is_file():
            raise UsageError(f"{self.path}: folder is not empty and holds no store; "
                             "choose an empty or new folder")
        make_folder(self.path, f"{self.path}: cannot make the store")
        self._acquire_lock()
        try:
            with self._changing():
                self._store = ox.Store(str(self.path))
                self._drop_staging()
        except (OSError, RuntimeError) as exc:  # RocksDB says "Corruption" as RuntimeError
            self._release_lock()
            raise StoreError(f"{self.path}: cannot open the store: {exc}{_damaged(exc)}"
                             ) from exc
        except StoreError:
            self._release_lock()
            raise

    # -- locking ---------------------------------------------------------------------------
    def _acquire_lock(self) -> None:
        assert self.path is not None
        lock_path = self.path / LOCK_FILE
        try:
            fh = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 - held while open
        except OSError as exc:
            raise _unwritable(self.path, LOCK_FILE, exc) from exc
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            fh.close()
            raise StoreLockedError(
                f"{self.path}: store is in use by process {holder}; wait for it to finish "
                "or use another --store") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._lock = fh

    def _release_lock(self) -> None:
        for fh in (self._read_lock, self._lock):
            if fh is not None:
                _unlock(fh)
        self._lock = self._read_lock = None

    @contextlib.contextmanager
    def _changing(self, *, until_close: bool = False) -> Iterator[None]:
        """Hold the readers' lock exclusively while the files on disk change.

        With ``until_close``, keep holding it until :meth:`close`: a write leaves
        background compaction behind, which must not run under a reader.
        """
        if self.path is None or self._held is not None:
            yield
            return
        fh = _flock(self.path, READ_LOCK_FILE, fcntl.LOCK_EX)
        assert fh is not None  # None is for a reader only
        if until_close:
            self._held = fh
            yield
            return
        try:
            yield
        finally:
            _unlock(fh)

    def _drop_staging(self) -> None:
        """Undo a write that did not commit: drop the graphs it left behind."""
        journal = ox.NamedNode(_JOURNAL)
        pending = {q.object for q in self._store.quads_for_pattern(None, None, None, journal)}
        stale = [g for g in self._store.named_graphs()
                 if isinstance(g, ox.NamedNode) and g.value.startswith(STAGING)]
        for g in [*pending, *stale]:
            if isinstance(g, ox.NamedNode):
                self._store.remove_graph(g)
        self._store.flush()

    # -- reading ---------------------------------------------------------------------------
    def _read(self, fn: Callable[[ox.Store], _T]) -> _T:
        """Run a read to completion; a read-only store reopens if its files moved.

        A writer's background compaction (left from opening the store) can delete
        files under a reader. The reader holds the shared lock, so no write commits
        meanwhile: reopening sees the same data, and the read is run again.
        """
        for attempt in range(_OPEN_ATTEMPTS):
            try:
                return fn(self._store)
            except (OSError, RuntimeError) as exc:
                moved = self.read_only and self.path is not None and _files_moved(exc)
                if not moved or attempt + 1 == _OPEN_ATTEMPTS:
                    if isinstance(exc, OSError):
                        raise StoreError(f"{self.location}: reading failed: {exc}") from exc
                    raise  # not about files: e.g. a substitution the query cannot take
                time.sleep(0.1 * (attempt + 1))
                with contextlib.suppress(OSError, RuntimeError):
                    self._store = ox.Store.read_only(str(self.path))
        raise AssertionError("unreachable")  # pragma: no cover

    def _read_query(self, fn: Callable[[ox.Store], _T]) -> _T:
        """:meth:`_read` a query; a syntax error in it is the user's to fix."""
        try:
            return self._read(fn)
        except SyntaxError as exc:
            raise UsageError(f"SPARQL syntax error: {exc}") from exc

    def _query(self, sparql: str, bindings: Mapping[str, Term] | None
               ) -> Table | bool | list[ox.Triple]:
        def run(store: ox.Store) -> Table | bool | list[ox.Triple]:
            result = store.query(sparql, use_default_graph_as_union=True,
                                 substitutions=_substitutions(bindings))
            if isinstance(result, ox.QuerySolutions):
                return Table.from_solutions(result)
            if isinstance(result, ox.QueryBoolean):
                return bool(result)
            return list(result)

        return self._read_query(run)

    def select(self, sparql: str, *, bindings: Mapping[str, Term] | None = None) -> Table:
        """Run a SELECT query over the union of all graphs."""
        result = self._query(sparql, bindings)
        if not isinstance(result, Table):
            raise UsageError("expected a SELECT query")
        return result

    def select_tsv(self, sparql: str) -> bytes:
        """Run a SELECT query; the results as SPARQL TSV, written without Python terms.

        :func:`~scgraph.store.base.select_frame` reads them into a DataFrame.
        """
        def run(store: ox.Store) -> bytes:
            result = store.query(sparql, use_default_graph_as_union=True)
            if not isinstance(result, ox.QuerySolutions):
                raise UsageError("expected a SELECT query")
            return result.serialize(format=ox.QueryResultsFormat.TSV) or b""

        return self._read_query(run)

    def ask(self, sparql: str, *, bindings: Mapping[str, Term] | None = None) -> bool:
        """Run an ASK query over the union of all graphs."""
        result = self._query(sparql, bindings)
        if not isinstance(result, bool):
            raise UsageError("expected an ASK query")
        return result

    def construct(self, sparql: str, *,
                  bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]:
        """Run a CONSTRUCT or DESCRIBE query over the union of all graphs."""
        result = self._query(sparql, bindings)
        if not isinstance(result, list):
            raise UsageError("expected a CONSTRUCT or DESCRIBE query")
        return result

    def graphs(self) -> list[str]:
        """IRIs of the named graphs, sorted."""
        return self._read(lambda store: sorted(
            g.value for g in store.named_graphs()
            if isinstance(g, ox.NamedNode) and not g.value.startswith(STAGING)))

    def __len__(self) -> int:
        return self._read(len)

    def export(self, fmt: str, *, graph: str | None = None) -> bytes:
        """Serialise the store, or one named graph, as ``fmt`` (see EXPORT_FORMATS)."""
        out = io.BytesIO()
        self.export_to(out, fmt, graph=graph)
        return out.getvalue()

    def export_to(self, out: IO[bytes], fmt: str, *, graph: str | None = None) -> None:
        """Write :meth:`export` into ``out``, a seekable binary file, from its position on.

        Oxigraph writes the export as it reads it, without all of it in memory; ``ttl``
        and ``nt`` of the whole store merge the graphs, so their lines are sorted (and
        made unique) in memory first.
        """
        if fmt not in EXPORT_FORMATS:
            raise UsageError(f"unknown export format {fmt!r}; expected one of "
                             + ", ".join(EXPORT_FORMATS))
        rdf_format, datasets = EXPORT_FORMATS[fmt]
        prefixes = PREFIXES if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
        if graph is not None and graph not in self.graphs():
            raise UsageError(f"no graph {graph!r} in the store; "
                             "`scgraph stats` lists the datasets")
        start = out.tell()

        def dump(store: ox.Store) -> None:
            out.seek(start)  # a read run again (files moved) writes from the start again
            out.truncate()
            if graph is None and datasets:
                store.dump(out, rdf_format, prefixes=prefixes)
            elif graph is None:
                _merged(store, out, rdf_format, prefixes)
            elif not datasets:
                store.dump(out, rdf_format, from_graph=ox.NamedNode(graph), prefixes=prefixes)
            else:
                ox.serialize(store.quads_for_pattern(None, None, None, ox.NamedNode(graph)),
                             out, rdf_format, prefixes=prefixes)

        self._read(dump)

    def snapshot(self) -> EmbeddedStore:
        """A read-only copy in memory of the store as it is now.

        Queries on a small store run several times faster in memory than on disk; the
        copy takes the memory of the data and about 12 µs per quad to make.
        """
        copy = EmbeddedStore(read_only=True)
        self._read(lambda store: copy._store.bulk_extend(
            store.quads_for_pattern(None, None, None, None)))
        return copy

    # -- writing ---------------------------------------------------------------------------
    def _writable(self) -> None:
        if self.read_only:
            raise UsageError(f"{self.location}: store is open read-only")

    def replace_graphs(self, graphs: Mapping[str, bytes | Iterable[bytes]], *,
                       before_commit: Callable[[], None] | None = None,
                       valid_iris: bool = False) -> None:
        """Replace each named graph by the given N-Triples, all or nothing.

        A graph's N-Triples can come in parts (any iterable of bytes, iterated once),
        bulk-loaded one after the other (no joined copy, and the loader's memory
        follows the size of a part).

        A graph that is new to the store is bulk-loaded in place (fast) and listed
        in a journal first; a graph that exists is bulk-loaded into a staging graph.
        One SPARQL update then swaps the staged graphs in (writing only what
        changed) and clears the journal: that transaction is the commit point.
        After an error, or when a store is opened after a killed write, the graphs
        the journal lists and all staging graphs are dropped, so the store is
        left as it was before the write.

        ``before_commit`` is called once everything is loaded, just before the
        commit; if it raises, the write is undone and its exception passes on
        (ingest uses it to validate while the data is being loaded).

        ``valid_iris``: every IRI in the data is known to be valid (ingest writes IRIs it
        made from checked records, and what Oxigraph parsed and wrote again); the loader
        then skips checking them, about a tenth of its work. Anything else in the data is
        still parsed strictly.
        """
        self._writable()
        with self._changing(until_close=True):
            self._replace_graphs(graphs, before_commit, valid_iris)

    def _replace_graphs(self, graphs: Mapping[str, bytes | Iterable[bytes]],
                        before_commit: Callable[[], None] | None = None,
                        valid_iris: bool = False) -> None:
        run = uuid.uuid4().hex
        existing = {g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode)}
        journal = ox.NamedNode(_JOURNAL)
        entries = [ox.Quad(ox.NamedNode(f"{STAGING}{run}"), ox.NamedNode(_PENDING),
                           ox.NamedNode(g), journal) for g in graphs if g not in existing]
        staged: list[tuple[str, str]] = []
        refused: BaseException | None = None  # what before_commit raised
        try:
            if entries:
                self._store.extend(entries)
                self._store.flush()
            for i, (target, data) in enumerate(graphs.items()):
                into = target
                if target in existing:
                    into = f"{STAGING}{run}/{i}"
                    staged.append((into, target))
                # each part its own bulk load: the loader's memory grows with its input
                for part in [data] if isinstance(data, bytes) else data:
                    self._bulk_load(part, into, lenient=valid_iris)
            self._store.flush()
            if before_commit is not None:
                try:
                    before_commit()
                except BaseException as exc:
                    refused = exc
                    raise
            swaps = [part for tmp, target in staged for part in (
                f"DELETE {{ GRAPH <{target}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{target}> "
                f"{{ ?s ?p ?o }} FILTER NOT EXISTS {{ GRAPH <{tmp}> {{ ?s ?p ?o }} }} }}",
                f"INSERT {{ GRAPH <{target}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{tmp}> "
                f"{{ ?s ?p ?o }} FILTER NOT EXISTS {{ GRAPH <{target}> {{ ?s ?p ?o }} }} }}",
                f"DROP SILENT GRAPH <{tmp}>")]
            swaps += [f"DELETE DATA {{ GRAPH <{_JOURNAL}> {{ {e.subject} {e.predicate} "
                      f"{e.object} }} }}" for e in entries]
            if swaps:
                with committing():
                    self._store.update(" ;\n".join(swaps))
        except BaseException as exc:
            try:  # undone now, so that no reader sees a write that did not commit
                self._drop_staging()
            except BaseException as undo:  # a full disk, a second Ctrl-C: the next
                # opening for writing undoes it
                if isinstance(exc, _WRITE_ERRORS) and exc is not refused:
                    raise StoreError(
                        f"{self.location}: writing failed ({exc}), and undoing it failed too "
                        f"({undo}); the next `scgraph ingest` or `drop` on this store undoes "
                        "it, until then readers see the graphs it left") from exc
                raise exc from None
            if exc is refused or not isinstance(exc, _WRITE_ERRORS):
                raise  # what validation found, an interrupt, or an error of the program
            raise StoreError(f"{self.location}: writing failed, nothing was changed: "
                             f"{exc}") from exc
        self._store.flush()

    def _bulk_load(self, data: bytes, graph: str, *, lenient: bool = False) -> None:
        """Bulk-load N-Triples into ``graph``, in pieces on up to four threads
        (``lenient``: without checking the IRIs)."""
        pieces = _pieces(data, min(4, os.cpu_count() or 1), _PIECE_BYTES)
        if len(pieces) == 1:
            self._store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES,
                                  to_graph=ox.NamedNode(graph), lenient=lenient)
            return
        pool = ThreadPoolExecutor(len(pieces))
        loads = [pool.submit(self._store.bulk_load, piece, format=ox.RdfFormat.N_TRIPLES,
                             to_graph=ox.NamedNode(graph), lenient=lenient)
                 for piece in pieces]
        try:
            pool.shutdown(wait=True)
        except BaseException:
            # Ctrl-C or SIGTERM while the pieces load: a running load cannot be stopped,
            # and the undo must not run beside it (it would drop the staging graph that
            # the load then fills again), so wait for the pieces, a second interrupt too
            pool.shutdown(wait=False, cancel_futures=True)
            while not all(load.done() for load in loads):
                with contextlib.suppress(BaseException):
                    futures.wait(loads)
            raise
        for load in loads:
            load.result()  # the first error, if any, once every piece has stopped

    def drop_graphs(self, graphs: Sequence[str]) -> None:
        """Remove named graphs in one transaction."""
        self._writable()
        if graphs:
            with self._changing(until_close=True), committing():
                self._store.update(" ; ".join(f"DROP SILENT GRAPH <{g}>" for g in graphs))
                self._store.flush()

    def close(self) -> None:
        """Flush and release the lock; what uses the store after this raises StoreError."""
        store = vars(self).get("_store")
        if store is not None and not isinstance(store, _Closed):
            if not self.read_only:
                with self._changing(), contextlib.suppress(OSError):
                    store.flush()
            del store
            self._store = cast(ox.Store, _Closed(self.location))
        if self._held is not None:
            _unlock(self._held)
            self._held = None
        self._release_lock()

    def __enter__(self) -> EmbeddedStore:
        store = vars(self).get("_store")
        if isinstance(store, _Closed):
            store.closed()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
