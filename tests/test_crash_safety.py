"""SIGKILL during `scgraph ingest`: the store keeps the old dataset or holds the new one, whole.

The datasets are two seeded synthetic versions (benchmarks/generate.py, 1,000 initiatives,
about 35,000 triples each), mapped once and written as N-Quads, so that every run of
`scgraph ingest` spends its time in the store: reading, loading the staging graphs, the
MOVE update, the flush. (Checking a CSV dataset writes nothing, so killing it there could
not show anything.)
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # benchmarks/ is not installed
    sys.path.insert(0, str(REPO))

import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402

import pyoxigraph as ox  # noqa: E402
import pytest  # noqa: E402
from benchmarks.generate import generate  # noqa: E402

from scgraph.errors import Problem  # noqa: E402
from scgraph.ingest.checks import check_dataset  # noqa: E402
from scgraph.ingest.mapping import map_dataset  # noqa: E402
from scgraph.ingest.readers import read_dataset  # noqa: E402
from scgraph.namespaces import dataset_graph_iri  # noqa: E402
from scgraph.ontology import vocabulary  # noqa: E402
from scgraph.stats import store_stats  # noqa: E402
from scgraph.store import EmbeddedStore  # noqa: E402
from scgraph.store.embedded import LOCK_FILE  # noqa: E402

GRAPH = dataset_graph_iri("syn")
N = 1000
KILLS = 20


def _version_as_nquads(n: int, seed: int, out: Path) -> tuple[Path, frozenset[str]]:
    """One version of the dataset as an .nq file, and its set of N-Triples lines."""
    folder = generate(n, out / f"v{seed}" / "syn", seed=seed)
    problems: list[Problem] = []
    raw = read_dataset(folder, problems, [])
    checked = check_dataset(raw, vocabulary(), problems, [])
    assert not problems
    lines = map_dataset(checked).triples
    path = out / f"syn-{seed}.nq"
    path.write_text("".join(t[:-2] + f"<{GRAPH}> .\n" for t in lines), "utf-8")
    mem = ox.Store()  # the store writes literals in canonical form: compare with that
    mem.load(path=str(path), format=ox.RdfFormat.N_QUADS)
    canonical = mem.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(GRAPH))
    return path, _triples(canonical or b"", ox.RdfFormat.N_TRIPLES)


def _triples(data: bytes, fmt: ox.RdfFormat) -> frozenset[str]:
    return frozenset(str(q.triple) for q in ox.parse(data, format=fmt))


def _held(store_dir: Path) -> frozenset[str]:
    """Open the store as the next writer would (dropping leftovers); the dataset's triples."""
    with EmbeddedStore(store_dir) as st:
        graphs = st.graphs()
        every = st.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").column("g")
        assert sorted(g for g in every if g) == graphs, "a staging graph was left behind"
        named = st.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").column("n")[0]
        assert len(st) == int(named or 0), "quads the named graphs do not account for"
        if GRAPH not in graphs:
            return frozenset()
        return _triples(st.export("nt", graph=GRAPH), ox.RdfFormat.N_TRIPLES)


_CHILDREN: list[subprocess.Popen[bytes]] = []


@pytest.fixture(autouse=True)
def _no_leftover_processes() -> Iterator[None]:
    """A failing test must not leave a writer running."""
    yield
    while _CHILDREN:
        proc = _CHILDREN.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _ingest(store_dir: Path, nq: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "scgraph", "ingest", "--store",
                             str(store_dir), str(nq)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _CHILDREN.append(proc)
    return proc


def _wait_for_lock(store_dir: Path, proc: subprocess.Popen[bytes]) -> float:
    """Wait until ``proc`` holds the store (its pid in the lock file); return that time."""
    lock = store_dir / LOCK_FILE
    while proc.poll() is None:
        try:
            if lock.read_text().strip() == str(proc.pid):
                break
        except OSError:
            pass
        time.sleep(0.002)
    return time.monotonic()


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, frozenset[str]]]:
    out = tmp_path_factory.mktemp("versions")
    return {"old": _version_as_nquads(N, 1, out), "new": _version_as_nquads(N, 2, out)}


