"""Seeded synthetic datasets in scgraph's record format, for scale runs.

A generated folder has the same files and columns as ``data/mpsc``: ``initiatives.csv``,
``relations.csv``, ``side_effects.csv`` and ``dataset.yaml``. Its distributions are read
from ``data/mpsc`` when the generator runs:

- action fields: how often each field occurs, and how many fields an initiative has
  (separately for projects and for measures, and only over linked initiatives, so that
  the isolated single-field share below does not count twice);
- isolated single-field initiatives (no relation other than ``part_of``): their share
  per role;
- measures sharing a field with their project; start-year offset of measures;
- actors per initiative; project years and Bundesländer; federal funding amounts;
- the mix of relation types other than ``part_of`` and the share of ``inferred`` links;
- side effects: kinds, each kind's polarity, effects per initiative, fields per effect
  and how often a mitigation is named;
- how many links other than ``part_of`` there are per initiative (pairs joined by a
  relation or a ``depends_on`` entry; about 0.1 in ``data/mpsc``), and the share of
  initiatives that carry side effects (about 10 %).

Types and Länder that the real data lacks keep a small weight (add-one smoothing), so
every relation type and every one of the 16 Länder occurs at scale.

Structure: about 30 % projects (``SYN-P<n>``), each in one of ``n/20`` synthetic
municipalities, and about 70 % measures (``SYN-P<n>-M<k>``), each ``part_of`` its
project. On average ``dependency_density`` links per initiative (by default as many as in
``data/mpsc``; a higher value gives a denser dependency layer) join non-isolated
initiatives, mostly within a municipality; at most one link joins any pair. Directed
links (``depends_on``, ``integrates``, ``visualises_data_of``, ``supports``) follow one
random ranking of the initiatives, so they never form a cycle. Half of the
``depends_on`` links are written in the ``depends_on`` column, the rest in
``relations.csv``; every link is written once.

The same ``n``, ``seed``, ``dependency_density`` and ``data/mpsc`` files give
byte-identical output.

Usage::

    python -m benchmarks.generate --n 1000 --out /tmp/syn1k [--seed 42] [--dependency-density 1.5]

(without ``--dependency-density``, the density of ``data/mpsc``).

Examples
--------
>>> import tempfile
>>> out = generate(50, Path(tempfile.mkdtemp()) / "syn")
>>> sorted(p.name for p in out.iterdir())
['dataset.yaml', 'initiatives.csv', 'relations.csv', 'side_effects.csv']
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Generic, TypeVar

__all__ = ["ACTION_FIELDS", "DIRECTED_RELATIONS", "SYMMETRIC_RELATIONS", "generate", "main"]

REAL_DATA = Path(__file__).resolve().parents[1] / "data" / "mpsc"

ACTION_FIELDS = (
    "housing",
    "energy",
    "mobility",
    "education",
    "public_services",
    "administration",
    "health",
    "environment",
    "economy",
    "digital_infrastructure",
    "participation",
    "culture",
    "safety",
)
DIRECTED_RELATIONS = ("depends_on", "integrates", "visualises_data_of", "supports")
SYMMETRIC_RELATIONS = ("related_to", "cooperates_with", "connected_to")
LAENDER = (
    "Baden-Württemberg",
    "Bayern",
    "Berlin",
    "Brandenburg",
    "Bremen",
    "Hamburg",
    "Hessen",
    "Mecklenburg-Vorpommern",
    "Niedersachsen",
    "Nordrhein-Westfalen",
    "Rheinland-Pfalz",
    "Saarland",
    "Sachsen",
    "Sachsen-Anhalt",
    "Schleswig-Holstein",
    "Thüringen",
)
YEARS = range(2017, 2026)

INITIATIVE_COLUMNS = (
    "id",
    "name",
    "municipality",
    "region",
    "country",
    "programme",
    "year",
    "action_fields",
    "actors",
    "description",
    "depends_on",
    "funding_federal_eur",
    "funding_total_eur",
    "funding_note",
    "source",
)
RELATION_COLUMNS = ("source_id", "relation", "target_id", "confidence", "evidence", "source")
SIDE_EFFECT_COLUMNS = (
    "initiative_id",
    "effect",
    "polarity",
    "affects_fields",
    "description",
    "mitigation",
    "source",
)

# Structural choices the real data cannot supply (it has one project per town and
# almost no links across towns); each is named here once.
PROJECT_SHARE = 0.3
INITIATIVES_PER_MUNICIPALITY = 20
INITIATIVES_PER_ACTOR = 5
WITHIN_MUNICIPALITY_SHARE = 0.85
DEPENDS_ON_COLUMN_SHARE = 0.5
LOCAL_ACTOR_SHARE = 0.75

MUNICIPALITY_STEMS = (
    "Musterstadt",
    "Beispielhausen",
    "Modellheim",
    "Neustadt",
    "Probstedt",
    "Testingen",
    "Altdorf",
    "Seeburg",
)
LOCAL_ACTOR_PREFIXES = ("Stadtwerke", "Hochschule", "Verkehrsbetriebe", "Wohnungsbau", "Landkreis")
ORGANISATION_STEMS = (
    "Datenwerk",
    "Stadtnetz",
    "Urbane Systeme",
    "Mobilitätslabor",
    "Bürgernetz",
    "Zukunftswerkstatt",
    "Digitalforum",
    "Energiekontor",
)
FIELD_NOUNS = {
    "housing": ("Smart housing pilot", "Digital tenant services", "Neighbourhood housing platform"),
    "energy": (
        "Energy monitoring",
        "Smart street lighting",
        "Heat planning tool",
        "Solar cadastre",
    ),
    "mobility": ("On-demand shuttle", "Mobility hub", "Smart parking", "Bike sharing"),
    "education": ("Digital school kit", "Maker space", "Digital skills courses"),
    "public_services": ("Citizen app", "Online service portal", "Digital town hall"),
    "administration": ("E-file rollout", "Process digitisation", "Municipal data office"),
    "health": ("Telemedicine point", "Care coordination platform"),
    "environment": ("Air quality sensors", "Tree watering sensors", "Flood early warning"),
    "economy": ("Local shop platform", "Coworking space", "Footfall counter"),
    "digital_infrastructure": (
        "Urban data platform",
        "LoRaWAN network",
        "Public WLAN",
        "Digital twin",
    ),
    "participation": ("Participation platform", "City lab", "Open data portal"),
    "culture": ("Digital museum guide", "Event calendar"),
    "safety": ("Crowd monitoring", "Emergency alert system"),
}

T = TypeVar("T")


class _Weighted(Generic[T]):
    """Draw items with fixed weights; one ``rng.random()`` per draw."""

    def __init__(self, weights: dict[T, float]) -> None:
        items = [(k, w) for k, w in weights.items() if w > 0]
        if not items:
            raise ValueError("no item has a positive weight")
        self.items = [k for k, _ in items]
        self.cum = list(accumulate(w for _, w in items))
        self.total = self.cum[-1]

    def draw(self, rng: random.Random) -> T:
        i = bisect_right(self.cum, rng.random() * self.total)
        return self.items[min(i, len(self.items) - 1)]

    def draw_distinct(self, rng: random.Random, k: int, first: Iterable[T] = ()) -> list[T]:
        out = list(dict.fromkeys(first))
        k = min(k, len(self.items))
        while len(out) < k:
            item = self.draw(rng)
            if item not in out:
                out.append(item)
        return out


def _counter(
    values: Iterable[T], *, over: Iterable[T] = (), smooth: int = 0, default: T | None = None
) -> dict[T, float]:
    """Counts in a fixed key order; ``over`` keys get ``smooth`` added; ``default`` if empty."""
    counts: Counter[T] = Counter(values)
    for key in over:
        counts[key] += smooth
    if not counts and default is not None:
        counts[default] = 1
    return dict(sorted(counts.items(), key=lambda kv: str(kv[0])))


def _split(cell: str, sep: str = ";") -> list[str]:
    return [p.strip() for p in cell.split(sep) if p.strip()]


def _read(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{path}: the generator models its distributions on data/mpsc; "
            "run it from a checkout that contains that folder"
        ) from None


@dataclass(frozen=True)
class _Profile:
    """Distributions read from a real dataset, keyed by role ('project' / 'measure')."""

    fields: _Weighted[str]
    fields_per_initiative: dict[str, _Weighted[int]]
    isolated_share: dict[str, float]
    field_overlap_share: float
    actors_per_initiative: dict[str, _Weighted[int]]
    project_years: _Weighted[int]
    measure_year_offsets: _Weighted[int]
    regions: _Weighted[str]
    federal_funding: tuple[int, ...]
    relation_types: _Weighted[str]
    inferred_share: float
    effect_kinds: _Weighted[str]
    effect_polarity: dict[str, str]
    effects_per_initiative: _Weighted[int]
    fields_per_effect: _Weighted[int]
    mitigation_share: dict[str, float]
    link_density: float
    side_effect_share: float


def _profile(real: Path) -> _Profile:
    initiatives = _read(real / "initiatives.csv")
    relations = _read(real / "relations.csv")
    side_effects = _read(real / "side_effects.csv")
    by_id = {r["id"]: r for r in initiatives}

    parent = {r["source_id"]: r["target_id"] for r in relations if r["relation"] == "part_of"}
    role = {i: ("measure" if i in parent else "project") for i in by_id}
    pairs: set[frozenset[str]] = set()  # one link per pair, as the generator writes them
    for r in relations:
        if r["relation"] != "part_of":
            pairs.add(frozenset((r["source_id"], r["target_id"])))
    for r in initiatives:
        pairs.update(frozenset((r["id"], t)) for t in _split(r["depends_on"]))
    linked = {i for pair in pairs for i in pair}
    fields_of = {
        i: [f for f in _split(r["action_fields"]) if f in ACTION_FIELDS] for i, r in by_id.items()
    }
    isolated = {i for i, fs in fields_of.items() if len(fs) == 1 and i not in linked}

    per_role: dict[str, _Weighted[int]] = {}
    iso_share: dict[str, float] = {}
    actors: dict[str, _Weighted[int]] = {}
    for name in ("project", "measure"):
        ids = [i for i in by_id if role[i] == name]
        iso_share[name] = sum(i in isolated for i in ids) / len(ids) if ids else 0.0
        counts = [len(fields_of[i]) for i in ids if i not in isolated and fields_of[i]]
        per_role[name] = _Weighted(_counter(counts, default=1))
        actor_counts = (len(_split(by_id[i]["actors"])) for i in ids)
        actors[name] = _Weighted(_counter((c for c in actor_counts if c > 0), default=1))

    overlaps = [
        bool(set(fields_of[m]) & set(fields_of[p]))
        for m, p in parent.items()
        if m in by_id and p in by_id
    ]
    offsets = [
        int(by_id[m]["year"]) - int(by_id[p]["year"])
        for m, p in parent.items()
        if m in by_id and p in by_id and by_id[m]["year"] and by_id[p]["year"]
    ]
    project_years = [
        int(r["year"]) for i, r in by_id.items() if role[i] == "project" and r["year"].isdigit()
    ]
    regions = [reg for r in initiatives for reg in _split(r["region"]) if reg in LAENDER]
    federal = tuple(
        sorted(
            int(r["funding_federal_eur"])
            for i, r in by_id.items()
            if role[i] == "project" and r["funding_federal_eur"].isdigit()
        )
    )

    typed = [r for r in relations if r["relation"] != "part_of"]
    kinds = [r["effect"] for r in side_effects]
    polarity = {
        kind: Counter(r["polarity"] for r in side_effects if r["effect"] == kind).most_common(1)[0][
            0
        ]
        for kind in sorted(set(kinds))
    }
    mitigation = {
        pol: (
            sum(bool(r["mitigation"].strip()) for r in rows) / len(rows)
            if (rows := [r for r in side_effects if r["polarity"] == pol])
            else 0.0
        )
        for pol in ("risk", "benefit")
    }
    return _Profile(
        fields=_Weighted(
            _counter((f for fs in fields_of.values() for f in fs), over=ACTION_FIELDS, smooth=1)
        ),
        fields_per_initiative=per_role,
        isolated_share=iso_share,
        field_overlap_share=sum(overlaps) / len(overlaps) if overlaps else 1.0,
        actors_per_initiative=actors,
        project_years=_Weighted(
            _counter((y for y in project_years if y in YEARS), over=YEARS, smooth=1)
        ),
        measure_year_offsets=_Weighted(_counter((o for o in offsets if o >= 0), default=0)),
        regions=_Weighted(_counter(regions, over=LAENDER, smooth=1)),
        federal_funding=federal or (5_000_000, 10_000_000, 15_000_000),
        relation_types=_Weighted(
            _counter(
                (
                    r["relation"]
                    for r in typed
                    if r["relation"] in DIRECTED_RELATIONS + SYMMETRIC_RELATIONS
                ),
                over=DIRECTED_RELATIONS + SYMMETRIC_RELATIONS,
                smooth=1,
            )
        ),
        inferred_share=sum(r["confidence"] == "inferred" for r in typed) / len(typed)
        if typed
        else 0.0,
        effect_kinds=_Weighted(_counter(kinds, default="data_protection")),
        effect_polarity=polarity or {"data_protection": "risk"},
        effects_per_initiative=_Weighted(
            _counter(Counter(r["initiative_id"] for r in side_effects).values(), default=1)
        ),
        fields_per_effect=_Weighted(
            _counter((len(_split(r["affects_fields"])) for r in side_effects), default=1)
        ),
        mitigation_share=mitigation,
        link_density=len(pairs) / len(by_id) if by_id else 0.0,
        side_effect_share=(len({r["initiative_id"] for r in side_effects} & set(by_id))
                           / len(by_id) if by_id else 0.0),
    )


@dataclass(slots=True)
class _Initiative:
    id: str
    role: str
    municipality: int
    project: int  # index of the project (itself for projects)
    isolated: bool
    fields: list[str]
    year: int
    depends_on: list[str]


def _municipalities(
    rng: random.Random, profile: _Profile, count: int
) -> tuple[list[str], list[str]]:
    names = [f"{MUNICIPALITY_STEMS[i % len(MUNICIPALITY_STEMS)]} {i + 1}" for i in range(count)]
    regions = [profile.regions.draw(rng) for _ in range(count)]
    return names, regions


def _actors(
    rng: random.Random, municipalities: Sequence[str], count: int
) -> tuple[list[list[str]], list[str]]:
    """Actor names per municipality (``Stadt X`` first) and the whole pool."""
    local: list[list[str]] = [[f"Stadt {m}"] for m in municipalities]
    taken = {name for names in local for name in names}
    pool = [names[0] for names in local]
    kinds = (*LOCAL_ACTOR_PREFIXES, "GmbH", "e.V.")
    for j in range(max(0, count - len(municipalities))):
        home = j % len(municipalities)
        town = municipalities[home]
        kind = kinds[rng.randrange(len(kinds))]
        name = f"{kind} {town}" if kind in LOCAL_ACTOR_PREFIXES else ""
        if not name or name in taken:
            stem = ORGANISATION_STEMS[rng.randrange(len(ORGANISATION_STEMS))]
            suffix = (
                "GmbH" if kind == "GmbH" or (kind in LOCAL_ACTOR_PREFIXES and j % 2) else "e.V."
            )
            name = f"{stem} {town} {suffix}"
            n = 2
            while name in taken:
                name = f"{stem} {town} {n} {suffix}"
                n += 1
        taken.add(name)
        local[home].append(name)
        pool.append(name)
    return local, pool


def _pick_actors(
    rng: random.Random, k: int, local: Sequence[str], pool: Sequence[str], *, city_first: bool
) -> list[str]:
    chosen = [local[0]] if city_first else []
    k = min(k, len(pool))
    tries = 0
    while len(chosen) < k and tries < 8 * k:
        tries += 1
        source = local if rng.random() < LOCAL_ACTOR_SHARE else pool
        name = source[rng.randrange(len(source))]
        if name not in chosen:
            chosen.append(name)
    return chosen


def generate(n: int, out: Path, *, seed: int = 42,
             dependency_density: float | None = None) -> Path:
    """Write a synthetic dataset of ``n`` initiatives into the folder ``out``.

    Parameters
    ----------
    n:
        Number of initiatives (projects plus measures); at least 1.
    out:
        Folder to write; created if missing, its four files overwritten.
    seed:
        Seed of the only random generator used; the same seed gives identical files.
    dependency_density:
        Average number of links other than ``part_of`` per initiative (``depends_on``
        column entries plus relation rows); ``None`` (the default): as many as
        ``data/mpsc`` has. Very small datasets may get fewer links than asked when
        the possible pairs run out.

    Returns
    -------
    Path
        ``out``.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if dependency_density is not None and dependency_density < 0:
        raise ValueError(f"dependency_density must not be negative, got {dependency_density}")
    out = Path(out)
    profile = _profile(REAL_DATA)
    if dependency_density is None:
        dependency_density = round(profile.link_density, 4)
    rng = random.Random(seed)

    n_projects = max(1, round(n * PROJECT_SHARE))
    n_measures = n - n_projects
    n_towns = max(1, min(n_projects, n // INITIATIVES_PER_MUNICIPALITY))
    towns, regions = _municipalities(rng, profile, n_towns)
    local_actors, actor_pool = _actors(rng, towns, max(n_towns, n // INITIATIVES_PER_ACTOR))

    project_town = list(range(n_towns)) + [
        rng.randrange(n_towns) for _ in range(n_projects - n_towns)
    ]
    rng.shuffle(project_town)
    measures_of = [0] * n_projects
    for _ in range(n_measures):
        measures_of[rng.randrange(n_projects)] += 1

    # Initiatives, in file order: each project followed by its measures.
    items: list[_Initiative] = []
    for p in range(n_projects):
        pid = f"SYN-P{p + 1}"
        town = project_town[p]
        p_index = len(items)
        iso = rng.random() < profile.isolated_share["project"]
        k = 1 if iso else profile.fields_per_initiative["project"].draw(rng)
        fields = profile.fields.draw_distinct(rng, k)
        year = profile.project_years.draw(rng)
        items.append(_Initiative(pid, "project", town, p_index, iso, fields, year, []))
        for m in range(measures_of[p]):
            iso = rng.random() < profile.isolated_share["measure"]
            k = 1 if iso else profile.fields_per_initiative["measure"].draw(rng)
            first = (
                [fields[rng.randrange(len(fields))]]
                if rng.random() < profile.field_overlap_share
                else []
            )
            m_fields = profile.fields.draw_distinct(rng, k, first)
            m_year = min(YEARS[-1], year + profile.measure_year_offsets.draw(rng))
            items.append(
                _Initiative(f"{pid}-M{m + 1}", "measure", town, p_index, iso, m_fields, m_year, [])
            )

    # Links other than part_of between non-isolated initiatives; one per pair.
    rank = [rng.random() for _ in items]
    candidates = sorted((i for i, it in enumerate(items) if not it.isolated), key=rank.__getitem__)
    by_town: list[list[int]] = [[] for _ in range(n_towns)]
    for i in candidates:  # ascending rank: low-rank initiatives are drawn more often (hubs)
        by_town[items[i].municipality].append(i)
    seen = {(it.project, i) for i, it in enumerate(items) if it.role == "measure"}
    # (source, relation, target, confidence, across municipalities) for relations.csv
    links: list[tuple[int, str, int, str, bool]] = []
    wanted = round(dependency_density * n)
    made = 0
    attempts = 0
    max_attempts = 50 * wanted + 1000
    while made < wanted and attempts < max_attempts and len(candidates) > 1:
        attempts += 1
        a = candidates[rng.randrange(len(candidates))]
        town_pool = by_town[items[a].municipality]
        across = len(town_pool) < 2 or rng.random() >= WITHIN_MUNICIPALITY_SHARE
        pool = candidates if across else town_pool
        b = pool[int(len(pool) * rng.random() ** 2)]
        if a == b:
            continue
        key = (a, b) if a < b else (b, a)
        if key in seen:
            continue
        seen.add(key)
        made += 1
        relation = profile.relation_types.draw(rng)
        if relation in DIRECTED_RELATIONS and rank[a] < rank[b]:
            a, b = b, a  # the later-ranked initiative builds on the earlier one: no cycles
        confidence = "inferred" if rng.random() < profile.inferred_share else "stated"
        if relation == "depends_on" and rng.random() < DEPENDS_ON_COLUMN_SHARE:
            items[a].depends_on.append(items[b].id)
        else:
            links.append(
                (
                    a,
                    relation,
                    b,
                    confidence,
                    across and items[a].municipality != items[b].municipality,
                )
            )

    out.mkdir(parents=True, exist_ok=True)
    source_of = [f"https://example.org/synthetic/{items[it.project].id}" for it in items]

    with (out / "initiatives.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(INITIATIVE_COLUMNS)
        for i, it in enumerate(items):
            place = towns[it.municipality]
            noun_options = FIELD_NOUNS[it.fields[0]]
            noun = noun_options[rng.randrange(len(noun_options))]
            is_project = it.role == "project"
            k = profile.actors_per_initiative[it.role].draw(rng)
            actors = _pick_actors(
                rng, k, local_actors[it.municipality], actor_pool, city_first=is_project
            )
            programme = f"Synthetic smart city programme, round {items[it.project].year}"
            if is_project:
                federal = round(
                    profile.federal_funding[rng.randrange(len(profile.federal_funding))]
                    * rng.uniform(0.75, 1.25),
                    -3,
                )
                total = round(federal * rng.uniform(1.1, 1.5), -3)
                name = f"Smart City {place}: {noun}"
                description = f"Synthetic model project in {place} on {', '.join(it.fields)}."
                funding = (str(int(federal)), str(int(total)), "synthetic figures")
                region = regions[it.municipality]
            else:
                programme += f" – measure of {items[it.project].id}"
                name = f"{noun} {place}"
                description = (
                    f"Synthetic measure of {items[it.project].id} on {', '.join(it.fields)}."
                )
                funding = ("", "", "")
                region = ""
            w.writerow(
                (
                    it.id,
                    name,
                    place,
                    region,
                    "Germany",
                    programme,
                    it.year,
                    ";".join(it.fields),
                    ";".join(actors),
                    description,
                    ";".join(it.depends_on),
                    *funding,
                    source_of[i],
                )
            )

    with (out / "relations.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(RELATION_COLUMNS)
        for i, it in enumerate(items):
            if it.role == "measure":
                w.writerow(
                    (
                        it.id,
                        "part_of",
                        items[it.project].id,
                        "stated",
                        "measure listed for this project",
                        source_of[i],
                    )
                )
        for a, relation, b, confidence, across in links:
            evidence = (
                "synthetic link across municipalities"
                if across
                else "synthetic link within the municipality"
            )
            w.writerow((items[a].id, relation, items[b].id, confidence, evidence, source_of[a]))

    n_effects = 0
    with (out / "side_effects.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(SIDE_EFFECT_COLUMNS)
        for i, it in enumerate(items):
            if rng.random() >= profile.side_effect_share:
                continue
            kinds: list[str] = []
            for _ in range(profile.effects_per_initiative.draw(rng)):
                kind = profile.effect_kinds.draw(rng)
                if kind in kinds:
                    continue
                kinds.append(kind)
                polarity = profile.effect_polarity[kind]
                main_field = it.fields[rng.randrange(len(it.fields))]
                affects = profile.fields.draw_distinct(
                    rng, profile.fields_per_effect.draw(rng), [main_field]
                )
                mitigation = (
                    "synthetic mitigation named by the source"
                    if rng.random() < profile.mitigation_share.get(polarity, 0.0)
                    else ""
                )
                description = f"Synthetic {polarity} ({kind.replace('_', ' ')}) stated for {it.id}."
                w.writerow(
                    (
                        it.id,
                        kind,
                        polarity,
                        ";".join(affects),
                        description,
                        mitigation,
                        source_of[i],
                    )
                )
                n_effects += 1

    metadata = {
        "title": f"Synthetic smart-city initiatives (n={n}, seed={seed})",
        "licence": "CC0-1.0",
        "sources": [
            f"benchmarks/generate.py with n={n}, seed={seed}, "
            f"dependency_density={dependency_density}",
            "distributions modelled on data/mpsc (Modellprojekte Smart Cities)",
        ],
        "description": (
            "Synthetic data: every initiative, municipality, actor, figure and link is made up; "
            "example.org sources point nowhere."
        ),
    }
    # what the generator made, as comments: not metadata, so the ingest ignores them quietly
    lines = [
        f"# generator: n={n}, seed={seed}, dependency_density={json.dumps(dependency_density)}",
        f"# made: {made} links other than part_of, {n_effects} side effects",
    ]
    for name, value in metadata.items():
        if isinstance(value, list):
            lines.append(f"{name}:")
            lines.extend(f"  - {json.dumps(v, ensure_ascii=False)}" for v in value)
        else:
            lines.append(f"{name}: {json.dumps(value, ensure_ascii=False)}")
    (out / "dataset.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command line; returns the exit code (0 written, 2 bad arguments).

    ``python -m benchmarks.generate --n N --out DIR [--seed S] [--dependency-density D]``
    """
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.generate",
        description="Write a seeded synthetic dataset in scgraph's record format.",
    )
    parser.add_argument("--n", type=int, required=True, help="number of initiatives (at least 1)")
    parser.add_argument(
        "--out", type=Path, required=True, help="folder to write (created if missing)"
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--dependency-density",
        type=float,
        default=None,
        help="average links other than part_of per initiative (default: as in data/mpsc, "
        "about 0.1; higher values give a denser dependency layer)",
    )
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error(f"--n must be at least 1, got {args.n}")
    if args.dependency_density is not None and args.dependency_density < 0:
        parser.error(f"--dependency-density must not be negative, got {args.dependency_density}")
    start = time.perf_counter()
    out = generate(args.n, args.out, seed=args.seed, dependency_density=args.dependency_density)
    print(f"wrote {args.n} initiatives to {out} in {time.perf_counter() - start:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
