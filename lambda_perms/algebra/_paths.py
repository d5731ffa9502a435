"""Paths of the canonical document mapped into the document as its author wrote it.

:class:`~lambda_perms.iam.policy.Policy` keeps lists sorted and deduplicated and a single
statement object as a one-item list, so a finding's path (``Statement[0].Action[1]``) indexes
the canonical document. :func:`as_written` follows it into the decoded JSON the policy was read
from, so that the typo the author wrote first is reported at ``Action[0]``.
"""

from __future__ import annotations

import re
from typing import Any

from lambda_perms.iam.policy import Policy

__all__ = ["as_written"]


def __dir__() -> list[str]:
    return __all__


_STATEMENT = re.compile(r"Statement\[(\d+)\]")
_INDEXED = re.compile(r"(.*)\[(\d+)\]")


def as_written(path: str, policy: Policy, document: Any) -> str:
    """``path`` (of the canonical document of ``policy``) as a path into ``document``, the
    decoded JSON ``policy`` was read from: the same element where the author wrote it
    (``Statement`` for a single statement object, list indexes as written). A path that
    cannot be followed is returned unchanged."""
    try:
        return _follow(path, policy, document)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        return path


def _follow(path: str, policy: Policy, document: Any) -> str:
    head, _, rest = path.partition(".")
    match = _STATEMENT.fullmatch(head)
    if match is None:
        return path
    index = int(match.group(1))
    raw = document["Statement"]
    if isinstance(raw, dict):
        if index != 0:
            return path
        head, raw_statement = "Statement", raw
    else:
        raw_statement = raw[index]
    if not rest:
        return head
    statement = policy.statements[index]
    element, _, tail = rest.partition(".")
    if element == "Condition" and tail:
        operator, _, key = tail.partition(".")
        indexed = _INDEXED.fullmatch(key)
        if indexed is None:
            return f"{head}.{rest}"
        key, position = indexed.group(1), int(indexed.group(2))
        entry = next(
            e for e in statement.condition.entries if (e.operator, e.key) == (operator, key)
        )
        values = raw_statement["Condition"][operator][key]
        written = _position(values, entry.values[position], lambda v, c: bool(v == c))
        return f"{head}.Condition.{operator}.{key}{written}"
    indexed = _INDEXED.fullmatch(element)
    name = indexed.group(1) if indexed else element
    field = {"Action": "action", "NotAction": "not_action", "Resource": "resource",
             "NotResource": "not_resource"}.get(name)  # fmt: skip
    if field is None or tail:
        return f"{head}.{rest}"
    canonical = getattr(statement, field)
    if indexed is None and len(canonical) != 1:
        return f"{head}.{name}"  # the whole element
    value = canonical[int(indexed.group(2)) if indexed else 0]
    written = _position(raw_statement[name], value, lambda v, c: type(c)(v) == c)
    return f"{head}.{name}{written}"


def _position(raw: Any, canonical: Any, same: Any) -> str:
    """``[k]`` for the first item of the list ``raw`` that is ``canonical`` ("" for a scalar)."""
    if not isinstance(raw, list):
        return ""
    text = getattr(canonical, "text", canonical)
    for k, item in enumerate(raw):  # the spelling kept, else an equal one (case, duplicates)
        if item == text:
            return f"[{k}]"
    for k, item in enumerate(raw):
        if same(item, canonical):
            return f"[{k}]"
    raise ValueError("not found")
