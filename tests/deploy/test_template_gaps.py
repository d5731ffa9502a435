"""Template gaps of issue 14: wildcard entries of handler lists are expanded against the
universe, and warnings name the template resource they concern.

Table: a template -> actions the policy must allow, text each warning must hold.
"""

from __future__ import annotations

from typing import Any

import pytest

from lambda_perms import Scope, deploy_policy

SCOPE = Scope(account="123456789012", region="eu-west-1", stack="app", bucket="art")

ASG = {"Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": {"MaxSize": "1", "MinSize": "0"}}

CASES: list[tuple[str, dict[str, Any], list[str], list[str]]] = [
    (
        "AutoScalingGroup: autoscaling:Describe*, ec2:Describe*, ssm:Get* expanded",
        {"Resources": {"Group": ASG}},
        [
            "autoscaling:DescribeAutoScalingGroups",
            "ec2:DescribeSubnets",
            "ec2:DescribeLaunchTemplateVersions",
            "ssm:GetParameters",
        ],
        ["(Group (AWS::AutoScaling::AutoScalingGroup))"],
    ),
    (
        "no handlers in the registry: CodeBuild::Project gets its service's project actions",
        {"Resources": {"Build": {"Type": "AWS::CodeBuild::Project", "Properties": {}}}},
        ["codebuild:CreateProject", "codebuild:UpdateProject", "codebuild:DeleteProject"],
        [
            "Build (AWS::CodeBuild::Project): CloudFormation's registry lists no handler",
            "codebuild actions that create, read, update, tag or delete a project",
        ],
    ),
    (
        "no handlers: Route53::RecordSetGroup acts on its hosted zone",
        {"Resources": {"Records": {"Type": "AWS::Route53::RecordSetGroup", "Properties": {}}}},
        ["route53:ChangeResourceRecordSets"],
        ["Records (AWS::Route53::RecordSetGroup): "],
    ),
    (
        "no handlers and no resource type to fall back on: a warning saying what to add",
        {"Resources": {"Cache": {"Type": "AWS::DAX::Cluster", "Properties": {}}}},
        [],
        ["Cache (AWS::DAX::Cluster): ", "nothing is granted for it; add the dax actions"],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_template_gaps(case: tuple[str, dict[str, Any], list[str], list[str]]) -> None:
    _, template, allowed, warned = case
    result = deploy_policy(scope=SCOPE, template=template)
    for action in allowed:
        assert any(
            result.policy.allows(action, r)
            for r in (
                "*",
                "arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:x",
                "arn:aws:ssm:eu-west-1:123456789012:parameter/x",
                "arn:aws:codebuild:eu-west-1:123456789012:project/x",
                "arn:aws:route53:::hostedzone/Z1",
            )
        ), action
    text = "\n".join(result.warnings)
    for fragment in warned:
        assert fragment in text, text


def test_no_wildcard_reaches_the_policy() -> None:
    """Expanded, not granted as written: no action of the policy holds a wildcard."""
    result = deploy_policy(scope=SCOPE, template={"Resources": {"Group": ASG}})
    actions = [a for s in result.policy.to_dict()["Statement"] for a in _list(s["Action"])]
    assert not [a for a in actions if "*" in a or "?" in a]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_an_invalid_arn_from_the_template_names_its_resource() -> None:
    from lambda_perms.errors import TemplateError

    function = {
        "Type": "AWS::Lambda::Function",
        "Properties": {"Role": "arn:aws::iam::123456789012:role/x", "Handler": "a",
                       "Runtime": "python3.12", "Code": {"ZipFile": "x"}},
    }  # fmt: skip
    with pytest.raises(TemplateError) as caught:
        deploy_policy(scope=SCOPE, template={"Resources": {"Fn": function}})
    assert caught.value.path == "Resources.Fn"
    assert "Fn (AWS::Lambda::Function): iam:PassRole cannot be granted: the resource " in str(
        caught.value
    )
    assert "has an empty service segment" in str(caught.value)
