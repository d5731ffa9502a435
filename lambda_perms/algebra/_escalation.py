"""The role-escalation path: a policy that lets its holder create a role (or give a role
permissions) and pass that role to a service, on role ARNs that a wildcard leaves open
(``role-escalation``).

Whoever may ``iam:CreateRole`` + ``iam:PutRolePolicy``/``iam:AttachRolePolicy`` on a role and
``iam:PassRole`` on the same role can write any policy into it and hand it to a Lambda function
(or another service) that then runs with it: the holder's permissions are bounded by nothing.
A permissions boundary required on role creation (``iam:PermissionsBoundary`` in the
statement's condition) caps what such a role can do, so such a statement is not counted; a
``iam:PassedToService`` condition on ``iam:PassRole`` is (it chooses where the role goes,
not what it may do).

Two statements reach the same role when some ARN matches a resource of each (decided exactly
over the resource patterns' languages); the finding is reported when one of the two resources
holds a wildcard.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from lambda_perms.algebra._finding import Finding, Severity, element_path
from lambda_perms.iam._glob import has_wildcard
from lambda_perms.iam._reglang import compile_pattern, exists
from lambda_perms.iam.policy import Effect, Policy, Statement

__all__ = ["escalation_findings"]


def __dir__() -> list[str]:
    return __all__


#: Actions that create a role or put permissions into one.
ROLE_POWER: Final[tuple[str, ...]] = ("iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy")
_PASS: Final[str] = "iam:PassRole"
_BOUNDARY_KEY: Final[str] = "iam:permissionsboundary"


def _grants(statement: Statement, action: str) -> int | None:
    """The index of the first Action entry of an Allow that reaches ``action``, if any."""
    if statement.effect is not Effect.ALLOW or statement.action is None:
        return None
    return next((i for i, p in enumerate(statement.action) if p.matches(action)), None)


def _bounded(statement: Statement) -> bool:
    return any(e.key.lower() == _BOUNDARY_KEY for e in statement.condition.entries)


def _overlap(a: str, b: str) -> bool:
    return exists([compile_pattern(a), compile_pattern(b)], all)


def escalation_findings(policy: Policy) -> Iterator[Finding]:
    """One ``role-escalation`` warning per role-creating (or role-changing) action entry whose
    roles some ``iam:PassRole`` of the policy also reaches, through a wildcard."""
    passing = [
        (j, r.text)
        for j, s in enumerate(policy.statements)
        if _grants(s, _PASS) is not None and s.resource is not None
        for r in s.resource
    ]
    if not passing:
        return
    for i, statement in enumerate(policy.statements):
        if statement.resource is None or _bounded(statement):
            continue
        entries = sorted(
            (index, action)
            for action in ROLE_POWER
            if (index := _grants(statement, action)) is not None
        )
        for index, action in entries:
            if statement.action is None:
                continue
            for resource in statement.resource:
                found = next(
                    (
                        (j, text)
                        for j, text in passing
                        if (has_wildcard(text) or has_wildcard(resource.text))
                        and _overlap(resource.text, text)
                    ),
                    None,
                )
                if found is None:
                    continue
                j, text = found
                yield Finding(
                    Severity.WARNING,
                    "role-escalation",
                    f"{action} on {resource.text} and iam:PassRole on {text} "
                    f"(Statement[{j}]) reach the same roles: the holder can give a role any "
                    "permissions and pass it to a service that runs with them, an escalation "
                    "path; require a permissions boundary on role creation (policy --boundary "
                    "ARN) or name the roles exactly",
                    element_path(f"Statement[{i}]", "Action", statement.action, index),
                )
                break
