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
``version-variables``       warning   policy variables (``${aws:username}``) with ``Version``
                                      missing or ``2008-10-17``: IAM reads them as literal
                                      text
``unknown-condition-key``   warning   a condition key no service defines, or that none of
                                      the statement's actions (all of the key's service)
                                      supports (with "did you mean")
``full-admin``              warning   ``Allow`` of ``Action: "*"`` on ``Resource: "*"``
``service-admin``           warning   ``Allow`` of every action of a service (``s3:*``)
``role-escalation``         warning   role creation (or role policy changes) and
                                      ``iam:PassRole`` reach the same roles through a
                                      wildcard, with no permissions boundary required
``invalid-condition-value`` error     a condition value its operator cannot parse (``Bool
                                      "yes"``, ``IpAddress "10.1.2.300"``, ``NumericLessThan
                                      "0x10"``): the evaluator makes the whole entry false, so
                                      an Allow under it never applies and a Deny never denies
``ifexists-set-operator``   warning   ``ForAnyValue:``/``ForAllValues:`` with ``...IfExists``:
                                      the set operator alone decides an absent key
==========================  ========  ======================================================

Paths index the canonical document (:meth:`Policy.to_dict`), whose lists are sorted; given
the ``document`` as written (the decoded JSON the policy was read from), they index that
instead, so that ``Action[0]`` of the file is reported at ``Action[0]``.
An invalid condition value is an error, like IAM Access Analyzer's "Invalid condition data type"
("Errors report when a part of the policy is not functional"): AWS documents no meaning for it,
and :func:`lambda_perms.iam.conditions.evaluate` treats the entry as false.
Unknown names are warnings, never errors: AWS adds and removes actions, and IAM accepts
unknown names silently; each such message names the universe's data date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from functools import cache, lru_cache
from typing import Any

from lambda_perms._universe import Universe
from lambda_perms._universe import universe as default_universe
from lambda_perms.algebra._checks import (
    admin_findings,
    condition_key_findings,
    version_findings,
)
from lambda_perms.algebra._escalation import escalation_findings
from lambda_perms.algebra._finding import Finding, Severity
from lambda_perms.algebra._finding import element_path as _element_path
from lambda_perms.algebra._paths import as_written
from lambda_perms.algebra.size import quota_of
from lambda_perms.iam._glob import has_wildcard
from lambda_perms.iam.actions import ActionPattern
from lambda_perms.iam.arn import ResourcePattern
from lambda_perms.iam.conditions import check_value, parse_operator
from lambda_perms.iam.policy import Effect, Policy, Statement

__all__ = ["Finding", "Severity", "as_written", "validate"]


def __dir__() -> list[str]:
    return __all__


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
    policy: Policy,
    *,
    universe: Universe | None = None,
    quota: str | int | None = None,
    document: Any = None,
) -> list[Finding]:
    """Everything worth telling about ``policy``, in document order.

    ``quota`` is an attachment kind (``managed``, ``user``, ``group``, ``role``, ``trust``)
    or a number of characters; the size is checked against it when given. ``document`` is
    the decoded JSON ``policy`` was read from: paths then index it as written.

    :raises QuotaError: for an unknown quota name.
    """
    known = universe if universe is not None else default_universe()
    findings: list[Finding] = list(version_findings(policy))
    if not policy.statements:
        findings.append(
            Finding(Severity.WARNING, "empty-policy", "the policy has no statement", "Statement")
        )
    for index, statement in enumerate(policy.statements):
        findings.extend(_statement_findings(statement, f"Statement[{index}]", known))
        findings.extend(admin_findings(statement, f"Statement[{index}]"))
        findings.extend(condition_key_findings(statement, f"Statement[{index}]", known))
    findings.extend(escalation_findings(policy))
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
    if document is not None:
        findings = [replace(f, path=as_written(f.path, policy, document)) for f in findings]
    return findings


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
        reach = _Reach(statement.resource)
        for i, pattern in enumerate(statement.action):
            if pattern.is_wildcard or not known.exists(pattern):
                continue
            where = _element_path(path, "Action", statement.action, i)
            yield from _resource_findings(
                pattern, statement.resource, where, path, known, reach=reach
            )
    if allow:
        yield from _passrole_findings(statement, path, known)
    yield from _condition_findings(statement, path)


def _condition_findings(statement: Statement, path: str) -> Iterator[Finding]:
    """Values an operator cannot parse (``invalid-condition-value``), and ``...IfExists``
    under a set operator (``ifexists-set-operator``)."""
    for entry in statement.condition.entries:
        op = parse_operator(entry.operator)
        where = f"{path}.Condition.{entry.operator}.{entry.key}"  # as condition_key_findings
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


