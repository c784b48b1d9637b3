"""The command line: exit codes, help, documentation of every command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from scgraph.cli import app
from scgraph.errors import StoreError
from scgraph.namespaces import SCREENING_GRAPH

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    return sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_every_command_has_help(cli) -> None:
    for name in _commands():
        result = cli(name, "--help")
        assert result.code == 0, name
        assert "Usage: scgraph" in result.out


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [c for c in _commands() if f"scgraph {c}" not in readme]
    assert missing == []


def test_usage_error_exits_2(cli) -> None:
    result = cli("stats", "--format", "yaml")
    assert result.code == 2
    assert "Invalid value" in result.err


def test_missing_store_is_a_clear_error(cli, tmp_path: Path) -> None:
    result = cli("stats", "--store", tmp_path / "nowhere")
    assert result.code == 2
    assert "no store here yet" in result.err
    assert "scgraph ingest" in result.err


def test_a_file_or_another_folder_given_as_store_is_said_to_hold_none(
        cli, tmp_path: Path, small_path: Path) -> None:
    """Not "run ingest first": ingest refuses such a path too."""
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    for command in (["stats"], ["ingest", small_path]):
        file = cli(*command, "--store", tmp_path / "notes.txt")
        folder = cli(*command, "--store", tmp_path)
        assert (file.code, folder.code) == (2, 2)
        assert "notes.txt: is a file" in file.err
        assert "holds no store" in folder.err
        assert "no store here yet" not in file.err + folder.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("command", [["screen"], ["reason", "--materialize"],
                                     ["reason", "--drop"], ["reason", "--check"],
                                     ["drop", "small"]])
def test_only_ingest_makes_a_store(cli, tmp_path: Path, command: list[str]) -> None:
    """Only ingest makes a store: a mistyped --store is said, not filled with rules."""
    (tmp_path / "empty").mkdir()
    for where in (tmp_path / "nowhere", tmp_path / "empty"):
        result = cli(*command, "--store", where)
        assert result.code == 2
        assert f"{where}: no store here yet" in result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]
    assert list((tmp_path / "empty").iterdir()) == []


def test_drop_says_what_it_dropped_and_what_is_stale(cli, small_path: Path) -> None:
    assert cli("ingest", small_path).code == 0
    assert cli("screen").code == 0
    refused = cli("drop", "small", "elsewhere")
    assert refused.code == 2
    assert "no dataset 'elsewhere' in the store" in refused.err
    assert "small" in cli("stats", "--format", "json").out
    table = cli("stats").out
    assert "dataset small: Small test dataset (159 triples)" in table
    assert f"graph {SCREENING_GRAPH} (" in table  # what screen made, beside the datasets
    dropped = cli("drop", "small")
    assert dropped.code == 0
    assert "dropped small (" in dropped.out
    assert "run `scgraph screen` again" in dropped.err
    stats = cli("stats", "--format", "json")
    assert '"datasets": []' in stats.out
    # and later commands go on saying so, until the screening graph is made again
    assert "the screening graph (" in stats.err
    assert "was made from dataset small, which is no longer in the store" in stats.err


def test_drop_by_force_says_which_references_it_left_dangling(cli, tmp_path: Path,
                                                              small_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "initiatives.csv").write_text(
        "id,name,action_fields,depends_on\nO-1,Other,energy,T-HUB;T-APP\n", encoding="utf-8")
    assert cli("ingest", small_path, other).code == 0
    dropped = cli("drop", "small", "--force")
    assert dropped.code == 0
    assert "note: other still refers to T-APP, T-HUB, no longer in the store" in dropped.err


def test_stats_and_ingest_say_which_made_graphs_are_stale(cli, tmp_path: Path,
                                                          small_path: Path) -> None:
    from scgraph.store import EmbeddedStore

    assert cli("ingest", small_path).code == 0
    assert cli("screen").code == 0
    assert "note:" not in cli("stats").err
    with EmbeddedStore(tmp_path / ".scgraph") as st:  # as an earlier version made it
        st._store.update(f"DELETE WHERE {{ GRAPH <{SCREENING_GRAPH}> {{ ?g "
                         "<http://www.w3.org/ns/prov#generatedAtTime> ?t } }")
    note = ("note: the screening graph does not say when it was made (an earlier version of "
            "scgraph made it); run `scgraph screen` again")
    assert note in cli("stats").err
    assert note in cli("stats", "--format", "json").err
    assert note in cli("ingest", small_path).err


def test_missing_dataset_path(cli, tmp_path: Path) -> None:
    result = cli("ingest", tmp_path / "nothing-here")
    assert result.code == 2
    assert "no such file or folder" in result.err


def test_folder_without_initiatives(cli, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = cli("validate", tmp_path / "empty")
    assert result.code == 1
    assert "the folder has no initiatives.csv" in result.err


def test_validate_writes_nothing(cli, tmp_path: Path, small_path: Path) -> None:
    result = cli("validate", small_path)
    assert result.code == 0, result.err
    assert "valid: small" in result.out
    assert not (tmp_path / ".scgraph").exists()
    # a --store that holds no store is said, not left out
    named = cli("validate", "--store", tmp_path / "nowhere", small_path)
    assert named.code == 2
    assert f"{tmp_path / 'nowhere'}: no store here yet" in named.err


def test_second_writer_is_refused(cli, tmp_path: Path, small_path: Path) -> None:
    from scgraph.store import EmbeddedStore

    with EmbeddedStore(tmp_path / "held"):
        result = cli("ingest", "--store", tmp_path / "held", small_path)
    assert result.code == 2
    assert "store is in use by process" in result.err


def test_installed_console_script_runs(tmp_path: Path, small_path: Path) -> None:
    exe = Path(sys.executable).with_name("scgraph")
    if not exe.exists():
        pytest.fail(f"console script not installed next to {sys.executable}")
    proc = subprocess.run([str(exe), "ingest", "--store", str(tmp_path / "s"), str(small_path)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run([str(exe), "validate", str(tmp_path / "missing")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_commands_start_without_what_they_do_not_use() -> None:
    # `scgraph analyze`, `report`, `query`: rdflib and the ingest pipeline (0.2 s to
    # import) come only with `ingest` and `validate`, networkx (0.15 s) only with the
    # functions that build its graphs
    code = ("import sys, scgraph.cli, scgraph.analytics, scgraph.reports; print(sorted("
            "m for m in ('networkx', 'rdflib', 'scgraph.ingest.pipeline') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert proc.stdout.strip() == "[]"
    proc = subprocess.run([sys.executable, "-c", "import scgraph.ingest as i; i.ingest; "
                           "import sys; print('rdflib' in sys.modules)"],
                          capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "True"


def test_a_refused_ingest_leaves_no_new_store_behind(cli, tmp_path: Path) -> None:
    # the refused run said "nothing was written", yet left a store folder
    data = tmp_path / "ds"
    data.mkdir()
    (data / "initiatives.csv").write_text("id,name,action_fields\nA,,energy\n")
    store = tmp_path / "new" / "deeper" / "store"
    result = cli("ingest", "--store", store, data)
    assert result.code == 1
    assert not (tmp_path / "new").exists()
    existing = tmp_path / "existing"
    existing.mkdir()
    assert cli("ingest", "--store", existing, data).code == 1
    assert existing.is_dir()  # a folder that was there stays


def test_a_refused_ingest_removes_only_what_it_made(cli, tmp_path: Path, small_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Another run may make a store beside the new one, or win the race for the new one
    itself; the refused run removed the whole new folder, and the other store with it."""
    import scgraph.cli
    import scgraph.ingest

    data = tmp_path / "ds"
    data.mkdir()
    (data / "initiatives.csv").write_text("id,name,action_fields\nA,,energy\n")
    real_ingest = scgraph.ingest.ingest

    def beside(paths, st, **kwargs):  # type: ignore[no-untyped-def]
        subprocess.run([sys.executable, "-m", "scgraph", "ingest", "--store",
                        str(tmp_path / "proj" / "b"), str(small_path)], check=True)
        return real_ingest(paths, st, **kwargs)

    monkeypatch.setattr(scgraph.ingest, "ingest", beside)
    assert cli("ingest", "--store", tmp_path / "proj" / "a", data).code == 1
    assert sorted(p.name for p in (tmp_path / "proj").iterdir()) == ["b"]
    monkeypatch.setattr(scgraph.ingest, "ingest", real_ingest)
    assert "initiatives" in cli("stats", "--store", tmp_path / "proj" / "b").out

    real_connect = scgraph.cli.connect

    def lost_the_race(store, **kwargs):  # type: ignore[no-untyped-def]
        with real_connect(store, **kwargs) as st:  # the other run's store, made meanwhile
            real_ingest([small_path], st)
        raise StoreError(f"{store}: store is in use by process 1")

    monkeypatch.setattr(scgraph.cli, "connect", lost_the_race)
    assert cli("ingest", "--store", tmp_path / "race" / "st", data).code == 2
    monkeypatch.setattr(scgraph.cli, "connect", real_connect)
    assert "4 " in cli("stats", "--store", tmp_path / "race" / "st").out


