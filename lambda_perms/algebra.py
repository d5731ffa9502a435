"""The policy algebra: merge, diff, covers, minimize. Pure functions over :class:`Policy`.

Meaning. A policy means the set of requests (action, resource, context, principal) it allows:
allowed by some ``Allow`` statement and denied by no ``Deny`` statement. Actions range over
the universe snapshot plus every concrete action either policy names (so an action the snapshot
does not know still counts); ``NotAction`` is the complement within that space. Resources are
arbitrary strings and resource patterns are compared exactly as regular languages, not as
strings. Conditions (together with ``Principal``/``NotPrincipal``) are compared as opaque
atoms: two statements are "under the same condition" only when their condition blocks are
equal; different conditions are treated as independent, so the algebra never assumes one
condition implies another. Every operation keeps its promise within that model:

* :func:`merge` — the policy equivalent to attaching both (deduplicated, statements coalesced
  where sound);
* :func:`diff` — what one allows and the other does not, both ways, as (action, resource,
  condition) entries; empty iff both mean the same;
* :func:`covers` — whether one allows every request the other allows;
* :func:`minimize` — the same meaning in fewer characters; with ``wildcards=True`` action lists
  become patterns whose expansion in the universe is exactly the covered set. Such patterns may
  match actions AWS adds later: the result names the universe version it is valid for.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from lambda_perms import _reglang
from lambda_perms._glob import action_key, action_regex
from lambda_perms._universe import Universe, UniverseVersion
from lambda_perms._universe import universe as default_universe
from lambda_perms.actions import Action, ActionPattern
from lambda_perms.arn import ResourcePattern
from lambda_perms.errors import UsageError
from lambda_perms.policy import Condition, Effect, Policy, Principal, Statement

__all__ = [
    "DEFAULT_PROTECTED",
    "DiffEntry",
    "Minimized",
    "PolicyDiff",
    "covers",
    "diff",
    "merge",
    "minimize",
    "minimize_actions",
]


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


# -- the action space ---------------------------------------------------------------------


class _Space:
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
    def of_patterns(cls, universe: Universe, patterns: Iterable[ActionPattern]) -> _Space:
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


# -- normalised grants --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Grant:
    index: int
    effect: Effect
    actions: frozenset[str]
    resources: tuple[str, ...] | None  # None: every resource (no Resource element)
    not_resource: bool
    atom: tuple[Any, ...]  # condition + principal, compared structurally; () is "always"
    statement: Statement


def _atom(statement: Statement) -> tuple[Any, ...]:
    if not statement.condition and statement.principal is None and statement.not_principal is None:
        return ()
    return (statement.condition, statement.principal, statement.not_principal)


def _grants(policy: Policy, space: _Space, offset: int) -> list[_Grant]:
    out = []
    for i, statement in enumerate(policy.statements):
        if statement.resource is not None:
            resources: tuple[str, ...] | None = tuple(r.text for r in statement.resource)
            negated = False
        elif statement.not_resource is not None:
            resources = tuple(r.text for r in statement.not_resource)
            negated = True
        else:
            resources, negated = None, False
        out.append(
            _Grant(
                index=offset + i,
                effect=statement.effect,
                actions=space.actions_of(statement),
                resources=resources,
                not_resource=negated,
                atom=_atom(statement),
                statement=statement,
            )
        )
    return out


# -- diff ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DiffEntry:
    """Requests for ``action`` on ``resource`` (``*`` with ``except_resources`` for a
    ``NotResource`` grant) under ``condition`` (and principal, for resource policies)."""

    action: Action
    resource: str
    condition: Condition
    except_resources: tuple[str, ...] = ()
    principal: Principal | None = None
    not_principal: Principal | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.action.text, "resource": self.resource}
        if self.except_resources:
            out["except_resources"] = list(self.except_resources)
        if self.condition:
            out["condition"] = self.condition.to_document()
        if self.principal is not None:
            out["principal"] = self.principal.to_document()
        if self.not_principal is not None:
            out["not_principal"] = self.not_principal.to_document()
        return out

    def describe(self) -> str:
        text = f"{self.action.text} on {self.resource}"
        if self.except_resources:
            text += f" except {', '.join(self.except_resources)}"
        if self.condition:
            text += f" when {json.dumps(self.condition.to_document(), sort_keys=True)}"
        if self.principal is not None:
            text += f" for {json.dumps(self.principal.to_document(), sort_keys=True)}"
        if self.not_principal is not None:
            text += f" for all but {json.dumps(self.not_principal.to_document(), sort_keys=True)}"
        return text


@dataclass(frozen=True, slots=True)
class PolicyDiff:
    """What ``other`` allows that ``base`` does not (``added``) and the reverse (``removed``).

    Each entry names a grant of one side, some of whose requests the other side does not
    allow. The diff is empty iff both policies mean the same. For "required vs current"
    (``required.diff(current)``): :attr:`missing` is what current lacks, :attr:`excess` what
    it grants beyond the requirement.
    """

    added: tuple[DiffEntry, ...]
    removed: tuple[DiffEntry, ...]
    universe: UniverseVersion

    @property
    def missing(self) -> tuple[DiffEntry, ...]:
        """``required.diff(current).missing``: required by the base, not granted by other."""
        return self.removed

    @property
    def excess(self) -> tuple[DiffEntry, ...]:
        """``required.diff(current).excess``: granted by other beyond the base."""
        return self.added

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)

    @property
    def is_empty(self) -> bool:
        return not self

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": [e.to_dict() for e in self.added],
            "removed": [e.to_dict() for e in self.removed],
            "universe": str(self.universe),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=False)

    def to_text(self, *, added: str = "added", removed: str = "removed") -> str:
        """Readable lines: ``+ action on resource`` / ``- action on resource``."""
        if not self:
            return "no difference\n"
        lines = [f"+ {added}: {e.describe()}" for e in self.added]
        lines += [f"- {removed}: {e.describe()}" for e in self.removed]
        return "\n".join(lines) + "\n"


def diff(base: Policy, other: Policy, *, universe: Universe | None = None) -> PolicyDiff:
    """The difference in meaning between ``base`` and ``other`` (see :class:`PolicyDiff`)."""
    known = universe if universe is not None else default_universe()
    space = _Space(known, (base, other))
    added = _uncovered(base, other, space, first_only=False)
    removed = _uncovered(other, base, space, first_only=False)
    return PolicyDiff(added=added, removed=removed, universe=known.version)


def covers(outer: Policy, inner: Policy, *, universe: Universe | None = None) -> bool:
    """Whether ``outer`` allows every request ``inner`` allows."""
    known = universe if universe is not None else default_universe()
    space = _Space(known, (outer, inner))
    return not _uncovered(outer, inner, space, first_only=True)


def _uncovered(
    outer: Policy, inner: Policy, space: _Space, *, first_only: bool
) -> tuple[DiffEntry, ...]:
    """Entries of ``inner``'s Allow grants with a request ``inner`` allows and ``outer`` not."""
    inner_grants = _grants(inner, space, 0)
    outer_grants = _grants(outer, space, len(inner_grants))
    if not any(g.effect is Effect.ALLOW for g in inner_grants):
        return ()
    by_action: dict[str, list[int]] = defaultdict(list)
    every = inner_grants + outer_grants
    for position, grant in enumerate(every):
        for action in grant.actions:
            by_action[action].append(position)
    # actions with the same relevant grants have the same answer
    groups: dict[tuple[int, ...], list[str]] = defaultdict(list)
    for action, positions in by_action.items():
        groups[tuple(positions)].append(action)
    entries: list[DiffEntry] = []
    for signature, actions in sorted(groups.items()):
        relevant = [every[p] for p in signature]
        inner_here = [g for g in relevant if g.index < len(inner_grants)]
        outer_here = [g for g in relevant if g.index >= len(inner_grants)]
        if not any(g.effect is Effect.ALLOW for g in inner_here):
            continue
        for grant, unit in _uncovered_units(inner_here, outer_here):
            entries.extend(_entries(grant, unit, actions, space))
            if first_only:
                return tuple(entries)
    entries.sort(
        key=lambda e: (e.action.key, e.resource, e.except_resources, _condition_key(e.condition))
    )
    return tuple(entries)


