"""IAM's size accounting and quotas.

IAM counts the characters of a policy document against its quotas and does not count white
space (IAM User Guide, "IAM and AWS STS quotas"; the error text says "bytes", but only
U+0009, U+000A, U+000D and U+0020-U+00FF are allowed, so characters and Latin-1 bytes agree).
:func:`policy_size` measures the canonical compact JSON: no white space between tokens, while
white space *inside* string values is counted, so the figure never understates what IAM counts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from lambda_perms.policy import Policy

__all__ = [
    "INLINE_GROUP",
    "INLINE_ROLE",
    "INLINE_USER",
    "MANAGED_POLICY",
    "QUOTAS",
    "TRUST_POLICY",
    "policy_size",
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
