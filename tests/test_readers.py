"""Readers keep physical line numbers and read the three input forms alike."""

from __future__ import annotations

from pathlib import Path

from scgraph.errors import Problem
from scgraph.ingest.readers import read_dataset


def _read(path: Path) -> tuple[object, list[Problem], list[Problem]]:
    problems: list[Problem] = []
    warnings: list[Problem] = []
    ds = read_dataset(path, problems, warnings)
    return ds, problems, warnings


def test_csv_folder_lines_and_values(small_path: Path) -> None:
    ds, problems, warnings = _read(small_path)
    assert problems == []
    assert warnings == []
    assert [(r.values["id"], r.loc.line) for r in ds.initiatives] == [  # type: ignore[attr-defined]
        ("T-HUB", 2), ("T-APP", 3), ("T-BUS", 4), ("T-LONE", 5)]
    hub = ds.initiatives[0]  # type: ignore[attr-defined]
    assert hub.text("description") == 'Central data platform, with "open" data.'
    assert hub.items("actors") == ["Stadt Musterstadt", "Stadtwerke Musterstadt GmbH"]
    assert ds.metadata["licence"] == "CC0-1.0"  # type: ignore[attr-defined]


def test_multiline_cell_reports_the_first_line_of_the_next_record(tmp_path: Path) -> None:
    (tmp_path / "initiatives.csv").write_text(
        'id,name,action_fields,description\n'
        'A,One,energy,"two\nlines"\n'
        'B,Two,energy,plain\n', encoding="utf-8")
    ds, problems, _ = _read(tmp_path)
    assert problems == []
    assert [r.loc.line for r in ds.initiatives] == [2, 4]  # type: ignore[attr-defined]


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    (tmp_path / "initiatives.csv").write_bytes(
        b"\xef\xbb\xbfid,name,action_fields\r\nA,One,energy\r\n")
    ds, problems, _ = _read(tmp_path)
    assert problems == []
    assert ds.initiatives[0].values == {"id": "A", "name": "One",  # type: ignore[attr-defined]
                                        "action_fields": "energy"}


def test_unknown_column_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "initiatives.csv").write_text("id,name,action_fields,colour\nA,B,energy,red\n",
                                              encoding="utf-8")
    _, problems, warnings = _read(tmp_path)
    assert problems == []
    assert [(w.field, w.line) for w in warnings] == [("colour", 1)]


def test_row_with_too_many_cells(tmp_path: Path) -> None:
    (tmp_path / "initiatives.csv").write_text("id,name,action_fields\nA,B,energy,extra\n",
                                              encoding="utf-8")
    _, problems, _ = _read(tmp_path)
    assert [(p.line, p.message) for p in problems] == [(2, "row has 4 cells, the header has 3")]


def test_yaml_records_carry_their_lines(small_path: Path) -> None:
    ds, problems, _ = _read(small_path.parent / "small.yaml")
    assert problems == []
    assert [(r.values["id"], r.loc.line, r.loc.path)  # type: ignore[attr-defined]
            for r in ds.initiatives][:2] == [  # type: ignore[attr-defined]
        ("T-HUB", 6, "initiatives[0]"), ("T-APP", 32, "initiatives[1]")]
    rel = ds.relations[0]  # type: ignore[attr-defined]
    assert rel.values["source_id"] == "T-HUB"
    assert rel.loc.path == "initiatives[0].relations[0]"


