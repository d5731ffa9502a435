"""Attaching several policies to one principal, as one policy: :func:`merge`.

Statements are deduplicated and coalesced where that is sound; the helpers here
(:func:`canonical_actions`, :func:`coalesce`, :func:`assemble`) are shared with
:mod:`lambda_perms.algebra.minimize`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

from lambda_perms._universe import Universe
from lambda_perms._universe import universe as default_universe
from lambda_perms.errors import UsageError
from lambda_perms.iam.actions import ActionPattern
from lambda_perms.iam.policy import Effect, Policy, Statement

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


def canonical_actions(statement: Statement, known: Universe) -> Statement:
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


def coalesce(statements: Sequence[Statement]) -> list[Statement]:
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