class _Reach:
    """Which ARN formats one statement's resources can meet, remembered per format; the
    resources indexed by the service segment their literal head fixes (a format of another
    service can never meet them), so a statement costs ``O(resources + formats)`` index
    look-ups plus the few exact checks between patterns and formats of one service."""

    def __init__(self, resources: tuple[ResourcePattern, ...]) -> None:
        self.by_service: dict[str | None, list[str]] = {}
        for r in resources:
            self.by_service.setdefault(_service_of_pattern(r.text), []).append(r.text)
        self.met: dict[str, bool] = {}

    def meets(self, arn_format: str) -> bool:
        found = self.met.get(arn_format)
        if found is None:
            service = _service_of_format(arn_format)
            # a format of no fixed service: every resource may meet it
            groups = list(self.by_service) if service is None else [None, service]
            found = self.met[arn_format] = any(
                _can_meet(r, arn_format) for g in groups for r in self.by_service.get(g, ())
            )
        return found


def _service_of_pattern(pattern: str) -> str | None:
    """The service segment every resource ``pattern`` matches has, when its literal head
    fixes it (``arn:aws:s3:...``); ``None`` otherwise."""
    first = pattern.find(":")
    second = pattern.find(":", first + 1)
    third = pattern.find(":", second + 1)
    if first < 0 or second < 0 or third < 0:
        return None
    head = pattern[:third]
    if "*" in head or "?" in head or "$" in head:
        return None
    return pattern[second + 1 : third]


def _service_of_format(arn_format: str) -> str | None:
    """The service segment of every instance of ``arn_format`` (whose partition placeholder
    holds no ``:``), when it is literal; ``None`` otherwise."""
    parts = arn_format.split(":", 3)
    if (
        len(parts) < 4
        or parts[0] != "arn"
        or not (parts[1] == "${Partition}" or "$" not in parts[1])
    ):
        return None
    if any(c in parts[1] + parts[2] for c in "*?") or "$" in parts[2]:
        return None
    return parts[2]


def _resource_findings(
    action: ActionPattern,
    resources: tuple[ResourcePattern, ...],
    where: str,
    path: str,
    known: Universe,
    *,
    reach: _Reach | None = None,
) -> Iterator[Finding]:
    types = known.resource_types(action)
    canonical = known.canonical(action).text
    formats = tuple(f for t in types for f in t.arn_formats) + _EXTRA_FORMATS.get(action.key, ())
    if types and not formats:
        return  # the data names resource types without ARN formats: nothing to check against
    if formats:
        reach = reach if reach is not None else _Reach(resources)
        meets = any(reach.meets(f) for f in formats)
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


@cache
def _format_regex(arn_format: str) -> re.Pattern[str]:
    """A regex that full-matches the instances of ``arn_format`` (as the tokens say)."""
    parts = []
    for kind, char in _format_tokens(arn_format):
        if kind == "char":
            parts.append(re.escape(char))
        else:
            parts.append("[^:/]*" if kind == _SEGMENT else ".*")
    return re.compile("".join(parts), re.DOTALL)


_VARIABLE = re.compile(r"\$\{[^}]*\}")


def _sample(pattern: str) -> str:
    """One resource ``pattern`` matches: its wildcards and variables as short as they go
    (as :func:`_policy_tokens` reads them)."""
    if "${" in pattern:
        pattern = _VARIABLE.sub("", pattern)
    return pattern.replace("*", "").replace("?", "a")


def _can_meet(pattern: str, arn_format: str) -> bool:
    """Whether some resource is matched by ``pattern`` and is an instance of ``arn_format``.

    A pattern without wildcards or variables is one resource: matched against the format.
    Otherwise one sample resource of the pattern is tried first; then an exact search over
    pairs of positions, ``O(len(pattern) * len(arn_format))``, on the pattern with every
    run of characters the format cannot tell apart written as one (so that it is shared by
    the many patterns that differ only in names).
    """
    if pattern == "*":
        return True
    if _format_regex(arn_format).fullmatch(_sample(pattern)) is not None:
        return True
    if not has_wildcard(pattern) and "${" not in pattern:
        return False  # the pattern's only resource is not an instance
    return _meets(_blur(pattern, arn_format), arn_format)


_BLUR = "\x01"  # a character in no policy and no format


def _blur(pattern: str, arn_format: str) -> str:
    """``pattern`` with each run of characters that are neither special (``* ? : /`` and a
    variable's ``$ { }``) nor literal in ``arn_format`` replaced by one :data:`_BLUR`.

    Exact for :func:`_meets`: such a character is matched only by a placeholder run of the
    format (never by a literal), and a run that takes one takes any number of them.
    """
    keep = _format_literals(arn_format)
    out: list[str] = []
    for char in pattern:
        if char in keep:
            out.append(char)
        elif not out or out[-1] != _BLUR:
            out.append(_BLUR)
    return "".join(out)


@cache
def _format_literals(arn_format: str) -> frozenset[str]:
    return frozenset("*?:/${}") | {c for kind, c in _format_tokens(arn_format) if kind == "char"}


@lru_cache(maxsize=65536)
def _meets(pattern: str, arn_format: str) -> bool:
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
