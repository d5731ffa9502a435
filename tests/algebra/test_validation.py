"""validate(): what IAM accepts but does not do what the author meant."""

from __future__ import annotations

import json
from typing import Any, ClassVar

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
            # CreateRole/AttachRolePolicy and PassRole on role/*: an escalation path
            ("role-escalation", "Statement[6].Action[0]"),
            ("role-escalation", "Statement[6].Action[1]"),
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
             [("passrole-wildcard", "Statement[0].Action"), ("passrole-unscoped", "Statement[0]"),
              ("full-admin", "Statement[0].Action")]),
        ],
    )  # fmt: skip
    def test_codes(self, statement: dict[str, Any], expected: list[tuple[str, str]]) -> None:
        # role-escalation has its own table (tests/algebra/test_escalation.py)
        found = [c for c in codes(validate(policy(statement))) if c[0] != "role-escalation"]
        assert found == expected

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


# -- issue 15: the Version, admin grants, condition keys, paths as written ---------------------


def _findings(document: dict[str, Any]) -> list[tuple[str, str]]:
    return codes(validate(Policy.from_dict(document), document=document))


class TestVersionWithVariables:
    _VARIABLE: ClassVar[dict[str, str]] = {"Effect": "Allow", "Action": "s3:GetObject",
                 "Resource": "arn:aws:s3:::b/${aws:username}/*"}  # fmt: skip

    @pytest.mark.parametrize(
        ("document", "expected"),
        [
            ({"Statement": [_VARIABLE]}, [("version-variables", "Statement[0].Resource")]),
            ({"Version": "2008-10-17", "Statement": _VARIABLE},
             [("version-variables", "Statement.Resource")]),
            ({"Version": "2012-10-17", "Statement": [_VARIABLE]}, []),
            ({"Statement": [{**_VARIABLE, "Resource": "arn:aws:s3:::b/*"}]}, []),  # no variable
            ({"Statement": [{**_VARIABLE, "Resource": ["arn:aws:s3:::x", "arn:aws:s3:::b/${aws:userid}"],
                             "Condition": {"StringLike": {"s3:prefix": "${aws:username}/"}}}]},
             [("version-variables", "Statement[0].Resource[1]"),  # one finding, the first
              ("unknown-condition-key", "Statement[0].Condition.StringLike.s3:prefix")]),
            ({"Statement": [{**_VARIABLE, "Resource": "*",
                             "Condition": {"StringLike": {"aws:PrincipalTag/team": ["${aws:username}"]}}}]},
             [("version-variables", "Statement[0].Condition.StringLike.aws:PrincipalTag/team")]),
        ],
    )  # fmt: skip
    def test_table(self, document: dict[str, Any], expected: list[tuple[str, str]]) -> None:
        assert _findings(document) == expected

    def test_message_says_how_to_fix(self) -> None:
        (finding,) = validate(Policy.from_dict({"Statement": [self._VARIABLE]}))
        assert finding.severity is Severity.WARNING
        assert "has no Version (IAM then reads it as 2008-10-17)" in finding.message
        assert "${aws:username} is literal text" in finding.message
        assert '"Version": "2012-10-17"' in finding.message


