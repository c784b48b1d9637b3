"""SHACL validation in batches reports exactly what validation of the whole graph reports."""

from __future__ import annotations

import errno
import io
import tempfile
from pathlib import Path
from typing import Any

import pytest

from scgraph.errors import Problem, StoreError
from scgraph.ingest import batches as batching
from scgraph.ingest import ingest, pipeline, validation
from scgraph.ingest.batches import Batch, content, plan_batches
from scgraph.ingest.checks import check_dataset
from scgraph.ingest.mapping import map_dataset
from scgraph.ingest.readers import read_dataset
from scgraph.ingest.records import Location
from scgraph.ingest.validation import shacl_check, validation_checks
from scgraph.namespaces import EFFECT, PREFIXES, SC, dataset_graph_iri, initiative_iri
from scgraph.ontology import vocabulary
from scgraph.store import EmbeddedStore

TYPE = f"<{PREFIXES['rdf']}type>"
LABEL = f"<{PREFIXES['rdfs']}label>"
#: mpsc has about 7,300 mapped triples: batches of 1,000 give six or more of them
SMALL = 1_000


def _mapped(path: Path) -> tuple[list[str], dict[str, tuple[Location, str]]]:
    problems: list[Problem] = []
    warnings: list[Problem] = []
    raw = read_dataset(path, problems, warnings)
    mapped = map_dataset(check_dataset(raw, vocabulary(), problems, warnings))
    assert not problems
    return mapped.triples, mapped.locations


def _parts(line: str) -> tuple[str, str, str]:
    s, p, rest = line.split(" ", 2)
    return s, p, rest[:-3]


def _subjects(batch: Batch) -> set[str]:
    return {_parts(x)[0][1:-1] for x in batch.data.decode().splitlines(keepends=True)}


def _owner(batches: list[Batch], iri: str) -> int:
    return next(i for i, b in enumerate(batches) if iri in _subjects(b))


def _keys(problems: list[Problem]) -> list[tuple[str, ...]]:
    return [(p.file or "", str(p.line), p.record or "", p.field or "", p.message)
            for p in problems]


@pytest.fixture(scope="module")
def broken(mpsc_path: Path) -> tuple[list[str], dict[str, tuple[Location, str]], dict[str, str]]:
    """data/mpsc mapped, with errors injected into its triples; and the nodes involved."""
    lines, locations = _mapped(mpsc_path)
    # an initiative that the last interaction points to (interactions come after all
    # initiatives, so its triples are in an earlier batch) becomes an actor
    last_to = next(_parts(x)[2] for x in reversed(lines) if f"<{SC}toInitiative>" in x)
    lines = [x for x in lines if not x.startswith(f"{last_to} {TYPE}")]
    lines.append(f"{last_to} {TYPE} <{SC}Actor> .\n")
    # a municipality gets a second country, far from its other triples
    mun, _, _ = _parts(next(x for x in lines if f"<{SC}country>" in x))
    lines.append(f'{mun} <{SC}country> "Elsewhere" .\n')
    # an effect kind typed at the very start but in no scheme, used by the last side effect
    kind = f"<{EFFECT}made_up_kind>"
    lines.insert(0, f"{kind} {TYPE} <{PREFIXES['skos']}Concept> .\n")
    at = max(i for i, x in enumerate(lines) if f"<{SC}effectKind>" in x)
    effect, pred, _ = _parts(lines[at])
    lines[at] = f"{effect} {pred} {kind} .\n"
    # the first initiative gets an action field as text, stated at the end
    first, _, _ = _parts(next(x for x in lines if x.endswith(f"{TYPE} <{SC}Initiative> .\n")))
    lines.append(f'{first} <{SC}actionField> "mobility" .\n')
    # a dependency on a node that nothing describes
    lines.append(f"{first} <{SC}dependsOn> <{initiative_iri('NOWHERE')}> .\n")
    # an actor loses its name
    actor = next(_parts(x)[2] for x in lines if f"<{SC}hasActor>" in x)
    lines = [x for x in lines if not x.startswith(f"{actor} {LABEL}")]
    nodes = {"last_to": last_to, "mun": mun, "kind": kind, "effect": effect, "first": first,
             "actor": actor}
    return lines, locations, {k: v[1:-1] for k, v in nodes.items()}


