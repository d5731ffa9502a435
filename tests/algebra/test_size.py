"""IAM size accounting and quotas (IAM User Guide, "IAM and AWS STS quotas")."""

from __future__ import annotations

import json

from lambda_perms import Policy, Statement
from lambda_perms.algebra.size import (
    INLINE_GROUP,
    INLINE_ROLE,
    INLINE_USER,
    MANAGED_POLICY,
    QUOTAS,
    TRUST_POLICY,
    policy_size,
)


def test_quota_values_from_the_guide() -> None:
    assert (MANAGED_POLICY, INLINE_USER, INLINE_GROUP, INLINE_ROLE, TRUST_POLICY) == (
        6144,
        2048,
        5120,
        10240,
        2048,
    )
    assert QUOTAS == {"managed": 6144, "user": 2048, "group": 5120, "role": 10240, "trust": 2048}


def test_whitespace_between_tokens_is_not_counted() -> None:
    text = """
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
        ]
    }
    """
    policy = Policy.from_json(text)
    expected = len(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'
    )
    assert policy.size() == expected == policy_size(policy)
    assert policy.size() == len(json.dumps(json.loads(text), separators=(",", ":")))


def test_size_counts_characters_not_utf8_bytes() -> None:
    policy = Policy.of(Statement.allow("s3:GetObject", "arn:aws:s3:::b/é"))
    assert policy.size() == len(policy.to_json())
    assert len(policy.to_json().encode()) == policy.size() + 1


def test_size_grows_with_content() -> None:
    small = Policy.of(Statement.allow("s3:GetObject"))
    large = Policy.of(Statement.allow(["s3:GetObject", "s3:PutObject"]))
    assert large.size() == small.size() + len(',"s3:PutObject"') + len("[]")