@pytest.mark.parametrize("args", [["query", "--list"], ["analyze", "isolated"],
                                  ["query", "relations_by_type", "--format", "csv"],
                                  ["export"]])
def test_a_reader_that_stops_reading_is_no_error(mpsc_store_path: Path,
                                                 args: list[str]) -> None:
    # `scgraph ... | head`: the command exited with 1, which means invalid input data
    import os

    read, write = os.pipe()
    os.close(read)  # the reader has gone before the first byte
    try:
        done = subprocess.run([sys.executable, "-m", "scgraph", *args, *(
            [] if args == ["query", "--list"] else ["--store", str(mpsc_store_path)])],
            stdout=write, stderr=subprocess.PIPE, text=True, timeout=120, check=False)
    finally:
        os.close(write)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr


def test_text_of_the_data_is_printed_as_written(cli, tmp_path: Path) -> None:
    """The consoles turned ':smile:' in a title or name into an emoji in stats, analyze
    --format json and the messages."""
    folder = tmp_path / "emoji"
    folder.mkdir()
    (folder / "dataset.yaml").write_text("title: 'Test :smile: data'\n", encoding="utf-8")
    (folder / "initiatives.csv").write_text(
        "id,name,action_fields,source\nA,Magnetic :thumbs_up: parking,mobility,"
        "https://example.org/a\n", encoding="utf-8")
    ingested = cli("ingest", folder)
    assert ingested.code == 0, ingested.err
    stats = json.loads(cli("stats", "--format", "json").out)
    assert "Test :smile: data" in json.dumps(stats, ensure_ascii=False)
    rows = json.loads(cli("analyze", "isolated", "--format", "json").out)
    assert [r["name"] for r in rows] == ["Magnetic :thumbs_up: parking"]
    table = cli("analyze", "isolated").out
    assert "Magnetic :thumbs_up: parking" in table


@pytest.mark.parametrize("args", [["stats"], ["analyze", "isolated", "--format", "csv"],
                                  ["query", "--list"], ["ingest"]])
def test_output_that_cannot_be_written_is_an_error(args: list[str], tmp_path: Path,
                                                   mpsc_store_path: Path,
                                                   small_path: Path) -> None:
    """Standard output on a full disk (/dev/full) gave a traceback and exit 1, which says
    "invalid input, nothing was written" (and an ingest had written)."""
    if args == ["ingest"]:
        store = tmp_path / "new"
        args = ["ingest", str(small_path), "--store", str(store)]
    elif args[0] != "query":
        args = [*args, "--store", str(mpsc_store_path)]
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "scgraph", *args], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=300, check=False)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: writing failed: No space left on device"), last
    if args[0] == "ingest":  # said, and kept
        assert last.endswith("the command's write to the store had committed and is kept")
        assert (tmp_path / "new" / "CURRENT").is_file()
