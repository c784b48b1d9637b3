"""The analytics' tables an ingest makes from its records (scgraph.ingest.tables): exactly
what the store would give, kept only when the store holds nothing else."""

from __future__ import annotations

import csv
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

import scgraph.analytics.projection as projection
import scgraph.ingest.tables as tables
from scgraph.analytics import GraphData, load_graph_data
from scgraph.analytics.cache import CACHE_ENV
from scgraph.analytics.prepared import graph_data_from_records, solution_types_from_records
from scgraph.errors import InputError, Problem
from scgraph.ingest import IngestReport, ingest
from scgraph.ingest.checks import KINDS, check_dataset
from scgraph.ingest.readers import read_dataset
from scgraph.ontology import RELATION_PROPERTIES, vocabulary
from scgraph.screening.screen import solution_types as stored_solution_types
from scgraph.store import EmbeddedStore

screening_module = sys.modules["scgraph.analytics.screening"]
pipeline_module = sys.modules["scgraph.ingest.pipeline"]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of the test, and tables prepared whatever the dataset's size."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    monkeypatch.setattr(tables, "PREPARE_MIN_INITIATIVES", 0)
    return folder


def _ingest(paths: list[Path], store: Path) -> IngestReport:
    with EmbeddedStore(store) as st:
        report = ingest(paths, st)
    report.keep_tables()
    return report


def _left(cache: Path) -> list[str]:
    """What the cache holds besides kept tables and store marks (unfinished files)."""
    return sorted(p.name for p in cache.glob("*/*") if p.suffix != ".pickle" and p.name != "store")


def _refuse(*_args: object, **_kw: object) -> None:
    raise AssertionError("the store was queried")


