"""The evaluation points differential testing found, each decided from the IAM User Guide.

One row per point: the sentence it rests on (quoted in the comment above it), what
``Policy.evaluate`` decides, what ``validate`` says where it has something to say, and what the
exact mode concludes from it. Where the guide is silent or contradicts itself the row says so
(docs/exact.md, "Evaluation points", says the same).
"""

from __future__ import annotations

from typing import Any

import pytest

from lambda_perms import Policy, Request, validate
from lambda_perms._universe import Universe

UNIVERSE = Universe.from_actions(("s3:ListBucket", "s3:GetObject", "lambda:InvokeFunction"))
ALLOW_ALL = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}


def policy(*statements: dict[str, Any], version: str | None = "2012-10-17") -> Policy:
    document: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        document["Version"] = version
    return Policy.from_dict(document)


def allow(condition: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {**ALLOW_ALL, **more, "Condition": condition}


def deny(condition: dict[str, Any]) -> dict[str, Any]:
    return {**ALLOW_ALL, "Effect": "Deny", "Condition": condition}


def listing(context: dict[str, Any]) -> Request:
    return Request("s3:ListBucket", "arn:aws:s3:::b", context)


# -- ForAnyValue:StringLikeIfExists with the key absent ----------------------------------------
#
# Conflict: OPERATORS, "...IfExists condition operators": "If the key is not present, evaluate
# the condition element as true." MULTI, "ForAnyValue": "For no matching context key or if the
# key does not exist, the condition returns false." Decided: false. The set operator is the one
# defined over the key's values, an AWS user observes a deny for exactly this shape
# (ForAnyValue:StringEqualsIfExists on aws:TagKeys, a request without tags), and true would turn
# an Allow into an over-grant, the worse error.

TAGGED = policy(allow({"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": "env"}}))


@pytest.mark.parametrize(
    ("context", "allowed"),
    [
        ({}, False),  # the evaluation point: absent -> false
        ({"aws:TagKeys": []}, False),
        ({"aws:TagKeys": ["env"]}, True),
        ({"aws:TagKeys": ["team"]}, False),
    ],
)
def test_for_any_value_if_exists_with_the_key_absent(
    context: dict[str, Any], allowed: bool
) -> None:
    assert TAGGED.allows(listing(context)) is allowed


def test_for_any_value_if_exists_is_flagged_and_means_for_any_value() -> None:
    (finding,) = validate(TAGGED, universe=UNIVERSE)
    assert finding.code == "ifexists-set-operator"
    pytest.importorskip("z3")
    plain = policy(allow({"ForAnyValue:StringLike": {"aws:TagKeys": "env"}}))
    assert TAGGED.diff(plain, universe=UNIVERSE, exact=True).is_empty
    # ForAllValues is true on an absent key with or without IfExists (MULTI: "It also returns
    # true if there are no context keys in the request")
    every = policy(allow({"ForAllValues:StringLikeIfExists": {"aws:TagKeys": "env"}}))
    assert every.allows(listing({}))


# -- a value the operator cannot parse -----------------------------------------------------------
#
# Silent: no page says what IAM does with Bool "yes", IpAddress "10.1.2.300" or NumericLessThan
# "0x10" (OPERATORS only says what the values must be: "true or false", "the standard CIDR
# format", numbers). IAM Access Analyzer reports the shape as an error ("Invalid condition data
# type"; "Errors report when a part of the policy is not functional"). Decided: evaluation keeps
# the entry false - for an Allow the safe side - and validate reports every such value as an
# error, so the Deny that silently never denies is caught before it ships.

INVALID = [
    ("Bool", "aws:SecureTransport", "yes", {"aws:SecureTransport": "true"}),
    ("IpAddress", "aws:SourceIp", "10.1.2.300", {"aws:SourceIp": "10.1.2.3"}),
    ("NumericLessThan", "s3:max-keys", "0x10", {"s3:max-keys": "1"}),
]


@pytest.mark.parametrize(("operator", "key", "value", "context"), INVALID)
def test_an_invalid_value_makes_the_entry_false_and_validate_says_so(
    operator: str, key: str, value: str, context: dict[str, Any]
) -> None:
    condition = {operator: {key: value}}
    assert not policy(allow(condition)).allows(listing(context))  # an Allow never applies
    guarded = policy(ALLOW_ALL, deny(condition))
    assert guarded.allows(listing(context))  # ... and a Deny never denies
    # (the small universe defines no service condition keys: unknown-condition-key is not
    # what this row is about)
    (finding,) = [
        f for f in validate(guarded, universe=UNIVERSE) if f.code != "unknown-condition-key"
    ]
    assert finding.severity.value == "error"
    assert finding.code == "invalid-condition-value"
    assert finding.path == f"Statement[1].Condition.{operator}.{key}"
    assert repr(value) in finding.message
    assert "Deny never denies" in finding.message


def test_every_invalid_value_of_a_list_is_reported() -> None:
    findings = validate(
        policy(allow({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "10.1.2.300", "x"]}})),
        universe=UNIVERSE,
    )
    assert [f.path for f in findings] == [
        "Statement[0].Condition.IpAddress.aws:SourceIp[1]",
        "Statement[0].Condition.IpAddress.aws:SourceIp[2]",
    ]


@pytest.mark.parametrize(("operator", "key", "value", "context"), INVALID)
def test_the_exact_mode_reads_an_invalid_value_as_evaluation_does(
    operator: str, key: str, value: str, context: dict[str, Any]
) -> None:
    pytest.importorskip("z3")
    guarded = policy(ALLOW_ALL, deny({operator: {key: value}}))
    assert guarded.diff(policy(ALLOW_ALL), universe=UNIVERSE, exact=True).is_empty