class TestAdminGrants:
    @pytest.mark.parametrize(
        ("statement", "expected"),
        [
            ({"Effect": "Allow", "Action": "*:*", "Resource": "*"},
             [("passrole-wildcard", "Statement[0].Action"), ("passrole-unscoped", "Statement[0]"),
              ("full-admin", "Statement[0].Action")]),
            ({"Effect": "Allow", "Action": ["s3:GetObject", "*"], "Resource": ["arn:aws:s3:::b", "*"],
              "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}},
             [("passrole-wildcard", "Statement[0].Action"), ("full-admin", "Statement[0].Action[1]")]),
            # every action on some resources is not full admin
            ({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"},
             [("passrole-wildcard", "Statement[0].Action"), ("passrole-unscoped", "Statement[0]")]),
            ({"Effect": "Deny", "Action": "*", "Resource": "*"}, []),
            ({"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
             [("service-admin", "Statement[0].Action")]),
            ({"Effect": "Allow", "Action": ["lambda:GetFunction", "S3:*"], "Resource": "arn:aws:s3:::b"},
             [("resource-mismatch", "Statement[0].Action[0]"),
              ("service-admin", "Statement[0].Action[1]")]),
            ({"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}, []),
            ({"Effect": "Deny", "Action": "iam:*", "Resource": "*"}, []),
        ],
    )  # fmt: skip
    def test_table(self, statement: dict[str, Any], expected: list[tuple[str, str]]) -> None:
        found = _findings({"Version": "2012-10-17", "Statement": [statement]})
        assert [f for f in found if f[0] != "role-escalation"] == expected

    def test_messages(self) -> None:
        (admin,) = [
            f
            for f in validate(policy({"Effect": "Allow", "Action": "*", "Resource": "*",
                                      "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}))
            if f.code == "full-admin"
        ]  # fmt: skip
        assert "full administrator access (under its Condition)" in admin.message
        (service,) = validate(policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
        assert service.message.startswith("'s3:*' grants every s3 action on every resource")


class TestConditionKeys:
    @pytest.mark.parametrize(
        ("statement", "expected", "hint"),
        [
            # a global key, misspelt: did you mean
            ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
              "Condition": {"IpAddress": {"aws:SourceIpp": "192.0.2.0/24"}}},
             [("unknown-condition-key", "Statement[0].Condition.IpAddress.aws:SourceIpp")],
             "did you mean 'aws:SourceIp'"),
            # global keys in any case, with a tag key, and the legacy SNS one
            ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
              "Condition": {"IpAddress": {"AWS:SOURCEIP": "192.0.2.0/24"},
                            "StringEquals": {"aws:PrincipalTag/team": "a", "AWS:SourceOwner": "1"}}},
             [], ""),
            # a service key of another service is a cross-service key: not checked per action
            ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
              "Condition": {"ArnEquals": {"lambda:SourceFunctionArn": "arn:aws:lambda:*:1:function:f"}}},
             [], ""),
            # a key its service does not define
            ({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b",
              "Condition": {"StringLike": {"s3:prefx": "home/"}}},
             [("unknown-condition-key", "Statement[0].Condition.StringLike.s3:prefx")],
             "did you mean 's3:prefix'"),
            # a key of the service that the statement's actions do not support
            ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
              "Condition": {"StringLike": {"s3:prefix": "home/"}}},
             [("unknown-condition-key", "Statement[0].Condition.StringLike.s3:prefix")],
             "not a condition key of s3:GetObject"),
            ({"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*",
              "Condition": {"StringLike": {"s3:prefix": "home/"}}},
             [], ""),
            ({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::1:role/r",
              "Condition": {"StringEquals": {"iam:PassedToServices": "lambda.amazonaws.com"}}},
             [("passrole-unscoped", "Statement[0].Condition"),
              ("unknown-condition-key", "Statement[0].Condition.StringEquals.iam:PassedToServices")],
             "did you mean 'iam:PassedToService'"),
            ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
              "Condition": {"StringEquals": {"nosuchservice:Key": "x"}}},
             [("unknown-condition-key", "Statement[0].Condition.StringEquals.nosuchservice:Key")],
             "no service has the prefix 'nosuchservice'"),
            ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
              "Condition": {"StringEquals": {"SourceIp": "x"}}},
             [("unknown-condition-key", "Statement[0].Condition.StringEquals.SourceIp")],
             "has no service prefix"),
            # '*' and NotAction: only whether the key exists is checked
            ({"Effect": "Deny", "NotAction": "s3:*", "Resource": "*",
              "Condition": {"StringLike": {"s3:prefix": "x"}}}, [], ""),
        ],
    )  # fmt: skip
    def test_table(
        self, statement: dict[str, Any], expected: list[tuple[str, str]], hint: str
    ) -> None:
        document = {"Version": "2012-10-17", "Statement": [statement]}
        findings = validate(Policy.from_dict(document), document=document)
        assert codes(findings) == expected
        if hint:
            keys = [f for f in findings if f.code == "unknown-condition-key"]
            assert hint in keys[0].message, keys[0].message
            assert keys[0].severity is Severity.WARNING


class TestPathsAsWritten:
    @pytest.mark.parametrize(
        ("document", "expected"),
        [
            # the typo is the user's Action[0]; the canonical document sorts it to Action[1]
            ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
              "Action": ["lambda:CreateFuntion", "iam:GetRole"], "Resource": "*"}]},
             ["Statement[0].Action[0]", "Statement[0].Resource"]),
            # a single statement object has no index; a one-item list keeps its [0]
            ({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
              "Action": ["lambda:CreateFuntion"], "Resource": "arn:aws:s3:::b"}},
             ["Statement.Action[0]"]),
            # duplicates and case: the first spelling as written
            ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
              "Action": ["s3:GetObject", "S3:getobject", "s3:ListAllMyBuckets"], "Resource": "arn:aws:s3:::b"}]},
             ["Statement[0].Action[1]", "Statement[0].Action[1]", "Statement[0].Action[2]"]),
            # a condition value list, sorted in the canonical document
            ({"Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b",
              "Condition": {"StringLike": {"s3:prefix": ["z", "${aws:username}/"]}}}]},
             ["Statement[0].Condition.StringLike.s3:prefix[1]"]),
        ],
    )  # fmt: skip
    def test_table(self, document: dict[str, Any], expected: list[str]) -> None:
        policy_ = Policy.from_dict(document)
        assert [f.path for f in validate(policy_, document=document)] == expected
        # the canonical paths are unchanged without the document
        assert len(validate(policy_)) == len(expected)

    def test_a_path_that_cannot_be_followed_is_kept(self) -> None:
        from lambda_perms.algebra.validation import as_written

        document = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
        policy_ = Policy.from_dict(document)
        assert as_written("Statement[3].Action", policy_, document) == "Statement[3].Action"
        assert as_written("Statement[0].Action", policy_, {"other": 1}) == "Statement[0].Action"
        assert as_written("", policy_, document) == ""
        assert as_written("Version", policy_, document) == "Version"
