"""Exact wildcard covers of action sets: the engine behind ``minimize(wildcards=True)``.

Given the set ``W`` of actions a statement grants, find action patterns whose expansion in
the universe is exactly ``W`` and whose JSON is short. Rules, each answering a bug measured in
other tools (see the research note on minimizers):

* matching is case-insensitive and per prefix with every documentation page merged;
* a candidate pattern is admissible only if every action it matches (in the whole prefix) is
  wanted and none is protected; an exact name covers only itself;
* ``prefix:*`` only for a complete prefix, ``*`` only for the complete universe;
* the result is expanded back and compared with ``W``; on any mismatch the exact list is
  returned instead (``None``: keep the statement as it was).

Candidates: in the ``readable`` style, runs of whole CamelCase words of a wanted name, as
``Run*`` (a name prefix), ``*Run`` (a suffix) or ``*Run*``; in the ``compact`` style, any
substring. A lazy greedy weighted set cover picks among them by newly covered actions per
character.
"""

from __future__ import annotations

import heapq
import re
import weakref
from bisect import bisect_left, bisect_right
from collections import defaultdict
from typing import TYPE_CHECKING

from lambda_perms.iam._glob import action_key, action_regex

if TYPE_CHECKING:
    from lambda_perms._universe import Universe
    from lambda_perms.algebra._space import Space

__all__ = ["cover_actions"]

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+|[^A-Za-z0-9]+")


def _word_bounds(name: str) -> list[int]:
    bounds = [0]
    for match in _WORD.finditer(name):
        if match.end() not in bounds:
            bounds.append(match.end())
    if bounds[-1] != len(name):
        bounds.append(len(name))
    return bounds


class _Prefix:
    """The names of one service prefix, indexed for fast pattern coverage (as bit masks)."""

    def __init__(self, names: list[str]) -> None:
        self.names = names  # canonical spelling, sorted by lower case
        self.lower = [n.lower() for n in names]
        self.position = {n: i for i, n in enumerate(self.lower)}
        reversed_names = sorted((n[::-1], i) for i, n in enumerate(self.lower))
        self.rev_keys = [r for r, _ in reversed_names]
        self.rev_index = [i for _, i in reversed_names]
        self.joined = "\n".join(self.lower) + "\n"
        self.offsets: list[int] = []
        offset = 0
        for n in self.lower:
            self.offsets.append(offset)
            offset += len(n) + 1
        self.everything = (1 << len(names)) - 1
        self._masks: dict[tuple[str, str], int] = {}
        self._cuts: dict[tuple[str, str], list[int]] = {}
        self._runs: dict[tuple[str, str], _Runs] = {}

    def cuts(self, name: str, style: str) -> list[int]:
        """Where candidate runs of ``name`` may start and end: whole CamelCase words in the
        readable style, every character in the compact style (remembered per name)."""
        key = (name, style)
        found = self._cuts.get(key)
        if found is None:
            found = self._cuts[key] = (
                _word_bounds(name) if style == "readable" else list(range(len(name) + 1))
            )
        return found

    def runs(self, name: str, style: str) -> _Runs:
        """The candidate runs of ``name`` in ``style`` (remembered per name)."""
        key = (name, style)
        found = self._runs.get(key)
        if found is None:
            found = self._runs[key] = _Runs(self, name, style)
        return found

    def mask(self, kind: str, text: str) -> int:
        """Names matched by ``text*`` (start), ``*text`` (end), ``*text*`` (any) or ``text``."""
        key = (kind, text)
        cached = self._masks.get(key)
        if cached is not None:
            return cached
        if kind == "exact":
            i = self.position.get(text)
            mask = 0 if i is None else 1 << i
        elif kind == "start":
            lo = bisect_left(self.lower, text)
            hi = bisect_right(self.lower, text + "\uffff")
            mask = ((1 << hi) - 1) ^ ((1 << lo) - 1)
        elif kind == "end":
            reverse = text[::-1]
            lo = bisect_left(self.rev_keys, reverse)
            hi = bisect_right(self.rev_keys, reverse + "\uffff")
            mask = 0
            for j in range(lo, hi):
                mask |= 1 << self.rev_index[j]
        else:
            mask = 0
            find = self.joined.find
            pos = find(text)
            while pos >= 0:
                i = bisect_right(self.offsets, pos) - 1
                mask |= 1 << i
                pos = find(text, self.offsets[i] + len(self.lower[i]) + 1)
                # a later occurrence in the same name adds nothing
        self._masks[key] = mask
        return mask


