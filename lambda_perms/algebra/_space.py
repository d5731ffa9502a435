"""The action space the algebra works in: the universe's actions plus every concrete action
the policies name (so an action the snapshot does not know still counts)."""

from __future__ import annotations

from collections.abc import Iterable

from lambda_perms._universe import Universe
from lambda_perms.iam._glob import action_regex
from lambda_perms.iam.actions import Action, ActionPattern
from lambda_perms.iam.policy import Policy, Statement

__all__ = ["Space"]


class Space:
    """The universe's actions plus every concrete action the policies name."""

    def __init__(self, universe: Universe, policies: Iterable[Policy]) -> None:
        patterns = (
            pattern
            for policy in policies
            for statement in policy.statements
            for pattern in statement.action or statement.not_action or ()
        )
        self.universe = universe
        self.extra = self._unknown(universe, patterns)
        self._all: frozenset[str] | None = None

    @classmethod
    def of_patterns(cls, universe: Universe, patterns: Iterable[ActionPattern]) -> Space:
        space = cls(universe, ())
        space.extra = cls._unknown(universe, patterns)
        return space

    @staticmethod
    def _unknown(universe: Universe, patterns: Iterable[ActionPattern]) -> dict[str, str]:
        extra: dict[str, str] = {}
        for pattern in patterns:
            if not pattern.is_wildcard and not universe.exists(pattern):
                extra.setdefault(pattern.key, pattern.text)
        return extra

    def all(self) -> frozenset[str]:
        if self._all is None:
            keys = self.universe.keys()
            self._all = keys | frozenset(self.extra) if self.extra else keys
        return self._all

    def expand(self, pattern: ActionPattern) -> frozenset[str]:
        found = {a.key for a in self.universe.expand(pattern)}
        if self.extra:
            regex = action_regex(pattern.text)
            found.update(k for k in self.extra if regex.fullmatch(k))
        return frozenset(found)

    def actions_of(self, statement: Statement) -> frozenset[str]:
        if statement.action is not None:
            return frozenset().union(*(self.expand(p) for p in statement.action))
        excluded = frozenset().union(*(self.expand(p) for p in statement.not_action or ()))
        return self.all() - excluded

    def display(self, key: str) -> Action:
        if key in self.extra:
            return Action(self.extra[key])
        return self.universe.canonical(key)