def test_versions_differ(versions: dict[str, tuple[Path, frozenset[str]]]) -> None:
    old, new = versions["old"][1], versions["new"][1]
    assert len(old) > 15 * N
    assert len(new) > 15 * N
    assert old != new


def test_sigkill_during_ingest_leaves_old_or_new_dataset_whole(
        tmp_path: Path, versions: dict[str, tuple[Path, frozenset[str]]]) -> None:
    """20 seeded kills, alternating old -> new -> old ...; after each, exactly one version.

    The kill lands at a random moment between the child taking the store's lock and the
    time a whole run took (measured first), so it hits reading, staging, MOVE and flush.
    """
    store_dir = tmp_path / "store"
    proc = _ingest(store_dir, versions["old"][0])
    start = _wait_for_lock(store_dir, proc)
    assert proc.wait() == 0, proc.stderr.read() if proc.stderr else ""
    window = time.monotonic() - start
    assert _held(store_dir) == versions["old"][1]

    rng = random.Random(8)
    current, interrupted = "old", 0
    for i in range(KILLS):
        target = "new" if current == "old" else "old"
        proc = _ingest(store_dir, versions[target][0])
        _wait_for_lock(store_dir, proc)
        time.sleep(rng.uniform(0, window * 1.1))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        code = proc.wait()
        interrupted += code == -signal.SIGKILL
        assert code in (0, -signal.SIGKILL), proc.stderr.read() if proc.stderr else ""
        held = _held(store_dir)
        assert held in (versions[current][1], versions[target][1]), \
            f"kill {i}: the store holds {len(held)} triples, neither version whole"
        if code == 0:
            assert held == versions[target][1]
        current = "old" if held == versions["old"][1] else "new"
    assert interrupted >= KILLS // 2, f"only {interrupted} runs were killed before the end"