_INDEXES: weakref.WeakKeyDictionary[Universe, dict[str, _Prefix]] = weakref.WeakKeyDictionary()


def _index(universe: Universe, prefix: str) -> _Prefix:
    """The (cached) index of one prefix's names; candidate masks are cached in it too."""
    per_universe = _INDEXES.setdefault(universe, {})
    index = per_universe.get(prefix)
    if index is None:
        index = per_universe[prefix] = _Prefix([a.name for a in universe.actions(prefix)])
    return index


def _render(kind: str, text: str) -> str:
    return {"exact": text, "start": f"{text}*", "end": f"*{text}", "any": f"*{text}*"}[kind]


def _candidates(name: str, style: str, index: _Prefix, forbidden: int) -> dict[str, int]:
    """Admissible patterns for one wanted name (rendered text -> coverage mask).

    Only the undominated ones: a shorter run of the same kind covers a superset of a longer
    run that contains it and costs less, so for each start (and for the name's prefix and
    suffix) only the shortest admissible run is kept. The runs of a name, rendered with their
    masks, are remembered in the index (they depend on the universe only): a call tests masks.
    """
    runs = index.runs(name, style)
    cuts, lower, n = runs.cuts, runs.lower, len(runs.cuts)
    mask_of = index.mask
    out: dict[str, int] = {}
    # name prefixes "Run*": shortest admissible
    starts = runs.starts
    for k in range(1, n):
        entry = starts[k]
        if entry is None:
            b = cuts[k]
            entry = starts[k] = (name[:b] + "*", mask_of("start", lower[:b]))
        if not entry[1] & forbidden:
            out[entry[0]] = entry[1]
            break
    # name suffixes "*Run": shortest admissible
    ends = runs.ends
    for k in range(n - 2, -1, -1):
        entry = ends[k]
        if entry is None:
            a = cuts[k]
            entry = ends[k] = ("*" + name[a:], mask_of("end", lower[a:]))
        if not entry[1] & forbidden:
            out[entry[0]] = entry[1]
            break
    # infixes "*Run*": for each start, the shortest admissible run. A run that contains an
    # admissible one is admissible (it matches fewer names), so the shortest end never
    # moves back as the start moves on: one sweep, O(cuts) masks rather than O(cuts^2)
    infix = runs.infix
    j = 1
    for i in range(n - 1):
        if j <= i:
            j = i + 1
        while j < n:
            entry = infix[i * n + j]
            if entry is None:
                a, b = cuts[i], cuts[j]
                entry = infix[i * n + j] = ("*" + name[a:b] + "*", mask_of("any", lower[a:b]))
            if not entry[1] & forbidden:
                out[entry[0]] = entry[1]
                break
            j += 1
        else:
            break  # no run from here is admissible, so none from a later start either
    out[name] = runs.exact  # the name itself: sometimes the cheapest
    return out


class _Runs:
    """One name's candidate runs in one style, each rendered with its mask when first needed
    (``starts[k]``: ``name[:cuts[k]]*``; ``ends[k]``: ``*name[cuts[k]:]``; ``infix[i * n + j]``:
    ``*name[cuts[i]:cuts[j]]*``)."""

    __slots__ = ("cuts", "ends", "exact", "infix", "lower", "starts")

    def __init__(self, index: _Prefix, name: str, style: str) -> None:
        self.cuts = index.cuts(name, style)
        self.lower = name.lower()
        n = len(self.cuts)
        self.starts: list[tuple[str, int] | None] = [None] * n
        self.ends: list[tuple[str, int] | None] = [None] * n
        self.infix: list[tuple[str, int] | None] = [None] * (n * n)
        self.exact = index.mask("exact", self.lower)


