"""Checks a policy against the action universe: what IAM accepts but does not do what you think.

:func:`validate` returns :class:`Finding` objects, each with a severity, a stable code, a
message and the JSON path of the element it is about. Codes:

==========================  ========  ======================================================
code                        severity  meaning
==========================  ========  ======================================================
``unknown-service``         warning   the action's service prefix is not in the universe
``unknown-action``          warning   the action is not in the universe (with "did you mean")
``pattern-matches-nothing`` warning   an action pattern expands to no action
``resource-mismatch``       warning   no Resource entry can match any ARN format of the
                                      action's resource types: the grant is inert
``resource-wildcard``       info      ``Resource: "*"`` for an action that supports
                                      resource-level scoping
``allow-not-action``        warning   ``Allow`` with ``NotAction``: grants everything else,
                                      including actions AWS adds later
``allow-not-resource``      warning   ``Allow`` with ``NotResource``
``passrole-unscoped``       warning   ``iam:PassRole`` allowed without an
                                      ``iam:PassedToService`` condition
``passrole-wildcard``       warning   a wildcard or ``NotAction`` reaches ``iam:PassRole``
``size-over-quota``         error     the policy is larger than the quota it is checked for
``empty-policy``            warning   the policy has no statement
``non-canonical-case``      info      an action is spelt differently from AWS's spelling
``invalid-condition-value`` error     a condition value its operator cannot parse (``Bool
                                      "yes"``, ``IpAddress "10.1.2.300"``, ``NumericLessThan
                                      "0x10"``): the evaluator makes the whole entry false, so
                                      an Allow under it never applies and a Deny never denies
``ifexists-set-operator``   warning   ``ForAnyValue:``/``ForAllValues:`` with ``...IfExists``:
                                      the set operator alone decides an absent key
==========================  ========  ======================================================

Paths index the canonical document (:meth:`Policy.to_dict`), whose lists are sorted.
An invalid condition value is an error, like IAM Access Analyzer's "Invalid condition data type"
("Errors report when a part of the policy is not functional"): AWS documents no meaning for it,
and :func:`lambda_perms.iam.conditions.evaluate` treats the entry as false.
Unknown names are warnings, never errors: AWS adds and removes actions, and IAM accepts
unknown names silently; each such message names the universe's data date.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from lambda_perms._universe import Universe
from lambda_perms._universe import universe as default_universe
from lambda_perms.algebra.size import quota_of
from lambda_perms.iam._glob import has_wildcard
from lambda_perms.iam.actions import ActionPattern
from lambda_perms.iam.arn import ResourcePattern
from lambda_perms.iam.conditions import check_value, parse_operator
from lambda_perms.iam.policy import Effect, Policy, Statement, _join

__all__ = ["Finding", "Severity", "validate"]


def __dir__() -> list[str]:
    return __all__


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in a policy."""

    severity: Severity
    code: str
    message: str
    path: str

    def to_dict(self) -> dict[str, str]:
        return {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "path": self.path,
        }

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.severity.value}: {where}{self.message} [{self.code}]"


_PASSROLE = "iam:passrole"

# Resources AWS documents for an action that the Service Authorization Reference does not list.
# CloudFormation authorizes CreateChangeSet for a template with a transform on the transform's
# own ARN, whose account field is the literal "aws" ("Controlling access with AWS Identity and
# Access Management", AWS CloudFormation User Guide; the AWS SAM Developer Guide's example
# policy grants it).
_EXTRA_FORMATS: dict[str, tuple[str, ...]] = {
    "cloudformation:createchangeset": (
        "arn:${Partition}:cloudformation:${Region}:aws:transform/${TransformName}",
    ),
}
_PASSED_TO_SERVICE = "iam:passedtoservice"


def validate(
    policy: Policy, *, universe: Universe | None = None, quota: str | int | None = None
) -> list[Finding]:
    """Everything worth telling about ``policy``, in document order.

    ``quota`` is an attachment kind (``managed``, ``user``, ``group``, ``role``, ``trust``)
    or a number of characters; the size is checked against it when given.

    :raises QuotaError: for an unknown quota name.
    """
    known = universe if universe is not None else default_universe()
    findings: list[Finding] = []
    if not policy.statements:
        findings.append(
            Finding(Severity.WARNING, "empty-policy", "the policy has no statement", "Statement")
        )
    for index, statement in enumerate(policy.statements):
        findings.extend(_statement_findings(statement, f"Statement[{index}]", known))
    if quota is not None:
        limit = quota_of(quota)
        size = policy.size()
        if size > limit:
            findings.append(
                Finding(
                    Severity.ERROR,
                    "size-over-quota",
                    f"the policy has {size:,} characters (white space not counted); the quota "
                    f"is {limit:,}",
                    "",
                )
            )
    return findings


def _element_path(path: str, element: str, values: tuple[Any, ...], index: int) -> str:
    # paths index the canonical document (Policy.to_dict()), whose lists are sorted
    return f"{path}.{element}" if len(values) == 1 else f"{path}.{element}[{index}]"


