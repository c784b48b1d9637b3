"""A seeded synthetic GraphData of any size, for views at scale without ingesting."""

from __future__ import annotations

import random

import pandas as pd

from scgraph.analytics import GraphData
from scgraph.viz.styling import FIELD_COLOURS

RELATIONS = ["depends_on", "integrates", "supports", "connected_to", "cooperates_with",
             "related_to"]


def synthetic_data(n: int, seed: int = 1) -> GraphData:
    """``n`` initiatives in ``n // 20`` towns: 30 % projects, each measure part of a project,
    about one more relation per initiative, mostly within a town."""
    rnd = random.Random(seed)
    fields = list(FIELD_COLOURS)
    towns = [f"Town {i}" for i in range(max(1, n // 20))]
    ini, rel = [], []
    projects: list[tuple[str, str]] = []
    for i in range(n):
        town = towns[i % len(towns)]
        if i < max(1, int(n * 0.3)):
            ident, kind = f"SYN-P{i}", "project"
            projects.append((ident, town))
        else:
            parent, town = projects[i % len(projects)]
            ident, kind = f"{parent}-M{i}", "measure"
            rel.append((ident, "part_of", parent, "stated"))
        ini.append({"id": ident, "name": f"Initiative {i} of {town}", "kind": kind,
                    "municipality": town, "region": None, "programme": "Synthetic",
                    "year": "2021", "fields": sorted(rnd.sample(fields, rnd.randint(1, 3)))})
    ids = [r["id"] for r in ini]
    for _ in range(n):
        a, b = rnd.sample(ids, 2)
        rel.append((a, rnd.choice(RELATIONS), b, "stated"))
    rel = list(dict.fromkeys(rel))
    initiatives = pd.DataFrame(ini)
    relations = pd.DataFrame(rel, columns=["source_id", "relation", "target_id", "confidence"])
    actors = pd.DataFrame([(r["id"], f"Stadt {r['municipality']}", "PublicAuthority")
                           for r in ini], columns=["initiative_id", "actor", "actor_class"])
    effects = pd.DataFrame(columns=["effect_id", "initiative_id", "effect", "polarity",
                                    "mitigation", "affects_fields"])
    return GraphData(initiatives, relations, actors, effects)