def cover_actions(
    wanted: frozenset[str], space: Space, *, style: str, protected: frozenset[str]
) -> list[str] | None:
    """Patterns (``prefix:...`` strings) expanding to exactly ``wanted`` (lower-case keys)."""
    if not wanted:
        return None
    everything = space.all()
    if wanted >= everything and not (protected & everything):
        return ["*"]
    by_prefix: dict[str, set[str]] = defaultdict(set)
    out: list[str] = []
    for key in sorted(wanted):
        if key in space.extra:
            out.append(space.extra[key])  # unknown to the universe: stays as named
            continue
        prefix, _, name = key.partition(":")
        by_prefix[prefix].add(name)
    universe = space.universe
    for prefix in sorted(by_prefix):
        actions = universe.actions(prefix)
        index = _index(universe, prefix)
        want_mask = 0
        for name in by_prefix[prefix]:
            want_mask |= 1 << index.position[name]
        guard_mask = 0
        for key in protected:
            p, _, name = key.partition(":")
            if p == prefix and name in index.position:
                guard_mask |= 1 << index.position[name]
        spelled = actions[0].prefix if actions else prefix
        if want_mask == index.everything and not guard_mask:
            out.append(f"{spelled}:*")
            continue
        out.extend(
            f"{spelled}:{pattern}"
            for pattern in _greedy(index, want_mask, guard_mask, style, len(spelled) + 1)
        )
    if not _expands_to(out, wanted, space):
        return None  # never reached for a correct cover; keeps the promise regardless
    return sorted(out, key=lambda t: (t.lower(), t))


def _greedy(index: _Prefix, want: int, guard: int, style: str, overhead: int) -> list[str]:
    forbidden = (index.everything & ~want) | guard
    to_cover = want & ~guard
    # protected actions are listed exactly (the set bits, in order: not a walk over every
    # name of the prefix for each statement)
    chosen = [index.names[i] for i in _bits(guard & want)]
    if not to_cover:
        return chosen
    options: dict[str, int] = {}
    for i in _bits(to_cover):
        options.update(_candidates(index.names[i], style, index, forbidden))
    # lazy greedy weighted set cover: best newly-covered count per character first
    cost = {r: len(r) + overhead + 3 for r in options}
    heap = [(-(m & to_cover).bit_count() / cost[r], cost[r], r) for r, m in options.items()]
    heapq.heapify(heap)
    covered = 0
    picked: list[str] = []
    while covered != to_cover and heap:
        _, _, rendered = heapq.heappop(heap)
        gain = (options[rendered] & to_cover & ~covered).bit_count()
        if gain == 0:
            continue
        score = -gain / cost[rendered]
        if heap and score > heap[0][0]:
            heapq.heappush(heap, (score, cost[rendered], rendered))
            continue
        picked.append(rendered)
        covered |= options[rendered]
    return chosen + _drop_redundant(picked, options, to_cover)


def _drop_redundant(picked: list[str], options: dict[str, int], to_cover: int) -> list[str]:
    """Drop picks whose coverage the other picks already give (most expensive first).

    Each wanted action counts the picks that cover it; a pick is redundant when every action
    it covers is counted twice or more: ``O(sum of the picks' coverage)``, not ``O(picks^2)``.
    """
    count: dict[int, int] = {}
    bits: dict[str, list[int]] = {}
    for rendered in picked:
        mine = bits[rendered] = _bits(options[rendered] & to_cover)
        for i in mine:
            count[i] = count.get(i, 0) + 1
    dropped: set[str] = set()
    for rendered in sorted(picked, key=lambda r: (-len(r), r)):
        mine = bits[rendered]
        if all(count[i] > 1 for i in mine):
            dropped.add(rendered)
            for i in mine:
                count[i] -= 1
    return [r for r in picked if r not in dropped]


def _bits(mask: int) -> list[int]:
    """The positions of the set bits of ``mask``."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def _expands_to(patterns: list[str], wanted: frozenset[str], space: Space) -> bool:
    got: set[str] = set()
    for text in patterns:
        key = action_key(text)
        if key in space.extra:
            got.add(key)
            continue
        got.update(a.key for a in space.universe.expand(text))
        if space.extra and ("*" in text or "?" in text):
            regex = action_regex(text)
            got.update(k for k in space.extra if regex.fullmatch(k))
    return got == set(wanted)
