"""Text as scgraph keeps and compares it: in Unicode normalization form C; a cell's
sources split at their separators."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["nfc", "split_sources"]

#: A ``|`` with space, or the cell's start or end, on both sides: one inside a URL stays.
_SOURCE_SEPARATOR = re.compile(r"(?:^|\s)\|(?=\s|$)")


def nfc(text: str) -> str:
    """``text`` in Unicode normalization form C, as the W3C asks of text on the web: a
    "ü" written as "u" and a combining diaeresis (macOS file names, some editors) is the
    one character "ü", so that the same name always makes the same node.

    >>> nfc("Gu\\u0308tersloh") == "G\\u00fctersloh"
    True
    """
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def split_sources(text: str) -> list[str]:
    """The sources of a cell, written with `` | `` between them; a separator at either end
    or written twice leaves no empty source, nor a ``|`` on the one beside it.

    >>> split_sources("https://example.org/a | | Council minutes |")
    ['https://example.org/a', 'Council minutes']
    >>> split_sources("https://example.org/a|b")
    ['https://example.org/a|b']
    """
    return [s.strip() for s in _SOURCE_SEPARATOR.split(text.strip()) if s.strip()]
