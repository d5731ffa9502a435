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
        self._known: set[str] = set()  # concrete keys the universe was found to know
        self.extra = self._unknown(universe, patterns, self._known)
        self._all: frozenset[str] | None = None
        # by pattern text, and by a statement's list: policies repeat both
        self._expanded: dict[str, frozenset[str]] = {}
        self._of: dict[tuple[bool, tuple[str, ...]], frozenset[str]] = {}

    @classmethod
    def of_patterns(cls, universe: Universe, patterns: Iterable[ActionPattern]) -> Space:
        space = cls(universe, ())
        space.extra = cls._unknown(universe, patterns)
        space._expanded.clear()
        space._of.clear()
        return space

    @staticmethod
    def _unknown(
        universe: Universe, patterns: Iterable[ActionPattern], known: set[str] | None = None
    ) -> dict[str, str]:
        """The concrete actions the universe does not know (key -> text as first named);
        ``known`` collects the keys it does."""
        extra: dict[str, str] = {}
        for pattern in patterns:
            if pattern.is_wildcard:
                continue
            if (known is not None and pattern.key in known) or universe.exists(pattern):
                if known is not None:
                    known.add(pattern.key)
            else:
                extra.setdefault(pattern.key, pattern.text)
        return extra

    def all(self) -> frozenset[str]:
        if self._all is None:
            keys = self.universe.keys()
            self._all = keys | frozenset(self.extra) if self.extra else keys
        return self._all

    def expand(self, pattern: ActionPattern) -> frozenset[str]:
        known = self._expanded.get(pattern.text)
        if known is not None:
            return known
        if not pattern.is_wildcard:  # a concrete action is itself, if anyone knows it
            key = pattern.key
            mine = key in self._known or key in self.extra or self.universe.exists(pattern)
            known = self._expanded[pattern.text] = frozenset((key,)) if mine else frozenset()
            return known
        found = {a.key for a in self.universe.expand(pattern)}
        if self.extra:
            regex = action_regex(pattern.text)
            found.update(k for k in self.extra if regex.fullmatch(k))
        known = self._expanded[pattern.text] = frozenset(found)
        return known

    def actions_of(self, statement: Statement) -> frozenset[str]:
        negated = statement.action is None
        patterns = statement.not_action or () if negated else statement.action or ()
        key = (negated, tuple(p.text for p in patterns))
        known = self._of.get(key)
        if known is None:
            named = frozenset().union(*(self.expand(p) for p in patterns))
            known = self._of[key] = self.all() - named if negated else named
        return known

    def display(self, key: str) -> Action:
        if key in self.extra:
            return Action(self.extra[key])
        return self.universe.canonical(key)
