"""review(): the diff against a requirement, with purposes from the catalogue."""

from __future__ import annotations

from lambda_perms import DeployOptions, Policy, Statement, deploy_policy
from lambda_perms.deploy.review import granted_on, purpose, reasons_of, review


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
