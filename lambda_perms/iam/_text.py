"""Character rules of IAM policy documents.

IAM accepts only tab, line feed, carriage return and U+0020-U+00FF in a policy document
(``[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+``, IAM API reference, ``PolicyDocument``).
"""

from __future__ import annotations

import re

__all__ = ["bad_character", "describe_character"]

_BAD = re.compile(r"[^\t\n\r\x20-\xff]")


def bad_character(text: str) -> str | None:
    """The first character of ``text`` that IAM rejects, or ``None``."""
    match = _BAD.search(text)
    return match.group() if match else None


def describe_character(char: str) -> str:
    """``U+4E00 '一'`` style description for error messages."""
    return f"U+{ord(char):04X} {char!r}"
