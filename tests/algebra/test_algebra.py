"""merge, diff, covers, minimize, split on real cases, with hand-written expectations."""

from __future__ import annotations

import json
from typing import Literal

import pytest

import lambda_perms
from lambda_perms import Policy, Statement, UsageError
from lambda_perms.algebra.diff import diff
from lambda_perms.algebra.minimize import DEFAULT_PROTECTED
from lambda_perms.errors import QuotaError
from lambda_perms.iam.policy import Condition

U = lambda_perms.universe()


def allow(actions: list[str] | str, resources: list[str] | str = "*", **kw: object) -> Statement:
    return Statement.allow(actions, resources, **kw)  # type: ignore[arg-type]


def actions_of(policy: Policy) -> list[str]:
    return [a.text for s in policy.statements for a in s.action or ()]


class TestProbes:
    """The two probes from the research note, on the shipped universe."""

    def test_cloudformation_create_never_grants_cloud_control(self) -> None:
        wanted = [a.text for a in U.expand("cloudformation:Create*") if a.name != "CreateResource"]
        assert len(wanted) >= 7
        styles: tuple[Literal["readable", "compact"], ...] = ("readable", "compact")
        for style in styles:
            result = Policy.of(allow(wanted)).minimize(wildcards=True, style=style, protected=())
            patterns = actions_of(result.policy)
            assert "cloudformation:Create*" not in patterns
            granted = {a.text for p in patterns for a in U.expand(p)}
            assert granted == set(wanted)

    def test_cloudfront_list_distributions_never_loses_one(self) -> None:
        wanted = [a.text for a in U.expand("cloudfront:ListDistributions*")]
        assert len(wanted) >= 13
        styles: tuple[Literal["readable", "compact"], ...] = ("readable", "compact")
        for style in styles:
            result = Policy.of(allow(wanted)).minimize(wildcards=True, style=style, protected=())
            granted = {a.text for p in actions_of(result.policy) for a in U.expand(p)}
            assert granted == set(wanted)


