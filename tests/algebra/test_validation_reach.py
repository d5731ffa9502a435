"""The shortcuts of validate's "can this resource meet that ARN format" question agree with the
plain exact search they stand in for (a literal matched, a sample tried, names blurred)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambda_perms.algebra.validation import _can_meet, _meets, _Reach

PIECES = ["arn:aws:s3:::", "arn:aws:lambda:r:1:", "a", "b", "/", ":", "*", "?", "${aws:username}"]
FORMATS = [
    "arn:${Partition}:s3:::${BucketName}",
    "arn:${Partition}:s3:::${BucketName}/${ObjectName}",
    "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}",
    "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}:${Qualifier}",
    "arn:aws:s3:::a*",
]


@pytest.mark.property
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=6).map("".join),
       st.sampled_from(FORMATS))  # fmt: skip
def test_shortcuts_agree_with_the_exact_search(pattern: str, arn_format: str) -> None:
    assert _can_meet(pattern, arn_format) is _meets(pattern, arn_format)


@pytest.mark.property
@given(st.lists(st.lists(st.sampled_from(PIECES), min_size=1, max_size=6).map("".join),
                min_size=1, max_size=5),
       st.sampled_from(FORMATS))  # fmt: skip
def test_the_service_index_loses_no_resource(patterns: list[str], arn_format: str) -> None:
    from lambda_perms.iam.arn import ResourcePattern

    resources = []
    for text in patterns:
        try:
            resources.append(ResourcePattern(text))
        except ValueError:
            continue
    reach = _Reach(tuple(resources))
    assert reach.meets(arn_format) is any(_meets(r.text, arn_format) for r in resources)