@lru_cache(maxsize=1024)
def _condition_key(condition: Condition) -> str:
    return json.dumps(condition.to_document(), sort_keys=True)


def _uncovered_units(
    inner: Sequence[_Grant], outer: Sequence[_Grant]
) -> list[tuple[_Grant, _Unit]]:
    """The units of ``inner``'s Allow grants holding a request ``inner`` allows and ``outer``
    does not, found in one pass over the regions the resource patterns carve out."""
    texts = sorted({r for g in (*inner, *outer) if g.resources for r in g.resources})
    slot = {text: i for i, text in enumerate(texts)}
    regions = _reglang.regions([_reglang.compile_pattern(t) for t in texts])
    slots = {
        g.index: frozenset(slot[r] for r in g.resources) if g.resources is not None else None
        for g in (*inner, *outer)
    }

    def applies(grant: _Grant, members: frozenset[int]) -> bool:
        mine = slots[grant.index]
        if mine is None:
            return True
        hit = not mine.isdisjoint(members)
        return not hit if grant.not_resource else hit

    # index the grants by pattern slot, so a region finds the grants it touches directly
    def index(grants: Sequence[_Grant]) -> tuple[dict[int, list[_Grant]], list[_Grant]]:
        by_slot: dict[int, list[_Grant]] = defaultdict(list)
        unconditional: list[_Grant] = []  # no Resource element, or NotResource: check each
        for grant in grants:
            mine = slots[grant.index]
            if mine is None or grant.not_resource:
                unconditional.append(grant)
            else:
                for m in mine:
                    by_slot[m].append(grant)
        return by_slot, unconditional

    def touching(
        indexed: tuple[dict[int, list[_Grant]], list[_Grant]], members: frozenset[int]
    ) -> list[_Grant]:
        by_slot, unconditional = indexed
        out = {g.index: g for m in members for g in by_slot.get(m, ())}
        out.update((g.index, g) for g in unconditional if applies(g, members))
        return list(out.values())

    inner_index, outer_index = index(inner), index(outer)
    found: dict[tuple[int, int], tuple[_Grant, _Unit]] = {}
    for members in regions:
        inner_touch = touching(inner_index, members)
        if not any(g.effect is Effect.ALLOW for g in inner_touch):
            continue
        outer_touch = touching(outer_index, members)
        local_atoms = sorted(
            {g.atom for g in (*inner_touch, *outer_touch) if g.atom != ()}, key=repr
        )
        for values in itertools.product((True, False), repeat=len(local_atoms)):
            truth = dict(zip(local_atoms, values, strict=True))
            live = [g for g in inner_touch if g.atom == () or truth[g.atom]]
            if any(g.effect is Effect.DENY for g in live) or not live:
                continue
            if any(
                g.effect is Effect.ALLOW for g in outer_touch if g.atom == () or truth[g.atom]
            ) and not any(
                g.effect is Effect.DENY for g in outer_touch if g.atom == () or truth[g.atom]
            ):
                continue
            for grant in live:
                for n, unit in enumerate(_units(grant)):
                    patterns, negated = unit
                    if patterns is None or negated or slot[patterns[0]] in members:
                        found.setdefault((grant.index, n), (grant, unit))
    return [found[key] for key in sorted(found)]


