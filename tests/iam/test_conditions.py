"""Condition operators and policy variables against the AWS IAM User Guide.

Every expected value below is derived by hand from the page named in the comment above its
row group:

* OPERATORS - "IAM JSON policy elements: Condition operators"
* MULTI - "Single-valued vs. multivalued context keys"
* MULTI-EXAMPLES - "Multivalued context key examples"
* LOGIC - "Conditions with multiple context keys or values"
* VARIABLES - "IAM policy elements: Variables and tags"
* CONDITION - "IAM JSON policy elements: Condition"
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from lambda_perms.errors import InvalidPolicyError
from lambda_perms.iam.conditions import (
    KNOWN_OPERATORS,
    ConditionValue,
    Context,
    Operator,
    check_value,
    evaluate,
    parse_operator,
    substitute,
)

Row = tuple[str, str, Sequence[ConditionValue], Context, bool]

JOB = "aws:PrincipalTag/job-category"
INSTANCE_TYPES = ["t1.*", "t2.*", "m3.*"]
ANA_MARY = ["arn:aws:iam::222222222222:user/Ana", "arn:aws:iam::222222222222:user/Mary"]
TOPIC = "arn:aws:sns:us-west-2:123456789012:TOPIC-ID"
SOMESERVICE_PATTERN = "arn:aws:someservice:*:111122223333:finance/*"
SOMESERVICE_VALUE = (
    "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"
)
DISTRIBUTIONS = [
    "arn:aws:cloudfront::123456789012:distribution/*",
    "arn:aws:cloudfront::123456789012:distribution/support*",
]
BINARY = "QmluYXJ5VmFsdWVJbkJhc2U2NA=="
ENV_COST = ["environment", "cost-center"]
HOME = ["home/", "home/${aws:username}/"]

ROWS: list[Row] = [
    # OPERATORS, "Example string condition operator" (table: Match / No match / No match).
    ("StringEquals", JOB, ["iamuser-admin"], {JOB: "iamuser-admin"}, True),
    ("StringEquals", JOB, ["iamuser-admin"], {JOB: "dev-ops"}, False),
    ("StringEquals", JOB, ["iamuser-admin"], {}, False),
    # CONDITION: key names are not case-sensitive; StringEquals values are ("Users named
    # JohnDoe are denied access"), StringEqualsIgnoreCase matches johndoe or JohnDoe.
    ("StringEquals", "AWS:UserName", ["johndoe"], {"aws:username": "johndoe"}, True),
    ("StringEquals", "aws:username", ["johndoe"], {"aws:username": "JohnDoe"}, False),
    ("StringEqualsIgnoreCase", "aws:username", ["johndoe"], {"aws:username": "JohnDoe"}, True),
    ("StringNotEquals", "aws:username", ["johndoe"], {"aws:username": "JohnDoe"}, True),
    ("StringNotEqualsIgnoreCase", "aws:username", ["johndoe"], {"aws:username": "JOHNDOE"}, False),
    # OPERATORS, "...IfExists condition operators" example table (Match / No match / Match)
    # and the THISPOLICYDOESNOTWORK policy (StringLike on an absent key fails).
    (
        "StringLikeIfExists",
        "ec2:InstanceType",
        INSTANCE_TYPES,
        {"ec2:InstanceType": "t1.micro"},
        True,
    ),
    (
        "StringLikeIfExists",
        "ec2:InstanceType",
        INSTANCE_TYPES,
        {"ec2:InstanceType": "m2.micro"},
        False,
    ),
    ("StringLikeIfExists", "ec2:InstanceType", INSTANCE_TYPES, {}, True),
    ("StringLike", "ec2:InstanceType", INSTANCE_TYPES, {}, False),
    # OPERATORS, StringLike: * and ? are the only wildcards ("?" exactly one character);
    # StringEquals has no wildcards; the s3:prefix example lists "" as a value.
    ("StringLike", "s3:prefix", ["home/?/"], {"s3:prefix": "home/a/"}, True),
    ("StringLike", "s3:prefix", ["home/?/"], {"s3:prefix": "home/ab/"}, False),
    ("StringLike", "s3:prefix", ["home/*"], {"s3:prefix": "home/"}, True),
    ("StringLike", "k", ["[ab]"], {"k": "a"}, False),
    ("StringLike", "k", ["[ab]"], {"k": "[ab]"}, True),
    ("StringEquals", "ec2:InstanceType", ["t1.*"], {"ec2:InstanceType": "t1.micro"}, False),
    ("StringLike", "s3:prefix", ["", "home/"], {"s3:prefix": ""}, True),
    ("StringEquals", "aws:SecureTransport", ["true"], {"aws:SecureTransport": True}, True),
    # OPERATORS, "Important": a missing key makes a condition false, but true for an operator
    # that requires the key not to match (StringNotLike, ArnNotLike, ...); not for IfExists.
    ("StringNotLike", "s3:prefix", ["home/*"], {}, True),
    ("StringNotEquals", "aws:PrincipalTag/team", ["blue"], {}, True),
    ("StringNotEqualsIgnoreCase", "aws:PrincipalTag/team", ["blue"], {}, True),
    ("ArnNotLike", "aws:PrincipalArn", ANA_MARY, {}, True),
    ("ArnNotEquals", "aws:PrincipalArn", ANA_MARY, {}, True),
    ("NumericNotEquals", "s3:max-keys", ["10"], {}, True),
    ("DateNotEquals", "aws:CurrentTime", ["2020-01-01T00:00:00Z"], {}, True),
    ("NotIpAddress", "aws:SourceIp", ["203.0.113.0/24"], {}, True),
    ("NumericLessThan", "s3:max-keys", ["10"], {}, False),
    ("StringNotEqualsIfExists", "aws:PrincipalTag/team", ["blue"], {}, True),
    # LOGIC: several values are ORed; for a negated operator NORed ("returns true only if
    # all values evaluate to false"): the ArnNotLike table (Nikki matches, Mary does not).
    (
        "StringEquals",
        "aws:PrincipalTag/department",
        ["finance", "hr", "legal"],
        {"aws:PrincipalTag/department": "legal"},
        True,
    ),
    (
        "ArnNotLike",
        "aws:PrincipalArn",
        ANA_MARY,
        {"aws:PrincipalArn": "arn:aws:iam::222222222222:user/Nikki"},
        True,
    ),
    (
        "ArnNotLike",
        "aws:PrincipalArn",
        ANA_MARY,
        {"aws:PrincipalArn": "arn:aws:iam::222222222222:user/Mary"},
        False,
    ),
    (
        "ArnLike",
        "aws:PrincipalArn",
        ANA_MARY,
        {"aws:PrincipalArn": "arn:aws:iam::222222222222:user/Mary"},
        True,
    ),
    # OPERATORS, "Numeric condition operators": s3:max-keys up to 10; integer or decimal.
    ("NumericLessThanEquals", "s3:max-keys", ["10"], {"s3:max-keys": "10"}, True),
    ("NumericLessThanEquals", "s3:max-keys", ["10"], {"s3:max-keys": 11}, False),
    ("NumericLessThanEquals", "s3:max-keys", ["10"], {"s3:max-keys": "9.5"}, True),
    ("NumericEquals", "s3:max-keys", [10], {"s3:max-keys": "10.0"}, True),
    ("NumericGreaterThan", "s3:max-keys", ["10"], {"s3:max-keys": 10}, False),
    ("NumericGreaterThanEquals", "s3:max-keys", ["10"], {"s3:max-keys": 10}, True),
    ("NumericNotEquals", "s3:max-keys", ["10", "20"], {"s3:max-keys": 15}, True),
    ("NumericNotEquals", "s3:max-keys", ["10", "20"], {"s3:max-keys": 20}, False),
    # Bad numeric values are false, negated or not; "Policy variables - Not supported".
    ("NumericGreaterThan", "s3:max-keys", ["abc"], {"s3:max-keys": 5}, False),
    ("NumericNotEquals", "s3:max-keys", ["abc"], {"s3:max-keys": 5}, False),
    ("NumericEquals", "s3:max-keys", ["${aws:max}"], {"s3:max-keys": 5, "aws:max": "5"}, False),
    ("NumericEquals", "s3:max-keys", ["5"], {"s3:max-keys": "five"}, False),
    # OPERATORS, "Date condition operators": aws:TokenIssueTime issued after
    # 2020-01-01T00:00:01Z; absent when not using temporary credentials. Values are W3C ISO
    # 8601 dates or epoch (UNIX) time.
    (
        "DateGreaterThan",
        "aws:TokenIssueTime",
        ["2020-01-01T00:00:01Z"],
        {"aws:TokenIssueTime": "2020-06-01T00:00:00Z"},
        True,
    ),
    (
        "DateGreaterThan",
        "aws:TokenIssueTime",
        ["2020-01-01T00:00:01Z"],
        {"aws:TokenIssueTime": "2019-12-31T23:59:59Z"},
        False,
    ),
    ("DateGreaterThan", "aws:TokenIssueTime", ["2020-01-01T00:00:01Z"], {}, False),
    (
        "DateLessThan",
        "aws:CurrentTime",
        ["2020-01-01T00:00:00Z"],
        {"aws:CurrentTime": "2019-12-31T23:00:00-02:00"},
        False,
    ),
    ("DateEquals", "aws:EpochTime", ["1577836800"], {"aws:EpochTime": 1577836800}, True),
    (
        "DateEquals",
        "aws:EpochTime",
        ["2020-01-01T00:00:00Z"],
        {"aws:EpochTime": "1577836800"},
        True,
    ),
    (
        "DateGreaterThanEquals",
        "aws:CurrentTime",
        ["2020-01-01"],
        {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
        True,
    ),
    (
        "DateLessThan",
        "aws:CurrentTime",
        ["2020"],
        {"aws:CurrentTime": "2019-12-31T23:59:59Z"},
        True,
    ),
    (
        "DateLessThan",
        "aws:CurrentTime",
        ["2020-01-01T00:00:00.5Z"],
        {"aws:CurrentTime": "2020-01-01T00:00:00.25Z"},
        True,
    ),
    ("DateEquals", "aws:CurrentTime", ["not-a-date"], {"aws:CurrentTime": "2020-01-01"}, False),
    ("DateNotEquals", "aws:CurrentTime", ["2020-13-01"], {"aws:CurrentTime": "2020-01-01"}, False),
    # OPERATORS, "Example boolean condition operator" (Match / No match / No match).
    ("Bool", "aws:SecureTransport", ["false"], {"aws:SecureTransport": False}, True),
    ("Bool", "aws:SecureTransport", ["false"], {"aws:SecureTransport": True}, False),
    ("Bool", "aws:SecureTransport", ["false"], {}, False),
    ("Bool", "aws:SecureTransport", [False], {"aws:SecureTransport": "false"}, True),
    ("Bool", "aws:SecureTransport", ["maybe"], {"aws:SecureTransport": False}, False),
    # OPERATORS, "Binary condition operators" table (Match / No match / No match).
    ("BinaryEquals", "key", [BINARY], {"key": BINARY}, True),
    ("BinaryEquals", "key", [BINARY], {"key": "ASIAIOSFODNN7EXAMPLE"}, False),
    ("BinaryEquals", "key", [BINARY], {}, False),
    ("BinaryEquals", "key", ["not base64!"], {"key": BINARY}, False),
    # OPERATORS, "IP address condition operators": 203.0.113.0/24 table, the IPv4+IPv6
    # example, a bare address means /32; NotIpAddress is "all IP addresses except".
    ("IpAddress", "aws:SourceIp", ["203.0.113.0/24"], {"aws:SourceIp": "203.0.113.1"}, True),
    ("IpAddress", "aws:SourceIp", ["203.0.113.0/24"], {"aws:SourceIp": "198.51.100.1"}, False),
    (
        "IpAddress",
        "aws:SourceIp",
        ["203.0.113.0/24", "2001:DB8:1234:5678::/64"],
        {"aws:SourceIp": "2001:db8:1234:5678::1"},
        True,
    ),
    (
        "IpAddress",
        "aws:SourceIp",
        ["203.0.113.0/24", "2001:DB8:1234:5678::/64"],
        {"aws:SourceIp": "2001:db8:1234:5679::1"},
        False,
    ),
    ("IpAddress", "aws:SourceIp", ["203.0.113.5"], {"aws:SourceIp": "203.0.113.5"}, True),
    ("IpAddress", "aws:SourceIp", ["203.0.113.5"], {"aws:SourceIp": "203.0.113.6"}, False),
    ("IpAddress", "aws:SourceIp", ["0.0.0.0/0"], {"aws:SourceIp": "2001:db8::1"}, False),
    ("NotIpAddress", "aws:SourceIp", ["203.0.113.0/24"], {"aws:SourceIp": "198.51.100.1"}, True),
    ("NotIpAddress", "aws:SourceIp", ["203.0.113.0/24"], {"aws:SourceIp": "203.0.113.9"}, False),
    ("IpAddress", "aws:SourceIp", ["203.0.113.0/33"], {"aws:SourceIp": "203.0.113.1"}, False),
    ("NotIpAddress", "aws:SourceIp", ["not-an-ip"], {"aws:SourceIp": "203.0.113.1"}, False),
    # OPERATORS, "Example ARN condition operator" table (Match / No match / No match) and
    # the six-component rule: the someservice example fails ArnLike but passes StringLike.
    ("ArnEquals", "aws:SourceArn", [TOPIC], {"aws:SourceArn": TOPIC}, True),
    (
        "ArnEquals",
        "aws:SourceArn",
        [TOPIC],
        {"aws:SourceArn": "arn:aws:sns:us-west-2:777788889999:TOPIC-ID"},
        False,
    ),
    ("ArnEquals", "aws:SourceArn", [TOPIC], {}, False),
    (
        "ArnLike",
        "aws:SourceArn",
        [SOMESERVICE_PATTERN],
        {"aws:SourceArn": SOMESERVICE_VALUE},
        False,
    ),
    (
        "StringLike",
        "aws:SourceArn",
        [SOMESERVICE_PATTERN],
        {"aws:SourceArn": SOMESERVICE_VALUE},
        True,
    ),
    (
        "ArnEquals",
        "aws:PrincipalArn",
        ["arn:aws:iam::*:role/dev-?"],
        {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/dev-1"},
        True,
    ),
    (
        "ArnLike",
        "aws:PrincipalArn",
        ["arn:aws:iam::123456789012:role/Admin"],
        {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/admin"},
        False,
    ),
    (
        "ArnLike",
        "aws:SourceArn",
        ["arn:aws:lambda:*:123456789012:function:*"],
        {"aws:SourceArn": "arn:aws:lambda:us-east-1:123456789012:function:f:prod"},
        True,
    ),
    # OPERATORS, "Example using ForAllValues with an ARN condition operator": every ARN must
    # match a pattern; no key in the request -> Match.
    (
        "ForAllValues:ArnLike",
        "logs:LogGeneratingResourceArns",
        DISTRIBUTIONS,
        {
            "logs:LogGeneratingResourceArns": [
                "arn:aws:cloudfront::123456789012:distribution/costcenter",
                "arn:aws:cloudfront::123456789012:distribution/support2025",
            ]
        },
        True,
    ),
    (
        "ForAllValues:ArnLike",
        "logs:LogGeneratingResourceArns",
        DISTRIBUTIONS,
        {
            "logs:LogGeneratingResourceArns": [
                "arn:aws:cloudfront::777788889999:distribution/costcenter"
            ]
        },
        False,
    ),
    ("ForAllValues:ArnLike", "logs:LogGeneratingResourceArns", DISTRIBUTIONS, {}, True),
    # OPERATORS, "Condition operator to check existence of condition keys": true = absent,
    # false = present and not null; MULTI: empty values count as null.
    ("Null", "aws:TokenIssueTime", ["true"], {}, True),
    ("Null", "aws:TokenIssueTime", ["true"], {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}, False),
    ("Null", "aws:TokenIssueTime", ["false"], {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}, True),
    ("Null", "aws:TokenIssueTime", ["false"], {}, False),
    ("Null", "aws:TagKeys", ["false"], {"aws:TagKeys": []}, False),
    ("Null", "aws:TokenIssueTime", ["maybe"], {}, False),
    # MULTI, "ForAllValues" example table (Null guard aside): every request value must match
    # a policy value; no key -> true (MULTI: "It also returns true if there are no context
    # keys in the request"), and an empty set likewise.
    ("ForAllValues:StringEquals", "aws:TagKeys", ENV_COST, {"aws:TagKeys": ["environment"]}, True),
    (
        "ForAllValues:StringEquals",
        "aws:TagKeys",
        ENV_COST,
        {"aws:TagKeys": ["environment", "cost-center"]},
        True,
    ),
    (
        "ForAllValues:StringEquals",
        "aws:TagKeys",
        ENV_COST,
        {"aws:TagKeys": ["environment", "dept"]},
        False,
    ),
    ("ForAllValues:StringEquals", "aws:TagKeys", ENV_COST, {}, True),
    ("ForAllValues:StringEquals", "aws:TagKeys", ENV_COST, {"aws:TagKeys": []}, True),
    ("ForAllValues:StringEquals", "aws:TagKeys", ENV_COST, {"aws:TagKeys": ""}, True),
    # MULTI, "ForAnyValue" example table: one match suffices; absent -> false.
    (
        "ForAnyValue:StringEquals",
        "aws:TagKeys",
        ENV_COST,
        {"aws:TagKeys": ["environment", "dept"]},
        True,
    ),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ENV_COST, {"aws:TagKeys": ["dept"]}, False),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ENV_COST, {}, False),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ENV_COST, {"aws:TagKeys": []}, False),
    # Evaluation point: IfExists (OPERATORS: "If the key is not present, evaluate the
    # condition element as true") meets ForAnyValue (MULTI: "For no matching context key or if
    # the key does not exist, the condition returns false"). The set operator wins: AWS users
    # observe a deny for ForAnyValue:StringEqualsIfExists on aws:TagKeys when the request has
    # no tags, and true would make an Allow over-grant.
    ("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", ENV_COST, {}, False),
    ("ForAnyValue:StringLikeIfExists", "aws:TagKeys", ["env"], {}, False),
    ("ForAnyValue:StringLikeIfExists", "aws:TagKeys", ["env"], {"aws:TagKeys": ["env"]}, True),
    ("ForAllValues:StringLikeIfExists", "aws:TagKeys", ["env"], {}, True),
    # OPERATORS, ForAnyValue with a string operator: "ForAnyValue comparison is case
    # sensitive" (Environment does not match environment).
    (
        "ForAnyValue:StringEquals",
        "aws:TagKeys",
        ["environment"],
        {"aws:TagKeys": ["Environment"]},
        False,
    ),
    # MULTI-EXAMPLES, "Deny a single / multiple policy condition value(s)":
    # ForAllValues:StringNotLike - key1 tags No match, key2 / key3 Match, absent Match.
    ("ForAllValues:StringNotLike", "aws:TagKeys", ["key1*"], {"aws:TagKeys": ["key1"]}, False),
    (
        "ForAllValues:StringNotLike",
        "aws:TagKeys",
        ["key1*"],
        {"aws:TagKeys": ["key1hr", "key1personnel"]},
        False,
    ),
    ("ForAllValues:StringNotLike", "aws:TagKeys", ["key1*"], {"aws:TagKeys": ["key2"]}, True),
    ("ForAllValues:StringNotLike", "aws:TagKeys", ["key1*"], {}, True),
    (
        "ForAllValues:StringNotLike",
        "aws:TagKeys",
        ["key1*", "key2*"],
        {"aws:TagKeys": ["key1hr", "key2audit"]},
        False,
    ),
    (
        "ForAllValues:StringNotLike",
        "aws:TagKeys",
        ["key1*", "key2*"],
        {"aws:TagKeys": ["key3"]},
        True,
    ),
    # OPERATORS, multivalued string table: ForAnyValue:StringNotEquals - "At least one context
    # key value in the request must NOT match any of values"; absent -> false (MULTI).
    (
        "ForAnyValue:StringNotEquals",
        "aws:TagKeys",
        ["environment"],
        {"aws:TagKeys": ["environment", "dept"]},
        True,
    ),
    (
        "ForAnyValue:StringNotEquals",
        "aws:TagKeys",
        ["environment"],
        {"aws:TagKeys": ["environment"]},
        False,
    ),
    ("ForAnyValue:StringNotEquals", "aws:TagKeys", ["environment"], {}, False),
    # OPERATORS, Boolean: ForAllValues:Bool / ForAnyValue:Bool over an array of booleans.
    ("ForAnyValue:Bool", "k", ["true"], {"k": [False, True]}, True),
    ("ForAllValues:Bool", "k", ["true"], {"k": [True, False]}, False),
    # MULTI: "Multivalued context keys require a condition set operator" - a plain operator
    # on a multivalued request value matches nothing (see evaluate's docstring).
    (
        "StringEquals",
        "aws:CalledVia",
        ["athena.amazonaws.com"],
        {"aws:CalledVia": ["athena.amazonaws.com", "glue.amazonaws.com"]},
        False,
    ),
    (
        "StringNotEquals",
        "aws:CalledVia",
        ["athena.amazonaws.com"],
        {"aws:CalledVia": ["glue.amazonaws.com"]},
        False,
    ),
    # OPERATORS, "Example using a policy variable with a string condition operator":
    # home/${aws:username}/ becomes home/martha_rivera/; no aws:username -> that value has no
    # match (the other values still do).
    (
        "StringLike",
        "s3:prefix",
        HOME,
        {"aws:username": "martha_rivera", "s3:prefix": "home/martha_rivera/"},
        True,
    ),
    (
        "StringLike",
        "s3:prefix",
        HOME,
        {"aws:username": "martha_rivera", "s3:prefix": "home/nikki_wolf/"},
        False,
    ),
    ("StringLike", "s3:prefix", HOME, {"s3:prefix": "home/nikki_wolf/"}, False),
    ("StringLike", "s3:prefix", HOME, {"s3:prefix": "home/"}, True),
    # VARIABLES, "Using variables in policies" (owner tag example) and "Policy variables with
    # no value": StringNotEquals against a variable with no value matches (the Deny applies).
    (
        "StringEquals",
        "s3:ExistingObjectTag/owner",
        ["${aws:PrincipalTag/owner}"],
        {"s3:ExistingObjectTag/owner": "alice", "aws:PrincipalTag/owner": "alice"},
        True,
    ),
    (
        "StringEquals",
        "s3:ExistingObjectTag/owner",
        ["${aws:PrincipalTag/owner}"],
        {"s3:ExistingObjectTag/owner": "alice"},
        False,
    ),
    (
        "StringNotEquals",
        "s3:ExistingObjectTag/Team",
        ["${aws:PrincipalTag/Team}"],
        {"s3:ExistingObjectTag/Team": "blue"},
        True,
    ),
    (
        "StringNotEquals",
        "s3:ExistingObjectTag/Team",
        ["${aws:PrincipalTag/Team}"],
        {"s3:ExistingObjectTag/Team": "blue", "aws:principaltag/team": "blue"},
        False,
    ),
    # VARIABLES, "Special characters": ${*} ${?} ${$} are literal characters.
    ("StringLike", "k", ["${*}"], {"k": "anything"}, False),
    ("StringLike", "k", ["${*}"], {"k": "*"}, True),
    ("StringLike", "k", ["a${?}b"], {"k": "axb"}, False),
    ("StringLike", "k", ["a${?}b*"], {"k": "a?bc"}, True),
    ("StringEquals", "k", ["cost${$}"], {"k": "cost$"}, True),
    # VARIABLES, "Specifying default values": ${aws:PrincipalTag/team, 'company-wide'}.
    (
        "StringEquals",
        "aws:ResourceTag/team",
        ["${aws:PrincipalTag/team, 'company-wide'}"],
        {"aws:ResourceTag/team": "company-wide"},
        True,
    ),
    (
        "StringEquals",
        "aws:ResourceTag/team",
        ["${aws:PrincipalTag/team, 'company-wide'}"],
        {"aws:ResourceTag/team": "company-wide", "aws:PrincipalTag/team": "yellow"},
        False,
    ),
    # VARIABLES: key names are case-insensitive; a multivalued key is not a variable.
    ("StringEquals", "k", ["${AWS:UserName}"], {"k": "bob", "aws:username": "bob"}, True),
    ("StringEquals", "k", ["${aws:TagKeys}"], {"k": "a", "aws:TagKeys": ["a"]}, False),
    # OPERATORS: ARN operators support policy variables (and Bool is marked "Supported").
    (
        "ArnLike",
        "aws:PrincipalArn",
        ["arn:aws:iam::*:user/${aws:username}"],
        {"aws:PrincipalArn": "arn:aws:iam::123456789012:user/bob", "aws:username": "bob"},
        True,
    ),
    (
        "Bool",
        "aws:MultiFactorAuthPresent",
        ["${aws:SecureTransport}"],
        {"aws:MultiFactorAuthPresent": True, "aws:SecureTransport": "true"},
        True,
    ),
]


@pytest.mark.parametrize(("operator", "key", "values", "context", "expected"), ROWS)
def test_evaluate(
    operator: str,
    key: str,
    values: Sequence[ConditionValue],
    context: Context,
    expected: bool,
) -> None:
    assert evaluate(operator, key, values, context) is expected
    assert evaluate(parse_operator(operator), key, values, context) is expected


def test_variables_off_reads_values_literally() -> None:
    # VARIABLES: without Version 2012-10-17 "variables like ${aws:username} are treated as
    # literal strings in the policy".
    context: Context = {"aws:username": "bob", "k": "${aws:username}"}
    assert evaluate("StringEquals", "k", ["${aws:username}"], context, variables=False)
    assert not evaluate("StringEquals", "k", ["${aws:username}"], context)
    assert evaluate(
        "StringEquals",
        "k",
        ["${aws:username}"],
        {"aws:username": "${aws:username}", "k": "${aws:username}"},
    )


def test_single_string_value_is_one_value() -> None:
    assert evaluate("StringEquals", "k", "ab", {"k": "ab"})
    assert not evaluate("StringEquals", "k", "ab", {"k": "a"})


def test_exact_case_key_wins_over_case_insensitive_match() -> None:
    context: Context = {"aws:ResourceTag/Foo": "bar2", "aws:ResourceTag/foo": "bar1"}
    assert evaluate("StringEquals", "aws:ResourceTag/foo", ["bar1"], context)
    assert evaluate("StringEquals", "aws:ResourceTag/Foo", ["bar2"], context)


# --------------------------------------------------------------------------------------------
# parse_operator


@pytest.mark.parametrize(
    ("text", "base", "set_operator", "if_exists", "family"),
    [
        ("StringEquals", "StringEquals", None, False, "String"),
        ("StringLikeIfExists", "StringLike", None, True, "String"),
        ("ForAnyValue:StringLikeIfExists", "StringLike", "ForAnyValue", True, "String"),
        ("ForAllValues:ArnNotLike", "ArnNotLike", "ForAllValues", False, "Arn"),
        ("NumericLessThanEqualsIfExists", "NumericLessThanEquals", None, True, "Numeric"),
        ("DateGreaterThan", "DateGreaterThan", None, False, "Date"),
        ("ForAnyValue:Bool", "Bool", "ForAnyValue", False, "Bool"),
        ("BinaryEqualsIfExists", "BinaryEquals", None, True, "Binary"),
        ("NotIpAddressIfExists", "NotIpAddress", None, True, "IpAddress"),
        ("Null", "Null", None, False, "Null"),
        # No page says a set prefix is invalid on Null, so it is accepted.
        ("ForAllValues:Null", "Null", "ForAllValues", False, "Null"),
    ],
)
def test_parse_operator(
    text: str,
    base: str,
    set_operator: str | None,
    if_exists: bool,
    family: str,
) -> None:
    op = parse_operator(text)
    assert op == Operator(
        text=text,
        base=base,
        set_operator=op.set_operator,
        if_exists=if_exists,
        family=op.family,
    )
    assert (op.set_operator, op.family) == (set_operator, family)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("StringEqual", "unknown condition operator 'StringEqual'; did you mean 'StringEquals'?"),
        (
            "ForAnyValues:StringEquals",
            "unknown condition operator 'ForAnyValues:StringEquals'; "
            "did you mean 'ForAnyValue:StringEquals'?",
        ),
        (
            "ForAllValues:StringLikeIfExist",
            "unknown condition operator 'ForAllValues:StringLikeIfExist'; "
            "did you mean 'ForAllValues:StringLikeIfExists'?",
        ),
        ("stringequals", "unknown condition operator 'stringequals'; did you mean 'StringEquals'?"),
        ("Bogus", "unknown condition operator 'Bogus'"),
        ("", "unknown condition operator ''"),
        # OPERATORS: "You can add IfExists to the end of any condition operator name except
        # the Null condition".
        (
            "NullIfExists",
            "invalid condition operator 'NullIfExists': IfExists cannot be added to the Null "
            "condition operator",
        ),
        (
            "ForAnyValue:NullIfExists",
            "invalid condition operator 'ForAnyValue:NullIfExists': IfExists cannot be added "
            "to the Null condition operator",
        ),
    ],
)
def test_parse_operator_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match="condition operator") as info:
        parse_operator(text)
    assert isinstance(info.value, InvalidPolicyError)
    assert str(info.value) == message


def test_evaluate_rejects_unknown_operator() -> None:
    with pytest.raises(InvalidPolicyError, match="did you mean 'ArnLike'"):
        evaluate("ArnLik", "k", ["v"], {})


def test_known_operators() -> None:
    assert list(KNOWN_OPERATORS) == sorted(KNOWN_OPERATORS)
    assert len(KNOWN_OPERATORS) == 27
    assert {"StringEquals", "ArnNotLike", "NotIpAddress", "BinaryEquals", "Null"} <= set(
        KNOWN_OPERATORS
    )


def test_negated() -> None:
    negated = {name for name in KNOWN_OPERATORS if parse_operator(name).negated}
    assert negated == {
        "StringNotEquals",
        "StringNotEqualsIgnoreCase",
        "StringNotLike",
        "NumericNotEquals",
        "DateNotEquals",
        "NotIpAddress",
        "ArnNotEquals",
        "ArnNotLike",
    }


# --------------------------------------------------------------------------------------------
# substitute


@pytest.mark.parametrize(
    ("text", "context", "expected"),
    [
        ("home/${aws:username}/", {"aws:username": "alice"}, "home/alice/"),
        ("home/${AWS:UserName}/", {"aws:username": "alice"}, "home/alice/"),
        ("home/${aws:username}/", {}, None),
        ("${aws:username}", {"aws:username": ""}, ""),
        ("${aws:userid, 'anonymous'}", {}, "anonymous"),
        ("${aws:userid,'anonymous'}", {}, "anonymous"),
        ("${aws:userid, 'anonymous'}", {"aws:userid": "AIDA1"}, "AIDA1"),
        (
            "amzn-s3-demo-bucket-${aws:PrincipalTag/team, 'company-wide'}",
            {},
            "amzn-s3-demo-bucket-company-wide",
        ),
        ("${*}${?}${$}", {}, "*?$"),
        ("a*b?c$d", {}, "a*b?c$d"),
        ("${aws:SecureTransport}/${n}", {"aws:SecureTransport": True, "n": 42}, "true/42"),
        ("${aws:TagKeys}", {"aws:TagKeys": ["a", "b"]}, None),
        ("${aws:TagKeys, 'none'}", {"aws:TagKeys": ["a"]}, None),
        ("${a}-${b}", {"a": "1", "b": "2"}, "1-2"),
        ("${a}-${b}", {"a": "1"}, None),
        ("cost $5 ${unterminated", {}, "cost $5 ${unterminated"),
        ("${}", {}, None),
    ],
)
def test_substitute(text: str, context: Context, expected: str | None) -> None:
    assert substitute(text, context) == expected


# --------------------------------------------------------------------------------------------
# check_value


@pytest.mark.parametrize(
    ("operator", "value", "ok"),
    [
        ("StringEquals", "anything ${x} *", True),
        ("ArnLike", "not an arn", True),
        ("NumericEquals", "10", True),
        ("NumericEquals", 10, True),
        ("NumericEquals", "-1.5", True),
        ("NumericEquals", "ten", False),
        ("NumericEquals", True, False),
        ("NumericLessThan", "${aws:n}", False),
        ("DateGreaterThan", "2020-01-01T00:00:01Z", True),
        ("DateGreaterThan", "2020-01-01T00:00+01:00", True),
        ("DateGreaterThan", "2020-01", True),
        ("DateGreaterThan", "1577836800", True),
        ("DateGreaterThan", 1577836800, True),
        ("DateGreaterThan", "01/01/2020", False),
        ("DateGreaterThan", "2020-02-30", False),
        ("Bool", "true", True),
        ("Bool", False, True),
        ("Bool", "${aws:SecureTransport}", True),
        ("Bool", "yes", False),
        ("Null", "false", True),
        ("Null", "${aws:x}", False),
        ("BinaryEquals", BINARY, True),
        ("BinaryEquals", "not base64!", False),
        ("IpAddress", "203.0.113.0/24", True),
        ("IpAddress", "2001:DB8:1234:5678::/64", True),
        ("IpAddress", "203.0.113.7", True),
        ("NotIpAddress", "203.0.113.0/33", False),
        ("ForAnyValue:NumericEqualsIfExists", "x", False),
    ],
)
def test_check_value(operator: str, value: ConditionValue, ok: bool) -> None:
    message = check_value(parse_operator(operator), value)
    assert (message is None) is ok
    if message is not None:
        assert operator in message
        assert repr(value) in message
