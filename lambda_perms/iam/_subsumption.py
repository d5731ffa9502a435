"""Many resource patterns at once: which can meet (an :class:`Index` of cheap necessary
conditions), whether one pattern's language lies within the union of others
(:func:`subsumed`, budgeted), and containment of patterns given as text (:func:`covered`).

Built on the automata of :mod:`lambda_perms.iam._reglang`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from functools import cache

from lambda_perms.iam._reglang import (  # the tokens and one pattern's facts
    _LIT,
    _ONE,
    _OTHER,
    _STAR_ANY,
    _STAR_SEG,
    Budget,
    BudgetExceeded,
    Pattern,
    _compatible,
    _pattern,
    _simple_form,
    compile_pattern,
    head,
    is_literal,
    is_subset,
    matches,
    tail,
)

__all__ = ["UNION_LIMIT", "Index", "covered", "subsumed", "witnesses"]


# -- many patterns: which can meet, and which are subsumed ----------------------------------


#: The most patterns one union search takes (a search over more is not attempted: the
#: caller's fallback applies, as when the budget runs out).
UNION_LIMIT = 256

_LEAD = 4  # characters of an anchor that select which anchor lengths to try


class Index:
    """Patterns indexed for two cheap necessary conditions.

    * :meth:`matching`: a pattern can match a word only if its literal head starts the word
      and its *anchor* (the longest literal run after one of its literal ``:`` past the
      head, first ``48`` characters) follows some ``:`` of the word (a literal ``:`` of the
      pattern meets some ``:`` of the word, whatever its wildcards absorb before it);
    * :meth:`candidates`: two patterns can share a word only if their literal heads agree as
      far as both go, and so do their literal tails.
    """

    __slots__ = (
        "_anchor_lengths",
        "_by_anchor",
        "_by_head",
        "_head_lengths",
        "_heads",
        "_lead_lengths",
        "_loose",
        "_loose_lengths",
        "_sorted",
        "_tails",
        "patterns",
    )

    def __init__(self, patterns: Sequence[Pattern]) -> None:
        self.patterns = tuple(_pattern(p) for p in patterns)
        self._heads = [head(p) for p in self.patterns]
        self._tails = [tail(p) for p in self.patterns]
        self._by_head = _grouped((h, i) for i, h in enumerate(self._heads))
        self._head_lengths = sorted({len(h) for h in self._by_head})
        self._sorted = sorted((h, i) for i, h in enumerate(self._heads))
        anchors = [p.facts.anchor for p in self.patterns]
        self._by_anchor = _grouped((k, i) for i, k in enumerate(anchors) if k is not None)
        # no literal ':' after the head: by head
        self._loose = _grouped((self._heads[i], i) for i, k in enumerate(anchors) if k is None)
        # the anchor lengths worth a lookup after a ``:``, by the anchor's first characters
        # (a word has several ``:``; trying every length at each would cost as many lookups)
        leads: dict[str, set[int]] = {}
        for key in self._by_anchor:
            leads.setdefault(key[:_LEAD], set()).add(len(key))
        self._anchor_lengths = {lead: sorted(lengths) for lead, lengths in leads.items()}
        self._lead_lengths = sorted({len(lead) for lead in leads})
        self._loose_lengths = sorted({len(h) for h in self._loose})

    def matching(self, word: str) -> set[int]:
        """Indices of the patterns that may match ``word`` (confirm with :func:`matches`)."""
        found: set[int] = set()
        for n in self._loose_lengths:
            if n > len(word):
                break
            found.update(self._loose.get(word[:n], ()))
        by_anchor, by_lead = self._by_anchor, self._anchor_lengths
        colon = word.find(":")
        while colon >= 0:
            rest = word[colon + 1 :]
            for lead in self._lead_lengths:
                for n in by_lead.get(rest[:lead], ()):
                    if n > len(rest):
                        break
                    hit = by_anchor.get(rest[:n])
                    if hit is not None:
                        found.update(hit)
            colon = word.find(":", colon + 1)
        heads = self._heads
        return {i for i in found if word.startswith(heads[i])}

    def candidates(self, pattern: Pattern) -> list[int]:
        """Indices (ascending) of the patterns that may share a word with ``pattern``."""
        h, t = head(pattern), tail(pattern)
        found: set[int] = set()
        for n in self._head_lengths:  # heads that ``h`` extends strictly
            if n >= len(h):
                break
            found.update(self._by_head.get(h[:n], ()))
        if is_literal(pattern):
            found.update(self._by_head.get(h, ()))
        else:  # heads that extend ``h`` (or equal it)
            start = bisect_left(self._sorted, (h, -1))
            for other, i in self._sorted[start:]:
                if not other.startswith(h):
                    break
                found.add(i)
        return sorted(i for i in found if _compatible(h, t, self._heads[i], self._tails[i]))


def _grouped(pairs: Iterable[tuple[str, int]]) -> dict[str, tuple[int, ...]]:
    """Indices by key, as tuples: a tuple of ints is soon untracked by the garbage collector,
    a list never is (an index of 5,000 patterns would otherwise keep ~10,000 lists for every
    collection to walk)."""
    lists: dict[str, list[int]] = {}
    for key, i in pairs:
        lists.setdefault(key, []).append(i)
    return {key: tuple(found) for key, found in lists.items()}


def witnesses(pattern: Pattern) -> list[str]:
    """A few words of ``pattern`` (none for a pattern with variables): each wildcard as
    little as it can be, as a character no pattern names, and (a segment-crossing ``*``) as
    text across a ``:``."""
    pattern = _pattern(pattern)
    facts = pattern.facts
    if facts.witnesses is None:
        facts.witnesses = (
            []
            if facts.variables
            else [
                "".join(value if kind == _LIT else fill[kind] for kind, value in pattern)
                for fill in _FILLS
            ]
        )
    return facts.witnesses


_FILLS = [
    {_LIT: "", _ONE: _OTHER, _STAR_SEG: star_seg, _STAR_ANY: star_any}
    for star_seg, star_any in (("", ""), (_OTHER, _OTHER), (_OTHER, _OTHER + ":" + _OTHER))
]


def subsumed(
    pattern: Pattern,
    index: Index,
    skip: Callable[[int], bool] | None = None,
    *,
    budget: int | Budget,
) -> bool:
    """Whether ``pattern``'s language lies within the union of the patterns of ``index``
    (those for which ``skip`` is false), exactly.

    Cheap conditions first: a literal is decided by matching the patterns the index finds
    for it; a pattern with a witness word no other pattern matches is not subsumed; a
    pattern that matches every witness is tested alone (a literal followed by a final ``*``
    by its head, others by a search); only then the union of the patterns that can share a
    word with ``pattern`` (at most :data:`UNION_LIMIT`) is searched.

    :raises BudgetExceeded: when one exact search would take more than ``budget`` transitions,
        or the union search would take more than :data:`UNION_LIMIT` patterns.
    """
    patterns = index.patterns

    def usable(i: int) -> bool:
        return skip is None or not skip(i)

    if is_literal(pattern):
        word = head(pattern)
        return any(usable(i) and matches(patterns[i], word) for i in index.matching(word))
    containers: set[int] | None = None
    for word in witnesses(pattern):
        hits = {i for i in index.matching(word) if usable(i) and matches(patterns[i], word)}
        if not hits:
            return False
        containers = hits if containers is None else containers & hits
    h = head(pattern)
    if containers is None:  # no witness (variables): every pattern that can meet it
        containers = {i for i in index.candidates(pattern) if usable(i)}
    for i in sorted(containers):
        form = _simple_form(patterns[i])
        if form is not None:
            if form[1] and h.startswith(form[0]):
                return True
            continue
        if is_subset([pattern], [patterns[i]], budget=budget):
            return True
    candidates = [i for i in index.candidates(pattern) if usable(i)]
    if len(candidates) < 2:
        return False
    if len(candidates) > UNION_LIMIT:
        raise BudgetExceeded(f"a union of {len(candidates)} patterns")
    return is_subset([pattern], [patterns[i] for i in candidates], budget=budget)


# -- containment of resource patterns, given as texts ----------------------------------------------


def covered(inner: str, by: Sequence[str]) -> bool:
    """Whether every resource the pattern ``inner`` matches is matched by a pattern of ``by``.

    Exact, like :func:`is_subset`, which it calls only when quicker tests cannot decide. Every
    resource a pattern matches starts with its literal head (the text before its first
    wildcard) and ends with its literal tail: a pattern of ``by`` whose head (tail) is neither
    a prefix (suffix) of ``inner``'s nor the other way round shares no resource with
    ``inner``. ``inner`` is covered by a pattern that is ``inner``'s start followed by a final
    ``*``, and not covered when no pattern of ``by`` matches ``inner`` with its ``*`` empty and
    its ``?`` a letter. Patterns with policy variables go straight to the automata.

    >>> covered("arn:aws:s3:::b/a", ["arn:aws:s3:::b/*"])
    True
    >>> covered("arn:aws:s3:::b/*", ["arn:aws:s3:::b/a", "arn:aws:s3:::c/*"])
    False
    """
    return _covered(inner, tuple(by))


@cache
def _covered(inner: str, by: tuple[str, ...]) -> bool:
    if inner in by or "*" in by:
        return True
    if "${" in inner or any("${" in outer for outer in by):
        candidates = by
    else:
        from lambda_perms.iam._glob import resource_regex

        head, tail = _head(inner), _tail(inner)
        candidates = tuple(
            outer
            for outer in by
            if _one_extends_the_other(head, _head(outer), str.startswith)
            and _one_extends_the_other(tail, _tail(outer), str.endswith)
        )
        for outer in candidates:
            start = outer[:-1]
            if outer.endswith("*") and start[-1:] not in ("*", "?", "") and inner.startswith(start):
                return True
        witness = inner.replace("*", "").replace("?", "x")
        if not any(resource_regex(outer).fullmatch(witness) for outer in candidates):
            return False
    if not candidates:
        return False
    return is_subset([compile_pattern(inner)], [compile_pattern(outer) for outer in candidates])


def _head(text: str) -> str:
    """The literal text before the first wildcard (all of ``text`` without one)."""
    cuts = [i for i in (text.find("*"), text.find("?")) if i >= 0]
    return text[: min(cuts)] if cuts else text


def _tail(text: str) -> str:
    """The literal text after the last wildcard (all of ``text`` without one)."""
    return text[max(text.rfind("*"), text.rfind("?")) + 1 :]


def _one_extends_the_other(a: str, b: str, extends: Callable[[str, str], bool]) -> bool:
    return extends(a, b) or extends(b, a)
