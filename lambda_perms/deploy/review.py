"""Review a policy against what a deployment requires: the diff, with each grant's purpose.

:func:`review` annotates ``required.diff(current)`` with purposes from the catalogue: for a
missing grant, the needs that brought the action into the required policy (``reasons``, as
:func:`reasons_of` collects them from a :class:`~lambda_perms.deploy._deploy.DeployPolicy`); for an
excess grant, where the requirement does need the action, or whether any deployment path needs
it at all. The command line's ``diff`` prints exactly this.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lambda_perms.catalogues.catalogue import catalogue
from lambda_perms.catalogues.model import Need
from lambda_perms.errors import LambdaPermsError

if TYPE_CHECKING:
    from lambda_perms.deploy._deploy import DeployPolicy
    from lambda_perms.iam.policy import Policy

__all__ = ["granted_on", "purpose", "reasons_of", "review"]


def __dir__() -> list[str]:
    return __all__


def reasons_of(built: DeployPolicy) -> dict[str, tuple[Need, ...]]:
    """The catalogue needs behind each action of a deploy policy, by lower-case action."""
    reasons: dict[str, tuple[Need, ...]] = {}
    for actions in built.reasons.values():
        for action, needs in actions.items():
            key = action.lower()
            reasons[key] = tuple(dict.fromkeys((*reasons.get(key, ()), *needs)))
    return reasons


def purpose(action: str, reasons: Mapping[str, tuple[Need, ...]] | None = None) -> str:
    """What ``action`` is for, in a few words: the needs that brought it into the built
    policy (``reasons``, by lower-case action), else every need the catalogue has for it
    ("" when it has none)."""
    needs = None if reasons is None else reasons.get(action.lower())
    if not needs:
        try:
            needs = catalogue().needs(action)
        except LambdaPermsError:
            return ""
    by_phase: dict[str, list[str]] = {}
    for need in needs:
        phases = "/".join(p.value for p in need.phases)
        if need.rollback_only and phases != "rollback":
            phases += " (rollback only)"
        by_phase.setdefault(phases, []).extend(str(t) for t in need.triggers)
    parts = []
    for phases, triggers in by_phase.items():
        unique = list(dict.fromkeys(triggers))
        more = f" and {len(unique) - 2} more" if len(unique) > 2 else ""
        parts.append(f"{phases} path of {', '.join(unique[:2])}{more}")
    return "; ".join(parts)


def granted_on(policy: Policy, action: str) -> list[str]:
    """The resources ``policy`` allows ``action`` on (from its Allow statements)."""
    out: list[str] = []
    for statement in policy.statements:
        if statement.effect.value != "Allow" or statement.action is None:
            continue
        if any(pattern.matches(action) for pattern in statement.action):
            out += [r.text for r in statement.resource or ()]
    return list(dict.fromkeys(out))


def review(
    required: Policy,
    current: Policy,
    *,
    reasons: Mapping[str, tuple[Need, ...]] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str]:
    """``required.diff(current)`` as (missing, excess, universe version), each entry a dict
    (``DiffEntry.to_dict()``) with its ``purpose``; an excess entry also names where the
    requirement does need the action (``needed_on``)."""
    difference = required.diff(current)
    missing = [
        {**e.to_dict(), "purpose": purpose(e.action.text, reasons)} for e in difference.missing
    ]
    excess = []
    for entry in difference.excess:
        needed_on = granted_on(required, entry.action.text)
        item = {**entry.to_dict(), "needed_on": needed_on}
        if needed_on:
            item["purpose"] = purpose(entry.action.text, reasons)
        else:
            elsewhere = purpose(entry.action.text)
            item["purpose"] = (
                f"not needed here; elsewhere: {elsewhere}"
                if elsewhere
                else "no deployment path needs it"
            )
        excess.append(item)
    return missing, excess, str(difference.universe)