def _from_cache(store: Path) -> tuple[GraphData, pd.DataFrame]:
    """The tables and solution types, with every query of the store refused."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(projection, "select_frame", _refuse)
        mp.setattr(screening_module, "stored_solution_types", _refuse)
        with EmbeddedStore(store, read_only=True) as st:
            data = load_graph_data(st)
            return data, screening_module._solution_types(st, data)


def _from_store(store: Path) -> tuple[GraphData, pd.DataFrame]:
    with EmbeddedStore(store, read_only=True) as st:
        data = load_graph_data(st, cache=False)
        return data, stored_solution_types(st, initiatives=data.initiatives)


def _assert_same(a: tuple[GraphData, pd.DataFrame], b: tuple[GraphData, pd.DataFrame]) -> None:
    for name in ("initiatives", "relations", "actors", "side_effects"):
        pd.testing.assert_frame_equal(getattr(a[0], name), getattr(b[0], name))
    pd.testing.assert_frame_equal(a[1], b[1])


def test_an_ingest_keeps_the_tables_the_store_gives(cache: Path, tmp_path: Path,
                                                    mpsc_path: Path) -> None:
    report = _ingest([mpsc_path], tmp_path / "store")
    assert report.tables is not None
    kept = _from_cache(tmp_path / "store")  # fails if a query is needed
    _assert_same(kept, _from_store(tmp_path / "store"))
    data, types = kept
    assert len(data.initiatives) == report.datasets[0].initiatives
    assert "inferred" in set(types["confidence"])  # data/mpsc states no solution type
    assert _left(cache) == []


def test_the_cli_keeps_them(cli, cache: Path, tmp_path: Path, mpsc_path: Path) -> None:
    store = tmp_path / "cli-store"
    assert cli("ingest", "--store", store, mpsc_path).code == 0
    _assert_same(_from_cache(store), _from_store(store))


def test_a_dataset_ingested_again_keeps_them(cache: Path, tmp_path: Path,
                                             mpsc_path: Path) -> None:
    _ingest([mpsc_path], tmp_path / "store")
    assert _ingest([mpsc_path], tmp_path / "store").tables is not None
    _assert_same(_from_cache(tmp_path / "store"), _from_store(tmp_path / "store"))


def test_a_run_of_several_datasets_keeps_them(cache: Path, tmp_path: Path, mpsc_path: Path,
                                             small_path: Path) -> None:
    assert _ingest([small_path, mpsc_path], tmp_path / "store").tables is not None
    _assert_same(_from_cache(tmp_path / "store"), _from_store(tmp_path / "store"))


def test_none_are_kept_for_a_store_holding_more(cache: Path, tmp_path: Path, mpsc_path: Path,
                                                small_path: Path) -> None:
    store = tmp_path / "store"
    assert _ingest([small_path], store).tables is not None
    export = tmp_path / "small.nq"
    with EmbeddedStore(store, read_only=True) as st:
        export.write_bytes(st.export("nq"))
    # a second dataset: the store holds two, and the tables are made from both by queries
    assert _ingest([mpsc_path], store).tables is None
    assert _ingest([mpsc_path, export], tmp_path / "with-rdf").tables is None
    for path in (store, tmp_path / "with-rdf"):
        with EmbeddedStore(path, read_only=True) as st:
            assert len(load_graph_data(st).initiatives) > 0
    assert _left(cache) == []


def test_none_are_made_below_the_size_or_without_a_cache(
        cache: Path, tmp_path: Path, mpsc_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables, "PREPARE_MIN_INITIATIVES", 10_000)
    assert _ingest([mpsc_path], tmp_path / "small-run").tables is None
    monkeypatch.setattr(tables, "PREPARE_MIN_INITIATIVES", 0)
    monkeypatch.setenv(CACHE_ENV, "")
    assert _ingest([mpsc_path], tmp_path / "no-cache").tables is None
    assert not cache.exists()


def test_a_refused_ingest_stops_the_worker_and_leaves_nothing(
        cache: Path, tmp_path: Path, mpsc_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[tables.TablesWorker] = []
    start = tables.TablesWorker.start

    def recorded(*args: Any) -> tables.TablesWorker | None:
        worker = start(*args)
        assert worker is not None
        started.append(worker)
        return worker

    monkeypatch.setattr(tables.TablesWorker, "start", recorded)
    monkeypatch.setattr(pipeline_module, "_validate",
                        lambda *_a, **_k: [Problem("name", "refused by the test")])
    with pytest.raises(InputError, match="refused by the test"):
        _ingest([mpsc_path], tmp_path / "store")
    assert len(started) == 1
    with pytest.raises(ChildProcessError):  # reaped
        os.waitpid(started[0].pid, os.WNOHANG)
    assert _left(cache) == []
    assert not list(cache.glob("*/*.pickle"))


def test_a_failing_worker_is_logged_and_leaves_nothing(
        cache: Path, tmp_path: Path, mpsc_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    import scgraph.analytics.prepared as prepared

    def fail(*_args: object) -> None:
        raise RuntimeError("no tables today")

    monkeypatch.setattr(prepared, "write_tables", fail)  # the forked worker has it too
    with caplog.at_level(logging.WARNING, logger="scgraph.ingest.tables"):
        report = _ingest([mpsc_path], tmp_path / "store")
    assert report.written
    assert report.tables is None
    assert "no tables today" in caplog.text
    assert _left(cache) == []
    with EmbeddedStore(tmp_path / "store", read_only=True) as st:  # queried instead
        assert len(load_graph_data(st).initiatives) == report.datasets[0].initiatives


def test_a_worker_not_done_in_time_is_stopped(
        cache: Path, tmp_path: Path, mpsc_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    import time

    import scgraph.analytics.prepared as prepared

    monkeypatch.setattr(prepared, "write_tables", lambda *_a: time.sleep(60))
    monkeypatch.setattr(tables, "WAIT_SECONDS", 0.5)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="scgraph.ingest.tables"):
        report = _ingest([mpsc_path], tmp_path / "store")
    assert time.monotonic() - started < 9  # not the 10 s of the default
    assert report.written
    assert report.tables is None
    assert "not ready" in caplog.text
    assert _left(cache) == []


# --- any dataset: the tables made from the records are the ones the store gives ------------

FIELDS = sorted(vocabulary().fields)
EFFECTS = sorted(vocabulary().effect_kinds)[:6]
TYPES = sorted(vocabulary().solution_types)[:4]
_NAMES = st.sampled_from(["Stadt A", "Stadtwerke A GmbH", "Verein B e.V.", "Uni C",
                          "Landkreis D", "Jemand"])
_TEXTS = st.sampled_from(["Open data platform", "LoRaWAN sensors", "Bürger-App", "x",
                          "Smart parking with sensors", "Digital twin of the city"])


@st.composite
def _documents(draw: st.DrawFn) -> dict[str, Any]:
    ids = [f"I-{k}" for k in range(draw(st.integers(1, 7)))]
    places = draw(st.lists(st.tuples(st.sampled_from(["Ort", "Dorf", "Stadt"]),
                                     st.none() | st.sampled_from(["Hessen", "Bayern"])),
                           min_size=1, max_size=2, unique_by=lambda p: p[0]))
    initiatives = []
    for ident in ids:
        place, region = draw(st.none() | st.sampled_from(places)) or (None, None)
        record: dict[str, Any] = {
            "id": ident, "name": draw(_TEXTS),
            "action_fields": draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=3,
                                           unique=True)),
            "actors": draw(st.lists(_NAMES, max_size=3, unique=True)),
            "kind": draw(st.none() | st.sampled_from(KINDS)),
            "programme": draw(st.none() | st.sampled_from(["P1", "P2"])),
            "year": draw(st.none() | st.integers(2015, 2025)),
            "description": draw(st.none() | _TEXTS),
            "solution_types": draw(st.lists(st.sampled_from(TYPES), max_size=2, unique=True)),
            "relations": [{"relation": r, "target_id": t, "confidence": c}
                          for r, t, c in draw(st.lists(st.tuples(
                              st.sampled_from(sorted(RELATION_PROPERTIES)),
                              st.sampled_from(ids), st.sampled_from(["stated", "inferred"])),
                              max_size=3, unique_by=lambda x: x[:2]))
                          if t != ident],
            "side_effects": [{"effect": e, "polarity": p, "affects_fields": f,
                              **({"mitigation": m} if m else {})}
                             for e, p, f, m in draw(st.lists(st.tuples(
                                 st.sampled_from(EFFECTS), st.sampled_from(["risk", "benefit"]),
                                 st.lists(st.sampled_from(FIELDS), max_size=2, unique=True),
                                 st.none() | st.just("a plan")), max_size=2))],
        }
        if place is not None:
            record["municipality"] = place
            if region is not None and draw(st.booleans()):  # else said by another record
                record["region"] = region
        initiatives.append({k: v for k, v in record.items() if v is not None})
    stated = [(r["id"], x["relation"], x["target_id"], x["confidence"])
              for r in initiatives for x in r["relations"]]
    return {"title": "random", "initiatives": initiatives,
            "second": draw(_second(ids, places, stated))}


@st.composite
def _second(draw: st.DrawFn, first: list[str], places: list[tuple[str, str | None]],
            stated: list[tuple[str, str, str, str]]) -> dict[str, list[list[str]]]:
    """A second dataset, as the rows of its CSV files: its initiatives, relations that may
    join the first's initiatives (a part_of among them: a measure only in the dataset that
    says so) or state the first's relations again (with the other confidence), and side
    effects of either's initiatives."""
    ids = [f"J-{k}" for k in range(draw(st.integers(1, 4)))]
    rows = [[ident, draw(_TEXTS), ";".join(draw(st.lists(st.sampled_from(FIELDS), min_size=1,
                                                         max_size=2, unique=True))),
             *(draw(st.sampled_from(places)) if draw(st.booleans()) else ("", None))]
            for ident in ids]
    every = first + ids
    relations = [[a, r, b, c] for a, r, b, c in draw(st.lists(st.tuples(
        st.sampled_from(every), st.sampled_from(sorted(RELATION_PROPERTIES)),
        st.sampled_from(every), st.sampled_from(["stated", "inferred"])),
        max_size=4, unique_by=lambda x: x[:3])) if a != b]
    again = draw(st.lists(st.sampled_from(stated), max_size=2, unique=True)) if stated else []
    relations += [[a, r, b, "inferred" if c == "stated" else "stated"] for a, r, b, c in again
                  if (a, r, b) not in {(x, y, z) for x, y, z, _c in relations}]
    part = draw(st.tuples(st.sampled_from(first), st.sampled_from(ids)))
    if not any(x[0] == part[0] and x[2] == part[1] for x in relations):
        relations.append([part[0], "part_of", part[1], "stated"])
    effects = [[i, e, p, m] for i, e, p, m in draw(st.lists(st.tuples(
        st.sampled_from(every), st.sampled_from(EFFECTS), st.sampled_from(["risk", "benefit"]),
        st.sampled_from(["", "a plan"])), max_size=3))]
    return {"initiatives.csv": [["id", "name", "action_fields", "municipality", "region"],
                                *[[*r[:4], r[4] or ""] for r in rows]],
            "relations.csv": [["source_id", "relation", "target_id", "confidence"],
                              *relations],
            "side_effects.csv": [["initiative_id", "effect", "polarity", "mitigation"],
                                 *effects]}


@pytest.fixture(scope="module")
def random_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("random")


@settings(max_examples=40, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(doc=_documents())
def test_tables_made_from_any_records_are_the_stores(doc: dict[str, Any],
                                                     random_folder: Path) -> None:
    second = doc.pop("second")
    path = random_folder / "random.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    folder = random_folder / "second"
    folder.mkdir(exist_ok=True)
    for name, rows in second.items():
        with (folder / name).open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(rows)
    for paths in ([path], [path, folder]):
        try:
            with EmbeddedStore() as st:
                ingest(paths, st)
                expected = load_graph_data(st, cache=False)
                expected_types = stored_solution_types(st, initiatives=expected.initiatives)
        except InputError:
            reject()  # refused (say, a cycle of parts): nothing is prepared for it either
        problems: list[Problem] = []
        datasets = [check_dataset(read_dataset(p, problems, []), vocabulary(), problems, [],
                                  lambda ids: ids) for p in paths]
        assert not problems
        made = graph_data_from_records(datasets)
        _assert_same((made, solution_types_from_records(datasets, made.initiatives)),
                     (expected, expected_types))