def _statement_findings(statement: Statement, path: str, known: Universe) -> Iterator[Finding]:
    dated = f"universe data of {known.version.date}"
    element = "Action" if statement.action is not None else "NotAction"
    patterns = statement.action if statement.action is not None else statement.not_action or ()
    for i, pattern in enumerate(patterns):
        where = _element_path(path, element, patterns, i)
        yield from _action_findings(pattern, where, known, dated)

    allow = statement.effect is Effect.ALLOW
    if allow and statement.not_action is not None:
        yield Finding(
            Severity.WARNING,
            "allow-not-action",
            "Allow with NotAction grants every other action, including actions AWS adds later",
            f"{path}.NotAction",
        )
    if allow and statement.not_resource is not None:
        yield Finding(
            Severity.WARNING,
            "allow-not-resource",
            "Allow with NotResource grants the actions on every other resource",
            f"{path}.NotResource",
        )
    if statement.action is not None and statement.resource is not None:
        for i, pattern in enumerate(statement.action):
            if pattern.is_wildcard or not known.exists(pattern):
                continue
            where = _element_path(path, "Action", statement.action, i)
            yield from _resource_findings(pattern, statement.resource, where, path, known)
    if allow:
        yield from _passrole_findings(statement, path, known)
    yield from _condition_findings(statement, path)


def _condition_findings(statement: Statement, path: str) -> Iterator[Finding]:
    for entry in statement.condition.entries:
        op = parse_operator(entry.operator)
        where = _join(_join(f"{path}.Condition", entry.operator), entry.key)
        for i, value in enumerate(entry.values):
            problem = check_value(op, value)
            if problem is not None:
                effect = (
                    "Allow never applies"
                    if statement.effect is Effect.ALLOW
                    else "Deny never denies"
                )
                yield Finding(
                    Severity.ERROR,
                    "invalid-condition-value",
                    f"{problem}; the whole condition entry is then false, so this {effect}",
                    where if len(entry.values) == 1 else f"{where}[{i}]",
                )
        if op.set_operator is not None and op.if_exists:
            yield Finding(
                Severity.WARNING,
                "ifexists-set-operator",
                f"{entry.operator}: IfExists changes nothing under {op.set_operator} (an absent "
                f"key makes ForAllValues true and ForAnyValue false); write "
                f"{op.set_operator}:{op.base}",
                where,
            )


def _action_findings(
    pattern: ActionPattern, where: str, known: Universe, dated: str
) -> Iterator[Finding]:
    if pattern.text == "*":
        return
    if not has_wildcard(pattern.prefix) and not known.has_prefix(pattern.prefix):
        hint = known.suggest(pattern.prefix)
        yield Finding(
            Severity.WARNING,
            "unknown-service",
            f"unknown service prefix {pattern.prefix!r} in {pattern.text!r} ({dated})"
            + (f"; did you mean {', '.join(map(repr, hint))}?" if hint else ""),
            where,
        )
        return
    if not pattern.is_wildcard:
        if not known.exists(pattern):
            hint = known.suggest(pattern.text)
            yield Finding(
                Severity.WARNING,
                "unknown-action",
                f"unknown action {pattern.text!r} ({dated})"
                + (f"; did you mean {', '.join(map(repr, hint))}?" if hint else ""),
                where,
            )
        elif known.canonical(pattern).text != pattern.text:
            yield Finding(
                Severity.INFO,
                "non-canonical-case",
                f"{pattern.text!r} is spelt {known.canonical(pattern).text!r} by AWS",
                where,
            )
    elif not known.expand(pattern):
        yield Finding(
            Severity.WARNING,
            "pattern-matches-nothing",
            f"{pattern.text!r} matches no action ({dated})",
            where,
        )


def _resource_findings(
    action: ActionPattern,
    resources: tuple[ResourcePattern, ...],
    where: str,
    path: str,
    known: Universe,
) -> Iterator[Finding]:
    types = known.resource_types(action)
    canonical = known.canonical(action).text
    formats = tuple(f for t in types for f in t.arn_formats) + _EXTRA_FORMATS.get(action.key, ())
    if types and not formats:
        return  # the data names resource types without ARN formats: nothing to check against
    if formats:
        meets = any(_can_meet(r.text, f) for r in resources for f in formats)
        expected = ", ".join(repr(f) for f in formats)
    else:  # an action without resource types is requested on the resource "*"
        meets = any(r.matches("*") for r in resources)
        expected = "'*' only: it supports no resource-level scoping"
    if not meets:
        listed = ", ".join(repr(r.text) for r in resources)
        yield Finding(
            Severity.WARNING,
            "resource-mismatch",
            f"{canonical} is never allowed here: none of {listed} can match its resources "
            f"({expected})",
            where,
        )
    elif any(t.required for t in types) and len(resources) == 1 and resources[0].text == "*":
        yield Finding(
            Severity.INFO,
            "resource-wildcard",
            f"{canonical} supports resource-level scoping ({', '.join(t.name for t in types)}) "
            "but is granted on '*'",
            f"{path}.Resource",
        )


