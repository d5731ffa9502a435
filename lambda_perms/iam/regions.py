"""AWS regions by partition: which names are known, and what to say about the others.

A region name only ever narrows ARNs, so an unknown one is never an error: AWS opens new
regions, and an ARN with a region this table does not list is still an ARN. What
:func:`region_note` says instead is a note, for the likely typo (``mars-1``, ``eu-west``) and
for a region that belongs to another partition than the one given.

The table is the SDK's partition data (botocore's ``endpoints.json``, botocore 1.43.127):
each partition's region pattern and the regions it lists.

>>> region_note("eu-west-1")
>>> region_note("mars-1")
"'mars-1' is not an AWS region name (they look like 'eu-west-1')"
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Final

from lambda_perms.iam.arn import partition_of_region

__all__ = ["REGIONS", "REGIONS_SOURCE", "region_note"]


def __dir__() -> list[str]:
    return __all__


#: Where :data:`REGIONS` comes from.
REGIONS_SOURCE: Final[str] = "botocore 1.43.127 endpoints.json"

#: Per partition, its region name pattern and the regions it has.
REGIONS: Final[Mapping[str, tuple[str, tuple[str, ...]]]] = {
    "aws": (
        r"(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+",
        (
            "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2",
            "ap-northeast-3", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2",
            "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6",
            "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2",
            "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
            "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1",
            "us-east-1", "us-east-2", "us-west-1", "us-west-2",
        ),
    ),
    "aws-cn": (r"cn-\w+-\d+", ("cn-north-1", "cn-northwest-1")),
    "aws-us-gov": (r"us-gov-\w+-\d+", ("us-gov-east-1", "us-gov-west-1")),
    "aws-iso": (r"us-iso-\w+-\d+", ("us-iso-east-1", "us-iso-west-1")),
    "aws-iso-b": (r"us-isob-\w+-\d+", ("us-isob-east-1", "us-isob-west-1")),
    "aws-iso-e": (r"eu-isoe-\w+-\d+", ("eu-isoe-west-1",)),
    "aws-iso-f": (r"us-isof-\w+-\d+", ("us-isof-east-1", "us-isof-south-1")),
    "aws-eusc": (r"eusc-(de)-\w+-\d+", ("eusc-de-east-1",)),
}  # fmt: skip


def _all_regions() -> tuple[str, ...]:
    return tuple(sorted(r for _, regions in REGIONS.values() for r in regions))


def region_note(region: str, partition: str | None = None) -> str | None:
    """What to tell about ``region`` (in ``partition``, when given), or ``None`` for a known
    region of that partition.

    A name of no partition's shape is a likely typo (with close matches); a name of a
    partition's shape that it does not list may be a region newer than this table; a
    region of another partition than ``partition`` cannot appear in that partition's ARNs.
    """
    own = partition_of_region(region)
    shaped = [p for p, (pattern, _) in REGIONS.items() if re.fullmatch(pattern, region)]
    if not shaped:
        close = difflib.get_close_matches(region, _all_regions(), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        return f"{region!r} is not an AWS region name (they look like 'eu-west-1'){hint}"
    if partition is not None and partition in REGIONS and partition != own:
        return (
            f"the region {region!r} is in the partition {own!r}, not {partition!r}: the ARNs "
            f"use {partition!r} as given"
        )
    known = REGIONS.get(own, ("", ()))[1]
    if region not in known:
        close = difflib.get_close_matches(region, known, n=3, cutoff=0.8)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        return (
            f"{region!r} is not among the {len(known)} regions of the partition {own!r} this "
            f"version knows ({REGIONS_SOURCE}): a newer region is used as given{hint}"
        )
    return None
