"""Condition key names: the global ``aws:`` keys, and matching a key against documented names.

Service keys (``s3:prefix``, ``iam:PassedToService``) come with the universe; the global
keys (``aws:SourceIp``, ``aws:PrincipalOrgID`` ...) are in no service's record, so they are
listed here, from the IAM User Guide's "AWS global condition context keys"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html),
plus ``aws:SourceOwner``, which AWS no longer documents but still writes into the default
access policy of an SNS topic.

Documented names may hold a placeholder for a tag key or similar (``aws:RequestTag/${TagKey}``,
``s3:ExistingObjectTag/<key>``): :func:`key_matches` reads it as one or more characters. Keys
compare case-insensitively, as IAM compares them.

>>> key_matches("aws:RequestTag/team", "aws:RequestTag/${TagKey}")
True
>>> is_global_key("AWS:SourceIP")
True
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

__all__ = ["GLOBAL_CONDITION_KEYS", "is_global_key", "key_matches"]


def __dir__() -> list[str]:
    return __all__


#: The global condition keys, as the IAM User Guide spells them.
GLOBAL_CONDITION_KEYS: Final[tuple[str, ...]] = (
    "aws:AssumedRoot",
    "aws:CalledVia",
    "aws:CalledViaAWSMCP",
    "aws:CalledViaFirst",
    "aws:CalledViaLast",
    "aws:ChatbotSourceArn",
    "aws:CurrentTime",
    "aws:Ec2InstanceSourcePrivateIPv4",
    "aws:Ec2InstanceSourceVpc",
    "aws:EpochTime",
    "aws:FederatedProvider",
    "aws:MultiFactorAuthAge",
    "aws:MultiFactorAuthPresent",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalIsAWSService",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalServiceName",
    "aws:PrincipalServiceNamesList",
    "aws:PrincipalTag/${TagKey}",
    "aws:PrincipalType",
    "aws:referer",
    "aws:RequestedRegion",
    "aws:RequestTag/${TagKey}",
    "aws:ResourceAccount",
    "aws:ResourceOrgID",
    "aws:ResourceOrgPaths",
    "aws:ResourceTag/${TagKey}",
    "aws:SecureTransport",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceIdentity",
    "aws:SourceIp",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:SourceOwner",
    "aws:SourceVpc",
    "aws:SourceVpcArn",
    "aws:SourceVpce",
    "aws:TagKeys",
    "aws:TokenIssueTime",
    "aws:UserAgent",
    "aws:userid",
    "aws:username",
    "aws:ViaAWSMCPService",
    "aws:ViaAWSService",
    "aws:VpceAccount",
    "aws:VpceOrgID",
    "aws:VpceOrgPaths",
    "aws:VpcSourceIp",
)

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}|<[^>]*>")


@cache
def _regex(documented: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(documented)
    return re.compile(".+".join(re.escape(p) for p in parts), re.IGNORECASE)


def key_matches(key: str, documented: str) -> bool:
    """Whether ``key`` as written in a policy is the documented key name ``documented``."""
    return _regex(documented).fullmatch(key) is not None


def is_global_key(key: str) -> bool:
    """Whether ``key`` is one of :data:`GLOBAL_CONDITION_KEYS`."""
    return any(key_matches(key, documented) for documented in GLOBAL_CONDITION_KEYS)