# -- regression rows: what evaluation keeps doing ---------------------------------------------

ROWS: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    # OPERATORS, Date: "You must specify date/time values with one of the W3C implementations of
    # the ISO 8601 date formats or in epoch (UNIX) time" - both are instants, compared as such
    ("ISO policy, epoch request", {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
     {"aws:CurrentTime": "1577836799"}, True),
    ("ISO policy, epoch request at the instant",
     {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
     {"aws:CurrentTime": "1577836800"}, False),
    ("epoch policy, ISO request", {"DateGreaterThan": {"aws:CurrentTime": "1577836800"}},
     {"aws:CurrentTime": "2020-01-01T00:00:01+00:00"}, True),
    # VARIABLES, "Policy variables with no value": "Inverted condition operators like
    # StringNotEquals or StringNotLike do match against a null value"
    ("negated operator, variable without value",
     {"StringNotEquals": {"s3:prefix": "home/${aws:username}/"}}, {"s3:prefix": "home/x/"}, True),
    ("positive operator, variable without value",
     {"StringEquals": {"s3:prefix": "home/${aws:username}/"}}, {"s3:prefix": "home//"}, False),
    # VARIABLES: an empty string is a value ("" substitutes as "")
    ("an empty variable value is a value",
     {"StringEquals": {"s3:prefix": "home/${aws:username}/"}},
     {"s3:prefix": "home//", "aws:username": ""}, True),
    # OPERATORS, IP: "the standard CIDR format"; 0.0.0.0/0 is every IPv4 address (not IPv6)
    ("0.0.0.0/0, an IPv4 address", {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
     {"aws:SourceIp": "203.0.113.9"}, True),
    ("0.0.0.0/0, an IPv6 address", {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
     {"aws:SourceIp": "2001:db8::1"}, False),
    # OPERATORS, IP: "If you specify an IP address without the associated routing prefix, IAM
    # uses the default prefix value of /32"
    ("a bare address is itself", {"IpAddress": {"aws:SourceIp": "203.0.113.7"}},
     {"aws:SourceIp": "203.0.113.7"}, True),
    ("a bare address is /32", {"IpAddress": {"aws:SourceIp": "203.0.113.7"}},
     {"aws:SourceIp": "203.0.113.8"}, False),
    # OPERATORS, ARN: policy variables are supported in ARN operators
    ("a variable inside ArnLike",
     {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::${aws:username}-*"}},
     {"aws:SourceArn": "arn:aws:s3:::alice-logs", "aws:username": "alice"}, True),
    ("a variable inside ArnLike, another user",
     {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::${aws:username}-*"}},
     {"aws:SourceArn": "arn:aws:s3:::bob-logs", "aws:username": "alice"}, False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "condition", "context", "allowed"), ROWS, ids=[r[0] for r in ROWS]
)
def test_regression_rows(
    name: str, condition: dict[str, Any], context: dict[str, Any], allowed: bool
) -> None:
    assert policy(allow(condition)).allows(listing(context)) is allowed


def test_without_a_version_variables_are_literal() -> None:
    # VARIABLES: "If you don't include the Version element, ... the variables are treated as
    # literal strings"
    old = policy(allow({"StringEquals": {"s3:prefix": "${aws:username}"}}), version=None)
    assert not old.allows(listing({"s3:prefix": "alice", "aws:username": "alice"}))
    assert old.allows(listing({"s3:prefix": "${aws:username}"}))
    pytest.importorskip("z3")
    new = policy(allow({"StringEquals": {"s3:prefix": "${aws:username}"}}))
    difference = old.diff(new, universe=UNIVERSE, exact=True)
    assert difference.added
    assert difference.removed
    (added,) = difference.added
    assert added.witness is not None
    assert new.allows(added.witness)
    assert not old.allows(added.witness)


# RESOURCE, "Using wildcards in resource ARNs": "?" is one character and never ':'; a "*"
# inside a segment does not cross ':', a "*" that ends a segment may.
RESOURCE_ROWS = [
    ("arn:aws:lambda:us-east-1:123456789012:function:my*fn",
     "arn:aws:lambda:us-east-1:123456789012:function:my-fn", True),
    ("arn:aws:lambda:us-east-1:123456789012:function:my*fn",
     "arn:aws:lambda:us-east-1:123456789012:function:my:fn", False),
    ("arn:aws:lambda:us-east-1:123456789012:function:f?x",
     "arn:aws:lambda:us-east-1:123456789012:function:f:x", False),
    ("arn:aws:lambda:us-east-1:123456789012:function:my*",
     "arn:aws:lambda:us-east-1:123456789012:function:my-fn:prod", True),
]  # fmt: skip


@pytest.mark.parametrize(("pattern", "resource", "allowed"), RESOURCE_ROWS)
def test_resource_wildcards_and_colons(pattern: str, resource: str, allowed: bool) -> None:
    grant = policy({"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": pattern})
    assert grant.allows("lambda:InvokeFunction", resource) is allowed


def test_the_exact_mode_finds_the_colon_a_segment_star_does_not_cross() -> None:
    pytest.importorskip("z3")
    inside = policy(
        {
            "Effect": "Allow",
            "Action": "lambda:InvokeFunction",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:my*fn",
        }
    )
    ending = policy({"Effect": "Allow", "Action": "lambda:InvokeFunction",
                     "Resource": "arn:aws:lambda:us-east-1:123456789012:function:my*"})  # fmt: skip
    assert ending.covers(inside, universe=UNIVERSE, exact=True)
    (entry,) = inside.diff(ending, universe=UNIVERSE, exact=True).added
    assert entry.witness is not None
    assert ending.allows(entry.witness)
    assert not inside.allows(entry.witness)
