"""A deploy policy built with a permissions boundary, checked end to end with ``authorize``.

``deploy_policy(boundary=ARN)`` lets the deploy role create and change its stack's roles only
when they carry that boundary (``iam:PermissionsBoundary``). Here the deploy role's session
makes the requests SAM and CloudFormation make, with the deploy role's own guardrails (its
permissions boundary and an organization SCP) in place, and every decision is checked, including
the ones that must be denied. The exact diff then shows that a hand-written policy with an
equivalent but differently spelt condition grants the same.
"""

from __future__ import annotations

from typing import Any

import pytest

import lambda_perms
from lambda_perms import Policy, Request, authorize
from lambda_perms.iam.policy import Decision

ACCOUNT = "123456789012"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/app-boundary"
SESSION = ("AWS", f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/ci")
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app-HelloFunctionRole-ABC123"
OUTSIDE = f"arn:aws:iam::{ACCOUNT}:role/admin"

SCOPE = lambda_perms.Scope(account=ACCOUNT, region="eu-west-1", stack="app", bucket="artifacts")
BUILT = lambda_perms.deploy_policy(scope=SCOPE, boundary=BOUNDARY)

# the deploy role's own guardrails: a boundary that caps it at what deployments touch, and an
# organization SCP that denies creating or changing roles without the approved boundary
DEPLOYER_BOUNDARY = Policy.from_dict({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["cloudformation:*", "s3:*", "lambda:*", "iam:*"],
     "Resource": "*"},
    {"Effect": "Deny", "Action": "iam:DeleteRolePermissionsBoundary", "Resource": "*"},
]})  # fmt: skip
SCP = Policy.from_dict({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Effect": "Deny", "Action": ["iam:CreateRole", "iam:PutRolePermissionsBoundary"],
     "Resource": "*",
     "Condition": {"StringNotEquals": {"iam:PermissionsBoundary": BOUNDARY}}},
]})  # fmt: skip


def decide(action: str, resource: str, **context: Any) -> lambda_perms.Authorization:
    request = Request(action, resource, context, SESSION)
    return authorize(request, identity=BUILT.policy, boundary=DEPLOYER_BOUNDARY, scps=[SCP])


def boundary_actions() -> list[str]:
    return sorted(
        action.text
        for statement in BUILT.policy.statements
        if any(e.key == "iam:PermissionsBoundary" for e in statement.condition.entries)
        for action in statement.action or ()
    )


def test_the_deploy_policy_conditions_its_role_changes_on_the_boundary() -> None:
    assert "iam:CreateRole" in boundary_actions()
    assert "iam:DeleteRolePermissionsBoundary" not in str(BUILT.policy.to_json())


@pytest.mark.parametrize("action", boundary_actions())
def test_role_changes_with_the_boundary_are_allowed(action: str) -> None:
    result = decide(action, ROLE, **{"iam:PermissionsBoundary": BOUNDARY})
    assert result.allowed, result.explanation
    assert result.deciders[0].source == "identity[0]"


@pytest.mark.parametrize("action", boundary_actions())
@pytest.mark.parametrize(
    "context",
    [{}, {"iam:PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/other"}],
    ids=["no boundary", "another boundary"],
)
def test_role_changes_without_the_boundary_are_denied(action: str, context: dict[str, Any]) -> None:
    result = decide(action, ROLE, **context)
    assert not result.allowed, result.explanation
    if action in ("iam:CreateRole", "iam:PutRolePermissionsBoundary"):  # the SCP denies first
        assert result.decision is Decision.EXPLICIT_DENY
        assert result.deciders[0].source == "scp[0]"
    else:
        assert result.decision is Decision.IMPLICIT_DENY
        assert result.deciders[0].source == "identity[0]"


@pytest.mark.parametrize(
    ("action", "resource", "context", "allowed"),
    [
        ("iam:CreateRole", OUTSIDE, {"iam:PermissionsBoundary": BOUNDARY}, False),
        ("iam:PassRole", ROLE, {"iam:PassedToService": "lambda.amazonaws.com"}, True),
        ("iam:PassRole", ROLE, {"iam:PassedToService": "ec2.amazonaws.com"}, False),
        ("iam:PassRole", ROLE, {}, False),
        ("iam:DeleteRolePermissionsBoundary", ROLE, {}, False),
        ("iam:GetRole", ROLE, {}, True),
        ("cloudformation:CreateChangeSet",
         "arn:aws:cloudformation:eu-west-1:123456789012:stack/app/1", {}, True),
        ("cloudformation:CreateChangeSet",
         "arn:aws:cloudformation:eu-west-1:aws:transform/Serverless-2016-10-31", {}, True),
        ("s3:PutObject", "arn:aws:s3:::artifacts/app/abc.zip", {}, True),
        ("s3:PutObject", "arn:aws:s3:::elsewhere/abc.zip", {}, False),
    ],
)  # fmt: skip
def test_the_rest_of_the_deployment(
    action: str, resource: str, context: dict[str, Any], allowed: bool
) -> None:
    assert decide(action, resource, **context).allowed is allowed


def test_the_deployer_boundary_still_denies_removing_a_boundary_explicitly() -> None:
    grant = {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}
    generous = Policy.from_dict({"Version": "2012-10-17", "Statement": [grant]})
    request = Request("iam:DeleteRolePermissionsBoundary", ROLE, {}, SESSION)
    result = authorize(request, identity=[BUILT.policy, generous], boundary=DEPLOYER_BOUNDARY)
    assert result.decision is Decision.EXPLICIT_DENY
    assert result.deciders[0].source == "boundary"


def test_an_equivalent_hand_written_policy_differs_only_by_atoms() -> None:
    pytest.importorskip("z3")
    # the same grants, the boundary condition spelt as ArnEquals on a one-element list and the
    # PassRole condition as StringLike without wildcards
    document = BUILT.policy.to_dict()
    for statement in document["Statement"]:
        condition = statement.get("Condition", {})
        if "iam:PermissionsBoundary" in condition.get("StringEquals", {}):
            statement["Condition"] = {"ArnEquals": {"iam:PermissionsBoundary": [BOUNDARY]}}
        elif "iam:PassedToService" in condition.get("StringEquals", {}):
            statement["Condition"] = {"StringLike": {"iam:PassedToService": "lambda.amazonaws.com"}}
    hand_written = Policy.from_dict(document)
    assert not BUILT.policy.diff(hand_written).is_empty  # conditions as atoms: they differ
    exact = BUILT.policy.diff(hand_written, exact=True)
    assert exact.is_empty, exact.to_text()
    assert not exact.notes