_Unit = tuple[tuple[str, ...] | None, bool]  # (patterns, negated); (None, False): everything


def _units(grant: _Grant) -> list[_Unit]:
    if grant.resources is None:
        return [(None, False)]
    if grant.not_resource:
        return [(grant.resources, True)]
    return [((r,), False) for r in grant.resources]


def _entries(grant: _Grant, unit: _Unit, actions: Sequence[str], space: _Space) -> list[DiffEntry]:
    patterns, negated = unit
    excepted: tuple[str, ...] = ()
    if patterns is None:
        resource = "*"
    elif negated:
        resource, excepted = "*", patterns
    else:
        resource = patterns[0]
    statement = grant.statement
    return [
        DiffEntry(
            action=space.display(key),
            resource=resource,
            condition=statement.condition,
            except_resources=excepted,
            principal=statement.principal,
            not_principal=statement.not_principal,
        )
        for key in sorted(actions)
    ]


# -- merge --------------------------------------------------------------------------------


def merge(*policies: Policy, universe: Universe | None = None) -> Policy:
    """The policy equivalent to attaching all ``policies`` to one principal.

    Statements are deduplicated and coalesced where that is sound (same effect, condition and
    principal, and the same actions or the same resources; ``NotAction``, ``NotResource`` and
    ``NotPrincipal`` statements are never coalesced). The output order is canonical, so
    ``merge(a, b) == merge(b, a)``; Sids are kept, and made unique where they collide.
    """
    known = universe if universe is not None else default_universe()
    kinds = {p.kind for p in policies}
    if len(kinds) > 1:
        raise UsageError(f"cannot merge policies of different kinds: {sorted(kinds)}")
    kind = policies[0].kind if policies else Policy.empty().kind
    statements = [_canonical_actions(s, known) for p in policies for s in p.statements]
    versions = {p.version for p in policies}
    version: Literal["2012-10-17", "2008-10-17"] | None = (
        "2012-10-17" if "2012-10-17" in versions or not versions else "2008-10-17"
    )
    if versions == {None}:
        version = None
    return _assemble(_coalesce(statements), version=version, kind=kind)


