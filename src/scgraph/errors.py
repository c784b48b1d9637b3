"""Exceptions raised by scgraph.

Every error scgraph raises on purpose is a :class:`ScgraphError`::

    ScgraphError
    ├── InputError          bad input data; carries every Problem found   (exit 1)
    ├── UsageError          a command was called wrongly                  (exit 2)
    ├── StoreError          the store cannot be opened, read or written   (exit 2)
    │   └── StoreLockedError    another process is writing the store
    ├── EndpointError       a remote SPARQL endpoint failed               (exit 2)
    ├── InconsistentError   the data contradicts the ontology; says why   (exit 1)
    ├── ReasonerError       the reasoner (Java, HermiT) could not run     (exit 2)
    └── QueryError          a named query is unknown or a parameter is bad (exit 2)

A :class:`Problem` says where (file, line, record, field), what (the value)
and what is expected instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "EndpointError",
    "InconsistentError",
    "InputError",
    "Problem",
    "QueryError",
    "ReasonerError",
    "ScgraphError",
    "StoreError",
    "StoreLockedError",
    "UsageError",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input, and where it is.

    >>> str(Problem("year", "'20x9' is not a year", file="initiatives.csv", line=3,
    ...             expected="e.g. 2021"))
    "initiatives.csv:3: field 'year': '20x9' is not a year (expected e.g. 2021)"
    """

    field: str | None
    message: str
    file: str | None = None
    line: int | None = None
    record: str | None = None
    expected: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        parts = [where]
        if self.record is not None:
            parts.append(f"record {self.record!r}")
        if self.field is not None:
            parts.append(f"field {self.field!r}")
        text = ": ".join(parts) + f": {self.message}"
        if self.expected:
            text += f" (expected {self.expected})"
        return text


class ScgraphError(Exception):
    """Base class of every error scgraph raises on purpose."""

    exit_code = 2


class InputError(ScgraphError):
    """The input data is invalid; nothing was written.

    ``problems`` lists every problem found, not just the first, in the order of the files
    and lines they are at (those of one place in the order they were found).

    >>> later = Problem("target_id", "refers to no known initiative", file="r.csv", line=5)
    >>> print(InputError([later, Problem("relation", "unknown", file="r.csv", line=4)]))
    2 problems in the input; nothing was written
      r.csv:4: field 'relation': unknown
      r.csv:5: field 'target_id': refers to no known initiative
    """

    exit_code = 1

    def __init__(self, problems: Iterable[Problem], summary: str | None = None) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file or "", p.line or 0))
        n = len(self.problems)
        head = summary or f"{n} problem{'s' if n != 1 else ''} in the input; nothing was written"
        super().__init__(head + "".join(f"\n  {p}" for p in self.problems))


class UsageError(ScgraphError):
    """A command or function was called with arguments that cannot work."""


class StoreError(ScgraphError):
    """The store could not be opened, read or written."""


class StoreLockedError(StoreError):
    """Another process holds the store's write lock."""


class EndpointError(ScgraphError):
    """A remote SPARQL endpoint failed; the message names URL and status."""


class InconsistentError(ScgraphError):
    """The ontology and the data are inconsistent under OWL reasoning.

    ``reasons`` lists, in words, the individuals and axioms involved.
    """

    exit_code = 1

    def __init__(self, reasons: Iterable[str], summary: str) -> None:
        self.reasons = list(reasons)
        super().__init__(summary + "".join(f"\n  {r}" for r in self.reasons))


class ReasonerError(ScgraphError):
    """The reasoner could not run (no Java, or HermiT failed)."""


class QueryError(ScgraphError):
    """A named query is unknown, or its parameters are invalid."""
