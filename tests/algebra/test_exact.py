"""The exact mode of covers and diff, family by family, both directions.

Each row of ``WIDER`` is a condition pair where the first allows strictly more than the second,
by the meaning the IAM User Guide gives the operator (the page is named above each group):
the wider covers the narrower exactly, the narrower does not cover the wider and gives a witness
request that ``Policy.evaluate`` confirms, and as ``Deny`` conditions the coverage turns round.
``SAME`` rows are two spellings of one meaning: no difference either way.

Pages: OPERATORS - "IAM JSON policy elements: Condition operators"; MULTI - "Single-valued vs.
multivalued context keys"; VARIABLES - "IAM policy elements: Variables and tags"; PRINCIPAL -
"AWS JSON policy elements: Principal".
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import pytest

from lambda_perms import Policy, Request, UsageError
from lambda_perms._universe import Universe

pytest.importorskip("z3")

from lambda_perms.algebra._exact_text import _FOLD_EXTRA
from lambda_perms.algebra.exact import coverage

UNIVERSE = Universe.from_actions(("s3:ListBucket", "s3:GetObject", "iam:PassRole"))
Cond = dict[str, dict[str, Any]] | None


def policy(
    condition: Cond = None,
    *,
    effect: str = "Allow",
    version: str | None = "2012-10-17",
    resource: str = "*",
    extra: list[dict[str, Any]] = (),  # type: ignore[assignment]
    principal: Any = None,
) -> Policy:
    statement: dict[str, Any] = {"Effect": effect, "Action": "s3:ListBucket", "Resource": resource}
    if condition:
        statement["Condition"] = condition
    if principal is not None:
        statement["Principal"] = principal
    document: dict[str, Any] = {"Statement": [statement, *extra]}
    if version is not None:
        document["Version"] = version
    return Policy.from_dict(document, kind="resource" if principal is not None else "identity")


ALLOW_ALL = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}

WIDER: list[tuple[str, Cond, Cond]] = [
    # OPERATORS, String: StringLike "*" any run, "?" one character; StringEquals exact.
    ("like covers equals", {"StringLike": {"s3:prefix": "home/*"}},
     {"StringEquals": {"s3:prefix": "home/alice/"}}),
    ("like covers a narrower like", {"StringLike": {"s3:prefix": "home/*"}},
     {"StringLike": {"s3:prefix": "home/a?ice/*"}}),
    ("two values are or", {"StringEquals": {"s3:prefix": ["a", "b"]}},
     {"StringEquals": {"s3:prefix": "a"}}),
    ("negated values are nor", {"StringNotEquals": {"s3:prefix": "a"}},
     {"StringNotEquals": {"s3:prefix": ["a", "b"]}}),
    ("not like a prefix", {"StringNotLike": {"s3:prefix": "home/*"}},
     {"StringNotLike": {"s3:prefix": "h*"}}),
    # OPERATORS: StringEqualsIgnoreCase "Exact matching, ignoring case"
    ("ignore case covers every case", {"StringEqualsIgnoreCase": {"aws:username": "alice"}},
     {"StringEquals": {"aws:username": ["ALICE", "Alice", "alice"]}}),
    ("not ignore case", {"StringNotEquals": {"aws:username": "alice"}},
     {"StringNotEqualsIgnoreCase": {"aws:username": "alice"}}),
    # OPERATORS, ...IfExists: "If the key is not present, evaluate the condition element as true"
    ("if exists adds the absent key", {"StringLikeIfExists": {"s3:prefix": "home/*"}},
     {"StringLike": {"s3:prefix": "home/*"}}),
    ("nothing covers a condition", None, {"Bool": {"aws:SecureTransport": "true"}}),
    # OPERATORS, Numeric
    ("less or equal 20 covers 10", {"NumericLessThanEquals": {"s3:max-keys": 20}},
     {"NumericLessThanEquals": {"s3:max-keys": 10}}),
    ("less than covers equals", {"NumericLessThan": {"s3:max-keys": "10"}},
     {"NumericEquals": {"s3:max-keys": ["1", "9.5"]}}),
    ("at least covers more than", {"NumericGreaterThanEquals": {"s3:max-keys": 10}},
     {"NumericGreaterThan": {"s3:max-keys": 10}}),
    ("not equal covers less than", {"NumericNotEquals": {"s3:max-keys": 10}},
     {"NumericLessThan": {"s3:max-keys": 10}}),
    ("numeric if exists", {"NumericLessThanIfExists": {"s3:max-keys": 10}},
     {"NumericLessThan": {"s3:max-keys": 10}}),
    # OPERATORS, Date (ISO 8601 or epoch; compared as instants)
    ("a later deadline", {"DateLessThan": {"aws:CurrentTime": "2021-01-01T00:00:00Z"}},
     {"DateLessThan": {"aws:CurrentTime": "2020-01-01"}}),
    ("epoch against ISO", {"DateGreaterThan": {"aws:CurrentTime": "1577836799"}},
     {"DateGreaterThanEquals": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}),
    # OPERATORS, Boolean
    ("both booleans", {"Bool": {"aws:SecureTransport": ["true", "false"]}},
     {"Bool": {"aws:SecureTransport": "true"}}),
    ("bool if exists", {"BoolIfExists": {"aws:SecureTransport": "true"}},
     {"Bool": {"aws:SecureTransport": True}}),
    # OPERATORS, IP address: CIDR; "If you specify an IP address without the associated
    # routing prefix, IAM uses the default prefix value of /32"
    ("a /8 covers a /16", {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
     {"IpAddress": {"aws:SourceIp": "10.1.0.0/16"}}),
    ("a /16 covers a bare address", {"IpAddress": {"aws:SourceIp": "10.1.0.0/16"}},
     {"IpAddress": {"aws:SourceIp": "10.1.2.3"}}),
    ("IPv6 prefixes", {"IpAddress": {"aws:SourceIp": "2001:db8::/32"}},
     {"IpAddress": {"aws:SourceIp": "2001:db8:1234::/48"}}),
    ("0.0.0.0/0 is every IPv4 address", {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
     {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.0.2.1"]}}),
    ("not in a /16 covers not in a /8", {"NotIpAddress": {"aws:SourceIp": "10.1.0.0/16"}},
     {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
    # OPERATORS, ARN: each of the six components checked separately
    ("arn like covers arn equals", {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}},
     {"ArnEquals": {"aws:SourceArn": "arn:aws:s3:::bucket"}}),
    ("any account's roles", {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}},
     {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/app-*"}}),
    ("string like on an ARN", {"StringLike": {"aws:SourceArn": "arn:aws:s3:::*"}},
     {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::b*"}}),
    # OPERATORS, Null: "false (the key exists and its value is not null)"
    ("present covers equal", {"Null": {"s3:prefix": "false"}},
     {"StringEquals": {"s3:prefix": "a"}}),
    ("absent or a value", {"Null": {"s3:prefix": ["true", "false"]}},
     {"Null": {"s3:prefix": "true"}}),
    # OPERATORS, BinaryEquals: byte for byte against base-64
    ("binary values are or", {"BinaryEquals": {"k": ["QQ==", "Qg=="]}},
     {"BinaryEquals": {"k": "QQ=="}}),
    # MULTI: ForAnyValue - at least one; ForAllValues - every request value
    ("for any value, more values", {"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}},
     {"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}}),
    ("for all values, more values", {"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}},
     {"ForAllValues:StringEquals": {"aws:TagKeys": "a"}}),
    ("for all and present is for any", {"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}},
     {"ForAllValues:StringEquals": {"aws:TagKeys": "a"}, "Null": {"aws:TagKeys": "false"}}),
    ("for any like", {"ForAnyValue:StringLike": {"aws:TagKeys": "a*"}},
     {"ForAnyValue:StringEquals": {"aws:TagKeys": ["ab", "ac"]}}),
    # VARIABLES: a variable is the request's value of that key
    ("variable like covers variable equals",
     {"StringLike": {"s3:prefix": "home/${aws:username}/*"}},
     {"StringEquals": {"s3:prefix": "home/${aws:username}/"}}),
    ("variable covers the constant it takes",
     {"StringEquals": {"s3:prefix": "home/${aws:username}/"}},
     {"StringEquals": {"s3:prefix": "home/alice/", "aws:username": "alice"}}),
    # ... and a default only for an absent one: Null true also holds for "" and [], where the
    # variable is "" (a value) or has none (a list), so absent alone needs StringNotEquals ""
    ("a default stands for an absent key",
     {"StringEquals": {"s3:prefix": "home/${aws:username, 'guest'}/"}},
     {"StringEquals": {"s3:prefix": "home/guest/"}, "Null": {"aws:username": "true"},
      "StringNotEquals": {"aws:username": ""}}),
]  # fmt: skip

SAME: list[tuple[str, Cond, Cond]] = [
    ("epoch and ISO are one instant", {"DateLessThan": {"aws:CurrentTime": "1577836800"}},
     {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}),
    ("time zones", {"DateLessThan": {"aws:CurrentTime": "2020-01-01T01:00:00+01:00"}},
     {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}),
    ("a number or its text", {"NumericLessThan": {"s3:max-keys": 10}},
     {"NumericLessThan": {"s3:max-keys": "10.0"}}),
    ("Bool in any case", {"Bool": {"aws:SecureTransport": "TRUE"}},
     {"Bool": {"aws:SecureTransport": True}}),
    ("host bits of a CIDR", {"IpAddress": {"aws:SourceIp": "10.1.2.3/8"}},
     {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
    ("a bare address is /32", {"IpAddress": {"aws:SourceIp": "192.0.2.1"}},
     {"IpAddress": {"aws:SourceIp": "192.0.2.1/32"}}),
    ("ArnEquals and ArnLike behave identically",
     {"ArnEquals": {"aws:SourceArn": "arn:aws:s3:::b*"}},
     {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::b*"}}),
    ("like without wildcards is equals", {"StringLike": {"s3:prefix": "home/"}},
     {"StringEquals": {"s3:prefix": "home/"}}),
    ("both null answers are no condition", {"Null": {"s3:prefix": ["true", "false"]}}, None),
    ("ignore case in either spelling", {"StringEqualsIgnoreCase": {"aws:username": "ALICE"}},
     {"StringEqualsIgnoreCase": {"aws:username": "alice"}}),
]  # fmt: skip


def confirmed(witness: Request | None, allows: Policy, denies: Policy) -> None:
    assert witness is not None
    assert allows.allows(witness), witness
    assert not denies.allows(witness), witness


@pytest.mark.parametrize(("name", "wider", "narrower"), WIDER, ids=[r[0] for r in WIDER])
def test_the_wider_condition_covers_the_narrower(name: str, wider: Cond, narrower: Cond) -> None:
    w, n = policy(wider), policy(narrower)
    assert w.covers(n, universe=UNIVERSE, exact=True)
    result = coverage(n, w, universe=UNIVERSE)
    assert not result.covers
    assert result.exact
    confirmed(result.witness, w, n)


@pytest.mark.parametrize(("name", "wider", "narrower"), WIDER, ids=[r[0] for r in WIDER])
def test_as_deny_conditions_the_coverage_turns_round(
    name: str, wider: Cond, narrower: Cond
) -> None:
    if wider is None:
        pytest.skip("a Deny without a condition denies everything")
    deny_wide = policy(wider, effect="Deny", extra=[ALLOW_ALL])
    deny_narrow = policy(narrower, effect="Deny", extra=[ALLOW_ALL])
    assert deny_narrow.covers(deny_wide, universe=UNIVERSE, exact=True)
    result = coverage(deny_wide, deny_narrow, universe=UNIVERSE)
    assert not result.covers
    confirmed(result.witness, deny_narrow, deny_wide)


@pytest.mark.parametrize(("name", "one", "other"), SAME, ids=[r[0] for r in SAME])
def test_two_spellings_of_one_meaning(name: str, one: Cond, other: Cond) -> None:
    a, b = policy(one), policy(other)
    difference = a.diff(b, universe=UNIVERSE, exact=True)
    assert difference.is_empty, difference.to_text()
    assert difference.exact
    assert not difference.notes
    assert a.covers(b, universe=UNIVERSE, exact=True)
    assert b.covers(a, universe=UNIVERSE, exact=True)


def test_the_default_mode_reports_these_differences_that_do_not_exist() -> None:
    # conditions are atoms there: every SAME row with two different blocks differs
    for _, one, other in SAME:
        assert not policy(one).diff(policy(other), universe=UNIVERSE).is_empty


def test_principals_in_resource_policies() -> None:
    # PRINCIPAL: an account id "delegates authority to the account" - it names every principal
    # in it; a user ARN names one.
    account = policy(principal={"AWS": "123456789012"})
    user = policy(principal={"AWS": "arn:aws:iam::123456789012:user/alice"})
    everyone = policy(principal="*")
    assert account.covers(user, universe=UNIVERSE, exact=True)
    assert everyone.covers(account, universe=UNIVERSE, exact=True)
    result = coverage(user, account, universe=UNIVERSE)
    assert not result.covers
    assert result.witness is not None
    assert result.witness.principal is not None
    assert "123456789012" in result.witness.principal[1]  # in the account, not alice
    confirmed(result.witness, account, user)
    not_alice = Policy.from_dict(
        {"Version": "2012-10-17", "Statement": [{**ALLOW_ALL, "NotPrincipal": {"AWS":
         "arn:aws:iam::123456789012:user/alice"}}]}, kind="resource",
    )  # fmt: skip
    assert everyone.covers(not_alice, universe=UNIVERSE, exact=True)
    assert not not_alice.covers(user, universe=UNIVERSE, exact=True)


def test_incomparable_conditions_differ_both_ways_with_witnesses() -> None:
    a = policy({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    b = policy({"Bool": {"aws:SecureTransport": "true"}})
    difference = a.diff(b, universe=UNIVERSE, exact=True)
    (added,), (removed,) = difference.added, difference.removed
    confirmed(added.witness, b, a)
    confirmed(removed.witness, a, b)


def test_conditions_with_resources_and_actions() -> None:
    # resource regions and action groups of the default mode, conditions decided per region
    outer = Policy.from_dict({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetObject"],
         "Resource": "arn:aws:s3:::b*", "Condition": {"NumericLessThan": {"s3:max-keys": 20}}},
    ]})  # fmt: skip
    inner = Policy.from_dict({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::bucket",
         "Condition": {"NumericLessThan": {"s3:max-keys": 10}}},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::c",
         "Condition": {"NumericLessThan": {"s3:max-keys": 5}}},
    ]})  # fmt: skip
    difference = outer.diff(inner, universe=UNIVERSE, exact=True)
    # ListBucket on bucket under max-keys < 10 is inside the outer grant; GetObject on c is not
    assert [(e.action.text, e.resource) for e in difference.added] == [
        ("s3:GetObject", "arn:aws:s3:::c")
    ]
    for entry in difference.added:
        confirmed(entry.witness, inner, outer)
        assert entry.witness is not None
        assert entry.witness.action == entry.action.text
        assert entry.witness.resource == "arn:aws:s3:::c"
    for entry in difference.removed:
        confirmed(entry.witness, outer, inner)
    by_atoms = outer.diff(inner, universe=UNIVERSE).added  # conditions as atoms: both differ
    assert [e.action.text for e in by_atoms] == ["s3:GetObject", "s3:ListBucket"]


# -- what the exact mode says about itself -------------------------------------------------------


def test_witnesses_in_the_output() -> None:
    a = policy({"NumericLessThan": {"s3:max-keys": 10}})
    b = policy({"NumericLessThan": {"s3:max-keys": 20}})
    difference = a.diff(b, universe=UNIVERSE, exact=True)
    document = difference.to_dict()
    assert document["exact"] is True
    assert document["notes"] == []
    (entry,) = document["added"]
    witness = entry["witness"]
    assert witness["action"] == "s3:ListBucket"
    assert 10 <= float(witness["context"]["s3:max-keys"]) < 20
    assert "    witness: s3:ListBucket on " in difference.to_text()
    json.loads(difference.to_json())


def test_the_default_mode_is_unchanged() -> None:
    a = policy({"NumericLessThan": {"s3:max-keys": 10}})
    b = policy({"NumericLessThan": {"s3:max-keys": 20}})
    difference = a.diff(b, universe=UNIVERSE)
    assert not difference.exact
    assert set(difference.to_dict()) == {"added", "removed", "universe"}
    assert all(e.witness is None for e in (*difference.added, *difference.removed))
    assert "witness" not in difference.to_text()


@pytest.mark.parametrize(
    ("outer", "inner", "note"),
    [
        # one key compared as a string and as a number: the encoding would not be exact
        ({"NumericLessThan": {"k": 10}}, {"StringEquals": {"k": "5"}}, "different kinds"),
        ({"StringEqualsIgnoreCase": {"s3:prefix": "${aws:username}"}},
         {"StringEquals": {"s3:prefix": "a", "aws:username": "A"}}, "IgnoreCase"),
        ({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::${aws:username}"}},
         {"ArnEquals": {"aws:SourceArn": "arn:aws:s3:::a"},
          "StringEquals": {"aws:username": "a"}}, "ARN"),
    ],
)  # fmt: skip
def test_where_it_falls_back_it_says_so_and_never_claims_coverage(
    outer: Cond, inner: Cond, note: str
) -> None:
    result = coverage(policy(outer), policy(inner), universe=UNIVERSE)
    assert not result.covers  # true in fact, but not decided exactly: never claimed
    assert not result.exact
    assert any(note in n for n in result.notes)
    difference = policy(outer).diff(policy(inner), universe=UNIVERSE, exact=True)
    assert difference.notes


def test_policy_variables_in_resources_fall_back_to_the_default_mode() -> None:
    a = policy({"Bool": {"aws:SecureTransport": "true"}}, resource="arn:aws:s3:::${aws:username}")
    b = policy(None, resource="arn:aws:s3:::${aws:username}")
    assert b.covers(a, universe=UNIVERSE, exact=True)
    result = coverage(a, b, universe=UNIVERSE)
    assert not result.covers
    assert result.witness is None
    assert any("${...}" in n for n in result.notes)


def test_without_z3_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "z3", None)
    with pytest.raises(UsageError, match=r"lambda-perms\[exact\]"):
        policy().covers(policy(), universe=UNIVERSE, exact=True)
    assert policy().covers(policy(), universe=UNIVERSE)  # the default mode needs nothing


def test_the_case_folding_table_is_complete() -> None:
    """Every character whose Python lower case is a Latin-1 character c and that is not c,
    c.upper() or c.title() is listed (IAM policy text is Latin-1); only U+0130 lowers to more
    than one character, and its lower case holds U+0307, which no policy can contain."""
    extra: dict[str, str] = {}
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        lower = char.lower()
        if len(lower) != 1:
            assert code == 0x130
            assert "\u0307" in lower
            continue
        if ord(lower) <= 0xFF and char not in (lower, lower.upper(), lower.title()):
            extra[lower] = extra.get(lower, "") + char
    assert extra == _FOLD_EXTRA
    # and the encoding uses them: beyond k and K, only KELVIN SIGN lower-cases to k
    a = policy({"StringEqualsIgnoreCase": {"aws:username": "k"}})
    b = policy({"StringEquals": {"aws:username": ["k", "K"]}})
    result = coverage(b, a, universe=UNIVERSE)
    assert result.witness is not None
    assert result.witness.context == {"aws:username": "\u212a"}
    confirmed(result.witness, a, b)


def test_the_deploy_policy_against_its_minimized_form_is_fast() -> None:
    from lambda_perms import deploy_policy

    built = deploy_policy().policy
    small = built.minimize().policy
    start = time.perf_counter()
    assert built.covers(small, exact=True)
    assert small.covers(built, exact=True)
    assert time.perf_counter() - start < 5  # ~0.3 s measured; benchmarks/bench_exact.py


def test_the_article_policy_gets_witnesses() -> None:
    from lambda_perms import catalogue, deploy_policy

    article = Policy.from_dict({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": [e.action.text for e in catalogue().profile("article").actions],
        "Resource": "*"}]})  # fmt: skip
    built = deploy_policy().policy
    difference = built.diff(article, exact=True)
    assert difference.missing
    assert difference.excess
    for entry in (*difference.missing, *difference.excess)[:20]:
        assert entry.witness is not None
