"""Attaching several policies to one principal, as one policy: :func:`merge`.

Statements are deduplicated and coalesced where that is sound; the helpers here
(:func:`canonical_actions`, :func:`coalesce`, :func:`assemble`) are shared with
:mod:`lambda_perms.algebra.minimize`.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Sequence
from typing import Any, Literal

from lambda_perms._universe import Universe
from lambda_perms._universe import universe as default_universe
from lambda_perms.errors import UsageError
from lambda_perms.iam.actions import ActionPattern
from lambda_perms.iam.policy import Condition, Effect, Policy, Principal, Statement

__all__ = ["merge"]


def __dir__() -> list[str]:
    return __all__


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
    statements = [canonical_actions(s, known) for p in policies for s in p.statements]
    versions = {p.version for p in policies}
    version: Literal["2012-10-17", "2008-10-17"] | None = (
        "2012-10-17" if "2012-10-17" in versions or not versions else "2008-10-17"
    )
    if versions == {None}:
        version = None
    return assemble(coalesce(statements), version=version, kind=kind)


# universe -> action key -> its canonical spelling (None: unknown), learnt as actions are met
_SPELLINGS: weakref.WeakKeyDictionary[Universe, dict[str, ActionPattern | None]] = (
    weakref.WeakKeyDictionary()
)


def canonical_actions(statement: Statement, known: Universe) -> Statement:
    """``statement`` with every action the universe knows in AWS's spelling."""

    spellings = _SPELLINGS.get(known)
    if spellings is None:
        spellings = _SPELLINGS[known] = {}

    def spelt(pattern: ActionPattern) -> ActionPattern:
        if pattern.is_wildcard:
            return pattern
        key = pattern.key
        if key not in spellings:
            spellings[key] = known.canonical(pattern) if known.exists(pattern) else None
        return spellings[key] or pattern

    def fix(patterns: tuple[ActionPattern, ...] | None) -> tuple[ActionPattern, ...] | None:
        if patterns is None:
            return None
        return tuple(spelt(p) for p in patterns)

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


class _Keys:
    """Each statement's canonical key (its JSON without the Sid), computed once per call."""

    def __init__(self) -> None:
        self._keys: dict[int, tuple[Statement, str]] = {}  # id -> (statement kept alive, key)
        self._blocks: dict[int, tuple[Any, str]] = {}  # id -> (block kept alive, its JSON)

    def __call__(self, statement: Statement) -> str:
        found = self._keys.get(id(statement))
        if found is None:
            found = self._keys[id(statement)] = (statement, _statement_key(statement))
        return found[1]

    def block(self, value: Condition | Principal | None) -> str:
        """:func:`block_key`, computed once per block object in this call."""
        found = self._blocks.get(id(value))
        if found is None:
            found = self._blocks[id(value)] = (value, block_key(value))
        return found[1]


def block_key(value: Condition | Principal | None) -> str:
    """A condition or principal block as canonical JSON (``""`` for none): equal exactly when
    the blocks are equal, and a key that hashes and compares in C, unlike the model."""
    return "" if value is None else json.dumps(value.to_document(), sort_keys=True)


def coalesce(statements: Sequence[Statement]) -> list[Statement]:
    """Statements deduplicated (ignoring Sid) and coalesced where sound: same effect,
    condition and principal and the same actions (resources unioned) or the same resources
    (actions unioned). Cost: ``O(n log n)`` in the statements plus linear in their elements
    per round (at most 4 rounds); each statement's key is serialised once."""
    if len(statements) < 2:  # nothing to dedupe or join
        return list(statements)
    key = _Keys()
    # 1. dedupe (ignoring Sid; the first Sid in canonical order survives)
    unique: dict[str, Statement] = {}
    for statement in sorted(statements, key=lambda s: (key(s), s.sid or "")):
        unique.setdefault(key(statement), statement)
    current = list(unique.values())
    # 2. same everything but actions -> union the actions; 3. same actions -> union resources
    for _ in range(4):  # a few rounds reach a fixpoint for the shapes that occur
        merged, by_resource = _coalesce_by(current, "action", "resource", key)
        merged, by_action = _coalesce_by(merged, "resource", "action", key)
        if not (by_resource or by_action):
            break
        current = merged
    return sorted(current, key=lambda s: (s.effect != Effect.ALLOW, key(s)))


def _coalesce_by(
    statements: Sequence[Statement], union: str, same: str, key: _Keys
) -> tuple[list[Statement], bool]:
    """The statements with each group that differs only in ``union`` made one; and whether
    any group had more than one statement."""
    groups: dict[tuple[Any, ...], list[Statement]] = {}
    order: list[tuple[Any, ...]] = []
    for statement in statements:
        if (
            statement.not_action is not None
            or statement.not_resource is not None
            or statement.not_principal is not None
            or getattr(statement, union) is None
        ):
            group: tuple[Any, ...] = ("alone", key(statement))
        else:
            shared = getattr(statement, same)
            group = (
                statement.effect,
                key.block(statement.condition),
                key.block(statement.principal),
                None if shared is None else tuple([v.identity for v in shared]),
            )
        if group not in groups:
            groups[group] = []
            order.append(group)
        groups[group].append(statement)
    out = []
    changed = False
    for group in order:
        members = groups[group]
        if len(members) == 1:
            out.append(members[0])
            continue
        changed = True
        values: list[Any] = []
        for statement in members:
            values.extend(getattr(statement, union))
        sid = next((s.sid for s in members if s.sid), None)
        out.append(members[0].replace(**{union: tuple(values)}, sid=sid))
    return out, changed


def assemble(
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
