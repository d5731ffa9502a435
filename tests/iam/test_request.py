"""Request: one request as a frozen value, and Policy.evaluate taking one."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from lambda_perms import InvalidActionError, Policy, Request, UsageError
from lambda_perms.iam.policy import Decision


def test_a_request_is_frozen_and_hashable() -> None:
    tags = ["a", "b"]
    context: dict[str, Any] = {"aws:TagKeys": tags, "aws:SecureTransport": True}
    request = Request("s3:GetObject", "arn:aws:s3:::b/k", context, "arn:aws:iam::1:user/u")  # type: ignore[arg-type]
    tags.append("c")  # the request keeps its own copy
    assert request.context["aws:TagKeys"] == ("a", "b")
    assert request.principal == ("AWS", "arn:aws:iam::1:user/u")
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.action = "s3:PutObject"  # type: ignore[misc]
    with pytest.raises(TypeError):
        request.context["x"] = "y"  # type: ignore[index]
    same = Request("s3:GetObject", "arn:aws:s3:::b/k",
                   {"aws:SecureTransport": True, "aws:TagKeys": ("a", "b")},
                   ("AWS", "arn:aws:iam::1:user/u"))  # fmt: skip
    assert request == same
    assert hash(request) == hash(same)
    assert request != Request("s3:GetObject", "arn:aws:s3:::b/k", {})
    assert Request("s3:GetObject").resource == "*"
    assert dict(Request("s3:GetObject").context) == {}


def test_the_document_and_the_line() -> None:
    request = Request("s3:GetObject", "arn:aws:s3:::b/k", {"b": ["x"], "a": "1"},
                      ("Service", "lambda.amazonaws.com"))  # fmt: skip
    assert request.to_dict() == {
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::b/k",
        "context": {"a": "1", "b": ["x"]},
        "principal": {"Service": "lambda.amazonaws.com"},
    }
    assert request.describe() == (
        's3:GetObject on arn:aws:s3:::b/k with {"a": "1", "b": ["x"]} by Service '
        "lambda.amazonaws.com"
    )
    assert "principal=" in repr(request)


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (("s3:*",), InvalidActionError),
        (("GetObject",), InvalidActionError),
        (("s3:GetObject", "*", {"k": {"nested": 1}}), UsageError),
        (("s3:GetObject", "*", {"k": [None]}), UsageError),
        (("s3:GetObject", "*", ["not", "a", "mapping"]), UsageError),
        (("s3:GetObject", "*", {}, ("Robot", "x")), UsageError),
    ],
)
def test_bad_requests(arguments: tuple[object, ...], error: type[Exception]) -> None:
    with pytest.raises(error):
        Request(*arguments)  # type: ignore[arg-type]


def test_evaluate_takes_a_request() -> None:
    policy = Policy.from_dict({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
         "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]})  # fmt: skip
    request = Request("s3:GetObject", "arn:aws:s3:::b/k", {"aws:SecureTransport": "true"})
    assert policy.evaluate(request).decision is Decision.ALLOW
    assert policy.allows(request)
    assert not policy.allows(Request("s3:GetObject", "arn:aws:s3:::b/k"))
    with pytest.raises(UsageError, match="either a Request"):
        policy.evaluate(request, "arn:aws:s3:::other")