def _read_only_view(store_dir: Path) -> tuple[list[str], frozenset[str]]:
    """Every named graph a reader sees (before any writer undoes anything), and the
    dataset's triples."""
    with EmbeddedStore(store_dir, read_only=True) as st:
        every = sorted(g for g in st.select(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").column("g") if g)
        held = (_triples(st.export("nt", graph=GRAPH), ox.RdfFormat.N_TRIPLES)
                if GRAPH in every else frozenset())
    return every, held


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_ingest_undoes_its_write_before_it_exits(
        tmp_path: Path, versions: dict[str, tuple[Path, frozenset[str]]],
        sig: signal.Signals) -> None:
    """Ctrl-C or SIGTERM (`timeout`, a CI job cancelled) at random moments: the command
    says so and exits 130 or 143, having undone its write and removed its temporary files.
    Before, it left its staging graphs, and readers saw them until the next write: every
    triple twice, or a dataset that never committed."""
    store_dir = tmp_path / "store"
    spool = tmp_path / "tmp"
    spool.mkdir()
    env = {**os.environ, "TMPDIR": str(spool)}
    assert _ingest(store_dir, versions["old"][0]).wait() == 0
    every, _ = _read_only_view(store_dir)
    rng = random.Random(sig)
    current, stopped = "old", 0
    for _ in range(6):
        target = "new" if current == "old" else "old"
        proc = subprocess.Popen([sys.executable, "-m", "scgraph", "ingest", "--store",
                                 str(store_dir), str(versions[target][0])],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        _CHILDREN.append(proc)
        start = _wait_for_lock(store_dir, proc)
        time.sleep(rng.uniform(0, 0.8))
        if proc.poll() is None:
            proc.send_signal(sig)
        code = proc.wait()
        said = proc.stderr.read().decode() if proc.stderr else ""
        stopped += code != 0
        assert code in (0, 128 + sig), said
        word = "interrupted" if sig == signal.SIGINT else "terminated"
        kept = f"{word}; its write to the store had committed and is kept"
        if code:
            assert said.strip().splitlines()[-1] in (word, kept), said
        assert "Traceback" not in said
        graphs, held = _read_only_view(store_dir)
        assert graphs == every, f"after {time.monotonic() - start:.2f} s: {graphs}"
        # the message says which version the store holds: the new one only if committed
        written = code == 0 or said.strip().endswith(kept)
        assert held == versions[target if written else current][1], said
        current = target if written else current
        assert list(spool.iterdir()) == []
    assert stopped >= 3, f"only {stopped} runs were stopped before the end"


def test_a_signal_after_the_commit_says_the_write_is_kept(
        tmp_path: Path, versions: dict[str, tuple[Path, frozenset[str]]]) -> None:
    """SIGTERM that comes after the ingest committed (here: as the ingest returns) ends
    the command with 143, and the message says the data is in the store: it said only
    "terminated", as if nothing had been written."""
    store_dir = tmp_path / "store"
    script = (
        "import os, signal, sys, time\n"
        "import scgraph.ingest as ingest_module\n"
        "from scgraph.cli import main\n"
        "real = ingest_module.ingest\n"
        "def ingest(*args, **kwargs):\n"
        "    report = real(*args, **kwargs)\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    time.sleep(5)\n"
        "    return report\n"
        "ingest_module.ingest = ingest\n"
        "sys.exit(main(sys.argv[1:]))\n")
    result = subprocess.run([sys.executable, "-c", script, "ingest", "--store", str(store_dir),
                             str(versions["new"][0])], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 143, result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "terminated; its write to the store had committed and is kept")
    assert _held(store_dir) == versions["new"][1]


# --- concurrency: readers during a write, a second writer ----------------------------------------

def _scgraph(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scgraph", *args], capture_output=True,
                          text=True, timeout=300, check=False)


def test_second_writer_gets_store_in_use_by_pid(
        tmp_path: Path, versions: dict[str, tuple[Path, frozenset[str]]]) -> None:
    """While this process writes the store, `scgraph ingest` in another is refused, cleanly."""
    store_dir = tmp_path / "store"
    with EmbeddedStore(store_dir) as st:
        st.replace_graphs({GRAPH: versions["old"][0].read_bytes().replace(
            f" <{GRAPH}> .".encode(), b" .")})
        result = _scgraph("ingest", "--store", str(store_dir), str(versions["new"][0]))
        assert result.returncode == 2, result.stderr
        assert f"store is in use by process {os.getpid()}" in result.stderr
        assert "Traceback" not in result.stderr
    assert _held(store_dir) == versions["old"][1]


def test_readers_during_ingest_see_old_or_new_never_a_mix(
        tmp_path: Path, versions: dict[str, tuple[Path, frozenset[str]]]) -> None:
    """A writer process replaces old by new and back; this process reads all the while.

    Every read (export of the dataset graph, and `scgraph stats` in a third process) sees
    one version whole.
    """
    store_dir = tmp_path / "store"
    stats = {}
    for version in ("new", "old"):
        assert _ingest(store_dir, versions[version][0]).wait() == 0
        with EmbeddedStore(store_dir, read_only=True) as st:
            stats[version] = store_stats(st)
    assert stats["old"] != stats["new"]

    seen: dict[str, int] = {"old": 0, "new": 0}
    during = 0
    for target in ("new", "old"):
        writer = _ingest(store_dir, versions[target][0])
        stats_reader = subprocess.Popen(
            [sys.executable, "-m", "scgraph", "stats", "--store", str(store_dir), "--format",
             "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        while writer.poll() is None:
            with EmbeddedStore(store_dir, read_only=True) as st:
                held = _triples(st.export("nt", graph=GRAPH), ox.RdfFormat.N_TRIPLES)
            version = next(v for v in ("old", "new") if held == versions[v][1])
            seen[version] += 1
            during += writer.poll() is None
        out, err = stats_reader.communicate(timeout=300)
        assert stats_reader.returncode == 0, err
        assert json.loads(out) in stats.values()
        assert writer.returncode == 0
    assert during >= 3, "no read overlapped a write"
    assert seen["old"]
    assert seen["new"]