def test_batches_own_every_triple_once(mpsc_path: Path) -> None:
    lines, _ = _mapped(mpsc_path)
    batches = plan_batches(lines, validation_checks(), SMALL)
    assert len(batches) >= 6
    owned = [x for b in batches for x in b.data.decode().splitlines(keepends=True)]
    assert sorted(owned) == sorted(lines)
    subjects = [s for b in batches for s in _subjects(b)]  # each node in one batch
    assert len(subjects) == len(set(subjects)) == len({_parts(x)[0] for x in lines})
    for i, b in enumerate(batches):  # the context is about nodes of other batches
        assert b.elsewhere
        assert not b.elsewhere & _subjects(b)
        assert all(_owner(batches, node) != i for node in b.elsewhere)
        context = {_parts(x)[0][1:-1] for x in b.context.decode().splitlines()}
        assert context == b.elsewhere


def test_small_graphs_and_blank_nodes_stay_whole(mpsc_path: Path) -> None:
    lines, _ = _mapped(mpsc_path)
    whole = plan_batches(lines, validation_checks(), len(lines))
    assert [b.elsewhere for b in whole] == [None]
    blank = plan_batches([*lines, "_:b <http://p> <http://o> .\n"], validation_checks(), SMALL)
    assert [b.elsewhere for b in blank] == [None]


@pytest.mark.parametrize("engine", ["python", "sparql"])
def test_batches_report_what_the_whole_graph_reports(broken, engine: str) -> None:
    lines, locations, nodes = broken
    whole = shacl_check("".join(lines).encode(), locations, engine=engine)
    batches = plan_batches(lines, validation_checks(), SMALL)
    assert len(batches) >= 6
    batched = shacl_check(batches, locations, engine=engine)
    assert _keys(batched[0]) == _keys(whole[0])
    assert _keys(batched[1]) == _keys(whole[1])
    # and both engines report the same
    other = shacl_check(batches, locations, engine="sparql" if engine == "python" else "python")
    assert (_keys(other[0]), _keys(other[1])) == (_keys(batched[0]), _keys(batched[1]))
    # each injected error is found (so that the comparison above compares something)
    for record, start in (
            (f" {nodes['last_to'].rsplit('/', 1)[1]}", "An interaction needs exactly one "
             "initiative it points to"),
            (nodes["last_to"].rsplit("/", 1)[1], "Both ends of a link between initiatives"),
            ("NOWHERE", "Both ends of a link between initiatives"),
            (None, "A municipality has at most one country"),
            (None, "The kind of this side effect is not in the scheme"),
            (None, "This action field is not one of the 13"),
            (None, "An action field must be a SKOS concept"),
            (None, "An actor needs exactly one name")):
        assert any(p.message.startswith(start) and (record is None or record in (p.record or ""))
                   for p in whole[0]), (record, start)
    # the violations that need a node another batch owns
    interaction = next(b for b in batches if any(
        f"<{nodes['last_to']}>" in x and f"<{SC}toInitiative>" in x
        for x in b.data.decode().splitlines()))
    assert _owner(batches, nodes["last_to"]) != batches.index(interaction)
    assert _owner(batches, nodes["kind"]) != _owner(batches, nodes["effect"])
    assert _owner(batches, nodes["mun"]) is not None


