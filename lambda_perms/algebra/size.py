"""IAM's size accounting and quotas.

IAM counts the characters of a policy document against its quotas and does not count white
space (IAM User Guide, "IAM and AWS STS quotas"; the error text says "bytes", but only
U+0009, U+000A, U+000D and U+0020-U+00FF are allowed, so characters and Latin-1 bytes agree).
:func:`policy_size` measures the canonical compact JSON: no white space between tokens, while
white space *inside* string values is counted, so the figure never understates what IAM counts.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final

from lambda_perms.errors import QuotaError

if TYPE_CHECKING:
    from lambda_perms.iam.policy import Policy, Statement

__all__ = [
    "INLINE_GROUP",
    "INLINE_ROLE",
    "INLINE_USER",
    "MANAGED_POLICY",
    "QUOTAS",
    "TRUST_POLICY",
    "policy_size",
    "quota_of",
    "split",
]


def __dir__() -> list[str]:
    return __all__


#: A customer managed policy document (not adjustable).
MANAGED_POLICY: Final = 6_144
#: All inline policies of one user together.
INLINE_USER: Final = 2_048
#: All inline policies of one group together.
INLINE_GROUP: Final = 5_120
#: All inline policies of one role together.
INLINE_ROLE: Final = 10_240
#: A role's trust policy (the default; adjustable to 4,096).
TRUST_POLICY: Final = 2_048

#: The quotas by attachment kind, as the command line names them.
QUOTAS: Final[dict[str, int]] = {
    "managed": MANAGED_POLICY,
    "user": INLINE_USER,
    "group": INLINE_GROUP,
    "role": INLINE_ROLE,
    "trust": TRUST_POLICY,
}


def policy_size(policy: Policy) -> int:
    """The characters IAM counts for ``policy`` (its canonical compact JSON)."""
    return len(policy.to_json())


def split(policy: Policy, limit: int | str = "managed") -> tuple[Policy, ...]:
    """Partition ``policy`` into policies that each fit ``limit``.

    ``limit`` is a number of characters or a quota name (``managed``, ``user``, ``group``,
    ``role``, ``trust``). Statements keep their order and fill the parts in turn (first fit in
    order), so appending statements never moves existing ones between parts; a statement too
    large for a part on its own is cut into statements over consecutive slices of its
    actions (then of its resources), which together mean the same.

    :raises QuotaError: when even one action on one resource cannot fit.
    """
    from lambda_perms.iam.policy import Policy as _Policy

    quota = quota_of(limit)
    empty = _Policy.of(version=policy.version, kind=policy.kind)
    # a part's size is the empty document's, plus its statements' compact JSON, plus the
    # commas between them (the canonical JSON is built that way), so each statement is
    # serialised once and a part is never re-serialised: O(size of the policy) in all
    base = policy_size(empty)
    parts: list[list[Statement]] = [[]]
    used = base

    for statement in policy.statements:
        for piece in _pieces(statement, quota - base, base):
            extra = _compact_size(piece)
            if used + extra + (1 if parts[-1] else 0) <= quota:
                used += extra + (1 if parts[-1] else 0)
                parts[-1].append(piece)
            else:
                parts.append([piece])
                used = base + extra
    return tuple(
        _Policy.of(*statements, version=policy.version, id=policy.id, kind=policy.kind)
        for statements in parts
        if statements or len(parts) == 1
    )


def _pieces(statement: Statement, room: int, overhead: int) -> list[Statement]:
    """``statement`` cut into statements of at most ``room`` characters each, over
    consecutive slices of its actions (then of its resources): each slice as long as its
    elements' lengths allow, then measured (a slice that still does not fit is halved).
    Linear in the statement's size, whatever the number of parts."""
    if _compact_size(statement) <= room:
        return [statement]
    for field in ("action", "not_action", "resource"):
        values = getattr(statement, field)
        if field == "not_action" or not values or len(values) < 2:
            continue  # a NotAction list cannot be cut: its slices would each grant more
        out: list[Statement] = []
        for start, end in _slices(statement, field, values, room):
            piece = statement.replace(**{field: values[start:end]}, sid=None)
            if end - start > 1 and _compact_size(piece) > room:
                middle = (start + end) // 2  # the estimate was short: halve
                for half in (values[start:middle], values[middle:end]):
                    out += _pieces(statement.replace(**{field: half}, sid=None), room, overhead)
            else:
                out += _pieces(piece, room, overhead)
        return out
    raise QuotaError(
        f"a statement of {_compact_size(statement)} characters with one action and one "
        f"resource cannot fit the limit even alone (a policy around it adds {overhead})"
    )


def _slices(
    statement: Statement, field: str, values: tuple[Any, ...], room: int
) -> list[tuple[int, int]]:
    """Consecutive ``(start, end)`` slices of ``values`` (the statement's ``field``), each as
    long as its estimated size allows: the statement with two of the values, less them, plus
    each value's JSON string and a comma (one value alone is written without brackets, so
    the estimate is never short for it)."""
    lengths = [len(json.dumps(str(v), ensure_ascii=False)) for v in values]
    two = statement.replace(**{field: values[:2]}, sid=None)
    fixed = _compact_size(two) - lengths[0] - lengths[1] - 1
    out: list[tuple[int, int]] = []
    start, used = 0, fixed + lengths[0]
    for i in range(1, len(lengths)):
        if used + 1 + lengths[i] > room:
            out.append((start, i))
            start, used = i, fixed + lengths[i]
        else:
            used += 1 + lengths[i]
    out.append((start, len(values)))
    return out


def _compact_size(statement: Statement) -> int:
    return len(json.dumps(statement.to_dict(), separators=(",", ":"), ensure_ascii=False))


def quota_of(limit: int | str) -> int:
    """The number of characters a quota name (``managed``, ``role`` ...) or number stands for.

    :raises QuotaError: for an unknown name or a non-positive number.
    """
    if isinstance(limit, str):
        try:
            return QUOTAS[limit]
        except KeyError:
            raise QuotaError(
                f"unknown quota {limit!r}; expected one of {', '.join(QUOTAS)} or a number"
            ) from None
    if limit <= 0:
        raise QuotaError(f"a quota must be a positive number of characters, got {limit}")
    return limit
