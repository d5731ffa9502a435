"""Findings about what a policy grants and tests, beyond its names and resources: policy
variables without ``Version`` 2012-10-17 (``version-variables``), ``Action: "*"`` on every
resource and every action of a service (``full-admin``, ``service-admin``), and condition keys no
service defines or the statement's actions do not support (``unknown-condition-key``).

Each function yields the findings of one policy or statement, with paths into the canonical
document; :func:`~lambda_perms.algebra.validation.validate` runs them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from lambda_perms._universe import Universe
from lambda_perms.algebra._finding import Finding, Severity, element_path
from lambda_perms.iam._glob import has_wildcard
from lambda_perms.iam.arn import ResourcePattern
from lambda_perms.iam.condition_keys import GLOBAL_CONDITION_KEYS, is_global_key, key_matches
from lambda_perms.iam.policy import Effect, Policy, Statement

__all__ = ["admin_findings", "condition_key_findings", "version_findings"]


def __dir__() -> list[str]:
    return __all__


_VARIABLE = re.compile(r"\$\{[^}]+\}")


def version_findings(policy: Policy) -> Iterator[Finding]:
    """Policy variables work only under Version 2012-10-17; elsewhere they are literal text."""
    if policy.version == "2012-10-17":
        return
    for index, statement in enumerate(policy.statements):
        where = f"Statement[{index}]"
        texts: list[tuple[str, str]] = []
        for element in ("Resource", "NotResource"):
            patterns = getattr(statement, "resource" if element == "Resource" else "not_resource")
            texts += [
                (element_path(where, element, patterns, i), r.text)
                for i, r in enumerate(patterns or ())
            ]
        for entry in statement.condition.entries:
            texts += [
                (element_path(f"{where}.Condition.{entry.operator}", entry.key, entry.values, i),
                 str(v))
                for i, v in enumerate(entry.values)
            ]  # fmt: skip
        for path, text in texts:
            match = _VARIABLE.search(text)
            if match is None:
                continue
            given = "has no Version (IAM then reads it as 2008-10-17)"
            if policy.version is not None:
                given = f"has Version {policy.version}"
            yield Finding(
                Severity.WARNING,
                "version-variables",
                f"the policy {given}, so the policy variable {match.group()} is literal text, "
                'not a variable; add "Version": "2012-10-17"',
                path,
            )
            return  # one finding: the fix is one line


def _universal(resources: tuple[ResourcePattern, ...] | None) -> bool:
    return resources is not None and any(r.text.strip("*") in ("", "arn:") for r in resources)


def admin_findings(statement: Statement, path: str) -> Iterator[Finding]:
    """``Action: "*"`` on every resource, and every action of a service (``s3:*``)."""
    if statement.effect is not Effect.ALLOW or statement.action is None:
        return
    everywhere = _universal(statement.resource)
    when = " (under its Condition)" if statement.condition else ""
    for i, pattern in enumerate(statement.action):
        where = element_path(path, "Action", statement.action, i)
        prefix, _, name = pattern.text.partition(":")
        if pattern.text == "*" or (prefix.strip("*") == "" and name.strip("*") == ""):
            if everywhere:
                yield Finding(
                    Severity.WARNING,
                    "full-admin",
                    f"{pattern.text!r} on every resource is full administrator access{when}: "
                    "every action of every service, including the ones AWS adds later",
                    where,
                )
        elif not has_wildcard(prefix) and name.strip("*") == "":
            on = "on every resource" if everywhere else "on its resources"
            yield Finding(
                Severity.WARNING,
                "service-admin",
                f"{pattern.text!r} grants every {prefix.lower()} action {on}{when}, including "
                "the ones AWS adds later; list the actions needed",
                where,
            )


def _did_you_mean(key: str, candidates: tuple[str, ...]) -> str:
    lower = {c.lower(): c for c in candidates}
    close = difflib.get_close_matches(key.lower(), lower, n=3, cutoff=0.75)
    return f"; did you mean {', '.join(repr(lower[c]) for c in close)}?" if close else ""


_MAX_EXPANDED = 5000


def _statement_actions(statement: Statement, known: Universe) -> list[str] | None:
    """The known actions a statement's Action names (``None``: too many, or not knowable)."""
    if statement.action is None:
        return None
    out: list[str] = []
    for pattern in statement.action:
        if pattern.text == "*" or has_wildcard(pattern.prefix):
            return None
        if pattern.is_wildcard:
            out += [a.text for a in known.expand(pattern)]
        elif known.exists(pattern):
            out.append(known.canonical(pattern).text)
        if len(out) > _MAX_EXPANDED:
            return None
    return out


def condition_key_findings(statement: Statement, path: str, known: Universe) -> Iterator[Finding]:
    """Condition keys no service defines, or that the statement's actions do not support."""
    dated = f"universe data of {known.version.date}"
    actions: list[str] | None = None
    for entry in statement.condition.entries:
        key = entry.key
        where = f"{path}.Condition.{entry.operator}.{key}"
        prefix, colon, _ = key.partition(":")
        if not colon:
            yield Finding(
                Severity.WARNING,
                "unknown-condition-key",
                f"condition key {key!r} has no service prefix (keys look like 'aws:SourceIp')",
                where,
            )
            continue
        if prefix.lower() == "aws":
            if not is_global_key(key):
                yield Finding(
                    Severity.WARNING,
                    "unknown-condition-key",
                    f"unknown global condition key {key!r}"
                    + _did_you_mean(key, GLOBAL_CONDITION_KEYS),
                    where,
                )
            continue
        if not known.has_prefix(prefix):
            yield Finding(
                Severity.WARNING,
                "unknown-condition-key",
                f"condition key {key!r}: no service has the prefix {prefix!r} ({dated})"
                + _did_you_mean(prefix, known.prefixes),
                where,
            )
            continue
        defined = known.service_condition_keys(prefix)
        if not any(key_matches(key, d) for d in defined):
            yield Finding(
                Severity.WARNING,
                "unknown-condition-key",
                f"{prefix.lower()} defines no condition key {key!r} ({dated})"
                + _did_you_mean(key, defined),
                where,
            )
            continue
        if actions is None:
            actions = _statement_actions(statement, known) or []
        # keys of one service can be global to others ("cross-service" keys): only a
        # statement whose actions are all of the key's own service is checked
        if not actions or any(a.split(":", 1)[0].lower() != prefix.lower() for a in actions):
            continue
        supported = tuple(dict.fromkeys(k for a in actions for k in known.condition_keys(a)))
        if not any(key_matches(key, k) for k in supported):
            named = actions[0] if len(actions) == 1 else f"any of the {len(actions)} actions"
            own = tuple(k for k in supported if k.lower().startswith(f"{prefix.lower()}:"))
            yield Finding(
                Severity.WARNING,
                "unknown-condition-key",
                f"{key!r} is not a condition key of {named} ({dated}): the key is absent from "
                "its requests, so the condition does not test what it seems to"
                + _did_you_mean(key, own or supported),
                where,
            )
