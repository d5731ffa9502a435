"""The resource-language engine, against brute force over every short string of a small alphabet."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambda_perms.iam._reglang import compile_pattern, exists, is_subset
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
