"""Each kind of bad input gives a located error, exit status 1, and an unchanged store."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from scgraph.errors import InputError
from scgraph.ingest import ingest
from scgraph.store import EmbeddedStore

Edit = Callable[[Path], None]


def _replace(name: str, old: str, new: str) -> Edit:
    def edit(folder: Path) -> None:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"fixture does not contain {old!r}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return edit


def _replace_bytes(name: str, old: bytes, new: bytes) -> Edit:
    def edit(folder: Path) -> None:
        path = folder / name
        path.write_bytes(path.read_bytes().replace(old, new, 1))
    return edit


def _write(name: str, data: bytes) -> Edit:
    def edit(folder: Path) -> None:
        (folder / name).write_bytes(data)
    return edit


# (case id, edit, expected text in the error: file:line, field, value)
CASES: list[tuple[str, Edit, list[str]]] = [
    ("missing-column",
     _replace("initiatives.csv", ",action_fields,", ",fields,"),
     ["initiatives.csv:1:", "field 'action_fields'", "required column missing"]),
    ("missing-value",
     _replace("initiatives.csv", "T-BUS,On-demand bus,", "T-BUS,,"),
     ["initiatives.csv:4:", "record 'T-BUS'", "field 'name'", "required value is missing"]),
    ("duplicate-id",
     _replace("initiatives.csv", "T-LONE,Smart benches", "T-BUS,Smart benches"),
     ["initiatives.csv:5:", "field 'id'", "duplicate id 'T-BUS'", "initiatives.csv:4"]),
    ("unknown-field",
     _replace("initiatives.csv", "2020,environment,", "2020,environment;space_travel,"),
     ["initiatives.csv:5:", "field 'action_fields'", "'space_travel' is not a known action field"]),
    ("unknown-relation",
     _replace("relations.csv", "T-BUS,cooperates_with,T-APP", "T-BUS,is_friends_with,T-APP"),
     ["relations.csv:4:", "field 'relation'", "'is_friends_with' is not a known relation type"]),
    ("unknown-polarity",
     _replace("side_effects.csv", "emissions_reduction,benefit", "emissions_reduction,good"),
     ["side_effects.csv:3:", "field 'polarity'", "'good' is not a polarity",
      "expected risk or benefit"]),
    ("dangling-relation",
     _replace("relations.csv", "T-HUB,supports,T-BUS", "T-HUB,supports,T-NOPE"),
     ["relations.csv:3:", "field 'target_id'", "'T-NOPE' refers to no known initiative"]),
    ("dangling-depends-on",
     _replace("initiatives.csv", "participation,Stadt Musterstadt,Shows services and data of "
              "the hub.,T-HUB", "participation,Stadt Musterstadt,Shows services and data of "
              "the hub.,T-HUB;T-GONE"),
     ["initiatives.csv:3:", "record 'T-APP'", "field 'depends_on'", "'T-GONE' refers to no"]),
    ("dangling-side-effect",
     _replace("side_effects.csv", "T-HUB,data_protection", "T-HBU,data_protection"),
     ["side_effects.csv:2:", "field 'initiative_id'", "'T-HBU' refers to no known initiative"]),
    ("year-not-a-number",
     _replace("initiatives.csv", "Testprogramm,2021,", "Testprogramm,20x9,"),
     ["initiatives.csv:2:", "field 'year'", "'20x9' is not a year",
      "expected a year from 1800 to 2200, e.g. 2021"]),
    ("funding-not-a-number",
     _replace("initiatives.csv", "1000000,1500000", "8 M,1500000"),
     ["initiatives.csv:2:", "field 'funding_federal_eur'", "'8 M' is not an amount in euros"]),
    ("malformed-quoting",
     _replace("initiatives.csv", '"Central data platform, with ""open"" data."',
              '"Central data platform, with "open" data."'),
     ["initiatives.csv:2:", "malformed CSV"]),
    ("invalid-utf8",
     _replace_bytes("initiatives.csv", b"Smart benches", b"Smart b\xe4nches"),
     ["initiatives.csv:5:", "invalid UTF-8"]),
    ("empty-file", _write("relations.csv", b""),
     ["relations.csv:", "file is empty"]),
    ("empty-initiatives", _write("initiatives.csv", b"\n\n"),
     ["initiatives.csv:", "file is empty", "expected a header line"]),
]


@pytest.fixture(scope="module")
def mpsc_store(tmp_path_factory: pytest.TempPathFactory, mpsc_path: Path) -> tuple[Path, bytes]:
    """A store holding the real MPSC data, made once, and its N-Quads export."""
    store_dir = tmp_path_factory.mktemp("mpsc") / "store"
    with EmbeddedStore(store_dir) as st:
        ingest([mpsc_path], st)
        before = st.export("nq")
    return store_dir, before


@pytest.fixture
def seeded(tmp_path: Path, mpsc_store: tuple[Path, bytes]) -> tuple[Path, bytes]:
    """A fresh copy of the MPSC store."""
    store_dir = tmp_path / "store"
    shutil.copytree(mpsc_store[0], store_dir)
    return store_dir, mpsc_store[1]


@pytest.mark.parametrize(("edit", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_located_and_store_unchanged(
        edit: Edit, expected: list[str], tmp_path: Path, small_path: Path,
        seeded: tuple[Path, bytes], cli) -> None:
    bad = tmp_path / "small"
    shutil.copytree(small_path, bad)
    edit(bad)
    store_dir, before = seeded
    result = cli("ingest", "--store", store_dir, bad)
    assert result.code == 1, result.err
    assert "Traceback" not in result.err
    for text in expected:
        assert text in result.err, f"{text!r} not in:\n{result.err}"
    assert "nothing was written" in result.err
    with EmbeddedStore(store_dir, read_only=True) as st:
        assert st.export("nq") == before


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path, small_path: Path) -> None:
    bad = tmp_path / "small"
    shutil.copytree(small_path, bad)
    _replace("initiatives.csv", "Testprogramm,2021,", "Testprogramm,20x9,")(bad)
    _replace("relations.csv", "T-BUS,cooperates_with", "T-BUS,likes")(bad)
    _replace("side_effects.csv", "emissions_reduction,benefit", "emissions_reduction,maybe")(bad)
    with EmbeddedStore() as st:
        with pytest.raises(InputError) as info:
            ingest([bad], st)
        assert st.graphs() == []
    fields = sorted((Path(p.file or "").name, p.line, p.field) for p in info.value.problems)
    assert fields == [("initiatives.csv", 2, "year"), ("relations.csv", 4, "relation"),
                      ("side_effects.csv", 3, "polarity")]


def test_a_second_bad_dataset_in_the_run_blocks_the_good_one(
        tmp_path: Path, small_path: Path, mpsc_path: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(small_path, bad)
    _replace("initiatives.csv", "Testprogramm,2021,", "Testprogramm,20x9,")(bad)
    with EmbeddedStore(tmp_path / "store") as st:
        with pytest.raises(InputError):
            ingest([mpsc_path, bad], st)
        assert st.graphs() == []
        assert len(st) == 0


# --- the corpus: tests/bad_inputs/cases.yaml ------------------------------------------------

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MANIFEST: list[dict[str, Any]] = yaml.safe_load((CORPUS / "cases.yaml").read_text("utf-8"))
_TWO_ROWS = ("id,name,year,action_fields,description\n"
             "X-HUB,Data hub,2021,digital_infrastructure,A hub.\n"
             "X-APP,City app,2022,participation,{}\n")


def _huge_cell(size: int) -> Callable[[Path, str], list[Path]]:
    def setup(tmp: Path, case: str) -> list[Path]:
        folder = tmp / case
        folder.mkdir()
        (folder / "initiatives.csv").write_text(_TWO_ROWS.format("x" * size), "utf-8")
        return [folder]
    return setup


def _symlink_loop_dataset(tmp: Path, case: str) -> list[Path]:
    (tmp / "loop").symlink_to("loop")
    return [tmp / "loop"]


def _symlink_loop_in(name: str) -> Callable[[Path, str], list[Path]]:
    def setup(tmp: Path, case: str) -> list[Path]:
        folder = tmp / case
        shutil.copytree(FIXTURES / "small", folder)
        (folder / name).unlink()
        (folder / name).symlink_to(name)
        return [folder]
    return setup


def _name_not_utf8(tmp: Path, case: str) -> list[Path]:
    folder = tmp / os.fsdecode(b"city-\xff")  # a name written in Latin-1, say
    shutil.copytree(FIXTURES / "small", folder)
    return [folder]


SETUPS: dict[str, Callable[[Path, str], list[Path]]] = {
    "name_not_utf8": _name_not_utf8,
    "huge_cell_200k": _huge_cell(200_000),
    "huge_cell_2m": _huge_cell(2_000_000),
    "symlink_loop_dataset": _symlink_loop_dataset,
    "symlink_loop_relations": _symlink_loop_in("relations.csv"),
    "symlink_loop_initiatives": _symlink_loop_in("initiatives.csv"),
}


def test_corpus_manifest_lists_every_case_once() -> None:
    """Every file or folder in tests/bad_inputs is a case (or part of one), and vice versa."""
    ids = [c["id"] for c in MANIFEST]
    assert len(ids) == len(set(ids)) >= 40
    used: set[str] = set()
    for case in MANIFEST:
        assert set(case) <= {"id", "path", "setup", "exit", "expect", "absent", "note"}, case
        assert case["exit"] in (0, 1, 2), case
        assert case["expect"], case
        assert (case["exit"] == 0) == ("note" in case), f"{case['id']}: accepted cases say why"
        if "setup" in case:
            assert case["setup"] in SETUPS
            continue
        paths = case.get("path", case["id"])
        used.update([paths] if isinstance(paths, str) else paths)
    on_disk = {p.name for p in CORPUS.iterdir()} - {"cases.yaml"}
    assert used == on_disk
    formats = {"csv" if c["id"].startswith(("csv", "dup", "symlink")) else c["id"][:4]
               for c in MANIFEST}
    assert formats == {"csv", "yaml", "json", "rdf-"}


@pytest.mark.parametrize("case", MANIFEST, ids=[c["id"] for c in MANIFEST])
def test_corpus_case(case: dict[str, Any], tmp_path: Path, seeded: tuple[Path, bytes],
                     cli) -> None:
    """The case's exit status and located messages; the store is unchanged unless accepted."""
    if "setup" in case:
        paths = SETUPS[case["setup"]](tmp_path, case["id"])
    else:
        rel = case.get("path", case["id"])
        paths = [CORPUS / p for p in ([rel] if isinstance(rel, str) else rel)]
    store_dir, before = seeded
    result = cli("ingest", "--store", store_dir, *paths)
    output = result.err + result.out
    assert result.code == case["exit"], output
    assert "Traceback" not in output
    for text in case["expect"]:
        assert text in output, f"{text!r} not in:\n{output}"
    for text in case.get("absent", []):
        assert text not in output, f"{text!r} in:\n{output}"
    with EmbeddedStore(store_dir, read_only=True) as st:
        after = st.export("nq")
    if case["exit"] == 0:
        # the other datasets are untouched (the ontology graph is rewritten, same triples)
        mpsc = b"<https://w3id.org/scgraph/graph/mpsc> ."
        assert [q for q in after.splitlines() if q.endswith(mpsc)] == \
            [q for q in before.splitlines() if q.endswith(mpsc)]
        assert len(after) > len(before)
    else:
        assert after == before
