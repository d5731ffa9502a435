"""The resource-language engine, against brute force over every short string of a small alphabet."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambda_perms.iam._reglang import compile_pattern, exists, is_subset
from lambda_perms.iam._subsumption import covered
from lambda_perms.iam.arn import ResourcePattern

ALPHABET = "ab:/"
STRINGS = ["".join(p) for n in range(6) for p in itertools.product(ALPHABET, repeat=n)]
patterns = st.text(alphabet="ab:/*?", max_size=5)


@pytest.mark.property
@given(st.lists(patterns, min_size=1, max_size=3), patterns)
def test_subset_agrees_with_brute_force(inner: list[str], outer: str) -> None:
    def matches(p: str, s: str) -> bool:
        return ResourcePattern.matches(_unchecked(p), s)

    # brute force can only refute: a counterexample of length <= 5 proves "not a subset"
    counterexample = any(
        any(matches(p, s) for p in inner) and not matches(outer, s) for s in STRINGS
    )
    result = is_subset([compile_pattern(p) for p in inner], [compile_pattern(outer)])
    if counterexample:
        assert not result
    # and the engine's own claims of non-inclusion are checked for short witnesses where they exist
    if not result and all(len(p.replace("*", "")) <= 3 for p in [*inner, outer]):
        assert counterexample


def _unchecked(text: str) -> ResourcePattern:
    pattern = object.__new__(ResourcePattern)
    object.__setattr__(pattern, "_text", text)
    return pattern


@pytest.mark.parametrize(
    ("inner", "outer", "expected"),
    [
        ("arn:aws:s3:::b/a", "arn:aws:s3:::b/*", True),
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b/a", False),
        ("arn:aws:lambda:r:1:function:f:x", "arn:aws:lambda:r:1:function:f*", True),
        ("arn:aws:lambda:r:1:function:f:x", "arn:aws:lambda:r:1:function:f*x", False),
        ("arn:aws:s3:::b/?", "arn:aws:s3:::b/*", True),
        ("*", "arn:*", False),
        ("arn:aws:s3:::b/${aws:username}", "arn:aws:s3:::b/*", True),
        ("arn:aws:s3:::b/${aws:username}", "arn:aws:s3:::b/alice", False),
        ("arn:aws:s3:::b/${aws:username}", "arn:aws:s3:::b/${aws:username}", True),
        ("arn:aws:s3:::b/${aws:username}", "arn:aws:s3:::b/?", False),
    ],
)
def test_subset_table(inner: str, outer: str, expected: bool) -> None:
    assert is_subset([compile_pattern(inner)], [compile_pattern(outer)]) is expected


def test_exists_with_no_patterns() -> None:
    assert exists([], lambda vector: vector == ())


@pytest.mark.property
@given(patterns, st.lists(patterns, max_size=3))
def test_covered_agrees_with_brute_force(inner: str, by: list[str]) -> None:
    def matches(p: str, s: str) -> bool:
        return ResourcePattern.matches(_unchecked(p), s)

    counterexample = any(
        matches(inner, s) and not any(matches(outer, s) for outer in by) for s in STRINGS
    )
    result = covered(inner, by)
    if counterexample:
        assert not result
    if not result and all(len(p.replace("*", "")) <= 3 for p in [inner, *by]):
        assert counterexample


@pytest.mark.parametrize(
    ("inner", "by", "expected"),
    [
        # equal, or everything
        ("arn:aws:s3:::b/a", ["arn:aws:s3:::b/a"], True),
        ("arn:aws:s3:::b/*", ["*"], True),
        # literal heads that part: no resource in common
        ("arn:aws:s3:::b/a*", ["arn:aws:s3:::c/*"], False),
        ("arn:aws:s3:::b*", ["arn:aws:s3:::bucket/*"], False),
        # the start of inner and a final '*', across segments
        ("arn:aws:lambda:r:1:function:f:x", ["arn:aws:lambda:r:1:function:f*"], True),
        ("arn:aws:lambda:r:1:function:f*", ["arn:aws:lambda:r:1:function:f*"], True),
        # a witness (each '*' empty, each '?' a letter) that no pattern matches
        ("arn:aws:s3:::b/?", ["arn:aws:s3:::b/a"], False),
        # literal tails that part
        ("arn:aws:s3:::b/*.json", ["arn:aws:s3:::b/*.yaml"], False),
        ("arn:aws:lambda:r:1:function:f:x", ["arn:aws:lambda:r:1:function:f*x"], False),
        # only the union covers
        ("arn:aws:s3:::b/?", ["arn:aws:s3:::b/a", "arn:aws:s3:::b/b"], False),
        (
            "arn:aws:sqs:r:1:q*",
            ["arn:aws:sqs:r:1:q", "arn:aws:sqs:r:1:q?*", "arn:aws:sqs:r:1:q:*"],
            True,
        ),
        ("arn:aws:sqs:r:1:q*", ["arn:aws:sqs:r:1:q", "arn:aws:sqs:r:1:q?*"], False),
        ("arn:aws:iam::1:role/*", ["arn:aws:iam::1:role/a*", "arn:aws:iam::1:role/*a"], False),
        # a segment's '*' does not cross ':'; a final one does
        ("arn:aws:logs:r:1:log-group:g:*", ["arn:aws:logs:r:1:log-group:*"], True),
        ("arn:aws:logs:r:1:log-group:g:*", ["arn:aws:logs:r:1:*:g"], False),
        # policy variables: matched only by themselves and by a segment-crossing '*'
        ("arn:aws:s3:::b/${aws:username}", ["arn:aws:s3:::b/*"], True),
        ("arn:aws:s3:::b/${aws:username}", ["arn:aws:s3:::b/?"], False),
        ("arn:aws:s3:::b/${aws:username}/x", ["arn:aws:s3:::b/${aws:username}/*"], True),
        ("arn:aws:s3:::b/${aws:username}", ["arn:aws:s3:::b/${aws:user*"], False),
        # nothing covers
        ("arn:aws:s3:::b", [], False),
    ],
)
def test_covered_table(inner: str, by: list[str], expected: bool) -> None:
    assert covered(inner, by) is expected