def _canonical_actions(statement: Statement, known: Universe) -> Statement:
    """``statement`` with every action the universe knows in AWS's spelling."""

    def fix(patterns: tuple[ActionPattern, ...] | None) -> tuple[ActionPattern, ...] | None:
        if patterns is None:
            return None
        return tuple(known.canonical(p) if known.exists(p) else p for p in patterns)

    action, not_action = fix(statement.action), fix(statement.not_action)
    before = [p.text for p in statement.action or statement.not_action or ()]
    after = [p.text for p in action or not_action or ()]
    if before == after:
        return statement
    return statement.replace(action=action, not_action=not_action)


def _statement_key(statement: Statement) -> str:
    body = statement.to_dict()
    body.pop("Sid", None)
    return json.dumps(body, sort_keys=True)


def _coalesce(statements: Sequence[Statement]) -> list[Statement]:
    # 1. dedupe (ignoring Sid; the first Sid in canonical order survives)
    unique: dict[str, Statement] = {}
    for statement in sorted(statements, key=lambda s: (_statement_key(s), s.sid or "")):
        unique.setdefault(_statement_key(statement), statement)
    current = list(unique.values())
    # 2. same everything but actions -> union the actions; 3. same actions -> union resources
    for _ in range(4):  # a few rounds reach a fixpoint for the shapes that occur
        merged = _coalesce_by(current, "action", "resource")
        merged = _coalesce_by(merged, "resource", "action")
        if [_statement_key(s) for s in merged] == [_statement_key(s) for s in current]:
            break
        current = merged
    return sorted(current, key=lambda s: (s.effect != Effect.ALLOW, _statement_key(s)))


def _coalesce_by(statements: Sequence[Statement], union: str, same: str) -> list[Statement]:
    groups: dict[tuple[Any, ...], list[Statement]] = {}
    order: list[tuple[Any, ...]] = []
    for statement in statements:
        if (
            statement.not_action is not None
            or statement.not_resource is not None
            or statement.not_principal is not None
            or getattr(statement, union) is None
        ):
            key: tuple[Any, ...] = ("alone", _statement_key(statement))
        else:
            key = (
                statement.effect,
                statement.condition,
                statement.principal,
                getattr(statement, same),
            )
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(statement)
    out = []
    for key in order:
        group = groups[key]
        if len(group) == 1:
            out.append(group[0])
            continue
        values: list[Any] = []
        for statement in group:
            values.extend(getattr(statement, union))
        sid = next((s.sid for s in group if s.sid), None)
        out.append(group[0].replace(**{union: tuple(values)}, sid=sid))
    return out


def _assemble(
    statements: Sequence[Statement],
    *,
    version: Literal["2012-10-17", "2008-10-17"] | None,
    kind: Any,
    policy_id: str | None = None,
) -> Policy:
    used: set[str] = set()
    fixed = []
    for statement in statements:
        sid = statement.sid
        if sid:
            base, n = sid, 2
            while sid in used:
                sid = f"{base}{n}"
                n += 1
            used.add(sid)
        fixed.append(statement if sid == statement.sid else statement.replace(sid=sid))
    return Policy.of(*fixed, version=version, id=policy_id, kind=kind)


# -- minimize -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Minimized:
    """A minimized policy and the universe version its wildcards were checked against."""

    policy: Policy
    universe: UniverseVersion
    wildcards: bool
    style: str


