"""Laws of the policy model, checked against the independent reference evaluator."""

from __future__ import annotations

import json
from contextlib import suppress
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambda_perms import InvalidPolicyError, Policy
from lambda_perms import strategies as lps
from lambda_perms.iam.policy import Decision

from . import reference

pytestmark = pytest.mark.property

_DECISION = {
    "deny": Decision.EXPLICIT_DENY,
    "allow": Decision.ALLOW,
    "implicit": Decision.IMPLICIT_DENY,
}


@given(st.sampled_from(["identity", "resource", "trust"]).flatmap(lps.policies))
def test_round_trip_json_and_dict(policy: Policy) -> None:
    assert Policy.from_json(policy.to_json(), kind=policy.kind) == policy
    assert Policy.from_dict(policy.to_dict(), kind=policy.kind) == policy
    assert Policy.from_json(policy.to_json(indent=2), kind=policy.kind) == policy
    assert policy.to_json() == Policy.from_json(policy.to_json(), kind=policy.kind).to_json()


@pytest.mark.parametrize("kind", ["identity", "resource", "trust"])
@given(data=st.data())
def test_every_document_shape_parses_to_the_canonical_policy(
    kind: str, data: st.DataObject
) -> None:
    document = data.draw(lps.policy_documents(kind))
    policy = Policy.from_dict(document, kind=kind)
    assert Policy.from_json(json.dumps(document), kind=kind) == policy
    # the canonical form of the loose document is itself stable
    assert Policy.from_json(policy.to_json(), kind=kind).to_json() == policy.to_json()


@given(document=lps.policy_documents("identity"), context=lps.contexts())
def test_evaluation_agrees_with_the_reference_on_every_request(
    document: dict[str, Any], context: dict[str, Any]
) -> None:
    policy = Policy.from_dict(document)
    # the 2008 language treats ${...} literally; the pools contain no variables, so both agree
    for action in lps.ACTION_POOL:
        for spelled in (action, action.upper()):
            for resource in lps.RESOURCE_POOL:
                expected = _DECISION[reference.decide(document, spelled, resource, context)]
                got = policy.evaluate(spelled, resource, context)
                assert got.decision is expected, (spelled, resource, context)
                assert policy.allows(spelled, resource, context) is (expected is Decision.ALLOW)


@given(lps.policies(), lps.policies())
def test_equal_policies_hash_equal(a: Policy, b: Policy) -> None:
    if a == b:
        assert hash(a) == hash(b)
    assert a == Policy.from_json(a.to_json())
    assert hash(a) == hash(Policy.from_json(a.to_json()))


# JSON values of every type, nested; and arbitrary bytes
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=25,
)
_element_names = st.sampled_from(
    ["Version", "Id", "Statement", "Sid", "Effect", "Principal", "NotPrincipal", "Action",
     "NotAction", "Resource", "NotResource", "Condition", "AWS", "Service", "StringEquals"]
)  # fmt: skip
_policy_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12)
    | st.sampled_from(["Allow", "Deny", "*", "s3:GetObject", "arn:aws:s3:::b", "2012-10-17"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_element_names, inner, max_size=5),
    max_leaves=30,
)  # fmt: skip


@given(st.one_of(_json, _policy_like), st.sampled_from(["identity", "resource", "trust"]))
def test_any_json_value_gives_a_policy_or_invalid_policy_error(value: Any, kind: str) -> None:
    with suppress(InvalidPolicyError):
        Policy.from_dict(value, kind=kind)
    with suppress(InvalidPolicyError):
        Policy.from_json(json.dumps(value), kind=kind)


@given(st.binary(max_size=200))
def test_any_bytes_give_a_policy_or_invalid_policy_error(raw: bytes) -> None:
    with suppress(InvalidPolicyError):
        Policy.from_json(raw)


@given(st.text(max_size=200))
def test_any_text_gives_a_policy_or_invalid_policy_error(text: str) -> None:
    with suppress(InvalidPolicyError):
        Policy.from_json(text)


def test_huge_and_deep_documents() -> None:
    deep: Any = "x"
    for _ in range(5000):
        deep = {"Statement": deep}
    with pytest.raises(InvalidPolicyError):
        Policy.from_dict(deep)
    big = {
        "Statement": [
            {"Effect": "Allow", "Action": f"s3:A{i}", "Resource": "*"} for i in range(20_000)
        ]
    }
    assert len(Policy.from_dict(big).statements) == 20_000
