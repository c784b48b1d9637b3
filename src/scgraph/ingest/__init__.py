"""Ingestion: read records, check them, map them to RDF, validate with SHACL, store.

Nothing is written unless every record of every dataset in the run is valid.
"""

from __future__ import annotations

from scgraph.ingest.pipeline import (
    DatasetReport,
    IngestReport,
    ingest,
    validate_paths,
)

__all__ = ["DatasetReport", "IngestReport", "ingest", "validate_paths"]