def test_yaml_plain_scalars_are_kept_as_written(tmp_path: Path) -> None:
    """As CSV cells and JSON numbers are: YAML 1.1 would read these as 83, 750, False,
    8.15, 1.1, 32768 and a date."""
    doc = tmp_path / "d.yaml"
    doc.write_text("initiatives:\n"
                   "  - {id: 0123, name: 08.15, action_fields: [energy, on], status: no,\n"
                   "     funding_total_eur: 0100000, description: 1.10, year: 2021-03-01}\n"
                   "  - {id: 12:30, name: ~, action_fields: energy, depends_on: [0x1F]}\n",
                   "utf-8")
    ds, problems, _ = _read(doc)
    assert problems == []
    first, second = (r.values for r in ds.initiatives)  # type: ignore[attr-defined]
    assert first == {"id": "0123", "name": "08.15", "action_fields": ["energy", "on"],
                     "status": "no", "funding_total_eur": "0100000", "description": "1.10",
                     "year": "2021-03-01"}
    assert second == {"id": "12:30", "action_fields": "energy", "depends_on": ["0x1F"]}


def test_json_syntax_error_is_located(tmp_path: Path) -> None:
    bad = tmp_path / "d.json"
    bad.write_text('{"initiatives": [\n  {"id": "A",}\n]}', encoding="utf-8")
    _, problems, _ = _read(bad)
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [(2, "malformed JSON")]


def test_yaml_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 13):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    lines.append("initiatives: [*m]")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines), encoding="utf-8")
    _, problems, _ = _read(bomb)
    assert len(problems) == 1
    assert "aliases" in problems[0].message


INITIATIVES = "id,name,action_fields\nA,One,energy\n"


def _metadata(tmp_path: Path, name: str, text: str) -> tuple[object, list[Problem],
                                                              list[Problem]]:
    (tmp_path / "initiatives.csv").write_text(INITIATIVES, encoding="utf-8")
    (tmp_path / name).write_text(text, encoding="utf-8")
    return _read(tmp_path)


def test_metadata_values_are_texts_and_sources_a_list(tmp_path: Path) -> None:
    """A list where one text is meant was written as Python's text of the list; a mapping
    of sources gave its keys (and a line number) as sources."""
    cases = {
        "title: [a, b]\n": ("title", "unsupported value of type list"),
        "description: {a: b}\n": ("description", "unsupported value of type dict"),
        "sources: {a: b}\n": ("sources", "unsupported value of type dict"),
        "sources: [a, [b]]\n": ("sources", "unsupported value of type list"),
        "Title: X\n": ("Title", "keys are lower case"),
    }
    for text, (key, message) in cases.items():
        _ds, problems, _ = _metadata(tmp_path, "dataset.yaml", text)
        assert [(p.field, p.message, p.line) for p in problems] == [(key, message, 1)], text
    ds, problems, warnings = _metadata(
        tmp_path, "dataset.yaml",
        "title: T\nlicence: [{name: CC-BY-4.0, path: https://x.org/l}, MIT]\n"
        "sources: [https://e.org/a, {path: https://e.org/b}, 2021 report]\ncolour: red\n")
    assert problems == []
    assert ds.metadata == {"title": "T", "licence": "CC-BY-4.0; MIT",  # type: ignore[attr-defined]
                           "sources": ["https://e.org/a", "https://e.org/b", "2021 report"]}
    assert [(w.field, w.message) for w in warnings] == [("colour", "unknown key is ignored")]


def test_a_data_packages_own_keys_are_not_warned_about(tmp_path: Path) -> None:
    ds, problems, warnings = _metadata(
        tmp_path, "datapackage.json",
        '{"name": "p", "profile": "data-package", "resources": [], '
        '"licenses": [{"name": "ODbL-1.0"}], "sources": [{"title": "Census"}]}')
    assert (problems, warnings) == ([], [])
    assert ds.metadata == {"name": "p", "licence": "ODbL-1.0",  # type: ignore[attr-defined]
                           "sources": ["Census"]}


def test_a_documents_metadata_is_checked_as_a_folders(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text("title: [a, b]\nSources: x\ninitiatives:\n"
                    "  - {id: A, name: One, action_fields: energy}\n", encoding="utf-8")
    _ds, problems, _ = _read(path)
    assert sorted((p.field, p.message) for p in problems) == [
        ("Sources", "keys are lower case"), ("title", "unsupported value of type list")]
