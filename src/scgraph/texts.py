"""Text as scgraph keeps and compares it: in Unicode normalization form C."""

from __future__ import annotations

import unicodedata

__all__ = ["nfc"]


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
