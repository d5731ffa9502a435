"""review(): the diff against a requirement, with purposes from the catalogue."""

from __future__ import annotations

from lambda_perms import DeployOptions, Policy, Statement, deploy_policy
from lambda_perms.deploy.review import granted_on, purpose, reasons_of, review


def test_missing_and_excess_with_purposes() -> None:
    options, _ = DeployOptions.from_sam_args(["deploy", "--stack-name", "app", "--s3-bucket", "b"])
    built = deploy_policy(options)
    current = Policy.of(Statement.allow(["cloudformation:DescribeStacks", "iam:CreateUser"]))
    missing, excess, universe = review(built.policy, current, reasons=reasons_of(built))
    missing_actions = {m["action"] for m in missing}
    assert "cloudformation:CreateChangeSet" in missing_actions
    assert "iam:TagRole" in missing_actions
    assert all(m["purpose"] for m in missing)
    by_action = {e["action"]: e for e in excess}
    assert by_action["iam:CreateUser"]["purpose"] == "no deployment path needs it"
    assert by_action["cloudformation:DescribeStacks"]["needed_on"]  # needed, but only on the stack
    assert universe


def test_purpose_and_granted_on() -> None:
    assert "path of" in purpose("cloudformation:GetTemplateSummary")
    assert purpose("iam:CreateUser") == ""
    policy = Policy.of(Statement.allow("s3:GetObject", "arn:aws:s3:::b/*"))
    assert granted_on(policy, "s3:GetObject") == ["arn:aws:s3:::b/*"]
    assert granted_on(policy, "s3:PutObject") == []
