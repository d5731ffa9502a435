"""Exact covers and diff against a brute-force oracle over conditions.

Random policy pairs draw their conditions from a pool over a few keys of every kind (strings
with wildcards, numbers, dates, addresses, booleans, ARNs, a multivalued key, a policy variable,
existence checks). The oracle is the reference evaluator (``reference.decide``) applied to every
request of a finite space: each action, a resource in every region the patterns carve out, and
every combination of context values for the keys in play, where each key's values include every
boundary of the pool's constants (each constant, its neighbours on both sides, other case,
empty, absent, unparsable, lists of every shape). Nothing here asks the algebra for an expected
value:

* exact ``covers`` false: the witness separates the policies, for ``Policy.evaluate`` and for
  the reference alike;
* exact ``covers`` true: no request of the space separates them;
* laws in exact mode: reflexive, transitive, merge is the least upper bound (of Allow-only
  policies; with Deny statements merge is still below any common upper bound);
* exact mode is never less precise than the default: default ``covers`` implies exact ``covers``.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambda_perms import Policy
from lambda_perms._universe import Universe

from . import reference

pytest.importorskip("z3")

pytestmark = pytest.mark.property

#: A fifth of the profile's examples (each runs the solver and a brute-force sweep).
EXAMPLES = max(10, (settings.default.max_examples if settings.default else 150) // 5)

ACTIONS = ("s3:GetObject", "s3:PutObject")
UNIVERSE = Universe.from_actions(ACTIONS)
RESOURCE_PATTERNS = ("*", "arn:aws:s3:::b/*", "arn:aws:s3:::b/k")
RESOURCES = ("arn:aws:s3:::b/k", "arn:aws:s3:::b/x", "arn:aws:s3:::c")

# family -> (condition entries the policies draw from, the context values the sweep tries)
FAMILIES: dict[str, tuple[list[tuple[str, str, Any]], dict[str, list[Any]]]] = {
    "string": (
        [
            ("StringEquals", "s3:prefix", "home/"),
            ("StringEquals", "s3:prefix", ["home/", "home/alice/"]),
            ("StringLike", "s3:prefix", "home/*"),
            ("StringLike", "s3:prefix", "home/a?ice/*"),
            ("StringNotLike", "s3:prefix", "home/*"),
            ("StringNotEquals", "s3:prefix", "home/alice/"),
            ("StringEqualsIgnoreCase", "s3:prefix", "HOME/ALICE/"),
            ("StringNotEqualsIgnoreCase", "s3:prefix", "home/"),
            ("StringLikeIfExists", "s3:prefix", "home/*"),
            ("Null", "s3:prefix", "false"),
        ],
        {
            "s3:prefix": [
                None,
                "",
                "home/",
                "home/alice/",
                "HOME/ALICE/",
                "Home/Alice/",
                "home/alice/x",
                "home/a",
                "home/",
                "homex",
                "x",
                "home/aXice/",
            ],
        },
    ),
    "number": (
        [
            ("NumericLessThan", "s3:max-keys", 10),
            ("NumericLessThanEquals", "s3:max-keys", "20"),
            ("NumericGreaterThan", "s3:max-keys", "5"),
            ("NumericEquals", "s3:max-keys", ["10", "10.5"]),
            ("NumericNotEquals", "s3:max-keys", 10),
            ("NumericGreaterThanEqualsIfExists", "s3:max-keys", 10),
            ("NumericLessThan", "s3:max-keys", "0x10"),  # invalid: the entry is false
        ],
        {
            "s3:max-keys": [
                None,
                "",
                "x",
                "4",
                "5",
                "5.5",
                "9.5",
                "10",
                "10.5",
                "11",
                "20",
                "20.5",
                "-1",
            ],
        },
    ),
    "date": (
        [
            ("DateLessThan", "aws:CurrentTime", "2020-01-01T00:00:00Z"),
            ("DateLessThan", "aws:CurrentTime", "1577836800"),
            ("DateGreaterThanEquals", "aws:CurrentTime", "2020-06-01"),
            ("DateLessThanEquals", "aws:CurrentTime", "2021-01-01T00:00:00Z"),
            ("DateNotEquals", "aws:CurrentTime", "2020-06-01T00:00:00+00:00"),
        ],
        {
            "aws:CurrentTime": [
                None,
                "x",
                "2019-12-31T23:59:59Z",
                "2020-01-01T00:00:00Z",
                "2020-01-01T00:00:01Z",
                "2020-05-31T23:59:59Z",
                "2020-06-01T00:00:00Z",
                "2020-06-01T00:00:01Z",
                "2020-12-31T23:59:59Z",
                "2021-01-01T00:00:00Z",
                "2021-01-01T00:00:01Z",
            ],
        },
    ),
    "address": (
        [
            ("IpAddress", "aws:SourceIp", "10.0.0.0/8"),
            ("IpAddress", "aws:SourceIp", "10.1.0.0/16"),
            ("IpAddress", "aws:SourceIp", "10.1.2.3"),
            ("NotIpAddress", "aws:SourceIp", "10.0.0.0/8"),
            ("IpAddress", "aws:SourceIp", "0.0.0.0/0"),
            ("IpAddress", "aws:SourceIp", "2001:db8::/32"),
            ("NotIpAddressIfExists", "aws:SourceIp", ["10.1.0.0/16", "2001:db8::/32"]),
        ],
        {
            "aws:SourceIp": [
                None,
                "x",
                "9.255.255.255",
                "10.0.0.0",
                "10.0.255.255",
                "10.1.0.0",
                "10.1.2.3",
                "10.1.2.4",
                "10.1.255.255",
                "10.255.255.255",
                "11.0.0.0",
                "2001:db8::1",
                "2001:db9::1",
            ],
        },
    ),
    "bool": (
        [
            ("Bool", "aws:SecureTransport", "true"),
            ("Bool", "aws:SecureTransport", False),
            ("BoolIfExists", "aws:SecureTransport", "false"),
            ("Null", "aws:SecureTransport", "true"),
        ],
        {"aws:SecureTransport": [None, "", "true", "false", "TRUE", "x"]},
    ),
    "tags": (
        [
            ("ForAnyValue:StringEquals", "aws:TagKeys", ["a", "b"]),
            ("ForAllValues:StringEquals", "aws:TagKeys", "a"),
            ("ForAllValues:StringEquals", "aws:TagKeys", ["a", "b"]),
            ("ForAnyValue:StringLike", "aws:TagKeys", "a*"),
            ("ForAllValues:StringNotEquals", "aws:TagKeys", "b"),
            ("ForAnyValue:StringLikeIfExists", "aws:TagKeys", "b"),
            ("Null", "aws:TagKeys", "false"),
        ],
        {
            "aws:TagKeys": [
                None,
                "",
                [],
                "a",
                ["a"],
                ["b"],
                ["c"],
                ["a", "b"],
                ["a", "c"],
                ["ab"],
                ["b", "c"],
            ],
        },
    ),
    "arn": (
        [
            ("ArnLike", "aws:SourceArn", "arn:aws:s3:::*"),
            ("ArnEquals", "aws:SourceArn", "arn:aws:s3:::b"),
            ("ArnLike", "aws:SourceArn", "arn:aws:s?s:*:*:*"),
            ("ArnNotLike", "aws:SourceArn", "arn:aws:sqs:*:*:*"),
            ("StringLike", "aws:SourceArn", "arn:aws:s3:::b*"),
        ],
        {
            "aws:SourceArn": [
                None,
                "x",
                "arn:aws:s3:::b",
                "arn:aws:s3:::bb",
                "arn:aws:s3:::c",
                "arn:aws:sqs:r:1:q",
                "arn:aws:sns:r:1:t",
                "arn:aws:s3:::b:x",
            ],
        },
    ),
    "variable": (
        [
            ("StringLike", "s3:prefix", "home/${aws:username}/*"),
            ("StringEquals", "s3:prefix", "home/${aws:username}/"),
            ("StringEquals", "aws:username", "alice"),
            ("StringNotEquals", "s3:prefix", "home/${aws:username, 'guest'}/"),
        ],
        {
            "aws:username": [None, "", "alice", "bob"],
            "s3:prefix": [
                None,
                "home/alice/",
                "home/bob/",
                "home/alice/x",
                "home/guest/",
                "home//",
                "home/",
            ],
        },
    ),
}


@st.composite
def statements(draw: st.DrawFn, entries: list[tuple[str, str, Any]]) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": draw(st.sampled_from(["Allow", "Allow", "Allow", "Deny"])),
        "Action": draw(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=2, unique=True)),
        draw(st.sampled_from(["Resource"] * 5 + ["NotResource"])): draw(
            st.sampled_from(RESOURCE_PATTERNS)
        ),
    }
    condition: dict[str, dict[str, Any]] = {}
    for operator, key, values in draw(st.lists(st.sampled_from(entries), max_size=2)):
        condition.setdefault(operator, {})[key] = values
    if condition:
        statement["Condition"] = condition
    return statement


@st.composite
def pairs(draw: st.DrawFn, size: int = 3) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    families = draw(
        st.lists(st.sampled_from(sorted(FAMILIES)), min_size=1, max_size=2, unique=True)
    )
    entries = [e for f in families for e in FAMILIES[f][0]]

    def document() -> dict[str, Any]:
        return {
            "Version": "2012-10-17",
            "Statement": draw(st.lists(statements(entries), min_size=1, max_size=size)),
        }

    return document(), document(), families


def contexts(families: list[str]) -> list[dict[str, Any]]:
    values: dict[str, list[Any]] = {}
    for family in families:
        for key, options in FAMILIES[family][1].items():
            values.setdefault(key, [])
            values[key] += [o for o in options if o not in values[key]]
    keys = sorted(values)
    out = []
    for combination in itertools.product(*(values[k] for k in keys)):
        out.append({k: v for k, v in zip(keys, combination, strict=True) if v is not None})
    return out


def separating(a: dict[str, Any], b: dict[str, Any], families: list[str]) -> list[Any]:
    """Requests of the finite space that ``b`` allows and ``a`` does not."""
    found = []
    for context in contexts(families):
        for action in ACTIONS:
            for resource in RESOURCES:
                if (
                    reference.decide(b, action, resource, context) == "allow"
                    and reference.decide(a, action, resource, context) != "allow"
                ):
                    found.append((action, resource, context))
    return found


def check_witness(outer: dict[str, Any], inner: dict[str, Any], witness: Any) -> None:
    assert witness is not None
    assert Policy.from_dict(inner).allows(witness)
    assert not Policy.from_dict(outer).allows(witness)
    context = {k: list(v) if isinstance(v, tuple) else v for k, v in witness.context.items()}
    assert reference.decide(inner, witness.action, witness.resource, context) == "allow"
    assert reference.decide(outer, witness.action, witness.resource, context) != "allow"


@settings(max_examples=EXAMPLES)
@given(pairs())
def test_exact_covers_agrees_with_the_brute_force_sweep(
    pair: tuple[dict[str, Any], dict[str, Any], list[str]],
) -> None:
    from lambda_perms.algebra.exact import coverage

    a, b, families = pair
    result = coverage(Policy.from_dict(a), Policy.from_dict(b), universe=UNIVERSE)
    if result.covers:
        assert separating(a, b, families) == []
    elif result.exact or result.witness is not None:  # a fallback may still find one
        check_witness(a, b, result.witness)


@settings(max_examples=EXAMPLES)
@given(pairs())
def test_every_exact_diff_entry_has_a_confirmed_witness(
    pair: tuple[dict[str, Any], dict[str, Any], list[str]],
) -> None:
    a, b, families = pair
    pa, pb = Policy.from_dict(a), Policy.from_dict(b)
    difference = pa.diff(pb, universe=UNIVERSE, exact=True)
    for entry in difference.added:
        if entry.witness is None:
            assert difference.notes  # only where the exact mode said it fell back
            continue
        check_witness(a, b, entry.witness)
        assert entry.witness.action.lower() == entry.action.key
    for entry in difference.removed:
        if entry.witness is not None:
            check_witness(b, a, entry.witness)
    assert bool(difference.added) is (not pa.covers(pb, universe=UNIVERSE, exact=True))
    if not difference.added:
        assert separating(a, b, families) == []


@settings(max_examples=EXAMPLES)
@given(pairs())
def test_default_covers_implies_exact_covers(
    pair: tuple[dict[str, Any], dict[str, Any], list[str]],
) -> None:
    a, b, _ = pair
    pa, pb = Policy.from_dict(a), Policy.from_dict(b)
    if pa.covers(pb, universe=UNIVERSE):
        assert pa.covers(pb, universe=UNIVERSE, exact=True)


@settings(max_examples=EXAMPLES)
@given(pairs(size=2), st.data())
def test_laws_in_exact_mode(
    pair: tuple[dict[str, Any], dict[str, Any], list[str]], data: st.DataObject
) -> None:
    a, b, families = pair
    entries = [e for f in families for e in FAMILIES[f][0]]
    c = {"Version": "2012-10-17", "Statement": data.draw(st.lists(statements(entries), max_size=2))}
    pa, pb, pc = (Policy.from_dict(d) for d in (a, b, c))

    def ge(x: Policy, y: Policy) -> bool:
        return x.covers(y, universe=UNIVERSE, exact=True)

    assert ge(pa, pa)  # reflexive
    if ge(pa, pb) and ge(pb, pc):  # transitive
        assert ge(pa, pc)
    merged = pa.merge(pb, universe=UNIVERSE)
    if ge(pc, pa) and ge(pc, pb):  # merge is below every common upper bound
        assert ge(pc, merged)
    allow_a = Policy.from_dict(allow_only(a))
    allow_b = Policy.from_dict(allow_only(b))
    joined = allow_a.merge(allow_b, universe=UNIVERSE)
    assert ge(joined, allow_a)  # ... and of Allow-only policies an upper bound
    assert ge(joined, allow_b)


def allow_only(document: dict[str, Any]) -> dict[str, Any]:
    return {**document, "Statement": [s for s in document["Statement"] if s["Effect"] == "Allow"]}
