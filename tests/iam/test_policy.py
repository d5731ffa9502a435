"""Parsing and serialising policy documents: every shape AWS accepts, every shape it rejects.

The documents below are taken (or adapted, with account ids made up) from the IAM User Guide:
"IAM JSON policy element reference", "Grammar of the IAM JSON policy language", and the
element pages for Version, Id, Statement, Sid, Effect, Principal, NotPrincipal, Action,
NotAction, Resource, NotResource and Condition. Each expected outcome is written by hand.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from lambda_perms import InvalidPolicyError, Policy, Principal, Statement
from lambda_perms.iam.policy import Condition, Effect, PolicyKind

ACCOUNT = "123456789012"


def doc(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    out: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        out["Version"] = version
    return out


ALLOW_S3 = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}


class TestAccepted:
    # (kind, document) pairs AWS accepts, each adapted from the named section of the guide.
    @pytest.mark.parametrize(
        ("kind", "document"),
        [
            # Version: both documented values; Version may be omitted (then 2008-10-17 applies)
            ("identity", doc(ALLOW_S3)),
            ("identity", doc(ALLOW_S3, version="2008-10-17")),
            ("identity", doc(ALLOW_S3, version=None)),
            # Statement as a single object, not an array
            ("identity", {"Version": "2012-10-17", "Statement": ALLOW_S3}),
            # Id ("The Id element specifies an optional identifier for the policy")
            ("resource", {"Version": "2012-10-17", "Id": "cd3ad3d9-2776-4ef1-a904-4c229d1642ee",
                          "Statement": [{**ALLOW_S3, "Principal": "*"}]}),
            # Sid, alphanumeric
            ("identity", doc({**ALLOW_S3, "Sid": "1"}, {**ALLOW_S3, "Sid": "ReadObjects2"})),
            # Action and Resource as arrays
            ("identity", doc({"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:ReceiveMessage"],
                              "Resource": ["arn:aws:sqs:us-east-2:123456789012:queue1"]})),
            # "Action": "*" and "Resource": "*" (full admin)
            ("identity", doc({"Effect": "Allow", "Action": "*", "Resource": "*"})),
            # NotAction with Allow ("all services except IAM")
            ("identity", doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})),
            # NotAction with Deny and a condition (MFA example)
            ("identity", doc({"Effect": "Deny", "NotAction": "iam:*", "Resource": "*",
                              "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}})),
            # NotResource ("everything except the HRBucket")
            ("identity", doc({"Effect": "Deny", "Action": "s3:*",
                              "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"]})),
            # Principal shapes (Principal element page)
            ("resource", doc({**ALLOW_S3, "Principal": {"AWS": "123456789012"}})),
            ("resource", doc({**ALLOW_S3, "Principal": {"AWS": ["arn:aws:iam::123456789012:root", "999999999999"]}})),
            ("resource", doc({**ALLOW_S3, "Principal": {"AWS": "arn:aws:iam::123456789012:role/role-name"}})),
            ("resource", doc({**ALLOW_S3, "Principal": {"AWS": "*"}})),
            ("resource", doc({**ALLOW_S3, "Principal": "*"})),
            ("resource", doc({**ALLOW_S3, "Principal": {"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}})),
            ("resource", doc({**ALLOW_S3, "Principal": {"Service": ["ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com"]}})),
            ("resource", doc({**ALLOW_S3, "Principal": {"AWS": "*", "Service": "lambda.amazonaws.com"}})),
            # NotPrincipal with Deny (NotPrincipal element page)
            ("resource", doc({"Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:iam::444455556666:user/Bob"]},
                              "Action": "s3:*", "Resource": ["arn:aws:s3:::BUCKETNAME", "arn:aws:s3:::BUCKETNAME/*"]})),
            # trust policies: Federated web identity and SAML
            ("trust", doc({"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                           "Action": "sts:AssumeRoleWithWebIdentity",
                           "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-2:12345678-abcd-abcd-abcd-123456789012"}}})),
            ("trust", doc({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                           "Action": "sts:AssumeRole"})),
            # conditions: every value type, lists, set operators, IfExists, Null
            ("identity", doc({**ALLOW_S3, "Condition": {"NumericLessThanEquals": {"s3:max-keys": 10}}})),
            ("identity", doc({**ALLOW_S3, "Condition": {"Bool": {"aws:SecureTransport": True}}})),
            ("identity", doc({**ALLOW_S3, "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"},
                                                        "DateLessThan": {"aws:CurrentTime": "2020-06-30T23:59:59Z"}}})),
            ("identity", doc({**ALLOW_S3, "Condition": {"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]}}})),
            ("identity", doc({**ALLOW_S3, "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}})),
            ("identity", doc({**ALLOW_S3, "Condition": {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"]}}})),
            ("identity", doc({**ALLOW_S3, "Condition": {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*"]}}})),
            ("identity", doc({**ALLOW_S3, "Condition": {"Null": {"aws:TokenIssueTime": "true"}}})),
            ("identity", doc({**ALLOW_S3, "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:*"}}})),
            ("identity", doc({**ALLOW_S3, "Condition": {"BinaryEquals": {"key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}})),
            # policy variables in Resource
            ("identity", doc({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket",
                              "Condition": {"StringLike": {"s3:prefix": ["${aws:username}/*"]}}},
                             {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                              "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/${aws:username}/*"})),
            # resource policies may use any Sid (SQS writes "__owner_statement")
            ("resource", doc({**ALLOW_S3, "Sid": "__owner_statement", "Principal": {"AWS": ACCOUNT}})),
            # an empty condition block means no condition
            ("identity", doc({**ALLOW_S3, "Condition": {}})),
            # whitespace of every allowed kind, and Latin-1 in values
            ("identity", doc({**ALLOW_S3, "Condition": {"StringEquals": {"aws:PrincipalTag/team": "équipe\tA"}}})),
        ],
    )  # fmt: skip
    def test_parses_and_round_trips(self, kind: str, document: dict[str, Any]) -> None:
        policy = Policy.from_dict(document, kind=kind)
        assert policy.kind == PolicyKind(kind)
        again = Policy.from_json(policy.to_json(), kind=kind)
        assert again == policy
        assert Policy.from_json(json.dumps(document), kind=kind) == policy
        assert Policy.from_json(policy.to_json(indent=2), kind=kind) == policy


class TestRejected:
    # (kind, document, JSON path, message fragment): each something IAM rejects.
    @pytest.mark.parametrize(
        ("kind", "document", "path", "fragment"),
        [
            ("identity", [], "", "expected the policy document"),
            ("identity", {"Version": "2012-10-17"}, "", "no Statement"),
            ("identity", doc(ALLOW_S3, version="2012-10-18"), "Version", "must be one of"),
            ("identity", {"Version": "2012-10-17", "Statement": "Allow"}, "Statement", "object or an array"),
            ("identity", {"Version": "2012-10-17", "statement": []}, "statement", "did you mean 'Statement'"),
            ("identity", doc({**ALLOW_S3, "Efect": "Allow"}), "Statement[0].Efect", "did you mean 'Effect'"),
            ("identity", doc({"Action": "s3:GetObject", "Resource": "*"}), "Statement[0]", "needs Effect"),
            ("identity", doc({**ALLOW_S3, "Effect": "allow"}), "Statement[0].Effect", "'Allow' or 'Deny'"),
            ("identity", doc({"Effect": "Allow", "Resource": "*"}), "Statement[0]", "Action or NotAction"),
            ("identity", doc({**ALLOW_S3, "NotAction": "s3:PutObject"}), "Statement[0]", "not both"),
            ("identity", doc({**ALLOW_S3, "NotResource": "*"}), "Statement[0]", "not both"),
            ("identity", doc({**ALLOW_S3, "Action": []}), "Statement[0].Action", "empty array"),
            ("identity", doc({**ALLOW_S3, "Action": ["s3:GetObject", 7]}), "Statement[0].Action[1]", "must be a string"),
            ("identity", doc({**ALLOW_S3, "Action": "GetObject"}), "Statement[0].Action", "no service prefix"),
            ("identity", doc({**ALLOW_S3, "Resource": "my-bucket"}), "Statement[0].Resource", "ARN format"),
            ("identity", doc({**ALLOW_S3, "Resource": ["*", "arn:aws:s*:::b"]}), "Statement[0].Resource[1]", "service segment"),
            ("identity", doc({"Effect": "Allow", "Action": "s3:GetObject"}), "Statement[0]", "needs Resource or NotResource"),
            ("identity", doc({**ALLOW_S3, "Principal": "*"}), "Statement[0].Principal", "not allowed in an identity policy"),
            ("identity", doc({**ALLOW_S3, "Sid": "my sid"}), "Statement[0].Sid", "only letters"),
            ("identity", doc({**ALLOW_S3, "Sid": "A"}, {**ALLOW_S3, "Sid": "A"}), "Statement[1].Sid", "unique"),
            ("identity", doc({**ALLOW_S3, "Sid": 1}), "Statement[0].Sid", "must be a string"),
            ("resource", doc(ALLOW_S3), "Statement[0]", "needs Principal"),
            ("resource", doc({**ALLOW_S3, "Principal": "arn:aws:iam::123456789012:root"}), "Statement[0].Principal", "must be '*'"),
            ("resource", doc({**ALLOW_S3, "Principal": {}}), "Statement[0].Principal", "must not be empty"),
            ("resource", doc({**ALLOW_S3, "Principal": {"Aws": "*"}}), "Statement[0].Principal.Aws", "did you mean 'AWS'"),
            ("resource", doc({**ALLOW_S3, "Principal": {"AWS": []}}), "Statement[0].Principal.AWS", "empty array"),
            ("resource", doc({**ALLOW_S3, "Principal": {"AWS": ["*", ""]}}), "Statement[0].Principal.AWS[1]", "must not be empty"),
            ("resource", doc({**ALLOW_S3, "Principal": "*", "NotPrincipal": "*"}), "Statement[0]", "not both"),
            ("trust", doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"},
                           "Resource": "*"}), "Statement[0].Resource", "not allowed in a role trust policy"),
            ("trust", doc({"Effect": "Allow", "Action": "sts:AssumeRole"}), "Statement[0]", "needs Principal"),
            ("identity", doc({**ALLOW_S3, "Condition": {"StringEqual": {"aws:username": "a"}}}),
             "Statement[0].Condition.StringEqual", "did you mean 'StringEquals'"),
            ("identity", doc({**ALLOW_S3, "Condition": {"StringEquals": {"aws:username": []}}}),
             'Statement[0].Condition.StringEquals["aws:username"]', "at least one value"),
            ("identity", doc({**ALLOW_S3, "Condition": {"StringEquals": {"aws:username": None}}}),
             'Statement[0].Condition.StringEquals["aws:username"]', "got null"),
            ("identity", doc({**ALLOW_S3, "Condition": {"StringEquals": {"aws:username": [{"a": 1}]}}}),
             'Statement[0].Condition.StringEquals["aws:username"][0]', "got an object"),
            ("identity", doc({**ALLOW_S3, "Condition": {"StringEquals": "aws:username"}}),
             "Statement[0].Condition.StringEquals", "expected an object"),
            ("identity", doc({**ALLOW_S3, "Condition": ["StringEquals"]}), "Statement[0].Condition", "expected an object"),
        ],
    )  # fmt: skip
    def test_rejected_with_path(self, kind: str, document: Any, path: str, fragment: str) -> None:
        with pytest.raises(InvalidPolicyError) as info:
            Policy.from_dict(document, kind=kind)
        assert info.value.path == path
        assert fragment in info.value.message

    # Values are checked once, by the models; the error still names the value's JSON path.
    @pytest.mark.parametrize(
        ("kind", "document", "path", "fragment"),
        [
            ("resource", doc({**ALLOW_S3, "Principal": {"AWS": ""}}), "Statement[0].Principal.AWS", "must not be empty"),
            ("resource", doc({**ALLOW_S3, "Principal": {"Service": ["a", ""]}}), "Statement[0].Principal.Service[1]", "must not be empty"),
            ("identity", doc({**ALLOW_S3, "Condition": {"StringEquals": {"": "x"}}}), 'Statement[0].Condition.StringEquals[""]', "key must not be empty"),
            ("identity", doc({**ALLOW_S3, "Condition": {"StringEquals": {"k\x01": "x"}}}), 'Statement[0].Condition.StringEquals["k\\u0001"]', "U+0001"),
            ("identity", doc({**ALLOW_S3, "Condition": {"NumericEquals": {"k": float("nan")}}}), "Statement[0].Condition.NumericEquals.k", "got a number nan"),
            ("identity", doc({**ALLOW_S3, "Condition": {"NumericEquals": {"k": [1, float("inf")]}}}), "Statement[0].Condition.NumericEquals.k[1]", "got a number inf"),
            ("identity", {"Statement": {**ALLOW_S3, "Sid": "a b"}}, "Statement.Sid", "only letters"),
            ("trust", {"Statement": {"Effect": "Allow", "Action": "sts:AssumeRole"}}, "Statement", "needs Principal"),
        ],
    )  # fmt: skip
    def test_value_errors_carry_the_json_path(
        self, kind: str, document: Any, path: str, fragment: str
    ) -> None:
        with pytest.raises(InvalidPolicyError) as info:
            Policy.from_dict(document, kind=kind)
        assert info.value.path == path
        assert fragment in info.value.message

    def test_single_statement_object_path_has_no_index(self) -> None:
        with pytest.raises(InvalidPolicyError) as info:
            Policy.from_dict({"Statement": {**ALLOW_S3, "Action": ["s3:x", ""]}})
        assert info.value.path == "Statement.Action[1]"

    @pytest.mark.parametrize(
        ("text", "fragment"),
        [
            ('{"Version": "2012-10-17", "Version": "2012-10-17", "Statement": []}', "duplicate key 'Version'"),
            ('{"Statement": [{"Effect": "Allow", "Effect": "Deny", "Action": "*", "Resource": "*"}]}', "duplicate key 'Effect'"),
            ('{"Statement": [', "invalid JSON"),
            ('{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": NaN}]}', "NaN is not a JSON value"),
            ('{"Statement": [{"Effect": "Allow", "Action": "s3:Get\u4e00", "Resource": "*"}]}', "U+4E00"),
            ('{"Statement": [{"Effect": "Allow", "Action": "s3:Get\\u4e00", "Resource": "*"}]}', "U+4E00"),
            ("[" * 100_000, "invalid JSON"),
        ],
    )  # fmt: skip
    def test_rejected_json(self, text: str, fragment: str) -> None:
        with pytest.raises(InvalidPolicyError, match=fragment.replace("+", r"\+")):
            Policy.from_json(text)

    def test_rejects_bad_utf8(self) -> None:
        with pytest.raises(InvalidPolicyError, match="UTF-8"):
            Policy.from_json(b'{"Statement": "\xff"}')

    def test_unknown_kind(self) -> None:
        with pytest.raises(InvalidPolicyError, match="unknown policy kind"):
            Policy.from_dict(doc(ALLOW_S3), kind="session")

    def test_error_is_value_error_and_lambda_perms_error(self) -> None:
        from lambda_perms import LambdaPermsError

        with pytest.raises(ValueError, match="Statement") as info:
            Policy.from_dict({})
        assert isinstance(info.value, LambdaPermsError)


class TestCanonicalForm:
    def test_key_order_scalars_and_sorting(self) -> None:
        policy = Policy.from_dict(
            {
                "Statement": [
                    {
                        "Condition": {
                            "StringEquals": {"b": ["y", "x"], "a": "z"},
                            "Bool": {"k": True},
                        },
                        "Resource": ["arn:aws:s3:::b/*", "arn:aws:s3:::a/*", "arn:aws:s3:::b/*"],
                        "Action": ["s3:PutObject", "s3:GetObject", "S3:getobject"],
                        "Effect": "Allow",
                        "Sid": "One",
                    }
                ],
                "Version": "2012-10-17",
            }
        )
        assert policy.to_json() == (
            '{"Version":"2012-10-17","Statement":[{"Sid":"One","Effect":"Allow",'
            '"Action":["S3:getobject","s3:PutObject"],'
            '"Resource":["arn:aws:s3:::a/*","arn:aws:s3:::b/*"],'
            '"Condition":{"Bool":{"k":true},"StringEquals":{"a":"z","b":["x","y"]}}}]}'
        )

    def test_statement_order_is_kept(self) -> None:
        first = {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}
        policy = Policy.from_dict(doc(ALLOW_S3, first))
        assert [s.effect for s in policy.statements] == [Effect.ALLOW, Effect.DENY]

    def test_same_meaning_different_shape_gives_equal_policies(self) -> None:
        a = Policy.from_dict({"Version": "2012-10-17", "Statement": ALLOW_S3})
        b = Policy.from_dict(
            doc({**ALLOW_S3, "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"]})
        )
        assert a == b
        assert hash(a) == hash(b)

    def test_principal_forms_are_kept_apart(self) -> None:
        bare = Policy.from_dict(doc({**ALLOW_S3, "Principal": "*"}), kind="resource")
        aws = Policy.from_dict(doc({**ALLOW_S3, "Principal": {"AWS": "*"}}), kind="resource")
        assert bare != aws
        assert bare.to_dict()["Statement"][0]["Principal"] == "*"
        assert aws.to_dict()["Statement"][0]["Principal"] == {"AWS": "*"}

    def test_condition_value_types_are_kept(self) -> None:
        policy = Policy.from_dict(
            doc({**ALLOW_S3, "Condition": {"StringEquals": {"k": [True, "true", 1, 1.0, "1"]}}})
        )
        values = policy.to_dict()["Statement"][0]["Condition"]["StringEquals"]["k"]
        assert values == [True, 1, 1.0, "1", "true"]
        assert [type(v) for v in values] == [bool, int, float, str, str]

    def test_missing_version_round_trips_as_missing(self) -> None:
        policy = Policy.from_dict(doc(ALLOW_S3, version=None))
        assert policy.version is None
        assert "Version" not in policy.to_dict()

    def test_empty_policy(self) -> None:
        empty = Policy.empty()
        assert empty.to_json() == '{"Version":"2012-10-17","Statement":[]}'
        assert Policy.from_json(empty.to_json()) == empty
        assert not empty.allows("s3:GetObject", "*")


class TestModels:
    def test_frozen(self) -> None:
        policy = Policy.from_dict(doc(ALLOW_S3))
        with pytest.raises(ValueError, match="frozen"):
            policy.version = None

    def test_named_constructors(self) -> None:
        statement = Statement.allow(["s3:PutObject", "s3:GetObject"], "arn:aws:s3:::b/*", sid="Rw")
        assert statement.to_dict() == {
            "Sid": "Rw",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": "arn:aws:s3:::b/*",
        }
        assert Statement.deny("iam:*").to_dict()["Resource"] == "*"
        policy = Policy.of(statement, Statement.deny("s3:DeleteObject"))
        assert policy.allows("s3:GetObject", "arn:aws:s3:::b/k")
        assert not policy.allows("s3:DeleteObject", "arn:aws:s3:::b/k")

    def test_named_constructors_raise_invalid_policy_error(self) -> None:
        with pytest.raises(InvalidPolicyError, match="Action"):
            Statement.allow([])
        with pytest.raises(InvalidPolicyError) as info:
            Policy.of(
                Statement.allow("s3:GetObject", sid="A"), Statement.allow("s3:PutObject", sid="A")
            )
        assert info.value.path == "Statement[1].Sid"
        with pytest.raises(InvalidPolicyError, match="needs Principal"):
            Policy.of(Statement.allow("s3:GetObject"), kind="resource")

    def test_replace_validates(self) -> None:
        statement = Statement.allow("s3:GetObject")
        assert statement.replace(sid="New").sid == "New"
        with pytest.raises(InvalidPolicyError):
            statement.replace(action=None)

    def test_condition_of(self) -> None:
        condition = Condition.of({"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}})
        assert condition.to_document() == {
            "StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}
        }

    def test_principal_of(self) -> None:
        assert Principal.of(service=["b", "a"]).to_document() == {"Service": ["a", "b"]}
        assert Principal.anyone().to_document() == "*"
        with pytest.raises(ValueError, match="at least one"):
            Principal.of()
        with pytest.raises(InvalidPolicyError) as info:
            Principal.of(aws=["a", ""])
        assert info.value.path == "AWS[1]"
