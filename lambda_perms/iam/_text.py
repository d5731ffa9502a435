"""Character rules of IAM policy documents.

IAM accepts only tab, line feed, carriage return and U+0020-U+00FF in a policy document
(``[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+``, IAM API reference, ``PolicyDocument``).
"""

from __future__ import annotations

import re

__all__ = ["bad_character", "camel_case", "describe_character"]

_BAD = re.compile(r"[^\t\n\r\x20-\xff]")
_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]+")


def bad_character(text: str) -> str | None:
    """The first character of ``text`` that IAM rejects, or ``None``."""
    match = _BAD.search(text)
    return match.group() if match else None


def describe_character(char: str) -> str:
    """``U+4E00 '一'`` style description for error messages."""
    return f"U+{ord(char):04X} {char!r}"


def camel_case(text: str) -> str:
    """The runs of letters and digits of ``text``, each with a capital first letter, joined:
    the alphabet of a statement's ``Sid`` (``execution-role`` -> ``ExecutionRole``)."""
    return "".join(part[:1].upper() + part[1:] for part in _NOT_ALPHANUMERIC.split(text))
