"""Side-effect screening: solution types, keyword rules that infer them, guidance patterns.

The measure itself, :func:`scgraph.analytics.screening.screening`, joins the
initiatives' solution types with the patterns and the recorded side effects.
"""

from __future__ import annotations

from scgraph.screening.classifier import (
    KeywordRule,
    classify,
    classify_initiatives,
    keyword_rules,
    keywords_file,
)
from scgraph.screening.evaluation import precision_recall, read_labels
from scgraph.screening.patterns import (
    PATTERNS_GRAPH,
    Pattern,
    pattern_ntriples,
    patterns_dir,
    patterns_frame,
    read_patterns,
    stored_patterns,
)
from scgraph.screening.screen import (
    SCREENING_GRAPH,
    ScreenReport,
    inferred_solution_types,
    initiative_texts,
    screen,
    solution_types,
    stale_screening,
)

__all__ = [
    "PATTERNS_GRAPH",
    "SCREENING_GRAPH",
    "KeywordRule",
    "Pattern",
    "ScreenReport",
    "classify",
    "classify_initiatives",
    "inferred_solution_types",
    "initiative_texts",
    "keyword_rules",
    "keywords_file",
    "pattern_ntriples",
    "patterns_dir",
    "patterns_frame",
    "precision_recall",
    "read_labels",
    "read_patterns",
    "screen",
    "solution_types",
    "stale_screening",
    "stored_patterns",
]
