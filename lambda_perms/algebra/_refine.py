"""The hook of the exact mode into :mod:`lambda_perms.algebra.diff`.

:func:`~lambda_perms.algebra.diff._uncovered_units` decides each unit of an Allow grant with
conditions as independent atoms: a unit it finds covered is covered whatever the conditions
mean, so its answer is a sound over-approximation of the difference. :func:`refined_units` asks
the exact refinement (:mod:`lambda_perms.algebra.exact`) about the units left in doubt, region by
region of the resource patterns (each region: the patterns a resource matches exactly), and keeps
a unit only where the refinement finds a request - its witness - or cannot decide.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from lambda_perms.iam import _reglang
from lambda_perms.iam.request import Request

if TYPE_CHECKING:
    from lambda_perms.algebra._judge import _Unit
    from lambda_perms.algebra.diff import _Grant

__all__ = ["UNDECIDED", "Refine", "refined_units"]


def __dir__() -> list[str]:
    return __all__


class _Undecided:
    def __repr__(self) -> str:
        return "UNDECIDED"


#: What a refinement returns when it cannot decide whether a grant differs in a region.
UNDECIDED: Final = _Undecided()


@dataclass(frozen=True, slots=True)
class _Region:
    """One resource region of one action group: the group's actions, the resource pattern
    texts, the region (slots of the patterns matching it) and the grants touching it."""

    actions: Sequence[str]
    texts: Sequence[str]
    members: frozenset[int]
    inner: Sequence[_Grant]
    outer: Sequence[_Grant]


#: An exact refinement of the atom reasoning: given the Allow grants of ``inner`` that the
#: atoms say may hold a request ``outer`` does not allow, in one region, it returns for each grant
#: that does hold one a witness request (for the first action) or :data:`UNDECIDED`; a grant it
#: leaves out holds none.
Refine = Callable[[Sequence["_Grant"], _Region], Mapping[int, Request | _Undecided]]


def refined_units(
    doubtful: Sequence[tuple[_Grant, _Unit]],
    inner: Sequence[_Grant],
    outer: Sequence[_Grant],
    actions: Sequence[str],
    refine: Refine,
) -> list[tuple[_Grant, _Unit, Request | None]]:
    """The units of ``doubtful`` (the atoms' answer) that hold a request ``inner`` allows and
    ``outer`` does not, with a witness (``None`` where the refinement could not decide)."""
    if not doubtful:
        return []
    order = {(g.index, unit): k for k, (g, unit) in enumerate(doubtful)}
    units_of: dict[int, list[_Unit]] = defaultdict(list)
    grant_of: dict[int, _Grant] = {}
    for grant, unit in doubtful:
        units_of[grant.index].append(unit)
        grant_of[grant.index] = grant
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
    found: dict[tuple[int, _Unit], tuple[_Grant, _Unit, Request | None]] = {}
    for members in regions:
        inner_touch = touching(inner_index, members)
        here = {
            g.index: [
                unit
                for unit in units_of[g.index]
                if unit[0] is None or unit[1] or slot[unit[0][0]] in members
            ]
            for g in inner_touch
            if g.index in grant_of
        }
        pending = [
            grant_of[i]
            for i, units in here.items()
            if units and not all((i, unit) in found for unit in units)
        ]
        if not pending:
            continue
        outer_touch = touching(outer_index, members)
        region = _Region(actions, texts, members, inner_touch, outer_touch)
        for i, verdict in refine(pending, region).items():
            witness = verdict if isinstance(verdict, Request) else None
            for unit in here.get(i, ()):
                found.setdefault((i, unit), (grant_of[i], unit, witness))
    return [found[key] for key in sorted(found, key=order.__getitem__)]
