"""scgraph: a knowledge graph of smart-city initiatives, their interactions and side effects."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
