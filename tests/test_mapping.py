"""Records map to the same triples every time; the golden file was read line by line."""

from __future__ import annotations

from pathlib import Path

from scgraph.errors import Problem
from scgraph.ingest.checks import CheckedDataset, check_dataset
from scgraph.ingest.mapping import literal, map_dataset
from scgraph.ingest.readers import read_dataset
from scgraph.ingest.records import Initiative, Location, Relation, SideEffect
from scgraph.ontology import vocabulary

GOLDEN = Path(__file__).resolve().parent / "golden" / "small.nt"


def _mapped(path: Path) -> list[str]:
    problems: list[Problem] = []
    warnings: list[Problem] = []
    checked = check_dataset(read_dataset(path, problems, warnings), vocabulary(), problems,
                            warnings)
    assert problems == []
    return sorted(map_dataset(checked).triples)


def test_small_dataset_matches_the_golden_triples(small_path: Path) -> None:
    """tests/golden/small.nt: each line was checked against tests/fixtures/small/*.csv.

    To regenerate after a deliberate change of the mapping, write ``_mapped(small)``
    to the file and read the diff before committing it.
    """
    assert "".join(_mapped(small_path)) == GOLDEN.read_text(encoding="utf-8")


def test_mapping_is_deterministic(small_path: Path) -> None:
    assert _mapped(small_path) == _mapped(small_path)


def test_literal_escapes_everything_n_triples_needs() -> None:
    assert literal('a"b\\c\nd\re\tf\x01g') == '"a\\"b\\\\c\\nd\\re\\tf\\u0001g"'
    assert literal("Straße", lang="de") == '"Straße"@de'


def test_each_line_is_written_once(mpsc_path: Path) -> None:
    """Shared places and repeated list values give no repeated line (the count is honest)."""
    lines = _mapped(mpsc_path)
    assert len(lines) == len(set(lines)) > 7000
    at = Location("t.csv", 2)
    twice = ["a", "a"]
    ds = CheckedDataset("t", initiatives=[
        Initiative(i, i, at, ["energy", "energy"], municipality="Ulm", region="BW",
                   country="DE", programme="P", actors=["X", "X", "Y"],
                   solution_types=["app", "app"], sources=["https://s", "https://s"])
        for i in ("i1", "i2")],
        relations=[Relation("i1", "depends_on", "i2", at, sources=twice)],
        side_effects=[SideEffect("i1", "surveillance", "risk", at,
                                 affects_fields=["energy", "energy"], sources=twice)])
    lines = map_dataset(ds).triples
    assert len(lines) == len(set(lines))
    said = "".join(lines)
    assert said.count("ontology#country>") == 1
    assert said.count("ontology#inRegion>") == 1
    assert said.count("ontology#hasActor>") == 4
    assert said.count("ontology#actionField>") == 2
    assert said.count("ontology#affectsField>") == 1
    assert said.count("/terms/source>") == 4
