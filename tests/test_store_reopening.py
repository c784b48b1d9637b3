"""ReopeningStore: reads a small store from a copy in memory that follows every write."""

from __future__ import annotations

from pathlib import Path

import pytest

from scgraph.errors import StoreError, UsageError
from scgraph.queries import list_queries, run_query
from scgraph.store import EmbeddedStore, ReopeningStore

G = "http://example.org/g"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _triples(n: int) -> bytes:
    return b"".join(f"<http://s/{i}> <http://p> <http://o> .\n".encode() for i in range(n))


def _count(store: EmbeddedStore | ReopeningStore) -> int:
    return int(store.select(COUNT).rows[0][0].value)


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of quads of each copy made."""
    made: list[int] = []
    real = EmbeddedStore.snapshot

    def snapshot(self: EmbeddedStore) -> EmbeddedStore:
        copy = real(self)
        made.append(len(copy))
        return copy

    monkeypatch.setattr(EmbeddedStore, "snapshot", snapshot)
    return made


def test_one_copy_serves_until_a_write(tmp_path: Path, copies: list[int]) -> None:
    path = tmp_path / "s"
    with EmbeddedStore(path) as st:
        st.replace_graphs({G: _triples(3)})
    view = ReopeningStore(path)
    assert [_count(view), _count(view), view.graphs()] == [3, 3, [G]]
    assert copies == [3]
    with EmbeddedStore(path) as st:
        st.replace_graphs({G: _triples(5)})
    assert [_count(view), _count(view)] == [5, 5]
    assert copies == [3, 5]
    with EmbeddedStore(path) as st:
        st.drop_graphs([G])
    assert _count(view) == 0
    assert copies == [3, 5, 0]


def test_a_store_above_the_limit_is_opened_for_each_query(tmp_path: Path,
                                                          copies: list[int]) -> None:
    path = tmp_path / "s"
    with EmbeddedStore(path) as st:
        st.replace_graphs({G: _triples(3)})
    view = ReopeningStore(path, snapshot_bytes=0)
    assert _count(view) == 3
    with EmbeddedStore(path) as st:
        st.replace_graphs({G: _triples(4)})
    assert _count(view) == 4
    assert copies == []


def test_the_copy_answers_every_named_query_as_the_disk_does(mpsc_store_path: Path,
                                                              copies: list[int]) -> None:
    view = ReopeningStore(mpsc_store_path)
    with EmbeddedStore(mpsc_store_path, read_only=True) as disk:
        for q in list_queries():
            params = {p.name: p.example for p in q.parameters}
            expected = run_query(disk, q, params)
            assert run_query(view, q, params).rows == expected.rows, q.name
        assert copies == [len(disk)]


def test_a_copy_only_reads() -> None:
    with EmbeddedStore() as st:
        st.replace_graphs({G: _triples(2)})
        copy = st.snapshot()
    assert _count(copy) == 2
    with pytest.raises(UsageError, match="read-only"):
        copy.replace_graphs({G: _triples(1)})


def test_no_store_is_an_error_that_creates_nothing(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    for path in (tmp_path / "none", tmp_path / "empty"):
        with pytest.raises(StoreError, match="no store here yet"):
            ReopeningStore(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]
    assert list((tmp_path / "empty").iterdir()) == []
