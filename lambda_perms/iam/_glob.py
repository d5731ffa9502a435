"""IAM wildcard matching: ``*`` and ``?`` only, never ``fnmatch``.

Two dialects share this module:

* **actions** compare case-insensitively and the wildcards span the whole ``prefix:Name``
  (``*`` any run, possibly empty; ``?`` exactly one character);
* **resources** compare case-sensitively, and the wildcards respect ARN segments as the IAM
  User Guide describes ("IAM JSON policy elements: Resource", *Using wildcards in resource
  ARNs*): ``?`` and a ``*`` inside a segment do not match ``:``, but "if the ``*`` wildcard is
  the last character of a resource ARN segment, it can expand to match beyond the colon
  boundaries".

Nothing else is special: ``[``, ``]``, ``\\`` and ``{`` are literal characters.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = [
    "action_key",
    "action_regex",
    "collapse_stars",
    "has_wildcard",
    "resource_regex",
]

_ANY = ".*"
_STARS = re.compile(r"\*{2,}")


def has_wildcard(text: str) -> bool:
    """Whether ``text`` contains an IAM wildcard (``*`` or ``?``)."""
    return "*" in text or "?" in text


def collapse_stars(text: str) -> str:
    """``text`` with each run of ``*`` written as one (the same pattern, in both dialects: a run
    of stars matches what its last star matches).

    >>> collapse_stars("arn:aws:s3:::b/**/x**")
    'arn:aws:s3:::b/*/x*'
    """
    return _STARS.sub("*", text)


def action_key(text: str) -> str:
    """The case-insensitive identity of an action name or pattern."""
    return text.lower()


@lru_cache(maxsize=8192)
def action_regex(pattern: str) -> re.Pattern[str]:
    """A regex that full-matches the *lower-cased* actions that ``pattern`` matches.

    Callers lower-case the subject with :func:`action_key`; the pattern is lower-cased here.
    """
    parts = []
    for char in action_key(pattern):
        if char == "*":
            parts.append(_ANY)
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


@lru_cache(maxsize=8192)
def resource_regex(pattern: str) -> re.Pattern[str]:
    """A case-sensitive regex that full-matches the resources ``pattern`` matches."""
    parts = []
    last = len(pattern) - 1
    for i, char in enumerate(pattern):
        if char == "*":
            ends_segment = i == last or pattern[i + 1] == ":"
            parts.append(_ANY if ends_segment else "[^:]*")
        elif char == "?":
            parts.append("[^:]")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)