def minimize(
    policy: Policy,
    *,
    wildcards: bool = False,
    style: Literal["readable", "compact"] = "readable",
    protected: Iterable[str] = DEFAULT_PROTECTED,
    universe: Universe | None = None,
) -> Minimized:
    """The same meaning over the universe in fewer characters.

    Always: duplicates removed, canonical spelling, statements coalesced, actions and
    resources subsumed by others in the same statement dropped. With ``wildcards=True``
    action lists become patterns (cut at whole CamelCase words in the ``readable`` style, any
    substring in the ``compact`` style) whose expansion in the universe is exactly the covered
    set; ``prefix:*`` and ``*`` only when complete; ``protected`` actions are never folded into
    a wildcard. The result is checked by expanding it back, and never larger than the input.
    """
    if style not in ("readable", "compact"):
        raise UsageError(f"unknown style {style!r}; expected 'readable' or 'compact'")
    known = universe if universe is not None else default_universe()
    space = _Space(known, (policy,))
    guarded = frozenset(action_key(p) for p in protected)
    slim = [_canonical_actions(s, known) for s in policy.statements]
    for _ in range(8):  # coalescing can enable dropping and vice versa; a fixpoint is quick
        before = slim
        slim = [_drop_subsumed(s, space) for s in _coalesce(slim)]
        if wildcards:
            from lambda_perms._cover import cover_actions

            slim = [
                _with_patterns(s, space, cover_actions, style=style, protected=guarded)
                for s in slim
            ]
        slim = _coalesce(slim)
        if slim == before:
            break
    result = _assemble(slim, version=policy.version, kind=policy.kind, policy_id=policy.id)
    if result.size() > policy.size():
        result = policy
    return Minimized(policy=result, universe=known.version, wildcards=wildcards, style=style)


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
    from lambda_perms._cover import cover_actions

    known = universe if universe is not None else default_universe()
    patterns = [a if isinstance(a, ActionPattern) else ActionPattern(a) for a in actions]
    space = _Space.of_patterns(known, patterns)
    wanted = frozenset().union(*(space.expand(p) for p in patterns))
    guarded = frozenset(action_key(p) for p in protected)
    chosen = cover_actions(wanted, space, style=style, protected=guarded)
    if chosen is None:
        return tuple(sorted((space.display(k).text for k in wanted), key=str.lower))
    return tuple(chosen)


def _drop_subsumed(statement: Statement, space: _Space) -> Statement:
    changes: dict[str, Any] = {}
    for field in ("action", "not_action"):
        patterns: tuple[ActionPattern, ...] | None = getattr(statement, field)
        if patterns and len(patterns) > 1:
            keep = _drop_subsumed_actions(patterns, space)
            if len(keep) < len(patterns):
                changes[field] = keep
    for field in ("resource", "not_resource"):
        resources: tuple[ResourcePattern, ...] | None = getattr(statement, field)
        if resources and len(resources) > 1:
            keep_r = _drop_subsumed_resources(resources)
            if len(keep_r) < len(resources):
                changes[field] = keep_r
    return statement.replace(**changes) if changes else statement


def _drop_subsumed_actions(
    patterns: tuple[ActionPattern, ...], space: _Space
) -> tuple[ActionPattern, ...]:
    """Drop patterns whose expansion another pattern of the list contains (only wildcards can
    contain others; between equal expansions the first in sorted order stays)."""
    wild = [p for p in patterns if p.is_wildcard]
    if not wild:
        return patterns
    sets = {p: space.expand(p) for p in wild}
    kept_wild = [
        p
        for p in wild
        if not any(q != p and sets[p] <= sets[q] and (sets[p] < sets[q] or q < p) for q in wild)
    ]
    covered = frozenset().union(*(sets[p] for p in kept_wild))
    kept = set(kept_wild)
    return tuple(p for p in patterns if p in kept or (not p.is_wildcard and p.key not in covered))


def _drop_subsumed_resources(resources: tuple[ResourcePattern, ...]) -> tuple[ResourcePattern, ...]:
    """Drop each pattern whose language lies within the union of the patterns kept so far and
    those not yet looked at (the union, and so the meaning, never changes)."""
    if any(r.text == "*" for r in resources):
        return (ResourcePattern("*"),)
    keep = list(resources)
    for r in resources:
        others = [_reglang.compile_pattern(q.text) for q in keep if q != r]
        if others and _reglang.is_subset([_reglang.compile_pattern(r.text)], others):
            keep.remove(r)
    return tuple(keep)


def _with_patterns(
    statement: Statement,
    space: _Space,
    cover: Any,
    *,
    style: str,
    protected: frozenset[str],
) -> Statement:
    field = "action" if statement.action is not None else "not_action"
    patterns: tuple[ActionPattern, ...] = getattr(statement, field)
    wanted = frozenset().union(*(space.expand(p) for p in patterns))
    chosen = cover(wanted, space, style=style, protected=protected)
    if chosen is None:
        return statement
    candidate = statement.replace(**{field: tuple(ActionPattern(t) for t in chosen)})
    if len(json.dumps(candidate.to_dict())) > len(json.dumps(statement.to_dict())):
        return statement
    return candidate
