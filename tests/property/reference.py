"""An independent reference evaluator for IAM policy documents, used as the test oracle.

It reads the raw JSON document (any of the shapes AWS accepts) and decides a request with the
rules of the IAM User Guide written out plainly, sharing no code with lambda_perms: its own
wildcard matcher (recursive, not regex), its own shape normalisation, its own condition
operators (the subset the strategies generate). Keep it dumb: it is only useful while it is
obviously right.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

Context = Mapping[str, Any]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@cache
def glob(pattern: str, text: str, *, colon_aware: bool) -> bool:
    """``*`` any run, ``?`` one character. With ``colon_aware`` (resources), ``?`` and a ``*``
    that is not the last character of an ARN segment never match ``:``."""
    if not pattern:
        return not text
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        crosses = not colon_aware or rest == "" or rest[0] == ":"
        for cut in range(len(text) + 1):
            if not crosses and ":" in text[:cut]:
                break
            if glob(rest, text[cut:], colon_aware=colon_aware):
                return True
        return False
    if not text:
        return False
    if head == "?":
        return (not colon_aware or text[0] != ":") and glob(rest, text[1:], colon_aware=colon_aware)
    return head == text[0] and glob(rest, text[1:], colon_aware=colon_aware)


def action_matches(pattern: str, action: str) -> bool:
    return glob(pattern.lower(), action.lower(), colon_aware=False)


def resource_matches(pattern: str, resource: str) -> bool:
    return glob(pattern, resource, colon_aware=True)


def lookup(context: Context, key: str) -> tuple[bool, Any]:
    for name, value in context.items():
        if name.lower() == key.lower():
            return True, value
    return False, None


def condition_holds(operator: str, key: str, values: list[Any], context: Context) -> bool:
    set_op = None
    if operator.startswith(("ForAllValues:", "ForAnyValue:")):
        set_op, operator = operator.split(":", 1)
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    present, value = lookup(context, key)
    negated = "Not" in base
    if base == "Null":
        absent = not present or value in ("", [])
        return any(str(v).lower() == ("true" if absent else "false") for v in values)
    if set_op is not None:
        request = as_list(value) if present and value not in ("", []) else []
        if set_op == "ForAllValues":
            return all(single(base, negated, r, values) for r in request)
        return any(single(base, negated, r, values) for r in request)
    if not present:
        return if_exists or negated
    if isinstance(value, list):  # a plain operator on a multivalued key never matches
        return False
    return single(base, negated, value, values)


def single(base: str, negated: bool, value: Any, policy_values: list[Any]) -> bool:
    def one(policy_value: Any) -> bool:
        if base in ("StringEquals", "StringNotEquals"):
            return str(value) == str(policy_value)
        if base == "StringEqualsIgnoreCase":
            return str(value).lower() == str(policy_value).lower()
        if base in ("StringLike", "StringNotLike"):
            return glob(str(policy_value), str(value), colon_aware=False)
        if base == "Bool":
            return str(value).lower() == str(policy_value).lower()
        number, limit = float(value), float(policy_value)
        return {
            "NumericEquals": number == limit,
            "NumericLessThan": number < limit,
            "NumericGreaterThanEquals": number >= limit,
        }[base]

    matched = any(one(v) for v in policy_values)
    return not matched if negated else matched


def statement_applies(
    statement: Mapping[str, Any], action: str, resource: str, context: Context
) -> bool:
    if "Action" in statement:
        if not any(action_matches(p, action) for p in as_list(statement["Action"])):
            return False
    elif any(action_matches(p, action) for p in as_list(statement["NotAction"])):
        return False
    if "Resource" in statement:
        if not any(resource_matches(p, resource) for p in as_list(statement["Resource"])):
            return False
    elif "NotResource" in statement and any(
        resource_matches(p, resource) for p in as_list(statement["NotResource"])
    ):
        return False
    for operator, block in statement.get("Condition", {}).items():
        for key, values in block.items():
            if not condition_holds(operator, key, as_list(values), context):
                return False
    return True


def decide(document: Mapping[str, Any], action: str, resource: str, context: Context) -> str:
    """'deny' (explicit), 'allow' or 'implicit'."""
    statements = as_list(document["Statement"])
    applying = [s for s in statements if statement_applies(s, action, resource, context)]
    if any(s["Effect"] == "Deny" for s in applying):
        return "deny"
    if any(s["Effect"] == "Allow" for s in applying):
        return "allow"
    return "implicit"
