"""Ingestion: read records, check them, map them to RDF, validate with SHACL, store.

Nothing is written unless every record of every dataset in the run is valid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scgraph.ingest.pipeline import DatasetReport, IngestReport, ingest, validate_paths

__all__ = ["DatasetReport", "IngestReport", "ingest", "validate_paths"]


def __getattr__(name: str) -> Any:
    # the pipeline (and rdflib, which its SHACL checks need) is imported on first use, so
    # that the modules other parts use (the mapping, say) come without it
    if name in __all__:
        from scgraph.ingest import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
