"""``role-escalation``: role creation (or role policy changes) and ``iam:PassRole`` on the same
roles, through a wildcard, with no permissions boundary required. A table of policies -> the
findings' (code, path); the overlap of two resources is checked here against examples an
ARN of both matches (or none can)."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_perms import Policy, validate

ROLE = "arn:aws:iam::123456789012:role"
PASS = {
    "Effect": "Allow",
    "Action": "iam:PassRole",
    "Resource": f"{ROLE}/*",
    "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
}


def _escalations(*statements: dict[str, Any]) -> list[str]:
    policy = Policy.from_dict({"Version": "2012-10-17", "Statement": list(statements)})
    return [f.path for f in validate(policy) if f.code == "role-escalation"]


CASES: list[tuple[str, list[dict[str, Any]], list[str]]] = [
    (
        "the default deploy policy: CreateRole + PassRole on *-* roles",
        [
            {
                "Effect": "Allow",
                "Action": ["iam:CreateRole", "iam:GetRole"],
                "Resource": "arn:aws:iam::*:role/*-*",
            },
            PASS,
        ],
        ["Statement[0].Action[0]"],
    ),
    (
        "PutRolePolicy and AttachRolePolicy count too, in document order",
        [
            {
                "Effect": "Allow",
                "Action": ["iam:AttachRolePolicy", "iam:PutRolePolicy"],
                "Resource": f"{ROLE}/app-*",
            },
            PASS,
        ],
        ["Statement[0].Action[0]", "Statement[0].Action[1]"],
    ),
    (
        "iam:* on * reaches both in one statement",
        [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}],
        ["Statement[0].Action", "Statement[0].Action", "Statement[0].Action"],
    ),
    (
        "a permissions boundary required on creation closes the path",
        [
            {
                "Effect": "Allow",
                "Action": "iam:CreateRole",
                "Resource": f"{ROLE}/app-*",
                "Condition": {
                    "StringEquals": {
                        "iam:PermissionsBoundary": "arn:aws:iam::123456789012:policy/b"
                    }
                },
            },
            PASS,
        ],
        [],
    ),
    (
        "disjoint roles: created app-*, passed only exec-*",
        [
            {"Effect": "Allow", "Action": "iam:CreateRole", "Resource": f"{ROLE}/app-*"},
            {**PASS, "Resource": f"{ROLE}/exec-*"},
        ],
        [],
    ),
    (
        "exact names on both sides: no wildcard, not reported",
        [
            {"Effect": "Allow", "Action": "iam:CreateRole", "Resource": f"{ROLE}/app-exec"},
            {**PASS, "Resource": f"{ROLE}/app-exec"},
        ],
        [],
    ),
    (
        "no PassRole at all",
        [{"Effect": "Allow", "Action": "iam:CreateRole", "Resource": "*"}],
        [],
    ),
    (
        "a Deny is no grant",
        [{"Effect": "Deny", "Action": "iam:CreateRole", "Resource": "*"}, PASS],
        [],
    ),
    (
        "another account's roles do not meet",
        [
            {
                "Effect": "Allow",
                "Action": "iam:CreateRole",
                "Resource": "arn:aws:iam::999999999999:role/*",
            },
            PASS,
        ],
        [],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_role_escalation(case: tuple[str, list[dict[str, Any]], list[str]]) -> None:
    _, statements, expected = case
    assert _escalations(*statements) == expected


def test_message_names_both_and_the_fix() -> None:
    policy = Policy.from_dict(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "iam:CreateRole",
                    "Resource": "arn:aws:iam::*:role/*-*",
                },
                PASS,
            ],
        }
    )
    (finding,) = [f for f in validate(policy) if f.code == "role-escalation"]
    assert finding.severity.value == "warning"
    assert "iam:CreateRole on arn:aws:iam::*:role/*-*" in finding.message
    assert f"iam:PassRole on {ROLE}/* (Statement[1])" in finding.message
    assert "--boundary" in finding.message
