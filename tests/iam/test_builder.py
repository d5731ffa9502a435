"""The fluent builder, checked against a plain set model by a stateful test."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from lambda_perms import InvalidPolicyError, Policy, PolicyBuilder
from lambda_perms.iam.builder import StatementBuilder

ACTIONS = ("s3:GetObject", "s3:PutObject", "iam:PassRole", "lambda:GetFunction")
RESOURCES = ("arn:aws:s3:::b/k", "arn:aws:iam::1:role/r", "*")


def test_fluent_example() -> None:
    policy = (
        PolicyBuilder()
        .allow("s3:GetObject", "s3:PutObject")
        .on("arn:aws:s3:::my-bucket/*")
        .sid("Objects")
        .allow("iam:PassRole")
        .on("arn:aws:iam::123456789012:role/app-*")
        .when("StringEquals", "iam:PassedToService", "lambda.amazonaws.com")
        .deny("s3:DeleteObject")
        .build()
    )
    assert policy.to_dict()["Statement"] == [
        {"Sid": "Objects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
         "Resource": "arn:aws:s3:::my-bucket/*"},
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/app-*",
         "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}},
        {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
    ]  # fmt: skip


def test_builders_are_immutable_and_compose() -> None:
    base = PolicyBuilder().allow("s3:GetObject").on("arn:aws:s3:::b/*")
    branch_a = base.on("arn:aws:s3:::c/*")
    assert base.build() != branch_a.build()
    combined = base + PolicyBuilder().deny("s3:PutObject")
    assert [s.effect.value for s in combined.build().statements] == ["Allow", "Deny"]
    assert isinstance(base, StatementBuilder)
    assert base.close().extend(base).build().statements[0] == base.build().statements[0]


def test_errors() -> None:
    with pytest.raises(TypeError):
        PolicyBuilder().allow()
    with pytest.raises(InvalidPolicyError):
        PolicyBuilder().allow("GetObject").build()
    with pytest.raises(InvalidPolicyError, match="unique"):
        PolicyBuilder().allow("s3:GetObject").sid("A").allow("s3:PutObject").sid("A").build()


class BuilderMachine(RuleBasedStateMachine):
    """Drive the builder and keep a plain set of (effect, action, resource) grants."""

    def __init__(self) -> None:
        super().__init__()
        self.builder: PolicyBuilder | StatementBuilder = PolicyBuilder()
        self.closed: set[tuple[str, str, str]] = set()
        self.open: tuple[str, tuple[str, ...], list[str]] | None = None

    def _model(self) -> set[tuple[str, str, str]]:
        grants = set(self.closed)
        if self.open is not None:
            effect, actions, resources = self.open
            grants |= {(effect, a, r) for a in actions for r in resources or ["*"]}
        return grants

    def _close(self) -> None:
        if self.open is not None:
            effect, actions, resources = self.open
            self.closed |= {(effect, a, r) for a in actions for r in resources or ["*"]}
        self.open = None

    @rule(
        effect=st.sampled_from(["Allow", "Deny"]),
        actions=st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=3),
    )
    def open_statement(self, effect: str, actions: list[str]) -> None:
        self._close()
        self.builder = (
            self.builder.allow(*actions) if effect == "Allow" else self.builder.deny(*actions)
        )
        self.open = (effect, tuple(actions), [])

    @rule(resource=st.sampled_from(RESOURCES))
    def on(self, resource: str) -> None:
        if isinstance(self.builder, StatementBuilder) and self.open is not None:
            self.builder = self.builder.on(resource)
            self.open[2].append(resource)

    @rule()
    def close(self) -> None:
        if isinstance(self.builder, StatementBuilder):
            self.builder = self.builder.close()
            self._close()

    @invariant()
    def agrees_with_the_model(self) -> None:
        policy = self.builder.build() if self._model() else Policy.empty()
        built = {
            (s.effect.value, a.text, r.text)
            for s in policy.statements
            for a in s.action or ()
            for r in s.resource or ()
        }
        assert built == self._model()


TestBuilderMachine = BuilderMachine.TestCase
