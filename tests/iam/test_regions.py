"""Region names by partition: notes for typos, new regions and partition mismatches."""

from __future__ import annotations

import pytest

from lambda_perms.iam.condition_keys import is_global_key, key_matches
from lambda_perms.iam.regions import REGIONS, region_note


@pytest.mark.parametrize(
    ("region", "partition", "fragment"),
    [
        ("eu-west-1", None, None),
        ("ap-northeast-3", "aws", None),
        ("cn-north-1", "aws-cn", None),
        ("us-gov-west-1", None, None),
        ("eusc-de-east-1", None, None),
        ("mars-1", None, "'mars-1' is not an AWS region name (they look like 'eu-west-1')"),
        ("eu-west", None, "is not an AWS region name"),
        ("eu-wset-1", None, "did you mean 'eu-west-1'"),
        ("eu-west-9", None, "not among the 34 regions of the partition 'aws'"),
        ("cn-south-7", None, "a newer region is used as given"),
        ("cn-north-1", "aws", "is in the partition 'aws-cn', not 'aws'"),
        ("eu-west-1", "aws-us-gov", "is in the partition 'aws', not 'aws-us-gov'"),
        ("eu-west-1", "aws-something-new", None),  # a partition this table does not know
    ],
)
def test_region_note(region: str, partition: str | None, fragment: str | None) -> None:
    note = region_note(region, partition)
    if fragment is None:
        assert note is None
    else:
        assert note is not None
        assert fragment in note, note


def test_every_listed_region_has_its_partitions_shape_and_no_note() -> None:
    for partition, (_, regions) in REGIONS.items():
        for region in regions:
            assert region_note(region, partition) is None, region


@pytest.mark.parametrize(
    ("key", "documented", "expected"),
    [
        ("aws:RequestTag/team", "aws:RequestTag/${TagKey}", True),
        ("aws:requesttag/team", "aws:RequestTag/${TagKey}", True),
        ("aws:RequestTag/", "aws:RequestTag/${TagKey}", False),
        ("s3:ExistingObjectTag/x", "s3:ExistingObjectTag/<key>", True),
        ("s3:prefix", "s3:Prefix", True),
        ("s3:prefixes", "s3:prefix", False),
        ("s3:x.y", "s3:x-y", False),  # '.' is literal
    ],
)
def test_key_matches(key: str, documented: str, expected: bool) -> None:
    assert key_matches(key, documented) is expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [("aws:SourceIp", True), ("AWS:SOURCEIP", True), ("aws:PrincipalTag/dept", True),
     ("aws:SourceIpp", False), ("s3:prefix", False), ("aws:username", True)],
)  # fmt: skip
def test_is_global_key(key: str, expected: bool) -> None:
    assert is_global_key(key) is expected


def test_module_doctests() -> None:
    import doctest

    from lambda_perms.iam import condition_keys, regions

    assert doctest.testmod(regions).failed == 0
    assert doctest.testmod(condition_keys).failed == 0
