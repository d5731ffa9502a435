"""The same meaning in fewer characters: :func:`minimize` and :func:`minimize_actions`.

With ``wildcards=True`` action lists become patterns whose expansion in the universe is
exactly the covered set (:mod:`lambda_perms.algebra.cover`). Such patterns may match actions
AWS adds later: the result names the universe version it is valid for.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from lambda_perms._universe import Universe, UniverseVersion
from lambda_perms._universe import universe as default_universe
from lambda_perms.algebra._space import Space
from lambda_perms.algebra.cover import cover_actions
from lambda_perms.algebra.merge import assemble, canonical_actions, coalesce
from lambda_perms.errors import UsageError
from lambda_perms.iam import _reglang, _subsumption
from lambda_perms.iam._glob import action_key
from lambda_perms.iam.actions import ActionPattern
from lambda_perms.iam.arn import ResourcePattern
from lambda_perms.iam.policy import Policy, Statement

__all__ = ["DEFAULT_PROTECTED", "Minimized", "minimize", "minimize_actions"]


def __dir__() -> list[str]:
    return __all__


#: Actions never folded into a wildcard by :func:`minimize`: passing roles and changing
#: IAM policies or roles is how a deploy role escalates its own privileges.
DEFAULT_PROTECTED: frozenset[str] = frozenset(
    {
        "iam:PassRole",
        "iam:AttachRolePolicy",
        "iam:AttachUserPolicy",
        "iam:AttachGroupPolicy",
        "iam:CreatePolicy",
        "iam:CreatePolicyVersion",
        "iam:CreateRole",
        "iam:DeleteRolePermissionsBoundary",
        "iam:DeleteRolePolicy",
        "iam:DetachRolePolicy",
        "iam:PutGroupPolicy",
        "iam:PutRolePermissionsBoundary",
        "iam:PutRolePolicy",
        "iam:PutUserPermissionsBoundary",
        "iam:PutUserPolicy",
        "iam:SetDefaultPolicyVersion",
        "iam:UpdateAssumeRolePolicy",
        "iam:UpdateRole",
        "iam:CreateAccessKey",
        "iam:CreateLoginProfile",
        "iam:UpdateLoginProfile",
        "iam:AddUserToGroup",
        "sts:AssumeRole",
        "lambda:AddPermission",
        "lambda:AddLayerVersionPermission",
    }
)


#: Transitions the exact resource-subsumption searches of one :func:`minimize` call may
#: take together (at most :data:`~lambda_perms.iam._reglang.DEFAULT_BUDGET` in one search).
#: Past it, the patterns still to check are kept: the meaning is the same, the result is only
#: less minimal, and :attr:`Minimized.undecided` names them.
SEARCH_BUDGET = 50_000


@dataclass(frozen=True, slots=True)
class Minimized:
    """A minimized policy and the universe version its wildcards were checked against.

    ``undecided`` names the resource patterns kept because deciding whether the others of
    their statement cover them would have exceeded the search budget (the sound fallback:
    the policy means the same, but may be longer than it needs to be). Empty when every
    question was decided exactly.
    """

    policy: Policy
    universe: UniverseVersion
    wildcards: bool
    style: str
    undecided: tuple[str, ...] = ()


def minimize(
    policy: Policy,
    *,
    wildcards: bool = False,
    style: Literal["readable", "compact"] = "readable",
    protected: Iterable[str] = DEFAULT_PROTECTED,
    universe: Universe | None = None,
    budget: int | None = None,
) -> Minimized:
    """The same meaning over the universe in fewer characters.

    Always: duplicates removed, canonical spelling, statements coalesced, actions and
    resources subsumed by others in the same statement dropped. With ``wildcards=True``
    action lists become patterns (cut at whole CamelCase words in the ``readable`` style, any
    substring in the ``compact`` style) whose expansion in the universe is exactly the covered
    set; ``prefix:*`` and ``*`` only when complete; ``protected`` actions are never folded into
    a wildcard. The result is checked by expanding it back, and never larger than the input.

    ``budget`` bounds the exact searches that decide resource subsumption (transitions;
    default :data:`SEARCH_BUDGET`); a pattern whose check would exceed it is kept and named in
    :attr:`Minimized.undecided`. Cost: near-linear in the statements and their actions and
    resources (index look-ups, see :func:`_drop_subsumed_resources`), plus at most ``budget``
    search transitions, plus the wildcard cover (linear in the wanted names times their
    CamelCase words, see :mod:`lambda_perms.algebra.cover`).
    """
    if style not in ("readable", "compact"):
        raise UsageError(f"unknown style {style!r}; expected 'readable' or 'compact'")
    known = universe if universe is not None else default_universe()
    space = Space(known, (policy,))
    guarded = frozenset(action_key(p) for p in protected)
    slim = [canonical_actions(s, known) for s in policy.statements]
    search = _Search(_reglang.Budget(SEARCH_BUDGET if budget is None else budget))
    for _ in range(8):  # coalescing can enable dropping and vice versa; a fixpoint is quick
        before = slim
        slim = [_drop_subsumed(s, space, search) for s in coalesce(slim)]
        if wildcards:
            slim = [
                _with_patterns(
                    s, space, cover_actions, style=style, protected=guarded, done=search.covered
                )
                for s in slim
            ]
        slim = coalesce(slim)
        if slim == before:
            break
    result = assemble(slim, version=policy.version, kind=policy.kind, policy_id=policy.id)
    if result.size() > policy.size():
        result = policy
    kept = {r.text for s in result.statements for r in s.resource or s.not_resource or ()}
    return Minimized(
        policy=result,
        universe=known.version,
        wildcards=wildcards,
        style=style,
        undecided=tuple(sorted(search.undecided & kept)),
    )


def minimize_actions(
    actions: Iterable[str | ActionPattern],
    *,
    style: Literal["readable", "compact"] = "readable",
    protected: Iterable[str] = DEFAULT_PROTECTED,
    universe: Universe | None = None,
) -> tuple[str, ...]:
    """Patterns whose expansion in the universe is exactly that of ``actions`` (the wildcard
    step of :func:`minimize`, for an action list). Returns the input's expansion, spelt
    canonically, when no shorter cover exists."""
    if style not in ("readable", "compact"):
        raise UsageError(f"unknown style {style!r}; expected 'readable' or 'compact'")
    known = universe if universe is not None else default_universe()
    patterns = [a if isinstance(a, ActionPattern) else ActionPattern(a) for a in actions]
    space = Space.of_patterns(known, patterns)
    wanted = frozenset().union(*(space.expand(p) for p in patterns))
    guarded = frozenset(action_key(p) for p in protected)
    chosen = cover_actions(wanted, space, style=style, protected=guarded)
    if chosen is None:
        return tuple(sorted((space.display(k).text for k in wanted), key=str.lower))
    return tuple(chosen)


class _Search:
    """The budget the subsumption checks of one call share, and the patterns kept because a
    check exceeded it (by text); answers are remembered per statement resource list."""

    def __init__(self, budget: _reglang.Budget) -> None:
        self.budget = budget
        self.undecided: set[str] = set()
        self.done: dict[tuple[ResourcePattern, ...], tuple[ResourcePattern, ...]] = {}
        # action lists that are already a cover made in this call (covering them again
        # gives them back)
        self.covered: set[tuple[str, ...]] = set()


def _drop_subsumed(statement: Statement, space: Space, search: _Search) -> Statement:
    changes: dict[str, Any] = {}
    for field in ("action", "not_action"):
        patterns: tuple[ActionPattern, ...] | None = getattr(statement, field)
        if patterns and tuple(p.text for p in patterns) in search.covered:
            continue  # a cover made in this call: no pattern in it is within the others
        if patterns and len(patterns) > 1:
            keep = _drop_subsumed_actions(patterns, space)
            if len(keep) < len(patterns):
                changes[field] = keep
    for field in ("resource", "not_resource"):
        resources: tuple[ResourcePattern, ...] | None = getattr(statement, field)
        if resources and len(resources) > 1:
            keep_r = search.done.get(resources)
            if keep_r is None:
                keep_r = search.done[resources] = _drop_subsumed_resources(resources, search)
            if len(keep_r) < len(resources):
                changes[field] = keep_r
    return statement.replace(**changes) if changes else statement


def _drop_subsumed_actions(
    patterns: tuple[ActionPattern, ...], space: Space
) -> tuple[ActionPattern, ...]:
    """Drop patterns whose expansion another pattern of the list contains (only wildcards can
    contain others; between equal expansions the first in sorted order stays).

    Bound: a pattern's expansion is compared only with those that contain one of its
    actions (an index from action to patterns), so ``w`` wildcards expanding to ``a`` actions
    cost ``O(w * a)`` set operations in the common case rather than ``O(w^2)``.
    """
    wild = [p for p in patterns if p.is_wildcard]
    if not wild:
        return patterns
    sets = {p: space.expand(p) for p in wild}
    holders: dict[str, list[ActionPattern]] = {}
    for p in wild:
        for key in sets[p]:
            holders.setdefault(key, []).append(p)

    def dominated(p: ActionPattern) -> bool:
        mine = sets[p]
        if not mine:  # matches nothing: within any other pattern
            return any(q != p and (sets[q] or q < p) for q in wild)
        rarest = min(mine, key=lambda key: len(holders[key]))
        return any(
            q != p and mine <= sets[q] and (mine < sets[q] or q < p) for q in holders[rarest]
        )

    kept_wild = [p for p in wild if not dominated(p)]
    covered = frozenset().union(*(sets[p] for p in kept_wild))
    kept = set(kept_wild)
    return tuple(p for p in patterns if p in kept or (not p.is_wildcard and p.key not in covered))


def _drop_subsumed_resources(
    resources: tuple[ResourcePattern, ...], search: _Search
) -> tuple[ResourcePattern, ...]:
    """Drop each pattern whose language lies within the union of the patterns kept so far and
    those not yet looked at (the union, and so the meaning, never changes).

    Bound: ``n`` patterns of length at most ``L`` cost ``O(n * L)`` index look-ups plus, per
    pattern, matching against the patterns that can share a word with it (same literal head
    and tail as far as both go) and at most the search budget; a pattern whose check would
    exceed the budget is kept (never dropped: the meaning stays, only minimality is lost).
    """
    if any(r.text == "*" for r in resources):
        return (ResourcePattern("*"),)
    compiled = [_reglang.compile_pattern(r.text) for r in resources]
    index = _subsumption.Index(compiled)
    alive = [True] * len(resources)
    for i, r in enumerate(resources):

        def gone(j: int, i: int = i) -> bool:  # the pattern itself, or one already dropped
            return j == i or not alive[j]

        try:
            if _subsumption.subsumed(compiled[i], index, gone, budget=search.budget):
                alive[i] = False
        except _reglang.BudgetExceeded:
            search.undecided.add(r.text)
    return tuple(r for r, keep in zip(resources, alive, strict=True) if keep)


def _with_patterns(
    statement: Statement,
    space: Space,
    cover: Any,
    *,
    style: str,
    protected: frozenset[str],
    done: set[tuple[str, ...]] | None = None,
) -> Statement:
    field = "action" if statement.action is not None else "not_action"
    patterns: tuple[ActionPattern, ...] = getattr(statement, field)
    key = tuple(p.text for p in patterns)
    if done is not None and key in done:
        return statement
    wanted = frozenset().union(*(space.expand(p) for p in patterns))
    chosen = cover(wanted, space, style=style, protected=protected)
    if chosen is None:
        return statement
    candidate = statement.replace(**{field: tuple(ActionPattern(t) for t in chosen)})
    if len(json.dumps(candidate.to_dict())) > len(json.dumps(statement.to_dict())):
        candidate = statement
    if done is not None:
        done.add(tuple(p.text for p in getattr(candidate, field)))
    return candidate
