"""Review a policy against what a deployment requires: the diff, with each grant's purpose.

:func:`review` annotates ``required.diff(current)`` with purposes from the catalogue: for a
missing grant, the needs that brought the action into the required policy (``reasons``, as
:func:`reasons_of` collects them from a :class:`~lambda_perms.deploy.result.DeployPolicy`); for an
excess grant, where the requirement does need the action, or whether any deployment path needs
it at all. The result is a :class:`Review` of :class:`ReviewEntry` items; the command line's
``diff`` prints exactly this (:meth:`Review.lines`: one line per entry, or grouped by service
and purpose when there are many; or :meth:`Review.to_dict` as JSON, always in full).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from lambda_perms.catalogues.catalogue import catalogue
from lambda_perms.catalogues.model import Need
from lambda_perms.errors import LambdaPermsError

if TYPE_CHECKING:
    from lambda_perms.algebra.diff import DiffEntry
    from lambda_perms.deploy.result import DeployPolicy
    from lambda_perms.iam.policy import Policy

__all__ = [
    "SUMMARY_LIMIT",
    "Review",
    "ReviewEntry",
    "granted_on",
    "purpose",
    "reasons_of",
    "review",
    "summarize",
]


def __dir__() -> list[str]:
    return __all__


#: More entries of a kind than this are grouped by service and purpose (:meth:`Review.lines`).
SUMMARY_LIMIT: Final[int] = 40
_UNNEEDED: Final[str] = "no deployment path needs it"


@dataclass(frozen=True, slots=True)
class ReviewEntry:
    """A grant the requirement needs and the policy lacks (``missing``), or one the policy has
    and the requirement does not need (``excess``), with what it is for; an excess entry also
    names the resources the requirement does need the action on (``needed_on``)."""

    kind: Literal["missing", "excess"]
    entry: DiffEntry
    purpose: str
    needed_on: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """``DiffEntry.to_dict()`` with ``needed_on`` (excess only) and ``purpose``."""
        out = self.entry.to_dict()
        if self.kind == "excess":
            out["needed_on"] = list(self.needed_on)
        out["purpose"] = self.purpose
        return out

    @property
    def service(self) -> str:
        """The action's service prefix, lower case (``*`` for ``*``)."""
        return self.entry.action.text.split(":", 1)[0].lower()

    @property
    def why(self) -> str:
        """What the grant is for: its purpose, and for an excess grant the resources the
        requirement does need the action on ("" for a missing grant without a purpose)."""
        if self.kind == "excess" and self.needed_on:
            return f"needed only on {', '.join(self.needed_on)}: {self.purpose}"
        return self.purpose

    def describe(self) -> str:
        """One line: ``missing ACTION on RESOURCE — purpose`` or ``excess ... — where``."""
        why = f" — {self.why}" if self.why else ""
        return f"{self.kind} {self.entry.describe()}{why}"


@dataclass(frozen=True, slots=True)
class Review:
    """:func:`review`'s result: what is missing, what is in excess, and the universe version
    the comparison was made over."""

    missing: tuple[ReviewEntry, ...]
    excess: tuple[ReviewEntry, ...]
    universe: str
    exact: bool = False
    """Whether conditions were decided by what they mean (``review(..., exact=True)``)."""
    notes: tuple[str, ...] = ()
    """In an exact review, where it fell back to treating conditions as atoms."""

    def lines(self, limit: int = SUMMARY_LIMIT) -> list[str]:
        """The review for people: each entry's line (:meth:`ReviewEntry.describe`) when a kind
        has at most ``limit`` entries, else that kind grouped by service and purpose, with
        counts (:func:`summarize`), so that an allow-everything policy reads in a screenful."""
        out: list[str] = []
        for entries in (self.missing, self.excess):
            if len(entries) <= limit:
                for e in entries:
                    out.append(e.describe())
                    if e.entry.witness is not None:  # exact: a request that shows it
                        out.append(f"  witness: {e.entry.witness.describe()}")
            else:
                out += summarize(entries)
        return out

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "missing": [e.to_dict() for e in self.missing],
            "excess": [e.to_dict() for e in self.excess],
            "universe": self.universe,
        }
        if self.exact:
            out["exact"] = True
        if self.exact or self.notes:
            out["notes"] = list(self.notes)
        return out


def summarize(entries: Sequence[ReviewEntry]) -> list[str]:
    """Entries of one kind grouped by service, each with a count per purpose, most first::

        excess lambda: 12 grants
          9: not needed here; elsewhere: ...
          3: needed only on arn:...: deploy path of ...

    The services where no deployment path needs any of the grants share one last line, each
    with its count."""
    if not entries:
        return []
    kind = entries[0].kind
    by_service: dict[str, list[ReviewEntry]] = {}
    for entry in entries:
        by_service.setdefault(entry.service, []).append(entry)
    out: list[str] = []
    unneeded: list[tuple[str, int]] = []
    for service in sorted(by_service):
        group = by_service[service]
        counts: dict[str, int] = {}
        for entry in group:
            counts[entry.why] = counts.get(entry.why, 0) + 1
        if kind == "excess" and set(counts) == {_UNNEEDED}:
            unneeded.append((service, len(group)))
            continue
        out.append(f"{kind} {service}: {_grants(len(group))}")
        for why, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            out.append(f"  {count}: {why or 'no purpose in the catalogue'}")
    if unneeded:
        total = sum(count for _, count in unneeded)
        listed = ", ".join(f"{service} ({count})" for service, count in unneeded)
        out.append(
            f"{kind} in {len(unneeded)} other services: {_grants(total)} {_UNNEEDED}: {listed}"
        )
    return out


def _grants(count: int) -> str:
    return f"{count:,} grant{'' if count == 1 else 's'}"


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
    exact: bool = False,
) -> Review:
    """``required.diff(current)`` with each entry's purpose (``reasons``: the needs behind each
    lower-case action of ``required``, as :func:`reasons_of` gives them); ``exact``: conditions
    decided by what they mean, each entry with a witness request (the ``exact`` extra)."""
    difference = required.diff(current, exact=exact)
    missing = tuple(
        ReviewEntry("missing", e, purpose(e.action.text, reasons)) for e in difference.missing
    )
    excess = []
    for entry in difference.excess:
        needed_on = tuple(granted_on(required, entry.action.text))
        if needed_on:
            why = purpose(entry.action.text, reasons)
        else:
            elsewhere = purpose(entry.action.text)
            why = (
                f"not needed here; elsewhere: {elsewhere}"
                if elsewhere
                else "no deployment path needs it"
            )
        excess.append(ReviewEntry("excess", entry, why, needed_on))
    return Review(
        missing, tuple(excess), str(difference.universe), difference.exact, difference.notes
    )
