"""Reasoning over the store: consistency under HermiT, inferred triples as SPARQL rules."""

from __future__ import annotations

from scgraph.reasoning.consistency import (
    ConsistencyReport,
    Inconsistency,
    check_consistency,
    hermit_consistent,
)
from scgraph.reasoning.rules import (
    DEFINED_CLASSES,
    MaterializeReport,
    apply_rules,
    drop_inferred,
    materialize,
    working_store,
)

__all__ = [
    "DEFINED_CLASSES",
    "ConsistencyReport",
    "Inconsistency",
    "MaterializeReport",
    "apply_rules",
    "check_consistency",
    "drop_inferred",
    "hermit_consistent",
    "materialize",
    "working_store",
]
