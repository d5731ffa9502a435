"""An independent reference evaluator for IAM policy documents, used as the test oracle.

It reads the raw JSON document (any of the shapes AWS accepts) and decides a request with the
rules of the IAM User Guide written out plainly, sharing no code with lambda_perms: its own
wildcard matcher (recursive, not regex), its own shape normalisation, its own condition
operators (the subset the strategies generate). Keep it dumb: it is only useful while it is
obviously right.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from datetime import UTC, datetime
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
    if any(parse(base, v) is None for v in values):  # a value the operator cannot read
        return False
    if base.startswith("String"):  # policy variables; a value whose variable has none drops out
        values = [t for t in (resolve(str(v), context) for v in values) if t is not None]
    if set_op is not None:
        request = as_list(value) if present and value not in ("", []) else []
        results = [single(base, negated, r, values) for r in request]
        if None in results:
            return False
        if set_op == "ForAllValues":
            return all(results)
        return any(results)
    if not present:
        return if_exists or negated
    if isinstance(value, list):  # a plain operator on a multivalued key never matches
        return False
    return single(base, negated, value, values) is True


def resolve(text: str, context: Context) -> tuple[tuple[str, bool], ...] | None:
    """A policy string with its ${...} variables replaced: (character, is a wildcard) pairs."""
    out: list[tuple[str, bool]] = []
    i = 0
    while i < len(text):
        if text.startswith("${", i) and "}" in text[i:]:
            end = text.index("}", i)
            body = text[i + 2 : end]
            i = end + 1
            if body in ("*", "?", "$"):
                out.append((body, False))
                continue
            name, comma, default = body.partition(",")
            present, value = lookup(context, name.strip())
            if present and not isinstance(value, list):
                out += [(c, False) for c in str(value)]
            elif not present and comma:
                out += [(c, False) for c in default.strip().strip("'")]
            else:
                return None
            continue
        out.append((text[i], text[i] in "*?"))
        i += 1
    return tuple(out)


def glob_tokens(tokens: tuple[tuple[str, bool], ...], text: str) -> bool:
    if not tokens:
        return not text
    (char, wild), rest = tokens[0], tokens[1:]
    if wild and char == "*":
        return any(glob_tokens(rest, text[cut:]) for cut in range(len(text) + 1))
    if not text:
        return False
    return (wild or char == text[0]) and glob_tokens(rest, text[1:])


def parse(base: str, value: Any) -> Any:
    """The value read as the operator's type; None when it is not one."""
    text = str(value)
    try:
        if base.startswith("Numeric"):
            digits = text.lstrip("+-").replace(".", "", 1)
            return (
                float(text) if digits.isdigit() and text.count("-") + text.count("+") <= 1 else None
            )
        if base.startswith("Date"):
            unsigned = text.removeprefix("-")
            if unsigned.replace(".", "", 1).isdigit() and len(unsigned.split(".")[0]) != 4:
                return float(text)
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return moment.timestamp()
        if base.endswith("IpAddress"):
            return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    if base == "Bool":
        return text.lower() if text.lower() in ("true", "false") else None
    return text


def arn_like(pattern: str, arn: str) -> bool:
    pattern_parts, parts = pattern.split(":", 5), arn.split(":", 5)
    if len(pattern_parts) != 6:
        return False
    return all(glob(p, a, colon_aware=False) for p, a in zip(pattern_parts, parts, strict=True))


def single(base: str, negated: bool, value: Any, policy_values: list[Any]) -> bool | None:
    """Whether the request value matches (None: it is not of the operator's type)."""
    text = str(value)
    if base.startswith("Arn") and len(text.split(":", 5)) != 6:
        return None
    if base.endswith("IpAddress"):
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            return None
    elif base.startswith(("Numeric", "Date", "Bool")):
        request = parse(base, text)
        if request is None:
            return None

    def one(policy_value: Any) -> bool:
        if base in ("StringEquals", "StringNotEquals"):
            return text == "".join(c for c, _ in policy_value)
        if base in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
            return text.lower() == "".join(c for c, _ in policy_value).lower()
        if base in ("StringLike", "StringNotLike"):
            return glob_tokens(policy_value, text)
        if base.startswith("Arn"):
            return arn_like(str(policy_value), text)
        if base.endswith("IpAddress"):
            network = parse(base, policy_value)
            return bool(address.version == network.version and address in network)
        limit = parse(base, policy_value)
        if base == "Bool":
            return bool(request == limit)
        test = base.removeprefix("Numeric").removeprefix("Date")
        outcomes: dict[str, bool] = {
            "Equals": request == limit,
            "NotEquals": request == limit,
            "LessThan": request < limit,
            "LessThanEquals": request <= limit,
            "GreaterThan": request > limit,
            "GreaterThanEquals": request >= limit,
        }
        return outcomes[test]

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
