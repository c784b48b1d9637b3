"""Split a dataset's triples into batches that SHACL validates one at a time.

Validating a million triples at once needs an in-memory store of all of them.
:func:`plan_batches` cuts the triples of one dataset into batches by subject: every
triple of a node is in the batch that *owns* the node, so a batch holds all that is
said about its nodes. The shapes also read one step beyond a focus node (the types of
a value node, and the triples a ``sh:node`` shape checks on it), so each batch carries,
as *context*, those triples of every node its own triples point to.
:func:`scgraph.ingest.validation.shacl_check` then drops a batch's result about a node
of its context (one another batch owns, and validates), unless a triple of this batch
is what makes the node a target (``sh:targetObjectsOf``, ``sh:node``) and the check
reads no more of the node than the context holds. Class targets are looked for among the
batch's own triples and the ontology only, so a node of the context is a target only where
the ontology types it (and its results are then dropped as above). The results are those
of validating the whole graph at once (``tests/test_batches.py``).

Shapes that read further (a ``sh:class`` inside a ``sh:node`` shape, say) cannot be
cut this way: :func:`plan_batches` then returns the whole graph as one batch.

The batches of a large dataset can be written to files in a ``spool`` folder instead of
being kept in memory; each file is read again when its batch is validated or loaded.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from scgraph.ingest.shacl_sparql import Check
from scgraph.namespaces import PREFIXES

__all__ = ["Batch", "Part", "batchable", "content", "context_predicates", "plan_batches"]

_TYPE = PREFIXES["rdf"] + "type"
_SUBCLASS = f"<{PREFIXES['rdfs']}subClassOf> "
_STEP = 1 << 16  # lines encoded at a time

#: N-Triples, in memory or in a file.
Part = bytes | Path


def content(part: Part) -> bytes:
    """The N-Triples of a part, read from its file if it has one."""
    return part if isinstance(part, bytes) else part.read_bytes()


@dataclass(slots=True)
class Batch:
    """Triples of the nodes a batch owns, and what the shapes read of nodes they point to.

    ``data`` and ``context`` are N-Triples in memory or, when the batches were spooled,
    files. ``elsewhere`` are the nodes the context is about (IRIs without brackets):
    other batches own them. None means the batch is the whole graph.
    """

    data: Part
    context: Part = b""
    elsewhere: frozenset[str] | None = None


def _write(lines: Sequence[str], out: BinaryIO) -> None:
    """Write the lines UTF-8 encoded, without a joined str of all of them first."""
    for i in range(0, len(lines), _STEP):
        out.write("".join(lines[i:i + _STEP]).encode())


def _encoded(lines: Sequence[str]) -> bytes:
    """The lines as one UTF-8 document."""
    out = io.BytesIO()
    _write(lines, out)
    return out.getvalue()


def _kept(lines: Sequence[str], spool: Path | None, name: str) -> Part:
    """The lines encoded: in memory, or in the file ``name`` of the ``spool`` folder."""
    if spool is None:
        return _encoded(lines)
    path = spool / name
    with path.open("wb") as out:
        _write(lines, out)
    return path


def batchable(checks: Sequence[Check]) -> bool:
    """Whether every check can be decided batch by batch.

    A check whose focus node can be a target without owning the triple that makes it
    one (``sh:targetObjectsOf``, the value nodes of a ``sh:node``) is run in the batch
    that holds that triple, so it must read only what a batch has as context.
    A ``sh:targetNode`` makes a node a target in every batch: not batchable.
    """
    return all((c.local_target or c.reads is not None) and not c.node_target for c in checks)


def context_predicates(checks: Sequence[Check]) -> frozenset[str]:
    """Predicates whose triples a batch needs about the nodes its triples point to.

    ``rdf:type`` (for ``sh:class`` on a value), and what the checks of non-local
    targets read (for example ``skos:inScheme`` of an effect kind).
    """
    preds = {_TYPE}
    for c in checks:
        if not c.local_target and c.reads is not None:
            preds |= c.reads
    return frozenset(preds)


def plan_batches(lines: Sequence[str], checks: Sequence[Check], max_triples: int, *,
                 spool: Path | None = None) -> list[Batch]:
    """Cut N-Triples ``lines`` into batches of about ``max_triples`` owned triples each.

    Every line is ``<s> <p> o .\\n`` (as :mod:`scgraph.ingest.mapping` writes them).
    With ``max_triples`` lines or fewer, with blank nodes (their labels are local to
    a document), or with checks that are not :func:`batchable`, the result is one
    batch holding the whole graph, in memory. Several batches are written as files
    into the folder ``spool`` if one is given. A line is let go once its batch is
    encoded, unless the caller keeps ``lines``.

    >>> plan_batches(["<a> <p> <b> .\\n"], [], 10)
    [Batch(data=b'<a> <p> <b> .\\n', context=b'', elsewhere=None)]
    """
    if len(lines) <= max_triples or not batchable(checks):
        return [Batch(_encoded(lines))]
    wanted = tuple(f"<{p}> " for p in context_predicates(checks))
    batch_of: dict[str, int] = {}
    owned: list[list[str]] = [[]]
    refs: list[set[str]] = [set()]
    about: dict[str, list[str]] = {}  # node -> its triples with a context predicate
    everywhere: list[str] = []  # subclass axioms: every batch needs the whole hierarchy
    last = "\0"  # the subject of the line before, with the space after it
    own = owned[0]
    seen = refs[0]
    for line in lines:
        if not line.startswith(last):  # consecutive lines mostly share their subject
            i = line.index(" ")
            s = line[:i]
            if s[0] == "_":
                return [Batch(_encoded(lines))]
            last = line[:i + 1]
            b = batch_of.get(s)
            if b is None:
                if len(owned[-1]) >= max_triples:
                    owned.append([])
                    refs.append(set())
                b = batch_of[s] = len(owned) - 1
            own = owned[b]
            seen = refs[b]
        own.append(line)
        k = len(last)
        j = line.index(" ", k)
        o = line[j + 1]
        if o == "<":
            seen.add(line[j + 1:-3])
        elif o == "_":
            return [Batch(_encoded(lines))]
        if line.startswith(wanted, k):
            about.setdefault(last[:-1], []).append(line)
        elif line.startswith(_SUBCLASS, k):
            everywhere.append(line)
    del lines, own  # a caller that handed over the lines lets them go batch by batch
    batches: list[Batch] = []
    for b in range(len(owned)):
        context = list(everywhere)
        elsewhere = [o for o in refs[b] if batch_of.get(o, b) != b and o in about]
        for o in elsewhere:
            context.extend(about[o])
        batches.append(Batch(_kept(owned[b], spool, f"{b}.nt"),
                             _kept(context, spool, f"{b}-context.nt"),
                             frozenset(o[1:-1] for o in elsewhere)))
        owned[b], refs[b] = [], set()
    return batches
