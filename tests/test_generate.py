"""Tests for the seeded synthetic dataset generator (benchmarks/generate.py)."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import csv  # noqa: E402
import doctest  # noqa: E402
from collections import Counter  # noqa: E402

import pytest  # noqa: E402
from benchmarks import generate as gen  # noqa: E402

FILES = ("initiatives.csv", "relations.csv", "side_effects.csv", "dataset.yaml")
RELATIONS = {"part_of", *gen.DIRECTED_RELATIONS, *gen.SYMMETRIC_RELATIONS}
N = 2000


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def items(cell: str) -> list[str]:
    return [p for p in cell.split(";") if p]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, str]]]:
    out = gen.generate(N, tmp_path_factory.mktemp("syn") / "ds")
    return {
        name: read(out / f"{name}.csv") for name in ("initiatives", "relations", "side_effects")
    }


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    a = gen.generate(300, tmp_path / "a", seed=7)
    b = gen.generate(300, tmp_path / "b", seed=7)
    for name in FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_other_seed_gives_other_data(tmp_path: Path) -> None:
    a = gen.generate(300, tmp_path / "a", seed=1)
    b = gen.generate(300, tmp_path / "b", seed=2)
    for name in ("initiatives.csv", "relations.csv", "side_effects.csv"):
        assert (a / name).read_bytes() != (b / name).read_bytes(), name


def test_files_are_utf8_with_lf_line_endings(tmp_path: Path) -> None:
    out = gen.generate(200, tmp_path / "ds")
    for name in FILES:
        data = (out / name).read_bytes()
        data.decode("utf-8")
        assert b"\r" not in data, name
    meta = (out / "dataset.yaml").read_text(encoding="utf-8")
    for key in ("title:", "licence:", "sources:", "description:"):
        assert key in meta
    assert "synthetic" in meta.lower()


def test_the_metadata_is_read_without_warnings(tmp_path: Path) -> None:
    from scgraph.errors import Problem
    from scgraph.ingest.readers import read_dataset

    out = gen.generate(50, tmp_path / "ds")
    problems: list[Problem] = []
    warnings: list[Problem] = []
    ds = read_dataset(out, problems, warnings)
    assert problems == []
    assert warnings == []
    assert "Synthetic data" in ds.metadata["description"]


def test_row_counts_and_ids(dataset: dict[str, list[dict[str, str]]]) -> None:
    initiatives = dataset["initiatives"]
    assert len(initiatives) == N
    ids = [r["id"] for r in initiatives]
    assert len(set(ids)) == N
    projects = [i for i in ids if "-M" not in i]
    assert all(i.startswith("SYN-P") for i in ids)
    assert len(projects) == round(N * gen.PROJECT_SHARE)
    part_of = {
        r["source_id"]: r["target_id"] for r in dataset["relations"] if r["relation"] == "part_of"
    }
    measures = [i for i in ids if "-M" in i]
    assert sorted(part_of) == sorted(measures)
    assert all(part_of[m] == m.rsplit("-M", 1)[0] for m in measures)


def test_measures_share_their_projects_municipality(
    dataset: dict[str, list[dict[str, str]]],
) -> None:
    town = {r["id"]: r["municipality"] for r in dataset["initiatives"]}
    for r in dataset["relations"]:
        if r["relation"] == "part_of":
            assert town[r["source_id"]] == town[r["target_id"]], r
    towns = set(town.values())
    assert len(towns) == N // 20
    assert all(t and not t.isdigit() for t in towns)


def test_every_reference_resolves(dataset: dict[str, list[dict[str, str]]]) -> None:
    ids = {r["id"] for r in dataset["initiatives"]}
    for r in dataset["initiatives"]:
        assert set(items(r["depends_on"])) <= ids, r["id"]
        assert r["id"] not in items(r["depends_on"]), r["id"]
    for r in dataset["relations"]:
        assert r["source_id"] in ids, r
        assert r["target_id"] in ids, r
        assert r["source_id"] != r["target_id"], r
    for r in dataset["side_effects"]:
        assert r["initiative_id"] in ids, r


def test_values_are_valid(dataset: dict[str, list[dict[str, str]]]) -> None:
    fields = set(gen.ACTION_FIELDS)
    for r in dataset["initiatives"]:
        assert items(r["action_fields"]), r["id"]
        assert set(items(r["action_fields"])) <= fields, r["id"]
        assert 2017 <= int(r["year"]) <= 2025, r["id"]
        assert items(r["actors"]), r["id"]
        if "-M" not in r["id"]:
            assert r["region"] in gen.LAENDER, r["id"]
            assert int(r["funding_federal_eur"]) <= int(r["funding_total_eur"]), r["id"]
    for r in dataset["relations"]:
        assert r["relation"] in RELATIONS, r
        assert r["confidence"] in {"stated", "inferred"}, r
    for r in dataset["side_effects"]:
        assert r["polarity"] in {"risk", "benefit"}, r
        assert items(r["affects_fields"]), r
        assert set(items(r["affects_fields"])) <= fields, r
        assert r["effect"].isidentifier(), r
        assert r["effect"] == r["effect"].lower(), r


def test_no_duplicate_links(dataset: dict[str, list[dict[str, str]]]) -> None:
    triples = [(r["source_id"], r["relation"], r["target_id"]) for r in dataset["relations"]]
    triples += [
        (r["id"], "depends_on", t) for r in dataset["initiatives"] for t in items(r["depends_on"])
    ]
    assert len(triples) == len(set(triples))
    pairs = [frozenset((s, t)) for s, rel, t in triples if rel != "part_of"]
    assert len(pairs) == len(set(pairs))


def link_list(dataset: dict[str, list[dict[str, str]]]) -> list[tuple[str, str, str]]:
    links = [
        (r["source_id"], r["relation"], r["target_id"])
        for r in dataset["relations"]
        if r["relation"] != "part_of"
    ]
    links += [
        (r["id"], "depends_on", t) for r in dataset["initiatives"] for t in items(r["depends_on"])
    ]
    return links


def real_link_density() -> float:
    """Links other than part_of per initiative in data/mpsc, one per pair (about 0.1)."""
    real = REPO / "data" / "mpsc"
    data = {name: read(real / f"{name}.csv") for name in ("initiatives", "relations")}
    pairs = {frozenset((s, t)) for s, _, t in link_list(data)}
    return len(pairs) / len(data["initiatives"])


def test_dependency_density_follows_the_real_data(
    dataset: dict[str, list[dict[str, str]]],
) -> None:
    density = real_link_density()
    assert 0.05 < density < 0.2  # 24 pairs among 249 initiatives
    links = link_list(dataset)
    assert 0.8 * density <= len(links) / N <= 1.2 * density
    kinds = Counter(rel for _, rel, _ in links)
    assert set(kinds) == RELATIONS - {"part_of"}
    in_column = sum(len(items(r["depends_on"])) for r in dataset["initiatives"])
    in_file = sum(r["relation"] == "depends_on" for r in dataset["relations"])
    assert in_column > 0
    assert in_file > 0


def test_other_density(tmp_path: Path) -> None:
    out = gen.generate(500, tmp_path / "ds", dependency_density=0.5)
    data = {name: read(out / f"{name}.csv") for name in ("initiatives", "relations")}
    assert len(link_list(data)) == 250
    dense = gen.generate(N, tmp_path / "dense", dependency_density=1.5)
    data = {name: read(dense / f"{name}.csv") for name in ("initiatives", "relations")}
    assert len(link_list(data)) == 1.5 * N
    meta = (dense / "dataset.yaml").read_text(encoding="utf-8")
    assert "dependency_density=1.5\n" in meta
    assert f"# made: {int(1.5 * N)} links other than part_of" in meta


def test_links_mostly_within_a_municipality(dataset: dict[str, list[dict[str, str]]]) -> None:
    town = {r["id"]: r["municipality"] for r in dataset["initiatives"]}
    links = link_list(dataset)
    within = sum(town[s] == town[t] for s, _, t in links) / len(links)
    assert 0.6 < within < 0.98


def test_directed_links_form_no_cycle(dataset: dict[str, list[dict[str, str]]]) -> None:
    edges: dict[str, list[str]] = {}
    for s, rel, t in link_list(dataset):
        if rel in gen.DIRECTED_RELATIONS:
            edges.setdefault(s, []).append(t)
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    for root in edges:
        stack = [(root, iter(edges.get(root, ())))]
        if state.get(root):
            continue
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                pytest.fail(f"cycle through {child}")
            elif not state.get(child):
                state[child] = 1
                stack.append((child, iter(edges.get(child, ()))))


def test_isolated_single_field_initiatives_and_side_effects(
    dataset: dict[str, list[dict[str, str]]],
) -> None:
    linked = {x for s, _, t in link_list(dataset) for x in (s, t)}
    isolated = [
        r
        for r in dataset["initiatives"]
        if r["id"] not in linked and len(items(r["action_fields"])) == 1
    ]
    assert 0.1 * N < len(isolated) < 0.5 * N
    real = REPO / "data" / "mpsc"
    real_share = len({r["initiative_id"] for r in read(real / "side_effects.csv")}) / len(
        read(real / "initiatives.csv"))  # 26 of 249
    with_effects = {r["initiative_id"] for r in dataset["side_effects"]}
    assert 0.75 * real_share * N < len(with_effects) < 1.25 * real_share * N
    assert {r["polarity"] for r in dataset["side_effects"]} == {"risk", "benefit"}


def test_actors_are_reused(dataset: dict[str, list[dict[str, str]]]) -> None:
    uses = Counter(a for r in dataset["initiatives"] for a in items(r["actors"]))
    assert len(uses) <= N // 5
    assert uses.most_common(1)[0][1] > 1


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert gen.main(["--n", "100", "--out", str(tmp_path / "cli"), "--seed", "3"]) == 0
    assert "wrote 100 initiatives" in capsys.readouterr().out
    assert len(read(tmp_path / "cli" / "initiatives.csv")) == 100
    with pytest.raises(SystemExit) as exc:
        gen.main(["--n", "0", "--out", str(tmp_path / "bad")])
    assert exc.value.code == 2


@pytest.mark.parametrize("n", [1, 2, 25])
def test_tiny_datasets(tmp_path: Path, n: int) -> None:
    out = gen.generate(n, tmp_path / "tiny")
    assert len(read(out / "initiatives.csv")) == n


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        gen.generate(0, tmp_path)
    with pytest.raises(ValueError, match="negative"):
        gen.generate(10, tmp_path, dependency_density=-1)


def test_docstring_examples() -> None:
    result = doctest.testmod(gen)
    assert result.attempted > 0
    assert result.failed == 0
