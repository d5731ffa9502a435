"""IAM's size accounting and quotas.

IAM counts the characters of a policy document against its quotas and does not count white
space (IAM User Guide, "IAM and AWS STS quotas"; the error text says "bytes", but only
U+0009, U+000A, U+000D and U+0020-U+00FF are allowed, so characters and Latin-1 bytes agree).
:func:`policy_size` measures the canonical compact JSON: no white space between tokens, while
white space *inside* string values is counted, so the figure never understates what IAM counts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

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

    def size_of(statement: Statement) -> int:
        return len(json.dumps(statement.to_dict(), separators=(",", ":"), ensure_ascii=False))

    for statement in policy.statements:
        for piece in _pieces(statement, lambda s: base + size_of(s) <= quota, base):
            extra = size_of(piece)
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


def _pieces(
    statement: Statement, fits: Callable[[Statement], bool], overhead: int
) -> list[Statement]:
    if fits(statement):
        return [statement]
    for field in ("action", "not_action", "resource"):
        values = getattr(statement, field)
        if field == "not_action" or not values or len(values) < 2:
            continue  # a NotAction list cannot be cut: its slices would each grant more
        middle = len(values) // 2
        left = statement.replace(**{field: values[:middle]}, sid=None)
        right = statement.replace(**{field: values[middle:]}, sid=None)
        return _pieces(left, fits, overhead) + _pieces(right, fits, overhead)
    raise QuotaError(
        f"a statement of {len(json.dumps(statement.to_dict(), separators=(',', ':')))} "
        f"characters with one action and one resource cannot fit the limit even alone "
        f"(a policy around it adds {overhead})"
    )


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