class TestMinimize:
    def test_exact_by_default_with_canonical_spelling_and_grouping(self) -> None:
        policy = Policy.of(
            allow(["S3:getobject", "s3:GetObject"], "arn:aws:s3:::b/*"),
            allow("s3:PutObject", "arn:aws:s3:::b/*"),
            allow("s3:GetObject", ["arn:aws:s3:::b/x", "arn:aws:s3:::b/*"]),
        )
        result = policy.minimize()
        assert result.policy.to_dict()["Statement"] == [
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": "arn:aws:s3:::b/*",
            }
        ]
        assert result.universe == U.version
        assert not result.wildcards

    def test_protected_actions_stay_exact(self) -> None:
        wanted = [a.text for a in U.actions("iam")]
        result = Policy.of(allow(wanted)).minimize(wildcards=True)
        patterns = actions_of(result.policy)
        assert "iam:*" not in patterns
        for name in ("iam:PassRole", "iam:CreateRole", "iam:PutRolePolicy"):
            assert name in patterns
            assert not any(p != name and (p.endswith("*") or "?" in p) and U.expand(p) and any(
                a.text == name for a in U.expand(p)) for p in patterns)  # fmt: skip
        assert "iam:PassRole" in DEFAULT_PROTECTED

    def test_complete_prefix_and_universe(self) -> None:
        lambda_all = [a.text for a in U.actions("lambda")]
        minimized = Policy.of(allow(lambda_all)).minimize(wildcards=True, protected=())
        assert actions_of(minimized.policy) == ["lambda:*"]
        # lambda:AddPermission is protected by default, so the prefix wildcard is not used
        guarded = actions_of(Policy.of(allow(lambda_all)).minimize(wildcards=True).policy)
        assert "lambda:*" not in guarded
        assert "lambda:AddPermission" in guarded
        everything = [a.text for a in U.actions()]
        assert actions_of(
            Policy.of(allow(everything)).minimize(wildcards=True, protected=()).policy
        ) == ["*"]

    def test_unknown_actions_stay_as_named(self) -> None:
        result = Policy.of(allow(["s3:NotAnAction", "s3:GetObject"])).minimize(wildcards=True)
        assert "s3:NotAnAction" in actions_of(result.policy)

    def test_bad_style(self) -> None:
        with pytest.raises(UsageError, match="style"):
            Policy.empty().minimize(style="tiny")  # type: ignore[arg-type]


class TestDiff:
    def test_required_vs_current(self) -> None:
        required = Policy.of(
            allow(["cloudformation:GetTemplateSummary", "cloudformation:DescribeStacks"])
        )
        current = Policy.of(allow(["cloudformation:DescribeStacks", "s3:GetObjectVersionTorrent"]))
        result = required.diff(current)
        assert [e.action.text for e in result.missing] == ["cloudformation:GetTemplateSummary"]
        assert [e.action.text for e in result.excess] == ["s3:GetObjectVersionTorrent"]
        assert "+ added: s3:GetObjectVersionTorrent on *" in result.to_text()
        assert (
            json.loads(result.to_json())["removed"][0]["action"]
            == "cloudformation:GetTemplateSummary"
        )

    def test_wildcards_on_both_sides(self) -> None:
        a = Policy.of(allow("s3:Get*", "arn:aws:s3:::b/*"))
        b = Policy.of(
            allow([x.text for x in U.expand("s3:Get*")], ["arn:aws:s3:::b/x", "arn:aws:s3:::b/y/*"])
        )
        assert a.covers(b)
        assert a >= b
        assert not b.covers(a)
        assert b <= a

    def test_deny_and_not_action(self) -> None:
        all_but_iam = Policy.of(
            Statement.model_validate(
                {"effect": "Allow", "not_action": ["iam:*"], "resource": ["*"]}
            )
        )
        everything = Policy.of(allow("*"))
        with_deny = Policy.of(allow("*"), Statement.deny("iam:*"))
        assert diff(all_but_iam, with_deny).is_empty
        assert not diff(all_but_iam, everything).is_empty
        assert {e.action.prefix for e in diff(all_but_iam, everything).added} == {"iam"}

    def test_conditions_are_compared_structurally(self) -> None:
        cond = Condition.of({"StringEquals": {"aws:username": "alice"}})
        conditional = Policy.of(allow("s3:GetObject", condition=cond))
        plain = Policy.of(allow("s3:GetObject"))
        assert plain.covers(conditional)
        assert not conditional.covers(plain)
        assert conditional.covers(Policy.of(allow("s3:GetObject", condition=cond)))

    def test_empty_diff_renders(self) -> None:
        assert Policy.empty().diff(Policy.empty()).to_text() == "no difference\n"


class TestMergeAndSplit:
    def test_merge_coalesces_and_renames_sids(self) -> None:
        a = Policy.of(allow("s3:GetObject", "arn:aws:s3:::b/*", sid="Read"))
        b = Policy.of(
            allow("s3:PutObject", "arn:aws:s3:::b/*", sid="Write"),
            allow("s3:ListBucket", "arn:aws:s3:::b", sid="Read"),
        )
        merged = a | b
        statements = merged.to_dict()["Statement"]
        coalesced = [s for s in statements if s["Resource"] == "arn:aws:s3:::b/*"]
        assert len(coalesced) == 1
        assert coalesced[0]["Action"] == ["s3:GetObject", "s3:PutObject"]
        assert len({s.get("Sid") for s in statements}) == len(statements)
        assert merged == b | a

    def test_merge_refuses_different_kinds(self) -> None:
        with pytest.raises(UsageError):
            Policy.empty().merge(Policy.empty(kind="trust"))

    def test_split_cuts_a_large_statement(self) -> None:
        names = [a.text for a in U.actions("ec2")][:400]
        parts = Policy.of(allow(names)).split("managed")
        assert len(parts) >= 2
        assert all(p.size() <= 6144 for p in parts)
        assert sorted(a for p in parts for a in actions_of(p)) == sorted(names)

    def test_split_errors(self) -> None:
        with pytest.raises(QuotaError, match="unknown quota"):
            Policy.empty().split("session")
        with pytest.raises(QuotaError):
            Policy.of(allow("s3:GetObject")).split(20)


def test_a_variable_in_a_versionless_condition_is_literal_text() -> None:
    """Without ``Version`` 2012-10-17, ``${aws:username}`` is the literal text (IAM User Guide,
    policy variables: "If you don't include the Version element ... variables are treated as
    literal strings"), so the same condition block means something else in each policy."""
    body = (
        '"Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",'
        ' "Condition": {"StringEquals": {"s3:prefix": "${aws:username}"}}}]}'
    )
    versioned = Policy.from_json('{"Version": "2012-10-17", ' + body)
    literal = Policy.from_json("{" + body)
    request = ("s3:ListBucket", "arn:aws:s3:::b")
    context = {"s3:prefix": "${aws:username}", "aws:username": "alice"}
    assert literal.allows(*request, context)
    assert not versioned.allows(*request, context)
    assert not versioned.covers(literal)
    assert versioned.diff(literal)
