"""Precision and recall of inferred solution types against hand labels."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from scgraph.errors import InputError, Problem
from scgraph.ontology import vocabulary

__all__ = ["precision_recall", "read_labels"]


def read_labels(path: Path | str) -> dict[str, set[str]]:
    """Hand labels from a CSV with columns ``id``, ``solution_types`` (``;``-separated), ``note``.

    An empty ``solution_types`` cell says that no type applies. Unknown keys and
    repeated ids raise :class:`~scgraph.errors.InputError`.
    """
    known = vocabulary().solution_types
    labels: dict[str, set[str]] = {}
    problems: list[Problem] = []
    with Path(path).open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            ident = (row.get("id") or "").strip()
            if not ident or ident in labels:
                problems.append(Problem("id", "missing or repeated id", file=str(path),
                                        line=line, value=ident, expected="one row per id"))
                continue
            keys = {k.strip() for k in (row.get("solution_types") or "").split(";") if k.strip()}
            for key in sorted(keys - set(known)):
                problems.append(Problem("solution_types", f"{key!r} is not a known solution type",
                                        file=str(path), line=line, record=ident, value=key,
                                        expected="one of " + ", ".join(known)))
            labels[ident] = keys
    if problems:
        raise InputError(problems)
    return labels


def _ratio(num: int, den: int) -> float:
    return num / den if den else float("nan")


def precision_recall(predicted: Mapping[str, Iterable[str]],
                     labels: Mapping[str, Iterable[str]]) -> pd.DataFrame:
    """Per solution type and overall: how many labelled, predicted, right; precision, recall.

    Only the ids in ``labels`` count. Overall figures are micro-averaged (over all
    (id, type) pairs). Precision of a type never predicted is NaN.

    >>> table = precision_recall({"a": ["city_app"], "b": ["city_app", "drone"]},
    ...                          {"a": ["city_app"], "b": ["drone"], "c": ["dashboard"]})
    >>> table[["solution_type", "labelled", "predicted", "correct"]].values.tolist()
    [['city_app', 1, 2, 1], ['dashboard', 1, 0, 0], ['drone', 1, 1, 1], ['(all)', 3, 3, 2]]
    >>> round(float(table["precision"].iloc[-1]), 3), round(float(table["recall"].iloc[-1]), 3)
    (0.667, 0.667)
    """
    gold = {(i, t) for i, types in labels.items() for t in types}
    pred = {(i, t) for i in labels for t in predicted.get(i, ())}
    rows = []
    for key in sorted({t for _i, t in gold | pred}):
        g = {p for p in gold if p[1] == key}
        p = {q for q in pred if q[1] == key}
        rows.append((key, len(g), len(p), len(g & p), _ratio(len(g & p), len(p)),
                     _ratio(len(g & p), len(g))))
    rows.append(("(all)", len(gold), len(pred), len(gold & pred),
                 _ratio(len(gold & pred), len(pred)), _ratio(len(gold & pred), len(gold))))
    return pd.DataFrame(rows, columns=["solution_type", "labelled", "predicted", "correct",
                                       "precision", "recall"])
