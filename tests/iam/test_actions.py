"""Action names and patterns: IAM's glob and case rules, checked against hand-written tables."""

from __future__ import annotations

import pickle

import pytest

from lambda_perms.errors import InvalidActionError
from lambda_perms.iam.actions import Action, ActionPattern


class TestMatching:
    # Each row: pattern, action, expected. Expected values are written from the IAM User
    # Guide, "IAM JSON policy elements: Action", not from the code.
    @pytest.mark.parametrize(
        ("pattern", "action", "expected"),
        [
            # "The prefix and the action name are case insensitive."
            ("iam:ListAccessKeys", "IAM:listaccesskeys", True),
            ("IAM:LISTACCESSKEYS", "iam:ListAccessKeys", True),
            # exact names match only themselves
            ("s3:GetObject", "s3:GetObjectAcl", False),
            ("s3:GetObject", "s3:GetObjec", False),
            # "*" alone is every action of every service
            ("*", "s3:GetObject", True),
            ("*", "lambda:CreateFunction", True),
            # prefix:* is every action of that service, and only that service
            ("s3:*", "s3:GetObject", True),
            ("s3:*", "s3:", True),  # '*' matches the empty run too
            ("s3:*", "s3control:GetJob", False),
            # "iam:*AccessKey*" from the guide
            ("iam:*AccessKey*", "iam:CreateAccessKey", True),
            ("iam:*AccessKey*", "iam:ListAccessKeys", True),
            ("iam:*AccessKey*", "iam:UpdateAccessKey", True),
            ("iam:*AccessKey*", "iam:GetAccessKeyLastUsed", True),
            ("iam:*AccessKey*", "iam:CreateUser", False),
            # '?' is exactly one character
            ("iam:GetRol?", "iam:GetRole", True),
            ("iam:GetRol?", "iam:GetRol", False),
            ("iam:GetRol?", "iam:GetRoles", False),
            ("iam:Get?ole", "iam:GetRole", True),
            # Get* in any case
            ("s3:get*", "s3:GetObject", True),
            ("S3:GET*", "s3:GetBucketPolicy", True),
            ("s3:Get*", "s3:PutObject", False),
            # the wildcard spans the colon: the pattern is a glob over the whole prefix:Name
            ("*:GetObject", "s3:GetObject", True),
            ("s*:GetObject", "s3:GetObject", True),
            ("*:*", "ec2:RunInstances", True),
            # nothing else is special (no fnmatch character classes)
            ("s3:[gp]etobject", "s3:GetObject", False),
            ("s3:[gp]etobject", "s3:[gp]etobject", True),
            ("s3:Get.bject", "s3:GetObject", False),
            ("s3:Get\\*", "s3:Get\\Object", True),
            ("s3:Get+", "s3:Get+", True),
            # a trailing '*' may match across several name words
            ("cloudformation:Create*", "cloudformation:CreateResource", True),
            ("cloudfront:ListDistributions*", "cloudfront:ListDistributionsByWebACLId", True),
            ("cloudfront:ListDistributions*", "cloudfront:ListDistributionTenants", False),
        ],
    )
    def test_matches(self, pattern: str, action: str, expected: bool) -> None:
        assert ActionPattern.parse(pattern).matches(action) is expected

    def test_matches_accepts_action_objects(self) -> None:
        assert ActionPattern.parse("s3:Get*").matches(Action.parse("S3:GETOBJECT"))


class TestIdentity:
    def test_equal_ignoring_case(self) -> None:
        a, b = Action.parse("s3:GetObject"), Action.parse("S3:getobject")
        assert a == b
        assert hash(a) == hash(b)
        assert len({a, b}) == 1

    def test_display_keeps_spelling(self) -> None:
        assert str(Action.parse("S3:getobject")) == "S3:getobject"
        assert repr(ActionPattern.parse("s3:Get*")) == "ActionPattern('s3:Get*')"

    def test_parse_returns_action_when_concrete(self) -> None:
        assert type(ActionPattern.parse("s3:GetObject")) is Action
        assert type(ActionPattern.parse("s3:Get*")) is ActionPattern
        assert not Action.parse("s3:GetObject").is_wildcard
        assert ActionPattern.parse("s3:Get*").is_wildcard

    def test_pattern_and_action_compare(self) -> None:
        assert ActionPattern("s3:GetObject") == Action("s3:getobject")
        assert ActionPattern("s3:Get*") != ActionPattern("s3:Get?")

    def test_foreign_types_are_not_equal(self) -> None:
        assert Action.parse("s3:GetObject") != "s3:GetObject"
        assert Action.parse("s3:GetObject").__eq__("s3:GetObject") is NotImplemented

    def test_sort_order_is_case_insensitive_then_spelling(self) -> None:
        items = [ActionPattern(t) for t in ("s3:b", "S3:A", "s3:a", "ec2:Z")]
        assert [p.text for p in sorted(items)] == ["ec2:Z", "S3:A", "s3:a", "s3:b"]

    def test_parts(self) -> None:
        pattern = ActionPattern.parse("execute-api:Invoke")
        assert (pattern.prefix, pattern.name, pattern.key) == (
            "execute-api",
            "Invoke",
            "execute-api:invoke",
        )
        star = ActionPattern.parse("*")
        assert (star.prefix, star.name) == ("*", "*")

    def test_immutable_and_picklable(self) -> None:
        action = Action.parse("s3:GetObject")
        with pytest.raises(AttributeError):
            action._text = "x"
        assert pickle.loads(pickle.dumps(action)) == action
        assert type(pickle.loads(pickle.dumps(action))) is Action


class TestInvalid:
    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("", "empty"),
            ("GetObject", "no service prefix"),
            (":GetObject", "empty service prefix"),
            ("s3:", "empty action name"),
            ("s3:Get Object", "white space"),
            ("s3:Get\u0100", r"U\+0100"),
            (42, "expected a string"),
        ],
    )
    def test_rejected(self, text: str, message: str) -> None:
        with pytest.raises(InvalidActionError, match=message):
            ActionPattern.parse(text)

    def test_action_refuses_wildcards(self) -> None:
        with pytest.raises(InvalidActionError, match="is a pattern"):
            Action.parse("s3:Get*")

    def test_error_is_a_value_error(self) -> None:
        with pytest.raises(ValueError, match="no service prefix"):
            ActionPattern.parse("nope")
