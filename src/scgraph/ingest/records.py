"""Records as read from input files, each with the place it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from scgraph.texts import nfc

__all__ = [
    "Initiative",
    "Location",
    "RawDataset",
    "RawRecord",
    "Relation",
    "SideEffect",
]

RecordKind = Literal["initiative", "relation", "side_effect"]


@dataclass(frozen=True, slots=True)
class Location:
    """Where a record starts: file, physical line (header is line 1) or path in a document."""

    file: str
    line: int | None = None
    path: str | None = None


@dataclass(slots=True)
class RawRecord:
    """One record's values as read, before any check; texts are stripped and in
    normalization form C (:func:`scgraph.texts.nfc`)."""

    kind: RecordKind
    values: dict[str, Any]
    loc: Location

    def text(self, key: str) -> str:
        """The value of ``key`` as stripped text; lists are joined with ``;``."""
        value = self.values.get(key)
        if type(value) is str:  # the common case, first
            value = value.strip()
            return value if value.isascii() else nfc(value)
        if value is None:
            return ""
        if isinstance(value, list):
            return nfc(";".join(str(v) for v in value))
        return nfc(str(value).strip())

    def items(self, key: str, sep: str = ";") -> list[str]:
        """The value of ``key`` as a list of stripped, non-empty items."""
        value = self.values.get(key)
        if value is None:
            return []
        parts = [str(v) for v in value] if isinstance(value, list) else str(value).split(sep)
        return [q if q.isascii() else nfc(q) for p in parts if (q := p.strip())]


@dataclass(slots=True)
class RawDataset:
    """A dataset as read from one folder or one document."""

    name: str
    source: Path
    files: list[Path] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    #: A folder's metadata file (``dataset.yaml``...); a document holds its own metadata.
    metadata_file: Path | None = None
    initiatives: list[RawRecord] = field(default_factory=list)
    relations: list[RawRecord] = field(default_factory=list)
    side_effects: list[RawRecord] = field(default_factory=list)
    #: False when some initiative records could not be read, so ids may be missing.
    complete: bool = True


@dataclass(slots=True)
class Initiative:
    """A checked initiative record."""

    id: str
    name: str
    loc: Location
    action_fields: list[str]
    kind: str | None = None
    municipality: str | None = None
    region: str | None = None
    country: str | None = None
    programme: str | None = None
    programme_note: str | None = None
    year: int | None = None
    actors: list[str] = field(default_factory=list)
    description: str | None = None
    depends_on: list[str] = field(default_factory=list)
    funding_federal_eur: Decimal | None = None
    funding_total_eur: Decimal | None = None
    funding_note: str | None = None
    status: str | None = None
    solution_types: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Relation:
    """A checked, typed relation between two initiatives."""

    source_id: str
    relation: str
    target_id: str
    loc: Location
    confidence: str = "stated"
    evidence: str | None = None
    sources: list[str] = field(default_factory=list)


@dataclass(slots=True)
class SideEffect:
    """A checked side effect of an initiative."""

    initiative_id: str
    effect: str
    polarity: str
    loc: Location
    ordinal: int = 1
    affects_fields: list[str] = field(default_factory=list)
    description: str | None = None
    mitigation: str | None = None
    sources: list[str] = field(default_factory=list)
