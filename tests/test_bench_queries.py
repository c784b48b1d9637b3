"""The query benchmark picks parameter values that its data holds.

At a synthetic size the headers' examples (data/mpsc record ids and names) match
nothing, so ``pick_parameters`` chooses values from the store. Checked here on data/mpsc:
every pick names something there, and its query then finds rows.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.bench_queries import PICKS, pick_parameters  # noqa: E402

from scgraph.namespaces import sparql_prefixes  # noqa: E402
from scgraph.queries import list_queries, load_query, run_query  # noqa: E402
from scgraph.store import EmbeddedStore  # noqa: E402


@pytest.fixture(scope="module")
def store(mpsc_store_path: Path) -> EmbeddedStore:
    return EmbeddedStore(mpsc_store_path, read_only=True)


def test_every_pick_names_a_query_parameter() -> None:
    params = {(q.name, p.name) for q in list_queries() for p in q.parameters}
    assert set(PICKS) <= params


@pytest.mark.parametrize(("query", "parameter"), sorted(PICKS))
def test_a_picked_value_finds_rows(store: EmbeddedStore, query: str, parameter: str) -> None:
    q = load_query(query)
    params = pick_parameters(store, q)
    example = {p.name: p.example for p in q.parameters}
    assert params.keys() == example.keys()
    rows = store.select(sparql_prefixes() + PICKS[query, parameter]).rows
    assert rows  # the pick finds a value: the example is not what is kept
    assert rows[0][0] is not None
    assert params[parameter] == rows[0][0].value
    assert len(run_query(store, q, params)) > 0


def test_the_busiest_initiative_is_picked(store: EmbeddedStore) -> None:
    """By hand: in data/mpsc/relations.csv MPSC-GT (Gütersloh) is in 7 rows (its seven
    measures' part_of); no other id is in more than 6, and the initiatives' depends_on
    column only repeats rows listed there."""
    q = load_query("initiative_interactions")
    params = pick_parameters(store, q)
    assert params == {"initiative": "MPSC-GT"}
    assert len(run_query(store, q, params)) == 7


def test_parameters_without_a_pick_keep_their_example(store: EmbeddedStore) -> None:
    q = load_query("initiatives_in_field_and_region")
    assert pick_parameters(store, q) == {p.name: p.example for p in q.parameters}