def _passrole_findings(statement: Statement, path: str, known: Universe) -> Iterator[Finding]:
    if statement.action is not None:
        reaching = [p for p in statement.action if p.matches("iam:PassRole")]
        exact = any(p.key == _PASSROLE for p in reaching)
        wild = [p for p in reaching if p.key != _PASSROLE]
        element = "Action"
    else:
        excluded = any(p.matches("iam:PassRole") for p in statement.not_action or ())
        exact, wild, element = False, ([] if excluded else [ActionPattern("*")]), "NotAction"
    if not exact and not wild:
        return
    if wild:
        how = (
            f"{', '.join(repr(p.text) for p in wild)} also grants"
            if element == "Action"
            else "NotAction without iam:PassRole grants"
        )
        yield Finding(
            Severity.WARNING,
            "passrole-wildcard",
            f"{how} iam:PassRole; list it explicitly, on named roles, with iam:PassedToService",
            f"{path}.{element}",
        )
    if not _scoped_to_service(statement):
        yield Finding(
            Severity.WARNING,
            "passrole-unscoped",
            "iam:PassRole is allowed without an iam:PassedToService condition, so the role "
            "can be passed to any service",
            f"{path}.Condition" if statement.condition else path,
        )


def _scoped_to_service(statement: Statement) -> bool:
    for entry in statement.condition.entries:
        if entry.key.lower() != _PASSED_TO_SERVICE:
            continue
        operator = entry.operator
        if operator.startswith(("StringEquals", "StringLike")) and "*" not in entry.values:
            return True
    return False


# -- can a resource pattern meet an ARN format? ------------------------------------------
#
# Both sides are globs: the policy's pattern (IAM wildcards with the segment rule; policy
# variables stand for anything) and the ARN format, whose ${Placeholders} stand for any text
# except where the value's shape is known (partition, region, account and bucket names never
# hold '/' or ':'). The question is whether the two languages intersect, decided exactly by a
# search over pairs of positions. Erring towards "they meet" only loses a finding; it never
# invents one.

_ANY = "any"  # a run of any characters
_NO_COLON = "no-colon"  # a run without ':'
_SEGMENT = "segment"  # a run without ':' or '/'
_ONE = "one"  # exactly one character other than ':'

_SLASH_FREE = frozenset({"Partition", "Region", "Account", "AccountId", "BucketName"})


@cache
def _policy_tokens(pattern: str) -> tuple[tuple[str, str], ...]:
    tokens: list[tuple[str, str]] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("${", i) and "}" in pattern[i:]:
            tokens.append((_ANY, ""))
            i = pattern.index("}", i) + 1
            continue
        if char == "*":
            ends = i + 1 == len(pattern) or pattern[i + 1] == ":"
            tokens.append((_ANY if ends else _NO_COLON, ""))
        elif char == "?":
            tokens.append((_ONE, ""))
        else:
            tokens.append(("char", char))
        i += 1
    return tuple(tokens)


@cache
def _format_tokens(arn_format: str) -> tuple[tuple[str, str], ...]:
    tokens: list[tuple[str, str]] = []
    i = 0
    while i < len(arn_format):
        if arn_format.startswith("${", i) and "}" in arn_format[i:]:
            end = arn_format.index("}", i)
            name = arn_format[i + 2 : end]
            tokens.append((_SEGMENT if name in _SLASH_FREE else _ANY, ""))
            i = end + 1
            continue
        char = arn_format[i]
        # some formats write literal wildcards; treat them as the pattern language does
        tokens.append((_ANY, "") if char == "*" else ("char", char))
        i += 1
    return tuple(tokens)


def _allows(kind: str, char: str) -> bool:
    if kind == _ANY:
        return True
    if kind in (_NO_COLON, _ONE):
        return char != ":"
    return char not in ":/"  # _SEGMENT


def _can_meet(pattern: str, arn_format: str) -> bool:
    """Whether some resource is matched by ``pattern`` and is an instance of ``arn_format``."""
    if pattern == "*":
        return True
    a, b = _policy_tokens(pattern), _format_tokens(arn_format)
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(a) and j == len(b):
            return True
        a_run = i < len(a) and a[i][0] not in ("char", _ONE)
        b_run = j < len(b) and b[j][0] not in ("char", _ONE)
        if a_run:
            stack.append((i + 1, j))  # the run ends here (possibly empty)
        if b_run:
            stack.append((i, j + 1))
        if i < len(a) and j < len(b):
            ka, ca = a[i]
            kb, cb = b[j]
            if _one_char_in_both(ka, ca, kb, cb):
                stack.append((i if a_run else i + 1, j if b_run else j + 1))
    return False


def _one_char_in_both(ka: str, ca: str, kb: str, cb: str) -> bool:
    """Whether one character can be produced by both tokens."""
    if ka == "char" and kb == "char":
        return ca == cb
    if ka == "char":
        return _allows(kb, ca)
    if kb == "char":
        return _allows(ka, cb)
    return True  # two classes that each exclude at most ':' and '/' share other characters
