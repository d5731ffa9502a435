"""validate(): what IAM accepts but does not do what the author meant."""

from __future__ import annotations

import json
from typing import Any

import pytest

import lambda_perms
from lambda_perms import Policy
from lambda_perms._universe import Universe
from lambda_perms.algebra.validation import Finding, Severity, _can_meet, validate
from tests import _support

FIXTURES = _support.FIXTURES / "policies"


def policy(*statements: dict[str, Any]) -> Policy:
    return Policy.from_dict({"Version": "2012-10-17", "Statement": list(statements)})


def codes(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.code, f.path) for f in findings]


class TestRealPolicies:
    def test_sam_docs_example(self) -> None:
        """The AWS SAM docs' example: the inert s3:CreateBucket grant and the unscoped PassRole."""
        document = (FIXTURES / "sam-docs-hello-world.json").read_text()
        findings = lambda_perms.validate(Policy.from_json(document))
        assert codes(findings) == [
            ("resource-mismatch", "Statement[2].Action[0]"),
            ("passrole-unscoped", "Statement[6]"),
        ]
        mismatch = findings[0]
        assert mismatch.severity is Severity.WARNING
        assert "s3:CreateBucket" in mismatch.message
        assert "arn:aws:s3:::*/*" in mismatch.message
        # the path indexes the canonical document
        canonical = Policy.from_json(document).to_dict()
        assert canonical["Statement"][2]["Action"][0] == "s3:CreateBucket"

    def test_misspelt_action_gets_a_suggestion(self) -> None:
        findings = validate(
            policy({"Effect": "Allow", "Action": "lambda:CreateFuntion", "Resource": "*"})
        )
        (finding,) = findings
        assert (finding.code, finding.path, finding.severity) == (
            "unknown-action", "Statement[0].Action", Severity.WARNING,
        )  # fmt: skip
        assert "did you mean 'lambda:CreateFunction'" in finding.message
        assert lambda_perms.universe().version.date in finding.message


