"""Side-effect screening: solution types and the keyword rules that infer them."""

from __future__ import annotations

from scgraph.screening.classifier import (
    KeywordRule,
    classify,
    classify_initiatives,
    keyword_rules,
    keywords_file,
)
from scgraph.screening.evaluation import precision_recall, read_labels

__all__ = [
    "KeywordRule",
    "classify",
    "classify_initiatives",
    "keyword_rules",
    "keywords_file",
    "precision_recall",
    "read_labels",
]