def test_ingest_in_batches_stores_what_ingest_at_once_stores(
        tmp_path: Path, mpsc_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def stored(store: EmbeddedStore) -> set[str]:
        nt = store.export("nt", graph=dataset_graph_iri("mpsc")).decode()
        return {x for x in nt.splitlines() if "endedAtTime" not in x}

    with EmbeddedStore(tmp_path / "whole") as st:
        ingest([mpsc_path], st)
        whole = stored(st)
    monkeypatch.setattr(pipeline, "BATCH_TRIPLES", SMALL)
    spool = tmp_path / "tmp"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    spooled: list[int] = []
    real_load = EmbeddedStore._bulk_load

    def load(self: EmbeddedStore, data: bytes, graph: str, *, lenient: bool = False) -> None:
        spooled.append(len(list(spool.glob("*/*/*.nt"))))
        real_load(self, data, graph, lenient=lenient)

    monkeypatch.setattr(EmbeddedStore, "_bulk_load", load)
    with EmbeddedStore(tmp_path / "batched") as st:
        ingest([mpsc_path], st)
        assert stored(st) == whole
    assert len(whole) > 7_000
    assert min(spooled) >= 12  # the batches waited in files (data and context of six or more)
    assert list(spool.iterdir()) == []  # and are gone


def test_spooled_batches_are_the_batches_kept_in_memory(tmp_path: Path, mpsc_path: Path) -> None:
    lines, _ = _mapped(mpsc_path)
    kept = plan_batches(lines, validation_checks(), SMALL)
    spooled = plan_batches(lines, validation_checks(), SMALL, spool=tmp_path)
    assert len(spooled) == len(kept) >= 6
    for a, b in zip(kept, spooled, strict=True):
        assert isinstance(b.data, Path)
        assert isinstance(b.context, Path)
        assert (content(b.data), content(b.context), b.elsewhere) == (a.data, a.context,
                                                                        a.elsewhere)
    # one batch stays in memory
    assert isinstance(plan_batches(lines, validation_checks(), len(lines),
                                   spool=tmp_path)[0].data, bytes)


def test_no_room_for_the_batches_is_a_clear_error(tmp_path: Path, small_path: Path,
                                                   mpsc_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = batching._write

    def full(lines: Any, out: Any) -> None:
        if isinstance(out, io.BytesIO):  # one batch, kept in memory
            real_write(lines, out)
            return
        raise OSError(errno.ENOSPC, "No space left on device")

    with EmbeddedStore(tmp_path / "s") as st:
        ingest([small_path], st)
        before = st.export("nq")
        monkeypatch.setattr(pipeline, "BATCH_TRIPLES", SMALL)
        monkeypatch.setattr(batching, "_write", full)
        with pytest.raises(StoreError, match=r"cannot keep the batches of dataset 'mpsc' "
                           r"there \(No space left on device\); nothing was written.*TMPDIR"):
            ingest([small_path, mpsc_path], st)
        assert st.export("nq") == before


@pytest.mark.parametrize("engine", ["python", "sparql"])
def test_a_batch_file_gone_before_validation_is_a_clear_error(
        tmp_path: Path, small_path: Path, mpsc_path: Path,
        monkeypatch: pytest.MonkeyPatch, engine: str) -> None:
    validates = "_python_batch" if engine == "python" else "_batch_results"
    real = getattr(validation, validates)
    removed: list[Path] = []

    def vanished(batch: Batch, *args: Any) -> Any:
        if isinstance(batch.data, Path):  # a spooled batch (small is one batch in memory)
            batch.data.unlink()
            removed.append(batch.data)
        return real(batch, *args)

    with EmbeddedStore(tmp_path / "s") as st:
        ingest([small_path], st)
        before = st.export("nq")
        monkeypatch.setattr(pipeline, "BATCH_TRIPLES", SMALL)
        monkeypatch.setattr(validation, validates, vanished)
        with pytest.raises(StoreError, match=r"could not be read back.*nothing was written"):
            ingest([small_path, mpsc_path], st, shacl=engine)
        assert st.export("nq") == before
    assert removed