class TestCodes:
    @pytest.mark.parametrize(
        ("statement", "expected"),
        [
            ({"Effect": "Allow", "Action": "lamda:GetFunction", "Resource": "*"},
             [("unknown-service", "Statement[0].Action")]),
            ({"Effect": "Allow", "Action": "s3:Nope*", "Resource": "*"},
             [("pattern-matches-nothing", "Statement[0].Action")]),
            ({"Effect": "Allow", "Action": "S3:getobject", "Resource": "arn:aws:s3:::b/*"},
             [("non-canonical-case", "Statement[0].Action")]),
            ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
             [("allow-not-action", "Statement[0].NotAction")]),
            # NotAction that does not exclude PassRole reaches it
            ({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"},
             [("allow-not-action", "Statement[0].NotAction"), ("passrole-wildcard", "Statement[0].NotAction"),
              ("passrole-unscoped", "Statement[0]")]),
            ({"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"}, []),
            ({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"},
             [("allow-not-resource", "Statement[0].NotResource")]),
            ({"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "arn:aws:s3:::b"},
             [("resource-mismatch", "Statement[0].Action")]),
            ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b"},
             [("resource-mismatch", "Statement[0].Action")]),
            ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b*"}, []),
            ({"Effect": "Allow", "Action": "lambda:GetFunction", "Resource": "*"},
             [("resource-wildcard", "Statement[0].Resource")]),
            ({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/r"},
             [("passrole-unscoped", "Statement[0]")]),
            ({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/r",
              "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}, []),
            ({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/r",
              "Condition": {"StringLike": {"iam:PassedToService": "*"}}},
             [("passrole-unscoped", "Statement[0].Condition")]),
            ({"Effect": "Allow", "Action": "iam:Pass*", "Resource": "arn:aws:iam::123456789012:role/r",
              "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}},
             [("passrole-wildcard", "Statement[0].Action")]),
            ({"Effect": "Deny", "Action": "iam:*", "Resource": "*"}, []),
            ({"Effect": "Allow", "Action": "*", "Resource": "*"},
             [("passrole-wildcard", "Statement[0].Action"), ("passrole-unscoped", "Statement[0]")]),
        ],
    )  # fmt: skip
    def test_codes(self, statement: dict[str, Any], expected: list[tuple[str, str]]) -> None:
        assert codes(validate(policy(statement))) == expected

    def test_the_transform_arn_is_a_documented_resource_of_create_change_set(self) -> None:
        transform = "arn:aws:cloudformation:ap-northeast-1:aws:transform/Serverless-2016-10-31"
        ok = policy(
            {"Effect": "Allow", "Action": "cloudformation:CreateChangeSet", "Resource": transform}
        )
        assert codes(validate(ok)) == []
        inert = policy(
            {"Effect": "Allow", "Action": "cloudformation:DescribeStacks", "Resource": transform}
        )
        assert codes(validate(inert)) == [("resource-mismatch", "Statement[0].Action")]

    def test_size_over_quota(self) -> None:
        big = policy(
            {
                "Effect": "Allow",
                "Action": [f"s3:Get{'X' * 40}{i}" for i in range(60)],
                "Resource": "*",
            }
        )
        findings = [f for f in validate(big, quota="user") if f.code == "size-over-quota"]
        assert len(findings) == 1
        assert findings[0].severity is Severity.ERROR
        assert str(findings[0]).startswith("error: the policy has ")  # no empty path shown
        assert not [f for f in validate(big, quota="role") if f.code == "size-over-quota"]
        assert [f for f in validate(big, quota=100) if f.code == "size-over-quota"]
        with pytest.raises(ValueError, match="unknown quota"):
            validate(big, quota="session")

    def test_empty_policy(self) -> None:
        assert codes(validate(Policy.empty())) == [("empty-policy", "Statement")]

    def test_with_a_fixture_universe(self) -> None:
        fixture = Universe.from_actions(["s3:GetObject"])
        findings = validate(
            policy({"Effect": "Allow", "Action": "lambda:GetFunction", "Resource": "*"}),
            universe=fixture,
        )
        assert codes(findings) == [("unknown-service", "Statement[0].Action")]

    def test_finding_renders(self) -> None:
        (finding,) = validate(policy({"Effect": "Allow", "Action": "s3:Nope*", "Resource": "*"}))
        assert str(finding).startswith("warning: Statement[0].Action: ")
        assert json.loads(json.dumps(finding.to_dict()))["code"] == "pattern-matches-nothing"


class TestCanMeet:
    # whether some resource matches both the policy's pattern and the ARN format
    @pytest.mark.parametrize(
        ("pattern", "arn_format", "expected"),
        [
            ("arn:aws:s3:::*/*", "arn:${Partition}:s3:::${BucketName}", False),
            ("arn:aws:s3:::*", "arn:${Partition}:s3:::${BucketName}", True),
            ("arn:aws:s3:::b", "arn:${Partition}:s3:::${BucketName}/${ObjectName}", False),
            ("arn:aws:s3:::b/*", "arn:${Partition}:s3:::${BucketName}/${ObjectName}", True),
            ("arn:aws:s3:::b*", "arn:${Partition}:s3:::${BucketName}/${ObjectName}", True),
            ("arn:aws-cn:s3:::b", "arn:${Partition}:s3:::${BucketName}", True),
            ("arn:aws:lambda:*:111122223333:function:*", "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}", True),
            ("arn:aws:lambda:*:111122223333:function:*", "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}", False),
            ("arn:aws:iam::111122223333:role/*", "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}", True),
            ("arn:aws:iam::111122223333:role/a/b/c", "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}", True),
            # placeholders other than partition, region, account and bucket may hold ':' (a
            # Cognito identity pool id does), so a segment-crossing '*' can meet them: no finding
            ("arn:aws:cloudformation:*:aws:transform/Serverless-2016-10-31", "arn:${Partition}:cloudformation:${Region}:${Account}:stack/${StackName}/${Id}", True),
            ("arn:aws:cloudformation:us-east-1:aws:transform/Serverless-2016-10-31", "arn:${Partition}:cloudformation:${Region}:${Account}:stack/${StackName}/${Id}", False),
            ("arn:aws:s3:::${aws:username}", "arn:${Partition}:s3:::${BucketName}", True),
            ("arn:aws:s3:::b?", "arn:${Partition}:s3:::${BucketName}", True),
            ("arn:aws:s3:::b/?", "arn:${Partition}:s3:::${BucketName}", False),
            ("*", "anything", True),
        ],
    )  # fmt: skip
    def test_can_meet(self, pattern: str, arn_format: str, expected: bool) -> None:
        assert _can_meet(pattern, arn_format) is expected
