"""A fluent, immutable builder for policies.

>>> from lambda_perms import PolicyBuilder
>>> policy = (
...     PolicyBuilder()
...     .allow("s3:GetObject", "s3:PutObject").on("arn:aws:s3:::my-bucket/*").sid("Objects")
...     .allow("iam:PassRole").on("arn:aws:iam::123456789012:role/app-*")
...     .when("StringEquals", "iam:PassedToService", "lambda.amazonaws.com")
...     .deny("s3:DeleteObject").on("*")
...     .build()
... )
>>> [s.sid for s in policy.statements]
['Objects', None, None]

Every method returns a new builder; builders can be kept, branched and combined
(``a.extend(b)`` or ``a + b``). The types keep misuse out: :meth:`PolicyBuilder.allow` and
:meth:`PolicyBuilder.deny` open a statement (a :class:`StatementBuilder`); only an open
statement has :meth:`~StatementBuilder.on`, :meth:`~StatementBuilder.when` and
:meth:`~StatementBuilder.sid`, so ``PolicyBuilder().on(...)`` is a type error, not a
surprise at run time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Literal

from lambda_perms.iam.policy import (
    Condition,
    ConditionEntry,
    ConditionValue,
    Effect,
    Policy,
    PolicyKind,
    Statement,
)

__all__ = ["PolicyBuilder", "StatementBuilder"]


def __dir__() -> list[str]:
    return __all__


@dataclass(frozen=True, slots=True)
class _Draft:
    effect: Effect
    actions: tuple[str, ...]
    resources: tuple[str, ...] = ()
    conditions: tuple[tuple[str, str, tuple[ConditionValue, ...]], ...] = ()
    sid: str | None = None

    def statement(self) -> Statement:
        condition = Condition(
            entries=tuple(
                ConditionEntry(operator=op, key=key, values=values)
                for op, key, values in self.conditions
            )
        )
        build = Statement.allow if self.effect is Effect.ALLOW else Statement.deny
        return build(self.actions, self.resources or ("*",), sid=self.sid, condition=condition)


@dataclass(frozen=True, slots=True)
class PolicyBuilder:
    """A policy under construction: closed statements, no open one."""

    _drafts: tuple[_Draft, ...] = ()
    _version: Literal["2012-10-17", "2008-10-17"] = "2012-10-17"
    _kind: PolicyKind = field(default=PolicyKind.IDENTITY)

    def allow(self, *actions: str) -> StatementBuilder:
        """Open an ``Allow`` statement for ``actions`` (resources default to ``*``)."""
        return StatementBuilder(self, _Draft(Effect.ALLOW, _actions(actions)))

    def deny(self, *actions: str) -> StatementBuilder:
        """Open a ``Deny`` statement for ``actions`` (resources default to ``*``)."""
        return StatementBuilder(self, _Draft(Effect.DENY, _actions(actions)))

    def extend(self, other: PolicyBuilder | StatementBuilder) -> PolicyBuilder:
        """This builder's statements followed by ``other``'s."""
        closed = other.close() if isinstance(other, StatementBuilder) else other
        return replace(self, _drafts=self._drafts + closed._drafts)

    def __add__(self, other: PolicyBuilder | StatementBuilder) -> PolicyBuilder:
        return self.extend(other)

    def statements(self) -> tuple[Statement, ...]:
        """The statements built so far.

        :raises InvalidPolicyError: for an invalid action, resource or condition.
        """
        return tuple(d.statement() for d in self._drafts)

    def build(self) -> Policy:
        """The policy.

        :raises InvalidPolicyError: for anything IAM would reject (e.g. duplicate Sids).
        """
        return Policy.of(*self.statements(), version=self._version, kind=self._kind)


@dataclass(frozen=True, slots=True)
class StatementBuilder:
    """A builder with one open statement: refine it, or move on."""

    _base: PolicyBuilder
    _draft: _Draft

    def on(self, *resources: str) -> StatementBuilder:
        """Add resources (ARN patterns) to the open statement."""
        return replace(
            self, _draft=replace(self._draft, resources=self._draft.resources + resources)
        )

    def when(
        self,
        operator: str,
        key: str,
        values: ConditionValue | Iterable[ConditionValue],
    ) -> StatementBuilder:
        """Add a condition to the open statement (entries are ANDed)."""
        listed: tuple[ConditionValue, ...] = (
            (values,) if isinstance(values, str | int | float | bool) else tuple(values)
        )
        entry = (operator, key, listed)
        return replace(
            self, _draft=replace(self._draft, conditions=(*self._draft.conditions, entry))
        )

    def sid(self, sid: str) -> StatementBuilder:
        """Name the open statement."""
        return replace(self, _draft=replace(self._draft, sid=sid))

    def close(self) -> PolicyBuilder:
        """Close the open statement."""
        return replace(self._base, _drafts=(*self._base._drafts, self._draft))

    def allow(self, *actions: str) -> StatementBuilder:
        return self.close().allow(*actions)

    def deny(self, *actions: str) -> StatementBuilder:
        return self.close().deny(*actions)

    def extend(self, other: PolicyBuilder | StatementBuilder) -> PolicyBuilder:
        return self.close().extend(other)

    def __add__(self, other: PolicyBuilder | StatementBuilder) -> PolicyBuilder:
        return self.extend(other)

    def statements(self) -> tuple[Statement, ...]:
        return self.close().statements()

    def build(self) -> Policy:
        return self.close().build()


def _actions(actions: tuple[str, ...]) -> tuple[str, ...]:
    if not actions:
        raise TypeError("allow()/deny() needs at least one action")
    return actions
