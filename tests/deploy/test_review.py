"""review(): the diff against a requirement, with purposes from the catalogue."""

from __future__ import annotations

import pytest

from lambda_perms import DeployOptions, Policy, Statement, deploy_policy
from lambda_perms.catalogues.model import Need
from lambda_perms.deploy.review import granted_on, purpose, reasons_of, review, summarize


def test_missing_and_excess_with_purposes() -> None:
    options, _ = DeployOptions.from_sam_args(["deploy", "--stack-name", "app", "--s3-bucket", "b"])
    built = deploy_policy(options)
    current = Policy.of(Statement.allow(["cloudformation:DescribeStacks", "iam:CreateUser"]))
    result = review(built.policy, current, reasons=reasons_of(built))
    missing_actions = {m.entry.action.text for m in result.missing}
    assert "cloudformation:CreateChangeSet" in missing_actions
    assert "iam:TagRole" in missing_actions
    assert all(m.purpose for m in result.missing)
    by_action = {e.entry.action.text: e for e in result.excess}
    assert by_action["iam:CreateUser"].purpose == "no deployment path needs it"
    assert by_action["cloudformation:DescribeStacks"].needed_on  # needed, but only on the stack
    assert result.universe
    assert by_action["iam:CreateUser"].describe() == (
        "excess iam:CreateUser on * — no deployment path needs it"
    )
    assert result.to_dict()["excess"][0].keys() >= {"action", "resource", "needed_on", "purpose"}


def test_purpose_and_granted_on() -> None:
    assert "path of" in purpose("cloudformation:GetTemplateSummary")
    assert purpose("iam:CreateUser") == ""
    policy = Policy.of(Statement.allow("s3:GetObject", "arn:aws:s3:::b/*"))
    assert granted_on(policy, "s3:GetObject") == ["arn:aws:s3:::b/*"]
    assert granted_on(policy, "s3:PutObject") == []


def _required_and_built() -> tuple[Policy, dict[str, tuple[Need, ...]]]:
    options, _ = DeployOptions.from_sam_args(["deploy", "--stack-name", "app", "--s3-bucket", "b"])
    built = deploy_policy(options)
    return built.policy, reasons_of(built)


@pytest.mark.parametrize(
    ("actions", "limit", "expected"),
    [
        # few entries: one line each, as before
        (
            ["iam:CreateUser", "iam:DeleteUser"],
            40,
            [
                "excess iam:CreateUser on * — no deployment path needs it",
                "excess iam:DeleteUser on * — no deployment path needs it",
            ],
        ),
        # more than the limit: a service of unneeded grants joins the last line, with counts
        (
            ["iam:CreateUser", "iam:DeleteUser", "sqs:CreateQueue"],
            2,
            [
                "excess in 2 other services: 3 grants no deployment path needs it: iam (2), sqs (1)",
            ],
        ),
        # a service with a grant some path needs gets its own header and a count per purpose
        (
            ["iam:CreateUser", "iam:DeleteUser", "cloudformation:DescribeStacks"],
            2,
            [
                "excess cloudformation: 1 grant",
                "  1: needed only on arn:aws:cloudformation:*:*:stack/app/*: ",
                "excess in 1 other services: 2 grants no deployment path needs it: iam (2)",
            ],
        ),
    ],
)
def test_excess_lines_grouped_by_service_and_purpose(
    actions: list[str], limit: int, expected: list[str]
) -> None:
    required, reasons = _required_and_built()
    result = review(required, Policy.of(Statement.allow(actions)), reasons=reasons)
    lines = result.lines(limit)
    if len(result.excess) > limit:
        assert lines[-len(expected) :] == summarize(result.excess)
    got = lines[-len(expected) :]
    for line, want in zip(got, expected, strict=True):
        assert line.startswith(want), (line, want)
    assert len(result.to_dict()["excess"]) == len(actions)  # JSON keeps every entry
